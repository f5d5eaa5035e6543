// Tests for weft/config/to_json.hpp and weft/fingerprint.hpp: a typed pipeline's JSON for every
// kind, SHA-256 test vectors, a known-answer fingerprint (the same digest checked in the dev and the
// clang preset: g++ and clang++ builds agree), what changes a fingerprint and what does not.
#include <weft/fingerprint.hpp>
#include <weft/config.hpp>
#include <weft/config/to_json.hpp>
#include <weft/eigen.hpp>

#include <weft/adapters.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/fan_out.hpp>
#include <weft/model.hpp>
#include <weft/retry.hpp>
#include <weft/route.hpp>
#include <weft/sequence.hpp>
#include <weft/when.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>
#include <cstdint>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;
using vec2 = Eigen::Matrix<float, 2, 1>;
using vec8 = Eigen::Matrix<float, 8, 1>;

/// A registered leaf with a parameter: x * k.
struct gain {
  static constexpr std::string_view config_name = "gain";
  using input_type = vec4;
  using output_type = vec4;
  float k = 2.0f;
  nlohmann::json config_params() const { return {{"k", k}}; }
  vec4 operator()(const vec4& x) const { return x * k; }
};

/// A registered leaf without parameters: x + 1.
struct shift {
  static constexpr std::string_view config_name = "shift";
  using input_type = vec4;
  using output_type = vec4;
  vec4 operator()(const vec4& x) const { return x.array() + 1.0f; }
};

/// A gate over two experts: softmax-like probabilities from the first two elements.
struct gate2 {
  static constexpr std::string_view config_name = "gate2";
  using input_type = vec4;
  using output_type = vec2;
  vec2 operator()(const vec4& x) const { return x(0) > x(1) ? vec2(0.9f, 0.1f) : vec2(0.2f, 0.8f); }
};

/// A model whose parameters live in a file (as a runtime model's do): config_runtime and path().
struct file_weights {
  static constexpr std::string_view config_runtime = "weights";
  using input_type = vec4;
  using output_type = vec4;
  std::string file;
  const std::string& path() const { return file; }
  vec4 operator()(const vec4& x) const { return x; }
};

/// A when predicate with a registry name.
struct small_input {
  const char* name = "small_input";
  bool operator()(const vec4& x) const { return x.sum() < 10.0f; }
};

/// A fallback condition with a registry name: rejects an output with a negative element.
struct has_negative {
  const char* name = "has_negative";
  bool operator()(const vec4& y) const { return y.minCoeff() < 0.0f; }
};

/// A file that lives for the test: written on construction, removed on destruction.
struct temp_file {
  std::string path;
  temp_file(const std::string& name, std::string_view bytes)
      : path((std::filesystem::temp_directory_path() / name).string()) {
    write(bytes);
  }
  void write(std::string_view bytes) const {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  ~temp_file() { std::remove(path.c_str()); }
};

/// gain's registry name and parameters, over f32[8]: another registry entry under the same name.
struct gain8 {
  static constexpr std::string_view config_name = "gain";
  using input_type = vec8;
  using output_type = vec8;
  nlohmann::json config_params() const { return {{"k", 2.0f}}; }
  vec8 operator()(const vec8& x) const { return x; }
};

/// A registry that knows every leaf above (file_weights excepted: it is no registered kind).
weft::registry leaf_registry() {
  weft::registry reg;
  reg.add<gain>("gain", [](const nlohmann::json& p) { return gain{p.at("k").get<float>()}; });
  reg.add<shift>("shift", [](const nlohmann::json&) { return shift{}; });
  reg.add<gate2>("gate2", [](const nlohmann::json&) { return gate2{}; });
  reg.add_predicate("small_input", [](const weft::config::value& v) { return std::get<Eigen::VectorXf>(v).sum() < 10.0f; });
  reg.add_condition("has_negative",
                    [](const weft::config::value& v) { return std::get<Eigen::VectorXf>(v).minCoeff() < 0.0f; });
  return reg;
}

/// Inputs that reach every branch of the pipelines below (small and large sums, either order).
std::vector<vec4> round_trip_inputs() {
  return {vec4(0.1f, -0.4f, 1.5f, 0.0f), vec4(3.0f, 1.0f, 2.0f, 9.0f), vec4(-2.0f, 5.0f, 0.25f, -1.0f),
          vec4::Zero(), vec4(100.0f, -100.0f, 7.0f, 0.5f)};
}

/// Loads to_json(typed) with leaf_registry() and checks: the same answers on every input, the same
/// JSON back, the same fingerprint.
template <class In, class Out, class P>
void check_round_trip(const P& typed) {
  const weft::registry reg = leaf_registry();
  const nlohmann::json j = weft::to_json(typed);
  const auto loaded = weft::load_pipeline<In, Out>(reg, j);
  for (const vec4& x : round_trip_inputs()) {
    const Out a = typed(x);
    const Out b = loaded(x);
    REQUIRE(a.size() == b.size());
    for (Eigen::Index i = 0; i < a.size(); ++i) CHECK(a[i] == b[i]);
  }
  CHECK(weft::to_json(loaded) == j);
  CHECK(weft::fingerprint(loaded) == weft::fingerprint(typed));
}

std::string hex_sha256(std::string_view text) { return weft::detail::sha256().update(text).finish().to_string(); }

using weft::operator|;

}  // namespace

TEST_CASE("sha256: the FIPS 180-2 test vectors, through libcrypto") {
  CHECK(hex_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Updates in pieces hash as one message.
  CHECK(weft::detail::sha256().update("a").update("").update("bc").finish().to_string() == hex_sha256("abc"));
}

TEST_CASE("to_json: a sequence of leaves, adapters and names") {
  auto p = weft::named("front", gain{3.0f}) | shift{} | weft::cast<double> | weft::cast<float> | weft::softmax;
  const nlohmann::json expected = nlohmann::json::parse(R"({"stages": [
      {"model": "gain", "params": {"k": 3.0}, "name": "front"},
      {"model": "shift", "params": {}},
      {"cast": "f64"}, {"cast": "f32"}, {"softmax": {}}]})");
  CHECK(weft::to_json(p) == expected);
}

TEST_CASE("to_json: a single model is the one stage of the root sequence") {
  CHECK(weft::to_json(shift{}) == nlohmann::json::parse(R"({"stages": [{"model": "shift", "params": {}}]})"));
}

TEST_CASE("to_json: fan_out + concat, reshape, argmax, normalize") {
  auto p = weft::fan_out(gain{}, shift{}) | weft::concat | weft::reshape<2, 4> | weft::reshape<8> |
           weft::normalize | weft::argmax;
  const nlohmann::json expected = nlohmann::json::parse(R"({"stages": [
      {"fan_out": [{"model": "gain", "params": {"k": 2.0}}, {"model": "shift", "params": {}}],
       "merge": "concat"},
      {"reshape": [2, 4]}, {"reshape": [8]}, {"normalize": {}}, {"argmax": {}}]})");
  CHECK(weft::to_json(p) == expected);
}

TEST_CASE("to_json: ensemble with each reducer, weights written") {
  CHECK(weft::to_json(weft::ensemble(weft::mean, gain{}, shift{}))["stages"][0]["reducer"] == "mean");
  CHECK(weft::to_json(weft::ensemble(weft::vote, gain{}, shift{}))["stages"][0]["reducer"] == "vote");
  CHECK(weft::to_json(weft::ensemble(weft::max, gain{}, shift{}))["stages"][0]["reducer"] == "max");
  CHECK(weft::to_json(weft::ensemble(weft::median, gain{}, shift{}))["stages"][0]["reducer"] == "median");
  const nlohmann::json w = weft::to_json(weft::ensemble(weft::weighted(0.25, 0.75), gain{}, shift{}));
  CHECK(w == nlohmann::json::parse(R"({"stages": [{"ensemble": [{"model": "gain", "params": {"k": 2.0}},
      {"model": "shift", "params": {}}], "reducer": "weighted", "weights": [0.25, 0.75]}]})"));
}

TEST_CASE("to_json: fallback with conditions, route, when, retry, nested sequence") {
  auto fb = weft::fallback(gain{}, shift{}).when(weft::non_finite).when(weft::below_confidence(0.7));
  CHECK(weft::to_json(fb) == nlohmann::json::parse(R"({"stages": [{"fallback": [
      {"model": "gain", "params": {"k": 2.0}}, {"model": "shift", "params": {}}],
      "when": ["non_finite", {"below_confidence": 0.7}]}]})"));
  CHECK(weft::to_json(weft::fallback(gain{}, shift{}))["stages"][0]["when"] == nlohmann::json::array());

  auto r = weft::route(weft::top1, gate2{}, gain{}, shift{});
  CHECK(weft::to_json(r) == nlohmann::json::parse(R"({"stages": [{"route": [
      {"model": "gain", "params": {"k": 2.0}}, {"model": "shift", "params": {}}],
      "gate": {"model": "gate2", "params": {}}, "top_k": 1}]})"));

  auto w = weft::when(small_input{}, gain{}, weft::sequence(shift{}, shift{}));
  CHECK(weft::to_json(w) == nlohmann::json::parse(R"({"stages": [{"when": "small_input",
      "then": {"model": "gain", "params": {"k": 2.0}},
      "else": {"stages": [{"model": "shift", "params": {}}, {"model": "shift", "params": {}}]}}]})"));

  auto rt = weft::retry(gain{}, weft::attempts(3)) | shift{};
  CHECK(weft::to_json(rt)["stages"][0] ==
        nlohmann::json::parse(R"({"retry": {"model": "gain", "params": {"k": 2.0}}, "attempts": 3,
                                      "retry_on": ["any"]})"));
}

TEST_CASE("to_json: a file-backed model is {kind: path}; its default name (the file's) is not written") {
  auto p = file_weights{"/models/w.bin"} | shift{};
  CHECK(weft::to_json(p)["stages"][0] == nlohmann::json::parse(R"({"weights": "/models/w.bin"})"));
}

// The known answer: this digest is checked by the dev (g++ 12) and the clang (clang++ 14) builds of
// this same file, so the two compilers must serialise the pipeline identically. It changes only
// when the serialisation (weft fingerprint 1) changes: then both presets fail until it is updated.
TEST_CASE("fingerprint: a known answer, the same from g++ and clang++") {
  auto p = weft::named("front", gain{3.0f}) | weft::fan_out(shift{}, gain{}) | weft::concat | weft::reshape<2, 4> |
           weft::reshape<8> | weft::softmax;
  const weft::digest d = weft::fingerprint(p);
  CHECK(d.to_string().size() == 64);
  CHECK(d.to_string() == "689210e8fa834b43a273d95bba24f7246ea09826d82cc7ada17e9128ebb17bd3");
  // What was hashed, written out (docs/config.md, "Fingerprints"): keys sorted, no whitespace.
  const std::string serialised =
      "weft fingerprint 1\n"
      "signature f32[4] -> f32[8]\n"
      "structure {\"stages\":[{\"model\":\"gain\",\"name\":\"front\",\"params\":{\"k\":3.0}},"
      "{\"fan_out\":[{\"model\":\"shift\",\"params\":{}},{\"model\":\"gain\",\"params\":{\"k\":2.0}}],"
      "\"merge\":\"concat\"},{\"reshape\":[2,4]},{\"reshape\":[8]},{\"softmax\":{}}]}\n"
      "leaf model \"gain\" f32[4] -> f32[4]\n"
      "leaf model \"gain\" f32[4] -> f32[4]\n"
      "leaf model \"shift\" f32[4] -> f32[4]\n";
  CHECK(d.to_string() == hex_sha256(serialised));
}

TEST_CASE("fingerprint: thresholds, weights, order, names, parameters and files change it") {
  const auto base = weft::fingerprint(weft::ensemble(weft::weighted(0.25, 0.75), gain{}, shift{}));
  CHECK(base == weft::fingerprint(weft::ensemble(weft::weighted(0.25, 0.75), gain{}, shift{})));
  CHECK(base != weft::fingerprint(weft::ensemble(weft::weighted(0.5, 0.5), gain{}, shift{})));    // weight
  CHECK(base != weft::fingerprint(weft::ensemble(weft::weighted(0.25, 0.75), shift{}, gain{})));  // order
  CHECK(base != weft::fingerprint(weft::ensemble(weft::weighted(0.25, 0.75), gain{2.5f}, shift{})));  // param
  CHECK(base != weft::fingerprint(weft::ensemble(weft::mean, gain{}, shift{})));                  // reducer

  auto fb = [](double p) { return weft::fallback(gain{}, shift{}).when(weft::below_confidence(p)); };
  CHECK(weft::fingerprint(fb(0.7)) == weft::fingerprint(fb(0.7)));
  CHECK(weft::fingerprint(fb(0.7)) != weft::fingerprint(fb(0.75)));  // threshold
  CHECK(weft::fingerprint(gain{} | shift{}) != weft::fingerprint(shift{} | gain{}));
  CHECK(weft::fingerprint(gain{} | shift{}) != weft::fingerprint(weft::named("g", gain{}) | shift{}));
  CHECK(weft::fingerprint(weft::retry(gain{}, weft::attempts(2))) !=
        weft::fingerprint(weft::retry(gain{}, weft::attempts(3))));

  // Content addressing: the file's bytes count, not its path.
  temp_file a("weft_fingerprint_a.bin", "weights v1");
  temp_file b("weft_fingerprint_b.bin", "weights v1");
  const auto with_a = weft::fingerprint(file_weights{a.path} | shift{});
  CHECK(with_a == weft::fingerprint(file_weights{b.path} | shift{}));
  b.write("weights v2");
  CHECK(with_a != weft::fingerprint(file_weights{b.path} | shift{}));
  a.write("weights v1 ");  // one byte more
  CHECK(with_a != weft::fingerprint(file_weights{a.path} | shift{}));
}

TEST_CASE("fingerprint: the spec text counts (a registry entry's specs), the execution policy does not") {
  CHECK(weft::to_json(gain{}) == weft::to_json(gain8{}));
  CHECK(weft::fingerprint(gain{}) != weft::fingerprint(gain8{}));
  CHECK(weft::fingerprint(weft::fan_out(weft::par, gain{}, shift{}) | weft::concat) ==
        weft::fingerprint(weft::fan_out(gain{}, shift{}) | weft::concat));
}

TEST_CASE("round trip: a sequence of registered models and adapters, loaded from its to_json") {
  check_round_trip<vec4, vec4>(weft::named("front", gain{3.0f}) | shift{} | weft::cast<double> | weft::cast<float> |
                               weft::softmax);
  check_round_trip<vec4, vec4>(gain{0.5f} | shift{} | weft::normalize);
  check_round_trip<vec4, vec4>(shift{});
  check_round_trip<vec4, vec4>(gain{} | weft::reshape<2, 2> | weft::reshape<4> | weft::sequence(shift{}, gain{}));
  using index = Eigen::Matrix<std::int64_t, 1, 1>;
  check_round_trip<vec4, index>(gain{-1.0f} | shift{} | weft::argmax);
}

TEST_CASE("round trip: each combinator kind, loaded from its to_json") {
  check_round_trip<vec4, vec8>(weft::fan_out(gain{}, shift{}) | weft::concat | weft::softmax);
  check_round_trip<vec4, vec4>(weft::ensemble(weft::mean, gain{}, shift{}, gain{-0.5f}));
  check_round_trip<vec4, vec4>(weft::ensemble(weft::weighted(0.25, 0.75), gain{}, shift{}));
  check_round_trip<vec4, vec4>(weft::ensemble(weft::max, gain{}, shift{}));
  check_round_trip<vec4, vec4>(weft::ensemble(weft::median, gain{}, shift{}, gain{-1.0f}, gain{0.5f}));
  check_round_trip<vec4, vec4>(weft::ensemble(weft::vote, gain{}, shift{}, gain{-1.0f}) | weft::softmax);
  const auto ones = weft::sequence(gain{0.0f}, shift{});  // always passes the conditions below
  check_round_trip<vec4, vec4>(
      weft::fallback(gain{-1.0f}, shift{}, ones).when(weft::non_finite).when(has_negative{}));
  check_round_trip<vec4, vec4>(weft::fallback(shift{} | weft::softmax, ones).when(weft::below_confidence(0.5)));
  check_round_trip<vec4, vec4>(weft::route(weft::top1, gate2{}, gain{}, shift{}));
  check_round_trip<vec4, vec4>(weft::route(weft::top_k<2>, gate2{}, gain{}, shift{}));
  check_round_trip<vec4, vec4>(weft::when(small_input{}, gain{}, shift{} | shift{}));
  check_round_trip<vec4, vec4>(weft::retry(gain{}, weft::attempts(3)) | shift{});
  // Nested: an ensemble of a fallback and a route, named, inside a sequence.
  check_round_trip<vec4, vec4>(
      shift{} | weft::named("mix", weft::ensemble(weft::mean, weft::fallback(gain{-1.0f}, ones).when(has_negative{}),
                                                  weft::route(weft::top1, gate2{}, gain{}, shift{}))) |
      weft::normalize);
}

TEST_CASE("round trip: a loaded pipeline inside a typed one") {
  const weft::registry reg = leaf_registry();
  const auto loaded = weft::load_pipeline<vec4, vec4>(reg, weft::to_json(gain{} | shift{}));
  auto mixed = shift{} | loaded;
  CHECK(weft::to_json(mixed) == nlohmann::json::parse(R"({"stages": [{"model": "shift", "params": {}},
      {"stages": [{"model": "gain", "params": {"k": 2.0}}, {"model": "shift", "params": {}}]}]})"));
  const auto reloaded = weft::load_pipeline<vec4, vec4>(reg, weft::to_json(mixed));
  CHECK(weft::fingerprint(reloaded) == weft::fingerprint(mixed));
  for (const vec4& x : round_trip_inputs()) CHECK(reloaded(x) == mixed(x));
}

TEST_CASE("fingerprint: an unreadable model file is a load_error naming it") {
  const std::string missing = (std::filesystem::temp_directory_path() / "weft_no_such_weights.bin").string();
  try {
    (void)weft::fingerprint(file_weights{missing});
    FAIL("no error");
  } catch (const weft::load_error& e) {
    CHECK(std::string(e.what()).find(missing) != std::string::npos);
  }
}
