// libFuzzer target: program artifacts (.pgb) as `peregrine run -r FILE.pgb` loads them.
//
// A tampered artifact must be refused with a message, and anything the loader accepts must be
// safe to run: the verifier (vm/verify.cpp) is what stands between a file and the VM. The
// checksum would stop almost every mutation at the door, so by default the input is the
// artifact's *payload* (its sections) and this target wraps it in a valid header with the
// right length and XXH64, which sends the mutations into the section parser, the table
// builders and the verifier. Inputs whose first byte is 0xFF are passed on raw instead
// (header checks, checksum).
//
// Every program that loads is then run over events of each seed type with every field present
// (values of the field's catalogue type), and again with every field missing, through Vm::run
// and run_rule for each rule: out-of-range slots, jumps, constants or set indexes would show up
// as ASan reports. Invariants checked: deserialize() and load() fail with a message; a loaded
// program serialises again to an artifact that loads to the same program.
//
// Seeds: payloads of programs compiled from the rule case files and the default rules
// (fuzz_artifact_seeds, at build time).
#include <xxhash.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_check.h"
#include "vm/event_view.h"
#include "vm/events.h"
#include "vm/fields.h"
#include "vm/interp.h"
#include "vm/program.h"

namespace {

using namespace pg;

// Every field present (variant > 0: values differ by variant) or every field missing.
class AllFields final : public EventView {
 public:
  uint16_t type = 3;
  int variant = 1;

  uint16_t event_type() const override { return type; }

  bool extract(FieldId f, const FieldArgs& a, FieldValue& out) override {
    if (variant == 0) return false;
    const FieldInfo& fi = field_info(f);
    if ((fi.flags & FF_ANCESTOR) && a.index > 3) return false;  // a short ancestor chain
    if (fi.flags & FF_LIST) {
      out = FieldValue{};
      out.kind = FieldValue::Kind::kList;
      out.list = std::span<const std::string_view>(kList, variant == 1 ? 2 : 0);
      return true;
    }
    switch (type_family(fi.type)) {
      case TypeFamily::kNumeric:
        out = is_signed_type(fi.type) ? FieldValue::sint(variant == 1 ? -2 : 80)
                                      : FieldValue::uint(variant == 1 ? 0 : 443);
        return true;
      case TypeFamily::kBool: out = FieldValue::boolean(variant == 1); return true;
      case TypeFamily::kString:
        out = FieldValue::str(variant == 1 ? std::string_view("/etc/shadow")
                                           : std::string_view("bash"));
        return true;
      case TypeFamily::kBytes:
        out = FieldValue::str("\x01\x02payload");
        out.kind = FieldValue::Kind::kBytes;
        return true;
      case TypeFamily::kIpAddr:
      case TypeFamily::kIpNet: {
        out = FieldValue{};
        out.kind = FieldValue::Kind::kIp;
        out.ip = {};
        if (variant == 1) {
          out.ip[10] = out.ip[11] = 0xff;
          out.ip[12] = 127;
          out.ip[15] = 1;
          out.ip_v6 = false;
        } else {
          out.ip[0] = 0x20;
          out.ip[1] = 0x01;
          out.ip_v6 = true;
        }
        return true;
      }
      default: return false;
    }
  }

 private:
  static constexpr std::string_view kList[2] = {"file", "ipv4"};
};

std::string wrap(const uint8_t* data, size_t size) {
  std::string out;
  auto put = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  uint32_t magic = vm::kArtifactMagic, version = vm::kArtifactVersion;
  uint16_t vlen = 4;
  uint64_t plen = size, sum = XXH64(data, size, 0);
  put(&magic, 4);
  put(&version, 4);
  put(&vlen, 2);
  put("fuzz", 4);
  put(&plen, 8);
  put(&sum, 8);
  put(data, size);
  return out;
}

void run_everything(const std::shared_ptr<const vm::LoadedProgram>& lp) {
  vm::Vm machine(lp);
  AllFields ev;
  std::vector<uint32_t> matches;
  const uint16_t types[] = {3, 307, 23, 1, 0, 183};  // open_x, openat2_x, execve-ish, generic
  for (uint16_t t : types) {
    for (int variant : {0, 1, 2}) {
      ev.type = t;
      ev.variant = variant;
      machine.begin_event(ev);
      machine.run(false, matches);
      for (uint32_t m : matches) PG_FUZZ_CHECK(m < lp->program().rules.size(), "match index");
      machine.begin_event(ev);
      for (uint32_t r = 0; r < lp->program().rules.size() && r < 64; r++) machine.run_rule(r);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes;
  if (size > 0 && data[0] == 0xFF) bytes.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  else bytes = wrap(data, size);

  vm::Program prog;
  std::string err;
  if (!vm::deserialize(bytes, prog, err)) {
    PG_FUZZ_CHECK(!err.empty(), "deserialize failed without a message");
    return 0;
  }
  err.clear();
  auto lp = vm::LoadedProgram::load(std::move(prog), err);
  if (!lp) {
    PG_FUZZ_CHECK(!err.empty(), "load failed without a message");
    return 0;
  }
  // Round trip: what loads serialises to an artifact that loads again, identically.
  std::string again = vm::serialize(lp->program());
  vm::Program prog2;
  PG_FUZZ_CHECK(vm::deserialize(again, prog2, err), "re-serialised program: " + err);
  PG_FUZZ_CHECK(vm::serialize(prog2) == again, "serialise is not stable");
  run_everything(lp);
  return 0;
}
