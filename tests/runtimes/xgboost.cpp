// Tests for weft/xgboost.hpp: predictions against XGBoost's Python package (JSON and UBJ files;
// Eigen fixed, Eigen dynamic, xtensor; per sample and call_batch), the checks at load, shape errors
// before XGBoost runs, stage paths, composition, shared state, and what crosses without a copy.
//
// This executable interposes XGBoosterPredictFromDense (the definition below wins over
// libxgboost's for calls made from this program; it forwards to the real one through dlsym) to see
// exactly which buffer XGBoost is given and which buffer it answers in, and counts the allocations
// weft makes around XGBoost's call (tests/support/alloc_counter.hpp; paused inside XGBoost's).
#include <weft/xgboost.hpp>
#include <weft/eigen.hpp>
#include <weft/xtensor.hpp>

#include <weft/batched.hpp>
#include <weft/ensemble.hpp>
#include <weft/model.hpp>
#include <weft/sequence.hpp>

#include <doctest/doctest.h>

#include "../support/alloc_counter.hpp"  // replaces the global operator new: counts allocations

#include <dlfcn.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

// =============================================================================================
// A spy on XGBoost's prediction entry point
// =============================================================================================

namespace {

/// What the last XGBoosterPredictFromDense call was given and answered.
struct predict_spy {
  std::atomic<long> calls{0};
  char values[256] = {};               // the __array_interface__ JSON weft passed
  const float* result = nullptr;       // XGBoost's own output buffer
  std::atomic<bool> narrow_next{false};  // pass XGBoost one feature fewer than weft said: it fails
};
predict_spy g_spy;

/// The data pointer named in an __array_interface__ JSON ("data":[<address>,true]).
const float* interface_pointer(const char* json) {
  const char* at = std::strstr(json, "\"data\":[");
  if (!at) return nullptr;
  return reinterpret_cast<const float*>(static_cast<std::uintptr_t>(std::strtoull(at + 8, nullptr, 10)));
}

}  // namespace

XGB_DLL int XGBoosterPredictFromDense(BoosterHandle handle, char const* values, char const* config, DMatrixHandle m,
                                      bst_ulong const** out_shape, bst_ulong* out_dim, const float** out_result) {
  using predict_fn = int (*)(BoosterHandle, char const*, char const*, DMatrixHandle, bst_ulong const**, bst_ulong*,
                             const float**);
  static const predict_fn real = [] {
    void* symbol = dlsym(RTLD_NEXT, "XGBoosterPredictFromDense");
    REQUIRE(symbol != nullptr);
    predict_fn f = nullptr;
    std::memcpy(&f, &symbol, sizeof f);
    return f;
  }();
  g_spy.calls.fetch_add(1);
  std::strncpy(g_spy.values, values, sizeof g_spy.values - 1);
  std::string narrowed;
  if (g_spy.narrow_next.exchange(false)) {  // "shape":[N,8] becomes [N,7]: XGBoost's own failure
    narrowed = values;
    const auto at = narrowed.find(",8],");
    REQUIRE(at != std::string::npos);
    narrowed.replace(at, 4, ",7],");
    values = narrowed.c_str();
  }
  const bool counting = g_counting.exchange(false);  // XGBoost's own allocations are not weft's (alloc_counter.hpp)
  const int rc = real(handle, values, config, m, out_shape, out_dim, out_result);
  g_counting.store(counting);
  g_spy.result = rc == 0 ? *out_result : nullptr;
  return rc;
}

// =============================================================================================
// Data written by scripts/models/xgboost.py
// =============================================================================================

namespace {

using vec8 = Eigen::Matrix<float, 8, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using vec4 = Eigen::Matrix<float, 4, 1>;
using vec1 = Eigen::Matrix<float, 1, 1>;
using vecx = Eigen::VectorXf;
using batch8 = Eigen::Matrix<float, 8, Eigen::Dynamic>;
using xvec8 = xt::xtensor_fixed<float, xt::xshape<8>>;
using xvec3 = xt::xtensor_fixed<float, xt::xshape<3>>;
using xvecx = xt::xtensor<float, 1>;

std::string data_file(const std::string& name) { return std::string(WEFT_TEST_DATA) + "/xgboost/" + name; }

/// The rows of a CSV file of floats ("nan" is NaN).
std::vector<std::vector<float>> read_rows(const std::string& name) {
  std::ifstream in(data_file(name));
  REQUIRE_MESSAGE(in.good(), "missing test data " << data_file(name) << ": run scripts/make-test-models xgboost");
  std::vector<std::vector<float>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<float> row;
    std::stringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) row.push_back(std::strtof(cell.c_str(), nullptr));
    rows.push_back(row);
  }
  return rows;
}

const std::vector<std::vector<float>>& inputs() {
  static const auto rows = read_rows("inputs.csv");
  return rows;
}

template <class V>
V eigen_sample(const std::vector<float>& row) {
  V v(static_cast<Eigen::Index>(row.size()));
  for (std::size_t i = 0; i < row.size(); ++i) v(static_cast<Eigen::Index>(i)) = row[i];
  return v;
}

template <class V>
V xt_sample(const std::vector<float>& row) {
  V v = weft::tensor_traits<V>::make(weft::shape{static_cast<std::ptrdiff_t>(row.size())});
  for (std::size_t i = 0; i < row.size(); ++i) v(i) = row[i];
  return v;
}

/// The inputs as an Eigen batch: one sample per column.
template <class B = batch8>
B eigen_batch() {
  const auto& rows = inputs();
  B b(8, static_cast<Eigen::Index>(rows.size()));
  for (std::size_t j = 0; j < rows.size(); ++j)
    for (std::size_t i = 0; i < 8; ++i) b(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[j][i];
  return b;
}

/// The inputs as an xtensor batch: samples along axis 0.
xt::xtensor<float, 2> xt_batch() {
  const auto& rows = inputs();
  xt::xtensor<float, 2> b({rows.size(), 8});
  for (std::size_t j = 0; j < rows.size(); ++j)
    for (std::size_t i = 0; i < 8; ++i) b(j, i) = rows[j][i];
  return b;
}

/// Element i of sample output y equals Python's expected[row][i] to 1e-5.
template <class Y>
void check_row(const Y& y, const std::vector<float>& expected, std::size_t row) {
  REQUIRE(static_cast<std::size_t>(y.size()) == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("row " << row << ", value " << i);
    CHECK(std::abs(static_cast<float>(y(i)) - expected[i]) <= 1e-5f);
  }
}

/// Every sample of an Eigen output batch (one per column) equals Python's, to 1e-5.
template <class B>
void check_eigen_batch(const B& out, const std::vector<std::vector<float>>& expected) {
  REQUIRE(static_cast<std::size_t>(out.cols()) == expected.size());
  REQUIRE(static_cast<std::size_t>(out.rows()) == expected[0].size());
  for (std::size_t j = 0; j < expected.size(); ++j)
    for (std::size_t i = 0; i < expected[j].size(); ++i) {
      INFO("row " << j << ", value " << i);
      CHECK(std::abs(out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) - expected[j][i]) <= 1e-5f);
    }
}

/// A hand-written Eigen stage: standardises nothing, it doubles then halves (exactly the identity in
/// float), so a pipeline through it must give Python's numbers.
struct round_trip {
  using input_type = vec8;
  using output_type = vec8;
  output_type operator()(const input_type& x) const { return (x * 2.0f) * 0.5f; }
};

/// A hand-written Eigen classifier that knows nothing: 1/3 for every class.
struct uniform3 {
  using input_type = vec8;
  using output_type = vec3;
  output_type operator()(const input_type&) const { return vec3::Constant(1.0f / 3.0f); }
};

/// A hand-written stage that drops the last feature (a bug a pipeline must report, not pass on).
struct drop_last {
  using input_type = vecx;
  using output_type = vecx;
  output_type operator()(const input_type& x) const { return x.head(x.size() - 1); }
};

}  // namespace

// =============================================================================================
// Types
// =============================================================================================

// What xgboost_model's static_asserts accept: contiguous rank-1 float tensors (Out: owning ones too).
static_assert(weft::detail::xgboost_vector<vec8>);
static_assert(weft::detail::xgboost_vector<vecx>);
static_assert(weft::detail::xgboost_vector<xvec8>);
static_assert(weft::detail::xgboost_vector<xvecx>);
static_assert(weft::detail::xgboost_vector<Eigen::Map<const vec8>>);
static_assert(!weft::detail::xgboost_vector<Eigen::Matrix<double, 8, 1>>);
static_assert(!weft::detail::xgboost_vector<Eigen::Matrix<float, 2, 4>>);
static_assert(!weft::detail::xgboost_vector<xt::xarray<float>>);
static_assert(!weft::detail::xgboost_vector<Eigen::Map<const vec8, 0, Eigen::InnerStride<2>>>);
static_assert(!weft::detail::xgboost_vector<int>);

static_assert(weft::model<weft::xgboost_model<vec8, vec3>>);
static_assert(weft::batch_native<weft::xgboost_model<vec8, vec3>>);
static_assert(weft::batch_native<weft::xgboost_model<vecx, vecx>>);
static_assert(weft::batch_native<weft::xgboost_model<xvec8, xvec3>>);
static_assert(weft::batch_native<weft::xgboost_model<xvecx, xvecx>>);
static_assert(std::is_same_v<weft::batch_t<weft::input_t<weft::xgboost_model<vec8, vec3>>>, batch8>);
// The declared shapes take part in the checks combinators make when built (shape.hpp's concepts).
static_assert(weft::detail::declares_input_shape<weft::xgboost_model<vecx, vecx>> &&
              weft::detail::declares_output_shape<weft::xgboost_model<vecx, vecx>>);
static_assert(std::is_same_v<decltype(std::declval<const weft::xgboost_model<xvec8, vec1>&>().call_batch(
                                 std::declval<const xt::xtensor<float, 2>&>())),
                             Eigen::Matrix<float, 1, Eigen::Dynamic>>);

// =============================================================================================
// Predictions against Python
// =============================================================================================

TEST_CASE("multi:softprob, JSON and UBJ, Eigen fixed: per sample and call_batch give predict_proba") {
  const auto expected = read_rows("softprob.csv");
  for (const char* file : {"softprob.json", "softprob.ubj"}) {
    CAPTURE(file);
    const weft::xgboost_model<vec8, vec3> m{data_file(file)};
    CHECK(m.name == file);
    CHECK(m.objective() == "multi:softprob");
    CHECK(m.input_shape() == weft::shape{8});
    CHECK(m.output_shape() == weft::shape{3});
    CHECK(m.path() == data_file(file));
    for (std::size_t r = 0; r < inputs().size(); ++r) check_row(m(eigen_sample<vec8>(inputs()[r])), expected[r], r);
    check_eigen_batch(m.call_batch(eigen_batch()), expected);
  }
}

TEST_CASE("Eigen dynamic: extents come from the file") {
  const auto expected = read_rows("softprob.csv");
  const weft::xgboost_model<vecx, vecx> m{data_file("softprob.ubj")};
  CHECK(m.input_shape() == weft::shape{8});
  CHECK(m.output_shape() == weft::shape{3});
  for (std::size_t r = 0; r < inputs().size(); ++r) {
    const vecx y = m(eigen_sample<vecx>(inputs()[r]));
    CHECK(y.size() == 3);
    check_row(y, expected[r], r);
  }
  check_eigen_batch(m.call_batch(eigen_batch<Eigen::MatrixXf>()), expected);
}

TEST_CASE("xtensor, fixed and dynamic: per sample and call_batch give predict_proba") {
  const auto expected = read_rows("softprob.csv");
  const weft::xgboost_model<xvec8, xvec3> fixed{data_file("softprob.json")};
  const weft::xgboost_model<xvecx, xvecx> dynamic{data_file("softprob.json")};
  for (std::size_t r = 0; r < inputs().size(); ++r) {
    check_row(fixed(xt_sample<xvec8>(inputs()[r])), expected[r], r);
    check_row(dynamic(xt_sample<xvecx>(inputs()[r])), expected[r], r);
  }
  for (const xt::xtensor<float, 2>& out : {fixed.call_batch(xt_batch()), dynamic.call_batch(xt_batch())}) {
    REQUIRE(out.shape()[0] == expected.size());
    REQUIRE(out.shape()[1] == 3);
    for (std::size_t j = 0; j < expected.size(); ++j)
      for (std::size_t i = 0; i < 3; ++i) CHECK(std::abs(out(j, i) - expected[j][i]) <= 1e-5f);
  }
}

TEST_CASE("In and Out of different backends: each batch follows its own type") {
  const auto expected = read_rows("softprob.csv");
  const weft::xgboost_model<xvec8, vec3> x_in{data_file("softprob.json")};
  check_eigen_batch(x_in.call_batch(xt_batch()), expected);
  const weft::xgboost_model<vec8, xvec3> eigen_in{data_file("softprob.json")};
  const xt::xtensor<float, 2> out = eigen_in.call_batch(eigen_batch());
  REQUIRE(out.shape()[0] == expected.size());
  for (std::size_t j = 0; j < expected.size(); ++j)
    for (std::size_t i = 0; i < 3; ++i) CHECK(std::abs(out(j, i) - expected[j][i]) <= 1e-5f);
}

TEST_CASE("binary:logistic and reg:squarederror give one value per sample") {
  SUBCASE("binary:logistic: the positive class's probability") {
    const auto expected = read_rows("binary.csv");
    const weft::xgboost_model<vec8, vec1> m{data_file("binary.json")};
    CHECK(m.objective() == "binary:logistic");
    CHECK(m.output_shape() == weft::shape{1});
    for (std::size_t r = 0; r < inputs().size(); ++r) check_row(m(eigen_sample<vec8>(inputs()[r])), expected[r], r);
    check_eigen_batch(m.call_batch(eigen_batch()), expected);
  }
  SUBCASE("reg:squarederror (UBJ), xtensor") {
    const auto expected = read_rows("regression.csv");
    const weft::xgboost_model<xvec8, xt::xtensor_fixed<float, xt::xshape<1>>> m{data_file("regression.ubj")};
    CHECK(m.objective() == "reg:squarederror");
    for (std::size_t r = 0; r < inputs().size(); ++r) {
      const auto y = m(xt_sample<xvec8>(inputs()[r]));
      CHECK(std::abs(y(0) - expected[r][0]) <= 1e-5f * std::max(1.0f, std::abs(expected[r][0])));
    }
    const auto out = m.call_batch(xt_batch());
    REQUIRE(out.shape()[0] == expected.size());
    for (std::size_t j = 0; j < expected.size(); ++j)
      CHECK(std::abs(out(j, 0) - expected[j][0]) <= 1e-5f * std::max(1.0f, std::abs(expected[j][0])));
  }
}

TEST_CASE("a regressor with two targets gives two values per sample") {
  using vec2 = Eigen::Matrix<float, 2, 1>;
  const auto expected = read_rows("two_targets.csv");
  const weft::xgboost_model<vec8, vec2> m{data_file("two_targets.json")};
  CHECK(m.output_shape() == weft::shape{2});
  const auto close = [](float a, float b) { return std::abs(a - b) <= 1e-5f * std::max(1.0f, std::abs(b)); };
  const Eigen::Matrix<float, 2, Eigen::Dynamic> out = m.call_batch(eigen_batch());
  for (std::size_t r = 0; r < inputs().size(); ++r) {
    const vec2 y = m(eigen_sample<vec8>(inputs()[r]));
    for (Eigen::Index i = 0; i < 2; ++i) {
      CHECK(close(y(i), expected[r][static_cast<std::size_t>(i)]));
      CHECK(close(out(i, static_cast<Eigen::Index>(r)), expected[r][static_cast<std::size_t>(i)]));
    }
  }
}

TEST_CASE("an early-stopped model predicts with its best iteration, as predict_proba does") {
  const auto expected = read_rows("early_stopped.csv");
  const weft::xgboost_model<vec8, vec3> best{data_file("early_stopped.json")};
  check_eigen_batch(best.call_batch(eigen_batch()), expected);
  // Every tree gives other numbers: the option is seen, and the test data does stop early.
  const weft::xgboost_model<vec8, vec3> all{data_file("early_stopped.json"), {.use_best_iteration = false}};
  const Eigen::Matrix<float, 3, Eigen::Dynamic> all_out = all.call_batch(eigen_batch());
  float largest_difference = 0;
  for (std::size_t j = 0; j < expected.size(); ++j)
    for (std::size_t i = 0; i < 3; ++i)
      largest_difference = std::max(largest_difference, std::abs(all_out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) - expected[j][i]));
  CHECK(largest_difference > 1e-3f);
}

TEST_CASE("an empty batch gives an empty result") {
  const weft::xgboost_model<vec8, vec3> m{data_file("softprob.json")};
  g_spy.calls.store(0);
  const auto out = m.call_batch(batch8(8, 0));
  CHECK(out.rows() == 3);
  CHECK(out.cols() == 0);
  CHECK(g_spy.calls.load() == 0);
}

// =============================================================================================
// Load errors
// =============================================================================================

namespace {
/// The E that f() throws; the test fails when f throws nothing.
template <class E, class F>
E thrown(F f) {
  std::optional<E> caught;
  try {
    f();
  } catch (const E& e) {
    caught.emplace(e);
  }
  REQUIRE_MESSAGE(caught.has_value(), "no " << weft::detail::type_name<E>() << " thrown");
  return *caught;
}

template <class In, class Out>
weft::load_error load_failure(const std::string& file) {
  return thrown<weft::load_error>([&] { const weft::xgboost_model<In, Out> m{data_file(file)}; });
}
}  // namespace

TEST_CASE("load errors name the file, the tensor and both sides") {
  SUBCASE("missing file: XGBoost's text, without its stack trace") {
    const auto e = load_failure<vec8, vec3>("no_such_model.json");
    CHECK(e.file() == data_file("no_such_model.json"));
    CHECK(std::string(e.what()).find("no_such_model.json") != std::string::npos);
    CHECK(e.actual().find("No such file or directory") != std::string::npos);
    CHECK(e.actual().find("Stack trace") == std::string::npos);
  }
  SUBCASE("corrupt file") {
    const auto e = load_failure<vec8, vec3>("corrupt.json");
    CHECK(e.file() == data_file("corrupt.json"));
    CHECK(std::string(e.what()).rfind("weft: load_error: file \"" + data_file("corrupt.json") + "\": ", 0) == 0);
    CHECK(!e.actual().empty());
    CHECK(e.actual().find("Stack trace") == std::string::npos);
  }
  SUBCASE("num_feature differs from In's extent") {
    const auto e = load_failure<vec8, vec3>("features5.json");
    CHECK(e.tensor() == "input");
    CHECK(e.expected() == "f32[8]");
    CHECK(e.actual() == "f32[5] (multi:softprob)");
    CHECK(std::string(e.what()) == "weft: load_error: file \"" + data_file("features5.json") +
                                       "\", tensor \"input\": expected f32[8], got f32[5] (multi:softprob)");
  }
  SUBCASE("num_class differs from Out's extent") {
    const auto e = load_failure<vec8, vec4>("softprob.ubj");
    CHECK(e.tensor() == "output");
    CHECK(e.expected() == "f32[4]");
    CHECK(e.actual() == "f32[3] (multi:softprob)");
  }
  SUBCASE("a one-value objective for a three-value Out") {
    const auto e = load_failure<xvec8, xvec3>("binary.json");
    CHECK(e.tensor() == "output");
    CHECK(e.expected() == "f32[3]");
    CHECK(e.actual() == "f32[1] (binary:logistic)");
  }
  SUBCASE("two targets for a one-value Out") {
    const auto e = load_failure<vec8, vec1>("two_targets.json");
    CHECK(e.tensor() == "output");
    CHECK(e.expected() == "f32[1]");
    CHECK(e.actual() == "f32[2] (reg:squarederror)");
  }
  SUBCASE("a booster XGBoost cannot predict in place (gblinear): the probe at load fails") {
    const auto e = load_failure<vec8, vec1>("linear.json");
    CHECK(e.tensor() == "output");
    CHECK(e.actual().find("Inplace predict is not supported") != std::string::npos);
  }
  SUBCASE("an objective weft does not support") {
    const auto e = load_failure<vec8, vec3>("softmax.json");
    CHECK(e.tensor() == "objective");
    CHECK(e.actual() == "multi:softmax");
    CHECK(e.expected().find("multi:softprob") != std::string::npos);
    CHECK(e.expected().find("binary:logistic") != std::string::npos);
    CHECK(e.expected().find("reg:*") != std::string::npos);
  }
}

// =============================================================================================
// Errors during calls, stage paths, composition
// =============================================================================================

TEST_CASE("a dynamic input of the wrong width is a shape_error before XGBoost sees it") {
  const weft::xgboost_model<vecx, vecx> m{data_file("softprob.json")};
  const weft::xgboost_model<xvecx, xvecx> x{data_file("softprob.json")};
  g_spy.calls.store(0);  // after the loads' probe predictions
  const auto sample = thrown<weft::shape_error>([&] { (void)m(vecx::Zero(7)); });
  CHECK(sample.expected() == "f32[8]");
  CHECK(sample.actual() == "f32[7]");
  const auto eigen = thrown<weft::shape_error>([&] { (void)m.call_batch(Eigen::MatrixXf::Zero(7, 5)); });
  CHECK(eigen.expected() == "f32[8,?]");
  CHECK(eigen.actual() == "f32[7,5]");
  const auto xtensor =
      thrown<weft::shape_error>([&] { (void)x.call_batch(xt::xtensor<float, 2>::from_shape({5, 9})); });
  CHECK(xtensor.expected() == "f32[?,8]");
  CHECK(xtensor.actual() == "f32[5,9]");
  CHECK(g_spy.calls.load() == 0);
}

TEST_CASE("XGBoost failing during a call is an inference_error with XGBoost's text and the stage path") {
  // weft's own checks keep a wrong width from XGBoost, so the spy narrows what XGBoost is told.
  const auto expected = read_rows("softprob.csv");
  const weft::xgboost_model<vec8, vec3> m{data_file("softprob.json")};
  const vec8 x = eigen_sample<vec8>(inputs()[0]);
  const auto check_text = [](const weft::inference_error& e) {
    CHECK(e.runtime() == "xgboost");
    CHECK(e.file() == data_file("softprob.json"));
    CHECK(e.runtime_message().find("Number of columns in data must equal to trained model") != std::string::npos);
    CHECK(e.runtime_message().find("Stack trace") == std::string::npos);
  };
  g_spy.narrow_next = true;
  const auto sample = thrown<weft::inference_error>([&] { (void)m(x); });
  check_text(sample);
  CHECK(sample.path_text().empty());
  g_spy.narrow_next = true;
  check_text(thrown<weft::inference_error>([&] { (void)m.call_batch(eigen_batch()); }));
  g_spy.narrow_next = true;
  const auto staged = thrown<weft::inference_error>([&] { (void)(round_trip{} | m)(x); });
  check_text(staged);
  CHECK(staged.path_text() == "sequence[1] \"softprob.json\"");
  CHECK(std::string(staged.what()).find("weft: inference_error at sequence[1] \"softprob.json\": xgboost model") == 0);
  // Nothing is lost: the next call answers as before.
  check_row(m(x), expected[0], 0);
}

TEST_CASE("inside a sequence, the error names the stage: sequence[1] \"softprob.json\"") {
  const weft::xgboost_model<vecx, vecx> m{data_file("softprob.json")};
  const auto pipeline = weft::sequence(drop_last{}, m);
  const auto e = thrown<weft::shape_error>([&] { (void)pipeline(eigen_sample<vecx>(inputs()[0])); });
  CHECK(e.path_text() == "sequence[1] \"softprob.json\"");
  CHECK(e.expected() == "f32[8]");
  CHECK(e.actual() == "f32[7]");
  weft::xgboost_model<vecx, vecx> renamed = m;
  renamed.name = "trees";
  const auto named = thrown<weft::shape_error>(
      [&] { (void)weft::sequence(drop_last{}, renamed)(eigen_sample<vecx>(inputs()[0])); });
  CHECK(named.path_text() == "sequence[1] \"trees\"");
}

TEST_CASE("composes with hand-written Eigen stages, in a sequence and an ensemble") {
  const auto expected = read_rows("softprob.csv");
  const weft::xgboost_model<vec8, vec3> json{data_file("softprob.json")};
  const weft::xgboost_model<vec8, vec3> ubj{data_file("softprob.ubj")};
  const auto pipeline = round_trip{} | json;
  const auto both = weft::ensemble(weft::mean, json, ubj);
  const auto hedged = weft::ensemble(weft::mean, round_trip{} | json, uniform3{});
  for (std::size_t r = 0; r < inputs().size(); ++r) {
    const vec8 x = eigen_sample<vec8>(inputs()[r]);
    check_row(pipeline(x), expected[r], r);
    check_row(both(x), expected[r], r);
    const vec3 h = hedged(x);
    for (std::size_t i = 0; i < 3; ++i)
      CHECK(std::abs(h(static_cast<Eigen::Index>(i)) - (expected[r][i] + 1.0f / 3.0f) / 2.0f) <= 1e-5f);
  }
}

TEST_CASE("copies share one booster; batched(m) predicts the whole batch in one XGBoost call") {
  const weft::xgboost_model<vec8, vec3> m{data_file("softprob.json")};
  weft::xgboost_model<vec8, vec3> copy = m;
  CHECK(copy.handle() == m.handle());
  CHECK(&copy.path() == &m.path());  // one shared state: the same string object
  copy.name = "other";
  CHECK(m.name == "softprob.json");
  const auto expected = read_rows("softprob.csv");
  const auto batch = eigen_batch();
  g_spy.calls.store(0);
  const auto answered = weft::batched(copy)(batch);
  CHECK(g_spy.calls.load() == 1);  // batch_native: call_batch, not one prediction per sample
  check_eigen_batch(answered, expected);
}

TEST_CASE("sequence and ensemble of xgboost models are batch-native: one XGBoost call per model") {
  const weft::xgboost_model<vec8, vec3> m{data_file("softprob.json")};
  const auto winners = m | weft::normalize | weft::argmax;
  const auto averaged = weft::ensemble(weft::mean, m, m);
  static_assert(weft::batch_native<decltype(winners)>);
  static_assert(weft::batch_native<decltype(averaged)>);
  const auto batch = eigen_batch();
  g_spy.calls.store(0);
  const Eigen::Matrix<std::int64_t, 1, Eigen::Dynamic> picked = weft::batched(winners)(batch);
  const Eigen::Matrix<float, 3, Eigen::Dynamic> mean = weft::batched(averaged)(batch);
  CHECK(g_spy.calls.load() == 3);  // one for the sequence, one per ensemble branch
  REQUIRE(picked.cols() == batch.cols());
  for (Eigen::Index j = 0; j < batch.cols(); ++j) {
    const vec8 sample = batch.col(j);
    CHECK(picked(j) == winners(sample)(0));
    CHECK(mean.col(j).isApprox(m(sample)));
  }
}

// =============================================================================================
// What crosses without a copy
// =============================================================================================

TEST_CASE("a batch of 256 is predicted in one XGBoost call from the caller's buffer; the output is copied once") {
  const weft::xgboost_model<vec8, vec3> m{data_file("softprob.json")};
  const weft::xgboost_model<xvec8, xvec3> x{data_file("softprob.json")};
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  batch8 batch(8, 256);
  for (Eigen::Index k = 0; k < batch.size(); ++k) batch.data()[k] = normal(rng);
  xt::xtensor<float, 2> xbatch({256, 8});
  for (Eigen::Index j = 0; j < 256; ++j)
    for (Eigen::Index i = 0; i < 8; ++i) xbatch(static_cast<std::size_t>(j), static_cast<std::size_t>(i)) = batch(i, j);

  SUBCASE("Eigen batch: XGBoost reads the batch's own buffer; weft allocates nothing through operator new") {
    g_spy.calls.store(0);
    Eigen::Matrix<float, 3, Eigen::Dynamic> out;
    long allocations = 0;
    {
      alloc_counter counter;
      out = m.call_batch(batch);
      allocations = counter.stop();
    }
    CHECK(g_spy.calls.load() == 1);
    CHECK(interface_pointer(g_spy.values) == batch.data());
    CHECK(std::string(g_spy.values).find("\"shape\":[256,8]") != std::string::npos);
    CHECK(allocations == 0);  // Eigen's output buffer comes from malloc, not operator new
    CHECK(out.data() != g_spy.result);  // one copy out of XGBoost's per-thread buffer...
    CHECK(std::memcmp(out.data(), g_spy.result, 256 * 3 * sizeof(float)) == 0);  // ...of every value
    for (Eigen::Index j = 0; j < 256; j += 51) {  // and sample j is what a single-sample call gives
      const vec8 sample = batch.col(j);
      CHECK(m(sample) == out.col(j));
    }
  }
  SUBCASE("xtensor batch: the one allocation weft makes is the output") {
    g_spy.calls.store(0);
    long allocations = 0;
    xt::xtensor<float, 2> out;
    {
      alloc_counter counter;
      out = x.call_batch(xbatch);
      allocations = counter.stop();
    }
    CHECK(g_spy.calls.load() == 1);
    CHECK(interface_pointer(g_spy.values) == xbatch.data());
    CHECK(allocations == 1);  // the output: an input copy would be a second one
    CHECK(out.shape()[0] == 256);
    CHECK(out.shape()[1] == 3);
    CHECK(std::memcmp(out.data(), g_spy.result, 256 * 3 * sizeof(float)) == 0);
  }
  SUBCASE("one fixed-size sample: XGBoost reads the sample in place; weft allocates nothing") {
    const vec8 sample = batch.col(3);
    vec3 y;
    long allocations = 0;
    {
      alloc_counter counter;
      y = m(sample);
      allocations = counter.stop();
    }
    CHECK(interface_pointer(g_spy.values) == sample.data());
    CHECK(std::string(g_spy.values).find("\"shape\":[1,8]") != std::string::npos);
    CHECK(allocations == 0);
    CHECK(std::memcmp(y.data(), g_spy.result, 3 * sizeof(float)) == 0);
  }
}
