// Tests for compiler/parse.{h,cpp}: condition text -> AST (golden ast::dump strings), Falco's
// lexical gotchas (LANGUAGE.md 2.1, 7), precedence, and syntax errors with exact offsets.
#include "compiler/parse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pg {
namespace {

struct Parsed {
  std::string dump;   // ast::dump of the tree, or "" on error
  std::string error;  // message, or "" on success
  uint32_t offset = 0;
  uint32_t length = 0;
};

Parsed parse(const std::string& text, uint32_t max_depth = 1000) {
  static SourceFile file("cond", "");
  ast::Arena arena;
  const MappedText* t = arena.keep(MappedText::identity(text, &file, 0));
  ParseOptions po;
  po.max_depth = max_depth;
  ParseResult r = parse_condition(t, arena, po);
  Parsed p;
  if (r.error) {
    p.error = r.error->message;
    p.offset = r.error->offset;
    p.length = r.error->length;
  } else {
    EXPECT_NE(r.root, nullptr) << text;
    p.dump = ast::dump(r.root);
  }
  return p;
}

struct Golden {
  const char* condition;
  const char* dump;
};

void expect_dumps(const std::vector<Golden>& cases) {
  for (const Golden& g : cases) {
    Parsed p = parse(g.condition);
    EXPECT_EQ(p.error, "") << g.condition;
    EXPECT_EQ(p.dump, g.dump) << g.condition;
  }
}

TEST(Parse, EveryOperator) {
  expect_dumps({
      {"proc.name = bash", R"((proc.name = "bash"))"},
      {"proc.name == bash", R"((proc.name == "bash"))"},
      {"proc.name != bash", R"((proc.name != "bash"))"},
      {"proc.pid < 1", "(proc.pid < 1)"},
      {"proc.pid <= 1", "(proc.pid <= 1)"},
      {"proc.pid > 1", "(proc.pid > 1)"},
      {"proc.pid >= -1", "(proc.pid >= -1)"},
      {"proc.pid > +2.5e+3", "(proc.pid > +2.5e+3)"},
      {"proc.pid > 0x1F", "(proc.pid > 0x1F)"},  // lexed; rejected later by the checker
      {"proc.name contains sh", R"((proc.name contains "sh"))"},
      {"proc.name icontains SH", R"((proc.name icontains "SH"))"},
      {"evt.buffer bcontains cafe", R"((evt.buffer bcontains "cafe"))"},
      {"proc.name startswith ba", R"((proc.name startswith "ba"))"},
      {"evt.buffer bstartswith 7f45", R"((evt.buffer bstartswith "7f45"))"},
      {"proc.name endswith sh", R"((proc.name endswith "sh"))"},
      {"proc.name glob \"b*\"", R"((proc.name glob "b*"))"},
      {"proc.name iglob \"B*\"", R"((proc.name iglob "B*"))"},
      {"proc.name regex \"ba.*\"", R"((proc.name regex "ba.*"))"},
      {"proc.name in (bash, sh)", R"((proc.name in ("bash", "sh")))"},
      {"proc.name intersects (bash)", R"((proc.name intersects ("bash")))"},
      {"fd.name pmatch (/etc, /tmp)", R"((fd.name pmatch ("/etc", "/tmp")))"},
      {"proc.name exists", "(proc.name exists)"},
      {"proc.name in ()", "(proc.name in ())"},
  });
}

TEST(Parse, Modifiers) {
  expect_dumps({
      {"proc.name startswith oneof (a, b)", R"((proc.name startswith oneof ("a", "b")))"},
      {"proc.name endswith anyof (a)", R"((proc.name endswith anyof ("a")))"},
      {"proc.name contains allof (a, b)", R"((proc.name contains allof ("a", "b")))"},
      {"proc.name = oneof x", R"((proc.name = oneof ("x")))"},
      // A modifier word alone is a plain value.
      {"proc.name = oneof", R"((proc.name = "oneof"))"},
  });
}

TEST(Parse, TransformersAndVal) {
  expect_dumps({
      {"tolower(proc.name) = bash", R"((tolower(proc.name) = "bash"))"},
      {"toupper(b64(proc.name)) = X", R"((toupper(b64(proc.name)) = "X"))"},
      {"len(proc.name) > 3", "(len(proc.name) > 3)"},
      {"basename(proc.exepath) = sh", R"((basename(proc.exepath) = "sh"))"},
      {"join(\",\", (proc.name, proc.pname)) = x",
       R"((join(",", (proc.name, proc.pname)) = "x"))"},
      {"concat(proc.name, \"-\", proc.pname, 1) = x",
       R"((concat(proc.name, "-", proc.pname, 1) = "x"))"},
      {"getopt(proc.args, \"c:\")[c] = x", R"((getopt(proc.args, "c:")[c] = "x"))"},
      {"proc.name = val(proc.pname)", "(proc.name = val(proc.pname))"},
      {"proc.name = tolower(proc.pname)", "(proc.name = tolower(proc.pname))"},
      {"proc.name in val(proc.pname)", "(proc.name in val(proc.pname))"},
      {"proc.pid > val(proc.ppid)", "(proc.pid > val(proc.ppid))"},
      // A field name on the right without val() is a string (gotcha 9).
      {"proc.name = proc.pname", R"((proc.name = "proc.pname"))"},
  });
}

TEST(Parse, FieldArguments) {
  expect_dumps({
      {"proc.aname[2] = sshd", R"((proc.aname[2] = "sshd"))"},
      {"proc.env[HOME] = /root", R"((proc.env[HOME] = "/root"))"},
      {"proc.env[\"MY VAR\"] = x", R"((proc.env[MY VAR] = "x"))"},
      {"evt.arg.flags contains O_CREAT", R"((evt.arg.flags contains "O_CREAT"))"},
      {"evt.arg[0] = x", R"((evt.arg[0] = "x"))"},
      {"container.mount.dest[/var/run/docker.sock] exists",
       "(container.mount.dest[/var/run/docker.sock] exists)"},
      // Bare strings may hold [ ] : * / \ ! (LANGUAGE.md 2.1).
      {"proc.name = runc:[0:PARENT]", R"((proc.name = "runc:[0:PARENT]"))"},
      {"fd.name = C:\\x!*", R"((fd.name = "C:\\x!*"))"},
  });
}

TEST(Parse, QuotingAndEscapes) {
  expect_dumps({
      {"proc.name = \"a\\\"b\"", R"((proc.name = "a\"b"))"},
      {"proc.name = 'a\\'b'", R"((proc.name = "a'b"))"},
      {"proc.name = 'a\"b'", R"((proc.name = "a\"b"))"},  // accepted today, not in 2022
      {"proc.name = \"x\\b\\f\\n\\r\\t\\\\\\/y\"", R"((proc.name = "x\x08\x0c\x0a\x0d\x09\\/y"))"},
      {"proc.name = \"\\x41\\x42\"", R"((proc.name = "AB"))"},
      // "\ " is a lone backslash and the space is dropped (gotcha 7).
      {"proc.name = \"a\\ b\"", R"((proc.name = "a\\b"))"},
      {"proc.name in (\"a b\", 'c d', e)", R"((proc.name in ("a b", "c d", "e")))"},
  });
  // A quote after any backslash does not close the string, even after "\\" (gotcha 7).
  Parsed p = parse("proc.name = \"C:\\\\\" and x");
  EXPECT_EQ(p.error, "unterminated quoted string");
  EXPECT_EQ(p.offset, 12u);
  // Escapes that are not in Falco's set.
  for (const char* c : {"proc.name = \"a\\qb\"", "proc.name = 'a\\\"b'", "proc.name = \"a\\'b\"",
                        "proc.name = \"a\\x4\"", "proc.name = \"a\\xg0\""}) {
    Parsed q = parse(c);
    EXPECT_EQ(q.error, "unsupported string escape sequence") << c;
    EXPECT_EQ(q.offset, 14u) << c;
  }
  Parsed nul = parse("proc.name = \"a\\x00\"");
  EXPECT_EQ(nul.error, "string value contains a NUL character");
  EXPECT_EQ(nul.offset, 14u);
}

TEST(Parse, GluedOperatorsAndKeywords) {
  expect_dumps({
      // Gotcha 12: exists, in, intersects, pmatch and symbols need no blank after them.
      {"x.y inz", R"((x.y in ("z")))"},
      {"x.y existsand m", "(and (x.y exists) (macro m))"},
      {"proc.name in(a)", R"((proc.name in ("a")))"},
      {"proc.name intersects(a)", R"((proc.name intersects ("a")))"},
      {"fd.name pmatch(/etc)", R"((fd.name pmatch ("/etc")))"},
      {"proc.name =v", R"((proc.name = "v"))"},
      {"proc.name!=v", R"((proc.name != "v"))"},
      {"not(proc.name = a)", R"((not (proc.name = "a")))"},
      {"proc.name=a and(b)", R"((and (proc.name = "a") (macro b)))"},
      {"a or(b)", "(or (macro a) (macro b))"},
      {"a\tand\nb\r\bor c", "(or (and (macro a) (macro b)) (macro c))"},
      // `notb` and `not_macro` are identifiers.
      {"notb", "(macro notb)"},
      {"not_macro", "(macro not_macro)"},
      {"not", "(macro not)"},
      {"in", "(macro in)"},
  });
  for (const char* c : {"a andb", "a ornot b", "(a)andnot(b)", "a and\fb"}) {
    Parsed p = parse(c);
    EXPECT_NE(p.error, "") << c;
  }
  Parsed p = parse("proc.name startswith(a)");
  EXPECT_EQ(p.error.rfind("expected a valid check operator: one of ", 0), 0u) << p.error;
  EXPECT_EQ(p.offset, 10u);
  p = parse("tolower (proc.name) = a");
  EXPECT_EQ(p.error, "unexpected token after 'tolower', expecting 'or', 'and'");
  EXPECT_EQ(p.offset, 8u);
}

TEST(Parse, Precedence) {
  expect_dumps({
      {"a or b and c", "(or (macro a) (and (macro b) (macro c)))"},
      {"a and b or c and d", "(or (and (macro a) (macro b)) (and (macro c) (macro d)))"},
      {"(a or b) and c", "(and (or (macro a) (macro b)) (macro c))"},
      {"not a and b", "(and (not (macro a)) (macro b))"},
      {"not a or b", "(or (not (macro a)) (macro b))"},
      {"not (a or b)", "(not (or (macro a) (macro b)))"},
      {"not not a", "(not (not (macro a)))"},
      // Chains of one operator become one n-ary node, parenthesised ones too.
      {"a and b and c", "(and (macro a) (macro b) (macro c))"},
      {"a and (b and c)", "(and (macro a) (macro b) (macro c))"},
      {"a or (b or c) or d", "(or (macro a) (macro b) (macro c) (macro d))"},
      {"((((a))))", "(macro a)"},
      {"proc.name = bash and proc.pname = sh or evt.type in (open, close) and not fd.name "
       "startswith /etc",
       R"((or (and (proc.name = "bash") (proc.pname = "sh")) (and (evt.type in ("open", "close")) (not (fd.name startswith "/etc")))))"},
  });
}

struct ErrorCase {
  const char* condition;
  const char* message;
  uint32_t offset;
};

TEST(Parse, ErrorMessagesAndOffsets) {
  const std::string ops =
      "expected a valid check operator: one of '==', '=', '!=', '<=', '<', '>=', '>', "
      "'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'glob', "
      "'iglob', 'regex', 'in', 'intersects', 'pmatch', 'exists'";
  const std::vector<ErrorCase> cases = {
      {"a b", "unexpected token after 'a', expecting 'or', 'and'", 2},
      {"proc.name = a)", "unexpected token after 'a', expecting 'or', 'and'", 13},
      {"", "unexpected end of input: the condition is empty", 0},
      {" \t\r\n", "unexpected end of input: the condition is empty", 4},
      {"(a", "expected a ')' token", 2},
      {"()", "unexpected token ')', expecting a field, a macro, 'not' or '('", 1},
      {"a and ", "unexpected end of input, expecting a field, a macro, 'not' or '('", 6},
      {"@", "unexpected character '@', expecting a field, a macro, 'not' or '('", 0},
      {"proc..name = x", "unexpected character '.', expecting a field, a macro, 'not' or '('", 4},
      {"proc.name", ops.c_str(), 9},
      {"proc.name bash", ops.c_str(), 10},
      {"proc.name =", "expected a value: a quoted or bare string, val(<field>) or a transformer", 11},
      {"proc.name = (\"a\")", "expected a value: a quoted or bare string, val(<field>) or a transformer", 12},
      {"proc.pid > x", "expected a numeric value, val(<field>) or a transformer", 11},
      {"proc.name in", "expected a list, an identifier, val(<field>) or a transformer", 12},
      {"proc.name in (a,)", "expected a list item, got token ')'", 16},
      {"proc.name in (,)", "expected a list item or ')', got token ','", 14},
      {"proc.name in (a b", "expected a ',' or ')' token in the list, got token 'b'", 16},
      {"proc.name in (a", "expected a ',' or ')' token in the list, got end of input", 15},
      {"proc.name in (a, (b))", "expected a list item, ',' or ')'", 17},
      {"proc.name = \"abc", "unterminated quoted string", 12},
      {"x.y in (a, \"b", "unterminated quoted string", 11},
      {"val(proc.name) exists", "unexpected token 'val(', expecting a field, a macro, 'not' or '('", 0},
      {"proc.name = val(proc.pname", "expected a field and a ')' token in val(...), got end of input", 26},
      {"proc.name = val(cat)", "expected a field and a ')' token in val(...), got token 'cat'", 16},
      {"proc.env[] = x", "expected a field argument inside '[...]' right after the field name", 8},
      {"proc.name[ = x", "expected a field argument inside '[...]' right after the field name", 9},
      {"proc.name startswith oneof val(proc.pname)", "expected a list after 'oneof'", 27},
      {"concat(proc.name proc.exe) = x",
       "expected a ',' or ')' token in transformer arguments, got token 'proc.exe'", 17},
      {"concat(proc.name, (a)) = x",
       "expected a transformer argument (a field, a transformer, a string, a number or a list), "
       "got token 'a'",
       19},
      {"getopt(proc.args, \"c:\") [c] = x", "unexpected blank before a transformer index", 24},
      {"proc.name = a,b", "unexpected token after 'a', expecting 'or', 'and'", 13},
      {"proc.name = a=b", "unexpected character '=', expecting a field, a macro, 'not' or '('", 13},
      {"evt.num > 1.5e3", "unexpected token after '1.5', expecting 'or', 'and'", 13},
  };
  for (const ErrorCase& c : cases) {
    Parsed p = parse(c.condition);
    EXPECT_EQ(p.error, c.message) << "[" << c.condition << "]";
    EXPECT_EQ(p.offset, c.offset) << "[" << c.condition << "]";
    EXPECT_EQ(p.dump, "");
  }
}

TEST(Parse, ErrorLengthUnderlinesTheToken) {
  Parsed p = parse("a andb");
  EXPECT_EQ(p.offset, 2u);
  EXPECT_EQ(p.length, 4u);
  p = parse("(a");
  EXPECT_EQ(p.length, 0u);  // end of input
}

TEST(Parse, DepthLimit) {
  std::string ok = std::string(1000, '(') + "a" + std::string(1000, ')');
  EXPECT_EQ(parse(ok).dump, "(macro a)");
  std::string deep = std::string(1001, '(') + "a" + std::string(1001, ')');
  Parsed p = parse(deep);
  EXPECT_EQ(p.error, "exceeded max depth limit of 1000");
  EXPECT_EQ(p.offset, 1000u);  // the '(' that opens level 1001
  // Parentheses inside quoted strings do not count.
  std::string quoted = "proc.name = \"" + std::string(2000, '(') + "\"";
  EXPECT_EQ(parse(quoted).error, "");
  // The limit is a parameter.
  EXPECT_EQ(parse("((a))", 1).error, "exceeded max depth limit of 1");
  // `not` chains nest without parentheses: the tree's depth is bounded too (generously).
  std::string nots;
  for (int i = 0; i < 4000; i++) nots += "not ";
  EXPECT_EQ(parse(nots + "a").error, "");
  for (int i = 0; i < 2000; i++) nots += "not ";
  p = parse(nots + "a");
  EXPECT_EQ(p.error, "exceeded max depth limit of 1000");
  EXPECT_EQ(p.offset, 4008u * 4);  // the not that crosses 4 * 1000 + 8 levels
  // A 100,000-deep nest is rejected without recursing.
  std::string huge = std::string(100000, '(') + "a" + std::string(100000, ')');
  EXPECT_EQ(parse(huge).error, "exceeded max depth limit of 1000");
}

TEST(Parse, AnyByteIsAcceptedAsInput) {
  // Bytes outside ASCII inside strings, and invalid UTF-8, parse; elsewhere they are errors.
  EXPECT_EQ(parse("proc.name = \"\xc3\xa9t\xc3\xa9\"").dump, "(proc.name = \"\xc3\xa9t\xc3\xa9\")");
  EXPECT_EQ(parse("proc.name = \xff\xfe").dump, "(proc.name = \"\xff\xfe\")");
  Parsed p = parse("\xff = a");
  EXPECT_NE(p.error, "");
  EXPECT_EQ(p.offset, 0u);
  // A NUL byte in the text: in a bare value, in a list item, elsewhere.
  p = parse(std::string("proc.name = a\0b", 15));
  EXPECT_EQ(p.error, "string value contains a NUL character");
  EXPECT_EQ(p.offset, 13u);
  p = parse(std::string("proc.name in (a, b\0)", 20));
  EXPECT_EQ(p.error, "string value contains a NUL character");
  EXPECT_EQ(p.offset, 18u);
  p = parse(std::string("proc.name\0 = a", 15));
  EXPECT_NE(p.error, "");
  EXPECT_EQ(p.offset, 9u);
}

TEST(Parse, SpansPointIntoTheText) {
  static SourceFile file("cond", "");
  ast::Arena arena;
  const MappedText* t =
      arena.keep(MappedText::identity("evt.type = open and proc.name in (a, b)", &file, 0));
  ParseResult r = parse_condition(t, arena, ParseOptions{});
  ASSERT_TRUE(r.root);
  ASSERT_EQ(r.root->kind, ast::Kind::kAnd);
  const ast::Node* second = r.root->children[1];
  EXPECT_EQ(second->span.begin, 20u);
  EXPECT_EQ(second->span.end, 39u);
  EXPECT_EQ(second->lhs.span.begin, 20u);
  EXPECT_EQ(second->lhs.span.end, 29u);
  EXPECT_EQ(second->op_span.begin, 30u);
  EXPECT_EQ(second->op_span.end, 32u);
  ASSERT_TRUE(second->rhs);
  ASSERT_EQ(second->rhs->items.size(), 2u);
  EXPECT_EQ(second->rhs->items[1].span.begin, 37u);
}

TEST(DecodeQuoted, FalcosRules) {
  std::string err;
  uint32_t at = 0;
  EXPECT_EQ(decode_quoted("\"abc\"", &err, &at), "abc");
  EXPECT_EQ(decode_quoted("'a\\'b'", &err, &at), "a'b");
  EXPECT_EQ(decode_quoted("\"\\x7e\\x7E\"", &err, &at), "~~");
  EXPECT_EQ(decode_quoted("\"\\ \"", &err, &at), "\\");
  EXPECT_FALSE(decode_quoted("\"\\'\"", &err, &at));
  EXPECT_EQ(err, "unsupported string escape sequence");
  EXPECT_EQ(at, 1u);
}

TEST(Parse, OperatorSpellingsInFalcosOrder) {
  const std::vector<std::string>& ops = falco_operator_spellings();
  ASSERT_EQ(ops.size(), 20u);
  EXPECT_EQ(ops.front(), "==");
  EXPECT_EQ(ops.back(), "exists");
}

}  // namespace
}  // namespace pg
