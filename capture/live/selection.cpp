// Kernel-side selection (see selection.h).
#include "capture/live/selection.h"

#include <algorithm>

namespace pg::live {
namespace {

// Signatures of the two big process events (20 parameters each).
constexpr const char* kExecExitSig = "isBiiisiiiuuusBBuiuu";
constexpr const char* kCloneExitSig = "isBiiisiiiuuusBuuuii";

struct Filler {
  uint32_t nr;
  const char* name;
  const char* enter_prog;
  const char* enter_sig;
  const char* exit_prog;
  const char* exit_sig;
  bool state;  // the state engine needs this syscall
};

// Every syscall the probe implements (x86_64 numbers), with its fillers in probe.bpf.c and the
// signatures those fillers write. build_plan() checks the signatures against vm/events.def.
constexpr Filler kFillers[] = {
    {2, "open", "f_open_e", "suu", "f_open_x", "isuuu", true},
    {3, "close", "f_fd_e", "i", "f_res_x", "i", true},
    {22, "pipe", "f_empty_e", "", "f_pipe_x", "iiii", true},
    {32, "dup", "f_fd_e", "i", "f_res_x", "i", true},
    {33, "dup2", "f_fd_e", "i", "f_res_x", "i", true},
    {41, "socket", "f_socket_e", "uuu", "f_res_x", "i", true},
    {42, "connect", "f_connect_e", "ia", "f_connect_x", "it", true},
    {43, "accept", "f_empty_e", "", "f_accept_x", "itbuu", true},
    {44, "sendto", "f_sendto_e", "iut", "f_sendto_x", "iB", true},
    {45, "recvfrom", "f_recvfrom_e", "iu", "f_recvfrom_x", "iBt", true},
    {46, "sendmsg", "f_sendmsg_e", "iut", "f_sendmsg_x", "iB", true},
    {47, "recvmsg", "f_fd_e", "i", "f_recvmsg_x", "iuBt", true},
    {48, "shutdown", "f_shutdown_e", "ib", "f_res_x", "i", true},
    {49, "bind", "f_fd_e", "i", "f_bind_x", "ia", true},
    {50, "listen", "f_listen_e", "iu", "f_res_x", "i", false},
    {53, "socketpair", "f_socket_e", "uuu", "f_socketpair_x", "iiiii", true},
    {56, "clone", "f_empty_e", "", "f_clone_x", kCloneExitSig, true},
    {57, "fork", "f_empty_e", "", "f_clone_x", kCloneExitSig, true},
    {58, "vfork", "f_empty_e", "", "f_clone_x", kCloneExitSig, true},
    {59, "execve", "f_execve_e", "s", "f_execve_x", kExecExitSig, true},
    {62, "kill", "f_kill_e", "ib", "f_res_x", "i", false},
    {72, "fcntl", "f_fcntl_e", "ib", "f_res_x", "i", true},
    {80, "chdir", "f_empty_e", "", "f_res_path_x", "is", true},
    {81, "fchdir", "f_fd_e", "i", "f_res_x", "i", true},
    {82, "rename", "f_empty_e", "", "f_res_path_path_x", "iss", false},
    {83, "mkdir", "f_mkdir_e", "u", "f_res_path_x", "is", false},
    {84, "rmdir", "f_empty_e", "", "f_res_path_x", "is", false},
    {85, "creat", "f_creat_e", "su", "f_creat_x", "isuu", true},
    {86, "link", "f_empty_e", "", "f_res_path_path_x", "iss", false},
    {87, "unlink", "f_empty_e", "", "f_res_path_x", "is", false},
    {88, "symlink", "f_empty_e", "", "f_res_path_path_x", "iss", false},
    {90, "chmod", "f_empty_e", "", "f_chmod_x", "isu", false},
    {91, "fchmod", "f_empty_e", "", "f_fchmod_x", "iiu", false},
    {101, "ptrace", "f_ptrace_e", "hi", "f_ptrace_x", "idd", false},
    {105, "setuid", "f_u32_e", "u", "f_res_x", "i", true},
    {106, "setgid", "f_u32_e", "u", "f_res_x", "i", true},
    {109, "setpgid", "f_setpgid_e", "ii", "f_res_x", "i", true},
    {112, "setsid", "f_empty_e", "", "f_res_x", "i", true},
    {117, "setresuid", "f_setres_e", "uuu", "f_res_x", "i", true},
    {119, "setresgid", "f_setres_e", "uuu", "f_res_x", "i", true},
    {161, "chroot", "f_empty_e", "", "f_res_path_x", "is", true},
    {165, "mount", "f_mount_e", "u", "f_mount_x", "isss", false},
    {166, "umount2", "f_umount_e", "u", "f_res_path_x", "is", false},
    {200, "tkill", "f_kill_e", "ib", "f_res_x", "i", false},
    {234, "tgkill", "f_kill_e", "iib", "f_res_x", "i", false},
    {257, "openat", "f_openat_e", "isuu", "f_openat_x", "iisuuu", true},
    {258, "mkdirat", "f_empty_e", "", "f_res_dirpath_u32_x", "iisu", false},
    {263, "unlinkat", "f_empty_e", "", "f_res_dirpath_u32_x", "iisu", false},
    {264, "renameat", "f_empty_e", "", "f_res_dirpath2_x", "iisis", false},
    {265, "linkat", "f_empty_e", "", "f_res_dirpath2_x", "iisisu", false},
    {266, "symlinkat", "f_empty_e", "", "f_symlinkat_x", "isis", false},
    {268, "fchmodat", "f_empty_e", "", "f_res_dirpath_u32_x", "iisu", false},
    {272, "unshare", "f_unshare_e", "u", "f_res_x", "i", false},
    {284, "eventfd", "f_eventfd_e", "iu", "f_res_x", "i", true},
    {288, "accept4", "f_accept4_e", "u", "f_accept_x", "itbuu", true},
    {290, "eventfd2", "f_eventfd_e", "iu", "f_res_x", "i", true},
    {292, "dup3", "f_fd_e", "i", "f_res_x", "i", true},
    {293, "pipe2", "f_empty_e", "", "f_pipe_x", "iiii", true},
    {308, "setns", "f_setns_e", "iu", "f_res_x", "i", false},
    {316, "renameat2", "f_empty_e", "", "f_res_dirpath2_x", "iisisu", false},
    {321, "bpf", "f_bpf_e", "i", "f_bpf_x", "d", false},
    {322, "execveat", "f_execveat_e", "isu", "f_execve_x", kExecExitSig, true},
    {323, "userfaultfd", "f_empty_e", "", "f_userfaultfd_x", "iu", true},
    {435, "clone3", "f_empty_e", "", "f_clone_x", kCloneExitSig, true},
    {437, "openat2", "f_openat2_e", "isuuu", "f_openat2_x", "iisuuu", true},
};

constexpr uint16_t kProcexit = 186;  // PROCEXIT_2_E, emitted by sched_process_exit

const Filler* find_filler(uint32_t nr) {
  for (const Filler& f : kFillers) {
    if (f.nr == nr) return &f;
  }
  return nullptr;
}

char type_letter(ParamType t) {
  switch (t) {
    case ParamType::INT8:
    case ParamType::UINT8:
    case ParamType::FLAGS8:
    case ParamType::SIGTYPE:
    case ParamType::L4PROTO:
    case ParamType::SOCKFAMILY:
    case ParamType::ENUMFLAGS8:
      return 'b';
    case ParamType::INT16:
    case ParamType::UINT16:
    case ParamType::FLAGS16:
    case ParamType::PORT:
    case ParamType::SYSCALLID:
    case ParamType::ENUMFLAGS16:
      return 'h';
    case ParamType::INT32:
    case ParamType::UINT32:
    case ParamType::FLAGS32:
    case ParamType::UID:
    case ParamType::GID:
    case ParamType::MODE:
    case ParamType::BOOL:
    case ParamType::IPV4ADDR:
    case ParamType::ENUMFLAGS32:
      return 'u';
    case ParamType::INT64:
    case ParamType::UINT64:
    case ParamType::ERRNO:
    case ParamType::FD:
    case ParamType::PID:
    case ParamType::RELTIME:
    case ParamType::ABSTIME:
      return 'i';
    case ParamType::CHARBUF:
    case ParamType::FSPATH:
    case ParamType::FSRELPATH:
      return 's';
    case ParamType::BYTEBUF:
      return 'B';
    case ParamType::SOCKADDR:
      return 'a';
    case ParamType::SOCKTUPLE:
      return 't';
    case ParamType::DYN:
      return 'd';
    default:
      return '?';
  }
}

// True when `sig` matches the parameters of `code`; otherwise appends an explanation.
bool check_sig(uint16_t code, const char* sig, const char* prog, const char* sc,
               std::vector<std::string>& errors) {
  std::string want = event_signature(code);
  if (want == sig) return true;
  errors.push_back(std::string("filler ") + prog + " for " + sc + " writes \"" + sig +
                   "\" but event " + std::to_string(code) + " has \"" + want + "\"");
  return false;
}

}  // namespace

size_t SyscallPlan::selected_count() const {
  return static_cast<size_t>(
      std::count_if(rows.begin(), rows.end(), [](const SyscallRow& r) { return r.selected; }));
}

std::string event_signature(uint16_t code) {
  std::string s;
  const EventInfo* info = event_info(code);
  if (info == nullptr) return "?";
  for (const ParamInfo& p : info->params) s += type_letter(p.type);
  return s;
}

const std::vector<FillerInfo>& filler_table() {
  static const std::vector<FillerInfo> table = [] {
    std::vector<FillerInfo> t;
    for (const Filler& f : kFillers)
      t.push_back({f.nr, f.name, f.enter_prog, f.enter_sig, f.exit_prog, f.exit_sig});
    return t;
  }();
  return table;
}

const EventCodeSet& state_event_codes() {
  static const EventCodeSet set = [] {
    EventCodeSet s;
    for (const Filler& f : kFillers) {
      if (!f.state) continue;
      SyscallRoute r = syscall_route(f.nr);
      if (r.ppm_code < 0) continue;
      s.set(r.enter_event);
      s.set(r.exit_event);
    }
    s.set(kProcexit);
    return s;
  }();
  return set;
}

const EventCodeSet& supported_event_codes() {
  static const EventCodeSet set = [] {
    EventCodeSet s;
    for (const Filler& f : kFillers) {
      SyscallRoute r = syscall_route(f.nr);
      if (r.ppm_code < 0) continue;
      s.set(r.enter_event);
      s.set(r.exit_event);
    }
    s.set(kProcexit);
    s.set(kGenericEnter);
    s.set(kGenericExit);
    return s;
  }();
  return set;
}

SyscallPlan build_plan(const SelectionRequest& req) {
  SyscallPlan plan;
  EventCodeSet wanted = req.events;
  if (req.state_events) wanted |= state_event_codes();
  const bool generic_wanted = wanted.test(kGenericEnter) || wanted.test(kGenericExit);
  auto generic_ok = [&](int32_t ppm_sc) {
    if (req.generic_syscalls.empty()) return true;
    return std::find(req.generic_syscalls.begin(), req.generic_syscalls.end(),
                     static_cast<uint16_t>(ppm_sc)) != req.generic_syscalls.end();
  };
  EventCodeSet unsupported;
  for (uint32_t nr = 0; nr < kSyscallTableSize; ++nr) {
    SyscallRoute route = syscall_route(nr);
    if (route.ppm_code < 0) continue;
    SyscallRow& row = plan.rows[nr];
    row.ppm_sc = static_cast<uint16_t>(route.ppm_code);
    const bool is_generic = route.enter_event == kGenericEnter && route.exit_event == kGenericExit;
    auto make_generic = [&] {
      row.selected = true;
      row.generic = true;
      row.enter_event = kGenericEnter;
      row.exit_event = kGenericExit;
      row.enter_prog = "f_generic_e";
      row.exit_prog = "f_generic_x";
    };
    if (is_generic) {
      if (generic_wanted && generic_ok(route.ppm_code)) make_generic();
    } else if (wanted.test(route.enter_event) || wanted.test(route.exit_event)) {
      const Filler* f = find_filler(nr);
      bool ok = f != nullptr;
      if (ok) {
        ok = check_sig(route.enter_event, f->enter_sig, f->enter_prog, f->name, plan.errors);
        ok = check_sig(route.exit_event, f->exit_sig, f->exit_prog, f->name, plan.errors) && ok;
      }
      if (ok) {
        row.selected = true;
        row.enter_event = route.enter_event;
        row.exit_event = route.exit_event;
        row.enter_prog = f->enter_prog;
        row.exit_prog = f->exit_prog;
      } else if (req.generic_fallback) {
        make_generic();
      } else {
        if (wanted.test(route.enter_event)) unsupported.set(route.enter_event);
        if (wanted.test(route.exit_event)) unsupported.set(route.exit_event);
      }
    }
    if (row.selected) {
      plan.emitted.set(row.enter_event);
      plan.emitted.set(row.exit_event);
    }
  }
  plan.emitted.set(kProcexit);
  // Codes nothing routes to (old event versions, meta events) are not "unsupported": no
  // syscall could ever produce them on this kernel.
  for (uint16_t c = 0; c < kEventMax; ++c) {
    if (unsupported.test(c) && !plan.emitted.test(c)) plan.unsupported.push_back(c);
  }
  return plan;
}

}  // namespace pg::live
