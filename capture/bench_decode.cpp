// bench_decode: decode + state cost per event over capture files, in memory (the files are
// decompressed first, so zlib is not measured). Three levels:
//   decode        ScapReader::next() only (block framing + event decoding, zero copy);
//   decode+state  Inspector::next(): decoding plus the state engine (threads, fds, enters);
//   +fields       the same plus extracting six typical rule fields per event.
// Each level checks its event count against the first run before it is timed (STYLE.md 20).
// Opening a capture (metadata blocks, seeding the thread and fd tables) is a one-off cost per
// file and is reported apart, in microseconds.
//
//   bench_decode [--passes N] [FILE.scap...]   (default: the shared captures)
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "capture/inspector.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string load(const std::string& path) {
  gzFile g = gzopen(path.c_str(), "rb");
  if (g == nullptr) return {};
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(g, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(g);
  return out;
}

// Each run opens the image (reading the metadata and seeding the state, reported separately
// as `open us`) and then times only the event loop into *loop_ns.
uint64_t run_decode(const std::string& img, double* loop_ns) {
  pg::capture::ScapReader r;
  if (!r.open_memory({reinterpret_cast<const uint8_t*>(img.data()), img.size()})) return 0;
  pg::capture::Event ev;
  uint64_t n = 0;
  auto t0 = Clock::now();
  while (r.next(ev) == pg::capture::ReadStatus::kOk) n++;
  *loop_ns += std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
  return n;
}

uint64_t run_state(const std::string& img, bool fields, uint64_t* checksum, double* loop_ns,
                   double* open_ns) {
  auto t0 = Clock::now();
  pg::capture::Inspector insp;
  if (!insp.open_memory({reinterpret_cast<const uint8_t*>(img.data()), img.size()})) return 0;
  auto t1 = Clock::now();
  *open_ns += std::chrono::duration<double, std::nano>(t1 - t0).count();
  uint64_t n = 0;
  pg::FieldValue v;
  const pg::FieldArgs none;
  while (insp.next() == pg::capture::ReadStatus::kOk) {
    n++;
    if (fields) {
      auto& fx = insp.fields();
      if (fx.extract(pg::FieldId::EVT_TYPE, none, v)) *checksum += v.s.size();
      if (fx.extract(pg::FieldId::PROC_NAME, none, v)) *checksum += v.s.size();
      if (fx.extract(pg::FieldId::PROC_PNAME, none, v)) *checksum += v.s.size();
      if (fx.extract(pg::FieldId::FD_NAME, none, v)) *checksum += v.s.size();
      if (fx.extract(pg::FieldId::USER_NAME, none, v)) *checksum += v.s.size();
      if (fx.extract(pg::FieldId::CONTAINER_ID, none, v)) *checksum += v.s.size();
    }
  }
  *loop_ns += std::chrono::duration<double, std::nano>(Clock::now() - t1).count();
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  int passes = 200;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--passes") == 0 && i + 1 < argc) {
      passes = std::max(1, std::atoi(argv[++i]));
    } else {
      files.push_back(argv[i]);
    }
  }
  if (files.empty()) {
    std::filesystem::path dir = std::filesystem::path(PG_SOURCE_DIR) / ".." / "shared" / "captures";
    if (const char* e = std::getenv("PEREGRINE_SHARED")) dir = std::filesystem::path(e) / "captures";
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      if (e.path().extension() == ".scap") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
  }
  if (files.empty()) {
    std::fprintf(stderr, "no capture files (pass some, or set PEREGRINE_SHARED)\n");
    return 2;
  }
  std::printf("%-30s %8s %12s %14s %14s %10s\n", "capture", "events", "decode ns/ev",
              "+state ns/ev", "+fields ns/ev", "open us");
  uint64_t tot_events = 0;
  double tot[3] = {0, 0, 0};
  for (const std::string& f : files) {
    std::string img = load(f);
    double scratch = 0, open_ns = 0;
    uint64_t expect = run_decode(img, &scratch);
    uint64_t sum = 0;
    if (expect == 0 || run_state(img, false, &sum, &scratch, &scratch) != expect ||
        run_state(img, true, &sum, &scratch, &scratch) != expect) {
      std::fprintf(stderr, "%s: event counts disagree; not timing it\n", f.c_str());
      return 1;
    }
    double el[3] = {0, 0, 0};
    for (int level = 0; level < 3; ++level) {
      for (int p = 0; p < passes; ++p) {
        uint64_t n = level == 0 ? run_decode(img, &el[level])
                                : run_state(img, level == 2, &sum, &el[level], &open_ns);
        if (n != expect) return 1;
      }
      tot[level] += el[level];
    }
    tot_events += expect * passes;
    const double ev = static_cast<double>(expect * passes);
    std::printf("%-30s %8llu %12.1f %14.1f %14.1f %10.1f\n",
                std::filesystem::path(f).filename().c_str(),
                static_cast<unsigned long long>(expect), el[0] / ev, el[1] / ev, el[2] / ev,
                open_ns / (2.0 * passes) / 1000.0);
    if (sum == 42) std::printf(" ");  // keep the checksum alive
  }
  std::printf("%-30s %8s %12.1f %14.1f %14.1f\n", "all (event-weighted)", "",
              tot[0] / tot_events, tot[1] / tot_events, tot[2] / tot_events);
  return 0;
}
