// expect-head: weft
// expect-head: batcher_model
// expect: weft: batcher: the model must be batch-native
#include <chrono>
#include <weft/batcher.hpp>
#include <weft/eigen.hpp>
#include "common.hpp"

struct doubler_batch_native {
  using input_type = f32x4;
  using output_type = f32x4;
  f32x4 operator()(const f32x4& x) const { return 2.0f * x; }
  Eigen::Matrix<float, 4, Eigen::Dynamic> call_batch(const Eigen::Matrix<float, 4, Eigen::Dynamic>& b) const {
    return 2.0f * b;
  }
};

int main() {
#ifdef WEFT_SHOULD_FAIL
  auto b = weft::batcher(stage<f32x4, f32x4>{}, 8, std::chrono::microseconds(100));
#else
  auto b = weft::batcher(doubler_batch_native{}, 8, std::chrono::microseconds(100));
#endif
  (void)b;
}
