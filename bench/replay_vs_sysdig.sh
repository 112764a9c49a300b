#!/usr/bin/env bash
# Replay throughput, whole process: Peregrine against sysdig 0.29.3 on the same capture.
#
#   bench/replay_vs_sysdig.sh [-k ROUNDS] [-c CAPTURE.scap] [-s SHARED_DIR]
#
# Without -c it records a capture live first (root): `peregrine trace -M 4 -w` (every event)
# while bench/live_overhead.c's syscall mix, a loop of short-lived shells and file reads run.
#
# The filter: the three official rules files, every rule's condition with macros, lists and
# exceptions expanded and fully parenthesised (`peregrinec expand`), keeping the rules whose
# expanded condition sysdig 0.29.3 accepts (the others use later fields or syntax), OR'ed into
# one filter. Timed, in rotating order per round, CPU time (user+sys, /usr/bin/time):
#   sysdig      sysdig -r CAPTURE FILTER              (prints the matching events)
#   trace       peregrine trace -r CAPTURE FILTER     (the same filter, the same output)
#   run         peregrine run -r the same rules as a .pgb -e CAPTURE (alerts, rules kept apart)
#   sysdig-0    sysdig -r CAPTURE evt.num=0            (decode/state only: no event matches)
#   trace-0     peregrine trace -r CAPTURE evt.num=0
# each also on a one-event capture (startup: reading the rules, compiling the filter), which is
# subtracted for the per-event figures; prints medians, ns/event and the ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
rounds=5
cap=""
shared=${PEREGRINE_SHARED:-$root/../shared}
while getopts "k:c:s:" o; do
  case $o in
    k) rounds=$OPTARG ;;
    c) cap=$OPTARG ;;
    s) shared=$OPTARG ;;
    *) sed -n 2,20p "$0" >&2; exit 2 ;;
  esac
done
pg=$root/build/capture/peregrine
pgc=$root/build/compiler/peregrinec
for b in "$pg" "$pgc"; do
  [ -x "$b" ] || { echo "replay_vs_sysdig.sh: $b not built" >&2; exit 1; }
done
command -v sysdig >/dev/null || { echo "replay_vs_sysdig.sh: sysdig not installed" >&2; exit 1; }
tmp=$(mktemp -d /tmp/pg-replay.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rules=()
for f in falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml; do
  rules+=("$shared/falco-rules/$f")
done

if [ -z "$cap" ]; then
  [ "$(id -u)" = 0 ] || { echo "replay_vs_sysdig.sh: recording needs root; use -c" >&2; exit 1; }
  cc -O2 -o "$tmp/workload" "$here/live_overhead.c"
  cap=$tmp/live.scap
  "$pg" trace -M 10 -w "$cap" 2>"$tmp/trace.err" &
  tpid=$!
  until grep -q "capture started" "$tmp/trace.err" 2>/dev/null; do sleep 0.05; done
  "$tmp/workload" 150000 >/dev/null 2>&1 &
  # Process churn and a few reads the official rules flag (/etc/shadow by cat).
  for _ in $(seq 300); do
    sh -c 'cat /etc/hostname /etc/os-release >/dev/null; ls / >/dev/null; cat /etc/shadow >/dev/null'
  done
  wait "$tpid" || true
  wait || true
fi
events=$(sysdig -r "$cap" -p "%evt.num" 'evt.num>0' | tail -1)
echo "capture: $cap ($(du -h "$cap" | cut -f1), $events events as sysdig numbers them)"

# The filter sysdig accepts.
"$pgc" expand "${rules[@]}" >"$tmp/expanded.tsv"
small=$shared/captures/cat_write.scap
accepted=0
total=0
: >"$tmp/filter"
: >"$tmp/accepted.yaml"
while IFS=$'\t' read -r name cond; do
  total=$((total + 1))
  if sysdig -r "$small" "$cond" >/dev/null 2>&1; then
    accepted=$((accepted + 1))
    if [ -s "$tmp/filter" ]; then printf ' or ' >>"$tmp/filter"; fi
    printf '(%s)' "$cond" >>"$tmp/filter"
    # The same rule, alone, for peregrine run (expanded text: no macros or lists needed).
    {
      printf -- '- rule: "%s"\n  desc: d\n  condition: |-\n    %s\n' "${name//\"/\\\"}" "$cond"
      printf '  output: "%s"\n  priority: WARNING\n' "${name//\"/\\\"} %proc.name %fd.name"
    } >>"$tmp/accepted.yaml"
  fi
done <"$tmp/expanded.tsv"
filter=$(cat "$tmp/filter")
echo "rules: $accepted of $total official rules accepted by sysdig 0.29.3; filter ${#filter} bytes"
"$pgc" compile "$tmp/accepted.yaml" -o "$tmp/accepted.pgb" >/dev/null

cpu() {  # prints the CPU seconds (task-clock) of the command
  perf stat -x, -e task-clock -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || {
    echo "failed: $*" >&2
    cat "$tmp/err" >&2
    exit 1
  }
  awk -F, '/task-clock/ {printf "%.4f\n", $1 / 1000}' "$tmp/t"
}
# Startup (reading rules, compiling the filter) is measured on a one-event capture and
# subtracted: the per-event figures are replay costs.
tiny=$tmp/tiny.scap
"$pg" trace -r "$cap" -n 1 -w "$tiny"
modes=(sysdig trace run sysdig-0 trace-0 sysdig-start trace-start run-start sysdig-0-start
  trace-0-start)
declare -A res
for ((r = 0; r < rounds; r++)); do
  for ((i = 0; i < ${#modes[@]}; i++)); do
    m=${modes[$(((i + r) % ${#modes[@]}))]}
    case $m in
      sysdig) t=$(cpu taskset -c 1 sysdig -r "$cap" "$filter") ;;
      trace) t=$(cpu taskset -c 1 "$pg" trace -r "$cap" "$filter") ;;
      run) t=$(cpu taskset -c 1 "$pg" run -r "$tmp/accepted.pgb" -e "$cap" -o rule_matching=all) ;;
      sysdig-0) t=$(cpu taskset -c 1 sysdig -r "$cap" evt.num=0) ;;
      trace-0) t=$(cpu taskset -c 1 "$pg" trace -r "$cap" evt.num=0) ;;
      sysdig-start) t=$(cpu taskset -c 1 sysdig -r "$tiny" "$filter") ;;
      trace-start) t=$(cpu taskset -c 1 "$pg" trace -r "$tiny" "$filter") ;;
      run-start) t=$(cpu taskset -c 1 "$pg" run -r "$tmp/accepted.pgb" -e "$tiny" -o rule_matching=all) ;;
      sysdig-0-start) t=$(cpu taskset -c 1 sysdig -r "$tiny" evt.num=0) ;;
      trace-0-start) t=$(cpu taskset -c 1 "$pg" trace -r "$tiny" evt.num=0) ;;
    esac
    res[$m]="${res[$m]:-} $t"
  done
done
# The outputs agree: the same events match the filter in both tools.
sysdig -r "$cap" -p "%evt.num" "$filter" >"$tmp/s.txt"
"$pg" trace -r "$cap" -p "%evt.num" "$filter" >"$tmp/p.txt"
if cmp -s "$tmp/s.txt" "$tmp/p.txt"; then same=yes; else same="NO ($(wc -l <"$tmp/s.txt") vs $(wc -l <"$tmp/p.txt") lines)"; fi
echo "matching events: $(wc -l <"$tmp/s.txt"); identical evt.num lists: $same"
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf "%-13s %10s   %s\n" mode "cpu s" "runs"
for m in "${modes[@]}"; do
  med=$(echo "${res[$m]}" | median)
  declare "med_${m//-/_}=$med"
  printf "%-13s %10s  %s\n" "$m" "$med" "${res[$m]}"
done
per() { echo "($1 - $2) * 1000000000 / $events" | bc -l; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
s_f=$(per "$med_sysdig" "$med_sysdig_start")
p_f=$(per "$med_trace" "$med_trace_start")
p_r=$(per "$med_run" "$med_run_start")
s_0=$(per "$med_sysdig_0" "$med_sysdig_0_start")
p_0=$(per "$med_trace_0" "$med_trace_0_start")
printf "replay ns/event (startup subtracted): sysdig %.0f, peregrine trace %.0f, peregrine run %.0f\n" "$s_f" "$p_f" "$p_r"
printf "decode+state only (evt.num=0):        sysdig %.0f, peregrine trace %.0f\n" "$s_0" "$p_0"
printf "startup: sysdig %s s, peregrine trace %s s, peregrine run (.pgb) %s s\n" "$med_sysdig_start" "$med_trace_start" "$med_run_start"
echo "sysdig / peregrine trace, same filter, whole process:  $(ratio "$med_sysdig" "$med_trace")x"
echo "sysdig / peregrine run (rules), whole process:         $(ratio "$med_sysdig" "$med_run")x"
echo "sysdig / peregrine trace, per event:                   $(ratio "$s_f" "$p_f")x"
echo "sysdig / peregrine run, per event:                     $(ratio "$s_f" "$p_r")x"
echo "sysdig / peregrine trace, decode+state per event:      $(ratio "$s_0" "$p_0")x"
