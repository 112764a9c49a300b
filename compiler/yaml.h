// A compact, position-preserving YAML document model for the rules loader.
//
// Rules files are parsed with yaml-cpp's event API (YAML::Parser + EventHandler) rather than
// YAML::Node: nodes here are small flat records in one vector per file, scalars keep their
// style and exact file position, and aliases are references to the anchored node (never
// copies), so an alias bomb costs nothing until somebody walks it; walkers budget their work.
//
// Invariants: node 0 of a Document is its root; children of a sequence are `count` entries of
// `children` starting at `first`; children of a map are 2*count entries (key, value, key,
// value, ...) in file order. Offsets, lines and columns are 0-based bytes, as yaml-cpp's Mark.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source.h"

namespace pg::yaml {

enum class Kind : uint8_t { kNull, kScalar, kSequence, kMap };

enum class ScalarStyle : uint8_t { kPlain, kSingleQuoted, kDoubleQuoted, kLiteral, kFolded };

struct Node {
  Kind kind = Kind::kNull;
  ScalarStyle style = ScalarStyle::kPlain;  // scalars only
  bool flow = false;                        // sequences/maps written in flow style ([...] {...})
  uint32_t offset = 0;                      // yaml-cpp mark of the node
  uint32_t line = 0;
  uint32_t column = 0;
  uint32_t first = 0;                       // index into Document::children
  uint32_t count = 0;                       // sequence: items; map: key/value pairs
  std::string value;                        // decoded scalar value (scalars only)
  std::string tag;                          // explicit tag, if any ("!" for a quoted scalar)
};

class Document {
 public:
  const Node& root() const { return nodes_[0]; }
  const Node& node(uint32_t i) const { return nodes_[i]; }
  uint32_t root_index() const { return 0; }

  // Number of items of a sequence / pairs of a map.
  uint32_t size(const Node& n) const { return n.count; }
  // i-th item of a sequence.
  const Node& item(const Node& seq, uint32_t i) const { return nodes_[children_[seq.first + i]]; }
  // i-th key and value of a map.
  const Node& key(const Node& map, uint32_t i) const {
    return nodes_[children_[map.first + 2 * i]];
  }
  const Node& value(const Node& map, uint32_t i) const {
    return nodes_[children_[map.first + 2 * i + 1]];
  }
  // Value of the first key of a map whose scalar value equals `k`, or nullptr.
  const Node* find(const Node& map, std::string_view k) const;

  // Builders used by the parser.
  std::vector<Node>& nodes() { return nodes_; }
  std::vector<uint32_t>& children() { return children_; }

 private:
  std::vector<Node> nodes_;
  std::vector<uint32_t> children_;
};

// Limits that keep hostile input bounded.
struct Limits {
  uint32_t max_depth = 256;           // nesting of sequences/maps
  uint64_t max_nodes = 50'000'000;    // nodes per file
};

struct ParseError {
  std::string message;  // yaml-cpp's text, e.g. "yaml-cpp: error at line 1, column 11: ..."
  uint32_t offset = 0;
  uint32_t line = 0;    // 0-based
  uint32_t column = 0;  // 0-based
};

struct ParseResult {
  std::vector<Document> documents;  // documents fully read before any error
  std::optional<ParseError> error;
};

// Parses every document of a file. Never throws; never recurses deeper than limits.max_depth.
ParseResult parse(const SourceFile& file, const Limits& limits = {});

// Maps the decoded value of a scalar node back to file offsets: plain, single- and
// double-quoted scalars (with escapes and line folding) and literal/folded block scalars are
// scanned byte by byte from the node's mark. If the scan cannot reproduce the decoded value
// exactly, every byte maps to the node's mark (never a wrong position).
MappedText scalar_text(const SourceFile& file, const Node& scalar);

}  // namespace pg::yaml
