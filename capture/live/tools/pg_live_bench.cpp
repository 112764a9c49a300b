// pg_live_bench: what live capture costs. A forked child runs a syscall-heavy workload while
// this process consumes the probe's events (optionally through the state engine):
//
//   baseline     the workload with no probe attached
//   unselected   probe attached, the workload's syscalls not selected (dispatcher cost only)
//   captured     probe attached and the workload's syscalls selected, events consumed
//
// and reports ns per syscall in each mode, the added cost per captured syscall, events per
// second through the reader, the consumer's CPU time per event, and drops.
//
//   pg_live_bench [-n ITERATIONS] [-w open|connect|null] [-s] [-r RING_MB] [-k REPEATS] [-p]
//
//   -w open      open("/etc/hostname") + close per iteration (2 syscalls, 4 events)
//   -w connect   socket + connect to a loopback listener + close per iteration (3 captured
//                syscalls, plus an uncaptured setsockopt(SO_LINGER) that avoids TIME_WAIT)
//   -w null      getppid() per iteration (never selected: the dispatcher's cost alone)
//   -s           run every event through capture::State (what `peregrine run` does first)
//   -p           pin the workload to the last CPU and the consumer to CPU 0 (less noise)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "capture/live/live_source.h"
#include "capture/state.h"

namespace {

uint64_t now_ns(clockid_t c = CLOCK_MONOTONIC) {
  timespec ts;
  ::clock_gettime(c, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

bool g_pin = false;

void pin_to(int cpu) {
  if (!g_pin) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  ::sched_setaffinity(0, sizeof set, &set);
}

int last_cpu() { return static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)) - 1; }

struct Workload {
  std::string kind = "open";
  long iterations = 1'000'000;
  sockaddr_in listener{};

  int syscalls_per_iteration() const { return kind == "open" ? 2 : kind == "null" ? 1 : 3; }

  // Runs in a child; returns the elapsed ns of the loop.
  uint64_t run() const {
    const uint64_t t0 = now_ns();
    if (kind == "null") {
      for (long i = 0; i < iterations; ++i) ::syscall(SYS_getppid);
    } else if (kind == "open") {
      for (long i = 0; i < iterations; ++i) {
        int fd = ::open("/etc/hostname", O_RDONLY);
        ::close(fd);
      }
    } else {
      // SO_LINGER 0: close with a reset, so no TIME_WAIT piles up across iterations and runs
      // (setsockopt is not a captured syscall).
      const linger lg{1, 0};
      for (long i = 0; i < iterations; ++i) {
        int s = ::socket(AF_INET, SOCK_STREAM, 0);
        ::connect(s, reinterpret_cast<const sockaddr*>(&listener), sizeof listener);
        ::setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        ::close(s);
      }
    }
    return now_ns() - t0;
  }
};

// Forks a child running the workload; returns its loop time.
uint64_t run_child(const Workload& w) {
  int p[2];
  if (::pipe(p) != 0) return 0;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    pin_to(last_cpu());
    uint64_t ns = w.run();
    ssize_t n = ::write(p[1], &ns, sizeof ns);
    ::_exit(n == sizeof ns ? 0 : 1);
  }
  ::close(p[1]);
  uint64_t ns = 0;
  if (::read(p[0], &ns, sizeof ns) != sizeof ns) ns = 0;
  ::close(p[0]);
  ::waitpid(pid, nullptr, 0);
  return ns;
}

struct Consumed {
  uint64_t events = 0;
  uint64_t cpu_ns = 0;   // consumer thread CPU time while events flowed
  uint64_t wall_ns = 0;  // first to last event
};

// Consumes events until `stop` and the stream has been quiet for 200 ms.
Consumed consume(pg::live::LiveSource& src, bool with_state, std::atomic<bool>& stop) {
  Consumed c;
  pin_to(0);
  pg::capture::State state;
  if (with_state) state.load_metadata(src.metadata());
  pg::capture::Event ev;
  const uint64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  uint64_t first = 0, last = 0, quiet_since = 0;
  for (;;) {
    pg::live::NextStatus s = src.next(ev, std::chrono::milliseconds(10));
    if (s == pg::live::NextStatus::kOk) {
      if (first == 0) first = now_ns();
      ++c.events;
      if (with_state) state.process(ev);
      quiet_since = 0;
      continue;
    }
    if (s == pg::live::NextStatus::kError) break;
    last = now_ns();
    if (quiet_since == 0) quiet_since = last;
    if (stop.load() && last - quiet_since > 200'000'000) break;
  }
  c.cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  c.wall_ns = quiet_since > first ? quiet_since - first : 0;
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  Workload w;
  bool with_state = false;
  size_t ring_mb = 8;
  int repeats = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-n" && i + 1 < argc) {
      w.iterations = std::atol(argv[++i]);
    } else if (a == "-w" && i + 1 < argc) {
      w.kind = argv[++i];
    } else if (a == "-s") {
      with_state = true;
    } else if (a == "-p") {
      g_pin = true;
    } else if (a == "-r" && i + 1 < argc) {
      ring_mb = static_cast<size_t>(std::atol(argv[++i]));
    } else if (a == "-k" && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: %s [-n N] [-w open|connect|null] [-s] [-r RING_MB] [-k REPEATS] [-p]\n",
                   argv[0]);
      return 2;
    }
  }
  int listener = -1;
  if (w.kind == "connect") {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    w.listener.sin_family = AF_INET;
    w.listener.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener, reinterpret_cast<sockaddr*>(&w.listener), sizeof w.listener);
    ::listen(listener, 4096);
    socklen_t sl = sizeof w.listener;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&w.listener), &sl);
    // Accept and close in the background so the backlog never fills.
    std::thread([listener] {
      for (;;) {
        int c = ::accept(listener, nullptr, nullptr);
        if (c < 0) break;
        ::close(c);
      }
    }).detach();
  } else if (w.kind != "open" && w.kind != "null") {
    std::fprintf(stderr, "unknown workload %s\n", w.kind.c_str());
    return 2;
  }
  const double syscalls = static_cast<double>(w.iterations) * w.syscalls_per_iteration();

  // The three modes are interleaved, one run of each per round, so that drift in the machine's
  // load affects them alike; medians are reported.
  std::vector<uint64_t> base, unsel, sel;
  Consumed total;
  pg::live::LiveStats st;
  uint64_t sel_total = 0;
  for (int round = 0; round < repeats; ++round) {
    base.push_back(run_child(w));
    {
      // Probe attached, workload not selected: only ptrace is (and, since state events are
      // off, nothing the workload does).
      pg::live::LiveConfig cfg;
      cfg.state_events = false;
      for (uint16_t c : pg::event_codes_by_name("ptrace")) cfg.events.set(c);
      cfg.ignore_self = true;
      cfg.scan_proc = false;
      pg::live::LiveSource src;
      if (!src.open(cfg)) {
        std::fprintf(stderr, "pg_live_bench: %s\n", src.error().c_str());
        return 1;
      }
      unsel.push_back(run_child(w));
    }
    pg::live::LiveConfig cfg;
    cfg.ignore_self = true;
    cfg.ring_bytes_per_cpu = ring_mb << 20;
    if (const char* e = std::getenv("PG_BENCH_MIN_SLEEP_US")) cfg.min_poll_sleep_us = std::atoi(e);
    if (const char* e = std::getenv("PG_BENCH_WINDOW_US"))
      cfg.reorder_window_ns = std::atoll(e) * 1000ull;
    pg::live::LiveSource src;
    if (!src.open(cfg)) {
      std::fprintf(stderr, "pg_live_bench: %s\n", src.error().c_str());
      return 1;
    }
    std::atomic<bool> stop{false};
    Consumed consumed;
    // PG_BENCH_CONSUME_AFTER=1: consume only after the workload (isolates the producer's cost
    // from the consumer's; the ring must then hold every event: use -r).
    const bool consume_after = std::getenv("PG_BENCH_CONSUME_AFTER") != nullptr;
    std::thread consumer;
    if (!consume_after) consumer = std::thread([&] { consumed = consume(src, with_state, stop); });
    const uint64_t t = run_child(w);
    sel.push_back(t);
    sel_total += t;
    stop = true;
    if (consume_after) consumer = std::thread([&] { consumed = consume(src, with_state, stop); });
    consumer.join();
    pg::live::LiveStats s = src.stats();
    total.events += consumed.events;
    total.cpu_ns += consumed.cpu_ns;
    st.kernel_events += s.kernel_events;
    st.drops += s.drops;
    st.drops_buffer += s.drops_buffer;
    st.shape_errors += s.shape_errors;
    st.out_of_order += s.out_of_order;
    if (st.cpus.size() < s.cpus.size()) st.cpus.resize(s.cpus.size());
    for (size_t i = 0; i < s.cpus.size(); ++i) {
      st.cpus[i].events += s.cpus[i].events;
      st.cpus[i].drops_buffer += s.cpus[i].drops();
    }
  }
  auto median = [](std::vector<uint64_t> v) {
    std::sort(v.begin(), v.end());
    return static_cast<double>(v[v.size() / 2]);
  };
  const double b = median(base), u = median(unsel), c = median(sel);
  std::printf(
      "workload: %s x %ld (%.0f captured syscalls per run), median of %d interleaved "
      "rounds\n",
      w.kind.c_str(), w.iterations, syscalls, repeats);
  std::printf("baseline (no probe):       %8.1f ns/syscall\n", b / syscalls);
  std::printf("probe, not selected:       %8.1f ns/syscall  (+%.1f ns)\n", u / syscalls,
              (u - b) / syscalls);
  std::printf("probe, selected+consumed:  %8.1f ns/syscall  (+%.1f ns per captured syscall)\n",
              c / syscalls, (c - b) / syscalls);
  const double events = static_cast<double>(total.events);
  std::printf(
      "events: %.0f consumed (%.2f per syscall); %.0f events/s sustained while the "
      "workload ran%s\n",
      events, events / (syscalls * repeats),
      sel_total ? events * 1e9 / static_cast<double>(sel_total) : 0.0,
      with_state ? " (each through State::process)" : "");
  std::printf("consumer CPU: %.1f ns/event\n",
              events > 0 ? static_cast<double>(total.cpu_ns) / events : 0.0);
  std::printf(
      "kernel: events=%llu drops=%llu (ring full %llu) shape_errors=%llu "
      "out_of_order=%llu\n",
      static_cast<unsigned long long>(st.kernel_events), static_cast<unsigned long long>(st.drops),
      static_cast<unsigned long long>(st.drops_buffer),
      static_cast<unsigned long long>(st.shape_errors),
      static_cast<unsigned long long>(st.out_of_order));
  for (size_t i = 0; i < st.cpus.size(); ++i) {
    std::printf("  cpu%zu: events=%llu drops=%llu\n", i,
                static_cast<unsigned long long>(st.cpus[i].events),
                static_cast<unsigned long long>(st.cpus[i].drops_buffer));
  }
  if (listener >= 0) ::close(listener);
  return 0;
}
