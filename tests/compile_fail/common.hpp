// Shared stages for the compile-fail tests: small models with Eigen and xtensor types.
#ifndef WEFT_TESTS_COMPILE_FAIL_COMMON_HPP
#define WEFT_TESTS_COMPILE_FAIL_COMMON_HPP

#include <Eigen/Core>

template <class In, class Out>
struct stage {
  using input_type = In;
  using output_type = Out;
  output_type operator()(const input_type&) const { return output_type{}; }
};

using f32x4 = Eigen::Matrix<float, 4, 1>;
using f32x3 = Eigen::Matrix<float, 3, 1>;
using f64x4 = Eigen::Matrix<double, 4, 1>;
using f32x2x2 = Eigen::Matrix<float, 2, 2>;

#endif
