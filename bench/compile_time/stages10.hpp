// bench/compile_time/stages10.hpp - ten distinct fixed-size Eigen stages (64 -> 10), the pipeline whose
// compile-time cost scripts/bench measures twice: composed with weft (pipeline10_weft.cpp) and called by
// hand (pipeline10_hand.cpp). Plain user code: it includes Eigen and nothing of weft.
#ifndef WEFT_BENCH_STAGES10_HPP
#define WEFT_BENCH_STAGES10_HPP

#include <Eigen/Core>

namespace stages10 {

template <int N>
using vec = Eigen::Matrix<float, N, 1>;

template <int In, int Out>
struct linear {
  using input_type = vec<In>;
  using output_type = vec<Out>;
  Eigen::Matrix<float, Out, In> weight = Eigen::Matrix<float, Out, In>::Constant(0.01f);
  vec<Out> bias = vec<Out>::Zero();
  output_type operator()(const input_type& x) const {
    output_type y = bias;
    y.noalias() += weight * x;
    return y;
  }
};

template <int N>
struct relu {
  using input_type = vec<N>;
  using output_type = vec<N>;
  output_type operator()(const input_type& x) const { return x.cwiseMax(0.0f); }
};

template <int N>
struct tanh_stage {
  using input_type = vec<N>;
  using output_type = vec<N>;
  output_type operator()(const input_type& x) const { return x.array().tanh().matrix(); }
};

template <int N>
struct scale {
  using input_type = vec<N>;
  using output_type = vec<N>;
  float factor = 0.5f;
  output_type operator()(const input_type& x) const { return x * factor; }
};

template <int N>
struct softmax {
  using input_type = vec<N>;
  using output_type = vec<N>;
  output_type operator()(const input_type& z) const {
    const Eigen::Array<float, N, 1> e = (z.array() - z.maxCoeff()).exp();
    return (e / e.sum()).matrix();
  }
};

/// The ten stages, as a user holds them.
struct stages {
  linear<64, 48> s0;
  relu<48> s1;
  linear<48, 32> s2;
  tanh_stage<32> s3;
  linear<32, 32> s4;
  relu<32> s5;
  linear<32, 16> s6;
  scale<16> s7;
  linear<16, 10> s8;
  softmax<10> s9;
};

}  // namespace stages10

#endif  // WEFT_BENCH_STAGES10_HPP
