# scripts/bench.d/lib.sh - the build and callgrind helpers scripts/bench and its sections share. Not a section:
# scripts/bench sources it before its own sections (so every section may use what it defines), and it
# only defines functions, so that the section loop sourcing it again changes nothing.
#
#   build_timed <target>
#       configures $build (preset bench, $cxx, -march=native, no extra flags) and builds the target:
#       the binaries that are timed.
#   build_counted <target>
#       the same in $grind_build with -march=x86-64-v3 (valgrind cannot run AVX-512): the binaries
#       callgrind counts.
#   grind_instructions whole|calls <program> [arg...]
#       the instructions callgrind counts in one run of the program with the args: `whole` the whole
#       run (the summary: line), `calls` only what runs between the program's
#       CALLGRIND_START_INSTRUMENTATION and _STOP_ (--instr-atstart=no; the totals: line, since
#       summary: is then 0). The program's own output is discarded.
#   grind_per_call whole|calls <n1> <n2> <program> [arg...]
#       instructions per call, "%.1f": (I(n2) - I(n1)) / (n2 - n1), where I(n) counts one run of the
#       program with the args and then n (its number of calls): what a run does once cancels.
#   report_instr_ratio <key> <x> [<y>]
#       prints `<key> = R` (2 decimals) and `<key> exact = R` (4 decimals), R = x / y (y: 1 when
#       left out), and appends both lines to $results; the summary's checks read the exact line.

build_timed() {
  cmake --preset bench -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DWEFT_BENCH_ARCH=native -DWEFT_BENCH_EXTRA_FLAGS= >/dev/null
  cmake --build "$build" --target "$1"
}

build_counted() {
  cmake --preset bench -B "$grind_build" -DCMAKE_CXX_COMPILER="$cxx" -DWEFT_BENCH_ARCH=x86-64-v3 -DWEFT_BENCH_EXTRA_FLAGS= >/dev/null
  cmake --build "$grind_build" --target "$1"
}

grind_instructions() {
  local mode=$1 out
  shift
  [[ $mode == whole || $mode == calls ]] || { echo "grind_instructions: whole or calls, not $mode" >&2; return 2; }
  out=$(mktemp)
  if [[ $mode == calls ]]; then
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$@" >/dev/null 2>&1
    awk '/^totals:/ { print $2 }' "$out"  # with --instr-atstart=no, summary: is 0
  else
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>&1
    awk '/^summary:/ { print $2 }' "$out"
  fi
  rm -f "$out"
}

grind_per_call() {
  local mode=$1 n1=$2 n2=$3 a b
  shift 3
  a=$(grind_instructions "$mode" "$@" "$n1")
  b=$(grind_instructions "$mode" "$@" "$n2")
  awk -v a="$a" -v b="$b" -v n1="$n1" -v n2="$n2" 'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }'
}

report_instr_ratio() {
  awk -v k="$1" -v x="$2" -v y="${3:-1}" 'BEGIN { printf "%s = %.2f\n%s exact = %.4f\n", k, x / y, k, x / y }' |
    tee -a "$results"
}
