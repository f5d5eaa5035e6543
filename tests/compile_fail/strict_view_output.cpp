// A stage whose output_type is a view, under weft::strict: weft copies it into its owning type.
// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: f32<4>
// expect: weft: strict: this stage's output_type is a view
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include <weft/strict.hpp>

#include "common.hpp"

struct first_of_input {  // returns a view of its own input
  using input_type = f32x4;
  using output_type = Eigen::Map<const f32x4>;
  output_type operator()(const input_type& x) const { return output_type(x.data()); }
};

int main() {
  using weft::operator|;
#ifdef WEFT_SHOULD_FAIL
  auto p = weft::strict(stage<f32x4, f32x4>{} | first_of_input{});
#else
  auto p = weft::strict(stage<f32x4, f32x4>{} | stage<Eigen::Map<const f32x4>, f32x4>{});
#endif
  (void)p;
}
