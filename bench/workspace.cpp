// bench/workspace.cpp - W1dyn with a workspace (weft/workspace.hpp) against the same stages called by
// hand into preallocated buffers (issue 14, item 3): weft_bench_workspace, run by
// scripts/bench.d/workspace.sh.
//   W1dyn-ws  W1dyn's weights and pool (bench/workloads.hpp); each stage adds the into protocol
//             (call_into, with noalias() products), the call operators stay W1dyn's. Variants:
//               weft   pipeline(x, ws): every stage writes into the workspace, shapes checked
//               hand   the same stages' call_into on buffers allocated once, nothing checked
//               plain  pipeline(x): every stage returns a new vector (W1dyn's weft variant)
// Output: `time W1dyn-ws <variant> = ...`, `ratio W1dyn-ws weft/hand = X` (the median over
// interleaved rounds of the two variants' times in the same round), `spread W1dyn-ws weft/hand =
// <quartiles>`, the same for plain/weft (reported), and `alloc W1dyn-ws <variant> = A per call`: heap
// allocations (every malloc, calloc and realloc, operator new's and Eigen's alike, counted by this
// program's own malloc over glibc's) per call over 1000 calls after a first one.
//   weft_bench_workspace --verify                  the variants agree (to the last bit) and the counts
//   weft_bench_workspace --instr <variant> <n>     n calls and exit (valgrind --tool=callgrind
//                                                  --instr-atstart=no counts only the calls)
#include "workloads.hpp"

#include <weft/workspace.hpp>

#include <benchmark/benchmark.h>

#include "call_loops.hpp"
#include "round_reporter.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

// ---------------------------------------------------------------------------------------------
// Counting malloc: glibc lets a program replace malloc, free, calloc and realloc (all four, each
// forwarding to glibc's own); operator new and Eigen's aligned_malloc both come here.
// ---------------------------------------------------------------------------------------------
namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_mallocs{0};
WEFT_INLINE void count_one() noexcept {
  if (g_counting.load(std::memory_order_relaxed)) g_mallocs.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
void* malloc(std::size_t n) noexcept {
  count_one();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
  count_one();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) noexcept {
  count_one();
  return __libc_realloc(p, n);
}
void free(void* p) noexcept { __libc_free(p); }
}

namespace weft_bench {
namespace {

using vecx = Eigen::VectorXf;

/// W1dyn's linear layer with the into protocol.
struct linear_into : dyn_linear {
  using dyn_linear::dyn_linear;
  WEFT_BENCH_CALL void call_into(const input_type& x, output_type& y) const {
    y = bias;
    y.noalias() += weight * x;
  }
};

/// W1dyn's ReLU with the into protocol.
struct relu_into : dyn_relu {
  WEFT_BENCH_CALL void call_into(const input_type& x, output_type& y) const { y = x.cwiseMax(0.0f); }
};

/// W1dyn's softmax with the into protocol (dyn_softmax's arithmetic).
struct softmax_into : dyn_softmax {
  WEFT_BENCH_CALL void call_into(const input_type& z, output_type& y) const {
    y = (z.array() - z.maxCoeff()).exp().matrix();
    y /= y.sum();
  }
};

using pipeline_t = weft::sequence<linear_into, relu_into, linear_into, softmax_into>;
static_assert(weft::into_model<linear_into> && weft::into_model<relu_into> && weft::into_model<softmax_into>);

/// The buffers the hand-written variant allocates once.
struct buffers {
  vecx h = vecx(32), a = vecx(32), z = vecx(10), y = vecx(10);
};

struct w1dyn_ws_workload {
  mlp<> fixed{101};  // W1's weights, as W1dyn
  linear_into l1{fixed.l1};
  relu_into r{{32}};
  linear_into l2{fixed.l2};
  softmax_into s{{10}};
  pipeline_t pipeline = weft::sequence(l1, r, l2, s);
  std::vector<vecx> pool = dynamic_pool(make_pool<vec<64>>(pool_size, 1));

  WEFT_BENCH_CALL const vecx& weft(const vecx& x, weft::workspace<pipeline_t>& ws) const { return pipeline(x, ws); }
  WEFT_BENCH_CALL const vecx& hand(const vecx& x, buffers& b) const {
    l1.call_into(x, b.h);
    r.call_into(b.h, b.a);
    l2.call_into(b.a, b.z);
    s.call_into(b.z, b.y);
    return b.y;
  }
  WEFT_BENCH_CALL vecx plain(const vecx& x) const { return pipeline(x); }
};

const w1dyn_ws_workload& workload() {
  static const auto w = std::make_unique<w1dyn_ws_workload>();
  return *w;
}

/// Calls counted(f) with variant `name` as f: input -> the answer (weft's after one call that sizes
/// its workspace); false for an unknown name. The loops (bench/call_loops.hpp) keep the answer's
/// buffer only: weft's and hand's answers are references to their buffers.
template <class Counted>
bool with_variant(const char* name, Counted counted) {
  const auto& w = workload();
  if (std::strcmp(name, "weft") == 0) {
    weft::workspace<pipeline_t> ws;
    (void)w.weft(w.pool[0], ws);
    counted([&](const vecx& x) -> const vecx& { return w.weft(x, ws); });
  } else if (std::strcmp(name, "hand") == 0) {
    buffers b;
    counted([&](const vecx& x) -> const vecx& { return w.hand(x, b); });
  } else if (std::strcmp(name, "plain") == 0) {
    counted([&](const vecx& x) { return w.plain(x); });
  } else {
    return false;
  }
  return true;
}

constexpr const char* variants[] = {"weft", "hand", "plain"};

void timed(benchmark::State& state, const char* variant) {
  with_variant(variant, [&](auto f) { time_loop<keep::buffer>(state, workload().pool, f); });
}

/// Heap allocations per call of a variant over 1000 calls, after its first call.
double allocations_per_call(const char* variant) {
  constexpr long calls = 1000;
  double per_call = NAN;
  with_variant(variant, [&](auto f) {
    g_mallocs.store(0);
    g_counting.store(true);
    count_loop<keep::buffer>(workload().pool, f, calls);
    g_counting.store(false);
    per_call = static_cast<double>(g_mallocs.load()) / calls;
  });
  return per_call;
}

/// weft, hand and plain give the same bits on the whole pool; the counter sees plain's allocations.
bool verify() {
  const auto& w = workload();
  weft::workspace<pipeline_t> ws;
  buffers b;
  long differ = 0;
  for (const auto& x : w.pool) {
    const vecx& a = w.weft(x, ws);
    const vecx& h = w.hand(x, b);
    const vecx p = w.plain(x);
    if (a.size() != h.size() || a.size() != p.size() || std::memcmp(a.data(), h.data(), sizeof(float) * 10) != 0 ||
        std::memcmp(a.data(), p.data(), sizeof(float) * 10) != 0)
      ++differ;
  }
  const double plain_allocs = allocations_per_call("plain");
  std::printf("verify W1dyn-ws weft, hand, plain: %ld of %zu inputs differ in any bit; plain allocates %.1f per call  %s\n",
              differ, w.pool.size(), plain_allocs, differ == 0 && plain_allocs >= 4 ? "ok" : "WRONG");
  return differ == 0 && plain_allocs >= 4;  // 4 stages, one vector each: the counter must see them
}

void print_figures(const round_reporter& rep) {
  std::printf("\n");
  for (const char* v : variants) print_time(rep, "W1dyn-ws", v);
  print_ratios(rep, {{"W1dyn-ws", "weft", "hand"}, {"W1dyn-ws", "plain", "weft"}});
  for (const char* v : variants) std::printf("alloc W1dyn-ws %s = %.3f per call\n", v, allocations_per_call(v));
}

int usage() {
  std::fprintf(stderr, "usage: weft_bench_workspace [--verify | --instr weft|hand|plain <calls> | benchmark flags]\n");
  return 2;
}

int run(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--instr") == 0) {
    if (argc != 4) return usage();
    const long calls = std::atol(argv[3]);
    const bool known = with_variant(argv[2], [&](auto f) {
      WEFT_BENCH_START_COUNTING();
      count_loop<keep::buffer>(workload().pool, f, calls);
      WEFT_BENCH_STOP_COUNTING();
    });
    return known ? 0 : usage();
  }
  const bool verify_only = argc >= 2 && std::strcmp(argv[1], "--verify") == 0;
  if (!verify()) {
    std::fprintf(stderr, "weft_bench_workspace: the variants disagree; no timing\n");
    return 1;
  }
  if (verify_only) {
    for (const char* v : variants) std::printf("alloc W1dyn-ws %s = %.3f per call\n", v, allocations_per_call(v));
    return 0;
  }
  for (const char* v : variants)
    benchmark::RegisterBenchmark((std::string("W1dyn-ws/") + v).c_str(), [v](benchmark::State& s) { timed(s, v); });
  round_reporter rep;
  if (!run_interleaved(argc, argv, rep)) return usage();
  print_figures(rep);
  return 0;
}

}  // namespace
}  // namespace weft_bench

int main(int argc, char** argv) try {
  return weft_bench::run(argc, argv);
} catch (const std::exception& e) {
  std::fprintf(stderr, "weft_bench_workspace: %s\n", e.what());
  return 1;
}
