// digits_config: examples/digits_runtimes' composition, loaded from JSON. The cascade of
// digits.json (a fallback: the nearest centroid alone when it gives a class at least 0.9, else the
// mean of the nearest centroid, the ONNX MLP and the XGBoost classifier) is built by
// weft::load_pipeline from the file, every connection judged while it loads; the nearest-centroid
// model is fitted here and registered by name, the runtimes' kinds by weft::register_onnx and
// weft::register_xgboost. Prints the loaded cascade (weft::describe) and the test accuracy of each
// member and composition, read from the same file: the figures examples/digits_runtimes prints for
// its typed pipeline.
//
// Usage: digits_config <digits.csv> <models-dir> <digits.json>
//        digits.csv: the path scripts/fetch-digits prints; models-dir: the directory holding
//        mlp.onnx and xgboost.ubj (tests/data/digits), which the JSON's file names are relative to;
//        digits.json: this directory's. Without arguments they are read from the environment
//        variables WEFT_DIGITS_CSV, WEFT_DIGITS_MODELS and WEFT_DIGITS_CONFIG.
#include "../digits/digits_common.hpp"

#include <weft/config.hpp>
#include <weft/config/onnx.hpp>
#include <weft/config/xgboost.hpp>
#include <weft/describe.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

int main(int argc, char** argv) try {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto arg = [&](std::size_t i, const char* env) -> std::string {
    if (args.size() >= 3) return args[i];
    const char* v = std::getenv(env);
    return v != nullptr ? v : "";
  };
  const std::string csv = arg(0, "WEFT_DIGITS_CSV"), models = arg(1, "WEFT_DIGITS_MODELS"),
                    config = arg(2, "WEFT_DIGITS_CONFIG");
  if (csv.empty() || models.empty() || config.empty()) {
    std::cerr << "usage: digits_config <digits.csv> <models-dir> <digits.json>  (or WEFT_DIGITS_CSV, "
                 "WEFT_DIGITS_MODELS and WEFT_DIGITS_CONFIG)\n";
    return 2;
  }

  // examples/digits' split, as digits_runtimes makes it.
  std::vector<sample> data = read_digits(csv);
  std::mt19937 split_rng(split_seed);
  shuffle(data, split_rng);
  const std::size_t n_test = (data.size() + 4) / 5;
  const std::vector<sample> train(data.begin(), data.end() - static_cast<std::ptrdiff_t>(n_test));
  const std::vector<sample> test(data.end() - static_cast<std::ptrdiff_t>(n_test), data.end());
  std::cout << "digits_config: " << data.size() << " images, split with seed " << split_seed
            << " as examples/digits: " << train.size() << " trained the models, " << test.size() << " test them\n\n";

  // What a configuration may name: the runtimes' kinds, and the model fitted here.
  using weft::operator|;
  const auto centroid = nearest_centroid::fit(train) | weft::softmax;
  weft::registry reg;
  weft::register_onnx(reg);
  weft::register_xgboost(reg);
  reg.add<std::remove_cv_t<decltype(centroid)>>("nearest centroid", [&](const nlohmann::json&) { return centroid; });

  std::ifstream in(config, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + config);
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json cascade_json = weft::parse_config(text.str(), config);
  // Model files are relative to models-dir; the file name is for messages.
  const auto load = [&](const nlohmann::json& j) { return weft::load_pipeline<image, scores>(reg, j, models, config); };

  const auto cascade = load(cascade_json);
  std::cout << "loaded from digits.json (weft::describe):\n" << weft::describe(cascade) << "\n";

  // Each member and the ensemble are stages of the same file, loaded on their own.
  const nlohmann::json& average = cascade_json.at("fallback").at(1);
  const nlohmann::json& members = average.at("ensemble");
  struct row {
    std::string_view name;
    std::size_t correct;
  };
  const row rows[] = {{"nearest centroid", correct_on(load(members.at(0)), test)},
                      {"mlp.onnx", correct_on(load(members.at(1)), test)},
                      {"xgboost.ubj", correct_on(load(members.at(2)), test)},
                      {"ensemble(mean, ...)", correct_on(load(average), test)},
                      {"cascade", correct_on(cascade, test)}};
  std::cout << "test accuracy on " << test.size() << " images\n";
  for (const auto& r : rows)
    std::cout << "  " << padded(r.name, 22) << padded(percent(r.correct, test.size()), 7) << " (" << r.correct << "/"
              << test.size() << ")\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "digits_config: " << e.what() << "\n";
  return 1;
}
