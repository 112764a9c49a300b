#include "compiler/validate.h"

#include <pthread.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "compiler/json.h"
#include "compiler/yaml.h"

namespace pg {

bool read_file(const std::string& path, std::string& content, std::string& error,
               size_t max_bytes) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    error = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    error = "cannot read '" + path + "': Is a directory";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_bytes) {
    error = "cannot read '" + path + "': file is larger than " +
            std::to_string(max_bytes >> 20) + " MiB";
    return false;
  }
  std::ostringstream ss;
  char buf[1 << 16];
  size_t total = 0;
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    total += static_cast<size_t>(in.gcount());
    if (total > max_bytes) {
      error = "cannot read '" + path + "': file is larger than " +
              std::to_string(max_bytes >> 20) + " MiB";
      return false;
    }
    ss.write(buf, in.gcount());
  }
  if (in.bad()) {
    error = "cannot read '" + path + "': read error";
    return false;
  }
  content = ss.str();
  return true;
}

void run_with_large_stack(const std::function<void()>& fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t{512} << 20);
  pthread_t th;
  auto thunk = [](void* p) -> void* {
    (*static_cast<const std::function<void()>*>(p))();
    return nullptr;
  };
  if (pthread_create(&th, &attr, thunk, const_cast<std::function<void()>*>(&fn)) != 0) {
    pthread_attr_destroy(&attr);
    fn();  // could not create the thread: run here
    return;
  }
  pthread_attr_destroy(&attr);
  pthread_join(th, nullptr);
}

SchemaResult check_schema(const SourceFile& file) {
  SchemaResult r;
  check_schema(yaml::parse(file), r.valid, r.warnings);
  return r;
}

// ---- loading ------------------------------------------------------------------------------

std::vector<ValidatedFile> validate_files(const std::vector<std::string>& paths,
                                          const ValidateOptions& opts, Loader& loader,
                                          std::vector<std::string>& fatal) {
  std::vector<ValidatedFile> out;
  for (const std::string& path : paths) {
    ValidatedFile vf;
    std::string content, error;
    if (!read_file(path, content, error)) {
      vf.result.name = path;
      vf.result.successful = false;
      Diagnostic d;
      d.code = DiagCode::LOAD_ERR_FILE_READ;
      d.message = error;
      d.context.push_back(ContextLoc{"rules content", "", path, FilePos{}});
      vf.result.errors.push_back(std::move(d));
      vf.schema.valid = false;
      out.push_back(std::move(vf));
      continue;
    }
    vf.result = loader.load(path, std::move(content));
    vf.schema.valid = vf.result.schema_valid;
    vf.schema.warnings = vf.result.schema_warnings;
    out.push_back(std::move(vf));
    for (const std::string& m : loader.unsatisfied_plugin_requirements()) {
      fatal.push_back(m);
    }
    if (!fatal.empty()) break;
  }
  return out;
}

// ---- rendering ----------------------------------------------------------------------------

namespace {

std::string snippet(const Diagnostic& d) {
  FilePos at = d.pos.valid() ? d.pos : (d.context.empty() ? FilePos{} : d.context.back().pos);
  if (!at.valid()) return "";
  LineCol lc = at.line_col();
  std::string line(at.file->line_text(lc.line));
  std::string caret;
  for (uint32_t i = 0; i < lc.column && i < line.size(); i++)
    caret.push_back(line[i] == '\t' ? '\t' : ' ');
  return line + "\n" + caret + "^\n";
}

void write_diag(json::Writer& w, const Diagnostic& d) {
  w.begin_object();
  w.key("code").value(diag_code_name(d.code));
  w.key("codedesc").value(d.is_error() ? diag_code_short(d.code) : diag_code_desc(d.code));
  w.key("context").begin_object();
  w.key("locations").begin_array();
  for (const ContextLoc& loc : d.context) {
    LineCol lc = loc.pos.line_col();
    w.begin_object();
    w.key("item_name").value(loc.item_name);
    w.key("item_type").value(loc.item_type);
    w.key("position").begin_object();
    w.key("column").value(lc.column);
    w.key("line").value(lc.line);
    w.key("name").value(loc.pos_name);
    w.key("offset").value(loc.pos.offset);
    w.end_object();
    w.end_object();
  }
  w.end_array();
  w.key("snippet").value(snippet(d));
  w.end_object();
  if (!d.deprecated_field.empty()) w.key("deprecated_field").value(d.deprecated_field);
  w.key("message").value(d.message);
  w.end_object();
}

}  // namespace

std::string render_json(const std::vector<ValidatedFile>& files) {
  json::Writer w;
  w.begin_object();
  w.key("falco_load_results").begin_array();
  for (const ValidatedFile& f : files) {
    w.begin_object();
    w.key("errors").begin_array();
    for (const Diagnostic& d : f.result.errors) write_diag(w, d);
    w.end_array();
    w.key("name").value(f.result.name);
    w.key("schema_valid").value(f.schema.valid);
    w.key("schema_warnings").begin_array();
    for (const std::string& s : f.schema.warnings) w.value(s);
    w.end_array();
    w.key("successful").value(f.result.successful);
    w.key("warnings").begin_array();
    for (const Diagnostic& d : f.result.warnings) write_diag(w, d);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take() + "\n";
}

void render_text(const std::vector<ValidatedFile>& files, std::string& out, std::string& err) {
  constexpr size_t kCap = 100;  // diagnostics shown per kind and file
  auto block = [&](std::string& dst, const std::vector<Diagnostic>& ds, const char* title) {
    dst += std::to_string(ds.size()) + " " + title + ":\n";
    for (size_t i = 0; i < ds.size() && i < kCap; i++) {
      dst += render_compiler_style(ds[i]);
      dst += render_falco_block(ds[i]);
    }
    if (ds.size() > kCap) dst += "... " + std::to_string(ds.size() - kCap) + " more\n";
  };
  for (const ValidatedFile& f : files) {
    const FileResult& r = f.result;
    if (!r.successful) {
      out += r.name + ": Invalid\n";
      block(out, r.errors, "Errors");
      if (!r.warnings.empty()) block(out, r.warnings, "Warnings");
    } else if (!r.warnings.empty()) {
      out += r.name + ": Ok, with warnings\n";
      block(err, r.warnings, "Warnings");
    } else {
      out += r.name + ": Ok\n";
    }
    if (!f.schema.valid && !f.schema.warnings.empty()) {
      std::string& dst = r.successful ? err : out;
      dst += std::to_string(f.schema.warnings.size()) + " Schema warnings:\n";
      for (const std::string& s : f.schema.warnings) dst += s + "\n";
    }
  }
}

}  // namespace pg
