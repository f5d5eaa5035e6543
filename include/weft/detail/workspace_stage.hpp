// SPDX-License-Identifier: BSL-1.0
// weft/detail/workspace_stage.hpp - internal: a stage run with its workspace, its answer written
// into a buffer it is given.
//
// Contract: weft::workspace<M> (its primary template is here; weft/workspace.hpp specialises it for
// a sequence) holds M's workspace_state: what a combinator declares as `using workspace_state = ...`
// (fan_out, ensemble, fallback, route, when: their branches' workspaces and buffers), the inner
// model's workspace for a wrapper seen through (weft::named, and a wrapper with its own work around
// its call: shaped, retry; not observe), else nothing. It is built empty (no allocation).
// writes_answer_into<M>: a call of M can write its answer into an output it does not own: a
// sequence (with its workspace), a combinator with `call_with_workspace(x, out, ws)`, a wrapper seen
// through whose inner model can, or a stage of detail/into.hpp (call_into, the in-place adapters).
// run_into(m, x, out, ws) makes that call. invoke_stage_into(stored, x, out, ws, combinator, index)
// is invoke_stage_owned's twin (detail/combinator.hpp): the same bridge, entry check and error
// segment, the answer written into out when the stage can, else its returned value moved into out;
// a stage that bridges to each branch itself (fan_out) is handed x as it is, as run_direct is.
// invoke_stage_as_into<O> is invoke_stage_as's twin (detail/stage_as.hpp).
// Answers and errors are the plain calls' (the same arithmetic, checks and segments); a throw may
// leave out's elements unspecified, never its type's invariants. No context is handed on (a
// workspace call is not observed). Costs: no allocation once the buffers hold the call's extents,
// when every stage inside writes into its buffer; forced inline. The plain call paths do not use it.
#ifndef WEFT_DETAIL_WORKSPACE_STAGE_HPP
#define WEFT_DETAIL_WORKSPACE_STAGE_HPP

#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../model.hpp"
#include "combinator.hpp"
#include "config.hpp"
#include "into.hpp"
#include "materialise.hpp"
#include "shape_checks.hpp"
#include "stage_as.hpp"
#include "wrapper.hpp"

namespace weft {

template <class... Stages>
class sequence;

template <class M>
class workspace;

namespace detail {

template <class T> inline constexpr bool is_workspace_sequence = false;
template <class... S> inline constexpr bool is_workspace_sequence<sequence<S...>> = true;

template <class T> inline constexpr bool is_named_model = false;
template <class M> inline constexpr bool is_named_model<named_model<M>> = true;

/// A wrapper a workspace sees through: weft::named, or one with its own work around its inner
/// model's call (shaped, retry), its input and output types its inner model's.
template <class W>
concept workspace_wrapper =
    wrapper<W> && (is_named_model<W> || has_around<W, typename W::input_type>) &&
    std::is_same_v<typename W::input_type, input_t<unwrap_t<typename W::wrapped_type>>> &&
    std::is_same_v<typename W::output_type, output_t<unwrap_t<typename W::wrapped_type>>>;

/// M writes its answer into a caller's buffer with its workspace (a combinator's workspace call).
template <class M>
concept has_workspace_call = requires(const M& m, const typename M::input_type& x, typename M::output_type& out,
                                      workspace<M>& ws) { m.call_with_workspace(x, out, ws); };

/// A call of M can write its answer into an output it does not own (see the header comment).
template <class M>
constexpr bool writes_answer_into() {
  if constexpr (is_workspace_sequence<M> || has_workspace_call<M>) return true;
  else if constexpr (workspace_wrapper<M>) return writes_answer_into<unwrap_t<typename M::wrapped_type>>();
  else if constexpr (model<M>) return writes_into<M> && !materialised_v<output_t<M>>;
  else return false;
}

/// Nothing kept: the workspace of a model with no parts that keep buffers.
struct no_workspace_state {};

template <class M>
struct workspace_state_of {
  using type = no_workspace_state;
};
template <class M>
  requires requires { typename M::workspace_state; }
struct workspace_state_of<M> {
  using type = typename M::workspace_state;
};
template <class M>
  requires workspace_wrapper<M>
struct workspace_state_of<M> {
  using type = workspace<unwrap_t<typename M::wrapped_type>>;
};

}  // namespace detail

/// Intermediates of model M kept between calls: its workspace_state (see weft/workspace.hpp, whose
/// header comment is the contract). Empty on construction; never thread-safe to share.
template <class M>
class workspace {
 public:
  workspace() = default;
  /// For `weft::workspace ws(p);` (deduces M); keeps nothing of p, allocates nothing.
  explicit workspace(const M&) noexcept {}

  /// M's buffers and its parts' workspaces (a combinator's own layout).
  auto& state() noexcept { return state_; }
  const auto& state() const noexcept { return state_; }

 private:
  [[no_unique_address]] typename detail::workspace_state_of<M>::type state_;
};

namespace detail {

/// m's answer for x written into out, with m's workspace ws (writes_answer_into<M>()).
template <class M>
WEFT_INLINE void run_into(const M& m, const typename M::input_type& x, typename M::output_type& out, workspace<M>& ws) {
  if constexpr (is_workspace_sequence<M>) {
    m(x, out, ws);
  } else if constexpr (has_workspace_call<M>) {
    m.call_with_workspace(x, out, ws);
  } else if constexpr (workspace_wrapper<M>) {
    call_inner(m, x, [&](const auto& inner, const auto& y) { run_into(inner, y, out, ws.state()); });
  } else {
    (void)ws;
    write_into(m, x, out);
  }
}

/// A stage that bridges to each branch itself and writes into its buffer handed x as it is.
template <class X, class M>
concept hands_into_branches = hands_to_branches_v<X, M> && requires(const M& m, const X& x, typename M::output_type& out,
                                                                     workspace<M>& ws) {
  m.call_with_workspace_direct(x, out, ws);
};

/// Stage `stored` called on x with its answer in out and its workspace `inner`: see the header
/// comment. A weft::error gains "<combinator>[index]".
template <class Stored, class X, class Out, class W>
WEFT_INLINE void invoke_stage_into(const Stored& stored, X& x, Out& out, W& inner, std::string_view combinator,
                                   std::size_t index) {
  using M = unwrap_t<Stored>;
  if constexpr (writes_answer_into<M>()) {
    const auto& m = unwrap(stored);
    try {
      if constexpr (hands_into_branches<std::remove_const_t<X>, M>) {
        m.call_with_workspace_direct(x, out, inner);
      } else {
        const bridge<X, input_t<Stored>> arg(x);
        check_entry(m, arg.get());  // a stage that declares input_shape(): its extents, on every call
        run_into(m, arg.get(), out, inner);
      }
    } catch (const error& e) {
      rethrow_with_segment(e, combinator, index, model_traits<Stored>::given_name(m));
    }
  } else {
    (void)inner;
    out = invoke_stage_owned(stored, x, combinator, index);
  }
}

/// invoke_stage_as<O> with the answer in out: written into it when the stage's owning output type
/// is O, else the stage's answer copied into a new O (invoke_stage_as) moved into out.
template <class O, class Stored, class X, class W>
WEFT_INLINE void invoke_stage_as_into(const Stored& stored, X& x, O& out, W& inner, std::string_view combinator,
                                      std::size_t index) {
  if constexpr (std::is_same_v<owned_t<output_t<Stored>>, O>) {
    invoke_stage_into(stored, x, out, inner, combinator, index);
  } else {
    (void)inner;
    out = invoke_stage_as<O>(stored, x, combinator, index);
  }
}

/// One workspace per stage or branch B... (their states, or nothing).
template <class... B>
using branch_workspaces = std::tuple<workspace<unwrap_t<B>>...>;

}  // namespace detail
}  // namespace weft

#endif  // WEFT_DETAIL_WORKSPACE_STAGE_HPP
