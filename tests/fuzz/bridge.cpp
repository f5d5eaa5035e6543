// tests/fuzz/bridge.cpp - libFuzzer target: the run-time checks of weft's bridges between backends.
//
// Each input builds a two-stage pipeline `first | second`: the first stage takes and returns one of
// xt::xarray<float> (row- or column-major, rank 0..9), Eigen::MatrixXf (column- or row-major) or
// Eigen::VectorXf, with random extents (0, small, or huge beside a zero one); the second stage takes
// a fixed-size or dynamic tensor of the other backend (Eigen::Matrix<float, 4, 1>, VectorXf,
// Matrix<float, 2, 3>, MatrixXf, a row-major MatrixXf; xt::xtensor_fixed<float, xshape<4>> or
// <2, 3>, xt::xtensor<float, 1 or 2>, xt::xarray<float>) and returns it. The call must answer the
// same elements at the same logical indices when the value fits the second stage's spec (rank, and
// every static extent), and throw weft::shape_error otherwise (an xarray of rank above 8 always);
// never undefined behaviour (ASan + UBSan). The same value is also passed straight to a pipeline
// whose input is the second stage's type (the entry overload, weft/detail/entry.hpp): the same answer,
// or a shape_error before any stage runs.
#include "fuzz_support.hpp"

#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include <weft/xtensor.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>
#include <xtensor/xfixed.hpp>
#include <xtensor/xtensor.hpp>

namespace {

/// A stage that passes its input on, as its own owning type.
template <class T>
struct pass {
  using input_type = T;
  using output_type = T;
  T operator()(const T& x) const { return x; }
};

/// The logical value the first stage carries: extents and row-major elements.
struct value {
  std::vector<std::size_t> shape;
  std::vector<float> elements;
};

/// extents the second stage accepts: rank, and each extent (-1: any).
struct accepts {
  std::vector<std::ptrdiff_t> extents;
  bool any_rank = false;
  bool fits(const std::vector<std::size_t>& shape) const {
    if (shape.size() > 8) return false;  // weft's run-time extents hold 8
    if (any_rank) return true;
    if (shape.size() != extents.size()) return false;
    for (std::size_t i = 0; i < shape.size(); ++i)
      if (extents[i] >= 0 && static_cast<std::size_t>(extents[i]) != shape[i]) return false;
    return true;
  }
};

template <class Second>
accepts accepts_of() {
  using tr = weft::tensor_traits<Second>;
  accepts a;
  if constexpr (tr::rank == weft::dyn) {
    a.any_rank = true;
  } else {
    for (std::size_t i = 0; i < static_cast<std::size_t>(tr::rank); ++i) a.extents.push_back(tr::extents_type::values[i]);
  }
  return a;
}

/// Runs first | second on x (the first stage's input built from v); checks the answer or shape_error.
template <class First, class Second>
void check(const First& x, const value& v) {
  auto p = weft::sequence(pass<First>{}, pass<Second>{});
  const bool fits = accepts_of<Second>().fits(v.shape);
  try {
    const Second out = p(x);
    FUZZ_CHECK(fits, "answered a value of rank %zu that %s cannot take", v.shape.size(), std::string(weft::spec_name<Second>()).c_str());
    const std::vector<float> got = fuzz::flat_of(out);
    FUZZ_CHECK(got.size() == fuzz::count_of(v.shape), "%zu elements, expected %zu", got.size(), fuzz::count_of(v.shape));
    for (std::size_t k = 0; k < got.size(); ++k)
      FUZZ_CHECK(fuzz::same_value(got[k], v.elements[k]), "element %zu: got %g, expected %g", k, double(got[k]),
                 double(v.elements[k]));
  } catch (const weft::shape_error& e) {
    FUZZ_CHECK(!fits, "shape_error for a value %s can take: %s", std::string(weft::spec_name<Second>()).c_str(), e.what());
    const std::string what = e.what();
    FUZZ_CHECK(what.find("sequence[1]") != std::string::npos, "the error names no stage: %s", what.c_str());
  }
  check_entry<First, Second>(x, v);
}

/// Passes x (a First) straight to a one-stage pipeline taking a Second: the entry check and bridge.
template <class First, class Second>
void check_entry(const First& x, const value& v) {
  const auto q = weft::sequence(pass<Second>{});
  const bool fits = accepts_of<Second>().fits(v.shape);
  try {
    const Second out = q(x);
    FUZZ_CHECK(fits, "entry answered a value of rank %zu that %s cannot take", v.shape.size(),
               std::string(weft::spec_name<Second>()).c_str());
    const std::vector<float> got = fuzz::flat_of(out);
    FUZZ_CHECK(got.size() == fuzz::count_of(v.shape), "entry: %zu elements, expected %zu", got.size(), fuzz::count_of(v.shape));
    for (std::size_t k = 0; k < got.size(); ++k)
      FUZZ_CHECK(fuzz::same_value(got[k], v.elements[k]), "entry element %zu: got %g, expected %g", k, double(got[k]),
                 double(v.elements[k]));
  } catch (const weft::shape_error& e) {
    FUZZ_CHECK(!fits, "entry shape_error for a value %s can take: %s", std::string(weft::spec_name<Second>()).c_str(), e.what());
  }
}

std::vector<std::size_t> draw_shape(FuzzedDataProvider& in, std::size_t rank) { return fuzz::fuzz_shape(in, rank, 4); }

value draw_value(FuzzedDataProvider& in, std::vector<std::size_t> shape) {
  value v;
  v.shape = std::move(shape);
  const std::size_t n = fuzz::count_of(v.shape);
  for (std::size_t k = 0; k < n; ++k) v.elements.push_back(fuzz::fuzz_value<float>(in));
  return v;
}

template <class First>
void to_eigen(FuzzedDataProvider& in, const First& x, const value& v) {
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: check<First, Eigen::Matrix<float, 4, 1>>(x, v); break;
    case 1: check<First, Eigen::VectorXf>(x, v); break;
    case 2: check<First, Eigen::Matrix<float, 2, 3>>(x, v); break;
    case 3: check<First, Eigen::MatrixXf>(x, v); break;
    default: check<First, Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(x, v); break;
  }
}

void from_xarray(FuzzedDataProvider& in) {
  const bool column_major = in.ConsumeBool();
  const std::size_t rank = in.ConsumeIntegralInRange<std::size_t>(0, 9);
  const value v = draw_value(in, draw_shape(in, rank));
  const xt::xarray<float> rm = fuzz::x_array<float>(v.shape, v.elements);
  if (column_major) {
    xt::xarray<float, xt::layout_type::column_major> cm(v.shape);
    if (!v.elements.empty()) cm = rm;  // logical indices kept
    to_eigen(in, cm, v);
  } else {
    to_eigen(in, rm, v);
  }
}

template <class First>
void matrix_to_xtensor(FuzzedDataProvider& in, const First& x, const value& v) {
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0: check<First, xt::xtensor_fixed<float, xt::xshape<2, 3>>>(x, v); break;
    case 1: check<First, xt::xtensor<float, 2>>(x, v); break;
    default: check<First, xt::xarray<float>>(x, v); break;
  }
}

void from_eigen(FuzzedDataProvider& in) {
  const int kind = in.ConsumeIntegralInRange<int>(0, 2);
  if (kind == 2) {  // VectorXf
    const value v = draw_value(in, draw_shape(in, 1));
    Eigen::VectorXf x(static_cast<Eigen::Index>(v.shape[0]));
    for (std::size_t k = 0; k < v.elements.size(); ++k) x(static_cast<Eigen::Index>(k)) = v.elements[k];
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
      case 0: check<Eigen::VectorXf, xt::xtensor_fixed<float, xt::xshape<4>>>(x, v); break;
      case 1: check<Eigen::VectorXf, xt::xtensor<float, 1>>(x, v); break;
      default: check<Eigen::VectorXf, xt::xarray<float>>(x, v); break;
    }
    return;
  }
  const value v = draw_value(in, draw_shape(in, 2));
  const auto rows = static_cast<std::ptrdiff_t>(v.shape[0]);
  const auto cols = static_cast<std::ptrdiff_t>(v.shape[1]);
  if (kind == 0) matrix_to_xtensor(in, fuzz::eigen_matrix<float>(rows, cols, v.elements), v);
  else matrix_to_xtensor(in, fuzz::eigen_matrix<float, Eigen::RowMajor>(rows, cols, v.elements), v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) from_xarray(in);
  else from_eigen(in);
  return 0;
}
