// A fallback branch whose output cannot become the fallback's output type (the first branch's):
// f32[3] where the first branch answers f32[4].
// expect-head: weft
// expect-head: fallback_branch<1>
// expect-head: f32<3>
// expect-head: f32<4>
// expect: weft: fallback: this branch's output cannot become the fallback's output
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/fallback.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
  using weft::operator|;
#ifdef WEFT_SHOULD_FAIL
  using second = stage<f32x4, f32x3>;
#else
  using second = stage<f32x4, f32x4>;
#endif
  auto p = stage<f32x4, f32x4>{} | weft::fallback(stage<f32x4, f32x4>{}, second{});
  (void)p;
}
