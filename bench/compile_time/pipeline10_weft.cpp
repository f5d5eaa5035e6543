// bench/compile_time/pipeline10_weft.cpp - the ten stages of stages10.hpp composed with weft's `|`
// (every connection judged at compile time) and called: scripts/bench compiles it (g++ -O2 -c) against
// its hand-written twin pipeline10_hand.cpp and reports the ratio of compile times and peak memory.
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include "stages10.hpp"

namespace stages10 {

auto compose(const stages& s) {
  using weft::operator|;
  return s.s0 | s.s1 | s.s2 | s.s3 | s.s4 | s.s5 | s.s6 | s.s7 | s.s8 | s.s9;
}

using pipeline = decltype(compose(std::declval<const stages&>()));
static_assert(pipeline::size == 10);

pipeline make(const stages& s) { return compose(s); }

vec<10> run(const pipeline& p, const vec<64>& x) { return p(x); }

}  // namespace stages10
