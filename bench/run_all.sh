#!/usr/bin/env bash
# Every measurement of bench/RESULTS.md, in order, logs into OUT (default /tmp/pg-bench-results).
#
#   bench/run_all.sh [OUT]
#
# Needs: build-bench/ (Release, PEREGRINE_BUILD_BENCH=ON; peregrine-bench and
# peregrine-bench-switch) and build/ (the scripts/test.sh configuration with capture:
# peregrinec, capture/bench_decode, capture/live/pg_live_bench, capture/peregrine); valgrind;
# root and sysdig for the live and replay parts. Takes about 8 minutes on the 2-vCPU machine.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
out=${1:-/tmp/pg-bench-results}
mkdir -p "$out"
B=build-bench/bench
R=../shared/falco-rules
pin=(taskset -c 1)
log() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$out/commands.txt"; }

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "head: $(git rev-parse --short HEAD) ($(git log -1 --format=%s))"
  echo "dirty: $(git status --short -- . ':!bench' | tr '\n' ' ')"
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), kernel $(uname -r)"
  echo "load: $(cat /proc/loadavg)"
} >"$out/env.txt"

# 0. Correctness gate on the synthetic corpus too (generic dup2/dup3/accept4 events exercise the
#    per-syscall index codes, which the captures' generic events never hit).
log "synthetic gate"; "${pin[@]}" $B/peregrine-bench --synthetic --reps=3 --no-compile >"$out/synthetic.txt"

# 1. Paired repetitions, computed goto, per corpus (with compile/validation on `all`).
log "paired all";  "${pin[@]}" $B/peregrine-bench --reps=21 --corpus=all >"$out/paired-all.txt"
log "paired main"; "${pin[@]}" $B/peregrine-bench --reps=21 --corpus=main --no-compile >"$out/paired-main.txt"
log "paired psp";  "${pin[@]}" $B/peregrine-bench --reps=21 --corpus=psp --no-compile >"$out/paired-psp.txt"

# 2. Goto vs switch: separate binaries, so alternated (3 x 11 repetitions each).
for i in 1 2 3; do
  log "goto $i";   "${pin[@]}" $B/peregrine-bench --reps=11 --no-compile --summary | tail -1 >>"$out/goto-vs-switch.txt"
  log "switch $i"; "${pin[@]}" $B/peregrine-bench-switch --reps=11 --no-compile --summary | tail -1 | sed 's/^/switch /' >>"$out/goto-vs-switch.txt"
done

# 3. Instructions per event (callgrind; deterministic).
log "callgrind all";    bench/callgrind.sh $B/peregrine-bench >"$out/cg-all.txt" 2>&1
log "callgrind main";   bench/callgrind.sh $B/peregrine-bench --corpus=main >"$out/cg-main.txt" 2>&1
log "callgrind psp";    bench/callgrind.sh $B/peregrine-bench --corpus=psp >"$out/cg-psp.txt" 2>&1
log "callgrind switch"; bench/callgrind.sh $B/peregrine-bench-switch >"$out/cg-switch.txt" 2>&1

# 4. Google Benchmark suites (ns_per_event, events_per_s, ratios to the same run's baselines).
log "gbench"
"${pin[@]}" $B/peregrine-bench --gbench --benchmark_repetitions=11 \
  --benchmark_enable_random_interleaving=true --benchmark_min_time=0.05 \
  --benchmark_color=false >"$out/gbench.txt" 2>&1

# 5. peregrinec validate on the three official files: CPU time (perf stat task-clock, 21 runs)
#    and peak RSS (/usr/bin/time -v, 5 runs).
log "validate perf stat"
"${pin[@]}" perf stat -r 21 -e task-clock build/compiler/peregrinec validate $R/falco_rules.yaml \
  $R/falco-incubating_rules.yaml $R/falco-sandbox_rules.yaml 2>"$out/validate-perf.txt" >/dev/null
for i in 1 2 3 4 5; do
  log "validate $i"
  /usr/bin/time -v "${pin[@]}" build/compiler/peregrinec validate $R/falco_rules.yaml \
    $R/falco-incubating_rules.yaml $R/falco-sandbox_rules.yaml >>"$out/validate.txt" 2>&1
done

# 6. Decode + state (our capture side), in memory.
log "bench_decode"; "${pin[@]}" build/capture/bench_decode >"$out/bench_decode.txt" 2>&1

# 7. Live probe cost (pg_live_bench: baseline / probe not selected / selected + consumed).
log "pg_live_bench open";    build/capture/live/pg_live_bench -w open -s -p -n 300000 -k 5 >"$out/live-open.txt" 2>&1
log "pg_live_bench connect"; build/capture/live/pg_live_bench -w connect -s -p -n 100000 -k 5 >"$out/live-connect.txt" 2>&1

# 8. peregrine run live, end to end.
log "live_overhead"; bench/live_overhead.sh -n 100000 -k 7 >"$out/live-overhead.txt" 2>&1

# 9. Replay, whole process: peregrine trace / run against sysdig 0.29.3 on a fresh live capture
#    with the official rules' expanded conditions OR'ed into one filter.
log "replay_vs_sysdig"; bench/replay_vs_sysdig.sh -k 5 >"$out/replay-vs-sysdig.txt" 2>&1
log "done"
