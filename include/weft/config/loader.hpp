// SPDX-License-Identifier: BSL-1.0
// weft/config/loader.hpp - weft::config::loader: builds nodes from JSON stages, judging every
// connection while loading.
//
// Contract:
//   l.build(stage, pointer, input) builds the node of one stage: the stage must be a JSON object
//   with exactly one key naming a registered kind (when several do, the one whose accepted keys hold
//   the others wins: {"fallback": [...], "when": [...]} is a fallback); every other key must be
//   "name", "golden", or one the kind accepts, else config_error ("unknown key"; refusing keeps a
//   misspelt option from being silently ignored). The kind's builder makes the node; the loader then
//   checks that the arriving spec connects to the node's input (config::connects), applies "name"
//   and runs the "golden" self-test. An exception other than config_error thrown while building
//   (a factory's, a runtime's load_error) becomes a config_error at the stage's pointer whose
//   cause() is that exception. Nesting deeper than max_depth (64) stages is refused (the stack
//   stays bounded whatever the input). The JSON schema cannot express a cycle: a stage holds its
//   children by value, there are no references (docs/config.md).
//   Builders use the loader's helpers (fail, require, connect, ...), which throw config_error.
//   A golden self-test: "golden": {"input": [...], "output": [...], "tolerance": t} (t >= 0,
//   default 1e-6; flat row-major numbers, or an array of rows for rank 2). The input must fit the
//   node's input spec, the node is called, and every output element must lie within t of the
//   expected one (absolute), else config_error at "<pointer>/golden" naming the index, expected
//   and actual values.
//   A loader is used by one thread; distinct loaders may share one registry.
#ifndef WEFT_CONFIG_LOADER_HPP
#define WEFT_CONFIG_LOADER_HPP

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "node.hpp"
#include "registry.hpp"
#include "value.hpp"

namespace weft::config {

/// Text of a JSON value for messages (dumped, cut at 60 characters).
inline std::string json_text(const nlohmann::json& j) {
  std::string s = j.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

/// The JSON type of a value for messages ("string", "array", "number", ...).
inline std::string json_type(const nlohmann::json& j) { return j.type_name(); }

/// Escapes a key for a JSON pointer (RFC 6901: "~" -> "~0", "/" -> "~1").
inline std::string pointer_token(std::string_view key) {
  std::string s;
  for (char c : key) {
    if (c == '~') s += "~0";
    else if (c == '/') s += "~1";
    else s += c;
  }
  return s;
}

/// Builds nodes from JSON stages; see the header comment.
class loader {
 public:
  /// The deepest nesting of stages accepted.
  static constexpr int max_depth = 64;

  /// reg: the registry (must outlive the loader); base: the directory model files are relative to;
  /// file: the JSON file's path for messages (empty for JSON from memory).
  loader(const weft::registry& reg, std::filesystem::path base, std::string file = {})
      : registry_(reg), base_(std::move(base)), file_(std::move(file)) {}

  /// The registry stages are looked up in.
  const weft::registry& registry() const noexcept { return registry_; }
  /// The directory relative model file paths are resolved against.
  const std::filesystem::path& base_directory() const noexcept { return base_; }
  /// The JSON file's path (empty for JSON from memory).
  const std::string& file() const noexcept { return file_; }

  /// A model file's path resolved against base_directory() (an absolute path is kept).
  std::filesystem::path resolve(const std::string& path) const {
    std::filesystem::path p(path);
    return p.is_absolute() || base_.empty() ? p : base_ / p;
  }

  /// Throws config_error at pointer (naming the JSON file).
  [[noreturn]] void fail(std::string pointer, std::string problem, std::string expected = {},
                         std::string actual = {}, std::string remedy = {}, std::exception_ptr cause = nullptr) const {
    throw config_error(std::move(pointer), std::move(problem), std::move(expected), std::move(actual),
                       std::move(remedy), std::move(cause), file_);
  }

  /// stage[key], which must exist; else config_error "missing key".
  const nlohmann::json& require(const nlohmann::json& stage, const std::string& key, const std::string& pointer,
                                std::string_view what) const {
    auto it = stage.find(key);
    if (it == stage.end())
      fail(pointer, "missing key \"" + key + "\"", std::string(what), "nothing", "add \"" + key + "\"");
    return *it;
  }

  /// Checks that j is of JSON type `type` ("string", "array", "object", "number", "boolean").
  void expect_type(const nlohmann::json& j, std::string_view type, const std::string& pointer,
                   std::string_view what) const {
    const bool ok = type == "number" ? j.is_number() : json_type(j) == type;
    if (!ok)
      fail(pointer, "wrong value type for " + std::string(what), std::string(type),
           json_type(j) + " " + json_text(j));
  }

  /// j as an integer in [lo, hi]; else config_error at pointer (a float, a string, or out of range).
  std::int64_t integer(const nlohmann::json& j, std::int64_t lo, std::int64_t hi, const std::string& pointer,
                       std::string_view what) const {
    const bool ok = (j.is_number_unsigned() && j.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi) &&
                     static_cast<std::int64_t>(j.get<std::uint64_t>()) >= lo) ||
                    (j.is_number_integer() && !j.is_number_unsigned() && j.get<std::int64_t>() >= lo &&
                     j.get<std::int64_t>() <= hi);
    if (!ok)
      fail(pointer, "wrong value for " + std::string(what),
           "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", json_text(j));
    return j.get<std::int64_t>();
  }

  /// Checks that a value of spec `from` may reach a stage taking `to`; else config_error at pointer
  /// naming both specs and the remedy (a cast or a reshape stage).
  void connect(const value_spec& from, const value_spec& to, const std::string& pointer,
               std::string_view where = "this stage's input") const {
    if (connects(from, to)) return;
    std::string remedy;
    if (from.scalar != to.scalar)
      remedy = "insert {\"cast\": \"" + std::string(scalar_text(to.scalar)) + "\"} before it";
    else
      remedy = "insert {\"reshape\": " + extents_json(to.extents) + "} before it, or use a stage that takes " +
               from.text();
    fail(pointer, "connection does not fit " + std::string(where), to.text(), from.text(), remedy);
  }

  /// Builds the node of stage at pointer, given the spec arriving at it; see the header comment.
  node build(const nlohmann::json& stage, const std::string& pointer, const value_spec& input) {
    if (depth_ >= max_depth)
      fail(pointer, "stages nested too deeply", "at most " + std::to_string(max_depth) + " levels",
           "more");
    if (!stage.is_object())
      fail(pointer, "a stage must be a JSON object", "object", json_type(stage) + " " + json_text(stage),
           "write {\"<kind>\": ...}, e.g. {\"model\": \"name\"}");
    const auto found = find_kind(stage, pointer);  // not a structured binding: clang 14 cannot capture one
    const std::string& kind_name = found.first;
    const kind_entry* kind = found.second;
    for (const auto& [key, v] : stage.items()) {
      (void)v;
      if (key == kind_name || key == "name" || key == "golden") continue;
      bool known = false;
      for (const auto& k : kind->keys) known = known || k == key;
      if (!known)
        fail(pointer + "/" + pointer_token(key), "unknown key \"" + key + "\" in a \"" + kind_name + "\" stage",
             accepted_keys(kind_name, *kind), "\"" + key + "\"", "remove it or correct its spelling");
    }
    struct depth_guard {
      int& d;
      explicit depth_guard(int& x) : d(x) { ++d; }
      ~depth_guard() { --d; }
      depth_guard(const depth_guard&) = delete;
      depth_guard& operator=(const depth_guard&) = delete;
    } guard(depth_);
    node n = [&] {
      try {
        return kind->build(stage, pointer, input, *this);
      } catch (const config_error&) {
        throw;
      } catch (const std::exception&) {
        fail(pointer, "the \"" + kind_name + "\" stage could not be built", {}, {}, {}, std::current_exception());
      }
    }();
    connect(input, n.input_spec(), pointer);
    if (auto it = stage.find("name"); it != stage.end()) {
      expect_type(*it, "string", pointer + "/name", "a stage's name");
      n.set_name(it->get<std::string>());
    }
    if (auto it = stage.find("golden"); it != stage.end()) {
      run_golden(n, *it, pointer + "/golden");
      n.set_canonical("golden", *it);
    }
    return n;
  }

  /// A value of spec s from JSON numbers: flat (row-major), or an array of rows for rank 2. A dyn
  /// extent takes the JSON's length. Throws config_error at pointer when the numbers do not fit s.
  value parse_value(const nlohmann::json& j, const value_spec& s, const std::string& pointer) const {
    expect_type(j, "array", pointer, "a tensor's numbers");
    std::vector<double> flat;
    std::ptrdiff_t rows = -1;
    std::ptrdiff_t cols = -1;
    const bool nested = !j.empty() && j.front().is_array();
    if (nested) {
      rows = static_cast<std::ptrdiff_t>(j.size());
      for (std::size_t r = 0; r < j.size(); ++r) {
        expect_type(j[r], "array", pointer + "/" + std::to_string(r), "a row");
        if (cols >= 0 && static_cast<std::ptrdiff_t>(j[r].size()) != cols)
          fail(pointer + "/" + std::to_string(r), "rows of different lengths", std::to_string(cols),
               std::to_string(j[r].size()));
        cols = static_cast<std::ptrdiff_t>(j[r].size());
        for (std::size_t c = 0; c < j[r].size(); ++c) flat.push_back(number(j[r][c], s.scalar, pointer + "/" + std::to_string(r) + "/" + std::to_string(c)));
      }
    } else {
      for (std::size_t i = 0; i < j.size(); ++i) flat.push_back(number(j[i], s.scalar, pointer + "/" + std::to_string(i)));
    }
    value_spec actual = s;
    const auto n = static_cast<std::ptrdiff_t>(flat.size());
    if (s.extents.rank() == 1) {
      if (nested) fail(pointer, "rows given for a rank-1 tensor", s.text(), "rank 2");
      actual.extents = weft::shape{n};
    } else if (nested) {
      actual.extents = weft::shape{rows, cols};
    } else {
      const std::ptrdiff_t r = s.extents[0], c = s.extents[1];
      if (r != weft::dyn && c != weft::dyn) actual.extents = weft::shape{r, c};
      else if (r != weft::dyn && r > 0 && n % r == 0) actual.extents = weft::shape{r, n / r};
      else if (c != weft::dyn && c > 0 && n % c == 0) actual.extents = weft::shape{n / c, c};
      else fail(pointer, "flat numbers do not fit a rank-2 tensor", s.text(), std::to_string(n) + " numbers",
                "give an array of rows");
      if (actual.extents.element_count() != n)
        fail(pointer, "wrong number of elements", s.text() + " (" + std::to_string(actual.extents.element_count()) + ")",
             std::to_string(n) + " numbers");
    }
    if (!s.extents.admits(actual.extents)) fail(pointer, "tensor does not fit", s.text(), actual.text());
    value v = make_value(actual);
    for (std::ptrdiff_t i = 0; i < n; ++i) set_element(v, i, flat[static_cast<std::size_t>(i)]);
    return v;
  }

  /// "[28,28]" for extents (dyn as -1).
  static std::string extents_json(const weft::shape& s) {
    std::string t = "[";
    for (std::size_t i = 0; i < s.rank(); ++i) t += (i ? "," : "") + std::to_string(s[i]);
    return t + "]";
  }

 private:
  /// The largest integer a golden i64 element may be: every integer up to it is exact as a double.
  static constexpr std::int64_t max_exact_integer = std::int64_t{1} << 53;

  /// j as an element of scalar s: any number for f64, one within float's range for f32, an integer
  /// within +-2^53 for i64 (a value the scalar cannot hold is refused, never converted with
  /// undefined behaviour).
  double number(const nlohmann::json& j, scalar_kind s, const std::string& pointer) const {
    if (s == scalar_kind::i64)
      return static_cast<double>(integer(j, -max_exact_integer, max_exact_integer, pointer, "an i64 element"));
    expect_type(j, "number", pointer, "a tensor element");
    const double d = j.get<double>();
    if (s == scalar_kind::f32 && std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max()))
      fail(pointer, "an f32 element out of range", "|x| <= 3.40282347e+38", json_text(j));
    return d;
  }

  std::pair<std::string, const kind_entry*> find_kind(const nlohmann::json& stage, const std::string& pointer) const {
    std::vector<std::pair<std::string, const kind_entry*>> found;
    for (const auto& [key, v] : stage.items()) {
      (void)v;
      if (const kind_entry* k = registry_.find_kind(key)) found.emplace_back(key, k);
    }
    if (found.size() > 1) {  // keep a kind that accepts every other candidate as one of its keys
      std::vector<std::pair<std::string, const kind_entry*>> kept;
      for (const auto& c : found) {
        bool holds_all = true;
        for (const auto& o : found) {
          if (&o == &c) continue;
          bool accepted = false;
          for (const auto& k : c.second->keys) accepted = accepted || k == o.first;
          holds_all = holds_all && accepted;
        }
        if (holds_all) kept.push_back(c);
      }
      if (kept.size() == 1) return kept.front();
      std::string names;
      for (const auto& c : found) names += (names.empty() ? "\"" : ", \"") + c.first + "\"";
      fail(pointer, "a stage names several kinds", "one kind", names, "split it into several stages");
    }
    if (found.empty()) {
      std::string keys;
      for (const auto& [key, v] : stage.items()) {
        (void)v;
        keys += (keys.empty() ? "\"" : ", \"") + key + "\"";
      }
      std::string kinds;
      for (const auto& k : registry_.kind_names()) kinds += (kinds.empty() ? "" : ", ") + k;
      fail(pointer, "unknown stage kind", "one of: " + kinds, keys.empty() ? "{}" : keys,
           "use a registered kind (runtimes need weft::register_onnx(reg) etc.)");
    }
    return found.front();
  }

  static std::string accepted_keys(const std::string& kind, const kind_entry& k) {
    std::string s = "\"" + kind + "\"";
    for (const auto& key : k.keys) s += ", \"" + key + "\"";
    return s + ", \"name\", \"golden\"";
  }

  void run_golden(const node& n, const nlohmann::json& g, const std::string& pointer) const {
    expect_type(g, "object", pointer, "a golden self-test");
    for (const auto& [key, v] : g.items()) {
      (void)v;
      if (key != "input" && key != "output" && key != "tolerance")
        fail(pointer + "/" + pointer_token(key), "unknown key \"" + key + "\" in a golden self-test",
             "\"input\", \"output\", \"tolerance\"", "\"" + key + "\"", "remove it");
    }
    const value x = parse_value(require(g, "input", pointer, "the golden input"), n.input_spec(), pointer + "/input");
    value_spec out_spec = n.output_spec();
    const nlohmann::json& expected_json = require(g, "output", pointer, "the golden output");
    const value expected = parse_value(expected_json, out_spec, pointer + "/output");
    double tolerance = 1e-6;
    if (auto it = g.find("tolerance"); it != g.end()) {
      expect_type(*it, "number", pointer + "/tolerance", "the golden tolerance");
      tolerance = it->get<double>();
      if (!(tolerance >= 0)) fail(pointer + "/tolerance", "a tolerance must be >= 0", ">= 0", json_text(*it));
    }
    value y;
    try {
      y = n(x);
    } catch (const std::exception&) {
      fail(pointer, "the golden self-test threw", {}, {}, {}, std::current_exception());
    }
    const value_spec ys = spec_of_value(y), es = spec_of_value(expected);
    if (!(ys.extents == es.extents)) fail(pointer + "/output", "golden self-test failed: the output's extents differ", es.text(), ys.text());
    for (std::ptrdiff_t i = 0; i < element_count(y); ++i) {
      const double a = element_at(y, i), e = element_at(expected, i);
      if (!(std::fabs(a - e) <= tolerance)) {
        fail(pointer + "/output" + (expected_json.front().is_array() ? "" : "/" + std::to_string(i)), "golden self-test failed at flat index " + std::to_string(i),
             number_text(e) + " (tolerance " + number_text(tolerance) + ")", number_text(a));
      }
    }
  }

  static std::string number_text(double d) {
    std::ostringstream s;
    s.precision(9);
    s << d;
    return s.str();
  }

  const weft::registry& registry_;
  std::filesystem::path base_;
  std::string file_;
  int depth_ = 0;
};

}  // namespace weft::config

#endif  // WEFT_CONFIG_LOADER_HPP
