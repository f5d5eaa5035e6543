// SPDX-License-Identifier: BSL-1.0
// weft/ensemble.hpp - weft::ensemble: one input to every branch, one output reduced from all of them.
//
// Contract:
//   weft::ensemble(reducer, a, b, c) is a model of type weft::ensemble<Reducer, A, B, C>. Its input_type
//   is a's; every branch receives the same input by const reference, bridged to its own input_type as
//   in weft::fan_out (a view, a copy, or a checked one; never a mutable view of the shared input).
//   Every branch must return a tensor (not a std::optional or a std::tuple), and every output must
//   share the first branch's spec: same scalar, rank and extents (a dyn extent meets a number, and is
//   checked at run time); the layout and the backend may differ. The output_type O is the first
//   branch's output type (its owning type when that is a view). Every branch runs, in branch order,
//   and its output is materialised; then each output is bridged to O (identity, or one copy for
//   another backend or layout), and the reducer is called once as reducer(o0, o1, ...), one const O&
//   per branch, in branch order; its result (an O, or convertible to one) is the ensemble's output.
//   Reducers: weft::mean, weft::weighted(w...), weft::vote, weft::max, weft::median (weft/reducers.hpp),
//   or any callable, called const, taking N const O& and returning an O.
//   Judged when built: a branch that is not a model, an input that cannot reach a branch, an output
//   that is not a tensor or does not share the first's spec, weft::weighted given another number of
//   weights than branches, weft::vote over integers, or a reducer that cannot be called so: each
//   fails to compile with one error naming weft::detail::ensemble_branch<I> (or ensemble_reducer)
//   and both specs (or counts).
//   Shapes (docs/shapes.md): input_shape() merges the branches' declared input shapes, output_shape()
//   the declared output shapes; each exists only when a branch declares one. The constructor throws
//   weft::shape_error at "ensemble[I]" when branch I's declared input or output disagrees (outputs:
//   with the first branch's); each call checks the input against every declared branch first.
//   Another tensor type or an expression is judged and bridged first (detail/entry.hpp).
//   Errors: a weft::error raised in branch I gains the segment "ensemble[I]" (with the branch's given
//   name); outputs whose run-time extents differ from the first's throw weft::shape_error at
//   "ensemble[I]" (expected: the first output's extents); other exceptions, the reducer's included,
//   pass unchanged; the remaining branches do not run. Nothing is cached: a failed call changes no
//   state, and the next call starts afresh.
//   Calls are const and thread-safe when the branches' and the reducer's calls are. Branches run one
//   after the other on the calling thread. No allocation or copy beyond what the bridges, the
//   branches and the reducer make (none for fixed-size outputs of one type); weft's layers are
//   forced inline.
//   Batches: with batch-native branches on one backend, call_batch runs each branch's call_batch once
//   and reduces the batches (element-wise reducers at once, others per sample column), and
//   weft::batch_native holds (docs/batches.md).
//   Example:  auto e = weft::ensemble(weft::median, model_a, model_b, model_c);  auto y = e(x);
#ifndef WEFT_ENSEMBLE_HPP
#define WEFT_ENSEMBLE_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "batch.hpp"
#include "convert.hpp"
#include "detail/batch_branches.hpp"
#include "detail/combinator.hpp"
#include "detail/config.hpp"
#include "detail/stages.hpp"
#include "detail/workspace_stage.hpp"
#include "errors.hpp"
#include "execution.hpp"
#include "model.hpp"
#include "reducers.hpp"
#include "sequence.hpp"
#include "strict.hpp"
#include "tensor.hpp"

namespace weft {
namespace detail {

/// A branch's output type as diagnostics print it: specs for tensors, inside optional and tuple too.
template <class T, bool = tensor<T>> struct output_spec { using type = T; };
template <class T> struct output_spec<T, true> { using type = spec_t<T>; };
template <class T> struct output_spec<std::optional<T>, false> { using type = std::optional<typename output_spec<T>::type>; };
template <class... T> struct output_spec<std::tuple<T...>, false> { using type = std::tuple<typename output_spec<T>::type...>; };

/// What an ensemble returns for a first output O: O, or its owning type when O is a view. (After the
/// diagnostic for a first output that is not a tensor, the tensor inside it: no second error.)
template <class O, bool = tensor<O>> struct ensemble_result { using type = O; };
template <class O> struct ensemble_result<O, true> { using type = typename tensor_traits<O>::owning_type; };
template <class O> struct ensemble_result<std::optional<O>, false> : ensemble_result<O> {};
template <class O, class... T> struct ensemble_result<std::tuple<O, T...>, false> : ensemble_result<O> {};

template <class Red, class O, std::size_t N, bool = builtin_reducer<Red>>
struct reducer_accepts {
  static constexpr bool value = true;
  using diagnostic = no_diagnostic;
};
template <class Red, class O, std::size_t N>
struct reducer_accepts<Red, O, N, true> {
  static constexpr bool value = Red::template accepts<O, N>;
  using diagnostic = typename Red::template diagnostic<O, N>;
};

template <class Red, class O, class Seq> struct reducer_callable;
template <class Red, class O, std::size_t... I>
struct reducer_callable<Red, O, std::index_sequence<I...>> {
  template <std::size_t> using arg = const O&;
  static constexpr bool value = [] {
    if constexpr (std::is_invocable_v<const Red&, arg<I>...>)
      return std::is_convertible_v<std::invoke_result_t<const Red&, arg<I>...>, O>;
    else
      return false;
  }();
};

/// First index in B... whose output is not a tensor (sizeof...(B) when all are).
template <class... B>
constexpr std::size_t first_non_tensor_output() noexcept {
  constexpr bool ok[] = {tensor<output_t<B>>...};
  std::size_t i = 0;
  while (i < sizeof...(B) && ok[i]) ++i;
  return i;
}

/// First index in B... whose output cannot be bridged to O (sizeof...(B) when all can).
template <class O, class... B>
constexpr std::size_t first_other_spec() noexcept {
  constexpr bool ok[] = {connects_v<output_t<B>, O>...};
  std::size_t i = 0;
  while (i < sizeof...(B) && ok[i]) ++i;
  return i;
}

/// The judgement of ensemble<Red, B...>: in order, the branches and their inputs (as fan_out), every
/// output a tensor, every output sharing the first's spec, the reducer accepting them, the reducer
/// callable. `which` is the first check that fails (5 when none), `diagnostic` its diagnostic class.
template <class Red, class... B>
struct ensemble_judgement {
  static constexpr std::size_t n = sizeof...(B);
  using first = nth_t<0, B...>;
  using input = typename io_or_none<first>::input_type;
  using result = typename ensemble_result<typename io_or_none<first>::output_type>::type;
  using branches = branch_judgement<ensemble_branch, input, B...>;
  static constexpr std::size_t bad_output = [] {
    if constexpr (!branches::ok) return n;
    else return first_non_tensor_output<B...>();
  }();
  static constexpr std::size_t bad_spec = [] {
    if constexpr (!branches::ok || bad_output < n) return n;
    else return first_other_spec<result, B...>();
  }();
  static constexpr bool outputs_ok = branches::ok && bad_output == n && bad_spec == n;
  using accepts = std::conditional_t<outputs_ok, reducer_accepts<unwrap_t<Red>, result, n>,
                                     reducer_accepts<void, void, 0, false>>;
  static constexpr bool callable = [] {
    if constexpr (!outputs_ok || !accepts::value) return true;
    else return reducer_callable<unwrap_t<Red>, result, std::make_index_sequence<n>>::value;
  }();
  static constexpr int which = !branches::ok ? 0 : bad_output < n ? 1 : bad_spec < n ? 2 : !accepts::value ? 3 : !callable ? 4 : 5;
  static constexpr bool ok = which == 5;
};

template <int Which, class J, class Red, class... B>
struct ensemble_diagnostic_select {
  using type = no_diagnostic;
};
template <class J, class Red, class... B>
struct ensemble_diagnostic_select<0, J, Red, B...> {
  using type = typename J::branches::diagnostic;
};
template <class J, class Red, class... B>
struct ensemble_diagnostic_select<1, J, Red, B...> {
  using type = ensemble_output_not_tensor<ensemble_branch<J::bad_output>,
                                          typename output_spec<output_t<nth_t<J::bad_output, B...>>>::type>;
};
template <class J, class Red, class... B>
struct ensemble_diagnostic_select<2, J, Red, B...> {
  using type = ensemble_outputs_differ<ensemble_branch<J::bad_spec>, spec_t<typename J::result>,
                                       spec_t<output_t<nth_t<J::bad_spec, B...>>>>;
};
template <class J, class Red, class... B>
struct ensemble_diagnostic_select<3, J, Red, B...> {
  using type = typename J::accepts::diagnostic;
};
template <class J, class Red, class... B>
struct ensemble_diagnostic_select<4, J, Red, B...> {
  using type = reducer_not_callable<ensemble_reducer, spec_t<typename J::result>, branch_count<J::n>, Red>;
};

/// The one diagnostic for the first mistake in ensemble<Red, B...> (no_diagnostic when none).
template <class Red, class... B>
using ensemble_diagnostic =
    typename ensemble_diagnostic_select<ensemble_judgement<Red, B...>::which, ensemble_judgement<Red, B...>, Red, B...>::type;

/// One value of an ensemble call (an output, or its bridge), initialised in place from a prvalue.
template <std::size_t I, class T>
struct ensemble_value {
  T value;
};
/// Every branch's output (or bridge), materialised in place: an aggregate, so no move of a result.
template <class Seq, class... T> struct ensemble_values;
template <std::size_t... I, class... T>
struct ensemble_values<std::index_sequence<I...>, T...> : ensemble_value<I, T>... {};

template <std::size_t I, class T>
WEFT_INLINE constexpr const T& value_get(const ensemble_value<I, T>& v) noexcept { return v.value; }

template <class O, class Oi>
[[noreturn, gnu::noinline, gnu::cold]] void throw_output_mismatch(const O& o0, const Oi& oi, std::size_t index,
                                                                  std::string_view name) {
  shape_error e(actual_spec_name<O>(tensor_traits<O>::extents_of(o0)),
                actual_spec_name<Oi>(tensor_traits<Oi>::extents_of(oi)));
  e.add_outer(segment("ensemble", index, name));
  throw e;
}

}  // namespace detail

namespace detail {

/// Everything of ensemble except its name; Policy is sequential_t, par_t or on_t<E>.
template <class Policy, class Reducer, class... Branches>
class ensemble_base {
  using first = typename detail::front<Branches...>::type;
  using judgement = detail::ensemble_judgement<Reducer, Branches...>;

 public:
  /// The first branch's input type; every branch receives it.
  using input_type = typename detail::io_or_none<first>::input_type;
  /// The first branch's output type (its owning type when that is a view); the reducer's result.
  using output_type = typename judgement::result;
  /// The reducer's type (weft::mean_t, weft::weighted_t<K>, ... or the user's callable).
  using reducer_type = Reducer;
  /// Number of branches.
  static constexpr std::size_t size = sizeof...(Branches);
  /// Name shown in error paths and descriptions.
  static constexpr std::string_view combinator_name = "ensemble";

  /// The ensemble's one diagnostic (weft::ensemble instantiates it; no_diagnostic when well formed).
  using diagnostic = detail::ensemble_diagnostic<Reducer, Branches...>;

  /// Stores the policy, the reducer and the branches; weft::ensemble judges them.
  template <class R, class... A>
  ensemble_base(Policy policy, R&& reducer, A&&... branches)
      : policy_(policy), reducer_(std::forward<R>(reducer)), boxes_(std::forward<A>(branches)...) {}

  /// Runs every branch on x in order, then the reducer. Throws what a branch or the reducer throws; a
  /// weft::error from branch I gains "ensemble[I]"; differing run-time output extents throw shape_error.
  WEFT_INLINE output_type operator()(const input_type& x) const { return call_in_context(x, detail::no_context{}); }

  /// operator()(x) with per-call context ctx handed to every branch call (detail/call_context.hpp).
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    if constexpr (judgement::ok) {
      detail::check_branch_entries<Branches...>(*this, x);
      return run(x, ctx, std::index_sequence_for<Branches...>{});
    } else {
      std::abort();  // unreachable: a mis-wired ensemble failed to compile where it was built
    }
  }

  /// Another tensor type or an expression, judged and bridged (checked) first: see weft/detail/entry.hpp.
  template <class X>
    requires detail::foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }

  /// A whole batch: every branch's call_batch (under the policy), each answer bridged to the batch of
  /// output_type, then the reducer, on whole batches or per sample column; only when every branch is
  /// batch-native on one backend. Errors as operator()'s. See detail/batch_branches.hpp.
  batch_t<output_type> call_batch(const batch_t<input_type>& b) const
    requires(judgement::ok && detail::branches_batch_native<input_type, Branches...> &&
             detail::branch_batches_reach<output_type, Branches...>)
  {
    return detail::ensemble_batch<output_type>(*this, b, [this](auto& body) { detail::run_branches<size>(policy_, body); });
  }

  /// What the branches' declared input shapes say of the one input; only when a branch declares one.
  shape input_shape() const
    requires(detail::any_input_declared<Branches...>)
  {
    return *detail::merged_branch_input<input_type, Branches...>(*this);
  }

  /// The first branch's output shape, completed by the others' declared ones; only when a branch
  /// declares its output_shape().
  shape output_shape() const
    requires(detail::any_output_declared<Branches...>)
  {
    return *detail::merged_branch_output<Branches...>(*this);
  }

  /// Load-time validation: declared inputs agree, and every declared output shares the first's
  /// extents (shape_error at "ensemble[I]").
  void check_shapes() const {
    if constexpr (judgement::ok) {
      detail::check_branch_inputs<input_type, Branches...>(*this);
      detail::check_branch_outputs<Branches...>(*this);
    }
  }

  /// What a workspace keeps for this ensemble (weft/workspace.hpp): each branch's output and its
  /// workspace.
  struct workspace_state {
    std::tuple<detail::owned_t<output_t<Branches>>...> values;
    detail::branch_workspaces<Branches...> inner;
  };

  /// operator()(x) with a workspace ws (weft/workspace.hpp): each branch's output written into its
  /// buffer in ws, the reducer's answer into out (any extents on entry; a built-in reducer writes
  /// into it, another one's answer is moved in). Answers and errors are operator()'s; after a throw
  /// out's elements are unspecified.
  template <class W>
  WEFT_INLINE void call_with_workspace(const input_type& x, output_type& out, W& ws) const {
    if constexpr (judgement::ok) {
      detail::check_branch_entries<Branches...>(*this, x);
      run_into(x, out, ws.state(), std::index_sequence_for<Branches...>{});
    } else {
      std::abort();  // unreachable, as above
    }
  }

  /// Branch I as stored (a std::reference_wrapper when given as std::ref).
  template <std::size_t I> constexpr auto& stored() & noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr const auto& stored() const& noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr auto&& stored() && noexcept { return detail::box_get<I>(std::move(boxes_)); }

  /// The reducer as stored (to read or change weighted's weights).
  constexpr Reducer& reducer() & noexcept { return reducer_; }
  constexpr const Reducer& reducer() const& noexcept { return reducer_; }

 private:
  template <std::size_t I, class Values>
  WEFT_INLINE void check_output_extents(const Values& values) const {
    using o0 = detail::owned_t<output_t<first>>;
    using oi = detail::owned_t<output_t<detail::nth_t<I, Branches...>>>;
    if constexpr (I > 0 && !(detail::reduction::fully_static<o0> && detail::reduction::fully_static<oi>)) {
      const o0& a = detail::value_get<0>(values);
      const oi& b = detail::value_get<I>(values);
      if (!detail::reduction::same_extents(a, b)) {
        const auto& m = detail::unwrap(detail::box_get<I>(boxes_));
        detail::throw_output_mismatch(a, b, I, model_traits<detail::nth_t<I, Branches...>>::given_name(m));
      }
    }
  }

  template <class Ctx, std::size_t... I>
  WEFT_INLINE output_type run(const input_type& x, const Ctx& ctx, std::index_sequence<I...>) const {
    if constexpr (!is_parallel<Policy>::value) {
      // braced initialisation runs the branches left to right; every output exists before reducing
      const detail::ensemble_values<std::index_sequence<I...>, detail::owned_t<output_t<Branches>>...> values{
          {detail::invoke_stage_owned(detail::box_get<I>(boxes_), x, combinator_name, I, ctx)}...};
      return reduce(values, std::index_sequence<I...>{});
    } else {
      std::tuple<std::optional<detail::owned_t<output_t<Branches>>>...> results;
      auto branch = [&](std::size_t i) {
        ((i == I ? (void)std::get<I>(results).emplace(
                       detail::invoke_stage_owned(detail::box_get<I>(boxes_), x, combinator_name, I, ctx))
                 : void()),
         ...);
      };
      run_branches<size>(policy_, branch);
      const detail::ensemble_values<std::index_sequence<I...>, const detail::owned_t<output_t<Branches>>&...> values{
          {*std::get<I>(results)}...};
      return reduce(values, std::index_sequence<I...>{});
    }
  }

  template <class Values, std::size_t... I>
  WEFT_INLINE output_type reduce(const Values& values, std::index_sequence<I...>) const {
    (check_output_extents<I>(values), ...);
    const detail::ensemble_values<std::index_sequence<I...>, detail::bridge<const detail::owned_t<output_t<Branches>>, output_type>...> args{
        {detail::bridge<const detail::owned_t<output_t<Branches>>, output_type>(detail::value_get<I>(values))}...};
    return detail::unwrap(reducer_)(detail::value_get<I>(args).get()...);
  }

  template <std::size_t... I>
  WEFT_INLINE void run_into(const input_type& x, output_type& out, workspace_state& ws, std::index_sequence<I...>) const {
    if constexpr (!is_parallel<Policy>::value) {
      (detail::invoke_stage_into(detail::box_get<I>(boxes_), x, std::get<I>(ws.values), std::get<I>(ws.inner),
                                 combinator_name, I),
       ...);
    } else {
      auto branch = [&](std::size_t i) {
        ((i == I ? detail::invoke_stage_into(detail::box_get<I>(boxes_), x, std::get<I>(ws.values), std::get<I>(ws.inner),
                                             combinator_name, I)
                 : void()),
         ...);
      };
      run_branches<size>(policy_, branch);
    }
    const detail::ensemble_values<std::index_sequence<I...>, const detail::owned_t<output_t<Branches>>&...> values{
        {std::get<I>(ws.values)}...};
    (check_output_extents<I>(values), ...);
    const detail::ensemble_values<std::index_sequence<I...>, detail::bridge<const detail::owned_t<output_t<Branches>>, output_type>...> args{
        {detail::bridge<const detail::owned_t<output_t<Branches>>, output_type>(detail::value_get<I>(values))}...};
    const auto& reducer = detail::unwrap(reducer_);
    if constexpr (requires { reducer.reduce_into(out, detail::value_get<I>(args).get()...); })
      reducer.reduce_into(out, detail::value_get<I>(args).get()...);
    else
      out = reducer(detail::value_get<I>(args).get()...);
  }

  [[no_unique_address]] Policy policy_{};
  [[no_unique_address]] Reducer reducer_;
  [[no_unique_address]] detail::stage_boxes<std::index_sequence_for<Branches...>, Branches...> boxes_;
};

}  // namespace detail

/// Branches' outputs reduced to one; see the header comment. Built by weft::ensemble(reducer, ...);
/// a leading policy (weft::par, weft::on(e)) runs the branches concurrently:
/// weft::ensemble(weft::par, weft::mean, a, b) is ensemble<par_t, mean_t, A, B>.
template <class... X>
class ensemble : public detail::policy_split<X...>::template base<detail::ensemble_base> {
  using split = detail::policy_split<X...>;
  using base = typename split::template base<detail::ensemble_base>;

 public:
  /// Stores the reducer and the branches (each taken by value, so weft::ensemble(r, a, b) deduces
  /// ensemble<R, A, B>; pass std::ref(m) to borrow) and judges the ensemble at compile time.
  ensemble(X... args)
    requires(sizeof...(X) > (detail::is_policy_v<typename detail::front<X...>::type> ? 2 : 1))
      : base(make_base(std::move(args)...)) {
    (void)typename base::diagnostic{};
    base::check_shapes();
  }

 private:
  static base make_base(X&&... args) {
    if constexpr (std::is_same_v<typename split::policy, sequential_t>) return base(sequential_t{}, std::move(args)...);
    else return base(std::move(args)...);
  }
};

namespace detail {

template <std::size_t I, class In, class O, class... B>
struct ensemble_branch_copy {
  using into = copy_link_t<ensemble_branch<I>, const In, input_t<nth_t<I, B...>>>;
  using inside = typename implicit_copy<unwrap_t<nth_t<I, B...>>>::type;
  using out = copy_link_t<ensemble_branch<I>, output_t<nth_t<I, B...>>, O>;
  using type = typename first_non_void<into, inside, out>::type;
};
template <class Seq, class In, class O, class... B> struct ensemble_copies;
template <std::size_t... I, class In, class O, class... B>
struct ensemble_copies<std::index_sequence<I...>, In, O, B...> {
  using type = typename first_non_void<typename ensemble_branch_copy<I, In, O, B...>::type...>::type;
};

/// The first implicit copy in an ensemble: per branch, its input bridge, inside it, then its output's
/// bridge to the ensemble's output type. The reducer's work is its own, not an implicit copy.
template <class P, class R, class... B>
struct implicit_copy<ensemble_base<P, R, B...>> {
  using type = typename ensemble_copies<std::index_sequence_for<B...>, input_t<ensemble_base<P, R, B...>>,
                                        output_t<ensemble_base<P, R, B...>>, B...>::type;
};
template <class... X>
struct implicit_copy<ensemble<X...>> : implicit_copy<typename policy_split<X...>::template base<ensemble_base>> {};

}  // namespace detail
}  // namespace weft

#endif  // WEFT_ENSEMBLE_HPP
