// Kernel-side selection: which native syscalls the probe reports, and with which filler.
//
// Input is a set of PPM event codes (the event-type sets of the loaded rules, vm/events.def
// numbering) plus the state engine's own needs; output is a SyscallPlan with one row per
// x86_64 syscall number, which the loader writes into the probe's syscall_table and prog
// arrays before attach. A syscall is selected when its enter or exit code (the ROUTE rows of
// vm/syscalls.def) is in the set; syscalls routed to the generic events (codes 0/1) are
// selected when the set contains 0 or 1, all of them or only the PPM syscall codes listed.
//
// The probe builds each event with a filler of a fixed parameter *shape*; the table in
// selection.cpp assigns a filler to every supported syscall, and build_plan() checks each
// filler's signature against the event's parameter types in vm/events.def before using it,
// so a filler can never emit an event whose layout disagrees with the reader.
//
// Codes the probe cannot produce (for example read/write, whose events carry I/O payloads the
// probe does not capture) are reported in SyscallPlan::unsupported, never silently dropped;
// with generic_fallback they are captured as generic syscall events instead (useful for
// `peregrine trace`, which shows them by syscall name).
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <string>
#include <vector>

#include "vm/events.h"

namespace pg::live {

// Native syscall numbers covered (matches PG_SYSCALL_TABLE_SIZE of the probe).
inline constexpr uint32_t kSyscallTableSize = 512;

// A set of PPM event codes.
using EventCodeSet = std::bitset<kEventMax>;

// What to capture.
struct SelectionRequest {
  EventCodeSet events;                     // PPM event codes wanted (rules' event-type sets)
  std::vector<uint16_t> generic_syscalls;  // PPM syscall codes for the generic events; empty
                                           // with 0/1 in `events` means every generic syscall
  bool state_events = true;                // add state_event_codes()
  bool generic_fallback = false;           // unsupported specific events become generic events
};

// One row of the plan.
struct SyscallRow {
  bool selected = false;
  bool generic = false;      // emits SYSCALL_E/X with ppm_sc
  uint16_t ppm_sc = 0;       // PPM syscall code
  uint16_t enter_event = 0;  // PPM codes emitted
  uint16_t exit_event = 0;
  const char* enter_prog = nullptr;  // filler names in probe.bpf.c (null: none)
  const char* exit_prog = nullptr;
};

// The selection the loader applies.
struct SyscallPlan {
  std::array<SyscallRow, kSyscallTableSize> rows{};
  EventCodeSet emitted;               // event codes the probe will produce
  std::vector<uint16_t> unsupported;  // requested codes the probe cannot produce
  std::vector<std::string> errors;    // filler/table disagreements (a build bug)

  size_t selected_count() const;
};

// PPM event codes the state engine needs to keep threads, fds and users right (process
// lifecycle, fd creation and removal, cwd, credentials, socket tuples).
const EventCodeSet& state_event_codes();

// Every event code some filler of the probe can produce (plus procexit).
const EventCodeSet& supported_event_codes();

// Builds the plan for `req`.
SyscallPlan build_plan(const SelectionRequest& req);

// Parameter signature of an event code in the probe's letters (i, u, h, b, s, B, a, t, d;
// see probe.bpf.c), computed from vm/events.def. "?" for a type no filler emits.
std::string event_signature(uint16_t code);

// Filler names (enter and exit) of every syscall the probe implements, for tests and docs.
struct FillerInfo {
  uint32_t nr;
  const char* name;  // syscall name
  const char* enter_prog;
  const char* enter_sig;
  const char* exit_prog;
  const char* exit_sig;
};
const std::vector<FillerInfo>& filler_table();

}  // namespace pg::live
