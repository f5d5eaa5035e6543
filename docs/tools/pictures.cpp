// docs/tools/pictures.cpp - writes the Graphviz source of the guide's example pipelines.
//
// Usage: pictures <output directory>. Writes readme_pipeline.dot (the guide's first pipeline:
// an Eigen stage, an xtensor stage and a cast) and nested_pipeline.dot (a sequence holding a
// fan_out joined by concat, an ensemble and a fallback), each from weft::to_dot, so the pictures
// show what the library sees. scripts/docs renders them with `dot -Tsvg` into docs/_generated/.
// The stand-in models are docs/tools/snippet_prelude.hpp's, as in the guide.
#include <weft/describe.hpp>

#include <fstream>
#include <iostream>
#include <string>

#include "snippet_prelude.hpp"

namespace {

struct scaler {
  using input_type = Eigen::Matrix<float, 4, 1>;
  using output_type = Eigen::Matrix<float, 4, 1>;
  output_type operator()(const input_type& v) const { return 0.5f * v; }
};
struct relu {
  using input_type = xt::xtensor_fixed<float, xt::xshape<4>>;
  using output_type = xt::xtensor_fixed<float, xt::xshape<4>>;
  output_type operator()(const input_type& v) const { return xt::maximum(v, 0.0f); }
};

bool write(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) std::cerr << "pictures: cannot write " << path << "\n";
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pictures <output directory>\n";
    return 2;
  }
  const std::string dir = argv[1];
  using weft::operator|;
  // The guide's first pipeline (guide.md, "A first pipeline in five minutes").
  const auto readme = scaler{} | relu{} | weft::cast<double>;
  // The guide's nested pipeline (guide.md, "Nesting").
  const auto nested = weft::fan_out(scale{1.0f}, xscale{2.0f}) | weft::concat | head{} |
                      weft::named("vote", weft::ensemble(weft::mean, scale{1.0f}, xscale{0.5f})) |
                      weft::fallback(maybe{}, scale{1.0f}).when(weft::non_finite) | weft::softmax;
  const bool ok = write(dir + "/readme_pipeline.dot", weft::to_dot(readme)) &&
                  write(dir + "/nested_pipeline.dot", weft::to_dot(nested));
  return ok ? 0 : 1;
}
