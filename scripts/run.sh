#!/usr/bin/env bash
# The main job, from a clean clone, as root on Debian bookworm: install the Debian packages,
# build Peregrine, and run it with the embedded default rules.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"
# Until the runtime lands, the main job validates Peregrine's own default rules.
exec build/compiler/peregrinec validate rules/*.yaml
