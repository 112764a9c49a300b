// Field extraction and sysdig-compatible rendering (see fields.h).
//
// Layout: extract() dispatches on the field class (evt, proc/thread, user/group, fd, fs.path,
// container); each class function mirrors the matching libsinsp 0.29.3 filter check. Comments
// name the sinsp behaviour being reproduced where it is surprising.
#include "capture/fields.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "capture/event_codes.h"
#include "capture/render.h"

namespace pg::capture {

namespace {


using K = FieldValue::Kind;

FieldValue str_value(std::string_view s, uint32_t id = kNoStrId) { return FieldValue::str(s, id); }

FieldValue ip4_value(uint32_t ip) {
  FieldValue v;
  v.kind = K::kIp;
  v.ip_v6 = false;
  std::memcpy(v.ip.data(), &ip, 4);
  return v;
}

FieldValue ip6_value(const uint8_t* ip) {
  FieldValue v;
  v.kind = K::kIp;
  v.ip_v6 = true;
  std::memcpy(v.ip.data(), ip, 16);
  return v;
}

bool is_io_category(uint16_t cat) { return (cat & 32) != 0; }  // EC_IO_BASE

// Last byte of a "res" or "fd" first parameter, as sinsp's evt.res/rawres/failed find it.
bool result_param(const Event& ev, int64_t& out) {
  int i = ev.param_index("res");
  if (i >= 0) {
    if (static_cast<uint32_t>(i) >= ev.nparams || ev.param_len[i] != 8) return false;
    out = static_cast<int64_t>(load_u64(ev.raw + ev.param_off[i]));
    return true;
  }
  if ((ev.info->flags & EF_CREATES_FD) && ev.info->is_exit) {
    int j = ev.param_index("fd");
    if (j >= 0 && static_cast<uint32_t>(j) < ev.nparams && ev.param_len[j] == 8) {
      out = static_cast<int64_t>(load_u64(ev.raw + ev.param_off[j]));
      return true;
    }
  }
  return false;
}

constexpr uint16_t kSyscallCategories[] = {
#include "capture/syscall_categories.inc"
};

const char* category_name(const Event& ev, const FdInfo* fd) {
  uint16_t cat = ev.info->category;
  if (ev.type == ev::kGenericE || ev.type == ev::kGenericX) {
    // Generic events take the category of their syscall.
    uint64_t id = ev.param_uint(0, 0);
    cat = id < std::size(kSyscallCategories) ? kSyscallCategories[id] : 0;
  }
  switch (cat) {
    case EC_UNKNOWN: return "unknown";
    case EC_OTHER: return "other";
    case EC_FILE: return "file";
    case EC_NET: return "net";
    case EC_IPC: return "IPC";
    case EC_MEMORY: return "memory";
    case EC_PROCESS: return "process";
    case EC_SLEEP: return "sleep";
    case EC_SYSTEM: return "system";
    case EC_SIGNAL: return "signal";
    case EC_USER: return "user";
    case EC_TIME: return "time";
    case EC_PROCESSING: return "processing";
    case EC_IO_READ: case EC_IO_WRITE: case EC_IO_OTHER:
      if (fd == nullptr) return "unknown";
      switch (fd->type) {
        case FdType::kFile: case FdType::kFileV2: case FdType::kDirectory: return "file";
        case FdType::kIpv4Sock: case FdType::kIpv6Sock: case FdType::kIpv4ServSock:
        case FdType::kIpv6ServSock: return "net";
        case FdType::kFifo: case FdType::kUnixSock: case FdType::kEvent:
        case FdType::kSignalfd: case FdType::kInotify: return "ipc";
        case FdType::kUnsupported: case FdType::kEventpoll: case FdType::kNetlink:
        case FdType::kUnknown: return "other";
        default: return "unknown";
      }
    case EC_WAIT: return "wait";
    case EC_SCHEDULER: return "scheduler";
    default: return "internal";
  }
}

// Directory part of a file name, sinsp style ("/" when there is none).
void dirname_sinsp(std::string& s) {
  size_t pos = s.rfind('/');
  if (pos != std::string::npos && pos != 0) {
    if (pos < s.size() - 1) s.resize(pos);
  } else {
    s = "/";
  }
}

// sinsp format_time(): a duration the way sysdig's "human" fields print it.
void format_duration(std::string& out, uint64_t val) {
  constexpr uint64_t kS = 1000000000;
  char b[64];
  int n;
  if (val >= 3600 * kS) {
    n = std::snprintf(b, sizeof b, "%.2u:%.2u:%.2u", static_cast<unsigned>(val / (3600 * kS)),
                      static_cast<unsigned>((val / (60 * kS)) % 60),
                      static_cast<unsigned>((val / kS) % 60));
  } else if (val >= 60 * kS) {
    n = std::snprintf(b, sizeof b, "%.2u:%.2u", static_cast<unsigned>(val / (60 * kS)),
                      static_cast<unsigned>((val / kS) % 60));
  } else if (val >= kS) {
    n = std::snprintf(b, sizeof b, "%u.%02us", static_cast<unsigned>(val / kS),
                      static_cast<unsigned>((val % kS) / 10000000));
  } else if (val >= kS / 100) {
    n = std::snprintf(b, sizeof b, "%ums", static_cast<unsigned>(val / (kS / 1000)));
  } else if (val >= kS / 1000) {
    n = std::snprintf(b, sizeof b, "%u.%02ums", static_cast<unsigned>(val / (kS / 1000)),
                      static_cast<unsigned>(val % 1000000 / 10000));
  } else if (val >= kS / 100000) {
    n = std::snprintf(b, sizeof b, "%uus", static_cast<unsigned>(val / (kS / 1000000)));
  } else if (val >= kS / 1000000) {
    n = std::snprintf(b, sizeof b, "%u.%02uus", static_cast<unsigned>(val / (kS / 1000000)),
                      static_cast<unsigned>(val % 1000 / 10));
  } else {
    n = std::snprintf(b, sizeof b, "%uns", static_cast<unsigned>(val));
  }
  out.assign(b, static_cast<size_t>(n));
}

bool printable(std::string_view s) {
  for (char c : s) {
    if (!is_print(c)) return false;
  }
  return true;
}

void sanitize(std::string& s) {
  std::erase_if(s, [](char c) { return !is_print(c); });
}

}  // namespace

FieldExtractor::FieldExtractor(State& state) : st_(state) {}

void FieldExtractor::set_event(const Event* ev) {
  ev_ = ev;
  scratch_used_ = 0;
  lists_used_ = 0;
}

std::vector<std::string_view>& FieldExtractor::list_scratch() {
  if (lists_used_ == lists_.size())
    lists_.push_back(std::make_unique<std::vector<std::string_view>>());
  auto& l = *lists_[lists_used_++];
  l.clear();
  return l;
}

uint16_t FieldExtractor::index_code() {
  if (ev_ == nullptr) return 0;
  if (ev_->type != ev::kGenericE && ev_->type != ev::kGenericX) return ev_->type;
  uint64_t sc = ev_->param_uint(0, 0);
  if (sc >= syscall_code_count() || syscall_name(static_cast<uint16_t>(sc)).empty())
    return ev_->type;
  return generic_index_code(static_cast<uint16_t>(sc));
}

std::string& FieldExtractor::scratch() {
  if (scratch_used_ == scratch_.size()) scratch_.push_back(std::make_unique<std::string>());
  std::string& s = *scratch_[scratch_used_++];
  s.clear();
  return s;
}

const Event* FieldExtractor::enter_for_current() { return st_.enter_event(*ev_); }

bool FieldExtractor::arg_by_index(uint32_t i, std::string& out) {
  if (i >= ev_->info->params.size()) return false;
  if (i >= ev_->nparams) return false;
  param_as_str(*ev_, i, st_, val_, res_);
  out = res_.empty() ? val_ : res_;
  return true;
}

bool FieldExtractor::arg_by_name(std::string_view name, std::string& out) {
  int i = ev_->param_index(name);
  if (i < 0) return false;
  return arg_by_index(static_cast<uint32_t>(i), out);
}

bool FieldExtractor::extract(FieldId field, const FieldArgs& args, FieldValue& out) {
  if (ev_ == nullptr) return false;
  const auto id = static_cast<uint16_t>(field);
  if (id < static_cast<uint16_t>(FieldId::PROC_EXE)) return extract_evt(field, args, out);
  if (id < static_cast<uint16_t>(FieldId::USER_UID)) return extract_thread(field, args, out);
  if (id < static_cast<uint16_t>(FieldId::FD_NUM)) return extract_user_group(field, out);
  if (id < static_cast<uint16_t>(FieldId::FS_PATH_NAME)) return extract_fd(field, out);
  if (id < static_cast<uint16_t>(FieldId::FDLIST_NUMS)) return extract_fspath(field, out);
  switch (field) {
    case FieldId::CONTAINER_ID:
    case FieldId::CONTAINER_FULL_ID:
    case FieldId::CONTAINER_NAME: {
      ThreadInfo* t = st_.thread();
      if (t == nullptr) return false;
      if (t->container_id.empty()) {
        out = str_value("host");
        return true;
      }
      if (field == FieldId::CONTAINER_ID) {
        out = str_value(t->container_id);
        return true;
      }
      if (field == FieldId::CONTAINER_NAME) {
        const ContainerInfo* c = st_.container(t);
        if (c == nullptr) return false;
        out = str_value(c->name);
        return true;
      }
      if (field == FieldId::CONTAINER_FULL_ID) {
        // The full id is the 64-hex component the short id was cut from.
        std::string_view cg = t->cgroups;
        size_t at = cg.find(t->container_id);
        if (at != std::string_view::npos && at + 64 <= cg.size()) {
          out = str_value(cg.substr(at, 64));
          return true;
        }
      }
      return false;
    }
    case FieldId::CONTAINER_IMAGE:
    case FieldId::CONTAINER_IMAGE_ID:
    case FieldId::CONTAINER_IMAGE_REPOSITORY:
    case FieldId::CONTAINER_IMAGE_TAG:
    case FieldId::CONTAINER_IMAGE_DIGEST:
    case FieldId::CONTAINER_TYPE:
    case FieldId::CONTAINER_PRIVILEGED:
    case FieldId::CONTAINER_IP:
    case FieldId::CONTAINER_LABEL:
    case FieldId::CONTAINER_LABELS: {
      const ContainerInfo* c = st_.container(st_.thread());
      if (c == nullptr) return false;
      switch (field) {
        case FieldId::CONTAINER_IMAGE: out = str_value(c->image); return true;
        case FieldId::CONTAINER_IMAGE_ID: out = str_value(c->imageid); return true;
        case FieldId::CONTAINER_IMAGE_REPOSITORY: out = str_value(c->imagerepo); return true;
        case FieldId::CONTAINER_IMAGE_TAG: out = str_value(c->imagetag); return true;
        case FieldId::CONTAINER_IMAGE_DIGEST: out = str_value(c->imagedigest); return true;
        case FieldId::CONTAINER_TYPE: out = str_value(container_type_name(c->type)); return true;
        case FieldId::CONTAINER_PRIVILEGED: out = FieldValue::boolean(c->privileged); return true;
        case FieldId::CONTAINER_IP: {
          std::string& s = scratch();
          append_ipv4(s, c->ip);
          out = str_value(s);
          return true;
        }
        case FieldId::CONTAINER_LABEL:
          for (const auto& [k, v] : c->labels) {
            if (k == args.key) {
              out = str_value(v);
              return true;
            }
          }
          return false;
        default: {
          std::string& s = scratch();
          for (const auto& [k, v] : c->labels) {
            if (!s.empty()) s += ", ";
            s += k;
            s += ':';
            s += v;
          }
          out = str_value(s);
          return true;
        }
      }
    }
    default:
      return false;
  }
}

// ---- evt ------------------------------------------------------------------------------------------

bool FieldExtractor::extract_evt(FieldId field, const FieldArgs& args, FieldValue& out) {
  const Event& ev = *ev_;
  ThreadInfo* t = st_.thread();
  const bool is_exit = (ev.type & 1) != 0;
  switch (field) {
    case FieldId::EVT_NUM: out = FieldValue::uint(ev.num); return true;
    case FieldId::EVT_TIME:
    case FieldId::EVT_OUTPUTTIME: {
      std::string& s = scratch();
      append_time(s, ev.ts, false, true);
      out = str_value(s);
      return true;
    }
    case FieldId::EVT_TIME_S: {
      std::string& s = scratch();
      append_time(s, ev.ts, false, false);
      out = str_value(s);
      return true;
    }
    case FieldId::EVT_TIME_ISO8601: {
      std::string& s = scratch();
      append_time_iso8601(s, ev.ts);
      out = str_value(s);
      return true;
    }
    case FieldId::EVT_DATETIME: {
      std::string& s = scratch();
      append_time(s, ev.ts, true, true);
      out = str_value(s);
      return true;
    }
    case FieldId::EVT_DATETIME_S: {
      std::string& s = scratch();
      append_time(s, ev.ts, true, false);
      out = str_value(s);
      return true;
    }
    case FieldId::EVT_RAWTIME: out = FieldValue::uint(ev.ts); return true;
    case FieldId::EVT_RAWTIME_S: out = FieldValue::uint(ev.ts / 1000000000); return true;
    case FieldId::EVT_RAWTIME_NS: out = FieldValue::uint(ev.ts % 1000000000); return true;
    case FieldId::EVT_RELTIME: out = FieldValue::uint(ev.ts - first_ts_); return true;
    case FieldId::EVT_RELTIME_S: out = FieldValue::uint((ev.ts - first_ts_) / 1000000000); return true;
    case FieldId::EVT_RELTIME_NS: out = FieldValue::uint((ev.ts - first_ts_) % 1000000000); return true;
    case FieldId::EVT_SOURCE: out = str_value("syscall"); return true;
    case FieldId::EVT_IS_ASYNC: out = FieldValue::boolean(false); return true;
    case FieldId::EVT_HOSTNAME:
      if (!st_.machine().present) return false;
      out = str_value(st_.machine().hostname);
      return true;
    case FieldId::EVT_LATENCY:
    case FieldId::EVT_LATENCY_S:
    case FieldId::EVT_LATENCY_NS: {
      // sinsp reports the thread's latency for any event: enters reset it to 0, and events
      // that skip the enter/exit bookkeeping (scheduler switches) show the last exit's.
      uint64_t lat = t != nullptr ? t->latency : 0;
      if (field == FieldId::EVT_LATENCY_S) lat /= 1000000000;
      if (field == FieldId::EVT_LATENCY_NS) lat %= 1000000000;
      out = FieldValue::uint(lat);
      return true;
    }
    case FieldId::EVT_LATENCY_HUMAN: {
      std::string& s = scratch();
      if (!is_exit && false) {
        s = "0";
      } else {
        format_duration(s, t != nullptr ? t->latency : 0);
      }
      out = str_value(s);
      return true;
    }
    case FieldId::EVT_DELTATIME:
    case FieldId::EVT_DELTATIME_S:
    case FieldId::EVT_DELTATIME_NS: {
      // Like sinsp, relative to the previous event this field was extracted for (each of the
      // three fields keeps its own previous time).
      uint64_t& prev = prev_ts_[static_cast<size_t>(field) -
                                static_cast<size_t>(FieldId::EVT_DELTATIME)];
      uint64_t d = prev == 0 ? 0 : ev.ts - prev;
      prev = ev.ts;
      if (field == FieldId::EVT_DELTATIME_S) d /= 1000000000;
      if (field == FieldId::EVT_DELTATIME_NS) d %= 1000000000;
      out = FieldValue::uint(d);
      return true;
    }
    case FieldId::EVT_DIR: out = str_value((ev.type & 1) == 0 ? ">" : "<"); return true;
    case FieldId::EVT_TYPE:
    case FieldId::SYSCALL_TYPE: {
      if (ev.type == ev::kGenericE || ev.type == ev::kGenericX) {
        std::string_view name = syscall_name(static_cast<uint16_t>(ev.param_uint(0, 0)));
        out = str_value(name.empty() ? std::string_view("<unknown>") : name);
        return true;
      }
      if (field == FieldId::SYSCALL_TYPE &&
          (ev.info->category & (EC_INTERNAL | EC_SCHEDULER)) != 0)
        return false;
      out = str_value(ev.info->name);
      return true;
    }
    case FieldId::EVT_TYPE_IS: {
      std::string_view name = ev.info->name;
      if (ev.type == ev::kGenericE || ev.type == ev::kGenericX)
        name = syscall_name(static_cast<uint16_t>(ev.param_uint(0, 0)));
      out = FieldValue::uint(name == args.key ? 1 : 0);
      return true;
    }
    case FieldId::EVT_CATEGORY: out = str_value(category_name(ev, st_.fd())); return true;
    case FieldId::EVT_CPU: out = FieldValue::sint(static_cast<int16_t>(ev.cpu)); return true;
    case FieldId::EVT_ARGS:
    case FieldId::EVT_INFO: {
      std::string& s = scratch();
      if (ev.type == ev::kGenericE || ev.type == ev::kGenericX) {
        out = str_value(s);
        return true;
      }
      uint32_t n = std::min<uint32_t>(ev.nparams, static_cast<uint32_t>(ev.info->params.size()));
      for (uint32_t j = 0; j < n; ++j) {
        param_as_str(ev, j, st_, val_, res_);
        s.append(ev.info->params[j].name);
        s += '=';
        s += val_;
        if (!res_.empty()) {
          s += '(';
          s += res_;
          s += ')';
        }
        s += ' ';
      }
      out = str_value(s);
      return true;
    }
    case FieldId::EVT_ARG: {
      std::string& s = scratch();
      bool ok = args.index >= 0 ? arg_by_index(static_cast<uint32_t>(args.index), s)
                                : arg_by_name(args.key, s);
      if (!ok) return false;
      out = str_value(s);
      return true;
    }
    case FieldId::EVT_RAWARG: {
      int i = ev.param_index(args.key);
      if (i < 0 || static_cast<uint32_t>(i) >= ev.nparams) return false;
      const ParamInfo& pinfo = ev.info->params[i];
      auto b = ev.param(static_cast<uint32_t>(i));
      switch (pinfo.type) {
        case ParamType::INT8: case ParamType::INT16: case ParamType::INT32:
        case ParamType::INT64: case ParamType::FD: case ParamType::PID:
        case ParamType::ERRNO:
          out = FieldValue::sint(ev.param_int(static_cast<uint32_t>(i)));
          return true;
        case ParamType::CHARBUF: case ParamType::FSPATH: case ParamType::FSRELPATH:
          out = str_value(ev.param_str(static_cast<uint32_t>(i)));
          return true;
        case ParamType::BYTEBUF: case ParamType::SOCKADDR: case ParamType::SOCKTUPLE:
        case ParamType::FDLIST: case ParamType::DYN:
          out = str_value(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
          out.kind = K::kBytes;
          return true;
        default:
          out = FieldValue::uint(ev.param_uint(static_cast<uint32_t>(i)));
          return true;
      }
    }
    case FieldId::EVT_BUFFER: {
      int i = ev.param_index("data");
      if (i < 0 || static_cast<uint32_t>(i) >= ev.nparams) return false;
      auto b = ev.param(static_cast<uint32_t>(i));
      out = str_value(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
      out.kind = K::kBytes;
      return true;
    }
    case FieldId::EVT_BUFLEN: {
      if (st_.fd() == nullptr || !is_io_category(ev.info->category) || !is_exit) return false;
      int64_t res = 0;
      if (!ev.param_s64(0, res) || res < 0) return false;
      out = FieldValue::uint(static_cast<uint64_t>(res));
      return true;
    }
    case FieldId::EVT_RES: {
      int64_t res = 0;
      if (!result_param(ev, res)) return false;
      if (res >= 0) {
        out = str_value("SUCCESS");
        return true;
      }
      const char* name = errno_name(res);
      if (*name != '\0') {
        out = str_value(name);
      } else {
        std::string& s = scratch();
        append_i64(s, res);
        out = str_value(s);
      }
      return true;
    }
    case FieldId::EVT_RAWRES: {
      int64_t res = 0;
      if (!result_param(ev, res)) return false;
      out = FieldValue::sint(res);
      return true;
    }
    case FieldId::EVT_FAILED: {
      int64_t res = 0;
      out = FieldValue::boolean(result_param(ev, res) && res < 0);
      return true;
    }
    case FieldId::EVT_COUNT_ERROR: {
      int64_t res = 0;
      if (!(result_param(ev, res) && res < 0)) return false;
      out = FieldValue::uint(1);
      return true;
    }
    case FieldId::EVT_COUNT_ERROR_FILE:
    case FieldId::EVT_COUNT_ERROR_NET:
    case FieldId::EVT_COUNT_ERROR_MEMORY:
    case FieldId::EVT_COUNT_ERROR_OTHER: {
      int64_t res = 0;
      bool failed = result_param(ev, res) && res < 0;
      std::string_view cat = category_name(ev, st_.fd());
      bool match = false;
      if (field == FieldId::EVT_COUNT_ERROR_FILE) match = cat == "file";
      if (field == FieldId::EVT_COUNT_ERROR_NET) match = cat == "net";
      if (field == FieldId::EVT_COUNT_ERROR_MEMORY) match = cat == "memory";
      if (field == FieldId::EVT_COUNT_ERROR_OTHER)
        match = cat != "file" && cat != "net" && cat != "memory";
      if (!(failed && match)) return false;
      out = FieldValue::uint(1);
      return true;
    }
    case FieldId::EVT_COUNT: out = FieldValue::uint(1); return true;
    case FieldId::EVT_COUNT_EXIT:
      if (!is_exit) return false;
      out = FieldValue::uint(1);
      return true;
    case FieldId::EVT_IS_IO:
      out = FieldValue::boolean((ev.info->flags & (EF_READS_FROM_FD | EF_WRITES_TO_FD)) != 0);
      return true;
    case FieldId::EVT_IS_IO_READ:
      out = FieldValue::boolean((ev.info->flags & EF_READS_FROM_FD) != 0);
      return true;
    case FieldId::EVT_IS_IO_WRITE:
      out = FieldValue::boolean((ev.info->flags & EF_WRITES_TO_FD) != 0);
      return true;
    case FieldId::EVT_IO_DIR:
      if (ev.info->flags & EF_WRITES_TO_FD) {
        out = str_value("write");
      } else if (ev.info->flags & EF_READS_FROM_FD) {
        out = str_value("read");
      } else {
        return false;
      }
      return true;
    case FieldId::EVT_IS_WAIT:
      out = FieldValue::boolean((ev.info->flags & EF_WAITS) != 0);
      return true;
    case FieldId::EVT_WAIT_LATENCY:
      if (!(ev.info->flags & EF_WAITS) || !is_exit) return false;
      out = FieldValue::uint(t != nullptr ? t->latency : 0);
      return true;
    case FieldId::EVT_IS_SYSLOG: {
      FdInfo* f = st_.fd();
      out = FieldValue::boolean(f != nullptr && (ev.info->flags & EF_WRITES_TO_FD) &&
                                f->name == "/dev/log");
      return true;
    }
    case FieldId::EVT_IS_OPEN_READ:
    case FieldId::EVT_IS_OPEN_WRITE:
    case FieldId::EVT_IS_OPEN_EXEC:
    case FieldId::EVT_IS_OPEN_CREATE: {
      uint32_t flags = 0;
      bool have = false;
      auto flags_at = [&](uint32_t i) {
        if (i < ev.nparams && ev.param_len[i] == 4) {
          flags = load_u32(ev.raw + ev.param_off[i]);
          have = true;
        }
      };
      switch (ev.type) {
        case ev::kOpenX: case ev::kOpenatE: flags_at(2); break;
        case ev::kOpenat2X: case ev::kOpenat2NewX: flags_at(3); break;
        default: break;
      }
      bool v = false;
      if (have) {
        if (field == FieldId::EVT_IS_OPEN_READ) v = (flags & kORdonly) != 0;
        if (field == FieldId::EVT_IS_OPEN_WRITE) v = (flags & kOWronly) != 0;
        if (field == FieldId::EVT_IS_OPEN_CREATE) v = (flags & kOCreat) != 0;
        // evt.is_open_exec needs the exec-intent flag of current drivers, absent from 2022
        // captures: it stays false.
      }
      out = FieldValue::boolean(v);
      return true;
    }
    case FieldId::EVT_ABSPATH:
    case FieldId::EVT_ABSPATH_SRC:
    case FieldId::EVT_ABSPATH_DST:
      return false;
    default:
      return false;
  }
}

// ---- proc / thread -----------------------------------------------------------------------------------

ThreadInfo* FieldExtractor::ancestor(ThreadInfo* t, int64_t n) {
  ThreadInfo* mt = t->is_main_thread() ? t : st_.main_thread(t);
  for (int64_t j = 0; mt != nullptr && j < n; ++j) mt = st_.parent(mt);
  return mt;
}

bool FieldExtractor::extract_thread(FieldId field, const FieldArgs& args, FieldValue& out) {
  const Event& ev = *ev_;
  ThreadInfo* t = st_.thread();
  if (field == FieldId::THREAD_TID) {
    out = FieldValue::sint(ev.tid);
    return true;
  }
  if (field == FieldId::THREAD_EXECTIME) {
    // Time since the previous context switch on the same CPU, on switch events (sinsp keeps
    // the per-CPU times in the field check; so do we).
    uint64_t v = 0;
    if (ev.type == ev::kSwitch1E || ev.type == ev::kSwitch6E) {
      if (ev.cpu >= last_switch_.size()) last_switch_.resize(ev.cpu + 1u, 0);
      uint64_t last = last_switch_[ev.cpu];
      if (last != 0) v = ev.ts - last;
      last_switch_[ev.cpu] = ev.ts;
    }
    out = FieldValue::uint(v);
    return true;
  }
  if (t == nullptr) return false;
  switch (field) {
    case FieldId::PROC_PID: out = FieldValue::sint(t->pid); return true;
    case FieldId::PROC_SID: out = FieldValue::sint(t->sid); return true;
    case FieldId::PROC_VPGID: out = FieldValue::sint(t->vpgid); return true;
    case FieldId::PROC_PGID: return false;
    case FieldId::PROC_TTY: out = FieldValue::uint(t->tty); return true;
    case FieldId::PROC_NAME:
      st_.refresh(t->comm);
      out = str_value(t->comm.s, t->comm.id);
      return true;
    case FieldId::PROC_EXE:
      st_.refresh(t->exe);
      out = str_value(t->exe.s, t->exe.id);
      return true;
    case FieldId::PROC_EXEPATH:
      st_.refresh(t->exepath);
      out = str_value(t->exepath.s, t->exepath.id);
      return true;
    case FieldId::PROC_ARGS: {
      if (args.index < 0) {
        out = str_value(t->args);
        return true;
      }
      // proc.args[N]: the Nth argument (1-based, argv[0] excluded).
      int64_t k = 1;
      return for_each_nul_item(t->args_raw, [&](std::string_view item) {
        if (k++ != args.index) return false;
        out = str_value(item);
        return true;
      });
    }
    case FieldId::PROC_ENV: {
      ThreadInfo* m = st_.main_thread(t);
      if (m == nullptr) m = t;
      if (args.key.empty()) {
        out = str_value(m->env);
        return true;
      }
      return for_each_nul_item(m->env_raw, [&](std::string_view item) {
        if (!(item.size() > args.key.size() && item.substr(0, args.key.size()) == args.key &&
              item[args.key.size()] == '='))
          return false;
        out = str_value(item.substr(args.key.size() + 1));
        return true;
      });
    }
    case FieldId::PROC_CMDLINE: out = str_value(t->cmdline); return true;
    case FieldId::PROC_EXELINE: {
      std::string& s = scratch();
      s = t->exe.s;
      s += ' ';
      s += t->args;
      out = str_value(s);
      return true;
    }
    case FieldId::PROC_CMDNARGS: out = FieldValue::uint(t->nargs); return true;
    case FieldId::PROC_CMDLENARGS: {
      uint64_t n = 0;
      std::string_view raw = t->args_raw;
      for (char c : raw) n += c != '\0';
      out = FieldValue::uint(n);
      return true;
    }
    case FieldId::PROC_CWD: out = str_value(st_.cwd(t)); return true;
    case FieldId::PROC_NTHREADS: {
      ThreadInfo* m = st_.main_thread(t);
      if (m == nullptr) return false;
      out = FieldValue::uint(static_cast<uint64_t>(m->nchilds + 1));
      return true;
    }
    case FieldId::PROC_NCHILDS: out = FieldValue::uint(static_cast<uint64_t>(t->nchilds)); return true;
    case FieldId::THREAD_ISMAIN: out = FieldValue::boolean(t->is_main_thread()); return true;
    case FieldId::PROC_PPID: {
      ThreadInfo* m = t->is_main_thread() ? t : st_.main_thread(t);
      if (m == nullptr) return false;
      out = FieldValue::sint(m->ptid);
      return true;
    }
    case FieldId::PROC_PNAME:
    case FieldId::PROC_PEXE:
    case FieldId::PROC_PEXEPATH:
    case FieldId::PROC_PCMDLINE:
    case FieldId::PROC_PVPID: {
      ThreadInfo* p = st_.find_thread(t->ptid);
      if (p == nullptr) return false;
      if (field == FieldId::PROC_PNAME) {
        st_.refresh(p->comm);
        out = str_value(p->comm.s, p->comm.id);
      } else if (field == FieldId::PROC_PEXE) {
        st_.refresh(p->exe);
        out = str_value(p->exe.s, p->exe.id);
      } else if (field == FieldId::PROC_PEXEPATH) {
        st_.refresh(p->exepath);
        out = str_value(p->exepath.s, p->exepath.id);
      } else if (field == FieldId::PROC_PCMDLINE) {
        out = str_value(p->cmdline);
      } else {
        if (p->vpid == -1) return false;
        out = FieldValue::sint(p->vpid);
      }
      return true;
    }
    case FieldId::PROC_APID:
    case FieldId::PROC_ANAME:
    case FieldId::PROC_AEXE:
    case FieldId::PROC_AEXEPATH:
    case FieldId::PROC_ACMDLINE: {
      if (args.index < 0) {
        // Without an index: every ancestor from the parent up, as a list (filters match if
        // any element does; outputs print them space-separated).
        ThreadInfo* m = ancestor(t, 1);
        if (m == nullptr) return false;
        auto& l = list_scratch();
        for (int guard = 0; m != nullptr && guard < 64; m = st_.parent(m), ++guard) {
          switch (field) {
            case FieldId::PROC_APID: {
              std::string& s = scratch();
              append_i64(s, m->pid);
              l.push_back(s);
              break;
            }
            case FieldId::PROC_ANAME: l.push_back(m->comm.s); break;
            case FieldId::PROC_AEXE: l.push_back(m->exe.s); break;
            case FieldId::PROC_AEXEPATH: l.push_back(m->exepath.s); break;
            default: l.push_back(m->cmdline); break;
          }
        }
        out.kind = K::kList;
        out.list = l;
        return true;
      }
      ThreadInfo* m = ancestor(t, args.index);
      if (m == nullptr) return false;
      switch (field) {
        case FieldId::PROC_APID: out = FieldValue::sint(m->pid); break;
        case FieldId::PROC_ANAME:
          st_.refresh(m->comm);
          out = str_value(m->comm.s, m->comm.id);
          break;
        case FieldId::PROC_AEXE:
          st_.refresh(m->exe);
          out = str_value(m->exe.s, m->exe.id);
          break;
        case FieldId::PROC_AEXEPATH:
          st_.refresh(m->exepath);
          out = str_value(m->exepath.s, m->exepath.id);
          break;
        default: out = str_value(m->cmdline); break;
      }
      return true;
    }
    case FieldId::PROC_LOGINSHELLID: {
      ThreadInfo* m = t->is_main_thread() ? t : st_.main_thread(t);
      if (m == nullptr) return false;
      int64_t res = 0;
      bool found = false;
      for (int guard = 0; m != nullptr && guard < 1024; m = st_.parent(m), ++guard) {
        const std::string& exe = m->exe.s;
        size_t n = exe.size();
        if (n >= 2 && exe[n - 2] == 's' && exe[n - 1] == 'h') {
          res = m->pid;
          found = true;
        }
      }
      if (!found) return false;
      out = FieldValue::sint(res);
      return true;
    }
    case FieldId::PROC_SNAME: {
      ThreadInfo* s = st_.find_thread(t->sid);
      if (s == nullptr) {
        // Highest ancestor with the same session id.
        s = t;
        ThreadInfo* p = st_.parent(t);
        for (int guard = 0; p != nullptr && guard < 1024 && p->sid == t->sid; ++guard) {
          s = p;
          p = st_.parent(p);
        }
      }
      st_.refresh(s->comm);
      out = str_value(s->comm.s, s->comm.id);
      return true;
    }
    case FieldId::PROC_SID_EXE:
    case FieldId::PROC_SID_EXEPATH: {
      ThreadInfo* s = st_.find_thread(t->sid);
      if (s == nullptr) return false;
      out = field == FieldId::PROC_SID_EXE ? str_value(s->exe.s) : str_value(s->exepath.s);
      return true;
    }
    case FieldId::PROC_VPGID_NAME:
    case FieldId::PROC_VPGID_EXE:
    case FieldId::PROC_VPGID_EXEPATH: {
      ThreadInfo* g = st_.find_thread(t->vpgid);
      if (g == nullptr) return false;
      out = field == FieldId::PROC_VPGID_NAME  ? str_value(g->comm.s)
            : field == FieldId::PROC_VPGID_EXE ? str_value(g->exe.s)
                                               : str_value(g->exepath.s);
      return true;
    }
    case FieldId::PROC_IS_SID_LEADER: out = FieldValue::boolean(t->sid == t->vpid); return true;
    case FieldId::PROC_IS_VPGID_LEADER:
      out = FieldValue::boolean(t->vpid != -1 && t->vpgid == t->vpid);
      return true;
    case FieldId::PROC_DURATION:
      if (t->clone_ts == 0) return false;
      out = FieldValue::uint(ev.ts - t->clone_ts);
      return true;
    case FieldId::PROC_PID_TS:
      if (t->clone_ts == 0) return false;
      out = FieldValue::uint(t->clone_ts);
      return true;
    case FieldId::PROC_IS_EXE_WRITABLE: out = FieldValue::boolean(t->exe_writable); return true;
    case FieldId::PROC_FDOPENCOUNT: {
      FdTable* ft = st_.fd_table(t);
      out = FieldValue::uint(ft != nullptr ? ft->size() : 0);
      return true;
    }
    case FieldId::PROC_FDLIMIT: out = FieldValue::sint(static_cast<int64_t>(t->fdlimit)); return true;
    case FieldId::PROC_VMSIZE: out = FieldValue::uint(t->vmsize_kb); return true;
    case FieldId::PROC_VMRSS: out = FieldValue::uint(t->vmrss_kb); return true;
    case FieldId::PROC_VMSWAP: out = FieldValue::uint(t->vmswap_kb); return true;
    case FieldId::THREAD_PFMAJOR: out = FieldValue::uint(t->pfmajor); return true;
    case FieldId::THREAD_PFMINOR: out = FieldValue::uint(t->pfminor); return true;
    case FieldId::THREAD_CGROUPS: {
      if (t->cgroups.empty()) return false;
      std::string& s = scratch();
      for_each_nul_item(t->cgroups, [&](std::string_view item) {
        if (!s.empty()) s += ' ';
        s.append(item);
        return false;
      });
      out = str_value(s);
      return true;
    }
    case FieldId::THREAD_CGROUP: {
      return for_each_nul_item(t->cgroups, [&](std::string_view item) {
        size_t eq = item.find('=');
        if (eq == std::string_view::npos || item.substr(0, eq) != args.key) return false;
        out = str_value(item.substr(eq + 1));
        return true;
      });
    }
    case FieldId::THREAD_VTID:
      if (t->vtid == -1) return false;
      out = FieldValue::sint(t->vtid);
      return true;
    case FieldId::PROC_VPID:
      if (t->vpid == -1) return false;
      out = FieldValue::sint(t->vpid);
      return true;
    case FieldId::THREAD_TOTEXECTIME:
      out = FieldValue::uint(0);
      return true;
    default:
      return false;
  }
}

// ---- user / group -------------------------------------------------------------------------------

bool FieldExtractor::extract_user_group(FieldId field, FieldValue& out) {
  ThreadInfo* t = st_.thread();
  if (t == nullptr) return false;
  switch (field) {
    case FieldId::USER_UID: out = FieldValue::uint(t->uid); return true;
    case FieldId::USER_NAME:
    case FieldId::USER_HOMEDIR:
    case FieldId::USER_SHELL: {
      if (t->uid == 0xffffffff) return false;
      const UserEntry* u = st_.user(t->uid);
      if (u == nullptr) return false;
      out = str_value(field == FieldId::USER_NAME      ? u->name
                      : field == FieldId::USER_HOMEDIR ? u->home
                                                       : u->shell);
      return true;
    }
    case FieldId::USER_LOGINUID:
      out = FieldValue::sint(t->loginuid == 0xffffffff ? -1 : static_cast<int64_t>(t->loginuid));
      return true;
    case FieldId::USER_LOGINNAME: {
      if (t->loginuid == 0xffffffff) return false;
      const UserEntry* u = st_.user(t->loginuid);
      if (u == nullptr) return false;
      out = str_value(u->name);
      return true;
    }
    case FieldId::GROUP_GID: out = FieldValue::uint(t->gid); return true;
    case FieldId::GROUP_NAME: {
      if (t->gid == 0xffffffff) return false;
      const GroupEntry* g = st_.group(t->gid);
      if (g == nullptr) return false;
      out = str_value(g->name);
      return true;
    }
    default:
      return false;
  }
}

// ---- fd -----------------------------------------------------------------------------------------------

bool FieldExtractor::fd_context(ThreadInfo** t, FdInfo** f) {
  const uint16_t flags = ev_->info->flags;
  if (!(flags & (EF_CREATES_FD | EF_USES_FD | EF_DESTROYS_FD))) return false;
  *t = st_.thread();
  if (*t == nullptr) return false;
  *f = st_.fd();
  if (*f == nullptr && (*t)->lastevent_fd != -1) *f = st_.find_fd(*t, (*t)->lastevent_fd);
  return true;
}

bool FieldExtractor::fd_name_from_creator(std::string& out) {
  const Event& ev = *ev_;
  if ((ev.type & 1) == 0) return false;
  switch (ev.type) {
    case ev::kOpenX: case ev::kAcceptX: case ev::kAccept4X: case ev::kAccept5X:
    case ev::kAccept45X: case ev::kCreatX: case ev::kConnectX:
      param_as_str(ev, 1, st_, val_, res_);
      out = res_.empty() ? val_ : res_;
      return true;
    case ev::kOpenatX: case ev::kOpenat2X: case ev::kOpenat2NewX: {
      std::string_view name;
      int64_t dirfd = 0;
      if (ev.type == ev::kOpenatX) {
        const Event* enter = enter_for_current();
        if (enter == nullptr) return false;
        name = enter->param_str(1);
        dirfd = enter->param_int(0);
      } else {
        name = ev.param_str(2);
        dirfd = ev.param_int(1);
      }
      std::string sdir;
      ThreadInfo* t = st_.thread();
      if (!name.empty() && name[0] == '/') {
        sdir = ".";
      } else if (dirfd == -100) {
        sdir = t != nullptr ? st_.cwd(t) : std::string();
      } else {
        FdInfo* f = t != nullptr ? st_.find_fd(t, dirfd) : nullptr;
        sdir = f == nullptr ? "<UNKNOWN>" : f->name + "/";
      }
      out = concatenate_paths(sdir, name);
      sanitize(out);
      return true;
    }
    default:
      out.clear();
      return true;
  }
}

bool FieldExtractor::extract_fd(FieldId field, FieldValue& out) {
  ThreadInfo* t = nullptr;
  FdInfo* f = nullptr;
  if (field == FieldId::FD_TYPES) {
    // The distinct fd types of the process (or the type of fd N with an index).
    ThreadInfo* th = st_.thread();
    FdTable* ft = th != nullptr ? st_.fd_table(th) : nullptr;
    if (ft == nullptr) return false;
    auto& l = list_scratch();
    for (const auto& [num, info] : ft->all()) {
      std::string_view ty = info.typestring();
      if (std::find(l.begin(), l.end(), ty) == l.end()) l.push_back(ty);
    }
    std::sort(l.begin(), l.end());
    out.kind = K::kList;
    out.list = l;
    return true;
  }
  if (!fd_context(&t, &f)) return false;
  if (field == FieldId::FD_NUM) {
    out = FieldValue::sint(t->lastevent_fd);
    return true;
  }
  const Event& ev = *ev_;
  switch (field) {
    case FieldId::FD_NAME:
    case FieldId::FD_CONTAINERNAME: {
      int64_t res = 0;
      const bool from_creator =
          f == nullptr || (ev.type == ev::kConnectX && ev.param_s64(0, res) && res < 0);
      if (!from_creator && field == FieldId::FD_NAME && printable(f->name)) {
        out = str_value(f->name);  // the common case: no copy
        return true;
      }
      std::string& s = scratch();
      if (from_creator) {
        if (!fd_name_from_creator(s)) return false;
      } else {
        s = f->name;
        sanitize(s);
      }
      if (field == FieldId::FD_CONTAINERNAME) s = t->container_id + ":" + s;
      out = str_value(s);
      return true;
    }
    case FieldId::FD_TYPE:
      if (f == nullptr) return false;
      out = str_value(f->typestring());
      return true;
    case FieldId::FD_TYPECHAR: {
      std::string& s = scratch();
      if (f == nullptr) {
        // sinsp guesses from the creating syscall when the fd is unknown.
        switch (ev.type & ~1) {
          case ev::kOpenE: case ev::kOpenatE: case ev::kOpenat2E: case ev::kOpenat2NewE:
          case ev::kCreatE:
            s = "f";
            break;
          case ev::kSocketE: case ev::kAcceptE: case ev::kAccept5E: case ev::kAccept4E:
          case ev::kAccept45E: case ev::kConnectE: case ev::kBindE:
            s = "4";
            break;
          case ev::kPipeE: s = "p"; break;
          case ev::kEventfdE: s = "e"; break;
          case ev::kSignalfdX - 1: s = "s"; break;
          case ev::kTimerfdCreateX - 1: s = "t"; break;
          case ev::kInotifyInitX - 1: s = "i"; break;
          default: s = "o"; break;
        }
        out = str_value(s);
        return true;
      }
      s = f->typechar();
      out = str_value(s);
      return true;
    }
    case FieldId::FD_DIRECTORY:
    case FieldId::FD_CONTAINERDIRECTORY: {
      std::string& s = scratch();
      if (f == nullptr) {
        if (!fd_name_from_creator(s)) return false;
        sanitize(s);
        dirname_sinsp(s);
      } else {
        if (!(f->is_file() || f->type == FdType::kDirectory)) return false;
        s = f->name;
        sanitize(s);
        if (f->is_file()) dirname_sinsp(s);
      }
      if (field == FieldId::FD_CONTAINERDIRECTORY) s = t->container_id + ":" + s;
      out = str_value(s);
      return true;
    }
    case FieldId::FD_FILENAME: {
      if (f == nullptr || !f->is_file()) return false;
      std::string& s = scratch();
      s = f->name;
      sanitize(s);
      size_t pos = s.rfind('/');
      if (pos != std::string::npos) {
        if (pos < s.size() - 1) s = s.substr(pos + 1);
      } else {
        s = "/";
      }
      out = str_value(s);
      return true;
    }
    case FieldId::FD_NAMERAW:
      if (f == nullptr) return false;
      out = str_value(f->nameraw.empty() ? f->name : f->nameraw);
      return true;
    case FieldId::FD_IP:
    case FieldId::FD_NET:
    case FieldId::FD_CIP:
    case FieldId::FD_CNET:
      if (f == nullptr) return false;
      if ((f->type == FdType::kIpv4Sock || f->type == FdType::kIpv6Sock) && f->is_role_none())
        return false;
      if (f->type == FdType::kIpv4Sock) {
        out = ip4_value(f->v4_sip());
        return true;
      }
      if (f->type == FdType::kIpv6Sock) {
        out = ip6_value(f->v6_sip());
        return true;
      }
      if (field == FieldId::FD_IP || field == FieldId::FD_NET) {
        if (f->type == FdType::kIpv4ServSock) {
          out = ip4_value(f->v4s_ip());
          return true;
        }
        if (f->type == FdType::kIpv6ServSock) {
          out = ip6_value(f->sock);
          return true;
        }
      }
      return false;
    case FieldId::FD_SIP:
    case FieldId::FD_SNET:
      if (f == nullptr) return false;
      if ((f->type == FdType::kIpv4Sock || f->type == FdType::kIpv6Sock) && f->is_role_none())
        return false;
      switch (f->type) {
        case FdType::kIpv4Sock: out = ip4_value(f->v4_dip()); return true;
        case FdType::kIpv4ServSock: out = ip4_value(f->v4s_ip()); return true;
        case FdType::kIpv6Sock: out = ip6_value(f->v6_dip()); return true;
        case FdType::kIpv6ServSock: out = ip6_value(f->sock); return true;
        default: return false;
      }
    case FieldId::FD_LIP:
    case FieldId::FD_RIP:
    case FieldId::FD_LNET:
    case FieldId::FD_RNET: {
      if (f == nullptr) return false;
      if (f->type != FdType::kIpv4Sock && f->type != FdType::kIpv6Sock) return false;
      if (f->is_role_none()) return false;
      const bool want_local = field == FieldId::FD_LIP || field == FieldId::FD_LNET;
      if (f->type == FdType::kIpv4Sock) {
        bool local = st_.is_local_v4(f->v4_sip(), t);
        out = ip4_value(local == want_local ? f->v4_sip() : f->v4_dip());
      } else {
        bool local = st_.is_local_v6(f->v6_sip(), t);
        out = ip6_value(local == want_local ? f->v6_sip() : f->v6_dip());
      }
      return true;
    }
    case FieldId::FD_PORT:
    case FieldId::FD_CPORT:
      if (f == nullptr) return false;
      if ((f->type == FdType::kIpv4Sock || f->type == FdType::kIpv6Sock) && f->is_role_none())
        return false;
      if (f->type == FdType::kIpv4Sock) {
        out = FieldValue::uint(f->v4_sport());
        return true;
      }
      if (f->type == FdType::kIpv6Sock) {
        out = FieldValue::uint(f->v6_sport());
        return true;
      }
      if (field == FieldId::FD_PORT) {
        if (f->type == FdType::kIpv4ServSock) {
          out = FieldValue::uint(f->v4s_port());
          return true;
        }
        if (f->type == FdType::kIpv6ServSock) {
          out = FieldValue::uint(f->v6s_port());
          return true;
        }
      }
      return false;
    case FieldId::FD_SPORT:
      if (f == nullptr) return false;
      if ((f->type == FdType::kIpv4Sock || f->type == FdType::kIpv6Sock) && f->is_role_none())
        return false;
      switch (f->type) {
        case FdType::kIpv4Sock: out = FieldValue::uint(f->v4_dport()); return true;
        case FdType::kIpv4ServSock: out = FieldValue::uint(f->v4s_port()); return true;
        case FdType::kIpv6Sock: out = FieldValue::uint(f->v6_dport()); return true;
        case FdType::kIpv6ServSock: out = FieldValue::uint(f->v6s_port()); return true;
        default: return false;
      }
    case FieldId::FD_LPORT:
    case FieldId::FD_RPORT: {
      if (f == nullptr) return false;
      if (f->type != FdType::kIpv4Sock && f->type != FdType::kIpv6Sock) return false;
      if (f->is_role_none()) return false;
      const bool want_local = field == FieldId::FD_LPORT;
      if (f->type == FdType::kIpv4Sock) {
        bool local = st_.is_local_v4(f->v4_sip(), t);
        out = FieldValue::uint(local == want_local ? f->v4_sport() : f->v4_dport());
      } else {
        bool local = st_.is_local_v6(f->v6_sip(), t);
        out = FieldValue::uint(local == want_local ? f->v6_sport() : f->v6_dport());
      }
      return true;
    }
    case FieldId::FD_L4PROTO: {
      if (f == nullptr) return false;
      int k;
      switch (f->l4proto()) {
        case kL4Tcp: k = 0; break;
        case kL4Udp: k = 1; break;
        case kL4Icmp: k = 2; break;
        case kL4Raw: k = 3; break;
        default: k = 4; break;
      }
      InternedStr& name = l4_names_[k];
      st_.refresh(name);
      out = str_value(name.s, name.id);
      return true;
    }
    case FieldId::FD_SOCKFAMILY:
      if (f == nullptr) return false;
      switch (f->type) {
        case FdType::kIpv4Sock: case FdType::kIpv6Sock: case FdType::kIpv4ServSock:
        case FdType::kIpv6ServSock:
          out = str_value("ip");
          return true;
        case FdType::kUnixSock:
          out = str_value("unix");
          return true;
        default:
          return false;
      }
    case FieldId::FD_IS_SERVER: {
      if (f == nullptr) return false;
      bool v = false;
      if (f->type == FdType::kIpv4Sock) {
        v = st_.is_local_v4(f->v4_dip(), t);
      } else if (f->type == FdType::kIpv6Sock) {
        v = st_.is_local_v6(f->v6_dip(), t);
      } else if (f->type == FdType::kIpv4ServSock || f->type == FdType::kIpv6ServSock) {
        v = true;
      }
      out = FieldValue::boolean(v);
      return true;
    }
    case FieldId::FD_UID: {
      std::string& s = scratch();
      append_i64(s, t->tid);
      append_i64(s, t->lastevent_fd);
      out = str_value(s);
      return true;
    }
    case FieldId::FD_CONNECTED:
      if (f == nullptr) return false;
      out = FieldValue::boolean((f->flags & kFdSocketConnected) != 0);
      return true;
    case FieldId::FD_NAME_CHANGED:
      if (f == nullptr) return false;
      out = FieldValue::boolean(st_.fd_name_changed());
      return true;
    case FieldId::FD_DEV:
      if (f == nullptr) return false;
      out = FieldValue::uint(f->dev);
      return true;
    case FieldId::FD_DEV_MAJOR:
      if (f == nullptr) return false;
      out = FieldValue::uint((f->dev & 0xfff00) >> 8);
      return true;
    case FieldId::FD_DEV_MINOR:
      if (f == nullptr) return false;
      out = FieldValue::uint((f->dev & 0xff) | ((f->dev >> 12) & 0xfff00));
      return true;
    case FieldId::FD_INO:
      if (f == nullptr) return false;
      out = FieldValue::sint(static_cast<int64_t>(f->ino));
      return true;
    default:
      return false;
  }
}

// ---- fs.path ----------------------------------------------------------------------------------------

bool FieldExtractor::extract_fspath(FieldId field, FieldValue& out) {
  const Event& ev = *ev_;
  if ((ev.type & 1) == 0) return false;
  // Parameter names of the path(s) and their directory fds, per event name.
  std::string_view name = ev.info->name;
  const char* path_p = nullptr;
  const char* dirfd_p = nullptr;
  const char* src_p = nullptr;
  const char* src_dirfd = nullptr;
  const char* dst_p = nullptr;
  const char* dst_dirfd = nullptr;
  bool src_raw_only = false;
  if (name == "open" || name == "creat") {
    path_p = "name";
  } else if (name == "openat" || name == "openat2") {
    path_p = "name";
    dirfd_p = "dirfd";
  } else if (name == "mkdir" || name == "rmdir" || name == "unlink") {
    path_p = "path";
  } else if (name == "mkdirat") {
    path_p = "path";
    dirfd_p = "dirfd";
  } else if (name == "unlinkat") {
    path_p = "name";
    dirfd_p = "dirfd";
  } else if (name == "chmod") {
    path_p = "filename";
  } else if (name == "fchmodat") {
    path_p = "filename";
    dirfd_p = "dirfd";
  } else if (name == "rename" || name == "link") {
    src_p = "oldpath";
    dst_p = "newpath";
  } else if (name == "renameat" || name == "renameat2" || name == "linkat") {
    src_p = "oldpath";
    src_dirfd = "olddir";
    dst_p = "newpath";
    dst_dirfd = "newdir";
  } else if (name == "symlink") {
    src_p = "target";
    src_raw_only = true;
    dst_p = "linkpath";
  } else if (name == "symlinkat") {
    src_p = "target";
    src_raw_only = true;
    dst_p = "linkpath";
    dst_dirfd = "linkdirfd";
  } else {
    return false;
  }
  const bool single = path_p != nullptr;
  const char* p = nullptr;
  const char* d = nullptr;
  bool raw = false;
  switch (field) {
    case FieldId::FS_PATH_NAME: if (!single) return false; p = path_p; d = dirfd_p; break;
    case FieldId::FS_PATH_NAMERAW: if (!single) return false; p = path_p; raw = true; break;
    case FieldId::FS_PATH_SOURCE: if (single) return false; p = src_p; d = src_dirfd; raw = src_raw_only; break;
    case FieldId::FS_PATH_SOURCERAW: if (single) return false; p = src_p; raw = true; break;
    case FieldId::FS_PATH_TARGET: if (single) return false; p = dst_p; d = dst_dirfd; break;
    case FieldId::FS_PATH_TARGETRAW: if (single) return false; p = dst_p; raw = true; break;
    default: return false;
  }
  int i = ev.param_index(p);
  if (i < 0 || static_cast<uint32_t>(i) >= ev.nparams) return false;
  std::string_view path = ev.param_str(static_cast<uint32_t>(i));
  if (raw) {
    out = str_value(path);
    return true;
  }
  ThreadInfo* t = st_.thread();
  std::string sdir;
  int64_t dirfd = -100;
  if (d != nullptr) {
    int j = ev.param_index(d);
    if (j >= 0) dirfd = ev.param_int(static_cast<uint32_t>(j), -100);
  }
  if (!path.empty() && path[0] == '/') {
    sdir = "";
  } else if (dirfd == -100) {
    sdir = t != nullptr ? st_.cwd(t) : std::string();
  } else {
    FdInfo* f = t != nullptr ? st_.find_fd(t, dirfd) : nullptr;
    if (f == nullptr) return false;
    sdir = f->name + "/";
  }
  std::string& s = scratch();
  s = concatenate_paths(sdir, path);
  out = str_value(s);
  return true;
}

// ---- rendering --------------------------------------------------------------------------------------

bool FieldExtractor::render(FieldId field, const FieldArgs& args, std::string& out) {
  if (field == FieldId::EVT_BUFFER && ev_ != nullptr) {
    int i = ev_->param_index("data");
    if (i < 0 || static_cast<uint32_t>(i) >= ev_->nparams) return false;
    param_as_str(*ev_, static_cast<uint32_t>(i), st_, val_, res_);
    out += val_;
    return true;
  }
  FieldValue v;
  if (!extract(field, args, v)) return false;
  switch (field) {
    case FieldId::EVT_RELTIME: case FieldId::EVT_RELTIME_NS: case FieldId::EVT_RAWTIME_NS:
    case FieldId::EVT_LATENCY_NS: case FieldId::EVT_DELTATIME_NS: {
      // Printed zero-padded to 9 digits (PF_10_PADDED_DEC in sinsp's field table).
      char b[32];
      int n = std::snprintf(b, sizeof b, "%09" PRIu64, v.u);
      out.append(b, static_cast<size_t>(n));
      return true;
    }
    default:
      break;
  }
  switch (v.kind) {
    case K::kInt: append_i64(out, v.i); break;
    case K::kUInt: append_u64(out, v.u); break;
    case K::kBool: out += v.b ? "true" : "false"; break;
    case K::kStr: out.append(v.s); break;
    case K::kBytes: append_printable(out, v.s, v.s.size()); break;
    case K::kIp:
      if (v.ip_v6) {
        append_ipv6(out, v.ip.data());
      } else {
        uint32_t ip;
        std::memcpy(&ip, v.ip.data(), 4);
        append_ipv4(out, ip);
      }
      break;
    case K::kNet: out += "<IPNET>"; break;
    case K::kList: {
      if (field != FieldId::FD_TYPES) {
        for (size_t i = 0; i < v.list.size(); ++i) {
          if (i) out += ' ';
          out.append(v.list[i]);
        }
        break;
      }
      out += '(';
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i) out += ',';
        out.append(v.list[i]);
      }
      out += ')';
      break;
    }
  }
  return true;
}

std::string FieldExtractor::render(FieldId field, const FieldArgs& args) {
  std::string s;
  if (!render(field, args, s)) s = "<NA>";
  return s;
}

}  // namespace pg::capture
