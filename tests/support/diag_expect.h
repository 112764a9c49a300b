// Expectation lines for diagnostics (STYLE.md rule 18): one diagnostic per line, in a form a
// case file can carry in a comment and a test can compare field by field.
//
//   error LOAD_ERR_COMPILE_CONDITION item=rule:my rule last=condition expression at 5:27 message="..."
//   warning LOAD_UNUSED_MACRO item=macro:foo at 3:3 message="Macro not referred to by any other rule/macro"
//
// - severity and code;
// - item=TYPE:NAME is the item-level location of the context chain (the location after
//   "rules content"; "rules content" itself when the chain has nothing else). NAME may be
//   empty, and is written in double quotes when it could be misread (it has " at ", " last=",
//   a leading quote or a byte outside printable ASCII);
// - last=TYPE is the item type of the last location, present when the chain is longer than
//   rules content + item (e.g. "rule condition", "condition expression", "value for");
// - at [FILE:]LINE:COL is the diagnostic's exact position, 1-based like compiler output; FILE
//   is given when the position is in another file than the one the result belongs to; "-"
//   when the diagnostic has no position;
// - message="..." with C-style escapes (\" \\ \n \t \r \xHH for other bytes).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/diagnostic.h"

namespace pg::test {

struct DiagExpect {
  std::string severity;  // "error" / "warning"
  std::string code;
  std::string item_type;
  std::string item_name;
  std::string last;      // empty when absent
  std::string pos;       // "[FILE:]LINE:COL" or "-"
  std::string message;

  bool operator==(const DiagExpect&) const = default;
};

inline std::string escape_c(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  return out;
}

// Decodes escape_c's output (the text between the quotes). Returns nullopt when malformed.
inline std::optional<std::string> unescape_c(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '\\') {
      out.push_back(s[i]);
      continue;
    }
    if (++i >= s.size()) return std::nullopt;
    switch (s[i]) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'x': {
        if (i + 2 >= s.size()) return std::nullopt;
        auto hex = [](char h) -> int {
          if (h >= '0' && h <= '9') return h - '0';
          if (h >= 'a' && h <= 'f') return h - 'a' + 10;
          if (h >= 'A' && h <= 'F') return h - 'A' + 10;
          return -1;
        };
        int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default: return std::nullopt;
    }
  }
  return out;
}

inline bool name_needs_quotes(std::string_view n) {
  if (n.empty()) return false;
  if (n[0] == '"' || n.find(" at ") != std::string_view::npos ||
      n.find(" last=") != std::string_view::npos || n.back() == ' ')
    return true;
  for (char ch : n) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f) return true;
  }
  return false;
}

// The expectation of an actual diagnostic. `home` is the file the result belongs to: positions
// inside it are written without a file name.
inline DiagExpect expect_of(const Diagnostic& d, std::string_view home) {
  DiagExpect e;
  e.severity = d.is_error() ? "error" : "warning";
  e.code = std::string(diag_code_name(d.code));
  if (!d.context.empty()) {
    const ContextLoc& item = d.context.size() > 1 ? d.context[1] : d.context[0];
    e.item_type = item.item_type;
    e.item_name = item.item_name;
    if (d.context.size() > 2) e.last = d.context.back().item_type;
  }
  if (d.pos.valid()) {
    LineCol lc = d.pos.line_col();
    if (d.pos.file->name() != home) e.pos = d.pos.file->name() + ":";
    e.pos += std::to_string(lc.line + 1) + ":" + std::to_string(lc.column + 1);
  } else {
    e.pos = "-";
  }
  e.message = d.message;
  return e;
}

inline std::string format_expect(const DiagExpect& e) {
  std::string s = e.severity + " " + e.code + " item=" + e.item_type + ":";
  s += name_needs_quotes(e.item_name) ? "\"" + escape_c(e.item_name) + "\"" : e.item_name;
  if (!e.last.empty()) s += " last=" + e.last;
  s += " at " + e.pos + " message=\"" + escape_c(e.message) + "\"";
  return s;
}

// Parses format_expect's output. Returns nullopt (and a reason) when the line is malformed.
inline std::optional<DiagExpect> parse_expect(std::string_view line, std::string* why) {
  auto bad = [&](const char* w) -> std::optional<DiagExpect> {
    if (why) *why = w;
    return std::nullopt;
  };
  DiagExpect e;
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return bad("missing code");
  e.severity = std::string(line.substr(0, sp));
  if (e.severity != "error" && e.severity != "warning") return bad("severity must be error or warning");
  line.remove_prefix(sp + 1);
  sp = line.find(' ');
  if (sp == std::string_view::npos) return bad("missing item=");
  e.code = std::string(line.substr(0, sp));
  line.remove_prefix(sp + 1);
  if (line.substr(0, 5) != "item=") return bad("expected item=");
  line.remove_prefix(5);
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bad("item= needs TYPE:NAME");
  e.item_type = std::string(line.substr(0, colon));
  line.remove_prefix(colon + 1);
  // The message is the final quoted field.
  size_t m = line.find(" message=\"");
  if (m == std::string_view::npos || line.back() != '"') return bad("expected message=\"...\"");
  std::optional<std::string> msg = unescape_c(line.substr(m + 10, line.size() - m - 11));
  if (!msg) return bad("bad escape in message");
  e.message = std::move(*msg);
  std::string_view head = line.substr(0, m);  // NAME [last=TYPE] at POS
  if (!head.empty() && head[0] == '"') {
    size_t i = 1;
    for (; i < head.size(); i++) {
      if (head[i] == '\\') i++;
      else if (head[i] == '"') break;
    }
    if (i >= head.size()) return bad("unterminated quoted name");
    std::optional<std::string> n = unescape_c(head.substr(1, i - 1));
    if (!n) return bad("bad escape in name");
    e.item_name = std::move(*n);
    head.remove_prefix(i + 1);
  } else {
    size_t stop = std::min(head.find(" last="), head.rfind(" at "));
    if (stop == std::string_view::npos) return bad("expected at POS");
    e.item_name = std::string(head.substr(0, stop));
    head.remove_prefix(stop);
  }
  if (head.substr(0, 6) == " last=") {
    size_t at = head.rfind(" at ");
    if (at == std::string_view::npos || at < 6) return bad("expected at POS after last=");
    e.last = std::string(head.substr(6, at - 6));
    head.remove_prefix(at);
  }
  if (head.substr(0, 4) != " at ") return bad("expected at POS");
  e.pos = std::string(head.substr(4));
  if (e.pos.empty()) return bad("empty position");
  return e;
}

}  // namespace pg::test
