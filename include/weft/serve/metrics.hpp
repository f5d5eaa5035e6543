// SPDX-License-Identifier: BSL-1.0
// weft/serve/metrics.hpp - counters and latency histograms for GET /metrics (Prometheus text).
//
// Contract (namespace weft::oip):
//   latency_histogram counts durations into fixed buckets (10 us to 10 s, 1-2.5-5 steps, then +Inf)
//   and keeps their count and sum; record() is lock-free (relaxed atomics: three increments and an
//   add). stage_metrics is a weft observer (weft/observe.hpp): on_exit and on_error record, per stage
//   path, the calls, the failed calls and a latency_histogram. Its table of paths is insert-only and
//   lock-free: a path seen before costs a hash and a walk of a short list; a new path allocates one
//   node once (pushed with a compare-and-swap), so after the first request of a pipeline nothing
//   allocates but the path text the observer itself builds. model_metrics holds a model's requests by
//   HTTP status (200, 400, 404, 413, 500, 502, other), their latency_histogram and its stage_metrics.
//   write_prometheus(out, models) writes the text exposition format 0.0.4: families
//   weft_infer_requests_total{model,code} (counter), weft_infer_request_duration_seconds{model}
//   (histogram), weft_stage_calls_total{model,stage} and weft_stage_errors_total{model,stage}
//   (counters), weft_stage_duration_seconds{model,stage} (histogram); the whole pipeline is the stage
//   "(pipeline)", the others are named by their path as weft::error writes it. Label values are
//   escaped (\\, \", \n). A reader sees each counter at some moment during the write (no snapshot
//   of all counters at once).
//   Thread safety: record, on_exit, on_error and write_prometheus from any number of threads at once.
#ifndef WEFT_SERVE_METRICS_HPP
#define WEFT_SERVE_METRICS_HPP

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../observe.hpp"

namespace weft::oip {

/// Durations counted into fixed buckets, with their count and sum; see the header comment.
class latency_histogram {
 public:
  /// Upper bounds of the finite buckets, in nanoseconds (10 us ... 10 s); +Inf follows.
  static constexpr std::array<std::int64_t, 19> bounds_ns{
      10'000,      25'000,      50'000,        100'000,       250'000,       500'000,    1'000'000,
      2'500'000,   5'000'000,   10'000'000,    25'000'000,    50'000'000,    100'000'000, 250'000'000,
      500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};

  /// Counts one duration d. Lock-free.
  void record(std::chrono::nanoseconds d) noexcept {
    const std::int64_t ns = d.count();
    std::size_t i = 0;
    while (i < bounds_ns.size() && ns > bounds_ns[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(ns < 0 ? 0 : ns), std::memory_order_relaxed);
  }

  /// Writes the _bucket (cumulative), _sum and _count lines of family name with labels (text
  /// `model="x"`, no braces).
  void write(std::string& out, std::string_view name, std::string_view labels) const {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds_ns.size(); ++i) {
      cumulative += buckets_[i].load(std::memory_order_relaxed);
      out.append(name).append("_bucket{").append(labels).append(",le=\"");
      out += i < bounds_ns.size() ? seconds(static_cast<std::uint64_t>(bounds_ns[i])) : std::string("+Inf");
      out.append("\"} ").append(std::to_string(cumulative)).append("\n");
    }
    out.append(name).append("_sum{").append(labels).append("} ");
    out.append(seconds(sum_ns_.load(std::memory_order_relaxed))).append("\n");
    out.append(name).append("_count{").append(labels).append("} ");
    out.append(std::to_string(count_.load(std::memory_order_relaxed))).append("\n");
  }

  /// Durations counted so far.
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }

 private:
  static std::string seconds(std::uint64_t ns) {
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(ns) * 1e-9);
    return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  }

  std::array<std::atomic<std::uint64_t>, bounds_ns.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

/// Calls, failed calls and latencies of one stage.
struct stage_stats {
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> errors{0};
  latency_histogram latency;
};

/// A weft observer recording per-stage calls, errors and latencies; see the header comment.
class stage_metrics {
 public:
  stage_metrics() = default;
  stage_metrics(const stage_metrics&) = delete;
  stage_metrics& operator=(const stage_metrics&) = delete;
  ~stage_metrics() {
    for (auto& head : heads_) {
      node* n = head.load(std::memory_order_acquire);
      while (n != nullptr) delete std::exchange(n, n->next);
    }
  }

  /// Observer hook: stage e answered after d.
  void on_exit(const stage_event& e, std::chrono::nanoseconds d) {
    stage_stats& s = find_or_add(e.path);
    s.calls.fetch_add(1, std::memory_order_relaxed);
    s.latency.record(d);
  }
  /// Observer hook: stage e threw after d.
  void on_error(const stage_event& e, std::chrono::nanoseconds d, const std::exception_ptr&) {
    stage_stats& s = find_or_add(e.path);
    s.calls.fetch_add(1, std::memory_order_relaxed);
    s.errors.fetch_add(1, std::memory_order_relaxed);
    s.latency.record(d);
  }

  /// The stats of path (empty: the whole pipeline), made on first use. Lock-free.
  stage_stats& find_or_add(std::string_view path) {
    std::atomic<node*>& head = heads_[std::hash<std::string_view>{}(path) % heads_.size()];
    node* first = head.load(std::memory_order_acquire);
    for (node* n = first; n != nullptr; n = n->next)
      if (n->path == path) return n->stats;
    auto fresh = std::make_unique<node>(path);
    for (;;) {
      fresh->next = first;
      if (head.compare_exchange_weak(first, fresh.get(), std::memory_order_acq_rel, std::memory_order_acquire))
        return fresh.release()->stats;
      for (node* n = first; n != fresh->next; n = n->next)  // pushed by others since we looked
        if (n->path == path) return n->stats;
    }
  }

  /// Calls f(path, stats) for every stage seen, paths in order.
  template <class F>
  void for_each(F&& f) const {
    std::vector<const node*> nodes;
    for (const auto& head : heads_)
      for (const node* n = head.load(std::memory_order_acquire); n != nullptr; n = n->next) nodes.push_back(n);
    std::sort(nodes.begin(), nodes.end(), [](const node* a, const node* b) { return a->path < b->path; });
    for (const node* n : nodes) f(std::string_view(n->path), n->stats);
  }

 private:
  struct node {
    explicit node(std::string_view p) : path(p) {}
    std::string path;
    stage_stats stats;
    node* next = nullptr;
  };
  std::array<std::atomic<node*>, 64> heads_{};
};

/// A served model's requests by HTTP status, their latencies, and its stages'.
class model_metrics {
 public:
  /// The statuses counted apart; any other is "other".
  static constexpr std::array<int, 6> codes{200, 400, 404, 413, 500, 502};

  /// Counts one infer request answered with status after d. Lock-free.
  void record_request(int status, std::chrono::nanoseconds d) noexcept {
    std::size_t i = 0;
    while (i < codes.size() && codes[i] != status) ++i;
    requests_[i].fetch_add(1, std::memory_order_relaxed);
    latency_.record(d);
  }
  /// Requests answered with status so far (any status not in codes: pass 0).
  std::uint64_t requests(int status) const noexcept {
    std::size_t i = 0;
    while (i < codes.size() && codes[i] != status) ++i;
    return requests_[i].load(std::memory_order_relaxed);
  }
  const latency_histogram& latency() const noexcept { return latency_; }
  stage_metrics& stages() noexcept { return stages_; }
  const stage_metrics& stages() const noexcept { return stages_; }

 private:
  std::array<std::atomic<std::uint64_t>, codes.size() + 1> requests_{};
  latency_histogram latency_;
  stage_metrics stages_;
};

namespace detail {
/// s escaped as a Prometheus label value (\\, \", \n).
inline std::string label_value(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}
}  // namespace detail

/// Writes every model's metrics (pairs of name and model_metrics, in order) as Prometheus text.
template <class Models>
void write_prometheus(std::string& out, const Models& models) {
  const auto model_label = [](std::string_view name) { return "model=\"" + detail::label_value(name) + "\""; };
  const auto stage_label = [&](std::string_view name, std::string_view path) {
    return model_label(name) + ",stage=\"" + detail::label_value(path.empty() ? "(pipeline)" : path) + "\"";
  };
  out += "# HELP weft_infer_requests_total Infer requests per model and HTTP status.\n"
         "# TYPE weft_infer_requests_total counter\n";
  for (const auto& entry : models) {
    for (std::size_t i = 0; i <= model_metrics::codes.size(); ++i) {
      const int code = i < model_metrics::codes.size() ? model_metrics::codes[i] : 0;
      out += "weft_infer_requests_total{" + model_label(entry.first) + ",code=\"" +
             (code != 0 ? std::to_string(code) : std::string("other")) + "\"} " +
             std::to_string(entry.second->requests(code)) + "\n";
    }
  }
  out += "# HELP weft_infer_request_duration_seconds Infer request latency per model (parse, run, answer).\n"
         "# TYPE weft_infer_request_duration_seconds histogram\n";
  for (const auto& entry : models)
    entry.second->latency().write(out, "weft_infer_request_duration_seconds", model_label(entry.first));
  const auto each_stage = [&](const auto& f) {
    for (const auto& entry : models) {
      const std::string_view name = entry.first;
      entry.second->stages().for_each(
          [&](std::string_view path, const stage_stats& s) { f(stage_label(name, path), s); });
    }
  };
  out += "# HELP weft_stage_calls_total Stage calls per model and stage path (answered and failed).\n"
         "# TYPE weft_stage_calls_total counter\n";
  each_stage([&](const std::string& labels, const stage_stats& s) {
    out += "weft_stage_calls_total{" + labels + "} " + std::to_string(s.calls.load(std::memory_order_relaxed)) + "\n";
  });
  out += "# HELP weft_stage_errors_total Stage calls that threw, per model and stage path.\n"
         "# TYPE weft_stage_errors_total counter\n";
  each_stage([&](const std::string& labels, const stage_stats& s) {
    out += "weft_stage_errors_total{" + labels + "} " + std::to_string(s.errors.load(std::memory_order_relaxed)) + "\n";
  });
  out += "# HELP weft_stage_duration_seconds Stage call latency per model and stage path.\n"
         "# TYPE weft_stage_duration_seconds histogram\n";
  each_stage([&](const std::string& labels, const stage_stats& s) {
    s.latency.write(out, "weft_stage_duration_seconds", labels);
  });
}

}  // namespace weft::oip

#endif  // WEFT_SERVE_METRICS_HPP
