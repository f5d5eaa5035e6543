// Tests for weft/config/onnx.hpp: {"onnx": "net.onnx"} answers as weft::onnx_model does, its file
// is resolved against the configuration file's directory and checked against the connections at
// load (a config_error with the pointer, the runtime's load_error as cause), and golden self-tests.
#include <weft/config.hpp>
#include <weft/config/onnx.hpp>
#include <weft/eigen.hpp>

#include <weft/adapters.hpp>
#include <weft/onnx.hpp>
#include <weft/sequence.hpp>

#include <doctest/doctest.h>

#include "onnx_test_data.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace {

using vec8 = Eigen::Matrix<float, 8, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;

weft::registry onnx_registry() {
  weft::registry reg;
  weft::register_onnx(reg);
  return reg;
}

std::filesystem::path data_dir() { return std::filesystem::path(WEFT_TEST_DATA) / "onnx"; }

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

TEST_CASE("an onnx stage answers as onnx_model does, and as scikit-learn's MLP did") {
  const weft::registry reg = onnx_registry();
  const auto json = weft::parse_config(R"({"stages": [{"onnx": "mlp.onnx"}, {"softmax": {}}]})");
  const auto loaded = weft::load_pipeline<vec8, vec3>(reg, json, data_dir());
  const auto typed = weft::onnx_model<vec8, vec3>(onnx_test::file("mlp.onnx")) | weft::softmax;
  const auto raw = weft::load_pipeline<vec8, vec3>(reg, weft::parse_config(R"({"onnx": "mlp.onnx"})"), data_dir());
  const auto inputs = onnx_test::csv("inputs.csv");
  const auto expected = onnx_test::csv("mlp_expected.csv");
  REQUIRE(inputs.size() == expected.size());
  for (std::size_t r = 0; r < inputs.size(); ++r) {
    const vec8 x = Eigen::Map<const vec8>(inputs[r].data());
    const vec3 a = loaded(x);
    const vec3 b = typed(x);
    const vec3 c = raw(x);
    for (int i = 0; i < 3; ++i) {
      CHECK(a[i] == b[i]);
      CHECK(c[i] == doctest::Approx(expected[r][static_cast<std::size_t>(i)]).epsilon(1e-5));
    }
  }
  CHECK(loaded.root().files().size() == 1);
  CHECK(loaded.root().canonical_json()["stages"][0] == nlohmann::json{{"onnx", "mlp.onnx"}, {"output", ""}});
}

TEST_CASE("a configuration file's model paths are relative to its directory") {
  const auto dir = std::filesystem::temp_directory_path() / ("weft_config_onnx_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(onnx_test::file("mlp.onnx"), dir / "net.onnx",
                             std::filesystem::copy_options::overwrite_existing);
  std::ofstream(dir / "pipeline.json") << R"({"stages": [{"onnx": "net.onnx", "name": "mlp"}]})";
  const weft::registry reg = onnx_registry();
  const auto p = weft::load_pipeline<vec8, vec3>(reg, dir / "pipeline.json");
  const auto inputs = onnx_test::csv("inputs.csv");
  const auto expected = onnx_test::csv("mlp_expected.csv");
  const vec3 y = p(Eigen::Map<const vec8>(inputs[0].data()));
  CHECK(y[0] == doctest::Approx(expected[0][0]).epsilon(1e-5));
  CHECK(p.root().files() == std::vector<std::string>{(dir / "net.onnx").string()});
  std::filesystem::remove_all(dir);
}

TEST_CASE("an onnx file that does not fit the connection is a config_error naming the pointer and both specs") {
  const weft::registry reg = onnx_registry();
  using vec4 = Eigen::Matrix<float, 4, 1>;
  const auto e = config_error_of([&] {
    (void)weft::load_pipeline<vec4, vec3>(reg, weft::parse_config(R"({"stages": [{"onnx": "mlp.onnx"}]})"),
                                          data_dir());
  });
  CHECK(e.pointer() == "/stages/0");
  CHECK(e.expected() == "f32[8]");
  CHECK(e.actual() == "f32[4]");
}

TEST_CASE("a corrupt or missing onnx file is a config_error whose cause is the runtime's load_error") {
  const weft::registry reg = onnx_registry();
  for (const char* file : {"corrupt.onnx", "no_such_file.onnx"}) {
    CAPTURE(file);
    nlohmann::json json{{"stages", {{{"softmax", nlohmann::json::object()}}, {{"onnx", file}}}}};
    const auto e = config_error_of([&] { (void)weft::load_pipeline<vec8, vec3>(reg, json, data_dir()); });
    CHECK(e.pointer() == "/stages/1/onnx");
    REQUIRE(e.cause());
    CHECK_THROWS_AS(std::rethrow_exception(e.cause()), weft::load_error);
    CHECK(std::string(e.what()).find(file) != std::string::npos);
  }
}

TEST_CASE("an onnx stage's golden self-test runs at load") {
  const weft::registry reg = onnx_registry();
  const auto inputs = onnx_test::csv("inputs.csv");
  const auto expected = onnx_test::csv("mlp_expected.csv");
  nlohmann::json golden{{"input", inputs[0]}, {"output", expected[0]}, {"tolerance", 1e-5}};
  nlohmann::json json{{"onnx", "mlp.onnx"}, {"golden", golden}};
  CHECK_NOTHROW((void)weft::load_pipeline<vec8, vec3>(reg, json, data_dir()));
  json["golden"]["output"][1] = expected[0][1] + 0.5f;
  const auto e = config_error_of([&] { (void)weft::load_pipeline<vec8, vec3>(reg, json, data_dir()); });
  CHECK(e.pointer() == "/golden/output/1");
  CHECK(std::string(e.what()).find("golden") != std::string::npos);
}
