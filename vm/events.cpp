// Builds the lookup tables of vm/events.h from the X-macro files at static-initialisation time.
#include "vm/events.h"

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <unordered_map>

namespace pg {
namespace {

// ---- flag tables ---------------------------------------------------------------------------

struct FlagRow {
  const char* set;  // non-null: starts a table
  const char* name;
  uint32_t value;
};

constexpr FlagRow kFlagRows[] = {
#define FLAGSET(ident) {#ident, nullptr, 0},
#define FLAG(name, value) {nullptr, name, value},
#define DYNSET(ident)
#define DYN(type, fmt)
#include "vm/flags.def"
};

struct DynRow {
  const char* set;  // non-null: starts a layout
  ParamType type;
  ParamFormat format;
};

// ---- event rows ----------------------------------------------------------------------------

enum Dir : uint8_t { E = 0, X = 1 };
constexpr int NONE = -1;
constexpr int DIRFD(int n) { return 1000 + n; }

struct EvRow {
  bool is_event;
  uint16_t code;
  const char* ident;
  const char* name;
  uint8_t dir;
  uint16_t category;
  uint16_t flags;
  ParamType type;
  ParamFormat format;
  const char* info;  // flag table ident, or nullptr
  int dirfd;         // -1 or param index
};

// Each info argument is NONE, DIRFD(n) or a flag-table identifier; InfoArg accepts all three.
struct InfoArg {
  const char* table = nullptr;
  int dirfd = -1;
  constexpr InfoArg(int v) : dirfd(v >= 1000 ? v - 1000 : -1) {}
  constexpr InfoArg(const char* t) : table(t) {}
};

// Names used by the rows of events.def: PT_*, PF_* and the flag-table identifiers.
#define PG_PT_ALIAS(name, code) [[maybe_unused]] constexpr ParamType PT_##name = ParamType::name;
PG_PARAM_TYPES(PG_PT_ALIAS)
#undef PG_PT_ALIAS
constexpr ParamFormat PF_NA = ParamFormat::NA, PF_DEC = ParamFormat::DEC,
                      PF_HEX = ParamFormat::HEX, PF_10_PADDED_DEC = ParamFormat::PADDED_DEC,
                      PF_ID = ParamFormat::ID, PF_DIR = ParamFormat::DIR, PF_OCT = ParamFormat::OCT;
#define FLAGSET(ident) constexpr const char* ident = #ident;
#define FLAG(name, value)
#define DYNSET(ident) constexpr const char* ident = #ident;
#define DYN(type, fmt)
#include "vm/flags.def"

constexpr DynRow kDynRows[] = {
#define FLAGSET(ident)
#define FLAG(name, value)
#define DYNSET(ident) {#ident, ParamType::NONE, ParamFormat::NA},
#define DYN(type, fmt) {nullptr, type, fmt},
#include "vm/flags.def"
};

constexpr EvRow make_event(uint16_t code, const char* ident, const char* name, uint8_t dir,
                           uint16_t cat, uint16_t flags) {
  return EvRow{true, code, ident, name, dir, cat, flags, ParamType::NONE, ParamFormat::NA,
               nullptr, -1};
}
constexpr EvRow make_param(const char* name, ParamType t, ParamFormat f, InfoArg info) {
  return EvRow{false, 0, nullptr, name, 0, 0, 0, t, f, info.table, info.dirfd};
}

const EvRow kEvRows[] = {
#define EVENT(code, ident, name, dir, cat, flags) \
  make_event(code, #ident, name, dir, cat, static_cast<uint16_t>(flags)),
#define PARAM(name, type, fmt, info) make_param(name, type, fmt, info),
#include "vm/events.def"
};

// ---- syscalls ------------------------------------------------------------------------------

struct ScRow {
  uint16_t code;
  const char* name;
};
constexpr ScRow kSyscalls[] = {
#define SYSCALL(code, name) {code, name},
#define ROUTE(nr, code, e, x)
#include "vm/syscalls.def"
};

struct RouteRow {
  uint32_t nr;
  int32_t code;
  uint16_t enter, exit;
};
constexpr RouteRow kRoutes[] = {
#define SYSCALL(code, name)
#define ROUTE(nr, code, e, x) {nr, code, e, x},
#include "vm/syscalls.def"
};

// ---- assembled tables ----------------------------------------------------------------------

struct Tables {
  std::vector<FlagName> flag_storage;
  std::map<std::string, std::span<const FlagName>, std::less<>> flag_tables;
  std::vector<DynParam> dyn_storage;
  std::map<std::string, std::span<const DynParam>, std::less<>> dyn_tables;
  std::vector<ParamInfo> param_storage;
  std::array<EventInfo, kEventMax> events{};
  std::unordered_map<std::string_view, std::vector<uint16_t>> codes_by_name;
  std::vector<std::string_view> param_names;  // sorted, unique
  std::unordered_map<std::string_view, int> syscall_by_name;
  std::vector<std::string_view> syscall_names;
  std::vector<SyscallRoute> routes;
  std::vector<std::string_view> all_names;

  Tables() {
    // Flag tables: two passes so spans stay valid.
    flag_storage.reserve(std::size(kFlagRows));
    std::vector<std::pair<std::string, std::pair<size_t, size_t>>> ranges;
    for (const FlagRow& r : kFlagRows) {
      if (r.set) {
        ranges.push_back({r.set, {flag_storage.size(), 0}});
      } else {
        flag_storage.push_back({r.name, r.value});
        ranges.back().second.second++;
      }
    }
    for (auto& [name, range] : ranges)
      flag_tables[name] = std::span<const FlagName>(flag_storage.data() + range.first,
                                                     range.second);

    dyn_storage.reserve(std::size(kDynRows));
    std::vector<std::pair<std::string, std::pair<size_t, size_t>>> dranges;
    for (const DynRow& r : kDynRows) {
      if (r.set) {
        dranges.push_back({r.set, {dyn_storage.size(), 0}});
      } else {
        dyn_storage.push_back({r.type, r.format});
        dranges.back().second.second++;
      }
    }
    for (auto& [name, range] : dranges)
      dyn_tables[name] = std::span<const DynParam>(dyn_storage.data() + range.first, range.second);

    // Events: count params first so the storage never reallocates.
    size_t nparams = 0;
    for (const EvRow& r : kEvRows) nparams += r.is_event ? 0 : 1;
    param_storage.reserve(nparams);
    std::vector<std::pair<const EvRow*, std::pair<size_t, size_t>>> evs;
    for (const EvRow& r : kEvRows) {
      if (r.is_event) {
        evs.push_back({&r, {param_storage.size(), 0}});
      } else {
        std::span<const FlagName> flags;
        std::span<const DynParam> dyn;
        if (r.info) {
          if (auto it = flag_tables.find(r.info); it != flag_tables.end()) flags = it->second;
          if (auto it = dyn_tables.find(r.info); it != dyn_tables.end()) dyn = it->second;
        }
        param_storage.push_back(
            {r.name, r.type, r.format, static_cast<int8_t>(r.dirfd), flags, dyn});
        evs.back().second.second++;
      }
    }
    for (auto& [row, range] : evs) {
      EventInfo& e = events.at(row->code);
      e.code = row->code;
      e.ident = row->ident;
      e.name = row->name;
      e.is_exit = row->dir == X;
      e.category = row->category;
      e.flags = row->flags;
      e.params = std::span<const ParamInfo>(param_storage.data() + range.first, range.second);
      codes_by_name[e.name].push_back(e.code);
    }
    for (const ParamInfo& p : param_storage) param_names.push_back(p.name);
    std::sort(param_names.begin(), param_names.end());
    param_names.erase(std::unique(param_names.begin(), param_names.end()), param_names.end());

    uint16_t max_code = 0;
    for (const ScRow& s : kSyscalls) max_code = std::max(max_code, s.code);
    syscall_names.resize(max_code + 1);
    for (const ScRow& s : kSyscalls) {
      syscall_names[s.code] = s.name;
      syscall_by_name.emplace(s.name, s.code);
    }
    uint32_t max_nr = 0;
    for (const RouteRow& r : kRoutes) max_nr = std::max(max_nr, r.nr);
    routes.resize(max_nr + 1);
    for (const RouteRow& r : kRoutes) routes[r.nr] = {r.code, r.enter, r.exit};

    for (auto& [name, codes] : codes_by_name) all_names.push_back(name);
    for (const ScRow& s : kSyscalls) all_names.push_back(s.name);
    std::sort(all_names.begin(), all_names.end());
    all_names.erase(std::unique(all_names.begin(), all_names.end()), all_names.end());
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const EventInfo* event_info(uint16_t code) {
  if (code >= kEventMax) return nullptr;
  return &tables().events[code];
}

std::span<const uint16_t> event_codes_by_name(std::string_view name) {
  const auto& m = tables().codes_by_name;
  auto it = m.find(name);
  if (it == m.end()) return {};
  return it->second;
}

bool is_known_event_param(std::string_view name) {
  const auto& v = tables().param_names;
  return std::binary_search(v.begin(), v.end(), name);
}

int syscall_code_by_name(std::string_view name) {
  const auto& m = tables().syscall_by_name;
  auto it = m.find(name);
  return it == m.end() ? -1 : it->second;
}

std::string_view syscall_name(uint16_t ppm_code) {
  const auto& v = tables().syscall_names;
  return ppm_code < v.size() ? v[ppm_code] : std::string_view();
}

uint16_t syscall_code_count() { return static_cast<uint16_t>(tables().syscall_names.size()); }

SyscallRoute syscall_route(uint32_t native_nr) {
  const auto& v = tables().routes;
  return native_nr < v.size() ? v[native_nr] : SyscallRoute{};
}

std::vector<uint16_t> index_codes_by_name(std::string_view name) {
  std::span<const uint16_t> codes = event_codes_by_name(name);
  if (!codes.empty()) return std::vector<uint16_t>(codes.begin(), codes.end());
  int sc = syscall_code_by_name(name);
  if (sc >= 0 && sc < kSyscallCodeMax) return {generic_index_code(static_cast<uint16_t>(sc))};
  return {};
}

const std::vector<std::string_view>& all_event_names() { return tables().all_names; }

std::span<const FlagName> flag_table(std::string_view ident) {
  const auto& m = tables().flag_tables;
  auto it = m.find(ident);
  return it == m.end() ? std::span<const FlagName>() : it->second;
}

}  // namespace pg
