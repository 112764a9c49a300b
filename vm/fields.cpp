// The field catalogue (vm/fields.def) expanded into a table, plus name resolution.
//
// Invariants:
// - kFields[i].id == FieldId(i): the table is the .def file in row order.
// - Names are unique, and every flag combination is one the resolver understands (checked at
//   compile time below): FF_DOT_ARG and FF_ARG_REQUIRED only on fields that take an argument,
//   FF_DOT_ARG never on a pure index field.
// - Resolution never throws and never allocates on the success path of a plain field; the name
//   map is built once, on first use, and is read-only afterwards (safe to share between threads).
//
// Resolution (lookup_field) follows LANGUAGE.md 2.5. Falco asks each field class in turn whether
// it recognises a prefix of the token and takes the longest name inside the first class that
// does; since our classes have disjoint top-level prefixes, the longest catalogue name that
// prefixes the token (on a '.' boundary) is the same answer. That field must then either be the
// whole token or accept its argument in dotted form (evt.arg.NAME, container.label.KEY, ...).
#include "vm/fields.h"

#include <iterator>
#include <cassert>
#include <charconv>
#include <string>
#include <unordered_map>

#include "vm/events.h"

namespace pg {
namespace {

constexpr FieldInfo kFields[] = {
#define FIELD(ident, name, type, arg, flags, needs, desc)                                    \
  FieldInfo{FieldId::ident, name, type, arg, static_cast<uint16_t>(flags),                 \
            static_cast<uint8_t>(needs), desc},
#include "vm/fields.def"
};

static_assert(std::size(kFields) == kFieldCount, "one FieldInfo per FieldId");

constexpr bool ids_in_row_order() {
  for (size_t i = 0; i < std::size(kFields); ++i) {
    if (static_cast<size_t>(kFields[i].id) != i) return false;
  }
  return true;
}
static_assert(ids_in_row_order(), "FieldId must equal the row index");

constexpr bool names_unique() {
  for (size_t i = 0; i < std::size(kFields); ++i) {
    for (size_t j = i + 1; j < std::size(kFields); ++j) {
      if (kFields[i].name == kFields[j].name) return false;
    }
  }
  return true;
}
static_assert(names_unique(), "duplicate field name in vm/fields.def");

constexpr bool flags_consistent() {
  for (const FieldInfo& f : kFields) {
    const bool takes_arg = f.arg != FieldArg::kNone;
    if ((f.flags & FF_ARG_REQUIRED) && !takes_arg) return false;
    if ((f.flags & FF_DOT_ARG) && (!takes_arg || f.arg == FieldArg::kIndex)) return false;
    if ((f.flags & FF_ANCESTOR) && !takes_arg) return false;
    if (f.name.empty() || f.description.empty()) return false;
  }
  return true;
}
static_assert(flags_consistent(), "inconsistent arg/flags in vm/fields.def");

using NameMap = std::unordered_map<std::string_view, const FieldInfo*>;

const NameMap& name_map() {
  static const NameMap map = [] {
    NameMap m;
    m.reserve(std::size(kFields) * 2);
    for (const FieldInfo& f : kFields) m.emplace(f.name, &f);
    return m;
  }();
  return map;
}

// Parses a non-negative decimal integer that must span all of `s`.
bool parse_index(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool is_all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

FieldLookup fail(std::string msg) {
  FieldLookup r;
  r.error = std::move(msg);
  return r;
}

std::string quoted_field(std::string_view name) {
  std::string s = "field '";
  s.append(name);
  s += '\'';
  return s;
}

FieldLookup nonexistent(std::string_view name, const std::string* bracket_arg) {
  std::string msg = "filter_check called with nonexistent field ";
  msg.append(name);
  if (bracket_arg != nullptr) {
    msg += '[';
    msg += *bracket_arg;
    msg += ']';
  }
  return fail(std::move(msg));
}

FieldLookup success(FieldRef ref) {
  FieldLookup r;
  r.ref = std::move(ref);
  return r;
}

// Checks a `[...]` argument of field `f` (which takes one) and fills `ref`.
FieldLookup bracket_argument(const FieldInfo& f, const std::string& arg) {
  FieldRef ref;
  ref.info = &f;
  ref.has_arg = true;
  ref.arg = arg;
  switch (f.arg) {
    case FieldArg::kNone:
      break;  // handled by the caller
    case FieldArg::kIndex:
    case FieldArg::kEvtArg:
      if (!parse_index(arg, ref.index)) {
        return fail(quoted_field(f.name) + " requires a numeric index argument, got '" + arg +
                    "'");
      }
      return success(std::move(ref));
    case FieldArg::kKey:
      if (f.id == FieldId::EVT_RAWARG) {
        // libsinsp: `evt.rawarg[...]` is refused; the parameter must be named (evt.rawarg.NAME).
        return fail("evt.arg fields must be expressed explicitly");
      }
      if (arg.empty()) return fail(quoted_field(f.name) + " requires an argument");
      return success(std::move(ref));
    case FieldArg::kIndexOrKey:
      if (arg.empty()) return fail(quoted_field(f.name) + " requires an argument");
      if (is_all_digits(arg) && !parse_index(arg, ref.index)) {
        return fail(quoted_field(f.name) + " has an out-of-range index argument '" + arg + "'");
      }
      return success(std::move(ref));
  }
  return fail(quoted_field(f.name) + " does not take an argument");
}

// Checks the `.KEY` part of a dotted reference to `f` (which has FF_DOT_ARG).
FieldLookup dotted_argument(const FieldInfo& f, std::string_view token, std::string_view key) {
  if (key.empty()) return nonexistent(token, nullptr);
  const bool names_event_param = f.arg == FieldArg::kEvtArg || f.id == FieldId::EVT_RAWARG;
  if (names_event_param && !is_known_event_param(key)) {
    std::string msg = "unknown event argument ";
    msg.append(key);
    return fail(std::move(msg));
  }
  FieldRef ref;
  ref.info = &f;
  ref.has_arg = true;
  ref.arg.assign(key);
  if (f.arg == FieldArg::kIndexOrKey && is_all_digits(key) && !parse_index(key, ref.index)) {
    return fail(quoted_field(f.name) + " has an out-of-range index argument '" + ref.arg + "'");
  }
  return success(std::move(ref));
}

}  // namespace

std::span<const FieldInfo> all_fields() { return {kFields, std::size(kFields)}; }

const FieldInfo& field_info(FieldId id) {
  const auto i = static_cast<size_t>(id);
  assert(i < std::size(kFields));
  return kFields[i];
}

const FieldInfo* find_field(std::string_view name) {
  const NameMap& m = name_map();
  auto it = m.find(name);
  return it == m.end() ? nullptr : it->second;
}

FieldLookup lookup_field(std::string_view name, const std::string* bracket_arg) {
  // 1. The whole token is a field name.
  if (const FieldInfo* f = find_field(name)) {
    if (bracket_arg != nullptr) {
      if (f->arg == FieldArg::kNone) {
        return fail(quoted_field(f->name) + " does not take an argument");
      }
      return bracket_argument(*f, *bracket_arg);
    }
    if (f->flags & FF_ARG_REQUIRED) return fail(quoted_field(f->name) + " requires an argument");
    FieldRef ref;
    ref.info = f;
    return success(std::move(ref));
  }

  // 2. The longest field name that is a proper prefix ending at a '.'. It must accept a dotted
  //    argument, and the token may not carry a bracket argument as well.
  for (size_t dot = name.rfind('.'); dot != std::string_view::npos && dot > 0;
       dot = name.rfind('.', dot - 1)) {
    const FieldInfo* f = find_field(name.substr(0, dot));
    if (f == nullptr) continue;
    if (!(f->flags & FF_DOT_ARG) || bracket_arg != nullptr) break;
    return dotted_argument(*f, name, name.substr(dot + 1));
  }

  // 3. Nothing matched the whole token.
  return nonexistent(name, bracket_arg);
}

}  // namespace pg
