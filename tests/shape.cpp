// Tests of weft/shape.hpp and of run-time shapes through the combinators: the value type, what
// models declare (input_shape()/output_shape()), what combinators derive, the checks when a
// pipeline is built and on every call, and a pipeline's entry.
//
// This file is compiled with NDEBUG (defined below, before any include): every check here must hold
// in a release build, where Eigen's and xtensor's own asserts are gone.
// Regression tests for /work/shared/repro/: dims_size_overflow.cpp (under the asan preset's UBSan),
// p1_tabular.cpp, p1_errors.cpp and entry_conversion_unchecked.cpp (argv 1, 2, 3; ASan and NDEBUG).
#ifndef NDEBUG
#define NDEBUG
#endif

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <tuple>

#include <weft/weft.hpp>

namespace {

using weft::dyn;
using weft::shape;
using Vec = Eigen::VectorXf;
using Mat = Eigen::MatrixXf;

// =============================================================================================
// The value type
// =============================================================================================

static_assert(std::is_trivially_copyable_v<shape>);
static_assert(shape{}.rank() == 0);
static_assert(shape{13}.rank() == 1 && shape{13}[0] == 13);
static_assert(shape{dyn, 784}[0] == dyn && shape{dyn, 784}[1] == 784);
static_assert(shape{2, 3, 4}.element_count() == 24);
static_assert(shape{}.element_count() == 1);
static_assert(shape{dyn, 0}.element_count() == 0);  // a zero extent anywhere means 0
static_assert(shape{dyn, 3}.element_count() == dyn);
static_assert(shape{dyn, 3}.admits(shape{7, 3}) && !shape{dyn, 3}.admits(shape{7, 4}) && !shape{dyn, 3}.admits(shape{3}));
static_assert(weft::compatible(shape{dyn, 3}, shape{5, dyn}) && !weft::compatible(shape{2, 3}, shape{3, 3}));
static_assert(shape{1, 2} == shape{1, 2} && !(shape{1, 2} == shape{1, 2, 3}) && !(shape{dyn} == shape{4}));
static_assert(!shape{dyn, 4}.is_static() && shape{4}.is_static());

TEST_CASE("a shape holds up to 8 extents; more, or an extent below -1, is a shape_error") {
  CHECK(shape{1, 2, 3, 4, 5, 6, 7, 8}.rank() == 8);
  CHECK_THROWS_AS((shape{1, 2, 3, 4, 5, 6, 7, 8, 9}), weft::shape_error);
  CHECK_THROWS_AS((shape{3, -2}), weft::shape_error);
  CHECK_THROWS_AS(shape::filled(9, 1), weft::shape_error);
  CHECK(shape::filled(3, dyn) == shape{dyn, dyn, dyn});
  shape s{4, 5};
  s.resize(1);
  s.resize(2);
  CHECK(s == shape{4, 0});  // extents beyond the rank are forgotten
}

TEST_CASE("element_count never overflows: 0 for a zero extent, a shape_error beyond PTRDIFF_MAX") {
  const std::ptrdiff_t big = std::ptrdiff_t(1) << 62;
  CHECK(shape{2, big, 0}.element_count() == 0);  // repro dims_size_overflow.cpp: zero after the overflow
  CHECK(shape{0, big, big}.element_count() == 0);
  CHECK(shape{big, 1}.element_count() == big);
  CHECK_THROWS_AS((shape{2, big, 2}.element_count()), weft::shape_error);
  CHECK_THROWS_AS((shape{std::numeric_limits<std::ptrdiff_t>::max(), 2}.element_count()), weft::shape_error);
}

TEST_CASE("a shape prints as a spec with a scalar") {
  CHECK(weft::to_string(shape{dyn, 784}) == "[?,784]");
  CHECK(weft::spec_name<float>(shape{13}) == "f32[13]");
  CHECK(weft::spec_name<std::int32_t>(shape{dyn, 2}) == "i32[?,2]");
}

// Repro dims_size_overflow.cpp: an empty xarray whose other extents are huge, reshaped.
struct xarrid {
  using input_type = xt::xarray<float>;
  using output_type = xt::xarray<float>;
  output_type operator()(const input_type& v) const { return v; }
};

TEST_CASE("an empty xarray with huge extents meets reshape: shape_error, no overflow") {
  using weft::operator|;
  const xt::xarray<float> a(std::vector<std::size_t>{2, std::size_t(1) << 62, 0});
  const auto p = xarrid{} | weft::reshape<2, 3>;
  try {
    (void)p(a);
    FAIL("no shape_error");
  } catch (const weft::shape_error& e) {
    CHECK(e.expected() == "f32[2,3]");
    CHECK(e.actual() == "f32[2,4611686018427387904,0]");
    CHECK(e.path_text() == "sequence[1]");
  }
}

// =============================================================================================
// Models that declare their shapes from their weights (repro p1_tabular.cpp)
// =============================================================================================

struct standardise {
  using input_type = Vec;
  using output_type = Vec;
  Vec mean, stddev;
  output_type operator()(const input_type& x) const { return (x - mean).cwiseQuotient(stddev); }
  shape input_shape() const { return shape{mean.size()}; }
  shape output_shape() const { return shape{mean.size()}; }
};
struct linear {
  using input_type = Vec;
  using output_type = Vec;
  Mat W;
  Vec b;
  output_type operator()(const input_type& x) const { return W * x + b; }
  shape input_shape() const { return shape{W.cols()}; }
  shape output_shape() const { return shape{W.rows()}; }
};
static_assert(weft::detail::declares_input_shape<linear> && weft::detail::declares_output_shape<linear>);

struct head_weights {
  standardise s;
  linear l;
};
head_weights make_head(int d, int k, unsigned seed) {
  std::srand(seed);
  head_weights h;
  h.s.mean = Vec::Random(d);
  h.s.stddev = Vec::Random(d).cwiseAbs() + Vec::Ones(d);
  h.l.W = Mat::Random(k, d);
  h.l.b = Vec::Random(k);
  return h;
}
Vec softmax_by_hand(const Vec& z) {
  const Vec e = (z.array() - z.maxCoeff()).exp().matrix();
  return e / e.sum();
}

TEST_CASE("p1_tabular: declared stages keep their answers and reject a wrong length naming the stage") {
  using weft::operator|;
  const head_weights a = make_head(13, 3, 1), b = make_head(13, 3, 2);
  const auto head_a = a.s | a.l | weft::softmax;
  const auto head_b = b.s | b.l | weft::softmax;
  CHECK(head_a.input_shape() == shape{13});
  CHECK(head_a.output_shape() == shape{3});  // through softmax, which keeps the shape
  const auto probs = weft::ensemble(weft::weighted(0.7, 0.3), head_a, head_b);
  CHECK(probs.input_shape() == shape{13});
  CHECK(probs.output_shape() == shape{3});
  const auto clf = probs | weft::argmax;

  const Vec x = Vec::LinSpaced(13, -1.0f, 1.0f);
  const Vec pa = softmax_by_hand(a.l.W * (x - a.s.mean).cwiseQuotient(a.s.stddev) + a.l.b);
  const Vec pb = softmax_by_hand(b.l.W * (x - b.s.mean).cwiseQuotient(b.s.stddev) + b.l.b);
  const Vec expect = 0.7f * pa + 0.3f * pb;
  CHECK((probs(x) - expect).cwiseAbs().maxCoeff() < 1e-6f);
  Eigen::Index best = 0;
  expect.maxCoeff(&best);
  CHECK(clf(x)(0) == best);

  const auto batch = weft::batched(probs);
  const Mat X = Mat::Random(13, 5);
  const Mat P = batch(X);
  CHECK((P.col(2) - probs(Vec(X.col(2)))).cwiseAbs().maxCoeff() < 1e-6f);

  for (int n : {12, 0}) {  // `./a.out 12`, `./a.out 0`
    CAPTURE(n);
    try {
      (void)probs(Vec::Ones(n));
      FAIL("no shape_error");
    } catch (const weft::shape_error& e) {
      CHECK(e.expected() == "f32[13]");
      CHECK(e.actual() == "f32[" + std::to_string(n) + "]");
      CHECK(e.path_text() == "ensemble[0]");  // the first branch that declares 13, checked before any runs
    }
    CHECK_THROWS_AS((void)head_a(Vec::Ones(n)), weft::shape_error);
    CHECK_THROWS_WITH_AS((void)clf(Vec::Ones(n)), doctest::Contains("at sequence[0] > ensemble[0]:"),
                         weft::shape_error);
  }
}

TEST_CASE("building a pipeline checks every declared connection: shape_error from the constructor") {
  using weft::operator|;
  head_weights h = make_head(13, 3, 3);
  h.l.W = Mat::Random(3, 12);  // the linear stage takes 12, the standardiser gives 13
  try {
    (void)(h.s | h.l);
    FAIL("no shape_error");
  } catch (const weft::shape_error& e) {
    CHECK(e.path_text() == "sequence[1]");
    CHECK(e.expected() == "f32[12]");
    CHECK(e.actual() == "f32[13]");
  }
  CHECK_THROWS_AS(weft::sequence(h.s, weft::named("lin", h.l)), weft::shape_error);
  CHECK_THROWS_WITH(weft::sequence(h.s, weft::named("lin", h.l)), doctest::Contains("sequence[1] \"lin\""));
  // a declared output meets a static input: 3 cannot reach f32[4]
  const auto to_four = weft::fn([](const Eigen::Vector4f& v) -> Eigen::Vector4f { return v; });
  CHECK_THROWS_AS(make_head(13, 3, 4).l | to_four, weft::shape_error);
  CHECK_NOTHROW(make_head(13, 4, 4).l | to_four);
}

TEST_CASE("a stage changed through get<I> is still checked at its entry on every call") {
  using weft::operator|;
  const head_weights h = make_head(13, 3, 5);
  auto p = h.s | h.l;
  weft::get<1>(p).W = Mat::Random(3, 12);  // after construction: the link is no longer valid
  CHECK_THROWS_WITH_AS((void)p(Vec::Ones(13)), doctest::Contains("sequence[1]: expected f32[12], got f32[13]"),
                       weft::shape_error);
}

TEST_CASE("a pipeline that declares nothing is checked where the next declared stage begins") {
  using weft::operator|;
  const head_weights h = make_head(13, 3, 6);
  const auto pass = weft::named("entry", weft::fn([](const Vec& v) -> Vec { return v; }));
  const auto p = pass | h.l;
  CHECK(!weft::detail::declares_input_shape<decltype(p)>);
  CHECK(p.output_shape() == shape{3});
  CHECK_THROWS_WITH_AS((void)p(Vec::Ones(12)), doctest::Contains("sequence[1]: expected f32[13], got f32[12]"),
                       weft::shape_error);
}

// =============================================================================================
// p1_errors.cpp: ensemble and fallback branches whose run-time output sizes differ
// =============================================================================================

struct lin {  // undeclared dynamic linear
  using input_type = Vec;
  using output_type = Vec;
  Mat W;
  Vec b;
  Vec operator()(const Vec& x) const { return W * x + b; }
};
struct declared_lin : lin {
  shape input_shape() const { return shape{W.cols()}; }
  shape output_shape() const { return shape{W.rows()}; }
};
struct std13 {
  using input_type = Eigen::Matrix<float, 13, 1>;
  using output_type = Eigen::Matrix<float, 13, 1>;
  output_type operator()(const input_type& x) const { return x; }
};

TEST_CASE("p1_errors: the 13 vs 12 entry") {
  using weft::operator|;
  const auto entry = weft::named("entry", weft::fn([](const Vec& v) -> Vec { return v; }));
  const auto p = entry | weft::named("std13", std13{});
  CHECK(p(Vec::Ones(13)).size() == 13);
  CHECK_THROWS_WITH_AS((void)p(Vec::Ones(12)),
                       "weft: shape_error at sequence[1] \"std13\": expected f32[13], got f32[12]", weft::shape_error);
}

TEST_CASE("p1_errors: ensemble heads of 3 and 4 classes") {
  using weft::operator|;
  const lin a{Mat::Random(3, 13), Vec::Zero(3)}, b{Mat::Random(4, 13), Vec::Zero(4)};
  // undeclared: at call, naming the branch
  const auto e = weft::ensemble(weft::weighted(0.7, 0.3), a | weft::softmax, weft::named("b", b) | weft::softmax);
  CHECK_THROWS_WITH_AS((void)e(Vec::Ones(13)), "weft: shape_error at ensemble[1]: expected f32[3], got f32[4]",
                       weft::shape_error);
  // declared: at construction, before anything is called
  const declared_lin da{a}, db{b};
  CHECK_THROWS_WITH_AS(weft::ensemble(weft::weighted(0.7, 0.3), da | weft::softmax, weft::named("b", db)),
                       "weft: shape_error at ensemble[1] \"b\": expected f32[3], got f32[4]", weft::shape_error);
  CHECK_NOTHROW(weft::ensemble(weft::mean, da, declared_lin{a}));
}

TEST_CASE("p1_errors: a fallback whose branches' declared outputs differ; weighted(1, -1)") {
  const lin a{Mat::Random(3, 13), Vec::Zero(3)}, b{Mat::Random(4, 13), Vec::Zero(4)};
  const declared_lin da{a}, db{b};
  CHECK_THROWS_WITH_AS(weft::fallback(da, weft::named("b", db)),
                       "weft: shape_error at fallback[1] \"b\": expected f32[3], got f32[4]", weft::shape_error);
  // declared inputs that disagree: 13 and 12
  const declared_lin d12{lin{Mat::Random(3, 12), Vec::Zero(3)}};
  CHECK_THROWS_WITH_AS(weft::fallback(da, d12), "weft: shape_error at fallback[1]: expected f32[12], got f32[13]",
                       weft::shape_error);
  CHECK_THROWS_WITH_AS(weft::fan_out(da, d12), "weft: shape_error at fan_out[1]: expected f32[12], got f32[13]",
                       weft::shape_error);
  // every branch checked before any runs
  const auto fb = weft::fallback(a, da);
  CHECK(fb.input_shape() == shape{13});
  CHECK(fb.output_shape() == shape{3});
  CHECK_THROWS_WITH_AS((void)fb(Vec::Ones(12)), "weft: shape_error at fallback[1]: expected f32[13], got f32[12]",
                       weft::shape_error);
  // a fan_out checks a later declared branch before branch 0 runs
  int calls = 0;
  const auto counting = weft::fn([&calls](const Vec& v) -> Vec { ++calls; return v; });
  const auto fo = weft::fan_out(counting, da);
  CHECK_THROWS_WITH_AS((void)fo(Vec::Ones(12)), "weft: shape_error at fan_out[1]: expected f32[13], got f32[12]",
                       weft::shape_error);
  CHECK(calls == 0);
  CHECK_THROWS_WITH_AS(weft::weighted(1.0, -1.0), doctest::Contains("weft: weighted: the weights' sum"), std::exception);
}

TEST_CASE("fan_out's output_shape is one shape per branch") {
  const declared_lin a{lin{Mat::Random(3, 13), Vec::Zero(3)}};
  const auto f = weft::fan_out(a, weft::fn([](const Vec& v) -> Eigen::Vector2f { return v.head<2>(); }));
  CHECK(f.input_shape() == shape{13});
  CHECK(f.output_shape() == std::tuple<shape, shape>{shape{3}, shape{2}});
}

// =============================================================================================
// The entry: another tensor type, an expression (repro entry_conversion_unchecked.cpp)
// =============================================================================================

using vec4 = Eigen::Matrix<float, 4, 1>;
using xvec4 = xt::xtensor_fixed<float, xt::xshape<4>>;
struct scale {
  using input_type = vec4;
  using output_type = vec4;
  vec4 operator()(const vec4& v) const { return 2 * v; }
};
struct xscale {
  using input_type = xvec4;
  using output_type = xvec4;
  xvec4 operator()(const xvec4& v) const { return 2 * v; }
};

TEST_CASE("entry_conversion_unchecked: another tensor type is a checked conversion") {
  using weft::operator|;
  const auto p = scale{} | xscale{};
  const auto q = xscale{} | scale{};
  // argv 1: VectorXf(2) into Vector4f (Eigen: an assert, or a heap overflow with NDEBUG)
  CHECK_THROWS_WITH_AS((void)p(Vec::Ones(2).eval()), "weft: shape_error: expected f32[4], got f32[2]",
                       weft::shape_error);
  // argv 2: a 2x2 xarray into xtensor_fixed<4> (accepted silently as [1 2 3 4])
  const xt::xarray<float> square = {{1, 2}, {3, 4}};
  CHECK_THROWS_WITH_AS((void)q(square), "weft: shape_error: expected f32[4], got f32[2,2]", weft::shape_error);
  // argv 3: a 3-element xarray (a heap-buffer-overflow)
  const xt::xarray<float> three = {1, 2, 3};
  CHECK_THROWS_WITH_AS((void)q(three), "weft: shape_error: expected f32[4], got f32[3]", weft::shape_error);
  // the right lengths pass, bridged
  const xt::xarray<float> four = {1, 2, 3, 4};
  CHECK(q(four) == vec4(4, 8, 12, 16));
  CHECK(p(Vec::Ones(4).eval())(3) == 4.0f);
}

TEST_CASE("fn and named models judge another tensor type at their entry too") {
  const auto f = weft::fn([](const vec4& v) -> vec4 { return 2 * v; });
  CHECK_THROWS_WITH_AS((void)f(Vec::Ones(3).eval()), "weft: shape_error: expected f32[4], got f32[3]", weft::shape_error);
  CHECK(f(Vec::Ones(4).eval())(0) == 2.0f);
  const auto n = weft::named("twice", f);
  CHECK_THROWS_AS((void)n(xt::xarray<float>{1, 2}), weft::shape_error);
  CHECK(n(vec4::Ones())(3) == 2.0f);
}

TEST_CASE("an expression argument is evaluated, then judged") {
  using weft::operator|;
  const auto p = scale{} | xscale{};
  const auto y = p(vec4::Zero());  // a CwiseNullaryOp: evaluated to vec4
  CHECK(y(0) == 0.0f);
  CHECK(p(2 * vec4::Ones())(1) == 8.0f);
  CHECK_THROWS_AS((void)p(Vec::Ones(3)), weft::shape_error);  // VectorXf after evaluation: checked
  const auto q = xscale{} | scale{};
  const xvec4 a = {1, 2, 3, 4};
  CHECK(q(a + a)(3) == 32.0f);  // an xfunction
}

}  // namespace
