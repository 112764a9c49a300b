#include "capture/alerts.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <map>

#include "capture/render.h"
#include "compiler/json.h"

namespace pg::capture {

const char* priority_long_name(uint8_t p) {
  static const char* kNames[] = {"Emergency", "Alert",  "Critical",      "Error",
                                 "Warning",   "Notice", "Informational", "Debug"};
  return p < 8 ? kNames[p] : "Debug";
}

std::string default_hostname() {
  if (const char* h = std::getenv("FALCO_HOSTNAME"); h && *h) return h;
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) == 0) return buf;
  return "localhost";
}

namespace {

// Applies output transformers to a rendered value (innermost first).
std::string apply_xforms(std::string v, const std::vector<ast::Xform>& xs, bool& missing) {
  for (size_t i = xs.size(); i-- > 0;) {
    switch (xs[i]) {
      case ast::Xform::kToLower:
        for (char& c : v) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
        break;
      case ast::Xform::kToUpper:
        for (char& c : v) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
        break;
      case ast::Xform::kBasename: {
        size_t s = v.rfind('/');
        if (s != std::string::npos) v = v.substr(s + 1);
        break;
      }
      case ast::Xform::kLen:
        v = std::to_string(v.size());
        break;
      case ast::Xform::kB64: {
        static const std::string kAlpha =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::string out;
        uint32_t acc = 0;
        int bits = 0;
        for (char c : v) {
          if (c == '=') break;
          size_t d = kAlpha.find(c);
          if (d == std::string::npos) {
            missing = true;
            return "";
          }
          acc = (acc << 6) | static_cast<uint32_t>(d);
          bits += 6;
          if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
          }
        }
        v = out;
        break;
      }
      default:
        break;
    }
  }
  return v;
}

// The JSON-escaped text without the surrounding quotes.
std::string escaped(std::string_view s) {
  std::string q;
  json::append_string(q, s);
  return q.substr(1, q.size() - 2);
}

}  // namespace

AlertFormatter::AlertFormatter(const vm::Program& program, AlertOptions opts)
    : program_(program), opts_(std::move(opts)) {
  if (opts_.hostname.empty()) opts_.hostname = default_hostname();
  formats_.resize(program.rules.size());
  for (size_t i = 0; i < program.rules.size(); i++) {
    std::string out = program.rules[i].output;
    // Suggested fields are appended only when the output does not print them already.
    if (opts_.suggested_fields) {
      if (out.find("%container.id") == std::string::npos) out += " container_id=%container.id";
      if (out.find("%container.name") == std::string::npos)
        out += " container_name=%container.name";
    }
    formats_[i].raw = out;
    FormatError err;
    std::optional<Format> f = parse_format(out, &err, nullptr, true);
    if (f) {
      formats_[i].ok = true;
      formats_[i].fmt = std::move(*f);
    }
  }
}

std::string AlertFormatter::render_token(const FormatToken& t, FieldExtractor& fx, bool& missing) {
  FieldArgs args;
  args.index = t.field.index;
  if (t.field.has_arg && t.field.index < 0) args.key = t.field.arg;
  std::string v;
  if (!fx.render(t.field.info->id, args, v)) {
    missing = true;
    return "";
  }
  if (!t.xforms.empty()) v = apply_xforms(std::move(v), t.xforms, missing);
  return v;
}

void AlertFormatter::json_value(const FormatToken& t, FieldExtractor& fx, std::string& out) {
  FieldArgs args;
  args.index = t.field.index;
  if (t.field.has_arg && t.field.index < 0) args.key = t.field.arg;
  FieldValue v;
  if (!fx.extract(t.field.info->id, args, v)) {
    out += "null";
    return;
  }
  switch (v.kind) {
    case FieldValue::Kind::kInt:
      out += std::to_string(v.i);
      return;
    case FieldValue::Kind::kUInt:
      out += std::to_string(v.u);
      return;
    case FieldValue::Kind::kBool:
      out += v.b ? "true" : "false";
      return;
    default: {
      std::string s;
      if (!fx.render(t.field.info->id, args, s)) {
        out += "null";
        return;
      }
      json::append_string(out, s);
      return;
    }
  }
}

void AlertFormatter::format(uint32_t rule, FieldExtractor& fx, Alert& a) {
  const vm::RuleEntry& r = program_.rules[rule];
  const Event* ev = fx.event();
  a.rule = rule;
  a.priority = r.priority;
  a.ts = ev ? ev->ts : 0;
  const RuleFormat& rf = formats_[rule];
  // The message: output with fields rendered, <NA> for missing ones.
  std::string msg;
  if (!rf.ok) {
    msg = rf.raw;
  } else {
    for (const FormatToken& t : rf.fmt.tokens) {
      if (!t.is_field) {
        msg += t.literal;
        continue;
      }
      bool missing = false;
      std::string v = render_token(t, fx, missing);
      if (missing) v = "<NA>";
      if (t.width > 0) {
        if (v.size() > t.width) v.resize(t.width);
        else v.append(t.width - v.size(), ' ');
      }
      msg += v;
    }
  }
  std::string prefix;
  if (opts_.time_iso8601) append_time_iso8601(prefix, a.ts);
  else append_time(prefix, a.ts, false, true);
  std::string text = prefix + ": " + priority_long_name(r.priority) + " " + msg;
  if (!opts_.json) {
    a.line = escaped(text);
    return;
  }
  // ISO 8601 UTC time with nanoseconds.
  char tbuf[64];
  time_t secs = static_cast<time_t>(a.ts / 1000000000ull);
  struct tm tmv;
  gmtime_r(&secs, &tmv);
  size_t n = strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tmv);
  std::snprintf(tbuf + n, sizeof tbuf - n, ".%09lluZ",
                static_cast<unsigned long long>(a.ts % 1000000000ull));
  // output_fields, sorted by token name; evt.time first by name order.
  std::map<std::string, std::string> fields;
  fields["evt.time"] = std::to_string(a.ts);
  if (rf.ok) {
    for (const FormatToken& t : rf.fmt.tokens) {
      if (!t.is_field) continue;
      std::string key = t.xforms.empty() ? t.name : std::string(t.field.info->name);
      if (!t.xforms.empty() && t.field.has_arg) key += "[" + t.field.arg + "]";
      std::string val;
      json_value(t, fx, val);
      fields[key] = val;
    }
  }
  std::string& o = a.line;
  o.clear();
  o += "{\"hostname\":";
  json::append_string(o, opts_.hostname);
  o += ",\"output\":";
  json::append_string(o, text);
  o += ",\"output_fields\":{";
  bool first = true;
  for (const auto& [k, v] : fields) {
    if (!first) o += ",";
    first = false;
    json::append_string(o, k);
    o += ":";
    o += v;
  }
  o += "},\"priority\":";
  json::append_string(o, priority_long_name(r.priority));
  o += ",\"rule\":";
  json::append_string(o, r.name);
  o += ",\"source\":";
  json::append_string(o, r.source);
  o += ",\"tags\":[";
  std::vector<std::string> tags = r.tags;
  std::sort(tags.begin(), tags.end());
  for (size_t i = 0; i < tags.size(); i++) {
    if (i) o += ",";
    json::append_string(o, tags[i]);
  }
  o += "],\"time\":";
  json::append_string(o, tbuf);
  o += "}";
}

void format_drop_alert(const AlertOptions& opts, uint64_t ts, uint64_t n_drops,
                       uint64_t n_evts, std::string& text, std::string& json_line) {
  std::string msg = "Falco internal: syscall event drop. " + std::to_string(n_drops) +
                    " system calls dropped in last second.";
  std::string prefix;
  if (opts.time_iso8601) append_time_iso8601(prefix, ts);
  else append_time(prefix, ts, false, true);
  text = prefix + ": Debug " + msg;
  char tbuf[64];
  time_t secs = static_cast<time_t>(ts / 1000000000ull);
  struct tm tmv;
  gmtime_r(&secs, &tmv);
  size_t n = strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tmv);
  std::snprintf(tbuf + n, sizeof tbuf - n, ".%09lluZ",
                static_cast<unsigned long long>(ts % 1000000000ull));
  std::string& o = json_line;
  o = "{\"hostname\":";
  json::append_string(o, opts.hostname);
  o += ",\"output\":";
  json::append_string(o, msg);
  o += ",\"output_fields\":{\"ebpf_enabled\":\"1\",\"n_drops\":\"" + std::to_string(n_drops) +
       "\",\"n_evts\":\"" + std::to_string(n_evts) + "\"}";
  o += ",\"priority\":\"Debug\",\"rule\":\"Falco internal: syscall event drop\"";
  o += ",\"source\":\"syscall\",\"tags\":[],\"time\":";
  json::append_string(o, tbuf);
  o += "}";
}

}  // namespace pg::capture
