// The condition AST.
//
// A condition (rule, macro, or a generated exception clause) parses into a tree of Nodes owned
// by an Arena shared by the whole ruleset. Positions are byte spans into the condition's
// MappedText, which maps them back into the YAML file. A macro reference is a node of its own
// whose `target` points at the macro body's root: bodies are shared by every use, never
// copied, so a checker or lowering pass that walks through a MacroRef knows the use site from
// its own walk (this is where "expanded from macro M used at U" comes from).
//
// Invariants after parsing: And/Or nodes have >= 2 children (chains are flattened), Not has
// exactly one, Check has a lhs and, except for `exists`, a rhs. After resolution every
// MacroRef has a target. After checking every Value of kind kField has `field.info` set.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source.h"
#include "vm/fields.h"
#include "vm/types.h"

namespace pg::ast {

// Check operators (LANGUAGE.md 2.4). `==` is kEq with Check::eqeq set.
enum class Op : uint8_t {
  kEq, kNeq, kLt, kLe, kGt, kGe, kContains, kIContains, kBContains, kStartsWith,
  kBStartsWith, kEndsWith, kGlob, kIGlob, kRegex, kIn, kIntersects, kPMatch, kExists,
};
std::string_view op_name(Op op);  // Falco's spelling: "=", "contains", "in", ...

enum class Modifier : uint8_t { kNone, kOneOf, kAnyOf, kAllOf };
std::string_view modifier_name(Modifier m);

enum class Xform : uint8_t { kToLower, kToUpper, kB64, kBasename, kLen, kJoin, kConcat, kGetOpt };
std::string_view xform_name(Xform x);

// Byte range in a condition's text.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// A list of literal values: items written in the condition, or a whole list substituted by
// the loader as one token (shared, never copied).
struct ListItem {
  std::string text;     // decoded value
  Span span;
  bool quoted = false;
};
using SharedItems = std::shared_ptr<const std::vector<std::string>>;

// An operand: a field, a transformer call, a literal, or a list.
struct Value {
  enum class Kind : uint8_t { kField, kXform, kString, kNumber, kList };
  Kind kind = Kind::kString;
  Span span;

  // kField: `name` is the dotted name; `arg` the bracket argument, if any.
  std::string name;
  bool has_arg = false;
  std::string arg;
  bool via_val = false;  // written as val(field) on the right-hand side

  // kXform
  Xform xform = Xform::kToLower;
  std::vector<Value> args;
  bool has_index = false;  // getopt(...)[c]
  std::string index;

  // kString / kNumber: decoded text; `quoted` for strings written in quotes.
  std::string text;
  bool quoted = false;

  // kList: literal items, then shared substituted lists, in written order (see `order`).
  std::vector<ListItem> items;
  std::vector<SharedItems> shared;
  std::vector<uint32_t> order;  // for each element: index into items (even) or shared (odd) *2

  // Set by the checker.
  FieldRef field;                   // kField
  ParamType type = ParamType::NONE; // result type
  bool is_list_type = false;        // value is list-valued (FF_LIST fields, list literals)

  bool is_field() const { return kind == Kind::kField; }
  // Number of literal elements of a kList (substituted lists count every item).
  size_t list_size() const;
  // Calls f(text) for every element of a kList in order.
  template <typename F>
  void for_each_item(F&& f) const {
    for (uint32_t o : order) {
      if ((o & 1) == 0) {
        f(std::string_view(items[o >> 1].text));
      } else {
        for (const std::string& s : *shared[o >> 1]) f(std::string_view(s));
      }
    }
  }
};

enum class Kind : uint8_t { kAnd, kOr, kNot, kCheck, kMacroRef };

struct Node {
  Kind kind = Kind::kCheck;
  uint32_t id = 0;
  Span span;
  const MappedText* text = nullptr;  // the condition this node was parsed from

  std::vector<Node*> children;  // kAnd / kOr (>= 2), kNot (1)

  // kCheck
  Op op = Op::kExists;
  bool eqeq = false;
  Modifier mod = Modifier::kNone;
  Span op_span;
  Value lhs;
  std::optional<Value> rhs;

  // kMacroRef
  std::string name;
  Node* target = nullptr;  // the macro body's root, once resolved
  int macro = -1;          // index of the macro in the ruleset, once resolved

  FilePos pos() const { return text ? text->map(span.begin) : FilePos{}; }
};

// Owns every node of a ruleset. Node addresses are stable.
class Arena {
 public:
  Arena() = default;
  Arena(Arena&& o) noexcept
      : chunks_(std::move(o.chunks_)), size_(o.size_), texts_(std::move(o.texts_)) {
    o.chunks_.clear();
    o.size_ = 0;
  }
  Arena& operator=(Arena&& o) noexcept {
    if (this != &o) {
      destroy();
      chunks_ = std::move(o.chunks_);
      size_ = o.size_;
      texts_ = std::move(o.texts_);
      o.chunks_.clear();
      o.size_ = 0;
    }
    return *this;
  }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() { destroy(); }

  Node* make(Kind k, const MappedText* text, Span span) {
    if (size_ % kChunk == 0) chunks_.push_back(std::make_unique_for_overwrite<Slot[]>(kChunk));
    Node* n = new (chunks_.back()[size_ % kChunk].bytes) Node();
    n->kind = k;
    n->id = static_cast<uint32_t>(size_++);
    n->text = text;
    n->span = span;
    return n;
  }
  size_t size() const { return size_; }
  // Keeps a condition text alive for as long as the arena (nodes point into it).
  const MappedText* keep(MappedText t) {
    texts_.push_back(std::make_unique<MappedText>(std::move(t)));
    return texts_.back().get();
  }

 private:
  // Nodes live in chunks of kChunk (a Node is about 800 bytes: a std::deque would allocate
  // every one on its own) and never move.
  static constexpr size_t kChunk = 32;
  struct Slot {
    alignas(Node) unsigned char bytes[sizeof(Node)];
  };
  void destroy() {
    for (size_t i = 0; i < size_; i++)
      std::launder(reinterpret_cast<Node*>(chunks_[i / kChunk][i % kChunk].bytes))->~Node();
    size_ = 0;
  }
  std::vector<std::unique_ptr<Slot[]>> chunks_;
  size_t size_ = 0;
  std::vector<std::unique_ptr<MappedText>> texts_;
};

// Stable S-expression dump for tests: (and (check proc.name = "bash") (macro m)).
std::string dump(const Node* n);

// The condition as filter text with every macro expanded and every and/or/not group fully
// parenthesised, in the syntax sysdig 0.29.3 also reads where the constructs exist (values
// quoted when needed, `==` written `=`). Used to feed the same rules to sysdig and libsinsp.
std::string to_filter_text(const Node* n);

}  // namespace pg::ast
