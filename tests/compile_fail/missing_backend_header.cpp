// A stage uses Eigen types but weft/eigen.hpp was not included.
// expect-head: weft
// expect-head: sequence_stage<0>
// expect: weft: this stage uses an Eigen type[^\n]*#include <weft/eigen.hpp>
// max-lines: 12
#include <Eigen/Core>

#ifndef WEFT_SHOULD_FAIL
#include <weft/eigen.hpp>
#endif
#include <weft/sequence.hpp>

#include "common.hpp"

int main() {
  auto p = weft::sequence(stage<f32x4, f32x4>{}, stage<f32x4, f32x4>{});
  (void)p;
}
