// docs/tools/pictures_route.cpp - writes the Graphviz source of route.md's picture.
//
// Usage: pictures_route <output directory>. Writes route.dot: weft::to_dot of the route the page
// shows (a gate choosing the top 2 of three experts, one of them on xtensor), laid out top to
// bottom (picture_writer.hpp). The stand-in models are docs/tools/snippet_prelude.hpp's.
#include <weft/describe.hpp>
#include <weft/route.hpp>

#include <iostream>
#include <string>

#include "picture_writer.hpp"
#include "snippet_prelude.hpp"

namespace {
// route.md's gate, verbatim: one probability per expert.
struct router {
  using input_type = vec4;
  using output_type = Eigen::Vector3f;
  output_type operator()(const input_type& v) const {
    const Eigen::Vector3f e = v.head<3>().array().exp();
    return e / e.sum();
  }
};
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pictures_route <output directory>\n";
    return 2;
  }
  const auto moe = weft::route(weft::top_k<2>, router{}, scale{1.0f}, xscale{2.0f}, scale{3.0f});
  return weft_docs::write(argv[1], "route", weft::to_dot(moe)) ? 0 : 1;
}
