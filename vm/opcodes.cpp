#include "vm/opcodes.h"

namespace pg::vm {
namespace {
constexpr OpInfo kOps[] = {
#define OP(name, fmt, flags, meaning) {#name, Format::fmt, flags, meaning},
#include "vm/opcodes.def"
};
static_assert(sizeof(kOps) / sizeof(kOps[0]) == kOpCount);
}  // namespace

const OpInfo* op_info(uint8_t op) { return op < kOpCount ? &kOps[op] : nullptr; }

}  // namespace pg::vm
