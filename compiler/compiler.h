// The compiler façade: rules files (or in-memory rules text) -> a verified vm::Program, with
// the per-file results of validation. Used by `peregrinec compile|disasm` and by the runtime.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/lower.h"
#include "compiler/validate.h"
#include "vm/program.h"

namespace pg {

struct RulesSource {
  std::string name;     // file name as shown in diagnostics
  std::string content;  // file contents (empty + read_from_disk to read `name`)
  bool read_from_disk = true;
};

struct CompileOutput {
  std::vector<ValidatedFile> files;        // per-file validation results
  std::vector<std::string> fatal;          // plugin requirement failures
  std::shared_ptr<const CompiledRuleset> ruleset;  // the front end's result (null on error)
  vm::Program program;                     // valid when ok
  bool ok = false;
  std::string error;                       // lowering error, if any
  // Owns the source files the diagnostics point into and the rule definitions the ruleset
  // refers to: keep it with them.
  std::shared_ptr<Loader> loader;
};

// Loads every source in order (Falco's multi-file semantics), and when all are valid, lowers
// the ruleset into a program. Runs on a large stack (see run_with_large_stack).
CompileOutput compile_rules(const std::vector<RulesSource>& sources,
                            const LoaderOptions& lopts = {}, const LowerOptions& opts = {});

// A single filter expression (sysdig's trailing FILTER arguments) compiled as a one-rule
// program: rule 0 is the filter. Diagnostics point into a source named "filter".
struct FilterOutput {
  bool ok = false;
  std::vector<Diagnostic> errors;  // syntax/type errors, positions inside the filter text
  std::shared_ptr<const CompiledRuleset> ruleset;
  vm::Program program;
  std::shared_ptr<SourceFile> source;  // keeps the diagnostics' positions valid
};
FilterOutput compile_filter(const std::string& text);

// True when `bytes` look like a compiled program artifact (magic number).
bool is_program_artifact(std::string_view bytes);

}  // namespace pg
