// Tests for weft/remote.hpp (weft::remote) and weft/serve/remote_error.hpp.
//
// A loopback server on port 0 runs in a thread of this program. Part 1: a small hand-written
// cpp-httplib handler that speaks just enough of the Open Inference Protocol and can misbehave on
// purpose (one model name per misbehaviour: wrong metadata, 500, 502, malformed JSON, a slow answer,
// a wrong datatype or shape), so every check at construction and every per-call failure is met.
// Answers are computed with the same float code as the local models, so results compare bit for bit.
// Part 2: real weft pipelines served by weft::serve and called through weft::remote, bit for bit
// against the same pipeline called in process, alone and composed with fallback and retry; a
// server whose pipeline holds a remote stage answers 502 when that stage's server is down.
#include <weft/eigen.hpp>
#include <weft/xtensor.hpp>
#include <weft/remote.hpp>
#include <weft/serve.hpp>

#include <weft/fallback.hpp>
#include <weft/model.hpp>
#include <weft/retry.hpp>
#include <weft/sequence.hpp>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using json = nlohmann::json;
using vec4 = Eigen::Matrix<float, 4, 1>;
using vecx = Eigen::Matrix<float, Eigen::Dynamic, 1>;

/// The affine map both the fake server and the local twin compute, in float.
float affine(float v) { return v * 3.25f + 0.5f; }

vec4 local_affine(const vec4& x) {
  vec4 y;
  for (int i = 0; i < 4; ++i) y[i] = affine(x[i]);
  return y;
}

/// Bit-for-bit equality of two float tensors' elements (distinguishes -0 from 0, compares NaN).
template <class A, class B>
bool same_bits(const A& a, const B& b, std::size_t n) {
  return std::memcmp(a.data(), b.data(), n * sizeof(float)) == 0;
}

json tensor_meta(const std::string& name, const std::string& datatype, std::vector<std::int64_t> dims) {
  return {{"name", name}, {"datatype", datatype}, {"shape", dims}};
}

/// A hand-written Open Inference Protocol server on 127.0.0.1, port 0, with models that misbehave.
class fake_server {
 public:
  fake_server() {
    // Metadata: each model's inputs and outputs.
    const auto affine_meta = [](std::vector<std::int64_t> in, std::vector<std::int64_t> out, std::string in_type = "FP32",
                                std::string out_type = "FP32") {
      return json{{"inputs", json::array({tensor_meta("x", in_type, in)})},
                  {"outputs", json::array({tensor_meta("y", out_type, out)})}};
    };
    meta_["affine"] = affine_meta({4}, {4});
    meta_["affine_any"] = affine_meta({-1}, {-1});      // any length: answers as long as it is sent
    meta_["affine_batch"] = affine_meta({-1, 4}, {-1, 4});
    meta_["affine_f64"] = affine_meta({4}, {4}, "FP64", "FP64");
    meta_["affine_rank2"] = affine_meta({2, 2}, {4});
    meta_["affine_5"] = affine_meta({5}, {5});
    meta_["two_inputs"] = {{"inputs", json::array({tensor_meta("a", "FP32", {4}), tensor_meta("b", "FP32", {4})})},
                           {"outputs", json::array({tensor_meta("y", "FP32", {4})})}};
    meta_["two_outputs"] = {{"inputs", json::array({tensor_meta("x", "FP32", {4})})},
                            {"outputs", json::array({tensor_meta("label", "INT64", {1}), tensor_meta("y", "FP32", {4})})}};
    meta_["no_outputs"] = {{"inputs", json::array({tensor_meta("x", "FP32", {4})})}};
    meta_["rowsum"] = affine_meta({2, 3}, {2});
    for (const char* m : {"err500", "err502", "malformed", "slow", "wrong_datatype", "wrong_shape", "wrong_count",
                          "flaky", "html500"})
      meta_[m] = affine_meta({4}, {4});
    meta_["short_answer"] = affine_meta({4}, {-1});  // declares any extent, answers 3 values

    server_.Get(R"(/v2/models/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      const auto it = meta_.find(req.matches[1]);
      if (it == meta_.end()) {
        res.status = 404;
        res.set_content(json{{"error", "unknown model " + std::string(req.matches[1])}}.dump(), "application/json");
        return;
      }
      json m = it->second;
      m["name"] = it->first;
      res.set_content(m.dump(), "application/json");
    });
    server_.Post(R"(/v2/models/([^/]+)/infer)", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests_;
      infer(req.matches[1], req, res);
    });
    server_.set_keep_alive_timeout(1);  // stop() waits for idle keep-alive connections: 1 s at most
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~fake_server() { stop(); }

  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }
  /// The last request body received (for the wire-format checks).
  std::string last_body() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return last_body_;
  }

 private:
  void infer(const std::string& model, const httplib::Request& req, httplib::Response& res) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      last_body_ = req.body;
    }
    const auto reply = [&](const json& j) { res.set_content(j.dump(), "application/json"); };
    const auto error = [&](int status, const std::string& text) {
      res.status = status;
      reply(json{{"error", text}});
    };
    if (model == "err500") return error(500, "model failed: boom");
    if (model == "err502") return error(502, "upstream stage failed");
    if (model == "html500") {
      res.status = 500;
      res.set_content("<html>Internal Server Error</html>", "text/html");
      return;
    }
    if (model == "malformed") return res.set_content("{\"outputs\": [", "application/json");
    if (model == "flaky" && flaky_calls_++ % 2 == 0) return error(503, "busy, try again");
    if (model == "slow") std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.contains("inputs")) return error(400, "malformed request");
    const json& in = body["inputs"][0];
    std::vector<float> x;
    for (const auto& v : in["data"]) x.push_back(static_cast<float>(v.get<double>()));
    json shape = in["shape"];
    std::string datatype = "FP32";
    std::vector<float> y;
    if (model == "rowsum") {  // [2,3] row-major -> [2]: each row's sum, left to right
      for (int r = 0; r < 2; ++r) y.push_back(x[3 * r] + x[3 * r + 1] + x[3 * r + 2]);
      shape = json::array({2});
    } else {
      for (float v : x) y.push_back(affine(v));
    }
    if (model == "wrong_datatype") datatype = "FP64";
    if (model == "wrong_shape") shape = json::array({2, 2});
    if (model == "short_answer") {
      y.resize(3);
      shape = json::array({3});
    }
    json data = json::array();
    for (float v : y) data.push_back(v);
    if (model == "wrong_count") data.push_back(1.0f);
    json outputs = json::array();
    if (model == "two_outputs") outputs.push_back({{"name", "label"}, {"datatype", "INT64"}, {"shape", {1}}, {"data", {7}}});
    outputs.push_back({{"name", "y"}, {"datatype", datatype}, {"shape", shape}, {"data", data}});
    reply(json{{"model_name", model}, {"outputs", outputs}});
  }

  httplib::Server server_;
  std::map<std::string, json> meta_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<int> flaky_calls_{0};
  mutable std::mutex mutex_;
  std::string last_body_;
};

/// A loopback port nothing listens on: bound to port 0, then closed (connecting is refused).
std::string closed_url() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof a;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0);
  ::close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
}

/// Random finite floats, with the awkward ones (-0, denormals, the largest, the smallest) first.
std::vector<vec4> inputs(std::size_t n) {
  std::vector<vec4> v;
  vec4 edge;
  edge << -0.0f, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max() / 8,
      std::numeric_limits<float>::min();
  v.push_back(edge);
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> d(-1000.0f, 1000.0f);
  while (v.size() < n) {
    vec4 x;
    for (int i = 0; i < 4; ++i) x[i] = d(rng) / static_cast<float>(1 << (rng() % 20));
    v.push_back(x);
  }
  return v;
}

template <class F>
weft::load_error load_error_of(F&& f) {
  try {
    f();
  } catch (const weft::load_error& e) {
    return e;
  }
  FAIL("no weft::load_error was thrown");
  return weft::load_error("", "", "", "");
}

template <class F>
weft::remote_error remote_error_of(F&& f) {
  try {
    f();
  } catch (const weft::remote_error& e) {
    return e;
  }
  FAIL("no weft::remote_error was thrown");
  return weft::remote_error("", "", -1, "");
}

}  // namespace

static_assert(weft::model<weft::remote<vec4, vec4>>);
static_assert(weft::remote<vec4, vec4>::idempotent);

TEST_CASE("remote: answers bit for bit as the local model, copies share one state") {
  fake_server server;
  const weft::remote<vec4, vec4> m{server.url(), "affine"};
  CHECK(m.name == "affine");
  CHECK(m.url() == server.url());
  CHECK(m.input_name() == "x");
  CHECK(m.output_name() == "y");
  const auto copy = m;  // NOLINT: a copy on purpose
  for (const vec4& x : inputs(200)) {
    const vec4 got = copy(x);
    const vec4 want = local_affine(x);
    REQUIRE(same_bits(got, want, 4));
  }
  // The request is the protocol's: one input named as the server declares, flat, with its datatype.
  const json sent = json::parse(server.last_body());
  CHECK(sent["inputs"][0]["name"] == "x");
  CHECK(sent["inputs"][0]["datatype"] == "FP32");
  CHECK(sent["inputs"][0]["shape"] == json::array({4}));
  CHECK_FALSE(sent.contains("outputs"));  // one output: nothing to choose
}

TEST_CASE("remote: a trailing slash, a batch axis, dynamic extents, several outputs") {
  fake_server server;
  const vec4 x(1.5f, -2.25f, 3.0f, 1e-3f);
  SUBCASE("trailing slash") {
    const weft::remote<vec4, vec4> m{server.url() + "/", "affine"};
    CHECK(m.url() == server.url());
    CHECK(same_bits(m(x), local_affine(x), 4));
  }
  SUBCASE("the server's [-1, 4]: x goes as a batch of one") {
    const weft::remote<vec4, vec4> m{server.url(), "affine_batch"};
    CHECK(same_bits(m(x), local_affine(x), 4));
    CHECK(json::parse(server.last_body())["inputs"][0]["shape"] == json::array({1, 4}));
  }
  SUBCASE("the server's -1 against fixed In and Out: accepted") {
    const weft::remote<vec4, vec4> m{server.url(), "affine_any"};
    CHECK(m.input_shape() == weft::shape{4});
    CHECK(same_bits(m(x), local_affine(x), 4));
  }
  SUBCASE("a dynamic In against the server's 4: declared, and checked before sending") {
    const weft::remote<vecx, vecx> m{server.url(), "affine"};
    CHECK(m.input_shape() == weft::shape{4});
    CHECK(m.output_shape() == weft::shape{4});
    const vecx y = m(vecx(x));
    CHECK(same_bits(y, local_affine(x), 4));
    const int before = server.requests();
    CHECK_THROWS_WITH_AS(m(vecx::Zero(5)), doctest::Contains("expected f32[4], got f32[5]"), weft::shape_error);
    CHECK(server.requests() == before);  // nothing was sent
  }
  SUBCASE("dynamic against -1: any length goes") {
    const weft::remote<vecx, vecx> m{server.url(), "affine_any"};
    vecx v(7);
    for (int i = 0; i < 7; ++i) v[i] = static_cast<float>(i) / 3.0f;
    const vecx y = m(v);
    REQUIRE(y.size() == 7);
    for (int i = 0; i < 7; ++i) CHECK(y[i] == affine(v[i]));
  }
  SUBCASE("several outputs: remote_options::output picks one, and the request names it") {
    CHECK_THROWS_WITH_AS((weft::remote<vec4, vec4>{server.url(), "two_outputs"}),
                         doctest::Contains("2 outputs: label, y"), weft::load_error);
    const weft::remote<vec4, vec4> m{server.url(), "two_outputs", {.output = "y"}};
    CHECK(same_bits(m(x), local_affine(x), 4));
    CHECK(json::parse(server.last_body())["outputs"] == json::array({{{"name", "y"}}}));
  }
  SUBCASE("an argument of another tensor type is bridged first") {
    const weft::remote<vec4, vec4> m{server.url(), "affine"};
    const xt::xtensor_fixed<float, xt::xshape<4>> xx = {1.5f, -2.25f, 3.0f, 1e-3f};
    CHECK(same_bits(m(xx), local_affine(x), 4));
  }
}

TEST_CASE("remote: tensors travel in row-major order whatever their memory order") {
  fake_server server;
  using colmajor = Eigen::Matrix<float, 2, 3>;  // Eigen's default: column-major
  using rowmajor = Eigen::Matrix<float, 2, 3, Eigen::RowMajor>;
  using xt23 = xt::xtensor_fixed<float, xt::xshape<2, 3>>;
  using vec2 = Eigen::Matrix<float, 2, 1>;
  colmajor c;
  c << 1.25f, 2.5f, -4.0f, 8.125f, 16.0f, 0.375f;
  const vec2 want(c(0, 0) + c(0, 1) + c(0, 2), c(1, 0) + c(1, 1) + c(1, 2));
  const weft::remote<colmajor, vec2> by_col{server.url(), "rowsum"};
  CHECK(same_bits(by_col(c), want, 2));
  CHECK(json::parse(server.last_body())["inputs"][0]["data"] == json::array({1.25, 2.5, -4.0, 8.125, 16.0, 0.375}));
  const weft::remote<rowmajor, vec2> by_row{server.url(), "rowsum"};
  CHECK(same_bits(by_row(rowmajor(c)), want, 2));
  const weft::remote<xt23, xt::xtensor_fixed<float, xt::xshape<2>>> by_xt{server.url(), "rowsum"};
  const xt23 xc = {{1.25f, 2.5f, -4.0f}, {8.125f, 16.0f, 0.375f}};
  const auto y = by_xt(xc);
  CHECK(same_bits(y, want, 2));
}

TEST_CASE("remote: the checks at construction are load_errors naming the URL, the tensor and both specs") {
  fake_server server;
  const std::string file = server.url() + "/v2/models/";
  SUBCASE("datatype") {
    const auto e = load_error_of([&] { weft::remote<vec4, vec4>{server.url(), "affine_f64"}; });
    CHECK(e.file() == file + "affine_f64");
    CHECK(e.tensor() == "x");
    CHECK(e.expected() == "FP32[4]");
    CHECK(e.actual() == "FP64[4]");
    CHECK(std::string(e.what()).find("affine_f64\", tensor \"x\": expected FP32[4], got FP64[4]") != std::string::npos);
  }
  SUBCASE("rank") {
    const auto e = load_error_of([&] { weft::remote<vec4, vec4>{server.url(), "affine_rank2"}; });
    CHECK(e.tensor() == "x");
    CHECK(e.actual() == "FP32[2,2]");
  }
  SUBCASE("a fixed extent, on the output too") {
    const auto e = load_error_of([&] { weft::remote<vec4, vec4>{server.url(), "affine_5"}; });
    CHECK(e.tensor() == "x");
    CHECK(e.expected() == "FP32[4]");
    CHECK(e.actual() == "FP32[5]");
    using vec5 = Eigen::Matrix<float, 5, 1>;
    const auto o = load_error_of([&] { weft::remote<vec5, vec4>{server.url(), "affine_5"}; });
    CHECK(o.tensor() == "y");
    CHECK(o.actual() == "FP32[5]");
  }
  SUBCASE("a batch axis against In's rank + 1 that is not one") {
    using vec2 = Eigen::Matrix<float, 2, 1>;
    const auto e = load_error_of([&] { weft::remote<vec2, vec2>{server.url(), "affine_rank2"}; });
    CHECK(e.tensor() == "x");  // [2,2] has In's rank + 1, but its leading axis is no batch of one
    CHECK(e.expected() == "FP32[1,2]");
    CHECK(e.actual() == "FP32[2,2]");
  }
  SUBCASE("several inputs, no outputs, an unknown output name") {
    CHECK_THROWS_WITH_AS((weft::remote<vec4, vec4>{server.url(), "two_inputs"}),
                         doctest::Contains("expected a model of one input, got 2 inputs: a, b"), weft::load_error);
    CHECK_THROWS_WITH_AS((weft::remote<vec4, vec4>{server.url(), "no_outputs"}),
                         doctest::Contains("metadata without an \"outputs\" list"), weft::load_error);
    CHECK_THROWS_WITH_AS((weft::remote<vec4, vec4>{server.url(), "two_outputs", {.output = "z"}}),
                         doctest::Contains("tensor \"z\": expected an output named \"z\", got outputs: label, y"),
                         weft::load_error);
  }
  SUBCASE("an unknown model: the server's 404 and its message") {
    const auto e = load_error_of([&] { weft::remote<vec4, vec4>{server.url(), "nope"}; });
    CHECK(e.file() == file + "nope");
    CHECK(e.actual() == "HTTP 404: unknown model nope");
  }
  SUBCASE("no server, not an http URL") {
    const std::string closed = closed_url();
    const auto e = load_error_of([&] { weft::remote<vec4, vec4>{closed, "affine"}; });
    CHECK(e.file() == closed + "/v2/models/affine");
    INFO(e.actual());
    CHECK(e.actual().find("no answer: could not connect") == 0);
    CHECK_THROWS_WITH_AS((weft::remote<vec4, vec4>{"https://example.org", "m"}),
                         doctest::Contains("not an http:// URL"), weft::load_error);
  }
}

TEST_CASE("remote: a failed call is a remote_error with the status, the URL, the model and the server's text") {
  fake_server server;
  const vec4 x(1, 2, 3, 4);
  SUBCASE("500 and 502 with the protocol's error body") {
    const weft::remote<vec4, vec4> m{server.url(), "err500"};
    const auto e = remote_error_of([&] { (void)m(x); });
    CHECK(e.status() == 500);
    CHECK(e.url() == server.url());
    CHECK(e.model() == "err500");
    CHECK(e.server_message() == "model failed: boom");
    CHECK(std::string(e.what()) ==
          "weft: remote_error: model \"err500\" at " + server.url() + ": HTTP 500; server said: model failed: boom");
    const weft::remote<vec4, vec4> b{server.url(), "err502"};
    const auto e2 = remote_error_of([&] { (void)b(x); });
    CHECK(e2.status() == 502);
    CHECK(e2.server_message() == "upstream stage failed");
  }
  SUBCASE("a body that is not JSON is kept as the server's message") {
    const weft::remote<vec4, vec4> m{server.url(), "html500"};
    const auto e = remote_error_of([&] { (void)m(x); });
    CHECK(e.status() == 500);
    CHECK(e.server_message() == "<html>Internal Server Error</html>");
  }
  SUBCASE("malformed JSON, a wrong datatype, shape or element count: status 200, what was wrong") {
    const auto problem = [&](const char* model) {
      const weft::remote<vec4, vec4> m{server.url(), model};
      const auto e = remote_error_of([&] { (void)m(x); });
      CHECK(e.status() == 200);
      CHECK(e.server_message().empty());
      return e.problem();
    };
    CHECK(problem("malformed").find("malformed JSON in the answer") == 0);
    CHECK(problem("wrong_datatype") == "output \"y\": expected FP32[4], got FP64[4]");
    CHECK(problem("wrong_shape") == "output \"y\": expected FP32[4], got FP32[2,2]");
    CHECK(problem("wrong_count") == "output \"y\": wrong element count: expected FP32[-1,4] (4 elements for that shape), got 5 elements in \"data\"");
  }
  SUBCASE("the server's -1 against a fixed Out: each answer is checked") {
    const weft::remote<vec4, vec4> m{server.url(), "short_answer"};
    const auto e = remote_error_of([&] { (void)m(x); });
    CHECK(e.problem() == "output \"y\": expected FP32[4], got FP32[3]");
  }
  SUBCASE("a slow answer meets the read timeout") {
    const weft::remote<vec4, vec4> m{server.url(), "slow", {.read_timeout = std::chrono::milliseconds(200)}};
    const auto start = std::chrono::steady_clock::now();
    const auto e = remote_error_of([&] { (void)m(x); });
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(e.status() == 0);
    CHECK(e.problem().find("read timeout of 200 ms") != std::string::npos);
    CHECK(waited < std::chrono::milliseconds(1200));  // the server would have taken 1500 ms
    // The same model with time enough answers.
    const weft::remote<vec4, vec4> patient{server.url(), "slow", {.read_timeout = std::chrono::seconds(5)}};
    CHECK(same_bits(patient(x), local_affine(x), 4));
  }
  SUBCASE("the server gone: status 0, and the stage path in a pipeline") {
    const weft::remote<vec4, vec4> m{server.url(), "affine"};
    CHECK(same_bits(m(x), local_affine(x), 4));  // a pooled connection now exists
    server.stop();
    const auto pipeline = weft::fn<vec4, vec4>([](const vec4& v) { return vec4(v * 2.0f); }) | m;
    const auto e = remote_error_of([&] { (void)pipeline(x); });
    CHECK(e.status() == 0);
    CHECK(e.problem().find("no answer") == 0);
    CHECK(e.path_text() == "sequence[1] \"affine\"");
  }
}

TEST_CASE("remote: composes with fallback (a local backup) and retry") {
  fake_server server;
  const auto local = weft::fn<vec4, vec4>(&local_affine);
  const vec4 x(0.5f, 1.5f, -2.5f, 3.5f);
  SUBCASE("fallback: the local model answers when the server is down") {
    const weft::remote<vec4, vec4> m{server.url(), "affine"};
    const auto guarded = weft::fallback(m, local);
    auto [y0, branch0] = weft::answered(guarded, x);
    CHECK(branch0 == 0);
    CHECK(same_bits(y0, local_affine(x), 4));
    server.stop();
    auto [y1, branch1] = weft::answered(guarded, x);
    CHECK(branch1 == 1);
    CHECK(same_bits(y1, local_affine(x), 4));
  }
  SUBCASE("retry: a server that fails every other call (503) answers on the second attempt") {
    const weft::remote<vec4, vec4> m{server.url(), "flaky"};
    const auto robust = weft::retry(m, weft::attempts(2), weft::retry_if<weft::remote_error>());
    for (int i = 0; i < 3; ++i) CHECK(same_bits(robust(x), local_affine(x), 4));
    const auto once = weft::retry(m, weft::attempts(1));
    CHECK_THROWS_AS((void)once(x), weft::retry_error);  // the 503 attempt
  }
  SUBCASE("retry gives up: every attempt's remote_error is kept") {
    const weft::remote<vec4, vec4> m{server.url(), "err500"};
    const auto robust = weft::retry(m, weft::attempts(3));
    try {
      (void)robust(x);
      FAIL("no retry_error");
    } catch (const weft::retry_error& e) {
      REQUIRE(e.causes().size() == 3);
      CHECK(e.causes()[2].type == "weft::remote_error");
    }
  }
}

TEST_CASE("remote: calls from many threads at once, on pooled or fresh connections") {
  fake_server server;
  const auto xs = inputs(64);
  for (const bool keep_alive : {true, false}) {
    const weft::remote<vec4, vec4> m{server.url(), "affine", {.keep_alive = keep_alive}};
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          const vec4& x = xs[static_cast<std::size_t>(t * 50 + i) % xs.size()];
          if (!same_bits(m(x), local_affine(x), 4)) ++wrong;
        }
      });
    for (auto& th : threads) th.join();
    CHECK(wrong.load() == 0);
  }
}

// =============================================================================================
// Part 2: weft::serve on one side, weft::remote on the other
// =============================================================================================

namespace {

using vec3 = Eigen::Matrix<float, 3, 1>;
using mat34 = Eigen::Matrix<float, 3, 4>;

/// A small dense layer with fixed weights: y = W x + b (float, Eigen's own product).
struct dense {
  using input_type = vec4;
  using output_type = vec3;
  mat34 w;
  vec3 b;
  vec3 operator()(const vec4& x) const { return vec3(w * x + b); }
};

/// The pipeline served and called in process: scale, a dense layer, a ReLU.
auto make_pipeline() {
  mat34 w;
  w << 0.25f, -1.5f, 2.0f, 0.125f, 1.0f, 0.5f, -0.75f, 3.0f, -2.0f, 0.0625f, 1.25f, -0.5f;
  const auto scale = weft::fn([](const vec4& x) { return vec4(x * 0.3f); });
  const auto relu = weft::fn([](const vec3& x) { return vec3(x.cwiseMax(0.0f)); });
  return scale | dense{w, vec3(0.1f, -0.2f, 0.3f)} | relu;
}

/// A weft::serve server on 127.0.0.1, port 0, in its own thread.
struct weft_server {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  void start() {
    server.set_keep_alive_timeout(1);
    server.set_tcp_nodelay(true);
    port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::yield();
  }
  void stop() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  ~weft_server() { stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

}  // namespace

TEST_CASE("remote + serve: a served pipeline answers bit for bit as the local one") {
  const auto local = make_pipeline();
  weft_server ws;
  weft::serve(ws.server, "mlp", local);
  ws.start();
  const weft::remote<vec4, vec3> m{ws.url(), "mlp"};
  CHECK(m.input_name() == "input");
  CHECK(m.output_name() == "output");
  for (const vec4& x : inputs(100)) {
    const vec3 want = local(x);
    REQUIRE(same_bits(m(x), want, 3));
  }
  // Composed: the remote stage inside a local pipeline.
  const auto twice = weft::fn([](const vec3& y) { return vec3(y * 2.0f); });
  const auto composed = m | twice;
  const vec4 x(0.5f, -1.25f, 2.0f, 4.0f);
  CHECK(same_bits(composed(x), twice(local(x)), 3));
}

TEST_CASE("remote + serve: errors cross the wire with their status and the server's message") {
  const auto local = make_pipeline();
  const auto guard = weft::fn([](const vec4& x) -> vec4 {
    if (x(0) < 0) throw std::runtime_error("negative first feature");
    return x;
  });
  const auto guarded = weft::named("guard", guard) | local;
  weft_server upstream;
  weft::serve(upstream.server, "mlp", local);
  upstream.start();
  // A second server whose pipeline calls the first one through a remote stage.
  weft_server front;
  weft::serve(front.server, "guarded", guarded);
  weft::serve(front.server, "relay", weft::remote<vec4, vec3>{upstream.url(), "mlp"});
  front.start();

  const vec4 ok(1.0f, 2.0f, 3.0f, 4.0f);
  const vec4 bad(-1.0f, 2.0f, 3.0f, 4.0f);
  SUBCASE("a model's exception: 500, its message and stage path in the server's text") {
    const weft::remote<vec4, vec3> m{front.url(), "guarded"};
    CHECK(same_bits(m(ok), local(ok), 3));
    const auto e = remote_error_of([&] { (void)m(bad); });
    CHECK(e.status() == 500);
    CHECK(e.server_message().find("negative first feature") != std::string::npos);
  }
  SUBCASE("a remote stage's failure behind a server: 502 with the inner remote_error") {
    const weft::remote<vec4, vec3> relay{front.url(), "relay"};
    CHECK(same_bits(relay(ok), local(ok), 3));
    upstream.stop();
    const auto e = remote_error_of([&] { (void)relay(ok); });
    CHECK(e.status() == 502);
    CHECK(e.server_message().find("remote_error") != std::string::npos);
    CHECK(e.server_message().find(upstream.url()) != std::string::npos);
  }
  SUBCASE("metadata mismatch against a real server: the load_error names both specs") {
    using vec5 = Eigen::Matrix<float, 5, 1>;
    const auto le = load_error_of([&] { weft::remote<vec5, vec3>{upstream.url(), "mlp"}; });
    CHECK(le.tensor() == "input");
    CHECK(le.expected() == "FP32[1,5]");
    CHECK(le.actual() == "FP32[-1,4]");
    using dvec4 = Eigen::Matrix<double, 4, 1>;
    const auto dt = load_error_of([&] { weft::remote<dvec4, vec3>{upstream.url(), "mlp"}; });
    CHECK(dt.expected() == "FP64[1,4]");
  }
}

TEST_CASE("remote + serve: fallback to the local pipeline, retry across a restart") {
  const auto local = make_pipeline();
  auto ws = std::make_unique<weft_server>();
  weft::serve(ws->server, "mlp", local);
  ws->start();
  const int port = ws->port;
  const weft::remote<vec4, vec3> m{ws->url(), "mlp", {.connect_timeout = std::chrono::milliseconds(500)}};
  const auto guarded = weft::fallback(m, local);
  const auto xs = inputs(20);
  for (const vec4& x : xs) {
    auto [y, branch] = weft::answered(guarded, x);
    CHECK(branch == 0);
    REQUIRE(same_bits(y, local(x), 3));
  }
  ws.reset();  // the server is gone
  for (const vec4& x : xs) {
    auto [y, branch] = weft::answered(guarded, x);
    CHECK(branch == 1);  // the local backup answered
    REQUIRE(same_bits(y, local(x), 3));
  }
  // A new server on the same port: a retrying remote answers again (the first attempt may meet the
  // pool's stale connection; retry's second attempt opens a new one).
  weft_server again;
  weft::serve(again.server, "mlp", local);
  REQUIRE(again.server.bind_to_port("127.0.0.1", port));
  again.port = port;
  again.thread = std::thread([&] { again.server.listen_after_bind(); });
  while (!again.server.is_running()) std::this_thread::yield();
  const auto robust = weft::retry(m, weft::attempts(3), weft::retry_if<weft::remote_error>());
  for (const vec4& x : xs) REQUIRE(same_bits(robust(x), local(x), 3));
}
