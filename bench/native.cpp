#include "bench/native.h"

#include <cstring>

#include "vm/events.h"

namespace pgb {

const char* const kRepText[5] = {
    "evt.type in (open,openat,openat2) and evt.is_open_write=true and fd.typechar='f' and "
    "fd.name startswith /etc",
    "proc.name in (ls, cat, bash, sh, curl) and evt.type=connect",
    "fd.l4proto=udp",
    "evt.type in (execve, execveat) and evt.dir=< and proc.name in (ash, bash, csh, ksh, sh, "
    "tcsh, zsh, dash)",
    "fd.name contains /.ssh/ or fd.name startswith /etc/ or proc.name = curl",
};

namespace {

// Event-type bitmaps over the index codes (vm/events.h: event codes plus one virtual code per
// syscall for generic events), filled like the compiler fills `evt.type = name`.
constexpr size_t kTypeWords = (pg::kIndexMax + 63) / 64;
struct TypeSet {
  uint64_t w[kTypeWords] = {};
  void add(std::string_view name) {
    for (uint16_t c : pg::index_codes_by_name(name)) w[c >> 6] |= uint64_t{1} << (c & 63);
  }
  bool has(uint16_t c) const { return c < pg::kIndexMax && (w[c >> 6] >> (c & 63)) & 1; }
};

TypeSet g_open, g_connect, g_exec;

// Native interner: the process names the conditions compare against.
constexpr std::string_view kNames[] = {"ls", "cat", "bash", "sh", "curl", "ash",
                                       "csh", "ksh", "tcsh", "zsh", "dash"};
constexpr uint32_t bit(int i) { return uint32_t{1} << i; }
constexpr uint32_t kR2Names = bit(0) | bit(1) | bit(2) | bit(3) | bit(4);
constexpr uint32_t kR4Names = bit(5) | bit(2) | bit(6) | bit(7) | bit(3) | bit(8) | bit(9) | bit(10);
constexpr uint16_t kCurl = 4;

inline bool in_names(uint16_t id, uint32_t mask) { return id < 32 && (mask >> id) & 1; }

__attribute__((noinline)) bool r1(const NEvt& e) {
  return g_open.has(e.type) && e.has_is_open_write && e.is_open_write && e.has_typechar &&
         e.typechar == 'f' && e.has_fd_name && e.fd_name.size() >= 4 &&
         std::memcmp(e.fd_name.data(), "/etc", 4) == 0;
}

__attribute__((noinline)) bool r2(const NEvt& e) {
  return e.has_proc_name && in_names(e.proc_name_id, kR2Names) && g_connect.has(e.type);
}

__attribute__((noinline)) bool r3(const NEvt& e) { return e.has_l4 && e.l4 == 2; }

__attribute__((noinline)) bool r4(const NEvt& e) {
  return g_exec.has(e.type) && e.has_dir && e.dir == '<' && e.has_proc_name &&
         in_names(e.proc_name_id, kR4Names);
}

__attribute__((noinline)) bool r5(const NEvt& e) {
  if (e.has_fd_name) {
    if (e.fd_name.find("/.ssh/") != std::string_view::npos) return true;
    if (e.fd_name.size() >= 5 && std::memcmp(e.fd_name.data(), "/etc/", 5) == 0) return true;
  }
  return e.has_proc_name && e.proc_name_id == kCurl;
}

}  // namespace

const NativeFn kNative[5] = {r1, r2, r3, r4, r5};

void native_init() {
  for (const char* n : {"open", "openat", "openat2"}) g_open.add(n);
  g_connect.add("connect");
  for (const char* n : {"execve", "execveat"}) g_exec.add(n);
}

uint16_t native_intern(std::string_view s) {
  for (size_t i = 0; i < sizeof(kNames) / sizeof(kNames[0]); i++)
    if (kNames[i] == s) return static_cast<uint16_t>(i);
  return 0xffff;
}

uint8_t native_l4(std::string_view s) {
  if (s == "tcp") return 1;
  if (s == "udp") return 2;
  if (s == "icmp") return 3;
  if (s == "raw") return 4;
  return 0;
}

}  // namespace pgb
