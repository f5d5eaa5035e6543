// Registering a model whose input is an int32 tensor: the configured value types are f32, f64 and
// i64 of rank 1 or 2, so registry::add<M> refuses it where it is called.
// expect: weft: registry::add<M>: M's input_type must be a tensor of scalar float, double or std::int64_t
// max-lines: 12
#include <weft/config.hpp>
#include <weft/eigen.hpp>
#include "common.hpp"
int main() {
#ifdef WEFT_SHOULD_FAIL
  using in = Eigen::Matrix<int, 4, 1>;
#else
  using in = f32x4;
#endif
  weft::registry reg;
  reg.add<stage<in, f32x4>>("m", [](const nlohmann::json&) { return stage<in, f32x4>{}; });
}
