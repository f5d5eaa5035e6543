// A route whose expert 1 returns another spec than expert 0: f32[4] and f32[3].
// expect-head: weft
// expect-head: route_expert<1>
// expect-head: f32<4>
// expect-head: f32<3>
// expect: weft: route: this expert's output spec differs from expert 0's
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/route.hpp>

#include "common.hpp"

int main() {
#ifdef WEFT_SHOULD_FAIL
  using second = stage<f32x4, f32x3>;
#else
  using second = stage<f32x4, f32x4>;
#endif
  using gate = stage<f32x4, Eigen::Vector2f>;
  auto r = weft::route(weft::top_k<2>, gate{}, stage<f32x4, f32x4>{}, second{});
  (void)r;
}
