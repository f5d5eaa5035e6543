// bench/weft_bench.cpp - DESIGN.md section 8 measured: every workload of bench/workloads.hpp as a weft
// pipeline, beside the same stages called by hand (baseline a), fused hand-written Eigen (baseline b)
// and std::function glue (W6), in ONE translation unit: the large unit whose inlining budget the
// design must not depend on. W1dyn (bench/w1dyn.cpp) has its own unit, so that adding it leaves this
// unit, and the inliner's decisions in it, as they were.
//
// Usage:
//   weft_bench [google-benchmark flags]   verify, then time every variant and print the figures:
//                                           time W1 weft = 150.1 ns cpu (real 150.3 ns)   (medians)
//                                           ratio W1 weft/hand = 1.01   (median over rounds, below)
//                                           spread W1 weft/hand = <quartiles of the rounds' ratios>
//   weft_bench --verify                   only check that every variant gives the same outputs
//   weft_bench --instr <W> <variant> <n>  call one variant n times over the pool and exit (for
//                                         valgrind --tool=callgrind: instructions per call are the
//                                         difference of two runs over the difference of their n)
//   weft_bench --list                     the workload/variant pairs --instr accepts
// Exits 1 when the variants disagree (max |diff| >= 1e-5), 2 on a bad command line.
#include "workloads.hpp"

#include <benchmark/benchmark.h>

#include "call_loops.hpp"
#include "round_reporter.hpp"
#include "w1dyn.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace weft_bench;

// ---------------------------------------------------------------------------------------------
// The workloads, built once
// ---------------------------------------------------------------------------------------------
struct all_workloads {
  w1_workload w1;
  w2_workload<1> w2b1;
  w2_workload<Eigen::Dynamic> w2b256;
  w3_workload w3;
  w4_workload w4;
  w5_workload w5;
};

const all_workloads& workloads() {
  static const auto w = std::make_unique<all_workloads>();
  return *w;
}

// A variant: the workload's pool and the call, usable by the timing loop and the counting loop
// (bench/call_loops.hpp: the next pool input, the call, the answer kept).
#define WEFT_BENCH_VARIANT(W, V, POOL, CALL)                                                         \
  struct W##_##V {                                                                                   \
    static const auto& pool() { return workloads().W.POOL; }                                         \
    static auto call() {                                                                             \
      const auto& w = workloads().W;                                                                 \
      return [&w](const auto& x) { return CALL; };                                                   \
    }                                                                                                \
  };

WEFT_BENCH_VARIANT(w1, weft, pool, w.weft(x))
WEFT_BENCH_VARIANT(w1, hand, pool, w.hand(x))
WEFT_BENCH_VARIANT(w1, fused, pool, w.fused(x))
WEFT_BENCH_VARIANT(w1, glue, glue_pool, run_glue(w.glue, x))
WEFT_BENCH_VARIANT(w2b1, weft, pool, w.weft(x))
WEFT_BENCH_VARIANT(w2b1, hand, pool, w.hand(x))
WEFT_BENCH_VARIANT(w2b1, fused, pool, w.fused(x))
WEFT_BENCH_VARIANT(w2b256, weft, pool, w.weft(x))
WEFT_BENCH_VARIANT(w2b256, hand, pool, w.hand(x))
WEFT_BENCH_VARIANT(w2b256, fused, pool, w.fused(x))
WEFT_BENCH_VARIANT(w3, weft, pool, w.weft(x))
WEFT_BENCH_VARIANT(w3, hand, pool, w.hand(x))
WEFT_BENCH_VARIANT(w3, fused, pool, w.fused(x))
WEFT_BENCH_VARIANT(w3, glue, glue_pool, w.glue_call(x))
WEFT_BENCH_VARIANT(w4, weft, pool, w.weft(x))
WEFT_BENCH_VARIANT(w4, hand, pool, w.hand(x))
WEFT_BENCH_VARIANT(w4, fused, pool, w.fused(x))
WEFT_BENCH_VARIANT(w5, weft, pool, w.weft(x))
WEFT_BENCH_VARIANT(w5, hand, pool, w.hand(x))
WEFT_BENCH_VARIANT(w5, fused, pool, w.fused(x))

template <class V>
void bm(benchmark::State& state) {
  time_loop<keep::answer>(state, V::pool(), V::call());
}

template <class V>
void count(long calls) {
  count_loop<keep::answer>(V::pool(), V::call(), calls);
}

struct variant_entry {
  const char* workload;  // "W1", "W2b1", ...
  const char* variant;   // "weft", "hand", "fused", "glue"
  void (*timed)(benchmark::State&);
  void (*counted)(long);
};

#define WEFT_BENCH_ENTRY(W, NAME, V) {NAME, #V, &bm<W##_##V>, &count<W##_##V>}

// Registration order is the run order (random interleaving of repetitions is on by default in main).
const variant_entry entries[] = {
    WEFT_BENCH_ENTRY(w1, "W1", weft),       WEFT_BENCH_ENTRY(w1, "W1", hand),
    WEFT_BENCH_ENTRY(w1, "W1", fused),      WEFT_BENCH_ENTRY(w1, "W1", glue),
    {"W1dyn", "weft", &w1dyn_timed_weft, &w1dyn_counted_weft},
    {"W1dyn", "hand", &w1dyn_timed_hand, &w1dyn_counted_hand},
    {"W1dyn", "fused", &w1dyn_timed_fused, &w1dyn_counted_fused},
    WEFT_BENCH_ENTRY(w2b1, "W2b1", weft),   WEFT_BENCH_ENTRY(w2b1, "W2b1", hand),
    WEFT_BENCH_ENTRY(w2b1, "W2b1", fused),  WEFT_BENCH_ENTRY(w2b256, "W2b256", weft),
    WEFT_BENCH_ENTRY(w2b256, "W2b256", hand), WEFT_BENCH_ENTRY(w2b256, "W2b256", fused),
    WEFT_BENCH_ENTRY(w3, "W3", weft),       WEFT_BENCH_ENTRY(w3, "W3", hand),
    WEFT_BENCH_ENTRY(w3, "W3", fused),      WEFT_BENCH_ENTRY(w3, "W3", glue),
    WEFT_BENCH_ENTRY(w4, "W4", weft),       WEFT_BENCH_ENTRY(w4, "W4", hand),
    WEFT_BENCH_ENTRY(w4, "W4", fused),      WEFT_BENCH_ENTRY(w5, "W5", weft),
    WEFT_BENCH_ENTRY(w5, "W5", hand),       WEFT_BENCH_ENTRY(w5, "W5", fused),
};

// ---------------------------------------------------------------------------------------------
// Verification: every variant gives the same outputs on the whole pool
// ---------------------------------------------------------------------------------------------
constexpr double tolerance = 1e-5;

// Compares every variant of one workload with its weft output, input by input.
template <class W>
bool verify(const char* name, const W& w, const std::vector<Eigen::VectorXf>* glue_pool = nullptr,
            Eigen::VectorXf (*glue)(const W&, const Eigen::VectorXf&) = nullptr) {
  double hand = 0, fused = 0, glued = 0;
  for (std::size_t i = 0; i < w.pool.size(); ++i) {
    const auto y = w.weft(w.pool[i]);
    hand = std::max(hand, max_abs_diff(y, w.hand(w.pool[i])));
    fused = std::max(fused, max_abs_diff(y, w.fused(w.pool[i])));
    if (glue != nullptr) glued = std::max(glued, max_abs_diff(y, glue(w, (*glue_pool)[i])));
  }
  const bool ok = hand < tolerance && fused < tolerance && glued < tolerance;
  std::printf("verify %-6s max|weft-hand| = %.3g  max|weft-fused| = %.3g", name, hand, fused);
  if (glue != nullptr) std::printf("  max|weft-glue| = %.3g", glued);
  std::printf("  %s\n", ok ? "ok" : "MISMATCH");
  return ok;
}

bool verify_all() {
  const auto& w = workloads();
  bool ok = true;
  ok &= verify("W1", w.w1, &w.w1.glue_pool,
               +[](const w1_workload& x, const Eigen::VectorXf& v) { return run_glue(x.glue, v); });
  ok &= w1dyn_verify();
  ok &= verify("W2b1", w.w2b1);
  ok &= verify("W2b256", w.w2b256);
  ok &= verify("W3", w.w3, &w.w3.glue_pool,
               +[](const w3_workload& x, const Eigen::VectorXf& v) { return x.glue_call(v); });
  ok &= verify("W4", w.w4);
  ok &= verify("W5", w.w5);
  // W4 must really take the fallback path on 1% of the pool.
  std::size_t second = 0;
  for (const auto& x : w.w4.pool) second += weft::answered(w.w4.pipeline, x).branch == 1 ? 1 : 0;
  const bool one_percent = second * 100 == w.w4.pool.size();
  std::printf("verify W4     secondary answered %zu of %zu inputs  %s\n", second, w.w4.pool.size(),
              one_percent ? "ok" : "WRONG");
  return ok && one_percent;
}

std::string bench_name(const char* workload, const char* variant) { return std::string(workload) + "/" + variant; }

void print_figures(const round_reporter& rep) {
  std::printf("\n");
  for (const auto& e : entries) print_time(rep, e.workload, e.variant);
  std::vector<ratio_of> ratios;
  for (const char* w : {"W1", "W1dyn", "W2b1", "W2b256", "W3", "W4", "W5"}) ratios.push_back({w, "weft", "hand"});
  for (const char* w : {"W1", "W1dyn", "W2b1", "W2b256", "W3", "W4", "W5"}) ratios.push_back({w, "weft", "fused"});
  ratios.push_back({"W1", "glue", "weft"});
  ratios.push_back({"W3", "glue", "weft"});
  print_ratios(rep, ratios);
}

int usage() {
  std::fprintf(stderr,
               "usage: weft_bench [--verify | --list | --instr <workload> <variant> <calls> | benchmark flags]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const auto& e : entries) std::printf("%s %s\n", e.workload, e.variant);
    return 0;
  }
  if (argc >= 2 && std::strcmp(argv[1], "--instr") == 0) {
    if (argc != 5) return usage();
    const long calls = std::atol(argv[4]);
    for (const auto& e : entries)
      if (std::strcmp(e.workload, argv[2]) == 0 && std::strcmp(e.variant, argv[3]) == 0) {
        (void)workloads();
        e.counted(calls);
        return 0;
      }
    std::fprintf(stderr, "weft_bench: no variant %s %s (see --list)\n", argv[2], argv[3]);
    return 2;
  }
  const bool verify_only = argc >= 2 && std::strcmp(argv[1], "--verify") == 0;
  if (!verify_all()) {
    std::fprintf(stderr, "weft_bench: the variants disagree; no timing\n");
    return 1;
  }
  if (verify_only) return 0;

  for (const auto& e : entries) benchmark::RegisterBenchmark(bench_name(e.workload, e.variant).c_str(), e.timed);
  round_reporter rep;  // repetitions interleaved at random (run_interleaved: round_reporter.hpp)
  if (!run_interleaved(argc, argv, rep)) return usage();
  print_figures(rep);
  return 0;
}
