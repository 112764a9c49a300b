#include "vm/disasm.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "vm/events.h"

namespace pg::vm {
namespace {

const char* kPriorities[] = {"EMERGENCY", "ALERT", "CRITICAL", "ERROR",
                             "WARNING",   "NOTICE", "INFORMATIONAL", "DEBUG"};
const char* kXforms[] = {"tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt"};

std::string quoted(const std::string& s, size_t max = 40) {
  std::string r = "\"";
  for (size_t i = 0; i < s.size() && i < max; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') r += '\\';
    if (c < 0x20 || c >= 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      r += b;
    } else {
      r += static_cast<char>(c);
    }
  }
  if (s.size() > max) r += "...";
  return r + "\"";
}

std::string slot_name(const Program& p, uint32_t s, int depth = 0) {
  if (s >= p.slots.size() || depth > 20) return "?";
  const SlotDef& d = p.slots[s];
  if (d.kind == SlotDef::Kind::kField) {
    std::string n(field_info(d.field).name);
    if (d.index >= 0) n += "[" + std::to_string(d.index) + "]";
    else if (d.has_key && d.key < p.strings.size()) n += "[" + p.strings[d.key] + "]";
    return n;
  }
  std::string n = d.xform < 8 ? kXforms[d.xform] : "?";
  n += "(";
  for (size_t i = 0; i < d.args.size(); i++) {
    if (i) n += ", ";
    if (i < d.arg_is_const.size() && d.arg_is_const[i])
      n += d.args[i] < p.strings.size() ? quoted(p.strings[d.args[i]]) : "?";
    else
      n += slot_name(p, d.args[i], depth + 1);
  }
  n += ")";
  if (d.xform == 7 && d.index_str < p.strings.size()) n += "[" + p.strings[d.index_str] + "]";
  return n;
}

std::string set_summary(const Program& p, uint32_t set) {
  if (set >= p.sets.size()) return "set#?";
  const SetDef& s = p.sets[set];
  static const char* kKinds[] = {"exact", "prefix", "suffix", "contains", "icontains", "path"};
  std::string r = "set#" + std::to_string(set) + " " + kKinds[static_cast<int>(s.kind)];
  if (!s.name.empty()) r += " " + s.name;
  r += " {";
  for (size_t i = 0; i < s.members.size() && i < 4; i++) {
    if (i) r += ", ";
    r += s.members[i] < p.strings.size() ? quoted(p.strings[s.members[i]], 24) : "?";
  }
  if (s.members.size() > 4) r += ", ... " + std::to_string(s.members.size()) + " items";
  return r + "}";
}

std::string ip_text(const IpDef& ip, bool net) {
  char buf[64];
  std::string r;
  if (!ip.v6) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip.bytes[0], ip.bytes[1], ip.bytes[2],
                  ip.bytes[3]);
    r = buf;
  } else {
    for (int i = 0; i < 16; i += 2) {
      std::snprintf(buf, sizeof buf, "%s%x", i ? ":" : "", (ip.bytes[i] << 8) | ip.bytes[i + 1]);
      r += buf;
    }
  }
  if (net) r += "/" + std::to_string(ip.prefix);
  return r;
}

std::string operand_c(const Program& p, Op op, uint32_t c) {
  switch (op) {
    case Op::NUM_EQ: case Op::NUM_NE: case Op::NUM_LT: case Op::NUM_LE: case Op::NUM_GT:
    case Op::NUM_GE:
      return c < p.consts.size() ? "k#" + std::to_string(c) + "=" +
                                       std::to_string(static_cast<int64_t>(p.consts[c]))
                                 : "k#?";
    case Op::NUM_IN: {
      if (c >= p.numsets.size()) return "numset#?";
      std::string r = "numset#" + std::to_string(c) + " {";
      for (size_t i = 0; i < p.numsets[c].members.size() && i < 6; i++)
        r += (i ? ", " : "") + std::to_string(static_cast<int64_t>(p.numsets[c].members[i]));
      return r + "}";
    }
    case Op::STR_EQ: case Op::STR_NE: case Op::STR_LT: case Op::STR_LE: case Op::STR_GT:
    case Op::STR_GE: case Op::STR_CONTAINS: case Op::STR_ICONTAINS: case Op::STR_STARTS:
    case Op::STR_ENDS: case Op::BYTES_EQ: case Op::BYTES_NE: case Op::BYTES_CONTAINS:
    case Op::BYTES_STARTS: case Op::BYTES_ENDS:
      return c < p.strings.size() ? "str#" + std::to_string(c) + " " + quoted(p.strings[c])
                                  : "str#?";
    case Op::STR_IN: case Op::STR_PREFIXES: case Op::STR_SUFFIXES: case Op::STR_CONTAINS_ANY:
    case Op::STR_PMATCH: case Op::BYTES_IN: case Op::LIST_IN: case Op::LIST_ISECT:
      return set_summary(p, c);
    case Op::STR_GLOB:
      return c < p.globs.size() && p.globs[c] < p.strings.size()
                 ? std::string(p.glob_icase[c] ? "iglob#" : "glob#") + std::to_string(c) + " " +
                       quoted(p.strings[p.globs[c]])
                 : "glob#?";
    case Op::STR_REGEX:
      return c < p.regexes.size() && p.regexes[c] < p.strings.size()
                 ? "re#" + std::to_string(c) + " " + quoted(p.strings[p.regexes[c]])
                 : "re#?";
    case Op::STR_MOD: {
      if (c >= p.mods.size()) return "mod#?";
      const ModDef& m = p.mods[c];
      const OpInfo* oi = op_info(static_cast<uint8_t>(m.base));
      static const char* kMods[] = {"?", "oneof", "anyof", "allof"};
      std::string r = "mod#" + std::to_string(c) + " " + std::string(oi ? oi->name : "?") + " " +
                      kMods[m.mod & 3] + " {";
      for (size_t i = 0; i < m.items.size() && i < 4; i++)
        r += (i ? ", " : "") + (m.items[i] < p.strings.size() ? quoted(p.strings[m.items[i]], 24)
                                                              : std::string("?"));
      return r + "}";
    }
    case Op::IP_EQ: case Op::IP_NE:
      return c < p.ips.size() ? "ip#" + std::to_string(c) + " " + ip_text(p.ips[c], false) : "ip#?";
    case Op::NET_EQ: case Op::NET_NE:
      return c < p.ips.size() ? "net#" + std::to_string(c) + " " + ip_text(p.ips[c], true)
                              : "net#?";
    case Op::IP_IN: case Op::NET_IN: {
      if (c >= p.ipsets.size()) return "ipset#?";
      std::string r = "ipset#" + std::to_string(c) + " {";
      for (size_t i = 0; i < p.ipsets[c].size() && i < 4; i++) {
        uint32_t k = p.ipsets[c][i];
        r += (i ? ", " : "") + (k < p.ips.size() ? ip_text(p.ips[k], op == Op::NET_IN)
                                                 : std::string("?"));
      }
      return r + "}";
    }
    default:
      return "";
  }
}

}  // namespace

std::string disassemble_insn(const Program& p, uint32_t pc) {
  if (pc >= p.code.size()) return "?";
  Insn in = p.code[pc];
  const OpInfo* oi = op_info(static_cast<uint8_t>(in.op()));
  if (!oi) return "??? " + std::to_string(static_cast<int>(in.op()));
  char head[32];
  std::snprintf(head, sizeof head, "%-17s ", std::string(oi->name).c_str());
  std::string r = head;
  if (oi->flags & TEST) {
    r += (in.a() & kSenseTrue) ? "?T " : "?F ";
    if (in.a() & kAncestorAny) r += "any-ancestor ";
  }
  switch (oi->format) {
    case Format::NONE:
      if (in.op() == Op::RET) r += in.a() ? "match" : "no-match";
      break;
    case Format::JUMP:
      r += "+" + std::to_string(in.c()) + " -> " + std::to_string(pc + 1 + in.c());
      break;
    case Format::S:
      r += "s" + std::to_string(in.b()) + "=" + slot_name(p, in.b());
      break;
    case Format::SC:
      r += "s" + std::to_string(in.b()) + "=" + slot_name(p, in.b()) + "  " +
           operand_c(p, in.op(), in.c());
      break;
    case Format::SS: {
      const OpInfo* cmp = op_info(static_cast<uint8_t>(in.a() >> kCmpShift));
      r += "s" + std::to_string(in.b()) + "=" + slot_name(p, in.b()) + " " +
           std::string(cmp ? cmp->name : "?") + " s" + std::to_string(in.c()) + "=" +
           slot_name(p, in.c());
      break;
    }
    case Format::TSET: {
      if (in.c() >= p.tsets.size()) {
        r += "tset#?";
        break;
      }
      std::set<std::string> names;
      for (uint16_t code : p.tsets[in.c()]) {
        if (const EventInfo* e = event_info(code); e && code > 1) names.insert(std::string(e->name));
        if (code >= kEventMax) names.insert(std::string(syscall_name(code - kEventMax)));
      }
      r += "tset#" + std::to_string(in.c()) + " {";
      size_t i = 0;
      for (const std::string& n : names) {
        if (i == 6) {
          r += ", ... " + std::to_string(names.size()) + " names";
          break;
        }
        r += (i++ ? ", " : "") + n;
      }
      r += "}";
      break;
    }
    case Format::CALL:
      r += in.c() < p.macros.size() ? "macro#" + std::to_string(in.c()) + " " + p.macros[in.c()].name
                                    : "macro#?";
      break;
  }
  return r;
}

std::string disassemble(const Program& p, const DisasmOptions& opts) {
  std::string out;
  char buf[64];
  // Which blocks to list.
  std::vector<bool> want_macro(p.macros.size(), opts.rule.empty());
  std::vector<bool> want_rule(p.rules.size(), opts.rule.empty());
  if (!opts.rule.empty()) {
    for (size_t r = 0; r < p.rules.size(); r++) {
      if (p.rules[r].name != opts.rule) continue;
      want_rule[r] = true;
      // Macros reachable from the rule (callees have lower indexes: scan downwards).
      for (uint32_t pc = p.rules[r].entry; pc < p.rules[r].end && pc < p.code.size(); pc++)
        if (p.code[pc].op() == Op::CALL && p.code[pc].c() < p.macros.size())
          want_macro[p.code[pc].c()] = true;
    }
    for (size_t m = p.macros.size(); m-- > 0;) {
      if (!want_macro[m]) continue;
      for (uint32_t pc = p.macros[m].entry; pc < p.macros[m].end && pc < p.code.size(); pc++)
        if (p.code[pc].op() == Op::CALL && p.code[pc].c() < p.macros.size())
          want_macro[p.code[pc].c()] = true;
    }
  }
  auto line_of = [&](uint32_t pc) -> std::string {
    if (!opts.show_lines) return "";
    auto it = std::upper_bound(p.lines.begin(), p.lines.end(), pc,
                               [](uint32_t v, const LineEntry& l) { return v < l.pc; });
    if (it == p.lines.begin()) return "";
    --it;
    return "  ; " + std::to_string(it->line) + ":" + std::to_string(it->column);
  };
  auto block = [&](uint32_t b, uint32_t e) {
    for (uint32_t pc = b; pc < e && pc < p.code.size(); pc++) {
      std::snprintf(buf, sizeof buf, "%6u  ", pc);
      out += buf + disassemble_insn(p, pc) + line_of(pc) + "\n";
    }
  };
  if (opts.rule.empty()) {
    out += "; program: " + std::to_string(p.rules.size()) + " rules, " +
           std::to_string(p.macros.size()) + " shared macros, " +
           std::to_string(p.code.size()) + " instructions, " + std::to_string(p.slots.size()) +
           " slots, " + std::to_string(p.strings.size()) + " strings, " +
           std::to_string(p.sets.size()) + " sets\n";
    if (!p.compiler_version.empty()) out += "; compiled by " + p.compiler_version + "\n";
    out += "\n; slots\n";
    for (uint32_t s = 0; s < p.slots.size(); s++)
      out += ";   s" + std::to_string(s) + " = " + slot_name(p, s) + "\n";
    out += "\n";
  }
  for (size_t m = 0; m < p.macros.size(); m++) {
    if (!want_macro[m]) continue;
    out += "macro#" + std::to_string(m) + " '" + p.macros[m].name + "':\n";
    block(p.macros[m].entry, p.macros[m].end);
    out += "\n";
  }
  for (size_t r = 0; r < p.rules.size(); r++) {
    if (!want_rule[r]) continue;
    const RuleEntry& re = p.rules[r];
    out += "rule#" + std::to_string(r) + " '" + re.name + "'";
    if (!re.location.empty()) out += " (" + re.location + ")";
    out += " priority=" + std::string(re.priority < 8 ? kPriorities[re.priority] : "?");
    if (!re.enabled) out += " disabled";
    out += ":\n";
    block(re.entry, re.end);
    out += "\n";
  }
  return out;
}

}  // namespace pg::vm
