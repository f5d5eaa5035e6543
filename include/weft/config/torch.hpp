// SPDX-License-Identifier: BSL-1.0
// weft/config/torch.hpp - weft::register_torch(reg): the "torch" stage kind (a TorchScript file run
// by weft::torch_model).
//
// Contract:
//   weft::register_torch(reg) adds the kind
//     {"torch": "net.pt", "input_shape": [8]}
//   "torch": the file, relative to the configuration file's directory. The stage is a
//   weft::torch_model<In, Out> with In and Out rank-1 dynamic Eigen vectors of the scalar arriving
//   at the stage (f32, f64 or i64; the output has the same scalar). TorchScript records no shapes,
//   so the stage's input extents are the arriving spec's, or "input_shape" (one extent) when the
//   arriving extent is dynamic (required then); torch_model's probe at load gives the output
//   extents. A missing or corrupt file, or a probe that fails or answers another scalar or rank, is
//   a config_error at "<pointer>/torch" whose cause() is torch_model's load_error.
//   Needs weft::torch (g++ only) and weft::config; never included by weft/config.hpp.
#ifndef WEFT_CONFIG_TORCH_HPP
#define WEFT_CONFIG_TORCH_HPP

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "../eigen.hpp"
#include "../torch.hpp"
#include "loader.hpp"
#include "node.hpp"
#include "registry.hpp"
#include "runtime_kind.hpp"

namespace weft {

/// Adds the "torch" stage kind to reg; see the header comment.
inline registry& register_torch(registry& reg) {
  return reg.add_kind(
      "torch",
      [](const nlohmann::json& stage, const std::string& pointer, const config::value_spec& input,
         config::loader& l) {
        if (input.extents.rank() != 1)
          l.fail(pointer, "a configured torch stage takes a rank-1 tensor", "rank 1", input.text(),
                 "insert {\"reshape\": [-1]} before it");
        std::int64_t extent = input.extents[0];
        if (auto it = stage.find("input_shape"); it != stage.end()) {
          if (!it->is_array() || it->size() != 1)
            l.fail(pointer + "/input_shape", "wrong value for \"input_shape\"", "[<extent>]", config::json_text(*it));
          extent = l.integer((*it)[0], 0, 2147483647, pointer + "/input_shape/0", "an extent");
        }
        if (extent == weft::dyn)
          l.fail(pointer, "a torch stage needs its input extent (TorchScript records none)", "a known extent",
                 input.text(), "add \"input_shape\": [<extent>]");
        torch_options options;
        options.input_shape = weft::shape{static_cast<std::ptrdiff_t>(extent)};
        nlohmann::json canonical{{"torch", stage.at("torch")}, {"input_shape", {extent}}};
        return config::with_scalar(input.scalar, [&](auto scalar) {
          using X = config::vector_value<typename decltype(scalar)::type>;
          using model_type = torch_model<X, X>;
          return config::load_runtime_node<model_type>(
              "torch", stage, pointer, l, [&](const std::string& path) { return model_type(path, options); },
              canonical);
        });
      },
      {"input_shape"});
}

}  // namespace weft

#endif  // WEFT_CONFIG_TORCH_HPP
