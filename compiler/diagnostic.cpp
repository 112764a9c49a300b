#include "compiler/diagnostic.h"

#include <algorithm>

namespace pg {
namespace {

struct CodeInfo {
  std::string_view name, short_text, desc;
  Severity severity;
};

constexpr CodeInfo kCodes[] = {
#define DIAG_ERROR(code, s, d) {#code, s, d, Severity::kError},
#define DIAG_WARNING(code, s, d) {#code, s, d, Severity::kWarning},
#include "compiler/diag_codes.def"
};

const CodeInfo& info(DiagCode c) { return kCodes[static_cast<size_t>(c)]; }

// Expands tabs so the caret lines up with what a terminal shows.
std::string caret_line(std::string_view line, uint32_t column, uint32_t length) {
  std::string pad;
  for (uint32_t i = 0; i < column && i < line.size(); i++) pad.push_back(line[i] == '\t' ? '\t' : ' ');
  for (uint32_t i = static_cast<uint32_t>(line.size()); i < column; i++) pad.push_back(' ');
  uint32_t width = std::max<uint32_t>(1, length);
  // Never underline past the end of the line.
  if (column < line.size()) width = std::min<uint32_t>(width, static_cast<uint32_t>(line.size()) - column);
  else width = 1;
  return pad + "^" + std::string(width - 1, '~');
}

}  // namespace

std::string_view diag_code_name(DiagCode c) { return info(c).name; }
std::string_view diag_code_short(DiagCode c) { return info(c).short_text; }
std::string_view diag_code_desc(DiagCode c) { return info(c).desc; }
Severity diag_code_severity(DiagCode c) { return info(c).severity; }

std::string render_compiler_style(const Diagnostic& d) {
  std::string out;
  const char* sev = d.is_error() ? "error" : "warning";
  if (d.pos.valid()) {
    LineCol lc = d.pos.line_col();
    out += d.pos.file->name() + ":" + std::to_string(lc.line + 1) + ":" +
           std::to_string(lc.column + 1) + ": ";
  }
  out += std::string(sev) + "[" + std::string(diag_code_name(d.code)) + "]: " + d.message + "\n";
  if (d.pos.valid()) {
    LineCol lc = d.pos.line_col();
    std::string_view line = d.pos.file->line_text(lc.line);
    std::string num = std::to_string(lc.line + 1);
    std::string gutter(num.size(), ' ');
    out += " " + num + " | " + std::string(line) + "\n";
    out += " " + gutter + " | " + caret_line(line, lc.column, d.length) + "\n";
  }
  for (const Note& n : d.notes) {
    out += "note: " + n.message;
    if (n.pos.valid()) {
      LineCol lc = n.pos.line_col();
      out += " (" + n.pos.file->name() + ":" + std::to_string(lc.line + 1) + ":" +
             std::to_string(lc.column + 1) + ")";
    }
    out += "\n";
    if (n.pos.valid()) {
      LineCol lc = n.pos.line_col();
      std::string_view line = n.pos.file->line_text(lc.line);
      std::string num = std::to_string(lc.line + 1);
      out += " " + num + " | " + std::string(line) + "\n";
      out += " " + std::string(num.size(), ' ') + " | " + caret_line(line, lc.column, 1) + "\n";
    }
  }
  return out;
}

std::string render_falco_block(const Diagnostic& d) {
  std::string out;
  bool first = true;
  for (const ContextLoc& loc : d.context) {
    out += first ? "In " : "    ";
    first = false;
    out += loc.item_type;
    if (!loc.item_name.empty()) out += " '" + loc.item_name + "'";
    LineCol lc = loc.pos.line_col();
    out += ": (" + loc.pos_name + ":" + std::to_string(lc.line) + ":" +
           std::to_string(lc.column) + ")\n";
  }
  // The snippet: the line holding the problem, with a caret under its column.
  FilePos at = d.pos.valid() ? d.pos : (d.context.empty() ? FilePos{} : d.context.back().pos);
  out += "------\n";
  if (at.valid()) {
    LineCol lc = at.line_col();
    std::string_view line = at.file->line_text(lc.line);
    out += std::string(line) + "\n" + caret_line(line, lc.column, 1) + "\n";
  }
  out += "------\n";
  out += std::string(diag_code_name(d.code)) + " (" + std::string(diag_code_short(d.code)) +
         "): " + d.message + "\n";
  return out;
}

}  // namespace pg
