// Peregrine's default rules (rules/peregrine_rules.yaml), embedded at build time by
// rules/CMakeLists.txt. Link pg_default_rules to use them.
#pragma once

#include <string_view>

namespace pg {

// The file name the rules are reported under ("peregrine_rules.yaml").
extern const char* const kDefaultRulesName;

// The YAML text of the default rules, byte for byte.
extern const std::string_view kDefaultRules;

}  // namespace pg
