// A fan_out's tuple fed straight into a stage that takes a tensor (no weft::concat between them).
// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: tuple<weft::f32<4>, weft::f32<4> ?>
// expect-head: f32<8>
// expect: weft: the value arriving at this stage is not the tensor its input_type asks for
// max-lines: 12
#include <weft/adapters.hpp>
#include <weft/eigen.hpp>
#include <weft/fan_out.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

using f32x8 = Eigen::Matrix<float, 8, 1>;

int main() {
  auto branches = weft::fan_out(stage<f32x4, f32x4>{}, stage<f32x4, f32x4>{});
#ifdef WEFT_SHOULD_FAIL
  auto p = weft::sequence(branches, stage<f32x8, f32x4>{});
#else
  auto p = branches | weft::concat | stage<f32x8, f32x4>{};
#endif
  (void)p;
}
