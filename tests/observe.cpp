// Tests for weft/observe.hpp: the order, paths and specs of the events on a nested pipeline (sequence,
// ensemble, fan_out, fallback, named, shaped, an adapter, batched; route, when and retry), on_error
// on the failing stage and
// its enclosing ones, an observer's exception passing through unchanged, timing_table's counts and
// table, trace_json's structure (a small JSON checker, no library), and no_observer = the plain call.
#include <weft/batched.hpp>
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/fan_out.hpp>
#include <weft/observe.hpp>
#include <weft/retry.hpp>
#include <weft/route.hpp>
#include <weft/sequence.hpp>
#include <weft/shaped.hpp>
#include <weft/when.hpp>

#include <doctest/doctest.h>

#include <cctype>
#include <chrono>
#include <cstddef>
#include <exception>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;
using batch4 = Eigen::Matrix<float, 4, Eigen::Dynamic>;

struct scale {
  using input_type = vec4;
  using output_type = vec4;
  float k = 1.0f;
  int* calls = nullptr;
  vec4 operator()(const vec4& x) const {
    if (calls) ++*calls;
    return k * x;
  }
};
struct broken {  // a stage that fails with a weft error
  using input_type = vec4;
  using output_type = vec4;
  vec4 operator()(const vec4&) const { throw weft::shape_error("f32[4]", "f32[3]"); }
};
struct halves {  // takes the concatenated parts of a fan_out
  using input_type = Eigen::Matrix<float, 8, 1>;
  using output_type = vec4;
  vec4 operator()(const input_type& t) const { return t.head<4>() - t.tail<4>(); }
};

/// Writes every event as one line: "enter <path> : <specs>", "exit <path>", "error <path> : <what>".
struct recorder {
  std::vector<std::string> log;
  void on_enter(const weft::stage_event& e) { log.push_back("enter " + std::string(e.path) + " : " + std::string(e.specs)); }
  void on_exit(const weft::stage_event& e, std::chrono::nanoseconds d) {
    CHECK(d.count() >= 0);
    log.push_back("exit " + std::string(e.path));
  }
  void on_error(const weft::stage_event& e, std::chrono::nanoseconds, std::exception_ptr p) {
    std::string what;
    try {
      std::rethrow_exception(p);
    } catch (const weft::error& err) {
      what = "weft at " + err.path_text();
    } catch (const std::exception& err) {
      what = err.what();
    }
    log.push_back("error " + std::string(e.path) + " : " + what);
  }
};

/// Throws `thrown` from on_enter at stage `at`.
struct throwing_observer {
  std::string at;
  std::exception_ptr thrown;
  void on_enter(const weft::stage_event& e) {
    if (e.path == at) std::rethrow_exception(thrown);
  }
};

/// A gate giving fixed probabilities to three experts.
struct gate3 {
  using input_type = vec4;
  using output_type = Eigen::Matrix<float, 3, 1>;
  output_type p;
  output_type operator()(const vec4&) const { return p; }
};
struct dyn_scale {  // scale with a dynamic output: a when or route copies it into a vec4
  using input_type = vec4;
  using output_type = Eigen::VectorXf;
  float k = 1.0f;
  Eigen::VectorXf operator()(const vec4& x) const { return k * x; }
};
/// Fails (std::runtime_error "busy") on every other call, the first included; else returns x.
struct flaky {
  using input_type = vec4;
  using output_type = vec4;
  int* calls;
  vec4 operator()(const vec4& x) const {
    if ((*calls)++ % 2 == 0) throw std::runtime_error("busy");
    return x;
  }
};

vec4 ramp() { return vec4(1, 2, 3, 4); }

auto nested_pipeline(int* calls = nullptr) {
  return scale{2.0f} |
         weft::ensemble(weft::mean, scale{1.0f}, weft::named("fast", scale{3.0f})) |
         weft::fallback(broken{}, weft::shaped(scale{0.5f, calls}, weft::shape{4}, weft::shape{4})) |
         weft::fan_out(scale{1.0f}, scale{-1.0f}) | weft::concat | halves{};
}

// --- a small JSON checker: value := object | array | string | number | true | false | null ---
struct json_checker {
  std::string_view s;
  std::size_t i = 0;
  std::size_t objects = 0;
  void ws() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) return ++i, true;
    return false;
  }
  bool string() {
    if (!eat('"')) return false;
    while (i < s.size() && s[i] != '"') {
      if (static_cast<unsigned char>(s[i]) < 0x20) return false;
      if (s[i] == '\\') ++i;
      ++i;
    }
    return i < s.size() && s[i++] == '"';
  }
  bool number() {
    ws();
    const std::size_t start = i;
    if (i < s.size() && s[i] == '-') ++i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == 'e')) ++i;
    return i > start;
  }
  bool value() {
    ws();
    if (i >= s.size()) return false;
    if (s[i] == '{') {
      ++i;
      ++objects;
      if (eat('}')) return true;
      do {
        if (!string() || !eat(':') || !value()) return false;
      } while (eat(','));
      return eat('}');
    }
    if (s[i] == '[') {
      ++i;
      if (eat(']')) return true;
      do {
        if (!value()) return false;
      } while (eat(','));
      return eat(']');
    }
    if (s[i] == '"') return string();
    for (std::string_view word : {"true", "false", "null"})
      if (s.substr(i, word.size()) == word) return i += word.size(), true;
    return number();
  }
  bool whole() {
    const bool ok = value();
    ws();
    return ok && i == s.size();
  }
};

/// weft::observe(p, o) compiles for a P and an observer given as O (an rvalue when not a reference).
template <class P, class O>
concept observable_with = requires(const P& p, O&& o) { weft::observe(p, std::forward<O>(o)); };

std::size_t occurrences(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("events of a nested pipeline: enter/exit pairs in order, exact paths and specs") {
  const auto p = nested_pipeline();
  recorder r;
  const auto o = weft::observe(p, r);
  const vec4 y = o(ramp());
  CHECK(y.isApprox(p(ramp())));
  const std::string s = "f32[4] -> f32[4]";
  const std::vector<std::string> expected = {
      "enter  : " + s,
      "enter sequence[0] : " + s,
      "exit sequence[0]",
      "enter sequence[1] : " + s,
      "enter sequence[1] > ensemble[0] : " + s,
      "exit sequence[1] > ensemble[0]",
      "enter sequence[1] > ensemble[1] \"fast\" : " + s,
      "exit sequence[1] > ensemble[1] \"fast\"",
      "exit sequence[1]",
      "enter sequence[2] : " + s,
      "enter sequence[2] > fallback[0] : " + s,
      "error sequence[2] > fallback[0] : weft at fallback[0]",
      "enter sequence[2] > fallback[1] : " + s,
      "exit sequence[2] > fallback[1]",
      "exit sequence[2]",
      "enter sequence[3] : f32[4] -> (f32[4], f32[4])",
      "enter sequence[3] > fan_out[0] : " + s,
      "exit sequence[3] > fan_out[0]",
      "enter sequence[3] > fan_out[1] : " + s,
      "exit sequence[3] > fan_out[1]",
      "exit sequence[3]",
      "enter sequence[4] : (f32[4], f32[4]) -> f32[8]",
      "exit sequence[4]",
      "enter sequence[5] : f32[8] -> f32[4]",
      "exit sequence[5]",
      "exit ",
  };
  CHECK(r.log == expected);
}

TEST_CASE("a stage inside a shaped wrapper inside named is reported at its own path") {
  const auto inner = weft::sequence(scale{2.0f}, scale{3.0f});
  const auto p = weft::named("outer", weft::shaped(inner, weft::shape{4}, weft::shape{4}));
  recorder r;
  const auto o = weft::observe(p, r);
  CHECK(o(ramp()).isApprox(6 * ramp()));
  const std::vector<std::string> expected = {
      "enter  : f32[4] -> f32[4]",        "enter sequence[0] : f32[4] -> f32[4]", "exit sequence[0]",
      "enter sequence[1] : f32[4] -> f32[4]", "exit sequence[1]",                  "exit ",
  };
  CHECK(r.log == expected);
}

TEST_CASE("batched reports one event per batch, not one per sample") {
  const auto p = weft::batched(weft::sequence(scale{2.0f}, scale{3.0f}));
  recorder r;
  const auto o = weft::observe(p, r);
  const batch4 x = batch4::Random(4, 5);
  CHECK(o(x).isApprox(p(x)));
  const std::vector<std::string> expected = {
      "enter  : f32[4,?] col-major -> f32[4,?] col-major",
      "enter batched[*] : f32[4] -> f32[4]",
      "exit batched[*]",
      "exit ",
  };
  CHECK(r.log == expected);
}

TEST_CASE("on_error: the failing stage, then each enclosing stage; the caller's error is the plain one") {
  const auto p = weft::sequence(scale{2.0f}, weft::sequence(scale{1.0f}, broken{}));
  recorder r;
  const auto o = weft::observe(p, r);
  std::string observed_path, plain_path;
  try {
    (void)o(ramp());
  } catch (const weft::shape_error& e) {
    observed_path = e.path_text();
  }
  try {
    (void)p(ramp());
  } catch (const weft::shape_error& e) {
    plain_path = e.path_text();
  }
  CHECK(plain_path == "sequence[1] > sequence[1]");
  CHECK(observed_path == plain_path);
  const std::vector<std::string> expected = {
      "enter  : f32[4] -> f32[4]",
      "enter sequence[0] : f32[4] -> f32[4]",
      "exit sequence[0]",
      "enter sequence[1] : f32[4] -> f32[4]",
      "enter sequence[1] > sequence[0] : f32[4] -> f32[4]",
      "exit sequence[1] > sequence[0]",
      "enter sequence[1] > sequence[1] : f32[4] -> f32[4]",
      "error sequence[1] > sequence[1] : weft at sequence[1]",
      "error sequence[1] : weft at sequence[1] > sequence[1]",
      "error  : weft at sequence[1] > sequence[1]",
  };
  CHECK(r.log == expected);
}

TEST_CASE("an observer's exception passes through unchanged (no segment, no fallback) and changes no model") {
  int slow_calls = 0;
  const auto p = weft::sequence(scale{2.0f}, weft::fallback(scale{1.0f}, scale{5.0f, &slow_calls}));
  const vec4 before = p(ramp());
  SUBCASE("a weft::error from on_enter inside a fallback branch: the same object, no path, branch 1 not tried") {
    const std::exception_ptr thrown = std::make_exception_ptr(weft::shape_error("f32[1]", "f32[2]"));
    throwing_observer t{"sequence[1] > fallback[0]", thrown};
    const auto o = weft::observe(p, t);
    std::exception_ptr caught;
    std::string path = "(none)";
    try {
      (void)o(ramp());
    } catch (const weft::shape_error& e) {
      caught = std::current_exception();
      path = e.path_text();
    }
    CHECK(caught == thrown);
    CHECK(path.empty());
    CHECK(slow_calls == 0);
  }
  SUBCASE("an int from on_enter of the whole pipeline") {
    throwing_observer t{"", std::make_exception_ptr(7)};
    const auto o = weft::observe(p, t);
    CHECK_THROWS_AS((void)o(ramp()), int);
  }
  SUBCASE("from on_exit of a stage that answered") {
    struct exit_thrower {
      void on_exit(const weft::stage_event& e, std::chrono::nanoseconds) {
        if (e.path == "sequence[0]") throw std::runtime_error("observer");
      }
    } t;
    const auto o = weft::observe(p, t);
    CHECK_THROWS_WITH_AS((void)o(ramp()), "observer", std::runtime_error);
    CHECK(slow_calls == 0);
  }
  CHECK(p(ramp()).isApprox(before));
  recorder r;
  CHECK(weft::observe(p, r)(ramp()).isApprox(before));
}

TEST_CASE("timing_table: one row per stage path with its count, in the order first entered") {
  const auto p = nested_pipeline();
  weft::timing_table t;
  const auto o = weft::observe(p, t);
  for (int i = 0; i < 7; ++i) (void)o(ramp());
  const auto rows = t.rows();
  REQUIRE(rows.size() == 13);
  CHECK(rows[0].path.empty());
  CHECK(rows[1].path == "sequence[0]");
  CHECK(rows[2].path == "sequence[1]");
  CHECK(rows[3].path == "sequence[1] > ensemble[0]");
  for (const auto& row : rows) {
    CAPTURE(row.path);
    if (row.path == "sequence[2] > fallback[0]") {
      CHECK(row.count == 0);
      CHECK(row.errors == 7);
    } else {
      CHECK(row.count == 7);
      CHECK(row.errors == 0);
      CHECK(row.p50 <= row.p99);
      CHECK(row.p50.count() > 0);
    }
  }
  CHECK(rows[0].mean >= rows[1].mean);  // the whole pipeline takes at least as long as a stage
  std::ostringstream os;
  os << t;
  const std::string text = os.str();
  CHECK(text.rfind("stage", 0) == 0);
  CHECK(text.find("(pipeline)") != std::string::npos);
  CHECK(text.find("sequence[1] > ensemble[1] \"fast\"") != std::string::npos);
  CHECK(occurrences(text, "\n") == 14);
  t.clear();
  CHECK(t.rows().empty());
  CHECK(weft::timing_table::duration_text(std::chrono::nanoseconds(850)) == "850 ns");
  CHECK(weft::timing_table::duration_text(std::chrono::microseconds(12)) == "12 us");
  CHECK(weft::timing_table::duration_text(std::chrono::nanoseconds(4'560'000)) == "4.56 ms");
}

TEST_CASE("trace_json: valid JSON, one complete event per stage call, names are paths") {
  const auto p = nested_pipeline();
  weft::trace_json t;
  const auto o = weft::observe(p, t);
  (void)o(ramp());
  (void)o(ramp());
  const std::string json = t.json();
  json_checker c{json};
  CHECK(c.whole());
  CHECK(json.rfind("{\"traceEvents\":[{", 0) == 0);
  CHECK(c.objects == 1 + 2 * 13 * 2);  // the file, then per event itself and its args, 13 stages per call
  CHECK(occurrences(json, "\"ph\":\"X\"") == 26);
  CHECK(occurrences(json, "\"name\":\"(pipeline)\"") == 2);
  CHECK(occurrences(json, "\"name\":\"sequence[1] > ensemble[1] \\\"fast\\\"\"") == 2);
  CHECK(occurrences(json, "\"error\":") == 2);  // fallback[0], twice
  CHECK(occurrences(json, "\"tid\":1,") == 26);
  CHECK(occurrences(json, "\"ts\":") == 26);
  CHECK(occurrences(json, "\"dur\":") == 26);
}

TEST_CASE("no_observer: the same result, nothing stored beside the model; describe sees through") {
  const auto p = nested_pipeline();
  const auto off = weft::observe(p, weft::no_observer);
  CHECK(sizeof(off) == sizeof(p));
  CHECK(off(ramp()) == p(ramp()));
  static_assert(std::is_same_v<weft::input_t<decltype(off)>, vec4>);
  CHECK(weft::describe(off) == weft::describe(p));
  recorder r;
  const auto on = weft::observe(p, r);
  CHECK(on(ramp()) == p(ramp()));
  CHECK(weft::get<0>(on).k == 2.0f);
}

TEST_CASE("what an observer is; a temporary observer is refused") {
  static_assert(weft::observer<weft::timing_table> && weft::observer<weft::trace_json> && weft::observer<recorder>);
  static_assert(!weft::observer<int> && !weft::observer<const weft::timing_table>);
  const auto p = weft::sequence(scale{2.0f});
  static_assert(!observable_with<decltype(p), weft::timing_table>);  // an rvalue observer
  static_assert(observable_with<decltype(p), weft::timing_table&>);
  CHECK(weft::observe(p, weft::no_observer)(ramp()).isApprox(2 * ramp()));
}

TEST_CASE("an observed model nests as a stage; an Eigen expression is accepted as for the model") {
  recorder inner_log, outer_log;
  const auto inner = weft::observe(weft::sequence(scale{2.0f}, scale{3.0f}), inner_log);
  const auto outer = weft::observe(weft::sequence(scale{1.0f}, inner), outer_log);
  CHECK(outer(2 * ramp()).isApprox(12 * ramp()));
  CHECK(inner_log.log.size() == 6);
  const std::vector<std::string> expected = {
      "enter  : f32[4] -> f32[4]",        "enter sequence[0] : f32[4] -> f32[4]", "exit sequence[0]",
      "enter sequence[1] : f32[4] -> f32[4]", "exit sequence[1]",                  "exit ",
  };
  CHECK(outer_log.log == expected);
}

TEST_CASE("route (top1, top_k<2>), when (both branches) and retry: exact events, once per attempt") {
  int flaky_calls = 0;
  const auto first_positive = [](const vec4& x) { return x(0) > 0; };
  const auto first_negative = [](const vec4& x) { return x(0) < 0; };
  const auto p = weft::sequence(
      weft::route(weft::top1, gate3{{0.1f, 0.7f, 0.2f}}, scale{1.0f}, weft::named("big", scale{2.0f}), scale{3.0f}),
      weft::route(weft::top_k<2>, gate3{{0.5f, 0.1f, 0.4f}}, scale{1.0f}, scale{2.0f}, scale{3.0f}),
      weft::when(first_positive, scale{2.0f}, scale{-1.0f}), weft::when(first_negative, scale{5.0f}, scale{0.5f}),
      weft::retry(weft::sequence(flaky{&flaky_calls}, scale{1.0f}), weft::attempts(2)));
  recorder r;
  const auto o = weft::observe(p, r);
  const vec4 y = o(ramp());
  CHECK(flaky_calls == 2);  // the first attempt failed, the second answered
  // top1: expert 1 (x2); top_k<2>: experts 0 and 2 weighted 5/9 and 4/9; when[0] (x2); when[1] (x0.5)
  const vec4 reference = ramp() * 2.0f * (5.0f / 9.0f * 1.0f + 4.0f / 9.0f * 3.0f) * 2.0f * 0.5f;
  CHECK(y.isApprox(reference));
  CHECK(y.isApprox(p(ramp())));
  CHECK(flaky_calls == 4);
  const std::string s = "f32[4] -> f32[4]";
  const std::vector<std::string> expected = {
      "enter  : " + s,
      "enter sequence[0] : " + s,
      "enter sequence[0] > route[1] \"big\" : " + s,
      "exit sequence[0] > route[1] \"big\"",
      "exit sequence[0]",
      "enter sequence[1] : " + s,
      "enter sequence[1] > route[0] : " + s,  // most probable first
      "exit sequence[1] > route[0]",
      "enter sequence[1] > route[2] : " + s,
      "exit sequence[1] > route[2]",
      "exit sequence[1]",
      "enter sequence[2] : " + s,
      "enter sequence[2] > when[0] : " + s,
      "exit sequence[2] > when[0]",
      "exit sequence[2]",
      "enter sequence[3] : " + s,
      "enter sequence[3] > when[1] : " + s,
      "exit sequence[3] > when[1]",
      "exit sequence[3]",
      "enter sequence[4] : " + s,  // the retry: no segment of its own
      "enter sequence[4] > sequence[0] : " + s,
      "error sequence[4] > sequence[0] : busy",  // attempt 1
      "enter sequence[4] > sequence[0] : " + s,  // attempt 2
      "exit sequence[4] > sequence[0]",
      "enter sequence[4] > sequence[1] : " + s,
      "exit sequence[4] > sequence[1]",
      "exit sequence[4]",
      "exit ",
  };
  CHECK(r.log == expected);
}

TEST_CASE("a route's gate error: no expert reported, on_error at the route's enclosing stages") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const auto p = weft::sequence(scale{2.0f}, weft::route(weft::top1, gate3{{0.1f, nan, 0.2f}}, scale{1.0f},
                                                         scale{2.0f}, scale{3.0f}));
  recorder r;
  const auto o = weft::observe(p, r);
  CHECK_THROWS_AS((void)o(ramp()), weft::gate_error);
  const std::vector<std::string> expected = {
      "enter  : f32[4] -> f32[4]",
      "enter sequence[0] : f32[4] -> f32[4]",
      "exit sequence[0]",
      "enter sequence[1] : f32[4] -> f32[4]",
      "error sequence[1] : weft at sequence[1] > route[gate]",
      "error  : weft at sequence[1] > route[gate]",
  };
  CHECK(r.log == expected);
}

TEST_CASE("retry of a leaf model: one stage whose call spans every attempt; an observer's exception is not retried") {
  int flaky_calls = 0;
  const auto p = weft::sequence(scale{2.0f}, weft::retry(flaky{&flaky_calls}, weft::attempts(3)));
  recorder r;
  CHECK(weft::observe(p, r)(ramp()).isApprox(2 * ramp()));
  CHECK(flaky_calls == 2);
  const std::vector<std::string> expected = {
      "enter  : f32[4] -> f32[4]",          "enter sequence[0] : f32[4] -> f32[4]", "exit sequence[0]",
      "enter sequence[1] : f32[4] -> f32[4]", "exit sequence[1]",                  "exit ",
  };
  CHECK(r.log == expected);
  const auto inner =
      weft::sequence(scale{2.0f}, weft::retry(weft::sequence(scale{1.0f}, scale{1.0f}), weft::attempts(3)));
  throwing_observer t{"sequence[1] > sequence[0]", std::make_exception_ptr(std::runtime_error("observer"))};
  int entered = 0;
  struct counting {
    throwing_observer* t;
    int* entered;
    void on_enter(const weft::stage_event& e) {
      if (e.path == t->at) ++*entered;
      t->on_enter(e);
    }
  } c{&t, &entered};
  CHECK_THROWS_WITH_AS((void)weft::observe(inner, c)(ramp()), "observer", std::runtime_error);
  CHECK(entered == 1);  // not retried: the observer's exception is no attempt's
}

TEST_CASE("a when branch and a route expert whose output is copied into the combinator's type are reported") {
  const auto p = weft::sequence(weft::when([](const vec4& x) { return x(0) < 0; }, scale{5.0f}, dyn_scale{0.5f}),
                                weft::route(weft::top1, gate3{{0.1f, 0.7f, 0.2f}}, scale{1.0f}, dyn_scale{3.0f},
                                            scale{2.0f}));
  recorder r;
  const auto o = weft::observe(p, r);
  CHECK(o(ramp()).isApprox(1.5f * ramp()));
  const std::string s = "f32[4] -> f32[4]", d = weft::signature<dyn_scale>();
  const std::vector<std::string> expected = {
      "enter  : " + s,          "enter sequence[0] : " + s, "enter sequence[0] > when[1] : " + d,
      "exit sequence[0] > when[1]", "exit sequence[0]",     "enter sequence[1] : " + s,
      "enter sequence[1] > route[1] : " + d, "exit sequence[1] > route[1]", "exit sequence[1]",
      "exit ",
  };
  CHECK(r.log == expected);
}
