// Alerts: turning a rule match into Falco's text line or Falco's JSON object
// (LANGUAGE.md 4.2 and 4.3).
//
//   text: "HH:MM:SS.nnnnnnnnn: Priority <output> container_id=.. container_name=.."
//         (evt.time in local time; missing fields print <NA>; the line is JSON-escaped without
//         the surrounding quotes, as Falco does)
//   json: {"hostname","output","output_fields","priority","rule","source","tags","time"}
//         in that (alphabetical) order; output_fields maps every field token as written to a
//         typed value (numbers, booleans, strings, null when missing) plus evt.time in ns.
//
// Formats are parsed once per rule when a program is installed; formatting an alert reads the
// event through a FieldExtractor positioned on the matching event.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "capture/fields.h"
#include "compiler/format.h"
#include "vm/program.h"

namespace pg::capture {

struct AlertOptions {
  bool json = false;
  bool suggested_fields = true;  // append container_id=%container.id container_name=... when
                                 // the output does not already print them
  std::string hostname;          // $FALCO_HOSTNAME, else gethostname()
  bool time_iso8601 = false;     // text prefix as ISO 8601 (time_format_iso_8601)
};

// One formatted alert.
struct Alert {
  uint32_t rule = 0;
  uint8_t priority = 7;
  uint64_t ts = 0;
  std::string line;  // the text or JSON line, without a trailing newline
};

class AlertFormatter {
 public:
  // Parses every rule's output (with the suggested fields appended). Rules whose output does
  // not parse (impossible for programs the compiler produced) print their raw output.
  AlertFormatter(const vm::Program& program, AlertOptions opts);

  // Formats an alert for `rule` on the event `fx` is positioned on.
  void format(uint32_t rule, FieldExtractor& fx, Alert& out);

  const AlertOptions& options() const { return opts_; }

 private:
  struct RuleFormat {
    bool ok = false;
    Format fmt;
    std::string raw;
  };
  std::string render_token(const FormatToken& t, FieldExtractor& fx, bool& missing);
  void json_value(const FormatToken& t, FieldExtractor& fx, std::string& out);

  const vm::Program& program_;
  AlertOptions opts_;
  std::vector<RuleFormat> formats_;
};

// Priority names as Falco prints them ("Warning", "Informational").
const char* priority_long_name(uint8_t p);

// Falco's internal alert for lost kernel events ("Falco internal: syscall event drop. N system
// calls dropped in last second."), priority Debug, as the text line and the JSON object.
void format_drop_alert(const AlertOptions& opts, uint64_t ts, uint64_t n_drops,
                       uint64_t n_evts, std::string& text, std::string& json_line);

// The host name Falco would print: $FALCO_HOSTNAME, else gethostname().
std::string default_hostname();

}  // namespace pg::capture
