// tests/support/alloc_counter.hpp - counts global operator new calls, for tests that prove the
// call path allocates nothing. Include it in exactly one translation unit of a test executable: it
// replaces the global allocation functions. With EIGEN_RUNTIME_NO_MALLOC defined before Eigen is
// included, Eigen's own malloc calls also assert while a counter is alive (builds with assertions).
// Counting is process-wide (every thread), so pool threads' allocations count too.
#ifndef WEFT_TESTS_SUPPORT_ALLOC_COUNTER_HPP
#define WEFT_TESTS_SUPPORT_ALLOC_COUNTER_HPP

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

// =============================================================================================
// Counting replacement of the global allocation functions (every form, so that no sanitizer
// runtime's own definition is pulled in beside these). Compatible with AddressSanitizer: memory
// still comes from malloc / aligned_alloc, which ASan intercepts.
// =============================================================================================

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

void* counted_alloc(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

void* counted_aligned_alloc(std::size_t n, std::align_val_t al) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  std::size_t a = static_cast<std::size_t>(al);
  if (a < sizeof(void*)) a = sizeof(void*);
  const std::size_t size = n == 0 ? a : (n + a - 1) / a * a;  // aligned_alloc wants a multiple
  if (void* p = std::aligned_alloc(a, size)) return p;
  throw std::bad_alloc();
}

// Counts the global operator new calls made while it is alive. Not thread-safe across counters.
class alloc_counter {
 public:
  alloc_counter() noexcept {
    g_allocations.store(0);
    g_counting.store(true);
#ifdef EIGEN_RUNTIME_NO_MALLOC
    Eigen::internal::set_is_malloc_allowed(false);
#endif
  }
  ~alloc_counter() { stop(); }
  alloc_counter(const alloc_counter&) = delete;
  alloc_counter& operator=(const alloc_counter&) = delete;
  // Stops counting and returns the count.
  long stop() noexcept {
    g_counting.store(false);
#ifdef EIGEN_RUNTIME_NO_MALLOC
    Eigen::internal::set_is_malloc_allowed(true);
#endif
    return g_allocations.load();
  }
};

// The operator new calls made by `times` runs of f.
template <class F>
long allocations_during(int times, F&& f) {
  alloc_counter counter;
  for (int i = 0; i < times; ++i) f();
  return counter.stop();
}

}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t al) { return counted_aligned_alloc(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return counted_aligned_alloc(n, al); }
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  try {
    return counted_aligned_alloc(n, al);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  try {
    return counted_aligned_alloc(n, al);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

#endif  // WEFT_TESTS_SUPPORT_ALLOC_COUNTER_HPP
