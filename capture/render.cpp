// Parameter and value rendering, after sinsp_evt::get_param_as_str() and sinsp_utils (0.29.3).
#include "capture/render.h"

#include <charconv>
#include <arpa/inet.h>

#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "capture/state.h"

namespace pg::capture {

void append_u64(std::string& out, uint64_t v) {
  char b[24];
  char* e = std::to_chars(b, b + sizeof b, v).ptr;
  out.append(b, static_cast<size_t>(e - b));
}

void append_i64(std::string& out, int64_t v) {
  char b[24];
  char* e = std::to_chars(b, b + sizeof b, v).ptr;
  out.append(b, static_cast<size_t>(e - b));
}

bool is_ipv4_mapped(const uint8_t* a) {
  static constexpr uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a, prefix, 12) == 0) return true;
  for (int i = 0; i < 16; ++i)
    if (a[i] != 0) return false;
  return true;
}

namespace {


// sinsp_evt's value buffer is 256 bytes: byte buffers render at most 254 characters.
constexpr size_t kParamStorage = 256;

// sysdig's default output length for byte buffers (its snap length for printing).
constexpr uint32_t kMaxBufferOutput = 80;
// Text output shortens buffers to kMaxBufferOutput; sysdig's JSON output (-j) does not.
uint32_t g_buffer_output_limit = kMaxBufferOutput;

struct ErrnoName {
  int code;
  const char* name;
};

constexpr ErrnoName kErrnos[] = {
    {1, "EPERM"}, {2, "ENOENT"}, {3, "ESRCH"}, {4, "EINTR"}, {5, "EIO"}, {6, "ENXIO"},
    {7, "E2BIG"}, {8, "ENOEXEC"}, {9, "EBADF"}, {10, "ECHILD"}, {11, "EAGAIN"}, {12, "ENOMEM"},
    {13, "EACCES"}, {14, "EFAULT"}, {15, "ENOTBLK"}, {16, "EBUSY"}, {17, "EEXIST"},
    {18, "EXDEV"}, {19, "ENODEV"}, {20, "ENOTDIR"}, {21, "EISDIR"}, {22, "EINVAL"},
    {23, "ENFILE"}, {24, "EMFILE"}, {25, "ENOTTY"}, {26, "ETXTBSY"}, {27, "EFBIG"},
    {28, "ENOSPC"}, {29, "ESPIPE"}, {30, "EROFS"}, {31, "EMLINK"}, {32, "EPIPE"}, {33, "EDOM"},
    {34, "ERANGE"}, {35, "EDEADLK"}, {36, "ENAMETOOLONG"}, {37, "ENOLCK"}, {38, "ENOSYS"},
    {39, "ENOTEMPTY"}, {40, "ELOOP"}, {42, "ENOMSG"}, {43, "EIDRM"}, {44, "ECHRNG"},
    {45, "EL2NSYNC"}, {46, "EL3HLT"}, {47, "EL3RST"}, {48, "ELNRNG"}, {49, "EUNATCH"},
    {50, "ENOCSI"}, {51, "EL2HLT"}, {52, "EBADE"}, {53, "EBADR"}, {54, "EXFULL"},
    {55, "ENOANO"}, {56, "EBADRQC"}, {57, "EBADSLT"}, {59, "EBFONT"}, {60, "ENOSTR"},
    {61, "ENODATA"}, {62, "ETIME"}, {63, "ENOSR"}, {64, "ENONET"}, {65, "ENOPKG"},
    {66, "EREMOTE"}, {67, "ENOLINK"}, {68, "EADV"}, {69, "ESRMNT"}, {70, "ECOMM"},
    {71, "EPROTO"}, {72, "EMULTIHOP"}, {73, "EDOTDOT"}, {74, "EBADMSG"}, {75, "EOVERFLOW"},
    {76, "ENOTUNIQ"}, {77, "EBADFD"}, {78, "EREMCHG"}, {79, "ELIBACC"}, {80, "ELIBBAD"},
    {81, "ELIBSCN"}, {82, "ELIBMAX"}, {83, "ELIBEXEC"}, {84, "EILSEQ"}, {85, "ERESTART"},
    {86, "ESTRPIPE"}, {87, "EUSERS"}, {88, "ENOTSOCK"}, {89, "EDESTADDRREQ"},
    {90, "EMSGSIZE"}, {91, "EPROTOTYPE"}, {92, "ENOPROTOOPT"}, {93, "EPROTONOSUPPORT"},
    {94, "ESOCKTNOSUPPORT"}, {95, "EOPNOTSUPP"}, {96, "EPFNOSUPPORT"}, {97, "EAFNOSUPPORT"},
    {98, "EADDRINUSE"}, {99, "EADDRNOTAVAIL"}, {100, "ENETDOWN"}, {101, "ENETUNREACH"},
    {102, "ENETRESET"}, {103, "ECONNABORTED"}, {104, "ECONNRESET"}, {105, "ENOBUFS"},
    {106, "EISCONN"}, {107, "ENOTCONN"}, {108, "ESHUTDOWN"}, {109, "ETOOMANYREFS"},
    {110, "ETIMEDOUT"}, {111, "ECONNREFUSED"}, {112, "EHOSTDOWN"}, {113, "EHOSTUNREACH"},
    {114, "EALREADY"}, {115, "EINPROGRESS"}, {116, "ESTALE"}, {117, "EUCLEAN"},
    {118, "ENOTNAM"}, {119, "ENAVAIL"}, {120, "EISNAM"}, {121, "EREMOTEIO"}, {122, "EDQUOT"},
    {123, "ENOMEDIUM"}, {124, "EMEDIUMTYPE"}, {125, "ECANCELED"}, {512, "ERESTARTSYS"},
    {513, "ERESTARTNOINTR"}, {514, "ERESTARTNOHAND"}, {515, "ENOIOCTLCMD"},
    {516, "ERESTART_RESTARTBLOCK"}, {521, "EBADHANDLE"}, {522, "ENOTSYNC"},
    {523, "EBADCOOKIE"}, {524, "ENOTSUPP"}, {525, "ETOOSMALL"}, {526, "ESERVERFAULT"},
    {527, "EBADTYPE"}, {528, "EJUKEBOX"}, {529, "EIOCBQUEUED"}, {530, "EIOCBRETRY"},
};

constexpr const char* kSignals[] = {
    nullptr,   "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP", "SIGABRT",
    "SIGBUS",  "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV",   "SIGUSR2", "SIGPIPE",
    "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",
    "SIGTTIN", "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ",   "SIGVTALRM", "SIGPROF",
    "SIGWINCH", "SIGIO",  "SIGPWR",    "SIGSYS",
};

void append_fmt(std::string& out, const char* fmt, uint64_t v) {
  char b[32];
  int n = std::snprintf(b, sizeof b, fmt, v);
  out.append(b, static_cast<size_t>(n));
}

void append_ipv4_port(std::string& out, uint32_t ip, uint16_t port) {
  append_ipv4(out, ip);
  out += ':';
  append_u64(out, port);
}

void append_ipv6_port(std::string& out, const uint8_t* ip, uint16_t port) {
  append_ipv6(out, ip);
  out += ':';
  append_u64(out, port);
}

// sanitize_string(): drop unprintable characters.
void append_sanitized(std::string& out, std::string_view s) {
  for (char c : s) {
    if (is_print(c)) out += c;
  }
}

// Integer rendering by print format (PF_DEC/ID, OCT, HEX, PADDED_DEC).
void append_int(std::string& out, uint64_t bits, int width, bool is_signed, ParamFormat fmt) {
  if (fmt == ParamFormat::OCT) {
    append_fmt(out, "%#" PRIo64, width == 8 ? bits : bits & ((1ull << (width * 8)) - 1));
    return;
  }
  if (fmt == ParamFormat::HEX) {
    append_fmt(out, "%" PRIX64, width == 8 ? bits : bits & ((1ull << (width * 8)) - 1));
    return;
  }
  if (is_signed) {
    int64_t v;
    switch (width) {
      case 1: v = static_cast<int8_t>(bits); break;
      case 2: v = static_cast<int16_t>(bits); break;
      case 4: v = static_cast<int32_t>(bits); break;
      default: v = static_cast<int64_t>(bits); break;
    }
    if (fmt == ParamFormat::PADDED_DEC) {
      append_fmt(out, "%09" PRId64, static_cast<uint64_t>(v));
      return;
    }
    append_i64(out, v);
  } else {
    if (fmt == ParamFormat::PADDED_DEC) {
      append_fmt(out, "%09" PRIu64, bits);
      return;
    }
    append_u64(out, bits);
  }
}

uint64_t load_width(const uint8_t* p, uint32_t len, int width) {
  if (len < static_cast<uint32_t>(width)) {
    uint64_t v = 0;
    std::memcpy(&v, p, len);
    return v;
  }
  switch (width) {
    case 1: return p[0];
    case 2: return load_u16(p);
    case 4: return load_u32(p);
    default: return load_u64(p);
  }
}

void render_flags(std::string& resolved, uint32_t val, std::span<const FlagName> flags,
                  bool is_mode) {
  resolved.clear();
  const uint32_t initial = val;
  const char* sep = "";
  size_t k = 0;
  for (; k < flags.size() && flags[k].value != initial; ++k) {
    const FlagName& f = flags[k];
    bool hit = is_mode ? ((val & f.value) == f.value && val != 0)
                       : ((f.value == 0 && initial == 0) ||
                          (f.value != 0 && (val & f.value) == f.value && val != 0));
    if (hit) {
      resolved += sep;
      resolved.append(f.name);
      sep = "|";
      val &= ~f.value;
    }
  }
  if (k < flags.size()) {
    resolved += sep;
    resolved.append(flags[k].name);
  }
}

}  // namespace

const char* errno_name(int64_t res) {
  if (res >= 0) return "";
  int64_t code = -res;
  for (const ErrnoName& e : kErrnos) {
    if (e.code == code) return e.name;
  }
  return "";
}

const char* signal_name(uint8_t sig) {
  return sig < std::size(kSignals) ? kSignals[sig] : nullptr;
}

void append_ipv4(std::string& out, uint32_t ip) {
  char b[16];
  const uint8_t* p = reinterpret_cast<const uint8_t*>(&ip);
  char* e = b;  // on every socket event: to_chars, not snprintf
  for (int i = 0; i < 4; i++) {
    if (i) *e++ = '.';
    e = std::to_chars(e, b + sizeof b, p[i]).ptr;
  }
  out.append(b, static_cast<size_t>(e - b));
}

void append_ipv6(std::string& out, const uint8_t* ip) {
  char b[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, ip, b, sizeof b) != nullptr) {
    out += b;
  } else {
    out += "<NA>";
  }
}

std::string socket_name_from_state(const FdInfo& f) {
  std::string s;
  switch (f.type) {
    case FdType::kIpv4Sock:
      append_ipv4_port(s, f.v4_sip(), f.v4_sport());
      s += "->";
      append_ipv4_port(s, f.v4_dip(), f.v4_dport());
      break;
    case FdType::kIpv4ServSock:
      append_ipv4_port(s, f.v4s_ip(), f.v4s_port());
      break;
    case FdType::kIpv6Sock:
      append_ipv6_port(s, f.v6_sip(), f.v6_sport());
      s += "->";
      append_ipv6_port(s, f.v6_dip(), f.v6_dport());
      break;
    case FdType::kIpv6ServSock:
      append_ipv6_port(s, f.sock, f.v6s_port());
      break;
    default:
      s = f.name;
      break;
  }
  return s;
}

void param_as_str(const Event& ev, uint32_t i, State& st, std::string& val,
                  std::string& resolved, bool simple) {
  val.clear();
  resolved.clear();
  if (i >= ev.nparams || i >= ev.info->params.size()) return;
  const uint8_t* p = ev.raw + ev.param_off[i];
  uint32_t len = ev.param_len[i];
  const ParamInfo* pinfo = &ev.info->params[i];
  ParamType type = pinfo->type;
  const ParamFormat fmt = pinfo->format;
  if (type == ParamType::DYN && !pinfo->dyn.empty() && len >= 1) {
    uint8_t idx = p[0];
    if (idx < pinfo->dyn.size()) {
      type = pinfo->dyn[idx].type;
      p++;
      len--;
    }
  }
  switch (type) {
    case ParamType::INT8: append_int(val, load_width(p, len, 1), 1, true, fmt); break;
    case ParamType::INT16: append_int(val, load_width(p, len, 2), 2, true, fmt); break;
    case ParamType::INT32: append_int(val, load_width(p, len, 4), 4, true, fmt); break;
    case ParamType::INT64: append_int(val, load_width(p, len, 8), 8, true, fmt); break;
    case ParamType::L4PROTO:
    case ParamType::UINT8: append_int(val, load_width(p, len, 1), 1, false, fmt); break;
    case ParamType::PORT:
    case ParamType::UINT16: append_int(val, load_width(p, len, 2), 2, false, fmt); break;
    case ParamType::UINT32: append_int(val, load_width(p, len, 4), 4, false, fmt); break;
    case ParamType::UINT64:
    case ParamType::ABSTIME: append_int(val, load_width(p, len, 8), 8, false, fmt); break;
    case ParamType::UID:
    case ParamType::GID: {
      // The id, resolved to the user or group name from the capture's user list.
      uint32_t id = static_cast<uint32_t>(load_width(p, len, 4));
      if (id == UINT32_MAX) {
        val = "-1";
        break;
      }
      append_u64(val, id);
      if (type == ParamType::UID) {
        if (const UserEntry* u = st.user(id)) resolved = u->name;
      } else {
        if (const GroupEntry* g = st.group(id)) resolved = g->name;
      }
      break;
    }
    case ParamType::CHARBUF:
    case ParamType::FSPATH:
    case ParamType::FSRELPATH: {
      const char* s = reinterpret_cast<const char*>(p);
      const void* nul = std::memchr(s, 0, len);
      val.assign(s, nul ? static_cast<const char*>(nul) - s : len);
      // sinsp resolves relative paths: FSPATH against the thread's cwd, FSRELPATH against
      // its directory fd parameter (AT_FDCWD meaning the cwd).
      if (type == ParamType::CHARBUF || val.empty() || val[0] == '/' ||
          val.compare(0, 4, "<NA>") == 0)
        break;
      ThreadInfo* t = st.thread();
      if (t == nullptr) break;
      if (type == ParamType::FSPATH) {
        resolved = concatenate_paths(st.cwd(t), val);
      } else if (pinfo->dirfd_param >= 0) {
        int64_t dirfd = ev.param_int(static_cast<uint32_t>(pinfo->dirfd_param), -100);
        if (dirfd == -100) {
          resolved = concatenate_paths(st.cwd(t), val);
        } else if (FdInfo* f = st.find_fd(t, dirfd)) {
          resolved = concatenate_paths(f->name + "/", val);
        }
      }
      break;
    }
    case ParamType::BYTEBUF:
      // sysdig prints at most 80 bytes of a buffer: longer ones show 77 and "...".
      if (len > g_buffer_output_limit) {
        append_printable(val, std::string_view(reinterpret_cast<const char*>(p), len),
                         g_buffer_output_limit - 3);
        val += "...";
      } else {
        append_printable(val, std::string_view(reinterpret_cast<const char*>(p), len),
                         g_buffer_output_limit == kMaxBufferOutput ? kParamStorage - 2 : len);
      }
      break;
    case ParamType::SOCKADDR: {
      if (len == 0) {
        val = "NULL";
        break;
      }
      uint8_t fam = p[0];
      if (fam == 1) {
        std::string_view path(reinterpret_cast<const char*>(p + 1), len - 1);
        if (size_t nul = path.find('\0'); nul != std::string_view::npos) path = path.substr(0, nul);
        append_sanitized(val, path);
      } else if (fam == 2) {
        if (len == 1 + 4 + 2) {
          append_ipv4_port(val, load_u32(p + 1), load_u16(p + 5));
        } else {
          val = "INVALID IPv4";
        }
      } else if (fam == 10) {
        if (len == 1 + 16 + 2) {
          append_ipv6_port(val, p + 1, load_u16(p + 17));
        } else {
          val = "INVALID IPv6";
        }
      } else {
        val = "family ";
        append_i64(val, fam);
      }
      break;
    }
    case ParamType::SOCKTUPLE: {
      if (len == 0) {
        val = "NULL";
        break;
      }
      uint8_t fam = p[0];
      if (fam == 2) {
        if (len == 1 + 4 + 2 + 4 + 2) {
          append_ipv4_port(val, load_u32(p + 1), load_u16(p + 5));
          val += "->";
          append_ipv4_port(val, load_u32(p + 7), load_u16(p + 11));
        } else {
          val = "INVALID IPv4";
        }
      } else if (fam == 10) {
        if (len == 1 + 16 + 2 + 16 + 2) {
          const uint8_t* sip6 = p + 1;
          const uint8_t* dip6 = p + 19;
          if (is_ipv4_mapped(sip6) && is_ipv4_mapped(dip6)) {
            append_ipv4_port(val, load_u32(p + 13), load_u16(p + 17));
            val += "->";
            append_ipv4_port(val, load_u32(p + 31), load_u16(p + 35));
          } else {
            append_ipv6_port(val, sip6, load_u16(p + 17));
            val += "->";
            append_ipv6_port(val, dip6, load_u16(p + 35));
          }
        } else {
          val = "INVALID IPv6";
        }
      } else if (fam == 1) {
        if (len < 17) {
          val = "INVALID UNIX";
          break;
        }
        char b[48];
        int n = std::snprintf(b, sizeof b, "%" PRIx64 "->%" PRIx64 " ", load_u64(p + 1),
                              load_u64(p + 9));
        val.assign(b, static_cast<size_t>(n));
        std::string_view path(reinterpret_cast<const char*>(p + 17), len - 17);
        if (size_t nul = path.find('\0'); nul != std::string_view::npos) path = path.substr(0, nul);
        append_sanitized(val, path);
      } else {
        val = "family ";
        append_i64(val, fam);
      }
      break;
    }
    case ParamType::FD: {
      int64_t fd = static_cast<int64_t>(load_width(p, len, 8));
      append_i64(val, fd);
      ThreadInfo* t = st.thread();
      if (t == nullptr) break;
      if (fd >= 0) {
        FdInfo* f = st.find_fd(t, fd);
        if (f != nullptr) {
          resolved += '<';
          if (!simple) resolved += f->typechar();
          if (f->type == FdType::kIpv4Sock || f->type == FdType::kIpv6Sock ||
              f->type == FdType::kIpv4ServSock || f->type == FdType::kIpv6ServSock) {
            switch (f->l4proto()) {
              case kL4Tcp: resolved += 't'; break;
              case kL4Udp: resolved += 'u'; break;
              case kL4Icmp: resolved += 'i'; break;
              case kL4Raw: resolved += 'r'; break;
              default: break;
            }
          }
          resolved += '>';
          append_sanitized(resolved, f->name);
        }
      } else if (fd == -100) {
        resolved = "AT_FDCWD";
      } else {
        resolved = errno_name(fd);
      }
      break;
    }
    case ParamType::PID: {
      int64_t pid = static_cast<int64_t>(load_width(p, len, 8));
      append_i64(val, pid);
      if (ThreadInfo* t = st.find_thread(pid)) resolved = t->comm.s;
      break;
    }
    case ParamType::ERRNO: {
      int64_t v = static_cast<int64_t>(load_width(p, len, 8));
      append_i64(val, v);
      if (v < 0) resolved = errno_name(v);
      break;
    }
    case ParamType::DOUBLE: {
      double d = 0;
      if (len >= 8) std::memcpy(&d, p, 8);
      char b[64];
      int n = std::snprintf(b, sizeof b, "%lf", d);
      val.assign(b, static_cast<size_t>(n));
      break;
    }
    case ParamType::BOOL:
      val = load_width(p, len, 4) != 0 ? "true" : "false";
      break;
    case ParamType::FLAGS8:
    case ParamType::FLAGS16:
    case ParamType::FLAGS32:
    case ParamType::ENUMFLAGS8:
    case ParamType::ENUMFLAGS16:
    case ParamType::ENUMFLAGS32: {
      int w = (type == ParamType::FLAGS8 || type == ParamType::ENUMFLAGS8)     ? 1
              : (type == ParamType::FLAGS16 || type == ParamType::ENUMFLAGS16) ? 2
                                                                                : 4;
      uint32_t v = static_cast<uint32_t>(load_width(p, len, w));
      append_u64(val, v);
      render_flags(resolved, v, pinfo->flags, false);
      break;
    }
    case ParamType::MODE: {
      uint32_t v = static_cast<uint32_t>(load_width(p, len, 4));
      char b[16];
      int n = std::snprintf(b, sizeof b, "%#" PRIo32, v);
      val.assign(b, static_cast<size_t>(n));
      render_flags(resolved, v, pinfo->flags, true);
      break;
    }
    case ParamType::SIGTYPE: {
      uint8_t v = static_cast<uint8_t>(load_width(p, len, 1));
      append_u64(val, v);
      if (const char* s = signal_name(v)) resolved = s;
      break;
    }
    case ParamType::RELTIME: {
      uint64_t v = load_width(p, len, 8);
      if (v == UINT64_MAX) {
        val = "none";
      } else {
        append_u64(val, v);
        char b[64];
        int n = std::snprintf(b, sizeof b, "%lgs", static_cast<double>(v) / 1000000000);
        resolved.assign(b, static_cast<size_t>(n));
      }
      break;
    }
    case ParamType::FDLIST: {
      ThreadInfo* t = st.thread();
      if (t == nullptr || len < 2) break;
      uint16_t nfds = load_u16(p);
      uint32_t pos = 2;
      for (uint32_t j = 0; j < nfds && pos + 10 <= len; ++j) {
        int64_t fd = static_cast<int64_t>(load_u64(p + pos));
        FdInfo* f = st.find_fd(t, fd);
        char b[64];
        int n = std::snprintf(b, sizeof b, "%" PRIu64 ":%c%x%s", static_cast<uint64_t>(fd),
                              f ? f->typechar() : '?',
                              static_cast<uint32_t>(static_cast<int16_t>(load_u16(p + pos + 8))),
                              j < static_cast<uint32_t>(nfds - 1) ? " " : "");
        val.append(b, static_cast<size_t>(n));
        pos += 10;
      }
      break;
    }
    case ParamType::SYSCALLID: {
      uint16_t id = static_cast<uint16_t>(load_width(p, len, 2));
      std::string_view name = syscall_name(id);
      append_u64(val, id);
      resolved.assign(name.empty() ? std::string_view("<unknown>") : name);
      break;
    }
    case ParamType::SIGSET: {
      uint32_t v = static_cast<uint32_t>(load_width(p, len, 4));
      bool first = true;
      for (int sig = 0; sig < 32; ++sig) {
        if (v & (1u << sig)) {
          if (const char* s = signal_name(static_cast<uint8_t>(sig + 1))) {
            if (!first) val += ' ';
            val += s;
            first = false;
          }
        }
      }
      break;
    }
    case ParamType::IPV4ADDR:
      append_ipv4(val, static_cast<uint32_t>(load_width(p, len, 4)));
      break;
    case ParamType::IPV6ADDR:
      if (len >= 16) append_ipv6(val, p);
      break;
    default:
      val = "(n.a.)";
      break;
  }
}

void set_buffer_output_limit(bool full) {
  g_buffer_output_limit = full ? UINT32_MAX : kMaxBufferOutput;
}

void append_printable(std::string& out, std::string_view bytes, size_t max) {
  size_t n = bytes.size() < max ? bytes.size() : max;
  for (size_t j = 0; j < n; ++j) {
    unsigned char c = static_cast<unsigned char>(bytes[j]);
    out += std::isprint(c) ? static_cast<char>(c) : '.';
  }
}

void append_time(std::string& out, uint64_t ts, bool date, bool ns) {
  time_t secs = static_cast<time_t>(ts / 1000000000);
  struct tm tm;
  localtime_r(&secs, &tm);
  char b[64];
  int n;
  if (date) {
    n = std::snprintf(b, sizeof b, "%04d-%02d-%02d ", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday);
    out.append(b, static_cast<size_t>(n));
  }
  if (ns) {
    n = std::snprintf(b, sizeof b, "%02d:%02d:%02d.%09u", tm.tm_hour, tm.tm_min, tm.tm_sec,
                      static_cast<unsigned>(ts % 1000000000));
  } else {
    n = std::snprintf(b, sizeof b, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  out.append(b, static_cast<size_t>(n));
}

void append_time_iso8601(std::string& out, uint64_t ts) {
  time_t secs = static_cast<time_t>(ts / 1000000000);
  struct tm tm;
  localtime_r(&secs, &tm);
  char b[64];
  size_t n = std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(b, n);
  int m = std::snprintf(b, sizeof b, ".%09u", static_cast<unsigned>(ts % 1000000000));
  out.append(b, static_cast<size_t>(m));
  n = std::strftime(b, sizeof b, "%z", &tm);
  out.append(b, n);
}

}  // namespace pg::capture
