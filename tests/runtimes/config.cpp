// Tests for weft/config.hpp: the registry, the loader, the sequence and model kinds, the adapters,
// golden self-tests and bad input (each a config_error naming its JSON pointer). The registered
// models are written here; the runtimes' kinds are tested in config_onnx.cpp and config_xgboost.cpp.
#include <weft/config.hpp>
#include <weft/eigen.hpp>

#include <weft/adapters.hpp>
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

scale make_scale(const nlohmann::json& params) {
  return scale{params.value("factor", 1.0f), params.value("offset", 0.0f)};
}

weft::registry test_registry() {
  weft::registry reg;
  reg.add<scale>("scale", make_scale);
  reg.add<summer>("summer", [](const nlohmann::json&) { return summer{}; });
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
