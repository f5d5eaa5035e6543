// Exit-time rule, part 2 (covers /work/shared/repro/pool_exit_detached.cpp): a detached thread keeps
// calling a weft::par model while main() returns. The default pool is never freed; its atexit
// handler stops and joins it, and the detached thread's later calls run their branches on that
// thread. Before the fix the pool's destructor ran under the detached thread's submit: ThreadSanitizer
// reported a data race in about 2 runs of 5. So this program runs the scenario in 8 child processes
// (itself, with the argument "child") and fails if any child fails.
// In each child, an atexit handler registered before the pool exists runs after the pool's handler:
// it waits until the detached thread has made 100 more calls, each checked against the sequential
// result.
#include <weft/eigen.hpp>
#include <weft/ensemble.hpp>
#include <weft/execution.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "../support/watchdog.hpp"

extern char** environ;

namespace {
using vec8 = Eigen::Matrix<float, 8, 1>;
struct work {
  using input_type = vec8;
  using output_type = vec8;
  float f;
  vec8 operator()(const vec8& v) const {
    vec8 r = v;
    for (int k = 0; k < 50; ++k) r = (r * f).array().sin().matrix() + v;
    return r;
  }
};

std::atomic<long> calls{0};
std::atomic<long> wrong{0};

void after_pool_stopped() {
  const long seen = calls.load();
  while (calls.load() < seen + 100) std::this_thread::yield();
  if (wrong.load() != 0) {
    std::fprintf(stderr, "pool_exit_detached: %ld wrong results\n", wrong.load());
    std::_Exit(1);
  }
}

int child() {
  weft_test::process_deadline(15, "pool_exit_detached child");
  std::atexit(after_pool_stopped);  // before the pool's own handler: runs after it
  auto p = weft::ensemble(weft::par, weft::mean, work{1.1f}, work{0.7f}, work{0.3f});
  auto s = weft::ensemble(weft::mean, work{1.1f}, work{0.7f}, work{0.3f});
  const vec8 want = s(vec8::Ones());
  if (p(vec8::Ones()) != want) return 1;  // creates the default pool
  std::thread([p, want] {
    for (;;) {
      if (p(vec8::Ones()) != want) wrong.fetch_add(1);
      calls.fetch_add(1);
    }
  }).detach();
  while (calls.load() < 300) std::this_thread::yield();
  return 0;  // exit(): the pool's handler stops it while the detached thread calls
}
}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "child") == 0) return child();
  weft_test::process_deadline(150, "pool_exit_detached");
  int failures = 0;
  for (int run = 0; run < 8; ++run) {
    char child_arg[] = "child";
    char* child_argv[] = {argv[0], child_arg, nullptr};
    pid_t pid = 0;
    if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, child_argv, environ) != 0) {
      std::perror("posix_spawn");
      return 1;
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "pool_exit_detached: run %d failed (status %d)\n", run, status);
      ++failures;
    }
  }
  if (failures == 0) std::printf("ok: 8 runs\n");
  return failures == 0 ? 0 : 1;
}
