// digits_serve: examples/digits' composition served over the Open Inference Protocol (REST).
// Fits the same three models on the same split as examples/digits, composes them the same way
// (a vote of the three, a fallback to the 5-nearest neighbours that refuses when nobody is
// confident), and serves that pipeline under the model name "digits" with weft::serve: input
// "input" FP32 [n, 64] (n images, pixels scaled to [0, 1], row by row), output "output" FP32
// [n, 10] (per image the vote shares, or the neighbours' shares when the vote had no majority);
// a request with an image the pipeline refuses is answered 500 with the fallback's error.
// docs/serving.md shows a session.
//
// Usage: digits_serve [digits.csv]
//        digits.csv: the path scripts/fetch-digits prints; without an argument, WEFT_DIGITS_CSV.
// Environment:
//   WEFT_PORT     the port (default 8000; 0: any free port); the bound port is printed
//   WEFT_HOST     the address to bind (default 127.0.0.1; a container sets 0.0.0.0)
//   WEFT_SERVE_SAMPLES  when set, a file to which the program writes, before serving, the first
//                 WEFT_SERVE_SAMPLE_COUNT (default 20) test images and what the pipeline answers for
//                 each in this process, one JSON object a line:
//                 {"label": 3, "class": 3, "output": [...10...], "image": [...64...]}, "class" -1
//                 for a refusal. The client tests compare the server's answers with these.
// Prints `digits_serve: "digits" (...) on http://<host>:<port>`, `port <port>` and a curl command that
// classifies one test image, then serves until SIGINT or SIGTERM, and exits 0.
// Run it with `scripts/demo serve`.
#include "digits_pipeline.hpp"

#include <weft/serve.hpp>

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// Writes the values as a JSON array, each with the digits that read back to the same float.
template <class V>
void write_array(std::ostream& out, const V& v) {
  out << '[';
  for (Eigen::Index i = 0; i < v.size(); ++i) out << (i > 0 ? "," : "") << v(i);
  out << ']';
}

std::string infer_body(const image& x) {
  std::ostringstream body;
  body << std::setprecision(std::numeric_limits<float>::max_digits10)
       << R"({"inputs":[{"name":"input","shape":[1,64],"datatype":"FP32","data":)";
  write_array(body, x);
  body << "}]}";
  return body.str();
}

// The class the pipeline gives x here, and its output; class -1 when it refuses.
template <class P>
std::pair<int, scores> answer_of(const P& pipeline, const image& x) {
  try {
    const scores y = pipeline(x);
    return {weft::argmax.apply(y)(0), y};
  } catch (const weft::fallback_error&) {
    return {-1, scores::Zero()};
  }
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string path = argc > 1 ? argv[1] : env_or("WEFT_DIGITS_CSV", "");
  if (path.empty()) {
    std::cerr << "usage: digits_serve <digits.csv>  (the path scripts/fetch-digits prints)\n";
    return 2;
  }
  const std::string host = env_or("WEFT_HOST", "127.0.0.1");
  const int wanted_port = std::stoi(env_or("WEFT_PORT", "8000"));

  // The data and the models, as examples/digits fits them (docs/digits.md).
  const auto [train, test] = split_digits(path);
  const auto guarded = digits_pipeline(train);

  const std::string samples_path = env_or("WEFT_SERVE_SAMPLES", "");
  if (!samples_path.empty()) {
    std::ofstream out(samples_path);
    out << std::setprecision(std::numeric_limits<float>::max_digits10);
    const auto count = static_cast<std::size_t>(std::stoul(env_or("WEFT_SERVE_SAMPLE_COUNT", "20")));
    for (std::size_t i = 0; i < std::min(count, test.size()); ++i) {
      const auto [cls, y] = answer_of(guarded, test[i].x);
      out << R"({"label":)" << test[i].label << R"(,"class":)" << cls << R"(,"output":)";
      write_array(out, y);
      out << R"(,"image":)";
      write_array(out, test[i].x);
      out << "}\n";
    }
    if (!out) throw std::runtime_error("cannot write " + samples_path);
  }

  httplib::Server server;
  server.set_tcp_nodelay(true);  // weft::serve does it too; httplib leaves Nagle on (~40 ms per answer)
  weft::serve(server, "digits", guarded);

  // SIGINT and SIGTERM stop the server from a thread of their own (blocked everywhere else, so
  // no signal handler runs inside httplib's threads).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::thread stopper([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    server.stop();
  });

  const int port = wanted_port == 0 ? server.bind_to_any_port(host)
                                     : (server.bind_to_port(host, wanted_port) ? wanted_port : -1);
  bool served = false;
  if (port > 0) {
    const std::string url = "http://" + host + ":" + std::to_string(port);
    std::cout << "digits_serve: \"digits\" (FP32 [n, 64] -> FP32 [n, 10]) on " << url << "\n"
              << "port " << port << "\n"
              << "classify the first test image (label " << test.front().label << "):\n"
              << "  curl -s -X POST " << url << "/v2/models/digits/infer \\\n"
              << "    -H 'Content-Type: application/json' \\\n"
              << "    -d '" << infer_body(test.front().x) << "'\n"
              << std::flush;
    served = server.listen_after_bind();
  } else {
    std::cerr << "digits_serve: cannot bind " << host << ":" << wanted_port << "\n";
  }
  kill(getpid(), SIGTERM);  // wakes the stopper when listening ended without a signal
  stopper.join();
  if (port > 0) std::cout << "digits_serve: stopped\n";
  return port > 0 && served ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "digits_serve: " << e.what() << "\n";
  return 1;
}
