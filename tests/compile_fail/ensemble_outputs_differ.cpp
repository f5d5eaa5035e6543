// An ensemble whose second branch returns another spec than the first: f32[4] and f32[3].
// expect-head: weft
// expect-head: ensemble_branch<1>
// expect-head: f32<4>
// expect-head: f32<3>
// expect: weft: ensemble: this branch's output spec differs from the first branch's
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>

#include "common.hpp"

int main() {
#ifdef WEFT_SHOULD_FAIL
  using second = stage<f32x4, f32x3>;
#else
  using second = stage<f32x4, f32x4>;
#endif
  auto e = weft::ensemble(weft::mean, stage<f32x4, f32x4>{}, second{});
  (void)e;
}
