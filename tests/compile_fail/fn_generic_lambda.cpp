// weft::fn of a generic (auto) lambda: fn cannot read In and Out from a template call operator.
// The problem and the remedy within the first 3 lines (g++: line 2, at the user's call; clang: line 3):
// expect: ^([^\n]*\n)?([^\n]*\n)?[^\n]*weft: fn: cannot deduce input and output types from a generic \(auto\) lambda[^\n]*write weft::fn<In, Out>\(f\)
// expect@gcc: fn_generic_lambda\.cpp:[0-9]+:[0-9]+: error: [^\n]*is unavailable: weft: fn:
// expect: fn_cannot_deduce_types
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
#ifdef WEFT_SHOULD_FAIL
  auto relu = weft::fn([](const auto& x) -> f32x4 { return x.cwiseMax(0.0f); });
#else
  auto relu = weft::fn<f32x4, f32x4>([](const auto& x) -> f32x4 { return x.cwiseMax(0.0f); });
#endif
  auto p = relu | stage<f32x4, f32x4>{};  // the placeholder keeps later | silent: one error
  (void)p;
}
