// RingReader (see ring_reader.h).
#include "capture/live/ring_reader.h"

#include <linux/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pg::live {
namespace {

constexpr uint32_t kBusy = BPF_RINGBUF_BUSY_BIT;
constexpr uint32_t kDiscard = BPF_RINGBUF_DISCARD_BIT;
constexpr uint32_t kHdr = BPF_RINGBUF_HDR_SZ;

inline uint64_t round8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

}  // namespace

RingReader::~RingReader() { close(); }

bool RingReader::open(std::span<const int> ring_fds, size_t ring_bytes, std::string* err) {
  close();
  page_size_ = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  if (ring_bytes == 0 || (ring_bytes & (ring_bytes - 1)) != 0 || ring_bytes % page_size_ != 0) {
    if (err) *err = "ring size must be a power of two multiple of the page size";
    return false;
  }
  publish_bytes_ = std::min<uint64_t>(kPublishBytes, ring_bytes / 4);
  rings_.resize(ring_fds.size());
  for (size_t i = 0; i < ring_fds.size(); ++i) {
    Ring& r = rings_[i];
    r.fd = ring_fds[i];
    r.cons_map = ::mmap(nullptr, page_size_, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
    if (r.cons_map == MAP_FAILED) {
      r.cons_map = nullptr;
      if (err) *err = std::string("mmap of ring buffer consumer page: ") + std::strerror(errno);
      close();
      return false;
    }
    r.prod_map_len = page_size_ + 2 * ring_bytes;
    r.prod_map = ::mmap(nullptr, r.prod_map_len, PROT_READ, MAP_SHARED, r.fd,
                        static_cast<off_t>(page_size_));
    if (r.prod_map == MAP_FAILED) {
      r.prod_map = nullptr;
      if (err) *err = std::string("mmap of ring buffer data: ") + std::strerror(errno);
      close();
      return false;
    }
    r.consumer_pos = static_cast<uint64_t*>(r.cons_map);
    r.producer_pos = static_cast<const uint64_t*>(r.prod_map);
    r.data = static_cast<const uint8_t*>(r.prod_map) + page_size_;
    r.mask = ring_bytes - 1;
    r.cons = __atomic_load_n(r.consumer_pos, __ATOMIC_ACQUIRE);
    r.published = r.cons;
  }
  current_ = -1;
  last_ts_ = 0;
  out_of_order_ = 0;
  return true;
}

void RingReader::publish(Ring& r) {
  if (r.published != r.cons) {
    __atomic_store_n(r.consumer_pos, r.cons, __ATOMIC_RELEASE);
    r.published = r.cons;
  }
}

void RingReader::close() {
  for (Ring& r : rings_) {
    if (r.cons_map != nullptr) publish(r);
    if (r.prod_map != nullptr) ::munmap(r.prod_map, r.prod_map_len);
    if (r.cons_map != nullptr) ::munmap(r.cons_map, page_size_);
  }
  rings_.clear();
  current_ = -1;
}

bool RingReader::load_head(Ring& r) {
  const uint64_t prod = __atomic_load_n(r.producer_pos, __ATOMIC_ACQUIRE);
  while (r.cons < prod) {
    const uint8_t* hp = r.data + (r.cons & r.mask);
    const uint32_t hdr = __atomic_load_n(reinterpret_cast<const uint32_t*>(hp), __ATOMIC_ACQUIRE);
    if (hdr & kBusy) {  // reserved, not committed yet
      publish(r);
      return false;
    }
    const uint32_t len = hdr & ~(kBusy | kDiscard);
    const uint64_t next = r.cons + round8(static_cast<uint64_t>(len) + kHdr);
    if ((hdr & kDiscard) || len < 8) {
      r.cons = next;
      continue;
    }
    r.head = hp + kHdr;
    r.head_len = len;
    std::memcpy(&r.head_ts, r.head, sizeof r.head_ts);
    r.head_next = next;
    r.has_head = true;
    return true;
  }
  publish(r);  // running empty: hand all consumed space back now
  return false;
}

RingReader::Peek RingReader::peek(uint64_t now_ns, const uint8_t** rec, uint32_t* len,
                                  uint16_t* cpu, uint64_t* wait_ns) {
  int best = -1;
  bool any_empty = false;
  for (size_t i = 0; i < rings_.size(); ++i) {
    Ring& r = rings_[i];
    if (!r.has_head && !load_head(r)) {
      any_empty = true;
      continue;
    }
    if (best < 0 || r.head_ts < rings_[static_cast<size_t>(best)].head_ts)
      best = static_cast<int>(i);
  }
  if (best < 0) return Peek::kEmpty;
  const Ring& r = rings_[static_cast<size_t>(best)];
  if (any_empty && r.head_ts + window_ns_ > now_ns) {
    if (wait_ns) *wait_ns = r.head_ts + window_ns_ - now_ns;
    return Peek::kWaiting;
  }
  if (r.head_ts < last_ts_) {
    ++out_of_order_;
  } else {
    last_ts_ = r.head_ts;
  }
  current_ = best;
  *rec = r.head;
  *len = r.head_len;
  *cpu = static_cast<uint16_t>(best);
  return Peek::kRecord;
}

void RingReader::consume() {
  if (current_ < 0) return;
  Ring& r = rings_[static_cast<size_t>(current_)];
  r.cons = r.head_next;
  r.has_head = false;
  if (r.cons - r.published >= publish_bytes_) publish(r);
  current_ = -1;
}

uint64_t RingReader::pending_bytes(size_t cpu) const {
  if (cpu >= rings_.size()) return 0;
  const Ring& r = rings_[cpu];
  const uint64_t prod = __atomic_load_n(r.producer_pos, __ATOMIC_ACQUIRE);
  return prod > r.cons ? prod - r.cons : 0;
}

}  // namespace pg::live
