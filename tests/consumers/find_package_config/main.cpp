// Loads a one-stage pipeline from JSON through an installed weft::config, runs it, and checks its
// fingerprint against libcrypto's SHA-256 (the "abc" test vector first).
#include <weft/config.hpp>
#include <weft/eigen.hpp>
#include <weft/fingerprint.hpp>

#include <cstdio>
#include <string_view>

namespace {

/// A registered leaf: x * 2.
struct twice {
  static constexpr std::string_view config_name = "twice";
  using input_type = Eigen::Matrix<float, 4, 1>;
  using output_type = Eigen::Matrix<float, 4, 1>;
  output_type operator()(const input_type& x) const { return 2.0f * x; }
};

}  // namespace

int main() {
  using v4 = Eigen::Matrix<float, 4, 1>;
  weft::registry reg;
  reg.add<twice>("twice", [](const nlohmann::json&) { return twice{}; });
  const auto p = weft::load_pipeline<v4, v4>(reg, weft::parse_config(R"({"stages": [{"model": "twice"}]})"));
  const v4 y = p(v4(1.0f, 2.0f, 3.0f, 4.0f));
  const bool answers = y == v4(2.0f, 4.0f, 6.0f, 8.0f);
  const bool abc = weft::detail::sha256().update("abc").finish().to_string() ==
                   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  const bool same = weft::fingerprint(p) == weft::fingerprint(twice{});
  std::printf("config: answers %s, sha256 %s, fingerprint %s (%s)\n", answers ? "ok" : "WRONG", abc ? "ok" : "WRONG",
              same ? "ok" : "WRONG", weft::fingerprint(p).to_string().c_str());
  return answers && abc && same ? 0 : 1;
}
