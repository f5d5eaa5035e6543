// SPDX-License-Identifier: BSL-1.0
// weft/detail/combinator.hpp - internal: what every combinator shares.
//
// Contract: invoke_stage(stored, x, combinator, index) calls one stage (a model, or a
// std::reference_wrapper to one) on x through the bridge weft::conversion chose (first checking x
// against the stage's declared input_shape(), when it declares one), and adds the path
// segment "<combinator>[index]" (with the stage's given name) to a weft::error on its way out; other
// exceptions pass unchanged. broken_pipeline is the harmless placeholder a combinator yields after
// its one diagnostic. not_model_diagnostic names the diagnostic for something that is not a model.
// weft::get<I>(c) reaches stage or branch I of any combinator (unwrapped).
#ifndef WEFT_DETAIL_COMBINATOR_HPP
#define WEFT_DETAIL_COMBINATOR_HPP

#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../adapters.hpp"
#include "../convert.hpp"
#include "../errors.hpp"
#include "../model.hpp"
#include "config.hpp"
#include "diagnostics.hpp"
#include "shape_checks.hpp"
#include "stages.hpp"
#include "type_name.hpp"

namespace weft {
namespace detail {

/// Placeholder a failed `|` returns after its one diagnostic, so that later `|` stay silent.
/// Its call operator is declared and never defined: a program holding one never compiled.
template <class In, class Out>
struct broken_pipeline {
  using input_type = In;
  using output_type = Out;
  output_type operator()(const input_type&) const;
};
template <class T> struct is_broken : std::false_type {};
template <class In, class Out> struct is_broken<broken_pipeline<In, Out>> : std::true_type {};
template <class T> inline constexpr bool is_broken_v = is_broken<std::remove_cvref_t<T>>::value;

/// Stand-in type for the input or output of something that is not a model.
struct unknown_type {};

/// The first of T... (unknown_type when there is none).
template <class... T> struct front { using type = unknown_type; };
template <class H, class... T> struct front<H, T...> { using type = H; };

template <class M, bool = model_like<M>> struct io_or_none { using input_type = unknown_type; using output_type = unknown_type; };
template <class M> struct io_or_none<M, true> {
  using input_type = typename unwrap_t<M>::input_type;
  using output_type = typename unwrap_t<M>::output_type;
};

template <class U, bool = model_like<U>>
struct non_model_diagnostic {
  template <class W> using type = std::conditional_t<adapter<U>, adapter_starts_pipeline<U>, not_a_model<W, U>>;
};
template <class U>
struct non_model_diagnostic<U, true> {
  using in = typename U::input_type;
  using out = typename U::output_type;
  static constexpr bool eigen = (!tensor<in> && names_start_with<in>("Eigen::")) || (!tensor<out> && names_start_with<out>("Eigen::"));
  static constexpr bool xtensor = (!tensor<in> && names_start_with<in>("xt::")) || (!tensor<out> && names_start_with<out>("xt::"));
  template <class W>
  using type = std::conditional_t<eigen, eigen_header_missing<W, U>,
                                  std::conditional_t<xtensor, xtensor_header_missing<W, U>, not_a_model<W, U>>>;
};

/// The diagnostic for stage M at Where that is not a model (names a missing backend header when
/// its types come from a backend weft was not told about).
template <class Where, class M>
using not_model_diagnostic = typename non_model_diagnostic<unwrap_t<M>>::template type<Where>;

/// First index in S... that is not a model (sizeof...(S) when all are).
template <class... S>
constexpr std::size_t first_non_model() noexcept {
  constexpr bool is_model[] = {(model<S> && !is_broken_v<S>)...};
  std::size_t i = 0;
  while (i < sizeof...(S) && is_model[i]) ++i;
  return i;
}

template <int Case, template <std::size_t> class Where, class In, std::size_t I, class... B>
struct branch_diagnostic_select {
  using type = no_diagnostic;
};
template <template <std::size_t> class Where, class In, std::size_t I, class... B>
struct branch_diagnostic_select<1, Where, In, I, B...> {
  using type = not_model_diagnostic<Where<I>, nth_t<I, B...>>;
};
template <template <std::size_t> class Where, class In, std::size_t I, class... B>
struct branch_diagnostic_select<2, Where, In, I, B...> {
  using type = connection_diagnostic<Where<I>, In, input_t<nth_t<I, B...>>>;
};

/// The judgement of branches B... that all receive one In (fan_out, ensemble, fallback): each must be
/// a model whose input_type In connects to. `diagnostic` is the one diagnostic for the first mistake
/// (no_diagnostic when ok); instantiate it in the combinator's constructor.
template <template <std::size_t> class Where, class In, class... B>
struct branch_judgement {
  static constexpr std::size_t n = sizeof...(B);
  static constexpr bool any_broken = (is_broken_v<B> || ...);
  static constexpr std::size_t bad_model = first_non_model<B...>();
  static constexpr std::size_t bad_link = [] {
    if constexpr (bad_model < n) {
      return n;
    } else {
      constexpr bool connects[] = {connects_v<In, input_t<B>>...};
      std::size_t i = 0;
      while (i < n && connects[i]) ++i;
      return i;
    }
  }();
  static constexpr bool ok = !any_broken && bad_model == n && bad_link == n;
  using diagnostic = typename branch_diagnostic_select<any_broken ? 0 : bad_model < n ? 1 : bad_link < n ? 2 : 0, Where,
                                                       In, (bad_model < n ? bad_model : bad_link), B...>::type;
};

/// Adds the path segment "<combinator>[index]" (and the stage's name) to e. Out of line and cold: it
/// runs only when a stage fails, and keeps the handler that invoke_stage leaves in every caller to
/// one call (a smaller caller leaves the compiler's inlining budget to the user's stages).
[[gnu::cold, gnu::noinline]] inline void add_segment(error& e, std::string_view combinator, std::size_t index,
                                                     std::string_view name) {
  e.add_outer(segment(combinator, index, name));
}

/// Calls stored stage `stored` on x through the bridge to its input_type; see the header comment.
template <class Stored, class X>
WEFT_INLINE output_t<Stored> invoke_stage(const Stored& stored, X& x, std::string_view combinator, std::size_t index) {
  const auto& m = unwrap(stored);
  try {
    const bridge<X, input_t<Stored>> arg(x);
    check_entry(m, arg.get());  // a stage that declares input_shape(): its extents, on every call
    return m(arg.get());
  } catch (error& e) {
    add_segment(e, combinator, index, model_traits<Stored>::given_name(m));
    throw;
  }
}

/// A combinator: stores its stages or branches and exposes them as stored<I>().
template <class C>
concept combinator = requires(C& c) { c.template stored<0>(); };

}  // namespace detail

/// Stage or branch I of a combinator, unwrapped (to read or change its weights).
template <std::size_t I, detail::combinator C>
constexpr auto& get(C& c) noexcept {
  return detail::unwrap(c.template stored<I>());
}
template <std::size_t I, detail::combinator C>
constexpr const auto& get(const C& c) noexcept {
  return detail::unwrap(c.template stored<I>());
}

}  // namespace weft

#endif  // WEFT_DETAIL_COMBINATOR_HPP
