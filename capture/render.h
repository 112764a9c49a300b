// Rendering of event parameters and values as sysdig 0.29.3 prints them: errno and signal
// names, flag sets (`O_RDONLY|O_CLOEXEC`), fds (`3(<f>/etc/passwd)`), socket addresses and
// tuples, byte buffers, times. Used by the state engine (socket fd names are the rendered
// tuple, as in sinsp) and by field extraction (evt.args, evt.info, evt.arg.*, evt.res, ...).
//
// param_as_str() mirrors sinsp_evt::get_param_as_str(): it produces a value text and, for
// types sinsp resolves (fds, errnos, pids, flags, syscall ids, signals), a resolved text; an
// empty resolved text means "no resolution". Neither string is cleared by the callers' reuse:
// the function assigns both, reusing their capacity.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "capture/event.h"

namespace pg::capture {

class State;
struct FdInfo;

// Name of an errno for a negative return value ("ENOENT"), or "" when it has none.
const char* errno_name(int64_t res);

// Name of a signal ("SIGKILL"), or nullptr.
const char* signal_name(uint8_t sig);

// isprint() in the "C" locale, without the call: printable ASCII.
inline bool is_print(char c) { return c >= 0x20 && c < 0x7f; }

// Appends a number in decimal (std::to_chars: no locale, no format parsing).
void append_u64(std::string& out, uint64_t v);
void append_i64(std::string& out, int64_t v);

// True for an IPv4-mapped IPv6 address (::ffff:a.b.c.d) and, as sinsp has it, for the
// all-zero address.
bool is_ipv4_mapped(const uint8_t* a);

// Appends an IPv4 address (network byte order in memory, as loaded little-endian) dotted.
void append_ipv4(std::string& out, uint32_t ip);

// Appends an IPv6 address as inet_ntop prints it.
void append_ipv6(std::string& out, const uint8_t* ip);

// The name sinsp gives a socket fd read from an fd list (tuple or server address text).
std::string socket_name_from_state(const FdInfo& f);

// Renders parameter `i` of `ev` (see the file comment). `simple` is sinsp's PF_SIMPLE: fd
// resolutions omit the type letter. `st` provides the thread and fd tables for resolution.
void param_as_str(const Event& ev, uint32_t i, State& st, std::string& val,
                  std::string& resolved, bool simple = false);

// sinsp's ts_to_string: local "HH:MM:SS.nnnnnnnnn" (with `date`: "YYYY-MM-DD " first; without
// `ns`: no fraction).
void append_time(std::string& out, uint64_t ts, bool date, bool ns);

// ISO 8601 local time with offset, as evt.time.iso8601 prints it.
void append_time_iso8601(std::string& out, uint64_t ts);

// Buffers in rendered parameters are cut to 80 bytes ("...") as sysdig's text output does;
// with `full`, as in sysdig's JSON output (-j), they are printed whole (process-wide setting).
void set_buffer_output_limit(bool full);

// Printable form of a byte buffer (non-printable bytes become '.'), at most `max` bytes.
void append_printable(std::string& out, std::string_view bytes, size_t max);

}  // namespace pg::capture
