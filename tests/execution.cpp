// Tests for weft/execution.hpp with fan_out: par and on(executor) give the sequential results bit
// for bit; nested par completes on every kind of executor (weft's pool of one thread, the default
// pool, an inline executor, an event loop the calling thread pumps later, a late one); exceptions
// (lowest branch first, not kept by any task); slow branches finish before the call returns; a
// refusing executor; a stopped pool; a stress test. Every case that could hang runs under a
// watchdog (tests/support/watchdog.hpp). Runs under ThreadSanitizer (preset tsan). The allocation
// counts are in execution_alloc.cpp: TSan's runtime owns operator new, so a counting replacement
// cannot link there. oneTBB arenas: tests/tbb.cpp. Exit-time rules: tests/exit/.
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/execution.hpp>
#include <weft/fan_out.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/watchdog.hpp"

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

// An executor that runs each task on a fresh thread, after a delay. Thread-safe: nested calls submit
// from its own threads.
struct late_executor {
  std::mutex mutex;
  std::vector<std::thread> threads;
  void submit(weft::task& t) {
    std::lock_guard lock(mutex);
    threads.emplace_back([&t] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      t.run();
    });
  }
  ~late_executor() {
    for (;;) {  // a thread being joined may still submit (a nested call)
      std::vector<std::thread> batch;
      {
        std::lock_guard lock(mutex);
        batch.swap(threads);
      }
      if (batch.empty()) return;
      for (auto& th : batch) th.join();
    }
  }
};
// An executor that runs each task inside submit, on the calling thread.
struct inline_executor {
  int submitted = 0;
  void submit(weft::task& t) {
    ++submitted;
    t.run();
  }
};

// An executor served later by the calling thread's own loop (tests the repro
// same_thread_executor_hang.cpp): submit queues, pump() runs what is queued.
struct event_loop {
  std::deque<weft::task*> queue;
  int submitted = 0;
  void submit(weft::task& t) {
    ++submitted;
    queue.push_back(&t);
  }
  int pump() {
    int ran = 0;
    while (!queue.empty()) {
      weft::task* t = queue.front();
      queue.pop_front();
      t->run();
      ++ran;
    }
    return ran;
  }
};

// Counts its calls; returns its input times `factor`.
struct counted {
  using input_type = vec;
  using output_type = vec;
  std::atomic<int>* calls;
  float factor;
  output_type operator()(const input_type& x) const {
    calls->fetch_add(1);
    return x * factor;
  }
};

// An exception that counts its live objects: shows whether any task still holds it.
struct counted_error : std::runtime_error {
  static inline std::atomic<int> live{0};
  explicit counted_error(const char* what) : std::runtime_error(what) { ++live; }
  counted_error(const counted_error& other) : std::runtime_error(other) { ++live; }
  ~counted_error() override { --live; }
};
template <int N>
struct fails_counted {
  using input_type = vec;
  using output_type = vec;
  output_type operator()(const input_type&) const { throw counted_error(N == 1 ? "branch 1" : "branch 2"); }
};

static_assert(weft::executor<refusing_executor>);
static_assert(weft::executor<inline_executor>);
static_assert(weft::executor<event_loop>);
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
  weft_test::watchdog guard("nested par ensemble on thread_pool(1)", 10);
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
  weft_test::watchdog guard("nested par fan_out on thread_pool(1)", 10);
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
  weft_test::watchdog guard("fan_out on late_executor", 10);
  std::atomic<bool> finished{false};
  late_executor late;
  auto f = weft::fan_out(weft::on(late), affine(1), affine(2), slow{&finished});
  auto s = weft::fan_out(affine(1), affine(2), slow{&finished});
  const auto a = f(input(1));
  CHECK(finished.load());
  CHECK(std::get<1>(a) == std::get<1>(s(input(1))));
}

TEST_CASE("stress: 10,000 calls of one shared par ensemble from 4 threads equal sequential") {
  weft_test::watchdog guard("stress on the default pool", 60);
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

// The nested shape of the repros: a par fan_out whose branches are par ensembles, on one executor.
// Built on one thread (affine's constructor uses std::rand); calls returns the number of results
// that differ from the sequential ones, so it may be called from any thread.
template <class Policy>
struct nested_case {
  using inner_type = weft::ensemble<Policy, weft::mean_t, affine, affine>;
  inner_type inner;
  weft::fan_out<Policy, std::reference_wrapper<inner_type>, std::reference_wrapper<inner_type>,
                std::reference_wrapper<inner_type>>
      outer;
  weft::ensemble<weft::mean_t, affine, affine> reference;
  explicit nested_case(Policy policy)
      : inner(policy, weft::mean, affine(1), affine(2)),
        outer(policy, std::ref(inner), std::ref(inner), std::ref(inner)),
        reference(weft::mean, affine(1), affine(2)) {}
  nested_case(const nested_case&) = delete;
  int mismatches(int calls) const {
    int wrong = 0;
    for (int k = 0; k < calls; ++k) {
      const auto out = outer(input(k));
      const auto want = reference(input(k));
      wrong += std::get<0>(out) != want || std::get<1>(out) != want || std::get<2>(out) != want;
    }
    return wrong;
  }
};
template <class Policy>
void check_nested_calls(Policy policy, int calls) {
  const nested_case<Policy> c(policy);
  CHECK(c.mismatches(calls) == 0);
}

TEST_CASE("a nested par completes on the default pool, called from many threads at once") {
  weft_test::watchdog guard("nested par on the default pool", 30);
  const nested_case<weft::par_t> c(weft::par);
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t) callers.emplace_back([&] { wrong += c.mismatches(200); });
  wrong += c.mismatches(200);
  for (auto& th : callers) th.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("a nested par completes on an executor that runs tasks inline") {
  weft_test::watchdog guard("nested par on inline_executor", 10);
  inline_executor ex;
  check_nested_calls(weft::on(ex), 200);
  CHECK(ex.submitted == 200 * (2 + 3 * 1));  // outer: 2 tasks; each of 3 inner ensembles: 1
}

TEST_CASE("an executor served later by the calling thread: the call returns, the loop runs the tasks after") {
  // Covers same_thread_executor_hang.cpp: the ensemble call never returned.
  weft_test::watchdog guard("par on an event loop pumped later by the caller", 10);
  event_loop loop;
  std::atomic<int> calls{0};
  auto e = weft::ensemble(weft::on(loop), weft::mean, counted{&calls, 1}, counted{&calls, 2});
  const auto y = e(input(0));
  CHECK(y == input(0) * 1.5f);
  CHECK(calls.load() == 2);            // the caller ran both branches
  CHECK(loop.queue.size() == 1);       // the task it took back is still queued: it was not waited for
  CHECK(loop.pump() == 1);             // run() on a claimed-back task frees its block and runs nothing
  CHECK(calls.load() == 2);

  check_nested_calls(weft::on(loop), 200);
  CHECK(loop.pump() == 200 * (2 + 3 * 1));
}

TEST_CASE("a nested par completes on an executor that runs tasks late, on fresh threads") {
  weft_test::watchdog guard("nested par on late_executor", 30);
  late_executor late;
  check_nested_calls(weft::on(late), 5);
}

TEST_CASE("the lowest branch's exception reaches the caller and no task keeps it") {
  weft_test::watchdog guard("exceptions on an event loop and on the default pool", 10);
  event_loop loop;
  auto f = weft::fan_out(weft::on(loop), affine(1), fails_counted<1>{}, fails_counted<2>{});
  try {
    (void)f(input(0));
    FAIL("no exception");
  } catch (const counted_error& e) {
    CHECK(std::string(e.what()) == "branch 1");
    CHECK(counted_error::live.load() == 1);  // only the one in flight: branch 2's was dropped
  }
  CHECK(counted_error::live.load() == 0);  // the queued tasks (still alive) hold no exception
  CHECK(loop.pump() == 2);

  auto g = weft::fan_out(weft::par, fails_counted<2>{}, fails_counted<1>{});
  CHECK_THROWS_WITH_AS((void)g(input(0)), "branch 2", counted_error);
  CHECK(counted_error::live.load() == 0);
}

// A task that records whether it ran.
struct probe_task final : weft::task {
  std::atomic<bool> ran{false};
  probe_task() noexcept : weft::task(&body) {}
  static void body(weft::task* self) noexcept { static_cast<probe_task*>(self)->ran = true; }
};

TEST_CASE("a stopped pool refuses work; par on it runs every branch on the calling thread") {
  weft_test::watchdog guard("par on a stopped thread_pool", 10);
  weft::thread_pool pool(2);
  probe_task before;
  pool.submit(before);
  pool.stop();
  CHECK(before.ran.load());  // stop() runs what was queued before joining
  probe_task after;
  CHECK_THROWS_AS(pool.submit(after), std::runtime_error);
  CHECK_FALSE(after.ran.load());
  pool.stop();  // idempotent

  const auto caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  struct where {
    using input_type = vec;
    using output_type = vec;
    std::thread::id caller;
    std::atomic<int>* elsewhere;
    output_type operator()(const input_type& x) const {
      if (std::this_thread::get_id() != caller) elsewhere->fetch_add(1);
      return x;
    }
  };
  auto f = weft::fan_out(weft::on(pool), where{caller, &elsewhere}, affine(2), where{caller, &elsewhere});
  auto s = weft::fan_out(where{caller, &elsewhere}, affine(2), where{caller, &elsewhere});
  CHECK(f(input(4)) == s(input(4)));
  CHECK(elsewhere.load() == 0);
}
