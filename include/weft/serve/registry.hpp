// SPDX-License-Identifier: BSL-1.0
// weft/serve/registry.hpp - the models served by one httplib::Server, by name.
//
// Contract (namespace weft::oip):
//   model_registry maps names to served models (weft/serve/served_model.hpp). add(name, model) throws
//   std::invalid_argument for a name already taken or not of the characters [A-Za-z0-9_.-] (1 to 128
//   of them: a name is a URL path segment). find(name) returns the model or null; all() the models in
//   name order; max_body_bytes() the largest limit of any model (0 when none).
//   Thread safety: add, find and all from any number of threads at once (a shared mutex: find takes
//   it shared, and copies one std::shared_ptr).
#ifndef WEFT_SERVE_REGISTRY_HPP
#define WEFT_SERVE_REGISTRY_HPP

#include <algorithm>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "served_model.hpp"

namespace weft::oip {

/// The models one server serves, by name; see the header comment.
class model_registry {
 public:
  /// Registers model under name; std::invalid_argument for a taken or malformed name.
  void add(const std::string& name, std::shared_ptr<served_model_base> model) {
    const bool well_formed = !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
             c == '-';
    });
    if (!well_formed)
      throw std::invalid_argument("weft::serve: model name \"" + name + "\" is not 1 to 128 of [A-Za-z0-9_.-]");
    const std::unique_lock lock(mutex_);
    if (!models_.emplace(name, std::move(model)).second)
      throw std::invalid_argument("weft::serve: a model named \"" + name + "\" is served already");
  }

  /// The model named name, or null.
  std::shared_ptr<served_model_base> find(std::string_view name) const {
    const std::shared_lock lock(mutex_);
    const auto it = models_.find(name);
    return it == models_.end() ? nullptr : it->second;
  }

  /// Every model, in name order.
  std::vector<std::pair<std::string, std::shared_ptr<served_model_base>>> all() const {
    const std::shared_lock lock(mutex_);
    return {models_.begin(), models_.end()};
  }

  /// The largest max_body_bytes of the models (0 when none).
  std::size_t max_body_bytes() const {
    const std::shared_lock lock(mutex_);
    std::size_t n = 0;
    for (const auto& [name, m] : models_) n = std::max(n, m->max_body_bytes());
    return n;
  }

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::shared_ptr<served_model_base>, std::less<>> models_;
};

}  // namespace weft::oip

#endif  // WEFT_SERVE_REGISTRY_HPP
