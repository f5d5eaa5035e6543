// A stage's output scalar type differs from the next stage's input: f32[4] into f64[4].
// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: f32<4>
// expect-head: f64<4>
// expect: weft: the scalar type arriving at this stage differs[^\n]*insert weft::cast<T>
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
  using weft::operator|;
#ifdef WEFT_SHOULD_FAIL
  auto p = stage<f32x4, f32x4>{} | stage<f64x4, f64x4>{};
#else
  auto p = stage<f32x4, f32x4>{} | weft::cast<double> | stage<f64x4, f64x4>{};
#endif
  (void)p;
}
