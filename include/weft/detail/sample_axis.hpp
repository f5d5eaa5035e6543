// SPDX-License-Identifier: BSL-1.0
// weft/detail/sample_axis.hpp - internal: reading a tensor as one sample or as a batch of samples.
//
// Contract:
//   The adapters over samples (softmax, argmax, normalize, check_finite, concat) read their input
//   through these helpers, with the rule of weft::batch_t (weft/batch.hpp):
//     a rank-1 tensor (or an xt::xarray, which must hold rank 1 at run time) is one sample;
//     a column-major Eigen matrix of rank 2 is a batch, one sample per column;
//     an xtensor of static rank 2 is a batch, samples along axis 0 (whatever its layout);
//     a row-major Eigen matrix of rank 2 is neither (row_major_eigen_batch: the adapters diagnose it).
//   rank1_span / sample_slots view the elements of one sample through its stride; batch_span views a
//   batch as `count` samples of `size` elements, sample j starting at data + j * sample_stride.
//   sample_spec_name (cold paths) names a sample of a batch as "f32[3] (sample 1 of f32[3,4])".
//   Nothing here allocates except that text; nothing throws except rank1_of (shape_error) and it.
#ifndef WEFT_DETAIL_SAMPLE_AXIS_HPP
#define WEFT_DETAIL_SAMPLE_AXIS_HPP

#include <cstddef>
#include <string>
#include <type_traits>

#include "../errors.hpp"
#include "../tensor.hpp"
#include "config.hpp"

namespace weft::detail {

/// T is a row-major Eigen matrix of rank 2: no batch (a batch holds one sample per column).
template <class T>
inline constexpr bool row_major_eigen_batch = [] {
  if constexpr (!tensor<T>) return false;
  else {
    using tr = tensor_traits<std::remove_cvref_t<T>>;
    return tr::backend == backend::eigen && tr::rank == 2 && tr::layout == layout::row_major;
  }
}();

/// T is a batch of rank-1 samples: a column-major Eigen matrix or an xtensor of static rank 2.
template <class T>
inline constexpr bool sample_batch = [] {
  if constexpr (!tensor<T>) return false;
  else return rank_v<T> == 2 && !row_major_eigen_batch<T>;
}();

/// The static extent of the samples of batch type T (dyn when known only at run time).
template <class T, class Tr = tensor_traits<std::remove_cvref_t<T>>>
inline constexpr std::ptrdiff_t sample_extent_v = Tr::extents_type::values[Tr::backend == backend::eigen ? 0 : 1];

/// The static number of samples of batch type T (dyn when known only at run time).
template <class T, class Tr = tensor_traits<std::remove_cvref_t<T>>>
inline constexpr std::ptrdiff_t batch_extent_v = Tr::extents_type::values[Tr::backend == backend::eigen ? 1 : 0];

/// Run-time extents of a rank-1 tensor of n elements.
WEFT_INLINE constexpr shape vector_shape(std::ptrdiff_t n) noexcept {
  shape d;
  d.resize(1);
  d[0] = n;
  return d;
}

/// The elements of a rank-1 tensor (or of one sample), read through its stride. Never allocates.
template <class S>
struct rank1_span {
  const S* data;
  std::ptrdiff_t stride;
  std::ptrdiff_t size;
  WEFT_INLINE const S& operator[](std::ptrdiff_t i) const noexcept { return data[i * stride]; }
};

/// Where an adapter writes one sample's elements: element i at data[i * stride].
template <class S>
struct sample_slots {
  S* data;
  std::ptrdiff_t stride;
  WEFT_INLINE S& operator[](std::ptrdiff_t i) const noexcept { return data[i * stride]; }
};

/// A batch: `count` samples of `size` elements; element i of sample j at
/// data[j * sample_stride + i * element_stride].
template <class P>
struct batch_span {
  P data;
  std::ptrdiff_t count;
  std::ptrdiff_t size;
  std::ptrdiff_t sample_stride;
  std::ptrdiff_t element_stride;
  using scalar = std::remove_const_t<std::remove_pointer_t<P>>;
  WEFT_INLINE rank1_span<scalar> sample(std::ptrdiff_t j) const noexcept {
    return {data + j * sample_stride, element_stride, size};
  }
  WEFT_INLINE sample_slots<scalar> slots(std::ptrdiff_t j) const noexcept
    requires(!std::is_const_v<std::remove_pointer_t<P>>)
  {
    return {data + j * sample_stride, element_stride};
  }
};

/// The samples of batch x (see sample_batch). Never allocates or throws.
template <class In, class P>
WEFT_INLINE batch_span<P> samples_of(const In& x, P data) {
  using tr = tensor_traits<std::remove_cvref_t<In>>;
  constexpr std::size_t sample_axis = tr::backend == backend::eigen ? 0 : 1;
  constexpr std::size_t batch_axis = 1 - sample_axis;
  const shape d = tr::extents_of(x);
  if constexpr (tr::contiguous && sample_extent_v<In> != dyn &&
                tr::layout == (sample_axis == 0 ? layout::col_major : layout::row_major)) {
    // dense, samples one after the other: strides known at compile time
    return {data, d[batch_axis], sample_extent_v<In>, sample_extent_v<In>, 1};
  } else {
    const shape s = tr::strides_of(x);
    return {data, d[batch_axis], d[sample_axis], s[batch_axis], s[sample_axis]};
  }
}

/// The samples of batch x, read-only.
template <class In>
WEFT_INLINE batch_span<const scalar_t<In>*> samples_of(const In& x) {
  return samples_of(x, static_cast<const scalar_t<In>*>(tensor_traits<std::remove_cvref_t<In>>::data(x)));
}

/// The samples of batch x, writable (x an owning tensor that an adapter fills).
template <class Out>
WEFT_INLINE batch_span<scalar_t<Out>*> writable_samples_of(Out& x) {
  return samples_of(x, tensor_traits<Out>::data(x));
}

/// The run-time extents of a batch of `count` samples of `size` elements of type T's backend.
template <class T>
WEFT_INLINE constexpr shape batch_shape(std::ptrdiff_t count, std::ptrdiff_t size) noexcept {
  shape d;
  d.resize(2);
  const bool eigen = tensor_traits<std::remove_cvref_t<T>>::backend == backend::eigen;
  d[eigen ? 0 : 1] = size;
  d[eigen ? 1 : 0] = count;
  return d;
}

template <class In>
[[noreturn, gnu::noinline, gnu::cold]] void throw_not_rank1(const shape& d) {
  spec_text expected;
  expected.append(scalar_name<scalar_t<In>>());
  expected.append("[?]");
  throw shape_error(expected.view(), actual_spec_name<In>(d));
}

/// x's elements; an xt::xarray must hold rank 1 at run time (else shape_error).
template <class In>
WEFT_INLINE rank1_span<scalar_t<In>> rank1_of(const In& x) {
  using tr = tensor_traits<In>;
  if constexpr (tr::rank == dyn) {
    const shape d = tr::extents_of(x);
    if (d.rank() != 1) throw_not_rank1<In>(d);
    return {tr::data(x), tr::strides_of(x)[0], d[0]};
  } else {
    constexpr std::ptrdiff_t n = tr::extents_type::values[0];
    const std::ptrdiff_t size = n != dyn ? n : tr::extents_of(x)[0];
    if constexpr (tr::contiguous) return {tr::data(x), 1, size};
    else return {tr::data(x), tr::strides_of(x)[0], size};
  }
}

/// The spec of one sample of n elements of x: "f32[3]", or for sample j of a batch x
/// "f32[3] (sample 1 of f32[3,4])". Allocates (cold paths only).
template <class In>
std::string sample_spec_name(const In& x, [[maybe_unused]] std::ptrdiff_t j, std::ptrdiff_t n) {
  std::string text = actual_spec_name<In>(vector_shape(n));
  if constexpr (sample_batch<In>)
    text += " (sample " + std::to_string(j) + " of " + actual_spec_name<In>(tensor_traits<In>::extents_of(x)) + ")";
  else (void)x;
  return text;
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_SAMPLE_AXIS_HPP
