// bench/batch_native.cpp - issue 14 item 2: weft::batched of a batch-native sequence against
// hand-written matrix-matrix Eigen code, in the same run.
//
// W2b256: W2 (MLP 784 -> 256 -> 10, bench/workloads.hpp's weights and inputs) on a batch of 256 samples.
//   batched  weft::batched(dense | relu | dense | softmax), every stage batch-native: the dense layers
//            and relu are user stages with call_batch (one matrix-matrix product per layer); softmax is
//            weft::softmax when it reads batches (issue 14 item 1), else a batch-native user stage.
//            weft::batched calls the sequence's call_batch once, which calls each stage once.
//   hand     the same stages called by hand (DESIGN.md section 8: weft's own cost, the target): each
//            layer's call_batch, hand-written matrix-matrix Eigen code, one after the other, then a
//            softmax per column written by hand.
//   fused    the layers written by hand as one function: W1 X + b1 and relu in one expression,
//            W2 H + b2, a softmax per column (the user's total without weft; reported). It keeps one
//            256 x 256 intermediate fewer per call than any stage-by-stage composition, and glibc
//            returns freed memory of that size to the kernel, so the stages' extra buffer costs page
//            faults each call: kernel time, which callgrind does not count (docs/performance.md).
// Usage:
//   weft_bench_batch_native [google-benchmark flags]   verify, then time both, repetitions interleaved
//       at random (round_reporter.hpp), and print
//         time W2b256 batched = ... ns cpu (real ... ns)
//         ratio W2b256 batched/hand = 1.00        (median over rounds of the round's ratio)
//         ratio W2b256 batched/fused = ...
//         spread W2b256 batched/hand = <quartiles of the rounds' ratios>, and batched/fused's
//   weft_bench_batch_native --verify                   only check that both agree (max |diff| < 1e-5)
//   weft_bench_batch_native --instr W2b256 <batched|hand|fused> <n>   n calls between callgrind's start and
//       stop (valgrind --tool=callgrind --instr-atstart=no counts the calls only)
// Exits 1 when the variants disagree, 2 on a bad command line.
#include <weft/adapters.hpp>
#include <weft/batch.hpp>
#include <weft/batched.hpp>
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "call_loops.hpp"
#include "round_reporter.hpp"
#include "workloads.hpp"

namespace {

using namespace weft_bench;
using weft::operator|;

template <int N>
using batch = Eigen::Matrix<float, N, Eigen::Dynamic>;

/// nn.Linear(In, Out), batch-native: one sample, or a whole batch in one matrix-matrix product.
template <int In, int Out>
struct native_dense {
  using input_type = vec<In>;
  using output_type = vec<Out>;
  Eigen::MatrixXf weight;
  Eigen::VectorXf bias;
  explicit native_dense(std::uint64_t seed) : weight(Out, In), bias(Out) {
    splitmix64 g{seed};
    init_uniform(weight, In, g);
    init_uniform(bias, In, g);
  }
  /// One sample: a batch of one (never called by the benchmark; kept out of line).
  [[gnu::noinline]] output_type operator()(const input_type& x) const { return call_batch(x); }
  batch<Out> call_batch(const batch<In>& x) const {
    batch<Out> y(Out, x.cols());
    y.noalias() = weight * x;
    y.colwise() += bias;
    return y;
  }
};

/// ReLU, batch-native.
template <int N>
struct native_relu {
  using input_type = vec<N>;
  using output_type = vec<N>;
  output_type operator()(const input_type& x) const { return x.cwiseMax(0.0f); }
  batch<N> call_batch(const batch<N>& x) const { return x.cwiseMax(0.0f); }
};

/// Softmax per column: the hand-written code, and the stand-in stage while weft::softmax reads no batch.
template <int N>
void softmax_columns(batch<N>& z) {
  for (Eigen::Index j = 0; j < z.cols(); ++j) {
    z.col(j) = (z.col(j).array() - z.col(j).maxCoeff()).exp().matrix();
    z.col(j) /= z.col(j).sum();
  }
}
template <int N>
struct native_softmax {
  using input_type = vec<N>;
  using output_type = vec<N>;
  output_type operator()(const input_type& z) const {
    output_type e = (z.array() - z.maxCoeff()).exp().matrix();
    return e / e.sum();
  }
  batch<N> call_batch(const batch<N>& z) const {
    batch<N> e = z;
    softmax_columns(e);
    return e;
  }
};

/// weft::softmax reads a batch of 10-element columns (issue 14 item 1).
constexpr bool weft_softmax_batches = weft::softmax_t::accepts<batch<10>>;

auto make_pipeline(const native_dense<784, 256>& l1, const native_dense<256, 10>& l2) {
  if constexpr (weft_softmax_batches) return std::cref(l1) | native_relu<256>{} | std::cref(l2) | weft::softmax;
  else return weft::sequence(std::cref(l1), native_relu<256>{}, std::cref(l2), native_softmax<10>{});
}

struct w2b256 {
  native_dense<784, 256> l1{201};
  native_dense<256, 10> l2{202};
  decltype(weft::batched(make_pipeline(l1, l2))) lifted = weft::batched(make_pipeline(l1, l2));
  std::vector<batch<784>> pool = make_pool<batch<784>>(4, 2, 784, 256);

  WEFT_BENCH_CALL batch<10> batched(const batch<784>& x) const { return lifted(x); }
  WEFT_BENCH_CALL batch<10> hand(const batch<784>& x) const {
    const batch<256> h = l1.call_batch(x);
    const batch<256> a = native_relu<256>{}.call_batch(h);
    batch<10> z = l2.call_batch(a);
    softmax_columns(z);
    return z;
  }
  WEFT_BENCH_CALL batch<10> fused(const batch<784>& x) const {
    Eigen::MatrixXf h(256, x.cols());
    h.noalias() = l1.weight * x;
    h = (h.colwise() + l1.bias).cwiseMax(0.0f);
    batch<10> z(10, x.cols());
    z.noalias() = l2.weight * h;
    z.colwise() += l2.bias;
    softmax_columns(z);
    return z;
  }
};
static_assert(weft::batch_native<decltype(make_pipeline(std::declval<const native_dense<784, 256>&>(),
                                                        std::declval<const native_dense<256, 10>&>()))>);

const w2b256& workload() {
  static const w2b256* w = new const w2b256;
  return *w;
}

const auto batched_call = [](const batch<784>& x) { return workload().batched(x); };
const auto hand_call = [](const batch<784>& x) { return workload().hand(x); };
const auto fused_call = [](const batch<784>& x) { return workload().fused(x); };

bool verify() {
  double worst = 0;
  for (const auto& x : workload().pool) {
    const batch<10> y = workload().batched(x);
    worst = std::max(worst, static_cast<double>((y - workload().hand(x)).cwiseAbs().maxCoeff()));
    worst = std::max(worst, static_cast<double>((y - workload().fused(x)).cwiseAbs().maxCoeff()));
  }
  const bool ok = worst < 1e-5;
  std::printf("verify W2b256 max|batched-hand|, max|batched-fused| = %.3g  %s (softmax: %s)\n", worst,
              ok ? "ok" : "WRONG", weft_softmax_batches ? "weft::softmax" : "a batch-native stand-in");
  return ok;
}

int usage() {
  std::fprintf(stderr, "usage: weft_bench_batch_native [--verify | --instr W2b256 <batched|hand|fused> <calls> | "
                       "benchmark flags]\n");
  return 2;
}

int run(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--instr") == 0) {
    if (argc != 5 || std::strcmp(argv[2], "W2b256") != 0) return usage();
    const long calls = std::atol(argv[4]);
    const std::string variant = argv[3];
    if (variant != "batched" && variant != "hand" && variant != "fused") return usage();
    const auto& pool = workload().pool;
    WEFT_BENCH_START_COUNTING();
    if (variant == "batched") count_loop<keep::buffer>(pool, batched_call, calls);
    else if (variant == "hand") count_loop<keep::buffer>(pool, hand_call, calls);
    else count_loop<keep::buffer>(pool, fused_call, calls);
    WEFT_BENCH_STOP_COUNTING();
    return 0;
  }
  const bool verify_only = argc >= 2 && std::strcmp(argv[1], "--verify") == 0;
  if (!verify()) return 1;
  if (verify_only) return 0;

  const auto timed = [](auto call) {
    return [call](benchmark::State& s) { time_loop<keep::buffer>(s, workload().pool, call); };
  };
  benchmark::RegisterBenchmark("W2b256/batched", timed(batched_call));
  benchmark::RegisterBenchmark("W2b256/hand", timed(hand_call));
  benchmark::RegisterBenchmark("W2b256/fused", timed(fused_call));
  round_reporter rep;
  if (!run_interleaved(argc, argv, rep)) return usage();
  std::printf("\n");
  for (const char* v : {"batched", "hand", "fused"}) print_time(rep, "W2b256", v);
  print_ratios(rep, {{"W2b256", "batched", "hand"}, {"W2b256", "batched", "fused"}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run(argc, argv);
}
