// Tests for weft/retry.hpp: attempts counted, success on the k-th attempt, retry_error and its causes
// in order, predicates (retry_if<E>, callables on the exception or its exception_ptr) that stop
// early, the back-off called between attempts only, the path in a nested pipeline, the idempotence
// check seen through wrappers and combinators, see-through (get, answered, describe, strict), and no
// allocation on the success path.
#include <weft/describe.hpp>
#include <weft/eigen.hpp>
#include <weft/fallback.hpp>
#include <weft/retry.hpp>
#include <weft/sequence.hpp>
#include <weft/shaped.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "support/alloc_counter.hpp"

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;

/// Throws std::runtime_error("busy <n>") on its first `failures` calls, then answers x + 1; counts
/// every call in *calls (the model stays const: the counter is the test's).
struct flaky {
  using input_type = vec4;
  using output_type = vec4;
  int failures = 0;
  int* calls = nullptr;
  output_type operator()(const input_type& x) const {
    const int n = ++*calls;
    if (n <= failures) throw std::runtime_error("busy " + std::to_string(n));
    return x + vec4::Ones();
  }
};

/// Throws, in turn, the exceptions made by `make` (given the call number from 1); counts calls.
struct scripted {
  using input_type = vec4;
  using output_type = vec4;
  std::function<void(int)> make;
  int* calls = nullptr;
  output_type operator()(const input_type& x) const {
    make(++*calls);
    return x;
  }
};

struct pass4 {
  using input_type = vec4;
  using output_type = vec4;
  output_type operator()(const input_type& x) const { return x; }
};

/// A model with side effects: it declares so.
struct sends_email {
  using input_type = vec4;
  using output_type = vec4;
  static constexpr bool idempotent = false;
  output_type operator()(const input_type& x) const { return x; }
};
/// A model that says it is idempotent: retrying it is fine.
struct declared_idempotent {
  using input_type = vec4;
  using output_type = vec4;
  static constexpr bool idempotent = true;
  output_type operator()(const input_type& x) const { return x; }
};

template <class M>
using offender_t = typename weft::detail::first_not_idempotent<M>::type;

// Truth table of the idempotence check (a retry of a model with an offender fails to compile:
// tests/compile_fail/retry_not_idempotent.cpp).
static_assert(std::is_void_v<offender_t<pass4>>);
static_assert(std::is_void_v<offender_t<declared_idempotent>>);
static_assert(std::is_same_v<offender_t<sends_email>, sends_email>);
static_assert(std::is_same_v<offender_t<std::reference_wrapper<const sends_email>>, sends_email>);
static_assert(std::is_same_v<offender_t<weft::named_model<sends_email>>, sends_email>);
static_assert(std::is_same_v<offender_t<weft::named_model<weft::named_model<sends_email>>>, sends_email>);
static_assert(std::is_same_v<offender_t<weft::sequence<pass4, weft::named_model<sends_email>>>, sends_email>);
static_assert(std::is_void_v<offender_t<weft::sequence<pass4, declared_idempotent>>>);
static_assert(std::is_same_v<offender_t<weft::fallback<pass4, sends_email>>, sends_email>);

// retry is a model and a see-through wrapper.
static_assert(weft::model<weft::retry<pass4>>);
static_assert(weft::detail::wrapper<weft::retry<pass4>>);
static_assert(std::is_same_v<weft::detail::see_through_t<weft::retry<weft::named_model<pass4>>>, pass4>);
static_assert(std::is_same_v<decltype(weft::retry(pass4{}, weft::attempts(2))), weft::retry<pass4>>);

}  // namespace

TEST_CASE("the first answer is returned; a model that never throws is called once") {
  int calls = 0;
  const auto r = weft::retry(flaky{0, &calls}, weft::attempts(3));
  CHECK(r(vec4::Zero()) == vec4::Ones());
  CHECK(calls == 1);
  CHECK(r.attempts() == 3);
}

TEST_CASE("success on the k-th attempt: k calls, the k-th answer") {
  for (int k = 1; k <= 4; ++k) {
    int calls = 0;
    const auto r = weft::retry(flaky{k - 1, &calls}, weft::attempts(4));
    CHECK(r(vec4::Constant(2.0f)) == vec4::Constant(3.0f));
    CHECK(calls == k);
  }
}

TEST_CASE("when every attempt fails, retry_error keeps each cause in order with its attempt") {
  int calls = 0;
  const auto r = weft::retry(flaky{10, &calls}, weft::attempts(3));
  try {
    (void)r(vec4::Zero());
    FAIL("no retry_error thrown");
  } catch (const weft::retry_error& e) {
    CHECK(calls == 3);
    REQUIRE(e.causes().size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& c = e.causes()[i];
      CHECK(c.attempt == i + 1);
      CHECK(c.type == "std::runtime_error");
      CHECK(c.what == "busy " + std::to_string(i + 1));
      CHECK(c.path.empty());
      REQUIRE(c.exception != nullptr);
      try {
        std::rethrow_exception(c.exception);
      } catch (const std::runtime_error& inner) {
        CHECK(std::string(inner.what()) == c.what);
      }
    }
    CHECK(e.path().empty());
    CHECK(e.kind() == "retry_error");
    CHECK(std::string(e.what()) ==
          "weft: retry_error: all 3 attempts failed: [attempt 1] threw std::runtime_error: busy 1; "
          "[attempt 2] threw std::runtime_error: busy 2; [attempt 3] threw std::runtime_error: busy 3");
  }
}

TEST_CASE("attempts(1) calls once and still reports the one cause; attempts(0) is refused") {
  int calls = 0;
  const auto r = weft::retry(flaky{1, &calls}, weft::attempts(1));
  try {
    (void)r(vec4::Zero());
    FAIL("no retry_error thrown");
  } catch (const weft::retry_error& e) {
    REQUIRE(e.causes().size() == 1);
    CHECK(e.causes()[0].attempt == 1);
  }
  CHECK(calls == 1);
  CHECK_THROWS_AS((void)weft::attempts(0), std::invalid_argument);
}

TEST_CASE("retry_if<E>: an exception of another type passes through unchanged, at once") {
  int calls = 0;
  const auto r = weft::retry(scripted{[](int n) {
                                        if (n == 1) throw weft::inference_error("onnx", "m.onnx", "device busy");
                                        throw std::logic_error("bad input");
                                      },
                                      &calls},
                             weft::attempts(5), weft::retry_if<weft::inference_error>());
  CHECK_THROWS_WITH_AS((void)r(vec4::Zero()), "bad input", std::logic_error);
  CHECK(calls == 2);  // the inference_error was retried, the logic_error stopped it

  // a subclass of E counts as an E
  calls = 0;
  const auto base = weft::retry(scripted{[](int) { throw std::out_of_range("x"); }, &calls}, weft::attempts(2),
                                weft::retry_if<std::logic_error>());
  CHECK_THROWS_AS((void)base(vec4::Zero()), weft::retry_error);
  CHECK(calls == 2);
}

TEST_CASE("retry_if with a callable on the exception, or on its exception_ptr") {
  int calls = 0;
  const auto on_text = weft::retry(flaky{10, &calls}, weft::attempts(5), weft::retry_if([](const std::exception& e) {
                                     return std::string(e.what()) != "busy 3";
                                   }));
  CHECK_THROWS_WITH_AS((void)on_text(vec4::Zero()), "busy 3", std::runtime_error);
  CHECK(calls == 3);

  calls = 0;
  int seen = 0;
  const auto on_ptr = weft::retry(flaky{10, &calls}, weft::attempts(4), weft::retry_if([&seen](std::exception_ptr p) {
                                    ++seen;
                                    return p != nullptr;
                                  }));
  CHECK_THROWS_AS((void)on_ptr(vec4::Zero()), weft::retry_error);
  CHECK(calls == 4);
  CHECK(seen == 4);
}

TEST_CASE("the back-off runs between attempts only, given the failed attempt's number") {
  int calls = 0;
  std::vector<std::size_t> waits;
  std::vector<int> calls_at_wait;
  const auto sleeper = [&](std::size_t k) {
    waits.push_back(k);
    calls_at_wait.push_back(calls);
  };
  const auto r = weft::retry(flaky{10, &calls}, weft::attempts(3), weft::backoff(sleeper));
  CHECK_THROWS_AS((void)r(vec4::Zero()), weft::retry_error);
  CHECK(waits == std::vector<std::size_t>{1, 2});  // not after the last attempt
  CHECK(calls_at_wait == std::vector<int>{1, 2});  // after attempt k, before attempt k + 1

  calls = 0;
  waits.clear();
  calls_at_wait.clear();
  const auto r2 = weft::retry(flaky{1, &calls}, weft::attempts(3), weft::retry_if<std::runtime_error>(),
                              weft::backoff(sleeper));
  CHECK(r2(vec4::Zero()) == vec4::Ones());
  CHECK(waits == std::vector<std::size_t>{1});
  CHECK(calls == 2);

  calls = 0;
  waits.clear();
  CHECK(weft::retry(flaky{0, &calls}, weft::attempts(3), weft::backoff(sleeper))(vec4::Zero()) == vec4::Ones());
  CHECK(waits.empty());  // never before the first attempt
}

TEST_CASE("an exception not derived from std::exception, or thrown by the back-off, passes through") {
  int calls = 0;
  const auto r = weft::retry(scripted{[](int) { throw 42; }, &calls}, weft::attempts(3));
  CHECK_THROWS_AS((void)r(vec4::Zero()), int);
  CHECK(calls == 1);

  calls = 0;
  const auto b = weft::retry(flaky{10, &calls}, weft::attempts(3),
                             weft::backoff([](std::size_t) { throw std::domain_error("no more waiting"); }));
  CHECK_THROWS_AS((void)b(vec4::Zero()), std::domain_error);
  CHECK(calls == 1);
}

TEST_CASE("nested in a sequence: retry_error gains the path; a cause keeps its inner path") {
  int calls = 0;
  auto inner = weft::sequence(pass4{}, flaky{10, &calls});
  auto p = weft::sequence(pass4{}, weft::named("remote", weft::retry(inner, weft::attempts(2))), pass4{});
  try {
    (void)p(vec4::Zero());
    FAIL("no retry_error thrown");
  } catch (const weft::retry_error& e) {
    CHECK(e.path_text() == "sequence[1] \"remote\"");
    CHECK(calls == 2);
    REQUIRE(e.causes().size() == 2);
    CHECK(std::string(e.what()).rfind("weft: retry_error at sequence[1] \"remote\": all 2 attempts failed: ", 0) == 0);
  }

  // a weft::error inside the retried model: its inner path is kept in the cause
  struct short_input {
    using input_type = vec4;
    using output_type = vec4;
    output_type operator()(const input_type&) const { throw weft::shape_error("f32[4]", "f32[3]"); }
  };
  auto q = weft::sequence(pass4{}, weft::retry(weft::sequence(pass4{}, short_input{}), weft::attempts(2)));
  try {
    (void)q(vec4::Zero());
    FAIL("no retry_error thrown");
  } catch (const weft::retry_error& e) {
    CHECK(e.path_text() == "sequence[1]");
    REQUIRE(e.causes().size() == 2);
    CHECK(e.causes()[1].attempt == 2);
    CHECK(e.causes()[1].type == "weft::shape_error");
    CHECK(e.causes()[1].path == "sequence[1]");
    CHECK(e.causes()[1].what == "weft: shape_error at sequence[1]: expected f32[4], got f32[3]");
  }
}

TEST_CASE("a retry that succeeds inside a pipeline is invisible to it") {
  using weft::operator|;
  int calls = 0;
  const auto p = pass4{} | weft::retry(flaky{2, &calls}, weft::attempts(3)) | pass4{};
  CHECK(p(vec4::Constant(1.0f)) == vec4::Constant(2.0f));
  CHECK(calls == 3);
}

TEST_CASE("see-through: get, answered, describe and strict reach the retried model") {
  int calls = 0;
  auto fb = weft::fallback(flaky{10, &calls}, pass4{});
  const auto r = weft::retry(weft::named("guard", weft::sequence(pass4{}, flaky{1, &calls})), weft::attempts(2));
  CHECK(weft::get<1>(r).failures == 1);
  CHECK(weft::describe(r) == weft::describe(weft::named("guard", weft::sequence(pass4{}, flaky{1, &calls}))));

  // answered retries the fallback through the wrapper, and reports which branch answered
  calls = 0;
  const auto rf = weft::retry(fb, weft::attempts(2));
  const auto a = weft::answered(rf, vec4::Zero());
  CHECK(a.branch == 1);
  CHECK(calls == 1);

  (void)weft::strict(weft::retry(pass4{}, weft::attempts(2)));
  CHECK(weft::model_traits<weft::retry<weft::named_model<pass4>>>::given_name(weft::retry(weft::named("p", pass4{}), weft::attempts(2))) ==
        "p");
}

TEST_CASE("a model declared idempotent = true may be retried; shapes pass through") {
  const auto r = weft::retry(declared_idempotent{}, weft::attempts(2));
  CHECK(r(vec4::Ones()) == vec4::Ones());
  const auto s = weft::retry(weft::shaped(pass4{}, weft::shape{4}, weft::shape{4}), weft::attempts(2));
  CHECK(s.input_shape() == weft::shape{4});
  CHECK(s.output_shape() == weft::shape{4});
}

TEST_CASE("std::ref borrows the model") {
  int calls = 0;
  flaky m{1, &calls};
  const auto r = weft::retry(std::cref(m), weft::attempts(2));
  CHECK(r(vec4::Zero()) == vec4::Ones());
  CHECK(&weft::detail::unwrap(r.inner()) == &m);
}

TEST_CASE("the success path allocates nothing") {
  int calls = 0;
  const auto r = weft::retry(flaky{0, &calls}, weft::attempts(3), weft::retry_if<std::runtime_error>(),
                             weft::backoff([](std::size_t) {}));
  const vec4 x = vec4::Zero();
  vec4 y;
  CHECK(allocations_during(100, [&] { y = r(x); }) == 0);
  CHECK(y == vec4::Ones());
}
