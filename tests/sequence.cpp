// Tests for weft/sequence.hpp: composition, flattening, get, storage size, bridges on the call path,
// error paths, exceptions passing through, borrowing with std::ref, and operator| lookup.
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

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
