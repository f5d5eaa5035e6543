// docs/tools/pictures.cpp - writes the Graphviz source of every pipeline picture in the docs.
//
// Usage: pictures <output directory>. Writes one <name>.dot per picture, each weft::to_dot of the
// pipeline the page shows in code, so a picture shows what the library sees:
//   guide_first       guide.md, the first program (Eigen stages and a cast)
//   readme_pipeline   README.md, the nesting example (preprocess, a fallback over an ensemble, argmax)
//   nested_pipeline   guide.md, "Nesting" (fan_out joined by concat, ensemble, fallback)
//   sequence          sequence.md    fan_out    fan_out.md      ensemble   ensemble.md
//   fallback          fallback.md    describe   describe.md     execution  execution.md
//   batched           adapters.md, "batched"
// to_dot lays a pipeline out left to right; a page's column is tall and narrow, so each picture is
// laid out top to bottom (rankdir=TB) instead: the only change made to to_dot's text
// (picture_writer.hpp). scripts/docs builds and runs every docs/tools/pictures*.cpp (a page of its
// own may have its own file, pictures_<page>.cpp, with the same usage), renders the .dot files with
// `dot -Tsvg` and compares them with the committed docs/images/.
// The stand-in models are docs/tools/snippet_prelude.hpp's, as on the pages.
#include <weft/describe.hpp>

#include <iostream>
#include <string>

#include "picture_writer.hpp"
#include "snippet_prelude.hpp"

namespace {

// guide.md's first program, verbatim.
struct scaler {
  using input_type = Eigen::Matrix<float, 4, 1>;
  using output_type = Eigen::Matrix<float, 4, 1>;
  output_type operator()(const input_type& v) const { return 0.5f * v; }
};
struct relu {
  using input_type = Eigen::Matrix<float, 4, 1>;
  using output_type = Eigen::Matrix<float, 4, 1>;
  output_type operator()(const input_type& v) const { return v.cwiseMax(0.0f); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pictures <output directory>\n";
    return 2;
  }
  const std::string dir = argv[1];
  using weft::operator|;
  using weft_docs::write;
  const auto first = scaler{} | relu{} | weft::cast<double>;
  const auto classifier =
      weft::fallback(weft::ensemble(weft::mean, mlp_a, mlp_b, mlp_c), backup_model).when(weft::below_confidence(0.7));
  const auto readme = preprocess | weft::named("classifier", classifier) | weft::argmax;
  const auto nested = weft::fan_out(scale{1.0f}, xscale{2.0f}) | weft::concat | head{} |
                      weft::named("vote", weft::ensemble(weft::mean, scale{1.0f}, xscale{0.5f})) |
                      weft::fallback(maybe{}, scale{1.0f}).when(weft::non_finite) | weft::softmax;
  const auto sequence = scale{2.0f} | xscale{0.5f} | weft::cast<double>;
  const auto fan_out = weft::fan_out(scale{1.0f}, xscale{2.0f}) | weft::concat;
  const auto ensemble = weft::ensemble(weft::mean, scale{1.0f}, scale{2.0f}, xscale{6.0f});
  const auto fallback = weft::fallback(maybe{}, scale{1.0f}).when(weft::non_finite);
  const auto described = weft::fan_out(scale{1.0f}, xscale{2.0f}) | weft::concat | head{};
  const auto parallel = weft::fan_out(weft::par, scale{1.0f}, xscale{2.0f}, scale{3.0f});
  const auto batched = weft::batched(scale{2.0f} | weft::softmax);
  const bool ok = write(dir, "guide_first", weft::to_dot(first)) && write(dir, "readme_pipeline", weft::to_dot(readme)) &&
                  write(dir, "nested_pipeline", weft::to_dot(nested)) && write(dir, "sequence", weft::to_dot(sequence)) &&
                  write(dir, "fan_out", weft::to_dot(fan_out)) && write(dir, "ensemble", weft::to_dot(ensemble)) &&
                  write(dir, "fallback", weft::to_dot(fallback)) && write(dir, "describe", weft::to_dot(described)) &&
                  write(dir, "execution", weft::to_dot(parallel)) && write(dir, "batched", weft::to_dot(batched));
  return ok ? 0 : 1;
}
