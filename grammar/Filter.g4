// Parser of the Falco condition language (current libsinsp, LANGUAGE.md section 2.2).
//
// Precedence: `not` binds tightest, then `and`, then `or`; chains of one operator are one
// n-ary node. Every alternative and element is labelled so compiler/parse.cpp can build the
// AST and turn syntax errors into Falco's messages. Tokens come from FilterLexer.g4, whose
// modes carry the context-sensitive lexing. The parser class is pg::grammar::Filter (a parser
// grammar is named after its file; the lexer needs a grammar of its own because of modes).
parser grammar Filter;

options { tokenVocab = FilterLexer; }

filter  : expr EOF ;

expr    : terms+=andExpr (OR terms+=andExpr)* ;
andExpr : terms+=notExpr (AND terms+=notExpr)* ;
notExpr : nots+=NOT* atom ;

atom
  : LPAREN expr RPAREN                   # Group
  | NOTGROUP expr RPAREN                 # NotGroup
  | IDENT                                # MacroRef
  | lhs=operand check                    # CheckAtom
  ;

check
  : op=EXISTS                                                                 # ExistsCheck
  | op=(EQ | EQEQ | NEQ | CONTAINS | ICONTAINS | BCONTAINS | STARTSWITH
        | BSTARTSWITH | ENDSWITH | GLOB | IGLOB | REGEX) rhs=strValue         # StrCheck
  | op=(LT | LE | GT | GE) rhs=numValue                                       # NumCheck
  | op=(IN | INTERSECTS | PMATCH) rhs=listValue                               # ListCheck
  ;

operand : FIELD | xform ;

xform   : XOPEN args+=xarg (COMMA args+=xarg)* RPAREN idx=XINDEX? ;
xarg    : xform | FIELD | QSTR | NUMBER | HEXNUM
        | LPAREN (elems+=xelem (COMMA elems+=xelem)*)? RPAREN ;
xelem   : xform | FIELD | QSTR | NUMBER | HEXNUM ;

strValue  : QSTR | BARESTR | rhsCall | MOD listValue ;
numValue  : NUMBER | HEXNUM | rhsCall ;
listValue : LPAREN (items+=listItem (COMMA items+=listItem)*)? RPAREN
          | IDENT
          | rhsCall ;
listItem  : QSTR | BARESTR | LISTREF ;
rhsCall   : VALOPEN FIELD RPAREN | xform ;
