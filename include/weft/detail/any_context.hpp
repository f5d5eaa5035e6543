// SPDX-License-Identifier: BSL-1.0
// weft/detail/any_context.hpp - internal: an observing call context whose type is erased.
//
// Contract: weft::any_model calls its held model through a function pointer chosen when the model
// was stored, so the held model's stages cannot be instantiated for the caller's context type.
// erased_context is the one observing context type they see (detail/call_context.hpp): it refers to
// the caller's context (any type with observe_stage_as(combinator, index, name, specs, call), as
// weft::observe's context has) and forwards each observe_stage<M>(...) to it through one function
// pointer, with M's specs as text (weft::signature<M>(), made once per type). It must not outlive
// the context it refers to (it lives for one call). Nested any_models pass it on unchanged.
// Costs one indirect call and an std::optional per observed stage call; a call nobody observes
// never meets it. Thread-safe as the context it refers to.
#ifndef WEFT_DETAIL_ANY_CONTEXT_HPP
#define WEFT_DETAIL_ANY_CONTEXT_HPP

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "../observe.hpp"

namespace weft::detail {

/// An observing context of any type, behind a function pointer; see the header comment.
class erased_context {
 public:
  static constexpr bool observing = true;

  /// Refers to outer (which must outlive this context).
  template <class Ctx>
  explicit erased_context(const Ctx& outer) noexcept : outer_(&outer), observe_(&observe_in<Ctx>) {}

  /// Reports stage "<combinator>[index]" (model type M) to the outer context around call(child).
  template <class M, class F>
  auto observe_stage(std::string_view combinator, std::size_t index, std::string_view name, F&& call) const {
    using result = decltype(call(*this));
    std::optional<result> answer;
    auto run = [&](const erased_context& child) { answer.emplace(call(child)); };
    observe_(outer_, combinator, index, name, stage_specs<M>(), &run,
             [](void* state, const erased_context& child) { (*static_cast<decltype(run)*>(state))(child); });
    return std::move(*answer);
  }

 private:
  using run_fn = void (*)(void* state, const erased_context& child);
  using observe_fn = void (*)(const void* outer, std::string_view combinator, std::size_t index,
                              std::string_view name, std::string_view specs, void* state, run_fn run);

  struct ran {};  // what the outer context's report returns: the answer travels in `state`

  template <class Ctx>
  static void observe_in(const void* outer, std::string_view combinator, std::size_t index, std::string_view name,
                         std::string_view specs, void* state, run_fn run) {
    static_cast<const Ctx*>(outer)->observe_stage_as(combinator, index, name, specs, [&](const Ctx& child) {
      const erased_context erased(child);
      run(state, erased);
      return ran{};
    });
  }

  const void* outer_;
  observe_fn observe_;
};

/// ctx as the context an erased call receives: an erased_context (itself when it is one).
template <class Ctx>
WEFT_INLINE erased_context erase_context(const Ctx& ctx) noexcept {
  if constexpr (std::is_same_v<Ctx, erased_context>) return ctx;
  else return erased_context(ctx);
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_ANY_CONTEXT_HPP
