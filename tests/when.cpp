// Tests for weft/when.hpp: a predicate over the input chooses then_model or else_model; outputs
// bridged to then_model's type; paths; nesting; the contrast with fallback's .when.
#include <weft/describe.hpp>
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/route.hpp>
#include <weft/sequence.hpp>
#include <weft/shaped.hpp>
#include <weft/strict.hpp>
#include <weft/when.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <string>

#include "support/alloc_counter.hpp"
#include "support/stand_in_models.hpp"

namespace {
using namespace weft_test;  // vec4, vec3, xvec4 and the branches scale, xscale, add_one, weft_failing

struct dscale {  // dynamic extents
  using input_type = vec4;
  using output_type = Eigen::VectorXf;
  Eigen::Index size;
  output_type operator()(const input_type& x) const { return Eigen::VectorXf::Constant(size, x.sum()); }
};
struct first_positive {  // a predicate with a name: describe shows it
  const char* name = "first_positive";
  bool operator()(const vec4& x) const { return x[0] > 0; }
};
bool small(const vec4& x) { return x.norm() < 10; }
}  // namespace

static_assert(weft::model<weft::when<first_positive, scale, scale>>);
static_assert(std::is_same_v<decltype(weft::when(first_positive{}, scale{}, xscale{})), weft::when<first_positive, scale, xscale>>);
static_assert(std::is_same_v<decltype(weft::when(&small, scale{}, scale{})), weft::when<bool (*)(const vec4&), scale, scale>>);
static_assert(std::is_same_v<weft::output_t<weft::when<first_positive, xscale, scale>>, xvec4>);
static_assert(std::is_same_v<weft::detail::when_diagnostic<first_positive, scale, xscale>, weft::detail::no_diagnostic>);
static_assert(std::is_same_v<weft::detail::when_diagnostic<first_positive, scale, weft::fn_model<vec4, vec3, vec3 (*)(const vec4&)>>,
                             weft::detail::when_outputs_differ<weft::detail::when_branch<1>, weft::spec_t<vec4>, weft::spec_t<vec3>>>);
static_assert(std::is_same_v<weft::detail::when_diagnostic<int, scale, scale>,
                             weft::detail::when_predicate_not_callable<weft::detail::when_predicate, weft::spec_t<vec4>, int>>);

TEST_CASE("true runs then_model, false else_model; the other never runs") {
  std::atomic<int> then_calls{0}, else_calls{0};
  const auto w = weft::when(first_positive{}, scale{2, &then_calls}, scale{-1, &else_calls});
  CHECK(w(vec4(1, 2, 3, 4)) == vec4(2, 4, 6, 8));
  CHECK(then_calls == 1);
  CHECK(else_calls == 0);
  CHECK(w(vec4(-1, 2, 3, 4)) == vec4(1, -2, -3, -4));
  CHECK(then_calls == 1);
  CHECK(else_calls == 1);
  // a function pointer and a lambda are predicates too
  const auto f = weft::when(&small, scale{1}, scale{0});
  CHECK(f(vec4::Ones()) == vec4::Ones());
  CHECK(f(vec4::Constant(100)) == vec4::Zero());
  const auto l = weft::when([](const vec4& x) { return x.sum() > 0; }, scale{3}, scale{4});
  CHECK(l(vec4::Ones()) == vec4::Constant(3));
  CHECK(l(-vec4::Ones()) == vec4::Constant(-4));
}

TEST_CASE("Eigen and xtensor branches: else_model's output is bridged to then_model's type") {
  const auto w = weft::when(first_positive{}, scale{2}, xscale{3});
  CHECK(w(vec4(-1, 1, 1, 1)) == vec4(-3, 3, 3, 3));
  const auto x = weft::when([](const xvec4& v) { return v(0) > 0; }, xscale{2}, scale{3});
  const xvec4 y = x(vec4(-1, 1, 1, 1));
  CHECK(y(0) == -3);
  CHECK(y(3) == 3);
}

TEST_CASE("errors: a branch's weft::error gains when[I]; the predicate's exception passes unchanged") {
  const auto w = weft::when(first_positive{}, scale{1}, weft::named("slow", weft_failing{}));
  try {
    (void)w(vec4(-1, 0, 0, 0));
    FAIL("no error");
  } catch (const weft::error& e) {
    CHECK(e.path_text() == "when[1] \"slow\"");
  }
  std::atomic<int> calls{0};
  const auto throwing = weft::when([](const vec4&) -> bool { throw std::logic_error("predicate"); }, scale{1, &calls},
                                   scale{2, &calls});
  CHECK_THROWS_WITH_AS((void)throwing(vec4::Ones()), "predicate", std::logic_error);
  CHECK(calls == 0);
  // else_model's dynamic output of another length than then_model's: shape_error at when[1]
  const auto d = weft::when(first_positive{}, dscale{4}, dscale{3});
  CHECK(d(vec4::Ones()).size() == 4);
  CHECK(d(-vec4::Ones()).size() == 3);  // one type: returned as it is, nothing to bridge
  const auto b = weft::when(first_positive{}, scale{1}, dscale{3});
  CHECK_THROWS_WITH_AS((void)b(-vec4::Ones()), "weft: shape_error at when[1]: expected f32[4], got f32[3]", weft::shape_error);
  // a declared input shape is checked before the predicate runs
  const auto declared = weft::when(first_positive{}, weft::shaped(scale{1}, weft::shape{4}, weft::shape{4}), scale{2});
  CHECK(declared.input_shape() == weft::shape{4});
}

TEST_CASE("when nests in sequence, fallback, ensemble and route; paths name every level") {
  const auto w = weft::when(first_positive{}, scale{2}, weft_failing{});
  const auto s = add_one{} | w;
  CHECK(s(vec4::Zero()) == vec4::Constant(2));
  try {
    (void)s(vec4::Constant(-5));
    FAIL("no error");
  } catch (const weft::error& e) {
    CHECK(e.path_text() == "sequence[1] > when[1]");
  }
  const auto fb = weft::fallback(w, scale{-1});
  CHECK(weft::answered(fb, vec4::Constant(-5)).branch == 1);
  CHECK(weft::answered(fb, vec4::Constant(5)).branch == 0);
  const auto e = weft::ensemble(weft::mean, w, scale{0});
  CHECK(e(vec4::Ones()) == vec4::Ones());
  const auto inner = weft::when(first_positive{}, scale{1}, weft::when(&small, scale{2}, scale{3}));
  CHECK(inner(vec4(-1, 0, 0, 0)) == vec4(-2, 0, 0, 0));
  CHECK(inner(vec4(-100, 0, 0, 0)) == vec4(-300, 0, 0, 0));
}

TEST_CASE("contrast with fallback's .when: the predicate sees the input, the condition the output") {
  // fallback(...).when(c) rejects an OUTPUT: scale{-1} answers -x, rejected when its first element is
  // not positive, so the next branch answers. when(p, a, b) chooses by the INPUT before anything runs.
  const auto rejecting = weft::fallback(scale{-1}, scale{10}).when([](const vec4& y) { return !(y[0] > 0); });
  const auto choosing = weft::when(first_positive{}, scale{-1}, scale{10});
  const vec4 x(1, 0, 0, 0);
  CHECK(rejecting(x) == vec4(10, 0, 0, 0));  // output -1 rejected
  CHECK(choosing(x) == vec4(-1, 0, 0, 0));   // input positive: then_model answers
}

TEST_CASE("get, predicate(), describe and to_dot") {
  auto w = weft::when(first_positive{}, scale{2}, xscale{3});
  CHECK(weft::get<0>(w).f == 2);
  weft::get<1>(w).f = 5;
  CHECK(w(vec4(-1, 0, 0, 0)) == vec4(-5, 0, 0, 0));
  CHECK(std::string(w.predicate().name) == "first_positive");
  CHECK(weft::describe(w) ==
        "when first_positive: f32[4] -> f32[4]\n"
        "  [0] scale: f32[4] -> f32[4]\n"
        "  > copy (eigen f32[4] -> xtensor f32[4])\n"
        "  [1] xscale: f32[4] -> f32[4]\n"
        "  < copy (xtensor f32[4] -> eigen f32[4])\n");
  const std::string dot = weft::to_dot(weft::when(&small, scale{1}, scale{2}));
  CHECK(dot.find("when predicate") != std::string::npos);
  CHECK(dot.find("predicate (input)?") != std::string::npos);
}

TEST_CASE("strict: one backend copies nothing; fixed-size branches allocate nothing") {
  static_assert(std::is_void_v<weft::detail::implicit_copy<weft::when<first_positive, scale, scale>>::type>);
  static_assert(!std::is_void_v<weft::detail::implicit_copy<weft::when<first_positive, scale, xscale>>::type>);
  const auto w = weft::strict(weft::when(first_positive{}, scale{1}, scale{2}));
  vec4 a, b;
  const long n = allocations_during(1, [&] {
    a = w(vec4::Ones());
    b = w(-vec4::Ones());
  });
  CHECK(n == 0);
  CHECK(a == vec4::Ones());
  CHECK(b == vec4::Constant(-2));
}

TEST_CASE("std::ref borrows a branch; an xtensor argument is bridged in first") {
  scale a{2};
  const auto w = weft::when(first_positive{}, std::ref(a), scale{3});
  a.f = 4;
  CHECK(w(vec4::Ones()) == vec4::Constant(4));
  CHECK(&weft::get<0>(w) == &a);
  const xvec4 x = {-1, 1, 1, 1};
  CHECK(w(x) == vec4(-3, 3, 3, 3));
}
