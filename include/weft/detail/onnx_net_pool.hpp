// SPDX-License-Identifier: BSL-1.0
// weft/detail/onnx_net_pool.hpp - internal: a pool of OpenCV DNN Nets built from one ONNX file's bytes.
//
// Contract: OpenCV's cv::dnn::Net keeps state between calls and is not thread-safe (measured: one Net
// called from several threads gave wrong results), so each call borrows a Net of its own.
// onnx_net_pool holds the file's bytes in memory and the Nets no call is using; acquire() hands one
// out (the last one given back through one atomic exchange, else one from a free list under a mutex,
// else a new one built from the bytes outside the lock) as an onnx_net_lease, which gives it back
// when destroyed. A lease whose call failed is discard()ed instead (a Net that threw mid-forward is
// not trusted again). The pool grows to the largest number
// of calls that ran at once and never shrinks. acquire() throws what cv::dnn::readNetFromONNX throws
// (cv::Exception) and std::bad_alloc. Thread safety: acquire() and a lease's destruction may run
// from many threads at once. Cost per call: two atomic exchanges when calls do not overlap; a lock
// and unlock more, each way, when they do.
#ifndef WEFT_DETAIL_ONNX_NET_POOL_HPP
#define WEFT_DETAIL_ONNX_NET_POOL_HPP

#include <opencv2/dnn.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace weft::detail {

class onnx_net_pool;

/// A Net borrowed from an onnx_net_pool; given back when destroyed unless discard()ed. Move-constructible
/// only.
class onnx_net_lease {
 public:
  onnx_net_lease(const onnx_net_pool& pool, std::unique_ptr<cv::dnn::Net> net) noexcept
      : pool_(&pool), net_(std::move(net)) {}
  /// Takes over o's Net and its duty to give it back.
  onnx_net_lease(onnx_net_lease&& o) noexcept : pool_(std::exchange(o.pool_, nullptr)), net_(std::move(o.net_)) {}
  onnx_net_lease(const onnx_net_lease&) = delete;
  onnx_net_lease& operator=(const onnx_net_lease&) = delete;
  onnx_net_lease& operator=(onnx_net_lease&&) = delete;
  inline ~onnx_net_lease();

  /// The borrowed Net, for this thread alone until the lease ends.
  cv::dnn::Net& net() noexcept { return *net_; }
  /// Do not give this Net back (its call failed).
  void discard() noexcept { pool_ = nullptr; }

 private:
  const onnx_net_pool* pool_;
  std::unique_ptr<cv::dnn::Net> net_;
};

/// Nets of one ONNX file, lent one call at a time; see the header comment.
class onnx_net_pool {
 public:
  /// bytes: the whole ONNX file. Builds no Net yet.
  explicit onnx_net_pool(std::vector<char> bytes) : bytes_(std::move(bytes)) {}
  onnx_net_pool(const onnx_net_pool&) = delete;
  onnx_net_pool& operator=(const onnx_net_pool&) = delete;
  ~onnx_net_pool() { delete hot_.load(std::memory_order_acquire); }

  /// A new Net from the file's bytes (throws cv::Exception when OpenCV cannot import it).
  std::unique_ptr<cv::dnn::Net> make_net() const {
    return std::make_unique<cv::dnn::Net>(cv::dnn::readNetFromONNX(bytes_.data(), bytes_.size()));
  }

  /// Adds a Net to the free list (a lease's Net, or the one onnx_model's constructor built to check the file).
  void give_back(std::unique_ptr<cv::dnn::Net> net) const {
    cv::dnn::Net* empty = nullptr;
    if (hot_.compare_exchange_strong(empty, net.get(), std::memory_order_acq_rel)) {
      (void)net.release();  // the hot slot owns it now
      return;
    }
    const std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(net));
  }

  /// A free Net, or a new one when every Net is in use.
  onnx_net_lease acquire() const {
    if (cv::dnn::Net* hot = hot_.exchange(nullptr, std::memory_order_acq_rel))
      return onnx_net_lease(*this, std::unique_ptr<cv::dnn::Net>(hot));
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        onnx_net_lease lease(*this, std::move(free_.back()));
        free_.pop_back();
        return lease;
      }
    }
    return onnx_net_lease(*this, make_net());  // outside the lock: importing takes a while
  }

  /// How many Nets the pool holds free now (no call running: how many it has built).
  std::size_t free_count() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return free_.size() + (hot_.load(std::memory_order_acquire) != nullptr ? 1 : 0);
  }

 private:
  std::vector<char> bytes_;
  // The last Net given back, taken and returned with one atomic exchange each: a model called from
  // one thread at a time never locks (the mutex cost ~110 instructions a call, ~1% of a small MLP's).
  mutable std::atomic<cv::dnn::Net*> hot_{nullptr};
  mutable std::mutex mutex_;  // guards free_: the other Nets no call is using
  // Held by pointer: handing a Net out and back then moves a pointer (a cv::dnn::Net copy is a
  // reference count change through the library, and its default constructor builds a whole empty Net).
  mutable std::vector<std::unique_ptr<cv::dnn::Net>> free_;
};

inline onnx_net_lease::~onnx_net_lease() {
  if (pool_ == nullptr) return;
  try {
    pool_->give_back(std::move(net_));
  } catch (...) {  // std::bad_alloc growing the free list: the Net is dropped, the pool stays valid
  }
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_ONNX_NET_POOL_HPP
