// The event table (vm/events.def), the syscall table (vm/syscalls.def) and the flag-name tables
// (vm/flags.def), expanded into lookup structures.
//
// Event codes are the scap format's PPM codes (0..kEventMax-1). A code's direction is its parity.
// Everything here is immutable after static initialisation and safe to share between threads.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "vm/types.h"

namespace pg {

// Event flags (EF_* of the scap format).
enum EventFlags : uint16_t {
  EF_CREATES_FD = 1 << 0,
  EF_DESTROYS_FD = 1 << 1,
  EF_USES_FD = 1 << 2,
  EF_READS_FROM_FD = 1 << 3,
  EF_WRITES_TO_FD = 1 << 4,
  EF_MODIFIES_STATE = 1 << 5,
  EF_UNUSED = 1 << 6,
  EF_WAITS = 1 << 7,
  EF_SKIPPARSERESET = 1 << 8,
  EF_OLD_VERSION = 1 << 9,
  EF_DROP_SIMPLE_CONS = 1 << 10,
  EF_LARGE_PAYLOAD = 1 << 11,
};

// Event categories (EC_* of the scap format).
enum EventCategory : uint16_t {
  EC_UNKNOWN = 0, EC_OTHER = 1, EC_FILE = 2, EC_NET = 3, EC_IPC = 4, EC_MEMORY = 5,
  EC_PROCESS = 6, EC_SLEEP = 7, EC_SYSTEM = 8, EC_SIGNAL = 9, EC_USER = 10, EC_TIME = 11,
  EC_PROCESSING = 12, EC_IO_READ = 32, EC_IO_WRITE = 33, EC_IO_OTHER = 34, EC_WAIT = 64,
  EC_SCHEDULER = 128, EC_INTERNAL = 256,
};

// Named values of a flags or enum parameter.
struct FlagName {
  std::string_view name;
  uint32_t value;
};

// One alternative layout of a dynamic (PT_DYN) parameter.
struct DynParam {
  ParamType type;
  ParamFormat format;
};

// One event parameter.
struct ParamInfo {
  std::string_view name;
  ParamType type;
  ParamFormat format;
  int8_t dirfd_param;               // for FSRELPATH: index of the dirfd parameter, else -1
  std::span<const FlagName> flags;  // for FLAGS/MODE/enum parameters, else empty
  std::span<const DynParam> dyn;    // for PT_DYN parameters: layouts selected by the first byte
};

// One event type.
struct EventInfo {
  uint16_t code;
  std::string_view ident;  // e.g. "OPENAT_2_X"
  std::string_view name;   // e.g. "openat"
  bool is_exit;
  uint16_t category;
  uint16_t flags;
  std::span<const ParamInfo> params;
};

// Number of event codes in the table (PPM_EVENT_MAX of the 2022 format).
inline constexpr uint16_t kEventMax = 336;

// Code of the generic syscall events, whose ID parameter names the syscall.
inline constexpr uint16_t kGenericEnter = 0;
inline constexpr uint16_t kGenericExit = 1;

// Index codes: the event codes, plus one virtual code per PPM syscall code for the generic
// syscall events (kEventMax + code). Rules are indexed and evt.type is tested on index codes,
// so a rule that names a syscall without a dedicated event (dup2, accept4, ...) runs only on
// that syscall's generic events, and sets over them complement exactly.
inline constexpr uint16_t kSyscallCodeMax = 512;
inline constexpr uint16_t kIndexMax = kEventMax + kSyscallCodeMax;
inline constexpr uint16_t generic_index_code(uint16_t ppm_sc) {
  return ppm_sc < kSyscallCodeMax ? static_cast<uint16_t>(kEventMax + ppm_sc) : kGenericExit;
}

// Index codes a name stands for in `evt.type = name`: its events' codes, or the virtual code
// of a syscall without a dedicated event. Empty for unknown names.
std::vector<uint16_t> index_codes_by_name(std::string_view name);

// The event with this code, or nullptr when the code is outside the table.
const EventInfo* event_info(uint16_t code);

// All event codes whose event name is `name` (enter and exit, every version). Empty if none.
std::span<const uint16_t> event_codes_by_name(std::string_view name);

// True if some event has a parameter called `name` (for `evt.arg.NAME` checking).
bool is_known_event_param(std::string_view name);

// PPM syscall code for a syscall name, or -1.
int syscall_code_by_name(std::string_view name);

// Name of a PPM syscall code, or "" when unknown.
std::string_view syscall_name(uint16_t ppm_code);

// Number of PPM syscall codes (names are 1..kSyscallMax-1).
uint16_t syscall_code_count();

// x86_64 native syscall number -> PPM syscall code and enter/exit event codes.
struct SyscallRoute {
  int32_t ppm_code = -1;
  uint16_t enter_event = kGenericEnter;
  uint16_t exit_event = kGenericExit;
};
SyscallRoute syscall_route(uint32_t native_nr);

// All known event and syscall names, sorted and unique (for diagnostics and docs).
const std::vector<std::string_view>& all_event_names();

// The named-value table with this identifier (as used in vm/flags.def), or empty.
std::span<const FlagName> flag_table(std::string_view ident);

}  // namespace pg
