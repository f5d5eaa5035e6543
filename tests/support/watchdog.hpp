// tests/support/watchdog.hpp - turns a hang into a failure within seconds, naming what hung.
//   weft_test::watchdog guard("what", seconds): aborts the process unless destroyed in time (a scoped
//   guard around a call that could hang; the call runs on the test's own thread).
//   weft_test::process_deadline(seconds, "what"): ends the whole process with exit code 3 after
//   `seconds` (SIGALRM), for programs whose checks run while the process exits.
// ctest's TIMEOUT stays as a backstop. POSIX only (alarm, write, _exit).
#ifndef WEFT_TESTS_SUPPORT_WATCHDOG_HPP
#define WEFT_TESTS_SUPPORT_WATCHDOG_HPP

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <unistd.h>

namespace weft_test {

/// Aborts the process with "weft test watchdog: <what> did not finish within <n> s" unless this
/// object is destroyed within `seconds`. Starts one thread.
class watchdog {
 public:
  watchdog(const char* what, int seconds) : what_(what), seconds_(seconds) {
    thread_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      if (!done_cv_.wait_for(lock, std::chrono::seconds(seconds_), [this] { return done_; })) {
        std::fprintf(stderr, "weft test watchdog: %s did not finish within %d s (a hang)\n", what_, seconds_);
        std::fflush(stderr);
        std::abort();
      }
    });
  }
  ~watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

 private:
  const char* what_;
  int seconds_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

namespace detail {
inline const char* deadline_message = "";
inline void on_deadline(int) {
  const char head[] = "weft test watchdog: ";
  const char tail[] = " did not finish in time (a hang)\n";
  (void)!::write(2, head, sizeof head - 1);
  (void)!::write(2, deadline_message, std::strlen(deadline_message));
  (void)!::write(2, tail, sizeof tail - 1);
  ::_exit(3);
}
}  // namespace detail

/// Ends the process with exit code 3 and a message naming `what` after `seconds`, wherever it is
/// (exit handlers and static destructors included). `what` must be a string literal.
inline void process_deadline(unsigned seconds, const char* what) {
  detail::deadline_message = what;
  std::signal(SIGALRM, detail::on_deadline);
  ::alarm(seconds);
}

}  // namespace weft_test

#endif  // WEFT_TESTS_SUPPORT_WATCHDOG_HPP
