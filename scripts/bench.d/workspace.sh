# scripts/bench.d/workspace.sh - section `workspace` of scripts/bench (issue 14, item 3): W1dyn with a
# weft::workspace against the same stages called by hand into preallocated buffers (bench/workspace.cpp).
#   1. bench/weft_bench_workspace (preset bench, -march=native), repetitions interleaved at random:
#      `ratio W1dyn-ws weft/hand = X` (target <= 1.03), `ratio W1dyn-ws plain/weft` (reported: what the
#      workspace saves), and `alloc W1dyn-ws weft = A per call` (heap allocations per call after the
#      first, every malloc counted; target 0).
#   2. callgrind in the -march=x86-64-v3 build ($grind_build), counting only the calls
#      (--instr-atstart=no): `instr W1dyn-ws weft/hand = X` (target <= 1.03).
# Sourced by scripts/bench, which defines banner, $build, $grind_build, $cxx, $quick and $results.

banner "workspace: build weft_bench_workspace (preset bench, -march=native) into $build"
cmake --preset bench -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DWEFT_BENCH_ARCH=native -DWEFT_BENCH_EXTRA_FLAGS= >/dev/null
cmake --build "$build" --target weft_bench_workspace
if ((quick)); then ws_reps=5; ws_min_time=0.05; else ws_reps=15; ws_min_time=0.2; fi
ws_log="$build/weft_bench_workspace.log"
banner "workspace: $build/bench/weft_bench_workspace --benchmark_repetitions=$ws_reps --benchmark_min_time=$ws_min_time"
"$build/bench/weft_bench_workspace" --benchmark_repetitions="$ws_reps" --benchmark_min_time="$ws_min_time" | tee "$ws_log"
grep -E '^(time|ratio|spread|alloc) ' "$ws_log" >>"$results"

banner "workspace: instructions per call, valgrind --tool=callgrind --instr-atstart=no, -march=x86-64-v3 build in $grind_build"
cmake --preset bench -B "$grind_build" -DCMAKE_CXX_COMPILER="$cxx" -DWEFT_BENCH_ARCH=x86-64-v3 -DWEFT_BENCH_EXTRA_FLAGS= >/dev/null
cmake --build "$grind_build" --target weft_bench_workspace
"$grind_build/bench/weft_bench_workspace" --verify
ws_instructions() {  # variant calls -> instructions counted (the calls only)
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    "$grind_build/bench/weft_bench_workspace" --instr "$1" "$2" >/dev/null 2>&1
  awk '/^totals:/ { print $2 }' "$out"  # with --instr-atstart=no, summary: is 0
  rm -f "$out"
}
declare -A ws_per_call=()
for v in weft hand; do
  a=$(ws_instructions "$v" 1000)
  c=$(ws_instructions "$v" 3000)
  ws_per_call[$v]=$(awk -v a="$a" -v c="$c" 'BEGIN { printf "%.1f", (c - a) / 2000 }')
  echo "instr W1dyn-ws $v = ${ws_per_call[$v]} per call" | tee -a "$results"
done
awk -v x="${ws_per_call[weft]}" -v y="${ws_per_call[hand]}" \
  'BEGIN { printf "instr W1dyn-ws weft/hand = %.2f\ninstr W1dyn-ws weft/hand exact = %.4f\n", x / y, x / y }' |
  tee -a "$results"
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
