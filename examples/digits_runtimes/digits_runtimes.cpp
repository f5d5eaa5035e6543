// digits_runtimes: models trained elsewhere, composed with one written here. An MLP trained in
// PyTorch and exported to ONNX (run by OpenCV's DNN module through weft::onnx_model), an XGBoost
// classifier (weft::xgboost_model) and examples/digits' hand-written nearest-centroid model classify
// the same 360 test images of 8x8 handwritten digits, alone, averaged by weft::ensemble, and in a
// weft::fallback cascade that lets the cheap model answer when it is confident and asks the ensemble
// otherwise. The cascade is swept over the confidence threshold (accuracy, and how many images
// reached the ensemble), and a routed variant (weft::route, top1) sends each image to the centroid,
// the MLP or the ensemble by a rule over the centroid's confidence (no trained gate).
// Prints every model's and every composition's test accuracy, and checks that each runtime
// model agrees with Python, which wrote the files, on every test image: the same class, and
// probabilities within 1e-5. Exits 1 when they do not.
//
// Nothing is trained here with gradients: scripts/models/digits.py trained both files on
// examples/digits' split (its training images only) and wrote Python's predictions beside them; the
// nearest-centroid model is the mean image of each class over the same training images.
//
// Usage: digits_runtimes <digits.csv> <models-dir> [--time]
//        digits.csv: the path scripts/fetch-digits prints; models-dir: the directory holding
//        mlp.onnx, xgboost.ubj and expected.csv (tests/data/digits in the repository). Without
//        arguments they are read from the environment variables WEFT_DIGITS_CSV and WEFT_DIGITS_MODELS.
//        --time adds the measured time per input of each member and composition (it varies from run
//        to run: the golden output is the run without it).
// Run it with `scripts/demo runtimes`; docs/digits_runtimes.md explains the output.
#include "../digits/digits_common.hpp"

#include <weft/conditions.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/onnx.hpp>
#include <weft/route.hpp>
#include <weft/xgboost.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// ---------------------------------------------------------------------------------------------
// Python's predictions: tests/data/digits/expected.csv, one line per test image
// ---------------------------------------------------------------------------------------------
struct python_prediction {
  std::size_t line;  // the image's line in digits.csv (0-based)
  int label;
  int xgboost_class, mlp_class;
  scores xgboost_p, mlp_p;
};

std::vector<python_prediction> read_expected(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path + " (run scripts/make-test-models digits)");
  std::string text;
  std::getline(in, text);  // the header
  std::vector<python_prediction> rows;
  while (std::getline(in, text)) {
    std::istringstream fields(text);
    std::string field;
    std::vector<double> v;
    while (std::getline(fields, field, ',')) v.push_back(std::stod(field));
    if (v.size() != 24)
      throw std::runtime_error(path + ": line " + std::to_string(rows.size() + 2) + " does not hold 24 values");
    python_prediction p{static_cast<std::size_t>(v[0]), static_cast<int>(v[1]), static_cast<int>(v[2]),
                        static_cast<int>(v[3]), {}, {}};
    for (int c = 0; c < 10; ++c) {
      p.xgboost_p(c) = static_cast<float>(v[static_cast<std::size_t>(4 + c)]);
      p.mlp_p(c) = static_cast<float>(v[static_cast<std::size_t>(14 + c)]);
    }
    rows.push_back(p);
  }
  return rows;
}

// Runs a runtime model once over the whole test set (call_batch: one runtime call, the images as
// the columns of one 64 x 360 matrix) and compares each column with Python's: the argmax and every
// probability. Prints one line; returns whether every image agreed.
template <class M, class Expected>
bool agrees_with_python(const M& model, std::string_view name, const weft::batch_t<image>& images,
                        const std::vector<python_prediction>& python, Expected expected) {
  const weft::batch_t<scores> p = model.call_batch(images);
  std::size_t same_class = 0;
  float max_diff = 0;
  for (std::size_t i = 0; i < python.size(); ++i) {
    const auto col = static_cast<Eigen::Index>(i);
    const auto& [cls, probabilities] = expected(python[i]);
    Eigen::Index argmax = 0;
    p.col(col).maxCoeff(&argmax);
    same_class += static_cast<std::size_t>(argmax == cls);
    max_diff = std::max(max_diff, (p.col(col) - probabilities).cwiseAbs().maxCoeff());
  }
  const bool ok = same_class == python.size() && max_diff <= 1e-5f;
  std::cout << "  " << padded(name, 22) << "same class as Python on " << same_class << "/" << python.size()
            << " images, probabilities " << (max_diff <= 1e-5f ? "within" : "NOT within") << " 1e-5: "
            << (ok ? "agrees" : "DISAGREES") << "\n";
  return ok;
}

// Nanoseconds per input of model m over the test images, one call each: the median of 9 passes
// (after one pass to warm up). Timing varies from run to run and machine to machine: printed only
// with --time, never in the golden output.
template <class M>
long per_input_ns(const M& m, const std::vector<sample>& test) {
  using clock = std::chrono::steady_clock;
  volatile float sink = 0;
  const auto pass = [&] {
    float sum = 0;
    for (const auto& s : test) sum += m(s.x)(0);
    sink = sink + sum;
  };
  pass();
  std::vector<long> ns;
  for (int r = 0; r < 9; ++r) {
    const auto start = clock::now();
    pass();
    ns.push_back(static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - start).count()));
  }
  std::sort(ns.begin(), ns.end());
  return ns[ns.size() / 2] / static_cast<long>(test.size());
}

// The thresholds of the cascade sweep, with their labels as printed.
constexpr std::pair<double, std::string_view> sweep[] = {
    {0.1, "0.1"}, {0.3, "0.3"}, {0.4, "0.4"}, {0.5, "0.5"}, {0.6, "0.6"}, {0.65, "0.65"}, {0.7, "0.7"},
    {0.75, "0.75"}, {0.8, "0.8"}, {0.85, "0.85"}, {0.9, "0.9"}, {0.95, "0.95"}, {0.99, "0.99"}};

// The routed variant's lower thresholds (its upper one is 0.8).
constexpr std::pair<double, std::string_view> route_lows[] = {{0.8, "0.8"}, {0.6, "0.6"}, {0.5, "0.5"}, {0.4, "0.4"}, {0.3, "0.3"}, {0.1, "0.1"}};

// The routed variant's gate output: one probability per expert (centroid, MLP, ensemble).
using gate_scores = Eigen::Matrix<float, 3, 1>;

int main(int argc, char** argv) try {
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool timing = !args.empty() && args.back() == "--time";
  if (timing) args.pop_back();
  const char* csv_env = std::getenv("WEFT_DIGITS_CSV");
  const char* models_env = std::getenv("WEFT_DIGITS_MODELS");
  const std::string csv = args.size() >= 2 ? args[0] : csv_env != nullptr ? csv_env : "";
  const std::string models = args.size() >= 2 ? args[1] : models_env != nullptr ? models_env : "";
  if (csv.empty() || models.empty()) {
    std::cerr << "usage: digits_runtimes <digits.csv> <models-dir> [--time]  (or WEFT_DIGITS_CSV and "
                 "WEFT_DIGITS_MODELS)\n";
    return 2;
  }

  // examples/digits' split: the same shuffle applied to the line numbers, so that each test image's
  // line can be matched with the line Python recorded.
  const std::vector<sample> data = read_digits(csv);
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937 split_rng(split_seed);
  shuffle(order, split_rng);
  const std::size_t n_test = (data.size() + 4) / 5;
  std::vector<sample> train, test;
  for (std::size_t k = 0; k < order.size(); ++k) (k + n_test < order.size() ? train : test).push_back(data[order[k]]);

  const std::vector<python_prediction> python = read_expected(models + "/expected.csv");
  if (python.size() != test.size())
    throw std::runtime_error("expected.csv holds " + std::to_string(python.size()) + " test images, the split " +
                             std::to_string(test.size()));
  for (std::size_t i = 0; i < test.size(); ++i)
    if (python[i].line != order[order.size() - n_test + i] || python[i].label != test[i].label)
      throw std::runtime_error("expected.csv's test image " + std::to_string(i) +
                               " is not the split's: re-run scripts/make-test-models digits");
  std::cout << "digits_runtimes: " << data.size() << " images, split with seed " << split_seed << " as examples/digits: "
            << train.size() << " trained the models, " << test.size() << " test them\n\n";

  using weft::operator|;

  // The members: one written here, two trained elsewhere and checked against their files' signatures
  // when loaded (a file of another width or class count throws weft::load_error here).
  const auto centroid = weft::named("nearest centroid", nearest_centroid::fit(train) | weft::softmax);
  const weft::onnx_model<image, scores> mlp{models + "/mlp.onnx"};         // PyTorch MLP 64-32-10, softmax
  const weft::xgboost_model<image, scores> trees{models + "/xgboost.ubj"};  // 10 classes, multi:softprob

  // The compositions: the three probabilities averaged; and a cascade in which the nearest centroid
  // answers alone when it gives a class at least 0.9 (a fallback of one branch refuses otherwise,
  // with weft::fallback_error) and the ensemble answers the rest.
  const auto average = weft::named("average", weft::ensemble(weft::mean, centroid, mlp, trees));
  const auto confident_centroid = weft::named("confident centroid", weft::fallback(centroid).when(weft::below_confidence(0.9)));
  const auto cascade = weft::fallback(confident_centroid, average);

  std::cout << "agreement with Python (call_batch over the " << test.size() << " test images)\n";
  weft::batch_t<image> images(64, static_cast<Eigen::Index>(test.size()));
  for (std::size_t i = 0; i < test.size(); ++i) images.col(static_cast<Eigen::Index>(i)) = test[i].x;
  bool agree = agrees_with_python(mlp, "mlp.onnx", images, python, [](const python_prediction& p) {
    return std::pair<int, const scores&>{p.mlp_class, p.mlp_p};
  });
  agree = agrees_with_python(trees, "xgboost.ubj", images, python, [](const python_prediction& p) {
            return std::pair<int, const scores&>{p.xgboost_class, p.xgboost_p};
          }) && agree;

  struct row {
    std::string_view name;
    std::size_t correct;
  };
  const row rows[] = {{"nearest centroid", correct_on(centroid, test)},
                      {"mlp.onnx", correct_on(mlp, test)},
                      {"xgboost.ubj", correct_on(trees, test)},
                      {"ensemble(mean, ...)", correct_on(average, test)},
                      {"cascade", correct_on(cascade, test)}};
  std::cout << "\ntest accuracy on " << test.size() << " images\n";
  for (const auto& r : rows)
    std::cout << "  " << padded(r.name, 22) << padded(percent(r.correct, test.size()), 7) << " (" << r.correct << "/"
              << test.size() << ")\n";

  // Which branch of the cascade answered each image.
  std::array<std::size_t, 2> by_branch{}, right_by_branch{};
  for (const auto& s : test) {
    const auto [y, branch] = weft::answered(cascade, s.x);
    ++by_branch[branch];
    right_by_branch[branch] += static_cast<std::size_t>(weft::argmax.apply(y)(0) == s.label);
  }
  std::cout << "\ncascade: fallback(fallback(nearest centroid).when(below_confidence(0.9)), average)\n"
            << "  " << padded("answered by the nearest centroid alone (confident):", 56) << by_branch[0] << ", "
            << right_by_branch[0] << " right\n"
            << "  " << padded("answered by the ensemble (the centroid was not):", 56) << by_branch[1] << ", "
            << right_by_branch[1] << " right\n";

  // The cascade swept: for each threshold t, the nearest centroid answers when its top probability
  // reaches t, the ensemble otherwise. The share of images that reached the ensemble is the share
  // that paid for the runtimes.
  std::cout << "\ncascade sweep: the nearest centroid answers when its top probability reaches t,\n"
            << "the ensemble otherwise (the ensemble alone: " << percent(rows[3].correct, test.size()) << ", " << rows[3].correct
            << "/" << test.size() << ")\n"
            << "  t        accuracy          reached the ensemble\n";
  for (const auto& [t, label] : sweep) {
    const auto sure = weft::fallback(centroid).when(weft::below_confidence(t));
    const auto swept = weft::fallback(std::cref(sure), std::cref(average));
    std::size_t right = 0, expensive = 0;
    for (const auto& s : test) {
      const auto [y, branch] = weft::answered(swept, s.x);
      right += static_cast<std::size_t>(weft::argmax.apply(y)(0) == s.label);
      expensive += branch;
    }
    std::cout << "  " << padded(label, 9) << padded(percent(right, test.size()), 7) << padded(
                     " (" + std::to_string(right) + "/" + std::to_string(test.size()) + ")", 11)
              << padded(std::to_string(expensive), 5) << "(" << percent(expensive, test.size()) << ")";
    if (timing) std::cout << "   " << per_input_ns(swept, test) << " ns per input";
    std::cout << "\n";
  }

  // The routed variant: a gate sends each image to one of three experts, by a rule over the nearest
  // centroid's top probability c: the centroid alone when c >= 0.8, the MLP alone (one runtime) when
  // c >= low, the ensemble (both runtimes) below. The gate's output is one probability per expert, 1
  // for the chosen one: weft::route(weft::top1, ...) runs that expert only.
  std::cout << "\nrouted: weft::route(top1, gate, nearest centroid, mlp.onnx, ensemble); the gate reads\n"
            << "the centroid's top probability c: the centroid when c >= 0.8, the MLP when c >= low,\n"
            << "else the ensemble\n"
            << "  low      accuracy          centroid   mlp.onnx   ensemble\n";
  for (const auto& [low, label] : route_lows) {
    const auto gate = std::cref(centroid) | weft::fn<scores, gate_scores>([low = low](const scores& p) {
      const float c = p.maxCoeff();
      return c >= 0.8f ? gate_scores(1, 0, 0) : c >= static_cast<float>(low) ? gate_scores(0, 1, 0) : gate_scores(0, 0, 1);
    });
    const auto routed = weft::route(weft::top1, gate, std::cref(centroid), std::cref(mlp), std::cref(average));
    std::size_t right = 0;
    std::array<std::size_t, 3> by_expert{};
    for (const auto& s : test) {
      const auto r = weft::routed(routed, s.x);
      right += static_cast<std::size_t>(weft::argmax.apply(r.output)(0) == s.label);
      ++by_expert[r.experts[0]];
    }
    std::cout << "  " << padded(label, 9) << padded(percent(right, test.size()), 7)
              << padded(" (" + std::to_string(right) + "/" + std::to_string(test.size()) + ")", 11);
    std::cout << padded(std::to_string(by_expert[0]), 11) << padded(std::to_string(by_expert[1]), 11) << by_expert[2];
    if (timing) std::cout << "   " << per_input_ns(routed, test) << " ns per input";
    std::cout << "\n";
  }

  if (timing) {
    std::cout << "\ntime per input (median of 9 passes over the " << test.size() << " test images, one call each)\n";
    const auto show = [&](std::string_view name, const auto& m) {
      std::cout << "  " << padded(name, 34) << per_input_ns(m, test) << " ns\n";
    };
    show("nearest centroid", centroid);
    show("xgboost.ubj", trees);
    show("mlp.onnx", mlp);
    show("ensemble(mean, ...)", average);
    // What a cascade pays for each image the cheap model is unsure of, beyond the expensive model:
    // the inner fallback refuses with weft::fallback_error, which the outer one catches.
    const auto never_sure = weft::fallback(centroid).when(weft::below_confidence(2.0));
    show("centroid, refused, then centroid", weft::fallback(std::cref(never_sure), std::cref(centroid)));
  }

  if (!agree) {
    std::cerr << "digits_runtimes: a runtime model disagrees with Python's predictions\n";
    return 1;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "digits_runtimes: " << e.what() << "\n";
  return 1;
}
