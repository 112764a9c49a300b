// What loading does to the collection and the compiled ruleset (LANGUAGE.md 1): appends and
// overrides, redefinitions keeping their place, the standalone enabled form, tags as a set,
// exception conditions generated as text, and the same across files. The diagnostics of these
// situations are covered by tests/cases/rules; this file checks the resulting state.
#include <gtest/gtest.h>

#include "compiler/loader.h"
#include "vm/events.h"

namespace pg {
namespace {

const RuleDef& rule_named(const Loader& l, const std::string& name) {
  static RuleDef none;
  auto it = l.collection().rule_by_name.find(name);
  if (it == l.collection().rule_by_name.end()) {
    ADD_FAILURE() << "no rule " << name;
    return none;
  }
  return l.collection().rules[it->second];
}

const CompiledRule* compiled_named(const Loader& l, const std::string& name) {
  if (!l.compiled()) return nullptr;
  for (const CompiledRule& r : l.compiled()->rules)
    if (r.name == name) return &r;
  return nullptr;
}

std::string load_ok(Loader& l, const std::string& name, const std::string& yaml) {
  FileResult r = l.load(name, yaml);
  std::string msgs;
  for (const Diagnostic& d : r.errors) msgs += "error: " + d.message + "\n";
  EXPECT_TRUE(r.successful) << msgs;
  return msgs;
}

const char* kBase = R"Y(
- list: shells
  items: [bash]
- macro: spawned
  condition: evt.type = execve
- rule: shell
  desc: a shell
  condition: spawned and proc.name in (shells)
  output: "shell (proc=%proc.name)"
  priority: WARNING
  tags: [shell, b_tag]
)Y";

TEST(Loader, OverrideAppendsAndReplaces) {
  Loader l;
  load_ok(l, "base.yaml", kBase);
  load_ok(l, "more.yaml", R"Y(
- list: shells
  items: [zsh, sh]
  override:
    items: append
- macro: spawned
  condition: or evt.type = execveat
  override:
    condition: append
- rule: shell
  condition: and proc.tty != 0
  output: "(user=%user.name)"
  desc: more text
  tags: [a_tag, shell]
  priority: critical
  enabled: false
  override:
    condition: append
    output: append
    desc: append
    tags: append
    priority: replace
    enabled: replace
)Y");
  const Collection& c = l.collection();
  EXPECT_EQ(c.lists[0].items, (std::vector<std::string>{"bash", "zsh", "sh"}));
  EXPECT_EQ(c.macros[0].condition.text(), "evt.type = execve or evt.type = execveat");
  const RuleDef& r = rule_named(l, "shell");
  EXPECT_EQ(r.condition.text(), "spawned and proc.name in (shells) and proc.tty != 0");
  EXPECT_EQ(r.output, "shell (proc=%proc.name) (user=%user.name)");
  EXPECT_EQ(r.desc, "a shell more text");
  EXPECT_EQ(r.tags, (std::set<std::string>{"a_tag", "b_tag", "shell"}));  // a sorted set
  EXPECT_EQ(r.priority, Priority::kCritical);
  EXPECT_FALSE(r.enabled);
  // The appended condition text keeps each part's position: the second part maps into more.yaml.
  FilePos p = r.condition.map(static_cast<uint32_t>(r.condition.text().find("proc.tty")));
  ASSERT_TRUE(p.valid());
  EXPECT_EQ(p.file->name(), "more.yaml");
  const CompiledRule* cr = compiled_named(l, "shell");
  ASSERT_TRUE(cr);
  EXPECT_FALSE(cr->enabled);  // disabled rules are still compiled
}

TEST(Loader, ReplaceOverridesEveryKey) {
  Loader l;
  load_ok(l, "base.yaml", kBase);
  load_ok(l, "replace.yaml", R"Y(
- rule: shell
  condition: evt.type = open
  output: opened
  desc: replaced
  tags: [only]
  warn_evttypes: false
  skip-if-unknown-filter: true
  capture: true
  capture_duration: 250
  override:
    condition: replace
    output: replace
    desc: replace
    tags: replace
    warn_evttypes: replace
    skip-if-unknown-filter: replace
    capture: replace
    capture_duration: replace
)Y");
  const RuleDef& r = rule_named(l, "shell");
  EXPECT_EQ(r.condition.text(), "evt.type = open");
  EXPECT_EQ(r.output, "opened");
  EXPECT_EQ(r.desc, "replaced");
  EXPECT_EQ(r.tags, (std::set<std::string>{"only"}));
  EXPECT_FALSE(r.warn_evttypes);
  EXPECT_TRUE(r.skip_if_unknown_filter);
  EXPECT_TRUE(r.capture);
  EXPECT_EQ(r.capture_duration, 250u);
  EXPECT_EQ(r.priority, Priority::kWarning);  // untouched
}

TEST(Loader, DeprecatedAppendAndStandaloneEnabled) {
  Loader l;
  load_ok(l, "base.yaml", kBase);
  FileResult res = l.load("old.yaml", R"Y(
- list: shells
  items: [ksh]
  append: true
- rule: shell
  condition: or proc.name = busybox
  output: ignored
  enabled: false
  append: true
- rule: shell
  enabled: false
)Y");
  EXPECT_TRUE(res.successful);
  // Two 'append' deprecations, one standalone enabled, and the appended `or` leaves the rule
  // with no event-type restriction.
  ASSERT_EQ(res.warnings.size(), 4u);
  EXPECT_EQ(res.warnings[3].code, DiagCode::LOAD_NO_EVTTYPE);
  const RuleDef& r = rule_named(l, "shell");
  // Appends are text: `or` now binds the whole earlier condition (gotcha 3).
  EXPECT_EQ(r.condition.text(), "spawned and proc.name in (shells) or proc.name = busybox");
  EXPECT_EQ(r.output, "shell (proc=%proc.name)");  // every other key of an append is ignored
  EXPECT_FALSE(r.enabled);                         // ... but the standalone form sets it
  EXPECT_EQ(l.collection().lists[0].items, (std::vector<std::string>{"bash", "ksh"}));
}

TEST(Loader, RedefinitionKeepsTheOriginalPlace) {
  Loader l;
  load_ok(l, "a.yaml", R"Y(
- rule: first
  desc: d
  condition: evt.type = open
  output: o
  priority: INFO
- rule: second
  desc: d
  condition: evt.type = close
  output: o
  priority: INFO
)Y");
  load_ok(l, "b.yaml", R"Y(
- rule: third
  desc: d
  condition: evt.type = read
  output: o
  priority: INFO
- rule: first
  desc: redefined
  condition: evt.type = write
  output: o
  priority: ERROR
)Y");
  ASSERT_TRUE(l.compiled());
  std::vector<std::string> order;
  for (const CompiledRule& r : l.compiled()->rules) order.push_back(r.name);
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(rule_named(l, "first").desc, "redefined");
  EXPECT_EQ(rule_named(l, "first").priority, Priority::kError);
  // Its context now points into b.yaml.
  EXPECT_EQ(rule_named(l, "first").ctx.back().pos.file->name(), "b.yaml");
}

TEST(Loader, ExceptionsBecomeConditionText) {
  Loader l;
  load_ok(l, "ex.yaml", R"Y(
- rule: r
  desc: d
  condition: evt.type = open
  output: o
  priority: INFO
  exceptions:
    - name: pairs
      fields: [proc.name, fd.name]
      comps: [=, startswith]
      values:
        - [cat, /etc]
        - [my prog, "/var/log/my file"]
    - name: names
      fields: proc.name
      values: [ls, more]
    - name: tuple_with_list
      fields: [proc.name, proc.pname]
      comps: [in, =]
      values:
        - [[bash, sh], sshd]
    - name: listop_scalar
      fields: [fd.name]
      comps: [pmatch]
      values:
        - [/tmp]
    - name: no_values
      fields: [proc.name]
)Y");
  const CompiledRule* cr = compiled_named(l, "r");
  ASSERT_TRUE(cr);
  ASSERT_TRUE(cr->condition);
  EXPECT_EQ(cr->condition->text(),
            "(evt.type = open)"
            " and not ((proc.name = cat and fd.name startswith /etc) or (proc.name = \"my prog\" "
            "and fd.name startswith \"/var/log/my file\"))"
            " and not (proc.name in (ls, more))"
            " and not ((proc.name in (bash, sh) and proc.pname = sshd))"
            " and not ((fd.name pmatch (/tmp)))");
  EXPECT_EQ(cr->exception_fields, (std::set<std::string>{"fd.name", "proc.name", "proc.pname"}));
}

TEST(Loader, ListsAndMacrosAcrossFiles) {
  Loader l;
  load_ok(l, "a.yaml", kBase);
  // A later file can redefine a macro; the rule of the earlier file uses the new body.
  load_ok(l, "b.yaml", "- macro: spawned\n  condition: evt.type in (execve, execveat)\n");
  const CompiledRule* cr = compiled_named(l, "shell");
  ASSERT_TRUE(cr);
  EXPECT_EQ(cr->evttypes.count(),
            event_codes_by_name("execve").size() + event_codes_by_name("execveat").size());
  // An earlier file cannot see a later file's items: it failed, and the later file fixes it.
  Loader m;
  FileResult r1 = m.load("uses.yaml", "- rule: r\n  desc: d\n  condition: later\n  output: o\n"
                                      "  priority: INFO\n");
  EXPECT_FALSE(r1.successful);
  EXPECT_EQ(m.compiled(), nullptr);
  load_ok(m, "defines.yaml", "- macro: later\n  condition: evt.type = open\n");
  EXPECT_NE(m.compiled(), nullptr);
}

TEST(Loader, EngineVersionIsTheHighestSeen) {
  Loader l;
  load_ok(l, "a.yaml", "- required_engine_version: 0.50.0\n- required_engine_version: 12\n");
  load_ok(l, "b.yaml", "- required_engine_version: 0.57.0\n");
  ASSERT_TRUE(l.collection().required_engine_version);
  EXPECT_EQ(l.collection().required_engine_version->str(), "0.57.0");
}

TEST(Loader, PriorityNamesAndSemver) {
  EXPECT_EQ(parse_priority("info"), Priority::kInformational);
  EXPECT_EQ(parse_priority("INFORMATIONAL"), Priority::kInformational);
  EXPECT_EQ(parse_priority("Warning"), Priority::kWarning);
  EXPECT_EQ(parse_priority("emergency"), Priority::kEmergency);
  EXPECT_FALSE(parse_priority("warn"));
  EXPECT_FALSE(parse_priority(""));
  EXPECT_EQ(priority_name(Priority::kInformational), "Informational");
  EXPECT_EQ(Semver::parse("0.63.0")->str(), "0.63.0");
  EXPECT_EQ(Semver::parse("1.2.3-rc1+build")->str(), "1.2.3");
  EXPECT_FALSE(Semver::parse("1.2"));
  EXPECT_FALSE(Semver::parse("1.2.x"));
  EXPECT_FALSE(Semver::parse("v1.2.3"));
  EXPECT_FALSE(Semver::parse("1.2.3.4"));
  EXPECT_LT(*Semver::parse("0.9.0"), *Semver::parse("0.10.0"));
}

}  // namespace
}  // namespace pg
