// docs/tools/pictures_when.cpp - writes the Graphviz source of when.md's picture.
//
// Usage: pictures_when <output directory>. Writes when.dot: weft::to_dot of the when the page shows
// (a named predicate over the input choosing an Eigen or an xtensor model), laid out top to bottom
// (picture_writer.hpp). The stand-in models are docs/tools/snippet_prelude.hpp's.
#include <weft/describe.hpp>
#include <weft/when.hpp>

#include <iostream>
#include <string>

#include "picture_writer.hpp"
#include "snippet_prelude.hpp"

namespace {
// when.md's predicate, verbatim.
struct small_input {
  const char* name = "small_input";
  bool operator()(const vec4& v) const { return v.norm() < 1.0f; }
};
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pictures_when <output directory>\n";
    return 2;
  }
  const auto choose = weft::when(small_input{}, scale{1.0f}, xscale{2.0f});
  return weft_docs::write(argv[1], "when", weft::to_dot(choose)) ? 0 : 1;
}
