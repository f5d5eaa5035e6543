// SPDX-License-Identifier: BSL-1.0
// weft/config/value.hpp - the dynamic owning values between configured stages, and their specs.
//
// Contract:
//   Between configured stages a value is a weft::config::value: one of six fully dynamic owning
//   Eigen types, scalar f32, f64 or i64, rank 1 (Eigen::Matrix<S, Dynamic, 1>) or rank 2
//   (Eigen::Matrix<S, Dynamic, Dynamic, Eigen::RowMajor>: row-major, so that its flat element order
//   is the row-major order reshape uses, and never taken for a column-major batch). The set is kept
//   small on purpose: every member multiplies the bridges instantiated per registered model.
//   weft::config::value_spec is the run-time spec of a value: scalar and extents (weft::dyn for an
//   extent only known per call); text() is weft's spec text ("f32[64]", "f64[?,3]").
//   spec_of<T>() is the spec a typed tensor T declares; dynamic_t<T> the member of the set a T is
//   carried as (same scalar and rank). A T outside the set (another scalar, rank 0 or above 2) fails
//   to compile with a weft: diagnostic naming the rule.
//   connects(from, to) is the load-time judgement of a connection: same scalar, same rank, every
//   extent equal or dyn on either side. flat values: element i of a value in row-major order.
//   Thread safety: value types; const use from many threads is safe.
#ifndef WEFT_CONFIG_VALUE_HPP
#define WEFT_CONFIG_VALUE_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "../eigen.hpp"
#include "../shape.hpp"
#include "../tensor.hpp"

namespace weft::config {

/// The scalars a configured value may hold.
enum class scalar_kind { f32, f64, i64 };

/// "f32", "f64" or "i64".
inline std::string_view scalar_text(scalar_kind s) noexcept {
  switch (s) {
    case scalar_kind::f32: return "f32";
    case scalar_kind::f64: return "f64";
    case scalar_kind::i64: return "i64";
  }
  return "?";
}

/// The scalar named by text ("f32", "f64", "i64"); empty for any other text.
inline std::optional<scalar_kind> parse_scalar(std::string_view text) noexcept {
  if (text == "f32") return scalar_kind::f32;
  if (text == "f64") return scalar_kind::f64;
  if (text == "i64") return scalar_kind::i64;
  return std::nullopt;
}

/// Rank-1 dynamic owning value of scalar S.
template <class S>
using vector_value = Eigen::Matrix<S, Eigen::Dynamic, 1>;
/// Rank-2 dynamic owning value of scalar S, row-major.
template <class S>
using matrix_value = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A value between configured stages: one of the six dynamic owning types.
using value = std::variant<vector_value<float>, vector_value<double>, vector_value<std::int64_t>,
                           matrix_value<float>, matrix_value<double>, matrix_value<std::int64_t>>;

}  // namespace weft::config

namespace weft::detail {
template <class S>
inline constexpr bool is_config_scalar_v =
    std::is_same_v<S, float> || std::is_same_v<S, double> || std::is_same_v<S, std::int64_t>;

template <class S>
constexpr config::scalar_kind config_scalar_kind_of() noexcept {
  if constexpr (std::is_same_v<S, float>) return config::scalar_kind::f32;
  else if constexpr (std::is_same_v<S, double>) return config::scalar_kind::f64;
  else return config::scalar_kind::i64;
}

/// Whether tensor T is carried by a member of the configured value set (scalar f32, f64 or i64;
/// rank 1 or 2).
template <class T>
inline constexpr bool config_representable_v = [] {
  if constexpr (tensor<std::remove_cvref_t<T>>) {
    using traits = tensor_traits<std::remove_cvref_t<T>>;
    return is_config_scalar_v<typename traits::scalar_type> && (traits::rank == 1 || traits::rank == 2);
  } else {
    return false;
  }
}();

template <class T>
struct config_dynamic_of {
  using traits = tensor_traits<std::remove_cvref_t<T>>;
  using scalar = typename traits::scalar_type;
  static_assert(is_config_scalar_v<scalar>,
                "weft: a configured stage's input and output scalar must be float, double or std::int64_t "
                "(the dynamic types of weft/config/value.hpp); add a typed weft::cast<T> inside the model");
  static_assert(traits::rank == 1 || traits::rank == 2,
                "weft: a configured stage's input and output must be of rank 1 or 2 (the dynamic types of "
                "weft/config/value.hpp); reshape inside the model");
  using type = std::conditional_t<traits::rank == 1, config::vector_value<scalar>, config::matrix_value<scalar>>;
};
}  // namespace weft::detail

namespace weft::config {

/// The member of the value set a tensor T is carried as (same scalar and rank); a T outside the set
/// fails to compile.
template <tensor T>
using dynamic_t = typename weft::detail::config_dynamic_of<T>::type;

/// The run-time spec of a configured value: scalar and extents (weft::dyn: known per call).
struct value_spec {
  /// Configured values are Eigen values (a registered xtensor model is bridged by a copy).
  weft::backend backend = weft::backend::eigen;
  scalar_kind scalar = scalar_kind::f32;
  weft::shape extents{weft::dyn};

  /// weft's spec text: "f32[64]", "f64[?,3]".
  std::string text() const { return std::string(scalar_text(scalar)) + to_string(extents); }
  friend bool operator==(const value_spec& a, const value_spec& b) noexcept {
    return a.scalar == b.scalar && a.extents == b.extents;
  }
};

/// The spec a typed tensor T declares (its static extents; dyn where T's is dynamic).
template <tensor T>
value_spec spec_of() {
  using traits = tensor_traits<std::remove_cvref_t<T>>;
  static_assert(sizeof(dynamic_t<T>) > 0);  // the diagnostic for a T outside the set
  value_spec s;
  s.scalar = weft::detail::config_scalar_kind_of<typename traits::scalar_type>();
  s.extents = weft::detail::static_shape<T>();
  return s;
}

/// Whether a value of spec `from` may reach a stage taking `to`: same scalar, same rank, every
/// extent equal or dyn on either side (a dyn is checked per call).
inline bool connects(const value_spec& from, const value_spec& to) noexcept {
  return from.scalar == to.scalar && compatible(from.extents, to.extents);
}

/// The spec of a value that exists: its scalar and run-time extents.
inline value_spec spec_of_value(const value& v) {
  value_spec s;
  std::visit(
      [&](const auto& x) {
        using X = std::remove_cvref_t<decltype(x)>;
        s.scalar = weft::detail::config_scalar_kind_of<typename X::Scalar>();
        if constexpr (X::ColsAtCompileTime == 1) s.extents = weft::shape{static_cast<std::ptrdiff_t>(x.size())};
        else s.extents = weft::shape{static_cast<std::ptrdiff_t>(x.rows()), static_cast<std::ptrdiff_t>(x.cols())};
      },
      v);
  return s;
}

/// The number of elements of a value.
inline std::ptrdiff_t element_count(const value& v) noexcept {
  return std::visit([](const auto& x) { return static_cast<std::ptrdiff_t>(x.size()); }, v);
}

/// Element i (row-major order) of a value, as a double.
inline double element_at(const value& v, std::ptrdiff_t i) noexcept {
  return std::visit([i](const auto& x) { return static_cast<double>(x.data()[i]); }, v);
}

/// A zero-filled value of spec s (its dyn extents taken as `fill`).
inline value make_value(const value_spec& s, std::ptrdiff_t fill = 0) {
  auto ext = [&](std::size_t i) { return s.extents[i] == weft::dyn ? fill : s.extents[i]; };
  auto make = [&](auto scalar) -> value {
    using S = decltype(scalar);
    if (s.extents.rank() == 1) return vector_value<S>(vector_value<S>::Zero(ext(0)));
    return matrix_value<S>(matrix_value<S>::Zero(ext(0), ext(1)));
  };
  switch (s.scalar) {
    case scalar_kind::f32: return make(float{});
    case scalar_kind::f64: return make(double{});
    case scalar_kind::i64: break;
  }
  return make(std::int64_t{});
}

/// Sets element i (row-major order) of a value from a double (static_cast to its scalar).
inline void set_element(value& v, std::ptrdiff_t i, double e) noexcept {
  std::visit([&](auto& x) { x.data()[i] = static_cast<typename std::remove_cvref_t<decltype(x)>::Scalar>(e); }, v);
}

/// A type carried as a value, for dispatch: type_tag<float>{}.
template <class T>
struct type_tag {
  using type = T;
};

/// Calls f(type_tag<S>{}) for the C++ scalar S of scalar kind s.
template <class F>
decltype(auto) with_scalar(scalar_kind s, F&& f) {
  switch (s) {
    case scalar_kind::f32: return f(type_tag<float>{});
    case scalar_kind::f64: return f(type_tag<double>{});
    case scalar_kind::i64: break;
  }
  return f(type_tag<std::int64_t>{});
}

/// Calls f(type_tag<X>{}) for the dynamic value type X that carries values of spec s.
template <class F>
decltype(auto) with_dynamic_type(const value_spec& s, F&& f) {
  return with_scalar(s.scalar, [&](auto scalar) -> decltype(auto) {
    using S = typename decltype(scalar)::type;
    if (s.extents.rank() == 2) return f(type_tag<matrix_value<S>>{});
    return f(type_tag<vector_value<S>>{});
  });
}

}  // namespace weft::config

#endif  // WEFT_CONFIG_VALUE_HPP
