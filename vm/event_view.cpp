#include "vm/event_view.h"

#include "vm/events.h"

namespace pg {

uint16_t EventView::index_code() {
  uint16_t code = event_type();
  if (code != kGenericEnter && code != kGenericExit) return code;
  FieldValue v;
  if (!extract(FieldId::EVT_TYPE, FieldArgs{}, v)) return code;
  int sc = syscall_code_by_name(v.s);
  return sc >= 0 ? generic_index_code(static_cast<uint16_t>(sc)) : code;
}

}  // namespace pg
