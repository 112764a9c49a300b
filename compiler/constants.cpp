#include "compiler/constants.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cctype>
#include <cstring>

namespace pg {
namespace {

size_t skip_blanks(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) i++;
  return i;
}

}  // namespace

std::optional<uint64_t> parse_u64_falco(std::string_view s) {
  // strtoull semantics: leading blanks, optional sign ('-' wraps around), decimal digits, and
  // nothing after them.
  size_t i = skip_blanks(s);
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  uint64_t v = 0;
  bool overflow = false;
  for (; i < s.size(); i++) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) overflow = true;
    v = v * 10 + d;
  }
  if (overflow) v = UINT64_MAX;
  return neg ? ~v + 1 : v;
}

std::optional<int64_t> parse_s64_falco(std::string_view s) {
  size_t i = skip_blanks(s);
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  uint64_t v = 0;
  for (; i < s.size(); i++) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (static_cast<uint64_t>(INT64_MAX) + 1 - d) / 10) {
      v = static_cast<uint64_t>(INT64_MAX) + (neg ? 1 : 0);  // strtoll saturates
      for (; i < s.size(); i++)
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
      break;
    }
    v = v * 10 + d;
  }
  if (!neg && v > static_cast<uint64_t>(INT64_MAX)) v = INT64_MAX;
  return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

std::optional<IpValue> parse_ip(std::string_view s) {
  std::string str(s);
  IpValue ip;
  if (str.find('.') != std::string::npos) {
    in_addr a;
    if (inet_pton(AF_INET, str.c_str(), &a) != 1) return std::nullopt;
    std::memcpy(ip.bytes.data(), &a, 4);
    return ip;
  }
  in6_addr a;
  if (inet_pton(AF_INET6, str.c_str(), &a) != 1) return std::nullopt;
  ip.v6 = true;
  std::memcpy(ip.bytes.data(), &a, 16);
  return ip;
}

std::optional<IpNetValue> parse_ipnet(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::optional<IpValue> addr = parse_ip(s.substr(0, slash));
  if (!addr) return std::nullopt;
  std::optional<uint64_t> bits = parse_u64_falco(s.substr(slash + 1));
  uint64_t max = addr->v6 ? 128 : 32;
  if (!bits || *bits > max || s.substr(slash + 1).find_first_not_of("0123456789") !=
                                  std::string_view::npos)
    return std::nullopt;
  IpNetValue net;
  net.addr = *addr;
  net.prefix = static_cast<uint8_t>(*bits);
  size_t nbytes = addr->v6 ? 16 : 4;
  for (size_t i = 0; i < nbytes; i++) {
    int keep = static_cast<int>(*bits) - static_cast<int>(i * 8);
    uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    net.addr.bytes[i] &= mask;
  }
  return net;
}

std::optional<Const> parse_const(ParamType t, std::string_view text, bool hex_bytes,
                                 std::string* err) {
  Const c;
  std::string txt(text);
  if (hex_bytes) {
    if (text.size() % 2 != 0 || text.empty() ||
        text.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
      *err = "bcontains and bstartswith operator support hex strings only";
      return std::nullopt;
    }
    c.kind = Const::Kind::kBytes;
    for (size_t i = 0; i < text.size(); i += 2)
      c.str.push_back(static_cast<char>(std::stoi(txt.substr(i, 2), nullptr, 16)));
    return c;
  }
  switch (type_family(t)) {
    case TypeFamily::kNumeric: {
      if (t == ParamType::PORT) {
        // Digits, or a service name resolved through the services database (host dependent).
        if (std::optional<uint64_t> v = parse_u64_falco(text)) {
          c.kind = Const::Kind::kUnsigned;
          c.u = *v & 0xffff;
          return c;
        }
        if (servent* se = getservbyname(txt.c_str(), nullptr)) {
          c.kind = Const::Kind::kUnsigned;
          c.u = ntohs(static_cast<uint16_t>(se->s_port));
          return c;
        }
        *err = txt + " is not a valid number";
        return std::nullopt;
      }
      if (is_signed_type(t)) {
        std::optional<int64_t> v = parse_s64_falco(text);
        if (!v) {
          *err = txt + " is not a valid number";
          return std::nullopt;
        }
        c.kind = Const::Kind::kSigned;
        switch (t) {
          case ParamType::INT8: c.s = static_cast<int8_t>(*v); break;
          case ParamType::INT16: c.s = static_cast<int16_t>(*v); break;
          case ParamType::INT32: case ParamType::DOUBLE: c.s = static_cast<int32_t>(*v); break;
          default: c.s = *v; break;
        }
        return c;
      }
      std::optional<uint64_t> v = parse_u64_falco(text);
      if (!v) {
        *err = txt + " is not a valid number";
        return std::nullopt;
      }
      c.kind = Const::Kind::kUnsigned;
      switch (t) {
        case ParamType::UINT8: case ParamType::FLAGS8: case ParamType::SIGTYPE:
        case ParamType::L4PROTO: case ParamType::SOCKFAMILY: case ParamType::ENUMFLAGS8:
          c.u = static_cast<uint8_t>(*v); break;
        case ParamType::UINT16: case ParamType::FLAGS16: case ParamType::SYSCALLID:
        case ParamType::ENUMFLAGS16:
          c.u = static_cast<uint16_t>(*v); break;
        case ParamType::UINT32: case ParamType::FLAGS32: case ParamType::UID:
        case ParamType::GID: case ParamType::MODE: case ParamType::SIGSET:
        case ParamType::ENUMFLAGS32:
          c.u = static_cast<uint32_t>(*v); break;
        default: c.u = *v; break;
      }
      return c;
    }
    case TypeFamily::kBool:
      if (text == "true" || text == "false") {
        c.kind = Const::Kind::kBool;
        c.b = text == "true";
        return c;
      }
      *err = "unrecognized boolean value " + txt;
      return std::nullopt;
    case TypeFamily::kIpAddr: {
      std::optional<IpValue> ip = parse_ip(text);
      if (!ip || (t == ParamType::IPV4ADDR && ip->v6) || (t == ParamType::IPV6ADDR && !ip->v6)) {
        *err = "unrecognized IP address " + txt;
        return std::nullopt;
      }
      c.kind = Const::Kind::kIp;
      c.ip = *ip;
      return c;
    }
    case TypeFamily::kIpNet: {
      std::optional<IpNetValue> net = parse_ipnet(text);
      if (!net || (t == ParamType::IPV4NET && net->addr.v6) ||
          (t == ParamType::IPV6NET && !net->addr.v6)) {
        *err = "unrecognized IP network " + txt;
        return std::nullopt;
      }
      c.kind = Const::Kind::kNet;
      c.net = *net;
      return c;
    }
    case TypeFamily::kBytes:
      c.kind = Const::Kind::kBytes;
      c.str = txt;
      return c;
    default:
      c.kind = Const::Kind::kString;
      c.str = txt;
      return c;
  }
}

}  // namespace pg
