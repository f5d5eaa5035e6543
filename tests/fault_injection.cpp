// Fault injection (issue 12, section 6): nested pipelines of depth 1 to 4 built from every combinator
// (sequence, ensemble, ensemble(par), fallback with .when, fan_out | concat, batched, named), in which
// each stage in turn throws a std::exception, throws a weft::error, throws something that is not a
// std::exception, returns NaN, or (a stage that may decline) returns an empty optional. Every
// (pipeline, stage, fault) must give the documented outcome (docs/reliability.md):
//   - a std::exception and a non-std exception reach the caller unchanged (same type, same value);
//   - a weft::error reaches the caller as the same type with the full stage path, outermost first;
//   - NaN is data: it reaches the output unless a fallback's .when(weft::non_finite) rejects it; NaN
//     upstream of such a fallback reaches every branch, so all are rejected: weft::fallback_error at
//     the fallback's path;
//   - inside a fallback, a branch that throws a std::exception (weft's included), declines or is
//     rejected hands over to the next branch, whose answer is returned; a non-std exception passes
//     through the fallback unchanged;
//   - no model changes: after every faulted call the same pipeline, without the fault, gives exactly
//     the answer it gave before.
// The expected outcome of each case is computed independently, by hand, from the stages' biases.
#include <weft/weft.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

namespace {

using vec = Eigen::Matrix<float, 4, 1>;
using vec8 = Eigen::Matrix<float, 8, 1>;
using batch = Eigen::Matrix<float, 4, Eigen::Dynamic>;

enum class fault { none, std_error, weft_error, non_std, nan, decline };
const fault all_faults[] = {fault::std_error, fault::weft_error, fault::non_std, fault::nan, fault::decline};

/// Which stage fails, and how. Stages read it; the pipelines never write it.
struct switchboard {
  int target = -1;
  fault kind = fault::none;
};

vec bias(int id) { return vec::Constant(0.5f * static_cast<float>(id + 1)); }

/// Throws or poisons when it is the board's target; otherwise x + bias(id).
template <class Out>
Out act(int id, const switchboard* board, const vec& x) {
  if (board->target == id) {
    switch (board->kind) {
      case fault::std_error: throw std::runtime_error("stage " + std::to_string(id));
      case fault::weft_error: throw weft::shape_error("f32[4]", "f32[" + std::to_string(id) + "]");
      case fault::non_std: throw id;
      case fault::nan: return Out(vec::Constant(std::nanf("")));
      case fault::decline:
        if constexpr (!std::is_same_v<Out, vec>) return Out(std::nullopt);
        break;
      case fault::none: break;
    }
  }
  return Out(x + bias(id));
}

/// A stage: x + bias(id), unless the board picks it.
struct stage {
  using input_type = vec;
  using output_type = vec;
  int id;
  const switchboard* board;
  vec operator()(const vec& x) const { return act<vec>(id, board, x); }
};

/// A stage that may decline (an empty optional) when the board picks it for fault::decline.
struct maybe_stage {
  using input_type = vec;
  using output_type = std::optional<vec>;
  int id;
  const switchboard* board;
  std::optional<vec> operator()(const vec& x) const { return act<std::optional<vec>>(id, board, x); }
};

/// 8 -> 4: the sum of the two halves, plus bias(id), unless the board picks it.
struct join_stage {
  using input_type = vec8;
  using output_type = vec;
  int id;
  const switchboard* board;
  vec operator()(const vec8& x) const { return act<vec>(id, board, vec(x.head<4>() + x.tail<4>())); }
};

/// What a call gave, or what it must give.
struct outcome {
  enum kind_t { value, std_error, weft_error, non_std, every_branch_failed } kind = value;
  vec y = vec::Zero();    // value: the answer (all NaN when NaN is expected)
  std::string text;       // std_error: what(); weft_error, every_branch_failed: the path, outermost first
  int thrown = -1;        // non_std: the int thrown
};

outcome answer(const vec& y) { return {outcome::value, y, {}, -1}; }
outcome nan_answer() { return answer(vec::Constant(std::nanf(""))); }
/// NaN before a fallback that rejects non-finite answers: every branch is rejected.
outcome rejected_at(const std::string& fallback_path) { return {outcome::every_branch_failed, vec::Zero(), fallback_path, -1}; }

/// The outcome of a stage's fault when nothing catches it: path is where a weft::error must say it was.
outcome uncaught(int id, fault kind, const std::string& path) {
  switch (kind) {
    case fault::std_error: return {outcome::std_error, vec::Zero(), "stage " + std::to_string(id), -1};
    case fault::weft_error: return {outcome::weft_error, vec::Zero(), path, -1};
    case fault::non_std: return {outcome::non_std, vec::Zero(), {}, id};
    default: return nan_answer();
  }
}

template <class Call>
outcome run(const Call& call) {
  outcome got;
  try {
    got = answer(call());
  } catch (const weft::fallback_error& e) {
    got.kind = outcome::every_branch_failed;
    got.text = e.path_text();
    for (const auto& cause : e.causes()) CHECK(cause.kind == weft::fallback_failure::rejected);
  } catch (const weft::error& e) {
    got.kind = outcome::weft_error;
    got.text = e.path_text();
    CHECK_MESSAGE(typeid(e) == typeid(weft::shape_error), std::string(e.what()));  // the type the stage threw, not a base
  } catch (const std::runtime_error& e) {
    got.kind = outcome::std_error;
    got.text = e.what();
  } catch (int i) {
    got.kind = outcome::non_std;
    got.thrown = i;
  }
  return got;
}

bool same_values(const vec& a, const vec& b) {
  for (int i = 0; i < 4; ++i) {
    if (std::isnan(a(i)) != std::isnan(b(i))) return false;
    if (!std::isnan(a(i)) && std::abs(a(i) - b(i)) > 1e-5f) return false;
  }
  return true;
}

/// Runs every (stage, fault) of one pipeline: call() runs it on the fixed input, expected(id, fault)
/// is the hand-computed outcome. Returns the number of cases run.
template <class Call, class Expected>
int inject(const char* pipeline, switchboard& board, const std::vector<int>& stages,
           const std::vector<int>& decliners, const Call& call, const Expected& expected) {
  board = {};
  const outcome clean = run(call);
  REQUIRE(clean.kind == outcome::value);
  CHECK(same_values(clean.y, expected(-1, fault::none).y));
  int cases = 0;
  for (const int id : stages) {
    for (const fault kind : all_faults) {
      const bool can_decline = std::find(decliners.begin(), decliners.end(), id) != decliners.end();
      if (kind == fault::decline && !can_decline) continue;
      CAPTURE(std::string(pipeline));
      CAPTURE(id);
      CAPTURE(static_cast<int>(kind));
      board = {id, kind};
      const outcome want = expected(id, kind);
      const outcome got = run(call);
      CHECK(got.kind == want.kind);
      if (got.kind == want.kind) {
        if (want.kind == outcome::value) CHECK(same_values(got.y, want.y));
        if (want.kind != outcome::value && want.kind != outcome::non_std) CHECK(got.text == want.text);
        if (want.kind == outcome::non_std) CHECK(got.thrown == want.thrown);
      }
      board = {};
      const outcome after = run(call);  // nothing changed: the same answer as before the fault
      CHECK(after.kind == outcome::value);
      CHECK(same_values(after.y, clean.y));
      ++cases;
    }
  }
  return cases;
}

const vec x0(1, 2, 3, 4);

}  // namespace

TEST_CASE("fault injection: every stage of nested pipelines, every fault, the documented outcome") {
  using weft::operator|;
  switchboard board;
  const switchboard* b = &board;
  int cases = 0;

  // Depth 1: sequence(s0, s1, s2).
  {
    const auto p = weft::sequence(stage{0, b}, stage{1, b}, stage{2, b});
    cases += inject("sequence", board, {0, 1, 2}, {}, [&] { return p(x0); }, [&](int id, fault kind) {
      if (id < 0) return answer(x0 + bias(0) + bias(1) + bias(2));
      return uncaught(id, kind, "sequence[" + std::to_string(id) + "]");
    });
  }

  // Depth 2: s0 | ensemble(mean, s1, s2) | s3.
  {
    const auto p = stage{0, b} | weft::ensemble(weft::mean, stage{1, b}, stage{2, b}) | stage{3, b};
    cases += inject("sequence > ensemble", board, {0, 1, 2, 3}, {}, [&] { return p(x0); }, [&](int id, fault kind) {
      if (id < 0) return answer(x0 + bias(0) + (bias(1) + bias(2)) / 2 + bias(3));
      if (id == 0) return uncaught(id, kind, "sequence[0]");
      if (id == 3) return uncaught(id, kind, "sequence[2]");
      return uncaught(id, kind, "sequence[1] > ensemble[" + std::to_string(id - 1) + "]");
    });
  }

  // Depth 3: s0 | named("guard", fallback(ensemble(mean, s1, s2), m3).when(non_finite)) | s4.
  {
    const auto guard = weft::fallback(weft::ensemble(weft::mean, stage{1, b}, stage{2, b}), maybe_stage{3, b})
                           .when(weft::non_finite);
    const auto p = stage{0, b} | weft::named("guard", guard) | stage{4, b};
    cases += inject("sequence > fallback > ensemble", board, {0, 1, 2, 3, 4}, {3}, [&] { return p(x0); },
                    [&](int id, fault kind) {
                      const vec normal = x0 + bias(0) + (bias(1) + bias(2)) / 2 + bias(4);
                      if (id < 0 || id == 3) return answer(normal);  // branch 0 answers: branch 1 never runs
                      if (id == 0 && kind == fault::nan) return rejected_at("sequence[1] \"guard\"");
                      if (id == 0) return uncaught(id, kind, "sequence[0]");
                      if (id == 4) return uncaught(id, kind, "sequence[2]");
                      if (kind == fault::non_std) return uncaught(id, kind, "");
                      return answer(x0 + bias(0) + bias(3) + bias(4));  // branch 0 failed: branch 1 answers
                    });
  }

  // Depth 4: s0 | fan_out(sequence(s1, fallback(m2, s3).when(non_finite)), s4) | concat | join5.
  {
    const auto left = weft::sequence(stage{1, b}, weft::fallback(maybe_stage{2, b}, stage{3, b}).when(weft::non_finite));
    const auto p = stage{0, b} | weft::fan_out(left, stage{4, b}) | weft::concat | join_stage{5, b};
    cases += inject("sequence > fan_out > sequence > fallback", board, {0, 1, 2, 3, 4, 5}, {2}, [&] { return p(x0); },
                    [&](int id, fault kind) {
                      const vec a = x0 + bias(0);
                      const vec right = a + bias(4);
                      const vec normal = (a + bias(1) + bias(2)) + right + bias(5);
                      if (id < 0 || id == 3) return answer(normal);
                      if ((id == 0 || id == 1) && kind == fault::nan) return rejected_at("sequence[1] > fan_out[0] > sequence[1]");
                      if (id == 0) return uncaught(id, kind, "sequence[0]");
                      if (id == 1) return uncaught(id, kind, "sequence[1] > fan_out[0] > sequence[0]");
                      if (id == 4) return uncaught(id, kind, "sequence[1] > fan_out[1]");
                      if (id == 5) return uncaught(id, kind, "sequence[3]");
                      if (kind == fault::non_std) return uncaught(id, kind, "");
                      return answer((a + bias(1) + bias(3)) + right + bias(5));  // id 2 failed: s3 answers
                    });
  }

  // Depth 3, in parallel and per sample: batched(ensemble(par, mean, s0, s1 | s2)) over 3 samples.
  {
    const auto p = weft::batched(weft::ensemble(weft::par, weft::mean, stage{0, b}, stage{1, b} | stage{2, b}));
    const batch xs = x0.replicate(1, 3);
    cases += inject("batched > ensemble(par) > sequence", board, {0, 1, 2}, {},
                    [&] {
                      const batch ys = p(xs);
                      REQUIRE(ys.cols() == 3);
                      for (int j = 1; j < 3; ++j) CHECK(same_values(ys.col(j), ys.col(0)));
                      return vec(ys.col(0));
                    },
                    [&](int id, fault kind) {
                      if (id < 0) return answer(x0 + (bias(0) + bias(1) + bias(2)) / 2);
                      if (id == 0) return uncaught(id, kind, "batched[0] > ensemble[0]");
                      return uncaught(id, kind, "batched[0] > ensemble[1] > sequence[" + std::to_string(id - 1) + "]");
                    });
  }

  MESSAGE("fault-injection cases: " << cases);
  // 3 + 4 + 5 + 6 + 3 stages, four faults each, plus decline for the two stages that may decline.
  CHECK(cases == (3 + 4 + 5 + 6 + 3) * 4 + 2);
}
