#include "compiler/format.h"

#include <cctype>
#include <cstring>

namespace pg {
namespace {

bool is_seg_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_seg_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Length of a dotted field name at the start of s (SEG ('.' SEG)+), or 0.
size_t scan_fieldname(std::string_view s) {
  size_t i = 0;
  int segs = 0;
  while (true) {
    if (i >= s.size() || !is_seg_start(s[i])) break;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) i++;
    while (i < s.size() && is_seg_char(s[i])) i++;
    segs++;
    if (i + 1 < s.size() && s[i] == '.' && is_seg_start(s[i + 1])) {
      i++;
      continue;
    }
    break;
  }
  return segs >= 2 ? i : 0;
}

const std::pair<std::string_view, ast::Xform> kXforms[] = {
    {"tolower", ast::Xform::kToLower}, {"toupper", ast::Xform::kToUpper},
    {"b64", ast::Xform::kB64},         {"basename", ast::Xform::kBasename},
    {"len", ast::Xform::kLen},         {"join", ast::Xform::kJoin},
    {"concat", ast::Xform::kConcat},   {"getopt", ast::Xform::kGetOpt}};

struct Scanned {
  size_t length = 0;   // bytes consumed after '%' and width
  FieldRef field;
  std::vector<ast::Xform> xforms;
  std::string error;   // empty when ok
  std::string longest; // longest candidate, for the error
};

// Scans a field with an optional [arg] at s, trying shorter dotted prefixes when needed.
Scanned scan_field(std::string_view s) {
  Scanned r;
  size_t n = scan_fieldname(s);
  if (n == 0) {
    size_t e = 0;
    while (e < s.size() && !std::isspace(static_cast<unsigned char>(s[e]))) e++;
    r.longest = std::string(s.substr(0, e));
    r.error = r.longest.empty() ? "invalid formatting token"
                                : "invalid formatting token " + r.longest;
    return r;
  }
  r.longest = std::string(s.substr(0, n));
  std::string last_error;
  for (size_t len = n; len > 0;) {
    std::string name(s.substr(0, len));
    size_t consumed = len;
    std::string arg;
    const std::string* argp = nullptr;
    if (len < s.size() && s[len] == '[') {
      size_t close = s.find(']', len);
      if (close != std::string_view::npos && close > len + 1) {
        arg = std::string(s.substr(len + 1, close - len - 1));
        argp = &arg;
        consumed = close + 1;
      }
    }
    FieldLookup l = lookup_field(name, argp);
    if (l.ref) {
      r.length = consumed;
      r.field = *l.ref;
      return r;
    }
    if (last_error.empty()) last_error = l.error;
    // Try the next shorter dotted prefix.
    size_t dot = name.rfind('.');
    if (dot == std::string::npos || name.find('.') == dot) break;
    len = dot;
  }
  r.error = "invalid formatting token " + r.longest;
  return r;
}

Scanned scan_token(std::string_view s, int depth = 0) {
  for (const auto& [name, x] : kXforms) {
    if (s.size() > name.size() && s.substr(0, name.size()) == name && s[name.size()] == '(') {
      if (depth > 16) {
        Scanned r;
        r.error = "invalid formatting token: transformers nested too deeply";
        return r;
      }
      Scanned inner = scan_token(s.substr(name.size() + 1), depth + 1);
      if (!inner.error.empty()) return inner;
      size_t close = name.size() + 1 + inner.length;
      if (close >= s.size() || s[close] != ')') {
        Scanned r;
        r.error = "invalid formatting token " + std::string(s.substr(0, close)) +
                  ": expected ')' after the transformer argument";
        return r;
      }
      inner.xforms.insert(inner.xforms.begin(), x);
      inner.length = close + 1;
      return inner;
    }
  }
  return scan_field(s);
}

}  // namespace

std::optional<Format> parse_format(std::string_view fmt, FormatError* err,
                                   FormatWarnings* warnings, bool falco_rule_output) {
  Format f;
  size_t i = 0;
  if (!fmt.empty() && fmt[0] == '*') {
    f.star = true;
    i = 1;
  }
  std::string lit;
  auto flush = [&]() {
    if (lit.empty()) return;
    FormatToken t;
    t.literal = std::move(lit);
    f.tokens.push_back(std::move(t));
    lit.clear();
  };
  while (i < fmt.size()) {
    char c = fmt[i];
    if (c != '%') {
      lit.push_back(c);
      i++;
      continue;
    }
    uint32_t at = static_cast<uint32_t>(i);
    i++;
    if (falco_rule_output && fmt.substr(i, 14) == "container.info") {
      // Falco removes every "%container.info" from rule outputs (a plain text replacement,
      // whatever follows it) and warns.
      if (warnings) warnings->container_info = true;
      i += 14;
      continue;
    }
    if (i >= fmt.size()) {
      if (err) *err = {"invalid formatting syntax: formatting cannot end with a %", at};
      return std::nullopt;
    }
    uint32_t width = 0;
    while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) {
      width = width * 10 + static_cast<uint32_t>(fmt[i] - '0');
      if (width > 100000) width = 100000;
      i++;
    }
    Scanned s = scan_token(fmt.substr(i));
    if (!s.error.empty()) {
      if (err) *err = {s.error, at};
      return std::nullopt;
    }
    std::string_view written = fmt.substr(i, s.length);
    if (s.field.info->flags & FF_FILTER_ONLY) {
      if (err)
        *err = {"'" + std::string(s.field.info->name) +
                    "' is filter only and cannot be used as a display field",
                at};
      return std::nullopt;
    }
    if (warnings && (s.field.info->flags & FF_DEPRECATED))
      warnings->deprecated_fields.push_back(std::string(s.field.info->name));
    flush();
    FormatToken t;
    t.is_field = true;
    t.name = std::string(written);
    t.width = width;
    t.field = s.field;
    t.xforms = std::move(s.xforms);
    t.offset = at;
    f.tokens.push_back(std::move(t));
    i += s.length;
  }
  flush();
  return f;
}

}  // namespace pg
