// Tests for weft/adapters.hpp: cast, reshape (row-major order on both backends), identity.
#include <weft/adapters.hpp>
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <string>

namespace {
using vec4 = Eigen::Matrix<float, 4, 1>;
using vec6 = Eigen::Matrix<float, 6, 1>;
struct pass4 {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x; }
};
}  // namespace

// Output types: same backend and family, scalar or extents changed as asked.
static_assert(std::is_same_v<weft::cast_t<double>::output<vec4>, Eigen::Matrix<double, 4, 1>>);
static_assert(std::is_same_v<weft::cast_t<int>::output<Eigen::Array<float, 2, 3>>, Eigen::Array<int, 2, 3>>);
static_assert(std::is_same_v<weft::cast_t<double>::output<Eigen::Map<const vec4>>, Eigen::Matrix<double, 4, 1>>);
static_assert(std::is_same_v<weft::cast_t<double>::output<xt::xtensor<float, 2>>, xt::xtensor<double, 2>>);
static_assert(std::is_same_v<weft::cast_t<double>::output<xt::xarray<float>>, xt::xarray<double>>);
static_assert(std::is_same_v<weft::reshape_t<2, 3>::output<vec6>, Eigen::Matrix<float, 2, 3, Eigen::RowMajor>>);
static_assert(std::is_same_v<weft::reshape_t<2, 3, 1>::output<xt::xtensor<float, 1>>,
                             xt::xtensor_fixed<float, xt::xshape<2, 3, 1>>>);
static_assert(weft::reshape_t<2, 2>::accepts<vec4>);
static_assert(!weft::reshape_t<3, 3>::accepts<vec4>);
static_assert(!weft::reshape_t<2, 2, 1>::accepts<vec4>);  // Eigen has no rank 3
static_assert(weft::reshape_t<2, 2>::accepts<Eigen::VectorXf>);  // checked at run time
static_assert(std::is_same_v<weft::identity_t::output<Eigen::Map<const vec4>>, vec4>);

TEST_CASE("cast converts every element and keeps extents and layout") {
  using weft::operator|;
  auto p = pass4{} | weft::cast<int>;
  const auto y = p(vec4(1.7f, -2.2f, 3.0f, 4.9f));
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(y)>, Eigen::Matrix<int, 4, 1>>);
  CHECK(y(0) == 1);
  CHECK(y(1) == -2);
  CHECK(y(3) == 4);
  xt::xtensor<float, 2, xt::layout_type::column_major> cm = {{1.5f, 2.5f, 3.5f}, {4.5f, 5.5f, 6.5f}};
  const auto d = weft::cast_t<double>::apply(cm);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) CHECK(d(i, j) == static_cast<double>(cm(i, j)));
}

TEST_CASE("reshape uses row-major index order whatever the backend and layout") {
  const vec6 v = (vec6() << 0, 1, 2, 3, 4, 5).finished();
  const auto m = weft::reshape_t<2, 3>::apply(v);
  CHECK(m(0, 0) == 0.0f);
  CHECK(m(0, 2) == 2.0f);
  CHECK(m(1, 0) == 3.0f);
  CHECK(m(1, 2) == 5.0f);
  // a column-major Eigen matrix flattens in row-major logical order, like NumPy
  Eigen::Matrix<float, 2, 3> cm;
  cm << 0, 1, 2, 3, 4, 5;
  const auto flat = weft::reshape_t<6>::apply(cm);
  for (int i = 0; i < 6; ++i) CHECK(flat(i) == static_cast<float>(i));
  const xt::xtensor<float, 2> x = {{0, 1, 2}, {3, 4, 5}};
  const auto back = weft::reshape_t<3, 2>::apply(x);
  CHECK(back(0, 1) == 1.0f);
  CHECK(back(2, 0) == 4.0f);
}

TEST_CASE("reshape of a dynamic input checks the element count at run time") {
  Eigen::VectorXf five(5);
  five.setZero();
  using to_2x2 = weft::reshape_t<2, 2>;
  CHECK_THROWS_AS((void)to_2x2::apply(five), weft::shape_error);
  try {
    (void)weft::reshape_t<2, 2>::apply(five);
  } catch (const weft::shape_error& e) {
    CHECK(e.expected() == "f32[2,2]");
    CHECK(e.actual() == "f32[5]");
  }
  Eigen::VectorXf four = Eigen::VectorXf::LinSpaced(4, 0, 3);
  const auto m = weft::reshape_t<2, 2>::apply(four);
  CHECK(m(1, 0) == 2.0f);
}

TEST_CASE("identity passes the value on as its owning type") {
  using weft::operator|;
  auto p = pass4{} | weft::identity;
  CHECK(p(vec4(1, 2, 3, 4))(3) == 4.0f);
  const float raw[4] = {9, 8, 7, 6};
  const Eigen::Map<const vec4> view(raw);
  const vec4 owned = weft::identity_t::apply(view);
  CHECK(owned(0) == 9.0f);
  CHECK(owned.data() != raw);
}
