// The rules loader: YAML files -> one shared Collection -> CompiledRuleset, with Falco's
// per-file results (see ruleset.h for the model and LANGUAGE.md sections 1 and 5).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/diagnostic.h"
#include "compiler/ruleset.h"
#include "compiler/source.h"

namespace pg {

struct LoaderOptions {
  // Keep going after the first error of a file (`--all-errors`): every item is read, every
  // macro and rule compiled, and every problem reported. Falco stops at the first.
  bool all_errors = false;
  // Substitute simple lists as single tokens (compiler/lists.h). Off only in tests that check
  // the optimisation against plain text substitution.
  bool list_tokens = true;
  uint32_t max_condition_depth = 1000;
  // Compile the whole collection after every file, as Falco does, so each file's result
  // re-reports what the files before it left broken. Off, files are only read and compile()
  // must be called once at the end (the compile-then-run path, where only the final ruleset
  // matters).
  bool compile_each_file = true;
};

// The outcome of loading one file (Falco's falco::load_result).
struct FileResult {
  std::string name;
  bool successful = true;
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
  // Falco's schema check of the file (never fails a load): valid, or "failed for ..." texts.
  bool schema_valid = true;
  std::vector<std::string> schema_warnings;
};

class Loader {
 public:
  explicit Loader(EngineInfo engine = {}, LoaderOptions opts = {});
  ~Loader();

  // Reads one more file into the collection and (with compile_each_file) recompiles
  // everything loaded so far.
  FileResult load(std::string name, std::string content);

  // Compiles everything read so far; diagnostics go to `res`. Returns true on success.
  bool compile(FileResult& res);

  // The collection read so far.
  const Collection& collection() const { return col_; }

  // The latest compile, or null if the latest compile failed (or nothing was compiled).
  const CompiledRuleset* compiled() const { return compiled_.get(); }
  std::shared_ptr<const CompiledRuleset> compiled_shared() const { return compiled_; }

  const EngineInfo& engine() const { return engine_; }

  // Plugin requirements that no built-in provider satisfies, as Falco's messages.
  std::vector<std::string> unsatisfied_plugin_requirements() const;

 private:
  EngineInfo engine_;
  LoaderOptions opts_;
  std::vector<std::unique_ptr<SourceFile>> files_;
  Collection col_;
  std::shared_ptr<CompiledRuleset> compiled_;
};

namespace yaml {
struct ParseResult;
}

// The schema check Falco runs beside loading (its JSON schema of rules files), over an already
// parsed file: it never fails a load; it sets `valid` and appends "failed for <path>: <why>".
void check_schema(const yaml::ParseResult& parsed, bool& valid,
                  std::vector<std::string>& warnings);

// Reads one YAML file's items into the collection (loader.cpp). Appends diagnostics to `res`.
// Returns false when an error stopped the reading.
bool read_rules_file(const SourceFile& file, Collection& col, const EngineInfo& engine,
                     const LoaderOptions& opts, FileResult& res);

// Compiles the whole collection (compile.cpp). Appends diagnostics to `res`; returns null on
// error (unless opts.all_errors, which returns whatever compiled).
std::shared_ptr<CompiledRuleset> compile_collection(const Collection& col,
                                                    const LoaderOptions& opts, FileResult& res);

}  // namespace pg
