// weft/errors.hpp - the errors weft throws at run time.
//
// Contract:
//   weft::error derives from std::runtime_error. Its what() reads
//     "weft: <kind> at <path>: <detail>"
//   where <path> names the stages from the outermost pipeline called, outermost first
//   (`sequence[2] > fan_out[1] "classifier"`). Combinators add their segment while the error
//   passes through them (add_outer), so building the path costs nothing on the success path.
//   shape_error: a run-time extent did not fit (expected spec, actual extents).
//   non_finite_error: a NaN or infinity was found where the user asked for a check.
//   An exception thrown by a user's model is never wrapped: it reaches the caller unchanged.
#ifndef WEFT_ERRORS_HPP
#define WEFT_ERRORS_HPP

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft {

/// Base of every error weft throws. Not thread-shared: each throw builds its own object.
class error : public std::runtime_error {
 public:
  /// kind: a short word ("shape_error"); detail: what was expected and what was found.
  error(std::string_view kind, std::string detail)
      : std::runtime_error(std::string(kind)), kind_(kind), detail_(std::move(detail)) {
    rebuild();
  }

  /// The full message: "weft: <kind> at <path>: <detail>".
  const char* what() const noexcept override { return message_.c_str(); }

  /// Stage path segments, outermost first (e.g. {"sequence[2]", "fan_out[1] \"classifier\""}).
  const std::vector<std::string>& path() const noexcept { return path_; }

  /// The stage path as text, outermost first, joined by " > "; empty when raised outside a combinator.
  std::string path_text() const {
    std::string s;
    for (const auto& seg : path_) {
      if (!s.empty()) s += " > ";
      s += seg;
    }
    return s;
  }

  /// What was expected and what was found, without the path.
  const std::string& detail() const noexcept { return detail_; }

  /// Called by a combinator while the error leaves it: prepends that combinator's segment.
  void add_outer(std::string segment) {
    path_.insert(path_.begin(), std::move(segment));
    rebuild();
  }

 private:
  void rebuild() {
    message_ = "weft: ";
    message_ += kind_;
    if (!path_.empty()) {
      message_ += " at ";
      message_ += path_text();
    }
    message_ += ": ";
    message_ += detail_;
  }

  std::string_view kind_;
  std::string detail_;
  std::vector<std::string> path_;
  std::string message_;
};

/// A run-time extent did not fit: a dyn extent met a number and the two differ.
class shape_error : public error {
 public:
  /// expected: the spec the stage declares; actual: the spec of the value that arrived.
  shape_error(std::string_view expected, std::string_view actual)
      : error("shape_error", "expected " + std::string(expected) + ", got " + std::string(actual)),
        expected_(expected), actual_(actual) {}
  const std::string& expected() const noexcept { return expected_; }
  const std::string& actual() const noexcept { return actual_; }

 private:
  std::string expected_;
  std::string actual_;
};

/// A NaN or an infinity was found where the user asked weft to check.
class non_finite_error : public error {
 public:
  /// spec: the spec of the checked value; index: the flat (row-major) index of the first bad element.
  non_finite_error(std::string_view spec, std::ptrdiff_t index)
      : error("non_finite_error",
              "non-finite value at flat index " + std::to_string(index) + " of " + std::string(spec)),
        index_(index) {}
  std::ptrdiff_t index() const noexcept { return index_; }

 private:
  std::ptrdiff_t index_;
};

}  // namespace weft

#endif  // WEFT_ERRORS_HPP
