// tests/fuzz/numeric.cpp - libFuzzer target: weft's reducers and value adapters over random values.
//
// Each input picks a scalar (i8, i32, i64, u64, f32, f64), a container (Eigen::Matrix<S, 4, 1>, a
// column-major dynamic Eigen matrix, an xt::xarray of rank 0..3, sometimes 9), the values (0, small
// numbers, the extremes, NaN, infinities, subnormals, raw bits) and one operation: the reducers mean,
// weighted, median, max, vote over 1..4 branches, or the adapters cast<T> (T: i8, i32, i64, u8, u64,
// f32, f64), softmax, normalize, argmax, check_finite. Every call must answer what an independent
// oracle computes (in long double or 128-bit integers, within rounding where rounding is allowed),
// or throw the weft error the oracle allows for that input (range_error, non_finite_error,
// shape_error, normalize's zero-sum weft::error); never undefined behaviour (ASan + UBSan).
#include "fuzz_support.hpp"

#include <weft/adapters.hpp>
#include <weft/eigen.hpp>
#include <weft/reducers.hpp>
#include <weft/xtensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace {

using ld = long double;
__extension__ typedef __int128 i128;

template <class S>
constexpr ld eps_of() {
  return static_cast<ld>(std::numeric_limits<S>::epsilon());
}
template <class S>
constexpr ld denorm_of() {
  if constexpr (std::is_floating_point_v<S>) return static_cast<ld>(std::numeric_limits<S>::denorm_min());
  else return 0;
}

/// The shape of the tensors one input works on: an Eigen fixed vector, an Eigen dynamic matrix, an xarray.
struct shape {
  int kind = 0;  // 0: Matrix<S, 4, 1>, 1: Matrix<S, Dynamic, Dynamic> col-major, 2: xt::xarray<S>
  std::ptrdiff_t rows = 4, cols = 1;
  std::vector<std::size_t> xshape;
  bool vector = false;  // kind 1 as Matrix<S, Dynamic, 1>
  std::size_t count() const { return kind == 2 ? fuzz::count_of(xshape) : static_cast<std::size_t>(rows * cols); }
  std::size_t rank() const { return kind == 2 ? xshape.size() : kind == 0 || vector ? 1 : 2; }
};

shape draw_shape(FuzzedDataProvider& in, bool rank1) {
  shape s;
  s.kind = in.ConsumeIntegralInRange<int>(0, 2);
  if (s.kind == 1) {
    s.rows = in.ConsumeIntegralInRange<std::ptrdiff_t>(0, 4);
    s.cols = rank1 ? 1 : in.ConsumeIntegralInRange<std::ptrdiff_t>(0, 4);
    s.vector = rank1;
  } else if (s.kind == 2) {
    const bool deep = in.ConsumeIntegralInRange<int>(0, 15) == 0;  // rank 9: beyond weft's 8
    const std::size_t rank = deep ? 9 : in.ConsumeIntegralInRange<std::size_t>(0, 3);
    for (std::size_t i = 0; i < rank; ++i) s.xshape.push_back(deep ? 1 : in.ConsumeIntegralInRange<std::size_t>(0, 4));
  }
  return s;
}

template <class S>
using fixed4 = Eigen::Matrix<S, 4, 1>;
template <class S>
using dynmat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S>
using dynvec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

/// Calls f(tensor) with v (row-major values) in the container sh names; rank1 uses a dynamic vector.
template <class S, class F>
void with_tensor(const shape& sh, const std::vector<S>& v, bool rank1, F&& f) {
  if (sh.kind == 0) {
    f(fixed4<S>(v[0], v[1], v[2], v[3]));
  } else if (sh.kind == 1) {
    if (rank1) f(dynvec<S>(fuzz::eigen_matrix<S>(sh.rows, 1, v)));
    else f(fuzz::eigen_matrix<S>(sh.rows, sh.cols, v));
  } else {
    f(fuzz::x_array<S>(sh.xshape, v));
  }
}

template <class S>
std::vector<S> draw_values(FuzzedDataProvider& in, std::size_t n) {
  std::vector<S> v(std::max<std::size_t>(n, 4));
  for (std::size_t k = 0; k < n; ++k) v[k] = fuzz::fuzz_value<S>(in);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Reducers
// ---------------------------------------------------------------------------------------------

template <class R, class T, std::size_t... I>
T call_with(const R& r, const std::vector<T>& a, std::index_sequence<I...>) {
  return r(a[I]...);
}

/// What the oracle allows at one element: an exact value, a value within tol, NaN, or anything.
struct expectation {
  enum kind_t { exact, near, nan, any } kind = any;
  ld value = 0;
  ld tol = 0;
  bool may_be_out = false;  // a range_error may name this element
  bool must_be_out = false;  // a range_error must be thrown (naming some element)
};

template <class S>
void check_element(const expectation& e, S got, std::size_t k) {
  switch (e.kind) {
    case expectation::exact:
      FUZZ_CHECK(static_cast<ld>(got) == e.value, "element %zu: got %Lg, expected %Lg", k, static_cast<ld>(got), e.value);
      break;
    case expectation::near:
      FUZZ_CHECK(std::fabs(static_cast<ld>(got) - e.value) <= e.tol, "element %zu: got %.21Lg, expected %.21Lg +- %Lg",
                 k, static_cast<ld>(got), e.value, e.tol);
      break;
    case expectation::nan:
      if constexpr (std::is_floating_point_v<S>) FUZZ_CHECK(std::isnan(got), "element %zu: got %Lg, expected NaN", k, static_cast<ld>(got));
      break;
    case expectation::any: break;
  }
}

/// Runs reducer r on the branches; compares with the expectations (row-major order).
template <class S, class R, class T>
void check_reduction(const R& r, const std::vector<T>& args, const std::vector<expectation>& expect) {
  bool must_throw = false;
  for (const auto& e : expect) must_throw = must_throw || e.must_be_out;
  try {
    const T out = [&] {
      switch (args.size()) {
        case 1: if constexpr (std::is_invocable_v<const R&, const T&>) return call_with(r, args, std::make_index_sequence<1>{}); break;
        case 2: if constexpr (std::is_invocable_v<const R&, const T&, const T&>) return call_with(r, args, std::make_index_sequence<2>{}); break;
        case 3: if constexpr (std::is_invocable_v<const R&, const T&, const T&, const T&>) return call_with(r, args, std::make_index_sequence<3>{}); break;
        default: if constexpr (std::is_invocable_v<const R&, const T&, const T&, const T&, const T&>) return call_with(r, args, std::make_index_sequence<4>{}); break;
      }
      std::abort();  // unreachable: the arity is the weights' count
    }();
    FUZZ_CHECK(!must_throw, "answered where the true result lies beyond the scalar's range");
    const auto got = fuzz::flat_of(out);
    FUZZ_CHECK(got.size() == expect.size(), "%zu elements, expected %zu", got.size(), expect.size());
    for (std::size_t k = 0; k < got.size(); ++k) check_element(expect[k], got[k], k);
  } catch (const weft::range_error& e) {
    const auto k = static_cast<std::size_t>(e.index());
    FUZZ_CHECK(e.index() >= 0 && k < expect.size() && expect[k].may_be_out, "range_error at %td where none may be: %s",
               e.index(), e.what());
  }
}

template <class S>
std::vector<ld> column(const std::vector<std::vector<S>>& vals, std::size_t k) {
  std::vector<ld> c;
  for (const auto& b : vals) c.push_back(static_cast<ld>(b[k]));
  return c;
}

template <class S>
expectation mean_expect(const std::vector<std::vector<S>>& vals, std::size_t k) {
  const std::size_t n = vals.size();
  expectation e;
  if constexpr (std::is_integral_v<S>) {
    i128 sum = 0;
    for (const auto& b : vals) sum += static_cast<i128>(b[k]);
    e.kind = expectation::exact;
    e.value = static_cast<ld>(static_cast<S>(sum / static_cast<i128>(n)));
  } else {
    const std::vector<ld> c = column(vals, k);
    bool nan = false, pinf = false, ninf = false;
    ld sum = 0, abs = 0;
    for (ld x : c) {
      nan = nan || std::isnan(x);
      pinf = pinf || x == std::numeric_limits<ld>::infinity();
      ninf = ninf || x == -std::numeric_limits<ld>::infinity();
      sum += x;
      abs += std::fabs(x);
    }
    if (nan || (pinf && ninf)) {
      e.kind = expectation::nan;
    } else if (pinf || ninf) {
      e.kind = expectation::exact;
      e.value = sum;
    } else {
      e.kind = expectation::near;
      e.value = sum / static_cast<ld>(n);
      e.tol = 2 * static_cast<ld>(n + 1) * eps_of<S>() * abs / static_cast<ld>(n) + 8 * static_cast<ld>(n) * denorm_of<S>();
    }
  }
  return e;
}

template <class S>
expectation median_expect(const std::vector<std::vector<S>>& vals, std::size_t k) {
  const std::size_t n = vals.size();
  expectation e;
  if constexpr (std::is_integral_v<S>) {
    std::vector<i128> c;
    for (const auto& b : vals) c.push_back(static_cast<i128>(b[k]));
    std::sort(c.begin(), c.end());
    e.kind = expectation::exact;
    e.value = static_cast<ld>(n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2);
  } else {
    std::vector<ld> c = column(vals, k);
    if (std::any_of(c.begin(), c.end(), [](ld x) { return std::isnan(x); })) {
      e.kind = expectation::nan;
      return e;
    }
    std::sort(c.begin(), c.end());
    const ld m = n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    if (std::isnan(m)) e.kind = expectation::nan;
    else if (n % 2 == 1 || std::isinf(m)) e.kind = expectation::exact;
    else e.kind = expectation::near;
    e.value = m;
    e.tol = eps_of<S>() * std::fabs(m) + 2 * denorm_of<S>();
  }
  return e;
}

template <class S>
expectation max_expect(const std::vector<std::vector<S>>& vals, std::size_t k) {
  const std::vector<ld> c = column(vals, k);
  expectation e;
  if (std::any_of(c.begin(), c.end(), [](ld x) { return std::isnan(x); })) {
    e.kind = expectation::nan;
  } else {
    e.kind = expectation::exact;
    e.value = *std::max_element(c.begin(), c.end());
  }
  return e;
}

/// Weighted mean at element k by the oracle (summed in reverse order, in long double).
template <class S>
expectation weighted_expect(const std::vector<std::vector<S>>& vals, const std::vector<double>& w, double wsum,
                            std::size_t k) {
  expectation e;
  ld sum = 0, abs = 0;
  bool finite = true;
  for (std::size_t i = vals.size(); i > 0; --i) {
    const ld x = static_cast<ld>(vals[i - 1][k]);
    finite = finite && std::isfinite(x);
    sum += static_cast<ld>(w[i - 1]) * x;
    abs += std::fabs(static_cast<ld>(w[i - 1]) * x);
  }
  const ld ref = sum / static_cast<ld>(wsum);
  if (!finite) {  // a NaN or an infinity among the values: what exact arithmetic gives
    e.kind = std::isnan(ref) ? expectation::nan : expectation::exact;
    e.value = ref;
    return e;
  }
  const ld spread = abs / std::fabs(static_cast<ld>(wsum));  // bounds the rounding of either order
  if constexpr (std::is_integral_v<S>) {
    const ld lo = static_cast<ld>(std::numeric_limits<S>::lowest()) - 1;  // truncation keeps (lo, hi)
    const ld hi = static_cast<ld>(std::numeric_limits<S>::max()) + 1;
    const ld tol = 16 * eps_of<ld>() * spread + 1;
    e.kind = expectation::near;
    e.value = ref;
    e.tol = tol;
    e.may_be_out = !(ref - tol > lo && ref + tol < hi);
    e.must_be_out = ref + tol <= lo || ref - tol >= hi;
  } else {
    const ld top = static_cast<ld>(std::numeric_limits<S>::max());
    // double rounding of either order, float rounding, and products that underflowed in double
    const ld tol = 8 * static_cast<ld>(vals.size() + 1) * eps_of<double>() * spread + 2 * eps_of<S>() * std::fabs(ref) +
                   4 * denorm_of<S>() +
                   static_cast<ld>(vals.size()) * denorm_of<double>() / std::fabs(static_cast<ld>(wsum));
    e.kind = expectation::near;
    e.value = ref;
    e.tol = tol;
    e.may_be_out = !(std::fabs(ref) + tol <= top);
    e.must_be_out = std::fabs(ref) - tol > top;
  }
  return e;
}

/// Vote shares by the oracle: each branch's argmax in row-major order; a NaN anywhere: all NaN.
template <class S>
std::vector<expectation> vote_expect(const std::vector<std::vector<S>>& vals, std::size_t count) {
  std::vector<ld> shares(count, 0);
  bool nan = false;
  for (const auto& b : vals) {
    std::ptrdiff_t best = -1;
    for (std::size_t k = 0; k < count; ++k) {
      if (std::isnan(b[k])) {
        nan = true;
        break;
      }
      if (best < 0 || b[k] > b[static_cast<std::size_t>(best)]) best = static_cast<std::ptrdiff_t>(k);
    }
    if (best >= 0) shares[static_cast<std::size_t>(best)] += 1;
  }
  std::vector<expectation> ex(count);
  for (std::size_t k = 0; k < count; ++k) {
    ex[k].kind = nan ? expectation::nan : expectation::exact;
    ex[k].value = static_cast<ld>(static_cast<S>(shares[k]) / static_cast<S>(vals.size()));
  }
  return ex;
}

template <class S, class T>
void run_reducer(FuzzedDataProvider& in, int op, const std::vector<T>& args, const std::vector<std::vector<S>>& vals,
                 std::size_t count) {
  std::vector<expectation> ex(count);
  switch (op) {
    case 0:
      for (std::size_t k = 0; k < count; ++k) ex[k] = mean_expect(vals, k);
      check_reduction<S>(weft::mean, args, ex);
      break;
    case 1: {
      std::vector<double> w;
      for (std::size_t i = 0; i < args.size(); ++i) w.push_back(fuzz::fuzz_value<double>(in));
      double wsum = 0;
      bool valid = true;
      for (double x : w) {
        valid = valid && std::isfinite(x);
        wsum += x;
      }
      valid = valid && wsum != 0 && std::isfinite(wsum);
      const auto run = [&](const auto& r) {
        for (std::size_t k = 0; k < count; ++k) ex[k] = weighted_expect(vals, w, wsum, k);
        check_reduction<S>(r, args, ex);
      };
      try {
        switch (args.size()) {
          case 1: run(weft::weighted(w[0])); break;
          case 2: run(weft::weighted(w[0], w[1])); break;
          case 3: run(weft::weighted(w[0], w[1], w[2])); break;
          default: run(weft::weighted(w[0], w[1], w[2], w[3])); break;
        }
        FUZZ_CHECK(valid, "weighted() accepted weights that are not finite or sum to zero");
      } catch (const std::invalid_argument&) {
        FUZZ_CHECK(!valid, "weighted() rejected finite weights with a non-zero sum");
      }
      break;
    }
    case 2:
      for (std::size_t k = 0; k < count; ++k) ex[k] = median_expect(vals, k);
      check_reduction<S>(weft::median, args, ex);
      break;
    case 3:
      for (std::size_t k = 0; k < count; ++k) ex[k] = max_expect(vals, k);
      check_reduction<S>(weft::max, args, ex);
      break;
    default:
      if constexpr (std::is_floating_point_v<S>) check_reduction<S>(weft::vote, args, vote_expect(vals, count));
      break;
  }
}

template <class S>
void fuzz_reducers(FuzzedDataProvider& in) {
  const int op = in.ConsumeIntegralInRange<int>(0, 4);
  const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(1, 4);
  shape sh = draw_shape(in, false);
  if (sh.kind == 2 && sh.xshape.size() > 8) sh.xshape.resize(3, 1);  // reducers read no extents of rank 9
  const std::size_t count = sh.count();
  std::vector<std::vector<S>> vals;
  for (std::size_t i = 0; i < n; ++i) vals.push_back(draw_values<S>(in, count));
  const auto go = [&](auto first) {
    using T = decltype(first);
    std::vector<T> args;
    for (std::size_t i = 0; i < n; ++i) with_tensor<S>(sh, vals[i], false, [&](auto t) {
        if constexpr (std::is_same_v<decltype(t), T>) args.push_back(std::move(t));
      });
    run_reducer<S>(in, op, args, vals, count);
  };
  with_tensor<S>(sh, vals[0], false, go);
}

// ---------------------------------------------------------------------------------------------
// Adapters
// ---------------------------------------------------------------------------------------------

/// cast<To> of values v (row-major) by the oracle: the first element To cannot hold, or -1.
template <class To, class S>
std::ptrdiff_t first_unfit(const std::vector<S>& v, std::size_t count, bool& non_finite) {
  for (std::size_t k = 0; k < count; ++k) {
    const S x = v[k];
    bool fits = true;
    non_finite = false;
    if constexpr (std::is_integral_v<To> && std::is_floating_point_v<S>) {
      if (!std::isfinite(x)) {
        non_finite = true;
        fits = false;
      } else {
        const ld t = std::trunc(static_cast<ld>(x));
        fits = t >= static_cast<ld>(std::numeric_limits<To>::lowest()) && t <= static_cast<ld>(std::numeric_limits<To>::max());
      }
    } else if constexpr (std::is_integral_v<To>) {
      fits = static_cast<i128>(x) >= static_cast<i128>(std::numeric_limits<To>::lowest()) &&
             static_cast<i128>(x) <= static_cast<i128>(std::numeric_limits<To>::max());
    } else if constexpr (std::is_floating_point_v<S>) {
      fits = !std::isfinite(x) || std::fabs(static_cast<ld>(x)) <= static_cast<ld>(std::numeric_limits<To>::max());
    }
    if (!fits) return static_cast<std::ptrdiff_t>(k);
  }
  return -1;
}

template <class To, class S, class T>
void check_cast(const T& t, const std::vector<S>& v, std::size_t count, bool deep) {
  bool non_finite = false;
  const std::ptrdiff_t bad = first_unfit<To>(v, count, non_finite);
  try {
    const auto out = weft::cast_t<To>::apply(t);
    static_assert(std::is_same_v<weft::scalar_t<std::remove_cvref_t<decltype(out)>>, To>);
    FUZZ_CHECK(bad < 0, "cast answered; element %td does not fit", bad);
    const auto got = fuzz::flat_of(out);
    FUZZ_CHECK(got.size() == count, "cast: %zu elements, expected %zu", got.size(), count);
    for (std::size_t k = 0; k < count; ++k)
      FUZZ_CHECK(fuzz::same_value(got[k], static_cast<To>(v[k])), "cast: element %zu differs", k);
  } catch (const weft::non_finite_error& e) {
    FUZZ_CHECK(bad == e.index() && non_finite, "non_finite_error at %td, oracle: %td (%d)", e.index(), bad, non_finite);
  } catch (const weft::range_error& e) {
    FUZZ_CHECK(bad == e.index() && !non_finite, "range_error at %td, oracle: %td (%d): %s", e.index(), bad, non_finite,
               e.what());
  } catch (const weft::shape_error&) {
    FUZZ_CHECK(deep, "shape_error for a rank weft holds");
  }
}

template <class S, class T>
void run_cast(int target, const T& t, const std::vector<S>& v, std::size_t count, bool deep) {
  switch (target) {
    case 0: check_cast<std::int8_t>(t, v, count, deep); break;
    case 1: check_cast<std::int32_t>(t, v, count, deep); break;
    case 2: check_cast<std::int64_t>(t, v, count, deep); break;
    case 3: check_cast<std::uint8_t>(t, v, count, deep); break;
    case 4: check_cast<std::uint64_t>(t, v, count, deep); break;
    case 5: check_cast<float>(t, v, count, deep); break;
    default: check_cast<double>(t, v, count, deep); break;
  }
}

/// check_finite's expected index by the oracle: the first non-finite element of v (row-major) and
/// its flat index; for a batch (weft::batch_t's rule: an Eigen matrix's samples are its columns, an
/// xtensor's its rows) the first sample holding one, in sample order, and the index inside it.
template <class S, class T>
std::ptrdiff_t first_non_finite_expected(const T& t, const std::vector<S>& v, std::size_t count) {
  if constexpr (!std::is_floating_point_v<S>) {
    return -1;
  } else if constexpr (weft::detail::sample_batch<T>) {
    using tr = weft::tensor_traits<T>;
    const auto e = tr::extents_of(t);
    const std::ptrdiff_t rows = e[0], cols = e[1];
    const bool samples_are_columns = tr::backend == weft::backend::eigen;
    const std::ptrdiff_t samples = samples_are_columns ? cols : rows, size = samples_are_columns ? rows : cols;
    for (std::ptrdiff_t j = 0; j < samples; ++j)
      for (std::ptrdiff_t i = 0; i < size; ++i) {
        const std::size_t k = static_cast<std::size_t>(samples_are_columns ? i * cols + j : j * cols + i);
        if (k < count && !std::isfinite(v[k])) return i;
      }
    return -1;
  } else {
    for (std::size_t k = 0; k < count; ++k)
      if (!std::isfinite(v[k])) return static_cast<std::ptrdiff_t>(k);
    return -1;
  }
}

template <class S, class T>
void run_check_finite(const T& t, const std::vector<S>& v, std::size_t count, bool deep) {
  const std::ptrdiff_t bad = first_non_finite_expected(t, v, count);
  try {
    const auto out = weft::check_finite_t::apply(t);
    FUZZ_CHECK(bad < 0, "check_finite passed a non-finite element at %td", bad);
    const auto got = fuzz::flat_of(out);
    for (std::size_t k = 0; k < count; ++k) FUZZ_CHECK(fuzz::same_value(got[k], v[k]), "check_finite changed %zu", k);
  } catch (const weft::non_finite_error& e) {
    FUZZ_CHECK(e.index() == bad, "non_finite_error at %td, oracle %td", e.index(), bad);
  } catch (const weft::shape_error&) {
    FUZZ_CHECK(deep, "shape_error for a rank weft holds");
  }
}

template <class S, class T>
void run_argmax(const T& t, const std::vector<S>& v, std::size_t count, bool rank1) {
  try {
    const auto out = weft::argmax_t::apply(t);
    FUZZ_CHECK(rank1 && count > 0, "argmax answered for rank != 1 or an empty input");
    std::size_t best = 0;
    for (std::size_t k = 0; k < count; ++k) {
      if constexpr (std::is_floating_point_v<S>)
        if (std::isnan(v[k])) {
          best = k;
          break;
        }
      if (v[k] > v[best]) best = k;
    }
    if constexpr (std::is_floating_point_v<S>)
      if (std::isnan(v[0])) best = 0;
    FUZZ_CHECK(static_cast<std::size_t>(fuzz::flat_of(out)[0]) == best, "argmax: got %lld, expected %zu",
               static_cast<long long>(fuzz::flat_of(out)[0]), best);
  } catch (const weft::shape_error&) {
    FUZZ_CHECK(!rank1 || count == 0, "argmax threw shape_error for a non-empty rank-1 input");
  }
}

template <class S, class T>
void run_softmax(const T& t, const std::vector<S>& v, std::size_t count, bool rank1) {
  try {
    const auto out = weft::softmax_t::apply(t);
    FUZZ_CHECK(rank1, "softmax answered for rank != 1");
    const auto got = fuzz::flat_of(out);
    FUZZ_CHECK(got.size() == count, "softmax size");
    if (!std::all_of(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(count), [](S x) { return std::isfinite(x); }))
      return;  // NaN or infinity in: NaN out is allowed
    ld top = -std::numeric_limits<ld>::infinity();
    for (std::size_t k = 0; k < count; ++k) top = std::max(top, static_cast<ld>(v[k]));
    ld z = 0;
    for (std::size_t k = 0; k < count; ++k) z += std::exp(static_cast<ld>(v[k]) - top);
    const ld tol = 8 * static_cast<ld>(count + 2) * eps_of<S>();
    for (std::size_t k = 0; k < count; ++k) {
      const ld ref = std::exp(static_cast<ld>(v[k]) - top) / z;
      FUZZ_CHECK(std::fabs(static_cast<ld>(got[k]) - ref) <= tol, "softmax %zu: got %Lg, expected %Lg", k,
                 static_cast<ld>(got[k]), ref);
    }
  } catch (const weft::shape_error&) {
    FUZZ_CHECK(!rank1, "softmax threw shape_error for a rank-1 input");
  }
}

template <class S, class T>
void run_normalize(const T& t, const std::vector<S>& v, std::size_t count, bool rank1) {
  bool finite = true;
  ld sum = 0, abs = 0, big = 0;
  for (std::size_t k = 0; k < count; ++k) {
    finite = finite && std::isfinite(v[k]);
    sum += static_cast<ld>(v[k]);
    abs += std::fabs(static_cast<ld>(v[k]));
    big = std::max(big, std::fabs(static_cast<ld>(v[k])));
  }
  // the scalar's own sum may be off by this much (rounding; subnormals lost when rescaled)
  const ld noise = 2 * static_cast<ld>(count + 1) * eps_of<S>() * abs + 4 * static_cast<ld>(count + 1) * denorm_of<S>() * (big + 1);
  const bool conditioned = finite && std::fabs(sum) > 4 * noise;
  const ld top = static_cast<ld>(std::numeric_limits<S>::max());
  const ld rel = conditioned ? 4 * noise / std::fabs(sum) + 4 * eps_of<S>() : 0;
  bool some_out = false, all_in = true;
  if (conditioned)
    for (std::size_t k = 0; k < count; ++k) {
      const ld q = std::fabs(static_cast<ld>(v[k]) / sum);
      some_out = some_out || q > top * (1 + rel);
      all_in = all_in && q < top * (1 - rel);
    }
  try {
    const auto out = weft::normalize_t::apply(t);
    FUZZ_CHECK(rank1, "normalize answered for rank != 1");
    const auto got = fuzz::flat_of(out);
    FUZZ_CHECK(got.size() == count, "normalize size");
    if (!finite) return;  // data
    for (std::size_t k = 0; k < count; ++k) FUZZ_CHECK(std::isfinite(got[k]), "normalize of finite values gave %Lg at %zu", static_cast<ld>(got[k]), k);
    FUZZ_CHECK(!some_out, "normalize answered; a quotient lies beyond the scalar's range");
    if (conditioned)
      for (std::size_t k = 0; k < count; ++k) {
        const ld q = static_cast<ld>(v[k]) / sum;
        FUZZ_CHECK(std::fabs(static_cast<ld>(got[k]) - q) <= rel * std::fabs(q) + 4 * denorm_of<S>(),
                   "normalize %zu: got %.21Lg, expected %.21Lg (sum %Lg)", k, static_cast<ld>(got[k]), q, sum);
      }
  } catch (const weft::shape_error&) {
    FUZZ_CHECK(!rank1, "normalize threw shape_error for a rank-1 input");
  } catch (const weft::range_error& e) {
    FUZZ_CHECK(rank1 && finite && !(conditioned && all_in), "range_error where every quotient fits: %s", e.what());
  } catch (const weft::error& e) {  // the zero sum
    FUZZ_CHECK(rank1 && !conditioned, "%s (the sum is %Lg)", e.what(), sum);
  }
}

template <class S>
void fuzz_adapters(FuzzedDataProvider& in) {
  const int op = in.ConsumeIntegralInRange<int>(0, 4);
  const bool rank1_op = op >= 2 && op <= 4;  // softmax, normalize, argmax
  const shape sh = draw_shape(in, rank1_op);
  const int target = in.ConsumeIntegralInRange<int>(0, 6);
  const std::size_t count = sh.count();
  const std::vector<S> v = draw_values<S>(in, count);
  const bool deep = sh.rank() > 8;
  with_tensor<S>(sh, v, rank1_op, [&](const auto& t) {
    switch (op) {
      case 0: run_cast(target, t, v, count, deep); break;
      case 1: run_check_finite(t, v, count, deep); break;
      case 4: run_argmax(t, v, count, sh.rank() == 1); break;
      default:
        if constexpr (std::is_floating_point_v<S>) {
          if (op == 2) run_softmax(t, v, count, sh.rank() == 1);
          else run_normalize(t, v, count, sh.rank() == 1);
        }
        break;
    }
  });
}

template <class S>
void fuzz_one(FuzzedDataProvider& in, bool reducers) {
  if (reducers) fuzz_reducers<S>(in);
  else fuzz_adapters<S>(in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const bool reducers = in.ConsumeBool();
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0: fuzz_one<std::int8_t>(in, reducers); break;
    case 1: fuzz_one<std::int32_t>(in, reducers); break;
    case 2: fuzz_one<std::int64_t>(in, reducers); break;
    case 3: fuzz_one<std::uint64_t>(in, reducers); break;
    case 4: fuzz_one<float>(in, reducers); break;
    default: fuzz_one<double>(in, reducers); break;
  }
  return 0;
}
