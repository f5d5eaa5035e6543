// An implicit copy under weft::strict: a column-major matrix into a row-major one.
// expect-head: weft
// expect-head: sequence_stage<1>
// expect-head: col_major<weft::f32<2, 3> ?>
// expect-head: f32<2, 3>
// expect: weft: strict: this connection copies
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include <weft/strict.hpp>

#include "common.hpp"

using cm = Eigen::Matrix<float, 2, 3>;
using rm = Eigen::Matrix<float, 2, 3, Eigen::RowMajor>;

int main() {
  using weft::operator|;
#ifdef WEFT_SHOULD_FAIL
  auto p = weft::strict(stage<f32x4, cm>{} | stage<rm, f32x4>{});
#else
  auto p = weft::strict(stage<f32x4, cm>{} | stage<Eigen::Map<const cm>, f32x4>{});
#endif
  (void)p;
}
