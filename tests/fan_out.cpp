// Tests for weft/fan_out.hpp: one input to every branch, bridged per branch; tuple output; paths.
#include <weft/eigen.hpp>
#include <weft/fan_out.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

namespace {
using vec4 = Eigen::Matrix<float, 4, 1>;
using vec2 = Eigen::Matrix<float, 2, 1>;
using xvec4 = xt::xtensor_fixed<float, xt::xshape<4>>;

struct head2 {
  using input_type = vec4;
  using output_type = vec2;
  output_type operator()(const input_type& x) const { return x.head<2>(); }
};
struct sum_x {  // takes the same input as an xtensor: a copy bridge
  using input_type = xvec4;
  using output_type = xt::xtensor_fixed<float, xt::xshape<1>>;
  output_type operator()(const input_type& x) const { return {x(0) + x(1) + x(2) + x(3)}; }
};
struct sees_address {  // takes a const view: zero copy of the shared input
  using input_type = Eigen::Map<const vec4>;
  using output_type = vec4;
  const float** saw;
  output_type operator()(const input_type& x) const {
    *saw = x.data();
    return x;
  }
};
struct mutable_view {  // a mutable view never points into the shared const input
  using input_type = Eigen::Map<vec4>;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x; }
};
struct dyn_head {
  using input_type = vec4;
  using output_type = Eigen::VectorXf;
  Eigen::Index n;
  output_type operator()(const input_type& x) const { return x.head(n); }
};
struct throws_runtime {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type&) const { throw std::runtime_error("branch failed"); }
};
template <int N>
struct empty_branch {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x; }
};
}  // namespace

static_assert(weft::conversion<const vec4, Eigen::Map<vec4>>::kind == weft::conversion_kind::copy);
static_assert(weft::conversion<const vec4, Eigen::Map<const vec4>>::kind == weft::conversion_kind::view);

TEST_CASE("fan_out sends one input to every branch and returns a tuple in branch order") {
  auto f = weft::fan_out(head2{}, sum_x{}, weft::fn<vec4, vec4>([](const vec4& x) -> vec4 { return -x; }));
  static_assert(weft::model<decltype(f)>);
  static_assert(std::is_same_v<decltype(f)::input_type, vec4>);
  static_assert(std::is_same_v<decltype(f)::output_type,
                               std::tuple<vec2, xt::xtensor_fixed<float, xt::xshape<1>>, vec4>>);
  const auto [a, b, c] = f(vec4(1, 2, 3, 4));
  CHECK(a(1) == 2.0f);
  CHECK(b(0) == 10.0f);
  CHECK(c(3) == -4.0f);
}

TEST_CASE("a const-view branch sees the caller's own memory; a mutable view gets a copy") {
  const float* saw = nullptr;
  auto f = weft::fan_out(empty_branch<0>{}, sees_address{&saw}, mutable_view{});
  const vec4 x(1, 2, 3, 4);
  const auto out = f(x);
  CHECK(saw == x.data());
  CHECK(std::get<2>(out)(2) == 3.0f);
}

TEST_CASE("fan_out nests in a sequence and the error path names every level") {
  using weft::operator|;
  auto p = weft::fn<vec4, vec4>([](const vec4& x) -> vec4 { return x; }) |
           weft::fan_out(head2{}, weft::named("classifier", weft::sequence(dyn_head{3}, head2{})));
  try {
    (void)p(vec4::Ones());
    FAIL("no shape_error thrown");
  } catch (const weft::shape_error& e) {
    CHECK(e.path_text() == "sequence[1] > fan_out[1] \"classifier\" > sequence[1]");
    CHECK(std::string(e.what()).find("expected f32[4], got f32[3]") != std::string::npos);
  }
}

TEST_CASE("a branch's own exception passes unchanged") {
  auto f = weft::fan_out(head2{}, throws_runtime{});
  CHECK_THROWS_WITH_AS((void)f(vec4::Ones()), "branch failed", std::runtime_error);
}

TEST_CASE("get<I> reaches a branch; empty branches take no space") {
  auto f = weft::fan_out(dyn_head{2}, dyn_head{3});
  CHECK(weft::get<1>(f).n == 3);
  weft::get<1>(f).n = 4;
  CHECK(std::get<1>(f(vec4::Ones())).size() == 4);
  static_assert(sizeof(weft::fan_out<empty_branch<0>, empty_branch<1>>) == 1);
}

TEST_CASE("strict accepts a fan_out of views and identities") {
  const float* saw = nullptr;
  auto f = weft::strict(weft::fan_out(empty_branch<0>{}, sees_address{&saw}));
  const vec4 x = vec4::Ones();
  (void)f(x);
  CHECK(saw == x.data());
}
