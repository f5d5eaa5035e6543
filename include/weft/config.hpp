// SPDX-License-Identifier: BSL-1.0
// weft/config.hpp - pipelines from configuration: weft::registry, weft::load_pipeline,
// weft::config_error and the stage kinds (docs/config.md).
//
// Contract:
//   weft::registry reg;                                    // built-in kinds, no models
//   reg.add<scaler>("scaler", [](const nlohmann::json& params) { return scaler{...}; });
//   auto p = weft::load_pipeline<In, Out>(reg, std::filesystem::path("pipeline.json"));
//   auto y = p(x);                                         // a weft model: In -> Out
//   Every connection of the configuration is judged while it loads; any failure throws
//   weft::config_error (a weft::load_error) naming the JSON pointer, both specs, the remedy and the
//   cause, and nothing half-built is returned. Configured stages pass values of a small set of
//   dynamic owning Eigen types (weft/config/value.hpp); a registered model's bridges to and from
//   them are instantiated by registry::add<M>, so the compiler judges them there.
//   The runtime kinds are added explicitly, by weft/config/onnx.hpp, xgboost.hpp, torch.hpp
//   (weft::register_onnx(reg), ...), which this header does not include.
//   Needs nlohmann-json: link weft::config (CMake component config). weft/weft.hpp never includes it.
#ifndef WEFT_CONFIG_HPP
#define WEFT_CONFIG_HPP

#include "config/adapters.hpp"
#include "config/error.hpp"
#include "config/kinds.hpp"
#include "config/loader.hpp"
#include "config/node.hpp"
#include "config/pipeline.hpp"
#include "config/registry.hpp"
#include "config/value.hpp"

#endif  // WEFT_CONFIG_HPP
