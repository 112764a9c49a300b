// Diagnostics: what the loader and the checker report, and how it is rendered.
//
// Every diagnostic carries (1) Falco's view of it: code, message and the context chain of
// locations Falco prints ("In rules content ... rule 'X' ... condition expression"), so the
// JSON and Falco-style text match `falco -V`; and (2) our exact position: a file offset (plus
// caret width) inside the YAML file, and notes such as "expanded from macro 'm' used at ...".
// Diagnostics are collected, never thrown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source.h"

namespace pg {

enum class Severity : uint8_t { kError, kWarning };

enum class DiagCode : uint8_t {
#define DIAG_ERROR(code, s, d) code,
#define DIAG_WARNING(code, s, d) code,
#include "compiler/diag_codes.def"
};

std::string_view diag_code_name(DiagCode c);
std::string_view diag_code_short(DiagCode c);  // "Error compiling condition"
std::string_view diag_code_desc(DiagCode c);   // long description
Severity diag_code_severity(DiagCode c);

// One entry of Falco's context chain.
struct ContextLoc {
  std::string item_type;  // "rules content", "rule", "rule condition", "condition expression"...
  std::string item_name;  // "" when the location has no name
  std::string pos_name;   // Falco's position name: the file name, or a quoted condition excerpt
  FilePos pos;            // where it points (line/column/offset are derived from it)
};

// A secondary message attached to a diagnostic.
struct Note {
  std::string message;
  FilePos pos;  // may be invalid
};

struct Diagnostic {
  DiagCode code{};
  std::string message;
  std::vector<ContextLoc> context;
  FilePos pos;          // exact position of the problem (invalid when there is none)
  uint32_t length = 1;  // caret width in bytes
  std::vector<Note> notes;
  std::string deprecated_field;  // LOAD_DEPRECATED_ITEM for a field: the field's name

  Severity severity() const { return diag_code_severity(code); }
  bool is_error() const { return severity() == Severity::kError; }
};

// Text rendering of one diagnostic in compiler style:
//   file:line:col: error[CODE]: message
//      12 |   condition: proc.name = bash) and x
//         |                              ^
//   note: expanded from macro 'm' used at file:line:col
// Lines and columns are 1-based here, as editors expect.
std::string render_compiler_style(const Diagnostic& d);

// Falco's verbose block for one diagnostic: the "In ...:" location lines, the snippet between
// "------" lines, and "CODE (short text): message".
std::string render_falco_block(const Diagnostic& d);

}  // namespace pg
