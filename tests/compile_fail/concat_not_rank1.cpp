// concat of a fan_out whose branch 1 returns a rank-2 tensor: f32[2,3] is not a vector.
// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: concat_part<1>
// expect-head: f32<2, 3>
// expect: weft: concat: every part must be a rank-1 tensor
// max-lines: 12
#include <weft/adapters.hpp>
#include <weft/eigen.hpp>
#include <weft/fan_out.hpp>

#include "common.hpp"

using f32x2x3 = Eigen::Matrix<float, 2, 3, Eigen::RowMajor>;
using f32x6 = Eigen::Matrix<float, 6, 1>;

int main() {
#ifdef WEFT_SHOULD_FAIL
  using second = stage<f32x4, f32x2x3>;
#else
  using second = stage<f32x4, f32x6>;
#endif
  auto p = weft::fan_out(stage<f32x4, f32x3>{}, second{}) | weft::concat;
  (void)p;
}
