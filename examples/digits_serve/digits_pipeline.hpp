// digits_pipeline.hpp - examples/digits' data split and composition, as one function each, for the
// programs that serve it (examples/digits_serve) and load it (bench/serve_load.cpp).
//   split_digits(path): reads digits.csv (digits_common.hpp's read_digits), shuffles it with
//     split_seed, holds out the last 20% as the test set: the split examples/digits prints.
//   digits_pipeline(train): fits the three models on train and composes them as examples/digits
//     does (docs/digits.md): fallback(vote(centroid, softmax regression, 5-nn), 5-nn) when the
//     vote's confidence is below 0.5; image (f32[64]) -> scores (f32[10]); throws
//     weft::fallback_error when no branch is confident (the pipeline refuses). Costs about a
//     second (the softmax regression's 30 epochs). The pipeline is const-callable from many
//     threads at once (its models are read-only; the training set is shared, never copied).
// Header-only, included by one translation unit per program.
#pragma once

#include "../digits/digits_common.hpp"

#include <weft/adapters.hpp>
#include <weft/conditions.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/fan_out.hpp>

#include <memory>
#include <random>
#include <string>
#include <vector>

struct digits_split {
  std::shared_ptr<const std::vector<sample>> train;
  std::vector<sample> test;
};

inline digits_split split_digits(const std::string& path) {
  std::vector<sample> data = read_digits(path);
  std::mt19937 split_rng(split_seed);
  shuffle(data, split_rng);
  const auto n_test = static_cast<std::ptrdiff_t>((data.size() + 4) / 5);
  return {std::make_shared<const std::vector<sample>>(data.begin(), data.end() - n_test),
          std::vector<sample>(data.end() - n_test, data.end())};
}

inline auto digits_pipeline(const std::shared_ptr<const std::vector<sample>>& train) {
  using weft::operator|;
  using grid = Eigen::Map<const Eigen::Matrix<float, 8, 8, Eigen::RowMajor>>;
  const auto pixels = weft::named("pixels", weft::fn([](const image& x) -> image { return x; }));
  const auto row_means = weft::named("row means", weft::fn([](const image& x) -> profile {
    return grid(x.data()).rowwise().mean();
  }));
  const auto column_means = weft::named("column means", weft::fn([](const image& x) -> profile {
    return grid(x.data()).colwise().mean().transpose();
  }));
  const auto feature_stage = weft::fan_out(pixels, row_means, column_means) | weft::concat;
  const auto centroid = weft::named("nearest centroid", nearest_centroid::fit(*train) | weft::softmax);
  linear_head head;
  fit_softmax_regression(head, feature_stage, *train);
  const auto linear =
      weft::named("softmax regression", feature_stage | weft::named("linear", head) | weft::softmax);
  const auto knn = weft::named("5-nearest neighbours", k_nearest{train, 5});
  const auto vote = weft::named("vote", weft::ensemble(weft::vote, centroid, linear, knn));
  return weft::fallback(vote, knn).when(weft::below_confidence(0.5));
}
