// Compiler hints and the dispatch layer of the interpreter, defined once.
//
// VM_DISPATCH / VM_CASE / VM_NEXT expand to computed goto (labels as values, a GNU extension
// supported by GCC and Clang) when PEREGRINE_COMPUTED_GOTO is set, and to a switch in a loop
// otherwise. Both forms are benchmarked (bench/bench_vm.cpp).
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define PG_LIKELY(x) __builtin_expect(!!(x), 1)
#define PG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PG_ALWAYS_INLINE inline __attribute__((always_inline))
#define PG_NOINLINE __attribute__((noinline))
#else
#define PG_LIKELY(x) (x)
#define PG_UNLIKELY(x) (x)
#define PG_ALWAYS_INLINE inline
#define PG_NOINLINE
#endif

#if defined(PEREGRINE_COMPUTED_GOTO) && (defined(__GNUC__) || defined(__clang__))
#define PG_USE_COMPUTED_GOTO 1
#else
#define PG_USE_COMPUTED_GOTO 0
#endif
