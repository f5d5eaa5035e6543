// Tests of weft/shaped.hpp: declaring the run-time shapes of a model that cannot declare them.
#include <doctest/doctest.h>

#include <type_traits>

#include <weft/weft.hpp>

namespace {

using weft::dyn;
using weft::shape;
using Vec = Eigen::VectorXf;
using Mat = Eigen::MatrixXf;

const auto head3 = weft::fn([](const Vec& v) -> Vec { return Vec::Constant(3, v.sum()); });
using head3_t = std::remove_const_t<decltype(head3)>;

static_assert(!weft::detail::declares_input_shape<head3_t>);
static_assert(weft::model<weft::shaped_model<head3_t>>);
static_assert(weft::detail::declares_input_shape<weft::shaped_model<head3_t>>);
static_assert(weft::detail::declares_output_shape<weft::shaped_model<head3_t>>);
static_assert(std::is_same_v<weft::input_t<weft::shaped_model<head3_t>>, Vec>);

TEST_CASE("shaped declares a lambda's shapes and checks its argument") {
  const auto m = weft::shaped(head3, shape{13}, shape{3});
  CHECK(m.input_shape() == shape{13});
  CHECK(m.output_shape() == shape{3});
  CHECK(m(Vec::Ones(13)) == Vec::Constant(3, 13.0f));
  CHECK_THROWS_WITH_AS((void)m(Vec::Ones(12)), "weft: shape_error: expected f32[13], got f32[12]", weft::shape_error);
}

TEST_CASE("shaped rejects shapes its model's types rule out") {
  const auto fixed = weft::fn([](const Eigen::Vector4f& v) -> Eigen::Vector4f { return v; });
  CHECK_THROWS_AS(weft::shaped(fixed, shape{3}, shape{4}), weft::shape_error);
  CHECK_THROWS_AS(weft::shaped(fixed, shape{4}, shape{4, 1}), weft::shape_error);
  CHECK(weft::shaped(fixed, shape{dyn}, shape{4}).input_shape() == shape{dyn});
}

TEST_CASE("shaped stages are checked when a pipeline is built and named in the error") {
  using weft::operator|;
  const auto four = weft::fn([](const Vec& v) -> Vec { return v; });
  try {
    (void)(weft::shaped(head3, shape{13}, shape{3}) | weft::named("wants4", weft::shaped(four, shape{4}, shape{4})));
    FAIL("no shape_error");
  } catch (const weft::shape_error& e) {
    CHECK(e.path_text() == "sequence[1] \"wants4\"");
    CHECK(e.expected() == "f32[4]");
    CHECK(e.actual() == "f32[3]");
  }
  const auto p = weft::named("entry", weft::shaped(head3, shape{13}, shape{3})) | weft::softmax;
  CHECK(p.input_shape() == shape{13});
  CHECK(p.output_shape() == shape{3});
  CHECK_THROWS_WITH_AS((void)p(Vec::Ones(2)), "weft: shape_error at sequence[0] \"entry\": expected f32[13], got f32[2]",
                       weft::shape_error);
  CHECK((p(Vec::Ones(13)) - Vec::Constant(3, 1.0f / 3)).cwiseAbs().maxCoeff() < 1e-6f);
}

TEST_CASE("shaped over a combinator, and under strict") {
  const auto e = weft::ensemble(weft::mean, head3, head3);
  const auto s = weft::shaped(e, shape{13}, shape{3});
  CHECK_THROWS_AS((void)s(Vec::Ones(5)), weft::shape_error);
  CHECK(s(Vec::Ones(13))(0) == 13.0f);
  const auto strict = weft::strict(weft::shaped(head3, shape{13}, shape{3}));
  CHECK(strict.input_shape() == shape{13});
}

TEST_CASE("shaped is a see-through wrapper: get, answered and describe reach its model") {
  using weft::operator|;
  const auto fb = weft::fallback(head3, head3);
  const auto s = weft::shaped(fb, shape{13}, shape{3});
  static_assert(weft::detail::wrapper<std::remove_const_t<decltype(s)>>);
  CHECK(&weft::get<0>(s) == &weft::get<0>(s.model));  // get<0> of the fallback inside
  const auto a = weft::answered(s, Vec::Ones(13));
  CHECK(a.branch == 0);
  CHECK(a.output == Vec::Constant(3, 13.0f));
  CHECK_THROWS_AS((void)weft::answered(s, Vec::Ones(12)), weft::shape_error);  // around() keeps the check
  CHECK(weft::describe(s).find("fallback") != std::string::npos);
}

}  // namespace
