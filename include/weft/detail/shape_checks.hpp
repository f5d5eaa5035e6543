// SPDX-License-Identifier: BSL-1.0
// weft/detail/shape_checks.hpp - internal: the run-time extents models declare, and their checks.
//
// Contract: a stage's known input (output) shape is what it declares with input_shape()
// (output_shape()), its dyn extents filled in from its input_type's (output_type's) static ones;
// without a declaration, its type's static extents (nothing when the rank is dynamic too).
// check_connection throws weft::shape_error at "<combinator>[index]" when two known shapes cannot
// describe one tensor; combinators call it from their constructors, only for connections where a
// side declares (so a pipeline that declares nothing emits no check). check_entry(m, v) throws
// shape_error unless v's extents fit what m declares; invoke_stage calls it for every stage that
// declares input_shape() and does not check its own entry (combinators and weft::shaped do).
// Nothing here allocates on the success path.
#ifndef WEFT_DETAIL_SHAPE_CHECKS_HPP
#define WEFT_DETAIL_SHAPE_CHECKS_HPP

#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>

#include "../adapters.hpp"
#include "../errors.hpp"
#include "../model.hpp"
#include "../shape.hpp"
#include "../tensor.hpp"
#include "config.hpp"
#include "stages.hpp"

namespace weft::detail {

/// Stage M (std::reference_wrapper unwrapped) declares input_shape() / output_shape() as a shape.
template <class M> inline constexpr bool input_declared = declares_input_shape<unwrap_t<M>>;
template <class M> inline constexpr bool output_declared = declares_output_shape<unwrap_t<M>>;

/// M checks its own argument against what it declares when called (weft's combinators, shaped):
/// invoke_stage leaves it to M.
template <class M> inline constexpr bool checks_own_entry = requires { unwrap_t<M>::combinator_name; };
template <class M> inline constexpr bool checks_own_entry<named_model<M>> = checks_own_entry<M>;

/// An adapter stage whose output has its input's static extents (softmax, normalize, cast,
/// identity, check_finite): the shape that reaches it leaves it unchanged.
template <class M> inline constexpr bool passes_shape_through = false;
template <class A, class In>
  requires(tensor<In> && tensor<typename adapter_stage<A, In>::output_type>)
inline constexpr bool passes_shape_through<adapter_stage<A, In>> =
    has_static_rank<In> && has_static_rank<typename adapter_stage<A, In>::output_type> &&
    static_shape<In>() == static_shape<typename adapter_stage<A, In>::output_type>();

/// Declared shape d, its dyn extents filled in from T's static ones (when the ranks agree).
template <class T>
constexpr shape with_static_extents(shape d) noexcept {
  if constexpr (tensor<T>) {
    if constexpr (has_static_rank<T>) {
      constexpr shape st = static_shape<T>();
      if (d.rank() == st.rank())
        for (std::size_t i = 0; i < d.rank(); ++i)
          if (d[i] == dyn) d[i] = st[i];
    }
  }
  return d;
}

/// T is a tensor whose rank is known at compile time.
template <class T>
inline constexpr bool static_known_rank = [] {
  if constexpr (tensor<T>) return has_static_rank<T>;
  else return false;
}();

/// What is known at run time of a T from its type alone (nothing for a dynamic rank).
template <class T>
constexpr std::optional<shape> static_known() noexcept {
  if constexpr (tensor<T>) {
    if constexpr (has_static_rank<T>) return static_shape<T>();
    else return std::nullopt;
  } else {
    return std::nullopt;
  }
}

/// The known input shape of stored stage s (see the header comment).
template <class S>
std::optional<shape> known_input(const S& s) {
  if constexpr (input_declared<S>) return with_static_extents<input_t<S>>(unwrap(s).input_shape());
  else return static_known<input_t<S>>();
}

/// The known output shape of stored stage s (see the header comment).
template <class S>
std::optional<shape> known_output(const S& s) {
  if constexpr (output_declared<S>) return with_static_extents<output_t<S>>(unwrap(s).output_shape());
  else return static_known<output_t<S>>();
}

/// Both shapes known and incompatible: throws shape_error at "<combinator>[index]" (with the stage's
/// given name). Expected is the receiving side's spec (scalar of E), actual the arriving one's (A).
template <class E, class A>
[[noreturn, gnu::cold, gnu::noinline]] void throw_declared_mismatch(const shape& expected, const shape& actual,
                                                                    std::string_view combinator, std::size_t index,
                                                                    std::string_view name) {
  shape_error e(spec_name<E>(expected), spec_name<A>(actual));
  e.add_outer(segment(combinator, index, name));
  throw e;
}

template <class E, class A>
void check_connection(const std::optional<shape>& expected, const std::optional<shape>& actual,
                      std::string_view combinator, std::size_t index, std::string_view name) {
  if (expected && actual && !compatible(*expected, *actual))
    throw_declared_mismatch<E, A>(*expected, *actual, combinator, index, name);
}

/// Expected shape (merged) e with what another side knows, k: each dyn of e filled from k.
inline std::optional<shape> merge_known(std::optional<shape> e, const std::optional<shape>& k) {
  if (!e) return k;
  if (k && e->rank() == k->rank())
    for (std::size_t i = 0; i < e->rank(); ++i)
      if ((*e)[i] == dyn) (*e)[i] = (*k)[i];
  return e;
}

/// v's extents do not fit what m declares: shape_error (its path is added by the caller).
template <class M, class V>
[[noreturn, gnu::cold, gnu::noinline]] void throw_entry_mismatch(const M& m, const V& v) {
  throw shape_error(spec_name<V>(m.input_shape()), spec_name<V>(tensor_traits<V>::extents_of(v)));
}

/// Throws shape_error unless v fits the input_shape() model m declares. Only for a model that
/// declares one; inlined: a rank and extent comparison.
template <class M, class V>
WEFT_INLINE void check_declared_entry(const M& m, const V& v) {
  if (!m.input_shape().admits(tensor_traits<V>::extents_of(v))) throw_entry_mismatch(m, v);
}

/// invoke_stage's check of stage m's entry: see the header comment. No code for a stage that
/// declares nothing.
template <class M, class V>
WEFT_INLINE void check_entry(const M& m, const V& v) {
  if constexpr (declares_input_shape<M> && !checks_own_entry<M> && tensor<V>) check_declared_entry(m, v);
}

// ---------------------------------------------------------------------------------------------
// Branch combinators (fan_out, ensemble, fallback): C is the combinator, B... its branches, In its
// input_type; c.template stored<I>() is branch I.
// ---------------------------------------------------------------------------------------------

template <class... B> inline constexpr bool any_input_declared = (input_declared<B> || ...);
template <class... B> inline constexpr bool any_output_declared = (output_declared<B> || ...);

template <class S>
std::string_view given_name_of(const S& stored) noexcept {
  return model_traits<S>::given_name(unwrap(stored));
}

/// What every branch's known input says of the one input (the first known value wins each extent).
template <class In, class... B, class C>
std::optional<shape> merged_branch_input(const C& c) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    std::optional<shape> merged = static_known<In>();
    ((merged = merge_known(merged, known_input(c.template stored<I>()))), ...);
    return merged;
  }(std::index_sequence_for<B...>{});
}

/// What the branches' known outputs say of one answer (branch 0's first; the first known value wins
/// each extent): an ensemble's or a fallback's output_shape().
template <class... B, class C>
std::optional<shape> merged_branch_output(const C& c) {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    std::optional<shape> merged;
    ((merged = merge_known(merged, known_output(c.template stored<I>()))), ...);
    return merged;
  }(std::index_sequence_for<B...>{});
}

/// Constructor check: every branch's known input agrees with the ones before it (and In's).
template <class In, class... B, class C>
void check_branch_inputs(const C& c) {
  if constexpr (any_input_declared<B...>) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      std::optional<shape> merged = static_known<In>();
      (([&] {
         const auto& s = c.template stored<I>();
         const std::optional<shape> k = known_input(s);
         check_connection<input_t<nth_t<I, B...>>, In>(k, merged, C::combinator_name, I, given_name_of(s));
         merged = merge_known(merged, k);
       }()),
       ...);
    }(std::index_sequence_for<B...>{});
  }
}

/// Constructor check (ensemble, fallback): every branch's known output agrees with the first's.
template <class... B, class C>
void check_branch_outputs(const C& c) {
  if constexpr (any_output_declared<B...>) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      using first = nth_t<0, B...>;
      const std::optional<shape> expected = known_output(c.template stored<0>());
      (([&] {
         if constexpr (I > 0) {
           const auto& s = c.template stored<I>();
           check_connection<output_t<first>, output_t<nth_t<I, B...>>>(expected, known_output(s), C::combinator_name, I,
                                                                       given_name_of(s));
         }
       }()),
       ...);
    }(std::index_sequence_for<B...>{});
  }
}

template <class M, class X>
[[noreturn, gnu::cold, gnu::noinline]] void throw_branch_entry_mismatch(const M& m, const X& x, std::string_view combinator,
                                                                        std::size_t index, std::string_view name) {
  shape_error e(spec_name<X>(m.input_shape()), spec_name<X>(tensor_traits<X>::extents_of(x)));
  e.add_outer(segment(combinator, index, name));
  throw e;
}

/// Each call, before any branch runs: x fits every branch that declares its input_shape() (the
/// first that does not is named: "ensemble[I]").
template <class... B, class C, class X>
WEFT_INLINE void check_branch_entries(const C& c, const X& x) {
  if constexpr (any_input_declared<B...> && tensor<X>) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (([&] {
         if constexpr (input_declared<nth_t<I, B...>>) {
           const auto& s = c.template stored<I>();
           const auto& m = unwrap(s);
           if (!m.input_shape().admits(tensor_traits<X>::extents_of(x)))
             throw_branch_entry_mismatch(m, x, C::combinator_name, I, given_name_of(s));
         }
       }()),
       ...);
    }(std::index_sequence_for<B...>{});
  }
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_SHAPE_CHECKS_HPP
