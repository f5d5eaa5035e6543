// bench/runtimes.cpp - issue 13 section 4: each runtime adapter (weft::onnx_model, weft::xgboost_model,
// weft::torch_model) against calling the same runtime directly, with the same file and the same inputs,
// in the same run, one sample per call (batch 1: the adapter's operator()) and 256 (call_batch).
// The files are examples/digits_runtimes' models (tests/data/digits: the MLP 64 -> 32 -> 10 with its
// softmax as mlp.onnx and as TorchScript mlp.pt, the XGBoost classifier xgboost.ubj); the inputs are
// a fixed pool of images with pixels drawn uniformly from [0, 1]. Built once per runtime found
// (weft_bench_onnx, weft_bench_xgboost, weft_bench_torch: WEFT_BENCH_ONNX, ... says which), so that
// libtorch's start-up does not slow the other runtimes' valgrind runs.
//
// "direct" is the code a user would write against the runtime's own API for the same result: the
// same Eigen input, the runtime's call, the output copied into the same Eigen type:
//   onnx     cv::dnn::Net::setInput on a cv::Mat over the Eigen buffer, Net::forward (both by name,
//            as weft calls them), one copy out;
//   xgboost  XGBoosterPredictFromDense on the Eigen buffer (an __array_interface__ string), one copy;
//   torch    torch::from_blob over the Eigen buffer, Module::forward under c10::InferenceMode, one copy.
// Every runtime runs on one thread (the adapters' default: cv::setNumThreads(1), XGBoost nthread 1,
// torch::set_num_threads(1)).
//
// Usage:
//   weft_bench_<runtime> [google-benchmark flags]  verify, then time every variant, repetitions
//                        interleaved at random, and print the figures:
//                          time onnx/b1 weft = 9000.0 ns cpu (real 9001.0 ns)    (medians)
//                          ratio onnx/b1 weft/direct = 1.00   (median over rounds of the round's ratio)
//                          spread onnx/b1 weft/direct = <quartiles of the rounds' ratios>
//   weft_bench_<runtime> --verify                 only check that weft and direct agree
//   weft_bench_<runtime> --instr <case> <variant> <n>  call one variant n times and exit (for
//                        valgrind --tool=callgrind --instr-atstart=no: instrumentation starts just
//                        before the calls, after the models loaded), e.g. --instr onnx/b256 weft 200
//   weft_bench_<runtime> --list                   the case/variant pairs --instr accepts
// Exits 1 when weft and direct disagree (max |diff| >= 1e-5) or a file does not load, 2 on a bad
// command line.
#include <weft/batch.hpp>
#include <weft/eigen.hpp>

#include <benchmark/benchmark.h>

#if WEFT_BENCH_ONNX
#include <weft/onnx.hpp>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#endif
#if WEFT_BENCH_XGBOOST
#include <weft/xgboost.hpp>

#include <xgboost/c_api.h>
#endif
#if WEFT_BENCH_TORCH
#include <weft/torch.hpp>

#include <torch/script.h>
#endif

#include "call_loops.hpp"
#include "round_reporter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace weft_bench;

using image = Eigen::Matrix<float, 64, 1>;
using scores = Eigen::Matrix<float, 10, 1>;
using images = weft::batch_t<image>;    // 64 x N, one image per column: the row-major [N, 64] tensor
using scores_batch = weft::batch_t<scores>;

const std::string models = WEFT_BENCH_DATA "/digits/";

// ---------------------------------------------------------------------------------------------
// Inputs: 1,000 images and 8 batches of 256, pixels uniform in [0, 1], fixed seed
// ---------------------------------------------------------------------------------------------
struct input_pool {
  std::vector<image> samples;
  std::vector<images> batches;

  input_pool() {
    std::mt19937 rng(13);
    std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
    samples.resize(1000);
    for (auto& x : samples)
      for (auto& v : x.reshaped()) v = pixel(rng);
    batches.assign(8, images(64, 256));
    for (auto& b : batches)
      for (auto& v : b.reshaped()) v = pixel(rng);
  }
};

const input_pool& inputs() {
  static const input_pool p;
  return p;
}

// ---------------------------------------------------------------------------------------------
// The runtimes called directly
// ---------------------------------------------------------------------------------------------

// The two calls of every direct runner, over its run(x, n, y): n images at x, 10 floats each to y.
template <class Runner>
class sample_and_batch {
 public:
  scores operator()(const image& x) const {
    scores y;
    static_cast<const Runner&>(*this).run(x.data(), 1, y.data());
    return y;
  }
  scores_batch operator()(const images& x) const {
    scores_batch y(10, x.cols());
    static_cast<const Runner&>(*this).run(x.data(), x.cols(), y.data());
    return y;
  }
};

#if WEFT_BENCH_ONNX
class onnx_direct : public sample_and_batch<onnx_direct> {
  friend sample_and_batch<onnx_direct>;

 public:
  explicit onnx_direct(const std::string& path) : net_(cv::dnn::readNetFromONNX(path)) {}

 private:
  void run(const float* x, Eigen::Index n, float* y) const {
    const int dims[] = {static_cast<int>(n), 64};
    // By name, as weft does: OpenCV's unnamed setInput / forward cost ~1,100 more instructions a call.
    net_.setInput(cv::Mat(2, dims, CV_32F, const_cast<float*>(x)), "pixels");  // setInput copies
    const cv::Mat out = net_.forward("probabilities");
    std::memcpy(y, out.ptr<float>(), sizeof(float) * 10 * static_cast<std::size_t>(n));
  }
  mutable cv::dnn::Net net_;  // one thread: the benchmark's
};
#endif

#if WEFT_BENCH_XGBOOST
class xgboost_direct : public sample_and_batch<xgboost_direct> {
  friend sample_and_batch<xgboost_direct>;

 public:
  explicit xgboost_direct(const std::string& path) {
    check(XGBoosterCreate(nullptr, 0, &booster_));
    check(XGBoosterLoadModel(booster_, path.c_str()));
    check(XGBoosterSetParam(booster_, "nthread", "1"));
  }
  xgboost_direct(const xgboost_direct&) = delete;
  xgboost_direct& operator=(const xgboost_direct&) = delete;
  ~xgboost_direct() { XGBoosterFree(booster_); }

 private:
  static void check(int rc) {
    if (rc != 0) throw std::runtime_error(XGBGetLastError());
  }
  void run(const float* x, Eigen::Index n, float* y) const {
    char array[160];
    std::snprintf(array, sizeof array,
                  R"({"data": [%llu, true], "shape": [%ld, 64], "typestr": "<f4", "version": 3})",
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(x)), static_cast<long>(n));
    static constexpr char config[] =
        R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "missing": NaN, "cache_id": 0})";
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* out = nullptr;
    check(XGBoosterPredictFromDense(booster_, array, config, nullptr, &shape, &dims, &out));
    std::memcpy(y, out, sizeof(float) * 10 * static_cast<std::size_t>(n));
  }
  BoosterHandle booster_ = nullptr;
};
#endif

#if WEFT_BENCH_TORCH
class torch_direct : public sample_and_batch<torch_direct> {
  friend sample_and_batch<torch_direct>;

 public:
  explicit torch_direct(const std::string& path) : module_(torch::jit::load(path)) { module_.eval(); }

 private:
  void run(const float* x, Eigen::Index n, float* y) const {
    c10::InferenceMode guard;
    const auto in = torch::from_blob(const_cast<float*>(x), {static_cast<std::int64_t>(n), 64}, torch::kFloat32);
    const auto out = module_.forward({in}).toTensor().contiguous();
    std::memcpy(y, out.data_ptr<float>(), sizeof(float) * 10 * static_cast<std::size_t>(n));
  }
  mutable torch::jit::Module module_;
};
#endif

// ---------------------------------------------------------------------------------------------
// The cases: per runtime, the adapter and the direct calls, built once
// ---------------------------------------------------------------------------------------------
struct models_under_test {
#if WEFT_BENCH_ONNX
  weft::onnx_model<image, scores> onnx_weft{models + "mlp.onnx"};
  onnx_direct onnx{models + "mlp.onnx"};
#endif
#if WEFT_BENCH_XGBOOST
  weft::xgboost_model<image, scores> xgboost_weft{models + "xgboost.ubj"};
  xgboost_direct xgboost{models + "xgboost.ubj"};
#endif
#if WEFT_BENCH_TORCH
  weft::torch_model<image, scores> torch_weft{models + "mlp.pt"};
  torch_direct torch{models + "mlp.pt"};
#endif
};

// Built once and never destroyed: XGBoosterFree during exit, after XGBoost's own statics are gone,
// crashes (measured with XGBoost 1.7), so the models outlive the program's static destructors.
const models_under_test& under_test() {
  static const models_under_test* const m = [] {
#if WEFT_BENCH_ONNX
    cv::setNumThreads(1);
#endif
#if WEFT_BENCH_TORCH
    torch::set_num_threads(1);
#endif
    return new const models_under_test;
  }();
  return *m;
}

struct entry {
  const char* name;     // "<runtime>/b1" or "<runtime>/b256"
  const char* variant;  // "weft" or "direct"
  std::function<void(benchmark::State&)> timed;
  std::function<void(long)> counted;
  std::function<double()> max_diff;  // max |weft - direct| over the pool (the weft entry only)
};

// The four entries of one runtime: weft and direct, batch 1 and 256, each in the loops of
// bench/call_loops.hpp (the next pool input, the call, the answer's buffer kept). Weft and Direct
// are members of models_under_test.
template <class Weft, class Direct>
void add_runtime(std::vector<entry>& out, const char* b1, const char* b256, Weft weft_of, Direct direct_of) {
  const auto samples = []() -> const auto& { return inputs().samples; };
  const auto batches = []() -> const auto& { return inputs().batches; };
  const auto w = [weft_of](const auto& x) { return weft_of(under_test())(x); };
  const auto wb = [weft_of](const images& x) { return weft_of(under_test()).call_batch(x); };
  const auto d = [direct_of](const auto& x) { return direct_of(under_test())(x); };
  out.push_back({b1, "weft", [=](benchmark::State& s) { time_loop<keep::buffer>(s, samples(), w); },
                 [=](long n) { count_loop<keep::buffer>(samples(), w, n); }, [=] {
                   double m = 0;
                   for (const auto& x : samples()) m = std::max(m, max_abs_diff(w(x), d(x)));
                   return m;
                 }});
  out.push_back({b1, "direct", [=](benchmark::State& s) { time_loop<keep::buffer>(s, samples(), d); },
                 [=](long n) { count_loop<keep::buffer>(samples(), d, n); }, nullptr});
  out.push_back({b256, "weft", [=](benchmark::State& s) { time_loop<keep::buffer>(s, batches(), wb); },
                 [=](long n) { count_loop<keep::buffer>(batches(), wb, n); }, [=] {
                   double m = 0;
                   for (const auto& x : batches()) m = std::max(m, max_abs_diff(wb(x), d(x)));
                   return m;
                 }});
  out.push_back({b256, "direct", [=](benchmark::State& s) { time_loop<keep::buffer>(s, batches(), d); },
                 [=](long n) { count_loop<keep::buffer>(batches(), d, n); }, nullptr});
}

std::vector<entry> make_entries() {
  std::vector<entry> e;
#if WEFT_BENCH_ONNX
  add_runtime(e, "onnx/b1", "onnx/b256", [](const models_under_test& m) -> const auto& { return m.onnx_weft; },
              [](const models_under_test& m) -> const auto& { return m.onnx; });
#endif
#if WEFT_BENCH_XGBOOST
  add_runtime(e, "xgboost/b1", "xgboost/b256",
              [](const models_under_test& m) -> const auto& { return m.xgboost_weft; },
              [](const models_under_test& m) -> const auto& { return m.xgboost; });
#endif
#if WEFT_BENCH_TORCH
  add_runtime(e, "torch/b1", "torch/b256", [](const models_under_test& m) -> const auto& { return m.torch_weft; },
              [](const models_under_test& m) -> const auto& { return m.torch; });
#endif
  return e;
}

const std::vector<entry>& entries() {
  static const std::vector<entry> e = make_entries();
  return e;
}

bool verify_all() {
  bool ok = true;
  for (const auto& e : entries())
    if (e.max_diff) {
      const double d = e.max_diff();
      std::printf("verify %-13s max|weft-direct| = %.3g  %s\n", e.name, d, d < 1e-5 ? "ok" : "WRONG");
      ok = ok && d < 1e-5;
    }
  return ok;
}

std::string bench_name(const entry& e) { return std::string(e.name) + "/" + e.variant; }

void print_figures(const round_reporter& rep) {
  std::printf("\n");
  for (const auto& e : entries()) print_time(rep, e.name, e.variant);
  std::vector<ratio_of> ratios;
  for (const auto& e : entries())
    if (e.max_diff) ratios.push_back({e.name, "weft", "direct"});  // one ratio per case, at its weft entry
  print_ratios(rep, ratios);
}

int usage() {
  std::fprintf(stderr,
               "usage: " WEFT_BENCH_PROGRAM " [--verify | --list | --instr <case> <variant> <calls> | benchmark flags]\n");
  return 2;
}

int run(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const auto& e : entries()) std::printf("%s %s\n", e.name, e.variant);
    return 0;
  }
  if (argc >= 2 && std::strcmp(argv[1], "--instr") == 0) {
    if (argc != 5) return usage();
    const long calls = std::atol(argv[4]);
    for (const auto& e : entries())
      if (std::strcmp(e.name, argv[2]) == 0 && std::strcmp(e.variant, argv[3]) == 0) {
        (void)under_test();
        (void)inputs();
        WEFT_BENCH_START_COUNTING();
        e.counted(calls);
        WEFT_BENCH_STOP_COUNTING();
        return 0;
      }
    std::fprintf(stderr, WEFT_BENCH_PROGRAM ": no variant %s %s (see --list)\n", argv[2], argv[3]);
    return 2;
  }
  const bool verify_only = argc >= 2 && std::strcmp(argv[1], "--verify") == 0;
  if (!verify_all()) {
    std::fprintf(stderr, WEFT_BENCH_PROGRAM ": weft and direct disagree; no timing\n");
    return 1;
  }
  if (verify_only) return 0;

  for (const auto& e : entries()) benchmark::RegisterBenchmark(bench_name(e).c_str(), e.timed);
  round_reporter rep;
  if (!run_interleaved(argc, argv, rep)) return usage();
  print_figures(rep);
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  return run(argc, argv);
} catch (const std::exception& e) {
  std::fprintf(stderr, WEFT_BENCH_PROGRAM ": %s\n", e.what());
  return 1;
}
