// SPDX-License-Identifier: BSL-1.0
// weft/detail/type_name.hpp - internal: a type's readable name at compile time.
// Contract: type_name<T>() returns the compiler's spelling of T as a std::string_view with
// static storage, e.g. "scaler" or "Eigen::Matrix<float, 4, 1>". Used for default model
// names and to recognise a backend type whose weft header was not included.
#ifndef WEFT_DETAIL_TYPE_NAME_HPP
#define WEFT_DETAIL_TYPE_NAME_HPP

#include <string_view>

namespace weft::detail {

template <class T>
constexpr std::string_view type_name() noexcept {
  std::string_view pretty = __PRETTY_FUNCTION__;
  // g++: "... [with T = X; std::string_view = ...]", clang: "... [T = X]"
  const auto start = pretty.find("T = ") + 4;
  auto end = pretty.find(';', start);
  if (end == std::string_view::npos) end = pretty.rfind(']');
  return pretty.substr(start, end - start);
}

template <class T>
constexpr bool names_start_with(std::string_view prefix) noexcept {
  return type_name<T>().substr(0, prefix.size()) == prefix;
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_TYPE_NAME_HPP
