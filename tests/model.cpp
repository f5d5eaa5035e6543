// Tests for weft/model.hpp: the model concept, model_traits, fn and named.
#include <weft/describe.hpp>
#include <weft/eigen.hpp>
#include <weft/model.hpp>
#include <weft/sequence.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

// named_static_buffer.cpp / named_buffer.cpp are ASan stack-use-after-return findings: that check is
// off unless asked for, so this test binary asks for it (the asan preset's ASAN_OPTIONS add to it).
#if defined(__SANITIZE_ADDRESS__)
#define WEFT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_TEST_ASAN 1
#endif
#endif
#ifdef WEFT_TEST_ASAN
extern "C" const char* __asan_default_options() { return "detect_stack_use_after_return=1"; }
#endif

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;
using vec2 = Eigen::Matrix<float, 2, 1>;

struct good {
  using input_type = vec4;
  using output_type = vec2;
  output_type operator()(const input_type& x) const { return x.head<2>(); }
};
struct declines {
  using input_type = vec4;
  using output_type = std::optional<vec4>;
  output_type operator()(const input_type& x) const { return x(0) > 0 ? output_type(x) : std::nullopt; }
};
struct branches {
  using input_type = vec4;
  using output_type = std::tuple<vec4, vec2>;
  output_type operator()(const input_type& x) const { return {x, x.head<2>()}; }
};
struct non_const_call {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) { return x; }
};
struct no_types {
  vec4 operator()(const vec4& x) const { return x; }
};
struct wrong_return {
  using input_type = vec4;
  using output_type = vec4;
  int operator()(const input_type&) const { return 0; }
};
struct input_not_tensor {
  using input_type = int;
  using output_type = vec4;
  output_type operator()(int) const { return vec4::Zero(); }
};

vec4 twice(const vec4& x) { return 2.0f * x; }
vec2 first_two(vec4 x) { return x.head<2>(); }

}  // namespace

// Truth table of the model concept.
static_assert(weft::model<good>);
static_assert(weft::model<declines>);
static_assert(weft::model<branches>);
static_assert(weft::model<std::reference_wrapper<good>>);
static_assert(!weft::model<non_const_call>);
static_assert(!weft::model<no_types>);
static_assert(!weft::model<wrong_return>);
static_assert(!weft::model<input_not_tensor>);
static_assert(!weft::model<int>);
static_assert(!weft::model<vec4>);
static_assert(weft::model_output<vec4>);
static_assert(weft::model_output<std::optional<vec4>>);
static_assert(weft::model_output<std::tuple<vec4, xt::xtensor<float, 1>>>);
static_assert(!weft::model_output<std::optional<int>>);
static_assert(std::is_same_v<weft::input_t<good>, vec4>);
static_assert(std::is_same_v<weft::output_t<std::reference_wrapper<good>>, vec2>);

TEST_CASE("fn<In, Out> turns a lambda into a model; an empty lambda takes no space") {
  auto relu = weft::fn<vec4, vec4>([](const vec4& x) -> vec4 { return x.cwiseMax(0.0f); });
  static_assert(weft::model<decltype(relu)>);
  static_assert(std::is_empty_v<decltype(relu)>);
  const vec4 y = relu(vec4(-1, 2, -3, 4));
  CHECK(y(0) == 0.0f);
  CHECK(y(1) == 2.0f);
  CHECK(y(3) == 4.0f);
}

TEST_CASE("fn deduces types from a function pointer and from a non-generic lambda") {
  auto a = weft::fn(&twice);
  static_assert(std::is_same_v<decltype(a)::input_type, vec4>);
  static_assert(std::is_same_v<decltype(a)::output_type, vec4>);
  CHECK(a(vec4::Ones())(2) == 2.0f);
  auto b = weft::fn(&first_two);  // takes its input by value
  static_assert(std::is_same_v<decltype(b)::input_type, vec4>);
  static_assert(std::is_same_v<decltype(b)::output_type, vec2>);
  CHECK(b(vec4(5, 6, 7, 8))(1) == 6.0f);
  float scale = 3.0f;
  auto c = weft::fn([scale](const xt::xtensor<float, 1>& x) -> xt::xtensor<float, 1> { return x * scale; });
  static_assert(std::is_same_v<decltype(c)::input_type, xt::xtensor<float, 1>>);
  const xt::xtensor<float, 1> x = {1.0f, 2.0f};
  CHECK(c(x)(1) == 6.0f);
}

TEST_CASE("named gives a model a run-time name; model_traits reads it") {
  auto n = weft::named("encoder", good{});
  static_assert(weft::model<decltype(n)>);
  CHECK(weft::model_traits<decltype(n)>::name(n) == "encoder");
  CHECK(weft::model_traits<decltype(n)>::given_name(n) == "encoder");
  CHECK(n(vec4(1, 2, 3, 4))(1) == 2.0f);
  CHECK(weft::model_traits<good>::given_name(good{}).empty());
  CHECK(weft::model_traits<good>::name(good{}).find("good") != std::string_view::npos);
}

namespace {
struct thrower4 {
  using input_type = vec4;
  using output_type = vec4;
  vec4 operator()(const vec4&) const { throw weft::shape_error("f32[4]", "f32[5]"); }
};

/// A pipeline whose stage is named from a local buffer that dies when this returns (named_buffer.cpp).
auto pipeline_named_from_local_buffer(const char* cfg_name) {
  char buf[16] = {};
  std::strncpy(buf, cfg_name, sizeof buf - 1);  // a name read from a config file
  using weft::operator|;
  return weft::fn([](const vec4& v) -> vec4 { return v; }) | weft::named(buf, thrower4{});
}

std::string what_of(const auto& pipeline) {
  try {
    (void)pipeline(vec4::Zero());
  } catch (const weft::error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("named takes a string_view or a std::string too, and owns a copy") {
  std::string name = "a name longer than the small-string buffer";
  auto n = weft::named(name, good{});
  name.assign(name.size(), 'x');
  CHECK(n.name == "a name longer than the small-string buffer");
  auto v = weft::named(std::string_view("cut\0here", 8), good{});
  CHECK(v.name == "cut");
  const char* p = "pointer";
  CHECK(weft::named(p, good{}).name == "pointer");
  char full[3] = {'a', 'b', 'c'};  // no NUL: taken whole, never read past
  CHECK(weft::named(full, good{}).name == "abc");
}

// Regression test for /work/shared/repro/named_buffer.cpp: the name was a view of a local buffer
// (ASan stack-use-after-return, asan preset).
TEST_CASE("a name from a local buffer survives the buffer") {
  const auto p = pipeline_named_from_local_buffer("encoder");
  CHECK(what_of(p) == "weft: shape_error at sequence[1] \"encoder\": expected f32[4], got f32[5]");
  auto heap = std::make_unique<char[]>(32);
  std::strcpy(heap.get(), "from the heap");
  auto n = weft::named(std::string_view(heap.get()), good{});
  heap.reset();
  CHECK(weft::model_traits<decltype(n)>::given_name(n) == "from the heap");
}

// Regression test for /work/shared/repro/named_static_buffer.cpp: a long-lived buffer's trailing NULs
// were part of the name, so what() stopped at the name and describe() held NUL bytes.
TEST_CASE("a name is cut at the first NUL of its buffer") {
  static char buf[16];
  std::strcpy(buf, "encoder");
  using weft::operator|;
  auto p = weft::fn([](const vec4& v) -> vec4 { return v; }) | weft::named(buf, thrower4{});
  const std::string w = what_of(p);
  CHECK(std::count(w.begin(), w.end(), '\0') == 0);
  CHECK(w == "weft: shape_error at sequence[1] \"encoder\": expected f32[4], got f32[5]");
  const std::string d = weft::describe(p);
  CHECK(std::count(d.begin(), d.end(), '\0') == 0);
  CHECK(d.find("[1] \"encoder\" thrower4: f32[4] -> f32[4]") != std::string::npos);
}

TEST_CASE("named is a wrapper: model_traits sees through a wrapper without a name of its own") {
  auto n = weft::named("outer", weft::named("inner", good{}));
  static_assert(weft::detail::wrapper<decltype(n)>);
  static_assert(std::is_same_v<weft::detail::see_through_t<decltype(n)>, good>);
  CHECK(weft::model_traits<decltype(n)>::given_name(n) == "outer");
  CHECK(&weft::detail::see_through(n) == &n.model.model);
  good g;
  auto r = weft::named("borrowed", std::ref(g));
  CHECK(&weft::detail::see_through(r) == &g);
}

TEST_CASE("a model that may decline returns an empty optional") {
  declines d;
  CHECK(d(vec4(1, 0, 0, 0)).has_value());
  CHECK_FALSE(d(vec4(-1, 0, 0, 0)).has_value());
}
