// Tests for weft/torch.hpp: TorchScript models (tests/data/torch, written by scripts/models/torch.py)
// against Python's outputs, the checks at load, the checks during calls, composition, and the
// promises on copies (shared state, no input copy).
#include <weft/torch.hpp>

#include <weft/batched.hpp>
#include <weft/eigen.hpp>
#include <weft/model.hpp>
#include <weft/sequence.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>


#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#if defined(WEFT_TEST_CONFIG)
#include <weft/config.hpp>
#include <weft/config/torch.hpp>
#endif
#include "../support/alloc_counter.hpp"  // replaces the global operator new: counts allocations

namespace {
using vec8 = Eigen::Matrix<float, 8, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using vec4 = Eigen::Matrix<float, 4, 1>;
using batch8 = Eigen::Matrix<float, 8, Eigen::Dynamic>;
using xvec8 = xt::xtensor_fixed<float, xt::xshape<8>>;
using xvec3 = xt::xtensor_fixed<float, xt::xshape<3>>;
using mlp = weft::torch_model<vec8, vec3>;

std::string data(const std::string& file) { return std::string(WEFT_TEST_DATA) + "/torch/" + file; }

/// The rows of a whitespace-separated text file written by scripts/models/torch.py.
template <class T>
std::vector<std::vector<T>> rows(const std::string& file) {
  std::ifstream in(data(file));
  REQUIRE(in);
  std::vector<std::vector<T>> result;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::vector<T> row;
    for (T v; fields >> v;) row.push_back(v);
    result.push_back(row);
  }
  REQUIRE(result.size() == 5);
  return result;
}

/// The samples of file as the columns of an Eigen batch.
template <class S>
Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> columns(const std::string& file) {
  const auto r = rows<S>(file);
  Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> m(static_cast<Eigen::Index>(r[0].size()),
                                                     static_cast<Eigen::Index>(r.size()));
  for (std::size_t j = 0; j < r.size(); ++j)
    for (std::size_t i = 0; i < r[j].size(); ++i) m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = r[j][i];
  return m;
}

template <class A, class B>
void check_close(const A& actual, const B& expected, double tolerance = 1e-5) {
  REQUIRE(actual.size() == expected.size());
  for (Eigen::Index i = 0; i < expected.size(); ++i)
    CHECK(std::abs(static_cast<double>(actual(i)) - static_cast<double>(expected(i))) <= tolerance);
}

/// The load_error that building a torch_model<In, Out> from file throws (fails the test when none).
template <class In, class Out>
weft::load_error load_failure(const std::string& file, weft::torch_options options = {}) {
  try {
    weft::torch_model<In, Out> m{data(file), options};
  } catch (const weft::load_error& e) {
    CHECK(e.file() == data(file));
    return e;
  }
  FAIL("no load_error for " << file);
  return weft::load_error("", "", "", "");
}

/// A hand-written Eigen stage: scales its input.
struct scale {
  using input_type = vec8;
  using output_type = vec8;
  float factor = 1;
  output_type operator()(const input_type& x) const { return factor * x; }
};

static_assert(weft::model<mlp>);
static_assert(weft::batch_native<mlp>);
static_assert(weft::detail::declares_input_shape<mlp> && weft::detail::declares_output_shape<mlp>);
static_assert(std::is_same_v<weft::batch_t<vec8>, batch8>);
}  // namespace

TEST_CASE("torch: an Eigen fixed model matches Python per sample and per batch") {
  const mlp m{data("mlp_8_3.pt")};
  CHECK(m.name == "mlp_8_3.pt");
  CHECK(m.input_shape() == weft::shape{8});
  CHECK(m.output_shape() == weft::shape{3});
  const auto in = columns<float>("inputs.txt");
  const auto expected = columns<float>("mlp_8_3.expected.txt");
  for (Eigen::Index j = 0; j < in.cols(); ++j) check_close(m(vec8(in.col(j))), expected.col(j));
  const batch8 batch = in;
  const Eigen::Matrix<float, 3, Eigen::Dynamic> out = m.call_batch(batch);
  CHECK(out.cols() == 5);
  check_close(out, expected);
  // weft::batched over the model gives the same answers.
  check_close(weft::batched(m)(batch), expected);
}

TEST_CASE("torch: an Eigen dynamic model with a declared input shape") {
  using dyn_mlp = weft::torch_model<Eigen::VectorXf, Eigen::VectorXf>;
  const dyn_mlp m{data("mlp_8_3.pt"), {.input_shape = weft::shape{8}}};
  CHECK(m.input_shape() == weft::shape{8});
  CHECK(m.output_shape() == weft::shape{3});
  const auto in = columns<float>("inputs.txt");
  const auto expected = columns<float>("mlp_8_3.expected.txt");
  for (Eigen::Index j = 0; j < in.cols(); ++j) {
    const Eigen::VectorXf y = m(Eigen::VectorXf(in.col(j)));
    CHECK(y.size() == 3);
    check_close(y, expected.col(j));
  }
  const Eigen::MatrixXf out = m.call_batch(in);
  CHECK(out.rows() == 3);
  check_close(out, expected);

  SUBCASE("a sample of another width is a shape_error before libtorch sees it") {
    try {
      (void)m(Eigen::VectorXf::Zero(7));
      FAIL("no shape_error");
    } catch (const weft::shape_error& e) {
      CHECK(std::string(e.what()).find("expected f32[8], got f32[7]") != std::string::npos);
    }
    try {
      (void)m.call_batch(Eigen::MatrixXf::Zero(7, 2));
      FAIL("no shape_error");
    } catch (const weft::shape_error& e) {
      CHECK(std::string(e.what()).find("expected f32[8,?], got f32[7,2]") != std::string::npos);
    }
  }
}

TEST_CASE("torch: an xtensor model matches Python per sample and per batch") {
  const weft::torch_model<xvec8, xvec3> m{data("mlp_8_3.pt")};
  const auto in = rows<float>("inputs.txt");
  const auto expected = rows<float>("mlp_8_3.expected.txt");
  xt::xtensor<float, 2> batch = xt::zeros<float>({std::size_t{5}, std::size_t{8}});
  for (std::size_t j = 0; j < 5; ++j) {
    xvec8 x;
    for (std::size_t i = 0; i < 8; ++i) x(i) = batch(j, i) = in[j][i];
    const xvec3 y = m(x);
    for (std::size_t i = 0; i < 3; ++i) CHECK(std::abs(y(i) - expected[j][i]) <= 1e-5);
  }
  const xt::xtensor<float, 2> out = m.call_batch(batch);
  REQUIRE(out.shape()[0] == 5);
  REQUIRE(out.shape()[1] == 3);
  for (std::size_t j = 0; j < 5; ++j)
    for (std::size_t i = 0; i < 3; ++i) CHECK(std::abs(out(j, i) - expected[j][i]) <= 1e-5);

  SUBCASE("a batch of another sample width is a shape_error") {
    CHECK_THROWS_AS((void)m.call_batch(xt::xtensor<float, 2>(xt::zeros<float>({2, 6}))), weft::shape_error);
  }
}

TEST_CASE("torch: rank-2 samples keep the row-major index order, in either Eigen layout") {
  // The MLP flattens each sample row-major (x.flatten(1)), as PyTorch does.
  const auto in = columns<float>("inputs.txt");
  const auto expected = columns<float>("mlp_8_3.expected.txt");
  const weft::torch_model<Eigen::Matrix<float, 2, 4>, vec3> col_major{data("mlp_8_3.pt")};
  const weft::torch_model<Eigen::Matrix<float, 2, 4, Eigen::RowMajor>, vec3> row_major{data("mlp_8_3.pt")};
  CHECK(col_major.input_shape() == weft::shape{2, 4});
  for (Eigen::Index j = 0; j < in.cols(); ++j) {
    Eigen::Matrix<float, 2, 4> c;
    Eigen::Matrix<float, 2, 4, Eigen::RowMajor> r;
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 4; ++k) c(i, k) = r(i, k) = in(i * 4 + k, j);
    check_close(col_major(c), expected.col(j));
    check_close(row_major(r), expected.col(j));
  }
}

TEST_CASE("torch: float64 and int64 models") {
  const weft::torch_model<Eigen::Matrix<double, 8, 1>, Eigen::Matrix<double, 3, 1>> f64{data("mlp_8_3_f64.pt")};
  const auto in = columns<double>("inputs.txt");
  const auto expected = columns<double>("mlp_8_3_f64.expected.txt");
  // The inputs are float32 values: the same numbers Python fed its float64 model.
  for (Eigen::Index j = 0; j < in.cols(); ++j)
    check_close(f64(Eigen::Matrix<double, 8, 1>(in.col(j).cast<float>().cast<double>())), expected.col(j), 1e-12);

  using i8x = Eigen::Matrix<std::int64_t, 8, 1>;
  using i3x = Eigen::Matrix<std::int64_t, 3, 1>;
  const weft::torch_model<i8x, i3x> count{data("count_i64.pt")};
  const auto ints = columns<std::int64_t>("inputs_i64.txt");
  const auto counted = columns<std::int64_t>("count_i64.expected.txt");
  for (Eigen::Index j = 0; j < ints.cols(); ++j) CHECK(count(i8x(ints.col(j))) == i3x(counted.col(j)));
  const Eigen::Matrix<std::int64_t, 8, Eigen::Dynamic> int_batch = ints;
  CHECK(count.call_batch(int_batch) == counted);
}

TEST_CASE("torch: files that do not fit are load_errors naming the file, the tensor and both specs") {
  SUBCASE("missing") {
    const auto e = load_failure<vec8, vec3>("no_such_model.pt");
    CHECK(e.tensor().empty());
    CHECK(e.actual() == "no such file");
    CHECK(std::string(e.what()).find("no_such_model.pt") != std::string::npos);
  }
  SUBCASE("corrupt") {
    const auto e = load_failure<vec8, vec3>("corrupt.pt");
    CHECK(e.tensor().empty());
    CHECK(e.actual().find("not a TorchScript module") != std::string::npos);
    CHECK(e.actual().find("PytorchStreamReader failed reading zip archive") != std::string::npos);
  }
  SUBCASE("another input width: the probe fails, libtorch's text kept") {
    const auto e = load_failure<vec8, vec3>("mlp_6_3.pt");
    CHECK(e.tensor() == "input");
    CHECK(e.expected() == "f32[8]");
    CHECK(e.actual().find("the probe failed") != std::string::npos);
    CHECK(e.actual().find("mat1 and mat2 shapes cannot be multiplied (1x8 and 6x16)") != std::string::npos);
  }
  SUBCASE("another output width") {
    const auto e = load_failure<vec8, vec4>("mlp_8_3.pt");
    CHECK(e.tensor() == "output");
    CHECK(e.expected() == "f32[4]");
    CHECK(e.actual() == "f32[3]");
    CHECK(std::string(e.what()).find("expected f32[4], got f32[3]") != std::string::npos);
  }
  SUBCASE("another output rank") {
    const auto e = load_failure<vec8, vec3>("wrong_rank.pt");
    CHECK(e.tensor() == "output");
    CHECK(e.expected() == "f32[3]");
    CHECK(e.actual() == "f32[3,1]");
  }
  SUBCASE("another output element type") {
    using i8x = Eigen::Matrix<std::int64_t, 8, 1>;
    const auto e = load_failure<i8x, vec3>("count_i64.pt");
    CHECK(e.tensor() == "output");
    CHECK(e.expected() == "f32[3]");
    CHECK(e.actual() == "i64[3]");
  }
  SUBCASE("another input element type: the probe fails") {
    const auto e = load_failure<Eigen::Matrix<double, 8, 1>, Eigen::Matrix<double, 3, 1>>("mlp_8_3.pt");
    CHECK(e.tensor() == "input");
    CHECK(e.expected() == "f64[8]");
  }
  SUBCASE("a dynamic input without a declared shape") {
    const auto e = load_failure<Eigen::VectorXf, vec3>("mlp_8_3.pt");
    CHECK(e.tensor() == "input");
    CHECK(e.expected().find("f32[?]") != std::string::npos);
    CHECK(e.actual().find("torch_options{.input_shape") != std::string::npos);
  }
  SUBCASE("a declared input shape that In's static extents rule out") {
    const auto e = load_failure<vec8, vec3>("mlp_8_3.pt", {.input_shape = weft::shape{6}});
    CHECK(e.tensor() == "input");
    CHECK(e.expected() == "f32[8]");
    CHECK(e.actual() == "f32[6] (torch_options::input_shape)");
  }
}

TEST_CASE("torch: an answer that changes shape after the probe is an inference_error, not a misread") {
  const mlp m{data("shape_shift.pt")};
  vec8 x = vec8::Constant(1.0f);
  check_close(m(x), vec3::Constant(2.0f));
  x = vec8::Constant(200.0f);  // sums above 1000: the model answers with 4 values
  try {
    (void)m(x);
    FAIL("no inference_error");
  } catch (const weft::inference_error& e) {
    CHECK(e.runtime() == "torch");
    CHECK(e.file() == data("shape_shift.pt"));
    CHECK(e.runtime_message() == "returned f32[1,4], expected f32[1,3] (the output of the probe at load)");
  }
  batch8 batch = batch8::Constant(8, 2, 200.0f);
  CHECK_THROWS_AS((void)m.call_batch(batch), weft::inference_error);
}

TEST_CASE("torch: libtorch's failure during a call is an inference_error with its text") {
  const mlp m{data("shape_shift.pt")};
  try {
    (void)m(vec8::Constant(-200.0f));  // sums below -1000: the model raises
    FAIL("no inference_error");
  } catch (const weft::inference_error& e) {
    CHECK(e.runtime_message().find("weft test: the values sum below -1000") != std::string::npos);
  }
}

TEST_CASE("torch: inside a sequence, with a hand-written Eigen stage") {
  const mlp m{data("mlp_8_3.pt")};
  const auto pipeline = weft::sequence(scale{2.0f}, m);
  const auto in = columns<float>("inputs.txt");
  for (Eigen::Index j = 0; j < in.cols(); ++j) {
    const vec8 x = in.col(j);
    check_close(pipeline(x), m(vec8(2.0f * x)));
  }

  SUBCASE("an error gains the stage path") {
    const auto shifting = weft::sequence(scale{100.0f}, mlp{data("shape_shift.pt")});
    try {
      (void)shifting(vec8::Constant(2.0f));
      FAIL("no inference_error");
    } catch (const weft::inference_error& e) {
      CHECK(std::string(e.what()).find("sequence[1] \"shape_shift.pt\"") != std::string::npos);
    }
  }
  SUBCASE("a dynamic model's declared shape is checked when the sequence is built") {
    using dyn_mlp = weft::torch_model<Eigen::VectorXf, Eigen::VectorXf>;
    const dyn_mlp six{data("mlp_6_3.pt"), {.input_shape = weft::shape{6}}};
    CHECK_THROWS_AS((void)weft::sequence(scale{1.0f}, six), weft::shape_error);
  }
}

TEST_CASE("torch: copies share one state") {
  const mlp a{data("mlp_8_3.pt")};
  const mlp b = a;  // NOLINT(performance-unnecessary-copy-initialization): the copy is the point
  CHECK(&a.path() == &b.path());
  CHECK(a(vec8::Ones()) == b(vec8::Ones()));
}

TEST_CASE("torch: the caller's input is not copied (libtorch sees the caller's own buffer)") {
  // writes_input.pt doubles its input in place: the change shows in the caller's buffer only if
  // from_blob wrapped that buffer (weft itself never writes an input; this model breaks the rules).
  const mlp m{data("writes_input.pt")};
  vec8 x;
  x << 1, 2, 3, 4, 5, 6, 7, 8;
  const vec3 y = m(x);
  CHECK(y == vec3(2, 4, 6));
  CHECK(x == vec8(2, 4, 6, 8, 10, 12, 14, 16));

  batch8 batch = batch8::Ones(8, 3);
  const Eigen::Matrix<float, 3, Eigen::Dynamic> out = m.call_batch(batch);
  CHECK(out == Eigen::Matrix<float, 3, Eigen::Dynamic>::Constant(3, 3, 2.0f));
  CHECK(batch == batch8::Constant(8, 3, 2.0f));

  const weft::torch_model<xvec8, xvec3> xm{data("writes_input.pt")};
  xt::xtensor<float, 2> xbatch = xt::ones<float>({2, 8});
  (void)xm.call_batch(xbatch);
  CHECK(xbatch(1, 7) == 2.0f);
}

TEST_CASE("torch: an empty batch returns an empty batch") {
  const mlp m{data("mlp_8_3.pt")};
  const Eigen::Matrix<float, 3, Eigen::Dynamic> out = m.call_batch(batch8(8, 0));
  CHECK(out.cols() == 0);
}

// =============================================================================================
// What weft adds around libtorch's own work. Every operator new call made
// during weft's call is counted (tests/support/alloc_counter.hpp) and compared with the same work
// done by hand on a module loaded from the same file (from_blob over the caller's buffer, forward
// under InferenceMode, one memcpy of the answer into the result): equal counts mean weft adds no
// tensor or buffer of its own, so the answer reaches the caller through the one copy both make.
// =============================================================================================

namespace {

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

#if defined(WEFT_TEST_CONFIG)
// weft/config/torch.hpp, here rather than in a config_torch.cpp: a second libtorch TU costs CI minutes.
TEST_CASE("torch: register_torch makes {\"torch\": \"net.pt\"} a configured stage, checked at load") {
  weft::registry reg;
  weft::register_torch(reg);
  const std::string dir = std::string(WEFT_TEST_DATA) + "/torch";
  const auto p = weft::load_pipeline<vec8, vec3>(reg, weft::parse_config(R"({"stages": [{"torch": "mlp_8_3.pt"}]})"),
                                                 dir);
  CHECK(p.output_shape() == weft::shape{3});
  const auto in = columns<float>("inputs.txt");
  const auto expected = columns<float>("mlp_8_3.expected.txt");
  for (Eigen::Index j = 0; j < in.cols(); ++j) check_close(p(vec8(in.col(j))), expected.col(j));
  CHECK(p.root().canonical_json()["stages"][0] == nlohmann::json{{"torch", "mlp_8_3.pt"}, {"input_shape", {8}}});
  // A file whose probe answers another extent than the pipeline's output takes: at the pointer.
  try {
    (void)weft::load_pipeline<vec8, vec4>(reg, weft::parse_config(R"({"stages": [{"torch": "mlp_8_3.pt"}]})"), dir);
    FAIL("no config_error");
  } catch (const weft::config_error& e) {
    CHECK(e.pointer() == "");
    CHECK(e.expected() == "f32[4]");
    CHECK(e.actual() == "f32[3]");
  }
  // A corrupt file: the runtime's load_error is the cause.
  try {
    (void)weft::load_pipeline<vec8, vec3>(reg, weft::parse_config(R"({"stages": [{"torch": "corrupt.pt"}]})"), dir);
    FAIL("no config_error");
  } catch (const weft::config_error& e) {
    CHECK(e.pointer() == "/stages/0/torch");
    REQUIRE(e.cause());
    CHECK_THROWS_AS(std::rethrow_exception(e.cause()), weft::load_error);
  }
}
#endif
