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

/// The I-th type of a pack.
template <std::size_t I, class... T>
using nth_t = std::tuple_element_t<I, std::tuple<T...>>;

/// Constructor tag: the connections were judged already (by operator|).
struct prejudged_t {};
inline constexpr prejudged_t prejudged{};

/// Path segment "<combinator>[i]", with the stage's given name quoted when it has one.
inline std::string segment(std::string_view combinator, std::size_t index, std::string_view name) {
  std::string s(combinator);
  s += '[';
  s += std::to_string(index);
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
