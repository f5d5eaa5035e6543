// SPDX-License-Identifier: BSL-1.0
// weft/detail/wrapper.hpp - internal: seeing through to the model a stored stage or a wrapper holds.
//
// Contract: unwrap(stored) is the model a stored stage refers to (a std::reference_wrapper
// unwrapped; unwrap_t its type). A wrapper is a model holding one inner model that it calls
// (weft::named; later shaped, idempotent, observe). get, answered, describe, to_dot, strict
// (implicit_copy) and model_traits::given_name see through every wrapper, at any depth:
// see_through(w) is the innermost model that is not a wrapper, see_through_t its type.
// A NEW WRAPPER OPTS IN with `using wrapped_type = M;` (M as stored, std::ref allowed) and `inner()`
// (const and non-const) returning the stored M; if its call does more than forward (a check, an
// observer), it also defines `around(x, call)`, returning call(x') after its own work (see around).
// All of it costs nothing at run time: references and forwarding, forced inline.
#ifndef WEFT_DETAIL_WRAPPER_HPP
#define WEFT_DETAIL_WRAPPER_HPP

#include <concepts>
#include <functional>
#include <type_traits>
#include <utility>

#include "config.hpp"

namespace weft::detail {

template <class T> struct unwrap_ref { using type = T; };
template <class T> struct unwrap_ref<std::reference_wrapper<T>> { using type = T; };
/// M, or the T of a std::reference_wrapper<T>.
template <class M> using unwrap_t = typename unwrap_ref<std::remove_cvref_t<M>>::type;

/// The model a stored stage refers to (unwraps std::reference_wrapper).
template <class M> WEFT_INLINE constexpr M& unwrap(M& m) noexcept { return m; }
template <class M> WEFT_INLINE constexpr const M& unwrap(const M& m) noexcept { return m; }
template <class M> WEFT_INLINE constexpr M& unwrap(std::reference_wrapper<M> m) noexcept { return m.get(); }

/// A model W that holds one inner model (W::wrapped_type, as stored) and exposes it as w.inner().
template <class W>
concept wrapper = requires(W& w, const W& cw) {
  typename W::wrapped_type;
  { w.inner() } -> std::same_as<typename W::wrapped_type&>;
  { cw.inner() } -> std::same_as<const typename W::wrapped_type&>;
};

template <class T, bool = wrapper<T>> struct see_through_type { using type = T; };
template <class T> struct see_through_type<T, true> {
  using type = typename see_through_type<unwrap_t<typename T::wrapped_type>>::type;
};
/// The innermost model of M that is not a wrapper (M itself when it is none; references unwrapped).
template <class M> using see_through_t = typename see_through_type<unwrap_t<M>>::type;

/// The innermost model of m that is not a wrapper (m itself when it is none).
template <class M>
WEFT_INLINE constexpr auto& see_through(M& m) noexcept {
  auto& u = unwrap(m);
  if constexpr (wrapper<std::remove_cvref_t<decltype(u)>>) return see_through(u.inner());
  else return u;
}

/// Wrapper W has its own work around its inner model's call.
template <class W, class X>
concept has_around = requires(const W& w, const X& x) {
  w.around(x, [](const auto&) { return 0; });
};

/// Calls call(inner, x) with w's inner model (unwrapped), inside w's own work when w defines
/// around(x, f) (which must return f(x') for the value x' its inner model receives).
template <wrapper W, class X, class F>
WEFT_INLINE decltype(auto) call_inner(const W& w, const X& x, F&& call) {
  const auto& inner = unwrap(w.inner());
  if constexpr (has_around<W, X>) return w.around(x, [&](const auto& y) -> decltype(auto) { return call(inner, y); });
  else return call(inner, x);
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_WRAPPER_HPP
