// Tests for weft/fallback.hpp and weft/conditions.hpp: branches tried in order; throwing, declining and
// rejected branches; conditions on every branch; fallback_error and its causes; answered(); bridged
// outputs across backends; error paths through nesting; get, strict, storage and allocation.
#include <weft/eigen.hpp>
#include <weft/fallback.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <exception>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using dvec4 = Eigen::Matrix<double, 4, 1>;
using xvec4 = xt::xtensor_fixed<float, xt::xshape<4>>;
using mat23c = Eigen::Matrix<float, 2, 3, Eigen::ColMajor>;
using xmat23 = xt::xtensor_fixed<float, xt::xshape<2, 3>>;

constexpr float qnan = std::numeric_limits<float>::quiet_NaN();

/// Answers vec4::Constant(value); counts its calls.
struct constant {
  using input_type = vec4;
  using output_type = vec4;
  float value = 0.0f;
  int* calls = nullptr;
  output_type operator()(const input_type&) const {
    if (calls) ++*calls;
    return output_type::Constant(value);
  }
};
struct thrower {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type&) const { throw std::runtime_error("boom"); }
};
struct thrower_x {  // an xtensor output type, from the same input
  using input_type = vec4;
  using output_type = xvec4;
  output_type operator()(const input_type&) const { throw std::logic_error("x failed"); }
};
struct throws_int {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type&) const { throw 42; }
};
/// Declines (empty optional) unless `answer` is set; counts its calls.
struct maybe {
  using input_type = vec4;
  using output_type = std::optional<vec4>;
  bool answer = false;
  float value = 1.0f;
  int* calls = nullptr;
  output_type operator()(const input_type&) const {
    if (calls) ++*calls;
    if (!answer) return std::nullopt;
    return vec4::Constant(value);
  }
};
/// Answers x + 1 as an xtensor; takes its input as an xtensor too (a copy bridge).
struct plus_one_x {
  using input_type = xvec4;
  using output_type = xvec4;
  output_type operator()(const input_type& x) const { return {x(0) + 1, x(1) + 1, x(2) + 1, x(3) + 1}; }
};
struct maybe_x {  // an optional of another backend's type
  using input_type = vec4;
  using output_type = std::optional<xvec4>;
  output_type operator()(const input_type& x) const { return xvec4{x(3), x(2), x(1), x(0)}; }
};
struct col_major_matrix {
  using input_type = vec4;
  using output_type = mat23c;
  output_type operator()(const input_type&) const { throw std::runtime_error("no matrix"); }
};
struct row_major_x_matrix {  // a(i, j) = 10 i + j, in xtensor's row-major order
  using input_type = vec4;
  using output_type = xmat23;
  output_type operator()(const input_type&) const { return {{0, 1, 2}, {10, 11, 12}}; }
};
struct dyn_head {
  using input_type = vec4;
  using output_type = Eigen::VectorXf;
  Eigen::Index n;
  output_type operator()(const input_type& x) const { return x.head(n); }
};
struct pass4 {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x; }
};
template <int N>
struct empty_branch {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x; }
};
struct takes_four_returns_tuple {
  using input_type = vec4;
  using output_type = std::tuple<vec4, vec3>;
  output_type operator()(const input_type& x) const { return {x, x.head<3>()}; }
};

struct is_negative_first {  // a predicate with a name shown in messages
  std::string_view name = "negative_first";
  bool operator()(const vec4& v) const { return v(0) < 0; }
};
struct mutable_call {  // not const-callable: not a condition
  bool operator()(const vec4&) { return false; }
};

using generic_pred = decltype([](const auto& v) { return v.sum() > 0; });
using vec4_pred = decltype([](const vec4& v) { return v(0) > 0; });
using vec3_pred = decltype([](const vec3& v) { return v(0) > 0; });
using dvec4_pred = decltype([](const dvec4& v) { return v(0) > 0; });
using xvec4_pred = decltype([](const xvec4& v) { return v(0) > 0; });
using void_pred = decltype([](const vec4&) {});
using tuple_pred = decltype([](const std::tuple<vec4, vec3>& t) { return std::get<0>(t)(0) < 0; });
bool free_pred(const vec4& v) { return v(1) > 0; }

}  // namespace

// --- truth tables ------------------------------------------------------------------------------

static_assert(std::is_base_of_v<weft::error, weft::fallback_error>);

// Types: output is the first branch's, std::optional unwrapped; .when accumulates in the type.
using fb_ab = weft::fallback<constant, thrower>;
static_assert(weft::model<fb_ab>);
static_assert(std::is_same_v<fb_ab::input_type, vec4> && std::is_same_v<fb_ab::output_type, vec4>);
static_assert(std::is_same_v<weft::fallback<maybe, constant>::output_type, vec4>);
static_assert(std::is_same_v<weft::fallback<constant, plus_one_x>::output_type, vec4>);
static_assert(std::is_same_v<weft::fallback<plus_one_x, constant>::output_type, xvec4>);
static_assert(weft::fallback<constant, maybe, thrower>::size == 3);
static_assert(std::is_same_v<decltype(std::declval<fb_ab>().when(weft::non_finite)),
                             weft::fallback_when<fb_ab, weft::non_finite_t>>);
static_assert(std::is_same_v<decltype(std::declval<fb_ab>().when(weft::non_finite).when(weft::below_confidence(0.5))),
                             weft::fallback_when<fb_ab, weft::non_finite_t, weft::below_confidence_t>>);
static_assert(weft::model<weft::fallback_when<fb_ab, weft::non_finite_t>>);
static_assert(weft::fallback_when<fb_ab, weft::non_finite_t, vec4_pred>::condition_count == 2);
static_assert(std::is_same_v<decltype(weft::answered(std::declval<const fb_ab&>(), vec4())), weft::answer<vec4>>);

// Which branch outputs can answer for which result type.
static_assert(weft::detail::answers_as<vec4, vec4>());
static_assert(weft::detail::answers_as<xvec4, vec4>());            // another backend: a copy
static_assert(weft::detail::answers_as<xmat23, mat23c>());         // another layout: a copy
static_assert(weft::detail::answers_as<Eigen::VectorXf, vec4>());  // checked, then a copy
static_assert(weft::detail::answers_as<vec4, Eigen::VectorXf>());
static_assert(!weft::detail::answers_as<vec3, vec4>());            // static extents differ
static_assert(!weft::detail::answers_as<dvec4, vec4>());           // scalar differs
static_assert(!weft::detail::answers_as<vec4, Eigen::Map<vec4>>());  // a view cannot hold an answer
static_assert(weft::detail::answers_as<std::tuple<vec4, vec3>, std::tuple<vec4, vec3>>());
static_assert(!weft::detail::answers_as<std::tuple<vec4>, vec4>());

// Judgement: inputs as every branch combinator's, then outputs.
static_assert(weft::detail::fallback_judgement<vec4, vec4, constant, maybe, plus_one_x, thrower_x>::ok);
static_assert(weft::detail::fallback_judgement<vec4, vec4, constant, empty_branch<0>>::bad_output == 2);
static_assert(!weft::detail::fallback_judgement<vec4, vec4, constant, dyn_head, weft::fn_model<vec4, vec3, vec3(*)(const vec4&)>>::ok);
static_assert(weft::detail::fallback_judgement<vec4, vec4, constant, dyn_head, weft::fn_model<vec4, vec3, vec3(*)(const vec4&)>>::bad_output == 2);

using takes_f64 = weft::fn_model<dvec4, vec4, vec4 (*)(const dvec4&)>;
static_assert(!weft::detail::fallback_judgement<vec4, vec4, constant, takes_f64>::ok);  // input unreachable
static_assert(std::is_same_v<weft::detail::fallback_judgement<vec4, vec4, constant, takes_f64>::diagnostic,
                             weft::detail::scalar_mismatch<weft::detail::fallback_branch<1>, weft::f32<4>, weft::f64<4>>>);
static_assert(std::is_same_v<weft::detail::fallback_judgement<vec4, vec4, constant, empty_branch<0>, pass4, dyn_head,
                                                              weft::fn_model<vec4, vec3, vec3 (*)(const vec4&)>>::diagnostic,
                             weft::detail::fallback_output_mismatch<weft::detail::fallback_branch<4>, weft::f32<3>, weft::f32<4>>>);
static_assert(std::is_same_v<weft::detail::condition_diagnostic<2, vec4, vec3_pred>,
                             weft::detail::condition_cannot_take_output<weft::detail::fallback_condition<2>, weft::f32<4>, weft::f32<3>>>);

// Conditions: what can take an output of type vec4 (or a tuple).
static_assert(weft::detail::condition_takes_v<weft::non_finite_t, vec4>);
static_assert(weft::detail::condition_takes_v<weft::below_confidence_t, xvec4>);
static_assert(!weft::detail::condition_takes_v<weft::non_finite_t, std::tuple<vec4, vec3>>);
static_assert(weft::detail::condition_takes_v<vec4_pred, vec4>);
static_assert(weft::detail::condition_takes_v<xvec4_pred, vec4>);  // bridged like a stage input
static_assert(weft::detail::condition_takes_v<generic_pred, vec4>);
static_assert(weft::detail::condition_takes_v<decltype(&free_pred), vec4>);
static_assert(weft::detail::condition_takes_v<is_negative_first, vec4>);
static_assert(weft::detail::condition_takes_v<tuple_pred, std::tuple<vec4, vec3>>);
static_assert(!weft::detail::condition_takes_v<vec3_pred, vec4>);   // extents differ
static_assert(!weft::detail::condition_takes_v<dvec4_pred, vec4>);  // scalar differs
static_assert(!weft::detail::condition_takes_v<void_pred, vec4>);   // returns no bool
static_assert(!weft::detail::condition_takes_v<mutable_call, vec4>);
static_assert(!weft::detail::condition_takes_v<vec4_pred, std::tuple<vec4, vec3>>);
static_assert(std::is_same_v<weft::detail::condition_input_t<xvec4_pred>, xvec4>);
static_assert(std::is_void_v<weft::detail::condition_input_t<generic_pred>>);
static_assert(std::is_void_v<weft::detail::condition_input_t<weft::non_finite_t>>);

// Condition labels are computed at compile time.
static_assert(std::string_view(weft::below_confidence(0.7).name) == "below_confidence(0.7)");
static_assert(std::string_view(weft::below_confidence(0.25).name) == "below_confidence(0.25)");
static_assert(std::string_view(weft::below_confidence(1).name) == "below_confidence(1)");
static_assert(std::string_view(weft::below_confidence(0.9999999).name) == "below_confidence(1)");
static_assert(std::string_view(weft::below_confidence(-0.5).name) == "below_confidence(-0.5)");
static_assert(weft::non_finite_t::name == "non_finite");

// Storage: empty branches and conditions take no space.
static_assert(sizeof(weft::fallback<empty_branch<0>, empty_branch<1>>) == 1);
static_assert(sizeof(weft::fallback_when<weft::fallback<empty_branch<0>, empty_branch<1>>, weft::non_finite_t>) == 1);

// strict: the output copy of a branch of another backend is an implicit copy.
static_assert(std::is_void_v<weft::detail::implicit_copy<weft::fallback<constant, maybe, thrower>>::type>);
static_assert(std::is_same_v<weft::detail::implicit_copy<weft::fallback<constant, thrower_x>>::type,
                             weft::detail::link<weft::detail::fallback_branch<1>, xvec4, vec4>>);
static_assert(std::is_void_v<weft::detail::implicit_copy<weft::fallback<plus_one_x>>::type>);  // input is its own
static_assert(std::is_same_v<weft::detail::implicit_copy<weft::fallback<constant, plus_one_x>>::type,
                             weft::detail::link<weft::detail::fallback_branch<1>, const vec4, xvec4>>);
static_assert(std::is_same_v<weft::detail::implicit_copy<weft::fallback_when<weft::fallback<constant>, xvec4_pred>>::type,
                             weft::detail::link<weft::detail::fallback_condition<0>, const vec4, xvec4>>);

// --- behaviour ----------------------------------------------------------------------------------

TEST_CASE("the first branch answers; the others never run") {
  int calls_b = 0;
  auto fb = weft::fallback(constant{1.0f}, constant{2.0f, &calls_b});
  CHECK(fb(vec4::Zero()) == vec4::Constant(1.0f));
  const auto [y, branch] = weft::answered(fb, vec4::Zero());
  CHECK(y == vec4::Constant(1.0f));
  CHECK(branch == 0);
  CHECK(calls_b == 0);
}

TEST_CASE("a throwing branch falls through to the next; answered reports branch 1") {
  auto fb = weft::fallback(thrower{}, constant{2.0f});
  const auto a = weft::answered(fb, vec4::Zero());
  CHECK(a.output == vec4::Constant(2.0f));
  CHECK(a.branch == 1);
}

TEST_CASE("an empty optional falls through; an optional first branch is unwrapped") {
  int calls = 0;
  auto fb = weft::fallback(maybe{false, 0.0f, &calls}, maybe{true, 3.0f}, constant{4.0f});
  static_assert(std::is_same_v<decltype(fb(vec4())), vec4>);
  const auto a = weft::answered(fb, vec4::Zero());
  CHECK(a.output == vec4::Constant(3.0f));
  CHECK(a.branch == 1);
  CHECK(calls == 1);
}

TEST_CASE("non_finite moves on from a NaN answer, and applies to the last branch too") {
  auto fb = weft::fallback(constant{qnan}, constant{5.0f}).when(weft::non_finite);
  const auto a = weft::answered(fb, vec4::Zero());
  CHECK(a.output == vec4::Constant(5.0f));
  CHECK(a.branch == 1);

  auto all_bad = weft::fallback(constant{qnan}, constant{std::numeric_limits<float>::infinity()}).when(weft::non_finite);
  try {
    (void)all_bad(vec4::Zero());
    FAIL("no fallback_error thrown");
  } catch (const weft::fallback_error& e) {
    REQUIRE(e.causes().size() == 2);
    CHECK(e.causes()[1].kind == weft::fallback_failure::rejected);
    CHECK(e.causes()[1].condition == 0);
    CHECK(e.causes()[1].type == "non_finite");
    CHECK(std::string(e.what()) ==
          "weft: fallback_error: every branch failed: [0] rejected by condition 0 (non_finite); "
          "[1] rejected by condition 0 (non_finite)");
  }
}

TEST_CASE("below_confidence moves on when no element reaches p, the last branch included") {
  auto fb = weft::fallback(constant{0.6f}, constant{0.9f}).when(weft::below_confidence(0.7));
  const auto a = weft::answered(fb, vec4::Zero());
  CHECK(a.output == vec4::Constant(0.9f));
  CHECK(a.branch == 1);

  const auto gate = weft::below_confidence(0.7);
  CHECK(gate(vec4(0.1f, 0.7f, 0.1f, 0.1f)) == false);  // 0.7f meets 0.7: compared as float
  CHECK(gate(vec4(0.1f, 0.69f, 0.1f, 0.1f)) == true);
  CHECK(gate(vec4(0.1f, 0.2f, 0.1f, 0.6f)) == true);
  CHECK(gate(vec4(qnan, 0.2f, 0.1f, 0.6f)) == true);
  CHECK(gate(vec4(qnan, 0.2f, 0.9f, 0.6f)) == false);
  CHECK(gate(Eigen::VectorXf()) == true);

  auto all_low = weft::fallback(constant{0.1f}, constant{0.2f}).when(weft::non_finite).when(weft::below_confidence(0.7));
  try {
    (void)all_low(vec4::Zero());
    FAIL("no fallback_error thrown");
  } catch (const weft::fallback_error& e) {
    CHECK(std::string(e.what()) ==
          "weft: fallback_error: every branch failed: [0] rejected by condition 1 (below_confidence(0.7)); "
          "[1] rejected by condition 1 (below_confidence(0.7))");
  }
}

TEST_CASE("conditions are checked in order; any predicate works, labelled by its name or \"predicate\"") {
  const auto at_most = [](float limit) { return [limit](const vec4& v) { return v(0) <= limit; }; };
  auto fb = weft::fallback(constant{-1.0f}, constant{qnan}, constant{2.0f}, constant{3.0f})
                .when(is_negative_first{})
                .when(weft::non_finite)
                .when(at_most(2.5f));
  const auto a = weft::answered(fb, vec4::Zero());
  CHECK(a.branch == 3);
  CHECK(a.output(0) == 3.0f);

  auto none = weft::fallback(constant{-1.0f}, constant{qnan}, constant{2.0f}, constant{3.0f})
                  .when(is_negative_first{})
                  .when(weft::non_finite)
                  .when(at_most(3.5f));
  try {
    (void)none(vec4::Zero());
    FAIL("no fallback_error thrown");
  } catch (const weft::fallback_error& e) {
    CHECK(std::string(e.what()) ==
          "weft: fallback_error: every branch failed: [0] rejected by condition 0 (negative_first); "
          "[1] rejected by condition 1 (non_finite); [2] rejected by condition 2 (predicate); "
          "[3] rejected by condition 2 (predicate)");
  }
}

TEST_CASE("a function pointer and a generic lambda are conditions too") {
  auto fb = weft::fallback(constant{1.0f}, constant{-1.0f}).when(&free_pred);
  CHECK(weft::answered(fb, vec4::Zero()).branch == 1);
  auto gb = weft::fallback(constant{1.0f}, constant{-1.0f}).when([](const auto& v) { return v.sum() > 0; });
  CHECK(weft::answered(gb, vec4::Zero()).branch == 1);
}

TEST_CASE("a condition taking another backend's type gets the output bridged") {
  auto fb = weft::fallback(constant{1.0f}, constant{2.0f}).when([](const xvec4& v) { return v(3) < 1.5f; });
  const auto a = weft::answered(fb, vec4::Zero());
  CHECK(a.branch == 1);
  CHECK(a.output == vec4::Constant(2.0f));
}

TEST_CASE("when every branch fails, fallback_error holds each cause in order and lists them") {
  auto fb = weft::fallback(thrower{}, maybe{false}, constant{qnan}).when(weft::non_finite);
  try {
    (void)fb(vec4::Zero());
    FAIL("no fallback_error thrown");
  } catch (const weft::fallback_error& e) {
    CHECK(std::string(e.what()) ==
          "weft: fallback_error: every branch failed: [0] threw std::runtime_error: boom; "
          "[1] declined (empty optional); [2] rejected by condition 0 (non_finite)");
    const auto& c = e.causes();
    REQUIRE(c.size() == 3);
    CHECK(c[0].branch == 0);
    CHECK(c[0].kind == weft::fallback_failure::threw);
    CHECK(c[0].type == "std::runtime_error");
    CHECK(c[0].what == "boom");
    CHECK(c[0].path == "fallback[0]");
    REQUIRE(c[0].exception);
    CHECK_THROWS_WITH_AS(std::rethrow_exception(c[0].exception), "boom", std::runtime_error);
    CHECK(c[1].branch == 1);
    CHECK(c[1].kind == weft::fallback_failure::declined);
    CHECK(!c[1].exception);
    CHECK(c[2].branch == 2);
    CHECK(c[2].kind == weft::fallback_failure::rejected);
    CHECK(c[2].condition == 0);
    CHECK(c[2].path == "fallback[2]");
    CHECK(e.path().empty());
  }
  CHECK_THROWS_AS((void)fb(vec4::Zero()), weft::error);  // a weft::error, so a std::runtime_error
}

TEST_CASE("branch names appear in the causes and the message") {
  auto fb = weft::fallback(weft::named("fast", thrower{}), weft::named("slow", maybe{false}));
  try {
    (void)fb(vec4::Zero());
    FAIL("no fallback_error thrown");
  } catch (const weft::fallback_error& e) {
    CHECK(std::string(e.what()) ==
          "weft: fallback_error: every branch failed: [0] \"fast\" threw std::runtime_error: boom; "
          "[1] \"slow\" declined (empty optional)");
    CHECK(e.causes()[0].name == "fast");
    CHECK(e.causes()[1].path == "fallback[1] \"slow\"");
  }
}

TEST_CASE("an exception not derived from std::exception passes unchanged and stops the fallback") {
  int calls = 0;
  auto fb = weft::fallback(throws_int{}, constant{1.0f, &calls});
  try {
    (void)fb(vec4::Zero());
    FAIL("nothing thrown");
  } catch (int v) {
    CHECK(v == 42);
  }
  CHECK(calls == 0);
}

TEST_CASE("an exception thrown by a condition passes unchanged") {
  auto fb = weft::fallback(constant{1.0f}, constant{2.0f}).when([](const vec4&) -> bool { throw std::domain_error("bad condition"); });
  CHECK_THROWS_WITH_AS((void)fb(vec4::Zero()), "bad condition", std::domain_error);
}

TEST_CASE("outputs of other backends and layouts are bridged to the first branch's type") {
  auto fb = weft::fallback(thrower{}, plus_one_x{}, constant{9.0f});
  const auto a = weft::answered(fb, vec4(1, 2, 3, 4));
  static_assert(std::is_same_v<decltype(a.output), vec4>);
  CHECK(a.branch == 1);
  CHECK(a.output == vec4(2, 3, 4, 5));

  auto fx = weft::fallback(thrower_x{}, constant{7.0f});  // Eigen answer, xtensor result type
  static_assert(std::is_same_v<decltype(fx(vec4())), xvec4>);
  const auto b = weft::answered(fx, vec4::Zero());
  CHECK(b.branch == 1);
  CHECK(b.output(0) == 7.0f);
  CHECK(b.output(3) == 7.0f);

  auto fo = weft::fallback(maybe{false}, maybe_x{});  // an optional of xtensor, unwrapped and copied
  CHECK(fo(vec4(1, 2, 3, 4)) == vec4(4, 3, 2, 1));

  auto fm = weft::fallback(col_major_matrix{}, row_major_x_matrix{});  // row-major xtensor into col-major Eigen
  const mat23c m = fm(vec4::Zero());
  CHECK(m(0, 2) == 2.0f);
  CHECK(m(1, 0) == 10.0f);
  CHECK(m(1, 2) == 12.0f);
}

TEST_CASE("a dynamic output that does not fit the result is that branch's failure") {
  auto fb = weft::fallback(pass4{}, dyn_head{3}).when([](const vec4& v) { return v(0) > 0; });
  try {
    (void)fb(vec4::Ones());
    FAIL("no fallback_error thrown");
  } catch (const weft::fallback_error& e) {
    REQUIRE(e.causes().size() == 2);
    CHECK(e.causes()[1].type == "weft::shape_error");
    CHECK(e.causes()[1].what == "weft: shape_error: expected f32[4], got f32[3]");
  }
  auto ok = weft::fallback(thrower{}, dyn_head{4});
  CHECK(ok(vec4(1, 2, 3, 4)) == vec4(1, 2, 3, 4));
}

TEST_CASE("in a nested pipeline, causes keep their inner path and fallback_error gains the outer one") {
  using weft::operator|;
  auto guard = weft::named("guard", weft::fallback(weft::sequence(dyn_head{3}, pass4{}), thrower{}));
  auto p = weft::sequence(pass4{}, guard);
  try {
    (void)p(vec4::Ones());
    FAIL("no fallback_error thrown");
  } catch (const weft::fallback_error& e) {
    CHECK(e.path_text() == "sequence[1] \"guard\"");
    REQUIRE(e.causes().size() == 2);
    CHECK(e.causes()[0].type == "weft::shape_error");
    CHECK(e.causes()[0].path == "fallback[0] > sequence[1]");
    CHECK(std::string(e.what()) ==
          "weft: fallback_error at sequence[1] \"guard\": every branch failed: [0] threw weft::shape_error: "
          "weft: shape_error at fallback[0] > sequence[1]: expected f32[4], got f32[3]; "
          "[1] threw std::runtime_error: boom");
    try {
      std::rethrow_exception(e.causes()[0].exception);
    } catch (const weft::shape_error& inner) {
      CHECK(inner.expected() == "f32[4]");
    }
  }

  auto q = pass4{} | weft::fallback(weft::sequence(dyn_head{3}, pass4{}), pass4{}).when(weft::non_finite) | pass4{};
  CHECK(q(vec4(1, 2, 3, 4)) == vec4(1, 2, 3, 4));
  CHECK(weft::answered(weft::get<1>(q), vec4::Ones()).branch == 1);
}

TEST_CASE("a fallback of fan_outs returns their tuple") {
  auto fb = weft::fallback(takes_four_returns_tuple{}, takes_four_returns_tuple{}).when(tuple_pred{});
  const auto a = weft::answered(fb, vec4(1, 2, 3, 4));
  CHECK(a.branch == 0);
  CHECK(std::get<1>(a.output)(2) == 3.0f);
}

TEST_CASE("get<I> reaches a branch, with or without conditions; condition<K> a condition") {
  auto fb = weft::fallback(constant{1.0f}, constant{2.0f});
  weft::get<0>(fb).value = qnan;
  auto fw = std::move(fb).when(weft::non_finite).when(weft::below_confidence(0.5));
  CHECK(weft::get<0>(fw).value != weft::get<0>(fw).value);
  CHECK(weft::answered(fw, vec4::Zero()).branch == 1);
  weft::get<1>(fw).value = 0.25f;
  CHECK(fw.condition<1>().threshold == 0.5);
  CHECK_THROWS_AS((void)fw(vec4::Zero()), weft::fallback_error);
}

TEST_CASE("std::ref borrows a branch") {
  constant c{1.0f};
  auto fb = weft::fallback(thrower{}, std::ref(c));
  c.value = 8.0f;
  CHECK(fb(vec4::Zero()) == vec4::Constant(8.0f));
}

TEST_CASE("strict accepts a fallback whose outputs share one type") {
  auto fb = weft::strict(weft::fallback(constant{1.0f}, maybe{true, 2.0f}, thrower{}).when(weft::non_finite));
  CHECK(fb(vec4::Zero()) == vec4::Constant(1.0f));
}

// --- copies: the answer is constructed in place ------------------------------------------------
namespace {
struct copies_and_moves {
  int copies = 0;
  int moves = 0;
  int assigns = 0;
};
thread_local copies_and_moves counted;
/// A rank-1 tensor of one float that counts its copies, moves and assignments.
struct counting {
  float v = 0;
  counting() = default;
  explicit counting(float x) : v(x) {}
  counting(const counting& o) : v(o.v) { ++counted.copies; }
  counting(counting&& o) noexcept : v(o.v) { ++counted.moves; }
  counting& operator=(const counting& o) {
    v = o.v;
    ++counted.assigns;
    return *this;
  }
  counting& operator=(counting&& o) noexcept {
    v = o.v;
    ++counted.assigns;
    return *this;
  }
};
}  // namespace
template <>
struct weft::tensor_traits<counting> {
  using scalar_type = float;
  using extents_type = weft::extents<1>;
  static constexpr std::ptrdiff_t rank = 1;
  static constexpr weft::layout layout = weft::layout::none;
  static constexpr bool owns_memory = true;
};
namespace {
struct count_answer {
  using input_type = counting;
  using output_type = counting;
  float v;
  output_type operator()(const input_type&) const { return counting(v); }
};
struct count_throw {
  using input_type = counting;
  using output_type = counting;
  output_type operator()(const input_type&) const { throw std::runtime_error("no"); }
};
struct count_maybe {
  using input_type = counting;
  using output_type = std::optional<counting>;
  output_type operator()(const input_type&) const { return output_type(std::in_place, 3.0f); }
};
template <class F>
copies_and_moves count_call(const F& f, std::size_t expected_branch) {
  const counting in(1.0f);
  counted = {};
  const auto a = weft::answered(f, in);
  CHECK(a.branch == expected_branch);
  const copies_and_moves by_answered = counted;
  counted = {};
  const counting y = f(in);
  CHECK(y.v == a.output.v);
  CHECK(counted.copies == by_answered.copies);
  CHECK(counted.moves == by_answered.moves);
  CHECK(counted.assigns == by_answered.assigns);
  return counted;
}
}  // namespace

TEST_CASE("the answer is constructed in place: no copy or move of the output") {
  const auto reject_negative = [](const counting& c) { return c.v < 0; };
  auto c = count_call(weft::fallback(count_answer{1}, count_answer{2}), 0);
  CHECK((c.copies == 0 && c.moves == 0 && c.assigns == 0));
  c = count_call(weft::fallback(count_answer{1}, count_answer{2}).when(reject_negative), 0);
  CHECK((c.copies == 0 && c.moves == 0 && c.assigns == 0));
  c = count_call(weft::fallback(count_throw{}, count_answer{2}).when(reject_negative), 1);  // after a throw too
  CHECK((c.copies == 0 && c.moves == 0 && c.assigns == 0));
  c = count_call(weft::fallback(count_answer{-1}, count_answer{2}).when(reject_negative), 1);  // after a rejection: one move
  CHECK((c.copies == 0 && c.moves == 0 && c.assigns == 1));
  c = count_call(weft::fallback(count_maybe{}, count_answer{2}), 0);  // moved out of its optional
  CHECK((c.copies == 0 && c.moves == 1 && c.assigns == 0));
}

// --- allocation: none when the first branch answers with a fixed-size output ---------------------
// (Sanitizers replace operator new themselves: the count runs without them.)
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WEFT_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define WEFT_TEST_SANITIZED 1
#endif
#endif

#ifndef WEFT_TEST_SANITIZED
namespace {
thread_local long allocations = 0;
}
// g++ pairs malloc with operator new when it inlines these; they are a matched pair here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

TEST_CASE("the first branch answering allocates nothing, conditions included") {
  const auto fb = weft::fallback(constant{0.9f}, thrower{}, maybe{true}).when(weft::non_finite).when(weft::below_confidence(0.5));
  const vec4 x = vec4::Zero();
  const long before = allocations;
  const auto a = weft::answered(fb, x);
  const vec4 y = fb(x);
  const long after = allocations;
  CHECK(after == before);
  CHECK(a.branch == 0);
  CHECK(y(0) == 0.9f);
}
#endif

TEST_CASE("more than 8 failing branches: every cause is kept, in order") {
  auto fb = weft::fallback(thrower{}, thrower{}, thrower{}, thrower{}, thrower{}, thrower{}, thrower{}, thrower{},
                           thrower{}, thrower{});
  try {
    (void)fb(vec4::Ones());
    FAIL("no fallback_error thrown");
  } catch (const weft::fallback_error& e) {
    REQUIRE(e.causes().size() == 10);
    for (std::size_t i = 0; i < 10; ++i) {
      CHECK(e.causes()[i].branch == i);
      CHECK(e.causes()[i].kind == weft::fallback_failure::threw);
      CHECK(e.causes()[i].exception != nullptr);
    }
  }
}

// Regression test for /work/shared/repro/answered_named_min.cpp: answered on a fallback wrapped in
// weft::named (the README's shape, reached with get<1>) did not compile.
TEST_CASE("answered and get see through weft::named") {
  using weft::operator|;
  auto pipeline = pass4{} | weft::named("classifier", weft::fallback(thrower{}, constant{2.0f}).when(weft::non_finite)) |
                  weft::argmax;
  const auto& classifier = weft::get<1>(pipeline);
  static_assert(weft::detail::wrapper<std::remove_cvref_t<decltype(classifier)>>);
  const auto [y, branch] = weft::answered(classifier, vec4::Ones());
  CHECK(branch == 1);
  CHECK(y == vec4::Constant(2.0f));
  auto twice = weft::named("outer", weft::named("inner", weft::fallback(constant{1.0f}, constant{2.0f})));
  CHECK(weft::answered(twice, vec4::Zero()).branch == 0);
  CHECK(weft::get<1>(twice).value == 2.0f);  // get sees through both names to branch 1
  weft::get<1>(twice).value = 3.0f;
  CHECK(weft::get<1>(twice).value == 3.0f);
}

namespace {
using vec_view = Eigen::Map<const vec4>;
/// Returns a view of its own input: the caller's memory for branch 0, a bridge buffer for branch 1.
struct view_of_input {
  using input_type = vec4;
  using output_type = vec_view;
  vec_view operator()(const vec4& x) const { return vec_view(x.data()); }
};
struct x_view_of_input {  // its xtensor input is a copy the fallback makes of the caller's Eigen value
  using input_type = xvec4;
  using output_type = vec_view;
  vec_view operator()(const xvec4& x) const { return vec_view(x.data()); }
};
struct nan_view {  // a view of a NaN buffer it owns: rejected by non_finite
  using input_type = vec4;
  using output_type = vec_view;
  static inline const vec4 nans = vec4::Constant(std::numeric_limits<float>::quiet_NaN());
  vec_view operator()(const vec4&) const { return vec_view(nans.data()); }
};
}  // namespace

// repro/fallback_view_when_cf.cpp: .when on a fallback whose first branch returns a view failed deep
// inside Eigen; and an answer that was a view of a branch's bridged input pointed at a freed buffer.
// The answer is now the view's owning type, copied while the branch's input lives (ASan checks it).
TEST_CASE("a fallback whose branches return views answers with the owning type, and takes .when") {
  static_assert(!weft::detail::replaceable_answer<vec_view>);
  static_assert(weft::detail::replaceable_answer<vec4>);
  static_assert(weft::detail::replaceable_answer<std::tuple<vec4, xvec4>>);
  const auto fb = weft::fallback(nan_view{}, x_view_of_input{}).when(weft::non_finite);
  static_assert(std::is_same_v<weft::output_t<decltype(fb)>, vec4>);
  const auto [y, branch] = weft::answered(fb, vec4(1, 2, 3, 4));
  CHECK(branch == 1);
  CHECK(y == vec4(1, 2, 3, 4));
  const auto plain = weft::fallback(view_of_input{}, x_view_of_input{});
  CHECK(plain(vec4(4, 3, 2, 1)) == vec4(4, 3, 2, 1));
}

namespace {
/// A wrapper of the kind later releases add (observe, shaped): it opts in with wrapped_type and
/// inner(), and its call does more than forward, so it defines around(x, call) too.
template <class M>
struct call_counting {
  using input_type = weft::input_t<M>;
  using output_type = weft::output_t<M>;
  using wrapped_type = M;
  M model;
  int* count;
  output_type operator()(const input_type& x) const {
    ++*count;
    return model(x);
  }
  M& inner() noexcept { return model; }
  const M& inner() const noexcept { return model; }
  template <class F>
  decltype(auto) around(const input_type& x, F&& call) const {
    ++*count;
    return call(x);
  }
};
}  // namespace

TEST_CASE("a new wrapper opts in with wrapped_type and inner(); answered keeps its own work (around)") {
  int count = 0;
  using fb_t = decltype(weft::fallback(thrower{}, constant{5.0f}));
  const call_counting<fb_t> w{weft::fallback(thrower{}, constant{5.0f}), &count};
  static_assert(weft::detail::wrapper<call_counting<fb_t>>);
  static_assert(std::is_same_v<weft::detail::see_through_t<call_counting<fb_t>>, fb_t>);
  const auto a = weft::answered(w, vec4::Zero());
  CHECK(a.branch == 1);
  CHECK(a.output == vec4::Constant(5.0f));
  CHECK(count == 1);
  CHECK(weft::get<1>(w).value == 5.0f);
  const auto named_w = weft::named("counted", w);
  CHECK(weft::answered(named_w, vec4::Zero()).branch == 1);
  CHECK(count == 2);
  (void)weft::strict(named_w);  // sees through both wrappers to a fallback that copies nothing
}
