// The rule engine: runs a loaded program over the events of a capture (file or live) and turns
// matches into alerts, as Falco's engine does.
//
// - Rules are evaluated on exit events and on events that have no enter/exit pair (procexit
//   and other meta events); enter events only update state (DESIGN.md section 3). Events a
//   capture marks state-only are never evaluated.
// - For each evaluated event only the rules indexed under its type run, in rule order;
//   rule_matching first (the default) stops at the first match, all reports every match;
//   disabled rules and rules below the priority threshold never run.
// - A new program can be installed between two events (SIGHUP reload): swap_program() is
//   called by the capture thread, so no event ever sees half of two rulesets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/alerts.h"
#include "capture/event.h"
#include "capture/fields.h"
#include "capture/state.h"
#include "vm/interp.h"

namespace pg::capture {

struct EngineConfig {
  uint8_t priority_threshold = 7;  // -o priority=..., default debug (everything)
  bool match_all = false;          // -o rule_matching=all
  AlertOptions alerts;
  bool also_json = false;          // also format Falco JSON (for the HTTP output)
};

struct EngineStats {
  uint64_t events = 0;      // events seen
  uint64_t evaluated = 0;   // events that ran rules
  uint64_t alerts = 0;
  std::vector<uint64_t> per_rule;  // alerts per rule
};

class RuleEngine {
 public:
  RuleEngine(std::shared_ptr<const vm::LoadedProgram> program, EngineConfig cfg, State& state);

  // Installs another program (between events). Counters per rule start again.
  void swap_program(std::shared_ptr<const vm::LoadedProgram> program);

  // Evaluates the event `fx` is positioned on; appends one alert per match (text and, with
  // also_json, the JSON form in `json_out`, parallel to `out`).
  void process(const Event& ev, FieldExtractor& fx, std::vector<Alert>& out,
               std::vector<std::string>* json_out = nullptr);

  const vm::Program& program() const { return prog_->program(); }
  const EngineStats& stats() const { return stats_; }
  const EngineConfig& config() const { return cfg_; }

  // True when rules should see this event type (exit events and unpaired events).
  static bool evaluable(uint16_t type);

 private:
  void install();

  std::shared_ptr<const vm::LoadedProgram> prog_;
  EngineConfig cfg_;
  State& state_;
  std::unique_ptr<vm::Vm> vm_;
  std::unique_ptr<AlertFormatter> text_, json_;
  std::vector<uint32_t> matches_;
  EngineStats stats_;
};

// Falco priority from a name (case-insensitive, "info" accepted); -1 when unknown.
int parse_priority_name(std::string_view s);

}  // namespace pg::capture
