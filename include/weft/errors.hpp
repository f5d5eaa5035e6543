// SPDX-License-Identifier: BSL-1.0
// weft/errors.hpp - the errors weft throws at run time.
//
// Contract:
//   weft::error derives from std::runtime_error. Its what() reads
//     "weft: <kind> at <path>: <detail>"
//   where <path> names the stages from the outermost pipeline called, outermost first
//   (`sequence[2] > fan_out[1] "classifier"`). Building the path costs nothing on the success path.
//   weft never mutates an exception object that another call or thread can see: a combinator that
//   an error leaves catches it, asks e.with_outer(segment) for a NEW exception (a copy of the same
//   dynamic type, one segment longer) and throws that; the object caught stays as it was. So a model
//   that rethrows a stored std::exception_ptr, or branches of a weft::par call that rethrow one
//   object, see the same path every time.
//   Which errors take part: weft's own (shape_error, non_finite_error, fallback_error, ...) and any
//   user class declared `class my_error : public weft::error_base<my_error> { ... };` (or
//   `error_base<my_error, weft::shape_error>` to extend one of weft's). A class derived from
//   weft::error that does not opt in this way passes through unchanged, in type and message,
//   without path segments (weft cannot copy what it does not know the type of).
//   shape_error: a run-time extent did not fit (expected spec, actual extents).
//   non_finite_error: a NaN or infinity was found where the user asked for a check.
//   fallback_error: every branch of a weft::fallback failed; holds each cause in branch order.
//   load_error: a model file is missing, corrupt, or does not fit the types it was loaded as.
//   inference_error: a model runtime failed during a call (its own text kept).
//   An exception thrown by a user's model is never wrapped: it reaches the caller unchanged, or a
//   weft::fallback records it as a cause.
//   Thread safety: the const members of an error may be called from many threads at once.
#ifndef WEFT_ERRORS_HPP
#define WEFT_ERRORS_HPP

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>
#if defined(__cpp_rtti) || defined(__GXX_RTTI)
#include <typeinfo>
#endif

namespace weft {

/// Base of every error weft throws. Derive through weft::error_base<Derived> to get stage paths.
class error : public std::runtime_error {
 public:
  /// kind: a short word ("shape_error"), copied (a run-time string may die after this returns);
  /// detail: what was expected and what was found.
  error(std::string_view kind, std::string detail)
      : std::runtime_error(std::string(kind)), kind_(kind), detail_(std::move(detail)) {
    rebuild();
  }

  /// The full message: "weft: <kind> at <path>: <detail>".
  const char* what() const noexcept override { return message_.c_str(); }

  /// The kind given to the constructor ("shape_error").
  const std::string& kind() const noexcept { return kind_; }

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

  /// A new exception: a copy of this error (same dynamic type) whose path starts with segment; this
  /// object is not changed. Null when the dynamic type is a subclass that did not opt in through
  /// weft::error_base (the caller then rethrows the original unchanged). May throw std::bad_alloc.
  virtual std::exception_ptr with_outer(std::string segment) const {
#if defined(__cpp_rtti) || defined(__GXX_RTTI)
    if (typeid(*this) == typeid(error)) {  // a plain weft::error: copying it loses nothing
      error copy(*this);
      copy.add_outer(std::move(segment));
      return std::make_exception_ptr(std::move(copy));
    }
#endif
    (void)segment;
    return nullptr;
  }

  /// Prepends segment to this error's path. Only for an error not thrown yet, that its builder
  /// still owns (weft uses it on errors it has just made); a thrown one takes with_outer.
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

  std::string kind_;
  std::string detail_;
  std::vector<std::string> path_;
  std::string message_;
};

/// Base of an error class Derived that takes part in stage paths: declare
/// `class my_error : public weft::error_base<my_error> { using error_base::error_base; ... };`
/// (Base: weft::error, or one of weft's error classes to extend it). Derived must be copy
/// constructible. Its with_outer copies *this as a Derived; a class derived from Derived that does not
/// opt in itself is detected by its dynamic type (RTTI) and passes through unchanged.
template <class Derived, class Base = error>
class error_base : public Base {
  static_assert(std::is_base_of_v<error, Base>,
                "weft: error_base<Derived, Base>: Base must be weft::error or derive from it");

 public:
  using Base::Base;

  /// A copy of this error as a Derived, with segment prepended to its path; see weft::error::with_outer.
  std::exception_ptr with_outer(std::string segment) const override {
#if defined(__cpp_rtti) || defined(__GXX_RTTI)
    if (typeid(*this) != typeid(Derived)) return nullptr;  // a subclass that did not opt in
#endif
    Derived copy(static_cast<const Derived&>(*this));
    copy.add_outer(std::move(segment));
    return std::make_exception_ptr(std::move(copy));
  }
};

/// A run-time extent did not fit: a dyn extent met a number and the two differ.
class shape_error : public error_base<shape_error> {
 public:
  /// expected: the spec the stage declares; actual: the spec of the value that arrived.
  shape_error(std::string_view expected, std::string_view actual)
      : error_base("shape_error", "expected " + std::string(expected) + ", got " + std::string(actual)),
        expected_(expected), actual_(actual) {}
  const std::string& expected() const noexcept { return expected_; }
  const std::string& actual() const noexcept { return actual_; }

 private:
  std::string expected_;
  std::string actual_;
};

/// A NaN or an infinity was found where the user asked weft to check.
class non_finite_error : public error_base<non_finite_error> {
 public:
  /// spec: the spec of the checked value; index: the flat (row-major) index of the first bad element.
  non_finite_error(std::string_view spec, std::ptrdiff_t index)
      : error_base("non_finite_error",
              "non-finite value at flat index " + std::to_string(index) + " of " + std::string(spec)),
        index_(index) {}
  std::ptrdiff_t index() const noexcept { return index_; }

 private:
  std::ptrdiff_t index_;
};

/// A value did not fit the range of the scalar it must become: weft::cast<int> of 1e10, an integer
/// reducer's answer beyond its scalar, normalize's quotient beyond its scalar.
class range_error : public error_base<range_error> {
 public:
  /// expected: the range a value must lie in ("i32 [-2147483648, 2147483647]"); value: the value
  /// found, as text; index: its flat (row-major) index; spec: the spec of the tensor holding it.
  range_error(std::string_view expected, std::string_view value, std::ptrdiff_t index, std::string_view spec)
      : error_base("range_error", "expected a value in " + std::string(expected) + ", got " + std::string(value) +
                                 " at flat index " + std::to_string(index) + " of " + std::string(spec)),
        expected_(expected), value_(value), index_(index) {}
  /// The range a value must lie in, e.g. "i32 [-2147483648, 2147483647]".
  const std::string& expected() const noexcept { return expected_; }
  /// The value found, as text ("1e+10", "6000000000").
  const std::string& value() const noexcept { return value_; }
  /// The flat (row-major) index of the value.
  std::ptrdiff_t index() const noexcept { return index_; }

 private:
  std::string expected_;
  std::string value_;
  std::ptrdiff_t index_;
};

/// A model file could not become a weft model: missing, corrupt, or its declared signature does not
/// fit the model's input and output types. Thrown by the runtime adapters' constructors (onnx_model,
/// xgboost_model, torch_model); nothing half-built is returned.
class load_error : public error_base<load_error> {
 public:
  /// file: the model file's path; tensor: the input or output concerned (empty for the whole file);
  /// expected: what the model's types declare ("f32[?,64]"); actual: what the file declares, or the
  /// runtime's own text when the file could not be read.
  load_error(std::string_view file, std::string_view tensor, std::string_view expected, std::string_view actual)
      : error_base("load_error", describe(file, tensor, expected, actual)),
        file_(file), tensor_(tensor), expected_(expected), actual_(actual) {}
  /// The model file's path as given.
  const std::string& file() const noexcept { return file_; }
  /// The tensor concerned ("input", or the file's own tensor name); empty for the whole file.
  const std::string& tensor() const noexcept { return tensor_; }
  /// What the model's types declare.
  const std::string& expected() const noexcept { return expected_; }
  /// What the file declares, or why it could not be read.
  const std::string& actual() const noexcept { return actual_; }

 protected:
  /// For a subclass with its own kind and message (weft::config_error): the same fields, another text.
  load_error(std::string_view kind, std::string detail, std::string_view file, std::string_view tensor,
             std::string_view expected, std::string_view actual)
      : error_base(kind, std::move(detail)), file_(file), tensor_(tensor), expected_(expected), actual_(actual) {}

 private:
  static std::string describe(std::string_view file, std::string_view tensor, std::string_view expected,
                              std::string_view actual) {
    std::string s = "file \"" + std::string(file) + "\"";
    if (!tensor.empty()) s += ", tensor \"" + std::string(tensor) + "\"";
    if (!expected.empty()) s += ": expected " + std::string(expected) + ", got " + std::string(actual);
    else s += ": " + std::string(actual);
    return s;
  }
  std::string file_;
  std::string tensor_;
  std::string expected_;
  std::string actual_;
};

/// A model runtime (OpenCV DNN, XGBoost, libtorch) failed during a call: the runtime's own text is
/// kept word for word. Thrown by the runtime adapters' calls; a combinator adds the stage path.
class inference_error : public error_base<inference_error> {
 public:
  /// runtime: "onnx", "xgboost" or "torch"; file: the model file's path; message: the runtime's text.
  inference_error(std::string_view runtime, std::string_view file, std::string_view message)
      : error_base("inference_error", std::string(runtime) + " model \"" + std::string(file) + "\" failed: " +
                                          std::string(message)),
        runtime_(runtime), file_(file), message_(message) {}
  /// Which runtime failed: "onnx", "xgboost" or "torch".
  const std::string& runtime() const noexcept { return runtime_; }
  /// The model file's path as given when it was loaded.
  const std::string& file() const noexcept { return file_; }
  /// The runtime's own text, unchanged.
  const std::string& runtime_message() const noexcept { return message_; }

 private:
  std::string runtime_;
  std::string file_;
  std::string message_;
};

/// How one branch of a weft::fallback failed to answer.
enum class fallback_failure {
  threw,     ///< it threw a std::exception (or a subclass)
  declined,  ///< it returned an empty std::optional
  rejected,  ///< its output met a condition given with .when
};

/// Why one branch of a weft::fallback did not answer; fallback_error holds one per branch.
struct fallback_cause {
  /// Index of the branch (0 is the first).
  std::size_t branch = 0;
  /// The branch's given name (weft::named or a `name` member); empty when it has none.
  std::string name;
  /// threw, declined or rejected.
  fallback_failure kind = fallback_failure::threw;
  /// rejected: index of the condition that rejected the output (0 is the first .when).
  std::size_t condition = 0;
  /// threw: the exception's dynamic type ("std::runtime_error"); rejected: the condition's label.
  std::string type;
  /// threw: the exception's what(); empty otherwise.
  std::string what;
  /// Where inside the fallback, outermost first: "fallback[I]" (with the branch's name), followed
  /// by the inner path of a weft::error the branch threw.
  std::string path;
  /// threw: the exception itself (std::rethrow_exception to catch it by type); null otherwise.
  std::exception_ptr exception;
};

/// Every branch of a weft::fallback failed. what() lists the causes in branch order:
/// "weft: fallback_error at sequence[1] \"guard\": every branch failed: [0] threw std::runtime_error:
/// boom; [1] declined (empty optional); [2] rejected by condition 0 (non_finite)". Its path is the
/// fallback's own place in the pipeline; each cause's path continues it inward.
class fallback_error : public error_base<fallback_error> {
 public:
  /// causes: one per branch, in branch order.
  explicit fallback_error(std::vector<fallback_cause> causes)
      : error_base("fallback_error", describe(causes)), causes_(std::move(causes)) {}

  /// One cause per branch, in branch order.
  const std::vector<fallback_cause>& causes() const noexcept { return causes_; }

 private:
  static std::string describe(const std::vector<fallback_cause>& causes) {
    std::string s = "every branch failed: ";
    bool first = true;
    for (const auto& c : causes) {
      if (!first) s += "; ";
      first = false;
      s += '[';
      s += std::to_string(c.branch);
      s += ']';
      if (!c.name.empty()) {
        s += " \"";
        s += c.name;
        s += '"';
      }
      switch (c.kind) {
        case fallback_failure::threw:
          s += " threw ";
          s += c.type;
          s += ": ";
          s += c.what;
          break;
        case fallback_failure::declined:
          s += " declined (empty optional)";
          break;
        case fallback_failure::rejected:
          s += " rejected by condition ";
          s += std::to_string(c.condition);
          s += " (";
          s += c.type;
          s += ')';
          break;
      }
    }
    return s;
  }

  std::vector<fallback_cause> causes_;
};

}  // namespace weft

#endif  // WEFT_ERRORS_HPP
