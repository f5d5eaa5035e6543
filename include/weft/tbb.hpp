// SPDX-License-Identifier: BSL-1.0
// weft/tbb.hpp - a weft::executor over a oneTBB task_arena. The only weft header that includes TBB.
//
// Contract: weft::tbb_executor(arena) submits each weft::task to `arena` with task_arena::enqueue;
// a TBB worker calls task.run() exactly once. The arena is held by reference and must outlive every
// model using this executor. Use: `weft::fan_out(weft::on(executor), a, b)`.
// Cost: oneTBB allocates a small task object per enqueue (its own allocator), so unlike
// weft::thread_pool this executor allocates per parallel branch. enqueue does not throw for capacity;
// if it throws (e.g. std::bad_alloc), weft runs that branch on the calling thread.
#ifndef WEFT_TBB_HPP
#define WEFT_TBB_HPP

#include <oneapi/tbb/task_arena.h>

#include "execution.hpp"

namespace weft {

/// Runs weft tasks in a oneTBB task_arena; see the header comment.
class tbb_executor {
 public:
  explicit tbb_executor(oneapi::tbb::task_arena& arena) noexcept : arena_(&arena) {}
  /// Enqueues t into the arena; a TBB worker thread runs it.
  void submit(task& t) {
    arena_->enqueue([&t] { t.run(); });
  }

 private:
  oneapi::tbb::task_arena* arena_;
};

static_assert(executor<tbb_executor>);

}  // namespace weft

#endif  // WEFT_TBB_HPP
