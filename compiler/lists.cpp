#include "compiler/lists.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace pg {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The item as Falco writes it into a condition: wrapped in double quotes when it holds a space
// and is not already quoted.
std::string quoted_item(const std::string& item) {
  if (item.find(' ') != std::string::npos && !item.empty() && item[0] != '"' && item[0] != '\'')
    return "\"" + item + "\"";
  return item;
}

// The value the lexer would read for an item written into a value list, if the item is
// exactly one string token there; nullopt otherwise.
std::optional<std::string> single_token_value(const std::string& written) {
  if (written.empty()) return std::nullopt;
  char q = written[0];
  if (q == '"' || q == '\'') {
    // One quoted string with no escapes and nothing after it.
    if (written.size() < 2 || written.back() != q) return std::nullopt;
    std::string inner = written.substr(1, written.size() - 2);
    if (inner.find(q) != std::string::npos || inner.find('\\') != std::string::npos ||
        inner.find('\0') != std::string::npos)
      return std::nullopt;
    return inner;
  }
  // A bare string: [^()"'[:space:]=,]+ and no placeholder byte.
  for (char c : written) {
    if (std::strchr("()\"'=, \t\n\r\f\v\x01", c) || c == '\0') return std::nullopt;
  }
  return written;
}

template <typename F>
void for_each_word(std::string_view s, F&& f) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_list_delim(s[i])) i++;
    size_t b = i;
    while (i < s.size() && !is_list_delim(s[i])) i++;
    if (i > b) f(s.substr(b, i - b));
  }
}

}  // namespace

bool is_list_delim(char c) { return is_blank(c) || c == '(' || c == ')' || c == ',' || c == '='; }

ListTable::ListTable(const Collection& col) {
  // Collection lists are stored in first-definition order, which is index order.
  lists_.reserve(col.lists.size());
  for (size_t i = 0; i < col.lists.size(); i++) {
    const ListDef& def = col.lists[i];
    Entry e;
    e.name = def.name;
    e.index = def.index;
    for (const std::string& item : def.items) {
      auto it = col.list_by_name.find(item);
      if (it != col.list_by_name.end() && col.lists[it->second].index < def.visibility) {
        // A nested list: its raw items, once; the nested list counts as used.
        const ListDef& ref = col.lists[it->second];
        e.items.insert(e.items.end(), ref.items.begin(), ref.items.end());
      } else {
        e.items.push_back(item);
      }
    }
    by_name_.emplace(e.name, lists_.size());
    lists_.push_back(std::move(e));
  }
  // Nested references to lists defined later in the vector (possible after redefinitions).
  for (const ListDef& def : col.lists) {
    for (const std::string& item : def.items) {
      auto it = col.list_by_name.find(item);
      if (it != col.list_by_name.end() && col.lists[it->second].index < def.visibility)
        lists_[it->second].used = true;
    }
  }
  for (Entry& e : lists_) {
    for (const std::string& item : e.items) {
      if (!e.joined.empty()) e.joined += ", ";
      e.joined += quoted_item(item);
    }
  }
  for (Entry& e : lists_) {
    for_each_word(e.joined, [&](std::string_view w) {
      auto it = by_name_.find(w);
      if (it != by_name_.end()) e.words.push_back(it->first);
    });
  }
  // Tokenizable lists: non-empty, every item one token, no later list named inside.
  for (Entry& e : lists_) {
    if (e.items.empty()) continue;
    bool ok = true;
    for (const std::string& w : e.words)
      if (lists_[by_name_.find(w)->second].index > e.index) ok = false;
    auto shared = std::make_shared<std::vector<std::string>>();
    shared->reserve(e.items.size());
    for (const std::string& item : e.items) {
      if (!ok) break;
      std::optional<std::string> v = single_token_value(quoted_item(item));
      if (!v) ok = false;
      else shared->push_back(std::move(*v));
    }
    if (!ok) continue;
    e.ref = static_cast<int>(refs_.size());
    refs_.push_back(std::move(shared));
    ref_names_.push_back(e.name);
  }
}

std::vector<size_t> ListTable::unused() const {
  std::vector<size_t> r;
  for (size_t i = 0; i < lists_.size(); i++)
    if (!lists_[i].used) r.push_back(i);
  return r;
}

// One pass of Falco's substitution for one list, literally as Falco's loop does it: after
// each replacement the string is rebuilt and the search resumes right after the substitute.
void ListTable::pass(const Entry& e, MappedText& text, bool tokens) {
  const std::string& name = e.name;
  if (name.empty()) return;
  const std::string sub =
      tokens && e.ref >= 0 ? "\x01" + std::to_string(e.ref) + "\x01" : e.joined;
  size_t start = 0;
  while (true) {
    const std::string& s = text.text();
    start = s.find(name, start);
    if (start == std::string::npos) return;
    size_t end = start + name.size();
    bool bounded = (start == 0 || is_list_delim(s[start - 1])) &&
                   (end >= s.size() || is_list_delim(s[end]));
    if (!bounded) {
      start = end + 1;
      continue;
    }
    FilePos at = text.map(static_cast<uint32_t>(start));
    while (start > 0 && is_blank(s[start - 1])) start--;
    while (end < s.size() && is_blank(s[end])) end++;
    if (sub.empty()) {
      if (start > 0 && s[start - 1] == ',') start--;
      else if (end < s.size() && s[end] == ',') end++;
    }
    MappedText out;
    if (start > 0) {
      out.append_slice(text, 0, static_cast<uint32_t>(start));
      out.append_fixed(" ", at);
    }
    out.append_fixed(sub, at);
    out.append_fixed(" ", at);
    out.append_slice(text, static_cast<uint32_t>(end), static_cast<uint32_t>(s.size()));
    text = std::move(out);
    start += sub.size() + 1;
  }
}

MappedText ListTable::substitute(const MappedText& cond, bool tokens) {
  // Which lists can occur: names in the text, then names inside their items (transitively).
  std::vector<size_t> todo;
  std::vector<bool> seen(lists_.size(), false);
  auto add = [&](std::string_view w) {
    auto it = by_name_.find(w);
    if (it != by_name_.end() && !seen[it->second]) {
      seen[it->second] = true;
      todo.push_back(it->second);
    }
  };
  for_each_word(cond.text(), add);
  if (todo.empty()) return cond;
  // Named in the condition itself (the commonest case: one list, no re-scan needed below).
  const size_t direct = todo.size();
  std::vector<bool> in_text(lists_.size(), false);
  for (size_t i = 0; i < direct; i++) in_text[todo[i]] = true;
  for (size_t i = 0; i < todo.size(); i++)
    for (const std::string& w : lists_[todo[i]].words) add(w);
  std::sort(todo.begin(), todo.end(),
            [&](size_t a, size_t b) { return lists_[a].index < lists_[b].index; });
  MappedText text = cond;
  bool changed = false;
  for (size_t i : todo) {
    // A list counts as used when its name occurs as a word at the time of its pass. Until a
    // pass changes the text, that is the initial scan's answer.
    bool occurs = !changed && in_text[i];
    if (changed)
      for_each_word(text.text(), [&](std::string_view w) { occurs |= w == lists_[i].name; });
    if (!occurs) continue;
    changed = true;
    pass(lists_[i], text, tokens);
    lists_[i].used = true;
  }
  return text;
}

}  // namespace pg
