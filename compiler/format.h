// Output formats: "%field" strings as rule outputs and `-p` use them (LANGUAGE.md 4.1).
//
// A format is literal text with %tokens. A token is %[width]field or %[width]transformer(...);
// it ends where the field grammar ends (`%proc.name)` is proc.name followed by ")"), and when
// the longest candidate is not a known field, shorter dotted prefixes are tried (Falco's
// formatter does the same). A leading `*` means missing fields render as <NA> instead of
// suppressing the line. There is no escape for a literal '%'.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast.h"
#include "vm/fields.h"

namespace pg {

struct FormatToken {
  bool is_field = false;
  std::string literal;  // !is_field
  std::string name;     // the token as written, e.g. "proc.aname[2]" or "tolower(proc.name)"
  uint32_t width = 0;   // %Nfield: pad and truncate to N characters (0 = none)
  FieldRef field;       // the field (for a transformer: its innermost field)
  std::vector<ast::Xform> xforms;  // outermost first
  uint32_t offset = 0;  // byte offset of the '%' in the format
};

struct Format {
  bool star = false;  // leading '*'
  std::vector<FormatToken> tokens;
};

struct FormatError {
  std::string message;
  uint32_t offset = 0;
};

struct FormatWarnings {
  std::vector<std::string> deprecated_fields;  // deprecated fields used
  bool container_info = false;                 // %container.info was removed
};

// Parses and checks a format. Field errors use Falco's "invalid formatting token" wording.
// With `falco_rule_output`, %container.info is dropped (with a warning), as Falco does.
std::optional<Format> parse_format(std::string_view fmt, FormatError* err,
                                   FormatWarnings* warnings = nullptr,
                                   bool falco_rule_output = false);

}  // namespace pg
