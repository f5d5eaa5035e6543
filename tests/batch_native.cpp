// Tests for the batch paths of the combinators (weft/detail/batch_native.hpp, batch_branches.hpp):
// sequence, ensemble and fan_out | concat of batch-native models are batch-native exactly when they
// can be; named and shaped of a batch-native model forward call_batch; weft::batched of one calls each model's call_batch once; answers equal per-sample calls;
// errors name the stage path; wrong sample counts are shape errors.
#include <weft/batched.hpp>
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/fan_out.hpp>
#include <weft/sequence.hpp>
#include <weft/shaped.hpp>
#include <weft/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace {
using vec4 = Eigen::Matrix<float, 4, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using vec2 = Eigen::Matrix<float, 2, 1>;
using vecx = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using batch4 = Eigen::Matrix<float, 4, Eigen::Dynamic>;
using batch3 = Eigen::Matrix<float, 3, Eigen::Dynamic>;
using batch2 = Eigen::Matrix<float, 2, Eigen::Dynamic>;
using batchx = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using xvec4 = xt::xtensor_fixed<float, xt::xshape<4>>;
using xvec3 = xt::xtensor_fixed<float, xt::xshape<3>>;
using xbatch = xt::xtensor<float, 2>;

/// A batch-native dense layer y = W x + b (I inputs, O outputs); counts its calls of each kind and
/// answers `drop` samples fewer, or throws a shape_error, when told to.
template <int I, int O>
struct dense {
  using input_type = Eigen::Matrix<float, I, 1>;
  using output_type = Eigen::Matrix<float, O, 1>;
  Eigen::Matrix<float, O, I> w = Eigen::Matrix<float, O, I>::Random();
  output_type b = output_type::Random();
  std::shared_ptr<int> per_sample = std::make_shared<int>(0);
  std::shared_ptr<int> batches = std::make_shared<int>(0);
  Eigen::Index drop = 0;
  bool fail = false;
  std::string name;
  output_type operator()(const input_type& x) const {
    ++*per_sample;
    return w * x + b;
  }
  weft::batch_t<output_type> call_batch(const weft::batch_t<input_type>& x) const {
    ++*batches;
    if (fail) throw weft::shape_error("f32[4]", "f32[5]");
    weft::batch_t<output_type> y = (w * x).colwise() + b;
    return y.leftCols(y.cols() - drop);
  }
};

/// A batch-native relu over vec3.
struct relu3 {
  using input_type = vec3;
  using output_type = vec3;
  vec3 operator()(const vec3& x) const { return x.cwiseMax(0.0f); }
  batch3 call_batch(const batch3& x) const { return x.cwiseMax(0.0f); }
};

/// A per-sample model only (no call_batch).
struct plain3 {
  using input_type = vec3;
  using output_type = vec3;
  vec3 operator()(const vec3& x) const { return 2.0f * x; }
};

/// A batch-native model of dynamic width: keeps the first `keep` elements of each sample.
struct head_dyn {
  using input_type = vecx;
  using output_type = vecx;
  Eigen::Index keep = 2;
  vecx operator()(const vecx& x) const { return x.head(keep); }
  batchx call_batch(const batchx& x) const { return x.topRows(keep); }
};

/// A batch-native model on xtensor: y = (2 x0, x1 + x2, x3).
struct x_mix {
  using input_type = xvec4;
  using output_type = xvec3;
  std::shared_ptr<int> batches = std::make_shared<int>(0);
  xvec3 operator()(const xvec4& x) const { return {2.0f * x(0), x(1) + x(2), x(3)}; }
  xbatch call_batch(const xbatch& x) const {
    ++*batches;
    xbatch y = xbatch::from_shape({x.shape(0), 3});
    for (std::size_t j = 0; j < x.shape(0); ++j) {
      y(j, 0) = 2.0f * x(j, 0);
      y(j, 1) = x(j, 1) + x(j, 2);
      y(j, 2) = x(j, 3);
    }
    return y;
  }
};

/// An Eigen batch-native model whose output is xtensor (crosses backends).
struct to_xtensor {
  using input_type = vec3;
  using output_type = xvec3;
  xvec3 operator()(const vec3& x) const { return {x(0), x(1), x(2)}; }
  xbatch call_batch(const batch3& x) const {
    xbatch y = xbatch::from_shape({static_cast<std::size_t>(x.cols()), 3});
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      for (Eigen::Index i = 0; i < 3; ++i) y(j, i) = x(i, j);
    return y;
  }
};

batch4 random_batch(Eigen::Index n) {
  batch4 b(4, n);
  b.setRandom();
  return b;
}

template <class E, class F>
E thrown(F f) {
  try {
    f();
  } catch (const E& e) {
    return e;
  }
  FAIL("nothing thrown");
  throw std::logic_error("unreachable");
}

/// A batch-native relu on xtensor.
struct x_relu3 {
  using input_type = xvec3;
  using output_type = xvec3;
  xvec3 operator()(const xvec3& x) const { return xt::maximum(x, 0.0f); }
  xbatch call_batch(const xbatch& x) const { return xt::maximum(x, 0.0f); }
};

using weft::operator|;
using d43 = dense<4, 3>;
using d32 = dense<3, 2>;
using d42 = dense<4, 2>;
}  // namespace

// ---------------------------------------------------------------------------------------------
// The concept holds exactly when it can.
// ---------------------------------------------------------------------------------------------

static_assert(weft::batch_native<d43>);
static_assert(weft::batch_native<weft::sequence<d43, relu3, d32>>);
static_assert(weft::batch_native<decltype(d43{} | relu3{} | d32{} | weft::cast<double>)>);
static_assert(weft::batch_native<decltype(d43{} | weft::check_finite | weft::identity | relu3{})>);
static_assert(weft::batch_native<weft::sequence<std::reference_wrapper<const d43>, relu3>>);
static_assert(!weft::batch_native<weft::sequence<d43, plain3>>, "a stage that is not batch-native");
static_assert(!weft::batch_native<weft::sequence<d43, plain3, relu3>>);
static_assert(weft::batch_native<weft::sequence<d43, to_xtensor, x_relu3>>, "a model may answer on another backend");
static_assert(!weft::batch_native<weft::sequence<d43, x_relu3>>, "a link may not cross backends");
static_assert(!weft::batch_native<decltype(d43{} | weft::reshape<3, 1>)>, "reshape does not read batches");
static_assert(weft::batch_native<weft::sequence<x_mix, weft::sequence<weft::adapter_stage<weft::cast_t<double>, xvec3>>>>);

static_assert(weft::batch_native<weft::ensemble<weft::mean_t, d43, d43>>);
static_assert(weft::batch_native<weft::ensemble<weft::vote_t, d43, d43, d43>>);
static_assert(weft::batch_native<weft::ensemble<weft::par_t, weft::median_t, d43, d43, d43>>);
static_assert(!weft::batch_native<weft::ensemble<weft::mean_t, d43, weft::sequence<d43, plain3>>>);
static_assert(weft::batch_native<weft::ensemble<weft::mean_t, d43, weft::sequence<d43, relu3>>>);

using fan_concat = decltype(weft::fan_out(d43{}, d42{}) | weft::concat);
static_assert(weft::batch_native<fan_concat>);
static_assert(std::is_same_v<weft::output_t<fan_concat>, Eigen::Matrix<float, 5, 1>>);
static_assert(weft::batch_native<decltype(weft::fan_out(d43{}, d42{}) | weft::concat | dense<5, 2>{})>);
static_assert(!weft::batch_native<weft::fan_out<d43, d42>>, "a tuple is no batch: fan_out alone is not");
static_assert(!weft::batch_native<decltype(weft::fan_out(d43{}, weft::sequence(d43{}, plain3{})) | weft::concat)>);
static_assert(weft::batch_native<decltype(d43{} | weft::fan_out(relu3{}, relu3{}) | weft::concat)>);

static_assert(std::is_same_v<decltype(std::declval<const weft::sequence<d43, relu3>&>().call_batch(batch4())), batch3>);

// adapters that read batches (weft/adapters.hpp): softmax, normalize, argmax along the sample axis
using classify = decltype(d43{} | relu3{} | weft::softmax | weft::normalize | weft::argmax);
static_assert(weft::batch_native<classify>);
static_assert(std::is_same_v<weft::output_t<weft::batched<classify>>, Eigen::Matrix<std::int64_t, 1, Eigen::Dynamic>>);
static_assert(weft::batch_native<decltype(x_mix{} | weft::softmax | weft::argmax)>);
static_assert(!weft::batch_native<decltype(d43{} | plain3{} | weft::softmax)>);
static_assert(weft::batch_native<decltype(weft::fan_out(x_mix{}, x_mix{}) | weft::concat | weft::softmax)>);

// ---------------------------------------------------------------------------------------------
// sequence
// ---------------------------------------------------------------------------------------------

TEST_CASE("batched(sequence of batch-native stages): one call_batch per stage, the per-sample answers") {
  const d43 first;
  const d32 last;
  const auto p = weft::sequence(std::cref(first), relu3{}, std::cref(last));
  const batch4 b = random_batch(7);
  const batch2 y = weft::batched(p)(b);
  CHECK(*first.batches == 1);
  CHECK(*last.batches == 1);
  CHECK(*first.per_sample == 0);
  CHECK(y.cols() == 7);
  for (Eigen::Index j = 0; j < b.cols(); ++j) CHECK(y.col(j).isApprox(p(vec4(b.col(j)))));

  const batch2 empty = weft::batched(p)(random_batch(0));
  CHECK(empty.cols() == 0);
}

TEST_CASE("a sequence's call_batch: cast and check_finite along the batch, a dynamic link checked") {
  const auto p = d43{} | weft::check_finite | weft::cast<double>;
  const batch4 b = random_batch(5);
  const Eigen::Matrix<double, 3, Eigen::Dynamic> y = weft::batched(p)(b);
  for (Eigen::Index j = 0; j < b.cols(); ++j) CHECK(y.col(j) == p(vec4(b.col(j))));

  batch4 bad = random_batch(5);
  bad(2, 3) = std::numeric_limits<float>::quiet_NaN();
  d43 with_nan;
  with_nan.w.setIdentity();
  const auto q = std::cref(with_nan) | weft::check_finite;
  const auto e = thrown<weft::non_finite_error>([&] { (void)weft::batched(q)(bad); });
  CHECK(e.path_text() == "batched[*] > sequence[1]");

  // a dynamic-width stage feeding a fixed one: the bridge checks the batch's extents
  const auto widths = weft::sequence(head_dyn{3}, head_dyn{2});
  static_assert(weft::batch_native<decltype(widths)>);
  batchx wide(4, 3);
  wide.setRandom();
  const batchx narrowed = widths.call_batch(wide);
  CHECK(narrowed.rows() == 2);
  const auto to_fixed = weft::sequence(head_dyn{}, relu3{});
  static_assert(weft::batch_native<decltype(to_fixed)>);
  const auto mismatch = thrown<weft::shape_error>([&] { (void)to_fixed.call_batch(wide); });
  CHECK(mismatch.path_text() == "sequence[1]");
  CHECK(mismatch.expected() == "f32[3,?] col-major");
}

TEST_CASE("a sequence's call_batch: errors name the stage, a wrong sample count is a shape_error") {
  d32 failing;
  failing.fail = true;
  failing.name = "head";
  const auto p = weft::sequence(d43{}, relu3{}, failing);
  const auto e = thrown<weft::shape_error>([&] { (void)weft::batched(p)(random_batch(3)); });
  CHECK(e.path_text() == "batched[*] > sequence[2] \"head\"");

  d43 short_answer;
  short_answer.drop = 1;
  const auto q = weft::sequence(short_answer, relu3{});
  const auto c = thrown<weft::shape_error>([&] { (void)weft::batched(q)(random_batch(4)); });
  CHECK(c.path_text() == "batched[*] > sequence[0]");
  CHECK(c.expected() == "f32[3,4]");
  CHECK(c.actual() == "f32[3,3]");
}

TEST_CASE("a sequence's call_batch on xtensor batches: samples along axis 0") {
  const x_mix m;
  const auto p = std::cref(m) | weft::cast<double>;
  static_assert(weft::batch_native<decltype(p)>);
  xbatch b = xbatch::from_shape({3, 4});
  for (std::size_t k = 0; k < b.size(); ++k) b.flat(k) = static_cast<float>(k) - 4.5f;
  const xt::xtensor<double, 2> y = weft::batched(p)(b);
  CHECK(*m.batches == 1);
  for (std::size_t j = 0; j < 3; ++j) {
    const xvec4 sample = xt::view(b, j, xt::all());
    const auto one = p(sample);
    for (std::size_t i = 0; i < 3; ++i) CHECK(y(j, i) == one(i));
  }
}

TEST_CASE("a sequence's call_batch with softmax, normalize and argmax: each applied per sample") {
  const d43 m;
  const auto p = std::cref(m) | relu3{} | weft::softmax | weft::normalize | weft::argmax;
  const batch4 b = random_batch(9);
  const Eigen::Matrix<std::int64_t, 1, Eigen::Dynamic> winners = weft::batched(p)(b);
  CHECK(*m.batches == 1);
  CHECK(*m.per_sample == 0);
  REQUIRE(winners.cols() == 9);
  for (Eigen::Index j = 0; j < b.cols(); ++j) CHECK(winners(j) == p(vec4(b.col(j)))(0));

  const auto probabilities = weft::batched(std::cref(m) | weft::softmax)(b);
  for (Eigen::Index j = 0; j < b.cols(); ++j) {
    CHECK(probabilities.col(j).sum() == doctest::Approx(1.0));
    CHECK(probabilities.col(j).isApprox((std::cref(m) | weft::softmax)(vec4(b.col(j)))));
  }

  const x_mix xm;
  const auto xp = weft::fan_out(std::cref(xm), std::cref(xm)) | weft::concat | weft::softmax;
  xbatch xb = xbatch::from_shape({4, 4});
  for (std::size_t k = 0; k < xb.size(); ++k) xb.flat(k) = 0.25f * static_cast<float>(k) - 2.0f;
  const xbatch xy = weft::batched(xp)(xb);
  CHECK(*xm.batches == 2);
  REQUIRE(xy.shape(1) == 6);
  for (std::size_t j = 0; j < 4; ++j) {
    const xvec4 sample = xt::view(xb, j, xt::all());
    const auto one = xp(sample);
    for (std::size_t i = 0; i < 6; ++i) CHECK(xy(j, i) == doctest::Approx(one(i)));
  }

  // argmax of an xtensor batch answers a rank-1 tensor; the batch of argmax's output is [N, 1]
  const auto xwin = std::cref(xm) | weft::softmax | weft::argmax;
  const xt::xtensor<std::int64_t, 2> picked = weft::batched(xwin)(xb);
  REQUIRE(picked.shape(0) == 4);
  REQUIRE(picked.shape(1) == 1);
  for (std::size_t j = 0; j < 4; ++j) {
    const xvec4 sample = xt::view(xb, j, xt::all());
    CHECK(picked(j, 0) == xwin(sample)(0));
  }
}

// ---------------------------------------------------------------------------------------------
// ensemble
// ---------------------------------------------------------------------------------------------

TEST_CASE("an ensemble's call_batch: each branch once, reducers per sample column") {
  const d43 a, b2, c;
  const batch4 x = random_batch(6);
  const auto check_reducer = [&](const auto& e) {
    const batch3 y = weft::batched(e)(x);
    for (Eigen::Index j = 0; j < x.cols(); ++j) CHECK(y.col(j).isApprox(e(vec4(x.col(j)))));
  };
  check_reducer(weft::ensemble(weft::mean, std::cref(a), std::cref(b2), std::cref(c)));
  check_reducer(weft::ensemble(weft::weighted(0.5, 0.3, 0.2), std::cref(a), std::cref(b2), std::cref(c)));
  check_reducer(weft::ensemble(weft::max, std::cref(a), std::cref(b2), std::cref(c)));
  check_reducer(weft::ensemble(weft::median, std::cref(a), std::cref(b2), std::cref(c)));
  check_reducer(weft::ensemble(weft::vote, std::cref(a), std::cref(b2), std::cref(c)));
  check_reducer(weft::ensemble(weft::par, weft::mean, std::cref(a), std::cref(b2), std::cref(c)));
  const auto sum = [](const vec3& p, const vec3& q) -> vec3 { return p + q; };
  check_reducer(weft::ensemble(sum, std::cref(a), weft::sequence(std::cref(b2), relu3{})));
  CHECK(*a.batches == 7);
  CHECK(*a.per_sample == 7 * x.cols());  // the per-sample reference calls only

  // vote per column: shares, not one argmax over the whole batch
  const auto votes = weft::batched(weft::ensemble(weft::vote, std::cref(a), std::cref(a)))(x);
  for (Eigen::Index j = 0; j < x.cols(); ++j) CHECK(votes.col(j).sum() == doctest::Approx(1.0));
}

TEST_CASE("an ensemble's call_batch: branch errors and differing run-time extents name ensemble[I]") {
  d43 failing;
  failing.fail = true;
  const auto e = weft::ensemble(weft::mean, d43{}, failing);
  const auto err = thrown<weft::shape_error>([&] { (void)weft::batched(e)(random_batch(2)); });
  CHECK(err.path_text() == "batched[*] > ensemble[1]");

  d43 short_answer;
  short_answer.drop = 2;
  const auto s = weft::ensemble(weft::mean, d43{}, short_answer);
  const auto count = thrown<weft::shape_error>([&] { (void)s.call_batch(random_batch(3)); });
  CHECK(count.path_text() == "ensemble[1]");

  const auto widths = weft::ensemble(weft::mean, head_dyn{2}, head_dyn{3});
  static_assert(weft::batch_native<decltype(widths)>);
  batchx wide(4, 2);
  wide.setRandom();
  const auto differ = thrown<weft::shape_error>([&] { (void)widths.call_batch(wide); });
  CHECK(differ.path_text() == "ensemble[1]");
  CHECK(differ.expected() == "f32[2,2]");
  CHECK(differ.actual() == "f32[3,2]");
}

// ---------------------------------------------------------------------------------------------
// fan_out | concat
// ---------------------------------------------------------------------------------------------

TEST_CASE("fan_out | concat of batch-native branches: each branch once, samples joined in order") {
  const d43 a;
  const d42 b2;
  const auto p = weft::fan_out(std::cref(a), std::cref(b2)) | weft::concat | dense<5, 2>{};
  const batch4 x = random_batch(5);
  const batch2 y = weft::batched(p)(x);
  CHECK(*a.batches == 1);
  CHECK(*b2.batches == 1);
  for (Eigen::Index j = 0; j < x.cols(); ++j) CHECK(y.col(j).isApprox(p(vec4(x.col(j)))));

  const auto joined = weft::batched(weft::fan_out(weft::par, std::cref(a), std::cref(b2)) | weft::concat)(x);
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    CHECK(joined.col(j).head<3>().isApprox(a(vec4(x.col(j)))));
    CHECK(joined.col(j).tail<2>().isApprox(b2(vec4(x.col(j)))));
  }

  d42 failing;
  failing.fail = true;
  const auto q = d43{} | weft::fan_out(relu3{}, weft::sequence(relu3{}, d32{})) | weft::concat;
  (void)q;
  const auto r = weft::fan_out(d43{}, failing) | weft::concat;
  const auto err = thrown<weft::shape_error>([&] { (void)weft::batched(r)(x); });
  CHECK(err.path_text() == "batched[*] > sequence[0] > fan_out[1]");
}

// ---------------------------------------------------------------------------------------------
// named and shaped forward call_batch
// ---------------------------------------------------------------------------------------------

static_assert(weft::batch_native<weft::named_model<d43>>);
static_assert(weft::batch_native<weft::shaped_model<d43>>);
static_assert(weft::batch_native<weft::named_model<std::reference_wrapper<const d43>>>);
static_assert(!weft::batch_native<weft::named_model<plain3>>);
static_assert(!weft::batch_native<weft::shaped_model<plain3>>);
static_assert(weft::batch_native<weft::sequence<weft::named_model<d43>, relu3, weft::shaped_model<d32>>>);

TEST_CASE("batched(named(m)) and batched(shaped(m)): one call_batch of m, the per-sample answers") {
  const d43 m;
  const batch4 b = random_batch(6);
  const batch3 by_name = weft::batched(weft::named("dense", std::cref(m)))(b);
  CHECK(*m.batches == 1);
  CHECK(*m.per_sample == 0);
  const batch3 by_shape = weft::batched(weft::shaped(std::cref(m), weft::shape{4}, weft::shape{3}))(b);
  CHECK(*m.batches == 2);
  CHECK(*m.per_sample == 0);
  REQUIRE(by_name.cols() == 6);
  for (Eigen::Index j = 0; j < b.cols(); ++j) {
    CHECK(by_name.col(j).isApprox(m(vec4(b.col(j)))));
    CHECK(by_shape.col(j) == by_name.col(j));
  }

  // a sequence of named and shaped stages runs each stage's call_batch once
  const d32 last;
  const auto p = weft::sequence(weft::named("first", std::cref(m)), relu3{},
                                weft::shaped(std::cref(last), weft::shape{3}, weft::shape{2}));
  const batch2 y = weft::batched(p)(b);
  CHECK(*m.batches == 3);
  CHECK(*last.batches == 1);
  CHECK(*last.per_sample == 0);
  for (Eigen::Index j = 0; j < b.cols(); ++j) CHECK(y.col(j).isApprox(p(vec4(b.col(j)))));

  // xtensor: samples along axis 0
  const x_mix mix;
  xbatch xb = xbatch::from_shape({3, 4});
  for (std::size_t j = 0; j < 3; ++j)
    for (std::size_t i = 0; i < 4; ++i) xb(j, i) = static_cast<float>(10 * j + i);
  const xbatch xy = weft::batched(weft::shaped(std::cref(mix), weft::shape{4}, weft::shape{3}))(xb);
  CHECK(*mix.batches == 1);
  CHECK(xy(2, 1) == 21.0f + 22.0f);
}

TEST_CASE("named and shaped call_batch: errors name the wrapper; shaped checks the batch's extents") {
  d43 failing;
  failing.fail = true;
  const auto e = thrown<weft::shape_error>([&] { (void)weft::batched(weft::named("encoder", failing))(random_batch(3)); });
  CHECK(e.path_text() == "batched[*] \"encoder\"");

  // shaped declares a width its dynamic model's batch must have: another width fails, before m runs
  const auto narrow = weft::shaped(head_dyn{}, weft::shape{5}, weft::shape{2});
  batchx five(5, 2);
  five.setRandom();
  const batchx ok = narrow.call_batch(five);
  CHECK(ok.rows() == 2);
  CHECK(ok.cols() == 2);
  batchx four(4, 3);
  four.setRandom();
  const auto wrong = thrown<weft::shape_error>([&] { (void)narrow.call_batch(four); });
  CHECK(wrong.expected() == "f32[5,?]");
  CHECK(wrong.actual() == "f32[4,3]");
  const auto through_batched = thrown<weft::shape_error>([&] { (void)weft::batched(narrow)(four); });
  CHECK(through_batched.path_text() == "batched[*]");
}
