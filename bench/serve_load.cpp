// bench/serve_load.cpp - issue 17 item 5: a bounded load test of weft::serve on loopback, with a
// client that checks every answer. weft_bench_serve_load, run by scripts/bench.d/serve.sh.
//
// One process: an httplib::Server on 127.0.0.1 (port 0, keep-alive, TCP_NODELAY) serving, through weft::serve,
// W1 (bench/workloads.hpp: MLP 64 -> 32 -> 10, model "w1") and, when given the data set,
// examples/digits' composition (examples/digits_serve/digits_pipeline.hpp, model "digits"); then,
// per model, T client threads (httplib::Client, keep-alive, TCP_NODELAY) send R requests in all (the protocol's
// JSON, FP32 [64], bodies built before the clock starts), each waiting for its answer before the
// next, after a warm-up of 1000 requests (checked too). Every answer is checked against the same pipeline called in this process: status 200 and
// the 10 output values equal (within 1e-6 relative: the JSON round trip), or, for an image the
// digits pipeline refuses (weft::fallback_error), status 500. A request with no answer is lost; an
// answer that differs is wrong.
// Output per model:
//   serve <model>: R requests from T threads in S s: X requests/s, p50 A ms, p99 B ms; L lost, W wrong
//   rps serve-<model> = X
//   latency serve-<model> p50 = A ms, p99 = B ms
// Exit status 1 when any request was lost or answered wrongly.
// Usage: weft_bench_serve_load [--threads T] [--requests R] [--digits digits.csv]
//        (defaults: 4 threads, 20000 requests; without --digits, WEFT_DIGITS_CSV or W1 alone)
#include "workloads.hpp"

#include <weft/serve.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "../examples/digits_serve/digits_pipeline.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iomanip>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

/// One request and what its answer must be: status 200 and `output`, or (refused) status 500.
struct expected_answer {
  std::string body;
  bool refused = false;
  std::vector<float> output;
};

template <class V>
std::string infer_body(const V& x) {
  std::ostringstream body;
  body << std::setprecision(std::numeric_limits<float>::max_digits10)
       << R"({"inputs":[{"name":"input","shape":[1,64],"datatype":"FP32","data":[)";
  for (Eigen::Index i = 0; i < x.size(); ++i) body << (i > 0 ? "," : "") << x(i);
  body << "]}]}";
  return body.str();
}

/// The requests for every input of the pool, answered by pipeline p here.
template <class P, class Pool>
std::vector<expected_answer> expected_answers(const P& p, const Pool& pool) {
  std::vector<expected_answer> out;
  for (const auto& x : pool) {
    expected_answer e{infer_body(x), false, {}};
    try {
      const auto y = p(x);
      e.output.assign(y.data(), y.data() + y.size());
    } catch (const weft::fallback_error&) {
      e.refused = true;
    }
    out.push_back(std::move(e));
  }
  return out;
}

/// The answer is the one expected; `why` says what differs.
bool answer_matches(const httplib::Result& r, const expected_answer& e, std::string& why) {
  if (e.refused) {
    if (r->status == 500) return true;
    why = "status " + std::to_string(r->status) + " for a refused image, expected 500";
    return false;
  }
  if (r->status != 200) {
    why = "status " + std::to_string(r->status) + ": " + r->body.substr(0, 200);
    return false;
  }
  const auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.contains("outputs") || !j["outputs"].is_array() || j["outputs"].empty()) {
    why = "no outputs in " + r->body.substr(0, 200);
    return false;
  }
  const auto& data = j["outputs"][0]["data"];
  if (!data.is_array() || data.size() != e.output.size()) {
    why = "wrong output size in " + r->body.substr(0, 200);
    return false;
  }
  for (std::size_t i = 0; i < e.output.size(); ++i) {
    if (!data[i].is_number()) {
      why = "a non-number output";
      return false;
    }
    const double got = data[i].get<double>(), want = e.output[i];
    if (std::abs(got - want) > 1e-6 * std::max(1.0, std::abs(want))) {
      why = "output " + std::to_string(i) + " = " + std::to_string(got) + ", expected " + std::to_string(want);
      return false;
    }
  }
  return true;
}

struct load_result {
  std::size_t requests = 0, lost = 0, wrong = 0;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0;
};

/// T threads send `requests` requests to /v2/models/<model>/infer in all, cycling through the
/// expected answers (thread t starts at t and steps by T), each checked.
load_result run_load(int port, const std::string& model, const std::vector<expected_answer>& answers, int threads,
                     std::size_t requests) {
  const std::string path = "/v2/models/" + model + "/infer";
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
  std::atomic<std::size_t> lost{0}, wrong{0};
  std::atomic<bool> reported{false};
  std::vector<std::thread> pool;
  const auto start = clock_type::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_read_timeout(30, 0);
      auto& mine = latencies[static_cast<std::size_t>(t)];
      const auto tt = static_cast<std::size_t>(t), step = static_cast<std::size_t>(threads);
      for (std::size_t i = tt; i < requests; i += step) {
        const expected_answer& e = answers[i % answers.size()];
        const auto sent = clock_type::now();
        const auto r = client.Post(path, e.body, "application/json");
        mine.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - sent).count());
        std::string why;
        if (!r) {
          ++lost;
          why = "no answer: " + httplib::to_string(r.error());
        } else if (!answer_matches(r, e, why)) {
          ++wrong;
        }
        if (!why.empty() && !reported.exchange(true))
          std::fprintf(stderr, "serve %s: request %zu: %s\n", model.c_str(), i, why.c_str());
      }
    });
  }
  for (auto& th : pool) th.join();
  load_result out;
  out.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  std::vector<double> all;
  for (const auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  const auto rank = [&](double q) {  // nearest rank
    return all[std::min(all.size() - 1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(all.size()))) - 1)];
  };
  out.requests = all.size();
  out.lost = lost;
  out.wrong = wrong;
  if (!all.empty()) {
    out.p50_ms = rank(0.50);
    out.p99_ms = rank(0.99);
  }
  return out;
}

bool report(const std::string& model, const load_result& r, int threads) {
  const double rps = static_cast<double>(r.requests) / r.seconds;
  std::printf("serve %s: %zu requests from %d threads in %.3f s: %.0f requests/s, p50 %.3f ms, p99 %.3f ms; "
              "%zu lost, %zu wrong\n",
              model.c_str(), r.requests, threads, r.seconds, rps, r.p50_ms, r.p99_ms, r.lost, r.wrong);
  std::printf("rps serve-%s = %.0f\n", model.c_str(), rps);
  std::printf("latency serve-%s p50 = %.3f ms, p99 = %.3f ms\n", model.c_str(), r.p50_ms, r.p99_ms);
  std::fflush(stdout);
  return r.lost == 0 && r.wrong == 0;
}

}  // namespace

int main(int argc, char** argv) try {
  int threads = 4;
  std::size_t requests = 20000;
  const char* env_csv = std::getenv("WEFT_DIGITS_CSV");
  std::string csv = env_csv != nullptr ? env_csv : "";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::max(1, std::atoi(argv[i + 1]));
    else if (std::strcmp(argv[i], "--requests") == 0) requests = std::strtoull(argv[i + 1], nullptr, 10);
    else if (std::strcmp(argv[i], "--digits") == 0) csv = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: weft_bench_serve_load [--threads T] [--requests R] [--digits digits.csv]\n");
      return 2;
    }
  }

  const auto w1 = std::make_unique<weft_bench::w1_workload>();
  std::optional<digits_split> split;
  if (!csv.empty()) split = split_digits(csv);
  using digits_pipeline_t = decltype(digits_pipeline(split->train));
  std::optional<digits_pipeline_t> digits;
  if (split) digits.emplace(digits_pipeline(split->train));

  httplib::Server server;
  server.set_keep_alive_max_count(1000000);  // clients keep their connection, as load balancers do
  server.set_tcp_nodelay(true);  // without it, Nagle's algorithm and delayed ACKs add ~40 ms per answer
  weft::serve(server, "w1", w1->pipeline);
  if (digits) weft::serve(server, "digits", *digits);
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) throw std::runtime_error("cannot bind 127.0.0.1");
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  bool ok = true;
  {
    const auto answers = expected_answers(w1->pipeline, w1->pool);
    const load_result warm = run_load(port, "w1", answers, threads, std::min<std::size_t>(requests, 1000));
    ok = warm.lost == 0 && warm.wrong == 0;
    ok = report("w1", run_load(port, "w1", answers, threads, requests), threads) && ok;
  }
  if (digits) {
    std::vector<image> images;
    for (const auto& s : split->test) images.push_back(s.x);
    const auto answers = expected_answers(*digits, images);
    const load_result warm = run_load(port, "digits", answers, threads, std::min<std::size_t>(requests, 1000));
    ok = warm.lost == 0 && warm.wrong == 0 && ok;
    ok = report("digits", run_load(port, "digits", answers, threads, requests), threads) && ok;
  } else {
    std::printf("serve digits: skipped (no --digits and no WEFT_DIGITS_CSV)\n");
  }
  server.stop();
  listener.join();
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "weft_bench_serve_load: %s\n", e.what());
  return 1;
}
