// xgboost_model takes one sample's features as a rank-1 float tensor: a matrix is refused.
// expect-head: weft
// expect: weft: xgboost_model<In, Out>: In must be a contiguous rank-1 float tensor
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/xgboost.hpp>

int main() {
#ifdef WEFT_SHOULD_FAIL
  using model = weft::xgboost_model<Eigen::Matrix<float, 2, 4>, Eigen::Matrix<float, 3, 1>>;
#else
  using model = weft::xgboost_model<Eigen::Matrix<float, 8, 1>, Eigen::Matrix<float, 3, 1>>;
#endif
  static_assert(sizeof(model) > 0);
}
