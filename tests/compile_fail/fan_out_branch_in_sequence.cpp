// A fan_out branch whose input the shared input cannot reach, inside a sequence: f32[4] into f64[4].
// expect-head: weft
// expect-head: fan_out_branch<1>
// expect-head: f32<4>
// expect-head: f64<4>
// expect: weft: the scalar type arriving at this stage differs
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/fan_out.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
  using weft::operator|;
#ifdef WEFT_SHOULD_FAIL
  using second = stage<f64x4, f64x4>;
#else
  using second = stage<f32x4, f64x4>;
#endif
  auto p = stage<f32x4, f32x4>{} | weft::fan_out(stage<f32x4, f32x3>{}, second{});
  (void)p;
}
