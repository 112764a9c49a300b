// Program artifacts (serialize / deserialize) and program loading.
//
// Artifact layout (little-endian):
//   u32 magic 'NPGB' | u32 format version | u16 n + compiler version text
//   u64 payload length | u64 XXH64(payload, seed 0) | payload
// The payload is a sequence of sections {u32 tag, u64 length, bytes}; each section is parsed
// by a bounds-checked reader, every count is checked against the bytes left before anything
// is allocated, and unknown tags are an error (the format version covers evolution).
#include "vm/program.h"

#include <xxhash.h>

#include <cstring>

#include "vm/strset.h"
#include "vm/verify.h"

namespace pg::vm {
namespace {

enum Tag : uint32_t {
  kCode = 1, kConsts, kStrings, kSets, kNumSets, kIps, kIpSets, kGlobs, kRegexes, kMods,
  kTsets, kSlots, kMacros, kRules, kEvIndex, kLines,
};

class Out {
 public:
  void u8(uint8_t v) { s_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { raw(&v, 2); }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void str(std::string_view v) {
    u32(static_cast<uint32_t>(v.size()));
    s_.append(v);
  }
  void raw(const void* p, size_t n) { s_.append(static_cast<const char*>(p), n); }
  std::string& data() { return s_; }

 private:
  std::string s_;
};

class In {
 public:
  In(std::string_view s, std::string& err) : s_(s), err_(err) {}
  bool ok() const { return ok_; }
  size_t left() const { return s_.size() - pos_; }
  bool fail(const std::string& m) {
    if (ok_) err_ = m + " at payload offset " + std::to_string(pos_);
    ok_ = false;
    return false;
  }
  template <typename T>
  T num() {
    T v{};
    if (!ok_ || left() < sizeof(T)) {
      fail("truncated data");
      return v;
    }
    std::memcpy(&v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  uint8_t u8() { return num<uint8_t>(); }
  uint16_t u16() { return num<uint16_t>(); }
  uint32_t u32() { return num<uint32_t>(); }
  uint64_t u64() { return num<uint64_t>(); }
  std::string str() {
    uint32_t n = u32();
    if (!ok_ || n > left()) {
      fail("string longer than the data left");
      return {};
    }
    std::string r(s_.substr(pos_, n));
    pos_ += n;
    return r;
  }
  // A count of items each at least `min_size` bytes long, checked before allocation.
  uint32_t count(size_t min_size) {
    uint32_t n = u32();
    if (ok_ && static_cast<uint64_t>(n) * min_size > left()) {
      fail("count larger than the data left");
      return 0;
    }
    return ok_ ? n : 0;
  }
  std::string_view sub(size_t n) {
    if (n > left()) {
      fail("section longer than the data left");
      return {};
    }
    std::string_view r = s_.substr(pos_, n);
    pos_ += n;
    return r;
  }

 private:
  std::string_view s_;
  std::string& err_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void put_u32s(Out& o, const std::vector<uint32_t>& v) {
  o.u32(static_cast<uint32_t>(v.size()));
  for (uint32_t x : v) o.u32(x);
}
std::vector<uint32_t> get_u32s(In& in) {
  uint32_t n = in.count(4);
  std::vector<uint32_t> v;
  v.reserve(n);
  for (uint32_t i = 0; i < n && in.ok(); i++) v.push_back(in.u32());
  return v;
}

void section(Out& o, Tag tag, Out& body) {
  o.u32(tag);
  o.u64(body.data().size());
  o.data().append(body.data());
}

}  // namespace

std::string serialize(const Program& p) {
  Out payload;
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.code.size()));
    for (const Insn& i : p.code) b.u64(i.word);
    section(payload, kCode, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.consts.size()));
    for (uint64_t c : p.consts) b.u64(c);
    section(payload, kConsts, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.strings.size()));
    for (const std::string& s : p.strings) b.str(s);
    section(payload, kStrings, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.sets.size()));
    for (const SetDef& s : p.sets) {
      b.u8(static_cast<uint8_t>(s.kind));
      b.str(s.name);
      put_u32s(b, s.members);
    }
    section(payload, kSets, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.numsets.size()));
    for (const NumSetDef& s : p.numsets) {
      b.u32(static_cast<uint32_t>(s.members.size()));
      for (uint64_t m : s.members) b.u64(m);
    }
    section(payload, kNumSets, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.ips.size()));
    for (const IpDef& ip : p.ips) {
      b.u8(ip.v6);
      b.u8(ip.prefix);
      b.raw(ip.bytes.data(), 16);
    }
    section(payload, kIps, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.ipsets.size()));
    for (const auto& s : p.ipsets) put_u32s(b, s);
    section(payload, kIpSets, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.globs.size()));
    for (size_t i = 0; i < p.globs.size(); i++) {
      b.u32(p.globs[i]);
      b.u8(i < p.glob_icase.size() ? p.glob_icase[i] : 0);
    }
    section(payload, kGlobs, b);
  }
  {
    Out b;
    put_u32s(b, p.regexes);
    section(payload, kRegexes, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.mods.size()));
    for (const ModDef& m : p.mods) {
      b.u8(static_cast<uint8_t>(m.base));
      b.u8(m.mod);
      b.u8(m.icase);
      put_u32s(b, m.items);
    }
    section(payload, kMods, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.tsets.size()));
    for (size_t i = 0; i < p.tsets.size(); i++) {
      b.u32(static_cast<uint32_t>(p.tsets[i].size()));
      for (uint16_t c : p.tsets[i]) b.u16(c);
    }
    section(payload, kTsets, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.slots.size()));
    for (const SlotDef& s : p.slots) {
      b.u8(static_cast<uint8_t>(s.kind));
      b.u16(static_cast<uint16_t>(s.field));
      b.u64(static_cast<uint64_t>(s.index));
      b.u32(s.key);
      b.u8(s.has_key);
      b.u8(s.xform);
      put_u32s(b, s.args);
      b.u32(static_cast<uint32_t>(s.arg_is_const.size()));
      for (uint8_t c : s.arg_is_const) b.u8(c);
      b.u32(s.index_str);
      b.u8(static_cast<uint8_t>(s.type));
    }
    section(payload, kSlots, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.macros.size()));
    for (const MacroEntry& m : p.macros) {
      b.str(m.name);
      b.u32(m.entry);
      b.u32(m.end);
    }
    section(payload, kMacros, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.rules.size()));
    for (const RuleEntry& r : p.rules) {
      b.str(r.name);
      b.u32(r.entry);
      b.u32(r.end);
      b.u8(r.priority);
      b.u8(r.enabled);
      b.str(r.output);
      b.str(r.source);
      b.u32(static_cast<uint32_t>(r.tags.size()));
      for (const std::string& t : r.tags) b.str(t);
      b.str(r.location);
    }
    section(payload, kRules, b);
  }
  {
    Out b;
    b.u32(static_cast<uint32_t>(p.by_event.size()));
    for (const auto& v : p.by_event) put_u32s(b, v);
    section(payload, kEvIndex, b);
  }
  {
    // pc, line and column as deltas from the previous entry.
    Out b;
    b.u32(static_cast<uint32_t>(p.lines.size()));
    LineEntry prev;
    for (const LineEntry& l : p.lines) {
      b.u32(l.pc - prev.pc);
      b.u32(l.file);
      b.u32(l.line - prev.line);
      b.u32(l.column);
      prev = l;
    }
    section(payload, kLines, b);
  }

  Out out;
  out.u32(kArtifactMagic);
  out.u32(kArtifactVersion);
  out.u16(static_cast<uint16_t>(p.compiler_version.size()));
  out.raw(p.compiler_version.data(), p.compiler_version.size());
  out.u64(payload.data().size());
  out.u64(XXH64(payload.data().data(), payload.data().size(), 0));
  out.data().append(payload.data());
  return std::move(out.data());
}

bool deserialize(std::string_view bytes, Program& p, std::string& error) {
  p = Program{};
  if (bytes.size() < 10) {
    error = "not a Peregrine program: file is only " + std::to_string(bytes.size()) + " bytes";
    return false;
  }
  uint32_t magic, version;
  std::memcpy(&magic, bytes.data(), 4);
  std::memcpy(&version, bytes.data() + 4, 4);
  if (magic != kArtifactMagic) {
    error = "not a Peregrine program (bad magic number)";
    return false;
  }
  if (version != kArtifactVersion) {
    error = "unsupported program format version " + std::to_string(version) +
            " (this build reads version " + std::to_string(kArtifactVersion) +
            "); recompile the rules with this peregrinec";
    return false;
  }
  uint16_t vlen;
  std::memcpy(&vlen, bytes.data() + 8, 2);
  size_t pos = 10;
  if (bytes.size() < pos + vlen + 16) {
    error = "truncated program header";
    return false;
  }
  p.compiler_version = std::string(bytes.substr(pos, vlen));
  pos += vlen;
  uint64_t plen, sum;
  std::memcpy(&plen, bytes.data() + pos, 8);
  std::memcpy(&sum, bytes.data() + pos + 8, 8);
  pos += 16;
  if (plen != bytes.size() - pos) {
    error = plen > bytes.size() - pos
                ? "truncated program: payload should be " + std::to_string(plen) +
                      " bytes, file has " + std::to_string(bytes.size() - pos)
                : "trailing bytes after the program payload";
    return false;
  }
  std::string_view payload = bytes.substr(pos);
  if (XXH64(payload.data(), payload.size(), 0) != sum) {
    error = "program checksum mismatch: the file is corrupted or was modified";
    return false;
  }

  In in(payload, error);
  uint32_t seen = 0;
  while (in.ok() && in.left() > 0) {
    uint32_t tag = in.u32();
    uint64_t len = in.u64();
    if (!in.ok()) break;
    if (len > in.left()) {
      in.fail("section longer than the data left");
      break;
    }
    if (tag < kCode || tag > kLines || (seen & (1u << tag))) {
      in.fail("unknown or repeated section " + std::to_string(tag));
      break;
    }
    seen |= 1u << tag;
    std::string_view body = in.sub(static_cast<size_t>(len));
    In s(body, error);
    switch (tag) {
      case kCode: {
        uint32_t n = s.count(8);
        p.code.reserve(n);
        for (uint32_t i = 0; i < n && s.ok(); i++) p.code.push_back(Insn{s.u64()});
        break;
      }
      case kConsts: {
        uint32_t n = s.count(8);
        for (uint32_t i = 0; i < n && s.ok(); i++) p.consts.push_back(s.u64());
        break;
      }
      case kStrings: {
        uint32_t n = s.count(4);
        p.strings.reserve(n);
        for (uint32_t i = 0; i < n && s.ok(); i++) p.strings.push_back(s.str());
        break;
      }
      case kSets: {
        uint32_t n = s.count(9);
        for (uint32_t i = 0; i < n && s.ok(); i++) {
          SetDef d;
          uint8_t k = s.u8();
          if (k > static_cast<uint8_t>(SetDef::Kind::kPath)) s.fail("bad set kind");
          d.kind = static_cast<SetDef::Kind>(k);
          d.name = s.str();
          d.members = get_u32s(s);
          p.sets.push_back(std::move(d));
        }
        break;
      }
      case kNumSets: {
        uint32_t n = s.count(4);
        for (uint32_t i = 0; i < n && s.ok(); i++) {
          NumSetDef d;
          uint32_t m = s.count(8);
          for (uint32_t k = 0; k < m && s.ok(); k++) d.members.push_back(s.u64());
          p.numsets.push_back(std::move(d));
        }
        break;
      }
      case kIps: {
        uint32_t n = s.count(18);
        for (uint32_t i = 0; i < n && s.ok(); i++) {
          IpDef d;
          d.v6 = s.u8() != 0;
          d.prefix = s.u8();
          std::string_view b = s.sub(16);
          if (s.ok()) std::memcpy(d.bytes.data(), b.data(), 16);
          p.ips.push_back(d);
        }
        break;
      }
      case kIpSets: {
        uint32_t n = s.count(4);
        for (uint32_t i = 0; i < n && s.ok(); i++) p.ipsets.push_back(get_u32s(s));
        break;
      }
      case kGlobs: {
        uint32_t n = s.count(5);
        for (uint32_t i = 0; i < n && s.ok(); i++) {
          p.globs.push_back(s.u32());
          p.glob_icase.push_back(s.u8());
        }
        break;
      }
      case kRegexes:
        p.regexes = get_u32s(s);
        break;
      case kMods: {
        uint32_t n = s.count(7);
        for (uint32_t i = 0; i < n && s.ok(); i++) {
          ModDef m;
          m.base = static_cast<Op>(s.u8());
          m.mod = s.u8();
          m.icase = s.u8() != 0;
          m.items = get_u32s(s);
          p.mods.push_back(std::move(m));
        }
        break;
      }
      case kTsets: {
        uint32_t n = s.count(4);
        for (uint32_t i = 0; i < n && s.ok(); i++) {
          uint32_t m = s.count(2);
          std::vector<uint16_t> codes;
          for (uint32_t k = 0; k < m && s.ok(); k++) codes.push_back(s.u16());
          p.tsets.push_back(std::move(codes));
        }
        break;
      }
      case kSlots: {
        uint32_t n = s.count(30);
        for (uint32_t i = 0; i < n && s.ok(); i++) {
          SlotDef d;
          uint8_t k = s.u8();
          if (k > 1) s.fail("bad slot kind");
          d.kind = static_cast<SlotDef::Kind>(k);
          d.field = static_cast<FieldId>(s.u16());
          d.index = static_cast<int64_t>(s.u64());
          d.key = s.u32();
          d.has_key = s.u8() != 0;
          d.xform = s.u8();
          d.args = get_u32s(s);
          uint32_t m = s.count(1);
          for (uint32_t j = 0; j < m && s.ok(); j++) d.arg_is_const.push_back(s.u8());
          d.index_str = s.u32();
          d.type = static_cast<ParamType>(s.u8());
          p.slots.push_back(std::move(d));
        }
        break;
      }
      case kMacros: {
        uint32_t n = s.count(12);
        for (uint32_t i = 0; i < n && s.ok(); i++) {
          MacroEntry m;
          m.name = s.str();
          m.entry = s.u32();
          m.end = s.u32();
          p.macros.push_back(std::move(m));
        }
        break;
      }
      case kRules: {
        uint32_t n = s.count(30);
        for (uint32_t i = 0; i < n && s.ok(); i++) {
          RuleEntry r;
          r.name = s.str();
          r.entry = s.u32();
          r.end = s.u32();
          r.priority = s.u8();
          r.enabled = s.u8() != 0;
          r.output = s.str();
          r.source = s.str();
          uint32_t nt = s.count(4);
          for (uint32_t k = 0; k < nt && s.ok(); k++) r.tags.push_back(s.str());
          r.location = s.str();
          p.rules.push_back(std::move(r));
        }
        break;
      }
      case kEvIndex: {
        uint32_t n = s.count(4);
        for (uint32_t i = 0; i < n && s.ok(); i++) p.by_event.push_back(get_u32s(s));
        break;
      }
      case kLines: {
        uint32_t n = s.count(16);
        LineEntry prev;
        for (uint32_t i = 0; i < n && s.ok(); i++) {
          LineEntry l;
          l.pc = prev.pc + s.u32();
          l.file = s.u32();
          l.line = prev.line + s.u32();
          l.column = s.u32();
          p.lines.push_back(l);
          prev = l;
        }
        break;
      }
    }
    if (!s.ok()) {
      error = "malformed section " + std::to_string(tag) + ": " + error;
      return false;
    }
    if (s.left() != 0) {
      error = "malformed section " + std::to_string(tag) + ": " + std::to_string(s.left()) +
              " unused bytes";
      return false;
    }
  }
  if (!in.ok()) return false;
  const uint32_t all = ((1u << (kLines + 1)) - 1) & ~1u;
  if (seen != all) {
    error = "program is missing sections";
    return false;
  }
  for (const LineEntry& l : p.lines) {
    if (l.file >= p.strings.size()) {
      error = "line table names an unknown file";
      return false;
    }
  }
  return true;
}

namespace {

// An instruction's dispatch code (vm/insn.h).
uint8_t dispatch_code_of(const Program& p, const Insn& in) {
  const Op op = in.op();
  const OpInfo* info = op_info(static_cast<uint8_t>(op));
  if (!info || !(info->flags & TEST)) return static_cast<uint8_t>(op);
  const bool sense = (in.a() & kSenseTrue) != 0;
  // Ancestor iteration is a mode of the tests that read one slot (formats S and SC), as for
  // the Vm's rule-start analysis; other tests never looked at the bit. (The verifier has
  // checked the slot index.)
  const bool one_slot = info->format == Format::S || info->format == Format::SC;
  if (one_slot && ((in.a() & kAncestorAny) || p.slots[in.b()].kind == SlotDef::Kind::kXform))
    return sense ? kDispatchGenericT : kDispatchGenericF;
  return static_cast<uint8_t>(static_cast<uint32_t>(op) + (sense ? kOps : 0));
}

// The missing-field shortcuts of `code` (vm/insn.h), written into the b field of the JMP after
// each one-slot test of `dcode`. A missing slot makes every test of it false, so from a test
// of slot s the interpreter may follow the false edges for as long as they lead to tests of s:
// `fd.name startswith /etc/ or fd.name contains /.ssh/` on an event without a file name goes
// from the first test straight to the rule's no-match RET. Computed backwards (jumps are
// forward): a test's target is its false successor's target when that is a test of the same
// slot, else the successor itself.
void missing_shortcuts(const std::vector<Insn>& code, std::vector<Insn>& dcode) {
  const uint32_t n = static_cast<uint32_t>(code.size());
  std::vector<uint32_t> target(n, 0);  // absolute; 0 = none
  for (uint32_t pc = n; pc-- > 0;) {
    const Insn& in = code[pc];
    if (!reads_one_slot(in) || pc + 1 >= n) continue;
    const uint64_t succ =
        uint64_t{pc} + 2 + ((in.a() & kSenseTrue) ? 0 : uint64_t{code[pc + 1].c()});
    if (succ >= n) continue;  // (the verifier rules this out)
    const auto to = static_cast<uint32_t>(succ);
    uint32_t t = to;
    if (reads_one_slot(code[to]) && code[to].b() == in.b() && target[to] != 0) t = target[to];
    target[pc] = t;
    // Offsets are 16 bits; a shortcut too long for them falls back to the first step, and a
    // first step too long to none (the interpreter then takes the test's ordinary false path).
    const uint32_t off = t - pc <= kMaxShortcut ? t - pc : to - pc <= kMaxShortcut ? to - pc : 0;
    const Insn& j = dcode[pc + 1];
    dcode[pc + 1] = Insn::make(j.op(), j.a(), static_cast<uint16_t>(off), j.c());
  }
}

}  // namespace

bool reads_one_slot(const Insn& in) {
  const OpInfo* info = op_info(static_cast<uint8_t>(in.op()));
  return info && (info->flags & TEST) &&
         (info->format == Format::S || info->format == Format::SC) && !(in.a() & kAncestorAny);
}

std::shared_ptr<const LoadedProgram> LoadedProgram::load(Program p, std::string& error) {
  if (!verify(p, error)) return nullptr;
  std::shared_ptr<LoadedProgram> lp(new LoadedProgram());
  lp->prog_ = std::move(p);
  lp->dispatch_.reserve(lp->prog_.code.size());
  for (const Insn& in : lp->prog_.code) {
    const Op d = static_cast<Op>(dispatch_code_of(lp->prog_, in));
    lp->dispatch_.push_back(Insn::make(d, in.a(), in.b(), in.c()));
  }
  missing_shortcuts(lp->prog_.code, lp->dispatch_);
  lp->string_ids_.reserve(lp->prog_.strings.size());
  for (const std::string& s : lp->prog_.strings) lp->string_ids_.push_back(lp->interner_.add(s));
  lp->matchers_ = std::make_unique<Matchers>(lp->prog_, lp->interner_, lp->string_ids_);
  return lp;
}

LoadedProgram::~LoadedProgram() = default;

}  // namespace pg::vm
