// Hostile and huge input: every case must end in a clear diagnostic (exit 1 for the CLI) or load
// correctly, and never crash, hang or overflow the stack.
//
// The two big-input tests (a 1,000,000-item list and a 10 MB rules file) check that the input
// loads correctly, not how fast. They take a few seconds in a RelWithDebInfo build; under
// sanitizers their sizes shrink 10x, and PEREGRINE_SLOW_TESTS_OFF=1 skips them.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <random>

#include "compiler/loader.h"
#include "compiler/validate.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
    __has_feature(thread_sanitizer)
#define PG_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PG_TEST_SANITIZED 1
#endif

namespace pg {
namespace {

#ifdef PG_TEST_SANITIZED
constexpr size_t kScale = 10;
#else
constexpr size_t kScale = 1;
#endif

void skip_if_slow_tests_off() {
  const char* e = std::getenv("PEREGRINE_SLOW_TESTS_OFF");
  if (e && *e && std::string(e) != "0") GTEST_SKIP() << "PEREGRINE_SLOW_TESTS_OFF is set";
}

// Loads one text as a file, on a large stack like peregrinec does.
FileResult load(const std::string& text, LoaderOptions lo = {}) {
  FileResult r;
  run_with_large_stack([&] {
    Loader loader(EngineInfo{}, lo);
    r = loader.load("hostile.yaml", text);
  });
  EXPECT_EQ(r.successful, r.errors.empty());
  return r;
}

// The single error of a failed load.
const Diagnostic& only_error(const FileResult& r) {
  static Diagnostic none;
  EXPECT_EQ(r.errors.size(), 1u);
  return r.errors.empty() ? none : r.errors[0];
}

std::string rule(const std::string& cond) {
  return "- rule: r\n  desc: d\n  condition: " + cond + "\n  output: o\n  priority: INFO\n";
}

TEST(Robustness, MalformedYaml) {
  for (const char* text : {"- rule: [\n", "- a: b\n c: d\n", "{{{{", "- \"unterminated\n",
                           "- &a [*a]\n", "--- !\n...\n- x: *undefined\n",
                           "- a: b\n\t- c\n", "key: value: other\n"}) {
    FileResult r = load(text);
    ASSERT_FALSE(r.successful) << text;
    const Diagnostic& d = only_error(r);
    EXPECT_TRUE(d.code == DiagCode::LOAD_ERR_YAML_PARSE || d.code == DiagCode::LOAD_ERR_YAML_VALIDATE)
        << text << ": " << diag_code_name(d.code) << " " << d.message;
    EXPECT_FALSE(d.message.empty());
  }
}

// Billion laughs: nine levels of ten aliases each. Aliases are references, so whatever the
// placement the document is small, and nothing expands it.
std::string laughs(const std::string& indent) {
  std::string s = indent + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 9; i++) {
    s += indent + "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; k++) s += (k ? ", *a" : "*a") + std::to_string(i - 1);
    s += "]\n";
  }
  return s;
}

TEST(Robustness, AliasBombs) {
  // Under unknown keys of a rule: warnings, and the rule loads.
  std::string text = rule("evt.type = open") + laughs("  ");
  FileResult r = load(text);
  EXPECT_TRUE(r.successful);
  EXPECT_EQ(r.warnings.size(), 10u);  // one LOAD_UNKNOWN_KEY per key
  // As a list's items, an exception's values, a rule's tags, and the whole document.
  std::string bomb = "- unknown:\n" + laughs("    ");
  for (const std::string& use :
       {std::string("- list: l\n  items: *a9\n"),
        rule("evt.type = open") + "  exceptions:\n    - name: e\n      fields: [proc.name]\n"
                                  "      values: *a9\n",
        rule("evt.type = open") + "  tags: *a9\n", std::string("- rule: *a9\n")}) {
    FileResult b = load(bomb + use);
    ASSERT_FALSE(b.successful) << use;
    EXPECT_EQ(only_error(b).code, DiagCode::LOAD_ERR_YAML_VALIDATE) << only_error(b).message;
  }
  // A bomb as a document is not a sequence of maps.
  FileResult d = load(laughs("") + "");
  EXPECT_FALSE(d.successful);
  // The schema check (run by the loader) walks the bomb's items without expanding them.
  FileResult s = load(bomb + "- rule: r\n  priority: *a9\n  enabled: *a9\n  tags: *a9\n");
  EXPECT_FALSE(s.schema_valid);
}

TEST(Robustness, DeepParenthesesInACondition) {
  std::string cond = std::string(100000, '(') + "evt.type = open" + std::string(100000, ')');
  FileResult r = load(rule("'" + cond + "'"));
  ASSERT_FALSE(r.successful);
  EXPECT_EQ(only_error(r).code, DiagCode::LOAD_ERR_COMPILE_CONDITION);
  EXPECT_EQ(only_error(r).message, "exceeded max depth limit of 1000");
  // In a macro, too.
  r = load("- macro: m\n  condition: '" + cond + "'\n");
  EXPECT_EQ(only_error(r).message, "exceeded max depth limit of 1000");
  // 20,000 `not`s are not parentheses but nest just as deep.
  std::string nots;
  for (int i = 0; i < 20000; i++) nots += "not ";
  r = load(rule(nots + "evt.type = open"));
  EXPECT_FALSE(r.successful);
  EXPECT_NE(only_error(r).message.find("exceeded max depth limit"), std::string::npos)
      << only_error(r).message;
}

TEST(Robustness, DeepYamlFlowNesting) {
  for (const auto& [open, close] : {std::pair{'[', ']'}, std::pair{'{', '}'}}) {
    std::string text = "- rule: r\n  x: ";
    for (int i = 0; i < 100000; i++) text += open == '{' ? "{a: " : "[";
    text += "1";
    for (int i = 0; i < 100000; i++) text.push_back(close);
    text += "\n";
    FileResult r = load(text);
    ASSERT_FALSE(r.successful);
    EXPECT_EQ(only_error(r).code, DiagCode::LOAD_ERR_YAML_PARSE) << only_error(r).message;
  }
  // Block nesting too.
  std::string block = "-\n";
  for (int i = 1; i < 5000; i++) block += std::string(i, ' ') + "-\n";
  FileResult r = load(block);
  EXPECT_FALSE(r.successful);
}

TEST(Robustness, BinaryGarbage) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; round++) {
    size_t n = rng() % 2048;
    std::string text;
    for (size_t i = 0; i < n; i++) text.push_back(static_cast<char>(rng() & 0xff));
    FileResult r = load(text);
    if (!r.successful) {
      EXPECT_FALSE(r.errors[0].message.empty());
    }
  }
  // Garbage mutations of a real rules file (keeps more of the input structurally valid).
  std::string base = "- list: l\n  items: [a, b]\n- macro: m\n  condition: proc.name in (l)\n" +
                     rule("evt.type = open and m and fd.name startswith /etc");
  for (int round = 0; round < 500; round++) {
    std::string text = base;
    for (int k = 0; k < 3; k++) text[rng() % text.size()] = static_cast<char>(rng() & 0xff);
    load(text);
  }
}

TEST(Robustness, InvalidUtf8) {
  // In a value: it is just bytes.
  FileResult r = load(rule("\"evt.type = open and proc.name = \\xff\\xfe\""));
  EXPECT_TRUE(r.successful);
  r = load(rule("evt.type = open and proc.name = \xff\xfe\xc3("));
  EXPECT_FALSE(r.successful);
  // Raw invalid bytes in names and conditions.
  r = load("- macro: \xff\xfe\n  condition: evt.type = open\n");
  EXPECT_TRUE(r.successful);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_EQ(r.warnings[0].code, DiagCode::LOAD_INVALID_MACRO_NAME);
  r = load(rule("evt.type = open and \xc3\x28 = x"));
  ASSERT_FALSE(r.successful);
  EXPECT_EQ(only_error(r).code, DiagCode::LOAD_ERR_COMPILE_CONDITION);
  // The CLI renders them in both modes.
  test::TempDir tmp;
  std::string f = tmp.write("utf8.yaml", "- rule: \xff\n  desc: d\n  condition: \xfe\n  output: o\n"
                                         "  priority: INFO\n");
  EXPECT_EQ(test::run({test::peregrinec(), "validate", f}).status, 1);
  test::RunResult j = test::run({test::peregrinec(), "validate", "--json", f});
  EXPECT_EQ(j.status, 1);
  EXPECT_EQ(j.out.rfind("{\"falco_load_results\":[", 0), 0u);
}

TEST(Robustness, NulByteInACondition) {
  // A YAML escape puts a NUL into the condition.
  FileResult r = load(rule("\"evt.type = open and proc.name = a\\0b\""));
  ASSERT_FALSE(r.successful);
  EXPECT_EQ(only_error(r).code, DiagCode::LOAD_ERR_COMPILE_CONDITION);
  EXPECT_EQ(only_error(r).message, "string value contains a NUL character");
  r = load(rule("\"evt.type = open and proc.name = \\\"a\\0b\\\"\""));
  EXPECT_EQ(only_error(r).message, "string value contains a NUL character");
  r = load(rule("\"evt.type = open and proc.name in (a, b\\0)\""));
  EXPECT_EQ(only_error(r).message, "string value contains a NUL character");
  r = load(rule("\"evt.type = open and\\0 proc.name = a\""));
  EXPECT_FALSE(r.successful);
  // A raw NUL byte in the file is read the way yaml-cpp reads it (it loads here; Falco reads
  // the same bytes with the same library): no crash, whatever the outcome.
  load(rule(std::string("evt.type = open and proc.name = a\0b", 35)));
  load(std::string("- rule: r\0\n  desc: d\n", 21));
  test::TempDir tmp;
  std::string f = tmp.write("nul.yaml", rule("\"evt.type = open and proc.name = a\\0b\""));
  test::RunResult c = test::run({test::peregrinec(), "validate", f});
  EXPECT_EQ(c.status, 1);
  EXPECT_NE(c.out.find("string value contains a NUL character"), std::string::npos) << c.out;
}

TEST(Robustness, DirectoriesAndUnreadablePaths) {
  test::TempDir tmp;
  std::string ok = tmp.write("ok.yaml", rule("evt.type = open"));
  std::string unreadable = tmp.write("secret.yaml", rule("evt.type = open"));
  ::chmod(unreadable.c_str(), 0);
  bool root = ::geteuid() == 0;  // root reads it anyway
  std::vector<std::string> bad = {tmp.path(), tmp.path() + "/missing.yaml", ok + "/below-a-file.yaml",
                                  "/dev/null/x"};
  if (!root) bad.push_back(unreadable);
  for (const std::string& p : bad) {
    Loader loader;
    std::vector<std::string> fatal;
    std::vector<ValidatedFile> res = validate_files({p, ok}, ValidateOptions{}, loader, fatal);
    ASSERT_EQ(res.size(), 2u);
    EXPECT_FALSE(res[0].result.successful) << p;
    ASSERT_EQ(res[0].result.errors.size(), 1u);
    EXPECT_EQ(res[0].result.errors[0].code, DiagCode::LOAD_ERR_FILE_READ);
    EXPECT_NE(res[0].result.errors[0].message.find(p), std::string::npos);
    EXPECT_TRUE(res[1].result.successful);
    test::RunResult c = test::run({test::peregrinec(), "validate", p, ok});
    EXPECT_EQ(c.status, 1) << p;
    EXPECT_NE(c.out.find(p + ": Invalid"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("LOAD_ERR_FILE_READ (File read error)"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find(ok + ": Ok"), std::string::npos) << c.out;
    test::RunResult j = test::run({test::peregrinec(), "validate", "--json", p});
    EXPECT_EQ(j.status, 1);
    EXPECT_NE(j.out.find("\"code\":\"LOAD_ERR_FILE_READ\""), std::string::npos) << j.out;
  }
}

TEST(Robustness, MacroCycles) {
  // b and c use a; redefining a to use them closes two loops.
  FileResult r = load("- macro: a\n  condition: evt.type = open\n- macro: b\n  condition: a\n"
                      "- macro: c\n  condition: a\n- macro: a\n  condition: b and c\n" +
                      rule("a"));
  ASSERT_FALSE(r.successful);
  EXPECT_EQ(only_error(r).code, DiagCode::LOAD_ERR_VALIDATE);
  EXPECT_NE(only_error(r).message.find("reference loop in macro"), std::string::npos);
  LoaderOptions all;
  all.all_errors = true;
  // With --all-errors the rules using a loop are still compiled after the loop is reported:
  // nothing may recurse forever through it.
  r = load("- macro: m\n  condition: m or evt.type = open\n" + rule("m and proc.name = proc.pname") +
               "- rule: r2\n  desc: d\n  condition: not m\n  output: o\n  priority: INFO\n",
           all);
  EXPECT_FALSE(r.successful);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].message, "reference loop in macro 'm'");
}

TEST(Robustness, TenThousandChainedMacros) {
  std::string text = "- macro: m0\n  condition: evt.type = open\n";
  for (int i = 1; i < 10000; i++)
    text += "- macro: m" + std::to_string(i) + "\n  condition: m" + std::to_string(i - 1) +
            " and proc.pid != " + std::to_string(i) + "\n";
  text += rule("m9999");
  FileResult r = load(text);
  ASSERT_FALSE(r.successful);
  const Diagnostic& d = only_error(r);
  EXPECT_EQ(d.code, DiagCode::LOAD_ERR_COMPILE_CONDITION);
  EXPECT_NE(d.message.find("exceeded max depth limit of 1000 (macro '"), std::string::npos)
      << d.message;
  // With --all-errors every too-deep macro and the rule are reported, still without recursion.
  LoaderOptions all;
  all.all_errors = true;
  r = load(text, all);
  EXPECT_GT(r.errors.size(), 9000u);
  // A diamond (each macro uses the previous one twice) is shallow but exponentially large if
  // walked naively: it must compile in linear time.
  std::string diamond = "- macro: d0\n  condition: evt.type = open\n";
  for (int i = 1; i <= 60; i++)
    diamond += "- macro: d" + std::to_string(i) + "\n  condition: d" + std::to_string(i - 1) +
               " or (d" + std::to_string(i - 1) + " and proc.name = x" + std::to_string(i) + ")\n";
  diamond += rule("d60 and proc.pid = abc");
  r = load(diamond);
  ASSERT_FALSE(r.successful);
  EXPECT_EQ(only_error(r).message, "abc is not a valid number");
  r = load(diamond.substr(0, diamond.size() - rule("d60 and proc.pid = abc").size()) +
           rule("d60"));
  EXPECT_TRUE(r.successful);
}

TEST(RobustnessSlow, MillionItemList) {
  skip_if_slow_tests_off();
  const size_t n = 1000000 / kScale;
  std::string text = "- list: big\n  items: [";
  text.reserve(n * 10);
  for (size_t i = 0; i < n; i++) {
    if (i) text += ", ";
    text += "p" + std::to_string(i);
  }
  text += "]\n" + rule("evt.type = execve and proc.name in (big, extra)");
  for (bool tokens : {true}) {
    LoaderOptions lo;
    lo.list_tokens = tokens;
    Loader loader(EngineInfo{}, lo);
    FileResult r;
    run_with_large_stack([&] { r = loader.load("big.yaml", text); });
    ASSERT_TRUE(r.successful);
    EXPECT_TRUE(r.warnings.empty());
    const CompiledRuleset* rs = loader.compiled();
    ASSERT_TRUE(rs);
    ASSERT_EQ(rs->rules.size(), 1u);
    const ast::Node* root = rs->rules[0].root;
    ASSERT_EQ(root->kind, ast::Kind::kAnd);
    const ast::Node* in = root->children[1];
    ASSERT_EQ(in->kind, ast::Kind::kCheck);
    ASSERT_TRUE(in->rhs);
    EXPECT_EQ(in->rhs->list_size(), n + 1);
    std::vector<std::string> first, last;
    size_t k = 0;
    in->rhs->for_each_item([&](std::string_view v) {
      if (k < 2) first.emplace_back(v);
      if (k >= n - 1) last.emplace_back(v);
      k++;
    });
    EXPECT_EQ(first, (std::vector<std::string>{"p0", "p1"}));
    EXPECT_EQ(last, (std::vector<std::string>{"p" + std::to_string(n - 1), "extra"}));
  }
}

TEST(RobustnessSlow, TenMegabyteRulesFile) {
  skip_if_slow_tests_off();
  const size_t target = (size_t{10} << 20) / kScale;
  std::string text = "- list: users\n  items: [root, daemon]\n- macro: opens\n"
                     "  condition: evt.type in (open, openat, openat2)\n";
  size_t rules = 0;
  while (text.size() < target) {
    std::string i = std::to_string(rules++);
    text += "- rule: rule number " + i + "\n  desc: rule " + i +
            " watches a made-up program\n  condition: opens and proc.name = prog" + i +
            " and fd.name startswith /var/lib/app" + i +
            "/ and not user.name in (users)\n  output: \"prog" + i +
            " opened a file (user=%user.name command=%proc.cmdline file=%fd.name)\"\n"
            "  priority: NOTICE\n  tags: [t" + std::to_string(rules % 10) + "]\n";
  }
  Loader loader;
  FileResult r;
  run_with_large_stack([&] { r = loader.load("ten.yaml", text); });
  ASSERT_TRUE(r.successful);
  EXPECT_TRUE(r.warnings.empty());
  ASSERT_TRUE(loader.compiled());
  ASSERT_EQ(loader.compiled()->rules.size(), rules);
  EXPECT_EQ(loader.compiled()->rules.front().name, "rule number 0");
  EXPECT_EQ(loader.compiled()->rules.back().name, "rule number " + std::to_string(rules - 1));
  EXPECT_GT(rules, 20000u / kScale);
}

}  // namespace
}  // namespace pg
