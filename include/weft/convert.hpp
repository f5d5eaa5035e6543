// SPDX-License-Identifier: BSL-1.0
// weft/convert.hpp - the judgement of a connection, and the bridge it chooses.
//
// Contract:
//   weft::conversion<From, To>::kind is decided at compile time:
//     identity      same type: the value is forwarded, no cost;
//     view          same scalar, compatible extents, same memory order, To can view memory: zero copy;
//     copy          same scalar, compatible extents, another container or layout: one pass, no
//                   allocation when To is fixed-size;
//     checked       compatible only if run-time extents agree (a dyn meets a number, or a dynamic rank
//                   meets a static one): a run-time check (shape_error), then conversion::then
//                   (view or copy);
//     incompatible  scalar, rank or a static extent differs: the combinator fails to compile and says
//                   which (conversion::why).
//   weft::connectable<From, To> is the concept "not incompatible". Scalar changes and reshapes are never
//   implicit: write weft::cast<T> or weft::reshape<N...> as a stage.
//   From may be const-qualified: a mutable view (Eigen::Map<VectorXf>) never points into const data.
//   Thread safety: all of this is stateless.
#ifndef WEFT_CONVERT_HPP
#define WEFT_CONVERT_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <type_traits>

#include "detail/config.hpp"
#include "detail/copy.hpp"
#include "errors.hpp"
#include "tensor.hpp"

namespace weft {

/// How a value of one tensor type reaches a stage that takes another.
enum class conversion_kind { identity, view, copy, checked, incompatible };

/// Why a connection is incompatible (none when it is not).
enum class mismatch { none, scalar, rank, extent, strided_view };

namespace detail {

struct judgement {
  conversion_kind kind;
  conversion_kind then;
  mismatch why;
};

template <class From, class To>
constexpr judgement judge() noexcept {
  using F = std::remove_cvref_t<From>;
  using T = std::remove_cvref_t<To>;
  if constexpr (std::is_same_v<F, T>) {
    return {conversion_kind::identity, conversion_kind::identity, mismatch::none};
  } else {
    using tf = tensor_traits<F>;
    using tt = tensor_traits<T>;
    if (!std::is_same_v<typename tf::scalar_type, typename tt::scalar_type>)
      return {conversion_kind::incompatible, conversion_kind::incompatible, mismatch::scalar};
    bool needs_check = false;
    if constexpr (tt::rank == dyn) {
      // To takes any rank and any extents.
    } else if constexpr (tf::rank == dyn) {
      needs_check = true;
    } else if constexpr (tf::rank != tt::rank) {
      return {conversion_kind::incompatible, conversion_kind::incompatible, mismatch::rank};
    } else {
      for (std::size_t i = 0; i < tt::extents_type::values.size(); ++i) {
        const auto f = tf::extents_type::values[i];
        const auto t = tt::extents_type::values[i];
        if (f != dyn && t != dyn && f != t)
          return {conversion_kind::incompatible, conversion_kind::incompatible, mismatch::extent};
        if (f == dyn && t != dyn) needs_check = true;
      }
    }
    if (!tt::owns_memory && !tt::can_view)
      return {conversion_kind::incompatible, conversion_kind::incompatible, mismatch::strided_view};
    const bool to_rank_le1 = tt::rank != dyn && tt::rank <= 1;
    const bool can_view = tt::can_view && tf::contiguous && (to_rank_le1 || tf::layout == tt::layout) &&
                          (tt::views_const || !(std::is_const_v<std::remove_reference_t<From>> || tf::views_const));
    const conversion_kind then = can_view ? conversion_kind::view : conversion_kind::copy;
    return {needs_check ? conversion_kind::checked : then, then, mismatch::none};
  }
}

}  // namespace detail

/// The compile-time judgement of passing a From to a stage whose input_type is To. A value that is
/// not a tensor (a fan_out's std::tuple) reaches only a stage bound to its own type: identity.
template <class From, class To>
  requires(tensor<From> && tensor<To>) || std::is_same_v<std::remove_cvref_t<From>, std::remove_cvref_t<To>>
struct conversion {
  /// identity, view, copy, checked or incompatible.
  static constexpr conversion_kind kind = detail::judge<From, To>().kind;
  /// What happens after a passed check (view or copy); equal to kind when kind is not checked.
  static constexpr conversion_kind then = detail::judge<From, To>().then;
  /// Why an incompatible connection is incompatible; mismatch::none otherwise.
  static constexpr mismatch why = detail::judge<From, To>().why;
};

/// A From can reach a stage taking a To, possibly after a run-time extent check.
template <class From, class To>
concept connectable = tensor<From> && tensor<To> && conversion<From, To>::kind != conversion_kind::incompatible;

namespace detail {

/// Same as connectable, as a constexpr bool (cheaper diagnostics than a concept).
template <class From, class To>
inline constexpr bool connects_v = [] {
  if constexpr (tensor<From> && tensor<To>) return conversion<From, To>::kind != conversion_kind::incompatible;
  else return std::is_same_v<std::remove_cvref_t<From>, std::remove_cvref_t<To>>;
}();

struct no_diagnostic {};

template <mismatch Why> struct mismatch_diagnostic { template <class W, class F, class T> using type = no_diagnostic; };
template <> struct mismatch_diagnostic<mismatch::scalar> { template <class W, class F, class T> using type = scalar_mismatch<W, F, T>; };
template <> struct mismatch_diagnostic<mismatch::rank> { template <class W, class F, class T> using type = rank_mismatch<W, F, T>; };
template <> struct mismatch_diagnostic<mismatch::extent> { template <class W, class F, class T> using type = extent_mismatch<W, F, T>; };
template <> struct mismatch_diagnostic<mismatch::strided_view> { template <class W, class F, class T> using type = strided_view_input<W, F, T>; };

/// The diagnostic class for passing From to a stage taking To at Where (no_diagnostic when they
/// connect). Instantiate it where the user's mistake is judged: `(void)connection_diagnostic<...>{};`
template <class Where, class From, class To, bool = tensor<From> && tensor<To>>
struct connection_diagnostic_select {
  using type = std::conditional_t<std::is_same_v<std::remove_cvref_t<From>, std::remove_cvref_t<To>>, no_diagnostic,
                                  value_not_tensor<Where, typename spec_or_type<std::remove_cvref_t<From>>::type,
                                                   typename spec_or_type<std::remove_cvref_t<To>>::type>>;
};
template <class Where, class From, class To>
struct connection_diagnostic_select<Where, From, To, true> {
  using type = typename mismatch_diagnostic<conversion<From, To>::why>::template type<Where, spec_t<From>, spec_t<To>>;
};
template <class Where, class From, class To>
using connection_diagnostic = typename connection_diagnostic_select<Where, From, To>::type;

template <class To>
[[noreturn, gnu::noinline, gnu::cold]] void throw_shape_error(std::string actual) {
  throw shape_error(spec_name<To>(), actual);
}

/// Throws shape_error unless x's run-time extents fit To's static ones (only for checked).
template <class From, class To>
WEFT_INLINE void check_extents(const From& x) {
  if constexpr (conversion<From, To>::kind == conversion_kind::checked) {
    using tt = tensor_traits<std::remove_cvref_t<To>>;
    using tf = tensor_traits<std::remove_cvref_t<From>>;
    const shape d = tf::extents_of(x);
    bool fits = d.rank() == static_cast<std::size_t>(tt::rank);
    for (std::size_t i = 0; fits && i < d.rank(); ++i) {
      const auto want = tt::extents_type::values[i];
      fits = want == dyn || want == d[i];
    }
    if (!fits) throw_shape_error<To>(actual_spec_name<From>(d));
  }
}

/// A To-typed value (or fresh copy) made from a From, allocating only for dynamic extents.
template <class To, class From>
WEFT_INLINE To make_copy(const From& x) {
  using tt = tensor_traits<To>;
  To out = tt::make(tensor_traits<std::remove_cvref_t<From>>::extents_of(x));
  copy_elements(x, out);
  return out;
}

/// Whether a value of type T owns its memory; true for a value that is not a tensor (a std::tuple).
template <class T>
inline constexpr bool owns_memory_v = true;
template <tensor T>
inline constexpr bool owns_memory_v<T> = tensor_traits<std::remove_cvref_t<T>>::owns_memory;

/// Holds what a stage taking To receives from a From lvalue for the duration of the call.
/// get() returns const To&. Never copies beyond what conversion<From, To> names.
template <class From, class To, conversion_kind K = conversion<From, To>::then, bool ToOwns = owns_memory_v<To>>
class bridge;

template <class From, class To, bool ToOwns>
class bridge<From, To, conversion_kind::identity, ToOwns> {
 public:
  WEFT_INLINE explicit bridge(From& x) noexcept : ref_(x) {}
  WEFT_INLINE const To& get() const noexcept { return ref_; }

 private:
  const To& ref_;
};

template <class From, class To, bool ToOwns>
class bridge<From, To, conversion_kind::view, ToOwns> {
  using tt = tensor_traits<To>;
  using tf = tensor_traits<std::remove_cvref_t<From>>;

 public:
  WEFT_INLINE explicit bridge(From& x) : view_(make(x)) {}
  WEFT_INLINE const To& get() const noexcept { return view_; }

 private:
  WEFT_INLINE static To make(From& x) {
    check_extents<From, To>(x);
    return tt::view(tf::data(x), tf::extents_of(x));
  }
  To view_;
};

template <class From, class To>
class bridge<From, To, conversion_kind::copy, true> {
 public:
  WEFT_INLINE explicit bridge(From& x) : value_(make(x)) {}
  WEFT_INLINE const To& get() const noexcept { return value_; }

 private:
  WEFT_INLINE static To make(From& x) {
    check_extents<From, To>(x);
    return make_copy<To>(x);
  }
  To value_;
};

// A view type that cannot point at From's memory: copy into its owning type, then view that.
template <class From, class To>
class bridge<From, To, conversion_kind::copy, false> {
  using tt = tensor_traits<To>;
  using owning = typename tt::owning_type;

 public:
  WEFT_INLINE explicit bridge(From& x) : buffer_(make(x)), view_(tt::view(buffer_.data(), tensor_traits<owning>::extents_of(buffer_))) {}
  bridge(const bridge&) = delete;
  bridge& operator=(const bridge&) = delete;
  WEFT_INLINE const To& get() const noexcept { return view_; }

 private:
  WEFT_INLINE static owning make(From& x) {
    check_extents<From, To>(x);
    return make_copy<owning>(x);
  }
  owning buffer_;
  To view_;
};

}  // namespace detail
}  // namespace weft

#endif  // WEFT_CONVERT_HPP
