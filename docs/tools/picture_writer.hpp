// docs/tools/picture_writer.hpp - writes one picture's Graphviz source for the docs (pictures*.cpp).
#ifndef WEFT_DOCS_PICTURE_WRITER_HPP
#define WEFT_DOCS_PICTURE_WRITER_HPP

#include <fstream>
#include <iostream>
#include <string>

namespace weft_docs {

/// to_dot's text laid out top to bottom (a page's column is tall and narrow): the only change made.
inline std::string top_to_bottom(std::string dot) {
  const std::string lr = "rankdir=LR;";
  if (const auto at = dot.find(lr); at != std::string::npos) dot.replace(at, lr.size(), "rankdir=TB;");
  return dot;
}

/// Writes dot (top to bottom) to <dir>/<name>.dot; false (and a message) when it cannot.
inline bool write(const std::string& dir, const std::string& name, const std::string& dot) {
  const std::string path = dir + "/" + name + ".dot";
  std::ofstream out(path);
  out << top_to_bottom(dot);
  if (!out) std::cerr << "pictures: cannot write " << path << "\n";
  return static_cast<bool>(out);
}

}  // namespace weft_docs

#endif  // WEFT_DOCS_PICTURE_WRITER_HPP
