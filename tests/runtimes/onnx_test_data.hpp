// Shared by tests/runtimes/onnx*.cpp: the files scripts/models/onnx.py writes into tests/data/onnx/.
#ifndef WEFT_TESTS_RUNTIMES_ONNX_TEST_DATA_HPP
#define WEFT_TESTS_RUNTIMES_ONNX_TEST_DATA_HPP

#include <cstddef>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace onnx_test {

/// tests/data/onnx/<name>.
inline std::string file(const std::string& name) { return std::string(WEFT_TEST_DATA) + "/onnx/" + name; }

/// The rows of a CSV file of numbers (tests/data/onnx/<name>); throws when it cannot be read.
inline std::vector<std::vector<float>> csv(const std::string& name) {
  std::ifstream in(file(name));
  if (!in) throw std::runtime_error("cannot read " + file(name) + " (run scripts/make-test-models onnx)");
  std::vector<std::vector<float>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::vector<float> row;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) row.push_back(std::stof(cell));
    rows.push_back(row);
  }
  return rows;
}

}  // namespace onnx_test

#endif  // WEFT_TESTS_RUNTIMES_ONNX_TEST_DATA_HPP
