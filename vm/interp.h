// The interpreter: runs a verified LoadedProgram over events.
//
// One Vm per thread. For each event: begin_event() starts a new generation of the slot and
// macro caches (O(1): stamps, not clears), then run() executes the candidate rules of the
// event's type in rule order, or run_rule() one rule; run_event() is begin_event() + run() for
// engines that only run candidate lists, and skips the setup for events without candidates.
// Slots are extracted through the EventView on first use and kept for the rest of the event;
// shared macros are evaluated once per event. The loop allocates nothing in steady state
// (transformer scratch buffers grow once and are reused) and never throws.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vm/event_view.h"
#include "vm/macros.h"
#include "vm/program.h"
#include "vm/strset.h"

namespace pg::vm {

class Vm {
 public:
  explicit Vm(std::shared_ptr<const LoadedProgram> program);

  const LoadedProgram& program() const { return *prog_; }

  // Rules whose priority number is above `threshold` (less severe) never run, nor do
  // disabled rules (Falco's priority filter and enabled flags).
  void set_priority_threshold(uint8_t threshold);
  void set_enabled(uint32_t rule, bool enabled);

  // Starts evaluating a new event. (Inline, as is run()'s test for an event without
  // candidates: most events of a real stream have none, and pay only these few instructions.)
  void begin_event(EventView& ev) { start_event(ev, ev.index_code()); }

  // Runs one rule on the current event (regardless of its event-type index); true on match.
  // When the rule's first test ends it with no match if false, two cases are decided here
  // without entering the dispatch loop: an `evt.type` test the event fails, and a test of one
  // field that is missing for the event (a missing field makes every test false). So a rule run
  // outside the type index, or `fd.l4proto = udp` on an event without a socket, costs a bitmap
  // test or a slot load.
  bool run_rule(uint32_t rule) {
    const RuleStart& r = starts_[rule];
    if (r.kind == RuleStart::kSlot) {
      if (load(r.arg) == nullptr) return false;
    } else if (r.kind == RuleStart::kTypes) {
      if (!m_->tset_has(r.arg, code_)) return false;
    }
    return exec<false>(r.entry, nullptr);
  }

  // Runs the active candidate rules of the current event's index code in rule order, appending the
  // indexes of matching rules to `matches` (cleared first); stops at the first match when
  // first_only (Falco's rule_matching: first). Returns the number of matches.
  uint32_t run(bool first_only, std::vector<uint32_t>& matches) {
    matches.clear();
    uint32_t b = cand_begin_[code_], e = cand_begin_[code_ + 1];
    if (b == e) return 0;
    return run_list(b, e, first_only, matches);
  }

  // begin_event(ev) and run() in one call, for the engines that only run candidate lists: an
  // event without candidates (most events of a real stream) costs the table lookup and nothing
  // else; the event and its cache generation are set up only when some rule will run.
  uint32_t run_event(EventView& ev, bool first_only, std::vector<uint32_t>& matches) {
    matches.clear();
    uint16_t code = ev.index_code();
    uint32_t b = cand_begin_[code], e = cand_begin_[code + 1];
    if (b == e) return 0;
    start_event(ev, code);
    return run_list(b, e, first_only, matches);
  }

 private:
  void start_event(EventView& ev, uint16_t code) {
    ev_ = &ev;
    code_ = code;
    if (PG_UNLIKELY(++gen_ == 0)) wrap_generation();
  }
  // Per rule (computed once from the program): its entry, and a first test that ends the rule
  // with no match when false, with its operand in `arg`: one field's slot (kSlot) or an
  // event-type set (kTypes), which run_rule() decides.
  struct RuleStart {
    enum Kind : uint32_t { kNone, kSlot, kTypes };
    uint32_t entry;
    Kind kind;
    uint32_t arg;
  };
  // One candidate rule of an index code: the rule, its first instruction and its guard. A rule
  // whose first instruction is a shared macro's CALL has that macro as its guard, and where
  // the CALL's test leads when the macro is true (`if_true`) and when it is false
  // (`if_false`): past the CALL and its JMP, or the JMP's target, or kSkip when that is the
  // rule's no-match RET. Once the macro's value is cached for the event, moving to the rule
  // goes there without dispatching the CALL: rules that start with open_read, open_write or
  // spawned_process (`CALL ?F`, and `(open_read or ...)`'s `CALL ?T`) cost one check each
  // instead of a CALL and a RET. kNoGuard otherwise.
  static constexpr uint32_t kNoGuard = ~0u;
  static constexpr uint32_t kSkip = ~0u;
  struct Candidate {
    uint32_t rule;
    uint32_t entry;
    uint32_t guard;
    uint32_t if_true;
    uint32_t if_false;
  };
  // run()'s state while exec<true> walks a candidate list: RET of a rule records a match and
  // jumps straight to the next candidate's entry, so the rules of an event run in one
  // activation of the dispatch loop (no call, prologue or epilogue per rule).
  struct ListRun {
    const Candidate* list;
    uint32_t n;
    bool first_only;
    std::vector<uint32_t>* matches;
  };
  // kList: the top level of run() (RET continues with the next candidate of `lr`); otherwise
  // one rule or macro block (RET returns its result).
  template <bool kList>
  bool exec(uint32_t pc, ListRun* lr);
  void rebuild_candidates();
  Candidate candidate(uint32_t rule) const;
  void wrap_generation();
  uint32_t run_list(uint32_t b, uint32_t e, bool first_only, std::vector<uint32_t>& matches);
  // The value of a slot for the current event, or null when missing. The cached case and the
  // first extraction of a field are inline; transformer slots go to load_xform().
  PG_ALWAYS_INLINE const FieldValue* load(uint32_t slot) {
    if (slots_[slot].gen != gen_ && PG_UNLIKELY(slots_[slot].xform)) return load_xform(slot);
    return load_field(slot);
  }
  // load() of a slot that is a field, not a transformer: the inline handlers' case, as the
  // dispatch code sends tests of transformer slots to the generic path (vm/insn.h).
  PG_ALWAYS_INLINE const FieldValue* load_field(uint32_t slot) {
    SlotState& st = slots_[slot];
    if (st.gen == gen_) return st.present ? &st.value : nullptr;
    st.gen = gen_;
    st.present = ev_->extract(st.field, st.args, st.value);
    return st.present ? &st.value : nullptr;
  }
  const FieldValue* load_xform(uint32_t slot);
  const FieldValue* compute_xform(uint32_t slot);
  // The test at pc, whose op is `op` (the handler's own; the dispatch copy's op byte is a
  // dispatch code), done generically.
  bool test(uint32_t pc, Op op);

  std::shared_ptr<const LoadedProgram> prog_;
  const Program* p_;
  const Matchers* m_;
  // The code the dispatch loop runs (LoadedProgram::dispatch_code()): a test's op byte says
  // its sense and any-ancestor iteration, so handlers decode neither at run time.
  const Insn* dcode_;
  const uint32_t* sid_;  // the program's string ids (STR_EQ / STR_NE compare against them)
  EventView* ev_ = nullptr;
  uint16_t code_ = 0;  // index code of the current event
  uint32_t gen_ = 0;
  // Per-slot cache: the event generation it was filled in, and the value. Cache-line aligned,
  // which makes it 128 bytes: a slot's address is a shift and an add from its index.
  struct alignas(64) SlotState {
    uint32_t gen = 0;
    bool present = false;
    bool xform = false;  // computed by a transformer (else extracted)
    FieldId field{};     // the field to extract
    FieldArgs args;      // the slot's argument, prepared once
    FieldValue value;
  };
  static_assert(sizeof(SlotState) == 128, "slot addressing is one shift");
  std::vector<SlotState> slots_;
  std::vector<std::string> scratch_;
  std::vector<std::vector<std::string_view>> scratch_list_;
  std::string cmp_scratch_;
  std::vector<uint32_t> macro_gen_;
  std::vector<uint8_t> macro_val_;
  std::vector<uint8_t> active_;
  std::vector<uint8_t> enabled_;
  // Per index code c, the active rules of program.by_event[c] with their entries are
  // cands_[cand_begin_[c] .. cand_begin_[c + 1]) (rebuilt when the priority threshold or an
  // enabled flag changes). cand_begin_ covers every uint16_t code (kCodeSpace + 1 entries, the
  // codes past the program's index empty), so a code read from any event needs no bound check.
  static constexpr uint32_t kCodeSpace = 1u << 16;
  std::vector<Candidate> cands_;
  std::vector<uint32_t> cand_begin_;
  std::vector<RuleStart> starts_;
  uint8_t threshold_ = 7;
};

// Evaluates a single test instruction's predicate on a value (shared by the interpreter's
// handlers and the ancestor iteration). Exposed for tests.
bool eval_test(const LoadedProgram& lp, Op op, uint32_t c, const FieldValue& v);

}  // namespace pg::vm
