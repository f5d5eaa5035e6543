// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: concat_part<1>
// expect-head: f64<4>
// expect: weft: concat: this part's scalar type differs
#include <weft/eigen.hpp>
#include <weft/fan_out.hpp>
#include "common.hpp"
int main() {
#ifdef WEFT_SHOULD_FAIL
  auto p = weft::fan_out(stage<f32x4, f32x3>{}, stage<f32x4, f64x4>{}) | weft::concat;
#else
  auto p = weft::fan_out(stage<f32x4, f32x3>{}, stage<f32x4, f32x4>{}) | weft::concat;
#endif
  (void)p;
}
