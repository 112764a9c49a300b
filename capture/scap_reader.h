// ScapReader: reads .scap capture files (plain or gzip-compressed) block by block and hands
// out one decoded event at a time, plus the metadata of the current section.
//
// Format: CAPTURE.md section 1 (pcapng-style framing; SHB, MI, IL v1/v2, UL v1/v2, PL v1..v9
// including the legacy 0x8000/0x8013/0x8014ABCD ids, FDL v1/v2, EV/EV_V2/EV_V2_LARGE and
// EVF/EVF_V2/EVF_V2_LARGE). Unknown block types are skipped by length; a new SHB starts a new
// section whose metadata replaces the previous one (metadata_generation() increases).
//
// Robustness contract (the reader takes hostile input):
// - every length is checked before use; no block larger than max_block_size() (64 MiB by
//   default) is ever buffered, and entry counts are bounded by the block size;
// - malformed, truncated or hostile input stops the stream with an error that names the
//   uncompressed byte offset and the block ("truncated event block at offset 12345"); the
//   error is sticky, and events returned before it stay valid results;
// - unknown event types are skipped and counted, never fatal;
// - nothing throws; nothing recurses; every loop consumes input, so every call terminates.
//
// Zero copy: an Event returned by next() points into the reader's buffer (or straight into the
// caller's memory for open_memory() of an uncompressed image) and stays valid until the next
// call to next().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>

#include "capture/event.h"
#include "capture/metadata.h"

namespace pg::capture {

// Result of ScapReader::next().
enum class ReadStatus : uint8_t { kOk, kEof, kError };

// Block type ids (CAPTURE.md 1.2).
enum BlockType : uint32_t {
  kBlockShb = 0x0A0D0D0A,
  kBlockMi = 0x201,
  kBlockMiInt = 0x8002ABCD,
  kBlockPlV1 = 0x202,
  kBlockPlV1Int = 0x8000ABCD,
  kBlockPlV2 = 0x207,
  kBlockPlV2Int = 0x8013ABCD,
  kBlockPlV3 = 0x209,
  kBlockPlV3Int = 0x8014ABCD,
  kBlockPlV4 = 0x210,
  kBlockPlV5 = 0x211,
  kBlockPlV6 = 0x212,
  kBlockPlV7 = 0x213,
  kBlockPlV8 = 0x214,
  kBlockPlV9 = 0x215,
  kBlockFdl = 0x203,
  kBlockFdlInt = 0x8001ABCD,
  kBlockFdlV2 = 0x218,
  kBlockEv = 0x204,
  kBlockEvInt = 0x8010ABCD,
  kBlockEvV2 = 0x216,
  kBlockEvV2Large = 0x221,
  kBlockEvf = 0x208,
  kBlockEvfV2 = 0x217,
  kBlockEvfV2Large = 0x222,
  kBlockIl = 0x205,
  kBlockIlInt = 0x8011ABCD,
  kBlockIlV2 = 0x219,
  kBlockUl = 0x206,
  kBlockUlInt = 0x8012ABCD,
  kBlockUlV2 = 0x220,
};

// SHB magic and the only major version understood.
inline constexpr uint32_t kShbMagic = 0x1A2B3C4D;
inline constexpr uint16_t kShbMajor = 1;

// Default cap on one block (body + trailer): larger blocks are rejected as hostile.
inline constexpr uint32_t kDefaultMaxBlockSize = 64u << 20;

// Cap on threads kept from process-list blocks over the whole file.
inline constexpr uint32_t kMaxMetadataThreads = 1u << 20;

// Human-readable name of a block type ("event", "process list", ...).
const char* block_name(uint32_t type);

// Counters of what the reader saw.
struct ReaderCounters {
  uint64_t events = 0;          // events returned by next()
  uint64_t unknown_events = 0;  // events skipped because their type is not in the table
  uint64_t flagged_events = 0;  // events with non-zero dump flags (EVF blocks)
  uint64_t state_only = 0;      // events with the STATE_ONLY dump flag
  uint64_t blocks = 0;          // blocks read, of any type
  uint64_t unknown_blocks = 0;  // blocks skipped because their type is unknown
  uint64_t sections = 0;        // section header blocks
  uint64_t orphan_fd_lists = 0; // FDL blocks naming a thread no PL block listed
};

class ScapReader {
 public:
  ScapReader();
  ~ScapReader();
  ScapReader(const ScapReader&) = delete;
  ScapReader& operator=(const ScapReader&) = delete;

  // Opens a file (gzip or plain) and reads its first section's metadata. False on error.
  [[nodiscard]] bool open(const std::string& path);

  // Same over a memory image (gzip or plain); `data` must outlive the reader.
  [[nodiscard]] bool open_memory(std::span<const uint8_t> data);

  // Reads the next event. kError sets error(); it is sticky.
  ReadStatus next(Event& ev);

  // The last error message, empty if none.
  const std::string& error() const { return error_; }

  // Metadata of the current section.
  const Metadata& metadata() const { return meta_; }

  // Increases each time a section's metadata has been read (1 after open()).
  uint64_t metadata_generation() const { return meta_generation_; }

  // What was read so far.
  const ReaderCounters& counters() const { return counters_; }

  // Uncompressed bytes consumed so far.
  uint64_t offset() const { return offset_; }

  // Metadata blocks skipped because they came after events in their section.
  uint64_t late_metadata_blocks() const { return late_metadata_; }

  // Sets the cap on one block's size (tests use small caps).
  void set_max_block_size(uint32_t bytes) { max_block_ = bytes; }
  uint32_t max_block_size() const { return max_block_; }

 // Byte source behind the reader (file through zlib, or memory); defined in the .cpp.
  class Source;

 private:
  struct Cursor;

  bool start();
  bool fail(std::string msg);
  bool fail_at(const char* what, uint32_t type, uint64_t at, const std::string& detail);
  // Ensures n contiguous bytes; returns them or nullptr at end of input (`got` = bytes left).
  const uint8_t* take(size_t n, size_t* got);
  bool read_section_header(const uint8_t* body, uint32_t len, uint64_t at);
  bool read_metadata_block(uint32_t type, const uint8_t* body, uint32_t len, uint64_t at);
  bool parse_mi(Cursor& c);
  bool parse_il(Cursor& c, uint32_t type);
  bool parse_ul(Cursor& c, uint32_t type);
  bool parse_pl(Cursor& c, uint32_t type);
  bool parse_fdl(Cursor& c, uint32_t type);
  static bool is_event_block(uint32_t type);

  std::unique_ptr<Source> src_;
  std::string buf_;  // refill buffer (unused for zero-copy sources)
  size_t pos_ = 0, end_ = 0;
  uint64_t offset_ = 0;
  uint32_t max_block_ = kDefaultMaxBlockSize;
  bool failed_ = false;
  bool in_metadata_ = false;  // after an SHB, before its first event block
  bool pending_ = false;      // open() read the first event; next() returns it first
  Event pending_event_;
  std::unordered_map<int64_t, size_t> tid_index_;  // tid -> meta_.threads index
  std::string error_;
  Metadata meta_;
  uint64_t meta_generation_ = 0;
  uint64_t total_threads_ = 0;
  uint64_t late_metadata_ = 0;
  ReaderCounters counters_;
};

}  // namespace pg::capture
