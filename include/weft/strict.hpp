// SPDX-License-Identifier: BSL-1.0
// weft/strict.hpp - weft::strict: proof that a pipeline never copies implicitly.
//
// Contract:
//   weft::strict(m) returns m (moved or copied) unchanged, and fails to compile when any connection
//   inside m, at any depth, is an implicit copy (conversion kind copy, or checked then copy). Views,
//   identities and checked views pass; explicit adapters (cast, reshape) are the user's own copies
//   and pass. The diagnostic names the first such connection: its combinator and stage, and both specs.
//   A stage inside a sequence or fan_out whose output_type is a view is an implicit copy too: weft
//   copies it into its owning type (detail/materialise.hpp), and strict names that stage.
//   Combinators take part by specialising weft::detail::implicit_copy<M>; wrappers (weft::named, see
//   weft/detail/wrapper.hpp) are seen through.
#ifndef WEFT_STRICT_HPP
#define WEFT_STRICT_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <type_traits>
#include <utility>

#include "convert.hpp"
#include "detail/materialise.hpp"
#include "model.hpp"

namespace weft {
namespace detail {

/// A connection at Where from From to To (tensor types).
template <class Where, class From, class To>
struct link {};

/// The first implicit copy inside model M, as link<Where, From, To>; void when there is none.
template <class M>
struct implicit_copy {
  using type = void;
};

/// A wrapper (weft::named, ...) copies where the model it wraps copies.
template <class M>
  requires wrapper<M>
struct implicit_copy<M> {
  using type = typename implicit_copy<unwrap_t<typename M::wrapped_type>>::type;
};

/// The diagnostic class for an implicit copy found by strict.
template <class Link>
struct copy_diagnostic;
template <class Where, class From, class To>
struct copy_diagnostic<link<Where, From, To>> {
  using type = implicit_copy_under_strict<Where, spec_t<From>, spec_t<To>>;
};

/// A stage's view output, which weft copies into its owning type (detail/materialise.hpp).
template <class Where, class View>
struct copy_diagnostic<view_output<Where, View>> {
  using type = view_output_under_strict<Where, typename spec_or_type<View>::type>;
};

/// The first of T... that is not void (void when all are).
template <class... T> struct first_non_void { using type = void; };
template <class H, class... T> struct first_non_void<H, T...> {
  using type = std::conditional_t<std::is_void_v<H>, typename first_non_void<T...>::type, H>;
};

/// link<Where, From, To> when From -> To copies, else void.
template <class Where, class From, class To>
using copy_link_t = std::conditional_t<conversion<From, To>::then == conversion_kind::copy, link<Where, From, To>, void>;

}  // namespace detail

/// Type of weft::strict.
struct strict_t {
  /// Returns m unchanged; fails to compile if m copies implicitly anywhere.
  template <class M>
    requires model<std::remove_cvref_t<M>>
  constexpr std::remove_cvref_t<M> operator()(M&& m) const {
    using found = typename detail::implicit_copy<detail::unwrap_t<M>>::type;
    if constexpr (!std::is_void_v<found>) (void)typename detail::copy_diagnostic<found>::type{};
    return std::forward<M>(m);
  }
};

/// Makes every implicit copy in a pipeline a compile error: `auto p = weft::strict(a | b | c);`
inline constexpr strict_t strict{};

}  // namespace weft

#endif  // WEFT_STRICT_HPP
