// SPDX-License-Identifier: BSL-1.0
// weft/detail/materialise.hpp - internal: what a combinator keeps of a stage's output.
//
// Contract: owned_t<O> is the type a combinator keeps of a stage's output O: O itself when O owns its
// memory (or is not a tensor), O's owning_type when O is a view (Eigen::Map, Eigen::Ref, a
// non-owning xt::xtensor_adaptor), element by element inside std::optional and std::tuple.
// materialise(o) turns a view output into owned_t<O>: one pass over the elements, allocating only for
// dynamic extents; it is called only when owned_t<O> differs from O, so an owning output costs
// nothing. A view output may point at the stage's input, which a combinator destroys once the stage
// returns (an intermediate value, or a bridge's buffer): keeping the view would dangle.
// view_output_t<Where, O> names, for weft::strict, a stage at Where whose output weft materialises.
// Nothing here throws, except std::bad_alloc from a dynamic copy.
#ifndef WEFT_DETAIL_MATERIALISE_HPP
#define WEFT_DETAIL_MATERIALISE_HPP

#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../convert.hpp"
#include "../model.hpp"
#include "../tensor.hpp"
#include "config.hpp"

namespace weft::detail {

template <class O, bool = tensor<O>>
struct owned {
  using type = O;
};
template <class O, bool Owns>
struct owning_of {
  using type = O;
};
template <class O>
struct owning_of<O, false> {  // asked only of a view: an owning tensor type need not name owning_type
  using type = typename tensor_traits<std::remove_cvref_t<O>>::owning_type;
};
template <class O>
struct owned<O, true> {
  using type = typename owning_of<O, tensor_traits<std::remove_cvref_t<O>>::owns_memory>::type;
};
template <class O>
struct owned<std::optional<O>, false> {
  using type = std::optional<typename owned<O>::type>;
};
template <class... O>
struct owned<std::tuple<O...>, false> {
  using type = std::tuple<typename owned<O>::type...>;
};

/// What a combinator keeps of a stage's output O (see the header comment).
template <class O>
using owned_t = typename owned<O>::type;

/// True when a stage's output O is (or holds) a view that weft copies into its owning type.
template <class O>
inline constexpr bool materialised_v = !std::is_same_v<owned_t<O>, O>;

/// o as owned_t<O>: a copy of every view in it (see the header comment).
template <class O>
WEFT_INLINE owned_t<O> materialise(const O& o) {
  if constexpr (!materialised_v<O>) {
    return o;
  } else if constexpr (tensor<O>) {
    return make_copy<owned_t<O>>(o);
  } else if constexpr (is_optional<O>::value) {
    if (!o) return std::nullopt;
    return materialise(*o);
  } else {
    return std::apply([](const auto&... part) { return owned_t<O>{materialise(part)...}; }, o);
  }
}

/// A stage at Where whose output_type View is a view weft materialises (for weft::strict).
template <class Where, class View>
struct view_output {};

/// view_output<Where, O> when a stage at Where returning O has its output materialised, else void.
template <class Where, class O>
using view_output_t = std::conditional_t<materialised_v<O>, view_output<Where, O>, void>;

}  // namespace weft::detail

#endif  // WEFT_DETAIL_MATERIALISE_HPP
