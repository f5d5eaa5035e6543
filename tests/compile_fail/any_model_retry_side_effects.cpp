// A retry of an any_model<In, Out, weft::with_side_effects>, inside a sequence: the erased model
// declares idempotent = false itself, so retry refuses it with its own diagnostic, naming the
// any_model. A retry of an any_model<In, Out> (idempotent_only) compiles.
// expect-head: weft
// expect-head: retry_of_side_effects<[^\n]*with_side_effects
// expect: weft: retry: this model declares idempotent = false \(it has side effects\), so it cannot be retried
// max-lines: 12
#include <weft/any_model.hpp>
#include <weft/eigen.hpp>
#include <weft/retry.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

#ifdef WEFT_SHOULD_FAIL
using erased = weft::any_model<f32x4, f32x4, weft::with_side_effects>;
#else
using erased = weft::any_model<f32x4, f32x4>;
#endif

int main() {
  const erased a = stage<f32x4, f32x4>{};
  auto retried = weft::retry(weft::sequence(stage<f32x4, f32x4>{}, a), weft::attempts(3));
  (void)retried;
}
