// SPDX-License-Identifier: BSL-1.0
// weft/detail/idempotence.hpp - internal: the model inside a model that declares idempotent = false.
//
// Contract: first_not_idempotent<M>::type is the first model inside M (M itself, a wrapper's inner
// model, a combinator's stage, at any depth; std::reference_wrapper unwrapped) whose type declares
// `static constexpr bool idempotent = false;`, or void when none does. A type-erased model
// (weft::any_model) is not seen into: it answers for itself with its own `idempotent` member.
// Compile time only. Used by weft::retry (which refuses such a model) and weft::any_model<In, Out>
// (which refuses to hold one, so that retry's check survives the erasure).
#ifndef WEFT_DETAIL_IDEMPOTENCE_HPP
#define WEFT_DETAIL_IDEMPOTENCE_HPP

#include <cstddef>
#include <type_traits>
#include <utility>

#include "../strict.hpp"  // first_non_void
#include "combinator.hpp"
#include "wrapper.hpp"

namespace weft::detail {

/// The first model inside M (M, a wrapper's inner model, a combinator's stage, at any depth) that
/// declares idempotent == false; void when none does.
template <class M>
struct first_not_idempotent;

template <class U, class = void>
struct declares_idempotent_false : std::false_type {};
template <class U>
struct declares_idempotent_false<U, std::void_t<decltype(U::idempotent)>>
    : std::bool_constant<!static_cast<bool>(U::idempotent)> {};

template <class C, class Seq> struct first_not_idempotent_stage;
template <class C, std::size_t... I>
struct first_not_idempotent_stage<C, std::index_sequence<I...>> {
  using type = typename first_non_void<
      typename first_not_idempotent<std::remove_cvref_t<decltype(std::declval<const C&>().template stored<I>())>>::type...>::type;
};

template <class M>
struct first_not_idempotent {
  using U = std::remove_cv_t<unwrap_t<M>>;
  static auto pick() {
    if constexpr (declares_idempotent_false<U>::value) return std::type_identity<U>{};
    else if constexpr (wrapper<U>) return std::type_identity<typename first_not_idempotent<typename U::wrapped_type>::type>{};
    else if constexpr (combinator<U> && requires { U::size; })
      return std::type_identity<typename first_not_idempotent_stage<U, std::make_index_sequence<U::size>>::type>{};
    else return std::type_identity<void>{};
  }
  using type = typename decltype(pick())::type;
};

}  // namespace weft::detail

#endif  // WEFT_DETAIL_IDEMPOTENCE_HPP
