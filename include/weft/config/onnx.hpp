// SPDX-License-Identifier: BSL-1.0
// weft/config/onnx.hpp - weft::register_onnx(reg): the "onnx" stage kind (an ONNX file run by
// weft::onnx_model).
//
// Contract:
//   weft::register_onnx(reg) adds the kind
//     {"onnx": "net.onnx", "output": "probabilities"}
//   "onnx": the file, relative to the configuration file's directory (absolute kept); "output":
//   which output of a file with several (default "": the file's only one). The stage is a
//   weft::onnx_model<Eigen::VectorXf, Eigen::VectorXf>: rank-1 f32 in and out, its extents the
//   file's (input_shape()/output_shape()). Loaded and checked at load: a missing, corrupt or
//   mismatched file is a config_error at "<pointer>/onnx" whose cause() is onnx_model's load_error;
//   a spec arriving that does not fit the file's input is a config_error at the stage's pointer
//   naming both specs. Needs weft::onnx and weft::config; never included by weft/config.hpp.
#ifndef WEFT_CONFIG_ONNX_HPP
#define WEFT_CONFIG_ONNX_HPP

#include <string>

#include <nlohmann/json.hpp>

#include "../eigen.hpp"
#include "../onnx.hpp"
#include "loader.hpp"
#include "node.hpp"
#include "registry.hpp"
#include "runtime_kind.hpp"

namespace weft {

/// Adds the "onnx" stage kind to reg; see the header comment.
inline registry& register_onnx(registry& reg) {
  return reg.add_kind(
      "onnx",
      [](const nlohmann::json& stage, const std::string& pointer, const config::value_spec&, config::loader& l) {
        using model_type = onnx_model<Eigen::VectorXf, Eigen::VectorXf>;
        std::string output;
        if (auto it = stage.find("output"); it != stage.end()) {
          l.expect_type(*it, "string", pointer + "/output", "the output's name");
          output = it->get<std::string>();
        }
        nlohmann::json canonical{{"onnx", stage.at("onnx")}, {"output", output}};
        return config::load_runtime_node<model_type>(
            "onnx", stage, pointer, l,
            [&](const std::string& path) { return model_type(path, onnx_options{output, 1}); },
            std::move(canonical));
      },
      {"output"});
}

}  // namespace weft

#endif  // WEFT_CONFIG_ONNX_HPP
