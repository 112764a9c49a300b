// ast::to_filter_text (what `peregrinec expand` prints and what the benchmarks hand to sysdig
// and libsinsp): for every rule of the official rulesets and the default rules, the printed
// condition parses again and, from the second print on, prints identically (a fixpoint),
// and awkward values (quotes,
// backslashes, a trailing backslash, control characters, keywords) survive the round trip.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compiler/ast.h"
#include "compiler/compiler.h"
#include "rules/default_rules.h"
#include "tests/support/paths.h"

namespace pg {
namespace {

// Prints, re-parses and prints again, twice: returns the second text and sets `third`. The
// first print keeps the parentheses of expanded macros, which re-parsing drops, so the fixpoint
// is reached from the second print on.
std::string round_trip(const ast::Node* root, std::string* third, std::string* error) {
  std::string text = ast::to_filter_text(root);
  FilterOutput f = compile_filter(text);
  if (!f.ok) {
    *error = f.errors.empty() ? "compile failed" : f.errors[0].message;
    return text;
  }
  std::string second = ast::to_filter_text(f.ruleset->rules[0].root);
  FilterOutput g = compile_filter(second);
  if (!g.ok) {
    *error = g.errors.empty() ? "compile failed" : g.errors[0].message;
    return second;
  }
  *third = ast::to_filter_text(g.ruleset->rules[0].root);
  return second;
}

void check_rules(const std::vector<RulesSource>& sources) {
  CompileOutput out = compile_rules(sources);
  ASSERT_TRUE(out.ok);
  size_t n = 0;
  for (const CompiledRule& r : out.ruleset->rules) {
    std::string second, error;
    std::string text = round_trip(r.root, &second, &error);
    EXPECT_TRUE(error.empty()) << r.name << ": " << error << "\n  " << text;
    EXPECT_EQ(second, text) << r.name;
    n++;
  }
  EXPECT_GT(n, 0u);
}

TEST(FilterText, OfficialRulesAreAFixpoint) {
  PG_REQUIRE_SHARED("falco-rules");
  std::string d = test::shared_dir() + "/falco-rules/";
  check_rules({{d + "falco_rules.yaml", "", true},
               {d + "falco-incubating_rules.yaml", "", true},
               {d + "falco-sandbox_rules.yaml", "", true}});
}

TEST(FilterText, DefaultRulesAreAFixpoint) {
  check_rules({{kDefaultRulesName, std::string(kDefaultRules), false}});
}

TEST(FilterText, AwkwardValuesSurvive) {
  // Each condition is compiled, printed, compiled again: the values must be the same.
  const char* conds[] = {
      R"X(proc.args contains "\ ")X",             // a single backslash (gotcha 7)
      R"X(proc.args endswith \)X",                 // the same, bare
      R"X(proc.cmdline = "a\\b")X",                // a backslash inside
      R"X(proc.cmdline = "say \"hi\"")X",          // quotes
      R"X(proc.cmdline contains "x\ty\nz")X",      // control characters
      R"X(proc.name in ("and", "or", "not", "a b", "c,d", "(e)", "f=g"))X",
      R"X(fd.name = "")X",
  };
  for (const char* c : conds) {
    FilterOutput f = compile_filter(c);
    ASSERT_TRUE(f.ok) << c;
    std::string second, error;
    std::string text = round_trip(f.ruleset->rules[0].root, &second, &error);
    EXPECT_TRUE(error.empty()) << c << " -> " << text << ": " << error;
    EXPECT_EQ(second, text) << c;
  }
  // The printed form of a trailing backslash.
  FilterOutput f = compile_filter(R"X(proc.args endswith \)X");
  ASSERT_TRUE(f.ok);
  EXPECT_EQ(ast::to_filter_text(f.ruleset->rules[0].root), R"X(proc.args endswith "\ ")X");
}

}  // namespace
}  // namespace pg
