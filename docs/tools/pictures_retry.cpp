// docs/tools/pictures_retry.cpp - writes the Graphviz source of retry.md's picture.
//
// Usage: pictures_retry <output directory>. Writes retry.dot: weft::to_dot of the pipeline retry.md
// shows, a stage retried three times inside a sequence. A retry is a see-through wrapper, so the
// picture shows the model it retries, under the name the page gives it. Same usage and layout as
// docs/tools/pictures.cpp (picture_writer.hpp); scripts/docs builds and runs it.
#include <weft/describe.hpp>
#include <weft/retry.hpp>

#include <iostream>
#include <string>

#include "picture_writer.hpp"
#include "snippet_prelude.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pictures_retry <output directory>\n";
    return 2;
  }
  using weft::operator|;
  const auto retried = preprocess | weft::named("retried classifier", weft::retry(mlp_a, weft::attempts(3))) | weft::argmax;
  return weft_docs::write(argv[1], "retry", weft::to_dot(retried)) ? 0 : 1;
}
