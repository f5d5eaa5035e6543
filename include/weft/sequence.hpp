// SPDX-License-Identifier: BSL-1.0
// weft/sequence.hpp - weft::sequence and operator|: models in series.
//
// Contract:
//   weft::sequence(a, b, c) is a model of type weft::sequence<A, B, C>: its input_type is a's, its
//   output_type c's, and calling it passes each stage's output to the next stage's input through the
//   bridge weft::conversion chose (identity, view, copy, or a checked view or copy). Every connection
//   is judged when the sequence is built; a bad one fails to compile with one error naming the stage
//   (weft::detail::sequence_stage<I>, I the receiving stage) and both specs.
//   `a | b | c` builds the same sequence<A, B, C>, flattening a sequence on its left, so weft::get<2>(p)
//   is c; the right operand is appended as one stage, and weft::sequence(a, weft::sequence(b, c))
//   keeps its nesting. `model | adapter` binds the adapter to the output on its left.
//   operator| is found by argument-dependent lookup when an operand is a weft type; to compose two
//   models of your own types write `using weft::operator|;` or weft::sequence(a, b).
//   Stages are stored as decayed copies (moved from rvalues; std::ref(m) borrows m); empty stages take
//   no space. Each stage's output is materialised as its output_type; a view output_type (Eigen::Map,
//   Eigen::Ref, xt::xtensor_adaptor) is copied into its owning type before the stage's input dies, so
//   the next stage and the caller never see a view of a freed value (an implicit copy under
//   weft::strict: view_output_under_strict).
//   Shapes (docs/shapes.md): input_shape() is the first stage's declared one, output_shape() the
//   last's (through adapters that keep the shape); each exists only when declared. The constructor
//   checks every link where a side declares its run-time extents and throws weft::shape_error at
//   "sequence[I]" (I the receiving stage) with both specs; each call checks the argument of every
//   stage that declares input_shape() before that stage runs. Called with another tensor type or an
//   expression, the argument is judged and bridged (checked) first: see weft/detail/entry.hpp.
//   Errors: a weft::error raised inside stage I gains the path segment "sequence[I]" (with the stage's
//   name, if given) on its way out; any other exception passes through unchanged. Calls are const and
//   thread-safe when the stages' calls are; a failed call changes no stage.
//   Batches: when every stage runs a batch in one call (batch-native models, the adapters that read
//   batches, fan_out of batch-native branches then concat) and no link crosses backends, call_batch
//   runs a weft::batch_t stage by stage, and weft::batch_native holds (docs/batches.md).
//   Cost: no allocation, virtual call or copy beyond what the bridges name; weft's layers are forced inline.
//   Compile cost: each `|` judges (and checks the shapes of) only the link it adds, never its left
//   side again; the new sequence takes the left one's stages whole (docs/performance.md, issue 18).
//   Example:  auto p = scaler{} | weft::fn<In, Out>(relu) | weft::cast<double>;  auto y = p(x);
#ifndef WEFT_SEQUENCE_HPP
#define WEFT_SEQUENCE_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <array>
#include <cstddef>
#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>

#include "adapters.hpp"
#include "batch.hpp"
#include "convert.hpp"
#include "detail/batch_native.hpp"
#include "detail/config.hpp"
#include "detail/combinator.hpp"
#include "detail/stages.hpp"
#include "detail/type_name.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "strict.hpp"

namespace weft {

template <class... Stages>
class sequence;

template <class M>
class workspace;  // weft/workspace.hpp

namespace detail {

template <class Seq>
struct sequence_into;  // weft/workspace.hpp

template <class T> struct is_sequence : std::false_type {};
template <class... S> struct is_sequence<sequence<S...>> : std::true_type {};

/// The diagnostic for the link into stage I, from a From to a stage taking To. (A view From arrives
/// as its owning type: detail/materialise.hpp.)
template <std::size_t I, class From, class To>
using link_diagnostic = std::conditional_t<is_optional<From>::value, stage_may_decline<sequence_stage<I - 1>, From>,
                                           connection_diagnostic<sequence_stage<I>, owned_t<From>, To>>;

template <class From, class To>
inline constexpr bool link_ok = !is_optional<From>::value && connects_v<owned_t<From>, To>;

/// Index of the first stage whose incoming link is bad (sizeof...(S) when all are good).
template <class... S>
constexpr std::size_t first_bad_link() noexcept {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    constexpr bool ok[] = {
        true, link_ok<output_t<nth_t<I, S...>>, meets_t<owned_t<output_t<nth_t<I, S...>>>, nth_t<I + 1, S...>>>...};
    std::size_t i = 1;
    while (i < sizeof...(S) && ok[i]) ++i;
    return i;
  }(std::make_index_sequence<sizeof...(S) - 1>{});
}

/// Stage I of S... has a declared output shape, its own or one that reaches it through adapters that
/// keep the shape (softmax, normalize, cast, identity, check_finite).
template <std::size_t I, class... S>
constexpr bool sequence_output_declared() noexcept {
  using s = nth_t<I, S...>;
  if constexpr (output_declared<s>) return true;
  else if constexpr (I > 0 && passes_shape_through<unwrap_t<s>>) return sequence_output_declared<I - 1, S...>();
  else return false;
}

/// sequence<S...> is well formed: every stage a model, every link connects.
template <class... S>
constexpr bool sequence_ok() noexcept {
  if constexpr (first_non_model<S...>() < sizeof...(S)) return false;
  else return first_bad_link<S...>() == sizeof...(S);
}

}  // namespace detail

/// Models in series; see the header comment. Built by weft::sequence(...) or operator|.
template <class... Stages>
class sequence {
  static_assert(sizeof...(Stages) >= 1, "weft: sequence: give at least one stage");
  static constexpr std::size_t n = sizeof...(Stages);
  using first = detail::nth_t<0, Stages...>;
  using last = detail::nth_t<n - 1, Stages...>;
  // Judged on demand (by a call, or the constructor that judges every link), not with the class: a
  // chain `a | b | ...` builds a sequence per stage, and judging each whole again would cost N^2.
  static constexpr bool well_formed() noexcept { return detail::sequence_ok<Stages...>(); }
  // call_batch's condition, behind a function for the same reason: clang++ 14 instantiates the
  // classes a member's requires-clause names with the class, a function's body only when called.
  static constexpr bool runs_batches() noexcept {
    return detail::sequence_batch_native<batch_t<input_type>, batch_t<output_type>, Stages...>;
  }

 public:
  /// The first stage's input type.
  using input_type = typename detail::io_or_none<first>::input_type;
  /// The last stage's output type (its owning type when that is a view).
  using output_type = detail::owned_t<typename detail::io_or_none<last>::output_type>;
  /// Number of stages.
  static constexpr std::size_t size = n;
  /// Name shown in error paths and descriptions.
  static constexpr std::string_view combinator_name = "sequence";

  /// Stores the stages (moved from rvalues) and judges every connection at compile time.
  template <class... A>
    requires(sizeof...(A) == sizeof...(Stages) && (std::is_constructible_v<Stages, A &&> && ...))
  explicit(sizeof...(Stages) == 1) sequence(A&&... stages)
      : boxes_(detail::from_args, detail::stage_args<A...>(std::forward<A>(stages)...)) {
    check_links();
    constexpr std::size_t bad_stage = detail::first_non_model<Stages...>();
    if constexpr ((detail::is_broken_v<Stages> || ...)) {
      // already diagnosed where it broke
    } else if constexpr (bad_stage < n) {
      (void)detail::not_model_diagnostic<detail::sequence_stage<bad_stage>, detail::nth_t<bad_stage, Stages...>>{};
    } else if constexpr (constexpr std::size_t bad = detail::first_bad_link<Stages...>(); bad < n) {
      using from = output_t<detail::nth_t<bad - 1, Stages...>>;
      (void)detail::link_diagnostic<bad, from, detail::meets_t<detail::owned_t<from>, detail::nth_t<bad, Stages...>>>{};
    }
  }

  /// Stores stages whose connections operator| judged already.
  template <class... A>
  sequence(detail::prejudged_t, A&&... stages)
      : boxes_(detail::from_args, detail::stage_args<A...>(std::forward<A>(stages)...)) {
    check_links();
  }

  /// `left | r` (operator|): left's stages (moved from an rvalue), then r. Left's links were judged
  /// when it was built and operator| judged the new one; only the new link's shapes are checked here.
  template <class... L, class R>
  sequence(detail::appending_t, sequence<L...>&& left, R&& r)
      : boxes_(detail::appending, static_cast<decltype(left.boxes_)&&>(left.boxes_), static_cast<R&&>(r)) {
    if constexpr (checks_link<n - 1>) check_link<n - 1>();
  }
  template <class... L, class R>
  sequence(detail::appending_t, const sequence<L...>& left, R&& r)
      : boxes_(detail::appending, left.boxes_, static_cast<R&&>(r)) {
    if constexpr (checks_link<n - 1>) check_link<n - 1>();
  }

  /// Runs every stage in order. Throws what a stage throws; a weft::error gains this stage's segment.
  /// A stage that declares input_shape() has its argument checked first (shape_error).
  WEFT_INLINE output_type operator()(const input_type& x) const { return call_in_context(x, detail::no_context{}); }

  /// operator()(x) with per-call context ctx handed to every stage call (detail/call_context.hpp).
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    if constexpr (well_formed()) return run(x, ctx, std::make_index_sequence<n - 1>{});
    else std::abort();  // unreachable: a mis-wired sequence failed to compile where it was built
  }

  /// Another tensor type (a checked conversion: shape_error, never the backend's unchecked one) or a
  /// backend expression (evaluated first); anything that cannot connect fails to compile with one
  /// weft diagnostic. See weft/detail/entry.hpp.
  template <class X>
    requires detail::foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }

  /// A whole batch (weft::batch_t of input_type), stage by stage: only when every stage runs a batch
  /// in one call (batch-native models; cast, identity, check_finite and the adapters that read
  /// batches; fan_out of batch-native branches, then concat) and no link crosses backends. Bridges
  /// as for one sample; each answer's sample count and static extents are checked; errors gain
  /// "sequence[I]" as operator()'s do. weft::batched(p) calls it once. See detail/batch_native.hpp.
  batch_t<output_type> call_batch(const batch_t<input_type>& b) const
    requires(well_formed() && runs_batches())
  {
    return detail::run_batch<0>(*this, b);
  }

  /// With a workspace (include weft/workspace.hpp): runs as the call above, each stage's output kept
  /// in ws and the answer written into out (no allocation once ws holds the extents of this call,
  /// when every stage writes into its buffer). Throws as the call above; out is written by the last
  /// stage only. ws belongs to one caller at a time.
  WEFT_INLINE void operator()(const input_type& x, output_type& out, workspace<sequence>& ws) const {
    if constexpr (well_formed()) detail::sequence_into<sequence>::run(*this, x, out, ws);
    else std::abort();  // unreachable: a mis-wired sequence failed to compile where it was built
  }
  /// The same, the answer kept in ws: the reference is valid until ws's next call or its end.
  WEFT_INLINE const output_type& operator()(const input_type& x, workspace<sequence>& ws) const {
    if constexpr (well_formed()) return detail::sequence_into<sequence>::run(*this, x, ws);
    else std::abort();  // unreachable: a mis-wired sequence failed to compile where it was built
  }

  /// The first stage's declared input shape (its input_type's static extents filled in); only when
  /// the first stage declares input_shape().
  shape input_shape() const
    requires(detail::input_declared<first>)
  {
    return *detail::known_input(stored<0>());
  }

  /// The last stage's declared output shape (through adapters that keep the shape); only when there is one.
  shape output_shape() const
    requires(detail::sequence_output_declared<n - 1, Stages...>())
  {
    return *known_output_at<n - 1>();
  }

  /// Stage I as stored (a std::reference_wrapper when given as std::ref).
  template <std::size_t I> constexpr auto& stored() & noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr const auto& stored() const& noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr auto&& stored() && noexcept { return detail::box_get<I>(std::move(boxes_)); }

 private:
  template <class...>
  friend class sequence;

  // Stage I's answer to the value f carries, carried on (detail::carried): `f >> stage_at<I>` calls
  // stage I on f.value. run folds >> over stages 0..n-2 and calls the last stage on what arrives, so
  // one function holds every stage call (no nesting per stage for the inliner to unwind); each answer
  // lives, as a temporary of that one expression, until the last stage has answered. One function
  // per stage (operator>> calls invoke_stage_owned itself): each layer is an instantiation per stage.
  template <std::size_t I, class Ctx>
  struct stage_at {
    const detail::stage_chain_of<Stages...>& boxes;
    const Ctx& ctx;
    template <class T>
    WEFT_INLINE friend auto operator>>(detail::carried<T>&& f, stage_at s) {
      const auto& stage = detail::box_get<I>(s.boxes);
      return detail::carried<detail::owned_t<output_t<std::remove_cvref_t<decltype(stage)>>>>{
          detail::invoke_stage_owned(stage, std::move(f).get(), combinator_name, I, s.ctx)};
    }
  };

  template <class Ctx, std::size_t... I>
  WEFT_INLINE output_type run(const input_type& x, const Ctx& ctx, std::index_sequence<I...>) const {
    using start = detail::carried<const input_type&>;
    return detail::invoke_stage_owned(detail::box_get<n - 1>(boxes_),
                                      (start{x} >> ... >> stage_at<I, Ctx>{boxes_, ctx}).get(), combinator_name, n - 1,
                                      ctx);
  }

  // What is known of stage I's output: declared, passed through adapters, or static.
  template <std::size_t I>
  std::optional<shape> known_output_at() const {
    using s = detail::nth_t<I, Stages...>;
    if constexpr (detail::output_declared<s>) return detail::known_output(stored<I>());
    else if constexpr (I > 0 && detail::passes_shape_through<detail::unwrap_t<s>>) return known_output_at<I - 1>();
    else return detail::static_known<output_t<s>>();
  }

  // Load-time validation: every link where a side declares its shape, judged once, here.
  // Only the links check_link has work for are instantiated (a function per link costs time in long
  // chains that declare no shapes).
  void check_links() const {
    if constexpr (well_formed() && n > 1) {
      static constexpr auto links = checked_links(std::make_index_sequence<n - 1>{});
      [&]<std::size_t... K>(std::index_sequence<K...>) {
        (check_link<links[K]>(), ...);
      }(std::make_index_sequence<links.size()>{});
    }
  }
  // The receiving stages of the links that checks_link selects, in order.
  template <std::size_t... I>
  static constexpr auto checked_links(std::index_sequence<I...>) noexcept {
    constexpr bool checks[] = {checks_link<I + 1>...};
    std::array<std::size_t, (std::size_t{checks_link<I + 1>} + ... + 0)> links{};
    std::size_t k = 0;
    for (std::size_t i = 0; i < sizeof...(I); ++i) {
      if (checks[i]) links[k++] = i + 1;
    }
    return links;
  }
  // The link into stage I has a side that declares its run-time extents (check_link has work to do);
  // an appending constructor instantiates check_link only then (one function fewer per `|`).
  template <std::size_t I>
  static constexpr bool checks_link =
      tensor<output_t<detail::nth_t<I - 1, Stages...>>> && tensor<input_t<detail::nth_t<I, Stages...>>> &&
      (detail::sequence_output_declared<I - 1, Stages...>() || detail::input_declared<detail::nth_t<I, Stages...>>);
  template <std::size_t I>
  void check_link() const {
    using from = detail::nth_t<I - 1, Stages...>;
    using to = detail::nth_t<I, Stages...>;
    if constexpr (checks_link<I>) {
      detail::check_connection<input_t<to>, output_t<from>>(detail::known_input(stored<I>()), known_output_at<I - 1>(),
                                                            combinator_name, I, detail::given_name_of(stored<I>()));
    }
  }

  detail::stage_chain_of<Stages...> boxes_;
};

/// weft::sequence(a, b, c) stores decayed copies: sequence<A, B, C>.
template <class... M>
sequence(M&&...) -> sequence<std::decay_t<M>...>;

namespace detail {

template <class L>
inline constexpr std::size_t stages_in = 1;
template <class... S>
inline constexpr std::size_t stages_in<sequence<S...>> = sizeof...(S);

/// `l | r`'s type: l's stages (l itself when it is no sequence), then R.
template <class L, class R> struct appended { using type = sequence<L, R>; };
template <class... S, class R> struct appended<sequence<S...>, R> { using type = sequence<S..., R>; };
/// The constructor tag that builds appended<L, R>::type from (l, r): appending (l's stages whole) for a
/// sequence l, else prejudged (operator| judged the one link).
template <class L>
using append_tag = std::conditional_t<is_sequence<L>::value, appending_t, prejudged_t>;

/// The left operand of |, read as a model. A weft::sequence is read off its class: every stage a model
/// and every link judged when it was built, it is a model exactly when its input_type is a tensor and
/// its output_type a model output (judging model<> again would resolve a call of each new sequence,
/// once per `|`).
template <class L>
inline constexpr bool pipe_model = model<L>;
template <class... S>
inline constexpr bool pipe_model<sequence<S...>> =
    tensor<typename sequence<S...>::input_type> && model_output<typename sequence<S...>::output_type>;

/// An operand that makes a misuse of | weft's to diagnose.
template <class T>
concept weft_operand = model_like<T> || adapter<T> || is_broken_v<T>;

template <class L, class R>
concept pipe_ok = pipe_model<std::remove_cvref_t<L>> && !is_broken_v<L> && !is_broken_v<R> &&
                  (model<std::remove_cvref_t<R>> || adapter<std::remove_cvref_t<R>>);

}  // namespace detail

namespace detail {

template <std::size_t I, class... S>
struct sequence_stage_copy {
  using into_and_inside = typename implicit_copy_from<unwrap_t<nth_t<I, S...>>, sequence_stage<I>,
                                                      owned_t<output_t<nth_t<I - 1, S...>>>>::type;
  using kept = view_output_t<sequence_stage<I>, output_t<nth_t<I, S...>>>;
  using type = typename first_non_void<into_and_inside, kept>::type;
};
template <class... S>
struct sequence_stage_copy<0, S...> {
  using type = typename first_non_void<typename implicit_copy<unwrap_t<nth_t<0, S...>>>::type,
                                       view_output_t<sequence_stage<0>, output_t<nth_t<0, S...>>>>::type;
};

template <class Seq, class... S> struct sequence_copies;
template <std::size_t... I, class... S>
struct sequence_copies<std::index_sequence<I...>, S...> {
  using type = typename first_non_void<typename sequence_stage_copy<I, S...>::type...>::type;
};

/// The first implicit copy in a sequence: links in order, each stage's inside and its view output
/// (materialised) before the next link.
template <class... S>
struct implicit_copy<sequence<S...>> {
  using type = typename sequence_copies<std::index_sequence_for<S...>, S...>::type;
};

}  // namespace detail

/// `model | model` and `model | adapter`: a sequence, flattening a sequence on the left.
/// The new connection is judged here; a bad one gives one diagnostic naming the stage.
/// (static_cast<T&&> in place of std::forward and std::move on this path: they would instantiate a
/// function per operand type, which is a new sequence at every `|`.)
template <class L, class R>
  requires detail::pipe_ok<L, R>
WEFT_INLINE constexpr auto operator|(L&& l, R&& r) {
  using left = std::remove_cvref_t<L>;
  using right = std::remove_cvref_t<R>;
  // what arrives: a view output is materialised (io_or_none: output_t would judge model<left> again)
  using from = detail::owned_t<typename detail::io_or_none<left>::output_type>;
  using tag = detail::append_tag<left>;
  constexpr std::size_t at = detail::stages_in<left>;
  if constexpr (adapter<right>) {
    if constexpr (!right::template accepts<from>) {
      (void)typename right::template diagnostic<detail::sequence_stage<at>, from>{};
      return detail::broken_pipeline<input_t<left>, from>{};
    } else {
      using stage = adapter_stage<right, from>;
      return typename detail::appended<left, stage>::type(tag{}, static_cast<L&&>(l), stage{static_cast<R&&>(r)});
    }
  } else if constexpr (!detail::link_ok<from, detail::meets_t<from, right>>) {
    (void)detail::link_diagnostic<at, from, detail::meets_t<from, right>>{};
    return detail::broken_pipeline<input_t<left>, output_t<right>>{};
  } else {
    return typename detail::appended<left, right>::type(tag{}, static_cast<L&&>(l), static_cast<R&&>(r));
  }
}

/// Diagnoses a misuse of |: a non-model operand, an adapter on the left, or an operand after a
/// mistake already reported (then silent). Never chosen for two valid operands.
template <class L, class R>
  requires(!detail::pipe_ok<L, R> && (detail::weft_operand<L> || detail::weft_operand<R>))
constexpr auto operator|(L&&, R&&) {
  using left = std::remove_cvref_t<L>;
  using right = std::remove_cvref_t<R>;
  if constexpr (detail::is_broken_v<left> || detail::is_broken_v<right>) {
    using in = typename detail::io_or_none<left>::input_type;
    using out = std::conditional_t<detail::model_like<right>, typename detail::io_or_none<right>::output_type,
                                   typename detail::io_or_none<left>::output_type>;
    return detail::broken_pipeline<in, out>{};
  } else {
    if constexpr (!model<left>) (void)detail::not_model_diagnostic<detail::sequence_stage<0>, left>{};
    else (void)detail::not_model_diagnostic<detail::sequence_stage<detail::stages_in<left>>, right>{};
    return detail::broken_pipeline<typename detail::io_or_none<left>::input_type,
                                   typename detail::io_or_none<right>::output_type>{};
  }
}

namespace detail {
// weft's placeholders live here; argument-dependent lookup must find operator| for them too.
using weft::operator|;
}  // namespace detail

}  // namespace weft

#endif  // WEFT_SEQUENCE_HPP
