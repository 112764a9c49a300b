#include "vm/verify.h"

#include <algorithm>

#include "vm/events.h"

namespace pg::vm {
namespace {

struct Verifier {
  const Program& p;
  std::string& err;

  bool fail(std::string msg) {
    err = std::move(msg);
    return false;
  }

  bool slot_ok(uint32_t s) const { return s < p.slots.size(); }

  // The pool an SC-format opcode indexes with c, and its size.
  size_t pool_size(Op op) const {
    switch (op) {
      case Op::NUM_EQ: case Op::NUM_NE: case Op::NUM_LT: case Op::NUM_LE: case Op::NUM_GT:
      case Op::NUM_GE:
        return p.consts.size();
      case Op::NUM_IN: return p.numsets.size();
      case Op::STR_EQ: case Op::STR_NE: case Op::STR_LT: case Op::STR_LE: case Op::STR_GT:
      case Op::STR_GE: case Op::STR_CONTAINS: case Op::STR_ICONTAINS: case Op::STR_STARTS:
      case Op::STR_ENDS: case Op::BYTES_EQ: case Op::BYTES_NE: case Op::BYTES_CONTAINS:
      case Op::BYTES_STARTS: case Op::BYTES_ENDS:
        return p.strings.size();
      case Op::STR_IN: case Op::STR_PREFIXES: case Op::STR_SUFFIXES: case Op::STR_CONTAINS_ANY:
      case Op::STR_PMATCH: case Op::BYTES_IN: case Op::LIST_IN: case Op::LIST_ISECT:
        return p.sets.size();
      case Op::STR_GLOB: return p.globs.size();
      case Op::STR_REGEX: return p.regexes.size();
      case Op::STR_MOD: return p.mods.size();
      case Op::IP_EQ: case Op::IP_NE: case Op::NET_EQ: case Op::NET_NE: return p.ips.size();
      case Op::IP_IN: case Op::NET_IN: return p.ipsets.size();
      default: return 0;
    }
  }

  static bool uses_set(Op op) {
    switch (op) {
      case Op::STR_IN: case Op::STR_PREFIXES: case Op::STR_SUFFIXES: case Op::STR_CONTAINS_ANY:
      case Op::STR_PMATCH: case Op::BYTES_IN: case Op::LIST_IN: case Op::LIST_ISECT:
        return true;
      default:
        return false;
    }
  }

  // The set kind an opcode needs (sets are built as one matcher kind each).
  bool set_kind_ok(Op op, SetDef::Kind k) const {
    switch (op) {
      case Op::STR_IN: case Op::BYTES_IN: case Op::LIST_IN: case Op::LIST_ISECT:
        return k == SetDef::Kind::kExact;
      case Op::STR_PREFIXES: return k == SetDef::Kind::kPrefix;
      case Op::STR_SUFFIXES: return k == SetDef::Kind::kSuffix;
      case Op::STR_CONTAINS_ANY:
        return k == SetDef::Kind::kContains || k == SetDef::Kind::kIContains;
      case Op::STR_PMATCH: return k == SetDef::Kind::kPath;
      default: return true;
    }
  }

  bool pools() {
    for (const SetDef& s : p.sets)
      for (uint32_t m : s.members)
        if (m >= p.strings.size()) return fail("set member out of range of the string pool");
    for (const auto& ips : p.ipsets)
      for (uint32_t i : ips)
        if (i >= p.ips.size()) return fail("ip set member out of range");
    if (p.globs.size() != p.glob_icase.size()) return fail("glob pool tables differ in size");
    for (uint32_t g : p.globs)
      if (g >= p.strings.size()) return fail("glob pattern out of range of the string pool");
    for (uint32_t r : p.regexes)
      if (r >= p.strings.size()) return fail("regex pattern out of range of the string pool");
    for (const ModDef& m : p.mods) {
      const OpInfo* oi = op_info(static_cast<uint8_t>(m.base));
      if (!oi || oi->format != Format::SC) return fail("modifier with an invalid base operator");
      if (m.mod < 1 || m.mod > 3) return fail("modifier kind out of range");
      for (uint32_t it : m.items)
        if (it >= p.strings.size()) return fail("modifier item out of range of the string pool");
    }
    for (const IpDef& ip : p.ips)
      if (ip.prefix > (ip.v6 ? 128 : 32)) return fail("ip network prefix out of range");
    for (const auto& ts : p.tsets)
      for (uint16_t c : ts)
        if (c >= kIndexMax) return fail("event-type set names an unknown index code");
    return true;
  }

  bool slots() {
    std::vector<uint32_t> depth(p.slots.size(), 0);
    if (p.slots.size() > kMaxSlots) return fail("too many slots");
    for (size_t i = 0; i < p.slots.size(); i++) {
      const SlotDef& s = p.slots[i];
      if (s.has_key && s.key >= p.strings.size()) return fail("slot key out of range");
      if (s.kind == SlotDef::Kind::kField) {
        if (static_cast<size_t>(s.field) >= kFieldCount) return fail("slot names an unknown field");
        continue;
      }
      if (s.kind != SlotDef::Kind::kXform) return fail("slot of unknown kind");
      if (s.xform > 7) return fail("slot with an unknown transformer");
      if (s.args.size() != s.arg_is_const.size() || s.args.empty())
        return fail("transformer slot with malformed arguments");
      if (s.xform == 7 && s.index_str >= p.strings.size()) return fail("getopt index out of range");
      if (s.xform == 5 && !s.arg_is_const[0]) return fail("join separator must be a constant");
      for (size_t k = 0; k < s.args.size(); k++) {
        if (s.arg_is_const[k]) {
          if (s.args[k] >= p.strings.size()) return fail("transformer constant out of range");
        } else {
          if (s.args[k] >= i) return fail("transformer argument must be a lower slot");
          depth[i] = std::max(depth[i], depth[s.args[k]] + 1);
        }
      }
      if (depth[i] > kMaxXformDepth) return fail("transformers nested too deeply");
    }
    return true;
  }

  // Checks one block [entry, end). `caller_macro` is the macro index for macro blocks, or -1.
  bool block(uint32_t entry, uint32_t end, int64_t caller_macro, const char* what,
             const std::string& name) {
    if (entry >= end || end > p.code.size())
      return fail(std::string(what) + " '" + name + "' has an empty or out-of-range block");
    if (p.code[end - 1].op() != Op::RET)
      return fail(std::string(what) + " '" + name + "' does not end in RET");
    for (uint32_t pc = entry; pc < end; pc++) {
      Insn in = p.code[pc];
      const OpInfo* oi = op_info(static_cast<uint8_t>(in.op()));
      auto at = [&](const std::string& m) {
        return fail(std::string(what) + " '" + name + "' pc " + std::to_string(pc) + ": " + m);
      };
      if (!oi) return at("unknown opcode " + std::to_string(static_cast<int>(in.op())));
      if (oi->flags & PSEUDO) return at("pseudo-op " + std::string(oi->name) + " in a program");
      if (oi->flags & JUMP) {
        uint64_t target = static_cast<uint64_t>(pc) + 1 + in.c();
        if (target >= end) return at("jump out of its block");
      }
      if (oi->flags & TEST) {
        if (pc + 1 >= end || p.code[pc + 1].op() != Op::JMP)
          return at("test not followed by a jump");
        if (in.a() & ~(kSenseTrue | kAncestorAny) && in.op() != Op::CMP_SLOTS)
          return at("test with unknown mode bits");
      }
      switch (oi->format) {
        case Format::SC: {
          if (!slot_ok(in.b())) return at("slot out of range");
          size_t n = pool_size(in.op());
          if (in.c() >= n) return at("pool index out of range");
          if (uses_set(in.op()) && !set_kind_ok(in.op(), p.sets[in.c()].kind))
            return at("set of the wrong kind for the operator");
          if ((in.a() & kAncestorAny) && p.slots[in.b()].kind != SlotDef::Kind::kField)
            return at("ancestor iteration on a computed slot");
          break;
        }
        case Format::S:
          if (!slot_ok(in.b())) return at("slot out of range");
          break;
        case Format::SS: {
          if (!slot_ok(in.b()) || !slot_ok(in.c())) return at("slot out of range");
          const OpInfo* cmp = op_info(static_cast<uint8_t>(in.a() >> kCmpShift));
          if (!cmp || cmp->format != Format::SC) return at("field comparison with a bad operator");
          break;
        }
        case Format::TSET:
          if (in.c() >= p.tsets.size()) return at("event-type set out of range");
          break;
        case Format::CALL:
          if (in.c() >= p.macros.size()) return at("call to an unknown macro");
          if (caller_macro >= 0 && in.c() >= caller_macro)
            return at("a macro may only call macros with a lower index");
          break;
        case Format::NONE:
        case Format::JUMP:
          break;
      }
    }
    return true;
  }

  bool run() {
    if (!pools() || !slots()) return false;
    // Blocks must tile the code.
    std::vector<std::pair<uint32_t, uint32_t>> blocks;
    for (size_t i = 0; i < p.macros.size(); i++) {
      const MacroEntry& m = p.macros[i];
      if (!block(m.entry, m.end, static_cast<int64_t>(i), "macro", m.name)) return false;
      blocks.push_back({m.entry, m.end});
    }
    for (const RuleEntry& r : p.rules) {
      if (!block(r.entry, r.end, -1, "rule", r.name)) return false;
      if (r.priority > 7) return fail("rule '" + r.name + "' has an invalid priority");
      blocks.push_back({r.entry, r.end});
    }
    std::sort(blocks.begin(), blocks.end());
    uint32_t pos = 0;
    for (auto& [b, e] : blocks) {
      if (b != pos) return fail("code blocks overlap or leave gaps");
      pos = e;
    }
    if (pos != p.code.size()) return fail("code after the last block");
    if (p.by_event.size() > kIndexMax) return fail("event index larger than the index codes");
    for (const auto& v : p.by_event) {
      uint32_t prev = 0;
      bool first = true;
      for (uint32_t r : v) {
        if (r >= p.rules.size()) return fail("event index names an unknown rule");
        if (!first && r <= prev) return fail("event index is not in rule order");
        prev = r;
        first = false;
      }
    }
    // Call depth: macros only call lower macros, so depth(m) = 1 + max depth of callees.
    std::vector<uint32_t> depth(p.macros.size(), 1);
    for (size_t i = 0; i < p.macros.size(); i++) {
      for (uint32_t pc = p.macros[i].entry; pc < p.macros[i].end; pc++)
        if (p.code[pc].op() == Op::CALL)
          depth[i] = std::max(depth[i], depth[p.code[pc].c()] + 1);
      if (depth[i] > kMaxCallDepth) return fail("macro calls nested too deeply");
    }
    return true;
  }
};

}  // namespace

bool verify(const Program& p, std::string& error) { return Verifier{p, error}.run(); }

}  // namespace pg::vm
