// Differential test: randomly generated rulesets (every operator, modifiers, transformers,
// nesting, macros and lists) x randomly generated events; the VM's result must equal the
// reference evaluator's for every (rule, event) pair, and a rule may only match events its
// event-type set contains. Seeded and reproducible: PEREGRINE_DIFF_SEED and
// PEREGRINE_DIFF_BATCHES override the defaults. A mismatch prints the condition and the event.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <sstream>

#include "compiler/compiler.h"
#include "compiler/constants.h"
#include "vm/disasm.h"
#include "compiler/ref_eval.h"
#include "tests/support/mem_event.h"
#include "vm/interp.h"

namespace pg {
namespace {

using test::MemEvent;

struct Rng {
  std::mt19937_64 g;
  explicit Rng(uint64_t seed) : g(seed) {}
  size_t below(size_t n) { return static_cast<size_t>(g() % n); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(g) < p; }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }
};

const std::vector<std::string> kNames = {"bash", "sh", "BASH", "ls", "cat", "", "a b",
                                         "x*y", "/bin/bash", "zsh", "sshd", "Bash"};
const std::vector<std::string> kPaths = {"/etc/passwd", "/etc", "/etcx", "/etc/ssh/sshd_config",
                                         "/usr/bin/ls", "/tmp/a b", "relative/x", "/",
                                         "//etc//shadow", "/ETC/PASSWD", "/usr/lib/x.so"};
const std::vector<int64_t> kNums = {-1, 0, 1, 3, 22, 80, 1000, 65535, 4294967295LL};
const std::vector<std::string> kIps4 = {"10.0.0.1", "10.1.2.3", "192.168.1.1", "127.0.0.1"};
const std::vector<std::string> kIps6 = {"::1", "2001:db8::1", "fe80::1"};
const std::vector<std::string> kNets = {"10.0.0.0/8", "192.168.0.0/16", "127.0.0.1/32",
                                        "2001:db8::/32", "0.0.0.0/0"};
const std::vector<std::string> kGlobs = {"*", "/etc/*", "b*sh", "?s", "[bc]a*", "*sh", "*[!a]",
                                         "/etc/?ass*", "\\*"};
const std::vector<std::string> kRegexes = {"b.*", ".*sh", "/etc/.*", "[a-z]+", "ba(sh|zh)",
                                           "(?i)BASH", "a b", ".*"};
const std::vector<std::string> kTypes = {"file", "ipv4", "ipv6", "unix", "pipe", "directory"};
const std::vector<std::string> kBuffers = {"hello world", std::string("\xca\xfe\xba\xbe\x00\x01", 6),
                                           "", "HELLO"};

// A value written into a condition: bare when safe, else double-quoted.
std::string lit(const std::string& v) {
  bool bare = !v.empty() && v.find_first_of("()\"' \t\n=,\\") == std::string::npos &&
              v != "and" && v != "or" && v != "not";
  if (bare) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

std::string list_of(Rng& r, const std::vector<std::string>& pool, size_t max = 4) {
  size_t n = r.below(max) + 1;
  std::string s = "(";
  for (size_t i = 0; i < n; i++) s += (i ? ", " : "") + lit(r.pick(pool));
  return s + ")";
}

struct Gen {
  Rng& r;
  std::vector<std::string> macros;  // names usable so far
  std::vector<std::string> lists;   // string lists usable in `in (...)`
  std::vector<std::string> event_names;

  std::string string_field() {
    static const std::vector<std::string> f = {"proc.name", "proc.pname", "fd.name",
                                               "fd.directory", "proc.cmdline", "proc.env[HOME]",
                                               "proc.aname", "proc.aname[2]", "proc.aname[1]"};
    return r.pick(f);
  }

  std::string string_operand(bool& ancestor_any) {
    ancestor_any = false;
    switch (r.below(8)) {
      case 0: return "tolower(" + string_field_plain() + ")";
      case 1: return "toupper(" + string_field_plain() + ")";
      case 2: return "basename(fd.name)";
      case 3: return "concat(proc.name, \"-\", fd.directory)";
      default: {
        std::string f = string_field();
        ancestor_any = f == "proc.aname";
        return f;
      }
    }
  }
  std::string string_field_plain() {
    static const std::vector<std::string> f = {"proc.name", "proc.pname", "fd.name", "proc.cmdline"};
    return r.pick(f);
  }
  const std::vector<std::string>& pool_for(const std::string& field) {
    return field.find("fd.") != std::string::npos ? kPaths : kNames;
  }

  std::string string_check() {
    bool anc;
    std::string lhs = string_operand(anc);
    const auto& pool = r.chance(0.5) ? kPaths : kNames;
    switch (r.below(24)) {
      case 0: return lhs + " = " + lit(r.pick(pool));
      case 1: return lhs + " == " + lit(r.pick(pool));
      case 2: return lhs + " != " + lit(r.pick(pool));
      case 3: return lhs + " contains " + lit(r.pick(pool).substr(0, r.below(4) + 1));
      case 4: return lhs + " icontains " + lit(r.pick(pool).substr(0, r.below(4) + 1));
      case 5: return lhs + " startswith " + lit(r.pick(pool).substr(0, r.below(6)));
      case 6: {
        const std::string& v = r.pick(pool);
        return lhs + " endswith " + lit(v.substr(std::min(v.size(), r.below(3))));
      }
      case 7: return lhs + " glob " + lit(r.pick(kGlobs));
      case 8: return lhs + " iglob " + lit(r.pick(kGlobs));
      case 9: return lhs + " regex " + lit(r.pick(kRegexes));
      case 10: return lhs + " in " + list_of(r, pool);
      case 11: return lhs + " intersects " + list_of(r, pool);
      case 12: return lhs + " pmatch " + list_of(r, {"/etc", "/usr/bin", "/e*", "/", "/etc/ssh"});
      case 13: return lhs + " exists";
      case 14: return lhs + " startswith anyof " + list_of(r, {"/etc", "/usr", "b", "", "s"});
      case 15: return lhs + " contains anyof " + list_of(r, {"sh", "etc", "a", "zz"});
      case 16: return lhs + " = oneof " + list_of(r, pool);
      case 17: return lhs + " endswith allof " + list_of(r, {"sh", "h", "d"});
      case 18: return lhs + " icontains anyof " + list_of(r, {"SH", "Etc", "x"});
      case 19: return lhs + " glob anyof " + list_of(r, kGlobs);
      case 20:
        if (!lists.empty()) return lhs + " in (" + r.pick(lists) + ")";
        return lhs + " in (bash, sh)";
      case 21:
        if (lhs.rfind("proc.aname", 0) == 0) return lhs + " = bash";
        return lhs + " = val(proc.pname)";
      case 22:
        if (lhs.rfind("proc.aname", 0) == 0) return lhs + " != sh";
        return lhs + " = tolower(proc.pname)";
      default: return lhs + " > " + std::to_string(r.below(10));
    }
  }

  std::string num_check() {
    static const std::vector<std::string> f = {"fd.num", "proc.pid", "user.uid", "evt.rawres",
                                               "fd.sport", "len(fd.name)", "len(proc.name)"};
    std::string lhs = r.pick(f);
    static const std::vector<std::string> ops = {"=", "!=", "<", "<=", ">", ">="};
    auto num = [&] {
      int64_t v = r.pick(kNums);
      if (lhs == "user.uid" || lhs == "fd.sport" || lhs.rfind("len(", 0) == 0) v = std::abs(v) % 70000;
      return std::to_string(v);
    };
    switch (r.below(4)) {
      case 0: return lhs + " in (" + num() + ", " + num() + ")";
      case 1: return lhs + " exists";
      default: return lhs + " " + r.pick(ops) + " " + num();
    }
  }

  std::string other_check() {
    switch (r.below(14)) {
      case 0: return std::string("evt.is_open_write = ") + (r.chance(0.5) ? "true" : "false");
      case 1: return "fd.sip = " + r.pick(r.chance(0.7) ? kIps4 : kIps6);
      case 2: return "fd.cip != " + r.pick(kIps4);
      case 3: return "fd.ip = " + r.pick(kIps4);
      case 4: return "fd.sip in (" + r.pick(kIps4) + ", " + r.pick(kIps6) + ")";
      case 5: return "fd.net = " + r.pick(kNets);
      case 6: return "fd.snet in (" + r.pick(kNets) + ", " + r.pick(kNets) + ")";
      case 7: return "fd.types in " + list_of(r, kTypes);
      case 8: return "fd.types intersects " + list_of(r, kTypes);
      case 9: return "evt.buffer contains hello";
      case 10: return "evt.buffer bcontains cafe";
      case 11: return "evt.buffer bstartswith 68656c";
      case 12: return "evt.type " + std::string(r.chance(0.5) ? "= " : "!= ") + r.pick(event_names);
      default: return "evt.type in (" + r.pick(event_names) + ", " + r.pick(event_names) + ")";
    }
  }

  std::string check() {
    size_t k = r.below(10);
    if (k < 5) return string_check();
    if (k < 7) return num_check();
    if (k < 8 && !macros.empty()) return r.pick(macros);
    return other_check();
  }

  std::string expr(int depth) {
    if (depth <= 0 || r.chance(0.35)) return check();
    switch (r.below(4)) {
      case 0: return "not " + expr(depth - 1);
      case 1: return "(" + expr(depth - 1) + ")";
      default: {
        std::string op = r.chance(0.5) ? " and " : " or ";
        size_t n = 2 + r.below(3);
        std::string s = "(" + expr(depth - 1);
        for (size_t i = 1; i < n; i++) s += op + expr(depth - 1);
        return s + ")";
      }
    }
  }
};

std::array<uint8_t, 16> ip_bytes(const std::string& s, bool& v6) {
  std::array<uint8_t, 16> b{};
  std::optional<IpValue> ip = parse_ip(s);
  v6 = ip && ip->v6;
  if (ip) b = ip->bytes;
  return b;
}

void random_event(Rng& r, MemEvent& ev, const std::vector<uint16_t>& codes,
                  const std::vector<std::string>& generic_names, std::string& desc) {
  ev.clear();
  ev.type = r.pick(codes);
  std::ostringstream d;
  d << "type=" << ev.type;
  if (ev.type <= 1) {
    std::string g = r.pick(generic_names);
    ev.set_syscall_name(g);
    d << "(" << g << ")";
  }
  auto str = [&](FieldId f, const std::vector<std::string>& pool, const char* name) {
    if (r.chance(0.15)) return;
    std::string v = r.pick(pool);
    if (r.chance(0.03)) v = std::string(5000, 'a') + v;  // huge strings
    ev.set_str(f, v);
    d << " " << name << "=" << lit(v);
  };
  str(FieldId::PROC_NAME, kNames, "proc.name");
  str(FieldId::PROC_PNAME, kNames, "proc.pname");
  str(FieldId::FD_NAME, kPaths, "fd.name");
  str(FieldId::FD_DIRECTORY, kPaths, "fd.directory");
  str(FieldId::PROC_CMDLINE, kNames, "proc.cmdline");
  if (r.chance(0.7)) {
    std::string v = r.pick(kPaths);
    ev.set_str(FieldId::PROC_ENV, v, -1, "HOME");
    d << " proc.env[HOME]=" << lit(v);
  }
  size_t depth = r.below(5);
  for (size_t k = 1; k <= depth; k++) {
    std::string v = r.pick(kNames);
    ev.set_str(FieldId::PROC_ANAME, v, static_cast<int64_t>(k));
    d << " proc.aname[" << k << "]=" << lit(v);
  }
  auto num = [&](FieldId f, bool is_signed, const char* name) {
    if (r.chance(0.15)) return;
    int64_t v = r.pick(kNums);
    if (is_signed) ev.set_int(f, v);
    else ev.set_uint(f, static_cast<uint64_t>(std::abs(v)) % (f == FieldId::FD_SPORT ? 65536 : 4294967296LL));
    d << " " << name << "=" << v;
  };
  num(FieldId::FD_NUM, true, "fd.num");
  num(FieldId::PROC_PID, true, "proc.pid");
  num(FieldId::USER_UID, false, "user.uid");
  num(FieldId::EVT_RAWRES, true, "evt.rawres");
  num(FieldId::FD_SPORT, false, "fd.sport");
  if (r.chance(0.8)) {
    bool b = r.chance(0.5);
    ev.set_bool(FieldId::EVT_IS_OPEN_WRITE, b);
    d << " evt.is_open_write=" << b;
  }
  for (auto [f, net, name] : {std::tuple{FieldId::FD_SIP, FieldId::FD_SNET, "fd.sip"},
                              std::tuple{FieldId::FD_CIP, FieldId::FD_CNET, "fd.cip"}}) {
    if (r.chance(0.2)) continue;
    std::string ip = r.pick(r.chance(0.7) ? kIps4 : kIps6);
    bool v6;
    auto b = ip_bytes(ip, v6);
    ev.set_ip(f, b, v6);
    ev.set_ip(net, b, v6);
    d << " " << name << "=" << ip;
  }
  if (r.chance(0.7)) {
    std::vector<std::string> ts;
    for (size_t i = 0, n = r.below(3); i < n; i++) ts.push_back(r.pick(kTypes));
    d << " fd.types=(";
    for (const std::string& t : ts) d << t << ",";
    d << ")";
    ev.set_list(FieldId::FD_TYPES, std::move(ts));
  }
  if (r.chance(0.7)) {
    const std::string& b = r.pick(kBuffers);
    ev.set_bytes(FieldId::EVT_BUFFER, b);
    d << " evt.buffer=" << b.size() << " bytes";
  }
  desc = d.str();
}

TEST(Differential, VmMatchesReferenceEvaluator) {
  uint64_t seed = 20261129;
  int batches = 60;
  if (const char* s = std::getenv("PEREGRINE_DIFF_SEED")) seed = std::strtoull(s, nullptr, 10);
  if (const char* s = std::getenv("PEREGRINE_DIFF_BATCHES")) batches = std::atoi(s);
  Rng r(seed);

  std::vector<std::string> event_names = {"open", "openat", "execve", "connect", "sendto", "close"};
  std::vector<std::string> generic_names;
  for (uint16_t c = 1; c < syscall_code_count() && generic_names.size() < 3; c++) {
    std::string_view n = syscall_name(c);
    if (!n.empty() && event_codes_by_name(n).empty()) generic_names.emplace_back(n);
  }
  ASSERT_FALSE(generic_names.empty());
  event_names.insert(event_names.end(), generic_names.begin(), generic_names.end());
  std::vector<uint16_t> codes = {1};  // the generic exit event
  for (const char* n : {"open", "openat", "execve", "connect", "sendto", "close"})
    for (uint16_t c : event_codes_by_name(n))
      if (c & 1) codes.push_back(c);

  uint64_t pairs = 0, matches = 0, outside_checked = 0;
  for (int b = 0; b < batches; b++) {
    Gen g{r, {}, {}, event_names};
    std::ostringstream y;
    for (int l = 0; l < 3; l++) {
      const auto& pool = r.chance(0.5) ? kNames : kPaths;
      y << "- list: l" << l << "\n  items: [";
      for (size_t i = 0, n = r.below(6) + 1; i < n; i++) {
        std::string item = r.pick(pool);
        if (item.empty()) item = "empty";  // an empty item would leave ", ," in the condition
        y << (i ? ", " : "") << "'";
        for (char c : item) y << (c == '\'' ? "''" : std::string(1, c));
        y << "'";
      }
      y << "]\n";
      g.lists.push_back("l" + std::to_string(l));
    }
    for (int m = 0; m < 6; m++) {
      y << "- macro: m" << m << "\n  condition: " << lit(g.expr(2)) << "\n";
      g.macros.push_back("m" + std::to_string(m));
    }
    const int kRules = 40;
    std::vector<std::string> conds;
    for (int i = 0; i < kRules; i++) {
      conds.push_back(g.expr(4));
      y << "- rule: r" << i << "\n  desc: d\n  condition: " << lit(conds.back())
        << "\n  output: o\n  priority: INFO\n  warn_evttypes: false\n";
    }
    CompileOutput out = compile_rules({RulesSource{"diff.yaml", y.str(), false}});
    ASSERT_TRUE(out.ok) << "generated rules failed to compile (generator bug):\n"
                        << y.str() << "\n"
                        << (out.files.empty() || out.files[0].result.errors.empty()
                                ? out.error
                                : out.files[0].result.errors[0].message + " in " +
                                      out.files[0].result.errors[0].context[1].item_name);
    std::string err;
    auto lp = vm::LoadedProgram::load(out.program, err);
    ASSERT_TRUE(lp) << err;
    vm::Vm machine(lp);
    // Every fourth batch also runs every rule on every event, outside its type index, from a
    // program lowered without constant folding (as the bench runs R1-R5): that exercises
    // run_rule()'s shortcuts on a first evt.type test the event fails.
    std::shared_ptr<const vm::LoadedProgram> lp_flat;
    if (b % 4 == 0) {
      LowerOptions flat;
      flat.fold_constants = false;
      CompileOutput fo = compile_rules({RulesSource{"diff.yaml", y.str(), false}}, {}, flat);
      ASSERT_TRUE(fo.ok) << fo.error;
      lp_flat = vm::LoadedProgram::load(fo.program, err);
      ASSERT_TRUE(lp_flat) << err;
    }
    std::unique_ptr<vm::Vm> machine_flat;
    if (lp_flat) machine_flat = std::make_unique<vm::Vm>(lp_flat);
    MemEvent ev;
    for (int e = 0; e < 60; e++) {
      std::string desc;
      random_event(r, ev, codes, generic_names, desc);
      // Half the events carry interner ids for the hot strings, as the state engine supplies
      // them (the id, or kAbsentStrId for a name no rule mentions).
      if (r.chance(0.5)) {
        ev.intern(FieldId::PROC_NAME, lp->interner());
        ev.intern(FieldId::PROC_PNAME, lp->interner());
        desc += " (interned)";
      }
      machine.begin_event(ev);
      if (machine_flat) machine_flat->begin_event(ev);
      std::vector<uint32_t> want_all;  // what run() must report: reference matches in order
      for (uint32_t i = 0; i < out.ruleset->rules.size(); i++) {
        const CompiledRule& rule = out.ruleset->rules[i];
        bool ref = ref_eval(rule.root, ev);
        if (machine_flat) {
          ASSERT_EQ(machine_flat->run_rule(i), ref)
              << "unfolded VM and reference evaluator disagree (seed " << seed << ", batch " << b
              << ")\n  rule: " << conds[i] << "\n  event: " << desc;
          outside_checked += !rule.evttypes.test(ev.index_code());
        }
        if (ref && rule.evttypes.test(ev.index_code()) && (e % 4 != 3 || i % 3 != 0))
          want_all.push_back(i);
        pairs++;
        if (!rule.evttypes.test(ev.index_code())) {
          ASSERT_FALSE(ref) << "rule matched an event outside its event-type set\n  rule: "
                            << conds[i] << "\n  event: " << desc;
          continue;
        }
        bool got = machine.run_rule(i);
        matches += got;
        ASSERT_EQ(got, ref) << "VM and reference evaluator disagree (seed " << seed << ", batch "
                            << b << ")\n  rule: " << conds[i] << "\n  event: " << desc
                            << "\n  macros and lists:\n"
                            << y.str().substr(0, y.str().find("- rule:"))
                            << "\n  bytecode:\n"
                            << vm::disassemble(out.program, {rule.name, false});
      }
      // The whole candidate list in one run (index, rule order, first/all, enabled flags: every
      // fourth event runs with every third rule disabled).
      for (uint32_t i = 0; i < out.ruleset->rules.size(); i += 3) machine.set_enabled(i, e % 4 != 3);
      std::vector<uint32_t> got_all;
      machine.run_event(ev, false, got_all);
      ASSERT_EQ(got_all, want_all) << "run(all) disagrees with the reference\n  event: " << desc;
      machine.begin_event(ev);
      std::vector<uint32_t> got_first;
      machine.run(true, got_first);
      ASSERT_EQ(got_first.size(), want_all.empty() ? 0u : 1u) << desc;
      if (!want_all.empty()) {
        ASSERT_EQ(got_first[0], want_all[0]) << desc;
      }
      for (uint32_t i = 0; i < out.ruleset->rules.size(); i += 3) machine.set_enabled(i, true);
    }
  }
  EXPECT_GE(pairs, 100000u);
  EXPECT_GT(outside_checked, 500u);  // rules run on events outside their type index
  // The generator must produce both outcomes in meaningful numbers.
  EXPECT_GT(matches, pairs / 50);
  EXPECT_LT(matches, pairs - pairs / 50);
  std::printf("differential: %llu pairs, %llu matches\n", static_cast<unsigned long long>(pairs),
              static_cast<unsigned long long>(matches));
}

}  // namespace
}  // namespace pg
