// Tests for weft/describe.hpp: signature, describe (exact text for nested pipelines) and to_dot
// (rendered by Graphviz's dot, which must be installed: scripts/setup installs it).
#include <weft/describe.hpp>
#include <weft/eigen.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

// Models live in a named namespace: describe shows a type's name without its namespaces, and an
// anonymous namespace is spelled differently by g++ and clang.
namespace describe_test {

using vec64 = Eigen::Matrix<float, 64, 1>;
using vec32 = Eigen::Matrix<float, 32, 1>;
using vec4 = Eigen::Matrix<float, 4, 1>;
using vecx = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using xvec4 = xt::xtensor_fixed<float, xt::xshape<4>>;
using xvec64 = xt::xtensor_fixed<float, xt::xshape<64>>;

struct scaler {
  using input_type = vec64;
  using output_type = vec64;
  output_type operator()(const input_type& x) const { return x * 2.0f; }
};
struct proj_a {  // views the shared input
  using input_type = Eigen::Map<const vec64>;
  using output_type = vec32;
  output_type operator()(const input_type& x) const { return x.head<32>(); }
};
struct proj_b {  // another backend: the input is copied
  using input_type = xvec64;
  using output_type = vec32;
  output_type operator()(const input_type& x) const {
    vec32 y;
    for (int i = 0; i < 32; ++i) y[i] = x[static_cast<std::size_t>(i)];
    return y;
  }
};
struct head_a {
  using input_type = vec64;
  using output_type = vec64;
  output_type operator()(const input_type& x) const { return x; }
};
struct xhead {  // returns xtensor: its output is copied to the ensemble's Eigen result
  using input_type = vec64;
  using output_type = xvec64;
  output_type operator()(const input_type& x) const {
    xvec64 y;
    for (std::size_t i = 0; i < 64; ++i) y[i] = x[static_cast<Eigen::Index>(i)];
    return y;
  }
};

struct fast {  // may decline
  using input_type = vec4;
  using output_type = std::optional<vec4>;
  output_type operator()(const input_type& x) const { return x; }
};
struct slow {  // takes a dynamic vector: the fixed input is copied into it
  using input_type = vecx;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x.head<4>(); }
};
struct xslow {  // answers in xtensor: copied into the fallback's Eigen result
  static constexpr std::string_view name = "backup";
  using input_type = vec4;
  using output_type = xvec4;
  output_type operator()(const input_type& x) const { return {x[0], x[1], x[2], x[3]}; }
};
struct widen {  // returns a dynamic vector: the next stage checks it at run time
  using input_type = vec4;
  using output_type = vecx;
  output_type operator()(const input_type& x) const { return x; }
};
inline const scaler scaler_instance{};
struct sum4 {  // a custom reducer
  vec4 operator()(const vec4& a, const vec4& b) const { return a + b; }
};

// A stage whose structure is known only at run time (as a configured stage): it describes itself
// with describe_tree(), a node of its own with one child joined by a copy.
struct runtime_stage {
  int depth = 1;  // run-time structure: that many "layer" children
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x; }
  weft::detail::describe_node describe_tree() const {
    weft::detail::describe_node n;
    n.what = "configured";
    n.in = "f32[4]";
    n.out = "f32[4]";
    n.combinator = true;
    n.links = true;
    n.split = "in";
    n.join = "out";
    for (int i = 0; i < depth; ++i) {
      weft::detail::describe_node layer;
      layer.what = "layer";
      layer.in = layer.out = "f32[?]";
      layer.index = static_cast<std::size_t>(i);
      layer.has_index = true;
      n.children.push_back(layer);
      n.bridge_in.push_back(i == 0 ? weft::detail::bridge_label{} : weft::detail::bridge_label{"copy", "eigen f32[?]", "xtensor f32[?]"});
      n.bridge_out.emplace_back();
    }
    return n;
  }
};

// The brief's first example: a sequence holding a named stage, fan_out | concat, and an ensemble.
inline auto first_pipeline() {
  return weft::named("encoder", scaler{}) | weft::fan_out(proj_a{}, proj_b{}) | weft::concat |
         weft::ensemble(weft::mean, head_a{}, xhead{}) | weft::softmax;
}

// A fallback with conditions, inside a sequence with a checked link and a cast.
inline auto second_pipeline() {
  auto guarded = weft::fallback(fast{}, slow{}, xslow{}).when(weft::non_finite).when(weft::below_confidence(0.7));
  return widen{} | weft::named("guarded", guarded) | weft::cast<double>;
}

}  // namespace describe_test

using namespace describe_test;

namespace {

std::string run_command(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return out;
  }
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  status = pclose(pipe);
  return out;
}

// Renders a dot graph with `dot -Tsvg`; fails (never skips) when dot is missing.
void check_renders(const std::string& dot) {
  int status = 0;
  run_command("command -v dot", status);
  REQUIRE_MESSAGE(status == 0, "Graphviz's dot is not on PATH: run scripts/setup (it installs graphviz)");
  char path[] = "/tmp/weft_describe_XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  FILE* f = fdopen(fd, "w");
  REQUIRE(f != nullptr);
  std::fwrite(dot.data(), 1, dot.size(), f);
  std::fclose(f);
  const std::string svg = run_command(std::string("dot -Tsvg ") + path + " 2>&1", status);
  std::remove(path);
  INFO(dot);
  INFO(svg);
  CHECK(status == 0);
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.find("Warning") == std::string::npos);
  CHECK(svg.find("Error") == std::string::npos);
}

}  // namespace

TEST_CASE("signature: input and output specs as text") {
  CHECK(weft::signature<scaler>() == "f32[64] -> f32[64]");
  CHECK(weft::signature<fast>() == "f32[4] -> f32[4]?");
  CHECK(weft::signature<slow>() == "f32[?] -> f32[4]");
  CHECK(weft::signature<weft::fan_out<proj_a, proj_b>>() == "f32[64] -> (f32[32], f32[32])");
  CHECK(weft::signature<decltype(first_pipeline())>() == "f32[64] -> f32[64]");
  CHECK(weft::signature<decltype(second_pipeline())>() == "f32[4] -> f64[4]");
  const auto square = weft::fn([](const Eigen::Matrix3f& x) -> Eigen::Matrix3f { return x; });
  CHECK(weft::signature<decltype(square)>() == "f32[3,3] col-major -> f32[3,3] col-major");
}

TEST_CASE("describe: a sequence holding a named stage, fan_out | concat, and an ensemble") {
  const auto p = first_pipeline();
  CHECK(weft::describe(p) ==
        "sequence: f32[64] -> f32[64]\n"
        "  [0] \"encoder\" scaler: f32[64] -> f32[64]\n"
        "  [1] fan_out: f32[64] -> (f32[32], f32[32])\n"
        "    > view (eigen f32[64] -> eigen f32[64] view)\n"  // the fan_out bridges scaler's output to each branch
        "    [0] proj_a: f32[64] -> f32[32]\n"
        "    > copy (eigen f32[64] -> xtensor f32[64])\n"
        "    [1] proj_b: f32[64] -> f32[32]\n"
        "  [2] concat: (f32[32], f32[32]) -> f32[64]\n"
        "  [3] ensemble mean: f32[64] -> f32[64]\n"
        "    [0] head_a: f32[64] -> f32[64]\n"
        "    [1] xhead: f32[64] -> f32[64]\n"
        "    < copy (xtensor f32[64] -> eigen f32[64])\n"
        "  [4] softmax: f32[64] -> f32[64]\n");
}

TEST_CASE("describe: a named fallback with conditions, after a checked link") {
  const auto p = second_pipeline();
  CHECK(weft::describe(p) ==
        "sequence: f32[4] -> f64[4]\n"
        "  [0] widen: f32[4] -> f32[?]\n"
        "  | checked copy (eigen f32[?] -> eigen f32[4])\n"
        "  [1] \"guarded\" fallback when non_finite, below_confidence(0.7): f32[4] -> f32[4]\n"
        "    [0] fast: f32[4] -> f32[4]?\n"
        "    > copy (eigen f32[4] -> eigen f32[?])\n"
        "    [1] slow: f32[?] -> f32[4]\n"
        "    [2] \"backup\" xslow: f32[4] -> f32[4]\n"
        "    < copy (xtensor f32[4] -> eigen f32[4])\n"
        "  [2] cast<f64>: f32[4] -> f64[4]\n");
}

TEST_CASE("describe: nesting kept by weft::sequence, par, reducers, fn, reshape") {
  const auto relu = weft::fn([](const vec4& x) -> vec4 { return x.cwiseMax(0.0f); });
  const auto p = weft::sequence(relu, weft::sequence(weft::ensemble(weft::par, sum4{}, relu, std::ref(relu)),
                                                     weft::ensemble(weft::weighted(1.0, 2.0), relu, relu)),
                                weft::fallback(relu),
                                weft::fan_out(weft::par, relu, weft::ensemble(weft::median, relu, relu, relu)) |
                                    weft::concat | weft::reshape<2, 4>);
  CHECK(weft::describe(p) ==
        "sequence: f32[4] -> f32[2,4]\n"
        "  [0] fn: f32[4] -> f32[4]\n"
        "  [1] sequence: f32[4] -> f32[4]\n"
        "    [0] ensemble par custom: f32[4] -> f32[4]\n"
        "      [0] fn: f32[4] -> f32[4]\n"
        "      [1] fn: f32[4] -> f32[4]\n"
        "    [1] ensemble weighted: f32[4] -> f32[4]\n"
        "      [0] fn: f32[4] -> f32[4]\n"
        "      [1] fn: f32[4] -> f32[4]\n"
        "  [2] fallback: f32[4] -> f32[4]\n"
        "    [0] fn: f32[4] -> f32[4]\n"
        "  [3] sequence: f32[4] -> f32[2,4]\n"
        "    [0] fan_out par: f32[4] -> (f32[4], f32[4])\n"
        "      [0] fn: f32[4] -> f32[4]\n"
        "      [1] ensemble median: f32[4] -> f32[4]\n"
        "        [0] fn: f32[4] -> f32[4]\n"
        "        [1] fn: f32[4] -> f32[4]\n"
        "        [2] fn: f32[4] -> f32[4]\n"
        "    [1] concat: (f32[4], f32[4]) -> f32[8]\n"
        "    [2] reshape<2,4>: f32[8] -> f32[2,4]\n");
  check_renders(weft::to_dot(p));
}

TEST_CASE("describe: batched, a branch view, a lone model, a named root, a borrowed model") {
  const auto relu = weft::fn([](const vec4& x) -> vec4 { return x.cwiseMax(0.0f); });
  CHECK(weft::describe(weft::batched(relu)) ==
        "batched: f32[4,?] col-major -> f32[4,?] col-major\n"
        "  > copy (eigen f32[4,?] col-major -> eigen f32[4])\n"
        "  [0] fn: f32[4] -> f32[4]\n");
  check_renders(weft::to_dot(weft::batched(weft::named("relu", relu))));
  CHECK(weft::describe(weft::fan_out(head_a{}, proj_a{})) ==
        "fan_out: f32[64] -> (f32[64], f32[32])\n"
        "  [0] head_a: f32[64] -> f32[64]\n"
        "  > view (eigen f32[64] -> eigen f32[64] view)\n"
        "  [1] proj_a: f32[64] -> f32[32]\n");
  CHECK(weft::describe(scaler{}) == "scaler: f32[64] -> f32[64]\n");
  CHECK(weft::describe(weft::named("s", scaler{})) == "\"s\" scaler: f32[64] -> f32[64]\n");
  CHECK(weft::describe(std::ref(scaler_instance)) == "scaler: f32[64] -> f32[64]\n");
}

// The repro README: "describe prints f32[6] -> f32[6] on both sides of a copy, hiding which backend
// caused it". Each bridge names both sides' backends (and a view, a layout).
TEST_CASE("describe and to_dot name each side's backend on a bridge") {
  using xvec6 = xt::xtensor_fixed<float, xt::xshape<6>>;
  using vec6 = Eigen::Matrix<float, 6, 1>;
  const auto e = weft::fn([](const vec6& x) -> vec6 { return x; });
  const auto x = weft::fn([](const xvec6& v) -> xvec6 { return v; });
  using weft::operator|;
  const auto p = e | x;
  CHECK(weft::describe(p) ==
        "sequence: f32[6] -> f32[6]\n"
        "  [0] fn: f32[6] -> f32[6]\n"
        "  | copy (eigen f32[6] -> xtensor f32[6])\n"
        "  [1] fn: f32[6] -> f32[6]\n");
  CHECK(weft::to_dot(p).find("[label=\"copy\\neigen f32[6] -> xtensor f32[6]\"") != std::string::npos);
  using m23 = Eigen::Matrix<float, 2, 3>;
  using m23r = Eigen::Matrix<float, 2, 3, Eigen::RowMajor>;
  const auto layouts = weft::fn([](const m23& v) -> m23 { return v; }) | weft::fn([](const m23r& v) -> m23r { return v; });
  CHECK(weft::describe(layouts).find("| copy (eigen f32[2,3] col-major -> eigen f32[2,3])\n") != std::string::npos);
}

TEST_CASE("to_dot: a Graphviz graph that dot renders") {
  const std::string first = weft::to_dot(first_pipeline());
  CHECK(first.rfind("digraph weft {\n  rankdir=LR;\n", 0) == 0);
  CHECK(first.find("subgraph cluster_0 {") != std::string::npos);
  CHECK(first.find("subgraph cluster_2 {") != std::string::npos);
  CHECK(first.find("[label=\"copy\\neigen f32[64] -> xtensor f32[64]\", color=\"#d62728\"") != std::string::npos);
  CHECK(first.find("[label=\"view\\neigen f32[64] -> eigen f32[64] view\"]") != std::string::npos);
  check_renders(first);
  const std::string second = weft::to_dot(second_pipeline());
  CHECK(second.find("[label=\"checked copy\\neigen f32[?] -> eigen f32[4]\", color=\"#d62728\", fontcolor=\"#d62728\", penwidth=2, style=dashed]") !=
        std::string::npos);
  CHECK(second.find("\\\"guarded\\\" fallback when non_finite") != std::string::npos);
  check_renders(second);
  check_renders(weft::to_dot(scaler{}));
}

TEST_CASE("describe and to_dot: a model with describe_tree() is the tree it returns, at any depth") {
  CHECK(weft::describe(runtime_stage{2}) ==
        "configured: f32[4] -> f32[4]\n"
        "  [0] layer: f32[?] -> f32[?]\n"
        "  | copy (eigen f32[?] -> xtensor f32[?])\n"
        "  [1] layer: f32[?] -> f32[?]\n");
  using weft::operator|;
  const auto p = widen{} | weft::named("cfg", runtime_stage{1});
  CHECK(weft::describe(p) ==
        "sequence: f32[4] -> f32[4]\n"
        "  [0] widen: f32[4] -> f32[?]\n"
        "  | checked copy (eigen f32[?] -> eigen f32[4])\n"
        "  [1] \"cfg\" configured: f32[4] -> f32[4]\n"
        "    [0] layer: f32[?] -> f32[?]\n");
  const std::string dot = weft::to_dot(p);
  CHECK(dot.find("label=\"[1] \\\"cfg\\\" configured\\nf32[4] -> f32[4]\"") != std::string::npos);
  check_renders(dot);
}
