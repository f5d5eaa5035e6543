// tests/support/stand_in_models.hpp - small stand-in models on 4-float vectors, for the tests of the
// control-flow combinators (tests/route.cpp, tests/when.cpp): weft_test::scale (x * f, counting its
// calls when given a counter), xscale (the same on xtensor), add_one, and weft_failing (throws
// weft::error of kind "stand_in_error"). Each is a plain struct with input_type and output_type,
// const and thread-safe (a counter is atomic); none allocates on Eigen (fixed sizes).
#ifndef WEFT_TESTS_SUPPORT_STAND_IN_MODELS_HPP
#define WEFT_TESTS_SUPPORT_STAND_IN_MODELS_HPP

#include <weft/eigen.hpp>
#include <weft/errors.hpp>
#include <weft/xtensor.hpp>

#include <atomic>

namespace weft_test {

using vec4 = Eigen::Matrix<float, 4, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using xvec4 = xt::xtensor_fixed<float, xt::xshape<4>>;

/// x * f; counts its calls in *calls when calls is set.
struct scale {
  using input_type = vec4;
  using output_type = vec4;
  float f;
  std::atomic<int>* calls = nullptr;
  output_type operator()(const input_type& x) const {
    if (calls != nullptr) ++*calls;
    return x * f;
  }
};

/// x * f on xtensor: beside Eigen models, its input is bridged by a copy, its output copied back.
struct xscale {
  using input_type = xvec4;
  using output_type = xvec4;
  float f;
  output_type operator()(const input_type& x) const { return x * f; }
};

/// x + 1.
struct add_one {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x.array() + 1.0f; }
};

/// Always throws weft::error("stand_in_error", "stand-in failed").
struct weft_failing {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type&) const { throw weft::error("stand_in_error", "stand-in failed"); }
};

}  // namespace weft_test

#endif
