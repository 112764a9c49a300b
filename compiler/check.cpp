// The checker (see check.h). Structure: operand resolution (fields and transformers), operator
// legality by type family, right-hand side checks (constants, lists, fields), compiler hints,
// then the event-type set computation.
#include "compiler/check.h"

#include <re2/re2.h>

#include <algorithm>

#include "compiler/constants.h"
#include "vm/events.h"

namespace pg {
namespace {

using ast::Op;
using ast::Value;

bool is_evt_type_field(const FieldRef& f) {
  return f.info && (f.info->id == FieldId::EVT_TYPE || f.info->id == FieldId::SYSCALL_TYPE);
}

bool known_event_name(std::string_view name) {
  return !event_codes_by_name(name).empty() || syscall_code_by_name(name) >= 0;
}

// Family name as libsinsp's messages use it.
std::string family_word(const Value& v) {
  if (v.is_list_type) return "list";
  switch (type_family(v.type)) {
    case TypeFamily::kNumeric: return "numeric";
    case TypeFamily::kBool: return "numeric";  // Falco's wording is copied from the numeric case
    case TypeFamily::kString: return "string";
    case TypeFamily::kBytes: return "buffer";
    case TypeFamily::kIpAddr: return "ip address";
    case TypeFamily::kIpNet: return "ip network";
    default: return "this kind of";
  }
}

bool op_allowed(const Value& lhs, Op op) {
  if (lhs.is_list_type) return op == Op::kIn || op == Op::kIntersects || op == Op::kExists;
  switch (type_family(lhs.type)) {
    case TypeFamily::kNumeric:
      return op == Op::kEq || op == Op::kNeq || op == Op::kLt || op == Op::kLe ||
             op == Op::kGt || op == Op::kGe || op == Op::kIn || op == Op::kIntersects ||
             op == Op::kExists;
    case TypeFamily::kBool:
    case TypeFamily::kIpAddr:
    case TypeFamily::kIpNet:
      return op == Op::kEq || op == Op::kNeq || op == Op::kIn || op == Op::kIntersects ||
             op == Op::kExists;
    case TypeFamily::kString:
      return op != Op::kBContains && op != Op::kBStartsWith;
    case TypeFamily::kBytes:
      return op == Op::kEq || op == Op::kNeq || op == Op::kContains || op == Op::kStartsWith ||
             op == Op::kEndsWith || op == Op::kBContains || op == Op::kBStartsWith ||
             op == Op::kIn || op == Op::kIntersects || op == Op::kExists;
    default:
      return op == Op::kExists;
  }
}

// Per-check analysis.
class CheckAnalysis {
 public:
  explicit CheckAnalysis(const ast::Node* n) : n_(n) {}

  void run(std::vector<CheckIssue>& errors, std::vector<CheckIssue>& warnings) {
    errors_ = &errors;
    warnings_ = &warnings;
    // Annotations are written into the (shared) AST node once; it is owned by the arena.
    ast::Node* n = const_cast<ast::Node*>(n_);
    if (!operand(n->lhs, true)) return;
    if (!op_allowed(n->lhs, n->op)) {
      error(n->op_span, "filter error: '" + std::string(n->eqeq ? "==" : ast::op_name(n->op)) +
                            "' operator not supported for " + family_word(n->lhs) + " filters");
      return;
    }
    if (n->mod != ast::Modifier::kNone) {
      TypeFamily fam = type_family(n->lhs.type);
      if ((fam == TypeFamily::kIpAddr || fam == TypeFamily::kIpNet) && n->op != Op::kEq &&
          n->op != Op::kNeq) {
        error(n->op_span, "filter error: '" + std::string(ast::op_name(n->op)) + " " +
                              std::string(ast::modifier_name(n->mod)) +
                              "' is not supported for " + family_word(n->lhs) + " filters");
        return;
      }
    }
    deprecated(n->lhs);
    if (n->op == Op::kExists || !n->rhs) return;
    Value& rhs = *n->rhs;
    if (rhs.kind == Value::Kind::kField || rhs.kind == Value::Kind::kXform) {
      rhs_field(*n, rhs);
      return;
    }
    if (rhs.kind == Value::Kind::kList) {
      rhs.for_each_item([&](std::string_view item) {
        if (!failed_) constant(*n, item, rhs.span);
      });
      return;
    }
    constant(*n, rhs.text, rhs.span);
  }

 private:
  void error(ast::Span span, std::string msg) {
    if (failed_) return;
    failed_ = true;
    CheckIssue i;
    i.code = DiagCode::LOAD_ERR_COMPILE_CONDITION;
    i.message = std::move(msg);
    i.node = n_;
    i.span = span;
    errors_->push_back(std::move(i));
  }
  void warning(DiagCode code, ast::Span span, std::string msg, std::string deprecated = "") {
    for (const CheckIssue& w : *warnings_)
      if (w.code == code && w.message == msg) return;
    CheckIssue i;
    i.code = code;
    i.message = std::move(msg);
    i.node = n_;
    i.span = span;
    i.deprecated_field = std::move(deprecated);
    warnings_->push_back(std::move(i));
  }

  void deprecated(const Value& v) {
    if (v.kind == Value::Kind::kField && v.field.info && (v.field.info->flags & FF_DEPRECATED))
      warning(DiagCode::LOAD_DEPRECATED_ITEM, v.span, std::string(v.field.info->description),
              std::string(v.field.info->name));
    for (const Value& a : v.args) deprecated(a);
  }

  // Resolves a field or transformer operand and sets its type. Returns false on error.
  bool operand(Value& v, bool lhs) {
    switch (v.kind) {
      case Value::Kind::kField: {
        FieldLookup l = lookup_field(v.name, v.has_arg ? &v.arg : nullptr);
        if (!l.ref) {
          error(v.span, l.error);
          return false;
        }
        v.field = *l.ref;
        v.type = v.field.info->type;
        v.is_list_type = (v.field.info->flags & FF_LIST) != 0;
        return true;
      }
      case Value::Kind::kXform:
        return xform(v);
      default:
        error(v.span, lhs ? "expected a field or a transformer" : "expected a value");
        return false;
    }
  }

  bool xform(Value& v) {
    std::string name(ast::xform_name(v.xform));
    auto arg_operand = [&](Value& a) -> bool {
      if (!operand(a, true)) return false;
      if (a.kind == Value::Kind::kField) {
        if (a.field.info->flags & FF_NO_TRANSFORMER) {
          error(a.span, "can't add field transformer: field '" + std::string(a.field.info->name) +
                            "' does not support transformers");
          return false;
        }
        if (is_evt_type_field(a.field)) {
          error(a.span, "can't add field transformer: field '" + std::string(a.field.info->name) +
                            "' is used for event-type indexing and cannot be transformed");
          return false;
        }
      }
      return true;
    };
    auto unsupported = [&](const Value& a) {
      error(a.span, "can't add field transformer: type '" +
                        std::string(param_type_name(a.type)) + "' is not supported by '" + name +
                        "' transformer");
      return false;
    };
    switch (v.xform) {
      case ast::Xform::kToLower:
      case ast::Xform::kToUpper:
      case ast::Xform::kBasename:
      case ast::Xform::kB64:
      case ast::Xform::kLen: {
        if (v.args.size() != 1) {
          error(v.span, "transformer '" + name + "' takes exactly one argument");
          return false;
        }
        Value& a = v.args[0];
        if (a.kind != Value::Kind::kField && a.kind != Value::Kind::kXform) {
          error(a.span, "transformer '" + name + "' expects a field or a transformer argument");
          return false;
        }
        if (!arg_operand(a)) return false;
        TypeFamily fam = type_family(a.type);
        if (v.xform == ast::Xform::kLen) {
          if (!a.is_list_type && fam != TypeFamily::kString && fam != TypeFamily::kBytes)
            return unsupported(a);
          v.type = ParamType::UINT64;
          return true;
        }
        if (a.is_list_type) return unsupported(a);
        if (v.xform == ast::Xform::kB64 ? (fam != TypeFamily::kString && fam != TypeFamily::kBytes)
                                        : fam != TypeFamily::kString)
          return unsupported(a);
        v.type = a.type;
        return true;
      }
      case ast::Xform::kJoin: {
        if (v.args.size() != 2) {
          error(v.span, "transformer 'join' takes a separator and a list");
          return false;
        }
        if (v.args[0].kind != Value::Kind::kString) {
          error(v.args[0].span, "transformer 'join' expects a quoted separator string");
          return false;
        }
        Value& l = v.args[1];
        if (l.kind == Value::Kind::kList) {
          for (Value& e : l.args)
            if ((e.kind == Value::Kind::kField || e.kind == Value::Kind::kXform) &&
                !arg_operand(e))
              return false;
        } else {
          if (!arg_operand(l)) return false;
          if (!l.is_list_type && type_family(l.type) != TypeFamily::kString)
            return unsupported(l);
        }
        v.type = ParamType::CHARBUF;
        return true;
      }
      case ast::Xform::kConcat: {
        if (v.args.size() < 2) {
          error(v.span, "transformer 'concat' takes at least two arguments");
          return false;
        }
        for (Value& a : v.args) {
          if (a.kind == Value::Kind::kField || a.kind == Value::Kind::kXform) {
            if (!arg_operand(a)) return false;
            if (a.is_list_type || type_family(a.type) != TypeFamily::kString)
              return unsupported(a);
          } else if (a.kind == Value::Kind::kList) {
            error(a.span, "transformer 'concat' does not take lists");
            return false;
          }
        }
        v.type = ParamType::CHARBUF;
        return true;
      }
      case ast::Xform::kGetOpt: {
        if (v.args.size() != 2 || v.args[1].kind != Value::Kind::kString) {
          error(v.span, "transformer 'getopt' takes a field and a quoted option string");
          return false;
        }
        Value& a = v.args[0];
        if (a.kind != Value::Kind::kField && a.kind != Value::Kind::kXform) {
          error(a.span, "transformer 'getopt' expects a field argument");
          return false;
        }
        if (!arg_operand(a)) return false;
        if (a.is_list_type || type_family(a.type) != TypeFamily::kString) return unsupported(a);
        if (!v.has_index || v.index.size() != 1) {
          error(v.span, "transformer 'getopt' needs a one-character option index, e.g. [c]");
          return false;
        }
        v.type = ParamType::CHARBUF;
        return true;
      }
    }
    return false;
  }

  std::string rhs_name(const Value& v) {
    if (v.kind == Value::Kind::kField) return v.name;
    return std::string(ast::xform_name(v.xform)) + "(...)";
  }

  void rhs_field(ast::Node& n, Value& rhs) {
    if (n.op == Op::kPMatch || n.op == Op::kRegex) {
      error(rhs.span, "operator '" + std::string(ast::op_name(n.op)) +
                          "' does not support a right-hand side field");
      return;
    }
    if (type_family(n.lhs.type) == TypeFamily::kIpNet) {
      error(rhs.span, "IP network fields do not support a right-hand side field");
      return;
    }
    if (n.lhs.kind == Value::Kind::kField) {
      if (is_evt_type_field(n.lhs.field)) {
        error(rhs.span, "field '" + n.lhs.name + "' cannot be compared with another field");
        return;
      }
      if (n.lhs.field.info->flags & FF_NO_RHS) {
        error(n.lhs.span, "field '" + n.lhs.name + "' cannot be compared with another field");
        return;
      }
    }
    if (!operand(rhs, false)) return;
    if (rhs.kind == Value::Kind::kField && (rhs.field.info->flags & FF_NO_RHS)) {
      error(rhs.span, "field '" + rhs.name + "' cannot be used on the right-hand side");
      return;
    }
    deprecated(rhs);
    if (rhs.type != n.lhs.type || rhs.is_list_type != n.lhs.is_list_type) {
      auto tname = [](const Value& v) {
        std::string s(param_type_name(v.type));
        return v.is_list_type ? "list(" + s + ")" : s;
      };
      error(rhs.span, "field '" + rhs_name(n.lhs) + "' has type '" + tname(n.lhs) +
                          "' while the right-hand side field '" + rhs_name(rhs) +
                          "' has incompatible type '" + tname(rhs) + "'");
    }
  }

  void constant(ast::Node& n, std::string_view text, ast::Span span) {
    const Value& lhs = n.lhs;
    if (lhs.kind == Value::Kind::kField && is_evt_type_field(lhs.field)) {
      if (!known_event_name(text)) error(span, "unknown event type " + std::string(text));
      return;
    }
    bool hex = n.op == Op::kBContains || n.op == Op::kBStartsWith;
    std::string err;
    std::optional<Const> c = parse_const(lhs.type, text, hex, &err);
    if (!c) {
      error(span, err);
      return;
    }
    if (n.op == Op::kRegex) {
      RE2::Options o;
      o.set_log_errors(false);
      RE2 re(re2::StringPiece(text.data(), text.size()), o);
      if (!re.ok()) {
        error(span, "invalid regular expression '" + std::string(text) + "': " + re.error());
        return;
      }
      // A pattern with no metacharacters (or only a leading/trailing .*) needs no regex.
      std::string_view core = text;
      if (core.substr(0, 2) == ".*") core.remove_prefix(2);
      if (core.size() >= 2 && core.substr(core.size() - 2) == ".*") core.remove_suffix(2);
      if (core.find_first_of("\\^$.|?*+()[]{}") == std::string_view::npos)
        warning(DiagCode::LOAD_COMPILE_CONDITION, span,
                "regex check with '" + std::string(text) +
                    "' may be optimized with simpler operators such as '=', 'contains', "
                    "'startswith', 'endswith'");
    }
    // A string constant that names a field was probably meant as a field (use val()).
    if (type_family(lhs.type) == TypeFamily::kString || lhs.is_list_type) {
      std::string s(text);
      size_t br = s.find('[');
      std::string arg;
      if (br != std::string::npos && s.back() == ']') {
        arg = s.substr(br + 1, s.size() - br - 2);
        s = s.substr(0, br);
      }
      bool dotted = s.find('.') != std::string::npos &&
                    std::all_of(s.begin(), s.end(), [](char ch) {
                      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_';
                    });
      if (dotted && lookup_field(s, br != std::string::npos ? &arg : nullptr).ref)
        warning(DiagCode::LOAD_COMPILE_CONDITION, span,
                "'" + std::string(text) + "' may be a valid field misused as a const string value");
      for (std::string_view x : {"tolower(", "toupper(", "b64(", "basename(", "len(", "join(",
                                 "concat(", "getopt(", "val("}) {
        if (text.substr(0, x.size()) == x && text.back() == ')') {
          warning(DiagCode::LOAD_COMPILE_CONDITION, span,
                  "'" + std::string(text) +
                      "' may be a valid field transformer misused as a const string value");
          break;
        }
      }
    }
  }

  const ast::Node* n_;
  std::vector<CheckIssue>* errors_ = nullptr;
  std::vector<CheckIssue>* warnings_ = nullptr;
  bool failed_ = false;
};

}  // namespace

bool is_unknown_filter_error(const std::string& m) {
  return m.find("nonexistent field") != std::string::npos ||
         m.find("invalid formatting token") != std::string::npos ||
         m.find("unknown event type") != std::string::npos ||
         m.find("unknown filter:") != std::string::npos;
}

const Checker::NodeIssues& Checker::issues_for(const ast::Node* check) {
  auto it = cache_.find(check);
  if (it != cache_.end()) return it->second;
  NodeIssues& ni = cache_[check];
  CheckAnalysis(check).run(ni.errors, ni.warnings);
  return ni;
}

void Checker::walk(const ast::Node* n, std::vector<const ast::Node*>& via,
                   std::vector<CheckIssue>& errors, std::vector<CheckIssue>& warnings, bool all,
                   bool& stop) {
  if (stop) return;
  switch (n->kind) {
    case ast::Kind::kAnd:
    case ast::Kind::kOr:
    case ast::Kind::kNot:
      for (const ast::Node* c : n->children) walk(c, via, errors, warnings, all, stop);
      return;
    case ast::Kind::kMacroRef:
      if (!n->target || !walked_.insert(n->target).second) return;
      via.push_back(n);
      walk(n->target, via, errors, warnings, all, stop);
      via.pop_back();
      return;
    case ast::Kind::kCheck: {
      const NodeIssues& ni = issues_for(n);
      for (const CheckIssue& w : ni.warnings) {
        bool dup = false;
        for (const CheckIssue& x : warnings) dup |= x.code == w.code && x.message == w.message;
        if (dup) continue;
        warnings.push_back(w);
        warnings.back().via = via;
      }
      for (const CheckIssue& e : ni.errors) {
        errors.push_back(e);
        errors.back().via = via;
        if (!all) stop = true;
      }
      return;
    }
  }
}

void Checker::check(const ast::Node* root, std::vector<CheckIssue>& errors,
                    std::vector<CheckIssue>& warnings, bool all) {
  std::vector<const ast::Node*> via;
  bool stop = false;
  walked_.clear();
  walk(root, via, errors, warnings, all, stop);
}

size_t falco_code_count(const EventSet& s) {
  // Event codes from 2 on count one each; the generic events and the per-syscall codes behind
  // them count as Falco's two generic codes. (Word-wise masks: called for every rule.)
  struct Masks {
    EventSet events, generic;
    Masks() {
      for (uint16_t c = 2; c < kEventMax; c++) events.set(c);
      generic.set(kGenericEnter);
      generic.set(kGenericExit);
      for (uint16_t c = kEventMax; c < kIndexMax; c++) generic.set(c);
    }
  };
  static const Masks m;
  return (s & m.events).count() + ((s & m.generic).any() ? 2 : 0);
}

EventSet all_events() {
  EventSet s;
  s.set();
  return s;
}

EventSet Checker::codes(const ast::Node* n, bool neg) {
  switch (n->kind) {
    case ast::Kind::kAnd:
    case ast::Kind::kOr: {
      // De Morgan: under negation `and` unions and `or` intersects.
      bool intersect = (n->kind == ast::Kind::kAnd) != neg;
      EventSet acc = intersect ? all_events() : EventSet();
      for (const ast::Node* c : n->children) {
        EventSet s = codes(c, neg);
        acc = intersect ? (acc & s) : (acc | s);
      }
      return acc;
    }
    case ast::Kind::kNot:
      return codes(n->children[0], !neg);
    case ast::Kind::kMacroRef: {
      if (!n->target) return all_events();
      auto& cache = set_cache_[neg ? 1 : 0];
      auto it = cache.find(n->target);
      if (it != cache.end()) return it->second;
      // Provisional entry: a reference loop (compiled only with all_errors, after it was
      // reported) must not recurse forever.
      cache.emplace(n->target, all_events());
      EventSet s = codes(n->target, neg);
      cache[n->target] = s;
      return s;
    }
    case ast::Kind::kCheck:
      break;
  }
  const Value& lhs = n->lhs;
  if (lhs.kind != Value::Kind::kField || !lhs.field.info || lhs.has_arg) return all_events();
  FieldId id = lhs.field.info->id;
  if (id == FieldId::EVT_TYPE || id == FieldId::SYSCALL_TYPE) {
    if (n->op == Op::kExists) return all_events();
    if (n->op != Op::kEq && n->op != Op::kNeq && n->op != Op::kIn) return all_events();
    if (!n->rhs || n->rhs->kind == Value::Kind::kField || n->rhs->kind == Value::Kind::kXform ||
        n->mod != ast::Modifier::kNone)
      return all_events();
    EventSet s;
    auto add = [&](std::string_view name) {
      for (uint16_t c : index_codes_by_name(name)) s.set(c);
    };
    if (n->rhs->kind == Value::Kind::kList) n->rhs->for_each_item(add);
    else add(n->rhs->text);
    bool complement = (n->op == Op::kNeq) != neg;
    return complement ? ~s : s;
  }
  if (id == FieldId::EVT_NUM && n->rhs && n->mod == ast::Modifier::kNone) {
    // Folded forms: =0, <1 and in (0) match nothing; !=0 and >=1 match everything.
    auto is = [&](std::string_view v) {
      return n->rhs->kind != Value::Kind::kList && n->rhs->text == v;
    };
    bool none = (n->op == Op::kEq && is("0")) || (n->op == Op::kLt && is("1")) ||
                (n->op == Op::kIn && n->rhs->kind == Value::Kind::kList &&
                 n->rhs->list_size() == 1 && [&] {
                   bool zero = false;
                   n->rhs->for_each_item([&](std::string_view v) { zero = v == "0"; });
                   return zero;
                 }());
    bool all = (n->op == Op::kNeq && is("0")) || (n->op == Op::kGe && is("1"));
    if (none || all) return (none != neg) ? EventSet() : all_events();
  }
  return all_events();
}

EventSet Checker::event_types(const ast::Node* root) { return codes(root, false); }

}  // namespace pg
