// bench/call_loops.hpp - the loops every benchmark program runs its variants in: the next input of a
// pool, the call, the answer kept from the optimiser; timed by Google Benchmark (time_loop) or
// counted by callgrind (count_loop, between WEFT_BENCH_START_COUNTING() and _STOP_COUNTING()).
// A variant's instructions per call are the difference of two counted runs over the difference of
// their calls, so what a run does once (the pool's set-up) cancels. Used by weft_bench.cpp,
// w1dyn.cpp, batch_native.cpp, workspace.cpp, runtimes.cpp and observe.cpp.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>  // no-ops unless the program runs under callgrind
#define WEFT_BENCH_START_COUNTING() CALLGRIND_START_INSTRUMENTATION
#define WEFT_BENCH_STOP_COUNTING() CALLGRIND_STOP_INSTRUMENTATION
#else
#define WEFT_BENCH_START_COUNTING() ((void)0)
#define WEFT_BENCH_STOP_COUNTING() ((void)0)
#endif

namespace weft_bench {

/// What a loop keeps of each answer so that the call is not optimised away: `answer` the answer
/// object itself (a fixed-size vector is forced to memory: weft_bench's and W1dyn's figures), or
/// `buffer` only its buffer's address (the answer may be a reference, e.g. into a workspace).
enum class keep { answer, buffer };

/// One step of either loop: calls f on x and keeps the answer as K says (inlined into the loop).
template <keep K, class F, class X>
[[gnu::always_inline]] inline void call_and_keep(F& f, const X& x) {
  if constexpr (K == keep::answer) {
    auto y = f(x);
    benchmark::DoNotOptimize(y);
  } else {
    const auto& y = f(x);
    benchmark::DoNotOptimize(y.data());
  }
  benchmark::ClobberMemory();
}

/// Times f over the pool: each iteration of `state` calls f on the next input (round robin) and
/// keeps the answer as K says. Pool: anything with size() and operator[]; f: input -> answer.
template <keep K, class Pool, class F>
void time_loop(benchmark::State& state, const Pool& pool, F f) {
  std::size_t i = 0;
  for (auto _ : state) {
    call_and_keep<K>(f, pool[i]);
    if (++i == pool.size()) i = 0;
  }
}

/// The same loop for `calls` calls, out of line (one function for callgrind to count in).
template <keep K, class Pool, class F>
[[gnu::noinline]] void count_loop(const Pool& pool, F f, long calls) {
  std::size_t i = 0;
  for (long k = 0; k < calls; ++k) {
    call_and_keep<K>(f, pool[i]);
    if (++i == pool.size()) i = 0;
  }
}

/// max |a - b| over the elements of two Eigen matrices (or vectors); infinity when their shapes
/// differ. For the programs' --verify.
template <class A, class B>
double max_abs_diff(const A& a, const B& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return INFINITY;
  double d = 0;
  for (decltype(a.cols()) c = 0; c < a.cols(); ++c)
    for (decltype(a.rows()) r = 0; r < a.rows(); ++r)
      d = std::max(d, std::abs(static_cast<double>(a(r, c)) - static_cast<double>(b(r, c))));
  return d;
}

}  // namespace weft_bench
