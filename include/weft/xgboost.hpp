// SPDX-License-Identifier: BSL-1.0
// weft/xgboost.hpp - weft::xgboost_model: an XGBoost model file (JSON or UBJ) as a weft model.
//
// Contract:
//   weft::xgboost_model<In, Out> m{"trees.ubj"};   // or {"trees.json", {.threads = 2}}
//   In and Out are per-sample rank-1 float tensors, fixed or dynamic, Eigen or xtensor (include
//   <weft/eigen.hpp> or <weft/xtensor.hpp> first); other types are a compile error naming the rule.
//   Loading (XGBoost 1.7 C API, libxgboost-dev): reads the file once (XGBoosterLoadModel, JSON or
//   UBJ), sets XGBoost's own threads (options.threads, default 1), reads the signature and runs one
//   probe prediction. Checked against In and Out: num_feature against In's extent; the values per
//   sample against Out's extent: num_class for multi:softprob (class probabilities, as
//   predict_proba gives them), 1 for binary:logistic (the positive class's probability) and for
//   reg:* (num_target for a multi-target regressor). A dyn extent takes the file's value.
//   Another objective (multi:softmax, rank:*, ...), a missing or corrupt file, or a mismatch throws
//   weft::load_error(file, tensor "input" / "output" / "objective", expected, actual); XGBoost's own
//   text is kept (up to its stack trace). Nothing half-built escapes.
//   A model trained with early stopping predicts with its best_iteration's trees, as XGBoost's
//   scikit-learn predict_proba and predict do (options.use_best_iteration = false: every tree).
//   Calls: operator()(const In&) predicts one sample; call_batch(const batch_t<In>&) one batch in
//   one XGBoost call (weft::batch_native). A missing value is NaN, as in XGBoost's Python package.
//   A dynamic In of the wrong width (a batch of the wrong number of features) throws
//   weft::shape_error before XGBoost sees it; XGBoost failing during a call throws
//   weft::inference_error("xgboost", file, its text). A combinator adds the stage path.
//   Cost: the input is read in place (XGBoosterPredictFromDense on the sample's or the batch's own
//   buffer: an Eigen batch Matrix<float, F, Dynamic> is the row-major [N, F] matrix XGBoost wants;
//   no copy, no DMatrix, no allocation by weft); the output is copied once from XGBoost's buffer into
//   the returned Out (allocating only when Out is dynamic) or batch (one allocation).
//   Copies are cheap: they share one std::shared_ptr<const> state (the booster, freed with the last
//   copy). Thread safety: every const member may be called from many threads at once (XGBoost's
//   in-place prediction is thread-safe since 1.4; tests/runtimes/xgboost_threads.cpp runs it under
//   ThreadSanitizer); `name` is a plain member: set it before sharing the model.
//   Never included by weft/weft.hpp; link weft::xgboost (CMake component xgboost).
#ifndef WEFT_XGBOOST_HPP
#define WEFT_XGBOOST_HPP

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "batch.hpp"
#include "detail/config.hpp"
#include "detail/shape_checks.hpp"
#include "detail/xgboost_booster.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "shape.hpp"
#include "tensor.hpp"

namespace weft {

/// Options of weft::xgboost_model.
struct xgboost_options {
  /// XGBoost's own threads per call (its nthread parameter). 1 by default, so that XGBoost's OpenMP
  /// pool does not fight weft::par on small machines.
  int threads = 1;
  /// Predict an early-stopped model with its best_iteration's trees (the file's "best_iteration"
  /// attribute), as XGBoost's scikit-learn wrapper does; false: with every tree, as Booster.predict.
  bool use_best_iteration = true;
};

namespace detail {

/// What every copy of one xgboost_model shares.
struct xgboost_state {
  xgboost_booster booster;
  shape input;   // [num_feature]
  shape output;  // [values per sample]
  xgboost_state(std::string path, const xgboost_options& options)
      : booster(std::move(path), options.threads, options.use_best_iteration),
        input{booster.features()},
        output{booster.width()} {}
};

/// The file name of a path ("models/trees.ubj" -> "trees.ubj").
inline std::string xgboost_file_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// T is a rank-1 float tensor with contiguous memory: what XGBoost reads or writes.
template <class T>
inline constexpr bool xgboost_vector = [] {
  if constexpr (tensor<T>) {
    using tr = tensor_traits<std::remove_cvref_t<T>>;
    return tr::rank == 1 && std::is_same_v<typename tr::scalar_type, float> && tr::contiguous;
  } else {
    return false;
  }
}();

}  // namespace detail

/// An XGBoost model file as a weft model from In to Out; see the header comment.
template <class In, class Out>
class xgboost_model {
  static_assert(detail::xgboost_vector<In>,
                "weft: xgboost_model<In, Out>: In must be a contiguous rank-1 float tensor (one sample's "
                "features), e.g. Eigen::Matrix<float, 8, 1> or xt::xtensor_fixed<float, xt::xshape<8>>");
  static_assert(detail::xgboost_vector<Out> && tensor_traits<Out>::owns_memory,
                "weft: xgboost_model<In, Out>: Out must be an owning rank-1 float tensor (one sample's "
                "class probabilities or values), e.g. Eigen::Matrix<float, 3, 1>");

 public:
  using input_type = In;
  using output_type = Out;
  /// Its kind in a pipeline's JSON ({"xgboost": path()}): weft::to_json and weft::fingerprint read it.
  static constexpr std::string_view config_runtime = "xgboost";

  /// The name stage paths show; the file's name ("trees.ubj") unless changed.
  std::string name;

  /// Loads the model file at path and checks it against In and Out (see the header comment).
  /// Throws weft::load_error.
  explicit xgboost_model(std::string path, xgboost_options options = {})
      : state_(std::make_shared<const detail::xgboost_state>(std::move(path), options)) {
    check_extent<In>("input", state_->input);
    check_extent<Out>("output", state_->output);
    name = detail::xgboost_file_name(state_->booster.path());
  }

  /// The prediction for one sample: class probabilities or values. Throws weft::shape_error for a
  /// dynamic x of the wrong width, weft::inference_error when XGBoost fails.
  WEFT_INLINE Out operator()(const In& x) const {
    const detail::xgboost_state& s = *state_;
    if constexpr (!fixed<In>) detail::check_declared_entry(*this, x);
    Out y = tensor_traits<Out>::make(s.output);
    s.booster.predict(tensor_traits<In>::data(x), 1, s.booster.features(), tensor_traits<Out>::data(y));
    return y;
  }

  /// The predictions for a whole batch in one XGBoost call, read in place (Eigen: one sample per
  /// column; xtensor: samples along axis 0). Throws weft::shape_error when the batch's feature
  /// extent is not num_feature, weft::inference_error when XGBoost fails. An empty batch gives an
  /// empty result without calling XGBoost.
  WEFT_INLINE batch_t<Out> call_batch(const batch_t<In>& batch) const {
    const detail::xgboost_state& s = *state_;
    const auto [rows, columns] = rows_and_columns(batch);
    if (columns != s.booster.features()) throw_batch_mismatch(rows, columns);
    batch_t<Out> out = make_batch(rows, s.booster.width());
    if (rows > 0) s.booster.predict(batch.data(), rows, columns, out.data());
    return out;
  }

  /// [num_feature], from the file.
  shape input_shape() const noexcept { return state_->input; }
  /// [values per sample], from the file: num_class for multi:softprob, else 1 (or num_target).
  shape output_shape() const noexcept { return state_->output; }
  /// The model file's path as given.
  const std::string& path() const noexcept { return state_->booster.path(); }
  /// The file's objective, e.g. "multi:softprob".
  const std::string& objective() const noexcept { return state_->booster.objective(); }
  /// The XGBoost booster every copy shares, for thread-safe XGBoost C API calls (prediction); never
  /// free it or set its parameters.
  BoosterHandle handle() const noexcept { return state_->booster.handle(); }

 private:
  template <class T>
  static constexpr bool fixed = tensor_traits<T>::extents_type::values[0] != dyn;
  using in_batch = batch_t<In>;
  using out_batch = batch_t<Out>;
  static constexpr bool eigen_in = tensor_traits<in_batch>::backend == backend::eigen;
  static constexpr bool eigen_out = tensor_traits<out_batch>::backend == backend::eigen;

  /// A static extent of T that is not the file's throws load_error.
  template <class T>
  void check_extent(std::string_view tensor_name, const shape& from_file) const {
    if constexpr (fixed<T>) {
      if (!(detail::static_shape<T>() == from_file)) {
        std::string actual = spec_name<T>(from_file) + " (" + state_->booster.objective() + ")";
        throw load_error(state_->booster.path(), tensor_name, spec_name<T>(), actual);
      }
    }
  }

  /// (samples, features) of a batch: Eigen features x samples, xtensor samples x features.
  static std::pair<std::ptrdiff_t, std::ptrdiff_t> rows_and_columns(const in_batch& b) noexcept {
    if constexpr (eigen_in) return {b.cols(), b.rows()};
    else return {static_cast<std::ptrdiff_t>(b.shape()[0]), static_cast<std::ptrdiff_t>(b.shape()[1])};
  }

  /// An uninitialised output batch of rows samples of width values.
  static out_batch make_batch(std::ptrdiff_t rows, std::ptrdiff_t width) {
    if constexpr (eigen_out) {
      return out_batch(width, rows);
    } else {
      return out_batch(typename out_batch::shape_type{static_cast<std::size_t>(rows), static_cast<std::size_t>(width)});
    }
  }

  [[noreturn, gnu::cold, gnu::noinline]] void throw_batch_mismatch(std::ptrdiff_t rows, std::ptrdiff_t columns) const {
    const std::ptrdiff_t f = state_->booster.features();
    if constexpr (eigen_in) throw shape_error(spec_name<float>(shape{f, dyn}), spec_name<float>(shape{columns, rows}));
    else throw shape_error(spec_name<float>(shape{dyn, f}), spec_name<float>(shape{rows, columns}));
  }

  std::shared_ptr<const detail::xgboost_state> state_;
};

}  // namespace weft

#endif  // WEFT_XGBOOST_HPP
