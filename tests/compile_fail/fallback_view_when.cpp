// A fallback whose output type is a view (the first branch returns an Eigen::Map), given .when: a
// rejected answer could not be replaced. From /work/shared/repro/fallback_view_when_cf.cpp, which
// failed inside Eigen (Map's deleted operator=) with 35 (g++) / 47 (clang) lines and no weft: line.
// The problem and the remedy within the first 3 lines (g++: line 2, at the user's call; clang: line 3):
// expect: ^([^\n]*\n)?([^\n]*\n)?[^\n]*weft: fallback: \.when needs an output type that owns its memory[^\n]*the first branch returns a view; end the first branch with weft::identity
// expect@gcc: fallback_view_when\.cpp:[0-9]+:[0-9]+: error: [^\n]*is unavailable: weft: fallback:
// expect-head: fallback_branch<0>
// expect-head: Map<const Eigen::Matrix<float, -1, 1
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/fallback.hpp>
#include <weft/sequence.hpp>

using In = Eigen::Vector4f;
using View = Eigen::Map<const Eigen::VectorXf>;

struct src {
  using input_type = In;
  using output_type = View;
  static inline float d[4] = {1, 2, 3, 4};
  View operator()(const In&) const { return View(d, 4); }
};

int main() {
  auto plain = weft::fallback(src{});  // a view output without conditions is fine
  (void)plain(In::Zero());
#ifdef WEFT_SHOULD_FAIL
  auto guarded = weft::fallback(src{}).when(weft::non_finite);
#else
  using weft::operator|;
  auto guarded = weft::fallback(src{} | weft::identity).when(weft::non_finite);  // the remedy
#endif
  (void)guarded(In::Zero());
}
