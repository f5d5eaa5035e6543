// SPDX-License-Identifier: BSL-1.0
// weft/config/adapters.hpp - the adapter kinds of a configuration: cast, reshape, softmax, argmax,
// normalize.
//
// Contract (each judged at load against the spec arriving at it; each call does what the typed
// adapter of weft/adapters.hpp does, with its errors):
//   {"cast": "f64"}        scalar f32, f64 or i64; same extents. A value the scalar cannot hold
//                          throws non_finite_error or range_error at call time.
//   {"reshape": [28, 28]}  rank 1 or 2, row-major order; at most one extent -1 (inferred from the
//                          element count, which must then divide). Static element counts that
//                          differ: config_error at load; a dynamic one that differs: shape_error at
//                          call time.
//   {"softmax": {}}        rank-1 f32 or f64 -> the same spec.
//   {"argmax": {}}         rank-1 any scalar -> i64[1] (lowest index on ties, first NaN wins).
//   {"normalize": {}}      rank-1 f32 or f64 -> the same spec (x / sum(x)).
//   softmax, argmax and normalize take an empty object (no options yet; keys are refused).
//   Thread safety: the nodes are stateless.
#ifndef WEFT_CONFIG_ADAPTERS_HPP
#define WEFT_CONFIG_ADAPTERS_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "../adapters.hpp"
#include "../errors.hpp"
#include "loader.hpp"
#include "node.hpp"
#include "registry.hpp"
#include "value.hpp"

namespace weft::config {

namespace adapter_kinds {

inline void expect_empty_options(const nlohmann::json& stage, const std::string& kind, const std::string& pointer,
                                 loader& l) {
  const nlohmann::json& opts = stage.at(kind);
  l.expect_type(opts, "object", pointer + "/" + kind, "\"" + kind + "\"'s options");
  if (!opts.empty())
    l.fail(pointer + "/" + kind + "/" + pointer_token(opts.begin().key()), "unknown option of \"" + kind + "\"",
           "{}", json_text(opts), "write {\"" + kind + "\": {}}");
}

inline void expect_rank1(const value_spec& input, const std::string& kind, const std::string& pointer, loader& l,
                         bool floating) {
  if (input.extents.rank() != 1)
    l.fail(pointer, "\"" + kind + "\" takes a rank-1 tensor", "rank 1", input.text(),
           "insert {\"reshape\": [-1]} before it");
  if (floating && input.scalar == scalar_kind::i64)
    l.fail(pointer, "\"" + kind + "\" takes f32 or f64", "f32 or f64", input.text(),
           "insert {\"cast\": \"f32\"} before it");
}

/// A node running typed adapter stage Stage<vector_value<S>> for the scalar S of a rank-1 input
/// (i64 only when Integers: the callers have refused it otherwise).
template <template <class> class Stage, bool Integers>
node rank1_adapter_node(const std::string& what, const value_spec& input, value_spec output, nlohmann::json canon) {
  auto make = [&](auto scalar) {
    using X = vector_value<typename decltype(scalar)::type>;
    return make_model_node(Stage<X>{}, input, std::move(output), leaf_description(what), std::move(canon));
  };
  if (input.scalar == scalar_kind::f64) return make(type_tag<double>{});
  if constexpr (Integers)
    if (input.scalar == scalar_kind::i64) return make(type_tag<std::int64_t>{});
  return make(type_tag<float>{});
}

template <class X> using softmax_stage = adapter_stage<softmax_t, X>;
template <class X> using normalize_stage = adapter_stage<normalize_t, X>;
template <class X> using argmax_stage = adapter_stage<argmax_t, X>;

inline node build_cast(const nlohmann::json& stage, const std::string& pointer, const value_spec& input, loader& l) {
  const nlohmann::json& to = stage.at("cast");
  l.expect_type(to, "string", pointer + "/cast", "a cast's scalar");
  const auto target = parse_scalar(to.get<std::string>());
  if (!target) l.fail(pointer + "/cast", "unknown scalar", "\"f32\", \"f64\" or \"i64\"", json_text(to));
  value_spec output = input;
  output.scalar = *target;
  nlohmann::json canon{{"cast", to}};
  return with_dynamic_type(input, [&](auto tag) {
    using X = typename decltype(tag)::type;
    return with_scalar(*target, [&](auto scalar) {
      using T = typename decltype(scalar)::type;
      return make_model_node(adapter_stage<cast_t<T>, X>{}, input, output,
                             leaf_description("cast<" + to.get<std::string>() + ">"), canon);
    });
  });
}

/// The largest extent a configured reshape accepts (2^31 - 1: a product of two never overflows).
inline constexpr std::int64_t max_extent = 2147483647;

/// The product of the extents of s but the inferred one (inferred < 0: all of them).
inline std::ptrdiff_t known_count(const weft::shape& s, int inferred) noexcept {
  std::ptrdiff_t n = 1;
  for (std::size_t i = 0; i < s.rank(); ++i)
    if (static_cast<int>(i) != inferred) n *= s[i];
  return n;
}

inline node build_reshape(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                          loader& l) {
  const nlohmann::json& to = stage.at("reshape");
  const std::string p = pointer + "/reshape";
  l.expect_type(to, "array", p, "a reshape's extents");
  if (to.empty() || to.size() > 2)
    l.fail(p, "a configured reshape has rank 1 or 2", "1 or 2 extents", std::to_string(to.size()) + " extents");
  weft::shape target = weft::shape::filled(to.size(), 0);
  int inferred = -1;
  for (std::size_t i = 0; i < to.size(); ++i) {
    const std::string pi = p + "/" + std::to_string(i);
    const std::int64_t e = l.integer(to[i], -1, max_extent, pi, "an extent (-1: inferred)");
    if (e == -1) {
      if (inferred >= 0) l.fail(pi, "at most one extent may be -1", "one -1", "two");
      inferred = static_cast<int>(i);
    }
    target[i] = static_cast<std::ptrdiff_t>(e);
  }
  const std::ptrdiff_t in_count = input.extents.element_count();
  const std::ptrdiff_t known = known_count(target, inferred);  // no overflow: extents <= 2^31 - 1, rank <= 2
  value_spec output = input;
  output.extents = target;
  if (inferred >= 0) {
    if (in_count != weft::dyn) {
      if (known == 0 || in_count % known != 0)
        l.fail(p, "reshape's extents do not divide the element count", loader::extents_json(target),
               input.text() + " (" + std::to_string(in_count) + " elements)");
      output.extents[static_cast<std::size_t>(inferred)] = in_count / known;
    } else {
      output.extents[static_cast<std::size_t>(inferred)] = weft::dyn;
    }
  } else if (in_count != weft::dyn && in_count != known) {
    l.fail(p, "reshape changes the element count", input.text() + " (" + std::to_string(in_count) + " elements)",
           loader::extents_json(target) + " (" + std::to_string(known) + " elements)",
           "give extents whose product is " + std::to_string(in_count));
  }
  nlohmann::json canon{{"reshape", to}};
  weft::shape wanted = target;  // -1 stays "inferred" for the call
  return with_dynamic_type(input, [&](auto in_tag) {
    using X = typename decltype(in_tag)::type;
    using S = typename X::Scalar;
    auto call = [wanted, inferred, out_text = output.text()](const value& v) -> value {
      const X& x = std::get<X>(v);
      const auto n = static_cast<std::ptrdiff_t>(x.size());
      weft::shape e = wanted;
      const std::ptrdiff_t known_n = known_count(e, inferred);
      if (inferred >= 0 && known_n > 0 && n % known_n == 0) e[static_cast<std::size_t>(inferred)] = n / known_n;
      if (e.element_count() != n || (inferred >= 0 && known_n == 0))
        throw shape_error(out_text + " (" + std::to_string(e.element_count()) + " elements)",
                          std::string(scalar_text(weft::detail::config_scalar_kind_of<S>())) + "[" +
                              std::to_string(n) + "] elements");
      if (e.rank() == 1) return vector_value<S>(Eigen::Map<const vector_value<S>>(x.data(), n));
      return matrix_value<S>(Eigen::Map<const matrix_value<S>>(x.data(), e[0], e[1]));
    };
    return node(input, output, std::move(call), leaf_description("reshape" + loader::extents_json(target)), canon);
  });
}

inline node build_softmax(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                          loader& l) {
  expect_empty_options(stage, "softmax", pointer, l);
  expect_rank1(input, "softmax", pointer, l, true);
  return rank1_adapter_node<softmax_stage, false>("softmax", input, input, nlohmann::json{{"softmax", nlohmann::json::object()}});
}

inline node build_normalize(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                            loader& l) {
  expect_empty_options(stage, "normalize", pointer, l);
  expect_rank1(input, "normalize", pointer, l, true);
  return rank1_adapter_node<normalize_stage, false>("normalize", input, input,
                                             nlohmann::json{{"normalize", nlohmann::json::object()}});
}

inline node build_argmax(const nlohmann::json& stage, const std::string& pointer, const value_spec& input,
                         loader& l) {
  expect_empty_options(stage, "argmax", pointer, l);
  expect_rank1(input, "argmax", pointer, l, false);
  value_spec output{weft::backend::eigen, scalar_kind::i64, weft::shape{1}};
  return rank1_adapter_node<argmax_stage, true>("argmax", input, output, nlohmann::json{{"argmax", nlohmann::json::object()}});
}

}  // namespace adapter_kinds

/// Adds the adapter kinds to reg (weft::registry's constructor does).
inline void add_adapter_kinds(weft::registry& reg) {
  reg.add_kind("cast", adapter_kinds::build_cast);
  reg.add_kind("reshape", adapter_kinds::build_reshape);
  reg.add_kind("softmax", adapter_kinds::build_softmax);
  reg.add_kind("argmax", adapter_kinds::build_argmax);
  reg.add_kind("normalize", adapter_kinds::build_normalize);
}

}  // namespace weft::config

#endif  // WEFT_CONFIG_ADAPTERS_HPP
