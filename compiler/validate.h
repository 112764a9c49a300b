// `peregrinec validate`: Falco's `falco -V` over one or more files (DESIGN.md 4, LANGUAGE.md 5).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compiler/loader.h"

namespace pg {

struct ValidateOptions {
  bool json = false;
  bool all_errors = false;
};

// The schema check Falco runs beside loading (loader.h check_schema): never fails a load,
// reported as schema_valid / schema_warnings.
struct SchemaResult {
  bool valid = true;
  std::vector<std::string> warnings;  // "failed for <json-path>: <why>"
};

// The schema check of a file on its own (parses the YAML itself; the loader does it for free).
SchemaResult check_schema(const SourceFile& file);

// One validated file: the loader's result plus the schema result.
struct ValidatedFile {
  FileResult result;
  SchemaResult schema;
};

// Loads `paths` in order into one loader and returns each file's result. Unreadable paths get
// a LOAD_ERR_FILE_READ result and do not stop the others. `fatal` receives plugin-requirement
// failures (Falco treats them as fatal and prints them as plain text).
std::vector<ValidatedFile> validate_files(const std::vector<std::string>& paths,
                                          const ValidateOptions& opts, Loader& loader,
                                          std::vector<std::string>& fatal);

// Falco's one-line JSON document {"falco_load_results":[...]}.
std::string render_json(const std::vector<ValidatedFile>& files);

// Falco's text output plus our compiler-style diagnostics. `out` is stdout, `err` stderr.
void render_text(const std::vector<ValidatedFile>& files, std::string& out, std::string& err);

// Reads a whole file, refusing directories and files over `max_bytes`. Returns false and an
// error text on failure.
bool read_file(const std::string& path, std::string& content, std::string& error,
               size_t max_bytes = size_t{256} << 20);

// Runs `fn` on a thread with a large stack (deeply nested input stays safe even in sanitizer
// builds, whose frames are several times larger).
void run_with_large_stack(const std::function<void()>& fn);

}  // namespace pg
