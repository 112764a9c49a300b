// The event view: the narrow interface through which the VM (and the reference evaluator, and
// output formatting) read the fields of one event. The capture side implements it over decoded
// scap events and the process/fd state; tests implement it over in-memory field maps.
//
// Contract:
// - extract() is called with a field id from vm/fields.def and its argument; it fills `out`
//   and returns true, or returns false when the field is missing for this event (sysdig's
//   <NA>). A missing field makes every check on it false (except through `not`).
// - String and byte values point into memory owned by the view (event buffer, state tables
//   or a per-event scratch arena); they stay valid until the view moves to another event.
// - Strings the state engine interned (process names, exe paths) carry `id`, an index into the
//   Interner the program was loaded with (vm/interner.h); any string the program compares
//   against is in that interner, so a string without an id equals no program constant.
// - No allocation is required of implementations on the hot path; extract() never throws.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "vm/fields.h"

namespace pg {

// Id of an interned string; kNoStrId when the string was not looked up (or is not in the
// interner); kAbsentStrId when it was looked up in the program's interner and is not there,
// which means it equals no constant of the program: `=`, `!=` and `in` against constants are
// then decided without reading the bytes.
inline constexpr uint32_t kNoStrId = 0xffffffffu;
inline constexpr uint32_t kAbsentStrId = 0xfffffffeu;

// An extracted value.
struct FieldValue {
  enum class Kind : uint8_t {
    kInt,    // signed integer (i)
    kUInt,   // unsigned integer, ports, times (u)
    kBool,   // b
    kStr,    // s (+ id when interned)
    kBytes,  // s: raw bytes
    kIp,     // ip (v4 in the first 4 bytes, network order; ip_v6 for IPv6)
    kNet,    // ip + prefix (fd.net style values are filter-only; rarely extracted)
    kList,   // list: strings (fd.types, list-valued fields)
  };
  Kind kind = Kind::kStr;
  bool ip_v6 = false;
  uint8_t prefix = 0;
  union {
    int64_t i;
    uint64_t u;
    bool b;
  };
  std::string_view s;
  uint32_t id = kNoStrId;
  std::array<uint8_t, 16> ip{};
  std::span<const std::string_view> list;

  FieldValue() : u(0) {}
  static FieldValue str(std::string_view v, uint32_t id = kNoStrId) {
    FieldValue f;
    f.kind = Kind::kStr;
    f.s = v;
    f.id = id;
    return f;
  }
  static FieldValue sint(int64_t v) {
    FieldValue f;
    f.kind = Kind::kInt;
    f.i = v;
    return f;
  }
  static FieldValue uint(uint64_t v) {
    FieldValue f;
    f.kind = Kind::kUInt;
    f.u = v;
    return f;
  }
  static FieldValue boolean(bool v) {
    FieldValue f;
    f.kind = Kind::kBool;
    f.b = v;
    return f;
  }
};

// A field argument as the VM passes it: the numeric index (or -1) and the key text.
struct FieldArgs {
  int64_t index = -1;
  std::string_view key;
};

class EventView {
 public:
  virtual ~EventView() = default;

  // PPM event code of the current event (vm/events.def).
  virtual uint16_t event_type() const = 0;

  // The index code of the current event (vm/events.h): the event code, or for the generic
  // syscall events kEventMax + the PPM syscall code. Rules are picked and evt.type is tested
  // on it. The default derives it from event_type() and the evt.type name; implementations
  // that know the syscall code should override it.
  virtual uint16_t index_code();

  // Extracts a field of the current event. Returns false when it is missing.
  virtual bool extract(FieldId field, const FieldArgs& args, FieldValue& out) = 0;
};

}  // namespace pg
