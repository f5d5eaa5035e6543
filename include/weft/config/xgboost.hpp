// SPDX-License-Identifier: BSL-1.0
// weft/config/xgboost.hpp - weft::register_xgboost(reg): the "xgboost" stage kind (an XGBoost model
// file run by weft::xgboost_model).
//
// Contract:
//   weft::register_xgboost(reg) adds the kind
//     {"xgboost": "trees.ubj", "threads": 1, "use_best_iteration": true}
//   "xgboost": the file (JSON or UBJ), relative to the configuration file's directory; "threads" and
//   "use_best_iteration": weft::xgboost_options (defaults 1 and true). The stage is a
//   weft::xgboost_model<Eigen::VectorXf, Eigen::VectorXf>: rank-1 f32 in (num_feature) and out
//   (num_class, or 1). A missing, corrupt or unsupported file is a config_error at
//   "<pointer>/xgboost" whose cause() is xgboost_model's load_error; a spec arriving that does not
//   fit num_feature is a config_error at the stage's pointer naming both specs.
//   Needs weft::xgboost and weft::config; never included by weft/config.hpp.
#ifndef WEFT_CONFIG_XGBOOST_HPP
#define WEFT_CONFIG_XGBOOST_HPP

#include <string>

#include <nlohmann/json.hpp>

#include "../eigen.hpp"
#include "../xgboost.hpp"
#include "loader.hpp"
#include "node.hpp"
#include "registry.hpp"
#include "runtime_kind.hpp"

namespace weft {

/// Adds the "xgboost" stage kind to reg; see the header comment.
inline registry& register_xgboost(registry& reg) {
  return reg.add_kind(
      "xgboost",
      [](const nlohmann::json& stage, const std::string& pointer, const config::value_spec&, config::loader& l) {
        using model_type = xgboost_model<Eigen::VectorXf, Eigen::VectorXf>;
        xgboost_options options;
        if (auto it = stage.find("threads"); it != stage.end()) {
          options.threads = static_cast<int>(l.integer(*it, 1, 1024, pointer + "/threads", "\"threads\""));
        }
        if (auto it = stage.find("use_best_iteration"); it != stage.end()) {
          l.expect_type(*it, "boolean", pointer + "/use_best_iteration", "\"use_best_iteration\"");
          options.use_best_iteration = it->get<bool>();
        }
        nlohmann::json canonical{{"xgboost", stage.at("xgboost")},
                                 {"threads", options.threads},
                                 {"use_best_iteration", options.use_best_iteration}};
        return config::load_runtime_node<model_type>(
            "xgboost", stage, pointer, l, [&](const std::string& path) { return model_type(path, options); },
            std::move(canonical));
      },
      {"threads", "use_best_iteration"});
}

}  // namespace weft

#endif  // WEFT_CONFIG_XGBOOST_HPP
