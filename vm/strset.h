// Runtime matchers for sets and patterns, built once when a program is loaded and then used
// read-only by every VM thread. None of the match functions allocates or throws.
//
//   ExactSet      `in` on strings: id bitmap for interned values, XXH3 open-addressing table
//                 for the rest
//   ByteTrie      `startswith` over many prefixes (and, on reversed keys, `endswith`)
//   AhoCorasick   `contains` / `icontains` over many needles, one pass over the value
//   PathTrie      `pmatch`: path prefixes by component, components may be glob patterns
//   Glob          compiled fnmatch(3)-without-flags pattern (`*` also matches '/')
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vm/events.h"
#include "vm/program.h"

namespace re2 {
class RE2;
}

namespace pg::vm {

// ASCII case folding (Falco's icontains/iglob fold ASCII letters only).
inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

class Glob {
 public:
  Glob() = default;
  Glob(std::string_view pattern, bool icase);
  bool match(std::string_view s) const;

 private:
  struct Tok {
    enum Kind : uint8_t { kLit, kAny, kStar, kClass } kind;
    char ch = 0;
    uint32_t cls = 0;  // index into classes_
  };
  bool class_has(uint32_t cls, unsigned char c) const;
  std::vector<Tok> toks_;
  std::vector<std::array<uint64_t, 4>> classes_;  // 256-bit membership per class
  bool icase_ = false;
};

class ExactSet {
 public:
  ExactSet() = default;
  ExactSet(const std::vector<std::string_view>& members, const std::vector<uint32_t>& ids,
           uint32_t id_space);
  // `id` is the value's interner id or kNoStrId.
  bool contains(std::string_view s, uint32_t id) const;

 private:
  std::vector<std::string> members_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> table_;  // member index + 1, 0 empty
  std::vector<uint64_t> id_bits_;
};

class ByteTrie {
 public:
  ByteTrie() = default;
  ByteTrie(const std::vector<std::string_view>& keys, bool reversed);
  // True when some key is a prefix of s (a suffix, when built reversed).
  bool match(std::string_view s) const;

 private:
  struct Node {
    uint32_t first_edge = 0;
    uint16_t nedges = 0;
    bool terminal = false;
  };
  struct Edge {
    unsigned char c;
    uint32_t to;
  };
  int32_t child(uint32_t node, unsigned char c) const;
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  bool reversed_ = false;
};

class AhoCorasick {
 public:
  AhoCorasick() = default;
  AhoCorasick(const std::vector<std::string_view>& needles, bool icase);
  bool search(std::string_view s) const;

 private:
  int32_t go(uint32_t state, unsigned char c) const;
  struct Node {
    uint32_t first_edge = 0;
    uint32_t nedges = 0;
    uint32_t fail = 0;
    bool out = false;  // some needle ends here (or at a suffix state)
  };
  struct Edge {
    unsigned char c;
    uint32_t to;
  };
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;
  bool icase_ = false;
  bool empty_needle_ = false;
};

class PathTrie {
 public:
  PathTrie() = default;
  explicit PathTrie(const std::vector<std::string_view>& paths);
  bool match(std::string_view path) const;

 private:
  struct Node {
    bool terminal = false;
    std::vector<std::pair<std::string, uint32_t>> literal;  // sorted by component
    std::vector<std::pair<Glob, uint32_t>> globs;
  };
  std::vector<Node> nodes_;
};

// All runtime matchers of one program, indexed like the program's pools.
class Matchers {
 public:
  Matchers(const Program& p, const Interner& interner, const std::vector<uint32_t>& string_ids);
  ~Matchers();

  const ExactSet& exact(uint32_t set) const { return exact_[set]; }
  const ByteTrie& prefix(uint32_t set) const { return prefix_[set]; }
  const ByteTrie& suffix(uint32_t set) const { return suffix_[set]; }
  const AhoCorasick& contains(uint32_t set) const { return contains_[set]; }
  const PathTrie& path(uint32_t set) const { return path_[set]; }
  const Glob& glob(uint32_t i) const { return globs_[i]; }
  const re2::RE2& regex(uint32_t i) const { return *regexes_[i]; }
  // Lower-cased copies of string constants (for icontains of a single needle).
  std::string_view lowered(uint32_t str) const { return lowered_[str]; }
  // Event-type sets as bitmaps over index codes.
  bool tset_has(uint32_t tset, uint16_t code) const {
    return code < kIndexMax && (tsets_[tset][code >> 6] >> (code & 63)) & 1;
  }
  // Globs for MOD items that use glob/iglob, and regexes for MOD items with regex.
  const Glob& mod_glob(uint32_t mod, uint32_t item) const { return mod_globs_[mod][item]; }
  const re2::RE2* mod_regex(uint32_t mod, uint32_t item) const {
    return mod_regexes_[mod][item].get();
  }

 private:
  std::vector<ExactSet> exact_;
  std::vector<ByteTrie> prefix_, suffix_;
  std::vector<AhoCorasick> contains_;
  std::vector<PathTrie> path_;
  std::vector<Glob> globs_;
  std::vector<std::unique_ptr<re2::RE2>> regexes_;
  std::vector<std::string> lowered_;
  std::vector<std::array<uint64_t, (kIndexMax + 63) / 64>> tsets_;
  std::vector<std::vector<Glob>> mod_globs_;
  std::vector<std::vector<std::unique_ptr<re2::RE2>>> mod_regexes_;
};

}  // namespace pg::vm
