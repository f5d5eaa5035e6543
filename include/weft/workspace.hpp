// SPDX-License-Identifier: BSL-1.0
// weft/workspace.hpp - weft::workspace: a dynamic pipeline's intermediates kept between calls, and
// calls that write the answer into an output the caller owns.
//
// Contract:
//   weft::workspace<P> (or `weft::workspace ws(p);`) holds, for a sequence P, one value of every
//   stage's output type (the last one too, for the call that returns a reference) and, for a stage
//   that is itself a sequence, that sequence's workspace; for a stage that is a combinator with a
//   workspace (fan_out, ensemble, fallback, route, when) or a wrapper seen through (named, shaped,
//   retry), that stage's workspace (ws.inner<I>(); detail/workspace_stage.hpp). For any other model
//   it holds nothing. One type per pipeline type; it starts empty (no allocation) and keeps whatever
//   extents the last call gave it.
//     p(x, out, ws)  runs p on x as p(x) does, every intermediate written into ws and the answer
//                    into the caller's out (any extents on entry; out must not be x);
//     p(x, ws)       the same, the answer kept in ws: returns a reference to it, valid until ws's
//                    next call or its end.
//   Each stage writes into its buffer when it can (weft::into_model: the model's call_into; the
//   adapters softmax and normalize of a rank-1 tensor, cast, check_finite, identity, concat of
//   rank-1 parts; a nested sequence with its own workspace; a combinator with its workspace:
//   fan_out's branches into the elements of its tuple, ensemble's branches into buffers in ws and a
//   built-in reducer (mean, weighted, vote, max, median) into the answer, the branch that answers
//   a fallback, when or route (top 1; its gate's output kept in ws) into the answer; the inner model
//   of named, shaped and retry, after the wrapper's own check or around each attempt); any other
//   stage (and, inside a combinator, any other branch) is called as in p(x) and its returned value
//   moved into the buffer (that stage allocates what its call allocates: documented in
//   docs/batches.md). So once a call has set every buffer's extents, a call with the same extents
//   allocates nothing when every stage writes into its buffer; a call with other extents re-sizes
//   the buffers that change (an allocation each) and answers right.
//   The answers are p(x)'s to the last bit (the same arithmetic). Checks and errors are p(x)'s: each
//   stage that declares input_shape() has its argument checked before it runs (shape_error naming
//   the stage path), a weft::error gains the stage's segment. A failed call changes no model; ws
//   stays usable (its values are scratch); out is written only by the last stage, so an error
//   before the last stage leaves out as it was.
//   Thread safety: a workspace belongs to one caller at a time (not thread-safe to share); the
//   pipeline itself may be shared, each thread with its own workspace.
//   Inside a combinator the same holds: its branches' checks, segments and errors are p(x)'s (a
//   fallback's causes, a retry's attempts), but a combinator that is the last stage may have
//   written part of out when it throws (a failing fallback branch or a fan_out branch before a
//   later one throws). batched, any_model, observe, a route with top_k > 1 and a user's own
//   reducer have no workspace of their own: they run as in p(x) and their answer is moved in.
//   Cost: weft's layers are forced inline; no allocation, virtual call or copy beyond p(x)'s bridges.
#ifndef WEFT_WORKSPACE_HPP
#define WEFT_WORKSPACE_HPP

#include <cstddef>
#include <tuple>

#include "detail/combinator.hpp"
#include "detail/config.hpp"
#include "detail/into.hpp"
#include "detail/workspace_stage.hpp"
#include "model.hpp"
#include "sequence.hpp"

namespace weft {

/// A model that writes its answer into an output the caller owns:
///   void call_into(const input_type& x, output_type& out) const;
/// out may hold any extents on entry (empty on a first call); call_into sets its extents (Eigen's
/// resize() and assignment do, allocating only when they change) and every element, and reads
/// nothing of it. It computes what operator() returns (to the last bit, for weft's guarantee that a
/// workspace call equals the plain one). It is const and thread-safe as operator() is.
template <class M>
concept into_model = model<M> && detail::has_call_into<detail::unwrap_t<M>>;

template <class... S>
class workspace<sequence<S...>> {
 public:
  workspace() = default;
  /// For `weft::workspace ws(p);` (deduces the type); keeps nothing of p, allocates nothing.
  explicit workspace(const sequence<S...>&) noexcept {}

  /// Stage I's output as the last call left it (its buffer).
  template <std::size_t I> auto& value() noexcept { return std::get<I>(values_); }
  template <std::size_t I> const auto& value() const noexcept { return std::get<I>(values_); }
  /// The workspace of stage I (holds nothing unless stage I is a sequence, a combinator with a
  /// workspace, or a wrapper seen through).
  template <std::size_t I> auto& inner() noexcept { return std::get<I>(inner_); }

 private:
  std::tuple<detail::owned_t<output_t<S>>...> values_;
  std::tuple<workspace<detail::unwrap_t<S>>...> inner_;
};

template <class M>
workspace(const M&) -> workspace<M>;

namespace detail {

template <class... S>
struct sequence_into<sequence<S...>> {
  using seq = sequence<S...>;
  static constexpr std::size_t n = sizeof...(S);

  /// Stages I.. on x (stage I-1's buffer, or p's argument), the last one's answer into out.
  template <std::size_t I, class X>
  WEFT_INLINE static void run(const seq& p, X& x, typename seq::output_type& out, workspace<seq>& ws) {
    if constexpr (I + 1 == n) {
      invoke_stage_into(p.template stored<I>(), x, out, ws.template inner<I>(), seq::combinator_name, I);
    } else {
      auto& y = ws.template value<I>();
      invoke_stage_into(p.template stored<I>(), x, y, ws.template inner<I>(), seq::combinator_name, I);
      run<I + 1>(p, y, out, ws);
    }
  }
  WEFT_INLINE static void run(const seq& p, const typename seq::input_type& x, typename seq::output_type& out,
                              workspace<seq>& ws) {
    run<0>(p, x, out, ws);
  }
  WEFT_INLINE static const typename seq::output_type& run(const seq& p, const typename seq::input_type& x,
                                                          workspace<seq>& ws) {
    auto& out = ws.template value<n - 1>();
    run<0>(p, x, out, ws);
    return out;
  }
};

}  // namespace detail

}  // namespace weft

#endif  // WEFT_WORKSPACE_HPP
