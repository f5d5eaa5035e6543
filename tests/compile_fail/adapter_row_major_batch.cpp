// A row-major Eigen matrix into softmax: a rank-2 Eigen input is a batch, one sample per column,
// so it must be column-major (the rule of weft::batch_t).
// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: softmax_t
// expect-head: f32<4, -1>
// expect: weft: a rank-2 Eigen input to this adapter is a batch, one sample per column, so it must be column-major
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include "common.hpp"
int main() {
#ifdef WEFT_SHOULD_FAIL
  using batch = Eigen::Matrix<float, 4, Eigen::Dynamic, Eigen::RowMajor>;
#else
  using batch = Eigen::Matrix<float, 4, Eigen::Dynamic>;
#endif
  auto p = stage<f32x4, batch>{} | weft::softmax;
  (void)p;
}
