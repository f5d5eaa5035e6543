// A stage's output static extent differs from the next stage's input: f32[4] into f32[3].
// expect-head: weft
// expect-head: sequence_stage<2>
// expect-head: f32<4>
// expect-head: f32<3>
// expect: weft: a static extent arriving at this stage differs
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
  using weft::operator|;
#ifdef WEFT_SHOULD_FAIL
  auto p = stage<f32x4, f32x4>{} | stage<f32x4, f32x4>{} | stage<f32x3, f32x4>{};
#else
  auto p = stage<f32x4, f32x4>{} | stage<f32x4, f32x4>{} | stage<f32x4, f32x4>{};
#endif
  (void)p;
}
