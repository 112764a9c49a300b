#include "vm/interner.h"

#include <xxhash.h>

#include <atomic>

namespace pg {
namespace {
std::atomic<uint64_t> g_generation{1};
inline uint64_t hash(std::string_view s) { return XXH3_64bits(s.data(), s.size()); }
}  // namespace

Interner::Interner() : slots_(16, 0), generation_(g_generation++) {}

void Interner::grow() {
  std::vector<uint32_t> slots(slots_.size() * 2, 0);
  size_t mask = slots.size() - 1;
  for (uint32_t id = 0; id < strings_.size(); id++) {
    size_t i = hashes_[id] & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = id + 1;
  }
  slots_ = std::move(slots);
}

uint32_t Interner::add(std::string_view s) {
  uint32_t found = find(s);
  if (found != kNoStrId) return found;
  if ((strings_.size() + 1) * 2 > slots_.size()) grow();
  uint32_t id = static_cast<uint32_t>(strings_.size());
  uint64_t h = hash(s);
  strings_.emplace_back(s);
  hashes_.push_back(h);
  size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (slots_[i] != 0) i = (i + 1) & mask;
  slots_[i] = id + 1;
  return id;
}

uint32_t Interner::find(std::string_view s) const {
  uint64_t h = hash(s);
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t slot = slots_[i];
    if (slot == 0) return kNoStrId;
    uint32_t id = slot - 1;
    if (hashes_[id] == h && strings_[id] == s) return id;
  }
}

}  // namespace pg
