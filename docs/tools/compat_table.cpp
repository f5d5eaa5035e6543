// docs/tools/compat_table.cpp - prints the compatibility table of docs/compatibility.md.
//
// Every row is weft::conversion<From, To> asked at compile time, and every spec is
// weft::spec_name<T>(), so the table cannot drift from the library. scripts/docs builds and runs
// this program and splices its output into docs/compatibility.md (docs/tools/splice.py).
// The type column is the type exactly as written below (the macro stringifies it).
#include <weft/convert.hpp>
#include <weft/eigen.hpp>
#include <weft/xtensor.hpp>

#include <cstdio>
#include <memory>
#include <string_view>

namespace {

template <class T>
struct named {
  std::string_view spelling;
};
#define WEFT_TYPE(...) named<__VA_ARGS__>{#__VA_ARGS__}

std::string_view text(weft::conversion_kind k) {
  switch (k) {
    case weft::conversion_kind::identity: return "identity";
    case weft::conversion_kind::view: return "view";
    case weft::conversion_kind::copy: return "copy";
    case weft::conversion_kind::checked: return "checked";
    case weft::conversion_kind::incompatible: return "incompatible";
  }
  return "?";
}

std::string_view text(weft::mismatch m) {
  switch (m) {
    case weft::mismatch::none: return "";
    case weft::mismatch::scalar: return "scalar differs: insert `weft::cast<T>`";
    case weft::mismatch::rank: return "rank differs: insert `weft::reshape<N...>`";
    case weft::mismatch::extent: return "a static extent differs";
    case weft::mismatch::strided_view: return "`To` is a strided view of dense memory";
  }
  return "?";
}

template <class From, class To>
void row(named<From> from, named<To> to) {
  using c = weft::conversion<From, To>;
  // The answer first (kind, then the specs and why), the C++ types last: the table fits a page.
  const bool checked = c::kind == weft::conversion_kind::checked;
  std::printf("| **%.*s**%s%.*s | `%.*s` to `%.*s` | %.*s | `%.*s` | `%.*s` |\n",
              static_cast<int>(text(c::kind).size()), text(c::kind).data(), checked ? ", then " : "",
              static_cast<int>(checked ? text(c::then).size() : 0), text(c::then).data(),
              static_cast<int>(weft::spec_name<From>().size()), weft::spec_name<From>().data(),
              static_cast<int>(weft::spec_name<To>().size()), weft::spec_name<To>().data(),
              static_cast<int>(text(c::why).size()), text(c::why).data(),
              static_cast<int>(from.spelling.size()), from.spelling.data(),
              static_cast<int>(to.spelling.size()), to.spelling.data());
}

}  // namespace

int main() {
  std::printf("| kind | specs | why | From (a stage's output) | To (the next stage's input_type) |\n");
  std::printf("|---|---|---|---|---|\n");
  // identity
  row(WEFT_TYPE(Eigen::Matrix<float, 4, 1>), WEFT_TYPE(Eigen::Matrix<float, 4, 1>));
  // views: zero copy
  row(WEFT_TYPE(Eigen::VectorXf), WEFT_TYPE(Eigen::Map<const Eigen::VectorXf>));
  row(WEFT_TYPE(Eigen::Matrix<float, 4, 1>), WEFT_TYPE(Eigen::Ref<const Eigen::VectorXf>));
  row(WEFT_TYPE(xt::xtensor_fixed<float, xt::xshape<4>>), WEFT_TYPE(Eigen::Map<const Eigen::Matrix<float, 4, 1>>));
  row(WEFT_TYPE(Eigen::Matrix<float, 4, 1>), WEFT_TYPE(xt::xtensor_adaptor<xt::xbuffer_adaptor<const float*, xt::no_ownership, std::allocator<float>>, 1>));
  row(WEFT_TYPE(xt::xtensor<float, 2>), WEFT_TYPE(Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>));
  // copies: another container or layout
  row(WEFT_TYPE(Eigen::Matrix<float, 4, 1>), WEFT_TYPE(xt::xtensor_fixed<float, xt::xshape<4>>));
  row(WEFT_TYPE(xt::xtensor_fixed<float, xt::xshape<4>>), WEFT_TYPE(Eigen::Matrix<float, 4, 1>));
  row(WEFT_TYPE(Eigen::Matrix<float, 4, 1>), WEFT_TYPE(Eigen::Array<float, 4, 1>));
  row(WEFT_TYPE(Eigen::Matrix<float, 2, 3>), WEFT_TYPE(xt::xtensor_fixed<float, xt::xshape<2, 3>>));
  row(WEFT_TYPE(Eigen::MatrixXf), WEFT_TYPE(Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>));
  row(WEFT_TYPE(Eigen::Map<Eigen::VectorXf, 0, Eigen::InnerStride<2>>), WEFT_TYPE(Eigen::Map<const Eigen::VectorXf>));
  // checked at run time, then a view or a copy
  row(WEFT_TYPE(Eigen::VectorXf), WEFT_TYPE(Eigen::Matrix<float, 4, 1>));
  row(WEFT_TYPE(Eigen::VectorXf), WEFT_TYPE(Eigen::Map<const Eigen::Matrix<float, 4, 1>>));
  row(WEFT_TYPE(xt::xtensor<float, 2>), WEFT_TYPE(Eigen::Matrix<float, 2, 3>));
  row(WEFT_TYPE(xt::xarray<float>), WEFT_TYPE(xt::xtensor<float, 2>));
  row(WEFT_TYPE(xt::xarray<float>), WEFT_TYPE(Eigen::Matrix<float, 4, 1>));
  // incompatible: a compile error naming the stage and both specs
  row(WEFT_TYPE(Eigen::Matrix<float, 4, 1>), WEFT_TYPE(Eigen::Matrix<double, 4, 1>));
  row(WEFT_TYPE(Eigen::Matrix<float, 4, 1>), WEFT_TYPE(Eigen::Matrix<float, 2, 2>));
  row(WEFT_TYPE(Eigen::Matrix<float, 4, 1>), WEFT_TYPE(xt::xtensor_fixed<float, xt::xshape<3>>));
  row(WEFT_TYPE(xt::xtensor<float, 1>), WEFT_TYPE(xt::xtensor<float, 2>));
  row(WEFT_TYPE(Eigen::VectorXf), WEFT_TYPE(Eigen::Map<const Eigen::VectorXf, 0, Eigen::InnerStride<2>>));
  row(WEFT_TYPE(xt::xarray<float>), WEFT_TYPE(xt::xarray<double>));
}
