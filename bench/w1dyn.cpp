// bench/w1dyn.cpp - W1dyn in its own translation unit: see bench/w1dyn.hpp and bench/workloads.hpp.
// The loops are weft_bench.cpp's (bench/call_loops.hpp): the next pool input, the call, the answer kept.
#include "w1dyn.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "call_loops.hpp"
#include "workloads.hpp"

namespace weft_bench {
namespace {

const w1dyn_workload& workload() {
  static const auto w = std::make_unique<w1dyn_workload>();
  return *w;
}

}  // namespace

void w1dyn_timed_weft(benchmark::State& state) {
  time_loop<keep::answer>(state, workload().pool, [](const auto& x) { return workload().weft(x); });
}
void w1dyn_timed_hand(benchmark::State& state) {
  time_loop<keep::answer>(state, workload().pool, [](const auto& x) { return workload().hand(x); });
}
void w1dyn_timed_fused(benchmark::State& state) {
  time_loop<keep::answer>(state, workload().pool, [](const auto& x) { return workload().fused(x); });
}
void w1dyn_counted_weft(long calls) {
  count_loop<keep::answer>(workload().pool, [](const auto& x) { return workload().weft(x); }, calls);
}
void w1dyn_counted_hand(long calls) {
  count_loop<keep::answer>(workload().pool, [](const auto& x) { return workload().hand(x); }, calls);
}
void w1dyn_counted_fused(long calls) {
  count_loop<keep::answer>(workload().pool, [](const auto& x) { return workload().fused(x); }, calls);
}

bool w1dyn_verify() {
  const auto& w = workload();
  double hand = 0, fused = 0;
  for (const auto& x : w.pool) {
    const auto y = w.weft(x);
    hand = std::max(hand, max_abs_diff(y, w.hand(x)));
    fused = std::max(fused, max_abs_diff(y, w.fused(x)));
  }
  const bool ok = hand < 1e-5 && fused < 1e-5;
  std::printf("verify %-6s max|weft-hand| = %.3g  max|weft-fused| = %.3g  %s\n", "W1dyn", hand, fused,
              ok ? "ok" : "MISMATCH");
  return ok;
}

}  // namespace weft_bench
