// YAML document model built from yaml-cpp's event API; see yaml.h.
//
// Three parts:
//  * parse(): a cheap pre-scan that rejects flow nesting deeper than the limit (yaml-cpp buffers
//    a whole top-level flow collection as tokens before it emits the first event, ~200 bytes of
//    heap per `[`, so `[[[[...` would cost gigabytes before any depth check could fire), then
//    yaml-cpp's Parser driving an EventHandler that appends flat nodes.
//  * scalar_text(): re-runs yaml-cpp 0.7's scalar scanner (scanscalar.cpp / scantoken.cpp) over
//    the raw bytes, recording for every decoded byte the file offset it came from. The parser
//    state yaml-cpp used (block indentation of the parent, flow or block context) is not known
//    here, so the few plausible states are tried and the one reproducing the decoded value
//    exactly wins; otherwise the whole text maps to the node's mark.
//  * small helpers: yaml-cpp's encoding detection (a UTF-8 BOM is consumed and not counted in
//    marks; a leading NUL makes it guess UTF-16/32, whose marks are not byte offsets).
#include "compiler/yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <istream>
#include <streambuf>

namespace pg::yaml {

const Node* Document::find(const Node& map, std::string_view k) const {
  if (map.kind != Kind::kMap) return nullptr;
  for (uint32_t i = 0; i < map.count; i++) {
    const Node& key = nodes_[children_[map.first + 2 * i]];
    if (key.kind == Kind::kScalar && key.value == k) return &nodes_[children_[map.first + 2 * i + 1]];
  }
  return nullptr;
}

namespace {

constexpr uint32_t kOpen = UINT32_MAX;   // Node::first of a collection still being built
constexpr uint32_t kNoNode = UINT32_MAX;  // an anchor id not defined (yet)

// ---------------------------------------------------------------------------------------------
// Encoding detection, exactly as yaml-cpp's Stream constructor (stream.cpp) does it.

struct Intro {
  bool utf8 = true;   // yaml-cpp reads the file as UTF-8, so marks are byte offsets
  uint32_t skip = 0;  // bytes consumed before the first mark (3 for a UTF-8 BOM)
};

Intro detect_intro(std::string_view t) {
  enum S {
    start, utfbe_b1, utf32be_b2, utf32be_bom3, utf32be, utf16be, utf16be_bom1, utfle_bom1,
    utf16le_bom2, utf32le_bom3, utf16le, utf32le, utf8_imp, utf16le_imp, utf32le_imp3,
    utf8_bom1, utf8_bom2, utf8, error
  };
  static const bool kFinal[] = {false, false, false, false, true,  true,  false,
                                false, false, false, true,  true,  false, false,
                                false, false, false, true,  true};
  static const S kNext[][8] = {
      {utfbe_b1, utf8, utf8, utf8_bom1, utf16be_bom1, utfle_bom1, utf8_imp, utf8},
      {utf32be_b2, utf8, utf8, utf8, utf8, utf8, utf16be, utf8},
      {utf32be, utf8, utf8, utf8, utf32be_bom3, utf8, utf8, utf8},
      {utf8, utf8, utf8, utf8, utf8, utf32be, utf8, utf8},
      {utf32be, utf32be, utf32be, utf32be, utf32be, utf32be, utf32be, utf32be},
      {utf16be, utf16be, utf16be, utf16be, utf16be, utf16be, utf16be, utf16be},
      {utf8, utf8, utf8, utf8, utf8, utf16be, utf8, utf8},
      {utf8, utf8, utf8, utf8, utf16le_bom2, utf8, utf8, utf8},
      {utf32le_bom3, utf16le, utf16le, utf16le, utf16le, utf16le, utf16le, utf16le},
      {utf32le, utf16le, utf16le, utf16le, utf16le, utf16le, utf16le, utf16le},
      {utf16le, utf16le, utf16le, utf16le, utf16le, utf16le, utf16le, utf16le},
      {utf32le, utf32le, utf32le, utf32le, utf32le, utf32le, utf32le, utf32le},
      {utf16le_imp, utf8, utf8, utf8, utf8, utf8, utf8, utf8},
      {utf32le_imp3, utf16le, utf16le, utf16le, utf16le, utf16le, utf16le, utf16le},
      {utf32le, utf16le, utf16le, utf16le, utf16le, utf16le, utf16le, utf16le},
      {utf8, utf8_bom2, utf8, utf8, utf8, utf8, utf8, utf8},
      {utf8, utf8, utf8, utf8, utf8, utf8, utf8, utf8},
      {utf8, utf8, utf8, utf8, utf8, utf8, utf8, utf8},
  };
  static const char kUnget[][8] = {
      {0, 1, 1, 0, 0, 0, 0, 1}, {0, 2, 2, 2, 2, 2, 2, 2}, {3, 3, 3, 3, 0, 3, 3, 3},
      {4, 4, 4, 4, 4, 0, 4, 4}, {1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1},
      {2, 2, 2, 2, 2, 0, 2, 2}, {2, 2, 2, 2, 0, 2, 2, 2}, {0, 1, 1, 1, 1, 1, 1, 1},
      {0, 2, 2, 2, 2, 2, 2, 2}, {1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1},
      {0, 2, 2, 2, 2, 2, 2, 2}, {0, 3, 3, 3, 3, 3, 3, 3}, {4, 4, 4, 4, 4, 4, 4, 4},
      {2, 0, 2, 2, 2, 2, 2, 2}, {3, 3, 0, 3, 3, 3, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 1},
  };
  auto type = [](int ch) {
    switch (ch) {
      case -1: return 7;
      case 0: return 0;
      case 0xBB: return 1;
      case 0xBF: return 2;
      case 0xEF: return 3;
      case 0xFE: return 4;
      case 0xFF: return 5;
      default: return 6;
    }
  };
  int read[8];
  int used = 0;
  size_t pos = 0;
  S s = start;
  while (!kFinal[s] && used < 8) {
    int ch = pos < t.size() ? static_cast<unsigned char>(t[pos]) : -1;
    if (ch >= 0) pos++;
    read[used++] = ch;
    int ty = type(ch);
    S next = kNext[s][ty];
    for (int n = kUnget[s][ty]; n > 0; n--) {
      if (read[--used] >= 0) pos--;
    }
    s = next;
  }
  Intro r;
  r.utf8 = (s == utf8 || s == error);
  r.skip = r.utf8 ? static_cast<uint32_t>(pos) : 0;
  return r;
}

// ---------------------------------------------------------------------------------------------
// An istream over the file text without copying it. yaml-cpp only reads (sgetn, get, putback of
// the byte just read), so the const_cast never leads to a write.

class ViewBuf : public std::streambuf {
 public:
  ViewBuf(const char* b, size_t n) {
    char* p = const_cast<char*>(b);
    setg(p, p, p + n);
  }
};

std::string error_text(uint32_t line, uint32_t column, const std::string& msg) {
  YAML::Mark m;
  m.line = static_cast<int>(line);
  m.column = static_cast<int>(column);
  return YAML::ParserException(m, msg).what();
}

std::string depth_message(uint32_t max_depth) {
  return "YAML nesting exceeds " + std::to_string(max_depth) + " levels";
}

// Tag characters: Exp::Word, Exp::Tag and the '!' of a named handle.
bool is_tag_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-#;/?:@&=+$_.~*'()!%").find(c) != std::string_view::npos;
}

// ---------------------------------------------------------------------------------------------
// Pre-scan: the deepest flow nesting ([ and { outside quoted scalars, comments, block scalars
// and plain scalars). It tokenizes as yaml-cpp's scanner does where it matters and skips text
// when unsure, so that it never rejects what yaml-cpp plus the handler's own depth check would
// accept (tests check this property on random input). Linear time. Returns the offset of the
// first flow opener that nests deeper than max_depth, or npos.
//
// Block context is followed line by line with a stack of block collection columns, as
// yaml-cpp's scanner keeps (m_indents): a plain or block scalar may continue on any following
// line indented more than the innermost block collection, so such lines are skipped unread.

class FlowPrescan {
 public:
  FlowPrescan(std::string_view t, uint32_t max_depth) : t_(t), n_(t.size()), max_(max_depth) {}

  static constexpr size_t npos = static_cast<size_t>(-1);

  size_t run(size_t p) {
    int skip_above = kNoSkip;  // skip following lines indented more than this
    while (p < n_ && hit_ == npos) {
      size_t line_start = p;
      int indent = 0;
      while (p < n_ && t_[p] == ' ') p++, indent++;
      size_t q = p;
      while (q < n_ && (t_[q] == ' ' || t_[q] == '\t' || t_[q] == '\r')) q++;
      bool blank_line = q >= n_ || t_[q] == '\n';
      bool doc_marker = indent == 0 && doc_marker_at(p);
      if (blank_line || (!doc_marker && skip_above != kNoSkip && indent > skip_above)) {
        p = next_line(q);
        continue;
      }
      skip_above = kNoSkip;
      if (doc_marker) indents_.clear();
      p = block_line(line_start, p, &skip_above);
    }
    return hit_;
  }

 private:
  static constexpr int kNoSkip = -2;

  char at(size_t p) const { return p < n_ ? t_[p] : '\0'; }
  bool eol(size_t p) const {
    return p >= n_ || t_[p] == '\n' || (t_[p] == '\r' && (p + 1 >= n_ || t_[p + 1] == '\n'));
  }
  bool blank_or_eol(size_t p) const { return eol(p) || t_[p] == ' ' || t_[p] == '\t'; }
  bool doc_marker_at(size_t p) const {
    return p + 3 <= n_ && (t_.compare(p, 3, "---") == 0 || t_.compare(p, 3, "...") == 0) &&
           blank_or_eol(p + 3);
  }
  size_t next_line(size_t p) const {
    while (p < n_ && t_[p] != '\n') p++;
    return p < n_ ? p + 1 : n_;
  }
  int top() const { return indents_.empty() ? -1 : indents_.back().col; }
  // Scanner::PushIndentTo: a deeper column, or a sequence at the column of a map.
  void push_indent(int col, bool seq) {
    if (!indents_.empty()) {
      const Indent& last = indents_.back();
      if (col < last.col || (col == last.col && !(seq && !last.seq))) return;
    } else if (col < 0) {
      return;
    }
    indents_.push_back({col, seq});
  }
  // Scanner::PopIndentToHere, before each block-context token at column `col`.
  void pop_indents(int col, bool block_entry) {
    while (!indents_.empty()) {
      const Indent& last = indents_.back();
      if (last.col < col) break;
      if (last.col == col && !(last.seq && !block_entry)) break;
      indents_.pop_back();
    }
  }
  // Start of the line holding `to`, if a line break lies in [from, to); else `line_start`.
  size_t line_start_after(size_t from, size_t to, size_t line_start) const {
    for (size_t q = std::min(to, n_); q > from; q--)
      if (t_[q - 1] == '\n') return q;
    return line_start;
  }

  // One line in block context, from its first non-space byte. Returns the start of the next
  // line to look at (quoted scalars and flow collections may have spanned several).
  size_t block_line(size_t line_start, size_t p, int* skip_above) {
    int node_col = -1;  // column of the first token (property included) of the current node
    auto col_of = [&](size_t q) {
      return q >= line_start ? static_cast<int>(q - line_start) : 0;
    };
    auto is_key_after = [&](size_t q) {  // ':' + blank after a node ending at q
      while (q < n_ && (t_[q] == ' ' || t_[q] == '\t')) q++;
      return at(q) == ':' && blank_or_eol(q + 1) ? q + 1 : npos;
    };
    while (hit_ == npos) {
      while (p < n_ && (t_[p] == ' ' || t_[p] == '\t')) p++;
      if (eol(p)) return next_line(p);
      char c = t_[p];
      int col = col_of(p);
      if (c == '#') return next_line(p);
      pop_indents(col, c == '-' && blank_or_eol(p + 1));
      if (p == line_start && c == '%') {  // a directive; yaml-cpp pops all indents
        indents_.clear();
        return next_line(p);
      }
      if (p == line_start && doc_marker_at(p)) {
        indents_.clear();
        p += 3;
        continue;
      }
      if ((c == '-' || c == '?' || c == ':') && blank_or_eol(p + 1)) {
        // ":" after properties ("&a : v") makes them an empty key; the map starts there.
        push_indent(c == ':' && node_col >= 0 ? node_col : col, c == '-');
        node_col = -1;
        p++;
        continue;
      }
      if (node_col < 0) node_col = col;
      if (c == '&' || c == '!' || c == '*') {
        while (!blank_or_eol(p)) p++;
        continue;
      }
      if (c == '[' || c == '{' || c == '"' || c == '\'') {
        size_t from = p;
        if (c == '[' || c == '{') {
          p = flow(p);
        } else {
          p = c == '"' ? skip_double(p) : skip_single(p);
        }
        if (p >= n_ || hit_ != npos) return n_;
        line_start = line_start_after(from, p, line_start);  // it may have spanned lines
        size_t v = is_key_after(p);
        if (v != npos) {  // a key: "[a]: b", "'k': v"
          push_indent(node_col, false);
          node_col = -1;
          p = v;
        }
        continue;
      }
      if (c == '|' || c == '>') {
        // Block scalar: its content lines are indented more than the innermost collection.
        *skip_above = top();
        return next_line(p);
      }
      // Plain scalar: a key if ": " follows on this line, else a value that may continue on
      // more indented lines.
      size_t q = p;
      while (!eol(q)) {
        if (t_[q] == ':' && blank_or_eol(q + 1)) break;
        if ((t_[q] == ' ' || t_[q] == '\t') && at(q + 1) == '#') break;
        q++;
      }
      if (at(q) == ':' && blank_or_eol(q + 1)) {
        push_indent(node_col, false);
        node_col = -1;
        p = q + 1;
        continue;
      }
      *skip_above = top();
      return next_line(q);
    }
    return n_;
  }

  // A flow collection starting at p ('[' or '{'); returns the offset after its end. Tokens
  // as Scanner::ScanNextToken sees them in flow context.
  size_t flow(size_t p) {
    uint32_t depth = 0;
    bool in_plain = false;
    bool after_space = true;   // previous byte was a blank or a line break
    bool json_value = false;   // ':' right after a quoted scalar or ]} is always a value
    auto flow_end = [&](size_t q) {
      char d = at(q);
      return blank_or_eol(q) || d == ',' || d == ']' || d == '}';
    };
    while (p < n_) {
      char c = t_[p];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        after_space = true;
        p++;
        continue;
      }
      // Between tokens '#' always starts a comment; inside a plain scalar only after a blank
      // or a line break.
      if (c == '#' && (!in_plain || after_space)) {
        in_plain = false;
        while (p < n_ && t_[p] != '\n') p++;
        continue;
      }
      if (in_plain) {
        // Exp::EndScalarInFlow
        bool ends = c == ',' || c == '?' || c == '[' || c == ']' || c == '{' || c == '}' ||
                    (c == ':' && flow_end(p + 1));
        if (!ends) {
          after_space = false;
          p++;
          continue;
        }
        in_plain = false;
      }
      after_space = false;
      bool json = false;
      switch (c) {
        case '[':
        case '{':
          if (++depth > max_) {
            hit_ = p;
            return n_;
          }
          p++;
          break;
        case ']':
        case '}':
          p++;
          if (--depth == 0) return p;
          json = true;
          break;
        case ',':
          p++;
          break;
        case ':':
          if (json_value || flow_end(p + 1)) {
            p++;
          } else {
            in_plain = true;  // ":x" starts a plain scalar
            p++;
          }
          break;
        case '"':
          p = skip_double(p);
          json = true;
          break;
        case '\'':
          p = skip_single(p);
          json = true;
          break;
        case '&':
        case '*':
          while (p < n_ && !blank_or_eol(p) && t_[p] != ',' && t_[p] != '[' && t_[p] != ']' &&
                 t_[p] != '{' && t_[p] != '}')
            p++;
          break;
        case '!':
          p++;
          if (at(p) == '<') {
            while (p < n_ && t_[p] != '>') p++;
            if (p < n_) p++;
          } else {
            while (p < n_ && is_tag_char(t_[p])) p++;
          }
          break;
        default:
          // '?' and '-' followed by a blank are indicators (yaml-cpp rejects the latter in
          // flow context); anything else starts a plain scalar.
          if ((c == '?' || c == '-') && blank_or_eol(p + 1)) {
            p++;
          } else {
            in_plain = true;
            p++;
          }
          break;
      }
      json_value = json;
    }
    return n_;
  }

  size_t skip_double(size_t p) const {
    for (p++; p < n_; p++) {
      if (t_[p] == '\\') {
        p++;
      } else if (t_[p] == '"') {
        return p + 1;
      }
    }
    return n_;
  }
  size_t skip_single(size_t p) const {
    for (p++; p < n_; p++) {
      if (t_[p] == '\'') {
        if (at(p + 1) != '\'') return p + 1;
        p++;
      }
    }
    return n_;
  }

  std::string_view t_;
  size_t n_;
  uint32_t max_;
  size_t hit_ = npos;
  struct Indent {
    int col;
    bool seq;
  };
  std::vector<Indent> indents_;
};

// ---------------------------------------------------------------------------------------------
// The event handler building the flat model.

// Style of a scalar whose first token (the node's mark: an anchor or tag, if any, else the
// scalar itself) starts at `p`. Returns the offset of the scalar's first byte through `start`.
ScalarStyle style_at(std::string_view t, size_t p, size_t* start) {
  size_t n = t.size();
  // Skip properties (&anchor, !tag, !<verbatim>) and the blanks, breaks and comments between
  // them and the content.
  while (p < n) {
    char c = t[p];
    if (c == '&' || c == '!') {
      p++;
      if (c == '&') {
        // Exp::Anchor: anything but blanks, breaks and []{},
        while (p < n && t[p] != ' ' && t[p] != '\t' && t[p] != '\n' && t[p] != '\r' &&
               t[p] != ',' && t[p] != '[' && t[p] != ']' && t[p] != '{' && t[p] != '}')
          p++;
      } else if (p < n && t[p] == '<') {
        while (p < n && t[p] != '>') p++;  // verbatim tag
        if (p < n) p++;
      } else {
        // Tag handle and suffix: Exp::Word, Exp::Tag and '!'.
        while (p < n && is_tag_char(t[p])) p++;
      }
      while (true) {
        while (p < n && (t[p] == ' ' || t[p] == '\t' || t[p] == '\n' || t[p] == '\r')) p++;
        if (p < n && t[p] == '#') {
          while (p < n && t[p] != '\n') p++;
          continue;
        }
        break;
      }
      continue;
    }
    break;
  }
  *start = p;
  if (p >= n) return ScalarStyle::kPlain;
  switch (t[p]) {
    case '\'': return ScalarStyle::kSingleQuoted;
    case '"': return ScalarStyle::kDoubleQuoted;
    case '|': return ScalarStyle::kLiteral;
    case '>': return ScalarStyle::kFolded;
    default: return ScalarStyle::kPlain;
  }
}

class Builder final : public YAML::EventHandler {
 public:
  Builder(const SourceFile& file, const Limits& limits, const Intro& intro,
          std::vector<Document>& out)
      : text_(file.text()), limits_(limits), intro_(intro), out_(out) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp 0.7 never consumes a token it cannot start a node with (a ',' at the top level,
    // say): HandleNextDocument then returns an empty document forever without moving on.
    if (mark.pos <= last_document_pos_)
      throw YAML::ParserException(mark, "unexpected token at the start of a document");
    last_document_pos_ = mark.pos;
    doc_ = Document();
    anchors_.clear();
    stack_.clear();
    pending_.clear();
  }

  void OnDocumentEnd() override {
    if (doc_.nodes().empty()) add(Kind::kNull, YAML::Mark());
    out_.push_back(std::move(doc_));
    doc_ = Document();
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    uint32_t i = add(Kind::kNull, mark);
    set_anchor(anchor, i);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor >= anchors_.size() || anchors_[anchor] == kNoNode)
      throw YAML::ParserException(mark, "the referenced anchor is not defined");
    uint32_t target = anchors_[anchor];
    const Node& n = doc_.nodes()[target];
    if ((n.kind == Kind::kSequence || n.kind == Kind::kMap) && n.first == kOpen)
      throw YAML::ParserException(mark, "recursive alias: the anchored node contains its alias");
    if (doc_.nodes().empty() || stack_.empty()) {
      // Cannot happen (anchors are per document and the root is never an alias); keep the
      // root-is-node-0 invariant anyway.
      add(Kind::kNull, mark);
      return;
    }
    pending_.push_back(target);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    uint32_t i = add(Kind::kScalar, mark);
    Node& n = doc_.nodes()[i];
    n.value = value;
    if (tag == "?") {  // no tag, plain scalar
      n.style = ScalarStyle::kPlain;
    } else {
      n.tag = tag;  // "!" for a quoted or block scalar without explicit tag
      if (intro_.utf8) {
        size_t start;
        n.style = style_at(text_, n.offset, &start);
      } else {  // marks are not byte offsets (UTF-16/32): only "quoted or not" is known
        n.style = tag == "!" ? ScalarStyle::kDoubleQuoted : ScalarStyle::kPlain;
      }
    }
    set_anchor(anchor, i);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    open(Kind::kSequence, mark, tag, anchor, style);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    open(Kind::kMap, mark, tag, anchor, style);
  }
  void OnMapEnd() override { close(); }

  // File position of a yaml-cpp mark.
  void position(const YAML::Mark& mark, uint32_t* offset, uint32_t* line, uint32_t* column) const {
    if (mark.pos < 0 || mark.line < 0 || mark.column < 0) {
      *offset = *line = *column = 0;
      return;
    }
    uint64_t off = static_cast<uint64_t>(mark.pos) + intro_.skip;
    *offset = static_cast<uint32_t>(std::min<uint64_t>(off, text_.size()));
    *line = static_cast<uint32_t>(mark.line);
    *column = static_cast<uint32_t>(mark.column) + (mark.line == 0 ? intro_.skip : 0);
  }

 private:
  struct Frame {
    uint32_t node;
    uint32_t pending_start;
  };

  uint32_t add(Kind kind, const YAML::Mark& mark) {
    if (++total_nodes_ > limits_.max_nodes)
      throw YAML::ParserException(
          mark, "YAML file exceeds " + std::to_string(limits_.max_nodes) + " nodes");
    auto& nodes = doc_.nodes();
    uint32_t i = static_cast<uint32_t>(nodes.size());
    Node& n = nodes.emplace_back();
    n.kind = kind;
    position(mark, &n.offset, &n.line, &n.column);
    if (!stack_.empty()) pending_.push_back(i);
    return i;
  }

  void set_anchor(YAML::anchor_t anchor, uint32_t node) {
    if (anchor == 0) return;  // YAML::NullAnchor
    if (anchor >= anchors_.size()) anchors_.resize(anchor + 1, kNoNode);
    anchors_[anchor] = node;
  }

  void open(Kind kind, const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
            YAML::EmitterStyle::value style) {
    if (stack_.size() >= limits_.max_depth)
      throw YAML::ParserException(mark, depth_message(limits_.max_depth));
    uint32_t i = add(kind, mark);
    Node& n = doc_.nodes()[i];
    n.flow = style == YAML::EmitterStyle::Flow;
    if (tag != "?") n.tag = tag;
    n.first = kOpen;
    set_anchor(anchor, i);
    stack_.push_back({i, static_cast<uint32_t>(pending_.size())});
  }

  void close() {
    if (stack_.empty()) return;
    Frame f = stack_.back();
    stack_.pop_back();
    auto& children = doc_.children();
    uint32_t count = static_cast<uint32_t>(pending_.size()) - f.pending_start;
    if (doc_.nodes()[f.node].kind == Kind::kMap && count % 2 != 0) {
      // yaml-cpp always reports a value (null if absent); never leave a dangling key.
      add(Kind::kNull, YAML::Mark());
      count++;
    }
    Node& node = doc_.nodes()[f.node];
    node.first = static_cast<uint32_t>(children.size());
    node.count = node.kind == Kind::kMap ? count / 2 : count;
    children.insert(children.end(), pending_.begin() + f.pending_start, pending_.end());
    pending_.resize(f.pending_start);
  }

  const std::string& text_;
  const Limits& limits_;
  Intro intro_;
  std::vector<Document>& out_;
  Document doc_;
  std::vector<uint32_t> anchors_;  // anchor id -> node index
  std::vector<Frame> stack_;
  std::vector<uint32_t> pending_;  // children of the open collections, innermost last
  uint64_t total_nodes_ = 0;
  int last_document_pos_ = -1;
};

}  // namespace

ParseResult parse(const SourceFile& file, const Limits& limits) {
  ParseResult result;
  const std::string& text = file.text();
  Intro intro = detect_intro(text);
  ViewBuf buf(text.data(), text.size());
  std::istream in(&buf);
  Builder builder(file, limits, intro, result.documents);
  auto fail = [&](const std::string& what, const YAML::Mark& mark) {
    ParseError e;
    e.message = what;
    builder.position(mark, &e.offset, &e.line, &e.column);
    result.error = std::move(e);
  };
  try {
    if (intro.utf8) {
      size_t hit = FlowPrescan(text, limits.max_depth).run(intro.skip);
      if (hit != FlowPrescan::npos) {
        // Reported like yaml-cpp's own errors: message with 1-based numbers as yaml-cpp counts
        // them (without a BOM), fields 0-based file positions.
        LineCol lc = file.line_col(static_cast<uint32_t>(hit));
        uint32_t col_for_msg = lc.column - (lc.line == 0 ? intro.skip : 0);
        result.error =
            ParseError{error_text(lc.line, col_for_msg, depth_message(limits.max_depth)),
                       static_cast<uint32_t>(hit), lc.line, lc.column};
        return result;
      }
    }
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::Exception& e) {
    fail(e.what(), e.mark);
  } catch (const std::exception& e) {
    fail(e.what(), YAML::Mark::null_mark());
  } catch (...) {
    fail("YAML parser failed", YAML::Mark::null_mark());
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// scalar_text: yaml-cpp 0.7's ScanScalar (scanscalar.cpp) transliterated onto raw bytes, with a
// source offset per output byte.

namespace {

enum class Fold { kDont, kBlock, kFlow };
enum class Chomp { kStrip, kClip, kKeep };
enum class End { kEmpty, kPlainBlock, kPlainFlow, kDouble, kSingle };
enum class OnDoc { kNone, kBreak, kThrow };

struct Params {
  End end = End::kEmpty;
  bool eat_end = false;
  int indent = 0;
  bool detect_indent = false;
  bool eat_leading_ws = false;
  char escape = 0;
  Fold fold = Fold::kDont;
  bool trim_trailing = false;
  Chomp chomp = Chomp::kClip;
  OnDoc on_doc = OnDoc::kNone;
  bool tab_throws = false;
  int stopped_at_column = -1;  // out: column of the less indented line that ended the scalar
                               // (or of a tab inside the indentation)
};

constexpr char kEof = 0x04;  // yaml-cpp's Stream::eof()

// yaml-cpp's Stream over the raw bytes: peek() past the end is Stream::eof(), column counts
// bytes since the last '\n'.
struct Cursor {
  const char* t;
  uint32_t n;
  uint32_t p;
  int col;

  char peek(uint32_t k = 0) const { return p + k < n ? t[p + k] : kEof; }
  bool ok() const { return p < n; }
  void get() {
    if (p < n) {
      if (t[p] == '\n') {
        col = 0;
      } else {
        col++;
      }
      p++;
    } else {
      col++;
    }
  }
  void eat(int k) {
    for (int i = 0; i < k; i++) get();
  }
  // Exp::Break(): "\n" | "\r\n"
  int brk(uint32_t k = 0) const {
    char c = peek(k);
    if (c == '\n') return 1;
    if (c == '\r' && peek(k + 1) == '\n') return 2;
    return -1;
  }
  bool blank(uint32_t k = 0) const { return peek(k) == ' ' || peek(k) == '\t'; }
  int blank_or_break(uint32_t k = 0) const { return blank(k) ? 1 : brk(k); }
  bool empty(uint32_t k = 0) const { return peek(k) == kEof; }
  bool doc_indicator() const {
    bool three = (peek() == '-' && peek(1) == '-' && peek(2) == '-') ||
                 (peek() == '.' && peek(1) == '.' && peek(2) == '.');
    return three && (blank_or_break(3) >= 0 || empty(3));
  }
  // params.end->Match(INPUT): match length or -1.
  int end(End e) const {
    switch (e) {
      case End::kEmpty:
        return empty() ? 0 : -1;
      case End::kDouble:
        return peek() == '"' ? 1 : -1;
      case End::kSingle:
        return peek() == '\'' && peek(1) != '\'' ? 1 : -1;
      case End::kPlainBlock: {
        if (peek() == ':') {
          int b = blank_or_break(1);
          if (b >= 0) return 1 + b;
          if (empty(1)) return 1;
        }
        int b = blank_or_break();
        if (b >= 0 && peek(b) == '#') return b + 1;
        return -1;
      }
      case End::kPlainFlow: {
        char c = peek();
        if (c == ':') {
          int b = blank_or_break(1);
          if (b >= 0) return 1 + b;
          if (empty(1)) return 1;
          char d = peek(1);
          if (d == ',' || d == ']' || d == '}') return 2;
        }
        if (c == ',' || c == '?' || c == '[' || c == ']' || c == '{' || c == '}') return 1;
        int b = blank_or_break();
        if (b >= 0 && peek(b) == '#') return b + 1;
        return -1;
      }
    }
    return -1;
  }
};

// Decoded bytes and the file offset each came from. `value` is the expected result: a
// non-blank byte that disagrees with it can never be trimmed away later, so the attempt stops.
struct Out {
  std::string s;
  std::vector<uint32_t> src;
  const std::string* value = nullptr;
  bool bad = false;

  size_t size() const { return s.size(); }
  void add(char c, uint32_t off) {
    size_t i = s.size();
    if (c != ' ' && c != '\t' && c != '\n' && (i >= value->size() || (*value)[i] != c)) bad = true;
    s.push_back(c);
    src.push_back(off);
  }
  void truncate(size_t n) {
    if (n < s.size()) {
      s.resize(n);
      src.resize(n);
    }
  }
};

void put_utf8(Out& out, unsigned v, uint32_t off) {
  auto b = [&](unsigned x) { out.add(static_cast<char>(x), off); };
  if (v <= 0x7F) {
    b(v);
  } else if (v <= 0x7FF) {
    b(0xC0 + (v >> 6));
    b(0x80 + (v & 0x3F));
  } else if (v <= 0xFFFF) {
    b(0xE0 + (v >> 12));
    b(0x80 + ((v >> 6) & 0x3F));
    b(0x80 + (v & 0x3F));
  } else {
    b(0xF0 + (v >> 18));
    b(0x80 + ((v >> 12) & 0x3F));
    b(0x80 + ((v >> 6) & 0x3F));
    b(0x80 + (v & 0x3F));
  }
}

// Exp::Escape. Returns false where yaml-cpp throws.
bool escape(Cursor& in, Out& out) {
  uint32_t off = in.p;
  char esc = in.peek();
  in.get();
  char ch = in.peek();
  in.get();
  if (esc == '\'' && ch == '\'') {
    out.add('\'', off);
    return true;
  }
  auto str = [&](const char* s) {
    for (; *s; s++) out.add(*s, off);
  };
  int len = 0;
  switch (ch) {
    case '0': out.add('\0', off); return true;
    case 'a': str("\x07"); return true;
    case 'b': str("\x08"); return true;
    case 't':
    case '\t': str("\x09"); return true;
    case 'n': str("\x0A"); return true;
    case 'v': str("\x0B"); return true;
    case 'f': str("\x0C"); return true;
    case 'r': str("\x0D"); return true;
    case 'e': str("\x1B"); return true;
    case ' ': str(" "); return true;
    case '"': str("\""); return true;
    case '\'': str("'"); return true;
    case '\\': str("\\"); return true;
    case '/': str("/"); return true;
    case 'N': str("\x85"); return true;
    case '_': str("\xA0"); return true;
    case 'L': str("\xE2\x80\xA8"); return true;
    case 'P': str("\xE2\x80\xA9"); return true;
    case 'x': len = 2; break;
    case 'u': len = 4; break;
    case 'U': len = 8; break;
    default: return false;
  }
  unsigned v = 0;
  for (int i = 0; i < len; i++) {
    char c = in.peek();
    in.get();
    int d;
    if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else if (c >= '0' && c <= '9') {
      d = c - '0';
    } else {
      return false;
    }
    v = (v << 4) + static_cast<unsigned>(d);
  }
  if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) return false;
  put_utf8(out, v, off);
  return true;
}

// ScanScalar. Returns false where yaml-cpp would throw or the output already disagrees.
bool scan_scalar(Cursor& in, Params& params, Out& out) {
  bool found_non_empty_line = false;
  bool past_opening_break = params.fold == Fold::kFlow;
  bool empty_line = false, more_indented = false;
  int folded_newline_count = 0;
  bool folded_newline_started_more_indented = false;
  size_t last_escaped = std::string::npos;
  std::vector<uint32_t> folded_breaks;  // offsets of the breaks of pending empty lines

  while (in.ok()) {
    // Phase 1: scan until line ending.
    size_t last_non_ws = out.size();
    bool escaped_newline = false;
    while (in.end(params.end) < 0 && in.brk() < 0) {
      if (!in.ok()) break;
      if (in.col == 0 && in.doc_indicator()) {
        if (params.on_doc == OnDoc::kBreak) break;
        if (params.on_doc == OnDoc::kThrow) return false;
      }
      found_non_empty_line = true;
      past_opening_break = true;
      if (params.escape == '\\' && in.peek() == '\\' && in.brk(1) >= 0) {
        in.get();
        last_non_ws = out.size();
        last_escaped = out.size();
        escaped_newline = true;
        break;
      }
      if (in.peek() == params.escape) {
        if (!escape(in, out)) return false;
        last_non_ws = out.size();
        last_escaped = out.size();
        if (out.bad) return false;
        continue;
      }
      char ch = in.peek();
      uint32_t off = in.p;
      in.get();
      out.add(ch, off);
      if (out.bad) return false;
      if (ch != ' ' && ch != '\t') last_non_ws = out.size();
    }

    if (!in.ok()) {
      if (params.eat_end) return false;
      break;
    }
    if (params.on_doc == OnDoc::kBreak && in.col == 0 && in.doc_indicator()) break;
    int n = in.end(params.end);
    if (n >= 0) {
      if (params.eat_end) in.eat(n);
      break;
    }
    if (params.fold == Fold::kFlow) out.truncate(last_non_ws);

    // Phase 2: eat the line ending.
    uint32_t brk = in.p;
    in.eat(in.brk());

    // Phase 3: leading spaces.
    while (in.peek() == ' ' &&
           (in.col < params.indent || (params.detect_indent && !found_non_empty_line)) &&
           in.end(params.end) < 0)
      in.eat(1);
    if (params.detect_indent && !found_non_empty_line)
      params.indent = std::max(params.indent, in.col);
    while (in.blank()) {
      if (in.peek() == '\t' && in.col < params.indent && params.tab_throws) {
        params.stopped_at_column = in.col;  // a smaller indentation would accept the tab
        return false;
      }
      if (!params.eat_leading_ws) break;
      if (in.end(params.end) >= 0) break;
      in.eat(1);
    }

    bool next_empty_line = in.brk() >= 0;
    bool next_more_indented = in.blank();
    if (params.fold == Fold::kBlock && folded_newline_count == 0 && next_empty_line)
      folded_newline_started_more_indented = more_indented;

    if (past_opening_break) {
      switch (params.fold) {
        case Fold::kDont:
          out.add('\n', brk);
          break;
        case Fold::kBlock:
          if (!empty_line && !next_empty_line && !more_indented && !next_more_indented &&
              in.col >= params.indent) {
            out.add(' ', brk);
          } else if (next_empty_line) {
            folded_newline_count++;
            folded_breaks.push_back(brk);
          } else {
            out.add('\n', brk);
          }
          if (!next_empty_line && folded_newline_count > 0) {
            for (int i = 1; i < folded_newline_count; i++) out.add('\n', folded_breaks[i]);
            if (folded_newline_started_more_indented || next_more_indented ||
                !found_non_empty_line)
              out.add('\n', brk);
            folded_newline_count = 0;
            folded_breaks.clear();
          }
          break;
        case Fold::kFlow:
          if (next_empty_line) {
            out.add('\n', brk);
          } else if (!empty_line && !escaped_newline) {
            out.add(' ', brk);
          }
          break;
      }
    }

    empty_line = next_empty_line;
    more_indented = next_more_indented;
    past_opening_break = true;

    if (!empty_line && in.col < params.indent) {
      params.stopped_at_column = in.col;
      break;
    }
  }

  // Post-processing.
  if (params.trim_trailing) {
    size_t pos = out.s.find_last_not_of(" \t");
    if (last_escaped != std::string::npos && (pos < last_escaped || pos == std::string::npos))
      pos = last_escaped;
    if (pos < out.size()) out.truncate(pos + 1);
  }
  if (params.chomp != Chomp::kKeep) {
    size_t pos = out.s.find_last_not_of('\n');
    if (last_escaped != std::string::npos && (pos < last_escaped || pos == std::string::npos))
      pos = last_escaped;
    if (pos == std::string::npos) {
      out.truncate(0);
    } else if (params.chomp == Chomp::kClip) {
      if (pos + 1 < out.size()) out.truncate(pos + 2);
    } else {
      if (pos < out.size()) out.truncate(pos + 1);
    }
  }
  return true;
}

// Column of an offset as yaml-cpp counts it (a consumed BOM is not counted).
int column_at(const SourceFile& file, uint32_t off, uint32_t skip) {
  LineCol lc = file.line_col(off);
  int col = static_cast<int>(lc.column);
  if (lc.line == 0) col -= static_cast<int>(skip);
  return col;
}

MappedText build(const SourceFile& file, const Out& out) {
  MappedText m;
  size_t n = out.size();
  size_t i = 0;
  std::string_view s(out.s);
  while (i < n) {
    size_t j = i + 1;
    if (j < n && out.src[j] == out.src[i] + 1) {
      while (j < n && out.src[j] == out.src[j - 1] + 1) j++;
      m.append_identity(s.substr(i, j - i), &file, out.src[i]);
    } else if (j < n && out.src[j] == out.src[i]) {
      while (j < n && out.src[j] == out.src[i]) j++;
      m.append_fixed(s.substr(i, j - i), {&file, out.src[i]});
    } else {
      m.append_identity(s.substr(i, 1), &file, out.src[i]);
    }
    i = j;
  }
  return m;
}

}  // namespace

MappedText scalar_text(const SourceFile& file, const Node& scalar) {
  const std::string& value = scalar.value;
  FilePos mark{&file, scalar.offset};
  if (scalar.kind != Kind::kScalar || value.empty()) return MappedText::fixed(value, mark);
  const std::string& text = file.text();
  Intro intro = detect_intro(text);
  if (!intro.utf8 || scalar.offset >= text.size()) return MappedText::fixed(value, mark);

  size_t start;
  ScalarStyle style = style_at(text, scalar.offset, &start);
  if (start >= text.size()) return MappedText::fixed(value, mark);
  const uint32_t s0 = static_cast<uint32_t>(start);
  const int col0 = column_at(file, s0, intro.skip);

  Out out;
  out.value = &value;
  out.s.reserve(value.size() + 8);
  out.src.reserve(value.size() + 8);
  int stopped_at_column = -1;
  auto attempt = [&](auto&& setup) -> bool {
    out.s.clear();
    out.src.clear();
    out.bad = false;
    Cursor in{text.data(), static_cast<uint32_t>(text.size()), s0, col0};
    Params params;
    if (!setup(in, params)) return false;
    bool scanned = scan_scalar(in, params, out);
    stopped_at_column = params.stopped_at_column;
    return scanned && !out.bad && out.s == value;
  };

  bool ok = false;
  switch (style) {
    case ScalarStyle::kSingleQuoted:
    case ScalarStyle::kDoubleQuoted: {
      bool single = style == ScalarStyle::kSingleQuoted;
      ok = attempt([&](Cursor& in, Params& p) {
        p.end = single ? End::kSingle : End::kDouble;
        p.eat_end = true;
        p.escape = single ? '\'' : '\\';
        p.indent = 0;
        p.fold = Fold::kFlow;
        p.eat_leading_ws = true;
        p.trim_trailing = false;
        p.chomp = Chomp::kClip;
        p.on_doc = OnDoc::kThrow;
        in.get();  // the opening quote
        return true;
      });
      break;
    }
    case ScalarStyle::kLiteral:
    case ScalarStyle::kFolded: {
      // ScanBlockScalar. The parent's block indentation (GetTopIndent(), -1 at top level) is
      // not known here. Without an indentation indicator it only sets a minimum indentation,
      // so there are two outcomes: content at least as indented as that minimum (top = -1
      // gives the same result) or none at all (any top above the content's indentation).
      // With an indicator the indentation is indicator + top: try the plausible columns.
      bool explicit_indent = false;
      auto block = [&](int top) {
        return attempt([&](Cursor& in, Params& p) {
          p.indent = 1;
          p.detect_indent = true;
          char indicator = in.peek();
          in.get();
          p.fold = indicator == '>' ? Fold::kBlock : Fold::kDont;
          p.chomp = Chomp::kClip;
          // Exp::Chomp: (+|-)digit | digit(+|-) | (+|-) | digit
          auto chomp_ind = [](char c) { return c == '+' || c == '-'; };
          auto digit = [](char c) { return c >= '0' && c <= '9'; };
          char a = in.peek(), b = in.peek(1);
          int n = 0;
          if ((chomp_ind(a) && digit(b)) || (digit(a) && chomp_ind(b))) {
            n = 2;
          } else if (chomp_ind(a) || digit(a)) {
            n = 1;
          }
          for (int i = 0; i < n; i++) {
            char ch = in.peek();
            in.get();
            if (ch == '+') {
              p.chomp = Chomp::kKeep;
            } else if (ch == '-') {
              p.chomp = Chomp::kStrip;
            } else if (digit(ch)) {
              if (ch == '0') return false;
              p.indent = ch - '0';
              p.detect_indent = false;
              explicit_indent = true;
            }
          }
          while (in.blank()) in.eat(1);
          if (in.peek() == '#')
            while (in.ok() && in.brk() < 0) in.eat(1);
          if (in.ok() && in.brk() < 0) return false;
          if (top >= 0) p.indent += top;
          p.end = End::kEmpty;
          p.eat_leading_ws = false;
          p.trim_trailing = false;
          p.tab_throws = true;
          return true;
        });
      };
      ok = block(-1);
      if (!ok && !explicit_indent) {
        ok = block(1 << 20);
      } else if (!ok) {
        // The parent is a collection left of the indicator, usually close to it.
        constexpr int kMaxTries = 64;
        int tries = 0;
        for (int top = col0 - 1; !ok && top >= 0 && tries < kMaxTries; top--, tries++)
          ok = block(top);
      }
      break;
    }
    case ScalarStyle::kPlain: {
      // ScanPlainScalar. Block context: indentation = parent's + 1, unknown here; the first
      // line is always read, a following line only when indented at least that much. Start
      // from the scalar's own column and lower it to the column of the line that stopped the
      // scan while the output is still a prefix of the value. Flow context: indentation 0 and
      // the flow terminators.
      auto plain = [&](bool flow, int indent) {
        return attempt([&](Cursor&, Params& p) {
          p.end = flow ? End::kPlainFlow : End::kPlainBlock;
          p.eat_end = false;
          p.indent = indent;
          p.fold = Fold::kFlow;
          p.eat_leading_ws = true;
          p.trim_trailing = true;
          p.chomp = Chomp::kStrip;
          p.on_doc = OnDoc::kBreak;
          p.tab_throws = true;
          return true;
        });
      };
      int indent = col0;
      for (int tries = 0; !ok && tries < 16; tries++) {
        ok = plain(false, indent);
        if (ok || out.bad || stopped_at_column < 0 || stopped_at_column >= indent) break;
        indent = stopped_at_column;
      }
      if (!ok) ok = plain(true, 0);
      // A scalar less indented than its parent's content ("key:\nvalue" at column 0).
      for (int i = col0 + 1; !ok && i <= col0 + 2; i++) ok = plain(false, i);
      break;
    }
  }
  if (!ok) return MappedText::fixed(value, mark);
  return build(file, out);
}

}  // namespace pg::yaml
