// bench/w1dyn.hpp - W1dyn (bench/workloads.hpp) in its own translation unit, bench/w1dyn.cpp, linked
// into weft_bench: the timed and counted loops of each variant, and the verification. Kept apart so
// that adding it leaves weft_bench.cpp's unit (and the inliner's decisions for W1-W5) unchanged.
#ifndef WEFT_BENCH_W1DYN_HPP
#define WEFT_BENCH_W1DYN_HPP

#include <benchmark/benchmark.h>

namespace weft_bench {

/// The timing loop of W1dyn's weft, hand and fused variants (as weft_bench.cpp's time_loop).
void w1dyn_timed_weft(benchmark::State& state);
void w1dyn_timed_hand(benchmark::State& state);
void w1dyn_timed_fused(benchmark::State& state);
/// The counting loop (for callgrind): `calls` calls over the pool (as weft_bench.cpp's count_loop).
void w1dyn_counted_weft(long calls);
void w1dyn_counted_hand(long calls);
void w1dyn_counted_fused(long calls);
/// Every variant gives weft's outputs on the whole pool; prints one `verify W1dyn ...` line.
bool w1dyn_verify();

}  // namespace weft_bench

#endif
