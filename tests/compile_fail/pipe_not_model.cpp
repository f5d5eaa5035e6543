// A value that is not a model on the right of |.
// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: double
// expect: weft: this stage is not a weft::model
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
  auto relu = weft::fn<f32x4, f32x4>([](const f32x4& x) -> f32x4 { return x.cwiseMax(0.0f); });
#ifdef WEFT_SHOULD_FAIL
  auto p = relu | 2.0;
#else
  auto p = relu | relu;
#endif
  (void)p;
}
