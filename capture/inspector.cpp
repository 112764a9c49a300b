// Inspector and Formatter (see inspector.h).
#include "capture/inspector.h"

#include <cctype>

#include "capture/event_codes.h"

namespace pg::capture {

Inspector::Inspector(StateOptions opts) : state_(opts), fields_(state_) {}

bool Inspector::open(const std::string& path) {
  if (!reader_.open(path)) return false;
  after_open();
  return true;
}

bool Inspector::open_memory(std::span<const uint8_t> data) {
  if (!reader_.open_memory(data)) return false;
  after_open();
  return true;
}

void Inspector::after_open() {
  meta_gen_ = reader_.metadata_generation();
  state_.load_metadata(reader_.metadata());
  first_ = true;
}

ReadStatus Inspector::next() {
  ReadStatus s = reader_.next(ev_);
  if (s != ReadStatus::kOk) return s;
  if (reader_.metadata_generation() != meta_gen_) {
    meta_gen_ = reader_.metadata_generation();
    state_.load_metadata(reader_.metadata());
  }
  // evt.reltime counts from the first event that is not container metadata (sysdig writes
  // those at the front of captures with their own times).
  if (first_ && ev_.type != ev::kContainerJsonE && ev_.type != ev::kContainerJson2E &&
      ev_.type != ev::kContainerE) {
    fields_.set_first_ts(ev_.ts);
    first_ = false;
  }
  state_.process(ev_);
  fields_.set_event(&ev_);
  return s;
}

bool Inspector::displayable() const {
  if (ev_.info == nullptr) return false;
  if (ev_.info->category & EC_INTERNAL) return false;
  if (ev_.dump_flags & kDumpStateOnly) return false;
  // sysdig 0.29.3 consumes container metadata events without printing them.
  if (ev_.type == ev::kContainerJsonE || ev_.type == ev::kContainerJson2E ||
      ev_.type == ev::kContainerE)
    return false;
  return true;
}

bool Formatter::parse(std::string_view fmt, std::string* err) {
  tokens_.clear();
  print_missing_ = false;
  if (!fmt.empty() && fmt[0] == '*') {
    print_missing_ = true;
    fmt.remove_prefix(1);
  }
  Token cur;
  size_t i = 0;
  while (i < fmt.size()) {
    char c = fmt[i];
    if (c != '%') {
      cur.literal += c;
      ++i;
      continue;
    }
    if (i + 1 >= fmt.size()) {
      if (err) *err = "invalid formatting syntax: formatting cannot end with a %";
      return false;
    }
    ++i;
    int width = 0;
    while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) {
      width = width * 10 + (fmt[i] - '0');
      if (width > 100000) width = 100000;
      ++i;
    }
    size_t start = i;
    while (i < fmt.size() &&
           (std::isalnum(static_cast<unsigned char>(fmt[i])) || fmt[i] == '_' || fmt[i] == '.'))
      ++i;
    std::string name(fmt.substr(start, i - start));
    std::string bracket;
    bool has_bracket = false;
    if (i < fmt.size() && fmt[i] == '[') {
      size_t close = fmt.find(']', i);
      if (close != std::string_view::npos) {
        bracket.assign(fmt.substr(i + 1, close - i - 1));
        has_bracket = true;
      }
    }
    // Longest catalogue field that the token starts with.
    FieldLookup found;
    std::string try_name = name;
    for (;;) {
      found = lookup_field(try_name, has_bracket && try_name == name ? &bracket : nullptr);
      if (found.ref) break;
      size_t dot = try_name.rfind('.');
      if (dot == std::string::npos) break;
      try_name.resize(dot);
    }
    if (!found.ref) {
      if (err) *err = "invalid formatting token " + std::string(fmt.substr(start));
      return false;
    }
    i = start + try_name.size();
    if (has_bracket && try_name == name) i = fmt.find(']', i) + 1;
    cur.has_field = true;
    cur.id = found.ref->info->id;
    cur.index = found.ref->index;
    cur.key = found.ref->has_arg ? found.ref->arg : std::string();
    cur.width = width;
    tokens_.push_back(std::move(cur));
    cur = Token();
  }
  if (!cur.literal.empty()) tokens_.push_back(std::move(cur));
  return true;
}

bool Formatter::format(FieldExtractor& fx, std::string& out) const {
  for (const Token& t : tokens_) {
    out += t.literal;
    if (!t.has_field) continue;
    FieldArgs args;
    args.index = t.index;
    args.key = t.key;
    size_t at = out.size();
    if (!fx.render(t.id, args, out)) {
      if (!print_missing_) return false;
      out += "<NA>";
    }
    if (t.width > 0) out.resize(at + static_cast<size_t>(t.width), ' ');
  }
  return true;
}

}  // namespace pg::capture
