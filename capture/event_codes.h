// PPM event codes (2022 numbering, vm/events.def) that the capture layer parses by name, with
// the libscap identifiers they correspond to, and the PPM_CL_* thread flags.
#pragma once

#include <cstdint>

namespace pg::capture {
namespace ev {

inline constexpr uint16_t kGenericE = 0, kGenericX = 1;
inline constexpr uint16_t kOpenE = 2, kOpenX = 3, kCloseE = 4, kCloseX = 5;
inline constexpr uint16_t kReadX = 7, kWriteX = 9;
inline constexpr uint16_t kExecve8X = 13, kClone11X = 15, kProcexitE = 16;
inline constexpr uint16_t kSocketE = 18, kSocketX = 19, kBindE = 20, kBindX = 21;
inline constexpr uint16_t kConnectE = 22, kConnectX = 23, kListenE = 24, kListenX = 25;
inline constexpr uint16_t kAcceptE = 26, kAcceptX = 27, kSendX = 29, kSendtoE = 30;
inline constexpr uint16_t kSendtoX = 31, kRecvX = 33, kRecvfromE = 34, kRecvfromX = 35;
inline constexpr uint16_t kShutdownE = 36, kShutdownX = 37, kSocketpairX = 43;
inline constexpr uint16_t kSendmsgE = 48, kSendmsgX = 49, kSendmmsgE = 50, kSendmmsgX = 51;
inline constexpr uint16_t kRecvmsgE = 52, kRecvmsgX = 53, kRecvmmsgE = 54, kRecvmmsgX = 55;
inline constexpr uint16_t kAccept4E = 56, kAccept4X = 57, kCreatE = 58, kCreatX = 59;
inline constexpr uint16_t kPipeE = 60, kPipeX = 61, kEventfdE = 62, kEventfdX = 63;
inline constexpr uint16_t kChdirE = 94, kChdirX = 95, kFchdirE = 96, kFchdirX = 97;
inline constexpr uint16_t kMkdirE = 98, kRmdirE = 100, kOpenatE = 102, kOpenatX = 103;
inline constexpr uint16_t kLinkE = 104, kLinkatE = 106, kUnlinkE = 108, kUnlinkatE = 110;
inline constexpr uint16_t kPreadX = 113, kPwriteX = 115, kReadvX = 117, kWritevX = 119;
inline constexpr uint16_t kPreadvX = 121, kPwritevX = 123, kDupE = 124, kDupX = 125;
inline constexpr uint16_t kSignalfdX = 127, kTimerfdCreateX = 137, kInotifyInitX = 139;
inline constexpr uint16_t kGetrlimitE = 140, kSetrlimitE = 142, kPrlimitE = 144;
inline constexpr uint16_t kSwitch1E = 146, kFcntlE = 150, kFcntlX = 151, kSwitch6E = 152;
inline constexpr uint16_t kBrk4X = 159, kMmapX = 161, kMmap2X = 163, kMunmapX = 165;
inline constexpr uint16_t kExecve13X = 155, kClone16X = 157, kExecve14X = 173;
inline constexpr uint16_t kForkX = 183, kVforkX = 185, kProcexit1E = 186, kSendfileE = 188;
inline constexpr uint16_t kSetresuidE = 192, kSetresuidX = 193, kSetresgidE = 194;
inline constexpr uint16_t kSetresgidX = 195, kSetuidE = 198, kSetuidX = 199, kSetgidE = 200;
inline constexpr uint16_t kSetgidX = 201, kExecve15X = 215, kClone17X = 217, kFork17X = 219;
inline constexpr uint16_t kVfork17X = 221, kClone20X = 223, kFork20X = 225, kVfork20X = 227;
inline constexpr uint16_t kContainerE = 228, kExecve16X = 231, kProcinfoE = 234;
inline constexpr uint16_t kAccept5E = 246, kAccept5X = 247, kAccept45E = 248, kAccept45X = 249;
inline constexpr uint16_t kContainerJsonE = 272, kSetsidX = 275, kMkdir2E = 276, kRmdir2E = 278;
inline constexpr uint16_t kExecve17X = 283, kExecve18E = 288, kExecve18X = 289;
inline constexpr uint16_t kExecve19E = 292, kExecve19X = 293, kSetpgidE = 294, kSetpgidX = 295;
inline constexpr uint16_t kUnlink2E = 300, kUnlinkat2E = 302, kMkdiratE = 304;
inline constexpr uint16_t kOpenat2E = 306, kOpenat2X = 307, kLink2E = 308, kLinkat2E = 310;
inline constexpr uint16_t kContainerJson2E = 324, kOpenat2NewE = 326, kOpenat2NewX = 327;
inline constexpr uint16_t kExecveatE = 330, kExecveatX = 331, kClone3X = 335;

}  // namespace ev

// PPM_CL_* thread flags (clone flags plus sinsp's own bits).
enum CloneFlags : uint32_t {
  kClCloneFiles = 1u << 0,
  kClCloneFs = 1u << 1,
  kClCloneThread = 1u << 13,
  kClCloneVm = 1u << 15,
  kClCloneInverted = 1u << 16,
  kClNameChanged = 1u << 17,
  kClClosed = 1u << 18,
  kClActive = 1u << 19,
  kClCloneNewuser = 1u << 20,
  kClChildInPidns = 1u << 29,
  kClIsMainThread = 1u << 30,
  kClCloneVfork = 1u << 27,
};

// PPM_O_* open flags.
enum OpenFlags : uint32_t {
  kORdonly = 1u << 0,
  kOWronly = 1u << 1,
  kOCreat = 1u << 2,
  kODirectory = 1u << 10,
  kOCloexec = 1u << 12,
};

// PPM_EXE_WRITABLE in execve's flags parameter.
inline constexpr uint32_t kExeWritable = 1u << 0;

}  // namespace pg::capture
