// SPDX-License-Identifier: BSL-1.0
// weft/adapters.hpp - explicit adapters: cast<T>, reshape<N...>, identity, concat, softmax, argmax,
// normalize, check_finite.
//
// Contract:
//   An adapter is not a model by itself: `model | adapter` binds it to the output type on its left,
//   and the bound stage, weft::adapter_stage<A, In>, is a model. An adapter cannot start a pipeline.
//   Each adapter is an inline constexpr object (a variable template where parameterised). A rejected
//   input fails to compile where `|` binds the adapter, with one weft diagnostic naming the stage
//   (weft::detail::sequence_stage<I>) and the spec. docs/adapters.md has every adapter's semantics.
//   - weft::cast<T>: the same tensor with scalar T (static_cast per element: a floating value into an
//     integer T is truncated toward zero); same backend, extents and layout; an owning type. A value
//     T cannot hold throws instead of converting: a NaN or an infinity into an integer T throws
//     weft::non_finite_error; a value outside T's range (1e10 into int, 300 into std::int8_t, a
//     finite double beyond float's largest) throws weft::range_error naming T's range, the value and
//     its flat row-major index (the first such element). NaN and infinity into a floating T pass.
//     One pass (two when some value of the input's scalar does not fit T); allocates only for
//     dynamic extents.
//   - weft::reshape<N...>: the same elements in row-major (C) index order, as NumPy and PyTorch do,
//     whatever the backend and layout; the output is a row-major owning tensor with extents N...
//     A static element count that differs fails to compile; a dynamic one that differs throws
//     weft::shape_error. Eigen holds ranks 1 and 2 only (a 1 x N or N x 1 result is a vector).
//   - weft::identity: the same tensor, materialised as its owning type (a copy).
//   - weft::concat: after a fan_out, joins its std::tuple of rank-1 outputs (either backend, one
//     scalar type) into one rank-1 tensor of the first part's backend, in branch order. Its static
//     extent is the sum of the parts' (dyn when any part's is dyn), known at compile time. A tuple
//     of batches (see below; either backend, one scalar type) is joined sample by sample into a batch
//     of the first part's backend: Eigen rows stacked, xtensor along axis 1. The sample extent is the
//     sum of the parts'; the batch count is the parts' static one (dyn when none has one). Batch
//     counts that differ at run time throw weft::shape_error; static ones that differ fail to compile.
//   - weft::softmax: exp(x - max(x)) / sum, over a rank-1 floating-point tensor; same owning type.
//   - weft::argmax: the index of the largest element of a rank-1 tensor, the lowest index on ties,
//     the first NaN if any (as torch.argmax and numpy.argmax); a one-element rank-1 std::int64_t
//     tensor of the input's backend (Eigen::Matrix<std::int64_t, 1, 1>,
//     xt::xtensor_fixed<std::int64_t, xt::xshape<1>>). An empty input throws weft::shape_error.
//   - weft::normalize: x / sum(x), over a rank-1 floating-point tensor; same owning type. A sum of
//     exactly zero throws weft::error (the unit sum is undefined); NaN and infinity pass through.
//     Finite elements whose sum overflows the scalar are summed again scaled by a power of two, so
//     the answer is still right; a quotient beyond the scalar's range (a tiny sum) throws
//     weft::range_error.
//   - weft::check_finite: the same tensor (any rank), as its owning type; throws
//     weft::non_finite_error naming the spec and the flat row-major index of the first NaN or
//     infinity. Integer tensors always pass.
//   Batches (the rule of weft::batch_t, weft/batch.hpp): a column-major Eigen matrix of rank 2 is a
//   batch with one sample per column; an xtensor of static rank 2 is a batch with its samples along
//   axis 0. softmax, argmax, normalize and check_finite apply to each sample what they apply to one,
//   with the same answers and errors; an error names the sample, "f32[10] (sample 3 of f32[10,32])",
//   with the index inside that sample, and the first sample that fails is the one reported. softmax,
//   normalize and check_finite return the batch's owning type (static extents kept); argmax returns
//   one index per sample: Eigen::Matrix<std::int64_t, 1, B> (B the batch's static count or
//   Eigen::Dynamic; an Eigen::Array batch gives an Array), xtensor a rank-1 std::int64_t tensor of B
//   elements. An empty batch gives an empty answer. A row-major Eigen matrix of rank 2 fails to
//   compile (a batch is column-major); a higher rank fails to compile for softmax, argmax and
//   normalize (check_finite takes it as one tensor). An xt::xarray (rank known at run time) is
//   accepted and must hold rank 1 at run time, else weft::shape_error. Softmax and normalize reject
//   integer scalars.
//   Inside a sequence, a weft::error raised by an adapter gains the stage's path ("sequence[2]").
//   Cost: one pass over the elements (two or three for softmax and normalize), no allocation for
//   fixed extents, none beyond the output for dynamic ones.
//   Adapters are stateless and thread-safe.
//   Example:  auto p = weft::fan_out(enc_a, enc_b) | weft::concat | head | weft::softmax | weft::argmax;
#ifndef WEFT_ADAPTERS_HPP
#define WEFT_ADAPTERS_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "convert.hpp"
#include "detail/config.hpp"
#include "detail/copy.hpp"
#include "detail/finite.hpp"
#include "detail/numeric.hpp"
#include "detail/sample_axis.hpp"
#include "detail/stages.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "tensor.hpp"

namespace weft {

/// An adapter: a stateless object that `|` binds to the output type on its left.
template <class A>
concept adapter = requires { typename std::remove_cvref_t<A>::weft_adapter; };

/// Adapter A bound to input type In: a model from In to A::output<In>.
template <adapter A, class In>
struct adapter_stage {
  using input_type = In;
  using output_type = typename A::template output<In>;
  [[no_unique_address]] A adapter;
  /// Applies the adapter; throws what the adapter documents (shape_error for a bad reshape).
  WEFT_INLINE output_type operator()(const In& x) const { return A::apply(x); }
};

namespace detail {
// An adapter stage takes exactly the value on its left, which its adapter accepted: a model even
// when that value is not a tensor (concat over a fan_out's std::tuple).
template <class A, class In>
inline constexpr bool bound_stage<adapter_stage<A, In>> = true;
}  // namespace detail

namespace detail {

/// Throws for the value at flat index `index` of x that scalar To cannot hold: non_finite_error for a
/// NaN or an infinity, else range_error.
template <class To, class In>
[[noreturn, gnu::noinline, gnu::cold]] void throw_cast_failure(const In& x, std::ptrdiff_t index, scalar_t<In> value) {
  const std::string spec = actual_spec_name<In>(tensor_traits<In>::extents_of(x));
  if constexpr (std::is_floating_point_v<scalar_t<In>>)
    if (!std::isfinite(value)) throw non_finite_error(spec, index);
  throw range_error(range_text<To>(), value_text(value), index, spec);
}

/// Throws unless every element of x converts to To keeping its value (see weft::cast).
template <class To, class In>
void check_cast(const In& x) {
  using S = scalar_t<In>;
  S found{};
  const std::ptrdiff_t bad = first_flat_index(x, [&found](const S& v) {
    if (fits_in<To>(v)) return false;
    found = v;
    return true;
  });
  if (bad >= 0) throw_cast_failure<To>(x, bad, found);
}

}  // namespace detail

/// Adapter type of weft::cast<T>.
template <class T>
struct cast_t {
  using weft_adapter = void;
  template <class In>
  static constexpr bool accepts = tensor<In>;
  template <class In, class Tr = tensor_traits<In>>
  using output = typename Tr::template rebind<T, typename Tr::extents_type, Tr::layout>;
  template <class Where, class In>
  using diagnostic = detail::not_a_tensor<Where, In>;
  /// Converts every element; throws non_finite_error or range_error for a value T cannot hold.
  template <class In>
  WEFT_INLINE static output<In> apply(const In& x) {
    if constexpr (detail::cast_needs_check<scalar_t<In>, T>) detail::check_cast<T>(x);
    return detail::make_copy<output<In>>(x);
  }
};

/// Converts every element to scalar T: `model | weft::cast<double>`.
template <class T>
inline constexpr cast_t<T> cast{};

/// Adapter type of weft::reshape<N...>.
template <std::ptrdiff_t... N>
struct reshape_t {
  static_assert(((N > 0) && ...), "weft: reshape: every extent must be a positive number");
  using weft_adapter = void;
  static constexpr std::ptrdiff_t count = (std::ptrdiff_t{1} * ... * N);
  template <class In, class Tr = tensor_traits<In>>
  using output = typename Tr::template rebind<typename Tr::scalar_type, weft::extents<N...>, layout::row_major>;
  template <class In>
  static constexpr bool size_fits = [] {
    if constexpr (!tensor<In>) return false;
    else return tensor_traits<In>::rank == dyn || tensor_traits<In>::extents_type::size == dyn ||
                tensor_traits<In>::extents_type::size == count;
  }();
  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (!size_fits<In>) return false;
    else return !std::is_same_v<output<In>, detail::no_backend_type>;
  }();
  /// The diagnostic for a rejected In (instantiated by operator| only when `!accepts<In>`).
  template <class Where, class In, class To = typename detail::scalar_spec<scalar_t<In>, N...>::type>
  using diagnostic = std::conditional_t<!tensor<In>, detail::not_a_tensor<Where, In>,
                                        std::conditional_t<!size_fits<In>, detail::reshape_size_mismatch<Where, spec_t<In>, To>,
                                                           detail::reshape_rank_unsupported<Where, spec_t<In>, To>>>;
  template <class In>
  WEFT_INLINE static output<In> apply(const In& x) {
    using tin = tensor_traits<In>;
    using tout = tensor_traits<output<In>>;
    shape out_ext;
    out_ext.resize(tout::rank);
    for (std::size_t i = 0; i < out_ext.rank(); ++i) out_ext[i] = tout::extents_type::values[i];
    if constexpr (tin::rank == dyn || tin::extents_type::size == dyn) {
      const shape d = tin::extents_of(x);
      if (d.element_count() != count) detail::throw_shape_error<output<In>>(actual_spec_name<In>(d));
    }
    output<In> out = tout::make(out_ext);
    detail::copy_flat(x, tout::data(out));
    return out;
  }
};

/// Reshapes to extents N... in row-major index order: `model | weft::reshape<28, 28>`.
template <std::ptrdiff_t... N>
inline constexpr reshape_t<N...> reshape{};

/// Adapter type of weft::identity.
struct identity_t {
  using weft_adapter = void;
  template <class In>
  static constexpr bool accepts = tensor<In>;
  template <class In>
  using output = typename tensor_traits<In>::owning_type;
  template <class Where, class In>
  using diagnostic = detail::not_a_tensor<Where, In>;
  template <class In>
  WEFT_INLINE static output<In> apply(const In& x) {
    if constexpr (std::is_same_v<output<In>, In>) return x;
    else return detail::make_copy<output<In>>(x);
  }
};

/// Passes the value on unchanged (as its owning type): `model | weft::identity`.
inline constexpr identity_t identity{};

// ---------------------------------------------------------------------------------------------
// concat, softmax, argmax, normalize, check_finite: declarations first, details below.
// ---------------------------------------------------------------------------------------------

namespace detail {

/// Why an adapter over samples rejects In: 0 it does not, 1 not a tensor, 2 rank (neither a sample
/// nor a batch; any rank passes when AnyRank), 3 scalar (when Floating), 4 a row-major Eigen matrix.
template <class In, bool Floating, bool AnyRank = false>
constexpr int sample_problem() noexcept {
  if constexpr (!tensor<In>) return 1;
  else if constexpr (row_major_eigen_batch<In>) return 4;
  else if constexpr (!AnyRank && rank_v<In> != 1 && rank_v<In> != 2 && rank_v<In> != dyn) return 2;
  else if constexpr (Floating && !std::is_floating_point_v<scalar_t<In>>) return 3;
  else return 0;
}

template <int Problem>
struct sample_diagnostic_select {
  template <class W, class A, class In> using type = no_diagnostic;
};
template <>
struct sample_diagnostic_select<1> {
  template <class W, class A, class In> using type = not_a_tensor<W, In>;
};
template <>
struct sample_diagnostic_select<2> {
  template <class W, class A, class In> using type = adapter_needs_rank1<W, A, spec_t<In>>;
};
template <>
struct sample_diagnostic_select<3> {
  template <class W, class A, class In> using type = adapter_needs_floating_point<W, A, spec_t<In>>;
};
template <>
struct sample_diagnostic_select<4> {
  template <class W, class A, class In> using type = adapter_row_major_batch<W, A, spec_t<In>>;
};

/// The diagnostic for adapter A rejecting In at Where (no_diagnostic when it accepts In).
template <class Where, class A, class In, bool Floating, bool AnyRank = false>
using sample_diagnostic =
    typename sample_diagnostic_select<sample_problem<In, Floating, AnyRank>()>::template type<Where, A, In>;

/// argmax's output for In: one std::int64_t per sample, in a rank-1 tensor of In's backend (Eigen:
/// a row, 1 x B, for a batch of B samples; one element for a lone sample).
template <class In, bool Batch = sample_batch<In>, class Tr = tensor_traits<In>>
struct argmax_output {
  using type = typename Tr::template rebind<std::int64_t, extents<1>, layout::none>;
};
template <class In, class Tr>
struct argmax_output<In, true, Tr> {
  static constexpr std::ptrdiff_t count = batch_extent_v<In>;
  using ext = std::conditional_t<Tr::backend == backend::eigen, extents<1, count>, extents<count>>;
  using type = typename Tr::template rebind<std::int64_t, ext, layout::row_major>;
};

/// Why concat rejects In: problem 0 it does not, 1 not a non-empty std::tuple, 2 a part is not a
/// rank-1 tensor, 3 a part's scalar differs from the first's; `part` is the offending part's index.
template <class In>
struct concat_judgement;

/// The static extent of a rank-1 tensor type (weft::dyn when known only at run time).
template <class T>
inline constexpr std::ptrdiff_t extent0_v = tensor_traits<std::remove_cvref_t<T>>::extents_type::values[0];

template <class In>
struct concat_output;

}  // namespace detail

/// Adapter type of weft::concat.
struct concat_t {
  using weft_adapter = void;
  template <class In>
  static constexpr bool accepts = detail::concat_judgement<In>::problem == 0;
  /// A rank-1 owning tensor of the first part's backend; extent the sum of the parts' (dyn if any is).
  /// For batches, a batch of the first part's backend: sample extent the sum, the parts' batch count.
  template <class In>
  using output = typename detail::concat_output<In>::type;
  template <class Where, class In>
  using diagnostic = typename detail::concat_judgement<In>::template diagnostic<Where, In>;
  /// Copies every part in order (sample by sample for batches); allocates only when the output's
  /// extents are dynamic. Never throws for fixed parts; batch counts that differ throw shape_error.
  template <class In>
  WEFT_INLINE static output<In> apply(const In& parts);
};

/// Joins a fan_out's rank-1 outputs into one vector: `weft::fan_out(a, b) | weft::concat`.
inline constexpr concat_t concat{};

/// Adapter type of weft::softmax.
struct softmax_t {
  using weft_adapter = void;
  template <class In>
  static constexpr bool accepts = detail::sample_problem<In, true>() == 0;
  /// The input's owning type (same backend, scalar and extents; a batch stays a batch).
  template <class In>
  using output = typename tensor_traits<In>::owning_type;
  template <class Where, class In>
  using diagnostic = detail::sample_diagnostic<Where, softmax_t, In, true>;
  /// exp(x - max(x)) / sum per sample; NaN or infinity in a sample gives NaN there. Throws shape_error
  /// for an xarray of rank != 1.
  template <class In>
  WEFT_INLINE static output<In> apply(const In& x);
};

/// Numerically stable softmax of a rank-1 tensor: `model | weft::softmax`.
inline constexpr softmax_t softmax{};

/// Adapter type of weft::argmax.
struct argmax_t {
  using weft_adapter = void;
  template <class In>
  static constexpr bool accepts = detail::sample_problem<In, false>() == 0;
  /// One std::int64_t per sample in a rank-1 tensor of the input's backend (and Eigen family): extent
  /// 1 for a sample; for a batch of B, Eigen::Matrix<std::int64_t, 1, B> or an xtensor of B.
  template <class In>
  using output = typename detail::argmax_output<In>::type;
  template <class Where, class In>
  using diagnostic = detail::sample_diagnostic<Where, argmax_t, In, false>;
  /// Lowest index of the maximum of each sample; the first NaN wins. Throws shape_error when a
  /// sample is empty (an empty batch gives an empty answer).
  template <class In>
  WEFT_INLINE static output<In> apply(const In& x);
};

/// Index of the largest element, ties to the lowest index: `model | weft::argmax`.
inline constexpr argmax_t argmax{};

/// Adapter type of weft::normalize.
struct normalize_t {
  using weft_adapter = void;
  template <class In>
  static constexpr bool accepts = detail::sample_problem<In, true>() == 0;
  /// The input's owning type (same backend, scalar and extents; a batch stays a batch).
  template <class In>
  using output = typename tensor_traits<In>::owning_type;
  template <class Where, class In>
  using diagnostic = detail::sample_diagnostic<Where, normalize_t, In, true>;
  /// x / sum(x) per sample. Throws weft::error when a sample's sum is exactly zero,
  /// weft::range_error when a quotient of finite elements lies beyond the scalar's range.
  template <class In>
  WEFT_INLINE static output<In> apply(const In& x);
};

/// Scales a rank-1 tensor to unit sum: `model | weft::normalize`.
inline constexpr normalize_t normalize{};

/// Adapter type of weft::check_finite.
struct check_finite_t {
  using weft_adapter = void;
  template <class In>
  static constexpr bool accepts = detail::sample_problem<In, false, true>() == 0;
  /// The input's owning type.
  template <class In>
  using output = typename tensor_traits<In>::owning_type;
  template <class Where, class In>
  using diagnostic = detail::sample_diagnostic<Where, check_finite_t, In, false, true>;
  /// Throws non_finite_error at the first NaN or infinity (of the first bad sample of a batch); else
  /// returns the value (a copy).
  template <class In>
  WEFT_INLINE static output<In> apply(const In& x);
};

/// Throws weft::non_finite_error unless every element is finite: `model | weft::check_finite`.
inline constexpr check_finite_t check_finite{};

// ---------------------------------------------------------------------------------------------
// Details
// ---------------------------------------------------------------------------------------------

namespace detail {

template <class In>
[[noreturn, gnu::noinline, gnu::cold]] void throw_zero_sum(const In& x, std::ptrdiff_t j, std::ptrdiff_t n) {
  throw error("error", "normalize: the elements of " + sample_spec_name(x, j, n) +
                           " sum to zero; a unit sum is undefined");
}

/// normalize's sum overflowed: when every element is finite, returns the shift s such that the sum of
/// ldexp(v[i], -s) is finite, and stores that sum in `sum`; else returns 0 (the sum is data).
template <class S>
[[gnu::noinline, gnu::cold]] int rescale_sum(const rank1_span<S>& v, S& sum) {
  S top = 0;
  for (std::ptrdiff_t i = 0; i < v.size; ++i) {
    if (!std::isfinite(v[i])) return 0;
    top = std::fmax(top, std::fabs(v[i]));
  }
  int shift = 0;
  std::frexp(top, &shift);  // top = m * 2^shift, 0.5 <= m < 1: every scaled element within [-1, 1]
  S scaled = 0;
  for (std::ptrdiff_t i = 0; i < v.size; ++i) scaled += std::ldexp(v[i], -shift);
  sum = scaled;
  return shift;
}

/// normalize's sum of finite elements of sample j of x is below 1 in magnitude: throws range_error
/// at the first quotient that overflowed the scalar.
template <class In, class S>
[[gnu::noinline, gnu::cold]] void check_quotients(const In& x, std::ptrdiff_t j, const rank1_span<S>& v,
                                                  const sample_slots<S>& out, S sum, int shift) {
  for (std::ptrdiff_t i = 0; i < v.size; ++i)
    if (!std::isfinite(out[i])) {
      const long double exact = static_cast<long double>(std::ldexp(v[i], -shift)) / static_cast<long double>(sum);
      throw range_error(range_text<S>(), value_text(exact), i, sample_spec_name(x, j, v.size));
    }
}

template <class In>
[[noreturn, gnu::noinline, gnu::cold]] void throw_empty_argmax(const shape& actual) {
  spec_text expected;
  expected.append("a non-empty ");
  expected.append(scalar_name<scalar_t<In>>());
  expected.append(sample_batch<In> ? "[?] per sample" : "[?]");
  throw shape_error(expected.view(), actual_spec_name<In>(actual));
}

template <class In>
[[noreturn, gnu::noinline, gnu::cold]] void throw_non_finite(const In& x, std::ptrdiff_t index) {
  throw non_finite_error(actual_spec_name<In>(tensor_traits<In>::extents_of(x)), index);
}

template <class In>
[[noreturn, gnu::noinline, gnu::cold]] void throw_non_finite_sample(const In& x, std::ptrdiff_t j, std::ptrdiff_t n,
                                                                    std::ptrdiff_t index) {
  throw non_finite_error(sample_spec_name(x, j, n), index);
}

/// Writes the softmax of one sample v into o.
template <class S>
WEFT_INLINE void softmax_sample(const rank1_span<S>& v, const sample_slots<S>& o) {
  if (v.size == 0) return;
  S top = v[0];
  for (std::ptrdiff_t i = 1; i < v.size; ++i)
    if (v[i] > top) top = v[i];
  S sum = 0;
  for (std::ptrdiff_t i = 0; i < v.size; ++i) {
    o[i] = std::exp(v[i] - top);
    sum += o[i];
  }
  for (std::ptrdiff_t i = 0; i < v.size; ++i) o[i] /= sum;
}

/// The index of the largest element of one non-empty sample v: the lowest on ties, the first NaN.
template <class S>
WEFT_INLINE std::int64_t argmax_sample(const rank1_span<S>& v) {
  std::ptrdiff_t best = 0;
  S top = v[0];
  if constexpr (std::is_floating_point_v<S>) {
    if (std::isnan(top)) return 0;
    for (std::ptrdiff_t i = 1; i < v.size; ++i) {
      if (std::isnan(v[i])) return static_cast<std::int64_t>(i);
      if (v[i] > top) {
        top = v[i];
        best = i;
      }
    }
  } else {
    for (std::ptrdiff_t i = 1; i < v.size; ++i)
      if (v[i] > top) {
        top = v[i];
        best = i;
      }
  }
  return static_cast<std::int64_t>(best);
}

/// Writes v / sum(v) into o, v being sample j of x (errors name it).
template <class In, class S>
WEFT_INLINE void normalize_sample(const In& x, std::ptrdiff_t j, const rank1_span<S>& v, const sample_slots<S>& o) {
  S sum = 0;
  for (std::ptrdiff_t i = 0; i < v.size; ++i) sum += v[i];
  int shift = 0;  // the sum of finite elements overflowed: sum them again scaled by 2^-shift
  if (!std::isfinite(sum)) [[unlikely]] shift = rescale_sum(v, sum);
  if (sum == S(0)) throw_zero_sum(x, j, v.size);
  if (shift == 0) [[likely]] {
    for (std::ptrdiff_t i = 0; i < v.size; ++i) o[i] = v[i] / sum;
  } else {
    for (std::ptrdiff_t i = 0; i < v.size; ++i) o[i] = std::ldexp(v[i], -shift) / sum;
  }
  // |sum| >= 1 keeps every quotient of finite elements within range; a smaller finite one may not
  if (!(std::fabs(sum) >= S(1)) && std::isfinite(sum)) [[unlikely]] check_quotients(x, j, v, o, sum, shift);
}

template <class T>
constexpr bool is_rank1_tensor() noexcept {
  if constexpr (tensor<T>) return rank_v<T> == 1;
  else return false;
}

template <int Problem>
struct concat_diagnostic_select {
  template <class W, class In, std::size_t Part> using type = no_diagnostic;
};
template <>
struct concat_diagnostic_select<1> {
  template <class W, class In, std::size_t Part> using type = concat_not_a_tuple<W, typename spec_or_type<In>::type>;
};
template <>
struct concat_diagnostic_select<2> {
  template <class W, class In, std::size_t Part>
  using type = concat_part_not_rank1<W, concat_part<Part>, typename spec_or_type<std::tuple_element_t<Part, In>>::type>;
};
template <>
struct concat_diagnostic_select<3> {
  template <class W, class In, std::size_t Part>
  using type = concat_scalar_mismatch<W, concat_part<Part>, spec_t<std::tuple_element_t<0, In>>,
                                      spec_t<std::tuple_element_t<Part, In>>>;
};
template <>
struct concat_diagnostic_select<4> {
  template <class W, class In, std::size_t Part>
  using type = adapter_row_major_batch<W, concat_part<Part>, spec_t<std::tuple_element_t<Part, In>>>;
};
template <>
struct concat_diagnostic_select<5> {
  template <class W, class In, std::size_t Part>
  using type = concat_batch_count_mismatch<W, concat_part<Part>, spec_t<std::tuple_element_t<0, In>>,
                                           spec_t<std::tuple_element_t<Part, In>>>;
};

/// The static batch count of a batch type (dyn when known only at run time, or for a non-batch).
template <class T>
constexpr std::ptrdiff_t static_batch_count() noexcept {
  if constexpr (sample_batch<T>) return batch_extent_v<T>;
  else return dyn;
}

/// The batch count shared by the static counts of T... (dyn when none has one; the first one found
/// when they differ, which concat_judgement diagnoses).
template <class... T>
constexpr std::ptrdiff_t shared_batch_count() noexcept {
  std::ptrdiff_t found = dyn;
  ((found = found != dyn ? found : static_batch_count<T>()), ...);
  return found;
}

template <class In>
struct concat_judgement {
  static constexpr int problem = 1;
  static constexpr std::size_t part = 0;
  template <class Where, class I>
  using diagnostic = typename concat_diagnostic_select<1>::template type<Where, I, 0>;
};

template <class... T>
  requires(sizeof...(T) > 0)
struct concat_judgement<std::tuple<T...>> {
  static constexpr std::size_t n = sizeof...(T);
  /// Parts are samples (rank 1) or batches, as the first part is.
  static constexpr bool batches = sample_batch<nth_t<0, T...>>;
  static constexpr std::size_t bad_rank = [] {
    constexpr bool ok[] = {(batches ? sample_batch<T> : is_rank1_tensor<T>())...};
    std::size_t i = 0;
    while (i < n && ok[i]) ++i;
    return i;
  }();
  static constexpr bool row_major = [] {
    if constexpr (bad_rank < n) return row_major_eigen_batch<nth_t<bad_rank, T...>> && (batches || bad_rank == 0);
    else return false;
  }();
  static constexpr std::size_t bad_count = [] {
    if constexpr (!batches || bad_rank < n) {
      return n;
    } else {
      constexpr std::ptrdiff_t shared = shared_batch_count<T...>();
      constexpr bool ok[] = {(static_batch_count<T>() == dyn || static_batch_count<T>() == shared)...};
      std::size_t i = 0;
      while (i < n && ok[i]) ++i;
      return i;
    }
  }();
  static constexpr std::size_t bad_scalar = [] {
    if constexpr (bad_rank < n) {
      return n;
    } else {
      constexpr bool ok[] = {std::is_same_v<scalar_t<T>, scalar_t<nth_t<0, T...>>>...};
      std::size_t i = 0;
      while (i < n && ok[i]) ++i;
      return i;
    }
  }();
  static constexpr int problem = bad_rank < n ? (row_major ? 4 : 2) : bad_scalar < n ? 3 : bad_count < n ? 5 : 0;
  static constexpr std::size_t part = bad_rank < n ? bad_rank : bad_scalar < n ? bad_scalar : bad_count < n ? bad_count : 0;
  template <class Where, class I>
  using diagnostic = typename concat_diagnostic_select<problem>::template type<Where, I, part>;
};

template <class... T>
struct concat_output<std::tuple<T...>> {
  using first = nth_t<0, T...>;
  static constexpr std::ptrdiff_t total = ((extent0_v<T> == dyn) || ...) ? dyn : (extent0_v<T> + ...);
  using type = typename tensor_traits<std::remove_cvref_t<first>>::template rebind<scalar_t<first>, extents<total>,
                                                                                   layout::none>;
};

/// concat of batches: a batch of the first part's backend, sample extent the sum of the parts'.
template <class... T>
  requires(sample_batch<nth_t<0, T...>>)
struct concat_output<std::tuple<T...>> {
  using first = nth_t<0, T...>;
  using tr = tensor_traits<std::remove_cvref_t<first>>;
  static constexpr std::ptrdiff_t total =
      ((sample_extent_v<T> == dyn) || ...) ? dyn : (sample_extent_v<T> + ...);
  static constexpr std::ptrdiff_t count = shared_batch_count<T...>();
  static constexpr bool eigen = tr::backend == backend::eigen;
  using type = typename tr::template rebind<scalar_t<first>,
                                            std::conditional_t<eigen, extents<total, count>, extents<count, total>>,
                                            eigen ? layout::col_major : layout::row_major>;
};

/// Elements in a rank-1 part: its static extent, else its run-time one.
template <class T>
WEFT_INLINE std::ptrdiff_t part_size(const T& p) {
  if constexpr (extent0_v<T> != dyn) return (void)p, extent0_v<T>;
  else return tensor_traits<T>::extents_of(p)[0];
}

template <class Out, class In, std::size_t... I>
WEFT_INLINE Out concat_parts(const In& parts, std::index_sequence<I...>) {
  using to = tensor_traits<Out>;
  constexpr std::ptrdiff_t total = to::extents_type::values[0];
  const std::ptrdiff_t n = total != dyn ? total : (part_size(std::get<I>(parts)) + ...);
  Out out = to::make(vector_shape(n));
  auto* dst = to::data(out);
  ((copy_flat(std::get<I>(parts), dst), dst += part_size(std::get<I>(parts))), ...);
  return out;
}

/// Throws unless part k of a concat of batches holds `count` samples (part 0's count).
template <std::size_t K, class T>
WEFT_INLINE void check_batch_count(const T& part, std::ptrdiff_t count) {
  const shape d = tensor_traits<T>::extents_of(part);
  const std::ptrdiff_t size = d[tensor_traits<T>::backend == backend::eigen ? 0 : 1];
  if (d == batch_shape<T>(count, size)) [[likely]] return;
  throw shape_error(actual_spec_name<T>(batch_shape<T>(count, size)) + " (concat part " + std::to_string(K) +
                        ": as many samples as part 0)",
                    actual_spec_name<T>(d));
}

/// Copies every sample of batch part p into elements [offset, offset + p's sample size) of the
/// samples of `out`; returns the next offset.
template <class T, class O>
WEFT_INLINE std::ptrdiff_t copy_samples(const T& p, const O& out, std::ptrdiff_t offset) {
  const auto in = samples_of(p);
  for (std::ptrdiff_t j = 0; j < in.count; ++j) {
    const auto from = in.sample(j);
    const auto to = out.slots(j);
    for (std::ptrdiff_t i = 0; i < in.size; ++i) to[offset + i] = from[i];
  }
  return offset + in.size;
}

/// Sample size of a batch part: its static one, else its run-time one.
template <class T>
WEFT_INLINE std::ptrdiff_t sample_size(const T& p) {
  if constexpr (sample_extent_v<T> != dyn) return (void)p, sample_extent_v<T>;
  else return tensor_traits<T>::extents_of(p)[tensor_traits<T>::backend == backend::eigen ? 0 : 1];
}

template <class Out, class In, std::size_t... I>
WEFT_INLINE Out concat_batches(const In& parts, std::index_sequence<I...>) {
  using to = tensor_traits<Out>;
  const std::ptrdiff_t count = samples_of(std::get<0>(parts)).count;
  (check_batch_count<I>(std::get<I>(parts), count), ...);
  constexpr std::ptrdiff_t total = sample_extent_v<Out>;
  const std::ptrdiff_t size = total != dyn ? total : (sample_size(std::get<I>(parts)) + ...);
  Out out = to::make(batch_shape<Out>(count, size));
  const auto slots = writable_samples_of(out);
  std::ptrdiff_t offset = 0;
  ((offset = copy_samples(std::get<I>(parts), slots, offset)), ...);
  return out;
}

}  // namespace detail

template <class In>
WEFT_INLINE concat_t::output<In> concat_t::apply(const In& parts) {
  constexpr auto parts_index = std::make_index_sequence<std::tuple_size_v<In>>{};
  if constexpr (detail::concat_judgement<In>::batches) return detail::concat_batches<output<In>>(parts, parts_index);
  else return detail::concat_parts<output<In>>(parts, parts_index);
}

template <class In>
WEFT_INLINE softmax_t::output<In> softmax_t::apply(const In& x) {
  using to = tensor_traits<output<In>>;
  if constexpr (detail::sample_batch<In>) {
    const auto in = detail::samples_of(x);
    output<In> out = to::make(tensor_traits<In>::extents_of(x));
    const auto slots = detail::writable_samples_of(out);
    for (std::ptrdiff_t j = 0; j < in.count; ++j) detail::softmax_sample(in.sample(j), slots.slots(j));
    return out;
  } else {
    const auto v = detail::rank1_of(x);
    output<In> out = to::make(detail::vector_shape(v.size));
    detail::softmax_sample(v, detail::sample_slots<scalar_t<In>>{to::data(out), 1});
    return out;
  }
}

template <class In>
WEFT_INLINE argmax_t::output<In> argmax_t::apply(const In& x) {
  using to = tensor_traits<output<In>>;
  if constexpr (detail::sample_batch<In>) {
    const auto in = detail::samples_of(x);
    if (in.size == 0 && in.count > 0) detail::throw_empty_argmax<In>(tensor_traits<In>::extents_of(x));
    output<In> out = to::make(detail::vector_shape(in.count));
    std::int64_t* o = to::data(out);
    for (std::ptrdiff_t j = 0; j < in.count; ++j) o[j] = detail::argmax_sample(in.sample(j));
    return out;
  } else {
    const auto v = detail::rank1_of(x);
    if (v.size == 0) detail::throw_empty_argmax<In>(detail::vector_shape(0));
    output<In> out = to::make(detail::vector_shape(1));
    to::data(out)[0] = detail::argmax_sample(v);
    return out;
  }
}

template <class In>
WEFT_INLINE normalize_t::output<In> normalize_t::apply(const In& x) {
  using to = tensor_traits<output<In>>;
  if constexpr (detail::sample_batch<In>) {
    const auto in = detail::samples_of(x);
    output<In> out = to::make(tensor_traits<In>::extents_of(x));
    const auto slots = detail::writable_samples_of(out);
    for (std::ptrdiff_t j = 0; j < in.count; ++j) detail::normalize_sample(x, j, in.sample(j), slots.slots(j));
    return out;
  } else {
    const auto v = detail::rank1_of(x);
    output<In> out = to::make(detail::vector_shape(v.size));
    detail::normalize_sample(x, 0, v, detail::sample_slots<scalar_t<In>>{to::data(out), 1});
    return out;
  }
}

template <class In>
WEFT_INLINE check_finite_t::output<In> check_finite_t::apply(const In& x) {
  using tr = tensor_traits<In>;
  using S = scalar_t<In>;
  if constexpr (std::is_floating_point_v<S> && detail::sample_batch<In>) {
    const auto in = detail::samples_of(x);
    for (std::ptrdiff_t j = 0; j < in.count; ++j) {
      const auto v = in.sample(j);
      for (std::ptrdiff_t i = 0; i < v.size; ++i)
        if (!std::isfinite(v[i])) detail::throw_non_finite_sample(x, j, v.size, i);
    }
  } else if constexpr (std::is_floating_point_v<S>) {
    std::ptrdiff_t bad = -1;
    if constexpr (tr::contiguous && tr::rank != dyn && (tr::rank <= 1 || tr::layout == layout::row_major)) {
      // memory order is row-major index order: one flat scan
      constexpr std::ptrdiff_t n = tr::extents_type::size;
      const std::ptrdiff_t size = n != dyn ? n : tr::extents_of(x).element_count();
      const S* p = tr::data(x);
      for (std::ptrdiff_t i = 0; i < size; ++i)
        if (!std::isfinite(p[i])) {
          bad = i;
          break;
        }
    } else {
      bad = detail::first_non_finite(x);
    }
    if (bad >= 0) detail::throw_non_finite(x, bad);
  }
  if constexpr (std::is_same_v<output<In>, In>) return x;
  else return detail::make_copy<output<In>>(x);
}

}  // namespace weft

#endif  // WEFT_ADAPTERS_HPP
