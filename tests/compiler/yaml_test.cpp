// Tests for compiler/yaml.{h,cpp}: the flat YAML model, limits, hostile input and the mapping of
// decoded scalars back to file offsets.
#include "compiler/yaml.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace pg::yaml {
namespace {

struct Parsed {
  std::unique_ptr<SourceFile> file;
  ParseResult result;
};

Parsed parse_text(std::string text, const Limits& limits = {}) {
  Parsed p;
  p.file = std::make_unique<SourceFile>("test.yaml", std::move(text));
  p.result = parse(*p.file, limits);
  return p;
}

// Parses a text that must be one valid document.
Parsed parse_ok(std::string text) {
  Parsed p = parse_text(std::move(text));
  EXPECT_FALSE(p.result.error) << p.result.error->message;
  EXPECT_EQ(p.result.documents.size(), 1u);
  return p;
}

uint32_t index_of(const Document& d, const Node& n) { return static_cast<uint32_t>(&n - &d.root()); }

// scalar_text gave up and mapped every byte to the node's mark. (A single escape such as
// "\U0001F600" also yields one fixed run, but at its backslash, never at the mark.)
bool is_fallback(const MappedText& m, const Node& n) {
  return m.size() > 1 && m.runs().size() == 1 && m.runs()[0].fixed &&
         m.runs()[0].file_off == n.offset;
}

// Checks scalar_text(node): its text is the value, it did not fall back, and every byte maps to
// the source byte it came from (a folded space or newline maps to a line break; an escape's
// bytes map to its backslash).
void expect_mapped(const SourceFile& file, const Node& n) {
  MappedText m = scalar_text(file, n);
  ASSERT_EQ(m.text(), n.value);
  ASSERT_FALSE(is_fallback(m, n)) << "fell back for [" << n.value << "]";
  const std::string& t = file.text();
  for (uint32_t i = 0; i < n.value.size(); i++) {
    FilePos pos = m.map(i);
    ASSERT_EQ(pos.file, &file);
    ASSERT_LT(pos.offset, t.size());
    char src = t[pos.offset];
    char v = n.value[i];
    bool ok = src == v || ((v == ' ' || v == '\n') && (src == '\n' || src == '\r')) ||
              src == '\\' || (v == '\'' && src == '\'');
    EXPECT_TRUE(ok) << "byte " << i << " of [" << n.value << "] maps to [" << src << "] at "
                    << pos.offset;
  }
}

// The i-th byte of the value maps exactly to file offset `off`.
void expect_at(const MappedText& m, uint32_t i, uint32_t off) {
  EXPECT_EQ(m.map(i).offset, off) << "byte " << i << " of [" << m.text() << "]";
}

// ---------------------------------------------------------------------------------------------
// Model.

TEST(Yaml, BuildsFlatModelWithRootFirst) {
  Parsed p = parse_ok("a: 1\nb: [x, y, {k: v}]\nc:\n  - p\n  - q: r\n");
  const Document& d = p.result.documents[0];
  const Node& root = d.root();
  EXPECT_EQ(d.root_index(), 0u);
  ASSERT_EQ(root.kind, Kind::kMap);
  EXPECT_FALSE(root.flow);
  ASSERT_EQ(d.size(root), 3u);
  EXPECT_EQ(d.key(root, 0).value, "a");
  EXPECT_EQ(d.value(root, 0).value, "1");
  EXPECT_EQ(d.key(root, 2).value, "c");
  const Node& b = d.value(root, 1);
  ASSERT_EQ(b.kind, Kind::kSequence);
  EXPECT_TRUE(b.flow);
  ASSERT_EQ(d.size(b), 3u);
  EXPECT_EQ(d.item(b, 0).value, "x");
  EXPECT_EQ(d.item(b, 1).value, "y");
  const Node& kv = d.item(b, 2);
  ASSERT_EQ(kv.kind, Kind::kMap);
  EXPECT_TRUE(kv.flow);
  ASSERT_NE(d.find(kv, "k"), nullptr);
  EXPECT_EQ(d.find(kv, "k")->value, "v");
  const Node& c = d.value(root, 2);
  ASSERT_EQ(c.kind, Kind::kSequence);
  EXPECT_FALSE(c.flow);
  EXPECT_EQ(d.item(c, 0).value, "p");
  EXPECT_EQ(d.find(d.item(c, 1), "q")->value, "r");
  EXPECT_EQ(d.find(root, "zz"), nullptr);
  EXPECT_EQ(d.find(b, "x"), nullptr);  // not a map

  // Positions: 0-based line/column, byte offsets.
  const Node& y = d.item(b, 1);
  EXPECT_EQ(y.line, 1u);
  EXPECT_EQ(y.column, 7u);
  EXPECT_EQ(y.offset, 5u + 7u);
  EXPECT_EQ(b.offset, 5u + 3u);
}

TEST(Yaml, FindReturnsFirstDuplicateKey) {
  Parsed p = parse_ok("a: 1\nb: 2\na: 3\n");
  const Document& d = p.result.documents[0];
  EXPECT_EQ(d.size(d.root()), 3u);  // duplicates are kept, in file order
  EXPECT_EQ(d.find(d.root(), "a")->value, "1");
  EXPECT_EQ(d.value(d.root(), 2).value, "3");
}

TEST(Yaml, FindIgnoresNonScalarKeys) {
  Parsed p = parse_ok("? [a]\n: 1\n\"a\": 2\n");
  const Document& d = p.result.documents[0];
  EXPECT_EQ(d.key(d.root(), 0).kind, Kind::kSequence);
  EXPECT_EQ(d.find(d.root(), "a")->value, "2");
}

TEST(Yaml, NullsTagsAndStyles) {
  Parsed p = parse_ok(
      "n1: ~\nn2: null\nn3:\np: plain\ns: 'single'\nd: \"double\"\nl: |\n  lit\nf: >\n  fold\n"
      "t: !!str 12\nu: !custom x\nq: ! bang\nv: &a \"anchored\"\nw: !!str\nx: \"null\"\n");
  const Document& d = p.result.documents[0];
  auto v = [&](std::string_view k) -> const Node& { return *d.find(d.root(), k); };
  EXPECT_EQ(v("n1").kind, Kind::kNull);
  EXPECT_EQ(v("n2").kind, Kind::kNull);
  EXPECT_EQ(v("n3").kind, Kind::kNull);
  EXPECT_EQ(v("p").style, ScalarStyle::kPlain);
  EXPECT_EQ(v("p").tag, "");
  EXPECT_EQ(v("s").style, ScalarStyle::kSingleQuoted);
  EXPECT_EQ(v("s").tag, "!");
  EXPECT_EQ(v("d").style, ScalarStyle::kDoubleQuoted);
  EXPECT_EQ(v("d").tag, "!");
  EXPECT_EQ(v("l").style, ScalarStyle::kLiteral);
  EXPECT_EQ(v("l").value, "lit\n");
  EXPECT_EQ(v("f").style, ScalarStyle::kFolded);
  EXPECT_EQ(v("f").value, "fold\n");
  EXPECT_EQ(v("t").tag, "tag:yaml.org,2002:str");
  EXPECT_EQ(v("t").style, ScalarStyle::kPlain);
  EXPECT_EQ(v("t").value, "12");
  EXPECT_EQ(v("u").tag, "!custom");
  EXPECT_EQ(v("q").tag, "!");
  EXPECT_EQ(v("q").style, ScalarStyle::kPlain);
  EXPECT_EQ(v("v").style, ScalarStyle::kDoubleQuoted);
  EXPECT_EQ(v("w").kind, Kind::kScalar);  // a tag alone makes an empty scalar, not a null
  EXPECT_EQ(v("w").value, "");
  EXPECT_EQ(v("x").kind, Kind::kScalar);
  EXPECT_EQ(v("x").value, "null");
}

TEST(Yaml, EmptyFileAndCommentsOnlyHaveNoDocuments) {
  for (const char* text : {"", "# just a comment\n", "\n\n   \n# a\n  # b\n", "\xEF\xBB\xBF"}) {
    Parsed p = parse_text(text);
    EXPECT_FALSE(p.result.error) << text;
    EXPECT_TRUE(p.result.documents.empty()) << text;
  }
}

TEST(Yaml, MultipleDocumentsAndExplicitEnd) {
  Parsed p = parse_text("a: 1\n---\n- x\n...\n---\n...\n--- scalar\n");
  ASSERT_FALSE(p.result.error) << p.result.error->message;
  ASSERT_EQ(p.result.documents.size(), 4u);
  EXPECT_EQ(p.result.documents[0].root().kind, Kind::kMap);
  EXPECT_EQ(p.result.documents[1].root().kind, Kind::kSequence);
  EXPECT_EQ(p.result.documents[2].root().kind, Kind::kNull);  // empty document: a null root
  EXPECT_EQ(p.result.documents[3].root().value, "scalar");
  EXPECT_EQ(p.result.documents[3].root().line, 6u);
}

TEST(Yaml, DocumentsBeforeAnErrorAreKept) {
  Parsed p = parse_text("a: 1\n---\nb: 2\n---\nc: [1, 2\n");
  ASSERT_TRUE(p.result.error);
  EXPECT_EQ(p.result.documents.size(), 2u);
  EXPECT_EQ(p.result.error->message.rfind("yaml-cpp: error at line ", 0), 0u)
      << p.result.error->message;
}

TEST(Yaml, ErrorKeepsYamlCppMessageAndZeroBasedPosition) {
  Parsed p = parse_text("rule: x\ncondition: [a, b\n");
  ASSERT_TRUE(p.result.error);
  const ParseError& e = *p.result.error;
  // yaml-cpp's text has 1-based numbers; the fields are 0-based.
  std::string expect = "yaml-cpp: error at line " + std::to_string(e.line + 1) + ", column " +
                       std::to_string(e.column + 1) + ": ";
  EXPECT_EQ(e.message.rfind(expect, 0), 0u) << e.message;
  EXPECT_EQ(p.file->line_col(e.offset).line, e.line);

  Parsed q = parse_text("a: b: c\n");
  ASSERT_TRUE(q.result.error);
  EXPECT_EQ(q.result.error->message, "yaml-cpp: error at line 1, column 5: illegal map value");
  EXPECT_EQ(q.result.error->line, 0u);
  EXPECT_EQ(q.result.error->column, 4u);
  EXPECT_EQ(q.result.error->offset, 4u);
}

// ---------------------------------------------------------------------------------------------
// Anchors and aliases.

TEST(Yaml, AliasesShareTheAnchoredNode) {
  Parsed p = parse_ok(
      "base: &b {k: v, list: [1, 2]}\nother: *b\nscalar: &s text\nagain: *s\nn: &z\nm: *z\n");
  const Document& d = p.result.documents[0];
  const Node& root = d.root();
  EXPECT_EQ(index_of(d, *d.find(root, "base")), index_of(d, *d.find(root, "other")));
  EXPECT_EQ(index_of(d, *d.find(root, "scalar")), index_of(d, *d.find(root, "again")));
  EXPECT_EQ(d.find(root, "again")->value, "text");
  EXPECT_EQ(d.find(root, "m")->kind, Kind::kNull);
  EXPECT_EQ(index_of(d, *d.find(root, "n")), index_of(d, *d.find(root, "m")));
  // No copies: 1 root + 6 keys + (map + 2 keys + v + list + 2 items) + text + null.
  EXPECT_EQ(p.result.documents[0].root().count, 6u);
  EXPECT_EQ(const_cast<Document&>(d).nodes().size(), 1u + 6u + 7u + 1u + 1u);
}

TEST(Yaml, AnchorOnRootAndRedefinedAnchors) {
  Parsed p = parse_ok("--- &root\na: &x 1\nb: *x\nc: &x 2\nd: *x\n");
  const Document& d = p.result.documents[0];
  EXPECT_EQ(d.root().kind, Kind::kMap);
  EXPECT_EQ(d.find(d.root(), "b")->value, "1");
  EXPECT_EQ(d.find(d.root(), "d")->value, "2");  // the latest definition wins

  Parsed q = parse_ok("&top [a, b]\n");
  EXPECT_EQ(q.result.documents[0].root().kind, Kind::kSequence);
  EXPECT_EQ(q.result.documents[0].size(q.result.documents[0].root()), 2u);
}

TEST(Yaml, AnchorsAreScopedToTheirDocument) {
  Parsed p = parse_text("a: &x 1\n---\nb: *x\n");
  ASSERT_TRUE(p.result.error);
  EXPECT_EQ(p.result.documents.size(), 1u);
}

TEST(Yaml, RecursiveAliasIsAnError) {
  for (const char* text : {"a: &r [*r]\n", "&r {k: *r}\n", "a: &r\n  b:\n    - *r\n"}) {
    Parsed p = parse_text(text);
    ASSERT_TRUE(p.result.error) << text;
    EXPECT_NE(p.result.error->message.find("recursive alias"), std::string::npos);
    EXPECT_TRUE(p.result.documents.empty());
  }
}

TEST(Yaml, BillionLaughsIsSmallAndFast) {
  std::string text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 30; i++) {
    std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; j++) text += (j ? ", " : "") + prev;
    text += "]\n";
  }
  auto t0 = std::chrono::steady_clock::now();
  Parsed p = parse_ok(text);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
  EXPECT_LT(ms.count(), 1000.0);
  Document& d = p.result.documents[0];
  // 10^30 leaves if expanded; here: 1 root + 31 keys + 31 sequences + 10 "lol".
  EXPECT_EQ(d.nodes().size(), 1u + 31u + 31u + 10u);
  const Node& a30 = *d.find(d.root(), "a30");
  const Node& a29 = *d.find(d.root(), "a29");
  for (uint32_t j = 0; j < 10; j++) EXPECT_EQ(index_of(d, d.item(a30, j)), index_of(d, a29));
}

// ---------------------------------------------------------------------------------------------
// Limits and hostile input.

std::string repeat(std::string_view s, size_t n) {
  std::string r;
  r.reserve(s.size() * n);
  for (size_t i = 0; i < n; i++) r += s;
  return r;
}

void expect_depth_error(const std::string& text, uint32_t max_depth = 256) {
  Limits limits;
  limits.max_depth = max_depth;
  auto t0 = std::chrono::steady_clock::now();
  Parsed p = parse_text(text, limits);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
  ASSERT_TRUE(p.result.error) << text.substr(0, 40);
  EXPECT_NE(p.result.error->message.find("YAML nesting exceeds " + std::to_string(max_depth) +
                                         " levels"),
            std::string::npos)
      << p.result.error->message;
  EXPECT_TRUE(p.result.documents.empty());
  EXPECT_LT(ms.count(), 2000.0) << text.substr(0, 40);
}

TEST(Yaml, DeepFlowNestingIsRejected) {
  const size_t kDeep = 100000;
  expect_depth_error(repeat("[", kDeep) + repeat("]", kDeep) + "\n");
  expect_depth_error(repeat("[", kDeep));  // unterminated
  expect_depth_error(repeat("{a: ", kDeep) + repeat("}", kDeep) + "\n");
  expect_depth_error("key: " + repeat("[", kDeep) + "\n");
  expect_depth_error("- " + repeat("{", kDeep) + "\n");
  expect_depth_error("a: 1\n---\nb: " + repeat("[x, ", kDeep) + "\n");
  // The position is the first opener past the limit.
  Parsed p = parse_text(repeat("[", 300));
  ASSERT_TRUE(p.result.error);
  EXPECT_EQ(p.result.error->offset, 256u);
  EXPECT_EQ(p.result.error->line, 0u);
  EXPECT_EQ(p.result.error->column, 256u);
  EXPECT_EQ(p.result.error->message,
            "yaml-cpp: error at line 1, column 257: YAML nesting exceeds 256 levels");
}

TEST(Yaml, DeepBlockNestingIsRejected) {
  const size_t kDeep = 100000;
  expect_depth_error(repeat("- ", kDeep) + "x\n");
  expect_depth_error(repeat("? ", kDeep) + "x\n");
  std::string maps;
  for (int i = 0; i < 300; i++) maps += std::string(i, ' ') + "k:\n";
  expect_depth_error(maps);
  // Mixed block and flow: the handler counts both kinds.
  expect_depth_error(repeat("- ", 200) + repeat("[", 100) + "\n");
}

TEST(Yaml, DepthLimitIsExact) {
  Limits limits;
  limits.max_depth = 3;
  EXPECT_FALSE(parse_text("[[[x]]]\n", limits).result.error);
  EXPECT_FALSE(parse_text("a:\n  b: [x]\n", limits).result.error);
  expect_depth_error("[[[[x]]]]\n", 3);
  expect_depth_error("a:\n  b:\n    c:\n      d: x\n", 3);
  expect_depth_error("a:\n  b: {c: [x]}\n", 3);
}

TEST(Yaml, FlowLikeTextOutsideFlowContextIsNotCounted) {
  // Brackets inside block scalars, quoted scalars, plain scalars and comments are not nesting.
  std::string deep = repeat("[", 1000);
  for (std::string text : {
           "a: |\n  " + deep + "\n  more\nb: 1\n",
           "a: >-\n  " + deep + "\n" + "  " + deep + "\nb: 1\n",
           "- \"" + deep + "\"\n- '" + deep + "'\n",
           "a: \"x\n  " + deep + "\"\n",
           "a: x" + deep + "\n",
           "a: word\n  " + deep + "\n",
           "# " + deep + "\na: 1 # " + deep + "\n",
           "a: [\"" + deep + "\", '" + deep + "', x" + "]\n",
           "a: [it's, \"q\\\"" + deep + "\"]\n",
           "- rule: r\n  condition: >\n    " + deep + "\n  output: x\n",
       }) {
    Parsed p = parse_text(text);
    EXPECT_FALSE(p.result.error) << text.substr(0, 60) << ": " << p.result.error->message;
  }
}

// Nesting depth of a parsed document (aliases count where they appear).
uint32_t depth_of(const Document& d, const Node& n, uint32_t budget = 100000) {
  if (n.kind != Kind::kSequence && n.kind != Kind::kMap) return 0;
  uint32_t deepest = 0;
  uint32_t children = n.kind == Kind::kMap ? 2 * n.count : n.count;
  for (uint32_t i = 0; i < children && budget > 0; i++, budget--) {
    const Node& c = n.kind == Kind::kMap ? (i % 2 ? d.value(n, i / 2) : d.key(n, i / 2))
                                         : d.item(n, i);
    deepest = std::max(deepest, depth_of(d, c, budget));
  }
  return deepest + 1;
}

// The flow pre-scan only ever rejects what the handler's own depth check would reject too.
void expect_consistent_depth_check(const std::string& text) {
  Limits unlimited;
  unlimited.max_depth = 1000;
  Parsed full = parse_text(text, unlimited);
  if (full.result.error) return;
  uint32_t depth = 0;
  for (const Document& d : full.result.documents) depth = std::max(depth, depth_of(d, d.root()));
  for (uint32_t k : {1u, 2u, 3u, 5u}) {
    Limits limits;
    limits.max_depth = k;
    Parsed p = parse_text(text, limits);
    bool nesting = p.result.error &&
                   p.result.error->message.find("nesting exceeds") != std::string::npos;
    ASSERT_EQ(nesting, depth > k) << "max_depth " << k << ", depth " << depth << ": " << text;
  }
}

TEST(Yaml, FlowPrescanAgreesWithTheParser) {
  for (const char* text : {
           "[:#- *a]'b\n  {{''b\n  {{'\n# [[\n",
           " &a {:#, }\t\"a\n [[\"\"\\\"[\"",
           "&a : |\n  [[[\n",
           "\n  - \n  |\n  [[[\nk: ",
           "!t k: |\n  [[[\nb [c'x[y'&a |\n  [[[\n",
           "%YAML 1.2\n---\n\\[\n  b [c- a\n [[\n*ab [ca|2\n   [[\n",
           "{\"a\":[b], c: {d: [e]}}\n",
           "[a?b, c:d, \"k\":v, -x, ?x]\n",
       }) {
    expect_consistent_depth_check(text);
  }
  std::mt19937 rng(99);
  const char* pieces[] = {"[", "]", "{", "}", ", ", ": ", "a", "'x[y'", "\"q{\"", " ", "\n",
                          "\n  ", "- ", "# [[\n", "|\n  [[[\n", "k: ", "b [c", "&a ", "!t ",
                          "? ", "---\n", "\t", "\"a\n [[\"", ">-\n [[\n", "*a", ":", "#",
                          ":#", ":x", "\"k\":v", "]:", "|2\n   [[\n", "%YAML 1.2\n"};
  for (int i = 0; i < 5000; i++) {
    std::string text;
    for (int j = static_cast<int>(rng() % 30); j > 0; j--)
      text += pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))];
    expect_consistent_depth_check(text);
    if (HasFatalFailure()) return;
  }
}

TEST(Yaml, NodeLimit) {
  Limits limits;
  limits.max_nodes = 10;
  Parsed ok = parse_text("[1, 2, 3, 4, 5, 6, 7, 8, 9]\n", limits);
  EXPECT_FALSE(ok.result.error);
  Parsed p = parse_text("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n", limits);
  ASSERT_TRUE(p.result.error);
  EXPECT_NE(p.result.error->message.find("exceeds 10 nodes"), std::string::npos);
  // The limit is per file, across documents.
  Parsed q = parse_text("[1, 2, 3, 4]\n---\n[1, 2, 3, 4]\n---\n[1, 2]\n", limits);
  ASSERT_TRUE(q.result.error);
  EXPECT_EQ(q.result.documents.size(), 2u);
}

TEST(Yaml, Utf8BomIsSkippedAndOffsetsStayFileOffsets) {
  Parsed p = parse_ok("\xEF\xBB\xBFkey: value\nb: \"q\"\n");
  const Document& d = p.result.documents[0];
  const Node& v = *d.find(d.root(), "key");
  EXPECT_EQ(v.offset, 8u);
  EXPECT_EQ(v.line, 0u);
  EXPECT_EQ(v.column, 8u);
  EXPECT_EQ(p.file->text().substr(v.offset, 5), "value");
  expect_mapped(*p.file, v);
  expect_mapped(*p.file, *d.find(d.root(), "b"));
  EXPECT_EQ(d.key(d.root(), 0).offset, 3u);
}

TEST(Yaml, CrlfLineEndings) {
  Parsed p = parse_ok(
      "a: plain\r\nb: multi\r\n  line\r\nc: >\r\n  folded\r\n  text\r\n\r\n  para\r\n"
      "d: |-\r\n  lit\r\n  eral\r\ne: \"dq\r\n  x\"\r\n");
  const Document& d = p.result.documents[0];
  EXPECT_EQ(d.find(d.root(), "a")->value, "plain");
  EXPECT_EQ(d.find(d.root(), "b")->value, "multi line");
  EXPECT_EQ(d.find(d.root(), "c")->value, "folded text\npara\n");
  EXPECT_EQ(d.find(d.root(), "d")->value, "lit\neral");
  EXPECT_EQ(d.find(d.root(), "e")->value, "dq x");
  for (uint32_t i = 0; i < d.size(d.root()); i++) expect_mapped(*p.file, d.value(d.root(), i));
}

TEST(Yaml, GarbageNeverCrashes) {
  std::vector<std::string> inputs = {
      std::string("\0\0\0\0", 4),
      std::string("a: \0b\n", 6),
      std::string("\0a: b\n", 6),
      std::string("a\0: b\n", 6),
      std::string("\xFE\xFF\0a\0:\0 \0b", 10),
      std::string("\xFF\xFE" "a\0:\0 \0b\0", 10),
      "\xC3\x28: \xA0\xA1\n- \xF0\x28\x8C\xBC\n",
      "key: \xFF\xFE\xFD\n",
      "a: \"\\xZZ\"\n",
      "a: \"\\uD800\"\n",
      "a: \"unterminated\n",
      "a: 'unterminated\n",
      "a: |\n\tx\n",
      "a: |0\n  x\n",
      "- a\nb: c\n",
      "[a, b]: c\n{x: y}: z\n",
      "*unknown\n",
      "&a &b x\n",
      "!a !b x\n",
      "%YAML 1.2\n%TAG ! tag:x,2000:\n--- !foo bar\n",
      "%BOGUS\n",
      "---\n--- ---\n... ...\n",
      "\x04\x04\x04",
      "a: b\x04" "c: d\n",
      ": :\n? ? ?\n- - -\n",
      "{[{[{[",
      "]]]}}}",
      ",",  // yaml-cpp 0.7 alone loops forever on this, returning empty documents
      "a\n---\n, x\n",
      "'''''''",
      "\"\\",
      "a: >\n  x\n ---\n",
      std::string(5000, '\t'),
      std::string(70000, 'a') + ": b\n",
  };
  std::mt19937 rng(12345);
  const std::string alphabet = "[]{}:,-?&*!|>'\"#%@` \n\r\t\\abc01\x04\xEF\xBB\xBF";
  for (int i = 0; i < 2000; i++) {
    std::string s;
    size_t len = rng() % 64;
    for (size_t j = 0; j < len; j++) {
      s += (rng() % 4 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    }
    inputs.push_back(s);
  }
  for (const std::string& s : inputs) {
    Parsed p = parse_text(s);
    for (const Document& d : p.result.documents) {
      for (const Node& n : const_cast<Document&>(d).nodes()) {
        EXPECT_LE(n.offset, s.size());
        MappedText m = scalar_text(*p.file, n);
        EXPECT_EQ(m.text(), n.value);
      }
    }
    if (p.result.error) {
      EXPECT_LE(p.result.error->offset, s.size());
    }
  }
}

TEST(Yaml, NonUtf8EncodingsDoNotMapScalars) {
  // A leading NUL makes yaml-cpp guess UTF-16/32; its marks then count decoded characters.
  Parsed p = parse_text(std::string("a\0:\0 \0b\0", 8));
  for (const Document& d : p.result.documents) {
    for (const Node& n : const_cast<Document&>(d).nodes()) {
      EXPECT_LE(n.offset, p.file->text().size());
      MappedText m = scalar_text(*p.file, n);
      EXPECT_EQ(m.text(), n.value);
      if (!m.empty()) {
        EXPECT_TRUE(is_fallback(m, n) || m.size() == 1);
      }
    }
  }
}

TEST(Yaml, ManyItems) {
  std::string text;
  for (int i = 0; i < 100000; i++) text += "- item" + std::to_string(i) + "\n";
  Parsed p = parse_ok(text);
  const Document& d = p.result.documents[0];
  ASSERT_EQ(d.size(d.root()), 100000u);
  EXPECT_EQ(d.item(d.root(), 99999).value, "item99999");
  EXPECT_EQ(d.item(d.root(), 99999).line, 99999u);
}

// ---------------------------------------------------------------------------------------------
// scalar_text.

TEST(YamlScalarText, PlainSingleLine) {
  Parsed p = parse_ok("key:   some plain value   # comment\nnext: x\n");
  const Node& v = *p.result.documents[0].find(p.result.documents[0].root(), "key");
  EXPECT_EQ(v.value, "some plain value");
  MappedText m = scalar_text(*p.file, v);
  EXPECT_EQ(m.text(), v.value);
  EXPECT_EQ(m.runs().size(), 1u);
  EXPECT_FALSE(m.runs()[0].fixed);
  expect_at(m, 0, 7);
  expect_mapped(*p.file, v);
}

TEST(YamlScalarText, PlainMultiLine) {
  std::string text =
      "- rule: r\n  condition: spawned_process and\n    proc.name = x\n\n    and  y   \n"
      "  output: o\n";
  Parsed p = parse_ok(text);
  const Document& d = p.result.documents[0];
  const Node& v = *d.find(d.item(d.root(), 0), "condition");
  EXPECT_EQ(v.value, "spawned_process and proc.name = x\nand  y");
  expect_mapped(*p.file, v);
  MappedText m = scalar_text(*p.file, v);
  // The folded space maps to the line break it replaces; the next word to itself.
  uint32_t nl = static_cast<uint32_t>(text.find("and\n") + 3);
  expect_at(m, 19, nl);
  expect_at(m, 20, static_cast<uint32_t>(text.find("proc.name")));
  // The empty line becomes "\n" and maps to a line break.
  size_t i = v.value.find('\n');
  EXPECT_EQ(text[m.map(static_cast<uint32_t>(i)).offset], '\n');
  expect_at(m, static_cast<uint32_t>(i + 1), static_cast<uint32_t>(text.find("and  y")));
}

TEST(YamlScalarText, PlainWithTabsAfterTheIndentation) {
  // Tabs are fine after the indentation (here: columns >= 3), not inside it.
  std::string text = "- k: one\n    \t two\n     \tthree\n";
  Parsed p = parse_ok(text);
  const Document& d = p.result.documents[0];
  const Node& v = *d.find(d.item(d.root(), 0), "k");
  EXPECT_EQ(v.value, "one two three");
  expect_mapped(*p.file, v);
}

TEST(YamlScalarText, PlainTopLevelAndInFlow) {
  Parsed p = parse_ok("just a\n  scalar\n");
  expect_mapped(*p.file, p.result.documents[0].root());
  EXPECT_EQ(p.result.documents[0].root().value, "just a scalar");

  Parsed q = parse_ok("k: [a b, c:d, \"x\", 'y', multi\n  line, {m: n}]\n");
  const Document& d = q.result.documents[0];
  const Node& seq = d.value(d.root(), 0);
  ASSERT_EQ(d.size(seq), 6u);
  EXPECT_EQ(d.item(seq, 4).value, "multi line");
  for (uint32_t i = 0; i < 5; i++) expect_mapped(*q.file, d.item(seq, i));
  expect_mapped(*q.file, d.value(d.item(seq, 5), 0));
}

TEST(YamlScalarText, PropertiesBeforeTheScalar) {
  Parsed p = parse_ok(
      "a: &x plain\nb: !!str 'quoted'\nc: &y !t \"dq\"\nd: &z\n  next line\ne: !!str |\n  lit\n");
  const Document& d = p.result.documents[0];
  for (uint32_t i = 0; i < d.size(d.root()); i++) expect_mapped(*p.file, d.value(d.root(), i));
  const Node& a = *d.find(d.root(), "a");
  EXPECT_EQ(p.file->text()[a.offset], '&');  // the mark is the first token: the anchor
  EXPECT_EQ(scalar_text(*p.file, a).map(0).offset, 6u);
  EXPECT_EQ(d.find(d.root(), "e")->style, ScalarStyle::kLiteral);
}

TEST(YamlScalarText, SingleQuoted) {
  std::string text = "k: 'it''s  a\n   folded\n\n   text '\n";
  Parsed p = parse_ok(text);
  const Node& v = p.result.documents[0].value(p.result.documents[0].root(), 0);
  EXPECT_EQ(v.value, "it's  a folded\ntext ");
  expect_mapped(*p.file, v);
  MappedText m = scalar_text(*p.file, v);
  expect_at(m, 0, 4);
  expect_at(m, 2, 6);  // the ' of '' maps to the first quote
  expect_at(m, 3, 8);  // 's' follows the pair
}

TEST(YamlScalarText, DoubleQuotedEscapes) {
  std::string text =
      "k: \"a\\n\\t\\\"\\\\\\x41\\u00e9\\U0001F600 \\/\\0z\"\n"
      "e: \"line \\\n   continued\"\n"
      "f: \"fold\n   ed\n\n   para\"\n";
  Parsed p = parse_ok(text);
  const Document& d = p.result.documents[0];
  const Node& k = *d.find(d.root(), "k");
  EXPECT_EQ(k.value, std::string("a\n\t\"\\A\xC3\xA9\xF0\x9F\x98\x80 /\0z", 16));
  expect_mapped(*p.file, k);
  MappedText m = scalar_text(*p.file, k);
  expect_at(m, 0, 4);
  expect_at(m, 1, 5);    // \n -> the backslash
  expect_at(m, 5, 13);   // \x41
  expect_at(m, 6, 17);   // both bytes of \u00e9
  expect_at(m, 7, 17);
  expect_at(m, 8, 23);   // all four bytes of \U0001F600
  expect_at(m, 11, 23);
  expect_at(m, 15, static_cast<uint32_t>(text.find('z')));
  const Node& e = *d.find(d.root(), "e");
  EXPECT_EQ(e.value, "line continued");
  expect_mapped(*p.file, e);
  const Node& f = *d.find(d.root(), "f");
  EXPECT_EQ(f.value, "fold ed\npara");
  expect_mapped(*p.file, f);
}

TEST(YamlScalarText, LiteralBlocks) {
  std::string text =
      "a: |\n  line one\n    indented\n\n  last\n"
      "b: |-  # comment after the indicator\n  stripped\n\n"
      "c: |+\n  kept\n\n\n"
      "d: |2\n    two extra\n  base\n"
      "e: |\n\n  leading empty\n"
      "f: x\n";
  Parsed p = parse_ok(text);
  const Document& d = p.result.documents[0];
  EXPECT_EQ(d.find(d.root(), "a")->value, "line one\n  indented\n\nlast\n");
  EXPECT_EQ(d.find(d.root(), "b")->value, "stripped");
  EXPECT_EQ(d.find(d.root(), "c")->value, "kept\n\n\n");
  EXPECT_EQ(d.find(d.root(), "d")->value, "  two extra\nbase\n");
  EXPECT_EQ(d.find(d.root(), "e")->value, "\nleading empty\n");
  for (const char* k : {"a", "b", "c", "d", "e"}) expect_mapped(*p.file, *d.find(d.root(), k));
  MappedText m = scalar_text(*p.file, *d.find(d.root(), "a"));
  expect_at(m, 0, static_cast<uint32_t>(text.find("line one")));
  expect_at(m, 9, static_cast<uint32_t>(text.find("  indented")));
}

TEST(YamlScalarText, LiteralIndentIndicatorInNestedMap) {
  std::string text = "- rule: r\n  output: |1\n     five\n   three\n  desc: x\n";
  Parsed p = parse_ok(text);
  const Document& d = p.result.documents[0];
  const Node& v = *d.find(d.item(d.root(), 0), "output");
  EXPECT_EQ(v.value, "  five\nthree\n");
  expect_mapped(*p.file, v);
}

TEST(YamlScalarText, FoldedBlocks) {
  std::string text =
      "a: >\n  folded\n  lines\n\n  new para\n    more indented\n  back\n"
      "b: >-\n  strip\n  me\n\n"
      "c: >+\n  keep\n\n"
      "d: >2\n   x\n   y\n";
  Parsed p = parse_ok(text);
  const Document& d = p.result.documents[0];
  EXPECT_EQ(d.find(d.root(), "a")->value, "folded lines\nnew para\n  more indented\nback\n");
  EXPECT_EQ(d.find(d.root(), "b")->value, "strip me");
  // yaml-cpp 0.7 drops the trailing empty lines of a folded "keep" block (YAML says "keep\n\n").
  EXPECT_EQ(d.find(d.root(), "c")->value, "keep\n");
  EXPECT_EQ(d.find(d.root(), "d")->value, " x\n y\n");  // more indented lines are not folded
  for (const char* k : {"a", "b", "c", "d"}) expect_mapped(*p.file, *d.find(d.root(), k));
  MappedText m = scalar_text(*p.file, *d.find(d.root(), "a"));
  expect_at(m, 6, static_cast<uint32_t>(text.find("folded\n") + 6));  // folded space -> '\n'
  expect_at(m, 7, static_cast<uint32_t>(text.find("lines")));
}

TEST(YamlScalarText, FallsBackToTheMarkWhenTheValueDoesNotMatch) {
  Parsed p = parse_ok("k: value\n");
  Node n = p.result.documents[0].value(p.result.documents[0].root(), 0);
  n.value = "something else";
  MappedText m = scalar_text(*p.file, n);
  EXPECT_EQ(m.text(), "something else");
  ASSERT_EQ(m.runs().size(), 1u);
  EXPECT_TRUE(m.runs()[0].fixed);
  EXPECT_EQ(m.map(5).offset, n.offset);
  // Non-scalars and empty scalars map to nothing.
  EXPECT_TRUE(scalar_text(*p.file, p.result.documents[0].root()).empty());
}

// ---------------------------------------------------------------------------------------------
// Falco's official rules files.

// The official rules: $PEREGRINE_FALCO_RULES_DIR, $PEREGRINE_SHARED/falco-rules, or the shared
// folder next to the source tree.
std::filesystem::path rules_dir() {
  if (const char* env = std::getenv("PEREGRINE_FALCO_RULES_DIR")) return env;
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("PEREGRINE_SHARED"))
    candidates.push_back(std::filesystem::path(env) / "falco-rules");
#ifdef PG_SOURCE_DIR
  candidates.push_back(std::filesystem::path(PG_SOURCE_DIR) / ".." / "shared" / "falco-rules");
#endif
  std::filesystem::path here(__FILE__);
  if (here.is_absolute())
    candidates.push_back(here.parent_path().parent_path().parent_path().parent_path() / "shared" /
                         "falco-rules");
  for (const auto& c : candidates)
    if (std::filesystem::exists(c / "falco_rules.yaml")) return c;
  return {};
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(YamlFalcoRules, ConditionsMapExactly) {
  std::filesystem::path dir = rules_dir();
  if (dir.empty()) GTEST_SKIP() << "Falco rules not found (set PEREGRINE_FALCO_RULES_DIR)";
  size_t conditions = 0, folded = 0;
  for (const char* name :
       {"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"}) {
    SourceFile file(name, read_file(dir / name));
    ParseResult r = parse(file);
    ASSERT_FALSE(r.error) << name << ": " << r.error->message;
    ASSERT_EQ(r.documents.size(), 1u);
    const Document& d = r.documents[0];
    ASSERT_EQ(d.root().kind, Kind::kSequence);
    for (uint32_t i = 0; i < d.size(d.root()); i++) {
      const Node& item = d.item(d.root(), i);
      ASSERT_EQ(item.kind, Kind::kMap);
      const Node* cond = d.find(item, "condition");
      if (!cond || cond->kind != Kind::kScalar) continue;
      conditions++;
      if (cond->style == ScalarStyle::kFolded) folded++;
      MappedText m = scalar_text(file, *cond);
      ASSERT_EQ(m.text(), cond->value);
      ASSERT_FALSE(is_fallback(m, *cond)) << name << " line " << cond->line + 1;
      const std::string& v = cond->value;
      for (uint32_t k = 0; k < v.size(); k++) {
        char src = file.text()[m.map(k).offset];
        if (v[k] == ' ' && src == '\n') continue;  // a folded line break
        ASSERT_EQ(src, v[k]) << name << " line " << cond->line + 1 << " byte " << k;
      }
    }
    // Every other scalar of the file maps too (names, outputs, lists, tags...).
    for (const Node& n : const_cast<Document&>(d).nodes()) {
      if (n.kind == Kind::kScalar) {
        MappedText m = scalar_text(file, n);
        ASSERT_EQ(m.text(), n.value);
        ASSERT_FALSE(is_fallback(m, n)) << name << " line " << n.line + 1;
      }
    }
  }
  EXPECT_GT(conditions, 300u);
  EXPECT_GT(folded, 100u);
}

}  // namespace
}  // namespace pg::yaml
