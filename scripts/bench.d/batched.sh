# scripts/bench.d/batched.sh - issue 14 item 2: weft::batched of a batch-native sequence (W2, batch 256)
# against hand-written matrix-matrix Eigen code (bench/batch_native.cpp): "hand" the same stages
# called by hand (weft's own cost: targets <= 1.03 in time, the median over interleaved rounds, and
# in instructions per call, callgrind in the -march=x86-64-v3 build counting the calls only), "fused"
# the layers fused into one function (the user's total: reported).
banner "batched: build weft_bench_batch_native (preset bench, -march=native) into $build"
cmake --preset bench -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DWEFT_BENCH_ARCH=native -DWEFT_BENCH_EXTRA_FLAGS= >/dev/null
cmake --build "$build" --target weft_bench_batch_native
if ((quick)); then batched_reps=5; batched_min=0.05; else batched_reps=15; batched_min=0.2; fi
banner "batched: $build/bench/weft_bench_batch_native --benchmark_repetitions=$batched_reps --benchmark_min_time=$batched_min"
"$build/bench/weft_bench_batch_native" --benchmark_repetitions="$batched_reps" --benchmark_min_time="$batched_min" |
  tee "$build/weft_bench_batch_native.log"
grep -E '^(time|ratio|spread) ' "$build/weft_bench_batch_native.log" >>"$results"

banner "batched: instructions per call, valgrind --tool=callgrind --instr-atstart=no, -march=x86-64-v3 build in $grind_build"
cmake --preset bench -B "$grind_build" -DCMAKE_CXX_COMPILER="$cxx" -DWEFT_BENCH_ARCH=x86-64-v3 -DWEFT_BENCH_EXTRA_FLAGS= >/dev/null
cmake --build "$grind_build" --target weft_bench_batch_native
"$grind_build/bench/weft_bench_batch_native" --verify
batched_instructions() {  # variant calls -> instructions counted (the calls only)
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    "$grind_build/bench/weft_bench_batch_native" --instr W2b256 "$1" "$2" >/dev/null 2>&1
  awk '/^totals:/ { print $2 }' "$out"
  rm -f "$out"
}
declare -A batched_per_call=()
for v in batched hand fused; do
  a=$(batched_instructions "$v" 2)
  c=$(batched_instructions "$v" 6)
  batched_per_call[$v]=$(awk -v a="$a" -v c="$c" 'BEGIN { printf "%.1f", (c - a) / 4 }')
  echo "instr W2b256 $v = ${batched_per_call[$v]} per call" | tee -a "$results"
done
for base in hand fused; do
  awk -v x="${batched_per_call[batched]}" -v y="${batched_per_call[$base]}" -v b="$base" \
    'BEGIN { printf "instr W2b256 batched/%s = %.2f\ninstr W2b256 batched/%s exact = %.4f\n", b, x / y, b, x / y }' |
    tee -a "$results"
done
unset batched_per_call

summary_batched() {
  check "ratio W2b256 batched/hand" "$(median3 "W2b256 batched/hand")" "<=" 1.03
  check "instr W2b256 batched/hand" "$(figure "instr W2b256 batched/hand exact")" "<=" 1.03
  printf '%-32s %6s  (reported; instr %s)\n' "ratio W2b256 batched/fused" "$(median3 "W2b256 batched/fused")" \
    "$(figure "instr W2b256 batched/fused exact")"
}
