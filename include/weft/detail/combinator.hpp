// SPDX-License-Identifier: BSL-1.0
// weft/detail/combinator.hpp - internal: what every combinator shares.
//
// Contract: invoke_stage(stored, x, combinator, index) calls one stage (a model, or a
// std::reference_wrapper to one) on x through the bridge weft::conversion chose (first checking x
// against the stage's declared input_shape(), when it declares one); a weft::error on its way out is
// replaced by a new one whose path starts with "<combinator>[index]" (with the stage's given name),
// never changed in place (weft/errors.hpp); other exceptions pass unchanged.
// invoke_stage_owned does the same, returns a view output as its owning type (detail/materialise.hpp)
// and hands a fan_out the value as it is (its run_direct bridges it to each branch); sequence and
// fan_out call their stages that way. broken_pipeline (weft/model.hpp) is the harmless placeholder a
// combinator yields after its one diagnostic. not_model_diagnostic names the diagnostic for something
// that is not a model. weft::get<I>(c) reaches stage or branch I of any combinator (unwrapped), seeing
// through wrappers.
// The per-call context (detail/call_context.hpp): invoke_stage and invoke_stage_owned take a last
// argument ctx (const Ctx&, default no_context{}); with an observing ctx the stage's call is
// reported (ctx.observe_stage) and the stage receives the child context. WHAT A COMBINATOR MUST DO
// to pass the context on (every combinator's existing call paths do it; a new one must too):
//   1. define `template <class Ctx> output_type call_in_context(const input_type& x, const Ctx& ctx)
//      const` (WEFT_INLINE) doing what operator()(x) does, and make operator()(x) call
//      call_in_context(x, detail::no_context{}) (or thread no_context{} the same way);
//   2. hand ctx, unchanged, as the last argument of EVERY invoke_stage / invoke_stage_owned call of
//      that path (a parallel policy: capture ctx by reference in the branch lambda; it is const and
//      outlives run_branches, and observers are thread-safe);
//   3. a stage a combinator calls without invoke_stage (a reducer, a condition, a gate) is not a
//      stage: it gets no context; a combinator whose stage calls are too many to report one each
//      (batched: per sample) reports one with ctx.observe_stage<M>(name, all_samples, ...) around
//      them all, when Ctx::observing, and calls them with no context;
//   4. a wrapper (detail/wrapper.hpp) defines call_in_context doing its own work and then
//      detail::call_model(inner, x', ctx) (see named_model, shaped_model): it adds no segment;
//   5. keep the plain path's shape: with no_context every `if constexpr (Ctx::observing)` branch is
//      dropped, but each extra function layer, even forced inline, changes the inliner's size
//      estimates and with them whether the user's stages inline (a first version moved W4 by 2%):
//      check `scripts/bench --only instr` (or objdump of the W calls) against main.
#ifndef WEFT_DETAIL_COMBINATOR_HPP
#define WEFT_DETAIL_COMBINATOR_HPP

#include <cstddef>
#include <exception>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "../adapters.hpp"
#include "../convert.hpp"
#include "../errors.hpp"
#include "../model.hpp"
#include "../strict.hpp"
#include "call_context.hpp"
#include "config.hpp"
#include "diagnostics.hpp"
#include "materialise.hpp"
#include "shape_checks.hpp"
#include "stages.hpp"
#include "type_name.hpp"

namespace weft {
namespace detail {

/// The first of T... (unknown_type when there is none).
template <class... T> struct front { using type = unknown_type; };
template <class H, class... T> struct front<H, T...> { using type = H; };

template <class M, bool = model_like<M>> struct io_or_none { using input_type = unknown_type; using output_type = unknown_type; };
template <class M> struct io_or_none<M, true> {
  using input_type = typename unwrap_t<M>::input_type;
  using output_type = typename unwrap_t<M>::output_type;
};

template <class U, bool = model_like<U>>
struct non_model_diagnostic {
  template <class W> using type = std::conditional_t<adapter<U>, adapter_starts_pipeline<U>, not_a_model<W, U>>;
};
template <class U>
struct non_model_diagnostic<U, true> {
  using in = typename U::input_type;
  using out = typename U::output_type;
  static constexpr bool eigen = (!tensor<in> && names_start_with<in>("Eigen::")) || (!tensor<out> && names_start_with<out>("Eigen::"));
  static constexpr bool xtensor = (!tensor<in> && names_start_with<in>("xt::")) || (!tensor<out> && names_start_with<out>("xt::"));
  template <class W>
  using type = std::conditional_t<eigen, eigen_header_missing<W, U>,
                                  std::conditional_t<xtensor, xtensor_header_missing<W, U>, not_a_model<W, U>>>;
};

/// The diagnostic for stage M at Where that is not a model (names a missing backend header when
/// its types come from a backend weft was not told about).
template <class Where, class M>
using not_model_diagnostic = typename non_model_diagnostic<unwrap_t<M>>::template type<Where>;

/// First index in S... that is not a model (sizeof...(S) when all are).
template <class... S>
constexpr std::size_t first_non_model() noexcept {
  constexpr bool is_model[] = {(model<S> && !is_broken_v<S>)...};
  std::size_t i = 0;
  while (i < sizeof...(S) && is_model[i]) ++i;
  return i;
}

template <int Case, template <std::size_t> class Where, class In, std::size_t I, class... B>
struct branch_diagnostic_select {
  using type = no_diagnostic;
};
template <template <std::size_t> class Where, class In, std::size_t I, class... B>
struct branch_diagnostic_select<1, Where, In, I, B...> {
  using type = not_model_diagnostic<Where<I>, nth_t<I, B...>>;
};
template <template <std::size_t> class Where, class In, std::size_t I, class... B>
struct branch_diagnostic_select<2, Where, In, I, B...> {
  using type = connection_diagnostic<Where<I>, In, input_t<nth_t<I, B...>>>;
};

/// The judgement of branches B... that all receive one In (fan_out, ensemble, fallback): each must be
/// a model whose input_type In connects to. `diagnostic` is the one diagnostic for the first mistake
/// (no_diagnostic when ok); instantiate it in the combinator's constructor.
template <template <std::size_t> class Where, class In, class... B>
struct branch_judgement {
  static constexpr std::size_t n = sizeof...(B);
  static constexpr bool any_broken = (is_broken_v<B> || ...);
  static constexpr std::size_t bad_model = first_non_model<B...>();
  static constexpr std::size_t bad_link = [] {
    if constexpr (bad_model < n) {
      return n;
    } else {
      constexpr bool connects[] = {connects_v<In, input_t<B>>...};
      std::size_t i = 0;
      while (i < n && connects[i]) ++i;
      return i;
    }
  }();
  static constexpr bool ok = !any_broken && bad_model == n && bad_link == n;
  using diagnostic = typename branch_diagnostic_select<any_broken ? 0 : bad_model < n ? 1 : bad_link < n ? 2 : 0, Where,
                                                       In, (bad_model < n ? bad_model : bad_link), B...>::type;
};

/// Throws, in place of the weft::error e being handled, a new error one segment longer (e's
/// with_outer): e itself is never changed, since another call or thread may hold it (a model that
/// rethrows a stored exception_ptr; par branches). Rethrows e unchanged when its type did not opt in
/// (weft::error_base) or the copy cannot be made. Must be called from the handler that caught e.
/// Out of line and cold: it runs only when a stage fails, and keeps the handler that invoke_stage
/// leaves in every caller to one call (a smaller caller leaves the compiler's inlining budget to the
/// user's stages).
[[noreturn, gnu::cold, gnu::noinline]] inline void rethrow_with_segment(const error& e, std::string_view combinator,
                                                                        std::size_t index, std::string_view name) {
  std::exception_ptr longer;
  try {
    longer = e.with_outer(segment(combinator, index, name));
  } catch (...) {
    longer = nullptr;  // no memory for the longer path: the error itself is what matters
  }
  if (longer) std::rethrow_exception(longer);
  throw;
}

// invoke_stage's work inside an observing context's report of the stage: the bridge, the entry
// check, the call (handing ctx on: call_model) and the error's segment.
template <class Stored, class X, class Ctx>
WEFT_INLINE output_t<Stored> call_bridged(const Stored& stored, X& x, std::string_view combinator, std::size_t index,
                                          const Ctx& ctx) {
  const auto& m = unwrap(stored);
  try {
    const bridge<X, input_t<Stored>> arg(x);
    check_entry(m, arg.get());  // a stage that declares input_shape(): its extents, on every call
    return call_model(m, arg.get(), ctx);
  } catch (const error& e) {
    rethrow_with_segment(e, combinator, index, model_traits<Stored>::given_name(m));
  }
}

/// Calls stored stage `stored` on x through the bridge to its input_type; see the header comment.
/// Without an observing context it is, to the instruction, what it was before contexts (its body
/// is call_bridged's, written out: one function fewer for the inliner's size estimates, which
/// decide whether the user's stages inline: docs/performance.md).
template <class Stored, class X, class Ctx = no_context>
WEFT_INLINE output_t<Stored> invoke_stage(const Stored& stored, X& x, std::string_view combinator, std::size_t index,
                                          const Ctx& ctx = Ctx{}) {
  const auto& m = unwrap(stored);
  if constexpr (Ctx::observing) {
    return ctx.template observe_stage<unwrap_t<Stored>>(
        combinator, index, model_traits<Stored>::given_name(m),
        [&](const auto& child) -> output_t<Stored> { return call_bridged(stored, x, combinator, index, child); });
  } else {
    try {
      const bridge<X, input_t<Stored>> arg(x);
      check_entry(m, arg.get());  // a stage that declares input_shape(): its extents, on every call
      return m(arg.get());
    } catch (const error& e) {
      rethrow_with_segment(e, combinator, index, model_traits<Stored>::given_name(m));
    }
  }
}

/// The branches' input types (a std::tuple) of a stage that bridges a value to each of its branches
/// itself (a well-formed fan_out: its branch_inputs); void for any other stage.
template <class M, class = void>
struct branch_inputs_of {
  using type = void;
};
template <class M>
struct branch_inputs_of<M, std::void_t<typename unwrap_t<M>::branch_inputs>> {
  using type = typename unwrap_t<M>::branch_inputs;
};

template <class From, class Inputs>
struct first_unreached {
  using type = void;
  static constexpr bool all = false;
};
template <class From, class... In>
struct first_unreached<From, std::tuple<In...>> {
  static constexpr std::size_t index = [] {
    constexpr bool ok[] = {connects_v<const From, In>...};
    std::size_t i = 0;
    while (i + 1 < sizeof...(In) && ok[i]) ++i;
    return i;
  }();
  static constexpr bool all = (connects_v<const From, In> && ...);
  using type = nth_t<index, In...>;
};

/// The input type a From meets at stage M: M's input_type, or, for a stage that bridges to each
/// branch itself, the first branch input From does not reach (the last branch's when it reaches
/// every one). A link is judged as From -> meets_t<From, M>.
template <class From, class M, class Inputs = typename branch_inputs_of<M>::type>
struct meets {
  using type = typename io_or_none<M>::input_type;
};
template <class From, class M, class... In>
struct meets<From, M, std::tuple<In...>> {
  using type = typename first_unreached<std::remove_cvref_t<From>, std::tuple<In...>>::type;
};
template <class From, class M>
using meets_t = typename meets<From, M>::type;

/// A value of type X goes to stage M's branches directly (M bridges it to each branch itself).
template <class X, class M>
inline constexpr bool hands_to_branches_v =
    first_unreached<std::remove_cvref_t<X>, typename branch_inputs_of<M>::type>::all;

/// The first implicit copy when a value of type From reaches model M at Where: the bridge into M's
/// input_type, then inside M. A stage that bridges to each branch itself specialises it.
template <class M, class Where, class From>
struct implicit_copy_from {
  using type = typename first_non_void<copy_link_t<Where, From, input_t<M>>, typename implicit_copy<M>::type>::type;
};

// invoke_stage_owned's work inside an observing context's report of the stage.
template <class Stored, class X, class Ctx>
WEFT_INLINE owned_t<output_t<Stored>> call_bridged_owned(const Stored& stored, X& x, std::string_view combinator,
                                                         std::size_t index, const Ctx& ctx) {
  const auto& m = unwrap(stored);
  try {
    if constexpr (hands_to_branches_v<X, Stored>) {
      return m.run_direct(x, ctx);
    } else {
      const bridge<X, input_t<Stored>> arg(x);
      check_entry(m, arg.get());  // a stage that declares input_shape(): its extents, on every call
      if constexpr (!materialised_v<output_t<Stored>>) {
        return call_model(m, arg.get(), ctx);
      } else {
        const output_t<Stored> view = call_model(m, arg.get(), ctx);
        return materialise(view);
      }
    }
  } catch (const error& e) {
    rethrow_with_segment(e, combinator, index, model_traits<Stored>::given_name(m));
  }
}

/// invoke_stage, then a view output copied into its owning type while the stage's input (and its
/// bridge) still lives: returns owned_t<output_t<Stored>>. An owning output is returned as it is.
/// A stage that bridges to each branch itself (fan_out) receives x as it is (its run_direct).
/// Without an observing context it is, to the instruction, what it was before contexts.
template <class Stored, class X, class Ctx = no_context>
WEFT_INLINE owned_t<output_t<Stored>> invoke_stage_owned(const Stored& stored, X& x, std::string_view combinator,
                                                         std::size_t index, const Ctx& ctx = Ctx{}) {
  if constexpr (Ctx::observing) {
    return ctx.template observe_stage<unwrap_t<Stored>>(
        combinator, index, model_traits<Stored>::given_name(unwrap(stored)),
        [&](const auto& child) -> owned_t<output_t<Stored>> {
          return call_bridged_owned(stored, x, combinator, index, child);
        });
  } else if constexpr (hands_to_branches_v<X, Stored>) {
    const auto& m = unwrap(stored);
    try {
      return m.run_direct(x);
    } catch (const error& e) {
      rethrow_with_segment(e, combinator, index, model_traits<Stored>::given_name(m));
    }
  } else if constexpr (!materialised_v<output_t<Stored>>) {
    return invoke_stage(stored, x, combinator, index);
  } else {
    const auto& m = unwrap(stored);
    try {
      const bridge<X, input_t<Stored>> arg(x);
      check_entry(m, arg.get());  // a stage that declares input_shape(): its extents, on every call
      const output_t<Stored> view = m(arg.get());
      return materialise(view);
    } catch (const error& e) {
      rethrow_with_segment(e, combinator, index, model_traits<Stored>::given_name(m));
    }
  }
}

/// A combinator: stores its stages or branches and exposes them as stored<I>().
template <class C>
concept combinator = requires(C& c) { c.template stored<0>(); };

}  // namespace detail

/// Stage or branch I of a combinator, unwrapped (to read or change its weights). c may be a wrapper
/// of one (weft::named(...)): get sees through it. Costs nothing; never throws.
template <std::size_t I, class C>
  requires detail::combinator<detail::see_through_t<C>>
constexpr auto& get(C& c) noexcept {
  return detail::unwrap(detail::see_through(c).template stored<I>());
}
template <std::size_t I, class C>
  requires detail::combinator<detail::see_through_t<C>>
constexpr const auto& get(const C& c) noexcept {
  return detail::unwrap(detail::see_through(c).template stored<I>());
}

}  // namespace weft

#endif  // WEFT_DETAIL_COMBINATOR_HPP
