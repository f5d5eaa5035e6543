// Tests for weft/route.hpp: a gate chooses the top-k experts; their outputs are mixed by the gate's
// probabilities; ties, bad gate values, par against sequential, nesting, paths, no allocation.
#include <weft/describe.hpp>
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/route.hpp>
#include <weft/sequence.hpp>
#include <weft/shaped.hpp>
#include <weft/strict.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

#include "support/alloc_counter.hpp"
#include "support/stand_in_models.hpp"

namespace {
using namespace weft_test;  // vec4, vec3, xvec4 and the experts scale, xscale, add_one, weft_failing
constexpr float qnan = std::numeric_limits<float>::quiet_NaN();
constexpr float inf = std::numeric_limits<float>::infinity();

// A gate returning fixed probabilities, whatever the input (P experts).
template <int P>
struct fixed_gate {
  using input_type = vec4;
  using output_type = Eigen::Matrix<float, P, 1>;
  output_type p;
  output_type operator()(const input_type&) const { return p; }
};
using gate4 = fixed_gate<4>;

// A gate whose probabilities depend on the input: softmax-free, p_i = |x_i|.
struct abs_gate {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x.cwiseAbs(); }
};

// A gate of dynamic width.
struct dyn_gate {
  using input_type = vec4;
  using output_type = Eigen::VectorXf;
  Eigen::Index width;
  output_type operator()(const input_type&) const { return Eigen::VectorXf::Constant(width, 0.25f); }
};

// An expert that throws a user exception (weft_failing throws a weft::error).
struct user_failing {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type&) const { throw std::logic_error("user expert"); }
};

gate4 gate_of(float a, float b, float c, float d) { return gate4{vec4(a, b, c, d)}; }
}  // namespace

// route<...> names what was written; a route is a model.
static_assert(weft::model<weft::route<weft::top_k_t<1>, gate4, scale, scale, scale, scale>>);
static_assert(std::is_same_v<decltype(weft::route(weft::top1, gate4{}, scale{}, scale{}, scale{}, scale{})),
                             weft::route<weft::top_k_t<1>, gate4, scale, scale, scale, scale>>);
static_assert(std::is_same_v<decltype(weft::route(weft::par, weft::top_k<2>, gate4{}, scale{}, scale{}, scale{}, xscale{})),
                             weft::route<weft::par_t, weft::top_k_t<2>, gate4, scale, scale, scale, xscale>>);
static_assert(std::is_same_v<weft::output_t<weft::route<weft::top_k_t<2>, gate4, xscale, scale, scale, scale>>, xvec4>);
static_assert(std::is_same_v<weft::input_t<weft::route<weft::top_k_t<2>, gate4, xscale, scale, scale, scale>>, vec4>);
// The judgement: each mistake is named, and a well-formed route has none.
static_assert(std::is_same_v<weft::detail::route_diagnostic<2, gate4, scale, scale, scale, scale>, weft::detail::no_diagnostic>);
static_assert(std::is_same_v<weft::detail::route_diagnostic<1, gate4, scale, scale, scale>,
                             weft::detail::route_gate_width_mismatch<weft::detail::route_gate, weft::detail::gate_width<4>,
                                                                     weft::detail::expert_count<3>>>);
static_assert(std::is_same_v<weft::detail::route_diagnostic<1, dyn_gate, scale, scale, scale>, weft::detail::no_diagnostic>);
static_assert(std::is_same_v<weft::detail::route_diagnostic<3, fixed_gate<2>, scale, scale>,
                             weft::detail::route_top_k_exceeds_experts<weft::detail::route_gate, weft::detail::top_k_count<3>,
                                                                       weft::detail::expert_count<2>>>);
static_assert(std::is_same_v<weft::detail::route_diagnostic<1, fixed_gate<2>, scale, weft::fn_model<vec4, vec3, vec3 (*)(const vec4&)>>,
                             weft::detail::route_outputs_differ<weft::detail::route_expert<1>, weft::spec_t<vec4>, weft::spec_t<vec3>>>);
static_assert(std::is_same_v<
              weft::detail::route_diagnostic<1, weft::fn_model<vec4, Eigen::Matrix<int, 2, 1>, Eigen::Matrix<int, 2, 1> (*)(const vec4&)>,
                                             scale, scale>,
              weft::detail::route_gate_not_probabilities<weft::detail::route_gate, weft::spec_t<Eigen::Matrix<int, 2, 1>>>>);

struct maybe_expert {  // may decline: not an expert a route can mix
  using input_type = vec4;
  using output_type = std::optional<vec4>;
  output_type operator()(const input_type& x) const { return x; }
};
static_assert(std::is_same_v<weft::detail::route_diagnostic<1, fixed_gate<2>, scale, maybe_expert>,
                             weft::detail::route_output_not_tensor<weft::detail::route_expert<1>, std::optional<weft::spec_t<vec4>>>>);

TEST_CASE("top_k mixes the K most probable experts by p_i over the sum of those K") {
  const auto r = weft::route(weft::top_k<2>, gate_of(0.1f, 0.5f, 0.3f, 0.1f), scale{1}, scale{2}, scale{3}, scale{4});
  const vec4 x(1, 2, 3, -4);
  const auto [y, experts, weights] = weft::routed(r, x);
  CHECK(experts == std::array<std::size_t, 2>{1, 2});
  // hand-computed: weights 0.5/0.8 and 0.3/0.8; y = x * (2 * 0.625 + 3 * 0.375) = x * 2.375
  CHECK(weights[0] == doctest::Approx(0.625));
  CHECK(weights[1] == doctest::Approx(0.375));
  for (int i = 0; i < 4; ++i) CHECK(y[i] == doctest::Approx(x[i] * 2.375f));
  CHECK(r(x) == y);

  const auto r3 = weft::route(weft::top_k<3>, gate_of(0.1f, 0.5f, 0.3f, 0.1f), scale{1}, scale{2}, scale{3}, scale{4});
  const auto a = weft::routed(r3, x);
  CHECK(a.experts == std::array<std::size_t, 3>{1, 2, 0});  // 0.1 twice: the lower index
  // (0.5 * 2 + 0.3 * 3 + 0.1 * 1) / 0.9 = 2.0 / 0.9
  for (int i = 0; i < 4; ++i) CHECK(a.output[i] == doctest::Approx(x[i] * 2.0 / 0.9));
  CHECK(a.weights[0] + a.weights[1] + a.weights[2] == doctest::Approx(1.0));
}

TEST_CASE("top1 returns the one chosen expert's output; no other expert runs") {
  std::atomic<int> calls[4] = {0, 0, 0, 0};
  const auto r = weft::route(weft::top1, abs_gate{}, scale{1, &calls[0]}, scale{2, &calls[1]}, scale{3, &calls[2]},
                             scale{4, &calls[3]});
  const vec4 x(0.1f, -0.2f, 0.9f, 0.3f);
  const auto a = weft::routed(r, x);
  CHECK(a.output == x * 3);
  CHECK(a.experts[0] == 2);
  CHECK(a.weights[0] == 1.0);
  CHECK(calls[0] == 0);
  CHECK(calls[1] == 0);
  CHECK(calls[2] == 1);
  CHECK(calls[3] == 0);
  CHECK(r(vec4(0, 0, 0, -1)) == vec4(0, 0, 0, -4));
}

TEST_CASE("ties go to the lowest index") {
  const auto all = gate_of(0.25f, 0.25f, 0.25f, 0.25f);
  CHECK(weft::routed(weft::route(weft::top1, all, scale{1}, scale{2}, scale{3}, scale{4}), vec4::Ones()).experts[0] == 0);
  CHECK(weft::routed(weft::route(weft::top_k<2>, all, scale{1}, scale{2}, scale{3}, scale{4}), vec4::Ones()).experts ==
        std::array<std::size_t, 2>{0, 1});
  const auto pairs = gate_of(0.1f, 0.4f, 0.1f, 0.4f);
  CHECK(weft::routed(weft::route(weft::top1, pairs, scale{1}, scale{2}, scale{3}, scale{4}), vec4::Ones()).experts[0] == 1);
  CHECK(weft::routed(weft::route(weft::top_k<3>, pairs, scale{1}, scale{2}, scale{3}, scale{4}), vec4::Ones()).experts ==
        std::array<std::size_t, 3>{1, 3, 0});
  // K equal to the number of experts: every one, most probable first
  const auto a = weft::routed(weft::route(weft::top_k<4>, gate_of(0, 1, 0, 2), scale{1}, scale{2}, scale{3}, scale{4}), vec4::Ones());
  CHECK(a.experts == std::array<std::size_t, 4>{3, 1, 0, 2});
  CHECK(a.weights == std::array<double, 4>{2.0 / 3, 1.0 / 3, 0, 0});
  for (int i = 0; i < 4; ++i) CHECK(a.output[i] == doctest::Approx(4.0 * 2 / 3 + 2.0 / 3));
}

TEST_CASE("a NaN, negative or infinite gate value is a gate_error at route[gate]; no expert runs") {
  std::atomic<int> calls{0};
  for (const float bad : {qnan, -0.5f, inf, -inf}) {
    CAPTURE(bad);
    const auto r = weft::route(weft::top1, gate_of(0.9f, bad, 0.05f, 0.05f), scale{1, &calls}, scale{2, &calls},
                               scale{3, &calls}, scale{4, &calls});
    try {
      (void)r(vec4::Ones());
      FAIL("no gate_error");
    } catch (const weft::gate_error& e) {
      CHECK(e.path_text() == "route[gate]");
      CHECK(e.expert() == 1);
      CHECK(std::string(e.what()).find("for expert 1") != std::string::npos);
      if (std::isnan(bad)) CHECK(std::isnan(e.value()));
      else CHECK(e.value() == bad);
    }
  }
  CHECK(calls == 0);
  // a NaN among the unchosen is an error too: never a silently chosen expert
  const auto late = weft::route(weft::top1, gate_of(0.9f, 0.1f, 0, qnan), scale{1}, scale{2}, scale{3}, scale{4});
  CHECK_THROWS_WITH_AS((void)late(vec4::Ones()),
                       "weft: gate_error at route[gate]: expected a finite probability >= 0 for every expert, got nan for expert 3",
                       weft::gate_error);
  // the chosen K summing to 0 (every value 0) cannot be mixed or chosen from
  const auto zero = weft::route(weft::top_k<2>, gate_of(0, 0, 0, 0), scale{1}, scale{2}, scale{3}, scale{4});
  CHECK_THROWS_WITH_AS((void)zero(vec4::Ones()),
                       "weft: gate_error at route[gate]: expected the 2 most probable experts' probabilities to sum to "
                       "more than 0, got 0",
                       weft::gate_error);
  // the gate's given name is in the path
  const auto named = weft::route(weft::top1, weft::named("router", gate_of(qnan, 0, 0, 0)), scale{1}, scale{2}, scale{3}, scale{4});
  try {
    (void)named(vec4::Ones());
    FAIL("no gate_error");
  } catch (const weft::gate_error& e) {
    CHECK(e.path_text() == "route[gate] \"router\"");
  }
}

TEST_CASE("a dynamic gate width is checked on each call: shape_error at route[gate]") {
  const auto ok = weft::route(weft::top1, dyn_gate{3}, scale{1}, scale{2}, scale{3});
  CHECK(ok(vec4::Ones()) == vec4::Ones());
  const auto wrong = weft::route(weft::top1, dyn_gate{4}, scale{1}, scale{2}, scale{3});
  CHECK_THROWS_WITH_AS((void)wrong(vec4::Ones()), "weft: shape_error at route[gate]: expected f32[3], got f32[4]",
                       weft::shape_error);
}

TEST_CASE("a declared gate width is checked when the route is built") {
  const auto declared = [](Eigen::Index w) {
    return weft::shaped(dyn_gate{w}, weft::shape{4}, weft::shape{w});
  };
  CHECK_NOTHROW((void)weft::route(weft::top1, declared(2), scale{1}, scale{2}));
  CHECK_THROWS_WITH_AS((void)weft::route(weft::top1, declared(3), scale{1}, scale{2}),
                       "weft: shape_error at route[gate]: expected f32[2], got f32[3]", weft::shape_error);
}

TEST_CASE("par and sequential agree bit for bit") {
  const auto seq = weft::route(weft::top_k<3>, abs_gate{}, scale{1.1f}, xscale{2.3f}, scale{-3.7f}, scale{0.3f});
  const auto par = weft::route(weft::par, weft::top_k<3>, abs_gate{}, scale{1.1f}, xscale{2.3f}, scale{-3.7f}, scale{0.3f});
  const vec4 inputs[] = {vec4(0.1f, 0.7f, 0.3f, 0.2f), vec4(-1, 2, -3, 4), vec4(0.5f, 0.5f, 0.5f, 0.25f), vec4(3, 0, 0, 1)};
  for (const vec4& x : inputs) {
    const auto a = weft::routed(seq, x);
    const auto b = weft::routed(par, x);
    CHECK(a.output == b.output);
    CHECK(a.experts == b.experts);
    CHECK(a.weights == b.weights);
  }
  // an expert's exception reaches the caller under par too
  const auto failing = weft::route(weft::par, weft::top_k<2>, gate_of(0.5f, 0.5f, 0, 0), scale{1}, weft_failing{}, scale{3}, scale{4});
  try {
    (void)failing(vec4::Ones());
    FAIL("no error");
  } catch (const weft::error& e) {
    CHECK(e.path_text() == "route[1]");
  }
}

TEST_CASE("Eigen and xtensor experts mixed: outputs bridged to expert 0's type") {
  const auto r = weft::route(weft::top_k<2>, gate_of(0.2f, 0.6f, 0.2f, 0), scale{1}, xscale{2}, scale{3}, xscale{4});
  const vec4 x(1, 2, 3, 4);
  const auto a = weft::routed(r, x);
  CHECK(a.experts == std::array<std::size_t, 2>{1, 0});
  for (int i = 0; i < 4; ++i) CHECK(a.output[i] == doctest::Approx(x[i] * (0.75 * 2 + 0.25 * 1)));
  // expert 0 on xtensor: the route returns xtensor
  const auto rx = weft::route(weft::top1, gate_of(0, 0, 1, 0), xscale{1}, scale{2}, scale{3}, scale{4});
  const xvec4 y = rx(x);
  CHECK(y(0) == 3);
  CHECK(y(3) == 12);
}

TEST_CASE("errors: an expert's weft::error gains route[I]; other exceptions pass unchanged") {
  const auto r = weft::route(weft::top1, gate_of(0, 0, 1, 0), scale{1}, scale{2}, weft::named("bad", weft_failing{}), scale{4});
  try {
    (void)r(vec4::Ones());
    FAIL("no error");
  } catch (const weft::error& e) {
    CHECK(e.path_text() == "route[2] \"bad\"");
    CHECK(e.kind() == "stand_in_error");
  }
  std::atomic<int> calls{0};
  const auto u = weft::route(weft::top_k<2>, gate_of(0.6f, 0.4f, 0, 0), user_failing{}, scale{2, &calls}, scale{3}, scale{4});
  CHECK_THROWS_WITH_AS((void)u(vec4::Ones()), "user expert", std::logic_error);
  CHECK(calls == 0);  // the most probable runs first; after its exception no other expert runs
}

TEST_CASE("route nests in sequence, fallback and ensemble; paths name every level") {
  const auto moe = weft::route(weft::top1, abs_gate{}, scale{1}, scale{2}, weft_failing{}, scale{4});
  const auto s = add_one{} | moe | add_one{};
  CHECK(s(vec4(0, 1, 0, 0)) == vec4(3, 5, 3, 3));  // (x + 1) chooses expert 1: 2 * (x + 1), then + 1
  try {
    (void)s(vec4(0, 0, 5, 0));
    FAIL("no error");
  } catch (const weft::error& e) {
    CHECK(e.path_text() == "sequence[1] > route[2]");
  }
  const auto fb = weft::fallback(moe, scale{-1});
  const auto ans = weft::answered(fb, vec4(0, 0, 5, 0));
  CHECK(ans.branch == 1);
  CHECK(ans.output == vec4(0, 0, -5, 0));
  CHECK(weft::answered(fb, vec4(0, 0, 0, 5)).output == vec4(0, 0, 0, 20));
  const auto e = weft::ensemble(weft::mean, moe, scale{0});
  CHECK(e(vec4(7, 0, 0, 0)) == vec4(3.5f, 0, 0, 0));
  // a route inside a route: the inner one is an expert
  const auto inner = weft::route(weft::top_k<2>, gate_of(0.5f, 0.5f, 0, 0), scale{1}, scale{3}, scale{0}, scale{0});
  const auto outer = weft::route(weft::top1, gate_of(0, 1, 0, 0), scale{1}, inner, scale{0}, scale{0});
  CHECK(outer(vec4::Ones()) == vec4::Constant(2));
  // routed sees through a wrapper
  const auto named = weft::named("moe", inner);
  CHECK(weft::routed(named, vec4::Ones()).experts == std::array<std::size_t, 2>{0, 1});
}

TEST_CASE("get<0> is the gate, get<1 + I> expert I; describe and to_dot show them") {
  auto r = weft::route(weft::top_k<2>, gate_of(0.1f, 0.5f, 0.3f, 0.1f), scale{1}, xscale{2}, scale{3}, scale{4});
  CHECK(weft::get<0>(r).p == vec4(0.1f, 0.5f, 0.3f, 0.1f));
  CHECK(weft::get<2>(r).f == 2);
  weft::get<4>(r).f = 40;
  weft::get<0>(r).p = vec4(0, 0, 0, 1);
  CHECK(r(vec4::Ones()) == vec4::Constant(40));
  const std::string text = weft::describe(weft::named("moe", r));
  CHECK(text ==
        "\"moe\" route top_k<2>: f32[4] -> f32[4]\n"
        "  [gate] fixed_gate<4>: f32[4] -> f32[4]\n"
        "  [0] scale: f32[4] -> f32[4]\n"
        "  > copy (eigen f32[4] -> xtensor f32[4])\n"
        "  [1] xscale: f32[4] -> f32[4]\n"
        "  < copy (xtensor f32[4] -> eigen f32[4])\n"
        "  [2] scale: f32[4] -> f32[4]\n"
        "  [3] scale: f32[4] -> f32[4]\n");
  const std::string dot = weft::to_dot(weft::route(weft::par, weft::top1, abs_gate{}, scale{1}, scale{2}, scale{3}, scale{4}));
  CHECK(dot.find("route par top1") != std::string::npos);
  CHECK(dot.find("[gate] abs_gate") != std::string::npos);
  CHECK(dot.find("chosen expert") != std::string::npos);
}

TEST_CASE("strict: a route of one backend copies nothing; another backend's expert is a copy") {
  using same = weft::route<weft::top_k_t<2>, fixed_gate<2>, scale, scale>;
  using mixed = weft::route<weft::top_k_t<2>, fixed_gate<2>, scale, xscale>;
  static_assert(std::is_void_v<weft::detail::implicit_copy<same>::type>);
  static_assert(!std::is_void_v<weft::detail::implicit_copy<mixed>::type>);
  const auto s = weft::strict(weft::route(weft::top1, fixed_gate<2>{Eigen::Vector2f(0, 1)}, scale{1}, scale{2}));
  CHECK(s(vec4::Ones()) == vec4::Constant(2));
}

TEST_CASE("fixed-size experts: top1 and top_k allocate nothing on the call path") {
  const auto r1 = weft::route(weft::top1, abs_gate{}, scale{1}, scale{2}, scale{3}, scale{4});
  const auto r2 = weft::route(weft::top_k<2>, abs_gate{}, scale{1}, scale{2}, scale{3}, scale{4});
  const vec4 x(0.1f, 0.2f, 0.4f, 0.3f);
  vec4 y1, y2;
  const long n = allocations_during(1, [&] {
    y1 = r1(x);
    y2 = r2(x);
  });
  CHECK(n == 0);
  CHECK(y1 == x * 3);
  for (int i = 0; i < 4; ++i) CHECK(y2[i] == doctest::Approx(x[i] * (3 * 4.0 / 7 + 4 * 3.0 / 7)));
}

TEST_CASE("integer experts are mixed as weft::weighted does: exactly, truncated toward zero") {
  using ivec4 = Eigen::Matrix<int, 4, 1>;
  const auto constant = [](int v) { return weft::fn<vec4, ivec4>([v](const vec4&) { return ivec4::Constant(v); }); };
  const auto r = weft::route(weft::top_k<2>, fixed_gate<3>{vec3(0.5f, 0.5f, 0)}, constant(1), constant(2), constant(-7));
  CHECK(r(vec4::Ones()) == ivec4::Constant(1));  // (1 + 2) / 2 = 1.5
  const auto n = weft::route(weft::top_k<2>, fixed_gate<3>{vec3(0, 0.5f, 0.5f)}, constant(1), constant(2), constant(-7));
  CHECK(n(vec4::Ones()) == ivec4::Constant(-2));  // (2 - 7) / 2 = -2.5
}

TEST_CASE("std::ref borrows the gate and experts: a change to them is seen by the route") {
  gate4 g = gate_of(1, 0, 0, 0);
  scale e0{2};
  const auto r = weft::route(weft::top1, std::ref(g), std::ref(e0), scale{3}, scale{4}, scale{5});
  CHECK(r(vec4::Ones()) == vec4::Constant(2));
  e0.f = 7;
  CHECK(r(vec4::Ones()) == vec4::Constant(7));
  g.p = vec4(0, 0, 0, 1);
  CHECK(r(vec4::Ones()) == vec4::Constant(5));
  CHECK(&weft::get<0>(r) == &g);
}
