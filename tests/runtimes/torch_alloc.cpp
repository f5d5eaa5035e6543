// Tests for weft/torch.hpp: what weft adds around libtorch's own work. Every operator new call made
// during weft's call is counted (tests/support/alloc_counter.hpp) and compared with the same work
// done by hand on a module loaded from the same file (from_blob over the caller's buffer, forward
// under InferenceMode, one memcpy of the answer into the result): equal counts mean weft adds no
// tensor or buffer of its own, so the answer reaches the caller through the one copy both make.
#include <weft/eigen.hpp>
#include <weft/torch.hpp>

#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../support/alloc_counter.hpp"  // replaces the global operator new: counts allocations

namespace {

using vec8 = Eigen::Matrix<float, 8, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using batch8 = Eigen::Matrix<float, 8, Eigen::Dynamic>;
using batch3 = Eigen::Matrix<float, 3, Eigen::Dynamic>;

std::string mlp_file() { return std::string(WEFT_TEST_DATA) + "/torch/mlp_8_3.pt"; }

/// The hand-written call: what a libtorch user writes for count samples at in, copied into out.
void by_hand(torch::jit::Module& module, const float* in, std::int64_t count, float* out) {
  const c10::InferenceMode inference;
  const at::Tensor input = torch::from_blob(const_cast<float*>(in), {count, 8}, torch::dtype(torch::kFloat32));
  std::vector<c10::IValue> args{input};
  const at::Tensor answer = module.forward(std::move(args)).toTensor();
  std::memcpy(out, answer.data_ptr<float>(), static_cast<std::size_t>(answer.numel()) * sizeof(float));
}

}  // namespace

TEST_CASE("torch: a call allocates through operator new exactly what the same libtorch calls by hand do") {
  const weft::torch_model<vec8, vec3> m{mlp_file()};
  torch::jit::Module module = torch::jit::load(mlp_file());
  module.eval();
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  batch8 batch(8, 16);
  for (Eigen::Index k = 0; k < batch.size(); ++k) batch.data()[k] = normal(rng);
  const vec8 x = batch.col(0);

  vec3 hand_one;
  batch3 hand_batch(3, 16);
  for (int warm = 0; warm < 2; ++warm) {  // both run their first calls before counting
    (void)m(x);
    (void)m.call_batch(batch);
    by_hand(module, x.data(), 1, hand_one.data());
    by_hand(module, batch.data(), 16, hand_batch.data());
  }

  SUBCASE("one sample") {
    vec3 out;
    const long weft_count = allocations_during(10, [&] { out = m(x); });
    const long hand_count = allocations_during(10, [&] { by_hand(module, x.data(), 1, hand_one.data()); });
    CHECK(hand_count > 0);  // the count sees the runtime's own work: the comparison means something
    CHECK(weft_count == hand_count);
    CHECK(out == hand_one);
  }
  SUBCASE("a batch of 16") {
    batch3 out;
    const long weft_count = allocations_during(10, [&] { out = m.call_batch(batch); });
    const long hand_count = allocations_during(10, [&] { by_hand(module, batch.data(), 16, hand_batch.data()); });
    CHECK(hand_count > 0);
    CHECK(weft_count == hand_count);
    CHECK(out == hand_batch);
  }
}
