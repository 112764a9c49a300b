#include "bench/snapshot.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

#include "bench/native.h"
#include "compiler/ruleset.h"
#include "vm/program.h"

namespace pgb {

using pg::FieldInfo;
using pg::ParamType;

namespace {

bool is_interned_field(FieldId f) {
  switch (f) {
    case FieldId::PROC_NAME: case FieldId::PROC_PNAME: case FieldId::PROC_ANAME:
    case FieldId::PROC_EXE: case FieldId::PROC_PEXE: case FieldId::PROC_AEXE:
    case FieldId::PROC_EXEPATH: case FieldId::PROC_PEXEPATH: case FieldId::PROC_AEXEPATH:
    case FieldId::FD_L4PROTO:  // capture/fields.cpp interns its few values too
      return true;
    default:
      return false;
  }
}

std::string sinsp_name_of(FieldId f, int64_t index, std::string_view key) {
  const FieldInfo& fi = pg::field_info(f);
  std::string n(fi.name);
  if (index >= 0) {
    n.push_back('[');
    n.append(std::to_string(index));
    n.push_back(']');
  } else if (!key.empty()) {
    bool dot = (fi.flags & pg::FF_DOT_ARG) != 0;
    n.push_back(dot ? '.' : '[');
    n.append(key.data(), key.size());
    if (!dot) n.push_back(']');
  }
  return n;
}

}  // namespace

KeyTable::KeyTable() : plain_(pg::kFieldCount, -1), chain_(pg::kFieldCount, -1) {
  add(FieldId::EVT_TYPE, -1, "");  // the VM reads it for generic events
}

int KeyTable::add(FieldId f, int64_t index, std::string_view key) {
  FieldArgs a;
  a.index = index;
  a.key = key;
  int k = find(f, a);
  if (k >= 0) return k;
  KeyDef d;
  d.field = f;
  d.index = index;
  d.key = std::string(key);
  d.sinsp_name = sinsp_name_of(f, index, key);
  d.intern = is_interned_field(f);
  k = static_cast<int>(keys_.size());
  if (index < 0 && key.empty()) {
    plain_[static_cast<size_t>(f)] = k;
  } else {
    // Append to the chain (order does not matter for lookups).
    d.next = chain_[static_cast<size_t>(f)];
    chain_[static_cast<size_t>(f)] = k;
  }
  keys_.push_back(std::move(d));
  // Ancestor fields without an index are evaluated as "any ancestor" through [1..].
  if (index < 0 && key.empty() && (pg::field_info(f).flags & pg::FF_ANCESTOR))
    for (int64_t i = 1; i <= kMaxAncestors; i++) add(f, i, "");
  return k;
}

void KeyTable::add_program(const pg::vm::Program& p) {
  for (const pg::vm::SlotDef& s : p.slots) {
    if (s.kind != pg::vm::SlotDef::Kind::kField) continue;
    add(s.field, s.index, s.has_key ? std::string_view(p.strings[s.key]) : std::string_view());
  }
}

namespace {

void add_value(KeyTable& kt, const pg::ast::Value& v) {
  using K = pg::ast::Value::Kind;
  if (v.kind == K::kField && v.field.info) {
    FieldId id = v.field.info->id;
    int64_t index = v.field.index;
    std::string_view key;
    if (v.field.has_arg && index < 0) key = v.field.arg;
    kt.add(id, index, key);
    switch (id) {  // either-endpoint fields
      case FieldId::FD_IP: kt.add(FieldId::FD_CIP, -1, ""); kt.add(FieldId::FD_SIP, -1, ""); break;
      case FieldId::FD_NET: kt.add(FieldId::FD_CNET, -1, ""); kt.add(FieldId::FD_SNET, -1, ""); break;
      case FieldId::FD_PORT: kt.add(FieldId::FD_CPORT, -1, ""); kt.add(FieldId::FD_SPORT, -1, ""); break;
      case FieldId::FD_PROTO: kt.add(FieldId::FD_CPROTO, -1, ""); kt.add(FieldId::FD_SPROTO, -1, ""); break;
      default: break;
    }
  }
  for (const pg::ast::Value& a : v.args) add_value(kt, a);
}

void walk(KeyTable& kt, const pg::ast::Node* n, std::unordered_set<const pg::ast::Node*>& seen) {
  if (!n || !seen.insert(n).second) return;
  switch (n->kind) {
    case pg::ast::Kind::kCheck:
      add_value(kt, n->lhs);
      if (n->rhs) add_value(kt, *n->rhs);
      break;
    case pg::ast::Kind::kMacroRef:
      walk(kt, n->target, seen);
      break;
    default:
      for (const pg::ast::Node* c : n->children) walk(kt, c, seen);
  }
}

}  // namespace

void KeyTable::add_ruleset(const pg::CompiledRuleset& rs) {
  std::unordered_set<const pg::ast::Node*> seen;
  for (const pg::CompiledRule& r : rs.rules) walk(*this, r.root, seen);
  for (const pg::CompiledMacro& m : rs.macros) walk(*this, m.root, seen);
}

void KeyTable::add_native() {
  for (FieldId f : {FieldId::EVT_TYPE, FieldId::EVT_IS_OPEN_WRITE, FieldId::FD_TYPECHAR,
                    FieldId::FD_NAME, FieldId::PROC_NAME, FieldId::FD_L4PROTO, FieldId::EVT_DIR})
    add(f, -1, "");
}

// ---- Arena ----------------------------------------------------------------------------------

std::string_view Arena::copy(const char* p, size_t n) {
  if (n == 0) return std::string_view("", 0);
  while (chunk_ < chunks_.size() && used_ + n > sizes_[chunk_]) {
    chunk_++;
    used_ = 0;
  }
  if (chunk_ == chunks_.size()) {
    size_t sz = n > kChunk ? n : kChunk;
    chunks_.emplace_back(new char[sz]);
    sizes_.push_back(sz);
    used_ = 0;
  }
  char* dst = chunks_[chunk_].get() + used_;
  std::memcpy(dst, p, n);
  used_ += n;
  return std::string_view(dst, n);
}

size_t Arena::bytes() const {
  size_t b = 0;
  for (size_t s : sizes_) b += s;
  return b;
}

// ---- Corpus ---------------------------------------------------------------------------------

std::string index_code_name(uint16_t code) {
  if (code >= pg::kEventMax)
    return std::string("generic:").append(pg::syscall_name(static_cast<uint16_t>(code - pg::kEventMax)));
  const pg::EventInfo* ei = pg::event_info(code);
  std::string r;  // (appended, not "?" + std::string: GCC 12 warns -Wrestrict on that)
  if (!ei) return r.append("?").append(std::to_string(code));
  return r.append(ei->name).append(ei->is_exit ? "<" : ">");
}

void Corpus::begin(uint16_t type, uint16_t code, uint64_t num, uint32_t file) {
  Ev e{};
  e.type = type;
  e.code = code;
  e.num = num;
  e.file = file;
  e.idx = static_cast<uint32_t>(idx_.size());
  e.vals = static_cast<uint32_t>(vals_.size());
  ev_.push_back(e);
  idx_.resize(idx_.size() + kt_->size(), 0);
}

void Corpus::set(int k, const FieldValue& v) {
  Ev& e = ev_.back();
  CVal cv;
  cv.kind = v.kind;
  switch (v.kind) {
    case FieldValue::Kind::kStr:
    case FieldValue::Kind::kBytes:
      cv.p = v.s.data();  // already in the arena
      cv.len = static_cast<uint32_t>(v.s.size());
      break;
    case FieldValue::Kind::kIp:
    case FieldValue::Kind::kNet:
      cv.v6 = v.ip_v6;
      cv.prefix = v.prefix;
      cv.p = arena_.copy(reinterpret_cast<const char*>(v.ip.data()), 16).data();
      break;
    case FieldValue::Kind::kList:
      std::fprintf(stderr, "peregrine-bench: list values are not supported in snapshots\n");
      std::abort();
    default:
      cv.u = v.u;
      break;
  }
  uint16_t& o = idx_[e.idx + k];
  if (o) {
    vals_[e.vals + o - 1] = cv;
    return;
  }
  vals_.push_back(cv);
  size_t off = vals_.size() - e.vals;
  if (off >= 0xffff) {
    std::fprintf(stderr, "peregrine-bench: too many values in one event\n");
    std::abort();
  }
  o = static_cast<uint16_t>(off);
}

void Corpus::end(const pg::vm::LoadedProgram* full, const pg::vm::LoadedProgram* five) {
  Ev& e = ev_.back();
  const pg::vm::LoadedProgram* progs[2] = {full, five};
  for (size_t k = 0; k < kt_->size(); k++) {
    uint16_t o = idx_[e.idx + k];
    if (!o) continue;
    CVal& v = vals_[e.vals + o - 1];
    if (!(*kt_)[k].intern || v.kind != FieldValue::Kind::kStr) continue;
    for (int w = 0; w < 2; w++) {
      if (!progs[w]) continue;
      // As the state engine does: looked up and absent is kAbsentStrId (equals no constant).
      uint32_t id = progs[w]->interner().find(std::string_view(v.p, v.len));
      v.id[w] = id == pg::kNoStrId ? pg::kAbsentStrId : id;
    }
  }
  // The native struct.
  NEvt& n = e.n;
  n = NEvt{};
  n.type = e.code;  // the native predicates test index codes, as the VM does
  size_t i = ev_.size() - 1;
  FieldValue v;
  auto get = [&](FieldId f) { return this->get(i, kt_->find(f, FieldArgs{}), v); };
  if (get(FieldId::EVT_IS_OPEN_WRITE)) {
    n.has_is_open_write = true;
    n.is_open_write = v.u != 0;
  }
  if (get(FieldId::FD_TYPECHAR) && !v.s.empty()) {
    n.has_typechar = true;
    n.typechar = v.s[0];
  }
  if (get(FieldId::EVT_DIR) && !v.s.empty()) {
    n.has_dir = true;
    n.dir = v.s[0];
  }
  if (get(FieldId::FD_L4PROTO)) {
    n.has_l4 = true;
    n.l4 = native_l4(v.s);
  }
  if (get(FieldId::FD_NAME)) {
    n.has_fd_name = true;
    n.fd_name = v.s;
  }
  if (get(FieldId::PROC_NAME)) {
    n.has_proc_name = true;
    n.proc_name = v.s;
    n.proc_name_id = native_intern(v.s);
  }
}

uint64_t Corpus::touch(size_t b, size_t e) const {
  uint64_t sum = 0;
  size_t k = kt_->size();
  for (size_t i = b; i < e; i++) {
    const Ev& ev = ev_[i];
    sum += ev.type + ev.code + ev.n.type;
    const uint16_t* idx = idx_.data() + ev.idx;
    for (size_t j = 0; j < k; j += 32) sum += idx[j];
    size_t nv = (i + 1 < ev_.size() ? ev_[i + 1].vals : vals_.size()) - ev.vals;
    for (size_t j = 0; j < nv; j++) {
      const CVal& c = vals_[ev.vals + j];
      sum += c.u;
      if (c.kind == FieldValue::Kind::kStr || c.kind == FieldValue::Kind::kBytes)
        for (uint32_t o = 0; o < c.len; o += 64) sum += static_cast<unsigned char>(c.p[o]);
    }
  }
  return sum;
}

void Corpus::clear() {
  ev_.clear();
  idx_.clear();
  vals_.clear();
  arena_.reset();
}

size_t Corpus::bytes() const {
  return ev_.capacity() * sizeof(Ev) + idx_.capacity() * 2 + vals_.capacity() * sizeof(CVal) +
         arena_.bytes();
}

// ---- conversion -----------------------------------------------------------------------------

namespace {

enum : uint8_t {  // PT_* codes (same numbering as pg::ParamType)
  T_INT8 = 1, T_INT16, T_INT32, T_INT64, T_UINT8, T_UINT16, T_UINT32, T_UINT64, T_CHARBUF,
  T_BYTEBUF, T_ERRNO, T_SOCKADDR, T_SOCKTUPLE, T_FD, T_PID, T_FDLIST, T_FSPATH, T_SYSCALLID,
  T_SIGTYPE, T_RELTIME, T_ABSTIME, T_PORT, T_L4PROTO, T_SOCKFAMILY, T_BOOL, T_IPV4ADDR, T_DYN,
  T_FLAGS8, T_FLAGS16, T_FLAGS32, T_UID, T_GID, T_DOUBLE, T_SIGSET, T_CHARBUFARRAY,
  T_CHARBUF_PAIR_ARRAY, T_IPV4NET, T_IPV6ADDR, T_IPV6NET, T_IPADDR, T_IPNET, T_MODE,
  T_FSRELPATH, T_ENUMFLAGS8, T_ENUMFLAGS16, T_ENUMFLAGS32,
};

template <typename T>
T rd(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Raw numeric value; false when t is not numeric.
bool raw_number(const uint8_t* p, uint8_t t, int64_t& v) {
  switch (t) {
    case T_INT8: v = rd<int8_t>(p); return true;
    case T_INT16: v = rd<int16_t>(p); return true;
    case T_INT32: v = rd<int32_t>(p); return true;
    case T_INT64: case T_ERRNO: case T_FD: case T_PID: v = rd<int64_t>(p); return true;
    case T_UINT8: case T_SIGTYPE: case T_L4PROTO: case T_SOCKFAMILY: case T_FLAGS8:
    case T_ENUMFLAGS8:
      v = rd<uint8_t>(p);
      return true;
    case T_UINT16: case T_PORT: case T_SYSCALLID: case T_FLAGS16: case T_ENUMFLAGS16:
      v = rd<uint16_t>(p);
      return true;
    case T_UINT32: case T_BOOL: case T_UID: case T_GID: case T_FLAGS32: case T_ENUMFLAGS32:
    case T_MODE: case T_SIGSET:
      v = rd<uint32_t>(p);
      return true;
    case T_UINT64: case T_RELTIME: case T_ABSTIME:
      v = static_cast<int64_t>(rd<uint64_t>(p));
      return true;
    case T_DOUBLE: v = static_cast<int64_t>(rd<double>(p)); return true;
    default: return false;
  }
}

bool is_string_type(uint8_t t) { return t == T_CHARBUF || t == T_FSPATH || t == T_FSRELPATH; }

}  // namespace

bool convert_raw(const uint8_t* p, uint32_t len, uint8_t t, ParamType want, Arena& arena,
                 FieldValue& out) {
  out = FieldValue();
  switch (pg::type_family(want)) {
    case pg::TypeFamily::kString:
    case pg::TypeFamily::kNone: {
      if (is_string_type(t)) {
        const char* s = reinterpret_cast<const char*>(p);
        out = FieldValue::str(arena.copy(s, std::strlen(s)));
        return true;
      }
      if (t == T_BYTEBUF) {
        out = FieldValue::str(arena.copy(reinterpret_cast<const char*>(p), len));
        return true;
      }
      int64_t v;
      if (!raw_number(p, t, v)) return false;
      std::string s = std::to_string(v);
      out = FieldValue::str(arena.copy(s.data(), s.size()));
      return true;
    }
    case pg::TypeFamily::kBytes: {
      size_t n = t == T_BYTEBUF ? len : std::strlen(reinterpret_cast<const char*>(p));
      out = FieldValue::str(arena.copy(reinterpret_cast<const char*>(p), n));
      out.kind = FieldValue::Kind::kBytes;
      return true;
    }
    case pg::TypeFamily::kNumeric:
    case pg::TypeFamily::kBool: {
      int64_t v;
      if (!raw_number(p, t, v)) {
        if (!is_string_type(t)) return false;
        const char* s = reinterpret_cast<const char*>(p);
        if (pg::type_family(want) == pg::TypeFamily::kBool &&
            (!std::strcmp(s, "true") || !std::strcmp(s, "false"))) {
          v = s[0] == 't';
        } else {
          char* end = nullptr;
          v = std::strtoll(s, &end, 10);
          if (!*s || *end) return false;
        }
      }
      if (pg::type_family(want) == pg::TypeFamily::kBool) {
        out = FieldValue::boolean(v != 0);
      } else if (pg::is_signed_type(want)) {
        out = FieldValue::sint(v);
      } else {
        out = FieldValue::uint(static_cast<uint64_t>(v));
      }
      return true;
    }
    case pg::TypeFamily::kIpAddr:
    case pg::TypeFamily::kIpNet: {
      bool v6;
      if (t == T_IPV4ADDR || t == T_IPV4NET) {
        v6 = false;
      } else if (t == T_IPV6ADDR || t == T_IPV6NET) {
        v6 = true;
      } else if (t == T_IPADDR || t == T_IPNET) {
        v6 = len == 16;
      } else {
        return false;
      }
      out.kind = FieldValue::Kind::kIp;
      out.ip_v6 = v6;
      std::memcpy(out.ip.data(), p, v6 ? 16 : 4);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace pgb
