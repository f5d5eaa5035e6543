// SPDX-License-Identifier: BSL-1.0
// weft/execution.hpp - how branches run: sequentially (the default) or in parallel.
//
// Contract:
//   weft::task is one unit of work an executor receives by reference. It lives on the submitting
//   thread's stack; the submitter never returns before the executor is done with it.
//   weft::executor<E> is the concept "e.submit(t) accepts a weft::task& t and eventually calls
//   t.run() exactly once, on any thread". submit may throw to refuse the task; weft then runs it on
//   the calling thread. An executor must never drop a task it accepted (the caller would wait forever).
//   weft::thread_pool is weft's own executor: a fixed set of threads joined by its destructor.
//   weft::default_pool() is one pool per process, created on first use with
//   max(1, hardware_concurrency() - 1) threads and joined at exit.
//   weft::par runs branches on the default pool; weft::on(e) on executor e (held by reference: e
//   must outlive the model). Combinators take a policy as their first argument:
//   weft::fan_out(weft::par, a, b).
//   How a parallel call runs (detail::run_branches): branches 1..n-1 are submitted, the calling
//   thread runs branch 0, then claims back and runs every branch no thread has started, and waits
//   only for branches already running elsewhere. So a nested par completes on a pool of one thread,
//   and an executor that runs nothing still gives the right answer. Every branch finishes before the
//   call returns; if several throw, the exception of the lowest branch index reaches the caller.
//   Per call, nothing is allocated: tasks and results live on the caller's stack and the pool's queue
//   is intrusive (an exception_ptr is allocated only when a branch throws).
#ifndef WEFT_EXECUTION_HPP
#define WEFT_EXECUTION_HPP

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/config.hpp"

namespace weft {

/// One unit of work handed to an executor; see the header comment. Not copyable or movable.
class task {
 public:
  /// Runs the work unless the submitter already claimed it back; executors call it exactly once.
  void run() noexcept {
    int expected = pending;
    if (state_.compare_exchange_strong(expected, running_elsewhere, std::memory_order_acq_rel)) {
      body_(this);
      state_.store(finished, std::memory_order_release);
      state_.notify_all();
    }
    // The last touch of *this: the submitter may destroy the task as soon as it sees this store.
    released_.store(true, std::memory_order_release);
  }

  task(const task&) = delete;
  task& operator=(const task&) = delete;

 protected:
  using body_fn = void (*)(task*) noexcept;
  explicit task(body_fn body) noexcept : body_(body) {}
  ~task() = default;

 private:
  friend class thread_pool;
  friend struct task_access;

  static constexpr int pending = 0, running_elsewhere = 1, claimed = 2, finished = 3;
  body_fn body_;
  std::atomic<int> state_{pending};
  std::atomic<bool> released_{false};
  task* next_ = nullptr;  // intrusive queue link, owned by weft::thread_pool
};

/// An executor accepts a weft::task& and eventually calls run() on it exactly once.
template <class E>
concept executor = requires(E& e, task& t) { e.submit(t); };

/// weft's own executor: `threads` workers (at least 1) sharing one FIFO queue; joins them on destruction.
class thread_pool {
 public:
  explicit thread_pool(std::size_t threads) {
    threads = std::max<std::size_t>(threads, 1);
    workers_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  /// Runs every task already queued, then joins the workers.
  ~thread_pool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();  // sleepers wake; spinners see stopping_ after their spin
    for (auto& w : workers_) w.join();
  }

  /// Queues t; a worker will call t.run(). Never allocates.
  void submit(task& t) {
    {
      std::lock_guard lock(mutex_);
      t.next_ = nullptr;
      if (tail_) tail_->next_ = &t;
      else head_ = &t;
      tail_ = &t;
      queued_.fetch_add(1, std::memory_order_release);
    }
    if (sleeping_.load(std::memory_order_acquire) > 0) wake_.notify_one();
  }

  /// Takes t back if no worker has taken it yet; true when it did (t will never be run by the pool).
  bool withdraw(task& t) noexcept {
    std::lock_guard lock(mutex_);
    task* prev = nullptr;
    for (task* p = head_; p; prev = p, p = p->next_) {
      if (p != &t) continue;
      (prev ? prev->next_ : head_) = p->next_;
      if (tail_ == p) tail_ = prev;
      return true;
    }
    return false;
  }

  /// Number of worker threads.
  std::size_t size() const noexcept { return workers_.size(); }

  /// One spin-wait step: the CPU's pause instruction where there is one, else a yield.
  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }

 private:
  void work() {
    for (;;) {
      // Spin briefly before sleeping: waking a sleeping thread costs more than a small branch.
      for (int spin = 0; spin < spin_limit && queued_.load(std::memory_order_acquire) == 0; ++spin) pause();
      task* t = nullptr;
      {
        std::unique_lock lock(mutex_);
        if (!head_ && !stopping_) {
          sleeping_.fetch_add(1, std::memory_order_acq_rel);
          wake_.wait(lock, [this] { return head_ != nullptr || stopping_; });
          sleeping_.fetch_sub(1, std::memory_order_acq_rel);
        }
        if (!head_) return;  // stopping, queue drained
        t = head_;
        head_ = t->next_;
        if (!head_) tail_ = nullptr;
        queued_.fetch_sub(1, std::memory_order_relaxed);
      }
      t->run();
    }
  }

  static constexpr int spin_limit = 4000;

  std::mutex mutex_;
  std::condition_variable wake_;
  task* head_ = nullptr;
  task* tail_ = nullptr;
  bool stopping_ = false;
  std::atomic<int> queued_{0};
  std::atomic<int> sleeping_{0};
  std::vector<std::thread> workers_;
};

/// The process-wide pool: created on first use, max(1, hardware_concurrency() - 1) threads, joined at exit.
inline thread_pool& default_pool() {
  static thread_pool pool(std::max(1u, std::thread::hardware_concurrency()) - 1);
  return pool;
}

/// Policy: run branches one after the other on the calling thread (the default; costs nothing).
struct sequential_t {
  explicit sequential_t() = default;
};
inline constexpr sequential_t sequential{};

/// Policy: run branches concurrently on weft::default_pool().
struct par_t {
  explicit par_t() = default;
};
inline constexpr par_t par{};

/// Policy: run branches concurrently on executor E (held by reference; it must outlive the model).
template <executor E>
struct on_t {
  E* executor;
};

/// Runs branches on executor e: `weft::fan_out(weft::on(my_executor), a, b)`.
template <executor E>
constexpr on_t<E> on(E& e) noexcept {
  return {&e};
}

namespace detail {

template <class T> struct is_policy : std::false_type {};
template <> struct is_policy<sequential_t> : std::true_type {};
template <> struct is_policy<par_t> : std::true_type {};
template <class E> struct is_policy<on_t<E>> : std::true_type {};
/// An execution policy type: sequential_t, par_t or on_t<E>.
template <class T> inline constexpr bool is_policy_v = is_policy<std::remove_cvref_t<T>>::value;

/// Splits a combinator's template arguments into a leading execution policy (sequential_t when
/// none is given) and the models.
template <class... X>
struct policy_split {
  using policy = sequential_t;
  template <template <class, class...> class Base>
  using base = Base<sequential_t, X...>;
};
template <class P, class... X>
  requires is_policy_v<P>
struct policy_split<P, X...> {
  using policy = P;
  template <template <class, class...> class Base>
  using base = Base<P, X...>;
};

template <class Policy> struct is_parallel : std::true_type {};
template <> struct is_parallel<sequential_t> : std::false_type {};

template <class Policy>
WEFT_INLINE auto* executor_of(const Policy& p) noexcept {
  if constexpr (std::is_same_v<Policy, par_t>) return &default_pool();
  else return p.executor;
}

template <class E>
concept withdrawing = requires(E& e, task& t) {
  { e.withdraw(t) } -> std::same_as<bool>;
};

/// A task that runs body(index) and keeps its exception.
template <class Body>
struct branch_task final : task {
  Body* body;
  std::size_t index;
  std::exception_ptr error;
  branch_task() noexcept : task(&invoke) {}
  static void invoke(task* self) noexcept {
    auto* t = static_cast<branch_task*>(self);
    try {
      (*t->body)(t->index);
    } catch (...) {
      t->error = std::current_exception();
    }
  }
};

}  // namespace detail

/// Access to the claim-back protocol of weft::task for weft's combinators.
struct task_access {
  /// Claims t back for the calling thread; true when no executor thread has started it.
  static bool claim(task& t) noexcept {
    int expected = task::pending;
    return t.state_.compare_exchange_strong(expected, task::claimed, std::memory_order_acq_rel);
  }
  /// Runs t's work on the calling thread (after claim).
  static void run_claimed(task& t) noexcept { t.body_(&t); }
  /// Blocks until an executor thread finished t's work.
  static void wait_finished(task& t) noexcept {
    int s = t.state_.load(std::memory_order_acquire);
    // Spin first: a branch running elsewhere usually ends within microseconds, and sleeping and
    // being woken costs more than that.
    for (int spin = 0; spin < 20000 && s != task::finished; ++spin) {
      thread_pool::pause();
      s = t.state_.load(std::memory_order_acquire);
    }
    while (s != task::finished) {
      t.state_.wait(s, std::memory_order_acquire);
      s = t.state_.load(std::memory_order_acquire);
    }
  }
  /// Blocks until the executor no longer refers to t (a yield loop: after wait_finished this is a
  /// few instructions; it is long only while an executor still holds a task claimed back from it).
  static void wait_released(task& t) noexcept {
    while (!t.released_.load(std::memory_order_acquire)) std::this_thread::yield();
  }
  /// Marks t as never handed to an executor (it was refused, or withdrawn).
  static void release(task& t) noexcept { t.released_.store(true, std::memory_order_release); }
};

namespace detail {

/// Runs body(0) .. body(N-1) under Policy; returns when every call has finished; then rethrows the
/// exception of the lowest index that threw. See the header comment for the protocol.
template <std::size_t N, class Policy, class Body>
void run_branches(const Policy& policy, Body& body) {
  if constexpr (!is_parallel<Policy>::value || N == 1) {
    for (std::size_t i = 0; i < N; ++i) body(i);
  } else {
    auto* ex = executor_of(policy);
    branch_task<Body> tasks[N];
    for (std::size_t i = 1; i < N; ++i) {
      tasks[i].body = &body;
      tasks[i].index = i;
      try {
        ex->submit(tasks[i]);
      } catch (...) {
        task_access::release(tasks[i]);  // refused: the calling thread will run it
      }
    }
    std::exception_ptr first;
    try {
      body(0);
    } catch (...) {
      first = std::current_exception();
    }
    for (std::size_t i = 1; i < N; ++i) {
      auto& t = tasks[i];
      if (task_access::claim(t)) {
        if constexpr (withdrawing<std::remove_pointer_t<decltype(ex)>>) {
          if (ex->withdraw(t)) task_access::release(t);
        }
        task_access::run_claimed(t);
      } else {
        task_access::wait_finished(t);
      }
    }
    for (std::size_t i = 1; i < N; ++i) task_access::wait_released(tasks[i]);
    if (first) std::rethrow_exception(first);
    for (std::size_t i = 1; i < N; ++i)
      if (tasks[i].error) std::rethrow_exception(tasks[i].error);
  }
}

}  // namespace detail
}  // namespace weft

#endif  // WEFT_EXECUTION_HPP
