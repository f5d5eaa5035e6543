// A stage after concat must take the summed size: f32[3] + f32[4] is f32[7], not f32[6].
// expect-head: weft
// expect-head: sequence_stage<2>
// expect-head: f32<7>
// expect-head: f32<6>
// expect: weft: a static extent arriving at this stage differs
// max-lines: 12
#include <weft/adapters.hpp>
#include <weft/eigen.hpp>
#include <weft/fan_out.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

using f32x6 = Eigen::Matrix<float, 6, 1>;
using f32x7 = Eigen::Matrix<float, 7, 1>;

int main() {
#ifdef WEFT_SHOULD_FAIL
  using next = stage<f32x6, f32x6>;
#else
  using next = stage<f32x7, f32x7>;
#endif
  auto p = weft::fan_out(stage<f32x4, f32x3>{}, stage<f32x4, f32x4>{}) | weft::concat | next{};
  (void)p;
}
