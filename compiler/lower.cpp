// Lowering (see lower.h). Sections: pools and interning; slots; constant folding and costs;
// macro sharing; condition emission; check emission; the driver.
#include "compiler/lower.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "compiler/check.h"
#include "compiler/constants.h"
#include "vm/events.h"

namespace pg {
namespace {

using ast::Op;
using ast::Value;
using vm::Insn;
namespace V = vm;

enum class Tri : uint8_t { kFalse, kTrue, kUnknown };

// Fields that match either endpoint of a connection: the check holds when it holds for the
// client side or for the server side.
bool either_endpoint(FieldId id, FieldId& a, FieldId& b) {
  switch (id) {
    case FieldId::FD_IP: a = FieldId::FD_CIP; b = FieldId::FD_SIP; return true;
    case FieldId::FD_NET: a = FieldId::FD_CNET; b = FieldId::FD_SNET; return true;
    case FieldId::FD_PORT: a = FieldId::FD_CPORT; b = FieldId::FD_SPORT; return true;
    case FieldId::FD_PROTO: a = FieldId::FD_CPROTO; b = FieldId::FD_SPROTO; return true;
    default: return false;
  }
}

bool is_evt_type(const Value& v) {
  return v.kind == Value::Kind::kField && v.field.info && !v.has_arg &&
         (v.field.info->id == FieldId::EVT_TYPE || v.field.info->id == FieldId::SYSCALL_TYPE);
}

class Lowerer {
 public:
  Lowerer(const CompiledRuleset& rs, V::Program& p, const LowerOptions& o)
      : rs_(rs), p_(p), opts_(o) {
    memo_.resize(rs.arena.size());
  }

  bool run(std::string& error);

 private:
  // ---- pools ------------------------------------------------------------------------------
  uint32_t str(std::string_view s) {
    auto it = str_index_.find(s);
    if (it != str_index_.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(p_.strings.size());
    p_.strings.emplace_back(s);
    str_index_.emplace(std::string(s), id);
    return id;
  }
  uint32_t konst(uint64_t v) {
    auto it = const_index_.find(v);
    if (it != const_index_.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(p_.consts.size());
    p_.consts.push_back(v);
    const_index_.emplace(v, id);
    return id;
  }
  uint32_t set(V::SetDef::Kind kind, std::vector<std::string_view> items, std::string name) {
    if (kind == V::SetDef::Kind::kExact) {
      std::sort(items.begin(), items.end());
      items.erase(std::unique(items.begin(), items.end()), items.end());
    }
    std::string key(1, static_cast<char>(kind));
    for (std::string_view s : items) {
      key.append(s);
      key.push_back('\0');
    }
    auto it = set_index_.find(key);
    if (it != set_index_.end()) return it->second;
    V::SetDef d;
    d.kind = kind;
    d.name = std::move(name);
    d.members.reserve(items.size());
    for (std::string_view s : items) d.members.push_back(str(s));
    uint32_t id = static_cast<uint32_t>(p_.sets.size());
    p_.sets.push_back(std::move(d));
    set_index_.emplace(std::move(key), id);
    return id;
  }
  uint32_t glob(std::string_view pat, bool icase) {
    uint32_t s = str(pat);
    for (size_t i = 0; i < p_.globs.size(); i++)
      if (p_.globs[i] == s && p_.glob_icase[i] == icase) return static_cast<uint32_t>(i);
    p_.globs.push_back(s);
    p_.glob_icase.push_back(icase);
    return static_cast<uint32_t>(p_.globs.size() - 1);
  }
  uint32_t regex(std::string_view pat) {
    uint32_t s = str(pat);
    for (size_t i = 0; i < p_.regexes.size(); i++)
      if (p_.regexes[i] == s) return static_cast<uint32_t>(i);
    p_.regexes.push_back(s);
    return static_cast<uint32_t>(p_.regexes.size() - 1);
  }
  uint32_t ip(const V::IpDef& d) {
    for (size_t i = 0; i < p_.ips.size(); i++)
      if (p_.ips[i].v6 == d.v6 && p_.ips[i].prefix == d.prefix && p_.ips[i].bytes == d.bytes)
        return static_cast<uint32_t>(i);
    p_.ips.push_back(d);
    return static_cast<uint32_t>(p_.ips.size() - 1);
  }
  uint32_t numset(V::NumSetDef d) {
    for (size_t i = 0; i < p_.numsets.size(); i++)
      if (p_.numsets[i].members == d.members) return static_cast<uint32_t>(i);
    p_.numsets.push_back(std::move(d));
    return static_cast<uint32_t>(p_.numsets.size() - 1);
  }
  uint32_t ipset(std::vector<uint32_t> members) {
    for (size_t i = 0; i < p_.ipsets.size(); i++)
      if (p_.ipsets[i] == members) return static_cast<uint32_t>(i);
    p_.ipsets.push_back(std::move(members));
    return static_cast<uint32_t>(p_.ipsets.size() - 1);
  }
  uint32_t tset(const std::vector<uint16_t>& codes) {
    for (size_t i = 0; i < p_.tsets.size(); i++)
      if (p_.tsets[i] == codes) return static_cast<uint32_t>(i);
    p_.tsets.push_back(codes);
    return static_cast<uint32_t>(p_.tsets.size() - 1);
  }

  // Items of a list value (or a scalar value) as strings, plus the list's name when the
  // whole list is one substituted Falco list.
  std::vector<std::string_view> items_of(const Value& v, std::string* name) {
    std::vector<std::string_view> out;
    if (v.kind == Value::Kind::kList) {
      out.reserve(v.list_size());
      v.for_each_item([&](std::string_view s) { out.push_back(s); });
      if (name && v.items.empty() && v.shared.size() == 1) {
        for (size_t i = 0; i < rs_.listrefs.size(); i++)
          if (rs_.listrefs[i] == v.shared[0]) *name = rs_.list_names[i];
      }
    } else {
      out.push_back(v.text);
    }
    return out;
  }

  // ---- slots ------------------------------------------------------------------------------
  bool slot_error_ = false;
  std::string error_;

  uint32_t add_slot(V::SlotDef d, const std::string& key) {
    auto it = slot_index_.find(key);
    if (it != slot_index_.end()) return it->second;
    if (p_.slots.size() >= V::kMaxSlots) {
      slot_error_ = true;
      error_ = "too many distinct fields and transformer expressions (limit " +
               std::to_string(V::kMaxSlots) + ")";
      return 0;
    }
    uint32_t id = static_cast<uint32_t>(p_.slots.size());
    p_.slots.push_back(std::move(d));
    slot_index_.emplace(key, id);
    return id;
  }

  uint32_t field_slot(FieldId id, int64_t index, const std::string* key) {
    V::SlotDef d;
    d.kind = V::SlotDef::Kind::kField;
    d.field = id;
    d.index = index;
    d.type = field_info(id).type;
    std::string k = "f" + std::to_string(static_cast<int>(id)) + ":" + std::to_string(index);
    if (key) {
      d.has_key = true;
      d.key = str(*key);
      k += ":" + *key;
    }
    return add_slot(std::move(d), k);
  }

  // The slot of an operand (field or transformer). Sets `key_out` to a canonical text.
  uint32_t slot(const Value& v, std::string* key_out = nullptr) {
    if (v.kind == Value::Kind::kField) {
      const FieldRef& f = v.field;
      int64_t index = f.index;
      const std::string* key = nullptr;
      if (f.has_arg && index < 0) key = &f.arg;
      uint32_t s = field_slot(f.info->id, index, key);
      if (key_out) *key_out = "s" + std::to_string(s);
      return s;
    }
    // Transformer.
    V::SlotDef d;
    d.kind = V::SlotDef::Kind::kXform;
    d.xform = static_cast<uint8_t>(v.xform);
    d.type = v.type;
    std::string key = "x" + std::to_string(d.xform) + "(";
    auto add_arg = [&](const Value& a) {
      if (a.kind == Value::Kind::kField || a.kind == Value::Kind::kXform) {
        std::string sub;
        d.args.push_back(slot(a, &sub));
        d.arg_is_const.push_back(0);
        key += sub + ",";
      } else {
        d.args.push_back(str(a.text));
        d.arg_is_const.push_back(1);
        key += "c" + std::to_string(d.args.back()) + ",";
      }
    };
    for (const Value& a : v.args) {
      if (a.kind == Value::Kind::kList) {
        for (const Value& e : a.args) add_arg(e);
      } else {
        add_arg(a);
      }
    }
    if (v.xform == ast::Xform::kGetOpt) {
      d.index_str = str(v.index);
      key += "[" + v.index + "]";
    }
    key += ")";
    uint32_t s = add_slot(std::move(d), key);
    if (key_out) *key_out = "s" + std::to_string(s);
    return s;
  }

  // ---- folding and costs ------------------------------------------------------------------
  const EventSet* ctx_set_ = nullptr;  // event-type set of the block being lowered
  // Per-node memos of fold(), p_true() and expected_cost(), valid for the block being lowered
  // (they depend on its event-type set): indexed by node id, invalidated by bumping a stamp.
  struct NodeMemo {
    uint32_t fold_stamp = 0, p_stamp = 0, cost_stamp = 0;
    Tri fold = Tri::kUnknown;
    double p = 0, cost = 0;
  };
  std::vector<NodeMemo> memo_;
  uint32_t fold_stamp_ = 1, order_stamp_ = 1;
  NodeMemo& memo(const ast::Node* n) {
    if (n->id >= memo_.size()) memo_.resize(n->id + 1);
    return memo_[n->id];
  }
  // Starts lowering a block that runs on `ctx`: folding and the ordering priors depend on it.
  void enter_block(const EventSet* ctx) {
    ctx_set_ = ctx;
    fold_stamp_++;
    order_stamp_++;
  }

  // Static truth of an evt.type check on the events of ctx_set_.
  // The index codes an `evt.type =`, `in` or `!=` check names (in `t`); false for any other
  // check (other fields, operators, modifiers, or a field or transformer operand).
  bool named_types(const ast::Node* n, EventSet& t) {
    const Value& lhs = n->lhs;
    if (!is_evt_type(lhs) || lhs.field.info->id != FieldId::EVT_TYPE) return false;
    if ((n->op != Op::kEq && n->op != Op::kIn && n->op != Op::kNeq) || !n->rhs ||
        n->mod != ast::Modifier::kNone || n->rhs->kind == Value::Kind::kField ||
        n->rhs->kind == Value::Kind::kXform)
      return false;
    for (std::string_view name : items_of(*n->rhs, nullptr))
      for (uint16_t c : index_codes_by_name(name)) t.set(c);
    return true;
  }

  Tri fold_evt_type(const ast::Node* n) {
    if (!opts_.fold_constants || !ctx_set_) return Tri::kUnknown;
    const Value& lhs = n->lhs;
    if (n->op == Op::kExists && is_evt_type(lhs) && lhs.field.info->id == FieldId::EVT_TYPE)
      return Tri::kTrue;
    EventSet t;
    if (!named_types(n, t)) return Tri::kUnknown;
    const EventSet& s = *ctx_set_;
    bool all_in = (s & ~t).none();  // every event the rule runs on is named
    bool none_in = (s & t).none();  // no event the rule runs on is named
    bool eq = n->op != Op::kNeq;
    if (all_in) return eq ? Tri::kTrue : Tri::kFalse;
    if (none_in) return eq ? Tri::kFalse : Tri::kTrue;
    return Tri::kUnknown;
  }

  Tri fold_check(const ast::Node* n) {
    Tri t = fold_evt_type(n);
    if (t != Tri::kUnknown) return t;
    if (!opts_.fold_constants) return Tri::kUnknown;
    // Falco's evt.num idioms: evt.num starts at 1 and is always present.
    const Value& lhs = n->lhs;
    if (lhs.kind == Value::Kind::kField && lhs.field.info &&
        lhs.field.info->id == FieldId::EVT_NUM && n->rhs && n->mod == ast::Modifier::kNone &&
        (n->rhs->kind == Value::Kind::kNumber || n->rhs->kind == Value::Kind::kString)) {
      const std::string& v = n->rhs->text;
      if ((n->op == Op::kEq && v == "0") || (n->op == Op::kLt && v == "1")) return Tri::kFalse;
      if ((n->op == Op::kNeq && v == "0") || (n->op == Op::kGe && (v == "1" || v == "0")))
        return Tri::kTrue;
    }
    return Tri::kUnknown;
  }

  Tri fold(const ast::Node* n) {
    NodeMemo& mm = memo(n);
    if (mm.fold_stamp == fold_stamp_) return mm.fold;
    Tri r = Tri::kUnknown;
    switch (n->kind) {
      case ast::Kind::kCheck: r = fold_check(n); break;
      case ast::Kind::kNot: {
        Tri c = fold(n->children[0]);
        r = c == Tri::kUnknown ? c : (c == Tri::kTrue ? Tri::kFalse : Tri::kTrue);
        break;
      }
      case ast::Kind::kMacroRef:
        r = n->target && !is_shared(n) ? fold(n->target) : Tri::kUnknown;
        if (n->target && is_shared(n)) r = shared_fold_[n->macro];
        break;
      case ast::Kind::kAnd:
      case ast::Kind::kOr: {
        bool is_and = n->kind == ast::Kind::kAnd;
        Tri absorbing = is_and ? Tri::kFalse : Tri::kTrue;
        bool unknown = false;
        r = is_and ? Tri::kTrue : Tri::kFalse;
        for (const ast::Node* c : n->children) {
          Tri t = fold(c);
          if (t == absorbing) {
            r = absorbing;
            unknown = false;
            break;
          }
          if (t == Tri::kUnknown) unknown = true;
        }
        if (unknown) r = Tri::kUnknown;
        break;
      }
    }
    NodeMemo& out = memo(n);
    out.fold_stamp = fold_stamp_;
    out.fold = r;
    return r;
  }

  // A rough prior that a node is true on an event it is evaluated on, for ordering only:
  // a positive test (=, in, startswith, contains, ...) names a few values out of many and is
  // usually false; `!=`, `exists` and negations (the exceptions and `not proc.name in (...)`
  // clauses of Falco rules) are usually true; order comparisons are even odds; an evt.type
  // test is true on its share of the block's event types. and/or combine their children as if
  // independent.
  double p_true(const ast::Node* n) {
    NodeMemo& mm = memo(n);
    if (mm.p_stamp == order_stamp_) return mm.p;
    double p = 0.5;
    switch (n->kind) {
      case ast::Kind::kCheck:
        switch (n->op) {
          case Op::kExists: case Op::kNeq: p = 0.9; break;
          case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe: p = 0.5; break;
          default: p = is_evt_type(n->lhs) ? evt_type_share(n) : 0.05; break;
        }
        break;
      case ast::Kind::kNot: p = 1.0 - p_true(n->children[0]); break;
      case ast::Kind::kMacroRef: p = n->target ? p_true(n->target) : 0.5; break;
      case ast::Kind::kAnd:
        p = 1.0;
        for (const ast::Node* k : n->children) p *= p_true(k);
        break;
      case ast::Kind::kOr: {
        double q = 1.0;
        for (const ast::Node* k : n->children) q *= 1.0 - p_true(k);
        p = 1.0 - q;
        break;
      }
    }
    NodeMemo& out = memo(n);
    out.p_stamp = order_stamp_;
    out.p = p;
    return p;
  }
  // An evt.type test's share of the event types the block runs on (0.5 when unknown). Without
  // folding the block may run on any event (a rule run outside the type index), where a test
  // naming a few types is as selective as any positive test.
  double evt_type_share(const ast::Node* n) {
    if (!opts_.fold_constants) return n->op == Op::kNeq ? 0.95 : 0.05;
    EventSet t;
    if (!ctx_set_ || ctx_set_->none() || !named_types(n, t)) return 0.5;
    double share = static_cast<double>((*ctx_set_ & t).count()) / ctx_set_->count();
    return n->op == Op::kNeq ? 1.0 - share : share;
  }

  // Ordering key of an and/or child: expected cost per chance of ending the chain (for `and`
  // a false child ends it, for `or` a true one). Sorting by it ascending is the classic
  // optimal order for independent tests: cheap and decisive first.
  double order_key(const ast::Node* n, bool is_and) {
    double p = p_true(n);
    double decide = is_and ? 1.0 - p : p;
    return expected_cost(n) / std::max(decide, 0.01);
  }
  // The children of an and/or in evaluation order.
  void order(std::vector<const ast::Node*>& kids, bool is_and) {
    std::vector<std::pair<double, const ast::Node*>> keyed;
    keyed.reserve(kids.size());
    for (const ast::Node* k : kids) keyed.emplace_back(order_key(k, is_and), k);
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < kids.size(); i++) kids[i] = keyed[i].second;
  }
  // Expected evaluation cost: a check's cost; for and/or, with the children in the order
  // above, each child's expected cost weighted by the chance the chain reaches it. A call to a
  // shared macro costs about one check (its value is cached for the event after the first
  // caller, and a rule that starts with it is a candidate guard the VM decides without
  // dispatching, see Vm::Candidate) plus a share of its body, which one event evaluates at
  // most once for all its callers. (The constants were measured on the bench's captures:
  // 2 + body/8 gave 56.2 instructions per event on the full set, 4 + body/4 61.5,
  // 2 + body/(reference sites) 57.9, 0.5 + body/16 71.6.)
  double expected_cost(const ast::Node* n) {
    NodeMemo& mm = memo(n);
    if (mm.cost_stamp == order_stamp_) return mm.cost;
    double c = 0;
    switch (n->kind) {
      case ast::Kind::kAnd:
      case ast::Kind::kOr: {
        bool is_and = n->kind == ast::Kind::kAnd;
        std::vector<const ast::Node*> kids(n->children.begin(), n->children.end());
        order(kids, is_and);
        double reach = 1.0;
        for (const ast::Node* k : kids) {
          c += reach * expected_cost(k);
          double p = p_true(k);
          reach *= is_and ? p : 1.0 - p;
        }
        break;
      }
      case ast::Kind::kNot: c = expected_cost(n->children[0]); break;
      case ast::Kind::kMacroRef:
        c = !n->target ? 1 : is_shared(n) ? 2 + expected_cost(n->target) / 8 : expected_cost(n->target);
        break;
      case ast::Kind::kCheck: c = check_cost(n); break;
    }
    NodeMemo& out = memo(n);
    out.cost_stamp = order_stamp_;
    out.cost = c;
    return c;
  }

  static uint32_t check_cost(const ast::Node* n) {
    const Value& l = n->lhs;
    uint32_t c = 2;
    if (is_evt_type(l)) return 1;
    if (l.kind == Value::Kind::kXform) c += 12;
    if (l.kind == Value::Kind::kField && (l.field.info->flags & FF_ANCESTOR) && !l.has_arg) c += 40;
    if (l.kind == Value::Kind::kField && (l.field.info->needs & (NEED_C | NEED_K | NEED_U))) c += 2;
    switch (n->op) {
      case Op::kExists: return c;
      case Op::kEq: case Op::kNeq: case Op::kLt: case Op::kLe: case Op::kGt: case Op::kGe:
        return c + 1;
      case Op::kIn: case Op::kIntersects: return c + 2;
      case Op::kStartsWith: case Op::kEndsWith: case Op::kBStartsWith: return c + 3;
      case Op::kContains: case Op::kBContains: return c + 6;
      case Op::kIContains: return c + 8;
      case Op::kPMatch: return c + 10;
      case Op::kGlob: case Op::kIGlob: return c + 12;
      case Op::kRegex: return c + 30;
    }
    return c;
  }

  // ---- macro sharing ----------------------------------------------------------------------
  std::vector<int> shared_idx_;  // ruleset macro -> program macro index, or -1
  std::vector<Tri> shared_fold_;
  bool is_shared(const ast::Node* ref) const {
    return ref->macro >= 0 && static_cast<size_t>(ref->macro) < shared_idx_.size() &&
           shared_idx_[ref->macro] >= 0;
  }
  void plan_macros();

  // ---- emission ---------------------------------------------------------------------------
  struct Label {
    std::vector<uint32_t> jumps;
  };
  uint32_t pc() const { return static_cast<uint32_t>(p_.code.size()); }
  void jump_to(Label& l) {
    l.jumps.push_back(pc());
    p_.code.push_back(Insn::make(V::Op::JMP, 0, 0, 0));
  }
  void bind(Label& l) {
    for (uint32_t j : l.jumps) p_.code[j].set_c(pc() - (j + 1));
    l.jumps.clear();
  }
  void test(V::Op op, uint8_t mode, uint32_t b, uint32_t c, bool sense, Label& target) {
    uint8_t a = static_cast<uint8_t>(mode | (sense ? V::kSenseTrue : 0));
    p_.code.push_back(Insn::make(op, a, static_cast<uint16_t>(b), c));
    jump_to(target);
  }
  void line(const ast::Node* n) {
    FilePos fp = n->pos();
    if (!fp.valid()) return;
    LineCol lc = fp.line_col();
    uint32_t file = str(fp.file->name());
    V::LineEntry e{pc(), file, lc.line + 1, lc.column + 1};
    if (!p_.lines.empty()) {
      const V::LineEntry& last = p_.lines.back();
      if (last.file == e.file && last.line == e.line && last.column == e.column) return;
      if (last.pc == e.pc) {
        p_.lines.back() = e;
        return;
      }
    }
    p_.lines.push_back(e);
  }

  void collect(const ast::Node* n, ast::Kind kind, std::vector<const ast::Node*>& out) {
    // Flattens nested nodes of the same kind, through inlined macros.
    if (n->kind == kind) {
      for (const ast::Node* c : n->children) collect(c, kind, out);
      return;
    }
    if (n->kind == ast::Kind::kMacroRef && n->target && !is_shared(n) &&
        n->target->kind == kind) {
      collect(n->target, kind, out);
      return;
    }
    out.push_back(n);
  }

  void cond(const ast::Node* n, bool sense, Label& target);
  void check(const ast::Node* n, bool sense, Label& target);
  void check_single(const ast::Node* n, const Value& lhs, uint32_t lslot, uint8_t mode,
                    bool sense, Label& target);

  const CompiledRuleset& rs_;
  V::Program& p_;
  const LowerOptions& opts_;
  struct SvHash {  // string_view lookups without building a std::string
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, uint32_t, SvHash, std::equal_to<>> str_index_;
  std::unordered_map<uint64_t, uint32_t> const_index_;
  std::unordered_map<std::string, uint32_t> set_index_;
  std::unordered_map<std::string, uint32_t> slot_index_;
};

// ---- macro sharing --------------------------------------------------------------------------

void Lowerer::plan_macros() {
  size_t nm = rs_.macros.size();
  shared_idx_.assign(nm, -1);
  shared_fold_.assign(nm, Tri::kUnknown);
  if (!opts_.share_macros) return;
  // Reference sites of each macro, from rule conditions and from reachable macro bodies.
  std::vector<uint32_t> sites(nm, 0);
  std::vector<uint8_t> reachable(nm, 0);
  std::vector<const ast::Node*> stack;
  std::vector<int> work;
  auto scan = [&](const ast::Node* root) {
    stack.assign(1, root);
    while (!stack.empty()) {
      const ast::Node* x = stack.back();
      stack.pop_back();
      if (x->kind == ast::Kind::kMacroRef) {
        if (x->macro >= 0) {
          sites[x->macro]++;
          if (!reachable[x->macro]) {
            reachable[x->macro] = 1;
            work.push_back(x->macro);
          }
        }
        continue;
      }
      for (const ast::Node* c : x->children) stack.push_back(c);
    }
  };
  for (const CompiledRule& r : rs_.rules)
    if (r.root) scan(r.root);
  while (!work.empty()) {
    int m = work.back();
    work.pop_back();
    if (rs_.macros[m].root) scan(rs_.macros[m].root);
  }
  // Checks per body (without expanding refs) to skip trivial macros.
  auto checks = [&](const ast::Node* root) {
    uint32_t k = 0;
    stack.assign(1, root);
    while (!stack.empty() && k < 3) {
      const ast::Node* x = stack.back();
      stack.pop_back();
      if (x->kind == ast::Kind::kCheck || x->kind == ast::Kind::kMacroRef) k++;
      for (const ast::Node* c : x->children) stack.push_back(c);
    }
    return k;
  };
  std::vector<int> shared;
  for (size_t m = 0; m < nm; m++)
    if (reachable[m] && rs_.macros[m].root && sites[m] >= 2 && checks(rs_.macros[m].root) >= 2)
      shared.push_back(static_cast<int>(m));
  // Program order: callees before callers (post-order over references to shared macros).
  std::vector<uint8_t> state(nm, 0);
  std::vector<int> order;
  for (int root : shared) {
    if (state[root]) continue;
    std::vector<std::pair<int, std::vector<int>>> dfs;
    auto refs_of = [&](int m) {
      std::vector<int> r;
      std::vector<const ast::Node*> st = {rs_.macros[m].root};
      std::unordered_set<int> seen;
      while (!st.empty()) {
        const ast::Node* x = st.back();
        st.pop_back();
        if (x->kind == ast::Kind::kMacroRef) {
          if (x->macro >= 0 && x->target) {
            if (std::find(shared.begin(), shared.end(), x->macro) != shared.end()) {
              if (seen.insert(x->macro).second) r.push_back(x->macro);
            } else if (seen.insert(-1 - x->macro).second) {
              st.push_back(x->target);  // look through inlined macros
            }
          }
          continue;
        }
        for (const ast::Node* c : x->children) st.push_back(c);
      }
      return r;
    };
    dfs.push_back({root, refs_of(root)});
    state[root] = 1;
    while (!dfs.empty()) {
      auto& [m, kids] = dfs.back();
      if (!kids.empty()) {
        int k = kids.back();
        kids.pop_back();
        if (!state[k]) {
          state[k] = 1;
          dfs.push_back({k, refs_of(k)});
        }
        continue;
      }
      order.push_back(m);
      state[m] = 2;
      dfs.pop_back();
    }
  }
  for (size_t i = 0; i < order.size(); i++) shared_idx_[order[i]] = static_cast<int>(i);
}

// ---- conditions -----------------------------------------------------------------------------

void Lowerer::cond(const ast::Node* n, bool sense, Label& target) {
  Tri f = fold(n);
  if (f != Tri::kUnknown) {
    if ((f == Tri::kTrue) == sense) jump_to(target);
    return;
  }
  switch (n->kind) {
    case ast::Kind::kCheck:
      check(n, sense, target);
      return;
    case ast::Kind::kNot:
      cond(n->children[0], !sense, target);
      return;
    case ast::Kind::kMacroRef:
      if (is_shared(n)) {
        line(n);
        test(V::Op::CALL, 0, 0, static_cast<uint32_t>(shared_idx_[n->macro]), sense, target);
      } else {
        cond(n->target, sense, target);
      }
      return;
    case ast::Kind::kAnd:
    case ast::Kind::kOr: {
      bool is_and = n->kind == ast::Kind::kAnd;
      std::vector<const ast::Node*> kids;
      collect(n, n->kind, kids);
      // Constant children that cannot change the result are dropped.
      Tri neutral = is_and ? Tri::kTrue : Tri::kFalse;
      kids.erase(std::remove_if(kids.begin(), kids.end(),
                                [&](const ast::Node* k) { return fold(k) == neutral; }),
                 kids.end());
      if (opts_.reorder) order(kids, is_and);
      if (kids.empty()) {
        // Every child was neutral: the node is the neutral constant.
        if ((neutral == Tri::kTrue) == sense) jump_to(target);
        return;
      }
      // and/false and or/true: every child jumps straight to the target.
      if (is_and != sense) {
        for (const ast::Node* k : kids) cond(k, sense, target);
        return;
      }
      Label skip;
      for (size_t i = 0; i + 1 < kids.size(); i++) cond(kids[i], !sense, skip);
      cond(kids.back(), sense, target);
      bind(skip);
      return;
    }
  }
}

void Lowerer::check(const ast::Node* n, bool sense, Label& target) {
  line(n);
  const Value& lhs = n->lhs;
  // Either-endpoint fields: (client side) or (server side).
  FieldId a, b;
  if (lhs.kind == Value::Kind::kField && either_endpoint(lhs.field.info->id, a, b)) {
    uint32_t sa = field_slot(a, -1, nullptr), sb = field_slot(b, -1, nullptr);
    if (sense) {
      check_single(n, lhs, sa, 0, true, target);
      check_single(n, lhs, sb, 0, true, target);
    } else {
      Label skip;
      check_single(n, lhs, sa, 0, true, skip);
      check_single(n, lhs, sb, 0, false, target);
      bind(skip);
    }
    return;
  }
  uint8_t mode = 0;
  if (lhs.kind == Value::Kind::kField && (lhs.field.info->flags & FF_ANCESTOR) && !lhs.has_arg)
    mode = V::kAncestorAny;
  check_single(n, lhs, slot(lhs), mode, sense, target);
}

void Lowerer::check_single(const ast::Node* n, const Value& lhs, uint32_t ls, uint8_t mode,
                           bool sense, Label& target) {
  using V::Op;
  TypeFamily fam = type_family(lhs.type);
  if (n->op == ast::Op::kExists) {
    test(Op::EXISTS, mode, ls, 0, sense, target);
    return;
  }
  const Value& rhs = *n->rhs;

  // Field-to-field comparisons.
  if (rhs.kind == Value::Kind::kField || rhs.kind == Value::Kind::kXform) {
    uint32_t rslot = slot(rhs);
    Op cmp = Op::STR_EQ;
    bool negate = false;
    if (lhs.is_list_type || n->op == ast::Op::kIn || n->op == ast::Op::kIntersects) {
      cmp = n->op == ast::Op::kIntersects ? Op::LIST_ISECT : Op::LIST_IN;
      if (n->op == ast::Op::kNeq) negate = true;
    } else if (fam == TypeFamily::kNumeric || fam == TypeFamily::kBool) {
      static const Op k[] = {Op::NUM_EQ, Op::NUM_NE, Op::NUM_LT, Op::NUM_LE, Op::NUM_GT, Op::NUM_GE};
      cmp = n->op <= ast::Op::kGe ? k[static_cast<int>(n->op)] : Op::NUM_EQ;
    } else if (fam == TypeFamily::kIpAddr) {
      cmp = n->op == ast::Op::kNeq ? Op::IP_NE : Op::IP_EQ;
    } else {
      switch (n->op) {
        case ast::Op::kEq: cmp = Op::STR_EQ; break;
        case ast::Op::kNeq: cmp = Op::STR_NE; break;
        case ast::Op::kLt: cmp = Op::STR_LT; break;
        case ast::Op::kLe: cmp = Op::STR_LE; break;
        case ast::Op::kGt: cmp = Op::STR_GT; break;
        case ast::Op::kGe: cmp = Op::STR_GE; break;
        case ast::Op::kContains: case ast::Op::kBContains: cmp = Op::STR_CONTAINS; break;
        case ast::Op::kIContains: cmp = Op::STR_ICONTAINS; break;
        case ast::Op::kStartsWith: case ast::Op::kBStartsWith: cmp = Op::STR_STARTS; break;
        case ast::Op::kEndsWith: cmp = Op::STR_ENDS; break;
        case ast::Op::kGlob: cmp = Op::STR_GLOB; break;
        case ast::Op::kIGlob: {
          // Case-insensitive glob against a field: fold both sides to lower case.
          Value lo_l;
          lo_l.kind = Value::Kind::kXform;
          lo_l.xform = ast::Xform::kToLower;
          lo_l.type = lhs.type;
          lo_l.args.push_back(lhs);
          Value lo_r = lo_l;
          lo_r.args[0] = rhs;
          ls = slot(lo_l);
          rslot = slot(lo_r);
          cmp = Op::STR_GLOB;
          break;
        }
        default: cmp = Op::STR_EQ; break;
      }
    }
    uint8_t a = static_cast<uint8_t>(static_cast<uint8_t>(cmp) << V::kCmpShift);
    test(Op::CMP_SLOTS, a, ls, rslot, negate ? !sense : sense, target);
    return;
  }

  // evt.type = / in / != by event code.
  if (is_evt_type(lhs) && mode == 0 &&
      (n->op == ast::Op::kEq || n->op == ast::Op::kIn ||
       (n->op == ast::Op::kNeq && lhs.field.info->id == FieldId::EVT_TYPE)) &&
      n->mod == ast::Modifier::kNone) {
    std::vector<uint16_t> codes;
    for (std::string_view name : items_of(rhs, nullptr))
      for (uint16_t c : index_codes_by_name(name)) codes.push_back(c);
    std::sort(codes.begin(), codes.end());
    codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
    uint32_t t = tset(codes);
    test(Op::EVT_TYPE_IN, 0, 0, t, n->op == ast::Op::kNeq ? !sense : sense, target);
    return;
  }

  std::string list_name;
  std::vector<std::string_view> items = items_of(rhs, &list_name);

  // Numbers and booleans.
  if (fam == TypeFamily::kNumeric || fam == TypeFamily::kBool) {
    auto num = [&](std::string_view text) -> uint64_t {
      std::string err;
      std::optional<Const> c = parse_const(lhs.type, text, false, &err);
      if (!c) return 0;  // the checker rejected invalid constants already
      if (c->kind == Const::Kind::kSigned) return static_cast<uint64_t>(c->s);
      if (c->kind == Const::Kind::kBool) return c->b ? 1 : 0;
      return c->u;
    };
    if (n->op == ast::Op::kIn || n->op == ast::Op::kIntersects ||
        (n->mod != ast::Modifier::kNone && n->op == ast::Op::kEq)) {
      if (items.size() == 1 && n->mod != ast::Modifier::kAllOf) {
        test(Op::NUM_EQ, mode, ls, konst(num(items[0])), sense, target);
        return;
      }
      V::NumSetDef d;
      for (std::string_view s : items) d.members.push_back(num(s));
      std::sort(d.members.begin(), d.members.end());
      bool dups = std::adjacent_find(d.members.begin(), d.members.end()) != d.members.end();
      if (n->mod == ast::Modifier::kAllOf) {
        // allof (=): every item equals the value.
        d.members.erase(std::unique(d.members.begin(), d.members.end()), d.members.end());
        if (d.members.size() == 1) {
          test(Op::NUM_EQ, mode, ls, konst(d.members[0]), sense, target);
        } else if ((d.members.empty()) == sense) {
          jump_to(target);
        }
        return;
      }
      if (n->mod == ast::Modifier::kOneOf && dups) {
        // Exactly one equal item: keep the values that occur once.
        std::vector<uint64_t> once;
        for (size_t i = 0; i < d.members.size(); i++) {
          bool rep = (i > 0 && d.members[i - 1] == d.members[i]) ||
                     (i + 1 < d.members.size() && d.members[i + 1] == d.members[i]);
          if (!rep) once.push_back(d.members[i]);
        }
        d.members = once;
      }
      d.members.erase(std::unique(d.members.begin(), d.members.end()), d.members.end());
      test(Op::NUM_IN, mode, ls, numset(std::move(d)), sense, target);
      return;
    }
    if (n->mod != ast::Modifier::kNone) {
      // != with a modifier: anyof = some item differs (not all equal), allof = none equal.
      V::NumSetDef d;
      for (std::string_view s : items) d.members.push_back(num(s));
      std::sort(d.members.begin(), d.members.end());
      d.members.erase(std::unique(d.members.begin(), d.members.end()), d.members.end());
      uint32_t set = numset(std::move(d));
      if (n->mod == ast::Modifier::kAllOf) {
        test(Op::NUM_IN, mode, ls, set, !sense, target);
      } else {
        // anyof/oneof with != over distinct values: true unless the value equals them all.
        if (p_.numsets[set].members.size() == 1)
          test(Op::NUM_NE, mode, ls, konst(p_.numsets[set].members[0]), sense, target);
        else
          test(Op::EXISTS, mode, ls, 0, sense, target);
      }
      return;
    }
    static const Op k[] = {Op::NUM_EQ, Op::NUM_NE, Op::NUM_LT, Op::NUM_LE, Op::NUM_GT, Op::NUM_GE};
    test(k[static_cast<int>(n->op)], mode, ls, konst(num(rhs.text)), sense, target);
    return;
  }

  // Addresses and networks.
  if (fam == TypeFamily::kIpAddr || fam == TypeFamily::kIpNet) {
    bool net = fam == TypeFamily::kIpNet;
    auto ipdef = [&](std::string_view text) {
      V::IpDef d;
      std::string err;
      std::optional<Const> c = parse_const(lhs.type, text, false, &err);
      if (c && c->kind == Const::Kind::kIp) {
        d.v6 = c->ip.v6;
        d.bytes = c->ip.bytes;
      } else if (c && c->kind == Const::Kind::kNet) {
        d.v6 = c->net.addr.v6;
        d.bytes = c->net.addr.bytes;
        d.prefix = c->net.prefix;
      }
      return ip(d);
    };
    bool in_op = n->op == ast::Op::kIn || n->op == ast::Op::kIntersects ||
                 (n->mod != ast::Modifier::kNone && n->op == ast::Op::kEq &&
                  n->mod != ast::Modifier::kAllOf);
    if (in_op) {
      std::vector<uint32_t> members;
      for (std::string_view s : items) members.push_back(ipdef(s));
      test(net ? Op::NET_IN : Op::IP_IN, mode, ls, ipset(std::move(members)), sense, target);
      return;
    }
    if (n->mod != ast::Modifier::kNone) {
      // allof (=) / any modifier with !=: expand into and/or of single tests.
      bool conj = n->mod == ast::Modifier::kAllOf;
      Op base = n->op == ast::Op::kEq ? (net ? Op::NET_EQ : Op::IP_EQ)
                                      : (net ? Op::NET_NE : Op::IP_NE);
      if (conj != sense) {
        for (std::string_view s : items) test(base, mode, ls, ipdef(s), sense, target);
      } else {
        Label skip;
        for (size_t i = 0; i + 1 < items.size(); i++)
          test(base, mode, ls, ipdef(items[i]), !sense, skip);
        if (!items.empty()) test(base, mode, ls, ipdef(items.back()), sense, target);
        bind(skip);
      }
      return;
    }
    Op op = n->op == ast::Op::kNeq ? (net ? Op::NET_NE : Op::IP_NE) : (net ? Op::NET_EQ : Op::IP_EQ);
    test(op, mode, ls, ipdef(rhs.text), sense, target);
    return;
  }

  // List-valued fields.
  if (lhs.is_list_type) {
    uint32_t s = set(V::SetDef::Kind::kExact, items, list_name);
    test(n->op == ast::Op::kIntersects ? Op::LIST_ISECT : Op::LIST_IN, mode, ls, s, sense, target);
    return;
  }

  // Byte buffers.
  if (fam == TypeFamily::kBytes) {
    auto bytes = [&](std::string_view text) {
      bool hex = n->op == ast::Op::kBContains || n->op == ast::Op::kBStartsWith;
      std::string err;
      std::optional<Const> c = parse_const(lhs.type, text, hex, &err);
      return str(c ? c->str : std::string(text));
    };
    switch (n->op) {
      case ast::Op::kEq: test(Op::BYTES_EQ, mode, ls, bytes(rhs.text), sense, target); return;
      case ast::Op::kNeq: test(Op::BYTES_NE, mode, ls, bytes(rhs.text), sense, target); return;
      case ast::Op::kContains: case ast::Op::kBContains:
        test(Op::BYTES_CONTAINS, mode, ls, bytes(rhs.text), sense, target);
        return;
      case ast::Op::kStartsWith: case ast::Op::kBStartsWith:
        test(Op::BYTES_STARTS, mode, ls, bytes(rhs.text), sense, target);
        return;
      case ast::Op::kEndsWith: test(Op::BYTES_ENDS, mode, ls, bytes(rhs.text), sense, target); return;
      default: {
        std::vector<std::string> raw;
        for (std::string_view s : items) raw.push_back(std::string(s));
        std::vector<std::string_view> views(raw.begin(), raw.end());
        test(Op::BYTES_IN, mode, ls, set(V::SetDef::Kind::kExact, views, list_name), sense,
             target);
        return;
      }
    }
  }

  // Strings.
  if (n->mod != ast::Modifier::kNone) {
    if (n->mod == ast::Modifier::kAnyOf) {
      switch (n->op) {
        case ast::Op::kEq:
          test(Op::STR_IN, mode, ls, set(V::SetDef::Kind::kExact, items, list_name), sense, target);
          return;
        case ast::Op::kStartsWith:
          test(Op::STR_PREFIXES, mode, ls, set(V::SetDef::Kind::kPrefix, items, list_name), sense,
               target);
          return;
        case ast::Op::kEndsWith:
          test(Op::STR_SUFFIXES, mode, ls, set(V::SetDef::Kind::kSuffix, items, list_name), sense,
               target);
          return;
        case ast::Op::kContains:
          test(Op::STR_CONTAINS_ANY, mode, ls, set(V::SetDef::Kind::kContains, items, list_name),
               sense, target);
          return;
        case ast::Op::kIContains:
          test(Op::STR_CONTAINS_ANY, mode, ls, set(V::SetDef::Kind::kIContains, items, list_name),
               sense, target);
          return;
        default:
          break;
      }
    }
    V::ModDef m;
    m.mod = n->mod == ast::Modifier::kOneOf ? 1 : n->mod == ast::Modifier::kAnyOf ? 2 : 3;
    switch (n->op) {
      case ast::Op::kEq: m.base = Op::STR_EQ; break;
      case ast::Op::kNeq: m.base = Op::STR_NE; break;
      case ast::Op::kContains: m.base = Op::STR_CONTAINS; break;
      case ast::Op::kIContains: m.base = Op::STR_ICONTAINS; break;
      case ast::Op::kStartsWith: m.base = Op::STR_STARTS; break;
      case ast::Op::kEndsWith: m.base = Op::STR_ENDS; break;
      case ast::Op::kGlob: m.base = Op::STR_GLOB; break;
      case ast::Op::kIGlob: m.base = Op::STR_GLOB; m.icase = true; break;
      case ast::Op::kRegex: m.base = Op::STR_REGEX; break;
      default: m.base = Op::STR_EQ; break;
    }
    for (std::string_view s : items) m.items.push_back(str(s));
    p_.mods.push_back(std::move(m));
    test(Op::STR_MOD, mode, ls, static_cast<uint32_t>(p_.mods.size() - 1), sense, target);
    return;
  }
  switch (n->op) {
    case ast::Op::kEq: test(Op::STR_EQ, mode, ls, str(rhs.text), sense, target); return;
    case ast::Op::kNeq: test(Op::STR_NE, mode, ls, str(rhs.text), sense, target); return;
    case ast::Op::kLt: test(Op::STR_LT, mode, ls, str(rhs.text), sense, target); return;
    case ast::Op::kLe: test(Op::STR_LE, mode, ls, str(rhs.text), sense, target); return;
    case ast::Op::kGt: test(Op::STR_GT, mode, ls, str(rhs.text), sense, target); return;
    case ast::Op::kGe: test(Op::STR_GE, mode, ls, str(rhs.text), sense, target); return;
    case ast::Op::kContains: test(Op::STR_CONTAINS, mode, ls, str(rhs.text), sense, target); return;
    case ast::Op::kIContains:
      test(Op::STR_ICONTAINS, mode, ls, str(rhs.text), sense, target);
      return;
    case ast::Op::kStartsWith: test(Op::STR_STARTS, mode, ls, str(rhs.text), sense, target); return;
    case ast::Op::kEndsWith: test(Op::STR_ENDS, mode, ls, str(rhs.text), sense, target); return;
    case ast::Op::kGlob: test(Op::STR_GLOB, mode, ls, glob(rhs.text, false), sense, target); return;
    case ast::Op::kIGlob: test(Op::STR_GLOB, mode, ls, glob(rhs.text, true), sense, target); return;
    case ast::Op::kRegex: test(Op::STR_REGEX, mode, ls, regex(rhs.text), sense, target); return;
    case ast::Op::kIn:
    case ast::Op::kIntersects:
      if (items.size() == 1) {
        test(Op::STR_EQ, mode, ls, str(items[0]), sense, target);
      } else if (items.empty()) {
        if (!sense) jump_to(target);  // nothing is in an empty list
      } else {
        test(Op::STR_IN, mode, ls, set(V::SetDef::Kind::kExact, items, list_name), sense, target);
      }
      return;
    case ast::Op::kPMatch:
      test(Op::STR_PMATCH, mode, ls, set(V::SetDef::Kind::kPath, items, list_name), sense, target);
      return;
    default:
      test(Op::STR_EQ, mode, ls, str(rhs.text), sense, target);
      return;
  }
}

// ---- driver ---------------------------------------------------------------------------------

bool Lowerer::run(std::string& error) {
  plan_macros();
  size_t nshared = 0;
  for (int s : shared_idx_) nshared += s >= 0;
  // Event-type set per shared macro: the union over the rules that reach it.
  std::vector<EventSet> macro_sets(rs_.macros.size());
  for (const CompiledRule& r : rs_.rules) {
    if (!r.root) continue;
    std::vector<const ast::Node*> st = {r.root};
    std::unordered_set<const ast::Node*> seen;
    while (!st.empty()) {
      const ast::Node* x = st.back();
      st.pop_back();
      if (x->kind == ast::Kind::kMacroRef) {
        if (x->target && seen.insert(x->target).second) {
          if (x->macro >= 0) macro_sets[x->macro] |= r.evttypes;
          st.push_back(x->target);
        }
        continue;
      }
      for (const ast::Node* c : x->children) st.push_back(c);
    }
  }
  // Shared macro blocks, callees first.
  p_.macros.resize(nshared);
  std::vector<int> by_prog(nshared, -1);
  for (size_t m = 0; m < shared_idx_.size(); m++)
    if (shared_idx_[m] >= 0) by_prog[shared_idx_[m]] = static_cast<int>(m);
  for (size_t i = 0; i < nshared; i++) {
    int m = by_prog[i];
    enter_block(&macro_sets[m]);
    V::MacroEntry& e = p_.macros[i];
    e.name = rs_.macros[m].name;
    e.entry = pc();
    Label fail;
    shared_fold_[m] = Tri::kUnknown;
    cond(rs_.macros[m].root, false, fail);
    p_.code.push_back(Insn::make(V::Op::RET, 1, 0, 0));
    bind(fail);
    p_.code.push_back(Insn::make(V::Op::RET, 0, 0, 0));
    e.end = pc();
    // Callers fold a shared macro only if it is constant for every user.
    fold_stamp_++;
    Tri f = fold(rs_.macros[m].root);
    shared_fold_[m] = f;
    if (slot_error_) {
      error = error_;
      return false;
    }
  }
  // Rule blocks.
  for (const CompiledRule& r : rs_.rules) {
    enter_block(&r.evttypes);
    V::RuleEntry e;
    e.name = r.name;
    e.priority = static_cast<uint8_t>(r.priority);
    e.enabled = r.enabled;
    e.output = r.output;
    e.source = r.source;
    e.tags.assign(r.tags.begin(), r.tags.end());
    if (r.def && !r.def->ctx.empty()) {
      const ContextLoc& loc = r.def->ctx.back();
      e.location = loc.pos_name + ":" + std::to_string(loc.pos.line_col().line + 1);
    }
    e.entry = pc();
    Label fail;
    if (r.root) cond(r.root, false, fail);
    p_.code.push_back(Insn::make(V::Op::RET, 1, 0, 0));
    bind(fail);
    p_.code.push_back(Insn::make(V::Op::RET, 0, 0, 0));
    e.end = pc();
    p_.rules.push_back(std::move(e));
    if (slot_error_) {
      error = error_;
      return false;
    }
  }
  // Event index, in rule order.
  p_.by_event.assign(kIndexMax, {});
  for (uint32_t i = 0; i < rs_.rules.size(); i++) {
    const EventSet& t = rs_.rules[i].evttypes;
    for (size_t c = t._Find_first(); c < t.size(); c = t._Find_next(c))  // set bits only
      p_.by_event[c].push_back(i);
  }
  if (p_.code.size() > (1ull << 31)) {
    error = "program too large";
    return false;
  }
  return true;
}

}  // namespace

bool lower(const CompiledRuleset& rs, vm::Program& out, std::string& error,
           const LowerOptions& opts) {
  out = vm::Program{};
  out.compiler_version = std::string("peregrinec ") + PEREGRINE_VERSION;
  Lowerer l(rs, out, opts);
  return l.run(error);
}

}  // namespace pg
