// DESIGN.md section 8, proved by tests rather than timings:
//   - no heap allocation on the call path of a fixed-size pipeline: 1,000 calls of the benchmark's W1
//     (sequence), W3 (ensemble of sequences) and W5 (Eigen -> xtensor -> Eigen, copy bridges) make no
//     call of any operator new, and no Eigen heap allocation (EIGEN_RUNTIME_NO_MALLOC);
//   - empty models take no space: a sequence of distinct empty models has size 1; a sequence of
//     stateful models has the sum of their sizes (empty ones add nothing).
// The pipelines are the benchmark's own (bench/workloads.hpp), so the test and the measurements
// cover the same code. tests/support/alloc_counter.hpp replaces every operator new (this test is its
// own executable); they count while a counter is alive and forward to malloc, so the test also runs
// under AddressSanitizer (which then checks malloc and free instead).

// Eigen's own allocation check: with EIGEN_RUNTIME_NO_MALLOC, an Eigen heap allocation while
// set_is_malloc_allowed(false) fails eigen_assert. Count those failures rather than aborting.
#include <atomic>
#define EIGEN_RUNTIME_NO_MALLOC
namespace zero_alloc_test {
inline std::atomic<long> eigen_assert_failures{0};
}
#define eigen_assert(x)                                                           \
  do {                                                                            \
    if (!static_cast<bool>(x)) zero_alloc_test::eigen_assert_failures.fetch_add(1); \
  } while (false)

#include "../bench/workloads.hpp"

#include <doctest/doctest.h>

#include <cstddef>

#include "support/alloc_counter.hpp"

namespace zero_alloc_test {
/// Counts operator new calls made by f() while it runs (Eigen's heap is forbidden meanwhile).
template <class F>
long news_during(F&& f) {
  alloc_counter counter;
  f();
  return counter.stop();
}
}  // namespace zero_alloc_test

namespace {

using namespace weft_bench;
using zero_alloc_test::news_during;

constexpr int calls = 1000;

/// Calls w.weft on the pool `calls` times with operator new counted and Eigen's heap forbidden;
/// returns {operator new calls, Eigen heap allocations}. The outputs are summed so that the calls stay.
template <class W>
std::pair<long, long> allocations_of(const W& w, float& checksum) {
  const long eigen_before = zero_alloc_test::eigen_assert_failures.load();
  Eigen::internal::set_is_malloc_allowed(false);
  const long news = news_during([&] {
    for (int i = 0; i < calls; ++i) checksum += w.weft(w.pool[static_cast<std::size_t>(i) % w.pool.size()])(0);
  });
  Eigen::internal::set_is_malloc_allowed(true);
  return {news, zero_alloc_test::eigen_assert_failures.load() - eigen_before};
}

}  // namespace

TEST_CASE("the counters see an allocation when there is one") {
  // The harness itself: a dynamic Eigen vector allocates through Eigen (not operator new) and a
  // std::string through operator new; both must be seen, or a zero below proves nothing.
  const long eigen_before = zero_alloc_test::eigen_assert_failures.load();
  Eigen::internal::set_is_malloc_allowed(false);
  Eigen::VectorXf v(1000);
  Eigen::internal::set_is_malloc_allowed(true);
  CHECK(zero_alloc_test::eigen_assert_failures.load() - eigen_before >= 1);
  v.setZero();
  const long n = news_during([] {
    auto* p = new int(7);
    delete p;
  });
  CHECK(n == 1);
}

TEST_CASE("W1, W3 and W5 allocate nothing on the call path: 1,000 calls, 0 operator new") {
  // Built outside the counted region: the workloads allocate their pools and glue (not measured).
  const w1_workload w1;
  const w3_workload w3;
  const w5_workload w5;
  float checksum = 0;
  const auto [w1_news, w1_eigen] = allocations_of(w1, checksum);
  const auto [w3_news, w3_eigen] = allocations_of(w3, checksum);
  const auto [w5_news, w5_eigen] = allocations_of(w5, checksum);
  CHECK(w1_news == 0);
  CHECK(w1_eigen == 0);
  CHECK(w3_news == 0);
  CHECK(w3_eigen == 0);
  CHECK(w5_news == 0);
  CHECK(w5_eigen == 0);
  CHECK(checksum > 0);  // softmax outputs are positive: the calls ran
}

TEST_CASE("W4's primary path allocates nothing; only a failing branch records its cause") {
  const w4_workload w4;
  float checksum = 0;
  // Inputs the primary answers: no allocation.
  const long news = news_during([&] {
    for (std::size_t i = 0; i < 50; ++i) checksum += w4.weft(w4.pool[i])(0);
  });
  CHECK(news == 0);
  CHECK(checksum > 0);
}

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;

template <int K>
struct empty_stage {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x * static_cast<float>(K + 1); }
};

struct three_weights {
  using input_type = vec4;
  using output_type = vec4;
  float w[3] = {1, 2, 3};
  output_type operator()(const input_type& x) const { return x * w[0]; }
};

struct five_weights {
  using input_type = vec4;
  using output_type = vec4;
  float w[5] = {1, 2, 3, 4, 5};
  output_type operator()(const input_type& x) const { return x * w[4]; }
};

}  // namespace

TEST_CASE("empty models take no space; stateful ones take the sum of their sizes") {
  using empties = weft::sequence<empty_stage<0>, empty_stage<1>, empty_stage<2>>;
  static_assert(sizeof(empties) == 1);
  const auto lambdas = weft::fn<vec4, vec4>([](const vec4& x) -> vec4 { return x; }) |
                       weft::fn<vec4, vec4>([](const vec4& x) -> vec4 { return x * 2.0f; }) |
                       weft::fn<vec4, vec4>([](const vec4& x) -> vec4 { return x * 3.0f; });
  static_assert(sizeof(lambdas) == 1);

  using stateful = weft::sequence<three_weights, five_weights>;
  static_assert(sizeof(stateful) == sizeof(three_weights) + sizeof(five_weights));
  using mixed = weft::sequence<empty_stage<0>, three_weights, empty_stage<1>, five_weights, empty_stage<2>>;
  static_assert(sizeof(mixed) == sizeof(three_weights) + sizeof(five_weights));

  // The benchmark's pipelines: W1 holds its two linear layers and nothing else; W3 its three MLPs.
  using w1_pipeline = decltype(w1_workload::pipeline);
  static_assert(sizeof(w1_pipeline) == sizeof(linear<64, 32>) + sizeof(linear<32, 10>));
  static_assert(sizeof(decltype(w3_workload::pipeline)) == 3 * sizeof(w1_pipeline));
  static_assert(sizeof(decltype(w5_workload::pipeline)) == sizeof(linear<64, 32>) + sizeof(linear<32, 10>));
  CHECK(lambdas(vec4::Ones())(0) == doctest::Approx(6.0f));
}
