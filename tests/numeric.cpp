// Numbers at the edges: integer reducers (exact, truncated toward zero, range_error), cast<T> of
// values T cannot hold (non_finite_error, range_error), normalize of finite values whose sum
// overflows, vote over NaN outputs, below_confidence's label. Every case of
// /work/shared/repro/numeric_ub.cpp is here (the "numeric_ub.cpp:" cases): under the asan preset
// (-fsanitize=undefined, -fno-sanitize-recover) the old code stopped with float-cast-overflow; on
// every preset it gave wrong answers.
#include <weft/adapters.hpp>
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/reducers.hpp>
#include <weft/sequence.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;
using dvec4 = Eigen::Matrix<double, 4, 1>;
using i64v = Eigen::Matrix<std::int64_t, 2, 1>;
using u64v = Eigen::Matrix<std::uint64_t, 2, 1>;
using i32v = Eigen::Matrix<std::int32_t, 2, 1>;
using i8v = Eigen::Matrix<std::int8_t, 2, 1>;
using fvec2 = Eigen::Matrix<float, 2, 1>;
using dvec2 = Eigen::Matrix<double, 2, 1>;

constexpr std::int64_t i64max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t i64min = std::numeric_limits<std::int64_t>::min();
constexpr float fnan = std::numeric_limits<float>::quiet_NaN();
constexpr float finf = std::numeric_limits<float>::infinity();
constexpr float flt_max = std::numeric_limits<float>::max();
constexpr double dbl_max = std::numeric_limits<double>::max();
constexpr double dinf = std::numeric_limits<double>::infinity();

/// Answers its constant c, whatever the input.
template <class V>
struct constant {
  using input_type = vec4;
  using output_type = V;
  V c;
  V operator()(const vec4&) const { return c; }
};
/// Passes its input on.
template <class V>
struct pass {
  using input_type = V;
  using output_type = V;
  V operator()(const V& v) const { return v; }
};

/// The message of the weft::error f throws (empty when it throws none).
template <class E, class F>
std::string message_of(F&& f) {
  try {
    (void)f();
  } catch (const E& e) {
    return e.what();
  }
  return {};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Integer reducers
// ---------------------------------------------------------------------------------------------

TEST_CASE("numeric_ub.cpp: mean of INT64_MAX and INT64_MAX is INT64_MAX, exactly") {
  auto m = weft::ensemble(weft::mean, constant<i64v>{i64v(i64max, 3)}, constant<i64v>{i64v(i64max, 3)});
  CHECK(m(vec4::Zero()) == i64v(i64max, 3));
  // exact where double is not: 2^53 + 1 survives
  const std::int64_t odd = (std::int64_t{1} << 53) + 1;
  CHECK(weft::mean(i64v(odd, i64min), i64v(odd, i64min), i64v(odd, i64min)) == i64v(odd, i64min));
  CHECK(weft::mean(i64v(i64max, i64min), i64v(i64max - 1, i64min + 1)) == i64v(i64max - 1, i64min + 1));
  CHECK(weft::mean(i64v(-1, 7), i64v(-2, 8)) == i64v(-1, 7));  // -1.5 and 7.5 truncated toward zero
  const std::uint64_t umax = std::numeric_limits<std::uint64_t>::max();
  CHECK(weft::mean(u64v(umax, 1), u64v(umax, 2)) == u64v(umax, 1));
}

TEST_CASE("numeric_ub.cpp: weighted(2, -1) of 2e9 and -2e9 is 6e9: beyond i32, a range_error") {
  auto w = weft::ensemble(weft::weighted(2, -1), constant<i32v>{i32v(2000000000, 1)},
                          constant<i32v>{i32v(-2000000000, 1)});
  CHECK_THROWS_AS((void)w(vec4::Zero()), weft::range_error);
  CHECK(message_of<weft::range_error>([&] { return w(vec4::Zero()); }) ==
        "weft: range_error: expected a value in i32 [-2147483648, 2147483647], got 6000000000 at flat index 0 of "
        "i32[2]");
  try {
    (void)w(vec4::Zero());
  } catch (const weft::range_error& e) {
    CHECK(e.expected() == "i32 [-2147483648, 2147483647]");
    CHECK(e.value() == "6000000000");
    CHECK(e.index() == 0);
  }
  // the same extrapolation within range answers, truncated toward zero
  CHECK(weft::weighted(2, -1)(i32v(1000, -7), i32v(-3, 0)) == i32v(2003, -14));
  CHECK(weft::weighted(1, 1, 1)(i32v(1, -1), i32v(1, -1), i32v(0, 0)) == i32v(0, 0));  // 2/3, -2/3
  // 64-bit values keep their precision (long double), and their error names the path
  CHECK(weft::weighted(1, 1)(i64v(i64max, i64min), i64v(i64max, i64min)) == i64v(i64max, i64min));
  auto deep = weft::sequence(pass<vec4>{}, weft::ensemble(weft::weighted(3, -1), constant<i8v>{i8v(1, 100)},
                                                          constant<i8v>{i8v(1, -100)}));
  CHECK(message_of<weft::range_error>([&] { return deep(vec4::Zero()); }) ==
        "weft: range_error at sequence[1]: expected a value in i8 [-128, 127], got 200 at flat index 1 of i8[2]");
}

TEST_CASE("numeric_ub.cpp: median of INT64_MAX and INT64_MAX - 1 is INT64_MAX - 1 (truncated)") {
  auto md = weft::ensemble(weft::median, constant<i64v>{i64v(i64max, 3)}, constant<i64v>{i64v(i64max - 1, 3)});
  CHECK(md(vec4::Zero()) == i64v(i64max - 1, 3));
  CHECK(weft::median(i64v(i64min, -3), i64v(i64min + 1, -4)) == i64v(i64min + 1, -3));  // -3.5 toward zero
  CHECK(weft::median(i64v(i64max, i64min), i64v(i64min, i64max), i64v(0, 0), i64v(1, 1)) == i64v(0, 0));
}

TEST_CASE("floating reducers of finite values never overflow to infinity") {
  CHECK(weft::mean(fvec2(flt_max, -flt_max), fvec2(flt_max, -flt_max)) == fvec2(flt_max, -flt_max));
  CHECK(weft::mean(dvec2(dbl_max, 1), dvec2(dbl_max, 3), dvec2(dbl_max, 5)) == dvec2(dbl_max, 3));
  CHECK(weft::median(fvec2(flt_max, 1), fvec2(flt_max, 2)) == fvec2(flt_max, 1.5f));
  CHECK(weft::median(dvec2(dbl_max, -dbl_max), dvec2(dbl_max / 2, -dbl_max)) == dvec2(0.75 * dbl_max, -dbl_max));
  // weighted: overflowing double products are computed again in long double, where they fit
  CHECK(weft::weighted(2, -1)(dvec2(dbl_max, 1), dvec2(dbl_max, 1)) == dvec2(dbl_max, 1));
  // a float answer beyond float's range is a range_error; a NaN or an infinity among the values is data
  CHECK_THROWS_AS((void)weft::weighted(2, -1)(fvec2(flt_max, 0), fvec2(-flt_max, 0)), weft::range_error);
  const fvec2 data = weft::weighted(2, -1)(fvec2(finf, fnan), fvec2(0, 0));
  CHECK(data(0) == finf);
  CHECK(std::isnan(data(1)));
  const fvec2 nan_mean = weft::mean(fvec2(finf, fnan), fvec2(-finf, 0));
  CHECK(std::isnan(nan_mean(0)));
  CHECK(std::isnan(nan_mean(1)));
  // a sum that overflowed on the way never meets an infinity as inf - inf (found by tests/fuzz/numeric)
  const dvec2 inf_mean = weft::mean(dvec2(dbl_max, 1), dvec2(dbl_max, 1), dvec2(-dinf, dinf));
  CHECK(inf_mean == dvec2(-dinf, dinf));
  CHECK(weft::weighted(1, 1, 1)(dvec2(dbl_max, 0), dvec2(dbl_max, 0), dvec2(-dinf, 0)) == dvec2(-dinf, 0));
}

TEST_CASE("a range_error names the element's row-major index, whatever the memory order") {
  using cm22 = Eigen::Matrix<std::int8_t, 2, 2, Eigen::ColMajor>;
  cm22 a;
  a << 0, 0, 100, 0;  // (1, 0): memory offset 1, row-major index 2
  const cm22 z = cm22::Zero();
  try {
    (void)weft::weighted(2, -1)(a, z);
    FAIL("no range_error");
  } catch (const weft::range_error& e) {
    CHECK(e.index() == 2);
  }
}

// ---------------------------------------------------------------------------------------------
// vote over NaN, below_confidence's label
// ---------------------------------------------------------------------------------------------

TEST_CASE("vote: branches that output NaN give NaN shares, which below_confidence rejects") {
  const vec4 nans = vec4::Constant(fnan);
  auto v = weft::ensemble(weft::vote, constant<vec4>{nans}, constant<vec4>{nans}, constant<vec4>{nans});
  const vec4 shares = v(vec4::Zero());
  for (int k = 0; k < 4; ++k) CHECK(std::isnan(shares(k)));
  CHECK(weft::below_confidence(0.5)(shares));
  CHECK(weft::non_finite(shares));
  auto guarded = weft::fallback(std::move(v), constant<vec4>{vec4(0, 1, 0, 0)}).when(weft::below_confidence(0.5));
  const auto [out, branch] = weft::answered(guarded, vec4::Zero());
  CHECK(branch == 1);
  CHECK(out == vec4(0, 1, 0, 0));
}

TEST_CASE("below_confidence's label: scientific notation for huge and tiny thresholds") {
  CHECK(std::string_view(weft::below_confidence(-1e300).name) == "below_confidence(-1e+300)");
  CHECK(std::string_view(weft::below_confidence(1e300).name) == "below_confidence(1e+300)");
  CHECK(std::string_view(weft::below_confidence(1.5e12).name) == "below_confidence(1.5e+12)");
  CHECK(std::string_view(weft::below_confidence(123456789e10).name) == "below_confidence(1.23457e+18)");
  CHECK(std::string_view(weft::below_confidence(2.5e-7).name) == "below_confidence(2.5e-07)");
  CHECK(std::string_view(weft::below_confidence(dbl_max).name) == "below_confidence(1.79769e+308)");
  CHECK(std::string_view(weft::below_confidence(-std::numeric_limits<double>::infinity()).name) ==
        "below_confidence(-inf)");
  CHECK(std::string_view(weft::below_confidence(0).name) == "below_confidence(0)");
  CHECK(std::string_view(weft::below_confidence(999999999999.0).name) == "below_confidence(999999999999)");
  static_assert(std::string_view(weft::below_confidence(-1e300).name) == "below_confidence(-1e+300)");
  // thresholds beyond float's range compare as infinities, never as an out-of-range conversion
  CHECK(weft::below_confidence(1e300)(vec4(flt_max, 0, 0, 0)));
  CHECK_FALSE(weft::below_confidence(1e300)(vec4(finf, 0, 0, 0)));
  CHECK_FALSE(weft::below_confidence(-1e300)(vec4(-flt_max, -flt_max, -flt_max, -flt_max)));
}

// ---------------------------------------------------------------------------------------------
// cast<T>
// ---------------------------------------------------------------------------------------------

TEST_CASE("numeric_ub.cpp: cast<int> of NaN is a non_finite_error, of 1e10 a range_error") {
  using weft::operator|;
  auto c = pass<vec4>{} | pass<vec4>{} | weft::cast<int>;
  CHECK(message_of<weft::non_finite_error>([&] { return c(vec4(fnan, 1e10f, 0, 0)); }) ==
        "weft: non_finite_error at sequence[2]: non-finite value at flat index 0 of f32[4]");
  CHECK(message_of<weft::non_finite_error>([&] { return c(vec4(1, -finf, 0, 0)); }) ==
        "weft: non_finite_error at sequence[2]: non-finite value at flat index 1 of f32[4]");
  CHECK(message_of<weft::range_error>([&] { return c(vec4(0, 1e10f, fnan, 0)); }) ==
        "weft: range_error at sequence[2]: expected a value in i32 [-2147483648, 2147483647], got 1e+10 at flat "
        "index 1 of f32[4]");
  // the edges: truncation toward zero decides
  CHECK(c(vec4(-2147483648.0f, 2147483520.0f, -0.9f, 0.9f)) == Eigen::Vector4i(-2147483647 - 1, 2147483520, 0, 0));
  CHECK_THROWS_AS((void)c(vec4(2147483648.0f, 0, 0, 0)), weft::range_error);
  CHECK_THROWS_AS((void)c(vec4(-2147483904.0f, 0, 0, 0)), weft::range_error);
}

TEST_CASE("cast<T>: every value T cannot hold throws; the rest convert as static_cast does") {
  using dcol = Eigen::Matrix<double, 2, 2, Eigen::ColMajor>;
  dcol m;
  m << 1, 2, 3, 1e20;  // (1, 1): row-major index 3
  try {
    (void)weft::cast_t<std::int64_t>::apply(m);
    FAIL("no range_error");
  } catch (const weft::range_error& e) {
    CHECK(e.index() == 3);
    CHECK(e.value() == "1e+20");
    CHECK(e.expected() == "i64 [-9223372036854775808, 9223372036854775807]");
  }
  CHECK(weft::cast_t<std::int64_t>::apply(dvec2(-9223372036854775808.0, 9223372036854774784.0)) ==
        i64v(i64min, 9223372036854774784));
  CHECK_THROWS_AS((void)weft::cast_t<std::int64_t>::apply(dvec2(9223372036854775808.0, 0)), weft::range_error);
  CHECK_THROWS_AS((void)weft::cast_t<std::uint8_t>::apply(dvec2(-1, 0)), weft::range_error);
  CHECK(weft::cast_t<std::uint8_t>::apply(dvec2(-0.5, 255.9)) == Eigen::Matrix<std::uint8_t, 2, 1>(0, 255));
  // integer narrowing
  CHECK_THROWS_AS((void)weft::cast_t<std::int8_t>::apply(i32v(1, 300)), weft::range_error);
  CHECK_THROWS_AS((void)weft::cast_t<std::uint32_t>::apply(i32v(-1, 0)), weft::range_error);
  CHECK(weft::cast_t<std::int8_t>::apply(i32v(-128, 127)) == i8v(-128, 127));
  // double to float: finite values beyond float's range throw; NaN and infinity pass
  CHECK_THROWS_AS((void)weft::cast_t<float>::apply(dvec2(1e300, 0)), weft::range_error);
  const fvec2 f = weft::cast_t<float>::apply(dvec2(std::numeric_limits<double>::infinity(), std::nan("")));
  CHECK(f(0) == finf);
  CHECK(std::isnan(f(1)));
  CHECK(weft::cast_t<float>::apply(dvec2(flt_max, -1.5)) == fvec2(flt_max, -1.5f));
  // xtensor, any rank
  xt::xarray<double> x = {{1.0, 2.0}, {3.0, std::nan("")}};
  try {
    (void)weft::cast_t<int>::apply(x);
    FAIL("no non_finite_error");
  } catch (const weft::non_finite_error& e) {
    CHECK(e.index() == 3);
  }
}

// ---------------------------------------------------------------------------------------------
// normalize
// ---------------------------------------------------------------------------------------------

TEST_CASE("numeric_ub.cpp: normalize(3e38, 3e38, 3e38, 0) is a third each, not zeros") {
  using weft::operator|;
  auto n = (pass<vec4>{} | weft::normalize)(vec4(3e38f, 3e38f, 3e38f, 0));
  for (int i = 0; i < 3; ++i) CHECK(n(i) == doctest::Approx(1.0 / 3));
  CHECK(n(3) == 0.0f);
  CHECK(n.sum() == doctest::Approx(1.0));
  // cancellation after the overflow: the scaled sum keeps it right
  const vec4 c = weft::normalize_t::apply(vec4(3e38f, 3e38f, -3e38f, 0));
  CHECK(c == vec4(1, 1, -1, 0));
  const dvec4 d = weft::normalize_t::apply(dvec4(dbl_max, dbl_max, 0, dbl_max));
  for (int i : {0, 1, 3}) CHECK(d(i) == doctest::Approx(1.0 / 3));
}

TEST_CASE("normalize: a quotient beyond the scalar's range is a range_error; non-finite input is data") {
  using weft::operator|;
  auto p = pass<vec4>{} | weft::normalize;
  const float tiny = std::numeric_limits<float>::denorm_min();
  CHECK_THROWS_AS((void)p(vec4(1, -1, tiny, 0)), weft::range_error);  // 1 / 1.4e-45
  CHECK(message_of<weft::range_error>([&] { return p(vec4(1, -1, tiny, 0)); }).starts_with(
      "weft: range_error at sequence[1]: expected a value in f32 [-3.4028235e+38, 3.4028235e+38], got 7.1"));
  const vec4 small = p(vec4(0.25f, 0.25f, 0, 0));  // a sum below 1 that fits
  CHECK(small == vec4(0.5f, 0.5f, 0, 0));
  const vec4 inf_in = p(vec4(finf, 1, 0, 0));
  CHECK(std::isnan(inf_in(0)));  // inf / inf
  CHECK(inf_in(1) == 0.0f);
  CHECK_THROWS_AS((void)p(vec4(1, -1, 0, 0)), weft::error);  // a zero sum, as before
}
