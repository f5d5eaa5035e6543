// Tests for weft/errors.hpp under threads (built and run by the tsan preset too: WEFT_THREAD_TESTS).
// Regression test for /work/shared/repro/shared_error_object.cpp, parallel part: branches of a
// weft::par fan_out, called from several threads, all rethrow one stored weft::error. weft used to
// add its path segment to that shared object from every branch at once (a data race under TSan, and
// SEGV / use-after-free); now each branch throws a new error and the stored one is only read.
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/errors.hpp>
#include <weft/execution.hpp>
#include <weft/fan_out.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;

struct breaker {
  using input_type = vec4;
  using output_type = vec4;
  std::exception_ptr last;
  vec4 operator()(const vec4& v) const {
    if (last) std::rethrow_exception(last);
    return v;
  }
};

}  // namespace

TEST_CASE("par branches rethrowing one stored error, from four threads: each caller sees one segment") {
  const std::exception_ptr open = std::make_exception_ptr(weft::shape_error("f32[4]", "f32[3]"));
  auto fan = weft::fan_out(weft::par, breaker{open}, breaker{open}, breaker{open}, breaker{open});
  auto ens = weft::ensemble(weft::par, weft::mean, breaker{open}, breaker{open}, breaker{open});
  std::atomic<int> right{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        try {
          (void)fan(vec4::Zero());
          ++wrong;
        } catch (const weft::shape_error& e) {
          // The lowest failing branch's error reaches the caller, with its own segment only.
          (e.path_text() == "fan_out[0]" ? right : wrong)++;
        }
        try {
          (void)ens(vec4::Zero());
          ++wrong;
        } catch (const weft::shape_error& e) {
          (e.path_text() == "ensemble[0]" ? right : wrong)++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong.load() == 0);
  CHECK(right.load() == 4 * 50 * 2);
  try {
    std::rethrow_exception(open);
  } catch (const weft::shape_error& stored) {
    CHECK(stored.path().empty());
    CHECK(std::string(stored.what()) == "weft: shape_error: expected f32[4], got f32[3]");
  }
}
