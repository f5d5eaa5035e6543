// SPDX-License-Identifier: BSL-1.0
// weft/batch.hpp - weft::batch_t (the batch of a sample type) and the weft::batch_native concept.
//
// Contract:
//   weft::batch_t<T> is the type of a batch of samples of tensor type T, one rule for every part of
//   weft (batched, the runtime adapters, the batcher and the server):
//     Eigen   (rank-1 samples only): Eigen::Matrix<S, N, Eigen::Dynamic> (Array stays Array),
//             column-major, one sample per column; with no data moved this is the row-major [batch, N]
//             tensor that ONNX, XGBoost and the Open Inference Protocol use;
//     xtensor (sample rank r <= 7): xt::xtensor<S, r + 1>, row-major, samples along axis 0; an
//             xt::xarray sample gives an xt::xarray batch.
//   A T that cannot be batched (an Eigen matrix, an xtensor of rank 8) gives detail::no_backend_type.
//   weft::batch_native<M>: a model that keeps its per-sample input_type and output_type and also
//   offers `call_batch(const batch_t<input_type>&) const` returning batch_t<output_type>, sample j of
//   the result being what M returns for sample j. The runtime adapters (onnx_model, xgboost_model,
//   torch_model) are batch-native.
#ifndef WEFT_BATCH_HPP
#define WEFT_BATCH_HPP

#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "model.hpp"
#include "tensor.hpp"

namespace weft {
namespace detail {

template <std::size_t N, class Seq = std::make_index_sequence<N>>
struct all_dyn;
template <std::size_t N, std::size_t... I>
struct all_dyn<N, std::index_sequence<I...>> {
  using type = weft::extents<(static_cast<std::ptrdiff_t>(I) * 0 + dyn)...>;
};

/// The batch type of samples of type T (no_backend_type when T cannot be batched).
template <class T, class = void>
struct batch_of {
  using type = no_backend_type;
};
template <class T>
  requires tensor<T>
struct batch_of<T> {
  using tr = tensor_traits<std::remove_cvref_t<T>>;
  using S = typename tr::scalar_type;
  static constexpr std::ptrdiff_t rank = tr::rank;
  static constexpr bool eigen = tr::backend == backend::eigen;
  template <class Ext, layout L>
  using rebind = typename tr::template rebind<S, Ext, L>;
  static constexpr int which = eigen ? (rank == 1 ? 1 : 0) : rank == dyn ? 2 : rank <= 7 ? 3 : 0;
  template <int W, class = void> struct pick { using type = no_backend_type; };
  template <class V> struct pick<1, V> { using type = rebind<weft::extents<tr::extents_type::values[0], dyn>, layout::col_major>; };
  template <class V> struct pick<2, V> { using type = rebind<weft::extents<>, layout::row_major>; };
  template <class V> struct pick<3, V> {
    using type = rebind<typename all_dyn<static_cast<std::size_t>(rank == dyn ? 0 : rank + 1)>::type, layout::row_major>;
  };
  using type = typename pick<which>::type;
};

}  // namespace detail

/// The batch type of samples of tensor type T (see the header comment); detail::no_backend_type when
/// T has none.
template <class T>
using batch_t = typename detail::batch_of<std::remove_cvref_t<T>>::type;

/// A model that also runs a whole batch in one call: `m.call_batch(batch)` with a
/// batch_t<input_t<M>> returns (something convertible to) batch_t<output_t<M>>.
template <class M>
concept batch_native =
    model<M> && tensor<input_t<M>> && tensor<output_t<M>> && tensor<batch_t<input_t<M>>> &&
    tensor<batch_t<output_t<M>>> &&
    requires(const detail::unwrap_t<M>& m, const batch_t<input_t<M>>& b) {
      { m.call_batch(b) } -> std::convertible_to<batch_t<output_t<M>>>;
    };

}  // namespace weft

#endif  // WEFT_BATCH_HPP
