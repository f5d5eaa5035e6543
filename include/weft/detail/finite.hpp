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
#include "numeric.hpp"

namespace weft::detail {

template <class T>
std::ptrdiff_t first_non_finite(const T& t) {
  using tr = tensor_traits<std::remove_cvref_t<T>>;
  using S = typename tr::scalar_type;
  if constexpr (!std::is_floating_point_v<S>) {
    (void)t;
    return -1;
  } else {
    return first_flat_index(t, [](const S& v) { return !std::isfinite(v); });
  }
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_FINITE_HPP
