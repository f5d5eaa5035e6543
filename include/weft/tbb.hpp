// SPDX-License-Identifier: BSL-1.0
// weft/tbb.hpp - a weft::executor over a oneTBB task_arena. The only weft header that includes TBB.
//
// Contract: weft::tbb_executor(arena) submits each weft::task to `arena` with task_arena::enqueue;
// a thread of the arena calls task.run() exactly once. The arena is held by reference and must
// outlive every model using this executor, and run every task enqueued (do not terminate() it
// while a model may still use it). Use: `weft::fan_out(weft::on(executor), a, b)`.
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

#include "execution.hpp"

namespace weft {

/// Runs weft tasks in a oneTBB task_arena; see the header comment.
class tbb_executor {
 public:
  explicit tbb_executor(oneapi::tbb::task_arena& arena) noexcept : arena_(&arena) {}
  /// Enqueues t into the arena; a thread of the arena calls t.run(). May throw what enqueue throws.
  void submit(task& t) {
    arena_->enqueue([&t] { t.run(); });
  }

 private:
  oneapi::tbb::task_arena* arena_;
};

static_assert(executor<tbb_executor>);

}  // namespace weft

#endif  // WEFT_TBB_HPP
