// Event record decoding (see event.h for the layout and invariants).
#include "capture/event.h"

namespace pg::capture {

int Event::param_index(std::string_view name) const {
  if (info == nullptr) return -1;
  for (size_t i = 0; i < info->params.size(); ++i) {
    if (info->params[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int64_t Event::param_int(uint32_t i, int64_t fallback) const {
  if (i >= nparams) return fallback;
  const uint8_t* p = raw + param_off[i];
  switch (param_len[i]) {
    case 1: return static_cast<int8_t>(p[0]);
    case 2: return static_cast<int16_t>(load_u16(p));
    case 4: return static_cast<int32_t>(load_u32(p));
    case 8: return static_cast<int64_t>(load_u64(p));
    default: return fallback;
  }
}

uint64_t Event::param_uint(uint32_t i, uint64_t fallback) const {
  if (i >= nparams) return fallback;
  const uint8_t* p = raw + param_off[i];
  switch (param_len[i]) {
    case 1: return p[0];
    case 2: return load_u16(p);
    case 4: return load_u32(p);
    case 8: return load_u64(p);
    default: return fallback;
  }
}

std::string_view Event::param_str(uint32_t i) const {
  if (i >= nparams) return {};
  const char* s = reinterpret_cast<const char*>(raw + param_off[i]);
  size_t n = param_len[i];
  const void* nul = std::memchr(s, 0, n);
  if (nul != nullptr) n = static_cast<size_t>(static_cast<const char*>(nul) - s);
  return {s, n};
}

namespace {

// Sum of `n` parameter lengths of width `w` starting at `lens` (64-bit: cannot overflow).
uint64_t sum_lengths(const uint8_t* lens, uint32_t n, uint32_t w) {
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; ++i) total += w == 2 ? load_u16(lens + 2 * i) : load_u32(lens + 4 * i);
  return total;
}

}  // namespace

DecodeStatus decode_event(const uint8_t* p, size_t avail, bool has_nparams, Event& out,
                          const char** why) {
  const char* dummy;
  if (why == nullptr) why = &dummy;
  const uint32_t hdr = has_nparams ? kEventHeaderSize : kEventHeaderSizeV1;
  if (avail < hdr) {
    *why = "event shorter than its header";
    return DecodeStatus::kMalformed;
  }
  out.raw = p;
  out.ts = load_u64(p);
  out.tid = static_cast<int64_t>(load_u64(p + 8));
  uint32_t len = load_u32(p + 16);
  out.type = load_u16(p + 20);
  out.header_size = static_cast<uint8_t>(hdr);
  if (len < hdr || len > avail) {
    *why = len < hdr ? "event length smaller than its header" : "event length past the block end";
    return DecodeStatus::kMalformed;
  }
  out.len = len;
  const EventInfo* info = event_info(out.type);
  if (info == nullptr || info->name.empty()) return DecodeStatus::kUnknownType;
  out.info = info;
  const uint32_t w = (info->flags & EF_LARGE_PAYLOAD) ? 4 : 2;
  out.len_width = static_cast<uint8_t>(w);
  const uint8_t* lens = p + hdr;
  const uint32_t room = len - hdr;  // bytes for lengths + data
  uint32_t n;
  if (has_nparams) {
    n = load_u32(p + 22);
    if (static_cast<uint64_t>(n) * w > room) {
      *why = "parameter count does not fit the event";
      return DecodeStatus::kMalformed;
    }
    if (hdr + static_cast<uint64_t>(n) * w + sum_lengths(lens, n, w) > len) {
      *why = "parameter lengths exceed the event length";
      return DecodeStatus::kMalformed;
    }
  } else {
    // libscap 0.29.3: start from the table's count and decrease until the lengths add up.
    n = static_cast<uint32_t>(info->params.size());
    while (n > 0) {
      if (static_cast<uint64_t>(n) * w <= room &&
          hdr + static_cast<uint64_t>(n) * w + sum_lengths(lens, n, w) == len)
        break;
      --n;
    }
    // No count fits: libscap keeps the event with no parameters, and so do we.
  }
  out.file_nparams = n;
  out.nparams = n < kMaxEventParams ? n : kMaxEventParams;
  uint32_t off = hdr + n * w;
  for (uint32_t i = 0; i < out.nparams; ++i) {
    uint32_t l = w == 2 ? load_u16(lens + 2 * i) : load_u32(lens + 4 * i);
    out.param_off[i] = off;
    out.param_len[i] = l;
    off += l;
  }
  return DecodeStatus::kOk;
}

void copy_event(const Event& in, std::string& storage, Event& out) {
  storage.assign(reinterpret_cast<const char*>(in.raw), in.len);
  out = in;
  out.raw = reinterpret_cast<const uint8_t*>(storage.data());
}

}  // namespace pg::capture
