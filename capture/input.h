// EventInput: where `peregrine run` and `peregrine trace` get their events from, a capture file
// (FileInput, below) or this machine's kernel (capture/live/live_input.h). Either way each
// event has already gone through the state engine and the field view is positioned on it, so
// the rule engine, the formatters and the .scap writer do not care where events come from.
#pragma once

#include <cstdint>
#include <string>

#include "capture/event.h"
#include "capture/fields.h"
#include "capture/inspector.h"
#include "capture/metadata.h"
#include "capture/state.h"

namespace pg::capture {

enum class InputStatus : uint8_t {
  kOk,     // event() is the next event
  kIdle,   // nothing arrived for a while (live only): a chance to check signals and timers
  kEnd,    // end of the capture file
  kError,  // see error()
};

class EventInput {
 public:
  virtual ~EventInput() = default;

  virtual InputStatus next() = 0;
  virtual const Event& event() const = 0;
  virtual FieldExtractor& fields() = 0;
  virtual State& state() = 0;
  // True if sysdig would print the current event (not internal, not state-only).
  virtual bool displayable() const = 0;
  virtual const std::string& error() const = 0;

  // The thread/fd/user tables a .scap written from this input must start with; `generation`
  // changes when they are replaced (a new section of a capture file).
  virtual const Metadata& metadata() const = 0;
  virtual uint64_t metadata_generation() const = 0;

  // Events the source lost so far (kernel ring full); always 0 for files.
  virtual uint64_t drops() { return 0; }
  // The same per CPU, for stats lines ("cpu0=N cpu1=N"); empty for files.
  virtual std::string drops_per_cpu() { return ""; }
};

// A capture file replayed through an Inspector.
class FileInput final : public EventInput {
 public:
  [[nodiscard]] bool open(const std::string& path) { return insp_.open(path); }

  InputStatus next() override {
    switch (insp_.next()) {
      case ReadStatus::kOk: return InputStatus::kOk;
      case ReadStatus::kEof: return InputStatus::kEnd;
      default: return InputStatus::kError;
    }
  }
  const Event& event() const override { return insp_.event(); }
  FieldExtractor& fields() override { return insp_.fields(); }
  State& state() override { return insp_.state(); }
  bool displayable() const override { return insp_.displayable(); }
  const std::string& error() const override { return insp_.error(); }
  const Metadata& metadata() const override { return insp_.reader().metadata(); }
  uint64_t metadata_generation() const override { return insp_.reader().metadata_generation(); }

  Inspector& inspector() { return insp_; }

 private:
  Inspector insp_;
};

}  // namespace pg::capture
