// The rules collection (what the YAML loader collects) and the compiled ruleset (what the
// compiler produces from it), with Falco's multi-file semantics.
//
// Loading follows Falco's rule_loader: each file is read item by item into one shared
// Collection (definitions, appends, overrides, enables), stopping at the file's first error;
// then the whole accumulated collection is compiled (lists, then macros, then rules), again
// stopping at the first error. Warnings and errors of a compile are reported in the result of
// the file that triggered it, so problems of earlier files are reported again (gotcha 13).
//
// Indexes: every item has an `index` (its first definition's position, kept by redefinitions)
// and a `visibility` (the global definition counter at its last (re)definition). A macro may
// use macros whose index is below its visibility; a list item names a nested list when that
// list's index is below the list's visibility.
#pragma once

#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostic.h"
#include "compiler/source.h"
#include "vm/events.h"

namespace pg {

// Falco priorities, in numeric order (0 = most severe).
enum class Priority : uint8_t {
  kEmergency, kAlert, kCritical, kError, kWarning, kNotice, kInformational, kDebug
};
std::string_view priority_name(Priority p);  // "Warning", "Informational", ...
std::optional<Priority> parse_priority(std::string_view s);  // case-insensitive; "info" too

// A semantic version x.y.z.
struct Semver {
  uint32_t major = 0, minor = 0, patch = 0;
  static std::optional<Semver> parse(std::string_view s);
  std::string str() const;
  auto operator<=>(const Semver&) const = default;
};

// ---- collected items ----------------------------------------------------------------------

// A piece of Falco's context chain before it is rendered (see diagnostic.h).
using Context = std::vector<ContextLoc>;

struct ListDef {
  std::string name;
  std::vector<std::string> items;
  uint32_t index = 0;
  uint32_t visibility = 0;
  Context ctx;  // rules content + list
};

struct MacroDef {
  std::string name;
  MappedText condition;
  uint32_t index = 0;
  uint32_t visibility = 0;
  Context ctx;       // rules content + macro
  Context cond_ctx;  // ... + macro condition
};

// One exception entry (LANGUAGE.md 1.5).
struct ExceptionDef {
  struct Entry {  // a scalar, or a sequence of scalars
    bool is_list = false;
    std::string item;
    std::vector<std::string> items;
  };
  std::string name;
  bool has_fields = false;
  Entry fields;
  bool has_comps = false;
  Entry comps;
  std::vector<Entry> values;  // scalar field: scalars; tuple fields: lists (elements may be lists)
  std::vector<std::vector<Entry>> tuple_values;  // tuple form: one Entry per field
  Context ctx;
};

struct RuleDef {
  std::string name;
  MappedText condition;
  std::string output;
  std::string desc;
  Priority priority = Priority::kDebug;
  std::string source = "syscall";
  bool has_source = false;  // `source` was written
  bool enabled = true;
  std::set<std::string> tags;
  std::vector<ExceptionDef> exceptions;
  bool warn_evttypes = true;
  bool skip_if_unknown_filter = false;
  bool capture = false;
  uint64_t capture_duration = 0;
  bool unknown_source = false;
  uint32_t index = 0;
  Context ctx;         // rules content + rule
  Context cond_ctx;    // ... + rule condition
  Context output_ctx;  // ... + rule output
  FilePos output_pos;  // first byte of the output scalar
};

struct PluginRequirement {
  std::string name;
  Semver version;
  std::vector<std::pair<std::string, Semver>> alternatives;
};

// Everything read so far, across files (Falco's rule_loader::collector).
struct Collection {
  std::vector<ListDef> lists;
  std::vector<MacroDef> macros;
  std::vector<RuleDef> rules;
  std::unordered_map<std::string, size_t> list_by_name, macro_by_name, rule_by_name;
  uint32_t next_index = 0;  // the global definition counter
  std::optional<Semver> required_engine_version;
  std::vector<PluginRequirement> plugin_requirements;
};

// ---- compiled -----------------------------------------------------------------------------

// Event-type set of a rule over index codes (vm/events.h: event codes plus one virtual code
// per syscall that has no dedicated event).
using EventSet = std::bitset<kIndexMax>;

// The number of event codes Falco would count for a set (for LOAD_NO_EVTTYPE): real codes,
// with the generic syscall events counted once as their enter/exit pair.
size_t falco_code_count(const EventSet& s);

struct CompiledMacro {
  std::string name;
  ast::Node* root = nullptr;
  bool used = false;
};

struct CompiledRule {
  const RuleDef* def = nullptr;  // points into the Collection
  std::string name;
  ast::Node* root = nullptr;     // condition AST (macro refs resolved and checked)
  const MappedText* condition = nullptr;  // final condition text (lists and exceptions applied)
  std::string output;            // rule output (trimmed)
  Priority priority = Priority::kDebug;
  bool enabled = true;
  std::set<std::string> tags;
  std::string source;
  EventSet evttypes;             // codes the rule can match
  std::set<std::string> exception_fields;
};

// The result of compiling a Collection.
struct CompiledRuleset {
  ast::Arena arena;
  std::vector<CompiledMacro> macros;      // in index order
  std::vector<CompiledRule> rules;        // in Falco's rule order (first definition)
  std::vector<ast::SharedItems> listrefs; // lists substituted as one token
  std::vector<std::string> list_names;    // parallel to listrefs (for the disassembler)
};

// Engine facts the loader checks against.
struct EngineInfo {
  Semver engine_version{0, 63, 0};
  // Built-in providers of plugin requirements (the container fields are built in).
  std::vector<std::pair<std::string, Semver>> builtin_plugins = {{"container", {0, 6, 0}}};
};

}  // namespace pg
