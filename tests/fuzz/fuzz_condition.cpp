// libFuzzer target: condition text -> pg::parse_condition (compiler/parse.h).
//
// The input bytes are the condition text, mapped 1:1 onto a SourceFile holding the same
// bytes (as the loader maps a plain YAML scalar). Each input is parsed twice: without list
// tokens, and with a fixed table of three substituted lists (LISTREF "\x01<n>\x01" tokens,
// compiler/lists.h). Besides "never crash", every outcome must satisfy:
//   - exactly one of: an AST, a syntax error, or (list tokens only) listref_misplaced;
//   - on success, ast::dump(root) is non-empty, every span (node, operator, operand, list
//     item, transformer argument) lies inside the text, and the AST shape invariants of
//     compiler/ast.h hold (And/Or >= 2 children, Not exactly 1, Check has a rhs unless
//     `exists`, no node is null);
//   - on error, the offset (and offset + length) is <= the text size and the message is
//     non-empty and not an "internal parser error" (an ANTLR exception nobody mapped);
//   - list tokens are an optimisation only: without any \x01 byte both parses agree exactly,
//     and a successful parse with LISTREF tokens equals the parse of the text in which each
//     token is replaced by its items written out;
//   - the hand-written lexer (compiler/fast_lex.h) succeeds exactly when ANTLR's FilterLexer
//     does, with identical tokens.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ast.h"
#include "compiler/fast_lex.h"
#include "compiler/parse.h"
#include "compiler/source.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using pg::ast::Kind;
using pg::ast::Node;
using pg::ast::Span;
using pg::ast::Value;

// The list table used for LISTREF tokens: index 0, 1, 2. Items are written out in text as the
// loader would (quoted when they hold a blank), so the textual substitution is exact.
const std::vector<pg::ast::SharedItems>& list_table() {
  static const auto* table = new std::vector<pg::ast::SharedItems>{
      std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"bash", "sh"}),
      std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"/usr/bin/x"}),
      std::make_shared<const std::vector<std::string>>(
          std::vector<std::string>{"a b", "c", "/etc/shadow"}),
  };
  return *table;
}

struct Outcome {
  bool ok = false;
  bool misplaced = false;
  std::string dump;
  std::string message;
  uint32_t offset = 0;
  uint32_t length = 0;
};

void check_span(const Span& s, size_t size, const char* what) {
  PG_FUZZ_CHECK(s.begin <= s.end, what);
  PG_FUZZ_CHECK(s.end <= size, what);
}

void check_value(const Value& v, size_t size, int depth) {
  PG_FUZZ_CHECK(depth < 100000, "operand nesting");
  check_span(v.span, size, "operand span");
  switch (v.kind) {
    case Value::Kind::kField:
      PG_FUZZ_CHECK(!v.name.empty(), "field operand without a name");
      break;
    case Value::Kind::kXform:
      PG_FUZZ_CHECK(!v.args.empty(), "transformer call without arguments");
      for (const Value& a : v.args) check_value(a, size, depth + 1);
      break;
    case Value::Kind::kList: {
      for (const Value& a : v.args) check_value(a, size, depth + 1);
      for (const pg::ast::ListItem& it : v.items) check_span(it.span, size, "list item span");
      PG_FUZZ_CHECK(v.order.size() == v.items.size() + v.shared.size(), "list order size");
      for (uint32_t o : v.order) {
        if ((o & 1) == 0) {
          PG_FUZZ_CHECK((o >> 1) < v.items.size(), "list order index (item)");
        } else {
          PG_FUZZ_CHECK((o >> 1) < v.shared.size(), "list order index (shared)");
          PG_FUZZ_CHECK(v.shared[o >> 1] != nullptr, "null shared list");
        }
      }
      break;
    }
    case Value::Kind::kString:
    case Value::Kind::kNumber:
      break;
  }
}

// Walks the AST with an explicit stack (the tree can be as deep as max_depth).
void check_tree(const Node* root, const pg::MappedText* text) {
  size_t size = text->size();
  std::vector<const Node*> todo{root};
  while (!todo.empty()) {
    const Node* n = todo.back();
    todo.pop_back();
    PG_FUZZ_CHECK(n != nullptr, "null AST node");
    PG_FUZZ_CHECK(n->text == text, "node text is not the parsed text");
    check_span(n->span, size, "node span");
    switch (n->kind) {
      case Kind::kAnd:
      case Kind::kOr:
        PG_FUZZ_CHECK(n->children.size() >= 2, "and/or with fewer than 2 children");
        for (const Node* c : n->children) {
          PG_FUZZ_CHECK(c != nullptr, "null child");
          // Chains are flattened: no And directly under And, no Or directly under Or.
          PG_FUZZ_CHECK(c->kind != n->kind, "unflattened and/or chain");
        }
        break;
      case Kind::kNot:
        PG_FUZZ_CHECK(n->children.size() == 1, "not without exactly one child");
        break;
      case Kind::kCheck:
        PG_FUZZ_CHECK(n->children.empty(), "check with children");
        check_span(n->op_span, size, "operator span");
        check_value(n->lhs, size, 0);
        PG_FUZZ_CHECK(n->rhs.has_value() == (n->op != pg::ast::Op::kExists),
                      "check rhs presence does not match its operator");
        if (n->rhs) check_value(*n->rhs, size, 0);
        break;
      case Kind::kMacroRef:
        PG_FUZZ_CHECK(!n->name.empty(), "macro reference without a name");
        PG_FUZZ_CHECK(n->target == nullptr, "macro reference resolved by the parser");
        break;
    }
    for (const Node* c : n->children) todo.push_back(c);
  }
}

Outcome parse(const std::string& text, const pg::SourceFile& file, bool listrefs) {
  pg::ast::Arena arena;
  const pg::MappedText* mt = arena.keep(pg::MappedText::identity(text, &file, 0));
  pg::ParseOptions po;
  if (listrefs) po.listrefs = &list_table();
  pg::ParseResult r = pg::parse_condition(mt, arena, po);

  int outcomes = (r.root != nullptr) + r.error.has_value() + r.listref_misplaced;
  PG_FUZZ_CHECK(outcomes == 1, "not exactly one of root / error / listref_misplaced");
  PG_FUZZ_CHECK(listrefs || !r.listref_misplaced, "listref_misplaced without list tokens");

  Outcome o;
  if (r.root) {
    o.ok = true;
    check_tree(r.root, mt);
    o.dump = pg::ast::dump(r.root);
    PG_FUZZ_CHECK(!o.dump.empty(), "empty dump of a successful parse");
  } else if (r.error) {
    o.message = r.error->message;
    o.offset = r.error->offset;
    o.length = r.error->length;
    PG_FUZZ_CHECK(!o.message.empty(), "empty syntax error message");
    PG_FUZZ_CHECK(o.offset <= text.size(), o.message);
    PG_FUZZ_CHECK(uint64_t{o.offset} + o.length <= text.size() + uint64_t{1}, o.message);
    PG_FUZZ_CHECK(o.message.rfind("internal parser error", 0) != 0, o.message);
  } else {
    o.misplaced = true;
  }
  return o;
}

// Replaces each "\x01<n>\x01" with list n written out (items joined by ", ").
std::string substitute(const std::string& text) {
  const auto& table = list_table();
  std::string out;
  for (size_t i = 0; i < text.size(); i++) {
    if (text[i] == '\x01') {
      size_t j = text.find('\x01', i + 1);
      // A successful parse with list tokens consumed every placeholder byte as a LISTREF.
      PG_FUZZ_CHECK(j != std::string::npos && j > i + 1 &&
                        text.find_first_not_of("0123456789", i + 1) == j,
                    "a placeholder byte outside a LISTREF token was accepted");
      size_t n = std::stoul(text.substr(i + 1, j - i - 1));
      PG_FUZZ_CHECK(n < table.size(), "an out-of-range LISTREF token was accepted");
      bool first = true;
      for (const std::string& item : *table[n]) {
        if (!first) out += ", ";
        first = false;
        out += item.find(' ') != std::string::npos ? "\"" + item + "\"" : item;
      }
      i = j;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (size_t{1} << 20)) return -1;  // positions are 32-bit; keep inputs sane
  std::string text(reinterpret_cast<const char*>(data), size);
  pg::SourceFile file("fuzz_condition", text);

  std::vector<pg::LexToken> fast, slow;
  bool fast_ok = pg::fast_lex(text, fast);
  bool slow_ok = pg::antlr_lex(text, slow);
  PG_FUZZ_CHECK(fast_ok == slow_ok, "fast_lex and the ANTLR lexer disagree on success");
  PG_FUZZ_CHECK(!fast_ok || fast == slow, "fast_lex and the ANTLR lexer produce different tokens");

  Outcome plain = parse(text, file, false);
  Outcome refs = parse(text, file, true);

  if (text.find('\x01') == std::string::npos) {
    PG_FUZZ_CHECK(!refs.misplaced, "listref_misplaced without any list token");
    PG_FUZZ_CHECK(plain.ok == refs.ok && plain.dump == refs.dump &&
                      plain.message == refs.message && plain.offset == refs.offset &&
                      plain.length == refs.length,
                  "parse differs with list tokens enabled on text without list tokens");
  } else if (refs.ok) {
    // Every \x01 was inside a LISTREF token in a value list: written-out lists must parse to
    // the same tree.
    std::string subst = substitute(text);
    pg::SourceFile sfile("fuzz_condition_subst", subst);
    Outcome s = parse(subst, sfile, false);
    PG_FUZZ_CHECK(s.ok, "list tokens parsed but the written-out lists did not: " + s.message);
    PG_FUZZ_CHECK(s.dump == refs.dump, "list tokens and written-out lists parse differently");
  }
  return 0;
}
