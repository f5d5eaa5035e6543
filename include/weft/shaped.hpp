// SPDX-License-Identifier: BSL-1.0
// weft/shaped.hpp - weft::shaped: declares the run-time shapes of a model that cannot declare them.
//
// Contract:
//   weft::shaped(m, in, out) returns weft::shaped_model<M>: the same model as m (same input_type and
//   output_type; calling it calls m), which also declares input_shape() == in and output_shape() ==
//   out, as a model of your own may by defining those const members. Use it for a weft::fn lambda
//   or a type from another library: weft::shaped(weft::fn(f), weft::shape{13}, weft::shape{3}).
//   in must fit m's input_type and out its output_type (same rank; a static extent may only meet
//   itself or dyn), else weft::shape_error from weft::shaped. Combinators built over it check their
//   connections against these shapes (see docs/shapes.md).
//   Calling it checks the argument against `in` first (weft::shape_error "expected f32[13], got
//   f32[12]"; inside a combinator the error gains the stage's path), then calls m; m's exceptions
//   pass unchanged. m is stored by value (moved from an rvalue; std::ref(m) borrows). Calls are
//   const and thread-safe when m's are. Cost: one extent comparison per call.
//   When m has call_batch (weft/batch.hpp), so has the shaped model: the batch is checked against
//   the batch of `in` (any sample count), then m.call_batch runs; a shaped batch-native model is
//   batch-native.
//   Layout: the members are model, in, out (a see-through wrapper, like weft::named_model).
#ifndef WEFT_SHAPED_HPP
#define WEFT_SHAPED_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <string>
#include <type_traits>
#include <utility>

#include "batched.hpp"  // detail::batch_dims
#include "detail/call_context.hpp"
#include "detail/config.hpp"
#include "detail/entry.hpp"
#include "detail/shape_checks.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "shape.hpp"
#include "strict.hpp"
#include "tensor.hpp"

namespace weft {

/// Model M with declared run-time shapes; built by weft::shaped. See the header comment.
template <model M>
struct shaped_model {
  using input_type = input_t<M>;
  using output_type = output_t<M>;
  /// The wrapped model as stored (weft/detail/wrapper.hpp: get, answered, describe, to_dot and
  /// strict see through a shaped model).
  using wrapped_type = M;
  [[no_unique_address]] M model;
  shape in;
  shape out;

  /// The wrapped model as stored.
  constexpr M& inner() noexcept { return model; }
  constexpr const M& inner() const noexcept { return model; }

  /// The declared input shape.
  shape input_shape() const noexcept { return in; }
  /// The declared output shape.
  shape output_shape() const noexcept { return out; }

  /// Checks x against the declared input shape (shape_error), then calls the model.
  WEFT_INLINE output_type operator()(const input_type& x) const {
    return around(x, [this](const input_type& y) -> output_type { return detail::unwrap(model)(y); });
  }

  /// operator()(x) handing per-call context ctx on to the wrapped model (detail/call_context.hpp).
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    return around(x, [&](const input_type& y) -> output_type { return detail::call_model(detail::unwrap(model), y, ctx); });
  }

  /// The wrapper's own work around its model's call (weft/detail/wrapper.hpp): the entry check, then
  /// call(x). weft::answered uses it, so a shaped fallback still checks its entry.
  template <class F>
  WEFT_INLINE decltype(auto) around(const input_type& x, F&& call) const {
    if constexpr (tensor<input_type>) {
      if (!in.admits(tensor_traits<input_type>::extents_of(x))) detail::throw_entry_mismatch(*this, x);
    }
    return std::forward<F>(call)(x);
  }

  /// The wrapped model's call_batch (weft/batch.hpp), when it has one: checks the batch against the
  /// batch of the declared input shape (any sample count; shape_error naming both batch specs), then
  /// calls it. A shaped batch-native model is batch-native.
  template <class Batch>
    requires requires(const detail::unwrap_t<M>& m, const Batch& b) { m.call_batch(b); }
  WEFT_INLINE decltype(auto) call_batch(const Batch& b) const {
    if constexpr (tensor<Batch>) {
      const shape want = detail::batch_dims<Batch>(dyn, in);
      const shape got = tensor_traits<Batch>::extents_of(b);
      if (!want.admits(got)) [[unlikely]]
        throw shape_error(spec_name<Batch>(want), spec_name<Batch>(got));
    }
    return detail::unwrap(model).call_batch(b);
  }

  /// Another tensor type or an expression, judged and bridged (checked) first: see weft/detail/entry.hpp.
  template <class X>
    requires detail::foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }
};

namespace detail {

/// shaped_model checks its own entry when called: invoke_stage leaves it to it.
template <class M>
inline constexpr bool checks_own_entry<shaped_model<M>> = true;

/// A declared shape that T's static extents rule out (another rank, or another static extent).
template <class T>
void check_declared_fits(const shape& declared, std::string_view which) {
  if (const std::optional<shape> st = static_known<T>(); st && !compatible(*st, declared))
    throw shape_error(spec_name<T>(*st), spec_name<T>(declared) + " (declared " + std::string(which) + ")");
}

}  // namespace detail

/// Declares m's run-time input and output shapes: see the header comment. Throws shape_error when a
/// shape cannot fit m's input_type or output_type.
template <class M>
  requires model<std::decay_t<M>> && tensor<output_t<std::decay_t<M>>>
shaped_model<std::decay_t<M>> shaped(M&& m, shape in, shape out) {
  using model_type = std::decay_t<M>;
  detail::check_declared_fits<input_t<model_type>>(in, "input_shape");
  detail::check_declared_fits<output_t<model_type>>(out, "output_shape");
  return {std::forward<M>(m), in, out};
}

}  // namespace weft

#endif  // WEFT_SHAPED_HPP
