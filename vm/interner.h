// Interner: the set of strings a loaded program compares against, each with a dense id.
//
// Built once when a program is loaded (every string constant of every rule is added), then
// read-only and shared by the VM and the state engine. The state engine looks up hot values
// (process names, exe paths) once per exec with find(); a value that is not in the interner
// cannot equal any program constant, so kNoStrId is a definite "no match" for `=` and `in`.
// Lookups hash with XXH3 and never allocate.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vm/event_view.h"

namespace pg {

class Interner {
 public:
  Interner();

  // Adds a string (if absent) and returns its id. Only while building.
  uint32_t add(std::string_view s);

  // The id of a string, or kNoStrId.
  uint32_t find(std::string_view s) const;

  std::string_view str(uint32_t id) const { return strings_[id]; }
  uint32_t size() const { return static_cast<uint32_t>(strings_.size()); }

  // A process-unique number, so cached ids can tell which interner they came from.
  uint64_t generation() const { return generation_; }

 private:
  void grow();

  std::vector<std::string> strings_;
  std::vector<uint32_t> slots_;  // open addressing: id + 1, 0 = empty
  std::vector<uint64_t> hashes_; // per id
  uint64_t generation_;
};

}  // namespace pg
