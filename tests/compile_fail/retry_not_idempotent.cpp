// A retry of a model that declares idempotent = false (it has side effects), seen through
// weft::named and a sequence: the model inside is named in the first lines.
// expect-head: weft
// expect-head: retry_of_side_effects<[^\n]*sends_email
// expect: weft: retry: this model declares idempotent = false \(it has side effects\), so it cannot be retried
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/retry.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

struct sends_email {
  using input_type = f32x4;
  using output_type = f32x4;
#ifdef WEFT_SHOULD_FAIL
  static constexpr bool idempotent = false;
#else
  static constexpr bool idempotent = true;
#endif
  output_type operator()(const input_type& x) const { return x; }
};

int main() {
  auto pipeline = weft::sequence(stage<f32x4, f32x4>{}, weft::named("notify", sends_email{}));
  auto retried = weft::retry(pipeline, weft::attempts(3));
  (void)retried;
}
