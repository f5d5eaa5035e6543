// Tests for weft/observe.hpp under threads (built and run by the tsan preset too: WEFT_THREAD_TESTS):
// par branches (ensemble's, a route's chosen experts) report from the threads they run on, the context
// travelling with each branch, and
// timing_table and trace_json take events from several callers at once.
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/execution.hpp>
#include <weft/fan_out.hpp>
#include <weft/observe.hpp>
#include <weft/route.hpp>
#include <weft/sequence.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;

struct scale {
  using input_type = vec4;
  using output_type = vec4;
  float k = 1.0f;
  vec4 operator()(const vec4& x) const {
    std::this_thread::sleep_for(std::chrono::microseconds(50));  // long enough for branches to overlap
    return k * x;
  }
};

/// Remembers, per path, the threads it ran on; counts enters and exits (thread-safe).
struct thread_recorder {
  std::mutex mutex;
  std::set<std::string> paths;
  std::set<std::thread::id> threads;
  std::size_t enters = 0, exits = 0;
  void on_enter(const weft::stage_event& e) {
    const std::lock_guard<std::mutex> lock(mutex);
    ++enters;
    paths.insert(std::string(e.path));
  }
  void on_exit(const weft::stage_event&, std::chrono::nanoseconds) {
    const std::lock_guard<std::mutex> lock(mutex);
    ++exits;
    threads.insert(std::this_thread::get_id());
  }
};

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("par branches report their own paths, from the threads they run on") {
  const auto p = scale{2.0f} | weft::ensemble(weft::par, weft::mean, scale{1.0f}, scale{3.0f},
                                              weft::fan_out(weft::par, scale{1.0f}, scale{1.0f}) | weft::concat |
                                                  weft::fn<Eigen::Matrix<float, 8, 1>, vec4>(
                                                      [](const Eigen::Matrix<float, 8, 1>& v) -> vec4 {
                                                        return v.head<4>();
                                                      }));
  thread_recorder r;
  const auto o = weft::observe(p, r);
  const vec4 x(1, 2, 3, 4);
  for (int i = 0; i < 20; ++i) CHECK(o(x).isApprox(p(x)));
  const std::set<std::string> expected = {
      "",
      "sequence[0]",
      "sequence[1]",
      "sequence[1] > ensemble[0]",
      "sequence[1] > ensemble[1]",
      "sequence[1] > ensemble[2]",
      "sequence[1] > ensemble[2] > sequence[0]",
      "sequence[1] > ensemble[2] > sequence[0] > fan_out[0]",
      "sequence[1] > ensemble[2] > sequence[0] > fan_out[1]",
      "sequence[1] > ensemble[2] > sequence[1]",
      "sequence[1] > ensemble[2] > sequence[2]",
  };
  CHECK(r.paths == expected);
  CHECK(r.enters == 20 * expected.size());
  CHECK(r.exits == r.enters);
  CHECK(r.threads.size() >= 1);
}

TEST_CASE("timing_table and trace_json under four callers of a par ensemble") {
  const auto p = weft::ensemble(weft::par, weft::mean, scale{1.0f}, scale{2.0f}, scale{3.0f});
  weft::timing_table table;
  weft::trace_json trace;
  const auto timed = weft::observe(p, table);
  const auto traced = weft::observe(p, trace);
  constexpr int callers = 4, calls = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t) {
    threads.emplace_back([&] {
      const vec4 x(1, 2, 3, 4);
      for (int i = 0; i < calls; ++i) {
        (void)timed(x);
        (void)traced(x);
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto rows = table.rows();
  REQUIRE(rows.size() == 4);
  for (const auto& row : rows) {
    CAPTURE(row.path);
    CHECK(row.count == callers * calls);
  }
  const std::string json = trace.json();
  CHECK(occurrences(json, "\"ph\":\"X\"") == 4 * callers * calls);
  CHECK(occurrences(json, "\"name\":\"ensemble[2]\"") == callers * calls);
  CHECK(occurrences(json, "\"tid\":") == 4 * callers * calls);
  CHECK(occurrences(json, "\"tid\":2,") > 0);  // more than one thread reported
}

TEST_CASE("an observed route under par: the chosen experts report their paths, concurrently") {
  struct gate3 {
    using input_type = vec4;
    using output_type = Eigen::Matrix<float, 3, 1>;
    output_type operator()(const vec4&) const { return output_type(0.1f, 0.3f, 0.6f); }
  };
  const auto p = weft::route(weft::par, weft::top_k<2>, gate3{}, scale{1.0f}, scale{2.0f},
                             weft::sequence(scale{1.0f}, scale{3.0f}));
  thread_recorder r;
  const auto o = weft::observe(p, r);
  constexpr int callers = 3, calls = 10;
  const vec4 x(1, 2, 3, 4);
  const vec4 reference = p(x);
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < calls; ++i) right += o(x).isApprox(reference) ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(right.load() == callers * calls);
  CHECK(reference.isApprox((0.3f * 2.0f + 0.6f * 3.0f) / 0.9f * x));
  const std::set<std::string> expected = {"", "route[1]", "route[2]", "route[2] > sequence[0]",
                                          "route[2] > sequence[1]"};
  CHECK(r.paths == expected);  // expert 0 never chosen, the gate not a stage
  CHECK(r.enters == callers * calls * expected.size());
  CHECK(r.exits == r.enters);
}
