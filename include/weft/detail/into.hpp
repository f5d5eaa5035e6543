// SPDX-License-Identifier: BSL-1.0
// weft/detail/into.hpp - internal: a stage that writes its answer into a buffer it is given.
//
// Contract: writes_into<M> is true when a call of model M can write into an output it does not own:
//   - M offers the into protocol: `void call_into(const input_type& x, output_type& out) const`
//     (weft::into_model, weft/workspace.hpp), or
//   - M is an adapter stage weft writes in place: softmax and normalize of a rank-1 tensor, cast<T>,
//     check_finite and identity of a contiguous tensor (the output's layout the input's), concat of
//     rank-1 parts (a fan_out's answers).
// write_into(m, x, out) makes that call. `out` may hold any extents on entry (empty on a first call,
// the previous call's after): the adapters set out's extents first (an allocation only when they
// change) and then every element, reading nothing of out; the answers are the plain calls' to the
// last bit. A throw may leave out's elements unspecified (never its type's invariants).
// Costs: no allocation when out already has the answer's extents; no virtual call.
#ifndef WEFT_DETAIL_INTO_HPP
#define WEFT_DETAIL_INTO_HPP

#include <cmath>
#include <concepts>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../adapters.hpp"
#include "../model.hpp"
#include "../shape.hpp"
#include "../tensor.hpp"
#include "config.hpp"
#include "numeric.hpp"

namespace weft::detail {

/// M offers the into protocol: m.call_into(x, out) with x its input_type and out its output_type.
template <class M>
concept has_call_into = requires(const M& m, const typename M::input_type& x, typename M::output_type& out) {
  { m.call_into(x, out) } -> std::same_as<void>;
};

/// out given the extents d: unchanged when it has them already (no allocation), else a new value.
template <class Out>
WEFT_INLINE void fit_extents(Out& out, const shape& d) {
  using to = tensor_traits<Out>;
  if (!(to::extents_of(out) == d)) out = to::make(d);
}

/// A rank-1 tensor type with a static rank (softmax and normalize write those in place).
template <class T>
inline constexpr bool static_rank1_v = [] {
  if constexpr (tensor<T>) return tensor_traits<T>::rank == 1;
  else return false;
}();

/// In and Out are contiguous with one memory order: element i of one is element i of the other.
template <class In, class Out>
inline constexpr bool same_flat_order_v = [] {
  if constexpr (tensor<In> && tensor<Out>) {
    using ti = tensor_traits<In>;
    using to = tensor_traits<Out>;
    return ti::rank != dyn && ti::contiguous && to::contiguous && ti::rank == to::rank &&
           (ti::rank <= 1 || ti::layout == to::layout);
  } else {
    return false;
  }
}();

/// How an adapter A bound to In writes into its output; `ok` false when it does not.
template <class A, class In>
struct adapter_into {
  static constexpr bool ok = false;
};

/// out's extents set to x's and every element of x converted by f into it (flat order).
template <class In, class Out, class F>
WEFT_INLINE void map_flat_into(const In& x, Out& out, F f) {
  const shape d = tensor_traits<In>::extents_of(x);
  fit_extents(out, d);
  const auto* p = tensor_traits<In>::data(x);
  auto* o = tensor_traits<Out>::data(out);
  const std::ptrdiff_t n = d.element_count();
  for (std::ptrdiff_t i = 0; i < n; ++i) o[i] = f(p[i]);
}

template <class In>
struct adapter_into<softmax_t, In> {
  static constexpr bool ok = static_rank1_v<In>;
  using out_t = softmax_t::output<In>;
  /// softmax_t::apply's arithmetic, in out.
  WEFT_INLINE static void apply(const In& x, out_t& out) {
    using S = scalar_t<In>;
    const auto v = rank1_of(x);
    fit_extents(out, vector_shape(v.size));
    softmax_sample(v, sample_slots<S>{tensor_traits<out_t>::data(out), 1});
  }
};

template <class In>
struct adapter_into<normalize_t, In> {
  static constexpr bool ok = static_rank1_v<In>;
  using out_t = normalize_t::output<In>;
  /// normalize_t::apply's arithmetic and errors, in out (resized first; a zero sum throws before any
  /// element is written).
  WEFT_INLINE static void apply(const In& x, out_t& out) {
    const auto v = rank1_of(x);
    fit_extents(out, vector_shape(v.size));
    normalize_sample(x, 0, v, sample_slots<scalar_t<In>>{tensor_traits<out_t>::data(out), 1});
  }
};

template <class T, class In>
struct adapter_into<cast_t<T>, In> {
  using out_t = typename cast_t<T>::template output<In>;
  static constexpr bool ok = same_flat_order_v<In, out_t>;
  /// cast_t<T>::apply's checks and conversions, in out.
  WEFT_INLINE static void apply(const In& x, out_t& out) {
    if constexpr (cast_needs_check<scalar_t<In>, T>) check_cast<T>(x);
    map_flat_into(x, out, [](const scalar_t<In>& v) { return static_cast<T>(v); });
  }
};

template <class In>
struct adapter_into<check_finite_t, In> {
  using out_t = check_finite_t::output<In>;
  static constexpr bool ok = same_flat_order_v<In, out_t>;
  /// check_finite's check (it throws before writing), then a copy into out.
  WEFT_INLINE static void apply(const In& x, out_t& out) {
    if constexpr (std::is_floating_point_v<scalar_t<In>>) {
      const std::ptrdiff_t bad = first_non_finite(x);
      if (bad >= 0) throw_non_finite(x, bad);
    }
    map_flat_into(x, out, [](const scalar_t<In>& v) { return v; });
  }
};

template <class In>
struct adapter_into<identity_t, In> {
  using out_t = identity_t::output<In>;
  static constexpr bool ok = same_flat_order_v<In, out_t>;
  WEFT_INLINE static void apply(const In& x, out_t& out) {
    map_flat_into(x, out, [](const scalar_t<In>& v) { return v; });
  }
};

/// concat_parts' copies, into out (re-sized only when its extent changes).
template <class Out, class In, std::size_t... I>
WEFT_INLINE void concat_parts_into(const In& parts, Out& out, std::index_sequence<I...>) {
  using to = tensor_traits<Out>;
  constexpr std::ptrdiff_t total = to::extents_type::values[0];
  const std::ptrdiff_t n = total != dyn ? total : (part_size(std::get<I>(parts)) + ...);
  fit_extents(out, vector_shape(n));
  auto* dst = to::data(out);
  ((copy_flat(std::get<I>(parts), dst), dst += part_size(std::get<I>(parts))), ...);
}

template <class In>
struct adapter_into<concat_t, In> {
  using out_t = concat_t::output<In>;
  static constexpr bool ok = static_rank1_v<out_t>;  // rank-1 parts (not batches)
  /// concat_t::apply's copies of rank-1 parts, in out.
  WEFT_INLINE static void apply(const In& parts, out_t& out) {
    concat_parts_into(parts, out, std::make_index_sequence<std::tuple_size_v<In>>{});
  }
};

template <class M>
struct stage_into {
  static constexpr bool ok = has_call_into<M>;
};
template <class A, class In>
struct stage_into<adapter_stage<A, In>> {
  static constexpr bool ok = adapter_into<A, In>::ok;
};

/// A call of model M can write into an output it does not own (see the header comment).
template <class M>
inline constexpr bool writes_into = stage_into<M>::ok;

template <class A, class In>
WEFT_INLINE void write_adapter_into(const adapter_stage<A, In>&, const In& x, typename adapter_into<A, In>::out_t& out) {
  adapter_into<A, In>::apply(x, out);
}

/// m's answer for x, written into out (writes_into<M>).
template <class M>
WEFT_INLINE void write_into(const M& m, const typename M::input_type& x, typename M::output_type& out) {
  if constexpr (has_call_into<M>) m.call_into(x, out);
  else write_adapter_into(m, x, out);
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_INTO_HPP
