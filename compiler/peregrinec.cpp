// peregrinec: the offline rules compiler (no root, no BPF). DESIGN.md section 4.
//
//   peregrinec validate [--json] [--all-errors] FILE...
//   peregrinec compile FILE... -o OUT.pgb
//   peregrinec disasm FILE.pgb|FILE.yaml... [--rule NAME]
//   peregrinec expand FILE... [--rule NAME] [--or]
//   peregrinec fields [--json]
//   peregrinec version
//
// Exit status: 0 ok, 1 invalid input, 2 usage.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "compiler/compiler.h"
#include "compiler/json.h"
#include "vm/disasm.h"
#include "compiler/validate.h"
#include "vm/fields.h"

namespace {

constexpr const char* kUsage =
    "usage: peregrinec <command> [options]\n"
    "\n"
    "commands:\n"
    "  validate [--json] [--all-errors] FILE...  check rules files as `falco -V` does\n"
    "  compile FILE... -o OUT.pgb                validate, then write the compiled program\n"
    "  disasm FILE.pgb|FILE.yaml... [--rule R]   list the bytecode of a program\n"
    "  expand FILE... [--rule R] [--or]          print each rule's condition with macros,\n"
    "                                            lists and exceptions expanded (--or: the\n"
    "                                            enabled rules OR'ed into one filter)\n"
    "  fields [--json]                           list the field catalogue\n"
    "  version                                   print versions\n";

int usage(const char* msg = nullptr) {
  if (msg) std::fprintf(stderr, "peregrinec: %s\n", msg);
  std::fputs(kUsage, stderr);
  return 2;
}

void write_all(FILE* f, const std::string& s) {
  if (!s.empty()) std::fwrite(s.data(), 1, s.size(), f);
}

int cmd_validate(int argc, char** argv) {
  pg::ValidateOptions opts;
  std::vector<std::string> files;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--json") opts.json = true;
    else if (a == "--all-errors") opts.all_errors = true;
    else if (a == "--") {
      for (i++; i < argc; i++) files.push_back(argv[i]);
    } else if (a.size() > 1 && a[0] == '-') return usage(("unknown option " + a).c_str());
    else files.push_back(a);
  }
  if (files.empty()) return usage("validate needs at least one file");

  int status = 0;
  pg::run_with_large_stack([&] {
    pg::LoaderOptions lo;
    lo.all_errors = opts.all_errors;
    pg::Loader loader(pg::EngineInfo{}, lo);
    std::vector<std::string> fatal;
    std::vector<pg::ValidatedFile> results = pg::validate_files(files, opts, loader, fatal);
    if (!fatal.empty()) {
      // Falco prints plugin requirement failures as plain text, even in JSON mode.
      for (const std::string& m : fatal) std::fprintf(stderr, "Error: %s\n", m.c_str());
      status = 1;
      return;
    }
    if (opts.json) {
      write_all(stdout, pg::render_json(results));
    } else {
      std::string out, err;
      pg::render_text(results, out, err);
      write_all(stdout, out);
      write_all(stderr, err);
    }
    for (const pg::ValidatedFile& f : results)
      if (!f.result.successful) status = 1;
  });
  return status;
}

// Prints validation problems of a failed compile in text form; returns the exit status.
int report_compile_failure(const pg::CompileOutput& out) {
  for (const std::string& m : out.fatal) std::fprintf(stderr, "Error: %s\n", m.c_str());
  if (!out.fatal.empty()) return 1;
  std::string o, e;
  std::vector<pg::ValidatedFile> bad;
  for (const pg::ValidatedFile& f : out.files)
    if (!f.result.successful) bad.push_back(f);
  pg::render_text(bad, o, e);
  write_all(stderr, o);
  write_all(stderr, e);
  if (!out.error.empty()) std::fprintf(stderr, "peregrinec: %s\n", out.error.c_str());
  return 1;
}

int cmd_compile(int argc, char** argv) {
  std::vector<pg::RulesSource> sources;
  std::string output;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    if (a == "-o") {
      if (i + 1 >= argc) return usage("-o needs a file name");
      output = argv[++i];
    } else if (a.size() > 1 && a[0] == '-') {
      return usage(("unknown option " + a).c_str());
    } else {
      sources.push_back({a, "", true});
    }
  }
  if (sources.empty()) return usage("compile needs at least one rules file");
  if (output.empty()) return usage("compile needs -o OUT.pgb");
  pg::CompileOutput out = pg::compile_rules(sources);
  if (!out.ok) return report_compile_failure(out);
  std::string bytes = pg::vm::serialize(out.program);
  FILE* f = std::fopen(output.c_str(), "wb");
  if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "peregrinec: cannot write '%s': %s\n", output.c_str(),
                 std::strerror(errno));
    return 1;
  }
  std::fprintf(stderr, "%s: %zu rules, %zu instructions, %zu bytes\n", output.c_str(),
               out.program.rules.size(), out.program.code.size(), bytes.size());
  return 0;
}

// Loads a program from a .pgb artifact or compiles it from rules files.
bool load_program(const std::vector<std::string>& files, pg::vm::Program& prog, int& status) {
  std::string first, err;
  if (files.size() == 1 && pg::read_file(files[0], first, err) &&
      pg::is_program_artifact(first)) {
    if (!pg::vm::deserialize(first, prog, err)) {
      std::fprintf(stderr, "peregrinec: %s: %s\n", files[0].c_str(), err.c_str());
      status = 1;
      return false;
    }
    std::string verr;
    if (!pg::vm::LoadedProgram::load(prog, verr)) {
      std::fprintf(stderr, "peregrinec: %s: program rejected by the verifier: %s\n",
                   files[0].c_str(), verr.c_str());
      status = 1;
      return false;
    }
    return true;
  }
  std::vector<pg::RulesSource> sources;
  for (const std::string& f : files) sources.push_back({f, "", true});
  pg::CompileOutput out = pg::compile_rules(sources);
  if (!out.ok) {
    status = report_compile_failure(out);
    return false;
  }
  prog = std::move(out.program);
  return true;
}

int cmd_disasm(int argc, char** argv) {
  std::vector<std::string> files;
  pg::vm::DisasmOptions opts;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--rule") {
      if (i + 1 >= argc) return usage("--rule needs a rule name");
      opts.rule = argv[++i];
    } else if (a == "--no-lines") {
      opts.show_lines = false;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage(("unknown option " + a).c_str());
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) return usage("disasm needs a .pgb or rules files");
  pg::vm::Program prog;
  int status = 0;
  if (!load_program(files, prog, status)) return status;
  if (!opts.rule.empty()) {
    bool found = false;
    for (const auto& r : prog.rules) found |= r.name == opts.rule;
    if (!found) {
      std::fprintf(stderr, "peregrinec: no rule named '%s'\n", opts.rule.c_str());
      return 1;
    }
  }
  write_all(stdout, pg::vm::disassemble(prog, opts));
  return 0;
}

int cmd_expand(int argc, char** argv) {
  std::vector<pg::RulesSource> sources;
  std::string rule;
  bool one_filter = false;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--rule") {
      if (i + 1 >= argc) return usage("--rule needs a rule name");
      rule = argv[++i];
    } else if (a == "--or") {
      one_filter = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage(("unknown option " + a).c_str());
    } else {
      sources.push_back({a, "", true});
    }
  }
  if (sources.empty()) return usage("expand needs at least one rules file");
  pg::CompileOutput out = pg::compile_rules(sources);
  if (!out.ok) return report_compile_failure(out);
  std::string text;
  for (const pg::CompiledRule& r : out.ruleset->rules) {
    if (!rule.empty() && r.name != rule) continue;
    if (!r.enabled && rule.empty() && one_filter) continue;
    if (one_filter) {
      text += (text.empty() ? "(" : " or (") + pg::ast::to_filter_text(r.root) + ")";
    } else {
      text += r.name + "\t" + pg::ast::to_filter_text(r.root) + "\n";
    }
  }
  if (one_filter && !text.empty()) text += "\n";
  write_all(stdout, text);
  return 0;
}

int cmd_fields(int argc, char** argv) {
  bool json = false;
  for (int i = 0; i < argc; i++) {
    if (std::strcmp(argv[i], "--json") == 0) json = true;
    else return usage((std::string("unknown option ") + argv[i]).c_str());
  }
  auto arg_text = [](const pg::FieldInfo& f) -> std::string {
    switch (f.arg) {
      case pg::FieldArg::kNone: return "";
      case pg::FieldArg::kIndex: return "[N]";
      case pg::FieldArg::kKey: return (f.flags & pg::FF_DOT_ARG) ? "[KEY] or .KEY" : "[KEY]";
      case pg::FieldArg::kEvtArg: return "[N] or .NAME";
      case pg::FieldArg::kIndexOrKey: return "[N] or [KEY]";
    }
    return "";
  };
  auto flag_list = [](const pg::FieldInfo& f) {
    std::vector<std::string> v;
    if (f.flags & pg::FF_FILTER_ONLY) v.push_back("filter-only");
    if (f.flags & pg::FF_NO_TRANSFORMER) v.push_back("no-transformer");
    if (f.flags & pg::FF_NO_RHS) v.push_back("no-rhs");
    if (f.flags & pg::FF_DEPRECATED) v.push_back("deprecated");
    if (f.flags & pg::FF_LIST) v.push_back("list");
    if (f.flags & pg::FF_ARG_REQUIRED) v.push_back("arg-required");
    if (f.flags & pg::FF_ANCESTOR) v.push_back("any-ancestor");
    return v;
  };
  auto needs = [](const pg::FieldInfo& f) {
    std::string s;
    if (f.needs & pg::NEED_E) s += 'E';
    if (f.needs & pg::NEED_T) s += 'T';
    if (f.needs & pg::NEED_F) s += 'F';
    if (f.needs & pg::NEED_C) s += 'C';
    if (f.needs & pg::NEED_K) s += 'K';
    if (f.needs & pg::NEED_U) s += 'U';
    return s;
  };
  std::string out;
  if (json) {
    pg::json::Writer w;
    w.begin_array();
    for (const pg::FieldInfo& f : pg::all_fields()) {
      w.begin_object();
      w.key("name").value(f.name);
      w.key("type").value(pg::param_type_name(f.type));
      w.key("arg").value(arg_text(f));
      w.key("flags").begin_array();
      for (const std::string& s : flag_list(f)) w.value(s);
      w.end_array();
      w.key("needs").value(needs(f));
      w.key("desc").value(f.description);
      w.end_object();
    }
    w.end_array();
    out = w.take() + "\n";
  } else {
    for (const pg::FieldInfo& f : pg::all_fields()) {
      std::string name = std::string(f.name) + arg_text(f);
      std::string type(pg::param_type_name(f.type));
      char line[512];
      std::snprintf(line, sizeof line, "%-38s %-9s %s", name.c_str(), type.c_str(),
                    std::string(f.description).c_str());
      out += line;
      std::vector<std::string> fl = flag_list(f);
      if (!fl.empty()) {
        out += " [";
        for (size_t i = 0; i < fl.size(); i++) out += (i ? ", " : "") + fl[i];
        out += "]";
      }
      out += "\n";
    }
  }
  write_all(stdout, out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  if (cmd == "validate") return cmd_validate(argc - 2, argv + 2);
  if (cmd == "fields") return cmd_fields(argc - 2, argv + 2);
  if (cmd == "compile") return cmd_compile(argc - 2, argv + 2);
  if (cmd == "disasm") return cmd_disasm(argc - 2, argv + 2);
  if (cmd == "expand") return cmd_expand(argc - 2, argv + 2);
  if (cmd == "version" || cmd == "--version") {
    std::printf("peregrinec %s (Falco engine version %s)\n", PEREGRINE_VERSION,
                PEREGRINE_ENGINE_VERSION);
    return 0;
  }
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  return usage(("unknown command " + cmd).c_str());
}
