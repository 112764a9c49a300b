// Inspector: a capture file replayed through the state engine, one event at a time, with the
// field view positioned on each event (the sinsp_inspector of a file replay), plus the sysdig
// `-p` formatter.
//
// next() reads an event, applies a new section's metadata first when the reader crossed a
// section header, runs the state engine and moves the field view. Every event is processed,
// including internal ones (procinfo) that sysdig counts in evt.num but never shows;
// displayable() says whether sysdig 0.29.3 would print the current one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "capture/event.h"
#include "capture/fields.h"
#include "capture/scap_reader.h"
#include "capture/state.h"

namespace pg::capture {

class Inspector {
 public:
  explicit Inspector(StateOptions opts = {});

  // Opens a capture file (gzip or plain). False on error (see error()).
  [[nodiscard]] bool open(const std::string& path);

  // Opens a capture image in memory; `data` must outlive the inspector.
  [[nodiscard]] bool open_memory(std::span<const uint8_t> data);

  // Reads and processes the next event.
  ReadStatus next();

  // The current event (valid after next() returned kOk).
  const Event& event() const { return ev_; }

  // True if sysdig 0.29.3 prints the current event (not internal, not state-only).
  bool displayable() const;

  State& state() { return state_; }
  FieldExtractor& fields() { return fields_; }
  ScapReader& reader() { return reader_; }
  const ScapReader& reader() const { return reader_; }
  const std::string& error() const { return reader_.error(); }

 private:
  void after_open();

  ScapReader reader_;
  State state_;
  FieldExtractor fields_;
  Event ev_;
  uint64_t meta_gen_ = 0;
  bool first_ = true;
};

// A sysdig `-p` format: literal text and %field tokens (with optional width, e.g. %10proc.name),
// and the leading '*' that prints <NA> for missing fields instead of dropping the line.
class Formatter {
 public:
  // Parses a format. False with a sysdig-like message on a bad token.
  [[nodiscard]] bool parse(std::string_view fmt, std::string* err);

  // Appends the formatted line for the current event of `fx`. False when the line must be
  // dropped (a field is missing and the format has no '*').
  bool format(FieldExtractor& fx, std::string& out) const;

  // The default sysdig line format.
  static constexpr std::string_view kSysdigDefault =
      "*%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.info";

 private:
  struct Token {
    std::string literal;  // text before the field (or the trailing text when !has_field)
    bool has_field = false;
    FieldId id{};
    int64_t index = -1;
    std::string key;
    int width = 0;
  };
  std::vector<Token> tokens_;
  bool print_missing_ = false;
};

}  // namespace pg::capture
