// SPDX-License-Identifier: BSL-1.0
// weft/fan_out.hpp - weft::fan_out: one input to every branch.
//
// Contract:
//   weft::fan_out(a, b, c) is a model of type weft::fan_out<A, B, C>. Its input_type is a's; every
//   branch receives the same input by const reference, bridged to its own input_type as
//   weft::conversion decides (a view, a copy, or a checked one; never a mutable view of the shared
//   input). Its output_type is std::tuple<Oa, Ob, Oc>, each branch's output materialised in place, in
//   branch order (a view output_type as its owning type, copied before the branch's input dies; an
//   implicit copy under weft::strict). Inside a sequence, the previous stage's output reaches each
//   branch through its own bridge, never through the first branch's input_type: an xtensor value
//   into fan_out(eigen_branch, xtensor_branch) is copied once, for the Eigen branch only; that link
//   is judged against every branch. `fan_out(...) | weft::concat` joins rank-1 outputs into one tensor.
//   Every branch's connection is judged when the fan_out is built: a branch that is not a model, or
//   whose input the shared input cannot reach, fails to compile naming weft::detail::fan_out_branch<I>
//   and both specs.
//   Shapes (docs/shapes.md): input_shape() merges the branches' declared input shapes, output_shape()
//   is a std::tuple of one shape per branch; each exists only when a branch declares one. The
//   constructor throws weft::shape_error at "fan_out[I]" when branch I's declared input disagrees
//   with the earlier ones'; each call checks the input against every declared branch before any
//   branch runs. Another tensor type or an expression is judged and bridged first (detail/entry.hpp).
//   Errors: a weft::error raised in branch I gains the segment "fan_out[I]" (with the branch's given
//   name); other exceptions pass unchanged; the remaining branches do not run.
//   Calls are const and thread-safe when the branches' calls are. Branches run one after the other on
//   the calling thread; with a leading policy, weft::fan_out(weft::par, a, b) or
//   weft::fan_out(weft::on(executor), a, b), they run concurrently (weft/execution.hpp) and give the
//   same results bit for bit. Allocation and copies only where the bridges and branches make them.
//   Batches: with batch-native branches on one backend, call_batch returns every branch's call_batch
//   answer (a std::tuple of batches: fan_out is not batch_native itself); `fan_out(...) | concat` is
//   (docs/batches.md).
//   Example:  auto features = weft::fan_out(encoder_a, encoder_b) | weft::concat;
#ifndef WEFT_FAN_OUT_HPP
#define WEFT_FAN_OUT_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "batch.hpp"
#include "detail/batch_branches.hpp"
#include "detail/combinator.hpp"
#include "detail/config.hpp"
#include "detail/stages.hpp"
#include "detail/workspace_stage.hpp"
#include "execution.hpp"
#include "model.hpp"
#include "sequence.hpp"
#include "strict.hpp"

namespace weft {
namespace detail {

template <class B> struct branch_shape { using type = shape; };

/// Everything of fan_out except its name; Policy is sequential_t, par_t or on_t<E>.
template <class Policy, class... Branches>
class fan_out_base {
  using first = typename front<Branches...>::type;

 public:
  /// The first branch's input type; every branch receives it.
  using input_type = typename io_or_none<first>::input_type;
  /// Every branch's output, in branch order (a view output as its owning type).
  using output_type = std::tuple<owned_t<typename io_or_none<Branches>::output_type>...>;
  /// Number of branches.
  static constexpr std::size_t size = sizeof...(Branches);
  /// Name shown in error paths and descriptions.
  static constexpr std::string_view combinator_name = "fan_out";

  /// The judgement of every branch's input (weft::fan_out instantiates its diagnostic).
  using judgement = branch_judgement<fan_out_branch, input_type, Branches...>;

  /// Every branch's input type, when the branches were judged well: a stage before this fan_out
  /// hands its value to run_direct, which bridges it to each branch directly (detail::meets_t).
  using branch_inputs =
      std::conditional_t<judgement::ok, std::tuple<typename io_or_none<Branches>::input_type...>, void>;

  /// Stores the policy and the branches; weft::fan_out judges them.
  template <class... A>
  explicit fan_out_base(Policy policy, A&&... branches) : policy_(policy), boxes_(std::forward<A>(branches)...) {}

  /// Runs every branch on x. Throws what a branch throws (the lowest branch's under a parallel
  /// policy); a weft::error gains "fan_out[I]".
  WEFT_INLINE output_type operator()(const input_type& x) const { return call_in_context(x, no_context{}); }

  /// operator()(x) with per-call context ctx handed to every branch call (detail/call_context.hpp).
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    if constexpr (judgement::ok) {
      check_branch_entries<Branches...>(*this, x);
      return run(x, ctx, std::index_sequence_for<Branches...>{});
    } else {
      std::abort();  // unreachable: a mis-wired fan_out failed to compile where it was built
    }
  }

  /// Another tensor type or an expression, judged and bridged (checked) first: see weft/detail/entry.hpp.
  template <class X>
    requires foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, entry_diagnostic<X, input_type> = {}) const {
    return enter(*this, x);
  }

  /// A whole batch: every branch's call_batch (under the policy), their answers in branch order;
  /// only when every branch is batch-native on one backend. `fan_out(...) | weft::concat` in a
  /// sequence joins them per sample. Errors as operator()'s. See detail/batch_branches.hpp.
  std::tuple<batch_t<owned_t<typename io_or_none<Branches>::output_type>>...> call_batch(const batch_t<input_type>& b) const
    requires(judgement::ok && branches_batch_native<input_type, Branches...>)
  {
    return fan_out_batch(*this, b, [this](auto& body) { run_branches<size>(policy_, body); });
  }

  /// What the branches' declared input shapes say of the one input; only when a branch declares one.
  shape input_shape() const
    requires(any_input_declared<Branches...>)
  {
    return *merged_branch_input<input_type, Branches...>(*this);
  }

  /// One shape per branch (declared, else its output_type's static extents); only when a branch
  /// declares its output_shape() and every output's rank is known.
  std::tuple<typename branch_shape<Branches>::type...> output_shape() const
    requires(any_output_declared<Branches...> && ((output_declared<Branches> || static_known_rank<output_t<Branches>>) && ...))
  {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::tuple<typename branch_shape<Branches>::type...>{*known_output(stored<I>())...};
    }(std::index_sequence_for<Branches...>{});
  }

  /// Load-time validation: the branches' declared input shapes agree (shape_error at "fan_out[I]").
  void check_shapes() const {
    if constexpr (judgement::ok) check_branch_inputs<input_type, Branches...>(*this);
  }

  /// Runs every branch on a value of another type X, bridged to each branch's input_type directly
  /// (never through input_type first). The stage before a fan_out calls it; its link was judged
  /// against every branch (detail::meets_t). Throws as operator() does.
  template <class X, class Ctx = no_context>
  WEFT_INLINE output_type run_direct(const X& x, const Ctx& ctx = Ctx{}) const {
    if constexpr (judgement::ok) return run(x, ctx, std::index_sequence_for<Branches...>{});
    else std::abort();  // unreachable, as above
  }

  /// What a workspace keeps for this fan_out (weft/workspace.hpp): each branch's workspace.
  using workspace_state = branch_workspaces<Branches...>;

  /// operator()(x) with a workspace ws (weft/workspace.hpp): each branch's answer written into its
  /// element of out (any extents on entry), with its own workspace. Answers and errors are
  /// operator()'s; after a throw out's elements are unspecified.
  template <class W>
  WEFT_INLINE void call_with_workspace(const input_type& x, output_type& out, W& ws) const {
    if constexpr (judgement::ok) {
      check_branch_entries<Branches...>(*this, x);
      branches_into(x, out, ws.state(), std::index_sequence_for<Branches...>{});
    } else {
      std::abort();  // unreachable, as above
    }
  }

  /// run_direct(x) with a workspace, as call_with_workspace (a sequence's stage before it calls it).
  template <class X, class W>
  WEFT_INLINE void call_with_workspace_direct(const X& x, output_type& out, W& ws) const {
    if constexpr (judgement::ok) branches_into(x, out, ws.state(), std::index_sequence_for<Branches...>{});
    else std::abort();  // unreachable, as above
  }

  /// Branch I as stored (a std::reference_wrapper when given as std::ref).
  template <std::size_t I> constexpr auto& stored() & noexcept { return box_get<I>(boxes_); }
  template <std::size_t I> constexpr const auto& stored() const& noexcept { return box_get<I>(boxes_); }
  template <std::size_t I> constexpr auto&& stored() && noexcept { return box_get<I>(std::move(boxes_)); }

 private:
  template <class X, class Ctx, std::size_t... I>
  WEFT_INLINE output_type run(const X& x, const Ctx& ctx, std::index_sequence<I...>) const {
    if constexpr (!is_parallel<Policy>::value) {
      // braced initialisation runs the branches left to right
      return output_type{invoke_stage_owned(box_get<I>(boxes_), x, combinator_name, I, ctx)...};
    } else {
      std::tuple<std::optional<owned_t<typename io_or_none<Branches>::output_type>>...> results;
      auto branch = [&](std::size_t i) {
        ((i == I ? (void)std::get<I>(results).emplace(invoke_stage_owned(box_get<I>(boxes_), x, combinator_name, I, ctx))
                 : void()),
         ...);
      };
      run_branches<size>(policy_, branch);
      return output_type{std::move(*std::get<I>(results))...};
    }
  }

  template <class X, std::size_t... I>
  WEFT_INLINE void branches_into(const X& x, output_type& out, workspace_state& ws, std::index_sequence<I...>) const {
    if constexpr (!is_parallel<Policy>::value) {
      (invoke_stage_into(box_get<I>(boxes_), x, std::get<I>(out), std::get<I>(ws), combinator_name, I), ...);
    } else {
      auto branch = [&](std::size_t i) {
        ((i == I ? invoke_stage_into(box_get<I>(boxes_), x, std::get<I>(out), std::get<I>(ws), combinator_name, I)
                 : void()),
         ...);
      };
      run_branches<size>(policy_, branch);
    }
  }

  [[no_unique_address]] Policy policy_{};
  stage_boxes<std::index_sequence_for<Branches...>, Branches...> boxes_;
};

}  // namespace detail

/// One input to every branch; see the header comment. Built by weft::fan_out(...); a leading
/// policy (weft::par, weft::on(e)) runs the branches concurrently: fan_out<par_t, A, B>.
template <class... X>
class fan_out : public detail::policy_split<X...>::template base<detail::fan_out_base> {
  using split = detail::policy_split<X...>;
  using base = typename split::template base<detail::fan_out_base>;

 public:
  /// Stores the branches (each taken by value, so weft::fan_out(a, b) deduces fan_out<A, B>; pass
  /// std::ref(m) to borrow) and judges every branch's input at compile time. A leading policy
  /// (weft::par, weft::on(e)) runs the branches concurrently.
  explicit(sizeof...(X) == 1) fan_out(X... models)
    requires(sizeof...(X) > (detail::is_policy_v<typename detail::front<X...>::type> ? 1 : 0))
      : base(make_base(std::move(models)...)) {
    (void)typename base::judgement::diagnostic{};
    base::check_shapes();
  }

 private:
  static base make_base(X&&... models) {
    if constexpr (std::is_same_v<typename split::policy, sequential_t>) return base(sequential_t{}, std::move(models)...);
    else return base(std::move(models)...);
  }
};

namespace detail {

template <std::size_t I, class In, class... B>
struct fan_out_branch_copy {
  using branch = nth_t<I, B...>;
  using type = typename first_non_void<typename implicit_copy_from<unwrap_t<branch>, fan_out_branch<I>, const In>::type,
                                       view_output_t<fan_out_branch<I>, output_t<branch>>>::type;
};
template <class Seq, class In, class... B> struct fan_out_copies;
template <std::size_t... I, class In, class... B>
struct fan_out_copies<std::index_sequence<I...>, In, B...> {
  using type = typename first_non_void<typename fan_out_branch_copy<I, In, B...>::type...>::type;
};

template <class Policy, class... B>
struct implicit_copy<fan_out_base<Policy, B...>> {
  using type = typename fan_out_copies<std::index_sequence_for<B...>, input_t<fan_out_base<Policy, B...>>, B...>::type;
};
/// The first implicit copy in a fan_out: each branch's input bridge, then inside the branch, then
/// its view output (materialised).
template <class... X>
struct implicit_copy<fan_out<X...>> : implicit_copy<typename policy_split<X...>::template base<fan_out_base>> {};

/// A fan_out handed a From by the stage before it bridges From to each branch directly.
template <class Policy, class... B, class Where, class From>
  requires(!std::is_void_v<typename fan_out_base<Policy, B...>::branch_inputs>)
struct implicit_copy_from<fan_out_base<Policy, B...>, Where, From> {
  using type = typename fan_out_copies<std::index_sequence_for<B...>, std::remove_const_t<From>, B...>::type;
};
template <class... X, class Where, class From>
struct implicit_copy_from<fan_out<X...>, Where, From>
    : implicit_copy_from<typename policy_split<X...>::template base<fan_out_base>, Where, From> {};

}  // namespace detail
}  // namespace weft

#endif  // WEFT_FAN_OUT_HPP
