// A route whose gate returns 4 probabilities for 3 experts.
// expect-head: weft
// expect-head: route_gate
// expect-head: gate_width<4>
// expect-head: expert_count<3>
// expect: weft: route: the gate's output width differs from the number of experts
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/route.hpp>

#include "common.hpp"

int main() {
  using expert = stage<f32x4, f32x4>;
#ifdef WEFT_SHOULD_FAIL
  using gate = stage<f32x4, f32x4>;
#else
  using gate = stage<f32x4, f32x3>;
#endif
  auto r = weft::route(weft::top1, gate{}, expert{}, expert{}, expert{});
  (void)r;
}
