// Field extraction: pg::EventView over the current event and the state engine, for every
// catalogue field (vm/fields.def) that a capture can supply, plus sysdig-compatible rendering.
//
// Semantics follow libsinsp 0.29.3's filter checks (evt, thread/proc, user, group, fd,
// container) so that `render()` prints what `sysdig -p %field` prints for the same capture;
// where current Falco differs on purpose (field types changed since 2022, fields that did not
// exist) the catalogue's current type wins and the difference is listed in
// tests/capture/sysdig_known_diffs.txt. Fields the data cannot supply (k8s, container image
// metadata, capabilities, ...) are missing, which renders as <NA>.
//
// Strings returned by extract() point into the event, the state tables or a per-event scratch
// pool owned by this object; they stay valid until set_event() moves to another event. The
// scratch pool keeps its capacity, so steady-state extraction does not allocate.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/event.h"
#include "capture/state.h"
#include "vm/event_view.h"
#include "vm/fields.h"

namespace pg::capture {

class FieldExtractor : public EventView {
 public:
  explicit FieldExtractor(State& state);

  // Moves to a new event (already applied to the state). Invalidates earlier values.
  void set_event(const Event* ev);

  // Timestamp of the first event of the capture (for evt.reltime).
  void set_first_ts(uint64_t ts) { first_ts_ = ts; }

  // PPM code of the current event.
  uint16_t event_type() const override { return ev_ != nullptr ? ev_->type : 0; }

  // The index code: the event code, or for generic syscall events the code of their syscall
  // (vm/events.h generic_index_code), read straight from the event's ID parameter.
  uint16_t index_code() override;

  // Extracts a field of the current event; false when it is missing.
  bool extract(FieldId field, const FieldArgs& args, FieldValue& out) override;

  // Appends the field as sysdig 0.29.3 prints it; false (and nothing appended) when missing.
  bool render(FieldId field, const FieldArgs& args, std::string& out);

  // The field as text, "<NA>" when missing.
  std::string render(FieldId field, const FieldArgs& args);

  // The current event, or null.
  const Event* event() const { return ev_; }

 private:
  std::string& scratch();
  std::vector<std::string_view>& list_scratch();
  bool extract_evt(FieldId field, const FieldArgs& args, FieldValue& out);
  bool extract_thread(FieldId field, const FieldArgs& args, FieldValue& out);
  bool extract_user_group(FieldId field, FieldValue& out);
  bool extract_fd(FieldId field, FieldValue& out);
  bool extract_fspath(FieldId field, FieldValue& out);
  bool fd_context(ThreadInfo** t, FdInfo** f);
  bool fd_name_from_creator(std::string& out);
  bool arg_by_name(std::string_view name, std::string& out);
  bool arg_by_index(uint32_t i, std::string& out);
  const Event* enter_for_current();
  ThreadInfo* ancestor(ThreadInfo* t, int64_t n);

  State& st_;
  const Event* ev_ = nullptr;
  uint64_t first_ts_ = 0;
  uint64_t prev_ts_[3] = {};  // evt.deltatime, .s, .ns
  std::vector<uint64_t> last_switch_;  // thread.exectime, per CPU
  std::vector<std::unique_ptr<std::string>> scratch_;
  size_t scratch_used_ = 0;
  std::vector<std::unique_ptr<std::vector<std::string_view>>> lists_;
  size_t lists_used_ = 0;
  std::string val_, res_;  // param_as_str buffers
  // fd.l4proto's values (tcp, udp, icmp, raw, <NA>) with their interned ids, so `=` and `in`
  // against them compare ids as for process names.
  InternedStr l4_names_[5] = {{"tcp"}, {"udp"}, {"icmp"}, {"raw"}, {"<NA>"}};
};

}  // namespace pg::capture
