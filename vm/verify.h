// The load-time verifier: the only checks the interpreter relies on.
//
// verify() proves, before any instruction runs, that:
//   - every opcode is a known, non-PSEUDO opcode, and every TEST is followed by a JMP;
//   - every jump is forward and lands inside its own block (rule or macro);
//   - every block ends in RET, so every path terminates (jumps only go forward: the control
//     flow of a block is a DAG);
//   - slot, constant, string, set, pattern, ip, mod, event-type-set and macro indexes are in
//     range, and each operand pool entry has the kind its opcode needs;
//   - slot definitions are well formed: fields exist, transformer arguments refer to lower
//     slots (the lazy slot computation is a DAG) and nest at most kMaxXformDepth deep;
//   - a macro block only calls macros with a lower index (the call graph is a DAG) and call
//     nesting is at most kMaxCallDepth;
//   - rule and macro blocks tile the code without overlap; the event index only names rules.
// A program that fails is rejected with a message naming the first problem.
#pragma once

#include <string>

#include "vm/program.h"

namespace pg::vm {

// Returns true if `p` is safe to run; otherwise false and a description in `error`.
bool verify(const Program& p, std::string& error);

}  // namespace pg::vm
