// libFuzzer target: rules file bytes -> pg::Loader::load (YAML -> collection -> compile), then
// Falco's JSON and text renderings of the results (compiler/loader.h, compiler/validate.h).
//
// The input is one rules file, or several when it holds lines "#pg-fuzz-next-file": the parts
// are loaded in order into one Loader, which exercises Falco's multi-file semantics (appends
// and overrides across files, earlier problems reported again). Every input is loaded three
// times: stopping at the first error (Falco), with LoaderOptions::all_errors, and, when it
// defines lists, stopping at the first error with lists substituted as text rather than as
// single tokens (LoaderOptions::list_tokens = false). Besides "never crash", these must hold:
//   - a file is successful exactly when it has no errors, and the two modes agree on it;
//   - stopping at the first error, a successful load leaves a compiled ruleset in which every
//     macro and rule has a condition tree whose macro references are all resolved, and no rule
//     vanished silently: each rule of the collection is compiled, or has an unknown source, or
//     was dropped with a LOAD_UNKNOWN_FILTER warning;
//   - every diagnostic has a message, and every position it carries (its own, its context
//     chain's, its notes') points inside one of the loaded files;
//   - list tokens never change a result: the diagnostics (code, position, message) and the
//     compiled macros and rules (AST dumps) are the same as with text substitution;
//   - render_json produces one well-formed JSON document in valid UTF-8, and render_text
//     produces output (neither may crash on any diagnostic).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostic.h"
#include "compiler/loader.h"
#include "compiler/ruleset.h"
#include "compiler/source.h"
#include "compiler/validate.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr std::string_view kNextFile = "\n#pg-fuzz-next-file\n";
constexpr size_t kMaxFiles = 4;

std::vector<std::string> split_files(std::string_view in) {
  std::vector<std::string> parts;
  while (parts.size() + 1 < kMaxFiles) {
    size_t at = in.find(kNextFile);
    if (at == std::string_view::npos) break;
    parts.emplace_back(in.substr(0, at + 1));  // keep the line break ending the part
    in.remove_prefix(at + kNextFile.size());
  }
  parts.emplace_back(in);
  return parts;
}

void check_pos(const pg::FilePos& p, const std::vector<std::string>& names,
               const std::string& what) {
  if (!p.valid()) return;
  bool known = false;
  for (const std::string& n : names) known = known || p.file->name() == n;
  PG_FUZZ_CHECK(known, "position in an unknown file: " + what);
  PG_FUZZ_CHECK(p.offset <= p.file->text().size(), "position past the end of its file: " + what);
}

void check_diags(const std::vector<pg::Diagnostic>& ds, const std::vector<std::string>& names) {
  for (const pg::Diagnostic& d : ds) {
    PG_FUZZ_CHECK(!d.message.empty(), "diagnostic without a message");
    check_pos(d.pos, names, d.message);
    for (const pg::ContextLoc& c : d.context) check_pos(c.pos, names, d.message);
    for (const pg::Note& n : d.notes) check_pos(n.pos, names, d.message + " / " + n.message);
  }
}

// Every node under `root` is non-null and every macro reference is resolved.
void check_resolved(const pg::ast::Node* root, size_t macros, const std::string& what) {
  PG_FUZZ_CHECK(root != nullptr, "no condition tree for " + what);
  std::vector<const pg::ast::Node*> todo{root};
  while (!todo.empty()) {
    const pg::ast::Node* n = todo.back();
    todo.pop_back();
    PG_FUZZ_CHECK(n != nullptr, "null node in the condition of " + what);
    if (n->kind == pg::ast::Kind::kMacroRef) {
      PG_FUZZ_CHECK(n->target != nullptr && n->macro >= 0 && static_cast<size_t>(n->macro) < macros,
                    "unresolved macro '" + n->name + "' in " + what);
    }
    for (const pg::ast::Node* c : n->children) todo.push_back(c);
  }
}

void check_compiled(const pg::Loader& loader, const pg::FileResult& r) {
  const pg::CompiledRuleset* cr = loader.compiled();
  PG_FUZZ_CHECK(cr != nullptr, "successful load without a compiled ruleset");
  const pg::Collection& col = loader.collection();
  PG_FUZZ_CHECK(cr->macros.size() == col.macros.size(), "compiled macro count");
  for (const pg::CompiledMacro& m : cr->macros)
    check_resolved(m.root, cr->macros.size(), "macro '" + m.name + "'");
  for (const pg::CompiledRule& rule : cr->rules) {
    PG_FUZZ_CHECK(rule.def != nullptr, "compiled rule without a definition");
    check_resolved(rule.root, cr->macros.size(), "rule '" + rule.name + "'");
  }
  size_t unknown_source = 0, dropped = 0;
  for (const pg::RuleDef& d : col.rules) unknown_source += d.unknown_source;
  for (const pg::Diagnostic& d : r.warnings) dropped += d.code == pg::DiagCode::LOAD_UNKNOWN_FILTER;
  PG_FUZZ_CHECK(cr->rules.size() <= col.rules.size(), "more compiled rules than rules");
  PG_FUZZ_CHECK(cr->rules.size() + unknown_source + dropped >= col.rules.size(),
                "a rule vanished without an error or warning");
}

// Per file: whether it loaded, and a text digest of everything it produced (diagnostics, and
// the compiled macros and rules as AST dumps) for comparing two ways of loading.
struct Summary {
  std::vector<bool> successful;
  std::vector<std::string> digest;
  bool has_lists = false;  // some file defined a list
};

std::string digest(const pg::FileResult& r, const pg::CompiledRuleset* cr) {
  std::string out;
  for (const auto* ds : {&r.errors, &r.warnings}) {
    for (const pg::Diagnostic& d : *ds) {
      out += std::string(pg::diag_code_name(d.code)) + " @" + std::to_string(d.pos.offset) +
             ": " + d.message + "\n";
    }
  }
  if (cr) {
    for (const pg::CompiledMacro& m : cr->macros)
      out += "macro " + m.name + ": " + pg::ast::dump(m.root) + "\n";
    for (const pg::CompiledRule& rule : cr->rules)
      out += "rule " + rule.name + ": " + pg::ast::dump(rule.root) + "\n";
  }
  return out;
}

Summary run(const std::vector<std::string>& parts, bool all_errors, bool list_tokens) {
  pg::LoaderOptions lo;
  lo.all_errors = all_errors;
  lo.list_tokens = list_tokens;
  pg::Loader loader(pg::EngineInfo{}, lo);
  std::vector<pg::ValidatedFile> files;
  std::vector<std::string> names;
  Summary sum;
  for (size_t i = 0; i < parts.size(); i++) {
    names.push_back("fuzz_" + std::to_string(i) + ".yaml");
    pg::ValidatedFile vf;
    {
      pg::SourceFile tmp(names.back(), parts[i]);
      vf.schema = pg::check_schema(tmp);
    }
    vf.result = loader.load(names.back(), parts[i]);
    const pg::FileResult& r = vf.result;
    PG_FUZZ_CHECK(r.name == names.back(), "result for another file");
    PG_FUZZ_CHECK(r.successful == r.errors.empty(), "successful does not match the errors");
    for (const pg::Diagnostic& d : r.errors) PG_FUZZ_CHECK(d.is_error(), "warning among errors");
    for (const pg::Diagnostic& d : r.warnings)
      PG_FUZZ_CHECK(!d.is_error(), "error among warnings");
    if (!all_errors && r.successful) check_compiled(loader, r);
    check_diags(r.errors, names);
    check_diags(r.warnings, names);
    sum.successful.push_back(r.successful);
    sum.has_lists = sum.has_lists || !loader.collection().lists.empty();
    sum.digest.push_back(all_errors ? std::string() : digest(r, loader.compiled()));
    files.push_back(std::move(vf));
    (void)loader.unsatisfied_plugin_requirements();
  }

  // The diagnostics point into the loader's files: render while it is alive.
  std::string json = pg::render_json(files);
  PG_FUZZ_CHECK(pg::fuzz::JsonChecker(json).valid(), "render_json is not valid JSON: " + json);
  std::string out, err;
  pg::render_text(files, out, err);
  PG_FUZZ_CHECK(!out.empty(), "render_text wrote nothing to stdout");
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (size_t{1} << 20)) return -1;  // positions are 32-bit; keep inputs sane
  std::vector<std::string> parts =
      split_files(std::string_view(reinterpret_cast<const char*>(data), size));
  Summary first = run(parts, false, true);
  Summary all = run(parts, true, true);

  // all_errors changes how much is reported, never whether a file is valid. Stopping at the
  // first error, a later file is loaded on top of whatever the failed one left: compare only
  // up to (and including) the first failed file.
  for (size_t i = 0; i < parts.size(); i++) {
    PG_FUZZ_CHECK(first.successful[i] == all.successful[i],
                  "all_errors changes whether file " + std::to_string(i) + " is successful");
    if (!first.successful[i]) break;
  }
  // Lists substituted as single tokens are an optimisation: same diagnostics, same trees.
  // Without any list there is nothing to substitute (and loading is the slow part).
  if (!first.has_lists) return 0;
  Summary text = run(parts, false, false);
  for (size_t i = 0; i < parts.size(); i++) {
    PG_FUZZ_CHECK(first.digest[i] == text.digest[i],
                  "list tokens change the result of file " + std::to_string(i) +
                      "\n--- with list tokens:\n" + first.digest[i] +
                      "--- with text substitution:\n" + text.digest[i]);
  }
  return 0;
}
