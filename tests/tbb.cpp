// Tests for weft/tbb.hpp: a par fan_out on a oneTBB task_arena equals the sequential one, nests,
// and passes the lowest branch's exception. Built only when oneTBB is found.
#include <weft/eigen.hpp>
#include <weft/fan_out.hpp>
#include <weft/tbb.hpp>

#include <doctest/doctest.h>

#include <stdexcept>

namespace {
using vec = Eigen::Matrix<float, 8, 1>;
template <int Seed>
struct affine {
  using input_type = vec;
  using output_type = vec;
  Eigen::Matrix<float, 8, 8> w = Eigen::Matrix<float, 8, 8>::Constant(static_cast<float>(Seed) / 10.0f);
  output_type operator()(const input_type& x) const { return (w * x).array().tanh(); }
};
struct fails {
  using input_type = vec;
  using output_type = vec;
  output_type operator()(const input_type&) const { throw std::invalid_argument("tbb branch"); }
};
}  // namespace

TEST_CASE("fan_out on a oneTBB arena equals sequential, nested included") {
  oneapi::tbb::task_arena arena(2);
  weft::tbb_executor ex(arena);
  auto inner = weft::fan_out(weft::on(ex), affine<1>{}, affine<2>{});
  auto outer = weft::fan_out(weft::on(ex), std::ref(inner), affine<3>{});
  auto seq = weft::fan_out(weft::fan_out(affine<1>{}, affine<2>{}), affine<3>{});
  for (int k = 0; k < 200; ++k) {
    const vec x = vec::Constant(static_cast<float>(k % 5) - 2.0f);
    CHECK(outer(x) == seq(x));
  }
}

TEST_CASE("a branch's exception on a oneTBB arena reaches the caller") {
  oneapi::tbb::task_arena arena(2);
  weft::tbb_executor ex(arena);
  auto f = weft::fan_out(weft::on(ex), affine<1>{}, fails{});
  CHECK_THROWS_WITH_AS((void)f(vec::Ones()), "tbb branch", std::invalid_argument);
}
