// A downstream program using both backends: an Eigen stage, then an xtensor stage (weft bridges).
#include <weft/weft.hpp>

int main() {
  using ev4 = Eigen::Matrix<float, 4, 1>;
  using xv4 = xt::xtensor_fixed<float, xt::xshape<4>>;
  auto twice = weft::fn<ev4, ev4>([](const ev4& x) -> ev4 { return 2.0f * x; });
  auto plus1 = weft::fn<xv4, xv4>([](const xv4& x) -> xv4 { return x + 1.0f; });
  auto p = twice | plus1 | weft::cast<double>;
  const auto y = p(ev4::Ones());
  return y(0) + y(1) + y(2) + y(3) == 12.0 ? 0 : 1;
}
