// Tests of the live capture that need neither root nor BPF: the kernel-side selection (every
// probe filler's parameter signature against vm/events.def, state needs, generic routing,
// unsupported codes) and the /proc bootstrap (this process, its fds and sockets).
#ifdef PG_HAVE_LIVE

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "capture/live/proc_scan.h"
#include "capture/live/selection.h"
#include "capture/state.h"
#include "vm/events.h"

namespace pg::live {
namespace {

// Every filler writes exactly the parameter layout of the events its syscall routes to.
TEST(LiveSelection, EveryFillerMatchesTheEventTable) {
  SelectionRequest req;
  req.events = supported_event_codes();
  SyscallPlan plan = build_plan(req);
  for (const std::string& e : plan.errors) ADD_FAILURE() << e;
  EXPECT_TRUE(plan.unsupported.empty());
  for (const FillerInfo& f : filler_table()) {
    SyscallRoute r = syscall_route(f.nr);
    ASSERT_GE(r.ppm_code, 0) << f.name;
    EXPECT_EQ(event_signature(r.enter_event), f.enter_sig) << f.name << " enter";
    EXPECT_EQ(event_signature(r.exit_event), f.exit_sig) << f.name << " exit";
    EXPECT_TRUE(plan.rows[f.nr].selected) << f.name;
    EXPECT_FALSE(plan.rows[f.nr].generic) << f.name;
  }
}

TEST(LiveSelection, StateNeedsAreAlwaysSelected) {
  SelectionRequest req;  // nothing requested: only the state engine's needs
  SyscallPlan plan = build_plan(req);
  EXPECT_TRUE(plan.errors.empty());
  for (uint32_t nr : {56u, 57u, 58u, 435u, 59u, 322u, 2u,   257u, 437u, 3u,
                      41u, 42u, 43u, 288u, 32u, 33u,  292u, 72u,  80u,  81u})
    EXPECT_TRUE(plan.rows[nr].selected) << "syscall " << nr;
  EXPECT_TRUE(plan.emitted.test(186));   // procexit
  EXPECT_FALSE(plan.rows[0].selected);   // read
  EXPECT_FALSE(plan.rows[87].selected);  // unlink is not a state need
  EXPECT_FALSE(plan.rows[39].selected);  // getpid (generic)
}

TEST(LiveSelection, RulesEventTypesSelectTheirSyscalls) {
  SelectionRequest req;
  req.state_events = false;
  for (uint16_t c : event_codes_by_name("unlinkat")) req.events.set(c);
  for (uint16_t c : event_codes_by_name("ptrace")) req.events.set(c);
  SyscallPlan plan = build_plan(req);
  EXPECT_TRUE(plan.rows[263].selected);   // unlinkat
  EXPECT_TRUE(plan.rows[101].selected);   // ptrace
  EXPECT_FALSE(plan.rows[257].selected);  // openat: not requested, no state events
  EXPECT_EQ(plan.selected_count(), 2u);
}

TEST(LiveSelection, GenericSyscallsAreSelectedBySyscallCode) {
  SelectionRequest req;
  req.state_events = false;
  req.events.set(kGenericEnter);
  req.events.set(kGenericExit);
  req.generic_syscalls.push_back(static_cast<uint16_t>(syscall_code_by_name("init_module")));
  SyscallPlan plan = build_plan(req);
  EXPECT_TRUE(plan.rows[175].selected);  // init_module
  EXPECT_TRUE(plan.rows[175].generic);
  EXPECT_STREQ(plan.rows[175].enter_prog, "f_generic_e");
  EXPECT_FALSE(plan.rows[176].selected);  // delete_module
  req.generic_syscalls.clear();           // every generic syscall
  plan = build_plan(req);
  EXPECT_TRUE(plan.rows[176].selected);
  EXPECT_FALSE(plan.rows[257].selected);  // openat has its own events
}

TEST(LiveSelection, UnsupportedEventsAreReportedOrFallBackToGeneric) {
  SelectionRequest req;
  req.state_events = false;
  for (uint16_t c : event_codes_by_name("read")) req.events.set(c);
  SyscallPlan plan = build_plan(req);
  EXPECT_FALSE(plan.rows[0].selected);
  ASSERT_FALSE(plan.unsupported.empty());
  EXPECT_EQ(plan.unsupported[0], 6);  // READ_E
  req.generic_fallback = true;
  plan = build_plan(req);
  EXPECT_TRUE(plan.rows[0].selected);
  EXPECT_TRUE(plan.rows[0].generic);
  EXPECT_TRUE(plan.unsupported.empty());
}

// The bootstrap finds this process with its name, arguments, cwd, an open file and sockets.
TEST(LiveProcScan, FindsThisProcessWithItsFdsAndSockets) {
  char path[] = "/tmp/pg_live_scan_XXXXXX";
  int file_fd = ::mkstemp(path);
  ASSERT_GE(file_fd, 0);
  int lsock = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(lsock, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lsock, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(lsock, 4), 0);
  socklen_t sl = sizeof sa;
  ASSERT_EQ(::getsockname(lsock, reinterpret_cast<sockaddr*>(&sa), &sl), 0);
  const uint16_t port = ntohs(sa.sin_port);
  int csock = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(csock, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);

  capture::Metadata meta;
  ProcScanStats stats;
  scan_proc(ProcScanOptions{}, meta, &stats);
  EXPECT_GT(stats.processes, 0u);
  EXPECT_TRUE(meta.has_users);
  EXPECT_TRUE(meta.has_interfaces);
  EXPECT_TRUE(meta.machine.present);
  const capture::ThreadEntry* self = nullptr;
  for (const auto& t : meta.threads) {
    if (t.tid == ::getpid()) self = &t;
  }
  ASSERT_NE(self, nullptr);
  std::ifstream comm("/proc/self/comm");
  std::string want_comm;
  std::getline(comm, want_comm);
  EXPECT_EQ(self->comm, want_comm);
  EXPECT_EQ(self->pid, ::getpid());
  EXPECT_EQ(self->ptid, ::getppid());
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  EXPECT_EQ(self->cwd, cwd);
  EXPECT_FALSE(self->exepath.empty());
  EXPECT_NE(self->cgroups.find("cpu="), std::string::npos);

  bool saw_file = false, saw_listen = false, saw_conn = false, saw_pipe = false;
  for (const auto& f : self->fds) {
    if (f.fd == file_fd) {
      saw_file = f.type == capture::FdType::kFileV2 && f.name == path &&
                 (f.open_flags & 0x3) == 0x3;  // O_RDWR in PPM encoding
    } else if (f.fd == lsock) {
      saw_listen = f.type == capture::FdType::kIpv4ServSock && f.sport == port &&
                   f.l4proto == capture::kL4Tcp;
    } else if (f.fd == csock) {
      saw_conn = f.type == capture::FdType::kIpv4Sock && f.dport == port;
    } else if (f.fd == pipefd[0]) {
      saw_pipe = f.type == capture::FdType::kFifo;
    }
  }
  EXPECT_TRUE(saw_file);
  EXPECT_TRUE(saw_listen);
  EXPECT_TRUE(saw_conn);
  EXPECT_TRUE(saw_pipe);

  // The state engine accepts it and names the socket as sinsp does.
  capture::State st;
  st.load_metadata(meta);
  capture::ThreadInfo* t = st.find_thread(::getpid());
  ASSERT_NE(t, nullptr);
  capture::FdInfo* lf = st.find_fd(t, lsock);
  ASSERT_NE(lf, nullptr);
  EXPECT_EQ(lf->name, "127.0.0.1:" + std::to_string(port));

  ::close(pipefd[0]);
  ::close(pipefd[1]);
  ::close(csock);
  ::close(lsock);
  ::close(file_fd);
  ::unlink(path);
}

TEST(LiveProcScan, OpenFlagsUsePpmEncoding) {
  EXPECT_EQ(ppm_open_flags(O_RDONLY), 1u);
  EXPECT_EQ(ppm_open_flags(O_WRONLY | O_CREAT | O_TRUNC), (1u << 1) | (1u << 2) | (1u << 8));
  EXPECT_EQ(ppm_open_flags(O_RDONLY | O_CLOEXEC | O_DIRECTORY), 1u | (1u << 12) | (1u << 10));
}

}  // namespace
}  // namespace pg::live

#else
#include <gtest/gtest.h>
TEST(LiveSelection, NotBuilt) { GTEST_SKIP() << "pg_live is not linked into this test binary"; }
#endif
