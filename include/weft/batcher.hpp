// SPDX-License-Identifier: BSL-1.0
// weft/batcher.hpp - weft::batcher: single-sample calls from many threads gathered into one call_batch.
//
// Contract:
//   weft::batcher(m, max_batch, max_delay) takes a batch-native model m (weft::batch_native,
//   weft/batch.hpp: `call_batch(const batch_t<input_type>&) const`), a maximum batch (>= 1, else
//   std::invalid_argument) and a maximum delay (a std::chrono duration), and returns a model of type
//   weft::batcher<M> with m's per-sample input_type and output_type (a view output is returned as its
//   owning type), so it nests in combinators. Judged when built: an m that is not batch-native is one
//   weft diagnostic (batcher_needs_batch_native, at weft::detail::batcher_model).
//   A handle: copies share one queue and one m (moved from an rvalue; std::ref(m) borrows m).
//   b(x) joins x to the batch being formed and returns x's own answer from one m.call_batch of that
//   batch. The callers drive it, so no executor or thread of its own exists: the caller that fills a
//   batch (max_batch samples) runs call_batch on its own thread at once; otherwise the batch's first
//   caller runs it when its delay (max_delay from its arrival) runs out. Every other caller of the
//   batch waits. One batch holds samples of one shape: a sample whose run-time extents differ from the
//   forming batch's ends that batch (it runs now) and starts the next.
//   Errors: x is checked against m's declared input_shape() (when m declares one) before it joins a
//   batch: a weft::shape_error fails only that call. An exception from m (or a shape_error when m's
//   answer does not hold one sample per sample of the batch, each of output_type's static extents)
//   reaches every caller of that batch and no other; a weft::error as a new object per caller whose
//   path gains "batcher[*]" (with m's given name), any other exception rethrown as it is (one object).
//   A call after shutdown() throws weft::shutdown_error.
//   b.shutdown(), or destroying the last handle, drains: the batch being formed runs at once, every
//   call taken before is answered, later calls throw weft::shutdown_error. shutdown() blocks until the
//   calls taken are answered; it must not be called from inside m. No call is lost or answered twice.
//   Costs: per call, one lock, one sleep on a condition variable (a context switch: most of the
//   queue's cost, docs/batches.md), the copy of x into the batch and of its answer out (no
//   allocation for fixed extents); per batch, m's answer. Batch records and their input buffers are
//   reused (at most 4 kept), so after its first batch of a size the batcher allocates nothing
//   itself. A lone caller waits up to max_delay.
//   Thread safety: calls (and shutdown) from any number of threads at once; m is called const, by as
//   many threads as batches run at once.
//   Example:  auto b = weft::batcher(onnx_model, 32, std::chrono::microseconds(500));
//             auto y = b(x);   // from each of 32 threads: one call_batch of up to 32 samples
#ifndef WEFT_BATCHER_HPP
#define WEFT_BATCHER_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "batch.hpp"
#include "batched.hpp"
#include "detail/combinator.hpp"
#include "detail/config.hpp"
#include "detail/entry.hpp"
#include "detail/materialise.hpp"
#include "detail/shape_checks.hpp"
#include "detail/stages.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "shape.hpp"
#include "tensor.hpp"

namespace weft {

/// A call reached a weft::batcher after shutdown() (or after its last handle began to go): nothing
/// ran for it. Thrown by weft::batcher's call operator.
class shutdown_error : public error_base<shutdown_error> {
 public:
  shutdown_error()
      : error_base("shutdown_error", "the batcher was shut down; it answered the calls it had taken and takes no more") {}
};

namespace detail {

/// WHERE: the model a weft::batcher gathers calls for.
struct batcher_model {};

// READ THIS IF YOUR COMPILE BREAKS HERE: the model given to weft::batcher has no call_batch.
template <class Where, class Model>
struct batcher_needs_batch_native {
  static_assert(never<Where, Model>,
                "weft: batcher: the model must be batch-native: give it `batch_t<output_type> "
                "call_batch(const batch_t<input_type>&) const` (weft/batch.hpp)");
};

template <class M, bool = model<M>>
struct batcher_judgement {
  static constexpr bool ok = false;
  using input_type = unknown_type;
  using output_type = unknown_type;
  using diagnostic = std::conditional_t<is_broken_v<M>, no_diagnostic, not_model_diagnostic<batcher_model, M>>;
};
template <class M>
struct batcher_judgement<M, true> {
  static constexpr bool ok = batch_native<M> && !is_broken_v<M>;
  using input_type = input_t<M>;
  using output_type = std::conditional_t<ok, owned_t<output_t<M>>, output_t<M>>;
  using diagnostic = std::conditional_t<ok || is_broken_v<M>, no_diagnostic, batcher_needs_batch_native<batcher_model, M>>;
};

/// Where a batch stands (under the queue's lock). open: takes samples; sealed: full, of another
/// shape than a newcomer, or stopped: its leader must run it; running: a caller runs it.
enum class batch_state : unsigned char { open, sealed, running };

/// The queue weft::batcher handles share: see the header comment. The callers drive it: a batch's
/// first caller (its leader) waits for the batch to fill, be sealed or reach its deadline, and runs
/// it on the deadline or when sealed; the caller that fills it runs it at once; the others wait for
/// it to be done, then each copies its own sample of the answer out. Only the leader waits under the
/// queue's lock (a timed wait on `changed`); the others wait under the batch's own lock, so that
/// waking a batch's callers never contends for the lock that new callers take. (Not std::atomic's
/// wait: libstdc++'s spins and calls sched_yield before it sleeps, which cost 30% of the CPU time
/// per call with 32 callers on 2 cores.)
template <class M>
class batcher_queue {
  using in = input_t<M>;
  using out = output_t<M>;
  using in_batch = batch_t<in>;
  using out_batch = batch_t<out>;
  using clock = std::chrono::steady_clock;
  static constexpr bool fixed_samples = fully_static_v<in>;

  /// One batch: the callers' samples (each caller waits while its batch runs, so its input lives).
  /// Records are reused: the last of a batch's callers to read its answer hands it back (spare_).
  struct batch {
    std::vector<const in*> samples;
    in_batch input;  // the samples side by side; kept, so a batch of the same extents allocates nothing
    shape extents;  // the samples' extents (read only when in has extents known at run time)
    clock::time_point deadline;
    batch_state state = batch_state::open;
    std::condition_variable changed;  // the leader's, under the queue's lock: sealed, or answered
    std::mutex answer_mutex;          // guards answered
    std::condition_variable answer_ready;
    bool answered = false;            // answer or failure set; never reset
    out_batch answer;
    shape answer_extents;  // of one sample of the answer
    std::exception_ptr failure;
    std::atomic<std::size_t> readers{0};  // callers yet to read the answer (set before answered)

    /// Ready to gather again (only its last reader held it; under the queue's lock).
    void reset() noexcept {
      samples.clear();
      state = batch_state::open;
      answered = false;
      failure = nullptr;
    }
  };

  /// Hands b back to the queue once its last caller has read its answer (see batch).
  struct reader_done {
    batcher_queue& queue;
    std::shared_ptr<batch>& b;
    ~reader_done() {
      if (b->readers.fetch_sub(1, std::memory_order_acq_rel) == 1) queue.recycle(std::move(b));
    }
  };

 public:
  using owned_out = owned_t<out>;

  template <class A>
  batcher_queue(A&& m, std::size_t max_batch, std::chrono::nanoseconds max_delay)
      : model_(std::forward<A>(m)), max_batch_(max_batch), max_delay_(max_delay) {}

  batcher_queue(const batcher_queue&) = delete;
  batcher_queue& operator=(const batcher_queue&) = delete;
  ~batcher_queue() { shutdown(); }

  const M& stored() const noexcept { return model_; }
  std::size_t max_batch() const noexcept { return max_batch_; }
  std::chrono::nanoseconds max_delay() const noexcept { return max_delay_; }

  /// x's answer from one call_batch shared with concurrent callers; see the header comment.
  owned_out call(const in& x) {
    const auto& m = unwrap(model_);
    if constexpr (input_declared<M>) check_declared_entry(m, x);  // a bad input fails only its own call
    std::shared_ptr<batch> b;
    std::size_t index = 0;
    {
      std::unique_lock lock(mutex_);
      if (stopped_) throw shutdown_error();
      shape ext;
      if constexpr (!fixed_samples) ext = tensor_traits<in>::extents_of(x);
      if constexpr (!fixed_samples) {
        if (open_ && !same_extents(open_->extents, ext)) seal_open();
      }
      const bool leader = !open_;
      if (leader) {  // built before it is shared: a failed allocation leaves no batch without a leader
        std::shared_ptr<batch> fresh;
        if (spare_.empty()) {
          fresh = std::make_shared<batch>();
          fresh->samples.reserve(max_batch_);
        } else {
          fresh = std::move(spare_.back());
          spare_.pop_back();
          fresh->reset();
        }
        fresh->extents = ext;
        fresh->deadline = clock::now() + max_delay_;
        open_ = std::move(fresh);
      }
      b = open_;
      index = b->samples.size();
      b->samples.push_back(&x);
      ++pending_;
      bool run_here = false;
      if (b->samples.size() == max_batch_) {
        open_.reset();
        run_here = true;
      } else if (leader) {
        b->changed.wait_until(lock, b->deadline, [&] { return b->state != batch_state::open; });
        if (b->state == batch_state::open || b->state == batch_state::sealed) {
          if (open_ == b) open_.reset();
          run_here = true;
        }
      }
      if (run_here) {
        b->state = batch_state::running;
        lock.unlock();
        run(*b);
      } else {
        lock.unlock();
        std::unique_lock answer_lock(b->answer_mutex);
        b->answer_ready.wait(answer_lock, [&] { return b->answered; });
      }
    }
    const reader_done done{*this, b};
    return answer_of(*b, index);  // b is answered: its answer and failure no longer change
  }

  /// Calls taken and not yet answered.
  std::size_t queued() const {
    std::lock_guard lock(mutex_);
    return pending_;
  }

  /// Takes no more calls and blocks until every call taken is answered; see the header comment.
  void shutdown() {
    std::unique_lock lock(mutex_);
    stopped_ = true;
    seal_open();
    drained_.wait(lock, [&] { return pending_ == 0; });
  }

 private:
  static bool same_extents(const shape& a, const shape& b) noexcept {
    if (a.rank() != b.rank()) return false;
    for (std::size_t k = 0; k < a.rank(); ++k)
      if (a[k] != b[k]) return false;
    return true;
  }

  /// The open batch takes no more samples; its leader, woken, runs it. Under the lock.
  void seal_open() {
    if (!open_) return;
    open_->state = batch_state::sealed;
    open_->changed.notify_all();
    open_.reset();
  }

  /// Keeps b for a later batch (at most max_spare records; the rest are freed). Under no lock.
  void recycle(std::shared_ptr<batch>&& b) {
    std::lock_guard lock(mutex_);
    if (spare_.size() < max_spare) spare_.push_back(std::move(b));
  }

  /// Runs b (sealed: its samples no longer change) on this thread, then wakes its callers.
  void run(batch& b) {
    const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(b.samples.size());
    b.readers.store(b.samples.size(), std::memory_order_relaxed);  // published by answered's lock
    try {
      const shape ext = fixed_samples ? static_dims<in>() : b.extents;
      const shape dims = batch_dims<in_batch>(n, ext);
      if (!same_extents(tensor_traits<in_batch>::extents_of(b.input), dims)) b.input = tensor_traits<in_batch>::make(dims);
      const std::ptrdiff_t in_size = ext.element_count();
      auto* dst = tensor_traits<in_batch>::data(b.input);
      for (std::ptrdiff_t j = 0; j < n; ++j) copy_flat(*b.samples[static_cast<std::size_t>(j)], dst + j * in_size);
      b.answer = unwrap(model_).call_batch(b.input);
      const batch_geometry answered = geometry_of(b.answer);
      check_samples<out_batch, out>(b.answer, answered);
      if (answered.count != n) throw_batch_count<out_batch, out>(n, b.answer);
      b.answer_extents = answered.sample_ext;
    } catch (...) {
      b.failure = std::current_exception();
    }
    bool drained = false;
    {
      std::lock_guard lock(mutex_);
      pending_ -= b.samples.size();
      drained = stopped_ && pending_ == 0;
    }
    {
      std::lock_guard answer_lock(b.answer_mutex);
      b.answered = true;
    }
    b.answer_ready.notify_all();
    b.changed.notify_all();  // a leader still in its timed wait (another caller filled the batch)
    if (drained) drained_.notify_all();
  }

  /// Sample `index` of b's answer, or b's failure rethrown (a weft::error as a new object at
  /// "batcher[*]", so that no two callers share one).
  owned_out answer_of(const batch& b, std::size_t index) const {
    if (b.failure) [[unlikely]]
      rethrow_failure(b.failure);
    using to = tensor_traits<owned_out>;
    owned_out y = to::make(b.answer_extents);
    const auto* src = tensor_traits<out_batch>::data(b.answer) +
                      static_cast<std::ptrdiff_t>(index) * b.answer_extents.element_count();
    copy_from_flat(src, y, b.answer_extents);
    return y;
  }

  [[noreturn, gnu::cold, gnu::noinline]] void rethrow_failure(const std::exception_ptr& failure) const {
    try {
      std::rethrow_exception(failure);
    } catch (const error& e) {
      rethrow_with_segment(e, "batcher", all_samples, model_traits<M>::given_name(unwrap(model_)));
    }
  }

  M model_;
  std::size_t max_batch_;
  std::chrono::nanoseconds max_delay_;
  mutable std::mutex mutex_;
  std::condition_variable drained_;
  std::shared_ptr<batch> open_;  // the batch taking samples, or none
  static constexpr std::size_t max_spare = 4;
  std::vector<std::shared_ptr<batch>> spare_;  // records to reuse (see batch)
  std::size_t pending_ = 0;      // samples taken and not yet answered
  bool stopped_ = false;
};

}  // namespace detail

/// Gathers single-sample calls from many threads into one call_batch of a batch-native model; see
/// the header comment. Built by weft::batcher(m, max_batch, max_delay).
template <class M>
class batcher {
  using judgement = detail::batcher_judgement<M>;
  using queue = detail::batcher_queue<M>;

 public:
  /// m's input_type: one sample.
  using input_type = typename judgement::input_type;
  /// m's output_type (its owning type when it is a view): one sample's answer.
  using output_type = typename judgement::output_type;
  /// Name shown in error paths ("batcher[*]").
  static constexpr std::string_view combinator_name = "batcher";

  /// Stores m in a new queue (moved from an rvalue; std::ref(m) borrows m) and judges it at compile
  /// time. Throws std::invalid_argument when max_batch is 0; a negative max_delay counts as 0.
  template <class A>
    requires std::is_constructible_v<M, A&&>
  batcher(A&& m, std::size_t max_batch, std::chrono::nanoseconds max_delay) {
    (void)typename judgement::diagnostic{};
    if constexpr (judgement::ok) {
      if (max_batch == 0) throw std::invalid_argument("weft::batcher: max_batch must be at least 1");
      queue_ = std::make_shared<queue>(std::forward<A>(m), max_batch,
                                       max_delay < std::chrono::nanoseconds::zero() ? std::chrono::nanoseconds::zero()
                                                                                   : max_delay);
    }
  }
  /// Another handle to the same queue (a move copies too: a handle is never empty).
  batcher(const batcher&) = default;
  batcher& operator=(const batcher&) = default;
  /// The last handle drains the queue (shutdown()).
  ~batcher() = default;

  /// x's answer, computed in one call_batch with the calls of other threads; see the header comment.
  /// Throws shape_error for an x that does not fit m's declared input_shape(), what m throws (a
  /// weft::error at "batcher[*]"), shutdown_error after shutdown().
  output_type operator()(const input_type& x) const {
    if constexpr (judgement::ok) return queue_->call(x);
    else std::abort();  // unreachable: a rejected batcher failed to compile where it was built
  }

  /// Another tensor type or an expression, judged and bridged (checked) first: see weft/detail/entry.hpp.
  template <class X>
    requires detail::foreign_argument<X, input_type>
  output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }

  /// Stops taking calls, runs the batch being formed at once, and returns when every call taken has
  /// been answered; later calls through any handle throw shutdown_error. Idempotent. Must not be
  /// called from inside m.
  void shutdown() const
    requires(judgement::ok)
  {
    queue_->shutdown();
  }

  /// m's declared input shape; only when m declares one.
  shape input_shape() const
    requires(judgement::ok && detail::input_declared<M>)
  {
    return detail::unwrap(queue_->stored()).input_shape();
  }
  /// m's declared output shape; only when m declares one.
  shape output_shape() const
    requires(judgement::ok && detail::output_declared<M>)
  {
    return detail::unwrap(queue_->stored()).output_shape();
  }

  /// Calls taken (through any handle) and not yet answered: a gauge of the queue's depth.
  std::size_t queued() const
    requires(judgement::ok)
  {
    return queue_->queued();
  }

  /// The maximum batch given when built.
  std::size_t max_batch() const
    requires(judgement::ok)
  {
    return queue_->max_batch();
  }
  /// The maximum delay given when built (0 for a negative one).
  std::chrono::nanoseconds max_delay() const
    requires(judgement::ok)
  {
    return queue_->max_delay();
  }

 private:
  std::shared_ptr<queue> queue_;
};

/// weft::batcher(m, max_batch, max_delay) stores a decayed copy of m: batcher<M>.
template <class M>
batcher(M&&, std::size_t, std::chrono::nanoseconds) -> batcher<std::decay_t<M>>;

}  // namespace weft

#endif  // WEFT_BATCHER_HPP
