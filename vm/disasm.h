// The disassembler: a stable, readable listing of a program (`peregrinec disasm`, golden tests).
#pragma once

#include <string>

#include "vm/program.h"

namespace pg::vm {

struct DisasmOptions {
  std::string rule;        // only this rule (and the macros it calls); empty = everything
  bool show_lines = true;  // append "; line:col" from the line table
};

std::string disassemble(const Program& p, const DisasmOptions& opts = {});

// One instruction, e.g. "STR_IN      ?F s2=proc.name  set#1 {bash, sh, ...}".
std::string disassemble_insn(const Program& p, uint32_t pc);

}  // namespace pg::vm
