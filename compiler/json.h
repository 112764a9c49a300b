// A minimal JSON writer: compact output, keys written in the order the caller gives them
// (callers that mirror Falco's nlohmann output write keys in alphabetical order).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pg::json {

// Appends `s` as a JSON string literal. Invalid UTF-8 bytes become U+FFFD, as Falco's
// nlohmann-based output does with its replace error handler.
void append_string(std::string& out, std::string_view s);

// A tiny streaming writer that inserts commas.
class Writer {
 public:
  std::string& out() { return out_; }
  std::string take() { return std::move(out_); }

  Writer& begin_object() { sep(); out_ += '{'; first_ = true; return *this; }
  Writer& end_object() { out_ += '}'; first_ = false; return *this; }
  Writer& begin_array() { sep(); out_ += '['; first_ = true; return *this; }
  Writer& end_array() { out_ += ']'; first_ = false; return *this; }
  Writer& key(std::string_view k) {
    sep();
    append_string(out_, k);
    out_ += ':';
    first_ = true;  // the value follows without a comma
    return *this;
  }
  Writer& value(std::string_view s) { sep(); append_string(out_, s); return *this; }
  Writer& value(const char* s) { return value(std::string_view(s)); }
  Writer& value(bool b) { sep(); out_ += b ? "true" : "false"; return *this; }
  Writer& value(int64_t v) { sep(); out_ += std::to_string(v); return *this; }
  Writer& value(uint64_t v) { sep(); out_ += std::to_string(v); return *this; }
  Writer& value(uint32_t v) { return value(static_cast<uint64_t>(v)); }
  Writer& value(int v) { return value(static_cast<int64_t>(v)); }
  Writer& null() { sep(); out_ += "null"; return *this; }
  Writer& raw(std::string_view s) { sep(); out_ += s; return *this; }

 private:
  void sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string out_;
  bool first_ = true;
};

}  // namespace pg::json
