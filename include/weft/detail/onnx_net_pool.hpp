// SPDX-License-Identifier: BSL-1.0
// weft/detail/onnx_net_pool.hpp - internal: a pool of OpenCV DNN Nets built from one ONNX file's bytes.
//
// Contract: OpenCV's cv::dnn::Net keeps state between calls and is not thread-safe (measured: one Net
// called from several threads gave wrong results), so each call borrows a Net of its own.
// onnx_net_pool holds the file's bytes in memory and the Nets no call is using; acquire() hands one
// out under a mutex (building a new one from the bytes, outside the lock, when none is free) as an
// onnx_net_lease, which gives it back when destroyed. A lease whose call failed is discard()ed
// instead (a Net that threw mid-forward is not trusted again). The pool grows to the largest number
// of calls that ran at once and never shrinks. acquire() throws what cv::dnn::readNetFromONNX throws
// (cv::Exception) and std::bad_alloc. Thread safety: acquire() and a lease's destruction may run
// from many threads at once. Cost per call: one uncontended lock and unlock, twice.
#ifndef WEFT_DETAIL_ONNX_NET_POOL_HPP
#define WEFT_DETAIL_ONNX_NET_POOL_HPP

#include <opencv2/dnn.hpp>

#include <mutex>
#include <utility>
#include <vector>

namespace weft::detail {

class onnx_net_pool;

/// A Net borrowed from an onnx_net_pool; given back when destroyed unless discard()ed. Move-only.
class onnx_net_lease {
 public:
  onnx_net_lease(const onnx_net_pool& pool, cv::dnn::Net net) noexcept : pool_(&pool), net_(std::move(net)) {}
  onnx_net_lease(const onnx_net_lease&) = delete;
  onnx_net_lease& operator=(const onnx_net_lease&) = delete;
  inline ~onnx_net_lease();

  /// The borrowed Net, for this thread alone until the lease ends.
  cv::dnn::Net& net() noexcept { return net_; }
  /// Do not give this Net back (its call failed).
  void discard() noexcept { pool_ = nullptr; }

 private:
  const onnx_net_pool* pool_;
  cv::dnn::Net net_;
};

/// Nets of one ONNX file, lent one call at a time; see the header comment.
class onnx_net_pool {
 public:
  /// bytes: the whole ONNX file. Builds no Net yet.
  explicit onnx_net_pool(std::vector<char> bytes) : bytes_(std::move(bytes)) {}

  /// A new Net from the file's bytes (throws cv::Exception when OpenCV cannot import it).
  cv::dnn::Net make_net() const { return cv::dnn::readNetFromONNX(bytes_.data(), bytes_.size()); }

  /// Adds a Net to the free list (a lease's Net, or the one onnx_model's constructor built to check the file).
  void give_back(cv::dnn::Net net) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(net));
  }

  /// A free Net, or a new one when every Net is in use.
  onnx_net_lease acquire() const {
    cv::dnn::Net net;
    bool found = false;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        net = std::move(free_.back());
        free_.pop_back();
        found = true;
      }
    }
    return onnx_net_lease(*this, found ? std::move(net) : make_net());
  }

  /// How many Nets the pool holds free now (no call running: how many it has built).
  std::size_t free_count() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return free_.size();
  }

 private:
  std::vector<char> bytes_;
  mutable std::mutex mutex_;
  mutable std::vector<cv::dnn::Net> free_;
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
