// LiveSource (see live_source.h).
#include "capture/live/live_source.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>

namespace pg::live {
namespace {

uint64_t clock_ns(clockid_t id) {
  timespec ts;
  ::clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

uint64_t measure_boot_ts() {
  // The pair with the smallest gap between its two reads brackets the offset most tightly.
  uint64_t best = 0, best_gap = UINT64_MAX;
  for (int i = 0; i < 5; ++i) {
    uint64_t b0 = clock_ns(CLOCK_BOOTTIME);
    uint64_t r = clock_ns(CLOCK_REALTIME);
    uint64_t b1 = clock_ns(CLOCK_BOOTTIME);
    if (b1 - b0 < best_gap) {
      best_gap = b1 - b0;
      best = r - (b0 + (b1 - b0) / 2);
    }
  }
  return best;
}

LiveSource::LiveSource() = default;

LiveSource::~LiveSource() { close(); }

bool LiveSource::fail(std::string msg) {
  error_ = std::move(msg);
  close();
  return false;
}

uint64_t LiveSource::now_ns() const { return boot_ts_ + clock_ns(CLOCK_BOOTTIME); }

bool LiveSource::open(const LiveConfig& cfg) {
  close();
  error_.clear();
  cfg_ = cfg;
  std::string err;
  if (!Loader::preflight(&err)) return fail(err);

  SelectionRequest req;
  req.events = cfg.events;
  req.generic_syscalls = cfg.generic_syscalls;
  req.state_events = cfg.state_events;
  req.generic_fallback = cfg.generic_fallback;
  if (cfg.all_events) req.events.set();
  plan_ = build_plan(req);
  if (!plan_.errors.empty()) return fail("probe selection is inconsistent: " + plan_.errors[0]);
  if (!plan_.unsupported.empty() && cfg.log) {
    std::string names;
    for (uint16_t c : plan_.unsupported) {
      const EventInfo* info = event_info(c);
      std::string n = info ? std::string(info->name) : std::to_string(c);
      if (names.find(n) != std::string::npos) continue;
      if (!names.empty()) names += ", ";
      names += n;
    }
    cfg.log(LogLevel::kWarning, "the live probe does not produce these event types: " + names);
  }

  if (cfg.log && (req.events.test(kGenericEnter) || req.events.test(kGenericExit)) &&
      req.generic_syscalls.empty() && !cfg.all_events) {
    size_t n = 0;
    for (const SyscallRow& r : plan_.rows) n += r.generic ? 1 : 0;
    cfg.log(LogLevel::kWarning,
            "generic syscall events requested without naming the syscalls: all " +
                std::to_string(n) +
                " generic syscalls are captured (set "
                "LiveConfig::generic_syscalls to the names the rules use)");
  }

  boot_ts_ = measure_boot_ts();
  LoaderConfig lc;
  lc.plan = plan_;
  lc.ring_bytes_per_cpu = cfg.ring_bytes_per_cpu;
  lc.snaplen = cfg.snaplen;
  lc.self_tgid = cfg.ignore_self ? static_cast<uint32_t>(::getpid()) : 0;
  lc.child_from_fork = cfg.child_from_fork;
  lc.boot_ts = boot_ts_;
  lc.log = cfg.log;
  if (!loader_.open(lc, &err)) return fail(err);
  if (!rings_.open(loader_.ring_fds(), loader_.ring_bytes(), &err)) return fail(err);
  rings_.set_window(cfg.reorder_window_ns);
  if (!loader_.attach(&err)) return fail(err);
  open_ = true;
  // Bootstrap after attach: whatever changes during the scan also arrives as events.
  meta_.clear();
  if (cfg.scan_proc) scan_proc(cfg.proc, meta_, &scan_stats_);
  meta_.machine.present = true;
  meta_.machine.reserved[0] = boot_ts_;  // boot_ts_epoch for modern readers
  if (meta_.machine.num_cpus == 0)
    meta_.machine.num_cpus = static_cast<uint32_t>(loader_.cpu_count());
  now_cache_ = now_ns();
  return true;
}

NextStatus LiveSource::next(capture::Event& ev, std::chrono::nanoseconds timeout) {
  if (!open_) {
    if (error_.empty()) error_ = "the live source is not open";
    return NextStatus::kError;
  }
  if (pending_consume_) {
    rings_.consume();
    pending_consume_ = false;
  }
  const uint64_t limit = timeout.count() > 0 ? static_cast<uint64_t>(timeout.count()) : 0;
  uint64_t start = 0;  // read the clock only once no record is ready (not per event)
  for (;;) {
    const uint8_t* rec = nullptr;
    uint32_t len = 0;
    uint16_t cpu = 0;
    uint64_t wait = 0;
    RingReader::Peek p = rings_.peek(now_cache_, &rec, &len, &cpu, &wait);
    if (p == RingReader::Peek::kWaiting) {
      // The cached clock is conservative; refresh it before deciding to wait.
      now_cache_ = now_ns();
      p = rings_.peek(now_cache_, &rec, &len, &cpu, &wait);
    }
    if (p == RingReader::Peek::kRecord) {
      if (capture::decode_event(rec, len, true, ev) != capture::DecodeStatus::kOk) {
        malformed_.store(malformed_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        rings_.consume();
        continue;
      }
      ev.cpu = cpu;
      ev.dump_flags = 0;
      // Single writer: a relaxed load and store, not a locked read-modify-write.
      ev.num = delivered_.load(std::memory_order_relaxed) + 1;
      delivered_.store(ev.num, std::memory_order_relaxed);
      pending_consume_ = true;
      backoff_us_ = 0;
      return NextStatus::kOk;
    }
    const uint64_t mono = clock_ns(CLOCK_MONOTONIC);
    if (start == 0) start = mono;
    const uint64_t elapsed = mono - start;
    if (elapsed >= limit) return NextStatus::kTimeout;
    const uint64_t remaining = limit - elapsed;
    uint64_t sleep_ns;
    const uint32_t lo = std::max<uint32_t>(cfg_.min_poll_sleep_us, 1);
    const uint32_t hi = std::max(cfg_.max_poll_sleep_us, lo);
    if (p == RingReader::Peek::kWaiting) {
      sleep_ns = std::max<uint64_t>(wait, uint64_t{lo} * 1000);
    } else {
      backoff_us_ = std::clamp<uint32_t>(backoff_us_ * 2, lo, hi);
      sleep_ns = uint64_t{backoff_us_} * 1000;
    }
    sleep_ns = std::min(sleep_ns, remaining);
    timespec ts{static_cast<time_t>(sleep_ns / 1'000'000'000ull),
                static_cast<long>(sleep_ns % 1'000'000'000ull)};
    ::nanosleep(&ts, nullptr);
    now_cache_ = now_ns();
  }
}

LiveStats LiveSource::stats() const {
  LiveStats s;
  s.events = delivered_.load(std::memory_order_relaxed);
  s.malformed = malformed_.load(std::memory_order_relaxed);
  if (!open_) return s;
  s.out_of_order = rings_.out_of_order();
  if (loader_.read_counters(s.cpus)) {
    for (const CpuCounters& c : s.cpus) {
      s.kernel_events += c.events;
      s.drops += c.drops();
      s.drops_buffer += c.drops_buffer;
      s.shape_errors += c.shape_errors;
      s.ia32_skipped += c.ia32_skipped;
    }
  }
  for (size_t i = 0; i < rings_.ring_count(); ++i)
    s.ring_pending_bytes.push_back(rings_.pending_bytes(i));
  return s;
}

void LiveSource::close() {
  if (open_) {
    // Stop new syscalls first (an enter without its exit is worse for readers than the
    // reverse), then everything else.
    loader_.detach_enter();
  }
  open_ = false;
  pending_consume_ = false;
  rings_.close();
  loader_.close();
}

}  // namespace pg::live
