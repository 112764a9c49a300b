// Golden disassembly: every tests/cases/disasm/<name>.yaml compiles to exactly the listing in
// <name>.disasm. PEREGRINE_REGEN_CASES=1 rewrites the listings from the current compiler (then
// review the diff: codegen changes must be deliberate).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "compiler/compiler.h"
#include "tests/support/paths.h"
#include "vm/disasm.h"

namespace pg {
namespace {

std::vector<std::string> cases() {
  std::vector<std::string> out;
  std::filesystem::path dir = std::filesystem::path(test::source_dir()) / "tests/cases/disasm";
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".yaml") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

class Disasm : public ::testing::TestWithParam<std::string> {};

TEST_P(Disasm, MatchesGolden) {
  std::filesystem::path dir = std::filesystem::path(test::source_dir()) / "tests/cases/disasm";
  std::string yaml = test::read_text((dir / (GetParam() + ".yaml")).string());
  CompileOutput out = compile_rules({RulesSource{GetParam() + ".yaml", yaml, false}});
  ASSERT_TRUE(out.ok) << (out.files[0].result.errors.empty() ? out.error
                                                               : out.files[0].result.errors[0].message);
  std::string got = vm::disassemble(out.program);
  std::filesystem::path golden = dir / (GetParam() + ".disasm");
  if (std::getenv("PEREGRINE_REGEN_CASES")) {
    std::ofstream(golden) << got;
    GTEST_SKIP() << "regenerated " << golden;
  }
  std::string want = test::read_text(golden.string());
  EXPECT_EQ(got, want) << "codegen changed for " << GetParam()
                       << "; if intended, regenerate with PEREGRINE_REGEN_CASES=1";
}

INSTANTIATE_TEST_SUITE_P(Cases, Disasm, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace pg
