// SPDX-License-Identifier: BSL-1.0
// weft/observe.hpp - weft::observe: per-stage hooks (enter, exit, error) that cost nothing when off.
//
// Contract:
//   weft::observe(m, obs) returns weft::observed_model<M, O>: a model with m's input_type and
//   output_type whose call returns what m's call returns, and tells observer obs, held by reference
//   (it must outlive the model), about every stage call of m, at any depth: the whole pipeline
//   (path ""), then each stage of a sequence, fan_out, ensemble or fallback, the experts a route ran
//   ("route[I]"), the branch a when chose, inside named, shaped and retry wrappers (retry adds no
//   segment: its model's stages report once per attempt) and nested combinators, adapters bound by
//   `|` included; a batched stage's model is one stage "batched[*]" per call (one event per batch,
//   not per sample); a batcher is one stage (nothing inside its batch call). The events travel in a
//   per-call context through the stage calls (detail/call_context.hpp); m is not rebuilt or copied
//   per call.
//   An observer is any object with one or more of
//       on_enter(const weft::stage_event& e)                 before the stage runs;
//       on_exit(const weft::stage_event& e, std::chrono::nanoseconds elapsed)      after it answers;
//       on_error(const weft::stage_event& e, std::chrono::nanoseconds elapsed, std::exception_ptr)
//                                                              after it throws (the exception as it
//                                                              leaves the stage, path included).
//   e.path is the stage's path as weft::error writes it ("sequence[1] > fan_out[0] \"fast\""), e.specs
//   its model's weft::signature ("f32[4] -> f32[2]"). An enclosing stage exits after its stages;
//   a failing stage's on_error is followed by its enclosing stages' (an exception a fallback or
//   retry handles stops there). Under weft::par (or weft::on(e)) branches report from the threads
//   they run on, concurrently: the observer must be thread-safe.
//   An exception thrown by an observer's hook passes through every combinator unchanged (no
//   fallback branch is tried for it, no path segment added, no other hook is called for it) and
//   reaches the caller of the observed model as it was thrown; calls are const, so no model changed.
//   weft::observe(m, weft::no_observer) calls m exactly as m(x) does: same instructions
//   (scripts/bench.d/observe.sh measures it), nothing stored but m.
//   observed_model is a wrapper (detail/wrapper.hpp): get, describe, to_dot and strict see through
//   it. Observed inside another observed model, it reports to its own observer only (the outer one
//   sees it as one stage).
//   Cost when observed, per stage call: its path (a std::string, allocated when longer than the
//   small-string buffer), two steady_clock reads and the hooks.
//   weft::timing_table and weft::trace_json are ready-made observers (below).
//   Example:  weft::timing_table t;  auto o = weft::observe(pipeline, t);  o(x);  std::cout << t;
#ifndef WEFT_OBSERVE_HPP
#define WEFT_OBSERVE_HPP

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "describe.hpp"
#include "detail/call_context.hpp"
#include "detail/config.hpp"
#include "detail/entry.hpp"
#include "detail/stages.hpp"
#include "detail/wrapper.hpp"
#include "model.hpp"

namespace weft {

/// One stage call, as an observer hears of it; the views live until the hook returns.
struct stage_event {
  /// The stage's path, outermost first, joined by " > " (as weft::error::path_text writes it);
  /// empty for the whole observed pipeline.
  std::string_view path;
  /// The stage's model's input and output specs (weft::signature): "f32[4] -> f32[2]".
  std::string_view specs;
};

/// The observer that observes nothing: weft::observe(m, weft::no_observer) is m at m's cost.
struct no_observer_t {};
inline constexpr no_observer_t no_observer{};

/// O has one or more of on_enter, on_exit, on_error (see the header comment).
template <class O>
concept observer = requires(O& o, const stage_event& e, std::chrono::nanoseconds d, std::exception_ptr p) {
  requires(requires { o.on_enter(e); } || requires { o.on_exit(e, d); } || requires { o.on_error(e, d, p); });
};

namespace detail {

/// An observer's exception on its way out: not a std::exception, so that no weft handler (fallback,
/// invoke_stage's path segment) takes it for a stage's; observed_model rethrows `cause`.
struct observer_failure {
  std::exception_ptr cause;
};

/// weft::signature<M>(), made once per stage type.
template <class M>
const std::string& stage_specs() {
  static const std::string specs = signature<M>();
  return specs;
}

/// The context of an observed call: the observer and the path of the stage being called.
template <class O>
class observing_context {
 public:
  static constexpr bool observing = true;

  /// path must outlive the context (a copy of it is as good: it refers to the same path).
  observing_context(O& observer, std::string_view path) noexcept : observer_(&observer), path_(path) {}

  /// Reports stage "<combinator>[index]" of this one around call(child); see detail/call_context.hpp.
  template <class M, class F>
  auto observe_stage(std::string_view combinator, std::size_t index, std::string_view name, F&& call) const {
    return observe_stage_as(combinator, index, name, stage_specs<M>(), std::forward<F>(call));
  }

  /// observe_stage of a stage whose model type is erased (weft::any_model): its specs given as text,
  /// which must outlive the call.
  template <class F>
  auto observe_stage_as(std::string_view combinator, std::size_t index, std::string_view name,
                        std::string_view specs, F&& call) const {
    std::string path;
    if (!path_.empty()) {
      path.reserve(path_.size() + 3 + combinator.size() + 24 + name.size());
      path.append(path_).append(" > ");
    }
    path += segment(combinator, index, name);
    const observing_context child(*observer_, path);
    return child.report_as(specs, std::forward<F>(call));
  }

  /// call(*this) between this stage's on_enter and its on_exit (on_error when it throws).
  template <class M, class F>
  auto report(F&& call) const {
    return report_as(stage_specs<M>(), std::forward<F>(call));
  }

  /// report of a stage whose specs are given as text.
  template <class F>
  auto report_as(std::string_view specs, F&& call) const {
    const stage_event e{path_, specs};
    enter(e);
    const auto start = std::chrono::steady_clock::now();
    try {
      auto y = std::forward<F>(call)(*this);
      exit(e, since(start));
      return y;
    } catch (const observer_failure&) {
      throw;
    } catch (...) {
      error(e, since(start), std::current_exception());
      throw;
    }
  }

 private:
  static std::chrono::nanoseconds since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
  }
  void enter(const stage_event& e) const {
    if constexpr (requires { observer_->on_enter(e); }) {
      try {
        observer_->on_enter(e);
      } catch (...) {
        throw observer_failure{std::current_exception()};
      }
    }
  }
  void exit(const stage_event& e, std::chrono::nanoseconds d) const {
    if constexpr (requires { observer_->on_exit(e, d); }) {
      try {
        observer_->on_exit(e, d);
      } catch (...) {
        throw observer_failure{std::current_exception()};
      }
    }
  }
  void error(const stage_event& e, std::chrono::nanoseconds d, std::exception_ptr p) const {
    if constexpr (requires { observer_->on_error(e, d, p); }) {
      try {
        observer_->on_error(e, d, std::move(p));
      } catch (...) {
        throw observer_failure{std::current_exception()};
      }
    }
  }

  O* observer_;
  std::string_view path_;  // owned by the frame of the observe_stage that made this context
};

template <class O>
using observer_ref = std::conditional_t<std::is_same_v<std::remove_const_t<O>, no_observer_t>, no_observer_t, O*>;

}  // namespace detail

/// Model M whose stage calls observer O hears of; built by weft::observe. See the header comment.
template <model M, class O>
class observed_model {
  static constexpr bool off = std::is_same_v<std::remove_const_t<O>, no_observer_t>;

 public:
  using input_type = input_t<M>;
  using output_type = output_t<M>;
  /// The observed model as stored (detail/wrapper.hpp).
  using wrapped_type = M;

  /// Holds m and a reference to observer (nothing for weft::no_observer).
  template <class A>
  observed_model(A&& m, O& observer) : model_(std::forward<A>(m)), observer_(reference(observer)) {}

  /// m(x), observed. Throws what m throws, and an observer's exception as the observer threw it.
  WEFT_INLINE output_type operator()(const input_type& x) const {
    if constexpr (off) {
      return detail::unwrap(model_)(x);
    } else {
      try {
        const detail::observing_context<O> root(*observer_, std::string_view());
        return root.template report<detail::unwrap_t<M>>(
            [&](const auto& ctx) -> output_type { return detail::call_model(detail::unwrap(model_), x, ctx); });
      } catch (const detail::observer_failure& failure) {
        std::rethrow_exception(failure.cause);
      }
    }
  }

  /// Another tensor type or an expression, judged and bridged first (weft/detail/entry.hpp).
  template <class X>
    requires detail::foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }

  /// The observed model as stored.
  constexpr M& inner() noexcept { return model_; }
  constexpr const M& inner() const noexcept { return model_; }

  /// The observed model's declared shapes, when it declares them.
  shape input_shape() const requires detail::declares_input_shape<detail::unwrap_t<M>> {
    return detail::unwrap(model_).input_shape();
  }
  auto output_shape() const requires requires(const detail::unwrap_t<M>& m) { m.output_shape(); } {
    return detail::unwrap(model_).output_shape();
  }

 private:
  static detail::observer_ref<O> reference(O& observer) noexcept {
    if constexpr (off) return {};
    else return &observer;
  }

  [[no_unique_address]] M model_;
  [[no_unique_address]] detail::observer_ref<O> observer_;
};

/// m observed by obs (held by reference): see the header comment. m is stored as a decayed copy
/// (moved from an rvalue; std::ref(m) borrows it).
template <class M, class O>
  requires model<std::decay_t<M>> && (observer<O> || std::is_same_v<std::remove_const_t<O>, no_observer_t>)
observed_model<std::decay_t<M>, O> observe(M&& m, O& obs) {
  return observed_model<std::decay_t<M>, O>(std::forward<M>(m), obs);
}
/// A temporary observer would be gone before the first call: pass one that outlives the model.
template <class M, class O>
  requires(!std::is_lvalue_reference_v<O> && !std::is_same_v<std::remove_cvref_t<O>, no_observer_t>)
void observe(M&&, O&&) = delete;

/// An observer that times every stage: per path, the number of calls, their mean, median and 99th
/// percentile (of every call that answered; failed calls are counted apart), printed as a table.
/// Thread-safe (one mutex); keeps every duration (8 bytes per stage call) until clear().
class timing_table {
 public:
  /// One stage's figures.
  struct row {
    std::string path;   // the stage's path ("" for the whole pipeline)
    std::string specs;  // its signature
    std::size_t count = 0;   // calls that answered
    std::size_t errors = 0;  // calls that threw
    std::chrono::nanoseconds mean{}, p50{}, p99{};
  };

  void on_enter(const stage_event& e) {
    const std::lock_guard<std::mutex> lock(mutex_);
    (void)entry_of(e);
  }
  void on_exit(const stage_event& e, std::chrono::nanoseconds elapsed) {
    const std::lock_guard<std::mutex> lock(mutex_);
    entry_of(e).durations.push_back(elapsed.count());
  }
  void on_error(const stage_event& e, std::chrono::nanoseconds, const std::exception_ptr&) {
    const std::lock_guard<std::mutex> lock(mutex_);
    ++entry_of(e).errors;
  }

  /// One row per stage path, in the order the stages were first entered (the pipeline first).
  std::vector<row> rows() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::vector<row> out;
    out.reserve(entries_.size());
    for (const entry& s : entries_) {
      row r{s.path, s.specs, s.durations.size(), s.errors, {}, {}, {}};
      if (!s.durations.empty()) {
        std::vector<std::int64_t> d = s.durations;
        std::sort(d.begin(), d.end());
        long double sum = 0;
        for (const std::int64_t v : d) sum += static_cast<long double>(v);
        r.mean = std::chrono::nanoseconds(static_cast<std::int64_t>(sum / static_cast<long double>(d.size())));
        r.p50 = std::chrono::nanoseconds(d[rank(d.size(), 50)]);
        r.p99 = std::chrono::nanoseconds(d[rank(d.size(), 99)]);
      }
      out.push_back(std::move(r));
    }
    return out;
  }

  /// Forgets every figure.
  void clear() {
    const std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
    index_.clear();
  }

  /// The table: a header line, then one line per row (the pipeline's path shown as "(pipeline)").
  friend std::ostream& operator<<(std::ostream& os, const timing_table& t) {
    const std::vector<row> rs = t.rows();
    std::size_t width = std::string_view("(pipeline)").size();
    for (const row& r : rs) width = std::max(width, r.path.size());
    os << pad("stage", width) << "  " << pad_left("calls", 7) << "  " << pad_left("mean", 9) << "  "
       << pad_left("p50", 9) << "  " << pad_left("p99", 9) << "  " << pad_left("errors", 6) << '\n';
    for (const row& r : rs) {
      os << pad(r.path.empty() ? "(pipeline)" : r.path, width) << "  " << pad_left(std::to_string(r.count), 7) << "  "
         << pad_left(duration_text(r.mean), 9) << "  " << pad_left(duration_text(r.p50), 9) << "  "
         << pad_left(duration_text(r.p99), 9) << "  " << pad_left(std::to_string(r.errors), 6) << '\n';
    }
    return os;
  }

  /// A duration as the table writes it: "850 ns", "12.3 us", "4.56 ms", "1.20 s".
  static std::string duration_text(std::chrono::nanoseconds d) {
    const double ns = static_cast<double>(d.count());
    char buf[32];
    if (ns < 1e3) std::snprintf(buf, sizeof buf, "%.0f ns", ns);
    else if (ns < 1e6) std::snprintf(buf, sizeof buf, "%.3g us", ns / 1e3);
    else if (ns < 1e9) std::snprintf(buf, sizeof buf, "%.3g ms", ns / 1e6);
    else std::snprintf(buf, sizeof buf, "%.3g s", ns / 1e9);
    return buf;
  }

 private:
  struct entry {
    std::string path;
    std::string specs;
    std::vector<std::int64_t> durations;
    std::size_t errors = 0;
  };

  entry& entry_of(const stage_event& e) {
    if (const auto it = index_.find(e.path); it != index_.end()) return entries_[it->second];
    index_.emplace(std::string(e.path), entries_.size());
    entries_.push_back(entry{std::string(e.path), std::string(e.specs), {}, 0});
    return entries_.back();
  }
  // The index of the p-th percentile in n sorted values (nearest rank).
  static std::size_t rank(std::size_t n, std::size_t p) noexcept { return std::max<std::size_t>(1, (n * p + 99) / 100) - 1; }
  static std::string pad(std::string_view s, std::size_t w) {
    std::string out(s);
    if (out.size() < w) out.append(w - out.size(), ' ');
    return out;
  }
  static std::string pad_left(std::string_view s, std::size_t w) {
    std::string out(s.size() < w ? w - s.size() : 0, ' ');
    return out.append(s);
  }

  mutable std::mutex mutex_;
  std::vector<entry> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

/// An observer that records every stage call as a Chrome trace event (viewable in chrome://tracing
/// or Perfetto): one complete event {"name": path ("(pipeline)" for the whole), "cat": "weft",
/// "ph": "X", "ts" and "dur" in microseconds since the trace_json was made, "pid": 1, "tid": a
/// small number per thread, "args": {"specs": ..., and "error": what() for a call that threw}}.
/// json() is the whole file: {"traceEvents": [...]}. Thread-safe (one mutex); keeps every event.
class trace_json {
 public:
  trace_json() : origin_(std::chrono::steady_clock::now()) {}

  void on_exit(const stage_event& e, std::chrono::nanoseconds elapsed) { record(e, elapsed, nullptr); }
  void on_error(const stage_event& e, std::chrono::nanoseconds elapsed, const std::exception_ptr& p) {
    record(e, elapsed, p);
  }

  /// The trace so far, as a Chrome trace-event JSON object.
  std::string json() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::string out = "{\"traceEvents\":[";
    for (std::size_t i = 0; i < events_.size(); ++i) {
      if (i > 0) out += ",\n";
      out += events_[i];
    }
    out += "],\"displayTimeUnit\":\"ns\"}\n";
    return out;
  }

  /// Writes json() to os.
  friend std::ostream& operator<<(std::ostream& os, const trace_json& t) { return os << t.json(); }

 private:
  void record(const stage_event& e, std::chrono::nanoseconds elapsed, const std::exception_ptr& p) {
    const auto end = std::chrono::steady_clock::now();
    const auto start = std::chrono::duration_cast<std::chrono::nanoseconds>(end - origin_) - elapsed;
    std::string ev = "{\"name\":\"";
    escape(ev, e.path.empty() ? std::string_view("(pipeline)") : e.path);
    ev += "\",\"cat\":\"weft\",\"ph\":\"X\",\"ts\":";
    ev += microseconds(start);
    ev += ",\"dur\":";
    ev += microseconds(elapsed);
    ev += ",\"pid\":1,\"tid\":";
    const std::lock_guard<std::mutex> lock(mutex_);
    ev += std::to_string(thread_number());
    ev += ",\"args\":{\"specs\":\"";
    escape(ev, e.specs);
    ev += '"';
    if (p) {
      ev += ",\"error\":\"";
      escape(ev, what(p));
      ev += '"';
    }
    ev += "}}";
    events_.push_back(std::move(ev));
  }
  static std::string what(const std::exception_ptr& p) {
    try {
      std::rethrow_exception(p);
    } catch (const std::exception& x) {
      return x.what();
    } catch (...) {
      return "(not a std::exception)";
    }
  }
  static std::string microseconds(std::chrono::nanoseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(d.count()) / 1e3);
    return buf;
  }
  static void escape(std::string& out, std::string_view s) {
    for (const char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out += buf;
      } else {
        out += c;
      }
    }
  }
  // The calling thread's number (1, 2, ... in order of first event); under the lock.
  std::size_t thread_number() {
    const std::thread::id me = std::this_thread::get_id();
    for (std::size_t i = 0; i < threads_.size(); ++i)
      if (threads_[i] == me) return i + 1;
    threads_.push_back(me);
    return threads_.size();
  }

  std::chrono::steady_clock::time_point origin_;
  mutable std::mutex mutex_;
  std::vector<std::string> events_;
  std::vector<std::thread::id> threads_;
};

}  // namespace weft

#endif  // WEFT_OBSERVE_HPP
