// Loader (see loader.h). Built with PG_HAVE_PROBE=1 when capture/bpf produced the skeleton;
// otherwise every entry point reports why the probe is unavailable.
#include "capture/live/loader.h"

#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <set>
#include <string>

#include "capture/bpf/event_defs.h"

#ifndef PG_HAVE_PROBE
#define PG_HAVE_PROBE 0
#endif

#if PG_HAVE_PROBE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "probe.skel.h"
#endif

#ifndef PG_PROBE_UNAVAILABLE_REASON
#define PG_PROBE_UNAVAILABLE_REASON "the build did not include capture/bpf"
#endif

namespace pg::live {

void default_log_sink(LogLevel level, std::string_view msg) {
  if (level < LogLevel::kWarning) return;
  std::fprintf(stderr, "peregrine: %s: %.*s\n", log_level_name(level), static_cast<int>(msg.size()),
               msg.data());
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

bool probe_built() { return PG_HAVE_PROBE != 0; }

const char* probe_unavailable_reason() { return PG_HAVE_PROBE ? "" : PG_PROBE_UNAVAILABLE_REASON; }

namespace {

// Effective capabilities of this process (CapEff of /proc/self/status).
uint64_t effective_caps() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) == 0) return std::strtoull(line.c_str() + 7, nullptr, 16);
  }
  return 0;
}

}  // namespace

bool Loader::preflight(std::string* err) {
  if (!probe_built()) {
    if (err)
      *err = std::string("the eBPF probe is not built into this binary: ") +
             probe_unavailable_reason();
    return false;
  }
  constexpr int kCapSysAdmin = 21, kCapPerfmon = 38, kCapBpf = 39;
  const uint64_t caps = effective_caps();
  const bool admin = caps & (uint64_t{1} << kCapSysAdmin);
  const bool bpf = (caps & (uint64_t{1} << kCapBpf)) && (caps & (uint64_t{1} << kCapPerfmon));
  if (!admin && !bpf) {
    if (err)
      *err = ::geteuid() == 0 ? "live capture needs CAP_SYS_ADMIN (or CAP_BPF and CAP_PERFMON), "
                                "which this root process lacks (a restricted container?)"
                              : "live capture needs root (or CAP_BPF and CAP_PERFMON): run as root";
    return false;
  }
  if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    if (err)
      *err =
          "kernel BTF (/sys/kernel/btf/vmlinux) is missing: the CO-RE probe needs a "
          "kernel built with CONFIG_DEBUG_INFO_BTF=y (Linux 5.8 or later)";
    return false;
  }
  // The bpf() syscall itself: a one-page ring buffer map is the smallest thing the probe needs.
  union bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.map_type = BPF_MAP_TYPE_RINGBUF;
  attr.max_entries = static_cast<uint32_t>(::sysconf(_SC_PAGESIZE));
  const long fd = ::syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
  if (fd < 0) {
    const int e = errno;
    if (err) {
      if (e == ENOSYS) {
        *err = "the kernel has no BPF system call (CONFIG_BPF_SYSCALL is off)";
      } else if (e == EPERM || e == EACCES) {
        *err =
            "BPF is not permitted for this process (kernel lockdown, a seccomp filter or "
            "missing CAP_BPF)";
      } else if (e == EINVAL) {
        *err = "the kernel has no BPF ring buffers (Linux 5.8 or later is needed)";
      } else {
        *err = std::string("BPF is unavailable: ") + std::strerror(e);
      }
    }
    return false;
  }
  ::close(static_cast<int>(fd));
  return true;
}

#if PG_HAVE_PROBE

namespace {

// libbpf messages go to the sink of the most recent Loader; the last lines are kept so that a
// load failure can quote the verifier's verdict.
std::mutex g_log_mu;
LogSink g_log_sink;
const void* g_log_owner = nullptr;  // the Loader whose sink is installed
std::deque<std::string> g_log_tail;
constexpr size_t kLogTailLines = 24;

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args) {
  char buf[1024];
  int n = std::vsnprintf(buf, sizeof buf, fmt, args);
  if (n < 0) return 0;
  std::string_view msg(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.remove_suffix(1);
  LogLevel lv = level == LIBBPF_WARN   ? LogLevel::kWarning
                : level == LIBBPF_INFO ? LogLevel::kInfo
                                       : LogLevel::kDebug;
  std::lock_guard<std::mutex> lock(g_log_mu);
  if (level != LIBBPF_DEBUG) {
    g_log_tail.emplace_back(msg);
    if (g_log_tail.size() > kLogTailLines) g_log_tail.pop_front();
  }
  if (g_log_sink) g_log_sink(lv, std::string("libbpf: ").append(msg));
  return 0;
}

std::string log_tail() {
  std::lock_guard<std::mutex> lock(g_log_mu);
  std::string s;
  for (const std::string& l : g_log_tail) {
    s += "\n  ";
    s += l;
  }
  return s;
}

std::string errno_text(int e) {
  if (e < 0) e = -e;
  std::string s = std::strerror(e);
  if (e == EPERM || e == EACCES)
    s += " (run as root; kernel lockdown or kernel.unprivileged_bpf_disabled may also block "
         "BPF)";
  return s;
}

}  // namespace

struct Loader::Impl {
  pg_probe* skel = nullptr;
  std::vector<bpf_link*> links;  // in attach order
  bpf_link* enter_link = nullptr;
  bool child_from_fork = false;
  LogSink log;

  void warn(const std::string& m) const {
    if (log) log(LogLevel::kWarning, m);
  }
};

Loader::Loader() : impl_(std::make_unique<Impl>()) {}

Loader::~Loader() { close(); }

bool Loader::open(const LoaderConfig& cfg, std::string* err) {
  close();
  auto fail = [&](std::string m) {
    if (err) *err = std::move(m);
    close();
    return false;
  };
  if (!preflight(err)) return false;
  if (!cfg.plan.errors.empty())
    return fail("probe selection is inconsistent: " + cfg.plan.errors[0]);
  impl_->log = cfg.log;
  impl_->child_from_fork = cfg.child_from_fork;
  {
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_log_sink = cfg.log;
    g_log_owner = this;
    g_log_tail.clear();
  }
  libbpf_set_print(libbpf_print);

  const long page = ::sysconf(_SC_PAGESIZE);
  if (cfg.ring_bytes_per_cpu < static_cast<size_t>(page) ||
      (cfg.ring_bytes_per_cpu & (cfg.ring_bytes_per_cpu - 1)) != 0)
    return fail("ring buffer size must be a power of two of at least one page");
  ring_bytes_ = cfg.ring_bytes_per_cpu;

  ncpus_ = libbpf_num_possible_cpus();
  if (ncpus_ <= 0) return fail("cannot count the possible CPUs: " + errno_text(-ncpus_));

  impl_->skel = pg_probe::open();
  if (impl_->skel == nullptr) return fail("cannot open the eBPF probe: " + errno_text(errno));
  pg_probe* s = impl_->skel;

  pg_config& c = s->rodata->cfg;
  c.boot_ts = cfg.boot_ts;
  c.snaplen = std::min<uint32_t>(cfg.snaplen, PG_MAX_SNAPLEN);
  c.self_tgid = cfg.self_tgid;
  c.n_cpus = static_cast<uint32_t>(ncpus_);
  c.flags = cfg.child_from_fork ? PG_CFG_CHILD_FROM_FORK : 0;

  for (int i = 0; i < ncpus_; ++i) {
    int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "pg_ring", 0, 0,
                            static_cast<uint32_t>(ring_bytes_), nullptr);
    if (fd < 0)
      return fail("cannot create the ring buffer of CPU " + std::to_string(i) + ": " +
                  errno_text(errno));
    ring_fds_.push_back(fd);
  }
  if (int e = bpf_map__set_inner_map_fd(s->maps.ringbufs, ring_fds_[0]); e != 0)
    return fail("cannot set the ring buffer template: " + errno_text(e));
  if (int e = bpf_map__set_max_entries(s->maps.ringbufs, static_cast<uint32_t>(ncpus_)); e != 0)
    return fail("cannot size the ring buffer array: " + errno_text(e));
  if (int e = bpf_map__set_max_entries(s->maps.aux_maps, static_cast<uint32_t>(ncpus_)); e != 0)
    return fail("cannot size the scratch buffers: " + errno_text(e));

  // Load only the fillers the plan uses (fewer programs to verify, faster start).
  std::set<std::string> used;
  for (const SyscallRow& r : cfg.plan.rows) {
    if (!r.selected) continue;
    if (r.enter_prog) used.insert(r.enter_prog);
    if (r.exit_prog) used.insert(r.exit_prog);
  }
  bpf_program* prog;
  bpf_object__for_each_program(prog, s->obj) {
    std::string name = bpf_program__name(prog);
    bool load = true;
    if (name.rfind("f_", 0) == 0) load = used.count(name) != 0;
    if (name == "pg_sched_fork") load = cfg.child_from_fork;
    bpf_program__set_autoload(prog, load);
  }

  if (int e = pg_probe::load(s); e != 0)
    return fail("cannot load the eBPF probe: " + errno_text(e) + log_tail());

  const int outer = bpf_map__fd(s->maps.ringbufs);
  for (int i = 0; i < ncpus_; ++i) {
    uint32_t k = static_cast<uint32_t>(i);
    if (bpf_map_update_elem(outer, &k, &ring_fds_[static_cast<size_t>(i)], BPF_ANY) != 0)
      return fail("cannot install the ring buffer of CPU " + std::to_string(i) + ": " +
                  errno_text(errno));
  }

  const int table = bpf_map__fd(s->maps.syscall_table);
  const int enter_progs = bpf_map__fd(s->maps.enter_progs);
  const int exit_progs = bpf_map__fd(s->maps.exit_progs);
  for (uint32_t nr = 0; nr < kSyscallTableSize; ++nr) {
    const SyscallRow& r = cfg.plan.rows[nr];
    pg_syscall_cfg row{};
    row.ppm_sc = r.ppm_sc;
    row.enter_event = r.enter_event;
    row.exit_event = r.exit_event;
    if (r.selected) {
      row.flags = PG_SC_SELECTED | (r.generic ? PG_SC_GENERIC : 0);
      for (int dir = 0; dir < 2; ++dir) {
        const char* name = dir == 0 ? r.enter_prog : r.exit_prog;
        int map = dir == 0 ? enter_progs : exit_progs;
        bpf_program* p = name ? bpf_object__find_program_by_name(s->obj, name) : nullptr;
        int pfd = p ? bpf_program__fd(p) : -1;
        if (pfd < 0)
          return fail(std::string("probe program ") + (name ? name : "?") +
                      " is missing for syscall " + std::to_string(nr));
        if (bpf_map_update_elem(map, &nr, &pfd, BPF_ANY) != 0)
          return fail("cannot install a probe program: " + errno_text(errno));
      }
    }
    if (bpf_map_update_elem(table, &nr, &row, BPF_ANY) != 0)
      return fail("cannot fill the syscall selection table: " + errno_text(errno));
  }
  return true;
}

bool Loader::attach(std::string* err) {
  if (impl_->skel == nullptr) {
    if (err) *err = "the probe is not loaded";
    return false;
  }
  pg_probe* s = impl_->skel;
  struct Step {
    bpf_program* prog;
    const char* what;
  };
  std::vector<Step> steps = {
      {s->progs.pg_sys_exit, "tp_btf/sys_exit"},
      {s->progs.pg_sched_exec, "tp_btf/sched_process_exec"},
      {s->progs.pg_sched_exit, "tp_btf/sched_process_exit"},
  };
  if (impl_->child_from_fork)
    steps.push_back({s->progs.pg_sched_fork, "tp_btf/sched_process_fork"});
  steps.push_back({s->progs.pg_sys_enter, "tp_btf/sys_enter"});
  for (const Step& st : steps) {
    bpf_link* l = bpf_program__attach(st.prog);
    if (l == nullptr) {
      int e = errno;
      detach();
      if (err) *err = std::string("cannot attach ") + st.what + ": " + errno_text(e) + log_tail();
      return false;
    }
    impl_->links.push_back(l);
    if (st.prog == s->progs.pg_sys_enter) impl_->enter_link = l;
  }
  return true;
}

void Loader::detach_enter() {
  if (impl_->enter_link == nullptr) return;
  for (auto it = impl_->links.begin(); it != impl_->links.end(); ++it) {
    if (*it == impl_->enter_link) {
      bpf_link__destroy(*it);
      impl_->links.erase(it);
      break;
    }
  }
  impl_->enter_link = nullptr;
}

void Loader::detach() {
  detach_enter();
  for (auto it = impl_->links.rbegin(); it != impl_->links.rend(); ++it) bpf_link__destroy(*it);
  impl_->links.clear();
}

void Loader::close() {
  detach();
  if (impl_->skel != nullptr) {
    pg_probe::destroy(impl_->skel);
    impl_->skel = nullptr;
  }
  for (int fd : ring_fds_) ::close(fd);
  ring_fds_.clear();
  // The sink may capture objects that die with this loader: stop calling it.
  std::lock_guard<std::mutex> lock(g_log_mu);
  if (g_log_owner == this) {
    g_log_sink = nullptr;
    g_log_owner = nullptr;
  }
}

bool Loader::read_counters(std::vector<CpuCounters>& out) const {
  if (impl_->skel == nullptr) return false;
  std::vector<pg_counters> vals(static_cast<size_t>(ncpus_));
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(impl_->skel->maps.counters), &zero, vals.data()) != 0)
    return false;
  out.resize(vals.size());
  for (size_t i = 0; i < vals.size(); ++i) {
    const pg_counters& v = vals[i];
    CpuCounters& c = out[i];
    c.events = v.n_evts;
    c.drops_buffer = v.n_drops_buffer;
    c.drops_max_size = v.n_drops_max_size;
    c.drops_no_buffer = v.n_drops_no_buffer;
    c.shape_errors = v.n_shape_errors;
    c.ia32_skipped = v.n_ia32_skipped;
    for (int k = 0; k < PG_DROP_KINDS; ++k) c.drops_by_kind[k] = v.n_drops_by_kind[k];
  }
  return true;
}

std::vector<std::string> Loader::loaded_programs() const {
  std::vector<std::string> names;
  if (impl_->skel == nullptr) return names;
  bpf_program* prog;
  bpf_object__for_each_program(prog, impl_->skel->obj) {
    if (bpf_program__autoload(prog)) names.emplace_back(bpf_program__name(prog));
  }
  return names;
}

#else  // !PG_HAVE_PROBE

struct Loader::Impl {};

Loader::Loader() : impl_(std::make_unique<Impl>()) {}
Loader::~Loader() = default;

bool Loader::open(const LoaderConfig&, std::string* err) { return preflight(err); }

bool Loader::attach(std::string* err) {
  if (err) *err = std::string("the eBPF probe is not built: ") + probe_unavailable_reason();
  return false;
}

void Loader::detach_enter() {}
void Loader::detach() {}
void Loader::close() {}
bool Loader::read_counters(std::vector<CpuCounters>&) const { return false; }
std::vector<std::string> Loader::loaded_programs() const { return {}; }

#endif

}  // namespace pg::live
