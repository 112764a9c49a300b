// The compile-then-run pipeline through the command line: `peregrinec compile` writes a .pgb,
// `peregrine run -r FILE.pgb` gives exactly the alerts of running the YAML, a bad ruleset never
// leaves an artifact behind, and a truncated or tampered artifact is refused with a clear
// message (exit status 1), never run. Also the other peregrinec verbs on real files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace pg::test {
namespace {

std::string peregrine() { return binary_dir() + "/capture/peregrine"; }

// Rules that fire on the shared captures, with macros, lists and an exception, so that the
// artifact carries every kind of table.
constexpr const char* kRules = R"YAML(
- list: viewers
  items: [cat, less]
- macro: opened
  condition: evt.type in (open, openat) and evt.rawres >= 0
- rule: viewer opens
  desc: d
  condition: opened and proc.name in (viewers) and not fd.name startswith /lib
  output: "viewer %proc.name opened %fd.name (pid=%proc.pid)"
  priority: WARNING
  tags: [filesystem]
  exceptions:
    - name: ld_cache
      fields: [fd.name]
      comps: [=]
      values: [[/etc/ld.so.cache]]
- rule: connects
  desc: d
  condition: evt.type = connect and fd.sip = 127.0.0.1
  output: "connect %fd.name by %proc.name"
  priority: NOTICE
)YAML";

std::string alerts_of(const std::string& rules, const std::string& cap) {
  RunResult r = run({peregrine(), "run", "-r", rules, "-e", cap});
  EXPECT_EQ(r.status, 0) << r.err;
  return r.out;
}

TEST(Pipeline, ArtifactGivesTheSameAlertsAsTheYaml) {
  PG_REQUIRE_SHARED("captures");
  TempDir dir;
  std::string yaml = dir.write("rules.yaml", kRules);
  std::string pgb = dir.path() + "/rules.pgb";
  RunResult c = run({peregrinec(), "compile", yaml, "-o", pgb});
  ASSERT_EQ(c.status, 0) << c.err;
  ASSERT_TRUE(std::filesystem::exists(pgb));
  size_t total = 0;
  for (const char* name : {"cat_write.scap", "connect_localhost.scap", "open-multiple-files.scap"}) {
    std::string cap = shared_dir() + "/captures/" + name;
    std::string from_yaml = alerts_of(yaml, cap), from_pgb = alerts_of(pgb, cap);
    EXPECT_EQ(from_yaml, from_pgb) << name;
    total += std::count(from_yaml.begin(), from_yaml.end(), '\n');
  }
  EXPECT_GT(total, 2u);  // the rules do fire, so the comparison means something
}

TEST(Pipeline, OfficialRulesCompileAndRunFromTheArtifact) {
  PG_REQUIRE_SHARED("falco-rules");
  PG_REQUIRE_SHARED("captures");
  TempDir dir;
  std::string pgb = dir.path() + "/falco.pgb";
  std::string rules = shared_dir() + "/falco-rules/falco_rules.yaml";
  RunResult c = run({peregrinec(), "compile", rules, "-o", pgb});
  ASSERT_EQ(c.status, 0) << c.err;
  std::string cap = shared_dir() + "/captures/run_as_user_0_container.scap";
  RunResult a = run({peregrine(), "run", "-r", rules, "-e", cap});
  RunResult b = run({peregrine(), "run", "-r", pgb, "-e", cap});
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  // The same events were evaluated (the summary lines match).
  EXPECT_EQ(a.err, b.err);
  EXPECT_NE(b.err.find("events=4143 drops=0"), std::string::npos) << b.err;
}

TEST(Pipeline, BadRulesLeaveNoArtifact) {
  TempDir dir;
  std::string bad = dir.write("bad.yaml", "- rule: x\n  condition: evt.type = \n");
  std::string pgb = dir.path() + "/out.pgb";
  RunResult r = run({peregrinec(), "compile", bad, "-o", pgb});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE((r.out + r.err).find("Item has no mapping for key 'output'"), std::string::npos)
      << r.out << r.err;
  EXPECT_FALSE(std::filesystem::exists(pgb));
  // A condition error: the position and Falco's message.
  std::string bad2 = dir.write("bad2.yaml",
                               "- rule: x\n  desc: d\n  condition: evt.type = open and\n"
                               "  output: o\n  priority: INFO\n");
  r = run({peregrinec(), "compile", bad2, "-o", pgb});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE((r.out + r.err).find("bad2.yaml:3:"), std::string::npos) << r.out << r.err;
  EXPECT_FALSE(std::filesystem::exists(pgb));
  // An existing artifact is not replaced by a failed compile.
  std::string good = dir.write("good.yaml", kRules);
  ASSERT_EQ(run({peregrinec(), "compile", good, "-o", pgb}).status, 0);
  std::string before = read_text(pgb);
  EXPECT_EQ(run({peregrinec(), "compile", bad, "-o", pgb}).status, 1);
  EXPECT_EQ(read_text(pgb), before);
  // The same bad rules in peregrine run: status 1, the diagnostic, no crash.
  r = run({peregrine(), "run", "-r", bad, "-e", "/dev/null"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("Item has no mapping for key 'output'"), std::string::npos) << r.err;
  // Usage errors.
  EXPECT_EQ(run({peregrinec(), "compile", good}).status, 2);
  EXPECT_EQ(run({peregrine(), "run", "--bogus"}).status, 2);
}

TEST(Pipeline, TamperedOrTruncatedArtifactsAreRefused) {
  PG_REQUIRE_SHARED("captures");
  TempDir dir;
  std::string yaml = dir.write("rules.yaml", kRules);
  std::string pgb = dir.path() + "/rules.pgb";
  ASSERT_EQ(run({peregrinec(), "compile", yaml, "-o", pgb}).status, 0);
  std::string bytes = read_text(pgb);
  ASSERT_GT(bytes.size(), 64u);
  std::string cap = shared_dir() + "/captures/cat_write.scap";
  // A byte flipped in the body (checksum), one in the header, and truncations.
  std::vector<std::pair<std::string, std::string>> variants;
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x40;
  variants.emplace_back("flipped.pgb", flipped);
  std::string header = bytes;
  header[5] ^= 0x01;
  variants.emplace_back("header.pgb", header);
  variants.emplace_back("truncated.pgb", bytes.substr(0, bytes.size() - 7));
  variants.emplace_back("magic-only.pgb", bytes.substr(0, 4));
  for (const auto& [name, content] : variants) {
    std::string p = dir.write(name, content);
    RunResult r = run({peregrine(), "run", "-r", p, "-e", cap});
    EXPECT_EQ(r.status, 1) << name;
    EXPECT_TRUE(r.out.empty()) << name << ": " << r.out;
    EXPECT_NE(r.err.find(p + ": "), std::string::npos) << name << ": " << r.err;
    RunResult d = run({peregrinec(), "disasm", p});
    EXPECT_EQ(d.status, 1) << name << ": " << d.out;
  }
}

TEST(Pipeline, DisasmExpandFieldsAndVersion) {
  TempDir dir;
  std::string yaml = dir.write("rules.yaml", kRules);
  std::string pgb = dir.path() + "/rules.pgb";
  ASSERT_EQ(run({peregrinec(), "compile", yaml, "-o", pgb}).status, 0);
  // disasm of the artifact and of the YAML list the same program.
  RunResult a = run({peregrinec(), "disasm", pgb});
  RunResult b = run({peregrinec(), "disasm", yaml});
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_NE(a.out.find("viewer opens"), std::string::npos) << a.out;
  RunResult one = run({peregrinec(), "disasm", pgb, "--rule", "connects"});
  EXPECT_EQ(one.status, 0);
  EXPECT_NE(one.out.find("connects"), std::string::npos);
  EXPECT_EQ(one.out.find("viewer opens"), std::string::npos) << one.out;
  // expand shows macros and lists inlined and the exception as a negated clause.
  RunResult e = run({peregrinec(), "expand", yaml, "--rule", "viewer opens"});
  EXPECT_EQ(e.status, 0) << e.err;
  EXPECT_NE(e.out.find("proc.name in (cat, less)"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("evt.type in (open, openat)"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("/etc/ld.so.cache"), std::string::npos) << e.out;
  // --or: every rule's condition OR'ed into one filter that peregrine trace accepts.
  RunResult o = run({peregrinec(), "expand", yaml, "--or"});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(std::count(o.out.begin(), o.out.end(), '\n'), 1) << o.out;
  EXPECT_EQ(o.out.rfind("((", 0), 0u) << o.out;
  EXPECT_NE(o.out.find(") or ((evt.type = connect"), std::string::npos) << o.out;
  std::string filter = o.out.substr(0, o.out.size() - 1);
  RunResult t = run({peregrine(), "trace", "-r", "/dev/null", filter});
  EXPECT_EQ(t.err.find("filter error"), std::string::npos) << t.err;
  RunResult f = run({peregrinec(), "fields"});
  EXPECT_EQ(f.status, 0);
  EXPECT_NE(f.out.find("proc.aname"), std::string::npos);
  RunResult fj = run({peregrinec(), "fields", "--json"});
  EXPECT_EQ(fj.status, 0);
  EXPECT_EQ(fj.out.front(), '[');
  RunResult v = run({peregrinec(), "version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.out.find("peregrinec"), std::string::npos) << v.out;
}

}  // namespace
}  // namespace pg::test
