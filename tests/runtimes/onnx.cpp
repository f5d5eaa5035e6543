// Tests for weft/onnx.hpp: ONNX files written by scripts/models/onnx.py (tests/data/onnx/), run through
// OpenCV's DNN module, against the outputs Python computed; every load_error; run-time shape checks;
// composition with hand-written Eigen stages.
#include <weft/onnx.hpp>
#include <weft/weft.hpp>

#include <doctest/doctest.h>

#include <xtensor/xview.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "../support/alloc_counter.hpp"  // replaces the global operator new: counts allocations
#include "onnx_test_data.hpp"

namespace {
using vec8 = Eigen::Matrix<float, 8, 1>;
using vec6 = Eigen::Matrix<float, 6, 1>;
using vec4 = Eigen::Matrix<float, 4, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using vec1 = Eigen::Matrix<float, 1, 1>;
using vecx = Eigen::VectorXf;
using batch8 = Eigen::Matrix<float, 8, Eigen::Dynamic>;
using batch3 = Eigen::Matrix<float, 3, Eigen::Dynamic>;
using xvec8 = xt::xtensor_fixed<float, xt::xshape<8>>;
using xvec3 = xt::xtensor_fixed<float, xt::xshape<3>>;
using xvec = xt::xtensor<float, 1>;
using x2x4 = xt::xtensor_fixed<float, xt::xshape<2, 4>>;

using mlp_fixed = weft::onnx_model<vec8, vec3>;
using mlp_dynamic = weft::onnx_model<vecx, vecx>;

static_assert(weft::model<mlp_fixed> && weft::model<mlp_dynamic> && weft::model<weft::onnx_model<xvec8, xvec>>);
static_assert(weft::batch_native<mlp_fixed> && weft::batch_native<mlp_dynamic> &&
              weft::batch_native<weft::onnx_model<xvec8, xvec3>>);
static_assert(std::is_same_v<weft::batch_t<vec8>, batch8>);

constexpr double tolerance = 1e-5;

/// The inputs Python used, one vector per row.
std::vector<std::vector<float>> inputs() { return onnx_test::csv("inputs.csv"); }

template <class V>
V eigen_of(const std::vector<float>& row) {
  V v(static_cast<Eigen::Index>(row.size()));
  for (std::size_t i = 0; i < row.size(); ++i) v(static_cast<Eigen::Index>(i)) = row[i];
  return v;
}

/// Element i of a tensor of either backend, as a double.
template <class T>
double at(const T& t, std::size_t i) {
  if constexpr (weft::tensor_traits<T>::backend == weft::backend::eigen) return t(static_cast<Eigen::Index>(i));
  else return t(i);
}

template <class T>
void check_row(const T& got, const std::vector<float>& expected) {
  REQUIRE(static_cast<std::size_t>(got.size()) == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(std::abs(at(got, i) - expected[i]) <= tolerance);
}

/// The exception of type E that f throws (fails the test when it throws none or another).
template <class E, class F>
E caught(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e;
  }
  FAIL("no exception of the expected type");
  throw std::logic_error("unreachable");
}

template <class M>
weft::load_error load_failure(const std::string& name, weft::onnx_options options = {}) {
  return caught<weft::load_error>([&] { M m(onnx_test::file(name), options); });
}
}  // namespace

namespace {
/// A hand-written Eigen stage: y = 2x.
struct doubler {
  using input_type = vec8;
  using output_type = vec8;
  output_type operator()(const input_type& x) const { return 2.0f * x; }
};
/// A hand-written Eigen classifier: the first three inputs.
struct head3 {
  using input_type = vec8;
  using output_type = vec3;
  output_type operator()(const input_type& x) const { return x.head<3>(); }
};
}  // namespace

TEST_CASE("onnx: per-sample calls match PyTorch's outputs (Eigen fixed, Eigen dynamic, xtensor)") {
  const auto rows = inputs();
  const auto expected = onnx_test::csv("mlp_expected.csv");
  REQUIRE(rows.size() == 5);
  REQUIRE(expected.size() == rows.size());
  const mlp_fixed fixed(onnx_test::file("mlp.onnx"));
  const mlp_dynamic dynamic(onnx_test::file("mlp.onnx"));
  const weft::onnx_model<xvec8, xvec> xt_model(onnx_test::file("mlp.onnx"));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    CAPTURE(r);
    check_row(fixed(eigen_of<vec8>(rows[r])), expected[r]);
    check_row(dynamic(eigen_of<vecx>(rows[r])), expected[r]);
    xvec8 x;
    std::copy(rows[r].begin(), rows[r].end(), x.begin());
    check_row(xt_model(x), expected[r]);
  }
  CHECK(fixed.input_shape() == weft::shape{8});
  CHECK(fixed.output_shape() == weft::shape{3});
  CHECK(dynamic.input_shape() == weft::shape{8});  // the file's extents fill In's dyn ones
  CHECK(dynamic.output_shape() == weft::shape{3});
  CHECK(fixed.name == "mlp.onnx");
  CHECK(fixed.path() == onnx_test::file("mlp.onnx"));
  CHECK(fixed.input_name() == "x");
  CHECK(fixed.output_name() == "y");
}

TEST_CASE("onnx: call_batch matches PyTorch's outputs in one call (Eigen fixed, Eigen dynamic, xtensor)") {
  const auto rows = inputs();
  const auto expected = onnx_test::csv("mlp_expected.csv");
  const auto n = static_cast<Eigen::Index>(rows.size());
  batch8 b(8, n);
  Eigen::MatrixXf bx(8, n);
  xt::xtensor<float, 2> bt = xt::zeros<float>({rows.size(), std::size_t{8}});
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < 8; ++i) {
      const float v = rows[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
      b(i, j) = v;
      bx(i, j) = v;
      bt(static_cast<std::size_t>(j), static_cast<std::size_t>(i)) = v;
    }
  const batch3 out = mlp_fixed(onnx_test::file("mlp.onnx")).call_batch(b);
  const Eigen::MatrixXf outx = mlp_dynamic(onnx_test::file("mlp.onnx")).call_batch(bx);
  const xt::xtensor<float, 2> outt = weft::onnx_model<xvec8, xvec3>(onnx_test::file("mlp.onnx")).call_batch(bt);
  REQUIRE(out.cols() == n);
  REQUIRE(outx.rows() == 3);
  REQUIRE(outx.cols() == n);
  REQUIRE(outt.shape()[0] == rows.size());
  REQUIRE(outt.shape()[1] == 3);
  for (Eigen::Index j = 0; j < n; ++j) {
    CAPTURE(j);
    const auto& e = expected[static_cast<std::size_t>(j)];
    check_row(vec3(out.col(j)), e);
    check_row(vecx(outx.col(j)), e);
    check_row(xvec3(xt::view(outt, j, xt::all())), e);
  }
  CHECK(mlp_fixed(onnx_test::file("mlp.onnx")).call_batch(batch8(8, 0)).cols() == 0);
}

TEST_CASE("onnx: other tensor types and expressions are bridged to In before the call") {
  const auto expected = onnx_test::csv("mlp_expected.csv");
  const vec8 x = eigen_of<vec8>(inputs()[0]);
  const mlp_dynamic dynamic(onnx_test::file("mlp.onnx"));
  check_row(dynamic(x), expected[0]);                    // a fixed vector for a dynamic In
  const mlp_fixed fixed(onnx_test::file("mlp.onnx"));
  check_row(fixed(0.5f * (2.0f * x)), expected[0]);      // an Eigen expression, evaluated
  xvec8 xt_x;
  std::copy(x.data(), x.data() + 8, xt_x.begin());
  check_row(fixed(xt_x), expected[0]);                   // an xtensor for an Eigen In
  const weft::shape_error e = caught<weft::shape_error>([&] { (void)fixed(vecx::Ones(7)); });
  CHECK(e.actual() == "f32[7]");
}

TEST_CASE("onnx: a file with a fixed batch of 1 runs per sample and in batches") {
  const auto rows = inputs();
  const auto expected = onnx_test::csv("mlp_expected.csv");
  const mlp_fixed m(onnx_test::file("mlp_batch1.onnx"));
  batch8 b(8, static_cast<Eigen::Index>(rows.size()));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    check_row(m(eigen_of<vec8>(rows[r])), expected[r]);
    b.col(static_cast<Eigen::Index>(r)) = eigen_of<vec8>(rows[r]);
  }
  const batch3 out = m.call_batch(b);
  for (std::size_t r = 0; r < rows.size(); ++r) check_row(vec3(out.col(static_cast<Eigen::Index>(r))), expected[r]);
}

TEST_CASE("onnx: a file with two outputs runs the one onnx_options::output names") {
  const auto rows = inputs();
  const auto expected = onnx_test::csv("probabilities_expected.csv");
  const auto labels = onnx_test::csv("label_expected.csv");
  const mlp_fixed m(onnx_test::file("two_outputs.onnx"), {.output = "probabilities"});
  CHECK(m.output_name() == "probabilities");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const vec3 p = m(eigen_of<vec8>(rows[r]));
    check_row(p, expected[r]);
    Eigen::Index best = 0;
    p.maxCoeff(&best);
    CHECK(static_cast<float>(best) == labels[r][0]);  // Python's label agrees with the probabilities
  }
}

TEST_CASE("onnx: a symbolic extent outside the batch axis meets a dyn extent") {
  const weft::onnx_model<vecx, vecx> relu(onnx_test::file("relu_any_width.onnx"));
  CHECK(relu.input_shape() == weft::shape{weft::dyn});
  CHECK(relu.output_shape() == weft::shape{weft::dyn});
  for (const auto& row : inputs()) {
    const vecx x = eigen_of<vecx>(row).head(5);
    const vecx y = relu(x);
    REQUIRE(y.size() == 5);
    for (Eigen::Index i = 0; i < 5; ++i) CHECK(y(i) == std::max(x(i), 0.0f));
  }
  const Eigen::MatrixXf b = Eigen::MatrixXf::Random(4, 3);
  const Eigen::MatrixXf yb = relu.call_batch(b);
  CHECK(yb.rows() == 4);
  CHECK(yb.cols() == 3);
  CHECK(yb == b.cwiseMax(0.0f));
  const weft::load_error e = load_failure<weft::onnx_model<vec8, vecx>>("relu_any_width.onnx");
  CHECK(e.tensor() == "x");
  CHECK(e.expected() == "f32[?,8]");
  CHECK(e.actual() == "f32[?,?]");
}

TEST_CASE("onnx: each file that cannot be the model is a load_error naming the file, the tensor and both specs") {
  SUBCASE("missing file") {
    const weft::load_error e = load_failure<mlp_fixed>("no_such_model.onnx");
    CHECK(e.file() == onnx_test::file("no_such_model.onnx"));
    CHECK(e.tensor().empty());
    CHECK(std::string(e.what()).find("no_such_model.onnx") != std::string::npos);
    CHECK(e.actual().find("No such file") != std::string::npos);
  }
  SUBCASE("corrupt file") {
    const weft::load_error e = load_failure<mlp_fixed>("corrupt.onnx");
    CHECK(e.file() == onnx_test::file("corrupt.onnx"));
    CHECK(e.actual().find("not an ONNX model") != std::string::npos);
    CHECK(std::string(e.what()).find("corrupt.onnx") != std::string::npos);
  }
  SUBCASE("wrong input width") {
    const weft::load_error e = load_failure<mlp_fixed>("mlp_width6.onnx");
    CHECK(e.file() == onnx_test::file("mlp_width6.onnx"));
    CHECK(e.tensor() == "x");
    CHECK(e.expected() == "f32[?,8]");
    CHECK(e.actual() == "f32[?,6]");
    CHECK(std::string(e.what()) == "weft: load_error: file \"" + onnx_test::file("mlp_width6.onnx") +
                                       "\", tensor \"x\": expected f32[?,8], got f32[?,6]");
  }
  SUBCASE("wrong output width") {
    const weft::load_error e = load_failure<weft::onnx_model<vec8, vec4>>("mlp.onnx");
    CHECK(e.tensor() == "y");
    CHECK(e.expected() == "f32[?,4]");
    CHECK(e.actual() == "f32[?,3]");
  }
  SUBCASE("wrong element type (the int64 label output)") {
    const weft::load_error e = load_failure<weft::onnx_model<vec8, vec1>>("two_outputs.onnx", {.output = "label"});
    CHECK(e.tensor() == "label");
    CHECK(e.expected() == "f32[?,1]");
    CHECK(e.actual() == "i64[?]");
  }
  SUBCASE("wrong rank") {
    const weft::load_error e = load_failure<weft::onnx_model<x2x4, xvec3>>("mlp.onnx");
    CHECK(e.tensor() == "x");
    CHECK(e.expected() == "f32[?,2,4]");
    CHECK(e.actual() == "f32[?,8]");
  }
  SUBCASE("several outputs and no name") {
    const weft::load_error e = load_failure<mlp_fixed>("two_outputs.onnx");
    CHECK(e.tensor().empty());
    CHECK(e.expected() == "one output, or onnx_options::output naming one");
    CHECK(e.actual() == "2 outputs: label, probabilities");
  }
  SUBCASE("an output name the file does not have") {
    const weft::load_error e = load_failure<mlp_fixed>("two_outputs.onnx", {.output = "scores"});
    CHECK(e.tensor() == "scores");
    CHECK(e.actual() == "outputs: label, probabilities");
    CHECK(std::string(e.what()).find("two_outputs.onnx") != std::string::npos);
  }
  SUBCASE("a named output of a single-output file must exist too") {
    const weft::load_error e = load_failure<mlp_fixed>("mlp.onnx", {.output = "probabilities"});
    CHECK(e.actual() == "outputs: y");
  }
  SUBCASE("several inputs") {
    const weft::load_error e = load_failure<weft::onnx_model<vec8, vec8>>("two_inputs.onnx");
    CHECK(e.expected() == "one input");
    CHECK(e.actual() == "2 inputs: a, b");
  }
}

TEST_CASE("onnx: a dynamic input of the wrong run-time width is a shape_error before OpenCV sees it") {
  const mlp_dynamic m(onnx_test::file("mlp.onnx"));
  const weft::shape_error e = caught<weft::shape_error>([&] { (void)m(vecx::Ones(6)); });
  CHECK(e.expected() == "f32[8]");
  CHECK(e.actual() == "f32[6]");
  CHECK(e.path().empty());
  const weft::shape_error eb = caught<weft::shape_error>([&] { (void)m.call_batch(Eigen::MatrixXf::Ones(6, 2)); });
  CHECK(eb.expected() == "f32[8,?]");
  CHECK(eb.actual() == "f32[6,2]");
  // OpenCV, handed the same 6 values, would have failed with its own error, not weft's:
  CHECK(m.free_nets() == 1);  // the Net the constructor built, never lent to a failed call
}

TEST_CASE("onnx: a failure inside OpenCV during a call is an inference_error with OpenCV's text") {
  const weft::onnx_model<vec8, vec4> bad(onnx_test::file("reshape_3x3.onnx"));
  CHECK(bad.free_nets() == 1);
  const weft::inference_error e = caught<weft::inference_error>([&] { (void)bad(vec8::Ones()); });
  CHECK(e.runtime() == "onnx");
  CHECK(e.file() == onnx_test::file("reshape_3x3.onnx"));
  CHECK(e.runtime_message().find("computeShapeByReshapeMask") != std::string::npos);  // OpenCV's own words
  CHECK(bad.free_nets() == 0);  // the Net that threw is dropped, not lent again
  const auto pipeline = weft::sequence(doubler{}, bad);
  const weft::inference_error ep = caught<weft::inference_error>([&] { (void)pipeline(vec8::Ones()); });
  CHECK(ep.path_text() == "sequence[1] \"reshape_3x3.onnx\"");
  CHECK(ep.runtime_message() == e.runtime_message());
  batch8 b = batch8::Ones(8, 2);
  CHECK(caught<weft::inference_error>([&] { (void)bad.call_batch(b); }).file() == onnx_test::file("reshape_3x3.onnx"));
}

TEST_CASE("onnx: an output of another size than the file declares is an inference_error") {
  const weft::onnx_model<vec8, vec4> m(onnx_test::file("reshape_2x4.onnx"));
  const weft::inference_error e = caught<weft::inference_error>([&] { (void)m(vec8::Ones()); });
  CHECK(e.runtime_message() == "output \"y\" came back as f32[2,4], expected f32[4]");
}

TEST_CASE("onnx: inside a sequence the error path names the stage") {
  const auto widen = weft::fn<vecx, vecx>([](const vecx& x) { return vecx(x.head(x.size() - 2)); });
  const auto pipeline = weft::sequence(widen, mlp_dynamic(onnx_test::file("mlp.onnx")));
  CHECK(pipeline(vecx::Ones(10)).size() == 3);
  const weft::shape_error e = caught<weft::shape_error>([&] { (void)pipeline(vecx::Ones(9)); });
  CHECK(e.path_text() == "sequence[1] \"mlp.onnx\"");
  CHECK(e.expected() == "f32[8]");
  CHECK(e.actual() == "f32[7]");
  mlp_dynamic renamed(onnx_test::file("mlp.onnx"));
  renamed.name = "classifier";
  const auto named_pipeline = widen | renamed;
  CHECK(caught<weft::shape_error>([&] { (void)named_pipeline(vecx::Ones(9)); }).path_text() ==
        "sequence[1] \"classifier\"");
}

TEST_CASE("onnx: composes with hand-written Eigen stages in a | b and in an ensemble") {
  const mlp_fixed mlp(onnx_test::file("mlp.onnx"));
  const vec8 x = eigen_of<vec8>(inputs()[0]);
  using weft::operator|;
  const auto piped = doubler{} | mlp;
  CHECK(piped(x).isApprox(mlp(vec8(2.0f * x))));
  const auto after = mlp | weft::softmax;
  const vec3 p = after(x);
  CHECK(std::abs(p.sum() - 1.0f) < 1e-6f);
  const auto mean = weft::ensemble(weft::mean, mlp, head3{});
  const vec3 expected = (mlp(x) + x.head<3>()) / 2.0f;
  CHECK((mean(x) - expected).cwiseAbs().maxCoeff() <= tolerance);
}

TEST_CASE("onnx: copies share one state and one pool of Nets") {
  const mlp_fixed m(onnx_test::file("mlp.onnx"));
  CHECK(m.free_nets() == 1);
  const mlp_fixed copy = m;  // NOLINT(performance-unnecessary-copy-initialization): the copy is the test
  CHECK(&copy.path() == &m.path());
  const vec8 x = eigen_of<vec8>(inputs()[1]);
  CHECK(copy(x) == m(x));
  CHECK(m.free_nets() == 1);  // sequential calls reuse the one Net
}

TEST_CASE("onnx: weft::batched(m) works and agrees with call_batch") {
  const mlp_fixed m(onnx_test::file("mlp.onnx"));
  const auto rows = inputs();
  batch8 b(8, static_cast<Eigen::Index>(rows.size()));
  for (std::size_t r = 0; r < rows.size(); ++r) b.col(static_cast<Eigen::Index>(r)) = eigen_of<vec8>(rows[r]);
  const auto per_sample = weft::batched(m);
  const batch3 a = per_sample(b);
  const batch3 c = m.call_batch(b);
  CHECK((a - c).cwiseAbs().maxCoeff() <= tolerance);
}

TEST_CASE("onnx: onnx_options::threads sets OpenCV's threads, process-wide (default 1)") {
  const mlp_fixed two(onnx_test::file("mlp.onnx"), {.threads = 2});
  CHECK(cv::getNumThreads() == 2);
  const vec8 x = eigen_of<vec8>(inputs()[2]);
  check_row(two(x), onnx_test::csv("mlp_expected.csv")[2]);
  const mlp_fixed one(onnx_test::file("mlp.onnx"));
  CHECK(cv::getNumThreads() == 1);  // the last model constructed wins, for every model
}

// =============================================================================================
// What weft adds around OpenCV's own work. Every operator new call made
// during weft's call is counted (tests/support/alloc_counter.hpp) and compared with the same work
// done by hand on a Net of the same file (setInput over the caller's buffer, forward by name, one
// copy of the output blob into the result): equal counts mean weft adds no buffer of its own, so
// the output reaches the caller through the one copy both make. OpenCV's blob memory comes from
// cv::fastMalloc (malloc) in both, and Eigen's from malloc: neither is counted.
// =============================================================================================

namespace {

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
