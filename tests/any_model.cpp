// Tests for weft/any_model.hpp: the bridges of a sequence link, in-place and heap storage, copies and
// moves, the empty state, paths, shapes, batches, observers, describe, and any_model inside (and
// holding) every combinator; no allocation for a small fixed-size model.
#include <weft/any_model.hpp>
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/fan_out.hpp>
#include <weft/observe.hpp>
#include <weft/retry.hpp>
#include <weft/route.hpp>
#include <weft/sequence.hpp>
#include <weft/when.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <array>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "support/alloc_counter.hpp"

// Models live in a named namespace: describe shows a type's name without its namespaces.
namespace any_test {

using vec4 = Eigen::Matrix<float, 4, 1>;
using vec2 = Eigen::Matrix<float, 2, 1>;
using vecx = Eigen::VectorXf;
using xvec4 = xt::xtensor_fixed<float, xt::xshape<4>>;
using batch4 = weft::batch_t<vec4>;

struct scale {  // x * f, counting its calls
  using input_type = vec4;
  using output_type = vec4;
  float f = 2;
  int* calls = nullptr;
  output_type operator()(const input_type& x) const {
    if (calls != nullptr) ++*calls;
    return x * f;
  }
};
struct head2 {  // the first two elements
  using input_type = vec4;
  using output_type = vec2;
  output_type operator()(const input_type& x) const { return x.head<2>(); }
};
struct xplus {  // xtensor in and out: bridged by copies from and to Eigen
  using input_type = xvec4;
  using output_type = xvec4;
  output_type operator()(const input_type& x) const { return x + 1.0f; }
};
struct viewer {  // views its input (a Map): no copy from an Eigen vec4
  using input_type = Eigen::Map<const vec4>;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x * 3.0f; }
};
struct widen {  // dynamic output: checked at run time against a fixed Out
  using input_type = vec4;
  using output_type = vecx;
  Eigen::Index n = 4;
  output_type operator()(const input_type& x) const { return vecx::Constant(n, x.sum()); }
};
struct big {  // too large for the buffer: stored on the heap
  using input_type = vec4;
  using output_type = vec4;
  std::array<float, 64> weights{};
  output_type operator()(const input_type& x) const { return x * weights[0]; }
};
struct throwing_move {  // small, but its move may throw: stored on the heap
  using input_type = vec4;
  using output_type = vec4;
  throwing_move() = default;
  throwing_move(const throwing_move&) = default;
  throwing_move(throwing_move&&) noexcept(false) {}
  throwing_move& operator=(const throwing_move&) = default;
  output_type operator()(const input_type& x) const { return x; }
};
struct shaped_dyn {  // declares its run-time input and output extents
  using input_type = vecx;
  using output_type = vecx;
  Eigen::Index n = 3;
  weft::shape input_shape() const { return weft::shape{n}; }
  weft::shape output_shape() const { return weft::shape{n}; }
  output_type operator()(const input_type& x) const { return x; }
};
struct failing {  // a weft::error from inside
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type&) const { throw weft::shape_error("f32[1]", "f32[2]"); }
};
struct native {  // batch-native: counts batch calls
  using input_type = vec4;
  using output_type = vec4;
  int* batch_calls = nullptr;
  output_type operator()(const input_type& x) const { return x * 5.0f; }
  batch4 call_batch(const batch4& b) const {
    ++*batch_calls;
    return b * 5.0f;
  }
};
struct first_positive {
  const char* name = "first_positive";
  bool operator()(const vec4& x) const { return x[0] > 0; }
};
struct flaky {  // fails its first `failures` calls
  using input_type = vec4;
  using output_type = vec4;
  int failures = 0;
  int* calls = nullptr;
  output_type operator()(const input_type& x) const {
    if (++*calls <= failures) throw std::runtime_error("busy");
    return x + vec4::Ones();
  }
};
struct recorder {  // observer: every entered path
  std::vector<std::string> log;
  void on_enter(const weft::stage_event& e) { log.push_back(std::string(e.path) + " : " + std::string(e.specs)); }
};

using any44 = weft::any_model<vec4, vec4>;
using any44x = weft::any_model<vecx, vecx>;

}  // namespace any_test

using namespace any_test;

static_assert(weft::model<any44>);
static_assert(std::is_copy_constructible_v<any44> && std::is_nothrow_move_constructible_v<any44>);
static_assert(std::is_nothrow_move_assignable_v<any44> && std::is_copy_assignable_v<any44>);
static_assert(std::is_same_v<weft::input_t<any44>, vec4> && std::is_same_v<weft::output_t<any44>, vec4>);
static_assert(weft::batch_native<any44>);
static_assert(sizeof(any44) <= 96);
static_assert(weft::detail::any_model_ops<vec4, vec4, scale>::in_place);
static_assert(!weft::detail::any_model_ops<vec4, vec4, big>::in_place);
static_assert(!weft::detail::any_model_ops<vec4, vec4, throwing_move>::in_place);
// The judgement of a sequence link, both sides.
static_assert(weft::detail::any_model_connects<vec4, vec4, xplus>);
static_assert(weft::detail::any_model_connects<vecx, vec4, scale>);   // checked in
static_assert(weft::detail::any_model_connects<vec4, vec4, widen>);   // checked out
static_assert(!weft::detail::any_model_connects<vec2, vec4, scale>);  // static extents differ
static_assert(!weft::detail::any_model_connects<vec4, vec4, head2>);

TEST_CASE("any_model calls the held model through the bridges a sequence link makes") {
  const vec4 x(1, 2, 3, 4);
  CHECK(any44(scale{})(x) == x * 2);
  CHECK(any44(viewer{})(x) == x * 3);
  CHECK(any44(xplus{})(x) == x + vec4::Ones());  // copies in and out
  CHECK(any44(widen{})(x) == vec4::Constant(10));
  CHECK_THROWS_AS(any44(widen{3})(x), weft::shape_error);  // checked out: 3 elements into f32[4]
  const weft::any_model<vecx, vec4> checked_in = scale{};
  CHECK(checked_in(vecx(x)) == x * 2);
  try {
    (void)checked_in(vecx::Ones(5));
    FAIL("a 5-element vector reached a f32[4] model");
  } catch (const weft::shape_error& e) {
    CHECK(e.expected() == "f32[4]");
    CHECK(e.actual() == "f32[5]");
  }
  // Another tensor type or an expression is judged and bridged first.
  CHECK(any44(scale{})(vec4::Ones() * 2) == vec4::Constant(4));
}

TEST_CASE("copies, moves and the empty state; small models in place, others on the heap") {
  int calls = 0;
  const vec4 x = vec4::Ones();
  any44 a = scale{3, &calls};
  any44 b = a;  // a copy of the held model
  CHECK(b(x) == x * 3);
  any44 c = std::move(a);
  CHECK(c(x) == x * 3);
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  CHECK_THROWS_AS(a(x), weft::empty_model_error);
  CHECK(calls == 2);
  try {
    (void)any44{}(x);
    FAIL("an empty any_model answered");
  } catch (const weft::empty_model_error& e) {
    CHECK(std::string(e.what()).find("any_model f32[4] -> f32[4] holds no model") != std::string::npos);
  }
  big heavy;
  heavy.weights[0] = 7;
  any44 h = heavy;  // on the heap
  any44 h2 = h;
  heavy.weights[0] = 0;
  CHECK(h2(x) == x * 7);
  h = c;  // copy assignment over a heap model
  CHECK(h(x) == x * 3);
  h2 = std::move(h);
  CHECK(h2(x) == x * 3);
  CHECK(h.empty());  // NOLINT(bugprone-use-after-move)
  any44& alias = h2;
  h2 = std::move(alias);  // a self-move leaves the model in place
  CHECK(h2(x) == x * 3);
  any44 t = throwing_move{};
  any44 t2 = std::move(t);
  CHECK(t2(x) == x);
  CHECK(t.empty());  // NOLINT(bugprone-use-after-move)
  std::vector<any44> many{scale{1}, xplus{}, heavy, viewer{}};
  many.push_back(many[1]);
  CHECK(many[4](x) == x + vec4::Ones());
  // std::ref borrows: a change to the model is seen.
  scale s{2};
  const any44 borrowed = std::ref(s);
  s.f = 9;
  CHECK(borrowed(x) == x * 9);
}

TEST_CASE("no allocation to construct from, call, copy or move a small fixed-size model") {
  int calls = 0;
  const vec4 x(1, 2, 3, 4);
  vec4 y;
  const long n = allocations_during(1, [&] {
    any44 a = scale{2, &calls};
    y = a(x);
    any44 b = a;
    any44 c = std::move(b);
    y += c(x);
    any44 d = xplus{};
    y += d(x);
  });
  CHECK(n == 0);
  CHECK(y == x * 4 + x + vec4::Ones());
}

TEST_CASE("errors keep the held model's path; the enclosing segment carries its given name") {
  using weft::operator|;
  const any44 inner = weft::named("fold", scale{} | failing{});
  CHECK(inner.name == "fold");
  const auto outer = scale{} | inner;
  try {
    (void)outer(vec4::Ones());
    FAIL("no error");
  } catch (const weft::shape_error& e) {
    CHECK(e.path_text() == "sequence[1] \"fold\" > sequence[1]");
  }
  any44 moved = inner;  // the name follows the held model through copies and moves
  any44 again = std::move(moved);
  CHECK(again.name == "fold");
  CHECK(moved.name.empty());  // NOLINT(bugprone-use-after-move)
}

TEST_CASE("shapes: what the held model declares, checked by any_model on every call") {
  const any44x a = shaped_dyn{3};
  CHECK(a.input_shape() == weft::shape{3});
  CHECK(a.output_shape() == weft::shape{3});
  CHECK(a(vecx::Ones(3)) == vecx::Ones(3));
  CHECK_THROWS_AS(a(vecx::Ones(4)), weft::shape_error);
  const any44 fixed = scale{};
  CHECK(fixed.input_shape() == weft::shape{4});
  const any44x undeclared = weft::fn([](const vecx& v) -> vecx { return v; });
  CHECK(undeclared.input_shape() == weft::shape{weft::dyn});
  // A sequence's constructor sees the declared shapes: 3 elements cannot reach a f32[4] stage.
  const weft::any_model<vecx, vecx> to_four = weft::fn([](const vec4& v) -> vec4 { return v; });
  CHECK_THROWS_AS(weft::sequence(a, to_four), weft::shape_error);
}

TEST_CASE("call_batch: the held model's when it is batch-native, else one call per sample") {
  int batch_calls = 0;
  const any44 a = native{&batch_calls};
  batch4 b(4, 3);
  b.setRandom();
  CHECK(a.call_batch(b).isApprox(b * 5.0f));
  CHECK(batch_calls == 1);
  CHECK(weft::batched(a)(b).isApprox(b * 5.0f));
  CHECK(batch_calls == 2);
  int calls = 0;
  const any44 per_sample = scale{2, &calls};
  CHECK(per_sample.call_batch(b).isApprox(b * 2.0f));
  CHECK(calls == 3);
  const any44 fails = failing{};
  try {
    (void)fails.call_batch(b);
    FAIL("no error");
  } catch (const weft::shape_error& e) {
    CHECK(e.path_text() == "batched[0]");
  }
}

TEST_CASE("observers see the held model's stages, with their paths and specs") {
  using weft::operator|;
  const any44 held = scale{} | weft::named("x", xplus{});
  recorder r;
  const auto observed = weft::observe(weft::sequence(scale{}, held), r);
  CHECK(observed(vec4::Ones()) == vec4::Constant(5));
  const std::vector<std::string> expected{
      " : f32[4] -> f32[4]",
      "sequence[0] : f32[4] -> f32[4]",
      "sequence[1] : f32[4] -> f32[4]",
      "sequence[1] > sequence[0] : f32[4] -> f32[4]",
      "sequence[1] > sequence[1] \"x\" : f32[4] -> f32[4]",
  };
  CHECK(r.log == expected);
  // An any_model holding an any_model: the erased context passes through both.
  recorder r2;
  const weft::any_model<vecx, vec4> nested = held;
  (void)weft::observe(nested, r2)(vecx::Ones(4));
  CHECK(r2.log.size() == 3);
  CHECK(r2.log.back() == "sequence[1] \"x\" : f32[4] -> f32[4]");
}

TEST_CASE("describe and to_dot: a node \"any\" over the held model's tree, with its bridges") {
  using weft::operator|;
  const any44 a = scale{} | xplus{};
  CHECK(weft::describe(a) ==
        "any: f32[4] -> f32[4]\n"
        "  [0] sequence: f32[4] -> f32[4]\n"
        "    [0] scale: f32[4] -> f32[4]\n"
        "    | copy (eigen f32[4] -> xtensor f32[4])\n"
        "    [1] xplus: f32[4] -> f32[4]\n"
        "  < copy (xtensor f32[4] -> eigen f32[4])\n");
  const weft::any_model<vecx, vec4> b = weft::named("w", widen{});
  CHECK(weft::describe(weft::sequence(scale{}, b)) ==
        "sequence: f32[4] -> f32[4]\n"
        "  [0] scale: f32[4] -> f32[4]\n"
        "  | copy (eigen f32[4] -> eigen f32[?])\n"
        "  [1] any: f32[?] -> f32[4]\n"
        "    > checked copy (eigen f32[?] -> eigen f32[4])\n"
        "    [0] \"w\" widen: f32[4] -> f32[?]\n"
        "    < checked copy (eigen f32[?] -> eigen f32[4])\n");
  CHECK(weft::describe(any44{}) == "any (empty): f32[4] -> f32[4]\n");
  CHECK(weft::to_dot(a).find("subgraph cluster_0 {\n    label=\"any\\nf32[4] -> f32[4]\"") != std::string::npos);
}

TEST_CASE("any_model inside every combinator") {
  using weft::operator|;
  const vec4 x(1, -2, 3, 4);
  const any44 a = scale{2};
  const any44 b = xplus{};
  CHECK((a | b)(x) == x * 2 + vec4::Ones());
  CHECK(weft::sequence(scale{3}, a)(x) == x * 6);
  CHECK((weft::fan_out(a, head2{}) | weft::concat)(x).head<4>() == x * 2);
  CHECK(weft::ensemble(weft::mean, a, b)(x).isApprox((x * 2 + x + vec4::Ones()) / 2));
  const weft::any_model<vec4, vec4> empty;
  CHECK(weft::fallback(empty, b)(x) == x + vec4::Ones());  // the empty one's error moves it on
  CHECK(weft::route(weft::top1, weft::fn([](const vec4&) -> vec2 { return vec2(0.2f, 0.8f); }), a, b)(x) ==
        x + vec4::Ones());
  CHECK(weft::when(first_positive{}, a, b)(x) == x * 2);
  int calls = 0;
  const any44 f = flaky{1, &calls};
  CHECK(weft::retry(f, weft::attempts(2))(x) == x + vec4::Ones());
  CHECK(calls == 2);
  batch4 batch(4, 2);
  batch.setRandom();
  CHECK(weft::batched(b)(batch).isApprox((batch.array() + 1.0f).matrix()));
  recorder r;
  CHECK(weft::observe(a, r)(x) == x * 2);
  CHECK(r.log.size() == 1);
}

TEST_CASE("any_model holding every combinator") {
  using weft::operator|;
  const vec4 x(1, -2, 3, 4);
  CHECK(any44(scale{2} | xplus{})(x) == x * 2 + vec4::Ones());
  const weft::any_model<vec4, Eigen::Matrix<float, 6, 1>> fo = weft::fan_out(scale{2}, head2{}) | weft::concat;
  CHECK(fo(x).head<4>() == x * 2);
  CHECK(any44(weft::ensemble(weft::mean, scale{2}, scale{4}))(x) == x * 3);
  CHECK(any44(weft::fallback(failing{}, scale{5}))(x) == x * 5);
  CHECK(any44(weft::route(weft::top1, weft::fn([](const vec4&) -> vec2 { return vec2(0.9f, 0.1f); }), scale{2},
                          xplus{}))(x) == x * 2);
  CHECK(any44(weft::when(first_positive{}, scale{2}, xplus{}))(-x) == -x + vec4::Ones());
  int calls = 0;
  CHECK(any44(weft::retry(flaky{2, &calls}, weft::attempts(3)))(x) == x + vec4::Ones());
  CHECK(calls == 3);
  batch4 batch(4, 2);
  batch.setRandom();
  const weft::any_model<batch4, batch4> whole = weft::batched(scale{2});
  CHECK(whole(batch).isApprox(batch * 2.0f));
  recorder r;
  const any44 watched = weft::observe(scale{2} | xplus{}, r);
  CHECK(watched(x) == x * 2 + vec4::Ones());
  CHECK(r.log.size() == 3);
}
