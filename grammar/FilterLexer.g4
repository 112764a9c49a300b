// Lexer of the Falco condition language (libsinsp filter/parser.cpp, current libs).
//
// compiler/fast_lex.cpp is a hand-written twin of this lexer (the same tokens, an order of
// magnitude cheaper) used when the text has no error: any change here must be made there too.
// tests/compiler/fast_lex_test.cpp and the fuzz_condition target compare the two.
//
// Falco's scanner is context sensitive: after `=` the next word is a bare string (it may hold
// `/`, `:`, `[`, `*`, ...), after `in` it is a list, after `<` a number, and after a field only
// an operator may follow (`x.y inz` means `x.y in (z)`). The lexer reproduces this with modes:
//
//   DEFAULT    expression position: ( ) and or not, fields, macro names, transformer calls
//   OPERATOR   right after a field or a left-hand transformer call: only operators
//   STRVAL     after a string operator: a quoted or bare string, val(...), a transformer, or
//              a modifier (oneof/anyof/allof) introducing a list
//   NUMVAL     after < <= > >=: a number, val(...) or a transformer
//   LISTVAL    after in/intersects/pmatch: a list, a bare identifier, val(...) or a transformer
//   LISTITEMS  inside a value list: quoted or bare strings and commas
//
// A small stack of open parentheses tells transformer argument lists ('X' at the left-hand
// top level, 'R' on the right-hand side, 'N' nested) from expression groups ('P') and lists
// inside transformer arguments ('L'): only a field at expression level, or the close of a
// top-level left-hand transformer, switches to OPERATOR.
//
// The input is fed as one code point per byte (see compiler/parse.cpp), so every index is a
// byte offset and any byte sequence is accepted; non-ASCII bytes only ever appear inside
// strings. Generated at build time; never committed.
lexer grammar FilterLexer;

@lexer::members {
  // Open parentheses, innermost last (see the grammar comment).
  std::vector<char> parens_;

  static bool is_blank(size_t c) { return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n'; }
  static bool is_ident_start(size_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
  static bool is_ident_char(size_t c) { return is_ident_start(c) || (c >= '0' && c <= '9') || c == '_'; }

  // True inside the argument list of a transformer call (at any depth).
  bool in_xform_args() const {
    return !parens_.empty() && parens_.back() != 'P';
  }
  // A modifier (oneof/anyof/allof) counts only when a list or an identifier other than
  // and/or/not follows it.
  bool modifier_follows() {
    ssize_t i = 1;
    while (is_blank(_input->LA(i))) i++;
    size_t c = _input->LA(i);
    if (c == '(') return true;
    if (i == 1 || !is_ident_start(c)) return false;
    std::string word;
    while (is_ident_char(_input->LA(i)) && word.size() < 4) word.push_back(static_cast<char>(_input->LA(i++)));
    if (is_ident_char(_input->LA(i))) return true;
    return word != "and" && word != "or" && word != "not";
  }
  void open_paren() { parens_.push_back(in_xform_args() ? 'L' : 'P'); }
  void close_paren() {
    if (parens_.empty()) return;
    char c = parens_.back();
    parens_.pop_back();
    if (c == 'X') pushMode(OPERATOR);
  }
  void open_lhs_xform() { parens_.push_back(in_xform_args() ? 'N' : 'X'); }
  void open_rhs_call() { popMode(); parens_.push_back('R'); }
  void field_seen() { if (!in_xform_args()) pushMode(OPERATOR); }
}

// ---- DEFAULT: expression position --------------------------------------------------------
BLANK       : [ \t\b\r\n]+ -> skip ;
// and/or/not must be followed by a blank or '(' and word operators by a blank. That is not
// written with lexer predicates (they stop ANTLR from caching its lexer DFA, which made every
// keyword cost microseconds): `not` and the word operators take the blank (or the '(') into
// their token, so `notx` stays a name and `containsx` is no operator; for and/or,
// compiler/parse.cpp checks the character after the token.
AND         : 'and' ;
OR          : 'or' ;
NOT         : 'not' [ \t\b\r\n] ;
NOTGROUP    : 'not(' {open_paren();} ;
LPAREN      : '(' {open_paren();} ;
RPAREN      : ')' {close_paren();} ;
COMMA       : ',' ;
XOPEN       : XNAME '(' {open_lhs_xform();} ;
VALOPEN     : 'val(' ;   // only produced in value modes; listed here to own the token type
FIELD       : FIELDNAME FIELDARG? {field_seen();} ;
IDENT       : SEG ;
QSTR        : DQSTR | SQSTR ;
HEXNUM      : '0' [xX] [0-9a-fA-F]+ ;
NUMBER      : [+-]? [0-9]+ '.'? [0-9]* ([eE] [+-] [0-9]+)? ;
XINDEX      : '[' (DQSTR | SQSTR | ~[\][\\"' \t\b\r\n\f\u000B]+) ']' ;

fragment XNAME     : 'tolower' | 'toupper' | 'b64' | 'basename' | 'len' | 'join' | 'concat' | 'getopt' ;
fragment SEG       : [a-zA-Z]+ [a-zA-Z0-9_]* ;
fragment FIELDNAME : SEG ('.' SEG)+ ;
fragment FIELDARG  : '[' (DQSTR | SQSTR | ~[\][\\"' \t\b\r\n\f\u000B] ~[\]["' \t\b\r\n\f\u000B]*) ']' ;
// A quote ends a string only when no backslash precedes it (Falco's rule, so "a\\" does not
// end at its last quote). Escapes are decoded and checked by the parser, not here.
fragment DQSTR     : '"' (~["\\] | '\\'+ ~[\\])* '"' ;
fragment SQSTR     : '\'' (~['\\] | '\\'+ ~[\\])* '\'' ;
fragment BARECHARS : ~[()"' \t\r\n\f\u000B=,]+ ;

// ---- OPERATOR: after a field or a left-hand transformer call ------------------------------
mode OPERATOR;
OP_BLANK    : [ \t\b\r\n]+ -> skip ;
EQEQ        : '==' -> mode(STRVAL) ;
EQ          : '=' -> mode(STRVAL) ;
NEQ         : '!=' -> mode(STRVAL) ;
LE          : '<=' -> mode(NUMVAL) ;
LT          : '<' -> mode(NUMVAL) ;
GE          : '>=' -> mode(NUMVAL) ;
GT          : '>' -> mode(NUMVAL) ;
CONTAINS    : 'contains' [ \t\b\r\n] -> mode(STRVAL) ;
ICONTAINS   : 'icontains' [ \t\b\r\n] -> mode(STRVAL) ;
BCONTAINS   : 'bcontains' [ \t\b\r\n] -> mode(STRVAL) ;
STARTSWITH  : 'startswith' [ \t\b\r\n] -> mode(STRVAL) ;
BSTARTSWITH : 'bstartswith' [ \t\b\r\n] -> mode(STRVAL) ;
ENDSWITH    : 'endswith' [ \t\b\r\n] -> mode(STRVAL) ;
GLOB        : 'glob' [ \t\b\r\n] -> mode(STRVAL) ;
IGLOB       : 'iglob' [ \t\b\r\n] -> mode(STRVAL) ;
REGEX       : 'regex' [ \t\b\r\n] -> mode(STRVAL) ;
INTERSECTS  : 'intersects' -> mode(LISTVAL) ;
IN          : 'in' -> mode(LISTVAL) ;
PMATCH      : 'pmatch' -> mode(LISTVAL) ;
EXISTS      : 'exists' -> popMode ;
OP_XINDEX   : XINDEX -> type(XINDEX) ;

// ---- STRVAL: after a string operator ------------------------------------------------------
mode STRVAL;
SV_BLANK    : [ \t\b\r\n]+ -> skip ;
MOD         : ('oneof' | 'anyof' | 'allof') {modifier_follows()}? -> mode(LISTVAL) ;
SV_VALOPEN  : 'val(' {open_rhs_call(); setType(VALOPEN);} ;
SV_XOPEN    : XNAME '(' {open_rhs_call(); setType(XOPEN);} ;
SV_QSTR     : (DQSTR | SQSTR) -> type(QSTR), popMode ;
BARESTR     : BARECHARS -> popMode ;

// ---- NUMVAL: after < <= > >= --------------------------------------------------------------
mode NUMVAL;
NV_BLANK    : [ \t\b\r\n]+ -> skip ;
NV_VALOPEN  : 'val(' {open_rhs_call(); setType(VALOPEN);} ;
NV_XOPEN    : XNAME '(' {open_rhs_call(); setType(XOPEN);} ;
NV_HEXNUM   : '0' [xX] [0-9a-fA-F]+ -> type(HEXNUM), popMode ;
NV_NUMBER   : [+-]? [0-9]+ '.'? [0-9]* ([eE] [+-] [0-9]+)? -> type(NUMBER), popMode ;

// ---- LISTVAL: after in / intersects / pmatch (and after a modifier) ----------------------
mode LISTVAL;
LV_BLANK    : [ \t\b\r\n]+ -> skip ;
LV_LPAREN   : '(' -> type(LPAREN), mode(LISTITEMS) ;
LV_VALOPEN  : 'val(' {open_rhs_call(); setType(VALOPEN);} ;
LV_XOPEN    : XNAME '(' {open_rhs_call(); setType(XOPEN);} ;
LV_IDENT    : SEG -> type(IDENT), popMode ;

// ---- LISTITEMS: inside ( ... ) of a value list --------------------------------------------
mode LISTITEMS;
LI_BLANK    : [ \t\b\r\n]+ -> skip ;
LI_COMMA    : ',' -> type(COMMA) ;
LI_RPAREN   : ')' -> type(RPAREN), popMode ;
LI_QSTR     : (DQSTR | SQSTR) -> type(QSTR) ;
// A list substituted by the loader as one token (see compiler/lists.cpp): \x01 index \x01.
LISTREF     : '\u0001' [0-9]+ '\u0001' ;
LI_BARESTR  : BARECHARS -> type(BARESTR) ;
