// The reference evaluator: a deliberately simple tree-walking interpreter of checked ASTs,
// written independently of the VM (fnmatch(3) for globs, RE2 compiled per call, constants
// parsed per call). It is the oracle of the differential tests and a baseline in benchmarks;
// it is not used to run rules in production.
#pragma once

#include "compiler/ast.h"
#include "vm/event_view.h"

namespace pg {

// Evaluates `root` (macro references followed through their targets) on the current event.
bool ref_eval(const ast::Node* root, EventView& ev);

}  // namespace pg
