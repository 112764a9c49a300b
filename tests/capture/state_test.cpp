// Tests for the state engine and field extraction on a hand-built capture: fork + exec,
// relative opens, sockets with tuples, close, fd inheritance, exit, containers, interning,
// and the bounds of the thread table.
#include "capture/state.h"

#include <gtest/gtest.h>

#include "capture/inspector.h"
#include "capture/scap_writer.h"
#include "tests/capture/capture_test_util.h"

namespace pg::capture {
namespace {

using ::pg::test::ev_block;
using ::pg::test::event_record;
using ::pg::test::p32;
using ::pg::test::p64;
using ::pg::test::pstr;
using ::pg::test::put_u16;
using ::pg::test::put_u32;
using ::pg::test::put_u8;

const std::string kDockerId = "3ad7b26ded6d6f1b58b6c1e2b1a1d2b3c4d5e6f708192a3b4c5d6e7f8091a2b3";

Metadata meta() {
  Metadata m;
  m.machine.present = true;
  m.machine.num_cpus = 1;
  m.machine.hostname = "box";
  Interface eth;
  eth.type = 3;
  eth.addr = {10, 0, 0, 5};
  eth.netmask = {255, 255, 255, 0};
  eth.name = "eth0";
  m.interfaces.push_back(eth);
  m.has_interfaces = true;
  m.users.push_back({0, 0, "root", "/root", "/bin/sh"});
  m.users.push_back({1000, 1000, "alice", "/home/alice", "/bin/bash"});
  m.groups.push_back({1000, "staff"});
  m.has_users = true;
  ThreadEntry init;
  init.tid = init.pid = 1;
  init.ptid = 0;
  init.comm = "systemd";
  init.exe = "/sbin/init";
  init.cwd = "/";
  init.uid = init.gid = 0;
  m.threads.push_back(init);
  ThreadEntry bash;
  bash.tid = bash.pid = 100;
  bash.ptid = 1;
  bash.sid = 100;
  bash.vpgid = 100;
  bash.comm = "bash";
  bash.exe = "-bash";
  bash.exepath = "/bin/bash";
  bash.cwd = "/home/alice";
  bash.uid = bash.gid = 1000;
  bash.loginuid = 1000;
  FdEntry tty;
  tty.fd = 0;
  tty.type = FdType::kFileV2;
  tty.open_flags = 3;
  tty.name = "/dev/pts/0";
  bash.fds.push_back(tty);
  m.threads.push_back(bash);
  return m;
}

std::string sockaddr4(std::array<uint8_t, 4> ip, uint16_t port) {
  std::string s;
  put_u8(s, 2);
  s.append(reinterpret_cast<const char*>(ip.data()), 4);
  put_u16(s, port);
  return s;
}

std::string tuple4(std::array<uint8_t, 4> sip, uint16_t sport, std::array<uint8_t, 4> dip,
                   uint16_t dport) {
  std::string s;
  put_u8(s, 2);
  s.append(reinterpret_cast<const char*>(sip.data()), 4);
  put_u16(s, sport);
  s.append(reinterpret_cast<const char*>(dip.data()), 4);
  put_u16(s, dport);
  return s;
}

// clone exit (CLONE_20_X, 223) with the 2022 parameter list.
std::string clone_x(uint64_t ts, int64_t tid, int64_t res, int64_t pid, int64_t ptid) {
  return ev_block(event_record(
      ts, tid, 223,
      {p64(res), pstr("-bash"), std::string(), p64(tid), p64(pid), p64(ptid), pstr(""),
       p64(1024), p64(0), p64(0), p32(0), p32(0), p32(0), pstr("bash"), std::string(), p32(0),
       p32(1000), p32(1000), p64(tid), p64(pid)}));
}

std::string capture_image() {
  uint64_t ts = 1000;
  std::string ev;
  ev += ev_block(event_record(ts++, 100, 222, {}));
  ev += clone_x(ts++, 100, 200, 100, 1);
  ev += clone_x(ts++, 200, 0, 200, 100);
  ev += ev_block(event_record(ts++, 200, 292, {pstr("../../usr/bin/curl")}));
  std::string cg = "cpu=/docker/" + kDockerId + '\0' + "memory=/docker/" + kDockerId + '\0';
  ev += ev_block(event_record(
      ts++, 200, 293,
      {p64(0), pstr("curl"), std::string("-s\0http://example.com\0", 22), p64(200), p64(200),
       p64(100), pstr(""), p64(1024), p64(0), p64(0), p32(0), p32(0), p32(0), pstr("curl"), cg,
       std::string("HOME=/home/alice\0", 17), p32(34816), p64(200), p32(1000), p32(0)}));
  // openat(AT_FDCWD, "notes.txt") -> 3
  ev += ev_block(event_record(ts++, 200, 306, {p64(-100), pstr("notes.txt"), p32(1), p32(0)}));
  ev += ev_block(event_record(ts++, 200, 307,
                              {p64(3), p64(-100), pstr("notes.txt"), p32(1 | 0x1000), p32(0),
                               p32(0)}));
  // socket(AF_INET, SOCK_STREAM, 0) -> 4; connect to 93.184.216.34:80
  ev += ev_block(event_record(ts++, 200, 18, {p32(2), p32(1), p32(0)}));
  ev += ev_block(event_record(ts++, 200, 19, {p64(4)}));
  ev += ev_block(event_record(ts++, 200, 22, {p64(4), sockaddr4({93, 184, 216, 34}, 80)}));
  ev += ev_block(event_record(ts++, 200, 23,
                              {p64(0), tuple4({10, 0, 0, 5}, 40000, {93, 184, 216, 34}, 80)}));
  // dup(4) -> 5
  ev += ev_block(event_record(ts++, 200, 124, {p64(4)}));
  ev += ev_block(event_record(ts++, 200, 125, {p64(5)}));
  // close(3)
  ev += ev_block(event_record(ts++, 200, 4, {p64(3)}));
  ev += ev_block(event_record(ts++, 200, 5, {p64(0)}));
  // read(3) after the close: the fd is gone
  ev += ev_block(event_record(ts++, 200, 6, {p64(3), p32(10)}));
  // chdir("/tmp")
  ev += ev_block(event_record(ts++, 200, 94, {}));
  ev += ev_block(event_record(ts++, 200, 95, {p64(0), pstr("/tmp")}));
  // procexit of 200, then one more event of bash
  ev += ev_block(event_record(ts++, 200, 186, {p64(0), p64(0), std::string(1, '\0'),
                                              std::string(1, '\0')}));
  ev += ev_block(event_record(ts++, 100, 202, {}));
  return serialize_metadata(meta()) + ev;
}

class StateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    image_ = capture_image();
    ASSERT_TRUE(insp_.open_memory({reinterpret_cast<const uint8_t*>(image_.data()),
                                   image_.size()}))
        << insp_.error();
  }
  // Advances to event number n (1-based).
  void go(uint64_t n) {
    while (insp_.event().num < n || insp_.event().info == nullptr) {
      ASSERT_EQ(insp_.next(), ReadStatus::kOk) << insp_.error();
    }
  }
  std::string f(std::string_view token) {
    Formatter fm;
    std::string err;
    EXPECT_TRUE(fm.parse("*%" + std::string(token), &err)) << err;
    std::string out;
    fm.format(insp_.fields(), out);
    return out;
  }
  std::string image_;
  Inspector insp_;
};

TEST_F(StateTest, ForkExecAndProcessTree) {
  go(2);  // parent clone exit
  EXPECT_EQ(f("evt.args").substr(0, 16), "res=200(bash) ex");
  go(3);  // child clone exit
  EXPECT_EQ(f("proc.pid"), "200");
  EXPECT_EQ(f("proc.ppid"), "100");
  EXPECT_EQ(f("proc.pname"), "bash");
  EXPECT_EQ(f("proc.aname[2]"), "systemd");
  EXPECT_EQ(f("proc.cwd"), "/home/alice/");
  EXPECT_EQ(f("user.name"), "alice");
  EXPECT_EQ(f("user.loginname"), "alice");
  EXPECT_EQ(f("proc.exepath"), "/bin/bash");
  EXPECT_EQ(f("container.id"), "host");
  go(5);  // execve exit
  EXPECT_EQ(f("proc.name"), "curl");
  EXPECT_EQ(f("proc.cmdline"), "curl -s http://example.com");
  EXPECT_EQ(f("proc.args"), "-s http://example.com");
  EXPECT_EQ(f("proc.exepath"), "/usr/bin/curl");  // enter filename against the cwd
  EXPECT_EQ(f("proc.env"), "HOME=/home/alice");
  EXPECT_EQ(f("proc.tty"), "34816");
  EXPECT_EQ(f("proc.pname"), "bash");
  EXPECT_EQ(f("proc.apid[1]"), "100");
  EXPECT_EQ(f("container.id"), kDockerId.substr(0, 12));
  EXPECT_EQ(f("user.loginuid"), "1000");
  EXPECT_EQ(f("group.name"), "staff");
  EXPECT_EQ(f("evt.type"), "execve");
  EXPECT_EQ(f("evt.dir"), "<");
  EXPECT_EQ(f("evt.res"), "SUCCESS");
}

TEST_F(StateTest, FilesSocketsAndClose) {
  go(7);  // openat exit
  EXPECT_EQ(f("fd.num"), "3");
  EXPECT_EQ(f("fd.name"), "/home/alice/notes.txt");
  EXPECT_EQ(f("fd.directory"), "/home/alice");
  EXPECT_EQ(f("fd.filename"), "notes.txt");
  EXPECT_EQ(f("fd.typechar"), "f");
  EXPECT_EQ(f("evt.arg.flags"), "O_RDONLY|O_CLOEXEC");
  EXPECT_EQ(f("evt.arg.fd"), "<f>/home/alice/notes.txt");
  EXPECT_EQ(f("fd.name_changed"), "true");
  EXPECT_EQ(f("fs.path.name"), "/home/alice/notes.txt");
  go(9);  // socket exit
  EXPECT_EQ(f("fd.type"), "ipv4");
  EXPECT_EQ(f("fd.l4proto"), "<NA>");  // no role before connect
  go(11);  // connect exit
  EXPECT_EQ(f("fd.name"), "10.0.0.5:40000->93.184.216.34:80");
  EXPECT_EQ(f("fd.l4proto"), "tcp");
  EXPECT_EQ(f("fd.sip"), "93.184.216.34");
  EXPECT_EQ(f("fd.cip"), "10.0.0.5");
  EXPECT_EQ(f("fd.lip"), "10.0.0.5");
  EXPECT_EQ(f("fd.rip"), "93.184.216.34");
  EXPECT_EQ(f("fd.sport"), "80");
  EXPECT_EQ(f("fd.lport"), "40000");
  EXPECT_EQ(f("fd.is_server"), "false");
  EXPECT_EQ(f("fd.connected"), "true");
  EXPECT_EQ(f("fd.sockfamily"), "ip");
  go(13);  // dup exit
  EXPECT_EQ(f("fd.num"), "5");
  EXPECT_EQ(f("fd.name"), "10.0.0.5:40000->93.184.216.34:80");
  go(15);  // close exit: still shows the closed fd
  EXPECT_EQ(f("fd.name"), "/home/alice/notes.txt");
  go(16);  // read(3): gone
  EXPECT_EQ(f("fd.name"), "<NA>");
  EXPECT_EQ(f("evt.args"), "fd=3 size=10 ");
  go(18);  // chdir exit
  EXPECT_EQ(f("proc.cwd"), "/tmp/");
}

TEST_F(StateTest, ExitedThreadIsRemovedAfterTheNextEvent) {
  go(19);  // procexit
  EXPECT_NE(insp_.state().find_thread(200), nullptr);
  go(20);
  EXPECT_EQ(insp_.state().find_thread(200), nullptr);
  EXPECT_EQ(insp_.state().counters().removed_threads, 1u);
}

TEST(StateInterning, HotStringsCarryInternerIds) {
  std::string image = capture_image();
  Interner interner;
  uint32_t curl = interner.add("curl");
  uint32_t bash = interner.add("bash");
  uint32_t tcp = interner.add("tcp");
  Inspector insp;
  insp.state().set_interner(&interner);
  ASSERT_TRUE(insp.open_memory({reinterpret_cast<const uint8_t*>(image.data()), image.size()}));
  FieldValue v;
  while (insp.next() == ReadStatus::kOk && insp.event().num < 5) {
  }
  ASSERT_TRUE(insp.fields().extract(FieldId::PROC_NAME, {}, v));
  EXPECT_EQ(v.s, "curl");
  EXPECT_EQ(v.id, curl);
  ASSERT_TRUE(insp.fields().extract(FieldId::PROC_PNAME, {}, v));
  EXPECT_EQ(v.id, bash);
  ASSERT_TRUE(insp.fields().extract(FieldId::PROC_EXEPATH, {}, v));
  EXPECT_EQ(v.id, kAbsentStrId);  // looked up: not a program constant
  // Typed values for the VM.
  ASSERT_TRUE(insp.fields().extract(FieldId::PROC_PID, {}, v));
  EXPECT_EQ(v.kind, FieldValue::Kind::kInt);
  EXPECT_EQ(v.i, 200);
  ASSERT_TRUE(insp.fields().extract(FieldId::EVT_TYPE, {}, v));
  EXPECT_EQ(v.s, "execve");
  EXPECT_FALSE(insp.fields().extract(FieldId::K8S_POD_NAME, {}, v));
  // fd.l4proto's few values are interned too (the dup exit of the TCP socket).
  while (insp.next() == ReadStatus::kOk && insp.event().num < 13) {
  }
  ASSERT_EQ(insp.event().num, 13u);
  ASSERT_TRUE(insp.fields().extract(FieldId::FD_L4PROTO, {}, v));
  EXPECT_EQ(v.s, "tcp");
  EXPECT_EQ(v.id, tcp);
  insp.state().set_interner(nullptr);
  ASSERT_TRUE(insp.fields().extract(FieldId::FD_L4PROTO, {}, v));
  EXPECT_EQ(v.s, "tcp");
  EXPECT_EQ(v.id, kNoStrId);  // no interner: compared by bytes
}

// The extractor's index code (read from the ID parameter) agrees with EventView's default
// (which goes through the evt.type name) on every event of the shared captures.
TEST(StateIndexCode, MatchesTheEventViewDefault) {
  PG_REQUIRE_SHARED("captures");
  size_t generic = 0;
  for (const std::string& path : ::pg::test::shared_captures()) {
    Inspector insp;
    ASSERT_TRUE(insp.open(path)) << insp.error();
    while (insp.next() == ReadStatus::kOk) {
      FieldExtractor& fx = insp.fields();
      uint16_t ours = fx.index_code();
      uint16_t base = fx.EventView::index_code();
      ASSERT_EQ(ours, base) << path << " evt.num " << insp.event().num;
      if (ours >= kEventMax) generic++;
    }
  }
  EXPECT_GT(generic, 0u);
}

TEST(StateBounds, ThreadTableIsBoundedWithEviction) {
  StateOptions opts;
  opts.max_threads = 16;
  std::string ev;
  for (int64_t tid = 1000; tid < 1200; ++tid) {
    ev += ev_block(event_record(static_cast<uint64_t>(tid), tid, 202, {}));
  }
  std::string image = serialize_metadata(meta()) + ev;
  Inspector insp(opts);
  ASSERT_TRUE(insp.open_memory({reinterpret_cast<const uint8_t*>(image.data()), image.size()}));
  size_t n = 0;
  while (insp.next() == ReadStatus::kOk) {
    n++;
    EXPECT_LE(insp.state().thread_count(), 16u);
    EXPECT_NE(insp.state().thread(), nullptr);  // the current thread always exists
  }
  EXPECT_EQ(n, 200u);
  EXPECT_GT(insp.state().counters().evicted_threads, 0u);
}

TEST(StatePaths, ConcatenatePathsLikeSinsp) {
  EXPECT_EQ(concatenate_paths("/home/alice/", "notes.txt"), "/home/alice/notes.txt");
  EXPECT_EQ(concatenate_paths("/home/alice/", "../bob/./x"), "/home/bob/x");
  EXPECT_EQ(concatenate_paths("/a/", "/etc//passwd/"), "/etc/passwd");
  EXPECT_EQ(concatenate_paths("/", "."), "/");
  EXPECT_EQ(concatenate_paths("/", "../../.."), "/");
  EXPECT_EQ(concatenate_paths("/x/", std::string("a\x01" "b", 3)), "/x/a.b");
  EXPECT_EQ(container_id_from_cgroups("cpu=/docker/" + kDockerId + std::string(1, '\0')),
            kDockerId.substr(0, 12));
  EXPECT_EQ(container_id_from_cgroups("cpu=/system.slice/docker-" + kDockerId + ".scope"),
            kDockerId.substr(0, 12));
  EXPECT_EQ(container_id_from_cgroups("cpu=/user.slice"), "");
}

}  // namespace
}  // namespace pg::capture

namespace pg::capture {
namespace {

// The hand-built capture, written to a file, reads the same in sysdig 0.29.3.
TEST(StateVsSysdig, SyntheticCaptureMatchesSysdig) {
  PG_REQUIRE_SYSDIG();
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  std::string image = capture_image();
  std::string path = ::pg::test::binary_dir() + "/state_synthetic.scap";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(image.data(), 1, image.size(), f);
    std::fclose(f);
  }
  const std::string fmt =
      "*%evt.num %evt.type %evt.dir %evt.args|%proc.name %proc.pid %proc.ppid %proc.pname "
      "%proc.cmdline %proc.exepath %proc.cwd %proc.env %proc.tty %proc.aname[2] %user.name "
      "%user.loginname %group.name %container.id|%fd.num %fd.name %fd.type %fd.l4proto %fd.sip "
      "%fd.cip %fd.lip %fd.rip %fd.lport %fd.rport %fd.is_server %fd.connected %fd.directory "
      "%fd.filename %fd.name_changed %evt.res %thread.vtid %proc.vpid";
  std::string theirs = ::pg::test::run_capture_stdout(
      "sysdig -r " + ::pg::test::shell_quote(path) + " -p " + ::pg::test::shell_quote(fmt));
  Inspector insp;
  ASSERT_TRUE(insp.open(path));
  Formatter f;
  std::string err, ours;
  ASSERT_TRUE(f.parse(fmt, &err));
  while (insp.next() == ReadStatus::kOk) {
    if (insp.displayable() && f.format(insp.fields(), ours)) ours += '\n';
  }
  EXPECT_EQ(ours, theirs);
}

}  // namespace
}  // namespace pg::capture
