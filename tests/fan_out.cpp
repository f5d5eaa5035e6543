// Tests for weft/fan_out.hpp: one input to every branch, bridged per branch; tuple output; paths.
#include <weft/eigen.hpp>
#include <weft/describe.hpp>
#include <weft/fan_out.hpp>
#include <weft/sequence.hpp>
#include <weft/strict.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <array>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>

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

// --- the previous stage's value goes to each branch directly ------------------------------------
// Covers /work/shared/repro/fanout_roundtrip.cpp: an xtensor value into fan_out(eigen_head,
// xtensor_head) was copied to Eigen (the fan_out's input_type, branch 0's) and back to xtensor for
// branch 1. Now each branch gets its own bridge from the value itself.

namespace {

using x6 = xt::xtensor_fixed<float, xt::xshape<6>>;
using v6 = Eigen::Matrix<float, 6, 1>;

struct x_source {  // an xtensor stage
  using input_type = x6;
  using output_type = x6;
  output_type operator()(const input_type& x) const { return x + 1.0f; }
};
struct e_head {  // an Eigen branch: needs a copy of an xtensor value
  using input_type = v6;
  using output_type = v6;
  output_type operator()(const input_type& x) const { return x * 2.0f; }
};
struct x_head {  // an xtensor branch: records where its input lives
  using input_type = x6;
  using output_type = x6;
  const float** saw;
  output_type operator()(const input_type& x) const {
    *saw = x.data();
    return x;
  }
};
struct x_heap_source {  // a heap xtensor value whose buffer address it records
  using input_type = xt::xtensor<float, 1>;
  using output_type = xt::xtensor<float, 1>;
  const float** made;
  output_type operator()(const input_type& x) const {
    output_type r = x * 3.0f;
    *made = r.data();
    return r;
  }
};
struct e_dyn_head {
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::VectorXf;
  output_type operator()(const input_type& x) const { return x.array() + 0.5f; }
};
struct x_view_head {  // a const xtensor view branch: zero copy when the value is dense float memory
  using input_type = weft::xt_view<const float, 1>;
  using output_type = Eigen::Matrix<float, 1, 1>;
  const float** saw;
  output_type operator()(const input_type& x) const {
    *saw = x.data();
    return output_type(x(0));
  }
};
struct e_view_head {  // a const Eigen view branch of the fixed value
  using input_type = Eigen::Map<const v6>;
  using output_type = Eigen::Matrix<float, 1, 1>;
  output_type operator()(const input_type& x) const { return output_type(x.sum()); }
};

}  // namespace

TEST_CASE("in a sequence, a fan_out's branches receive the previous stage's value through their own bridges") {
  using weft::operator|;
  const float* saw_a = nullptr;
  const float* saw_b = nullptr;
  const auto p = x_source{} | weft::fan_out(e_head{}, x_head{&saw_a}, x_head{&saw_b});
  x6 x;
  for (std::size_t i = 0; i < 6; ++i) x(i) = static_cast<float>(i);
  const auto [e, a, b] = p(x);
  CHECK(e(5) == 12.0f);
  CHECK(a(5) == 6.0f);
  CHECK(b(0) == 1.0f);
  // Both xtensor branches see the one value x_source returned (identity), not each a copy back from
  // the Eigen branch's input type.
  CHECK(saw_a != nullptr);
  CHECK(saw_a == saw_b);

  // Zero copy for a view branch: it sees the previous stage's own (heap) memory.
  const float* made = nullptr;
  const float* saw_view = nullptr;
  const auto q = x_heap_source{&made} | weft::fan_out(e_dyn_head{}, x_view_head{&saw_view});
  const auto [ed, first] = q(xt::xtensor<float, 1>(std::array<std::size_t, 1>{5}, 2.0f));
  CHECK(ed(4) == 6.5f);
  CHECK(first(0) == 6.0f);
  CHECK(saw_view == made);
}

// Under strict: the route through branch 0's input_type (x6 -> Map<const v6> copies back to x6) is
// gone; x6 reaches the Eigen const view by a view and the xtensor branch by identity.
static_assert(std::is_void_v<weft::detail::implicit_copy<weft::sequence<x_source, weft::fan_out<e_view_head, x_head>>>::type>);
static_assert(std::is_same_v<weft::detail::implicit_copy<weft::sequence<x_source, weft::fan_out<e_head, x_head>>>::type,
                             weft::detail::link<weft::detail::fan_out_branch<0>, const x6, v6>>);
// The link into a fan_out is judged against every branch (meets_t: the first branch input the value
// does not reach, else the last branch's); here every link is good.
static_assert(weft::detail::first_bad_link<x_source, weft::fan_out<e_head, x_head>>() == 2);
using e7 = Eigen::Matrix<float, 7, 1>;
using dyn_then_7 = weft::fan_out<e_dyn_head, weft::fn_model<e7, e7, e7 (*)(const e7&)>>;  // judged well alone
static_assert(std::is_same_v<weft::detail::meets_t<x6, dyn_then_7>, e7>);                 // f32[6] cannot reach f32[7]
static_assert(weft::detail::first_bad_link<x_source, dyn_then_7>() == 1);
static_assert(std::is_same_v<weft::detail::meets_t<x6, weft::fan_out<e_head, x_head>>, x6>);

TEST_CASE("describe shows one copy, for the Eigen branch, and no link into the fan_out") {
  using weft::operator|;
  const float* saw = nullptr;
  CHECK(weft::describe(x_source{} | weft::fan_out(e_head{}, x_head{&saw})) ==
        "sequence: f32[6] -> (f32[6], f32[6])\n"
        "  [0] x_source: f32[6] -> f32[6]\n"
        "  [1] fan_out: f32[6] -> (f32[6], f32[6])\n"
        "    > copy (xtensor f32[6] -> eigen f32[6])\n"
        "    [0] e_head: f32[6] -> f32[6]\n"
        "    [1] x_head: f32[6] -> f32[6]\n");
}

TEST_CASE("a strict sequence into a fan_out of a view branch and an identity branch runs") {
  using weft::operator|;
  const float* saw = nullptr;
  const auto p = weft::strict(x_source{} | weft::fan_out(e_view_head{}, x_head{&saw}));
  const auto [s, same] = p(x6{0, 0, 0, 0, 0, 1});
  CHECK(s(0) == 7.0f);
  CHECK(same(5) == 2.0f);
}

// A branch returning a view of its input keeps a copy (the input bridge's buffer dies).
namespace {
struct view_of_input {
  using input_type = Eigen::VectorXf;  // from a const vec4: a copy bridge, freed after the call
  using output_type = Eigen::Map<const Eigen::VectorXf>;
  output_type operator()(const input_type& x) const { return output_type(x.data(), x.size()); }
};
}  // namespace
static_assert(std::is_same_v<weft::fan_out<empty_branch<0>, view_of_input>::output_type, std::tuple<vec4, Eigen::VectorXf>>);
static_assert(std::is_same_v<weft::detail::implicit_copy<weft::fan_out<empty_branch<0>, view_of_input>>::type,
                             weft::detail::link<weft::detail::fan_out_branch<1>, const vec4, Eigen::VectorXf>>);
struct map_of_input {
  using input_type = vec4;
  using output_type = Eigen::Map<const vec4>;
  output_type operator()(const input_type& x) const { return output_type(x.data()); }
};
static_assert(std::is_same_v<weft::detail::implicit_copy<weft::fan_out<empty_branch<0>, map_of_input>>::type,
                             weft::detail::view_output<weft::detail::fan_out_branch<1>, Eigen::Map<const vec4>>>);

TEST_CASE("a branch's view output is kept as its owning type") {
  const auto f = weft::fan_out(empty_branch<0>{}, view_of_input{});
  const auto [a, v] = f(vec4(1.0f, 2.0f, 3.0f, 4.0f));
  REQUIRE(v.size() == 4);
  CHECK(v(3) == 4.0f);
  CHECK(a(0) == 1.0f);
}
