// reshape<N...> whose element count differs from its input's: f32[4] to [3,3].
// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: f32<4>
// expect-head: f32<3, 3>
// expect: weft: reshape: the element counts differ
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
  using weft::operator|;
#ifdef WEFT_SHOULD_FAIL
  auto p = stage<f32x4, f32x4>{} | weft::reshape<3, 3>;
#else
  auto p = stage<f32x4, f32x4>{} | weft::reshape<2, 2>;
#endif
  (void)p;
}
