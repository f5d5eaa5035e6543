// Tests for weft/eigen.hpp: tensor_traits of Eigen::Matrix, Eigen::Array, Eigen::Map and Eigen::Ref
// (logical spec, memory properties, owning_type, rebind), then the run-time helpers extents_of,
// strides_of, data, make and view.
#include <weft/eigen.hpp>
#include <weft/tensor.hpp>
#include <weft/xtensor.hpp>  // only to compare specs across backends

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using weft::dyn;
using weft::extents;
using weft::layout;
using Eigen::Dynamic;
using Eigen::RowMajor;

template <class T>
using tr = weft::tensor_traits<T>;

using v4 = Eigen::Matrix<float, 4, 1>;
using rv4 = Eigen::Matrix<float, 1, 4>;
using vx = Eigen::VectorXf;
using rvx = Eigen::RowVectorXf;
using m23 = Eigen::Matrix<float, 2, 3>;
using m23r = Eigen::Matrix<float, 2, 3, RowMajor>;
using mx = Eigen::MatrixXf;
using mxr = Eigen::Matrix<float, Dynamic, Dynamic, RowMajor>;

// =============================================================================================
// Logical spec: scalar, rank, extents, layout (and backend eigen)
// =============================================================================================

template <class T, class Scalar, std::ptrdiff_t Rank, class Extents, layout Layout>
constexpr bool describes = std::is_same_v<typename tr<T>::scalar_type, Scalar> && tr<T>::rank == Rank &&
                           std::is_same_v<typename tr<T>::extents_type, Extents> && tr<T>::layout == Layout &&
                           tr<T>::backend == weft::backend::eigen;

//                     type                                         scalar  rank  extents            layout
// Matrix: a vector of either orientation is rank 1 with no layout
static_assert(describes<v4,                                         float,  1,    extents<4>,        layout::none>);
static_assert(describes<rv4,                                        float,  1,    extents<4>,        layout::none>);
static_assert(describes<Eigen::Vector4d,                            double, 1,    extents<4>,        layout::none>);
static_assert(describes<vx,                                         float,  1,    extents<dyn>,      layout::none>);
static_assert(describes<rvx,                                        float,  1,    extents<dyn>,      layout::none>);
static_assert(describes<Eigen::Matrix<float, 1, 1>,                 float,  1,    extents<1>,        layout::none>);
static_assert(describes<Eigen::Matrix<float, Dynamic, 1, 0, 16, 1>, float,  1,    extents<dyn>,      layout::none>);
static_assert(describes<Eigen::Matrix<std::int32_t, 1, 8>,          std::int32_t, 1, extents<8>,     layout::none>);
// Matrix: everything else is rank 2 in Eigen's storage order
static_assert(describes<mx,                                         float,  2,    extents<dyn, dyn>, layout::col_major>);
static_assert(describes<mxr,                                        float,  2,    extents<dyn, dyn>, layout::row_major>);
static_assert(describes<m23,                                        float,  2,    extents<2, 3>,     layout::col_major>);
static_assert(describes<m23r,                                       float,  2,    extents<2, 3>,     layout::row_major>);
static_assert(describes<Eigen::Matrix3d,                            double, 2,    extents<3, 3>,     layout::col_major>);
static_assert(describes<Eigen::Matrix<float, Dynamic, 784, RowMajor>, float, 2,   extents<dyn, 784>, layout::row_major>);
static_assert(describes<Eigen::Matrix<float, 3, Dynamic>,           float,  2,    extents<3, dyn>,   layout::col_major>);
// Array: as Matrix
static_assert(describes<Eigen::Array<float, 4, 1>,                  float,  1,    extents<4>,        layout::none>);
static_assert(describes<Eigen::ArrayXf,                             float,  1,    extents<dyn>,      layout::none>);
static_assert(describes<Eigen::Array<float, 1, Dynamic>,            float,  1,    extents<dyn>,      layout::none>);
static_assert(describes<Eigen::ArrayXXf,                            float,  2,    extents<dyn, dyn>, layout::col_major>);
static_assert(describes<Eigen::Array<std::int32_t, 2, 2, RowMajor>, std::int32_t, 2, extents<2, 2>,  layout::row_major>);
// Map and Ref: the logical spec of what they view
static_assert(describes<Eigen::Map<vx>,                             float,  1,    extents<dyn>,      layout::none>);
static_assert(describes<Eigen::Map<const v4>,                       float,  1,    extents<4>,        layout::none>);
static_assert(describes<Eigen::Map<const rv4>,                      float,  1,    extents<4>,        layout::none>);
static_assert(describes<Eigen::Map<mx>,                             float,  2,    extents<dyn, dyn>, layout::col_major>);
static_assert(describes<Eigen::Map<const m23r>,                     float,  2,    extents<2, 3>,     layout::row_major>);
static_assert(describes<Eigen::Map<vx, 0, Eigen::InnerStride<2>>,   float,  1,    extents<dyn>,      layout::none>);
static_assert(describes<Eigen::Map<mx, 0, Eigen::OuterStride<>>,    float,  2,    extents<dyn, dyn>, layout::col_major>);
static_assert(describes<Eigen::Map<Eigen::ArrayXXd>,                double, 2,    extents<dyn, dyn>, layout::col_major>);
static_assert(describes<Eigen::Ref<vx>,                             float,  1,    extents<dyn>,      layout::none>);
static_assert(describes<Eigen::Ref<const mx>,                       float,  2,    extents<dyn, dyn>, layout::col_major>);
static_assert(describes<Eigen::Ref<const mxr>,                      float,  2,    extents<dyn, dyn>, layout::row_major>);
static_assert(describes<Eigen::Ref<const m23>,                      float,  2,    extents<2, 3>,     layout::col_major>);
// const T is described as T
static_assert(describes<const v4,                                   float,  1,    extents<4>,        layout::none>);
static_assert(describes<const Eigen::Map<const mx>,                 float,  2,    extents<dyn, dyn>, layout::col_major>);

// the row vector really is row-major in Eigen, yet weft gives it no layout
static_assert(rv4::IsRowMajor);
static_assert(tr<rv4>::layout == layout::none);

// One logical tensor, one spec: an Eigen vector (either orientation, Matrix or Array) and the
// xtensor of the same extent
using xf10 = xt::xtensor_fixed<float, xt::xshape<10>>;
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<float, 10, 1>>, weft::spec_t<xf10>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<float, 1, 10>>, weft::spec_t<xf10>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Array<float, 10, 1>>, weft::spec_t<xf10>>);
static_assert(std::is_same_v<weft::spec_t<Eigen::Matrix<float, 10, 1>>, weft::f32<10>>);
static_assert(!std::is_same_v<weft::spec_t<Eigen::Matrix<float, 11, 1>>, weft::spec_t<xf10>>);
static_assert(std::is_same_v<weft::spec_t<mx>, weft::col_major<weft::f32<-1, -1>>>);
static_assert(std::is_same_v<weft::spec_t<mxr>, weft::spec_t<xt::xtensor<float, 2>>>);
static_assert(std::is_same_v<weft::spec_t<m23r>, weft::spec_t<xt::xtensor_fixed<float, xt::xshape<2, 3>>>>);
static_assert(!std::is_same_v<weft::spec_t<m23>, weft::spec_t<xt::xtensor_fixed<float, xt::xshape<2, 3>>>>);
static_assert(std::is_same_v<weft::spec_t<m23>,
                             weft::spec_t<xt::xtensor_fixed<float, xt::xshape<2, 3>, xt::layout_type::column_major>>>);

// =============================================================================================
// Memory: owns_memory, contiguous, can_view, views_const
// =============================================================================================

inline constexpr bool yes = true;
inline constexpr bool no = false;

template <class T, bool Owns, bool Contiguous, bool CanView, bool ViewsConst>
constexpr bool memory_is = tr<T>::owns_memory == Owns && tr<T>::contiguous == Contiguous &&
                           tr<T>::can_view == CanView && tr<T>::views_const == ViewsConst;

//                      type                                                  owns contiguous can_view views_const
static_assert(memory_is<v4,                                                   yes, yes,       no,      no>);
static_assert(memory_is<rv4,                                                  yes, yes,       no,      no>);
static_assert(memory_is<vx,                                                   yes, yes,       no,      no>);
static_assert(memory_is<mx,                                                   yes, yes,       no,      no>);
static_assert(memory_is<m23r,                                                 yes, yes,       no,      no>);
static_assert(memory_is<Eigen::ArrayXXf,                                      yes, yes,       no,      no>);
static_assert(memory_is<const v4,                                             yes, yes,       no,      no>);
// Map with natural strides: a dense view
static_assert(memory_is<Eigen::Map<vx>,                                       no,  yes,       yes,     no>);
static_assert(memory_is<Eigen::Map<const vx>,                                 no,  yes,       yes,     yes>);
static_assert(memory_is<Eigen::Map<const v4>,                                 no,  yes,       yes,     yes>);
static_assert(memory_is<Eigen::Map<mx>,                                       no,  yes,       yes,     no>);
static_assert(memory_is<Eigen::Map<const m23r>,                               no,  yes,       yes,     yes>);
static_assert(memory_is<Eigen::Map<v4, Eigen::Aligned16>,                     no,  yes,       yes,     no>);
static_assert(memory_is<Eigen::Map<v4, 0, Eigen::InnerStride<1>>,             no,  yes,       yes,     no>);
static_assert(memory_is<Eigen::Map<vx, 0, Eigen::OuterStride<>>,              no,  yes,       yes,     no>);  // a vector has no outer stride
static_assert(memory_is<Eigen::Map<Eigen::ArrayXf>,                           no,  yes,       yes,     no>);
// Map with an inner or outer stride: strided, never viewed as dense, and cannot view dense memory
static_assert(memory_is<Eigen::Map<vx, 0, Eigen::InnerStride<>>,              no,  no,        no,      no>);
static_assert(memory_is<Eigen::Map<vx, 0, Eigen::InnerStride<2>>,             no,  no,        no,      no>);
static_assert(memory_is<Eigen::Map<const rvx, 0, Eigen::InnerStride<>>,       no,  no,        no,      yes>);
static_assert(memory_is<Eigen::Map<mx, 0, Eigen::OuterStride<>>,              no,  no,        no,      no>);
static_assert(memory_is<Eigen::Map<mx, 0, Eigen::OuterStride<2>>,             no,  no,        no,      no>);
static_assert(memory_is<Eigen::Map<const mx, 0, Eigen::Stride<Dynamic, Dynamic>>, no, no,      no,      yes>);
// Ref: binds to dense memory; a matrix Ref may have an outer stride, so it is not known contiguous
static_assert(memory_is<Eigen::Ref<vx>,                                       no,  yes,       yes,     no>);
static_assert(memory_is<Eigen::Ref<const vx>,                                 no,  yes,       yes,     yes>);
static_assert(memory_is<Eigen::Ref<rvx>,                                      no,  yes,       yes,     no>);
static_assert(memory_is<Eigen::Ref<mx>,                                       no,  no,        yes,     no>);
static_assert(memory_is<Eigen::Ref<const mx>,                                 no,  no,        yes,     yes>);
static_assert(memory_is<Eigen::Ref<vx, 0, Eigen::InnerStride<>>,              no,  no,        yes,     no>);

// owning_type: the plain type of the same family
static_assert(std::is_same_v<tr<v4>::owning_type, v4>);
static_assert(std::is_same_v<tr<mxr>::owning_type, mxr>);
static_assert(std::is_same_v<tr<Eigen::ArrayXf>::owning_type, Eigen::ArrayXf>);
static_assert(std::is_same_v<tr<Eigen::Map<const vx>>::owning_type, vx>);
static_assert(std::is_same_v<tr<Eigen::Map<m23r>>::owning_type, m23r>);
static_assert(std::is_same_v<tr<Eigen::Map<vx, 0, Eigen::InnerStride<2>>>::owning_type, vx>);
static_assert(std::is_same_v<tr<Eigen::Map<const Eigen::ArrayXXf>>::owning_type, Eigen::ArrayXXf>);
static_assert(std::is_same_v<tr<Eigen::Ref<const mx>>::owning_type, mx>);

// pointer: what view() takes
static_assert(std::is_same_v<tr<Eigen::Map<vx>>::pointer, float*>);
static_assert(std::is_same_v<tr<Eigen::Map<const vx>>::pointer, const float*>);
static_assert(std::is_same_v<tr<Eigen::Ref<const mx>>::pointer, const float*>);
static_assert(std::is_same_v<tr<Eigen::Ref<vx>>::pointer, float*>);

// data(): const access gives a const pointer
static_assert(std::is_same_v<decltype(tr<vx>::data(std::declval<const vx&>())), const float*>);
static_assert(std::is_same_v<decltype(tr<vx>::data(std::declval<vx&>())), float*>);
static_assert(std::is_same_v<decltype(tr<Eigen::Map<const vx>>::data(std::declval<Eigen::Map<const vx>&>())), const float*>);

// =============================================================================================
// rebind: the owning type of the same family for another scalar, extents and layout
// =============================================================================================

template <class T, class S, class Ext, layout L>
using rebind_t = typename tr<T>::template rebind<S, Ext, L>;

static_assert(std::is_same_v<rebind_t<mx, double, extents<3, 3>, layout::row_major>, Eigen::Matrix<double, 3, 3, RowMajor>>);
static_assert(std::is_same_v<rebind_t<mx, double, extents<3, 3>, layout::col_major>, Eigen::Matrix3d>);
static_assert(std::is_same_v<rebind_t<mx, float, extents<dyn, dyn>, layout::col_major>, mx>);
static_assert(std::is_same_v<rebind_t<mx, float, extents<dyn, dyn>, layout::row_major>, mxr>);
static_assert(std::is_same_v<rebind_t<mx, float, extents<4>, layout::none>, v4>);
static_assert(std::is_same_v<rebind_t<m23r, float, extents<dyn>, layout::none>, vx>);
static_assert(std::is_same_v<rebind_t<v4, double, extents<4>, layout::none>, Eigen::Vector4d>);
static_assert(std::is_same_v<rebind_t<v4, std::int32_t, extents<dyn, 784>, layout::row_major>,
                             Eigen::Matrix<std::int32_t, Dynamic, 784, RowMajor>>);
// Eigen insists on RowMajor for one row and ColMajor for one column, whatever was asked
static_assert(std::is_same_v<rebind_t<mx, float, extents<1, 5>, layout::col_major>, Eigen::Matrix<float, 1, 5>>);
static_assert(std::is_same_v<rebind_t<mx, float, extents<5, 1>, layout::row_major>, Eigen::Matrix<float, 5, 1>>);
// rank 0 becomes a 1x1 matrix; rank 3 has no Eigen type
static_assert(std::is_same_v<rebind_t<v4, float, extents<>, layout::none>, Eigen::Matrix<float, 1, 1>>);
static_assert(std::is_same_v<rebind_t<v4, float, extents<2, 3, 4>, layout::row_major>, weft::detail::no_backend_type>);
static_assert(std::is_same_v<rebind_t<mx, float, extents<dyn, dyn, dyn>, layout::row_major>, weft::detail::no_backend_type>);
// Array stays Array
static_assert(std::is_same_v<rebind_t<Eigen::ArrayXf, double, extents<dyn, dyn>, layout::col_major>, Eigen::ArrayXXd>);
static_assert(std::is_same_v<rebind_t<Eigen::ArrayXXf, float, extents<4>, layout::none>, Eigen::Array<float, 4, 1>>);
// views rebind to their owning family
static_assert(std::is_same_v<rebind_t<Eigen::Map<const vx>, float, extents<3>, layout::none>, Eigen::Vector3f>);
static_assert(std::is_same_v<rebind_t<Eigen::Map<Eigen::ArrayXf>, double, extents<2>, layout::none>, Eigen::Array2d>);
static_assert(std::is_same_v<rebind_t<Eigen::Ref<const mx>, double, extents<dyn, dyn>, layout::col_major>, Eigen::MatrixXd>);
// a rebound type describes what was asked
static_assert(describes<rebind_t<vx, double, extents<dyn, 7>, layout::row_major>, double, 2, extents<dyn, 7>, layout::row_major>);

// =============================================================================================
// Run time: extents_of, strides_of, data, make, view
// =============================================================================================

weft::shape dims_of(std::initializer_list<std::ptrdiff_t> e) { return weft::shape(e); }

// Checks a shape against expected values, rank included.
void check_dims(const weft::shape& d, std::initializer_list<std::ptrdiff_t> want) {
  REQUIRE(d.rank() == want.size());
  std::size_t i = 0;
  for (auto w : want) {
    CHECK(d[i] == w);
    ++i;
  }
}

TEST_CASE("extents_of and strides_of: owning vectors") {
  const v4 a = v4::Zero();
  check_dims(tr<v4>::extents_of(a), {4});
  check_dims(tr<v4>::strides_of(a), {1});

  const rvx r = rvx::Zero(5);
  check_dims(tr<rvx>::extents_of(r), {5});
  check_dims(tr<rvx>::strides_of(r), {1});

  const vx v = vx::Zero(7);
  check_dims(tr<vx>::extents_of(v), {7});
  check_dims(tr<vx>::strides_of(v), {1});

  const Eigen::Matrix<float, 1, 1> one = Eigen::Matrix<float, 1, 1>::Zero();
  check_dims(tr<Eigen::Matrix<float, 1, 1>>::extents_of(one), {1});

  const Eigen::ArrayXf arr = Eigen::ArrayXf::Zero(3);
  check_dims(tr<Eigen::ArrayXf>::extents_of(arr), {3});
}

TEST_CASE("extents_of and strides_of: matrices in logical (row, column) order") {
  const mx c = mx::Zero(2, 3);
  check_dims(tr<mx>::extents_of(c), {2, 3});
  check_dims(tr<mx>::strides_of(c), {1, 2});  // column-major: down a column is one step

  const mxr r = mxr::Zero(2, 3);
  check_dims(tr<mxr>::extents_of(r), {2, 3});
  check_dims(tr<mxr>::strides_of(r), {3, 1});

  const m23 fc = m23::Zero();
  check_dims(tr<m23>::extents_of(fc), {2, 3});
  check_dims(tr<m23>::strides_of(fc), {1, 2});

  const m23r fr = m23r::Zero();
  check_dims(tr<m23r>::extents_of(fr), {2, 3});
  check_dims(tr<m23r>::strides_of(fr), {3, 1});

  const Eigen::Matrix<float, Dynamic, 784, RowMajor> wide(3, 784);
  check_dims(tr<std::remove_const_t<decltype(wide)>>::extents_of(wide), {3, 784});
  check_dims(tr<std::remove_const_t<decltype(wide)>>::strides_of(wide), {784, 1});
}

TEST_CASE("extents_of and strides_of: strided maps and a Ref to a block") {
  std::vector<float> buf(64, 0.0f);

  const Eigen::Map<vx, 0, Eigen::InnerStride<>> every_third(buf.data(), 5, Eigen::InnerStride<>(3));
  check_dims(tr<Eigen::Map<vx, 0, Eigen::InnerStride<>>>::extents_of(every_third), {5});
  check_dims(tr<Eigen::Map<vx, 0, Eigen::InnerStride<>>>::strides_of(every_third), {3});

  const Eigen::Map<mx, 0, Eigen::OuterStride<>> padded(buf.data(), 2, 3, Eigen::OuterStride<>(5));
  check_dims(tr<Eigen::Map<mx, 0, Eigen::OuterStride<>>>::extents_of(padded), {2, 3});
  check_dims(tr<Eigen::Map<mx, 0, Eigen::OuterStride<>>>::strides_of(padded), {1, 5});

  const Eigen::Map<mxr, 0, Eigen::OuterStride<>> padded_r(buf.data(), 2, 3, Eigen::OuterStride<>(5));
  check_dims(tr<Eigen::Map<mxr, 0, Eigen::OuterStride<>>>::extents_of(padded_r), {2, 3});
  check_dims(tr<Eigen::Map<mxr, 0, Eigen::OuterStride<>>>::strides_of(padded_r), {5, 1});

  mx m = mx::Zero(4, 4);
  const Eigen::Ref<mx> block = m.block(1, 1, 2, 3);
  check_dims(tr<Eigen::Ref<mx>>::extents_of(block), {2, 3});
  check_dims(tr<Eigen::Ref<mx>>::strides_of(block), {1, 4});
  CHECK(tr<Eigen::Ref<mx>>::data(block) == &m(1, 1));

  // one row of a column-major matrix: a vector with inner stride 4
  const Eigen::Ref<const rvx, 0, Eigen::InnerStride<>> row = m.row(2);
  check_dims(tr<Eigen::Ref<const rvx, 0, Eigen::InnerStride<>>>::extents_of(row), {4});
  check_dims(tr<Eigen::Ref<const rvx, 0, Eigen::InnerStride<>>>::strides_of(row), {4});
}

TEST_CASE("data returns the Eigen object's own memory") {
  vx v = vx::LinSpaced(4, 0.0f, 3.0f);
  CHECK(tr<vx>::data(v) == v.data());
  const vx& cv = v;
  CHECK(tr<vx>::data(cv) == v.data());
  m23r f = m23r::Zero();
  CHECK(tr<m23r>::data(f) == f.data());
  const Eigen::Map<const vx> map(v.data(), 4);
  CHECK(tr<Eigen::Map<const vx>>::data(map) == v.data());
}

TEST_CASE("make: values of the given extents") {
  const mx a = tr<mx>::make(dims_of({2, 3}));
  CHECK(a.rows() == 2);
  CHECK(a.cols() == 3);
  const mxr b = tr<mxr>::make(dims_of({2, 3}));
  CHECK(b.rows() == 2);
  CHECK(b.cols() == 3);
  const auto c = tr<Eigen::Matrix<float, 2, Dynamic>>::make(dims_of({2, 3}));
  CHECK(c.cols() == 3);
  const auto fixed = tr<m23>::make(dims_of({2, 3}));  // fixed extents: the dims are not consulted
  CHECK(fixed.size() == 6);

  CHECK(tr<vx>::make(dims_of({5})).size() == 5);
  CHECK(tr<rvx>::make(dims_of({5})).size() == 5);
  CHECK(tr<Eigen::ArrayXf>::make(dims_of({5})).size() == 5);
  CHECK(tr<v4>::make(dims_of({5})).size() == 4);
}

TEST_CASE("view: a Map or Ref over dense memory, in the view type's memory order") {
  float buf[6] = {0, 1, 2, 3, 4, 5};
  const float* cbuf = buf;

  const auto col = tr<Eigen::Map<mx>>::view(buf, dims_of({2, 3}));
  CHECK(col.data() == buf);
  CHECK(col.rows() == 2);
  CHECK(col.cols() == 3);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) CHECK(col(i, j) == buf[i + 2 * j]);

  const auto row = tr<Eigen::Map<const m23r>>::view(cbuf, dims_of({2, 3}));
  CHECK(row.data() == buf);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) CHECK(row(i, j) == buf[3 * i + j]);

  const auto ref = tr<Eigen::Ref<const mx>>::view(cbuf, dims_of({2, 3}));
  CHECK(ref.data() == buf);
  CHECK(ref.rows() == 2);
  CHECK(ref(1, 2) == buf[5]);

  const auto v = tr<Eigen::Map<const v4>>::view(cbuf, dims_of({4}));
  CHECK(v.data() == buf);
  CHECK(v(3) == 3.0f);
  const auto rv = tr<Eigen::Ref<vx>>::view(buf + 2, dims_of({4}));
  CHECK(rv.data() == buf + 2);
  CHECK(rv.size() == 4);
  CHECK(rv(0) == 2.0f);
}

}  // namespace
