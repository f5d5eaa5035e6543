// bench/observe.cpp - issue 15 item 4 measured: weft::observe(pipeline, weft::no_observer) costs
// nothing (the same instructions as the plain pipeline), on W1 and W3 of bench/workloads.hpp.
//
// Usage:
//   weft_bench_observe --verify                      every variant gives the plain pipeline's outputs
//   weft_bench_observe --instr <W1|W3> <variant> <n> call one variant n times over the pool and exit
//                                                    (for valgrind --tool=callgrind, as weft_bench)
//   weft_bench_observe --time <W1|W3> <variant> <n>  ns per call of one variant (wall clock, n calls)
// Variants: plain (workload.pipeline(x)), off (weft::observe(pipeline, weft::no_observer)), on
// (weft::observe(pipeline, table), a weft::timing_table: the price of observing, reported).
// Exits 1 when the variants disagree, 2 on a bad command line.
#include "workloads.hpp"

#include <weft/observe.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "call_loops.hpp"

namespace {

using namespace weft_bench;

template <class W>
struct observed {
  W w;
  weft::timing_table table;
  decltype(weft::observe(w.pipeline, weft::no_observer)) off = weft::observe(w.pipeline, weft::no_observer);
  decltype(weft::observe(w.pipeline, table)) on = weft::observe(w.pipeline, table);

  WEFT_BENCH_CALL typename W::output_type plain_call(const typename W::input_type& x) const { return w.pipeline(x); }
  WEFT_BENCH_CALL typename W::output_type off_call(const typename W::input_type& x) const { return off(x); }
  WEFT_BENCH_CALL typename W::output_type on_call(const typename W::input_type& x) const { return on(x); }
};

struct all_workloads {
  observed<w1_workload> w1;
  observed<w3_workload> w3;
};

all_workloads& workloads() {
  static const auto w = std::make_unique<all_workloads>();
  return *w;
}

// Calls one variant `calls` times over the pool (bench/call_loops.hpp's counting loop, as weft_bench's).
template <class O>
bool run(const O& o, const char* variant, long calls) {
  const auto count = [&](auto call) { count_loop<keep::answer>(o.w.pool, call, calls); };
  if (std::strcmp(variant, "plain") == 0) count([&o](const auto& x) { return o.plain_call(x); });
  else if (std::strcmp(variant, "off") == 0) count([&o](const auto& x) { return o.off_call(x); });
  else if (std::strcmp(variant, "on") == 0) count([&o](const auto& x) { return o.on_call(x); });
  else return false;
  return true;
}

template <class O>
bool verify(const char* name, const O& o) {
  bool same = true;
  for (const auto& x : o.w.pool) same = same && o.plain_call(x) == o.off_call(x) && o.plain_call(x) == o.on_call(x);
  std::printf("verify %s off and on give the plain outputs: %s\n", name, same ? "ok" : "MISMATCH");
  return same;
}

int usage() {
  std::fprintf(stderr, "usage: weft_bench_observe --verify | --instr|--time <W1|W3> <plain|off|on> <calls>\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  auto& w = workloads();
  if (argc == 2 && std::strcmp(argv[1], "--verify") == 0) return verify("W1", w.w1) && verify("W3", w.w3) ? 0 : 1;
  if (argc != 5 || (std::strcmp(argv[1], "--instr") != 0 && std::strcmp(argv[1], "--time") != 0)) return usage();
  const long calls = std::atol(argv[4]);
  const auto start = std::chrono::steady_clock::now();
  bool ok = false;
  if (std::strcmp(argv[2], "W1") == 0) ok = run(w.w1, argv[3], calls);
  else if (std::strcmp(argv[2], "W3") == 0) ok = run(w.w3, argv[3], calls);
  if (!ok) return usage();
  if (std::strcmp(argv[1], "--time") == 0) {
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    std::printf("time %s %s = %.1f ns per call\n", argv[2], argv[3], ns / static_cast<double>(calls));
  }
  return 0;
}
