// SPDX-License-Identifier: BSL-1.0
// weft/when.hpp - weft::when: a predicate over the input chooses one of two models.
//
// Contract:
//   weft::when(predicate, then_model, else_model) is a model of type weft::when<P, T, E>. Its
//   input_type is then_model's; both branches receive the same input by const reference, bridged to
//   their own input_type as in weft::fallback. A call asks predicate(x) first (x the input, const
//   input_type&; called const, returning something convertible to bool): true runs then_model, false
//   runs else_model; the other branch never runs. The output_type O is then_model's output type (its
//   owning type when that is a view); else_model's output, when of another type, is copied into an O
//   (a checked copy when extents are dynamic). Both branches must produce one spec (same scalar, rank
//   and extents; layout and backend may differ), or be of one type when not tensors.
//   Contrast with fallback's .when(c): there the condition sees a branch's OUTPUT and rejects it when
//   true (the next branch is tried); here the predicate sees the INPUT, before any model runs, and
//   chooses which one runs.
//   Judged when built: a branch that is not a model, an input that cannot reach else_model, a
//   predicate that cannot be called so, outputs that differ: each fails to compile with one error
//   naming weft::detail::when_branch<I> (or when_predicate) and both specs (then_model's first).
//   Shapes (docs/shapes.md): input_shape() and output_shape() merge the branches' declared ones (only
//   when a branch declares one); the constructor throws weft::shape_error at "when[I]" when they
//   disagree; each call checks the input against both declared branches before the predicate runs.
//   Paths: then_model is "when[0]", else_model "when[1]" (with the branch's given name): a weft::error
//   raised in a branch gains that segment. The predicate's exceptions, and a branch's other
//   exceptions, pass unchanged. weft::get<0>(w) is then_model, weft::get<1>(w) else_model,
//   w.predicate() the predicate. Nothing is cached: a failed call changes no state.
//   Observed (weft/observe.hpp): the branch that runs is reported as its stage ("when[0]" or
//   "when[1]"); the predicate is not a stage and is not reported.
//   Calls are const and thread-safe when the predicate's and the branches' calls are. Cost: one
//   predicate call and one branch call; nothing allocated or copied beyond what the chosen branch and
//   its bridges make (else_model's output of another type: one copy). weft's layers are forced inline.
//   Example:  auto m = weft::when([](const vec& x) { return x.norm() < 10; }, small_model, big_model);
#ifndef WEFT_WHEN_HPP
#define WEFT_WHEN_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <cstddef>
#include <cstdlib>
#include <string_view>
#include <type_traits>
#include <utility>

#include "convert.hpp"
#include "detail/combinator.hpp"
#include "detail/config.hpp"
#include "detail/stage_as.hpp"
#include "detail/stages.hpp"
#include "detail/workspace_stage.hpp"
#include "ensemble.hpp"
#include "model.hpp"
#include "strict.hpp"
#include "tensor.hpp"

namespace weft {
namespace detail {

/// A then_model output T and an else_model output U give one spec: one type, or tensors U reaches T.
template <class T, class U>
inline constexpr bool same_answer_v = [] {
  if constexpr (std::is_same_v<T, U>) return true;
  else if constexpr (tensor<T> && tensor<U>) return connects_v<U, T>;
  else return false;
}();

/// The judgement of when<P, T, E>, in order: both branches models that the input reaches (as every
/// branch combinator's), the predicate callable, the outputs sharing one spec. `which`: the first
/// check that fails (3 when none).
template <class P, class T, class E>
struct when_judgement {
  using input = typename io_or_none<T>::input_type;
  using branches = branch_judgement<when_branch, input, T, E>;
  using result = owned_t<typename io_or_none<T>::output_type>;
  using else_output = owned_t<typename io_or_none<E>::output_type>;
  static constexpr bool callable = [] {
    if constexpr (std::is_invocable_v<const unwrap_t<P>&, const input&>)
      return std::is_convertible_v<std::invoke_result_t<const unwrap_t<P>&, const input&>, bool>;
    else return false;
  }();
  static constexpr int which = !branches::ok ? 0 : !callable ? 1 : !same_answer_v<result, else_output> ? 2 : 3;
  static constexpr bool ok = which == 3;
};

template <int Which, class J, class P, class T, class E>
struct when_diagnostic_select {
  using type = no_diagnostic;
};
template <class J, class P, class T, class E>
struct when_diagnostic_select<0, J, P, T, E> {
  using type = typename J::branches::diagnostic;
};
template <class J, class P, class T, class E>
struct when_diagnostic_select<1, J, P, T, E> {
  using type = when_predicate_not_callable<when_predicate, typename output_spec<typename J::input>::type, P>;
};
template <class J, class P, class T, class E>
struct when_diagnostic_select<2, J, P, T, E> {
  using type = when_outputs_differ<when_branch<1>, typename output_spec<output_t<T>>::type,
                                   typename output_spec<output_t<E>>::type>;
};

/// The one diagnostic for the first mistake in when<P, T, E> (no_diagnostic when none).
template <class P, class T, class E>
using when_diagnostic = typename when_diagnostic_select<when_judgement<P, T, E>::which, when_judgement<P, T, E>, P, T, E>::type;

}  // namespace detail

/// A predicate over the input choosing then_model or else_model; see the header comment.
template <class Predicate, class Then, class Else>
class when {
  using judgement = detail::when_judgement<Predicate, Then, Else>;

 public:
  /// then_model's input type; both branches receive it.
  using input_type = typename detail::io_or_none<Then>::input_type;
  /// then_model's output type (its owning type when that is a view).
  using output_type = typename judgement::result;
  /// Number of branches (then_model, else_model).
  static constexpr std::size_t size = 2;
  /// Name shown in error paths and descriptions.
  static constexpr std::string_view combinator_name = "when";

  /// Stores the predicate and both branches (by value: weft::when(p, a, b) deduces when<P, A, B>; pass
  /// std::ref(m) to borrow) and judges them at compile time; throws shape_error when declared shapes
  /// disagree.
  when(Predicate predicate, Then then_model, Else else_model)
      : predicate_(std::move(predicate)), boxes_(std::move(then_model), std::move(else_model)) {
    (void)detail::when_diagnostic<Predicate, Then, Else>{};
    if constexpr (judgement::ok) {
      detail::check_branch_inputs<input_type, Then, Else>(*this);
      detail::check_branch_outputs<Then, Else>(*this);
    }
  }

  /// then_model(x) when predicate(x) is true, else else_model(x); see the header comment.
  WEFT_INLINE output_type operator()(const input_type& x) const { return call_in_context(x, detail::no_context{}); }

  /// operator()(x) with per-call context ctx handed to the chosen branch's call
  /// (detail/call_context.hpp): an observer sees "when[0]" or "when[1]", never the predicate.
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    if constexpr (judgement::ok) {
      detail::check_branch_entries<Then, Else>(*this, x);
      if (detail::unwrap(predicate_)(x))
        return detail::invoke_stage_owned(detail::box_get<0>(boxes_), x, combinator_name, 0, ctx);
      return detail::invoke_stage_as<output_type>(detail::box_get<1>(boxes_), x, combinator_name, 1, ctx);
    } else {
      std::abort();  // unreachable: a mis-wired when failed to compile where it was built
    }
  }

  /// Another tensor type or an expression, judged and bridged (checked) first: see weft/detail/entry.hpp.
  template <class X>
    requires detail::foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }

  /// What the branches' declared input shapes say of the one input; only when a branch declares one.
  shape input_shape() const
    requires(detail::any_input_declared<Then, Else>)
  {
    return *detail::merged_branch_input<input_type, Then, Else>(*this);
  }

  /// then_model's output shape, completed by else_model's declared one; only when a branch declares one.
  shape output_shape() const
    requires(detail::any_output_declared<Then, Else>)
  {
    return *detail::merged_branch_output<Then, Else>(*this);
  }

  /// What a workspace keeps for this when (weft/workspace.hpp): each branch's workspace.
  using workspace_state = detail::branch_workspaces<Then, Else>;

  /// operator()(x) with a workspace ws (weft/workspace.hpp): the chosen branch writes its answer
  /// into out (any extents on entry) with its own workspace (else_model's answer of another type is
  /// copied in). Answers and errors are operator()'s; after a throw out's elements are unspecified.
  template <class W>
  WEFT_INLINE void call_with_workspace(const input_type& x, output_type& out, W& ws) const {
    if constexpr (judgement::ok) {
      detail::check_branch_entries<Then, Else>(*this, x);
      auto& inner = ws.state();
      if (detail::unwrap(predicate_)(x))
        detail::invoke_stage_as_into(detail::box_get<0>(boxes_), x, out, std::get<0>(inner), combinator_name, 0);
      else
        detail::invoke_stage_as_into(detail::box_get<1>(boxes_), x, out, std::get<1>(inner), combinator_name, 1);
    } else {
      std::abort();  // unreachable, as above
    }
  }

  /// Branch I as stored: 0 then_model, 1 else_model (a std::reference_wrapper when given as std::ref).
  template <std::size_t I> constexpr auto& stored() & noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr const auto& stored() const& noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr auto&& stored() && noexcept { return detail::box_get<I>(std::move(boxes_)); }

  /// The predicate as stored.
  constexpr Predicate& predicate() & noexcept { return predicate_; }
  constexpr const Predicate& predicate() const& noexcept { return predicate_; }

 private:
  [[no_unique_address]] Predicate predicate_;
  [[no_unique_address]] detail::stage_boxes<std::index_sequence<0, 1>, Then, Else> boxes_;
};

namespace detail {

template <std::size_t I, class In, class O, class B>
struct when_branch_copy {
  using into = copy_link_t<when_branch<I>, const In, input_t<B>>;
  using inside = typename implicit_copy<unwrap_t<B>>::type;
  using out = std::conditional_t<std::is_same_v<owned_t<output_t<B>>, O>, void, link<when_branch<I>, output_t<B>, O>>;
  using type = typename first_non_void<into, inside, out>::type;
};

/// The first implicit copy in a when: per branch, its input bridge, inside it, then else_model's
/// output becoming then_model's type (a copy when the types differ).
template <class P, class T, class E>
struct implicit_copy<when<P, T, E>> {
  using type = typename first_non_void<typename when_branch_copy<0, input_t<when<P, T, E>>, output_t<when<P, T, E>>, T>::type,
                                       typename when_branch_copy<1, input_t<when<P, T, E>>, output_t<when<P, T, E>>, E>::type>::type;
};

}  // namespace detail
}  // namespace weft

#endif  // WEFT_WHEN_HPP
