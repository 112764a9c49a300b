// Event: a zero-copy view over one PPM event record (the body of a scap event block, or a
// record the probe wrote), plus typed parameter accessors.
//
// Wire layout (CAPTURE.md 2.1), little-endian:
//   u64 ts | u64 tid | u32 len | u16 type | u32 nparams | nparams x (u16|u32) len | data...
// Old (v1) records have no nparams field (a 22-byte header); the decoder then infers the count
// from the event table the way libscap 0.29.3 does (the largest count <= the table's whose
// lengths add up to `len`). The length width is 32 bits exactly when the event type has
// EF_LARGE_PAYLOAD in vm/events.def; the block type never decides it.
//
// Invariants after a successful decode():
// - every param_off[i] + param_len[i] <= len <= the bytes the caller provided, so the typed
//   accessors never read outside the record;
// - nparams <= kMaxEventParams; parameters past that are counted in file_nparams but ignored
//   (sinsp never reads more parameters than its table lists, and no 2022 event has 32);
// - the view owns nothing: it is valid while the buffer it points into is.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "vm/events.h"

namespace pg::capture {

// Most parameters a decoded event keeps; extra ones are ignored, as sinsp ignores them.
inline constexpr uint32_t kMaxEventParams = 32;

// Size of the v2 PPM header (ts, tid, len, type, nparams), packed.
inline constexpr uint32_t kEventHeaderSize = 26;

// Size of the v1 PPM header (no nparams), packed.
inline constexpr uint32_t kEventHeaderSizeV1 = 22;

// Dump flags carried by EVF blocks (SCAP_DF_*).
enum DumpFlags : uint32_t {
  kDumpStateOnly = 1,  // update state, never show the event
  kDumpTracer = 2,
  kDumpLarge = 4,
};

// Little-endian loads from possibly unaligned memory.
inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint64_t load_u64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// One decoded event record.
struct Event {
  const uint8_t* raw = nullptr;     // first byte of the PPM header
  uint32_t len = 0;                 // record length as decoded (header + lengths + data)
  uint64_t ts = 0;                  // ns since the epoch
  int64_t tid = 0;                  // host thread id
  uint16_t type = 0;                // PPM event code
  uint16_t cpu = 0;                 // CPU id from the block
  uint32_t dump_flags = 0;          // EVF dump flags, 0 for EV blocks
  uint32_t nparams = 0;             // parameters decoded (<= kMaxEventParams)
  uint32_t file_nparams = 0;        // parameters present in the record
  uint8_t header_size = kEventHeaderSize;  // 22 for v1 records, 26 otherwise
  uint8_t len_width = 2;            // 2 or 4 bytes per parameter length
  uint64_t num = 0;                 // evt.num: 1-based position in the file, set by the reader
  const EventInfo* info = nullptr;  // table row; never null after a successful decode
  uint32_t param_off[kMaxEventParams];  // offset of each parameter from raw
  uint32_t param_len[kMaxEventParams];  // length of each parameter

  // True for enter events (even codes, and the enter-only meta events).
  bool is_enter() const { return info != nullptr && !info->is_exit; }

  // True if parameter i is present.
  bool has(uint32_t i) const { return i < nparams; }

  // The bytes of parameter i (empty if absent).
  std::span<const uint8_t> param(uint32_t i) const {
    if (i >= nparams) return {};
    return {raw + param_off[i], param_len[i]};
  }

  // Index of the table parameter called `name`, or -1.
  int param_index(std::string_view name) const;

  // Parameter i as an integer of its wire width (1, 2, 4 or 8 bytes; sign-extended when
  // `is_signed`); `fallback` when absent or of another size.
  int64_t param_int(uint32_t i, int64_t fallback = 0) const;
  uint64_t param_uint(uint32_t i, uint64_t fallback = 0) const;

  // True and `out` set when parameter i is exactly 8 bytes (PT_FD, PT_PID, PT_ERRNO, ...).
  bool param_s64(uint32_t i, int64_t& out) const {
    if (i >= nparams || param_len[i] != 8) return false;
    out = static_cast<int64_t>(load_u64(raw + param_off[i]));
    return true;
  }

  // Parameter i as a string: the bytes up to the first NUL (CHARBUF/FSPATH carry one).
  std::string_view param_str(uint32_t i) const;
};

// Result of decode().
enum class DecodeStatus : uint8_t {
  kOk,
  kUnknownType,  // type outside the event table: skip and count
  kMalformed,    // lengths do not fit the record; `why` explains
};

// Decodes the record at `p` (`avail` bytes; the header's len must fit in it). `has_nparams` is
// false for v1 records (EV/EVF blocks of type 0x204/0x208/0x8010ABCD). On kMalformed, `why`
// (if not null) receives a short reason.
DecodeStatus decode_event(const uint8_t* p, size_t avail, bool has_nparams, Event& out,
                          const char** why = nullptr);

// Copies an event record into `storage` and points `out` at the copy (for the per-thread
// saved enter events). Reuses storage's capacity; allocates only when it must grow.
void copy_event(const Event& in, std::string& storage, Event& out);

}  // namespace pg::capture
