// Tests for weft/serve.hpp and weft/serve/protocol.hpp: the Open Inference Protocol's JSON codec
// (datatypes, metadata shapes, the entry check, row-major data for any layout) and the server (an
// httplib::Server on 127.0.0.1, port 0, in a thread; an httplib::Client in the test): metadata,
// infer of one sample and of a batch against the pipeline called directly, every error status with
// its body, the metrics text, a served weft::batcher under concurrent requests, and serving on
// after errors.
#include <weft/eigen.hpp>
#include <weft/xtensor.hpp>
#include <weft/serve.hpp>

#include <weft/batcher.hpp>
#include <weft/fan_out.hpp>
#include <weft/sequence.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using vec4 = Eigen::Matrix<float, 4, 1>;
using vec2 = Eigen::Matrix<float, 2, 1>;
using batch4 = Eigen::Matrix<float, 4, Eigen::Dynamic>;
using mat23 = Eigen::Matrix<double, 2, 3>;  // column-major
using xvec = xt::xtensor<std::int64_t, 1>;
using xvecd = xt::xtensor<double, 1>;
namespace oip = weft::oip;
using json = oip::json;

/// A batch-native model (y = 2x + 1) that records its call_batch calls and their largest batch.
struct affine {
  using input_type = vec4;
  using output_type = vec4;
  std::atomic<int>* batches;
  std::atomic<long>* largest;
  vec4 operator()(const vec4& x) const { return vec4((2 * x).array() + 1); }
  batch4 call_batch(const batch4& b) const {
    batches->fetch_add(1);
    long seen = largest->load();
    while (b.cols() > seen && !largest->compare_exchange_weak(seen, b.cols())) {
    }
    return batch4((2 * b).array() + 1);
  }
};

/// A model with a dynamic extent that declares it: 3 elements, summed cumulatively.
struct running_sum {
  using input_type = xvecd;
  using output_type = xvecd;
  xvecd operator()(const xvecd& x) const {
    xvecd y = x;
    for (std::size_t i = 1; i < y.size(); ++i) y(i) += y(i - 1);
    return y;
  }
  weft::shape input_shape() const { return weft::shape{3}; }
};

/// A server on 127.0.0.1 and a free port, listening in its own thread until destroyed.
struct test_server {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  test_server() = default;
  void start() {
    port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~test_server() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(std::chrono::seconds(20));
    return c;
  }
};

json request(const std::string& name, const std::string& datatype, std::vector<std::int64_t> shape, json data) {
  return json{{"inputs", json::array({json{{"name", name}, {"datatype", datatype}, {"shape", shape}, {"data", data}}})}};
}

/// Status and parsed body of a POST.
std::pair<int, json> post(httplib::Client& c, const std::string& path, const std::string& body) {
  const auto r = c.Post(path, body, "application/json");
  REQUIRE(r);
  return {r->status, json::parse(r->body)};
}
std::pair<int, json> get(httplib::Client& c, const std::string& path) {
  const auto r = c.Get(path);
  REQUIRE(r);
  return {r->status, r->get_header_value("Content-Type").rfind("application/json", 0) == 0 ? json::parse(r->body)
                                                                                           : json(r->body)};
}

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
  CHECK(oip::meta_of<xt::xarray<float>>("a").shape == std::vector<std::int64_t>{-1});
}

TEST_CASE("protocol: a column-major matrix and an Eigen batch travel in row-major order") {
  mat23 a;
  a << 1, 2, 3, 4, 5, 6;
  const auto t = oip::encode("m", a);
  CHECK(t["data"] == json::array({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}));
  CHECK(t["shape"] == json::array({2, 3}));
  json req = t;
  req["shape"] = {1, 2, 3};
  const auto back = oip::decode_samples<mat23>(req, "m");
  REQUIRE(back.size() == 1);
  CHECK(back[0] == a);
  // Two samples [n=2, 4]: sample j is column j of the Eigen batch.
  const json two{{"name", "input"}, {"datatype", "FP32"}, {"shape", {2, 4}}, {"data", {1, 2, 3, 4, 5, 6, 7, 8}}};
  const batch4 b = oip::decode_batch<vec4>(two, "input");
  REQUIRE(b.cols() == 2);
  CHECK(b.col(1) == vec4(5, 6, 7, 8));
  const auto out = oip::encode_batch("output", b);
  CHECK(out["shape"] == json::array({2, 4}));
  CHECK(out["data"] == two["data"]);
  const xt::xtensor<double, 2> xb = oip::decode_batch<xvecd>(json{{"name", "x"}, {"datatype", "FP64"}, {"shape", {2, 3}}, {"data", {{1, 2, 3}, {4, 5, 6}}}}, "x");
  CHECK(xb(1, 0) == 4.0);  // nested data read row-major
}

TEST_CASE("protocol: the entry check names the tensor and both specs") {
  const auto req = [](json patch) {
    json t{{"name", "input"}, {"datatype", "FP32"}, {"shape", {1, 4}}, {"data", {1, 2, 3, 4}}};
    t.merge_patch(patch);
    return t;
  };
  CHECK(oip::decode_samples<vec4>(req(json::object()), "input")[0] == vec4(1, 2, 3, 4));
  const auto refused = [&](json patch) -> std::string {
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
  CHECK(refused({{"shape", {0, 4}}, {"data", json::array()}}).find("no sample") != std::string::npos);
  CHECK(refused({{"shape", {1, -4}}}).find("not an extent") != std::string::npos);
  CHECK(refused({{"data", {1, 2, "x", 4}}}).find("data[2] is not a number") != std::string::npos);
  CHECK(refused({{"data", {1, 2, 1e300, 4}}}).find("data[2] is out of range") != std::string::npos);
  CHECK(refused({{"data", "1234"}}).find("\"data\" is not an array") != std::string::npos);
  CHECK(refused({{"data", {{{1, 2, 3, 4}}}}}).find("nests arrays deeper") != std::string::npos);
  const std::string long_type = refused({{"datatype", std::string(5000, 'F')}});
  CHECK(long_type.size() < 400);  // a quoted part of the request is cut
  CHECK(long_type.find("FFF...[1,4]") != std::string::npos);
  const json empties{{"name", "x"}, {"datatype", "INT64"}, {"shape", {1000000000, 0}}, {"data", json::array()}};
  CHECK_THROWS_WITH_AS(oip::decode_samples<xvec>(empties, "x"), doctest::Contains("without elements"),
                       oip::request_error);
  const json ints{{"name", "x"}, {"datatype", "INT64"}, {"shape", {1, 2}}, {"data", {1, 2.5}}};
  try {
    oip::decode_samples<xvec>(ints, "x");
    FAIL("accepted a fraction as INT64");
  } catch (const oip::request_error& e) {
    CHECK(std::string(e.what()).find("data[1] is not an integer") != std::string::npos);
    CHECK(e.tensor() == "x");
  }
  const json small{{"name", "x"}, {"datatype", "UINT8"}, {"shape", {1, 1}}, {"data", {256}}};
  using xbytes = xt::xtensor<std::uint8_t, 1>;
  CHECK_THROWS_AS(oip::decode_samples<xbytes>(small, "x"), oip::request_error);
  CHECK_THROWS_WITH_AS(oip::parse_infer_request("{\"inputs\": [1,"), doctest::Contains("malformed JSON"),
                       oip::request_error);
  CHECK_THROWS_WITH_AS(oip::parse_infer_request("[]"), doctest::Contains("not a JSON object"), oip::request_error);
}

TEST_CASE("serve: metadata, infer bit for bit, batches, errors, metrics, and serving on") {
  std::atomic<int> batches{0};
  std::atomic<long> largest{0};
  const affine native{&batches, &largest};
  const auto halves = weft::fn([](const vec4& x) { return vec2(x(0) + x(1), x(2) * x(3)); });
  const auto boom = weft::fn([](const vec2& x) -> vec2 {
    if (x(0) < 0) throw std::runtime_error("negative input");
    if (x(0) > 100) throw weft::non_finite_error("f32[2]", 1);  // as a weft check would
    return x;
  });
  const auto failing = halves | weft::named("guard", boom);
  const auto upstream = weft::fn([](const vec4&) -> vec4 {
    throw weft::remote_error("http://127.0.0.1:1", "heavy", 503, "HTTP 503", "overloaded");
  });
  const auto relay = halves | weft::named("ahead", weft::fn([](const vec2& x) { return vec4(x(0), x(1), 0, 0); })) |
                     weft::named("remote", upstream);
  const auto split = weft::fan_out(halves, weft::fn([](const vec4& x) { return vec4(x.reverse()); }));

  test_server ts;
  weft::serve(ts.server, "affine", native);
  weft::serve(ts.server, "failing", failing);
  weft::serve(ts.server, "split", split);
  weft::serve(ts.server, "relay", relay);
  weft::serve(ts.server, "sums", running_sum{}, {.names = {"xs", {"cumulative"}}, .max_body_bytes = 400});
  CHECK_THROWS_AS(weft::serve(ts.server, "affine", native), std::invalid_argument);
  CHECK_THROWS_AS(weft::serve(ts.server, "a/b", native), std::invalid_argument);
  CHECK_THROWS_AS(weft::serve(ts.server, "two", split, {.names = {"input", {"only_one"}}}), std::invalid_argument);
  ts.start();
  auto c = ts.client();

  SUBCASE("health, server and model metadata") {
    CHECK(get(c, "/v2/health/live") == std::pair<int, json>{200, json{{"live", true}}});
    CHECK(get(c, "/v2/health/ready").first == 200);
    CHECK(get(c, "/v2").second["name"] == "weft");
    CHECK(get(c, "/v2/models/affine/ready") == std::pair<int, json>{200, json{{"name", "affine"}, {"ready", true}}});
    const auto [status, meta] = get(c, "/v2/models/affine");
    CHECK(status == 200);
    CHECK(meta["inputs"] == json::array({json{{"name", "input"}, {"datatype", "FP32"}, {"shape", {-1, 4}}}}));
    CHECK(meta["outputs"] == json::array({json{{"name", "output"}, {"datatype", "FP32"}, {"shape", {-1, 4}}}}));
    const auto split_meta = get(c, "/v2/models/split").second;
    CHECK(split_meta["outputs"][0] == json{{"name", "output_0"}, {"datatype", "FP32"}, {"shape", {-1, 2}}});
    CHECK(split_meta["outputs"][1]["name"] == "output_1");
    const auto sums_meta = get(c, "/v2/models/sums").second;  // xtensor, dynamic extent declared 3
    CHECK(sums_meta["inputs"][0] == json{{"name", "xs"}, {"datatype", "FP64"}, {"shape", {-1, 3}}});
    CHECK(sums_meta["outputs"][0] == json{{"name", "cumulative"}, {"datatype", "FP64"}, {"shape", {-1, -1}}});
  }

  SUBCASE("one sample and a batch, bit for bit against the pipeline called directly") {
    const vec4 x(0.1f, -2.7f, 3.3f, 1e-7f);
    const vec4 y = native(x);
    int status = 0;
    json answer;
    std::tie(status, answer) = post(c, "/v2/models/affine/infer",
                                 json{{"id", "r1"}, {"inputs", request("input", "FP32", {1, 4}, {x(0), x(1), x(2), x(3)})["inputs"]}}.dump());
    REQUIRE(status == 200);
    CHECK(answer["id"] == "r1");
    CHECK(answer["model_name"] == "affine");
    const auto& out = answer["outputs"][0];
    CHECK(out["name"] == "output");
    CHECK(out["shape"] == json::array({1, 4}));
    for (int i = 0; i < 4; ++i) CHECK(out["data"][static_cast<std::size_t>(i)].get<float>() == y(i));
    CHECK(batches.load() == 0);  // one sample: one plain call

    std::vector<float> flat;
    batch4 b(4, 3);
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 4; ++i) flat.push_back(b(i, j) = 0.37f * static_cast<float>(i * 3 + j) - 1.1f);
    std::tie(status, answer) = post(c, "/v2/models/affine/infer", request("input", "FP32", {3, 4}, flat).dump());
    REQUIRE(status == 200);
    CHECK(batches.load() == 1);  // batch-native: one call_batch for three samples
    CHECK(answer["outputs"][0]["shape"] == json::array({3, 4}));
    for (int j = 0; j < 3; ++j) {
      const vec4 direct = native(vec4(b.col(j)));
      for (int i = 0; i < 4; ++i) CHECK(answer["outputs"][0]["data"][static_cast<std::size_t>(j * 4 + i)].get<float>() == direct(i));
    }

    // Not batch-native, tuple output: one call per sample, outputs by name.
    std::tie(status, answer) = post(c, "/v2/models/split/infer",
                                    request("input", "FP32", {2, 4}, std::vector<float>(flat.begin(), flat.begin() + 8)).dump());
    REQUIRE_MESSAGE(status == 200, answer.dump());
    const auto [first, second] = split(vec4(b.col(1)));
    CHECK(answer["outputs"][0]["shape"] == json::array({2, 2}));
    CHECK(answer["outputs"][0]["data"][2].get<float>() == first(0));
    CHECK(answer["outputs"][1]["data"][4].get<float>() == second(0));
    json pick = request("input", "FP32", {1, 4}, {1, 2, 3, 4});
    pick["outputs"] = json::array({json{{"name", "output_1"}}});
    std::tie(status, answer) = post(c, "/v2/models/split/infer", pick.dump());
    CHECK(status == 200);
    REQUIRE(answer["outputs"].size() == 1);
    CHECK(answer["outputs"][0]["data"] == json::array({4.0, 3.0, 2.0, 1.0}));

    std::tie(status, answer) = post(c, "/v2/models/sums/infer", request("xs", "FP64", {1, 3}, {1.5, 2, 4}).dump());
    CHECK_MESSAGE(status == 200, answer.dump());
    CHECK(answer["outputs"][0]["data"] == json::array({1.5, 3.5, 7.5}));
  }

  SUBCASE("every error status, with its body, and the server serves on") {
    const auto [s400, b400] = post(c, "/v2/models/affine/infer", "{\"inputs\": [");
    CHECK(s400 == 400);
    CHECK(b400["error"].get<std::string>().find("malformed JSON") != std::string::npos);
    const auto [s400b, b400b] = post(c, "/v2/models/affine/infer", request("input", "FP64", {1, 4}, {1, 2, 3, 4}).dump());
    CHECK(s400b == 400);
    CHECK(b400b["error"] == "weft: request_error: input \"input\": wrong datatype: expected FP32[-1,4], got FP64[1,4]");
    const auto [s400c, b400c] = post(c, "/v2/models/affine/infer", request("pixels", "FP32", {1, 4}, {1, 2, 3, 4}).dump());
    CHECK(s400c == 400);
    CHECK(b400c["error"].get<std::string>().find("unknown input tensor") != std::string::npos);
    const auto [s400d, b400d] = post(c, "/v2/models/sums/infer", request("xs", "FP64", {1, 4}, {1, 2, 3, 4}).dump());
    CHECK(s400d == 400);  // the declared extent 3
    CHECK(b400d["error"].get<std::string>().find("expected FP64[-1,3], got FP64[1,4]") != std::string::npos);

    const auto [s404, b404] = post(c, "/v2/models/nobody/infer", request("input", "FP32", {1, 4}, {1, 2, 3, 4}).dump());
    CHECK(s404 == 404);
    CHECK(b404["error"] == "weft: unknown model \"nobody\"");
    CHECK(get(c, "/v2/models/nobody").first == 404);
    const auto [s404b, b404b] = get(c, "/v2/models/nobody/ready");
    CHECK(s404b == 404);
    CHECK(b404b["error"] == "weft: unknown model \"nobody\"");

    std::vector<double> many(200, 1.0);  // over sums' 400 bytes, under the server's 64 MiB
    const auto [s413, b413] = post(c, "/v2/models/sums/infer", request("xs", "FP64", {1, 200}, many).dump());
    CHECK(s413 == 413);
    CHECK(b413["error"].get<std::string>().find("limit of 400 bytes") != std::string::npos);

    const auto [s500, b500] = post(c, "/v2/models/failing/infer", request("input", "FP32", {1, 4}, {-5, 1, 1, 1}).dump());
    CHECK(s500 == 500);
    CHECK(b500["error"].get<std::string>().find("negative input") != std::string::npos);
    const auto [s500b, b500b] = post(c, "/v2/models/failing/infer", request("input", "FP32", {1, 4}, {200, 1, 1, 1}).dump());
    CHECK(s500b == 500);
    CHECK(b500b["error"].get<std::string>().rfind("weft: non_finite_error at sequence[1] \"guard\": ", 0) == 0);

    const auto [s502, b502] = post(c, "/v2/models/relay/infer", request("input", "FP32", {1, 4}, {1, 2, 3, 4}).dump());
    CHECK(s502 == 502);
    CHECK(b502["error"] == "weft: remote_error at sequence[2] \"remote\": model \"heavy\" at http://127.0.0.1:1: "
                           "HTTP 503; server said: overloaded");

    // After every error: a good request is answered.
    const auto [ok, answer] = post(c, "/v2/models/failing/infer", request("input", "FP32", {1, 4}, {1, 2, 3, 4}).dump());
    CHECK(ok == 200);
    CHECK(answer["outputs"][0]["data"] == json::array({3.0, 12.0}));

    const auto [ms, text] = get(c, "/metrics");
    CHECK(ms == 200);
    const std::string t = text.get<std::string>();
    CHECK(t.find("# TYPE weft_infer_requests_total counter") != std::string::npos);
    CHECK(t.find("weft_infer_requests_total{model=\"failing\",code=\"500\"} 2\n") != std::string::npos);
    CHECK(t.find("weft_infer_requests_total{model=\"failing\",code=\"200\"} 1\n") != std::string::npos);
    CHECK(t.find("weft_infer_requests_total{model=\"sums\",code=\"413\"} 1\n") != std::string::npos);
    CHECK(t.find("weft_infer_requests_total{model=\"affine\",code=\"400\"} 3\n") != std::string::npos);
    CHECK(t.find("weft_stage_calls_total{model=\"failing\",stage=\"(pipeline)\"} 3\n") != std::string::npos);
    CHECK(t.find("weft_stage_errors_total{model=\"failing\",stage=\"sequence[1] \\\"guard\\\"\"} 2\n") !=
          std::string::npos);
    CHECK(t.find("weft_infer_request_duration_seconds_count{model=\"failing\"} 3\n") != std::string::npos);
    CHECK(t.find("weft_stage_duration_seconds_bucket{model=\"failing\",stage=\"(pipeline)\",le=\"+Inf\"} 3\n") !=
          std::string::npos);
  }
}

TEST_CASE("serve: a served batcher gathers concurrent requests into one call_batch") {
  std::atomic<int> batches{0};
  std::atomic<long> largest{0};
  const affine native{&batches, &largest};
  test_server ts;
  ts.server.new_task_queue = [] { return new httplib::ThreadPool(8); };
  weft::serve(ts.server, "batched", weft::batcher(native, 8, std::chrono::milliseconds(200)));
  ts.start();
  constexpr int clients = 8;
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int k = 0; k < clients; ++k)
    threads.emplace_back([&, k] {
      auto c = ts.client();
      const vec4 x(static_cast<float>(k), 1.5f, -2.0f, 0.25f);
      const auto r = c.Post("/v2/models/batched/infer", request("input", "FP32", {1, 4}, {x(0), x(1), x(2), x(3)}).dump(),
                            "application/json");
      if (!r || r->status != 200) return;
      const auto data = json::parse(r->body)["outputs"][0]["data"];
      const vec4 y = native(x);
      if (data == json::array({y(0), y(1), y(2), y(3)})) right.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  CHECK(right.load() == clients);
  CHECK(batches.load() < clients);
  CHECK(largest.load() >= 2);
}

TEST_CASE("serve: httplib's own refusals (no route, a body over the server's limit) get the error body") {
  test_server ts;
  weft::serve(ts.server, "tiny", weft::fn([](const vec4& x) { return x; }), {.max_body_bytes = 256});
  ts.start();
  auto c = ts.client();
  const auto [s404, b404] = get(c, "/v2/nowhere");
  CHECK(s404 == 404);
  CHECK(b404["error"] == "weft: 404 for GET /v2/nowhere");
  const auto r = c.Post("/v2/models/tiny/infer", std::string(1000, ' '), "application/json");
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(json::parse(r->body)["error"] == "weft: request body over the server's limit of 256 bytes");
  auto again = ts.client();
  const auto [ok, answer] = post(again, "/v2/models/tiny/infer", request("input", "FP32", {1, 4}, {1, 2, 3, 4}).dump());
  CHECK(ok == 200);
  CHECK(answer["outputs"][0]["data"] == json::array({1.0, 2.0, 3.0, 4.0}));
  const auto text = get(again, "/metrics").second.get<std::string>();
  CHECK(text.find("weft_infer_requests_total{model=\"tiny\",code=\"413\"} 1\n") != std::string::npos);
}
