#include "capture/engine.h"

#include <array>
#include <cctype>

#include "vm/events.h"

namespace pg::capture {
namespace {

// Which event codes rules see: exit events, and enter events without a usable exit partner.
std::array<bool, kEventMax> make_evaluable() {
  std::array<bool, kEventMax> t{};
  for (uint16_t c = 0; c < kEventMax; c++) {
    const EventInfo* e = event_info(c);
    if (!e || e->name.empty()) continue;
    if (e->is_exit) {
      t[c] = !(e->flags & EF_UNUSED);
      continue;
    }
    const EventInfo* x = c + 1 < kEventMax ? event_info(static_cast<uint16_t>(c + 1)) : nullptr;
    t[c] = x == nullptr || (x->flags & EF_UNUSED) || x->name != e->name;
  }
  return t;
}

}  // namespace

bool RuleEngine::evaluable(uint16_t type) {
  static const std::array<bool, kEventMax> kTable = make_evaluable();
  return type < kEventMax && kTable[type];
}

int parse_priority_name(std::string_view s) {
  static const char* kNames[] = {"emergency", "alert",  "critical",      "error",
                                 "warning",   "notice", "informational", "debug"};
  std::string l(s);
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int i = 0; i < 8; i++)
    if (l == kNames[i]) return i;
  if (l == "info") return 6;
  return -1;
}

RuleEngine::RuleEngine(std::shared_ptr<const vm::LoadedProgram> program, EngineConfig cfg,
                       State& state)
    : prog_(std::move(program)), cfg_(std::move(cfg)), state_(state) {
  install();
}

void RuleEngine::install() {
  vm_ = std::make_unique<vm::Vm>(prog_);
  vm_->set_priority_threshold(cfg_.priority_threshold);
  state_.set_interner(&prog_->interner());
  AlertOptions text = cfg_.alerts;
  text_ = std::make_unique<AlertFormatter>(prog_->program(), text);
  if (cfg_.also_json || cfg_.alerts.json) {
    AlertOptions j = cfg_.alerts;
    j.json = true;
    json_ = std::make_unique<AlertFormatter>(prog_->program(), j);
  } else {
    json_.reset();
  }
  stats_.per_rule.assign(prog_->program().rules.size(), 0);
}

void RuleEngine::swap_program(std::shared_ptr<const vm::LoadedProgram> program) {
  prog_ = std::move(program);
  install();
}

void RuleEngine::process(const Event& ev, FieldExtractor& fx, std::vector<Alert>& out,
                         std::vector<std::string>* json_out) {
  stats_.events++;
  if (!evaluable(ev.type) || (ev.dump_flags & kDumpStateOnly)) return;
  stats_.evaluated++;
  if (vm_->run_event(fx, !cfg_.match_all, matches_) == 0) return;
  for (uint32_t r : matches_) {
    stats_.alerts++;
    stats_.per_rule[r]++;
    Alert a;
    if (cfg_.alerts.json) {
      json_->format(r, fx, a);
    } else {
      text_->format(r, fx, a);
    }
    if (json_out) {
      if (cfg_.alerts.json) {
        json_out->push_back(a.line);
      } else if (json_) {
        Alert j;
        json_->format(r, fx, j);
        json_out->push_back(std::move(j.line));
      } else {
        json_out->emplace_back();
      }
    }
    out.push_back(std::move(a));
  }
}

}  // namespace pg::capture
