// bench/par.cpp - weft::par against sequential branches (issue 5), in one binary:
//   BM_ensemble_w2/<policy>: ensemble(mean) of three W2-sized MLPs (784 -> 256 -> 10), batch 1;
//   BM_ensemble_square/<n>/<policy>: ensemble(mean) of three n x n layers, to find the break-even.
// After the runs it prints `speedup W2x3 par/seq = 1.85` and one `speedup square<n> par/seq = ...`
// per size (sequential time / parallel time, medians of the repetitions, same run).
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/execution.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

std::uint64_t splitmix64(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
float uniform(std::uint64_t& s, float bound) {
  const double u = static_cast<double>(splitmix64(s) >> 11) * 0x1.0p-53;
  return static_cast<float>((2.0 * u - 1.0) * bound);
}
Eigen::MatrixXf init(Eigen::Index rows, Eigen::Index cols, std::uint64_t& s) {
  Eigen::MatrixXf w(rows, cols);
  const float bound = 1.0f / std::sqrt(static_cast<float>(cols));  // PyTorch-style U(-1/sqrt(fan_in), ..)
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = uniform(s, bound);
  return w;
}

using in784 = Eigen::Matrix<float, 784, 1>;
using out10 = Eigen::Matrix<float, 10, 1>;

// W2-sized MLP: 784 -> 256 (ReLU) -> 10 (softmax); weights on the heap.
struct mlp_w2 {
  using input_type = in784;
  using output_type = out10;
  Eigen::MatrixXf w1, w2;
  Eigen::VectorXf b1, b2;
  explicit mlp_w2(std::uint64_t seed) {
    w1 = init(256, 784, seed);
    b1 = init(256, 1, seed);
    w2 = init(10, 256, seed);
    b2 = init(10, 1, seed);
  }
  output_type operator()(const input_type& x) const {
    const Eigen::VectorXf h = (w1 * x + b1).cwiseMax(0.0f);
    const out10 z = w2 * h + b2;
    const out10 e = (z.array() - z.maxCoeff()).exp();
    return e / e.sum();
  }
};

// One n x n tanh layer: the knob for the break-even.
struct square {
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::VectorXf;
  Eigen::MatrixXf w;
  square(Eigen::Index n, std::uint64_t seed) : w(init(n, n, seed)) {}
  output_type operator()(const input_type& x) const { return (w * x).array().tanh(); }
};

std::map<std::string, double> medians;

template <class Model, class In>
void run(benchmark::State& state, const Model& m, const std::vector<In>& inputs) {
  std::size_t k = 0;
  for (auto _ : state) {
    auto y = m(inputs[k++ % inputs.size()]);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
}

std::vector<in784> w2_inputs() {
  std::uint64_t s = 99;
  std::vector<in784> v(16);
  for (auto& x : v)
    for (int i = 0; i < 784; ++i) x(i) = uniform(s, 1.0f) * 0.5f + 0.5f;
  return v;
}

void BM_ensemble_w2_seq(benchmark::State& state) {
  static const auto e = weft::ensemble(weft::mean, mlp_w2(1), mlp_w2(2), mlp_w2(3));
  static const auto inputs = w2_inputs();
  run(state, e, inputs);
}
void BM_ensemble_w2_par(benchmark::State& state) {
  static const auto e = weft::ensemble(weft::par, weft::mean, mlp_w2(1), mlp_w2(2), mlp_w2(3));
  static const auto inputs = w2_inputs();
  run(state, e, inputs);
}

std::vector<Eigen::VectorXf> square_inputs(Eigen::Index n) {
  std::uint64_t s = 7;
  std::vector<Eigen::VectorXf> v(16, Eigen::VectorXf(n));
  for (auto& x : v)
    for (Eigen::Index i = 0; i < n; ++i) x(i) = uniform(s, 1.0f);
  return v;
}
void BM_ensemble_square_seq(benchmark::State& state) {
  const auto n = state.range(0);
  const auto e = weft::ensemble(weft::mean, square(n, 1), square(n, 2), square(n, 3));
  run(state, e, square_inputs(n));
}
void BM_ensemble_square_par(benchmark::State& state) {
  const auto n = state.range(0);
  const auto e = weft::ensemble(weft::par, weft::mean, square(n, 1), square(n, 2), square(n, 3));
  run(state, e, square_inputs(n));
}

BENCHMARK(BM_ensemble_w2_seq)->Unit(benchmark::kMicrosecond)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ensemble_w2_par)->Unit(benchmark::kMicrosecond)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ensemble_square_seq)->RangeMultiplier(2)->Range(8, 512)->Unit(benchmark::kMicrosecond)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ensemble_square_par)->RangeMultiplier(2)->Range(8, 512)->Unit(benchmark::kMicrosecond)->Repetitions(5)->ReportAggregatesOnly(true);

// Records the median of every benchmark, then prints the speed-ups.
class median_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median") medians[r.run_name.function_name + "/" + r.run_name.args] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  median_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto ratio = [](const std::string& seq, const std::string& par) {
    const auto s = medians.find(seq), p = medians.find(par);
    return (s == medians.end() || p == medians.end() || p->second <= 0) ? 0.0 : s->second / p->second;
  };
  std::printf("speedup W2x3 par/seq = %.2f\n", ratio("BM_ensemble_w2_seq/", "BM_ensemble_w2_par/"));
  for (int n = 8; n <= 512; n *= 2)
    std::printf("speedup square%d par/seq = %.2f\n", n,
                ratio("BM_ensemble_square_seq/" + std::to_string(n), "BM_ensemble_square_par/" + std::to_string(n)));
  std::printf("threads in weft::default_pool() = %zu (plus the calling thread)\n", weft::default_pool().size());
}
