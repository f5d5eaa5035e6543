// A fallback condition that cannot take the fallback's output: a predicate on f32[3] given to a
// fallback whose output is f32[4].
// expect-head: weft
// expect-head: fallback_condition<1>
// expect-head: f32<4>
// expect-head: f32<3>
// expect: weft: fallback: this condition cannot be called on the fallback's output
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/fallback.hpp>

#include "common.hpp"

int main() {
#ifdef WEFT_SHOULD_FAIL
  auto at_least_one = [](const f32x3& v) { return v.maxCoeff() < 1.0f; };
#else
  auto at_least_one = [](const f32x4& v) { return v.maxCoeff() < 1.0f; };
#endif
  auto fb = weft::fallback(stage<f32x4, f32x4>{}, stage<f32x4, f32x4>{}).when(weft::non_finite).when(at_least_one);
  (void)fb;
}
