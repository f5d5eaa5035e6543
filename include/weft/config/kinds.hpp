// SPDX-License-Identifier: BSL-1.0
// weft/config/kinds.hpp - the built-in stage kinds "stages" (a sequence) and "model" (a registered
// model), and the registry's list of built-in kinds.
//
// Contract:
//   {"stages": [<stage>, ...]}: a sequence; each stage's output goes to the next one's input (judged
//   at load); at least one stage. A weft::error thrown by stage i during a call gains the path segment
//   "sequence[i]" (with the stage's "name" quoted after it), as a typed weft::sequence does.
//   {"model": "<name>", "params": {...}}: the model registered under name, made by its factory from
//   "params" (default {}: an object). An unknown name: config_error listing the registered ones.
//   add_builtin_config_kinds(reg) adds these, the adapters (config/adapters.hpp) and, when
//   <weft/config/combinators.hpp> exists, its add_combinator_kinds(reg); weft::registry's
//   constructor calls it.
#ifndef WEFT_CONFIG_KINDS_HPP
#define WEFT_CONFIG_KINDS_HPP

#include <cstddef>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../errors.hpp"
#include "adapters.hpp"
#include "loader.hpp"
#include "node.hpp"
#include "registry.hpp"
#include "value.hpp"

#if __has_include("combinators.hpp")
#include "combinators.hpp"
#define WEFT_CONFIG_HAS_COMBINATORS 1
#endif

namespace weft::config {

/// Calls f(); a weft::error it throws is rethrown with `segment` prepended to its stage path (a
/// copy: see weft::error::with_outer); anything else passes through unchanged.
template <class F>
decltype(auto) with_path_segment(const std::string& segment, F&& f) {
  try {
    return f();
  } catch (const weft::error& e) {
    if (std::exception_ptr p = e.with_outer(segment)) std::rethrow_exception(p);
    throw;
  }
}

/// The path segment of child i of a combinator: `kind[i]`, then ` "name"` when it has one.
inline std::string child_segment(std::string_view kind, std::size_t i, const node& child) {
  std::string s = std::string(kind) + "[" + std::to_string(i) + "]";
  if (!child.name().empty()) s += " \"" + child.name() + "\"";
  return s;
}

/// Builds {"stages": [...]}; see the header comment.
inline node build_stages(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                         loader& l) {
  const nlohmann::json& list = stage.at("stages");
  l.expect_type(list, "array", pointer + "/stages", "\"stages\"");
  if (list.empty())
    l.fail(pointer + "/stages", "a sequence needs at least one stage", "1 or more stages", "0",
           "add a stage, e.g. {\"model\": \"name\"}");
  std::vector<node> children;
  children.reserve(list.size());
  value_spec spec = input;
  nlohmann::json canonical = nlohmann::json::array();
  std::vector<std::string> files;
  weft::detail::describe_node tree = leaf_description("sequence");
  tree.combinator = true;
  for (std::size_t i = 0; i < list.size(); ++i) {
    node child = l.build(list[i], pointer + "/stages/" + std::to_string(i), spec);
    spec = child.output_spec();
    canonical.push_back(child.canonical_json());
    files.insert(files.end(), child.files().begin(), child.files().end());
    add_child_description(tree, child, i);
    children.push_back(std::move(child));
  }
  auto call = [children = std::move(children)](const value& x) -> value {
    value v = with_path_segment(child_segment("sequence", 0, children[0]), [&] { return children[0](x); });
    for (std::size_t i = 1; i < children.size(); ++i)
      v = with_path_segment(child_segment("sequence", i, children[i]), [&] { return children[i](v); });
    return v;
  };
  return node(input, spec, std::move(call), std::move(tree), nlohmann::json{{"stages", std::move(canonical)}},
              std::move(files));
}

/// Builds {"model": "<name>", "params": {...}}; see the header comment.
inline node build_model(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                        loader& l) {
  const nlohmann::json& name = stage.at("model");
  l.expect_type(name, "string", pointer + "/model", "a model's registered name");
  const model_entry* entry = l.registry().find_model(name.get<std::string>());
  if (!entry) {
    std::string names;
    for (const auto& n : l.registry().model_names()) names += (names.empty() ? "" : ", ") + n;
    l.fail(pointer + "/model", "unknown model name", names.empty() ? "a registered model (none are)" : "one of: " + names,
           "\"" + name.get<std::string>() + "\"", "register it with reg.add<M>(\"" + name.get<std::string>() + "\", factory)");
  }
  nlohmann::json params = nlohmann::json::object();
  if (auto it = stage.find("params"); it != stage.end()) {
    l.expect_type(*it, "object", pointer + "/params", "a model's params");
    params = *it;
  }
  l.connect(input, entry->input, pointer);
  try {
    return entry->make(params, nlohmann::json{{"model", entry->name}, {"params", params}});
  } catch (const std::exception&) {
    l.fail(pointer, "model \"" + entry->name + "\" could not be made from its params", {}, {},
           "check \"params\" against what the factory reads", std::current_exception());
  }
}

}  // namespace weft::config

namespace weft::detail {

inline void add_builtin_config_kinds(registry& reg) {
  reg.add_kind("stages", config::build_stages);
  reg.add_kind("model", config::build_model, {"params"});
  config::add_adapter_kinds(reg);
#ifdef WEFT_CONFIG_HAS_COMBINATORS
  config::add_combinator_kinds(reg);
#endif
}

}  // namespace weft::detail

#endif  // WEFT_CONFIG_KINDS_HPP
