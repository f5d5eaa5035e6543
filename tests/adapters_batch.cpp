// Tests for the adapters along the sample axis (weft/adapters.hpp, docs/batches.md section axis):
// a column-major Eigen matrix is a batch with one sample per column, an xtensor of rank 2 a batch
// with its samples along axis 0. softmax, argmax, normalize and check_finite on a batch must give,
// sample by sample, what they give for that sample alone (answers, NaN handling, errors); concat
// joins batches sample by sample. A row-major Eigen matrix is diagnosed (truth tables here, the
// message in tests/compile_fail/adapter_row_major_batch.cpp). Allocation: the output only.

// Eigen's own allocation check: with EIGEN_RUNTIME_NO_MALLOC, an Eigen heap allocation while an
// alloc_counter is alive fails eigen_assert. Count those failures (Eigen heap allocations) instead
// of aborting; operator new (xtensor, std::string) is counted by tests/support/alloc_counter.hpp.
#include <atomic>
#define EIGEN_RUNTIME_NO_MALLOC
namespace adapters_batch_test {
inline std::atomic<long> eigen_mallocs{0};
}
#define eigen_assert(x)                                                           \
  do {                                                                            \
    if (!static_cast<bool>(x)) adapters_batch_test::eigen_mallocs.fetch_add(1);  \
  } while (false)

#include <weft/adapters.hpp>
#include <weft/batched.hpp>
#include <weft/eigen.hpp>
#include <weft/fan_out.hpp>
#include <weft/sequence.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>

#include "support/alloc_counter.hpp"

namespace {

using adapters_batch_test::eigen_mallocs;
using weft::detail::sequence_stage;

using vec4 = Eigen::Matrix<float, 4, 1>;
using batch4 = Eigen::Matrix<float, 4, Eigen::Dynamic>;
using batch10 = Eigen::Matrix<float, 10, Eigen::Dynamic>;
using row_batch = Eigen::Matrix<float, 4, Eigen::Dynamic, Eigen::RowMajor>;
using indices = Eigen::Matrix<std::int64_t, 1, Eigen::Dynamic>;

constexpr float nan_f = std::numeric_limits<float>::quiet_NaN();
constexpr float inf_f = std::numeric_limits<float>::infinity();

template <class T>
struct pass {
  using input_type = T;
  using output_type = T;
  output_type operator()(const input_type& x) const { return x; }
};

/// A batch-native stand-in: y = x per sample, and a whole batch at once.
struct identity_batch_native {
  using input_type = vec4;
  using output_type = vec4;
  vec4 operator()(const vec4& x) const { return x; }
  batch4 call_batch(const batch4& b) const { return b; }
};

/// Sample j of an Eigen batch, as its own vector.
template <class B>
Eigen::Matrix<typename B::Scalar, B::RowsAtCompileTime, 1> column(const B& b, Eigen::Index j) {
  return b.col(j);
}

/// Two floats are the same value (NaN equal to NaN).
bool same(float a, float b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

/// out, a batch of the adapter's answers, holds for each sample what A gives for that sample alone.
template <class A, class B, class Out>
void check_per_sample_eigen(const B& in, const Out& out) {
  REQUIRE(out.cols() == in.cols());
  for (Eigen::Index j = 0; j < in.cols(); ++j) {
    const auto one = A::apply(column(in, j));
    REQUIRE(one.size() == out.rows());
    for (Eigen::Index i = 0; i < out.rows(); ++i) CHECK(same(out(i, j), one(i)));
  }
}

/// A batch of F x n values in [-4, 4), a NaN at (1, 1) when asked.
template <class B>
B eigen_batch(Eigen::Index rows, Eigen::Index n, bool with_nan = false) {
  B b(rows, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) b(i, j) = static_cast<float>((i * 7 + j * 3) % 8) - 4.0f + 0.25f * i;
  if (with_nan) b(1, 1) = nan_f;
  return b;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Truth tables: what is a batch, and the output types.
// ---------------------------------------------------------------------------------------------

static_assert(weft::softmax_t::accepts<batch10> && weft::softmax_t::accepts<Eigen::MatrixXd>);
static_assert(weft::softmax_t::accepts<Eigen::Matrix<float, 2, 2>>);  // a batch of two samples of 2
static_assert(weft::normalize_t::accepts<Eigen::Map<const batch4>> && weft::argmax_t::accepts<Eigen::Array<int, 3, 5>>);
static_assert(weft::check_finite_t::accepts<batch4>);
static_assert(!weft::softmax_t::accepts<row_batch> && !weft::argmax_t::accepts<row_batch>);
static_assert(!weft::normalize_t::accepts<row_batch> && !weft::check_finite_t::accepts<row_batch>);
static_assert(!weft::softmax_t::accepts<Eigen::Matrix<int, 4, Eigen::Dynamic>>);  // still floating point only
// static sample extents kept; argmax: one index per sample in a row
static_assert(std::is_same_v<weft::softmax_t::output<batch10>, batch10>);
static_assert(std::is_same_v<weft::normalize_t::output<Eigen::Map<const batch4>>, batch4>);
static_assert(std::is_same_v<weft::check_finite_t::output<Eigen::Map<const batch4>>, batch4>);
static_assert(std::is_same_v<weft::argmax_t::output<batch10>, indices>);
static_assert(std::is_same_v<weft::argmax_t::output<Eigen::MatrixXd>, indices>);
static_assert(std::is_same_v<weft::argmax_t::output<Eigen::Matrix<float, 2, 3>>, Eigen::Matrix<std::int64_t, 1, 3>>);
static_assert(std::is_same_v<weft::argmax_t::output<Eigen::Array<int, 3, Eigen::Dynamic>>,
                             Eigen::Array<std::int64_t, 1, Eigen::Dynamic>>);
// a row-major Eigen matrix gets the diagnostic naming the rule; a rank-3 xtensor the rank one
static_assert(std::is_same_v<weft::softmax_t::diagnostic<sequence_stage<1>, row_batch>,
                             weft::detail::adapter_row_major_batch<sequence_stage<1>, weft::softmax_t, weft::f32<4, -1>>>);
static_assert(std::is_same_v<weft::check_finite_t::diagnostic<sequence_stage<2>, row_batch>,
                             weft::detail::adapter_row_major_batch<sequence_stage<2>, weft::check_finite_t, weft::f32<4, -1>>>);
static_assert(std::is_same_v<weft::argmax_t::diagnostic<sequence_stage<1>, xt::xtensor<float, 3>>,
                             weft::detail::adapter_needs_rank1<sequence_stage<1>, weft::argmax_t, weft::f32<-1, -1, -1>>>);

// ---------------------------------------------------------------------------------------------
// Eigen batches: one sample per column.
// ---------------------------------------------------------------------------------------------

TEST_CASE("Eigen: softmax, normalize, argmax, check_finite on a batch equal them per column") {
  SUBCASE("static sample extent") {
    const batch10 x = eigen_batch<batch10>(10, 7);
    check_per_sample_eigen<weft::softmax_t>(x, weft::softmax_t::apply(x));
    check_per_sample_eigen<weft::normalize_t>(x, weft::normalize_t::apply(x));
    check_per_sample_eigen<weft::argmax_t>(x, weft::argmax_t::apply(x));
    check_per_sample_eigen<weft::check_finite_t>(x, weft::check_finite_t::apply(x));
    const batch10 s = weft::softmax_t::apply(x);
    for (Eigen::Index j = 0; j < s.cols(); ++j) CHECK(s.col(j).sum() == doctest::Approx(1.0f));
  }
  SUBCASE("dynamic sample extent") {
    const Eigen::MatrixXf x = eigen_batch<Eigen::MatrixXf>(5, 6);
    check_per_sample_eigen<weft::softmax_t>(x, weft::softmax_t::apply(x));
    check_per_sample_eigen<weft::normalize_t>(x, weft::normalize_t::apply(x));
    check_per_sample_eigen<weft::argmax_t>(x, weft::argmax_t::apply(x));
    check_per_sample_eigen<weft::check_finite_t>(x, weft::check_finite_t::apply(x));
  }
  SUBCASE("fixed batch (2 x 3) and an Array") {
    Eigen::Matrix<float, 2, 3> x;
    x << 1, 5, -1,  //
        2, 4, -1;
    const Eigen::Matrix<std::int64_t, 1, 3> a = weft::argmax_t::apply(x);
    CHECK(a(0) == 1);
    CHECK(a(1) == 0);
    CHECK(a(2) == 0);  // a tie goes to the lowest index, as per sample
    check_per_sample_eigen<weft::softmax_t>(x, weft::softmax_t::apply(x));
    const Eigen::Array<int, 3, Eigen::Dynamic> votes = (Eigen::Array<int, 3, 2>() << 1, 9, 8, 2, 8, 9).finished();
    const Eigen::Array<std::int64_t, 1, Eigen::Dynamic> w = weft::argmax_t::apply(votes);
    CHECK(w(0) == 1);
    CHECK(w(1) == 0);
  }
  SUBCASE("a strided view: the top 3 rows of a 5-row buffer") {
    const Eigen::MatrixXf buffer = eigen_batch<Eigen::MatrixXf>(5, 4);
    const Eigen::Map<const Eigen::Matrix<float, 3, Eigen::Dynamic>, 0, Eigen::OuterStride<>> top(
        buffer.data(), 3, 4, Eigen::OuterStride<>(5));
    const Eigen::Matrix<float, 3, Eigen::Dynamic> plain = top;
    const Eigen::Matrix<float, 3, Eigen::Dynamic> s = weft::softmax_t::apply(top);
    CHECK(s == weft::softmax_t::apply(plain));
    CHECK(weft::argmax_t::apply(top) == weft::argmax_t::apply(plain));
    CHECK(weft::normalize_t::apply(top) == weft::normalize_t::apply(plain));
  }
}

TEST_CASE("Eigen: NaN stays in its own sample, as per sample") {
  const batch4 x = eigen_batch<batch4>(4, 3, true);
  const batch4 s = weft::softmax_t::apply(x);
  check_per_sample_eigen<weft::softmax_t>(x, s);
  for (Eigen::Index i = 0; i < 4; ++i) {
    CHECK(std::isnan(s(i, 1)));
    CHECK(!std::isnan(s(i, 0)));
    CHECK(!std::isnan(s(i, 2)));
  }
  const indices a = weft::argmax_t::apply(x);
  CHECK(a(1) == 1);  // the first NaN wins
  check_per_sample_eigen<weft::argmax_t>(x, a);
  check_per_sample_eigen<weft::normalize_t>(x, weft::normalize_t::apply(x));  // NaN passes through
  batch4 y = batch4::Ones(4, 3);
  y(3, 0) = inf_f;
  check_per_sample_eigen<weft::normalize_t>(y, weft::normalize_t::apply(y));
}

TEST_CASE("Eigen: an error names the sample and the index inside it; the first bad sample is reported") {
  batch4 x = batch4::Ones(4, 5);
  x(2, 3) = nan_f;
  x(0, 4) = inf_f;
  try {
    (void)weft::check_finite_t::apply(x);
    FAIL("no non_finite_error");
  } catch (const weft::non_finite_error& e) {
    CHECK(e.index() == 2);
    CHECK(std::string(e.what()) ==
          "weft: non_finite_error: non-finite value at flat index 2 of f32[4] (sample 3 of f32[4,5])");
  }
  batch4 z = batch4::Ones(4, 4);
  z.col(2) << 1, -1, 2, -2;
  try {
    (void)weft::normalize_t::apply(z);
    FAIL("no weft::error");
  } catch (const weft::error& e) {
    CHECK(std::string(e.what()) ==
          "weft: error: normalize: the elements of f32[4] (sample 2 of f32[4,4]) sum to zero; a unit sum is undefined");
  }
  try {
    (void)weft::argmax_t::apply(Eigen::MatrixXf(0, 3));
    FAIL("no shape_error");
  } catch (const weft::shape_error& e) {
    CHECK(e.expected() == "a non-empty f32[?] per sample");
    CHECK(e.actual() == "f32[0,3]");
  }
}

TEST_CASE("Eigen: an empty batch gives an empty answer") {
  const batch4 none(4, 0);
  CHECK(weft::softmax_t::apply(none).cols() == 0);
  CHECK(weft::normalize_t::apply(none).cols() == 0);
  CHECK(weft::check_finite_t::apply(none).cols() == 0);
  CHECK(weft::argmax_t::apply(none).size() == 0);
  CHECK(weft::argmax_t::apply(Eigen::MatrixXf(0, 0)).size() == 0);  // no sample, so none is empty
}

TEST_CASE("in a sequence: a batch-native model, or batched(m), | softmax | argmax") {
  using weft::operator|;
  auto p = weft::batched(identity_batch_native{}) | weft::softmax | weft::argmax;
  static_assert(std::is_same_v<decltype(p)::output_type, indices>);
  const batch4 x = eigen_batch<batch4>(4, 6);
  CHECK(p(x) == weft::argmax_t::apply(x));
  auto q = pass<batch4>{} | weft::batched(pass<vec4>{}) | weft::normalize;
  batch4 z = batch4::Ones(4, 3);
  z.col(1).setZero();
  try {
    (void)q(z);
    FAIL("no weft::error");
  } catch (const weft::error& e) {
    CHECK(e.path_text() == "sequence[2]");
    CHECK(std::string(e.what()).find("f32[4] (sample 1 of f32[4,3])") != std::string::npos);
  }
}

TEST_CASE("Eigen: no allocation beyond the output") {
  const batch10 x = eigen_batch<batch10>(10, 32);
  // one Eigen heap allocation (the output) and no operator new
  const auto output_only = [](auto call) {
    eigen_mallocs = 0;
    const long news = allocations_during(1, call);
    return news == 0 && eigen_mallocs == 1;
  };
  CHECK(output_only([&] { (void)weft::softmax_t::apply(x); }));
  CHECK(output_only([&] { (void)weft::normalize_t::apply(x); }));
  CHECK(output_only([&] { (void)weft::argmax_t::apply(x); }));
  CHECK(output_only([&] { (void)weft::check_finite_t::apply(x); }));
  const Eigen::Matrix<float, 4, 8> fixed = eigen_batch<Eigen::Matrix<float, 4, 8>>(4, 8);
  eigen_mallocs = 0;
  CHECK(allocations_during(1, [&] {
          (void)weft::softmax_t::apply(fixed);
          (void)weft::normalize_t::apply(fixed);
          (void)weft::argmax_t::apply(fixed);
          (void)weft::check_finite_t::apply(fixed);
        }) == 0);
  CHECK(eigen_mallocs == 0);
}

// ---------------------------------------------------------------------------------------------
// xtensor batches: samples along axis 0.
// ---------------------------------------------------------------------------------------------

namespace {

using xbatch = xt::xtensor<float, 2>;
using xindices = xt::xtensor<std::int64_t, 1>;

/// Sample j of an xtensor batch, as its own rank-1 tensor.
template <class B>
xt::xtensor<typename B::value_type, 1> row(const B& b, std::size_t j) {
  xt::xtensor<typename B::value_type, 1> r = xt::xtensor<typename B::value_type, 1>::from_shape({b.shape()[1]});
  for (std::size_t i = 0; i < b.shape()[1]; ++i) r(i) = b(j, i);
  return r;
}

/// out holds for each sample of `in` what A gives for that sample alone (out: a batch, or argmax's
/// rank-1 answer).
template <class A, class B, class Out>
void check_per_sample_xt(const B& in, const Out& out) {
  REQUIRE(out.shape()[0] == in.shape()[0]);
  for (std::size_t j = 0; j < in.shape()[0]; ++j) {
    const auto one = A::apply(row(in, j));
    if constexpr (Out::rank == 1) {
      CHECK(out(j) == one(0));
    } else {
      REQUIRE(out.shape()[1] == one.size());
      for (std::size_t i = 0; i < one.size(); ++i) CHECK(same(out(j, i), one(i)));
    }
  }
}

template <class B>
B xt_batch(std::size_t n, std::size_t size, bool with_nan = false) {
  B b = B::from_shape({n, size});
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t i = 0; i < size; ++i)
      b(j, i) = static_cast<float>((i * 7 + j * 3) % 8) - 4.0f + 0.25f * static_cast<float>(i);
  if (with_nan) b(1, 1) = nan_f;
  return b;
}

}  // namespace

using xfixed = xt::xtensor_fixed<float, xt::xshape<3, 4>>;
static_assert(weft::softmax_t::accepts<xbatch> && weft::argmax_t::accepts<xt::xtensor<int, 2>>);
static_assert(weft::normalize_t::accepts<xt::xtensor<double, 2, xt::layout_type::column_major>>);
static_assert(std::is_same_v<weft::softmax_t::output<xbatch>, xbatch>);
static_assert(std::is_same_v<weft::normalize_t::output<xfixed>, xfixed>);
static_assert(std::is_same_v<weft::argmax_t::output<xbatch>, xindices>);
static_assert(std::is_same_v<weft::argmax_t::output<xfixed>, xt::xtensor_fixed<std::int64_t, xt::xshape<3>>>);
static_assert(std::is_same_v<weft::argmax_t::output<weft::xt_view<const float, 2>>, xindices>);

TEST_CASE("xtensor: softmax, normalize, argmax, check_finite on a batch equal them per row (axis 0)") {
  SUBCASE("dynamic extents") {
    const xbatch x = xt_batch<xbatch>(6, 5);
    check_per_sample_xt<weft::softmax_t>(x, weft::softmax_t::apply(x));
    check_per_sample_xt<weft::normalize_t>(x, weft::normalize_t::apply(x));
    check_per_sample_xt<weft::argmax_t>(x, weft::argmax_t::apply(x));
    check_per_sample_xt<weft::check_finite_t>(x, weft::check_finite_t::apply(x));
  }
  SUBCASE("static extents") {
    const xfixed x = xt_batch<xfixed>(3, 4);
    const xfixed s = weft::softmax_t::apply(x);
    check_per_sample_xt<weft::softmax_t>(x, s);
    for (std::size_t j = 0; j < 3; ++j) CHECK(s(j, 0) + s(j, 1) + s(j, 2) + s(j, 3) == doctest::Approx(1.0f));
    check_per_sample_xt<weft::normalize_t>(x, weft::normalize_t::apply(x));
    check_per_sample_xt<weft::argmax_t>(x, weft::argmax_t::apply(x));
  }
  SUBCASE("column-major layout and a view: still samples along axis 0") {
    using colmajor = xt::xtensor<float, 2, xt::layout_type::column_major>;
    const colmajor x = xt_batch<colmajor>(4, 3);
    const xbatch plain = xt_batch<xbatch>(4, 3);
    check_per_sample_xt<weft::softmax_t>(plain, weft::softmax_t::apply(x));
    check_per_sample_xt<weft::argmax_t>(plain, weft::argmax_t::apply(x));
    const auto view = xt::adapt(static_cast<const float*>(plain.data()), plain.size(), xt::no_ownership(),
                                std::array<std::size_t, 2>{4, 3});
    check_per_sample_xt<weft::normalize_t>(plain, weft::normalize_t::apply(view));
  }
}

TEST_CASE("xtensor: NaN stays in its sample; errors name the sample; an empty batch is empty") {
  const xbatch x = xt_batch<xbatch>(3, 4, true);
  const xbatch s = weft::softmax_t::apply(x);
  check_per_sample_xt<weft::softmax_t>(x, s);
  CHECK(std::isnan(s(1, 0)));
  CHECK(!std::isnan(s(0, 0)));
  CHECK(!std::isnan(s(2, 3)));
  CHECK(weft::argmax_t::apply(x)(1) == 1);
  try {
    (void)weft::check_finite_t::apply(x);
    FAIL("no non_finite_error");
  } catch (const weft::non_finite_error& e) {
    CHECK(e.index() == 1);
    CHECK(std::string(e.what()) ==
          "weft: non_finite_error: non-finite value at flat index 1 of f32[4] (sample 1 of f32[3,4])");
  }
  try {
    (void)weft::argmax_t::apply(xbatch::from_shape({3, 0}));
    FAIL("no shape_error");
  } catch (const weft::shape_error& e) {
    CHECK(e.expected() == "a non-empty f32[?] per sample");
    CHECK(e.actual() == "f32[3,0]");
  }
  const xbatch none = xbatch::from_shape({0, 4});
  CHECK(weft::softmax_t::apply(none).shape()[0] == 0);
  CHECK(weft::normalize_t::apply(none).shape()[0] == 0);
  CHECK(weft::check_finite_t::apply(none).shape()[0] == 0);
  CHECK(weft::argmax_t::apply(none).size() == 0);
}

TEST_CASE("xtensor: no allocation beyond the output") {
  const xbatch x = xt_batch<xbatch>(32, 10);
  CHECK(allocations_during(1, [&] { (void)weft::softmax_t::apply(x); }) == 1);
  CHECK(allocations_during(1, [&] { (void)weft::normalize_t::apply(x); }) == 1);
  CHECK(allocations_during(1, [&] { (void)weft::argmax_t::apply(x); }) == 1);
  CHECK(allocations_during(1, [&] { (void)weft::check_finite_t::apply(x); }) == 1);
  const xfixed fixed = xt_batch<xfixed>(3, 4);
  CHECK(allocations_during(1, [&] {
          (void)weft::softmax_t::apply(fixed);
          (void)weft::normalize_t::apply(fixed);
          (void)weft::argmax_t::apply(fixed);
          (void)weft::check_finite_t::apply(fixed);
        }) == 0);
}

// ---------------------------------------------------------------------------------------------
// concat of batches: sample by sample (Eigen: rows stacked; xtensor: along axis 1).
// ---------------------------------------------------------------------------------------------

using batch2 = Eigen::Matrix<float, 2, Eigen::Dynamic>;
using batch3 = Eigen::Matrix<float, 3, Eigen::Dynamic>;
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<batch2, batch3>>, Eigen::Matrix<float, 5, Eigen::Dynamic>>);
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<batch2, Eigen::MatrixXf>>, Eigen::MatrixXf>);
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<Eigen::Matrix<float, 2, 4>, batch3>>,
                             Eigen::Matrix<float, 5, 4>>);  // the static batch count is kept
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<xbatch, batch3>>, xbatch>);
static_assert(std::is_same_v<weft::concat_t::output<std::tuple<xfixed, xt::xtensor_fixed<float, xt::xshape<3, 2>>>>,
                             xt::xtensor_fixed<float, xt::xshape<3, 6>>>);
static_assert(weft::concat_t::accepts<std::tuple<batch2, xbatch, Eigen::MatrixXf>>);
static_assert(!weft::concat_t::accepts<std::tuple<batch2, vec4>>);  // a sample among batches
static_assert(weft::detail::concat_judgement<std::tuple<batch2, vec4>>::problem == 2);
static_assert(weft::detail::concat_judgement<std::tuple<vec4, batch2>>::problem == 2);  // a batch among samples
static_assert(weft::detail::concat_judgement<std::tuple<batch2, row_batch>>::problem == 4);
static_assert(weft::detail::concat_judgement<std::tuple<row_batch, batch2>>::problem == 4);
static_assert(std::is_same_v<weft::concat_t::diagnostic<sequence_stage<1>, std::tuple<batch2, row_batch>>,
                             weft::detail::adapter_row_major_batch<sequence_stage<1>, weft::detail::concat_part<1>,
                                                                   weft::f32<4, -1>>>);
// static batch counts that differ: diagnosed at compile time, naming the part and both specs
using count_mismatch = std::tuple<Eigen::Matrix<float, 2, 4>, batch2, Eigen::Matrix<float, 3, 5>>;
static_assert(weft::detail::concat_judgement<count_mismatch>::problem == 5);
static_assert(std::is_same_v<weft::concat_t::diagnostic<sequence_stage<1>, count_mismatch>,
                             weft::detail::concat_batch_count_mismatch<sequence_stage<1>, weft::detail::concat_part<2>,
                                                                       weft::col_major<weft::f32<2, 4>>,
                                                                       weft::col_major<weft::f32<3, 5>>>>);

TEST_CASE("concat of Eigen batches stacks rows: each sample is the concat of the parts' samples") {
  const batch2 a = eigen_batch<batch2>(2, 5);
  const Eigen::MatrixXf b = eigen_batch<Eigen::MatrixXf>(3, 5);
  const xbatch c = xt_batch<xbatch>(5, 4);  // another backend: samples along axis 0
  const Eigen::MatrixXf y = weft::concat_t::apply(std::tuple<batch2, Eigen::MatrixXf, xbatch>(a, b, c));
  REQUIRE(y.rows() == 9);
  REQUIRE(y.cols() == 5);
  for (Eigen::Index j = 0; j < 5; ++j) {
    const Eigen::VectorXf one = weft::concat_t::apply(
        std::tuple<Eigen::Vector2f, Eigen::VectorXf, xt::xtensor<float, 1>>(a.col(j), b.col(j), row(c, j)));
    CHECK(y.col(j) == one);
  }
  const Eigen::Matrix<float, 5, Eigen::Dynamic> none = weft::concat_t::apply(std::tuple<batch2, batch3>(batch2(2, 0), batch3(3, 0)));
  CHECK(none.cols() == 0);
}

TEST_CASE("concat of xtensor batches joins along axis 1") {
  const xbatch a = xt_batch<xbatch>(3, 2);
  const xfixed b = xt_batch<xfixed>(3, 4);
  const batch2 c = eigen_batch<batch2>(2, 3);
  const xbatch y = weft::concat_t::apply(std::tuple<xbatch, xfixed, batch2>(a, b, c));
  REQUIRE(y.shape()[0] == 3);
  REQUIRE(y.shape()[1] == 8);
  for (std::size_t j = 0; j < 3; ++j) {
    const xt::xtensor<float, 1> one = weft::concat_t::apply(
        std::tuple<xt::xtensor<float, 1>, xt::xtensor<float, 1>, Eigen::Vector2f>(row(a, j), row(b, j), column(c, j)));
    for (std::size_t i = 0; i < 8; ++i) CHECK(y(j, i) == one(i));
  }
}

TEST_CASE("concat of batches: counts that differ at run time are a shape_error naming the stage") {
  using weft::operator|;
  const auto top = weft::fn<batch4, batch2>([](const batch4& x) -> batch2 { return x.topRows<2>(); });
  const auto short_bottom =  // drops the last sample: a count that differs, known only at run time
      weft::fn<batch4, batch3>([](const batch4& x) -> batch3 { return x.bottomRows<3>().leftCols(x.cols() - 1); });
  auto p = pass<batch4>{} | weft::fan_out(top, short_bottom) | weft::concat;
  try {
    (void)p(eigen_batch<batch4>(4, 3));
    FAIL("no shape_error");
  } catch (const weft::shape_error& e) {
    CHECK(e.path_text() == "sequence[2]");
    CHECK(e.expected() == "f32[3,3] (concat part 1: as many samples as part 0)");
    CHECK(e.actual() == "f32[3,2]");
  }
  const batch2 a = eigen_batch<batch2>(2, 4);
  const batch3 b = eigen_batch<batch3>(3, 4);
  eigen_mallocs = 0;
  CHECK(allocations_during(1, [&] { (void)weft::concat_t::apply(std::tuple<const batch2&, const batch3&>(a, b)); }) == 0);
  CHECK(eigen_mallocs == 1);
}
