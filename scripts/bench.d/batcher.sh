# scripts/bench.d/batcher.sh - weft::batcher (issue 14, item 4): bench/batcher.cpp.
# 1, 8 and 32 threads each call W2 (784 -> 256 -> 10) one sample at a time through one weft::batcher
# (max_batch 16, max_delay 500 us), against the same threads calling W2 directly and against
# hand-written batch code at the batch sizes the batcher formed (on every core), and against a
# batcher of a model that only copies (the queue's own cost); the four in random order per round,
# medians over rounds. Prints `ratio batcher32 batcher/ceiling = X`, `ratio batcher32
# batcher/direct = X` (answers per CPU-second of the process, getrusage; and for 1 and 8 callers),
# the same per wall-second (`ratio-wall ...`), CPU time per answer with its kernel share and context
# switches per answer (`time ...`), and `latency batcher<T> p50 = ..., p99 = ... (max_delay ...)`.
# Targets (32 callers): >= 0.7 of the ceiling, >= 1.5 of direct. Alone: scripts/bench --only batcher.
banner "batcher: build weft_bench_batcher (preset bench) into $build"
cmake --preset bench -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DWEFT_BENCH_ARCH=native -DWEFT_BENCH_EXTRA_FLAGS= >/dev/null
cmake --build "$build" --target weft_bench_batcher
if ((quick)); then batcher_rounds=3; batcher_seconds=0.3; else batcher_rounds=7; batcher_seconds=0.5; fi
banner "batcher: $build/bench/weft_bench_batcher --rounds $batcher_rounds --seconds $batcher_seconds"
"$build/bench/weft_bench_batcher" --rounds "$batcher_rounds" --seconds "$batcher_seconds" | tee "$build/weft_bench_batcher.log"
grep -E '^(ratio|ratio-wall|latency|time|share) batcher' "$build/weft_bench_batcher.log" >>"$results"

summary_batcher() {
  check "ratio batcher32 batcher/ceiling" "$(figure "ratio batcher32 batcher/ceiling")" ">=" 0.7
  check "ratio batcher32 batcher/direct" "$(figure "ratio batcher32 batcher/direct")" ">=" 1.5
  local t r
  for t in 1 8; do
    for r in ceiling direct; do
      printf '%-32s %6s  (reported)\n' "ratio batcher$t batcher/$r" "$(figure "ratio batcher$t batcher/$r")"
    done
  done
  for t in 1 8 32; do
    for r in ceiling direct; do
      printf '%-32s %6s  (reported; per wall-second)\n' "ratio-wall batcher$t batcher/$r" \
        "$(figure "ratio-wall batcher$t batcher/$r")"
    done
  done
  grep -E '^(time batcher32 (batcher|queue)|latency batcher)' "$results" | sed 's/^/  /' || true
}
