// SPDX-License-Identifier: BSL-1.0
// weft/shape.hpp - weft::shape: the run-time extents of a tensor, or the extents a model declares.
//
// Contract:
//   weft::shape is a small value type (no allocation, trivially copyable): a rank of at most 8 and
//   that many extents, each a number >= 0 or weft::dyn (-1, "any"). weft::shape{13},
//   weft::shape{weft::dyn, 784}; weft::shape{} is rank 0 (a scalar). Building one of rank above 8, or
//   with an extent below -1, throws weft::shape_error (in a constant expression: a compile error).
//   element_count() is the product of the extents and never overflows: 0 when any extent is 0
//   (whatever the others are), weft::dyn when an extent is dyn and none is 0, and weft::shape_error
//   when the product exceeds PTRDIFF_MAX (no tensor that exists has that many elements; a declared
//   shape that does is a mistake worth a message, not a wrapped number).
//   a.admits(b): b has a's rank and each of b's extents equals a's, or a's is dyn (b may itself hold
//   dyn: a declared shape meeting a declared shape). compatible(a, b) is the symmetric judgement
//   (each pair equal or one dyn). to_string(s) is "[?,784]"; weft::spec_name<float>(s) (tensor.hpp)
//   is "f32[?,784]". Models declare shapes with input_shape()/output_shape() (docs/shapes.md).
//   Cost: building, reading and comparing a shape are forced inline (no call on a pipeline's path).
//   Thread safety: a value type; const use from many threads is safe.
#ifndef WEFT_SHAPE_HPP
#define WEFT_SHAPE_HPP

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "detail/config.hpp"
#include "errors.hpp"

namespace weft {

/// An extent (or a rank) known only at run time. Signed, so that diagnostics print it as -1.
inline constexpr std::ptrdiff_t dyn = -1;

class shape;
/// "[13]", "[?,784]", "[]" for rank 0.
inline std::string to_string(const shape& s);

/// A rank (at most 8) and that many extents, each a number or weft::dyn; see the header comment.
class shape {
 public:
  /// The largest rank a shape holds.
  static constexpr std::size_t max_rank = 8;

  /// Rank 0 (a scalar).
  constexpr shape() noexcept = default;

  /// The given extents, outermost first: shape{13}, shape{weft::dyn, 784}. Throws shape_error for
  /// more than 8 extents or an extent below -1.
  WEFT_INLINE constexpr shape(std::initializer_list<std::ptrdiff_t> extents) {
    resize(extents.size());
    std::size_t i = 0;
    for (std::ptrdiff_t e : extents) {
      if (e < dyn) throw_bad_extent(e);
      extents_[i++] = e;
    }
  }

  /// A shape of rank r with every extent `fill`. Throws shape_error for r above 8.
  static constexpr shape filled(std::size_t r, std::ptrdiff_t fill) {
    shape s;
    s.resize(r);
    for (std::size_t i = 0; i < r; ++i) s.extents_[i] = fill;
    return s;
  }

  /// Number of extents.
  WEFT_INLINE constexpr std::size_t rank() const noexcept { return rank_; }

  /// Extent i (i < rank()).
  WEFT_INLINE constexpr std::ptrdiff_t operator[](std::size_t i) const noexcept { return extents_[i]; }
  /// Extent i, to set it (i < rank()).
  WEFT_INLINE constexpr std::ptrdiff_t& operator[](std::size_t i) noexcept { return extents_[i]; }

  /// Sets the rank; new extents are 0. Throws shape_error for r above 8.
  WEFT_INLINE constexpr void resize(std::size_t r) {
    if (r > max_rank) throw_rank_too_large(r);
    for (std::size_t i = r; i < rank_; ++i) extents_[i] = 0;  // slots beyond the rank stay 0
    rank_ = r;
  }

  /// The extents, outermost first.
  constexpr const std::ptrdiff_t* begin() const noexcept { return extents_.data(); }
  constexpr const std::ptrdiff_t* end() const noexcept { return extents_.data() + rank_; }

  /// No extent is dyn.
  constexpr bool is_static() const noexcept {
    for (std::size_t i = 0; i < rank_; ++i)
      if (extents_[i] == dyn) return false;
    return true;
  }

  /// The number of elements: 0 when an extent is 0, else dyn when one is dyn, else the product.
  /// Throws shape_error when the product exceeds PTRDIFF_MAX; never overflows.
  constexpr std::ptrdiff_t element_count() const {
    bool any_dyn = false;
    for (std::size_t i = 0; i < rank_; ++i) {
      if (extents_[i] == 0) return 0;
      any_dyn = any_dyn || extents_[i] == dyn;
    }
    if (any_dyn) return dyn;
    std::ptrdiff_t n = 1;
    for (std::size_t i = 0; i < rank_; ++i)
      if (__builtin_mul_overflow(n, extents_[i], &n)) throw_count_overflow(*this);
    return n;
  }

  /// `actual` fits this shape: same rank, and each extent equal or this one dyn.
  WEFT_INLINE constexpr bool admits(const shape& actual) const noexcept {
    if (actual.rank_ != rank_) return false;
    for (std::size_t i = 0; i < rank_; ++i)
      if (extents_[i] != dyn && extents_[i] != actual.extents_[i]) return false;
    return true;
  }

  /// Same rank and the same extents (dyn equals only dyn).
  friend constexpr bool operator==(const shape& a, const shape& b) noexcept {
    if (a.rank_ != b.rank_) return false;
    for (std::size_t i = 0; i < a.rank_; ++i)
      if (a.extents_[i] != b.extents_[i]) return false;
    return true;
  }

 private:
  [[noreturn, gnu::cold, gnu::noinline]] static void throw_rank_too_large(std::size_t r) {
    throw shape_error("a shape of rank at most 8", "rank " + std::to_string(r));
  }
  [[noreturn, gnu::cold, gnu::noinline]] static void throw_bad_extent(std::ptrdiff_t e) {
    throw shape_error("extents >= 0 or weft::dyn", "an extent of " + std::to_string(e));
  }
  [[noreturn, gnu::cold, gnu::noinline]] static void throw_count_overflow(const shape& s) {
    throw shape_error("a shape of at most PTRDIFF_MAX elements", to_string(s));
  }

  std::array<std::ptrdiff_t, max_rank> extents_{};
  std::size_t rank_ = 0;
};

/// Both shapes could describe one tensor: same rank, and each pair of extents equal or one dyn.
constexpr bool compatible(const shape& a, const shape& b) noexcept {
  if (a.rank() != b.rank()) return false;
  for (std::size_t i = 0; i < a.rank(); ++i)
    if (a[i] != dyn && b[i] != dyn && a[i] != b[i]) return false;
  return true;
}

inline std::string to_string(const shape& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.rank(); ++i) {
    if (i) t += ',';
    t += s[i] == dyn ? std::string("?") : std::to_string(s[i]);
  }
  t += ']';
  return t;
}

namespace detail {

/// M declares the run-time extents it takes: a const member input_shape() returning weft::shape.
template <class M>
concept declares_input_shape = requires(const M& m) {
  { m.input_shape() } -> std::same_as<shape>;
};

/// M declares the run-time extents it returns: a const member output_shape() returning weft::shape
/// (a fan_out returns a std::tuple of shapes, one per branch: see declares_output_tuple).
template <class M>
concept declares_output_shape = requires(const M& m) {
  { m.output_shape() } -> std::same_as<shape>;
};

}  // namespace detail


}  // namespace weft

#endif  // WEFT_SHAPE_HPP
