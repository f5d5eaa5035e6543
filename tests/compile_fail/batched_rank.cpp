// expect-head: weft
// expect-head: batched_sample
// expect-head: f32<2, 2>
// expect: weft: batched: cannot batch this spec
#include <weft/batched.hpp>
#include <weft/eigen.hpp>
#include "common.hpp"
int main() {
#ifdef WEFT_SHOULD_FAIL
  auto b = weft::batched(stage<f32x2x2, f32x4>{});
#else
  auto b = weft::batched(stage<f32x4, f32x4>{});
#endif
  (void)b;
}
