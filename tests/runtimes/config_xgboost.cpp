// Tests for weft/config/xgboost.hpp: {"xgboost": "trees.ubj"} answers as weft::xgboost_model does
// (and as predict_proba did), its options are read and written back, and a file that does not fit
// the connections is a config_error with the pointer and the runtime's load_error as cause.
#include <weft/config.hpp>
#include <weft/config/xgboost.hpp>
#include <weft/eigen.hpp>

#include <weft/adapters.hpp>
#include <weft/sequence.hpp>
#include <weft/xgboost.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using vec8 = Eigen::Matrix<float, 8, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using index1 = Eigen::Matrix<std::int64_t, 1, 1>;

std::filesystem::path data_dir() { return std::filesystem::path(WEFT_TEST_DATA) / "xgboost"; }

std::vector<std::vector<float>> read_rows(const std::string& name) {
  std::ifstream in(data_dir() / name);
  REQUIRE_MESSAGE(in.good(), "missing test data " << name << ": run scripts/make-test-models xgboost");
  std::vector<std::vector<float>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<float> row;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) row.push_back(std::strtof(cell.c_str(), nullptr));
    rows.push_back(row);
  }
  return rows;
}

weft::registry xgboost_registry() {
  weft::registry reg;
  weft::register_xgboost(reg);
  return reg;
}

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

TEST_CASE("an xgboost stage answers as xgboost_model and predict_proba do; argmax after it gives the class") {
  const weft::registry reg = xgboost_registry();
  const auto probs = weft::load_pipeline<vec8, vec3>(reg, weft::parse_config(R"({"xgboost": "softprob.ubj"})"),
                                                     data_dir());
  const auto label = weft::load_pipeline<vec8, index1>(
      reg, weft::parse_config(R"({"stages": [{"xgboost": "softprob.json", "threads": 1}, {"argmax": {}}]})"),
      data_dir());
  const weft::xgboost_model<vec8, vec3> typed((data_dir() / "softprob.ubj").string());
  const auto inputs = read_rows("inputs.csv");
  const auto expected = read_rows("softprob.csv");
  REQUIRE(inputs.size() == expected.size());
  for (std::size_t r = 0; r < inputs.size(); ++r) {
    const vec8 x = Eigen::Map<const vec8>(inputs[r].data());
    const vec3 a = probs(x);
    const vec3 b = typed(x);
    Eigen::Index best = 0;
    b.maxCoeff(&best);
    for (int i = 0; i < 3; ++i) {
      CHECK(a[i] == b[i]);
      CHECK(a[i] == doctest::Approx(expected[r][static_cast<std::size_t>(i)]).epsilon(1e-6));
    }
    CHECK(label(x)[0] == best);
  }
  CHECK(probs.root().canonical_json() ==
        nlohmann::json{{"xgboost", "softprob.ubj"}, {"threads", 1}, {"use_best_iteration", true}});
}

TEST_CASE("an xgboost file that does not fit the connections is a config_error with the pointer and cause") {
  const weft::registry reg = xgboost_registry();
  SUBCASE("num_feature 5 where 8 features arrive") {
    const auto e = config_error_of([&] {
      (void)weft::load_pipeline<vec8, vec3>(reg, weft::parse_config(R"({"stages": [{"xgboost": "features5.json"}]})"),
                                            data_dir());
    });
    CHECK(e.pointer() == "/stages/0");
    CHECK(e.expected() == "f32[5]");
    CHECK(e.actual() == "f32[8]");
  }
  SUBCASE("three classes where the pipeline's output takes four") {
    using vec4 = Eigen::Matrix<float, 4, 1>;
    const auto e = config_error_of([&] {
      (void)weft::load_pipeline<vec8, vec4>(reg, weft::parse_config(R"({"xgboost": "softprob.ubj"})"), data_dir());
    });
    CHECK(e.pointer() == "");
    CHECK(e.expected() == "f32[4]");
    CHECK(e.actual() == "f32[3]");
  }
  SUBCASE("a corrupt file") {
    const auto e = config_error_of([&] {
      (void)weft::load_pipeline<vec8, vec3>(reg, weft::parse_config(R"({"stages": [{"xgboost": "corrupt.json"}]})"),
                                            data_dir());
    });
    CHECK(e.pointer() == "/stages/0/xgboost");
    REQUIRE(e.cause());
    CHECK_THROWS_AS(std::rethrow_exception(e.cause()), weft::load_error);
  }
  SUBCASE("a wrong option value") {
    const auto e = config_error_of([&] {
      (void)weft::load_pipeline<vec8, vec3>(reg, weft::parse_config(R"({"xgboost": "softprob.ubj", "threads": "two"})"),
                                            data_dir());
    });
    CHECK(e.pointer() == "/threads");
  }
}
