// SPDX-License-Identifier: BSL-1.0
// weft/serve/served_model.hpp - a pipeline as the server sees it: metadata and infer over JSON.
//
// Contract (namespace weft::oip):
//   served_model<P>(pipeline, options) owns a weft pipeline P (a weft::model whose input_type is a
//   tensor and whose output_type is a tensor, a std::optional of one, or a std::tuple of tensors)
//   and answers for it through the type-erased served_model_base the routes hold:
//     metadata(name)  the protocol's model metadata {name, versions, platform "weft", inputs,
//                     outputs}, each tensor's shape [-1] + the sample's (weft/serve/protocol.hpp);
//     infer(request, name)  the protocol's response {model_name, model_version, id (when the
//                     request had one), outputs}. The request's one input must carry the input
//                     name; the outputs asked for must be among the output names (else
//                     request_error). A request of n samples runs one pipeline call when n == 1,
//                     one call_batch (through weft::batched) when n > 1 and P is batch-native with
//                     a tensor output (weft::batch_native), else one call per sample, in order.
//   Names: options.names (weft::io_names); the defaults are "input", and "output" or "output_0",
//   "output_1"... for a std::tuple. A wrong number of output names throws std::invalid_argument.
//   Every call runs observed (weft/observe.hpp) by the model's stage_metrics (weft/serve/metrics.hpp).
//   Errors: request_error (400) before the pipeline runs; what the pipeline throws passes through; a
//   pipeline that answers an empty std::optional throws weft::error of kind "declined"; samples whose
//   outputs differ in extents throw weft::shape_error.
//   Thread safety: metadata and infer from any number of threads at once; P is called const,
//   concurrently, so P must be safe to call from many threads (weft's own combinators and runtime
//   models are; a user's model must be too). Not copyable or movable (its observers refer to it).
#ifndef WEFT_SERVE_SERVED_MODEL_HPP
#define WEFT_SERVE_SERVED_MODEL_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../batch.hpp"
#include "../batched.hpp"
#include "../errors.hpp"
#include "../model.hpp"
#include "../observe.hpp"
#include "../shape.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "protocol.hpp"

namespace weft::oip {

/// A served model with its type erased; see the header comment.
class served_model_base {
 public:
  virtual ~served_model_base() = default;
  /// The model's metadata as the protocol writes it.
  virtual json metadata(std::string_view name) const = 0;
  /// The answer to a parsed infer request.
  virtual json infer(const infer_request& request, std::string_view name) const = 0;
  /// The largest request body this model takes.
  virtual std::size_t max_body_bytes() const noexcept = 0;
  /// Its requests' and stages' metrics.
  model_metrics& metrics() noexcept { return metrics_; }
  const model_metrics& metrics() const noexcept { return metrics_; }

 private:
  model_metrics metrics_;
};

namespace detail {

template <class T> struct output_list { using type = std::tuple<T>; static constexpr bool tuple = false; };
template <class T> struct output_list<std::optional<T>> { using type = std::tuple<T>; static constexpr bool tuple = false; };
template <class... T> struct output_list<std::tuple<T...>> { using type = std::tuple<T...>; static constexpr bool tuple = true; };

/// Output K's declared shape of model m (a shape, or element K of a tuple of shapes), if declared.
template <std::size_t K, class M>
std::optional<shape> declared_output(const M& m) {
  if constexpr (weft::detail::declares_output_shape<M>) {
    return m.output_shape();
  } else if constexpr (requires { { std::get<K>(m.output_shape()) } -> std::convertible_to<shape>; }) {
    return shape(std::get<K>(m.output_shape()));
  } else {
    (void)m;
    return std::nullopt;
  }
}

}  // namespace detail

/// Pipeline P served over the protocol; see the header comment.
template <class P>
  requires model<P> && tensor<input_t<P>>
class served_model final : public served_model_base {
  using in_type = input_t<P>;
  using out_type = output_t<P>;
  using outputs = detail::output_list<out_type>;
  using out_tuple = typename outputs::type;
  static constexpr std::size_t n_outputs = std::tuple_size_v<out_tuple>;
  static constexpr bool batch_path = batch_native<P> && tensor<out_type>;
  using sample_model = observed_model<std::reference_wrapper<const P>, stage_metrics>;
  using batch_model = std::conditional_t<batch_path, observed_model<batched<std::reference_wrapper<const P>>, stage_metrics>,
                                         std::monostate>;

 public:
  /// Owns pipeline; names from options (std::invalid_argument for a wrong number of output names).
  served_model(P pipeline, serve_options options)
      : pipeline_(std::move(pipeline)), options_(std::move(options)),
        sample_(std::cref(pipeline_), metrics().stages()), batch_(make_batch()) {
    if (options_.names.outputs.empty()) {
      if constexpr (outputs::tuple)
        for (std::size_t k = 0; k < n_outputs; ++k) options_.names.outputs.push_back("output_" + std::to_string(k));
      else
        options_.names.outputs.push_back("output");
    }
    if (options_.names.outputs.size() != n_outputs)
      throw std::invalid_argument("weft::serve: " + std::to_string(options_.names.outputs.size()) +
                                  " output names for a pipeline of " + std::to_string(n_outputs) + " outputs");
    if constexpr (weft::detail::declares_input_shape<weft::detail::unwrap_t<P>>)
      declared_in_ = weft::detail::unwrap(pipeline_).input_shape();
  }
  served_model(const served_model&) = delete;
  served_model& operator=(const served_model&) = delete;

  json metadata(std::string_view name) const override {
    json outs = json::array();
    add_output_metas(outs, std::make_index_sequence<n_outputs>{});
    return json{{"name", name},
                {"versions", json::array({options_.version})},
                {"platform", "weft"},
                {"inputs", json::array({to_json(meta_of<in_type>(options_.names.input, declared()))})},
                {"outputs", std::move(outs)}};
  }

  json infer(const infer_request& request, std::string_view name) const override {
    const std::vector<std::size_t> selected = select(request.outputs);
    const json& t = find_input(request, options_.names.input);
    json outs;
    if constexpr (batch_path) {
      if (samples_in(t) > 1) {
        const auto batch = decode_batch<in_type>(t, options_.names.input, declared());
        const auto y = batch_(batch);
        outs = json::array({encode_batch(options_.names.outputs[0], y)});
      }
    }
    if (outs.is_null()) outs = run_samples(decode_samples<in_type>(t, options_.names.input, declared()));
    json picked = json::array();
    for (std::size_t k : selected) picked.push_back(std::move(outs[k]));
    json answer{{"model_name", name}, {"model_version", options_.version}};
    if (request.id) answer["id"] = *request.id;
    answer["outputs"] = std::move(picked);
    return answer;
  }

  std::size_t max_body_bytes() const noexcept override { return options_.max_body_bytes; }

 private:
  const shape* declared() const noexcept { return declared_in_ ? &*declared_in_ : nullptr; }

  batch_model make_batch() {
    if constexpr (batch_path)
      return batch_model(batched<std::reference_wrapper<const P>>(std::cref(pipeline_)), metrics().stages());
    else return {};
  }

  /// The first extent of t's shape when it reads as one (the entry check judges it later), else 1.
  static std::int64_t samples_in(const json& t) {
    if (!t.is_object()) return 1;
    const auto s = t.find("shape");
    if (s == t.end() || !s->is_array() || s->empty() || !(*s)[0].is_number_integer()) return 1;
    return (*s)[0].get<std::int64_t>();
  }

  /// Indices of the outputs asked for (all when none is named); request_error for an unknown name.
  std::vector<std::size_t> select(const std::vector<std::string>& asked) const {
    std::vector<std::size_t> picked;
    if (asked.empty()) {
      for (std::size_t k = 0; k < n_outputs; ++k) picked.push_back(k);
      return picked;
    }
    for (const auto& a : asked) {
      std::size_t k = 0;
      while (k < n_outputs && options_.names.outputs[k] != a) ++k;
      if (k == n_outputs) {
        std::string known;
        for (const auto& o : options_.names.outputs) known += (known.empty() ? "\"" : ", \"") + o + "\"";
        throw request_error("", "unknown output tensor", "one of " + known, "\"" + a + "\"");
      }
      picked.push_back(k);
    }
    return picked;
  }

  template <std::size_t... K>
  void add_output_metas(json& outs, std::index_sequence<K...>) const {
    const auto& m = weft::detail::unwrap(pipeline_);
    (add_output_meta<K>(outs, detail::declared_output<K>(m)), ...);
  }
  template <std::size_t K>
  void add_output_meta(json& outs, const std::optional<shape>& declared) const {
    using T = std::tuple_element_t<K, out_tuple>;
    outs.push_back(to_json(meta_of<T>(options_.names.outputs[K], declared ? &*declared : nullptr)));
  }

  /// One pipeline call per sample, in order; the outputs stacked per output tensor.
  template <class X>
  json run_samples(const std::vector<X>& xs) const {
    return run_samples(xs, std::make_index_sequence<n_outputs>{});
  }
  template <class X, std::size_t... K>
  json run_samples(const std::vector<X>& xs, std::index_sequence<K...>) const {
    std::tuple<std::vector<detail::owning_t<std::tuple_element_t<K, out_tuple>>>...> columns;
    (std::get<K>(columns).reserve(xs.size()), ...);
    for (std::size_t j = 0; j < xs.size(); ++j) {
      auto y = sample_(xs[j]);
      if constexpr (outputs::tuple) {
        (std::get<K>(columns).emplace_back(std::move(std::get<K>(y))), ...);
      } else if constexpr (weft::detail::is_optional<out_type>::value) {
        if (!y) throw weft::error("declined", "the pipeline answered no value (an empty std::optional) for sample " +
                                                  std::to_string(j));
        std::get<0>(columns).emplace_back(std::move(*y));
      } else {
        std::get<0>(columns).emplace_back(std::move(y));
      }
    }
    return json::array({encode_samples(options_.names.outputs[K], std::get<K>(columns))...});
  }

  P pipeline_;
  serve_options options_;
  std::optional<shape> declared_in_;
  sample_model sample_;
  [[no_unique_address]] batch_model batch_;
};

}  // namespace weft::oip

#endif  // WEFT_SERVE_SERVED_MODEL_HPP
