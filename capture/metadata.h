// Capture metadata: what the scap metadata blocks carry (machine info, interfaces, users and
// groups, the initial thread table with each thread's fds). The reader fills it, the state
// engine seeds its tables from it, and the writer serialises it back (CAPTURE.md 1.3).
//
// Plain values, no pointers into reader buffers: a Metadata outlives the reader that made it.
// Strings hold the bytes as stored in the file (no NUL terminators; args, env and cgroups keep
// their NUL separators).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pg::capture {

// scap fd types (scap_fd_type), as stored in FDL blocks and used by the fd table.
enum class FdType : uint8_t {
  kUnknown = 0,
  kFile = 1,
  kDirectory = 2,
  kIpv4Sock = 3,
  kIpv6Sock = 4,
  kIpv4ServSock = 5,
  kIpv6ServSock = 6,
  kFifo = 7,
  kUnixSock = 8,
  kEvent = 9,
  kUnsupported = 10,
  kSignalfd = 11,
  kEventpoll = 12,
  kInotify = 13,
  kTimerfd = 14,
  kNetlink = 15,
  kFileV2 = 16,
  kBpf = 17,
  kUserfaultfd = 18,
  kIoUring = 19,
  kMemfd = 20,
  kPidfd = 21,
};

// Layer-4 protocols (scap_l4_proto).
enum L4Proto : uint8_t { kL4Unknown = 0, kL4Na = 1, kL4Tcp = 2, kL4Udp = 3, kL4Icmp = 4, kL4Raw = 5 };

// MI block.
struct MachineInfo {
  bool present = false;
  uint32_t num_cpus = 0;
  uint64_t memory_size_bytes = 0;
  uint64_t max_pid = 0;
  std::string hostname;
  std::array<uint64_t, 4> reserved{};  // boot_ts_epoch, flags and two spare fields in modern libs
};

// One IL entry. Addresses are raw network-order bytes (IPv4 in the first 4 bytes).
struct Interface {
  uint16_t type = 1;  // 1 IPv4, 2 IPv6, 3 IPv4 without link speed, 4 IPv6 without link speed
  bool is_v6() const { return type == 2 || type == 4; }
  std::array<uint8_t, 16> addr{};
  std::array<uint8_t, 16> netmask{};
  std::array<uint8_t, 16> bcast{};
  uint64_t linkspeed = 0;
  std::string name;
};

// One UL user entry.
struct UserEntry {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string name, home, shell;
};

// One UL group entry.
struct GroupEntry {
  uint32_t gid = 0;
  std::string name;
};

// One FDL entry (an open fd of a thread at capture start).
struct FdEntry {
  int64_t fd = 0;
  uint64_t ino = 0;
  FdType type = FdType::kUnknown;
  // Sockets: v4 addresses in the first 4 bytes, network order; ports in host order.
  std::array<uint8_t, 16> sip{}, dip{};
  uint16_t sport = 0, dport = 0;
  uint8_t l4proto = 0;
  uint64_t unix_source = 0, unix_dest = 0;
  uint32_t open_flags = 0;  // FILE_V2: PPM_O_* flags
  uint32_t dev = 0;         // FILE_V2: device, when present
  bool has_dev = false;
  std::string name;         // path, unix socket path, or the other types' name
};

// One PL entry (a thread at capture start).
struct ThreadEntry {
  int64_t tid = -1, pid = -1, ptid = -1, sid = -1, vpgid = -1;
  std::string comm, exe, exepath, args, cwd;
  uint64_t fdlimit = 0;
  uint32_t flags = 0, uid = 0xffffffff, gid = 0xffffffff;
  uint32_t vmsize_kb = 0, vmrss_kb = 0, vmswap_kb = 0;
  uint64_t pfmajor = 0, pfminor = 0;
  std::string env;
  int64_t vtid = -1, vpid = -1;
  std::string cgroups, root;
  uint32_t loginuid = 0xffffffff;
  bool exe_writable = false;
  uint32_t tty = 0;  // only modern PL_V9 entries carry it
  std::vector<FdEntry> fds;
};

// Everything the metadata blocks of one section carried.
struct Metadata {
  uint16_t major = 1, minor = 2;  // SHB version of the section
  MachineInfo machine;
  std::vector<Interface> interfaces;
  bool has_interfaces = false;  // an IL block was read
  std::vector<UserEntry> users;
  std::vector<GroupEntry> groups;
  bool has_users = false;  // a UL block was read
  std::vector<ThreadEntry> threads;
  uint16_t pl_version = 0;  // 1..9, or 0 when no PL block was read

  void clear() { *this = Metadata(); }
};

}  // namespace pg::capture
