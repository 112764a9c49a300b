// A hand-written twin of the ANTLR lexer of grammar/FilterLexer.g4, for the common case.
//
// ANTLR's lexer interpreter is half of the cost of compiling a ruleset (about 50% of
// parse_condition's instructions on the official rules: ATN simulation, DFA locks, one heap
// token per token). This lexer produces the identical token stream (type, start, stop) in one
// pass over the bytes, and the ANTLR parser of grammar/Filter.g4 consumes it unchanged.
//
// It only ever answers "these are exactly ANTLR's tokens" or "don't know": any input it cannot
// lex (which is every input on which ANTLR's lexer reports an error) returns false, and
// parse_condition then runs the ANTLR lexer, which produces Falco's error message and position.
// The same happens after any parser error, so diagnostics never depend on this file.
// tests/compiler/fast_lex_test.cpp and the parse fuzz target check the two lexers token for
// token on the official rules and on random token soup.
//
// The rules, mode by mode, and their order (which breaks ties between equally long matches) are
// those of FilterLexer.g4; keep the two in step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace pg {

struct LexToken {
  size_t type;   // FilterLexer's token type; antlr4::Token::EOF for the end
  size_t start;  // byte offsets, inclusive; the EOF token has start = size, stop = size - 1
  size_t stop;
  bool operator==(const LexToken& o) const {
    return type == o.type && start == o.start && stop == o.stop;
  }
};

// Appends the default-channel tokens of `src` (skipped blanks excluded), ending with EOF, to
// `out` and returns true; or returns false when ANTLR must decide (out is then unspecified).
bool fast_lex(std::string_view src, std::vector<LexToken>& out);

// The same through ANTLR's generated FilterLexer: false when it reports an error. For tests
// and the fuzz target; defined in parse.cpp.
bool antlr_lex(std::string_view src, std::vector<LexToken>& out);

}  // namespace pg
