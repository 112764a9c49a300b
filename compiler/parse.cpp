// Condition parsing (see parse.h). Layout of this file:
//   1. byte input stream and error capture for the ANTLR lexer and parser;
//   2. the depth pre-scan;
//   3. Falco's string unescaping;
//   4. the visitor that builds the AST from the parse tree;
//   5. parse_condition(), which ties them together and maps errors to Falco's wording.
#include "compiler/parse.h"

#include "compiler/fast_lex.h"

#include <antlr4-runtime.h>

#include <algorithm>
#include <cstring>

#include "Filter.h"
#include "FilterBaseVisitor.h"
#include "FilterLexer.h"

namespace pg {

using grammar::Filter;
using grammar::FilterLexer;

namespace {

// ---- 1. input and errors ------------------------------------------------------------------

// Feeds each byte as one code point, so token indexes are byte offsets and every byte
// sequence (invalid UTF-8 included) is acceptable input.
class ByteStream : public antlr4::ANTLRInputStream {
 public:
  explicit ByteStream(std::string_view bytes) {
    _data.reserve(bytes.size());
    for (unsigned char c : bytes) _data.push_back(static_cast<char32_t>(c));
    p = 0;
  }
};

// Thrown by our error listeners to stop ANTLR at the first error; caught in parse_condition.
struct LexFailure {
  size_t offset;
  size_t mode;
};
struct ParseFailure {
  antlr4::Token* offending;
  size_t rule;
  bool expects_rparen;
  antlr4::Token* rule_start;  // first token of the failing rule (the context is gone once caught)
};

class LexerErrors : public antlr4::BaseErrorListener {
 public:
  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token*, size_t, size_t,
                   const std::string&, std::exception_ptr) override {
    auto* lexer = static_cast<FilterLexer*>(recognizer);
    throw LexFailure{lexer->tokenStartCharIndex, lexer->mode};
  }
};

class ParserErrors : public antlr4::BaseErrorListener {
 public:
  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t, size_t,
                   const std::string&, std::exception_ptr) override {
    auto* parser = static_cast<Filter*>(recognizer);
    antlr4::ParserRuleContext* ctx = parser->getContext();
    bool rparen = false;
    try {
      rparen = parser->getExpectedTokens().contains(static_cast<size_t>(FilterLexer::RPAREN));
    } catch (...) {
    }
    throw ParseFailure{offending, ctx ? ctx->getRuleIndex() : 0, rparen,
                       ctx ? ctx->getStart() : nullptr};
  }
};

// A CommonToken recycled through a per-thread free list. The parser's token stream owns one
// token object per token and frees them all with the stream, a malloc/free pair per token
// (about 2% of compiling the official rules); recycled, they cost a pointer swap. (Deleting
// through Token's virtual destructor reaches this class's operator delete.)
class PooledToken final : public antlr4::CommonToken {
 public:
  using CommonToken::CommonToken;
  static void* operator new(size_t n) {
    FreeList& f = free_list();
    if (n != sizeof(PooledToken) || f.head == nullptr) return ::operator new(n);
    void* p = f.head;
    f.head = *static_cast<void**>(p);
    return p;
  }
  static void operator delete(void* p, size_t n) {
    if (n != sizeof(PooledToken)) return ::operator delete(p);
    FreeList& f = free_list();
    *static_cast<void**>(p) = f.head;
    f.head = p;
  }

 private:
  // Returns the blocks to the heap when its thread ends (compiles run on their own thread).
  struct FreeList {
    void* head = nullptr;
    ~FreeList() {
      while (head) {
        void* next = *static_cast<void**>(head);
        ::operator delete(head);
        head = next;
      }
    }
  };
  static FreeList& free_list() {
    static thread_local FreeList f;
    return f;
  }
};
static_assert(sizeof(PooledToken) >= sizeof(void*), "a free block holds the next pointer");

// Serves the tokens of fast_lex() (compiler/fast_lex.h) to the ANTLR parser.
class VectorTokenSource : public antlr4::TokenSource {
 public:
  VectorTokenSource(const std::vector<LexToken>& tokens, antlr4::CharStream* input)
      : tokens_(tokens), input_(input) {}
  std::unique_ptr<antlr4::Token> nextToken() override {
    const LexToken& t = tokens_[next_];
    if (next_ + 1 < tokens_.size()) next_++;  // the last token is EOF: repeat it
    return std::unique_ptr<antlr4::Token>(new PooledToken(
        std::pair<antlr4::TokenSource*, antlr4::CharStream*>(this, input_), t.type,
        antlr4::Token::DEFAULT_CHANNEL, t.start, t.stop));
  }
  size_t getLine() const override { return 1; }
  size_t getCharPositionInLine() override { return tokens_[next_].start; }
  antlr4::CharStream* getInputStream() override { return input_; }
  std::string getSourceName() override { return "condition"; }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }

 private:
  const std::vector<LexToken>& tokens_;
  antlr4::CharStream* input_;
  size_t next_ = 0;
};

// ---- 2. depth pre-scan --------------------------------------------------------------------

// Returns the offset of the first '(' that opens nesting level max_depth+1, or -1. Quoted
// strings are skipped with the lexer's rule (a quote preceded by a backslash does not close).
int64_t find_too_deep(std::string_view s, uint32_t max_depth) {
  uint32_t depth = 0;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (c == '"' || c == '\'') {
      size_t j = i + 1;
      while (j < s.size() && !(s[j] == c && s[j - 1] != '\\')) j++;
      i = j;
    } else if (c == '(') {
      if (++depth > max_depth) return static_cast<int64_t>(i);
    } else if (c == ')') {
      if (depth > 0) depth--;
    }
  }
  return -1;
}

// ---- 4. AST building ----------------------------------------------------------------------

struct BuildError {
  std::string message;
  uint32_t offset;
  uint32_t length;
};

class AstBuilder {
 public:
  AstBuilder(const MappedText* text, ast::Arena& arena, const ParseOptions& opts)
      : text_(text), src_(text->text()), arena_(arena), opts_(opts) {}

  ast::Node* build(Filter::ExprContext* e) { return expr(e); }

  std::optional<BuildError> error;
  bool listref_misplaced = false;
  size_t listrefs_used = 0;  // LISTREF tokens turned into shared lists

 private:
  ast::Span span_of(antlr4::ParserRuleContext* ctx) const {
    uint32_t b = static_cast<uint32_t>(ctx->getStart()->getStartIndex());
    uint32_t e = ctx->getStop() && ctx->getStop()->getStopIndex() != INVALID_INDEX
                     ? static_cast<uint32_t>(ctx->getStop()->getStopIndex() + 1)
                     : b;
    return {b, std::max(b, e)};
  }
  ast::Span span_of(antlr4::Token* t) const {
    return {static_cast<uint32_t>(t->getStartIndex()),
            static_cast<uint32_t>(t->getStopIndex() + 1)};
  }
  // An operator's span: word operators and `not` carry their following blank in the token.
  ast::Span word_span(antlr4::Token* t) const {
    ast::Span sp = span_of(t);
    char last = src_[sp.end - 1];
    if (sp.end - sp.begin > 1 && (last == ' ' || last == '\t' || last == '\b' || last == '\r' ||
                                  last == '\n'))
      sp.end--;
    return sp;
  }
  std::string_view text_of(antlr4::Token* t) const {
    return std::string_view(src_).substr(t->getStartIndex(),
                                         t->getStopIndex() + 1 - t->getStartIndex());
  }
  void fail(std::string msg, uint32_t offset, uint32_t length = 1) {
    if (!error) error = BuildError{std::move(msg), offset, length};
  }
  // Tokens other than LISTREF must not contain the list placeholder byte.
  void check_placeholder(antlr4::Token* t) {
    if (opts_.listrefs && text_of(t).find('\x01') != std::string_view::npos)
      listref_misplaced = true;
  }
  // A bare value may not contain NUL either (as after unescaping a quoted one).
  void check_nul(antlr4::Token* t) {
    size_t nul = text_of(t).find('\0');
    if (nul != std::string_view::npos)
      fail("string value contains a NUL character", span_of(t).begin + static_cast<uint32_t>(nul));
  }

  ast::Node* expr(Filter::ExprContext* e) {
    if (e->terms.size() == 1) return and_expr(e->terms[0]);
    ast::Node* n = arena_.make(ast::Kind::kOr, text_, span_of(e));
    for (auto* t : e->terms) push_flat(n, and_expr(t));
    return n;
  }
  ast::Node* and_expr(Filter::AndExprContext* e) {
    if (e->terms.size() == 1) return not_expr(e->terms[0]);
    ast::Node* n = arena_.make(ast::Kind::kAnd, text_, span_of(e));
    for (auto* t : e->terms) push_flat(n, not_expr(t));
    return n;
  }
  // Chains of one operator become one n-ary node; parenthesised groups of the same operator
  // are merged too (they mean the same and keep the AST shallow).
  static void push_flat(ast::Node* parent, ast::Node* child) {
    if (child && child->kind == parent->kind) {
      for (ast::Node* c : child->children) parent->children.push_back(c);
    } else {
      parent->children.push_back(child);
    }
  }
  ast::Node* not_expr(Filter::NotExprContext* e) {
    ast::Node* inner = atom(last_child<Filter::AtomContext>(e));  // nots+=NOT* atom
    // Each `not` wraps once, innermost last: `not not a` is Not(Not(a)).
    for (size_t i = e->nots.size(); i-- > 0;) {
      ast::Span s{static_cast<uint32_t>(e->nots[i]->getStartIndex()), span_of(e).end};
      ast::Node* n = arena_.make(ast::Kind::kNot, text_, s);
      n->children.push_back(inner);
      inner = n;
    }
    return inner;
  }
  // The labelled alternatives of `atom` and `check` are told apart by their first token (each
  // alternative starts with its own tokens in Filter.g4), which is much cheaper than
  // dynamic_cast on every node.
  static size_t first_token(antlr4::ParserRuleContext* c) { return c->getStart()->getType(); }
  // Child i (or the last child) of a context where Filter.g4 puts a T there. The generated
  // accessors (ctx->expr(), ctx->atom(), ...) find a child with a dynamic_cast of every child in
  // turn; this is 3% of compiling the official rules. The tree is complete here (any syntax
  // error throws before the builder runs), and rule contexts derive from ParseTree without
  // virtual bases, so the static_cast is exact.
  template <class T>
  static T* child(antlr4::ParserRuleContext* c, size_t i) {
    return static_cast<T*>(c->children[i]);
  }
  template <class T>
  static T* last_child(antlr4::ParserRuleContext* c) {
    return static_cast<T*>(c->children.back());
  }
  // Whether a listValue or numValue context is its rhsCall alternative (val(...) or a
  // transformer: the only alternatives starting with these tokens).
  static bool is_rhs_call(antlr4::ParserRuleContext* c) {
    size_t t = first_token(c);
    return t == FilterLexer::VALOPEN || t == FilterLexer::XOPEN;
  }

  ast::Node* atom(Filter::AtomContext* a) {
    size_t first = first_token(a);
    if (first == FilterLexer::LPAREN) return expr(child<Filter::ExprContext>(a, 1));  // ( expr )
    if (first == FilterLexer::NOTGROUP) {
      auto* ng = static_cast<Filter::NotGroupContext*>(a);
      // `not(` ... `)`: the token holds the parenthesis.
      ast::Node* n = arena_.make(ast::Kind::kNot, text_, span_of(ng));
      n->children.push_back(expr(child<Filter::ExprContext>(ng, 1)));  // not( expr )
      return n;
    }
    if (first == FilterLexer::IDENT) {
      antlr4::Token* t = a->getStart();
      check_placeholder(t);
      ast::Node* n = arena_.make(ast::Kind::kMacroRef, text_, span_of(t));
      n->name = std::string(text_of(t));
      return n;
    }
    auto* c = static_cast<Filter::CheckAtomContext*>(a);
    ast::Node* n = arena_.make(ast::Kind::kCheck, text_, span_of(c));
    n->lhs = operand(c->lhs);
    check(n, last_child<Filter::CheckContext>(c));  // operand check
    return n;
  }

  void check(ast::Node* n, Filter::CheckContext* c) {
    size_t op = first_token(c);
    if (op == FilterLexer::EXISTS) {
      auto* x = static_cast<Filter::ExistsCheckContext*>(c);
      n->op = ast::Op::kExists;
      n->op_span = span_of(x->op);
      return;
    }
    if (op != FilterLexer::LT && op != FilterLexer::LE && op != FilterLexer::GT &&
        op != FilterLexer::GE && op != FilterLexer::IN && op != FilterLexer::INTERSECTS &&
        op != FilterLexer::PMATCH) {
      auto* s = static_cast<Filter::StrCheckContext*>(c);
      n->op_span = word_span(s->op);
      switch (s->op->getType()) {
        case FilterLexer::EQEQ: n->op = ast::Op::kEq; n->eqeq = true; break;
        case FilterLexer::EQ: n->op = ast::Op::kEq; break;
        case FilterLexer::NEQ: n->op = ast::Op::kNeq; break;
        case FilterLexer::CONTAINS: n->op = ast::Op::kContains; break;
        case FilterLexer::ICONTAINS: n->op = ast::Op::kIContains; break;
        case FilterLexer::BCONTAINS: n->op = ast::Op::kBContains; break;
        case FilterLexer::STARTSWITH: n->op = ast::Op::kStartsWith; break;
        case FilterLexer::BSTARTSWITH: n->op = ast::Op::kBStartsWith; break;
        case FilterLexer::ENDSWITH: n->op = ast::Op::kEndsWith; break;
        case FilterLexer::GLOB: n->op = ast::Op::kGlob; break;
        case FilterLexer::IGLOB: n->op = ast::Op::kIGlob; break;
        default: n->op = ast::Op::kRegex; break;
      }
      Filter::StrValueContext* v = s->rhs;
      size_t vt = first_token(v);  // QSTR | BARESTR | rhsCall | MOD listValue
      if (vt == FilterLexer::MOD) {
        std::string_view m = text_of(v->getStart());
        n->mod = m == "oneof" ? ast::Modifier::kOneOf
                 : m == "anyof" ? ast::Modifier::kAnyOf
                                : ast::Modifier::kAllOf;
        auto* lv = child<Filter::ListValueContext>(v, 1);  // MOD listValue
        if (is_rhs_call(lv)) {
          fail("expected a list after '" + std::string(m) + "'", span_of(lv).begin);
          return;
        }
        n->rhs = list_value(lv);
      } else if (vt == FilterLexer::QSTR) {
        n->rhs = quoted(v->getStart());
      } else if (vt != FilterLexer::BARESTR) {
        n->rhs = rhs_call(child<Filter::RhsCallContext>(v, 0));
      } else {
        antlr4::Token* t = v->getStart();
        check_placeholder(t);
        check_nul(t);
        ast::Value val;
        val.kind = ast::Value::Kind::kString;
        val.span = span_of(t);
        val.text = std::string(text_of(t));
        n->rhs = std::move(val);
      }
      return;
    }
    if (op == FilterLexer::LT || op == FilterLexer::LE || op == FilterLexer::GT ||
        op == FilterLexer::GE) {
      auto* num = static_cast<Filter::NumCheckContext*>(c);
      n->op_span = span_of(num->op);
      switch (num->op->getType()) {
        case FilterLexer::LT: n->op = ast::Op::kLt; break;
        case FilterLexer::LE: n->op = ast::Op::kLe; break;
        case FilterLexer::GT: n->op = ast::Op::kGt; break;
        default: n->op = ast::Op::kGe; break;
      }
      Filter::NumValueContext* v = num->rhs;
      if (is_rhs_call(v)) {
        n->rhs = rhs_call(child<Filter::RhsCallContext>(v, 0));
      } else {
        antlr4::Token* t = v->getStart();  // NUMBER | HEXNUM
        ast::Value val;
        val.kind = ast::Value::Kind::kNumber;
        val.span = span_of(t);
        val.text = std::string(text_of(t));
        n->rhs = std::move(val);
      }
      return;
    }
    auto* l = static_cast<Filter::ListCheckContext*>(c);
    n->op_span = span_of(l->op);
    switch (l->op->getType()) {
      case FilterLexer::IN: n->op = ast::Op::kIn; break;
      case FilterLexer::INTERSECTS: n->op = ast::Op::kIntersects; break;
      default: n->op = ast::Op::kPMatch; break;
    }
    if (is_rhs_call(l->rhs)) {
      n->rhs = rhs_call(child<Filter::RhsCallContext>(l->rhs, 0));
    } else {
      n->rhs = list_value(l->rhs);
    }
  }

  ast::Value list_value(Filter::ListValueContext* v) {
    ast::Value val;
    val.kind = ast::Value::Kind::kList;
    val.span = span_of(v);
    if (first_token(v) == FilterLexer::IDENT) {  // `x in z` means `x in (z)`
      antlr4::Token* t = v->getStart();
      check_placeholder(t);
      val.items.push_back({std::string(text_of(t)), span_of(t), false});
      val.order.push_back(0);
      return val;
    }
    for (auto* item : v->items) {
      antlr4::Token* t = item->getStart();  // listItem is one token: QSTR | BARESTR | LISTREF
      bool quoted_item = t->getType() == FilterLexer::QSTR;
      if (t->getType() == FilterLexer::LISTREF && opts_.listrefs) {
        std::string_view tt = text_of(t);
        size_t idx = std::strtoul(std::string(tt.substr(1, tt.size() - 2)).c_str(), nullptr, 10);
        if (idx >= opts_.listrefs->size()) {
          listref_misplaced = true;
          continue;
        }
        val.order.push_back(static_cast<uint32_t>(val.shared.size() * 2 + 1));
        val.shared.push_back((*opts_.listrefs)[idx]);
        listrefs_used++;
        continue;
      }
      // Without list tokens, "\x01<n>\x01" is ordinary text: a bare item (as Falco reads it).
      check_placeholder(t);
      if (!quoted_item) check_nul(t);
      ast::ListItem li;
      li.span = span_of(t);
      if (quoted_item) {
        ast::Value q = quoted(t);
        li.text = std::move(q.text);
        li.quoted = true;
      } else {
        li.text = std::string(text_of(t));
      }
      val.order.push_back(static_cast<uint32_t>(val.items.size() * 2));
      val.items.push_back(std::move(li));
    }
    return val;
  }

  ast::Value quoted(antlr4::Token* t) {
    ast::Value val;
    val.kind = ast::Value::Kind::kString;
    val.quoted = true;
    val.span = span_of(t);
    std::string err;
    uint32_t at = 0;
    std::optional<std::string> s = decode_quoted(text_of(t), &err, &at);
    if (!s) {
      fail(err, val.span.begin + at);
      return val;
    }
    val.text = std::move(*s);
    return val;
  }

  ast::Value rhs_call(Filter::RhsCallContext* r) {
    if (first_token(r) == FilterLexer::XOPEN) return xform(child<Filter::XformContext>(r, 0));
    ast::Value v = field(r->FIELD()->getSymbol());
    v.via_val = true;
    v.span = span_of(r);
    return v;
  }

  ast::Value operand(Filter::OperandContext* o) {
    if (first_token(o) == FilterLexer::FIELD) return field(o->getStart());
    return xform(child<Filter::XformContext>(o, 0));
  }

  ast::Value field(antlr4::Token* t) {
    ast::Value v;
    v.kind = ast::Value::Kind::kField;
    v.span = span_of(t);
    std::string_view s = text_of(t);
    size_t br = s.find('[');
    if (br == std::string_view::npos) {
      v.name = std::string(s);
      return v;
    }
    v.name = std::string(s.substr(0, br));
    v.has_arg = true;
    std::string_view arg = s.substr(br + 1, s.size() - br - 2);
    if (!arg.empty() && (arg[0] == '"' || arg[0] == '\'')) {
      std::string err;
      uint32_t at = 0;
      std::optional<std::string> d = decode_quoted(arg, &err, &at);
      if (!d) {
        fail(err, v.span.begin + static_cast<uint32_t>(br + 1) + at);
        return v;
      }
      v.arg = std::move(*d);
    } else {
      v.arg = std::string(arg);
    }
    return v;
  }

  ast::Value xform(Filter::XformContext* x) {
    ast::Value v;
    v.kind = ast::Value::Kind::kXform;
    v.span = span_of(x);
    std::string_view name = text_of(x->XOPEN()->getSymbol());
    name.remove_suffix(1);  // the '('
    static const std::pair<std::string_view, ast::Xform> kNames[] = {
        {"tolower", ast::Xform::kToLower}, {"toupper", ast::Xform::kToUpper},
        {"b64", ast::Xform::kB64},         {"basename", ast::Xform::kBasename},
        {"len", ast::Xform::kLen},         {"join", ast::Xform::kJoin},
        {"concat", ast::Xform::kConcat},   {"getopt", ast::Xform::kGetOpt}};
    for (auto& [n, k] : kNames)
      if (n == name) v.xform = k;
    for (auto* a : x->args) v.args.push_back(xarg(a));
    if (x->idx) {
      // The index must follow the ')' immediately.
      if (x->idx->getStartIndex() != x->RPAREN()->getSymbol()->getStopIndex() + 1) {
        fail("unexpected blank before a transformer index", span_of(x->idx).begin);
      }
      std::string_view s = text_of(x->idx);
      v.has_index = true;
      v.index = std::string(s.substr(1, s.size() - 2));
      if (!v.index.empty() && (v.index[0] == '"' || v.index[0] == '\'')) {
        std::string err;
        uint32_t at = 0;
        std::optional<std::string> d = decode_quoted(v.index, &err, &at);
        if (d) v.index = *d;
        else fail(err, span_of(x->idx).begin + 1 + at);
      }
    }
    return v;
  }

  ast::Value literal(antlr4::Token* t) {
    if (t->getType() == FilterLexer::QSTR) return quoted(t);
    ast::Value v;
    v.kind = ast::Value::Kind::kNumber;
    v.span = span_of(t);
    v.text = std::string(text_of(t));
    return v;
  }

  ast::Value xarg(Filter::XargContext* a) {
    // xarg: xform | FIELD | QSTR | NUMBER | HEXNUM | '(' xelem, ... ')', by first token.
    switch (first_token(a)) {
      case FilterLexer::XOPEN: return xform(child<Filter::XformContext>(a, 0));
      case FilterLexer::FIELD: return field(a->getStart());
      case FilterLexer::QSTR:
      case FilterLexer::NUMBER:
      case FilterLexer::HEXNUM: return literal(a->getStart());
      default: break;
    }
    ast::Value list;
    list.kind = ast::Value::Kind::kList;
    list.span = span_of(a);
    for (auto* e : a->elems) {
      size_t et = first_token(e);
      ast::Value ev = et == FilterLexer::XOPEN   ? xform(child<Filter::XformContext>(e, 0))
                      : et == FilterLexer::FIELD ? field(e->getStart())
                                                 : literal(e->getStart());
      list.args.push_back(std::move(ev));
    }
    return list;
  }

  const MappedText* text_;
  const std::string& src_;
  ast::Arena& arena_;
  const ParseOptions& opts_;
};

std::string quote_excerpt(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string r(s.substr(0, kMax));
  if (s.size() > kMax) r += "...";
  return r;
}

}  // namespace

// ---- 3. strings ---------------------------------------------------------------------------

std::optional<std::string> decode_quoted(std::string_view token, std::string* error,
                                         uint32_t* error_at) {
  char q = token.front();
  std::string out;
  out.reserve(token.size());
  size_t end = token.size() - 1;  // the closing quote
  for (size_t i = 1; i < end; i++) {
    char c = token[i];
    if (c != '\\') {
      if (c == '\0') {
        *error = "string value contains a NUL character";
        *error_at = static_cast<uint32_t>(i);
        return std::nullopt;
      }
      out.push_back(c);
      continue;
    }
    if (i + 1 >= end) {
      *error = "unsupported string escape sequence";
      *error_at = static_cast<uint32_t>(i);
      return std::nullopt;
    }
    char e = token[++i];
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case ' ': out.push_back('\\'); break;  // Falco: "\ " is a lone backslash
      case 'x': {
        auto hex = [](char h) -> int {
          if (h >= '0' && h <= '9') return h - '0';
          if (h >= 'a' && h <= 'f') return h - 'a' + 10;
          if (h >= 'A' && h <= 'F') return h - 'A' + 10;
          return -1;
        };
        int hi = i + 1 < end ? hex(token[i + 1]) : -1;
        int lo = i + 2 < end ? hex(token[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          *error = "unsupported string escape sequence";
          *error_at = static_cast<uint32_t>(i - 1);
          return std::nullopt;
        }
        char v = static_cast<char>(hi * 16 + lo);
        if (v == '\0') {
          *error = "string value contains a NUL character";
          *error_at = static_cast<uint32_t>(i - 1);
          return std::nullopt;
        }
        out.push_back(v);
        i += 2;
        break;
      }
      default:
        if ((e == '"' && q == '"') || (e == '\'' && q == '\'')) {
          out.push_back(e);
          break;
        }
        *error = "unsupported string escape sequence";
        *error_at = static_cast<uint32_t>(i - 1);
        return std::nullopt;
    }
  }
  return out;
}

const std::vector<std::string>& falco_operator_spellings() {
  static const std::vector<std::string> kOps = {
      "==", "=", "!=", "<=", "<", ">=", ">", "contains", "icontains", "bcontains", "startswith",
      "bstartswith", "endswith", "glob", "iglob", "regex", "in", "intersects", "pmatch",
      "exists"};
  return kOps;
}

// ---- spacing of keywords and word operators -------------------------------------------------

// Falco requires a blank or '(' after and/or (LANGUAGE.md 2.1). The lexer matches the words
// alone (see FilterLexer.g4); this finds the first one, starting before `limit`, that is not
// followed by either. (not and the word operators carry their blank in the token.)
static bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n';
}

static std::optional<SyntaxError> spacing_error(antlr4::CommonTokenStream& tokens,
                                                const std::string& src, size_t limit) {
  std::vector<antlr4::Token*> all = tokens.getTokens();
  for (size_t i = 0; i < all.size(); i++) {
    antlr4::Token* t = all[i];
    if (t->getType() == antlr4::Token::EOF || t->getStartIndex() >= limit) break;
    size_t next = t->getStopIndex() + 1;
    char c = next < src.size() ? src[next] : '\0';
    if (t->getType() != FilterLexer::AND && t->getType() != FilterLexer::OR) continue;
    if (next < src.size() && (is_blank(c) || c == '(')) continue;
    // Falco reads the word as a name, which cannot follow what precedes it.
    std::string prev = i > 0 ? src.substr(all[i - 1]->getStartIndex(),
                                          all[i - 1]->getStopIndex() + 1 -
                                              all[i - 1]->getStartIndex())
                             : "";
    if (prev.empty()) continue;  // a macro named and/or at the start: left to the parser
    return SyntaxError{"unexpected token after '" + prev + "', expecting 'or', 'and'",
                       static_cast<uint32_t>(t->getStartIndex()),
                       static_cast<uint32_t>(next - t->getStartIndex())};
  }
  return std::nullopt;
}

// spacing_error() on the fast path's tokens: true when every and/or is followed by a blank or
// '(' (else the slow path words the error).
static bool blanks_after_and_or(const std::vector<LexToken>& toks, const std::string& src) {
  for (const LexToken& t : toks) {
    if (t.type != FilterLexer::AND && t.type != FilterLexer::OR) continue;
    size_t next = t.stop + 1;
    char c = next < src.size() ? src[next] : '\0';
    if (!is_blank(c) && c != '(') return false;
  }
  return true;
}

// ---- 5. driver ----------------------------------------------------------------------------

ParseResult parse_condition(const MappedText* text, ast::Arena& arena, const ParseOptions& opts) {
  ParseResult res;
  const std::string& src = text->text();
  auto fail = [&](std::string msg, size_t offset, uint32_t length = 1) {
    res.error = SyntaxError{std::move(msg), static_cast<uint32_t>(std::min(offset, src.size())),
                            length};
    return res;
  };

  // Falco rejects input that is only blanks the same way as empty input.
  if (src.find_first_not_of(" \t\b\r\n") == std::string::npos)
    return fail("unexpected end of input: the condition is empty", src.size(), 0);

  int64_t deep = find_too_deep(src, opts.max_depth);
  if (deep >= 0)
    return fail("exceeded max depth limit of " + std::to_string(opts.max_depth),
                static_cast<size_t>(deep));

  // The AST from a successful parse (both paths below).
  auto finish = [&](Filter::FilterContext* tree) -> ParseResult {
    AstBuilder builder(text, arena, opts);
    ast::Node* root = builder.build(static_cast<Filter::ExprContext*>(tree->children[0]));
    // Every placeholder byte must be part of a LISTREF the builder used: one inside any other
    // token (a quoted string, a field argument, ...) means a list name was substituted there.
    if (opts.listrefs && static_cast<size_t>(std::count(src.begin(), src.end(), '\x01')) !=
                              2 * builder.listrefs_used)
      builder.listref_misplaced = true;
    if (builder.listref_misplaced) {
      res.listref_misplaced = true;
      return res;
    }
    if (builder.error) return fail(builder.error->message, builder.error->offset,
                                   builder.error->length);
    // `not` chains nest without parentheses, so the pre-scan does not bound them: bound the
    // tree's depth as well (generously), so that recursive passes over it stay shallow.
    const uint32_t tree_limit = opts.max_depth * 4 + 8;
    std::vector<std::pair<const ast::Node*, uint32_t>> stack = {{root, 1}};
    while (!stack.empty()) {
      auto [n, d] = stack.back();
      stack.pop_back();
      if (d > tree_limit)
        return fail("exceeded max depth limit of " + std::to_string(opts.max_depth),
                    n->span.begin);
      for (const ast::Node* c : n->children) stack.push_back({c, d + 1});
    }
    res.root = root;
    return res;
  };

  // Fast path: fast_lex()'s tokens into the ANTLR parser. A lexer or parser error, or a
  // spacing error, falls through to the ANTLR lexer below, which words and places it.
  {
    std::vector<LexToken> toks;
    toks.reserve(src.size() / 4 + 8);
    if (fast_lex(src, toks) && blanks_after_and_or(toks, src)) {
      // No input stream: nothing on this path asks a token for its text.
      VectorTokenSource source(toks, nullptr);
      antlr4::CommonTokenStream tokens(&source);
      Filter parser(&tokens);
      ParserErrors parser_errors;
      parser.removeErrorListeners();
      parser.addErrorListener(&parser_errors);
      // Any error is handled by the slow path, so no recovery: BailErrorStrategy throws at the
      // first one and skips DefaultErrorStrategy's per-loop sync() (about 8% of the parse).
      parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
      parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
          antlr4::atn::PredictionMode::SLL);
      Filter::FilterContext* tree = nullptr;
      try {
        tree = parser.filter();
      } catch (...) {
        tree = nullptr;
      }
      if (tree) return finish(tree);
    }
  }

  ByteStream input(src);
  FilterLexer lexer(&input);
  LexerErrors lexer_errors;
  lexer.removeErrorListeners();
  lexer.addErrorListener(&lexer_errors);
  antlr4::CommonTokenStream tokens(&lexer);
  Filter parser(&tokens);
  ParserErrors parser_errors;
  parser.removeErrorListeners();
  parser.addErrorListener(&parser_errors);
  // SLL prediction is exact for this LL(1) grammar and much cheaper than full LL.
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::SLL);

  auto token_text = [&](antlr4::Token* t) -> std::string {
    if (!t || t->getType() == antlr4::Token::EOF) return "";
    return src.substr(t->getStartIndex(), t->getStopIndex() + 1 - t->getStartIndex());
  };
  // The last token before `t` (Falco's "last token" for "unexpected token after").
  auto previous_text = [&](antlr4::Token* t) -> std::string {
    size_t i = t->getTokenIndex();
    return i == 0 ? "" : token_text(tokens.get(i - 1));
  };

  Filter::FilterContext* tree = nullptr;
  try {
    tree = parser.filter();
  } catch (const LexFailure& f) {
    // Placeholder bytes in a place where a list cannot be: retry as text (lists.h).
    if (opts.listrefs && src.find('\x01') != std::string::npos) {
      res.listref_misplaced = true;
      return res;
    }
    if (std::optional<SyntaxError> sp = spacing_error(tokens, src, f.offset)) {
      res.error = *sp;
      return res;
    }
    size_t off = f.offset;
    char c = off < src.size() ? src[off] : '\0';
    std::string unterminated;
    if (c == '"' || c == '\'') unterminated = "unterminated quoted string";
    switch (f.mode) {
      case FilterLexer::OPERATOR: {
        if (c == '[')
          return fail("expected a field argument inside '[...]' right after the field name",
                      off);
        std::string ops;
        for (const std::string& o : falco_operator_spellings()) {
          if (!ops.empty()) ops += ", ";
          ops += "'" + o + "'";
        }
        return fail("expected a valid check operator: one of " + ops, off);
      }
      case FilterLexer::STRVAL:
        return fail(unterminated.empty()
                        ? "expected a value: a quoted or bare string, val(<field>) or a "
                          "transformer"
                        : unterminated,
                    off);
      case FilterLexer::NUMVAL:
        return fail("expected a numeric value, val(<field>) or a transformer", off);
      case FilterLexer::LISTVAL:
        return fail("expected a list, an identifier, val(<field>) or a transformer", off);
      case FilterLexer::LISTITEMS:
        return fail(unterminated.empty() ? "expected a list item, ',' or ')'" : unterminated,
                    off);
      default:
        if (!unterminated.empty()) return fail(unterminated, off);
        if (c == '[')
          return fail("expected a field argument inside '[...]' right after the field name",
                      off);
        return fail("unexpected character '" + quote_excerpt(src.substr(off, 1)) +
                        "', expecting a field, a macro, 'not' or '('",
                    off);
    }
  } catch (const ParseFailure& f) {
    if (opts.listrefs && src.find('\x01') != std::string::npos) {
      res.listref_misplaced = true;
      return res;
    }
    antlr4::Token* t = f.offending;
    bool at_eof = t->getType() == antlr4::Token::EOF;
    size_t off = at_eof ? src.size() : t->getStartIndex();
    uint32_t len = at_eof ? 0 : static_cast<uint32_t>(t->getStopIndex() + 1 - t->getStartIndex());
    if (std::optional<SyntaxError> sp = spacing_error(tokens, src, off)) {
      res.error = *sp;
      return res;
    }
    std::string what = at_eof ? "end of input" : "token '" + quote_excerpt(token_text(t)) + "'";
    switch (f.rule) {
      case Filter::RuleFilter:
      case Filter::RuleExpr:
      case Filter::RuleAndExpr: {
        std::string prev = previous_text(t);
        // A ')' with no '(' open, or trailing garbage after a complete expression.
        if (!prev.empty())
          return fail("unexpected token after '" + quote_excerpt(prev) + "', expecting 'or', 'and'",
                      off, len);
        return fail("unexpected " + what + ", expecting a field, a macro, 'not' or '('", off,
                    len);
      }
      case Filter::RuleNotExpr:
      case Filter::RuleAtom:
        if (f.expects_rparen) return fail("expected a ')' token", off, len);
        return fail("unexpected " + what + ", expecting a field, a macro, 'not' or '('", off,
                    len);
      case Filter::RuleCheck: {
        // A field with no operator after it (at the end of the input: the lexer saw no operator).
        std::string ops;
        for (const std::string& o : falco_operator_spellings()) {
          if (!ops.empty()) ops += ", ";
          ops += "'" + o + "'";
        }
        return fail("expected a valid check operator: one of " + ops, off, len);
      }
      case Filter::RuleXform:
        return fail("expected a ',' or ')' token in transformer arguments, got " + what, off,
                    len);
      case Filter::RuleXarg:
      case Filter::RuleXelem:
        return fail("expected a transformer argument (a field, a transformer, a string, a "
                    "number or a list), got " + what,
                    off, len);
      case Filter::RuleStrValue:
        return fail("expected a value: a quoted or bare string, val(<field>) or a transformer",
                    off, len);
      case Filter::RuleNumValue:
        return fail("expected a numeric value, val(<field>) or a transformer", off, len);
      case Filter::RuleListValue:
        if (f.rule_start != t) {
          if (previous_text(t) == "(")
            return fail("expected a list item or ')', got " + what, off, len);
          return fail("expected a ',' or ')' token in the list, got " + what, off, len);
        }
        return fail("expected a list, an identifier, val(<field>) or a transformer", off, len);
      case Filter::RuleListItem:
        return fail("expected a list item, got " + what, off, len);
      case Filter::RuleRhsCall:
        return fail("expected a field and a ')' token in val(...), got " + what, off, len);
      default:
        return fail("unexpected " + what, off, len);
    }
  } catch (const std::exception& e) {
    return fail(std::string("internal parser error: ") + e.what(), 0);
  }

  if (std::optional<SyntaxError> sp = spacing_error(tokens, src, src.size() + 1)) {
    res.error = *sp;
    return res;
  }
  return finish(tree);
}

bool antlr_lex(std::string_view src, std::vector<LexToken>& out) {
  ByteStream input(src);
  FilterLexer lexer(&input);
  LexerErrors errors;
  lexer.removeErrorListeners();
  lexer.addErrorListener(&errors);
  try {
    for (;;) {
      std::unique_ptr<antlr4::Token> t = lexer.nextToken();
      out.push_back({t->getType(), t->getStartIndex(), t->getStopIndex()});
      if (t->getType() == antlr4::Token::EOF) return true;
    }
  } catch (...) {
    return false;
  }
}

}  // namespace pg
