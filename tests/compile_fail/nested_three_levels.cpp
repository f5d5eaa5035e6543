// A mismatch three levels deep: the innermost sequence is judged first and named by its own stage.
// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: f32<4>
// expect-head: f64<4>
// expect: weft: the scalar type arriving at this stage differs
// max-lines: 25
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

using s44 = stage<f32x4, f32x4>;

int main() {
#ifdef WEFT_SHOULD_FAIL
  using last = stage<f64x4, f32x4>;
#else
  using last = s44;
#endif
  auto p = weft::sequence(s44{}, weft::sequence(s44{}, weft::sequence(s44{}, last{})));
  (void)p;
}
