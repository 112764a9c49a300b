// See fast_lex.h. Each mode of FilterLexer.g4 is a function that measures every rule of the
// mode at the current offset and keeps the longest match, the earlier rule winning a tie: the
// rule ANTLR's lexer follows. Fragments are measured by the m_* helpers (0 = no match).
#include "compiler/fast_lex.h"

#include <antlr4-runtime.h>

#include <cstring>
#include <string>

#include "FilterLexer.h"

namespace pg {

namespace {

using L = grammar::FilterLexer;

constexpr size_t kDefaultMode = 0;

inline bool is_blank(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n';
}
inline bool is_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool is_word(unsigned char c) { return is_letter(c) || is_digit(c) || c == '_'; }
inline bool is_hex(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
// ~[\][\\"' \t\b\r\n\f\u000B]: the first character of a bare field argument, every character
// of a bare XINDEX.
inline bool is_arg_char(unsigned char c) {
  return !(c == ']' || c == '[' || c == '\\' || c == '"' || c == '\'' || is_blank(c) ||
           c == '\f' || c == '\v');
}
// ~[\]["' \t\b\r\n\f\u000B]: later characters of a bare field argument (a backslash is allowed).
inline bool is_arg_rest(unsigned char c) { return c == '\\' || is_arg_char(c); }
// BARECHARS: ~[()"' \t\r\n\f\u000B=,] (a backspace is allowed).
inline bool is_bare(unsigned char c) {
  return !(c == '(' || c == ')' || c == '"' || c == '\'' || c == ' ' || c == '\t' || c == '\r' ||
           c == '\n' || c == '\f' || c == '\v' || c == '=' || c == ',');
}

class Lexer {
 public:
  Lexer(std::string_view src, std::vector<LexToken>& out) : s_(src), n_(src.size()), out_(out) {}

  bool run() {
    while (p_ < n_) {
      bool ok = false;
      switch (mode_) {
        case kDefaultMode: ok = default_mode(); break;
        case L::OPERATOR: ok = operator_mode(); break;
        case L::STRVAL: ok = strval_mode(); break;
        case L::NUMVAL: ok = numval_mode(); break;
        case L::LISTVAL: ok = listval_mode(); break;
        case L::LISTITEMS: ok = listitems_mode(); break;
        default: return false;
      }
      if (!ok) return false;
    }
    out_.push_back({antlr4::Token::EOF, n_, n_ - 1});
    return true;
  }

 private:
  unsigned char at(size_t i) const { return i < n_ ? static_cast<unsigned char>(s_[i]) : 0; }
  bool has(size_t i) const { return i < n_; }
  bool lit(size_t i, std::string_view w) const {
    return i + w.size() <= n_ && std::memcmp(s_.data() + i, w.data(), w.size()) == 0;
  }

  // ---- fragments: the length matched at offset i, or 0 ----

  size_t m_blanks(size_t i) const {
    size_t j = i;
    while (has(j) && is_blank(at(j))) j++;
    return j - i;
  }
  size_t m_seg(size_t i) const {
    if (!has(i) || !is_letter(at(i))) return 0;
    size_t j = i + 1;
    while (has(j) && is_word(at(j))) j++;
    return j - i;
  }
  size_t m_fieldname(size_t i) const {
    size_t len = m_seg(i);
    if (len == 0) return 0;
    size_t segs = 1;
    while (at(i + len) == '.' && has(i + len) && has(i + len + 1) && is_letter(at(i + len + 1))) {
      len += 1 + m_seg(i + len + 1);
      segs++;
    }
    return segs >= 2 ? len : 0;
  }
  // DQSTR / SQSTR: '"' (~["\\] | '\\'+ ~[\\])* '"'.
  size_t m_quoted(size_t i) const {
    if (!has(i)) return 0;
    unsigned char q = at(i);
    if (q != '"' && q != '\'') return 0;
    size_t j = i + 1;
    for (;;) {
      if (!has(j)) return 0;
      unsigned char c = at(j);
      if (c == q) return j + 1 - i;
      if (c == '\\') {
        while (has(j) && at(j) == '\\') j++;
        if (!has(j)) return 0;
      }
      j++;
    }
  }
  size_t m_xname_open(size_t i) const {
    static constexpr std::string_view kNames[] = {"tolower", "toupper", "b64",  "basename",
                                                  "len",     "join",    "concat", "getopt"};
    for (std::string_view w : kNames)
      if (lit(i, w) && has(i + w.size()) && at(i + w.size()) == '(') return w.size() + 1;
    return 0;
  }
  size_t m_valopen(size_t i) const { return lit(i, "val(") ? 4 : 0; }
  size_t m_hexnum(size_t i) const {
    if (!(at(i) == '0' && has(i) && has(i + 1) && (at(i + 1) == 'x' || at(i + 1) == 'X')))
      return 0;
    size_t j = i + 2;
    while (has(j) && is_hex(at(j))) j++;
    return j > i + 2 ? j - i : 0;
  }
  // [+-]? [0-9]+ '.'? [0-9]* ([eE] [+-] [0-9]+)?
  size_t m_number(size_t i) const {
    size_t j = i;
    if (has(j) && (at(j) == '+' || at(j) == '-')) j++;
    size_t d = j;
    while (has(j) && is_digit(at(j))) j++;
    if (j == d) return 0;
    if (has(j) && at(j) == '.') j++;
    while (has(j) && is_digit(at(j))) j++;
    if (has(j + 2) && (at(j) == 'e' || at(j) == 'E') && (at(j + 1) == '+' || at(j + 1) == '-') &&
        is_digit(at(j + 2))) {
      j += 2;
      while (has(j) && is_digit(at(j))) j++;
    }
    return j - i;
  }
  // '[' (DQSTR | SQSTR | bare) ']', `field_arg` selecting FIELDARG's bare form over XINDEX's.
  size_t m_bracket(size_t i, bool field_arg) const {
    if (!has(i) || at(i) != '[') return 0;
    size_t j = i + 1;
    if (size_t q = m_quoted(j)) {
      j += q;
    } else {
      if (!has(j) || !is_arg_char(at(j))) return 0;
      j++;
      while (has(j) && (field_arg ? is_arg_rest(at(j)) : is_arg_char(at(j)))) j++;
    }
    return has(j) && at(j) == ']' ? j + 1 - i : 0;
  }
  size_t m_bare(size_t i) const {
    size_t j = i;
    while (has(j) && is_bare(at(j))) j++;
    return j - i;
  }
  // ('oneof' | 'anyof' | 'allof') {modifier_follows()}?
  size_t m_mod(size_t i) const {
    if (!(lit(i, "oneof") || lit(i, "anyof") || lit(i, "allof"))) return 0;
    size_t k = i + 5;  // the predicate's LA(1)
    size_t j = k;
    while (has(j) && is_blank(at(j))) j++;
    if (has(j) && at(j) == '(') return 5;
    if (j == k || !has(j) || !is_letter(at(j))) return 0;
    std::string word;
    while (has(j) && is_word(at(j)) && word.size() < 4) word.push_back(static_cast<char>(at(j++)));
    if (has(j) && is_word(at(j))) return 5;
    return word != "and" && word != "or" && word != "not" ? 5 : 0;
  }
  size_t m_word_blank(size_t i, std::string_view w) const {
    return lit(i, w) && has(i + w.size()) && is_blank(at(i + w.size())) ? w.size() + 1 : 0;
  }

  // ---- longest match ----

  struct Best {
    int rule = -1;
    size_t len = 0;
    void offer(int r, size_t l) {
      if (l > len) {
        len = l;
        rule = r;
      }
    }
  };

  void emit(size_t type, size_t len) {
    out_.push_back({type, p_, p_ + len - 1});
    p_ += len;
  }
  bool push_mode(size_t m) {
    stack_.push_back(mode_);
    mode_ = m;
    return true;
  }
  bool pop_mode() {
    if (stack_.empty()) return false;
    mode_ = stack_.back();
    stack_.pop_back();
    return true;
  }
  bool in_xform_args() const { return !parens_.empty() && parens_.back() != 'P'; }
  void open_paren() { parens_.push_back(in_xform_args() ? 'L' : 'P'); }
  void close_paren() {
    if (parens_.empty()) return;
    char c = parens_.back();
    parens_.pop_back();
    if (c == 'X') push_mode(L::OPERATOR);
  }
  bool open_rhs_call() {
    if (!pop_mode()) return false;
    parens_.push_back('R');
    return true;
  }

  bool default_mode() {
    enum { kBlank, kAnd, kOr, kNot, kNotGroup, kLParen, kRParen, kComma, kXOpen, kValOpen,
           kField, kIdent, kQstr, kHex, kNumber, kXIndex };
    Best b;
    unsigned char c = at(p_);
    if (is_blank(c)) b.offer(kBlank, m_blanks(p_));
    if (is_letter(c)) {
      size_t seg = m_seg(p_);
      if (seg == 3 && lit(p_, "and")) b.offer(kAnd, 3);
      if (seg == 2 && lit(p_, "or")) b.offer(kOr, 2);
      b.offer(kNot, m_word_blank(p_, "not"));
      if (lit(p_, "not(")) b.offer(kNotGroup, 4);
      b.offer(kXOpen, m_xname_open(p_));
      b.offer(kValOpen, m_valopen(p_));
      if (size_t f = m_fieldname(p_)) b.offer(kField, f + m_bracket(p_ + f, true));
      b.offer(kIdent, seg);
    }
    if (c == '(') b.offer(kLParen, 1);
    if (c == ')') b.offer(kRParen, 1);
    if (c == ',') b.offer(kComma, 1);
    if (c == '"' || c == '\'') b.offer(kQstr, m_quoted(p_));
    if (is_digit(c) || c == '+' || c == '-') {
      b.offer(kHex, m_hexnum(p_));
      b.offer(kNumber, m_number(p_));
    }
    if (c == '[') b.offer(kXIndex, m_bracket(p_, false));
    switch (b.rule) {
      case kBlank: p_ += b.len; return true;
      case kAnd: emit(L::AND, b.len); return true;
      case kOr: emit(L::OR, b.len); return true;
      case kNot: emit(L::NOT, b.len); return true;
      case kNotGroup: emit(L::NOTGROUP, b.len); open_paren(); return true;
      case kLParen: emit(L::LPAREN, b.len); open_paren(); return true;
      case kRParen: emit(L::RPAREN, b.len); close_paren(); return true;
      case kComma: emit(L::COMMA, b.len); return true;
      case kXOpen:
        emit(L::XOPEN, b.len);
        parens_.push_back(in_xform_args() ? 'N' : 'X');
        return true;
      case kValOpen: emit(L::VALOPEN, b.len); return true;
      case kField:
        emit(L::FIELD, b.len);
        if (!in_xform_args()) push_mode(L::OPERATOR);
        return true;
      case kIdent: emit(L::IDENT, b.len); return true;
      case kQstr: emit(L::QSTR, b.len); return true;
      case kHex: emit(L::HEXNUM, b.len); return true;
      case kNumber: emit(L::NUMBER, b.len); return true;
      case kXIndex: emit(L::XINDEX, b.len); return true;
      default: return false;
    }
  }

  bool operator_mode() {
    // Token type and the mode it switches to (0: stay; kPop: pop), in the grammar's order.
    constexpr size_t kPop = ~size_t{0};
    struct Op {
      std::string_view text;
      bool blank;  // the keyword carries one blank
      size_t type;
      size_t next;
    };
    static constexpr Op kOps[] = {
        {"==", false, L::EQEQ, L::STRVAL},
        {"=", false, L::EQ, L::STRVAL},
        {"!=", false, L::NEQ, L::STRVAL},
        {"<=", false, L::LE, L::NUMVAL},
        {"<", false, L::LT, L::NUMVAL},
        {">=", false, L::GE, L::NUMVAL},
        {">", false, L::GT, L::NUMVAL},
        {"contains", true, L::CONTAINS, L::STRVAL},
        {"icontains", true, L::ICONTAINS, L::STRVAL},
        {"bcontains", true, L::BCONTAINS, L::STRVAL},
        {"startswith", true, L::STARTSWITH, L::STRVAL},
        {"bstartswith", true, L::BSTARTSWITH, L::STRVAL},
        {"endswith", true, L::ENDSWITH, L::STRVAL},
        {"glob", true, L::GLOB, L::STRVAL},
        {"iglob", true, L::IGLOB, L::STRVAL},
        {"regex", true, L::REGEX, L::STRVAL},
        {"intersects", false, L::INTERSECTS, L::LISTVAL},
        {"in", false, L::IN, L::LISTVAL},
        {"pmatch", false, L::PMATCH, L::LISTVAL},
        {"exists", false, L::EXISTS, kPop},
    };
    unsigned char c = at(p_);
    if (is_blank(c)) {
      p_ += m_blanks(p_);
      return true;
    }
    const Op* best = nullptr;
    size_t len = 0;
    for (const Op& op : kOps) {
      size_t l = op.blank ? m_word_blank(p_, op.text) : (lit(p_, op.text) ? op.text.size() : 0);
      if (l > len) {
        len = l;
        best = &op;
      }
    }
    if (size_t x = m_bracket(p_, false); x > len) {  // OP_XINDEX
      emit(L::XINDEX, x);
      return true;
    }
    if (!best) return false;
    emit(best->type, len);
    if (best->next == kPop) return pop_mode();
    mode_ = best->next;
    return true;
  }

  // The value calls shared by the value modes: 'val(' and XNAME '(' (open_rhs_call).
  bool value_call(size_t& len, size_t& type) const {
    if (size_t v = m_valopen(p_)) {
      len = v;
      type = L::VALOPEN;
      return true;
    }
    if (size_t x = m_xname_open(p_)) {
      len = x;
      type = L::XOPEN;
      return true;
    }
    return false;
  }

  bool strval_mode() {
    enum { kBlank, kMod, kValOpen, kXOpen, kQstr, kBare };
    Best b;
    unsigned char c = at(p_);
    if (is_blank(c)) b.offer(kBlank, m_blanks(p_));
    b.offer(kMod, m_mod(p_));
    b.offer(kValOpen, m_valopen(p_));
    b.offer(kXOpen, m_xname_open(p_));
    if (c == '"' || c == '\'') b.offer(kQstr, m_quoted(p_));
    b.offer(kBare, m_bare(p_));
    switch (b.rule) {
      case kBlank: p_ += b.len; return true;
      case kMod: emit(L::MOD, b.len); mode_ = L::LISTVAL; return true;
      case kValOpen: emit(L::VALOPEN, b.len); return open_rhs_call();
      case kXOpen: emit(L::XOPEN, b.len); return open_rhs_call();
      case kQstr: emit(L::QSTR, b.len); return pop_mode();
      case kBare: emit(L::BARESTR, b.len); return pop_mode();
      default: return false;
    }
  }

  bool numval_mode() {
    unsigned char c = at(p_);
    if (is_blank(c)) {
      p_ += m_blanks(p_);
      return true;
    }
    size_t len = 0, type = 0;
    if (value_call(len, type)) {
      emit(type, len);
      return open_rhs_call();
    }
    size_t h = m_hexnum(p_), n = m_number(p_);
    if (h == 0 && n == 0) return false;
    emit(h >= n ? L::HEXNUM : L::NUMBER, std::max(h, n));
    return pop_mode();
  }

  bool listval_mode() {
    unsigned char c = at(p_);
    if (is_blank(c)) {
      p_ += m_blanks(p_);
      return true;
    }
    if (c == '(') {
      emit(L::LPAREN, 1);
      mode_ = L::LISTITEMS;
      return true;
    }
    size_t len = 0, type = 0;
    if (value_call(len, type)) {
      emit(type, len);
      return open_rhs_call();
    }
    if (size_t seg = m_seg(p_)) {
      emit(L::IDENT, seg);
      return pop_mode();
    }
    return false;
  }

  bool listitems_mode() {
    enum { kBlank, kComma, kRParen, kQstr, kListRef, kBare };
    Best b;
    unsigned char c = at(p_);
    if (is_blank(c)) b.offer(kBlank, m_blanks(p_));
    if (c == ',') b.offer(kComma, 1);
    if (c == ')') b.offer(kRParen, 1);
    if (c == '"' || c == '\'') b.offer(kQstr, m_quoted(p_));
    if (c == '\x01') {
      size_t j = p_ + 1;
      while (has(j) && is_digit(at(j))) j++;
      if (j > p_ + 1 && has(j) && at(j) == '\x01') b.offer(kListRef, j + 1 - p_);
    }
    b.offer(kBare, m_bare(p_));
    switch (b.rule) {
      case kBlank: p_ += b.len; return true;
      case kComma: emit(L::COMMA, 1); return true;
      case kRParen: emit(L::RPAREN, 1); return pop_mode();
      case kQstr: emit(L::QSTR, b.len); return true;
      case kListRef: emit(L::LISTREF, b.len); return true;
      case kBare: emit(L::BARESTR, b.len); return true;
      default: return false;
    }
  }

  std::string_view s_;
  size_t n_;
  std::vector<LexToken>& out_;
  size_t p_ = 0;
  size_t mode_ = kDefaultMode;
  std::vector<size_t> stack_;
  std::vector<char> parens_;
};

}  // namespace

bool fast_lex(std::string_view src, std::vector<LexToken>& out) {
  return Lexer(src, out).run();
}

}  // namespace pg
