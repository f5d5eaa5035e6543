// bench/compile_time/pipeline10_hand.cpp - the ten stages of stages10.hpp called by hand: the baseline
// of scripts/bench's compile-time measurement (g++ -O2 -c; its twin is pipeline10_weft.cpp).
#include "stages10.hpp"

namespace stages10 {

vec<10> run(const stages& s, const vec<64>& x) {
  const auto a0 = s.s0(x);
  const auto a1 = s.s1(a0);
  const auto a2 = s.s2(a1);
  const auto a3 = s.s3(a2);
  const auto a4 = s.s4(a3);
  const auto a5 = s.s5(a4);
  const auto a6 = s.s6(a5);
  const auto a7 = s.s7(a6);
  const auto a8 = s.s8(a7);
  return s.s9(a8);
}

}  // namespace stages10
