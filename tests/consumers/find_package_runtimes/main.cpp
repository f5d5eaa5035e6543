// Links the runtimes weft::onnx and weft::xgboost bring: OpenCV's DNN module, libonnx's protobuf
// classes and the XGBoost C API, one call each (and libtorch's c10 when weft::torch was found).
#include <opencv2/dnn.hpp>
#include <onnx/onnx_pb.h>
#include <xgboost/c_api.h>

#include <cstdio>

#ifdef WEFT_CONSUMER_TORCH
bool torch_links();   // torch.cpp
#endif

int main() {
  const cv::dnn::Net net;
  onnx::ModelProto model;
  model.set_ir_version(8);
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  bool ok = net.empty() && model.ir_version() == 8 && major >= 1;
#ifdef WEFT_CONSUMER_TORCH
  ok = ok && torch_links();
#endif
  std::printf("opencv dnn, onnx ir %d, xgboost %d.%d.%d: %s\n", static_cast<int>(model.ir_version()), major,
              minor, patch, ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
