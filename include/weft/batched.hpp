// SPDX-License-Identifier: BSL-1.0
// weft/batched.hpp - weft::batched: a per-sample model lifted over a batch.
//
// Contract:
//   weft::batched(m) is a model of type weft::batched<M> whose input is a batch of m's inputs and
//   whose output is the batch of m's outputs, sample j of the output being m(sample j of the input),
//   in order. The batch extent is dynamic (known at run time); the samples keep m's spec:
//     Eigen   (rank-1 samples only): a batch of Matrix<S, N, 1> (or Matrix<S, 1, N>, a Map or Ref of
//             one) is Eigen::Matrix<S, N, Eigen::Dynamic>, column-major, each column one sample
//             (Eigen::Array stays Array; N == 1 gives Eigen's row vector Matrix<S, 1, Dynamic>);
//     xtensor (sample rank r <= 7): xt::xtensor<S, r + 1>, row-major, the leading axis the batch;
//             an xt::xarray sample gives an xt::xarray batch.
//   Each side follows its own backend: m taking Eigen and returning xtensor maps an Eigen batch to an
//   xtensor batch. Every sample reaches m as exactly m's input_type: a zero-copy view into the batch
//   when input_type is a const view (Eigen::Map<const ...>, Eigen::Ref<const ...>, a const
//   xt::xtensor_adaptor) of dense memory in the batch's order, otherwise a copy into one buffer of
//   input_type reused for every sample (no allocation for fixed extents). Each output is copied into
//   the output batch, which is allocated once per call.
//   A batch-native m (weft::batch_native, weft/batch.hpp: the runtime models, and sequence, ensemble
//   and fan_out | concat of batch-native models, docs/batches.md) is called once, with
//   m.call_batch(batch), instead of once per sample; its answer must hold one sample per sample of
//   the batch with out's static extents (else weft::shape_error), and a weft::error it raises gains
//   the segment "batched[*]" (the whole batch). A declared input_shape() is checked on the batch first.
//   Judged when built: m must be a model returning a tensor, whose input and output specs can be
//   batched (Eigen rank 1, xtensor rank <= 7, no strided view); otherwise one weft diagnostic naming
//   weft::detail::batched_sample and the spec.
//   Errors: an xt::xarray batch of rank 0 (no batch axis) throws weft::shape_error (expected
//   f32[?,...], got f32[]). An xtensor batch whose sample extents differ from m's static ones throws
//   weft::shape_error (expected f32[?,4], got f32[2,5]) before any sample runs. A weft::error raised
//   for sample j gains the segment "batched[j]" (with m's given name), as does a shape_error when m's
//   dynamic output extents change from sample to sample; any other exception passes unchanged and
//   the remaining samples do not run. An empty batch returns an empty batch (an output extent known
//   only at run time is then 0).
//   Shapes: input_shape() / output_shape() are the batches of m's declared ones (the batch extent
//   dyn: f32[13,?] for Eigen, f32[?,13] for xtensor); each sample's entry is checked against m's
//   declared input_shape() when m declares one. Another tensor type or an expression is judged and
//   bridged (checked) first (detail/entry.hpp).
//   Calls are const and thread-safe when m's calls are. weft::get<0>(b) is m. Under weft::strict, a
//   sample copied into m's input_type is an implicit copy (declare a const view input_type to view).
//   Example:  auto b = weft::batched(classifier | weft::softmax);   // Matrix<float, 10, Dynamic> out
#ifndef WEFT_BATCHED_HPP
#define WEFT_BATCHED_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "batch.hpp"
#include "convert.hpp"
#include "detail/combinator.hpp"
#include "detail/config.hpp"
#include "detail/copy.hpp"
#include "detail/stages.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "strict.hpp"
#include "tensor.hpp"

namespace weft {
namespace detail {

/// How a sample reaches the model: a view into the batch, a copy into input_type, or a copy into
/// input_type's owning type viewed by input_type.
enum class sample_path { view, copy, copy_then_view };

template <class I>
constexpr sample_path sample_path_of() noexcept {
  using ti = tensor_traits<I>;
  if constexpr (ti::owns_memory) {
    return sample_path::copy;
  } else {
    // the batch holds each sample as dense memory in row-major index order
    constexpr bool same_order = ti::rank != dyn && (ti::rank <= 1 || ti::layout == layout::row_major);
    if constexpr (ti::can_view && ti::contiguous && ti::views_const && same_order) return sample_path::view;
    else return sample_path::copy_then_view;
  }
}

template <class T>
inline constexpr bool batchable_v = !std::is_same_v<typename batch_of<T>::type, no_backend_type>;

template <class T>
constexpr bool strided_view_v() noexcept {
  if constexpr (tensor<T>) return !tensor_traits<T>::owns_memory && !tensor_traits<T>::can_view;
  else return false;
}

/// The judgement of weft::batched<M>: ok, input_type, output_type, and the one diagnostic.
template <class M, bool = model<M>>
struct batched_judgement {
  static constexpr bool ok = false;
  using in = unknown_type;
  using out = unknown_type;
  using input_type = unknown_type;
  using output_type = unknown_type;
  using diagnostic = std::conditional_t<is_broken_v<M>, no_diagnostic, not_model_diagnostic<batched_sample, M>>;
};

template <int Problem> struct batched_diagnostic_select { template <class In, class Out> using type = no_diagnostic; };
template <> struct batched_diagnostic_select<1> {
  template <class In, class Out> using type = batched_output_not_tensor<batched_sample, Out>;
};
template <> struct batched_diagnostic_select<2> {
  template <class In, class Out> using type = batched_rank_unsupported<batched_sample, spec_t<In>>;
};
template <> struct batched_diagnostic_select<3> {
  template <class In, class Out> using type = batched_rank_unsupported<batched_sample, spec_t<Out>>;
};
template <> struct batched_diagnostic_select<4> {
  template <class In, class Out>
  using type = strided_view_input<batched_sample, spec_t<typename batch_of<In>::type>, spec_t<In>>;
};

template <class M>
struct batched_judgement<M, true> {
  using in = input_t<M>;
  using out = output_t<M>;
  static constexpr int problem = is_broken_v<M>            ? -1
                                 : !tensor<out>            ? 1
                                 : !batchable_v<in>        ? 2
                                 : !batchable_v<out>       ? 3
                                 : strided_view_v<in>()    ? 4
                                                           : 0;
  static constexpr bool ok = problem == 0;
  using input_type = std::conditional_t<ok, typename batch_of<in>::type, in>;
  using output_type = std::conditional_t<ok, typename batch_of<out>::type, out>;
  using diagnostic = typename batched_diagnostic_select<problem>::template type<in, out>;
};

/// A batch's samples: how many, and the extents of one. Sample j is dense memory in row-major index
/// order starting at element j * sample_ext.element_count().
struct batch_geometry {
  std::ptrdiff_t count = 0;
  shape sample_ext;
};

/// An xt::xarray batch of rank 0 holds no samples axis: shape_error (expected f32[?,...], got f32[]).
template <class Batch>
[[noreturn, gnu::noinline, gnu::cold]] void throw_rank0_batch() {
  spec_text want;
  want.append(scalar_name<typename tensor_traits<Batch>::scalar_type>());
  want.append("[?,...]");
  throw shape_error(want.view(), actual_spec_name<Batch>(shape{}));
}

template <class Batch>
WEFT_INLINE batch_geometry geometry_of(const Batch& b) {
  using tb = tensor_traits<Batch>;
  const shape d = tb::extents_of(b);
  batch_geometry g;
  if constexpr (tb::backend == backend::eigen) {
    g.sample_ext.resize(1);
    if constexpr (tb::rank == 2) {
      g.count = d[1];
      g.sample_ext[0] = d[0];
    } else {  // a batch of one-element samples is Eigen's row vector
      g.count = d[0];
      g.sample_ext[0] = 1;
    }
  } else {
    if constexpr (tb::rank == dyn)  // an xt::xarray batch may be a scalar: it has no leading axis
      if (d.rank() == 0) throw_rank0_batch<Batch>();
    g.count = d[0];
    g.sample_ext.resize(d.rank() - 1);
    for (std::size_t k = 1; k < d.rank(); ++k) g.sample_ext[k - 1] = d[k];
  }
  return g;
}

/// Extents of a batch of `count` samples of extents `sample`.
template <class Batch>
WEFT_INLINE shape batch_dims(std::ptrdiff_t count, const shape& sample) {
  using tb = tensor_traits<Batch>;
  shape d;
  if constexpr (tb::backend == backend::eigen) {
    if constexpr (tb::rank == 2) {
      d.resize(2);
      d[0] = sample[0];
      d[1] = count;
    } else {
      d.resize(1);
      d[0] = count;
    }
  } else {
    d.resize(sample.rank() + 1);
    d[0] = count;
    for (std::size_t k = 0; k < sample.rank(); ++k) d[k + 1] = sample[k];
  }
  return d;
}

/// T's static extents as shape (extents known only at run time read as 0).
template <class T>
constexpr shape static_dims() noexcept {
  using tr = tensor_traits<T>;
  shape d;
  if constexpr (tr::rank != dyn) {
    d.resize(static_cast<std::size_t>(tr::rank));
    for (std::size_t k = 0; k < d.rank(); ++k) d[k] = tr::extents_type::values[k] == dyn ? 0 : tr::extents_type::values[k];
  }
  return d;
}

template <class T>
inline constexpr bool fully_static_v = tensor_traits<T>::rank != dyn && tensor_traits<T>::extents_type::size != dyn;

/// The spec a batch of I samples must have, e.g. "f32[?,4]" (xtensor) or "f32[4,?] col-major" (Eigen).
template <class Batch, class I>
std::string batch_spec_name() {
  using ti = tensor_traits<I>;
  spec_text t;
  t.append(scalar_name<typename ti::scalar_type>());
  t.append("[");
  if constexpr (tensor_traits<Batch>::backend == backend::eigen) {
    t.append_number(ti::extents_type::values[0]);
    t.append(",?] col-major");
  } else {
    t.append("?");
    for (auto e : ti::extents_type::values) {
      t.append(",");
      t.append_number(e);
    }
    t.append("]");
  }
  return std::string(t.view());
}

template <class Batch, class I>
[[noreturn, gnu::noinline, gnu::cold]] void throw_batch_shape(const Batch& b) {
  throw shape_error(batch_spec_name<Batch, I>(), actual_spec_name<Batch>(tensor_traits<Batch>::extents_of(b)));
}

/// Throws shape_error unless every sample of b has I's static extents.
template <class Batch, class I>
WEFT_INLINE void check_samples(const Batch& b, const batch_geometry& g) {
  using ti = tensor_traits<I>;
  if constexpr (ti::rank != dyn) {
    bool fits = g.sample_ext.rank() == static_cast<std::size_t>(ti::rank);
    for (std::size_t k = 0; fits && k < g.sample_ext.rank(); ++k) {
      const auto want = ti::extents_type::values[k];
      fits = want == dyn || want == g.sample_ext[k];
    }
    if (!fits) throw_batch_shape<Batch, I>(b);
  }
}

/// A batch-native model answered count_in samples with another number of samples: shape_error
/// (expected the batch of O with count_in samples, got the answer's spec).
template <class Batch, class O>
[[noreturn, gnu::noinline, gnu::cold]] void throw_batch_count(std::ptrdiff_t count_in, const Batch& answer) {
  const shape got = tensor_traits<Batch>::extents_of(answer);
  shape want = got;
  if constexpr (tensor_traits<Batch>::backend == backend::eigen) want[want.rank() - 1] = count_in;
  else want[0] = count_in;
  throw shape_error(actual_spec_name<Batch>(want), actual_spec_name<Batch>(got));
}

template <class O>
[[noreturn, gnu::noinline, gnu::cold]] void throw_sample_output(const shape& first, const shape& now, std::size_t j,
                                                                std::string_view name) {
  shape_error e(actual_spec_name<O>(first), actual_spec_name<O>(now));
  e.add_outer(segment("batched", j, name));
  throw e;
}

/// Writes a dense row-major run of elements at src into dst (extents ext), whatever dst's layout.
template <class T>
WEFT_INLINE void copy_from_flat(const typename tensor_traits<T>::scalar_type* src, T& dst, const shape& ext) {
  using tt = tensor_traits<T>;
  if constexpr (tt::contiguous && tt::rank != dyn && (tt::rank <= 1 || tt::layout == layout::row_major)) {
    constexpr std::ptrdiff_t n = tt::extents_type::size;
    std::copy(src, src + (n != dyn ? n : ext.element_count()), tt::data(dst));
  } else {
    strided_copy(src, row_major_strides(ext), tt::data(dst), tt::strides_of(dst), ext);
  }
}

/// Hands the model sample j of a batch as exactly I: see sample_path.
template <class I, sample_path P = sample_path_of<I>()>
class sample_source;

template <class I>
class sample_source<I, sample_path::view> {
  using ti = tensor_traits<I>;

 public:
  WEFT_INLINE explicit sample_source(const shape& ext) noexcept : ext_(ext) {}
  template <class S>
  WEFT_INLINE I get(const S* p) const noexcept {
    return ti::view(p, ext_);
  }

 private:
  shape ext_;
};

template <class I>
class sample_source<I, sample_path::copy> {
  using ti = tensor_traits<I>;

 public:
  WEFT_INLINE explicit sample_source(const shape& ext) : ext_(ext), buffer_(ti::make(ext)) {}
  template <class S>
  WEFT_INLINE const I& get(const S* p) {
    copy_from_flat(p, buffer_, ext_);
    return buffer_;
  }

 private:
  shape ext_;
  I buffer_;
};

template <class I>
class sample_source<I, sample_path::copy_then_view> {
  using ti = tensor_traits<I>;
  using owning = typename ti::owning_type;

 public:
  WEFT_INLINE explicit sample_source(const shape& ext) : ext_(ext), buffer_(tensor_traits<owning>::make(ext)) {}
  template <class S>
  WEFT_INLINE I get(const S* p) {
    copy_from_flat(p, buffer_, ext_);
    return ti::view(tensor_traits<owning>::data(buffer_), ext_);
  }

 private:
  shape ext_;
  owning buffer_;
};

}  // namespace detail

/// A per-sample model lifted over a batch; see the header comment. Built by weft::batched(m).
template <class M>
class batched {
  using judgement = detail::batched_judgement<M>;

 public:
  /// The batch of the model's input_type (see the header comment).
  using input_type = typename judgement::input_type;
  /// The batch of the model's output_type.
  using output_type = typename judgement::output_type;
  /// One model inside.
  static constexpr std::size_t size = 1;
  /// Name shown in error paths and descriptions.
  static constexpr std::string_view combinator_name = "batched";

  /// Stores the model (moved from an rvalue; std::ref(m) borrows m) and judges it at compile time.
  template <class A>
    requires(!std::is_same_v<std::remove_cvref_t<A>, batched> && std::is_constructible_v<M, A &&>)
  explicit batched(A&& m) : boxes_(std::forward<A>(m)) {
    (void)typename judgement::diagnostic{};
  }

  /// Runs the model on every sample, in order. Throws what the model throws; a weft::error gains
  /// "batched[j]"; shape_error for sample extents that differ from the model's static ones.
  WEFT_INLINE output_type operator()(const input_type& x) const {
    if constexpr (judgement::ok) return run(x);
    else std::abort();  // unreachable: a rejected batched failed to compile where it was built
  }

  /// operator()(x) under per-call context ctx (detail/call_context.hpp): an observing ctx sees one
  /// stage "batched[*]" (the model, over the whole batch), not one per sample; the model's own stages
  /// are not reported.
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    if constexpr (Ctx::observing && judgement::ok) {
      const auto& m = detail::unwrap(detail::box_get<0>(boxes_));
      return ctx.template observe_stage<detail::unwrap_t<M>>(combinator_name, detail::all_samples,
                                                             model_traits<M>::given_name(m),
                                                             [&](const auto&) -> output_type { return run(x); });
    } else {
      return (*this)(x);
    }
  }

  /// Another tensor type or an expression, judged and bridged (checked) first: see weft/detail/entry.hpp.
  template <class X>
    requires detail::foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }

  /// The batch of the model's declared input shape (the batch extent dyn); only when it declares one.
  shape input_shape() const
    requires(judgement::ok && detail::input_declared<M>)
  {
    return detail::batch_dims<input_type>(dyn, detail::unwrap(detail::box_get<0>(boxes_)).input_shape());
  }
  /// The batch of the model's declared output shape (the batch extent dyn); only when it declares one.
  shape output_shape() const
    requires(judgement::ok && detail::output_declared<M>)
  {
    return detail::batch_dims<output_type>(dyn, detail::unwrap(detail::box_get<0>(boxes_)).output_shape());
  }

  /// The model as stored (a std::reference_wrapper when given as std::ref).
  template <std::size_t I> constexpr auto& stored() & noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr const auto& stored() const& noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr auto&& stored() && noexcept { return detail::box_get<I>(std::move(boxes_)); }

 private:
  using in = typename judgement::in;
  using out = typename judgement::out;

  WEFT_INLINE output_type run(const input_type& x) const {
    const detail::batch_geometry g = detail::geometry_of(x);
    detail::check_samples<input_type, in>(x, g);
    const auto& stored = detail::box_get<0>(boxes_);
    if constexpr (batch_native<M>) {
      return run_native(x, g, detail::unwrap(stored));
    } else {
      return run_per_sample(x, g, stored);
    }
  }

  /// A batch-native model: one call_batch for the whole batch, its answer checked (one sample out
  /// per sample in, each of out's static extents) so that a wrong count is never read as an answer.
  WEFT_INLINE output_type run_native(const input_type& x, const detail::batch_geometry& g,
                                     const detail::unwrap_t<M>& m) const {
    if constexpr (detail::input_declared<M> && !detail::checks_own_entry<M>) detail::check_declared_entry(*this, x);
    try {
      output_type y = m.call_batch(x);
      const detail::batch_geometry answered = detail::geometry_of(y);
      detail::check_samples<output_type, out>(y, answered);
      if (answered.count != g.count) detail::throw_batch_count<output_type, out>(g.count, y);
      return y;
    } catch (const error& e) {
      detail::rethrow_with_segment(e, combinator_name, detail::all_samples, model_traits<M>::given_name(m));
    }
  }

  template <class Stored>
  WEFT_INLINE output_type run_per_sample(const input_type& x, const detail::batch_geometry& g,
                                         const Stored& stored) const {
    using tb = tensor_traits<input_type>;
    using tob = tensor_traits<output_type>;
    using to = tensor_traits<out>;
    const auto* src = tb::data(x);
    const std::ptrdiff_t in_size = g.sample_ext.element_count();
    // An empty batch answers before any sample buffer exists: its samples may be huge (fuzz corpus
    // batched/known-empty-*-of-huge-samples).
    if (g.count == 0) return tob::make(detail::batch_dims<output_type>(0, detail::static_dims<out>()));
    detail::sample_source<in> samples(g.sample_ext);
    if constexpr (detail::fully_static_v<out>) {
      constexpr shape out_ext = detail::static_dims<out>();
      constexpr std::ptrdiff_t out_size = to::extents_type::size;
      output_type y = tob::make(detail::batch_dims<output_type>(g.count, out_ext));
      auto* dst = tob::data(y);
      for (std::ptrdiff_t j = 0; j < g.count; ++j) {
        const out o = call(stored, samples, src + j * in_size, j);
        detail::copy_flat(o, dst + j * out_size);
      }
      return y;
    } else {
      const out first = call(stored, samples, src, 0);
      const shape out_ext = to::extents_of(first);
      const std::ptrdiff_t out_size = out_ext.element_count();
      output_type y = tob::make(detail::batch_dims<output_type>(g.count, out_ext));
      auto* dst = tob::data(y);
      detail::copy_flat(first, dst);
      for (std::ptrdiff_t j = 1; j < g.count; ++j) {
        const out o = call(stored, samples, src + j * in_size, j);
        const shape now = to::extents_of(o);
        bool same = now.rank() == out_ext.rank();
        for (std::size_t k = 0; same && k < now.rank(); ++k) same = now[k] == out_ext[k];
        if (!same)
          detail::throw_sample_output<out>(out_ext, now, static_cast<std::size_t>(j),
                                           model_traits<M>::given_name(detail::unwrap(stored)));
        detail::copy_flat(o, dst + j * out_size);
      }
      return y;
    }
  }

  template <class Stored, class Source, class S>
  WEFT_INLINE static out call(const Stored& stored, Source& samples, const S* p, std::ptrdiff_t j) {
    decltype(auto) sample = samples.get(p);
    return detail::invoke_stage(stored, sample, combinator_name, static_cast<std::size_t>(j));
  }

  detail::stage_boxes<std::index_sequence<0>, M> boxes_;
};

/// weft::batched(m) stores a decayed copy: batched<M>. (weft::batched(b) of a batched b copies b, as
/// class template argument deduction does; for an xtensor model write
/// weft::batched<std::remove_const_t<decltype(b)>>(b) to batch it again. An Eigen batch is a matrix,
/// which Eigen cannot batch again: that is the batched_rank_unsupported diagnostic.)
template <class M>
batched(M&&) -> batched<std::decay_t<M>>;

namespace detail {

/// Under strict, a sample copied into the model's input_type is an implicit copy; then inside the model.
template <class M>
struct implicit_copy<batched<M>> {
  using judgement = batched_judgement<M>;
  template <bool Ok, class = void>
  struct sample_copy {
    using type = void;
  };
  template <class V>
  struct sample_copy<true, V> {
    using in = typename judgement::in;
    using type = std::conditional_t<sample_path_of<in>() == sample_path::view, void,
                                    link<batched_sample, typename judgement::input_type, in>>;
  };
  using type = typename first_non_void<typename sample_copy<judgement::ok>::type,
                                       typename implicit_copy<unwrap_t<M>>::type>::type;
};

}  // namespace detail
}  // namespace weft

#endif  // WEFT_BATCHED_HPP
