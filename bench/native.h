// Hand-written native predicates for the representative conditions R1-R5 of PERFORMANCE.md
// (section 2.1): the "speed of light" baseline. Each is a noinline function over the NEvt
// struct (string_view fields plus interned process-name ids), called once per event through a
// function pointer, mirroring one VM entry per (rule, event).
#pragma once

#include <cstdint>
#include <string_view>

#include "bench/snapshot.h"

namespace pgb {

// The five conditions, as rule text (exactly PERFORMANCE.md's).
extern const char* const kRepText[5];

// Builds the event-type bitmaps; call once before using the predicates.
void native_init();

// Native interner id of a process name constant of R2/R4/R5, or 0xffff.
uint16_t native_intern(std::string_view s);

// Code of an fd.l4proto value (1 tcp, 2 udp, 3 icmp, 4 raw, 0 other).
uint8_t native_l4(std::string_view s);

using NativeFn = bool (*)(const NEvt&);
extern const NativeFn kNative[5];

}  // namespace pgb
