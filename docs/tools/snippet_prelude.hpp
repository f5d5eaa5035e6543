// docs/tools/snippet_prelude.hpp - what the guide's and README's snippets assume.
//
// scripts/check-snippets compiles each ```cpp block of the guide and the README after
// this header (first at namespace scope, else inside a function body); a ```cpp run
// block is built and run inside main() after it (a ```cpp program block is a whole
// program and does without it). The guide's first program defines its models in full;
// the later snippets use the small stand-ins below, so each shows only the combinator
// it is about. Names defined here must not be redefined by a snippet. docs/snippets.md
// shows this file (scripts/docs checks that it is the same).
#ifndef WEFT_DOCS_SNIPPET_PRELUDE_HPP
#define WEFT_DOCS_SNIPPET_PRELUDE_HPP

#include <weft/weft.hpp>

#include <cstdint>
#include <iostream>
#include <optional>
#include <stdexcept>

namespace snippet {

using vec4 = Eigen::Matrix<float, 4, 1>;
using vec8 = Eigen::Matrix<float, 8, 1>;
using xvec4 = xt::xtensor_fixed<float, xt::xshape<4>>;
using In = vec4;
using Out = vec4;

/// An Eigen stage: multiplies by f.
struct scale {
  using input_type = vec4;
  using output_type = vec4;
  float f = 1.0f;
  output_type operator()(const input_type& v) const { return v * f; }
};

/// An xtensor stage: multiplies by f.
struct xscale {
  using input_type = xvec4;
  using output_type = xvec4;
  float f = 1.0f;
  output_type operator()(const input_type& v) const { return v * f; }
};

/// A stage that sometimes has no answer.
struct maybe {
  using input_type = vec4;
  using output_type = std::optional<vec4>;
  output_type operator()(const input_type& v) const {
    if (v.sum() < 0.0f) return std::nullopt;
    return v;
  }
};

/// Eight features to four scores.
struct head {
  using input_type = vec8;
  using output_type = vec4;
  output_type operator()(const input_type& v) const {
    return v.head<4>() + v.tail<4>();
  }
};

// The README's stand-ins: a pre-processing stage, three classifiers and a backup, one
// input. Each classifier ends in softmax, so its output is four class probabilities
// that below_confidence can judge: on x, the three classifiers' mean is at most 0.66
// (too unsure for below_confidence(0.7)), and the sharper backup answers class 3 with
// 0.98.
inline const scale preprocess{10.0f};
inline const auto mlp_a = scale{1.0f} | weft::softmax;
inline const auto mlp_b = scale{0.5f} | weft::softmax;
inline const auto mlp_c = scale{2.0f} | weft::softmax;
inline const auto backup_model = scale{4.0f} | weft::softmax;
inline const vec4 x = vec4(0.1f, 0.2f, 0.3f, 0.4f);

inline Out free_function(const In& v) { return v.cwiseAbs(); }

}  // namespace snippet

using namespace snippet;  // NOLINT: snippets name these unqualified

#endif  // WEFT_DOCS_SNIPPET_PRELUDE_HPP
