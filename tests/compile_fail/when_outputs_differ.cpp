// A when whose else_model returns f32[3] where then_model returns f32[4].
// expect-head: weft
// expect-head: when_branch<1>
// expect-head: f32<4>
// expect-head: f32<3>
// expect: weft: when: then_model's and else_model's outputs differ
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/when.hpp>

#include "common.hpp"

struct always {
  bool operator()(const f32x4&) const { return true; }
};

int main() {
#ifdef WEFT_SHOULD_FAIL
  using otherwise = stage<f32x4, f32x3>;
#else
  using otherwise = stage<f32x4, f32x4>;
#endif
  auto w = weft::when(always{}, stage<f32x4, f32x4>{}, otherwise{});
  (void)w;
}
