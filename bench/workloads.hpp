// bench/workloads.hpp - the workloads of DESIGN.md section 8's proof, shared by the benchmark binary
// (bench/weft_bench.cpp) and the allocation test (tests/zero_alloc.cpp).
//
// Contract:
//   Each workload Wk holds its stage objects, a weft pipeline built from copies of them, and a pool of
//   inputs, and offers every variant as a const call operator on one input:
//     weft   the weft pipeline                                     (what is measured)
//     hand   the same stage objects called by hand, one after the other, bridges written by hand
//            (baseline a: weft's own cost is weft / hand)
//     fused  what a careful engineer writes in one function with fixed-size Eigen
//            (baseline b: the user's total is weft / fused)
//     glue   std::function<Eigen::VectorXf(const Eigen::VectorXf&)> stages in a loop (W1 and W3 only:
//            W6, the glue most users write today)
//   W1  MLP 64 -> 32 -> 10 (linear, relu, linear, softmax), batch 1, fixed-size Eigen.
//   W2  MLP 784 -> 256 -> 10, batch 1 (w2_workload<1>) and batch 256 (w2_workload<Eigen::Dynamic>, the
//       batch extent dynamic); the weights live on the heap (Eigen::MatrixXf).
//   W3  weft::ensemble(weft::mean, ...) of three W1-shaped MLPs with different seeds.
//   W4  weft::fallback(primary, secondary) of two W1-shaped MLPs; the primary throws on 1% of the pool.
//   W5  Eigen linear -> xtensor relu -> Eigen linear -> softmax: two copy bridges on the call path.
//   W1dyn  W1 with Eigen::VectorXf stages (weights on the heap) that declare their run-time shapes
//       (input_shape()/output_shape()): weft checks each stage's entry on every call; the stages
//       called by hand check nothing. weft / hand is the cost of those checks.
//   Weights and inputs come from splitmix64 with fixed seeds; weights and biases are drawn from
//   U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as PyTorch initialises nn.Linear; inputs from U(-1, 1).
//   Every variant's entry point is a WEFT_BENCH_CALL member function, kept out of line
//   ([[gnu::noinline]]), so each variant is one function in the binary: the timing loops call them
//   alike, and `objdump -d` shows weft's W1 call beside the hand-written one (docs/performance.md).
//   Nothing here depends on Google Benchmark.
#ifndef WEFT_BENCH_WORKLOADS_HPP
#define WEFT_BENCH_WORKLOADS_HPP

#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/reducers.hpp>
#include <weft/sequence.hpp>
#include <weft/xtensor.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <utility>
#include <vector>

#if defined(__GNUC__) || defined(__clang__)
#define WEFT_BENCH_CALL [[gnu::noinline]]
#else
#define WEFT_BENCH_CALL
#endif

namespace weft_bench {

// ---------------------------------------------------------------------------------------------
// Deterministic numbers
// ---------------------------------------------------------------------------------------------

/// splitmix64 (Steele, Lea, Flood 2014): a fixed seed gives the same sequence on every machine.
struct splitmix64 {
  std::uint64_t state;
  std::uint64_t next() noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [lo, hi), 24 random bits.
  float uniform(float lo, float hi) noexcept {
    return lo + (hi - lo) * static_cast<float>(next() >> 40) * 0x1.0p-24f;
  }
};

/// Fills m (any Eigen dense object) row by row from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
template <class M>
void init_uniform(M& m, int fan_in, splitmix64& g) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
  for (Eigen::Index r = 0; r < m.rows(); ++r)
    for (Eigen::Index c = 0; c < m.cols(); ++c) m(r, c) = g.uniform(-bound, bound);
}

/// n inputs of type T (a fixed-size Eigen type, or rows x cols when T is dynamic), each from U(-1, 1).
template <class T>
std::vector<T> make_pool(std::size_t n, std::uint64_t seed, Eigen::Index rows = T::RowsAtCompileTime,
                         Eigen::Index cols = T::ColsAtCompileTime) {
  splitmix64 g{seed};
  std::vector<T> pool;
  pool.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    T x(rows, cols);
    for (Eigen::Index c = 0; c < x.cols(); ++c)
      for (Eigen::Index r = 0; r < x.rows(); ++r) x(r, c) = g.uniform(-1.0f, 1.0f);
    pool.push_back(std::move(x));
  }
  return pool;
}

// ---------------------------------------------------------------------------------------------
// Stages (user code: plain structs, never forced inline)
// ---------------------------------------------------------------------------------------------

template <int N>
using vec = Eigen::Matrix<float, N, 1>;
template <int N>
using xvec = xt::xtensor_fixed<float, xt::xshape<N>>;

/// nn.Linear(In, Out) on one sample, fixed-size weights (held in the object).
template <int In, int Out>
struct linear {
  using input_type = vec<In>;
  using output_type = vec<Out>;
  Eigen::Matrix<float, Out, In> weight;
  vec<Out> bias;
  explicit linear(std::uint64_t seed) {
    splitmix64 g{seed};
    init_uniform(weight, In, g);
    init_uniform(bias, In, g);
  }
  output_type operator()(const input_type& x) const {
    output_type y = bias;
    y.noalias() += weight * x;
    return y;
  }
};

/// A linear layer that throws on an input it was not made for (x(0) > 100): W4's primary.
template <int In, int Out>
struct guarded_linear : linear<In, Out> {
  using typename linear<In, Out>::input_type;
  using typename linear<In, Out>::output_type;
  using linear<In, Out>::linear;
  output_type operator()(const input_type& x) const {
    if (x(0) > 100.0f) [[unlikely]]
      throw std::domain_error("primary: input out of range");
    return linear<In, Out>::operator()(x);
  }
};

/// ReLU over any Eigen type T.
template <class T>
struct relu {
  using input_type = T;
  using output_type = T;
  output_type operator()(const input_type& x) const { return x.cwiseMax(0.0f); }
};

/// ReLU over an xtensor vector (W5's middle stage).
template <int N>
struct xt_relu {
  using input_type = xvec<N>;
  using output_type = xvec<N>;
  output_type operator()(const input_type& x) const {
    output_type y;
    const float* in = x.data();
    float* out = y.data();
    for (int i = 0; i < N; ++i) out[i] = std::max(in[i], 0.0f);
    return y;
  }
};

/// Numerically stable softmax of a rank-1 Eigen vector (or of each column of a batch).
template <class T>
struct softmax {
  using input_type = T;
  using output_type = T;
  output_type operator()(const input_type& z) const {
    if constexpr (T::ColsAtCompileTime == 1) {
      output_type e = (z.array() - z.maxCoeff()).exp().matrix();
      return e / e.sum();
    } else {
      output_type e(z.rows(), z.cols());
      for (Eigen::Index j = 0; j < z.cols(); ++j) {
        e.col(j) = (z.col(j).array() - z.col(j).maxCoeff()).exp().matrix();
        e.col(j) /= e.col(j).sum();
      }
      return e;
    }
  }
};

/// nn.Linear(In, Out) over a batch of Batch columns (1 or Eigen::Dynamic); weights on the heap.
template <int In, int Out, int Batch>
struct dense_linear {
  using input_type = Eigen::Matrix<float, In, Batch>;
  using output_type = Eigen::Matrix<float, Out, Batch>;
  Eigen::MatrixXf weight;
  Eigen::VectorXf bias;
  explicit dense_linear(std::uint64_t seed) : weight(Out, In), bias(Out) {
    splitmix64 g{seed};
    init_uniform(weight, In, g);
    init_uniform(bias, In, g);
  }
  output_type operator()(const input_type& x) const {
    output_type y(Out, x.cols());
    y.noalias() = weight * x;
    y.colwise() += bias;
    return y;
  }
};

// W1dyn's stages keep their call operators out of line (as a model from another library is): weft
// and the hand-written variant call the same functions, and the workload's dynamic Eigen code is not
// inlined into the unit a second time, which would move the inliner's budget for the other workloads.

/// nn.Linear over Eigen::VectorXf, weights on the heap, declaring its shapes from them (W1dyn).
struct dyn_linear {
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::VectorXf;
  Eigen::MatrixXf weight;
  Eigen::VectorXf bias;
  template <int In, int Out>
  explicit dyn_linear(const linear<In, Out>& l) : weight(l.weight), bias(l.bias) {}
  WEFT_BENCH_CALL output_type operator()(const input_type& x) const {
    output_type y = bias;
    y.noalias() += weight * x;
    return y;
  }
  weft::shape input_shape() const { return weft::shape{weight.cols()}; }
  weft::shape output_shape() const { return weft::shape{weight.rows()}; }
};

/// ReLU over Eigen::VectorXf of n elements, declaring that length (W1dyn).
struct dyn_relu {
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::VectorXf;
  Eigen::Index n;
  WEFT_BENCH_CALL output_type operator()(const input_type& x) const { return x.cwiseMax(0.0f); }
  weft::shape input_shape() const { return weft::shape{n}; }
  weft::shape output_shape() const { return weft::shape{n}; }
};

/// Softmax over Eigen::VectorXf of n elements, declaring that length (W1dyn).
struct dyn_softmax {
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::VectorXf;
  Eigen::Index n;
  WEFT_BENCH_CALL output_type operator()(const input_type& z) const {
    const Eigen::ArrayXf e = (z.array() - z.maxCoeff()).exp();
    return (e / e.sum()).matrix();
  }
  weft::shape input_shape() const { return weft::shape{n}; }
  weft::shape output_shape() const { return weft::shape{n}; }
};

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/// The four stages of a W1-shaped MLP (64 -> 32 -> 10), as one would hold them by hand.
template <class First = linear<64, 32>>
struct mlp {
  First l1;
  relu<vec<32>> r;
  linear<32, 10> l2;
  softmax<vec<10>> s;
  explicit mlp(std::uint64_t seed) : l1(seed), l2(seed + 1) {}
  /// The same stages as a weft pipeline (copies of them).
  auto pipeline() const { return weft::sequence(l1, r, l2, s); }
};

/// Fused fixed-size Eigen: one function, relu folded into the first layer, one temporary each.
inline vec<10> fused_mlp(const linear<64, 32>& l1, const linear<32, 10>& l2, const vec<64>& x) {
  vec<32> h = l1.bias;
  h.noalias() += l1.weight * x;
  h = h.cwiseMax(0.0f);
  vec<10> z = l2.bias;
  z.noalias() += l2.weight * h;
  const Eigen::Array<float, 10, 1> e = (z.array() - z.maxCoeff()).exp();
  return (e / e.sum()).matrix();
}

/// W6: a stage as most glue code holds it today.
using glue_stage = std::function<Eigen::VectorXf(const Eigen::VectorXf&)>;

/// The W1-shaped MLP as std::function stages over dynamic Eigen (the same weights).
inline std::vector<glue_stage> glue_mlp(const linear<64, 32>& l1, const linear<32, 10>& l2) {
  std::vector<glue_stage> stages;
  stages.emplace_back([w = Eigen::MatrixXf(l1.weight), b = Eigen::VectorXf(l1.bias)](const Eigen::VectorXf& x) {
    return Eigen::VectorXf(w * x + b);
  });
  stages.emplace_back([](const Eigen::VectorXf& x) { return Eigen::VectorXf(x.cwiseMax(0.0f)); });
  stages.emplace_back([w = Eigen::MatrixXf(l2.weight), b = Eigen::VectorXf(l2.bias)](const Eigen::VectorXf& x) {
    return Eigen::VectorXf(w * x + b);
  });
  stages.emplace_back([](const Eigen::VectorXf& x) {
    const Eigen::ArrayXf e = (x.array() - x.maxCoeff()).exp();
    return Eigen::VectorXf((e / e.sum()).matrix());
  });
  return stages;
}

/// Runs glue stages in order.
WEFT_BENCH_CALL inline Eigen::VectorXf run_glue(const std::vector<glue_stage>& stages, const Eigen::VectorXf& x) {
  Eigen::VectorXf y = x;
  for (const auto& stage : stages) y = stage(y);
  return y;
}

/// A pool converted to dynamic vectors (the glue's input type).
template <class T>
std::vector<Eigen::VectorXf> dynamic_pool(const std::vector<T>& pool) {
  std::vector<Eigen::VectorXf> out;
  out.reserve(pool.size());
  for (const auto& x : pool) out.emplace_back(x);
  return out;
}

inline constexpr std::size_t pool_size = 1000;  // multiple of 100: W4's 1% is exact per pass

// ---------------------------------------------------------------------------------------------
// W1: MLP 64 -> 32 -> 10, batch 1
// ---------------------------------------------------------------------------------------------
struct w1_workload {
  using input_type = vec<64>;
  using output_type = vec<10>;
  mlp<> stages{101};
  decltype(stages.pipeline()) pipeline = stages.pipeline();
  std::vector<glue_stage> glue = glue_mlp(stages.l1, stages.l2);
  std::vector<input_type> pool = make_pool<input_type>(pool_size, 1);
  std::vector<Eigen::VectorXf> glue_pool = dynamic_pool(pool);

  WEFT_BENCH_CALL output_type weft(const input_type& x) const { return pipeline(x); }
  WEFT_BENCH_CALL output_type hand(const input_type& x) const {
    const vec<32> h = stages.l1(x);
    const vec<32> a = stages.r(h);
    const vec<10> z = stages.l2(a);
    return stages.s(z);
  }
  WEFT_BENCH_CALL output_type fused(const input_type& x) const { return fused_mlp(stages.l1, stages.l2, x); }
};

// ---------------------------------------------------------------------------------------------
// W1dyn: W1 over Eigen::VectorXf stages that declare their shapes (checked on every call by weft)
// ---------------------------------------------------------------------------------------------
struct w1dyn_workload {
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::VectorXf;
  mlp<> fixed{101};  // the same weights as W1
  dyn_linear l1{fixed.l1};
  dyn_relu r{32};
  dyn_linear l2{fixed.l2};
  dyn_softmax s{10};
  weft::sequence<dyn_linear, dyn_relu, dyn_linear, dyn_softmax> pipeline = weft::sequence(l1, r, l2, s);
  std::vector<input_type> pool = dynamic_pool(make_pool<vec<64>>(pool_size, 1));

  WEFT_BENCH_CALL output_type weft(const input_type& x) const { return pipeline(x); }
  WEFT_BENCH_CALL output_type hand(const input_type& x) const {
    const Eigen::VectorXf h = l1(x);
    const Eigen::VectorXf a = r(h);
    const Eigen::VectorXf z = l2(a);
    return s(z);
  }
  WEFT_BENCH_CALL vec<10> fused(const input_type& x) const { return fused_mlp(fixed.l1, fixed.l2, vec<64>(x)); }
};

// ---------------------------------------------------------------------------------------------
// W2: MLP 784 -> 256 -> 10, batch 1 or a dynamic batch
// ---------------------------------------------------------------------------------------------
template <int Batch>
struct w2_workload {
  using input_type = Eigen::Matrix<float, 784, Batch>;
  using hidden_type = Eigen::Matrix<float, 256, Batch>;
  using output_type = Eigen::Matrix<float, 10, Batch>;
  static constexpr Eigen::Index columns = Batch == 1 ? 1 : 256;
  dense_linear<784, 256, Batch> l1{201};
  relu<hidden_type> r;
  dense_linear<256, 10, Batch> l2{202};
  softmax<output_type> s;
  weft::sequence<dense_linear<784, 256, Batch>, relu<hidden_type>, dense_linear<256, 10, Batch>, softmax<output_type>>
      pipeline = weft::sequence(l1, r, l2, s);
  std::vector<input_type> pool = make_pool<input_type>(Batch == 1 ? 64 : 4, 2, 784, columns);

  WEFT_BENCH_CALL output_type weft(const input_type& x) const { return pipeline(x); }
  WEFT_BENCH_CALL output_type hand(const input_type& x) const {
    const hidden_type h = l1(x);
    const hidden_type a = r(h);
    const output_type z = l2(a);
    return s(z);
  }
  WEFT_BENCH_CALL output_type fused(const input_type& x) const {
    hidden_type h(256, x.cols());
    h.noalias() = l1.weight * x;
    h = (h.colwise() + l1.bias).cwiseMax(0.0f);
    output_type z(10, x.cols());
    z.noalias() = l2.weight * h;
    z.colwise() += l2.bias;
    for (Eigen::Index j = 0; j < z.cols(); ++j) {
      z.col(j) = (z.col(j).array() - z.col(j).maxCoeff()).exp().matrix();
      z.col(j) /= z.col(j).sum();
    }
    return z;
  }
};

// ---------------------------------------------------------------------------------------------
// W3: ensemble(mean, ...) of three W1-shaped MLPs with different seeds
// ---------------------------------------------------------------------------------------------
struct w3_workload {
  using input_type = vec<64>;
  using output_type = vec<10>;
  mlp<> a{301}, b{311}, c{321};
  decltype(weft::ensemble(weft::mean, a.pipeline(), b.pipeline(), c.pipeline())) pipeline =
      weft::ensemble(weft::mean, a.pipeline(), b.pipeline(), c.pipeline());
  std::vector<glue_stage> glue[3] = {glue_mlp(a.l1, a.l2), glue_mlp(b.l1, b.l2), glue_mlp(c.l1, c.l2)};
  std::vector<input_type> pool = make_pool<input_type>(pool_size, 3);
  std::vector<Eigen::VectorXf> glue_pool = dynamic_pool(pool);

  WEFT_BENCH_CALL output_type weft(const input_type& x) const { return pipeline(x); }
  WEFT_BENCH_CALL output_type hand(const input_type& x) const {
    const vec<10> ya = a.s(a.l2(a.r(a.l1(x))));
    const vec<10> yb = b.s(b.l2(b.r(b.l1(x))));
    const vec<10> yc = c.s(c.l2(c.r(c.l1(x))));
    return (ya + yb + yc) / 3.0f;
  }
  WEFT_BENCH_CALL output_type fused(const input_type& x) const {
    const vec<10> ya = fused_mlp(a.l1, a.l2, x);
    const vec<10> yb = fused_mlp(b.l1, b.l2, x);
    const vec<10> yc = fused_mlp(c.l1, c.l2, x);
    return (ya + yb + yc) / 3.0f;
  }
  /// W6 for W3: the ensemble as a loop over glue pipelines.
  WEFT_BENCH_CALL Eigen::VectorXf glue_call(const Eigen::VectorXf& x) const {
    Eigen::VectorXf sum = run_glue(glue[0], x);
    for (int i = 1; i < 3; ++i) sum += run_glue(glue[i], x);
    return sum / 3.0f;
  }
};

// ---------------------------------------------------------------------------------------------
// W4: fallback(primary, secondary); the primary throws on 1% of the inputs
// ---------------------------------------------------------------------------------------------
struct w4_workload {
  using input_type = vec<64>;
  using output_type = vec<10>;
  mlp<guarded_linear<64, 32>> primary{401};
  mlp<> secondary{411};
  decltype(weft::fallback(primary.pipeline(), secondary.pipeline())) pipeline =
      weft::fallback(primary.pipeline(), secondary.pipeline());
  std::vector<input_type> pool = [] {
    auto p = make_pool<input_type>(pool_size, 4);
    for (std::size_t i = 50; i < p.size(); i += 100) p[i](0) = 1000.0f;  // 1% the primary refuses
    return p;
  }();

  WEFT_BENCH_CALL output_type weft(const input_type& x) const { return pipeline(x); }
  WEFT_BENCH_CALL output_type hand(const input_type& x) const {
    const auto& p = primary;
    const auto& q = secondary;
    try {
      return p.s(p.l2(p.r(p.l1(x))));
    } catch (const std::exception&) {
      return q.s(q.l2(q.r(q.l1(x))));
    }
  }
  WEFT_BENCH_CALL output_type fused(const input_type& x) const {
    try {
      if (x(0) > 100.0f) [[unlikely]]
        throw std::domain_error("primary: input out of range");
      return fused_mlp(primary.l1, primary.l2, x);
    } catch (const std::exception&) {
      return fused_mlp(secondary.l1, secondary.l2, x);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// W5: Eigen stage -> xtensor stage -> Eigen stage (copy bridges on the call path), batch 1
// ---------------------------------------------------------------------------------------------
struct w5_workload {
  using input_type = vec<64>;
  using output_type = vec<10>;
  linear<64, 32> l1{501};
  xt_relu<32> r;
  linear<32, 10> l2{502};
  softmax<vec<10>> s;
  weft::sequence<linear<64, 32>, xt_relu<32>, linear<32, 10>, softmax<vec<10>>> pipeline = weft::sequence(l1, r, l2, s);
  std::vector<input_type> pool = make_pool<input_type>(pool_size, 5);

  WEFT_BENCH_CALL output_type weft(const input_type& x) const { return pipeline(x); }
  WEFT_BENCH_CALL output_type hand(const input_type& x) const {
    const vec<32> h = l1(x);
    xvec<32> hx;  // the Eigen -> xtensor bridge, by hand
    std::copy(h.data(), h.data() + 32, hx.data());
    const xvec<32> a = r(hx);
    vec<32> ae;  // and back
    std::copy(a.data(), a.data() + 32, ae.data());
    const vec<10> z = l2(ae);
    return s(z);
  }
  WEFT_BENCH_CALL output_type fused(const input_type& x) const { return fused_mlp(l1, l2, x); }
};

}  // namespace weft_bench

#endif  // WEFT_BENCH_WORKLOADS_HPP
