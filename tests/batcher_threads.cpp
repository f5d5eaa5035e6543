// Soak tests for weft/batcher.hpp under many threads (built and run by the tsan preset too:
// WEFT_THREAD_TESTS). 32 threads call one batcher with distinct inputs: every caller gets exactly its
// own answer (within 1e-5 of a per-sample call: batch and single kernels round differently), and the
// samples the model ran add up to the calls made: no call lost, none run twice.
// The soak makes 10^5 calls in every build, ThreadSanitizer's included (about 10 s there).
#include <weft/batcher.hpp>
#include <weft/eigen.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "support/watchdog.hpp"

namespace {

using namespace std::chrono_literals;
using in16 = Eigen::Matrix<float, 16, 1>;
using out4 = Eigen::Matrix<float, 4, 1>;

constexpr int soak_calls = 100'000;
constexpr int soak_threads = 32;

std::uint64_t splitmix64(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
float uniform(std::uint64_t& s) { return static_cast<float>(splitmix64(s) >> 40) * 0x1.0p-23f - 1.0f; }

/// A distinct input for call i of thread t.
in16 input_of(int t, int i) {
  std::uint64_t s = static_cast<std::uint64_t>(t) * 1'000'003ULL + static_cast<std::uint64_t>(i);
  in16 x;
  for (int k = 0; k < 16; ++k) x(k) = uniform(s);
  return x;
}

/// A 16 -> 8 (tanh) -> 4 MLP: matrix-vector products per sample, matrix products per batch. Counts
/// the samples it ran and the batches.
struct mlp {
  using input_type = in16;
  using output_type = out4;
  Eigen::Matrix<float, 8, 16> w1;
  Eigen::Matrix<float, 8, 1> b1;
  Eigen::Matrix<float, 4, 8> w2;
  Eigen::Matrix<float, 4, 1> b2;
  std::shared_ptr<std::atomic<long>> samples = std::make_shared<std::atomic<long>>(0);
  std::shared_ptr<std::atomic<long>> batches = std::make_shared<std::atomic<long>>(0);
  mlp() {
    std::uint64_t s = 42;
    for (Eigen::Index k = 0; k < w1.size(); ++k) w1.data()[k] = uniform(s);
    for (Eigen::Index k = 0; k < b1.size(); ++k) b1.data()[k] = uniform(s);
    for (Eigen::Index k = 0; k < w2.size(); ++k) w2.data()[k] = uniform(s);
    for (Eigen::Index k = 0; k < b2.size(); ++k) b2.data()[k] = uniform(s);
  }
  out4 operator()(const in16& x) const {
    const Eigen::Matrix<float, 8, 1> h = (w1 * x + b1).array().tanh().matrix();
    return w2 * h + b2;
  }
  Eigen::Matrix<float, 4, Eigen::Dynamic> call_batch(const Eigen::Matrix<float, 16, Eigen::Dynamic>& x) const {
    samples->fetch_add(x.cols());
    batches->fetch_add(1);
    Eigen::Matrix<float, 8, Eigen::Dynamic> h = w1 * x;
    h = (h.colwise() + b1).array().tanh().matrix();
    Eigen::Matrix<float, 4, Eigen::Dynamic> y = w2 * h;
    y.colwise() += b2;
    return y;
  }
};

}  // namespace

TEST_CASE("soak: 32 threads, distinct inputs; every caller gets exactly its own answer") {
  weft_test::watchdog guard("batcher soak", 170);
  const mlp m;
  const auto b = weft::batcher(m, 16, 200us);
  std::atomic<long> wrong{0};
  std::atomic<long> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < soak_threads; ++t)
    threads.emplace_back([&, t, h = b] {
      for (int i = t; i < soak_calls; i += soak_threads) {
        const in16 x = input_of(t, i);
        const out4 y = h(x);
        if (!((y - m(x)).cwiseAbs().maxCoeff() <= 1e-5f)) ++wrong;
        ++answered;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  CHECK(answered == soak_calls);
  CHECK(*m.samples == soak_calls);  // each call ran once in a batch: none lost, none twice
  CHECK(*m.batches < soak_calls);   // and some batches held more than one sample
  MESSAGE("batches: " << m.batches->load() << " for " << soak_calls << " calls");
}

TEST_CASE("shutdown under load: every call is answered correctly or refused, never lost or run twice") {
  weft_test::watchdog guard("batcher shutdown under load", 170);
  const mlp m;
  const auto b = weft::batcher(m, 8, 100us);
  std::atomic<long> answered{0};
  std::atomic<long> refused{0};
  std::atomic<long> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < soak_threads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1'000'000; ++i) {
        const in16 x = input_of(t, i);
        try {
          const out4 y = b(x);
          if (!((y - m(x)).cwiseAbs().maxCoeff() <= 1e-5f)) ++wrong;
          ++answered;
        } catch (const weft::shutdown_error&) {
          ++refused;
          return;  // every later call would be refused too
        }
      }
    });
  while (answered < 2'000) std::this_thread::sleep_for(1ms);
  b.shutdown();
  const long ran = *m.samples;  // shutdown returned: every call taken has been answered
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  CHECK(refused == soak_threads);
  CHECK(answered == ran);
  CHECK(*m.samples == ran);  // nothing ran after shutdown returned
}
