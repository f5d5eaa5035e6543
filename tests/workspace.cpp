// Tests for weft/workspace.hpp: a dynamic-size sequence with a workspace answers as the plain call
// (to the last bit) and allocates nothing after its first call; other extents re-size the buffers;
// nested sequences; stages without the into protocol (they allocate, and still answer right); the
// adapters written in place; checks and errors as the plain call's, losing nothing; two workspaces
// on two threads; the combinators in a sequence (fan_out + concat, ensemble, fallback, route, when,
// retry, named, shaped), each with its workspace: the plain call's answers and errors, no
// allocation after each branch's first call. tests/support/alloc_counter.hpp counts operator new (this test is its own
// executable); Eigen's own heap (malloc, not operator new) is counted through EIGEN_RUNTIME_NO_MALLOC,
// whose failed eigen_assert this file counts instead of aborting (as tests/zero_alloc.cpp does).
#include <atomic>
#define EIGEN_RUNTIME_NO_MALLOC
namespace workspace_test {
inline std::atomic<long> eigen_heap_allocations{0};
}
#define eigen_assert(x)                                                                \
  do {                                                                                 \
    if (!static_cast<bool>(x)) workspace_test::eigen_heap_allocations.fetch_add(1); \
  } while (false)

#include <weft/adapters.hpp>
#include <weft/conditions.hpp>
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/fallback.hpp>
#include <weft/fan_out.hpp>
#include <weft/model.hpp>
#include <weft/reducers.hpp>
#include <weft/retry.hpp>
#include <weft/route.hpp>
#include <weft/sequence.hpp>
#include <weft/shaped.hpp>
#include <weft/when.hpp>
#include <weft/workspace.hpp>
#include <weft/xtensor.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "support/alloc_counter.hpp"

using weft::operator|;

namespace {

using Vec = Eigen::VectorXf;

/// Deterministic values in [-1, 1): element i of input `seed`.
Vec input(Eigen::Index n, int seed) {
  Vec x(n);
  for (Eigen::Index i = 0; i < n; ++i) x(i) = std::sin(static_cast<float>(seed * 31 + i * 7) * 0.37f);
  return x;
}

/// y = W x + b over Eigen::VectorXf, declaring its shapes; writes into a buffer (into protocol).
struct linear_into {
  using input_type = Vec;
  using output_type = Vec;
  Eigen::MatrixXf weight;
  Vec bias;
  linear_into(Eigen::Index in, Eigen::Index out, int seed) : weight(out, in), bias(out) {
    for (Eigen::Index r = 0; r < out; ++r) {
      bias(r) = std::cos(static_cast<float>(seed + r));
      for (Eigen::Index c = 0; c < in; ++c) weight(r, c) = std::sin(static_cast<float>(seed * 13 + r * 5 + c) * 0.71f);
    }
  }
  output_type operator()(const input_type& x) const {
    output_type y = bias;
    y.noalias() += weight * x;
    return y;
  }
  void call_into(const input_type& x, output_type& y) const {
    y = bias;
    y.noalias() += weight * x;
  }
  weft::shape input_shape() const { return weft::shape{weight.cols()}; }
  weft::shape output_shape() const { return weft::shape{weight.rows()}; }
};

/// ReLU over any length; writes into a buffer.
struct relu_into {
  using input_type = Vec;
  using output_type = Vec;
  output_type operator()(const input_type& x) const { return x.cwiseMax(0.0f); }
  void call_into(const input_type& x, output_type& y) const { y = x.cwiseMax(0.0f); }
};

/// 2x + 1 over any length, returning its answer (no into protocol): it allocates on every call.
struct affine_returning {
  using input_type = Vec;
  using output_type = Vec;
  output_type operator()(const input_type& x) const { return (2.0f * x.array() + 1.0f).matrix(); }
};

/// Heap allocations made by `times` runs of f: operator new calls and Eigen's own (malloc) ones.
template <class F>
long heap_allocations(int times, F&& f) {
  const long eigen_before = workspace_test::eigen_heap_allocations.load();
  const long news = allocations_during(times, f);  // forbids Eigen's heap while it counts
  return news + (workspace_test::eigen_heap_allocations.load() - eigen_before);
}

/// Returns a view of its own weights (a view output, which weft copies into its owning type).
struct weights_view {
  using input_type = Vec;
  using output_type = Eigen::Map<const Vec>;
  Vec w = Vec::LinSpaced(5, -1.0f, 1.0f);
  output_type operator()(const input_type& x) const { return output_type(w.data(), x.size() < 5 ? x.size() : 5); }
};

template <class A, class B>
bool same_bits(const A& a_expr, const B& b_expr) {
  const auto a = a_expr.eval();
  const auto b = b_expr.eval();
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i)
    if (a.data()[i] != b.data()[i]) return false;
  return true;
}

template <class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

static_assert(weft::into_model<linear_into>);
static_assert(weft::into_model<relu_into>);
static_assert(!weft::into_model<affine_returning>);

TEST_CASE("a dynamic sequence with a workspace: the plain call's answers, no allocation after the first call") {
  const auto p = linear_into(8, 5, 1) | relu_into{} | linear_into(5, 3, 2) | weft::softmax;
  weft::workspace ws(p);
  static_assert(std::is_same_v<decltype(ws), weft::workspace<std::remove_const_t<decltype(p)>>>);
  std::vector<Vec> xs;
  for (int k = 0; k < 20; ++k) xs.push_back(input(8, k));
  Vec out;
  p(xs[0], out, ws);
  CHECK(same_bits(out, p(xs[0])));

  const long allocations = heap_allocations(1, [&] {
    for (int round = 0; round < 5; ++round)
      for (const auto& x : xs) p(x, out, ws);
  });
  CHECK(allocations == 0);
  (void)p(xs[2], ws);  // the first call that keeps the answer in ws sizes that buffer
  CHECK(heap_allocations(1, [&] { (void)p(xs[3], ws); }) == 0);
  // the plain call allocates every stage's output: what the workspace saves
  CHECK(heap_allocations(1, [&] { (void)p(xs[3]); }) >= 4);

  for (const auto& x : xs) {
    p(x, out, ws);
    CHECK(same_bits(out, p(x)));
    const Vec& kept = p(x, ws);
    CHECK(same_bits(kept, p(x)));
    CHECK(&kept == &ws.value<3>());
  }
}

TEST_CASE("a call with other dynamic extents re-sizes the buffers and answers right") {
  const auto p = relu_into{} | weft::normalize | weft::cast<double> | weft::softmax;
  weft::workspace ws(p);
  Eigen::VectorXd out;
  for (const Eigen::Index n : {4, 9, 1, 9, 4}) {
    const Vec x = input(n, static_cast<int>(n)).cwiseAbs() + Vec::Constant(n, 0.25f);
    p(x, out, ws);
    CHECK(out.size() == n);
    CHECK(same_bits(out, p(x)));
    CHECK(heap_allocations(3, [&] { p(x, out, ws); }) == 0);  // the same extents again
  }
}

TEST_CASE("nested sequences keep their own workspace inside the outer one") {
  const auto inner = relu_into{} | linear_into(5, 4, 7);
  const auto p = weft::sequence(linear_into(6, 5, 3), inner) | weft::softmax;
  weft::workspace<std::remove_const_t<decltype(p)>> ws;
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(ws.inner<1>())>,
                               weft::workspace<std::remove_const_t<decltype(inner)>>>);
  Vec out;
  p(input(6, 0), out, ws);
  for (int k = 0; k < 10; ++k) {
    const Vec x = input(6, k);
    CHECK(heap_allocations(1, [&] { p(x, out, ws); }) == 0);
    CHECK(same_bits(out, p(x)));
    const Vec first = p.stored<0>()(x);
    CHECK(same_bits(ws.inner<1>().value<0>(), first.cwiseMax(0.0f)));  // the inner sequence's buffer
    CHECK(same_bits(ws.value<1>(), inner(first)));                     // its answer, in the outer one
  }
}

TEST_CASE("a stage without the into protocol is called as today: it allocates, the answer is right") {
  const auto p = relu_into{} | affine_returning{} | weft::fn<Vec, Vec>([](const Vec& x) -> Vec { return x * 0.5f; }) |
                 weft::softmax;
  weft::workspace ws(p);
  Vec out;
  const Vec x = input(7, 4);
  p(x, out, ws);
  CHECK(same_bits(out, p(x)));
  // two returning stages, one allocation each per call; the others write into their buffers
  CHECK(heap_allocations(10, [&] { p(x, out, ws); }) == 20);
  CHECK(same_bits(out, p(x)));

  const auto q = relu_into{} | weights_view{} | weft::softmax;  // a view output: materialised, as in q(x)
  weft::workspace q_ws(q);
  for (const Eigen::Index n : {3, 5, 3}) {
    q(input(n, 1), out, q_ws);
    CHECK(out.size() == n);
    CHECK(same_bits(out, q(input(n, 1))));
  }
}

TEST_CASE("the adapters written in place give the plain adapters' answers and errors") {
  SUBCASE("check_finite, identity, cast") {
    const auto p = relu_into{} | weft::check_finite | weft::identity | weft::cast<double>;
    weft::workspace ws(p);
    Eigen::VectorXd out;
    const Vec x = input(6, 2);
    p(x, out, ws);
    CHECK(same_bits(out, p(x)));
    CHECK(heap_allocations(5, [&] { p(x, out, ws); }) == 0);
    Vec bad = x;
    bad(3) = std::numeric_limits<float>::infinity();
    const std::string plain = message_of([&] { (void)p(bad); });
    CHECK(plain.find("non_finite") != std::string::npos);
    const Eigen::VectorXd before = out;
    CHECK(message_of([&] { p(bad, out, ws); }) == plain);
    CHECK(same_bits(out, before));  // the error came before the last stage: out as it was
    p(x, out, ws);                  // the workspace still serves
    CHECK(same_bits(out, p(x)));
  }
  SUBCASE("normalize of a zero sum") {
    const auto p = relu_into{} | weft::normalize;
    weft::workspace ws(p);
    Vec out = Vec::Constant(3, 7.0f);
    const Vec negative = -Vec::Ones(3);  // relu gives zeros
    const std::string plain = message_of([&] { (void)p(negative); });
    CHECK(plain.find("sum to zero") != std::string::npos);
    CHECK(message_of([&] { p(negative, out, ws); }) == plain);
    CHECK(same_bits(out, Vec::Constant(3, 7.0f)));  // normalize throws before it writes
  }
  SUBCASE("xtensor rank-1 tensors") {
    using X = xt::xtensor<float, 1>;
    const auto p = weft::fn<X, X>([](const X& x) -> X { return x; }) | weft::softmax | weft::normalize;
    weft::workspace ws(p);
    X out;
    X x = xt::xtensor<float, 1>::from_shape({5});
    for (std::size_t i = 0; i < 5; ++i) x(i) = static_cast<float>(i) * 0.3f - 0.4f;
    p(x, out, ws);
    const X plain = p(x);
    REQUIRE(out.size() == plain.size());
    for (std::size_t i = 0; i < plain.size(); ++i) CHECK(out(i) == plain(i));
    CHECK(heap_allocations(4, [&] { p(x, out, ws); }) == 4);  // only the fn stage's answer
  }
}

TEST_CASE("dynamic extents are still checked: the plain call's shape_error, nothing lost") {
  const auto p = affine_returning{} | linear_into(4, 3, 5) | relu_into{};
  weft::workspace ws(p);
  Vec out;
  const Vec good = input(4, 1);
  p(good, out, ws);
  const Vec before = out;
  const Vec wrong = input(6, 1);
  const std::string plain = message_of([&] { (void)p(wrong); });
  CHECK(plain == "weft: shape_error at sequence[1]: expected f32[4], got f32[6]");
  CHECK_THROWS_AS(p(wrong, out, ws), weft::shape_error);
  CHECK(message_of([&] { p(wrong, out, ws); }) == plain);
  CHECK(message_of([&] { (void)p(wrong, ws); }) == plain);
  CHECK(same_bits(out, before));
  p(good, out, ws);
  CHECK(same_bits(out, p(good)));

  const auto nested = weft::sequence(relu_into{}, weft::sequence(relu_into{}, linear_into(4, 2, 9)));
  weft::workspace nested_ws(nested);
  const std::string nested_plain = message_of([&] { (void)nested(wrong); });
  CHECK(nested_plain == "weft: shape_error at sequence[1] > sequence[1]: expected f32[4], got f32[6]");
  CHECK(message_of([&] { (void)nested(wrong, nested_ws); }) == nested_plain);
}

TEST_CASE("two workspaces on two threads share one pipeline") {
  const auto p = linear_into(8, 6, 11) | relu_into{} | linear_into(6, 4, 12) | weft::softmax;
  int wrong[2] = {0, 0};
  auto work = [&p](int id, int& mismatches) {
    weft::workspace ws(p);
    Vec out;
    for (int k = 0; k < 300; ++k) {
      const Vec x = input(8, id * 1000 + k);
      p(x, out, ws);
      if (!same_bits(out, p(x))) ++mismatches;
    }
  };
  std::thread a(work, 0, std::ref(wrong[0]));
  std::thread b(work, 1, std::ref(wrong[1]));
  a.join();
  b.join();
  CHECK(wrong[0] == 0);
  CHECK(wrong[1] == 0);
}

namespace {

/// 2x over any length, writing into a buffer; throws weft::shape_error when an element's magnitude
/// exceeds `limit` (an error inside a branch).
struct picky_into {
  using input_type = Vec;
  using output_type = Vec;
  float limit = 50.0f;
  void check(const input_type& x) const {
    if (x.size() > 0 && x.cwiseAbs().maxCoeff() > limit) throw weft::shape_error("|x| <= limit", "|x| > limit");
  }
  output_type operator()(const input_type& x) const {
    check(x);
    return 2.0f * x;
  }
  void call_into(const input_type& x, output_type& y) const {
    check(x);
    y = 2.0f * x;
  }
};

/// Two expert probabilities from the sign of x(0) (a route's gate), writing into a buffer.
struct sign_gate {
  using input_type = Vec;
  using output_type = Vec;
  output_type operator()(const input_type& x) const {
    output_type g;
    call_into(x, g);
    return g;
  }
  void call_into(const input_type& x, output_type& g) const {
    g.resize(2);
    g(0) = x(0) > 0.0f ? 0.8f : 0.2f;
    g(1) = 1.0f - g(0);
  }
};

/// Twenty inputs of length n (1000 times one of them makes picky_into throw after linear_into(8, 6, 1),
/// whose first output element is then negative).
std::vector<Vec> inputs_of(Eigen::Index n) {
  std::vector<Vec> xs;
  for (int k = 0; k < 20; ++k) xs.push_back(input(n, k));
  return xs;
}

/// p with a workspace answers as p(x), to the last bit, on every input; after one pass (each
/// branch's first call sizes its buffers) a pass allocates nothing. A call on `bad` throws the plain
/// call's error (same type and text) and the workspace serves on.
template <class P>
void check_combinator_workspace(const P& p, const std::vector<Vec>& xs, const Vec& bad) {
  using out_type = typename P::output_type;
  weft::workspace ws(p);
  out_type out;
  for (const auto& x : xs) {
    p(x, out, ws);
    CHECK(same_bits(out, p(x)));
  }
  CHECK(heap_allocations(1, [&] {
          for (const auto& x : xs) p(x, out, ws);
        }) == 0);
  for (const auto& x : xs) CHECK(same_bits(p(x, ws), p(x)));
  const std::string plain = message_of([&] { (void)p(bad); });
  CHECK(plain != "(no exception)");
  CHECK(message_of([&] { p(bad, out, ws); }) == plain);
  CHECK_THROWS_AS(p(bad, out, ws), weft::error);
  for (const auto& x : xs) {
    p(x, out, ws);
    CHECK(same_bits(out, p(x)));
  }
  CHECK(heap_allocations(1, [&] { p(xs[3], out, ws); }) == 0);
}

}  // namespace

TEST_CASE("fan_out and concat in a sequence write into their buffers") {
  const auto p = linear_into(8, 6, 1) | weft::fan_out(relu_into{}, linear_into(6, 3, 2), picky_into{}) | weft::concat |
                 linear_into(15, 4, 3) | weft::softmax;
  const auto xs = inputs_of(8);
  check_combinator_workspace(p, xs, 1000.0f * xs[1]);
  const std::string plain = message_of([&] { (void)p(1000.0f * xs[1]); });
  CHECK(plain.find("sequence[1] > fan_out[2]") != std::string::npos);

  // a fan_out first: its branches receive the sequence's argument, each bridged on its own
  const auto q = weft::fan_out(linear_into(8, 3, 4), weft::sequence(relu_into{}, picky_into{})) | weft::concat;
  check_combinator_workspace(q, xs, 1000.0f * xs[1]);
  weft::workspace ws(q);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(std::get<1>(ws.inner<0>().state()))>,
                               weft::workspace<weft::sequence<relu_into, picky_into>>>);
}

TEST_CASE("ensemble in a sequence: branches and the reducer write into buffers") {
  const auto xs = inputs_of(8);
  const Vec bad = 1000.0f * xs[1];
  auto with = [&](const auto& reducer) {
    const auto p = linear_into(8, 6, 1) |
                   weft::ensemble(reducer, linear_into(6, 4, 2), linear_into(6, 4, 3),
                                  weft::sequence(picky_into{}, linear_into(6, 4, 5))) |
                   weft::softmax;
    check_combinator_workspace(p, xs, bad);
  };
  SUBCASE("mean") { with(weft::mean); }
  SUBCASE("weighted") { with(weft::weighted(0.5, 0.3, 0.2)); }
  SUBCASE("vote") { with(weft::vote); }
  SUBCASE("max") { with(weft::max); }
  SUBCASE("median") { with(weft::median); }
  SUBCASE("a reducer of one's own: its answer moved in (it allocates), the answer right") {
    const auto p = linear_into(8, 6, 1) |
                   weft::ensemble([](const Vec& a, const Vec& b) -> Vec { return a - b; }, linear_into(6, 4, 2),
                                  relu_into{} | linear_into(6, 4, 3));
    weft::workspace ws(p);
    Vec out;
    for (const auto& x : xs) {
      p(x, out, ws);
      CHECK(same_bits(out, p(x)));
    }
    CHECK(heap_allocations(1, [&] { p(xs[0], out, ws); }) == 1);  // the reducer's answer only
  }
}

TEST_CASE("fallback in a sequence: the answering branch writes into the buffer") {
  const auto xs = inputs_of(8);
  // the primary throws on large activations; both throw on the bad input (a fallback_error)
  const auto p = linear_into(8, 6, 1) |
                 weft::fallback(weft::sequence(picky_into{}, linear_into(6, 3, 2)),
                                weft::sequence(picky_into{}, linear_into(6, 3, 5))) |
                 weft::softmax;
  check_combinator_workspace(p, xs, 1000.0f * xs[1]);
  CHECK(message_of([&] { (void)p(1000.0f * xs[1]); }).find("fallback_error") != std::string::npos);

  // the primary fails on some inputs: the secondary answers, as in p(x)
  const auto q = linear_into(8, 6, 1) |
                 weft::fallback(weft::sequence(picky_into{1.0f}, linear_into(6, 3, 2)), linear_into(6, 3, 5)).when(
                     weft::non_finite);
  weft::workspace ws(q);
  Vec out;
  int secondary = 0;
  for (const auto& x : xs) {
    q(x, out, ws);
    CHECK(same_bits(out, q(x)));
    secondary += weft::answered(q.stored<1>(), q.stored<0>()(x)).branch == 1 ? 1 : 0;
  }
  CHECK(secondary > 0);
  CHECK(secondary < int(xs.size()));
  for (const auto& x : xs) {
    if (weft::answered(q.stored<1>(), q.stored<0>()(x)).branch == 0) {
      CHECK(heap_allocations(1, [&] { q(x, out, ws); }) == 0);
    }
  }
}

TEST_CASE("route (top 1) and when in a sequence: the chosen branch writes into the buffer") {
  const auto xs = inputs_of(8);
  const Vec bad = 1000.0f * xs[1];
  SUBCASE("route") {
    const auto p = linear_into(8, 6, 1) |
                   weft::route(weft::top1, sign_gate{}, linear_into(6, 3, 2),
                               weft::sequence(picky_into{}, linear_into(6, 3, 5))) |
                   weft::softmax;
    check_combinator_workspace(p, xs, bad);
  }
  SUBCASE("when") {
    const auto p = linear_into(8, 6, 1) |
                   weft::when([](const Vec& x) { return x(0) > 0.0f; }, linear_into(6, 3, 2),
                              weft::sequence(picky_into{}, linear_into(6, 3, 5))) |
                   weft::softmax;
    check_combinator_workspace(p, xs, bad);
  }
}

TEST_CASE("retry, named and shaped are seen through: their inner model writes into the buffer") {
  const auto xs = inputs_of(8);
  const auto p = linear_into(8, 6, 1) | weft::retry(weft::sequence(picky_into{}, relu_into{}), weft::attempts(2)) |
                 weft::named("head", linear_into(6, 3, 2)) |
                 weft::shaped(relu_into{}, weft::shape{3}, weft::shape{3}) | weft::softmax;
  check_combinator_workspace(p, xs, 1000.0f * xs[1]);
  const auto q = relu_into{} | weft::shaped(relu_into{}, weft::shape{5}, weft::shape{5});
  weft::workspace ws(q);
  Vec out;
  const std::string plain = message_of([&] { (void)q(xs[0]); });
  CHECK(plain.find("expected f32[5], got f32[8]") != std::string::npos);
  CHECK(message_of([&] { q(xs[0], out, ws); }) == plain);
}
