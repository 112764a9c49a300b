// peregrine: the runtime (DESIGN.md section 4).
//
//   peregrine run [-r RULES.yaml|RULES.pgb]... [-e CAPTURE.scap] [--json] [-o KEY=VALUE]...
//                 [-M SECONDS]
//   peregrine trace [-r CAPTURE.scap] [-w OUT.scap] [-p FORMAT] [-n N] [-M SECONDS] [-j]
//                   [FILTER...]
//
// `run` is Falco's job: without -r it uses the embedded default rules; with -e it replays a
// capture, otherwise it captures live with eBPF (root). `trace` is sysdig's job: print (or
// save) the events that match a filter. Exit status: 0 ok, 1 rules failed to load or a
// runtime error, 2 usage.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "capture/engine.h"
#include "capture/inspector.h"
#include "capture/outputs.h"
#include "capture/render.h"
#include "capture/scap_writer.h"
#include "compiler/compiler.h"
#include "compiler/json.h"
#include "rules/default_rules.h"
#include "vm/events.h"

#include "capture/input.h"
#if PG_HAVE_LIVE
#include "capture/live/live_input.h"
#endif

namespace {

using namespace pg;
using namespace pg::capture;

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

void on_stop(int) { g_stop = true; }
void on_hup(int) { g_reload = true; }

constexpr const char* kUsage =
    "usage: peregrine <command> [options]\n"
    "\n"
    "  run [-r RULES.yaml|RULES.pgb]... [-e CAPTURE.scap] [--json] [-o KEY=VALUE]... [-M SECONDS]\n"
    "      evaluate rules on a capture file (-e) or live (eBPF, root) and print alerts\n"
    "      -o keys: priority=LEVEL, rule_matching=first|all, json_output=true|false,\n"
    "               stdout_output.enabled=true|false, file_output.filename=PATH,\n"
    "               program_output.program=CMD, program_output.keep_alive=true|false,\n"
    "               http_output.url=URL, time_format_iso_8601=true|false,\n"
    "               stats_interval=SECONDS (stats line on stderr; default 60 live, 0 = off),\n"
    "               syscall_buf_size_bytes=N (live ring per CPU, power of two, default 8 MiB)\n"
    "  trace [-r CAPTURE.scap] [-w OUT.scap] [-p FORMAT] [-n N] [-M SECONDS] [-j] [FILTER...]\n"
    "      print (or save) the events that match a filter, as sysdig does\n";

int usage(const std::string& msg = "") {
  if (!msg.empty()) std::fprintf(stderr, "peregrine: %s\n", msg.c_str());
  std::fputs(kUsage, stderr);
  return 2;
}

// The value after option argv[i] (advancing i); a missing value is a usage error (exit 2).
std::string option_value(int argc, char** argv, int& i, const char* what) {
  if (i + 1 >= argc) {
    usage(std::string(what) + " needs a value");
    std::exit(2);
  }
  return argv[++i];
}

bool parse_bool(const std::string& v, bool& out) {
  if (v == "true" || v == "1" || v == "yes") out = true;
  else if (v == "false" || v == "0" || v == "no") out = false;
  else return false;
  return true;
}

// Loads rules (YAML files, or one .pgb artifact) into a verified program. Prints diagnostics.
std::shared_ptr<const vm::LoadedProgram> load_rules(const std::vector<std::string>& paths) {
  vm::Program prog;
  std::string err;
  if (paths.size() == 1) {
    std::string bytes;
    if (read_file(paths[0], bytes, err) && is_program_artifact(bytes)) {
      if (!vm::deserialize(bytes, prog, err)) {
        std::fprintf(stderr, "peregrine: %s: %s\n", paths[0].c_str(), err.c_str());
        return nullptr;
      }
      auto lp = vm::LoadedProgram::load(std::move(prog), err);
      if (!lp)
        std::fprintf(stderr, "peregrine: %s: program rejected by the verifier: %s\n",
                     paths[0].c_str(), err.c_str());
      return lp;
    }
  }
  std::vector<RulesSource> sources;
  if (paths.empty()) {
    sources.push_back({kDefaultRulesName, std::string(kDefaultRules), false});
  } else {
    for (const std::string& p : paths) sources.push_back({p, "", true});
  }
  CompileOutput out = compile_rules(sources);
  for (const std::string& m : out.fatal) std::fprintf(stderr, "Error: %s\n", m.c_str());
  if (!out.ok) {
    std::string o, e;
    std::vector<ValidatedFile> bad;
    for (const ValidatedFile& f : out.files)
      if (!f.result.successful) bad.push_back(f);
    render_text(bad, o, e);
    std::fputs(o.c_str(), stderr);
    std::fputs(e.c_str(), stderr);
    if (!out.error.empty()) std::fprintf(stderr, "peregrine: %s\n", out.error.c_str());
    return nullptr;
  }
  for (const ValidatedFile& f : out.files) {
    if (f.result.warnings.empty()) continue;
    std::fprintf(stderr, "peregrine: %s: %zu warnings (see peregrinec validate)\n",
                 f.result.name.c_str(), f.result.warnings.size());
  }
  auto lp = vm::LoadedProgram::load(std::move(out.program), err);
  if (!lp) std::fprintf(stderr, "peregrine: internal error: %s\n", err.c_str());
  return lp;
}

// A progress line on a terminal, for long replays.
class Progress {
 public:
  Progress(const std::string& path) {
    struct stat st;
    enabled_ = isatty(STDERR_FILENO) && stat(path.c_str(), &st) == 0 && st.st_size > (8 << 20);
    start_ = std::chrono::steady_clock::now();
  }
  void tick(uint64_t events) {
    if (!enabled_ || (events & 0xffff) != 0) return;
    auto now = std::chrono::steady_clock::now();
    double s = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r%llu events, %.1f s, %.0f events/s", static_cast<unsigned long long>(events),
                 s, s > 0 ? events / s : 0.0);
    shown_ = true;
  }
  ~Progress() {
    if (shown_) std::fputs("\n", stderr);
  }

 private:
  bool enabled_ = false, shown_ = false;
  std::chrono::steady_clock::time_point start_;
};

uint64_t wall_clock_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

#if PG_HAVE_LIVE
// What the live capture covers, on stderr: the selection, and the event types some enabled
// rule needs that the probe cannot produce (those rules fire only on capture files).
void report_live_start(live::LiveInput& in, const vm::Program& program) {
  const live::LiveSource& src = in.source();
  size_t enabled = 0;
  for (const vm::RuleEntry& r : program.rules) enabled += r.enabled;
  std::fprintf(stderr,
               "peregrine: capture started: %zu rules enabled, %zu syscalls selected, %zu threads "
               "from /proc\n",
               enabled, src.plan().selected_count(), src.metadata().threads.size());
  std::vector<std::string> missing = in.unsupported_names();
  if (!missing.empty()) {
    std::string names;
    for (const std::string& n : missing) names += (names.empty() ? "" : ", ") + n;
    std::fprintf(stderr,
                 "peregrine: warning: the live probe does not capture these event types the "
                 "rules use: %s (conditions on them can only match in capture files)\n",
                 names.c_str());
  }
}
#endif

int cmd_run(int argc, char** argv) {
  std::vector<std::string> rules;
  std::string capture_file;
  EngineConfig ecfg;
  OutputConfig ocfg;
  double max_seconds = 0;
  double stats_interval = -1;  // -o stats_interval; default: 60 s live, off for files
  size_t ring_bytes = 0;       // -o syscall_buf_size_bytes (live); 0: the default (8 MiB)
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    auto need = [&](const char* what) { return option_value(argc, argv, i, what); };
    if (a == "-r") {
      rules.push_back(need("-r"));
    } else if (a == "-e") {
      capture_file = need("-e");
    } else if (a == "--json") {
      ecfg.alerts.json = true;
    } else if (a == "-M") {
      max_seconds = std::atof(need("-M").c_str());
    } else if (a == "-o") {
      std::string kv = need("-o");
      size_t eq = kv.find('=');
      if (eq == std::string::npos) return usage("-o needs KEY=VALUE, got '" + kv + "'");
      std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
      bool b = false;
      if (k == "priority") {
        int p = parse_priority_name(v);
        if (p < 0) return usage("unknown priority '" + v + "'");
        ecfg.priority_threshold = static_cast<uint8_t>(p);
      } else if (k == "rule_matching") {
        if (v != "first" && v != "all") return usage("rule_matching must be first or all");
        ecfg.match_all = v == "all";
      } else if (k == "json_output" && parse_bool(v, b)) {
        ecfg.alerts.json = b;
      } else if (k == "stdout_output.enabled" && parse_bool(v, b)) {
        ocfg.stdout_enabled = b;
      } else if (k == "file_output.filename") {
        ocfg.file = v;
      } else if (k == "program_output.program") {
        ocfg.program = v;
      } else if (k == "program_output.keep_alive" && parse_bool(v, b)) {
        ocfg.program_keep_alive = b;
      } else if (k == "http_output.url") {
        ocfg.http_url = v;
      } else if (k == "syscall_buf_size_bytes") {
        char* end = nullptr;
        unsigned long long n = std::strtoull(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || n < 4096 || (n & (n - 1)) != 0 || n > (1ull << 30))
          return usage("syscall_buf_size_bytes must be a power of two from 4096 to 1 GiB");
        ring_bytes = n;
      } else if (k == "stats_interval") {
        char* end = nullptr;
        stats_interval = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || stats_interval < 0)
          return usage("stats_interval must be a number of seconds (0 = off)");
      } else if (k == "time_format_iso_8601" && parse_bool(v, b)) {
        ecfg.alerts.time_iso8601 = b;
      } else if ((k == "file_output.enabled" || k == "program_output.enabled" ||
                  k == "http_output.enabled") &&
                 parse_bool(v, b)) {
        // Accepted for Falco compatibility: an output is on when its target is set.
      } else {
        return usage("unknown or invalid option -o " + kv);
      }
    } else {
      return usage("unknown argument '" + a + "'");
    }
  }
  ecfg.also_json = !ocfg.http_url.empty();

  auto program = load_rules(rules);
  if (!program) return 1;

  signal(SIGINT, on_stop);
  signal(SIGTERM, on_stop);
  signal(SIGHUP, on_hup);

  std::unique_ptr<EventInput> input;
#if PG_HAVE_LIVE
  live::LiveInput* live_in = nullptr;
#endif
  if (capture_file.empty()) {
#if PG_HAVE_LIVE
    auto li = std::make_unique<live::LiveInput>();
    live::LiveConfig cfg = live::selection_for_program(program->program(), ecfg.priority_threshold);
    if (ring_bytes) cfg.ring_bytes_per_cpu = ring_bytes;
    if (!li->open(cfg)) {
      std::fprintf(stderr, "peregrine: %s\n", li->error().c_str());
      return 1;
    }
    report_live_start(*li, program->program());
    live_in = li.get();
    input = std::move(li);
#else
    std::fprintf(stderr,
                 "peregrine: live capture is not available in this build (the eBPF probe "
                 "needs /sys/kernel/btf/vmlinux, clang and bpftool at build time); use -e "
                 "CAPTURE.scap\n");
    return 1;
#endif
  } else {
    auto fi = std::make_unique<FileInput>();
    if (!fi->open(capture_file)) {
      std::fprintf(stderr, "peregrine: %s\n", fi->error().c_str());
      return 1;
    }
    input = std::move(fi);
  }

  Outputs outputs(ocfg);
  RuleEngine engine(program, ecfg, input->state());
  std::vector<Alert> alerts;
  std::vector<std::string> jsons;
  std::unique_ptr<Progress> progress;
  if (!capture_file.empty()) progress = std::make_unique<Progress>(capture_file);
  auto start = std::chrono::steady_clock::now();
  auto next_tick = start + std::chrono::seconds(1);
  auto next_drop_alert = start;
  if (stats_interval < 0) stats_interval = capture_file.empty() ? 60 : 0;
  auto next_stats = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(stats_interval));
  uint64_t events_at_stats = 0;
  uint64_t drops_seen = 0, events_at_tick = 0;
  int rc = 0;
  uint64_t read = 0;
  for (;;) {
    if (g_stop) break;
    if (g_reload.exchange(false)) {
      if (auto p = load_rules(rules)) {
#if PG_HAVE_LIVE
        if (live_in) {
          live::LiveConfig cfg = live::selection_for_program(p->program(), ecfg.priority_threshold);
          if (ring_bytes) cfg.ring_bytes_per_cpu = ring_bytes;
          if (!live_in->covers(cfg)) {
            if (!live_in->reopen(cfg)) {
              std::fprintf(stderr, "peregrine: cannot restart the capture for the new rules: %s\n",
                           live_in->error().c_str());
              rc = 1;
              break;
            }
            report_live_start(*live_in, p->program());
          }
        }
#endif
        engine.swap_program(p);
        std::fprintf(stderr, "peregrine: rules reloaded (%zu rules)\n", p->program().rules.size());
      } else {
        std::fprintf(stderr, "peregrine: reload failed; keeping the previous rules\n");
      }
    }
    InputStatus s = input->next();
    if (s == InputStatus::kEnd) break;
    if (s == InputStatus::kError) {
      std::fprintf(stderr, "peregrine: %s (the %llu events before it were processed)\n",
                   input->error().c_str(), static_cast<unsigned long long>(read));
      rc = 1;
      break;
    }
    if (s == InputStatus::kOk) {
      read++;
      if (progress) progress->tick(read);
      alerts.clear();
      jsons.clear();
      engine.process(input->event(), input->fields(), alerts,
                     ocfg.http_url.empty() ? nullptr : &jsons);
      for (size_t i = 0; i < alerts.size(); i++)
        outputs.emit(std::move(alerts[i].line), i < jsons.size() ? std::move(jsons[i]) : "");
      if ((read & 1023) != 0) continue;
    }
    // Timers: at most every 1024 events, and whenever the live source is idle.
    auto now = std::chrono::steady_clock::now();
    if (max_seconds > 0 && std::chrono::duration<double>(now - start).count() > max_seconds)
      break;
    if (now < next_tick) continue;
    next_tick = now + std::chrono::seconds(1);
    // Lost kernel events: Falco's internal alert, at most one per 30 s (Falco's default rate).
    uint64_t drops = input->drops();
    if (drops > drops_seen) {
      if (now >= next_drop_alert) {
        std::string text, js;
        format_drop_alert(ecfg.alerts, wall_clock_ns(), drops - drops_seen, read - events_at_tick,
                          text, js);
        outputs.emit(ecfg.alerts.json ? js : text, ocfg.http_url.empty() ? "" : js);
        next_drop_alert = now + std::chrono::seconds(30);
      }
      drops_seen = drops;
    }
    events_at_tick = read;
    // The periodic stats line (stderr).
    if (stats_interval > 0 && now >= next_stats) {
      const EngineStats& es = engine.stats();
      std::string per_cpu = input->drops_per_cpu();
      std::fprintf(stderr, "peregrine: stats: events=%llu (%.0f/s) drops=%llu%s%s%s alerts=%llu\n",
                   static_cast<unsigned long long>(read),
                   (read - events_at_stats) / stats_interval,
                   static_cast<unsigned long long>(drops), per_cpu.empty() ? "" : " (",
                   per_cpu.c_str(), per_cpu.empty() ? "" : ")",
                   static_cast<unsigned long long>(es.alerts));
      events_at_stats = read;
      next_stats = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double>(stats_interval));
    }
  }
  outputs.shutdown();
  uint64_t drops = input->drops();
  std::string per_cpu = input->drops_per_cpu();
#if PG_HAVE_LIVE
  if (live_in) live_in->close();
#endif
  const EngineStats& st = engine.stats();
  std::fprintf(stderr, "events=%llu drops=%llu alerts=%llu\n",
               static_cast<unsigned long long>(st.events), static_cast<unsigned long long>(drops),
               static_cast<unsigned long long>(st.alerts));
  if (!per_cpu.empty()) std::fprintf(stderr, "peregrine: drops per CPU: %s\n", per_cpu.c_str());
  std::fprintf(stderr, "peregrine: %llu events read, %llu evaluated\n",
               static_cast<unsigned long long>(read),
               static_cast<unsigned long long>(st.evaluated));
  if (!capture_file.empty()) {
    const ScapReader& rd = static_cast<FileInput&>(*input).inspector().reader();
    std::fprintf(stderr, "peregrine: %llu events skipped (unknown types)\n",
                 static_cast<unsigned long long>(rd.counters().unknown_events));
  }
  for (size_t r = 0; r < st.per_rule.size(); r++)
    if (st.per_rule[r])
      std::fprintf(stderr, "  %s: %llu\n", engine.program().rules[r].name.c_str(),
                   static_cast<unsigned long long>(st.per_rule[r]));
  OutputStats os = outputs.stats();
  if (os.dropped) std::fprintf(stderr, "peregrine: %llu alerts dropped (output queue full)\n",
                               static_cast<unsigned long long>(os.dropped));
  return rc;
}

// sysdig's -j line for an event: every field of the format as a typed JSON value, keys in
// sorted order as sysdig's JSON writer emits them.
// Returns false (no line) when a field is missing and the format has no leading '*'.
bool json_line(FieldExtractor& fx, const Format& fmt, std::string& out) {
  const std::vector<FormatToken>& fields = fmt.tokens;
  std::map<std::string, std::string> kv;
  for (const FormatToken& t : fields) {
    if (!t.is_field) continue;
    FieldArgs args;
    args.index = t.field.index;
    if (t.field.has_arg && t.field.index < 0) args.key = t.field.arg;
    std::string& v = kv[t.name];
    FieldValue fv;
    if (!fx.extract(t.field.info->id, args, fv)) {
      if (!fmt.star) return false;
      v = "null";
      continue;
    }
    // sysdig writes the output time as the raw timestamp.
    if (t.field.info->id == FieldId::EVT_OUTPUTTIME && fx.event()) {
      v = std::to_string(fx.event()->ts);
      continue;
    }
    switch (fv.kind) {
      case FieldValue::Kind::kInt: v = std::to_string(fv.i); break;
      case FieldValue::Kind::kUInt: v = std::to_string(fv.u); break;
      case FieldValue::Kind::kBool: v = fv.b ? "true" : "false"; break;
      default: {
        std::string s;
        fx.render(t.field.info->id, args, s);
        v.clear();
        json::append_string(v, s);
      }
    }
  }
  out = "{";
  bool first = true;
  for (const auto& [k, v] : kv) {
    if (!first) out += ",";
    first = false;
    json::append_string(out, k);
    out += ":" + v;
  }
  out += "}";
  return true;
}

int cmd_trace(int argc, char** argv) {
  std::string file, out_path, fmt;
  long long max_events = -1;
  double max_seconds = 0;
  bool json = false;
  std::string filter;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    auto need = [&](const char* what) { return option_value(argc, argv, i, what); };
    if (a == "-r") file = need("-r");
    else if (a == "-w") out_path = need("-w");
    else if (a == "-p") fmt = need("-p");
    else if (a == "-n") max_events = std::atoll(need("-n").c_str());
    else if (a == "-M") max_seconds = std::atof(need("-M").c_str());
    else if (a == "-j") json = true;
    else if (a.size() > 1 && a[0] == '-' && filter.empty()) return usage("unknown option " + a);
    else filter += (filter.empty() ? "" : " ") + a;
  }
#if !PG_HAVE_LIVE
  if (file.empty()) return usage("live tracing is not available in this build; use -r CAPTURE.scap");
#endif
  // The filter, compiled as a one-rule program.
  std::shared_ptr<const vm::LoadedProgram> prog;
  EventSet filter_types;
  if (!filter.empty()) {
    FilterOutput fo = compile_filter(filter);
    if (!fo.ok) {
      for (const Diagnostic& d : fo.errors) {
        uint32_t at = d.pos.valid() ? d.pos.offset : 0;
        std::fprintf(stderr, "peregrine: filter error at position %u: %s\n", at,
                     d.message.c_str());
      }
      return 1;
    }
    filter_types = fo.ruleset->rules[0].evttypes;
    std::string err;
    prog = vm::LoadedProgram::load(std::move(fo.program), err);
    if (!prog) {
      std::fprintf(stderr, "peregrine: internal error: %s\n", err.c_str());
      return 1;
    }
  }
  std::string format = fmt.empty() ? std::string(Formatter::kSysdigDefault) : fmt;
  Formatter formatter;
  std::string err;
  if (!formatter.parse(format, &err)) {
    std::fprintf(stderr, "peregrine: %s\n", err.c_str());
    return 2;
  }
  std::optional<Format> jfmt;
  if (json) {
    set_buffer_output_limit(true);
    FormatError fe;
    jfmt = parse_format(format, &fe);
    if (!jfmt) {
      std::fprintf(stderr, "peregrine: %s\n", fe.message.c_str());
      return 2;
    }
  }
  std::unique_ptr<EventInput> input;
  if (file.empty()) {
#if PG_HAVE_LIVE
    auto li = std::make_unique<live::LiveInput>();
    if (!li->open(live::selection_for_filter(filter_types, filter.empty() || filter_types.all()))) {
      std::fprintf(stderr, "peregrine: %s\n", li->error().c_str());
      return 1;
    }
    std::fprintf(stderr, "peregrine: capture started: %zu syscalls selected, %zu threads from /proc\n",
                 li->source().plan().selected_count(), li->source().metadata().threads.size());
    std::vector<std::string> missing = li->unsupported_names();
    if (!missing.empty()) {
      std::string names;
      for (const std::string& n : missing) names += (names.empty() ? "" : ", ") + n;
      std::fprintf(stderr, "peregrine: warning: the live probe does not capture %s\n",
                   names.c_str());
    }
    input = std::move(li);
#endif
  } else {
    auto fi = std::make_unique<FileInput>();
    if (!fi->open(file)) {
      std::fprintf(stderr, "peregrine: %s\n", fi->error().c_str());
      return 1;
    }
    input = std::move(fi);
  }
  signal(SIGINT, on_stop);
  signal(SIGTERM, on_stop);
  std::unique_ptr<vm::Vm> machine;
  if (prog) {
    machine = std::make_unique<vm::Vm>(prog);
    input->state().set_interner(&prog->interner());
  }
  ScapWriter writer;
  uint64_t written_gen = 0;
  if (!out_path.empty() && !writer.open(out_path)) {
    std::fprintf(stderr, "peregrine: %s\n", writer.error().c_str());
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  std::string line;
  long long shown = 0;
  uint64_t read = 0;
  auto last_flush = std::chrono::steady_clock::now();
  int rc = 0;
  for (;;) {
    if (g_stop) break;
    InputStatus s = input->next();
    if (s == InputStatus::kEnd) break;
    if (s == InputStatus::kError) {
      std::fflush(stdout);
      std::fprintf(stderr, "peregrine: %s\n", input->error().c_str());
      rc = 1;
      break;
    }
    if (s == InputStatus::kIdle) {
      std::fflush(stdout);  // live: lines appear while the machine is quiet
      if (max_seconds > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
              max_seconds)
        break;
      continue;
    }
    read++;
    const Event& ev = input->event();
    FieldExtractor& fx = input->fields();
    // -n counts events read, displayed or not, as sysdig does.
    bool last = max_events >= 0 && ++shown >= max_events;
    bool pass = true;
    if (machine) {
      pass = false;
      if (filter_types.test(fx.index_code())) {
        machine->begin_event(fx);
        pass = machine->run_rule(0);
      }
    }
    if (!out_path.empty()) {
      // Events the filter rejects are dropped, except those that change the thread/fd state:
      // they are saved flagged state-only (sysdig's -F "fatfile" mode), so the saved capture
      // still knows the processes and files of the events it shows. sysdig does not print
      // state-only events.
      const Event* to_write = pass ? &ev : nullptr;
      Event state_only;
      if (!pass && ev.info != nullptr && (ev.info->flags & EF_MODIFIES_STATE)) {
        state_only = ev;
        state_only.dump_flags |= kDumpStateOnly;
        to_write = &state_only;
      }
      if (to_write != nullptr) {
        if (input->metadata_generation() != written_gen) {
          written_gen = input->metadata_generation();
          if (!writer.write_metadata(input->metadata())) break;
        }
        if (!writer.write_event(*to_write)) break;
      }
    } else if (pass) {
      line.clear();
      bool print = input->displayable();
      if (print && json) print = json_line(fx, *jfmt, line);
      else if (print) print = formatter.format(fx, line);
      if (print) {
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stdout);
      }
    }
    if (last) break;
    // Live output reaches a pipe or file within ~100 ms even when the machine is never idle.
    if (file.empty() && (read & 63) == 0) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_flush > std::chrono::milliseconds(100)) {
        std::fflush(stdout);
        last_flush = now;
      }
    }
    if (max_seconds > 0 && (read & 255) == 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
            max_seconds)
      break;
  }
  std::fflush(stdout);
  if (!out_path.empty() && !writer.close()) {
    std::fprintf(stderr, "peregrine: %s\n", writer.error().c_str());
    return 1;
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  if (cmd == "run") return cmd_run(argc - 2, argv + 2);
  if (cmd == "trace") return cmd_trace(argc - 2, argv + 2);
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    std::printf("peregrine %s (Falco engine version %s)\n", PEREGRINE_VERSION,
                PEREGRINE_ENGINE_VERSION);
    return 0;
  }
  return usage("unknown command " + cmd);
}
