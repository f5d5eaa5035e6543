// An Eigen-only program: weft's Eigen support and sequence, no xtensor header.
#include <weft/adapters.hpp>
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

int main() {
  using v4 = Eigen::Matrix<float, 4, 1>;
  auto p = weft::fn<v4, v4>([](const v4& x) -> v4 { return 2.0f * x; }) | weft::cast<double>;
  return p(v4::Ones()).sum() == 8.0 ? 0 : 1;
}
