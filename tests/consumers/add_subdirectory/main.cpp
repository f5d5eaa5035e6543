// A downstream program with weft added by add_subdirectory, using only xtensor: no Eigen header.
#include <weft/adapters.hpp>
#include <weft/sequence.hpp>
#include <weft/xtensor.hpp>

int main() {
  using v4 = xt::xtensor_fixed<float, xt::xshape<4>>;
  auto p = weft::fn<v4, v4>([](const v4& x) -> v4 { return 2.0f * x; }) | weft::cast<double>;
  const auto y = p(v4{1.0f, 1.0f, 1.0f, 1.0f});
  return y(0) + y(1) + y(2) + y(3) == 8.0 ? 0 : 1;
}
