// Tests for weft/config/combinators.hpp: the configured fan_out + concat, ensemble (each reducer),
// fallback with conditions, route, when and retry. Each loaded pipeline is compared with the same
// typed pipeline on several inputs (bit for bit: both run the same arithmetic), their errors by
// type and what() (the same paths); each rule judged at load is a config_error at its pointer.
#include <weft/config.hpp>
#include <weft/eigen.hpp>

#include <weft/adapters.hpp>
#include <weft/conditions.hpp>
#include <weft/describe.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/fan_out.hpp>
#include <weft/model.hpp>
#include <weft/reducers.hpp>
#include <weft/retry.hpp>
#include <weft/route.hpp>
#include <weft/sequence.hpp>
#include <weft/when.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;
using vec3 = Eigen::Matrix<float, 3, 1>;
using vec8 = Eigen::Matrix<float, 8, 1>;
using ivec4 = Eigen::Matrix<std::int64_t, 4, 1>;

/// x * factor + offset.
struct scale {
  using input_type = vec4;
  using output_type = vec4;
  float factor = 1.0f;
  float offset = 0.0f;
  vec4 operator()(const vec4& x) const { return (x * factor).array() + offset; }
};

/// Softmax-like probabilities of x * factor (for vote, below_confidence).
struct probs {
  using input_type = vec4;
  using output_type = vec4;
  float factor = 1.0f;
  vec4 operator()(const vec4& x) const {
    const vec4 e = (x * factor).array().exp();
    return e / e.sum();
  }
};

/// NaN everywhere when x[0] < 0, else x.
struct nan_when_negative {
  using input_type = vec4;
  using output_type = vec4;
  vec4 operator()(const vec4& x) const {
    return x[0] < 0 ? vec4::Constant(std::numeric_limits<float>::quiet_NaN()) : x;
  }
};

/// Throws weft::inference_error when x[0] > limit, else x.
struct fails_above {
  using input_type = vec4;
  using output_type = vec4;
  float limit = 0.0f;
  vec4 operator()(const vec4& x) const {
    if (x[0] > limit) throw weft::inference_error("test", "fails_above", "x[0] above the limit");
    return x;
  }
};

/// One gate value per expert: x[i] + bias for i < 3 (a negative one is a gate_error).
struct gate3 {
  using input_type = vec4;
  using output_type = vec3;
  float bias = 0.0f;
  vec3 operator()(const vec4& x) const { return x.head<3>().array() + bias; }
};

/// Rounds x to integers.
struct to_int {
  using input_type = vec4;
  using output_type = ivec4;
  ivec4 operator()(const vec4& x) const { return x.array().round().cast<std::int64_t>(); }
};

/// A dynamic output of `n` elements (x[0] repeated).
struct dyn_out {
  using input_type = vec4;
  using output_type = Eigen::VectorXf;
  int n = 4;
  Eigen::VectorXf operator()(const vec4& x) const { return Eigen::VectorXf::Constant(n, x[0]); }
};

/// Throws weft::inference_error on its first `failures` calls (counted in a shared counter), then
/// answers x + 1.
struct flaky {
  using input_type = vec4;
  using output_type = vec4;
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  int failures = 0;
  vec4 operator()(const vec4& x) const {
    if (calls->fetch_add(1) < failures) throw weft::inference_error("test", "flaky", "busy");
    return x.array() + 1.0f;
  }
};

float param(const nlohmann::json& p, const char* key, float fallback) { return p.value(key, fallback); }

/// The counter of the "flaky" models the registry makes (reset by each test that uses it).
std::shared_ptr<std::atomic<int>> flaky_calls = std::make_shared<std::atomic<int>>(0);

weft::registry test_registry() {
  weft::registry reg;
  reg.add<scale>("scale", [](const nlohmann::json& p) { return scale{param(p, "factor", 1), param(p, "offset", 0)}; });
  reg.add<probs>("probs", [](const nlohmann::json& p) { return probs{param(p, "factor", 1)}; });
  reg.add<nan_when_negative>("nan_when_negative", [](const nlohmann::json&) { return nan_when_negative{}; });
  reg.add<fails_above>("fails_above", [](const nlohmann::json& p) { return fails_above{param(p, "limit", 0)}; });
  reg.add<gate3>("gate3", [](const nlohmann::json& p) { return gate3{param(p, "bias", 0)}; });
  reg.add<to_int>("to_int", [](const nlohmann::json&) { return to_int{}; });
  reg.add<dyn_out>("dyn_out", [](const nlohmann::json& p) { return dyn_out{p.value("n", 4)}; });
  reg.add<flaky>("flaky", [](const nlohmann::json& p) { return flaky{flaky_calls, p.value("failures", 0)}; });
  reg.add_predicate("positive", [](const weft::config::value& v) { return weft::config::element_at(v, 0) > 0; });
  reg.add_condition("first_above_10", [](const weft::config::value& v) { return weft::config::element_at(v, 0) > 10; });
  return reg;
}

/// The inputs every comparison runs on.
const std::vector<vec4> inputs{vec4(0.1f, -0.4f, 1.5f, 0.0f), vec4(3.0f, 2.0f, 1.0f, 0.5f),
                               vec4(-2.0f, 0.25f, 7.0f, -1.0f), vec4(1e30f, -3e38f, 3e38f, 2.0f)};

/// a and b hold the same bits (NaN included).
template <class A, class B>
bool same_bits(const A& a, const B& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(typename A::Scalar) * std::size_t(a.size())) == 0;
}

/// The loaded pipeline and the typed one answer alike on every input: the same bits, or the same
/// exception type and what().
template <class L, class T>
void same_answers(const L& loaded, const T& typed, const std::vector<vec4>& xs = inputs) {
  for (const vec4& x : xs) {
    std::string loaded_error, typed_error;
    typename L::output_type a{};
    typename T::output_type b{};
    try {
      a = loaded(x);
    } catch (const std::exception& e) {
      loaded_error = std::string(weft::detail::fallback_exception_type(e)) + ": " + e.what();
    }
    try {
      b = typed(x);
    } catch (const std::exception& e) {
      typed_error = std::string(weft::detail::fallback_exception_type(e)) + ": " + e.what();
    }
    CAPTURE(x.transpose());
    CHECK(loaded_error == typed_error);
    if (typed_error.empty()) CHECK(same_bits(a, b));
  }
}

/// The config_error thrown by f (fails the test when none is).
template <class F>
weft::config_error config_error_of(F&& f) {
  try {
    f();
  } catch (const weft::config_error& e) {
    return e;
  }
  FAIL("no config_error was thrown");
  throw std::logic_error("unreachable");
}

/// The config_error of loading json as vec4 -> vec4.
weft::config_error load_error_of(const char* json) {
  const weft::registry reg = test_registry();
  return config_error_of([&] { (void)weft::load_pipeline<vec4, vec4>(reg, weft::parse_config(json)); });
}

template <class Out = vec4>
weft::configured_pipeline<vec4, Out> load(const char* json) {
  return weft::load_pipeline<vec4, Out>(test_registry(), weft::parse_config(json));
}

}  // namespace

TEST_CASE("fan_out + concat answers as weft::fan_out(...) | weft::concat") {
  const auto loaded = load<vec8>(R"({"fan_out": [{"model": "scale", "params": {"factor": 2}},
                                                 {"model": "scale", "params": {"offset": 1}}]})");
  const auto typed = weft::fan_out(scale{2, 0}, scale{1, 1}) | weft::concat;
  same_answers(loaded, typed);
  CHECK(loaded.output_shape() == weft::shape{8});
  CHECK(loaded.root().canonical_json().at("merge") == "concat");  // the default written out

  const auto scalar = load_error_of(R"({"fan_out": [{"model": "scale"}, {"model": "to_int"}]})");
  CHECK(scalar.pointer() == "/fan_out/1");
  CHECK(scalar.expected() == "f32[4]");
  CHECK(scalar.actual() == "i64[4]");
  CHECK(scalar.remedy().find("cast") != std::string::npos);
  CHECK(load_error_of(R"({"fan_out": [{"model": "scale"}], "merge": "sum"})").pointer() == "/merge");
  CHECK(load_error_of(R"({"fan_out": []})").pointer() == "/fan_out");
  // the concatenated width is judged against what follows
  const auto width = load_error_of(R"({"fan_out": [{"model": "scale"}, {"model": "scale"}]})");
  CHECK(width.expected() == "f32[4]");
  CHECK(width.actual() == "f32[8]");
}

TEST_CASE("ensemble answers as weft::ensemble with each reducer, bit for bit") {
  const char* three = R"([{"model": "scale", "params": {"factor": 2}}, {"model": "scale", "params": {"offset": 1}},
                          {"model": "scale", "params": {"factor": -3, "offset": 0.5}}])";
  const scale a{2, 0}, b{1, 1}, c{-3, 0.5f};
  const auto with = [&](const std::string& rest) {
    const std::string json = std::string(R"({"ensemble": )") + three + rest + "}";
    return weft::load_pipeline<vec4, vec4>(test_registry(), weft::parse_config(json));
  };
  same_answers(with(""), weft::ensemble(weft::mean, a, b, c));  // mean is the default
  same_answers(with(R"(, "reducer": "mean")"), weft::ensemble(weft::mean, a, b, c));
  same_answers(with(R"(, "reducer": "weighted", "weights": [0.5, 0.3, 0.2])"),
               weft::ensemble(weft::weighted(0.5, 0.3, 0.2), a, b, c));
  same_answers(with(R"(, "reducer": "max")"), weft::ensemble(weft::max, a, b, c));
  same_answers(with(R"(, "reducer": "median")"), weft::ensemble(weft::median, a, b, c));
  const auto four = load(R"({"ensemble": [{"model": "scale"}, {"model": "scale", "params": {"factor": 2}},
                          {"model": "scale", "params": {"offset": -1}}, {"model": "nan_when_negative"}],
                          "reducer": "median"})");
  same_answers(four, weft::ensemble(weft::median, scale{}, scale{2, 0}, scale{1, -1}, nan_when_negative{}));
  const auto vote = load(R"({"ensemble": [{"model": "probs"}, {"model": "probs", "params": {"factor": -1}},
                          {"model": "nan_when_negative"}], "reducer": "vote"})");
  same_answers(vote, weft::ensemble(weft::vote, probs{1}, probs{-1}, nan_when_negative{}));
  CHECK(with("").root().canonical_json().at("reducer") == "mean");
}

TEST_CASE("ensemble: a branch's error and differing run-time extents are the typed ensemble's") {
  const auto loaded = load(R"({"ensemble": [{"model": "scale"}, {"model": "fails_above", "name": "guard"}]})");
  same_answers(loaded, weft::ensemble(weft::mean, scale{}, weft::named("guard", fails_above{})));
  try {
    (void)loaded(vec4(1, 0, 0, 0));
    FAIL("no error");
  } catch (const weft::inference_error& e) {
    CHECK(e.path_text() == "ensemble[1] \"guard\"");
  }
  const auto dyn = load<Eigen::VectorXf>(
      R"({"ensemble": [{"model": "dyn_out"}, {"model": "dyn_out", "params": {"n": 5}}]})");
  const auto typed = weft::ensemble(weft::mean, dyn_out{4}, dyn_out{5});
  std::string loaded_what, typed_what;
  try {
    (void)dyn(vec4::Ones());
  } catch (const weft::shape_error& e) {
    loaded_what = e.what();
  }
  try {
    (void)typed(vec4::Ones());
  } catch (const weft::shape_error& e) {
    typed_what = e.what();
  }
  CHECK(!typed_what.empty());
  CHECK(loaded_what == typed_what);
}

TEST_CASE("ensemble: what the typed ensemble refuses to compile is a config_error at its pointer") {
  const auto spec = load_error_of(R"({"ensemble": [{"model": "scale"}, {"model": "to_int"}]})");
  CHECK(spec.pointer() == "/ensemble/1");
  CHECK(spec.expected() == "f32[4]");
  CHECK(spec.actual() == "i64[4]");
  CHECK(!spec.remedy().empty());
  const auto count = load_error_of(R"({"ensemble": [{"model": "scale"}, {"model": "scale"}],
                                      "reducer": "weighted", "weights": [1, 2, 3]})");
  CHECK(count.pointer() == "/weights");
  CHECK(count.expected() == "2 weights");
  CHECK(count.actual() == "3");
  CHECK(load_error_of(R"({"ensemble": [{"model": "scale"}, {"model": "scale"}], "reducer": "weighted",
                          "weights": [1, -1]})").pointer() == "/weights");
  CHECK(load_error_of(R"({"ensemble": [{"model": "scale"}], "reducer": "weighted"})").problem() ==
        "missing key \"weights\"");
  CHECK(load_error_of(R"({"ensemble": [{"model": "scale"}], "weights": [1]})").pointer() == "/weights");
  CHECK(load_error_of(R"({"ensemble": [{"model": "scale"}], "reducer": "sum"})").pointer() == "/reducer");
  const weft::registry reg = test_registry();
  const auto vote = config_error_of([&] {
    (void)weft::load_pipeline<vec4, ivec4>(
        reg, weft::parse_config(R"({"ensemble": [{"model": "to_int"}, {"model": "to_int"}], "reducer": "vote"})"));
  });
  CHECK(vote.pointer() == "/reducer");
  CHECK(vote.actual() == "i64[4]");
  // a branch the input cannot reach: the loader's judgement, at the branch
  const auto reach = load_error_of(R"({"ensemble": [{"model": "scale"}, {"stages": [{"cast": "f64"}, {"model": "scale"}]}]})");
  CHECK(reach.pointer() == "/ensemble/1/stages/1");
}

TEST_CASE("fallback with conditions answers as weft::fallback(...).when(...)") {
  const auto plain = load(R"({"fallback": [{"model": "fails_above"}, {"model": "scale", "params": {"factor": 2}}]})");
  same_answers(plain, weft::fallback(fails_above{}, scale{2, 0}));
  const auto guarded = load(R"({"fallback": [{"model": "nan_when_negative"}, {"model": "scale", "params": {"factor": 2}}],
                                "when": ["non_finite"]})");
  same_answers(guarded, weft::fallback(nan_when_negative{}, scale{2, 0}).when(weft::non_finite));
  const auto confident = load(R"({"fallback": [{"model": "probs", "params": {"factor": 3}}, {"model": "probs"}],
                                  "when": [{"below_confidence": 0.7}]})");
  same_answers(confident, weft::fallback(probs{3}, probs{1}).when(weft::below_confidence(0.7)));
  // every branch fails: the same fallback_error (one cause per branch, its path and labels)
  const auto all_fail = load(R"({"fallback": [{"model": "fails_above", "name": "first"}, {"model": "nan_when_negative"}],
                                 "when": ["non_finite", {"below_confidence": 2}]})");
  const auto typed = weft::fallback(weft::named("first", fails_above{}), nan_when_negative{})
                         .when(weft::non_finite)
                         .when(weft::below_confidence(2));
  same_answers(all_fail, typed);
  try {
    (void)all_fail(vec4(-1, 0, 0, 0));
    FAIL("no error");
  } catch (const weft::fallback_error& e) {
    REQUIRE(e.causes().size() == 2);
    CHECK(e.causes()[1].kind == weft::fallback_failure::rejected);
    CHECK(e.causes()[1].type == "non_finite");
  }
  // a registered condition, labelled by its name
  const auto registered = load(R"({"fallback": [{"model": "scale", "params": {"factor": 100}}, {"model": "scale"}],
                                   "when": ["first_above_10"]})");
  CHECK(registered(vec4(1, 2, 3, 4))[0] == 1.0f);
  CHECK(registered(vec4(0.05f, 2, 3, 4))[0] == 5.0f);
  CHECK(weft::describe(registered).find("fallback when first_above_10") != std::string::npos);
  CHECK(plain.root().canonical_json().at("when") == nlohmann::json::array());
}

TEST_CASE("fallback: a later branch's dyn output that does not fit branch 0's counts as that branch failing") {
  const auto loaded = load(R"({"fallback": [{"model": "fails_above"}, {"model": "dyn_out", "params": {"n": 5}}]})");
  try {
    (void)loaded(vec4(1, 0, 0, 0));
    FAIL("no error");
  } catch (const weft::fallback_error& e) {
    REQUIRE(e.causes().size() == 2);
    CHECK(e.causes()[1].type == "weft::shape_error");
    CHECK(e.causes()[1].path == "fallback[1]");
  }
  CHECK(load_error_of(R"({"fallback": [{"model": "scale"}, {"model": "to_int"}]})").pointer() == "/fallback/1");
  const auto unknown = load_error_of(R"({"fallback": [{"model": "scale"}], "when": ["nonfinite"]})");
  CHECK(unknown.pointer() == "/when/0");
  CHECK(unknown.expected().find("first_above_10") != std::string::npos);
  CHECK(load_error_of(R"({"fallback": [{"model": "scale"}], "when": [{"below_confidence": "high"}]})").pointer() ==
        "/when/0/below_confidence");
}

TEST_CASE("route answers as weft::route, top1 and top_k, and its gate_error is the typed one's") {
  const char* experts = R"([{"model": "scale", "params": {"factor": 2}}, {"model": "scale", "params": {"offset": 1}},
                            {"model": "probs"}])";
  const std::vector<vec4> xs{vec4(0.1f, 0.4f, 1.5f, 0.0f), vec4(3.0f, 2.0f, 1.0f, 0.5f), vec4(2.0f, 2.0f, 0.0f, 1.0f),
                             vec4(0.0f, 0.0f, 0.0f, 0.0f), vec4(-1.0f, 0.0f, 2.0f, 0.0f),
                             vec4(std::numeric_limits<float>::infinity(), 0, 0, 0)};
  const auto with = [&](const std::string& rest) {
    const std::string json = std::string(R"({"route": )") + experts + R"(, "gate": {"model": "gate3"})" + rest + "}";
    return weft::load_pipeline<vec4, vec4>(test_registry(), weft::parse_config(json));
  };
  same_answers(with(""), weft::route(weft::top1, gate3{}, scale{2, 0}, scale{1, 1}, probs{1}), xs);
  same_answers(with(R"(, "top_k": 2)"), weft::route(weft::top_k<2>, gate3{}, scale{2, 0}, scale{1, 1}, probs{1}), xs);
  same_answers(with(R"(, "top_k": 3)"), weft::route(weft::top_k<3>, gate3{}, scale{2, 0}, scale{1, 1}, probs{1}), xs);
  CHECK(with("").root().canonical_json().at("top_k") == 1);
  const std::string picture = weft::describe(with(""));
  CHECK(picture.find("route top1") != std::string::npos);
  CHECK(picture.find("[gate] model \"gate3\"") != std::string::npos);
  CHECK(picture.find("[2] model \"probs\"") != std::string::npos);

  const auto width = load_error_of(R"({"route": [{"model": "scale"}, {"model": "scale"}], "gate": {"model": "gate3"}})");
  CHECK(width.pointer() == "/gate");
  CHECK(width.actual() == "f32[3]");
  CHECK(load_error_of(R"({"route": [{"model": "scale"}, {"model": "scale"}, {"model": "scale"}],
                          "gate": {"model": "gate3"}, "top_k": 4})").pointer() == "/top_k");
  CHECK(load_error_of(R"({"route": [{"model": "scale"}, {"model": "scale"}, {"model": "scale"}, {"model": "scale"}],
                          "gate": {"model": "to_int"}})").pointer() == "/gate");
  CHECK(load_error_of(R"({"route": [{"model": "scale"}, {"model": "scale"}, {"model": "to_int"}],
                          "gate": {"model": "gate3"}})").pointer() == "/route/2");
  CHECK(load_error_of(R"({"route": [{"model": "scale"}]})").problem() == "missing key \"gate\"");
}

TEST_CASE("when answers as weft::when with a registered predicate") {
  const auto loaded = load(R"({"when": "positive", "then": {"model": "scale", "params": {"factor": 2}},
                               "else": {"model": "fails_above", "params": {"limit": -10}}})");
  const auto typed = weft::when([](const vec4& x) { return x[0] > 0; }, scale{2, 0}, fails_above{-10});
  same_answers(loaded, typed);
  try {
    (void)loaded(vec4(-1, 0, 0, 0));
    FAIL("no error");
  } catch (const weft::inference_error& e) {
    CHECK(e.path_text() == "when[1]");
  }
  CHECK(weft::describe(loaded).find("when positive") != std::string::npos);
  const auto unknown = load_error_of(R"({"when": "negative", "then": {"model": "scale"}, "else": {"model": "scale"}})");
  CHECK(unknown.pointer() == "/when");
  CHECK(unknown.expected() == "one of: positive");
  CHECK(load_error_of(R"({"when": "positive", "then": {"model": "scale"}, "else": {"model": "to_int"}})").pointer() ==
        "/else");
  CHECK(load_error_of(R"({"when": "positive", "then": {"model": "scale"}})").problem() == "missing key \"else\"");
}

TEST_CASE("retry answers as weft::retry: attempts, which errors, retry_error") {
  const auto retried = load(R"({"retry": {"model": "flaky", "params": {"failures": 2}}, "attempts": 3})");
  const auto typed = weft::retry(flaky{std::make_shared<std::atomic<int>>(0), 2}, weft::attempts(3));
  flaky_calls->store(0);
  const vec4 x(1, 2, 3, 4);
  CHECK(same_bits(retried(x), typed(x)));
  CHECK(flaky_calls->load() == 3);
  CHECK(retried.root().canonical_json().at("retry_on") == nlohmann::json::array({"any"}));

  const auto too_few = load(R"({"retry": {"model": "flaky", "params": {"failures": 5}}, "attempts": 2})");
  const auto typed_few = weft::retry(flaky{std::make_shared<std::atomic<int>>(0), 5}, weft::attempts(2));
  flaky_calls->store(0);
  std::string loaded_what, typed_what;
  try {
    (void)too_few(x);
  } catch (const weft::retry_error& e) {
    loaded_what = e.what();
    CHECK(e.causes().size() == 2);
  }
  try {
    (void)typed_few(x);
  } catch (const weft::retry_error& e) {
    typed_what = e.what();
  }
  CHECK(!typed_what.empty());
  CHECK(loaded_what == typed_what);

  // an error not named in retry_on passes through at once, unchanged
  const auto only_shape = load(R"({"retry": {"model": "flaky", "params": {"failures": 1}}, "attempts": 3,
                                   "retry_on": ["shape_error"]})");
  flaky_calls->store(0);
  CHECK_THROWS_AS((void)only_shape(x), weft::inference_error);
  CHECK(flaky_calls->load() == 1);
  const auto named = load(R"({"retry": {"model": "flaky", "params": {"failures": 1}}, "attempts": 3,
                              "retry_on": ["shape_error", "inference_error"]})");
  flaky_calls->store(0);
  CHECK(same_bits(named(x), vec4(2, 3, 4, 5)));

  CHECK(load_error_of(R"({"retry": {"model": "scale"}, "attempts": 0})").pointer() == "/attempts");
  CHECK(load_error_of(R"({"retry": {"model": "scale"}})").problem() == "missing key \"attempts\"");
  const auto unknown = load_error_of(R"({"retry": {"model": "scale"}, "attempts": 2, "retry_on": ["timeout"]})");
  CHECK(unknown.pointer() == "/retry_on/0");
  CHECK(unknown.expected().find("inference_error") != std::string::npos);
}

TEST_CASE("combinators nest, describe their branches, and their canonical JSON loads to the same answers") {
  const auto nested = load(R"({"stages": [
      {"fallback": [{"ensemble": [{"model": "probs", "params": {"factor": 2}}, {"model": "probs"}],
                     "reducer": "weighted", "weights": [2, 1], "name": "pair"},
                    {"retry": {"model": "probs"}, "attempts": 2}],
       "when": [{"below_confidence": 0.5}]},
      {"softmax": {}}]})");
  const auto typed = weft::fallback(weft::named("pair", weft::ensemble(weft::weighted(2, 1), probs{2}, probs{1})),
                                    weft::retry(probs{1}, weft::attempts(2)))
                         .when(weft::below_confidence(0.5)) |
                     weft::softmax;
  same_answers(nested, typed);
  const auto guarded = weft::load_pipeline<vec4, vec4>(test_registry(), nested.root().canonical_json()["stages"][0]);
  const std::string picture = weft::describe(guarded);
  CHECK(picture.find("fallback when below_confidence(0.5): f32[4] -> f32[4]") == 0);
  CHECK(picture.find("  [0] \"pair\" ensemble weighted: f32[4] -> f32[4]\n") != std::string::npos);
  CHECK(picture.find("    [1] model \"probs\"") != std::string::npos);
  CHECK(picture.find("  [1] model \"probs\"") != std::string::npos);  // retry is seen through
  CHECK(weft::to_dot(guarded).find("cluster") != std::string::npos);
  const auto again = weft::load_pipeline<vec4, vec4>(test_registry(), nested.root().canonical_json());
  same_answers(again, typed);
  CHECK(again.root().canonical_json() == nested.root().canonical_json());
}
