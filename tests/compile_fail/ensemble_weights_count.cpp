// weft::weighted given three weights for an ensemble of two branches.
// expect-head: weft
// expect-head: ensemble_reducer
// expect-head: weight_count<3>
// expect-head: branch_count<2>
// expect: weft: ensemble: weft::weighted\(w\.\.\.\) needs exactly one weight per branch
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>

#include "common.hpp"

int main() {
#ifdef WEFT_SHOULD_FAIL
  auto e = weft::ensemble(weft::weighted(0.5, 0.3, 0.2), stage<f32x4, f32x4>{}, stage<f32x4, f32x4>{});
#else
  auto e = weft::ensemble(weft::weighted(0.5, 0.5), stage<f32x4, f32x4>{}, stage<f32x4, f32x4>{});
#endif
  (void)e;
}
