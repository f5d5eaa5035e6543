// digits_common.hpp - what examples/digits, examples/digits_runtimes and examples/digits_serve share:
// the sample types, reading digits.csv, the seeded shuffle that splits it (the same everywhere:
// scripts/models/digits.py reproduces it to train on the same images), the three models of
// examples/digits (nearest centroid, softmax regression's linear head and its fitting, k nearest
// neighbours), and the integer reporting helpers. Header-only, included by one translation unit per example.
#pragma once

#include <weft/adapters.hpp>
#include <weft/eigen.hpp>
#include <weft/model.hpp>
#include <weft/reducers.hpp>
#include <weft/sequence.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <memory>
#include <functional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using image = Eigen::Matrix<float, 64, 1>;     // pixels scaled to [0, 1], row by row
using scores = Eigen::Matrix<float, 10, 1>;    // one score (or probability) per digit

// ---------------------------------------------------------------------------------------------
// Data: reading, a seeded split
// ---------------------------------------------------------------------------------------------
struct sample {
  image x;
  int label;
};

inline std::vector<sample> read_digits(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path + " (run scripts/fetch-digits)");
  std::vector<sample> data;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string field;
    std::vector<int> values;
    while (std::getline(fields, field, ',')) values.push_back(static_cast<int>(std::stod(field)));
    if (values.size() != 65 || values[64] < 0 || values[64] > 9)
      throw std::runtime_error(path + ": line " + std::to_string(data.size() + 1) + " is not 64 pixels and a label");
    sample s;
    for (int i = 0; i < 64; ++i) s.x(i) = static_cast<float>(values[static_cast<std::size_t>(i)]) / 16.0f;
    s.label = values[64];
    data.push_back(s);
  }
  return data;
}

// A uniform index in [0, n) from std::mt19937 (whose output the standard fixes), by the
// multiply-shift method: the same on every standard library, unlike std::shuffle and
// std::uniform_int_distribution.
inline std::size_t draw(std::mt19937& rng, std::size_t n) {
  return static_cast<std::size_t>((static_cast<std::uint64_t>(rng()) * n) >> 32);
}

template <class T>
inline void shuffle(std::vector<T>& v, std::mt19937& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[draw(rng, i)]);
}

inline constexpr std::uint32_t split_seed = 2024;

// ---------------------------------------------------------------------------------------------
// The cheapest model: a plain struct with input_type and output_type, a weft model
// ---------------------------------------------------------------------------------------------
// Nearest centroid: minus the squared distance to each class's mean image (| weft::softmax makes
// that a probability).
struct nearest_centroid {
  using input_type = image;
  using output_type = scores;
  Eigen::Matrix<float, 64, 10> centroids = Eigen::Matrix<float, 64, 10>::Zero();

  static nearest_centroid fit(const std::vector<sample>& train) {
    nearest_centroid m;
    std::vector<int> count(10, 0);
    for (const auto& s : train) {
      m.centroids.col(s.label) += s.x;
      ++count[static_cast<std::size_t>(s.label)];
    }
    for (int c = 0; c < 10; ++c) m.centroids.col(c) /= static_cast<float>(std::max(1, count[static_cast<std::size_t>(c)]));
    return m;
  }
  scores operator()(const image& x) const {
    return -(centroids.colwise() - x).colwise().squaredNorm().transpose();
  }
};

using profile = Eigen::Matrix<float, 8, 1>;    // a row or column profile of an image
using features = Eigen::Matrix<float, 80, 1>;  // pixels, row means, column means

inline constexpr std::uint32_t training_seed = 7;

// ---------------------------------------------------------------------------------------------
// Two more models of examples/digits (also served by examples/digits_serve). Each is a plain
// struct with input_type and output_type: a weft model.
// ---------------------------------------------------------------------------------------------

// Linear scores W f + b over an 80-value feature vector (| weft::softmax: softmax regression).
struct linear_head {
  using input_type = features;
  using output_type = scores;
  Eigen::Matrix<float, 10, 80> weights = Eigen::Matrix<float, 10, 80>::Zero();
  scores bias = scores::Zero();

  scores operator()(const features& f) const { return weights * f + bias; }
};

// k nearest neighbours (k = 5): the share of the k nearest training images that carry each label;
// equal distances go to the earlier training image. The training set is shared, never copied.
struct k_nearest {
  using input_type = image;
  using output_type = scores;
  std::shared_ptr<const std::vector<sample>> train;
  int k = 5;

  scores operator()(const image& x) const {
    const auto& t = *train;
    std::vector<std::pair<float, std::size_t>> d(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) d[i] = {(t[i].x - x).squaredNorm(), i};
    const auto kk = static_cast<std::ptrdiff_t>(k);
    std::partial_sort(d.begin(), d.begin() + kk, d.end());
    scores share = scores::Zero();
    for (std::ptrdiff_t j = 0; j < kk; ++j) share(t[d[static_cast<std::size_t>(j)].second].label) += 1.0f / static_cast<float>(k);
    return share;
  }
};

// Fits head (a linear_head behind feature stage `feat`, then softmax) by mini-batch gradient
// descent on the cross-entropy: `epochs` passes over the shuffled training set, batches of 32.
template <class Features>
inline void fit_softmax_regression(linear_head& head, const Features& feat, const std::vector<sample>& train) {
  constexpr int epochs = 30;
  constexpr std::size_t batch = 32;
  constexpr float rate = 0.5f;
  constexpr float decay = 1e-4f;  // L2 penalty on the weights
  std::vector<features> f;
  f.reserve(train.size());
  for (const auto& s : train) f.push_back(feat(s.x));  // the fan_out | concat stage, once per image
  std::vector<std::size_t> order(train.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937 rng(training_seed);
  for (int epoch = 0; epoch < epochs; ++epoch) {
    shuffle(order, rng);
    for (std::size_t start = 0; start < order.size(); start += batch) {
      const std::size_t end = std::min(order.size(), start + batch);
      Eigen::Matrix<float, 10, 80> grad_w = Eigen::Matrix<float, 10, 80>::Zero();
      scores grad_b = scores::Zero();
      for (std::size_t j = start; j < end; ++j) {
        const std::size_t i = order[j];
        scores p = weft::softmax.apply(head(f[i]));
        p(train[i].label) -= 1.0f;  // d(cross-entropy)/d(scores) = p - onehot(label)
        grad_w += p * f[i].transpose();
        grad_b += p;
      }
      const float n = static_cast<float>(end - start);
      head.weights -= rate * (grad_w / n + decay * head.weights);
      head.bias -= rate * (grad_b / n);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting: integer counts, percentages with one decimal computed in integers
// ---------------------------------------------------------------------------------------------
inline std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "n/a";
  const std::size_t tenths = (part * 1000 + whole / 2) / whole;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "%";
}

inline std::string padded(std::string_view s, std::size_t width) {
  std::string out(s);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

// How many test images model m labels right; its label is weft::argmax of its output (ties to the
// lowest index).
template <class M>
inline std::size_t correct_on(const M& m, const std::vector<sample>& test) {
  using weft::operator|;
  const auto classify = std::cref(m) | weft::argmax;
  std::size_t correct = 0;
  for (const auto& s : test) correct += static_cast<std::size_t>(classify(s.x)(0) == s.label);
  return correct;
}
