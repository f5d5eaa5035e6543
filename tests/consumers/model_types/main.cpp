// A pipeline `pre | model`: pre is a hand-written Eigen stage producing 8 floats, model the file's
// model as weft_model_types() declared it (model.hpp, generated from the file at build time). Against
// a file that takes 8 features this compiles, loads the file and checks one call against Python's
// output (WEFT_EXPECTED); against a retrained file of 16 features it must not compile, with weft's
// diagnostic naming the stage and both specs.
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "model.hpp"

int main() {
  using in4 = Eigen::Matrix<float, 4, 1>;
  using out8 = Eigen::Matrix<float, 8, 1>;
  // The probe 0.1 * (i + 1), i = 0..7, built from its first four values.
  auto pre = weft::fn<in4, out8>([](const in4& x) -> out8 {
    out8 y;
    y << x, x.array() + 0.4f;
    return y;
  });
  auto pipeline = pre | weft_models::model{weft_models::model_file};

  const weft_models::model_output y = pipeline(in4(0.1f, 0.2f, 0.3f, 0.4f));

  std::istringstream expected_text(WEFT_EXPECTED);
  std::vector<float> expected;
  for (float v; expected_text >> v;) expected.push_back(v);
  if (expected.size() != static_cast<std::size_t>(y.size())) {
    std::printf("model_types consumer: %zu expected values, the model gave %ld\n", expected.size(),
                static_cast<long>(y.size()));
    return 1;
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const float got = y(static_cast<Eigen::Index>(i));
    if (!(std::fabs(got - expected[i]) <= 1e-5f)) {
      std::printf("model_types consumer: output %zu is %.9g, Python gave %.9g\n", i, got, expected[i]);
      return 1;
    }
  }
  std::printf("model_types consumer: %s, %zu outputs match\n", weft_models::model_file, expected.size());
  return 0;
}
