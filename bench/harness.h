// Timing and statistics helpers of peregrine-bench (PERFORMANCE.md section 5).
//
// Time is read with the TSC (lfence-ordered rdtsc), calibrated once against steady_clock; the
// cost of an empty timed region is measured in the same run and subtracted wherever a region
// is timed per event. Ratios are taken per repetition and summarised by median, min and max.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace pgb {

// Reads the time stamp counter, ordered with respect to surrounding loads.
inline uint64_t tsc() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_lfence();
  uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
#else
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

// TSC ticks per nanosecond, measured against steady_clock over about 100 ms.
inline double calibrate_tsc() {
#if defined(__x86_64__) || defined(__i386__)
  auto c0 = std::chrono::steady_clock::now();
  uint64_t t0 = tsc();
  for (;;) {
    auto c1 = std::chrono::steady_clock::now();
    if (c1 - c0 >= std::chrono::milliseconds(100)) {
      uint64_t t1 = tsc();
      double ns = std::chrono::duration<double, std::nano>(c1 - c0).count();
      return static_cast<double>(t1 - t0) / ns;
    }
  }
#else
  return 1.0;
#endif
}

// Ticks of an empty timed region (median of many), to subtract per timed region.
inline double empty_region_ticks() {
  std::vector<uint64_t> v;
  v.reserve(4001);
  for (int i = 0; i < 4001; i++) {
    uint64_t a = tsc();
    uint64_t b = tsc();
    v.push_back(b - a);
  }
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return static_cast<double>(v[v.size() / 2]);
}

// Median / min / max of a sample.
struct Stat {
  double median = 0, min = 0, max = 0;
  size_t n = 0;
};

inline Stat stat_of(std::vector<double> v) {
  Stat s;
  s.n = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  size_t m = v.size() / 2;
  s.median = v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  return s;
}

// Prevents the compiler from discarding a value.
template <typename T>
inline void keep(const T& v) {
  asm volatile("" : : "r,m"(v) : "memory");
}

}  // namespace pgb
