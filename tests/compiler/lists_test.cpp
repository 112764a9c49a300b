// Tests for compiler/lists.{h,cpp}: Falco's text substitution of lists (LANGUAGE.md 1.4,
// gotcha 1), nested lists and visibility, unused lists, and the list-token optimisation, which
// must give the same AST as plain text substitution on the official rules files.
#include "compiler/lists.h"

#include <gtest/gtest.h>

#include "compiler/loader.h"
#include "compiler/parse.h"
#include "tests/support/paths.h"

namespace pg {
namespace {

// A collection read from YAML (lists only, or anything the test needs).
struct Lists {
  explicit Lists(std::string yaml) : file("lists.yaml", std::move(yaml)) {
    FileResult res;
    EXPECT_TRUE(read_rules_file(file, col, EngineInfo{}, LoaderOptions{}, res));
    EXPECT_TRUE(res.errors.empty());
  }
  std::string text(const std::string& cond, bool tokens = false) {
    ListTable t(col);
    return t.substitute(MappedText::identity(cond, &cfile, 0), tokens).text();
  }
  SourceFile file;
  SourceFile cfile{"cond", ""};
  Collection col;
};

const char* kLists = R"(
- list: shell
  items: [bash]
- list: two
  items: [bash, sh]
- list: none
  items: []
- list: spaced
  items: [my prog, '"q x"', "'s y'", plain]
- list: a
  items: [x, b]
- list: b
  items: [y]
- list: c
  items: [b, z]
- list: nested
  items: [two, shell, w]
)";

TEST(ListSubstitution, BoundedOccurrencesOnly) {
  Lists l(kLists);
  EXPECT_EQ(l.text("proc.name in (shell)"), "proc.name in ( bash )");
  EXPECT_EQ(l.text("proc.name in (shell, zsh)"), "proc.name in ( bash , zsh)");
  EXPECT_EQ(l.text("proc.name in (zsh,shell)"), "proc.name in (zsh, bash )");
  EXPECT_EQ(l.text("proc.name in (  shell  )"), "proc.name in ( bash )");
  EXPECT_EQ(l.text("proc.name=shell"), "proc.name= bash ");
  // Not bounded by blanks, ( ) , = or the ends: left alone.
  EXPECT_EQ(l.text("proc.name in (shellx, xshell, shell.x, /shell, \"shell\")"),
            "proc.name in (shellx, xshell, shell.x, /shell, \"shell\")");
  EXPECT_EQ(l.text("shell"), "bash ");
  EXPECT_EQ(l.text("proc.name in (shell,shell)"), "proc.name in ( bash , bash )");
}

TEST(ListSubstitution, BareWordsAnywhereAreReplaced) {
  Lists l(kLists);
  // Gotcha 1: a word inside a quoted string, bounded by spaces, is replaced too.
  EXPECT_EQ(l.text("proc.cmdline contains \"run shell now\""),
            "proc.cmdline contains \"run bash now\"");
  // And a value in `=`.
  EXPECT_EQ(l.text("proc.name = shell"), "proc.name = bash ");
  // `in name` without parentheses expands without them: fine for one item only.
  EXPECT_EQ(l.text("proc.name in two"), "proc.name in bash, sh ");
}

TEST(ListSubstitution, EmptyListRemovesOneComma) {
  Lists l(kLists);
  EXPECT_EQ(l.text("proc.name in (none, bash)"), "proc.name in (   bash)");
  EXPECT_EQ(l.text("proc.name in (bash, none)"), "proc.name in (bash  )");
  EXPECT_EQ(l.text("proc.name in (bash, none, sh)"), "proc.name in (bash  , sh)");
  EXPECT_EQ(l.text("proc.name in (none)"), "proc.name in (  )");
}

TEST(ListSubstitution, QuotingOfItems) {
  Lists l(kLists);
  // Items with a space are wrapped in double quotes unless already quoted.
  EXPECT_EQ(l.text("proc.name in (spaced)"), "proc.name in ( \"my prog\", \"q x\", 's y', plain )");
}

TEST(ListSubstitution, NestedListsAndVisibility) {
  Lists l(kLists);
  // nested: [two, shell, w] names two lists defined before it: their items, once.
  EXPECT_EQ(l.text("proc.name in (nested)"), "proc.name in ( bash, sh, bash, w )");
  // a: [x, b] names b, which is defined after a: not expanded when a is compiled, but b's own
  // pass (lists are substituted in definition order) then replaces the word b.
  EXPECT_EQ(l.text("proc.name in (a)"), "proc.name in ( x, y )");
  EXPECT_EQ(l.text("proc.pname in (c)"), "proc.pname in ( y, z )");
}

TEST(ListSubstitution, RedefinitionMovesVisibility) {
  // Redefining `outer` after `inner` exists makes inner visible to it.
  Lists l(R"(
- list: outer
  items: [inner, b]
- list: inner
  items: [a]
- list: outer
  items: [inner, c]
- list: inner
  items: [z]
)");
  // outer (index 0, visibility 3) names inner (index 1 < 3): expanded with inner's items at
  // compile time... which are inner's final items (z).
  EXPECT_EQ(l.text("proc.name in (outer)"), "proc.name in ( z, c )");
}

TEST(ListSubstitution, UnusedLists) {
  Lists l(R"(
- list: used
  items: [a]
- list: inner
  items: [b]
- list: outer
  items: [inner]
- list: lonely
  items: [c]
)");
  ListTable t(l.col);
  SourceFile f("c", "");
  t.substitute(MappedText::identity("proc.name in (used)", &f, 0), false);
  std::vector<size_t> unused = t.unused();
  std::vector<std::string> names;
  for (size_t i : unused) names.push_back(l.col.lists[i].name);
  // inner is used through outer (a nested reference counts), outer and lonely are unused.
  EXPECT_EQ(names, (std::vector<std::string>{"outer", "lonely"}));
}

TEST(ListSubstitution, PositionsMapToTheListUse) {
  Lists l(kLists);
  ListTable t(l.col);
  SourceFile f("c", "0123456789proc.name in (two) and x");
  MappedText in = MappedText::identity(f.text().substr(10), &f, 10);
  MappedText out = t.substitute(in, false);
  ASSERT_EQ(out.text(), "proc.name in ( bash, sh ) and x");
  // The substituted bytes all map to the list name's position; the rest keeps its own.
  EXPECT_EQ(out.map(16).offset, 10u + 14u);
  EXPECT_EQ(out.map(0).offset, 10u);
  EXPECT_EQ(out.map(static_cast<uint32_t>(out.size()) - 1).offset, 10u + 23u);
}

TEST(ListTokens, SimpleListsBecomeOneToken) {
  Lists l(kLists);
  std::string t = l.text("proc.name in (two, x)", true);
  EXPECT_NE(t.find('\x01'), std::string::npos) << t;
  // An empty list is never a token; neither is a list holding a later list's name (a holds b:
  // a is substituted as text, then b, inside it, as a token).
  EXPECT_EQ(l.text("proc.name in (none, x)", true), l.text("proc.name in (none, x)", false));
  EXPECT_EQ(l.text("proc.name in (a)", true).rfind("proc.name in ( x, \x01", 0), 0u);
}

// ---- the optimisation against plain text substitution --------------------------------------

struct Dumps {
  std::vector<std::string> rules, macros;
  size_t warnings = 0, errors = 0;
};

Dumps load_dumps(const std::vector<std::string>& paths, bool tokens) {
  LoaderOptions lo;
  lo.list_tokens = tokens;
  Loader loader(EngineInfo{}, lo);
  Dumps d;
  for (const std::string& p : paths) {
    FileResult r = loader.load(p, test::read_text(p));
    d.warnings += r.warnings.size();
    d.errors += r.errors.size();
  }
  const CompiledRuleset* rs = loader.compiled();
  EXPECT_NE(rs, nullptr);
  if (!rs) return d;
  for (const CompiledRule& r : rs->rules) d.rules.push_back(r.name + ": " + ast::dump(r.root));
  for (const CompiledMacro& m : rs->macros) d.macros.push_back(m.name + ": " + ast::dump(m.root));
  return d;
}

class OfficialFiles : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(OfficialFiles, ListTokensGiveTheSameAstAsTextSubstitution) {
  PG_REQUIRE_SHARED("falco-rules");
  std::vector<std::string> paths;
  for (const std::string& f : GetParam()) paths.push_back(test::shared_dir() + "/falco-rules/" + f);
  Dumps text = load_dumps(paths, false);
  Dumps tokens = load_dumps(paths, true);
  EXPECT_EQ(text.errors, 0u);
  EXPECT_EQ(tokens.errors, text.errors);
  EXPECT_EQ(tokens.warnings, text.warnings);
  ASSERT_EQ(tokens.rules.size(), text.rules.size());
  ASSERT_EQ(tokens.macros.size(), text.macros.size());
  EXPECT_GT(text.rules.size(), 20u);
  for (size_t i = 0; i < text.rules.size(); i++) EXPECT_EQ(tokens.rules[i], text.rules[i]);
  for (size_t i = 0; i < text.macros.size(); i++) EXPECT_EQ(tokens.macros[i], text.macros[i]);
}

INSTANTIATE_TEST_SUITE_P(
    Lists, OfficialFiles,
    ::testing::ValuesIn(test::official_file_sets()),
    [](const ::testing::TestParamInfo<std::vector<std::string>>& info) {
      return test::official_set_name(info.param, "all_three");
    });

}  // namespace
}  // namespace pg
