// Event snapshots: compact, pre-extracted copies of every field the benchmarked rules read,
// implementing pg::EventView, plus the native struct of the R1-R5 baselines.
//
// The key table lists every (field, index, key) any engine can ask for: the slots of the
// lowered programs, every field operand of the rule ASTs (what the reference evaluator asks
// for), the two sides of either-endpoint fields (fd.ip -> fd.cip / fd.sip, ...), and
// proc.aname[1..kMaxAncestors] style keys for ancestor fields used without an index. Each
// event stores, per key, either "missing" or one FieldValue (strings in an arena). extract()
// is two array reads and a copy; a request for a key outside the table is counted (and fails
// the correctness gate), so the table cannot silently miss a field.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vm/event_view.h"
#include "vm/events.h"
#include "vm/fields.h"
#include "vm/macros.h"

namespace pg {
struct CompiledRuleset;
namespace vm {
struct Program;
class LoadedProgram;
}  // namespace vm
}  // namespace pg

namespace pgb {

using pg::FieldArgs;
using pg::FieldId;
using pg::FieldValue;

inline constexpr int kMaxAncestors = 24;

// The index code of an event (vm/events.h) exactly as capture/fields.cpp
// FieldExtractor::index_code() computes it: the event code, or for the generic syscall events
// (PPME_GENERIC_E/X) kEventMax + the PPM syscall code of their ID parameter, when that code
// names a known syscall. `has_sc` is false when the event has no ID parameter.
inline uint16_t index_code_of(uint16_t type, bool has_sc, uint64_t sc) {
  if (type != pg::kGenericEnter && type != pg::kGenericExit) return type;
  if (!has_sc || sc >= pg::syscall_code_count() ||
      pg::syscall_name(static_cast<uint16_t>(sc)).empty())
    return type;
  return pg::generic_index_code(static_cast<uint16_t>(sc));
}

// Human-readable name of an index code: "openat<" for events, "generic:dup2" for the virtual
// per-syscall codes.
std::string index_code_name(uint16_t code);

// One extracted key.
struct KeyDef {
  FieldId field = FieldId::EVT_NUM;
  int64_t index = -1;
  std::string key;
  std::string sinsp_name;  // the field as libsinsp spells it ("proc.aname[2]", "evt.arg.fd")
  bool intern = false;     // process name / exe style value: carries an interner id
  int next = -1;           // next key with the same field and an argument
};

class KeyTable {
 public:
  KeyTable();
  // Adds a key (if new) and returns its number.
  int add(FieldId f, int64_t index, std::string_view key);
  // Adds every field the program's slots read.
  void add_program(const pg::vm::Program& p);
  // Adds every field operand of every rule and macro of the ruleset (with ancestors and
  // either-endpoint sides expanded).
  void add_ruleset(const pg::CompiledRuleset& rs);
  // Adds the keys of the R1-R5 native struct.
  void add_native();

  // Per FieldId, the key number of the field without argument, or -1.
  const int* plain_table() const { return plain_.data(); }
  // The key number of a request, or -1.
  int find(FieldId f, const FieldArgs& a) const {
    if (a.index < 0 && a.key.empty()) return plain_[static_cast<size_t>(f)];
    for (int k = chain_[static_cast<size_t>(f)]; k >= 0; k = keys_[k].next)
      if (keys_[k].index == a.index && keys_[k].key == a.key) return k;
    return -1;
  }
  size_t size() const { return keys_.size(); }
  const KeyDef& operator[](size_t k) const { return keys_[k]; }

 private:
  std::vector<KeyDef> keys_;
  std::vector<int> plain_;  // per FieldId: key without argument
  std::vector<int> chain_;  // per FieldId: first key with an argument
};

// Bump allocator for snapshot strings; reset() keeps the chunks.
class Arena {
 public:
  std::string_view copy(const char* p, size_t n);
  void reset() {
    chunk_ = 0;
    used_ = 0;
  }
  size_t bytes() const;

 private:
  static constexpr size_t kChunk = 1 << 16;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::vector<size_t> sizes_;
  size_t chunk_ = 0, used_ = 0;
};

// The R1-R5 native event: the fields the five conditions read, typed and interned.
struct NEvt {
  uint16_t type = 0;
  bool has_is_open_write = false, is_open_write = false;
  bool has_typechar = false;
  char typechar = 0;
  bool has_dir = false;
  char dir = 0;
  bool has_l4 = false;
  uint8_t l4 = 0;  // 1 tcp, 2 udp, 3 icmp, 4 raw, 0 other
  bool has_fd_name = false, has_proc_name = false;
  uint16_t proc_name_id = 0xffff;  // native interner id (native.h), 0xffff if not interned
  std::string_view fd_name, proc_name;
};

// A stored value: 24 bytes (strings and IP bytes live in the arena), so a 256-event block of
// snapshots stays cache-resident like the decoder state a real engine reads; extract()
// materialises the FieldValue the interface asks for. `id` holds the interner id of an
// interned string for program 0 (full ruleset) and 1 (R1-R5), kNoStrId otherwise.
struct CVal {
  FieldValue::Kind kind = FieldValue::Kind::kStr;
  bool v6 = false;
  uint8_t prefix = 0;
  uint32_t len = 0;
  union {
    uint64_t u;
    const char* p;  // strings, bytes, IP bytes
  };
  uint32_t id[2] = {pg::kNoStrId, pg::kNoStrId};
  CVal() : u(0) {}
};
static_assert(sizeof(CVal) == 24);

// Events with their values. Used both for the persistent corpus and for one 256-event block.
class Corpus {
 public:
  explicit Corpus(const KeyTable* kt) : kt_(kt) {}

  // Starts a new event: its PPM event code, its index code (index_code_of), its number.
  void begin(uint16_t type, uint16_t code, uint64_t num, uint32_t file);
  // Sets key k of the current event (string data is copied into the arena).
  void set(int k, const FieldValue& v);
  // Completes the current event: fills its NEvt and the interner ids of interned strings.
  void end(const pg::vm::LoadedProgram* full, const pg::vm::LoadedProgram* five);

  void clear();
  size_t size() const { return ev_.size(); }
  uint16_t type(size_t i) const { return ev_[i].type; }
  uint16_t code(size_t i) const { return ev_[i].code; }
  uint64_t num(size_t i) const { return ev_[i].num; }
  uint32_t file(size_t i) const { return ev_[i].file; }
  const NEvt& native(size_t i) const { return ev_[i].n; }
  // True when key k of event i is present.
  bool has(size_t i, int k) const { return k >= 0 && idx_[ev_[i].idx + k] != 0; }
  // The value of key k of event i; false when missing.
  bool get(size_t i, int k, FieldValue& out) const {
    if (k < 0) return false;
    uint16_t o = idx_[ev_[i].idx + k];
    if (!o) return false;
    materialize(vals_[ev_[i].vals + o - 1], out);
    return true;
  }
  static void materialize(const CVal& c, FieldValue& out) {
    out.kind = c.kind;
    switch (c.kind) {
      case FieldValue::Kind::kStr:
      case FieldValue::Kind::kBytes:
        out.s = std::string_view(c.p, c.len);
        break;
      case FieldValue::Kind::kIp:
      case FieldValue::Kind::kNet:
        out.ip_v6 = c.v6;
        out.prefix = c.prefix;
        std::memcpy(out.ip.data(), c.p, 16);
        break;
      default:
        out.u = c.u;
        break;
    }
  }
  Arena& arena() { return arena_; }
  // Reads every byte of events [b, e) (indexes, values, strings, native structs) so that the
  // next engine starts from a block that is as warm as freshly decoded state.
  uint64_t touch(size_t b, size_t e) const;
  size_t bytes() const;

  struct Ev {
    uint16_t type;
    uint16_t code;  // index code: type, or kEventMax + ppm_sc for generic events
    uint32_t file;
    uint64_t num;
    uint32_t idx;   // first of kt.size() entries in idx_
    uint32_t vals;  // first value in vals_
    NEvt n;
  };
  const KeyTable& keys() const { return *kt_; }

 private:
  friend class SnapView;
  const KeyTable* kt_;
  std::vector<Ev> ev_;
  std::vector<uint16_t> idx_;           // per event, per key: 0 missing, else 1 + value offset
  std::vector<CVal> vals_;
  Arena arena_;
};

// EventView over one event of a Corpus. `which` selects the program whose interner ids the
// string values carry (0 = full ruleset, 1 = R1-R5).
class SnapView final : public pg::EventView {
 public:
  // (The key table is complete before any corpus or view exists, so its plain-field table can
  // be held directly: one dependent load less on every extraction.)
  SnapView(const Corpus& c, int which) : c_(&c), plain_(c.keys().plain_table()), which_(which) {}
  // Moving to an event is one pointer, as for the capture side's FieldExtractor::set_event:
  // most events of a stream are never asked for a field.
  void set(size_t i) { e_ = &c_->ev_[i]; }
  uint16_t event_type() const override { return e_->type; }
  // The recorded index code (the generic events' syscall code was read from their ID
  // parameter when the snapshot was taken), as the capture side's FieldExtractor returns it.
  uint16_t index_code() override { return e_->code; }
  // Plain fields (no argument: nearly every slot) take the short path; fields with an index or
  // key walk the key table's chain out of line, so the common case needs no saved registers.
  bool extract(FieldId f, const FieldArgs& a, FieldValue& out) override {
    if (PG_UNLIKELY(a.index >= 0 || !a.key.empty())) return extract_keyed(f, a, out);
    return value(plain_[static_cast<size_t>(f)], out);
  }
  uint64_t unknown() const { return unknown_; }

 private:
  PG_NOINLINE bool extract_keyed(FieldId f, const FieldArgs& a, FieldValue& out) {
    return value(c_->kt_->find(f, a), out);
  }
  bool value(int k, FieldValue& out) {
    if (PG_UNLIKELY(k < 0)) {
      unknown_++;
      return false;
    }
    uint16_t o = c_->idx_[e_->idx + k];
    if (!o) return false;
    const CVal& v = c_->vals_[e_->vals + o - 1];
    Corpus::materialize(v, out);
    out.id = v.id[which_];
    return true;
  }

  const Corpus* c_;
  const int* plain_;  // the key table's key per field without argument
  int which_;
  const Corpus::Ev* e_ = nullptr;
  uint64_t unknown_ = 0;
};

// Converts a raw libsinsp extraction (pointer, length, libsinsp's PT_* type of the field) into
// a FieldValue typed per our catalogue type `want`. Strings are copied into `arena`. Returns
// false when the value cannot be represented (counted by the caller as a type mismatch).
bool convert_raw(const uint8_t* p, uint32_t len, uint8_t sinsp_type, pg::ParamType want,
                 Arena& arena, FieldValue& out);

}  // namespace pgb
