// expect-head: weft
// expect-head: sequence_stage<1>
// expect: weft: a static extent arriving
#include <weft/batched.hpp>
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include "common.hpp"
int main() {
  using weft::operator|;
#ifdef WEFT_SHOULD_FAIL
  auto b = stage<f32x4, Eigen::Matrix<float, 3, Eigen::Dynamic>>{} | weft::batched(stage<f32x4, f32x4>{});
#else
  auto b = stage<f32x4, Eigen::Matrix<float, 4, Eigen::Dynamic>>{} | weft::batched(stage<f32x4, f32x4>{});
#endif
  (void)b;
}
