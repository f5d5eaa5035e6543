// weft's Conan test_package: a pipeline per backend the package was built with; without a backend,
// the backend-neutral headers must compile. Each runtime the package was built with links: one call
// into OpenCV's DNN module and libonnx (onnx), the XGBoost C API (xgboost), libtorch's c10 (torch);
// with config and Eigen, a pipeline loaded from JSON answers and has a fingerprint; with serve and
// Eigen, a pipeline served on an httplib::Server answers its metadata.
#include <weft/adapters.hpp>
#include <weft/model.hpp>
#include <weft/sequence.hpp>
#include <weft/tensor.hpp>

#if defined(WEFT_TEST_EIGEN)
#include <weft/eigen.hpp>
#endif
#if defined(WEFT_TEST_XTENSOR)
#include <weft/xtensor.hpp>
#endif

#if defined(WEFT_TEST_CONFIG) && defined(WEFT_TEST_EIGEN)
#include <weft/config.hpp>
#include <weft/fingerprint.hpp>
#endif

#if defined(WEFT_TEST_SERVE) && defined(WEFT_TEST_EIGEN)
#include <weft/serve.hpp>

#include <type_traits>
#endif

#if defined(WEFT_TEST_ONNX)
#include <onnx/onnx_pb.h>
#include <opencv2/dnn.hpp>
#endif
#if defined(WEFT_TEST_XGBOOST)
#include <xgboost/c_api.h>
#endif
#if defined(WEFT_TEST_TORCH)
#include <c10/core/Device.h>
#endif

static_assert(!weft::tensor<int>);

int main() {
  int failures = 0;
#if defined(WEFT_TEST_EIGEN)
  {
    using v4 = Eigen::Matrix<float, 4, 1>;
    auto p = weft::fn<v4, v4>([](const v4& x) -> v4 { return 2.0f * x; }) | weft::cast<double>;
    failures += p(v4::Ones()).sum() == 8.0 ? 0 : 1;
  }
#endif
#if defined(WEFT_TEST_XTENSOR)
  {
    using v4 = xt::xtensor_fixed<float, xt::xshape<4>>;
    auto p = weft::fn<v4, v4>([](const v4& x) -> v4 { return 2.0f * x; }) | weft::cast<double>;
    const auto y = p(v4{1.0f, 1.0f, 1.0f, 1.0f});
    failures += y(0) + y(1) + y(2) + y(3) == 8.0 ? 0 : 1;
  }
#endif
#if defined(WEFT_TEST_CONFIG) && defined(WEFT_TEST_EIGEN)
  {
    using v4 = Eigen::Matrix<float, 4, 1>;
    const weft::registry reg;
    const auto p = weft::load_pipeline<v4, v4>(reg, weft::parse_config(R"({"stages": [{"softmax": {}}]})"));
    failures += p(v4::Ones())(0) == 0.25f ? 0 : 1;
    failures += weft::fingerprint(p).to_string().size() == 64 ? 0 : 1;
  }
#endif
#if defined(WEFT_TEST_SERVE) && defined(WEFT_TEST_EIGEN)
  {
    using v4 = Eigen::Matrix<float, 4, 1>;
    const auto twice = weft::fn<v4, v4>([](const v4& x) -> v4 { return 2.0f * x; });
    httplib::Server server;
    weft::serve(server, "twice", twice);
    const weft::oip::served_model<std::decay_t<decltype(twice)>> m(twice, {});
    failures += m.metadata("twice")["inputs"][0]["shape"] == weft::oip::json::array({-1, 4}) ? 0 : 1;
    const auto answer = m.infer(weft::oip::parse_infer_request(
        R"({"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]}]})"), "twice");
    failures += answer["outputs"][0]["data"][3] == 8.0 ? 0 : 1;
  }
#endif
#if defined(WEFT_TEST_ONNX)
  {
    const cv::dnn::Net net;
    onnx::ModelProto model;
    model.set_ir_version(8);
    failures += net.empty() && model.ir_version() == 8 ? 0 : 1;
  }
#endif
#if defined(WEFT_TEST_XGBOOST)
  {
    int major = 0, minor = 0, patch = 0;
    XGBoostVersion(&major, &minor, &patch);
    failures += major >= 1 ? 0 : 1;
  }
#endif
#if defined(WEFT_TEST_TORCH)
  failures += c10::Device("cpu").is_cpu() ? 0 : 1;
#endif
  return failures;
}
