// /proc bootstrap: the machine's threads, their open fds, users, groups, interfaces and
// machine info as a capture::Metadata, the same structure a .scap file's metadata blocks give
// (so State::load_metadata() seeds live and file state alike, and ScapWriter can write it).
//
// What libscap's proc scan does, field by field (CAPTURE.md 4.5, bootstrap):
//  - threads: /proc/<pid>/task/<tid>: comm; status (Tgid, PPid, Uid/Gid effective, NSpid and
//    NStgid for vtid/vpid, VmSize/VmRSS/VmSwap of the process); stat (pgrp, session, tty_nr,
//    minflt, majflt); the process's cmdline (exe = argv[0], args = the rest, NUL-separated),
//    environ, cwd, exe and root links, cgroup (a v2 line "0::/p" becomes
//    cpuset=/p, cpu=/p, memory=/p, as the probe reports it), loginuid, RLIMIT_NOFILE;
//    non-main threads get PPM_CL_CLONE_THREAD|PPM_CL_CLONE_FILES and share the main
//    thread's fds, as in libscap.
//  - fds (main threads): /proc/<pid>/fd/* classified by link target: files (open flags from
//    fdinfo, in PPM encoding) and directories; sockets matched by inode against
//    /proc/<pid>/net/{tcp,tcp6,udp,udp6,raw,raw6,unix,netlink} of the process's network
//    namespace (parsed once per namespace); pipes; anon inodes (eventfd, signalfd, eventpoll,
//    inotify, timerfd; newer kinds such as bpf or io_uring are typed "unsupported", as in
//    libscap 0.29.3, whose file reader rejects fd types above FILE_V2).
//  - users and groups from /etc/passwd and /etc/group; interfaces from getifaddrs(); machine
//    info from uname/sysinfo/pid_max.
//
// Processes that exit during the scan are skipped silently; the scan never fails as a whole
// (it reports what it could read). Must run AFTER the probe is attached, so that nothing that
// happens during the scan is missed: events for the same threads then update the scanned state.
#pragma once

#include <cstdint>
#include <string>

#include "capture/metadata.h"

namespace pg::live {

// Options of the scan.
struct ProcScanOptions {
  std::string proc_root = "/proc";     // where procfs is mounted
  std::string etc_root = "/etc";       // passwd and group
  bool fds = true;                     // scan open fds
  bool threads = true;                 // include non-main threads
  size_t max_fds_per_process = 65536;  // stop scanning a process's fds past this
};

// Counters of a scan.
struct ProcScanStats {
  uint64_t processes = 0, threads = 0, fds = 0, sockets = 0, unresolved_sockets = 0;
  uint64_t vanished = 0;  // processes that exited during the scan
  uint64_t elapsed_ns = 0;
};

// Scans the system into `out` (replaced).
void scan_proc(const ProcScanOptions& opts, capture::Metadata& out, ProcScanStats* stats = nullptr);

// The PPM_O_* encoding of Linux open flags (as fdinfo prints them, octal).
uint32_t ppm_open_flags(uint64_t linux_flags);

}  // namespace pg::live
