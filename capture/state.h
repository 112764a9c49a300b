// State engine: the thread table (process tree, names, args, env, cwd, credentials, cgroups and
// container id), a file-descriptor table per process, users, groups and network interfaces,
// rebuilt from a capture's metadata and updated by every event.
//
// Semantics follow libsinsp 0.29.3 (libs e5c53d64) so that fields agree with sysdig:
// - Per event (process()): deferred removals from the previous event run first (fds closed by
//   a close exit and threads that exited are dropped one event later, so the closing event
//   still sees them); then the thread is looked up (an unknown tid gets a placeholder entry
//   with comm "<NA>", as sinsp adds one); enter events record their type, fd and a copy of the
//   whole record (the "last enter event", used by exits such as socket, old openat, execve's
//   exepath); exit events take their fd from that enter and are marked invalid when the
//   previous event of the thread was not their enter; then the type-specific parser runs.
// - Threads of one process share the main thread's fd table when created with CLONE_FILES;
//   a fork copies the parent's fds; execve keeps them.
// - The socket state of an fd mirrors sinsp's union layout (ipv4/ipv6 tuples and server
//   addresses overlapping in 40 bytes), so sockets that change kind read the same bytes.
//
// Bounds: at most max_threads threads (placeholders are not created past it; when full, the
// least recently active eighth of the table is evicted) and max_fds fds per table (further
// fds are dropped and counted). No allocation on the per-event path except when a table or a
// string grows (new thread, new fd, exec, longer saved enter event).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "capture/container.h"
#include "capture/event.h"
#include "capture/metadata.h"
#include "vm/interner.h"

namespace pg::capture {

// sinsp fd flags (sinsp_fdinfo_t::FLAGS_*).
enum FdFlags : uint32_t {
  kFdFromProc = 1 << 0,
  kFdRoleClient = 1 << 2,
  kFdRoleServer = 1 << 3,
  kFdCloseInProgress = 1 << 4,
  kFdCloseCanceled = 1 << 5,
  kFdIsTracerFile = 1 << 6,
  kFdIsTracerFd = 1 << 7,
  kFdIsNotTracerFd = 1 << 8,
  kFdInPipeline = 1 << 9,
  kFdSocketConnected = 1 << 10,
  kFdConnectionPending = 1 << 11,
  kFdConnectionFailed = 1 << 12,
  kFdIsCloned = 1 << 13,
};

// Sets an fd's name, counting a change for fd.name_changed.
struct FdInfo;
void set_fd_name(FdInfo* f, std::string_view name);

// One open file descriptor.
struct FdInfo {
  FdType type = FdType::kUnknown;
  uint32_t flags = 0;       // FdFlags
  uint32_t open_flags = 0;  // PPM_O_* flags of files
  uint32_t dev = 0;
  uint64_t ino = 0;
  // Socket state, laid out like sinsp's sinsp_sockinfo union (offsets in the comments).
  alignas(8) uint8_t sock[40] = {};
  std::string name;     // path, tuple text or other name
  std::string nameraw;  // path as the syscall passed it (files opened during the capture)
  uint32_t name_gen = 0;  // bumped when the name changes
  uint32_t seen_gen = 0;  // name_gen when the fd was last looked up (fd.name_changed)

  // ipv4 tuple view: sip@0 dip@4 sport@8 dport@10 l4proto@12.
  uint32_t v4_sip() const { return load_u32(sock); }
  uint32_t v4_dip() const { return load_u32(sock + 4); }
  uint16_t v4_sport() const { return load_u16(sock + 8); }
  uint16_t v4_dport() const { return load_u16(sock + 10); }
  uint8_t v4_l4() const { return sock[12]; }
  // ipv4 server view: ip@0 port@4 l4proto@6.
  uint32_t v4s_ip() const { return load_u32(sock); }
  uint16_t v4s_port() const { return load_u16(sock + 4); }
  uint8_t v4s_l4() const { return sock[6]; }
  // ipv6 tuple view: sip@0 dip@16 sport@32 dport@34 l4proto@36.
  const uint8_t* v6_sip() const { return sock; }
  const uint8_t* v6_dip() const { return sock + 16; }
  uint16_t v6_sport() const { return load_u16(sock + 32); }
  uint16_t v6_dport() const { return load_u16(sock + 34); }
  uint8_t v6_l4() const { return sock[36]; }
  // ipv6 server view: ip@0 port@16 l4proto@18.
  uint16_t v6s_port() const { return load_u16(sock + 16); }
  uint8_t v6s_l4() const { return sock[18]; }
  // unix view: source@0 dest@8.
  uint64_t unix_src() const { return load_u64(sock); }
  uint64_t unix_dst() const { return load_u64(sock + 8); }

  void put16(size_t off, uint16_t v) { std::memcpy(sock + off, &v, 2); }
  void put32(size_t off, uint32_t v) { std::memcpy(sock + off, &v, 4); }
  void put64(size_t off, uint64_t v) { std::memcpy(sock + off, &v, 8); }

  bool is_file() const { return type == FdType::kFile || type == FdType::kFileV2; }
  bool is_role_none() const { return (flags & (kFdRoleClient | kFdRoleServer)) == 0; }
  // sinsp_fdinfo::get_l4proto().
  uint8_t l4proto() const;
  // One-letter type (fd.typechar).
  char typechar() const;
  // Type name (fd.type).
  const char* typestring() const;
};

// The fds of one process.
class FdTable {
 public:
  FdInfo* find(int64_t fd) {
    if (fd == last_fd_ && last_ != nullptr) return last_;
    auto it = map_.find(fd);
    if (it == map_.end()) return nullptr;
    last_fd_ = fd;
    last_ = &it->second;
    return last_;
  }
  // Adds or replaces; nullptr when the table is full.
  FdInfo* add(int64_t fd, FdInfo&& info, size_t max_fds);
  void erase(int64_t fd);
  size_t size() const { return map_.size(); }
  const std::unordered_map<int64_t, FdInfo>& all() const { return map_; }
  void clear() {
    map_.clear();
    last_ = nullptr;
  }
  FdTable& operator=(const FdTable& o) {
    map_ = o.map_;
    last_ = nullptr;
    return *this;
  }

 private:
  std::unordered_map<int64_t, FdInfo> map_;
  int64_t last_fd_ = -1;
  FdInfo* last_ = nullptr;
};

// An interned copy of a hot string (comm, exe, exepath): the id is valid for `gen`.
struct InternedStr {
  std::string s;
  uint32_t id = kNoStrId;
  uint64_t gen = UINT64_MAX;  // UINT64_MAX: never looked up
};

// One thread.
struct ThreadInfo {
  int64_t tid = -1, pid = -1, ptid = -1, sid = -1, vpgid = -1;
  int64_t vtid = -1, vpid = -1;
  InternedStr comm, exe, exepath;
  std::string args;     // arguments joined with spaces (proc.args)
  uint32_t nargs = 0;
  std::string args_raw; // NUL-separated, each argument NUL-terminated
  std::string cmdline;  // comm + " " + each argument (proc.cmdline)
  std::string env;      // environment joined with spaces (proc.env)
  std::string env_raw;  // NUL-separated
  std::string cwd;      // always ends with '/'
  std::string cgroups;  // NUL-separated subsys=path entries
  std::string root;
  std::string container_id;  // 12 chars, or empty on the host
  uint32_t uid = 0xffffffff, gid = 0xffffffff, loginuid = 0xffffffff;
  uint32_t tty = 0;
  uint32_t flags = 0;  // PPM_CL_* flags
  int64_t fdlimit = -1;
  uint32_t vmsize_kb = 0, vmrss_kb = 0, vmswap_kb = 0;
  uint64_t pfmajor = 0, pfminor = 0;
  uint64_t clone_ts = 0, lastexec_ts = 0;
  bool exe_writable = false;
  int64_t nchilds = 0;
  // Per-event parser state (sinsp's m_lastevent_*).
  uint16_t lastevent_type = kEventMax;
  bool lastevent_valid = false;
  int64_t lastevent_fd = 0;  // sinsp starts every thread at fd 0
  uint64_t lastevent_ts = 0, prevevent_ts = 0;
  uint64_t latency = 0, last_latency_entertime = 0;
  std::string lastevent_data;  // copy of the last enter record
  Event lastevent;             // decoded view of lastevent_data (when lastevent_stored)
  bool lastevent_stored = false;
  FdTable fdtable;

  bool is_main_thread() const { return tid == pid; }
};

// Options of the state engine.
struct StateOptions {
  size_t max_threads = 131072;  // sinsp's default thread table size
  size_t max_fds = 65536;       // per fd table
  size_t max_total_fds = 1u << 18;  // over all tables
  size_t max_string = 4096;     // longest thread string kept (args, env, cgroups, paths)
  size_t max_saved_enter = 16384;  // longest enter event kept for its exit
  size_t max_containers = 4096;  // container metadata entries
};

// Counters of the state engine.
struct StateCounters {
  uint64_t placeholder_threads = 0;  // threads created for an unknown tid
  uint64_t evicted_threads = 0;
  uint64_t dropped_threads = 0;      // not created because the table was full
  uint64_t dropped_fds = 0;          // not added because a table was full
  uint64_t removed_threads = 0;      // removed after procexit
  uint64_t truncated_strings = 0;    // thread or fd strings cut to max_string
  uint64_t unsaved_enters = 0;       // enter events too large to keep for their exit
};

class State {
 public:
  explicit State(StateOptions opts = {});

  // The interner hot strings are looked up in (may be null); ids are refreshed lazily.
  void set_interner(const Interner* interner);
  const Interner* interner() const { return interner_; }

  // Seeds (or, for a later section, merges) threads, fds, users, groups and interfaces.
  void load_metadata(const Metadata& meta);

  // Applies one event. After it, thread() and fd() describe the event.
  void process(const Event& ev);

  // The thread of the current event (sinsp's evt->m_tinfo); may be null.
  ThreadInfo* thread() const { return tinfo_; }
  // The fd of the current event (sinsp's evt->m_fdinfo); may be null.
  FdInfo* fd() const { return fdinfo_; }
  // True when the current event renamed its fd.
  bool fd_name_changed() const { return fd_name_changed_; }

  // Thread lookup without creation.
  ThreadInfo* find_thread(int64_t tid);
  // The process's main thread (may create a placeholder for the pid, as sinsp does).
  ThreadInfo* main_thread(ThreadInfo* t);
  // The parent (thread ptid), or null.
  ThreadInfo* parent(ThreadInfo* t) { return t->ptid == t->tid ? nullptr : find_thread(t->ptid); }
  // The fd table a thread uses (its own, or its main thread's for CLONE_FILES threads).
  FdTable* fd_table(ThreadInfo* t);
  // A thread's fd.
  FdInfo* find_fd(ThreadInfo* t, int64_t fd);
  // The saved enter event matching an exit event, or null (sinsp retrieve_enter_event).
  const Event* enter_event(const Event& exit);
  // The process's cwd (main thread's).
  const std::string& cwd(ThreadInfo* t);

  // Container metadata for a thread's container, or null (host, or nothing known).
  const ContainerInfo* container(const ThreadInfo* t) const;

  // Users and groups from the UL blocks.
  const UserEntry* user(uint32_t uid) const;
  const GroupEntry* group(uint32_t gid) const;

  // True if the address (network order) belongs to a local interface.
  bool is_local_v4(uint32_t addr, const ThreadInfo* t) const;
  bool is_local_v6(const uint8_t* addr, const ThreadInfo* t) const;

  // Refreshes the interned id of a hot string for the current interner.
  void refresh(InternedStr& s) const {
    if (s.gen != interner_gen_) {
      if (interner_ == nullptr) {
        s.id = kNoStrId;
      } else {
        s.id = interner_->find(s.s);
        if (s.id == kNoStrId) s.id = kAbsentStrId;  // in no set, equal to no constant
      }
      s.gen = interner_gen_;
    }
  }

  size_t thread_count() const { return threads_.size(); }
  size_t fd_count() const { return fd_count_; }
  const StateCounters& counters() const { return counters_; }
  const std::unordered_map<int64_t, std::unique_ptr<ThreadInfo>>& threads() const {
    return threads_;
  }
  const MachineInfo& machine() const { return machine_; }

 private:
  // Eviction frees threads, so only callers that hold no other thread pointers may allow it
  // (the per-event lookup and thread creation by clone and metadata).
  ThreadInfo* get_or_create(int64_t tid, bool create, bool may_evict = false);
  ThreadInfo* add_thread(std::unique_ptr<ThreadInfo> t, bool may_evict = true);
  void remove_thread(int64_t tid, bool force);
  void evict();
  void reset(const Event& ev);
  FdInfo* add_fd(ThreadInfo* t, int64_t fd, FdInfo&& info);
  FdInfo* table_add(FdTable& ft, int64_t fd, FdInfo&& info);
  void erase_thread(std::unordered_map<int64_t, std::unique_ptr<ThreadInfo>>::iterator it);
  std::string_view cap(std::string_view s);
  void erase_fd_later(ThreadInfo* t, int64_t fd);
  void set_comm(ThreadInfo* t, std::string_view v);
  void set_exe(ThreadInfo* t, std::string_view v);
  void set_exepath(ThreadInfo* t, std::string_view v);
  void set_args(ThreadInfo* t, std::string_view raw);
  void set_env(ThreadInfo* t, std::string_view raw);
  void set_cgroups(ThreadInfo* t, std::string_view raw);
  void update_cwd(ThreadInfo* t, std::string_view path);
  void update_socket_fd(FdInfo* f);
  void fix_sockets_from_proc(ThreadInfo* t, const std::vector<uint16_t>& server_ports);
  void parse_dirfd(const Event& ev, std::string_view name, int64_t dirfd, std::string& sdir);

  // Per-type parsers.
  void parse_open_exit(const Event& ev);
  void parse_clone_exit(const Event& ev);
  void parse_execve_exit(const Event& ev);
  void parse_socket_exit(const Event& ev);
  void parse_bind_exit(const Event& ev);
  void parse_connect_enter(const Event& ev);
  void parse_connect_exit(const Event& ev);
  void parse_accept_exit(const Event& ev);
  void parse_close_enter(const Event& ev);
  void parse_close_exit(const Event& ev);
  void parse_pipe_exit(const Event& ev);
  void parse_socketpair_exit(const Event& ev);
  void parse_simple_fd_exit(const Event& ev, FdType type, std::string_view name);
  void parse_dup_exit(const Event& ev);
  void parse_fcntl_exit(const Event& ev);
  void parse_chdir_exit(const Event& ev);
  void parse_fchdir_exit(const Event& ev);
  void parse_rw_exit(const Event& ev);
  void parse_uid_gid_exit(const Event& ev);
  void parse_setsid_exit(const Event& ev);
  void parse_thread_exit(const Event& ev);
  void parse_vm_exit(const Event& ev);
  void parse_container_event(const Event& ev);

  StateOptions opts_;
  const Interner* interner_ = nullptr;
  uint64_t interner_gen_ = 0;
  std::unordered_map<int64_t, std::unique_ptr<ThreadInfo>> threads_;
  int64_t last_tid_ = -1;
  ThreadInfo* last_thread_ = nullptr;
  std::unordered_map<uint32_t, UserEntry> users_;
  std::unordered_map<uint32_t, GroupEntry> groups_;
  std::vector<std::pair<uint32_t, uint32_t>> v4_ifaces_;  // addr, netmask (network order)
  std::vector<std::array<uint8_t, 16>> v6_ifaces_;
  std::unordered_map<std::string, ContainerInfo> containers_;
  MachineInfo machine_;
  // Current event.
  ThreadInfo* tinfo_ = nullptr;
  FdInfo* fdinfo_ = nullptr;
  bool fd_name_changed_ = false;
  // Deferred removals (applied at the start of the next event).
  int64_t tid_to_remove_ = -1;
  int64_t tid_of_fd_to_remove_ = -1;
  std::vector<int64_t> fds_to_remove_;
  size_t fd_count_ = 0;  // fds over all tables (bounded by max_total_fds)
  StateCounters counters_;
  std::string scratch_;
};

// sinsp_utils::concatenate_paths: joins `dir` and `path` (absolute paths ignore `dir`),
// collapsing '//' and resolving '.' and '..', replacing unprintable bytes with '.', and
// dropping a trailing '/'.
std::string concatenate_paths(std::string_view dir, std::string_view path);

// NUL-separated lists (args, env, cgroups as "controller=path"): calls f(item) for each item
// (a missing final NUL ends the last one); stops and returns true as soon as f returns true.
template <class F>
bool for_each_nul_item(std::string_view raw, F&& f) {
  size_t off = 0;
  while (off < raw.size()) {
    size_t end = raw.find('\0', off);
    if (end == std::string_view::npos) end = raw.size();
    if (f(raw.substr(off, end - off))) return true;
    off = end + 1;
  }
  return false;
}

// The 12-character container id found in a NUL-separated cgroups list, or empty.
std::string container_id_from_cgroups(std::string_view cgroups);

}  // namespace pg::capture
