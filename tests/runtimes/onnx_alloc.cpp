// Tests for weft/onnx.hpp: what weft adds around OpenCV's own work. Every operator new call made
// during weft's call is counted (tests/support/alloc_counter.hpp) and compared with the same work
// done by hand on a Net of the same file (setInput over the caller's buffer, forward by name, one
// copy of the output blob into the result): equal counts mean weft adds no buffer of its own, so
// the output reaches the caller through the one copy both make. OpenCV's blob memory comes from
// cv::fastMalloc (malloc) in both, and Eigen's from malloc: neither is counted.
#include <weft/eigen.hpp>
#include <weft/onnx.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <random>

#include "../support/alloc_counter.hpp"  // replaces the global operator new: counts allocations
#include "onnx_test_data.hpp"

namespace {

using vec8 = Eigen::Matrix<float, 8, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using batch8 = Eigen::Matrix<float, 8, Eigen::Dynamic>;
using batch3 = Eigen::Matrix<float, 3, Eigen::Dynamic>;

/// The hand-written call: what an OpenCV user writes for count samples at in, copied into out.
void by_hand(cv::dnn::Net& net, const weft::onnx_model<vec8, vec3>& m, const float* in, int count, float* out) {
  const std::array<int, 2> sizes{count, 8};
  const cv::Mat input(2, sizes.data(), CV_32F, const_cast<float*>(in));
  net.setInput(input, m.input_name());
  const cv::Mat blob = net.forward(m.output_name());
  std::copy_n(blob.ptr<float>(), static_cast<std::ptrdiff_t>(count) * 3, out);
}

}  // namespace

TEST_CASE("a call allocates through operator new exactly what the same OpenCV calls by hand allocate") {
  const weft::onnx_model<vec8, vec3> m{onnx_test::file("mlp.onnx")};
  cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx_test::file("mlp.onnx"));
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  batch8 batch(8, 16);
  for (Eigen::Index k = 0; k < batch.size(); ++k) batch.data()[k] = normal(rng);
  const vec8 x = batch.col(0);

  // Warm both up: the first calls build the Net's layers (weft's pool builds its Net on demand).
  vec3 hand_one;
  batch3 hand_batch(3, 16);
  for (int warm = 0; warm < 2; ++warm) {
    (void)m(x);
    (void)m.call_batch(batch);
    by_hand(net, m, x.data(), 1, hand_one.data());
    by_hand(net, m, batch.data(), 16, hand_batch.data());
  }

  SUBCASE("one sample") {
    vec3 out;
    const long weft_count = allocations_during(10, [&] { out = m(x); });
    const long hand_count = allocations_during(10, [&] { by_hand(net, m, x.data(), 1, hand_one.data()); });
    CHECK(hand_count > 0);  // the count sees the runtime's own work: the comparison means something
    CHECK(weft_count == hand_count);
    CHECK(out == hand_one);
  }
  SUBCASE("a batch of 16") {
    batch3 out;
    const long weft_count = allocations_during(10, [&] { out = m.call_batch(batch); });
    const long hand_count = allocations_during(10, [&] { by_hand(net, m, batch.data(), 16, hand_batch.data()); });
    CHECK(hand_count > 0);
    CHECK(weft_count == hand_count);
    CHECK(out == hand_batch);
  }
}
