// SPDX-License-Identifier: BSL-1.0
// weft/detail/copy.hpp - internal: element copies between tensors of any backend and layout.
//
// Contract: copy_elements(src, dst) writes every element of src into dst at the same logical index
// (so a row-major xtensor copied into a column-major Eigen matrix keeps a(i, j) == b(i, j)),
// converting the scalar with static_cast. dst must already have src's extents. Dense tensors of
// the same memory order copy as one flat pass; others walk their strides. Never allocates or throws.
// copy_flat(src, p) writes src's elements in row-major (C) index order to the dense buffer p.
#ifndef WEFT_DETAIL_COPY_HPP
#define WEFT_DETAIL_COPY_HPP

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "../tensor.hpp"
#include "config.hpp"

namespace weft::detail {

template <class S, class D>
void strided_copy(const S* src, const shape& src_strides, D* dst, const shape& dst_strides, const shape& ext) noexcept {
  const std::size_t rank = ext.rank();
  if (ext.element_count() == 0) return;
  if (rank == 0) {
    *dst = static_cast<D>(*src);
    return;
  }
  if (rank == 1) {
    for (std::ptrdiff_t i = 0; i < ext[0]; ++i) dst[i * dst_strides[0]] = static_cast<D>(src[i * src_strides[0]]);
    return;
  }
  if (rank == 2) {
    for (std::ptrdiff_t i = 0; i < ext[0]; ++i)
      for (std::ptrdiff_t j = 0; j < ext[1]; ++j)
        dst[i * dst_strides[0] + j * dst_strides[1]] = static_cast<D>(src[i * src_strides[0] + j * src_strides[1]]);
    return;
  }
  shape index;
  index.resize(rank);
  for (;;) {
    std::ptrdiff_t so = 0, dof = 0;
    for (std::size_t k = 0; k < rank; ++k) {
      so += index[k] * src_strides[k];
      dof += index[k] * dst_strides[k];
    }
    dst[dof] = static_cast<D>(src[so]);
    std::size_t k = rank;
    while (k > 0) {
      --k;
      if (++index[k] < ext[k]) break;
      index[k] = 0;
      if (k == 0) return;
    }
  }
}

/// Row-major (C order) strides, in elements, of a dense tensor with extents ext.
constexpr shape row_major_strides(const shape& ext) noexcept {
  shape s;
  s.resize(ext.rank());
  std::ptrdiff_t step = 1;
  for (std::size_t k = ext.rank(); k > 0; --k) {
    s[k - 1] = step;
    step *= ext[k - 1];
  }
  return s;
}

template <class F, class T>
inline constexpr bool same_memory_order =
    (tensor_traits<F>::rank != dyn && tensor_traits<F>::rank <= 1 && tensor_traits<T>::rank != dyn &&
     tensor_traits<T>::rank <= 1) ||
    (tensor_traits<F>::layout == tensor_traits<T>::layout);

/// n elements from src to dst, converted with static_cast. A plain loop in a forced-inline function:
/// no call left for the inliner to decide (g++ turns it into vector moves, or memmove for a long run).
template <class S, class D>
WEFT_INLINE void flat_copy(const S* src, D* dst, std::ptrdiff_t n) noexcept {
  for (std::ptrdiff_t i = 0; i < n; ++i) dst[i] = static_cast<D>(src[i]);
}

template <class F, class T>
WEFT_INLINE void copy_elements(const F& src, T& dst) {
  using tf = tensor_traits<F>;
  using tt = tensor_traits<T>;
  using S = typename tf::scalar_type;
  using D = typename tt::scalar_type;
  if constexpr (tf::contiguous && tt::contiguous && same_memory_order<F, T>) {
    constexpr std::ptrdiff_t n = tf::extents_type::size;
    if constexpr (n != dyn && tf::rank != dyn) flat_copy<S, D>(tf::data(src), tt::data(dst), n);
    else flat_copy<S, D>(tf::data(src), tt::data(dst), tf::extents_of(src).element_count());
  } else {
    strided_copy(tf::data(src), tf::strides_of(src), tt::data(dst), tt::strides_of(dst), tf::extents_of(src));
  }
}

template <class F, class D>
WEFT_INLINE void copy_flat(const F& src, D* dst) {
  using tf = tensor_traits<F>;
  using S = typename tf::scalar_type;
  const shape ext = tf::extents_of(src);
  if constexpr (tf::contiguous && (tf::rank != dyn && (tf::rank <= 1 || tf::layout == layout::row_major))) {
    flat_copy<S, D>(tf::data(src), dst, ext.element_count());
  } else {
    strided_copy(tf::data(src), tf::strides_of(src), dst, row_major_strides(ext), ext);
  }
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_COPY_HPP
