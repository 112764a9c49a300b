// Shared helpers of the libFuzzer targets: invariant checks that abort with a message (so
// libFuzzer records the input as a crash), a JSON well-formedness checker for the renderers'
// output, and the LeakSanitizer suppressions. Include from exactly one source file per target.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

// Aborts with the failed invariant when `cond` is false. Always on (never compiled out).
#define PG_FUZZ_CHECK(cond, what)                                                      \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      const std::string pg_fuzz_what_{what};                                          \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n  (%.*s)\n", __FILE__,  \
                   __LINE__, #cond, static_cast<int>(pg_fuzz_what_.size()),             \
                   pg_fuzz_what_.data());                                               \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

// A leak in the ANTLR 4.9 C++ runtime, not in Peregrine: LexerATNSimulator::computeTargetState()
// allocates a reach set and does not free it when no lexer rule can match and a semantic
// predicate was involved. Our word operators end in one ({blank_next()}?), so any input such as
// "a.b startswith" or "a.b containsx" leaks a few hundred bytes per parse. Suppressed here so
// the fuzzers keep looking for leaks of our own; see tests/fuzz/README.md.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:antlr4::atn::LexerATNSimulator::computeTargetState\n";
}

namespace pg::fuzz {

// True when `s` is one well-formed JSON value in valid UTF-8 (RFC 8259), with nesting no
// deeper than 64. Small recursive-descent checker; the renderers' documents are shallow.
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view s) : s_(s) {}

  bool valid() {
    ws();
    if (!value(0)) return false;
    ws();
    return i_ == s_.size();
  }

 private:
  bool value(int depth) {
    if (depth > 64 || i_ >= s_.size()) return false;
    switch (s_[i_]) {
      case '{': return object(depth);
      case '[': return array(depth);
      case '"': return string();
      case 't': return word("true");
      case 'f': return word("false");
      case 'n': return word("null");
      default: return number();
    }
  }
  bool object(int depth) {
    i_++;
    ws();
    if (peek('}')) return ++i_, true;
    for (;;) {
      ws();
      if (!peek('"') || !string()) return false;
      ws();
      if (!peek(':')) return false;
      i_++;
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (peek('}')) return ++i_, true;
      if (!peek(',')) return false;
      i_++;
    }
  }
  bool array(int depth) {
    i_++;
    ws();
    if (peek(']')) return ++i_, true;
    for (;;) {
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (peek(']')) return ++i_, true;
      if (!peek(',')) return false;
      i_++;
    }
  }
  bool string() {
    i_++;  // opening quote
    while (i_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return ++i_, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++i_ >= s_.size()) return false;
        char e = s_[i_++];
        if (e == 'u') {
          for (int k = 0; k < 4; k++, i_++) {
            if (i_ >= s_.size() || !is_hex(s_[i_])) return false;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
        continue;
      }
      if (c < 0x80) {
        i_++;
        continue;
      }
      if (!utf8()) return false;
    }
    return false;
  }
  bool utf8() {
    unsigned char c = static_cast<unsigned char>(s_[i_]);
    size_t len = c >= 0xf0 && c <= 0xf4   ? 4
                 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xc2 && c <= 0xdf ? 2
                                          : 0;
    if (len == 0 || i_ + len > s_.size()) return false;
    for (size_t k = 1; k < len; k++)
      if ((static_cast<unsigned char>(s_[i_ + k]) & 0xc0) != 0x80) return false;
    unsigned char c1 = static_cast<unsigned char>(s_[i_ + 1]);
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) ||
        (c == 0xf4 && c1 >= 0x90))
      return false;
    i_ += len;
    return true;
  }
  bool number() {
    size_t start = i_;
    if (peek('-')) i_++;
    if (peek('0')) {
      i_++;
    } else if (!digits()) {
      return false;
    }
    if (peek('.')) {
      i_++;
      if (!digits()) return false;
    }
    if (peek('e') || peek('E')) {
      i_++;
      if (peek('+') || peek('-')) i_++;
      if (!digits()) return false;
    }
    return i_ > start;
  }
  bool digits() {
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') i_++;
    return i_ > start;
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      i_++;
  }
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  static bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace pg::fuzz
