// Peregrine's own default rules (rules/peregrine_rules.yaml): they validate with no warning
// and a valid schema, alone and next to the official files, and the text embedded into the
// binaries (rules/default_rules.h) is the file byte for byte.
#include "rules/default_rules.h"

#include <gtest/gtest.h>

#include "compiler/validate.h"
#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace pg {
namespace {

std::string rules_path() { return test::source_dir() + "/rules/peregrine_rules.yaml"; }

TEST(DefaultRules, EmbeddedTextIsTheFile) {
  std::string file = test::read_text(rules_path());
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(std::string(kDefaultRules), file);
  EXPECT_STREQ(kDefaultRulesName, "peregrine_rules.yaml");
}

TEST(DefaultRules, ValidateWithNoWarning) {
  Loader loader;
  FileResult r = loader.load(kDefaultRulesName, std::string(kDefaultRules));
  EXPECT_TRUE(r.successful);
  for (const Diagnostic& d : r.errors) ADD_FAILURE() << render_compiler_style(d);
  for (const Diagnostic& d : r.warnings) ADD_FAILURE() << render_compiler_style(d);
  // Falco's schema check (upper-case priorities, plain booleans, ...).
  EXPECT_TRUE(r.schema_valid);
  for (const std::string& w : r.schema_warnings) ADD_FAILURE() << w;
  EXPECT_TRUE(loader.unsatisfied_plugin_requirements().empty());
  ASSERT_TRUE(loader.collection().required_engine_version);
  EXPECT_EQ(loader.collection().required_engine_version->str(), "0.63.0");
}

TEST(DefaultRules, EveryRuleIsComplete) {
  Loader loader;
  ASSERT_TRUE(loader.load(kDefaultRulesName, std::string(kDefaultRules)).successful);
  const CompiledRuleset* rs = loader.compiled();
  ASSERT_TRUE(rs);
  EXPECT_GE(rs->rules.size(), 7u);
  for (const CompiledRule& r : rs->rules) {
    SCOPED_TRACE(r.name);
    EXPECT_TRUE(r.enabled);
    EXPECT_FALSE(r.def->desc.empty());
    EXPECT_FALSE(r.tags.empty());
    // Falco's output style: a sentence, then fields in parentheses with the user and command.
    EXPECT_NE(r.output.find("(user=%user.name"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.back(), ')');
    EXPECT_GT(r.evttypes.count(), 0u);
    EXPECT_LE(r.evttypes.count(), 100u);
    EXPECT_EQ(r.source, "syscall");
  }
  // The detections a first-time user tries.
  std::vector<std::string> names;
  for (const CompiledRule& r : rs->rules) names.push_back(r.name);
  for (const char* want : {"Shell started in a container", "File below /etc opened for writing",
                           "Sensitive file read by an untrusted program", "File opened by a file viewer",
                           "Outbound connection to a blocked address",
                           "UDP traffic from a watched program", "Privileged container started"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
}

TEST(DefaultRules, LoadNextToTheOfficialFiles) {
  PG_REQUIRE_SHARED("falco-rules");
  for (const char* f : {"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"}) {
    Loader loader;
    std::string p = test::shared_dir() + "/falco-rules/" + f;
    ASSERT_TRUE(loader.load(p, test::read_text(p)).successful);
    FileResult r = loader.load(kDefaultRulesName, std::string(kDefaultRules));
    EXPECT_TRUE(r.successful) << f;
    EXPECT_TRUE(r.warnings.empty()) << f;
  }
}

TEST(DefaultRules, PeregrinecValidatesTheFile) {
  test::RunResult r = test::run({test::peregrinec(), "validate", "--json", rules_path()});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "{\"falco_load_results\":[{\"errors\":[],\"name\":\"" + rules_path() +
                       "\",\"schema_valid\":true,\"schema_warnings\":[],\"successful\":true,"
                       "\"warnings\":[]}]}\n");
}

}  // namespace
}  // namespace pg
