// SPDX-License-Identifier: BSL-1.0
// weft/config/error.hpp - weft::config_error: a pipeline configuration that cannot be loaded.
//
// Contract:
//   weft::config_error derives from weft::load_error (so code catching load_error catches it) and
//   carries: pointer() the JSON pointer (RFC 6901) of the offending value ("/stages/2/fan_out/0";
//   "" is the whole document); problem() what is wrong; expected() / actual() the two specs (or
//   values) where they apply, else empty; remedy() what to write instead, may be empty; cause()
//   the underlying exception (a runtime's load_error, a factory's exception, a parse error), may be
//   null; file() the JSON file's path, empty when the JSON came from memory. what() reads
//     weft: config_error at /stages/2 in "pipe.json": <problem>: expected f32[64], got f64[64];
//     remedy: <remedy>; cause: <cause's what()>
//   (one line; the parts that are empty are left out; "at <root>" for the empty pointer).
//   Thrown by weft::load_pipeline and the stage builders while loading; nothing half-built is
//   returned. Thread safety: the const members may be called from many threads at once.
#ifndef WEFT_CONFIG_ERROR_HPP
#define WEFT_CONFIG_ERROR_HPP

#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "../errors.hpp"

namespace weft {

/// A pipeline configuration could not be loaded; see the header comment for its fields.
class config_error : public error_base<config_error, load_error> {
 public:
  /// pointer: JSON pointer of the offending value; problem: what is wrong; expected / actual: both
  /// specs or values (empty when they do not apply); remedy: what to do (may be empty); cause: the
  /// underlying exception (may be null); file: the JSON file (empty for JSON given in memory).
  config_error(std::string pointer, std::string problem, std::string expected = {}, std::string actual = {},
               std::string remedy = {}, std::exception_ptr cause = nullptr, std::string file = {})
      : error_base("config_error", describe(pointer, problem, expected, actual, remedy, cause, file), file, "",
                   expected, actual),
        pointer_(std::move(pointer)), problem_(std::move(problem)), remedy_(std::move(remedy)),
        cause_(std::move(cause)) {}

  /// The JSON pointer of the offending value ("" for the whole document).
  const std::string& pointer() const noexcept { return pointer_; }
  /// What is wrong, without pointer, specs or remedy.
  const std::string& problem() const noexcept { return problem_; }
  /// What to write instead; may be empty.
  const std::string& remedy() const noexcept { return remedy_; }
  /// The underlying exception (std::rethrow_exception to catch it by type); may be null.
  const std::exception_ptr& cause() const noexcept { return cause_; }

  /// what() of an exception_ptr's exception: a std::exception's what(), else "unknown exception".
  static std::string what_of(const std::exception_ptr& e) {
    if (!e) return {};
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      return x.what();
    } catch (...) {
      return "unknown exception";
    }
  }

 private:
  static std::string describe(std::string_view pointer, std::string_view problem, std::string_view expected,
                              std::string_view actual, std::string_view remedy, const std::exception_ptr& cause,
                              std::string_view file) {
    std::string s = "at ";
    s += pointer.empty() ? std::string_view("<root>") : pointer;
    if (!file.empty()) s += " in \"" + std::string(file) + "\"";
    s += ": ";
    s += problem;
    if (!expected.empty() || !actual.empty())
      s += ": expected " + std::string(expected) + ", got " + std::string(actual);
    if (!remedy.empty()) s += "; remedy: " + std::string(remedy);
    if (cause) s += "; cause: " + what_of(cause);
    return s;
  }

  std::string pointer_;
  std::string problem_;
  std::string remedy_;
  std::exception_ptr cause_;
};

}  // namespace weft

#endif  // WEFT_CONFIG_ERROR_HPP
