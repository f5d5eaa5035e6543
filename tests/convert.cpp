// Tests for weft/convert.hpp: the compile-time judgement weft::conversion<From, To> (kind, then, why)
// over both backends, both layouts, fixed and dynamic extents, owning types and views, const
// sources and xt::xarray; the weft::connectable concept; then the bridges at run time (views share
// memory, copies keep logical indices, checked connections throw weft::shape_error naming both
// specs, copies into fixed-size types allocate nothing) and detail::copy_flat.
//
// Heap allocations are observed in two ways: this file replaces the global operator new/delete
// (counting only while an alloc_counter is alive), which sees xtensor and the standard library;
// Eigen allocates with malloc, so EIGEN_RUNTIME_NO_MALLOC makes Eigen assert on any heap allocation
// while an alloc_counter is alive (in builds with assertions).
#define EIGEN_RUNTIME_NO_MALLOC

#include <weft/convert.hpp>
#include <weft/eigen.hpp>
#include <weft/errors.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "support/alloc_counter.hpp"

namespace {

using weft::conversion;
using weft::conversion_kind;
using weft::mismatch;
using Eigen::Dynamic;
using Eigen::RowMajor;
using xt::layout_type;

// Eigen
using v4 = Eigen::Matrix<float, 4, 1>;
using rv4 = Eigen::Matrix<float, 1, 4>;
using v3 = Eigen::Matrix<float, 3, 1>;
using v4d = Eigen::Vector4d;
using a4 = Eigen::Array<float, 4, 1>;
using vx = Eigen::VectorXf;
using m23 = Eigen::Matrix<float, 2, 3>;                  // column-major
using m23r = Eigen::Matrix<float, 2, 3, RowMajor>;
using m24 = Eigen::Matrix<float, 2, 4>;
using m32 = Eigen::Matrix<float, 3, 2>;
using mx = Eigen::MatrixXf;                              // column-major
using mxr = Eigen::Matrix<float, Dynamic, Dynamic, RowMajor>;
using map_v4 = Eigen::Map<v4>;
using map_cv4 = Eigen::Map<const v4>;
using map_vx = Eigen::Map<vx>;
using map_cvx = Eigen::Map<const vx>;
using map_vx_s2 = Eigen::Map<vx, 0, Eigen::InnerStride<2>>;   // every other element
using map_cm23 = Eigen::Map<const m23>;
using map_mx = Eigen::Map<mx>;
using map_mxr = Eigen::Map<mxr>;
using map_mx_o = Eigen::Map<mx, 0, Eigen::OuterStride<>>;     // padded columns
using map_cmx_s = Eigen::Map<const mx, 0, Eigen::Stride<Dynamic, Dynamic>>;
using ref_vx = Eigen::Ref<vx>;
using ref_cvx = Eigen::Ref<const vx>;
using ref_mx = Eigen::Ref<mx>;                                // may have an outer stride

// xtensor
using xt1 = xt::xtensor<float, 1>;
using xt2 = xt::xtensor<float, 2>;                            // row-major
using xt2c = xt::xtensor<float, 2, layout_type::column_major>;
using xt3c = xt::xtensor<float, 3, layout_type::column_major>;
using xf4 = xt::xtensor_fixed<float, xt::xshape<4>>;
using xf23 = xt::xtensor_fixed<float, xt::xshape<2, 3>>;
using xf23c = xt::xtensor_fixed<float, xt::xshape<2, 3>, layout_type::column_major>;
using xf231 = xt::xtensor_fixed<float, xt::xshape<2, 3, 1>>;
using xa = xt::xarray<float>;
using xad = xt::xarray<double>;
template <class P, std::size_t N, layout_type L = layout_type::row_major>
using adaptor = xt::xtensor_adaptor<xt::xbuffer_adaptor<P, xt::no_ownership, std::allocator<float>>, N, L>;
using ad1 = adaptor<float*, 1>;
using cad1 = adaptor<const float*, 1>;
using ad2 = adaptor<float*, 2>;
using ad2c = adaptor<float*, 2, layout_type::column_major>;

// =============================================================================================
// The judgement: 80 (From, To) pairs
// =============================================================================================

constexpr auto identity = conversion_kind::identity;
constexpr auto view = conversion_kind::view;
constexpr auto copy = conversion_kind::copy;

// kind is identity, view or copy (then equals kind, why is none)
template <class From, class To, conversion_kind Kind>
constexpr bool judged = conversion<From, To>::kind == Kind && conversion<From, To>::then == Kind &&
                        conversion<From, To>::why == mismatch::none;
// kind is checked, then view or copy
template <class From, class To, conversion_kind Then>
constexpr bool checked = conversion<From, To>::kind == conversion_kind::checked &&
                         conversion<From, To>::then == Then && conversion<From, To>::why == mismatch::none;
// kind is incompatible, for the reason Why
template <class From, class To, mismatch Why>
constexpr bool rejected = conversion<From, To>::kind == conversion_kind::incompatible &&
                          conversion<From, To>::then == conversion_kind::incompatible &&
                          conversion<From, To>::why == Why;

// --- identity: same type, cv and references ignored (5) -----------------------------------------
static_assert(judged<v4, v4, identity>);
static_assert(judged<const v4, v4, identity>);
static_assert(judged<xf23, xf23, identity>);
static_assert(judged<xa, xa, identity>);
static_assert(judged<map_cvx, map_cvx, identity>);

// --- view: same scalar, compatible extents, same memory order, To can view (20) -------------------
static_assert(judged<v4, map_v4, view>);
static_assert(judged<v4, map_cv4, view>);
static_assert(judged<v4, map_vx, view>);           // a static extent meets dyn in To: no check
static_assert(judged<v4, map_cvx, view>);
static_assert(judged<vx&, map_vx, view>);
static_assert(judged<rv4, map_cv4, view>);         // a row vector is the same vector
static_assert(judged<v4, ad1, view>);              // Eigen -> xtensor
static_assert(judged<const v4, cad1, view>);       // a const source, a const view
static_assert(judged<xf4, map_cv4, view>);         // xtensor -> Eigen
static_assert(judged<xt1, map_cvx, view>);
static_assert(judged<xf23c, map_cm23, view>);      // both column-major
static_assert(judged<xt2c, map_mx, view>);
static_assert(judged<xt2, map_mxr, view>);         // both row-major
static_assert(judged<m23r, ad2, view>);
static_assert(judged<m23, ad2c, view>);
static_assert(judged<v4, ref_cvx, view>);
static_assert(judged<vx, ref_vx, view>);
static_assert(judged<ref_cvx, map_cvx, view>);     // a view of a view
static_assert(judged<map_vx, ad1, view>);
static_assert(judged<cad1, map_cvx, view>);

// --- copy: another container or layout, or a view that cannot point at the source (27) ----------
static_assert(judged<v4, vx, copy>);
static_assert(judged<rv4, v4, copy>);
static_assert(judged<a4, v4, copy>);               // Array and Matrix are different containers
static_assert(judged<v4, xf4, copy>);
static_assert(judged<xf4, v4, copy>);
static_assert(judged<m23, mx, copy>);
static_assert(judged<m23r, xf23, copy>);
static_assert(judged<xt2, mx, copy>);              // row-major -> column-major
static_assert(judged<xt2c, mx, copy>);             // same layout, other container
static_assert(judged<xt2, xt2c, copy>);
static_assert(judged<xf23, xa, copy>);             // any rank takes every tensor
static_assert(judged<v4, xa, copy>);
static_assert(judged<xt2, map_mx, copy>);          // layouts differ: copied into a buffer, viewed
static_assert(judged<m23, ad2, copy>);
static_assert(judged<xf23, map_cm23, copy>);
// a mutable view never points into const data
static_assert(judged<const v4, map_v4, copy>);
static_assert(judged<const v4&, map_v4, copy>);
static_assert(judged<const v4, ad1, copy>);
static_assert(judged<const vx, ref_vx, copy>);
static_assert(judged<map_cvx, map_vx, copy>);      // the source views const memory
static_assert(judged<ref_cvx, map_vx, copy>);
static_assert(judged<cad1, ad1, copy>);
// a strided source is never viewed as if it were dense
static_assert(judged<map_vx_s2, vx, copy>);
static_assert(judged<map_vx_s2, map_cvx, copy>);
static_assert(judged<map_mx_o, mx, copy>);
static_assert(judged<map_mx_o, map_mx, copy>);
static_assert(judged<ref_mx, map_mx, copy>);

// --- checked: a dyn extent or rank meets a static one (14) ---------------------------------------
static_assert(checked<vx, v4, copy>);
static_assert(checked<vx, map_cv4, view>);
static_assert(checked<const vx, map_v4, copy>);
static_assert(checked<xt1, xf4, copy>);
static_assert(checked<xt2, m23, copy>);
static_assert(checked<xt2, map_cm23, copy>);
static_assert(checked<xt2c, map_cm23, view>);
static_assert(checked<mx, m23, copy>);
static_assert(checked<xa, xf23, copy>);            // a dynamic rank meets a static one
static_assert(checked<xa, ad2, view>);
static_assert(checked<xa, mx, copy>);
static_assert(checked<xa, map_cvx, view>);
static_assert(checked<xa, v4, copy>);
static_assert(checked<xa, xt3c, copy>);

// --- incompatible (14) ---------------------------------------------------------------------------
static_assert(rejected<v4, v4d, mismatch::scalar>);
static_assert(rejected<xf4, xad, mismatch::scalar>);
static_assert(rejected<xa, xad, mismatch::scalar>);
static_assert(rejected<mx, Eigen::MatrixXd, mismatch::scalar>);
static_assert(rejected<v4, Eigen::Map<Eigen::VectorXd, 0, Eigen::InnerStride<2>>, mismatch::scalar>);  // scalar first
static_assert(rejected<v4, v3, mismatch::extent>);
static_assert(rejected<xf23, m32, mismatch::extent>);  // no implicit transpose or reshape
static_assert(rejected<xf23, m24, mismatch::extent>);
static_assert(rejected<v4, mx, mismatch::rank>);
static_assert(rejected<xt2, vx, mismatch::rank>);
static_assert(rejected<xf23, xf231, mismatch::rank>);
static_assert(rejected<v4, map_vx_s2, mismatch::strided_view>);
static_assert(rejected<mx, map_mx_o, mismatch::strided_view>);
static_assert(rejected<xt2, map_cmx_s, mismatch::strided_view>);
// 5 + 20 + 27 + 14 + 14 = 80 pairs

// =============================================================================================
// weft::connectable: "not incompatible"; false for anything that is not a tensor
// =============================================================================================

static_assert(weft::connectable<v4, v4>);
static_assert(weft::connectable<v4, ad1>);
static_assert(weft::connectable<const v4&, map_v4>);
static_assert(weft::connectable<vx, v4>);
static_assert(weft::connectable<xa, xf23>);
static_assert(weft::connectable<xt2, map_cm23>);
static_assert(weft::connectable<map_vx_s2, vx>);
static_assert(!weft::connectable<v4, v4d>);
static_assert(!weft::connectable<v4, mx>);
static_assert(!weft::connectable<xf23, m32>);
static_assert(!weft::connectable<v4, map_vx_s2>);
static_assert(!weft::connectable<int, v4>);
static_assert(!weft::connectable<v4, int>);
static_assert(!weft::connectable<std::vector<float>, vx>);
static_assert(!weft::connectable<vx, std::vector<float>>);
static_assert(weft::detail::connects_v<vx, v4>);
static_assert(!weft::detail::connects_v<v4, v3>);

// =============================================================================================
// Bridges at run time
// =============================================================================================

using weft::detail::bridge;

// Every (i, j) of two rank-2 tensors of any backend or layout agrees.
template <class A, class B>
void check_same_2d(const A& a, const B& b, int rows, int cols) {
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      CAPTURE(i);
      CAPTURE(j);
      CHECK(a(i, j) == b(i, j));
    }
}

// Value 10 * i + j at (i, j), so that a transposed or reordered copy is caught.
xt2 numbered_xt2(std::size_t rows, std::size_t cols) {
  xt2 x = xt2::from_shape({rows, cols});
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) x(i, j) = static_cast<float>(10 * i + j);
  return x;
}

TEST_CASE("identity bridge forwards the value itself") {
  v4 x(1, 2, 3, 4);
  const bridge<v4, v4> b(x);
  CHECK(&b.get() == &x);
  const v4& cx = x;
  const bridge<const v4, v4> cb(cx);
  CHECK(&cb.get() == &x);
}

TEST_CASE("view bridge gives the next stage the previous value's own memory") {
  SUBCASE("Eigen fixed vector -> xtensor_adaptor") {
    v4 x(1, 2, 3, 4);
    const bridge<v4, ad1> b(x);
    const ad1& y = b.get();
    CHECK(y.data() == x.data());
    REQUIRE(y.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) CHECK(y(i) == x(static_cast<Eigen::Index>(i)));
  }
  SUBCASE("const Eigen vector -> const xtensor_adaptor") {
    const v4 x(1, 2, 3, 4);
    const bridge<const v4, cad1> b(x);
    CHECK(b.get().data() == x.data());
    CHECK(b.get()(3) == 4.0f);
  }
  SUBCASE("xtensor_fixed -> Eigen::Map<const Matrix<float, 4, 1>>") {
    xf4 x = {1, 2, 3, 4};
    const bridge<xf4, map_cv4> b(x);
    CHECK(b.get().data() == x.data());
    CHECK(b.get()(2) == 3.0f);
  }
  SUBCASE("row vector -> column vector map") {
    rv4 x(5, 6, 7, 8);
    const bridge<rv4, map_cv4> b(x);
    CHECK(b.get().data() == x.data());
    CHECK(b.get()(3) == 8.0f);
  }
  SUBCASE("row-major xtensor -> row-major Eigen map") {
    xt2 x = numbered_xt2(2, 3);
    const bridge<xt2, map_mxr> b(x);
    CHECK(b.get().data() == x.data());
    CHECK(b.get().rows() == 2);
    CHECK(b.get().cols() == 3);
    check_same_2d(b.get(), x, 2, 3);
  }
  SUBCASE("column-major xtensor_fixed -> Eigen::Map<const Matrix<float, 2, 3>>") {
    xf23c x = {{0, 1, 2}, {10, 11, 12}};
    const bridge<xf23c, map_cm23> b(x);
    CHECK(b.get().data() == x.data());
    check_same_2d(b.get(), x, 2, 3);
  }
  SUBCASE("Eigen matrices -> xtensor_adaptor of the same layout") {
    m23r r;
    r << 0, 1, 2, 10, 11, 12;
    const bridge<m23r, ad2> br(r);
    CHECK(br.get().data() == r.data());
    check_same_2d(br.get(), r, 2, 3);

    m23 c;
    c << 0, 1, 2, 10, 11, 12;
    const bridge<m23, ad2c> bc(c);
    CHECK(bc.get().data() == c.data());
    check_same_2d(bc.get(), c, 2, 3);
  }
  SUBCASE("into a Ref, and a Ref into a Map") {
    vx x = vx::LinSpaced(5, 0.0f, 4.0f);
    const bridge<vx, ref_vx> b(x);
    CHECK(b.get().data() == x.data());
    const ref_cvx r = x;
    const bridge<const ref_cvx, map_cvx> b2(r);
    CHECK(b2.get().data() == x.data());
    CHECK(b2.get().size() == 5);
  }
}

TEST_CASE("copy bridge keeps logical indices across layouts") {
  const xt2 x = numbered_xt2(2, 3);  // row-major

  SUBCASE("row-major xtensor -> column-major Eigen::MatrixXf") {
    const bridge<const xt2, mx> b(x);
    const mx& y = b.get();
    CHECK(y.data() != x.data());
    REQUIRE(y.rows() == 2);
    REQUIRE(y.cols() == 3);
    check_same_2d(y, x, 2, 3);
    CHECK(y.data()[1] == 10.0f);  // column-major storage: (1, 0) follows (0, 0)
  }
  SUBCASE("row-major xtensor -> Eigen::Matrix<float, 2, 3> (checked)") {
    const bridge<const xt2, m23> b(x);
    check_same_2d(b.get(), x, 2, 3);
  }
  SUBCASE("column-major Eigen -> row-major xtensor") {
    m23 c;
    c << 0, 1, 2, 10, 11, 12;
    const bridge<m23, xt2> b(c);
    REQUIRE(b.get().shape()[0] == 2);
    REQUIRE(b.get().shape()[1] == 3);
    check_same_2d(b.get(), c, 2, 3);
    CHECK(b.get().data()[1] == 1.0f);  // row-major storage: (0, 1) follows (0, 0)
  }
  SUBCASE("a single-row xtensor (xtensor gives extent-1 axes stride 0)") {
    const xt2 row = numbered_xt2(1, 3);
    const bridge<const xt2, mx> b(row);
    REQUIRE(b.get().rows() == 1);
    REQUIRE(b.get().cols() == 3);
    check_same_2d(b.get(), row, 1, 3);
  }
  SUBCASE("rank 3: row-major xarray -> column-major xtensor (checked)") {
    xa a = xa::from_shape({2, 3, 4});
    for (std::size_t i = 0; i < 2; ++i)
      for (std::size_t j = 0; j < 3; ++j)
        for (std::size_t k = 0; k < 4; ++k) a(i, j, k) = static_cast<float>(100 * i + 10 * j + k);
    const bridge<xa, xt3c> b(a);
    const xt3c& y = b.get();
    REQUIRE(y.dimension() == 3);
    for (std::size_t i = 0; i < 2; ++i)
      for (std::size_t j = 0; j < 3; ++j)
        for (std::size_t k = 0; k < 4; ++k) CHECK(y(i, j, k) == a(i, j, k));
    CHECK(y.data()[1] == 100.0f);  // column-major storage: (1, 0, 0) follows (0, 0, 0)
  }
  SUBCASE("same vector, other container") {
    a4 arr(1, 2, 3, 4);
    const bridge<a4, v4> b(arr);
    CHECK(b.get().data() != arr.data());
    CHECK(b.get()(3) == 4.0f);
    xf4 f = {5, 6, 7, 8};
    const bridge<xf4, v4> b2(f);
    CHECK(b2.get()(0) == 5.0f);
    CHECK(b2.get()(3) == 8.0f);
  }
}

TEST_CASE("copy into a view that cannot view the source goes through a buffer") {
  SUBCASE("row-major source -> Eigen::Map<const Matrix<float, 2, 3>> (column-major)") {
    xf23 x = {{0, 1, 2}, {10, 11, 12}};
    const bridge<xf23, map_cm23> b(x);
    CHECK(b.get().data() != x.data());
    check_same_2d(b.get(), x, 2, 3);
  }
  SUBCASE("dynamic row-major source -> the same view (checked, then copied)") {
    const xt2 x = numbered_xt2(2, 3);
    const bridge<const xt2, map_cm23> b(x);
    CHECK(b.get().data() != x.data());
    check_same_2d(b.get(), x, 2, 3);
  }
  SUBCASE("column-major Eigen -> row-major xtensor_adaptor") {
    m23 c;
    c << 0, 1, 2, 10, 11, 12;
    const bridge<m23, ad2> b(c);
    CHECK(b.get().data() != c.data());
    check_same_2d(b.get(), c, 2, 3);
  }
  SUBCASE("a const source never reaches a mutable view") {
    const v4 x(1, 2, 3, 4);
    const bridge<const v4, map_v4> b(x);
    CHECK(b.get().data() != x.data());
    CHECK(b.get()(0) == 1.0f);
    CHECK(b.get()(3) == 4.0f);

    const float raw[3] = {7, 8, 9};
    const map_cvx m(raw, 3);
    const bridge<const map_cvx, map_vx> bm(m);
    CHECK(bm.get().data() != raw);
    REQUIRE(bm.get().size() == 3);
    CHECK(bm.get()(2) == 9.0f);

    const bridge<const map_cvx, ad1> ba(m);
    CHECK(ba.get().data() != raw);
    CHECK(ba.get()(1) == 8.0f);
  }
  SUBCASE("strided sources are gathered") {
    float raw[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    map_vx_s2 evens(raw, 4);
    const bridge<map_vx_s2, map_cvx> b(evens);
    CHECK(b.get().data() != raw);
    REQUIRE(b.get().size() == 4);
    for (Eigen::Index i = 0; i < 4; ++i) CHECK(b.get()(i) == static_cast<float>(2 * i));

    float padded[10] = {0, 10, -1, -1, -1, 1, 11, -1, -1, -1};  // 2x2, column stride 5
    map_mx_o m(padded, 2, 2, Eigen::OuterStride<>(5));
    const bridge<map_mx_o, xt2> bx(m);
    CHECK(bx.get()(0, 0) == 0.0f);
    CHECK(bx.get()(0, 1) == 1.0f);
    CHECK(bx.get()(1, 0) == 10.0f);
    CHECK(bx.get()(1, 1) == 11.0f);

    mx big(4, 4);
    for (Eigen::Index i = 0; i < 4; ++i)
      for (Eigen::Index j = 0; j < 4; ++j) big(i, j) = static_cast<float>(10 * i + j);
    ref_mx block = big.block(1, 1, 2, 3);
    const bridge<ref_mx, map_mx> br(block);
    CHECK(br.get().data() != block.data());
    REQUIRE(br.get().rows() == 2);
    REQUIRE(br.get().cols() == 3);
    check_same_2d(br.get(), block, 2, 3);
  }
}

TEST_CASE("checked: VectorXf -> Matrix<float, 4, 1>") {
  SUBCASE("size 4 passes") {
    vx x(4);
    x << 1, 2, 3, 4;
    const bridge<vx, v4> b(x);
    CHECK(b.get() == x);
  }
  SUBCASE("size 3 throws shape_error naming both specs") {
    vx x = vx::Zero(3);
    CHECK_THROWS_AS((bridge<vx, v4>(x)), weft::shape_error);
    try {
      const bridge<vx, v4> b(x);
      FAIL("no shape_error");
    } catch (const weft::shape_error& e) {
      const std::string what = e.what();
      CAPTURE(what);
      CHECK(what.find("f32[4]") != std::string::npos);
      CHECK(what.find("f32[3]") != std::string::npos);
      CHECK(what.rfind("weft:", 0) == 0);
      CHECK(e.expected() == "f32[4]");
      CHECK(e.actual() == "f32[3]");
    }
  }
  SUBCASE("checked view: size 4 shares memory, size 5 throws") {
    vx x = vx::LinSpaced(4, 0.0f, 3.0f);
    const bridge<vx, map_cv4> b(x);
    CHECK(b.get().data() == x.data());
    vx y = vx::Zero(5);
    CHECK_THROWS_AS((bridge<vx, map_cv4>(y)), weft::shape_error);
  }
  SUBCASE("a dynamic matrix into a fixed one") {
    mx ok = mx::Zero(2, 3);
    ok(1, 2) = 5.0f;
    const bridge<mx, m23> b(ok);
    CHECK(b.get()(1, 2) == 5.0f);
    mx transposed = mx::Zero(3, 2);
    CHECK_THROWS_WITH_AS((bridge<mx, m23>(transposed)), doctest::Contains("f32[3,2]"), weft::shape_error);
    CHECK_THROWS_WITH_AS((bridge<mx, m23>(transposed)), doctest::Contains("f32[2,3] col-major"), weft::shape_error);
  }
}

TEST_CASE("checked: xarray of rank 2 into xtensor_fixed<float, xshape<2, 3>>") {
  SUBCASE("rank 2, extents 2x3: copied") {
    xa a = {{0, 1, 2}, {10, 11, 12}};
    const bridge<xa, xf23> b(a);
    CHECK(b.get().data() != a.data());
    check_same_2d(b.get(), a, 2, 3);
  }
  SUBCASE("rank 2, extents 3x2: throws") {
    xa a = xa::from_shape({3, 2});
    try {
      const bridge<xa, xf23> b(a);
      FAIL("no shape_error");
    } catch (const weft::shape_error& e) {
      CHECK(e.expected() == "f32[2,3]");
      CHECK(e.actual() == "f32[3,2]");
      CHECK(std::string(e.what()).find("f32[2,3]") != std::string::npos);
    }
  }
  SUBCASE("another rank: throws") {
    xa three = xa::from_shape({2, 3, 1});
    CHECK_THROWS_WITH_AS((bridge<xa, xf23>(three)), doctest::Contains("f32[2,3,1]"), weft::shape_error);
    xa one = xa::from_shape({6});
    CHECK_THROWS_WITH_AS((bridge<xa, xf23>(one)), doctest::Contains("f32[6]"), weft::shape_error);
  }
  SUBCASE("checked view into an adaptor of the same layout") {
    xa a = {{0, 1, 2}, {10, 11, 12}};
    const bridge<xa, ad2> b(a);
    CHECK(b.get().data() == a.data());
    check_same_2d(b.get(), a, 2, 3);
    xa flat = xa::from_shape({6});
    CHECK_THROWS_AS((bridge<xa, ad2>(flat)), weft::shape_error);
  }
}

TEST_CASE("a copy into a fixed-size type allocates nothing") {
  const xt2 x = numbered_xt2(2, 3);
  const xa a = {{0, 1, 2}, {10, 11, 12}};
  const mx m = mx::Zero(2, 3);
  xf23 f = {{0, 1, 2}, {10, 11, 12}};
  xf4 f4 = {1, 2, 3, 4};
  const xt1 d4 = {1, 2, 3, 4};
  v4 v(1, 2, 3, 4);

  SUBCASE("the counter sees an allocation (control)") {
    alloc_counter count;
    const bridge<xf23, xt2> b(f);
    CHECK(count.stop() >= 1);
    CHECK(b.get()(1, 2) == 12.0f);
  }
  SUBCASE("xtensor -> Eigen::Matrix<float, 2, 3>") {
    alloc_counter count;
    const bridge<const xt2, m23> b(x);
    CHECK(count.stop() == 0);
    CHECK(b.get()(1, 2) == 12.0f);
  }
  SUBCASE("xarray -> xtensor_fixed") {
    alloc_counter count;
    const bridge<const xa, xf23> b(a);
    CHECK(count.stop() == 0);
    CHECK(b.get()(1, 0) == 10.0f);
  }
  SUBCASE("Eigen::MatrixXf -> Eigen::Matrix<float, 2, 3>") {
    alloc_counter count;
    const bridge<const mx, m23> b(m);
    CHECK(count.stop() == 0);
    CHECK(b.get()(0, 0) == 0.0f);
  }
  SUBCASE("xtensor_fixed -> a column-major Map, through a fixed-size buffer") {
    alloc_counter count;
    const bridge<xf23, map_cm23> b(f);
    CHECK(count.stop() == 0);
    CHECK(b.get()(1, 1) == 11.0f);
  }
  SUBCASE("Eigen vector <-> xtensor_fixed, and xtensor -> Eigen vector") {
    alloc_counter count;
    const bridge<v4, xf4> b1(v);
    const bridge<const xt1, v4> b2(d4);
    CHECK(count.stop() == 0);
    CHECK(b1.get()(3) == 4.0f);
    CHECK(b2.get()(3) == 4.0f);
  }
  SUBCASE("views allocate nothing either") {
    alloc_counter count;
    const bridge<v4, ad1> b1(v);
    const bridge<xf23, ad2> b2(f);
    const bridge<xf4, map_cv4> b3(f4);
    CHECK(count.stop() == 0);
    CHECK(b1.get().data() == v.data());
    CHECK(b2.get().data() == f.data());
    CHECK(b3.get().data() == f4.data());
  }
}

TEST_CASE("copy_flat writes row-major (C) order whatever the source layout") {
  const std::array<float, 6> want = {0, 1, 2, 10, 11, 12};

  SUBCASE("column-major Eigen::MatrixXf") {
    mx m(2, 3);
    m << 0, 1, 2, 10, 11, 12;
    std::array<float, 6> out{};
    weft::detail::copy_flat(m, out.data());
    CHECK(out == want);
  }
  SUBCASE("column-major xtensor and xtensor_fixed") {
    xt2c c = xt2c::from_shape({2, 3});
    xf23c fc = {{0, 1, 2}, {10, 11, 12}};
    c = fc;
    std::array<float, 6> out{};
    weft::detail::copy_flat(c, out.data());
    CHECK(out == want);
    std::array<float, 6> out2{};
    weft::detail::copy_flat(fc, out2.data());
    CHECK(out2 == want);
  }
  SUBCASE("row-major sources copy as they are") {
    m23r r;
    r << 0, 1, 2, 10, 11, 12;
    std::array<float, 6> out{};
    weft::detail::copy_flat(r, out.data());
    CHECK(out == want);
    std::array<float, 6> out2{};
    weft::detail::copy_flat(numbered_xt2(2, 3), out2.data());
    CHECK(out2 == want);
  }
  SUBCASE("rank 3 column-major xarray, converted to double") {
    xt::xarray<float, layout_type::column_major> a = xt::xarray<float, layout_type::column_major>::from_shape({2, 2, 2});
    for (std::size_t i = 0; i < 2; ++i)
      for (std::size_t j = 0; j < 2; ++j)
        for (std::size_t k = 0; k < 2; ++k) a(i, j, k) = static_cast<float>(100 * i + 10 * j + k);
    std::array<double, 8> out{};
    weft::detail::copy_flat(a, out.data());
    CHECK(out == std::array<double, 8>{0, 1, 10, 11, 100, 101, 110, 111});
  }
  SUBCASE("a strided vector") {
    float raw[6] = {0, -1, 1, -1, 2, -1};
    const map_vx_s2 evens(raw, 3);
    std::array<float, 3> out{};
    weft::detail::copy_flat(evens, out.data());
    CHECK(out == std::array<float, 3>{0, 1, 2});
  }
}

TEST_CASE("copy_elements converts the scalar and keeps indices") {
  m23 src;
  src << 0, 1, 2, 10, 11, 12;
  Eigen::Matrix<double, 2, 3, RowMajor> dst;
  weft::detail::copy_elements(src, dst);
  check_same_2d(dst, src.cast<double>(), 2, 3);
}

}  // namespace
