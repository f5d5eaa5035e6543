// SPDX-License-Identifier: BSL-1.0
// weft/serve/request_error.hpp - weft::oip::request_error: a request the server refuses (HTTP 400).
//
// Contract:
//   weft::oip::request_error (a weft::error, kind "request_error") is thrown by the protocol codec
//   (weft/serve/protocol.hpp) for an infer request that is not valid JSON, is not shaped as the
//   protocol says, or whose input tensor fails the entry check. It carries tensor() (the tensor's
//   name, empty for the request as a whole), problem() (what is wrong), expected() and actual() (the
//   two specs, "FP32[-1,4]" and "FP64[1,4]", or values; empty where they do not apply). what() reads
//     weft: request_error: input "input": wrong datatype: expected FP32[-1,4], got FP64[1,4]
//   weft::serve answers it with 400 and {"error": what()}. Nothing is called before the check.
//   Thread safety: the const members may be called from many threads at once.
#ifndef WEFT_SERVE_REQUEST_ERROR_HPP
#define WEFT_SERVE_REQUEST_ERROR_HPP

#include <string>
#include <string_view>
#include <utility>

#include "../errors.hpp"

namespace weft::oip {

/// An infer request the server refuses before calling the pipeline; see the header comment.
class request_error : public error_base<request_error> {
 public:
  /// tensor: the tensor's name (empty for the whole request); problem: what is wrong; expected /
  /// actual: both specs or values (empty when they do not apply).
  request_error(std::string tensor, std::string problem, std::string expected = {}, std::string actual = {})
      : error_base("request_error", describe(tensor, problem, expected, actual)),
        tensor_(std::move(tensor)), problem_(std::move(problem)), expected_(std::move(expected)),
        actual_(std::move(actual)) {}

  /// The tensor's name; empty for the request as a whole.
  const std::string& tensor() const noexcept { return tensor_; }
  /// What is wrong, without the specs.
  const std::string& problem() const noexcept { return problem_; }
  /// The spec (or value) the model takes; may be empty.
  const std::string& expected() const noexcept { return expected_; }
  /// The spec (or value) the request holds; may be empty.
  const std::string& actual() const noexcept { return actual_; }

 private:
  static std::string describe(std::string_view tensor, std::string_view problem, std::string_view expected,
                              std::string_view actual) {
    std::string s;
    if (!tensor.empty()) s += "input \"" + std::string(tensor) + "\": ";
    s += problem;
    if (!expected.empty() || !actual.empty())
      s += ": expected " + std::string(expected) + ", got " + std::string(actual);
    return s;
  }

  std::string tensor_;
  std::string problem_;
  std::string expected_;
  std::string actual_;
};

}  // namespace weft::oip

#endif  // WEFT_SERVE_REQUEST_ERROR_HPP
