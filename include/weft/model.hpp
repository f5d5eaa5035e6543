// SPDX-License-Identifier: BSL-1.0
// weft/model.hpp - the model concept, model_traits, fn() and named().
//
// Contract:
//   A weft::model is a type M with member types input_type (a weft::tensor) and output_type (a
//   tensor, a std::optional of one for a model that may decline, or a std::tuple of tensors), whose
//   const call operator takes const input_type& and returns something convertible to output_type.
//   std::reference_wrapper<M> is a model when M is one (a combinator given std::ref(m) borrows m).
//   Calling a model is const: one model value may be called from many threads at once, and a
//   failed call changes no model's state.
//   weft::model_traits<M> gives input_type, output_type and name(m): a `name` member if present,
//   else the name given with weft::named, else a readable default (the type's name).
//   weft::named(name, m) gives m a run-time name (copied, cut at the first NUL); the result is a
//   wrapper that get, answered, describe, to_dot and strict see through; it forwards call_batch, so
//   a named batch-native model is batch-native (weft/batch.hpp).
//   weft::fn<In, Out>(f) makes a model of any callable; weft::fn(&function) and weft::fn(lambda)
//   deduce In and Out from a non-generic signature. Empty callables take no space. weft::fn of a
//   generic (auto) lambda or an overloaded callable fails to compile at the call, asking for
//   weft::fn<In, Out>(f).
//   A model may also declare its run-time shapes: const members input_shape() / output_shape()
//   returning weft::shape (docs/shapes.md); weft::named passes them through. fn_model and named_model,
//   like every combinator, take another tensor type or an expression too, judged and bridged
//   (checked) first (weft/detail/entry.hpp).
#ifndef WEFT_MODEL_HPP
#define WEFT_MODEL_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "detail/call_context.hpp"
#include "detail/config.hpp"
#include "detail/entry.hpp"
#include "detail/type_name.hpp"
#include "detail/wrapper.hpp"
#include "tensor.hpp"

namespace weft {
namespace detail {

/// Placeholder a failed `|` returns after its one diagnostic, so that later `|` stay silent.
/// Its call operator is declared and never defined: a program holding one never compiled.
template <class In, class Out>
struct broken_pipeline {
  using input_type = In;
  using output_type = Out;
  output_type operator()(const input_type&) const;
};
template <class T> struct is_broken : std::false_type {};
template <class In, class Out> struct is_broken<broken_pipeline<In, Out>> : std::true_type {};
template <class T> inline constexpr bool is_broken_v = is_broken<std::remove_cvref_t<T>>::value;

/// Stand-in type for the input or output of something that is not a model.
struct unknown_type {};

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_tuple : std::false_type {};
template <class... T> struct is_tuple<std::tuple<T...>> : std::true_type {};

template <class T> struct output_shape { static constexpr bool ok = tensor<T>; };
template <class T> struct output_shape<std::optional<T>> { static constexpr bool ok = tensor<T>; };
template <class... T> struct output_shape<std::tuple<T...>> { static constexpr bool ok = (tensor<T> && ...); };

/// Has input_type and output_type member types (a model, or an attempt at one).
template <class M>
concept model_like = requires {
  typename unwrap_t<M>::input_type;
  typename unwrap_t<M>::output_type;
};

/// True for a stage bound to exactly the value on its left, whose input_type may then be what a
/// combinator returns rather than a tensor (weft::adapter_stage: concat over a fan_out's std::tuple).
template <class M>
inline constexpr bool bound_stage = false;

template <class M>
concept has_name_member = requires(const M& m) {
  { m.name } -> std::convertible_to<std::string_view>;
};

}  // namespace detail

/// What a model may return: a tensor, a std::optional of one, or a std::tuple of tensors.
template <class T>
concept model_output = detail::output_shape<std::remove_cvref_t<T>>::ok;

/// A callable with a declared tensor input_type and output_type; see the header comment.
template <class M>
concept model = detail::model_like<M> &&
                (tensor<typename detail::unwrap_t<M>::input_type> || detail::bound_stage<detail::unwrap_t<M>>) &&
                model_output<typename detail::unwrap_t<M>::output_type> &&
                std::is_invocable_v<const detail::unwrap_t<M>&, const typename detail::unwrap_t<M>::input_type&> &&
                std::is_convertible_v<std::invoke_result_t<const detail::unwrap_t<M>&,
                                                           const typename detail::unwrap_t<M>::input_type&>,
                                      typename detail::unwrap_t<M>::output_type>;

/// Input type, output type and name of model M (std::reference_wrapper unwrapped).
template <model M>
struct model_traits {
  using model_type = detail::unwrap_t<M>;
  using input_type = typename model_type::input_type;
  using output_type = typename model_type::output_type;

  /// The name given by a `name` member or weft::named (a wrapper without one: its inner model's);
  /// empty when none was given. A view into m.
  static constexpr std::string_view given_name(const model_type& m) noexcept {
    if constexpr (detail::has_name_member<model_type>) return std::string_view(m.name);
    else if constexpr (detail::wrapper<model_type>)
      return model_traits<typename model_type::wrapped_type>::given_name(detail::unwrap(m.inner()));
    else return {};
  }
  /// The given name, else a readable default (the type's name).
  static constexpr std::string_view name(const model_type& m) noexcept {
    const auto given = given_name(m);
    return given.empty() ? detail::type_name<model_type>() : given;
  }
};

/// Input type of model M.
template <model M> using input_t = typename model_traits<M>::input_type;
/// Output type of model M.
template <model M> using output_t = typename model_traits<M>::output_type;

/// A callable F turned into a model taking In and returning Out. Built by weft::fn.
template <tensor In, model_output Out, class F>
struct fn_model {
  using input_type = In;
  using output_type = Out;
  [[no_unique_address]] F function;
  /// Calls the callable; its exceptions pass through unchanged.
  WEFT_INLINE Out operator()(const In& x) const { return function(x); }
  /// Another tensor type or an expression, judged and bridged first (weft/detail/entry.hpp).
  template <class X>
    requires detail::foreign_argument<X, In>
  WEFT_INLINE Out operator()(const X& x, detail::entry_diagnostic<X, In> = {}) const {
    return detail::enter(*this, x);
  }
};

/// Turns callable f into a model with input In and output Out. f must be callable as f(const In&)
/// returning something convertible to Out; it is stored by value (std::ref(f) to borrow).
template <tensor In, model_output Out, class F>
  requires std::is_invocable_v<const std::decay_t<F>&, const In&>
constexpr fn_model<In, Out, std::decay_t<F>> fn(F&& f) {
  return {std::forward<F>(f)};
}

namespace detail {
template <class Sig> struct signature_of;
template <class R, class A> struct signature_of<R (*)(A)> { using in = std::remove_cvref_t<A>; using out = R; };
template <class R, class A> struct signature_of<R (*)(A) noexcept> : signature_of<R (*)(A)> {};
template <class C, class R, class A> struct signature_of<R (C::*)(A) const> : signature_of<R (*)(A)> {};
template <class C, class R, class A> struct signature_of<R (C::*)(A) const noexcept> : signature_of<R (*)(A)> {};
template <class F, class = void> struct callable_signature {};
template <class F>
struct callable_signature<F, std::void_t<decltype(&F::operator())>> : signature_of<decltype(&F::operator())> {};
}  // namespace detail

/// A model from a plain function `Out f(const In&)` (or taking In by value): types deduced.
template <class R, class A>
  requires tensor<std::remove_cvref_t<A>> && model_output<R>
constexpr fn_model<std::remove_cvref_t<A>, R, R (*)(A)> fn(R (*f)(A)) {
  return {f};
}

/// A model from a non-generic lambda or function object: types deduced from its call operator.
template <class F, class Sig = detail::callable_signature<std::decay_t<F>>>
  requires tensor<typename Sig::in> && model_output<typename Sig::out>
constexpr fn_model<typename Sig::in, typename Sig::out, std::decay_t<F>> fn(F&& f) {
  return {std::forward<F>(f)};
}

namespace detail {
/// F is a class whose call operator is a template or overloaded (a generic `auto` lambda): fn cannot
/// read In and Out from it.
template <class F>
concept undeducible_callable = std::is_class_v<F> && !requires { &F::operator(); };
}  // namespace detail

/// Diagnoses weft::fn(f) of a generic (`auto`) lambda or an overloaded callable: one `weft:` error at
/// the call, naming the remedy weft::fn<In, Out>(f); yields a placeholder that later `|` accept silently.
template <class F>
  requires detail::undeducible_callable<std::decay_t<F>>
detail::broken_pipeline<detail::unknown_type, detail::unknown_type> fn(
    F&&, detail::fn_cannot_deduce_types<std::decay_t<F>> = {}) {
  return {};
}

/// Model M with a run-time name, shown in error paths ("sequence[1] \"fold\"") and descriptions. A
/// wrapper (weft/detail/wrapper.hpp): get, answered, describe, to_dot and strict see through it to M.
/// Holds its own copy of the name (copying it may allocate: std::string); calls M unchanged.
template <model M>
struct named_model {
  using input_type = input_t<M>;
  using output_type = output_t<M>;
  /// The model as stored (a std::reference_wrapper when given as std::ref).
  using wrapped_type = M;
  /// The name, owned; no NUL inside.
  std::string name;
  [[no_unique_address]] M model;
  /// Calls the wrapped model unchanged.
  WEFT_INLINE output_type operator()(const input_type& x) const { return detail::unwrap(model)(x); }
  /// operator()(x) handing per-call context ctx on to the wrapped model (detail/call_context.hpp).
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    return detail::call_model(detail::unwrap(model), x, ctx);
  }
  /// The wrapped model as stored.
  constexpr M& inner() noexcept { return model; }
  constexpr const M& inner() const noexcept { return model; }
  /// Another tensor type or an expression, judged and bridged first (weft/detail/entry.hpp).
  template <class X>
    requires detail::foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }
  /// The wrapped model's call_batch (weft/batch.hpp), when it has one: a named batch-native model is
  /// batch-native, and weft::batched or a sequence of it runs one call_batch, not one call per sample.
  template <class Batch>
    requires requires(const detail::unwrap_t<M>& m, const Batch& b) { m.call_batch(b); }
  WEFT_INLINE decltype(auto) call_batch(const Batch& b) const {
    return detail::unwrap(model).call_batch(b);
  }
  /// The wrapped model's declared shapes, when it declares them.
  shape input_shape() const requires detail::declares_input_shape<detail::unwrap_t<M>> { return detail::unwrap(model).input_shape(); }
  auto output_shape() const requires requires(const detail::unwrap_t<M>& m) { m.output_shape(); } {
    return detail::unwrap(model).output_shape();
  }
};

namespace detail {
/// s up to its first NUL (all of s when it has none).
constexpr std::string_view before_nul(std::string_view s) noexcept { return s.substr(0, s.find('\0')); }
}  // namespace detail

/// Gives model m a name: named("encoder", m). The name is copied, cut at its first NUL (a char
/// buffer's unused tail is dropped; a buffer without NUL is taken whole, never read past), so any
/// array may die after the call. Returns named_model<decayed M> holding m (moved from an rvalue).
template <std::size_t N, class M>
  requires model<std::decay_t<M>>
named_model<std::decay_t<M>> named(const char (&name)[N], M&& m) {
  return {std::string(detail::before_nul(std::string_view(name, N))), std::forward<M>(m)};
}

/// Gives model m a name held in a string (std::string, std::string_view, const char*): copied, cut
/// at its first NUL; see named(const char (&)[N], m).
template <class M>
  requires model<std::decay_t<M>>
named_model<std::decay_t<M>> named(std::string_view name, M&& m) {
  return {std::string(detail::before_nul(name)), std::forward<M>(m)};
}

}  // namespace weft

#endif  // WEFT_MODEL_HPP
