#!/usr/bin/env bash
# The whole test suite, from a clean clone, as root on Debian bookworm:
#   1. install the Debian packages (scripts/setup.sh);
#   2. build with GCC (release + debug info) and run every GoogleTest suite with ctest;
#   3. build again with clang, ASan and UBSan, plus the libFuzzer targets, and run the suites
#      and a bounded run of every fuzzer under the sanitizers.
# Build trees: build/ and build-asan/ (kept between runs, so re-runs only rebuild changes).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}

scripts/setup.sh

echo "== release build and tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPEREGRINE_BUILD_TESTS=ON -DPEREGRINE_BUILD_BENCH=ON >/dev/null
cmake --build build -j "$JOBS"
(cd build && ctest --output-on-failure -j "$JOBS")

echo "== sanitizer build (ASan + UBSan, clang) with fuzzers"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DPEREGRINE_SANITIZE=ON -DPEREGRINE_BUILD_TESTS=ON -DPEREGRINE_BUILD_FUZZ=ON \
  -DPEREGRINE_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$JOBS"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j "$JOBS")

echo "== all tests passed"
