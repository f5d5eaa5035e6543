// Tests for weft/config.hpp: the registry, the loader, the sequence and model kinds, the adapters,
// golden self-tests and bad input (each a config_error naming its JSON pointer). The registered
// models are written here; the runtimes' kinds are tested in config_onnx.cpp and config_xgboost.cpp.
#include <weft/config.hpp>
#include <weft/eigen.hpp>
#include <weft/xtensor.hpp>

#include <weft/adapters.hpp>
#include <weft/describe.hpp>
#include <weft/errors.hpp>
#include <weft/model.hpp>
#include <weft/sequence.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;
using vec4d = Eigen::Matrix<double, 4, 1>;

/// A registered model: multiplies by params "factor" (default 1) and adds params "offset".
struct scale {
  using input_type = vec4;
  using output_type = vec4;
  float factor = 1.0f;
  float offset = 0.0f;
  vec4 operator()(const vec4& x) const { return (x * factor).array() + offset; }
};

/// A registered model with a dynamic input: sums its input into one element.
struct summer {
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::Matrix<float, 1, 1>;
  output_type operator()(const input_type& x) const { return output_type(x.sum()); }
};

/// A registered model over a rank-2 input: element (0, 1) and (1, 0) of a 2 x 2 matrix.
struct corners {
  using input_type = Eigen::Matrix<float, 2, 2>;  // column-major: the bridge copies by index
  using output_type = Eigen::Matrix<float, 2, 1>;
  output_type operator()(const input_type& x) const { return output_type(x(0, 1), x(1, 0)); }
};

/// A registered model that throws a weft error when its first element is negative.
struct picky {
  using input_type = vec4;
  using output_type = vec4;
  vec4 operator()(const vec4& x) const {
    if (x[0] < 0) throw weft::inference_error("test", "picky", "negative first element");
    return x;
  }
};

/// A registered model counting the instances alive (nothing half-built may survive a failed load).
struct counted {
  using input_type = vec4;
  using output_type = vec4;
  static inline int alive = 0;
  counted() { ++alive; }
  counted(const counted&) { ++alive; }
  counted(counted&&) noexcept { ++alive; }
  counted& operator=(const counted&) = default;
  counted& operator=(counted&&) noexcept = default;
  ~counted() { --alive; }
  vec4 operator()(const vec4& x) const { return x; }
};

/// A registered xtensor model: doubles its input (bridged from and to the Eigen values by copies).
struct xt_double {
  using input_type = xt::xtensor<float, 1>;
  using output_type = xt::xtensor<float, 1>;
  output_type operator()(const input_type& x) const { return x * 2.0f; }
};

scale make_scale(const nlohmann::json& params) {
  return scale{params.value("factor", 1.0f), params.value("offset", 0.0f)};
}

weft::registry test_registry() {
  weft::registry reg;
  reg.add<scale>("scale", make_scale);
  reg.add<summer>("summer", [](const nlohmann::json&) { return summer{}; });
  reg.add<corners>("corners", [](const nlohmann::json&) { return corners{}; });
  reg.add<picky>("picky", [](const nlohmann::json&) { return picky{}; });
  reg.add<xt_double>("xt_double", [](const nlohmann::json&) { return xt_double{}; });
  reg.add<counted>("counted", [](const nlohmann::json&) { return counted{}; });
  reg.add<scale>("strict_scale", [](const nlohmann::json& params) {
    if (!params.contains("factor")) throw std::invalid_argument("strict_scale needs params.factor");
    return make_scale(params);
  });
  return reg;
}

/// The config_error thrown by f (fails the test when none is).
template <class F>
weft::config_error config_error_of(F&& f) {
  try {
    f();
  } catch (const weft::config_error& e) {
    return e;
  }
  FAIL("no config_error was thrown");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("a sequence of a registered model and adapters answers as the typed pipeline does") {
  const weft::registry reg = test_registry();
  const auto json = weft::parse_config(R"({"stages": [
      {"model": "scale", "params": {"factor": 2, "offset": 0.5}},
      {"softmax": {}}
    ]})");
  const auto loaded = weft::load_pipeline<vec4, vec4>(reg, json);
  static_assert(weft::model<decltype(loaded)>);
  const auto typed = weft::fn<vec4, vec4>(scale{2.0f, 0.5f}) | weft::softmax;
  const vec4 x(0.1f, -0.4f, 1.5f, 0.0f);
  const vec4 a = loaded(x);
  const vec4 b = typed(x);
  for (int i = 0; i < 4; ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-6));
  CHECK(loaded.input_shape() == weft::shape{4});
  CHECK(loaded.output_shape() == weft::shape{4});
}

TEST_CASE("a connection that does not fit is a config_error naming the pointer, both specs and the remedy") {
  const weft::registry reg = test_registry();
  const auto json = weft::parse_config(R"({"stages": [{"cast": "f64"}, {"model": "scale"}]})");
  const auto e = config_error_of([&] { (void)weft::load_pipeline<vec4, vec4>(reg, json); });
  CHECK(e.pointer() == "/stages/1");
  CHECK(e.expected() == "f32[4]");
  CHECK(e.actual() == "f64[4]");
  CHECK(e.remedy().find("\"cast\": \"f32\"") != std::string::npos);
  const std::string what = e.what();
  CHECK(what.find("/stages/1") != std::string::npos);
  CHECK(what.find("f64[4]") != std::string::npos);
  const weft::load_error& as_load_error = e;  // a config_error is a load_error
  CHECK(as_load_error.kind() == "config_error");
}

TEST_CASE("a configured pipeline is a model: it mixes with typed stages") {
  const weft::registry reg = test_registry();
  const auto loaded = weft::load_pipeline<vec4, vec4>(reg, weft::parse_config(R"({"model": "scale", "params": {"factor": 3}})"));
  const auto mixed = weft::fn<vec4, vec4>(scale{1.0f, 1.0f}) | loaded | weft::argmax;
  const vec4 x(0.0f, 2.0f, 1.0f, -1.0f);
  CHECK(mixed(x)[0] == 1);
  CHECK(loaded(x)[1] == doctest::Approx(6.0f));
}

TEST_CASE("an xtensor model is registered and bridged like an Eigen one") {
  const weft::registry reg = test_registry();
  const auto p = weft::load_pipeline<vec4, Eigen::VectorXf>(
      reg, weft::parse_config(R"({"stages": [{"model": "scale"}, {"model": "xt_double"}]})"));
  const vec4 x(1.0f, -2.0f, 0.5f, 3.0f);
  CHECK(p(x) == Eigen::VectorXf(2.0f * x));
}

TEST_CASE("adapters: cast, reshape (row-major), softmax, argmax, normalize answer as the typed ones do") {
  const weft::registry reg = test_registry();
  const vec4 x(0.5f, -1.0f, 2.0f, 0.25f);
  SUBCASE("cast") {
    const auto p = weft::load_pipeline<vec4, vec4d>(reg, weft::parse_config(R"({"cast": "f64"})"));
    CHECK(p(x) == (weft::fn<vec4, vec4>(scale{}) | weft::cast<double>)(x));
  }
  SUBCASE("softmax and normalize") {
    const auto p = weft::load_pipeline<vec4, vec4>(reg, weft::parse_config(R"({"stages": [{"softmax": {}}, {"normalize": {}}]})"));
    const vec4 typed = (weft::fn<vec4, vec4>(scale{}) | weft::softmax | weft::normalize)(x);
    CHECK(p(x) == typed);
  }
  SUBCASE("argmax gives i64[1]") {
    using index1 = Eigen::Matrix<std::int64_t, 1, 1>;
    const auto p = weft::load_pipeline<vec4, index1>(reg, weft::parse_config(R"({"argmax": {}})"));
    CHECK(p(x)[0] == 2);
    const auto e = config_error_of([&] { (void)weft::load_pipeline<vec4, vec4>(reg, weft::parse_config(R"({"argmax": {}})")); });
    CHECK(e.pointer() == "");
    CHECK(e.expected() == "f32[4]");
    CHECK(e.actual() == "i64[1]");
  }
  SUBCASE("reshape keeps the row-major order, -1 is inferred") {
    const auto p = weft::load_pipeline<vec4, Eigen::Vector2f>(
        reg, weft::parse_config(R"({"stages": [{"reshape": [2, -1]}, {"model": "corners"}]})"));
    const Eigen::Vector2f y = p(x);
    CHECK(y[0] == x[1]);  // row-major [2, 2]: element (0, 1) is flat index 1
    CHECK(y[1] == x[2]);
    CHECK(p.root().describe_tree().children[0].out == "f32[2,2]");
  }
  SUBCASE("reshape's element count is judged at load") {
    const auto e = config_error_of([&] { (void)weft::load_pipeline<vec4, vec4>(reg, weft::parse_config(R"({"stages": [{"reshape": [3, 3]}]})")); });
    CHECK(e.pointer() == "/stages/0/reshape");
    CHECK(e.problem() == "reshape changes the element count");
  }
  SUBCASE("reshape of a dynamic extent is checked at call time") {
    const auto p = weft::load_pipeline<Eigen::VectorXf, Eigen::VectorXf>(reg, weft::parse_config(R"({"stages": [{"reshape": [2, 2]}, {"reshape": [4]}]})"));
    CHECK(p(Eigen::VectorXf(x)) == Eigen::VectorXf(x));
    CHECK_THROWS_AS((void)p(Eigen::VectorXf::Zero(5)), weft::shape_error);
  }
  SUBCASE("softmax refuses i64 at load, with the remedy") {
    const auto e = config_error_of([&] { (void)weft::load_pipeline<vec4, vec4>(reg, weft::parse_config(R"({"stages": [{"cast": "i64"}, {"softmax": {}}]})")); });
    CHECK(e.pointer() == "/stages/1");
    CHECK(e.remedy() == "insert {\"cast\": \"f32\"} before it");
  }
}

TEST_CASE("a golden self-test runs at load; a failure names the pointer, the expected and the actual value") {
  const weft::registry reg = test_registry();
  auto json = weft::parse_config(R"({"stages": [
      {"model": "scale", "params": {"factor": 2},
       "golden": {"input": [1, 2, 3, 4], "output": [2, 4, 6, 8], "tolerance": 0}}]})");
  CHECK_NOTHROW((void)weft::load_pipeline<vec4, vec4>(reg, json));
  json["stages"][0]["golden"]["output"][2] = 6.5;
  const auto e = config_error_of([&] { (void)weft::load_pipeline<vec4, vec4>(reg, json); });
  CHECK(e.pointer() == "/stages/0/golden/output/2");
  CHECK(e.expected() == "6.5 (tolerance 0)");
  CHECK(e.actual() == "6");
  json["stages"][0]["golden"]["input"] = {1, 2, 3};
  const auto f = config_error_of([&] { (void)weft::load_pipeline<vec4, vec4>(reg, json); });
  CHECK(f.pointer() == "/stages/0/golden/input");
  CHECK(f.expected() == "f32[4]");
  CHECK(f.actual() == "f32[3]");
}

TEST_CASE("bad input: each is a config_error naming its JSON pointer") {
  const weft::registry reg = test_registry();
  auto load = [&](const std::string& text) { return config_error_of([&] { (void)weft::load_pipeline<vec4, vec4>(reg, weft::parse_config(text)); }); };
  SUBCASE("malformed JSON") {
    const auto e = config_error_of([&] { (void)weft::parse_config(R"({"stages": [)"); });
    CHECK(e.pointer() == "");
    CHECK(e.problem() == "malformed JSON");
    REQUIRE(e.cause());
    CHECK_THROWS_AS(std::rethrow_exception(e.cause()), nlohmann::json::parse_error);
  }
  SUBCASE("unknown model name") {
    const auto e = load(R"({"stages": [{"model": "scael"}]})");
    CHECK(e.pointer() == "/stages/0/model");
    CHECK(e.expected().find("scale") != std::string::npos);
    CHECK(e.actual() == "\"scael\"");
  }
  SUBCASE("unknown kind") {
    const auto e = load(R"({"stages": [{"model": "scale"}, {"modle": "scale"}]})");
    CHECK(e.pointer() == "/stages/1");
    CHECK(e.problem() == "unknown stage kind");
  }
  SUBCASE("two kinds in one stage") {
    CHECK(load(R"({"cast": "f32", "softmax": {}})").problem() == "a stage names several kinds");
  }
  SUBCASE("wrong value types") {
    CHECK(load(R"({"stages": {"model": "scale"}})").pointer() == "/stages");
    CHECK(load(R"({"model": "scale", "params": [2]})").pointer() == "/params");
    CHECK(load(R"({"stages": [{"model": 3}]})").pointer() == "/stages/0/model");
    CHECK(load(R"({"stages": [{"model": "scale", "name": 7}]})").pointer() == "/stages/0/name");
    CHECK(load(R"({"stages": [42]})").pointer() == "/stages/0");
    CHECK(load(R"({"stages": [{"reshape": [2, 1.5]}]})").pointer() == "/stages/0/reshape/1");
    CHECK(load(R"({"reshape": [99999999999, 1]})").pointer() == "/reshape/0");
    CHECK(load(R"({"model": "scale", "golden": {"input": [1, 2, 3, 1e300], "output": [1, 2, 3, 4]}})").pointer() ==
          "/golden/input/3");  // beyond f32's range
  }
  SUBCASE("missing fields") {
    CHECK(load(R"({"model": "scale", "golden": {"input": [1, 2, 3, 4]}})").pointer() == "/golden");
    CHECK(load(R"({"stages": []})").pointer() == "/stages");
  }
  SUBCASE("extra unknown keys are refused") {
    const auto e = load(R"({"stages": [{"model": "scale", "parms": {"factor": 2}}]})");
    CHECK(e.pointer() == "/stages/0/parms");
    CHECK(e.problem() == "unknown key \"parms\" in a \"model\" stage");
    CHECK(load(R"({"model": "scale", "golden": {"input": [1, 2, 3, 4], "output": [1, 2, 3, 4], "tol": 1}})").pointer() == "/golden/tol");
  }
  SUBCASE("no cycle can be written; the nearest thing, nesting without end, is refused") {
    nlohmann::json json{{"model", "scale"}};
    for (int i = 0; i < 100; ++i) json = nlohmann::json{{"stages", {json}}};
    const auto e = config_error_of([&] { (void)weft::load_pipeline<vec4, vec4>(reg, json); });
    CHECK(e.problem() == "stages nested too deeply");
    CHECK(e.pointer().size() == std::string("/stages/0").size() * weft::config::loader::max_depth);
  }
  SUBCASE("a factory that throws is the cause") {
    const auto e = load(R"({"stages": [{"softmax": {}}, {"model": "strict_scale"}]})");
    CHECK(e.pointer() == "/stages/1");
    REQUIRE(e.cause());
    CHECK_THROWS_AS(std::rethrow_exception(e.cause()), std::invalid_argument);
    CHECK(std::string(e.what()).find("strict_scale needs params.factor") != std::string::npos);
  }
  SUBCASE("a configuration file that does not exist") {
    const auto e = config_error_of([&] { (void)weft::load_pipeline<vec4, vec4>(reg, std::filesystem::path("/no/such/pipeline.json")); });
    CHECK(e.file() == "/no/such/pipeline.json");
  }
}

TEST_CASE("nothing half-built survives a failed load") {
  const weft::registry reg = test_registry();
  CHECK(counted::alive == 0);
  const auto json = weft::parse_config(R"({"stages": [{"model": "counted"}, {"model": "counted"}, {"model": "nope"}]})");
  (void)config_error_of([&] { (void)weft::load_pipeline<vec4, vec4>(reg, json); });
  CHECK(counted::alive == 0);
  {
    const auto ok = weft::load_pipeline<vec4, vec4>(reg, weft::parse_config(R"({"stages": [{"model": "counted"}]})"));
    CHECK(counted::alive > 0);
  }
  CHECK(counted::alive == 0);
}

TEST_CASE("an error during a call carries the configured stage path") {
  const weft::registry reg = test_registry();
  const auto p = weft::load_pipeline<vec4, vec4>(
      reg, weft::parse_config(R"({"stages": [{"softmax": {}}, {"stages": [{"model": "picky", "name": "guard"}]}]})"));
  const auto q = weft::load_pipeline<vec4, vec4>(reg, weft::parse_config(R"({"stages": [{"model": "scale", "params": {"offset": -5}}, {"model": "picky", "name": "guard"}]})"));
  try {
    (void)q(vec4::Zero());
    FAIL("no error");
  } catch (const weft::inference_error& e) {
    CHECK(e.path_text() == "sequence[1] \"guard\"");
  }
  CHECK_NOTHROW((void)p(vec4::Zero()));  // softmax makes it positive
}

TEST_CASE("describe and to_dot show a loaded pipeline's stages") {
  const weft::registry reg = test_registry();
  const auto p = weft::load_pipeline<vec4, vec4>(
      reg, weft::parse_config(R"({"stages": [{"model": "scale", "name": "pre"}, {"softmax": {}}]})"));
  const std::string text = weft::describe(p);
  CHECK(text.find("sequence") != std::string::npos);
  CHECK(text.find("\"pre\" model \"scale\"") != std::string::npos);
  CHECK(text.find("softmax") != std::string::npos);
  CHECK(text.find("f32[4]") != std::string::npos);
  const std::string dot = weft::to_dot(p);
  CHECK(dot.rfind("digraph weft", 0) == 0);
  CHECK(dot.find("softmax") != std::string::npos);
}

TEST_CASE("the canonical JSON writes every default out") {
  const weft::registry reg = test_registry();
  const auto p = weft::load_pipeline<vec4, vec4>(reg, weft::parse_config(R"({"stages": [{"model": "scale", "name": "s"}]})"));
  CHECK(p.root().canonical_json() ==
        nlohmann::json::parse(R"({"stages": [{"model": "scale", "params": {}, "name": "s"}]})"));
}

TEST_CASE("config_error's what() is one line: pointer, file, problem, both specs, remedy, cause") {
  const weft::config_error e("/stages/1", "connection does not fit this stage's input", "f32[8]", "f64[8]",
                             "insert {\"cast\": \"f32\"} before it", nullptr, "pipeline.json");
  CHECK(std::string(e.what()) ==
        "weft: config_error: at /stages/1 in \"pipeline.json\": connection does not fit this stage's input: "
        "expected f32[8], got f64[8]; remedy: insert {\"cast\": \"f32\"} before it");
  const weft::config_error root("", "malformed JSON", {}, {}, {}, std::make_exception_ptr(std::runtime_error("eof")));
  CHECK(std::string(root.what()) == "weft: config_error: at <root>: malformed JSON; cause: eof");
  CHECK(e.file() == "pipeline.json");
}
