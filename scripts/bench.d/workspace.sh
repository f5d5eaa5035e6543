# scripts/bench.d/workspace.sh - section `workspace` of scripts/bench (issue 14, item 3): W1dyn with a
# weft::workspace against the same stages called by hand into preallocated buffers (bench/workspace.cpp).
#   1. bench/weft_bench_workspace (preset bench, -march=native), repetitions interleaved at random:
#      `ratio W1dyn-ws weft/hand = X` (target <= 1.03), `ratio W1dyn-ws plain/weft` (reported: what the
#      workspace saves), and `alloc W1dyn-ws weft = A per call` (heap allocations per call after the
#      first, every malloc counted; target 0).
#   2. callgrind in the -march=x86-64-v3 build ($grind_build), counting only the calls
#      (--instr-atstart=no): `instr W1dyn-ws weft/hand = X` (target <= 1.03).
# Sourced by scripts/bench, which defines banner, $build, $grind_build, $cxx, $quick and $results, and
# the callgrind helpers of scripts/bench.d/lib.sh.

banner "workspace: build weft_bench_workspace (preset bench, -march=native) into $build"
build_timed weft_bench_workspace
if ((quick)); then ws_reps=5; ws_min_time=0.05; else ws_reps=15; ws_min_time=0.2; fi
ws_log="$build/weft_bench_workspace.log"
banner "workspace: $build/bench/weft_bench_workspace --benchmark_repetitions=$ws_reps --benchmark_min_time=$ws_min_time"
"$build/bench/weft_bench_workspace" --benchmark_repetitions="$ws_reps" --benchmark_min_time="$ws_min_time" | tee "$ws_log"
grep -E '^(time|ratio|spread|alloc) ' "$ws_log" >>"$results"

banner "workspace: instructions per call, valgrind --tool=callgrind --instr-atstart=no, -march=x86-64-v3 build in $grind_build"
build_counted weft_bench_workspace
"$grind_build/bench/weft_bench_workspace" --verify
declare -A ws_per_call=()
for v in weft hand; do  # the calls only (lib.sh)
  ws_per_call[$v]=$(grind_per_call calls 1000 3000 "$grind_build/bench/weft_bench_workspace" --instr "$v")
  echo "instr W1dyn-ws $v = ${ws_per_call[$v]} per call" | tee -a "$results"
done
report_instr_ratio "instr W1dyn-ws weft/hand" "${ws_per_call[weft]}" "${ws_per_call[hand]}"
unset ws_per_call

summary_workspace() {
  check "ratio W1dyn-ws weft/hand" "$(median3 "W1dyn-ws weft/hand")" "<=" 1.03
  check "instr W1dyn-ws weft/hand" "$(figure "instr W1dyn-ws weft/hand exact")" "<=" 1.03
  check "alloc W1dyn-ws weft per call" "$(figure "alloc W1dyn-ws weft")" "<=" 0
  local r
  r=$(figure "ratio W1dyn-ws plain/weft")
  [[ -n $r ]] && printf '%-32s %6s  (reported: no workspace, each stage allocates)\n' "ratio W1dyn-ws plain/weft" "$r"
  r=$(figure "alloc W1dyn-ws plain")
  [[ -n $r ]] && printf '%-32s %6s  (reported)\n' "alloc W1dyn-ws plain per call" "$r"
  return 0
}
