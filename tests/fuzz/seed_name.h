// Seed-corpus file names for the fuzz seed generators: the FNV-1a 64 hash of the content in
// hex, so the same seed always gets the same name and duplicates overwrite each other.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace pg::fuzz {

inline std::string seed_name(std::string_view s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace pg::fuzz
