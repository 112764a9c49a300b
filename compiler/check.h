// Type checking of condition ASTs (fields, transformers, operators x types, constants,
// evt.type names), the compiler hints Falco reports as warnings, and event-type sets.
//
// Checks are made per node and cached: a macro body shared by many rules is checked once, and
// its issues are re-reported (with each rule's context) for every rule that reaches it, which
// is what Falco's per-rule compilation reports.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostic.h"
#include "compiler/ruleset.h"

namespace pg {

// One problem found in a condition.
struct CheckIssue {
  DiagCode code{};
  std::string message;
  const ast::Node* node = nullptr;  // the check it belongs to (for its condition text)
  ast::Span span;                   // exact range inside node->text
  std::string deprecated_field;
  // The macro references walked to reach `node`, outermost first (for "expanded from" notes).
  std::vector<const ast::Node*> via;
};

// True for errors Falco downgrades under skip-if-unknown-filter (LANGUAGE.md 5.3).
bool is_unknown_filter_error(const std::string& message);

class Checker {
 public:
  // Checks the tree under `root` (walking into resolved macro bodies). Errors come first in
  // source-walk order; with `all` every error is collected, else the walk stops at the first.
  void check(const ast::Node* root, std::vector<CheckIssue>& errors,
             std::vector<CheckIssue>& warnings, bool all = false);

  // Event codes a condition can match (libsinsp ppm_codes.cpp rules, LANGUAGE.md 6).
  EventSet event_types(const ast::Node* root);

 private:
  struct NodeIssues {
    std::vector<CheckIssue> errors, warnings;
  };
  const NodeIssues& issues_for(const ast::Node* check);
  void walk(const ast::Node* n, std::vector<const ast::Node*>& via,
            std::vector<CheckIssue>& errors, std::vector<CheckIssue>& warnings, bool all,
            bool& stop);
  EventSet codes(const ast::Node* n, bool neg);

  std::unordered_map<const ast::Node*, NodeIssues> cache_;
  // Macro bodies already walked by the current check() (each is walked once per rule, so a
  // diamond of macros m_i = m_{i-1} or m_{i-1} costs linear, not exponential, time).
  std::unordered_set<const ast::Node*> walked_;
  std::unordered_map<const ast::Node*, EventSet> set_cache_[2];
};

// The event set matching every event code.
EventSet all_events();

}  // namespace pg
