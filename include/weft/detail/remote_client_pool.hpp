// SPDX-License-Identifier: BSL-1.0
// weft/detail/remote_client_pool.hpp - internal: keep-alive cpp-httplib clients of one server, lent one call at a time.
//
// Contract: an httplib::Client holds one connection and serialises the requests sent through it, so
// weft::remote lends each call a client of its own: acquire() hands out a free client (one whose
// last request succeeded, so its keep-alive connection is likely still open) or a new one, as a
// remote_client_lease that gives it back when destroyed. A lease whose request failed is
// discard()ed (its connection's state is unknown). With keep_alive false every call gets a new
// client and none is kept (a new TCP connection per call). The pool grows to the largest number of
// calls that ran at once and never shrinks. Thread safety: acquire() and a lease's destruction may
// run from many threads at once (one mutex, held only to pop or push a pointer). Cost per call: one
// lock and unlock each way; a new client costs no connection until its first request.
#ifndef WEFT_DETAIL_REMOTE_CLIENT_POOL_HPP
#define WEFT_DETAIL_REMOTE_CLIENT_POOL_HPP

#include "httplib.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace weft::detail {

class remote_client_pool;

/// A client borrowed from a remote_client_pool; given back when destroyed unless discard()ed.
class remote_client_lease {
 public:
  remote_client_lease(const remote_client_pool& pool, std::unique_ptr<httplib::Client> client) noexcept
      : pool_(&pool), client_(std::move(client)) {}
  remote_client_lease(const remote_client_lease&) = delete;
  remote_client_lease& operator=(const remote_client_lease&) = delete;
  inline ~remote_client_lease();

  /// The borrowed client, for this thread alone until the lease ends.
  httplib::Client& client() noexcept { return *client_; }
  /// Do not give this client back (its request failed).
  void discard() noexcept { pool_ = nullptr; }

 private:
  const remote_client_pool* pool_;
  std::unique_ptr<httplib::Client> client_;
};

/// Clients of one server; see the header comment.
class remote_client_pool {
 public:
  /// base_url: "http://host:port"; connect and read timeouts (the read one bounds the write too).
  remote_client_pool(std::string base_url, std::chrono::milliseconds connect_timeout,
                     std::chrono::milliseconds read_timeout, bool keep_alive)
      : base_url_(std::move(base_url)), connect_timeout_(connect_timeout), read_timeout_(read_timeout),
        keep_alive_(keep_alive) {}
  remote_client_pool(const remote_client_pool&) = delete;
  remote_client_pool& operator=(const remote_client_pool&) = delete;

  /// A free client, or a new one when every client is in use (or keep_alive is false).
  remote_client_lease acquire() const {
    if (keep_alive_) {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        std::unique_ptr<httplib::Client> c = std::move(free_.back());
        free_.pop_back();
        return remote_client_lease(*this, std::move(c));
      }
    }
    return remote_client_lease(*this, make_client());
  }

  /// Keeps a client whose request succeeded for the next call (drops it when keep_alive is false).
  void give_back(std::unique_ptr<httplib::Client> client) const {
    if (!keep_alive_) return;
    const std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(client));
  }

 private:
  std::unique_ptr<httplib::Client> make_client() const {
    auto c = std::make_unique<httplib::Client>(base_url_);
    c->set_connection_timeout(connect_timeout_);
    c->set_read_timeout(read_timeout_);
    c->set_write_timeout(read_timeout_);
    c->set_keep_alive(keep_alive_);
    c->set_tcp_nodelay(true);  // without it, a keep-alive request waits ~40 ms for a delayed ACK
    return c;
  }

  std::string base_url_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds read_timeout_;
  bool keep_alive_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<httplib::Client>> free_;
};

inline remote_client_lease::~remote_client_lease() {
  if (!pool_ || !client_) return;
  try {
    pool_->give_back(std::move(client_));
  } catch (...) {  // std::bad_alloc growing the free list: the client is dropped, nothing else changes
  }
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_REMOTE_CLIENT_POOL_HPP
