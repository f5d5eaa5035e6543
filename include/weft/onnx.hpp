// SPDX-License-Identifier: BSL-1.0
// weft/onnx.hpp - weft::onnx_model: an ONNX file, run by OpenCV's DNN module, as a weft model.
//
// Contract:
//   weft::onnx_model<In, Out> m{"net.onnx"};  (In, Out: per-sample float tensors, Eigen vectors or
//   row-major xtensor types, fixed or dynamic extents) is a batch-native weft model
//   (weft::batch_native): m(x) runs one sample, m.call_batch(b) a whole weft::batch_t<In> in one
//   OpenCV call. Needs OpenCV's DNN module (libopencv-dnn-dev) and libonnx (libonnx-dev): link
//   weft::onnx. Never included by weft/weft.hpp (OpenCV's headers cost ~1.6 s to include).
//   Construction reads the file once, keeps its bytes in memory, reads its declared signature with
//   libonnx and checks it against In and Out, then builds one OpenCV Net to prove OpenCV can run it.
//   It throws weft::load_error (file, tensor, expected spec, actual spec) when: the file is missing
//   or unreadable; it is not an ONNX model; it has other than one input; it has several outputs and
//   onnx_options::output names none of them (the message lists them); an element type is not f32;
//   a rank is not In's (Out's) rank + 1 (axis 0 is the batch axis); the batch axis is a number other
//   than 1; a declared extent differs from a static extent of In (Out), or a symbolic one meets a
//   static one (a symbolic extent needs a dyn extent of In or Out); OpenCV cannot import the file.
//   Nothing half-built escapes. A file with a fixed batch of 1 works too: call_batch then runs the
//   Net once per sample. A tensor the file declares without a shape is taken as In's (Out's) shape.
//   input_shape() / output_shape(): per sample, the file's extents (dyn where In or Out and the file
//   both allow any). A call checks its argument against input_shape() first: weft::shape_error
//   (expected, actual) before OpenCV sees it. A failure inside OpenCV during a call becomes
//   weft::inference_error("onnx", file, OpenCV's text), as does an output of another size than
//   declared; combinators add the stage path ("sequence[1] \"mlp.onnx\"").
//   Copies: OpenCV's setInput copies the input (weft hands it the sample's or the batch's memory as
//   it is: an Eigen batch Matrix<float, F, Dynamic> is the row-major [N, F] tensor with no data moved);
//   the output is copied once, from OpenCV's blob into the Out (batch_t<Out>) returned.
//   Thread safety: calls are const and safe from many threads at once: OpenCV's Net is not (it keeps
//   state between calls), so each call borrows a Net from a pool shared by every copy of the model
//   (built on demand from the bytes in memory; the pool grows to the most calls ever run at once).
//   Copies are cheap: one std::shared_ptr<const state>. onnx_options::threads sets OpenCV's own
//   worker threads with cv::setNumThreads, which is process-wide: it applies to every OpenCV call in
//   the process, the last model constructed wins; the default, 1, keeps OpenCV from fighting
//   weft::par for cores. Constructing a model is not safe concurrently with OpenCV calls elsewhere.
//   Example:  weft::onnx_model<Eigen::Matrix<float, 8, 1>, Eigen::Matrix<float, 3, 1>> mlp{"mlp.onnx"};
//             auto pipeline = scaler | mlp | weft::softmax;
#ifndef WEFT_ONNX_HPP
#define WEFT_ONNX_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include "detail/onnx_net_pool.hpp"
#include "detail/onnx_signature.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "batch.hpp"
#include "detail/config.hpp"
#include "detail/entry.hpp"
#include "detail/shape_checks.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "shape.hpp"
#include "tensor.hpp"

namespace weft {

/// Options of weft::onnx_model.
struct onnx_options {
  /// The output to use, by name, when the file has several (a scikit-learn classifier exports
  /// "label" and "probabilities"); empty: the file's only output. (Its `{}` lets `{.threads = 2}`
  /// compile clean under g++'s -Wmissing-field-initializers.)
  std::string output{};
  /// OpenCV's own worker threads (cv::setNumThreads: process-wide, see weft/onnx.hpp); 1 by default,
  /// so that OpenCV does not fight weft::par for cores.
  int threads = 1;
};

namespace detail {

/// What every copy of an onnx_model shares: the file's checked signature and the pool of Nets.
struct onnx_state {
  onnx_state(std::string file, std::string input, std::string output, shape in, shape out, bool one,
             std::vector<char> bytes)
      : path(std::move(file)), input_name(std::move(input)), output_name(std::move(output)), input_shape(in),
        output_shape(out), batch_of_one(one), pool(std::move(bytes)) {}
  std::string path;
  std::string input_name;
  std::string output_name;
  shape input_shape;   ///< per sample
  shape output_shape;  ///< per sample
  bool batch_of_one;   ///< the file fixes the batch axis at 1: one Net call per sample
  onnx_net_pool pool;
};

/// The whole file, or load_error(path, "", "", why).
inline std::vector<char> read_model_bytes(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw load_error(path, "", "", "cannot read the file: " + ec.message());
  std::vector<char> bytes(static_cast<std::size_t>(size));
  std::ifstream f(path, std::ios::binary);
  if (!f.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    throw load_error(path, "", "", "cannot read the file");
  return bytes;
}

/// s with a batch axis (dyn) in front: [?, s...].
inline shape with_batch_axis(const shape& s) {
  shape b;
  b.resize(s.rank() + 1);
  b[0] = dyn;
  for (std::size_t i = 0; i < s.rank(); ++i) b[i + 1] = s[i];
  return b;
}

/// Checks declared tensor t against per-sample type T (see weft/onnx.hpp) and returns its per-sample
/// shape: the file's extents, dyn where both the file and T allow any. *batch_of_one: axis 0 is 1.
template <class T>
shape onnx_sample_shape(const std::string& file, const onnx_tensor_signature& t, bool* batch_of_one) {
  constexpr shape st = static_shape<T>();
  const auto mismatch = [&] { return load_error(file, t.name, spec_name<T>(with_batch_axis(st)), onnx_spec_text(t)); };
  if (t.element_type != onnx::TensorProto_DataType_FLOAT) throw mismatch();
  if (!t.has_shape) return st;
  if (t.dims.size() != st.rank() + 1 || (t.dims[0] != dyn && t.dims[0] != 1)) throw mismatch();
  if (batch_of_one) *batch_of_one = t.dims[0] == 1;
  shape sample = st;
  for (std::size_t i = 0; i < st.rank(); ++i) {
    const std::ptrdiff_t declared = t.dims[i + 1];
    if (st[i] != dyn && declared != st[i]) throw mismatch();  // also a symbolic extent meeting a number
    sample[i] = declared;
  }
  return sample;
}

/// The declared output onnx_options::output names (or the only one), else load_error.
inline const onnx_tensor_signature& chosen_output(const std::string& file, const onnx_signature& sig,
                                                  const std::string& wanted) {
  if (sig.outputs.empty()) throw load_error(file, "", "one output", "none");
  if (wanted.empty()) {
    if (sig.outputs.size() == 1) return sig.outputs[0];
    throw load_error(file, "", "one output, or onnx_options::output naming one",
                     std::to_string(sig.outputs.size()) + " outputs: " + onnx_names(sig.outputs));
  }
  for (const auto& o : sig.outputs)
    if (o.name == wanted) return o;
  throw load_error(file, wanted, "an output of that name", "outputs: " + onnx_names(sig.outputs));
}

}  // namespace detail

/// An ONNX file run by OpenCV's DNN module, as a weft model with per-sample types In and Out; see
/// the header comment.
template <class In, class Out>
class onnx_model {
  static_assert(tensor<In> && tensor<Out>,
                "weft: onnx_model<In, Out>: In and Out must be tensor types (include weft/eigen.hpp or weft/xtensor.hpp)");
  static_assert(std::is_same_v<scalar_t<In>, float> && std::is_same_v<scalar_t<Out>, float>,
                "weft: onnx_model<In, Out>: OpenCV's DNN module computes in f32: In and Out must hold float "
                "(put weft::cast<float> before the model)");
  static_assert(detail::has_static_rank<In> && detail::has_static_rank<Out>,
                "weft: onnx_model<In, Out>: In and Out need a rank known at compile time (not xt::xarray)");
  static_assert(tensor<batch_t<In>> && tensor<batch_t<Out>>,
                "weft: onnx_model<In, Out>: In and Out must have a batch type: an Eigen vector, or an xtensor "
                "of rank at most 7");
  static_assert(tensor_traits<In>::contiguous && tensor_traits<In>::layout != layout::col_major &&
                    tensor_traits<Out>::contiguous && tensor_traits<Out>::layout != layout::col_major,
                "weft: onnx_model<In, Out>: In and Out must be contiguous and row-major, as ONNX tensors are");

 public:
  using input_type = In;
  using output_type = Out;
  /// Its kind in a pipeline's JSON ({"onnx": path()}): weft::to_json and weft::fingerprint read it.
  static constexpr std::string_view config_runtime = "onnx";

  /// The name stage paths show ("sequence[1] \"mlp.onnx\""); the file's name (basename) by default.
  std::string name;

  /// Loads and checks the file at path: see the header comment. Throws weft::load_error. Sets
  /// OpenCV's threads to options.threads (process-wide).
  explicit onnx_model(std::string path, onnx_options options = {})
      : name(std::filesystem::path(path).filename().string()), state_(load(std::move(path), options)) {}

  /// Runs one sample. Throws weft::shape_error when x's extents do not fit input_shape() (OpenCV is
  /// not called), weft::inference_error when OpenCV fails. One copy in (OpenCV's), one copy out.
  WEFT_INLINE Out operator()(const In& x) const {
    const shape extents = tensor_traits<In>::extents_of(x);
    if constexpr (!detail::static_shape<In>().is_static()) {
      if (!state_->input_shape.admits(extents)) throw_input_mismatch(extents);
    }
    return run<Out>(tensor_traits<In>::data(x), 1, extents);
  }

  /// Another tensor type or an expression (`2 * x`, an xtensor for an Eigen In), judged and bridged
  /// first as weft::conversion decides (a checked conversion throws weft::shape_error): see
  /// weft/detail/entry.hpp. Then as operator()(const In&).
  template <class X>
    requires detail::foreign_argument<X, In>
  WEFT_INLINE Out operator()(const X& x, detail::entry_diagnostic<X, In> = {}) const {
    return detail::enter(*this, x);
  }

  /// Runs a whole batch in one OpenCV call (one call per sample for a file with a fixed batch of 1);
  /// sample j of the result is what (*this)(sample j) returns. Throws as operator() does (the
  /// shape_error names the batch's spec). An empty batch gives an empty result without calling OpenCV.
  WEFT_INLINE batch_t<Out> call_batch(const batch_t<In>& batch) const {
    const shape extents = tensor_traits<batch_t<In>>::extents_of(batch);
    shape sample;
    std::ptrdiff_t count = 0;
    if constexpr (eigen_batches) {  // Matrix<float, F, Dynamic>: [F, N], one sample per column
      sample = shape{extents[0]};
      count = extents[1];
    } else {  // samples along axis 0
      sample.resize(extents.rank() - 1);
      for (std::size_t i = 0; i < sample.rank(); ++i) sample[i] = extents[i + 1];
      count = extents[0];
    }
    if (!state_->input_shape.admits(sample)) throw_batch_mismatch(extents);
    if (count == 0) return empty_batch();
    return run<batch_t<Out>>(tensor_traits<batch_t<In>>::data(batch), count, sample);
  }

  /// The per-sample input shape, from the file (dyn where the file and In both allow any extent).
  shape input_shape() const noexcept { return state_->input_shape; }
  /// The per-sample output shape, from the file (dyn where the file and Out both allow any extent).
  shape output_shape() const noexcept { return state_->output_shape; }
  /// The file's path as given.
  const std::string& path() const noexcept { return state_->path; }
  /// The file's input name and the name of the output used.
  const std::string& input_name() const noexcept { return state_->input_name; }
  const std::string& output_name() const noexcept { return state_->output_name; }
  /// How many OpenCV Nets are free in the pool all copies share (for tests: without calls running,
  /// how many were built).
  std::size_t free_nets() const { return state_->pool.free_count(); }

 private:
  static constexpr bool eigen_batches = tensor_traits<batch_t<In>>::backend == backend::eigen;

  static std::shared_ptr<const detail::onnx_state> load(std::string path, const onnx_options& options) {
    std::vector<char> bytes = detail::read_model_bytes(path);
    const detail::onnx_signature sig = detail::read_onnx_signature(path, bytes);
    if (sig.inputs.size() != 1)
      throw load_error(path, "", "one input",
                       std::to_string(sig.inputs.size()) + " inputs: " + detail::onnx_names(sig.inputs));
    const detail::onnx_tensor_signature& output = detail::chosen_output(path, sig, options.output);
    bool batch_of_one = false;
    const shape in = detail::onnx_sample_shape<In>(path, sig.inputs[0], &batch_of_one);
    const shape out = detail::onnx_sample_shape<Out>(path, output, nullptr);
    cv::setNumThreads(options.threads);
    auto state = std::make_shared<detail::onnx_state>(path, sig.inputs[0].name, output.name, in, out, batch_of_one,
                                                      std::move(bytes));
    try {
      state->pool.give_back(state->pool.make_net());
    } catch (const cv::Exception& e) {
      throw load_error(path, "", "", std::string("OpenCV's DNN module cannot import it: ") + e.what());
    }
    return state;
  }

  [[noreturn, gnu::cold, gnu::noinline]] void throw_input_mismatch(const shape& actual) const {
    throw shape_error(spec_name<In>(state_->input_shape), spec_name<In>(actual));
  }

  [[noreturn, gnu::cold, gnu::noinline]] void throw_batch_mismatch(const shape& actual) const {
    shape expected;
    if constexpr (eigen_batches) expected = shape{state_->input_shape[0], dyn};
    else expected = detail::with_batch_axis(state_->input_shape);
    throw shape_error(spec_name<In>(expected), spec_name<In>(actual));
  }

  [[noreturn, gnu::cold, gnu::noinline]] void throw_output_mismatch(const cv::Mat& blob, std::ptrdiff_t count) const {
    std::string got = blob.type() == CV_32F ? "f32[" : "OpenCV type " + std::to_string(blob.type()) + " [";
    for (int i = 0; i < blob.dims; ++i) got += (i ? "," : "") + std::to_string(blob.size[i]);
    got += "]";
    throw inference_error("onnx", state_->path,
                          "output \"" + state_->output_name + "\" came back as " + got + ", expected " +
                              spec_name<Out>(count == 1 ? state_->output_shape
                                                        : detail::with_batch_axis(state_->output_shape)));
  }

  /// A batch of no samples.
  batch_t<Out> empty_batch() const {
    shape sample = state_->output_shape;
    for (std::size_t i = 0; i < sample.rank(); ++i)
      if (sample[i] == dyn) sample[i] = 0;
    return make_result<batch_t<Out>>(sample, 0);
  }

  /// An uninitialised R (Out, or batch_t<Out> of count samples) for per-sample output extents sample.
  template <class R>
  static R make_result(const shape& sample, std::ptrdiff_t count) {
    if constexpr (std::is_same_v<R, Out>) {
      return tensor_traits<Out>::make(sample);
    } else if constexpr (eigen_batches) {
      return tensor_traits<R>::make(shape{sample[0], count});
    } else {
      shape extents = detail::with_batch_axis(sample);
      extents[0] = count;
      return tensor_traits<R>::make(extents);
    }
  }

  /// Runs count samples at in (per-sample extents sample) and returns them as R (Out or batch_t<Out>).
  template <class R>
  R run(const float* in, std::ptrdiff_t count, const shape& sample) const {
    const detail::onnx_state& s = *state_;
    detail::onnx_net_lease lease = acquire();
    try {
      const std::ptrdiff_t per_call = s.batch_of_one ? 1 : count;
      const std::ptrdiff_t in_count = sample.element_count();
      cv::Mat blob = forward(lease.net(), in, per_call, sample);
      const shape out_sample = output_sample(blob, per_call);
      const std::ptrdiff_t out_count = out_sample.element_count();
      R result = make_result<R>(out_sample, count);
      float* out = tensor_traits<R>::data(result);
      copy_output(blob, per_call, out_count, out);
      for (std::ptrdiff_t first = per_call; first < count; first += per_call) {  // a file with a batch of 1
        blob = forward(lease.net(), in + first * in_count, per_call, sample);
        copy_output(blob, per_call, out_count, out + first * out_count);
      }
      return result;
    } catch (const cv::Exception& e) {
      lease.discard();
      throw inference_error("onnx", s.path, e.what());
    } catch (...) {
      lease.discard();
      throw;
    }
  }

  detail::onnx_net_lease acquire() const {
    try {
      return state_->pool.acquire();
    } catch (const cv::Exception& e) {
      throw inference_error("onnx", state_->path, e.what());
    }
  }

  /// Net's output blob for count samples at in; it lives in the Net until the next forward.
  cv::Mat forward(cv::dnn::Net& net, const float* in, std::ptrdiff_t count, const shape& sample) const {
    std::array<int, shape::max_rank + 1> sizes{};
    sizes[0] = static_cast<int>(count);
    for (std::size_t i = 0; i < sample.rank(); ++i) sizes[i + 1] = static_cast<int>(sample[i]);
    // OpenCV's Mat has no const form; setInput only reads it (and copies it).
    const cv::Mat input(static_cast<int>(sample.rank() + 1), sizes.data(), CV_32F, const_cast<float*>(in));
    net.setInput(input, state_->input_name);
    return net.forward(state_->output_name);
  }

  /// The per-sample extents of blob (count samples): output_shape(), its dyn extents read from blob.
  shape output_sample(const cv::Mat& blob, std::ptrdiff_t count) const {
    shape sample = state_->output_shape;
    if (sample.is_static()) return sample;
    if (blob.dims != static_cast<int>(sample.rank()) + 1 || blob.size[0] != count) throw_output_mismatch(blob, count);
    for (std::size_t i = 0; i < sample.rank(); ++i)
      if (sample[i] == dyn) sample[i] = blob.size[static_cast<int>(i) + 1];
    return sample;
  }

  /// Copies blob's count samples of out_count floats each to out (after checking its type and size).
  void copy_output(const cv::Mat& blob, std::ptrdiff_t count, std::ptrdiff_t out_count, float* out) const {
    if (blob.type() != CV_32F || static_cast<std::ptrdiff_t>(blob.total()) != count * out_count)
      throw_output_mismatch(blob, count);
    if (blob.isContinuous()) {
      std::copy_n(blob.ptr<float>(), count * out_count, out);
    } else {
      const cv::Mat packed = blob.clone();
      std::copy_n(packed.ptr<float>(), count * out_count, out);
    }
  }

  std::shared_ptr<const detail::onnx_state> state_;
};

namespace detail {
/// onnx_model checks its own argument (before OpenCV sees it): invoke_stage leaves it to it.
template <class In, class Out>
inline constexpr bool checks_own_entry<onnx_model<In, Out>> = true;
}  // namespace detail

}  // namespace weft

#endif  // WEFT_ONNX_HPP
