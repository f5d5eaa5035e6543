// An any_model<In, Out> (weft::idempotent_only) given a pipeline with a model that declares
// idempotent = false, inside weft::named and a sequence: the model is named in the first lines,
// with the remedy. Held in any_model<In, Out, weft::with_side_effects>, the same pipeline compiles.
// expect-head: weft
// expect-head: any_model_of_side_effects<[^\n]*sends_email
// expect: weft: any_model: this model declares idempotent = false \(it has side effects\)
// expect: hold it in weft::any_model<In, Out, weft::with_side_effects>
// max-lines: 12
#include <weft/any_model.hpp>
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "common.hpp"

struct sends_email {
  using input_type = f32x4;
  using output_type = f32x4;
  static constexpr bool idempotent = false;
  output_type operator()(const input_type& x) const { return x; }
};

int main() {
  auto pipeline = weft::sequence(stage<f32x4, f32x4>{}, weft::named("notify", sends_email{}));
#ifdef WEFT_SHOULD_FAIL
  const weft::any_model<f32x4, f32x4> a = pipeline;
#else
  const weft::any_model<f32x4, f32x4, weft::with_side_effects> a = pipeline;
#endif
  (void)a;
}
