// SPDX-License-Identifier: BSL-1.0
// weft/detail/entry.hpp - internal: calling a pipeline with something other than its input_type.
//
// Contract: every combinator (and fn_model, named_model, shaped) keeps
//   output_type operator()(const input_type&) const
// and adds one template overload, constrained on foreign_argument<X, input_type>, that instantiates
// entry_diagnostic<X, input_type> as the type of a defaulted parameter (one weft diagnostic, at the
// user's call, when x cannot connect) and forwards to
// enter(self, x). enter judges the argument at compile time and then:
//   - a tensor of another type that connects to input_type: bridged as weft::conversion decides; a
//     checked conversion (a dyn extent or rank meeting a static one) throws weft::shape_error before
//     any stage runs, in every build mode (never the backend's unchecked implicit conversion);
//   - an Eigen or xtensor expression (Vec::Zero(), 2 * v, a block or view): evaluated to its plain
//     type (expression_traits, specialised by the backend headers), then judged as above;
//   - any other type implicitly convertible to input_type: converted, as before;
//   - anything else: one short diagnostic (argument_cannot_connect) naming both specs.
// Costs nothing when the argument is the input_type (the overload is not chosen).
#ifndef WEFT_DETAIL_ENTRY_HPP
#define WEFT_DETAIL_ENTRY_HPP

#include "diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <cstdlib>
#include <type_traits>

#include "../convert.hpp"
#include "../tensor.hpp"
#include "config.hpp"

namespace weft::detail {

/// An argument of type X takes the template overload of a call operator whose input_type is In:
/// anything but In itself (or a class derived from it, which binds to const In& directly).
template <class X, class In>
concept foreign_argument = !std::is_same_v<std::remove_cvref_t<X>, In> && !std::is_base_of_v<In, std::remove_cvref_t<X>>;

/// A backend expression (Eigen::CwiseNullaryOp, an xt::xfunction, ...): expression_traits<X> names
/// its plain_type and evaluates it. Backend headers specialise expression_traits.
template <class X>
concept tensor_expression = !tensor<X> && requires(const X& x) {
  typename expression_traits<std::remove_cvref_t<X>>::plain_type;
  { expression_traits<std::remove_cvref_t<X>>::evaluate(x) };
};

/// The type an argument of type X is judged as: X for a tensor, the plain type of an expression.
template <class X, bool = tensor_expression<X>> struct judged_argument { using type = X; };
template <class X> struct judged_argument<X, true> { using type = typename expression_traits<X>::plain_type; };

/// An X can enter a pipeline taking In (through enter).
template <class X, class In, class J = typename judged_argument<X>::type>
inline constexpr bool enters_v = [] {
  if constexpr (tensor<J> && tensor<In>) return connects_v<const J, In>;
  else return std::is_convertible_v<const X&, In>;
}();

/// The one diagnostic for an argument X that cannot enter a pipeline taking In (no_diagnostic when
/// it can). A call operator's template overload instantiates it first, so that it is the first thing
/// the compiler reports.
template <class X, class In, class J = typename judged_argument<X>::type>
using entry_diagnostic =
    std::conditional_t<enters_v<X, In>, no_diagnostic,
                       argument_cannot_connect<pipeline_argument, typename spec_or_type<J>::type, typename spec_or_type<In>::type>>;

/// Calls self on x (x of another type than Self::input_type); see the header comment.
template <class Self, class X>
WEFT_INLINE typename Self::output_type enter(const Self& self, const X& x) {
  using in = typename Self::input_type;
  if constexpr (tensor<X> && tensor<in>) {
    if constexpr (connects_v<const X, in>) {
      const bridge<const X, in> arg(x);  // a checked conversion throws shape_error here
      return self(arg.get());
    } else {
      std::abort();  // unreachable: entry_diagnostic did not compile
    }
  } else if constexpr (tensor_expression<X>) {
    using plain = typename expression_traits<X>::plain_type;
    const plain value = expression_traits<X>::evaluate(x);
    if constexpr (std::is_same_v<plain, in>) return self(value);
    else return enter(self, value);
  } else if constexpr (std::is_convertible_v<const X&, in>) {
    const in value = x;
    return self(value);
  } else {
    std::abort();  // unreachable: entry_diagnostic did not compile
  }
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_ENTRY_HPP
