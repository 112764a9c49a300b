// The dispatch loop (see interp.h). Design invariants this file relies on, all established by
// vm/verify.cpp before a program can be loaded:
//   - every opcode is legal and not PSEUDO; every TEST instruction is followed by a JMP;
//   - jumps are forward and stay inside their block; every block ends in RET;
//   - slot, pool, set, macro and event-type-set indexes are in range;
//   - slot definitions only refer to lower slots; macro calls only go to lower macros
//     (the call graph is a DAG, so recursion depth is bounded by the number of macros).
// So the loop itself does no bounds checks. It runs the program's dispatch code
// (LoadedProgram::dispatch_code(), vm/insn.h): the same instructions with each test's op byte
// saying also its sense and whether the generic path does it (ancestor iteration, transformer
// slots).
#include "vm/interp.h"

#include <re2/re2.h>

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "vm/macros.h"
#include "vm/strset.h"

namespace pg::vm {
namespace {

// Equality of n bytes, without a library call for the short strings rules compare: two
// overlapping loads cover 1-3, 4-8 and 9-16 bytes; longer strings go to memcmp.
PG_ALWAYS_INLINE bool mem_equal(const char* x, const char* y, size_t n) {
  if (n >= 8) {
    uint64_t p, q;
    std::memcpy(&p, x + n - 8, 8);
    std::memcpy(&q, y + n - 8, 8);
    if (p != q) return false;
    return n <= 16 ? (std::memcpy(&p, x, 8), std::memcpy(&q, y, 8), p == q)
                   : std::memcmp(x, y, n - 8) == 0;
  }
  if (n >= 4) {
    uint32_t p, q, r, t;
    std::memcpy(&p, x, 4);
    std::memcpy(&q, y, 4);
    std::memcpy(&r, x + n - 4, 4);
    std::memcpy(&t, y + n - 4, 4);
    return ((p ^ q) | (r ^ t)) == 0;
  }
  if (n == 0) return true;
  // 1-3 bytes: first, middle and last cover them all.
  return x[0] == y[0] && x[n / 2] == y[n / 2] && x[n - 1] == y[n - 1];
}

PG_ALWAYS_INLINE bool bytes_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && mem_equal(a.data(), b.data(), a.size());
}

// Byte order comparison of strings (strcmp semantics on the common prefix, then length).
int compare_bytes(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  int r = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (r != 0) return r;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

// Substring scan shared by `contains` and `icontains` (the "generic SIMD" filter): a position
// is a candidate when the needle's first byte f is at its start and its last byte l at its end,
// 16 positions per step with SSE2 (the last step overlaps the one before rather than leaving a
// byte-by-byte tail), one byte pair per position when there are fewer than 16 positions;
// `at(i)` verifies a candidate. kFold ORs 0x20 into every haystack byte first (f and l come
// folded): that folds the case of ASCII letters and keeps equal bytes equal, so it can only
// admit extra candidates, which `at` rejects. Never reads outside the haystack. m >= 1, m <= n.
template <bool kFold, class At>
PG_ALWAYS_INLINE bool scan_substr(const char* h, size_t n, size_t m, char f, char l, At at) {
  const size_t last = n - m;  // the last position a match can start at
  const char fold = kFold ? 0x20 : 0;
#if defined(__SSE2__)
  if (last >= 15) {
    const __m128i vf = _mm_set1_epi8(f), vl = _mm_set1_epi8(l), vfold = _mm_set1_epi8(fold);
    // Positions i .. i + 15 (all <= last, so both loads end inside the haystack).
    auto block = [&](size_t i) {
      __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i));
      __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + m - 1));
      if (kFold) {
        a = _mm_or_si128(a, vfold);
        b = _mm_or_si128(b, vfold);
      }
      auto mask = static_cast<uint32_t>(
          _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, vf), _mm_cmpeq_epi8(b, vl))));
      for (; mask != 0; mask &= mask - 1)
        if (at(i + static_cast<size_t>(__builtin_ctz(mask)))) return true;
      return false;
    };
    size_t i = 0;
    for (; i + 15 <= last; i += 16)
      if (block(i)) return true;
    return i <= last && block(last - 15);
  }
#endif
  for (size_t i = 0; i <= last; i++)
    if (static_cast<char>(h[i] | fold) == f && static_cast<char>(h[i + m - 1] | fold) == l && at(i))
      return true;
  return false;
}

// ASCII case-insensitive substring search (needle already lowered).
bool icontains(std::string_view hay, std::string_view needle_lower) {
  size_t m = needle_lower.size(), n = hay.size();
  if (m == 0) return true;
  if (m > n) return false;
  const char* h = hay.data();
  const char* p = needle_lower.data();
  return scan_substr<true>(h, n, m, static_cast<char>(p[0] | 0x20), static_cast<char>(p[m - 1] | 0x20),
                           [&](size_t i) {
                             for (size_t k = 0; k < m; k++)
                               if (ascii_lower(h[i + k]) != p[k]) return false;
                             return true;
                           });
}

inline bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && mem_equal(s.data(), p.data(), p.size());
}
inline bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && mem_equal(s.data() + s.size() - p.size(), p.data(), p.size());
}
// Substring search (std::string_view::find is memchr for the first byte then memcmp: a library
// call per '/' of a path when the needle starts with one).
inline bool has_substr(std::string_view s, std::string_view p) {
  size_t m = p.size(), n = s.size();
  if (m <= 1) return m == 0 || (n > 0 && std::memchr(s.data(), p[0], n) != nullptr);
  if (m > n) return false;
  const char* h = s.data();
  return scan_substr<false>(h, n, m, p[0], p[m - 1],
                            [&](size_t i) { return mem_equal(h + i + 1, p.data() + 1, m - 2); });
}

// `=` of a string value (with the interned id the view supplied, if any) and program string c:
// ids when there is one, else bytes.
// (`sid` is the program's string id table: the interpreter keeps it at hand.)
inline bool str_eq_const(const uint32_t* sid, const Program& p, std::string_view s, uint32_t id,
                         uint32_t c) {
  return id != kNoStrId ? id == sid[c] : bytes_equal(s, p.strings[c]);
}
inline bool str_eq_const(const LoadedProgram& lp, std::string_view s, uint32_t id, uint32_t c) {
  return str_eq_const(lp.string_ids(), lp.program(), s, id, c);
}

// Numeric view of a value: ints, uints and bools.
inline bool as_signed(const FieldValue& v) { return v.kind == FieldValue::Kind::kInt; }
inline uint64_t raw_num(const FieldValue& v) {
  return v.kind == FieldValue::Kind::kBool ? (v.b ? 1u : 0u) : v.u;
}

inline bool num_cmp(Op op, const FieldValue& v, uint64_t k) {
  if (as_signed(v)) {
    int64_t a = v.i, b = static_cast<int64_t>(k);
    switch (op) {
      case Op::NUM_EQ: return a == b;
      case Op::NUM_NE: return a != b;
      case Op::NUM_LT: return a < b;
      case Op::NUM_LE: return a <= b;
      case Op::NUM_GT: return a > b;
      default: return a >= b;
    }
  }
  uint64_t a = raw_num(v);
  switch (op) {
    case Op::NUM_EQ: return a == k;
    case Op::NUM_NE: return a != k;
    case Op::NUM_LT: return a < k;
    case Op::NUM_LE: return a <= k;
    case Op::NUM_GT: return a > k;
    default: return a >= k;
  }
}

bool ip_equal(const FieldValue& v, const IpDef& ip) {
  if (v.kind != FieldValue::Kind::kIp || v.ip_v6 != ip.v6) return false;
  return std::memcmp(v.ip.data(), ip.bytes.data(), ip.v6 ? 16 : 4) == 0;
}

bool ip_in_net(const FieldValue& v, const IpDef& net) {
  if (v.kind != FieldValue::Kind::kIp || v.ip_v6 != net.v6) return false;
  uint32_t bits = net.prefix;
  for (size_t i = 0; i < (net.v6 ? 16u : 4u) && bits > 0; i++) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((v.ip[i] & mask) != (net.bytes[i] & mask)) return false;
    bits = bits >= 8 ? bits - 8 : 0;
  }
  return true;
}

// A single-operand string predicate used by STR_MOD items.
bool mod_item(const LoadedProgram& lp, const ModDef& m, uint32_t mod, uint32_t k,
              std::string_view s, uint32_t id) {
  const Program& p = lp.program();
  std::string_view c = p.strings[m.items[k]];
  switch (m.base) {
    case Op::STR_EQ: return str_eq_const(lp, s, id, m.items[k]);
    case Op::STR_NE: return !str_eq_const(lp, s, id, m.items[k]);
    case Op::STR_CONTAINS: return has_substr(s, c);
    case Op::STR_ICONTAINS: return icontains(s, lp.matchers().lowered(m.items[k]));
    case Op::STR_STARTS: return starts_with(s, c);
    case Op::STR_ENDS: return ends_with(s, c);
    case Op::STR_GLOB: return lp.matchers().mod_glob(mod, k).match(s);
    case Op::STR_REGEX: {
      const re2::RE2* re = lp.matchers().mod_regex(mod, k);
      return re && RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re);
    }
    case Op::STR_LT: return compare_bytes(s, c) < 0;
    case Op::STR_LE: return compare_bytes(s, c) <= 0;
    case Op::STR_GT: return compare_bytes(s, c) > 0;
    case Op::STR_GE: return compare_bytes(s, c) >= 0;
    case Op::BYTES_EQ: return s == c;
    case Op::BYTES_NE: return s != c;
    case Op::BYTES_CONTAINS: return has_substr(s, c);
    case Op::BYTES_STARTS: return starts_with(s, c);
    case Op::BYTES_ENDS: return ends_with(s, c);
    default: return false;
  }
}

bool is_no_match_ret(const Insn& in) { return in.op() == Op::RET && in.a() == 0; }

// Whether the test at pc ends its block with no match when false: it jumps when false (sense
// bit clear) and its JMP lands on a no-match RET. (The verifier guarantees that a test is
// followed by a JMP and that jumps stay inside the block.)
bool false_ends_block(const Insn* code, uint32_t pc) {
  if (code[pc].a() & kSenseTrue) return false;
  return is_no_match_ret(code[pc + 2 + code[pc + 1].c()]);
}

}  // namespace

bool eval_test(const LoadedProgram& lp, Op op, uint32_t c, const FieldValue& v) {
  const Program& p = lp.program();
  const Matchers& m = lp.matchers();
  switch (op) {
    case Op::EXISTS: return true;
    case Op::NUM_EQ: case Op::NUM_NE: case Op::NUM_LT: case Op::NUM_LE: case Op::NUM_GT:
    case Op::NUM_GE:
      return num_cmp(op, v, p.consts[c]);
    case Op::NUM_IN: {
      uint64_t x = as_signed(v) ? static_cast<uint64_t>(v.i) : raw_num(v);
      for (uint64_t k : p.numsets[c].members)
        if (k == x) return true;
      return false;
    }
    case Op::STR_EQ: return str_eq_const(lp, v.s, v.id, c);
    case Op::STR_NE: return !str_eq_const(lp, v.s, v.id, c);
    case Op::STR_LT: return compare_bytes(v.s, p.strings[c]) < 0;
    case Op::STR_LE: return compare_bytes(v.s, p.strings[c]) <= 0;
    case Op::STR_GT: return compare_bytes(v.s, p.strings[c]) > 0;
    case Op::STR_GE: return compare_bytes(v.s, p.strings[c]) >= 0;
    case Op::STR_IN: return m.exact(c).contains(v.s, v.id);
    case Op::STR_CONTAINS: return has_substr(v.s, p.strings[c]);
    case Op::STR_ICONTAINS: return icontains(v.s, m.lowered(c));
    case Op::STR_STARTS: return starts_with(v.s, p.strings[c]);
    case Op::STR_ENDS: return ends_with(v.s, p.strings[c]);
    case Op::STR_GLOB: return m.glob(c).match(v.s);
    case Op::STR_REGEX: return RE2::FullMatch(re2::StringPiece(v.s.data(), v.s.size()), m.regex(c));
    case Op::STR_PREFIXES: return m.prefix(c).match(v.s);
    case Op::STR_SUFFIXES: return m.suffix(c).match(v.s);
    case Op::STR_CONTAINS_ANY: return m.contains(c).search(v.s);
    case Op::STR_PMATCH: return m.path(c).match(v.s);
    case Op::STR_MOD: {
      const ModDef& md = p.mods[c];
      uint32_t hits = 0;
      uint32_t n = static_cast<uint32_t>(md.items.size());
      for (uint32_t k = 0; k < n; k++) {
        bool h = mod_item(lp, md, c, k, v.s, v.id);
        if (md.mod == 2 && h) return true;    // anyof
        if (md.mod == 3 && !h) return false;  // allof
        hits += h;
      }
      if (md.mod == 1) return hits == 1;  // oneof
      if (md.mod == 3) return true;
      return false;
    }
    case Op::BYTES_EQ: return v.s == std::string_view(p.strings[c]);
    case Op::BYTES_NE: return v.s != std::string_view(p.strings[c]);
    case Op::BYTES_CONTAINS: return has_substr(v.s, p.strings[c]);
    case Op::BYTES_STARTS: return starts_with(v.s, p.strings[c]);
    case Op::BYTES_ENDS: return ends_with(v.s, p.strings[c]);
    case Op::BYTES_IN: return m.exact(c).contains(v.s, kNoStrId);
    case Op::IP_EQ: return ip_equal(v, p.ips[c]);
    case Op::IP_NE: return v.kind == FieldValue::Kind::kIp && !ip_equal(v, p.ips[c]);
    case Op::IP_IN:
      for (uint32_t i : p.ipsets[c])
        if (ip_equal(v, p.ips[i])) return true;
      return false;
    case Op::NET_EQ: return ip_in_net(v, p.ips[c]);
    case Op::NET_NE: return v.kind == FieldValue::Kind::kIp && !ip_in_net(v, p.ips[c]);
    case Op::NET_IN:
      for (uint32_t i : p.ipsets[c])
        if (ip_in_net(v, p.ips[i])) return true;
      return false;
    case Op::LIST_IN:
      for (std::string_view e : v.list)
        if (!m.exact(c).contains(e, kNoStrId)) return false;
      return true;
    case Op::LIST_ISECT:
      for (std::string_view e : v.list)
        if (m.exact(c).contains(e, kNoStrId)) return true;
      return false;
    default:
      return false;
  }
}

Vm::Vm(std::shared_ptr<const LoadedProgram> program)
    : prog_(std::move(program)),
      p_(&prog_->program()),
      m_(&prog_->matchers()),
      dcode_(prog_->dispatch_code()),
      sid_(prog_->string_ids()) {
  size_t ns = p_->slots.size();
  slots_.resize(ns);
  for (size_t i = 0; i < ns; i++) {
    const SlotDef& sd = p_->slots[i];
    slots_[i].xform = sd.kind == SlotDef::Kind::kXform;
    slots_[i].field = sd.field;
    slots_[i].args.index = sd.index;
    if (sd.kind == SlotDef::Kind::kField && sd.has_key) slots_[i].args.key = p_->strings[sd.key];
  }
  scratch_.resize(ns);
  scratch_list_.resize(ns);
  macro_gen_.assign(p_->macros.size(), 0);
  macro_val_.assign(p_->macros.size(), 0);
  enabled_.resize(p_->rules.size());
  active_.resize(p_->rules.size());
  for (size_t i = 0; i < p_->rules.size(); i++) enabled_[i] = p_->rules[i].enabled;
  // Each rule's first test, when it ends the rule with no match if false (see RuleStart): an
  // event-type set, or the slot of a test that reads one field (reads_one_slot). (A shared
  // macro's CALL is the candidate lists' guard instead: candidate().)
  const Insn* code = p_->code.data();
  starts_.resize(p_->rules.size());
  for (size_t i = 0; i < p_->rules.size(); i++) {
    const uint32_t entry = p_->rules[i].entry;
    const Insn& in = code[entry];
    const OpInfo* info = op_info(static_cast<uint8_t>(in.op()));
    RuleStart& rs = starts_[i];
    rs = RuleStart{entry, RuleStart::kNone, 0};
    if (!info || !(info->flags & TEST) || !false_ends_block(code, entry)) continue;
    if (in.op() == Op::EVT_TYPE_IN) rs = RuleStart{entry, RuleStart::kTypes, in.c()};
    if (reads_one_slot(in)) rs = RuleStart{entry, RuleStart::kSlot, in.b()};
  }
  set_priority_threshold(7);
}

void Vm::set_priority_threshold(uint8_t threshold) {
  threshold_ = threshold;
  for (size_t i = 0; i < p_->rules.size(); i++)
    active_[i] = enabled_[i] && p_->rules[i].priority <= threshold_;
  rebuild_candidates();
}

void Vm::set_enabled(uint32_t rule, bool enabled) {
  if (rule >= enabled_.size()) return;
  enabled_[rule] = enabled;
  active_[rule] = enabled && p_->rules[rule].priority <= threshold_;
  rebuild_candidates();
}

void Vm::rebuild_candidates() {
  const uint32_t ncodes = static_cast<uint32_t>(std::min<size_t>(p_->by_event.size(), kCodeSpace));
  cands_.clear();
  cand_begin_.assign(kCodeSpace + 1, 0);
  for (uint32_t c = 0; c < ncodes; c++) {
    cand_begin_[c] = static_cast<uint32_t>(cands_.size());
    for (uint32_t r : p_->by_event[c])
      if (active_[r]) cands_.push_back(candidate(r));
  }
  std::fill(cand_begin_.begin() + ncodes, cand_begin_.end(), static_cast<uint32_t>(cands_.size()));
}

Vm::Candidate Vm::candidate(uint32_t rule) const {
  const uint32_t entry = p_->rules[rule].entry;
  const Insn* code = p_->code.data();
  if (code[entry].op() != Op::CALL) return Candidate{rule, entry, kNoGuard, kSkip, kSkip};
  // The CALL's two successors (the verifier guarantees the JMP after it and a target inside
  // the rule's block); a no-match RET is kSkip.
  const uint32_t taken = entry + 2 + code[entry + 1].c();
  const bool sense = (code[entry].a() & kSenseTrue) != 0;
  auto to = [&](uint32_t pc) { return is_no_match_ret(code[pc]) ? kSkip : pc; };
  return Candidate{rule, entry, code[entry].c(), to(sense ? taken : entry + 2),
                   to(sense ? entry + 2 : taken)};
}

void Vm::wrap_generation() {
  // Stamps wrapped around: clear them once every 2^32 events.
  for (SlotState& st : slots_) st.gen = 0;
  std::fill(macro_gen_.begin(), macro_gen_.end(), 0);
  gen_ = 1;
}

PG_NOINLINE const FieldValue* Vm::load_xform(uint32_t slot) {
  SlotState& st = slots_[slot];
  st.gen = gen_;
  const FieldValue* r = compute_xform(slot);
  st.present = r != nullptr;
  return r;
}

PG_NOINLINE const FieldValue* Vm::compute_xform(uint32_t slot) {
  const SlotDef& sd = p_->slots[slot];
  FieldValue& out = slots_[slot].value;
  std::string& buf = scratch_[slot];
  auto arg_str = [&](size_t i, std::string_view& s) -> bool {
    if (sd.arg_is_const[i]) {
      s = p_->strings[sd.args[i]];
      return true;
    }
    const FieldValue* v = load(sd.args[i]);
    if (!v) return false;
    s = v->s;
    return true;
  };
  switch (sd.xform) {
    case 0:    // tolower
    case 1: {  // toupper
      std::string_view s;
      if (!arg_str(0, s)) return nullptr;
      buf.assign(s.data(), s.size());
      for (char& ch : buf) {
        if (sd.xform == 0 && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
        if (sd.xform == 1 && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
      }
      out = FieldValue::str(buf);
      return &out;
    }
    case 2: {  // b64: decode; invalid input makes the value missing
      std::string_view s;
      if (!arg_str(0, s)) return nullptr;
      auto dec = [](char ch) -> int {
        if (ch >= 'A' && ch <= 'Z') return ch - 'A';
        if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
        if (ch >= '0' && ch <= '9') return ch - '0' + 52;
        if (ch == '+') return 62;
        if (ch == '/') return 63;
        return -1;
      };
      buf.clear();
      if (s.size() % 4 != 0) return nullptr;
      for (size_t i = 0; i < s.size(); i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
          char ch = s[i + k];
          if (ch == '=' && i + 4 == s.size() && k >= 2) {
            v[k] = 0;
            pad++;
            continue;
          }
          if (pad) return nullptr;
          v[k] = dec(ch);
          if (v[k] < 0) return nullptr;
        }
        uint32_t w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
        buf.push_back(static_cast<char>(w >> 16));
        if (pad < 2) buf.push_back(static_cast<char>((w >> 8) & 0xff));
        if (pad < 1) buf.push_back(static_cast<char>(w & 0xff));
      }
      out = FieldValue::str(buf);
      if (sd.type == ParamType::BYTEBUF) out.kind = FieldValue::Kind::kBytes;
      return &out;
    }
    case 3: {  // basename: the text after the last '/'
      std::string_view s;
      if (!arg_str(0, s)) return nullptr;
      size_t slash = s.rfind('/');
      out = FieldValue::str(slash == std::string_view::npos ? s : s.substr(slash + 1));
      return &out;
    }
    case 4: {  // len: bytes of a string, elements of a list
      if (sd.arg_is_const[0]) return nullptr;
      const FieldValue* v = load(sd.args[0]);
      if (!v) return nullptr;
      out = FieldValue::uint(v->kind == FieldValue::Kind::kList ? v->list.size() : v->s.size());
      return &out;
    }
    case 5: {  // join(sep, list)
      std::string_view sep = p_->strings[sd.args[0]];
      buf.clear();
      bool first = true;
      auto add = [&](std::string_view e) {
        if (!first) buf.append(sep.data(), sep.size());
        first = false;
        buf.append(e.data(), e.size());
      };
      if (sd.args.size() == 2 && !sd.arg_is_const[1]) {
        const FieldValue* v = load(sd.args[1]);
        if (!v) return nullptr;
        if (v->kind == FieldValue::Kind::kList) {
          for (std::string_view e : v->list) add(e);
        } else {
          add(v->s);
        }
      } else {
        for (size_t i = 1; i < sd.args.size(); i++) {
          std::string_view s;
          if (!arg_str(i, s)) return nullptr;
          add(s);
        }
      }
      out = FieldValue::str(buf);
      return &out;
    }
    case 6: {  // concat
      buf.clear();
      for (size_t i = 0; i < sd.args.size(); i++) {
        std::string_view s;
        if (!arg_str(i, s)) return nullptr;
        buf.append(s.data(), s.size());
      }
      out = FieldValue::str(buf);
      return &out;
    }
    case 7: {  // getopt(args, optstring)[c]: the value of option c, "" for a flag
      std::string_view args, optstr;
      if (!arg_str(0, args) || !arg_str(1, optstr)) return nullptr;
      char want = p_->strings[sd.index_str].empty() ? 0 : p_->strings[sd.index_str][0];
      auto takes_arg = [&](char o) {
        size_t k = optstr.find(o);
        return k != std::string_view::npos && k + 1 < optstr.size() && optstr[k + 1] == ':';
      };
      // Split on spaces (proc.args joins argv with single spaces).
      size_t i = 0;
      bool found = false;
      std::string_view val;
      while (i < args.size() && !found) {
        while (i < args.size() && args[i] == ' ') i++;
        size_t b = i;
        while (i < args.size() && args[i] != ' ') i++;
        std::string_view tok = args.substr(b, i - b);
        if (tok == "--") break;
        if (tok.size() < 2 || tok[0] != '-' || tok[1] == '-') continue;
        for (size_t k = 1; k < tok.size(); k++) {
          char o = tok[k];
          if (takes_arg(o)) {
            std::string_view v = tok.substr(k + 1);
            if (v.empty()) {
              while (i < args.size() && args[i] == ' ') i++;
              size_t vb = i;
              while (i < args.size() && args[i] != ' ') i++;
              v = args.substr(vb, i - vb);
            }
            if (o == want) {
              found = true;
              val = v;
            }
            break;
          }
          if (o == want) {
            found = true;
            val = {};
            break;
          }
        }
      }
      if (!found) return nullptr;
      buf.assign(val.data(), val.size());
      out = FieldValue::str(buf);
      return &out;
    }
  }
  return nullptr;
}

bool Vm::test(uint32_t pc, Op op) {
  const Insn in = dcode_[pc];  // operands as in the program; the op comes from the caller
  if (op == Op::EVT_TYPE_IN) return m_->tset_has(in.c(), code_);
  if (op == Op::CMP_SLOTS) {
    const FieldValue* a = load(in.b());
    if (!a) return false;
    const FieldValue* b = load(in.c());
    if (!b) return false;
    Op cmp = static_cast<Op>(in.a() >> kCmpShift);
    switch (cmp) {
      case Op::NUM_EQ: case Op::NUM_NE: case Op::NUM_LT: case Op::NUM_LE: case Op::NUM_GT:
      case Op::NUM_GE:
        return num_cmp(cmp, *a, as_signed(*b) ? static_cast<uint64_t>(b->i) : raw_num(*b));
      case Op::IP_EQ: return a->kind == b->kind && a->ip_v6 == b->ip_v6 && a->ip == b->ip;
      case Op::IP_NE: return !(a->ip_v6 == b->ip_v6 && a->ip == b->ip);
      case Op::STR_EQ: return a->s == b->s;
      case Op::STR_NE: return a->s != b->s;
      case Op::STR_LT: return compare_bytes(a->s, b->s) < 0;
      case Op::STR_LE: return compare_bytes(a->s, b->s) <= 0;
      case Op::STR_GT: return compare_bytes(a->s, b->s) > 0;
      case Op::STR_GE: return compare_bytes(a->s, b->s) >= 0;
      case Op::STR_CONTAINS: return has_substr(a->s, b->s);
      case Op::STR_ICONTAINS: {
        std::string& low = cmp_scratch_;
        low.assign(b->s.data(), b->s.size());
        for (char& ch : low) ch = ascii_lower(ch);
        return icontains(a->s, low);
      }
      case Op::STR_STARTS: return starts_with(a->s, b->s);
      case Op::STR_ENDS: return ends_with(a->s, b->s);
      case Op::STR_GLOB: return Glob(b->s, false).match(a->s);  // rare: builds the pattern
      case Op::LIST_IN:  // every element of a is in b (a scalar b is a one-element list)
        if (a->kind != FieldValue::Kind::kList) return b->kind == FieldValue::Kind::kList
                                                           ? std::find(b->list.begin(), b->list.end(), a->s) != b->list.end()
                                                           : a->s == b->s;
        for (std::string_view e : a->list)
          if (std::find(b->list.begin(), b->list.end(), e) == b->list.end()) return false;
        return true;
      case Op::LIST_ISECT:
        if (a->kind != FieldValue::Kind::kList) return b->kind == FieldValue::Kind::kList
                                                           ? std::find(b->list.begin(), b->list.end(), a->s) != b->list.end()
                                                           : a->s == b->s;
        for (std::string_view e : a->list)
          if (std::find(b->list.begin(), b->list.end(), e) != b->list.end()) return true;
        return false;
      default:
        return false;
    }
  }
  // A single-slot test.
  if (PG_UNLIKELY(in.a() & kAncestorAny)) {
    // proc.aname and friends without an index: any ancestor, parent first.
    const SlotDef& sd = p_->slots[in.b()];
    FieldValue v;
    for (int64_t k = 1; k < 4096; k++) {
      FieldArgs args;
      args.index = k;
      if (!ev_->extract(sd.field, args, v)) return false;
      if (op == Op::EXISTS || eval_test(*prog_, op, in.c(), v)) return true;
    }
    return false;
  }
  const FieldValue* v = load(in.b());
  if (!v) return false;
  return eval_test(*prog_, op, in.c(), *v);
}

template <bool kList>
bool Vm::exec(uint32_t pc, ListRun* lr) {
  // The dispatch code (LoadedProgram::dispatch_code()): a test's op byte also says its sense.
  const Insn* code = dcode_;
  // The candidate being run and the end of the list (kList only; locals, not lr's fields, so
  // moving to the next candidate needs no stores).
  const Candidate* cand = kList ? lr->list : nullptr;
  const Candidate* const cand_end = kList ? lr->list + lr->n : nullptr;
  bool t, sense;
#if PG_USE_COMPUTED_GOTO
  // Indexed by dispatch code: every op (L_), every op + kOps (LT_, the jump-when-true tests),
  // then the two codes of the generic one-slot tests.
  static void* const kLabels[] = {
#define OP(name, fmt, flags, meaning) &&L_##name,
#include "vm/opcodes.def"
#define OP(name, fmt, flags, meaning) &&LT_##name,
#include "vm/opcodes.def"
      &&L_GENERIC, &&LT_GENERIC};
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == kDispatchCodes);
#define VM_DISPATCH goto* kLabels[static_cast<uint8_t>(code[pc].op())];
#define VM_CASE(name) L_##name:
#define VM_CASE_T(name) LT_##name:
#define VM_CASE_GENERIC L_GENERIC:
#define VM_CASE_GENERIC_T LT_GENERIC:
#define VM_NEXT goto* kLabels[static_cast<uint8_t>(code[pc].op())]
#else
#define VM_DISPATCH \
  for (;;)          \
    switch (static_cast<uint8_t>(code[pc].op()))
#define VM_CASE(name) case static_cast<uint8_t>(Op::name):
#define VM_CASE_T(name) case static_cast<uint8_t>(Op::name) + kOps:
#define VM_CASE_GENERIC case kDispatchGenericF:
#define VM_CASE_GENERIC_T case kDispatchGenericT:
#define VM_NEXT continue
#endif
  // A test sets t and then takes or skips the JMP that follows it: it takes it when t equals
  // the sense its dispatch code gave (`sense`, set on the way in). (Plain blocks, not
  // do/while: in switch mode VM_NEXT is `continue`, which must reach the dispatch loop.)
#define VM_TEST_END()                                  \
  {                                                    \
    pc += t == sense ? 2 + code[pc + 1].c() : 2;       \
    VM_NEXT;                                           \
  }
  // A test instruction: `body` sets t. The two dispatch codes enter the same body with the
  // sense in a register. (A whole handler per sense doubled the loop's code and measured
  // 10-15% slower on the full set in the paired bench, whose blocks start with the VM's code
  // out of the cache.)
#define VM_TEST(name, body) \
  VM_CASE_T(name) {         \
    sense = true;           \
    goto B_##name;          \
  }                         \
  VM_CASE(name) sense = false; \
  B_##name : {              \
    body;                   \
    VM_TEST_END();          \
  }

  VM_DISPATCH {
    // (Non-tests never get a _T code; the labels exist so that the table is complete.)
    VM_CASE(JMP) VM_CASE_T(JMP) {
      pc += 1 + code[pc].c();
      VM_NEXT;
    }
    VM_CASE(RET) VM_CASE_T(RET) {
      if constexpr (kList) {
        // The end of a candidate rule: record a match, then go on with the next candidate.
        if (code[pc].a() != 0) {
          lr->matches->push_back(cand->rule);
          if (lr->first_only) return true;
        }
        for (;;) {
          if (++cand == cand_end) return true;
          const uint32_t g = cand->guard;
          if (g == kNoGuard || macro_gen_[g] != gen_) {
            pc = cand->entry;
            break;
          }
          pc = macro_val_[g] != 0 ? cand->if_true : cand->if_false;
          if (pc != kSkip) break;
        }
        VM_NEXT;
      } else {
        return code[pc].a() != 0;
      }
    }
    VM_CASE(LABEL) VM_CASE_T(LABEL) { return false; }  // rejected by the verifier; never reached
    VM_TEST(CALL, {
      const uint32_t mac = code[pc].c();
      if (macro_gen_[mac] != gen_) {
        macro_val_[mac] = exec<false>(p_->macros[mac].entry, nullptr);
        macro_gen_[mac] = gen_;
      }
      t = macro_val_[mac] != 0;
    })
    VM_TEST(EVT_TYPE_IN, t = m_->tset_has(code[pc].c(), code_))
    VM_TEST(EXISTS, {
      if (load_field(code[pc].b()) == nullptr) goto missing;
      t = true;
    })
    // proc.aname-style fields without an index (any ancestor), which test() iterates, and
    // tests of a transformer's slot, which load() computes.
    VM_CASE_GENERIC_T {
      sense = true;
      goto B_GENERIC;
    }
    VM_CASE_GENERIC sense = false;
    B_GENERIC : {
      t = test(pc, p_->code[pc].op());  // the op as verified (rare: no extra state for it)
      VM_TEST_END();
    }
    // A test of one slot found it missing: the test is false, and so are the tests of the same
    // slot that its false edges lead to, which the shortcut in the JMP's b field skips (vm/insn.h).
    missing : {
      const uint32_t skip = code[pc + 1].b();
      if (skip != 0) {
        pc += skip;
        VM_NEXT;
      }
      t = false;
      VM_TEST_END();
    }
    // Tests of one slot against operand c, inline (the rest go through test()): `v` is the
    // slot's value.
#define VM_SLOT_TEST(name, pred)                  \
  VM_TEST(name, {                                 \
    const FieldValue* v = load_field(code[pc].b()); \
    if (v == nullptr) goto missing;               \
    const uint32_t c = code[pc].c();              \
    t = (pred);                                   \
  })
    VM_SLOT_TEST(STR_EQ, str_eq_const(sid_, *p_, v->s, v->id, c))
    VM_SLOT_TEST(STR_NE, !str_eq_const(sid_, *p_, v->s, v->id, c))
    VM_SLOT_TEST(STR_IN, m_->exact(c).contains(v->s, v->id))
    VM_SLOT_TEST(NUM_EQ, num_cmp(Op::NUM_EQ, *v, p_->consts[c]))
    VM_SLOT_TEST(NUM_NE, num_cmp(Op::NUM_NE, *v, p_->consts[c]))
    VM_SLOT_TEST(NUM_LT, num_cmp(Op::NUM_LT, *v, p_->consts[c]))
    VM_SLOT_TEST(NUM_LE, num_cmp(Op::NUM_LE, *v, p_->consts[c]))
    VM_SLOT_TEST(NUM_GT, num_cmp(Op::NUM_GT, *v, p_->consts[c]))
    VM_SLOT_TEST(NUM_GE, num_cmp(Op::NUM_GE, *v, p_->consts[c]))
    VM_SLOT_TEST(STR_STARTS, starts_with(v->s, p_->strings[c]))
    VM_SLOT_TEST(STR_CONTAINS, has_substr(v->s, p_->strings[c]))
    VM_SLOT_TEST(STR_ENDS, ends_with(v->s, p_->strings[c]))
    VM_SLOT_TEST(STR_ICONTAINS, icontains(v->s, m_->lowered(c)))
#undef VM_SLOT_TEST
#define VM_GENERIC_TEST(name) VM_TEST(name, t = test(pc, Op::name))
    VM_GENERIC_TEST(NUM_IN)
    VM_GENERIC_TEST(STR_LT)
    VM_GENERIC_TEST(STR_LE)
    VM_GENERIC_TEST(STR_GT)
    VM_GENERIC_TEST(STR_GE)
    VM_GENERIC_TEST(STR_GLOB)
    VM_GENERIC_TEST(STR_REGEX)
    VM_GENERIC_TEST(STR_PREFIXES)
    VM_GENERIC_TEST(STR_SUFFIXES)
    VM_GENERIC_TEST(STR_CONTAINS_ANY)
    VM_GENERIC_TEST(STR_PMATCH)
    VM_GENERIC_TEST(STR_MOD)
    VM_GENERIC_TEST(BYTES_EQ)
    VM_GENERIC_TEST(BYTES_NE)
    VM_GENERIC_TEST(BYTES_CONTAINS)
    VM_GENERIC_TEST(BYTES_STARTS)
    VM_GENERIC_TEST(BYTES_ENDS)
    VM_GENERIC_TEST(BYTES_IN)
    VM_GENERIC_TEST(IP_EQ)
    VM_GENERIC_TEST(IP_NE)
    VM_GENERIC_TEST(IP_IN)
    VM_GENERIC_TEST(NET_EQ)
    VM_GENERIC_TEST(NET_NE)
    VM_GENERIC_TEST(NET_IN)
    VM_GENERIC_TEST(LIST_IN)
    VM_GENERIC_TEST(LIST_ISECT)
    VM_GENERIC_TEST(CMP_SLOTS)
#undef VM_GENERIC_TEST
#if !PG_USE_COMPUTED_GOTO
    default:
      return false;
#endif
  }
#undef VM_DISPATCH
#undef VM_CASE
#undef VM_CASE_T
#undef VM_CASE_GENERIC
#undef VM_CASE_GENERIC_T
#undef VM_NEXT
#undef VM_TEST_END
#undef VM_TEST
  return false;
}

uint32_t Vm::run_list(uint32_t b, uint32_t e, bool first_only, std::vector<uint32_t>& matches) {
  ListRun lr{cands_.data() + b, e - b, first_only, &matches};
  exec<true>(lr.list[0].entry, &lr);
  return static_cast<uint32_t>(matches.size());
}

template bool Vm::exec<false>(uint32_t, ListRun*);

}  // namespace pg::vm
