// SPDX-License-Identifier: BSL-1.0
// weft/detail/stages.hpp - internal: storage of a combinator's stages, and pipeline placeholders.
//
// Contract: stage_boxes<index_sequence<I...>, M...> (and a sequence's stage_chain_of<M...>)
// stores one M per index; empty models take no space ([[no_unique_address]]; two empty stages of
// one type need distinct addresses, so each such repeat may add a byte). box_get<I>(boxes)
// returns the stored object itself (a std::reference_wrapper when the stage was given as std::ref(m)).
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

/// Constructor tag: one stage appended to a sequence whose connections were judged when it was built.
struct appending_t {};
inline constexpr appending_t appending{};

/// Constructor tag: built from references to every stage's argument (stage_args_of).
struct from_args_t {};
inline constexpr from_args_t from_args{};

/// References to every stage's argument, flat (a std::tuple would nest a class per argument).
template <class... A>
using stage_args = stage_boxes<std::index_sequence_for<A...>, A&&...>;
/// Argument I of a stage_args, as it was given (an lvalue, or an rvalue to move from).
template <std::size_t I, class R>
WEFT_INLINE constexpr R&& stage_arg(const stage_box<I, R>& b) noexcept {
  return static_cast<R&&>(b.value);
}

/// The empty start of a sequence's stage_chain.
struct chain_start {
  static constexpr std::size_t size = 0;
  template <class Args>
  chain_start(from_args_t, const Args&) noexcept {}
  chain_start() = default;
};

/// A sequence's stages, one link per stage: Prev's stages (its base), then M at index Prev::size.
/// sequence<S0..Sk>'s chain derives from sequence<S0..Sk-1>'s, so `left | r` takes left's stages
/// whole (one move of its chain) and the type depends on no index list of the whole pack.
template <class Prev, class M>
struct stage_chain : Prev, stage_box<Prev::size, M> {
  static constexpr std::size_t size = Prev::size + 1;
  /// Every stage from its argument in args (a stage_args).
  template <class Args>
  stage_chain(from_args_t, const Args& args)
      : Prev(from_args, args), stage_box<Prev::size, M>{stage_arg<Prev::size>(args)} {}
  /// Prev's stages as they are (moved from an rvalue), then m.
  template <class P, class A>
  stage_chain(appending_t, P&& prev, A&& m)
      : Prev(static_cast<P&&>(prev)), stage_box<Prev::size, M>{static_cast<A&&>(m)} {}  // no std::forward per `|`
};

// A chain type carried as a non-type template argument (a null pointer to it), so that the
// argument-dependent lookup of each ->* below looks in weft::detail only, never through the bases
// of the chain built so far (they are as many as the stages: looking through them costs N per step).
template <auto ChainPtr>
struct chain_tag {
  using type = std::remove_pointer_t<decltype(ChainPtr)>;
};
// Declared only: the left fold `chain_tag<(chain_start*)nullptr>{} ->* ... ->* std::type_identity<S>{}`
// names stage_chain<...stage_chain<chain_start, S0>..., Sn> with one overload resolution per stage.
template <auto ChainPtr, class M>
chain_tag<static_cast<stage_chain<typename chain_tag<ChainPtr>::type, M>*>(nullptr)> operator->*(chain_tag<ChainPtr>,
                                                                                                std::type_identity<M>);

/// The stage_chain holding S... in order.
template <class... S>
using stage_chain_of =
    typename decltype((chain_tag<static_cast<chain_start*>(nullptr)>{}->*...->*std::type_identity<S>{}))::type;

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

/// One stage's answer on its way to the next stage (sequence's call folds its stages over it).
template <class T>
struct carried {
  T value;
  /// The value, as the next stage takes it (an lvalue, as a local would be).
  WEFT_INLINE constexpr T& get() && noexcept { return value; }
};

/// Constructor tag: the connections were judged already (by operator|).
struct prejudged_t {};
inline constexpr prejudged_t prejudged{};

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
