#include "vm/types.h"

namespace pg {

std::string_view param_type_name(ParamType t) {
  switch (t) {
#define PG_PT_NAME(name, code) \
  case ParamType::name:        \
    return #name;
    PG_PARAM_TYPES(PG_PT_NAME)
#undef PG_PT_NAME
  }
  return "UNKNOWN";
}

TypeFamily type_family(ParamType t) {
  switch (t) {
    case ParamType::INT8: case ParamType::INT16: case ParamType::INT32: case ParamType::INT64:
    case ParamType::UINT8: case ParamType::UINT16: case ParamType::UINT32: case ParamType::UINT64:
    case ParamType::ERRNO: case ParamType::FD: case ParamType::PID: case ParamType::SYSCALLID:
    case ParamType::SIGTYPE: case ParamType::RELTIME: case ParamType::ABSTIME: case ParamType::PORT:
    case ParamType::L4PROTO: case ParamType::SOCKFAMILY: case ParamType::FLAGS8:
    case ParamType::FLAGS16: case ParamType::FLAGS32: case ParamType::UID: case ParamType::GID:
    case ParamType::DOUBLE: case ParamType::SIGSET: case ParamType::MODE:
    case ParamType::ENUMFLAGS8: case ParamType::ENUMFLAGS16: case ParamType::ENUMFLAGS32:
      return TypeFamily::kNumeric;
    case ParamType::BOOL:
      return TypeFamily::kBool;
    case ParamType::CHARBUF: case ParamType::FSPATH: case ParamType::FSRELPATH:
      return TypeFamily::kString;
    case ParamType::BYTEBUF:
      return TypeFamily::kBytes;
    case ParamType::IPV4ADDR: case ParamType::IPV6ADDR: case ParamType::IPADDR:
      return TypeFamily::kIpAddr;
    case ParamType::IPV4NET: case ParamType::IPV6NET: case ParamType::IPNET:
      return TypeFamily::kIpNet;
    case ParamType::NONE: case ParamType::DYN:
      return TypeFamily::kNone;
    default:
      return TypeFamily::kOther;
  }
}

bool is_signed_type(ParamType t) {
  switch (t) {
    case ParamType::INT8: case ParamType::INT16: case ParamType::INT32: case ParamType::INT64:
    case ParamType::ERRNO: case ParamType::FD: case ParamType::PID: case ParamType::DOUBLE:
      return true;
    default:
      return false;
  }
}

}  // namespace pg
