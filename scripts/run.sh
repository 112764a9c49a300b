#!/usr/bin/env bash
# The main job, from a clean clone, as root on Debian bookworm: install the Debian packages,
# build Peregrine, and run it with the embedded default rules.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"
# The default rules must validate cleanly.
build/compiler/peregrinec validate rules/peregrine_rules.yaml
# Live capture needs root, kernel BTF and the eBPF probe (built when clang, bpftool and
# /sys/kernel/btf/vmlinux are there). Stop it with Ctrl-C; it prints a summary.
if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ] && [ -d build/capture/live ]; then
  echo "peregrine: live capture with the embedded default rules (Ctrl-C to stop)" >&2
  exec build/capture/peregrine run "$@"
fi
cap=../shared/captures/run_as_user_0_container.scap
if [ -f "$cap" ]; then
  echo "live capture unavailable here (needs root and /sys/kernel/btf/vmlinux): replaying $cap" >&2
  exec build/capture/peregrine run -e "$cap" "$@"
fi
echo "live capture unavailable (needs root and /sys/kernel/btf/vmlinux) and no capture to replay" >&2
exit 1
