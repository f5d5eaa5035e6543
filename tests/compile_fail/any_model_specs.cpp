// An any_model<f32[4], f32[4]> given a model taking f32[3]: In cannot reach the held model's input.
// expect-head: weft
// expect-head: any_model_input
// expect-head: f32<4>
// expect-head: f32<3>
// expect: weft: a static extent arriving at this stage differs
// max-lines: 12
#include <weft/any_model.hpp>
#include <weft/eigen.hpp>

#include "common.hpp"

int main() {
#ifdef WEFT_SHOULD_FAIL
  const weft::any_model<f32x4, f32x4> a = stage<f32x3, f32x4>{};
#else
  const weft::any_model<f32x4, f32x4> a = stage<f32x4, f32x4>{};
#endif
  (void)a;
}
