// tests/fuzz/batched.cpp - libFuzzer target: weft::batched over Eigen and xtensor models.
//
// Each input picks a per-sample model and a batch with random extents (0, small, or huge beside a
// zero one):
//   fixed_eigen:   Matrix<float, 4, 1> -> Matrix<float, 2, 1>; batch Matrix<float, 4, Dynamic>
//   dynamic_eigen: VectorXf -> VectorXf whose length depends on the sample (so samples may disagree);
//                  batch MatrixXf of any rows and columns
//   fixed_xtensor: xtensor_fixed<float, xshape<4>> -> <2>; batch xt::xtensor<float, 2> [B, F]
//   dynamic_xtensor: xt::xtensor<float, 1> -> the same, reversed; batch xt::xtensor<float, 2>
//   xarray:        xt::xarray<float> -> its negation; batch xt::xarray<float> of rank 0..9
// The call must answer sample j of the output = model(sample j of the input) when the batch fits,
// and throw weft::shape_error when it does not (sample extents differ from the model's static ones;
// a rank-0 batch has no samples to take; an xarray of rank above 8; output extents that change from
// sample to sample); never undefined behaviour (ASan + UBSan).
#include "fuzz_support.hpp"

#include <weft/batched.hpp>
#include <weft/eigen.hpp>
#include <weft/xtensor.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
#include <xtensor/xfixed.hpp>
#include <xtensor/xtensor.hpp>

namespace {

struct fixed_eigen {
  using input_type = Eigen::Matrix<float, 4, 1>;
  using output_type = Eigen::Matrix<float, 2, 1>;
  output_type operator()(const input_type& x) const { return output_type(x(0) + x(1), x(2) - x(3)); }
};
/// Output length: the input's when its first element is positive, else half of it; elements reversed.
std::size_t dynamic_length(const std::vector<float>& x) { return !x.empty() && x[0] > 0 ? x.size() : x.size() / 2; }
struct dynamic_eigen {
  using input_type = Eigen::VectorXf;
  using output_type = Eigen::VectorXf;
  output_type operator()(const input_type& x) const {
    const Eigen::Index n = x.size() > 0 && x(0) > 0 ? x.size() : x.size() / 2;
    output_type y(n);
    for (Eigen::Index i = 0; i < n; ++i) y(i) = x(x.size() - 1 - i);
    return y;
  }
};
struct fixed_xtensor {
  using input_type = xt::xtensor_fixed<float, xt::xshape<4>>;
  using output_type = xt::xtensor_fixed<float, xt::xshape<2>>;
  output_type operator()(const input_type& x) const {
    output_type y;
    y(0) = x(0) + x(1);
    y(1) = x(2) - x(3);
    return y;
  }
};
struct dynamic_xtensor {
  using input_type = xt::xtensor<float, 1>;
  using output_type = xt::xtensor<float, 1>;
  output_type operator()(const input_type& x) const {
    output_type y = x;
    for (std::size_t i = 0; i < x.size(); ++i) y(i) = x(x.size() - 1 - i);
    return y;
  }
};
struct negate {
  using input_type = xt::xarray<float>;
  using output_type = xt::xarray<float>;
  output_type operator()(const input_type& x) const {
    output_type y = x;
    for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] = -y.data()[i];
    return y;
  }
};

/// What the call must do: throw shape_error (error), or answer these outputs, one row-major vector per sample.
struct expected {
  bool error = false;
  std::vector<std::vector<float>> samples;
};

/// Samples of a row-major batch of shape: the leading axis is the batch.
std::vector<std::vector<float>> split(const std::vector<std::size_t>& shape, const std::vector<float>& v) {
  std::vector<std::vector<float>> s;
  const std::size_t b = shape[0];
  if (b == 0) return s;
  const std::size_t per = fuzz::count_of(std::vector<std::size_t>(shape.begin() + 1, shape.end()));
  for (std::size_t j = 0; j < b; ++j) s.emplace_back(v.begin() + static_cast<std::ptrdiff_t>(j * per), v.begin() + static_cast<std::ptrdiff_t>((j + 1) * per));
  return s;
}

std::vector<float> fixed_model(const std::vector<float>& x) { return {x[0] + x[1], x[2] - x[3]}; }
std::vector<float> reversed(const std::vector<float>& x, std::size_t n) {
  std::vector<float> y;
  for (std::size_t i = 0; i < n; ++i) y.push_back(x[x.size() - 1 - i]);
  return y;
}

/// Compares out (sample j: column j of an Eigen batch) with e.
template <class Derived>
void compare_eigen(const Eigen::MatrixBase<Derived>& out, const expected& e) {
  FUZZ_CHECK(static_cast<std::size_t>(out.cols()) == e.samples.size(), "%td samples, expected %zu",
             static_cast<std::ptrdiff_t>(out.cols()), e.samples.size());
  for (std::size_t j = 0; j < e.samples.size(); ++j) {
    FUZZ_CHECK(static_cast<std::size_t>(out.rows()) == e.samples[j].size(), "sample %zu: %td elements, expected %zu", j,
               static_cast<std::ptrdiff_t>(out.rows()), e.samples[j].size());
    for (std::size_t i = 0; i < e.samples[j].size(); ++i)
      FUZZ_CHECK(fuzz::same_value(out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), e.samples[j][i]),
                 "sample %zu element %zu differs", j, i);
  }
}

/// Compares a row-major xtensor batch (leading axis the batch) with e.
template <class X>
void compare_xtensor(const X& out, const expected& e) {
  const std::vector<float> flat = fuzz::flat_of(out);
  if (e.samples.empty()) {
    FUZZ_CHECK(flat.empty(), "an empty batch gave %zu elements", flat.size());
    return;
  }
  FUZZ_CHECK(out.dimension() >= 1 && out.shape()[0] == e.samples.size(), "batch extent %zu, expected %zu",
             out.dimension() >= 1 ? static_cast<std::size_t>(out.shape()[0]) : std::size_t{0}, e.samples.size());
  std::size_t k = 0;
  for (const auto& s : e.samples)
    for (float x : s) {
      FUZZ_CHECK(k < flat.size() && fuzz::same_value(flat[k], x), "element %zu differs", k);
      ++k;
    }
  FUZZ_CHECK(k == flat.size(), "%zu elements, expected %zu", flat.size(), k);
}

template <class Batch, class Model, class Compare>
void run(const Model& m, const Batch& batch, const expected& e, Compare compare) {
  const auto b = weft::batched(m);
  try {
    const auto out = b(batch);
    FUZZ_CHECK(!e.error, "answered a batch it cannot take");
    compare(out, e);
  } catch (const weft::shape_error& err) {
    FUZZ_CHECK(e.error, "shape_error for a batch it can take: %s", err.what());
  }
}

std::vector<float> draw_values(FuzzedDataProvider& in, std::size_t n) {
  std::vector<float> v;
  for (std::size_t k = 0; k < n; ++k) v.push_back(fuzz::fuzz_value<float>(in));
  return v;
}

std::vector<std::size_t> draw_shape(FuzzedDataProvider& in, std::size_t rank) { return fuzz::fuzz_shape(in, rank, 3); }

void eigen_fixed(FuzzedDataProvider& in) {
  const std::size_t cols = in.ConsumeIntegralInRange<std::size_t>(0, 4);
  const std::vector<float> v = draw_values(in, 4 * cols);
  Eigen::Matrix<float, 4, Eigen::Dynamic> batch(4, static_cast<Eigen::Index>(cols));
  expected e;
  for (std::size_t j = 0; j < cols; ++j) {
    std::vector<float> x(v.begin() + static_cast<std::ptrdiff_t>(4 * j), v.begin() + static_cast<std::ptrdiff_t>(4 * j + 4));
    for (std::size_t i = 0; i < 4; ++i) batch(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = x[i];
    e.samples.push_back(fixed_model(x));
  }
  run(fixed_eigen{}, batch, e, [](const auto& out, const expected& ex) { compare_eigen(out, ex); });
}

void eigen_dynamic(FuzzedDataProvider& in) {
  const std::vector<std::size_t> shape = draw_shape(in, 2);  // rows (features), cols (samples)
  const std::size_t rows = shape[0], cols = shape[1];
  const std::vector<float> v = draw_values(in, fuzz::count_of(shape));
  Eigen::MatrixXf batch(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  expected e;
  std::size_t length = 0;
  for (std::size_t j = 0; j < (rows == 0 ? 0 : cols); ++j) {
    std::vector<float> x(v.begin() + static_cast<std::ptrdiff_t>(rows * j), v.begin() + static_cast<std::ptrdiff_t>(rows * (j + 1)));
    for (std::size_t i = 0; i < rows; ++i) batch(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = x[i];
    const std::size_t n = dynamic_length(x);
    if (j > 0 && n != length) e.error = true;  // output extents change from sample to sample
    length = n;
    e.samples.push_back(reversed(x, n));
  }
  if (rows == 0) {  // every sample is empty: each output is empty
    if (cols > 4) return;  // a huge number of empty samples: too slow to run
    for (std::size_t j = 0; j < cols; ++j) e.samples.emplace_back();
  }
  run(dynamic_eigen{}, batch, e, [](const auto& out, const expected& ex) { compare_eigen(out, ex); });
}

void xtensor_batch(FuzzedDataProvider& in, bool fixed) {
  std::vector<std::size_t> shape = draw_shape(in, 2);  // [B, F]
  if (shape[0] > 4) shape[0] = 4;  // B samples run: keep B small (a huge F is checked before any runs)
  const std::vector<float> v = draw_values(in, fuzz::count_of(shape));
  const xt::xtensor<float, 2> batch = fuzz::x_array<float>(shape, v);
  expected e;
  if (fixed) {
    e.error = shape[1] != 4;
    if (!e.error)
      for (const auto& x : split(shape, v)) e.samples.push_back(fixed_model(x));
    run(fixed_xtensor{}, batch, e, [](const auto& out, const expected& ex) { compare_xtensor(out, ex); });
  } else {
    for (const auto& x : split(shape, v)) e.samples.push_back(reversed(x, x.size()));
    run(dynamic_xtensor{}, batch, e, [](const auto& out, const expected& ex) { compare_xtensor(out, ex); });
  }
}

void xarray_batch(FuzzedDataProvider& in) {
  const std::size_t rank = in.ConsumeIntegralInRange<std::size_t>(0, 9);
  std::vector<std::size_t> shape = draw_shape(in, rank);
  if (rank >= 1 && shape[0] > 4) shape[0] = 4;
  const std::vector<float> v = draw_values(in, fuzz::count_of(shape));
  const xt::xarray<float> batch = fuzz::x_array<float>(shape, v);
  expected e;
  e.error = rank == 0 || rank > 8;  // a rank-0 batch has no batch axis
  if (!e.error)
    for (const auto& x : split(shape, v)) {
      std::vector<float> y;
      for (float f : x) y.push_back(-f);
      e.samples.push_back(y);
    }
  run(negate{}, batch, e, [](const auto& out, const expected& ex) { compare_xtensor(out, ex); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: eigen_fixed(in); break;
    case 1: eigen_dynamic(in); break;
    case 2: xtensor_batch(in, true); break;
    case 3: xtensor_batch(in, false); break;
    default: xarray_batch(in); break;
  }
  return 0;
}
