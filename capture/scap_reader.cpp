// ScapReader implementation (see scap_reader.h for the contract).
//
// Input goes through a small refill buffer: take(n) returns n contiguous bytes or nullptr at
// the end of input. For an uncompressed memory image, take() returns pointers straight into
// the caller's memory (zero copy); otherwise bytes come from zlib (gzread for files, which also
// passes plain files through unchanged; inflate for gzip images in memory).
//
// Block loop: 8-byte header, then the rest of the block (body + padding + trailer) in one
// take(). Metadata blocks are parsed with a bounds-checked Cursor and their trailer is checked
// (as libscap does); event blocks are decoded in place (libscap does not check their trailer,
// and neither do we). A metadata block that arrives after the first event block of its section
// is skipped and counted as unknown: sysdig 0.29.3 rejects such files, and applying it would
// rewrite state that events have already moved on.
#include "capture/scap_reader.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <unordered_map>

namespace pg::capture {

// ---- input sources ---------------------------------------------------------------------------

class ScapReader::Source {
 public:
  virtual ~Source() = default;
  // Reads up to n bytes; returns the count, 0 at the end, -1 on error (`err` set).
  virtual int64_t read(uint8_t* dst, size_t n, std::string& err) = 0;
  // The remaining input as one contiguous block, if the source has it (zero copy).
  virtual bool direct(const uint8_t** data, size_t* len) { return false; }
};

namespace {

class GzFileSource : public ScapReader::Source {
 public:
  explicit GzFileSource(gzFile f) : f_(f) {}
  ~GzFileSource() override { gzclose(f_); }
  int64_t read(uint8_t* dst, size_t n, std::string& err) override {
    if (n > INT_MAX / 2) n = INT_MAX / 2;
    int r = gzread(f_, dst, static_cast<unsigned>(n));
    if (r < 0) {
      int code = 0;
      const char* msg = gzerror(f_, &code);
      err = std::string("decompression error: ") + (msg ? msg : "unknown");
      return -1;
    }
    if (r == 0) {
      int code = 0;
      const char* msg = gzerror(f_, &code);
      if (code != Z_OK && code != Z_STREAM_END) {
        err = std::string("decompression error: ") + (msg ? msg : "unknown");
        return -1;
      }
    }
    return r;
  }

 private:
  gzFile f_;
};

class MemSource : public ScapReader::Source {
 public:
  MemSource(const uint8_t* data, size_t len) : data_(data), len_(len) {}
  int64_t read(uint8_t* dst, size_t n, std::string&) override {
    size_t k = std::min(n, len_ - pos_);
    std::memcpy(dst, data_ + pos_, k);
    pos_ += k;
    return static_cast<int64_t>(k);
  }
  bool direct(const uint8_t** data, size_t* len) override {
    *data = data_;
    *len = len_;
    return true;
  }

 private:
  const uint8_t* data_;
  size_t len_;
  size_t pos_ = 0;
};

class MemGzSource : public ScapReader::Source {
 public:
  MemGzSource(const uint8_t* data, size_t len) {
    std::memset(&zs_, 0, sizeof zs_);
    zs_.next_in = const_cast<Bytef*>(data);
    zs_.avail_in = static_cast<uInt>(std::min<size_t>(len, UINT_MAX));
    ok_ = inflateInit2(&zs_, 15 + 16) == Z_OK;
  }
  ~MemGzSource() override {
    if (ok_) inflateEnd(&zs_);
  }
  int64_t read(uint8_t* dst, size_t n, std::string& err) override {
    if (!ok_) {
      err = "decompression error: cannot initialise zlib";
      return -1;
    }
    if (done_) return 0;
    n = std::min<size_t>(n, UINT_MAX);
    zs_.next_out = dst;
    zs_.avail_out = static_cast<uInt>(n);
    while (zs_.avail_out > 0) {
      if (zs_.avail_in == 0) {
        done_ = true;  // truncated stream: the caller reports the short block
        break;
      }
      int r = inflate(&zs_, Z_NO_FLUSH);
      if (r == Z_STREAM_END) {
        // Another gzip member may follow (concatenated files).
        if (zs_.avail_in >= 2 && zs_.next_in[0] == 0x1f && zs_.next_in[1] == 0x8b) {
          inflateReset(&zs_);
          continue;
        }
        done_ = true;
        break;
      }
      if (r == Z_BUF_ERROR) {
        done_ = true;
        break;
      }
      if (r != Z_OK) {
        err = std::string("decompression error: ") + (zs_.msg ? zs_.msg : "corrupt gzip data");
        return -1;
      }
    }
    return static_cast<int64_t>(n - zs_.avail_out);
  }

 private:
  z_stream zs_;
  bool ok_ = false;
  bool done_ = false;
};

constexpr size_t kChunk = 256 * 1024;

int pl_version(uint32_t type) {
  switch (type) {
    case kBlockPlV1: case kBlockPlV1Int: return 1;
    case kBlockPlV2: case kBlockPlV2Int: return 2;
    case kBlockPlV3: case kBlockPlV3Int: return 3;
    case kBlockPlV4: return 4;
    case kBlockPlV5: return 5;
    case kBlockPlV6: return 6;
    case kBlockPlV7: return 7;
    case kBlockPlV8: return 8;
    case kBlockPlV9: return 9;
    default: return 0;
  }
}

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%X", v);
  return b;
}

}  // namespace

const char* block_name(uint32_t type) {
  switch (type) {
    case kBlockShb: return "section header";
    case kBlockMi: case kBlockMiInt: return "machine info";
    case kBlockFdl: case kBlockFdlInt: case kBlockFdlV2: return "fd list";
    case kBlockEv: case kBlockEvInt: case kBlockEvV2: case kBlockEvV2Large:
    case kBlockEvf: case kBlockEvfV2: case kBlockEvfV2Large: return "event";
    case kBlockIl: case kBlockIlInt: case kBlockIlV2: return "interface list";
    case kBlockUl: case kBlockUlInt: case kBlockUlV2: return "user list";
    default: return pl_version(type) ? "process list" : "unknown";
  }
}

// ---- bounds-checked cursor over one metadata block body ----------------------------------------

struct ScapReader::Cursor {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;

  size_t left() const { return static_cast<size_t>(end - p); }
  bool need(size_t n) {
    if (!ok || left() < n) ok = false;
    return ok;
  }
  uint8_t u8() { return need(1) ? *p++ : 0; }
  uint16_t u16() {
    if (!need(2)) return 0;
    uint16_t v = load_u16(p);
    p += 2;
    return v;
  }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t v = load_u32(p);
    p += 4;
    return v;
  }
  uint64_t u64() {
    if (!need(8)) return 0;
    uint64_t v = load_u64(p);
    p += 8;
    return v;
  }
  void bytes(uint8_t* dst, size_t n) {
    if (!need(n)) return;
    std::memcpy(dst, p, n);
    p += n;
  }
  void skip(size_t n) {
    if (need(n)) p += n;
  }
  // A u16 length followed by that many bytes.
  std::string str16() {
    uint16_t n = u16();
    if (!need(n)) return {};
    std::string s(reinterpret_cast<const char*>(p), n);
    p += n;
    return s;
  }
};

// ---- ScapReader ---------------------------------------------------------------------------------

ScapReader::ScapReader() = default;
ScapReader::~ScapReader() = default;

bool ScapReader::fail(std::string msg) {
  failed_ = true;
  error_ = std::move(msg);
  return false;
}

bool ScapReader::open(const std::string& path) {
  std::FILE* probe = std::fopen(path.c_str(), "rb");
  if (probe == nullptr) return fail("cannot open " + path + ": " + std::strerror(errno));
  std::fclose(probe);
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return fail("cannot open " + path);
  gzbuffer(f, kChunk);
  src_ = std::make_unique<GzFileSource>(f);
  return start();
}

bool ScapReader::open_memory(std::span<const uint8_t> data) {
  if (data.size() >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    src_ = std::make_unique<MemGzSource>(data.data(), data.size());
  } else {
    src_ = std::make_unique<MemSource>(data.data(), data.size());
  }
  return start();
}

const uint8_t* ScapReader::take(size_t n, size_t* got) {
  const uint8_t* direct = nullptr;
  size_t direct_len = 0;
  if (src_->direct(&direct, &direct_len)) {
    size_t left = direct_len - pos_;
    if (left < n) {
      *got = left;
      return nullptr;
    }
    const uint8_t* p = direct + pos_;
    pos_ += n;
    offset_ += n;
    return p;
  }
  if (end_ - pos_ < n) {
    if (pos_ > 0) {
      std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    }
    if (buf_.size() < n) buf_.resize(std::max(n, kChunk));
    while (end_ < n) {
      std::string err;
      int64_t r = src_->read(reinterpret_cast<uint8_t*>(buf_.data()) + end_, buf_.size() - end_, err);
      if (r < 0) {
        *got = end_;
        if (error_.empty()) error_ = err;
        return nullptr;
      }
      if (r == 0) break;
      end_ += static_cast<size_t>(r);
    }
    if (end_ < n) {
      *got = end_;
      return nullptr;
    }
  }
  const uint8_t* p = reinterpret_cast<const uint8_t*>(buf_.data()) + pos_;
  pos_ += n;
  offset_ += n;
  return p;
}

bool ScapReader::start() {
  failed_ = false;
  error_.clear();
  pos_ = end_ = 0;
  offset_ = 0;
  meta_.clear();
  size_t got = 0;
  const uint8_t* h = take(8, &got);
  if (h == nullptr) {
    std::string why = error_;
    return fail(got == 0 && why.empty() ? "empty capture file (no section header block)"
                                        : "truncated section header block at offset 0" +
                                              (why.empty() ? "" : " (" + why + ")"));
  }
  uint32_t type = load_u32(h);
  if (type != kBlockShb) {
    return fail("not a scap file: the first block at offset 0 has type " + hex32(type) +
                ", not a section header block");
  }
  pos_ -= 8;
  offset_ -= 8;
  // Read the SHB and the metadata blocks up to the first event block.
  Event ignored;
  ReadStatus s = next(ignored);
  if (s == ReadStatus::kError) return false;
  if (s == ReadStatus::kOk) {
    // Give the event back: open() only reads metadata.
    pending_ = true;
    pending_event_ = ignored;
  }
  return true;
}

bool ScapReader::fail_at(const char* what, uint32_t type, uint64_t at,
                         const std::string& detail) {
  std::string msg = what;
  msg += ' ';
  msg += block_name(type);
  msg += " block";
  if (std::strcmp(block_name(type), "unknown") == 0) msg += " (type " + hex32(type) + ")";
  msg += " at offset " + std::to_string(at);
  if (!detail.empty()) msg += ": " + detail;
  return fail(std::move(msg));
}

bool ScapReader::is_event_block(uint32_t type) {
  switch (type) {
    case kBlockEv: case kBlockEvInt: case kBlockEvV2: case kBlockEvV2Large:
    case kBlockEvf: case kBlockEvfV2: case kBlockEvfV2Large:
      return true;
    default:
      return false;
  }
}

ReadStatus ScapReader::next(Event& ev) {
  if (pending_) {
    pending_ = false;
    ev = pending_event_;
    return ReadStatus::kOk;
  }
  for (;;) {
    if (failed_) return ReadStatus::kError;
    const uint64_t at = offset_;
    size_t got = 0;
    const uint8_t* h = take(8, &got);
    if (h == nullptr) {
      if (got == 0 && error_.empty()) return ReadStatus::kEof;
      std::string why = error_;
      fail("truncated block header at offset " + std::to_string(at) + " (" +
           std::to_string(got) + " of 8 bytes" + (why.empty() ? "" : "; " + why) + ")");
      return ReadStatus::kError;
    }
    const uint32_t type = load_u32(h);
    const uint32_t total = load_u32(h + 4);
    if (total < 12 || (total & 0x80000000u)) {
      fail_at("invalid", type, at, "declared length " + std::to_string(total));
      return ReadStatus::kError;
    }
    if (total > max_block_) {
      fail_at("oversized", type, at,
              "declared length " + std::to_string(total) + " exceeds the limit of " +
                  std::to_string(max_block_) + " bytes");
      return ReadStatus::kError;
    }
    const uint32_t body_len = total - 8;  // body + padding + trailer
    const uint8_t* body = take(body_len, &got);
    if (body == nullptr) {
      std::string why = error_;
      fail_at("truncated", type, at,
              "declared " + std::to_string(total) + " bytes, only " + std::to_string(got + 8) +
                  " present" + (why.empty() ? "" : "; " + why));
      return ReadStatus::kError;
    }
    counters_.blocks++;

    if (type == kBlockShb) {
      if (!read_section_header(body, body_len, at)) return ReadStatus::kError;
      continue;
    }

    if (is_event_block(type)) {
      if (in_metadata_) {
        in_metadata_ = false;
        meta_generation_++;
      }
      const bool v1 = type == kBlockEv || type == kBlockEvInt || type == kBlockEvf;
      const bool flagged = type == kBlockEvf || type == kBlockEvfV2 || type == kBlockEvfV2Large;
      const uint32_t pre = flagged ? 6 : 2;
      // The record must fit in the body minus the trailer.
      const uint32_t room = body_len - 4;
      if (room < pre) {
        fail_at("truncated", type, at, "no room for the cpu id and flags");
        return ReadStatus::kError;
      }
      const char* why = nullptr;
      DecodeStatus d = decode_event(body + pre, room - pre, !v1, ev, &why);
      if (d == DecodeStatus::kUnknownType) {
        counters_.unknown_events++;
        continue;
      }
      if (d == DecodeStatus::kMalformed) {
        fail_at("malformed", type, at, why ? why : "bad event record");
        return ReadStatus::kError;
      }
      ev.cpu = load_u16(body);
      ev.dump_flags = flagged ? load_u32(body + 2) : 0;
      if (ev.dump_flags != 0) counters_.flagged_events++;
      if (ev.dump_flags & kDumpStateOnly) counters_.state_only++;
      counters_.events++;
      ev.num = counters_.events;
      return ReadStatus::kOk;
    }

    if (!in_metadata_) {
      if (std::strcmp(block_name(type), "unknown") == 0) {
        counters_.unknown_blocks++;
      } else {
        late_metadata_++;
      }
      continue;
    }
    if (!read_metadata_block(type, body, body_len, at)) return ReadStatus::kError;
  }
}

bool ScapReader::read_section_header(const uint8_t* body, uint32_t len, uint64_t at) {
  if (len < 20) return fail_at("truncated", kBlockShb, at, "shorter than 28 bytes");
  const uint32_t magic = load_u32(body);
  if (magic != kShbMagic) {
    return fail_at("bad", kBlockShb, at, "invalid magic number " + hex32(magic));
  }
  const uint16_t major = load_u16(body + 4);
  const uint16_t minor = load_u16(body + 6);
  if (major != kShbMajor) {
    return fail_at("unsupported", kBlockShb, at,
                   "version " + std::to_string(major) + "." + std::to_string(minor) +
                       " (only major version 1 is supported)");
  }
  const uint32_t trailer = load_u32(body + len - 4);
  if (trailer != len + 8) {
    return fail_at("corrupt", kBlockShb, at,
                   "wrong block total length, header=" + std::to_string(len + 8) +
                       ", trailer=" + std::to_string(trailer));
  }
  if (in_metadata_ && counters_.sections > 0) {
    // Two SHBs with no event block between them: the first section had no events.
    meta_generation_++;
  }
  counters_.sections++;
  meta_.clear();
  meta_.major = major;
  meta_.minor = minor;
  tid_index_.clear();
  in_metadata_ = true;
  return true;
}

bool ScapReader::read_metadata_block(uint32_t type, const uint8_t* body, uint32_t len,
                                     uint64_t at) {
  const uint32_t trailer = load_u32(body + len - 4);
  if (trailer != len + 8) {
    return fail_at("corrupt", type, at,
                   "wrong block total length, header=" + std::to_string(len + 8) +
                       ", trailer=" + std::to_string(trailer));
  }
  Cursor c{body, body + len - 4};
  bool ok = true;
  switch (type) {
    case kBlockMi: case kBlockMiInt: ok = parse_mi(c); break;
    case kBlockIl: case kBlockIlInt: case kBlockIlV2: ok = parse_il(c, type); break;
    case kBlockUl: case kBlockUlInt: case kBlockUlV2: ok = parse_ul(c, type); break;
    case kBlockFdl: case kBlockFdlInt: case kBlockFdlV2: ok = parse_fdl(c, type); break;
    default:
      if (pl_version(type) != 0) {
        ok = parse_pl(c, type);
      } else {
        counters_.unknown_blocks++;
      }
      break;
  }
  if (!ok || !c.ok) {
    const size_t where = static_cast<size_t>(c.p - body) + 8;
    return fail_at("malformed", type, at,
                   (error_.empty() ? std::string("truncated entry") : error_) +
                       " near byte " + std::to_string(where) + " of the block");
  }
  return true;
}

bool ScapReader::parse_mi(Cursor& c) {
  MachineInfo& m = meta_.machine;
  m.present = true;
  m.num_cpus = c.u32();
  m.memory_size_bytes = c.u64();
  m.max_pid = c.u64();
  char host[128];
  c.bytes(reinterpret_cast<uint8_t*>(host), sizeof host);
  if (!c.ok) return false;
  m.hostname.assign(host, strnlen(host, sizeof host));
  for (auto& r : m.reserved) r = c.left() >= 8 ? c.u64() : 0;
  return true;
}

bool ScapReader::parse_il(Cursor& c, uint32_t type) {
  const bool v2 = type == kBlockIlV2;
  meta_.has_interfaces = true;
  while (c.ok && c.left() >= 4) {
    const uint8_t* entry_end = nullptr;
    if (v2) {
      uint32_t elen = c.u32();  // does not count itself
      if (elen > c.left()) {
        error_ = "interface entry longer than its block";
        return false;
      }
      entry_end = c.p + elen;
    }
    Interface itf;
    itf.type = c.u16();
    uint16_t namelen = c.u16();
    switch (itf.type) {
      case 1: case 3:
        c.bytes(itf.addr.data(), 4);
        c.bytes(itf.netmask.data(), 4);
        c.bytes(itf.bcast.data(), 4);
        break;
      case 2: case 4:
        c.bytes(itf.addr.data(), 16);
        c.bytes(itf.netmask.data(), 16);
        c.bytes(itf.bcast.data(), 16);
        break;
      default:
        error_ = "unknown interface type " + std::to_string(itf.type);
        return false;
    }
    if (itf.type == 1 || itf.type == 2) itf.linkspeed = c.u64();
    if (!c.need(namelen)) return false;
    itf.name.assign(reinterpret_cast<const char*>(c.p), namelen);
    c.p += namelen;
    if (!c.ok) return false;
    // Entries written by some sysdig versions declare less than they hold (CAPTURE.md trap
    // 8); only skip forward, never back.
    if (entry_end != nullptr && entry_end > c.p) c.p = entry_end;
    meta_.interfaces.push_back(std::move(itf));
  }
  return c.ok;
}

bool ScapReader::parse_ul(Cursor& c, uint32_t type) {
  const bool v2 = type == kBlockUlV2;
  meta_.has_users = true;
  while (c.ok && c.left() >= 4) {
    const uint8_t* start = c.p;
    uint32_t elen = 0;
    if (v2) {
      elen = c.u32();  // counts itself
      if (elen < 5 || elen - 4 > c.left()) {
        error_ = "user entry length " + std::to_string(elen) + " does not fit its block";
        return false;
      }
    }
    uint8_t kind = c.u8();
    if (kind == 0) {
      UserEntry u;
      u.uid = c.u32();
      u.gid = c.u32();
      u.name = c.str16();
      u.home = c.str16();
      u.shell = c.str16();
      if (!c.ok) return false;
      meta_.users.push_back(std::move(u));
    } else {
      GroupEntry g;
      g.gid = c.u32();
      g.name = c.str16();
      if (!c.ok) return false;
      meta_.groups.push_back(std::move(g));
    }
    if (v2) {
      const uint8_t* end = start + elen;
      if (end < c.p) {
        error_ = "user entry longer than its declared length";
        return false;
      }
      c.p = end;
    }
  }
  return c.ok;
}

bool ScapReader::parse_pl(Cursor& c, uint32_t type) {
  const int v = pl_version(type);
  meta_.pl_version = static_cast<uint16_t>(v);
  while (c.ok && c.left() >= 4) {
    const uint8_t* start = c.p;
    uint32_t sub_len = 0;
    if (v == 9) {
      sub_len = c.u32();
      if (sub_len < 4 || sub_len - 4 > c.left()) {
        error_ = "process entry length " + std::to_string(sub_len) + " does not fit its block";
        return false;
      }
    }
    ThreadEntry t;
    t.tid = static_cast<int64_t>(c.u64());
    t.pid = static_cast<int64_t>(c.u64());
    t.ptid = static_cast<int64_t>(c.u64());
    if (v >= 6) t.sid = static_cast<int64_t>(c.u64());
    if (v >= 8) t.vpgid = static_cast<int64_t>(c.u64());
    t.comm = c.str16();
    t.exe = c.str16();
    if (v >= 7) t.exepath = c.str16();
    t.args = c.str16();
    t.cwd = c.str16();
    t.fdlimit = c.u64();
    t.flags = c.u32();
    t.uid = c.u32();
    t.gid = c.u32();
    if (v >= 2) {
      t.vmsize_kb = c.u32();
      t.vmrss_kb = c.u32();
      t.vmswap_kb = c.u32();
      t.pfmajor = c.u64();
      t.pfminor = c.u64();
      if (v >= 3) t.env = c.str16();
      if (v >= 4) {
        t.vtid = static_cast<int64_t>(c.u64());
        t.vpid = static_cast<int64_t>(c.u64());
        t.cgroups = c.str16();
        if (v >= 5) t.root = c.str16();
      }
    }
    if (!c.ok) return false;
    if (v == 9) {
      const size_t used = static_cast<size_t>(c.p - start);
      if (used > sub_len) {
        error_ = "process entry longer than its declared length";
        return false;
      }
      size_t rest = sub_len - used;
      if (rest > 29) {
        // Modern (libs >= 0.10) layout: pidns_init_start_ts and tty come before loginuid.
        c.skip(8);
        t.tty = c.u32();
        t.loginuid = c.u32();
        t.exe_writable = c.u8() != 0;
      } else {
        if (rest >= 4) {
          t.loginuid = c.u32();
          rest -= 4;
          if (rest >= 1) t.exe_writable = c.u8() != 0;
        }
      }
      c.p = start + sub_len;
    }
    if (total_threads_ >= kMaxMetadataThreads) {
      error_ = "more than " + std::to_string(kMaxMetadataThreads) + " threads in process lists";
      return false;
    }
    total_threads_++;
    auto [it, fresh] = tid_index_.emplace(t.tid, meta_.threads.size());
    if (fresh) {
      meta_.threads.push_back(std::move(t));
    } else {
      meta_.threads[it->second] = std::move(t);
    }
  }
  return c.ok;
}

bool ScapReader::parse_fdl(Cursor& c, uint32_t type) {
  const bool v2 = type == kBlockFdlV2;
  const int64_t tid = static_cast<int64_t>(c.u64());
  if (!c.ok) return false;
  auto it = tid_index_.find(tid);
  ThreadEntry* t = it == tid_index_.end() ? nullptr : &meta_.threads[it->second];
  if (t == nullptr) counters_.orphan_fd_lists++;
  while (c.ok && c.left() >= 4) {
    const uint8_t* start = c.p;
    uint32_t sub_len = 0;
    if (v2) {
      sub_len = c.u32();
      if (sub_len < 4 || sub_len - 4 > c.left()) {
        error_ = "fd entry length " + std::to_string(sub_len) + " does not fit its block";
        return false;
      }
    }
    FdEntry f;
    f.fd = static_cast<int64_t>(c.u64());
    f.ino = c.u64();
    uint8_t ft = c.u8();
    f.type = static_cast<FdType>(ft);
    switch (f.type) {
      case FdType::kIpv4Sock:
        c.bytes(f.sip.data(), 4);
        c.bytes(f.dip.data(), 4);
        f.sport = c.u16();
        f.dport = c.u16();
        f.l4proto = c.u8();
        break;
      case FdType::kIpv6Sock:
        c.bytes(f.sip.data(), 16);
        c.bytes(f.dip.data(), 16);
        f.sport = c.u16();
        f.dport = c.u16();
        f.l4proto = c.u8();
        break;
      case FdType::kIpv4ServSock:
        c.bytes(f.sip.data(), 4);
        f.sport = c.u16();
        f.l4proto = c.u8();
        break;
      case FdType::kIpv6ServSock:
        c.bytes(f.sip.data(), 16);
        f.sport = c.u16();
        f.l4proto = c.u8();
        break;
      case FdType::kUnixSock:
        f.unix_source = c.u64();
        f.unix_dest = c.u64();
        f.name = c.str16();
        break;
      case FdType::kFileV2:
        f.open_flags = c.u32();
        f.name = c.str16();
        if (v2 && sub_len >= static_cast<size_t>(c.p - start) + 4) {
          f.dev = c.u32();
          f.has_dev = true;
        }
        break;
      case FdType::kUnknown:
        if (!v2) {
          error_ = "fd entry of unknown type in a v1 fd list";
          return false;
        }
        break;
      default:
        if (ft > static_cast<uint8_t>(FdType::kPidfd) && !v2) {
          error_ = "fd entry of unknown type " + std::to_string(ft);
          return false;
        }
        f.name = c.str16();
        break;
    }
    if (!c.ok) return false;
    if (v2) {
      const size_t used = static_cast<size_t>(c.p - start);
      if (used > sub_len) {
        error_ = "fd entry longer than its declared length";
        return false;
      }
      c.p = start + sub_len;
    }
    if (t != nullptr) t->fds.push_back(std::move(f));
  }
  return c.ok;
}

}  // namespace pg::capture
