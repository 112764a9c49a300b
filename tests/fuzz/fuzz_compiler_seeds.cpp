// Seed corpus generator for the fuzz targets (run at build time by tests/fuzz/CMakeLists.txt).
//
//   fuzz_compiler_seeds <condition-dir> <loader-dir> [rules.yaml ...]
//
// Empties both output directories, then for each rules file writes
//   - to <loader-dir>: the whole file, and each top-level item of its YAML sequence on its
//     own (the source lines from the item's "-" to the next item), for fuzz_loader;
//   - to <condition-dir>: the `condition:` text of every macro and rule, for fuzz_condition.
// Files are split with the project's own YAML reader (compiler/yaml.h). Seeds are named by a
// hash of their content, so duplicates collapse. Missing or unreadable rules files are
// reported and skipped: with no rules files at all the directories stay empty and the fuzzers
// start from the checked-in seeds alone.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source.h"
#include "compiler/validate.h"
#include "compiler/yaml.h"
#include "tests/fuzz/seed_name.h"

namespace fs = std::filesystem;

namespace {

class SeedDir {
 public:
  SeedDir(fs::path dir, std::string ext) : dir_(std::move(dir)), ext_(std::move(ext)) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void add(std::string_view content, std::string_view prefix) {
    if (content.empty() || !seen_.insert(std::string(content)).second) return;
    std::ofstream out(dir_ / (std::string(prefix) + "-" + pg::fuzz::seed_name(content) + ext_),
                      std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  size_t size() const { return seen_.size(); }

 private:
  fs::path dir_;
  std::string ext_;
  std::set<std::string> seen_;
};

// Offset of the start of the line holding `offset`.
uint32_t line_start(const std::string& text, uint32_t offset) {
  while (offset > 0 && text[offset - 1] != '\n') offset--;
  return offset;
}

// Start of the source of a block-sequence item: the line of its "-" marker, or npos when the
// item is not written that way (flow sequences, odd layouts).
size_t item_start(const std::string& text, const pg::yaml::Node& item) {
  size_t at = line_start(text, item.offset);
  size_t p = at;
  while (p < text.size() && text[p] == ' ') p++;
  if (p < text.size() && text[p] == '-') return at;
  // "-\n  key: ..." puts the item's mark on the next line: look one line up.
  if (at == 0) return std::string::npos;
  size_t prev = line_start(text, static_cast<uint32_t>(at - 1));
  p = prev;
  while (p < text.size() && text[p] == ' ') p++;
  return p < text.size() && text[p] == '-' ? prev : std::string::npos;
}

void split_file(const fs::path& path, SeedDir& conditions, SeedDir& loader) {
  std::string content, error;
  if (!pg::read_file(path.string(), content, error)) {
    std::fprintf(stderr, "fuzz_compiler_seeds: skipping %s\n", error.c_str());
    return;
  }
  std::string stem = path.stem().string();
  loader.add(content, stem);

  pg::SourceFile file(path.filename().string(), content);
  pg::yaml::ParseResult parsed = pg::yaml::parse(file);
  std::vector<size_t> starts;
  for (const pg::yaml::Document& doc : parsed.documents) {
    const pg::yaml::Node& root = doc.root();
    if (root.kind != pg::yaml::Kind::kSequence || root.flow) continue;
    for (uint32_t i = 0; i < root.count; i++) {
      const pg::yaml::Node& item = doc.item(root, i);
      size_t s = item_start(content, item);
      if (s != std::string::npos && (starts.empty() || s > starts.back())) starts.push_back(s);
      if (item.kind != pg::yaml::Kind::kMap) continue;
      if (!doc.find(item, "macro") && !doc.find(item, "rule")) continue;
      const pg::yaml::Node* cond = doc.find(item, "condition");
      if (cond && cond->kind == pg::yaml::Kind::kScalar) conditions.add(cond->value, stem);
    }
  }
  for (size_t i = 0; i < starts.size(); i++) {
    size_t end = i + 1 < starts.size() ? starts[i + 1] : content.size();
    loader.add(std::string_view(content).substr(starts[i], end - starts[i]), stem + "-item");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: fuzz_compiler_seeds <condition-dir> <loader-dir> [rules.yaml ...]\n");
    return 2;
  }
  try {
    SeedDir conditions(argv[1], ".txt");
    SeedDir loader(argv[2], ".yaml");
    for (int i = 3; i < argc; i++) split_file(argv[i], conditions, loader);
    std::printf("fuzz_compiler_seeds: %zu condition seeds, %zu loader seeds, %d rules files\n",
                conditions.size(), loader.size(), argc - 3);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_compiler_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
