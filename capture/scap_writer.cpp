// ScapWriter implementation (see scap_writer.h; layouts in CAPTURE.md 1.3 and 2.1).
#include "capture/scap_writer.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "capture/scap_reader.h"

namespace pg::capture {

namespace {

// sysdig 0.29.3 rejects longer strings in process lists.
constexpr size_t kMaxPathLen = 1024;
constexpr size_t kMaxArgsLen = 4096;
// Non-large event blocks must stay within 64 KiB (body + trailer).
constexpr size_t kMaxSmallEventBlock = 65536;

void put_u8(std::string& b, uint8_t v) { b += static_cast<char>(v); }
void put_u16(std::string& b, uint16_t v) { b.append(reinterpret_cast<const char*>(&v), 2); }
void put_u32(std::string& b, uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); }
void put_u64(std::string& b, uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); }
void put_str16(std::string& b, const std::string& s, size_t max) {
  size_t n = std::min(s.size(), max);
  put_u16(b, static_cast<uint16_t>(n));
  b.append(s.data(), n);
}

void frame(std::string& out, uint32_t type, const std::string& body) {
  uint32_t total = static_cast<uint32_t>(8 + body.size() + 4);
  uint32_t pad = (4 - (body.size() & 3)) & 3;
  total += pad;
  put_u32(out, type);
  put_u32(out, total);
  out += body;
  out.append(pad, '\0');
  put_u32(out, total);
}

std::string mi_body(const MachineInfo& m) {
  std::string b;
  put_u32(b, m.present ? m.num_cpus : 1);
  put_u64(b, m.memory_size_bytes);
  put_u64(b, m.max_pid);
  char host[128] = {};
  std::memcpy(host, m.hostname.data(), std::min<size_t>(m.hostname.size(), 127));
  b.append(host, sizeof host);
  for (uint64_t r : m.reserved) put_u64(b, r);
  return b;
}

std::string il_body(const std::vector<Interface>& itfs) {
  std::string b;
  for (const Interface& i : itfs) {
    std::string e;
    put_u16(e, i.type);
    size_t n = std::min<size_t>(i.name.size(), kMaxPathLen);
    put_u16(e, static_cast<uint16_t>(n));
    const size_t w = i.is_v6() ? 16 : 4;
    e.append(reinterpret_cast<const char*>(i.addr.data()), w);
    e.append(reinterpret_cast<const char*>(i.netmask.data()), w);
    e.append(reinterpret_cast<const char*>(i.bcast.data()), w);
    if (i.type == 1 || i.type == 2) put_u64(e, i.linkspeed);
    e.append(i.name.data(), n);
    put_u32(b, static_cast<uint32_t>(e.size()));  // IL_V2 lengths do not count themselves
    b += e;
  }
  return b;
}

std::string ul_body(const Metadata& meta) {
  std::string b;
  for (const UserEntry& u : meta.users) {
    std::string e;
    put_u8(e, 0);
    put_u32(e, u.uid);
    put_u32(e, u.gid);
    put_str16(e, u.name, 255);
    put_str16(e, u.home, 255);
    put_str16(e, u.shell, 255);
    put_u32(b, static_cast<uint32_t>(e.size() + 4));
    b += e;
  }
  for (const GroupEntry& g : meta.groups) {
    std::string e;
    put_u8(e, 1);
    put_u32(e, g.gid);
    put_str16(e, g.name, 255);
    put_u32(b, static_cast<uint32_t>(e.size() + 4));
    b += e;
  }
  return b;
}

std::string pl_body(const std::vector<ThreadEntry>& threads) {
  std::string b;
  for (const ThreadEntry& t : threads) {
    std::string e;
    put_u64(e, static_cast<uint64_t>(t.tid));
    put_u64(e, static_cast<uint64_t>(t.pid));
    put_u64(e, static_cast<uint64_t>(t.ptid));
    put_u64(e, static_cast<uint64_t>(t.sid));
    put_u64(e, static_cast<uint64_t>(t.vpgid));
    put_str16(e, t.comm, kMaxPathLen);
    put_str16(e, t.exe, kMaxPathLen);
    put_str16(e, t.exepath, kMaxPathLen);
    put_str16(e, t.args, kMaxArgsLen);
    put_str16(e, t.cwd, kMaxPathLen);
    put_u64(e, t.fdlimit);
    put_u32(e, t.flags);
    put_u32(e, t.uid);
    put_u32(e, t.gid);
    put_u32(e, t.vmsize_kb);
    put_u32(e, t.vmrss_kb);
    put_u32(e, t.vmswap_kb);
    put_u64(e, t.pfmajor);
    put_u64(e, t.pfminor);
    put_str16(e, t.env, kMaxArgsLen);
    put_u64(e, static_cast<uint64_t>(t.vtid));
    put_u64(e, static_cast<uint64_t>(t.vpid));
    put_str16(e, t.cgroups, kMaxArgsLen);
    put_str16(e, t.root, kMaxPathLen);
    // Pre-0.10 tail: loginuid then exe_writable (no pidns_init_start_ts/tty before them).
    put_u32(e, t.loginuid);
    put_u8(e, t.exe_writable ? 1 : 0);
    put_u32(b, static_cast<uint32_t>(e.size() + 4));
    b += e;
  }
  return b;
}

std::string fdl_body(const ThreadEntry& t) {
  std::string b;
  put_u64(b, static_cast<uint64_t>(t.tid));
  for (const FdEntry& f : t.fds) {
    std::string e;
    put_u64(e, static_cast<uint64_t>(f.fd));
    put_u64(e, f.ino);
    put_u8(e, static_cast<uint8_t>(f.type));
    switch (f.type) {
      case FdType::kIpv4Sock:
        e.append(reinterpret_cast<const char*>(f.sip.data()), 4);
        e.append(reinterpret_cast<const char*>(f.dip.data()), 4);
        put_u16(e, f.sport);
        put_u16(e, f.dport);
        put_u8(e, f.l4proto);
        break;
      case FdType::kIpv6Sock:
        e.append(reinterpret_cast<const char*>(f.sip.data()), 16);
        e.append(reinterpret_cast<const char*>(f.dip.data()), 16);
        put_u16(e, f.sport);
        put_u16(e, f.dport);
        put_u8(e, f.l4proto);
        break;
      case FdType::kIpv4ServSock:
        e.append(reinterpret_cast<const char*>(f.sip.data()), 4);
        put_u16(e, f.sport);
        put_u8(e, f.l4proto);
        break;
      case FdType::kIpv6ServSock:
        e.append(reinterpret_cast<const char*>(f.sip.data()), 16);
        put_u16(e, f.sport);
        put_u8(e, f.l4proto);
        break;
      case FdType::kUnixSock:
        put_u64(e, f.unix_source);
        put_u64(e, f.unix_dest);
        put_str16(e, f.name, kMaxPathLen);
        break;
      case FdType::kFileV2:
        put_u32(e, f.open_flags);
        put_str16(e, f.name, kMaxPathLen);
        if (f.has_dev) put_u32(e, f.dev);
        break;
      case FdType::kUnknown:
        break;
      default:
        put_str16(e, f.name, kMaxPathLen);
        break;
    }
    put_u32(b, static_cast<uint32_t>(e.size() + 4));
    b += e;
  }
  return b;
}

}  // namespace

std::string serialize_metadata(const Metadata& meta) {
  std::string out;
  std::string shb;
  put_u32(shb, kShbMagic);
  put_u16(shb, 1);
  put_u16(shb, 2);
  put_u64(shb, ~0ull);
  frame(out, kBlockShb, shb);
  frame(out, kBlockMi, mi_body(meta.machine));
  frame(out, kBlockIlV2, il_body(meta.interfaces));
  frame(out, kBlockUlV2, ul_body(meta));
  frame(out, kBlockPlV9, pl_body(meta.threads));
  for (const ThreadEntry& t : meta.threads) {
    if (!t.fds.empty()) frame(out, kBlockFdlV2, fdl_body(t));
  }
  return out;
}

ScapWriter::ScapWriter() = default;

ScapWriter::~ScapWriter() { (void)close(); }

bool ScapWriter::fail(std::string msg) {
  if (error_.empty()) error_ = std::move(msg);
  return false;
}

bool ScapWriter::open(const std::string& path, bool gzip) {
  if (gzip) {
    gzFile g = gzopen(path.c_str(), "wb6");
    if (g == nullptr) return fail("cannot create " + path);
    gz_ = g;
  } else {
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) return fail("cannot create " + path + ": " + std::strerror(errno));
  }
  return true;
}

bool ScapWriter::put(const void* data, size_t n) {
  if (!error_.empty()) return false;
  if (gz_ != nullptr) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      unsigned chunk = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
      int w = gzwrite(static_cast<gzFile>(gz_), p, chunk);
      if (w <= 0) return fail("write error (gzip)");
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
  if (file_ == nullptr) return fail("writer is not open");
  if (std::fwrite(data, 1, n, file_) != n) return fail("write error");
  return true;
}

bool ScapWriter::emit_block(uint32_t type, const std::string& body) {
  block_.clear();
  frame(block_, type, body);
  return put(block_.data(), block_.size());
}

bool ScapWriter::write_metadata(const Metadata& meta) {
  std::string m = serialize_metadata(meta);
  return put(m.data(), m.size());
}

bool ScapWriter::write_event(const Event& ev) {
  if (ev.raw == nullptr || ev.len < ev.header_size) return fail("invalid event");
  const bool flagged = ev.dump_flags != 0;
  const size_t pre = flagged ? 6 : 2;
  const uint32_t rec_len = ev.len + (kEventHeaderSize - ev.header_size);
  const size_t body = pre + rec_len;
  const bool large = body + 4 > kMaxSmallEventBlock;
  const uint32_t type = flagged ? (large ? kBlockEvfV2Large : kBlockEvfV2)
                                : (large ? kBlockEvV2Large : kBlockEvV2);
  block_.clear();
  uint32_t pad = (4 - (body & 3)) & 3;
  uint32_t total = static_cast<uint32_t>(8 + body + pad + 4);
  put_u32(block_, type);
  put_u32(block_, total);
  put_u16(block_, ev.cpu);
  if (flagged) put_u32(block_, ev.dump_flags);
  // v2 header, then the lengths and data exactly as read.
  put_u64(block_, ev.ts);
  put_u64(block_, static_cast<uint64_t>(ev.tid));
  put_u32(block_, rec_len);
  put_u16(block_, ev.type);
  put_u32(block_, ev.file_nparams);
  block_.append(reinterpret_cast<const char*>(ev.raw) + ev.header_size, ev.len - ev.header_size);
  block_.append(pad, '\0');
  put_u32(block_, total);
  if (!put(block_.data(), block_.size())) return false;
  events_++;
  return true;
}

bool ScapWriter::close() {
  bool ok = error_.empty();
  if (gz_ != nullptr) {
    if (gzclose(static_cast<gzFile>(gz_)) != Z_OK) ok = fail("close error (gzip)");
    gz_ = nullptr;
  }
  if (file_ != nullptr) {
    if (std::fclose(file_) != 0) ok = fail("close error");
    file_ = nullptr;
  }
  return ok;
}

}  // namespace pg::capture
