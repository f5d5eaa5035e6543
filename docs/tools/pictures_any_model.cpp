// docs/tools/pictures_any_model.cpp - writes the Graphviz source of any_model.md's picture.
//
// Usage: pictures_any_model <output directory>. Writes any_model.dot: weft::to_dot of the pipeline
// any_model.md shows, a stage chosen at run time held in a weft::any_model (a node "any" over the
// held model's tree, with the bridges into and out of it). Same usage and layout as
// docs/tools/pictures.cpp (picture_writer.hpp); scripts/docs builds and runs it.
#include <weft/any_model.hpp>
#include <weft/describe.hpp>

#include <iostream>
#include <string>

#include "picture_writer.hpp"
#include "snippet_prelude.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pictures_any_model <output directory>\n";
    return 2;
  }
  using weft::operator|;
  const weft::any_model<vec4, vec4> chosen = weft::named("chosen", scale{2.0f} | xscale{1.0f});
  const auto pipeline = preprocess | chosen | weft::argmax;
  return weft_docs::write(argv[1], "any_model", weft::to_dot(pipeline)) ? 0 : 1;
}
