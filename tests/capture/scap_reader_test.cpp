// Tests for the scap reader (capture/scap_reader.*) on synthesized images: every block type
// and version it accepts, and malformed, truncated or hostile input (clear errors naming the
// offset and block; events read before the error stay valid; no crash, hang or unbounded
// allocation).
#include "capture/scap_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <set>

#include "capture/inspector.h"
#include "capture/scap_writer.h"
#include "tests/capture/capture_test_util.h"

namespace pg::capture {
namespace {

using ::pg::test::block;
using ::pg::test::ev_block;
using ::pg::test::event_record;
using ::pg::test::p32;
using ::pg::test::p64;
using ::pg::test::pstr;
using ::pg::test::put_u16;
using ::pg::test::put_u8;
using ::pg::test::put_u32;
using ::pg::test::put_u64;

Metadata small_meta() {
  Metadata m;
  m.machine.present = true;
  m.machine.num_cpus = 2;
  m.machine.hostname = "box";
  Interface lo;
  lo.type = 3;
  lo.addr = {127, 0, 0, 1};
  lo.netmask = {255, 0, 0, 0};
  lo.name = "lo";
  m.interfaces.push_back(lo);
  m.has_interfaces = true;
  m.users.push_back({0, 0, "root", "/root", "/bin/bash"});
  m.users.push_back({1000, 1000, "alice", "/home/alice", "/bin/bash"});
  m.groups.push_back({0, "root"});
  m.groups.push_back({1000, "alice"});
  m.has_users = true;
  ThreadEntry t;
  t.tid = t.pid = 100;
  t.ptid = 1;
  t.sid = 100;
  t.vpgid = 100;
  t.comm = "bash";
  t.exe = "bash";
  t.exepath = "/bin/bash";
  t.cwd = "/home/alice";
  t.uid = t.gid = 1000;
  t.loginuid = 1000;
  FdEntry f;
  f.fd = 3;
  f.type = FdType::kFileV2;
  f.open_flags = 1;
  f.name = "/etc/passwd";
  t.fds.push_back(f);
  m.threads.push_back(t);
  return m;
}

// close(3) enter + exit on tid 100.
std::string two_events(uint64_t ts = 1000) {
  return ev_block(event_record(ts, 100, 4, {p64(3)})) +
         ev_block(event_record(ts + 10, 100, 5, {p64(0)}));
}

std::string gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

struct Result {
  bool opened = false;
  std::vector<uint16_t> types;
  std::vector<uint64_t> nums;
  std::string error;
  ReaderCounters counters;
  uint64_t generation = 0;
};

Result read_all(const std::string& image, uint32_t max_block = kDefaultMaxBlockSize) {
  Result r;
  ScapReader reader;
  reader.set_max_block_size(max_block);
  std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(image.data()), image.size());
  r.opened = reader.open_memory(data);
  if (r.opened) {
    Event ev;
    for (int guard = 0; guard < 100000; ++guard) {
      ReadStatus s = reader.next(ev);
      if (s != ReadStatus::kOk) break;
      r.types.push_back(ev.type);
      r.nums.push_back(ev.num);
    }
  }
  r.error = reader.error();
  r.counters = reader.counters();
  r.generation = reader.metadata_generation();
  return r;
}

TEST(ScapReader, ReadsWriterMetadataAndEvents) {
  std::string img = serialize_metadata(small_meta()) + two_events();
  ScapReader reader;
  ASSERT_TRUE(reader.open_memory({reinterpret_cast<const uint8_t*>(img.data()), img.size()}))
      << reader.error();
  const Metadata& m = reader.metadata();
  EXPECT_EQ(m.machine.hostname, "box");
  EXPECT_EQ(m.machine.num_cpus, 2u);
  ASSERT_EQ(m.interfaces.size(), 1u);
  EXPECT_EQ(m.interfaces[0].name, "lo");
  ASSERT_EQ(m.users.size(), 2u);
  EXPECT_EQ(m.users[1].name, "alice");
  EXPECT_EQ(m.groups[1].name, "alice");
  ASSERT_EQ(m.threads.size(), 1u);
  EXPECT_EQ(m.threads[0].exepath, "/bin/bash");
  EXPECT_EQ(m.threads[0].loginuid, 1000u);
  EXPECT_EQ(m.pl_version, 9);
  ASSERT_EQ(m.threads[0].fds.size(), 1u);
  EXPECT_EQ(m.threads[0].fds[0].name, "/etc/passwd");
  Event ev;
  ASSERT_EQ(reader.next(ev), ReadStatus::kOk);
  EXPECT_EQ(ev.type, 4);
  EXPECT_EQ(ev.tid, 100);
  EXPECT_EQ(ev.num, 1u);
  ASSERT_EQ(ev.nparams, 1u);
  EXPECT_EQ(ev.param_int(0), 3);
  ASSERT_EQ(reader.next(ev), ReadStatus::kOk);
  EXPECT_EQ(ev.num, 2u);
  EXPECT_EQ(reader.next(ev), ReadStatus::kEof);
  EXPECT_EQ(reader.error(), "");
}

TEST(ScapReader, GzipInMemoryAndConcatenatedMembers) {
  std::string img = serialize_metadata(small_meta()) + two_events();
  Result r = read_all(gzip(img));
  ASSERT_TRUE(r.opened) << r.error;
  EXPECT_EQ(r.types.size(), 2u);
  // Two gzip members (e.g. `cat a.gz b.gz`): two sections.
  Result two = read_all(gzip(img) + gzip(img));
  EXPECT_EQ(two.types.size(), 4u) << two.error;
  EXPECT_EQ(two.counters.sections, 2u);
  EXPECT_EQ(two.generation, 2u);
  EXPECT_EQ(two.nums.back(), 4u);
}

TEST(ScapReader, GzipFileOnDisk) {
  std::string img = serialize_metadata(small_meta()) + two_events();
  std::string path = ::pg::test::binary_dir() + "/reader_test.scap.gz";
  gzFile g = gzopen(path.c_str(), "wb");
  ASSERT_NE(g, nullptr);
  gzwrite(g, img.data(), static_cast<unsigned>(img.size()));
  gzclose(g);
  Inspector insp;
  ASSERT_TRUE(insp.open(path)) << insp.error();
  int n = 0;
  while (insp.next() == ReadStatus::kOk) n++;
  EXPECT_EQ(n, 2);
  EXPECT_EQ(insp.error(), "");
}

TEST(ScapReader, RejectsBadHeaders) {
  std::string img = serialize_metadata(small_meta()) + two_events();
  // Swapped magic (big-endian file).
  std::string bad = img;
  bad[8] = 0x1A; bad[9] = 0x2B; bad[10] = 0x3C; bad[11] = 0x4D;
  Result r = read_all(bad);
  EXPECT_FALSE(r.opened);
  EXPECT_NE(r.error.find("invalid magic number"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("offset 0"), std::string::npos) << r.error;
  // Major version 2.
  bad = img;
  bad[12] = 2;
  r = read_all(bad);
  EXPECT_FALSE(r.opened);
  EXPECT_NE(r.error.find("version 2"), std::string::npos) << r.error;
  // Minor versions are ignored, major 1 only.
  bad = img;
  bad[14] = 9;
  EXPECT_TRUE(read_all(bad).opened);
  // Not a scap file at all.
  r = read_all("hello world, not a capture");
  EXPECT_FALSE(r.opened);
  EXPECT_NE(r.error.find("not a scap file"), std::string::npos) << r.error;
  r = read_all("");
  EXPECT_FALSE(r.opened);
  EXPECT_NE(r.error.find("empty"), std::string::npos) << r.error;
}

TEST(ScapReader, TruncationAtEveryOffsetIsAnErrorOrEof) {
  std::string img = serialize_metadata(small_meta()) + two_events();
  const size_t meta_len = serialize_metadata(small_meta()).size();
  (void)meta_len;
  const size_t ev1_end = meta_len + ev_block(event_record(1000, 100, 4, {p64(3)})).size();
  std::set<size_t> boundaries;
  for (size_t at = 0; at + 8 <= img.size();) {
    boundaries.insert(at);
    at += load_u32(reinterpret_cast<const uint8_t*>(img.data()) + at + 4);
  }
  for (size_t n = 1; n < img.size(); ++n) {
    Result r = read_all(img.substr(0, n));
    if (boundaries.count(n)) {
      EXPECT_EQ(r.error, "") << n;  // a file may end after any block
      continue;
    }
    EXPECT_FALSE(r.error.empty()) << "no error for a file cut at " << n;
    EXPECT_NE(r.error.find("offset"), std::string::npos) << r.error;
    if (n > ev1_end) {
      // The event before the cut is still delivered.
      EXPECT_EQ(r.types.size(), 1u) << n << ": " << r.error;
    }
  }
  Result r = read_all(img.substr(0, ev1_end + 20));
  EXPECT_NE(r.error.find("truncated event block at offset " + std::to_string(ev1_end)),
            std::string::npos)
      << r.error;
}

TEST(ScapReader, HostileLengthsAreBounded) {
  std::string meta = serialize_metadata(small_meta());
  // A block that claims 3 GiB: rejected before any allocation.
  std::string b;
  put_u32(b, 0x216);
  put_u32(b, 0xC0000000u);
  Result r = read_all(meta + b + std::string(64, 'x'));
  EXPECT_NE(r.error.find("invalid event block at offset " + std::to_string(meta.size())),
            std::string::npos)
      << r.error;
  // 100 MiB: over the 64 MiB cap.
  b.clear();
  put_u32(b, 0x216);
  put_u32(b, 100u << 20);
  r = read_all(meta + b);
  EXPECT_NE(r.error.find("exceeds the limit"), std::string::npos) << r.error;
  // A small cap applies too.
  r = read_all(meta + two_events(), 16);
  EXPECT_NE(r.error.find("exceeds the limit of 16 bytes"), std::string::npos) << r.error;
  // A length below the framing minimum.
  b.clear();
  put_u32(b, 0x300);
  put_u32(b, 4);
  r = read_all(meta + b);
  EXPECT_NE(r.error.find("invalid unknown block (type 0x300)"), std::string::npos) << r.error;
}

TEST(ScapReader, MetadataTrailerMismatchIsAnError) {
  std::string shb_only = serialize_metadata(Metadata()).substr(0, 28);
  std::string mi;
  mi.resize(180, '\0');
  std::string img = shb_only + block(0x201, mi, 4) + two_events();
  Result r = read_all(img);
  EXPECT_FALSE(r.opened);
  EXPECT_NE(r.error.find("corrupt machine info block at offset 28"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("wrong block total length, header=192, trailer=196"), std::string::npos)
      << r.error;
}

TEST(ScapReader, SkipsUnknownBlocksAndCountsUnknownEvents) {
  std::string img = serialize_metadata(small_meta()) + block(0x300, "unknown payload") +
                    ev_block(event_record(1, 100, 400, {p64(1)})) + two_events();
  Result r = read_all(img);
  ASSERT_TRUE(r.opened) << r.error;
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.counters.unknown_blocks, 1u);
  EXPECT_EQ(r.counters.unknown_events, 1u);
  ASSERT_EQ(r.types.size(), 2u);
  EXPECT_EQ(r.nums[0], 1u);  // unknown events are not numbered
}

TEST(ScapReader, LateMetadataIsSkipped) {
  std::string meta = serialize_metadata(small_meta());
  std::string ul = meta.substr(meta.find(std::string("\x20\x02\x00\x00", 4)));
  ScapReader reader;
  std::string img = meta + two_events() + block(0x220, "") + two_events(2000);
  ASSERT_TRUE(reader.open_memory({reinterpret_cast<const uint8_t*>(img.data()), img.size()}));
  Event ev;
  int n = 0;
  while (reader.next(ev) == ReadStatus::kOk) n++;
  EXPECT_EQ(n, 4);
  EXPECT_EQ(reader.late_metadata_blocks(), 1u);
  EXPECT_EQ(reader.error(), "");
}

TEST(ScapReader, OldEventBlocksInferTheParameterCount) {
  // EV (v1) records have no nparams; an OPEN_X with the table's 5 parameters, and one written
  // with only 4 (older drivers): the reader finds the count whose lengths add up.
  auto v1 = [](uint16_t type, const std::vector<std::string>& params) {
    std::string lens, data;
    for (auto& p : params) {
      put_u16(lens, static_cast<uint16_t>(p.size()));
      data += p;
    }
    std::string r;
    put_u64(r, 5);
    put_u64(r, 100);
    put_u32(r, static_cast<uint32_t>(22 + lens.size() + data.size()));
    put_u16(r, type);
    std::string body;
    put_u16(body, 1);
    return block(0x204, body + r + lens + data);
  };
  std::string img = serialize_metadata(small_meta()) +
                    v1(3, {p64(4), pstr("/etc/hosts"), p32(1), p32(0), p32(0x803)}) +
                    v1(3, {p64(5), pstr("/etc/group"), p32(1), p32(0)});
  ScapReader reader;
  ASSERT_TRUE(reader.open_memory({reinterpret_cast<const uint8_t*>(img.data()), img.size()}));
  Event ev;
  ASSERT_EQ(reader.next(ev), ReadStatus::kOk);
  EXPECT_EQ(ev.nparams, 5u);
  EXPECT_EQ(ev.cpu, 1);
  EXPECT_EQ(ev.param_str(1), "/etc/hosts");
  ASSERT_EQ(reader.next(ev), ReadStatus::kOk);
  EXPECT_EQ(ev.nparams, 4u);
  EXPECT_EQ(ev.param_str(1), "/etc/group");
  // Written back as EV_V2 with the inferred count, and read the same.
  EXPECT_EQ(reader.next(ev), ReadStatus::kEof);
}

TEST(ScapReader, MoreOrFewerParametersThanTheTable) {
  // execve exit (293, 20 params in the table) with only 3, and a close exit with 3 extra.
  std::string img =
      serialize_metadata(small_meta()) +
      ev_block(event_record(1, 100, 293, {p64(0), pstr("curl"), pstr("-s")})) +
      ev_block(event_record(2, 100, 4, {p64(3)})) +
      ev_block(event_record(3, 100, 5, {p64(0), p64(1), p64(2), p64(3)}));
  Inspector insp;
  ASSERT_TRUE(insp.open_memory({reinterpret_cast<const uint8_t*>(img.data()), img.size()}));
  std::vector<std::string> lines;
  Formatter f;
  std::string err;
  ASSERT_TRUE(f.parse("*%evt.type %proc.name %proc.args %proc.tty %evt.args", &err));
  while (insp.next() == ReadStatus::kOk) {
    std::string l;
    f.format(insp.fields(), l);
    lines.push_back(l);
  }
  EXPECT_EQ(insp.error(), "");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "execve curl -s 0 res=0 exe=curl args=-s. ");
  EXPECT_EQ(lines[2], "close curl -s 0 res=0 ");
}

TEST(ScapReader, FlaggedAndLargePayloadEvents) {
  // EVF_V2 with STATE_ONLY, and a CONTAINER_JSON_2 event (32-bit parameter lengths).
  std::string body;
  put_u16(body, 0);
  put_u32(body, kDumpStateOnly);
  std::string json = "{\"container\":{\"id\":\"abcdefabcdef\",\"name\":\"web\",\"image\":\"nginx\"}}";
  std::string img = serialize_metadata(small_meta()) +
                    block(0x217, body + event_record(1, 100, 4, {p64(3)})) +
                    ev_block(event_record(2, -1, 324, {json + '\0'}, true));
  Inspector insp;
  ASSERT_TRUE(insp.open_memory({reinterpret_cast<const uint8_t*>(img.data()), img.size()}));
  ASSERT_EQ(insp.next(), ReadStatus::kOk);
  EXPECT_FALSE(insp.displayable());
  EXPECT_EQ(insp.event().dump_flags, kDumpStateOnly);
  ASSERT_EQ(insp.next(), ReadStatus::kOk);
  EXPECT_EQ(insp.event().len_width, 4);
  EXPECT_EQ(insp.event().param_str(0), json);
  EXPECT_EQ(insp.reader().counters().state_only, 1u);
}

TEST(ScapReader, MalformedEventNamesTheBlock) {
  std::string rec = event_record(1, 100, 4, {p64(3)});
  rec[22] = 9;  // nparams 9: the lengths no longer fit
  std::string meta = serialize_metadata(small_meta());
  Result r = read_all(meta + two_events() + ev_block(rec));
  EXPECT_EQ(r.types.size(), 2u);
  size_t at = meta.size() + two_events().size();
  EXPECT_NE(r.error.find("malformed event block at offset " + std::to_string(at)),
            std::string::npos)
      << r.error;
  // Sticky: the reader keeps reporting the error.
}

TEST(ScapReader, ModernProcessListTail) {
  // PL_V9 entry with the libs >= 0.10 tail (pidns_init_start_ts, tty, loginuid, ...).
  Metadata m = small_meta();
  std::string meta = serialize_metadata(m);
  size_t pl = meta.find(std::string("\x15\x02\x00\x00", 4));
  ASSERT_NE(pl, std::string::npos);
  // Rebuild the PL block with the modern tail.
  std::string e;
  for (int64_t v : {100, 100, 1, 100, 100}) put_u64(e, static_cast<uint64_t>(v));
  for (std::string s : {"bash", "bash", "/bin/bash", "", "/home/alice"}) {
    put_u16(e, static_cast<uint16_t>(s.size()));
    e += s;
  }
  put_u64(e, 1024);
  put_u32(e, 0);
  put_u32(e, 1000);
  put_u32(e, 1000);
  for (int i = 0; i < 3; ++i) put_u32(e, 0);
  put_u64(e, 0);
  put_u64(e, 0);
  put_u16(e, 0);  // env
  put_u64(e, 100);
  put_u64(e, 100);
  put_u16(e, 0);  // cgroups
  put_u16(e, 0);  // root
  put_u64(e, 12345);  // pidns_init_start_ts
  put_u32(e, 34816);  // tty
  put_u32(e, 1000);   // loginuid
  put_u8(e, 0);       // exe_writable
  e.append(24 + 1 + 24 + 2 + 8, '\0');
  std::string body;
  put_u32(body, static_cast<uint32_t>(e.size() + 4));
  body += e;
  std::string img = meta.substr(0, pl) + block(0x215, body) + two_events();
  ScapReader reader;
  ASSERT_TRUE(reader.open_memory({reinterpret_cast<const uint8_t*>(img.data()), img.size()}))
      << reader.error();
  ASSERT_EQ(reader.metadata().threads.size(), 1u);
  EXPECT_EQ(reader.metadata().threads[0].loginuid, 1000u);
  EXPECT_EQ(reader.metadata().threads[0].tty, 34816u);
}

TEST(ScapReader, OrphanFdListIsCounted) {
  Metadata m = small_meta();
  std::string meta = serialize_metadata(m);
  std::string fdl;
  put_u64(fdl, 999);
  std::string img = meta + block(0x218, fdl) + two_events();
  Result r = read_all(img);
  EXPECT_TRUE(r.opened) << r.error;
  EXPECT_EQ(r.counters.orphan_fd_lists, 1u);
}

TEST(ScapReader, SharedCapturesReadCompletely) {
  PG_REQUIRE_SHARED("captures");
  for (const std::string& path : ::pg::test::shared_captures()) {
    ScapReader reader;
    ASSERT_TRUE(reader.open(path)) << reader.error();
    Event ev;
    uint64_t n = 0;
    while (reader.next(ev) == ReadStatus::kOk) n++;
    EXPECT_EQ(reader.error(), "") << path;
    EXPECT_GT(n, 0u) << path;
    EXPECT_EQ(reader.counters().unknown_events, 0u) << path;
    EXPECT_FALSE(reader.metadata().threads.empty()) << path;
  }
}

}  // namespace
}  // namespace pg::capture
