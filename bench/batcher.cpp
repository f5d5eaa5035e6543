// bench/batcher.cpp - weft::batcher (issue 14, item 4): T threads each calling W2 (the 784 -> 256 -> 10
// MLP of bench/workloads.hpp) with one sample at a time, for T = 1, 8 and 32, four ways in each round:
//   batcher  every thread calls one weft::batcher of the batch-native W2 (call_batch: W2's fused
//            matrix-matrix code, w2_workload<Dynamic>::fused), max_batch and max_delay as given;
//   direct   the same threads call W2 itself, one sample per call (w2_workload<1>::fused: the
//            matrix-vector code a user calls per request without a batcher);
//   ceiling  hand-written batch code at the batch sizes the latest batcher run formed: the same
//            fused matrix-matrix code on ready-made batches of those sizes, one batch after another,
//            on as many threads as the machine has cores (what the batches alone cost, no queue);
//   queue    the same threads through a batcher of a model that only copies (copy_native): what the
//            queue itself costs per call (lock, copies, each caller's sleep and wake-up).
// Each variant runs for --seconds; each round runs the four in a random order (a fixed seed), so
// drift and the other work on the machine hit them alike; every figure is a median over rounds (a
// ratio: the median of each round's ratio). Measured per variant with getrusage(RUSAGE_SELF), i.e.
// every thread of the process the same way: answers per CPU-second (user + kernel), CPU time per
// answer with its kernel share, context switches per answer; answers per wall-second beside (on a
// shared machine 32 threads get more of it than the ceiling's 2, so wall-time ratios measure the
// scheduler's fairness as much as the batcher). The batcher's CPU time inside call_batch is
// measured too (thread CPU clock around the model's batch code). Latency: every batcher call is
// timed (steady_clock around the call); p50 and p99 over all calls of all rounds, beside max_delay.
//
// Usage: weft_bench_batcher [--rounds N] [--seconds S] [--max-batch B] [--max-delay-us D] [--callers T]
// (defaults: 7 rounds of 0.5 s, max_batch 16, max_delay 500 us, callers 1, 8 and 32). Prints, per
// caller count T:
//   time batcher32 batcher = 42373 answers per cpu-s, 41071 per wall-s; 23.60 us cpu per answer
//        (30% kernel), 1.02 context switches per answer (mean batch 16.0; batches of 16: 99%)
//   share batcher32 batcher cpu in call_batch = 0.64
//   time batcher32 direct = ...   time batcher32 ceiling = ...   time batcher32 queue = ...
//   ratio batcher32 batcher/ceiling = 0.70          (per CPU-second)
//   ratio batcher32 batcher/direct = 0.93
//   ratio-wall batcher32 batcher/ceiling = 1.30     (per wall-second)
//   ratio-wall batcher32 batcher/direct = 2.10
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
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
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

/// Batch-native and next to free: each answer is its sample's first 10 elements. A batcher of it
/// costs what the queue itself costs per call (locks, copies, the sleep and the wake-up).
struct copy_native {
  using input_type = in784;
  using output_type = out10;
  output_type operator()(const input_type& x) const { return x.head<10>(); }
  batch10 call_batch(const batch784& x) const { return x.topRows<10>(); }
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

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; }

/// What the process (every thread) has used so far: CPU time in user and kernel mode, context
/// switches (voluntary: a thread slept; involuntary: it was preempted). getrusage(RUSAGE_SELF).
struct usage {
  double user = 0;
  double sys = 0;
  double switches = 0;
  static usage now() {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    return {seconds_of(r.ru_utime), seconds_of(r.ru_stime), static_cast<double>(r.ru_nvcsw + r.ru_nivcsw)};
  }
};

/// One run of one variant: wall time, the process's CPU time (user + kernel), context switches,
/// answers.
struct spent {
  double wall = 0;
  double user = 0;
  double sys = 0;
  double switches = 0;
  long answers = 0;
  double cpu() const { return user + sys; }
  double per_cpu_s() const { return static_cast<double>(answers) / cpu(); }
  double per_wall_s() const { return static_cast<double>(answers) / wall; }
};

/// Runs f(thread, stop_flag) (returning its answers) on `threads` threads for `seconds`.
template <class F>
spent run_threads(int threads, double seconds, F f) {
  std::atomic<bool> stop{false};
  std::atomic<long> answers{0};
  std::vector<std::thread> pool;
  const usage u0 = usage::now();
  const auto start = clock_type::now();
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { answers += f(t, stop); });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double wall = std::chrono::duration<double>(clock_type::now() - start).count();
  const usage u1 = usage::now();
  return {wall, u1.user - u0.user, u1.sys - u0.sys, u1.switches - u0.switches, answers.load()};
}

/// Medians over rounds of one variant's figures.
struct figures {
  std::vector<double> per_cpu_s, per_wall_s, us_per_answer, sys_share, switches_per_answer;
  void add(const spent& s) {
    per_cpu_s.push_back(s.per_cpu_s());
    per_wall_s.push_back(s.per_wall_s());
    us_per_answer.push_back(1e6 * s.cpu() / static_cast<double>(s.answers));
    sys_share.push_back(s.sys / s.cpu());
    switches_per_answer.push_back(s.switches / static_cast<double>(s.answers));
  }
  void print(const std::string& name, const char* variant, const std::string& extra) const {
    std::printf("time %s %s = %.0f answers per cpu-s, %.0f per wall-s; %.2f us cpu per answer (%.0f%% kernel), "
                "%.2f context switches per answer%s\n",
                name.c_str(), variant, median(per_cpu_s), median(per_wall_s), median(us_per_answer),
                100.0 * median(sys_share), median(switches_per_answer), extra.c_str());
  }
};

struct options {
  int rounds = 7;
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
      long n = 0;
      for (std::size_t i = static_cast<std::size_t>(t); !stop; i += 8, ++n) {
        const in784& x = pool[i % pool.size()];
        if (!((b(x) - model(x)).cwiseAbs().maxCoeff() < 1e-5f)) ++wrong;
      }
      return n;
    });
    if (wrong > 0) {
      std::printf("FAIL: %ld answers through the batcher differ from per-sample calls\n", wrong.load());
      return 1;
    }
  }

  std::mt19937 shuffler(14);
  for (const int callers : opt.callers) {
    figures batcher_fig, direct_fig, ceiling_fig, queue_fig;
    std::vector<double> r_ceiling, r_direct, rw_ceiling, rw_direct, latencies, in_model;
    std::array<long, max_sizes> formed{};  // batches formed, by size, over all rounds
    std::array<long, max_sizes> last{};    // by the latest batcher run: the sizes the ceiling runs

    const auto run_batcher = [&](double seconds, bool timed) {
      for (auto& c : *model.sizes) c = 0;
      *model.model_cpu_ns = 0;
      std::vector<std::vector<double>> lat(static_cast<std::size_t>(callers));
      const auto b = weft::batcher(model, opt.max_batch, delay);
      const spent s = run_threads(callers, seconds, [&](int t, std::atomic<bool>& stop) {
        auto& mine = lat[static_cast<std::size_t>(t)];
        mine.reserve(1 << 16);
        long n = 0;
        for (std::size_t i = static_cast<std::size_t>(t); !stop; i += 7, ++n) {
          const auto start = clock_type::now();
          const out10 y = b(pool[i % pool.size()]);
          mine.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
          if (y(0) < -1.0f) std::abort();  // softmax: never negative; keeps y alive
        }
        return n;
      });
      for (int k = 0; k < max_sizes; ++k) last[static_cast<std::size_t>(k)] = (*model.sizes)[static_cast<std::size_t>(k)];
      if (!timed) return s;
      for (auto& v : lat) latencies.insert(latencies.end(), v.begin(), v.end());
      for (int k = 0; k < max_sizes; ++k) formed[static_cast<std::size_t>(k)] += last[static_cast<std::size_t>(k)];
      in_model.push_back(static_cast<double>(*model.model_cpu_ns) * 1e-9 / s.cpu());
      return s;
    };
    const auto run_direct = [&] {
      return run_threads(callers, opt.seconds, [&](int t, std::atomic<bool>& stop) {
        long n = 0;
        for (std::size_t i = static_cast<std::size_t>(t); !stop; i += 7, ++n) {
          const out10 y = model(pool[i % pool.size()]);
          if (y(0) < -1.0f) std::abort();
        }
        return n;
      });
    };
    // the latest batcher run's batch sizes, as ready-made batches (about 256, each size as often as
    // the batcher formed it), one after another on each core
    const auto run_ceiling = [&] {
      long formed_now = 0;
      for (const long c : last) formed_now += c;
      std::vector<batch784> batches;
      for (int k = 1; k < max_sizes; ++k)
        for (long j = 0, copies = (last[static_cast<std::size_t>(k)] * 256 + formed_now - 1) / std::max(formed_now, 1L);
             j < copies; ++j) {
          batch784 x(784, k);
          for (int c = 0; c < k; ++c) x.col(c) = pool[static_cast<std::size_t>(c + j) % pool.size()];
          batches.push_back(std::move(x));
        }
      return run_threads(cores, opt.seconds, [&](int t, std::atomic<bool>& stop) {
        long n = 0;
        for (std::size_t i = static_cast<std::size_t>(t); !stop; ++i) {
          const batch784& x = batches[i % batches.size()];
          const batch10 y = model.many->fused(x);
          if (y(0, 0) < -1.0f) std::abort();
          n += x.cols();
        }
        return n;
      });
    };

    // the queue alone: a batcher of copy_native, same callers, max_batch and max_delay
    const auto run_queue = [&] {
      const auto b = weft::batcher(copy_native{}, opt.max_batch, delay);
      return run_threads(callers, opt.seconds, [&](int t, std::atomic<bool>& stop) {
        long n = 0;
        for (std::size_t i = static_cast<std::size_t>(t); !stop; i += 7, ++n) {
          const out10 y = b(pool[i % pool.size()]);
          if (y(0) < -2.0f) std::abort();  // inputs lie in [-1, 1]; keeps y alive
        }
        return n;
      });
    };

    run_batcher(0.2, false);  // warm-up: the first batch sizes for a ceiling run before the batcher's
    for (int round = 0; round < opt.rounds; ++round) {
      std::array<int, 4> order{0, 1, 2, 3};
      std::shuffle(order.begin(), order.end(), shuffler);
      spent b, d, c, q;
      for (const int v : order) {
        if (v == 0) b = run_batcher(opt.seconds, true);
        else if (v == 1) d = run_direct();
        else if (v == 2) c = run_ceiling();
        else q = run_queue();
      }
      batcher_fig.add(b);
      direct_fig.add(d);
      ceiling_fig.add(c);
      queue_fig.add(q);
      r_ceiling.push_back(b.per_cpu_s() / c.per_cpu_s());
      r_direct.push_back(b.per_cpu_s() / d.per_cpu_s());
      rw_ceiling.push_back(b.per_wall_s() / c.per_wall_s());
      rw_direct.push_back(b.per_wall_s() / d.per_wall_s());
    }
    long batches = 0, samples = 0;
    for (int k = 1; k < max_sizes; ++k) {
      batches += formed[static_cast<std::size_t>(k)];
      samples += formed[static_cast<std::size_t>(k)] * k;
    }
    const long full = formed[std::min<std::size_t>(opt.max_batch, max_sizes - 1)];
    std::sort(latencies.begin(), latencies.end());
    const std::string name = "batcher" + std::to_string(callers);
    char extra[128];
    std::snprintf(extra, sizeof extra, " (mean batch %.1f; batches of %zu: %.0f%%)",
                  batches ? static_cast<double>(samples) / static_cast<double>(batches) : 0.0, opt.max_batch,
                  batches ? 100.0 * static_cast<double>(full) / static_cast<double>(batches) : 0.0);
    batcher_fig.print(name, "batcher", extra);
    std::printf("share %s batcher cpu in call_batch = %.2f\n", name.c_str(), median(in_model));
    direct_fig.print(name, "direct", "");
    ceiling_fig.print(name, "ceiling", " (" + std::to_string(cores) + " threads)");
    queue_fig.print(name, "queue", " (a batcher of a model that only copies: the queue's own cost)");
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
