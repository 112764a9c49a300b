// Program artifacts and the verifier: round trips, truncation at every length, every single
// byte flipped, wrong versions, and hand-made unsafe programs (with valid checksums) that the
// verifier must reject.
#include <gtest/gtest.h>

#include <xxhash.h>

#include <cstring>

#include "compiler/compiler.h"
#include "tests/support/paths.h"
#include "vm/disasm.h"
#include "vm/verify.h"

namespace pg {
namespace {

vm::Program sample_program() {
  const char* yaml = R"(
- list: shells
  items: [bash, sh, zsh]
- macro: spawned
  condition: evt.type = execve and evt.dir = <
- rule: shell
  desc: d
  condition: spawned and proc.name in (shells) and not proc.pname in (sshd)
  output: "shell %proc.name"
  priority: WARNING
  tags: [a, b]
- rule: etc
  desc: d
  condition: evt.type in (open, openat) and fd.name pmatch (/etc) and fd.sip = 10.0.0.1 and tolower(proc.name) glob "b*"
  output: "etc %fd.name"
  priority: ERROR
- rule: other
  desc: d
  condition: spawned and proc.name startswith anyof (py, pe) and fd.num >= 3
  output: o
  priority: INFO
)";
  CompileOutput out = compile_rules({RulesSource{"sample.yaml", yaml, false}});
  EXPECT_TRUE(out.ok);
  return out.program;
}

// Re-frames a payload with a correct checksum, so only the verifier stands between a tampered
// program and the interpreter.
std::string reframe(const vm::Program& p) { return vm::serialize(p); }

TEST(Artifact, RoundTrip) {
  vm::Program p = sample_program();
  std::string bytes = vm::serialize(p);
  vm::Program q;
  std::string err;
  ASSERT_TRUE(vm::deserialize(bytes, q, err)) << err;
  EXPECT_EQ(vm::serialize(q), bytes);
  EXPECT_EQ(vm::disassemble(q), vm::disassemble(p));
  ASSERT_TRUE(vm::LoadedProgram::load(q, err)) << err;
}

TEST(Artifact, TruncatedAtEveryLengthIsRejected) {
  std::string bytes = vm::serialize(sample_program());
  for (size_t n = 0; n < bytes.size(); n++) {
    vm::Program q;
    std::string err;
    EXPECT_FALSE(vm::deserialize(std::string_view(bytes).substr(0, n), q, err)) << n;
    EXPECT_FALSE(err.empty());
  }
}

TEST(Artifact, EveryFlippedByteIsRejected) {
  std::string bytes = vm::serialize(sample_program());
  for (size_t i = 0; i < bytes.size(); i++) {
    std::string t = bytes;
    t[i] ^= 0x5a;
    vm::Program q;
    std::string err;
    bool ok = vm::deserialize(t, q, err);
    // The only bytes whose change can pass are inside the compiler-version text.
    if (ok) {
      EXPECT_GE(i, 10u);
      EXPECT_LT(i, 10 + q.compiler_version.size());
    }
  }
}

TEST(Artifact, ClearErrors) {
  std::string bytes = vm::serialize(sample_program());
  vm::Program q;
  std::string err;
  EXPECT_FALSE(vm::deserialize("", q, err));
  EXPECT_NE(err.find("only 0 bytes"), std::string::npos) << err;
  std::string bad = bytes;
  bad[0] = 'X';
  EXPECT_FALSE(vm::deserialize(bad, q, err));
  EXPECT_NE(err.find("bad magic"), std::string::npos) << err;
  bad = bytes;
  bad[4] = 99;
  EXPECT_FALSE(vm::deserialize(bad, q, err));
  EXPECT_NE(err.find("format version 99"), std::string::npos) << err;
  bad = bytes;
  bad[bytes.size() - 1] ^= 1;
  EXPECT_FALSE(vm::deserialize(bad, q, err));
  EXPECT_NE(err.find("checksum"), std::string::npos) << err;
  EXPECT_FALSE(vm::deserialize(bytes.substr(0, bytes.size() - 3), q, err));
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
}

// Each mutation makes a checksum-valid but unsafe program; the verifier must say no.
TEST(Verifier, RejectsUnsafePrograms) {
  vm::Program base = sample_program();
  std::string err;
  ASSERT_TRUE(vm::verify(base, err)) << err;
  using vm::Insn;
  using vm::Op;
  auto first = [&](Op op) -> uint32_t {
    for (uint32_t i = 0; i < base.code.size(); i++)
      if (base.code[i].op() == op) return i;
    ADD_FAILURE() << "no such op";
    return 0;
  };
  struct Mut {
    const char* what;
    std::function<void(vm::Program&)> f;
  };
  std::vector<Mut> muts = {
      {"unknown opcode", [&](vm::Program& p) { p.code[0] = Insn::make(static_cast<Op>(250), 0, 0, 0); }},
      {"pseudo op", [&](vm::Program& p) { p.code[0] = Insn::make(Op::LABEL, 0, 0, 0); }},
      {"jump past the block", [&](vm::Program& p) { p.code[first(Op::JMP)].set_c(100000); }},
      {"test without a jump", [&](vm::Program& p) {
         uint32_t j = first(Op::JMP);
         p.code[j] = Insn::make(Op::RET, 0, 0, 0);
       }},
      {"slot out of range", [&](vm::Program& p) {
         for (Insn& in : p.code)
           if (in.op() == Op::STR_IN) in = Insn::make(Op::STR_IN, in.a(), 60000, in.c());
       }},
      {"set out of range", [&](vm::Program& p) {
         for (Insn& in : p.code)
           if (in.op() == Op::STR_IN) in = Insn::make(Op::STR_IN, in.a(), in.b(), 9999);
       }},
      {"set of the wrong kind", [&](vm::Program& p) {
         for (vm::SetDef& s : p.sets) s.kind = vm::SetDef::Kind::kPrefix;
       }},
      {"no final RET", [&](vm::Program& p) {
         p.code.back() = Insn::make(Op::JMP, 0, 0, 0);
       }},
      {"rule block out of range", [&](vm::Program& p) { p.rules[0].end = 1000000; }},
      {"overlapping blocks", [&](vm::Program& p) { p.rules[1].entry = p.rules[0].entry; }},
      {"call of an unknown macro", [&](vm::Program& p) {
         for (Insn& in : p.code)
           if (in.op() == Op::CALL) in.set_c(77);
       }},
      {"slot names an unknown field", [&](vm::Program& p) {
         p.slots[0].field = static_cast<FieldId>(60000);
       }},
      {"transformer argument is not a lower slot", [&](vm::Program& p) {
         for (size_t i = 0; i < p.slots.size(); i++)
           if (p.slots[i].kind == vm::SlotDef::Kind::kXform) p.slots[i].args[0] = static_cast<uint32_t>(i);
       }},
      {"string pool index out of range", [&](vm::Program& p) { p.sets[0].members[0] = 999999; }},
      // Found by fuzz_artifact: a key on a transformer slot was not range-checked.
      {"key of a transformer slot out of range", [&](vm::Program& p) {
         for (vm::SlotDef& s : p.slots)
           if (s.kind == vm::SlotDef::Kind::kXform) {
             s.has_key = true;
             s.key = 999999;
           }
       }},
      {"event index names an unknown rule", [&](vm::Program& p) { p.by_event[3].push_back(99); }},
      {"bad priority", [&](vm::Program& p) { p.rules[0].priority = 9; }},
  };
  for (const Mut& m : muts) {
    vm::Program p = base;
    m.f(p);
    std::string bytes = reframe(p);
    vm::Program q;
    bool parsed = vm::deserialize(bytes, q, err);
    if (parsed) {
      EXPECT_FALSE(vm::LoadedProgram::load(q, err)) << "verifier accepted: " << m.what;
      EXPECT_FALSE(err.empty()) << m.what;
    }
  }
}

TEST(Verifier, MacroCallsMustGoToLowerMacros) {
  // Two shared macros; make the first call the second.
  const char* yaml = R"(
- macro: a
  condition: proc.name = x and fd.num > 3
- macro: b
  condition: a and proc.pname = y and fd.name = z
- rule: r1
  desc: d
  condition: b and evt.type = open
  output: o
  priority: INFO
- rule: r2
  desc: d
  condition: b and a and evt.type = openat
  output: o
  priority: INFO
)";
  CompileOutput out = compile_rules({RulesSource{"m.yaml", yaml, false}});
  ASSERT_TRUE(out.ok);
  ASSERT_GE(out.program.macros.size(), 2u);
  std::string err;
  ASSERT_TRUE(vm::verify(out.program, err)) << err;
  vm::Program p = out.program;
  // Insert a call from macro 0 to macro 1 by retargeting any test of macro 0.
  for (uint32_t pc = p.macros[0].entry; pc < p.macros[0].end; pc++) {
    vm::OpInfo const* oi = vm::op_info(static_cast<uint8_t>(p.code[pc].op()));
    if (oi && (oi->flags & vm::TEST)) {
      p.code[pc] = vm::Insn::make(vm::Op::CALL, p.code[pc].a(), 0, 1);
      break;
    }
  }
  EXPECT_FALSE(vm::verify(p, err));
  EXPECT_NE(err.find("lower index"), std::string::npos) << err;
}

TEST(Artifact, OfficialRulesFitTheBudget) {
  PG_REQUIRE_SHARED("falco-rules");
  std::string dir = test::shared_dir() + "/falco-rules/";
  CompileOutput out = compile_rules({{dir + "falco_rules.yaml", "", true},
                                     {dir + "falco-incubating_rules.yaml", "", true},
                                     {dir + "falco-sandbox_rules.yaml", "", true}});
  ASSERT_TRUE(out.ok);
  std::string bytes = vm::serialize(out.program);
  EXPECT_LT(bytes.size(), 2u << 20);
  EXPECT_EQ(out.program.rules.size(), 93u);
  std::string err;
  EXPECT_TRUE(vm::LoadedProgram::load(out.program, err)) << err;
}

}  // namespace
}  // namespace pg
