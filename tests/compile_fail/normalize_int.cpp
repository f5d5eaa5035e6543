// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: normalize_t
// expect-head: i32<4>
// expect: weft: this adapter takes floating-point values
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include "common.hpp"
int main() {
#ifdef WEFT_SHOULD_FAIL
  auto p = stage<f32x4, Eigen::Matrix<int, 4, 1>>{} | weft::normalize;
#else
  auto p = stage<f32x4, f32x4>{} | weft::normalize;
#endif
  (void)p;
}
