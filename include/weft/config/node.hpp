// SPDX-License-Identifier: BSL-1.0
// weft/config/node.hpp - weft::config::node: one configured stage, erased over the dynamic values.
//
// Contract:
//   A node is what a stage builder returns and what a configured pipeline holds: its input and
//   output value_spec (known at load, so every connection is judged while loading), an erased call
//   value -> value, describe_tree() (a weft::detail::describe_node, so describe/to_dot show it), its
//   canonical JSON (every default written out; what to_json returns and fingerprint hashes), and the
//   files it read (paths, resolved; fingerprint hashes their bytes).
//   make_model_node(m, ...) erases a typed model M into a weft::any_model<X, Y> over the dynamic
//   types of M's input and output (config::dynamic_t): a call takes the X alternative of the value,
//   any_model bridges it to M's input_type (a run-time extent check, shape_error, where the spec has
//   dyn; M's declared input_shape() checked), calls m and bridges the answer into a Y. The bridges
//   are instantiated when make_model_node<M> is (at registry::add<M>), so the compiler judges them
//   (any_model's diagnostic). A call given a value of another alternative than the node's input
//   spec throws std::bad_variant_access (the loader's checks make that unreachable from a loaded
//   pipeline). Copies are cheap (the call is shared: std::shared_ptr); calls are const and as
//   thread-safe as the models inside. Cost of a call: the std::function holding the call (one
//   indirect call, the dispatch on the value), any_model's one indirect call, the bridges' copies.
#ifndef WEFT_CONFIG_NODE_HPP
#define WEFT_CONFIG_NODE_HPP

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../any_model.hpp"
#include "../detail/describe_node.hpp"
#include "../model.hpp"
#include "value.hpp"

namespace weft::config {

/// One configured stage; see the header comment.
class node {
 public:
  /// The erased call.
  using call_type = std::function<value(const value&)>;

  /// input / output: the specs judged at load; call: the erased call; tree: its description;
  /// canonical: its normalised JSON; files: the files it read (resolved paths).
  node(value_spec input, value_spec output, call_type call, weft::detail::describe_node tree,
       nlohmann::json canonical, std::vector<std::string> files = {})
      : input_(std::move(input)), output_(std::move(output)),
        call_(std::make_shared<const call_type>(std::move(call))), tree_(std::move(tree)),
        canonical_(std::move(canonical)), files_(std::move(files)) {
    tree_.in = input_.text();
    tree_.out = output_.text();
  }

  /// The spec the node takes.
  const value_spec& input_spec() const noexcept { return input_; }
  /// The spec the node returns.
  const value_spec& output_spec() const noexcept { return output_; }

  /// Runs the stage. Throws what the stage throws (weft errors carry their stage path).
  value operator()(const value& x) const { return (*call_)(x); }

  /// The node's description (weft::describe / to_dot read it through the describe_tree hook).
  const weft::detail::describe_node& describe_tree() const noexcept { return tree_; }

  /// The normalised JSON of the stage (every default written out).
  const nlohmann::json& canonical_json() const noexcept { return canonical_; }

  /// The files the stage read, resolved paths, in the order read (children's included).
  const std::vector<std::string>& files() const noexcept { return files_; }

  /// The stage's given name ("name" in the JSON); empty when none.
  const std::string& name() const noexcept { return tree_.name; }

  /// Gives the stage a name (shown in describe and in error paths); writes it into the canonical JSON.
  void set_name(std::string name) {
    canonical_["name"] = name;
    tree_.name = std::move(name);
  }

  /// Adds a key to the canonical JSON (the loader writes "golden" back this way).
  void set_canonical(const std::string& key, nlohmann::json v) { canonical_[key] = std::move(v); }

 private:
  value_spec input_;
  value_spec output_;
  std::shared_ptr<const call_type> call_;
  weft::detail::describe_node tree_;
  nlohmann::json canonical_;
  std::vector<std::string> files_;
};

/// A leaf's description: what it is ("model \"scaler\"", "onnx \"net.onnx\"", "softmax").
inline weft::detail::describe_node leaf_description(std::string what) {
  weft::detail::describe_node n;
  n.what = std::move(what);
  return n;
}

/// Appends child's description to a combinator's as child i (describe/to_dot need a bridge label,
/// empty here, per child: configured stages pass dynamic values, no bridge is drawn).
inline void add_child_description(weft::detail::describe_node& parent, const node& child, std::size_t i) {
  weft::detail::describe_node t = child.describe_tree();
  t.index = i;
  t.has_index = true;
  parent.children.push_back(std::move(t));
  parent.bridge_in.emplace_back();
  parent.bridge_out.emplace_back();
}

/// Erases typed model m into a node taking `input` and returning `output` (M's specs, refined by
/// its input_shape()/output_shape() where it declares them). See the header comment.
template <model M>
node make_model_node(M m, value_spec input, value_spec output, weft::detail::describe_node tree,
                     nlohmann::json canonical, std::vector<std::string> files = {}) {
  using In = input_t<M>;
  using Out = output_t<M>;
  static_assert(tensor<Out>,
                "weft: a registered model must return a tensor (not a std::optional or a std::tuple): "
                "configured stages pass tensors");
  using X = dynamic_t<In>;
  using Y = dynamic_t<Out>;
  // any_model judges the bridges X -> In and Out -> Y here, at compile time (one weft: diagnostic).
  auto call = [erased = any_model<X, Y>(std::move(m))](const value& v) -> value {
    return value(std::in_place_type<Y>, erased(std::get<X>(v)));
  };
  return node(std::move(input), std::move(output), std::move(call), std::move(tree), std::move(canonical),
              std::move(files));
}

}  // namespace weft::config

#endif  // WEFT_CONFIG_NODE_HPP
