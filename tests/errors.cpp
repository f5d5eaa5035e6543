// Tests for weft/errors.hpp: the hierarchy and the message format with stage paths.
#include <weft/errors.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <type_traits>

static_assert(std::is_base_of_v<std::runtime_error, weft::error>);
static_assert(std::is_base_of_v<weft::error, weft::shape_error>);
static_assert(std::is_base_of_v<weft::error, weft::non_finite_error>);

TEST_CASE("a shape_error names expected and actual specs; the path grows outermost first") {
  weft::shape_error e("f32[4]", "f32[3]");
  CHECK(std::string(e.what()) == "weft: shape_error: expected f32[4], got f32[3]");
  CHECK(e.path().empty());
  e.add_outer("sequence[1] \"fold\"");
  e.add_outer("sequence[2]");
  CHECK(e.path_text() == "sequence[2] > sequence[1] \"fold\"");
  CHECK(std::string(e.what()) == "weft: shape_error at sequence[2] > sequence[1] \"fold\": expected f32[4], got f32[3]");
  CHECK(e.expected() == "f32[4]");
  CHECK(e.actual() == "f32[3]");
  CHECK(e.detail() == "expected f32[4], got f32[3]");
}

TEST_CASE("a non_finite_error names the spec and the first bad index") {
  const weft::non_finite_error e("f32[10]", 7);
  CHECK(std::string(e.what()) == "weft: non_finite_error: non-finite value at flat index 7 of f32[10]");
  CHECK(e.index() == 7);
}

TEST_CASE("weft errors are caught as std::runtime_error") {
  CHECK_THROWS_AS(throw weft::shape_error("f32[1]", "f32[2]"), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// Paths are added by making a new exception: with_outer, error_base, and what passes unchanged.
// ---------------------------------------------------------------------------------------------

#include <weft/eigen.hpp>
#include <weft/fan_out.hpp>
#include <weft/sequence.hpp>

#include <exception>
#include <memory>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;

/// A user error that opts in: it gains path segments and keeps its type and its own members.
class quota_error : public weft::error_base<quota_error> {
 public:
  explicit quota_error(int left) : error_base("quota_error", "no quota left"), left_(left) {}
  int left() const noexcept { return left_; }

 private:
  int left_;
};

/// A user extension of one of weft's errors.
class user_shape_error : public weft::error_base<user_shape_error, weft::shape_error> {
 public:
  using error_base::error_base;
};

/// A user error that does not opt in, with a kind built at run time.
class plugin_error : public weft::error {
 public:
  explicit plugin_error(const std::string& plugin) : weft::error(plugin + "_plugin_failure", "plugin said no") {}
};

/// A subclass of an opted-in class that does not opt in itself: it must not be sliced.
class sub_quota_error : public quota_error {
 public:
  sub_quota_error() : quota_error(3) {}
};

template <class E>
struct throws {
  using input_type = vec4;
  using output_type = vec4;
  std::shared_ptr<const std::function<void()>> raise;
  vec4 operator()(const vec4&) const {
    (*raise)();
    return vec4::Zero();
  }
};

struct pass {
  using input_type = vec4;
  using output_type = vec4;
  vec4 operator()(const vec4& v) const { return v; }
};

/// A "circuit breaker": rethrows the exception it stored when it opened (shared_error_object.cpp).
struct breaker {
  using input_type = vec4;
  using output_type = vec4;
  std::exception_ptr last;
  vec4 operator()(const vec4& v) const {
    if (last) std::rethrow_exception(last);
    return v;
  }
};

template <class F>
std::exception_ptr caught(F&& f) {
  try {
    f();
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

}  // namespace

TEST_CASE("with_outer makes a new error of the same type, one segment longer; the original is unchanged") {
  const weft::shape_error e("f32[4]", "f32[3]");
  const std::exception_ptr p = e.with_outer("sequence[1]");
  REQUIRE(p);
  CHECK(e.path().empty());
  CHECK(std::string(e.what()) == "weft: shape_error: expected f32[4], got f32[3]");
  try {
    std::rethrow_exception(p);
  } catch (const weft::shape_error& longer) {
    CHECK(&longer != &e);
    CHECK(longer.path_text() == "sequence[1]");
    CHECK(longer.expected() == "f32[4]");
    CHECK(std::string(longer.what()) == "weft: shape_error at sequence[1]: expected f32[4], got f32[3]");
  }
  const weft::error plain("custom", "detail");
  const std::exception_ptr q = plain.with_outer("fan_out[0]");
  REQUIRE(q);
  try {
    std::rethrow_exception(q);
  } catch (const weft::error& longer) {
    CHECK(longer.path_text() == "fan_out[0]");
    CHECK(longer.kind() == "custom");
  }
}

TEST_CASE("a user error declared through error_base gains paths and keeps its type and members") {
  auto raise = std::make_shared<const std::function<void()>>([] { throw quota_error(7); });
  auto p = pass{} | weft::sequence(pass{}, throws<quota_error>{raise});
  try {
    (void)p(vec4::Zero());
    FAIL("no quota_error thrown");
  } catch (const quota_error& e) {
    CHECK(e.left() == 7);
    CHECK(e.path_text() == "sequence[1] > sequence[1]");
    CHECK(std::string(e.what()) == "weft: quota_error at sequence[1] > sequence[1]: no quota left");
  }
  auto raise_shape = std::make_shared<const std::function<void()>>([] { throw user_shape_error("f32[4]", "f32[9]"); });
  auto q = pass{} | throws<user_shape_error>{raise_shape};
  try {
    (void)q(vec4::Zero());
    FAIL("no user_shape_error thrown");
  } catch (const user_shape_error& e) {
    CHECK(e.path_text() == "sequence[1]");
    CHECK(e.actual() == "f32[9]");
  }
}

// Regression test for /work/shared/repro/error_kind_dangling.cpp (ASan heap-use-after-free in
// error::rebuild, run under the asan preset): a kind built at run time is owned by the error.
TEST_CASE("a subclass that does not opt in passes unchanged, without segments; its run-time kind is owned") {
  auto raise = std::make_shared<const std::function<void()>>([] { throw plugin_error("onnx_runtime_backend"); });
  auto p = pass{} | throws<plugin_error>{raise};
  try {
    (void)p(vec4::Zero());
    FAIL("no plugin_error thrown");
  } catch (const plugin_error& e) {
    CHECK(e.path().empty());
    CHECK(e.kind() == "onnx_runtime_backend_plugin_failure");
    CHECK(std::string(e.what()) == "weft: onnx_runtime_backend_plugin_failure: plugin said no");
  }
  // The kind outlives the string it was built from, through a copy too.
  std::unique_ptr<weft::error> kept;
  {
    std::string kind = "a_kind_long_enough_to_live_on_the_heap";
    kept = std::make_unique<weft::error>(kind, "d");
    kind.assign(kind.size(), 'x');
  }
  CHECK(kept->kind() == "a_kind_long_enough_to_live_on_the_heap");
  kept->add_outer("sequence[0]");
  CHECK(std::string(kept->what()) == "weft: a_kind_long_enough_to_live_on_the_heap at sequence[0]: d");
}

TEST_CASE("a subclass of an opted-in error that does not opt in itself is not sliced") {
  auto raise = std::make_shared<const std::function<void()>>([] { throw sub_quota_error(); });
  auto p = pass{} | throws<sub_quota_error>{raise};
  const std::exception_ptr e = caught([&] { (void)p(vec4::Zero()); });
  try {
    std::rethrow_exception(e);
  } catch (const sub_quota_error& s) {
    CHECK(s.path().empty());
    CHECK(s.left() == 3);
  } catch (...) {
    FAIL("the error lost its type");
  }
}

// Regression test for /work/shared/repro/shared_error_object.cpp, sequential part: a model rethrowing
// a stored exception_ptr saw its path grow by one segment per call (the stored object was changed).
// The parallel part (a data race under TSan) is tests/errors_threads.cpp.
TEST_CASE("a stored exception rethrown by a model is never changed: the path is the same every call") {
  const std::exception_ptr open = std::make_exception_ptr(weft::shape_error("f32[4]", "f32[3]"));
  auto seq = weft::named("pre", breaker{}) | weft::fan_out(breaker{}, breaker{open}) | weft::concat;
  for (int call = 0; call < 3; ++call) {
    CAPTURE(call);
    try {
      (void)seq(vec4::Zero());
      FAIL("no shape_error thrown");
    } catch (const weft::shape_error& e) {
      CHECK(e.path_text() == "sequence[1] > fan_out[1]");
      CHECK(std::string(e.what()) == "weft: shape_error at sequence[1] > fan_out[1]: expected f32[4], got f32[3]");
    }
  }
  try {
    std::rethrow_exception(open);
  } catch (const weft::shape_error& stored) {
    CHECK(stored.path().empty());
    CHECK(std::string(stored.what()) == "weft: shape_error: expected f32[4], got f32[3]");
  }
}

TEST_CASE("a load_error names the file, the tensor and both specs, and takes a path like the others") {
  const weft::load_error e("net.onnx", "input", "f32[?,64]", "f32[?,32]");
  CHECK(std::string(e.what()) == "weft: load_error: file \"net.onnx\", tensor \"input\": expected f32[?,64], got f32[?,32]");
  CHECK(e.file() == "net.onnx");
  CHECK(e.tensor() == "input");
  CHECK(e.expected() == "f32[?,64]");
  CHECK(e.actual() == "f32[?,32]");
  const weft::load_error missing("absent.ubj", "", "", "cannot open the file");
  CHECK(std::string(missing.what()) == "weft: load_error: file \"absent.ubj\": cannot open the file");
  try {
    std::rethrow_exception(e.with_outer("sequence[0]"));
  } catch (const weft::load_error& outer) {
    CHECK(outer.path_text() == "sequence[0]");
    CHECK(outer.file() == "net.onnx");
  }
}

TEST_CASE("an inference_error keeps the runtime's own text and takes a path") {
  const weft::inference_error e("onnx", "net.onnx", "OpenCV(4.6.0) error: bad shape");
  CHECK(std::string(e.what()) == "weft: inference_error: onnx model \"net.onnx\" failed: OpenCV(4.6.0) error: bad shape");
  CHECK(e.runtime_message() == "OpenCV(4.6.0) error: bad shape");
  try {
    std::rethrow_exception(e.with_outer("sequence[1]"));
  } catch (const weft::inference_error& outer) {
    CHECK(outer.path_text() == "sequence[1]");
    CHECK(outer.runtime() == "onnx");
  }
}
