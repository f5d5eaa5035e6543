// SPDX-License-Identifier: BSL-1.0
// weft/detail/stages.hpp - internal: storage of a combinator's stages, and pipeline placeholders.
//
// Contract: stage_boxes<index_sequence<I...>, M...> stores one M per index; empty models take no
// space ([[no_unique_address]]; two empty stages of one type need distinct addresses, so each
// such repeat may add a byte). box_get<I>(boxes) returns the stored object itself (a
// std::reference_wrapper when the stage was given as std::ref(m)).
#ifndef WEFT_DETAIL_STAGES_HPP
#define WEFT_DETAIL_STAGES_HPP

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "config.hpp"

namespace weft::detail {

template <std::size_t I, class M>
struct stage_box {
  [[no_unique_address]] M value;
};

template <class Indices, class... M>
struct stage_boxes;

template <std::size_t... I, class... M>
struct stage_boxes<std::index_sequence<I...>, M...> : stage_box<I, M>... {
  template <class... A>
  // Not constexpr: g++ 12 crashes constant-evaluating [[no_unique_address]] members of empty types.
  explicit stage_boxes(A&&... a) : stage_box<I, M>{std::forward<A>(a)}... {}
};

template <std::size_t I, class M>
WEFT_INLINE constexpr M& box_get(stage_box<I, M>& b) noexcept { return b.value; }
template <std::size_t I, class M>
WEFT_INLINE constexpr const M& box_get(const stage_box<I, M>& b) noexcept { return b.value; }
template <std::size_t I, class M>
WEFT_INLINE constexpr M&& box_get(stage_box<I, M>&& b) noexcept { return std::move(b.value); }

/// The I-th type of a pack, in constant template depth: clang's builtin, elsewhere one overload
/// resolution against a class holding each type at its index (libstdc++'s tuple_element recurses
/// three types a step, each step copying the rest of the pack: quadratic in the pack per look-up).
#if defined(__has_builtin)
#if __has_builtin(__type_pack_element)
#define WEFT_DETAIL_TYPE_PACK_ELEMENT 1
#endif
#endif
#ifdef WEFT_DETAIL_TYPE_PACK_ELEMENT
#undef WEFT_DETAIL_TYPE_PACK_ELEMENT
template <std::size_t I, class... T>
using nth_t = __type_pack_element<I, T...>;
#else
template <std::size_t I, class T>
struct indexed_type {
  using type = T;
};
template <class Indices, class... T>
struct indexed_types;
template <std::size_t... I, class... T>
struct indexed_types<std::index_sequence<I...>, T...> : indexed_type<I, T>... {};
template <std::size_t I, class T>
indexed_type<I, T> indexed_base(const indexed_type<I, T>*);  // unevaluated: picks the base at I
template <std::size_t I, class... T>
using nth_t = typename decltype(indexed_base<I>(
    static_cast<const indexed_types<std::index_sequence_for<T...>, T...>*>(nullptr)))::type;
#endif

/// Constructor tag: the connections were judged already (by operator|).
struct prejudged_t {};
inline constexpr prejudged_t prejudged{};

/// Constructor tag: one stage appended to a sequence whose connections were judged when it was built.
struct appending_t {};
inline constexpr appending_t appending{};

/// The index of a segment that stands for every sample of a batch at once ("batched[*]": one call_batch).
inline constexpr std::size_t all_samples = static_cast<std::size_t>(-1);

/// Path segment "<combinator>[i]" ("[*]" for all_samples), with the stage's given name quoted when it
/// has one.
inline std::string segment(std::string_view combinator, std::size_t index, std::string_view name) {
  std::string s(combinator);
  s += '[';
  if (index == all_samples) s += '*';
  else s += std::to_string(index);
  s += ']';
  if (!name.empty()) {
    s += " \"";
    s += name;
    s += '"';
  }
  return s;
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_STAGES_HPP
