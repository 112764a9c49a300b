// Value and parameter types shared by the field catalogue, the event table, the compiler and
// the VM.
//
// ParamType mirrors the PT_* codes of the scap/PPM format (the numeric values are the format's,
// so an event parameter type read from a file can be cast directly). Field types use the same
// enum, because Falco's type rules (`flt_is_comparable`) and messages ("field 'A' has type
// 'UINT64' ...") are phrased in these names. TypeFamily groups them the way the checker and the
// VM need: which operators apply, and how a constant is parsed.
#pragma once

#include <cstdint>
#include <string_view>

namespace pg {

// X-macro of parameter types: PT(name, code). Codes are the scap format's.
#define PG_PARAM_TYPES(PT)                                                                  \
  PT(NONE, 0) PT(INT8, 1) PT(INT16, 2) PT(INT32, 3) PT(INT64, 4) PT(UINT8, 5) PT(UINT16, 6) \
  PT(UINT32, 7) PT(UINT64, 8) PT(CHARBUF, 9) PT(BYTEBUF, 10) PT(ERRNO, 11) PT(SOCKADDR, 12) \
  PT(SOCKTUPLE, 13) PT(FD, 14) PT(PID, 15) PT(FDLIST, 16) PT(FSPATH, 17) PT(SYSCALLID, 18)  \
  PT(SIGTYPE, 19) PT(RELTIME, 20) PT(ABSTIME, 21) PT(PORT, 22) PT(L4PROTO, 23)              \
  PT(SOCKFAMILY, 24) PT(BOOL, 25) PT(IPV4ADDR, 26) PT(DYN, 27) PT(FLAGS8, 28)               \
  PT(FLAGS16, 29) PT(FLAGS32, 30) PT(UID, 31) PT(GID, 32) PT(DOUBLE, 33) PT(SIGSET, 34)     \
  PT(CHARBUFARRAY, 35) PT(CHARBUF_PAIR_ARRAY, 36) PT(IPV4NET, 37) PT(IPV6ADDR, 38)          \
  PT(IPV6NET, 39) PT(IPADDR, 40) PT(IPNET, 41) PT(MODE, 42) PT(FSRELPATH, 43)               \
  PT(ENUMFLAGS8, 44) PT(ENUMFLAGS16, 45) PT(ENUMFLAGS32, 46)

enum class ParamType : uint8_t {
#define PG_PT_ENUM(name, code) name = code,
  PG_PARAM_TYPES(PG_PT_ENUM)
#undef PG_PT_ENUM
};

// Rendering hints of numeric parameters (PF_* of the scap format).
enum class ParamFormat : uint8_t { NA = 0, DEC = 1, HEX = 2, PADDED_DEC = 3, ID = 4, DIR = 5, OCT = 6 };

// Upper-case name of a type as Falco prints it ("UINT64", "CHARBUF").
std::string_view param_type_name(ParamType t);

// How a value of a type behaves in comparisons.
enum class TypeFamily : uint8_t {
  kNone,     // not comparable (PT_NONE, dynamic)
  kNumeric,  // signed/unsigned integers, times, ports, fds, pids, errno, modes, flags, double
  kBool,
  kString,   // CHARBUF, FSPATH, FSRELPATH
  kBytes,    // BYTEBUF
  kIpAddr,   // IPV4ADDR, IPV6ADDR, IPADDR
  kIpNet,    // IPV4NET, IPV6NET, IPNET
  kOther,    // sockaddr/socktuple/fdlist/...: never a field type
};

TypeFamily type_family(ParamType t);

// True for the signed integer types (their constants are parsed as int64).
bool is_signed_type(ParamType t);

}  // namespace pg
