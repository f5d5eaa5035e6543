// Tests for weft/adapters.hpp: cast, reshape (row-major order on both backends), identity; concat,
// softmax, argmax, normalize, check_finite.
#include <weft/adapters.hpp>
#include <weft/eigen.hpp>
#include <weft/fan_out.hpp>
#include <weft/sequence.hpp>
#include <weft/strict.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>

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

// ---------------------------------------------------------------------------------------------
// concat, softmax, argmax, normalize, check_finite
// ---------------------------------------------------------------------------------------------

namespace {
using vec2 = Eigen::Matrix<float, 2, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using vec5 = Eigen::Matrix<float, 5, 1>;
using xvec3 = xt::xtensor_fixed<float, xt::xshape<3>>;
using xvec2 = xt::xtensor_fixed<float, xt::xshape<2>>;
using i64x1 = Eigen::Matrix<std::int64_t, 1, 1>;
using xi64x1 = xt::xtensor_fixed<std::int64_t, xt::xshape<1>>;

struct head2 {
  using input_type = vec4;
  using output_type = vec2;
  output_type operator()(const input_type& x) const { return x.head<2>(); }
};
struct tail3_x {  // same input, an xtensor output
  using input_type = vec4;
  using output_type = xvec3;
  output_type operator()(const input_type& x) const { return {x(1), x(2), x(3)}; }
};
struct first_n {  // a dynamic extent
  using input_type = vec4;
  using output_type = Eigen::VectorXf;
  Eigen::Index n;
  output_type operator()(const input_type& x) const { return x.head(n); }
};
struct takes5 {
  using input_type = vec5;
  using output_type = vec5;
  output_type operator()(const input_type& x) const { return x; }
};
template <class T>
struct pass {
  using input_type = T;
  using output_type = T;
  output_type operator()(const input_type& x) const { return x; }
};
}  // namespace

// concat: the first part's backend, static extents add up, any dyn part makes the sum dyn.
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<vec2, xvec3>>, vec5>);
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<xvec3, vec2>>, xt::xtensor_fixed<float, xt::xshape<5>>>);
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<vec2, Eigen::VectorXf>>, Eigen::VectorXf>);
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<xt::xtensor<float, 1>, vec2>>, xt::xtensor<float, 1>>);
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<Eigen::Matrix<float, 1, 3>, vec2>>, vec5>);
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<Eigen::Array<float, 2, 1>, vec3>>, Eigen::Array<float, 5, 1>>);
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<Eigen::Map<const vec2>>>, vec2>);
static_assert(weft::concat_t::accepts<std::tuple<vec2, xvec3, Eigen::VectorXf>>);
static_assert(!weft::concat_t::accepts<vec4>);                                         // not a tuple
static_assert(!weft::concat_t::accepts<std::tuple<>>);                                 // nothing to join
static_assert(!weft::concat_t::accepts<std::tuple<vec2, Eigen::Matrix<float, 2, 3>>>); // rank 2
static_assert(!weft::concat_t::accepts<std::tuple<vec2, xt::xarray<float>>>);          // rank unknown
static_assert(!weft::concat_t::accepts<std::tuple<vec2, Eigen::Matrix<double, 2, 1>>>); // scalar differs
static_assert(!weft::concat_t::accepts<std::tuple<vec2, std::optional<vec2>>>);        // not a tensor
static_assert(weft::detail::concat_judgement<std::tuple<vec2, Eigen::Matrix<float, 2, 3>>>::part == 1);
static_assert(weft::detail::concat_judgement<std::tuple<vec2, vec2, Eigen::Matrix<double, 2, 1>>>::problem == 3);

// softmax, normalize: rank 1 (or an xarray, checked at run time) or a batch (tests/adapters_batch.cpp),
// floating point; same owning type.
static_assert(std::is_same_v<weft::softmax_t::output<vec4>, vec4>);
static_assert(std::is_same_v<weft::softmax_t::output<Eigen::Map<const vec4>>, vec4>);
static_assert(std::is_same_v<weft::softmax_t::output<Eigen::Matrix<double, 1, 3>>, Eigen::Matrix<double, 1, 3>>);
static_assert(std::is_same_v<weft::softmax_t::output<xt::xarray<float>>, xt::xarray<float>>);
static_assert(std::is_same_v<weft::normalize_t::output<xt::xtensor<double, 1>>, xt::xtensor<double, 1>>);
static_assert(weft::softmax_t::accepts<Eigen::VectorXd> && weft::softmax_t::accepts<xvec3>);
static_assert(!weft::softmax_t::accepts<Eigen::Matrix<float, 2, 3, Eigen::RowMajor>>);
static_assert(!weft::softmax_t::accepts<xt::xtensor<float, 3>>);
static_assert(!weft::softmax_t::accepts<Eigen::Matrix<int, 4, 1>>);
static_assert(!weft::normalize_t::accepts<Eigen::Matrix<int, 4, 1>>);
static_assert(!weft::normalize_t::accepts<Eigen::Matrix<float, 2, 2, Eigen::RowMajor>>);
static_assert(!weft::softmax_t::accepts<std::tuple<vec4>>);

// argmax: one std::int64_t, a rank-1 tensor of extent 1 of the input's backend; any scalar.
static_assert(std::is_same_v<weft::argmax_t::output<vec4>, i64x1>);
static_assert(std::is_same_v<weft::argmax_t::output<Eigen::Map<const Eigen::VectorXd>>, i64x1>);
static_assert(std::is_same_v<weft::argmax_t::output<Eigen::Array<float, 4, 1>>, Eigen::Array<std::int64_t, 1, 1>>);
static_assert(std::is_same_v<weft::argmax_t::output<xvec3>, xi64x1>);
static_assert(std::is_same_v<weft::argmax_t::output<xt::xarray<int>>, xi64x1>);
static_assert(weft::argmax_t::accepts<Eigen::Matrix<int, 4, 1>>);
static_assert(!weft::argmax_t::accepts<Eigen::Matrix<float, 2, 3, Eigen::RowMajor>>);
static_assert(!weft::argmax_t::accepts<xt::xtensor_fixed<float, xt::xshape<2, 2, 2>>>);
static_assert(weft::spec_name<weft::argmax_t::output<vec4>>() == "i64[1]");

// check_finite: any tensor, any rank but a row-major Eigen matrix (not a batch); its owning type.
static_assert(weft::check_finite_t::accepts<Eigen::Matrix<float, 2, 3>> && weft::check_finite_t::accepts<xt::xarray<double>>);
static_assert(weft::check_finite_t::accepts<xt::xtensor<float, 3>>);
static_assert(!weft::check_finite_t::accepts<Eigen::Matrix<float, 2, 3, Eigen::RowMajor>>);
static_assert(!weft::check_finite_t::accepts<std::tuple<vec4>>);
static_assert(std::is_same_v<weft::check_finite_t::output<Eigen::Map<const vec4>>, vec4>);

TEST_CASE("fan_out | concat joins rank-1 outputs of either backend into the first branch's backend") {
  auto p = weft::fan_out(head2{}, tail3_x{}) | weft::concat;
  static_assert(weft::model<decltype(p)>);
  static_assert(std::is_same_v<decltype(p)::output_type, vec5>);
  const vec5 y = p(vec4(1, 2, 3, 4));
  CHECK(y == (vec5() << 1, 2, 2, 3, 4).finished());

  auto q = weft::fan_out(tail3_x{}, head2{}) | weft::concat;
  static_assert(std::is_same_v<decltype(q)::output_type, xt::xtensor_fixed<float, xt::xshape<5>>>);
  const auto z = q(vec4(1, 2, 3, 4));
  CHECK(z(0) == 2.0f);
  CHECK(z(2) == 4.0f);
  CHECK(z(3) == 1.0f);
  CHECK(z(4) == 2.0f);
}

TEST_CASE("a stage taking the summed size connects after concat; get reaches the fan_out") {
  using weft::operator|;
  auto p = pass<vec4>{} | weft::fan_out(head2{}, tail3_x{}) | weft::concat | takes5{};
  static_assert(decltype(p)::size == 4);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(weft::get<1>(p))>, weft::fan_out<head2, tail3_x>>);
  CHECK(p(vec4(5, 6, 7, 8))(4) == 8.0f);
  // every connection here is an identity or a view: strict accepts it
  auto s = weft::strict(weft::fan_out(head2{}, tail3_x{}) | weft::concat | takes5{});
  CHECK(s(vec4(1, 2, 3, 4))(0) == 1.0f);
}

TEST_CASE("concat of a dynamic part has a dynamic extent and a run-time size") {
  auto p = weft::fan_out(head2{}, first_n{3}, tail3_x{}) | weft::concat;
  static_assert(std::is_same_v<decltype(p)::output_type, Eigen::VectorXf>);
  const Eigen::VectorXf y = p(vec4(1, 2, 3, 4));
  REQUIRE(y.size() == 8);
  const float want[] = {1, 2, 1, 2, 3, 2, 3, 4};
  for (int i = 0; i < 8; ++i) CHECK(y(i) == want[i]);
  // a checked connection after it: the sum fits a stage taking 5 only at run time
  using weft::operator|;
  auto q = weft::fan_out(head2{}, first_n{3}) | weft::concat | takes5{};
  CHECK(q(vec4(1, 2, 3, 4))(4) == 3.0f);
  weft::get<1>(weft::get<0>(q)).n = 2;
  try {
    (void)q(vec4(1, 2, 3, 4));
    FAIL("no shape_error");
  } catch (const weft::shape_error& e) {
    CHECK(e.path_text() == "sequence[2]");  // the stage receiving the value: takes5
    CHECK(e.actual() == "f32[4]");
  }
}

TEST_CASE("concat reads strided parts in index order") {
  const float raw[6] = {0, 10, 1, 11, 2, 12};
  const Eigen::Map<const vec3, 0, Eigen::InnerStride<2>> strided(raw);
  const auto y = weft::concat_t::apply(std::tuple<Eigen::Map<const vec3, 0, Eigen::InnerStride<2>>, vec2>(strided, vec2(7, 8)));
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(y)>, vec5>);
  CHECK(y == (vec5() << 0, 1, 2, 7, 8).finished());
}

TEST_CASE("softmax is exp(x - max) / sum, stable for large inputs, on either backend") {
  const vec4 x(1, 2, 3, 4);
  const vec4 y = weft::softmax_t::apply(x);
  const float z = std::exp(1.f) + std::exp(2.f) + std::exp(3.f) + std::exp(4.f);
  for (int i = 0; i < 4; ++i) CHECK(y(i) == doctest::Approx(std::exp(static_cast<float>(i + 1)) / z));
  CHECK(y.sum() == doctest::Approx(1.0f));
  // exp(1000) overflows float; subtracting the max keeps softmax finite
  const vec4 big = weft::softmax_t::apply(vec4(1000, 1001, 1002, 1003));
  for (int i = 0; i < 4; ++i) CHECK(big(i) == doctest::Approx(y(i)));
  const xt::xtensor<double, 1> xd = {0.0, 0.0};
  const auto yd = weft::softmax_t::apply(xd);
  CHECK(yd(0) == doctest::Approx(0.5));
  CHECK(yd(1) == doctest::Approx(0.5));
  // a row vector and a dynamic vector keep their types
  const Eigen::RowVector3d r = weft::softmax_t::apply(Eigen::RowVector3d(0, 0, 0));
  CHECK(r(2) == doctest::Approx(1.0 / 3));
  CHECK(weft::softmax_t::apply(Eigen::VectorXf(0)).size() == 0);
}

TEST_CASE("softmax propagates NaN; an xarray of rank 2 is a shape_error") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const vec4 y = weft::softmax_t::apply(vec4(1, nan, 3, 4));
  for (int i = 0; i < 4; ++i) CHECK(std::isnan(y(i)));
  const xt::xarray<float> one = {1.0f, 1.0f};
  CHECK(weft::softmax_t::apply(one)(1) == doctest::Approx(0.5f));
  const xt::xarray<float> two = {{1.0f, 2.0f}, {3.0f, 4.0f}};
  try {
    (void)weft::softmax_t::apply(two);
    FAIL("no shape_error");
  } catch (const weft::shape_error& e) {
    CHECK(e.expected() == "f32[?]");
    CHECK(e.actual() == "f32[2,2]");
  }
}

TEST_CASE("argmax: the lowest index of the maximum, the first NaN, as std::int64_t") {
  const i64x1 a = weft::argmax_t::apply(vec4(1, 7, 7, 3));
  CHECK(a(0) == 1);  // a tie goes to the lowest index
  CHECK(weft::argmax_t::apply(vec4(9, 7, 7, 3))(0) == 0);
  CHECK(weft::argmax_t::apply(vec4(0.25f, 0.25f, 0.25f, 0.25f))(0) == 0);  // vote shares all tied
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(weft::argmax_t::apply(vec4(1, 9, nan, nan))(0) == 2);
  CHECK(weft::argmax_t::apply(vec4(nan, 9, 1, 1))(0) == 0);
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(weft::argmax_t::apply(vec4(-inf, -inf, -inf, -inf))(0) == 0);
  const xt::xtensor<int, 1> xi = {3, -1, 8, 8};
  const xi64x1 b = weft::argmax_t::apply(xi);
  CHECK(b(0) == 2);
  const float raw[6] = {0, 10, 5, 11, 2, 12};
  const Eigen::Map<const vec3, 0, Eigen::InnerStride<2>> strided(raw);
  CHECK(weft::argmax_t::apply(strided)(0) == 1);
}

TEST_CASE("argmax of an empty vector is a shape_error") {
  try {
    (void)weft::argmax_t::apply(Eigen::VectorXf(0));
    FAIL("no shape_error");
  } catch (const weft::shape_error& e) {
    CHECK(e.expected() == "a non-empty f32[?]");
    CHECK(e.actual() == "f32[0]");
  }
}

TEST_CASE("softmax | argmax in a pipeline gives the winning class") {
  using weft::operator|;
  auto p = pass<vec4>{} | weft::softmax | weft::argmax;
  static_assert(std::is_same_v<decltype(p)::output_type, i64x1>);
  CHECK(p(vec4(0.1f, 2.0f, -1.0f, 1.9f))(0) == 1);
  auto q = pass<xvec3>{} | weft::argmax;
  static_assert(std::is_same_v<decltype(q)::output_type, xi64x1>);
  CHECK(q(xvec3{1.0f, 5.0f, 2.0f})(0) == 1);
}

TEST_CASE("normalize divides by the sum; a zero sum is a weft::error") {
  const vec4 y = weft::normalize_t::apply(vec4(1, 1, 2, 4));
  CHECK(y(0) == doctest::Approx(0.125f));
  CHECK(y(3) == doctest::Approx(0.5f));
  const xt::xtensor<double, 1> x = {2.0, -1.0};
  CHECK(weft::normalize_t::apply(x)(1) == doctest::Approx(-1.0));
  using weft::operator|;
  auto p = pass<vec4>{} | pass<vec4>{} | weft::normalize;
  try {
    (void)p(vec4(1, -1, 0, 0));
    FAIL("no weft::error");
  } catch (const weft::error& e) {
    CHECK(e.path_text() == "sequence[2]");
    CHECK(std::string(e.what()) ==
          "weft: error at sequence[2]: normalize: the elements of f32[4] sum to zero; a unit sum is undefined");
  }
}

TEST_CASE("check_finite passes finite values on and names the spec and index of the first bad one") {
  const vec4 ok = weft::check_finite_t::apply(vec4(1, 2, 3, 4));
  CHECK(ok(3) == 4.0f);
  CHECK(weft::check_finite_t::apply(Eigen::Matrix<int, 2, 1>(1, 2))(1) == 2);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  try {
    Eigen::VectorXf v = Eigen::VectorXf::LinSpaced(5, 0, 4);
    v(3) = inf;
    (void)weft::check_finite_t::apply(v);
    FAIL("no non_finite_error");
  } catch (const weft::non_finite_error& e) {
    CHECK(e.index() == 3);
    CHECK(std::string(e.what()) == "weft: non_finite_error: non-finite value at flat index 3 of f32[5]");
  }
  // a tensor of rank 3 (not a batch) reports the row-major (flat index) position, like NumPy
  xt::xtensor<double, 3> x = xt::zeros<double>({2, 2, 2});
  x(1, 0, 1) = -inf;
  x(1, 1, 0) = nan;
  try {
    (void)weft::check_finite_t::apply(x);
    FAIL("no non_finite_error");
  } catch (const weft::non_finite_error& e) {
    CHECK(e.index() == 5);
    CHECK(std::string(e.what()).find("flat index 5 of f64[2,2,2]") != std::string::npos);
  }
}

TEST_CASE("check_finite inside a sequence names the stage: sequence[2]") {
  using weft::operator|;
  auto p = pass<vec4>{} | weft::fn<vec4, vec4>([](const vec4& x) -> vec4 { return x.cwiseInverse(); }) | weft::check_finite;
  CHECK(p(vec4(1, 2, 4, 8))(3) == 0.125f);
  try {
    (void)p(vec4(1, 0, 4, 8));
    FAIL("no non_finite_error");
  } catch (const weft::non_finite_error& e) {
    CHECK(e.index() == 1);
    CHECK(e.path_text() == "sequence[2]");
    CHECK(std::string(e.what()) == "weft: non_finite_error at sequence[2]: non-finite value at flat index 1 of f32[4]");
  }
}
