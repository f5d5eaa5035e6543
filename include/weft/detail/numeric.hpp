// SPDX-License-Identifier: BSL-1.0
// weft/detail/numeric.hpp - internal: exact integer sums, range checks and the text of range_error.
//
// Contract: wide_int_t<S> is a 128-bit integer of S's signedness in which N values of an integer S sum
// exactly (N < 2^63). fits_in<To>(v) is true when static_cast<To>(v) is defined and keeps v's value
// (truncated toward zero for a floating v into an integer To; never true for a NaN or an infinity
// into an integer; a floating v into a narrower floating To fits when finite and within To's range,
// or when NaN or infinite). value_text(v) and range_text<To>() spell a value and To's range for
// weft::range_error. first_flat_index(t, pred) is the flat row-major index of t's first element
// satisfying pred, or -1. row_major_index(t, offset) turns a memory offset of a dense t into its flat
// row-major index. Never allocates, except the text helpers (cold paths). Thread-safe.
#ifndef WEFT_DETAIL_NUMERIC_HPP
#define WEFT_DETAIL_NUMERIC_HPP

#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "../tensor.hpp"

namespace weft::detail {

// 128-bit integers (g++ and clang); __extension__ keeps -Wpedantic quiet.
__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;

/// An integer type in which any N < 2^63 values of integer type S sum exactly.
template <class S>
using wide_int_t = std::conditional_t<std::is_signed_v<S>, int128, uint128>;

/// static_cast<To>(v) is defined and keeps v's value (see the header comment). bool takes anything.
template <class To, class From>
bool fits_in(From v) noexcept {
  if constexpr (std::is_same_v<To, bool> || std::is_same_v<To, From>) {
    return true;
  } else if constexpr (std::is_integral_v<To> && std::is_integral_v<From>) {
    if constexpr (std::is_same_v<From, bool>) return true;
    else return std::in_range<To>(v);
  } else if constexpr (std::is_integral_v<To>) {  // floating -> integer: truncation must fit
    // 2^digits is exact in every floating type; -2^digits is To's lowest for a signed To.
    constexpr From top = [] {
      From p = 1;
      for (int i = 0; i < std::numeric_limits<To>::digits; ++i) p *= 2;
      return p;
    }();
    if (!std::isfinite(v)) return false;
    const From t = std::trunc(v);
    if constexpr (std::is_signed_v<To>) return t >= -top && t < top;
    else return t >= From(0) && t < top;
  } else if constexpr (std::is_floating_point_v<From>) {  // floating -> floating
    if constexpr (std::numeric_limits<To>::max() >= std::numeric_limits<From>::max()) return true;
    else {
      if (!std::isfinite(v)) return true;  // NaN and infinity exist in To too
      constexpr From top = static_cast<From>(std::numeric_limits<To>::max());
      return v >= -top && v <= top;
    }
  } else {  // integer -> floating: every standard integer lies within float's range
    return true;
  }
}

/// A cast from scalar From to scalar To must be checked value by value (some From does not fit in To).
template <class From, class To>
inline constexpr bool cast_needs_check = [] {
  if constexpr (std::is_same_v<To, bool> || std::is_same_v<To, From>) return false;
  else if constexpr (std::is_integral_v<To> && std::is_integral_v<From>)
    return !std::is_same_v<From, bool> &&
           (std::cmp_less(std::numeric_limits<From>::lowest(), std::numeric_limits<To>::lowest()) ||
            std::cmp_greater(std::numeric_limits<From>::max(), std::numeric_limits<To>::max()));
  else if constexpr (std::is_integral_v<To>) return true;
  else if constexpr (std::is_floating_point_v<From>) return std::numeric_limits<To>::max() < std::numeric_limits<From>::max();
  else return false;
}();

/// v as text: integers exactly, floating values in their shortest round-trip form ("1e+10", "nan").
template <class V>
std::string value_text(V v) {
  if constexpr (std::is_same_v<V, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_same_v<V, int128> || std::is_same_v<V, uint128>) {
    const bool negative = v < 0;
    uint128 u = negative ? uint128(0) - uint128(v) : uint128(v);
    std::string s;
    do {
      s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
      u /= 10;
    } while (u != 0);
    return negative ? "-" + s : s;
  } else if constexpr (std::is_integral_v<V>) {
    return std::to_string(v);
  } else {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
  }
}

/// The range of scalar To as text, e.g. "i32 [-2147483648, 2147483647]" or "f32 [-3.4028235e+38, 3.4028235e+38]".
template <class To>
std::string range_text() {
  std::string s(scalar_name<To>());
  s += " [";
  s += value_text(std::numeric_limits<To>::lowest());
  s += ", ";
  s += value_text(std::numeric_limits<To>::max());
  s += ']';
  return s;
}

/// Calls visit(offset) with the memory offset of each element of t, in row-major index order
/// (strides followed), until visit returns true. Returns the flat row-major index where it stopped,
/// or -1 when it visited every element.
template <class T, class V>
std::ptrdiff_t visit_row_major(const T& t, V visit) {
  using tr = tensor_traits<std::remove_cvref_t<T>>;
  if constexpr (tr::contiguous && tr::rank != dyn && (tr::rank <= 1 || tr::layout == layout::row_major)) {
    // memory order is row-major index order: one flat scan
    constexpr std::ptrdiff_t size = tr::extents_type::size;
    const std::ptrdiff_t n = size != dyn ? size : tr::extents_of(t).element_count();
    for (std::ptrdiff_t i = 0; i < n; ++i)
      if (visit(i)) return i;
    return -1;
  }
  const shape ext = tr::extents_of(t);
  const shape strides = tr::strides_of(t);
  const std::ptrdiff_t n = ext.element_count();
  shape index;
  index.resize(ext.rank());
  for (std::ptrdiff_t flat = 0; flat < n; ++flat) {
    std::ptrdiff_t offset = 0;
    for (std::size_t k = 0; k < ext.rank(); ++k) offset += index[k] * strides[k];
    if (visit(offset)) return flat;
    for (std::size_t k = ext.rank(); k > 0; --k) {
      if (++index[k - 1] < ext[k - 1]) break;
      index[k - 1] = 0;
    }
  }
  return -1;
}

/// Flat row-major index of t's first element e with pred(e), or -1. Reads each element at most once.
template <class T, class P>
std::ptrdiff_t first_flat_index(const T& t, P pred) {
  const auto* data = tensor_traits<std::remove_cvref_t<T>>::data(t);
  return visit_row_major(t, [&](std::ptrdiff_t offset) { return pred(data[offset]); });
}

/// The flat row-major index of the element at memory offset `offset` of the dense tensor t.
template <class T>
std::ptrdiff_t row_major_index(const T& t, std::ptrdiff_t offset) {
  using tr = tensor_traits<std::remove_cvref_t<T>>;
  const shape ext = tr::extents_of(t);
  const shape strides = tr::strides_of(t);
  std::ptrdiff_t flat = 0;
  for (std::size_t k = 0; k < ext.rank(); ++k) {
    const std::ptrdiff_t i = strides[k] != 0 && ext[k] > 0 ? (offset / strides[k]) % ext[k] : 0;
    flat = flat * ext[k] + i;
  }
  return flat;
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_NUMERIC_HPP
