// Logging hook of the live capture: the loader, libbpf (through libbpf_set_print) and the
// live source report through one sink that the embedding program chooses. The default sink
// prints warnings and errors to stderr.
#pragma once

#include <functional>
#include <string_view>

namespace pg::live {

// Severity of a log line.
enum class LogLevel : uint8_t { kDebug, kInfo, kWarning, kError };

// Receives one log line (no trailing newline).
using LogSink = std::function<void(LogLevel, std::string_view)>;

// Prints warnings and errors to stderr, prefixed with "peregrine: ".
void default_log_sink(LogLevel level, std::string_view msg);

// Name of a level ("debug", "info", "warning", "error").
const char* log_level_name(LogLevel level);

}  // namespace pg::live
