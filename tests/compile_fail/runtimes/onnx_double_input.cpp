// onnx_model computes in f32 (OpenCV's DNN module): an In of double is refused with the remedy.
// expect-head: weft
// expect: weft: onnx_model<In, Out>: OpenCV's DNN module computes in f32: In and Out must hold float
// expect: weft::cast<float>
// max-lines: 12
#include <weft/eigen.hpp>
#include <weft/onnx.hpp>

int main() {
#ifdef WEFT_SHOULD_FAIL
  using model = weft::onnx_model<Eigen::Matrix<double, 8, 1>, Eigen::Matrix<float, 3, 1>>;
#else
  using model = weft::onnx_model<Eigen::Matrix<float, 8, 1>, Eigen::Matrix<float, 3, 1>>;
#endif
  static_assert(sizeof(model) > 0);
}
