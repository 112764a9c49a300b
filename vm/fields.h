// The field catalogue: every event field Peregrine knows (vm/fields.def), with its type,
// argument kind, flags and the state it needs. Shared by the compiler (names, types, checks),
// the capture side (extractors are indexed by FieldId) and `peregrinec fields`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vm/types.h"

namespace pg {

// Field ids: the row order of vm/fields.def.
enum class FieldId : uint16_t {
#define FIELD(ident, name, type, arg, flags, needs, desc) ident,
#include "vm/fields.def"
  kCount
};

inline constexpr size_t kFieldCount = static_cast<size_t>(FieldId::kCount);

// What may follow a field name.
enum class FieldArg : uint8_t {
  kNone,        // no argument
  kIndex,       // [N], N a non-negative integer (proc.aname[2], proc.args[1])
  kKey,         // [KEY] or .KEY (proc.env[HOME], container.label.app)
  kEvtArg,      // evt.arg[N] or evt.arg.NAME (NAME a known event parameter name)
  kIndexOrKey,  // [N] or [KEY] (container.mount.dest[/var/run/docker.sock])
};

// Field flags.
enum FieldFlags : uint16_t {
  FF_NONE = 0,
  FF_FILTER_ONLY = 1 << 0,    // usable in conditions only, not in outputs
  FF_NO_TRANSFORMER = 1 << 1, // cannot be wrapped in a transformer
  FF_NO_RHS = 1 << 2,         // cannot be compared with another field (val(), transformers)
  FF_DEPRECATED = 1 << 3,     // loading a rule that uses it gives LOAD_DEPRECATED_ITEM
  FF_LIST = 1 << 4,           // list-valued (in = every element, intersects = any)
  FF_ARG_REQUIRED = 1 << 5,   // the argument is mandatory
  FF_ANCESTOR = 1 << 6,       // without an index, a filter matches if any ancestor matches
  FF_DOT_ARG = 1 << 7,        // the argument may also be written as a .suffix
};

// State a field needs (LANGUAGE.md legend).
enum FieldNeeds : uint8_t {
  NEED_E = 1 << 0,  // event data only
  NEED_T = 1 << 1,  // thread table
  NEED_F = 1 << 2,  // fd table
  NEED_C = 1 << 3,  // container metadata
  NEED_K = 1 << 4,  // k8s metadata
  NEED_U = 1 << 5,  // user/group database
};

// One catalogue entry.
struct FieldInfo {
  FieldId id;
  std::string_view name;
  ParamType type;
  FieldArg arg;
  uint16_t flags;
  uint8_t needs;
  std::string_view description;
};

// All entries, in FieldId order.
std::span<const FieldInfo> all_fields();

// The entry for an id.
const FieldInfo& field_info(FieldId id);

// A parsed field reference: the catalogue entry plus its argument, if any.
struct FieldRef {
  const FieldInfo* info = nullptr;
  bool has_arg = false;
  std::string arg;      // key text, or the decimal index text
  int64_t index = -1;   // numeric argument for kIndex / kEvtArg[N] / kIndexOrKey[N], else -1
};

// Result of resolving a field token such as `proc.aname[2]` or `container.label.app`.
struct FieldLookup {
  std::optional<FieldRef> ref;  // set on success
  std::string error;            // Falco-style message on failure
};

// Resolves `name` (the dotted name, without any bracket argument) and the optional bracket
// argument `bracket_arg` (nullptr when absent). Implements Falco's longest-prefix rule and the
// argument checks of LANGUAGE.md 2.5.
FieldLookup lookup_field(std::string_view name, const std::string* bracket_arg);

// Exact catalogue entry by full name, or nullptr.
const FieldInfo* find_field(std::string_view name);

}  // namespace pg
