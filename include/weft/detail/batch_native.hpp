// SPDX-License-Identifier: BSL-1.0
// weft/detail/batch_native.hpp - internal: how a batch runs through a sequence's stages (call_batch).
//
// Contract: a batch B (a weft::batch_t, or for a fan_out's answer a std::tuple of them) can run
// through a stage S in one call (stage_batch<S, B>::ok), giving stage_batch<S, B>::type, when S is
//   - batch-native (weft::batch_native: a runtime model, a stand-in, a batch-native sequence or
//     ensemble) and B reaches S's batch input on one backend through weft::conversion (identity, or
//     a copy or a checked one); the answer is batch_t<output_t<S>>, its sample count and static
//     extents checked;
//   - a stage whose call_batch answers a std::tuple of batches (a fan_out of batch-native branches),
//     reached as above;
//   - an adapter that works along the sample axis (cast, identity, check_finite, softmax, argmax,
//     normalize; concat after such a fan_out) bound to a static-rank input (concat: a tuple), when it
//     accepts B and answers the batch of its per-sample output (weft/adapters.hpp reads batches;
//     argmax of an xtensor batch answers a rank-1 tensor, copied into the [N, 1] batch).
// A batch crosses no backend on the way (an Eigen batch is [F, N], an xtensor one [N, F]: the same
// memory but other extents), so such a link makes its combinator not batch-native.
// call_stage_batch(stored, b, combinator, index) runs one stage on b: the stage's declared
// input_shape() checked on the batch first, a weft::error replaced by one whose path starts with
// "<combinator>[index]" (detail/combinator.hpp), other exceptions passed unchanged.
// sequence_batch_native<BIn, BOut, S...> is the condition of sequence::call_batch; run_batch runs it.
// Cost: the bridges the links name; no allocation beyond the stages' answers.
#ifndef WEFT_DETAIL_BATCH_NATIVE_HPP
#define WEFT_DETAIL_BATCH_NATIVE_HPP

#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../adapters.hpp"
#include "../batch.hpp"
#include "../batched.hpp"
#include "../convert.hpp"
#include "../errors.hpp"
#include "../model.hpp"
#include "../tensor.hpp"
#include "combinator.hpp"
#include "config.hpp"
#include "shape_checks.hpp"
#include "stages.hpp"

namespace weft::detail {

/// A batch of type B reaches a stage whose batch input is To: both tensors of one backend, and B
/// connects to To.
template <class B, class To>
constexpr bool batch_reaches() noexcept {
  if constexpr (tensor<B> && tensor<To>) {
    if constexpr (tensor_traits<B>::backend == tensor_traits<To>::backend) return connects_v<const B, To>;
    else return false;
  } else {
    return false;
  }
}

/// Adapters that work sample by sample along a batch's sample axis when they accept the batch.
template <class A> inline constexpr bool per_sample_adapter = false;
template <class T> inline constexpr bool per_sample_adapter<cast_t<T>> = true;
template <> inline constexpr bool per_sample_adapter<identity_t> = true;
template <> inline constexpr bool per_sample_adapter<check_finite_t> = true;
template <> inline constexpr bool per_sample_adapter<softmax_t> = true;
template <> inline constexpr bool per_sample_adapter<argmax_t> = true;
template <> inline constexpr bool per_sample_adapter<normalize_t> = true;
template <> inline constexpr bool per_sample_adapter<concat_t> = true;

template <class T> struct is_std_tuple : std::false_type {};
template <class... T> struct is_std_tuple<std::tuple<T...>> : std::true_type {};

/// A stage that answers a batch with a std::tuple of batches (a fan_out of batch-native branches).
template <class S>
concept batch_fans_out = tensor<input_t<S>> && requires(const S& s, const batch_t<input_t<S>>& b) {
  requires is_std_tuple<std::remove_cvref_t<decltype(s.call_batch(b))>>::value;
};

/// How a stage runs a batch: not at all, as a batch-native model, as a fan_out, as an adapter (its
/// answer as it is, or copied into the batch type).
enum class batch_step { none, model, fan_out, adapter, adapter_copied };

template <class S, class B>
struct stage_batch {
  static constexpr batch_step kind = batch_step::none;
  static constexpr bool ok = false;
  using type = no_backend_type;
};

template <class S, class B>
  requires(batch_native<S> && batch_reaches<B, batch_t<input_t<S>>>())
struct stage_batch<S, B> {
  static constexpr batch_step kind = batch_step::model;
  static constexpr bool ok = true;
  using type = batch_t<output_t<S>>;
};

template <class S, class B>
  requires(!batch_native<S> && batch_fans_out<S> && batch_reaches<B, batch_t<input_t<S>>>())
struct stage_batch<S, B> {
  static constexpr batch_step kind = batch_step::fan_out;
  static constexpr bool ok = true;
  using type = std::remove_cvref_t<decltype(std::declval<const S&>().call_batch(std::declval<const batch_t<input_t<S>>&>()))>;
};

/// Adapter A, bound to a sample In (a static-rank tensor; concat: a tuple), runs a batch B: 0 it
/// does not; 1 A accepts B and answers the batch of what it answers for one sample; 2 A answers one
/// element per sample as a rank-1 tensor where the batch of its one-element sample output has
/// another form (argmax of an xtensor batch: [N], not [N, 1]), copied into that batch.
template <class A, class In, class B>
constexpr int adapter_batch_form() noexcept {
  if constexpr (!per_sample_adapter<A>) {
    return 0;
  } else if constexpr (is_std_tuple<In>::value && is_std_tuple<B>::value) {
    if constexpr (A::template accepts<B>) return std::is_same_v<typename A::template output<B>, batch_t<typename A::template output<In>>> ? 1 : 0;
    else return 0;
  } else if constexpr (!(tensor<In> && tensor<B>)) {
    return 0;
  } else if constexpr (rank_v<In> == dyn || !A::template accepts<B>) {  // an xt::xarray sample: no batch rank
    return 0;
  } else {
    using per_sample = typename A::template output<In>;
    using answer = typename A::template output<B>;
    if constexpr (!tensor<batch_t<per_sample>>) return 0;
    else if constexpr (std::is_same_v<answer, batch_t<per_sample>>) return 1;
    else if constexpr (!fully_static_v<per_sample> || !std::is_same_v<scalar_t<answer>, scalar_t<per_sample>>) return 0;
    else return tensor_traits<per_sample>::extents_type::size == 1 && rank_v<answer> == 1 ? 2 : 0;
  }
}

template <class A, class In, class B>
  requires(adapter_batch_form<A, In, B>() != 0)
struct stage_batch<adapter_stage<A, In>, B> {
  static constexpr int form = adapter_batch_form<A, In, B>();
  static constexpr batch_step kind = form == 1 ? batch_step::adapter : batch_step::adapter_copied;
  static constexpr bool ok = true;
  using type = std::conditional_t<form == 1, typename A::template output<B>, batch_t<typename A::template output<In>>>;
};

/// The batches flowing through stages S... from a batch B: ok when every stage runs its batch;
/// type is the last stage's batch.
template <class B, class... S>
struct batch_chain {
  static constexpr bool ok = true;
  using type = B;
};
template <class B, class S0, class... S>
struct batch_chain<B, S0, S...> {
  using step = stage_batch<unwrap_t<S0>, B>;
  using rest = batch_chain<typename step::type, S...>;
  static constexpr bool ok = step::ok && rest::ok;
  using type = typename rest::type;
};

/// A sequence of stages S... runs a batch BIn stage by stage and answers a BOut.
template <class BIn, class BOut, class... S>
concept sequence_batch_native = tensor<BIn> && tensor<BOut> && batch_chain<BIn, S...>::ok &&
                                std::is_convertible_v<typename batch_chain<BIn, S...>::type, BOut>;

/// Throws shape_error unless batch b fits the batch of the input_shape() m declares (m's own check
/// when it checks its own entry).
template <class M, class Batch>
WEFT_INLINE void check_batch_entry(const M& m, const Batch& b) {
  if constexpr (declares_input_shape<M> && !checks_own_entry<M>) {
    const shape want = batch_dims<Batch>(dyn, m.input_shape());
    const shape got = tensor_traits<Batch>::extents_of(b);
    if (!want.admits(got)) throw shape_error(spec_name<Batch>(want), spec_name<Batch>(got));
  }
}

/// Throws shape_error unless answer y holds `count` samples, each of O's static extents.
template <class O, class Batch>
WEFT_INLINE void check_batch_answer(const Batch& y, std::ptrdiff_t count) {
  const batch_geometry got = geometry_of(y);
  check_samples<Batch, O>(y, got);
  if (got.count != count) throw_batch_count<Batch, O>(count, y);
}

template <class S> struct adapter_of { using type = void; };
template <class A, class In> struct adapter_of<adapter_stage<A, In>> { using type = A; };

/// An adapter's answer y for a batch of `count` samples, its elements copied in order into Out.
template <class Out, class Per, class Y>
Out copied_batch(const Y& y, std::ptrdiff_t count) {
  Out out = tensor_traits<Out>::make(batch_dims<Out>(count, static_dims<Per>()));
  copy_flat(y, tensor_traits<Out>::data(out));
  return out;
}

/// Runs stored stage `stored` on batch b; see the header comment.
template <class Stored, class B>
WEFT_INLINE typename stage_batch<unwrap_t<Stored>, B>::type call_stage_batch(const Stored& stored, const B& b,
                                                                              std::string_view combinator,
                                                                              std::size_t index) {
  using S = unwrap_t<Stored>;
  using step = stage_batch<S, B>;
  const auto& m = unwrap(stored);
  try {
    using A = typename adapter_of<S>::type;
    if constexpr (step::kind == batch_step::adapter) {
      return A::apply(b);
    } else if constexpr (step::kind == batch_step::adapter_copied) {
      return copied_batch<typename step::type, output_t<S>>(A::apply(b), geometry_of(b).count);
    } else {
      const bridge<const B, batch_t<input_t<S>>> arg(b);
      check_batch_entry(m, arg.get());
      typename step::type y = m.call_batch(arg.get());
      if constexpr (step::kind == batch_step::model) check_batch_answer<owned_t<output_t<S>>>(y, geometry_of(b).count);
      return y;
    }
  } catch (const error& e) {
    rethrow_with_segment(e, combinator, index, model_traits<Stored>::given_name(m));
  }
}

/// Runs batch b through stages I, I+1, ... of combinator c (a sequence: c.stored<I>(), C::size).
template <std::size_t I, class C, class B>
WEFT_INLINE auto run_batch(const C& c, const B& b) {
  auto y = call_stage_batch(c.template stored<I>(), b, C::combinator_name, I);
  if constexpr (I + 1 == C::size) return y;
  else return run_batch<I + 1>(c, y);
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_BATCH_NATIVE_HPP
