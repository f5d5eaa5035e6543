// expect-head: weft
// expect-head: batched_sample
// expect-head: optional
// expect: weft: batched: the model must return a tensor
#include <optional>
#include <weft/batched.hpp>
#include <weft/eigen.hpp>
#include "common.hpp"
int main() {
#ifdef WEFT_SHOULD_FAIL
  auto b = weft::batched(stage<f32x4, std::optional<f32x4>>{});
#else
  auto b = weft::batched(stage<f32x4, f32x4>{});
#endif
  (void)b;
}
