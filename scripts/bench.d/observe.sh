# scripts/bench.d/observe.sh - issue 15 item 4: observers cost nothing when off.
# Builds weft_bench_observe (bench/observe.cpp) with -march=x86-64-v3 into $grind_build (as the instr
# section does: valgrind cannot run AVX-512) and counts callgrind instructions per call of
#   plain  the W1 / W3 pipeline,
#   off    weft::observe(pipeline, weft::no_observer),
#   on     weft::observe(pipeline, table), a weft::timing_table (the price of observing: reported),
# each the difference of two runs (n1, n2 calls) over n2 - n1. Appends
#   instr W1 observed-off/plain = X   (target <= 1.005; and W3)
#   instr W1 observed-on/plain = X    (reported; and W3)
banner "observe: build weft_bench_observe (preset bench, -march=x86-64-v3) into $grind_build"
build_counted weft_bench_observe
"$grind_build/bench/weft_bench_observe" --verify
banner "observe: valgrind --tool=callgrind $grind_build/bench/weft_bench_observe --instr <W> <variant> <n>"
for w in W1 W3; do
  declare -A observe_per_call=()
  for v in plain off on; do  # the whole run (lib.sh)
    observe_per_call[$v]=$(grind_per_call whole 1000 3000 "$grind_build/bench/weft_bench_observe" --instr "$w" "$v")
    echo "instr observe $w $v = ${observe_per_call[$v]} per call" | tee -a "$results"
  done
  for v in off on; do
    awk -v w="$w" -v v="$v" -v x="${observe_per_call[$v]}" -v y="${observe_per_call[plain]}" \
      'BEGIN { printf "instr %s observed-%s/plain = %.3f\ninstr %s observed-%s/plain exact = %.4f\n", w, v, x / y, w, v, x / y }' |
      tee -a "$results"
  done
  unset observe_per_call
done

summary_observe() {
  check "instr W1 observed-off/plain" "$(figure "instr W1 observed-off/plain exact")" "<=" 1.005
  check "instr W3 observed-off/plain" "$(figure "instr W3 observed-off/plain exact")" "<=" 1.005
  local w r
  for w in W1 W3; do
    r=$(figure "instr $w observed-on/plain")
    [[ -n $r ]] && printf '%-32s %6s  (reported: a timing_table observing)\n' "instr $w observed-on/plain" "$r"
  done
}
