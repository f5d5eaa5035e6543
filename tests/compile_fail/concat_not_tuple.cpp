// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: f32<4>
// expect: weft: concat: joins the std::tuple
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include "common.hpp"
int main() {
#ifdef WEFT_SHOULD_FAIL
  auto p = stage<f32x4, f32x4>{} | weft::concat;
#else
  auto p = stage<f32x4, f32x4>{} | weft::identity;
#endif
  (void)p;
}
