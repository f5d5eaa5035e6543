// Tests for weft/execution.hpp with fan_out: par and on(executor) give the sequential results bit
// for bit; nested par completes on a pool of one thread; exceptions (lowest branch first); slow
// branches finish before the call returns; a refusing executor; a stress test. Runs under
// ThreadSanitizer (preset tsan). The allocation count is in execution_alloc.cpp: TSan's runtime
// owns operator new, so a counting replacement cannot link there.
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/execution.hpp>
#include <weft/fan_out.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using vec = Eigen::Matrix<float, 16, 1>;

struct affine {
  using input_type = vec;
  using output_type = vec;
  Eigen::Matrix<float, 16, 16> w;
  explicit affine(int seed) {
    std::srand(static_cast<unsigned>(seed));
    w = Eigen::Matrix<float, 16, 16>::Random();
  }
  output_type operator()(const input_type& x) const { return (w * x).array().tanh(); }
};

struct slow {
  using input_type = vec;
  using output_type = vec;
  std::atomic<bool>* finished;
  output_type operator()(const input_type& x) const {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    finished->store(true);
    return x;
  }
};

template <int N>
struct fails {
  using input_type = vec;
  using output_type = vec;
  output_type operator()(const input_type&) const { throw std::runtime_error("branch " + std::to_string(N)); }
};

// An executor that refuses every task.
struct refusing_executor {
  void submit(weft::task&) { throw std::runtime_error("queue full"); }
};

// An executor that runs each task on a fresh thread, after a delay.
struct late_executor {
  std::vector<std::thread> threads;
  void submit(weft::task& t) {
    threads.emplace_back([&t] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      t.run();
    });
  }
  ~late_executor() {
    for (auto& th : threads) th.join();
  }
};
static_assert(weft::executor<refusing_executor>);
static_assert(weft::executor<late_executor>);
static_assert(weft::executor<weft::thread_pool>);
static_assert(!weft::executor<int>);

vec input(int k) { return vec::LinSpaced(static_cast<float>(k), static_cast<float>(k + 1)); }

}  // namespace

TEST_CASE("fan_out(par, ...) equals the sequential fan_out bit for bit") {
  auto seq = weft::fan_out(affine(1), affine(2), affine(3));
  auto par = weft::fan_out(weft::par, affine(1), affine(2), affine(3));
  static_assert(std::is_same_v<decltype(par), weft::fan_out<weft::par_t, affine, affine, affine>>);
  static_assert(std::is_same_v<decltype(par)::output_type, decltype(seq)::output_type>);
  for (int k = 0; k < 50; ++k) {
    const auto a = seq(input(k));
    const auto b = par(input(k));
    CHECK(std::get<0>(a) == std::get<0>(b));
    CHECK(std::get<1>(a) == std::get<1>(b));
    CHECK(std::get<2>(a) == std::get<2>(b));
  }
  CHECK(weft::get<2>(par).w == weft::get<2>(seq).w);
}

TEST_CASE("ensemble(par, ...) equals the sequential ensemble bit for bit") {
  auto seq = weft::ensemble(weft::mean, affine(1), affine(2), affine(3));
  auto par = weft::ensemble(weft::par, weft::mean, affine(1), affine(2), affine(3));
  static_assert(std::is_same_v<decltype(par), weft::ensemble<weft::par_t, weft::mean_t, affine, affine, affine>>);
  for (int k = 0; k < 50; ++k) CHECK(seq(input(k)) == par(input(k)));
  auto vseq = weft::ensemble(weft::median, affine(4), affine(5), affine(6), affine(7));
  auto vpar = weft::ensemble(weft::par, weft::median, affine(4), affine(5), affine(6), affine(7));
  for (int k = 0; k < 50; ++k) CHECK(vseq(input(k)) == vpar(input(k)));
}

TEST_CASE("a par ensemble inside a par fan_out completes on a pool of one thread") {
  weft::thread_pool one(1);
  auto ens = weft::ensemble(weft::on(one), weft::mean, affine(1), affine(2), affine(3));
  auto outer = weft::fan_out(weft::on(one), std::ref(ens), std::ref(ens), affine(4));
  auto reference = weft::ensemble(weft::mean, affine(1), affine(2), affine(3));
  for (int k = 0; k < 20; ++k) {
    const auto out = outer(input(k));
    CHECK(std::get<0>(out) == reference(input(k)));
    CHECK(std::get<1>(out) == reference(input(k)));
  }
}

TEST_CASE("a nested par completes on a pool of one thread") {
  weft::thread_pool one(1);
  auto inner = weft::fan_out(weft::on(one), affine(4), affine(5));
  auto outer = weft::fan_out(weft::on(one), std::ref(inner), std::ref(inner), std::ref(inner));
  auto reference = weft::fan_out(affine(4), affine(5));
  for (int k = 0; k < 20; ++k) {
    const auto out = outer(input(k));
    const auto want = reference(input(k));
    CHECK(std::get<0>(std::get<2>(out)) == std::get<0>(want));
    CHECK(std::get<1>(std::get<0>(out)) == std::get<1>(want));
  }
}

TEST_CASE("the exception of the lowest throwing branch reaches the caller after every branch finished") {
  std::atomic<bool> finished{false};
  auto f = weft::fan_out(weft::par, slow{&finished}, fails<1>{}, fails<2>{});
  CHECK_THROWS_WITH_AS((void)f(input(0)), "branch 1", std::runtime_error);
  CHECK(finished.load());
  auto g = weft::fan_out(weft::par, fails<0>{}, slow{&finished});
  finished = false;
  CHECK_THROWS_WITH_AS((void)g(input(0)), "branch 0", std::runtime_error);
  CHECK(finished.load());  // no branch keeps running after the call returns
}

TEST_CASE("a slow branch finishes before the call returns") {
  std::atomic<bool> finished{false};
  auto f = weft::fan_out(weft::par, affine(1), slow{&finished});
  const auto out = f(input(3));
  CHECK(finished.load());
  CHECK(std::get<1>(out) == input(3));
}

TEST_CASE("an executor that refuses work: the calling thread runs the branch") {
  refusing_executor refuse;
  auto f = weft::fan_out(weft::on(refuse), affine(1), affine(2));
  auto s = weft::fan_out(affine(1), affine(2));
  CHECK(std::get<1>(f(input(2))) == std::get<1>(s(input(2))));
}

TEST_CASE("an executor that runs tasks late: the result waits for it, or the caller runs the branch") {
  std::atomic<bool> finished{false};
  late_executor late;
  auto f = weft::fan_out(weft::on(late), affine(1), affine(2), slow{&finished});
  auto s = weft::fan_out(affine(1), affine(2), slow{&finished});
  const auto a = f(input(1));
  CHECK(finished.load());
  CHECK(std::get<1>(a) == std::get<1>(s(input(1))));
}

TEST_CASE("stress: 10,000 calls of one shared par ensemble from 4 threads equal sequential") {
  auto par = weft::ensemble(weft::par, weft::mean, affine(1), affine(2), affine(3));
  auto seq = weft::ensemble(weft::mean, affine(1), affine(2), affine(3));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      for (int k = 0; k < 2500; ++k) {
        const auto x = input(t * 10000 + k);
        if (par(x) != seq(x)) mismatches.fetch_add(1);
      }
    });
  }
  for (auto& c : callers) c.join();
  CHECK(mismatches.load() == 0);
}
