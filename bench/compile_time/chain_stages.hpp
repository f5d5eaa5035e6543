// bench/compile_time/chain_stages.hpp - distinct Eigen::Vector4f stages, chain::step<I>, each doing a
// little arithmetic: the stages of the N-stage pipelines that generate_chain.py writes (by hand,
// weft::sequence(...) and `|`) for scripts/bench's compile-time growth measurement. Plain user code:
// it includes Eigen and nothing of weft.
#ifndef WEFT_BENCH_CHAIN_STAGES_HPP
#define WEFT_BENCH_CHAIN_STAGES_HPP

#include <Eigen/Core>

namespace chain {

using vec = Eigen::Vector4f;

/// Stage I: one of three small element-wise steps (scale and shift, clamp below, mix with its reverse).
template <int I>
struct step {
  using input_type = vec;
  using output_type = vec;
  float a = 1.0f + 0.001f * I;
  float b = 0.01f * static_cast<float>(I % 7);
  output_type operator()(const input_type& x) const {
    if constexpr (I % 3 == 0) return (x.array() * a + b).matrix();
    else if constexpr (I % 3 == 1) return x.cwiseMax(-b);
    else return (x + b * x.reverse()) * a;
  }
};

}  // namespace chain

#endif  // WEFT_BENCH_CHAIN_STAGES_HPP
