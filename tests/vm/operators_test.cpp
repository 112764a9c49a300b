// Operator x type tests: each row is a condition and an event, with the expected result; the
// VM and the reference evaluator must both give it. Covers missing fields, empty strings, huge
// strings, IPv6, list fields, byte buffers, transformers, field-to-field comparisons,
// modifiers and ancestors.
#include <gtest/gtest.h>

#include <functional>

#include "compiler/compiler.h"
#include "compiler/constants.h"
#include "compiler/ref_eval.h"
#include "tests/support/mem_event.h"
#include "vm/interp.h"
#include "vm/strset.h"

namespace pg {
namespace {

using test::MemEvent;

struct Row {
  std::string cond;
  std::function<void(MemEvent&)> setup;
  bool expect;
};

void ip(MemEvent& e, FieldId f, const char* text) {
  std::optional<IpValue> v = parse_ip(text);
  ASSERT_TRUE(v) << text;
  e.set_ip(f, v->bytes, v->v6);
}

const std::string kHuge(100000, 'x');

std::vector<Row> rows() {
  auto name = [](const char* n) { return [n](MemEvent& e) { e.set_str(FieldId::PROC_NAME, n); }; };
  auto path = [](std::string p) { return [p](MemEvent& e) { e.set_str(FieldId::FD_NAME, p); }; };
  auto none = [](MemEvent&) {};
  auto num = [](FieldId f, int64_t v) { return [f, v](MemEvent& e) { e.set_int(f, v); }; };
  auto unum = [](FieldId f, uint64_t v) { return [f, v](MemEvent& e) { e.set_uint(f, v); }; };
  return {
      // = == != on strings, missing, empty, huge.
      {"proc.name = bash", name("bash"), true},
      {"proc.name == bash", name("bash"), true},
      {"proc.name = bash", name("sh"), false},
      {"proc.name = bash", none, false},
      {"proc.name != bash", none, false},  // gotcha 8: != on a missing field is false
      {"not proc.name = bash", none, true},
      {"proc.name != bash", name("sh"), true},
      {"proc.name = \"\"", name(""), true},
      {"proc.name != \"\"", name(""), false},
      {"fd.name startswith xx", path(kHuge), true},
      {"fd.name endswith xxx", path(kHuge), true},
      {"fd.name contains y", path(kHuge), false},
      {"fd.name = " + kHuge.substr(0, 10), path(kHuge), false},
      // < <= > >= on strings: byte order with a numeric literal.
      {"proc.name > 5", name("6"), true},
      {"proc.name < 5", name("10"), true},
      {"proc.name >= 5", name("5"), true},
      {"proc.name <= 4", name("5"), false},
      // contains / icontains / startswith / endswith.
      {"fd.name contains /etc/", path("/x/etc/y"), true},
      {"fd.name contains \"\"", path(""), true},
      {"fd.name icontains ETC", path("/etc/passwd"), true},
      {"fd.name icontains Etc", path("/ETC/passwd"), true},
      // OR-ing 0x20 folds '@' onto '`' and '[' onto '{': the prefilter may admit them, the
      // exact compare must not.
      {"fd.name icontains \"`x\"", path("/@X"), false},
      {"fd.name icontains \"@x\"", path("/@X"), true},
      {"fd.name icontains \"{ab\"", path("/[AB"), false},
      {"fd.name icontains k", path("/tmp/K"), true},
      {"fd.name contains sh/", path("/x/.ssh"), false},
      {"fd.name contains sh", path("/x/.ssh"), true},
      {"fd.name contains s", path(""), false},
      {"fd.name startswith /etc", path("/etcx"), true},
      {"fd.name endswith .so", path("/lib/a.so"), true},
      {"fd.name endswith .so", path("so"), false},
      // glob: * crosses '/', ? one char, classes; iglob folds case.
      {"fd.name glob /etc/*", path("/etc/a/b"), true},
      {"fd.name glob \"/etc/?\"", path("/etc/ab"), false},
      {"fd.name glob \"/[a-c]*\"", path("/bin"), true},
      {"fd.name glob \"/[!a-c]*\"", path("/bin"), false},
      {"fd.name iglob /ETC/*", path("/etc/x"), true},
      {"fd.name glob /ETC/*", path("/etc/x"), false},
      // regex: anchored RE2 full match.
      {"proc.name regex ba.h", name("bash"), true},
      {"proc.name regex ba", name("bash"), false},
      {"proc.name regex \"(ba|z)sh\"", name("zsh"), true},
      // in / intersects / pmatch.
      {"proc.name in (bash, sh)", name("sh"), true},
      {"proc.name in (bash, sh)", name("zsh"), false},
      {"proc.name in ()", name("zsh"), false},
      {"proc.name intersects (bash, sh)", name("bash"), true},
      {"fd.name pmatch (/etc, /usr/bin)", path("/etc/passwd"), true},
      {"fd.name pmatch (/etc)", path("/etcx/passwd"), false},
      {"fd.name pmatch (/etc)", path("/etc"), true},
      {"fd.name pmatch (\"/e*/ssh\")", path("/etc/ssh/sshd_config"), true},
      // modifiers.
      {"proc.name startswith anyof (ba, zs)", name("zsh"), true},
      {"proc.name = oneof (bash, bash)", name("bash"), false},
      {"proc.name = oneof (bash, sh)", name("bash"), true},
      {"proc.name endswith allof (sh, h)", name("bash"), true},
      {"proc.name endswith allof (sh, x)", name("bash"), false},
      {"proc.name contains anyof (zz, as)", name("bash"), true},
      {"proc.name icontains anyof (ZZ, AS)", name("bash"), true},
      {"proc.name glob anyof (z*, b*)", name("bash"), true},
      // exists.
      {"proc.name exists", name(""), true},
      {"proc.name exists", none, false},
      // numbers: signed, unsigned, -1 wrap, in.
      {"fd.num = -1", num(FieldId::FD_NUM, -1), true},
      {"fd.num < 0", num(FieldId::FD_NUM, -1), true},
      {"fd.num >= 0", num(FieldId::FD_NUM, -1), false},
      {"fd.num in (1, 2, 3)", num(FieldId::FD_NUM, 2), true},
      {"fd.num != 3", none, false},
      {"user.uid = 0", unum(FieldId::USER_UID, 0), true},
      {"user.uid > 999", unum(FieldId::USER_UID, 1000), true},
      {"user.uid = -1", unum(FieldId::USER_UID, 4294967295u), true},
      {"fd.sport = 22", unum(FieldId::FD_SPORT, 22), true},
      {"fd.sport in (80, 443)", unum(FieldId::FD_SPORT, 443), true},
      // booleans.
      {"evt.is_open_write = true", [](MemEvent& e) { e.set_bool(FieldId::EVT_IS_OPEN_WRITE, true); }, true},
      {"evt.is_open_write = false", [](MemEvent& e) { e.set_bool(FieldId::EVT_IS_OPEN_WRITE, true); }, false},
      {"evt.is_open_write != true", none, false},
      // IPv4 / IPv6 addresses and networks; either-endpoint fields.
      {"fd.sip = 10.0.0.1", [&](MemEvent& e) { ip(e, FieldId::FD_SIP, "10.0.0.1"); }, true},
      {"fd.sip = ::1", [&](MemEvent& e) { ip(e, FieldId::FD_SIP, "::1"); }, true},
      {"fd.sip = 2001:db8::1", [&](MemEvent& e) { ip(e, FieldId::FD_SIP, "2001:db8:0::1"); }, true},
      {"fd.sip = 10.0.0.1", [&](MemEvent& e) { ip(e, FieldId::FD_SIP, "::1"); }, false},
      {"fd.sip != 10.0.0.1", [&](MemEvent& e) { ip(e, FieldId::FD_SIP, "10.0.0.2"); }, true},
      {"fd.sip in (10.0.0.1, ::1)", [&](MemEvent& e) { ip(e, FieldId::FD_SIP, "::1"); }, true},
      {"fd.ip = 10.0.0.1", [&](MemEvent& e) {
         ip(e, FieldId::FD_CIP, "10.0.0.1");
         ip(e, FieldId::FD_SIP, "10.0.0.2");
       }, true},
      {"fd.snet = 10.0.0.0/8", [&](MemEvent& e) { ip(e, FieldId::FD_SNET, "10.1.2.3"); }, true},
      {"fd.snet = 10.0.0.0/8", [&](MemEvent& e) { ip(e, FieldId::FD_SNET, "11.1.2.3"); }, false},
      {"fd.snet = 2001:db8::/32", [&](MemEvent& e) { ip(e, FieldId::FD_SNET, "2001:db8::5"); }, true},
      {"fd.snet in (192.168.0.0/16, 10.0.0.0/8)", [&](MemEvent& e) { ip(e, FieldId::FD_SNET, "10.9.9.9"); }, true},
      {"fd.net = 127.0.0.0/8", [&](MemEvent& e) { ip(e, FieldId::FD_CNET, "127.0.0.1"); }, true},
      // list fields.
      {"fd.types in (file, ipv4)", [](MemEvent& e) { e.set_list(FieldId::FD_TYPES, {"file", "ipv4"}); }, true},
      {"fd.types in (file)", [](MemEvent& e) { e.set_list(FieldId::FD_TYPES, {"file", "ipv4"}); }, false},
      {"fd.types intersects (file)", [](MemEvent& e) { e.set_list(FieldId::FD_TYPES, {"file", "ipv4"}); }, true},
      {"fd.types in (file)", [](MemEvent& e) { e.set_list(FieldId::FD_TYPES, {}); }, true},
      // byte buffers.
      {"evt.buffer contains hello", [](MemEvent& e) { e.set_bytes(FieldId::EVT_BUFFER, "say hello"); }, true},
      {"evt.buffer bcontains cafebabe", [](MemEvent& e) { e.set_bytes(FieldId::EVT_BUFFER, std::string("\x00\xca\xfe\xba\xbe", 5)); }, true},
      {"evt.buffer bstartswith 00ca", [](MemEvent& e) { e.set_bytes(FieldId::EVT_BUFFER, std::string("\x00\xca\xfe", 3)); }, true},
      {"evt.buffer bstartswith ca", [](MemEvent& e) { e.set_bytes(FieldId::EVT_BUFFER, std::string("\x00\xca\xfe", 3)); }, false},
      // transformers and field-to-field comparisons.
      {"tolower(proc.name) = bash", name("BaSh"), true},
      {"toupper(proc.name) = BASH", name("bash"), true},
      {"basename(fd.name) = passwd", path("/etc/passwd"), true},
      {"len(fd.name) = 11", path("/etc/passwd"), true},
      {"len(fd.name) > 99999", path(kHuge), true},
      {"b64(proc.name) = bash", name("YmFzaA=="), true},
      {"b64(proc.name) = bash", name("not base64!"), false},
      {"proc.name = val(proc.pname)", [](MemEvent& e) {
         e.set_str(FieldId::PROC_NAME, "x");
         e.set_str(FieldId::PROC_PNAME, "x");
       }, true},
      {"proc.name = val(proc.pname)", name("x"), false},
      {"tolower(proc.name) = tolower(proc.pname)", [](MemEvent& e) {
         e.set_str(FieldId::PROC_NAME, "X");
         e.set_str(FieldId::PROC_PNAME, "x");
       }, true},
      {"concat(proc.name, \"/\", proc.pname) = a/b", [](MemEvent& e) {
         e.set_str(FieldId::PROC_NAME, "a");
         e.set_str(FieldId::PROC_PNAME, "b");
       }, true},
      {"getopt(proc.cmdline, \"c:\")[c] = ls", [](MemEvent& e) { e.set_str(FieldId::PROC_CMDLINE, "sh -c ls"); }, true},
      // ancestors: without index any ancestor, with index that one.
      {"proc.aname = sshd", [](MemEvent& e) {
         e.set_str(FieldId::PROC_ANAME, "bash", 1);
         e.set_str(FieldId::PROC_ANAME, "sshd", 2);
       }, true},
      {"proc.aname[1] = sshd", [](MemEvent& e) {
         e.set_str(FieldId::PROC_ANAME, "bash", 1);
         e.set_str(FieldId::PROC_ANAME, "sshd", 2);
       }, false},
      {"proc.aname != bash", [](MemEvent& e) { e.set_str(FieldId::PROC_ANAME, "bash", 1); }, false},
      {"proc.aname in (sshd, init)", none, false},
      // keyed fields.
      {"proc.env[HOME] = /root", [](MemEvent& e) { e.set_str(FieldId::PROC_ENV, "/root", -1, "HOME"); }, true},
      {"proc.env[HOME] = /root", [](MemEvent& e) { e.set_str(FieldId::PROC_ENV, "/root", -1, "PATH"); }, false},
      // Missing-field shortcuts (vm/insn.h): a missing slot skips the tests of the same slot
      // its false edges lead to, and nothing else (negations, other fields, and/or mixes).
      {"fd.name contains /.ssh/ or fd.name startswith /etc/ or proc.name = curl", name("curl"),
       true},
      {"fd.name contains /.ssh/ or fd.name startswith /etc/ or proc.name = curl", name("sh"),
       false},
      {"not (fd.name startswith /a or fd.name endswith b) and proc.name = curl", name("curl"),
       true},
      {"fd.name startswith /a or not fd.name contains b", none, true},
      {"fd.name startswith /a or not fd.name contains b or fd.name = c", none, true},
      {"(fd.name startswith /a or fd.name contains b) and proc.name = curl", name("curl"), false},
      {"fd.name exists or fd.name = x or not fd.name = y", none, true},
      {"fd.name exists or fd.name = x or fd.name != y", none, false},
      {"fd.name != x and fd.name != y or proc.name = curl", name("curl"), true},
      {"fd.name != x and fd.name != y or proc.name = curl", path("z"), true},
      // evt.type by name (including a syscall without a dedicated event).
      {"evt.type = open", [](MemEvent& e) { e.type = 3; }, true},
      {"evt.type in (openat, connect)", [](MemEvent& e) { e.type = 3; }, false},
      {"evt.type != open", [](MemEvent& e) { e.type = 3; }, false},
  };
}

TEST(Operators, EveryOperatorAndTypeOnVmAndReference) {
  std::vector<Row> rs = rows();
  std::string yaml;
  for (size_t i = 0; i < rs.size(); i++) {
    std::string c = rs[i].cond;
    std::string q;
    for (char ch : c) {
      if (ch == '"' || ch == '\\') q += '\\';
      q += ch;
    }
    yaml += "- rule: r" + std::to_string(i) + "\n  desc: d\n  condition: \"" + q +
            "\"\n  output: o\n  priority: INFO\n  warn_evttypes: false\n";
  }
  CompileOutput out = compile_rules({RulesSource{"ops.yaml", yaml, false}});
  ASSERT_TRUE(out.ok) << (out.files[0].result.errors.empty()
                              ? out.error
                              : out.files[0].result.errors[0].message + " in " +
                                    out.files[0].result.errors[0].context[1].item_name);
  std::string err;
  auto lp = vm::LoadedProgram::load(out.program, err);
  ASSERT_TRUE(lp) << err;
  vm::Vm machine(lp);
  for (size_t i = 0; i < rs.size(); i++) {
    MemEvent ev;
    rs[i].setup(ev);
    machine.begin_event(ev);
    const CompiledRule& rule = out.ruleset->rules[i];
    EXPECT_EQ(ref_eval(rule.root, ev), rs[i].expect) << "reference: " << rs[i].cond;
    if (rule.evttypes.test(ev.index_code()))
      EXPECT_EQ(machine.run_rule(static_cast<uint32_t>(i)), rs[i].expect) << "vm: " << rs[i].cond;
    else
      EXPECT_FALSE(rs[i].expect) << "rule not indexed for the event: " << rs[i].cond;
  }
}

// The dispatch code's missing-field shortcut (vm/insn.h): from the first test of fd.name in an
// `or` of three fd.name tests, a missing fd.name goes straight to the rule's no-match RET; a
// test of another field in between ends the chain at that test.
TEST(Operators, MissingFieldShortcutSkipsTheSameSlotsTests) {
  const std::string yaml =
      "- rule: chain\n  desc: d\n  condition: fd.name startswith /a or fd.name contains b or "
      "fd.name endswith c\n  output: o\n  priority: INFO\n  warn_evttypes: false\n"
      "- rule: broken\n  desc: d\n  condition: fd.name startswith /a or fd.name contains b or "
      "proc.name = x or fd.name endswith c\n  output: o\n  priority: INFO\n"
      "  warn_evttypes: false\n";
  LowerOptions opts;
  opts.reorder = false;  // keep the source order, so the chain is known
  CompileOutput out = compile_rules({RulesSource{"chain.yaml", yaml, false}}, {}, opts);
  ASSERT_TRUE(out.ok) << out.error;
  std::string err;
  auto lp = vm::LoadedProgram::load(out.program, err);
  ASSERT_TRUE(lp) << err;
  const std::vector<vm::Insn>& code = lp->program().code;
  const vm::Insn* dcode = lp->dispatch_code();
  auto landing = [&](uint32_t rule) {
    const uint32_t pc = lp->program().rules[rule].entry;
    EXPECT_NE(dcode[pc + 1].b(), 0u);
    return pc + dcode[pc + 1].b();
  };
  const uint32_t to = landing(0);
  EXPECT_EQ(code[to].op(), vm::Op::RET);
  EXPECT_EQ(code[to].a(), 0u);
  const uint32_t mid = landing(1);
  EXPECT_EQ(code[mid].op(), vm::Op::STR_EQ);
  // The program's own code is untouched: JMPs carry no b.
  for (const vm::Insn& in : code)
    if (in.op() == vm::Op::JMP) EXPECT_EQ(in.b(), 0u);
  vm::Vm machine(lp);
  MemEvent ev;
  ev.set_str(FieldId::PROC_NAME, "x");
  machine.begin_event(ev);
  EXPECT_FALSE(machine.run_rule(0));
  EXPECT_TRUE(machine.run_rule(1));
}

// contains/icontains scan 16 positions at a time and then byte by byte: a needle placed at
// every position of haystacks around the block sizes (and near misses that share its first and
// last bytes, and case-swapped copies) must give what std::string_view::find gives.
TEST(Operators, SubstringSearchAtEveryPositionAndLength) {
  const std::vector<std::string> needles = {"q", "qz", "q/z", "qAbz", "q0123456789abcdz",
                                            "q0123456789abcdEz", "@x`"};
  std::string yaml;
  for (size_t i = 0; i < needles.size(); i++)
    for (const char* op : {"contains", "icontains"})
      yaml += "- rule: r" + std::to_string(yaml.size()) + "\n  desc: d\n  condition: fd.name " + op +
              " \"" + needles[i] + "\"\n  output: o\n  priority: INFO\n  warn_evttypes: false\n";
  CompileOutput out = compile_rules({RulesSource{"scan.yaml", yaml, false}});
  ASSERT_TRUE(out.ok) << out.error;
  std::string err;
  auto lp = vm::LoadedProgram::load(out.program, err);
  ASSERT_TRUE(lp) << err;
  vm::Vm machine(lp);
  auto lower = [](std::string s) {
    for (char& c : s) c = vm::ascii_lower(c);
    return s;
  };
  auto swap_case = [](std::string s) {
    for (char& c : s)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      else if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return s;
  };
  size_t checked = 0;
  for (size_t i = 0; i < needles.size(); i++) {
    const std::string& nd = needles[i];
    std::string miss = nd;
    if (miss.size() >= 3) miss[miss.size() / 2] = '#';  // first and last bytes agree, middle not
    for (size_t n = 0; n <= 70; n++)
      for (size_t at = 0; at <= n; at++)
        for (const std::string& put : {nd, swap_case(nd), miss}) {
          std::string hay(n, '/');
          if (at + put.size() <= n) hay.replace(at, put.size(), put);
          MemEvent ev;
          ev.set_str(FieldId::FD_NAME, hay);
          machine.begin_event(ev);
          const bool want = hay.find(nd) != std::string::npos;
          const bool want_i = lower(hay).find(lower(nd)) != std::string::npos;
          EXPECT_EQ(machine.run_rule(static_cast<uint32_t>(2 * i)), want)
              << "contains \"" << nd << "\" in \"" << hay << "\"";
          EXPECT_EQ(machine.run_rule(static_cast<uint32_t>(2 * i + 1)), want_i)
              << "icontains \"" << nd << "\" in \"" << hay << "\"";
          checked++;
        }
  }
  EXPECT_GT(checked, 10000u);
}

}  // namespace
}  // namespace pg
