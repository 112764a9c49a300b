// compiler/fast_lex.h: the hand-written lexer is an exact twin of ANTLR's FilterLexer. For
// every input, fast_lex succeeds exactly when the ANTLR lexer does, and then with the same
// tokens (type, start, stop). Inputs: every string of the official rulesets, of the default
// rules and of the test case files (conditions, outputs, names: any text is a fair input),
// the macro-expanded filter text of every official rule, and 100,000 strings of seeded random
// token soup built to hit the lexer's modes, ties and edge cases.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "compiler/ast.h"
#include "compiler/compiler.h"
#include "compiler/fast_lex.h"
#include "rules/default_rules.h"
#include "tests/support/paths.h"

namespace pg {
namespace {

std::string show(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string show(const std::vector<LexToken>& toks) {
  std::string out;
  for (const LexToken& t : toks)
    out += "(" + std::to_string(static_cast<long long>(t.type)) + " " + std::to_string(t.start) +
           ".." + std::to_string(static_cast<long long>(t.stop)) + ") ";
  return out;
}

struct Tally {
  size_t inputs = 0;
  size_t lexed = 0;  // both lexers succeeded
};

// Compares the two lexers on `s`; returns false (after a test failure) when they differ.
bool same(std::string_view s, Tally& tally) {
  std::vector<LexToken> fast, slow;
  bool f = fast_lex(s, fast);
  bool a = antlr_lex(s, slow);
  tally.inputs++;
  EXPECT_EQ(f, a) << "fast_lex " << (f ? "accepts" : "rejects") << " what ANTLR "
                  << (a ? "accepts" : "rejects") << ": \"" << show(s) << "\"";
  if (f != a) return false;
  if (!f) return true;
  tally.lexed++;
  EXPECT_EQ(show(fast), show(slow)) << "tokens differ for \"" << show(s) << "\"";
  return fast == slow;
}

void collect_strings(const YAML::Node& n, std::vector<std::string>& out) {
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const YAML::Node& c : n) collect_strings(c, out);
  } else if (n.IsMap()) {
    for (const auto& kv : n) {
      collect_strings(kv.first, out);
      collect_strings(kv.second, out);
    }
  }
}

std::vector<std::string> strings_of_file(const std::string& path) {
  std::vector<std::string> out;
  try {
    for (const YAML::Node& doc : YAML::LoadAllFromFile(path)) collect_strings(doc, out);
  } catch (const std::exception&) {
    // Malformed case files are there on purpose; their strings are not needed.
  }
  return out;
}

TEST(FastLex, OfficialRulesetsTokenForToken) {
  PG_REQUIRE_SHARED("falco-rules");
  std::string d = test::shared_dir() + "/falco-rules/";
  std::vector<RulesSource> sources;
  Tally tally;
  for (const char* f :
       {"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"}) {
    for (const std::string& s : strings_of_file(d + f))
      if (!same(s, tally)) return;
    sources.push_back({d + f, "", true});
  }
  // Every condition and macro body is lexed without errors, so these are all positive cases.
  EXPECT_GT(tally.lexed, 1000u);
  // The fully expanded conditions, as `peregrinec expand` prints them.
  CompileOutput out = compile_rules(sources);
  ASSERT_TRUE(out.ok);
  size_t expanded = 0;
  for (const CompiledRule& r : out.ruleset->rules) {
    std::string text = ast::to_filter_text(r.root);
    size_t lexed = tally.lexed;
    if (!same(text, tally)) return;
    EXPECT_EQ(tally.lexed, lexed + 1) << r.name << ": the expanded condition does not lex";
    expanded++;
  }
  EXPECT_GT(expanded, 80u);
}

TEST(FastLex, DefaultRulesAndCaseFiles) {
  Tally tally;
  YAML::Node rules = YAML::Load(std::string(kDefaultRules));
  std::vector<std::string> strings;
  collect_strings(rules, strings);
  for (const std::string& s : strings)
    if (!same(s, tally)) return;
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(test::source_dir() +
                                                                     "/tests/cases")) {
    if (e.path().extension() != ".yaml") continue;
    files++;
    for (const std::string& s : strings_of_file(e.path().string()))
      if (!same(s, tally)) return;
  }
  EXPECT_GT(files, 200u);
  // The case files hold many deliberately broken conditions: both verdicts occur.
  EXPECT_GT(tally.lexed, 1000u);
  EXPECT_GT(tally.inputs - tally.lexed, 100u);
}

TEST(FastLex, RandomTokenSoup) {
  static const char* const kFragments[] = {
      "and", "or", "not", "not ", "not(", "andx", "and.y", "or_", "nothing", " ", "  ", "\t",
      "\b", "\n", "\r", "\f", "\v", "(", ")", ",", "proc.name", "fd.name", "evt.arg[0]",
      "proc.aname[2]", "proc.env[HOME]", "a.b[\"x y\"]", "a.b['q']", "x.y[a\\b]", "x.y[\\a]",
      "x.y[]", "x.y[", "x", "abc", "a_1", "A9", ".", "[", "]", "[1]", "[\"k\"]", "=", "==",
      "!=", "<", "<=", ">", ">=", "!", "contains", "contains ", "icontains ", "bcontains ",
      "startswith ", "bstartswith ", "endswith ", "glob ", "iglob ", "regex ", "in", "in ",
      "intersects", "intersect", "pmatch", "exists", "oneof", "anyof", "allof", "oneof(",
      "val(", "val", "tolower(", "toupper(", "b64(", "basename(", "len(", "join(", "concat(",
      "getopt(", "tolower", "\"", "'", "\\", "\\\\", "\"a b\"", "'q'", "\"\\\"\"", "\"x\\\\\"",
      "'\\''", "0", "12", "0x1f", "0X", "1.5", "1.", "-3", "+4", "+", "-", "1e+5", "1e5", "2E-",
      "e", "\x01", "\x01" "1\x01", "\x01" "12\x01" "x", "/etc/", "/usr/bin/*", "*", "?", "\f",
      "\xff", "\xc3\xa9", "x.y.z", "a.", "_a", "9a", "#", "%",
      ":", "=>", "==>", "<>",
  };
  constexpr size_t kCount = sizeof kFragments / sizeof kFragments[0];
  std::mt19937_64 rng(20261129);
  Tally tally;
  for (int i = 0; i < 100000; i++) {
    std::string s;
    size_t n = 1 + rng() % 12;
    for (size_t k = 0; k < n; k++) {
      size_t f = rng() % (kCount + 1);
      if (f == kCount) {
        s.push_back('\0');  // the fragment table cannot hold an embedded NUL
      } else {
        s += kFragments[f];
      }
      if (rng() % 3 == 0) s.push_back(' ');
    }
    if (!same(s, tally)) {
      ADD_FAILURE() << "soup #" << i;
      return;
    }
  }
  // The soup reaches both verdicts often enough to mean something.
  EXPECT_GT(tally.lexed, 10000u);
  EXPECT_GT(tally.inputs - tally.lexed, 10000u);
}

}  // namespace
}  // namespace pg
