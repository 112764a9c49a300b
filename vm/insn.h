// The instruction encoding: one 64-bit word per instruction.
//
//   63        56 55        48 47                32 31                                 0
//  +------------+------------+--------------------+------------------------------------+
//  |   op (8)   |   a (8)    |       b (16)       |               c (32)               |
//  +------------+------------+--------------------+------------------------------------+
//
//   op  opcode (vm/opcodes.def)
//   a   small immediate: test sense and mode bits (kSense*, kAncestorAny, comparison op for
//       CMP_SLOTS), or the RET value
//   b   slot index (the per-event value registers)
//   c   pool index (constants, strings, sets, patterns, macros, event-type sets), a second
//       slot (CMP_SLOTS), or a forward jump offset (JMP)
//
// Every limit below is a named constant with the reason it exists.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "vm/opcodes.h"

namespace pg::vm {

// Slots are addressed by 16 bits: more distinct field/transformer values than this in one
// ruleset would be a pathological program (the official rules use about 150).
inline constexpr uint32_t kMaxSlots = 1u << 16;
// Pool indexes and jump offsets use 32 bits; programs are far below this (2 MiB budget).
inline constexpr uint64_t kMaxPool = 1ull << 32;
// Transformers nest at most this deep (bounds the lazy slot computation's recursion).
inline constexpr uint32_t kMaxXformDepth = 16;
// Macro calls nest at most this deep (bounds the interpreter's recursion; the compiler's
// expansion depth limit is 1000, and only shared macros become calls).
inline constexpr uint32_t kMaxCallDepth = 1024;

// Bits of `a` in test instructions.
inline constexpr uint8_t kSenseTrue = 1;     // jump when the test is true (else when false)
inline constexpr uint8_t kAncestorAny = 2;   // iterate ancestors 1..N (proc.aname w/o index)
inline constexpr uint8_t kCmpShift = 2;      // CMP_SLOTS: comparison op in a >> kCmpShift

// Field of an instruction word at bit kShift, read on its own: on a little-endian machine a
// byte or halfword load at its offset (see Insn).
template <class T, int kShift>
constexpr T insn_field(const uint64_t& word) {
  if (std::endian::native == std::endian::little && !std::is_constant_evaluated()) {
    T v{};
    std::memcpy(&v, reinterpret_cast<const unsigned char*>(&word) + kShift / 8, sizeof v);
    return v;
  }
  return static_cast<T>(word >> kShift);
}

struct Insn {
  uint64_t word = 0;

  static constexpr Insn make(Op op, uint8_t a, uint16_t b, uint32_t c) {
    return Insn{(static_cast<uint64_t>(op) << 56) | (static_cast<uint64_t>(a) << 48) |
                (static_cast<uint64_t>(b) << 32) | c};
  }
  // Each field is read on its own: on a little-endian machine a byte or halfword load at its
  // offset, one instruction where a shift of a loaded word takes two or three (the dispatch
  // loop decodes every executed instruction, so this is on the per-event path).
  constexpr Op op() const { return static_cast<Op>(insn_field<uint8_t, 56>(word)); }
  constexpr uint8_t a() const { return insn_field<uint8_t, 48>(word); }
  constexpr uint16_t b() const { return insn_field<uint16_t, 32>(word); }
  constexpr uint32_t c() const { return insn_field<uint32_t, 0>(word); }
  constexpr void set_c(uint32_t c) { word = (word & ~0xffffffffull) | c; }
};

static_assert(sizeof(Insn) == 8, "instructions are one 64-bit word");
static_assert(static_cast<int>(Op::kCount) <= 256, "opcodes fit in 8 bits");
static_assert(Insn::make(Op::RET, 1, 0xffff, 0xffffffffu).b() == 0xffff, "b field is 16 bits");
static_assert(Insn::make(Op::JMP, 0, 0, 7).op() == Op::JMP, "op field round-trips");

// Dispatch codes: the op byte of an instruction in the code the interpreter dispatches on
// (LoadedProgram::dispatch_code()), where a test's sense and any-ancestor bit are decoded once,
// at load, instead of on every execution:
//   op                      non-test instructions, and tests that jump when false
//   op + kOps               tests that jump when true
//   kDispatchGeneric(F|T)   by sense, the one-slot tests the interpreter does on its generic
//                           path: an ancestor field without index (proc.aname = x: any
//                           ancestor, iterated) and a transformer's slot (computed), so that
//                           the inline handlers read only extracted fields
inline constexpr uint32_t kOps = static_cast<uint32_t>(Op::kCount);
inline constexpr uint8_t kDispatchGenericF = 2 * kOps;
inline constexpr uint8_t kDispatchGenericT = 2 * kOps + 1;
inline constexpr uint32_t kDispatchCodes = 2 * kOps + 2;
static_assert(kDispatchCodes <= 256, "dispatch codes fit the op byte");
// Missing-field shortcuts: in the dispatch code, the JMP after a test of one slot (formats S
// and SC, no ancestor iteration) carries in its b field the offset from the test to where
// evaluation continues when that slot is missing for the event: the test is then false, and so
// is every test of the same slot its false edges lead to, so the shortcut skips them all.
// 0 means none (the test takes its ordinary false path). Offsets fit the b field's 16 bits.
inline constexpr uint32_t kMaxShortcut = 0xffff;

}  // namespace pg::vm
