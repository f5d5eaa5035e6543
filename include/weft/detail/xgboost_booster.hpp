// SPDX-License-Identifier: BSL-1.0
// weft/detail/xgboost_booster.hpp - internal: one loaded XGBoost booster, its signature, and dense prediction.
//
// Contract: xgboost_booster(path, threads, best_iteration) loads a JSON or UBJ model file through the
// XGBoost 1.7 C API, sets XGBoost's own thread count, reads the signature (num_feature; the
// objective; num_class or num_target), and runs one probe prediction of a zero row to prove the
// booster predicts in place and gives `width` values per row. Any failure throws weft::load_error
// naming the file (XGBoost's own text, up to its stack trace, for a missing or corrupt file) and
// frees the booster: nothing half-built escapes. Supported objectives: multi:softprob (width =
// num_class), binary:logistic (width 1), reg:* (width = num_target, 1 unless multi-target); any
// other is a load_error listing these.
// predict(data, rows, columns, out) runs XGBoosterPredictFromDense on `rows` x `columns` row-major
// floats at data, read in place (described by an __array_interface__ built on the stack: no copy,
// no DMatrix, no allocation by weft), and copies the rows x width results once into out. XGBoost's
// failure throws weft::inference_error("xgboost", path, its text). Thread safety: predict is const
// and safe from many threads at once (XGBoost documents in-place prediction as thread-safe since
// 1.4; its output buffer is per thread and per booster, and is copied before predict returns).
// Not copyable: weft::xgboost_model shares one through a std::shared_ptr<const xgboost_booster>.
#ifndef WEFT_DETAIL_XGBOOST_BOOSTER_HPP
#define WEFT_DETAIL_XGBOOST_BOOSTER_HPP

#include <xgboost/c_api.h>

#include <array>
#include <bit>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../errors.hpp"

namespace weft::detail {

/// XGBoost's last error on this thread, up to its stack trace (addresses help nobody reading a
/// weft error).
inline std::string xgboost_last_error() {
  const char* text = XGBGetLastError();
  std::string_view s = text ? std::string_view(text) : std::string_view("XGBoost gave no error text");
  if (const auto cut = s.find("\nStack trace:"); cut != std::string_view::npos) s = s.substr(0, cut);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return std::string(s);
}

/// The string value of "key" in the flat JSON object named `object` of an XGBoost configuration
/// (XGBoosterSaveJsonConfig writes every parameter as a string, without spaces); nullopt when absent.
inline std::optional<std::string_view> xgboost_config_field(std::string_view config, std::string_view object,
                                                           std::string_view key) {
  const std::string object_open = "\"" + std::string(object) + "\":{";
  const auto begin = config.find(object_open);
  if (begin == std::string_view::npos) return std::nullopt;
  const auto body_start = begin + object_open.size();
  const auto body_end = config.find('}', body_start);  // the object is flat: its first '}' closes it
  if (body_end == std::string_view::npos) return std::nullopt;
  const std::string_view body = config.substr(body_start, body_end - body_start);
  const std::string field = "\"" + std::string(key) + "\":\"";
  const auto at = body.find(field);
  if (at == std::string_view::npos) return std::nullopt;
  const auto value_start = at + field.size();
  const auto value_end = body.find('"', value_start);
  if (value_end == std::string_view::npos) return std::nullopt;
  return body.substr(value_start, value_end - value_start);
}

/// A non-negative integer written as text ("3"); nullopt when it is not one.
inline std::optional<std::ptrdiff_t> xgboost_count(std::optional<std::string_view> text) {
  if (!text) return std::nullopt;
  std::ptrdiff_t v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < 0) return std::nullopt;
  return v;
}

/// The objectives weft supports, as load_error's expected text.
inline constexpr std::string_view xgboost_supported_objectives =
    "objective multi:softprob (class probabilities), binary:logistic or reg:* (one value per target)";

/// The __array_interface__ JSON of rows x columns row-major floats at data, built without allocating.
class xgboost_dense_interface {
 public:
  xgboost_dense_interface(const float* data, std::ptrdiff_t rows, std::ptrdiff_t columns) noexcept {
    append("{\"data\":[");
    append_number(static_cast<std::uintmax_t>(reinterpret_cast<std::uintptr_t>(data)));
    append(",true],\"shape\":[");
    append_number(static_cast<std::uintmax_t>(rows));
    append(",");
    append_number(static_cast<std::uintmax_t>(columns));
    append(std::endian::native == std::endian::little ? "],\"typestr\":\"<f4\",\"version\":3}"
                                                      : "],\"typestr\":\">f4\",\"version\":3}");
    text_[length_] = '\0';
  }
  /// The JSON text, NUL-terminated.
  const char* c_str() const noexcept { return text_.data(); }

 private:
  void append(std::string_view s) noexcept {
    std::memcpy(text_.data() + length_, s.data(), s.size());
    length_ += s.size();
  }
  void append_number(std::uintmax_t v) noexcept {
    const auto [end, ec] = std::to_chars(text_.data() + length_, text_.data() + text_.size(), v);
    (void)ec;  // 20 digits at most: the buffer always has room
    length_ = static_cast<std::size_t>(end - text_.data());
  }
  std::array<char, 160> text_{};  // fixed text (~60 characters) and three numbers of <= 20 digits
  std::size_t length_ = 0;
};

/// One loaded booster: see the header comment.
class xgboost_booster {
 public:
  xgboost_booster(std::string path, int threads, bool use_best_iteration) : path_(std::move(path)) {
    if (XGBoosterCreate(nullptr, 0, &handle_) != 0) fail_load("", xgboost_last_error());
    try {
      load(threads, use_best_iteration);
    } catch (...) {
      XGBoosterFree(handle_);
      throw;
    }
  }
  ~xgboost_booster() { XGBoosterFree(handle_); }
  xgboost_booster(const xgboost_booster&) = delete;
  xgboost_booster& operator=(const xgboost_booster&) = delete;

  /// The XGBoost booster (for thread-safe C API calls only: never free or reconfigure it).
  BoosterHandle handle() const noexcept { return handle_; }
  const std::string& path() const noexcept { return path_; }
  /// The objective's name, e.g. "multi:softprob".
  const std::string& objective() const noexcept { return objective_; }
  /// num_feature: the values each row takes.
  std::ptrdiff_t features() const noexcept { return features_; }
  /// The values each row gives (num_class for multi:softprob).
  std::ptrdiff_t width() const noexcept { return width_; }
  /// The trees predict uses: 0 means all; best_iteration + 1 for an early-stopped model (see
  /// xgboost_options::use_best_iteration).
  std::ptrdiff_t iteration_end() const noexcept { return iteration_end_; }

  /// Predicts rows x columns row-major floats at data (read in place) into out (rows x width floats,
  /// row-major). Throws inference_error when XGBoost fails or gives another number of values.
  void predict(const float* data, std::ptrdiff_t rows, std::ptrdiff_t columns, float* out) const {
    const xgboost_dense_interface values(data, rows, columns);
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* result = nullptr;
    if (XGBoosterPredictFromDense(handle_, values.c_str(), predict_config_.c_str(), nullptr, &shape, &dims,
                                  &result) != 0)
      fail_predict(xgboost_last_error());
    bst_ulong count = dims == 0 ? 0 : 1;
    for (bst_ulong i = 0; i < dims; ++i) count *= shape[i];
    const auto expected = static_cast<bst_ulong>(rows) * static_cast<bst_ulong>(width_);
    if (count != expected) fail_count(expected, count);
    std::memcpy(out, result, static_cast<std::size_t>(expected) * sizeof(float));
  }

 private:
  void load(int threads, bool use_best_iteration) {
    const std::string nthread = std::to_string(threads < 1 ? 1 : threads);
    if (XGBoosterSetParam(handle_, "nthread", nthread.c_str()) != 0) fail_load("", xgboost_last_error());
    use_threads_while_loading();
    if (XGBoosterLoadModel(handle_, path_.c_str()) != 0) fail_load("", xgboost_last_error());

    bst_ulong features = 0;
    if (XGBoosterGetNumFeature(handle_, &features) != 0) fail_load("input", xgboost_last_error());
    features_ = static_cast<std::ptrdiff_t>(features);

    bst_ulong length = 0;
    const char* text = nullptr;
    if (XGBoosterSaveJsonConfig(handle_, &length, &text) != 0) fail_load("", xgboost_last_error());
    const std::string config(text, length);  // XGBoost's buffer lives only until its next call
    const auto objective = xgboost_config_field(config, "learner_train_param", "objective");
    if (!objective) fail_load("objective", "no objective in the model's configuration");
    objective_ = std::string(*objective);
    if (objective_ == "multi:softprob") {
      const auto classes = xgboost_count(xgboost_config_field(config, "learner_model_param", "num_class"));
      if (!classes || *classes < 1) fail_load("output", "no num_class in the model's configuration");
      width_ = *classes;
    } else if (objective_ == "binary:logistic") {
      width_ = 1;
    } else if (objective_.starts_with("reg:")) {
      const auto targets = xgboost_count(xgboost_config_field(config, "learner_model_param", "num_target"));
      width_ = targets && *targets > 1 ? *targets : 1;
    } else {
      throw load_error(path_, "objective", xgboost_supported_objectives, objective_);
    }

    if (use_best_iteration) {
      const char* best = nullptr;
      int found = 0;
      if (XGBoosterGetAttr(handle_, "best_iteration", &best, &found) != 0) fail_load("", xgboost_last_error());
      if (found) {
        const auto b = xgboost_count(std::string_view(best));
        if (!b) fail_load("", "best_iteration attribute \"" + std::string(best) + "\" is not a count");
        iteration_end_ = *b + 1;
      }
    }
    predict_config_ = "{\"type\":0,\"training\":false,\"cache_id\":0,\"iteration_begin\":0,\"iteration_end\":" +
                      std::to_string(iteration_end_) + ",\"strict_shape\":false,\"missing\":NaN}";
    probe();
  }

  /// Makes XGBoost parse the file with `nthread` threads too, not with every core: XGBoost 1.7 loads
  /// a model's trees in an OpenMP loop sized by its context, which only configuration sets from
  /// nthread. Configuring an empty booster (XGBoosterSaveJsonConfig configures first) sets the
  /// context, then stops with "0 feature is supplied": that failure is expected and harmless (the
  /// load that follows sets every model parameter), so it is not reported. Measured: with 1 thread
  /// the load starts no OpenMP thread, and ThreadSanitizer (which cannot see libgomp's uninstrumented
  /// barriers) reports nothing; without this, 24 false races per load inside libxgboost.
  void use_threads_while_loading() noexcept {
    bst_ulong length = 0;
    const char* text = nullptr;
    (void)XGBoosterSaveJsonConfig(handle_, &length, &text);
  }

  /// One zero row through predict: the booster predicts in place and gives width_ values.
  void probe() {
    const std::vector<float> zeros(static_cast<std::size_t>(features_ > 0 ? features_ : 1), 0.0f);
    std::vector<float> out(static_cast<std::size_t>(width_));
    try {
      predict(zeros.data(), 1, features_, out.data());
    } catch (const inference_error& e) {
      fail_load("output", "a probe prediction failed: " + e.runtime_message());
    }
  }

  [[noreturn, gnu::cold]] void fail_load(std::string_view tensor, const std::string& why) const {
    throw load_error(path_, tensor, "", why);
  }
  [[noreturn, gnu::cold]] void fail_predict(const std::string& why) const {
    throw inference_error("xgboost", path_, why);
  }
  [[noreturn, gnu::cold]] void fail_count(bst_ulong expected, bst_ulong got) const {
    throw inference_error("xgboost", path_,
                          "expected " + std::to_string(expected) + " predicted values, got " + std::to_string(got));
  }

  std::string path_;
  BoosterHandle handle_ = nullptr;
  std::string objective_;
  std::ptrdiff_t features_ = 0;
  std::ptrdiff_t width_ = 1;
  std::ptrdiff_t iteration_end_ = 0;
  std::string predict_config_;
};

}  // namespace weft::detail

#endif  // WEFT_DETAIL_XGBOOST_BOOSTER_HPP
