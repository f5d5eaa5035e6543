// SPDX-License-Identifier: BSL-1.0
// weft/config/registry.hpp - weft::registry: the named models, stage kinds, predicates and conditions
// a configuration may use.
//
// Contract:
//   weft::registry reg;                   // knows the built-in kinds (stages, model, the adapters,
//                                         // and the combinators), no models
//   reg.add<scaler>("scaler", [](const nlohmann::json& params) { return scaler{params}; });
//   weft::register_onnx(reg);             // {"onnx": "net.onnx"} (weft/config/onnx.hpp)
//   reg.add_predicate("positive", [](const weft::config::value& x) { ... });  // for "when"
//   reg.add_condition("non_finite", [](const weft::config::value& y) { ... }); // for fallback "when"
//   add<M>(name, factory): factory(params) returns an M made from the stage's "params" (an empty
//   object when the stage has none; a factory that throws makes the load fail with a config_error
//   whose cause() is its exception). M must be a weft model whose input and output are tensors of
//   the dynamic value set (config/value.hpp: f32/f64/i64, rank 1 or 2, any backend): add<M>
//   instantiates the bridges between them, so a model outside the set fails to compile there with
//   a weft: diagnostic. The node's specs are M's static ones, refined by the made model's
//   input_shape()/output_shape() where it declares them.
//   add_kind(name, builder, keys): a stage kind, found by its key: a stage {"<name>": ..., key...}
//   is built by builder(stage, pointer, input spec, loader) (weft/config/loader.hpp); `keys` are the
//   other keys the kind accepts ("name" and "golden" are always accepted; any other key is refused).
//   A name added again replaces the earlier entry (so a kind can be overridden).
//   Lookups return null for an unknown name. Thread safety: build the registry first; const use
//   (loading from many threads at once) is then safe.
#ifndef WEFT_CONFIG_REGISTRY_HPP
#define WEFT_CONFIG_REGISTRY_HPP

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../shape.hpp"
#include "node.hpp"
#include "value.hpp"

namespace weft {

namespace config {
class loader;

/// Builds a node of one kind: (stage object, its JSON pointer, the spec arriving at it, the loader).
using builder = std::function<node(const nlohmann::json& stage, const std::string& pointer,
                                   const value_spec& input, loader& l)>;

/// A stage kind: its builder and the keys it accepts beside its own.
struct kind_entry {
  builder build;
  std::vector<std::string> keys;
};

/// A registered model: its declared specs and how to make its node from "params".
struct model_entry {
  std::string name;
  value_spec input;
  value_spec output;
  /// Makes the node: (params, canonical JSON of the stage); throws what the factory throws.
  std::function<node(const nlohmann::json& params, nlohmann::json canonical)> make;
};

/// A named predicate on a value (weft::when's "when": true takes "then").
using predicate = std::function<bool(const value&)>;
/// A named condition on a stage's output (weft::fallback's "when": true rejects the output).
using condition = std::function<bool(const value&)>;
}  // namespace config

class registry;
namespace detail {
/// Adds the built-in kinds to reg (defined in weft/config/kinds.hpp).
void add_builtin_config_kinds(registry& reg);
}  // namespace detail

/// The named models, stage kinds, predicates and conditions a configuration may use.
class registry {
 public:
  /// A registry with the built-in kinds and nothing else.
  registry() { detail::add_builtin_config_kinds(*this); }

  /// Registers model type M under name; factory(const nlohmann::json& params) returns an M.
  template <class M, class Factory>
  registry& add(std::string name, Factory factory) {
    static_assert(model<M>, "weft: registry::add<M>: M must be a weft model (input_type, output_type, const call)");
    if constexpr (model<M>) {
      static_assert(detail::config_representable_v<input_t<M>>,
                    "weft: registry::add<M>: M's input_type must be a tensor of scalar float, double or "
                    "std::int64_t and rank 1 or 2 (the configured value types, weft/config/value.hpp)");
      static_assert(detail::config_representable_v<output_t<M>>,
                    "weft: registry::add<M>: M's output_type must be a tensor of scalar float, double or "
                    "std::int64_t and rank 1 or 2 (not a std::optional or std::tuple; weft/config/value.hpp)");
      static_assert(std::is_convertible_v<std::invoke_result_t<const Factory&, const nlohmann::json&>, M>,
                    "weft: registry::add<M>(name, factory): factory(const nlohmann::json& params) must return an M");
      if constexpr (detail::config_representable_v<input_t<M>> && detail::config_representable_v<output_t<M>>)
        add_checked<M>(std::move(name), std::move(factory));
    }
    return *this;
  }

  /// Registers (or replaces) a stage kind; see the header comment.
  registry& add_kind(std::string name, config::builder b, std::vector<std::string> keys = {}) {
    kinds_[std::move(name)] = config::kind_entry{std::move(b), std::move(keys)};
    return *this;
  }

  /// Registers a named predicate (true: weft::when takes "then").
  registry& add_predicate(std::string name, config::predicate p) {
    predicates_[std::move(name)] = std::move(p);
    return *this;
  }

  /// Registers a named condition (true: weft::fallback rejects the branch's output).
  registry& add_condition(std::string name, config::condition c) {
    conditions_[std::move(name)] = std::move(c);
    return *this;
  }

  /// The model registered under name, or null.
  const config::model_entry* find_model(std::string_view name) const { return find(models_, name); }
  /// The kind registered under name, or null.
  const config::kind_entry* find_kind(std::string_view name) const { return find(kinds_, name); }
  /// The predicate registered under name, or null.
  const config::predicate* find_predicate(std::string_view name) const { return find(predicates_, name); }
  /// The condition registered under name, or null.
  const config::condition* find_condition(std::string_view name) const { return find(conditions_, name); }

  /// The registered model names, sorted (for messages).
  std::vector<std::string> model_names() const { return names(models_); }
  /// The registered kind names, sorted (for messages).
  std::vector<std::string> kind_names() const { return names(kinds_); }
  /// The registered predicate names, sorted.
  std::vector<std::string> predicate_names() const { return names(predicates_); }
  /// The registered condition names, sorted.
  std::vector<std::string> condition_names() const { return names(conditions_); }

 private:
  template <class M, class Factory>
  void add_checked(std::string name, Factory factory) {
    config::model_entry e;
    e.name = name;
    e.input = config::spec_of<input_t<M>>();
    e.output = config::spec_of<output_t<M>>();
    e.make = [factory = std::move(factory), label = name](const nlohmann::json& params,
                                                          nlohmann::json canonical) -> config::node {
      M m = factory(params);
      config::value_spec in = config::spec_of<input_t<M>>();
      config::value_spec out = config::spec_of<output_t<M>>();
      if constexpr (detail::declares_input_shape<M>) in.extents = m.input_shape();
      if constexpr (detail::declares_output_shape<M>) out.extents = m.output_shape();
      return config::make_model_node(std::move(m), in, out, config::leaf_description("model \"" + label + "\""),
                                     std::move(canonical));
    };
    models_[std::move(name)] = std::move(e);
  }

  template <class Map>
  static const typename Map::mapped_type* find(const Map& m, std::string_view name) {
    auto it = m.find(name);
    return it == m.end() ? nullptr : &it->second;
  }
  template <class Map>
  static std::vector<std::string> names(const Map& m) {
    std::vector<std::string> v;
    for (const auto& kv : m) v.push_back(kv.first);
    return v;
  }

  std::map<std::string, config::model_entry, std::less<>> models_;
  std::map<std::string, config::kind_entry, std::less<>> kinds_;
  std::map<std::string, config::predicate, std::less<>> predicates_;
  std::map<std::string, config::condition, std::less<>> conditions_;
};

}  // namespace weft

#endif  // WEFT_CONFIG_REGISTRY_HPP
