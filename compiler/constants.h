// Constants on the right-hand side of a check, parsed by the left-hand side's type as libsinsp
// does it (LANGUAGE.md 2.4, "RHS constant parsing by LHS type"). Used by the checker (which
// reports the errors) and by lowering (which stores the values).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vm/types.h"

namespace pg {

struct IpValue {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // v4 uses the first 4, network order
};

struct IpNetValue {
  IpValue addr;      // masked network address
  uint8_t prefix = 0;
};

struct Const {
  enum class Kind : uint8_t { kSigned, kUnsigned, kBool, kString, kBytes, kIp, kNet };
  Kind kind = Kind::kString;
  int64_t s = 0;
  uint64_t u = 0;
  bool b = false;
  std::string str;  // kString / kBytes
  IpValue ip;
  IpNetValue net;
};

// Parses `text` as a constant of type `t`. For the byte operators (bcontains, bstartswith)
// pass hex_bytes: the text must be an even-length hex string and decodes to bytes. On error
// returns nullopt with libsinsp's message in `err`.
std::optional<Const> parse_const(ParamType t, std::string_view text, bool hex_bytes,
                                 std::string* err);

// sscanf("%" PRIu64 "%c")-style parsing: whole text, optional leading blanks and sign.
std::optional<uint64_t> parse_u64_falco(std::string_view s);
std::optional<int64_t> parse_s64_falco(std::string_view s);

// Parses an IPv4/IPv6 address (v4 when the text has a '.').
std::optional<IpValue> parse_ip(std::string_view s);
// Parses a CIDR network a.b.c.d/n or v6/n.
std::optional<IpNetValue> parse_ipnet(std::string_view s);

}  // namespace pg
