// SPDX-License-Identifier: BSL-1.0
// weft/execution.hpp - how branches run: sequentially (the default) or in parallel.
//
// Contract:
//   weft::task is one unit of work an executor receives by reference. The executor must call
//   t.run() exactly once, on any thread, and must not touch t afterwards; t stays valid until then.
//   weft::executor<E> is the concept "e.submit(t) accepts a weft::task& t and eventually calls
//   t.run()". submit may throw to refuse the task; weft then runs it on the calling thread. An
//   executor must never drop a task it accepted (the call could wait for it, or leak it).
//   An executor may offer `bool withdraw(task&) noexcept`: true takes a queued task back (run() will
//   never be called); false only when a thread already took it and calls run() without waiting for
//   anything. weft then keeps tasks on the caller's stack. Without withdraw, a parallel call puts its
//   tasks in one heap block, reference-counted, so a task the caller took back and ran itself may be
//   run() later (by a TBB worker, by the caller's own event loop): that run() only drops its
//   reference to the block (the last one frees it).
//   weft::thread_pool is weft's own executor (with withdraw): a fixed set of threads; stop() (and the
//   destructor) runs what is queued, joins them, and refuses later tasks.
//   weft::default_pool() is one pool per process, created on first use with
//   max(1, hardware_concurrency() - 1) threads. It is never freed: an atexit handler stops and joins
//   it, and a par call after that (a static destructor, a detached thread) runs its branches on the
//   calling thread.
//   weft::par runs branches on the default pool; weft::on(e) on executor e (held by reference: e
//   must outlive the model). Combinators take a policy as their first argument:
//   weft::fan_out(weft::par, a, b).
//   How a parallel call runs (detail::run_branches): branches 1..n-1 are submitted, the calling
//   thread runs branch 0, then claims back and runs every branch no thread has started, and waits
//   only for branches running on another thread. So no thread waits for work nobody is doing: a
//   nested par completes on a pool of one thread, a oneTBB arena of any concurrency, an executor
//   that runs tasks inline or one served later by the calling thread. Every branch finishes before
//   the call returns; if several throw, the exception of the lowest branch index reaches the caller
//   (moved out of the task: no other thread holds it).
//   Cost per call on weft's pool: nothing allocated (tasks and results on the caller's stack, an
//   intrusive queue; an exception_ptr only when a branch throws). On an executor without withdraw:
//   one allocation per call (the task block).
#ifndef WEFT_EXECUTION_HPP
#define WEFT_EXECUTION_HPP

#include <algorithm>
#include <atomic>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/config.hpp"

namespace weft {

namespace detail {
/// The reference count of a heap block of tasks (run_branches, executors without withdraw): the
/// caller holds one reference and every task handed to the executor one; the last drop frees it.
struct shared_count {
  std::atomic<int> refs;
  void (*destroy)(shared_count*) noexcept;
  void drop() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(this);
  }
};
}  // namespace detail

/// One unit of work handed to an executor; see the header comment. Not copyable or movable.
class task {
 public:
  /// Runs the work unless the submitter already claimed it back; executors call it exactly once,
  /// and never touch the task after it (it may be freed by this call).
  void run() noexcept {
    int expected = pending;
    if (state_.compare_exchange_strong(expected, running_elsewhere, std::memory_order_acq_rel)) {
      body_(this);
      state_.store(finished, std::memory_order_release);
      state_.notify_all();
    }
    release();  // the last touch of *this
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

  // Tells the submitter the executor is done with *this: a stack task sets released_ (the
  // submitter waits for it); a task in a heap block drops the block's reference.
  void release() noexcept {
    if (detail::shared_count* owner = owner_) owner->drop();
    else released_.store(true, std::memory_order_release);
  }

  static constexpr int pending = 0, running_elsewhere = 1, claimed = 2, finished = 3;
  body_fn body_;
  std::atomic<int> state_{pending};
  std::atomic<bool> released_{false};
  detail::shared_count* owner_ = nullptr;  // the heap block holding this task, if any
  task* next_ = nullptr;                   // intrusive queue link, owned by weft::thread_pool
};

/// An executor accepts a weft::task& and eventually calls run() on it exactly once.
template <class E>
concept executor = requires(E& e, task& t) { e.submit(t); };

/// weft's own executor: `threads` workers (at least 1) sharing one FIFO queue. Thread-safe. Must not
/// be destroyed by one of its own workers.
class thread_pool {
 public:
  /// Starts max(threads, 1) workers; throws std::system_error if a thread cannot be started.
  explicit thread_pool(std::size_t threads) {
    threads = std::max<std::size_t>(threads, 1);
    workers_.reserve(threads);
    try {
      for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    } catch (...) {
      stop();
      throw;
    }
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  /// stop().
  ~thread_pool() { stop(); }

  /// Refuses every later submit, lets the workers run every task already queued, and joins them
  /// (all but the calling thread, when a worker calls it). Idempotent; may be called from any thread.
  void stop() noexcept {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();  // sleepers wake; spinners see stopping_ after their spin
    std::lock_guard join_lock(join_mutex_);
    for (auto& w : workers_)
      if (w.joinable() && w.get_id() != std::this_thread::get_id()) w.join();
  }

  /// Queues t; a worker will call t.run(). Never allocates. After stop(): throws std::runtime_error
  /// and queues nothing (weft's combinators then run the branch on the calling thread).
  void submit(task& t) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) throw std::runtime_error("weft: thread_pool: stopped; the task was not queued");
      t.next_ = nullptr;
      if (tail_) tail_->next_ = &t;
      else head_ = &t;
      tail_ = &t;
      queued_.fetch_add(1, std::memory_order_release);
    }
    if (sleeping_.load(std::memory_order_acquire) > 0) wake_.notify_one();
  }

  /// Takes t back if no worker has taken it yet; true when it did (t will never be run by the pool).
  /// False means a worker has dequeued t and calls t.run() at once.
  bool withdraw(task& t) noexcept {
    std::lock_guard lock(mutex_);
    task* prev = nullptr;
    for (task* p = head_; p; prev = p, p = p->next_) {
      if (p != &t) continue;
      (prev ? prev->next_ : head_) = p->next_;
      if (tail_ == p) tail_ = prev;
      queued_.fetch_sub(1, std::memory_order_relaxed);
      return true;
    }
    return false;
  }

  /// Number of worker threads it started (joined ones included).
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
  std::mutex join_mutex_;  // serialises the joins of concurrent stop() calls
  std::vector<std::thread> workers_;
};

/// The process-wide pool: created on first use with max(1, hardware_concurrency() - 1) threads and
/// never freed. An atexit handler (registered on first use) stops and joins it; later par calls run
/// their branches on the calling thread. Thread-safe.
inline thread_pool& default_pool() {
  static thread_pool* const pool = [] {
    auto* p = new thread_pool(std::max(1u, std::thread::hardware_concurrency()) - 1);
    std::atexit([] { default_pool().stop(); });
    return p;
  }();
  return *pool;
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

/// The tasks of one parallel call on an executor without withdraw, on the heap: refs starts at N
/// (the caller, and each of the N - 1 tasks until run() or a refused submit drops it).
template <class Body, std::size_t N>
struct task_block final : shared_count {
  branch_task<Body> tasks[N - 1];
  task_block() noexcept : shared_count{{static_cast<int>(N)}, &destroy} {}
  static void destroy(shared_count* self) noexcept { delete static_cast<task_block*>(self); }
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
  /// Blocks until the executor no longer refers to stack task t. Only for executors with withdraw:
  /// their run() is already under way when withdraw fails, so this is a few instructions.
  static void wait_released(task& t) noexcept {
    while (!t.released_.load(std::memory_order_acquire)) std::this_thread::yield();
  }
  /// The executor will never call run() on t (it refused t, or gave it back through withdraw).
  static void release(task& t) noexcept { t.release(); }
  /// Puts t in a heap block: its run() (or release) drops one of the block's references.
  static void adopt(task& t, detail::shared_count& block) noexcept { t.owner_ = &block; }
};

namespace detail {

/// Submits tasks[0 .. N-2] (branches 1 .. N-1) to ex, runs branch 0, then runs every task it can
/// claim back and waits for the others, which run elsewhere. Returns the exception of the lowest
/// branch that threw, moved out of its task; the tasks keep no exception.
template <std::size_t N, class E, class Body>
std::exception_ptr run_on(E& ex, Body& body, branch_task<Body> (&tasks)[N - 1]) {
  for (std::size_t i = 1; i < N; ++i) {
    auto& t = tasks[i - 1];
    t.body = &body;
    t.index = i;
    try {
      ex.submit(t);
    } catch (...) {
      task_access::release(t);  // refused: the calling thread will run it
    }
  }
  std::exception_ptr first;
  try {
    body(0);
  } catch (...) {
    first = std::current_exception();
  }
  for (auto& t : tasks) {
    if (task_access::claim(t)) {
      if constexpr (withdrawing<E>) {
        if (ex.withdraw(t)) task_access::release(t);
      }
      task_access::run_claimed(t);
    } else {
      task_access::wait_finished(t);
    }
  }
  for (auto& t : tasks) {
    if (!first) first = std::move(t.error);
    t.error = nullptr;
  }
  return first;
}

/// Runs body(0) .. body(N-1) under Policy; returns when every call has finished; then rethrows the
/// exception of the lowest index that threw. See the header comment for the protocol.
template <std::size_t N, class Policy, class Body>
void run_branches(const Policy& policy, Body& body) {
  if constexpr (!is_parallel<Policy>::value || N == 1) {
    for (std::size_t i = 0; i < N; ++i) body(i);
  } else {
    auto& ex = *executor_of(policy);
    using E = std::remove_reference_t<decltype(ex)>;
    std::exception_ptr error;
    if constexpr (withdrawing<E>) {
      branch_task<Body> tasks[N - 1];
      error = run_on<N>(ex, body, tasks);
      for (auto& t : tasks) task_access::wait_released(t);
    } else if (auto* block = new (std::nothrow) task_block<Body, N>) {
      for (auto& t : block->tasks) task_access::adopt(t, *block);
      error = run_on<N>(ex, body, block->tasks);
      block->drop();  // a task not yet run() by the executor keeps the block alive
    } else {
      for (std::size_t i = 0; i < N; ++i) {  // no memory for the block: all on the calling thread
        try {
          body(i);
        } catch (...) {
          if (!error) error = std::current_exception();
        }
      }
    }
    if (error) std::rethrow_exception(std::move(error));
  }
}

}  // namespace detail
}  // namespace weft

#endif  // WEFT_EXECUTION_HPP
