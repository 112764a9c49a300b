// State engine implementation (see state.h for the semantics it mirrors).
//
// Parameters are found by name through a per-type index table built once from vm/events.def,
// so every event version (execve 8..19, clone 11..20, accept, openat, ...) is parsed by the
// same code, and a parameter missing from a short event reads as absent instead of out of
// bounds (sinsp 0.29.3 reads garbage there).
#include "capture/state.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "capture/event_codes.h"
#include "capture/render.h"

namespace pg::capture {

// ---- parameter index table ---------------------------------------------------------------------

namespace {

enum class P : uint8_t {
  res, fd, name, flags, dirfd, exe, args, tid, pid, ptid, cwd, fdlimit, pgft_maj, pgft_min,
  vm_size, vm_rss, vm_swap, comm, cgroups, env, tty, pgid, loginuid, uid, gid, vtid, vpid,
  tuple, addr, domain, type, proto, fd1, fd2, path, dev, cmd, filename, pathname, data, size,
  euid, egid, count
};

constexpr const char* kPNames[] = {
    "res", "fd", "name", "flags", "dirfd", "exe", "args", "tid", "pid", "ptid", "cwd",
    "fdlimit", "pgft_maj", "pgft_min", "vm_size", "vm_rss", "vm_swap", "comm", "cgroups", "env",
    "tty", "pgid", "loginuid", "uid", "gid", "vtid", "vpid", "tuple", "addr", "domain", "type",
    "proto", "fd1", "fd2", "path", "dev", "cmd", "filename", "pathname", "data", "size", "euid",
    "egid"};
static_assert(std::size(kPNames) == static_cast<size_t>(P::count));

struct ParamIndex {
  std::array<std::array<int8_t, static_cast<size_t>(P::count)>, kEventMax> idx;
  ParamIndex() {
    for (uint16_t code = 0; code < kEventMax; ++code) {
      idx[code].fill(-1);
      const EventInfo* info = event_info(code);
      if (info == nullptr) continue;
      for (size_t k = 0; k < std::size(kPNames); ++k) {
        for (size_t i = 0; i < info->params.size() && i < 127; ++i) {
          if (info->params[i].name == kPNames[k]) {
            idx[code][k] = static_cast<int8_t>(i);
            break;
          }
        }
      }
    }
  }
};

const ParamIndex& pindex() {
  static const ParamIndex t;
  return t;
}

// Index of parameter `k` in `ev`, or -1 when the type has none or the event is too short.
inline int pi(const Event& ev, P k) {
  int i = pindex().idx[ev.type][static_cast<size_t>(k)];
  return i >= 0 && static_cast<uint32_t>(i) < ev.nparams ? i : -1;
}

inline bool get_s64(const Event& ev, P k, int64_t& out) {
  int i = pi(ev, k);
  return i >= 0 && ev.param_s64(static_cast<uint32_t>(i), out);
}

inline bool get_u32(const Event& ev, P k, uint32_t& out) {
  int i = pi(ev, k);
  if (i < 0 || ev.param_len[i] != 4) return false;
  out = load_u32(ev.raw + ev.param_off[i]);
  return true;
}

inline bool get_u64(const Event& ev, P k, uint64_t& out) {
  int i = pi(ev, k);
  if (i < 0 || ev.param_len[i] != 8) return false;
  out = load_u64(ev.raw + ev.param_off[i]);
  return true;
}

inline bool has(const Event& ev, P k) { return pi(ev, k) >= 0; }

inline std::string_view get_str(const Event& ev, P k) {
  int i = pi(ev, k);
  return i < 0 ? std::string_view() : ev.param_str(static_cast<uint32_t>(i));
}

inline std::span<const uint8_t> get_bytes(const Event& ev, P k) {
  int i = pi(ev, k);
  return i < 0 ? std::span<const uint8_t>() : ev.param(static_cast<uint32_t>(i));
}

bool is_clone_exit(uint16_t t) {
  switch (t) {
    case ev::kClone11X: case ev::kClone16X: case ev::kClone17X: case ev::kClone20X:
    case ev::kForkX: case ev::kFork17X: case ev::kFork20X:
    case ev::kVforkX: case ev::kVfork17X: case ev::kVfork20X: case ev::kClone3X:
      return true;
    default:
      return false;
  }
}

// Enter events whose record sinsp keeps for the exit's parser (store_event in 0.29.3).
bool stores_enter(uint16_t t) {
  switch (t) {
    case ev::kOpenE: case ev::kCreatE: case ev::kOpenatE: case ev::kOpenat2E:
    case ev::kOpenat2NewE: case ev::kSocketE: case ev::kEventfdE: case ev::kChdirE:
    case ev::kFchdirE: case ev::kLinkE: case ev::kLinkatE: case ev::kMkdirE: case ev::kRmdirE:
    case ev::kShutdownE: case ev::kGetrlimitE: case ev::kSetrlimitE: case ev::kPrlimitE:
    case ev::kSendtoE: case ev::kSendmsgE: case ev::kSendfileE: case ev::kSetresuidE:
    case ev::kSetresgidE: case ev::kSetuidE: case ev::kSetgidE: case ev::kSetpgidE:
    case ev::kUnlinkE: case ev::kUnlinkatE: case ev::kExecve18E: case ev::kExecve19E:
    case ev::kExecveatE: case ev::kRecvfromE: case ev::kRecvmsgE: case ev::kSendmmsgE:
    case ev::kRecvmmsgE: case ev::kConnectE:
    case ev::kMkdir2E: case ev::kRmdir2E: case ev::kUnlink2E: case ev::kUnlinkat2E:
    case ev::kMkdiratE: case ev::kLink2E: case ev::kLinkat2E:
      return true;
    default:
      return false;
  }
}

// Linux socket constants used by socket(2)'s type and protocol arguments.
constexpr uint32_t kSockStream = 1, kSockDgram = 2, kSockRaw = 3;
constexpr uint32_t kIpprotoIp = 0, kIpprotoIcmp = 1, kIpprotoTcp = 6, kIpprotoUdp = 17,
                   kIpprotoRaw = 255;

constexpr uint8_t kAfUnix = 1, kAfInet = 2, kAfInet6 = 10, kAfNetlink = 16;

}  // namespace

// ---- paths ------------------------------------------------------------------------------------------

namespace {

void rewind_to_parent(const std::string& out, size_t& tc, size_t base) {
  if (tc <= base + 1) return;
  tc--;
  while (tc >= base + 1 && out[tc - 1] != '/') tc--;
}

// sinsp copy_and_sanitize_path(): appends `path` to out[0..tc) normalising it. `base` is the
// index where the whole path starts (0).
void sanitize_append(std::string& out, size_t tc, std::string_view path) {
  const size_t base = 0;
  out.resize(tc + path.size() + 1);
  size_t pc = 0;
  auto at = [&](size_t i) -> char { return i < path.size() ? path[i] : '\0'; };
  for (;;) {
    char c = at(pc);
    if (c == '\0') {
      if (tc > base + 1 && out[tc - 1] == '/') tc--;
      out.resize(tc);
      return;
    }
    if (!is_print(c)) {
      out[tc++] = '.';
      pc++;
      continue;
    }
    if (c == '.' && (tc == base || out[tc - 1] == '/')) {
      if (at(pc + 1) == '.' && at(pc + 2) == '/') {
        rewind_to_parent(out, tc, base);
        pc += 3;
      } else if (at(pc + 1) == '.' && at(pc + 2) == '\0') {
        rewind_to_parent(out, tc, base);
        pc += 2;
      } else if (at(pc + 1) == '/') {
        pc += 2;
      } else if (at(pc + 1) == '\0') {
        pc++;
      } else {
        out[tc++] = c;
        pc++;
      }
    } else if (c == '/') {
      if (tc > base && out[tc - 1] == '/') {
        pc++;
      } else {
        out[tc++] = c;
        pc++;
      }
    } else {
      out[tc++] = c;
      pc++;
    }
  }
}

}  // namespace

std::string concatenate_paths(std::string_view dir, std::string_view path) {
  // A NUL inside `path` ends it (the wire strings carry their terminator).
  if (size_t nul = path.find('\0'); nul != std::string_view::npos) path = path.substr(0, nul);
  std::string out;
  if (!path.empty() && path[0] != '/') {
    out.assign(dir);
    sanitize_append(out, out.size(), path);
  } else {
    sanitize_append(out, 0, path);
  }
  return out;
}

// ---- containers -----------------------------------------------------------------------------------

namespace {

bool all_hex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// One cgroup path: docker/cri/containerd/crio/podman layouts ("/<64 hex>" as the last
// component, or "/<prefix>-<64 hex>.scope").
bool match_container(std::string_view path, std::string& id) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return false;
  std::string_view last = path.substr(slash + 1);
  static constexpr std::string_view kPrefixes[] = {"docker-", "crio-", "cri-containerd-",
                                                   "libpod-"};
  for (std::string_view pre : kPrefixes) {
    if (last.size() == pre.size() + 64 + 6 && last.substr(0, pre.size()) == pre &&
        last.substr(last.size() - 6) == ".scope") {
      std::string_view hex = last.substr(pre.size(), 64);
      if (all_hex(hex)) {
        id.assign(hex.substr(0, 12));
        return true;
      }
    }
  }
  if (last.size() == 64 && all_hex(last)) {
    id.assign(last.substr(0, 12));
    return true;
  }
  return false;
}

}  // namespace

std::string container_id_from_cgroups(std::string_view cgroups) {
  std::string id;
  bool found = for_each_nul_item(cgroups, [&](std::string_view entry) {
    size_t eq = entry.find('=');
    return eq != std::string_view::npos && match_container(entry.substr(eq + 1), id);
  });
  return found ? id : std::string();
}

// ---- FdInfo / FdTable -------------------------------------------------------------------------

uint8_t FdInfo::l4proto() const {
  switch (type) {
    case FdType::kIpv4Sock:
      if (v4_l4() == kL4Raw) return kL4Raw;
      if (is_role_none()) return kL4Na;
      return v4_l4();
    case FdType::kIpv4ServSock:
      return v4s_l4();
    case FdType::kIpv6Sock:
      if (v6_l4() == kL4Raw) return kL4Raw;
      if (is_role_none()) return kL4Na;
      return v6_l4();
    case FdType::kIpv6ServSock:
      return v6s_l4();
    default:
      return kL4Na;
  }
}

char FdInfo::typechar() const {
  switch (type) {
    case FdType::kFileV2: case FdType::kFile: return 'f';
    case FdType::kIpv4Sock: case FdType::kIpv4ServSock: return '4';
    case FdType::kIpv6Sock: case FdType::kIpv6ServSock: return '6';
    case FdType::kDirectory: return 'd';
    case FdType::kFifo: return 'p';
    case FdType::kUnixSock: return 'u';
    case FdType::kEvent: return 'e';
    case FdType::kUnknown: return 'o';
    case FdType::kUnsupported: return 'X';
    case FdType::kSignalfd: return 's';
    case FdType::kEventpoll: return 'l';
    case FdType::kInotify: return 'i';
    case FdType::kTimerfd: return 't';
    case FdType::kNetlink: return 'n';
    case FdType::kBpf: return 'b';
    case FdType::kUserfaultfd: return 'u';
    case FdType::kIoUring: return 'r';
    case FdType::kMemfd: return 'm';
    case FdType::kPidfd: return 'P';
  }
  return '?';
}

const char* FdInfo::typestring() const {
  switch (type) {
    case FdType::kFileV2: case FdType::kFile: return "file";
    case FdType::kDirectory: return "directory";
    case FdType::kIpv4Sock: case FdType::kIpv4ServSock: return "ipv4";
    case FdType::kIpv6Sock: case FdType::kIpv6ServSock: return "ipv6";
    case FdType::kUnixSock: return "unix";
    case FdType::kFifo: return "pipe";
    case FdType::kEvent: return "event";
    case FdType::kSignalfd: return "signalfd";
    case FdType::kEventpoll: return "eventpoll";
    case FdType::kInotify: return "inotify";
    case FdType::kTimerfd: return "timerfd";
    case FdType::kNetlink: return "netlink";
    case FdType::kBpf: return "bpf";
    case FdType::kUserfaultfd: return "userfaultfd";
    case FdType::kIoUring: return "io_uring";
    case FdType::kMemfd: return "memfd";
    case FdType::kPidfd: return "pidfd";
    default: return "<NA>";
  }
}

void set_fd_name(FdInfo* f, std::string_view name) {
  if (f->name != name) {
    f->name.assign(name);
    f->name_gen++;
  }
}

FdInfo* FdTable::add(int64_t fd, FdInfo&& info, size_t max_fds) {
  auto it = map_.find(fd);
  if (it != map_.end()) {
    // Replacing a closing fd cancels the close (sinsp FLAGS_CLOSE_CANCELED).
    if (it->second.flags & kFdCloseInProgress) {
      info.flags &= ~kFdCloseInProgress;
      info.flags |= kFdCloseCanceled;
    }
    it->second = std::move(info);
    return &it->second;
  }
  if (map_.size() >= max_fds) return nullptr;
  auto [ins, fresh] = map_.emplace(fd, std::move(info));
  return &ins->second;
}

void FdTable::erase(int64_t fd) {
  if (fd == last_fd_) last_ = nullptr;
  map_.erase(fd);
}

// ---- State: tables -------------------------------------------------------------------------------

State::State(StateOptions opts) : opts_(opts) {}

void State::set_interner(const Interner* interner) {
  interner_ = interner;
  interner_gen_ = interner != nullptr ? interner->generation() : 0;
}

ThreadInfo* State::find_thread(int64_t tid) {
  if (tid == last_tid_ && last_thread_ != nullptr) return last_thread_;
  auto it = threads_.find(tid);
  if (it == threads_.end()) return nullptr;
  last_tid_ = tid;
  last_thread_ = it->second.get();
  return last_thread_;
}

ThreadInfo* State::add_thread(std::unique_ptr<ThreadInfo> t, bool may_evict) {
  if (auto old = threads_.find(t->tid); old != threads_.end()) erase_thread(old);
  if (threads_.size() >= opts_.max_threads) {
    if (may_evict) evict();
    if (threads_.size() >= opts_.max_threads) {
      counters_.dropped_threads++;
      return nullptr;
    }
  }
  // sinsp increment_mainthread_childcount().
  if ((t->flags & kClCloneThread) && t->pid != t->tid) {
    if (ThreadInfo* main = find_thread(t->pid)) main->nchilds++;
  }
  const int64_t tid = t->tid;
  ThreadInfo* raw = t.get();
  threads_[tid] = std::move(t);
  last_tid_ = -1;
  last_thread_ = nullptr;
  return raw;
}

void State::evict() {
  // Drop the least recently active eighth of the table (never the current thread).
  std::vector<std::pair<uint64_t, int64_t>> by_age;
  by_age.reserve(threads_.size());
  for (auto& [tid, t] : threads_) {
    if (t.get() != tinfo_) by_age.push_back({t->lastevent_ts, tid});
  }
  size_t n = std::max<size_t>(1, by_age.size() / 8);
  n = std::min(n, by_age.size());
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<ptrdiff_t>(n - 1), by_age.end());
  for (size_t i = 0; i < n; ++i) {
    auto it = threads_.find(by_age[i].second);
    if (it != threads_.end()) erase_thread(it);
    counters_.evicted_threads++;
  }
  last_tid_ = -1;
  last_thread_ = nullptr;
}

void State::remove_thread(int64_t tid, bool force) {
  auto it = threads_.find(tid);
  if (it == threads_.end()) return;
  ThreadInfo* t = it->second.get();
  if (t->nchilds != 0 && !force) return;
  if ((t->flags & kClCloneThread) && t->pid != t->tid) {
    auto mit = threads_.find(t->pid);
    if (mit != threads_.end() && mit->second->nchilds > 0) mit->second->nchilds--;
  }
  if (t == tinfo_) {
    tinfo_ = nullptr;
    fdinfo_ = nullptr;
  }
  erase_thread(it);
  counters_.removed_threads++;
  last_tid_ = -1;
  last_thread_ = nullptr;
}

void State::erase_thread(std::unordered_map<int64_t, std::unique_ptr<ThreadInfo>>::iterator it) {
  fd_count_ -= std::min(fd_count_, it->second->fdtable.size());
  if (it->second.get() == tinfo_) {
    tinfo_ = nullptr;
    fdinfo_ = nullptr;
  }
  threads_.erase(it);
  last_tid_ = -1;
  last_thread_ = nullptr;
}

std::string_view State::cap(std::string_view s) {
  if (s.size() <= opts_.max_string) return s;
  counters_.truncated_strings++;
  return s.substr(0, opts_.max_string);
}

FdInfo* State::table_add(FdTable& ft, int64_t fd, FdInfo&& info) {
  if (info.name.size() > opts_.max_string) {
    info.name.resize(opts_.max_string);
    counters_.truncated_strings++;
  }
  const size_t before = ft.size();
  if (before >= opts_.max_fds || fd_count_ >= opts_.max_total_fds) {
    // Full: only replacing an existing fd is allowed.
    if (ft.find(fd) == nullptr) {
      counters_.dropped_fds++;
      return nullptr;
    }
  }
  FdInfo* f = ft.add(fd, std::move(info), opts_.max_fds);
  fd_count_ += ft.size() - before;
  return f;
}

ThreadInfo* State::get_or_create(int64_t tid, bool create, bool may_evict) {
  ThreadInfo* t = find_thread(tid);
  if (t != nullptr || !create) return t;
  if (threads_.size() >= opts_.max_threads) {
    if (may_evict) evict();
    if (threads_.size() >= opts_.max_threads) {
      counters_.dropped_threads++;
      return nullptr;
    }
  }
  // sinsp: "add a fake entry to avoid a continuous lookup".
  auto nt = std::make_unique<ThreadInfo>();
  nt->tid = tid;
  nt->pid = tid;
  nt->ptid = -1;
  set_comm(nt.get(), "<NA>");
  set_exe(nt.get(), "<NA>");
  nt->uid = 0xffffffff;
  nt->gid = 0xffffffff;
  nt->loginuid = 0xffffffff;
  counters_.placeholder_threads++;
  return add_thread(std::move(nt), false);
}

ThreadInfo* State::main_thread(ThreadInfo* t) {
  if (t == nullptr) return nullptr;
  if (t->tid == t->pid || (t->flags & kClIsMainThread)) return t;
  return get_or_create(t->pid, true);
}

FdTable* State::fd_table(ThreadInfo* t) {
  if (!(t->flags & kClCloneFiles)) return &t->fdtable;
  ThreadInfo* root = main_thread(t);
  return root == nullptr ? nullptr : &root->fdtable;
}

FdInfo* State::find_fd(ThreadInfo* t, int64_t fd) {
  if (fd < 0 || t == nullptr) return nullptr;
  FdTable* ft = fd_table(t);
  if (ft == nullptr) return nullptr;
  FdInfo* f = ft->find(fd);
  if (f != nullptr) f->seen_gen = f->name_gen;  // sinsp: m_oldname = m_name
  return f;
}

FdInfo* State::add_fd(ThreadInfo* t, int64_t fd, FdInfo&& info) {
  FdTable* ft = fd_table(t);
  if (ft == nullptr) return nullptr;
  FdInfo* f = table_add(*ft, fd, std::move(info));
  t->lastevent_fd = fd;
  return f;
}

void State::erase_fd_later(ThreadInfo* t, int64_t fd) {
  tid_of_fd_to_remove_ = t->tid;
  fds_to_remove_.push_back(fd);
}

const std::string& State::cwd(ThreadInfo* t) {
  ThreadInfo* m = main_thread(t);
  return m != nullptr ? m->cwd : t->cwd;
}

const UserEntry* State::user(uint32_t uid) const {
  auto it = users_.find(uid);
  return it == users_.end() ? nullptr : &it->second;
}

const GroupEntry* State::group(uint32_t gid) const {
  auto it = groups_.find(gid);
  return it == groups_.end() ? nullptr : &it->second;
}

const ContainerInfo* State::container(const ThreadInfo* t) const {
  if (t == nullptr || t->container_id.empty()) return nullptr;
  auto it = containers_.find(t->container_id);
  return it == containers_.end() ? nullptr : &it->second;
}

bool State::is_local_v4(uint32_t addr, const ThreadInfo* t) const {
  // sinsp: a thread in a container owns the container's IP (0.0.0.0 while the container's
  // metadata is unknown), then the host's interfaces.
  if (t != nullptr && !t->container_id.empty()) {
    const ContainerInfo* c = container(t);
    if ((c != nullptr ? c->ip : 0) == addr) return true;
  }
  for (auto& [a, m] : v4_ifaces_) {
    if (a == addr) return true;
  }
  return false;
}

bool State::is_local_v6(const uint8_t* addr, const ThreadInfo* t) const {
  // sinsp: no IPv6 container networking; otherwise ipv6addr::in_subnet, i.e. the same /64
  // as an interface address.
  if (t != nullptr && !t->container_id.empty()) return false;
  for (auto& a : v6_ifaces_) {
    if (std::memcmp(a.data(), addr, 8) == 0) return true;
  }
  return false;
}

// ---- State: string setters ------------------------------------------------------------------------

void State::set_comm(ThreadInfo* t, std::string_view v) {
  t->comm.s.assign(cap(v));
  t->comm.gen = UINT64_MAX;
  refresh(t->comm);
  t->cmdline = t->comm.s;
  if (t->nargs != 0) {
    t->cmdline += ' ';
    t->cmdline += t->args;
  }
}

void State::set_exe(ThreadInfo* t, std::string_view v) {
  t->exe.s.assign(cap(v));
  t->exe.gen = UINT64_MAX;
  refresh(t->exe);
}

void State::set_exepath(ThreadInfo* t, std::string_view v) {
  t->exepath.s.assign(cap(v));
  t->exepath.gen = UINT64_MAX;
  refresh(t->exepath);
}

namespace {

// sinsp set_args: the items joined with ' '; returns their number.
uint32_t join_nul_list(std::string_view raw, std::string& joined) {
  joined.clear();
  uint32_t n = 0;
  for_each_nul_item(raw, [&](std::string_view item) {
    if (n++ != 0) joined += ' ';
    joined.append(item);
    return false;
  });
  return n;
}

}  // namespace

void State::set_args(ThreadInfo* t, std::string_view raw) {
  raw = cap(raw);
  t->args_raw.assign(raw);
  t->nargs = join_nul_list(raw, t->args);
  t->cmdline = t->comm.s;
  if (t->nargs != 0) {
    t->cmdline += ' ';
    t->cmdline += t->args;
  }
}

void State::set_env(ThreadInfo* t, std::string_view raw) {
  raw = cap(raw);
  // sinsp set_env(): split at NULs like the args, but stop at an all-NUL tail (the kernel
  // pads the environment area).
  t->env_raw.clear();
  t->env.clear();
  size_t off = 0;
  bool first = true;
  while (off < raw.size()) {
    size_t end = raw.find('\0', off);
    if (end == std::string_view::npos) end = raw.size();
    if (end == off && raw.find_first_not_of('\0', off) == std::string_view::npos) break;
    std::string_view item = raw.substr(off, end - off);
    if (!first) t->env += ' ';
    first = false;
    t->env.append(item);
    t->env_raw.append(item);
    t->env_raw += '\0';
    off = end + 1;
  }
}

void State::set_cgroups(ThreadInfo* t, std::string_view raw) {
  raw = cap(raw);
  // sinsp set_cgroups(): subsystem names are normalised ("cpu_cgroup" -> "cpu", "perf" ->
  // "perf_event", "mem" -> "memory", "io" -> "blkio"); entries without '=' end the list.
  t->cgroups.clear();
  size_t off = 0;
  while (off < raw.size()) {
    size_t end = raw.find('\0', off);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view item = raw.substr(off, end - off);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) break;
    std::string subsys(item.substr(0, eq));
    if (size_t pos = subsys.find("_cgroup"); pos != std::string::npos) subsys.erase(pos, 7);
    if (subsys == "perf") subsys = "perf_event";
    else if (subsys == "mem") subsys = "memory";
    else if (subsys == "io") subsys = "blkio";
    t->cgroups += subsys;
    t->cgroups.append(item.substr(eq));
    t->cgroups += '\0';
    off = end + 1;
  }
  t->container_id = container_id_from_cgroups(t->cgroups);
}

void State::update_cwd(ThreadInfo* t, std::string_view path) {
  ThreadInfo* m = main_thread(t);
  if (m == nullptr) return;
  m->cwd = concatenate_paths(m->cwd, cap(path));
  if (!m->cwd.empty() && m->cwd.back() != '/') m->cwd += '/';
}

// ---- State: metadata ------------------------------------------------------------------------------

void State::update_socket_fd(FdInfo* f) {
  // sinsp_network_interfaces::update_fd: fill a missing local address from the interfaces.
  if (f->type != FdType::kIpv4Sock) return;
  uint32_t sip = f->v4_sip(), dip = f->v4_dip();
  if (sip != 0 && dip != 0) return;
  auto infer = [&](uint32_t dest) -> uint32_t {
    for (auto& [a, m] : v4_ifaces_)
      if (a == dest) return a;
    for (auto& [a, m] : v4_ifaces_)
      if ((a & m) == (dest & m)) return a;
    for (auto& [a, m] : v4_ifaces_)
      if (a != 0x0100007f) return a;
    return 0;
  };
  if (sip == 0) {
    uint32_t n = infer(dip);
    if (n == dip && f->v4_sport() == f->v4_dport()) return;
    f->put32(0, n);
  } else {
    uint32_t n = infer(sip);
    if (n == sip && f->v4_sport() == f->v4_dport()) return;
    f->put32(4, n);
  }
}

void State::fix_sockets_from_proc(ThreadInfo* t, const std::vector<uint16_t>& server_ports) {
  // sinsp fix_sockets_coming_from_proc(): IPv4 connections whose local port some thread of
  // the capture listens on are turned around (client -> server) and marked as server
  // sockets; the others are clients.
  for (auto& [fd, cf] : t->fdtable.all()) {
    if (cf.type != FdType::kIpv4Sock) continue;
    FdInfo& f = const_cast<FdInfo&>(cf);
    if (std::find(server_ports.begin(), server_ports.end(), f.v4_sport()) != server_ports.end()) {
      uint32_t ip = f.v4_sip();
      uint16_t port = f.v4_sport();
      f.put32(0, f.v4_dip());
      f.put16(8, f.v4_dport());
      f.put32(4, ip);
      f.put16(10, port);
      f.name = socket_name_from_state(f);
      f.flags |= kFdRoleServer | kFdSocketConnected;
    } else {
      f.flags |= kFdRoleClient | kFdSocketConnected;
    }
  }
}

void State::load_metadata(const Metadata& meta) {
  if (meta.machine.present) machine_ = meta.machine;
  if (meta.has_interfaces) {
    v4_ifaces_.clear();
    v6_ifaces_.clear();
    for (const Interface& itf : meta.interfaces) {
      if (itf.is_v6()) {
        v6_ifaces_.push_back(itf.addr);
      } else {
        v4_ifaces_.push_back({load_u32(itf.addr.data()), load_u32(itf.netmask.data())});
      }
    }
  }
  if (meta.has_users) {
    users_.clear();
    groups_.clear();
    for (const UserEntry& u : meta.users) users_.emplace(u.uid, u);
    for (const GroupEntry& g : meta.groups) groups_.emplace(g.gid, g);
  }
  // Threads: main threads first, so that child threads can find their process.
  for (int pass = 0; pass < 2; ++pass) {
    for (const ThreadEntry& e : meta.threads) {
      const bool is_main = e.tid == e.pid;
      if (is_main != (pass == 0)) continue;
      auto t = std::make_unique<ThreadInfo>();
      t->tid = e.tid;
      t->pid = e.pid;
      t->ptid = e.ptid;
      t->sid = e.sid;
      t->vpgid = e.vpgid;
      set_comm(t.get(), e.comm);
      set_exe(t.get(), e.exe);
      set_exepath(t.get(), e.exepath);
      t->exe_writable = e.exe_writable;
      set_args(t.get(), e.args);
      t->flags = e.flags | kClActive;
      t->fdlimit = static_cast<int64_t>(e.fdlimit);
      t->uid = e.uid;
      t->gid = e.gid;
      t->loginuid = e.loginuid;
      t->vmsize_kb = e.vmsize_kb;
      t->vmrss_kb = e.vmrss_kb;
      t->vmswap_kb = e.vmswap_kb;
      t->pfmajor = e.pfmajor;
      t->pfminor = e.pfminor;
      t->vtid = e.vtid;
      t->vpid = e.vpid;
      set_cgroups(t.get(), e.cgroups);
      t->root = e.root;
      if (t->is_main_thread() || (t->flags & kClIsMainThread)) {
        set_env(t.get(), e.env);
        t->cwd = concatenate_paths("", e.cwd);
        if (!t->cwd.empty() && t->cwd.back() != '/') t->cwd += '/';
      }
      for (const FdEntry& fe : e.fds) {
        FdInfo f;
        f.type = fe.type;
        f.flags = kFdFromProc;
        f.ino = fe.ino;
        switch (fe.type) {
          case FdType::kIpv4Sock:
            std::memcpy(f.sock, fe.sip.data(), 4);
            std::memcpy(f.sock + 4, fe.dip.data(), 4);
            f.put16(8, fe.sport);
            f.put16(10, fe.dport);
            f.sock[12] = fe.l4proto;
            update_socket_fd(&f);
            break;
          case FdType::kIpv4ServSock:
            std::memcpy(f.sock, fe.sip.data(), 4);
            f.put16(4, fe.sport);
            f.sock[6] = fe.l4proto;
            break;
          case FdType::kIpv6Sock:
            if (is_ipv4_mapped(fe.sip.data()) && is_ipv4_mapped(fe.dip.data())) {
              f.type = FdType::kIpv4Sock;
              std::memcpy(f.sock, fe.sip.data() + 12, 4);
              std::memcpy(f.sock + 4, fe.dip.data() + 12, 4);
              f.put16(8, fe.sport);
              f.put16(10, fe.dport);
              f.sock[12] = fe.l4proto;
              update_socket_fd(&f);
            } else {
              std::memcpy(f.sock, fe.sip.data(), 16);
              std::memcpy(f.sock + 16, fe.dip.data(), 16);
              f.put16(32, fe.sport);
              f.put16(34, fe.dport);
              f.sock[36] = fe.l4proto;
            }
            break;
          case FdType::kIpv6ServSock:
            std::memcpy(f.sock, fe.sip.data(), 16);
            f.put16(16, fe.sport);
            f.sock[18] = fe.l4proto;
            break;
          case FdType::kUnixSock:
            f.put64(0, fe.unix_source);
            f.put64(8, fe.unix_dest);
            f.name = fe.name;
            f.flags |= fe.name.empty() ? kFdRoleClient : kFdRoleServer;
            break;
          case FdType::kFileV2:
            f.open_flags = fe.open_flags;
            f.name = fe.name;
            f.dev = fe.dev;
            break;
          default:
            f.name = fe.name;
            break;
        }
        if (f.type == FdType::kIpv4Sock || f.type == FdType::kIpv6Sock ||
            f.type == FdType::kIpv4ServSock || f.type == FdType::kIpv6ServSock) {
          f.name = socket_name_from_state(f);
        }
        table_add(t->fdtable, fe.fd, std::move(f));
      }
      // A later section replaces a thread of the same tid.
      if (auto old = threads_.find(t->tid); old != threads_.end()) erase_thread(old);
      add_thread(std::move(t));
    }
  }
  std::vector<uint16_t> server_ports;
  for (const ThreadEntry& e : meta.threads) {
    for (const FdEntry& fe : e.fds) {
      if (fe.type == FdType::kIpv4ServSock) server_ports.push_back(fe.sport);
    }
  }
  for (const ThreadEntry& e : meta.threads) {
    if (ThreadInfo* t = find_thread(e.tid)) fix_sockets_from_proc(t, server_ports);
  }
}

// ---- State: per-event processing --------------------------------------------------------------

const Event* State::enter_event(const Event& exit) {
  ThreadInfo* t = tinfo_;
  if (t == nullptr || !t->lastevent_valid || !t->lastevent_stored) return nullptr;
  if (t->lastevent.type + 1 != exit.type) {
    t->lastevent_valid = false;
    return nullptr;
  }
  return &t->lastevent;
}

void State::reset(const Event& ev) {
  const uint16_t type = ev.type;
  const uint16_t eflags = ev.info->flags;
  if (eflags & EF_SKIPPARSERESET) {
    if (type == ev::kProcinfoE) tinfo_ = find_thread(ev.tid);
    return;
  }
  const bool query = !(is_clone_exit(type) || type == ev::kSwitch6E);
  tinfo_ = get_or_create(ev.tid, query, /*may_evict=*/true);
  if (type == ev::kSwitch6E || tinfo_ == nullptr) return;
  ThreadInfo* t = tinfo_;
  if ((type & 1) == 0) {
    t->lastevent_fd = -1;
    t->lastevent_type = type;
    if (eflags & EF_USES_FD) {
      int64_t fd = -1;
      if (ev.param_s64(0, fd)) {
        t->lastevent_fd = fd;
        fdinfo_ = find_fd(t, fd);
      }
    }
    t->latency = 0;
    t->last_latency_entertime = ev.ts;
  } else {
    if (t->last_latency_entertime != 0) t->latency = ev.ts - t->last_latency_entertime;
    if (type == t->lastevent_type + 1) {
      t->lastevent_valid = true;
    } else {
      t->lastevent_valid = false;
      return;
    }
    if (eflags & EF_USES_FD) {
      fdinfo_ = find_fd(t, t->lastevent_fd);
      if (fdinfo_ == nullptr) return;
      if (fdinfo_->flags & kFdCloseCanceled) {
        fdinfo_->flags &= ~kFdCloseCanceled;
        return;
      }
    }
  }
}

void State::process(const Event& ev) {
  // Removals scheduled by the previous event.
  if (tid_to_remove_ != -1) {
    int64_t tid = tid_to_remove_;
    tid_to_remove_ = -1;
    remove_thread(tid, false);
  }
  if (!fds_to_remove_.empty()) {
    if (ThreadInfo* t = find_thread(tid_of_fd_to_remove_)) {
      if (FdTable* ft = fd_table(t)) {
        const size_t before = ft->size();
        for (int64_t fd : fds_to_remove_) ft->erase(fd);
        fd_count_ -= std::min(fd_count_, before - ft->size());
      }
    }
    fds_to_remove_.clear();
  }
  tinfo_ = nullptr;
  fdinfo_ = nullptr;
  fd_name_changed_ = false;
  if (ev.info == nullptr) return;
  reset(ev);

  const uint16_t type = ev.type;
  if (tinfo_ != nullptr && (type & 1) == 0 && stores_enter(type)) {
    if (ev.len <= opts_.max_saved_enter) {
      copy_event(ev, tinfo_->lastevent_data, tinfo_->lastevent);
      tinfo_->lastevent_stored = true;
    } else {
      tinfo_->lastevent_stored = false;
      counters_.unsaved_enters++;
    }
  }

  switch (type) {
    case ev::kOpenX: case ev::kCreatX: case ev::kOpenatX: case ev::kOpenat2X:
    case ev::kOpenat2NewX:
      parse_open_exit(ev);
      break;
    case ev::kClone11X: case ev::kClone16X: case ev::kClone17X: case ev::kClone20X:
    case ev::kForkX: case ev::kFork17X: case ev::kFork20X: case ev::kVforkX:
    case ev::kVfork17X: case ev::kVfork20X: case ev::kClone3X:
      parse_clone_exit(ev);
      break;
    case ev::kExecve8X: case ev::kExecve13X: case ev::kExecve14X: case ev::kExecve15X:
    case ev::kExecve16X: case ev::kExecve17X: case ev::kExecve18X: case ev::kExecve19X:
    case ev::kExecveatX:
      parse_execve_exit(ev);
      break;
    case ev::kProcexitE: case ev::kProcexit1E:
      parse_thread_exit(ev);
      break;
    case ev::kPipeX:
      parse_pipe_exit(ev);
      break;
    case ev::kSocketX:
      parse_socket_exit(ev);
      break;
    case ev::kBindX:
      parse_bind_exit(ev);
      break;
    case ev::kConnectE:
      parse_connect_enter(ev);
      break;
    case ev::kConnectX:
      parse_connect_exit(ev);
      break;
    case ev::kAcceptX: case ev::kAccept4X: case ev::kAccept5X: case ev::kAccept45X:
      parse_accept_exit(ev);
      break;
    case ev::kCloseE:
      parse_close_enter(ev);
      break;
    case ev::kCloseX:
      parse_close_exit(ev);
      break;
    case ev::kFcntlE:
      if (tinfo_ != nullptr) {
        uint64_t cmd = ev.param_uint(1, 0);
        if (cmd == 1 || cmd == 0x1a) {  // F_DUPFD, F_DUPFD_CLOEXEC
          copy_event(ev, tinfo_->lastevent_data, tinfo_->lastevent);
          tinfo_->lastevent_stored = true;
        }
      }
      break;
    case ev::kFcntlX:
      parse_fcntl_exit(ev);
      break;
    case ev::kEventfdX:
      parse_simple_fd_exit(ev, FdType::kEvent, "");
      break;
    case ev::kSignalfdX:
      parse_simple_fd_exit(ev, FdType::kSignalfd, "");
      break;
    case ev::kTimerfdCreateX:
      parse_simple_fd_exit(ev, FdType::kTimerfd, "");
      break;
    case ev::kInotifyInitX:
      parse_simple_fd_exit(ev, FdType::kInotify, "");
      break;
    case ev::kChdirX:
      parse_chdir_exit(ev);
      break;
    case ev::kFchdirX:
      parse_fchdir_exit(ev);
      break;
    case ev::kDupX:
      parse_dup_exit(ev);
      break;
    case ev::kSocketpairX:
      parse_socketpair_exit(ev);
      break;
    case ev::kReadX: case ev::kWriteX: case ev::kRecvX: case ev::kSendX:
    case ev::kRecvfromX: case ev::kRecvmsgX: case ev::kSendtoX: case ev::kSendmsgX:
    case ev::kReadvX: case ev::kWritevX: case ev::kPreadX: case ev::kPwriteX:
    case ev::kPreadvX: case ev::kPwritevX:
      parse_rw_exit(ev);
      break;
    case ev::kSetuidX: case ev::kSetgidX: case ev::kSetresuidX: case ev::kSetresgidX:
      parse_uid_gid_exit(ev);
      break;
    case ev::kSetsidX:
      parse_setsid_exit(ev);
      break;
    case ev::kBrk4X: case ev::kMmapX: case ev::kMmap2X: case ev::kMunmapX:
      parse_vm_exit(ev);
      break;
    case ev::kContainerE: case ev::kContainerJsonE: case ev::kContainerJson2E:
      parse_container_event(ev);
      break;
    case ev::kSwitch6E:
      if (tinfo_ != nullptr) {
        tinfo_->pfmajor = ev.param_uint(1, tinfo_->pfmajor);
        tinfo_->pfminor = ev.param_uint(2, tinfo_->pfminor);
        if (ThreadInfo* m = main_thread(tinfo_)) {
          m->vmsize_kb = static_cast<uint32_t>(ev.param_uint(3, m->vmsize_kb));
          m->vmrss_kb = static_cast<uint32_t>(ev.param_uint(4, m->vmrss_kb));
          m->vmswap_kb = static_cast<uint32_t>(ev.param_uint(5, m->vmswap_kb));
        }
      }
      break;
    default:
      break;
  }

  // sinsp flags the event when parsing renamed its fd (a new fd, a UDP peer change).
  if (fdinfo_ != nullptr && fdinfo_->name_gen != fdinfo_->seen_gen) {
    fd_name_changed_ = true;
    fdinfo_->seen_gen = fdinfo_->name_gen;
  }
  if (tinfo_ != nullptr && type != ev::kSwitch1E && type != ev::kSwitch6E) {
    tinfo_->prevevent_ts = tinfo_->lastevent_ts;
    tinfo_->lastevent_ts = ev.ts;
  }
}

// ---- per-type parsers ---------------------------------------------------------------------------

void State::parse_dirfd(const Event& ev, std::string_view name, int64_t dirfd,
                        std::string& sdir) {
  (void)ev;
  if (!name.empty() && name[0] == '/') {
    sdir = ".";
  } else if (dirfd == -100) {  // PPM_AT_FDCWD
    sdir = cwd(tinfo_);
  } else {
    // sinsp leaves the directory fd as the event's fd (visible when the open fails).
    fdinfo_ = find_fd(tinfo_, dirfd);
    if (fdinfo_ == nullptr) {
      sdir = "<UNKNOWN>";
    } else {
      sdir = fdinfo_->name;
      sdir += '/';
    }
  }
}

void State::parse_open_exit(const Event& ev) {
  ThreadInfo* t = tinfo_;
  if (t == nullptr) return;
  const Event* enter = enter_event(ev);
  int64_t fd = -1;
  if (!ev.param_s64(0, fd)) return;
  std::string_view name;
  uint32_t flags = 0;
  uint32_t dev = 0;
  std::string sdir;
  if (ev.type == ev::kOpenX || ev.type == ev::kCreatX) {
    name = get_str(ev, P::name);
    if (ev.type == ev::kOpenX) get_u32(ev, P::flags, flags);
    get_u32(ev, P::dev, dev);
    sdir = cwd(t);
  } else if (ev.type == ev::kOpenatX) {
    if (enter == nullptr) return;
    name = get_str(*enter, P::name);
    get_u32(*enter, P::flags, flags);
    int64_t dirfd = 0;
    get_s64(*enter, P::dirfd, dirfd);
    parse_dirfd(ev, name, dirfd, sdir);
  } else {
    name = get_str(ev, P::name);
    get_u32(ev, P::flags, flags);
    int64_t dirfd = 0;
    get_s64(ev, P::dirfd, dirfd);
    get_u32(ev, P::dev, dev);
    parse_dirfd(ev, name, dirfd, sdir);
  }
  std::string full = concatenate_paths(sdir, name);
  if (fd >= 0) {
    FdInfo f;
    f.type = (flags & kODirectory) ? FdType::kDirectory : FdType::kFileV2;
    f.open_flags = flags;
    f.dev = dev;
    set_fd_name(&f, full);
    f.nameraw.assign(name);
    fdinfo_ = add_fd(t, fd, std::move(f));
  }
}

void State::parse_clone_exit(const Event& ev) {
  int64_t childtid = -1;
  if (!ev.param_s64(0, childtid) || childtid < 0) return;
  int64_t tid = ev.tid;
  bool inverted = false;
  if (childtid == 0) {
    // The child's return. If the parent's exit already created it, nothing to do.
    if (tinfo_ != nullptr) return;
    inverted = true;
    childtid = tid;
    int64_t ptid = -1;
    get_s64(ev, P::ptid, ptid);
    tid = ptid;
  }
  if (!inverted) {
    // A parent inside a pid namespace gets the child's virtual id back: the child's own
    // clone exit will add it with its host id.
    int64_t ptid_ev = -1, pvtid = -1;
    if (get_s64(ev, P::tid, ptid_ev) && get_s64(ev, P::vtid, pvtid) && pvtid != ptid_ev) return;
  }
  ThreadInfo* parent = get_or_create(tid, true);
  if (ThreadInfo* child = find_thread(childtid)) {
    if (child->flags & kClCloneInverted) return;
    remove_thread(childtid, true);
  }
  parent = find_thread(tid);  // the removal may have invalidated caches, not the pointer
  uint32_t flags = 0;
  get_u32(ev, P::flags, flags);
  int64_t ev_pid = -1, ev_ptid = -1;
  get_s64(ev, P::pid, ev_pid);
  get_s64(ev, P::ptid, ev_ptid);

  auto t = std::make_unique<ThreadInfo>();
  t->tid = childtid;
  if (inverted) {
    t->pid = ev_pid;
    t->ptid = ev_ptid;
  } else {
    // sinsp: the caller is the parent, for threads too.
    t->pid = (flags & kClCloneThread) ? ev_pid : childtid;
    t->ptid = tid;
  }
  if (parent != nullptr) {
    t->exepath = parent->exepath;
    t->sid = parent->sid;
    t->vpgid = parent->vpgid;
    t->tty = parent->tty;
    t->loginuid = parent->loginuid;
    t->root = parent->root;
    t->exe_writable = parent->exe_writable;
    t->container_id = parent->container_id;
    t->cgroups = parent->cgroups;
    if (!(flags & kClCloneThread)) {
      if (FdTable* ft = fd_table(parent)) {
        if (fd_count_ + ft->size() <= opts_.max_total_fds) {
          t->fdtable = *ft;
          fd_count_ += ft->size();
        } else {
          counters_.dropped_fds += ft->size();
        }
      }
      t->cwd = cwd(parent);
      t->env = parent->env;
      t->env_raw = parent->env_raw;
    }
  }
  set_exe(t.get(), get_str(ev, P::exe));
  auto args = get_bytes(ev, P::args);
  set_args(t.get(), std::string_view(reinterpret_cast<const char*>(args.data()), args.size()));
  if (has(ev, P::comm)) {
    set_comm(t.get(), get_str(ev, P::comm));
  } else {
    set_comm(t.get(), parent != nullptr ? std::string_view(parent->comm.s)
                                        : std::string_view(t->exe.s));
  }
  get_s64(ev, P::fdlimit, t->fdlimit);
  t->flags = flags;
  if (inverted) t->flags |= kClCloneInverted;
  get_u32(ev, P::uid, t->uid);
  get_u32(ev, P::gid, t->gid);
  get_s64(ev, P::vtid, t->vtid);
  get_s64(ev, P::vpid, t->vpid);
  if (!inverted && !(flags & kClChildInPidns)) {
    // Outside pid namespaces the virtual ids are the host ids (the parent's exit carries
    // the parent's own vtid/vpid).
    t->vtid = t->tid;
    t->vpid = t->pid;
  }
  get_u64(ev, P::pgft_maj, t->pfmajor);
  get_u64(ev, P::pgft_min, t->pfminor);
  get_u32(ev, P::vm_size, t->vmsize_kb);
  get_u32(ev, P::vm_rss, t->vmrss_kb);
  get_u32(ev, P::vm_swap, t->vmswap_kb);
  if (has(ev, P::cgroups)) {
    auto b = get_bytes(ev, P::cgroups);
    set_cgroups(t.get(), std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  }
  t->clone_ts = ev.ts;
  ThreadInfo* added = add_thread(std::move(t));
  // The child's own return describes the new thread.
  if (inverted) tinfo_ = added;
}

void State::parse_execve_exit(const Event& ev) {
  ThreadInfo* t = tinfo_;
  int64_t res = -1;
  if (t == nullptr || !ev.param_s64(0, res) || res < 0) return;
  t->lastexec_ts = ev.ts;
  set_exe(t, get_str(ev, P::exe));
  if (has(ev, P::comm)) {
    set_comm(t, get_str(ev, P::comm));
  } else {
    set_comm(t, t->exe.s);
  }
  auto args = get_bytes(ev, P::args);
  set_args(t, std::string_view(reinterpret_cast<const char*>(args.data()), args.size()));
  int64_t pid = 0;
  if (get_s64(ev, P::pid, pid)) t->pid = pid;
  if (t->tid < 0 || t->pid < 0 || t->ptid < 0) get_s64(ev, P::ptid, t->ptid);
  get_s64(ev, P::fdlimit, t->fdlimit);
  get_u64(ev, P::pgft_maj, t->pfmajor);
  get_u64(ev, P::pgft_min, t->pfminor);
  get_u32(ev, P::vm_size, t->vmsize_kb);
  get_u32(ev, P::vm_rss, t->vmrss_kb);
  get_u32(ev, P::vm_swap, t->vmswap_kb);
  if (has(ev, P::cgroups)) {
    auto b = get_bytes(ev, P::cgroups);
    set_cgroups(t, std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  }
  if (has(ev, P::env)) {
    auto b = get_bytes(ev, P::env);
    set_env(t, std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  }
  uint32_t tty = 0;
  if (get_u32(ev, P::tty, tty)) t->tty = tty;
  // exepath: the enter's filename made absolute against the cwd (execve 18/19, execveat).
  if (ev.type == ev::kExecve18X || ev.type == ev::kExecve19X || ev.type == ev::kExecveatX) {
    if (const Event* enter = enter_event(ev)) {
      std::string_view fname = ev.type == ev::kExecveatX ? get_str(*enter, P::pathname)
                                                          : get_str(*enter, P::filename);
      if (fname.substr(0, 4) == "<NA>") {
        set_exepath(t, "<NA>");
      } else {
        set_exepath(t, concatenate_paths(cwd(t), fname));
      }
    }
  }
  get_s64(ev, P::pgid, t->vpgid);
  get_u32(ev, P::loginuid, t->loginuid);
  uint32_t eflags = 0;
  if (get_u32(ev, P::flags, eflags)) t->exe_writable = (eflags & kExeWritable) != 0;
  const bool inv = (t->flags & kClCloneInverted) != 0;
  t->flags = kClActive | (inv ? static_cast<uint32_t>(kClCloneInverted) : 0u);
}

void State::parse_thread_exit(const Event& ev) {
  (void)ev;
  if (tinfo_ == nullptr) return;
  tinfo_->flags |= kClClosed;
  tid_to_remove_ = tinfo_->tid;
}

void State::parse_socket_exit(const Event& ev) {
  int64_t fd = -1;
  if (!ev.param_s64(0, fd) || fd < 0 || tinfo_ == nullptr) return;
  const Event* enter = enter_event(ev);
  if (enter == nullptr) return;
  uint32_t domain = static_cast<uint32_t>(enter->param_uint(0));
  uint32_t type = static_cast<uint32_t>(enter->param_uint(1)) & 0xf;  // drop SOCK_NONBLOCK|CLOEXEC
  uint32_t proto = static_cast<uint32_t>(enter->param_uint(2));
  FdInfo f;
  if (domain == kAfUnix) {
    f.type = FdType::kUnixSock;
  } else if (domain == kAfInet || domain == kAfInet6) {
    f.type = domain == kAfInet ? FdType::kIpv4Sock : FdType::kIpv6Sock;
    uint8_t l4 = kL4Unknown;
    if (proto == kIpprotoTcp) {
      l4 = type == kSockRaw ? kL4Raw : kL4Tcp;
    } else if (proto == kIpprotoUdp) {
      l4 = type == kSockRaw ? kL4Raw : kL4Udp;
    } else if (proto == kIpprotoIp) {
      if (type == kSockStream) {
        l4 = kL4Tcp;
      } else if (type == kSockDgram) {
        l4 = kL4Udp;
      }
    } else if (proto == kIpprotoIcmp) {
      l4 = type == kSockRaw ? kL4Raw : kL4Icmp;
    } else if (proto == kIpprotoRaw) {
      l4 = kL4Raw;
    }
    f.sock[domain == kAfInet ? 12 : 36] = l4;
  } else if (domain == kAfNetlink) {
    f.type = FdType::kNetlink;
  } else {
    f.type = FdType::kUnknown;
  }
  fdinfo_ = add_fd(tinfo_, fd, std::move(f));
}

void State::parse_bind_exit(const Event& ev) {
  FdInfo* f = fdinfo_;
  int64_t res = -1;
  if (f == nullptr || !ev.param_s64(0, res) || res < 0) return;
  auto addr = ev.param(1);
  if (addr.empty()) return;
  const uint8_t* p = addr.data();
  // The socket's protocol carries over to the server address.
  const uint8_t l4 = f->type == FdType::kIpv4Sock   ? f->v4_l4()
                     : f->type == FdType::kIpv6Sock ? f->v6_l4()
                                                    : 0;
  if (p[0] == kAfInet && addr.size() >= 7) {
    uint16_t port = load_u16(p + 5);
    if (port > 0) {
      f->type = FdType::kIpv4ServSock;
      f->put16(4, port);
      std::memcpy(f->sock, p + 1, 4);
      f->sock[6] = l4;
      f->flags |= kFdRoleServer;
    }
  } else if (p[0] == kAfInet6 && addr.size() >= 19) {
    uint16_t port = load_u16(p + 17);
    if (port > 0) {
      if (is_ipv4_mapped(p + 1)) {
        f->type = FdType::kIpv4ServSock;
        std::memcpy(f->sock, p + 13, 4);
        f->put16(4, port);
        f->sock[6] = l4;
        f->flags |= kFdRoleServer;
      } else {
        f->type = FdType::kIpv6ServSock;
        f->put16(16, port);
        std::memcpy(f->sock, p + 1, 16);
        f->sock[18] = l4;
        f->flags |= kFdRoleServer;
      }
    }
  }
  std::string name, resolved;
  param_as_str(ev, 1, *this, name, resolved, true);
  set_fd_name(f, name);
}

namespace {

// sinsp set_ipv4_addresses_and_ports / set_ipv4_mapped_ipv6_... / set_ipv6_...: false when
// the tuple is already the fd's (in either direction).
bool set_v4_tuple(FdInfo* f, uint32_t sip, uint16_t sport, uint32_t dip, uint16_t dport) {
  if (f->type == FdType::kIpv4Sock) {
    if ((sip == f->v4_sip() && sport == f->v4_sport() && dip == f->v4_dip() &&
         dport == f->v4_dport()) ||
        (dip == f->v4_sip() && dport == f->v4_sport() && sip == f->v4_dip() &&
         sport == f->v4_dport()))
      return false;
  }
  f->put32(0, sip);
  f->put16(8, sport);
  f->put32(4, dip);
  f->put16(10, dport);
  return true;
}

bool set_v6_tuple(FdInfo* f, const uint8_t* sip, uint16_t sport, const uint8_t* dip,
                  uint16_t dport) {
  if (f->type == FdType::kIpv6Sock) {
    if ((std::memcmp(sip, f->v6_sip(), 16) == 0 && sport == f->v6_sport() &&
         std::memcmp(dip, f->v6_dip(), 16) == 0 && dport == f->v6_dport()) ||
        (std::memcmp(dip, f->v6_sip(), 16) == 0 && dport == f->v6_sport() &&
         std::memcmp(sip, f->v6_dip(), 16) == 0 && sport == f->v6_dport()))
      return false;
  }
  std::memcpy(f->sock, sip, 16);
  f->put16(32, sport);
  std::memcpy(f->sock + 16, dip, 16);
  f->put16(34, dport);
  return true;
}

// Applies a PT_SOCKTUPLE to an fd (sinsp update_fd). False when nothing changed.
bool apply_tuple(FdInfo* f, std::span<const uint8_t> tuple) {
  if (tuple.empty()) return false;
  const uint8_t* p = tuple.data();
  bool changed = false;
  if (p[0] == kAfInet) {
    if (tuple.size() < 13) return false;
    changed = set_v4_tuple(f, load_u32(p + 1), load_u16(p + 5), load_u32(p + 7),
                           load_u16(p + 11));
    f->type = FdType::kIpv4Sock;
  } else if (p[0] == kAfInet6) {
    if (tuple.size() < 37) return false;
    if (is_ipv4_mapped(p + 1) && is_ipv4_mapped(p + 19)) {
      changed = set_v4_tuple(f, load_u32(p + 13), load_u16(p + 17), load_u32(p + 31),
                             load_u16(p + 35));
      f->type = FdType::kIpv4Sock;
    } else {
      changed = set_v6_tuple(f, p + 1, load_u16(p + 17), p + 19, load_u16(p + 35));
      f->type = FdType::kIpv6Sock;
    }
  } else if (p[0] == kAfUnix) {
    if (tuple.size() < 17) return false;
    f->type = FdType::kUnixSock;
    f->put64(0, load_u64(p + 1));
    f->put64(8, load_u64(p + 9));
    return true;
  } else {
    return false;
  }
  if (!changed) return false;
  if (f->type == FdType::kIpv4Sock && f->v4_l4() == kL4Unknown) f->sock[12] = kL4Udp;
  if (f->type == FdType::kIpv6Sock && f->v6_l4() == kL4Unknown) f->sock[36] = kL4Udp;
  return true;
}

}  // namespace

void State::parse_connect_enter(const Event& ev) {
  FdInfo* f = fdinfo_;
  if (f == nullptr || ev.nparams < 2) return;
  auto addr = ev.param(1);
  if (addr.empty()) return;
  const uint8_t* p = addr.data();
  if (p[0] == kAfInet && addr.size() >= 7) {
    f->type = FdType::kIpv4Sock;
    f->put32(4, load_u32(p + 1));
    f->put16(10, load_u16(p + 5));
  } else if (p[0] == kAfInet6 && addr.size() >= 19) {
    if (is_ipv4_mapped(p + 1)) {
      f->type = FdType::kIpv4Sock;
      f->put32(4, load_u32(p + 13));
      f->put16(10, load_u16(p + 17));
    } else {
      f->type = FdType::kIpv6Sock;
      std::memcpy(f->sock + 16, p + 1, 16);
      f->put16(34, load_u16(p + 17));
    }
  }
  // sinsp 0.29.3 records the destination but leaves the fd's name to the exit.
}

void State::parse_connect_exit(const Event& ev) {
  FdInfo* f = fdinfo_;
  int64_t res = 0;
  if (f == nullptr || !ev.param_s64(0, res)) return;
  if (res < 0 && res != -115) return;  // EINPROGRESS is a legitimate start
  auto tuple = ev.param(1);
  if (tuple.empty()) return;
  const uint8_t* p = tuple.data();
  if (p[0] == kAfInet || p[0] == kAfInet6) {
    if (p[0] == kAfInet6 && tuple.size() >= 37 &&
        !(is_ipv4_mapped(p + 1) && is_ipv4_mapped(p + 19))) {
      f->type = FdType::kIpv6Sock;
    }
    if (f->type == FdType::kIpv4Sock) {
      if (p[0] == kAfInet && tuple.size() >= 13) {
        set_v4_tuple(f, load_u32(p + 1), load_u16(p + 5), load_u32(p + 7), load_u16(p + 11));
      } else if (tuple.size() >= 37) {
        set_v4_tuple(f, load_u32(p + 13), load_u16(p + 17), load_u32(p + 31), load_u16(p + 35));
      }
    } else if (f->type == FdType::kIpv6Sock && p[0] == kAfInet6 && tuple.size() >= 37) {
      set_v6_tuple(f, p + 1, load_u16(p + 17), p + 19, load_u16(p + 35));
    }
  } else if (p[0] == kAfUnix && tuple.size() >= 17) {
    f->put64(0, load_u64(p + 1));
    f->put64(8, load_u64(p + 9));
  }
  std::string name, resolved;
  param_as_str(ev, 1, *this, name, resolved, true);
  set_fd_name(f, name);
  f->flags |= kFdRoleClient | kFdSocketConnected;
}

void State::parse_accept_exit(const Event& ev) {
  ThreadInfo* t = tinfo_;
  int64_t fd = -1;
  if (t == nullptr || !ev.param_s64(0, fd) || fd < 0) return;
  t->lastevent_fd = fd;
  auto tuple = ev.param(1);
  if (tuple.empty()) return;
  const uint8_t* p = tuple.data();
  FdInfo f;
  if (p[0] == kAfInet && tuple.size() >= 13) {
    set_v4_tuple(&f, load_u32(p + 1), load_u16(p + 5), load_u32(p + 7), load_u16(p + 11));
    f.type = FdType::kIpv4Sock;
    f.sock[12] = kL4Tcp;
  } else if (p[0] == kAfInet6 && tuple.size() >= 37) {
    if (is_ipv4_mapped(p + 1) && is_ipv4_mapped(p + 19)) {
      set_v4_tuple(&f, load_u32(p + 13), load_u16(p + 17), load_u32(p + 31), load_u16(p + 35));
      f.type = FdType::kIpv4Sock;
      f.sock[12] = kL4Tcp;
    } else {
      set_v6_tuple(&f, p + 1, load_u16(p + 17), p + 19, load_u16(p + 35));
      f.type = FdType::kIpv6Sock;
      f.sock[36] = kL4Tcp;
    }
  } else if (p[0] == kAfUnix && tuple.size() >= 17) {
    f.type = FdType::kUnixSock;
    f.put64(0, load_u64(p + 1));
    f.put64(8, load_u64(p + 9));
  } else {
    return;
  }
  std::string name, resolved;
  param_as_str(ev, 1, *this, name, resolved, true);
  set_fd_name(&f, name);
  f.flags = kFdRoleServer | kFdSocketConnected;
  fdinfo_ = add_fd(t, fd, std::move(f));
}

void State::parse_close_enter(const Event& ev) {
  (void)ev;
  if (tinfo_ == nullptr) return;
  fdinfo_ = find_fd(tinfo_, tinfo_->lastevent_fd);
  if (fdinfo_ != nullptr) fdinfo_->flags |= kFdCloseInProgress;
}

void State::parse_close_exit(const Event& ev) {
  int64_t res = -1;
  if (!ev.param_s64(0, res)) return;
  if (res >= 0) {
    if (fdinfo_ == nullptr || tinfo_ == nullptr) return;
    if (fdinfo_->flags & kFdCloseCanceled) {
      fdinfo_->flags &= ~kFdCloseCanceled;
      return;
    }
    erase_fd_later(tinfo_, tinfo_->lastevent_fd);
  } else if (fdinfo_ != nullptr) {
    fdinfo_->flags &= ~kFdCloseInProgress;
  }
}

void State::parse_pipe_exit(const Event& ev) {
  int64_t res = -1;
  if (tinfo_ == nullptr || !ev.param_s64(0, res) || res < 0) return;
  int64_t fd1 = -1, fd2 = -1;
  get_s64(ev, P::fd1, fd1);
  get_s64(ev, P::fd2, fd2);
  uint64_t ino = ev.param_uint(3, 0);
  FdInfo f;
  f.type = FdType::kFifo;
  f.ino = ino;
  FdInfo g = f;
  fdinfo_ = add_fd(tinfo_, fd1, std::move(f));
  fdinfo_ = add_fd(tinfo_, fd2, std::move(g));
}

void State::parse_socketpair_exit(const Event& ev) {
  int64_t res = -1;
  if (tinfo_ == nullptr || !ev.param_s64(0, res) || res < 0) return;
  int64_t fd1 = -1, fd2 = -1;
  get_s64(ev, P::fd1, fd1);
  get_s64(ev, P::fd2, fd2);
  FdInfo f;
  f.type = FdType::kUnixSock;
  f.put64(0, ev.param_uint(3, 0));
  f.put64(8, ev.param_uint(4, 0));
  FdInfo g = f;
  fdinfo_ = add_fd(tinfo_, fd1, std::move(f));
  fdinfo_ = add_fd(tinfo_, fd2, std::move(g));
}

void State::parse_simple_fd_exit(const Event& ev, FdType type, std::string_view name) {
  int64_t fd = -1;
  if (tinfo_ == nullptr || !ev.param_s64(0, fd) || fd < 0) return;
  FdInfo f;
  f.type = type;
  set_fd_name(&f, name);
  fdinfo_ = add_fd(tinfo_, fd, std::move(f));
}

void State::parse_dup_exit(const Event& ev) {
  int64_t res = -1;
  if (tinfo_ == nullptr || !ev.param_s64(0, res) || res < 0) return;
  if (res == 0) tinfo_->flags |= 1u << 22;  // PPM_CL_PIPE_DST
  if (res == 1) tinfo_->flags |= 1u << 21;  // PPM_CL_PIPE_SRC
  if (fdinfo_ == nullptr) return;
  FdInfo copy = *fdinfo_;
  fdinfo_ = add_fd(tinfo_, res, std::move(copy));
}

void State::parse_fcntl_exit(const Event& ev) {
  int64_t res = -1;
  if (tinfo_ == nullptr || !ev.param_s64(0, res)) return;
  if (enter_event(ev) == nullptr) return;
  if (res >= 0) {
    if (fdinfo_ == nullptr) return;
    FdInfo copy = *fdinfo_;
    fdinfo_ = add_fd(tinfo_, res, std::move(copy));
  }
}

void State::parse_chdir_exit(const Event& ev) {
  int64_t res = -1;
  if (tinfo_ == nullptr || !ev.param_s64(0, res) || res < 0) return;
  update_cwd(tinfo_, get_str(ev, P::path));
}

void State::parse_fchdir_exit(const Event& ev) {
  int64_t res = -1;
  if (tinfo_ == nullptr || !ev.param_s64(0, res) || res < 0) return;
  if (fdinfo_ == nullptr) return;
  std::string name = fdinfo_->name;
  update_cwd(tinfo_, name);
}

void State::parse_rw_exit(const Event& ev) {
  FdInfo* f = fdinfo_;
  int64_t res = -1;
  if (f == nullptr || !ev.param_s64(0, res) || res < 0) return;
  const bool tcp = f->type == FdType::kIpv4Sock && f->v4_l4() == kL4Tcp;
  if (ev.info->flags & EF_READS_FROM_FD) {
    int tp = -1;
    if (ev.type == ev::kRecvfromX) tp = 2;
    if (ev.type == ev::kRecvmsgX) tp = 3;
    if (tp >= 0 && (f->name.empty() || !tcp)) {
      if (apply_tuple(f, ev.param(static_cast<uint32_t>(tp)))) {
        if (f->type == FdType::kIpv4Sock || f->type == FdType::kIpv6Sock)
          f->flags |= kFdRoleServer;
        fd_name_changed_ = true;
        std::string name, resolved;
        param_as_str(ev, static_cast<uint32_t>(tp), *this, name, resolved, true);
        set_fd_name(f, name);
      }
    }
  } else if (ev.type == ev::kSendtoX || ev.type == ev::kSendmsgX) {
    const Event* enter = enter_event(ev);
    if (enter == nullptr) return;
    if (f->name.empty() || !tcp) {
      if (apply_tuple(f, enter->param(2))) {
        if (f->type == FdType::kIpv4Sock || f->type == FdType::kIpv6Sock)
          f->flags |= kFdRoleClient;
        fd_name_changed_ = true;
        std::string name, resolved;
        param_as_str(*enter, 2, *this, name, resolved, true);
        set_fd_name(f, name);
      }
    }
  }
}

void State::parse_uid_gid_exit(const Event& ev) {
  int64_t res = -1;
  if (tinfo_ == nullptr || !ev.param_s64(0, res) || res != 0) return;
  const Event* enter = enter_event(ev);
  if (enter == nullptr) return;
  uint32_t v = 0xffffffff;
  switch (ev.type) {
    case ev::kSetuidX:
      v = static_cast<uint32_t>(enter->param_uint(0, 0xffffffff));
      if (v != 0xffffffff) tinfo_->uid = v;
      break;
    case ev::kSetresuidX:
      v = static_cast<uint32_t>(enter->param_uint(1, 0xffffffff));
      if (v != 0xffffffff) tinfo_->uid = v;
      break;
    case ev::kSetgidX:
      v = static_cast<uint32_t>(enter->param_uint(0, 0xffffffff));
      if (v != 0xffffffff) tinfo_->gid = v;
      break;
    case ev::kSetresgidX:
      v = static_cast<uint32_t>(enter->param_uint(1, 0xffffffff));
      if (v != 0xffffffff) tinfo_->gid = v;
      break;
    default:
      break;
  }
}

void State::parse_setsid_exit(const Event& ev) {
  int64_t res = -1;
  if (tinfo_ == nullptr || !ev.param_s64(0, res) || res < 0) return;
  tinfo_->sid = res;
}

void State::parse_container_event(const Event& ev) {
  ContainerInfo c;
  if (ev.type == ev::kContainerE) {
    c.id.assign(ev.param_str(0));
    c.type = static_cast<int>(ev.param_uint(1, 0));
    c.name.assign(ev.param_str(2));
    c.image.assign(ev.param_str(3));
  } else {
    auto b = ev.param(0);
    if (!parse_container_json(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()),
                              c))
      return;
  }
  if (c.id.empty()) return;
  if (containers_.size() >= opts_.max_containers && containers_.find(c.id) == containers_.end())
    return;
  std::string id = c.id;
  containers_[id] = std::move(c);
}

void State::parse_vm_exit(const Event& ev) {
  if (tinfo_ == nullptr) return;
  get_u32(ev, P::vm_size, tinfo_->vmsize_kb);
  get_u32(ev, P::vm_rss, tinfo_->vmrss_kb);
  get_u32(ev, P::vm_swap, tinfo_->vmswap_kb);
}

}  // namespace pg::capture
