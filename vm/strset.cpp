#include "vm/strset.h"

#include <re2/re2.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <queue>

namespace pg::vm {

// ---- Glob -----------------------------------------------------------------------------------

Glob::Glob(std::string_view pattern, bool icase) : icase_(icase) {
  // Case-insensitive globs fold the pattern and the value to lower case (ASCII), then match.
  std::string folded;
  if (icase) {
    folded.assign(pattern);
    for (char& ch : folded) ch = ascii_lower(ch);
    pattern = folded;
  }
  std::string_view p = pattern;
  for (size_t i = 0; i < p.size(); i++) {
    char c = p[i];
    if (c == '*') {
      if (toks_.empty() || toks_.back().kind != Tok::kStar) toks_.push_back({Tok::kStar});
    } else if (c == '?') {
      toks_.push_back({Tok::kAny});
    } else if (c == '[') {
      // Bracket expression: [!...] or [^...] negates; ']' first is literal; a-z ranges;
      // [:class:]; backslash escapes. Without a closing ']' the '[' is a literal.
      size_t j = i + 1;
      bool neg = false;
      if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
        neg = true;
        j++;
      }
      std::array<uint64_t, 4> bits{};
      auto set = [&](unsigned char ch) { bits[ch >> 6] |= 1ull << (ch & 63); };
      bool first = true, closed = false;
      while (j < p.size()) {
        unsigned char ch = static_cast<unsigned char>(p[j]);
        if (ch == ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        if (ch == '[' && j + 1 < p.size() && p[j + 1] == ':') {
          size_t end = p.find(":]", j + 2);
          if (end != std::string_view::npos) {
            std::string_view name = p.substr(j + 2, end - j - 2);
            for (int k = 0; k < 256; k++) {
              bool in = name == "alpha"   ? std::isalpha(k)
                        : name == "digit" ? std::isdigit(k)
                        : name == "alnum" ? std::isalnum(k)
                        : name == "upper" ? std::isupper(k)
                        : name == "lower" ? std::islower(k)
                        : name == "space" ? std::isspace(k)
                        : name == "punct" ? std::ispunct(k)
                        : name == "xdigit" ? std::isxdigit(k)
                        : name == "cntrl" ? std::iscntrl(k)
                        : name == "print" ? std::isprint(k)
                        : name == "graph" ? std::isgraph(k)
                        : name == "blank" ? (k == ' ' || k == '\t')
                                          : false;
              if (in && k < 128) set(static_cast<unsigned char>(k));
            }
            j = end + 2;
            continue;
          }
        }
        if (ch == '\\' && j + 1 < p.size()) ch = static_cast<unsigned char>(p[++j]);
        if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
          unsigned char hi = static_cast<unsigned char>(p[j + 2]);
          if (hi == '\\' && j + 3 < p.size()) {
            hi = static_cast<unsigned char>(p[j + 3]);
            j++;
          }
          for (unsigned v = ch; v <= hi; v++) set(static_cast<unsigned char>(v));
          j += 3;
          continue;
        }
        set(ch);
        j++;
      }
      if (!closed) {
        toks_.push_back({Tok::kLit, '['});
        continue;
      }
      if (neg)
        for (auto& w : bits) w = ~w;
      classes_.push_back(bits);
      toks_.push_back({Tok::kClass, 0, static_cast<uint32_t>(classes_.size() - 1)});
      i = j;
    } else {
      if (c == '\\' && i + 1 < p.size()) c = p[++i];
      toks_.push_back({Tok::kLit, c});
    }
  }
}

bool Glob::class_has(uint32_t cls, unsigned char c) const {
  return (classes_[cls][c >> 6] >> (c & 63)) & 1;
}

bool Glob::match(std::string_view s) const {
  // Iterative matcher with one backtrack point (the last '*'), linear in practice.
  size_t ti = 0, si = 0;
  size_t star_t = SIZE_MAX, star_s = 0;
  while (si < s.size()) {
    if (ti < toks_.size()) {
      const Tok& t = toks_[ti];
      char c = icase_ ? ascii_lower(s[si]) : s[si];
      if (t.kind == Tok::kStar) {
        star_t = ti++;
        star_s = si;
        continue;
      }
      bool ok = t.kind == Tok::kAny || (t.kind == Tok::kLit && t.ch == c) ||
                (t.kind == Tok::kClass && class_has(t.cls, static_cast<unsigned char>(c)));
      if (ok) {
        ti++;
        si++;
        continue;
      }
    }
    if (star_t == SIZE_MAX) return false;
    ti = star_t + 1;
    si = ++star_s;
  }
  while (ti < toks_.size() && toks_[ti].kind == Tok::kStar) ti++;
  return ti == toks_.size();
}

// ---- ExactSet -------------------------------------------------------------------------------

ExactSet::ExactSet(const std::vector<std::string_view>& members, const std::vector<uint32_t>& ids,
                   uint32_t id_space) {
  id_bits_.assign((id_space + 63) / 64, 0);
  for (uint32_t id : ids)
    if (id != kNoStrId && id < id_space) id_bits_[id >> 6] |= 1ull << (id & 63);
  size_t cap = 8;
  while (cap < members.size() * 2) cap <<= 1;
  table_.assign(cap, 0);
  for (std::string_view m : members) {
    uint64_t h = XXH3_64bits(m.data(), m.size());
    size_t i = h & (cap - 1);
    bool dup = false;
    while (table_[i] != 0) {
      uint32_t k = table_[i] - 1;
      if (hashes_[k] == h && members_[k] == m) {
        dup = true;
        break;
      }
      i = (i + 1) & (cap - 1);
    }
    if (dup) continue;
    members_.emplace_back(m);
    hashes_.push_back(h);
    table_[i] = static_cast<uint32_t>(members_.size());
  }
}

bool ExactSet::contains(std::string_view s, uint32_t id) const {
  if (id != kNoStrId) {
    // Interned values are decided by the bitmap alone: every member is in the interner.
    return (id >> 6) < id_bits_.size() && ((id_bits_[id >> 6] >> (id & 63)) & 1);
  }
  uint64_t h = XXH3_64bits(s.data(), s.size());
  size_t mask = table_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t slot = table_[i];
    if (slot == 0) return false;
    if (hashes_[slot - 1] == h && members_[slot - 1] == s) return true;
  }
}

// ---- ByteTrie -------------------------------------------------------------------------------

ByteTrie::ByteTrie(const std::vector<std::string_view>& keys, bool reversed)
    : reversed_(reversed) {
  // Build with per-node maps, then flatten into sorted edge arrays.
  struct Tmp {
    std::vector<std::pair<unsigned char, uint32_t>> kids;
    bool terminal = false;
  };
  std::vector<Tmp> tmp(1);
  for (std::string_view k : keys) {
    uint32_t n = 0;
    for (size_t i = 0; i < k.size(); i++) {
      unsigned char c = static_cast<unsigned char>(reversed ? k[k.size() - 1 - i] : k[i]);
      uint32_t next = UINT32_MAX;
      for (auto& [ch, to] : tmp[n].kids)
        if (ch == c) next = to;
      if (next == UINT32_MAX) {
        next = static_cast<uint32_t>(tmp.size());
        tmp[n].kids.push_back({c, next});
        tmp.emplace_back();
      }
      n = next;
    }
    tmp[n].terminal = true;
  }
  nodes_.resize(tmp.size());
  for (size_t i = 0; i < tmp.size(); i++) {
    std::sort(tmp[i].kids.begin(), tmp[i].kids.end());
    nodes_[i].first_edge = static_cast<uint32_t>(edges_.size());
    nodes_[i].nedges = static_cast<uint16_t>(tmp[i].kids.size());
    nodes_[i].terminal = tmp[i].terminal;
    for (auto& [c, to] : tmp[i].kids) edges_.push_back({c, to});
  }
}

int32_t ByteTrie::child(uint32_t node, unsigned char c) const {
  const Node& n = nodes_[node];
  const Edge* b = edges_.data() + n.first_edge;
  const Edge* e = b + n.nedges;
  const Edge* it = std::lower_bound(b, e, c, [](const Edge& x, unsigned char v) { return x.c < v; });
  return it != e && it->c == c ? static_cast<int32_t>(it->to) : -1;
}

bool ByteTrie::match(std::string_view s) const {
  if (nodes_.empty()) return false;
  uint32_t n = 0;
  if (nodes_[0].terminal) return true;
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(reversed_ ? s[s.size() - 1 - i] : s[i]);
    int32_t next = child(n, c);
    if (next < 0) return false;
    n = static_cast<uint32_t>(next);
    if (nodes_[n].terminal) return true;
  }
  return false;
}

// ---- AhoCorasick ----------------------------------------------------------------------------

AhoCorasick::AhoCorasick(const std::vector<std::string_view>& needles, bool icase)
    : icase_(icase) {
  struct Tmp {
    std::vector<std::pair<unsigned char, uint32_t>> kids;
    bool out = false;
    uint32_t fail = 0;
  };
  std::vector<Tmp> tmp(1);
  for (std::string_view k : needles) {
    if (k.empty()) empty_needle_ = true;
    uint32_t n = 0;
    for (char ch : k) {
      unsigned char c = static_cast<unsigned char>(icase ? ascii_lower(ch) : ch);
      uint32_t next = UINT32_MAX;
      for (auto& [x, to] : tmp[n].kids)
        if (x == c) next = to;
      if (next == UINT32_MAX) {
        next = static_cast<uint32_t>(tmp.size());
        tmp[n].kids.push_back({c, next});
        tmp.emplace_back();
      }
      n = next;
    }
    tmp[n].out = true;
  }
  for (auto& t : tmp) std::sort(t.kids.begin(), t.kids.end());
  auto find_kid = [&](uint32_t n, unsigned char c) -> int64_t {
    for (auto& [x, to] : tmp[n].kids)
      if (x == c) return to;
    return -1;
  };
  // Breadth-first failure links.
  std::queue<uint32_t> q;
  for (auto& [c, to] : tmp[0].kids) {
    tmp[to].fail = 0;
    q.push(to);
  }
  while (!q.empty()) {
    uint32_t n = q.front();
    q.pop();
    for (auto& [c, to] : tmp[n].kids) {
      uint32_t f = tmp[n].fail;
      int64_t k;
      while ((k = find_kid(f, c)) < 0 && f != 0) f = tmp[f].fail;
      tmp[to].fail = (k >= 0 && static_cast<uint32_t>(k) != to) ? static_cast<uint32_t>(k) : 0;
      tmp[to].out = tmp[to].out || tmp[tmp[to].fail].out;
      q.push(to);
    }
  }
  nodes_.resize(tmp.size());
  for (size_t i = 0; i < tmp.size(); i++) {
    nodes_[i].first_edge = static_cast<uint32_t>(edges_.size());
    nodes_[i].nedges = static_cast<uint32_t>(tmp[i].kids.size());
    nodes_[i].fail = tmp[i].fail;
    nodes_[i].out = tmp[i].out;
    for (auto& [c, to] : tmp[i].kids) edges_.push_back({c, to});
  }
}

int32_t AhoCorasick::go(uint32_t state, unsigned char c) const {
  const Node& n = nodes_[state];
  const Edge* b = edges_.data() + n.first_edge;
  const Edge* e = b + n.nedges;
  if (n.nedges <= 8) {
    for (const Edge* it = b; it != e; ++it)
      if (it->c == c) return static_cast<int32_t>(it->to);
    return -1;
  }
  const Edge* it = std::lower_bound(b, e, c, [](const Edge& x, unsigned char v) { return x.c < v; });
  return it != e && it->c == c ? static_cast<int32_t>(it->to) : -1;
}

bool AhoCorasick::search(std::string_view s) const {
  if (empty_needle_) return true;
  if (nodes_.empty()) return false;
  uint32_t st = 0;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(icase_ ? ascii_lower(ch) : ch);
    int32_t next;
    while ((next = go(st, c)) < 0 && st != 0) st = nodes_[st].fail;
    st = next < 0 ? 0 : static_cast<uint32_t>(next);
    if (nodes_[st].out) return true;
  }
  return false;
}

// ---- PathTrie -------------------------------------------------------------------------------

namespace {

template <typename F>
void for_each_component(std::string_view path, F&& f) {
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') i++;
    size_t b = i;
    while (i < path.size() && path[i] != '/') i++;
    if (i > b) f(path.substr(b, i - b));
  }
}

bool has_glob_chars(std::string_view s) { return s.find_first_of("*?[\\") != std::string_view::npos; }

}  // namespace

PathTrie::PathTrie(const std::vector<std::string_view>& paths) {
  nodes_.emplace_back();
  for (std::string_view p : paths) {
    uint32_t n = 0;
    for_each_component(p, [&](std::string_view comp) {
      uint32_t next = UINT32_MAX;
      if (has_glob_chars(comp)) {
        next = static_cast<uint32_t>(nodes_.size());
        nodes_[n].globs.push_back({Glob(comp, false), next});
        nodes_.emplace_back();
      } else {
        for (auto& [lit, to] : nodes_[n].literal)
          if (lit == comp) next = to;
        if (next == UINT32_MAX) {
          next = static_cast<uint32_t>(nodes_.size());
          nodes_[n].literal.push_back({std::string(comp), next});
          nodes_.emplace_back();
        }
      }
      n = next;
    });
    nodes_[n].terminal = true;
  }
  for (Node& n : nodes_) std::sort(n.literal.begin(), n.literal.end(),
                                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

bool PathTrie::match(std::string_view path) const {
  // Depth-first over the (rarely branching) trie; the stack is bounded by the number of
  // components of the value times the glob fan-out, kept small with a fixed array.
  struct Frame {
    uint32_t node;
    size_t pos;
  };
  Frame stack[64];
  size_t sp = 0;
  stack[sp++] = {0, 0};
  while (sp > 0) {
    Frame f = stack[--sp];
    const Node& n = nodes_[f.node];
    if (n.terminal) return true;
    size_t i = f.pos;
    while (i < path.size() && path[i] == '/') i++;
    size_t b = i;
    while (i < path.size() && path[i] != '/') i++;
    if (i == b) continue;  // no more components
    std::string_view comp = path.substr(b, i - b);
    auto it = std::lower_bound(n.literal.begin(), n.literal.end(), comp,
                               [](const auto& e, std::string_view v) { return e.first < v; });
    if (it != n.literal.end() && it->first == comp && sp < 64) stack[sp++] = {it->second, i};
    for (const auto& [g, to] : n.globs)
      if (sp < 64 && g.match(comp)) stack[sp++] = {to, i};
  }
  return false;
}

// ---- Matchers -------------------------------------------------------------------------------

Matchers::Matchers(const Program& p, const Interner& interner,
                   const std::vector<uint32_t>& string_ids) {
  size_t n = p.sets.size();
  exact_.resize(n);
  prefix_.resize(n);
  suffix_.resize(n);
  contains_.resize(n);
  path_.resize(n);
  for (size_t i = 0; i < n; i++) {
    const SetDef& s = p.sets[i];
    std::vector<std::string_view> members;
    std::vector<uint32_t> ids;
    for (uint32_t m : s.members) {
      members.push_back(p.strings[m]);
      ids.push_back(string_ids[m]);
    }
    switch (s.kind) {
      case SetDef::Kind::kExact: exact_[i] = ExactSet(members, ids, interner.size()); break;
      case SetDef::Kind::kPrefix: prefix_[i] = ByteTrie(members, false); break;
      case SetDef::Kind::kSuffix: suffix_[i] = ByteTrie(members, true); break;
      case SetDef::Kind::kContains: contains_[i] = AhoCorasick(members, false); break;
      case SetDef::Kind::kIContains: contains_[i] = AhoCorasick(members, true); break;
      case SetDef::Kind::kPath: path_[i] = PathTrie(members); break;
    }
  }
  for (size_t i = 0; i < p.globs.size(); i++)
    globs_.emplace_back(p.strings[p.globs[i]], p.glob_icase[i] != 0);
  RE2::Options o;
  o.set_log_errors(false);
  for (uint32_t r : p.regexes) regexes_.push_back(std::make_unique<RE2>(p.strings[r], o));
  lowered_.reserve(p.strings.size());
  for (const std::string& s : p.strings) {
    std::string l = s;
    for (char& c : l) c = ascii_lower(c);
    lowered_.push_back(std::move(l));
  }
  for (const auto& ts : p.tsets) {
    std::array<uint64_t, (kIndexMax + 63) / 64> bits{};
    for (uint16_t code : ts)
      if (code < kIndexMax) bits[code >> 6] |= 1ull << (code & 63);
    tsets_.push_back(bits);
  }
  for (const ModDef& m : p.mods) {
    std::vector<Glob> gs;
    std::vector<std::unique_ptr<RE2>> rs;
    for (uint32_t item : m.items) {
      if (m.base == Op::STR_GLOB) gs.emplace_back(p.strings[item], m.icase);
      else gs.emplace_back();
      if (m.base == Op::STR_REGEX) rs.push_back(std::make_unique<RE2>(p.strings[item], o));
      else rs.push_back(nullptr);
    }
    mod_globs_.push_back(std::move(gs));
    mod_regexes_.push_back(std::move(rs));
  }
}

Matchers::~Matchers() = default;

}  // namespace pg::vm
