// Tests for weft/ensemble.hpp and weft/reducers.hpp: one input to every branch, outputs bridged to
// the first branch's type and reduced; each reducer's exact semantics; paths; no allocation.
#define EIGEN_RUNTIME_NO_MALLOC  // this executable's only Eigen TU: Eigen asserts on any malloc when told
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/reducers.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>

// Counts global operator new calls, so that a test can prove a call path never allocates. Sanitizers
// bring their own operator new (TSan's cannot be replaced): there only Eigen's own check runs.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define WEFT_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WEFT_TEST_SANITIZED 1
#endif
namespace {
std::size_t allocations = 0;
}
#ifndef WEFT_TEST_SANITIZED
// Never inlined: g++ -O3 would otherwise see new's malloc meet delete's free and warn of a mismatch.
[[gnu::noinline]] void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t n) { return ::operator new(n); }
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {
using vec4 = Eigen::Matrix<float, 4, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using dvec4 = Eigen::Matrix<double, 4, 1>;
using ivec4 = Eigen::Matrix<std::int32_t, 4, 1>;
using xvec4 = xt::xtensor_fixed<float, xt::xshape<4>>;
using cm23 = Eigen::Matrix<float, 2, 3>;                      // column-major
using xrm23 = xt::xtensor_fixed<float, xt::xshape<2, 3>>;     // row-major
using cm22 = Eigen::Matrix<float, 2, 2>;
constexpr float qnan = std::numeric_limits<float>::quiet_NaN();

struct scale {  // x * f
  using input_type = vec4;
  using output_type = vec4;
  float f;
  output_type operator()(const input_type& x) const { return x * f; }
};
struct xscale {  // the same on xtensor: a copy bridge in, an xtensor output to bridge back out
  using input_type = xvec4;
  using output_type = xvec4;
  float f;
  output_type operator()(const input_type& x) const { return x * f; }
};
template <class Out>
struct constant {  // returns v whatever the input
  using input_type = vec4;
  using output_type = Out;
  Out v;
  output_type operator()(const input_type&) const { return v; }
};
struct dyn_head {  // f32[4] -> f32[?]
  using input_type = vec4;
  using output_type = Eigen::VectorXf;
  Eigen::Index n;
  output_type operator()(const input_type& x) const { return x.head(n); }
};
struct weights_view {  // returns a view of its own weights
  using input_type = vec4;
  using output_type = Eigen::Map<const vec4>;
  vec4 w;
  output_type operator()(const input_type&) const { return output_type(w.data()); }
};
struct flaky {  // throws while *fail is set
  using input_type = vec4;
  using output_type = vec4;
  const bool* fail;
  output_type operator()(const input_type& x) const {
    if (*fail) throw std::runtime_error("branch failed");
    return x;
  }
};
struct counted {  // counts its calls through a pointer (calls are const)
  using input_type = vec4;
  using output_type = vec4;
  int* calls;
  output_type operator()(const input_type& x) const {
    ++*calls;
    return x;
  }
};
template <int N>
struct empty_branch {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x; }
};
struct maybe {  // may decline: not a tensor output
  using input_type = vec4;
  using output_type = std::optional<vec4>;
  output_type operator()(const input_type& x) const { return x; }
};
struct takes_double {
  using input_type = dvec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x.cast<float>(); }
};
struct first_of {  // a user reducer taking exactly two outputs
  vec4 operator()(const vec4& a, const vec4&) const { return a; }
};

/// Index of the first largest element of a NaN-free vector (what weft::argmax returns).
template <class T>
Eigen::Index first_max(const T& t) {
  Eigen::Index best = 0;
  for (Eigen::Index i = 1; i < t.size(); ++i)
    if (t(i) > t(best)) best = i;
  return best;
}

template <class R, class... B>
using judged = weft::detail::ensemble_judgement<R, B...>;
template <class R, class... B>
using diagnosed = weft::detail::ensemble_diagnostic<R, B...>;
using weft::detail::branch_count;
using weft::detail::ensemble_branch;
using weft::detail::ensemble_reducer;
using weft::detail::weight_count;
}  // namespace

// --- truth tables ------------------------------------------------------------------------------
// Built-in reducers, and what they accept.
static_assert(weft::detail::builtin_reducer<weft::mean_t> && weft::detail::builtin_reducer<weft::weighted_t<2>>);
static_assert(weft::detail::builtin_reducer<weft::vote_t> && weft::detail::builtin_reducer<weft::max_t>);
static_assert(weft::detail::builtin_reducer<weft::median_t> && !weft::detail::builtin_reducer<first_of>);
static_assert(weft::weighted_t<3>::accepts<vec4, 3> && !weft::weighted_t<3>::accepts<vec4, 2>);
static_assert(weft::vote_t::accepts<vec4, 3> && weft::vote_t::accepts<dvec4, 3> && !weft::vote_t::accepts<ivec4, 3>);
static_assert(weft::mean_t::accepts<ivec4, 5> && weft::max_t::accepts<ivec4, 1> && weft::median_t::accepts<ivec4, 2>);
static_assert(std::is_same_v<decltype(weft::weighted(1, 2.5f, 3.0)), weft::weighted_t<3>>);
static_assert(weft::weighted(1, 3).weights()[1] == 3.0);  // usable in constant expressions
// Reducers take tensors of one owning type only.
static_assert(std::is_invocable_v<const weft::mean_t&, const vec4&, const vec4&, const vec4&>);
static_assert(!std::is_invocable_v<const weft::mean_t&, const vec4&, const xvec4&>);
static_assert(!std::is_invocable_v<const weft::mean_t&, const Eigen::Map<const vec4>&>);
static_assert(!std::is_invocable_v<const weft::weighted_t<2>&, const vec4&, const vec4&, const vec4&>);
static_assert(!std::is_invocable_v<const weft::vote_t&, const ivec4&, const ivec4&>);

// A well-formed ensemble is a model with the first branch's types.
using good = weft::ensemble<weft::mean_t, scale, xscale, dyn_head>;
static_assert(weft::model<good>);
static_assert(std::is_same_v<good::input_type, vec4> && std::is_same_v<good::output_type, vec4>);
static_assert(good::size == 3 && good::combinator_name == "ensemble");
static_assert(judged<weft::mean_t, scale, xscale, dyn_head>::ok);
static_assert(std::is_same_v<diagnosed<weft::mean_t, scale, xscale, dyn_head>, weft::detail::no_diagnostic>);
static_assert(judged<first_of, scale, scale>::ok);
// A view output: the ensemble returns its owning type.
static_assert(std::is_same_v<weft::ensemble<weft::max_t, weights_view, scale>::output_type, vec4>);
// After the diagnostic for a first output that is not a tensor, the tensor inside it (no second error).
static_assert(std::is_same_v<weft::ensemble<weft::mean_t, maybe, scale>::output_type, vec4>);
static_assert(std::is_same_v<weft::ensemble<weft::mean_t, constant<std::tuple<vec3, vec4>>, scale>::output_type, vec3>);
// Judged in order: branches and inputs, tensor outputs, shared spec, reducer accepts, reducer callable.
static_assert(judged<weft::mean_t, scale, takes_double>::which == 0);
static_assert(std::is_same_v<diagnosed<weft::mean_t, scale, takes_double>,
                             weft::detail::scalar_mismatch<ensemble_branch<1>, weft::f32<4>, weft::f64<4>>>);
static_assert(std::is_same_v<diagnosed<weft::mean_t, scale, int>, weft::detail::not_a_model<ensemble_branch<1>, int>>);
static_assert(judged<weft::mean_t, scale, maybe>::which == 1);
static_assert(std::is_same_v<diagnosed<weft::mean_t, scale, maybe>,
                             weft::detail::ensemble_output_not_tensor<ensemble_branch<1>, std::optional<weft::f32<4>>>>);
static_assert(std::is_same_v<diagnosed<weft::mean_t, scale, constant<std::tuple<vec4, vec3>>>,
                             weft::detail::ensemble_output_not_tensor<ensemble_branch<1>,
                                                                      std::tuple<weft::f32<4>, weft::f32<3>>>>);
static_assert(judged<weft::mean_t, scale, scale, constant<vec3>>::which == 2);
static_assert(std::is_same_v<diagnosed<weft::mean_t, scale, scale, constant<vec3>>,
                             weft::detail::ensemble_outputs_differ<ensemble_branch<2>, weft::f32<4>, weft::f32<3>>>);
static_assert(std::is_same_v<diagnosed<weft::mean_t, scale, constant<dvec4>>,
                             weft::detail::ensemble_outputs_differ<ensemble_branch<1>, weft::f32<4>, weft::f64<4>>>);
static_assert(judged<weft::mean_t, constant<cm23>, constant<xrm23>>::ok);  // layouts and backends may differ
static_assert(judged<weft::mean_t, dyn_head, scale>::ok);                 // a dyn extent meets a number
static_assert(judged<weft::weighted_t<3>, scale, scale>::which == 3);
static_assert(std::is_same_v<diagnosed<weft::weighted_t<3>, scale, scale>,
                             weft::detail::weights_count_mismatch<ensemble_reducer, weight_count<3>, branch_count<2>>>);
static_assert(std::is_same_v<diagnosed<weft::vote_t, constant<ivec4>, constant<ivec4>>,
                             weft::detail::vote_needs_floating_point<ensemble_reducer, weft::i32<4>>>);
static_assert(judged<first_of, scale, scale, scale>::which == 4);
static_assert(std::is_same_v<diagnosed<first_of, scale, scale, scale>,
                             weft::detail::reducer_not_callable<ensemble_reducer, weft::f32<4>, branch_count<3>, first_of>>);
static_assert(judged<int, scale>::which == 4);
// strict: the first implicit copy is an input bridge, then inside a branch, then an output's bridge.
static_assert(std::is_void_v<weft::detail::implicit_copy<weft::ensemble<weft::mean_t, scale, empty_branch<0>>>::type>);
static_assert(std::is_same_v<weft::detail::implicit_copy<weft::ensemble<weft::mean_t, scale, xscale>>::type,
                             weft::detail::link<ensemble_branch<1>, const vec4, xvec4>>);
static_assert(std::is_same_v<weft::detail::implicit_copy<weft::ensemble<weft::mean_t, scale, constant<xvec4>>>::type,
                             weft::detail::link<ensemble_branch<1>, xvec4, vec4>>);
static_assert(std::is_same_v<weft::detail::implicit_copy<weft::ensemble<weft::mean_t, weights_view, scale>>::type,
                             weft::detail::link<ensemble_branch<0>, Eigen::Map<const vec4>, vec4>>);

// --- cases -------------------------------------------------------------------------------------

TEST_CASE("mean: the element-wise mean of every branch, in branch order") {
  auto e = weft::ensemble(weft::mean, scale{1}, scale{2}, scale{6});
  static_assert(std::is_same_v<decltype(e), weft::ensemble<weft::mean_t, scale, scale, scale>>);
  const vec4 y = e(vec4(1, 2, 3, 4));
  CHECK(y == vec4(3, 6, 9, 12));  // (1 + 2 + 6) / 3 = 3 times x
  // integer scalars are computed in double and truncated toward zero
  CHECK(weft::mean(ivec4(1, 2, -3, 4), ivec4(2, 2, 0, 5)) == ivec4(1, 2, -1, 4));
}

TEST_CASE("weighted: sum of w_i * o_i over the sum of the weights") {
  auto e = weft::ensemble(weft::weighted(1, 2, 1), scale{1}, scale{2}, scale{6});
  CHECK(e(vec4(1, 2, 3, 4)) == vec4(2.75f, 5.5f, 8.25f, 11.0f));  // (1*1 + 2*2 + 1*6) / 4 = 2.75
  auto halves = weft::ensemble(weft::weighted(0.5, 0.25, 0.25), scale{1}, scale{2}, scale{6});
  CHECK(halves(vec4::Ones()) == vec4::Constant(2.5f));  // 0.5 + 0.5 + 1.5
  auto negative = weft::ensemble(weft::weighted(2, -1), scale{3}, scale{2});  // stacking weights
  CHECK(negative(vec4::Ones()) == vec4::Constant(4.0f));                       // (6 - 2) / 1
  CHECK(weft::weighted(1, 1).weights() == std::array<double, 2>{1.0, 1.0});
  CHECK_THROWS_AS(weft::weighted(1, -1), std::invalid_argument);
  CHECK_THROWS_AS(weft::weighted(1.0, std::numeric_limits<double>::infinity()), std::invalid_argument);
  CHECK_THROWS_AS(weft::weighted(1.0, std::nan("")), std::invalid_argument);
  e.reducer() = weft::weighted(0, 1, 0);  // weights can be replaced, like a branch's
  CHECK(e(vec4::Ones()) == vec4::Constant(2.0f));
}

TEST_CASE("vote: vote shares, each branch for its argmax; ties to the lowest index") {
  auto e = weft::ensemble(weft::vote, constant<vec4>{{0.1f, 0.7f, 0.2f, 0.0f}},   // votes 1
                          constant<vec4>{{0.5f, 0.2f, 0.2f, 0.1f}},               // votes 0
                          constant<vec4>{{0.1f, 0.2f, 0.6f, 0.1f}},               // votes 2
                          constant<vec4>{{0.3f, 0.3f, 0.2f, 0.2f}});              // tie 0/1: votes 0
  const vec4 shares = e(vec4::Zero());
  CHECK(shares == vec4(0.5f, 0.25f, 0.25f, 0.0f));
  CHECK(first_max(shares) == 0);

  // two classes with one vote each: equal shares, and argmax picks the lowest index
  auto tie = weft::ensemble(weft::vote, constant<vec4>{{0, 0, 9, 0}}, constant<vec4>{{0, 9, 0, 0}});
  const vec4 tied = tie(vec4::Zero());
  CHECK(tied == vec4(0, 0.5f, 0.5f, 0));
  CHECK(first_max(tied) == 1);
  auto winner = weft::ensemble(weft::vote, constant<vec4>{{0, 0, 9, 0}}, constant<vec4>{{0, 9, 0, 0}}) | weft::argmax;
  CHECK(winner(vec4::Zero())(0) == 1);

  // a branch holding a NaN makes every share NaN: no share may look confident
  auto with_nan = weft::ensemble(weft::vote, constant<vec4>{{0, 1, 9, 0}}, constant<vec4>{{3, qnan, 1, 0}},
                                 constant<vec4>{{0, 1, 9, 0}});
  const vec4 nan_shares = with_nan(vec4::Zero());
  for (int k = 0; k < 4; ++k) CHECK(std::isnan(nan_shares(k)));
  CHECK(weft::vote(vec4(0, 1, 9, 0), vec4(0, 1, 9, 0)) == vec4(0, 0, 1, 0));  // the same branches without it

  // rank 2: "lowest index" is row-major, whatever the memory order: (0,1) before (1,0)
  cm22 a;
  a << 0, 5, 5, 0;
  cm22 b;
  b << 0, 0, 0, 7;
  auto grid = weft::ensemble(weft::vote, constant<cm22>{a}, constant<cm22>{b});
  const cm22 g = grid(vec4::Zero());
  CHECK(g(0, 1) == 0.5f);
  CHECK(g(1, 0) == 0.0f);
  CHECK(g(1, 1) == 0.5f);
}

TEST_CASE("max: the element-wise largest value; a NaN among them wins") {
  auto e = weft::ensemble(weft::max, constant<vec4>{{1, 5, -2, qnan}}, constant<vec4>{{3, 4, -1, 0}},
                          constant<vec4>{{2, qnan, -3, 1}});
  const vec4 y = e(vec4::Zero());
  CHECK(y(0) == 3.0f);
  CHECK(std::isnan(y(1)));
  CHECK(y(2) == -1.0f);
  CHECK(std::isnan(y(3)));
  CHECK(weft::max(ivec4(1, 2, 3, 4), ivec4(4, 3, 2, 1)) == ivec4(4, 3, 3, 4));
}

TEST_CASE("median: the middle value; an even count averages the middle two") {
  auto odd = weft::ensemble(weft::median, constant<vec4>{{1, 9, 3, qnan}}, constant<vec4>{{5, 2, 3, 0}},
                            constant<vec4>{{3, 7, -1, 1}});
  const vec4 y = odd(vec4::Zero());
  CHECK(y.head<3>() == vec3(3, 7, 3));
  CHECK(std::isnan(y(3)));

  auto even = weft::ensemble(weft::median, constant<vec4>{{4, 1, 0, 10}}, constant<vec4>{{1, 1, 0, 20}},
                             constant<vec4>{{3, 8, 1, 30}}, constant<vec4>{{2, 8, 1, 40}});
  CHECK(even(vec4::Zero()) == vec4(2.5f, 4.5f, 0.5f, 25.0f));  // (2+3)/2, (1+8)/2, (0+1)/2, (20+30)/2
  CHECK(weft::median(ivec4(1, 2, 0, 0), ivec4(2, 5, 0, 0)) == ivec4(1, 3, 0, 0));  // 1.5, 3.5 truncated
  CHECK(weft::median(vec4(1, 2, 3, 4)) == vec4(1, 2, 3, 4));  // one branch: itself
}

TEST_CASE("Eigen and xtensor branches: outputs bridged to the first branch's type") {
  xt::xtensor<float, 1> three = {3, 3, 3, 3};
  auto e = weft::ensemble(weft::mean, scale{1}, xscale{2}, constant<xt::xtensor<float, 1>>{three});
  static_assert(std::is_same_v<decltype(e)::output_type, vec4>);
  CHECK(e(vec4(1, 2, 3, 4)) == vec4(2, 3, 4, 5));  // (x + 2x + 3) / 3

  // a user reducer sees every output as the first branch's type
  auto seen = weft::ensemble([](const vec4& a, const vec4& b) -> vec4 { return a.cwiseMin(b); }, scale{-1}, xscale{2});
  CHECK(seen(vec4(1, -2, 3, -4)) == vec4(-1, -4, -3, -8));

  // other layout and backend: the same logical elements
  cm23 m;
  m << 1, 2, 3, 4, 5, 6;
  xrm23 r = {{3, 2, 1}, {0, 5, 2}};
  auto layouts = weft::ensemble(weft::max, constant<cm23>{m}, constant<xrm23>{r});
  cm23 expected;
  expected << 3, 2, 3, 4, 5, 6;
  CHECK(layouts(vec4::Zero()) == expected);

  // an xtensor first branch: the result is xtensor
  auto xfirst = weft::ensemble(weft::median, xscale{1}, scale{2}, scale{3});
  static_assert(std::is_same_v<decltype(xfirst)::output_type, xvec4>);
  CHECK(xfirst(xvec4{1, 2, 3, 4}) == xvec4{2, 4, 6, 8});

  // a dynamic-rank first branch: every output is checked against its run-time shape
  auto any_rank = weft::ensemble(weft::max, constant<xt::xarray<float>>{xt::xarray<float>{0, 9, 0, 9}}, scale{2});
  static_assert(std::is_same_v<decltype(any_rank)::output_type, xt::xarray<float>>);
  CHECK(any_rank(vec4(1, 2, 3, 4)) == xt::xarray<float>{2, 9, 6, 9});
  auto wrong_rank = weft::ensemble(weft::max, constant<xt::xarray<float>>{xt::xarray<float>{{0, 9}, {0, 9}}}, scale{2});
  CHECK_THROWS_WITH_AS((void)wrong_rank(vec4::Ones()), "weft: shape_error at ensemble[1]: expected f32[2,2], got f32[4]",
                       weft::shape_error);
}

TEST_CASE("a user callable reducer: called once with every output, may return a convertible type") {
  int calls = 0;
  auto e = weft::ensemble(
      [&calls](const vec4& a, const vec4& b, const vec4& c) {
        ++calls;
        return a + b - c;  // an Eigen expression, converted to vec4 while the outputs live
      },
      scale{1}, scale{2}, scale{4});
  CHECK(e(vec4(1, 2, 3, 4)) == vec4(-1, -2, -3, -4));
  CHECK(calls == 1);
  auto borrowed = weft::ensemble(std::cref(weft::median), scale{1}, scale{5}, scale{2});
  CHECK(borrowed(vec4::Ones()) == vec4::Constant(2));
}

TEST_CASE("a view output: the ensemble returns its owning type") {
  auto e = weft::ensemble(weft::max, weights_view{vec4(1, 5, 2, 0)}, scale{2});
  CHECK(e(vec4::Ones()) == vec4(2, 5, 2, 2));
}

TEST_CASE("ensemble nests in a sequence and the error path names every level") {
  using weft::operator|;
  auto p = weft::fn<vec4, vec4>([](const vec4& x) -> vec4 { return x; }) |
           weft::ensemble(weft::mean, scale{1}, weft::named("wide", weft::sequence(dyn_head{3}, scale{2})));
  try {
    (void)p(vec4::Ones());
    FAIL("no shape_error thrown");
  } catch (const weft::shape_error& e) {
    CHECK(e.path_text() == "sequence[1] > ensemble[1] \"wide\" > sequence[1]");
    CHECK(std::string(e.what()).find("expected f32[4], got f32[3]") != std::string::npos);
  }
  auto nested = weft::ensemble(weft::mean, scale{1}, weft::ensemble(weft::max, scale{1}, dyn_head{3}));
  try {
    (void)nested(vec4::Ones());
    FAIL("no shape_error thrown");
  } catch (const weft::shape_error& e) {
    CHECK(e.path_text() == "ensemble[1] > ensemble[1]");
  }
}

TEST_CASE("outputs whose run-time extents differ throw shape_error at the branch") {
  auto e = weft::ensemble(weft::mean, dyn_head{3}, weft::named("long", dyn_head{4}));
  try {
    (void)e(vec4::Ones());
    FAIL("no shape_error thrown");
  } catch (const weft::shape_error& err) {
    CHECK(err.path_text() == "ensemble[1] \"long\"");
    CHECK(err.expected() == "f32[3]");
    CHECK(err.actual() == "f32[4]");
  }
  weft::get<1>(e).model.n = 3;
  CHECK(e(vec4(1, 2, 3, 4)) == Eigen::VectorXf(Eigen::Vector3f(1, 2, 3)));
  CHECK_THROWS_AS((void)weft::mean(Eigen::VectorXf(3), Eigen::VectorXf(2)), weft::shape_error);
}

TEST_CASE("a throwing branch: its exception passes unchanged, later branches do not run, nothing stays") {
  bool fail = true;
  int later = 0;
  auto e = weft::ensemble(weft::mean, scale{3}, flaky{&fail}, counted{&later});
  CHECK_THROWS_WITH_AS((void)e(vec4::Ones()), "branch failed", std::runtime_error);
  CHECK(later == 0);
  fail = false;
  CHECK(e(vec4::Ones()) == vec4::Constant(5.0f / 3));
  CHECK(later == 1);
  auto throwing_reducer = weft::ensemble([](const vec4&) -> vec4 { throw std::logic_error("reducer"); }, scale{1});
  CHECK_THROWS_WITH_AS((void)throwing_reducer(vec4::Ones()), "reducer", std::logic_error);
}

TEST_CASE("get<I> reaches a branch; empty branches and reducers take no space") {
  auto e = weft::ensemble(weft::mean, scale{1}, scale{3});
  CHECK(weft::get<1>(e).f == 3.0f);
  weft::get<1>(e).f = 5.0f;
  CHECK(e(vec4::Ones()) == vec4::Constant(3.0f));
  static_assert(sizeof(weft::ensemble<weft::mean_t, empty_branch<0>, empty_branch<1>>) == 1);
  static_assert(sizeof(weft::ensemble<weft::median_t, empty_branch<0>, empty_branch<1>, empty_branch<2>>) == 1);
  static_assert(sizeof(weft::ensemble<weft::weighted_t<2>, empty_branch<0>, empty_branch<1>>) ==
                sizeof(weft::weighted_t<2>));
}

TEST_CASE("fixed-size outputs: no heap allocation on the call path") {
  auto e = weft::ensemble(weft::median, scale{1}, xscale{2}, scale{3}, constant<xvec4>{{1, 1, 1, 1}});
  auto v = weft::ensemble(weft::vote, scale{1}, xscale{-1});
  auto w = weft::ensemble(weft::weighted(1, 2), scale{1}, xscale{2});
  const vec4 x(1, 2, 3, 4);
  const std::size_t before = allocations;
  Eigen::internal::set_is_malloc_allowed(false);
  const vec4 y = e(x);
  const vec4 s = v(x);
  const vec4 z = w(x);
  Eigen::internal::set_is_malloc_allowed(true);
  CHECK(allocations == before);
  CHECK(y == vec4(1.5f, 3, 4.5f, 6));
  CHECK(s == vec4(0.5f, 0, 0, 0.5f));
  CHECK(z == vec4(5.0f / 3, 10.0f / 3, 5, 20.0f / 3));
}

TEST_CASE("strict accepts an ensemble of identities and views") {
  auto e = weft::strict(weft::ensemble(weft::max, scale{1}, empty_branch<0>{}));
  CHECK(e(vec4(1, -2, 3, -4)) == vec4(1, -2, 3, -4));
}

namespace {
/// A branch whose output is a view of its input (an xtensor value the ensemble copies the caller's
/// Eigen value into): the view points at that copy.
struct x_view_of_input {
  using input_type = xt::xtensor_fixed<float, xt::xshape<4>>;
  using output_type = Eigen::Map<const vec4>;
  output_type operator()(const input_type& x) const { return output_type(x.data()); }
};
}  // namespace

// Like repro/view_output_dangles.cpp, inside an ensemble: the branch's view pointed into the bridge
// buffer that held its input, which was gone when the reducer read it (ASan stack-use-after-scope).
TEST_CASE("an ensemble branch returning a view of its bridged input is kept as its owning type") {
  const auto e = weft::ensemble(weft::mean, scale{1}, x_view_of_input{});
  static_assert(std::is_same_v<weft::output_t<decltype(e)>, vec4>);
  CHECK(e(vec4(1, 2, 3, 4)) == vec4(1, 2, 3, 4));
  const auto p = weft::ensemble(weft::par, weft::max, x_view_of_input{}, scale{1});
  CHECK(p(vec4(4, 3, 2, 1)) == vec4(4, 3, 2, 1));
}
