// SPDX-License-Identifier: BSL-1.0
// weft/config/pipeline.hpp - weft::load_pipeline<In, Out> and weft::configured_pipeline<In, Out>.
//
// Contract:
//   auto p = weft::load_pipeline<In, Out>(reg, json);         // nlohmann::json already parsed
//   auto p = weft::load_pipeline<In, Out>(reg, path);         // a file: model paths relative to it
//   auto j = weft::parse_config(text);                        // text -> json, config_error if malformed
//   The root stage is built with In's spec arriving at it (config::spec_of<In>), every connection
//   is judged, golden self-tests run, and the root's output must connect to Out's spec; any failure
//   throws weft::config_error (JSON pointer, both specs, remedy, cause) and nothing is returned.
//   In and Out: tensors of the dynamic set's scalars (f32, f64, i64) and ranks (1, 2), any backend;
//   others fail to compile.
//   configured_pipeline<In, Out> is a weft model (input_type In, output_type Out): a call copies x
//   into the dynamic type, runs the root node (one indirect call per stage) and bridges the answer
//   to Out (a run-time extent check: shape_error when a dyn extent of the configuration does not fit
//   Out's static one). input_shape()/output_shape() give the extents judged at load. Copies are cheap
//   (the nodes are shared); calls are const and as thread-safe as the registered models.
//   describe_tree() describes the loaded stages; root() gives the root node (its canonical JSON,
//   files); to_json / fingerprint live in <weft/fingerprint.hpp>.
#ifndef WEFT_CONFIG_PIPELINE_HPP
#define WEFT_CONFIG_PIPELINE_HPP

#include <concepts>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "../convert.hpp"
#include "../shape.hpp"
#include "../tensor.hpp"
#include "error.hpp"
#include "loader.hpp"
#include "node.hpp"
#include "registry.hpp"
#include "value.hpp"

namespace weft {

/// A pipeline loaded from configuration, typed at its ends; see the header comment.
template <tensor In, tensor Out>
class configured_pipeline {
  using X = config::dynamic_t<In>;
  using Y = config::dynamic_t<Out>;

 public:
  using input_type = In;
  using output_type = Out;

  /// Wraps a root node whose specs connect In -> Out (load_pipeline checks it; this does not).
  explicit configured_pipeline(config::node root) : root_(std::move(root)) {}

  /// Runs the configured stages on x. Throws what the stages throw (with their stage paths), and
  /// shape_error when x or the answer does not fit the extents judged at load.
  Out operator()(const In& x) const {
    const config::value in(std::in_place_type<X>, detail::make_copy<X>(x));
    const config::value out = root_(in);
    const Y& y = std::get<Y>(out);
    detail::bridge<const Y, Out> b(y);
    return Out(b.get());
  }

  /// The extents the configuration takes (dyn where it takes any).
  shape input_shape() const noexcept { return root_.input_spec().extents; }
  /// The extents the configuration returns (dyn where only a call knows).
  shape output_shape() const noexcept { return root_.output_spec().extents; }

  /// The loaded stages' description (weft::describe and to_dot use it).
  detail::describe_node describe_tree() const { return root_.describe_tree(); }

  /// The root node (canonical JSON, files read, specs).
  const config::node& root() const noexcept { return root_; }

 private:
  config::node root_;
};

/// Builds a pipeline from parsed JSON; see the header comment. base: the directory relative model
/// file paths are resolved against (default: the current directory); file: the JSON file's name for
/// messages (may be empty).
/// (A template on J, so that a string literal picks the file overload below.)
template <tensor In, tensor Out, class J>
  requires std::same_as<J, nlohmann::json>
configured_pipeline<In, Out> load_pipeline(const registry& reg, const J& json, const std::filesystem::path& base = {},
                                           std::string file = {}) {
  config::loader l(reg, base, std::move(file));
  const config::value_spec in = config::spec_of<In>();
  const config::value_spec out = config::spec_of<Out>();
  config::node root = l.build(json, "", in);
  l.connect(root.output_spec(), out, "", "the pipeline's output type");
  return configured_pipeline<In, Out>(std::move(root));
}

/// Parses configuration text; malformed JSON throws config_error (pointer "", the parser's text as
/// cause). file: named in messages (may be empty).
inline nlohmann::json parse_config(std::string_view text, const std::string& file = {}) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    throw config_error("", "malformed JSON", "a JSON document", e.what(), "fix the JSON syntax",
                       std::current_exception(), file);
  }
}

/// Builds a pipeline from a JSON file; model files are resolved against its directory. A missing or
/// unreadable file, or malformed JSON, throws config_error.
template <tensor In, tensor Out>
configured_pipeline<In, Out> load_pipeline(const registry& reg, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw config_error("", "cannot read the configuration file", "a readable file", "cannot open", {}, nullptr,
                              file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return load_pipeline<In, Out>(reg, parse_config(text.str(), file.string()), file.parent_path(), file.string());
}

}  // namespace weft

#endif  // WEFT_CONFIG_PIPELINE_HPP
