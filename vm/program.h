// Program: a compiled ruleset as the VM runs it, and its binary artifact (`.pgb`).
//
// A Program is plain data: code, pools and tables, with indexes between them. It is produced
// by compiler/lower.cpp, saved and loaded by serialize()/deserialize() (versioned,
// checksummed), checked by verify() (vm/verify.h), and then prepared for execution by
// LoadedProgram, which builds the runtime matchers (hash sets, tries, automata, RE2 objects,
// globs) and maps every program string to an id of the runtime Interner.
//
// Code layout: one flat instruction array; each rule and each shared macro is a block
// [entry, end) that ends in RET. Jumps never leave their block and only go forward.
// Slots are the per-event value registers: slot i is either a field extraction or a
// transformer over lower-numbered slots (so lazy evaluation is a DAG walk).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vm/fields.h"
#include "vm/insn.h"
#include "vm/interner.h"

namespace re2 {
class RE2;
}

namespace pg::vm {

// What a slot holds.
struct SlotDef {
  enum class Kind : uint8_t { kField, kXform };
  Kind kind = Kind::kField;
  // kField
  FieldId field = FieldId::EVT_NUM;
  int64_t index = -1;   // numeric argument, -1 if none
  uint32_t key = 0;     // string pool index of the key argument (valid when has_key)
  bool has_key = false;
  // kXform: transformer kind (ast::Xform numbering) over argument slots or string constants.
  uint8_t xform = 0;
  std::vector<uint32_t> args;       // per argument: slot index, or string index if is_const
  std::vector<uint8_t> arg_is_const;
  uint32_t index_str = 0;           // getopt's option character (string pool index)
  ParamType type = ParamType::NONE; // result type
};

// A set of strings (or byte strings) with the matcher it needs.
struct SetDef {
  enum class Kind : uint8_t { kExact, kPrefix, kSuffix, kContains, kIContains, kPath };
  Kind kind = Kind::kExact;
  std::vector<uint32_t> members;  // string pool indexes
  std::string name;               // the list's name when it came from a list (for disasm)
};

// A numeric set.
struct NumSetDef {
  std::vector<uint64_t> members;  // raw 64-bit values (signed stored as two's complement)
};

// An IP address or network constant.
struct IpDef {
  bool v6 = false;
  uint8_t prefix = 0;  // networks only
  std::array<uint8_t, 16> bytes{};
};

// oneof / anyof / allof over a base string operator.
struct ModDef {
  Op base = Op::STR_EQ;  // one of the STR_* / BYTES_* single-operand test ops
  uint8_t mod = 0;       // 1 oneof, 2 anyof, 3 allof
  bool icase = false;    // iglob
  std::vector<uint32_t> items;  // string pool indexes (or glob/regex indexes for those ops)
};

// A rule as the runtime needs it.
struct RuleEntry {
  std::string name;
  uint32_t entry = 0;  // first instruction
  uint32_t end = 0;    // one past the last instruction
  uint8_t priority = 7;
  bool enabled = true;
  std::string output;
  std::string source = "syscall";
  std::vector<std::string> tags;
  std::string location;  // "file:line" of the rule, for listings
};

struct MacroEntry {
  std::string name;
  uint32_t entry = 0;
  uint32_t end = 0;
};

// pc -> source position (delta encoded in the artifact; expanded here).
struct LineEntry {
  uint32_t pc = 0;
  uint32_t file = 0;  // string pool index of the file name
  uint32_t line = 0;  // 1-based
  uint32_t column = 0;
};

struct Program {
  std::vector<Insn> code;
  std::vector<uint64_t> consts;          // K: numeric constants
  std::vector<std::string> strings;      // STR: string and byte constants
  std::vector<SetDef> sets;              // SET
  std::vector<NumSetDef> numsets;        // NUMSET
  std::vector<IpDef> ips;                // IP (addresses) and NET (networks)
  std::vector<std::vector<uint32_t>> ipsets;  // IPSET / NETSET: indexes into ips
  std::vector<uint32_t> globs;           // GLOB: string indexes (iglob: folded, flag in set)
  std::vector<uint8_t> glob_icase;
  std::vector<uint32_t> regexes;         // REGEX: string indexes
  std::vector<ModDef> mods;              // MOD
  std::vector<std::vector<uint16_t>> tsets;  // TSET: index codes (vm/events.h)
  std::vector<SlotDef> slots;
  std::vector<MacroEntry> macros;        // callee index < caller index for macro blocks
  std::vector<RuleEntry> rules;          // Falco rule order
  std::vector<std::vector<uint32_t>> by_event;  // index code -> rule indexes, in rule order
  std::vector<LineEntry> lines;
  std::string compiler_version;
};

// ---- artifact ----------------------------------------------------------------------------

inline constexpr uint32_t kArtifactMagic = 0x4247504eu;  // "NPGB" little-endian: 'N','P','G','B'
inline constexpr uint32_t kArtifactVersion = 1;

// Serialises a program: header (magic, format version, compiler version, xxHash64 of the
// payload), then sections.
std::string serialize(const Program& p);

// Parses an artifact. On failure returns false and a clear reason (truncated, bad magic,
// wrong version, checksum mismatch, malformed section); never crashes on hostile input.
bool deserialize(std::string_view bytes, Program& out, std::string& error);

// ---- runtime -------------------------------------------------------------------------------

class Matchers;  // runtime structures (strset.h)

// Whether `in` is a test of one slot read through the Vm's per-event slot cache (formats S and
// SC, no ancestor iteration): false whenever that slot is missing for the event. The Vm's
// rule-start analysis and the missing-field shortcuts (vm/insn.h) decide on it.
bool reads_one_slot(const Insn& in);

// A verified program prepared for execution. Immutable and shareable between threads; each
// thread runs it with its own Vm (vm/interp.h).
class LoadedProgram {
 public:
  // Verifies and prepares `p`. Returns null with `error` set when verification fails.
  static std::shared_ptr<const LoadedProgram> load(Program p, std::string& error);

  const Program& program() const { return prog_; }
  const Interner& interner() const { return interner_; }
  const Matchers& matchers() const { return *matchers_; }
  // Runtime interner ids of the program's strings, indexed by string number.
  const uint32_t* string_ids() const { return string_ids_.data(); }
  // The code the interpreter dispatches on: the program's instructions, same operands, with
  // each test's op byte replaced by its dispatch code (vm/insn.h). Built once at load and
  // shared by every Vm that runs the program.
  const Insn* dispatch_code() const { return dispatch_.data(); }

  ~LoadedProgram();

 private:
  LoadedProgram() = default;
  Program prog_;
  Interner interner_;
  std::vector<uint32_t> string_ids_;
  std::vector<Insn> dispatch_;
  std::unique_ptr<Matchers> matchers_;
};

}  // namespace pg::vm
