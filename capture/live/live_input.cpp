// LiveInput (see live_input.h).
#include "capture/live/live_input.h"

#include <algorithm>

#include "capture/event_codes.h"
#include "vm/events.h"

namespace pg::live {

namespace {

// Adds index code `code` (vm/events.h) to the selection.
void select_index_code(uint32_t code, LiveConfig& cfg, bool& all_generic) {
  if (code < kEventMax) {
    cfg.events.set(code);
    if (code == kGenericEnter || code == kGenericExit) all_generic = true;
    return;
  }
  cfg.events.set(kGenericEnter);
  cfg.events.set(kGenericExit);
  cfg.generic_syscalls.push_back(static_cast<uint16_t>(code - kEventMax));
}

void finish(LiveConfig& cfg, bool all_generic) {
  if (all_generic) cfg.generic_syscalls.clear();  // every generic syscall
  std::sort(cfg.generic_syscalls.begin(), cfg.generic_syscalls.end());
  cfg.generic_syscalls.erase(std::unique(cfg.generic_syscalls.begin(), cfg.generic_syscalls.end()),
                             cfg.generic_syscalls.end());
  cfg.ignore_self = true;  // our own output writes must not feed back into the capture
}

}  // namespace

LiveConfig selection_for_program(const vm::Program& program, uint8_t priority_threshold) {
  LiveConfig cfg;
  bool all_generic = false;
  for (uint32_t code = 0; code < program.by_event.size(); code++) {
    for (uint32_t r : program.by_event[code]) {
      const vm::RuleEntry& re = program.rules[r];
      if (!re.enabled || re.priority > priority_threshold) continue;
      select_index_code(code, cfg, all_generic);
      break;
    }
  }
  finish(cfg, all_generic);
  return cfg;
}

LiveConfig selection_for_filter(const EventSet& types, bool all) {
  LiveConfig cfg;
  bool all_generic = false;
  if (all) {
    cfg.all_events = true;
    cfg.generic_fallback = true;
    cfg.events.set(kGenericEnter);
    cfg.events.set(kGenericExit);
  } else {
    for (uint32_t code = 0; code < types.size(); code++)
      if (types.test(code)) select_index_code(code, cfg, all_generic);
  }
  finish(cfg, all_generic);
  return cfg;
}

LiveInput::LiveInput(capture::StateOptions opts) : state_(opts), fields_(state_) {}

LiveInput::~LiveInput() { close(); }

bool LiveInput::open(const LiveConfig& cfg) {
  if (!src_.open(cfg)) {
    error_ = src_.error();
    return false;
  }
  cfg_ = cfg;
  state_.load_metadata(src_.metadata());
  generation_++;
  first_ = true;
  return true;
}

void LiveInput::close() { src_.close(); }

bool LiveInput::reopen(const LiveConfig& cfg) {
  src_.close();
  return open(cfg);
}

bool LiveInput::covers(const LiveConfig& cfg) const {
  if (!src_.is_open()) return false;
  if (cfg_.all_events) return true;
  if (cfg.all_events) return false;
  if ((cfg.events & ~cfg_.events).any()) return false;
  bool wants_generic = cfg.events.test(kGenericEnter) || cfg.events.test(kGenericExit);
  if (!wants_generic || cfg_.generic_syscalls.empty()) return true;  // current: all generic
  if (cfg.generic_syscalls.empty()) return false;                    // wants all, has some
  return std::includes(cfg_.generic_syscalls.begin(), cfg_.generic_syscalls.end(),
                       cfg.generic_syscalls.begin(), cfg.generic_syscalls.end());
}

capture::InputStatus LiveInput::next() {
  switch (src_.next(ev_, idle_)) {
    case NextStatus::kTimeout: return capture::InputStatus::kIdle;
    case NextStatus::kError:
      error_ = src_.error();
      return capture::InputStatus::kError;
    case NextStatus::kOk: break;
  }
  if (first_) {
    fields_.set_first_ts(ev_.ts);
    first_ = false;
  }
  state_.process(ev_);
  fields_.set_event(&ev_);
  return capture::InputStatus::kOk;
}

bool LiveInput::displayable() const {
  return ev_.info != nullptr && (ev_.info->category & EC_INTERNAL) == 0;
}

std::string LiveInput::drops_per_cpu() {
  std::string out;
  LiveStats st = src_.stats();
  for (size_t i = 0; i < st.cpus.size(); i++) {
    if (!out.empty()) out += ' ';
    out += "cpu" + std::to_string(i) + "=" + std::to_string(st.cpus[i].drops());
  }
  return out;
}

std::vector<std::string> LiveInput::unsupported_names() const {
  std::vector<std::string> out;
  for (uint16_t code : src_.plan().unsupported) {
    const EventInfo* info = event_info(code);
    if (info) out.emplace_back(info->name);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace pg::live
