// Lowering: checked ASTs of a CompiledRuleset -> a vm::Program.
//
// - Boolean logic becomes forward-only jump lists (STYLE rule 5): cond(node, sense, label)
//   emits code that jumps to `label` when the node evaluates to `sense` and falls through
//   otherwise; every test is followed by its JMP; every block ends in RET.
// - Constants are folded first: evt.type checks decided by the rule's own event-type set (a
//   rule only ever runs on the events it is indexed under), Falco's evt.num idioms
//   (never_true / always_true), not/and/or with constant children.
// - Children of and/or are reordered cheap and decisive first (by estimated cost over the
//   prior chance of ending the chain: a positive test is usually false, an exception clause
//   `not ...` usually true); evaluation has no side effects and a missing field only makes
//   its own check false, so order never changes a result.
// - Every distinct field (with argument) and transformer expression gets one slot, so it is
//   extracted or computed at most once per event. Macros used by several rules become shared
//   blocks called with CALL and cached per event; others are inlined.
// - Strings are interned into one pool; sets are built once per distinct content, with the
//   matcher the operator needs (exact, prefix, suffix, contains, path); a set made from one
//   Falco list carries the list's name.
// - Rules are indexed by event code (the front end's event-type sets) in Falco's rule order.
#pragma once

#include <string>

#include "compiler/ruleset.h"
#include "vm/program.h"

namespace pg {

struct LowerOptions {
  bool fold_constants = true;
  bool reorder = true;       // cheap-and-decisive-first reordering of and/or children
  bool share_macros = true;  // CALL blocks for macros used by several rules
};

// Lowers every rule of `rs`. Returns false with `error` on an internal limit (e.g. more slots
// than the encoding allows); the front end has already rejected invalid rules.
bool lower(const CompiledRuleset& rs, vm::Program& out, std::string& error,
           const LowerOptions& opts = {});

}  // namespace pg
