// A mismatch at stage 73 of a 100-stage | chain: one error, naming that stage.
// expect-head: weft
// expect-head: sequence_stage<73>
// expect-head: f32<4>
// expect-head: f64<4>
// expect: weft: the scalar type arriving at this stage differs
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

using s = stage<f32x4, f32x4>;
#ifdef WEFT_SHOULD_FAIL
using BAD = stage<f64x4, f32x4>;
#else
using BAD = s;
#endif

int main() {
  using weft::operator|;
  auto p = s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | BAD{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{};
#ifndef WEFT_SHOULD_FAIL
  static_assert(decltype(p)::size == 100);
#endif
  (void)p;
}
