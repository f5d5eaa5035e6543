// torch_model's element types are float, double or std::int64_t: an int input is refused.
// (g++ only: libtorch 1.13's headers do not compile with clang++ 14 in C++20.)
// expect-head: weft
// expect: weft: torch_model<In, Out>: element types must be float, double or std::int64_t
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/torch.hpp>

int main() {
#ifdef WEFT_SHOULD_FAIL
  using model = weft::torch_model<Eigen::Matrix<int, 8, 1>, Eigen::Matrix<float, 3, 1>>;
#else
  using model = weft::torch_model<Eigen::Matrix<float, 8, 1>, Eigen::Matrix<float, 3, 1>>;
#endif
  static_assert(sizeof(model) > 0);
}
