// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: softmax_t
// expect-head: f32<2, 2>
// expect: weft: this adapter takes a rank-1 tensor
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include "common.hpp"
int main() {
#ifdef WEFT_SHOULD_FAIL
  auto p = stage<f32x4, f32x2x2>{} | weft::softmax;
#else
  auto p = stage<f32x4, f32x4>{} | weft::softmax;
#endif
  (void)p;
}
