#!/usr/bin/env bash
# End-to-end cost of `peregrine run` live (eBPF) on a syscall-heavy workload.
#
#   bench/live_overhead.sh [-n ITERATIONS] [-k ROUNDS] [-p PEREGRINE] [-s SHARED_DIR]
#
# Modes, run in a rotating order within each round (a b c, b c a, c a b, ...):
#   a  the workload alone (no capture)
#   b  the workload while `peregrine run` runs with its embedded default rules
#   c  the workload while `peregrine run -r falco_rules.yaml -r falco-incubating_rules.yaml
#      -r falco-sandbox_rules.yaml` runs (the three official files)
# The workload (bench/live_overhead.c, compiled here with cc -O2) does ITERATIONS x 9 syscalls
# (openat, close, newfstatat, socket, connect to a loopback listener, accept, close,
# setsockopt, close) pinned to CPU 1; peregrine is pinned to CPU 0 with stdout to /dev/null.
# Needs root (the probe) and an idle-ish machine; runs take about ROUNDS x 3 x (a few s).
#
# Per run: workload wall time and CPU (user+sys, from wait4), peregrine's CPU time while the
# workload ran (+300 ms drain; its process CPU clock), its events/drops/alerts (the
# `events=N drops=N alerts=N` line it prints at SIGINT). Reported: medians over rounds, the
# added wall ns and workload CPU ns per syscall (b, c vs a, medians of per-round differences),
# peregrine CPU ns per event, events/s, and the whole added CPU per workload syscall.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
iters=200000
rounds=5
pg=$root/build/capture/peregrine
shared=${PEREGRINE_SHARED:-$root/../shared}
while getopts "n:k:p:s:" o; do
  case $o in
    n) iters=$OPTARG ;;
    k) rounds=$OPTARG ;;
    p) pg=$OPTARG ;;
    s) shared=$OPTARG ;;
    *) sed -n 2,20p "$0" >&2; exit 2 ;;
  esac
done
[ -x "$pg" ] || { echo "live_overhead.sh: $pg not built (cmake --build build --target peregrine)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "live_overhead.sh: needs root (eBPF probe)" >&2; exit 1; }
rules=()
for f in falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml; do
  [ -f "$shared/falco-rules/$f" ] || { echo "live_overhead.sh: missing $shared/falco-rules/$f" >&2; exit 1; }
  rules+=(-r "$shared/falco-rules/$f")
done
work=$(mktemp -d /tmp/pg-live-overhead.XXXXXX)
cc -O2 -Wall -o "$work/live_overhead" "$here/live_overhead.c"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -r), $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# iterations=$iters (x9 syscalls), rounds=$rounds, peregrine=$pg"
modes=(a b c)
for ((r = 0; r < rounds; r++)); do
  for ((i = 0; i < 3; i++)); do
    m=${modes[$(((r + i) % 3))]}
    case $m in
      a) line=$("$work/live_overhead" "$iters" none) ;;
      b) line=$("$work/live_overhead" "$iters" "$pg" run) ;;
      c) line=$("$work/live_overhead" "$iters" "$pg" run "${rules[@]}") ;;
    esac
    echo "round=$r run=$m $line" | tee -a "$work/runs"
  done
done
awk '
  function kv(   i, a) { for (i = 1; i <= NF; i++) { split($i, a, "="); v[a[1]] = a[2] } }
  function med(arr, n,   i, j, t, b) {
    for (i = 1; i <= n; i++) b[i] = arr[i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
    return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
  }
  {
    delete v; kv(); m = v["run"]; r = v["round"]; sc = v["syscalls"]
    wall[m, r] = v["wall_ns"]; wcpu[m, r] = v["wl_user_ns"] + v["wl_sys_ns"]; wsys[m, r] = v["wl_sys_ns"]
    if (m != "a") {
      pcpu[m, r] = v["pg_cpu_ns"]; ev[m, r] = v["events"]; dr[m, r] = v["drops"]; al[m, r] = v["alerts"]
      win[m, r] = v["pg_window_ns"]
    }
    if (r + 1 > R) R = r + 1
  }
  END {
    printf "\nmedians over %d rounds; workload = %d syscalls per run\n", R, sc
    printf "%-4s %10s %10s %10s %12s %12s %12s %10s %8s\n", "mode", "wall ms", "ns/syscall", "wl CPU ns", "pg CPU ms", "events", "events/s", "pg ns/ev", "drops"
    split("a b c", M, " ")
    for (k = 1; k <= 3; k++) {
      m = M[k]
      for (r = 0; r < R; r++) { x1[r + 1] = wall[m, r]; x2[r + 1] = wcpu[m, r] / sc }
      w = med(x1, R); c = med(x2, R)
      if (m == "a") { printf "%-4s %10.1f %10.1f %10.1f\n", m, w / 1e6, w / sc, c; continue }
      for (r = 0; r < R; r++) { y1[r + 1] = pcpu[m, r]; y2[r + 1] = ev[m, r]; y3[r + 1] = ev[m, r] / (win[m, r] / 1e9)
                                y4[r + 1] = ev[m, r] ? pcpu[m, r] / ev[m, r] : 0; y5[r + 1] = dr[m, r] }
      printf "%-4s %10.1f %10.1f %10.1f %12.1f %12d %12.0f %10.1f %8d\n", m, w / 1e6, w / sc, c, med(y1, R) / 1e6, med(y2, R), med(y3, R), med(y4, R), med(y5, R)
    }
    printf "\nper-round paired differences vs a (median [min, max]):\n"
    for (k = 2; k <= 3; k++) {
      m = M[k]
      for (r = 0; r < R; r++) {
        d1[r + 1] = (wall[m, r] - wall["a", r]) / sc
        d2[r + 1] = (wcpu[m, r] - wcpu["a", r]) / sc
        d3[r + 1] = wall[m, r] / wall["a", r]
        d4[r + 1] = (wcpu[m, r] - wcpu["a", r] + pcpu[m, r]) / sc
        d5[r + 1] = pcpu[m, r] / sc
      }
      lo1 = hi1 = d1[1]; lo3 = hi3 = d3[1]; lo4 = hi4 = d4[1]
      for (r = 1; r <= R; r++) { if (d1[r] < lo1) lo1 = d1[r]; if (d1[r] > hi1) hi1 = d1[r]; if (d3[r] < lo3) lo3 = d3[r]; if (d3[r] > hi3) hi3 = d3[r]; if (d4[r] < lo4) lo4 = d4[r]; if (d4[r] > hi4) hi4 = d4[r] }
      printf "  %s: wall +%.1f ns/syscall [%.1f, %.1f], x%.3f [%.3f, %.3f]; workload CPU +%.1f ns/syscall; peregrine CPU %.1f ns per workload syscall; total added CPU %.1f ns/syscall [%.1f, %.1f]\n", m, med(d1, R), lo1, hi1, med(d3, R), lo3, hi3, med(d2, R), med(d5, R), med(d4, R), lo4, hi4
    }
  }' "$work/runs"
echo "(raw lines in $work/runs)"
