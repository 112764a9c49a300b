// An in-memory EventView for tests: fields are set by id (plus index or key) and returned as
// stored; everything else is missing. Owns its strings.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "vm/event_view.h"
#include "vm/events.h"
#include "vm/interner.h"

namespace pg::test {

class MemEvent : public EventView {
 public:
  uint16_t type = 3;  // open exit by default

  uint16_t event_type() const override { return type; }

  bool extract(FieldId f, const FieldArgs& a, FieldValue& out) override {
    if (f == FieldId::EVT_TYPE && !has(f, a)) {
      // Derived from the event code, as the capture side does.
      const EventInfo* e = event_info(type);
      if (!e) return false;
      out = FieldValue::str(type <= 1 ? syscall_name_ : e->name);
      return true;
    }
    auto it = values_.find(Key{f, a.index, std::string(a.key)});
    if (it == values_.end()) return false;
    out = it->second;
    return true;
  }

  // Setters (index -1 and empty key when the field takes no argument).
  void set_str(FieldId f, std::string v, int64_t index = -1, std::string key = "") {
    const std::string& s = strings_.emplace_back(std::move(v));
    values_[Key{f, index, std::move(key)}] = FieldValue::str(s);
  }
  void set_bytes(FieldId f, std::string v) {
    const std::string& s = strings_.emplace_back(std::move(v));
    FieldValue fv = FieldValue::str(s);
    fv.kind = FieldValue::Kind::kBytes;
    values_[Key{f, -1, ""}] = fv;
  }
  void set_int(FieldId f, int64_t v) { values_[Key{f, -1, ""}] = FieldValue::sint(v); }
  void set_uint(FieldId f, uint64_t v) { values_[Key{f, -1, ""}] = FieldValue::uint(v); }
  void set_bool(FieldId f, bool v) { values_[Key{f, -1, ""}] = FieldValue::boolean(v); }
  void set_ip(FieldId f, const std::array<uint8_t, 16>& bytes, bool v6) {
    FieldValue fv;
    fv.kind = FieldValue::Kind::kIp;
    fv.ip = bytes;
    fv.ip_v6 = v6;
    values_[Key{f, -1, ""}] = fv;
  }
  void set_list(FieldId f, std::vector<std::string> items) {
    auto& store = lists_.emplace_back();
    for (std::string& s : items) store.push_back(strings_.emplace_back(std::move(s)));
    FieldValue fv;
    fv.kind = FieldValue::Kind::kList;
    fv.list = std::span<const std::string_view>(store.data(), store.size());
    values_[Key{f, -1, ""}] = fv;
  }
  // Gives the string value of `f` (no argument) the id the state engine would: its id in
  // `in`, or kAbsentStrId when it is not there.
  void intern(FieldId f, const Interner& in) {
    auto it = values_.find(Key{f, -1, ""});
    if (it == values_.end() || it->second.kind != FieldValue::Kind::kStr) return;
    uint32_t id = in.find(it->second.s);
    it->second.id = id == kNoStrId ? kAbsentStrId : id;
  }
  void set_syscall_name(std::string n) { syscall_name_ = strings_.emplace_back(std::move(n)); }
  void clear() {
    values_.clear();
    strings_.clear();
    lists_.clear();
  }

 private:
  struct Key {
    FieldId f;
    int64_t index;
    std::string key;
    bool operator<(const Key& o) const {
      return std::tie(f, index, key) < std::tie(o.f, o.index, o.key);
    }
  };
  bool has(FieldId f, const FieldArgs& a) const {
    return values_.count(Key{f, a.index, std::string(a.key)}) > 0;
  }
  std::map<Key, FieldValue> values_;
  std::deque<std::string> strings_;
  std::deque<std::vector<std::string_view>> lists_;
  std::string_view syscall_name_ = "unknown";
};

}  // namespace pg::test
