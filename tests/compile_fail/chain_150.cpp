// A 150-stage `|` chain compiles, cheaply (issue 18: each `|` judges and copies only the new link, so
// the chain costs about what weft::sequence(...) of the same stages costs); a mismatch at its last
// stage still gives one error naming that stage.
// expect-head: weft
// expect-head: sequence_stage<149>
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
  auto p = s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | s{} | BAD{};
#ifndef WEFT_SHOULD_FAIL
  static_assert(decltype(p)::size == 150);
  const f32x4 y = p(f32x4::Zero());
  (void)y;
  auto longer = p | s{};  // an lvalue on the left: its stages are copied, p stays whole
  static_assert(decltype(longer)::size == 151);
#endif
  (void)p;
}
