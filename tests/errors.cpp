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
