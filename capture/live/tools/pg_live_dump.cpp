// pg_live_dump: prints this machine's live events as sysdig-style lines (for manual checks of
// the probe), and can save them as a .scap that sysdig 0.29.3 reads.
//
//   pg_live_dump [-p FORMAT] [-e EVT[,EVT...]] [-a] [-n N] [-M SECONDS] [-w OUT.scap [-z]]
//                [-c COMM] [-q] [-s]
//
//   -p FORMAT   sysdig -p format (default: sysdig's default line)
//   -e EVTS     event names to capture (e.g. openat,connect,execve); default: the state set
//   -a          every event the probe supports, plus generic events for other syscalls
//   -n N        stop after N printed events;  -M SECONDS  stop after a time
//   -w FILE     also write every event (with the /proc bootstrap) to FILE; -z gzip
//   -c COMM     print only events of threads whose proc.name is COMM
//   -q          print nothing;  -s  print per-CPU statistics at the end (stderr)
//
// Exit status: 0, 1 when the capture cannot start (the reason is printed), 2 on usage errors.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "capture/inspector.h"
#include "capture/live/live_source.h"
#include "capture/scap_writer.h"
#include "capture/state.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [-p FORMAT] [-e EVT,...] [-a] [-n N] [-M SECONDS] [-w FILE [-z]] "
               "[-c COMM] [-q] [-s]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string fmt(pg::capture::Formatter::kSysdigDefault);
  std::string events, out_path, only_comm;
  bool all = false, gzip = false, quiet = false, show_stats = false;
  long long max_events = -1;
  double seconds = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "-p") {
      const char* v = val();
      if (!v) return usage(argv[0]);
      fmt = v;
    } else if (a == "-e") {
      const char* v = val();
      if (!v) return usage(argv[0]);
      events = v;
    } else if (a == "-n") {
      const char* v = val();
      if (!v) return usage(argv[0]);
      max_events = std::atoll(v);
    } else if (a == "-M") {
      const char* v = val();
      if (!v) return usage(argv[0]);
      seconds = std::atof(v);
    } else if (a == "-w") {
      const char* v = val();
      if (!v) return usage(argv[0]);
      out_path = v;
    } else if (a == "-c") {
      const char* v = val();
      if (!v) return usage(argv[0]);
      only_comm = v;
    } else if (a == "-a") {
      all = true;
    } else if (a == "-z") {
      gzip = true;
    } else if (a == "-q") {
      quiet = true;
    } else if (a == "-s") {
      show_stats = true;
    } else {
      return usage(argv[0]);
    }
  }

  pg::capture::Formatter formatter;
  std::string err;
  if (!formatter.parse(fmt, &err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 2;
  }

  pg::live::LiveConfig cfg;
  cfg.ignore_self = true;
  if (all) {
    cfg.all_events = true;
    cfg.generic_fallback = true;
    cfg.events.set(pg::kGenericEnter);
    cfg.events.set(pg::kGenericExit);
  }
  size_t pos = 0;
  while (pos < events.size()) {
    size_t end = events.find(',', pos);
    if (end == std::string::npos) end = events.size();
    std::string name = events.substr(pos, end - pos);
    auto codes = pg::event_codes_by_name(name);
    if (codes.empty()) {
      if (pg::syscall_code_by_name(name) >= 0) {
        cfg.events.set(pg::kGenericEnter);
        cfg.events.set(pg::kGenericExit);
        cfg.generic_syscalls.push_back(static_cast<uint16_t>(pg::syscall_code_by_name(name)));
      } else {
        std::fprintf(stderr, "unknown event type '%s'\n", name.c_str());
        return 2;
      }
    }
    for (uint16_t c : codes) cfg.events.set(c);
    pos = end + 1;
  }

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  pg::live::LiveSource src;
  if (!src.open(cfg)) {
    std::fprintf(stderr, "pg_live_dump: %s\n", src.error().c_str());
    return 1;
  }
  std::fprintf(stderr, "capture started (%zu syscalls selected, %zu threads from /proc)\n",
               src.plan().selected_count(), src.metadata().threads.size());

  pg::capture::State state;
  pg::capture::FieldExtractor fields(state);
  state.load_metadata(src.metadata());
  pg::capture::ScapWriter writer;
  if (!out_path.empty()) {
    if (!writer.open(out_path, gzip) || !writer.write_metadata(src.metadata())) {
      std::fprintf(stderr, "pg_live_dump: %s\n", writer.error().c_str());
      return 1;
    }
  }

  const uint64_t deadline = seconds > 0 ? src.now_ns() + static_cast<uint64_t>(seconds * 1e9) : 0;
  long long shown = 0;
  bool first = true;
  std::string line;
  pg::capture::Event ev;
  while (!g_stop) {
    if (deadline != 0 && src.now_ns() >= deadline) break;
    pg::live::NextStatus s = src.next(ev, std::chrono::milliseconds(100));
    if (s == pg::live::NextStatus::kTimeout) continue;
    if (s == pg::live::NextStatus::kError) {
      std::fprintf(stderr, "pg_live_dump: %s\n", src.error().c_str());
      break;
    }
    if (first) {
      fields.set_first_ts(ev.ts);
      first = false;
    }
    state.process(ev);
    fields.set_event(&ev);
    if (!out_path.empty() && !writer.write_event(ev)) {
      std::fprintf(stderr, "pg_live_dump: %s\n", writer.error().c_str());
      break;
    }
    if (ev.info->category & pg::EC_INTERNAL) continue;
    if (!only_comm.empty()) {
      const pg::capture::ThreadInfo* t = state.thread();
      if (t == nullptr || t->comm.s != only_comm) continue;
    }
    if (quiet) continue;
    line.clear();
    if (formatter.format(fields, line)) {
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
      if (max_events > 0 && ++shown >= max_events) break;
    }
  }
  pg::live::LiveStats st = src.stats();
  src.close();
  if (!out_path.empty() && !writer.close()) {
    std::fprintf(stderr, "pg_live_dump: %s\n", writer.error().c_str());
  }
  std::fflush(stdout);
  std::fprintf(stderr, "events=%llu drops=%llu out_of_order=%llu shape_errors=%llu\n",
               static_cast<unsigned long long>(st.events),
               static_cast<unsigned long long>(st.drops),
               static_cast<unsigned long long>(st.out_of_order),
               static_cast<unsigned long long>(st.shape_errors));
  if (show_stats) {
    for (size_t i = 0; i < st.cpus.size(); ++i) {
      const pg::live::CpuCounters& c = st.cpus[i];
      std::fprintf(stderr, "cpu%zu: events=%llu drops_buffer=%llu drops_max_size=%llu ia32=%llu\n",
                   i, static_cast<unsigned long long>(c.events),
                   static_cast<unsigned long long>(c.drops_buffer),
                   static_cast<unsigned long long>(c.drops_max_size),
                   static_cast<unsigned long long>(c.ia32_skipped));
    }
  }
  return 0;
}
