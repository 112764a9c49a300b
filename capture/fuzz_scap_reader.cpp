// libFuzzer target for the capture reader: any byte string (plain or gzip) goes through the
// scap reader, the state engine and the field extractors, and the metadata is serialised back.
// Properties checked: no crash, no sanitizer report, no hang (bounded events per input), and
// a reader that reports an error keeps reporting it.
//
// Build: PEREGRINE_BUILD_FUZZ=ON with clang (capture/fuzz/CMakeLists.txt); seeds are the shared
// captures, decompressed at build time, plus the compressed originals.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "capture/inspector.h"
#include "capture/scap_writer.h"

namespace {

// Fields rendered for every event: one per class, plus the ones with the most logic.
constexpr pg::FieldId kFields[] = {
    pg::FieldId::EVT_ARGS,     pg::FieldId::EVT_RES,      pg::FieldId::EVT_ARG,
    pg::FieldId::PROC_NAME,    pg::FieldId::PROC_PNAME,   pg::FieldId::PROC_ANAME,
    pg::FieldId::PROC_CMDLINE, pg::FieldId::PROC_EXEPATH, pg::FieldId::PROC_ENV,
    pg::FieldId::PROC_SNAME,   pg::FieldId::USER_NAME,    pg::FieldId::GROUP_NAME,
    pg::FieldId::FD_NAME,      pg::FieldId::FD_LIP,       pg::FieldId::FD_L4PROTO,
    pg::FieldId::FD_DIRECTORY, pg::FieldId::FD_FILENAME,  pg::FieldId::FS_PATH_NAME,
    pg::FieldId::CONTAINER_ID, pg::FieldId::CONTAINER_NAME, pg::FieldId::THREAD_CGROUPS,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pg::capture::StateOptions opts;
  opts.max_threads = 512;
  opts.max_fds = 512;
  pg::capture::Inspector insp(opts);
  if (!insp.open_memory({data, size})) return 0;
  std::string out;
  for (int n = 0; n < 20000; ++n) {
    pg::capture::ReadStatus s = insp.next();
    if (s == pg::capture::ReadStatus::kEof) break;
    if (s == pg::capture::ReadStatus::kError) {
      if (insp.next() != pg::capture::ReadStatus::kError) std::abort();
      break;
    }
    for (pg::FieldId f : kFields) {
      pg::FieldArgs args;
      args.index = f == pg::FieldId::EVT_ARG ? 0 : (f == pg::FieldId::PROC_ANAME ? 3 : -1);
      out.clear();
      insp.fields().render(f, args, out);
    }
  }
  out = pg::capture::serialize_metadata(insp.reader().metadata());
  return 0;
}
