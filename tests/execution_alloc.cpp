// weft::par allocates nothing per call once the pool exists (fixed-size branches), nested par
// included: a counting operator new sees every thread's allocations across 1,000 calls. An executor
// without withdraw costs exactly one allocation per parallel call (the reference-counted task block).
#include <weft/eigen.hpp>
#include <weft/execution.hpp>
#include <weft/fan_out.hpp>

#include <doctest/doctest.h>

#include "support/alloc_counter.hpp"

namespace {
using vec = Eigen::Matrix<float, 16, 1>;
template <int Seed>
struct affine {
  using input_type = vec;
  using output_type = vec;
  Eigen::Matrix<float, 16, 16> w = Eigen::Matrix<float, 16, 16>::Constant(static_cast<float>(Seed) / 100.0f);
  output_type operator()(const input_type& x) const { return (w * x).array().tanh(); }
};
vec input(int k) { return vec::Constant(static_cast<float>(k % 7)); }
struct inline_executor {  // no withdraw
  void submit(weft::task& t) { t.run(); }
};
}  // namespace

TEST_CASE("par on fixed-size branches allocates nothing per call once the pool exists") {
  auto f = weft::fan_out(weft::par, affine<1>{}, affine<2>{}, affine<3>{});
  (void)f(input(0));  // creates the default pool
  alloc_counter counter;
  for (int k = 0; k < 1000; ++k) (void)f(input(k));
  CHECK(counter.stop() == 0);
}


TEST_CASE("nested par on the default pool allocates nothing per call") {
  auto inner = weft::fan_out(weft::par, affine<1>{}, affine<2>{});
  auto outer = weft::fan_out(weft::par, std::ref(inner), std::ref(inner), affine<3>{});
  (void)outer(input(0));
  alloc_counter counter;
  for (int k = 0; k < 1000; ++k) (void)outer(input(k));
  CHECK(counter.stop() == 0);
}

TEST_CASE("par on an executor without withdraw allocates one task block per parallel call") {
  inline_executor ex;
  auto inner = weft::fan_out(weft::on(ex), affine<1>{}, affine<2>{});
  auto outer = weft::fan_out(weft::on(ex), std::ref(inner), std::ref(inner), affine<3>{});
  alloc_counter counter;
  for (int k = 0; k < 1000; ++k) (void)outer(input(k));
  CHECK(counter.stop() == 1000 * 3);  // the outer call and its two inner calls
}
