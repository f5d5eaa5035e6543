// weft/adapters.hpp - explicit adapters: cast<T>, reshape<N...>, identity.
//
// Contract:
//   An adapter is not a model by itself: `model | adapter` binds it to the output type on its left,
//   and the bound stage, weft::adapter_stage<A, In>, is a model. An adapter cannot start a pipeline.
//   Each adapter is an inline constexpr object (a variable template where parameterised).
//   - weft::cast<T>: the same tensor with scalar T (static_cast per element); same backend, extents
//     and layout; an owning type. One pass; allocates only for dynamic extents.
//   - weft::reshape<N...>: the same elements in row-major (C) index order, as NumPy and PyTorch do,
//     whatever the backend and layout; the output is a row-major owning tensor with extents N...
//     A static element count that differs fails to compile; a dynamic one that differs throws
//     weft::shape_error. Eigen holds ranks 1 and 2 only (a 1 x N or N x 1 result is a vector).
//   - weft::identity: the same tensor, materialised as its owning type (a copy).
//   Adapters are stateless and thread-safe.
#ifndef WEFT_ADAPTERS_HPP
#define WEFT_ADAPTERS_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <type_traits>

#include "convert.hpp"
#include "detail/config.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "tensor.hpp"

namespace weft {

/// An adapter: a stateless object that `|` binds to the output type on its left.
template <class A>
concept adapter = requires { typename std::remove_cvref_t<A>::weft_adapter; };

/// Adapter A bound to input type In: a model from In to A::output<In>.
template <adapter A, class In>
struct adapter_stage {
  using input_type = In;
  using output_type = typename A::template output<In>;
  [[no_unique_address]] A adapter;
  /// Applies the adapter; throws what the adapter documents (shape_error for a bad reshape).
  WEFT_INLINE output_type operator()(const In& x) const { return A::apply(x); }
};

/// Adapter type of weft::cast<T>.
template <class T>
struct cast_t {
  using weft_adapter = void;
  template <class In>
  static constexpr bool accepts = tensor<In>;
  template <class In, class Tr = tensor_traits<In>>
  using output = typename Tr::template rebind<T, typename Tr::extents_type, Tr::layout>;
  template <class Where, class In>
  using diagnostic = detail::not_a_tensor<Where, In>;
  template <class In>
  WEFT_INLINE static output<In> apply(const In& x) {
    return detail::make_copy<output<In>>(x);
  }
};

/// Converts every element to scalar T: `model | weft::cast<double>`.
template <class T>
inline constexpr cast_t<T> cast{};

/// Adapter type of weft::reshape<N...>.
template <std::ptrdiff_t... N>
struct reshape_t {
  static_assert(((N > 0) && ...), "weft: reshape: every extent must be a positive number");
  using weft_adapter = void;
  static constexpr std::ptrdiff_t count = (std::ptrdiff_t{1} * ... * N);
  template <class In, class Tr = tensor_traits<In>>
  using output = typename Tr::template rebind<typename Tr::scalar_type, weft::extents<N...>, layout::row_major>;
  template <class In>
  static constexpr bool size_fits = [] {
    if constexpr (!tensor<In>) return false;
    else return tensor_traits<In>::rank == dyn || tensor_traits<In>::extents_type::size == dyn ||
                tensor_traits<In>::extents_type::size == count;
  }();
  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (!size_fits<In>) return false;
    else return !std::is_same_v<output<In>, detail::no_backend_type>;
  }();
  /// The diagnostic for a rejected In (instantiated by operator| only when !accepts<In>).
  template <class Where, class In, class To = typename detail::scalar_spec<scalar_t<In>, N...>::type>
  using diagnostic = std::conditional_t<!tensor<In>, detail::not_a_tensor<Where, In>,
                                        std::conditional_t<!size_fits<In>, detail::reshape_size_mismatch<Where, spec_t<In>, To>,
                                                           detail::reshape_rank_unsupported<Where, spec_t<In>, To>>>;
  template <class In>
  WEFT_INLINE static output<In> apply(const In& x) {
    using tin = tensor_traits<In>;
    using tout = tensor_traits<output<In>>;
    detail::dims out_ext;
    out_ext.rank = tout::rank;
    for (std::size_t i = 0; i < out_ext.rank; ++i) out_ext[i] = tout::extents_type::values[i];
    if constexpr (tin::rank == dyn || tin::extents_type::size == dyn) {
      const detail::dims d = tin::extents_of(x);
      if (d.size() != count) detail::throw_shape_error<output<In>>(actual_spec_name<In>(d));
    }
    output<In> out = tout::make(out_ext);
    detail::copy_flat(x, tout::data(out));
    return out;
  }
};

/// Reshapes to extents N... in row-major index order: `model | weft::reshape<28, 28>`.
template <std::ptrdiff_t... N>
inline constexpr reshape_t<N...> reshape{};

/// Adapter type of weft::identity.
struct identity_t {
  using weft_adapter = void;
  template <class In>
  static constexpr bool accepts = tensor<In>;
  template <class In>
  using output = typename tensor_traits<In>::owning_type;
  template <class Where, class In>
  using diagnostic = detail::not_a_tensor<Where, In>;
  template <class In>
  WEFT_INLINE static output<In> apply(const In& x) {
    if constexpr (std::is_same_v<output<In>, In>) return x;
    else return detail::make_copy<output<In>>(x);
  }
};

/// Passes the value on unchanged (as its owning type): `model | weft::identity`.
inline constexpr identity_t identity{};

}  // namespace weft

#endif  // WEFT_ADAPTERS_HPP
