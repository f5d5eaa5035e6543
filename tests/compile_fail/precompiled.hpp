// The header every compile-fail test parses first, precompiled once per build (ctest
// compile_fail.precompile; cmake/run_compile_fail.cmake, MODE=pch): Eigen's core, which the tests'
// common.hpp and <weft/eigen.hpp> include anyway. Nothing of weft goes here, so the diagnostics
// (their "In file included from" lines and their line counts) are those of a plain compile.
#include <Eigen/Core>
