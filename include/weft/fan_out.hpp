// weft/fan_out.hpp - weft::fan_out: one input to every branch.
//
// Contract:
//   weft::fan_out(a, b, c) is a model of type weft::fan_out<A, B, C>. Its input_type is a's; every
//   branch receives the same input by const reference, bridged to its own input_type as
//   weft::conversion decides (a view, a copy, or a checked one; never a mutable view of the shared
//   input). Its output_type is std::tuple<Oa, Ob, Oc>, each branch's output materialised in place, in
//   branch order. `fan_out(...) | weft::concat` joins rank-1 outputs into one tensor.
//   Every branch's connection is judged when the fan_out is built: a branch that is not a model, or
//   whose input the shared input cannot reach, fails to compile naming weft::detail::fan_out_branch<I>
//   and both specs.
//   Errors: a weft::error raised in branch I gains the segment "fan_out[I]" (with the branch's given
//   name); other exceptions pass unchanged; the remaining branches do not run.
//   Calls are const and thread-safe when the branches' calls are. Branches run one after the other on
//   the calling thread; allocation and copies only where the bridges and branches make them.
//   Example:  auto features = weft::fan_out(encoder_a, encoder_b) | weft::concat;
#ifndef WEFT_FAN_OUT_HPP
#define WEFT_FAN_OUT_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <cstddef>
#include <cstdlib>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "detail/combinator.hpp"
#include "detail/config.hpp"
#include "detail/stages.hpp"
#include "model.hpp"
#include "sequence.hpp"
#include "strict.hpp"

namespace weft {

/// One input to every branch; see the header comment. Built by weft::fan_out(...).
template <class... Branches>
class fan_out {
  static_assert(sizeof...(Branches) >= 1, "weft: fan_out: give at least one branch");
  using first = detail::nth_t<0, Branches...>;

 public:
  /// The first branch's input type; every branch receives it.
  using input_type = typename detail::io_or_none<first>::input_type;
  /// Every branch's output, in branch order.
  using output_type = std::tuple<typename detail::io_or_none<Branches>::output_type...>;
  /// Number of branches.
  static constexpr std::size_t size = sizeof...(Branches);
  /// Name shown in error paths and descriptions.
  static constexpr std::string_view combinator_name = "fan_out";

 private:
  using judgement = detail::branch_judgement<detail::fan_out_branch, input_type, Branches...>;

 public:
  /// Stores the branches (moved from rvalues) and judges every branch's input at compile time.
  template <class... A>
    requires(sizeof...(A) == sizeof...(Branches) && (std::is_constructible_v<Branches, A &&> && ...))
  explicit(sizeof...(Branches) == 1) fan_out(A&&... branches) : boxes_(std::forward<A>(branches)...) {
    (void)typename judgement::diagnostic{};
  }

  /// Runs every branch on x, in order. Throws what a branch throws; a weft::error gains "fan_out[I]".
  WEFT_INLINE output_type operator()(const input_type& x) const {
    if constexpr (judgement::ok) return run(x, std::index_sequence_for<Branches...>{});
    else std::abort();  // unreachable: a mis-wired fan_out failed to compile where it was built
  }

  /// Branch I as stored (a std::reference_wrapper when given as std::ref).
  template <std::size_t I> constexpr auto& stored() & noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr const auto& stored() const& noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr auto&& stored() && noexcept { return detail::box_get<I>(std::move(boxes_)); }

 private:
  template <std::size_t... I>
  WEFT_INLINE output_type run(const input_type& x, std::index_sequence<I...>) const {
    // braced initialisation runs the branches left to right
    return output_type{detail::invoke_stage(detail::box_get<I>(boxes_), x, combinator_name, I)...};
  }

  detail::stage_boxes<std::index_sequence_for<Branches...>, Branches...> boxes_;
};

/// weft::fan_out(a, b, c) stores decayed copies: fan_out<A, B, C>.
template <class... M>
fan_out(M&&...) -> fan_out<std::decay_t<M>...>;

namespace detail {

template <std::size_t I, class In, class... B>
struct fan_out_branch_copy {
  using into = copy_link_t<fan_out_branch<I>, const In, input_t<nth_t<I, B...>>>;
  using type = typename first_non_void<into, typename implicit_copy<unwrap_t<nth_t<I, B...>>>::type>::type;
};
template <class Seq, class In, class... B> struct fan_out_copies;
template <std::size_t... I, class In, class... B>
struct fan_out_copies<std::index_sequence<I...>, In, B...> {
  using type = typename first_non_void<typename fan_out_branch_copy<I, In, B...>::type...>::type;
};

/// The first implicit copy in a fan_out: each branch's input bridge, then inside the branch.
template <class... B>
struct implicit_copy<fan_out<B...>> {
  using type = typename fan_out_copies<std::index_sequence_for<B...>, input_t<fan_out<B...>>, B...>::type;
};

}  // namespace detail
}  // namespace weft

#endif  // WEFT_FAN_OUT_HPP
