// Round trip through the scap writer: read a capture X, write it back as Y with ScapWriter
// (SHB 1.2, MI, IL_V2, UL_V2, PL_V9 with the pre-0.10 tail, FDL_V2, EV_V2), and check that
// `sysdig -r Y` prints exactly what `sysdig -r X` prints, with the default line format and a
// wide field list. Also round-trips through Peregrine's own reader.
#include <gtest/gtest.h>

#include "capture/inspector.h"
#include "capture/scap_writer.h"
#include "tests/capture/capture_test_util.h"

namespace pg::capture {
namespace {

// Writes every event of `in` (with its metadata) to `out`; returns the event count or -1.
int64_t rewrite(const std::string& in, const std::string& out, bool gzip, std::string* err) {
  ScapReader r;
  if (!r.open(in)) {
    *err = r.error();
    return -1;
  }
  ScapWriter w;
  if (!w.open(out, gzip)) {
    *err = w.error();
    return -1;
  }
  uint64_t gen = 0;
  Event ev;
  int64_t n = 0;
  for (;;) {
    ReadStatus s = r.next(ev);
    if (s == ReadStatus::kEof) break;
    if (s == ReadStatus::kError) {
      *err = r.error();
      return -1;
    }
    if (r.metadata_generation() != gen) {
      gen = r.metadata_generation();
      if (!w.write_metadata(r.metadata())) break;
    }
    if (!w.write_event(ev)) break;
    n++;
  }
  if (!w.close()) {
    *err = w.error();
    return -1;
  }
  return n;
}

const char* const kWideFormat =
    "*%evt.num %evt.time %evt.type %evt.dir %evt.args %proc.name %proc.pid %proc.ppid "
    "%proc.pname %proc.cmdline %proc.exepath %proc.cwd %proc.sid %proc.vpgid %proc.tty "
    "%proc.aname[2] %proc.env %thread.tid %thread.vtid %proc.vpid %user.uid %user.name "
    "%user.loginuid %user.loginname %group.name %fd.num %fd.name %fd.type %fd.l4proto "
    "%fd.lip %fd.rip %fd.is_server %fd.connected %container.id %container.name "
    "%container.image %thread.cgroups %proc.fdlimit %proc.vmsize %evt.reltime";

TEST(ScapRoundTrip, SysdigReadsOurRewriteIdentically) {
  PG_REQUIRE_SHARED("captures");
  PG_REQUIRE_SYSDIG();
  std::string tmp = ::pg::test::binary_dir() + "/capture_round_trip";
  std::filesystem::create_directories(tmp);
  for (const std::string& x : ::pg::test::shared_captures()) {
    SCOPED_TRACE(x);
    for (bool gzip : {false, true}) {
      std::string y = tmp + "/" + std::filesystem::path(x).stem().string() +
                      (gzip ? ".gz.scap" : ".scap");
      std::string err;
      ASSERT_GT(rewrite(x, y, gzip, &err), 0) << err;
      for (const char* fmt : {"", kWideFormat}) {
        std::string p = *fmt ? " -p " + ::pg::test::shell_quote(fmt) : "";
        int sx = 0, sy = 0;
        std::string ox = ::pg::test::run_capture_stdout("sysdig -r " + ::pg::test::shell_quote(x) + p, &sx);
        std::string oy = ::pg::test::run_capture_stdout("sysdig -r " + ::pg::test::shell_quote(y) + p, &sy);
        ASSERT_EQ(sx, 0);
        ASSERT_EQ(sy, 0) << "sysdig could not read " << y;
        ASSERT_FALSE(ox.empty());
        EXPECT_TRUE(ox == oy) << "sysdig output differs for " << y << " (format '" << fmt << "')";
      }
    }
  }
}

TEST(ScapRoundTrip, OurReaderReadsOurRewriteIdentically) {
  PG_REQUIRE_SHARED("captures");
  std::string tmp = ::pg::test::binary_dir() + "/capture_round_trip";
  std::filesystem::create_directories(tmp);
  for (const std::string& x : ::pg::test::shared_captures()) {
    SCOPED_TRACE(x);
    std::string y = tmp + "/self_" + std::filesystem::path(x).filename().string();
    std::string err;
    ASSERT_GT(rewrite(x, y, false, &err), 0) << err;
    Formatter f;
    ASSERT_TRUE(f.parse(kWideFormat, &err)) << err;
    std::string out[2];
    int i = 0;
    for (const std::string& path : {x, y}) {
      Inspector insp;
      ASSERT_TRUE(insp.open(path)) << insp.error();
      while (insp.next() == ReadStatus::kOk) {
        if (insp.displayable() && f.format(insp.fields(), out[i])) out[i] += '\n';
      }
      EXPECT_EQ(insp.error(), "");
      i++;
    }
    EXPECT_TRUE(out[0] == out[1]);
    EXPECT_FALSE(out[0].empty());
  }
}

}  // namespace
}  // namespace pg::capture
