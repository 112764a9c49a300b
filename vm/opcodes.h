// Opcodes and their static properties, expanded from vm/opcodes.def.
#pragma once

#include <cstdint>
#include <string_view>

namespace pg::vm {

enum class Op : uint8_t {
#define OP(name, fmt, flags, meaning) name,
#include "vm/opcodes.def"
  kCount
};

enum class Format : uint8_t { NONE, JUMP, SC, SS, S, TSET, CALL };

enum OpFlags : uint8_t { NONE = 0, TEST = 1, JUMP = 2, TERM = 4, PSEUDO = 8 };

struct OpInfo {
  std::string_view name;
  Format format;
  uint8_t flags;
  std::string_view meaning;
};

// Properties of an opcode; nullptr for a byte that is no opcode.
const OpInfo* op_info(uint8_t op);

inline constexpr uint32_t kOpCount = static_cast<uint32_t>(Op::kCount);

}  // namespace pg::vm
