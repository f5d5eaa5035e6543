// bench/batcher.cpp - weft::batcher (issue 14, item 4): T threads each calling W2 (the 784 -> 256 -> 10
// MLP of bench/workloads.hpp) with one sample at a time, for T = 1, 8 and 32, three ways in each round:
//   batcher  every thread calls one weft::batcher of the batch-native W2 (call_batch: W2's fused
//            matrix-matrix code, w2_workload<Dynamic>::fused), max_batch and max_delay as given;
//   direct   the same threads call W2 itself, one sample per call (w2_workload<1>::fused: the
//            matrix-vector code a user calls per request without a batcher);
//   ceiling  hand-written batch code at the batch sizes that round's batcher formed: the same
//            fused matrix-matrix code on ready-made batches of those sizes, one batch after another, on
//            as many threads as the machine has cores (what the batches alone cost, with no queue).
// Each variant runs for --seconds. Throughput is answers per CPU-second of the whole process (every
// thread's CPU time: what each variant used, as the other benchmarks compare CPU time per call), and
// per wall-second beside it (on a machine shared with other work, 32 threads get more of it than the
// ceiling's 2, so wall-time ratios there measure the scheduler's fairness as much as the batcher).
// Rounds repeat the three in turn, so drift hits them alike; a ratio is the median over rounds of
// that round's ratio. The batcher's CPU time spent inside call_batch is measured too (thread CPU
// clock around the model's batch code): the rest is the queue's (copies, locks, waits, wake-ups).
// Latency: every batcher call is timed (steady_clock around the call); p50 and p99 over all calls of
// all rounds, printed beside max_delay.
//
// Usage: weft_bench_batcher [--rounds N] [--seconds S] [--max-batch B] [--max-delay-us D] [--callers T]
// (defaults: 5 rounds of 0.5 s, max_batch 16, max_delay 500 us, callers 1, 8 and 32). Prints, per
// caller count T:
//   time batcher32 batcher = 40809 answers per cpu-s, 20170 per wall-s (mean batch 15.9; batches of 16: 98%)
//   share batcher32 batcher cpu in call_batch = 0.64
//   time batcher32 direct = 51795 answers per cpu-s, 14726 per wall-s
//   time batcher32 ceiling = 79591 answers per cpu-s, 21839 per wall-s (2 threads)
//   ratio batcher32 batcher/ceiling = 0.51          (per CPU-second)
//   ratio batcher32 batcher/direct = 0.79
//   ratio-wall batcher32 batcher/ceiling = 0.92     (per wall-second)
//   ratio-wall batcher32 batcher/direct = 1.36
//   latency batcher32 p50 = 0.39 ms, p99 = 13.90 ms (max_delay 0.50 ms)
// Exits 1 when an answer through the batcher differs from a per-sample call by 1e-5 or more.
#include <weft/batcher.hpp>
#include <weft/eigen.hpp>

#include "workloads.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

namespace {

using clock_type = std::chrono::steady_clock;
using in784 = Eigen::Matrix<float, 784, 1>;
using out10 = Eigen::Matrix<float, 10, 1>;
using batch784 = Eigen::Matrix<float, 784, Eigen::Dynamic>;
using batch10 = Eigen::Matrix<float, 10, Eigen::Dynamic>;
constexpr int max_sizes = 1025;

/// W2, batch-native: one sample through W2's fused matrix-vector code, a batch through its fused
/// matrix-matrix code (same weights: both workloads draw them from the same seeds). Counts the
/// batches it ran by size.
struct w2_native {
  using input_type = in784;
  using output_type = out10;
  std::shared_ptr<const weft_bench::w2_workload<1>> one = std::make_shared<weft_bench::w2_workload<1>>();
  std::shared_ptr<const weft_bench::w2_workload<Eigen::Dynamic>> many =
      std::make_shared<weft_bench::w2_workload<Eigen::Dynamic>>();
  std::shared_ptr<std::array<std::atomic<long>, max_sizes>> sizes =
      std::make_shared<std::array<std::atomic<long>, max_sizes>>();
  std::shared_ptr<std::atomic<long>> model_cpu_ns = std::make_shared<std::atomic<long>>(0);
  output_type operator()(const input_type& x) const { return one->fused(x); }
  batch10 call_batch(const batch784& x) const {
    (*sizes)[static_cast<std::size_t>(std::min<Eigen::Index>(x.cols(), max_sizes - 1))].fetch_add(1);
    const long start = thread_cpu_ns();
    batch10 y = many->fused(x);
    model_cpu_ns->fetch_add(thread_cpu_ns() - start);
    return y;
  }
  static long thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<long>(ts.tv_sec) * 1'000'000'000L + static_cast<long>(ts.tv_nsec);
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? NAN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double quantile(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return NAN;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(q * static_cast<double>(sorted.size())))];
}

/// CPU time of the whole process so far (every thread), in seconds.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Wall time and CPU time (all threads) of one run, in seconds.
struct spent {
  double wall = 0;
  double cpu = 0;
};

/// Runs f(thread, stop_flag) on `threads` threads for `seconds`; returns the time taken.
template <class F>
spent run_threads(int threads, double seconds, F f) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  const double cpu0 = process_cpu_seconds();
  const auto start = clock_type::now();
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { f(t, stop); });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  return {std::chrono::duration<double>(clock_type::now() - start).count(), process_cpu_seconds() - cpu0};
}

struct options {
  int rounds = 5;
  double seconds = 0.5;
  std::size_t max_batch = 16;
  long max_delay_us = 500;
  std::vector<int> callers{1, 8, 32};
};

}  // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--rounds" && has) opt.rounds = std::atoi(argv[++i]);
    else if (a == "--seconds" && has) opt.seconds = std::atof(argv[++i]);
    else if (a == "--max-batch" && has) opt.max_batch = static_cast<std::size_t>(std::atol(argv[++i]));
    else if (a == "--max-delay-us" && has) opt.max_delay_us = std::atol(argv[++i]);
    else if (a == "--callers" && has) opt.callers = {std::atoi(argv[++i])};
    else {
      std::fprintf(stderr, "usage: %s [--rounds N] [--seconds S] [--max-batch B] [--max-delay-us D] [--callers T]\n", argv[0]);
      return 2;
    }
  }
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const w2_native model;
  const std::vector<in784> pool = weft_bench::make_pool<in784>(64, 7);
  const auto delay = std::chrono::microseconds(opt.max_delay_us);
  std::printf("W2 (784 -> 256 -> 10), batcher max_batch %zu, max_delay %ld us; %d rounds of %.2f s; %d cores\n",
              opt.max_batch, opt.max_delay_us, opt.rounds, opt.seconds, cores);

  // Every answer through the batcher must be its own sample's (checked on a warm-up run).
  {
    const auto b = weft::batcher(model, opt.max_batch, delay);
    std::atomic<long> wrong{0};
    run_threads(8, 0.2, [&](int t, std::atomic<bool>& stop) {
      for (std::size_t i = static_cast<std::size_t>(t); !stop; i += 8) {
        const in784& x = pool[i % pool.size()];
        if (!((b(x) - model(x)).cwiseAbs().maxCoeff() < 1e-5f)) ++wrong;
      }
    });
    if (wrong > 0) {
      std::printf("FAIL: %ld answers through the batcher differ from per-sample calls\n", wrong.load());
      return 1;
    }
  }

  for (const int callers : opt.callers) {
    std::vector<double> r_ceiling, r_direct, t_batcher, t_direct, t_ceiling, latencies;
    std::vector<double> rw_ceiling, rw_direct, w_batcher, w_direct, w_ceiling, in_model;
    std::array<long, max_sizes> formed{};
    for (int round = 0; round < opt.rounds; ++round) {
      // batcher
      for (auto& c : *model.sizes) c = 0;
      *model.model_cpu_ns = 0;
      std::vector<std::vector<double>> lat(static_cast<std::size_t>(callers));
      std::atomic<long> answered{0};
      const auto b = weft::batcher(model, opt.max_batch, delay);
      const spent wall_b = run_threads(callers, opt.seconds, [&](int t, std::atomic<bool>& stop) {
        auto& mine = lat[static_cast<std::size_t>(t)];
        mine.reserve(1 << 16);
        long n = 0;
        for (std::size_t i = static_cast<std::size_t>(t); !stop; i += 7) {
          const auto start = clock_type::now();
          const out10 y = b(pool[i % pool.size()]);
          mine.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
          if (y(0) < -1.0f) std::abort();  // softmax: never negative; keeps y alive
          ++n;
        }
        answered += n;
      });
      for (auto& v : lat) latencies.insert(latencies.end(), v.begin(), v.end());
      std::array<long, max_sizes> sizes{};
      for (int s = 0; s < max_sizes; ++s) sizes[static_cast<std::size_t>(s)] = (*model.sizes)[static_cast<std::size_t>(s)];
      for (int s = 0; s < max_sizes; ++s) formed[static_cast<std::size_t>(s)] += sizes[static_cast<std::size_t>(s)];
      const double batcher_rate = static_cast<double>(answered) / wall_b.cpu;
      in_model.push_back(static_cast<double>(*model.model_cpu_ns) * 1e-9 / wall_b.cpu);
      const double batcher_wall_rate = static_cast<double>(answered) / wall_b.wall;

      // direct
      std::atomic<long> direct_answered{0};
      const spent wall_d = run_threads(callers, opt.seconds, [&](int t, std::atomic<bool>& stop) {
        long n = 0;
        for (std::size_t i = static_cast<std::size_t>(t); !stop; i += 7) {
          const out10 y = model(pool[i % pool.size()]);
          if (y(0) < -1.0f) std::abort();
          ++n;
        }
        direct_answered += n;
      });
      const double direct_rate = static_cast<double>(direct_answered) / wall_d.cpu;
      const double direct_wall_rate = static_cast<double>(direct_answered) / wall_d.wall;

      // ceiling: this round's batch sizes, as ready-made batches, one after another on each core
      // (about 256 batches, each size as often as the batcher formed it)
      long formed_now = 0;
      for (const long c : sizes) formed_now += c;
      std::vector<batch784> batches;
      for (int s = 1; s < max_sizes; ++s)
        for (long k = 0, copies = (sizes[static_cast<std::size_t>(s)] * 256 + formed_now - 1) / std::max(formed_now, 1L);
             k < copies; ++k) {
          batch784 x(784, s);
          for (int j = 0; j < s; ++j) x.col(j) = pool[static_cast<std::size_t>(j + k) % pool.size()];
          batches.push_back(std::move(x));
        }
      std::atomic<long> ceiling_answered{0};
      const spent wall_c = run_threads(cores, opt.seconds, [&](int t, std::atomic<bool>& stop) {
        long n = 0;
        for (std::size_t i = static_cast<std::size_t>(t); !stop; ++i) {
          const batch784& x = batches[i % batches.size()];
          const batch10 y = model.many->fused(x);
          if (y(0, 0) < -1.0f) std::abort();
          n += x.cols();
        }
        ceiling_answered += n;
      });
      const double ceiling_rate = static_cast<double>(ceiling_answered) / wall_c.cpu;
      const double ceiling_wall_rate = static_cast<double>(ceiling_answered) / wall_c.wall;
      t_batcher.push_back(batcher_rate);
      t_direct.push_back(direct_rate);
      t_ceiling.push_back(ceiling_rate);
      r_ceiling.push_back(batcher_rate / ceiling_rate);
      r_direct.push_back(batcher_rate / direct_rate);
      w_batcher.push_back(batcher_wall_rate);
      w_direct.push_back(direct_wall_rate);
      w_ceiling.push_back(ceiling_wall_rate);
      rw_ceiling.push_back(batcher_wall_rate / ceiling_wall_rate);
      rw_direct.push_back(batcher_wall_rate / direct_wall_rate);
    }
    long batches = 0, samples = 0;
    for (int s = 1; s < max_sizes; ++s) {
      batches += formed[static_cast<std::size_t>(s)];
      samples += formed[static_cast<std::size_t>(s)] * s;
    }
    const long full = formed[std::min<std::size_t>(opt.max_batch, max_sizes - 1)];
    std::sort(latencies.begin(), latencies.end());
    const std::string name = "batcher" + std::to_string(callers);
    std::printf("time %s batcher = %.0f answers per cpu-s, %.0f per wall-s (mean batch %.1f; batches of %zu: %.0f%%)\n",
                name.c_str(), median(t_batcher), median(w_batcher),
                batches ? static_cast<double>(samples) / static_cast<double>(batches) : 0.0, opt.max_batch,
                batches ? 100.0 * static_cast<double>(full) / static_cast<double>(batches) : 0.0);
    std::printf("share %s batcher cpu in call_batch = %.2f\n", name.c_str(), median(in_model));
    std::printf("time %s direct = %.0f answers per cpu-s, %.0f per wall-s\n", name.c_str(), median(t_direct),
                median(w_direct));
    std::printf("time %s ceiling = %.0f answers per cpu-s, %.0f per wall-s (%d threads)\n", name.c_str(),
                median(t_ceiling), median(w_ceiling), cores);
    std::printf("ratio %s batcher/ceiling = %.2f\n", name.c_str(), median(r_ceiling));
    std::printf("ratio %s batcher/direct = %.2f\n", name.c_str(), median(r_direct));
    std::printf("ratio-wall %s batcher/ceiling = %.2f\n", name.c_str(), median(rw_ceiling));
    std::printf("ratio-wall %s batcher/direct = %.2f\n", name.c_str(), median(rw_direct));
    std::printf("latency %s p50 = %.2f ms, p99 = %.2f ms (max_delay %.2f ms)\n", name.c_str(),
                quantile(latencies, 0.50), quantile(latencies, 0.99), static_cast<double>(opt.max_delay_us) / 1000.0);
    std::fflush(stdout);
  }
  return 0;
}
