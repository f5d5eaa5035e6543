# scripts/bench.d/serve.sh - weft::serve under load (issue 17, item 5): bench/serve_load.cpp.
# One process serves W1 and examples/digits' composition over the Open Inference Protocol on
# 127.0.0.1 (keep-alive); 4 client threads send SERVE_REQUESTS (default 20000; 2000 with --quick)
# requests per model, each answer checked against the pipeline called in-process. Prints
# `rps serve-<model> = X` and `latency serve-<model> p50 = A ms, p99 = B ms`, and the machine's
# load average before the run; the summary checks that no request was lost or answered wrongly
# (the program exits 1 otherwise, which stops scripts/bench). Needs the serve component (bench
# preset, WEFT_WITH_SERVE) and the digits data (scripts/fetch-digits). Alone: scripts/bench --only serve.
banner "serve: build weft_bench_serve_load (preset bench) into $build"
build_timed weft_bench_serve_load
serve_csv="$(scripts/fetch-digits "$build/_data")"
if ((quick)); then serve_requests=2000; else serve_requests="${SERVE_REQUESTS:-20000}"; fi
banner "serve: $build/bench/weft_bench_serve_load --threads 4 --requests $serve_requests --digits $serve_csv"
printf 'load average before the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" | tee "$build/weft_bench_serve_load.log"
"$build/bench/weft_bench_serve_load" --threads 4 --requests "$serve_requests" --digits "$serve_csv" |
  tee -a "$build/weft_bench_serve_load.log"
grep -E '^(rps|latency) serve-' "$build/weft_bench_serve_load.log" >>"$results"
grep -E '^serve [a-z0-9]+: .* lost, ' "$build/weft_bench_serve_load.log" |
  sed -E 's/^serve ([a-z0-9]+): .*; ([0-9]+) lost, ([0-9]+) wrong$/lost serve-\1 = \2\nwrong serve-\1 = \3/' >>"$results"

summary_serve() {
  local m
  for m in w1 digits; do
    check "lost serve-$m" "$(figure "lost serve-$m")" "<=" 0
    check "wrong serve-$m" "$(figure "wrong serve-$m")" "<=" 0
    printf '%-32s %8s  (reported; requests/s)\n' "rps serve-$m" "$(figure "rps serve-$m")"
    grep -E "^latency serve-$m " "$results" | sed 's/^/  /' || true
  done
}
