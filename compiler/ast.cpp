#include "compiler/ast.h"

namespace pg::ast {

std::string_view op_name(Op op) {
  switch (op) {
    case Op::kEq: return "=";
    case Op::kNeq: return "!=";
    case Op::kLt: return "<";
    case Op::kLe: return "<=";
    case Op::kGt: return ">";
    case Op::kGe: return ">=";
    case Op::kContains: return "contains";
    case Op::kIContains: return "icontains";
    case Op::kBContains: return "bcontains";
    case Op::kStartsWith: return "startswith";
    case Op::kBStartsWith: return "bstartswith";
    case Op::kEndsWith: return "endswith";
    case Op::kGlob: return "glob";
    case Op::kIGlob: return "iglob";
    case Op::kRegex: return "regex";
    case Op::kIn: return "in";
    case Op::kIntersects: return "intersects";
    case Op::kPMatch: return "pmatch";
    case Op::kExists: return "exists";
  }
  return "?";
}

std::string_view modifier_name(Modifier m) {
  switch (m) {
    case Modifier::kNone: return "";
    case Modifier::kOneOf: return "oneof";
    case Modifier::kAnyOf: return "anyof";
    case Modifier::kAllOf: return "allof";
  }
  return "";
}

std::string_view xform_name(Xform x) {
  switch (x) {
    case Xform::kToLower: return "tolower";
    case Xform::kToUpper: return "toupper";
    case Xform::kB64: return "b64";
    case Xform::kBasename: return "basename";
    case Xform::kLen: return "len";
    case Xform::kJoin: return "join";
    case Xform::kConcat: return "concat";
    case Xform::kGetOpt: return "getopt";
  }
  return "?";
}

size_t Value::list_size() const {
  size_t n = items.size();
  for (const SharedItems& s : shared) n += s->size();
  return n;
}

namespace {

void quote(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[(c >> 4) & 0xf]);
      out.push_back(kHex[c & 0xf]);
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
}

void dump_value(std::string& out, const Value& v) {
  switch (v.kind) {
    case Value::Kind::kField:
      if (v.via_val) out += "val(";
      out += v.name;
      if (v.has_arg) {
        out += "[";
        out += v.arg;
        out += "]";
      }
      if (v.via_val) out += ")";
      return;
    case Value::Kind::kXform:
      out += xform_name(v.xform);
      out += "(";
      for (size_t i = 0; i < v.args.size(); i++) {
        if (i) out += ", ";
        dump_value(out, v.args[i]);
      }
      out += ")";
      if (v.has_index) out += "[" + v.index + "]";
      return;
    case Value::Kind::kString:
      quote(out, v.text);
      return;
    case Value::Kind::kNumber:
      out += v.text;
      return;
    case Value::Kind::kList: {
      out += "(";
      bool first = true;
      if (!v.args.empty()) {
        for (const Value& a : v.args) {
          if (!first) out += ", ";
          first = false;
          dump_value(out, a);
        }
      }
      v.for_each_item([&](std::string_view s) {
        if (!first) out += ", ";
        first = false;
        quote(out, s);
      });
      out += ")";
      return;
    }
  }
}

void dump_node(std::string& out, const Node* n) {
  switch (n->kind) {
    case Kind::kAnd:
    case Kind::kOr:
      out += n->kind == Kind::kAnd ? "(and" : "(or";
      for (const Node* c : n->children) {
        out += " ";
        dump_node(out, c);
      }
      out += ")";
      return;
    case Kind::kNot:
      out += "(not ";
      dump_node(out, n->children[0]);
      out += ")";
      return;
    case Kind::kMacroRef:
      out += "(macro " + n->name + ")";
      return;
    case Kind::kCheck:
      out += "(";
      dump_value(out, n->lhs);
      out += " ";
      out += n->eqeq ? "==" : op_name(n->op);
      if (n->mod != Modifier::kNone) {
        out += " ";
        out += modifier_name(n->mod);
      }
      if (n->rhs) {
        out += " ";
        dump_value(out, *n->rhs);
      }
      out += ")";
      return;
  }
}

// A value as filter text: bare when it lexes as one bare string, else double-quoted.
void filter_value(std::string& out, std::string_view s) {
  bool bare = !s.empty() && s.find_first_of("()\"' \t\r\n\f\v=,\\") == std::string_view::npos &&
              s != "and" && s != "or" && s != "not";
  if (bare) {
    out.append(s);
    return;
  }
  // Falco's scanner ends a quoted string at the first quote not preceded by a backslash, so a
  // value ending in a backslash cannot be written "...\\": its last backslash is written as
  // "\ " (backslash space), which decodes to a single backslash (LANGUAGE.md gotcha 7).
  out.push_back('"');
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += i + 1 == s.size() ? "\\ " : "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: out.push_back(c);
    }
  }
  out.push_back('"');
}

void filter_operand(std::string& out, const Value& v) {
  switch (v.kind) {
    case Value::Kind::kField:
      if (v.via_val) out += "val(";
      out += v.name;
      if (v.has_arg) out += "[" + v.arg + "]";
      if (v.via_val) out += ")";
      return;
    case Value::Kind::kXform:
      out += xform_name(v.xform);
      out += "(";
      for (size_t i = 0; i < v.args.size(); i++) {
        if (i) out += ", ";
        filter_operand(out, v.args[i]);
      }
      out += ")";
      if (v.has_index) out += "[" + v.index + "]";
      return;
    case Value::Kind::kNumber:
      out += v.text;
      return;
    case Value::Kind::kString:
      filter_value(out, v.text);
      return;
    case Value::Kind::kList: {
      out += "(";
      bool first = true;
      for (const Value& a : v.args) {
        if (!first) out += ", ";
        first = false;
        filter_operand(out, a);
      }
      v.for_each_item([&](std::string_view s) {
        if (!first) out += ", ";
        first = false;
        filter_value(out, s);
      });
      out += ")";
      return;
    }
  }
}

void filter_node(std::string& out, const Node* n) {
  switch (n->kind) {
    case Kind::kAnd:
    case Kind::kOr:
      out += "(";
      for (size_t i = 0; i < n->children.size(); i++) {
        if (i) out += n->kind == Kind::kAnd ? " and " : " or ";
        filter_node(out, n->children[i]);
      }
      out += ")";
      return;
    case Kind::kNot:
      out += "not (";
      filter_node(out, n->children[0]);
      out += ")";
      return;
    case Kind::kMacroRef:
      if (n->target) {
        out += "(";
        filter_node(out, n->target);
        out += ")";
      } else {
        out += n->name;
      }
      return;
    case Kind::kCheck:
      filter_operand(out, n->lhs);
      out += " ";
      out += op_name(n->op);
      if (n->mod != Modifier::kNone) {
        out += " ";
        out += modifier_name(n->mod);
      }
      if (n->rhs) {
        out += " ";
        filter_operand(out, *n->rhs);
      }
      return;
  }
}

}  // namespace

std::string to_filter_text(const Node* n) {
  std::string out;
  if (n) filter_node(out, n);
  return out;
}

std::string dump(const Node* n) {
  std::string out;
  if (n) dump_node(out, n);
  return out;
}

}  // namespace pg::ast
