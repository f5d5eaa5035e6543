// demo_pipeline: an Eigen stage, an xtensor stage and a lambda stage composed with |.
// weft bridges Eigen -> xtensor and back for us; the program prints what flowed through each
// stage and what weft decided for each connection. Run it with scripts/demo.
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>
#include <weft/xtensor.hpp>

#include <iostream>
#include <string_view>

#include <xtensor/xmath.hpp>

using vec4 = Eigen::Matrix<float, 4, 1>;
using xvec4 = xt::xtensor_fixed<float, xt::xshape<4>>;

// An Eigen stage: a fixed affine map y = W x + b.
struct affine {
  using input_type = vec4;
  using output_type = vec4;
  std::string_view name = "affine";
  Eigen::Matrix4f weights = Eigen::Matrix4f::Identity() * 2.0f;
  vec4 bias = vec4(-3.0f, -1.0f, 1.0f, 3.0f);
  output_type operator()(const input_type& x) const {
    output_type y = weights * x + bias;
    std::cout << "  affine  (Eigen)   in  " << x.transpose() << "\n                    out " << y.transpose() << "\n";
    return y;
  }
};

// An xtensor stage: ReLU.
struct relu {
  using input_type = xvec4;
  using output_type = xvec4;
  std::string_view name = "relu";
  output_type operator()(const input_type& x) const {
    output_type y = xt::maximum(x, 0.0f);
    std::cout << "  relu    (xtensor) out";
    for (float v : y) std::cout << ' ' << v;
    std::cout << "\n";
    return y;
  }
};

template <class From, class To>
std::string_view decided() {
  switch (weft::conversion<From, To>::kind) {
    case weft::conversion_kind::identity: return "identity";
    case weft::conversion_kind::view: return "view";
    case weft::conversion_kind::copy: return "copy";
    case weft::conversion_kind::checked: return "checked";
    case weft::conversion_kind::incompatible: return "incompatible";
  }
  return "?";
}

int main() {
  // A lambda stage: scale to unit sum, typed by its signature.
  auto normalise = weft::fn([](const vec4& x) -> vec4 {
    const vec4 y = x / x.sum();
    std::cout << "  lambda  (Eigen)   out " << y.transpose() << "\n";
    return y;
  });

  using weft::operator|;  // affine and relu are our own types: name weft's | once
  auto pipeline = affine{} | relu{} | normalise | weft::cast<double>;

  std::cout << "pipeline: " << weft::spec_name<decltype(pipeline)::input_type>() << " -> "
            << weft::spec_name<decltype(pipeline)::output_type>() << "\n";
  std::cout << "affine -> relu:   " << decided<vec4, xvec4>() << "\n";
  std::cout << "relu -> lambda:   " << decided<xvec4, vec4>() << "\n";

  const vec4 x(1.0f, 2.0f, 3.0f, 4.0f);
  std::cout << "call with " << x.transpose() << "\n";
  const Eigen::Matrix<double, 4, 1> y = pipeline(x);
  std::cout << "result " << y.transpose() << " (" << weft::spec_name<decltype(y)>() << ")\n";
}
