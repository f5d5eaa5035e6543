// Thread tests for weft/onnx.hpp (run under ThreadSanitizer by the tsan preset): one onnx_model and
// its copies called from many std::threads and from weft::par branches at once give exactly the
// results of single-threaded calls (OpenCV's Net alone gives wrong ones: weft lends each call its own).
#include <weft/onnx.hpp>
#include <weft/weft.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <random>
#include <thread>
#include <tuple>
#include <vector>

#include "onnx_test_data.hpp"

namespace {
using vec8 = Eigen::Matrix<float, 8, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using batch8 = Eigen::Matrix<float, 8, Eigen::Dynamic>;
using batch3 = Eigen::Matrix<float, 3, Eigen::Dynamic>;
using mlp = weft::onnx_model<vec8, vec3>;

constexpr int samples = 64;

/// samples inputs, fixed seed.
std::vector<vec8> make_inputs() {
  std::mt19937 gen(13);
  std::normal_distribution<float> normal;
  std::vector<vec8> xs(samples);
  for (auto& x : xs)
    for (Eigen::Index i = 0; i < 8; ++i) x(i) = normal(gen);
  return xs;
}
}  // namespace

TEST_CASE("onnx threads: 8 std::threads and weft::par branches give exactly the single-thread results (10,000 calls)") {
  const mlp model(onnx_test::file("mlp.onnx"));
  const std::vector<vec8> xs = make_inputs();
  std::vector<vec3> reference;
  for (const auto& x : xs) reference.push_back(model(x));
  batch8 batch(8, samples);
  for (int j = 0; j < samples; ++j) batch.col(j) = xs[static_cast<std::size_t>(j)];
  const batch3 batch_reference = model.call_batch(batch);

  constexpr int threads = 8;
  constexpr int calls_per_thread = 1000;  // 8,000 calls, of which every 50th is a call_batch
  std::atomic<int> mismatches{0};
  std::atomic<int> calls{0};
  {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const mlp own_copy = model;  // half the threads call a copy: the pool is shared all the same
        const mlp& m = t % 2 ? own_copy : model;
        for (int i = 0; i < calls_per_thread; ++i) {
          const auto k = static_cast<std::size_t>((i * 7 + t) % samples);
          if (i % 50 == 0) {
            if (m.call_batch(batch) != batch_reference) ++mismatches;
          } else if (m(xs[k]) != reference[k]) {
            ++mismatches;
          }
          ++calls;
        }
      });
    for (auto& th : pool) th.join();
  }
  CHECK(mismatches.load() == 0);

  // weft::par: four copies as branches of a fan_out (each output compared) and of an ensemble.
  const auto fan = weft::fan_out(weft::par, model, model, model, model);
  const auto ens = weft::ensemble(weft::par, weft::max, model, model, model, model);
  for (int i = 0; i < 250; ++i) {
    const auto k = static_cast<std::size_t>(i % samples);
    const auto [a, b, c, d] = fan(xs[k]);
    if (a != reference[k] || b != reference[k] || c != reference[k] || d != reference[k]) ++mismatches;
    if (ens(xs[k]) != reference[k]) ++mismatches;
    calls += 8;
  }
  CHECK(mismatches.load() == 0);
  CHECK(calls.load() == 10000);
  // The pool never holds more Nets than calls ever ran at once (8 threads, or 4 branches).
  CHECK(model.free_nets() >= 1);
  CHECK(model.free_nets() <= threads);
}
