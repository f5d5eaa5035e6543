// SPDX-License-Identifier: BSL-1.0
// weft/xtensor.hpp - weft::tensor_traits for xtensor types. The only weft header that includes xtensor.
//
// Contract:
//   Describes xt::xtensor<T, N, L> (rank N, every extent dynamic), xt::xtensor_fixed<T, xt::xshape<...>, L>
//   (every extent static; allocates nothing), xt::xarray<T, L> (rank known only at run time: meeting
//   a static rank is `checked`), and xt::xtensor_adaptor over a non-owning xt::xbuffer_adaptor (a view,
//   as returned by xt::adapt(ptr, n, xt::no_ownership(), shape)); a const view is
//   xt::xtensor_adaptor<xt::xbuffer_adaptor<const T*, xt::no_ownership>, N> with or without the
//   allocator argument; weft::xt_view<const T, N> names it (weft::xt_view<T, N> the mutable one). Only row_major and column_major
//   layouts are described; layout_type::dynamic is not a weft::tensor. Rank-0 and rank-1 tensors have
//   no layout. xtensor strides are in elements, so they are weft's strides as they are.
//   The run-time helpers (extents_of, strides_of, data, make, view) never throw; make() allocates only
//   for dynamic extents. Other xtensor expressions (2 * a, views) have weft::expression_traits: a
//   pipeline called with one evaluates it (xt::eval) and then judges the result.
#ifndef WEFT_XTENSOR_HPP
#define WEFT_XTENSOR_HPP

#if __has_include(<xtensor/containers/xtensor.hpp>)  // xtensor 0.26 and later
#include <xtensor/containers/xadapt.hpp>
#include <xtensor/containers/xarray.hpp>
#include <xtensor/core/xeval.hpp>
#include <xtensor/containers/xfixed.hpp>
#include <xtensor/containers/xtensor.hpp>
#else
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xeval.hpp>
#include <xtensor/xfixed.hpp>
#include <xtensor/xtensor.hpp>
#endif

#include <memory>
#include <type_traits>
#include <utility>

#include "errors.hpp"
#include "tensor.hpp"

namespace weft {
namespace detail {

template <xt::layout_type L, std::ptrdiff_t Rank>
inline constexpr weft::layout xt_layout = (Rank != dyn && Rank <= 1) ? weft::layout::none
                                          : (L == xt::layout_type::row_major) ? weft::layout::row_major
                                                                              : weft::layout::col_major;

template <weft::layout L>
inline constexpr xt::layout_type xt_layout_of = L == weft::layout::col_major ? xt::layout_type::column_major
                                                                              : xt::layout_type::row_major;

// Owning xtensor type for a scalar, extents and layout: fixed when every extent is static.
template <class S, class Ext, weft::layout L, std::ptrdiff_t Rank = Ext::rank>
struct xt_rebind {
  using type = xt::xtensor<S, static_cast<std::size_t>(Rank), xt_layout_of<L>>;
};
template <class S, std::ptrdiff_t E0, std::ptrdiff_t... E, weft::layout L, std::ptrdiff_t Rank>
  requires(weft::extents<E0, E...>::all_static)
struct xt_rebind<S, weft::extents<E0, E...>, L, Rank> {
  using type = xt::xtensor_fixed<S, xt::xshape<static_cast<std::size_t>(E0), static_cast<std::size_t>(E)...>,
                                 xt_layout_of<L>>;
};

[[noreturn]] inline void throw_rank_too_large(std::size_t rank) {
  throw shape_error("a tensor of rank at most 8", "a tensor of rank " + std::to_string(rank));
}

template <class T>
struct xt_access {
  /// Run-time extents; throws shape_error for an xt::xarray of rank above 8.
  static shape extents_of(const T& t) {
    if (t.dimension() > shape::max_rank) throw_rank_too_large(t.dimension());
    shape d;
    d.resize(t.dimension());
    for (std::size_t i = 0; i < d.rank(); ++i) d[i] = static_cast<std::ptrdiff_t>(t.shape()[i]);
    return d;
  }
  static shape strides_of(const T& t) {
    if (t.dimension() > shape::max_rank) throw_rank_too_large(t.dimension());
    shape d;
    d.resize(t.dimension());
    for (std::size_t i = 0; i < d.rank(); ++i) d[i] = static_cast<std::ptrdiff_t>(t.strides()[i]);
    return d;
  }
  WEFT_INLINE static auto data(const T& t) noexcept { return t.data(); }
  WEFT_INLINE static auto data(T& t) noexcept { return t.data(); }
};

template <class S, class Ext, weft::layout L, std::ptrdiff_t Rank>
struct xt_common {
  using scalar_type = S;
  static constexpr std::ptrdiff_t rank = Rank;
  using extents_type = Ext;
  static constexpr weft::layout layout = L;
  static constexpr weft::backend backend = weft::backend::xtensor;
  /// Owning xtensor type for another scalar, extents and layout.
  template <class S2, class Ext2, weft::layout L2>
  using rebind = typename xt_rebind<S2, Ext2, L2>::type;
};

template <std::size_t N, class Seq = std::make_index_sequence<N>>
struct dyn_extents;
template <std::size_t N, std::size_t... I>
struct dyn_extents<N, std::index_sequence<I...>> {
  using type = weft::extents<(static_cast<std::ptrdiff_t>(I) * 0 + dyn)...>;
};

}  // namespace detail

/// xt::xtensor<T, N, L>: owning, rank N, every extent dynamic.
template <class EC, std::size_t N, xt::layout_type L, class Tag>
  requires(L != xt::layout_type::dynamic && L != xt::layout_type::any)
struct tensor_traits<xt::xtensor_container<EC, N, L, Tag>>
    : detail::xt_common<typename EC::value_type, typename detail::dyn_extents<N>::type,
                        detail::xt_layout<L, static_cast<std::ptrdiff_t>(N)>, static_cast<std::ptrdiff_t>(N)>,
      detail::xt_access<xt::xtensor_container<EC, N, L, Tag>> {
  using self = xt::xtensor_container<EC, N, L, Tag>;
  static constexpr bool owns_memory = true;
  static constexpr bool contiguous = true;
  static constexpr bool can_view = false;
  static constexpr bool views_const = false;
  using owning_type = self;
  /// An uninitialised tensor of the given extents (allocates).
  static self make(const shape& d) {
    typename self::shape_type shape;
    for (std::size_t i = 0; i < N; ++i) shape[i] = static_cast<std::size_t>(d[i]);
    return self(shape);
  }
};

/// xt::xtensor_fixed<T, xt::xshape<N...>, L>: owning, every extent static; allocates nothing.
template <class ET, std::size_t... N, xt::layout_type L, bool SH, class Tag>
  requires(L != xt::layout_type::dynamic && L != xt::layout_type::any)
struct tensor_traits<xt::xfixed_container<ET, xt::fixed_shape<N...>, L, SH, Tag>>
    : detail::xt_common<ET, weft::extents<static_cast<std::ptrdiff_t>(N)...>,
                        detail::xt_layout<L, static_cast<std::ptrdiff_t>(sizeof...(N))>,
                        static_cast<std::ptrdiff_t>(sizeof...(N))>,
      detail::xt_access<xt::xfixed_container<ET, xt::fixed_shape<N...>, L, SH, Tag>> {
  using self = xt::xfixed_container<ET, xt::fixed_shape<N...>, L, SH, Tag>;
  static constexpr bool owns_memory = true;
  static constexpr bool contiguous = true;
  static constexpr bool can_view = false;
  static constexpr bool views_const = false;
  using owning_type = self;
  /// An uninitialised tensor (its extents are static; allocates nothing).
  WEFT_INLINE static self make(const shape&) noexcept { return self{}; }
};

/// xt::xarray<T, L>: owning, rank known only at run time.
template <class EC, xt::layout_type L, class SC, class Tag>
  requires(L != xt::layout_type::dynamic && L != xt::layout_type::any)
struct tensor_traits<xt::xarray_container<EC, L, SC, Tag>>
    : detail::xt_common<typename EC::value_type, weft::extents<>, detail::xt_layout<L, dyn>, dyn>,
      detail::xt_access<xt::xarray_container<EC, L, SC, Tag>> {
  using self = xt::xarray_container<EC, L, SC, Tag>;
  static constexpr bool owns_memory = true;
  static constexpr bool contiguous = true;
  static constexpr bool can_view = false;
  static constexpr bool views_const = false;
  using owning_type = self;
  /// Owning type for another scalar; extents<> (this type's own) keeps the rank dynamic.
  template <class S2, class Ext2, weft::layout L2>
  using rebind = std::conditional_t<std::is_same_v<Ext2, weft::extents<>>, xt::xarray<S2, detail::xt_layout_of<L2>>,
                                    typename detail::xt_rebind<S2, Ext2, L2>::type>;
  /// An uninitialised array of the given extents (allocates).
  static self make(const shape& d) {
    typename self::shape_type shape(d.rank());
    for (std::size_t i = 0; i < d.rank(); ++i) shape[i] = static_cast<std::size_t>(d[i]);
    return self(shape);
  }
};

/// xt::xtensor_adaptor over a non-owning buffer: a view of rank N, every extent dynamic.
/// xt::adapt(p, ...) with an lvalue pointer stores a reference to p (CP = T*&): still a tensor,
/// but weft never builds one (it would refer to a pointer that dies), so it cannot be an input view.
template <class CP, class A, std::size_t N, xt::layout_type L, class Tag>
  requires(L != xt::layout_type::dynamic && L != xt::layout_type::any)
struct tensor_traits<xt::xtensor_adaptor<xt::xbuffer_adaptor<CP, xt::no_ownership, A>, N, L, Tag>>
    : detail::xt_common<std::remove_const_t<std::remove_pointer_t<std::remove_reference_t<CP>>>,
                        typename detail::dyn_extents<N>::type, detail::xt_layout<L, static_cast<std::ptrdiff_t>(N)>,
                        static_cast<std::ptrdiff_t>(N)>,
      detail::xt_access<xt::xtensor_adaptor<xt::xbuffer_adaptor<CP, xt::no_ownership, A>, N, L, Tag>> {
  using self = xt::xtensor_adaptor<xt::xbuffer_adaptor<CP, xt::no_ownership, A>, N, L, Tag>;
  using pointer = std::remove_reference_t<CP>;
  using scalar = std::remove_const_t<std::remove_pointer_t<pointer>>;
  static constexpr bool owns_memory = false;
  static constexpr bool contiguous = true;
  static constexpr bool can_view = !std::is_reference_v<CP>;
  static constexpr bool views_const = std::is_const_v<std::remove_pointer_t<pointer>>;
  using owning_type = xt::xtensor<scalar, N, L>;
  /// A view of the given extents over dense memory at p, in this type's layout. Never allocates.
  /// The buffer is pointed with reset_data, never built from an allocator: the natural const view
  /// type, xbuffer_adaptor<const float*, xt::no_ownership> (allocator std::allocator<const float>,
  /// which has no constructor), works as well as what xt::adapt returns.
  WEFT_INLINE static self view(pointer p, const shape& d) noexcept
    requires(can_view)
  {
    typename self::shape_type shape;
    for (std::size_t i = 0; i < N; ++i) shape[i] = static_cast<std::size_t>(d[i]);
    typename self::storage_type buffer;
    buffer.reset_data(p, static_cast<std::size_t>(d.element_count()));
    return self(std::move(buffer), shape);
  }
};

/// The xtensor view type of rank N over dense memory of T (const T for a const view) in layout L:
/// what xt::adapt(p, n, xt::no_ownership(), shape) returns. Declare a stage's input_type as
/// weft::xt_view<const float, 1> to receive an Eigen or xtensor value of the same spec without a copy.
template <class T, std::size_t N, xt::layout_type L = xt::layout_type::row_major>
using xt_view =
    xt::xtensor_adaptor<xt::xbuffer_adaptor<T*, xt::no_ownership, std::allocator<std::remove_const_t<T>>>, N, L>;

/// An xtensor expression that is not a tensor weft describes (an xt::xfunction such as 2 * a, a
/// view, a broadcast): evaluated with xt::eval to its temporary type (xt::xarray, xt::xtensor or
/// xt::xtensor_fixed, following the expression's shape type). Allocates for dynamic shapes.
template <class X>
  requires(xt::is_xexpression<X>::value && !tensor<X>)
struct expression_traits<X> {
  using plain_type = std::decay_t<decltype(xt::eval(std::declval<const X&>()))>;
  static plain_type evaluate(const X& x) { return xt::eval(x); }
};

}  // namespace weft

#endif  // WEFT_XTENSOR_HPP
