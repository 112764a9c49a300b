// End-to-end tests of live capture (root and BPF): the probe is loaded once for the suite, real
// programs run (cat, ls, sh -c, a TCP client, a UDP sender, a child exercising every filler),
// and their events go through the state engine and field extraction exactly as `peregrine run`
// would see them. Every expectation is waited for with a bounded timeout by polling the event
// stream; nothing sleeps to synchronise. A capture written with ScapWriter is read back by
// sysdig 0.29.3 and must show the same proc.name / fd.name / evt.type values.
//
// Skips (with the reason) only when the probe is not built, the process is not root, or the
// kernel has no BTF; any other failure to start capture is a test failure.
#ifdef PG_HAVE_LIVE

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "capture/inspector.h"
#include "capture/live/live_source.h"
#include "capture/scap_writer.h"
#include "capture/state.h"
#include "tests/capture/capture_test_util.h"

extern char** environ;

namespace pg::live {
namespace {

using namespace std::chrono_literals;

// Fields rendered for every event, tab-separated, in this order.
constexpr const char* kFormat =
    "*%evt.type\t%evt.dir\t%proc.name\t%proc.pid\t%fd.name\t%fd.sip\t%fd.sport\t%fd.l4proto\t"
    "%proc.pname\t%proc.aname[2]\t%proc.cmdline\t%fd.cip\t%fd.cport\t%evt.res\t%thread.tid";

enum Col {
  kType,
  kDir,
  kName,
  kPid,
  kFdName,
  kSip,
  kSport,
  kL4,
  kPname,
  kAname2,
  kCmdline,
  kCip,
  kCport,
  kRes,
  kTid,
  kCols
};

struct Line {
  std::vector<std::string> c;
  uint16_t code = 0;
  const std::string& operator[](Col i) const { return c[i]; }
  std::string str() const {
    std::string s;
    for (const auto& x : c) s += x + " | ";
    return s;
  }
};

std::string self_comm(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string s;
  std::getline(in, s);
  return s;
}

// The shared live capture: one probe for the suite, one state engine fed by every event.
class Harness {
 public:
  bool start(std::string* skip, std::string* err) {
    // Skip only when live capture is impossible here: no probe in this build, not root, no
    // BTF, no usable bpf() (Loader::preflight says which). Anything else is a failure.
    std::string why;
    if (!Loader::preflight(&why)) {
      *skip = why;
      return false;
    }
    LiveConfig cfg;
    cfg.events = supported_event_codes();  // every specific event the probe implements
    cfg.events.reset(kGenericEnter);
    cfg.events.reset(kGenericExit);
    cfg.log = [this](LogLevel l, std::string_view m) {
      if (l >= LogLevel::kWarning) log_ += std::string(m) + "\n";
    };
    if (!src_.open(cfg)) {
      *err = src_.error();
      return false;
    }
    fields_ = std::make_unique<capture::FieldExtractor>(state_);
    state_.load_metadata(src_.metadata());
    std::string ferr;
    if (!fmt_.parse(kFormat, &ferr)) {
      *err = ferr;
      return false;
    }
    return true;
  }

  // Polls events until `pred` accepts one (true) or `timeout` passes (false). Every event goes
  // through the state engine; lines of threads in `pids` (all when empty) are kept.
  bool wait_for(const std::function<bool(const Line&)>& pred,
                std::chrono::milliseconds timeout = 10s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    capture::Event ev;
    while (std::chrono::steady_clock::now() < end) {
      NextStatus s = src_.next(ev, 50ms);
      if (s == NextStatus::kError) return false;
      if (s != NextStatus::kOk) continue;
      if (on_event(ev, pred)) return true;
    }
    return false;
  }

  // Consumes what is pending: until `quiet` passes without events, at most `limit`.
  void drain(std::chrono::milliseconds quiet = 100ms, std::chrono::milliseconds limit = 2s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    capture::Event ev;
    while (std::chrono::steady_clock::now() < end && src_.next(ev, quiet) == NextStatus::kOk)
      on_event(ev, nullptr);
  }

  LiveSource& source() { return src_; }
  capture::State& state() { return state_; }
  const std::string& log() const { return log_; }
  std::vector<Line>& lines() { return lines_; }
  // Events whose parameter layout disagrees with the table (code -> description).
  const std::vector<std::string>& shape_errors() const { return shape_errors_; }
  // Per-thread events seen: tid -> codes in order.
  std::map<int64_t, std::vector<uint16_t>>& by_tid() { return by_tid_; }
  uint64_t events() const { return events_; }

  // Records `fn` to see every raw event (for the writer test).
  void set_tap(std::function<void(const capture::Event&)> fn) { tap_ = std::move(fn); }

 private:
  bool on_event(const capture::Event& ev, const std::function<bool(const Line&)>& pred) {
    ++events_;
    check_shape(ev);
    if (tap_) tap_(ev);
    if (first_) {
      fields_->set_first_ts(ev.ts);
      first_ = false;
    }
    state_.process(ev);
    fields_->set_event(&ev);
    auto& seq = by_tid_[ev.tid];
    if (seq.size() < 4096) seq.push_back(ev.type);
    buf_.clear();
    if (!fmt_.format(*fields_, buf_)) return false;
    Line l;
    l.code = ev.type;
    size_t pos = 0;
    while (l.c.size() < kCols) {
      size_t tab = buf_.find('\t', pos);
      if (tab == std::string::npos) tab = buf_.size();
      l.c.push_back(buf_.substr(pos, tab - pos));
      pos = tab + 1;
    }
    if (lines_.size() < 200000) lines_.push_back(l);
    return pred && pred(l);
  }

  void check_shape(const capture::Event& ev) {
    const EventInfo* info = ev.info;
    if (info == nullptr) return;
    std::string why;
    if (ev.file_nparams != info->params.size()) {
      why = "nparams " + std::to_string(ev.file_nparams) +
            " != " + std::to_string(info->params.size());
    }
    for (uint32_t i = 0; i < ev.nparams && i < info->params.size() && why.empty(); ++i) {
      size_t want = 0;
      switch (event_signature(ev.type)[i]) {
        case 'i':
          want = 8;
          break;
        case 'u':
          want = 4;
          break;
        case 'h':
          want = 2;
          break;
        case 'b':
          want = 1;
          break;
        case 'd':
          want = 9;
          break;
        default:
          break;
      }
      if (want != 0 && ev.param_len[i] != want) {
        why = "param " + std::string(info->params[i].name) + " has " +
              std::to_string(ev.param_len[i]) + " bytes";
      }
      char sig = event_signature(ev.type)[i];
      if (sig == 's' &&
          (ev.param_len[i] == 0 || ev.raw[ev.param_off[i] + ev.param_len[i] - 1] != 0)) {
        why = "string " + std::string(info->params[i].name) + " is not NUL-terminated";
      }
    }
    if (!why.empty() && shape_errors_.size() < 20)
      shape_errors_.push_back(std::string(info->name) + "(" + std::to_string(ev.type) +
                              "): " + why);
  }

  LiveSource src_;
  capture::State state_;
  std::unique_ptr<capture::FieldExtractor> fields_;
  capture::Formatter fmt_;
  std::string buf_, log_;
  std::vector<Line> lines_;
  std::vector<std::string> shape_errors_;
  std::map<int64_t, std::vector<uint16_t>> by_tid_;
  std::function<void(const capture::Event&)> tap_;
  uint64_t events_ = 0;
  bool first_ = true;
};

int wait_exit(pid_t pid) {
  int st = 0;
  ::waitpid(pid, &st, 0);
  return st;
}

class LiveCapture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    h_ = new Harness();
    if (!h_->start(&skip_, &error_)) {
      delete h_;
      h_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete h_;
    h_ = nullptr;
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_NE(h_, nullptr) << "live capture did not start: " << error_;
    h_->drain(20ms);
  }
  void TearDown() override {
    if (h_ != nullptr) {
      for (const auto& e : h_->shape_errors()) ADD_FAILURE() << "event shape: " << e;
    }
  }
  static Harness* h_;
  static std::string skip_, error_;
};

Harness* LiveCapture::h_ = nullptr;
std::string LiveCapture::skip_;
std::string LiveCapture::error_;

std::string pid_str(pid_t p) { return std::to_string(p); }

TEST_F(LiveCapture, CatOpensEtcHostname) {
  pid_t pid = test::spawn_quiet({"/bin/cat", "/etc/hostname"});
  ASSERT_GT(pid, 0);
  bool exec_seen = false;
  bool open_seen = h_->wait_for([&](const Line& l) {
    if (l[kPid] != pid_str(pid)) return false;
    if (l[kType] == "execve" && l[kDir] == "<" && l[kName] == "cat")
      exec_seen = l[kCmdline] == "cat /etc/hostname";
    return l[kType] == "openat" && l[kDir] == "<" && l[kFdName] == "/etc/hostname";
  });
  wait_exit(pid);
  EXPECT_TRUE(open_seen) << "no openat of /etc/hostname by cat";
  EXPECT_TRUE(exec_seen) << "no execve exit with proc.cmdline 'cat /etc/hostname'";
  const Line& l = h_->lines().back();
  EXPECT_EQ(l[kName], "cat");
  EXPECT_EQ(l[kRes], "SUCCESS");
}

TEST_F(LiveCapture, LsOpensTheRootDirectory) {
  pid_t pid = test::spawn_quiet({"/bin/ls", "/"});
  ASSERT_GT(pid, 0);
  bool seen = h_->wait_for([&](const Line& l) {
    return l[kPid] == pid_str(pid) && l[kName] == "ls" && l[kDir] == "<" &&
           (l[kType] == "openat" || l[kType] == "open") && l[kFdName] == "/";
  });
  wait_exit(pid);
  EXPECT_TRUE(seen) << "no open of / by ls";
}

TEST_F(LiveCapture, ShellSpawnedByANonShellParent) {
  const std::string me = self_comm(::getpid());
  const std::string grandparent = self_comm(::getppid());
  pid_t pid = test::spawn_quiet({"/bin/sh", "-c", "cat /etc/hostname; exit 0"});
  ASSERT_GT(pid, 0);
  Line sh_line, cat_line;
  bool sh_seen = false;
  bool cat_seen = h_->wait_for([&](const Line& l) {
    if (l[kType] != "execve" || l[kDir] != "<") return false;
    if (l[kPid] == pid_str(pid) && l[kName] == "sh") {
      sh_line = l;
      sh_seen = true;
    }
    if (l[kName] == "cat" && l[kPname] == "sh" && sh_seen) {
      cat_line = l;
      return true;
    }
    return false;
  });
  wait_exit(pid);
  ASSERT_TRUE(sh_seen) << "no execve of sh";
  EXPECT_EQ(sh_line[kPname], me);
  EXPECT_EQ(sh_line[kAname2], grandparent);
  EXPECT_EQ(sh_line[kCmdline], "sh -c cat /etc/hostname; exit 0");
  ASSERT_TRUE(cat_seen) << "no execve of cat under sh";
  EXPECT_EQ(cat_line[kAname2], me);
  EXPECT_EQ(cat_line[kCmdline], "cat /etc/hostname");
}

// A TCP listener here; perl (or a forked child) connects to it.
TEST_F(LiveCapture, TcpConnectToALoopbackListener) {
  int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(ls, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(ls, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(ls, 8), 0);
  socklen_t sl = sizeof sa;
  ASSERT_EQ(::getsockname(ls, reinterpret_cast<sockaddr*>(&sa), &sl), 0);
  const std::string port = std::to_string(ntohs(sa.sin_port));
  const bool perl = ::access("/usr/bin/perl", X_OK) == 0;
  const std::string script =
      "use IO::Socket::INET; IO::Socket::INET->new(PeerAddr => '127.0.0.1:" + port +
      "', Proto => 'tcp') or die;";
  pid_t pid;
  if (perl) {
    pid = test::spawn_quiet({"/usr/bin/perl", "-e", script});
  } else {
    pid = ::fork();
    if (pid == 0) {
      int c = ::socket(AF_INET, SOCK_STREAM, 0);
      ::_exit(::connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 ? 0 : 1);
    }
  }
  ASSERT_GT(pid, 0);
  Line conn;
  bool seen = h_->wait_for([&](const Line& l) {
    if (l[kPid] != pid_str(pid) || l[kType] != "connect" || l[kDir] != "<") return false;
    conn = l;
    return true;
  });
  EXPECT_EQ(WEXITSTATUS(wait_exit(pid)), 0);
  // The server side: accept here.
  pollfd pfd{ls, POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 5000), 1);
  int as = ::accept(ls, nullptr, nullptr);
  ASSERT_GE(as, 0);
  Line acc;
  bool accepted = h_->wait_for([&](const Line& l) {
    if (l[kPid] != pid_str(::getpid()) || l[kType] != "accept" || l[kDir] != "<") return false;
    acc = l;
    return true;
  });
  ::close(as);
  ::close(ls);
  ASSERT_TRUE(seen) << "no connect exit from the client";
  EXPECT_EQ(conn[kSip], "127.0.0.1");
  EXPECT_EQ(conn[kSport], port);
  EXPECT_EQ(conn[kL4], "tcp");
  EXPECT_EQ(conn[kRes], "SUCCESS");
  EXPECT_NE(conn[kFdName].find("->127.0.0.1:" + port), std::string::npos) << conn.str();
  if (perl) {
    EXPECT_EQ(conn[kName], "perl");
    EXPECT_NE(conn[kCmdline].find("perl -e use IO::Socket::INET"), std::string::npos);
  }
  ASSERT_TRUE(accepted) << "no accept exit in the server";
  EXPECT_EQ(acc[kSport], port);
  EXPECT_EQ(acc[kCip], "127.0.0.1");
  EXPECT_EQ(acc[kL4], "tcp");
}

// A UDP receiver here; perl (or a forked child) sends it one datagram with sendto().
TEST_F(LiveCapture, UdpSendtoOnLoopback) {
  int us = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(us, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(us, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  socklen_t sl = sizeof sa;
  ASSERT_EQ(::getsockname(us, reinterpret_cast<sockaddr*>(&sa), &sl), 0);
  const std::string port = std::to_string(ntohs(sa.sin_port));
  const bool perl = ::access("/usr/bin/perl", X_OK) == 0;
  const std::string script =
      "use Socket; socket(my $s, PF_INET, SOCK_DGRAM, getprotobyname('udp')) or die; "
      "send($s, 'peregrine', 0, sockaddr_in(" +
      port + ", inet_aton('127.0.0.1'))) or die;";
  pid_t pid;
  if (perl) {
    pid = test::spawn_quiet({"/usr/bin/perl", "-e", script});
  } else {
    pid = ::fork();
    if (pid == 0) {
      int c = ::socket(AF_INET, SOCK_DGRAM, 0);
      ::_exit(::sendto(c, "peregrine", 9, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 9 ? 0
                                                                                               : 1);
    }
  }
  ASSERT_GT(pid, 0);
  Line snd;
  bool seen = h_->wait_for([&](const Line& l) {
    if (l[kPid] != pid_str(pid) || l[kType] != "sendto" || l[kDir] != "<") return false;
    snd = l;
    return true;
  });
  EXPECT_EQ(WEXITSTATUS(wait_exit(pid)), 0);
  char buf[64];
  sockaddr_in from{};
  socklen_t fl = sizeof from;
  ASSERT_EQ(::recvfrom(us, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl), 9);
  Line rcv;
  bool received = h_->wait_for([&](const Line& l) {
    if (l[kPid] != pid_str(::getpid()) || l[kType] != "recvfrom" || l[kDir] != "<") return false;
    rcv = l;
    return true;
  });
  ::close(us);
  ASSERT_TRUE(seen) << "no sendto exit from the sender";
  EXPECT_EQ(snd[kL4], "udp");
  EXPECT_EQ(snd[kSip], "127.0.0.1");
  EXPECT_EQ(snd[kSport], port);
  EXPECT_EQ(snd[kRes], "SUCCESS");
  ASSERT_TRUE(received) << "no recvfrom exit in the receiver";
  EXPECT_EQ(rcv[kL4], "udp");
  EXPECT_EQ(rcv[kCport], std::to_string(ntohs(from.sin_port)));
}

// execveat reports its own event type, the path (even when the child never touched the page
// holding it, see f_execve_e), and sinsp's exepath.
TEST_F(LiveCapture, ExecveatReportsItsPathAndExepath) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    char* const argv[] = {const_cast<char*>("true"), nullptr};
    ::syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, environ, 0);
    ::_exit(3);
  }
  Line exit_line;
  bool seen = h_->wait_for([&](const Line& l) {
    if (l[kPid] != pid_str(pid) || l[kType] != "execveat" || l[kDir] != "<") return false;
    exit_line = l;
    return true;
  });
  EXPECT_EQ(WEXITSTATUS(wait_exit(pid)), 0);
  ASSERT_TRUE(seen) << "no execveat exit";
  EXPECT_EQ(exit_line[kName], "true");
  EXPECT_EQ(exit_line[kRes], "SUCCESS");
  const capture::ThreadInfo* t = h_->state().find_thread(pid);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->exepath.s, "/bin/true");
}

// A thread of a child process opens a file: the event carries the thread's tid and the
// process's name and pid (clone with CLONE_THREAD, from either clone or clone3).
TEST_F(LiveCapture, ThreadsBelongToTheirProcess) {
  char path[] = "/tmp/pg_live_thread_XXXXXX";
  int tmp = ::mkstemp(path);
  ASSERT_GE(tmp, 0);
  ::close(tmp);
  int pfd[2];
  ASSERT_EQ(::pipe(pfd), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pfd[0]);
    std::thread th([&] {
      pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
      ::close(::open(path, O_RDONLY));
      (void)!::write(pfd[1], &tid, sizeof tid);
    });
    th.join();
    ::_exit(0);
  }
  ::close(pfd[1]);
  pid_t tid = 0;
  ASSERT_EQ(::read(pfd[0], &tid, sizeof tid), static_cast<ssize_t>(sizeof tid));
  ::close(pfd[0]);
  Line l;
  bool seen = h_->wait_for([&](const Line& x) {
    if (x[kTid] != pid_str(tid) || x[kType] != "openat" || x[kDir] != "<") return false;
    l = x;
    return true;
  });
  wait_exit(pid);
  ::unlink(path);
  ASSERT_TRUE(seen) << "no openat from the thread";
  EXPECT_EQ(l[kPid], pid_str(pid));
  EXPECT_NE(l[kTid], l[kPid]);
  EXPECT_EQ(l[kFdName], path);
  EXPECT_EQ(l[kName], self_comm(::getpid()));
}

// A child runs one of each syscall the probe implements; each must arrive as its enter/exit
// pair with the layout of vm/events.def (the shape check runs on every event of the suite).
TEST_F(LiveCapture, EveryFillerProducesWellFormedPairs) {
  char dir[] = "/tmp/pg_live_fill_XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string d = dir;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto p = [&](const char* n) { return d + "/" + n; };
    int fd = static_cast<int>(::syscall(SYS_open, p("a").c_str(), O_CREAT | O_WRONLY, 0600));
    ::close(::creat(p("c").c_str(), 0600));
    int dfd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY);
    int fd2 = ::openat(dfd, "b", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    struct {
      uint64_t flags, mode, resolve;
    } how = {O_RDONLY, 0, 0};
    ::close(static_cast<int>(::syscall(SYS_openat2, dfd, "b", &how, sizeof how)));
    ::close(::dup(fd));
    ::close(::dup2(fd, 40));
    ::close(::dup3(fd, 41, O_CLOEXEC));
    ::close(::fcntl(fd, F_DUPFD_CLOEXEC, 50));
    int pfd[2];
    ::pipe(pfd);
    ::close(pfd[0]);
    ::close(pfd[1]);
    ::pipe2(pfd, O_CLOEXEC);
    int sv[2];
    ::socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    ::shutdown(sv[0], SHUT_RDWR);
    ::close(static_cast<int>(::syscall(SYS_eventfd2, 0, 0)));
    ::mkdir(p("m").c_str(), 0700);
    ::mkdirat(dfd, "n", 0700);
    ::rename(p("m").c_str(), p("m2").c_str());
    ::renameat(dfd, "n", dfd, "n2");
    ::syscall(SYS_renameat2, dfd, "n2", dfd, "n3", 0);
    ::rmdir(p("m2").c_str());
    ::unlinkat(dfd, "n3", AT_REMOVEDIR);
    ::symlink("a", p("s").c_str());
    ::symlinkat("a", dfd, "s2");
    ::link(p("a").c_str(), p("l").c_str());
    ::linkat(dfd, "a", dfd, "l2", 0);
    ::chmod(p("a").c_str(), 0640);
    ::fchmod(fd, 0600);
    ::fchmodat(dfd, "b", 0600, 0);
    ::unlink(p("s").c_str());
    ::chdir(d.c_str());
    ::fchdir(dfd);
    ::setuid(0);
    ::setgid(0);
    ::setresuid(0, 0, 0);
    ::setresgid(0, 0, 0);
    ::setpgid(0, 0);
    ::setsid();
    ::kill(::getpid(), 0);
    ::syscall(SYS_tgkill, ::getpid(), ::gettid(), 0);
    ::syscall(SYS_ptrace, -1L, 0L, 0L, 0L);
    ::syscall(SYS_bpf, -1, nullptr, 0);
    ::umount2("/nonexistent_pg", 0);
    ::mount("none", "/nonexistent_pg", "tmpfs", 0, nullptr);
    ::unshare(0);
    ::setns(-1, 0);
    ::syscall(SYS_userfaultfd, O_CLOEXEC);
    ::chroot("/nonexistent_pg");
    int ls = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(ls, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::listen(ls, 4);
    socklen_t sl = sizeof sa;
    ::getsockname(ls, reinterpret_cast<sockaddr*>(&sa), &sl);
    int c = ::socket(AF_INET, SOCK_STREAM, 0);
    ::connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    int a1 = ::accept(ls, nullptr, nullptr);
    int c2 = ::socket(AF_INET, SOCK_STREAM, 0);
    ::connect(c2, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    int a2 = ::accept4(ls, nullptr, nullptr, SOCK_CLOEXEC);
    iovec iov{const_cast<char*>("hi"), 2};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    ::sendmsg(c, &mh, 0);
    char rb[8];
    iovec riov{rb, sizeof rb};
    msghdr rmh{};
    rmh.msg_iov = &riov;
    rmh.msg_iovlen = 1;
    ::recvmsg(a1, &rmh, 0);
    ::close(a1);
    ::close(a2);
    ::close(c);
    ::close(c2);
    ::close(ls);
    char* const argv[] = {const_cast<char*>("/nonexistent_pg_exe"), nullptr};
    ::execve("/nonexistent_pg_exe", argv, environ);
    ::syscall(SYS_execveat, dfd, "nonexistent_pg_exe", argv, environ, 0);
    pid_t k = ::fork();
    if (k == 0) ::_exit(0);
    ::waitpid(k, nullptr, 0);
    ::close(fd2);
    ::close(dfd);
    ::close(fd);
    ::_exit(7);
  }
  int st = wait_exit(pid);
  EXPECT_EQ(WEXITSTATUS(st), 7);
  bool done = h_->wait_for(
      [&](const Line& l) { return l[kTid] == pid_str(pid) && l[kType] == "procexit"; });
  ASSERT_TRUE(done) << "no procexit of the exerciser";
  ASSERT_EQ(::system(("rm -rf " + d).c_str()), 0);

  // Every selected syscall the child made appears as an enter immediately followed (on that
  // thread) by its exit.
  const std::vector<uint16_t>& seq = h_->by_tid()[pid];
  std::set<std::string> seen;
  for (size_t i = 0; i < seq.size(); ++i) {
    const EventInfo* info = event_info(seq[i]);
    ASSERT_NE(info, nullptr);
    if (!info->is_exit) {
      if (seq[i] == 186) continue;  // procexit
      ASSERT_LT(i + 1, seq.size()) << "enter " << info->name << " without exit";
      EXPECT_EQ(seq[i + 1], seq[i] + 1) << info->name << " enter not followed by its exit";
      seen.insert(std::string(info->name));
    }
  }
  for (const char* name :
       {"open",       "creat",     "openat",    "openat2",  "dup",       "fcntl",  "pipe",
        "socketpair", "shutdown",  "eventfd",   "mkdir",    "mkdirat",   "rename", "renameat",
        "renameat2",  "rmdir",     "unlinkat",  "symlink",  "symlinkat", "link",   "linkat",
        "chmod",      "fchmod",    "fchmodat",  "unlink",   "chdir",     "fchdir", "setuid",
        "setgid",     "setresuid", "setresgid", "setpgid",  "setsid",    "kill",   "tgkill",
        "ptrace",     "bpf",       "umount",    "mount",    "unshare",   "setns",  "userfaultfd",
        "chroot",     "socket",    "bind",      "listen",   "connect",   "accept", "sendmsg",
        "recvmsg",    "close",     "execve",    "execveat", "clone"}) {
    EXPECT_TRUE(seen.count(name)) << "no " << name << " enter/exit pair from the exerciser";
  }
}

// A capture written with ScapWriter reads back in sysdig 0.29.3 with the same values.
TEST_F(LiveCapture, ScapWrittenLiveReadsTheSameInSysdig) {
  PG_REQUIRE_SYSDIG();
  const std::string path = ::testing::TempDir() + "pg_live_capture.scap";
  capture::ScapWriter w;
  ASSERT_TRUE(w.open(path));
  ASSERT_TRUE(w.write_metadata(h_->source().metadata())) << w.error();
  bool write_ok = true;
  h_->set_tap([&](const capture::Event& ev) { write_ok = write_ok && w.write_event(ev); });
  const size_t first_line = h_->lines().size();
  pid_t pid = test::spawn_quiet({"/bin/cat", "/etc/hostname"});
  ASSERT_GT(pid, 0);
  bool seen = h_->wait_for(
      [&](const Line& l) { return l[kPid] == pid_str(pid) && l[kType] == "procexit"; });
  wait_exit(pid);
  h_->set_tap(nullptr);
  ASSERT_TRUE(write_ok) << w.error();
  ASSERT_TRUE(w.close()) << w.error();
  ASSERT_TRUE(seen);

  // Ours: the lines of cat's exit events (and procexit), as the live state rendered them.
  std::vector<std::string> ours;
  for (size_t i = first_line; i < h_->lines().size(); ++i) {
    const Line& l = h_->lines()[i];
    if (l[kPid] != pid_str(pid) || l[kDir] != "<") continue;
    ours.push_back(l[kName] + " " + l[kFdName] + " " + l[kType]);
  }
  ASSERT_FALSE(ours.empty());
  std::string out = pg::test::run_capture_stdout(
      "sysdig -r " + pg::test::shell_quote(path) + " -p '*%proc.name %fd.name %evt.type' " +
      pg::test::shell_quote("proc.pid=" + pid_str(pid) + " and evt.dir='<'"));
  std::vector<std::string> theirs;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    std::string line = out.substr(pos, nl - pos);
    // sysdig prints <NA> where we print it too; strip trailing spaces.
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (!line.empty()) theirs.push_back(line);
    pos = nl + 1;
  }
  for (auto& s : ours) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
  }
  ASSERT_FALSE(theirs.empty()) << "sysdig printed nothing for " << path;
  EXPECT_EQ(ours, theirs);
  bool has_open = false;
  for (const auto& s : theirs) has_open |= s == "cat /etc/hostname openat";
  EXPECT_TRUE(has_open) << "sysdig does not show 'cat /etc/hostname openat'";
  if (!HasFailure()) ::unlink(path.c_str());
}

TEST_F(LiveCapture, NoDropsAndCountersAreConsistent) {
  h_->drain(50ms);
  LiveStats s = h_->source().stats();
  EXPECT_EQ(s.drops, 0u);
  EXPECT_EQ(s.shape_errors, 0u);
  EXPECT_EQ(s.malformed, 0u);
  EXPECT_GT(s.events, 0u);
  EXPECT_LE(s.events, s.kernel_events);
  EXPECT_EQ(s.cpus.size(), static_cast<size_t>(::sysconf(_SC_NPROCESSORS_CONF)));
  EXPECT_TRUE(h_->log().empty()) << h_->log();
}

}  // namespace
}  // namespace pg::live

#else
#include <gtest/gtest.h>
TEST(LiveCapture, NotBuilt) { GTEST_SKIP() << "pg_live is not linked into this test binary"; }
#endif
