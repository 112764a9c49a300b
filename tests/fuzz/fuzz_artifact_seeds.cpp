// Seed corpus generator for fuzz_artifact (run at build time by tests/fuzz/CMakeLists.txt).
//
//   fuzz_artifact_seeds <out-dir> [rules.yaml ...]
//
// Empties <out-dir>, then compiles the embedded default rules and each rules file given (each
// on its own; files that do not compile are skipped) and writes each program's artifact
// *payload* (the bytes after the header, which fuzz_artifact wraps in a valid header), plus
// one whole artifact prefixed with 0xFF (fuzz_artifact's raw mode). Seeds are named by a
// hash of their content.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "compiler/compiler.h"
#include "rules/default_rules.h"
#include "tests/fuzz/seed_name.h"
#include "vm/program.h"

namespace fs = std::filesystem;

namespace {

void write(const fs::path& dir, const std::string& bytes) {
  std::ofstream(dir / pg::fuzz::seed_name(bytes), std::ios::binary) << bytes;
}

size_t header_size(const std::string& artifact) {
  uint16_t vlen = 0;
  std::memcpy(&vlen, artifact.data() + 8, 2);
  return 10 + vlen + 16;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fuzz_artifact_seeds OUT-DIR [rules.yaml ...]\n");
    return 2;
  }
  fs::path out = argv[1];
  std::error_code ec;
  fs::remove_all(out, ec);
  fs::create_directories(out);
  std::vector<std::vector<pg::RulesSource>> sets;
  sets.push_back({{pg::kDefaultRulesName, std::string(pg::kDefaultRules), false}});
  for (int i = 2; i < argc; i++) sets.push_back({{argv[i], "", true}});
  size_t written = 0;
  bool raw_done = false;
  for (const auto& set : sets) {
    pg::CompileOutput c = pg::compile_rules(set);
    if (!c.ok) continue;
    std::string art = pg::vm::serialize(c.program);
    write(out, art.substr(header_size(art)));
    if (!raw_done) {
      write(out, "\xFF" + art);
      raw_done = true;
    }
    written++;
  }
  std::printf("fuzz_artifact_seeds: %zu programs\n", written);
  return 0;
}
