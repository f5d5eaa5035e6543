// SPDX-License-Identifier: BSL-1.0
// weft/config/runtime_kind.hpp - internal to the runtime kinds (config/onnx.hpp, xgboost.hpp,
// torch.hpp): loading a model file for a stage, with the runtime's load_error as a config_error.
//
// Contract:
//   load_runtime_node<Model>(kind, stage, pointer, input, l, make) reads the stage's file name
//   (stage[kind], a string, resolved against l.base_directory()), calls make(resolved path) to build
//   the typed runtime model, and erases it into a node whose specs are the model's input_shape() and
//   output_shape() with the model's scalars. A weft::load_error from the runtime (a missing,
//   corrupt or mismatched file) becomes a config_error at "<pointer>/<kind>" with the runtime's
//   expected and actual specs and the load_error as cause(). The caller then judges the connection
//   of `input` to the node (the loader does it too). The node records the resolved file for the
//   fingerprint; its canonical JSON is `canonical` (the path as written, options with defaults).
#ifndef WEFT_CONFIG_RUNTIME_KIND_HPP
#define WEFT_CONFIG_RUNTIME_KIND_HPP

#include <exception>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "../errors.hpp"
#include "../model.hpp"
#include "loader.hpp"
#include "node.hpp"
#include "value.hpp"

namespace weft::config {

/// The file named by stage[kind] (a string), as written.
inline std::string runtime_file(const nlohmann::json& stage, const std::string& kind, const std::string& pointer,
                                const loader& l) {
  const nlohmann::json& f = stage.at(kind);
  l.expect_type(f, "string", pointer + "/" + kind, "a model file's path");
  return f.get<std::string>();
}

/// Builds the typed runtime model with make(resolved path) and erases it; see the header comment.
template <class Model, class Make>
node load_runtime_node(const std::string& kind, const nlohmann::json& stage, const std::string& pointer,
                       const loader& l, Make&& make, nlohmann::json canonical) {
  const std::string written = runtime_file(stage, kind, pointer, l);
  const std::string resolved = l.resolve(written).string();
  try {
    Model m = make(resolved);
    value_spec in = spec_of<input_t<Model>>();
    value_spec out = spec_of<output_t<Model>>();
    in.extents = m.input_shape();
    out.extents = m.output_shape();
    return make_model_node(std::move(m), in, out, leaf_description(kind + " \"" + written + "\""),
                           std::move(canonical), {resolved});
  } catch (const weft::load_error& e) {
    l.fail(pointer + "/" + kind, "the " + kind + " model file cannot be loaded as this stage", e.expected(),
           e.actual(), "check the file, and the stage before it", std::current_exception());
  }
}

}  // namespace weft::config

#endif  // WEFT_CONFIG_RUNTIME_KIND_HPP
