// bench/any_model.cpp - issue 16 item 1 measured: W1 (bench/workloads.hpp) held in a
// weft::any_model<vec<64>, vec<10>> against the typed W1 pipeline; the one indirect call is the
// expected cost. weft_bench_any_model, run by scripts/bench.d/any_model.sh.
//   Variants: typed  w.pipeline(x), the weft::sequence as its type;
//             any    the same pipeline held in an any_model (a copy of it, made once).
// Output: `time W1-any <variant> = ...`, `ratio W1 any/typed = X` (the median over interleaved rounds
// of the two variants' times in the same round), `spread W1 any/typed = <quartiles>`, and where the
// held pipeline lives (`stored W1 any = heap|in place`: W1's weights are inside its stages, 10 KB).
//   weft_bench_any_model --verify                 the variants agree to the last bit on the pool
//   weft_bench_any_model --instr <variant> <n>    n calls and exit (valgrind --tool=callgrind
//                                                 --instr-atstart=no counts only the calls)
#include "workloads.hpp"

#include <weft/any_model.hpp>

#include <benchmark/benchmark.h>

#include "round_reporter.hpp"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>  // no-ops unless the program runs under callgrind
#define WEFT_BENCH_START_COUNTING() CALLGRIND_START_INSTRUMENTATION
#define WEFT_BENCH_STOP_COUNTING() CALLGRIND_STOP_INSTRUMENTATION
#else
#define WEFT_BENCH_START_COUNTING() ((void)0)
#define WEFT_BENCH_STOP_COUNTING() ((void)0)
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

namespace weft_bench {
namespace {

using any_w1 = weft::any_model<w1_workload::input_type, w1_workload::output_type>;

struct w1_any_workload {
  w1_workload w;
  any_w1 held = w.pipeline;

  WEFT_BENCH_CALL w1_workload::output_type typed(const w1_workload::input_type& x) const { return w.pipeline(x); }
  WEFT_BENCH_CALL w1_workload::output_type any(const w1_workload::input_type& x) const { return held(x); }
};

const w1_any_workload& workload() {
  static const auto w = std::make_unique<w1_any_workload>();
  return *w;
}

constexpr const char* variants[] = {"typed", "any"};

/// Calls f(w, x) over the pool `calls` times, keeping each answer.
template <class F>
void loop(F f, long calls) {
  const auto& w = workload();
  std::size_t i = 0;
  for (long k = 0; k < calls; ++k) {
    auto y = f(w, w.w.pool[i]);
    benchmark::DoNotOptimize(y);
    benchmark::ClobberMemory();
    if (++i == w.w.pool.size()) i = 0;
  }
}

/// Runs counted(f) with variant `name`'s call; false for an unknown name.
template <class Counted>
bool with_variant(const char* name, Counted counted) {
  if (std::strcmp(name, "typed") == 0)
    counted([](const w1_any_workload& w, const w1_workload::input_type& x) { return w.typed(x); });
  else if (std::strcmp(name, "any") == 0)
    counted([](const w1_any_workload& w, const w1_workload::input_type& x) { return w.any(x); });
  else return false;
  return true;
}

void timed(benchmark::State& state, const char* variant) {
  with_variant(variant, [&](auto f) {
    const auto& w = workload();
    std::size_t i = 0;
    for (auto _ : state) {
      auto y = f(w, w.w.pool[i]);
      benchmark::DoNotOptimize(y);
      benchmark::ClobberMemory();
      if (++i == w.w.pool.size()) i = 0;
    }
  });
}

/// typed and any give the same bits on the whole pool.
bool verify() {
  const auto& w = workload();
  long differ = 0;
  for (const auto& x : w.w.pool)
    if (w.typed(x) != w.any(x)) ++differ;
  constexpr bool in_place = weft::detail::any_model_ops<w1_workload::input_type, w1_workload::output_type,
                                                        decltype(w.w.pipeline)>::in_place;
  std::printf("verify W1 any, typed: %ld of %zu inputs differ in any bit  %s\n", differ, w.w.pool.size(),
              differ == 0 ? "ok" : "WRONG");
  std::printf("stored W1 any = %s (sizeof pipeline %zu, buffer %zu)\n", in_place ? "in place" : "heap",
              sizeof(w.w.pipeline), weft::any_model_buffer_size);
  return differ == 0;
}

void print_figures(const round_reporter& rep) {
  std::printf("\n");
  for (const char* v : variants)
    std::printf("time W1-any %s = %.1f ns cpu (real %.1f ns)\n", v, rep.median(std::string("W1-any/") + v),
                rep.median(std::string("W1-any/") + v, true));
  const auto r = rep.round_ratios("W1-any/any", "W1-any/typed");
  if (r.empty()) return;
  std::printf("ratio W1 any/typed = %.3f\n", median_of(r));
  std::printf("spread W1 any/typed = %.3f %.3f %.3f (quartiles over %zu rounds)\n", quantile_of(r, 0.25),
              median_of(r), quantile_of(r, 0.75), r.size());
}

int usage() {
  std::fprintf(stderr, "usage: weft_bench_any_model [--verify | --instr typed|any <calls> | benchmark flags]\n");
  return 2;
}

int run(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--instr") == 0) {
    if (argc != 4) return usage();
    const long calls = std::atol(argv[3]);
    (void)workload();  // built before counting starts
    const bool known = with_variant(argv[2], [&](auto f) {
      WEFT_BENCH_START_COUNTING();
      loop(f, calls);
      WEFT_BENCH_STOP_COUNTING();
    });
    return known ? 0 : usage();
  }
  const bool verify_only = argc >= 2 && std::strcmp(argv[1], "--verify") == 0;
  if (!verify()) {
    std::fprintf(stderr, "weft_bench_any_model: the variants disagree; no timing\n");
    return 1;
  }
  if (verify_only) return 0;
  for (const char* v : variants)
    benchmark::RegisterBenchmark((std::string("W1-any/") + v).c_str(), [v](benchmark::State& s) { timed(s, v); });
  round_reporter rep;
  if (!run_interleaved(argc, argv, rep)) return usage();
  print_figures(rep);
  return 0;
}

}  // namespace
}  // namespace weft_bench

int main(int argc, char** argv) try {
  return weft_bench::run(argc, argv);
} catch (const std::exception& e) {
  std::fprintf(stderr, "weft_bench_any_model: %s\n", e.what());
  return 1;
}
