# scripts/bench.d/any_model.sh - section `any_model` of scripts/bench (issue 16, item 1): W1 held in a
# weft::any_model<vec<64>, vec<10>> against the typed W1 pipeline (bench/any_model.cpp). The one
# indirect call per invocation is the expected cost; both figures are reported, not targets.
#   1. bench/weft_bench_any_model (preset bench, -march=native), repetitions interleaved at random:
#      `ratio W1 any/typed = X` (time; the median over rounds of the two variants' times in one round).
#   2. callgrind in the -march=x86-64-v3 build ($grind_build), counting only the calls
#      (--instr-atstart=no): `instr W1 any/typed = X`.
# Sourced by scripts/bench, which defines banner, $build, $grind_build, $cxx, $quick and $results.

banner "any_model: build weft_bench_any_model (preset bench, -march=native) into $build"
cmake --preset bench -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DWEFT_BENCH_ARCH=native -DWEFT_BENCH_EXTRA_FLAGS= >/dev/null
cmake --build "$build" --target weft_bench_any_model
if ((quick)); then any_reps=5; any_min_time=0.05; else any_reps=15; any_min_time=0.2; fi
any_log="$build/weft_bench_any_model.log"
banner "any_model: $build/bench/weft_bench_any_model --benchmark_repetitions=$any_reps --benchmark_min_time=$any_min_time"
"$build/bench/weft_bench_any_model" --benchmark_repetitions="$any_reps" --benchmark_min_time="$any_min_time" |
  tee "$any_log"
grep -E '^(time|ratio|spread|stored) ' "$any_log" >>"$results"

banner "any_model: instructions per call, valgrind --tool=callgrind --instr-atstart=no, -march=x86-64-v3 build in $grind_build"
cmake --preset bench -B "$grind_build" -DCMAKE_CXX_COMPILER="$cxx" -DWEFT_BENCH_ARCH=x86-64-v3 -DWEFT_BENCH_EXTRA_FLAGS= >/dev/null
cmake --build "$grind_build" --target weft_bench_any_model
"$grind_build/bench/weft_bench_any_model" --verify
any_instructions() {  # variant calls -> instructions counted (the calls only)
  local out
  out=$(mktemp)
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    "$grind_build/bench/weft_bench_any_model" --instr "$1" "$2" >/dev/null 2>&1
  awk '/^totals:/ { print $2 }' "$out"  # with --instr-atstart=no, summary: is 0
  rm -f "$out"
}
declare -A any_per_call=()
for v in typed any; do
  a=$(any_instructions "$v" 1000)
  c=$(any_instructions "$v" 3000)
  any_per_call[$v]=$(awk -v a="$a" -v c="$c" 'BEGIN { printf "%.1f", (c - a) / 2000 }')
  echo "instr W1-any $v = ${any_per_call[$v]} per call" | tee -a "$results"
done
awk -v x="${any_per_call[any]}" -v y="${any_per_call[typed]}" \
  'BEGIN { printf "instr W1 any/typed = %.3f\ninstr W1 any/typed exact = %.4f\n", x / y, x / y }' |
  tee -a "$results"
unset any_per_call

summary_any_model() {
  local r
  r=$(median3 "W1 any/typed")
  [[ -n $r ]] && printf '%-32s %6s  (reported: the one indirect call)\n' "ratio W1 any/typed" "$r"
  r=$(figure "instr W1 any/typed")
  [[ -n $r ]] && printf '%-32s %6s  (reported)\n' "instr W1 any/typed" "$r"
  return 0
}
