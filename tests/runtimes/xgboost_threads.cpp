// Thread tests for weft/xgboost.hpp (built under ThreadSanitizer by the tsan preset): one model, and
// copies sharing its booster, called from many std::threads and through weft::par at once give
// exactly the results of one thread.
#include <weft/xgboost.hpp>
#include <weft/eigen.hpp>

#include <weft/ensemble.hpp>
#include <weft/execution.hpp>
#include <weft/fan_out.hpp>
#include <weft/reducers.hpp>

#include <doctest/doctest.h>

#include "../support/watchdog.hpp"

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace {

using vec8 = Eigen::Matrix<float, 8, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using batch8 = Eigen::Matrix<float, 8, Eigen::Dynamic>;
using batch3 = Eigen::Matrix<float, 3, Eigen::Dynamic>;
using model = weft::xgboost_model<vec8, vec3>;

std::string data_file(const std::string& name) { return std::string(WEFT_TEST_DATA) + "/xgboost/" + name; }

constexpr int samples = 128;
constexpr int threads = 8;
constexpr int rounds = 20;

batch8 random_batch() {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  batch8 b(8, samples);
  for (Eigen::Index k = 0; k < b.size(); ++k) b.data()[k] = normal(rng);
  return b;
}

/// Runs body(t) on `threads` std::threads at once (released together) and joins them.
template <class Body>
void on_threads(Body body) {
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < threads) std::this_thread::yield();
      body(t);
    });
  for (auto& th : pool) th.join();
}

}  // namespace

TEST_CASE("one model from many threads: per-sample and batch calls give exactly one thread's results") {
  const weft_test::watchdog guard("xgboost threads", 240);
  const model m{data_file("softprob.json")};
  const batch8 inputs = random_batch();
  const batch3 reference = m.call_batch(inputs);  // one thread, one call
  for (Eigen::Index j = 0; j < samples; ++j) REQUIRE(m(vec8(inputs.col(j))) == reference.col(j));

  std::atomic<long> mismatches{0};
  std::atomic<long> calls{0};
  on_threads([&](int t) {
    const model copy = m;  // copies share the booster
    for (int r = 0; r < rounds; ++r) {
      const model& which = (t + r) % 2 ? copy : m;
      for (Eigen::Index j = t; j < samples; j += threads) {
        if (which(vec8(inputs.col(j))) != reference.col(j)) mismatches.fetch_add(1);
        calls.fetch_add(1);
      }
      const Eigen::Index first = (t * 13 + r) % (samples / 2);
      const batch8 slice = inputs.middleCols(first, samples / 2);
      if (which.call_batch(slice) != reference.middleCols(first, samples / 2)) mismatches.fetch_add(1);
      calls.fetch_add(1);
    }
  });
  CHECK(calls.load() == static_cast<long>(rounds) * (samples + threads));
  CHECK(mismatches.load() == 0);
}

TEST_CASE("weft::par ensembles and fan_outs of XGBoost models, from many threads, match sequential ones") {
  const weft_test::watchdog guard("xgboost par", 240);
  const model json{data_file("softprob.json")};
  const model ubj{data_file("softprob.ubj")};
  const model early{data_file("early_stopped.json")};
  const auto sequential = weft::ensemble(weft::mean, json, ubj, early);
  const auto parallel = weft::ensemble(weft::par, weft::mean, json, ubj, early);
  const auto branches = weft::fan_out(weft::par, json, early);
  const batch8 inputs = random_batch();
  std::vector<vec3> expected;
  for (Eigen::Index j = 0; j < samples; ++j) expected.push_back(sequential(vec8(inputs.col(j))));

  std::atomic<long> mismatches{0};
  on_threads([&](int t) {
    for (int r = 0; r < rounds / 4; ++r)
      for (Eigen::Index j = t; j < samples; j += threads) {
        const vec8 x = inputs.col(j);
        if (parallel(x) != expected[static_cast<std::size_t>(j)]) mismatches.fetch_add(1);
        const auto [a, b] = branches(x);
        if (a != json(x) || b != early(x)) mismatches.fetch_add(1);
      }
  });
  CHECK(mismatches.load() == 0);
}
