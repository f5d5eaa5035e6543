// SPDX-License-Identifier: BSL-1.0
// weft/eigen.hpp - weft::tensor_traits for Eigen types. The only weft header that includes Eigen.
//
// Contract:
//   Describes Eigen::Matrix and Eigen::Array (owning, fixed or dynamic), Eigen::Map and Eigen::Ref
//   (views). A matrix with one extent fixed to 1 is a rank-1 vector of the other extent
//   (Matrix<float,10,1>, Matrix<float,1,10> and xt::xtensor_fixed<float, xt::xshape<10>> are the
//   same logical tensor f32[10]); rank-0 and rank-1 tensors have no layout. Every other matrix is
//   rank 2 in Eigen's storage order. A Map whose strides are not the natural ones is recorded as
//   non-contiguous and is never viewed as if it were dense. Eigen has no rank above 2: rebinding
//   to one yields weft::detail::no_backend_type, which the adapters diagnose.
//   The run-time helpers (extents_of, strides_of, data, make, view) are weft's own access points;
//   they never allocate except make() for a dynamic extent, and never throw. Other dense expressions
//   (Vec::Zero(), 2 * v, a Block) have weft::expression_traits: a pipeline called with one
//   evaluates it to its PlainObject and then judges the result.
#ifndef WEFT_EIGEN_HPP
#define WEFT_EIGEN_HPP

#include <Eigen/Core>

#include <type_traits>

#include "tensor.hpp"

namespace weft {
namespace detail {

template <int R, int C>
struct eigen_shape {
  static constexpr bool is_vector = (R == 1 || C == 1);
  static constexpr std::ptrdiff_t vector_length = (C == 1) ? R : C;
};

template <class S, int R, int C, int Options, bool IsVector = eigen_shape<R, C>::is_vector>
struct eigen_logical;

template <class S, int R, int C, int Options>
struct eigen_logical<S, R, C, Options, true> {
  using scalar_type = S;
  static constexpr std::ptrdiff_t rank = 1;
  using extents_type = weft::extents<eigen_shape<R, C>::vector_length>;
  static constexpr weft::layout layout = weft::layout::none;
};

template <class S, int R, int C, int Options>
struct eigen_logical<S, R, C, Options, false> {
  using scalar_type = S;
  static constexpr std::ptrdiff_t rank = 2;
  using extents_type = weft::extents<R, C>;
  static constexpr weft::layout layout =
      (Options & Eigen::RowMajor) ? weft::layout::row_major : weft::layout::col_major;
};

// Owning Eigen type of one family (Matrix or Array) for a scalar, extents and layout.
template <template <class, int, int, int, int, int> class Family, class S, class Ext, weft::layout L>
struct eigen_rebind {
  using type = no_backend_type;
};
template <template <class, int, int, int, int, int> class Family, class S, weft::layout L>
struct eigen_rebind<Family, S, weft::extents<>, L> {
  using type = Family<S, 1, 1, Eigen::ColMajor, 1, 1>;
};
template <template <class, int, int, int, int, int> class Family, class S, std::ptrdiff_t N, weft::layout L>
struct eigen_rebind<Family, S, weft::extents<N>, L> {
  static constexpr int n = static_cast<int>(N);
  using type = Family<S, n, 1, Eigen::ColMajor, n, 1>;
};
template <template <class, int, int, int, int, int> class Family, class S, std::ptrdiff_t R,
          std::ptrdiff_t C, weft::layout L>
struct eigen_rebind<Family, S, weft::extents<R, C>, L> {
  static constexpr int r = static_cast<int>(R), c = static_cast<int>(C);
  // Eigen insists on RowMajor for one-row and ColMajor for one-column matrices.
  static constexpr int order = (r == 1 && c != 1) ? Eigen::RowMajor
                               : (c == 1 && r != 1) ? Eigen::ColMajor
                               : (L == weft::layout::row_major) ? Eigen::RowMajor
                                                                : Eigen::ColMajor;
  using type = Family<S, r, c, order, r, c>;
};

// Run-time access shared by every Eigen dense type with direct memory access.
template <class T, std::ptrdiff_t Rank, weft::layout L>
struct eigen_access {
  WEFT_INLINE static shape extents_of(const T& t) noexcept {
    shape d;
    d.resize(static_cast<std::size_t>(Rank));
    if constexpr (Rank == 1) {
      d[0] = t.size();
    } else {
      d[0] = t.rows();
      d[1] = t.cols();
    }
    return d;
  }
  WEFT_INLINE static shape strides_of(const T& t) noexcept {
    shape d;
    d.resize(static_cast<std::size_t>(Rank));
    if constexpr (Rank == 1) {
      d[0] = t.innerStride();
    } else if constexpr (L == weft::layout::row_major) {
      d[0] = t.outerStride();
      d[1] = t.innerStride();
    } else {
      d[0] = t.innerStride();
      d[1] = t.outerStride();
    }
    return d;
  }
  WEFT_INLINE static auto data(const T& t) noexcept { return t.data(); }
  WEFT_INLINE static auto data(T& t) noexcept { return t.data(); }
};

template <template <class, int, int, int, int, int> class Family, class S, int R, int C, int O, int MR, int MC>
struct eigen_owning_traits
    : eigen_logical<S, R, C, O>,
      eigen_access<Family<S, R, C, O, MR, MC>, eigen_logical<S, R, C, O>::rank, eigen_logical<S, R, C, O>::layout> {
  using self = Family<S, R, C, O, MR, MC>;
  static constexpr weft::backend backend = weft::backend::eigen;
  static constexpr bool owns_memory = true;
  static constexpr bool contiguous = true;
  static constexpr bool can_view = false;
  static constexpr bool views_const = false;
  using owning_type = self;
  /// Owning type of the same family (Matrix or Array) for another scalar, extents and layout.
  template <class S2, class Ext, weft::layout L>
  using rebind = typename eigen_rebind<Family, S2, Ext, L>::type;
  /// An uninitialised value of the given extents (allocates only for dynamic extents).
  WEFT_INLINE static self make([[maybe_unused]] const shape& d) {
    if constexpr (R != Eigen::Dynamic && C != Eigen::Dynamic) return self{};
    else if constexpr (eigen_logical<S, R, C, O>::rank == 1) return self(d[0]);
    else return self(d[0], d[1]);
  }
};

template <class Plain, class P = std::remove_const_t<Plain>>
using eigen_logical_of = eigen_logical<typename P::Scalar, P::RowsAtCompileTime, P::ColsAtCompileTime, P::Options>;

template <class Plain, class Self>
struct eigen_view_base : eigen_logical_of<Plain>,
                         eigen_access<Self, eigen_logical_of<Plain>::rank, eigen_logical_of<Plain>::layout> {
  static constexpr weft::backend backend = weft::backend::eigen;
  static constexpr bool owns_memory = false;
  static constexpr bool views_const = std::is_const_v<Plain>;
  using owning_type = std::remove_const_t<Plain>;
  template <class S2, class Ext, weft::layout L>
  using rebind = typename tensor_traits<owning_type>::template rebind<S2, Ext, L>;
};

}  // namespace detail

/// Eigen::Matrix: owning, contiguous; fixed extents allocate nothing.
template <class S, int R, int C, int O, int MR, int MC>
struct tensor_traits<Eigen::Matrix<S, R, C, O, MR, MC>> : detail::eigen_owning_traits<Eigen::Matrix, S, R, C, O, MR, MC> {};

/// Eigen::Array: as Eigen::Matrix.
template <class S, int R, int C, int O, int MR, int MC>
struct tensor_traits<Eigen::Array<S, R, C, O, MR, MC>> : detail::eigen_owning_traits<Eigen::Array, S, R, C, O, MR, MC> {};

/// Eigen::Map: a view over someone else's memory; contiguous only with natural strides.
template <class P, int MapOptions, class Stride>
struct tensor_traits<Eigen::Map<P, MapOptions, Stride>>
    : detail::eigen_view_base<P, Eigen::Map<P, MapOptions, Stride>> {
  using base = detail::eigen_view_base<P, Eigen::Map<P, MapOptions, Stride>>;
  using self = Eigen::Map<P, MapOptions, Stride>;
  using typename base::owning_type;
  static constexpr bool contiguous = (Stride::InnerStrideAtCompileTime == 0 || Stride::InnerStrideAtCompileTime == 1) &&
                                     (base::rank == 1 || Stride::OuterStrideAtCompileTime == 0);
  static constexpr bool can_view = contiguous;
  using pointer = std::conditional_t<base::views_const, const typename base::scalar_type*, typename base::scalar_type*>;
  /// A view of the given extents over dense memory at p, in this type's memory order.
  WEFT_INLINE static self view(pointer p, const shape& d) noexcept {
    if constexpr (base::rank == 1) return self(p, d[0]);
    else return self(p, d[0], d[1]);
  }
};

/// Eigen::Ref: a view that binds to dense memory of its own storage order.
template <class P, int Options, class Stride>
struct tensor_traits<Eigen::Ref<P, Options, Stride>>
    : detail::eigen_view_base<P, Eigen::Ref<P, Options, Stride>> {
  using base = detail::eigen_view_base<P, Eigen::Ref<P, Options, Stride>>;
  using self = Eigen::Ref<P, Options, Stride>;
  using typename base::owning_type;
  static constexpr bool contiguous = (Stride::InnerStrideAtCompileTime == 0 || Stride::InnerStrideAtCompileTime == 1) &&
                                     (base::rank == 1 || Stride::OuterStrideAtCompileTime == 0);
  static constexpr bool can_view = true;
  using pointer = std::conditional_t<base::views_const, const typename base::scalar_type*, typename base::scalar_type*>;
  /// A Ref over dense memory at p with the given extents, in this type's memory order.
  WEFT_INLINE static self view(pointer p, const shape& d) noexcept {
    using map = Eigen::Map<std::conditional_t<base::views_const, const owning_type, owning_type>>;
    if constexpr (base::rank == 1) return self(map(p, d[0]));
    else return self(map(p, d[0], d[1]));
  }
};

/// An Eigen dense expression that is not a tensor weft describes (Vec::Zero(), 2 * v, a Block):
/// evaluated to its PlainObject (a Matrix or Array). Allocates only for dynamic extents.
template <class X>
  requires(std::is_base_of_v<Eigen::DenseBase<X>, X> && !tensor<X>)
struct expression_traits<X> {
  using plain_type = typename X::PlainObject;
  static plain_type evaluate(const X& x) { return plain_type(x); }
};

}  // namespace weft

#endif  // WEFT_EIGEN_HPP
