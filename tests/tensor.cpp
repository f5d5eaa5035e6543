// Tests for weft/tensor.hpp: weft::extents, the weft::tensor concept, rank_v / scalar_t, spec_t and
// spec_name (compile-time spec texts) and actual_spec_name (run-time extents).
// Local test-only types specialise tensor_traits so that tensor.hpp is exercised on its own; the
// Eigen and xtensor types check the texts a user meets in diagnostics.
#include <weft/eigen.hpp>
#include <weft/tensor.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <array>
#include <complex>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace test_types {
struct toy {};          // i16, rank 3, extents <2, dyn, 5>, column-major
struct big {};          // f32 [1000000, 0], row-major
struct complexish {};   // std::complex<float>, rank 1
struct flags {};        // bool [2, 2], row-major
struct bytes {};        // uint8 rank 0
struct half_traits {};  // tensor_traits without extents_type or rank: not a tensor
struct no_traits {};    // no tensor_traits at all
}  // namespace test_types

template <>
struct weft::tensor_traits<test_types::toy> {
  using scalar_type = std::int16_t;
  static constexpr std::ptrdiff_t rank = 3;
  using extents_type = weft::extents<2, weft::dyn, 5>;
  static constexpr weft::layout layout = weft::layout::col_major;
};
template <>
struct weft::tensor_traits<test_types::big> {
  using scalar_type = float;
  static constexpr std::ptrdiff_t rank = 2;
  using extents_type = weft::extents<1000000, 0>;
  static constexpr weft::layout layout = weft::layout::row_major;
};
template <>
struct weft::tensor_traits<test_types::complexish> {
  using scalar_type = std::complex<float>;
  static constexpr std::ptrdiff_t rank = 1;
  using extents_type = weft::extents<3>;
  static constexpr weft::layout layout = weft::layout::none;
};
template <>
struct weft::tensor_traits<test_types::flags> {
  using scalar_type = bool;
  static constexpr std::ptrdiff_t rank = 2;
  using extents_type = weft::extents<2, 2>;
  static constexpr weft::layout layout = weft::layout::row_major;
};
template <>
struct weft::tensor_traits<test_types::bytes> {
  using scalar_type = std::uint8_t;
  static constexpr std::ptrdiff_t rank = 0;
  using extents_type = weft::extents<>;
  static constexpr weft::layout layout = weft::layout::none;
};
template <>
struct weft::tensor_traits<test_types::half_traits> {
  using scalar_type = float;
};

namespace {

using test_types::toy;
using weft::dyn;

// =============================================================================================
// weft::dyn and weft::extents
// =============================================================================================

static_assert(dyn == -1, "dyn must print as -1 in diagnostics");
static_assert(std::is_signed_v<decltype(dyn)>);

//                       rank                               all_static                          size
static_assert(weft::extents<>::rank == 0);
static_assert(weft::extents<>::all_static);
static_assert(weft::extents<>::size == 1);
static_assert(weft::extents<4>::rank == 1);
static_assert(weft::extents<4>::all_static);
static_assert(weft::extents<4>::size == 4);
static_assert(weft::extents<dyn>::rank == 1);
static_assert(!weft::extents<dyn>::all_static);
static_assert(weft::extents<dyn>::size == dyn);
static_assert(weft::extents<2, 3>::rank == 2);
static_assert(weft::extents<2, 3>::all_static);
static_assert(weft::extents<2, 3>::size == 6);
static_assert(weft::extents<dyn, 784>::rank == 2);
static_assert(!weft::extents<dyn, 784>::all_static);
static_assert(weft::extents<dyn, 784>::size == dyn);
static_assert(weft::extents<784, dyn>::size == dyn);
static_assert(weft::extents<2, 3, 4>::rank == 3);
static_assert(weft::extents<2, 3, 4>::size == 24);
static_assert(weft::extents<2, 0, 4>::size == 0);
static_assert(weft::extents<2, 0, 4>::all_static);
static_assert(weft::extents<1, 1, 1, 1, 1, 1, 1, 1, 7>::rank == 9);
static_assert(weft::extents<1, 1, 1, 1, 1, 1, 1, 1, 7>::size == 7);

// values: each extent in order, dyn kept as -1
static_assert(weft::extents<>::values.size() == 0);
static_assert(weft::extents<dyn, 784>::values.size() == 2);
static_assert(weft::extents<dyn, 784>::values[0] == -1);
static_assert(weft::extents<dyn, 784>::values[1] == 784);
static_assert(weft::extents<2, dyn, 5>::values[0] == 2);
static_assert(weft::extents<2, dyn, 5>::values[1] == dyn);
static_assert(weft::extents<2, dyn, 5>::values[2] == 5);

// extents is a strong type: equal values make the same type, others do not
static_assert(std::is_same_v<weft::extents<2, 3>, weft::extents<2, 3>>);
static_assert(!std::is_same_v<weft::extents<2, 3>, weft::extents<3, 2>>);
static_assert(!std::is_same_v<weft::extents<6>, weft::extents<2, 3>>);

// =============================================================================================
// weft::tensor: positives and negatives
// =============================================================================================

// test-only types
static_assert(weft::tensor<toy>);
static_assert(weft::tensor<const toy>);
static_assert(weft::tensor<toy&>);
static_assert(weft::tensor<const toy&>);
static_assert(weft::tensor<toy&&>);
static_assert(weft::tensor<test_types::big>);
static_assert(weft::tensor<test_types::complexish>);
static_assert(weft::tensor<test_types::flags>);
static_assert(weft::tensor<test_types::bytes>);
static_assert(!weft::tensor<test_types::half_traits>);
static_assert(!weft::tensor<test_types::no_traits>);

// things that are not tensors
static_assert(!weft::tensor<int>);
static_assert(!weft::tensor<float>);
static_assert(!weft::tensor<float*>);
static_assert(!weft::tensor<float[4]>);
static_assert(!weft::tensor<std::vector<float>>);
static_assert(!weft::tensor<std::array<float, 4>>);
static_assert(!weft::tensor<void>);

// backend types (positives only here; eigen.cpp and xtensor.cpp hold the full tables)
static_assert(weft::tensor<Eigen::Matrix<float, 4, 1>>);
static_assert(weft::tensor<Eigen::MatrixXd>);
static_assert(weft::tensor<const Eigen::VectorXf&>);
static_assert(weft::tensor<xt::xtensor<float, 2>>);
static_assert(weft::tensor<xt::xarray<float>>);
static_assert(weft::tensor<xt::xtensor_fixed<float, xt::xshape<4>>>);
// Eigen and xtensor expressions are not tensors: a stage's input_type is a concrete type
static_assert(!weft::tensor<decltype(Eigen::MatrixXf() + Eigen::MatrixXf())>);
static_assert(!weft::tensor<Eigen::Block<Eigen::MatrixXf>>);

// =============================================================================================
// rank_v and scalar_t (cv and references ignored)
// =============================================================================================

static_assert(weft::rank_v<toy> == 3);
static_assert(weft::rank_v<const toy&> == 3);
static_assert(weft::rank_v<test_types::bytes> == 0);
static_assert(weft::rank_v<xt::xarray<float>> == dyn);
static_assert(weft::rank_v<Eigen::Matrix<float, 1, 4>> == 1);
static_assert(std::is_same_v<weft::scalar_t<toy>, std::int16_t>);
static_assert(std::is_same_v<weft::scalar_t<const toy&>, std::int16_t>);
static_assert(std::is_same_v<weft::scalar_t<test_types::complexish>, std::complex<float>>);
static_assert(std::is_same_v<weft::scalar_t<Eigen::Matrix3d>, double>);

// =============================================================================================
// spec_t: the short type diagnostics print
// =============================================================================================

static_assert(std::is_same_v<weft::spec_t<toy>, weft::col_major<weft::i16<2, -1, 5>>>);
static_assert(std::is_same_v<weft::spec_t<const toy&>, weft::col_major<weft::i16<2, -1, 5>>>);
static_assert(std::is_same_v<weft::spec_t<test_types::big>, weft::f32<1000000, 0>>);
static_assert(std::is_same_v<weft::spec_t<test_types::complexish>, weft::tensor_of<std::complex<float>, 3>>);
static_assert(std::is_same_v<weft::spec_t<test_types::flags>, weft::b8<2, 2>>);
static_assert(std::is_same_v<weft::spec_t<test_types::bytes>, weft::u8<>>);

static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<float, 4, 1>>, weft::f32<4>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<float, 1, 4>>, weft::f32<4>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<float, Eigen::Dynamic, 784, Eigen::RowMajor>>,
                             weft::f32<-1, 784>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<float, Eigen::Dynamic, 784>>,
                             weft::col_major<weft::f32<-1, 784>>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix3d>, weft::col_major<weft::f64<3, 3>>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<std::int32_t, 2, 2, Eigen::RowMajor>>, weft::i32<2, 2>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1>>, weft::i64<-1>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<std::int8_t, 3, 1>>, weft::i8<3>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<std::uint16_t, 3, 1>>, weft::u16<3>>);
static_assert(std::is_same_v<weft::spec_t<xt::xtensor<float, 2>>, weft::f32<-1, -1>>);
static_assert(std::is_same_v<weft::spec_t<xt::xtensor<double, 2, xt::layout_type::column_major>>,
                             weft::col_major<weft::f64<-1, -1>>>);
static_assert(std::is_same_v<weft::spec_t<xt::xtensor<float, 1, xt::layout_type::column_major>>, weft::f32<-1>>);
static_assert(std::is_same_v<weft::spec_t<xt::xtensor_fixed<std::uint32_t, xt::xshape<2, 3>>>, weft::u32<2, 3>>);
static_assert(std::is_same_v<weft::spec_t<xt::xarray<float>>, weft::any_rank<weft::f32<>>>);
static_assert(std::is_same_v<weft::spec_t<xt::xarray<std::int16_t>>, weft::any_rank<weft::i16<>>>);

// the same logical tensor has the same spec, whatever its backend or container
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<float, 10, 1>>,
                             weft::spec_t<xt::xtensor_fixed<float, xt::xshape<10>>>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Map<const Eigen::VectorXf>>, weft::spec_t<xt::xtensor<float, 1>>>);
// and different tensors have different specs
static_assert(!std::is_same_v<weft::spec_t<Eigen::Matrix<float, 2, 3, Eigen::RowMajor>>,
                              weft::spec_t<Eigen::Matrix<float, 2, 3>>>);
static_assert(!std::is_same_v<weft::spec_t<Eigen::Vector4f>, weft::spec_t<Eigen::Vector4d>>);
static_assert(!std::is_same_v<weft::spec_t<xt::xarray<float>>, weft::spec_t<xt::xtensor<float, 0>>>);

// =============================================================================================
// spec_name: the same spec as text, at compile time
// =============================================================================================

using namespace std::string_view_literals;

static_assert(weft::spec_name<toy>() == "i16[2,?,5] col-major"sv);
static_assert(weft::spec_name<const toy&>() == "i16[2,?,5] col-major"sv);
static_assert(weft::spec_name<test_types::big>() == "f32[1000000,0]"sv);
static_assert(weft::spec_name<test_types::complexish>() == "scalar[3]"sv);
static_assert(weft::spec_name<test_types::flags>() == "b8[2,2]"sv);
static_assert(weft::spec_name<test_types::bytes>() == "u8[]"sv);

static_assert(weft::spec_name<Eigen::Matrix<float, 4, 1>>() == "f32[4]"sv);
static_assert(weft::spec_name<Eigen::Matrix<float, 1, 4>>() == "f32[4]"sv);  // no layout for rank 1
static_assert(weft::spec_name<Eigen::Matrix<float, 64, 1>>() == "f32[64]"sv);
static_assert(weft::spec_name<Eigen::VectorXf>() == "f32[?]"sv);
static_assert(weft::spec_name<Eigen::Matrix<float, Eigen::Dynamic, 784, Eigen::RowMajor>>() == "f32[?,784]"sv);
static_assert(weft::spec_name<Eigen::Matrix<float, Eigen::Dynamic, 784>>() == "f32[?,784] col-major"sv);
static_assert(weft::spec_name<Eigen::Matrix3d>() == "f64[3,3] col-major"sv);
static_assert(weft::spec_name<const Eigen::Matrix3d&>() == "f64[3,3] col-major"sv);
static_assert(weft::spec_name<Eigen::Matrix<double, 3, 3, Eigen::RowMajor>>() == "f64[3,3]"sv);
static_assert(weft::spec_name<Eigen::Matrix<std::int32_t, 2, 2, Eigen::RowMajor>>() == "i32[2,2]"sv);
static_assert(weft::spec_name<Eigen::Matrix<std::int64_t, 10, 1>>() == "i64[10]"sv);
static_assert(weft::spec_name<Eigen::Matrix<std::uint8_t, 10, 1>>() == "u8[10]"sv);
static_assert(weft::spec_name<Eigen::Matrix<std::uint64_t, 10, 1>>() == "u64[10]"sv);
static_assert(weft::spec_name<xt::xtensor<float, 2>>() == "f32[?,?]"sv);
static_assert(weft::spec_name<xt::xtensor<double, 2, xt::layout_type::column_major>>() == "f64[?,?] col-major"sv);
static_assert(weft::spec_name<xt::xtensor_fixed<float, xt::xshape<28, 28>>>() == "f32[28,28]"sv);
static_assert(weft::spec_name<xt::xtensor_fixed<float, xt::xshape<10>>>() == "f32[10]"sv);
static_assert(weft::spec_name<xt::xarray<float>>() == "f32[...]"sv);
static_assert(weft::spec_name<xt::xarray<double>>() == "f64[...]"sv);

TEST_CASE("spec_name is usable at run time and has static storage") {
  const std::string_view a = weft::spec_name<Eigen::Matrix<float, Eigen::Dynamic, 784, Eigen::RowMajor>>();
  const std::string_view b = weft::spec_name<Eigen::Matrix<float, Eigen::Dynamic, 784, Eigen::RowMajor>>();
  CHECK(a == "f32[?,784]");
  CHECK(a.data() == b.data());  // one compile-time object per type
  CHECK(std::string(weft::spec_name<xt::xarray<float>>()) == "f32[...]");
  CHECK(weft::spec_name<toy>().size() == std::string_view("i16[2,?,5] col-major").size());
}

// =============================================================================================
// actual_spec_name: the spec of one value's run-time extents
// =============================================================================================

weft::shape make_dims(std::initializer_list<std::ptrdiff_t> e) { return weft::shape(e); }

TEST_CASE("actual_spec_name prints the scalar and the run-time extents") {
  CHECK(weft::actual_spec_name<Eigen::Matrix<float, 4, 1>>(make_dims({3})) == "f32[3]");
  CHECK(weft::actual_spec_name<Eigen::VectorXf>(make_dims({4})) == "f32[4]");
  CHECK(weft::actual_spec_name<const Eigen::Matrix3d&>(make_dims({2, 5})) == "f64[2,5]");
  CHECK(weft::actual_spec_name<xt::xarray<float>>(make_dims({2, 3, 4})) == "f32[2,3,4]");
  CHECK(weft::actual_spec_name<xt::xarray<float>>(make_dims({})) == "f32[]");
  CHECK(weft::actual_spec_name<toy>(make_dims({2, 7, 5})) == "i16[2,7,5]");
  CHECK(weft::actual_spec_name<test_types::big>(make_dims({1000000, 0})) == "f32[1000000,0]");
  CHECK(weft::actual_spec_name<xt::xtensor<std::uint8_t, 2>>(make_dims({10, 12})) == "u8[10,12]");
}

TEST_CASE("spec_name of a run-time shape takes a scalar or a tensor type") {
  CHECK(weft::spec_name<float>(weft::shape{13}) == "f32[13]");
  CHECK(weft::spec_name<double>(weft::shape{weft::dyn, 784}) == "f64[?,784]");
  CHECK(weft::spec_name<Eigen::VectorXf>(weft::shape{3}) == "f32[3]");
  CHECK(weft::spec_name<std::int64_t>(weft::shape{}) == "i64[]");
}

TEST_CASE("static_shape reads a type's compile-time extents") {
  CHECK(weft::detail::static_shape<Eigen::Matrix<float, 4, 1>>() == weft::shape{4});
  CHECK(weft::detail::static_shape<Eigen::MatrixXf>() == weft::shape{weft::dyn, weft::dyn});
  CHECK(weft::detail::static_shape<xt::xtensor<float, 3>>().rank() == 3);
  CHECK(!weft::detail::has_static_rank<xt::xarray<float>>);
  CHECK(weft::detail::has_static_rank<xt::xtensor<float, 3>>);
}

}  // namespace
