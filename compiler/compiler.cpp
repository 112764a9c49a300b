#include "compiler/compiler.h"

#include <cstring>

namespace pg {

namespace {

// The fast path: read every file, compile once. Returns false when anything went wrong, so
// the caller redoes the load file by file for Falco's exact per-file reporting.
bool compile_once(const std::vector<RulesSource>& sources, const LoaderOptions& lopts,
                  const LowerOptions& opts, CompileOutput& out) {
  LoaderOptions lo = lopts;
  lo.compile_each_file = false;
  out.loader = std::make_shared<Loader>(EngineInfo{}, lo);
  Loader& loader = *out.loader;
  for (const RulesSource& src : sources) {
    ValidatedFile vf;
    std::string content = src.content, error;
    if (src.read_from_disk && !read_file(src.name, content, error)) return false;
    vf.result = loader.load(src.name, std::move(content));
    if (!vf.result.successful) return false;
    vf.schema.valid = vf.result.schema_valid;
    vf.schema.warnings = vf.result.schema_warnings;
    out.files.push_back(std::move(vf));
  }
  if (!loader.unsatisfied_plugin_requirements().empty() || out.files.empty()) return false;
  // Warnings of the final compile are reported with the last file, as Falco's last result.
  if (!loader.compile(out.files.back().result)) return false;
  out.ruleset = loader.compiled_shared();
  if (!lower(*out.ruleset, out.program, out.error, opts)) return false;
  out.ok = true;
  return true;
}

}  // namespace

CompileOutput compile_rules(const std::vector<RulesSource>& sources, const LoaderOptions& lopts,
                            const LowerOptions& opts) {
  CompileOutput out;
  run_with_large_stack([&] {
    if (compile_once(sources, lopts, opts, out)) return;
    out = CompileOutput{};
    out.loader = std::make_shared<Loader>(EngineInfo{}, lopts);
    Loader& loader = *out.loader;
    bool all_ok = true;
    for (const RulesSource& src : sources) {
      ValidatedFile vf;
      std::string content = src.content, error;
      if (src.read_from_disk && !read_file(src.name, content, error)) {
        vf.result.name = src.name;
        vf.result.successful = false;
        Diagnostic d;
        d.code = DiagCode::LOAD_ERR_FILE_READ;
        d.message = error;
        d.context.push_back(ContextLoc{"rules content", "", src.name, FilePos{}});
        vf.result.errors.push_back(std::move(d));
        vf.schema.valid = false;
        out.files.push_back(std::move(vf));
        all_ok = false;
        continue;
      }
      vf.result = loader.load(src.name, std::move(content));
      vf.schema.valid = vf.result.schema_valid;
      vf.schema.warnings = vf.result.schema_warnings;
      all_ok &= vf.result.successful;
      out.files.push_back(std::move(vf));
      for (const std::string& m : loader.unsatisfied_plugin_requirements()) out.fatal.push_back(m);
      if (!out.fatal.empty()) return;
    }
    if (!all_ok || !loader.compiled()) return;
    out.ruleset = loader.compiled_shared();
    if (!lower(*out.ruleset, out.program, out.error, opts)) return;
    out.ok = true;
  });
  return out;
}

FilterOutput compile_filter(const std::string& text) {
  FilterOutput out;
  out.source = std::make_shared<SourceFile>("filter", text);
  run_with_large_stack([&] {
    Collection col;
    RuleDef r;
    r.name = "filter";
    r.condition = MappedText::identity(text, out.source.get(), 0);
    r.output = "";
    r.ctx = {ContextLoc{"rule", "filter", "filter", FilePos{out.source.get(), 0}}};
    r.cond_ctx = r.ctx;
    col.rule_by_name.emplace(r.name, 0);
    col.rules.push_back(std::move(r));
    col.next_index = 1;
    FileResult res;
    LoaderOptions lo;
    auto rs = compile_collection(col, lo, res);
    out.errors = std::move(res.errors);
    if (!rs) return;
    // The ruleset points at the collection's rule: keep a copy alive with it.
    auto holder = std::make_shared<std::pair<Collection, std::shared_ptr<CompiledRuleset>>>(
        std::move(col), rs);
    for (CompiledRule& cr : rs->rules) cr.def = &holder->first.rules[0];
    out.ruleset = std::shared_ptr<const CompiledRuleset>(holder, holder->second.get());
    std::string err;
    if (!lower(*out.ruleset, out.program, err)) {
      Diagnostic d;
      d.code = DiagCode::LOAD_ERR_COMPILE_CONDITION;
      d.message = err;
      out.errors.push_back(std::move(d));
      return;
    }
    out.ok = true;
  });
  return out;
}

bool is_program_artifact(std::string_view bytes) {
  if (bytes.size() < 4) return false;
  uint32_t magic;
  std::memcpy(&magic, bytes.data(), 4);
  return magic == vm::kArtifactMagic;
}

}  // namespace pg
