// SPDX-License-Identifier: BSL-1.0
// weft/detail/batch_branches.hpp - internal: the batch paths of fan_out and ensemble (call_batch).
//
// Contract: branches_batch_native<In, B...> holds when every branch is weft::batch_native and the
// batch of In reaches each branch's batch input on one backend (detail/batch_native.hpp). Then
// fan_out_batch(c, b, run) gives the std::tuple of every branch's answer (batch_t of its output), in
// branch order, and ensemble_batch(c, b, run) the reduced batch: each branch's answer bridged to the
// batch of the ensemble's output type O (same backend), outputs of run-time extents compared with
// the first's (shape_error at "ensemble[I]"), then the reducer applied
//   - once to the whole batches when it works element by element (mean, weighted, max, median: the
//     same numbers as per sample column; an error it raises names the batch's spec and index),
//   - else once per sample column (vote, a user's callable), each column copied into an O.
// run(body) runs body(i) for every branch index i under the combinator's policy (run_branches).
// Errors as for one sample: a weft::error from branch I gains "<combinator>[I]"; each answer's
// sample count and static extents are checked (shape_error). Cost: the branches' answers, the
// bridges, the reducer's output; per column, one O per branch reused for every column.
#ifndef WEFT_DETAIL_BATCH_BRANCHES_HPP
#define WEFT_DETAIL_BATCH_BRANCHES_HPP

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../batch.hpp"
#include "../reducers.hpp"
#include "../tensor.hpp"
#include "batch_native.hpp"
#include "config.hpp"
#include "stages.hpp"

namespace weft::detail {

/// Every branch B... runs the batch of In in one call.
template <class In, class... B>
concept branches_batch_native = tensor<batch_t<In>> && ((stage_batch<unwrap_t<B>, batch_t<In>>::kind == batch_step::model) && ...);

/// Branches B... answer batches that reach the batch of O (an ensemble's output).
template <class O, class... B>
concept branch_batches_reach = tensor<batch_t<O>> && (batch_reaches<batch_t<output_t<B>>, batch_t<O>>() && ...);

/// A reducer that works element by element: applied to whole batches it gives each column's answer.
template <class R> inline constexpr bool reduces_elementwise = false;
template <> inline constexpr bool reduces_elementwise<mean_t> = true;
template <> inline constexpr bool reduces_elementwise<max_t> = true;
template <> inline constexpr bool reduces_elementwise<median_t> = true;
template <std::size_t K> inline constexpr bool reduces_elementwise<weighted_t<K>> = true;

/// The type of branch I of combinator C, as stored.
template <std::size_t I, class C>
using stored_branch_t = std::remove_cvref_t<decltype(std::declval<const C&>().template stored<I>())>;

/// Every branch's answer to batch b, in branch order, each run by run(body) (see the header comment).
template <class C, class B, class Run, std::size_t... I>
WEFT_INLINE auto branch_batches(const C& c, const B& b, Run& run, std::index_sequence<I...>) {
  using answers = std::tuple<batch_t<output_t<stored_branch_t<I, C>>>...>;
  if constexpr (sizeof...(I) == 1) {
    return answers{call_stage_batch(c.template stored<I>(), b, C::combinator_name, I)...};
  } else {
    std::tuple<std::optional<batch_t<output_t<stored_branch_t<I, C>>>>...> results;
    auto body = [&](std::size_t i) {
      ((i == I ? (void)std::get<I>(results).emplace(call_stage_batch(c.template stored<I>(), b, C::combinator_name, I))
               : void()),
       ...);
    };
    run(body);
    return answers{std::move(*std::get<I>(results))...};
  }
}

/// fan_out's call_batch: see the header comment.
template <class C, class B, class Run>
WEFT_INLINE auto fan_out_batch(const C& c, const B& b, Run run) {
  return branch_batches(c, b, run, std::make_index_sequence<C::size>{});
}

template <class Batch, class Other>
[[noreturn, gnu::noinline, gnu::cold]] void throw_batch_outputs_differ(const Batch& first, const Other& other,
                                                                      std::size_t index, std::string_view name) {
  shape_error e(actual_spec_name<Batch>(tensor_traits<Batch>::extents_of(first)),
                actual_spec_name<Other>(tensor_traits<Other>::extents_of(other)));
  e.add_outer(segment("ensemble", index, name));
  throw e;
}

/// The reducer once per sample column: column j of every argument copied into an O, the reducer's
/// answer (of the column's extents, else shape_error) written to column j of the result.
template <class O, class Red, class BO, class... Args>
BO reduce_columns(const Red& reducer, const BO& a0, const Args&... as) {
  using tb = tensor_traits<BO>;
  constexpr std::size_t n = 1 + sizeof...(Args);
  const batch_geometry g = geometry_of(a0);
  const std::ptrdiff_t size = g.sample_ext.element_count();
  BO out = tb::make(batch_dims<BO>(g.count, g.sample_ext));
  const typename tb::scalar_type* src[n] = {tb::data(a0), tb::data(as)...};
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    std::array<O, n> columns{((void)I, tensor_traits<O>::make(g.sample_ext))...};
    for (std::ptrdiff_t j = 0; j < g.count; ++j) {
      ((copy_from_flat(src[I] + j * size, columns[I], g.sample_ext)), ...);
      const O r = reducer(columns[I]...);
      if constexpr (!fully_static_v<O>) {
        const shape got = tensor_traits<O>::extents_of(r);
        if (!(got == g.sample_ext)) throw shape_error(actual_spec_name<O>(g.sample_ext), actual_spec_name<O>(got));
      }
      copy_flat(r, tb::data(out) + j * size);
    }
    return out;
  }(std::make_index_sequence<n>{});
}

/// ensemble's call_batch: see the header comment. O is the ensemble's output type.
template <class O, class C, class B, class Run>
WEFT_INLINE batch_t<O> ensemble_batch(const C& c, const B& b, Run run) {
  using BO = batch_t<O>;
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    const auto answers = branch_batches(c, b, run, std::index_sequence<I...>{});
    if constexpr (!fully_static_v<O>) {
      const auto& first = std::get<0>(answers);
      const auto compare = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
        const auto& other = std::get<J>(answers);
        if (!reduction::same_extents(first, other))
          throw_batch_outputs_differ(first, other, J,
                                     model_traits<stored_branch_t<J, C>>::given_name(unwrap(c.template stored<J>())));
      };
      (compare(std::integral_constant<std::size_t, I>{}), ...);
    }
    const std::tuple<bridge<const std::tuple_element_t<I, std::remove_const_t<decltype(answers)>>, BO>...> args{
        bridge<const std::tuple_element_t<I, std::remove_const_t<decltype(answers)>>, BO>(std::get<I>(answers))...};
    const auto& reducer = unwrap(c.reducer());
    if constexpr (reduces_elementwise<std::remove_cvref_t<decltype(reducer)>>) return BO(reducer(std::get<I>(args).get()...));
    else return reduce_columns<O>(reducer, std::get<I>(args).get()...);
  }(std::make_index_sequence<C::size>{});
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_BATCH_BRANCHES_HPP
