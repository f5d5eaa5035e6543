// SPDX-License-Identifier: BSL-1.0
// weft/conditions.hpp - conditions for weft::fallback: non_finite, below_confidence, and predicates.
//
// Contract:
//   A condition is a predicate on a fallback's output: `fb.when(c)` moves on to the next branch when
//   c(output) is true ("reject this answer"). It must be callable as c(output) through a const
//   reference and return something convertible to bool. A condition whose call operator has one
//   non-template parameter of a tensor type receives the output bridged to that type, as a stage
//   receives its input (a view, a copy, or a checked one); any other condition receives the output
//   itself (const output_type&). A condition that cannot take the output fails to compile in .when.
//   Its label in weft::fallback_error's message is its `name` member when it has one (anything
//   convertible to std::string_view, as for a model), else "predicate".
//   - weft::non_finite: true when the output holds a NaN or an infinity (never for integer scalars).
//     Reads every element once; never allocates or throws.
//   - weft::below_confidence(p): true when no element of the output is >= p (its largest element is
//     below p; NaN elements never count as confident; an empty tensor is always below; a floating
//     scalar compares with p rounded to its type, so 0.7f meets 0.7). Use it on
//     probabilities, softmax outputs or weft::vote shares (a vote with a NaN branch is all NaN, so
//     always below). Reads every element at most once; never allocates or throws. Labelled
//     "below_confidence(p)": p with up to 6 decimals, or 6 significant digits in scientific notation
//     below 1e-4 and from 1e12 ("below_confidence(-1e+300)").
//   Both are stateless beyond p and thread-safe. An exception a condition throws passes through the
//   fallback unchanged: it is not a branch failure.
//   Example:  auto safe = weft::fallback(fast, slow).when(weft::non_finite).when(weft::below_confidence(0.7));
#ifndef WEFT_CONDITIONS_HPP
#define WEFT_CONDITIONS_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <cstddef>
#include <limits>
#include <string_view>
#include <type_traits>

#include "convert.hpp"
#include "detail/config.hpp"
#include "detail/copy.hpp"
#include "detail/finite.hpp"
#include "detail/numeric.hpp"
#include "model.hpp"
#include "tensor.hpp"

namespace weft {
namespace detail {

/// Writes "below_confidence(<p>)" into out, at compile time if need be: p with at most 6 decimals
/// when 1e-4 <= |p| < 1e12 or p is 0, else with 6 significant digits in scientific notation
/// ("-1e+300", "2.5e-07"); "inf", "-inf" and "nan" as such.
template <std::size_t N>
constexpr void below_confidence_label(char (&out)[N], double p) noexcept {
  std::size_t len = 0;
  const auto put = [&](char c) {
    if (len + 1 < N) out[len++] = c;
  };
  const auto put_scientific = [&](double v) {  // v > 0 and finite
    int e = 0;
    while (v >= 10) {
      v /= 10;
      ++e;
    }
    while (v < 1) {
      v *= 10;
      --e;
    }
    auto digits = static_cast<unsigned long long>(v * 1e5 + 0.5);  // 6 significant digits
    if (digits >= 1000000) {
      digits /= 10;
      ++e;
    }
    put(static_cast<char>('0' + digits / 100000));
    char f[5]{};
    for (int i = 4; i >= 0; --i) {
      f[i] = static_cast<char>('0' + digits % 10);
      digits /= 10;
    }
    int last = 4;
    while (last >= 0 && f[last] == '0') --last;
    if (last >= 0) put('.');
    for (int i = 0; i <= last; ++i) put(f[i]);
    put('e');
    put(e < 0 ? '-' : '+');
    const int a = e < 0 ? -e : e;
    if (a >= 100) put(static_cast<char>('0' + a / 100));
    put(static_cast<char>('0' + a / 10 % 10));
    put(static_cast<char>('0' + a % 10));
  };
  for (char c : std::string_view("below_confidence(")) put(c);
  if (p != p) {
    for (char c : std::string_view("nan")) put(c);
  } else {
    if (p < 0) {
      put('-');
      p = -p;
    }
    if (p > 1.7976931348623157e308) {
      for (char c : std::string_view("inf")) put(c);
    } else if (p >= 1e12 || (p > 0 && p < 1e-4)) {
      put_scientific(p);
    } else {
      auto whole = static_cast<unsigned long long>(p);
      auto frac = static_cast<unsigned long long>((p - static_cast<double>(whole)) * 1e6 + 0.5);
      if (frac >= 1000000) {
        ++whole;
        frac -= 1000000;
      }
      char digits[24]{};
      int n = 0;
      do {
        digits[n++] = static_cast<char>('0' + whole % 10);
        whole /= 10;
      } while (whole > 0);
      while (n > 0) put(digits[--n]);
      if (frac > 0) {
        put('.');
        char f[6]{};
        for (int i = 5; i >= 0; --i) {
          f[i] = static_cast<char>('0' + frac % 10);
          frac /= 10;
        }
        int last = 5;
        while (f[last] == '0') --last;
        for (int i = 0; i <= last; ++i) put(f[i]);
      }
    }
  }
  put(')');
  out[len] = '\0';
}

}  // namespace detail

/// Type of weft::non_finite: true when a tensor holds a NaN or an infinity.
struct non_finite_t {
  /// Label in fallback_error's message.
  static constexpr std::string_view name = "non_finite";
  /// True when t holds a NaN or an infinity (never for integer scalars).
  template <tensor T>
  bool operator()(const T& t) const {
    return detail::first_non_finite(t) >= 0;
  }
};

/// Condition: move on when the output holds a NaN or an infinity: `fb.when(weft::non_finite)`.
inline constexpr non_finite_t non_finite{};

/// Type of weft::below_confidence(p): true when no element of a tensor reaches p.
struct below_confidence_t {
  /// The confidence an answer needs: some element must be >= threshold.
  double threshold;
  /// Label in fallback_error's message: "below_confidence(0.7)".
  char name[40];

  constexpr explicit below_confidence_t(double p) noexcept : threshold(p), name{} {
    detail::below_confidence_label(name, p);
  }
  /// True when no element of t is >= threshold (NaN never counts; an empty t is below). A floating
  /// scalar compares with the threshold rounded to its type (0.7f meets below_confidence(0.7)).
  template <tensor T>
  bool operator()(const T& t) const {
    using S = scalar_t<T>;
    if constexpr (std::is_floating_point_v<S>) {
      // rounded to S; beyond S's range it becomes an infinity (never an out-of-range conversion)
      S p = static_cast<S>(0);
      if constexpr (std::numeric_limits<S>::max() < std::numeric_limits<double>::max()) {
        constexpr double top = static_cast<double>(std::numeric_limits<S>::max());
        p = threshold > top    ? std::numeric_limits<S>::infinity()
            : threshold < -top ? -std::numeric_limits<S>::infinity()
                               : static_cast<S>(threshold);
      } else {
        p = static_cast<S>(threshold);
      }
      return detail::first_flat_index(t, [p](const S& v) { return v >= p; }) < 0;
    } else {
      const double p = threshold;
      return detail::first_flat_index(t, [p](const S& v) { return static_cast<double>(v) >= p; }) < 0;
    }
  }
};

/// Condition: move on when the output's largest element is below p: `fb.when(weft::below_confidence(0.7))`.
constexpr below_confidence_t below_confidence(double p) noexcept { return below_confidence_t(p); }

namespace detail {

// The one non-template parameter of a condition's call operator (decayed), or void.
template <class Sig> struct condition_signature { using param = void; };
template <class R, class A> struct condition_signature<R (*)(A)> { using param = std::remove_cvref_t<A>; };
template <class R, class A> struct condition_signature<R (*)(A) noexcept> { using param = std::remove_cvref_t<A>; };
template <class C, class R, class A> struct condition_signature<R (C::*)(A) const> { using param = std::remove_cvref_t<A>; };
template <class C, class R, class A> struct condition_signature<R (C::*)(A) const noexcept> { using param = std::remove_cvref_t<A>; };

template <class C, class = void> struct condition_param { using type = void; };
template <class C>
struct condition_param<C, std::enable_if_t<std::is_pointer_v<C>>> { using type = typename condition_signature<C>::param; };
template <class C>
struct condition_param<C, std::void_t<decltype(&C::operator())>> {
  using type = typename condition_signature<decltype(&C::operator())>::param;
};

/// The tensor type condition C declares it takes (bridged to), or void when C takes the output as it is.
template <class C, class P = typename condition_param<C>::type>
using condition_input_t = std::conditional_t<!std::is_void_v<P> && tensor<P>, P, void>;

template <class C, class R>
constexpr bool condition_takes() noexcept {
  using P = condition_input_t<C>;
  if constexpr (std::is_void_v<P>) {
    return std::is_invocable_r_v<bool, const C&, const R&>;
  } else if constexpr (!tensor<R>) {
    return false;
  } else {
    return connects_v<const R, P> && std::is_invocable_r_v<bool, const C&, const P&>;
  }
}

/// Condition C can be called on an output of type R (see the header comment).
template <class C, class R>
inline constexpr bool condition_takes_v = condition_takes<C, R>();

/// c(r) as a bool, with r bridged to the tensor type c declares it takes.
template <class C, class R>
WEFT_INLINE bool condition_rejects(const C& c, const R& r) {
  using P = condition_input_t<C>;
  if constexpr (std::is_void_v<P> || std::is_same_v<P, R>) {
    return static_cast<bool>(c(r));
  } else {
    const bridge<const R, P> arg(r);
    return static_cast<bool>(c(arg.get()));
  }
}

/// The label of condition c in messages: its `name` member, else "predicate".
template <class C>
std::string_view condition_label(const C& c) noexcept {
  if constexpr (has_name_member<C>) return std::string_view(c.name);
  else return "predicate";
}

}  // namespace detail
}  // namespace weft

#endif  // WEFT_CONDITIONS_HPP
