// A downstream program built with weft from FetchContent: an Eigen pipeline, checked result.
#include <weft/weft.hpp>

#include <Eigen/Dense>

int main() {
  auto p = weft::fn<Eigen::Vector4f, Eigen::Vector4f>(
               [](const Eigen::Vector4f& x) -> Eigen::Vector4f { return x * 2.0f; }) |
           weft::cast<double>;
  const auto y = p(Eigen::Vector4f::Ones());
  return y.sum() == 8.0 ? 0 : 1;
}
