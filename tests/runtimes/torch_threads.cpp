// Tests for weft/torch.hpp under threads (built by the tsan preset too): one torch_model and its
// copies called at once from weft::par branches and from plain std::threads, every answer compared
// with Python's. The module is shared (one std::shared_ptr<const state>; forward runs concurrently).
#include <weft/torch.hpp>

#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/execution.hpp>
#include <weft/fan_out.hpp>
#include <weft/reducers.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace {
using vec8 = Eigen::Matrix<float, 8, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using batch8 = Eigen::Matrix<float, 8, Eigen::Dynamic>;
using batch3 = Eigen::Matrix<float, 3, Eigen::Dynamic>;
using mlp = weft::torch_model<vec8, vec3>;

std::string data(const std::string& file) { return std::string(WEFT_TEST_DATA) + "/torch/" + file; }

/// The samples of a text file written by scripts/models/torch.py, one per column.
Eigen::MatrixXf columns(const std::string& file, Eigen::Index height) {
  std::ifstream in(data(file));
  REQUIRE(in);
  Eigen::MatrixXf m(height, 5);
  for (Eigen::Index j = 0; j < 5; ++j)
    for (Eigen::Index i = 0; i < height; ++i) in >> m(i, j);
  REQUIRE(in);
  return m;
}

template <class A, class B>
bool close(const A& actual, const B& expected) {
  return actual.size() == expected.size() && ((actual - expected).cwiseAbs().maxCoeff() <= 1e-5f);
}

constexpr int threads = 4;
constexpr int rounds = 100;
}  // namespace

TEST_CASE("torch threads: plain std::threads share one model and its copies") {
  const mlp m{data("mlp_8_3.pt")};
  const batch8 in = columns("inputs.txt", 8);
  const batch3 expected = columns("mlp_8_3.expected.txt", 3);
  std::atomic<int> wrong{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const mlp mine = m;  // a copy: the same shared state
      const mlp& use = (t % 2 == 0) ? m : mine;
      for (int r = 0; r < rounds; ++r) {
        const Eigen::Index j = (r + t) % in.cols();
        if (!close(use(vec8(in.col(j))), expected.col(j))) ++wrong;
        if (r % 10 == 0 && !close(use.call_batch(in), expected)) ++wrong;
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("torch threads: weft::par branches call one model at once") {
  const mlp m{data("mlp_8_3.pt")};
  const batch8 in = columns("inputs.txt", 8);
  const batch3 expected = columns("mlp_8_3.expected.txt", 3);
  const auto avg = weft::ensemble(weft::par, weft::mean, m, m, mlp{m});
  const auto both = weft::fan_out(weft::par, m, weft::torch_model<Eigen::VectorXf, Eigen::VectorXf>{
                                                    data("mlp_8_3.pt"), {.input_shape = weft::shape{8}}});
  int wrong = 0;
  for (int r = 0; r < rounds; ++r) {
    const Eigen::Index j = r % in.cols();
    const vec8 x = in.col(j);
    if (!close(avg(x), expected.col(j))) ++wrong;
    const auto [a, b] = both(x);
    if (!close(a, expected.col(j)) || !close(b, expected.col(j))) ++wrong;
  }
  CHECK(wrong == 0);
}
