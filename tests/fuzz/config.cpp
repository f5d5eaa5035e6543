// tests/fuzz/config.cpp - fuzzes weft::load_pipeline: arbitrary bytes as JSON.
//
// Each input is parsed (weft::parse_config) and loaded with a registry of a few small models (no
// runtime files) as a pipeline f32[?] -> f32[?]. Properties:
//   - loading either succeeds or throws weft::config_error: any other exception escaping is a
//     finding (FUZZ_CHECK aborts), as is a crash, a leak or a sanitizer report;
//   - a loaded pipeline called on a few inputs answers or throws a weft::error (a shape_error when
//     the input does not fit, a model's error) and nothing else;
//   - its canonical JSON (weft::to_json) loads again, to the same canonical JSON and the same
//     weft::fingerprint (the canonical form is a fixed point).
// Seeds: tests/fuzz/corpus/config/ (valid pipelines of each kind, a few broken ones).
#include <weft/config.hpp>
#include <weft/eigen.hpp>
#include <weft/fingerprint.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <variant>

#include "fuzz_support.hpp"

namespace {

using vecf = Eigen::VectorXf;
using vec4 = Eigen::Matrix<float, 4, 1>;
using vec2 = Eigen::Matrix<float, 2, 1>;

/// x * k + b (params "k", "b"; a factory that reads a wrong type throws nlohmann's error).
struct affine {
  using input_type = vec4;
  using output_type = vec4;
  float k = 1.0f;
  float b = 0.0f;
  vec4 operator()(const vec4& x) const { return (x * k).array() + b; }
};

/// Any length in, its sum and its length out.
struct summary {
  using input_type = vecf;
  using output_type = vec2;
  vec2 operator()(const vecf& x) const { return vec2(x.sum(), static_cast<float>(x.size())); }
};

/// f32[2] -> f32[4], throwing weft::error when its input's first element is negative.
struct picky {
  using input_type = vec2;
  using output_type = vec4;
  vec4 operator()(const vec2& x) const {
    if (x(0) < 0.0f) throw weft::error("error", "picky: a negative input");
    return vec4(x(0), x(1), x(0) - x(1), 1.0f);
  }
};

/// f64 -> f64 of any length: doubles it.
struct twice64 {
  using input_type = Eigen::VectorXd;
  using output_type = Eigen::VectorXd;
  Eigen::VectorXd operator()(const Eigen::VectorXd& x) const { return 2.0 * x; }
};

const weft::registry& fuzz_registry() {
  static const weft::registry reg = [] {
    weft::registry r;
    r.add<affine>("affine", [](const nlohmann::json& p) {
      return affine{p.value("k", 1.0f), p.value("b", 0.0f)};
    });
    r.add<summary>("summary", [](const nlohmann::json&) { return summary{}; });
    r.add<picky>("picky", [](const nlohmann::json&) { return picky{}; });
    r.add<twice64>("twice64", [](const nlohmann::json&) { return twice64{}; });
    r.add_predicate("positive", [](const weft::config::value& v) {
      return std::visit([](const auto& x) { return x.size() > 0 && x(0) > 0; }, v);
    });
    return r;
  }();
  return reg;
}

/// Loads j; a config_error is the expected failure (returns false); anything else aborts.
template <class F>
bool loads(F&& load, const char* what) {
  try {
    load();
    return true;
  } catch (const weft::config_error& e) {
    FUZZ_CHECK(std::string_view(e.what()).starts_with("weft: config_error"), "%s: config_error's what(): %s", what,
               e.what());
    return false;
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, "%s: %s escaped the loader: %s", what, typeid(e).name(), e.what());
  } catch (...) {
    FUZZ_CHECK(false, "%s: a non-std exception escaped the loader", what);
  }
  return false;
}

/// Calls p on x: answers, or throws a weft::error; anything else aborts.
template <class P>
void call(const P& p, const vecf& x) {
  try {
    (void)p(x);
  } catch (const weft::error&) {
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, "a call threw %s, not a weft::error: %s", typeid(e).name(), e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const weft::registry& reg = fuzz_registry();
  nlohmann::json j;
  if (!loads([&] { j = weft::parse_config(text); }, "parse")) return 0;
  std::optional<weft::configured_pipeline<vecf, vecf>> p;
  if (!loads([&] { p.emplace(weft::load_pipeline<vecf, vecf>(reg, j)); }, "load")) return 0;

  call(*p, vecf::Zero(4));
  call(*p, vecf::LinSpaced(4, -1.5f, 2.0f));
  call(*p, vecf::Ones(2));
  call(*p, vecf());

  const nlohmann::json canonical = weft::to_json(*p);
  std::optional<weft::configured_pipeline<vecf, vecf>> again;
  const bool reloaded = loads([&] { again.emplace(weft::load_pipeline<vecf, vecf>(reg, canonical)); }, "reload");
  FUZZ_CHECK(reloaded, "the canonical JSON does not load again: %s", canonical.dump().c_str());
  FUZZ_CHECK(weft::to_json(*again) == canonical, "the canonical JSON is no fixed point: %s -> %s",
             canonical.dump().c_str(), weft::to_json(*again).dump().c_str());
  FUZZ_CHECK(weft::fingerprint(*again) == weft::fingerprint(*p), "the fingerprint changed on reload: %s",
             canonical.dump().c_str());
  return 0;
}
