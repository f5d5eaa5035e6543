// A stage's output rank differs from the next stage's input: f32[4] into f32[2,2] (weft::sequence).
// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: f32<4>
// expect-head: f32<2, 2>
// expect: weft: the rank arriving at this stage differs[^\n]*insert weft::reshape<N...>
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
#ifdef WEFT_SHOULD_FAIL
  auto p = weft::sequence(stage<f32x4, f32x4>{}, stage<f32x2x2, f32x4>{});
#else
  auto p = weft::sequence(stage<f32x4, f32x4>{}, weft::adapter_stage<weft::reshape_t<2, 2>, f32x4>{},
                          stage<Eigen::Matrix<float, 2, 2, Eigen::RowMajor>, f32x4>{});
#endif
  (void)p;
}
