// tests/fuzz/fuzz_support.hpp - shared helpers of weft's libFuzzer targets (tests/fuzz/*.cpp).
//
// Contract: FUZZ_CHECK(cond, fmt, ...) prints the failed condition and a message, then aborts, so
// libFuzzer records the input as a crash. fuzz_value<S>(in) draws a scalar from the interesting
// values (0, small numbers, the extremes, NaN, infinities, the smallest subnormal) or from raw bits.
// fuzz_extent(in) draws an extent: mostly 0..4, sometimes a huge one (2^20 .. 2^40; callers keep the
// element count small by pairing a huge extent with a zero one, and draw at most one: xtensor's own
// stride computation overflows ptrdiff_t beyond that). The tensor builders fill a tensor from values in
// row-major (C) index order; flat_of reads one back in that order. Test code only.
#ifndef WEFT_TESTS_FUZZ_SUPPORT_HPP
#define WEFT_TESTS_FUZZ_SUPPORT_HPP

#include <fuzzer/FuzzedDataProvider.h>

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>
#include <xtensor/xarray.hpp>

#define FUZZ_CHECK(cond, ...)                                                                  \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "fuzz check failed: %s (%s:%d): ", #cond, __FILE__, __LINE__);      \
      std::fprintf(stderr, __VA_ARGS__);                                                       \
      std::fprintf(stderr, "\n");                                                              \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

namespace fuzz {

/// An interesting value of scalar S, or one from raw bits.
template <class S>
S fuzz_value(FuzzedDataProvider& in) {
  using L = std::numeric_limits<S>;
  switch (in.ConsumeIntegralInRange<int>(0, 11)) {
    case 0: return S(0);
    case 1: return L::max();
    case 2: return L::lowest();
    case 3: return static_cast<S>(in.ConsumeIntegralInRange<int>(0, 6));
    case 4: return static_cast<S>(L::max() - static_cast<S>(in.ConsumeIntegralInRange<int>(0, 2)));
    case 5:
      if constexpr (std::is_floating_point_v<S>) return L::quiet_NaN();
      else return static_cast<S>(L::lowest() + 1);
    case 6:
      if constexpr (std::is_floating_point_v<S>) return in.ConsumeBool() ? L::infinity() : -L::infinity();
      else return static_cast<S>(L::max() / 2);
    case 7:
      if constexpr (std::is_floating_point_v<S>) return in.ConsumeBool() ? L::denorm_min() : -L::denorm_min();
      else return static_cast<S>(-1);
    case 8:
      if constexpr (std::is_floating_point_v<S>) return static_cast<S>(in.ConsumeFloatingPointInRange<double>(-4, 4));
      else return static_cast<S>(in.ConsumeIntegral<std::int32_t>());
    default: {
      S v{};
      const std::vector<std::uint8_t> bytes = in.ConsumeBytes<std::uint8_t>(sizeof(S));
      if (!bytes.empty()) std::memcpy(&v, bytes.data(), bytes.size());
      return v;
    }
  }
}

/// An extent: mostly small, sometimes 0, sometimes huge (2^20 .. 2^40).
inline std::ptrdiff_t fuzz_extent(FuzzedDataProvider& in, bool allow_huge) {
  const int kind = in.ConsumeIntegralInRange<int>(0, 15);
  if (allow_huge && kind == 15) return std::ptrdiff_t{1} << in.ConsumeIntegralInRange<int>(20, 40);
  if (kind >= 12) return 0;
  return in.ConsumeIntegralInRange<std::ptrdiff_t>(1, 4);
}

/// Extents of the given rank, at most one of them huge and then beside a zero one, so that the
/// element count stays small (beyond `small_axes` axes, every extent is 1 unless one is 0).
inline std::vector<std::size_t> fuzz_shape(FuzzedDataProvider& in, std::size_t rank, std::size_t small_axes) {
  std::vector<std::size_t> shape;
  bool huge = false, zero = false;
  for (std::size_t i = 0; i < rank; ++i) {
    const std::ptrdiff_t e = fuzz_extent(in, rank >= 2 && !huge);
    if (e > 4) huge = true;
    zero = zero || e == 0;
    shape.push_back(static_cast<std::size_t>(e));
  }
  if (!zero)
    for (std::size_t i = small_axes; i < rank; ++i)
      if (shape[i] <= 4) shape[i] = 1;
  if (huge && !zero) {  // pair the huge extent with a zero one
    std::size_t i = 0;
    while (shape[i] > 4) ++i;
    shape[i] = 0;
  }
  return shape;
}

/// Product of extents; 0 as soon as one is 0 (never overflows for the shapes the targets build).
inline std::size_t count_of(const std::vector<std::size_t>& shape) {
  for (std::size_t e : shape)
    if (e == 0) return 0;
  std::size_t n = 1;
  for (std::size_t e : shape) n *= e;
  return n;
}

/// Column-major Eigen matrix with m(i, j) = v[i * cols + j].
template <class S, int Options = Eigen::ColMajor>
Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Options> eigen_matrix(std::ptrdiff_t rows, std::ptrdiff_t cols,
                                                                       const std::vector<S>& v) {
  Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Options> m(rows, cols);
  if (rows == 0 || cols == 0) return m;  // a huge extent beside a zero one: nothing to walk
  for (std::ptrdiff_t i = 0; i < rows; ++i)
    for (std::ptrdiff_t j = 0; j < cols; ++j) m(i, j) = v[static_cast<std::size_t>(i * cols + j)];
  return m;
}

/// xt::xarray with the given shape, elements in row-major order.
template <class S>
xt::xarray<S> x_array(const std::vector<std::size_t>& shape, const std::vector<S>& v) {
  xt::xarray<S> a(shape);
  std::copy(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(count_of(shape)), a.data());
  return a;
}

/// Elements of an Eigen matrix or vector in row-major index order.
template <class Derived>
std::vector<typename Derived::Scalar> flat_of(const Eigen::MatrixBase<Derived>& m) {
  std::vector<typename Derived::Scalar> v;
  if (m.size() == 0) return v;
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) v.push_back(m(i, j));
  return v;
}

/// Elements of a row-major xtensor container in row-major index order.
template <class E>
auto flat_of(const xt::xexpression<E>& x) {
  const E& d = x.derived_cast();
  using S = std::remove_cvref_t<decltype(*d.data())>;
  return std::vector<S>(d.data(), d.data() + d.size());
}

/// a and b are the same value: equal, or both NaN.
template <class S>
bool same_value(S a, S b) {
  if constexpr (std::is_floating_point_v<S>) return (std::isnan(a) && std::isnan(b)) || a == b;
  else return a == b;
}

}  // namespace fuzz

#endif  // WEFT_TESTS_FUZZ_SUPPORT_HPP
