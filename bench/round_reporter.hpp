// bench/round_reporter.hpp - the benchmarks' reporter: Google Benchmark's console output as usual, and
// every repetition's time kept by benchmark and round, so that a ratio of two variants is taken round by
// round. With random interleaving, round k runs every benchmark once, in a random order, within a few
// seconds: a ratio is the median over rounds of (a's time in round k) / (b's time in round k), so
// that slow drift (another process starting, the clock) cancels. Times are CPU time per call (the
// thread's own clock: time the process was descheduled is not counted); real time is kept beside.
// run_interleaved runs the registered benchmarks with the repetitions interleaved at random;
// print_time and print_ratios print the figures scripts/bench and scripts/bench.d/*.sh read. Used by
// weft_bench.cpp, runtimes.cpp, batch_native.cpp and workspace.cpp.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace weft_bench {

inline double median_of(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

inline double quantile_of(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

class round_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs)
      if (run.run_type == Run::RT_Iteration && !run.error_occurred) {
        auto& s = samples_[run.run_name.function_name];
        s.cpu[run.repetition_index] = run.GetAdjustedCPUTime();
        s.real[run.repetition_index] = run.GetAdjustedRealTime();
      }
  }
  /// Median CPU (or real) time per call of benchmark `name`, in ns; NaN when it did not run.
  double median(const std::string& name, bool real = false) const {
    const auto it = samples_.find(name);
    if (it == samples_.end()) return NAN;
    std::vector<double> v;
    for (const auto& [round, t] : real ? it->second.real : it->second.cpu) v.push_back(t);
    return median_of(std::move(v));
  }
  /// a's CPU time over b's, one ratio per round in which both ran.
  std::vector<double> round_ratios(const std::string& a, const std::string& b) const {
    std::vector<double> r;
    const auto ia = samples_.find(a);
    const auto ib = samples_.find(b);
    if (ia == samples_.end() || ib == samples_.end()) return r;
    for (const auto& [round, ta] : ia->second.cpu)
      if (const auto jb = ib->second.cpu.find(round); jb != ib->second.cpu.end()) r.push_back(ta / jb->second);
    return r;
  }

 private:
  struct series {
    std::map<std::int64_t, double> cpu, real;
  };
  std::map<std::string, series> samples_;
};

/// Runs the registered benchmarks into rep with the benchmarks' defaults, which the command line may
/// override: repetitions interleaved at random across benchmarks (so that drift and order affect every
/// variant alike), 15 of them, 0.2 s each, no colour. Returns false on an unrecognised argument.
inline bool run_interleaved(int argc, char** argv, round_reporter& rep) {
  std::vector<char*> args(argv, argv + argc);
  std::string interleave = "--benchmark_enable_random_interleaving=true";
  std::string reps = "--benchmark_repetitions=15";
  std::string min_time = "--benchmark_min_time=0.2";
  std::string no_color = "--benchmark_color=false";
  args.insert(args.begin() + 1, {interleave.data(), reps.data(), min_time.data(), no_color.data()});
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return false;
  benchmark::RunSpecifiedBenchmarks(&rep);
  benchmark::Shutdown();
  return true;
}

/// Prints `time <what> <variant> = T ns cpu (real R ns)`: the medians over rounds of benchmark
/// `<what>/<variant>`; nothing when it did not run (a --benchmark_filter left it out).
inline void print_time(const round_reporter& rep, const std::string& what, const std::string& variant) {
  const std::string name = what + "/" + variant;
  const double t = rep.median(name);
  if (!std::isnan(t))
    std::printf("time %s %s = %.1f ns cpu (real %.1f ns)\n", what.c_str(), variant.c_str(), t, rep.median(name, true));
}

/// One ratio to print: benchmark `<what>/<a>` over `<what>/<b>`.
struct ratio_of {
  std::string what, a, b;
};

/// Prints, for each ratio in turn, `ratio <what> <a>/<b> = X` (X: the median over rounds of the
/// round's ratio, 2 decimals), then, for each in the same order, `spread <what> <a>/<b> = Q1 M Q3
/// (quartiles over N rounds)`; a ratio whose two benchmarks never ran in the same round prints
/// neither line. scripts/bench reads X from the ratio line, and the unrounded median M.
inline void print_ratios(const round_reporter& rep, const std::vector<ratio_of>& ratios) {
  std::string spreads;
  for (const auto& [what, a, b] : ratios) {
    const auto r = rep.round_ratios(what + "/" + a, what + "/" + b);
    if (r.empty()) continue;
    std::printf("ratio %s %s/%s = %.2f\n", what.c_str(), a.c_str(), b.c_str(), median_of(r));
    char line[200];
    std::snprintf(line, sizeof line, "spread %s %s/%s = %.3f %.3f %.3f (quartiles over %zu rounds)\n", what.c_str(),
                  a.c_str(), b.c_str(), quantile_of(r, 0.25), median_of(r), quantile_of(r, 0.75), r.size());
    spreads += line;
  }
  std::printf("%s", spreads.c_str());
}

}  // namespace weft_bench
