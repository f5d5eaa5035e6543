// SPDX-License-Identifier: BSL-1.0
// weft/tensor.hpp - what weft knows about a tensor type, at compile time.
//
// Contract:
//   weft::tensor_traits<T> describes a tensor type T: scalar_type, rank (a number, or weft::dyn for
//   a rank known only at run time), extents_type (weft::extents<E...>, each E a number or weft::dyn),
//   layout (none for rank 0 and 1, else row_major or col_major), backend, whether T owns its memory,
//   whether its memory is contiguous in layout order, and whether T can view memory it does not own.
//   The primary template is declared and never defined: a type is a weft::tensor exactly when a
//   backend header (weft/eigen.hpp, weft/xtensor.hpp) specialises it.
//   weft::spec_t<T> is a short type naming T's logical spec for diagnostics (weft::f32<-1, 784>),
//   weft::spec_name<T>() its text ("f32[?,784]", "f64[3,3] col-major"), both at compile time.
//   weft::spec_name<S>(shape) is the text of a run-time shape with scalar S (or a tensor type S's
//   scalar): "f32[13]". Backends report a value's extents as a weft::shape (extents_of, strides_of).
//   Nothing here throws; only the run-time spec text allocates.
#ifndef WEFT_TENSOR_HPP
#define WEFT_TENSOR_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "detail/config.hpp"
#include "shape.hpp"

namespace weft {

/// Memory order of a tensor of rank 2 or more; rank-0 and rank-1 tensors have layout none.
enum class layout { none, row_major, col_major };

/// The library a tensor type belongs to.
enum class backend { eigen, xtensor };

/// The static extents of a tensor: each a number or weft::dyn.
template <std::ptrdiff_t... E>
struct extents {
  static constexpr std::ptrdiff_t rank = sizeof...(E);
  static constexpr std::array<std::ptrdiff_t, sizeof...(E)> values{E...};
  static constexpr bool all_static = ((E != dyn) && ...);
  /// Product of the extents; dyn when any is dyn.
  static constexpr std::ptrdiff_t size = all_static ? (std::ptrdiff_t{1} * ... * (E == dyn ? 1 : E)) : dyn;
};

/// Describes tensor type T. Declared, never defined: backend headers specialise it.
template <class T>
struct tensor_traits;

template <class T>
struct tensor_traits<const T> : tensor_traits<T> {};

/// Describes an expression type X of a backend (an Eigen or xtensor expression that is not itself a
/// tensor): plain_type, the tensor it evaluates to, and static evaluate(const X&) returning one.
/// Backend headers specialise it; pipelines evaluate such an argument before judging it.
template <class X>
struct expression_traits {};

/// A type weft can describe: tensor_traits<T> is defined for it (cv and references ignored).
template <class T>
concept tensor = requires {
  typename tensor_traits<std::remove_cvref_t<T>>::scalar_type;
  typename tensor_traits<std::remove_cvref_t<T>>::extents_type;
  tensor_traits<std::remove_cvref_t<T>>::rank;
};

/// Rank value of a tensor type (weft::dyn for a rank known only at run time).
template <tensor T>
inline constexpr std::ptrdiff_t rank_v = tensor_traits<std::remove_cvref_t<T>>::rank;

/// Scalar type of a tensor type.
template <tensor T>
using scalar_t = typename tensor_traits<std::remove_cvref_t<T>>::scalar_type;

// ---------------------------------------------------------------------------------------------
// Spec types: short names that diagnostics print (DESIGN.md section 7, STYLE.md rule 5).
// ---------------------------------------------------------------------------------------------

/// Spec of a float32 tensor with the given extents (-1 is dyn), as printed in diagnostics.
template <std::ptrdiff_t... E> struct f32 {};
/// Spec of a float64 tensor.
template <std::ptrdiff_t... E> struct f64 {};
/// Spec of a signed 8/16/32/64-bit integer tensor.
template <std::ptrdiff_t... E> struct i8 {};
template <std::ptrdiff_t... E> struct i16 {};
template <std::ptrdiff_t... E> struct i32 {};
template <std::ptrdiff_t... E> struct i64 {};
/// Spec of an unsigned 8/16/32/64-bit integer tensor.
template <std::ptrdiff_t... E> struct u8 {};
template <std::ptrdiff_t... E> struct u16 {};
template <std::ptrdiff_t... E> struct u32 {};
template <std::ptrdiff_t... E> struct u64 {};
/// Spec of a bool tensor.
template <std::ptrdiff_t... E> struct b8 {};
/// Spec of a tensor of any other scalar type S.
template <class S, std::ptrdiff_t... E> struct tensor_of {};
/// Spec wrapper: a column-major tensor of rank 2 or more.
template <class Spec> struct col_major {};
/// Spec wrapper: a tensor whose rank is known only at run time (xt::xarray).
template <class Spec> struct any_rank {};

namespace detail {

/// Marker: the backend has no type of the asked rank (Eigen above rank 2).
struct no_backend_type {};

template <class S, std::ptrdiff_t... E> struct scalar_spec { using type = tensor_of<S, E...>; };
template <std::ptrdiff_t... E> struct scalar_spec<float, E...> { using type = f32<E...>; };
template <std::ptrdiff_t... E> struct scalar_spec<double, E...> { using type = f64<E...>; };
template <std::ptrdiff_t... E> struct scalar_spec<std::int8_t, E...> { using type = i8<E...>; };
template <std::ptrdiff_t... E> struct scalar_spec<std::int16_t, E...> { using type = i16<E...>; };
template <std::ptrdiff_t... E> struct scalar_spec<std::int32_t, E...> { using type = i32<E...>; };
template <std::ptrdiff_t... E> struct scalar_spec<std::int64_t, E...> { using type = i64<E...>; };
template <std::ptrdiff_t... E> struct scalar_spec<std::uint8_t, E...> { using type = u8<E...>; };
template <std::ptrdiff_t... E> struct scalar_spec<std::uint16_t, E...> { using type = u16<E...>; };
template <std::ptrdiff_t... E> struct scalar_spec<std::uint32_t, E...> { using type = u32<E...>; };
template <std::ptrdiff_t... E> struct scalar_spec<std::uint64_t, E...> { using type = u64<E...>; };
template <std::ptrdiff_t... E> struct scalar_spec<bool, E...> { using type = b8<E...>; };

template <class S, class Ext> struct spec_of_extents;
template <class S, std::ptrdiff_t... E>
struct spec_of_extents<S, extents<E...>> { using type = typename scalar_spec<S, E...>::type; };

template <class T, class Tr = tensor_traits<std::remove_cvref_t<T>>>
struct spec_type {
  using base = typename spec_of_extents<typename Tr::scalar_type, typename Tr::extents_type>::type;
  using ranked = std::conditional_t<Tr::rank == dyn, any_rank<base>, base>;
  using type = std::conditional_t<Tr::layout == layout::col_major, col_major<ranked>, ranked>;
};

template <class S>
constexpr std::string_view scalar_name() noexcept {
  if constexpr (std::is_same_v<S, float>) return "f32";
  else if constexpr (std::is_same_v<S, double>) return "f64";
  else if constexpr (std::is_same_v<S, bool>) return "b8";
  else if constexpr (std::is_integral_v<S> && std::is_signed_v<S>) {
    if constexpr (sizeof(S) == 1) return "i8";
    else if constexpr (sizeof(S) == 2) return "i16";
    else if constexpr (sizeof(S) == 4) return "i32";
    else return "i64";
  } else if constexpr (std::is_integral_v<S>) {
    if constexpr (sizeof(S) == 1) return "u8";
    else if constexpr (sizeof(S) == 2) return "u16";
    else if constexpr (sizeof(S) == 4) return "u32";
    else return "u64";
  } else if constexpr (std::is_same_v<S, long double>) return "f80";
  else return "scalar";
}

/// A fixed-capacity string built at compile time.
struct spec_text {
  std::array<char, 96> chars{};
  std::size_t length = 0;
  constexpr void append(std::string_view s) noexcept {
    for (char c : s)
      if (length + 1 < chars.size()) chars[length++] = c;
  }
  constexpr void append_number(std::ptrdiff_t v) noexcept {
    if (v == dyn) return append("?");
    char digits[24]{};
    int n = 0;
    do { digits[n++] = static_cast<char>('0' + v % 10); v /= 10; } while (v > 0);
    while (n > 0) { const char c[1] = {digits[--n]}; append(std::string_view(c, 1)); }
  }
  constexpr std::string_view view() const noexcept { return {chars.data(), length}; }
};

template <class T, class Tr = tensor_traits<std::remove_cvref_t<T>>>
constexpr spec_text make_spec_text() noexcept {
  spec_text t;
  t.append(scalar_name<typename Tr::scalar_type>());
  t.append("[");
  if constexpr (Tr::rank == dyn) {
    t.append("...");
  } else {
    bool first = true;
    for (auto e : Tr::extents_type::values) {
      if (!first) t.append(",");
      first = false;
      t.append_number(e);
    }
  }
  t.append("]");
  if constexpr (Tr::layout == layout::col_major) t.append(" col-major");
  return t;
}

template <class T>
inline constexpr spec_text spec_text_v = make_spec_text<T>();

/// S itself for a scalar type, the scalar of S for a tensor type.
template <class S, bool = tensor<S>> struct scalar_of { using type = S; };
template <class S> struct scalar_of<S, true> { using type = typename tensor_traits<std::remove_cvref_t<S>>::scalar_type; };

/// T's extents known at compile time as a shape (dyn where only run time knows); rank 0 for a type
/// whose rank is known only at run time (check has_static_rank first).
template <class T, class Tr = tensor_traits<std::remove_cvref_t<T>>>
constexpr shape static_shape() noexcept {
  shape s;
  if constexpr (Tr::rank != dyn) {
    s.resize(static_cast<std::size_t>(Tr::rank));
    for (std::size_t i = 0; i < s.rank(); ++i) s[i] = Tr::extents_type::values[i];
  }
  return s;
}

/// T's rank is known at compile time (every tensor type but xt::xarray).
template <class T>
inline constexpr bool has_static_rank = tensor_traits<std::remove_cvref_t<T>>::rank != dyn;

}  // namespace detail

/// Short type naming T's spec, for diagnostics: weft::f32<4>, weft::col_major<weft::f64<3, 3>>.
template <tensor T>
using spec_t = typename detail::spec_type<T>::type;

namespace detail {
/// spec_t<T> for a tensor, a std::tuple of specs for a tuple of tensors, T itself otherwise: what a
/// diagnostic prints for a value that may not be a tensor.
template <class T, bool = tensor<T>>
struct spec_or_type {
  using type = T;
};
template <class T>
struct spec_or_type<T, true> {
  using type = spec_t<T>;
};
template <class... T>
struct spec_or_type<std::tuple<T...>, false> {
  using type = std::tuple<typename spec_or_type<T>::type...>;
};
}  // namespace detail

/// T's spec as text, e.g. "f32[4]", "f32[?,784]", "f64[3,3] col-major", "f32[...]" for any rank.
template <tensor T>
constexpr std::string_view spec_name() noexcept {
  return detail::spec_text_v<std::remove_cvref_t<T>>.view();
}

/// The spec of shape s with scalar S, e.g. spec_name<float>(weft::shape{weft::dyn, 784}) is
/// "f32[?,784]". S may also be a tensor type: its scalar is used. Allocates the string.
template <class S>
std::string spec_name(const shape& s) {
  using scalar = typename detail::scalar_of<S>::type;
  return std::string(detail::scalar_name<scalar>()) + to_string(s);
}

/// The spec of a value of type T with run-time extents s, e.g. "f32[3]" for a 3-vector.
template <tensor T>
std::string actual_spec_name(const shape& s) {
  return spec_name<T>(s);
}

}  // namespace weft

#endif  // WEFT_TENSOR_HPP
