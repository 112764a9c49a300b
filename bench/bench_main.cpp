// peregrine-bench: the Peregrine VM against the reference evaluator, hand-written native
// predicates and libsinsp 2022, on the same events, by the method of PERFORMANCE.md section 5.
// See bench/README.md for the modes and bench/RESULTS.md for results.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#ifdef PG_HAVE_VALGRIND
#include <valgrind/callgrind.h>
#endif

#include "bench/harness.h"
#include "bench/native.h"
#include "bench/sinsp_source.h"
#include "bench/snapshot.h"
#include "compiler/ast.h"
#include "compiler/compiler.h"
#include "compiler/ref_eval.h"
#include "compiler/source.h"
#include "compiler/validate.h"
#include "compiler/yaml.h"
#include "vm/events.h"
#include "vm/interp.h"
#include "vm/program.h"

#ifndef PG_BENCH_DISPATCH
#define PG_BENCH_DISPATCH "computed-goto"
#endif
#ifndef PG_SHARED_DIR
#define PG_SHARED_DIR ""
#endif

namespace fs = std::filesystem;
using namespace pgb;

namespace {

// ---- options --------------------------------------------------------------------------------

struct Options {
  std::string shared;           // ../shared (rules and captures)
  std::vector<std::string> captures;
  std::string corpus = "all";   // all | main | psp (PERFORMANCE.md's corpora)
  int reps = 11;
  int block = 256;
  bool summary = false;
  bool gbench = false;
  bool synthetic = false;       // force the synthetic corpus
  size_t synth_events = 20000;
  std::string callgrind;        // comma-separated pass names, or "all"
  int max_report = 20;          // disagreements printed per kind
  bool no_compile = false;      // skip compile/validation measurements
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const char* const kRuleFiles[3] = {"falco_rules.yaml", "falco-incubating_rules.yaml",
                                   "falco-sandbox_rules.yaml"};

std::vector<std::string> rule_paths(const Options& o) {
  std::vector<std::string> p;
  for (const char* f : kRuleFiles) {
    std::string path = o.shared + "/falco-rules/" + f;
    if (!fs::exists(path)) return {};
    p.push_back(path);
  }
  return p;
}

// ---- rulesets -------------------------------------------------------------------------------

struct Ruleset {
  bool ok = false;
  std::string error;
  pg::CompileOutput out;
  std::shared_ptr<const pg::vm::LoadedProgram> lp;
  std::vector<std::string> names;
  std::vector<std::string> texts;                 // libsinsp filter text per rule
  std::vector<int> filter;                        // libsinsp filter handle, -1 if rejected
  std::vector<std::string> filter_error;
  std::vector<std::vector<uint32_t>> index;       // index code -> rules (CompiledRule::evttypes)
  size_t rules() const { return names.size(); }
};

bool build_ruleset(Ruleset& rs, std::vector<pg::RulesSource> sources,
                   const pg::LowerOptions& lo) {
  rs.out = pg::compile_rules(sources, {}, lo);
  if (!rs.out.ok) {
    rs.error = rs.out.error;
    for (const pg::ValidatedFile& f : rs.out.files)
      for (const pg::Diagnostic& d : f.result.errors) rs.error += " | " + d.message;
    for (const std::string& m : rs.out.fatal) rs.error += " | " + m;
    return false;
  }
  std::string err;
  rs.lp = pg::vm::LoadedProgram::load(rs.out.program, err);
  if (!rs.lp) {
    rs.error = "load: " + err;
    return false;
  }
  const pg::CompiledRuleset& crs = *rs.out.ruleset;
  const pg::vm::Program& p = rs.lp->program();
  if (p.rules.size() != crs.rules.size()) {
    rs.error = "program and ruleset disagree on the number of rules";
    return false;
  }
  rs.index.assign(pg::kIndexMax, {});
  for (size_t i = 0; i < crs.rules.size(); i++) {
    if (p.rules[i].name != crs.rules[i].name) {
      rs.error = "program and ruleset disagree on rule order";
      return false;
    }
    rs.names.push_back(crs.rules[i].name);
    rs.texts.push_back(pg::ast::to_filter_text(crs.rules[i].root));
    for (uint16_t c = 0; c < pg::kIndexMax; c++)
      if (crs.rules[i].evttypes.test(c)) rs.index[c].push_back(static_cast<uint32_t>(i));
  }
  // Our index must be the VM's own (program.by_event, also over index codes), so the
  // reference evaluator and libsinsp get exactly the candidates Vm::run evaluates.
  if (p.by_event.size() > pg::kIndexMax) {
    rs.error = "program.by_event is larger than kIndexMax";
    return false;
  }
  for (uint16_t c = 0; c < pg::kIndexMax; c++) {
    static const std::vector<uint32_t> kNone;
    const std::vector<uint32_t>& be = c < p.by_event.size() ? p.by_event[c] : kNone;
    if (be != rs.index[c]) {
      rs.error = "program.by_event and the rules' evttypes disagree at index code " +
                 std::to_string(c) + " (" + index_code_name(c) + ")";
      return false;
    }
  }
  rs.filter.assign(rs.rules(), -1);
  rs.filter_error.assign(rs.rules(), "");
  rs.ok = true;
  return true;
}

std::string five_yaml() {
  std::string y;
  for (int i = 0; i < 5; i++) {
    y += "- rule: R" + std::to_string(i + 1) + "\n";
    y += "  desc: representative condition R" + std::to_string(i + 1) + "\n";
    y += "  condition: >-\n    " + std::string(kRepText[i]) + "\n";
    y += "  output: R" + std::to_string(i + 1) + " %proc.name %fd.name\n";
    y += "  priority: WARNING\n";
  }
  return y;
}

// ---- the world: rules, keys, event source ---------------------------------------------------

struct World {
  Options opt;
  Ruleset full, five;
  KeyTable keys;
  bool have_full = false;
  bool use_sinsp = false;
  std::unique_ptr<SinspSource> sinsp;
  std::vector<int> key_handle;        // key -> libsinsp field handle, or -1
  std::vector<int> key_prev_anc;      // key -> key of the previous ancestor level, or -1
  std::vector<uint64_t> key_mismatch; // key -> values libsinsp returned that could not convert
  std::vector<std::string> files;
  std::vector<uint8_t> common;        // full rule -> libsinsp compiles it (the "full" workload)
  std::vector<std::vector<uint32_t>> sinsp_index;      // index code -> common rules
  std::vector<std::vector<uint32_t>> sinsp_own_index;  // event code -> common rules, by
                                                       // libsinsp's own evttypes()
  std::vector<std::vector<uint32_t>> vm_own_index;     // own_key(type, code) -> own index
                                                       // restricted to ours
  std::vector<std::vector<uint32_t>> ref_common, ref_all;  // index code -> rules
  std::unique_ptr<Corpus> corpus;     // every event, extracted once (gate, gbench, callgrind)
  // The R1-R5 engines' own snapshots: only the keys the five conditions read (as the native
  // struct holds only its fields), projected from `corpus` / each block event by event.
  KeyTable keys5;
  std::vector<int> key5_src;          // keys5 key -> its key in `keys`
  std::unique_ptr<Corpus> corpus5;
  size_t n_common = 0;
  int five_filter[5] = {-1, -1, -1, -1, -1};
  std::string five_filter_error[5];
  double tpns = 1;
};

// The index code of libsinsp's current event.
uint16_t sinsp_code(const SinspSource& s) {
  uint64_t sc = 0;
  bool has = s.syscall_id(sc);
  return index_code_of(s.type(), has, sc);
}

// Key of vm_own_index: libsinsp's own index is by event code (generic enter and exit apart),
// ours by index code (one virtual code per syscall for both directions).
inline size_t own_key(uint16_t type, uint16_t code) {
  if (code < pg::kEventMax) return code;
  return code + (type == pg::kGenericExit ? pg::kSyscallCodeMax : 0);
}
constexpr size_t kOwnKeys = pg::kIndexMax + pg::kSyscallCodeMax;

void extract_event(World& w, Corpus& c, uint32_t file) {
  SinspSource& s = *w.sinsp;
  c.begin(s.type(), sinsp_code(s), s.num(), file);
  Arena& arena = c.arena();
  size_t cur = c.size() - 1;
  for (size_t k = 0; k < w.keys.size(); k++) {
    int h = w.key_handle[k];
    if (h < 0) continue;
    int prev = w.key_prev_anc[k];
    if (prev >= 0 && !c.has(cur, prev)) continue;  // no such ancestor
    const uint8_t* p;
    uint32_t len;
    uint8_t t;
    if (!s.extract(h, p, len, t)) continue;
    FieldValue v;
    if (!convert_raw(p, len, t, pg::field_info(w.keys[k].field).type, arena, v)) {
      w.key_mismatch[k]++;
      continue;
    }
    c.set(static_cast<int>(k), v);
  }
  c.end(w.full.ok ? w.full.lp.get() : nullptr, w.five.ok ? w.five.lp.get() : nullptr);
}

// Appends event i of `src` (a corpus over w.keys) to `dst` (over w.keys5): the same event with
// the keys of the R1-R5 programs only. String values keep pointing into src's arena, so `dst`
// must be cleared with or before `src`.
void project_event(const World& w, const Corpus& src, size_t i, Corpus& dst) {
  dst.begin(src.type(i), src.code(i), src.num(i), src.file(i));
  FieldValue v;
  for (size_t k = 0; k < w.key5_src.size(); k++)
    if (src.get(i, w.key5_src[k], v)) dst.set(static_cast<int>(k), v);
  dst.end(w.full.ok ? w.full.lp.get() : nullptr, w.five.ok ? w.five.lp.get() : nullptr);
}

// Synthetic events for machines without libsinsp or captures: plausible types and values for
// the fields the official rules read most, deterministic (seeded).
void build_synthetic(World& w) {
  Corpus& c = *w.corpus;
  std::mt19937_64 rng(20261129);
  auto pick = [&](auto& v) -> const auto& { return v[rng() % v.size()]; };
  const std::vector<std::string> procs = {"bash", "sh", "curl", "nginx", "python3", "cat", "ls",
                                          "sshd", "systemd", "java", "node", "containerd", "zsh"};
  const std::vector<std::string> files = {"/etc/passwd", "/etc/shadow", "/home/u/.ssh/id_rsa",
                                          "/usr/lib/x86_64-linux-gnu/libc.so.6", "/tmp/x",
                                          "/proc/self/status", "/var/log/syslog", "/dev/null",
                                          "/root/.bashrc", "/etc/ld.so.cache", "/bin/sh"};
  // dup2, dup3, accept4 and mprotect have no dedicated event: generic events (index codes
  // kEventMax + ppm_sc); the official rules index the first three.
  const std::vector<std::string> types = {"open", "openat", "openat2", "execve", "connect",
                                          "read", "write", "close", "socket", "accept",
                                          "sendto", "recvfrom", "clone", "mmap", "futex",
                                          "dup2", "dup3", "accept4", "mprotect"};
  auto set_str = [&](FieldId f, const std::string& s, int64_t index = -1) {
    int k = w.keys.find(f, FieldArgs{index, {}});
    if (k < 0) return;
    c.set(k, FieldValue::str(c.arena().copy(s.data(), s.size())));
  };
  auto set_num = [&](FieldId f, int64_t v) {
    int k = w.keys.find(f, FieldArgs{});
    if (k < 0) return;
    pg::ParamType t = pg::field_info(f).type;
    FieldValue fv = pg::type_family(t) == pg::TypeFamily::kBool ? FieldValue::boolean(v != 0)
                    : pg::is_signed_type(t) ? FieldValue::sint(v)
                                            : FieldValue::uint(static_cast<uint64_t>(v));
    c.set(k, fv);
  };
  for (size_t i = 0; i < w.opt.synth_events; i++) {
    const std::string& tn = pick(types);
    auto codes = pg::event_codes_by_name(tn);
    // Names without a dedicated event are generic events (enter or exit) with the syscall's
    // code in their ID parameter.
    int sc = pg::syscall_code_by_name(tn);
    uint16_t code = codes.empty() ? static_cast<uint16_t>(rng() % 2) : codes[rng() % codes.size()];
    const pg::EventInfo* ei = pg::event_info(code);
    c.begin(code, index_code_of(code, sc >= 0, static_cast<uint64_t>(sc)), i + 1, 0);
    set_str(FieldId::EVT_TYPE, tn);
    set_str(FieldId::EVT_DIR, ei && ei->is_exit ? "<" : ">");
    std::string proc = pick(procs), parent = pick(procs);
    set_str(FieldId::PROC_NAME, proc);
    set_str(FieldId::PROC_PNAME, parent);
    set_str(FieldId::PROC_ANAME, parent, 1);
    set_str(FieldId::PROC_ANAME, "systemd", 2);
    set_str(FieldId::PROC_EXE, "/usr/bin/" + proc);
    set_str(FieldId::PROC_EXEPATH, "/usr/bin/" + proc);
    set_str(FieldId::PROC_CMDLINE, proc + " -c x");
    set_str(FieldId::PROC_ARGS, "-c x");
    set_str(FieldId::USER_NAME, rng() % 3 ? "root" : "user");
    set_num(FieldId::USER_UID, rng() % 3 ? 0 : 1000);
    set_str(FieldId::CONTAINER_ID, rng() % 4 ? "host" : "3ad7b26ded6d");
    set_num(FieldId::PROC_VPID, 100 + rng() % 50);
    set_num(FieldId::PROC_PID, 100 + rng() % 50);
    set_num(FieldId::EVT_NUM, static_cast<int64_t>(i + 1));
    set_num(FieldId::PROC_DURATION, static_cast<int64_t>(rng() % 10000000000ull));
    if (tn.rfind("open", 0) == 0 || tn == "read" || tn == "write" || tn == "close" ||
        tn.rfind("dup", 0) == 0) {
      const std::string& f = pick(files);
      set_str(FieldId::FD_NAME, f);
      set_str(FieldId::FD_TYPECHAR, "f");
      set_str(FieldId::FD_TYPE, "file");
      size_t slash = f.rfind('/');
      set_str(FieldId::FD_DIRECTORY, slash == 0 ? "/" : f.substr(0, slash));
      set_str(FieldId::FD_FILENAME, f.substr(slash + 1));
      set_num(FieldId::FD_NUM, 3 + rng() % 10);
      bool wr = rng() % 2;
      set_num(FieldId::EVT_IS_OPEN_WRITE, wr);
      set_num(FieldId::EVT_IS_OPEN_READ, !wr);
      set_str(FieldId::EVT_RES, rng() % 5 ? "SUCCESS" : "ENOENT");
    } else if (tn == "connect" || tn == "sendto" || tn == "recvfrom" || tn == "accept" ||
               tn == "accept4" || tn == "socket") {
      bool udp = rng() % 2;
      set_str(FieldId::FD_L4PROTO, udp ? "udp" : "tcp");
      set_str(FieldId::FD_TYPECHAR, rng() % 2 ? "4" : "6");
      set_str(FieldId::FD_NAME, "10.0.0.1:1234->10.0.0.2:53");
      set_num(FieldId::FD_NUM, 3 + rng() % 10);
      set_num(FieldId::FD_SPORT, udp ? 53 : 443);
      set_num(FieldId::FD_CPORT, 40000 + rng() % 1000);
      set_str(FieldId::EVT_RES, "SUCCESS");
    }
    c.end(w.full.ok ? w.full.lp.get() : nullptr, w.five.ok ? w.five.lp.get() : nullptr);
  }
}

// ---- engines --------------------------------------------------------------------------------

enum Engine {
  E_VM_FULL, E_REF_FULL, E_VM_ALL, E_REF_ALL, E_VM_OWN,
  E_VM_R1, E_VM_R2, E_VM_R3, E_VM_R4, E_VM_R5,
  E_NAT_R1, E_NAT_R2, E_NAT_R3, E_NAT_R4, E_NAT_R5,
  E_LOOP,  // the harness alone: the per-event loop and SnapView::set, no engine
  E_COUNT
};
const char* const kEngineName[E_COUNT] = {
    "vm", "reference", "vm-all", "reference-all", "vm-sinsp-index", "vm-r1", "vm-r2", "vm-r3", "vm-r4", "vm-r5",
    "native-r1", "native-r2", "native-r3", "native-r4", "native-r5", "harness"};

// libsinsp workloads: the full set through our index (the same candidate rules as the VM),
// the full set through libsinsp's own evttypes() index (Falco 2022 as deployed), R1-R5.
enum SinspWork { S_FULL, S_OWN, S_R1, S_R2, S_R3, S_R4, S_R5, S_COUNT };
const char* const kSinspName[S_COUNT] = {"libsinsp", "libsinsp-own-index", "libsinsp-r1",
                                         "libsinsp-r2", "libsinsp-r3", "libsinsp-r4",
                                         "libsinsp-r5"};

// Per-engine state: VMs, match buffers, views.
struct Engines {
  World* w;
  std::unique_ptr<pg::vm::Vm> vm_full, vm_all, vm_own, vm_five;
  std::vector<uint32_t> matches;

  explicit Engines(World& world) : w(&world) {
    if (w->full.ok) {
      vm_full = std::make_unique<pg::vm::Vm>(w->full.lp);
      vm_all = std::make_unique<pg::vm::Vm>(w->full.lp);
      vm_own = std::make_unique<pg::vm::Vm>(w->full.lp);
      for (uint32_t r = 0; r < w->full.rules(); r++) {
        vm_full->set_enabled(r, w->common[r] != 0);
        vm_all->set_enabled(r, true);
      }
    }
    if (w->five.ok) vm_five = std::make_unique<pg::vm::Vm>(w->five.lp);
    matches.reserve(256);
  }

  bool available(int e) const {
    if (e == E_VM_OWN) return w->full.ok && w->use_sinsp;
    if (e <= E_REF_ALL) return w->full.ok;
    if (e <= E_VM_R5) return w->five.ok;
    return true;
  }

  // Runs engine e over events [b, e) of corpus c; returns the number of matches. v0 views c
  // (full set, reference, harness), v1 the same events of the R1-R5 corpus (corpus5, block5).
  uint64_t run(int e, const Corpus& c, size_t b, size_t end, SnapView& v0, SnapView& v1) {
    uint64_t n = 0;
    switch (e) {
      case E_VM_FULL:
      case E_VM_ALL: {
        pg::vm::Vm& vm = e == E_VM_FULL ? *vm_full : *vm_all;
        for (size_t i = b; i < end; i++) {
          v0.set(i);
          n += vm.run_event(v0, false, matches);
        }
        break;
      }
      case E_VM_OWN: {  // the VM with libsinsp's own (narrower) index, rule by rule
        pg::vm::Vm& vm = *vm_own;
        const auto& idx = w->vm_own_index;
        for (size_t i = b; i < end; i++) {
          v0.set(i);
          vm.begin_event(v0);
          for (uint32_t r : idx[own_key(c.type(i), c.code(i))]) n += vm.run_rule(r);
        }
        break;
      }
      case E_REF_FULL:
      case E_REF_ALL: {
        const auto& idx = e == E_REF_FULL ? w->ref_common : w->ref_all;
        const pg::CompiledRuleset& rs = *w->full.out.ruleset;
        for (size_t i = b; i < end; i++) {
          v0.set(i);
          for (uint32_t r : idx[c.code(i)]) n += pg::ref_eval(rs.rules[r].root, v0);
        }
        break;
      }
      case E_VM_R1: case E_VM_R2: case E_VM_R3: case E_VM_R4: case E_VM_R5: {
        uint32_t r = static_cast<uint32_t>(e - E_VM_R1);
        pg::vm::Vm& vm = *vm_five;
        for (size_t i = b; i < end; i++) {
          v1.set(i);
          vm.begin_event(v1);
          n += vm.run_rule(r);
        }
        break;
      }
      case E_LOOP: {
        for (size_t i = b; i < end; i++) {
          v0.set(i);
          keep(v0);
        }
        break;
      }
      default: {
        NativeFn volatile fnv = kNative[e - E_NAT_R1];
        NativeFn fn = fnv;
        for (size_t i = b; i < end; i++) n += fn(c.native(i));
        break;
      }
    }
    return n;
  }
};

// Per-event match lists of an engine, for the gate.
using MatchLists = std::vector<std::vector<uint32_t>>;

// ---- libsinsp per-event workloads -----------------------------------------------------------

// libsinsp with our index gets the VM's candidates (by index code: reading the generic events'
// ID parameter is part of the workload, as begin_event's index_code() is part of the VM's),
// with its own index its own evttypes() candidates (by event code).
inline uint64_t sinsp_work(World& w, int s) {
  SinspSource& src = *w.sinsp;
  if (s == S_FULL || s == S_OWN) {
    const auto& idx = s == S_FULL ? w.sinsp_index : w.sinsp_own_index;
    uint16_t k = s == S_FULL ? sinsp_code(src) : src.type();
    if (k >= idx.size()) return 0;
    uint64_t n = 0;
    for (uint32_t r : idx[k]) n += src.run(w.full.filter[r]);
    return n;
  }
  int f = w.five_filter[s - S_R1];
  return f >= 0 ? src.run(f) : 0;
}

bool sinsp_available(const World& w, int s) {
  if (!w.use_sinsp) return false;
  if (s == S_FULL || s == S_OWN) return w.full.ok;
  return w.five.ok && w.five_filter[s - S_R1] >= 0;
}

// ---- setup ----------------------------------------------------------------------------------

void setup(World& w) {
  Options& o = w.opt;
  native_init();
  w.tpns = calibrate_tsc();
  // Rulesets.
  std::vector<std::string> paths = rule_paths(o);
  if (!paths.empty()) {
    std::vector<pg::RulesSource> src;
    for (const std::string& p : paths) src.push_back({p, "", true});
    if (!build_ruleset(w.full, src, {}))
      std::printf("# full ruleset: compile failed: %s\n", w.full.error.c_str());
  } else {
    std::printf("# full ruleset: official rules not found under %s/falco-rules (skipped)\n",
                o.shared.c_str());
  }
  pg::LowerOptions five_lo;
  five_lo.fold_constants = false;  // R1-R5 run on every event, not through the type index
  if (!build_ruleset(w.five, {{"five.yaml", five_yaml(), false}}, five_lo))
    std::printf("# R1-R5: compile failed: %s\n", w.five.error.c_str());

  // Keys.
  if (w.full.ok) {
    w.keys.add_program(w.full.lp->program());
    w.keys.add_ruleset(*w.full.out.ruleset);
  }
  if (w.five.ok) {
    w.keys.add_program(w.five.lp->program());
    w.keys.add_ruleset(*w.five.out.ruleset);
  }
  w.keys.add_native();
  w.key_prev_anc.assign(w.keys.size(), -1);
  for (size_t k = 0; k < w.keys.size(); k++) {
    const KeyDef& d = w.keys[k];
    if (d.index > 1 && (pg::field_info(d.field).flags & pg::FF_ANCESTOR))
      w.key_prev_anc[k] = w.keys.find(d.field, FieldArgs{d.index - 1, {}});
  }
  w.key_mismatch.assign(w.keys.size(), 0);
  w.key_handle.assign(w.keys.size(), -1);
  w.corpus = std::make_unique<Corpus>(&w.keys);
  if (w.five.ok) {
    w.keys5.add_program(w.five.lp->program());
    w.keys5.add_ruleset(*w.five.out.ruleset);
  }
  w.keys5.add_native();
  for (size_t k = 0; k < w.keys5.size(); k++) {
    const KeyDef& d = w.keys5[k];
    w.key5_src.push_back(w.keys.find(d.field, FieldArgs{d.index, d.key}));
  }
  w.corpus5 = std::make_unique<Corpus>(&w.keys5);

  // Event source.
  if (o.captures.empty() && !o.shared.empty() && fs::is_directory(o.shared + "/captures")) {
    // main: PERFORMANCE.md's main corpus (the libs test captures present here); psp: the
    // syscall-heavy Falco trace; all: every capture.
    const std::set<std::string> main_set = {"curl_google.scap", "single_ipv6_conn.scap",
                                            "test_ipv6_client.scap"};
    for (const auto& e : fs::directory_iterator(o.shared + "/captures")) {
      if (e.path().extension() != ".scap") continue;
      std::string n = e.path().filename().string();
      if (o.corpus == "main" && !main_set.count(n)) continue;
      if (o.corpus == "psp" && n != "run_as_user_0_container.scap") continue;
      o.captures.push_back(e.path().string());
    }
    std::sort(o.captures.begin(), o.captures.end());
  }
  w.files = o.captures;
  w.use_sinsp = SinspSource::available() && !o.synthetic && !w.files.empty();
  w.common.assign(w.full.rules(), 1);
  if (w.use_sinsp) {
    w.sinsp = std::make_unique<SinspSource>();
    std::vector<std::string> unknown;
    for (size_t k = 0; k < w.keys.size(); k++) {
      std::string err;
      w.key_handle[k] = w.sinsp->add_field(w.keys[k].sinsp_name, err);
      if (w.key_handle[k] < 0 && !(w.keys[k].index > 1 && w.key_prev_anc[k] >= 0))
        unknown.push_back(w.keys[k].sinsp_name);
    }
    if (!unknown.empty()) {
      std::printf("# fields libsinsp 2022 does not know (always missing in snapshots): %zu:",
                  unknown.size());
      for (const std::string& u : unknown) std::printf(" %s", u.c_str());
      std::printf("\n");
    }
    // Filters.
    if (w.full.ok) {
      for (size_t r = 0; r < w.full.rules(); r++) {
        std::string err;
        w.full.filter[r] = w.sinsp->add_filter(w.full.texts[r], err);
        w.full.filter_error[r] = err;
        w.common[r] = w.full.filter[r] >= 0;
      }
    }
    if (w.five.ok)
      for (int i = 0; i < 5; i++)
        w.five_filter[i] = w.sinsp->add_filter(w.five.texts[i], w.five_filter_error[i]);
  }
  w.n_common = 0;
  for (uint8_t c : w.common) w.n_common += c;
  // Indexes by index code (the VM's program.by_event, checked equal to the rules' evttypes in
  // build_ruleset), so the reference evaluator and libsinsp get the VM's candidates.
  w.sinsp_index.assign(pg::kIndexMax, {});
  w.sinsp_own_index.assign(pg::kEventMax, {});
  w.ref_common.assign(pg::kIndexMax, {});
  w.ref_all.assign(pg::kIndexMax, {});
  w.vm_own_index.assign(kOwnKeys, {});
  if (w.full.ok) {
    for (size_t c = 0; c < pg::kIndexMax; c++)
      for (uint32_t r : w.full.index[c]) {
        w.ref_all[c].push_back(r);
        if (w.common[r]) {
          w.ref_common[c].push_back(r);
          if (w.use_sinsp) w.sinsp_index[c].push_back(r);
        }
      }
    if (w.use_sinsp)
      for (uint32_t r = 0; r < w.full.rules(); r++)
        if (w.common[r])
          for (uint16_t c : w.sinsp->evttypes(w.full.filter[r]))
            if (c < pg::kEventMax) w.sinsp_own_index[c].push_back(r);
    // The VM on libsinsp's own candidates: a rule runs on an event when libsinsp's own index
    // lists it for the event's type and ours for its index code (so it never sees an event
    // Vm::run would not give it).
    for (uint16_t code = 0; code < pg::kIndexMax; code++) {
      uint16_t types[2] = {code, code};
      int nt = 1;
      if (code >= pg::kEventMax) {
        types[0] = pg::kGenericEnter;
        types[1] = pg::kGenericExit;
        nt = 2;
      }
      for (int k = 0; k < nt; k++)
        for (uint32_t r : w.sinsp_own_index[types[k]])
          if (w.full.out.ruleset->rules[r].evttypes.test(code))
            w.vm_own_index[own_key(types[k], code)].push_back(r);
    }
  }
}

// ---- gate -----------------------------------------------------------------------------------

struct GateResult {
  bool ok = true;
  uint64_t events = 0;
  uint64_t totals[E_COUNT] = {};
  uint64_t sinsp_totals[S_COUNT] = {};
  uint64_t sinsp_disagree_full = 0, sinsp_disagree_five = 0, sinsp_disagree_own = 0;
  uint64_t generic_events = 0, generic_unknown = 0, code_mismatch = 0;
  std::vector<uint64_t> per_rule_vm, per_rule_sinsp;
};

std::string where(const World& w, const Corpus& c, size_t i) {
  std::string f = w.use_sinsp && c.file(i) < w.files.size()
                      ? fs::path(w.files[c.file(i)]).filename().string()
                      : std::string("synthetic");
  return f + " evt.num=" + std::to_string(c.num(i)) + " (event #" + std::to_string(i) +
         ", type " + std::to_string(c.type(i)) + ", index code " + std::to_string(c.code(i)) +
         " " + index_code_name(c.code(i)) + ")";
}

GateResult gate(World& w) {
  GateResult g;
  Corpus& c = *w.corpus;
  MatchLists sinsp_full, sinsp_own;
  std::vector<uint8_t> sinsp_five;
  if (w.use_sinsp) {
    for (uint32_t f = 0; f < w.files.size(); f++) {
      std::string err;
      if (!w.sinsp->open(w.files[f], err)) {
        std::printf("# cannot open %s: %s\n", w.files[f].c_str(), err.c_str());
        g.ok = false;
        continue;
      }
      for (;;) {
        int rc = w.sinsp->next(err);
        if (rc < 0) {
          std::printf("# %s: %s\n", w.files[f].c_str(), err.c_str());
          break;
        }
        if (rc == 0) break;
        uint16_t t = w.sinsp->type(), code = sinsp_code(*w.sinsp);
        std::vector<uint32_t> m;
        if (w.full.ok && code < w.sinsp_index.size())
          for (uint32_t r : w.sinsp_index[code])
            if (w.sinsp->run(w.full.filter[r])) m.push_back(r);
        sinsp_full.push_back(std::move(m));
        std::vector<uint32_t> mo;
        if (w.full.ok && t < w.sinsp_own_index.size())
          for (uint32_t r : w.sinsp_own_index[t])
            if (w.sinsp->run(w.full.filter[r])) mo.push_back(r);
        sinsp_own.push_back(std::move(mo));
        uint8_t bits = 0;
        for (int i = 0; i < 5; i++)
          if (w.five_filter[i] >= 0 && w.sinsp->run(w.five_filter[i])) bits |= 1 << i;
        sinsp_five.push_back(bits);
        extract_event(w, c, f);
      }
      w.sinsp->close();
    }
  } else {
    build_synthetic(w);
  }
  for (size_t i = 0; i < c.size(); i++) project_event(w, c, i, *w.corpus5);
  g.events = c.size();
  Engines en(w);
  SnapView v0(c, 0), v1(*w.corpus5, 1);
  g.per_rule_vm.assign(w.full.rules(), 0);
  g.per_rule_sinsp.assign(w.full.rules(), 0);
  int printed_ref = 0, printed_sinsp = 0, printed_five = 0;
  std::vector<uint32_t> vm_all_m;
  for (size_t i = 0; i < c.size(); i++) {
    if (w.full.ok) {
      // VM (every rule) == reference (every rule), exactly, on every event.
      v0.set(i);
      en.vm_all->begin_event(v0);
      en.vm_all->run(false, vm_all_m);
      std::vector<uint32_t> ref_m;
      uint16_t code = c.code(i);
      for (uint32_t r : w.ref_all[code])
        if (pg::ref_eval(w.full.out.ruleset->rules[r].root, v0)) ref_m.push_back(r);
      std::vector<uint32_t> a = vm_all_m;
      std::sort(a.begin(), a.end());
      std::sort(ref_m.begin(), ref_m.end());
      if (a != ref_m) {
        g.ok = false;
        if (printed_ref++ < w.opt.max_report) {
          std::set<uint32_t> sa(a.begin(), a.end()), sb(ref_m.begin(), ref_m.end());
          for (uint32_t r : sa)
            if (!sb.count(r))
              std::printf("# GATE vm != reference: rule '%s' matches in VM only at %s\n",
                          w.full.names[r].c_str(), where(w, c, i).c_str());
          for (uint32_t r : sb)
            if (!sa.count(r))
              std::printf("# GATE vm != reference: rule '%s' matches in reference only at %s\n",
                          w.full.names[r].c_str(), where(w, c, i).c_str());
        }
      }
      g.totals[E_VM_ALL] += a.size();
      g.totals[E_REF_ALL] += ref_m.size();
      std::vector<uint32_t> vm_common;
      for (uint32_t r : a) {
        g.per_rule_vm[r]++;
        if (w.common[r]) vm_common.push_back(r);
      }
      g.totals[E_VM_FULL] += vm_common.size();
      if (w.use_sinsp)
        for (uint32_t r : w.vm_own_index[own_key(c.type(i), code)])
          g.totals[E_VM_OWN] += std::binary_search(a.begin(), a.end(), r);
      for (uint32_t r : ref_m) g.totals[E_REF_FULL] += w.common[r];
      if (w.use_sinsp) {
        std::vector<uint32_t> s = sinsp_full[i];
        std::sort(s.begin(), s.end());
        for (uint32_t r : s) g.per_rule_sinsp[r]++;
        g.sinsp_totals[S_FULL] += s.size();
        std::vector<uint32_t> so = sinsp_own[i];
        std::sort(so.begin(), so.end());
        g.sinsp_totals[S_OWN] += so.size();
        if (so != s) {
          g.sinsp_disagree_own++;
          if (printed_sinsp++ < w.opt.max_report)
            std::printf("# NOTE libsinsp own index and our index give different matches at %s\n",
                        where(w, c, i).c_str());
        }
        if (s != vm_common) {
          std::set<uint32_t> sa(vm_common.begin(), vm_common.end()), sb(s.begin(), s.end());
          for (uint32_t r : sa)
            if (!sb.count(r)) {
              g.sinsp_disagree_full++;
              if (printed_sinsp++ < w.opt.max_report)
                std::printf("# DISAGREE libsinsp vs vm: rule '%s' matches in VM only at %s\n",
                            w.full.names[r].c_str(), where(w, c, i).c_str());
            }
          for (uint32_t r : sb)
            if (!sa.count(r)) {
              g.sinsp_disagree_full++;
              if (printed_sinsp++ < w.opt.max_report)
                std::printf("# DISAGREE libsinsp vs vm: rule '%s' matches in libsinsp only at %s\n",
                            w.full.names[r].c_str(), where(w, c, i).c_str());
            }
        }
      }
    }
    if (w.five.ok) {
      v1.set(i);
      for (int r = 0; r < 5; r++) {
        en.vm_five->begin_event(v1);
        bool vm = en.vm_five->run_rule(static_cast<uint32_t>(r));
        bool ref = pg::ref_eval(w.five.out.ruleset->rules[r].root, v1);
        bool nat = kNative[r](c.native(i));
        g.totals[E_VM_R1 + r] += vm;
        g.totals[E_NAT_R1 + r] += nat;
        if (vm != ref || vm != nat) {
          g.ok = false;
          if (printed_five++ < w.opt.max_report)
            std::printf("# GATE R%d: vm=%d reference=%d native=%d at %s\n", r + 1, vm, ref, nat,
                        where(w, c, i).c_str());
        }
        if (w.use_sinsp && w.five_filter[r] >= 0) {
          bool s = (sinsp_five[i] >> r) & 1;
          g.sinsp_totals[S_R1 + r] += s;
          if (s != vm) {
            g.sinsp_disagree_five++;
            if (printed_five++ < w.opt.max_report)
              std::printf("# DISAGREE R%d: libsinsp=%d vm=%d at %s\n", r + 1, s, vm,
                          where(w, c, i).c_str());
          }
        }
      }
    }
  }
  // Index codes: the snapshot's recorded code (from the ID parameter of generic events) must
  // be what EventView's default derives from the evt.type name, i.e. libsinsp's syscall table
  // and ours agree on every generic event of the corpus.
  {
    uint64_t generic = 0, mismatch = 0, unknown_sc = 0;
    int printed = 0;
    for (size_t i = 0; i < c.size(); i++) {
      uint16_t t = c.type(i);
      if (t != pg::kGenericEnter && t != pg::kGenericExit) {
        if (c.code(i) != t) mismatch++;
        continue;
      }
      generic++;
      v0.set(i);
      if (c.code(i) < pg::kEventMax) {
        unknown_sc++;
        FieldValue tv;
        if (printed++ < w.opt.max_report)
          std::printf("# note: generic event with a syscall code outside our table (evt.type "
                      "'%s'), indexed under its event code, at %s\n",
                      v0.extract(FieldId::EVT_TYPE, FieldArgs{}, tv) ? std::string(tv.s).c_str()
                                                                     : "<NA>",
                      where(w, c, i).c_str());
      }
      uint16_t by_name = v0.EventView::index_code();
      if (by_name != c.code(i)) {
        mismatch++;
        if (printed++ < w.opt.max_report)
          std::printf("# GATE index code: recorded %s, evt.type name gives %s at %s\n",
                      index_code_name(c.code(i)).c_str(), index_code_name(by_name).c_str(),
                      where(w, c, i).c_str());
      }
    }
    g.generic_events = generic;
    g.generic_unknown = unknown_sc;
    g.code_mismatch = mismatch;
    if (mismatch) g.ok = false;
  }
  // Work statistics of the full indexed set (what an event costs the VM): candidate rules,
  // field extractions (through a counting view) and the index codes that dominate.
  if (w.full.ok && c.size()) {
    struct Counting final : pg::EventView {
      SnapView* v;
      uint64_t n = 0;
      std::map<std::string, uint64_t> by_field;
      uint16_t event_type() const override { return v->event_type(); }
      uint16_t index_code() override { return v->index_code(); }
      bool extract(FieldId f, const FieldArgs& a, FieldValue& out) override {
        n++;
        std::string k(pg::field_info(f).name);
        if (a.index >= 0) k += "[" + std::to_string(a.index) + "]";
        if (!a.key.empty()) k += "[" + std::string(a.key) + "]";
        by_field[k]++;
        return v->extract(f, a, out);
      }
    } cv;
    cv.v = &v0;
    uint64_t cand = 0, cand_all = 0, cand_own = 0;
    std::map<uint16_t, std::pair<uint64_t, uint64_t>> by_code;  // code -> events, candidates
    for (size_t i = 0; i < c.size(); i++) {
      uint16_t code = c.code(i);
      size_t k = w.ref_common[code].size();
      cand += k;
      cand_all += w.ref_all[code].size();
      if (c.type(i) < w.sinsp_own_index.size()) cand_own += w.sinsp_own_index[c.type(i)].size();
      by_code[code].first++;
      by_code[code].second += k;
      v0.set(i);
      en.vm_full->begin_event(cv);
      en.vm_full->run(false, vm_all_m);
    }
    double n = static_cast<double>(c.size());
    std::printf("# full set work: %.3f candidate rules/event (all rules: %.3f; libsinsp's own "
                "index: %.3f), %.3f field extractions/event by the VM\n",
                cand / n, cand_all / n, cand_own / n, cv.n / n);
    if (!w.opt.summary) {
      std::vector<std::pair<uint64_t, std::string>> tf;
      for (auto& [k, v] : cv.by_field) tf.push_back({v, k});
      std::sort(tf.rbegin(), tf.rend());
      std::printf("# fields the VM extracts most (extractions per 1000 events):");
      for (size_t i = 0; i < tf.size() && i < 12; i++)
        std::printf(" %s %.0f;", tf[i].second.c_str(), tf[i].first * 1000.0 / n);
      std::printf("\n");
      std::vector<uint64_t> evals(w.full.rules(), 0);
      for (size_t i = 0; i < c.size(); i++)
        for (uint32_t r : w.ref_common[c.code(i)]) evals[r]++;
      std::vector<std::pair<uint64_t, uint32_t>> tr;
      for (uint32_t r = 0; r < evals.size(); r++) tr.push_back({evals[r], r});
      std::sort(tr.rbegin(), tr.rend());
      std::printf("# rules evaluated most (evaluations per 1000 events):");
      for (size_t i = 0; i < tr.size() && i < 10; i++)
        std::printf(" '%s' %.0f;", w.full.names[tr[i].second].c_str(), tr[i].first * 1000.0 / n);
      std::printf("\n");
    }
    std::vector<std::pair<uint64_t, uint16_t>> top;
    for (auto& [t, p] : by_code) top.push_back({p.second, t});
    std::sort(top.rbegin(), top.rend());
    std::printf("# index codes by candidate evaluations (code: events x rules each):");
    for (size_t i = 0; i < top.size() && i < 8 && top[i].first; i++)
      std::printf(" %s: %" PRIu64 " x %zu;", index_code_name(top[i].second).c_str(),
                  by_code[top[i].second].first, w.ref_common[top[i].second].size());
    std::printf("\n");
    std::printf("# generic events: %" PRIu64 " (%" PRIu64 " with a syscall code outside our "
                "table, indexed under 0/1); by syscall (events x candidate rules):",
                g.generic_events, g.generic_unknown);
    for (auto& [code, p] : by_code)
      if (code >= pg::kEventMax || code == pg::kGenericEnter || code == pg::kGenericExit)
        std::printf(" %s %" PRIu64 " x %zu;", index_code_name(code).c_str(), p.first,
                    w.ref_common[code].size());
    std::printf("\n");
    if (!w.opt.summary && w.use_sinsp) {
      // Where our index (by index code) is wider than libsinsp 2022's own (by event code), on
      // this corpus.
      std::vector<std::set<uint16_t>> own(w.full.rules());
      for (uint16_t t = 0; t < pg::kEventMax; t++)
        for (uint32_t r : w.sinsp_own_index[t]) own[r].insert(t);
      std::printf("# rules whose index (ours) covers more corpus events than libsinsp's own "
                  "evttypes(): rule: ours/libsinsp events [extra codes]\n");
      for (uint32_t r = 0; r < w.full.rules(); r++) {
        if (!w.common[r]) continue;
        uint64_t na = 0, nb = 0;
        std::map<std::string, uint64_t> extra;
        for (size_t i = 0; i < c.size(); i++) {
          bool ours = w.full.out.ruleset->rules[r].evttypes.test(c.code(i));
          bool theirs = own[r].count(c.type(i)) != 0;
          na += ours;
          nb += theirs;
          if (ours && !theirs) extra[index_code_name(c.code(i))]++;
        }
        if (na <= nb && extra.empty()) continue;
        std::printf("#   %s: %" PRIu64 "/%" PRIu64 " [", w.full.names[r].c_str(), na, nb);
        for (auto& [nm, k] : extra) std::printf(" %s:%" PRIu64, nm.c_str(), k);
        std::printf(" ]\n");
      }
    }
  }
  if (v0.unknown() || v1.unknown()) {
    g.ok = false;
    std::printf("# GATE: engines asked the snapshot for %" PRIu64 " fields outside the key table\n",
                v0.unknown() + v1.unknown());
  }
  for (size_t k = 0; k < w.keys.size(); k++)
    if (w.key_mismatch[k])
      std::printf("# snapshot: %s: %" PRIu64 " values of an unexpected libsinsp type (missing)\n",
                  w.keys[k].sinsp_name.c_str(), w.key_mismatch[k]);
  return g;
}

// ---- paired blocks --------------------------------------------------------------------------

struct RepResult {
  double ns[E_COUNT] = {};        // per event
  double sinsp_ns[S_COUNT] = {};  // per event
  double decode_ns = 0;
  uint64_t matches[E_COUNT] = {};
  uint64_t sinsp_matches[S_COUNT] = {};
  uint64_t events = 0;
  // Per 256-event block, ns (timer overhead subtracted), for the robust estimate.
  std::vector<double> blk[E_COUNT], sblk[S_COUNT], dblk;
};

struct Paired {
  std::vector<RepResult> reps;
  double empty_ticks = 0;
};

Paired paired(World& w, const GateResult& g) {
  Paired out;
  Engines en(w);
  std::vector<int> engines, works;
  for (int e = 0; e < E_COUNT; e++)
    if (en.available(e)) engines.push_back(e);
  for (int s = 0; s < S_COUNT; s++)
    if (sinsp_available(w, s)) works.push_back(s);
  Corpus block(&w.keys), block5(&w.keys5);
  SnapView b0(block, 0), b1(block5, 1);
  SnapView c0(*w.corpus, 0), c1(*w.corpus5, 1);
  for (int rep = 0; rep < w.opt.reps; rep++) {
    double empty = empty_region_ticks();
    out.empty_ticks += empty / w.opt.reps;
    // A new order of the engines in every repetition (seeded shuffle, not a rotation: a
    // rotation keeps every engine's predecessor, and with it any cache-warming bias).
    std::vector<int> eo = engines, so = works;
    std::mt19937 order_rng(1000 + rep);
    std::shuffle(eo.begin(), eo.end(), order_rng);
    std::shuffle(so.begin(), so.end(), order_rng);
    double ticks[E_COUNT] = {}, sticks[S_COUNT] = {}, dticks = 0;
    uint64_t regions = 0, sregions = 0;
    RepResult rr;
    double cur_s = 0, cur_d = 0;  // libsinsp and decode ticks of the current block
    auto run_block = [&](const Corpus& c, const Corpus& c5, size_t b, size_t e, SnapView& v0,
                         SnapView& v1) {
      if (b == e) return;
      for (int eng : eo) {
        // Every engine starts from an equally warm block (untimed).
        keep(c.touch(b, e) + c5.touch(b, e));
        uint64_t t0 = tsc();
        uint64_t m = en.run(eng, c, b, e, v0, v1);
        uint64_t t1 = tsc();
        ticks[eng] += static_cast<double>(t1 - t0);
        rr.blk[eng].push_back((static_cast<double>(t1 - t0) - empty) / w.tpns);
        rr.matches[eng] += m;
      }
      rr.dblk.push_back(cur_d / w.tpns);
      cur_d = 0;
      regions++;
    };
    if (w.use_sinsp) {
      // One pass over the captures per libsinsp workload (decode, then that workload alone on
      // each event, as Falco runs it), plus one pass (kVmPass) that decodes, extracts the
      // snapshots and runs the block engines every 256 events. Running several libsinsp
      // workloads on the same event would let all but the first find libsinsp's filterchecks,
      // thread and fd state already in cache (measured: up to 2x on the full set). The passes
      // are a few ms each, so all of them stay close in time; their order is shuffled per
      // repetition. Block boundaries (256 events, or the end of a file) are the same in every
      // pass, so per-block times pair up for the robust estimate.
      const int kVmPass = -1;
      std::vector<int> passes = {kVmPass};
      passes.insert(passes.end(), so.begin(), so.end());
      std::shuffle(passes.begin(), passes.end(), order_rng);
      for (int pass : passes) {
        for (uint32_t f = 0; f < w.files.size(); f++) {
          std::string err;
          if (!w.sinsp->open(w.files[f], err)) continue;
          block.clear();
          size_t in_block = 0;
          for (;;) {
            uint64_t t0 = tsc();
            int rc = w.sinsp->next(err);
            uint64_t t1 = tsc();
            if (rc <= 0) break;
            if (pass == kVmPass) {
              dticks += static_cast<double>(t1 - t0);
              cur_d += static_cast<double>(t1 - t0) - empty;
              rr.events++;
              sregions++;
              extract_event(w, block, f);
              project_event(w, block, block.size() - 1, block5);
              if (block.size() == static_cast<size_t>(w.opt.block)) {
                run_block(block, block5, 0, block.size(), b0, b1);
                block.clear();
                block5.clear();
              }
              continue;
            }
            uint64_t a = tsc();
            uint64_t m = sinsp_work(w, pass);
            uint64_t b = tsc();
            sticks[pass] += static_cast<double>(b - a);
            cur_s += static_cast<double>(b - a) - empty;
            rr.sinsp_matches[pass] += m;
            if (++in_block == static_cast<size_t>(w.opt.block)) {
              rr.sblk[pass].push_back(cur_s / w.tpns);
              cur_s = 0;
              in_block = 0;
            }
          }
          if (pass == kVmPass) {
            run_block(block, block5, 0, block.size(), b0, b1);
          } else if (in_block) {
            rr.sblk[pass].push_back(cur_s / w.tpns);
            cur_s = 0;
          }
          block.clear();
          block5.clear();
          w.sinsp->close();
        }
      }
    } else {
      const Corpus& c = *w.corpus;
      for (size_t b = 0; b < c.size(); b += w.opt.block) {
        run_block(c, *w.corpus5, b, std::min(c.size(), b + w.opt.block), c0, c1);
        rr.events += std::min(c.size(), b + w.opt.block) - b;
      }
    }
    double ev = static_cast<double>(rr.events ? rr.events : 1);
    for (int e : engines)
      rr.ns[e] = std::max(0.0, ticks[e] - empty * regions) / w.tpns / ev;
    for (int s : works)
      rr.sinsp_ns[s] = std::max(0.0, sticks[s] - empty * sregions) / w.tpns / ev;
    rr.decode_ns = std::max(0.0, dticks - empty * sregions) / w.tpns / ev;
    // Every repetition must reproduce the gate's match counts.
    for (int e : engines)
      if (rr.matches[e] != g.totals[e])
        std::printf("# WARNING rep %d: %s matched %" PRIu64 " times, gate said %" PRIu64 "\n", rep,
                    kEngineName[e], rr.matches[e], g.totals[e]);
    for (int s : works)
      if (rr.sinsp_matches[s] != g.sinsp_totals[s])
        std::printf("# WARNING rep %d: %s matched %" PRIu64 " times, gate said %" PRIu64 "\n", rep,
                    kSinspName[s], rr.sinsp_matches[s], g.sinsp_totals[s]);
    out.reps.push_back(rr);
    if (!w.opt.summary) {
      std::printf("rep %2d: decode %6.1f ns | vm %6.2f ref %7.1f", rep, rr.decode_ns,
                  rr.ns[E_VM_FULL], rr.ns[E_REF_FULL]);
      if (w.use_sinsp)
        std::printf(" libsinsp %6.1f (own index %6.1f)", rr.sinsp_ns[S_FULL], rr.sinsp_ns[S_OWN]);
      std::printf(" | R1-5 vm");
      for (int r = 0; r < 5; r++) std::printf(" %5.2f", rr.ns[E_VM_R1 + r]);
      std::printf(" native");
      for (int r = 0; r < 5; r++) std::printf(" %5.2f", rr.ns[E_NAT_R1 + r]);
      if (w.use_sinsp) {
        std::printf(" libsinsp");
        for (int r = 0; r < 5; r++) std::printf(" %6.1f", rr.sinsp_ns[S_R1 + r]);
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  return out;
}

// ---- compile and validation -----------------------------------------------------------------

struct CompileResult {
  bool ok = false;
  Stat compile_ms, load_ms, validate_ms, compile_cpu_ms, validate_cpu_ms;
  // compile_rules' fast path phase by phase (thread CPU ms): yaml::parse of the three files
  // alone; Loader::load of the three (YAML parse, schema check, reading items); Loader::compile
  // (conditions parsed, macros/lists expanded, checked); lower (bytecode); and the total
  // minus the YAML parse.
  Stat ph_yaml, ph_load, ph_compile, ph_lower, ph_total, ph_no_yaml;
  size_t program_bytes = 0, code_insns = 0, rules = 0;
  long rss_validate_kib = -1, rss_noop_kib = -1, rss_peregrinec_kib = -1;
};

// Process CPU time (all threads) in ms: compile_rules and validation run on a worker thread.
double cpu_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<pg::RulesSource> in_memory_sources(const std::vector<std::string>& paths) {
  std::vector<pg::RulesSource> src;
  for (const std::string& p : paths) src.push_back({p, read_all(p), false});
  return src;
}

// Validates the three files once, as `peregrinec validate` does; true when all are Ok.
bool validate_once(const std::vector<std::string>& paths) {
  bool ok = true;
  pg::run_with_large_stack([&] {
    pg::Loader loader(pg::EngineInfo{}, pg::LoaderOptions{});
    std::vector<std::string> fatal;
    pg::ValidateOptions vo;
    std::vector<pg::ValidatedFile> res = pg::validate_files(paths, vo, loader, fatal);
    ok = fatal.empty();
    for (const pg::ValidatedFile& f : res) ok &= f.result.successful;
  });
  return ok;
}

// Peak RSS of this process's address space (VmHWM of /proc/self/status), in KiB.
long self_hwm_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

// Runs argv in a child process with stdout captured (stderr discarded); returns the status.
int run_child(const std::vector<std::string>& argv, std::string& out, struct rusage* ru) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    std::vector<char*> a;
    for (const std::string& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    dup2(fds[1], 1);
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) dup2(fd, 2);
    close(fds[0]);
    execv(a[0], a.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  struct rusage r {};
  if (wait4(pid, &status, 0, &r) < 0) return -1;
  if (ru) *ru = r;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Peak RSS, in KiB, of a fresh process of this binary running `mode` (which prints
// "hwm_kib N"). VmHWM is per address space and starts over at exec, unlike the ru_maxrss a
// forked child inherits from this (large) process.
long child_hwm(const std::vector<std::string>& argv) {
  std::string out;
  if (run_child(argv, out, nullptr) != 0) return -1;
  size_t p = out.rfind("hwm_kib ");
  return p == std::string::npos ? -1 : std::atol(out.c_str() + p + 8);
}

// Peak RSS of another program: this binary re-executed as a small trampoline
// (`--rss-of CMD...`) forks CMD and reports the ru_maxrss of that grandchild, whose fork
// started from the trampoline's small address space.
long program_maxrss(const std::string& self, const std::vector<std::string>& cmd) {
  std::vector<std::string> argv = {self, "--rss-of"};
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return child_hwm(argv);
}

CompileResult measure_compile(const World& w, int reps) {
  CompileResult r;
  std::vector<std::string> paths = rule_paths(w.opt);
  if (paths.empty()) return r;
  std::vector<pg::RulesSource> src = in_memory_sources(paths);
  std::vector<double> cm, lm, vm, ccpu, vcpu;
  for (int i = 0; i < reps + 1; i++) {
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_ms();
    pg::CompileOutput out = pg::compile_rules(src);
    double ms = ms_since(t0);
    double cms = cpu_ms() - c0;
    if (!out.ok) return r;
    auto t1 = std::chrono::steady_clock::now();
    std::string err;
    auto lp = pg::vm::LoadedProgram::load(out.program, err);
    double lms = ms_since(t1);
    if (i == 0) {  // warm-up; record sizes
      r.program_bytes = pg::vm::serialize(out.program).size();
      r.code_insns = out.program.code.size();
      r.rules = out.program.rules.size();
      continue;
    }
    cm.push_back(ms);
    ccpu.push_back(cms);
    lm.push_back(lms);
  }
  for (int i = 0; i < reps + 1; i++) {
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_ms();
    bool ok = validate_once(paths);
    double ms = ms_since(t0);
    double cms = cpu_ms() - c0;
    if (!ok) return r;
    if (i) {
      vm.push_back(ms);
      vcpu.push_back(cms);
    }
  }
  {
    std::vector<double> py, pl, pc, pw, pt, pn;
    for (int i = 0; i < reps + 1; i++) {
      double y = 0, l = 0, cc = 0, lw = 0;
      bool ok = false;
      pg::run_with_large_stack([&] {
        auto tcpu = [] {
          struct timespec ts;
          clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
          return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
        };
        double t0 = tcpu();
        size_t docs = 0;
        for (const pg::RulesSource& s : src) {
          pg::SourceFile f(s.name, s.content);
          docs += pg::yaml::parse(f).documents.size();
        }
        keep(docs);
        double t1 = tcpu();
        pg::LoaderOptions lo;
        lo.compile_each_file = false;  // compile_rules' fast path
        pg::Loader loader(pg::EngineInfo{}, lo);
        pg::FileResult res;
        bool all = true;
        for (const pg::RulesSource& s : src) {
          res = loader.load(s.name, s.content);
          all &= res.successful;
        }
        double t2 = tcpu();
        all &= loader.compile(res);
        double t3 = tcpu();
        pg::vm::Program prog;
        std::string err;
        all &= all && pg::lower(*loader.compiled(), prog, err);
        double t4 = tcpu();
        y = t1 - t0;
        l = t2 - t1;
        cc = t3 - t2;
        lw = t4 - t3;
        ok = all;
      });
      if (!ok) return r;
      if (i == 0) continue;
      py.push_back(y);
      pl.push_back(l);
      pc.push_back(cc);
      pw.push_back(lw);
      pt.push_back(l + cc + lw);
      pn.push_back(l + cc + lw - y);
    }
    r.ph_yaml = stat_of(py);
    r.ph_load = stat_of(pl);
    r.ph_compile = stat_of(pc);
    r.ph_lower = stat_of(pw);
    r.ph_total = stat_of(pt);
    r.ph_no_yaml = stat_of(pn);
  }
  r.compile_ms = stat_of(cm);
  r.load_ms = stat_of(lm);
  r.validate_ms = stat_of(vm);
  r.compile_cpu_ms = stat_of(ccpu);
  r.validate_cpu_ms = stat_of(vcpu);
  std::string self = fs::read_symlink("/proc/self/exe").string();
  std::vector<std::string> a = {self, "--validate-child", "--shared=" + w.opt.shared};
  r.rss_validate_kib = child_hwm(a);
  r.rss_noop_kib = child_hwm({self, "--noop-child"});
#ifdef PG_PEREGRINEC
  if (fs::exists(PG_PEREGRINEC)) {
    std::vector<std::string> pa = {PG_PEREGRINEC, "validate"};
    for (const std::string& p : paths) pa.push_back(p);
    r.rss_peregrinec_kib = program_maxrss(self, pa);
  }
#endif
  r.ok = true;
  return r;
}

// ---- callgrind passes -----------------------------------------------------------------------

#ifdef PG_HAVE_VALGRIND
#define CG_ON() CALLGRIND_TOGGLE_COLLECT
#define CG_OFF() CALLGRIND_TOGGLE_COLLECT
#define CG_ZERO() CALLGRIND_ZERO_STATS
#define CG_DUMP(name) CALLGRIND_DUMP_STATS_AT(name)
#else
#define CG_ON() ((void)0)
#define CG_OFF() ((void)0)
#define CG_ZERO() ((void)0)
#define CG_DUMP(name) ((void)(name))
#endif

int callgrind_passes(World& w) {
  std::vector<std::string> names = split(w.opt.callgrind, ',');
  if (names.size() == 1 && names[0] == "all") {
    names = {"decode"};
    for (int s = 0; s < S_COUNT; s++) names.push_back(kSinspName[s]);
    for (int e = 0; e < E_COUNT; e++) names.push_back(kEngineName[e]);
  }
  Engines en(w);
  const Corpus& c = *w.corpus;
  SnapView v0(c, 0), v1(*w.corpus5, 1);
  for (const std::string& name : names) {
    int eng = -1, work = -1;
    for (int e = 0; e < E_COUNT; e++)
      if (name == kEngineName[e]) eng = e;
    for (int s = 0; s < S_COUNT; s++)
      if (name == kSinspName[s]) work = s;
    if (eng < 0 && work < 0 && name != "decode") {
      std::printf("callgrind-pass %s unknown\n", name.c_str());
      return 2;
    }
    if (eng >= 0) {
      if (!en.available(eng)) {
        std::printf("callgrind-pass %s skipped\n", name.c_str());
        continue;
      }
      uint64_t m = en.run(eng, c, 0, c.size(), v0, v1);  // warm-up (untimed)
      CG_ZERO();
      CG_ON();
      m = en.run(eng, c, 0, c.size(), v0, v1);
      CG_OFF();
      CG_DUMP(name.c_str());
      std::printf("callgrind-pass %s events %zu matches %" PRIu64 "\n", name.c_str(), c.size(), m);
      continue;
    }
    // decode / libsinsp passes: decode every file; the libsinsp passes also run the filters.
    if (!w.use_sinsp || (work >= 0 && !sinsp_available(w, work))) {
      std::printf("callgrind-pass %s skipped\n", name.c_str());
      continue;
    }
    uint64_t events = 0, m = 0;
    CG_ZERO();
    for (uint32_t f = 0; f < w.files.size(); f++) {
      std::string err;
      if (!w.sinsp->open(w.files[f], err)) continue;
      CG_ON();
      for (;;) {
        if (w.sinsp->next(err) <= 0) break;
        events++;
        if (work >= 0) m += sinsp_work(w, work);
      }
      CG_OFF();
      w.sinsp->close();
    }
    CG_DUMP(name.c_str());
    std::printf("callgrind-pass %s events %" PRIu64 " matches %" PRIu64 "\n", name.c_str(), events,
                m);
  }
  return 0;
}

// ---- Google Benchmark registrations ---------------------------------------------------------

// Every suite reports ns_per_event and events_per_s (per-event suites) or its time in ms
// (compile suites), and runs beside its baselines: whatever --benchmark_filter selects, the
// baselines of the selected suites are added (gbench_filter), and the ratios to them are
// printed after the runs, per repetition (with --benchmark_repetitions=N and
// --benchmark_enable_random_interleaving=true the repetitions of all suites interleave, so
// repetition i of a suite and of its baseline ran close in time) and as the median.

// Thread CPU time in ns (what the suites' ns_per_event is measured in: on a shared machine it
// leaves out the time other processes had the CPU).
uint64_t thread_cpu_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Counters: ns_per_event (thread CPU ns of the timed work / events) and events_per_s (its
// inverse).
void set_event_counters(benchmark::State& st, double events, double cpu_ns) {
  st.SetItemsProcessed(static_cast<int64_t>(events));
  double ns = events > 0 ? cpu_ns / events : 0;
  st.counters["ns_per_event"] = benchmark::Counter(ns);
  st.counters["events_per_s"] = benchmark::Counter(ns > 0 ? 1e9 / ns : 0);
}

// The baselines of a suite.
std::vector<std::string> gbench_baselines(const std::string& name) {
  const std::string E = "BM_Engine/", S = "BM_Sinsp/";
  if (name == E + "vm") return {S + "decode", S + "libsinsp", E + "reference", E + "harness"};
  if (name == E + "reference") return {E + "vm"};
  if (name == E + "vm-all") return {E + "reference-all"};
  if (name == E + "reference-all") return {E + "vm-all"};
  if (name == E + "vm-sinsp-index") return {S + "decode", S + "libsinsp-own-index"};
  if (name == E + "harness") return {E + "vm"};
  for (int r = 1; r <= 5; r++) {
    std::string k = std::to_string(r);
    if (name == E + "vm-r" + k) return {E + "native-r" + k, S + "decode", S + "libsinsp-r" + k};
    if (name == E + "native-r" + k) return {E + "vm-r" + k};
    if (name == S + "libsinsp-r" + k) return {S + "decode", E + "vm-r" + k, E + "native-r" + k};
  }
  if (name == S + "libsinsp") return {S + "decode", E + "vm"};
  if (name == S + "libsinsp-own-index") return {S + "decode", E + "vm-sinsp-index"};
  if (name == "BM_CompileOfficial" || name == "BM_ValidateOfficial") return {"BM_YamlOfficial"};
  if (name == "BM_LoadProgram") return {"BM_CompileOfficial", "BM_YamlOfficial"};
  return {};
}

std::string regex_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (std::strchr(".[]()*+?{}|^$\\", ch)) o.push_back('\\');
    o.push_back(ch);
  }
  return o;
}

// The filter actually run: the suites the user's filter selects (gbench's semantics: a regex
// searched in the name, a leading '-' negates) plus their baselines.
std::string gbench_filter(const std::string& user, const std::vector<std::string>& all) {
  bool neg = !user.empty() && user[0] == '-';
  std::regex re(neg ? user.substr(1) : (user.empty() || user == "all" ? "." : user),
                std::regex::extended);
  std::set<std::string> sel;
  for (const std::string& n : all)
    if (std::regex_search(n, re) != neg) sel.insert(n);
  std::set<std::string> add;
  for (const std::string& n : sel)
    for (const std::string& b : gbench_baselines(n))
      if (std::find(all.begin(), all.end(), b) != all.end()) add.insert(b);
  sel.insert(add.begin(), add.end());
  std::string f = "^(";
  bool first = true;
  for (const std::string& n : sel) {
    if (!first) f += "|";
    first = false;
    f += regex_escape(n);
  }
  return f + ")(/real_time)?$";  // UseRealTime() appends /real_time to the run name
}

// Records every run's value (ns/event, or ms for the compile suites) by repetition.
class RecordingReporter : public benchmark::ConsoleReporter {
 public:
  explicit RecordingReporter(OutputOptions o) : benchmark::ConsoleReporter(o) {}
  std::map<std::string, std::map<int64_t, double>> value;  // name -> repetition -> value
  void ReportRuns(const std::vector<Run>& runs) override {
    benchmark::ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      std::string n = r.run_name.function_name;
      auto it = r.counters.find("ns_per_event");
      double v = it != r.counters.end() ? it->second.value : r.GetAdjustedRealTime();
      value[n][r.repetition_index < 0 ? 0 : r.repetition_index] = v;
    }
  }
};

// Ratio num/den per repetition (num minus `sub` first, when given), summarised.
void print_gbench_ratio(const RecordingReporter& rep, const std::string& label,
                        const std::string& num, const std::string& den,
                        const std::string& sub = "") {
  auto get = [&](const std::string& n) -> const std::map<int64_t, double>* {
    auto it = rep.value.find(n);
    return it == rep.value.end() ? nullptr : &it->second;
  };
  const auto* a = get(num);
  const auto* b = get(den);
  const auto* c = sub.empty() ? nullptr : get(sub);
  if (!a || !b || (!sub.empty() && !c)) return;
  std::vector<double> r, av, bv;
  for (auto& [i, va] : *a) {
    auto jb = b->find(i);
    if (jb == b->end()) continue;
    double x = va;
    if (c) {
      auto jc = c->find(i);
      if (jc == c->end()) continue;
      x -= jc->second;
    }
    av.push_back(x);
    bv.push_back(jb->second);
    if (jb->second > 0) r.push_back(x / jb->second);
  }
  if (r.empty()) return;
  Stat s = stat_of(r), sa = stat_of(av), sb = stat_of(bv);
  std::printf("  %-44s %8.2fx [%6.2f, %6.2f] n=%zu   (%.2f vs %.2f)\n", label.c_str(), s.median,
              s.min, s.max, s.n, sa.median, sb.median);
}

std::vector<std::string> register_gbench(World& w, Engines& en) {
  std::vector<std::string> names;
  const Corpus& c = *w.corpus;
  for (int e = 0; e < E_COUNT; e++) {
    if (!en.available(e)) continue;
    names.push_back(std::string("BM_Engine/") + kEngineName[e]);
    benchmark::RegisterBenchmark(names.back().c_str(), [&w, &en, &c, e](benchmark::State& st) {
      SnapView v0(c, 0), v1(*w.corpus5, 1);
      uint64_t m = 0;
      uint64_t t0 = thread_cpu_ns();
      for (auto _ : st) m += en.run(e, c, 0, c.size(), v0, v1);
      double cpu = static_cast<double>(thread_cpu_ns() - t0);
      benchmark::DoNotOptimize(m);
      set_event_counters(st, static_cast<double>(st.iterations()) * c.size(), cpu);
    });
  }
  // libsinsp: decode alone (the baseline) and decode + each workload, one pass over every
  // capture per iteration (opening and closing the files is not timed). Its filter cost is
  // the difference, as in the callgrind passes.
  if (w.use_sinsp) {
    for (int s = -1; s < S_COUNT; s++) {
      if (s >= 0 && !sinsp_available(w, s)) continue;
      names.push_back(std::string("BM_Sinsp/") + (s < 0 ? "decode" : kSinspName[s]));
      benchmark::RegisterBenchmark(names.back().c_str(), [&w, s](benchmark::State& st) {
        uint64_t m = 0, events = 0, cpu = 0;
        for (auto _ : st) {
          for (uint32_t f = 0; f < w.files.size(); f++) {
            std::string err;
            st.PauseTiming();
            bool ok = w.sinsp->open(w.files[f], err);
            st.ResumeTiming();
            if (!ok) continue;
            uint64_t t0 = thread_cpu_ns();
            while (w.sinsp->next(err) > 0) {
              events++;
              if (s >= 0) m += sinsp_work(w, s);
            }
            cpu += thread_cpu_ns() - t0;
            st.PauseTiming();
            w.sinsp->close();
            st.ResumeTiming();
          }
        }
        benchmark::DoNotOptimize(m);
        set_event_counters(st, static_cast<double>(events), static_cast<double>(cpu));
      });
    }
  }
  std::vector<std::string> paths = rule_paths(w.opt);
  if (!paths.empty()) {
    auto src = std::make_shared<std::vector<pg::RulesSource>>(in_memory_sources(paths));
    names.push_back("BM_YamlOfficial");
    benchmark::RegisterBenchmark("BM_YamlOfficial", [src](benchmark::State& st) {
      for (auto _ : st) {
        size_t docs = 0;
        for (const pg::RulesSource& r : *src) {
          pg::SourceFile f(r.name, r.content);
          docs += pg::yaml::parse(f).documents.size();
        }
        benchmark::DoNotOptimize(docs);
      }
    })->Unit(benchmark::kMillisecond);
    names.push_back("BM_CompileOfficial");
    benchmark::RegisterBenchmark("BM_CompileOfficial", [src](benchmark::State& st) {
      for (auto _ : st) {
        pg::CompileOutput out = pg::compile_rules(*src);
        benchmark::DoNotOptimize(out.ok);
      }
    })->Unit(benchmark::kMillisecond)->UseRealTime();  // compile_rules runs on its own thread
    names.push_back("BM_ValidateOfficial");
    benchmark::RegisterBenchmark("BM_ValidateOfficial", [paths](benchmark::State& st) {
      for (auto _ : st) benchmark::DoNotOptimize(validate_once(paths));
    })->Unit(benchmark::kMillisecond)->UseRealTime();
    if (w.full.ok) {
      pg::vm::Program prog = w.full.out.program;
      names.push_back("BM_LoadProgram");
      benchmark::RegisterBenchmark("BM_LoadProgram", [prog](benchmark::State& st) {
        for (auto _ : st) {
          std::string err;
          auto lp = pg::vm::LoadedProgram::load(prog, err);
          benchmark::DoNotOptimize(lp.get());
        }
      })->Unit(benchmark::kMillisecond);
    }
  }
  return names;
}

void print_gbench_ratios(const RecordingReporter& rep) {
  std::printf("\n== ratios to the baselines of the same run (median over repetitions [min, max]; "
              "values: ns/event or ms) ==\n");
  const std::string E = "BM_Engine/", S = "BM_Sinsp/";
  print_gbench_ratio(rep, "libsinsp / vm (full set, same index)", S + "libsinsp", E + "vm",
                     S + "decode");
  print_gbench_ratio(rep, "libsinsp own index / vm on it", S + "libsinsp-own-index",
                     E + "vm-sinsp-index", S + "decode");
  print_gbench_ratio(rep, "reference / vm (full set)", E + "reference", E + "vm");
  print_gbench_ratio(rep, "reference-all / vm-all", E + "reference-all", E + "vm-all");
  print_gbench_ratio(rep, "vm / harness (loop + view set alone)", E + "vm", E + "harness");
  for (int r = 1; r <= 5; r++) {
    std::string k = std::to_string(r);
    print_gbench_ratio(rep, "vm / native (R" + k + ")", E + "vm-r" + k, E + "native-r" + k);
    print_gbench_ratio(rep, "libsinsp / vm (R" + k + ")", S + "libsinsp-r" + k, E + "vm-r" + k,
                       S + "decode");
  }
  print_gbench_ratio(rep, "compile / YAML parse alone", "BM_CompileOfficial", "BM_YamlOfficial");
  print_gbench_ratio(rep, "validate / YAML parse alone", "BM_ValidateOfficial",
                     "BM_YamlOfficial");
  auto it = rep.value.find("BM_CompileOfficial");
  auto jt = rep.value.find("BM_YamlOfficial");
  if (it != rep.value.end() && jt != rep.value.end()) {
    std::vector<double> d;
    for (auto& [i, v] : it->second)
      if (jt->second.count(i)) d.push_back(v - jt->second.at(i));
    Stat s = stat_of(d);
    std::printf("  %-44s %8.2f ms [%6.2f, %6.2f] n=%zu\n", "compile minus YAML parse", s.median,
                s.min, s.max, s.n);
  }
}

// ---- report ---------------------------------------------------------------------------------

std::string num_or_null(double v, bool have, int prec = 2) {
  if (!have || !std::isfinite(v)) return "null";
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

void print_ratio(const char* label, const std::vector<double>& v) {
  Stat s = stat_of(v);
  std::printf("  %-28s median %7.2fx  [min %7.2fx, max %7.2fx]  (n=%zu)\n", label, s.median, s.min,
              s.max, s.n);
}

int run_report(World& w) {
  Options& o = w.opt;
  std::printf("# peregrine-bench (%s dispatch), TSC %.3f GHz, block %d, %d repetitions\n",
              PG_BENCH_DISPATCH, w.tpns, o.block, o.reps);
  std::printf("# event source: %s\n",
              w.use_sinsp ? (SinspSource::version() + ", " + std::to_string(w.files.size()) +
                             " capture files").c_str()
                          : "synthetic corpus (libsinsp or captures unavailable)");
  for (const std::string& f : w.files)
    if (w.use_sinsp) std::printf("#   %s\n", f.c_str());
  if (w.full.ok) {
    std::printf("# full ruleset: %zu rules, %zu instructions, %zu slots; libsinsp compiles %zu\n",
                w.full.rules(), w.full.lp->program().code.size(),
                w.full.lp->program().slots.size(), w.n_common);
    if (w.use_sinsp && !o.summary)
      for (size_t r = 0; r < w.full.rules(); r++)
        if (!w.common[r])
          std::printf("#   libsinsp rejects '%s': %s\n", w.full.names[r].c_str(),
                      w.full.filter_error[r].c_str());
  }
  if (w.use_sinsp)
    for (int i = 0; i < 5; i++)
      if (w.five_filter[i] < 0)
        std::printf("# libsinsp rejects R%d: %s\n", i + 1, w.five_filter_error[i].c_str());
  std::printf("# keys extracted per event: %zu (R1-R5 snapshots: %zu)\n", w.keys.size(),
              w.keys5.size());

  GateResult g = gate(w);
  std::printf("# gate: %" PRIu64 " events; matches: vm %" PRIu64 " reference %" PRIu64
              " (common set), vm-all %" PRIu64 " reference-all %" PRIu64,
              g.events, g.totals[E_VM_FULL], g.totals[E_REF_FULL], g.totals[E_VM_ALL],
              g.totals[E_REF_ALL]);
  if (w.use_sinsp) std::printf(", libsinsp %" PRIu64, g.sinsp_totals[S_FULL]);
  std::printf("\n# gate R1-R5 matches (vm/native%s):", w.use_sinsp ? "/libsinsp" : "");
  for (int r = 0; r < 5; r++) {
    std::printf(" R%d %" PRIu64 "/%" PRIu64, r + 1, g.totals[E_VM_R1 + r], g.totals[E_NAT_R1 + r]);
    if (w.use_sinsp) std::printf("/%" PRIu64, g.sinsp_totals[S_R1 + r]);
  }
  std::printf("\n");
  if (w.full.ok && !o.summary) {
    std::printf("# rules that matched (vm-all count / libsinsp count):\n");
    for (size_t r = 0; r < w.full.rules(); r++)
      if (g.per_rule_vm[r] || g.per_rule_sinsp[r])
        std::printf("#   %-60s %6" PRIu64 " / %s\n", w.full.names[r].c_str(), g.per_rule_vm[r],
                    w.common[r] ? std::to_string(g.per_rule_sinsp[r]).c_str() : "-");
  }
  if (w.use_sinsp)
    std::printf("# libsinsp vs vm disagreements: %" PRIu64 " (full set), %" PRIu64
                " (R1-R5); events where libsinsp's own index changes its matches: %" PRIu64 "\n",
                g.sinsp_disagree_full, g.sinsp_disagree_five, g.sinsp_disagree_own);
  std::printf("# snapshot corpus: %.1f MiB\n", w.corpus->bytes() / 1048576.0);
  if (!g.ok) {
    std::printf("# GATE FAILED: engines disagree; not timing\n");
    return 1;
  }
  std::fflush(stdout);

  if (!o.callgrind.empty()) return callgrind_passes(w);

  Paired p = paired(w, g);
  const auto& R = p.reps;
  auto col = [&](auto f) {
    std::vector<double> v;
    for (const RepResult& r : R) v.push_back(f(r));
    return v;
  };
  Engines probe(w);
  std::printf("\n== per-engine ns/event (median over %zu reps [min, max]) and events/s ==\n",
              R.size());
  Stat dec = stat_of(col([](const RepResult& r) { return r.decode_ns; }));
  if (w.use_sinsp)
    std::printf("  %-14s %9.2f ns [%8.2f, %8.2f]  %10.0f ev/s   (speed-state canary)\n", "decode",
                dec.median, dec.min, dec.max, 1e9 / dec.median);
  Stat es[E_COUNT], ss[S_COUNT];
  for (int e = 0; e < E_COUNT; e++) {
    if (!probe.available(e)) continue;
    es[e] = stat_of(col([e](const RepResult& r) { return r.ns[e]; }));
    std::printf("  %-14s %9.2f ns [%8.2f, %8.2f]  %10.0f ev/s\n", kEngineName[e], es[e].median,
                es[e].min, es[e].max, 1e9 / es[e].median);
  }
  for (int s = 0; s < S_COUNT; s++) {
    if (!sinsp_available(w, s)) continue;
    ss[s] = stat_of(col([s](const RepResult& r) { return r.sinsp_ns[s]; }));
    std::printf("  %-14s %9.2f ns [%8.2f, %8.2f]  %10.0f ev/s\n", kSinspName[s], ss[s].median,
                ss[s].min, ss[s].max, 1e9 / ss[s].median);
  }
  std::printf("  (timer: empty region %.1f ticks = %.1f ns, subtracted per region)\n",
              p.empty_ticks, p.empty_ticks / w.tpns);

  // Robust estimate: every block is the same events in every repetition, so the median of a
  // block's time across repetitions filters out preemptions and speed-state flips that hit
  // single blocks; ns/event = sum of per-block medians / events.
  double evn = static_cast<double>(R.empty() || !R[0].events ? 1 : R[0].events);
  auto robust = [&](auto get) {
    size_t nb = get(R[0]).size();
    double total = 0;
    for (size_t b = 0; b < nb; b++) {
      std::vector<double> v;
      for (const RepResult& r : R)
        if (b < get(r).size()) v.push_back(get(r)[b]);
      total += stat_of(v).median;
    }
    return std::max(0.0, total) / evn;
  };
  double rob[E_COUNT] = {}, srob[S_COUNT] = {}, drob = 0;
  std::printf("\n== robust ns/event (sum over blocks of the per-block median across reps) ==\n");
  if (!R.empty()) {
    if (w.use_sinsp) {
      drob = robust([](const RepResult& r) -> const std::vector<double>& { return r.dblk; });
      std::printf("  %-18s %9.2f ns\n", "decode", drob);
    }
    for (int e = 0; e < E_COUNT; e++) {
      if (!probe.available(e)) continue;
      rob[e] = robust([e](const RepResult& r) -> const std::vector<double>& { return r.blk[e]; });
      std::printf("  %-18s %9.2f ns\n", kEngineName[e], rob[e]);
    }
    for (int s = 0; s < S_COUNT; s++) {
      if (!sinsp_available(w, s)) continue;
      srob[s] = robust([s](const RepResult& r) -> const std::vector<double>& { return r.sblk[s]; });
      std::printf("  %-18s %9.2f ns\n", kSinspName[s], srob[s]);
    }
    if (w.full.ok && w.use_sinsp) {
      std::printf("  libsinsp / vm (full):          %6.2fx\n", srob[S_FULL] / rob[E_VM_FULL]);
      std::printf("  libsinsp own / vm own index:   %6.2fx\n", srob[S_OWN] / rob[E_VM_OWN]);
    }
    if (w.full.ok)
      std::printf("  reference / vm (full):         %6.2fx\n", rob[E_REF_FULL] / rob[E_VM_FULL]);
    if (w.five.ok)
      for (int i = 0; i < 5; i++) {
        std::printf("  R%d: vm/native %5.2fx", i + 1, rob[E_VM_R1 + i] / rob[E_NAT_R1 + i]);
        if (sinsp_available(w, S_R1 + i))
          std::printf("  libsinsp/vm %6.2fx  libsinsp/native %6.2fx",
                      srob[S_R1 + i] / rob[E_VM_R1 + i], srob[S_R1 + i] / rob[E_NAT_R1 + i]);
        std::printf("\n");
      }
  }
  std::printf("\n== paired ratios (per repetition, same events, same 256-event blocks) ==\n");
  if (w.full.ok) {
    if (w.use_sinsp)
      print_ratio("libsinsp / vm (full)",
                  col([](const RepResult& r) { return r.sinsp_ns[S_FULL] / r.ns[E_VM_FULL]; }));
    if (w.use_sinsp)
      print_ratio("libsinsp own index / vm", col([](const RepResult& r) {
                    return r.sinsp_ns[S_OWN] / r.ns[E_VM_FULL];
                  }));
    if (w.use_sinsp)
      print_ratio("libsinsp own / vm own index", col([](const RepResult& r) {
                    return r.sinsp_ns[S_OWN] / r.ns[E_VM_OWN];
                  }));
    print_ratio("reference / vm (full)",
                col([](const RepResult& r) { return r.ns[E_REF_FULL] / r.ns[E_VM_FULL]; }));
    print_ratio("vm-all / vm (full)",
                col([](const RepResult& r) { return r.ns[E_VM_ALL] / r.ns[E_VM_FULL]; }));
  }
  if (w.five.ok) {
    for (int i = 0; i < 5; i++) {
      std::string l = "vm / native (R" + std::to_string(i + 1) + ")";
      print_ratio(l.c_str(),
                  col([i](const RepResult& r) { return r.ns[E_VM_R1 + i] / r.ns[E_NAT_R1 + i]; }));
    }
    if (w.use_sinsp)
      for (int i = 0; i < 5; i++) {
        if (!sinsp_available(w, S_R1 + i)) continue;
        std::string l = "libsinsp / vm (R" + std::to_string(i + 1) + ")";
        print_ratio(l.c_str(), col([i](const RepResult& r) {
                      return r.sinsp_ns[S_R1 + i] / r.ns[E_VM_R1 + i];
                    }));
        l = "libsinsp / native (R" + std::to_string(i + 1) + ")";
        print_ratio(l.c_str(), col([i](const RepResult& r) {
                      return r.sinsp_ns[S_R1 + i] / r.ns[E_NAT_R1 + i];
                    }));
      }
  }

  CompileResult cr;
  if (!o.no_compile) {
    cr = measure_compile(w, 11);
    if (cr.ok) {
      std::printf("\n== compile and validation (official files, in-process, median of 11) ==\n");
      std::printf("  compile_rules (parse, expand, check, lower): %.2f ms [%.2f, %.2f] wall, "
                  "%.2f ms [%.2f, %.2f] CPU\n",
                  cr.compile_ms.median, cr.compile_ms.min, cr.compile_ms.max,
                  cr.compile_cpu_ms.median, cr.compile_cpu_ms.min, cr.compile_cpu_ms.max);
      std::printf("  phases (thread CPU, same median): yaml::parse alone %.2f ms; Loader::load x3 "
                  "(YAML + schema + items) %.2f ms; Loader::compile %.2f ms; lower %.2f ms; "
                  "total %.2f ms; total minus yaml::parse %.2f ms [%.2f, %.2f]\n",
                  cr.ph_yaml.median, cr.ph_load.median, cr.ph_compile.median,
                  cr.ph_lower.median, cr.ph_total.median, cr.ph_no_yaml.median,
                  cr.ph_no_yaml.min, cr.ph_no_yaml.max);
      std::printf("  LoadedProgram::load (verify, matchers):      %.2f ms [%.2f, %.2f]\n",
                  cr.load_ms.median, cr.load_ms.min, cr.load_ms.max);
      std::printf("  program: %zu rules, %zu instructions, %zu bytes serialized (%.1f KiB)\n",
                  cr.rules, cr.code_insns, cr.program_bytes, cr.program_bytes / 1024.0);
      std::printf("  validate (3 files, as peregrinec validate):  %.2f ms [%.2f, %.2f] wall, "
                  "%.2f ms [%.2f, %.2f] CPU\n",
                  cr.validate_ms.median, cr.validate_ms.min, cr.validate_ms.max,
                  cr.validate_cpu_ms.median, cr.validate_cpu_ms.min, cr.validate_cpu_ms.max);
      std::printf("  peak RSS: validating child %.1f MiB (this binary, idle: %.1f MiB)",
                  cr.rss_validate_kib / 1024.0, cr.rss_noop_kib / 1024.0);
      if (cr.rss_peregrinec_kib > 0)
        std::printf("; peregrinec validate: %.1f MiB", cr.rss_peregrinec_kib / 1024.0);
      std::printf("\n");
    }
  }

  // Summary JSON (last line): the robust per-event estimates (per-block medians across
  // repetitions, summed over blocks); "five" is the mean of the five per-condition values.
  double five_vm = 0, five_nat = 0;
  if (w.five.ok)
    for (int i = 0; i < 5; i++) {
      five_vm += rob[E_VM_R1 + i] / 5;
      five_nat += rob[E_NAT_R1 + i] / 5;
    }
  std::printf("\n{\"full\":{\"rules\":%zu,\"events\":%" PRIu64
              ",\"vm_ns\":%s,\"reference_ns\":%s,\"libsinsp_ns\":%s},"
              "\"five\":{\"vm_ns\":%s,\"native_ns\":%s},"
              "\"compile\":{\"cpu_ms\":%s,\"no_yaml_ms\":%s,\"program_bytes\":%s}}\n",
              w.full.ok ? w.n_common : 0, g.events,
              num_or_null(rob[E_VM_FULL], w.full.ok).c_str(),
              num_or_null(rob[E_REF_FULL], w.full.ok).c_str(),
              num_or_null(srob[S_FULL], w.full.ok && w.use_sinsp).c_str(),
              num_or_null(five_vm, w.five.ok).c_str(), num_or_null(five_nat, w.five.ok).c_str(),
              num_or_null(cr.compile_cpu_ms.median, cr.ok).c_str(),
              num_or_null(cr.ph_no_yaml.median, cr.ok).c_str(),
              num_or_null(static_cast<double>(cr.program_bytes), cr.ok, 0).c_str());
  std::fflush(stdout);
  return 0;
}

int usage() {
  std::printf(
      "usage: peregrine-bench [--summary] [--reps=N] [--block=N] [--shared=DIR]\n"
      "                       [--corpus=all|main|psp] [--captures=A.scap,B.scap]\n"
      "                       [--synthetic] [--no-compile]\n"
      "                       [--callgrind-pass=NAME[,NAME...]|all] [--gbench [--benchmark_...]]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.shared = PG_SHARED_DIR;
  if (const char* e = std::getenv("PEREGRINE_SHARED")) o.shared = e;
  if (argc >= 3 && std::string(argv[1]) == "--rss-of") {
    std::vector<std::string> cmd(argv + 2, argv + argc);
    std::string out;
    struct rusage ru {};
    int st = run_child(cmd, out, &ru);
    std::printf("status %d\nhwm_kib %ld\n", st, st == 0 ? ru.ru_maxrss : -1L);
    return 0;
  }
  std::vector<char*> gb_args = {argv[0]};
  bool validate_child = false, noop_child = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto val = [&](const char* p) { return a.substr(std::strlen(p)); };
    if (a == "--summary") o.summary = true;
    else if (a.rfind("--reps=", 0) == 0) o.reps = std::max(1, std::atoi(val("--reps=").c_str()));
    else if (a.rfind("--block=", 0) == 0) o.block = std::max(1, std::atoi(val("--block=").c_str()));
    else if (a.rfind("--shared=", 0) == 0) o.shared = val("--shared=");
    else if (a.rfind("--captures=", 0) == 0) o.captures = split(val("--captures="), ',');
    else if (a.rfind("--corpus=", 0) == 0) o.corpus = val("--corpus=");
    else if (a == "--synthetic") o.synthetic = true;
    else if (a == "--no-compile") o.no_compile = true;
    else if (a.rfind("--callgrind-pass=", 0) == 0) o.callgrind = val("--callgrind-pass=");
    else if (a == "--gbench") o.gbench = true;
    else if (a.rfind("--benchmark_", 0) == 0) {
      o.gbench = true;
      gb_args.push_back(argv[i]);
    } else if (a == "--validate-child") validate_child = true;
    else if (a == "--noop-child") noop_child = true;
    else return usage();
  }
  if (noop_child) {
    std::printf("hwm_kib %ld\n", self_hwm_kib());
    return 0;
  }
  if (validate_child) {
    std::vector<std::string> paths = rule_paths(o);
    if (paths.empty() || !validate_once(paths)) return 1;
    std::printf("hwm_kib %ld\n", self_hwm_kib());
    return 0;
  }
  World w;
  w.opt = o;
  setup(w);
  if (o.gbench) {
    GateResult g = gate(w);
    if (!g.ok) {
      std::printf("# GATE FAILED: not timing\n");
      return 1;
    }
    Engines en(w);
    std::vector<std::string> names = register_gbench(w, en);
    // Add the baselines of whatever the filter selects.
    std::string user_filter;
    std::vector<std::string> args;  // owns the rewritten filter argument
    args.reserve(gb_args.size() + 1);
    std::vector<char*> gargs;
    for (char* a : gb_args) {
      std::string s = a;
      if (s.rfind("--benchmark_filter=", 0) == 0) {
        user_filter = s.substr(std::strlen("--benchmark_filter="));
        continue;
      }
      gargs.push_back(a);
    }
    args.push_back("--benchmark_filter=" + gbench_filter(user_filter, names));
    gargs.push_back(args.back().data());
    int gargc = static_cast<int>(gargs.size());
    benchmark::Initialize(&gargc, gargs.data());
    bool color = isatty(1) != 0;
    for (char* a : gargs)
      if (std::string(a).rfind("--benchmark_color=", 0) == 0)
        color = std::string(a).find("false") == std::string::npos &&
                std::string(a).find("no") == std::string::npos;
    RecordingReporter rep(color ? benchmark::ConsoleReporter::OO_ColorTabular
                                : benchmark::ConsoleReporter::OO_Tabular);
    benchmark::RunSpecifiedBenchmarks(&rep);
    print_gbench_ratios(rep);
    benchmark::Shutdown();
    return 0;
  }
  return run_report(w);
}
