#include "compiler/ref_eval.h"

#include <fnmatch.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "compiler/constants.h"

namespace pg {
namespace {

using ast::Op;
using ast::Value;

// A value in the simplest possible form.
struct RVal {
  FieldValue::Kind kind = FieldValue::Kind::kStr;
  int64_t i = 0;
  uint64_t u = 0;
  std::string s;
  std::vector<std::string> list;
  bool v6 = false;
  std::array<uint8_t, 16> ip{};
};

RVal from_field(const FieldValue& f) {
  RVal r;
  r.kind = f.kind;
  switch (f.kind) {
    case FieldValue::Kind::kInt: r.i = f.i; break;
    case FieldValue::Kind::kUInt: r.u = f.u; break;
    case FieldValue::Kind::kBool: r.u = f.b ? 1 : 0; r.kind = FieldValue::Kind::kUInt; break;
    case FieldValue::Kind::kIp: case FieldValue::Kind::kNet:
      r.v6 = f.ip_v6;
      r.ip = f.ip;
      r.kind = FieldValue::Kind::kIp;
      break;
    case FieldValue::Kind::kList:
      for (std::string_view e : f.list) r.list.emplace_back(e);
      break;
    default: r.s = std::string(f.s); break;
  }
  return r;
}

std::optional<RVal> eval_value(const Value& v, EventView& ev, int64_t ancestor);

std::optional<RVal> eval_xform(const Value& v, EventView& ev) {
  auto arg = [&](size_t i) -> std::optional<RVal> {
    const Value& a = v.args[i];
    if (a.kind == Value::Kind::kField || a.kind == Value::Kind::kXform)
      return eval_value(a, ev, -1);
    RVal r;
    r.s = a.text;
    return r;
  };
  RVal out;
  switch (v.xform) {
    case ast::Xform::kToLower:
    case ast::Xform::kToUpper: {
      auto a = arg(0);
      if (!a) return std::nullopt;
      out.s = a->s;
      for (char& c : out.s) {
        if (v.xform == ast::Xform::kToLower && c >= 'A' && c <= 'Z') c += 32;
        if (v.xform == ast::Xform::kToUpper && c >= 'a' && c <= 'z') c -= 32;
      }
      return out;
    }
    case ast::Xform::kBasename: {
      auto a = arg(0);
      if (!a) return std::nullopt;
      size_t p = a->s.rfind('/');
      out.s = p == std::string::npos ? a->s : a->s.substr(p + 1);
      return out;
    }
    case ast::Xform::kB64: {
      auto a = arg(0);
      if (!a) return std::nullopt;
      static const std::string kAlpha =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      const std::string& s = a->s;
      if (s.size() % 4) return std::nullopt;
      for (size_t i = 0; i < s.size(); i += 4) {
        uint32_t w = 0;
        int pad = 0;
        for (int k = 0; k < 4; k++) {
          char c = s[i + k];
          size_t d = kAlpha.find(c);
          if (c == '=' && i + 4 == s.size() && k >= 2) {
            pad++;
            d = 0;
          } else if (d == std::string::npos || pad) {
            return std::nullopt;
          }
          w = (w << 6) | static_cast<uint32_t>(d);
        }
        out.s.push_back(static_cast<char>(w >> 16));
        if (pad < 2) out.s.push_back(static_cast<char>((w >> 8) & 0xff));
        if (pad < 1) out.s.push_back(static_cast<char>(w & 0xff));
      }
      out.kind = v.type == ParamType::BYTEBUF ? FieldValue::Kind::kBytes : FieldValue::Kind::kStr;
      return out;
    }
    case ast::Xform::kLen: {
      auto a = arg(0);
      if (!a) return std::nullopt;
      out.kind = FieldValue::Kind::kUInt;
      out.u = a->kind == FieldValue::Kind::kList ? a->list.size() : a->s.size();
      return out;
    }
    case ast::Xform::kConcat: {
      for (size_t i = 0; i < v.args.size(); i++) {
        auto a = arg(i);
        if (!a) return std::nullopt;
        out.s += a->s;
      }
      return out;
    }
    case ast::Xform::kJoin: {
      std::string sep = v.args[0].text;
      std::vector<std::string> parts;
      const Value& l = v.args[1];
      if (l.kind == Value::Kind::kList) {
        for (const Value& e : l.args) {
          if (e.kind == Value::Kind::kField || e.kind == Value::Kind::kXform) {
            auto x = eval_value(e, ev, -1);
            if (!x) return std::nullopt;
            parts.push_back(x->s);
          } else {
            parts.push_back(e.text);
          }
        }
      } else {
        auto x = eval_value(l, ev, -1);
        if (!x) return std::nullopt;
        if (x->kind == FieldValue::Kind::kList) parts = x->list;
        else parts.push_back(x->s);
      }
      for (size_t i = 0; i < parts.size(); i++) out.s += (i ? sep : "") + parts[i];
      return out;
    }
    case ast::Xform::kGetOpt: {
      auto a = arg(0);
      if (!a) return std::nullopt;
      std::string optstr = v.args[1].text;
      char want = v.index.empty() ? 0 : v.index[0];
      std::vector<std::string> toks;
      size_t i = 0;
      while (i < a->s.size()) {
        while (i < a->s.size() && a->s[i] == ' ') i++;
        size_t b = i;
        while (i < a->s.size() && a->s[i] != ' ') i++;
        if (i > b) toks.push_back(a->s.substr(b, i - b));
      }
      for (size_t t = 0; t < toks.size(); t++) {
        const std::string& tok = toks[t];
        if (tok == "--") break;
        if (tok.size() < 2 || tok[0] != '-' || tok[1] == '-') continue;
        for (size_t k = 1; k < tok.size(); k++) {
          size_t pos = optstr.find(tok[k]);
          bool takes = pos != std::string::npos && pos + 1 < optstr.size() && optstr[pos + 1] == ':';
          if (takes) {
            std::string val = tok.substr(k + 1);
            if (val.empty() && t + 1 < toks.size()) val = toks[++t];
            if (tok[k] == want) {
              out.s = val;
              return out;
            }
            break;
          }
          if (tok[k] == want) return out;
        }
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<RVal> eval_value(const Value& v, EventView& ev, int64_t ancestor) {
  if (v.kind == Value::Kind::kXform) return eval_xform(v, ev);
  FieldArgs args;
  args.index = ancestor >= 0 ? ancestor : v.field.index;
  if (v.field.has_arg && v.field.index < 0) args.key = v.field.arg;
  FieldValue f;
  if (!ev.extract(v.field.info->id, args, f)) return std::nullopt;
  return from_field(f);
}

bool glob_match(const std::string& pat, const std::string& s, bool icase) {
  if (!icase) return fnmatch(pat.c_str(), s.c_str(), 0) == 0;
  std::string p = pat, v = s;
  for (char& c : p) c = (c >= 'A' && c <= 'Z') ? c + 32 : c;
  for (char& c : v) c = (c >= 'A' && c <= 'Z') ? c + 32 : c;
  return fnmatch(p.c_str(), v.c_str(), 0) == 0;
}

std::vector<std::string> components(const std::string& p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < p.size()) {
    while (i < p.size() && p[i] == '/') i++;
    size_t b = i;
    while (i < p.size() && p[i] != '/') i++;
    if (i > b) out.push_back(p.substr(b, i - b));
  }
  return out;
}

bool pmatch(const std::string& value, const std::string& entry) {
  std::vector<std::string> v = components(value), e = components(entry);
  if (e.size() > v.size()) return false;
  for (size_t i = 0; i < e.size(); i++)
    if (fnmatch(e[i].c_str(), v[i].c_str(), 0) != 0) return false;
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? c + 32 : c;
  return s;
}

// A string predicate with one constant.
bool str_op(Op op, const std::string& s, const std::string& c) {
  switch (op) {
    case Op::kEq: return s == c;
    case Op::kNeq: return s != c;
    case Op::kLt: return s < c;  // byte order (char_traits<char> compares as unsigned)
    case Op::kLe: return s <= c;
    case Op::kGt: return s > c;
    case Op::kGe: return s >= c;
    case Op::kContains: case Op::kBContains: return s.find(c) != std::string::npos;
    case Op::kIContains: return lower(s).find(lower(c)) != std::string::npos;
    case Op::kStartsWith: case Op::kBStartsWith: return s.compare(0, c.size(), c) == 0 && s.size() >= c.size();
    case Op::kEndsWith: return s.size() >= c.size() && s.compare(s.size() - c.size(), c.size(), c) == 0;
    case Op::kGlob: return glob_match(c, s, false);
    case Op::kIGlob: return glob_match(c, s, true);
    case Op::kRegex: {
      RE2::Options o;
      o.set_log_errors(false);
      RE2 re(c, o);
      return re.ok() && RE2::FullMatch(s, re);
    }
    case Op::kPMatch: return pmatch(s, c);
    case Op::kIn: case Op::kIntersects: return s == c;
    default: return false;
  }
}

template <class T>
bool compare(Op op, T a, T b) {
  switch (op) {
    case Op::kEq: case Op::kIn: case Op::kIntersects: return a == b;
    case Op::kNeq: return a != b;
    case Op::kLt: return a < b;
    case Op::kLe: return a <= b;
    case Op::kGt: return a > b;
    case Op::kGe: return a >= b;
    default: return false;
  }
}

bool num_op(Op op, const RVal& v, const Const& k) {
  if (v.kind == FieldValue::Kind::kInt) {
    int64_t b = k.kind == Const::Kind::kSigned ? k.s : static_cast<int64_t>(k.u);
    if (k.kind == Const::Kind::kBool) b = k.b;
    return compare<int64_t>(op, v.i, b);
  }
  uint64_t b = k.kind == Const::Kind::kSigned ? static_cast<uint64_t>(k.s) : k.u;
  if (k.kind == Const::Kind::kBool) b = k.b;
  return compare<uint64_t>(op, v.u, b);
}

bool ip_op(Op op, const RVal& v, const Const& k) {
  if (v.kind != FieldValue::Kind::kIp) return false;
  bool eq;
  if (k.kind == Const::Kind::kNet) {
    if (v.v6 != k.net.addr.v6) {
      eq = false;
    } else {
      eq = true;
      int bits = k.net.prefix;
      for (int i = 0; i < (v.v6 ? 16 : 4) && bits > 0; i++, bits -= 8) {
        uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
        if ((v.ip[i] & mask) != (k.net.addr.bytes[i] & mask)) eq = false;
      }
    }
  } else {
    eq = v.v6 == k.ip.v6 && std::memcmp(v.ip.data(), k.ip.bytes.data(), v.v6 ? 16 : 4) == 0;
  }
  return op == Op::kNeq ? !eq : eq;
}

// One element test of `op` between a value and a constant text.
bool item_test(Op op, ParamType t, const RVal& v, const std::string& text) {
  TypeFamily fam = type_family(t);
  std::string err;
  bool hex = op == Op::kBContains || op == Op::kBStartsWith;
  std::optional<Const> k = parse_const(t, text, hex, &err);
  if (!k) return false;
  switch (fam) {
    case TypeFamily::kNumeric:
    case TypeFamily::kBool:
      return num_op(op, v, *k);
    case TypeFamily::kIpAddr:
    case TypeFamily::kIpNet:
      return ip_op(op, v, *k);
    default:
      return str_op(op, v.s, k->str);
  }
}

bool eval_check_on(const ast::Node* n, const RVal& v, EventView& ev) {
  const Value& lhs = n->lhs;
  if (n->op == Op::kExists) return true;
  const Value& rhs = *n->rhs;
  if (rhs.kind == Value::Kind::kField || rhs.kind == Value::Kind::kXform) {
    std::optional<RVal> r = eval_value(rhs, ev, -1);
    if (!r) return false;
    if (lhs.is_list_type || n->op == Op::kIn || n->op == Op::kIntersects) {
      std::vector<std::string> a = v.kind == FieldValue::Kind::kList ? v.list : std::vector<std::string>{v.s};
      std::vector<std::string> b = r->kind == FieldValue::Kind::kList ? r->list : std::vector<std::string>{r->s};
      auto in_b = [&](const std::string& x) { return std::find(b.begin(), b.end(), x) != b.end(); };
      if (n->op == Op::kIntersects) return std::any_of(a.begin(), a.end(), in_b);
      bool all = std::all_of(a.begin(), a.end(), in_b);
      return n->op == Op::kNeq ? !all : all;
    }
    TypeFamily fam = type_family(lhs.type);
    if (fam == TypeFamily::kNumeric || fam == TypeFamily::kBool) {
      Const k;
      if (r->kind == FieldValue::Kind::kInt) {
        k.kind = Const::Kind::kSigned;
        k.s = r->i;
      } else {
        k.kind = Const::Kind::kUnsigned;
        k.u = r->u;
      }
      return num_op(n->op, v, k);
    }
    if (fam == TypeFamily::kIpAddr) {
      bool eq = v.v6 == r->v6 && v.ip == r->ip;
      return n->op == Op::kNeq ? !eq : eq;
    }
    return str_op(n->op, v.s, r->s);
  }
  std::vector<std::string> items;
  if (rhs.kind == Value::Kind::kList) rhs.for_each_item([&](std::string_view s) { items.emplace_back(s); });
  else items.push_back(rhs.text);
  if (lhs.is_list_type) {
    auto in_items = [&](const std::string& x) {
      return std::find(items.begin(), items.end(), x) != items.end();
    };
    if (n->op == Op::kIntersects) return std::any_of(v.list.begin(), v.list.end(), in_items);
    return std::all_of(v.list.begin(), v.list.end(), in_items);
  }
  if (lhs.kind == Value::Kind::kField && lhs.field.info &&
      (lhs.field.info->id == FieldId::EVT_TYPE || lhs.field.info->id == FieldId::SYSCALL_TYPE) &&
      n->mod == ast::Modifier::kNone) {
    // evt.type compares names.
    bool any = std::find(items.begin(), items.end(), v.s) != items.end();
    if (n->op == Op::kEq || n->op == Op::kIn || n->op == Op::kIntersects) return any;
    if (n->op == Op::kNeq) return !any;
  }
  if (n->mod != ast::Modifier::kNone) {
    size_t hits = 0;
    for (const std::string& it : items) hits += item_test(n->op, lhs.type, v, it);
    if (n->mod == ast::Modifier::kAnyOf) return hits > 0;
    if (n->mod == ast::Modifier::kAllOf) return hits == items.size();
    return hits == 1;
  }
  if (n->op == Op::kIn || n->op == Op::kIntersects || n->op == Op::kPMatch) {
    for (const std::string& it : items)
      if (item_test(n->op, lhs.type, v, it)) return true;
    return false;
  }
  return item_test(n->op, lhs.type, v, items[0]);
}

bool eval_check(const ast::Node* n, EventView& ev) {
  const Value& lhs = n->lhs;
  if (lhs.kind == Value::Kind::kField) {
    FieldId id = lhs.field.info->id;
    // Either-endpoint fields hold if the check holds on the client or the server side.
    FieldId sides[2];
    bool either = true;
    switch (id) {
      case FieldId::FD_IP: sides[0] = FieldId::FD_CIP; sides[1] = FieldId::FD_SIP; break;
      case FieldId::FD_NET: sides[0] = FieldId::FD_CNET; sides[1] = FieldId::FD_SNET; break;
      case FieldId::FD_PORT: sides[0] = FieldId::FD_CPORT; sides[1] = FieldId::FD_SPORT; break;
      case FieldId::FD_PROTO: sides[0] = FieldId::FD_CPROTO; sides[1] = FieldId::FD_SPROTO; break;
      default: either = false;
    }
    if (either) {
      for (FieldId s : sides) {
        FieldValue f;
        if (ev.extract(s, FieldArgs{}, f) && eval_check_on(n, from_field(f), ev)) return true;
      }
      return false;
    }
    if ((lhs.field.info->flags & FF_ANCESTOR) && !lhs.has_arg) {
      for (int64_t k = 1; k < 4096; k++) {
        std::optional<RVal> v = eval_value(lhs, ev, k);
        if (!v) return false;
        if (eval_check_on(n, *v, ev)) return true;
      }
      return false;
    }
  }
  std::optional<RVal> v = eval_value(lhs, ev, -1);
  if (!v) return false;
  return eval_check_on(n, *v, ev);
}

}  // namespace

bool ref_eval(const ast::Node* n, EventView& ev) {
  switch (n->kind) {
    case ast::Kind::kAnd:
      for (const ast::Node* c : n->children)
        if (!ref_eval(c, ev)) return false;
      return true;
    case ast::Kind::kOr:
      for (const ast::Node* c : n->children)
        if (ref_eval(c, ev)) return true;
      return false;
    case ast::Kind::kNot:
      return !ref_eval(n->children[0], ev);
    case ast::Kind::kMacroRef:
      return n->target && ref_eval(n->target, ev);
    case ast::Kind::kCheck:
      return eval_check(n, ev);
  }
  return false;
}

}  // namespace pg
