// SPDX-License-Identifier: BSL-1.0
// weft/config/combinators.hpp - the combinator kinds of a configuration: fan_out + concat, ensemble,
// fallback, route, when, retry.
//
// Contract (each judged at load by the rules of the typed combinator, each call answering as the
// typed combinator does, with its errors and paths; the arithmetic and the error records are the
// typed ones' own functions, called with a count known at load):
//   {"fan_out": [<stage>, ...], "merge": "concat"}
//       every branch receives the input; their rank-1 outputs of one scalar are joined in branch
//       order (weft::fan_out(...) | weft::concat). "merge" defaults to "concat", the only merge.
//   {"ensemble": [<stage>, ...], "reducer": "mean" | "weighted" | "vote" | "max" | "median",
//    "weights": [w, ...]}
//       weft::ensemble(reducer, ...): every output must share branch 0's spec; "weights" (one per
//       branch, finite, summing to non-zero) only and always with "weighted"; "vote" needs f32 or
//       f64. "reducer" defaults to "mean". Outputs whose run-time extents differ: shape_error at
//       "ensemble[I]".
//   {"fallback": [<stage>, ...], "when": [<condition>, ...]}
//       weft::fallback(...).when(...): a branch fails when it throws a std::exception or a condition
//       is true of its output; when all fail, weft::fallback_error (one cause per branch). A
//       condition is "non_finite", {"below_confidence": p}, or a name registered with
//       registry::add_condition (labelled by that name). Every output must answer as branch 0's
//       spec (a dyn extent is checked per call: a shape_error that counts as the branch failing).
//       "when" defaults to [].
//   {"route": [<expert>, ...], "gate": <stage>, "top_k": 1}
//       weft::route(top_k<K>, gate, ...): the gate (built on the input) must return a rank-1 f32 or
//       f64 tensor, one value per expert (a static width is judged at load, a dyn one per call); K
//       in 1..experts; every expert output shares expert 0's spec. gate_error at "route[gate]" for a
//       value that cannot choose. "top_k" defaults to 1.
//   {"when": "<predicate>", "then": <stage>, "else": <stage>}
//       weft::when(p, then, else): p is a name registered with registry::add_predicate, asked of the
//       input; both outputs must share one spec (then's; else's dyn extents checked per call).
//   {"retry": <stage>, "attempts": n, "retry_on": ["inference_error", ...]}
//       weft::retry(m, attempts(n), retry_if<E>()): n >= 1 (required); "retry_on" names the weft
//       error types retried ("error" for any weft::error, "any" for any std::exception: the
//       default), each one of error_names(); others pass through at once. retry_error when every
//       attempt failed. Like the typed retry it adds no path segment and describes as its stage.
//   Paths: branch I of <kind> is "<kind>[I]" (with its "name"), the gate "route[gate]", as typed.
//   Every config_error names the offending value's pointer, below the stage's own: a branch
//   ("<stage>/ensemble/1"), a key ("<stage>/weights", "<stage>/gate", "<stage>/when/0").
//   Each node's describe_tree() shows its branches (titles as weft::describe gives the typed
//   combinator) and its canonical JSON writes every default out.
//   Thread safety: nodes are immutable after load; calls are as thread-safe as the stages inside.
#ifndef WEFT_CONFIG_COMBINATORS_HPP
#define WEFT_CONFIG_COMBINATORS_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "../conditions.hpp"
#include "../detail/combinator.hpp"
#include "../ensemble.hpp"
#include "../errors.hpp"
#include "../fallback.hpp"
#include "../reducers.hpp"
#include "../retry.hpp"
#include "../route.hpp"
#include "loader.hpp"
#include "node.hpp"
#include "registry.hpp"
#include "value.hpp"

namespace weft::config {
namespace combinator_kinds {

using weft::detail::describe_node;

/// Calls child on x; a weft::error it throws gains the segment "<kind>[i]" (with the child's name),
/// as detail::invoke_stage does for a typed combinator's stage.
inline value call_child(const node& child, const value& x, std::string_view kind, std::size_t i) {
  try {
    return child(x);
  } catch (const weft::error& e) {
    weft::detail::rethrow_with_segment(e, kind, i, child.name());
  }
}

/// Throws shape_error (expected s, actual v's spec) unless v's extents fit s's.
inline void require_fits(const value_spec& s, const value& v) {
  const value_spec actual = spec_of_value(v);
  if (!s.extents.admits(actual.extents)) throw weft::shape_error(s.text(), actual.text());
}

/// The JSON pointer of branch i of stage `kind` at pointer.
inline std::string branch_pointer(const std::string& pointer, const std::string& kind, std::size_t i) {
  return pointer + "/" + pointer_token(kind) + "/" + std::to_string(i);
}

/// Builds the branches listed under stage[kind] (an array of at least `min` stages), each given
/// the input spec (the loader judges input -> branch).
inline std::vector<node> build_branches(const nlohmann::json& stage, const std::string& kind,
                                        const std::string& pointer, const value_spec& input, loader& l,
                                        std::size_t min = 1) {
  const nlohmann::json& list = stage.at(kind);
  l.expect_type(list, "array", pointer + "/" + kind, "\"" + kind + "\"'s branches");
  if (list.size() < min)
    l.fail(pointer + "/" + kind, "\"" + kind + "\" needs at least " + std::to_string(min) + " branch" +
                                     (min == 1 ? "" : "es"),
           std::to_string(min) + " or more stages", std::to_string(list.size()),
           "add a stage, e.g. {\"model\": \"name\"}");
  std::vector<node> out;
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) out.push_back(l.build(list[i], branch_pointer(pointer, kind, i), input));
  return out;
}

/// The one input the branches take: branch 0's input spec refined by the others' (a dyn extent
/// takes a number another branch declares). Branches whose inputs disagree: config_error at the
/// later one, as the typed combinators' shape check ("fan_out[I]").
inline value_spec shared_input(const std::vector<node>& branches, const std::string& pointer,
                               const std::string& kind, loader& l) {
  value_spec merged = branches[0].input_spec();
  for (std::size_t i = 1; i < branches.size(); ++i) {
    const value_spec& b = branches[i].input_spec();
    if (!compatible(merged.extents, b.extents))
      l.fail(branch_pointer(pointer, kind, i), "this branch's input disagrees with the earlier branches'",
             merged.text(), b.text(), "give every branch the same input extents");
    for (std::size_t d = 0; d < merged.extents.rank(); ++d)
      if (merged.extents[d] == weft::dyn) merged.extents[d] = b.extents[d];
  }
  return merged;
}

/// Checks that output spec `out` of the stage at `at` is `first`'s (same scalar and rank, extents
/// equal or dyn on either side: a dyn is checked per call); else config_error naming both specs.
inline void require_same_output(const value_spec& first, const value_spec& out, const std::string& at,
                                std::string_view whose, loader& l) {
  if (first.scalar == out.scalar && compatible(first.extents, out.extents)) return;
  const std::string remedy =
      first.scalar != out.scalar
          ? "end it with {\"cast\": \"" + std::string(scalar_text(first.scalar)) + "\"} (wrap it in {\"stages\": [...]})"
          : "end it with {\"reshape\": " + loader::extents_json(first.extents) + "} (wrap it in {\"stages\": [...]})";
  l.fail(at, "this output does not share " + std::string(whose) + "'s spec", first.text(), out.text(), remedy);
}

/// A combinator's description: what, its branches as [i] with no bridges (every configured value
/// is of the one dynamic type its spec names), the dot split and join labels.
inline describe_node combinator_tree(std::string what, const std::vector<node>& branches, std::string split,
                                     std::string join) {
  describe_node n = leaf_description(std::move(what));
  n.combinator = true;
  for (std::size_t i = 0; i < branches.size(); ++i) add_child_description(n, branches[i], i);
  n.split = std::move(split);
  n.join = std::move(join);
  return n;
}

/// The branches' canonical JSON, in order, and the files they read.
inline nlohmann::json canonical_list(const std::vector<node>& branches, std::vector<std::string>& files) {
  nlohmann::json list = nlohmann::json::array();
  for (const node& b : branches) {
    list.push_back(b.canonical_json());
    files.insert(files.end(), b.files().begin(), b.files().end());
  }
  return list;
}

/// Element pointers of the outputs ys, all of dynamic type X.
template <class X>
std::vector<const typename X::Scalar*> data_of(const std::vector<value>& ys) {
  std::vector<const typename X::Scalar*> p;
  p.reserve(ys.size());
  for (const value& y : ys) p.push_back(std::get<X>(y).data());
  return p;
}

// ---------------------------------------------------------------------------------------------
// fan_out + concat
// ---------------------------------------------------------------------------------------------

/// Builds {"fan_out": [...], "merge": "concat"}; see the header comment.
inline node build_fan_out(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                          loader& l) {
  std::string merge = "concat";
  if (auto it = stage.find("merge"); it != stage.end()) {
    l.expect_type(*it, "string", pointer + "/merge", "a fan_out's merge");
    merge = it->get<std::string>();
    if (merge != "concat")
      l.fail(pointer + "/merge", "unknown merge", "\"concat\"", json_text(*it),
             "write \"merge\": \"concat\" (configured values are tensors, not tuples)");
  }
  std::vector<node> branches = build_branches(stage, "fan_out", pointer, input, l);
  const value_spec in = shared_input(branches, pointer, "fan_out", l);
  value_spec out = branches[0].output_spec();
  std::ptrdiff_t total = 0;
  for (std::size_t i = 0; i < branches.size(); ++i) {  // weft::concat's judgement
    const value_spec& o = branches[i].output_spec();
    if (o.extents.rank() != 1)
      l.fail(branch_pointer(pointer, "fan_out", i), "concat joins rank-1 outputs", "rank 1", o.text(),
             "end this branch with {\"reshape\": [-1]}");
    if (o.scalar != out.scalar)
      l.fail(branch_pointer(pointer, "fan_out", i), "concat joins outputs of one scalar", out.text(), o.text(),
             "end this branch with {\"cast\": \"" + std::string(scalar_text(out.scalar)) + "\"}");
    total = total == weft::dyn || o.extents[0] == weft::dyn ? weft::dyn : total + o.extents[0];
  }
  out.extents = weft::shape{total};
  std::vector<std::string> files;
  nlohmann::json canonical{{"fan_out", canonical_list(branches, files)}, {"merge", merge}};
  describe_node tree = combinator_tree("fan_out concat", branches, "fan_out", "concat");
  auto call = [branches = std::move(branches)](const value& x) -> value {
    std::vector<value> ys;
    ys.reserve(branches.size());
    for (std::size_t i = 0; i < branches.size(); ++i) ys.push_back(call_child(branches[i], x, "fan_out", i));
    return std::visit(
        [&](const auto& first) -> value {
          using X = std::remove_cvref_t<decltype(first)>;
          if constexpr (X::ColsAtCompileTime != 1) {
            throw std::bad_variant_access();  // unreachable: the load judged every output rank 1
          } else {
            std::ptrdiff_t n = 0;
            for (const value& y : ys) n += std::get<X>(y).size();
            X joined(n);
            std::ptrdiff_t at = 0;
            for (const value& y : ys) {
              const X& part = std::get<X>(y);
              joined.segment(at, part.size()) = part;
              at += part.size();
            }
            return value(std::in_place_type<X>, std::move(joined));
          }
        },
        ys.front());
  };
  return node(in, out, std::move(call), std::move(tree), std::move(canonical), std::move(files));
}

// ---------------------------------------------------------------------------------------------
// ensemble
// ---------------------------------------------------------------------------------------------

/// The reducers a configured ensemble names, as weft::describe labels them.
enum class reducer_kind { mean, weighted, vote, max, median };

inline reducer_kind parse_reducer(const nlohmann::json& j, const std::string& pointer, loader& l) {
  l.expect_type(j, "string", pointer, "an ensemble's reducer");
  const std::string r = j.get<std::string>();
  if (r == "mean") return reducer_kind::mean;
  if (r == "weighted") return reducer_kind::weighted;
  if (r == "vote") return reducer_kind::vote;
  if (r == "max") return reducer_kind::max;
  if (r == "median") return reducer_kind::median;
  l.fail(pointer, "unknown reducer", "\"mean\", \"weighted\", \"vote\", \"max\" or \"median\"", json_text(j),
         "name a built-in reducer (a custom one: register a model that reduces a fan_out)");
}

/// The built-in reducer `r` over the outputs ys (one dynamic type X, equal extents): the typed
/// reducers' arithmetic (weft/reducers.hpp) with the branch count known at load.
template <class X>
value reduce_outputs(reducer_kind r, const std::vector<value>& ys, const std::vector<double>& weights,
                     double weight_sum) {
  namespace red = weft::detail::reduction;
  using S = typename X::Scalar;
  const X& o0 = std::get<X>(ys.front());
  const std::vector<const S*> p = data_of<X>(ys);
  const std::size_t n = ys.size();
  X out = red::make_like(o0);
  S* d = out.data();
  const std::ptrdiff_t count = red::element_count(o0);
  switch (r) {
    case reducer_kind::mean: red::mean_into(d, p.data(), n, count); break;
    case reducer_kind::weighted: red::weighted_into(o0, d, weights.data(), weight_sum, p.data(), n, count); break;
    case reducer_kind::vote:
      if constexpr (std::is_floating_point_v<S>) {
        std::fill(d, d + count, S(0));
        bool nan = false;
        const red::vote_counter<X> count_vote{d, nan};
        for (const value& y : ys) count_vote(std::get<X>(y));
        red::vote_shares(d, count, n, nan);
      }
      break;
    case reducer_kind::max: red::max_into(d, p.data(), n, count); break;
    case reducer_kind::median: {
      std::vector<S> scratch(n);
      red::median_into(d, p.data(), n, count, scratch.data());
      break;
    }
  }
  return value(std::in_place_type<X>, std::move(out));
}

/// Builds {"ensemble": [...], "reducer": ..., "weights": [...]}; see the header comment.
inline node build_ensemble(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                           loader& l) {
  std::vector<node> branches = build_branches(stage, "ensemble", pointer, input, l);
  const value_spec in = shared_input(branches, pointer, "ensemble", l);
  const value_spec out = branches[0].output_spec();
  for (std::size_t i = 1; i < branches.size(); ++i)
    require_same_output(out, branches[i].output_spec(), branch_pointer(pointer, "ensemble", i), "branch 0", l);
  reducer_kind reducer = reducer_kind::mean;
  std::string reducer_name = "mean";
  if (auto it = stage.find("reducer"); it != stage.end()) {
    reducer = parse_reducer(*it, pointer + "/reducer", l);
    reducer_name = it->get<std::string>();
  }
  std::vector<double> weights;
  double weight_sum = 0.0;
  const auto w = stage.find("weights");
  if (reducer == reducer_kind::weighted) {
    const nlohmann::json& list = l.require(stage, "weights", pointer, "one weight per branch");
    l.expect_type(list, "array", pointer + "/weights", "the weights");
    for (std::size_t i = 0; i < list.size(); ++i) {
      l.expect_type(list[i], "number", pointer + "/weights/" + std::to_string(i), "a weight");
      weights.push_back(list[i].get<double>());
    }
    if (weights.size() != branches.size())
      l.fail(pointer + "/weights", "weighted needs one weight per branch",
             std::to_string(branches.size()) + " weights", std::to_string(weights.size()),
             "give one weight per branch, in branch order");
    try {
      weight_sum = weft::detail::reduction::checked_weight_sum(weights.data(), weights.size());
    } catch (const std::invalid_argument& e) {
      l.fail(pointer + "/weights", e.what(), "finite weights with a non-zero sum", json_text(list),
             "correct the weights");
    }
  } else if (w != stage.end()) {
    l.fail(pointer + "/weights", "weights apply only to the \"weighted\" reducer", "no \"weights\"",
           json_text(*w), "remove \"weights\", or write \"reducer\": \"weighted\"");
  }
  if (reducer == reducer_kind::vote && out.scalar == scalar_kind::i64)
    l.fail(pointer + "/reducer", "vote needs floating-point outputs (it returns vote shares)", "f32 or f64",
           out.text(), "end each branch with {\"cast\": \"f32\"}, or use another reducer");
  std::vector<std::string> files;
  nlohmann::json canonical{{"ensemble", canonical_list(branches, files)}, {"reducer", reducer_name}};
  if (reducer == reducer_kind::weighted) canonical["weights"] = weights;
  describe_node tree = combinator_tree("ensemble " + reducer_name, branches, "ensemble", reducer_name);
  auto call = [branches = std::move(branches), reducer, weights = std::move(weights), weight_sum](const value& x) {
    std::vector<value> ys;
    ys.reserve(branches.size());
    for (std::size_t i = 0; i < branches.size(); ++i) ys.push_back(call_child(branches[i], x, "ensemble", i));
    return std::visit(
        [&](const auto& first) -> value {
          using X = std::remove_cvref_t<decltype(first)>;
          for (std::size_t i = 1; i < ys.size(); ++i) {  // as ensemble's check_output_extents
            const X& yi = std::get<X>(ys[i]);
            if (!weft::detail::reduction::same_extents(first, yi))
              weft::detail::throw_output_mismatch(first, yi, i, branches[i].name());
          }
          return reduce_outputs<X>(reducer, ys, weights, weight_sum);
        },
        ys.front());
  };
  return node(in, out, std::move(call), std::move(tree), std::move(canonical), std::move(files));
}

// ---------------------------------------------------------------------------------------------
// fallback
// ---------------------------------------------------------------------------------------------

/// A configured condition: its test of a value, its label (as weft::condition_label gives the typed
/// one) and its canonical JSON.
struct configured_condition {
  std::function<bool(const value&)> rejects;
  std::string label;
  nlohmann::json canonical;
};

/// A typed condition (weft::non_finite, weft::below_confidence(p)) over every dynamic type.
template <class C>
configured_condition typed_condition(C c, nlohmann::json canonical) {
  std::string label(weft::detail::condition_label(c));
  return {[c](const value& v) { return std::visit([&](const auto& y) { return weft::detail::condition_rejects(c, y); }, v); },
          std::move(label), std::move(canonical)};
}

inline configured_condition parse_condition(const nlohmann::json& j, const std::string& pointer, loader& l) {
  if (j.is_string()) {
    const std::string name = j.get<std::string>();
    if (name == "non_finite") return typed_condition(weft::non_finite, j);
    if (const condition* c = l.registry().find_condition(name)) return {*c, name, j};
  } else if (j.is_object() && j.size() == 1 && j.contains("below_confidence")) {
    const nlohmann::json& p = j.at("below_confidence");
    l.expect_type(p, "number", pointer + "/below_confidence", "below_confidence's threshold");
    return typed_condition(weft::below_confidence(p.get<double>()), nlohmann::json{{"below_confidence", p}});
  }
  std::string names = "\"non_finite\", {\"below_confidence\": p}";
  for (const auto& n : l.registry().condition_names()) names += ", \"" + n + "\"";
  l.fail(pointer, "unknown condition", "one of: " + names, json_text(j),
         "name a built-in condition or register one with reg.add_condition(name, c)");
}

/// Builds {"fallback": [...], "when": [...]}; see the header comment.
inline node build_fallback(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                           loader& l) {
  std::vector<node> branches = build_branches(stage, "fallback", pointer, input, l);
  const value_spec in = shared_input(branches, pointer, "fallback", l);
  const value_spec out = branches[0].output_spec();
  for (std::size_t i = 1; i < branches.size(); ++i)
    require_same_output(out, branches[i].output_spec(), branch_pointer(pointer, "fallback", i), "branch 0", l);
  std::vector<configured_condition> conditions;
  nlohmann::json when = nlohmann::json::array();
  if (auto it = stage.find("when"); it != stage.end()) {
    l.expect_type(*it, "array", pointer + "/when", "a fallback's conditions");
    for (std::size_t k = 0; k < it->size(); ++k) {
      conditions.push_back(parse_condition((*it)[k], pointer + "/when/" + std::to_string(k), l));
      when.push_back(conditions.back().canonical);
    }
  }
  std::vector<std::string> files;
  nlohmann::json canonical{{"fallback", canonical_list(branches, files)}, {"when", when}};
  std::string what = "fallback";
  for (std::size_t k = 0; k < conditions.size(); ++k) what += (k == 0 ? " when " : ", ") + conditions[k].label;
  describe_node tree = combinator_tree(what, branches, "try in order",
                                       conditions.empty() ? "first answer" : "first answer " + what.substr(9));
  auto call = [branches = std::move(branches), conditions = std::move(conditions), out](const value& x) -> value {
    weft::detail::fallback_state st;  // fallback's own record of the failed branches
    for (std::size_t i = 0; i < branches.size(); ++i) {
      std::optional<value> y;
      try {
        y.emplace(call_child(branches[i], x, "fallback", i));
        if (i > 0) require_fits(out, *y);  // the checked copy into branch 0's type
      } catch (const std::exception&) {
        weft::detail::record_threw(st, i, branches[i].name());
        continue;
      }
      std::size_t k = 0;
      while (k < conditions.size() && !conditions[k].rejects(*y)) ++k;
      if (k == conditions.size()) return std::move(*y);
      weft::detail::record_rejected(st, i, branches[i].name(), k, conditions[k].label);
    }
    weft::detail::throw_fallback_error(st);
  };
  return node(in, out, std::move(call), std::move(tree), std::move(canonical), std::move(files));
}

// ---------------------------------------------------------------------------------------------
// route
// ---------------------------------------------------------------------------------------------

/// Builds {"route": [...], "gate": <stage>, "top_k": K}; see the header comment.
inline node build_route(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                        loader& l) {
  const nlohmann::json& gate_json = l.require(stage, "gate", pointer, "a gate stage (one probability per expert)");
  node gate = l.build(gate_json, pointer + "/gate", input);
  std::vector<node> experts = build_branches(stage, "route", pointer, input, l);
  const std::size_t n = experts.size();
  value_spec in = shared_input(experts, pointer, "route", l);
  const value_spec& g = gate.output_spec();
  if (g.extents.rank() != 1 || g.scalar == scalar_kind::i64)
    l.fail(pointer + "/gate", "a gate must return a rank-1 floating-point tensor, one probability per expert",
           "f32[" + std::to_string(n) + "] or f64[" + std::to_string(n) + "]", g.text(),
           "end the gate with {\"cast\": \"f32\"} or {\"softmax\": {}}");
  if (g.extents[0] != weft::dyn && g.extents[0] != static_cast<std::ptrdiff_t>(n))
    l.fail(pointer + "/gate", "the gate's width is not the number of experts",
           std::to_string(n) + " (one per expert)", g.text(), "give one expert per gate output");
  std::size_t k = 1;
  if (auto it = stage.find("top_k"); it != stage.end()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1)
      l.fail(pointer + "/top_k", "top_k must be an integer >= 1", "1.." + std::to_string(n), json_text(*it));
    if (it->get<std::int64_t>() > static_cast<std::int64_t>(n))
      l.fail(pointer + "/top_k", "top_k exceeds the number of experts", "1.." + std::to_string(n), json_text(*it),
             "lower top_k or add experts");
    k = it->get<std::size_t>();
  }
  const value_spec out = experts[0].output_spec();
  for (std::size_t i = 1; i < n; ++i)
    require_same_output(out, experts[i].output_spec(), branch_pointer(pointer, "route", i), "expert 0", l);
  std::vector<std::string> files = gate.files();
  nlohmann::json canonical{{"route", canonical_list(experts, files)}, {"gate", gate.canonical_json()}, {"top_k", k}};
  describe_node tree = combinator_tree("route " + (k == 1 ? std::string("top1") : "top_k<" + std::to_string(k) + ">"),
                                       experts, "route", k == 1 ? "chosen expert" : "mix top " + std::to_string(k));
  describe_node gate_tree = gate.describe_tree();
  gate_tree.what = "[gate] " + (gate_tree.name.empty() ? std::string() : "\"" + gate_tree.name + "\" ") + gate_tree.what;
  gate_tree.name.clear();
  tree.children.insert(tree.children.begin(), std::move(gate_tree));
  tree.bridge_in.emplace_back();
  tree.bridge_out.emplace_back();
  auto call = [gate = std::move(gate), experts = std::move(experts), k](const value& x) -> value {
    const std::string_view gate_name = gate.name();
    value gv = [&] {
      try {
        return gate(x);
      } catch (const weft::error& e) {
        weft::detail::rethrow_from_gate(e, gate_name);
      }
    }();
    std::vector<std::size_t> chosen(k);
    std::vector<double> p(k), w(k);
    const std::size_t n = experts.size();
    std::visit(
        [&](const auto& gy) {
          using G = std::remove_cvref_t<decltype(gy)>;
          if constexpr (std::is_floating_point_v<typename G::Scalar> && G::ColsAtCompileTime == 1) {
            if (gy.size() != static_cast<std::ptrdiff_t>(n)) weft::detail::throw_gate_width(gy, n, gate_name);
            weft::detail::choose_top(gy.data(), n, chosen, p, k, gate_name);
          }
        },
        gv);
    weft::detail::expert_weights(p.data(), chosen.data(), w.data(), k, gate_name);
    if (k == 1) return call_child(experts[chosen[0]], x, "route", chosen[0]);
    std::vector<value> ys;
    ys.reserve(k);
    for (std::size_t j = 0; j < k; ++j) ys.push_back(call_child(experts[chosen[j]], x, "route", chosen[j]));
    return std::visit(
        [&](const auto& first) -> value {
          using X = std::remove_cvref_t<decltype(first)>;
          using S = typename X::Scalar;
          for (std::size_t j = 1; j < k; ++j) {
            const X& yj = std::get<X>(ys[j]);
            if (!weft::detail::reduction::same_extents(first, yj))
              weft::detail::throw_expert_mismatch(first, yj, chosen[j], experts[chosen[j]].name());
          }
          const std::vector<const S*> y = data_of<X>(ys);
          X mixed = weft::detail::reduction::make_like(first);
          const std::ptrdiff_t count = weft::detail::reduction::element_count(first);
          if constexpr (std::is_floating_point_v<S>) {
            weft::detail::mix_into(mixed.data(), y.data(), w.data(), k, count);
          } else {  // as weft::weighted(p...): exact, truncated toward zero
            const double sum = weft::detail::reduction::checked_weight_sum(p.data(), k);
            weft::detail::reduction::weighted_into(first, mixed.data(), p.data(), sum, y.data(), k, count);
          }
          return value(std::in_place_type<X>, std::move(mixed));
        },
        ys.front());
  };
  return node(in, out, std::move(call), std::move(tree), std::move(canonical), std::move(files));
}

// ---------------------------------------------------------------------------------------------
// when
// ---------------------------------------------------------------------------------------------

/// Builds {"when": "<predicate>", "then": <stage>, "else": <stage>}; see the header comment.
inline node build_when(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                       loader& l) {
  const nlohmann::json& name_json = stage.at("when");
  l.expect_type(name_json, "string", pointer + "/when", "a registered predicate's name");
  const std::string label = name_json.get<std::string>();
  const predicate* found = l.registry().find_predicate(label);
  if (!found) {
    std::string names;
    for (const auto& n : l.registry().predicate_names()) names += (names.empty() ? "" : ", ") + n;
    l.fail(pointer + "/when", "unknown predicate", names.empty() ? "a registered predicate (none are)" : "one of: " + names,
           json_text(name_json), "register it with reg.add_predicate(\"" + label + "\", p)");
  }
  std::vector<node> branches;
  branches.push_back(l.build(l.require(stage, "then", pointer, "the stage run when the predicate is true"),
                             pointer + "/then", input));
  branches.push_back(l.build(l.require(stage, "else", pointer, "the stage run when the predicate is false"),
                             pointer + "/else", input));
  const value_spec& t = branches[0].input_spec();
  if (!compatible(t.extents, branches[1].input_spec().extents))
    l.fail(pointer + "/else", "this branch's input disagrees with \"then\"'s", t.text(),
           branches[1].input_spec().text(), "give both branches the same input extents");
  value_spec in = t;
  for (std::size_t d = 0; d < in.extents.rank(); ++d)
    if (in.extents[d] == weft::dyn) in.extents[d] = branches[1].input_spec().extents[d];
  const value_spec out = branches[0].output_spec();
  require_same_output(out, branches[1].output_spec(), pointer + "/else", "\"then\"", l);
  std::vector<std::string> files;
  files.insert(files.end(), branches[0].files().begin(), branches[0].files().end());
  files.insert(files.end(), branches[1].files().begin(), branches[1].files().end());
  nlohmann::json canonical{{"when", label}, {"then", branches[0].canonical_json()}, {"else", branches[1].canonical_json()}};
  describe_node tree = combinator_tree("when " + label, branches, label + " (input)?", "answer");
  auto call = [p = *found, branches = std::move(branches), out](const value& x) -> value {
    if (p(x)) return call_child(branches[0], x, "when", 0);
    try {
      value y = branches[1](x);
      require_fits(out, y);  // the checked copy into then's type
      return y;
    } catch (const weft::error& e) {
      weft::detail::rethrow_with_segment(e, "when", 1, branches[1].name());
    }
  };
  return node(in, out, std::move(call), std::move(tree), std::move(canonical), std::move(files));
}

// ---------------------------------------------------------------------------------------------
// retry
// ---------------------------------------------------------------------------------------------

/// The error types "retry_on" may name, with the test of an exception each stands for.
inline const std::vector<std::pair<std::string, std::function<bool(std::exception_ptr)>>>& retry_error_types() {
  using weft::detail::exception_is;
  static const std::vector<std::pair<std::string, std::function<bool(std::exception_ptr)>>> types{
      {"any", exception_is<std::exception>{}},
      {"error", exception_is<weft::error>{}},
      {"inference_error", exception_is<weft::inference_error>{}},
      {"shape_error", exception_is<weft::shape_error>{}},
      {"non_finite_error", exception_is<weft::non_finite_error>{}},
      {"range_error", exception_is<weft::range_error>{}},
      {"load_error", exception_is<weft::load_error>{}},
      {"fallback_error", exception_is<weft::fallback_error>{}},
      {"gate_error", exception_is<weft::gate_error>{}},
      {"retry_error", exception_is<weft::retry_error>{}}};
  return types;
}

/// The names "retry_on" accepts.
inline std::vector<std::string> error_names() {
  std::vector<std::string> names;
  for (const auto& t : retry_error_types()) names.push_back(t.first);
  return names;
}

/// Builds {"retry": <stage>, "attempts": n, "retry_on": [...]}; see the header comment.
inline node build_retry(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                        loader& l) {
  const nlohmann::json& n_json = l.require(stage, "attempts", pointer, "how many calls at most (>= 1)");
  if (!n_json.is_number_integer() || n_json.get<std::int64_t>() < 1)
    l.fail(pointer + "/attempts", "attempts must be an integer >= 1", "an integer >= 1", json_text(n_json),
           "write \"attempts\": 3");
  const auto attempts = n_json.get<std::size_t>();
  std::vector<std::function<bool(std::exception_ptr)>> tests;
  nlohmann::json on = nlohmann::json::array({"any"});
  if (auto it = stage.find("retry_on"); it != stage.end()) {
    l.expect_type(*it, "array", pointer + "/retry_on", "the error types retried");
    if (it->empty())
      l.fail(pointer + "/retry_on", "retry_on names no error type", "at least one", "[]", "remove \"retry_on\" to retry any");
    on = *it;
  }
  for (std::size_t i = 0; i < on.size(); ++i) {
    const std::string at = pointer + "/retry_on/" + std::to_string(i);
    l.expect_type(on[i], "string", at, "an error type's name");
    bool known = false;
    for (const auto& [name, test] : retry_error_types()) {
      if (name == on[i].get<std::string>()) {
        tests.push_back(test);
        known = true;
      }
    }
    if (!known) {
      std::string names;
      for (const auto& n : error_names()) names += (names.empty() ? "\"" : ", \"") + n + "\"";
      l.fail(at, "unknown error type", "one of: " + names, json_text(on[i]), "name one of weft's error types");
    }
  }
  node inner = l.build(stage.at("retry"), pointer + "/retry", input);
  nlohmann::json canonical{{"retry", inner.canonical_json()}, {"attempts", attempts}, {"retry_on", on}};
  describe_node tree = inner.describe_tree();  // retry is seen through, as the typed wrapper is
  const value_spec in = inner.input_spec(), out = inner.output_spec();
  std::vector<std::string> files = inner.files();
  auto call = [inner = std::move(inner), attempts, tests = std::move(tests)](const value& x) -> value {
    const auto accepts = [&](std::exception_ptr e) {
      for (const auto& t : tests)
        if (t(e)) return true;
      return false;
    };
    return weft::detail::retry_loop(attempts, accepts, weft::detail::no_backoff{}, [&] { return inner(x); });
  };
  return node(in, out, std::move(call), std::move(tree), std::move(canonical), std::move(files));
}

}  // namespace combinator_kinds

/// Adds the combinator kinds to reg (weft::registry's constructor does, through kinds.hpp).
inline void add_combinator_kinds(weft::registry& reg) {
  reg.add_kind("fan_out", combinator_kinds::build_fan_out, {"merge"});
  reg.add_kind("ensemble", combinator_kinds::build_ensemble, {"reducer", "weights"});
  reg.add_kind("fallback", combinator_kinds::build_fallback, {"when"});
  reg.add_kind("route", combinator_kinds::build_route, {"gate", "top_k"});
  reg.add_kind("when", combinator_kinds::build_when, {"then", "else"});
  reg.add_kind("retry", combinator_kinds::build_retry, {"attempts", "retry_on"});
}

}  // namespace weft::config

#endif  // WEFT_CONFIG_COMBINATORS_HPP
