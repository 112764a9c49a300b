// The data-driven diagnostic cases (STYLE.md rule 18): every tests/cases/rules/<name>.yaml is a
// small rules file, and every tests/cases/rules/<name>/ directory a multi-file case whose
// *.yaml files load in name order into one loader (Falco's `-V a.yaml b.yaml`). Each file
// carries, in its leading comment lines, the expected result of loading it:
//
//   # Free text describing the case.
//   # options: all-errors
//   # expect: ok
//   # expect: error LOAD_ERR_COMPILE_CONDITION item=rule:r last=condition expression at 5:27 message="..."
//   # expect: warning LOAD_UNUSED_MACRO item=macro:foo at 3:3 message="..."
//
// The expect-line syntax is described in tests/support/diag_expect.h. Errors come first, then
// warnings, each in the order the loader reports them. `ok` means no error and no warning.
// Options: `all-errors` (LoaderOptions::all_errors). Every case also runs with the list-token
// optimisation off, and must give the same result.
//
// PEREGRINE_REGEN_CASES=1 rewrites the expect lines from the actual output (the header is
// rebuilt until positions, which depend on its length, are stable). Review the diff.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "compiler/loader.h"
#include "compiler/validate.h"
#include "tests/support/diag_expect.h"
#include "tests/support/paths.h"

namespace pg::test {
namespace {

namespace fs = std::filesystem;

std::string cases_dir() { return source_dir() + "/tests/cases/rules"; }

struct CaseFile {
  fs::path path;
  std::string name;                 // base name, used as the file name when loading
  std::vector<std::string> header;  // leading '#' lines other than expect lines
  std::vector<std::string> expect;  // text after "# expect: "
  std::string body;                 // everything after the header
  std::set<std::string> options;
};

struct Case {
  std::string name;
  std::vector<fs::path> files;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

CaseFile read_case_file(const fs::path& p) {
  CaseFile f;
  f.path = p;
  f.name = p.filename().string();
  std::string text = read_text(p.string());
  size_t i = 0;
  while (i < text.size() && text[i] == '#') {
    size_t e = text.find('\n', i);
    std::string line = text.substr(i, e == std::string::npos ? std::string::npos : e - i);
    i = e == std::string::npos ? text.size() : e + 1;
    if (line.rfind("# expect: ", 0) == 0) {
      f.expect.push_back(line.substr(10));
      continue;
    }
    if (line.rfind("# options:", 0) == 0) {
      std::istringstream ss(line.substr(10));
      std::string o;
      while (ss >> o) f.options.insert(o);
    }
    f.header.push_back(line);
  }
  f.body = text.substr(i);
  return f;
}

std::string case_text(const CaseFile& f, const std::vector<std::string>& expect) {
  std::string s;
  for (const std::string& h : f.header) s += h + "\n";
  for (const std::string& e : expect) s += "# expect: " + e + "\n";
  return s + f.body;
}

std::vector<Case> list_cases() {
  std::vector<Case> out;
  std::error_code ec;
  if (!fs::is_directory(cases_dir(), ec)) return out;
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(cases_dir())) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  for (const fs::path& p : entries) {
    Case c;
    c.name = p.stem().string();
    if (fs::is_directory(p)) {
      for (const auto& e : fs::directory_iterator(p))
        if (e.path().extension() == ".yaml") c.files.push_back(e.path());
      std::sort(c.files.begin(), c.files.end());
    } else if (p.extension() == ".yaml") {
      c.files.push_back(p);
    }
    if (!c.files.empty()) out.push_back(std::move(c));
  }
  return out;
}

// Loads the case's files in order (with their current text) and returns, per file, the
// expectation lines of its result. Also checks the invariants every result must keep.
std::vector<std::vector<std::string>> run_case(const std::vector<CaseFile>& files,
                                               const std::vector<std::string>& texts,
                                               bool list_tokens) {
  LoaderOptions lo;
  lo.list_tokens = list_tokens;
  for (const CaseFile& f : files)
    if (f.options.count("all-errors")) lo.all_errors = true;
  Loader loader(EngineInfo{}, lo);
  std::vector<std::vector<std::string>> out;
  for (size_t i = 0; i < files.size(); i++) {
    FileResult r = loader.load(files[i].name, texts[i]);
    EXPECT_EQ(r.successful, r.errors.empty()) << files[i].name;
    if (!lo.all_errors) {
      EXPECT_LE(r.errors.size(), 1u) << files[i].name << ": Falco stops at the first error";
    }
    std::vector<std::string> lines;
    for (const auto* list : {&r.errors, &r.warnings}) {
      for (const Diagnostic& d : *list) {
        EXPECT_FALSE(d.context.empty()) << d.message;
        if (!d.context.empty()) {
          EXPECT_EQ(d.context[0].item_type, "rules content") << d.message;
          // The file the item came from: this one, or an earlier one (re-reported).
          bool known = false;
          for (size_t k = 0; k <= i; k++) known |= d.context[0].pos_name == files[k].name;
          EXPECT_TRUE(known) << d.context[0].pos_name << ": " << d.message;
        }
        EXPECT_EQ(d.severity() == Severity::kError, list == &r.errors) << d.message;
        // Rendering never fails.
        EXPECT_FALSE(render_compiler_style(d).empty());
        EXPECT_FALSE(render_falco_block(d).empty());
        lines.push_back(format_expect(expect_of(d, files[i].name)));
      }
    }
    if (lines.empty()) lines.push_back("ok");
    // The JSON renderer handles the result.
    ValidatedFile vf;
    vf.result = r;
    EXPECT_FALSE(render_json({vf}).empty());
    out.push_back(std::move(lines));
  }
  return out;
}

// Field-by-field comparison of one expected and one actual line, for readable failures.
std::string explain(const std::string& want, const std::string& got) {
  if (want == "ok" || got == "ok") return "";
  std::string why_w, why_g;
  std::optional<DiagExpect> w = parse_expect(want, &why_w);
  std::optional<DiagExpect> g = parse_expect(got, &why_g);
  if (!w) return "  malformed expect line: " + why_w + "\n";
  if (!g) return "  (internal) unparsable actual line: " + why_g + "\n";
  std::string s;
  auto field = [&](const char* name, const std::string& a, const std::string& b) {
    if (a != b) s += std::string("  ") + name + ": expected [" + a + "], got [" + b + "]\n";
  };
  field("severity", w->severity, g->severity);
  field("code", w->code, g->code);
  field("item type", w->item_type, g->item_type);
  field("item name", w->item_name, g->item_name);
  field("last location", w->last, g->last);
  field("position", w->pos, g->pos);
  field("message", w->message, g->message);
  return s;
}

bool regen() {
  const char* e = std::getenv("PEREGRINE_REGEN_CASES");
  return e && *e && std::string(e) != "0";
}

class RulesCase : public ::testing::TestWithParam<Case> {};

TEST_P(RulesCase, Matches) {
  const Case& c = GetParam();
  std::vector<CaseFile> files;
  std::vector<std::string> texts;
  for (const fs::path& p : c.files) {
    files.push_back(read_case_file(p));
    texts.push_back(case_text(files.back(), files.back().expect));
  }
  for (const CaseFile& f : files) {
    ASSERT_FALSE(f.expect.empty() && !regen())
        << f.path << ": a case file needs at least one '# expect:' line";
    for (const std::string& o : f.options)
      ASSERT_TRUE(o == "all-errors") << f.path << ": unknown option " << o;
  }

  if (regen()) {
    // Rewrite until stable: the header's length moves every position below it.
    for (int round = 0; round < 5; round++) {
      std::vector<std::vector<std::string>> got = run_case(files, texts, true);
      bool changed = false;
      for (size_t i = 0; i < files.size(); i++) {
        std::string t = case_text(files[i], got[i]);
        if (t != texts[i]) {
          texts[i] = t;
          changed = true;
        }
      }
      if (!changed) break;
    }
    for (size_t i = 0; i < files.size(); i++) {
      if (texts[i] == read_text(files[i].path.string())) continue;
      std::ofstream(files[i].path, std::ios::binary) << texts[i];
      std::printf("regenerated %s\n", files[i].path.string().c_str());
    }
    return;
  }

  for (bool tokens : {true, false}) {
    SCOPED_TRACE(tokens ? "list tokens on" : "list tokens off");
    std::vector<std::vector<std::string>> got = run_case(files, texts, tokens);
    for (size_t i = 0; i < files.size(); i++) {
      SCOPED_TRACE(files[i].path.string());
      const std::vector<std::string>& want = files[i].expect;
      std::string report;
      size_t n = std::max(want.size(), got[i].size());
      for (size_t k = 0; k < n; k++) {
        std::string w = k < want.size() ? want[k] : "(nothing)";
        std::string g = k < got[i].size() ? got[i][k] : "(nothing)";
        if (w == g) continue;
        report += "#" + std::to_string(k + 1) + "\n  expect: " + w + "\n  actual: " + g + "\n" +
                  explain(w, g);
      }
      EXPECT_TRUE(report.empty()) << "result of loading " << files[i].name
                                  << " differs (PEREGRINE_REGEN_CASES=1 rewrites the expect lines)\n"
                                  << report;
    }
  }
}

std::string case_test_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n;
  for (char ch : info.param.name) n.push_back(std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(Cases, RulesCase, ::testing::ValuesIn(list_cases()), case_test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RulesCase);

// ---- the expect-line syntax ----------------------------------------------------------------

TEST(DiagExpectSyntax, RoundTrips) {
  for (const DiagExpect& e : {
           DiagExpect{"error", "LOAD_ERR_VALIDATE", "rule", "plain name", "", "3:4", "msg"},
           DiagExpect{"warning", "LOAD_UNUSED_LIST", "list", "", "", "-", ""},
           DiagExpect{"error", "LOAD_ERR_COMPILE_CONDITION", "rule", "shell at boot last=x",
                      "condition expression", "other.yaml:10:2",
                      "quote \" backslash \\ tab\t nul \x01 high \xff message=\"x\""},
           DiagExpect{"error", "LOAD_ERR_YAML_VALIDATE", "rules content item", "\"quoted\"",
                      "value for", "1:1", "a"},
           DiagExpect{"warning", "LOAD_INVALID_MACRO_NAME", "macro", "caf\xc3\xa9 ", "", "2:3", "m"},
       }) {
    std::string line = format_expect(e);
    std::string why;
    std::optional<DiagExpect> back = parse_expect(line, &why);
    ASSERT_TRUE(back) << line << ": " << why;
    EXPECT_EQ(*back, e) << line;
  }
  EXPECT_EQ(format_expect({"warning", "LOAD_UNUSED_MACRO", "macro", "foo", "", "3:3", "m"}),
            "warning LOAD_UNUSED_MACRO item=macro:foo at 3:3 message=\"m\"");
  std::string why;
  EXPECT_FALSE(parse_expect("fatal X item=a:b at 1:1 message=\"\"", &why));
  EXPECT_FALSE(parse_expect("error X item=a:b message=\"\"", &why));
  EXPECT_FALSE(parse_expect("error X item=ab at 1:1 message=\"\"", &why));
  EXPECT_FALSE(parse_expect("error X item=a:b at 1:1 message=\"\\q\"", &why));
}

// ---- coverage of the case corpus ----------------------------------------------------------

// Codes the engine cannot raise from a rules file (docs/diagnostics.md explains each).
const std::set<std::string> kNotRaisedByCases = {
    "LOAD_ERR_FILE_READ",      // raised by validate_files for unreadable paths (robustness_test)
    "LOAD_ERR_EXTENSION",      // reserved by Falco; never raised
    "LOAD_WARNING_EXTENSION",  // reserved by Falco; never raised
    "LOAD_UNSAFE_NA_CHECK",    // needs ka.* / jevt.* plugin fields, which we do not have
};

std::vector<std::string> all_codes() {
  std::vector<std::string> v;
#define DIAG_ERROR(code, s, d) v.push_back(#code);
#define DIAG_WARNING(code, s, d) v.push_back(#code);
#include "compiler/diag_codes.def"
  return v;
}

TEST(RulesCases, CoverEveryCodeTheEngineRaises) {
  std::vector<Case> cases = list_cases();
  ASSERT_FALSE(cases.empty()) << "no cases in " << cases_dir();
  std::map<std::string, int> seen;
  size_t lines = 0;
  for (const Case& c : cases) {
    for (const fs::path& p : c.files) {
      for (const std::string& e : read_case_file(p).expect) {
        lines++;
        if (e == "ok") continue;
        std::string why;
        std::optional<DiagExpect> d = parse_expect(e, &why);
        ASSERT_TRUE(d) << p << ": malformed expect line (" << why << "): " << e;
        seen[d->code]++;
      }
    }
  }
  for (const std::string& code : all_codes()) {
    if (kNotRaisedByCases.count(code)) {
      EXPECT_EQ(seen.count(code), 0u) << code << " is listed as not raised by cases";
      continue;
    }
    EXPECT_GT(seen[code], 0) << "no case covers " << code;
  }
  EXPECT_GT(lines, 0u);
}

// Every message path of the loader and compiler is covered: each distinct message shape listed
// here must appear in some expect line (a regular expression over the message text).
TEST(RulesCases, CoverEveryMessagePath) {
  std::vector<std::string> messages;
  for (const Case& c : list_cases())
    for (const fs::path& p : c.files)
      for (const std::string& e : read_case_file(p).expect)
        if (std::optional<DiagExpect> d = parse_expect(e, nullptr)) messages.push_back(d->message);
  const char* kPaths[] = {
#include "tests/compiler/message_paths.inc"
  };
  for (const char* re : kPaths) {
    std::regex r(re);
    bool found = std::any_of(messages.begin(), messages.end(),
                             [&](const std::string& m) { return std::regex_search(m, r); });
    EXPECT_TRUE(found) << "no case has a message matching /" << re << "/";
  }
}

}  // namespace
}  // namespace pg::test
