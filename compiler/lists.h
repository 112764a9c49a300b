// Lists: compilation (nested lists) and substitution into condition text, as Falco does it.
//
// Falco replaces every bounded occurrence of a list name in a condition with the list's items
// joined by ", " (items with a space are wrapped in double quotes), list by list in definition
// order, before parsing (LANGUAGE.md 1.4). ListTable::substitute() reproduces that algorithm
// byte for byte, including the blank consumption around an occurrence and the comma removal
// for empty lists, and keeps the MappedText mapping so positions still point into the YAML.
//
// The list-token optimisation: a list whose items would each lex as exactly one string token
// (and that holds no name of a later list) may be substituted as a single LISTREF token
// "\x01<n>\x01" instead of its items. The parser turns that token into a reference to the
// shared item vector, so a 1,000,000-item list costs one token, not a million. This is only
// equivalent where a list can stand (inside a value list); the parser reports any other use
// (ParseResult::listref_misplaced) and the caller then substitutes as text and parses again,
// so results and errors are always those of plain text substitution.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/ast.h"
#include "compiler/ruleset.h"
#include "compiler/source.h"

namespace pg {

class ListTable {
 public:
  // Compiles the collection's lists (nested list items, per Falco's visibility rule).
  explicit ListTable(const Collection& col);

  // Substitutes lists into `cond`. With `tokens`, simple lists become LISTREF tokens whose
  // items are in `refs()`. Marks every substituted list as used.
  MappedText substitute(const MappedText& cond, bool tokens);

  // Shared item vectors, indexed by LISTREF number.
  const std::vector<ast::SharedItems>& refs() const { return refs_; }
  const std::vector<std::string>& ref_names() const { return ref_names_; }

  // Lists never substituted anywhere nor named inside another list (for LOAD_UNUSED_LIST).
  std::vector<size_t> unused() const;

  // Number of lists in the table.
  size_t size() const { return lists_.size(); }

 private:
  struct Entry {
    std::string name;
    uint32_t index = 0;
    std::vector<std::string> items;  // after nested-list expansion
    std::string joined;              // items quoted and joined with ", "
    std::vector<std::string> words;  // list names that occur as words of `joined`
    int ref = -1;                    // LISTREF number when tokenizable
    bool used = false;
  };

  void pass(const Entry& e, MappedText& text, bool tokens);

  std::vector<Entry> lists_;  // in index order
  // Looked up by string_view (every word of every condition) without building strings.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, size_t, NameHash, std::equal_to<>> by_name_;
  std::vector<ast::SharedItems> refs_;
  std::vector<std::string> ref_names_;
};

// True for the characters that bound a list name (Falco's delimiters: blanks and "(),=").
bool is_list_delim(char c);

}  // namespace pg
