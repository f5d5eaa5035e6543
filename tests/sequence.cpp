// Tests for weft/sequence.hpp: composition, flattening, get, storage size, bridges on the call path,
// error paths, exceptions passing through, borrowing with std::ref, and operator| lookup.
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include <weft/strict.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <xtensor/xarray.hpp>
#include <xtensor/xoperation.hpp>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;
using xvec4 = xt::xtensor_fixed<float, xt::xshape<4>>;

struct doubler {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x * 2.0f; }
};

struct add_one_x {
  using input_type = xvec4;
  using output_type = xvec4;
  output_type operator()(const input_type& x) const { return x + 1.0f; }
};

struct summer {
  using input_type = vec4;
  using output_type = Eigen::Matrix<float, 1, 1>;
  output_type operator()(const input_type& x) const { return output_type(x.sum()); }
};

struct scale_by {
  using input_type = vec4;
  using output_type = vec4;
  float factor = 1.0f;
  output_type operator()(const input_type& x) const { return x * factor; }
};

template <int N>
struct empty_stage {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x; }
};
using empty_a = empty_stage<0>;
using empty_b = empty_stage<1>;
using empty_c = empty_stage<2>;

struct named_stage {
  using input_type = vec4;
  using output_type = vec4;
  std::string_view name = "encoder";
  output_type operator()(const input_type& x) const { return x; }
};

// A stage whose output lives on the heap, so moves keep its address: records where it wrote.
struct heap_producer {
  using input_type = vec4;
  using output_type = Eigen::VectorXf;
  const float** wrote;
  output_type operator()(const input_type& x) const {
    output_type out = x;
    *wrote = out.data();
    return out;
  }
};
struct map_consumer {
  using input_type = Eigen::Map<const Eigen::VectorXf>;
  using output_type = vec4;
  const float** saw;
  output_type operator()(const input_type& x) const {
    *saw = x.data();
    return x;
  }
};
struct xt_heap_producer {
  using input_type = vec4;
  using output_type = xt::xtensor<float, 1>;
  const float** wrote;
  output_type operator()(const input_type& x) const {
    output_type out = xt::xtensor<float, 1>::from_shape({4});
    for (int i = 0; i < 4; ++i) out(i) = x(i);
    *wrote = out.data();
    return out;
  }
};

struct thrower {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type&) const { throw std::invalid_argument("bad input from the user's model"); }
};

struct dyn_producer {
  using input_type = vec4;
  using output_type = Eigen::VectorXf;
  Eigen::Index n;
  output_type operator()(const input_type& x) const { return x.head(n); }
};

}  // namespace

TEST_CASE("sequence and | build the same flat type, and the result is a model") {
  using weft::operator|;
  auto p = doubler{} | doubler{} | summer{};
  static_assert(std::is_same_v<decltype(p), weft::sequence<doubler, doubler, summer>>);
  static_assert(weft::model<decltype(p)>);
  static_assert(std::is_same_v<decltype(p)::input_type, vec4>);
  static_assert(std::is_same_v<decltype(p)::output_type, Eigen::Matrix<float, 1, 1>>);
  auto q = weft::sequence(doubler{}, doubler{}, summer{});
  static_assert(std::is_same_v<decltype(q), decltype(p)>);
  const vec4 x(1, 2, 3, 4);
  CHECK(p(x)(0) == doctest::Approx(40.0f));
  CHECK(q(x)(0) == doctest::Approx(40.0f));
}

TEST_CASE("only | flattens; an explicit nested sequence keeps its nesting") {
  using weft::operator|;
  auto inner = weft::sequence(doubler{}, summer{});
  auto nested = weft::sequence(doubler{}, inner);
  static_assert(std::is_same_v<decltype(nested), weft::sequence<doubler, weft::sequence<doubler, summer>>>);
  auto right_nested = doubler{} | weft::sequence(doubler{}, summer{});
  static_assert(std::is_same_v<decltype(right_nested), weft::sequence<doubler, weft::sequence<doubler, summer>>>);
  auto left_flat = weft::sequence(doubler{}, doubler{}) | summer{};
  static_assert(std::is_same_v<decltype(left_flat), weft::sequence<doubler, doubler, summer>>);
  const vec4 x(1, 1, 1, 1);
  CHECK(nested(x)(0) == doctest::Approx(16.0f));
  CHECK(right_nested(x)(0) == doctest::Approx(16.0f));
}

TEST_CASE("get<I> reaches a stage to read or change its weights") {
  using weft::operator|;
  auto p = scale_by{2.0f} | scale_by{3.0f};
  CHECK(weft::get<0>(p).factor == 2.0f);
  CHECK(weft::get<1>(p).factor == 3.0f);
  weft::get<1>(p).factor = 10.0f;
  CHECK(p(vec4::Ones())(0) == doctest::Approx(20.0f));
  const auto& cp = p;
  CHECK(weft::get<0>(cp).factor == 2.0f);
}

TEST_CASE("std::ref borrows a model; plain arguments are copied") {
  using weft::operator|;
  scale_by s{2.0f};
  auto borrowed = weft::sequence(std::ref(s), doubler{});
  auto copied = s | doubler{};
  s.factor = 5.0f;
  CHECK(borrowed(vec4::Ones())(0) == doctest::Approx(10.0f));
  CHECK(copied(vec4::Ones())(0) == doctest::Approx(4.0f));
  CHECK(&weft::get<0>(borrowed) == &s);
  auto longer = borrowed | doubler{};  // flattening keeps the borrow
  s.factor = 1.0f;
  CHECK(longer(vec4::Ones())(0) == doctest::Approx(4.0f));
}

TEST_CASE("empty models take no space beyond distinct addresses; stateful ones add up") {
  using weft::operator|;
  static_assert(sizeof(weft::sequence<empty_a, empty_b, empty_c>) == 1);
  static_assert(sizeof(decltype(empty_a{} | empty_b{} | empty_c{})) == 1);
  static_assert(sizeof(weft::sequence<scale_by, scale_by>) == 2 * sizeof(scale_by));
  static_assert(sizeof(weft::sequence<empty_a, scale_by, empty_b>) == sizeof(scale_by));
  // two empty stages of one type need distinct addresses
  static_assert(sizeof(weft::sequence<empty_a, empty_a>) <= 2);
  CHECK(sizeof(weft::sequence<empty_a, empty_b>) == 1);
}

TEST_CASE("a lambda stage, an Eigen stage and an xtensor stage connect through bridges") {
  using weft::operator|;
  auto p = weft::fn<vec4, vec4>([](const vec4& x) -> vec4 { return x.array() + 1.0f; }) | doubler{} | add_one_x{} |
           weft::cast<double>;
  static_assert(std::is_same_v<decltype(p)::output_type, xt::xtensor_fixed<double, xt::xshape<4>>>);
  const auto y = p(vec4(1, 2, 3, 4));
  CHECK(y(0) == doctest::Approx(5.0));
  CHECK(y(3) == doctest::Approx(11.0));
}

TEST_CASE("a view bridge hands the next stage the previous output's own memory") {
  using weft::operator|;
  const float* wrote = nullptr;
  const float* saw = nullptr;
  static_assert(weft::conversion<Eigen::VectorXf, Eigen::Map<const Eigen::VectorXf>>::kind == weft::conversion_kind::view);
  auto p = heap_producer{&wrote} | map_consumer{&saw};
  const auto y = p(vec4(1, 2, 3, 4));
  CHECK(wrote != nullptr);
  CHECK(saw == wrote);
  CHECK(y(2) == 3.0f);

  using adaptor = decltype(xt::adapt(static_cast<const float*>(nullptr), 4, xt::no_ownership(), std::array<std::size_t, 1>{4}));
  struct adaptor_consumer {
    using input_type = adaptor;
    using output_type = vec4;
    const float** saw;
    output_type operator()(const input_type& x) const {
      *saw = x.data();
      return vec4(x(0), x(1), x(2), x(3));
    }
  };
  const float* wrote2 = nullptr;
  const float* saw2 = nullptr;
  auto q = xt_heap_producer{&wrote2} | adaptor_consumer{&saw2};
  CHECK(q(vec4(4, 3, 2, 1))(0) == 4.0f);
  CHECK(saw2 == wrote2);
}

TEST_CASE("a copy bridge keeps logical indices across layouts (row-major xtensor into column-major Eigen)") {
  using weft::operator|;
  using rm = xt::xtensor<float, 2>;
  using cm = Eigen::Matrix<float, 2, 3>;
  auto make = weft::fn<vec4, rm>([](const vec4&) {
    rm m = rm::from_shape({2, 3});
    for (std::size_t i = 0; i < 2; ++i)
      for (std::size_t j = 0; j < 3; ++j) m(i, j) = static_cast<float>(10 * i + j);
    return m;
  });
  auto read = weft::fn<cm, cm>([](const cm& m) { return m; });
  static_assert(weft::conversion<rm, cm>::kind == weft::conversion_kind::checked);
  static_assert(weft::conversion<rm, cm>::then == weft::conversion_kind::copy);
  const cm out = (make | read)(vec4::Zero());
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) CHECK(out(i, j) == static_cast<float>(10 * i + j));
}

TEST_CASE("a dyn extent that does not fit throws shape_error naming the stage path, expected and actual") {
  using weft::operator|;
  auto p = dyn_producer{3} | weft::named("fold", doubler{});
  try {
    (void)p(vec4::Ones());
    FAIL("no shape_error thrown");
  } catch (const weft::shape_error& e) {
    const std::string what = e.what();
    CHECK(what.find("sequence[1] \"fold\"") != std::string::npos);
    CHECK(what.find("expected f32[4]") != std::string::npos);
    CHECK(what.find("got f32[3]") != std::string::npos);
    CHECK(e.expected() == "f32[4]");
    CHECK(e.actual() == "f32[3]");
  }
  auto ok = dyn_producer{4} | doubler{};
  CHECK(ok(vec4::Ones())(3) == doctest::Approx(2.0f));
}

TEST_CASE("the path names every level, outermost first") {
  auto inner = weft::sequence(doubler{}, dyn_producer{2}, weft::named("fold", doubler{}));
  auto outer = weft::sequence(doubler{}, weft::named("head", inner));
  try {
    (void)outer(vec4::Ones());
    FAIL("no shape_error thrown");
  } catch (const weft::error& e) {
    CHECK(e.path_text() == "sequence[1] \"head\" > sequence[2] \"fold\"");
    CHECK(std::string(e.what()) ==
          "weft: shape_error at sequence[1] \"head\" > sequence[2] \"fold\": expected f32[4], got f32[2]");
  }
}

TEST_CASE("a user's exception reaches the caller unchanged; the models keep their state") {
  using weft::operator|;
  auto p = scale_by{3.0f} | thrower{} | doubler{};
  CHECK_THROWS_AS((void)p(vec4::Ones()), std::invalid_argument);
  try {
    (void)p(vec4::Ones());
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == "bad input from the user's model");
  }
  CHECK(weft::get<0>(p).factor == 3.0f);
}

TEST_CASE("model_traits names: a name member, weft::named, or the type's name") {
  CHECK(weft::model_traits<named_stage>::name(named_stage{}) == "encoder");
  auto n = weft::named("fold", doubler{});
  CHECK(weft::model_traits<decltype(n)>::name(n) == "fold");
  CHECK(weft::model_traits<doubler>::given_name(doubler{}).empty());
  CHECK(weft::model_traits<doubler>::name(doubler{}).find("doubler") != std::string_view::npos);
}

TEST_CASE("weft::strict accepts a pipeline that never copies") {
  using weft::operator|;
  const float* wrote = nullptr;
  const float* saw = nullptr;
  auto p = weft::strict(heap_producer{&wrote} | map_consumer{&saw} | doubler{} | weft::cast<double>);
  CHECK(p(vec4::Ones())(0) == doctest::Approx(2.0));
  CHECK(saw == wrote);
}

TEST_CASE("weft's operator| never takes over xtensor's |") {
  using weft::operator|;
  xt::xarray<int> a = {1, 2, 4};
  xt::xarray<int> b = {2, 2, 1};
  xt::xarray<int> c = a | b;
  CHECK(c(0) == 3);
  CHECK(c(1) == 2);
  CHECK(c(2) == 5);
}

TEST_CASE("a one-stage sequence is a model") {
  weft::sequence<doubler> one{doubler{}};
  CHECK(one(vec4::Ones())(1) == doctest::Approx(2.0f));
}

// --- view outputs: materialised as the view's owning type --------------------------------------
// Covers /work/shared/repro/view_output_dangles.cpp (ASan heap-use-after-free): a stage whose
// output_type is a view of its input, after another stage, returned a view of a freed intermediate.

namespace {

using map_cvecx = Eigen::Map<const Eigen::VectorXf>;

struct first_two {  // a view of its input's first two elements: no copy of its own
  using input_type = map_cvecx;
  using output_type = map_cvecx;
  output_type operator()(const input_type& v) const { return output_type(v.data(), 2); }
};
struct first_two_owned_in {  // takes an owning input (a copy bridge's buffer), returns a view of it
  using input_type = Eigen::VectorXf;
  using output_type = map_cvecx;
  output_type operator()(const input_type& v) const { return output_type(v.data(), 2); }
};
struct plus_one {
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::VectorXf;
  output_type operator()(const input_type& v) const { return v.array() + 1.0f; }
};
struct x_iota {  // an xtensor stage: a heap value of n elements 0, 1, ..., n - 1
  using input_type = xt::xtensor<float, 1>;
  using output_type = xt::xtensor<float, 1>;
  output_type operator()(const input_type& v) const {
    output_type r = v;
    for (std::size_t i = 0; i < r.size(); ++i) r(i) = static_cast<float>(i) * 10.0f;
    return r;
  }
};

}  // namespace

static_assert(std::is_same_v<weft::sequence<plus_one, first_two>::output_type, Eigen::VectorXf>);
static_assert(std::is_same_v<weft::sequence<first_two>::output_type, Eigen::VectorXf>);
static_assert(std::is_same_v<weft::detail::owned_t<std::optional<map_cvecx>>, std::optional<Eigen::VectorXf>>);

TEST_CASE("a stage returning a view of its input: the sequence keeps a copy, never a dangling view") {
  using weft::operator|;
  const Eigen::VectorXf x = Eigen::VectorXf::LinSpaced(1000, 0.0f, 999.0f);
  const auto p = plus_one{} | first_two{};
  const Eigen::VectorXf y = p(x);  // plus_one's output is freed before p returns
  REQUIRE(y.size() == 2);
  CHECK(y(0) == 1.0f);
  CHECK(y(1) == 2.0f);
  // In the middle: the view points into a copy bridge's buffer, which dies when the stage returns.
  const auto q = x_iota{} | first_two_owned_in{} | plus_one{};
  const Eigen::VectorXf z = q(xt::xtensor<float, 1>(std::array<std::size_t, 1>{500}));
  REQUIRE(z.size() == 2);
  CHECK(z(0) == 1.0f);
  CHECK(z(1) == 11.0f);
}

// A view output is an implicit copy under weft::strict (tests/compile_fail/strict_view_output.cpp).
static_assert(std::is_same_v<weft::detail::implicit_copy<weft::sequence<plus_one, first_two>>::type,
                             weft::detail::view_output<weft::detail::sequence_stage<1>, map_cvecx>>);
static_assert(std::is_same_v<weft::detail::implicit_copy<weft::sequence<first_two, plus_one>>::type,
                             weft::detail::view_output<weft::detail::sequence_stage<0>, map_cvecx>>);
static_assert(std::is_void_v<weft::detail::implicit_copy<weft::sequence<plus_one, plus_one>>::type>);

// --- the natural const xtensor view type as a stage's input, under weft::strict -----------------
// Covers /work/shared/repro/p2_strict_view.cpp: an xt::xtensor_adaptor over
// xt::xbuffer_adaptor<const float*, xt::no_ownership> (no allocator argument) was judged a view,
// then failed to compile inside xtensor (36 lines).

namespace {

using natural_xview = xt::xtensor_adaptor<xt::xbuffer_adaptor<const float*, xt::no_ownership>, 1>;
using vec6 = Eigen::Matrix<float, 6, 1>;

struct embed6 {
  using input_type = vec6;
  using output_type = vec6;
  output_type operator()(const input_type& x) const { return x * 2.0f; }
};
struct embed_dyn {  // a heap output whose buffer address it records
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::VectorXf;
  const float** made;
  output_type operator()(const input_type& x) const {
    output_type r = x * 2.0f;
    *made = r.data();
    return r;
  }
};
struct xrelu_view {
  using input_type = natural_xview;
  using output_type = xt::xtensor<float, 1>;
  const float** saw;
  output_type operator()(const input_type& x) const {
    *saw = x.data();
    output_type r = x;
    for (auto& v : r) v = v > 0.0f ? v : 0.0f;
    return r;
  }
};

}  // namespace

TEST_CASE("the natural const xtensor view type passes strict and sees the previous stage's memory") {
  using weft::operator|;
  static_assert(weft::conversion<vec6, natural_xview>::kind == weft::conversion_kind::view);
  const float* saw = nullptr;
  const auto p = weft::strict(embed6{} | xrelu_view{&saw});
  vec6 x;
  x << 1, -2, 3, -4, 5, -6;
  const xt::xtensor<float, 1> y = p(x);
  REQUIRE(y.size() == 6);
  CHECK(y(0) == 2.0f);
  CHECK(y(1) == 0.0f);
  CHECK(y(4) == 10.0f);
  CHECK(saw != nullptr);
  const float* made = nullptr;
  const auto q = weft::strict(embed_dyn{&made} | xrelu_view{&saw});
  const xt::xtensor<float, 1> z = q(Eigen::VectorXf::Constant(3, -1.5f));
  CHECK(z(2) == 0.0f);
  CHECK(saw == made);  // zero copy: the view is of embed_dyn's own output
}
