#!/usr/bin/env bash
# Instructions per event per engine, with callgrind (PERFORMANCE.md 5.2).
#
#   bench/callgrind.sh [BENCH_BINARY] [peregrine-bench options...]
#
# Runs peregrine-bench once under callgrind with collection off at start; the bench builds its
# snapshot corpus and passes the correctness gate uninstrumented, then brackets one pass per
# engine with CALLGRIND_ZERO_STATS / TOGGLE_COLLECT / DUMP_STATS_AT. Prints Ir per event for
# every engine: VM and reference over the full indexed set, R1-R5 (VM, native, libsinsp) and
# libsinsp over the full set; libsinsp passes include decode, so the decode pass is subtracted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build-bench/bench/peregrine-bench}
[ $# -gt 0 ] && shift
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind not installed" >&2; exit 1; }
out=$(mktemp -d /tmp/pg-callgrind.XXXXXX)
pin=()
command -v taskset >/dev/null && pin=(taskset -c 1)
"${pin[@]}" valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/cg" \
  "$bin" --callgrind-pass=all "$@" >"$out/stdout" 2>"$out/stderr" || {
  echo "callgrind.sh: run failed; see $out" >&2
  tail -20 "$out/stdout" >&2
  exit 1
}
grep -E '^# (gate|full ruleset|event source)' "$out/stdout" || true
# name -> events from the bench's stdout; name -> Ir from each dump's trigger and totals.
for f in "$out"/cg.*; do
  name=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f" | head -1)
  ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p; s/^summary: *\([0-9]*\).*/\1/p' "$f" | head -1)
  [ -n "$name" ] && echo "$name $ir"
done >"$out/ir"
awk '
  FNR == NR { ir[$1] = $2; next }
  $1 == "callgrind-pass" && $3 == "events" { ev[$2] = $4; order[n++] = $2 }
  END {
    dec = ("decode" in ir && ev["decode"] > 0) ? ir["decode"] / ev["decode"] : -1
    printf "%-16s %14s %10s %14s\n", "pass", "Ir", "events", "Ir/event"
    for (i = 0; i < n; i++) {
      p = order[i]; if (!(p in ir)) continue
      per = ir[p] / ev[p]
      note = ""
      if (p ~ /^libsinsp/ && dec >= 0) { per = per - dec; note = "  (minus decode)" }
      val[p] = per
      printf "%-16s %14d %10d %14.1f%s\n", p, ir[p], ev[p], per, note
    }
    print ""
    if (("libsinsp" in val) && ("vm" in val) && val["vm"] > 0)
      printf "libsinsp / vm (full indexed set):   %6.2fx\n", val["libsinsp"] / val["vm"]
    if (("libsinsp-own-index" in val) && ("vm-sinsp-index" in val) && val["vm-sinsp-index"] > 0)
      printf "libsinsp / vm (libsinsp own index): %6.2fx\n", val["libsinsp-own-index"] / val["vm-sinsp-index"]
    if (("harness" in val) && ("vm" in val))
      printf "vm minus harness (loop + view set): %6.1f Ir/event\n", val["vm"] - val["harness"]
    if (("reference" in val) && ("vm" in val) && val["vm"] > 0)
      printf "reference / vm (full indexed set):  %6.2fx\n", val["reference"] / val["vm"]
    for (r = 1; r <= 5; r++) {
      v = "vm-r" r; nat = "native-r" r; s = "libsinsp-r" r
      line = sprintf("R%d:", r)
      if ((v in val) && (nat in val) && val[nat] > 0) line = line sprintf("  vm/native %5.2fx", val[v] / val[nat])
      if ((v in val) && (s in val) && val[v] > 0) line = line sprintf("  libsinsp/vm %6.2fx", val[s] / val[v])
      if ((nat in val) && (s in val) && val[nat] > 0) line = line sprintf("  libsinsp/native %6.2fx", val[s] / val[nat])
      print line
    }
  }' "$out/ir" "$out/stdout"
echo "(dumps and raw output in $out)"
