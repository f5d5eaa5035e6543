// A value that is not a model passed to weft::sequence.
// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: int
// expect: weft: this stage is not a weft::model
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
#ifdef WEFT_SHOULD_FAIL
  auto p = weft::sequence(stage<f32x4, f32x4>{}, 42);
#else
  auto p = weft::sequence(stage<f32x4, f32x4>{}, stage<f32x4, f32x4>{});
#endif
  (void)p;
}
