// digits: weft on real data. Three small classifiers of 8x8 handwritten digits, fitted here, then
// composed: an ensemble that votes, a fallback that refuses an answer nobody is confident about,
// and a fan_out | concat feature stage in front of the linear model. Prints every model's test
// accuracy and what the fallback did. Deterministic: fixed seeds, a fixed split, integer counts
// and accuracies rounded to one decimal.
//
// Usage: digits <digits.csv> [pipeline.dot]
//        digits.csv: the path scripts/fetch-digits prints (the file Debian's python3-sklearn ships:
//        1,797 lines, 64 pixel values 0..16 then the label, no header row); without arguments it is
//        read from the environment variable WEFT_DIGITS_CSV. pipeline.dot, when given, receives
//        weft::to_dot of the guarded pipeline (render it with `dot -Tsvg`).
// Run it with `scripts/demo digits`; docs/digits.md explains the output.
#include "digits_common.hpp"

#include <weft/adapters.hpp>
#include <weft/conditions.hpp>
#include <weft/describe.hpp>
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/fan_out.hpp>
#include <weft/model.hpp>
#include <weft/reducers.hpp>
#include <weft/sequence.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

int main(int argc, char** argv) try {
  const char* env = std::getenv("WEFT_DIGITS_CSV");
  const std::string path = argc > 1 ? argv[1] : env != nullptr ? env : "";
  if (path.empty()) {
    std::cerr << "usage: digits <digits.csv>  (the path scripts/fetch-digits prints)\n";
    return 2;
  }

  // Split: shuffle with a fixed seed, hold out the last 20% for testing.
  std::vector<sample> data = read_digits(path);
  std::mt19937 split_rng(split_seed);
  shuffle(data, split_rng);
  const std::size_t n_test = (data.size() + 4) / 5;
  const std::vector<sample> test(data.end() - static_cast<std::ptrdiff_t>(n_test), data.end());
  const auto train = std::make_shared<const std::vector<sample>>(data.begin(), data.end() - static_cast<std::ptrdiff_t>(n_test));
  std::cout << "digits: " << data.size() << " images of 8x8 pixels, 10 classes; split with seed " << split_seed
            << ": " << train->size() << " to train, " << test.size() << " to test\n\n";

  using weft::operator|;  // our models are our own types: name weft's | once

  // Feature stage: one image fanned out to three extractors, joined into 80 values.
  const auto pixels = weft::named("pixels", weft::fn([](const image& x) -> image { return x; }));
  const auto row_means = weft::named("row means", weft::fn([](const image& x) -> profile {
    return Eigen::Map<const Eigen::Matrix<float, 8, 8, Eigen::RowMajor>>(x.data()).rowwise().mean();
  }));
  const auto column_means = weft::named("column means", weft::fn([](const image& x) -> profile {
    return Eigen::Map<const Eigen::Matrix<float, 8, 8, Eigen::RowMajor>>(x.data()).colwise().mean().transpose();
  }));
  const auto feature_stage = weft::fan_out(pixels, row_means, column_means) | weft::concat;

  // The three models, fitted on the training set.
  const auto centroid = weft::named("nearest centroid", nearest_centroid::fit(*train) | weft::softmax);
  linear_head head;
  fit_softmax_regression(head, feature_stage, *train);
  const auto linear = weft::named("softmax regression", feature_stage | weft::named("linear", head) | weft::softmax);
  const auto knn = weft::named("5-nearest neighbours", k_nearest{train, 5});

  // Composed: a majority vote, and a fallback that asks the best single model when the vote has no
  // majority, and refuses (weft::fallback_error) when that model has none either.
  const auto vote = weft::named("vote", weft::ensemble(weft::vote, centroid, linear, knn));
  const auto guarded = weft::fallback(vote, knn).when(weft::below_confidence(0.5));

  struct row {
    std::string_view name;
    std::size_t correct;
  };
  const row members[] = {{"nearest centroid", correct_on(centroid, test)},
                         {"softmax regression", correct_on(linear, test)},
                         {"5-nearest neighbours", correct_on(knn, test)}};
  const row ensemble_row{"ensemble(vote, ...)", correct_on(vote, test)};

  std::cout << "test accuracy on " << test.size() << " images\n";
  for (const auto& r : members)
    std::cout << "  " << padded(r.name, 22) << padded(percent(r.correct, test.size()), 7) << " (" << r.correct << "/" << test.size() << ")\n";
  std::cout << "  " << padded(ensemble_row.name, 22) << padded(percent(ensemble_row.correct, test.size()), 7) << " ("
            << ensemble_row.correct << "/" << test.size() << ")\n";
  const row* best = &members[0];
  for (const auto& r : members)
    if (r.correct > best->correct) best = &r;
  if (ensemble_row.correct > best->correct)
    std::cout << "the ensemble beats its best member, " << best->name << ", by " << (ensemble_row.correct - best->correct)
              << " test images\n";
  else if (ensemble_row.correct == best->correct)
    std::cout << "the ensemble does not beat its best member, " << best->name << ": it ties with it\n";
  else
    std::cout << "the ensemble does not beat its best member, " << best->name << ": it gets "
              << (best->correct - ensemble_row.correct) << " fewer test images right\n";

  // The fallback: which branch answered each test image, and how often it refused.
  std::size_t by_branch[2] = {0, 0};
  std::size_t right_by_branch[2] = {0, 0};
  std::size_t refused = 0;
  for (const auto& s : test) {
    try {
      const auto [y, branch] = weft::answered(guarded, s.x);
      ++by_branch[branch];
      right_by_branch[branch] += static_cast<std::size_t>(weft::argmax.apply(y)(0) == s.label);
    } catch (const weft::fallback_error&) {
      ++refused;
    }
  }
  const std::size_t answered = by_branch[0] + by_branch[1];
  const std::size_t right = right_by_branch[0] + right_by_branch[1];
  std::cout << "\nfallback(vote, 5-nearest neighbours).when(below_confidence(0.5)) on " << test.size() << " images\n"
            << "  " << padded("answered by the vote (a majority agreed):", 62) << by_branch[0] << ", " << right_by_branch[0] << " right\n"
            << "  " << padded("answered by 5-nearest neighbours (the vote had no majority):", 62) << by_branch[1] << ", "
            << right_by_branch[1] << " right\n"
            << "  " << padded("refused (neither had a majority):", 62) << refused << "\n"
            << "  accuracy on the answered images " << percent(right, answered) << " (" << right << "/" << answered
            << "), coverage " << percent(answered, test.size()) << "\n";

  std::cout << "\nweft::describe(guarded):\n" << weft::describe(guarded);
  if (argc > 2) {
    std::ofstream dot(argv[2]);
    dot << weft::to_dot(guarded);
    if (!dot) throw std::runtime_error(std::string("cannot write ") + argv[2]);
    std::cerr << "digits: wrote weft::to_dot(guarded) to " << argv[2] << "\n";
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "digits: " << e.what() << "\n";
  return 1;
}
