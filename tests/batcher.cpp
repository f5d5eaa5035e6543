// Tests for weft/batcher.hpp: what each caller gets (its own answer, its own error), when a batch
// runs (full, or its first caller's delay out), the drained shutdown, handles sharing one queue.
// Built and run by the tsan preset too (WEFT_THREAD_TESTS); the soak is in batcher_threads.cpp.
#include <weft/batcher.hpp>
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "support/alloc_counter.hpp"
#include "support/watchdog.hpp"

namespace {

using namespace std::chrono_literals;
using vec4 = Eigen::Matrix<float, 4, 1>;
using vec2 = Eigen::Matrix<float, 2, 1>;
using batch4 = Eigen::Matrix<float, 4, Eigen::Dynamic>;
using batch2 = Eigen::Matrix<float, 2, Eigen::Dynamic>;

/// What a batch-native stand-in saw: the size of every call_batch, in order.
struct batch_log {
  std::mutex mutex;
  std::vector<long> sizes;
  void add(long n) {
    std::lock_guard lock(mutex);
    sizes.push_back(n);
  }
  std::vector<long> read() {
    std::lock_guard lock(mutex);
    return sizes;
  }
};

/// Batch-native: per sample y = (x0 + x1, x2 * x3); call_batch the same over the columns. Throws
/// when a sample's x0 is negative: weft::shape_error for -1, std::domain_error for any other.
struct pair_sum {
  using input_type = vec4;
  using output_type = vec2;
  std::shared_ptr<batch_log> log = std::make_shared<batch_log>();
  std::string name = "pairs";
  vec2 operator()(const vec4& x) const { return vec2(x(0) + x(1), x(2) * x(3)); }
  batch2 call_batch(const batch4& b) const {
    log->add(static_cast<long>(b.cols()));
    for (Eigen::Index j = 0; j < b.cols(); ++j) {
      if (b(0, j) == -1.0f) throw weft::shape_error("f32[4]", "f32[5]");
      if (b(0, j) < 0.0f) throw std::domain_error("negative sample");
    }
    batch2 y(2, b.cols());
    y.row(0) = b.row(0) + b.row(1);
    y.row(1) = b.row(2).cwiseProduct(b.row(3));
    return y;
  }
};

/// Batch-native on a dynamic extent, declaring its input shape f32[4].
struct declared_sum {
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::Matrix<float, 1, 1>;
  std::shared_ptr<batch_log> log = std::make_shared<batch_log>();
  weft::shape input_shape() const { return weft::shape{4}; }
  output_type operator()(const Eigen::VectorXf& x) const { return output_type(x.sum()); }
  Eigen::Matrix<float, 1, Eigen::Dynamic> call_batch(const Eigen::MatrixXf& b) const {
    log->add(static_cast<long>(b.cols()));
    return b.colwise().sum();
  }
};

/// Batch-native on a dynamic extent with nothing declared: each sample's sum.
struct any_sum {
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::Matrix<float, 1, 1>;
  std::shared_ptr<batch_log> log = std::make_shared<batch_log>();
  output_type operator()(const Eigen::VectorXf& x) const { return output_type(x.sum()); }
  Eigen::Matrix<float, 1, Eigen::Dynamic> call_batch(const Eigen::MatrixXf& b) const {
    log->add(static_cast<long>(b.cols()));
    return b.colwise().sum();
  }
};

/// Answers one sample fewer than asked.
struct short_answer {
  using input_type = vec4;
  using output_type = vec2;
  vec2 operator()(const vec4& x) const { return x.head<2>(); }
  batch2 call_batch(const batch4& b) const { return b.topRows<2>().leftCols(b.cols() - 1); }
};

/// Not batch-native: no call_batch.
struct per_sample_only {
  using input_type = vec4;
  using output_type = vec2;
  vec2 operator()(const vec4& x) const { return x.head<2>(); }
};

/// Batch-native on xtensor: per sample (x0 * 2, x3); call_batch on samples along axis 0.
struct x_pairs {
  using input_type = xt::xtensor_fixed<float, xt::xshape<4>>;
  using output_type = xt::xtensor_fixed<float, xt::xshape<2>>;
  std::shared_ptr<batch_log> log = std::make_shared<batch_log>();
  output_type operator()(const input_type& x) const { return {x(0) * 2.0f, x(3)}; }
  xt::xtensor<float, 2> call_batch(const xt::xtensor<float, 2>& b) const {
    log->add(static_cast<long>(b.shape(0)));
    xt::xtensor<float, 2> y({b.shape(0), 2});
    for (std::size_t j = 0; j < b.shape(0); ++j) {
      y(j, 0) = b(j, 0) * 2.0f;
      y(j, 1) = b(j, 3);
    }
    return y;
  }
};

/// Batch-native on xtensor (which allocates through operator new, so the counter sees every buffer):
/// per sample (x0 + x1, x2); call_batch allocates its answer and nothing else.
struct x_quiet {
  using input_type = xt::xtensor_fixed<float, xt::xshape<3>>;
  using output_type = xt::xtensor_fixed<float, xt::xshape<2>>;
  output_type operator()(const input_type& x) const { return {x(0) + x(1), x(2)}; }
  xt::xtensor<float, 2> call_batch(const xt::xtensor<float, 2>& b) const {
    xt::xtensor<float, 2> y = xt::xtensor<float, 2>::from_shape({b.shape(0), 2});
    for (std::size_t j = 0; j < b.shape(0); ++j) {
      y(j, 0) = b(j, 0) + b(j, 1);
      y(j, 1) = b(j, 2);
    }
    return y;
  }
};

vec4 sample(float k) { return vec4(k, 2.0f * k, k + 1.0f, 3.0f); }

/// Waits (up to 10 s) until b has taken n calls not yet answered.
template <class B>
void wait_queued(const B& b, std::size_t n) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (b.queued() != n && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
  REQUIRE(b.queued() == n);
}

}  // namespace

TEST_CASE("batcher is a model with m's per-sample types; only a batch-native m is accepted") {
  using b_t = weft::batcher<pair_sum>;
  static_assert(weft::model<b_t>);
  static_assert(std::is_same_v<weft::input_t<b_t>, vec4>);
  static_assert(std::is_same_v<weft::output_t<b_t>, vec2>);
  static_assert(weft::detail::batcher_judgement<pair_sum>::ok);
  static_assert(!weft::detail::batcher_judgement<per_sample_only>::ok);
  static_assert(std::is_same_v<typename weft::detail::batcher_judgement<per_sample_only>::diagnostic,
                               weft::detail::batcher_needs_batch_native<weft::detail::batcher_model, per_sample_only>>);
  static_assert(!weft::detail::batcher_judgement<int>::ok);
  static_assert(!weft::batch_native<b_t>);  // a batcher takes single samples
  static_assert(weft::detail::batcher_judgement<weft::named_model<pair_sum>>::ok);  // named forwards call_batch
  const auto b = weft::batcher(pair_sum{}, 4, 1ms);
  static_assert(std::is_same_v<std::remove_const_t<decltype(b)>, b_t>);
  CHECK(b.max_batch() == 4);
  CHECK(b.max_delay() == 1ms);
  CHECK_THROWS_AS(weft::batcher(pair_sum{}, 0, 1ms), std::invalid_argument);
  CHECK(weft::batcher(pair_sum{}, 1, -5ms).max_delay() == 0ns);
}

TEST_CASE("max-delay firing: one caller alone is answered once its delay runs out, in a batch of one") {
  weft_test::watchdog guard("max-delay firing", 30);
  const pair_sum m;
  const auto b = weft::batcher(m, 8, 50ms);
  const auto start = std::chrono::steady_clock::now();
  const vec2 y = b(sample(3.0f));
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(y == m(sample(3.0f)));
  CHECK(waited >= 50ms);
  CHECK(m.log->read() == std::vector<long>{1});
  CHECK(b.queued() == 0);
}

TEST_CASE("max-batch firing: the caller that fills the batch runs it at once, long before the delay") {
  weft_test::watchdog guard("max-batch firing", 30);
  const pair_sum m;
  const auto b = weft::batcher(m, 4, 60s);
  std::vector<vec2> answers(4);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { answers[t] = b(sample(static_cast<float>(t))); });
  for (auto& th : threads) th.join();
  CHECK(std::chrono::steady_clock::now() - start < 20s);
  CHECK(m.log->read() == std::vector<long>{4});
  for (int t = 0; t < 4; ++t) CHECK(answers[t] == m(sample(static_cast<float>(t))));
}

TEST_CASE("per-caller errors: a bad input fails only its own call and never joins a batch") {
  weft_test::watchdog guard("per-caller errors", 30);
  const declared_sum m;
  const auto b = weft::batcher(m, 3, 60s);
  static_assert(std::is_same_v<decltype(b.input_shape()), weft::shape>);
  CHECK(b.input_shape() == weft::shape{4});
  std::vector<float> sums(3, -1.0f);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] { sums[t] = b(Eigen::VectorXf::Constant(4, static_cast<float>(t)))(0); });
  // While the batch of three forms, a sample of five elements is rejected at once.
  std::string what;
  try {
    (void)b(Eigen::VectorXf::Ones(5));
  } catch (const weft::shape_error& e) {
    what = e.what();
  }
  CHECK(what == "weft: shape_error: expected f32[4], got f32[5]");
  for (auto& th : threads) th.join();
  CHECK(m.log->read() == std::vector<long>{3});
  for (int t = 0; t < 3; ++t) CHECK(sums[t] == 4.0f * static_cast<float>(t));
}

TEST_CASE("samples of another extent start their own batch; each batch holds one shape") {
  weft_test::watchdog guard("extents", 30);
  const any_sum m;
  const auto b = weft::batcher(m, 8, 60s);
  float three = 0.0f;
  float five = 0.0f;
  std::thread first([&] { three = b(Eigen::VectorXf::Ones(3))(0); });
  wait_queued(b, 1);
  std::thread second([&] { five = b(Eigen::VectorXf::Ones(5))(0); });
  first.join();  // the 5-sample sealed the batch of the 3-sample, whose caller ran it alone
  CHECK(three == 3.0f);
  wait_queued(b, 1);
  b.shutdown();  // the 5-sample's batch runs now, not after its delay
  second.join();
  CHECK(five == 5.0f);
  CHECK(m.log->read() == std::vector<long>{1, 1});
}

TEST_CASE("an exception from m reaches every caller of that batch, and no caller of another") {
  weft_test::watchdog guard("exception from m", 30);
  const pair_sum m;
  const auto b = weft::batcher(m, 4, 60s);
  for (const float poison : {-1.0f, -2.0f}) {
    std::vector<std::exception_ptr> errors(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        try {
          (void)b(sample(t == 2 ? poison : static_cast<float>(t)));
        } catch (...) {
          errors[t] = std::current_exception();
        }
      });
    for (auto& th : threads) th.join();
    for (int t = 0; t < 4; ++t) {
      REQUIRE(errors[t]);
      try {
        std::rethrow_exception(errors[t]);
      } catch (const weft::shape_error& e) {
        CHECK(poison == -1.0f);
        CHECK(e.path_text() == "batcher[*] \"pairs\"");
        CHECK(std::string(e.what()) == "weft: shape_error at batcher[*] \"pairs\": expected f32[4], got f32[5]");
      } catch (const std::domain_error& e) {
        CHECK(poison == -2.0f);
        CHECK(std::string(e.what()) == "negative sample");
      }
    }
    if (poison == -1.0f) {  // a weft::error: each caller its own object
      for (int t = 1; t < 4; ++t) CHECK(errors[t] != errors[0]);
    }
    // the next batch is not touched by the last one's failure
    std::vector<vec2> answers(4);
    threads.clear();
    for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { answers[t] = b(sample(static_cast<float>(t))); });
    for (auto& th : threads) th.join();
    for (int t = 0; t < 4; ++t) CHECK(answers[t] == m(sample(static_cast<float>(t))));
  }
  CHECK(m.log->read() == std::vector<long>{4, 4, 4, 4});
}

TEST_CASE("an answer with the wrong number of samples is a shape_error at batcher[*] for every caller") {
  weft_test::watchdog guard("short answer", 30);
  const auto b = weft::batcher(short_answer{}, 2, 60s);
  std::vector<std::string> whats(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      try {
        (void)b(sample(1.0f));
      } catch (const weft::shape_error& e) {
        whats[t] = e.what();
      }
    });
  for (auto& th : threads) th.join();
  for (const auto& w : whats)
    CHECK(w == "weft: shape_error at batcher[*]: expected f32[2,2], got f32[2,1]");
}

TEST_CASE("shutdown drains: the calls taken are answered at once, later calls throw shutdown_error") {
  weft_test::watchdog guard("drained shutdown", 30);
  const pair_sum m;
  const auto b = weft::batcher(m, 8, 60s);
  std::vector<vec2> answers(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) threads.emplace_back([&, t] { answers[t] = b(sample(static_cast<float>(t))); });
  wait_queued(b, 3);
  const auto start = std::chrono::steady_clock::now();
  b.shutdown();  // returns once the three are answered, long before their delay
  CHECK(b.queued() == 0);
  CHECK(std::chrono::steady_clock::now() - start < 20s);
  for (auto& th : threads) th.join();
  for (int t = 0; t < 3; ++t) CHECK(answers[t] == m(sample(static_cast<float>(t))));
  CHECK(m.log->read() == std::vector<long>{3});
  const auto copy = b;
  CHECK_THROWS_AS((void)copy(sample(1.0f)), weft::shutdown_error);
  try {
    (void)b(sample(1.0f));
  } catch (const weft::shutdown_error& e) {
    CHECK(std::string(e.what()).starts_with("weft: shutdown_error: the batcher was shut down"));
  }
  b.shutdown();  // again: nothing to do
  CHECK(m.log->read() == std::vector<long>{3});
}

TEST_CASE("copies share one queue: calls through different handles form one batch") {
  weft_test::watchdog guard("copies", 30);
  const pair_sum m;
  const auto b = weft::batcher(m, 4, 60s);
  auto c = b;
  const auto d = std::move(c);  // a move copies: c still works
  std::vector<vec2> answers(4);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { answers[0] = b(sample(0.0f)); });
  threads.emplace_back([&] { answers[1] = c(sample(1.0f)); });
  threads.emplace_back([&] { answers[2] = d(sample(2.0f)); });
  wait_queued(b, 3);
  CHECK(d.queued() == 3);
  answers[3] = weft::batcher(d)(sample(3.0f));
  for (auto& th : threads) th.join();
  CHECK(m.log->read() == std::vector<long>{4});
  for (int t = 0; t < 4; ++t) CHECK(answers[t] == m(sample(static_cast<float>(t))));
}

TEST_CASE("destroying the last handle ends the queue and the model it holds, after every call") {
  weft_test::watchdog guard("last handle", 30);
  const pair_sum m;
  pair_sum held;
  const std::weak_ptr<batch_log> alive = held.log;
  std::vector<vec2> answers(4);
  {
    std::vector<std::thread> threads;
    {
      const auto b = weft::batcher(std::move(held), 2, 5ms);
      for (int t = 0; t < 4; ++t)
        threads.emplace_back([&answers, t, h = b] { answers[t] = h(sample(static_cast<float>(t))); });
    }  // this handle goes first; the threads' copies keep the queue
    for (auto& th : threads) th.join();
  }
  CHECK(alive.expired());  // the last copy went with its thread: the queue and its model are gone
  for (int t = 0; t < 4; ++t) CHECK(answers[t] == m(sample(static_cast<float>(t))));
}

TEST_CASE("a batcher nests in combinators; m's errors read sequence[0] > batcher[*]") {
  weft_test::watchdog guard("nesting", 30);
  const pair_sum m;
  const auto pipe = weft::sequence(weft::batcher(m, 1, 1ms), weft::fn<vec2, vec2>([](const vec2& v) { return 2.0f * v; }));
  CHECK(pipe(sample(2.0f)) == 2.0f * m(sample(2.0f)));
  CHECK(pipe(vec4::Constant(1.0f)) == 2.0f * m(vec4::Constant(1.0f)));  // an expression, bridged
  try {
    (void)pipe(sample(-1.0f));
    FAIL("no error");
  } catch (const weft::shape_error& e) {
    CHECK(e.path_text() == "sequence[0] > batcher[*] \"pairs\"");
  }
  const auto soft = weft::batcher(m, 1, 1ms) | weft::softmax;
  CHECK(std::abs(soft(sample(0.5f)).sum() - 1.0f) < 1e-6f);
}

TEST_CASE("xtensor samples (along axis 0 of the batch), and a borrowed model (std::ref)") {
  weft_test::watchdog guard("xtensor and std::ref", 30);
  const x_pairs xm;
  const auto xb = weft::batcher(xm, 2, 60s);
  using xin = x_pairs::input_type;
  std::vector<x_pairs::output_type> answers(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      const float k = static_cast<float>(t + 1);
      answers[t] = xb(xin{k, 0.0f, 0.0f, 10.0f * k});
    });
  for (auto& th : threads) th.join();
  CHECK(xm.log->read() == std::vector<long>{2});
  for (int t = 0; t < 2; ++t) {
    CHECK(answers[t](0) == 2.0f * static_cast<float>(t + 1));
    CHECK(answers[t](1) == 10.0f * static_cast<float>(t + 1));
  }

  const pair_sum m;
  const auto borrowed = weft::batcher(std::ref(m), 1, 1ms);
  static_assert(std::is_same_v<std::remove_const_t<decltype(borrowed)>, weft::batcher<std::reference_wrapper<const pair_sum>>>);
  CHECK(borrowed(sample(2.0f)) == m(sample(2.0f)));
  CHECK(m.log->read() == std::vector<long>{1});
}

TEST_CASE("after its first batch, a batch of the same size allocates nothing but m's own answer") {
  weft_test::watchdog guard("allocations per batch", 30);
  const x_quiet m;
  using xin = x_quiet::input_type;
  const auto b = weft::batcher(std::cref(m), 1, 60s);  // batches of one: the caller runs each at once
  CHECK(b(xin{1.0f, 2.0f, 3.0f})(0) == 3.0f);          // the first: the batch record, its input buffer
  const xt::xtensor<float, 2> one = xt::xtensor<float, 2>::from_shape({1, 3});
  const long m_own = allocations_during(1, [&] { (void)m.call_batch(one); });
  CHECK(m_own >= 1);
  float sum = 0.0f;
  const long through = allocations_during(20, [&] { sum += b(xin{1.0f, 2.0f, 3.0f})(0); });
  CHECK(sum == 60.0f);
  CHECK(through == 20 * m_own);
}
