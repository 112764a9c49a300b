// Condition parsing: condition text -> AST, with Falco's syntax-error messages.
//
// The ANTLR lexer and parser generated from grammar/*.g4 do the recognition. A hand-written
// twin of the lexer (fast_lex.h, tested token for token against ANTLR's) feeds the parser when
// the text lexes and parses cleanly; any error re-runs the ANTLR lexer, so every diagnostic
// comes from the generated code. This module feeds ANTLR the text one byte per code point
// (so offsets are bytes and any byte is accepted), turns the first lexer or parser error into
// a Falco-worded message at an exact byte offset, and builds the AST from the parse tree. Nothing here throws: ANTLR's exceptions are caught at
// this boundary.
//
// Depth: the nesting of parentheses is measured before ANTLR runs; input deeper than
// `max_depth` is rejected with Falco's "exceeded max depth limit" message, so neither ANTLR's
// recursive descent nor the AST builder can overflow the stack.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast.h"
#include "compiler/source.h"

namespace pg {

struct ParseOptions {
  uint32_t max_depth = 1000;  // Falco's limit for rule conditions
  // Lists substituted as single tokens by the loader (compiler/lists.h): LISTREF n -> lists[n].
  const std::vector<ast::SharedItems>* listrefs = nullptr;
};

struct SyntaxError {
  std::string message;  // Falco's wording
  uint32_t offset = 0;  // byte offset in the condition text
  uint32_t length = 1;
};

struct ParseResult {
  ast::Node* root = nullptr;  // null on error
  std::optional<SyntaxError> error;
  // A list token ended up outside a value list: the caller must substitute the lists as text
  // and parse again (see compiler/lists.h). Only set when options.listrefs is non-null.
  bool listref_misplaced = false;
};

// Parses `text` (which must outlive the arena, e.g. be kept by arena.keep()).
ParseResult parse_condition(const MappedText* text, ast::Arena& arena, const ParseOptions& opts);

// Decodes a quoted string token (with its quotes) by Falco's rules (LANGUAGE.md 2.1). Returns
// nullopt and sets `error`/`error_at` (offset inside the token) on a bad escape or NUL.
std::optional<std::string> decode_quoted(std::string_view token, std::string* error,
                                         uint32_t* error_at);

// The check operators in the order Falco lists them in "expected a valid check operator".
const std::vector<std::string>& falco_operator_spellings();

}  // namespace pg
