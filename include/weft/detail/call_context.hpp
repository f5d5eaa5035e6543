// SPDX-License-Identifier: BSL-1.0
// weft/detail/call_context.hpp - internal: the per-call context that travels through stage calls.
//
// Contract: every stage call (detail::invoke_stage, invoke_stage_owned) takes a context Ctx by
// const reference; a combinator hands the one it was called with to each of its stage calls
// (detail/combinator.hpp says how). A context type has `static constexpr bool observing`:
//   - no_context (observing == false) is what a plain call passes: empty, and every use of it is
//     an `if constexpr` branch that is never taken, so a call with it compiles to the same code as
//     a call without contexts;
//   - an observing context (weft::observe, weft/observe.hpp) also has
//       template <class M, class F> auto observe_stage(std::string_view combinator,
//                                                      std::size_t index, std::string_view name,
//                                                      F&& call) const
//     which reports stage "<combinator>[index]" (model type M, the stage's given name) around
//     call(child), child being the stage's own context (its path one segment longer), and returns
//     what call returns.
// call_model(m, x, ctx) calls model m on x, handing ctx on when ctx observes and m takes a context
// (m.call_in_context(x, ctx): a combinator or a wrapper); otherwise m(x). Costs nothing: forced inline.
#ifndef WEFT_DETAIL_CALL_CONTEXT_HPP
#define WEFT_DETAIL_CALL_CONTEXT_HPP

#include "config.hpp"

namespace weft::detail {

/// The context of a call that nobody observes: empty; see the header comment.
struct no_context {
  static constexpr bool observing = false;
};

/// Model M has a call that takes context Ctx (a combinator or a wrapper that passes it on).
template <class M, class X, class Ctx>
concept takes_context = requires(const M& m, const X& x, const Ctx& ctx) { m.call_in_context(x, ctx); };

/// m(x), or m.call_in_context(x, ctx) when ctx observes and m takes it; see the header comment.
template <class M, class X, class Ctx>
WEFT_INLINE decltype(auto) call_model(const M& m, const X& x, [[maybe_unused]] const Ctx& ctx) {
  if constexpr (Ctx::observing) {
    if constexpr (takes_context<M, X, Ctx>) return m.call_in_context(x, ctx);
    else return m(x);
  } else {
    return m(x);
  }
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_CALL_CONTEXT_HPP
