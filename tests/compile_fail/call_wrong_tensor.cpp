// A pipeline called with a tensor that cannot connect to its input spec (Vector4d into f32[4]):
// one weft line instead of 27-73 lines from inside Eigen.
// expect-head@gcc: argument_cannot_connect
// expect-head: pipeline_argument
// expect-head: f64<4>
// expect-head: f32<4>
// expect: weft: this argument cannot reach the pipeline's input spec
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
  using weft::operator|;
  auto p = stage<f32x4, f32x4>{} | stage<f32x4, f32x3>{};
#ifdef WEFT_SHOULD_FAIL
  const f64x4 x = f64x4::Ones();
#else
  const f32x4 x = f32x4::Ones();
#endif
  auto y = p(x);
  (void)y;
}
