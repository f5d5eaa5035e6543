# scripts/bench.d/batched.sh - issue 14 item 2: weft::batched of a batch-native sequence (W2, batch 256)
# against hand-written matrix-matrix Eigen code (bench/batch_native.cpp): "hand" the same stages
# called by hand (weft's own cost: targets <= 1.03 in time, the median over interleaved rounds, and
# in instructions per call, callgrind in the -march=x86-64-v3 build counting the calls only), "fused"
# the layers fused into one function (the user's total: reported).
banner "batched: build weft_bench_batch_native (preset bench, -march=native) into $build"
build_timed weft_bench_batch_native
if ((quick)); then batched_reps=5; batched_min=0.05; else batched_reps=15; batched_min=0.2; fi
banner "batched: $build/bench/weft_bench_batch_native --benchmark_repetitions=$batched_reps --benchmark_min_time=$batched_min"
"$build/bench/weft_bench_batch_native" --benchmark_repetitions="$batched_reps" --benchmark_min_time="$batched_min" |
  tee "$build/weft_bench_batch_native.log"
grep -E '^(time|ratio|spread) ' "$build/weft_bench_batch_native.log" >>"$results"

banner "batched: instructions per call, valgrind --tool=callgrind --instr-atstart=no, -march=x86-64-v3 build in $grind_build"
build_counted weft_bench_batch_native
"$grind_build/bench/weft_bench_batch_native" --verify
declare -A batched_per_call=()
for v in batched hand fused; do  # the calls only (lib.sh)
  batched_per_call[$v]=$(grind_per_call calls 2 6 "$grind_build/bench/weft_bench_batch_native" --instr W2b256 "$v")
  echo "instr W2b256 $v = ${batched_per_call[$v]} per call" | tee -a "$results"
done
for base in hand fused; do
  report_instr_ratio "instr W2b256 batched/$base" "${batched_per_call[batched]}" "${batched_per_call[$base]}"
done
unset batched_per_call

summary_batched() {
  check "ratio W2b256 batched/hand" "$(median3 "W2b256 batched/hand")" "<=" 1.03
  check "instr W2b256 batched/hand" "$(figure "instr W2b256 batched/hand exact")" "<=" 1.03
  printf '%-32s %6s  (reported; instr %s)\n' "ratio W2b256 batched/fused" "$(median3 "W2b256 batched/fused")" \
    "$(figure "instr W2b256 batched/fused exact")"
}
