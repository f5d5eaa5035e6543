// Tests for weft/serve.hpp and weft/serve/protocol.hpp: the Open Inference Protocol's JSON codec
// (datatypes, metadata shapes, the entry check, row-major data for any layout) and the server
// (an httplib::Server on 127.0.0.1, port 0, in a thread; an httplib::Client in the test).
#include <weft/eigen.hpp>
#include <weft/xtensor.hpp>
#include <weft/serve/protocol.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;
using mat23 = Eigen::Matrix<double, 2, 3>;  // column-major
using xvec = xt::xtensor<std::int64_t, 1>;
namespace oip = weft::oip;

}  // namespace

TEST_CASE("protocol: datatypes and metadata shapes from the types") {
  CHECK(oip::datatype_of<float>() == "FP32");
  CHECK(oip::datatype_of<double>() == "FP64");
  CHECK(oip::datatype_of<std::int64_t>() == "INT64");
  CHECK(oip::datatype_of<std::int32_t>() == "INT32");
  CHECK(oip::datatype_of<std::uint8_t>() == "UINT8");
  CHECK(oip::datatype_of<bool>() == "BOOL");
  const auto m = oip::meta_of<vec4>("input");
  CHECK(m.datatype == "FP32");
  CHECK(m.shape == std::vector<std::int64_t>{-1, 4});
  CHECK(oip::meta_of<xvec>("x").shape == std::vector<std::int64_t>{-1, -1});
  const weft::shape declared{7};
  CHECK(oip::meta_of<xvec>("x", &declared).shape == std::vector<std::int64_t>{-1, 7});
  CHECK(oip::meta_of<mat23>("m").shape == std::vector<std::int64_t>{-1, 2, 3});
}

TEST_CASE("protocol: a column-major matrix round-trips in row-major order") {
  mat23 a;
  a << 1, 2, 3, 4, 5, 6;
  const auto t = oip::encode("m", a);
  CHECK(t["data"] == oip::json::array({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}));
  CHECK(t["shape"] == oip::json::array({2, 3}));
  oip::json req = t;
  req["shape"] = {1, 2, 3};
  const auto back = oip::decode_samples<mat23>(req, "m");
  REQUIRE(back.size() == 1);
  CHECK(back[0] == a);
}

TEST_CASE("protocol: the entry check names the tensor and both specs") {
  const auto req = [](oip::json patch) {
    oip::json t{{"name", "input"}, {"datatype", "FP32"}, {"shape", {1, 4}}, {"data", {1, 2, 3, 4}}};
    t.merge_patch(patch);
    return t;
  };
  CHECK(oip::decode_samples<vec4>(req(oip::json::object()), "input")[0] == vec4(1, 2, 3, 4));
  const auto refused = [&](oip::json patch) -> std::string {
    try {
      oip::decode_samples<vec4>(req(patch), "input");
    } catch (const oip::request_error& e) {
      return e.what();
    }
    return "accepted";
  };
  CHECK(refused({{"datatype", "FP64"}}) ==
        "weft: request_error: input \"input\": wrong datatype: expected FP32[-1,4], got FP64[1,4]");
  CHECK(refused({{"shape", {4}}}).find("wrong rank: expected FP32[-1,4], got FP32[4]") != std::string::npos);
  CHECK(refused({{"shape", {1, 5}}}).find("wrong extent 1") != std::string::npos);
  CHECK(refused({{"shape", {2, 4}}}).find("wrong element count") != std::string::npos);
  CHECK(refused({{"shape", {0, 4}}, {"data", oip::json::array()}}).find("no sample") != std::string::npos);
  CHECK(refused({{"data", {1, 2, "x", 4}}}).find("data[2] is not a number") != std::string::npos);
  CHECK(refused({{"data", {1, 2, 1e300, 4}}}).find("data[2] is out of range") != std::string::npos);
  oip::json ints{{"name", "x"}, {"datatype", "INT64"}, {"shape", {1, 2}}, {"data", {1, 2.5}}};
  try {
    oip::decode_samples<xvec>(ints, "x");
    FAIL("accepted a fraction as INT64");
  } catch (const oip::request_error& e) {
    CHECK(std::string(e.what()).find("data[1] is not an integer") != std::string::npos);
    CHECK(e.tensor() == "x");
  }
}
