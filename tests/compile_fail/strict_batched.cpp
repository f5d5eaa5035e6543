// expect-head: weft
// expect-head: batched_sample
// expect: weft: strict
#include <weft/batched.hpp>
#include <weft/eigen.hpp>
#include "common.hpp"
int main() {
#ifdef WEFT_SHOULD_FAIL
  auto b = weft::strict(weft::batched(stage<f32x4, f32x4>{}));
#else
  auto b = weft::strict(weft::batched(stage<Eigen::Map<const f32x4>, f32x4>{}));
#endif
  (void)b;
}
