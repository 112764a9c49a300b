// Container JSON parsing (see container.h). A minimal JSON reader over the text: values are
// skipped or captured as needed, with an explicit depth limit.
#include "capture/container.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>

namespace pg::capture {

namespace {

class Json {
 public:
  explicit Json(std::string_view s) : s_(s) {}

  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool eat(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  char peek() {
    ws();
    return i_ < s_.size() ? s_[i_] : '\0';
  }

  // Reads a string value (the opening quote not yet consumed).
  bool string(std::string& out) {
    out.clear();
    if (!eat('"')) return false;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) return false;
          unsigned v = 0;
          for (int k = 0; k < 4; ++k) {
            char h = s_[i_++];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f') v |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') v |= static_cast<unsigned>(h - 'A' + 10);
            else return false;
          }
          if (v < 0x80) {
            out += static_cast<char>(v);
          } else if (v < 0x800) {
            out += static_cast<char>(0xc0 | (v >> 6));
            out += static_cast<char>(0x80 | (v & 0x3f));
          } else {
            out += static_cast<char>(0xe0 | (v >> 12));
            out += static_cast<char>(0x80 | ((v >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (v & 0x3f));
          }
          break;
        }
        default: out += e; break;
      }
    }
    return false;
  }

  // Reads any scalar as text (numbers, true/false/null); strings are decoded.
  bool scalar(std::string& out) {
    char c = peek();
    if (c == '"') return string(out);
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && s_[i_] != ' ' &&
           s_[i_] != '\n' && s_[i_] != '\t' && s_[i_] != '\r')
      ++i_;
    out.assign(s_.substr(start, i_ - start));
    return !out.empty();
  }

  // Skips any value.
  bool skip(int depth) {
    if (depth > kMaxJsonDepth) return false;
    char c = peek();
    if (c == '{') {
      eat('{');
      if (eat('}')) return true;
      do {
        std::string k;
        if (!string(k) || !eat(':') || !skip(depth + 1)) return false;
      } while (eat(','));
      return eat('}');
    }
    if (c == '[') {
      eat('[');
      if (eat(']')) return true;
      do {
        if (!skip(depth + 1)) return false;
      } while (eat(','));
      return eat(']');
    }
    std::string v;
    return scalar(v);
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

bool parse_labels(Json& j, ContainerInfo& out) {
  if (j.peek() != '{') return j.skip(2);
  j.eat('{');
  if (j.eat('}')) return true;
  do {
    std::string k, v;
    if (!j.string(k) || !j.eat(':')) return false;
    if (j.peek() == '"') {
      if (!j.string(v)) return false;
      out.labels.emplace_back(std::move(k), std::move(v));
    } else if (!j.skip(3)) {
      return false;
    }
  } while (j.eat(','));
  return j.eat('}');
}

bool parse_mounts(Json& j, ContainerInfo& out) {
  if (j.peek() != '[') return j.skip(2);
  j.eat('[');
  if (j.eat(']')) return true;
  do {
    if (j.peek() != '{') {
      if (!j.skip(3)) return false;
      continue;
    }
    j.eat('{');
    ContainerMount m;
    if (!j.eat('}')) {
      do {
        std::string k, v;
        if (!j.string(k) || !j.eat(':')) return false;
        if (j.peek() == '{' || j.peek() == '[') {
          if (!j.skip(4)) return false;
          continue;
        }
        if (!j.scalar(v)) return false;
        if (k == "Source") m.source = v;
        else if (k == "Destination") m.dest = v;
        else if (k == "Mode") m.mode = v;
        else if (k == "RW") m.rdwr = v == "true";
        else if (k == "Propagation") m.propagation = v;
      } while (j.eat(','));
      if (!j.eat('}')) return false;
    }
    out.mounts.push_back(std::move(m));
  } while (j.eat(','));
  return j.eat(']');
}

}  // namespace

bool parse_container_json(std::string_view json, ContainerInfo& out) {
  out = ContainerInfo();
  Json j(json);
  if (!j.eat('{')) return false;
  bool found = false;
  if (j.eat('}')) return false;
  do {
    std::string key;
    if (!j.string(key) || !j.eat(':')) return false;
    if (key != "container" || j.peek() != '{') {
      if (!j.skip(1)) return false;
      continue;
    }
    j.eat('{');
    found = true;
    if (j.eat('}')) continue;
    do {
      std::string k;
      if (!j.string(k) || !j.eat(':')) return false;
      if (k == "labels") {
        if (!parse_labels(j, out)) return false;
        continue;
      }
      if (k == "Mounts") {
        if (!parse_mounts(j, out)) return false;
        continue;
      }
      if (j.peek() == '{' || j.peek() == '[') {
        if (!j.skip(2)) return false;
        continue;
      }
      std::string v;
      if (!j.scalar(v)) return false;
      if (k == "id") out.id = v;
      else if (k == "name") out.name = v;
      else if (k == "image") out.image = v;
      else if (k == "imagerepo") out.imagerepo = v;
      else if (k == "imagetag") out.imagetag = v;
      else if (k == "imagedigest") out.imagedigest = v;
      else if (k == "imageid") out.imageid = v;
      else if (k == "privileged") out.privileged = v == "true";
      else if (k == "type") out.type = std::atoi(v.c_str());
      else if (k == "ip") {
        in_addr a{};
        if (inet_pton(AF_INET, v.c_str(), &a) == 1) std::memcpy(&out.ip, &a, 4);
      }
    } while (j.eat(','));
    if (!j.eat('}')) return false;
  } while (j.eat(','));
  return found && j.eat('}');
}

const char* container_type_name(int type) {
  switch (type) {
    case 0: return "docker";
    case 1: return "lxc";
    case 2: return "libvirt-lxc";
    case 3: return "mesos";
    case 4: return "rkt";
    case 5: return "custom";
    case 6: return "cri";
    case 7: return "containerd";
    case 8: return "cri-o";
    case 9: return "bpm";
    case 10: return "static";
    case 11: return "podman";
    default: return "unknown";
  }
}

}  // namespace pg::capture
