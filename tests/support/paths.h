// Paths the tests use: the source tree, the build tree, and the shared folder (official Falco
// rules and real captures), which may be absent; tests that need it skip with a reason.
#pragma once

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace pg::test {

inline std::string source_dir() { return PG_SOURCE_DIR; }
inline std::string binary_dir() { return PG_BINARY_DIR; }

// ../shared next to the project, or $PEREGRINE_SHARED.
inline std::string shared_dir() {
  if (const char* e = std::getenv("PEREGRINE_SHARED")) return e;
  return std::filesystem::weakly_canonical(std::filesystem::path(PG_SOURCE_DIR) / ".." / "shared")
      .string();
}

inline bool shared_available(const std::string& sub) {
  return std::filesystem::exists(std::filesystem::path(shared_dir()) / sub);
}

// Skips the current test when a shared sub-folder is missing.
#define PG_REQUIRE_SHARED(sub)                                                        \
  do {                                                                                \
    if (!::pg::test::shared_available(sub))                                           \
      GTEST_SKIP() << "shared folder '" << ::pg::test::shared_dir() << "/" << (sub)  \
                   << "' is absent; this test needs the official Falco files";        \
  } while (0)

inline std::string read_text(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return {};
  std::string s;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

// Parameters of the suites that run on the official rules files: each file alone, then all
// three in Falco's order.
inline std::vector<std::vector<std::string>> official_file_sets() {
  return {{"falco_rules.yaml"},
          {"falco-incubating_rules.yaml"},
          {"falco-sandbox_rules.yaml"},
          {"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"}};
}

// A test name for one of official_file_sets(): the file's stem, or `all` for the three.
inline std::string official_set_name(const std::vector<std::string>& files, const char* all) {
  if (files.size() > 1) return all;
  std::string n;
  for (char c : files[0].substr(0, files[0].find('.')))
    n.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return n;
}

}  // namespace pg::test
