// Loader: RAII owner of the probe (the bpftool-generated skeleton of capture/bpf/probe.bpf.c),
// following the libbpf-bootstrap sequence with the C `goto cleanup` turned into a destructor:
//
//   preflight()  clear errors for "not root", "no BTF", "probe not built"
//   open()       open the skeleton -> set .rodata (pg_config) -> create one ring buffer per
//                possible CPU and size the map-in-map and scratch maps -> disable the fillers
//                the plan does not use -> load (verifier) -> fill syscall_table and the prog
//                arrays from the SyscallPlan
//   attach()     sys_exit before sys_enter (a syscall in flight at attach time then yields an
//                exit without an enter, which readers tolerate, never an enter without its
//                exit), then the sched tracepoints
//   detach()     the reverse: sys_enter first, then the rest
//
// libbpf's own messages are routed to the LogSink (libbpf_set_print is process-wide, so the
// most recently opened Loader's sink receives them). Nothing throws; every failure returns
// false with a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/live/log.h"
#include "capture/live/selection.h"

namespace pg::live {

// Per-CPU counters of the probe (struct pg_counters of capture/bpf/event_defs.h).
struct CpuCounters {
  uint64_t events = 0;           // records written to the ring
  uint64_t drops_buffer = 0;     // ring full
  uint64_t drops_max_size = 0;   // event over the size limit
  uint64_t drops_no_buffer = 0;  // no ring or scratch buffer for the CPU
  uint64_t shape_errors = 0;     // parameter count mismatch (a probe bug)
  uint64_t ia32_skipped = 0;     // 32-bit syscalls, not captured
  // Ring-full drops by kind: clone, execve, procexit, open, close, connect, other.
  uint64_t drops_by_kind[7] = {};

  uint64_t drops() const { return drops_buffer + drops_max_size + drops_no_buffer; }
};

// What the loader needs.
struct LoaderConfig {
  SyscallPlan plan;
  size_t ring_bytes_per_cpu = 8u << 20;  // power of two, multiple of the page size
  uint32_t snaplen = 80;                 // I/O payload bytes kept (<= 1024)
  uint32_t self_tgid = 0;                // do not capture this process (0: capture all)
  bool child_from_fork = false;          // child clone events from sched_process_fork
  uint64_t boot_ts = 0;                  // ns since the epoch at boot
  LogSink log;                           // may be empty
};

// True when the probe was compiled into this binary.
bool probe_built();

// Why the probe was not built (empty when it was).
const char* probe_unavailable_reason();

class Loader {
 public:
  Loader();
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Checks what can be checked before touching BPF: probe built, privileges, kernel BTF.
  // False with a user-facing message otherwise.
  [[nodiscard]] static bool preflight(std::string* err);

  // Opens, configures and loads the probe and fills its maps. False with a message.
  [[nodiscard]] bool open(const LoaderConfig& cfg, std::string* err);

  // Attaches the programs. False with a message (everything attached so far is detached).
  [[nodiscard]] bool attach(std::string* err);

  // Detaches sys_enter (no new syscall events start).
  void detach_enter();

  // Detaches everything still attached.
  void detach();

  // Detaches and unloads. Safe to call twice.
  void close();

  // Ring buffer fds, index = CPU.
  const std::vector<int>& ring_fds() const { return ring_fds_; }
  size_t ring_bytes() const { return ring_bytes_; }

  // Number of possible CPUs (rings, counters).
  int cpu_count() const { return ncpus_; }

  // Reads the per-CPU counters. False if the probe is not loaded.
  bool read_counters(std::vector<CpuCounters>& out) const;

  // Names of the programs loaded (for diagnostics).
  std::vector<std::string> loaded_programs() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<int> ring_fds_;
  size_t ring_bytes_ = 0;
  int ncpus_ = 0;
};

}  // namespace pg::live
