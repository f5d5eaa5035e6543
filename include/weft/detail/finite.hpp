// SPDX-License-Identifier: BSL-1.0
// weft/detail/finite.hpp - internal: finding NaN and infinity in a tensor of any backend.
//
// Contract: first_non_finite(t) returns the flat row-major index of t's first NaN or infinity, or -1
// when every element is finite (always -1 for integer scalars). Reads every element once; never
// allocates or throws (beyond xt::xarray of rank above 8, see weft/xtensor.hpp).
#ifndef WEFT_DETAIL_FINITE_HPP
#define WEFT_DETAIL_FINITE_HPP

#include <cmath>
#include <cstddef>
#include <type_traits>

#include "../tensor.hpp"
#include "copy.hpp"

namespace weft::detail {

template <class T>
std::ptrdiff_t first_non_finite(const T& t) {
  using tr = tensor_traits<std::remove_cvref_t<T>>;
  using S = typename tr::scalar_type;
  if constexpr (!std::is_floating_point_v<S>) {
    (void)t;
    return -1;
  } else {
    const shape ext = tr::extents_of(t);
    const shape strides = tr::strides_of(t);
    const S* data = tr::data(t);
    const std::ptrdiff_t n = ext.element_count();
    shape index;
    index.resize(ext.rank());
    for (std::ptrdiff_t flat = 0; flat < n; ++flat) {
      std::ptrdiff_t offset = 0;
      for (std::size_t k = 0; k < ext.rank(); ++k) offset += index[k] * strides[k];
      if (!std::isfinite(data[offset])) return flat;
      for (std::size_t k = ext.rank(); k > 0; --k) {
        if (++index[k - 1] < ext[k - 1]) break;
        index[k - 1] = 0;
      }
    }
    return -1;
  }
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_FINITE_HPP
