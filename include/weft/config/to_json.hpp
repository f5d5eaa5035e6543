// SPDX-License-Identifier: BSL-1.0
// weft/config/to_json.hpp - a typed pipeline's structure written out in the loader's JSON schema.
//
// Contract:
//   weft::to_json(m) returns pipeline m's structure as an nlohmann::json value in the schema
//   weft::load_pipeline reads (docs/config.md), walking m's type as weft::describe does:
//     sequence (a | b | c)          {"stages": [<stage>, ...]}
//     fan_out(...) | concat         {"fan_out": [<stage>, ...], "merge": "concat"}
//     ensemble(reducer, ...)        {"ensemble": [...], "reducer": "mean" | "vote" | "max" | "median"}
//                                   or "reducer": "weighted" with "weights": [w0, ...]
//     fallback(...).when(c)...      {"fallback": [...], "when": ["non_finite",
//                                   {"below_confidence": p}, "<c.name>", ...]} ("when": [] if none)
//     route(top_k<K>, gate, e...)   {"route": [<expert>, ...], "gate": <stage>, "top_k": K}
//     when(pred, then, else)        {"when": "<pred's name>", "then": <stage>, "else": <stage>}
//     retry(m, attempts(n))         {"retry": <stage>, "attempts": n, "retry_on": ["any"]}
//     named("x", m)                 m's stage with "name": "x"
//     cast<T>, reshape<N...>, softmax, argmax, normalize, identity, check_finite
//                                   {"cast": "f64"}, {"reshape": [28, 28]}, {"softmax": {}}, ...
//     onnx_model, xgboost_model, torch_model  {"onnx": "<path as given>"} (and xgboost, torch)
//     a leaf model                  {"model": M::config_name, "params": m.config_params()}
//   A leaf model (any model that is none of the above) names its registry entry itself:
//       struct scaler {
//         static constexpr std::string_view config_name = "scaler";   // required
//         nlohmann::json config_params() const { return {{"gain", gain}}; }  // optional: {} if absent
//         ...
//       };
//   Every default the loader knows is written out, so to_json(m) is the canonical JSON of the
//   pipeline loaded from it. A leaf without config_name (a weft::fn too), a custom reducer, a
//   fallback condition or when predicate without a `name` member, a retry with a predicate or a
//   back-off, a fan_out not followed by concat and weft::batched have no JSON form: to_json(m) fails
//   to compile with one "weft: to_json: ..." static_assert naming the model (docs/diagnostics.md). The parallel policy (weft::par) is not written (it does not change
//   answers). to_json of a pipeline loaded by weft::load_pipeline is its canonical JSON
//   (weft/fingerprint.hpp).
//   Loading to_json(m) with a registry that registers every leaf's config_name (and the runtimes)
//   gives a pipeline that answers as m does.
//   Cost: never on a call path; builds json values (allocates; may throw std::bad_alloc and what
//   config_params throws). Thread-safe: reads m only.
#ifndef WEFT_CONFIG_TO_JSON_HPP
#define WEFT_CONFIG_TO_JSON_HPP

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../adapters.hpp"
#include "../conditions.hpp"
#include "../describe.hpp"
#include "../ensemble.hpp"
#include "../fallback.hpp"
#include "../fan_out.hpp"
#include "../model.hpp"
#include "../reducers.hpp"
#include "../retry.hpp"
#include "../route.hpp"
#include "../sequence.hpp"
#include "../strict.hpp"
#include "../when.hpp"
#include "value.hpp"

namespace weft {

/// A pipeline loaded from configuration (weft/config/pipeline.hpp).
template <tensor In, tensor Out>
class configured_pipeline;

/// A model that names its registry entry: `static constexpr std::string_view config_name`.
template <class M>
concept config_named = requires {
  { M::config_name } -> std::convertible_to<std::string_view>;
};

/// Pipeline m's structure in the loader's JSON schema; see the header comment. A stage without a
/// JSON form is a compile-time weft: diagnostic.
template <model M>
nlohmann::json to_json(const M& m);

// ---------------------------------------------------------------------------------------------
// Details: a walk over the pipeline's type, writing json and recording each leaf.
// ---------------------------------------------------------------------------------------------

namespace detail {

// READ THIS IF YOUR COMPILE BREAKS HERE: the template argument is the model (or reducer, or
// condition) that weft::to_json cannot write; the message says how to give it a JSON form.
template <class Model>
struct to_json_leaf_without_config_name {
  static_assert(never<Model>,
                "weft: to_json: this leaf model has no JSON form; give it a member "
                "`static constexpr std::string_view config_name` (its registry name) and, if it has "
                "parameters, `nlohmann::json config_params() const`");
};
template <class Reducer>
struct to_json_custom_reducer {
  static_assert(never<Reducer>,
                "weft: to_json: an ensemble with a custom reducer has no JSON form; use weft::mean, "
                "weighted, vote, max or median");
};
template <class Condition>
struct to_json_custom_condition {
  static_assert(never<Condition>,
                "weft: to_json: a fallback condition other than weft::non_finite or "
                "weft::below_confidence has no JSON form unless it has a `name` member (its "
                "registry name, registry::add_condition)");
};
template <class Predicate>
struct to_json_unnamed_predicate {
  static_assert(never<Predicate>,
                "weft: to_json: a when predicate needs a `name` member (its registry name) to have "
                "a JSON form");
};
template <class Predicate>
struct to_json_custom_retry {
  static_assert(never<Predicate>,
                "weft: to_json: a retry with a predicate or a back-off has no JSON form; "
                "use weft::retry(m, weft::attempts(n))");
};
template <class Model>
struct to_json_batched {
  static_assert(never<Model>, "weft: to_json: weft::batched has no JSON form");
};

/// A runtime model (onnx_model, xgboost_model, torch_model): `config_runtime` and its file's path().
template <class M>
concept config_runtime_model = requires(const M& m) {
  { M::config_runtime } -> std::convertible_to<std::string_view>;
  { m.path() } -> std::convertible_to<std::string>;
};

template <class M>
concept config_params_member = requires(const M& m) {
  { m.config_params() } -> std::convertible_to<nlohmann::json>;
};

/// What a fingerprint needs beyond the structure, gathered by the walk that writes it.
struct json_walk {
  /// Per leaf (registered or runtime model): "<kind or model \"name\"> <input spec> -> <output spec>".
  std::vector<std::string> leaves;
  /// Per runtime model: where its path is in the structure (pointer and key) and the file.
  struct file_ref {
    std::string pointer;  // "/stages/2/fan_out/0"
    std::string key;      // "onnx"
    std::string file;     // the path as the model holds it
  };
  std::vector<file_ref> files;
  /// Per loaded pipeline inside the typed one: its pointer and the files it read (resolved).
  struct loaded_ref {
    std::string pointer;
    std::vector<std::string> files;
  };
  std::vector<loaded_ref> loaded;
};

template <class M>
struct json_writer;

template <class Stored>
nlohmann::json json_of(const Stored& stored, const std::string& pointer, json_walk& walk) {
  return json_writer<std::remove_cv_t<unwrap_t<Stored>>>::make(unwrap(stored), pointer, walk);
}

template <class M>
std::string specs_text() {
  return value_spec<input_t<M>>() + " -> " + value_spec<output_t<M>>();
}

/// A tensor type that is carried between configured stages (config/value.hpp's set).
template <class T>
concept config_value_type = tensor<T> && is_config_scalar_v<scalar_t<T>> &&
                            (tensor_traits<T>::rank == 1 || tensor_traits<T>::rank == 2);

/// A leaf's specs as a loaded pipeline's node states them: the registry's (config::spec_of, refined
/// by input_shape()/output_shape() as registry::add does), else weft's spec text.
template <class M>
std::string leaf_specs(const M& m) {
  using In = input_t<M>;
  using Out = output_t<M>;
  if constexpr (config_value_type<In> && config_value_type<Out>) {
    config::value_spec in = config::spec_of<In>();
    config::value_spec out = config::spec_of<Out>();
    if constexpr (declares_input_shape<M>) in.extents = m.input_shape();
    if constexpr (declares_output_shape<M>) out.extents = m.output_shape();
    return in.text() + " -> " + out.text();
  } else {
    return specs_text<M>();
  }
}

/// The leaves of a loaded pipeline's description (registered models, `model "name"`, and runtime
/// models, `onnx "file"`: kept as "onnx"), with their specs, as json_walk::leaves has them.
inline void loaded_leaves(const describe_node& n, std::vector<std::string>& out) {
  if (n.children.empty() && !n.combinator) {
    // A route's gate is titled `[gate] "name" model "x"`: look for the leaf's own words.
    if (const std::size_t at = n.what.find("model \""); at != std::string::npos) {
      out.push_back(n.what.substr(at) + " " + n.in + " -> " + n.out);
      return;
    }
    for (const std::string_view kind : {"onnx", "xgboost", "torch"}) {
      if (n.what.find(std::string(kind) + " \"") != std::string::npos) {
        out.push_back(std::string(kind) + " " + n.in + " -> " + n.out);
        return;
      }
    }
    return;  // an adapter
  }
  for (const describe_node& c : n.children) loaded_leaves(c, out);
}

// --- leaves, wrappers, adapters ---

template <class M>
struct json_writer {
  static nlohmann::json make(const M& m, const std::string& pointer, json_walk& walk) {
    if constexpr (wrapper<M>) {
      // weft::named (and any other see-through wrapper): the inner stage, with the wrapper's name.
      nlohmann::json j = json_of(m.inner(), pointer, walk);
      if (const auto given = model_traits<M>::given_name(m); !given.empty()) j["name"] = std::string(given);
      return j;
    } else if constexpr (config_runtime_model<M>) {
      walk.leaves.push_back(std::string(M::config_runtime) + " " + leaf_specs(m));
      walk.files.push_back({pointer, std::string(M::config_runtime), std::string(m.path())});
      return with_name(m, {{std::string(M::config_runtime), std::string(m.path())}});
    } else if constexpr (config_named<M>) {
      walk.leaves.push_back("model \"" + std::string(M::config_name) + "\" " + leaf_specs(m));
      nlohmann::json params = nlohmann::json::object();
      if constexpr (config_params_member<M>) params = m.config_params();
      return with_name(m, {{"model", std::string(M::config_name)}, {"params", std::move(params)}});
    } else {
      (void)to_json_leaf_without_config_name<M>{};
      return {};
    }
  }
  /// j with the model's given name, when it has one; a runtime model's default name (its file's
  /// name) is not written: loading gives it again.
  static nlohmann::json with_name(const M& m, nlohmann::json j) {
    if constexpr (has_name_member<M>) {
      const std::string_view given = model_traits<M>::given_name(m);
      bool implied = false;
      if constexpr (config_runtime_model<M>) {
        const std::string path(m.path());
        implied = given == std::string_view(path).substr(path.find_last_of('/') + 1);
      }
      if (!given.empty() && !implied) j["name"] = std::string(given);
    }
    return j;
  }
};

/// A pipeline loaded from configuration: its canonical JSON.
template <class In, class Out>
struct json_writer<configured_pipeline<In, Out>> {
  static nlohmann::json make(const configured_pipeline<In, Out>& p, const std::string& pointer, json_walk& walk) {
    loaded_leaves(p.root().describe_tree(), walk.leaves);
    walk.loaded.push_back({pointer, p.root().files()});
    return p.root().canonical_json();
  }
};

template <class In, class Out, class F>
struct json_writer<fn_model<In, Out, F>> {
  static nlohmann::json make(const fn_model<In, Out, F>&, const std::string&, json_walk&) {
    (void)to_json_leaf_without_config_name<fn_model<In, Out, F>>{};
    return {};
  }
};

template <class A> struct adapter_json;
template <class T> struct adapter_json<cast_t<T>> {
  static nlohmann::json get() { return {{"cast", std::string(scalar_name<T>())}}; }
};
template <std::ptrdiff_t... N> struct adapter_json<reshape_t<N...>> {
  static nlohmann::json get() { return {{"reshape", nlohmann::json::array({N...})}}; }
};
template <> struct adapter_json<identity_t> { static nlohmann::json get() { return {{"identity", nlohmann::json::object()}}; } };
template <> struct adapter_json<concat_t> { static nlohmann::json get() { return {{"concat", nlohmann::json::object()}}; } };
template <> struct adapter_json<softmax_t> { static nlohmann::json get() { return {{"softmax", nlohmann::json::object()}}; } };
template <> struct adapter_json<argmax_t> { static nlohmann::json get() { return {{"argmax", nlohmann::json::object()}}; } };
template <> struct adapter_json<normalize_t> { static nlohmann::json get() { return {{"normalize", nlohmann::json::object()}}; } };
template <> struct adapter_json<check_finite_t> {
  static nlohmann::json get() { return {{"check_finite", nlohmann::json::object()}}; }
};

template <class A, class In>
struct json_writer<adapter_stage<A, In>> {
  static nlohmann::json make(const adapter_stage<A, In>&, const std::string&, json_walk&) { return adapter_json<A>::get(); }
};

template <class M>
struct json_writer<batched<M>> {
  static nlohmann::json make(const batched<M>&, const std::string&, json_walk&) {
    (void)to_json_batched<batched<M>>{};
    return {};
  }
};

// --- sequence (a fan_out followed by concat is one stage: "merge": "concat") ---

template <class T> inline constexpr bool is_fan_out_v = false;
template <class... X> inline constexpr bool is_fan_out_v<fan_out<X...>> = true;
template <class T> inline constexpr bool is_concat_v = false;
template <class In> inline constexpr bool is_concat_v<adapter_stage<concat_t, In>> = true;

template <class... S>
struct json_writer<sequence<S...>> {
  static nlohmann::json make(const sequence<S...>& s, const std::string& pointer, json_walk& walk) {
    nlohmann::json stages = nlohmann::json::array();
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (add<I>(s, stages, pointer, walk), ...);
    }(std::index_sequence_for<S...>{});
    return {{"stages", std::move(stages)}};
  }
  /// Stage I is concat right after a fan_out (false past the end).
  template <std::size_t I>
  static constexpr bool merged_concat() {
    if constexpr (I == 0 || I >= sizeof...(S)) return false;
    else return is_concat_v<std::remove_cv_t<unwrap_t<nth_t<I, S...>>>> &&
                is_fan_out_v<std::remove_cv_t<unwrap_t<nth_t<I - 1, S...>>>>;
  }
  template <std::size_t I>
  static void add(const sequence<S...>& s, nlohmann::json& stages, const std::string& pointer, json_walk& walk) {
    if constexpr (merged_concat<I>()) {
      return;  // written as the fan_out's "merge" before it
    } else {
      const std::string at = pointer + "/stages/" + std::to_string(stages.size());
      if constexpr (merged_concat<I + 1>()) stages.push_back(fan_out_json(unwrap(s.template stored<I>()), at, walk));
      else stages.push_back(json_of(s.template stored<I>(), at, walk));
    }
  }
};

// --- branch combinators ---

/// Branches I... of c (read with c.stored<Offset + I>()) as a json array at pointer/key/I.
template <std::size_t Offset, std::size_t N, class C>
nlohmann::json branches_json(const C& c, const std::string& at, json_walk& walk) {
  nlohmann::json a = nlohmann::json::array();
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (a.push_back(json_of(c.template stored<Offset + I>(), at + "/" + std::to_string(I), walk)), ...);
  }(std::make_index_sequence<N>{});
  return a;
}

/// A fan_out followed by concat in a sequence (the only fan_out a configuration has).
template <class... X>
nlohmann::json fan_out_json(const fan_out<X...>& f, const std::string& pointer, json_walk& walk) {
  constexpr std::size_t n = std::tuple_size_v<output_t<fan_out<X...>>>;
  return {{"fan_out", branches_json<0, n>(f, pointer + "/fan_out", walk)}, {"merge", "concat"}};
}

template <class Model>
struct to_json_fan_out_without_concat {
  static_assert(never<Model>,
                "weft: to_json: a fan_out has a JSON form only when weft::concat follows it "
                "(fan_out(...) | weft::concat)");
};
template <class... X>
struct json_writer<fan_out<X...>> {
  static nlohmann::json make(const fan_out<X...>&, const std::string&, json_walk&) {
    (void)to_json_fan_out_without_concat<fan_out<X...>>{};
    return {};
  }
};

template <class R> struct reducer_json {
  static void add(const R&, nlohmann::json&) { (void)to_json_custom_reducer<R>{}; }
};
template <> struct reducer_json<mean_t> { static void add(const mean_t&, nlohmann::json& j) { j["reducer"] = "mean"; } };
template <> struct reducer_json<vote_t> { static void add(const vote_t&, nlohmann::json& j) { j["reducer"] = "vote"; } };
template <> struct reducer_json<max_t> { static void add(const max_t&, nlohmann::json& j) { j["reducer"] = "max"; } };
template <> struct reducer_json<median_t> { static void add(const median_t&, nlohmann::json& j) { j["reducer"] = "median"; } };
template <std::size_t K> struct reducer_json<weighted_t<K>> {
  static void add(const weighted_t<K>& w, nlohmann::json& j) {
    j["reducer"] = "weighted";
    j["weights"] = w.weights();
  }
};

template <class Base> struct ensemble_branch_count;
template <class P, class R, class... B>
struct ensemble_branch_count<ensemble_base<P, R, B...>> : std::integral_constant<std::size_t, sizeof...(B)> {};

template <class... X>
struct json_writer<ensemble<X...>> {
  static nlohmann::json make(const ensemble<X...>& e, const std::string& pointer, json_walk& walk) {
    constexpr std::size_t n = ensemble_branch_count<typename policy_split<X...>::template base<ensemble_base>>::value;
    nlohmann::json j = {{"ensemble", branches_json<0, n>(e, pointer + "/ensemble", walk)}};
    const auto& r = unwrap(e.reducer());
    reducer_json<std::remove_cvref_t<decltype(r)>>::add(r, j);
    return j;
  }
};

/// A condition: non_finite, below_confidence(p), or one with a `name` member (registered under it
/// with registry::add_condition).
template <class C> struct condition_json {
  static nlohmann::json get(const C& c) {
    if constexpr (has_name_member<C>) {
      return std::string(condition_label(c));
    } else {
      (void)to_json_custom_condition<C>{};
      return {};
    }
  }
};
template <> struct condition_json<non_finite_t> { static nlohmann::json get(const non_finite_t&) { return "non_finite"; } };
template <> struct condition_json<below_confidence_t> {
  static nlohmann::json get(const below_confidence_t& c) { return {{"below_confidence", c.threshold}}; }
};

template <class... B>
struct json_writer<fallback<B...>> {
  static nlohmann::json make(const fallback<B...>& f, const std::string& pointer, json_walk& walk) {
    return {{"fallback", branches_json<0, sizeof...(B)>(f, pointer + "/fallback", walk)},
            {"when", nlohmann::json::array()}};
  }
};

template <class... B, class... C>
struct json_writer<fallback_when<fallback<B...>, C...>> {
  using F = fallback_when<fallback<B...>, C...>;
  static nlohmann::json make(const F& f, const std::string& pointer, json_walk& walk) {
    nlohmann::json when = nlohmann::json::array();
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (when.push_back(condition_json<std::remove_cvref_t<unwrap_t<decltype(f.template condition<K>())>>>::get(
           unwrap(f.template condition<K>()))),
       ...);
    }(std::index_sequence_for<C...>{});
    return {{"fallback", branches_json<0, sizeof...(B)>(f, pointer + "/fallback", walk)}, {"when", std::move(when)}};
  }
};

template <class Base> struct route_json;
template <class P, std::size_t K, class G, class... E>
struct route_json<route_base<P, top_k_t<K>, G, E...>> {
  template <class R>
  static nlohmann::json make(const R& r, const std::string& pointer, json_walk& walk) {
    nlohmann::json gate = json_of(r.template stored<0>(), pointer + "/gate", walk);
    return {{"route", branches_json<1, sizeof...(E)>(r, pointer + "/route", walk)},
            {"gate", std::move(gate)},
            {"top_k", K}};
  }
};

template <class... X>
struct json_writer<route<X...>> {
  static nlohmann::json make(const route<X...>& r, const std::string& pointer, json_walk& walk) {
    return route_json<typename policy_split<X...>::template base<route_base>>::make(r, pointer, walk);
  }
};

template <class P, class T, class E>
struct json_writer<when<P, T, E>> {
  static nlohmann::json make(const when<P, T, E>& w, const std::string& pointer, json_walk& walk) {
    using pred = std::remove_cvref_t<unwrap_t<P>>;
    if constexpr (has_name_member<pred>) {
      nlohmann::json then_json = json_of(w.template stored<0>(), pointer + "/then", walk);
      nlohmann::json else_json = json_of(w.template stored<1>(), pointer + "/else", walk);
      return {{"when", std::string(condition_label(unwrap(w.predicate())))},
              {"then", std::move(then_json)},
              {"else", std::move(else_json)}};
    } else {
      (void)to_json_unnamed_predicate<pred>{};
      return {};
    }
  }
};

template <class M, class Predicate, class Backoff>
struct json_writer<retry<M, Predicate, Backoff>> {
  static nlohmann::json make(const retry<M, Predicate, Backoff>& r, const std::string& pointer, json_walk& walk) {
    if constexpr (std::is_same_v<Predicate, any_exception> && std::is_same_v<Backoff, no_backoff>) {
      return {{"retry", json_of(r.inner(), pointer + "/retry", walk)},
              {"attempts", r.attempts()},
              {"retry_on", nlohmann::json::array({"any"})}};
    } else {
      (void)to_json_custom_retry<retry<M, Predicate, Backoff>>{};
      return {};
    }
  }
};

/// The structure of typed pipeline m and its leaves (for weft::fingerprint).
template <class T> inline constexpr bool is_sequence_v = false;
template <class... S> inline constexpr bool is_sequence_v<sequence<S...>> = true;

template <class T> inline constexpr bool is_configured_pipeline_v = false;
template <class In, class Out> inline constexpr bool is_configured_pipeline_v<configured_pipeline<In, Out>> = true;
template <class T> inline constexpr bool is_adapter_stage_v = false;
template <class A, class In> inline constexpr bool is_adapter_stage_v<adapter_stage<A, In>> = true;

template <class Base> struct route_stage_count;
template <class P, std::size_t K, class G, class... E>
struct route_stage_count<route_base<P, top_k_t<K>, G, E...>> : std::integral_constant<std::size_t, 1 + sizeof...(E)> {};
/// How many stages a route holds: its gate and its experts.
template <class... X>
constexpr std::size_t route_size(const route<X...>*) {
  return route_stage_count<typename policy_split<X...>::template base<route_base>>::value;
}

/// The first leaf model inside M (at any depth) that has no JSON form; void when every one has.
template <class M>
struct first_without_json;

template <class C, class Seq> struct first_without_json_stage;
template <class C, std::size_t... I>
struct first_without_json_stage<C, std::index_sequence<I...>> {
  using type = typename first_non_void<
      typename first_without_json<std::remove_cvref_t<decltype(std::declval<const C&>().template stored<I>())>>::type...>::type;
};

template <class M>
struct first_without_json {
  using U = std::remove_cv_t<unwrap_t<M>>;
  static auto pick() {
    if constexpr (is_configured_pipeline_v<U> || is_adapter_stage_v<U>) return std::type_identity<void>{};
    else if constexpr (wrapper<U>) return std::type_identity<typename first_without_json<typename U::wrapped_type>::type>{};
    else if constexpr (requires { route_size(static_cast<const U*>(nullptr)); })
      return std::type_identity<typename first_without_json_stage<U, std::make_index_sequence<route_size(static_cast<const U*>(nullptr))>>::type>{};
    else if constexpr (combinator<U> && requires { U::size; })
      return std::type_identity<typename first_without_json_stage<U, std::make_index_sequence<U::size>>::type>{};
    else if constexpr (config_runtime_model<U> || config_named<U>) return std::type_identity<void>{};
    else return std::type_identity<U>{};
  }
  using type = typename decltype(pick())::type;
};

/// The root is always a sequence ({"stages": [...]}): any other pipeline is its one stage.
/// A leaf without a JSON form is diagnosed here, before the walk: one short error naming it.
template <class M>
nlohmann::json typed_json(const M& m, json_walk& walk) {
  using offender = typename first_without_json<M>::type;
  if constexpr (!std::is_void_v<offender>) {
    (void)to_json_leaf_without_config_name<offender>{};
    return {};
  } else if constexpr (is_sequence_v<M>) {
    return json_of(m, "", walk);
  } else if constexpr (is_configured_pipeline_v<M>) {
    return json_of(m, "", walk);  // a loaded pipeline's root is a sequence already
  } else {
    return {{"stages", nlohmann::json::array({json_of(m, "/stages/0", walk)})}};
  }
}

}  // namespace detail

template <model M>
nlohmann::json to_json(const M& m) {
  detail::json_walk walk;
  return detail::typed_json(m, walk);
}

/// A loaded pipeline's canonical JSON (every default written out), as its root node holds it.
template <tensor In, tensor Out>
nlohmann::json to_json(const configured_pipeline<In, Out>& p) {
  return p.root().canonical_json();
}

}  // namespace weft

#endif  // WEFT_CONFIG_TO_JSON_HPP
