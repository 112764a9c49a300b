// Event-type sets of rules (LANGUAGE.md 6, libsinsp ppm_codes.cpp): evt.type = / in / != and
// negation, evt.num folding, macros, and the LOAD_NO_EVTTYPE threshold.
#include <gtest/gtest.h>

#include "compiler/loader.h"
#include "vm/events.h"

namespace pg {
namespace {

// Compiles one rule (plus `extra` items) and returns its event set.
EventSet events_of(const std::string& cond, const std::string& extra = "",
                   size_t* warnings = nullptr) {
  Loader loader;
  std::string yaml = extra + "- rule: r\n  desc: d\n  condition: '" + cond +
                     "'\n  output: o\n  priority: INFO\n";
  FileResult res = loader.load("e.yaml", yaml);
  EXPECT_TRUE(res.successful) << cond << ": " << (res.errors.empty() ? "" : res.errors[0].message);
  if (warnings) *warnings = res.warnings.size();
  const CompiledRuleset* rs = loader.compiled();
  if (!rs || rs->rules.empty()) {
    ADD_FAILURE() << "no compiled rule for " << cond;
    return {};
  }
  return rs->rules[0].evttypes;
}

EventSet named(std::initializer_list<const char*> names) {
  EventSet s;
  for (const char* n : names) {
    std::span<const uint16_t> codes = event_codes_by_name(n);
    EXPECT_FALSE(codes.empty()) << n;
    for (uint16_t c : codes) s.set(c);
  }
  return s;
}

EventSet all() {
  EventSet s;
  s.set();
  return s;
}

TEST(EventTypes, EqualsAndIn) {
  EXPECT_EQ(events_of("evt.type = open"), named({"open"}));
  EXPECT_EQ(events_of("evt.type = open").count(), 2u);  // enter and exit
  EXPECT_EQ(events_of("evt.type == open"), named({"open"}));
  EXPECT_EQ(events_of("evt.type in (open, openat, openat2)"), named({"open", "openat", "openat2"}));
  EXPECT_EQ(events_of("syscall.type = execve"), named({"execve"}));
  EXPECT_EQ(events_of("evt.type in (open) or evt.type in (close)"), named({"open", "close"}));
}

TEST(EventTypes, AndIntersectsOrUnions) {
  EXPECT_EQ(events_of("evt.type in (open, close) and evt.type in (close, read)"), named({"close"}));
  EXPECT_EQ(events_of("evt.type = open and proc.name = cat"), named({"open"}));
  EXPECT_EQ(events_of("evt.type = open or proc.name = cat"), all());
  EXPECT_EQ(events_of("(evt.type = open or evt.type = close) and proc.name = cat"),
            named({"open", "close"}));
  // Disjoint types: an empty set (never matches).
  EXPECT_EQ(events_of("evt.type = open and evt.type = close").count(), 0u);
}

TEST(EventTypes, NegationTakesTheComplement) {
  EXPECT_EQ(events_of("evt.type != open"), ~named({"open"}));
  EXPECT_EQ(events_of("not evt.type = open"), ~named({"open"}));
  EXPECT_EQ(events_of("not evt.type in (open, close)"), ~named({"open", "close"}));
  EXPECT_EQ(events_of("not evt.type != open"), named({"open"}));
  // De Morgan: not (a or b) = not a and not b.
  EXPECT_EQ(events_of("not (evt.type = open or evt.type = close)"), ~named({"open", "close"}));
  EXPECT_EQ(events_of("not (not evt.type = open and proc.name = cat)"), all());
  // Other checks are neutral and are not inverted by `not`.
  EXPECT_EQ(events_of("not proc.name = cat"), all());
  EXPECT_EQ(events_of("evt.type = open and not proc.name = cat"), named({"open"}));
}

TEST(EventTypes, NeutralChecks) {
  EXPECT_EQ(events_of("evt.type exists"), all());
  EXPECT_EQ(events_of("evt.type startswith open"), all());
}

TEST(EventTypes, EvtNumFolding) {
  EXPECT_EQ(events_of("evt.num = 0").count(), 0u);
  EXPECT_EQ(events_of("evt.num < 1").count(), 0u);
  EXPECT_EQ(events_of("evt.num in (0)").count(), 0u);
  EXPECT_EQ(events_of("evt.num != 0"), all());
  EXPECT_EQ(events_of("evt.num >= 1"), all());
  EXPECT_EQ(events_of("not evt.num = 0"), all());
  EXPECT_EQ(events_of("not evt.num != 0").count(), 0u);
  EXPECT_EQ(events_of("evt.type = open and evt.num >= 1"), named({"open"}));
  EXPECT_EQ(events_of("evt.type = open or evt.num = 0"), named({"open"}));
  EXPECT_EQ(events_of("evt.num = 5"), all());  // not a folded form
}

TEST(EventTypes, ThroughMacros) {
  const std::string macros =
      "- macro: open_read\n  condition: evt.type in (open, openat) and evt.is_open_read = true\n"
      "- macro: never_true\n  condition: evt.num = 0\n"
      "- macro: spawned\n  condition: evt.type = execve\n";
  EXPECT_EQ(events_of("open_read and proc.name = cat and not never_true and spawned or spawned",
                      macros),
            named({"execve"}));
  EXPECT_EQ(events_of("open_read", macros), named({"open", "openat"}));
  EXPECT_EQ(events_of("not open_read", macros), all());
  EXPECT_EQ(events_of("not spawned", macros), ~named({"execve"}));
  EXPECT_EQ(events_of("never_true", macros).count(), 0u);
}

TEST(EventTypes, SyscallNamesWithoutTheirOwnEventUseAVirtualCode) {
  // A name that is a syscall but has no event of its own stands for the generic syscall events
  // of that syscall: one virtual index code (kEventMax + its PPM syscall code).
  int code = syscall_code_by_name("getpid");
  if (code < 0 || !event_codes_by_name("getpid").empty()) GTEST_SKIP() << "getpid has an event";
  EventSet s = events_of("evt.type = getpid");
  EXPECT_EQ(s.count(), 1u);
  EXPECT_TRUE(s.test(generic_index_code(static_cast<uint16_t>(code))));
  EXPECT_FALSE(s.test(kGenericEnter));
  EXPECT_FALSE(s.test(kGenericExit));
  // Its complement excludes exactly that code.
  EventSet n = events_of("evt.type != getpid");
  EXPECT_EQ(n, ~s);
}

TEST(EventTypes, NoEvttypeWarningThreshold) {
  size_t w = 0;
  events_of("evt.type = open", "", &w);
  EXPECT_EQ(w, 0u);
  events_of("proc.name = cat", "", &w);
  EXPECT_EQ(w, 1u);
  events_of("evt.num = 0", "", &w);  // empty set: no warning since 2026
  EXPECT_EQ(w, 0u);
  // Over 100 codes warns; a long but explicit list below that does not.
  std::string list;
  size_t codes = 0;
  for (std::string_view n : all_event_names()) {
    std::span<const uint16_t> c = event_codes_by_name(n);
    if (c.empty() || n == "syscall") continue;
    if (codes + c.size() > 100) break;
    codes += c.size();
    list += (list.empty() ? "" : ", ") + std::string(n);
  }
  EventSet s = events_of("evt.type in (" + list + ")", "", &w);
  EXPECT_EQ(s.count(), codes);
  EXPECT_LE(s.count(), 100u);
  EXPECT_EQ(w, 0u);
}

}  // namespace
}  // namespace pg
