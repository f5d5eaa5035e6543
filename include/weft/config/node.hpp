// SPDX-License-Identifier: BSL-1.0
// weft/config/node.hpp - weft::config::node: one configured stage, erased over the dynamic values.
//
// Contract:
//   A node is what a stage builder returns and what a configured pipeline holds: its input and
//   output value_spec (known at load, so every connection is judged while loading), an erased call
//   value -> value, describe_tree() (a weft::detail::describe_node, so describe/to_dot show it), its
//   canonical JSON (every default written out; what to_json returns and fingerprint hashes), and the
//   files it read (paths, resolved; fingerprint hashes their bytes).
//   make_model_node(m, ...) erases a typed model M: the call takes the dynamic type of M's input
//   (config::dynamic_t), bridges it to M's input_type (a run-time extent check, shape_error, where
//   the spec has dyn), calls m and copies the answer into the dynamic type of M's output. The
//   bridges are instantiated when make_model_node<M> is (at registry::add<M>), so the compiler judges
//   them. A call given a value of another alternative than the node's input spec throws
//   std::bad_variant_access (the loader's checks make that unreachable from a loaded pipeline).
//   Copies are cheap (the call is shared: std::shared_ptr); calls are const and as thread-safe as
//   the models inside. Cost of a call: one indirect call, plus the bridges' copies.
#ifndef WEFT_CONFIG_NODE_HPP
#define WEFT_CONFIG_NODE_HPP

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../convert.hpp"
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
  static_assert(connectable<const X, In>, "weft: a registered model's input cannot be reached from its dynamic type");
  static_assert(connectable<Out, Y>, "weft: a registered model's output cannot reach its dynamic type");
  auto call = [m = std::move(m)](const value& v) -> value {
    const X& x = std::get<X>(v);
    weft::detail::bridge<const X, In> in(x);
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(m(in.get()))>, Y>) {
      return value(std::in_place_type<Y>, m(in.get()));
    } else {
      const Out out = m(in.get());
      return value(std::in_place_type<Y>, weft::detail::make_copy<Y>(out));
    }
  };
  return node(std::move(input), std::move(output), std::move(call), std::move(tree), std::move(canonical),
              std::move(files));
}

}  // namespace weft::config

#endif  // WEFT_CONFIG_NODE_HPP
