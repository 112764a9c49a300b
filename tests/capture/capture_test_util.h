// Helpers shared by the capture tests: running sysdig, listing the shared captures, building
// scap images and event records in memory.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace pg::test {

// True if the sysdig binary is installed.
inline bool sysdig_available() {
  for (const char* p : {"/usr/bin/sysdig", "/usr/local/bin/sysdig"}) {
    if (::access(p, X_OK) == 0) return true;
  }
  return std::system("command -v sysdig >/dev/null 2>&1") == 0;
}

// Skips the current test when sysdig is missing.
#define PG_REQUIRE_SYSDIG()                                                            \
  do {                                                                                 \
    if (!::pg::test::sysdig_available())                                               \
      GTEST_SKIP() << "sysdig is not installed; this test compares against sysdig 0.29.3"; \
  } while (0)

// Runs a shell command with TZ=UTC and returns its standard output.
inline std::string run_capture_stdout(const std::string& cmd, int* status = nullptr) {
  return shell_output("TZ=UTC " + cmd + " 2>/dev/null", status);
}

// The shared captures (sorted), or empty.
inline std::vector<std::string> shared_captures() {
  std::vector<std::string> out;
  std::filesystem::path dir = std::filesystem::path(shared_dir()) / "captures";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".scap") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Little-endian appenders for building scap images by hand.
inline void put_u8(std::string& b, uint8_t v) { b += static_cast<char>(v); }
inline void put_u16(std::string& b, uint16_t v) { b.append(reinterpret_cast<const char*>(&v), 2); }
inline void put_u32(std::string& b, uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); }
inline void put_u64(std::string& b, uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); }

// A PPM event record (v2 header) with the given parameters; `large` uses 32-bit lengths.
inline std::string event_record(uint64_t ts, int64_t tid, uint16_t type,
                                const std::vector<std::string>& params, bool large = false) {
  std::string lens, data;
  for (const std::string& p : params) {
    if (large) {
      put_u32(lens, static_cast<uint32_t>(p.size()));
    } else {
      put_u16(lens, static_cast<uint16_t>(p.size()));
    }
    data += p;
  }
  std::string r;
  put_u64(r, ts);
  put_u64(r, static_cast<uint64_t>(tid));
  put_u32(r, static_cast<uint32_t>(26 + lens.size() + data.size()));
  put_u16(r, type);
  put_u32(r, static_cast<uint32_t>(params.size()));
  return r + lens + data;
}

// A framed block (header, body, padding, trailer).
inline std::string block(uint32_t type, const std::string& body, int trailer_delta = 0) {
  std::string b;
  uint32_t pad = (4 - (body.size() & 3)) & 3;
  uint32_t total = static_cast<uint32_t>(12 + body.size() + pad);
  put_u32(b, type);
  put_u32(b, total);
  b += body;
  b.append(pad, '\0');
  put_u32(b, static_cast<uint32_t>(static_cast<int64_t>(total) + trailer_delta));
  return b;
}

// An EV_V2 block around a record.
inline std::string ev_block(const std::string& record, uint16_t cpu = 0) {
  std::string body;
  put_u16(body, cpu);
  return block(0x216, body + record);
}

// Parameter encoders.
inline std::string p64(int64_t v) {
  std::string s;
  put_u64(s, static_cast<uint64_t>(v));
  return s;
}
inline std::string p32(uint32_t v) {
  std::string s;
  put_u32(s, v);
  return s;
}
inline std::string pstr(std::string_view v) { return std::string(v) + '\0'; }

}  // namespace pg::test
