// `peregrinec validate` end to end (DESIGN.md 4, LANGUAGE.md 5): the official rules files
// validate cleanly alone and stacked, the JSON document has Falco's shape and key order, the
// text mode and exit statuses follow `falco -V`, the engine version is checked with Falco's
// message, and plugin requirements are fatal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "compiler/validate.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace pg::test {
namespace {

std::string official(const std::string& f) { return shared_dir() + "/falco-rules/" + f; }

// Falco's document for files that all loaded with no diagnostic, byte for byte.
std::string clean_json(const std::vector<std::string>& paths) {
  std::string s = "{\"falco_load_results\":[";
  for (size_t i = 0; i < paths.size(); i++) {
    if (i) s += ",";
    s += "{\"errors\":[],\"name\":\"" + paths[i] +
         "\",\"schema_valid\":true,\"schema_warnings\":[],\"successful\":true,\"warnings\":[]}";
  }
  return s + "]}\n";
}

class OfficialValidate : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(OfficialValidate, CleanWithFalcosKeyOrder) {
  PG_REQUIRE_SHARED("falco-rules");
  std::vector<std::string> args = {peregrinec(), "validate", "--json"};
  std::vector<std::string> paths;
  for (const std::string& f : GetParam()) paths.push_back(official(f));
  args.insert(args.end(), paths.begin(), paths.end());
  RunResult r = run(args);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, clean_json(paths));
  EXPECT_EQ(r.err, "");
  // Text mode says Ok for each.
  args.erase(args.begin() + 2);
  RunResult t = run(args);
  EXPECT_EQ(t.status, 0);
  std::string want;
  for (const std::string& p : paths) want += p + ": Ok\n";
  EXPECT_EQ(t.out, want);
  EXPECT_EQ(t.err, "");
}

INSTANTIATE_TEST_SUITE_P(
    Validate, OfficialValidate,
    ::testing::ValuesIn(test::official_file_sets()),
    [](const ::testing::TestParamInfo<std::vector<std::string>>& info) {
      return test::official_set_name(info.param, "all_three_in_order");
    });

// The official files through the library: counts from LANGUAGE.md 1.7.
TEST(OfficialLibrary, ItemCounts) {
  PG_REQUIRE_SHARED("falco-rules");
  struct Want {
    const char* file;
    size_t rules, macros, lists;
  };
  for (const Want& w : {Want{"falco_rules.yaml", 25, 87, 49},
                        Want{"falco-incubating_rules.yaml", 31, 82, 54},
                        Want{"falco-sandbox_rules.yaml", 37, 183, 60}}) {
    Loader loader;
    FileResult r = loader.load(official(w.file), read_text(official(w.file)));
    EXPECT_TRUE(r.successful) << w.file;
    EXPECT_TRUE(r.warnings.empty()) << w.file;
    EXPECT_EQ(loader.collection().rules.size(), w.rules) << w.file;
    EXPECT_EQ(loader.collection().macros.size(), w.macros) << w.file;
    EXPECT_EQ(loader.collection().lists.size(), w.lists) << w.file;
    ASSERT_TRUE(loader.compiled());
    EXPECT_EQ(loader.compiled()->rules.size(), w.rules);
    EXPECT_TRUE(loader.unsatisfied_plugin_requirements().empty());
  }
}

TEST(ValidateJson, DiagnosticKeyOrder) {
  TempDir tmp;
  std::string f = tmp.write("w.yaml",
                            "- rule: r\n  desc: d\n  condition: evt.type = open and evt.dir = '<'\n"
                            "  output: o\n  priority: Warning\n"
                            "- rule: bad\n  desc: d\n  condition: evt.type = open and a b\n"
                            "  output: o\n  priority: INFO\n");
  RunResult r = run({peregrinec(), "validate", "--json", f});
  EXPECT_EQ(r.status, 1);
  // Keys in alphabetical order at every level, as nlohmann writes them.
  const char* order[] = {
      "{\"falco_load_results\":[{\"errors\":[{\"code\":\"LOAD_ERR_COMPILE_CONDITION\","
      "\"codedesc\":\"Error compiling condition\",\"context\":{\"locations\":[{\"item_name\":\"\","
      "\"item_type\":\"rules content\",\"position\":{\"column\":0,\"line\":0,\"name\":\"",
      "\"item_type\":\"condition expression\",\"position\":{\"column\":35,\"line\":7,"
      "\"name\":\"\\\"evt.type = open a...\\\"\",\"offset\":",
      "\"snippet\":\"  condition: evt.type = open and a b\\n                                   ^\\n\"}",
      ",\"message\":\"unexpected token after 'a', expecting 'or', 'and'\"}],\"name\":\"",
      "\",\"schema_valid\":false,\"schema_warnings\":[\"failed for /0/priority: must be one of the "
      "upper-case priority names\"],\"successful\":false,\"warnings\":[{\"code\":"
      "\"LOAD_DEPRECATED_ITEM\",\"codedesc\":\"A deprecated item is employed by lists, macros, or "
      "rules.\",\"context\":{",
      "},\"deprecated_field\":\"evt.dir\",\"message\":\"direction of the event",
  };
  size_t at = 0;
  for (const char* piece : order) {
    size_t p = r.out.find(piece, at);
    ASSERT_NE(p, std::string::npos) << "missing, or out of order: " << piece << "\nin " << r.out;
    at = p + std::strlen(piece);
  }
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "exactly one JSON line";
}

TEST(ValidateText, OkWarningsInvalidAndExitStatus) {
  TempDir tmp;
  std::string ok = tmp.write("ok.yaml", "- list: l\n  items: []\n- rule: r\n  desc: d\n"
                                        "  condition: evt.type = open and proc.name in (l)\n"
                                        "  output: o\n  priority: INFO\n");
  std::string warn = tmp.write("warn.yaml", "- macro: unused\n  condition: evt.type = open\n");
  std::string bad = tmp.write("bad.yaml", "- rule: x\n  desc: d\n  condition: evt.type = nosuch\n"
                                          "  output: o\n  priority: INFO\n");
  RunResult r = run({peregrinec(), "validate", ok});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, ok + ": Ok\n");
  r = run({peregrinec(), "validate", warn});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, warn + ": Ok, with warnings\n");
  EXPECT_NE(r.err.find("1 Warnings:\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("LOAD_UNUSED_MACRO (Unused macro): Macro not referred to by any other "
                       "rule/macro"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("In rules content: (" + warn + ":0:0)\n    macro 'unused': (" + warn +
                       ":0:2)\n"),
            std::string::npos)
      << r.err;
  // A failed file does not stop the following ones; it is re-reported by them (gotcha 13).
  r = run({peregrinec(), "validate", bad, ok});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out.rfind(bad + ": Invalid\n1 Errors:\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(bad + ":3:25: error[LOAD_ERR_COMPILE_CONDITION]: unknown event type nosuch"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n" + ok + ": Invalid\n"), std::string::npos) << r.out;
  // Usage errors exit 2.
  EXPECT_EQ(run({peregrinec(), "validate"}).status, 2);
  EXPECT_EQ(run({peregrinec(), "validate", "--bogus", ok}).status, 2);
  EXPECT_EQ(run({peregrinec(), "no-such-command"}).status, 2);
}

TEST(ValidateEngineVersion, FalcosMessage) {
  TempDir tmp;
  std::string ok = tmp.write("v63.yaml", "- required_engine_version: 0.63.0\n");
  std::string v64 = tmp.write("v64.yaml", "- required_engine_version: 0.64.0\n");
  std::string v1 = tmp.write("v1.yaml", "- required_engine_version: 1.0.0\n");
  RunResult r = run({peregrinec(), "validate", "--json", ok});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("\"successful\":true"), std::string::npos);
  for (const auto& [path, ver] : {std::pair{v64, "0.64.0"}, std::pair{v1, "1.0.0"}}) {
    r = run({peregrinec(), "validate", "--json", path});
    EXPECT_EQ(r.status, 1);
    std::string msg = std::string("\"code\":\"LOAD_ERR_VALIDATE\",\"codedesc\":\"Error validating "
                                  "rule/macro/list/exception objects\"");
    EXPECT_NE(r.out.find(msg), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(std::string("\"message\":\"Rules require engine version ") + ver +
                         ", but engine version is 0.63.0\""),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("\"successful\":false"), std::string::npos);
  }
}

TEST(ValidatePlugins, RequirementsAreFatalPlainText) {
  TempDir tmp;
  std::string ok = tmp.write("ok.yaml",
                             "- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n");
  std::string missing = tmp.write("missing.yaml",
                                  "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n"
                                  "    alternatives:\n      - name: k8saudit-eks\n        version: 0.2.0\n");
  std::string newer = tmp.write("newer.yaml",
                                "- required_plugin_versions:\n  - name: container\n    version: 1.0.0\n");
  std::string alt = tmp.write("alt.yaml",
                              "- required_plugin_versions:\n  - name: other\n    version: 1.0.0\n"
                              "    alternatives:\n      - name: container\n        version: 0.5.0\n");
  RunResult r = run({peregrinec(), "validate", ok, alt});
  EXPECT_EQ(r.status, 0) << r.err;
  r = run({peregrinec(), "validate", "--json", missing, ok});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");  // fatal: plain text, even in JSON mode, and nothing else
  EXPECT_EQ(r.err,
            "Error: Plugin requirement not satisfied, must load one of: k8saudit (>= 0.1.0), "
            "k8saudit-eks (>= 0.2.0)\n");
  r = run({peregrinec(), "validate", newer});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "Error: Plugin 'container' version '0.6.0' is not compatible with required plugin "
            "version '1.0.0'\n");
}

TEST(ValidateFiles, UnreadablePathsGiveFileReadErrors) {
  TempDir tmp;
  std::string ok = tmp.write("ok.yaml", "- macro: m\n  condition: evt.type = open\n");
  Loader loader;
  std::vector<std::string> fatal;
  std::vector<ValidatedFile> res =
      validate_files({tmp.path() + "/missing.yaml", tmp.path(), ok}, ValidateOptions{}, loader, fatal);
  ASSERT_EQ(res.size(), 3u);
  for (size_t i = 0; i < 2; i++) {
    EXPECT_FALSE(res[i].result.successful);
    ASSERT_EQ(res[i].result.errors.size(), 1u);
    EXPECT_EQ(res[i].result.errors[0].code, DiagCode::LOAD_ERR_FILE_READ);
    EXPECT_FALSE(res[i].schema.valid);
  }
  EXPECT_NE(res[0].result.errors[0].message.find("No such file or directory"), std::string::npos);
  EXPECT_NE(res[1].result.errors[0].message.find("Is a directory"), std::string::npos);
  EXPECT_TRUE(res[2].result.successful);  // the bad paths did not stop the good one
  std::string json = render_json(res);
  EXPECT_NE(json.find("\"code\":\"LOAD_ERR_FILE_READ\",\"codedesc\":\"File read error\""),
            std::string::npos);
}

}  // namespace
}  // namespace pg::test
