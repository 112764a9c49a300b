// ScapWriter: writes .scap files that sysdig 0.29.3 (and current libs) read: SHB 1.2, MI,
// IL_V2, UL_V2, PL_V9 with the pre-0.10 tail (loginuid, exe_writable: CAPTURE.md trap 1),
// one FDL_V2 per thread that has fds, then events as EV_V2 blocks (EVF_V2 when they carry
// dump flags, the _LARGE variants past 64 KiB).
//
// Events are written as v2 records: a v1 record (no nparams) gets the count the reader
// inferred. Everything else is copied byte for byte, so a capture read and written back keeps
// its parameters exactly. Output may be gzip-compressed (sysdig reads both).
//
// Contract: write_metadata() before the first write_event() of a section (metadata after
// events would start a new section); errors are sticky and reported by error(); nothing
// throws.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "capture/event.h"
#include "capture/metadata.h"

namespace pg::capture {

class ScapWriter {
 public:
  ScapWriter();
  ~ScapWriter();
  ScapWriter(const ScapWriter&) = delete;
  ScapWriter& operator=(const ScapWriter&) = delete;

  // Creates (truncates) `path`; with `gzip`, the output is gzip-compressed.
  [[nodiscard]] bool open(const std::string& path, bool gzip = false);

  // Writes a section: SHB, MI, IL_V2, UL_V2, PL_V9 and the FDL_V2 blocks of `meta`.
  [[nodiscard]] bool write_metadata(const Metadata& meta);

  // Writes one event block.
  [[nodiscard]] bool write_event(const Event& ev);

  // Flushes and closes. Safe to call twice.
  [[nodiscard]] bool close();

  // The first error, empty if none.
  const std::string& error() const { return error_; }

  // Events written so far.
  uint64_t events() const { return events_; }

 private:
  bool emit_block(uint32_t type, const std::string& body);
  bool put(const void* data, size_t n);
  bool fail(std::string msg);

  std::FILE* file_ = nullptr;
  void* gz_ = nullptr;  // gzFile
  std::string block_;
  std::string error_;
  uint64_t events_ = 0;
};

// The metadata blocks (SHB through FDL_V2) ScapWriter writes for `meta`, in memory.
std::string serialize_metadata(const Metadata& meta);

}  // namespace pg::capture
