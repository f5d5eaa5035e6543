// SPDX-License-Identifier: BSL-1.0
// weft/torch.hpp - weft::torch_model: a TorchScript file (libtorch) as a weft model, checked when loaded.
//
// Contract:
//   weft::torch_model<In, Out> m{"net.pt"} loads a TorchScript module with torch::jit::load and is a
//   batch-native weft model (weft::batch_native) with per-sample input_type In and output_type Out:
//   Eigen or xtensor tensors of a static rank, fixed or dynamic extents, element type float, double
//   or std::int64_t (torch's float32, float64, int64; In and Out may differ). Sample j of a batch is
//   row j of the module's [N, ...] tensors.
//   Checked when loaded: TorchScript records no shapes, so the constructor runs a probe: forward on
//   zeros of the per-sample input shape, as a batch of 1 and of 2, and checks each answer's element
//   type, rank and extents against Out (a batch axis of 1 and 2, and the same sample extents both
//   times). The per-sample input shape is In's static extents, or torch_options::input_shape when In
//   has a dynamic extent (required then). A missing or corrupt file, a probe that fails, or an answer
//   that does not fit Out throws weft::load_error naming the file, the tensor ("input" or "output"),
//   weft's spec of what In/Out expect and the file's actual spec (or libtorch's own text). Nothing
//   half-built escapes. input_shape() is the probe's input shape, output_shape() what it returned.
//   Calls: operator()(const In&) and call_batch(const batch_t<In>&) check the input's extents against
//   input_shape() (weft::shape_error, before libtorch sees it), wrap the caller's memory with
//   torch::from_blob (no copy: an Eigen batch Matrix<S, F, Dynamic> IS the row-major [N, F] tensor),
//   run forward under c10::InferenceMode, and copy the answer once into Out / batch_t<Out>. An answer
//   whose element type or extents differ from the probe's (a model whose output depends on values)
//   throws weft::inference_error("torch", file, text naming both specs), never a misread; libtorch's
//   own failure becomes weft::inference_error with its text kept (without the C++ backtrace).
//   Inside a combinator weft adds the stage path. An empty batch returns an empty batch without
//   calling libtorch.
//   Cost: per call one std::vector<c10::IValue> of one input and libtorch's own work (forward
//   allocates its output); the answer is copied once (memcpy when dense). Loading costs a file read
//   and two probe calls.
//   Copies share one std::shared_ptr<const state>: cheap, and every copy runs the same module.
//   Thread safety: calls are const and safe from many threads at once: Module::forward is non-const
//   in libtorch's API but, measured (docs/runtimes.md), safe concurrently on one module; the module is
//   a mutable member of the shared const state for that reason only.
//   torch_options::threads sets libtorch's intra-op threads with at::set_num_threads, which is
//   PROCESS-WIDE (the last model loaded wins); 0 leaves libtorch's setting alone.
//   Compilers: libtorch 1.13's headers build with g++ 12 in C++20, not with clang++ 14 (CMake's
//   weft::torch target says so). Including <torch/script.h> costs ~14 s: never from weft.hpp.
//   Example:  weft::torch_model<Eigen::Matrix<float, 8, 1>, Eigen::Vector3f> net{"mlp.pt"};
//             weft::torch_model<Eigen::VectorXf, Eigen::VectorXf> dyn{"mlp.pt", {.input_shape = weft::shape{8}}};
#ifndef WEFT_TORCH_HPP
#define WEFT_TORCH_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/script.h>

#include "batch.hpp"
#include "detail/config.hpp"
#include "detail/shape_checks.hpp"
#include "errors.hpp"
#include "shape.hpp"
#include "tensor.hpp"

namespace weft {

/// Options of torch_model.
struct torch_options {
  /// The per-sample input shape the probe at load feeds (and every call is checked against). Needed
  /// when In has a dynamic extent (TorchScript records no shapes); must fit In's static extents.
  std::optional<shape> input_shape;
  /// libtorch's intra-op threads, set with at::set_num_threads: process-wide. 0: leave it alone.
  int threads = 1;
};

// =============================================================================================
// Internals: torch tensors over weft tensors' memory, and the checks of an answer.
// =============================================================================================
namespace detail {

/// Sizes and strides (in elements) of a torch tensor over a weft tensor's memory; batch axis first.
struct torch_view {
  std::array<std::int64_t, shape::max_rank + 1> sizes{};
  std::array<std::int64_t, shape::max_rank + 1> strides{};
  std::size_t rank = 0;
  c10::IntArrayRef size_ref() const noexcept { return {sizes.data(), rank}; }
  c10::IntArrayRef stride_ref() const noexcept { return {strides.data(), rank}; }
  /// Dense in row-major order (axes of extent 1 may have any stride).
  bool row_major_dense() const noexcept {
    std::int64_t expected = 1;
    for (std::size_t i = rank; i-- > 0;) {
      if (sizes[i] != 1 && strides[i] != expected) return false;
      expected *= sizes[i];
    }
    return true;
  }
};

/// The torch element type of weft scalar S (float, double, std::int64_t).
template <class S>
inline constexpr bool torch_scalar = std::is_same_v<S, float> || std::is_same_v<S, double> ||
                                     std::is_same_v<S, std::int64_t>;
template <class S>
constexpr c10::ScalarType torch_dtype() noexcept {
  if constexpr (std::is_same_v<S, float>) return c10::ScalarType::Float;
  else if constexpr (std::is_same_v<S, double>) return c10::ScalarType::Double;
  else return c10::ScalarType::Long;
}

/// One sample x as a batch of one: [1, extents of x...].
template <class T>
torch_view torch_sample_view(const T& x) {
  const shape e = tensor_traits<T>::extents_of(x), s = tensor_traits<T>::strides_of(x);
  torch_view g;
  g.rank = e.rank() + 1;
  g.sizes[0] = 1;
  g.strides[0] = e.element_count();
  for (std::size_t i = 0; i < e.rank(); ++i) {
    g.sizes[i + 1] = e[i];
    g.strides[i + 1] = s[i];
  }
  return g;
}

/// A batch b as [N, sample extents...]: an Eigen batch (one sample per column) is read as its
/// transpose, [columns, rows] (a one-row Eigen batch of 1-wide samples as [N, 1]); an xtensor batch
/// as it is.
template <class B>
torch_view torch_batch_view(const B& b) {
  const shape e = tensor_traits<B>::extents_of(b), s = tensor_traits<B>::strides_of(b);
  torch_view g;
  if constexpr (tensor_traits<B>::backend == backend::eigen) {
    g.rank = 2;
    if (e.rank() == 1) {
      g.sizes = {e[0], 1};
      g.strides = {s[0], 1};
    } else {
      g.sizes = {e[1], e[0]};
      g.strides = {s[1], s[0]};
    }
  } else {
    g.rank = e.rank();
    for (std::size_t i = 0; i < e.rank(); ++i) {
      g.sizes[i] = e[i];
      g.strides[i] = s[i];
    }
  }
  return g;
}

/// The weft shape of a batch of n samples of per-sample shape s, as batch_t<T> holds it: Eigen
/// [F, n] (or [n] for 1-wide samples), xtensor [n, s...].
template <class T>
shape torch_batch_shape(const shape& s, std::ptrdiff_t n) {
  shape b;
  if constexpr (tensor_traits<T>::backend == backend::eigen) {
    if constexpr (rank_v<batch_t<T>> == 1) b = shape{n};
    else b = shape{s[0], n};
  } else {
    b.resize(s.rank() + 1);
    b[0] = n;
    for (std::size_t i = 0; i < s.rank(); ++i) b[i + 1] = s[i];
  }
  return b;
}

/// weft's spec text of a torch tensor's samples ("f32[3]"), or of the whole tensor ("f32[2,3]").
inline std::string torch_spec(const at::Tensor& t, bool per_sample) {
  std::string s;
  switch (t.scalar_type()) {
    case c10::ScalarType::Float: s = "f32"; break;
    case c10::ScalarType::Double: s = "f64"; break;
    case c10::ScalarType::Long: s = "i64"; break;
    case c10::ScalarType::Int: s = "i32"; break;
    case c10::ScalarType::Bool: s = "b8"; break;
    default: s = c10::toString(t.scalar_type()); break;
  }
  s += '[';
  const auto sizes = t.sizes();
  for (std::size_t i = per_sample ? 1 : 0; i < sizes.size(); ++i) {
    if (i > (per_sample ? 1u : 0u)) s += ',';
    s += std::to_string(sizes[i]);
  }
  return s + ']';
}

/// libtorch's text of the exception in flight, without its C++ backtrace.
inline std::string torch_error_text() {
  try {
    throw;
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception of a type that is not std::exception";
  }
}

/// Runs module.forward on input (the caller holds a c10::InferenceMode). On failure returns an
/// undefined tensor and sets failure to libtorch's text, or to what was returned instead of a tensor
/// (then answered_not_tensor is set).
inline at::Tensor torch_forward(torch::jit::Module& module, const at::Tensor& input, std::string& failure,
                                bool& answered_not_tensor) {
  try {
    std::vector<c10::IValue> args{input};
    c10::IValue out = module.forward(std::move(args));
    if (out.isTensor()) return std::move(out).toTensor();
    failure = "a " + std::string(out.tagKind()) + ", not a Tensor";
    answered_not_tensor = true;
  } catch (...) {
    failure = torch_error_text();
  }
  return {};
}

/// t holds n samples of element type S and per-sample shape expected (every extent static).
template <class S>
bool torch_answer_fits(const at::Tensor& t, std::int64_t n, const shape& expected) {
  if (t.scalar_type() != torch_dtype<S>() || t.dim() != static_cast<std::int64_t>(expected.rank()) + 1 ||
      t.size(0) != n)
    return false;
  for (std::size_t i = 0; i < expected.rank(); ++i)
    if (t.size(static_cast<std::int64_t>(i) + 1) != expected[i]) return false;
  return true;
}

/// Copies answer t into dst's memory, laid out as g (one copy; memcpy when both are dense row-major).
template <class S>
void copy_torch_answer(const at::Tensor& t, S* dst, const torch_view& g) {
  if (g.row_major_dense() && t.is_contiguous()) {
    std::memcpy(dst, t.data_ptr<S>(), static_cast<std::size_t>(t.numel()) * sizeof(S));
  } else {
    const c10::InferenceMode inference;
    torch::from_blob(dst, g.size_ref(), g.stride_ref(), torch::dtype(torch_dtype<S>())).copy_(t);
  }
}

}  // namespace detail

// =============================================================================================
// torch_model
// =============================================================================================

/// A TorchScript module as a weft model of per-sample types In and Out: see the header comment.
template <class In, class Out>
class torch_model {
  static_assert(tensor<In> && tensor<Out>, "weft: torch_model<In, Out>: In and Out must be weft tensors "
                                           "(include <weft/eigen.hpp> or <weft/xtensor.hpp>)");
  static_assert(detail::has_static_rank<In> && detail::has_static_rank<Out>,
                "weft: torch_model<In, Out>: In and Out need a rank known at compile time (not xt::xarray)");
  static_assert(detail::torch_scalar<scalar_t<In>> && detail::torch_scalar<scalar_t<Out>>,
                "weft: torch_model<In, Out>: element types must be float, double or std::int64_t");

  struct state {
    std::string path;
    shape in;
    shape out;
    // forward() is non-const in libtorch's API; concurrent forward on one module is measured safe
    // (tests/runtimes/torch_threads.cpp, under TSan), so const calls may share it.
    mutable torch::jit::Module module;
  };

 public:
  using input_type = In;
  using output_type = Out;
  /// Its kind in a pipeline's JSON ({"torch": path()}): weft::to_json and weft::fingerprint read it.
  static constexpr std::string_view config_runtime = "torch";
  using in_scalar = scalar_t<In>;
  using out_scalar = scalar_t<Out>;

  /// The name stage paths show; the file's name (without its directory) unless changed.
  std::string name;

  /// Loads the TorchScript file at path and probes it (see the header comment). Throws
  /// weft::load_error; sets libtorch's process-wide intra-op threads to options.threads (0: not).
  explicit torch_model(std::string path, torch_options options = {})
      : name(std::filesystem::path(path).filename().string()), state_(load(std::move(path), options)) {}

  /// One sample: its extents are checked against input_shape() (shape_error), then it runs as a batch
  /// of one over x's own memory. Throws weft::inference_error when libtorch fails or answers with
  /// other extents than at load.
  Out operator()(const In& x) const {
    const state& s = *state_;
    if constexpr (!tensor_traits<In>::extents_type::all_static) detail::check_declared_entry(*this, x);
    const at::Tensor answer = run(s, detail::torch_sample_view(x), tensor_traits<In>::data(x), 1);
    Out y = tensor_traits<Out>::make(s.out);
    detail::copy_torch_answer(answer, tensor_traits<Out>::data(y), detail::torch_sample_view(y));
    return y;
  }

  /// A whole batch in one forward call (Eigen: one sample per column; xtensor: samples along axis 0).
  /// Throws shape_error when the samples' extents do not fit input_shape(), inference_error as
  /// operator().
  batch_t<Out> call_batch(const batch_t<In>& batch) const
    requires tensor<batch_t<In>> && tensor<batch_t<Out>>
  {
    using in_batch = batch_t<In>;
    using out_batch = batch_t<Out>;
    const state& s = *state_;
    const detail::torch_view g = detail::torch_batch_view(batch);
    const shape expected = detail::torch_batch_shape<In>(s.in, dyn);
    const shape actual = tensor_traits<in_batch>::extents_of(batch);
    if (!expected.admits(actual)) throw shape_error(spec_name<In>(expected), spec_name<In>(actual));
    const std::ptrdiff_t n = g.sizes[0];
    out_batch y = tensor_traits<out_batch>::make(detail::torch_batch_shape<Out>(s.out, n));
    if (n == 0) return y;
    const at::Tensor answer = run(s, g, tensor_traits<in_batch>::data(batch), n);
    detail::copy_torch_answer(answer, tensor_traits<out_batch>::data(y), detail::torch_batch_view(y));
    return y;
  }

  /// The per-sample input shape: In's static extents, or torch_options::input_shape.
  shape input_shape() const noexcept { return state_->in; }
  /// The per-sample output shape the probe at load returned (every extent static).
  shape output_shape() const noexcept { return state_->out; }
  /// The file's path as given.
  const std::string& path() const noexcept { return state_->path; }

 private:
  /// forward over the caller's memory (from_blob: no copy; never written by weft), then the answer's
  /// element type and extents checked against the probe's.
  static at::Tensor run(const state& s, const detail::torch_view& g, const in_scalar* data, std::int64_t n) {
    const c10::InferenceMode inference;
    const at::Tensor input = torch::from_blob(const_cast<in_scalar*>(data), g.size_ref(), g.stride_ref(),
                                              torch::dtype(detail::torch_dtype<in_scalar>()));
    std::string failure;
    bool not_tensor = false;
    at::Tensor answer = detail::torch_forward(s.module, input, failure, not_tensor);
    if (!answer.defined()) throw inference_error("torch", s.path, not_tensor ? "returned " + failure : failure);
    if (!detail::torch_answer_fits<out_scalar>(answer, n, s.out)) throw_changed_answer(s, answer, n);
    return answer;
  }

  [[noreturn, gnu::cold, gnu::noinline]] static void throw_changed_answer(const state& s, const at::Tensor& answer,
                                                                         std::int64_t n) {
    shape expected = s.out;
    expected.resize(s.out.rank() + 1);
    for (std::size_t i = s.out.rank(); i > 0; --i) expected[i] = s.out[i - 1];
    expected[0] = n;
    throw inference_error("torch", s.path,
                          "returned " + detail::torch_spec(answer, false) + ", expected " +
                              spec_name<Out>(expected) + " (the output of the probe at load)");
  }

  /// The per-sample input shape to probe with: In's static extents or the declared one.
  static shape probe_shape(const std::string& path, const torch_options& options) {
    constexpr shape own = detail::static_shape<In>();
    if (!options.input_shape) {
      if (own.is_static()) return own;
      throw load_error(path, "input", "a static per-sample input shape for " + std::string(spec_name<In>()),
                       "none (TorchScript records no shapes): declare it with "
                       "torch_options{.input_shape = weft::shape{...}}");
    }
    const shape& declared = *options.input_shape;
    if (!declared.is_static() || !own.admits(declared))
      throw load_error(path, "input", spec_name<In>(), spec_name<In>(declared) + " (torch_options::input_shape)");
    return declared;
  }

  /// Per-sample output shape of a probe answer t for a batch of n, after checking it against Out.
  static shape probed_output(const std::string& path, const at::Tensor& t, std::int64_t n) {
    const std::string actual = detail::torch_spec(t, true);
    if (t.scalar_type() != detail::torch_dtype<out_scalar>() || t.dim() != rank_v<Out> + 1)
      throw load_error(path, "output", spec_name<Out>(), actual);
    if (t.size(0) != n)
      throw load_error(path, "output", "a batch axis of " + std::to_string(n) + " (batch of " + std::to_string(n) + ")",
                       detail::torch_spec(t, false));
    shape out;
    out.resize(static_cast<std::size_t>(rank_v<Out>));
    for (std::size_t i = 0; i < out.rank(); ++i) out[i] = t.size(static_cast<std::int64_t>(i) + 1);
    if (!detail::static_shape<Out>().admits(out)) throw load_error(path, "output", spec_name<Out>(), actual);
    return out;
  }

  static std::shared_ptr<const state> load(std::string path, const torch_options& options) {
    const shape in = probe_shape(path, options);
    if (options.threads > 0) at::set_num_threads(options.threads);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw load_error(path, "", "", "no such file");
    torch::jit::Module module;
    try {
      module = torch::jit::load(path);
    } catch (...) {
      throw load_error(path, "", "", "not a TorchScript module: " + detail::torch_error_text());
    }
    module.eval();
    shape out;
    for (const std::int64_t n : {1, 2}) {
      std::vector<std::int64_t> sizes{n};
      sizes.insert(sizes.end(), in.begin(), in.end());
      const c10::InferenceMode inference;
      const at::Tensor zeros = torch::zeros(sizes, torch::dtype(detail::torch_dtype<in_scalar>()));
      std::string failure;
      bool not_tensor = false;
      const at::Tensor answer = detail::torch_forward(module, zeros, failure, not_tensor);
      if (not_tensor) throw load_error(path, "output", spec_name<Out>(), failure);
      if (!answer.defined()) throw load_error(path, "input", spec_name<In>(in), "the probe failed: " + failure);
      const shape probed = probed_output(path, answer, n);
      if (n == 2 && probed != out)
        throw load_error(path, "output", spec_name<Out>(out) + " (batch of 1)", spec_name<Out>(probed) + " (batch of 2)");
      out = probed;
    }
    return std::make_shared<const state>(state{std::move(path), in, out, std::move(module)});
  }

  std::shared_ptr<const state> state_;
};

namespace detail {
/// torch_model checks its own entry when called: invoke_stage leaves it to it.
template <class In, class Out>
inline constexpr bool checks_own_entry<torch_model<In, Out>> = true;
}  // namespace detail

}  // namespace weft

#endif  // WEFT_TORCH_HPP
