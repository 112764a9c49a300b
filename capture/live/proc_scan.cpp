// /proc bootstrap (see proc_scan.h).
#include "capture/live/proc_scan.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pg::live {

using capture::FdEntry;
using capture::FdType;
using capture::Metadata;
using capture::ThreadEntry;

namespace {

constexpr size_t kMaxArgs = 4096;  // args, env and cgroups, as the probe and the PL block keep
constexpr uint32_t kClCloneFiles = 1u << 0;
constexpr uint32_t kClCloneThread = 1u << 13;

// Reads a whole (small) file; false when it cannot be opened.
bool read_file(const std::string& path, std::string& out, size_t max = 1 << 20) {
  out.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() >= max) {
      out.resize(max);
      break;
    }
  }
  ::close(fd);
  return true;
}

std::string read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

bool is_number(const char* s) {
  if (*s == 0) return false;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9') return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// Splits on whitespace.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> f;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) f.push_back(line.substr(i, j - i));
    i = j;
  }
  return f;
}

int64_t to_i64(std::string_view s, int base = 10) {
  std::string tmp(s);
  return std::strtoll(tmp.c_str(), nullptr, base);
}

uint64_t to_u64(std::string_view s, int base = 10) {
  std::string tmp(s);
  return std::strtoull(tmp.c_str(), nullptr, base);
}

// Visits each line of `text`.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    f(text.substr(pos, end - pos));
    pos = end + 1;
  }
}

// Calls f(line) for every line of a /proc/net table after its header line.
template <class F>
void for_each_row(std::string_view text, F&& f) {
  size_t nl = text.find('\n');
  if (nl != std::string_view::npos) for_each_line(text.substr(nl + 1), f);
}

// The fields of /proc/<pid>/status a thread entry needs.
struct Status {
  int64_t tgid = -1, ppid = -1;
  uint32_t euid = 0xffffffff, egid = 0xffffffff, fsuid = 0xffffffff, fsgid = 0xffffffff;
  int64_t vtid = -1, vpid = -1;
  uint32_t vmsize = 0, vmrss = 0, vmswap = 0;
  uint64_t capeff = 0;
};

bool read_status(const std::string& path, Status& st, std::string& buf) {
  if (!read_file(path, buf)) return false;
  for_each_line(buf, [&](std::string_view line) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string_view key = line.substr(0, colon);
    std::string_view val = trim(line.substr(colon + 1));
    if (key == "Tgid") {
      st.tgid = to_i64(val);
    } else if (key == "PPid") {
      st.ppid = to_i64(val);
    } else if (key == "Uid" || key == "Gid") {
      auto f = fields(val);
      if (f.size() >= 4) {
        (key == "Uid" ? st.euid : st.egid) = static_cast<uint32_t>(to_u64(f[1]));
        (key == "Uid" ? st.fsuid : st.fsgid) = static_cast<uint32_t>(to_u64(f[3]));
      }
    } else if (key == "NSpid" || key == "NStgid") {
      auto f = fields(val);
      if (!f.empty()) (key == "NSpid" ? st.vtid : st.vpid) = to_i64(f.back());
    } else if (key == "VmSize") {
      st.vmsize = static_cast<uint32_t>(to_u64(val));
    } else if (key == "VmRSS") {
      st.vmrss = static_cast<uint32_t>(to_u64(val));
    } else if (key == "VmSwap") {
      st.vmswap = static_cast<uint32_t>(to_u64(val));
    } else if (key == "CapEff") {
      st.capeff = to_u64(val, 16);
    }
  });
  return true;
}

// The fields of /proc/<pid>/stat a thread entry needs.
struct Stat {
  int64_t pgrp = -1, session = -1;
  uint32_t tty = 0;
  uint64_t minflt = 0, majflt = 0;
};

bool read_stat(const std::string& path, Stat& st, std::string& buf) {
  if (!read_file(path, buf)) return false;
  size_t rp = buf.rfind(')');
  if (rp == std::string::npos) return false;
  auto f = fields(std::string_view(buf).substr(rp + 1));
  // state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
  if (f.size() < 10) return false;
  st.pgrp = to_i64(f[2]);
  st.session = to_i64(f[3]);
  st.tty = static_cast<uint32_t>(to_u64(f[4]));
  st.minflt = to_u64(f[7]);
  st.majflt = to_u64(f[9]);
  return true;
}

// /proc/<pid>/cgroup as "subsys=path\0..." (v2 "0::/p" -> cpuset, cpu, memory).
std::string read_cgroups(const std::string& path, std::string& buf) {
  std::string out;
  if (!read_file(path, buf)) return out;
  for_each_line(buf, [&](std::string_view line) {
    size_t c1 = line.find(':');
    if (c1 == std::string_view::npos) return;
    size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return;
    std::string_view ctrls = line.substr(c1 + 1, c2 - c1 - 1);
    std::string_view cpath = line.substr(c2 + 1);
    if (ctrls.empty()) {
      if (line.substr(0, c1) != "0") return;
      for (const char* s : {"cpuset", "cpu", "memory"}) {
        out += s;
        out += '=';
        out += cpath;
        out += '\0';
      }
      return;
    }
    size_t pos = 0;
    while (pos <= ctrls.size()) {
      size_t end = ctrls.find(',', pos);
      if (end == std::string_view::npos) end = ctrls.size();
      std::string_view c = ctrls.substr(pos, end - pos);
      if (!c.empty() && c.rfind("name=", 0) != 0) {
        out += c;
        out += '=';
        out += cpath;
        out += '\0';
      }
      pos = end + 1;
    }
  });
  if (out.size() > kMaxArgs) out.resize(kMaxArgs);
  return out;
}

uint32_t encode_dev(dev_t d) {
  uint32_t ma = major(d), mi = minor(d);
  return (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
}

// ---- sockets --------------------------------------------------------------------------------

// Parses "AABBCCDD" (a u32 printed in host order) into network-order bytes.
void parse_hex_words(std::string_view hex, uint8_t* out, size_t words) {
  for (size_t w = 0; w < words && (w + 1) * 8 <= hex.size(); ++w) {
    uint32_t v = static_cast<uint32_t>(to_u64(hex.substr(w * 8, 8), 16));
    std::memcpy(out + 4 * w, &v, 4);
  }
}

using SocketTable = std::unordered_map<uint64_t, FdEntry>;

void parse_inet(const std::string& path, bool v6, uint8_t l4, SocketTable& t, std::string& buf) {
  if (!read_file(path, buf, 64u << 20)) return;
  for_each_row(buf, [&](std::string_view line) {
    auto f = fields(line);
    if (f.size() < 10) return;
    auto split = [](std::string_view s, std::string_view& addr, uint16_t& port) {
      size_t c = s.find(':');
      if (c == std::string_view::npos) return false;
      addr = s.substr(0, c);
      port = static_cast<uint16_t>(to_u64(s.substr(c + 1), 16));
      return true;
    };
    std::string_view la, ra;
    uint16_t lp = 0, rp = 0;
    if (!split(f[1], la, lp) || !split(f[2], ra, rp)) return;
    FdEntry e;
    e.ino = to_u64(f[9]);
    if (e.ino == 0) return;
    e.l4proto = l4;
    parse_hex_words(la, e.sip.data(), v6 ? 4 : 1);
    parse_hex_words(ra, e.dip.data(), v6 ? 4 : 1);
    const bool remote_zero = rp == 0 && std::all_of(e.dip.begin(), e.dip.begin() + (v6 ? 16 : 4),
                                                    [](uint8_t b) { return b == 0; });
    if (remote_zero) {
      e.type = v6 ? FdType::kIpv6ServSock : FdType::kIpv4ServSock;
      e.sport = lp;
    } else {
      e.type = v6 ? FdType::kIpv6Sock : FdType::kIpv4Sock;
      e.sport = lp;
      e.dport = rp;
    }
    t[e.ino] = std::move(e);
  });
}

void parse_unix(const std::string& path, SocketTable& t, std::string& buf) {
  if (!read_file(path, buf, 64u << 20)) return;
  for_each_row(buf, [&](std::string_view line) {
    auto f = fields(line);
    if (f.size() < 7) return;
    FdEntry e;
    e.type = FdType::kUnixSock;
    std::string_view num = f[0];
    if (!num.empty() && num.back() == ':') num.remove_suffix(1);
    e.unix_source = to_u64(num, 16);
    e.ino = to_u64(f[6]);
    if (f.size() >= 8) e.name.assign(f[7]);
    if (e.ino != 0) t[e.ino] = std::move(e);
  });
}

void parse_netlink(const std::string& path, SocketTable& t, std::string& buf) {
  if (!read_file(path, buf, 16u << 20)) return;
  for_each_row(buf, [&](std::string_view line) {
    auto f = fields(line);
    if (f.size() < 10) return;
    FdEntry e;
    e.type = FdType::kNetlink;
    e.ino = to_u64(f[9]);
    if (e.ino != 0) t[e.ino] = std::move(e);
  });
}

// Sockets of the network namespace `pid` lives in.
SocketTable load_sockets(const std::string& proc, const std::string& pid, std::string& buf) {
  SocketTable t;
  const std::string base = proc + "/" + pid + "/net/";
  parse_inet(base + "tcp", false, capture::kL4Tcp, t, buf);
  parse_inet(base + "tcp6", true, capture::kL4Tcp, t, buf);
  parse_inet(base + "udp", false, capture::kL4Udp, t, buf);
  parse_inet(base + "udp6", true, capture::kL4Udp, t, buf);
  parse_inet(base + "raw", false, capture::kL4Raw, t, buf);
  parse_inet(base + "raw6", true, capture::kL4Raw, t, buf);
  parse_unix(base + "unix", t, buf);
  parse_netlink(base + "netlink", t, buf);
  return t;
}

// The fd type libscap 0.29.3 gives an anon inode. Newer kinds (bpf, io_uring, userfaultfd,
// pidfd) stay "unsupported": the 2022 file reader rejects fd types above FILE_V2 (16), so a
// capture written from this bootstrap stays readable by sysdig 0.29.3.
FdType anon_type(std::string_view what) {
  if (what == "[eventfd]") return FdType::kEvent;
  if (what == "[signalfd]") return FdType::kSignalfd;
  if (what == "[eventpoll]") return FdType::kEventpoll;
  if (what == "inotify") return FdType::kInotify;
  if (what == "[timerfd]") return FdType::kTimerfd;
  return FdType::kUnsupported;
}

struct Scanner {
  const ProcScanOptions& opts;
  ProcScanStats& stats;
  std::unordered_map<std::string, SocketTable> netns;  // ns link -> sockets
  std::string buf, buf2;

  void scan_fds(const std::string& pid, ThreadEntry& t) {
    const std::string fddir = opts.proc_root + "/" + pid + "/fd";
    DIR* d = ::opendir(fddir.c_str());
    if (d == nullptr) return;
    const int dfd = ::dirfd(d);
    SocketTable* socks = nullptr;
    while (dirent* de = ::readdir(d)) {
      if (!is_number(de->d_name)) continue;
      if (t.fds.size() >= opts.max_fds_per_process) break;
      char target[4096];
      ssize_t n = ::readlinkat(dfd, de->d_name, target, sizeof target);
      if (n <= 0) continue;
      std::string_view link(target, static_cast<size_t>(n));
      FdEntry e;
      e.fd = to_i64(de->d_name);
      if (link.rfind("socket:[", 0) == 0) {
        if (socks == nullptr) {
          std::string ns = read_link(opts.proc_root + "/" + pid + "/ns/net");
          auto it = netns.find(ns);
          if (it == netns.end())
            it = netns.emplace(ns, load_sockets(opts.proc_root, pid, buf)).first;
          socks = &it->second;
        }
        uint64_t ino = to_u64(link.substr(8));
        auto it = socks->find(ino);
        if (it == socks->end()) {
          stats.unresolved_sockets++;
          continue;
        }
        int64_t fd = e.fd;
        e = it->second;
        e.fd = fd;
        stats.sockets++;
      } else if (link.rfind("pipe:[", 0) == 0) {
        e.type = FdType::kFifo;
        e.ino = to_u64(link.substr(6));
        e.name.assign(link);
      } else if (link.rfind("anon_inode:", 0) == 0) {
        e.type = anon_type(link.substr(11));
        e.name.assign(link);
      } else {
        struct stat sb;
        if (::fstatat(dfd, de->d_name, &sb, 0) != 0) continue;
        e.ino = sb.st_ino;
        e.name.assign(link);
        if (S_ISDIR(sb.st_mode)) {
          e.type = FdType::kDirectory;
        } else {
          e.type = FdType::kFileV2;
          e.dev = encode_dev(sb.st_dev);
          e.has_dev = true;
          if (read_file(opts.proc_root + "/" + pid + "/fdinfo/" + de->d_name, buf2)) {
            size_t p = buf2.find("flags:");
            if (p != std::string::npos)
              e.open_flags = ppm_open_flags(to_u64(
                  trim(std::string_view(buf2).substr(p + 6, buf2.find('\n', p) - p - 6)), 8));
          }
        }
      }
      t.fds.push_back(std::move(e));
      stats.fds++;
    }
    ::closedir(d);
  }

  // Fills one thread entry; false when the thread vanished.
  bool scan_thread(const std::string& pid, const std::string& tid, const ThreadEntry* main,
                   ThreadEntry& t) {
    const std::string pbase = opts.proc_root + "/" + pid;
    const std::string tbase = pbase + "/task/" + tid;
    Status st;
    if (!read_status(tbase + "/status", st, buf)) return false;
    Stat sa;
    read_stat(tbase + "/stat", sa, buf);
    t.tid = to_i64(tid);
    t.pid = st.tgid >= 0 ? st.tgid : to_i64(pid);
    t.ptid = st.ppid;
    t.sid = sa.session;
    t.vpgid = sa.pgrp;
    t.tty = sa.tty;
    t.pfminor = sa.minflt;
    t.pfmajor = sa.majflt;
    t.uid = st.euid;
    t.gid = st.egid;
    t.vtid = st.vtid;
    t.vpid = st.vpid;
    if (read_file(tbase + "/comm", t.comm, 1024) && !t.comm.empty() && t.comm.back() == '\n')
      t.comm.pop_back();
    if (main != nullptr) {
      // Threads share the process's image, cwd, root, cgroups and fds.
      t.exe = main->exe;
      t.exepath = main->exepath;
      t.args = main->args;
      t.cwd = main->cwd;
      t.env = main->env;
      t.cgroups = main->cgroups;
      t.root = main->root;
      t.loginuid = main->loginuid;
      t.fdlimit = main->fdlimit;
      t.exe_writable = main->exe_writable;
      t.vmsize_kb = main->vmsize_kb;
      t.vmrss_kb = main->vmrss_kb;
      t.vmswap_kb = main->vmswap_kb;
      t.flags = kClCloneThread | kClCloneFiles;
      return true;
    }
    t.vmsize_kb = st.vmsize;
    t.vmrss_kb = st.vmrss;
    t.vmswap_kb = st.vmswap;
    std::string cmdline;
    read_file(pbase + "/cmdline", cmdline, kMaxArgs);
    size_t nul = cmdline.find('\0');
    if (cmdline.empty()) {
      t.exe = t.comm;
    } else if (nul == std::string::npos) {
      t.exe = cmdline;
    } else {
      t.exe = cmdline.substr(0, nul);
      t.args = cmdline.substr(nul + 1);
    }
    t.exepath = read_link(pbase + "/exe");
    t.cwd = read_link(pbase + "/cwd");
    t.root = read_link(pbase + "/root");
    read_file(pbase + "/environ", t.env, kMaxArgs);
    t.cgroups = read_cgroups(pbase + "/cgroup", buf);
    if (read_file(pbase + "/loginuid", buf, 64) && !buf.empty())
      t.loginuid = static_cast<uint32_t>(to_u64(trim(buf)));
    struct rlimit rl;
    if (::prlimit(static_cast<pid_t>(t.pid), RLIMIT_NOFILE, nullptr, &rl) == 0)
      t.fdlimit = rl.rlim_cur;
    // PPM_EXE_WRITABLE as the probe computes it (fs credentials vs the executable's mode).
    struct stat sb;
    if (!t.exepath.empty() && ::stat((pbase + "/exe").c_str(), &sb) == 0) {
      if (st.capeff & (1u << 1)) {
        t.exe_writable = true;
      } else if (sb.st_uid == st.fsuid) {
        t.exe_writable = sb.st_mode & S_IWUSR;
      } else if (sb.st_gid == st.fsgid) {
        t.exe_writable = sb.st_mode & S_IWGRP;
      } else {
        t.exe_writable = sb.st_mode & S_IWOTH;
      }
    }
    if (opts.fds) scan_fds(pid, t);
    return true;
  }

  void scan_process(const std::string& pid, std::vector<ThreadEntry>& out) {
    ThreadEntry main;
    if (!scan_thread(pid, pid, nullptr, main)) {
      stats.vanished++;
      return;
    }
    stats.processes++;
    stats.threads++;
    const size_t main_index = out.size();
    out.push_back(std::move(main));
    if (!opts.threads) return;
    const std::string taskdir = opts.proc_root + "/" + pid + "/task";
    DIR* d = ::opendir(taskdir.c_str());
    if (d == nullptr) return;
    while (dirent* de = ::readdir(d)) {
      if (!is_number(de->d_name) || pid == de->d_name) continue;
      ThreadEntry t;
      if (scan_thread(pid, de->d_name, &out[main_index], t)) {
        out.push_back(std::move(t));
        stats.threads++;
      }
    }
    ::closedir(d);
  }
};

void read_users(const std::string& etc, Metadata& m) {
  std::string buf;
  if (read_file(etc + "/passwd", buf)) {
    for_each_line(buf, [&](std::string_view line) {
      std::vector<std::string_view> f;
      size_t pos = 0;
      while (pos <= line.size()) {
        size_t end = line.find(':', pos);
        if (end == std::string_view::npos) end = line.size();
        f.push_back(line.substr(pos, end - pos));
        pos = end + 1;
      }
      if (f.size() < 7 || f[0].empty() || f[0][0] == '#') return;
      capture::UserEntry u;
      u.name.assign(f[0]);
      u.uid = static_cast<uint32_t>(to_u64(f[2]));
      u.gid = static_cast<uint32_t>(to_u64(f[3]));
      u.home.assign(f[5]);
      u.shell.assign(f[6]);
      m.users.push_back(std::move(u));
    });
  }
  if (read_file(etc + "/group", buf)) {
    for_each_line(buf, [&](std::string_view line) {
      size_t c1 = line.find(':');
      if (c1 == std::string_view::npos || c1 == 0 || line[0] == '#') return;
      size_t c2 = line.find(':', c1 + 1);
      if (c2 == std::string_view::npos) return;
      size_t c3 = line.find(':', c2 + 1);
      capture::GroupEntry g;
      g.name.assign(line.substr(0, c1));
      g.gid = static_cast<uint32_t>(to_u64(line.substr(c2 + 1, c3 - c2 - 1)));
      m.groups.push_back(std::move(g));
    });
  }
  m.has_users = true;
}

void read_interfaces(Metadata& m) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr) continue;
    capture::Interface itf;
    itf.name = a->ifa_name ? a->ifa_name : "";
    if (a->ifa_addr->sa_family == AF_INET) {
      itf.type = 3;
      auto cp = [](const sockaddr* s, std::array<uint8_t, 16>& out) {
        if (s) std::memcpy(out.data(), &reinterpret_cast<const sockaddr_in*>(s)->sin_addr, 4);
      };
      cp(a->ifa_addr, itf.addr);
      cp(a->ifa_netmask, itf.netmask);
      if (a->ifa_flags & IFF_BROADCAST) cp(a->ifa_broadaddr, itf.bcast);
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      itf.type = 4;
      auto cp = [](const sockaddr* s, std::array<uint8_t, 16>& out) {
        if (s) std::memcpy(out.data(), &reinterpret_cast<const sockaddr_in6*>(s)->sin6_addr, 16);
      };
      cp(a->ifa_addr, itf.addr);
      cp(a->ifa_netmask, itf.netmask);
    } else {
      continue;
    }
    m.interfaces.push_back(std::move(itf));
  }
  ::freeifaddrs(list);
  m.has_interfaces = true;
}

void read_machine(const std::string& proc, Metadata& m) {
  m.machine.present = true;
  m.machine.num_cpus = static_cast<uint32_t>(::sysconf(_SC_NPROCESSORS_ONLN));
  struct sysinfo si;
  if (::sysinfo(&si) == 0) m.machine.memory_size_bytes = uint64_t{si.totalram} * si.mem_unit;
  std::string buf;
  if (read_file(proc + "/sys/kernel/pid_max", buf)) m.machine.max_pid = to_u64(trim(buf));
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) m.machine.hostname = host;
}

}  // namespace

uint32_t ppm_open_flags(uint64_t f) {
  uint32_t r = 0;
  switch (f & O_ACCMODE) {
    case O_WRONLY:
      r |= 1u << 1;
      break;
    case O_RDWR:
      r |= (1u << 0) | (1u << 1);
      break;
    default:
      r |= 1u << 0;
      break;
  }
  if (f & O_CREAT) r |= 1u << 2;
  if (f & O_APPEND) r |= 1u << 3;
  if (f & O_DSYNC) r |= 1u << 4;
  if (f & O_EXCL) r |= 1u << 5;
  if (f & O_NONBLOCK) r |= 1u << 6;
  if ((f & O_SYNC) == O_SYNC) r |= 1u << 7;
  if (f & O_TRUNC) r |= 1u << 8;
  if (f & O_DIRECT) r |= 1u << 9;
  if (f & O_DIRECTORY) r |= 1u << 10;
  if (f & 0100000) r |= 1u << 11;  // O_LARGEFILE (0 in the x86_64 userspace headers)
  if (f & O_CLOEXEC) r |= 1u << 12;
  if ((f & O_TMPFILE) == O_TMPFILE) r |= 1u << 13;
  return r;
}

void scan_proc(const ProcScanOptions& opts, Metadata& out, ProcScanStats* stats_out) {
  const auto t0 = std::chrono::steady_clock::now();
  ProcScanStats stats;
  out.clear();
  read_machine(opts.proc_root, out);
  read_interfaces(out);
  read_users(opts.etc_root, out);
  out.pl_version = 9;
  Scanner sc{opts, stats, {}, {}, {}};
  DIR* d = ::opendir(opts.proc_root.c_str());
  if (d != nullptr) {
    std::vector<std::string> pids;
    while (dirent* de = ::readdir(d)) {
      if (is_number(de->d_name)) pids.emplace_back(de->d_name);
    }
    ::closedir(d);
    for (const std::string& pid : pids) sc.scan_process(pid, out.threads);
  }
  stats.elapsed_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  if (stats_out) *stats_out = stats;
}

}  // namespace pg::live
