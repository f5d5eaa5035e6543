// bench/w1dyn.cpp - W1dyn in its own translation unit: see bench/w1dyn.hpp and bench/workloads.hpp.
// The loops are the same as weft_bench.cpp's: the next pool input, the call, the result kept.
#include "w1dyn.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "workloads.hpp"

namespace weft_bench {
namespace {

const w1dyn_workload& workload() {
  static const auto w = std::make_unique<w1dyn_workload>();
  return *w;
}

template <class F>
void time_loop(benchmark::State& state, F f) {
  const auto& pool = workload().pool;
  std::size_t i = 0;
  for (auto _ : state) {
    auto y = f(pool[i]);
    benchmark::DoNotOptimize(y);
    benchmark::ClobberMemory();
    if (++i == pool.size()) i = 0;
  }
}

template <class F>
[[gnu::noinline]] void count_loop(F f, long calls) {
  const auto& pool = workload().pool;
  std::size_t i = 0;
  for (long k = 0; k < calls; ++k) {
    auto y = f(pool[i]);
    benchmark::DoNotOptimize(y);
    benchmark::ClobberMemory();
    if (++i == pool.size()) i = 0;
  }
}

template <class A, class B>
double max_abs_diff(const A& a, const B& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return INFINITY;
  double d = 0;
  for (Eigen::Index r = 0; r < a.rows(); ++r)
    d = std::max(d, std::abs(static_cast<double>(a(r, 0)) - static_cast<double>(b(r, 0))));
  return d;
}

}  // namespace

void w1dyn_timed_weft(benchmark::State& state) { time_loop(state, [](const auto& x) { return workload().weft(x); }); }
void w1dyn_timed_hand(benchmark::State& state) { time_loop(state, [](const auto& x) { return workload().hand(x); }); }
void w1dyn_timed_fused(benchmark::State& state) { time_loop(state, [](const auto& x) { return workload().fused(x); }); }
void w1dyn_counted_weft(long calls) {
  (void)workload();
  count_loop([](const auto& x) { return workload().weft(x); }, calls);
}
void w1dyn_counted_hand(long calls) {
  (void)workload();
  count_loop([](const auto& x) { return workload().hand(x); }, calls);
}
void w1dyn_counted_fused(long calls) {
  (void)workload();
  count_loop([](const auto& x) { return workload().fused(x); }, calls);
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
