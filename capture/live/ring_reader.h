// RingReader: zero-copy consumer of the probe's per-CPU BPF ring buffers, merging them into one
// stream in timestamp order.
//
// The rings are mmapped directly (libbpf 1.1 has no ring__consume_n/ring_buffer__ring, and its
// callback API would force a copy per event; CAPTURE.md 4.2). The layout is kernel ABI
// (kernel/bpf/ringbuf.c): page 0 holds consumer_pos (written by us), page 1 producer_pos, and
// the data area follows, mapped twice back to back so a record that wraps is contiguous. Each
// record has an 8-byte header (u32 len with BUSY bit 31 and DISCARD bit 30, u32 page offset)
// and is padded to 8 bytes.
//
// Merge: peek() looks at the head record of every ring and returns the one with the smallest
// timestamp (the first 8 bytes of a PPM record). Because a CPU may still be about to commit an
// event with an earlier timestamp than another ring's head, a head is released only when every
// ring has a head (then it is the true minimum) or when it is older than `now - window`; the
// window (default 1 ms) bounds how late a commit may be. Events of one thread stay ordered
// regardless, since a thread's enter is committed before its exit is even created. Records
// that still arrive out of order are counted, not reordered.
//
// Consumer position: publishing it after every record would bounce its cache line between
// the consumer and the producing CPU (the kernel reads it on every reservation), so it is
// published in batches: after kPublishBytes of records, whenever a ring runs empty, and on
// close. The producer therefore sees space freed a little late, which costs nothing while the
// ring is far from full (at most kPublishBytes, a small fraction of any sensible ring).
//
// Lifetime: the record returned by peek() stays valid until consume() (the producer cannot
// overwrite space the consumer position has not passed). Not thread-safe: one consumer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pg::live {

class RingReader {
 public:
  RingReader() = default;
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  // Maps the rings (BPF_MAP_TYPE_RINGBUF fds, index = CPU), each `ring_bytes` of data.
  [[nodiscard]] bool open(std::span<const int> ring_fds, size_t ring_bytes, std::string* err);

  // Unmaps everything. Safe to call twice.
  void close();

  // Outcome of peek().
  enum class Peek : uint8_t {
    kRecord,   // a record is ready
    kEmpty,    // every ring is empty
    kWaiting,  // records exist but may still be preceded by a commit on another CPU
  };

  // Finds the next record in timestamp order. `now_ns` is the current time in the events'
  // clock. On kRecord, `rec`/`len`/`cpu` describe it; on kWaiting, `wait_ns` says how long until
  // the oldest head becomes releasable.
  Peek peek(uint64_t now_ns, const uint8_t** rec, uint32_t* len, uint16_t* cpu, uint64_t* wait_ns);

  // Releases the record returned by the last successful peek().
  void consume();

  // Bytes of consumed records after which the consumer position is published (at most a
  // quarter of the ring).
  static constexpr uint64_t kPublishBytes = 64 * 1024;

  // Sets the reorder window (ns).
  void set_window(uint64_t ns) { window_ns_ = ns; }

  // Records released with a timestamp earlier than a record released before them.
  uint64_t out_of_order() const { return out_of_order_; }

  // Bytes currently unread in ring `cpu` (for fill-level reporting).
  uint64_t pending_bytes(size_t cpu) const;

  size_t ring_count() const { return rings_.size(); }

 private:
  struct Ring {
    int fd = -1;
    void* cons_map = nullptr;  // consumer page (rw)
    void* prod_map = nullptr;  // producer page + data twice (ro)
    size_t prod_map_len = 0;
    uint64_t* consumer_pos = nullptr;
    const uint64_t* producer_pos = nullptr;
    const uint8_t* data = nullptr;
    uint64_t mask = 0;
    uint64_t cons = 0;       // consumed up to here
    uint64_t published = 0;  // last value written to consumer_pos
    // Head record, when has_head.
    bool has_head = false;
    const uint8_t* head = nullptr;
    uint32_t head_len = 0;
    uint64_t head_ts = 0;
    uint64_t head_next = 0;  // consumer position after the head
  };

  // Loads the head of `r` if it has a committed record; false when it has none.
  bool load_head(Ring& r);

  // Writes r.cons to the kernel's consumer position.
  static void publish(Ring& r);

  std::vector<Ring> rings_;
  size_t page_size_ = 4096;
  uint64_t window_ns_ = 1'000'000;
  uint64_t publish_bytes_ = kPublishBytes;
  int current_ = -1;  // ring of the record handed out by peek()
  uint64_t last_ts_ = 0;
  uint64_t out_of_order_ = 0;
};

}  // namespace pg::live
