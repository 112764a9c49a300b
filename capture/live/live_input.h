// LiveInput: this machine's events (LiveSource, the eBPF probe) as an EventInput, so that
// `peregrine run` and `peregrine trace` treat a live capture exactly like a capture file.
//
// What the probe captures is chosen from what the consumer needs, never more:
//   - selection_for_program(): the event types the enabled rules are indexed under (the
//     program's by_event table). Generic-syscall index codes (vm/events.h) select just those
//     syscalls' generic events; a rule without an event-type restriction selects everything.
//   - selection_for_filter(): the event types of a trace filter; no filter means every
//     syscall, those without a specific event in the probe as generic events (as sysdig shows
//     them).
// Event types the probe cannot produce (read/write and the other I/O-payload events, see
// capture/live/selection.h) are reported by unsupported_names(), so `peregrine run` can say
// which rules will not see them, rather than silently never firing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "capture/input.h"
#include "capture/live/live_source.h"
#include "compiler/ruleset.h"
#include "vm/program.h"

namespace pg::live {

// The capture configuration for a program: the union of the event types of its enabled rules
// at or above the priority threshold (0 emergency .. 7 debug).
LiveConfig selection_for_program(const vm::Program& program, uint8_t priority_threshold = 7);

// The capture configuration for a trace filter's event types (`all` = no filter).
LiveConfig selection_for_filter(const EventSet& types, bool all);

class LiveInput final : public capture::EventInput {
 public:
  explicit LiveInput(capture::StateOptions opts = {});
  ~LiveInput() override;

  // Loads and attaches the probe, scans /proc and seeds the state engine. False with error().
  [[nodiscard]] bool open(const LiveConfig& cfg);
  void close();

  // Reopens with another selection (a rules reload that needs new event types). The thread
  // and fd tables are kept and refreshed from a new /proc scan; events that happen while the
  // probe is detached (a few ms) are not seen.
  [[nodiscard]] bool reopen(const LiveConfig& cfg);

  // True if `cfg` asks for nothing the probe does not already emit.
  bool covers(const LiveConfig& cfg) const;

  capture::InputStatus next() override;
  const capture::Event& event() const override { return ev_; }
  capture::FieldExtractor& fields() override { return fields_; }
  capture::State& state() override { return state_; }
  bool displayable() const override;
  const std::string& error() const override { return error_; }
  const capture::Metadata& metadata() const override { return src_.metadata(); }
  uint64_t metadata_generation() const override { return generation_; }
  uint64_t drops() override { return src_.stats().drops; }
  std::string drops_per_cpu() override;

  // How long next() waits for an event before returning kIdle.
  void set_idle_timeout(std::chrono::milliseconds t) { idle_ = t; }

  LiveSource& source() { return src_; }
  // Names of requested event types the probe cannot produce (sorted, without duplicates).
  std::vector<std::string> unsupported_names() const;

 private:
  LiveSource src_;
  LiveConfig cfg_;  // the selection in force
  capture::State state_;
  capture::FieldExtractor fields_;
  capture::Event ev_;
  std::chrono::milliseconds idle_{100};
  uint64_t generation_ = 0;
  bool first_ = true;
  std::string error_;
};

}  // namespace pg::live
