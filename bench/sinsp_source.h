// libsinsp as an event source and as the incumbent filter engine (PERFORMANCE.md 2.1). The
// implementation is the only translation unit that includes libsinsp's headers (they put
// `using namespace std` at global scope); without libsinsp (PG_HAVE_LIBSINSP undefined) every
// call reports "unavailable".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pgb {

class SinspSource {
 public:
  SinspSource();
  ~SinspSource();

  // True when the bench was built with libsinsp.
  static bool available();
  // libsinsp's version string, or "".
  static std::string version();

  // Opens a capture file (closing the previous one). False with `err` on failure.
  bool open(const std::string& file, std::string& err);
  void close();
  // Reads the next event: 1 event, 0 end of file, -1 error (err set).
  int next(std::string& err);
  // The current event.
  uint16_t type() const;
  uint64_t num() const;
  // For the generic syscall events (PPME_GENERIC_E/X): their ID parameter, the PPM syscall
  // code (PT_SYSCALLID). False for other events or when the parameter is absent.
  bool syscall_id(uint64_t& sc) const;

  // Registers a field for extraction; -1 when libsinsp does not know it.
  int add_field(const std::string& name, std::string& err);
  // Extracts a registered field from the current event. False when missing. `type` is
  // libsinsp's PT_* type of the field.
  bool extract(int field, const uint8_t*& p, uint32_t& len, uint8_t& type);

  // Compiles a filter; -1 with `err` when libsinsp rejects it.
  int add_filter(const std::string& text, std::string& err);
  // Runs a compiled filter on the current event.
  bool run(int filter);
  // The event types libsinsp itself indexes a filter under (gen_event_filter::evttypes(), what
  // Falco 0.31-era engines index by).
  std::vector<uint16_t> evttypes(int filter);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgb
