// An adapter cannot start a pipeline.
// expect-head: weft
// expect-head: cast_t<double>
// expect: weft: an adapter cannot start a pipeline
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
#ifdef WEFT_SHOULD_FAIL
  auto p = weft::cast<double> | stage<f64x4, f64x4>{};
#else
  auto p = stage<f32x4, f32x4>{} | weft::cast<double>;
#endif
  (void)p;
}
