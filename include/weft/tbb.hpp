// SPDX-License-Identifier: BSL-1.0
// weft/tbb.hpp - a weft::executor over a oneTBB task_arena. The only weft header that includes TBB.
//
// Contract: weft::tbb_executor(arena) submits each weft::task to `arena` with task_arena::enqueue;
// a thread of the arena calls task.run() exactly once. The arena is held by reference and must
// outlive the executor, which must outlive every model using it. Use:
// `oneapi::tbb::task_arena arena(4); weft::tbb_executor ex(arena); weft::fan_out(weft::on(ex), a, b)`.
// The destructor waits until the arena has run every task this executor enqueued (a task weft took
// back and ran itself only frees memory when TBB reaches it): without that wait, tasks still queued
// when the test's arenas were destroyed never ran, and LeakSanitizer reported their blocks.
// TBB cannot take an enqueued task back, so tbb_executor has no withdraw: weft puts a call's tasks
// in one reference-counted heap block, the caller runs every branch no TBB thread has started and
// never waits for TBB to reach a task it ran itself. So a nested par completes on an arena of any
// concurrency (1 included) and from inside the arena's own threads.
// Cost: one block per parallel call (weft) and a small task object per enqueue (TBB's allocator).
// enqueue does not throw for capacity; if it throws (e.g. std::bad_alloc), weft runs that branch on
// the calling thread.
#ifndef WEFT_TBB_HPP
#define WEFT_TBB_HPP

#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <cstddef>
#include <thread>

#include "execution.hpp"

namespace weft {

/// Runs weft tasks in a oneTBB task_arena; see the header comment.
class tbb_executor {
 public:
  explicit tbb_executor(oneapi::tbb::task_arena& arena) noexcept : arena_(&arena) {}
  tbb_executor(const tbb_executor&) = delete;
  tbb_executor& operator=(const tbb_executor&) = delete;
  /// Waits (yielding) until the arena has run every task this executor enqueued.
  ~tbb_executor() {
    while (enqueued_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  }

  /// Enqueues t into the arena; a thread of the arena calls t.run(). May throw what enqueue throws
  /// (then nothing was enqueued). Thread-safe.
  void submit(task& t) {
    enqueued_.fetch_add(1, std::memory_order_relaxed);
    try {
      arena_->enqueue([this, &t] {
        t.run();                                            // may free t
        enqueued_.fetch_sub(1, std::memory_order_release);  // the last touch of *this
      });
    } catch (...) {
      enqueued_.fetch_sub(1, std::memory_order_relaxed);
      throw;
    }
  }

 private:
  oneapi::tbb::task_arena* arena_;
  std::atomic<std::size_t> enqueued_{0};  // enqueued, not yet run
};

static_assert(executor<tbb_executor>);

}  // namespace weft

#endif  // WEFT_TBB_HPP
