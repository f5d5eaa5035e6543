// SPDX-License-Identifier: BSL-1.0
// weft/reducers.hpp - the reducers of weft::ensemble: mean, weighted(w...), vote, max, median.
//
// Contract:
//   A reducer is a callable taking one tensor per ensemble branch, every one of the same type O (an
//   owning tensor: weft::ensemble bridges each branch's output to the first branch's output type
//   first), and returning a new O of the same extents. The built-in ones are inline constexpr objects
//   (weft::weighted(w...) is a function returning one) and may be called on their own:
//   weft::mean(a, b, c). Every one works element by element, in each argument's own memory order, on
//   arguments that must have equal extents (a dynamic extent that differs throws weft::shape_error).
//   - weft::mean: out[k] = (o0[k] + o1[k] + ... + o(N-1)[k]) / N. Integer scalars: summed exactly in a
//     128-bit integer, the quotient truncated toward zero (the mean of -1 and -2 is -1); never out of
//     range. Floating-point: summed in the scalar, in branch order; when finite values' sum overflows,
//     it is summed again scaled by a power of two, so the mean of finite values is always finite.
//   - weft::weighted(w0, ..., wK-1): out[k] = (w0 * o0[k] + ... ) / (w0 + ... + wK-1), weights held as
//     double; K must equal the branch count (checked when the ensemble is built). The weights must be
//     finite and their sum non-zero, else weighted() throws std::invalid_argument. Computed in double
//     (long double for integer scalars, then truncated toward zero). A result of finite values that
//     lies beyond the scalar's range (negative weights extrapolate: weighted(2, -1) of 2e9 and -2e9 is
//     6e9) is computed again in long double and throws weft::range_error (the range, the value, the
//     element's flat row-major index) when it still does not fit.
//   - weft::vote: every branch votes for the index weft::argmax picks in its output: its largest
//     element, the lowest index among equal ones (row-major index order at any rank).
//     out[k] = (votes for k) / N: the same spec holding vote shares (summing to 1), so argmax of the
//     result is the winner, ties to the lowest index. A branch whose output holds a NaN makes every
//     share NaN (no vote is counted, and weft::below_confidence and weft::non_finite reject the
//     result). Needs a floating-point scalar.
//   - weft::max: out[k] = the largest of o0[k] ... o(N-1)[k]; a NaN among them makes out[k] NaN.
//   - weft::median: out[k] = the middle value of o0[k] ... o(N-1)[k]; an even N averages the two middle
//     values (integers: exactly, truncated toward zero; floating-point: never overflowing for finite
//     values); a NaN among them makes out[k] NaN.
//   Cost: one pass over the elements per argument (median: a selection over N values per element, on
//   the stack). Allocation only to create an output with dynamic extents. Stateless apart from
//   weighted's weights; thread-safe; never throw except as stated. A weft::error a reducer throws gains
//   the path of the stage that holds the ensemble as it leaves the enclosing combinators.
//   The per-element arithmetic lives in detail::reduction (mean_into, weighted_into, vote_counter,
//   max_into, median_into), over element pointers and a count: a std::integral_constant here, a
//   count known at load in weft/config's ensemble and route, so both answer bit for bit alike.
//   Example:  auto e = weft::ensemble(weft::weighted(0.5, 0.3, 0.2), a, b, c);
#ifndef WEFT_REDUCERS_HPP
#define WEFT_REDUCERS_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "convert.hpp"
#include "detail/config.hpp"
#include "detail/numeric.hpp"
#include "errors.hpp"
#include "tensor.hpp"

namespace weft {
namespace detail {

/// A built-in reducer: declares accepts<O, N> (it can reduce N outputs of type O) and, for when it
/// cannot, diagnostic<O, N> (the diagnostic class to instantiate).
template <class R>
concept builtin_reducer = requires { typename std::remove_cvref_t<R>::weft_reducer; };

/// Arguments a built-in reducer takes: tensors of one owning type O.
template <class O, class... Os>
concept reducible = tensor<O> && !std::is_const_v<O> && (std::is_same_v<O, Os> && ...) &&
                    requires { requires tensor_traits<O>::owns_memory; };

namespace reduction {

/// Every extent (and the rank) of T is known at compile time.
template <class T>
inline constexpr bool fully_static = tensor_traits<T>::rank != dyn && tensor_traits<T>::extents_type::all_static;

/// A and B hold the same extents (compared at run time only when one is dynamic).
template <class A, class B>
WEFT_INLINE bool same_extents(const A& a, const B& b) {
  using ta = tensor_traits<A>;
  using tb = tensor_traits<B>;
  if constexpr (fully_static<A> && fully_static<B>) {
    return ta::rank == tb::rank && std::is_same_v<typename ta::extents_type, typename tb::extents_type>;
  } else {
    const shape da = ta::extents_of(a);
    const shape db = tb::extents_of(b);
    if (da.rank() != db.rank()) return false;
    for (std::size_t i = 0; i < da.rank(); ++i)
      if (da[i] != db[i]) return false;
    return true;
  }
}

/// Throws shape_error unless o has o0's extents.
template <class O>
WEFT_INLINE void require_extents_of(const O& o0, const O& o) {
  if (!same_extents(o0, o)) {
    using tr = tensor_traits<O>;
    throw shape_error(actual_spec_name<O>(tr::extents_of(o0)), actual_spec_name<O>(tr::extents_of(o)));
  }
}

/// Throws shape_error unless every argument has the first's extents (nothing to check when static).
template <class O, class... Os>
WEFT_INLINE void require_same_extents(const O& o0, const Os&... os) {
  if constexpr (!fully_static<O>) (require_extents_of(o0, os), ...);
}

/// Number of elements of o.
template <class O>
WEFT_INLINE std::ptrdiff_t element_count(const O& o) {
  using tr = tensor_traits<O>;
  if constexpr (fully_static<O>) return tr::extents_type::size;
  else return tr::extents_of(o).element_count();
}

/// A new O with o's extents, elements unset (allocates only for dynamic extents).
template <class O>
WEFT_INLINE O make_like(const O& o) {
  using tr = tensor_traits<O>;
  return tr::make(tr::extents_of(o));
}

/// out given o's extents: unchanged when it has them (no allocation), else a new O like o.
template <class O>
WEFT_INLINE void fit_like(O& out, const O& o) {
  if (!same_extents(out, o)) out = make_like(o);
}

template <class S>
WEFT_INLINE bool is_nan(const S& v) noexcept {
  if constexpr (std::is_floating_point_v<S>) return std::isnan(v);
  else return false;
}

/// Memory offset of the element weft::argmax picks, in row-major index order: the first NaN if any,
/// else the first of the largest elements; -1 when o is empty.
template <class O>
std::ptrdiff_t argmax_offset(const O& o) {
  using tr = tensor_traits<O>;
  const auto* p = tr::data(o);
  std::ptrdiff_t best = -1;
  const auto consider = [&](std::ptrdiff_t off) {  // true: stop here (a NaN)
    if (is_nan(p[off])) {
      best = off;
      return true;
    }
    if (best < 0 || p[off] > p[best]) best = off;
    return false;
  };
  visit_row_major(o, consider);
  return best;
}

/// Element pointers of every argument, in argument order.
template <class O, class... Os>
WEFT_INLINE auto data_of(const O& o0, const Os&... os) noexcept {
  using tr = tensor_traits<O>;
  return std::array<const typename tr::scalar_type*, 1 + sizeof...(Os)>{tr::data(o0), tr::data(os)...};
}

/// A weight may be used: finite (a NaN or an infinity minus itself is not zero).
constexpr bool finite_weight(double w) noexcept { return w - w == 0.0; }

/// Element k of every argument is finite. (Count, here and below: the number of arguments, a
/// std::integral_constant for weft::ensemble, a std::size_t for a configured one: one code for both.)
template <class S, class Count>
bool all_finite(const S* const* p, Count n, std::ptrdiff_t k) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i][k])) return false;
  return true;
}

/// mean's floating sum at element k is not finite. With a NaN among the values, or infinities of both
/// signs: NaN; with infinities of one sign: that infinity (a finite sum that overflowed on the way
/// must not meet it as inf - inf). Else the mean computed with each value scaled by 2^-s (2^s >= N,
/// exact for all but subnormal values), which cannot overflow.
template <class S, class Count>
[[gnu::noinline, gnu::cold]] S scaled_mean(const S* const* p, Count n, std::ptrdiff_t k) noexcept {
  const std::size_t N = n;
  bool nan = false, up = false, down = false;
  for (std::size_t i = 0; i < N; ++i) {
    const S v = p[i][k];
    nan = nan || std::isnan(v);
    up = up || v == std::numeric_limits<S>::infinity();
    down = down || v == -std::numeric_limits<S>::infinity();
  }
  if (nan || (up && down)) return std::numeric_limits<S>::quiet_NaN();
  if (up || down) return up ? std::numeric_limits<S>::infinity() : -std::numeric_limits<S>::infinity();
  int s = 1;
  while ((std::size_t{1} << s) < N) ++s;
  S sum = 0;
  for (std::size_t i = 0; i < N; ++i) sum += std::ldexp(p[i][k], -s);
  return std::ldexp(sum / S(N), s);
}

/// The middle two values' mean, lo <= hi, never overflowing for finite values; integers exactly,
/// truncated toward zero.
template <class S>
WEFT_INLINE S middle_mean(S lo, S hi) noexcept {
  if constexpr (std::is_integral_v<S>) {
    using W = wide_int_t<S>;
    return static_cast<S>((W(lo) + W(hi)) / W(2));
  } else {
    const S m = (lo + hi) / S(2);
    if (std::isfinite(m) || !std::isfinite(lo) || !std::isfinite(hi)) [[likely]] return m;
    return lo / S(2) + hi / S(2);  // both huge: halving first is exact
  }
}

/// A reducer's answer at memory offset k of o0 (the value `value`) lies beyond scalar S's range.
template <class O, class V>
[[noreturn, gnu::noinline, gnu::cold]] void throw_out_of_range(const O& o0, std::ptrdiff_t k, V value) {
  using tr = tensor_traits<O>;
  using S = typename tr::scalar_type;
  std::string text;
  if constexpr (std::is_floating_point_v<V>) {
    if (std::isfinite(value) && std::fabs(value) < V(0x1p120) && value == std::trunc(value))
      text = value_text(static_cast<int128>(value));  // an integer: every digit
    else
      text = value_text(value);
  } else {
    text = value_text(value);
  }
  throw range_error(range_text<S>(), text, row_major_index(o0, k), actual_spec_name<O>(tr::extents_of(o0)));
}

// The reducers' arithmetic over n arguments' element pointers p[0..n) into d (count elements each),
// shared by the built-in reducers (Count a std::integral_constant) and weft/config's ensemble and
// route (Count a std::size_t known at load).

/// Whether every d[0..count) is finite. IEEE float and double: the largest exponent field is not
/// all ones (an integer max the compiler vectorises, where a loop of float compares stays scalar).
template <class S>
WEFT_INLINE bool all_finite_values(const S* d, std::ptrdiff_t count) noexcept {
  if constexpr (std::numeric_limits<S>::is_iec559 && (sizeof(S) == 4 || sizeof(S) == 8)) {
    using U = std::conditional_t<sizeof(S) == 4, std::uint32_t, std::uint64_t>;
    constexpr U exponent = std::bit_cast<U>(std::numeric_limits<S>::infinity());  // all exponent bits
    U largest = 0;
    for (std::ptrdiff_t k = 0; k < count; ++k) largest = std::max<U>(largest, std::bit_cast<U>(d[k]) & exponent);
    return largest != exponent;  // all ones: an infinity or a NaN
  } else {
    bool all = true;
    for (std::ptrdiff_t k = 0; k < count; ++k) all &= (d[k] - d[k] == S(0));  // m - m is 0 for finite m
    return all;
  }
}

/// mean: see mean_t.
template <class S, class Count>
WEFT_INLINE void mean_into(S* d, const S* const* p, Count n, std::ptrdiff_t count) {
  if constexpr (std::is_integral_v<S>) {
    using W = wide_int_t<S>;  // exact for any N: the quotient lies within S's range
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      W sum = W(p[0][k]);
      for (std::size_t i = 1; i < n; ++i) sum += W(p[i][k]);
      d[k] = static_cast<S>(sum / W(std::size_t(n)));
    }
  } else {
    // Two passes, each a plain loop the compiler vectorises: the means, then one check that all
    // are finite (all_finite_values); only an overflow or a NaN/infinity among the values takes
    // the cold per-element path.
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      S sum = p[0][k];
      for (std::size_t i = 1; i < n; ++i) sum += p[i][k];
      d[k] = sum / S(std::size_t(n));
    }
    if (!all_finite_values(d, count)) [[unlikely]]
      for (std::ptrdiff_t k = 0; k < count; ++k)
        if (!std::isfinite(d[k])) d[k] = scaled_mean(p, n, k);
  }
}

/// The sum of weights w[0..n), checked: throws std::invalid_argument unless every weight is finite
/// and their sum is finite and not zero (weighted_t's rule).
constexpr double checked_weight_sum(const double* w, std::size_t n) {
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!finite_weight(w[i])) throw std::invalid_argument("weft: weighted: every weight must be finite");
    sum += w[i];
  }
  if (sum == 0.0 || !finite_weight(sum))
    throw std::invalid_argument("weft: weighted: the weights' sum must be finite and not zero");
  return sum;
}

/// The weighted mean at element k in long double.
template <class S, class Count>
long double weighted_exact_at(const double* w, double w_sum, const S* const* p, Count n, std::ptrdiff_t k) noexcept {
  long double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<long double>(w[i]) * static_cast<long double>(p[i][k]);
  return sum / static_cast<long double>(w_sum);
}

/// Integer scalars: the long double result truncated toward zero; range_error when S cannot hold it.
template <class O, class S, class Count>
S weighted_integer_at(const O& o0, const double* w, double w_sum, const S* const* p, Count n, std::ptrdiff_t k) {
  const long double m = std::trunc(weighted_exact_at(w, w_sum, p, n, k));
  if (!fits_in<S>(m)) [[unlikely]] throw_out_of_range(o0, k, m);
  return static_cast<S>(m);
}

/// Floating scalars, the plain result is not finite or beyond S's range: the result in long double
/// (a NaN or an infinity among the values is data, and gives what it gives there: a finite sum that
/// overflowed in double must not meet an infinity as inf - inf); range_error when the values are
/// finite and the result does not fit S.
template <class O, class S, class Count>
[[gnu::noinline, gnu::cold]] S weighted_wide_at(const O& o0, const double* w, double w_sum, const S* const* p, Count n,
                                                std::ptrdiff_t k) {
  const long double m = weighted_exact_at(w, w_sum, p, n, k);
  if (!all_finite(p, n, k)) return static_cast<S>(m);
  if (!std::isfinite(m) || !fits_in<S>(m)) throw_out_of_range(o0, k, m);
  return static_cast<S>(m);
}

/// weighted: see weighted_t (w_sum from checked_weight_sum; o0 names the output in a range_error).
template <class O, class S, class Count>
WEFT_INLINE void weighted_into(const O& o0, S* d, const double* w, double w_sum, const S* const* p, Count n,
                               std::ptrdiff_t count) {
  if constexpr (std::is_integral_v<S>) {
    for (std::ptrdiff_t k = 0; k < count; ++k) d[k] = weighted_integer_at(o0, w, w_sum, p, n, k);
  } else {
    using A = std::common_type_t<S, double>;
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      A sum = A(w[0]) * A(p[0][k]);
      for (std::size_t i = 1; i < n; ++i) sum += A(w[i]) * A(p[i][k]);
      const A m = sum / A(w_sum);
      d[k] = fits_in<S>(m) && std::isfinite(m) ? static_cast<S>(m) : weighted_wide_at(o0, w, w_sum, p, n, k);
    }
  }
}

/// vote, one branch: counts a branch output's vote into d (zeroed first), or sets nan when its
/// argmax is a NaN. A closure type, as the lambda it replaces, so vote_t's code is unchanged.
template <class O>
struct vote_counter {
  scalar_t<O>* d;
  bool& nan;
  void operator()(const O& o) const {
    using S = scalar_t<O>;
    const std::ptrdiff_t at = argmax_offset(o);
    if (at < 0) return;
    if (is_nan(tensor_traits<O>::data(o)[at])) nan = true;
    else d[at] += S(1);
  }
};

/// vote, after every branch's vote_for: the shares (count / n), or NaN everywhere when a branch's
/// output held a NaN.
template <class S, class Count>
WEFT_INLINE void vote_shares(S* d, std::ptrdiff_t count, Count n, bool nan) {
  if (nan) [[unlikely]] {
    std::fill(d, d + count, std::numeric_limits<S>::quiet_NaN());
    return;
  }
  for (std::ptrdiff_t k = 0; k < count; ++k) d[k] /= S(std::size_t(n));
}

/// max: see max_t.
template <class S, class Count>
WEFT_INLINE void max_into(S* d, const S* const* p, Count n, std::ptrdiff_t count) {
  for (std::ptrdiff_t k = 0; k < count; ++k) {
    S m = p[0][k];
    for (std::size_t i = 1; i < n; ++i) {
      const S v = p[i][k];
      if (v > m || is_nan(v)) m = v;  // a NaN, once taken, is never replaced: no v > NaN
    }
    d[k] = m;
  }
}

/// median: see median_t; v is scratch space for n values.
template <class S, class Count>
WEFT_INLINE void median_into(S* d, const S* const* p, Count n, std::ptrdiff_t count, S* v) {
  for (std::ptrdiff_t k = 0; k < count; ++k) {
    bool nan = false;
    for (std::size_t i = 0; i < n; ++i) {
      v[i] = p[i][k];
      nan = nan || is_nan(v[i]);
    }
    if (nan) {
      d[k] = std::numeric_limits<S>::quiet_NaN();
      continue;
    }
    std::nth_element(v, v + n / 2, v + std::size_t(n));
    if (n % 2 == 1) {
      d[k] = v[n / 2];
    } else {
      const S low = *std::max_element(v, v + n / 2);
      d[k] = middle_mean(low, v[n / 2]);
    }
  }
}

}  // namespace reduction
}  // namespace detail

/// Type of weft::mean.
struct mean_t {
  /// The reducer protocol weft::ensemble reads: whether N outputs of type O can be reduced, and the
  /// diagnostic class when they cannot.
  using weft_reducer = void;
  template <class O, std::size_t N> static constexpr bool accepts = true;
  template <class O, std::size_t N> using diagnostic = detail::no_diagnostic;

  /// Element-wise mean of the arguments (one O per branch); see the header comment.
  template <class O, class... Os>
    requires detail::reducible<O, Os...>
  WEFT_INLINE O operator()(const O& o0, const Os&... os) const {
    O out;
    reduce_into(out, o0, os...);
    return out;
  }
  /// The same answer written into out (any extents on entry; re-sized only when they differ from
  /// o0's): what a workspace uses (weft/workspace.hpp). Throws as operator() does, before writing.
  template <class O, class... Os>
    requires detail::reducible<O, Os...>
  WEFT_INLINE void reduce_into(O& out, const O& o0, const Os&... os) const {
    namespace r = detail::reduction;
    using S = scalar_t<O>;
    constexpr std::size_t n = 1 + sizeof...(Os);
    r::require_same_extents(o0, os...);
    r::fit_like(out, o0);
    const auto p = r::data_of(o0, os...);
    S* d = tensor_traits<O>::data(out);
    r::mean_into(d, p.data(), std::integral_constant<std::size_t, n>{}, r::element_count(o0));
  }
};

/// The element-wise mean of the branches' outputs: `weft::ensemble(weft::mean, a, b)`.
inline constexpr mean_t mean{};

/// Type of weft::weighted(w...): K weights, one per branch, held as double.
template <std::size_t K>
class weighted_t {
 public:
  /// Reducer protocol (see mean_t): exactly K outputs.
  using weft_reducer = void;
  template <class O, std::size_t N> static constexpr bool accepts = N == K;
  template <class O, std::size_t N>
  using diagnostic = detail::weights_count_mismatch<detail::ensemble_reducer, detail::weight_count<K>, detail::branch_count<N>>;

  /// Holds the weights; throws std::invalid_argument unless every weight is finite and their sum is
  /// not zero.
  constexpr explicit weighted_t(const std::array<double, K>& w)
      : weights_(w), sum_(detail::reduction::checked_weight_sum(w.data(), K)) {}

  /// The weights, in branch order.
  constexpr const std::array<double, K>& weights() const noexcept { return weights_; }

  /// Element-wise weighted mean of the arguments (exactly K, one O per branch); see the header comment.
  template <class O, class... Os>
    requires(detail::reducible<O, Os...> && 1 + sizeof...(Os) == K)
  WEFT_INLINE O operator()(const O& o0, const Os&... os) const {
    O out;
    reduce_into(out, o0, os...);
    return out;
  }
  /// The same answer written into out (any extents on entry; re-sized only when they differ from
  /// o0's): what a workspace uses (weft/workspace.hpp). Throws as operator() does, before writing.
  template <class O, class... Os>
    requires(detail::reducible<O, Os...> && 1 + sizeof...(Os) == K)
  WEFT_INLINE void reduce_into(O& out, const O& o0, const Os&... os) const {
    namespace r = detail::reduction;
    using S = scalar_t<O>;
    r::require_same_extents(o0, os...);
    r::fit_like(out, o0);
    const auto p = r::data_of(o0, os...);
    S* d = tensor_traits<O>::data(out);
    r::weighted_into(o0, d, weights_.data(), sum_, p.data(), std::integral_constant<std::size_t, K>{}, r::element_count(o0));
  }

 private:
  std::array<double, K> weights_;
  double sum_ = 0.0;
};

/// The element-wise weighted mean of the branches' outputs, one weight per branch in branch order:
/// `weft::ensemble(weft::weighted(0.5, 0.3, 0.2), a, b, c)`. Throws std::invalid_argument unless every
/// weight is finite and their sum is not zero (usable in a constant expression).
template <class... W>
  requires(sizeof...(W) >= 1 && (std::is_arithmetic_v<W> && ...))
constexpr weighted_t<sizeof...(W)> weighted(W... w) {
  return weighted_t<sizeof...(W)>(std::array<double, sizeof...(W)>{static_cast<double>(w)...});
}

/// Type of weft::vote.
struct vote_t {
  /// Reducer protocol (see mean_t): floating-point outputs only.
  using weft_reducer = void;
  template <class O, std::size_t N> static constexpr bool accepts = std::is_floating_point_v<scalar_t<O>>;
  template <class O, std::size_t N>
  using diagnostic = detail::vote_needs_floating_point<detail::ensemble_reducer, spec_t<O>>;

  /// Vote shares: out[k] = (branches whose argmax is k) / N; see the header comment.
  template <class O, class... Os>
    requires(detail::reducible<O, Os...> && std::is_floating_point_v<scalar_t<O>>)
  WEFT_INLINE O operator()(const O& o0, const Os&... os) const {
    O out;
    reduce_into(out, o0, os...);
    return out;
  }
  /// The same answer written into out (any extents on entry; re-sized only when they differ from
  /// o0's): what a workspace uses (weft/workspace.hpp). Throws as operator() does, before writing.
  template <class O, class... Os>
    requires(detail::reducible<O, Os...> && std::is_floating_point_v<scalar_t<O>>)
  WEFT_INLINE void reduce_into(O& out, const O& o0, const Os&... os) const {
    namespace r = detail::reduction;
    using S = scalar_t<O>;
    constexpr std::size_t n = 1 + sizeof...(Os);
    r::require_same_extents(o0, os...);
    r::fit_like(out, o0);
    S* d = tensor_traits<O>::data(out);
    const std::ptrdiff_t count = r::element_count(o0);
    std::fill(d, d + count, S(0));
    bool nan = false;  // a branch's output holds a NaN: every share is NaN
    const r::vote_counter<O> count_vote{d, nan};
    count_vote(o0);
    (count_vote(os), ...);
    r::vote_shares(d, count, std::integral_constant<std::size_t, n>{}, nan);
  }
};

/// Majority vote as vote shares (argmax of the result is the winner, ties to the lowest index):
/// `weft::ensemble(weft::vote, a, b, c) | weft::argmax`.
inline constexpr vote_t vote{};

/// Type of weft::max.
struct max_t {
  /// Reducer protocol (see mean_t): any outputs.
  using weft_reducer = void;
  template <class O, std::size_t N> static constexpr bool accepts = true;
  template <class O, std::size_t N> using diagnostic = detail::no_diagnostic;

  /// Element-wise largest value of the arguments (NaN wins); see the header comment.
  template <class O, class... Os>
    requires detail::reducible<O, Os...>
  WEFT_INLINE O operator()(const O& o0, const Os&... os) const {
    O out;
    reduce_into(out, o0, os...);
    return out;
  }
  /// The same answer written into out (any extents on entry; re-sized only when they differ from
  /// o0's): what a workspace uses (weft/workspace.hpp). Throws as operator() does, before writing.
  template <class O, class... Os>
    requires detail::reducible<O, Os...>
  WEFT_INLINE void reduce_into(O& out, const O& o0, const Os&... os) const {
    namespace r = detail::reduction;
    using S = scalar_t<O>;
    constexpr std::size_t n = 1 + sizeof...(Os);
    r::require_same_extents(o0, os...);
    r::fit_like(out, o0);
    const auto p = r::data_of(o0, os...);
    S* d = tensor_traits<O>::data(out);
    r::max_into(d, p.data(), std::integral_constant<std::size_t, n>{}, r::element_count(o0));
  }
};

/// The element-wise maximum of the branches' outputs: `weft::ensemble(weft::max, a, b)`.
inline constexpr max_t max{};

/// Type of weft::median.
struct median_t {
  /// Reducer protocol (see mean_t): any outputs.
  using weft_reducer = void;
  template <class O, std::size_t N> static constexpr bool accepts = true;
  template <class O, std::size_t N> using diagnostic = detail::no_diagnostic;

  /// Element-wise median of the arguments (an even count averages the middle two); see the header.
  template <class O, class... Os>
    requires detail::reducible<O, Os...>
  WEFT_INLINE O operator()(const O& o0, const Os&... os) const {
    O out;
    reduce_into(out, o0, os...);
    return out;
  }
  /// The same answer written into out (any extents on entry; re-sized only when they differ from
  /// o0's): what a workspace uses (weft/workspace.hpp). Throws as operator() does, before writing.
  template <class O, class... Os>
    requires detail::reducible<O, Os...>
  WEFT_INLINE void reduce_into(O& out, const O& o0, const Os&... os) const {
    namespace r = detail::reduction;
    using S = scalar_t<O>;
    constexpr std::size_t n = 1 + sizeof...(Os);
    r::require_same_extents(o0, os...);
    r::fit_like(out, o0);
    const auto p = r::data_of(o0, os...);
    S* d = tensor_traits<O>::data(out);
    std::array<S, n> v;
    r::median_into(d, p.data(), std::integral_constant<std::size_t, n>{}, r::element_count(o0), v.data());
  }
};

/// The element-wise median of the branches' outputs: `weft::ensemble(weft::median, a, b, c)`.
inline constexpr median_t median{};

}  // namespace weft

#endif  // WEFT_REDUCERS_HPP
