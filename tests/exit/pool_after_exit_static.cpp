// Exit-time rule, part 1 (covers /work/shared/repro/pool_after_exit_static.cpp): a static object
// constructed before weft::default_pool() is first used is destroyed after the pool's atexit
// handler stopped and joined the pool. Its destructor then finds the pool alive (it is never freed)
// and refusing work, and a par call there (nested, too) runs every branch on the calling thread and
// gives the sequential result. Before the fix the pool was a function-local static: the destructor
// used a destroyed object and the pool accepted the task into a queue no thread would serve.
// Exit code 0 and "ok" on stdout when every check passed; 1 and a message otherwise.
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/execution.hpp>
#include <weft/fan_out.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "../support/watchdog.hpp"

namespace {
using vec4 = Eigen::Matrix<float, 4, 1>;

std::atomic<int> branches_elsewhere{0};  // branches run on a thread other than the caller
std::thread::id exiting_thread;

struct scale {
  using input_type = vec4;
  using output_type = vec4;
  float f;
  vec4 operator()(const vec4& v) const {
    if (std::this_thread::get_id() != exiting_thread) branches_elsewhere.fetch_add(1);
    return v * f;
  }
};

struct probe_task final : weft::task {
  std::atomic<bool> ran{false};
  probe_task() noexcept : weft::task(&body) {}
  static void body(weft::task* self) noexcept { static_cast<probe_task*>(self)->ran = true; }
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "pool_after_exit_static: %s\n", what);
  std::fflush(stderr);
  std::_Exit(1);
}

struct flusher {
  ~flusher() {
    exiting_thread = std::this_thread::get_id();  // the pool's threads were joined: no race
    branches_elsewhere = 0;                        // main's call ran branches on the pool
    probe_task probe;
    bool refused = false;
    try {
      weft::default_pool().submit(probe);
    } catch (const std::runtime_error&) {
      refused = true;
    }
    if (!refused) fail("the default pool accepted a task after its atexit handler ran");

    auto e = weft::ensemble(weft::par, weft::mean, scale{1}, scale{2}, scale{3});
    auto nested = weft::fan_out(weft::par, std::ref(e), std::ref(e));
    for (int k = 0; k < 100; ++k) {
      if (e(vec4::Ones()) != vec4::Constant(2.0f)) fail("par after exit: wrong result");
      if (std::get<1>(nested(vec4::Ones())) != vec4::Constant(2.0f)) fail("nested par after exit: wrong result");
    }
    if (branches_elsewhere.load() != 0) fail("a branch ran on another thread after the pool was stopped");
    if (probe.ran.load()) fail("the refused task ran");
    std::printf("ok\n");
    std::fflush(stdout);
  }
} g_flusher;  // constructed before main, so destroyed after the pool's atexit handler ran

}  // namespace

int main() {
  weft_test::process_deadline(30, "pool_after_exit_static");
  auto e = weft::ensemble(weft::par, weft::mean, scale{1}, scale{2}, scale{3});
  if (e(vec4::Ones()) != vec4::Constant(2.0f)) fail("par in main: wrong result");  // creates the pool
  return 0;
}
