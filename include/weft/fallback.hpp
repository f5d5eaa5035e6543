// SPDX-License-Identifier: BSL-1.0
// weft/fallback.hpp - weft::fallback: try branches in order until one answers.
//
// Contract:
//   weft::fallback(a, b, c) is a model of type weft::fallback<A, B, C>. Its input_type is a's; every
//   branch receives the same input by const reference, bridged to its own input_type as
//   weft::conversion decides. Its output_type R is a's output type with std::optional unwrapped.
//   Calling it tries a, then b, then c, and returns the first answer. A branch fails, and the next is
//   tried, when it
//     - throws a std::exception or a subclass (anything else passes through unchanged and stops the
//       fallback: the remaining branches do not run);
//     - returns an empty std::optional;
//     - or its output meets a condition: fb.when(c) moves on when c(output) is true. Conditions apply
//       to every branch, the last included, in the order given; see weft/conditions.hpp
//       (weft::non_finite, weft::below_confidence(p), or any predicate).
//   Each branch's output (optional unwrapped) becomes an R: moved when it is an R, else copied into a
//   new R (another backend, container or layout; a checked copy when extents are dynamic, whose
//   shape_error counts as that branch throwing). Every branch is judged when the fallback is built:
//   a branch that is not a model, whose input the shared input cannot reach, or whose output cannot
//   become an R, fails to compile naming weft::detail::fallback_branch<I> and both specs. R, when a
//   later branch's output type differs from it, must own its memory.
//   fb.when(c) returns weft::fallback_when<weft::fallback<A, B, C>, C1> (the fallback and its
//   conditions; .when again appends: fallback_when<..., C1, C2>); a condition that cannot take R fails
//   to compile there, naming weft::detail::fallback_condition<K>, R's spec and what the condition takes.
//   R owns its memory: when the first branch returns a view (Eigen::Map, Eigen::Ref, an xtensor
//   adaptor), R is the view's owning type, and every answer is copied into it while the branch's input
//   (or the bridge buffer it was given) still lives, so no answer points at a freed value and .when
//   can replace a rejected answer (an implicit copy under weft::strict).
//   Which branch answered: weft::answered(fb, x) returns weft::answer<R>{output, branch}; calling
//   fb(x) returns the output alone. No global or per-object state is involved. answered (and get)
//   see through wrappers: answered(weft::named("guard", fb), x) works (weft/detail/wrapper.hpp).
//   Shapes (docs/shapes.md): input_shape() merges the branches' declared input shapes, output_shape()
//   their declared output shapes; each exists only when a branch declares one. The constructor throws
//   weft::shape_error at "fallback[I]" when branch I's declared input, or output, disagrees with the
//   earlier inputs or the first output; each call checks the input against every declared branch
//   before any branch runs (that error is the call's, not a branch failure). Another tensor type or
//   an expression is judged and bridged first (detail/entry.hpp).
//   Errors: a weft::error raised in branch I gains the segment "fallback[I]" (with the branch's given
//   name; as a new exception object, weft/errors.hpp) and is recorded; when every branch fails,
//   weft::fallback_error is thrown holding one weft::fallback_cause per branch, in order (its what()
//   lists them); it gains outer path segments as
//   it leaves enclosing combinators. An exception thrown by a condition passes through unchanged.
//   Calls are const and thread-safe when the branches' and conditions' calls are; a failed call
//   changes no branch. Cost: the first branch answering with an R allocates nothing and copies
//   nothing beyond its input bridge (its output is constructed in place); causes are recorded only
//   when a branch fails; a branch answering after a condition rejected an earlier one is moved into
//   the result. weft's layers are forced inline.
//   Example:  auto guarded = weft::fallback(fast, slow).when(weft::non_finite);
//             auto [y, branch] = weft::answered(guarded, x);   // branch: 0 (fast) or 1 (slow)
#ifndef WEFT_FALLBACK_HPP
#define WEFT_FALLBACK_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <cstddef>
#include <cstdlib>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>
#if defined(__cpp_rtti) || defined(__GXX_RTTI)
#include <typeinfo>
#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#endif
#endif

#include "conditions.hpp"
#include "convert.hpp"
#include "detail/combinator.hpp"
#include "detail/config.hpp"
#include "detail/stages.hpp"
#include "detail/workspace_stage.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "sequence.hpp"
#include "strict.hpp"

namespace weft {

template <class... Branches>
class fallback;

template <class Fallback, class... Conditions>
class fallback_when;

/// What weft::answered returns: the fallback's output and the index of the branch that gave it.
template <class T>
struct answer {
  /// The answer, as the fallback's output_type.
  T output;
  /// Index of the branch that answered (0 is the first).
  std::size_t branch;
};

namespace detail {

template <class T> struct fallback_unwrapped { using type = T; };
template <class T> struct fallback_unwrapped<std::optional<T>> { using type = T; };
/// T, or the T of a std::optional<T>.
template <class T> using fallback_unwrapped_t = typename fallback_unwrapped<T>::type;

template <class T, bool = tensor<T>> struct fallback_shown { using type = T; };
template <class T> struct fallback_shown<T, true> { using type = spec_t<T>; };
/// T's spec type when T is a tensor (for diagnostics), else T.
template <class T> using fallback_shown_t = typename fallback_shown<T>::type;

/// A branch whose output (optional unwrapped) is a T can answer for a fallback returning R.
template <class T, class R>
constexpr bool answers_as() noexcept {
  if constexpr (std::is_same_v<T, R>) return true;
  else if constexpr (tensor<T> && tensor<R>) return tensor_traits<R>::owns_memory && connects_v<T, R>;
  else return false;
}

template <bool Bad, class R, std::size_t I, class... B>
struct fallback_output_select {
  using type = no_diagnostic;
};
template <class R, std::size_t I, class... B>
struct fallback_output_select<true, R, I, B...> {
  using type = fallback_output_mismatch<fallback_branch<I>, fallback_shown_t<fallback_unwrapped_t<output_t<nth_t<I, B...>>>>,
                                        fallback_shown_t<R>>;
};

/// The judgement of a fallback's branches: inputs as every branch combinator's, then each output
/// against R. `diagnostic` names the first mistake (no_diagnostic when ok).
template <class In, class R, class... B>
struct fallback_judgement {
  using inputs = branch_judgement<fallback_branch, In, B...>;
  static constexpr std::size_t n = sizeof...(B);
  static constexpr std::size_t bad_output = [] {
    if constexpr (!inputs::ok) {
      return n;
    } else {
      constexpr bool ok[] = {answers_as<fallback_unwrapped_t<output_t<B>>, R>()...};
      std::size_t i = 0;
      while (i < n && ok[i]) ++i;
      return i;
    }
  }();
  static constexpr bool ok = inputs::ok && bad_output == n;
  using diagnostic = std::conditional_t<!inputs::ok, typename inputs::diagnostic,
                                        typename fallback_output_select<(bad_output < n), R, bad_output, B...>::type>;
};

/// An answer of type R can be replaced by a later branch's (move-assigned) without writing through a
/// view into someone else's memory: R owns its memory.
template <class R>
inline constexpr bool replaceable_answer = [] {
  if constexpr (tensor<R>) return tensor_traits<R>::owns_memory && std::is_move_assignable_v<R>;
  else return std::is_move_assignable_v<R>;
}();

/// The diagnostic for condition K of type C that cannot take an R.
template <std::size_t K, class R, class C, class P = condition_input_t<C>>
using condition_diagnostic =
    condition_cannot_take_output<fallback_condition<K>, fallback_shown_t<R>, std::conditional_t<std::is_void_v<P>, C, fallback_shown_t<P>>>;

/// One failed branch, as recorded on the failure path: only what is needed to build the cause
/// later (no strings): the text of a fallback_error is built only when every branch failed.
struct fallback_raw_cause {
  std::size_t branch = 0;
  fallback_failure kind = fallback_failure::threw;
  std::size_t condition = 0;
  std::string_view name;
  std::string_view label;
  std::exception_ptr exception;
};

/// What one call of a fallback records, on the caller's stack. The first 8 failures fit in place,
/// in storage that is left untouched until a branch fails (the success path only zeroes two
/// counters); only a fallback of more than 8 branches that all fail allocates for the rest.
struct fallback_state {
  static constexpr std::size_t in_place = 8;
  union slot {
    fallback_raw_cause cause;
    slot() noexcept {}
    ~slot() {}
  };
  // The vector for failures past in_place is constructed only by the 9th failure: the success path's
  // destructor is one test of failed, and the release of what failed is out of line (cold), so the
  // caller's frame stays as small as the hand-written try/catch (its stages inline alike).
  union overflow {
    std::vector<fallback_raw_cause> causes;
    overflow() noexcept {}
    ~overflow() {}
  };
  slot first[in_place];
  overflow more;
  std::size_t failed = 0;
  std::size_t branch = 0;

  fallback_state() noexcept {}
  fallback_state(const fallback_state&) = delete;
  fallback_state& operator=(const fallback_state&) = delete;
  ~fallback_state() {
    if (failed != 0) [[unlikely]]
      release(*this);
  }
  void add(fallback_raw_cause c) {
    if (failed < in_place) {
      new (&first[failed].cause) fallback_raw_cause(std::move(c));
    } else {
      if (failed == in_place) new (&more.causes) std::vector<fallback_raw_cause>();
      more.causes.push_back(std::move(c));
    }
    ++failed;
  }
  const fallback_raw_cause& operator[](std::size_t i) const noexcept {
    return i < in_place ? first[i].cause : more.causes[i - in_place];
  }

 private:
  [[gnu::cold, gnu::noinline]] static void release(fallback_state& st) noexcept {
    for (std::size_t i = 0; i < st.failed && i < in_place; ++i) st.first[i].cause.~fallback_raw_cause();
    if (st.failed > in_place) st.more.causes.~vector();
  }
};

/// The dynamic type's name of e, demangled where the platform can.
inline std::string fallback_exception_type([[maybe_unused]] const std::exception& e) {
#if defined(__cpp_rtti) || defined(__GXX_RTTI)
  const char* raw = typeid(e).name();
#if __has_include(<cxxabi.h>)
  int status = 0;
  if (char* readable = abi::__cxa_demangle(raw, nullptr, nullptr, &status)) {
    std::string s(readable);
    std::free(readable);
    return s;
  }
#endif
  return raw;
#else
  return "std::exception";
#endif
}

// Recording runs only when a branch fails: a few stores, kept out of line and cold.
[[gnu::cold, gnu::noinline]] inline void record_threw(fallback_state& st, std::size_t branch, std::string_view name) {
  st.add({branch, fallback_failure::threw, 0, name, {}, std::current_exception()});
}

[[gnu::cold, gnu::noinline]] inline void record_declined(fallback_state& st, std::size_t branch, std::string_view name) {
  st.add({branch, fallback_failure::declined, 0, name, {}, nullptr});
}

[[gnu::cold, gnu::noinline]] inline void record_rejected(fallback_state& st, std::size_t branch, std::string_view name,
                                                         std::size_t condition, std::string_view label) {
  st.add({branch, fallback_failure::rejected, condition, name, label, nullptr});
}

/// The full cause for a recorded failure (type, what() and path read from the kept exception).
inline fallback_cause make_cause(const fallback_raw_cause& raw) {
  fallback_cause c;
  c.branch = raw.branch;
  c.name = std::string(raw.name);
  c.kind = raw.kind;
  c.condition = raw.condition;
  c.path = segment("fallback", raw.branch, raw.name);
  if (raw.kind == fallback_failure::rejected) c.type = std::string(raw.label);
  if (raw.exception) {
    c.exception = raw.exception;
    try {
      std::rethrow_exception(raw.exception);
    } catch (const std::exception& e) {
      c.type = fallback_exception_type(e);
      c.what = e.what();
#if defined(__cpp_rtti) || defined(__GXX_RTTI)
      if (const auto* we = dynamic_cast<const error*>(&e); we != nullptr && !we->path().empty()) c.path = we->path_text();
#endif
    }
  }
  return c;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_fallback_error(fallback_state& st) {
  std::vector<fallback_cause> causes;
  causes.reserve(st.failed);
  for (std::size_t i = 0; i < st.failed; ++i)
    causes.push_back(make_cause(st[i]));
  throw fallback_error(std::move(causes));
}

/// Index of the first condition that rejects r (sizeof...(C) when none does).
template <class R, class... C>
WEFT_INLINE std::size_t first_rejecting(const R& r, const C&... conds) {
  std::size_t k = 0;
  (void)((condition_rejects(conds, r) || (++k, false)) || ...);
  return k;
}

/// The label of condition k of conds.
template <class... C>
std::string_view condition_label_at(std::size_t k, const C&... conds) {
  std::string_view label;
  std::size_t i = 0;
  ((i++ == k ? (void)(label = condition_label(conds)) : (void)0), ...);
  return label;
}

/// Branch output x (not an R) as a new R: checked when extents are dynamic, then copied.
template <class R, class T>
WEFT_INLINE R fallback_to_result(const T& x) {
  check_extents<const T, R>(x);
  return make_copy<R>(x);
}

template <class T> struct is_fallback : std::false_type {};
template <class... B> struct is_fallback<fallback<B...>> : std::true_type {};
template <class F, class... C> struct is_fallback<fallback_when<F, C...>> : std::true_type {};

/// weft::fallback or weft::fallback_when.
template <class T>
concept any_fallback = is_fallback<std::remove_cvref_t<T>>::value;

/// Runs a fallback or fallback_when with the caller's state (answered reads the branch from it).
struct fallback_access {
  template <class F>
  WEFT_INLINE static typename F::output_type run(const F& f, const typename F::input_type& x, fallback_state& st) {
    return f.run(x, st, no_context{});
  }
};

}  // namespace detail

/// Tries branches in order until one answers; see the header comment. Built by weft::fallback(...).
template <class... Branches>
class fallback {
  static_assert(sizeof...(Branches) >= 1, "weft: fallback: give at least one branch");
  using first = detail::nth_t<0, Branches...>;
  static constexpr std::size_t n = sizeof...(Branches);

 public:
  /// The first branch's input type; every branch receives it.
  using input_type = typename detail::io_or_none<first>::input_type;
  /// The first branch's output type, std::optional unwrapped (a view's owning type); every answer
  /// becomes one.
  using output_type = detail::owned_t<detail::fallback_unwrapped_t<typename detail::io_or_none<first>::output_type>>;
  /// Number of branches.
  static constexpr std::size_t size = n;
  /// Name shown in error paths and descriptions.
  static constexpr std::string_view combinator_name = "fallback";

 private:
  using judgement = detail::fallback_judgement<input_type, output_type, Branches...>;
  // A rejected answer is replaced by a later one (assigned): output_type must own its memory to take
  // conditions (a broken fallback counts as able: it was diagnosed where it was built).
  static constexpr bool replaceable = !judgement::ok || detail::replaceable_answer<output_type>;

 public:
  /// Stores the branches (moved from rvalues) and judges every branch's input and output at compile time.
  template <class... A>
    requires(sizeof...(A) == sizeof...(Branches) && (std::is_constructible_v<Branches, A &&> && ...) &&
             !(sizeof...(A) == 1 && (std::is_same_v<std::remove_cvref_t<A>, fallback> && ...)))
  explicit(sizeof...(Branches) == 1) fallback(A&&... branches) : boxes_(std::forward<A>(branches)...) {
    (void)typename judgement::diagnostic{};
    if constexpr (judgement::ok) {
      detail::check_branch_inputs<input_type, Branches...>(*this);
      detail::check_branch_outputs<Branches...>(*this);
    }
  }

  /// The first answer, trying branches in order. Throws fallback_error when every branch fails; an
  /// exception not derived from std::exception passes through unchanged.
  WEFT_INLINE output_type operator()(const input_type& x) const {
    detail::fallback_state st;
    return run(x, st, detail::no_context{});
  }

  /// operator()(x) with per-call context ctx handed to every branch call (detail/call_context.hpp).
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    detail::fallback_state st;
    return run(x, st, ctx);
  }

  /// Another tensor type or an expression, judged and bridged (checked) first: see weft/detail/entry.hpp.
  template <class X>
    requires detail::foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }

  /// What the branches' declared input shapes say of the one input; only when a branch declares one.
  shape input_shape() const
    requires(detail::any_input_declared<Branches...>)
  {
    return *detail::merged_branch_input<input_type, Branches...>(*this);
  }

  /// The first branch's output shape, completed by the others' declared ones; only when a branch
  /// declares its output_shape().
  shape output_shape() const
    requires(detail::any_output_declared<Branches...>)
  {
    return *detail::merged_branch_output<Branches...>(*this);
  }

  /// This fallback with condition c: move on when c(output) is true. Returns
  /// weft::fallback_when<fallback, C>; fails to compile when c cannot take output_type.
  template <class C>
    requires(std::is_constructible_v<std::decay_t<C>, C &&> && replaceable)
  auto when(C&& c) const& {
    if constexpr (!takes<C>) {
      (void)condition_check<C>{};
      return fallback(*this);
    } else {
      return fallback_when<fallback, std::decay_t<C>>(detail::prejudged, *this, std::forward<C>(c));
    }
  }
  template <class C>
    requires(std::is_constructible_v<std::decay_t<C>, C &&> && replaceable)
  auto when(C&& c) && {
    if constexpr (!takes<C>) {
      (void)condition_check<C>{};
      return fallback(std::move(*this));
    } else {
      return fallback_when<fallback, std::decay_t<C>>(detail::prejudged, std::move(*this), std::forward<C>(c));
    }
  }

  /// What a workspace keeps for this fallback (weft/workspace.hpp): each branch's workspace.
  using workspace_state = detail::branch_workspaces<Branches...>;

  /// operator()(x) with a workspace ws (weft/workspace.hpp): the answering branch writes into out
  /// (any extents on entry) with its own workspace (a branch whose output is an optional or another
  /// type has its answer moved or copied in). Answers and errors are operator()'s; a branch that
  /// fails may have written into out before the next one answers; after a throw out's elements are
  /// unspecified.
  template <class W>
  WEFT_INLINE void call_with_workspace(const input_type& x, output_type& out, W& ws) const {
    detail::fallback_state st;
    run_into(x, out, st, ws.state());
  }

  /// Branch I as stored (a std::reference_wrapper when given as std::ref).
  template <std::size_t I> constexpr auto& stored() & noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr const auto& stored() const& noexcept { return detail::box_get<I>(boxes_); }
  template <std::size_t I> constexpr auto&& stored() && noexcept { return detail::box_get<I>(std::move(boxes_)); }

 private:
  friend struct detail::fallback_access;
  template <class F, class... C>
  friend class fallback_when;

  // A condition C is accepted when it can take output_type; a broken fallback accepts none, silently
  // (it was diagnosed where it was built).
  template <class C>
  static constexpr bool takes = judgement::ok && detail::condition_takes_v<std::decay_t<C>, output_type>;
  template <class C>
  using condition_check = std::conditional_t<judgement::ok, detail::condition_diagnostic<0, output_type, std::decay_t<C>>,
                                             detail::no_diagnostic>;

  template <class Ctx, class... C>
  WEFT_INLINE output_type run(const input_type& x, detail::fallback_state& st, const Ctx& ctx, const C&... conds) const {
    if constexpr (judgement::ok) {
      detail::check_branch_entries<Branches...>(*this, x);
      return attempt<0>(x, st, ctx, conds...);
    } else {
      std::abort();  // unreachable: a mis-wired fallback failed to compile where it was built
    }
  }

  // The answer of branch I or a later one. One named result, returned on every path, so that the
  // answer is constructed in place (NRVO on g++ and clang); a rejected answer is replaced by a later one.
  template <std::size_t I, class Ctx, class... C>
  WEFT_INLINE output_type attempt(const input_type& x, detail::fallback_state& st, const Ctx& ctx,
                                  const C&... conds) const {
    output_type r = produce<I>(x, st, ctx, conds...);
    if constexpr (sizeof...(C) > 0 && replaceable) {
      if (st.branch == I) {
        if (const std::size_t k = detail::first_rejecting(r, conds...); k < sizeof...(C)) {
          detail::record_rejected(st, I, given_name<I>(), k, detail::condition_label_at(k, conds...));
          r = next<I>(x, st, ctx, conds...);
        }
      }
    }
    return r;
  }

  // Branch I's output as an R (st.branch = I), or, when branch I throws or declines, a later answer.
  template <std::size_t I, class Ctx, class... C>
  WEFT_INLINE output_type produce(const input_type& x, detail::fallback_state& st, const Ctx& ctx,
                                  const C&... conds) const {
    // a view output is copied into its owning type while the branch's input still lives
    using out = detail::owned_t<output_t<detail::nth_t<I, Branches...>>>;
    [[maybe_unused]] bool threw = false;
    try {
      if constexpr (detail::is_optional<out>::value) {
        auto y = detail::invoke_stage_owned(detail::box_get<I>(boxes_), x, combinator_name, I, ctx);
        if (y) {
          st.branch = I;
          if constexpr (std::is_same_v<typename out::value_type, output_type>) return std::move(*y);
          else return detail::fallback_to_result<output_type>(*y);
        }
      } else if constexpr (std::is_same_v<out, output_type>) {
        st.branch = I;
        return detail::invoke_stage_owned(detail::box_get<I>(boxes_), x, combinator_name, I, ctx);
      } else {
        st.branch = I;
        return detail::fallback_to_result<output_type>(detail::invoke_stage_owned(detail::box_get<I>(boxes_), x, combinator_name, I, ctx));
      }
    } catch (const std::exception&) {
      detail::record_threw(st, I, given_name<I>());
      threw = true;
    }
    if constexpr (detail::is_optional<out>::value) {
      if (!threw) detail::record_declined(st, I, given_name<I>());
    }
    return next<I>(x, st, ctx, conds...);
  }

  template <std::size_t I, class Ctx, class... C>
  WEFT_INLINE output_type next(const input_type& x, detail::fallback_state& st, const Ctx& ctx,
                               const C&... conds) const {
    if constexpr (I + 1 < n) return attempt<I + 1>(x, st, ctx, conds...);
    else detail::throw_fallback_error(st);
  }

  // run, attempt, produce and next with the answer written into out and each branch's workspace.
  template <class... C>
  WEFT_INLINE void run_into(const input_type& x, output_type& out, detail::fallback_state& st, workspace_state& ws,
                            const C&... conds) const {
    if constexpr (judgement::ok) {
      detail::check_branch_entries<Branches...>(*this, x);
      attempt_into<0>(x, out, st, ws, conds...);
    } else {
      std::abort();  // unreachable, as above
    }
  }

  template <std::size_t I, class... C>
  WEFT_INLINE void attempt_into(const input_type& x, output_type& out, detail::fallback_state& st, workspace_state& ws,
                                const C&... conds) const {
    produce_into<I>(x, out, st, ws, conds...);
    if constexpr (sizeof...(C) > 0 && replaceable) {
      if (st.branch == I) {
        if (const std::size_t k = detail::first_rejecting(out, conds...); k < sizeof...(C)) {
          detail::record_rejected(st, I, given_name<I>(), k, detail::condition_label_at(k, conds...));
          next_into<I>(x, out, st, ws, conds...);
        }
      }
    }
  }

  template <std::size_t I, class... C>
  WEFT_INLINE void produce_into(const input_type& x, output_type& out, detail::fallback_state& st, workspace_state& ws,
                                const C&... conds) const {
    using branch_out = detail::owned_t<output_t<detail::nth_t<I, Branches...>>>;
    [[maybe_unused]] bool threw = false;
    try {
      if constexpr (detail::is_optional<branch_out>::value) {
        auto y = detail::invoke_stage_owned(detail::box_get<I>(boxes_), x, combinator_name, I);
        if (y) {
          st.branch = I;
          if constexpr (std::is_same_v<typename branch_out::value_type, output_type>) out = std::move(*y);
          else out = detail::fallback_to_result<output_type>(*y);
          return;
        }
      } else if constexpr (std::is_same_v<branch_out, output_type>) {
        st.branch = I;
        detail::invoke_stage_into(detail::box_get<I>(boxes_), x, out, std::get<I>(ws), combinator_name, I);
        return;
      } else {
        st.branch = I;
        out = detail::fallback_to_result<output_type>(
            detail::invoke_stage_owned(detail::box_get<I>(boxes_), x, combinator_name, I));
        return;
      }
    } catch (const std::exception&) {
      detail::record_threw(st, I, given_name<I>());
      threw = true;
    }
    if constexpr (detail::is_optional<branch_out>::value) {
      if (!threw) detail::record_declined(st, I, given_name<I>());
    }
    next_into<I>(x, out, st, ws, conds...);
  }

  template <std::size_t I, class... C>
  WEFT_INLINE void next_into(const input_type& x, output_type& out, detail::fallback_state& st, workspace_state& ws,
                             const C&... conds) const {
    if constexpr (I + 1 < n) attempt_into<I + 1>(x, out, st, ws, conds...);
    else detail::throw_fallback_error(st);
  }

  template <std::size_t I>
  std::string_view given_name() const noexcept {
    const auto& stored = detail::box_get<I>(boxes_);
    return model_traits<std::remove_cvref_t<decltype(stored)>>::given_name(detail::unwrap(stored));
  }

  detail::stage_boxes<std::index_sequence_for<Branches...>, Branches...> boxes_;
};

/// weft::fallback(a, b, c) stores decayed copies: fallback<A, B, C>.
template <class... M>
fallback(M&&...) -> fallback<std::decay_t<M>...>;

/// A fallback with conditions C...: fb.when(c1).when(c2) is fallback_when<decltype(fb), C1, C2>.
/// It is the same model as its fallback (input_type, output_type, branches, errors), and also moves
/// on when a condition is true of an answer; see the header comment.
template <class Fallback, class... Conditions>
class fallback_when {
 public:
  /// The fallback's input type.
  using input_type = typename Fallback::input_type;
  /// The fallback's output type.
  using output_type = typename Fallback::output_type;
  /// Number of branches.
  static constexpr std::size_t size = Fallback::size;
  /// Number of conditions.
  static constexpr std::size_t condition_count = sizeof...(Conditions);
  /// Name shown in error paths and descriptions.
  static constexpr std::string_view combinator_name = "fallback";

  /// Stores a fallback and conditions that .when judged already.
  template <class F, class... C>
  fallback_when(detail::prejudged_t, F&& fb, C&&... conditions)
      : fallback_(std::forward<F>(fb)), conditions_(std::forward<C>(conditions)...) {}

  /// The first answer no condition rejects, trying branches in order; see fallback::operator().
  WEFT_INLINE output_type operator()(const input_type& x) const {
    detail::fallback_state st;
    return run(x, st, detail::no_context{});
  }

  /// operator()(x) with per-call context ctx handed to every branch call (detail/call_context.hpp).
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    detail::fallback_state st;
    return run(x, st, ctx);
  }

  /// Another tensor type or an expression, judged and bridged (checked) first: see weft/detail/entry.hpp.
  template <class X>
    requires detail::foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }

  /// The fallback's declared shapes, when it has them.
  shape input_shape() const
    requires detail::declares_input_shape<Fallback>
  {
    return fallback_.input_shape();
  }
  shape output_shape() const
    requires detail::declares_output_shape<Fallback>
  {
    return fallback_.output_shape();
  }

  /// These conditions and c: fallback_when<Fallback, Conditions..., C>; fails to compile when c
  /// cannot take output_type.
  template <class C>
    requires std::is_constructible_v<std::decay_t<C>, C&&>
  auto when(C&& c) const& {
    if constexpr (!detail::condition_takes_v<std::decay_t<C>, output_type>) {
      (void)detail::condition_diagnostic<sizeof...(Conditions), output_type, std::decay_t<C>>{};
      return fallback_when(*this);
    } else {
      return append(*this, std::forward<C>(c), std::index_sequence_for<Conditions...>{});
    }
  }
  template <class C>
    requires std::is_constructible_v<std::decay_t<C>, C&&>
  auto when(C&& c) && {
    if constexpr (!detail::condition_takes_v<std::decay_t<C>, output_type>) {
      (void)detail::condition_diagnostic<sizeof...(Conditions), output_type, std::decay_t<C>>{};
      return fallback_when(std::move(*this));
    } else {
      return append(std::move(*this), std::forward<C>(c), std::index_sequence_for<Conditions...>{});
    }
  }

  /// Branch I as stored (a std::reference_wrapper when given as std::ref).
  template <std::size_t I> constexpr auto& stored() & noexcept { return fallback_.template stored<I>(); }
  template <std::size_t I> constexpr const auto& stored() const& noexcept { return fallback_.template stored<I>(); }
  template <std::size_t I> constexpr auto&& stored() && noexcept { return std::move(fallback_).template stored<I>(); }

  /// What a workspace keeps (weft/workspace.hpp): the fallback's.
  using workspace_state = typename Fallback::workspace_state;

  /// operator()(x) with a workspace ws: see fallback::call_with_workspace.
  template <class W>
  WEFT_INLINE void call_with_workspace(const input_type& x, output_type& out, W& ws) const {
    detail::fallback_state st;
    run_into(x, out, st, ws.state(), std::index_sequence_for<Conditions...>{});
  }

  /// Condition K (0 is the first .when).
  template <std::size_t K> constexpr auto& condition() noexcept { return detail::box_get<K>(conditions_); }
  template <std::size_t K> constexpr const auto& condition() const noexcept { return detail::box_get<K>(conditions_); }

 private:
  friend struct detail::fallback_access;
  template <class F, class... C>
  friend class fallback_when;

  template <class Self, class C, std::size_t... K>
  static auto append(Self&& self, C&& c, std::index_sequence<K...>) {
    return fallback_when<Fallback, Conditions..., std::decay_t<C>>(
        detail::prejudged, std::forward<Self>(self).fallback_, detail::box_get<K>(std::forward<Self>(self).conditions_)...,
        std::forward<C>(c));
  }

  template <class Ctx>
  WEFT_INLINE output_type run(const input_type& x, detail::fallback_state& st, const Ctx& ctx) const {
    return run(x, st, ctx, std::index_sequence_for<Conditions...>{});
  }
  template <class Ctx, std::size_t... K>
  WEFT_INLINE output_type run(const input_type& x, detail::fallback_state& st, const Ctx& ctx,
                              std::index_sequence<K...>) const {
    return fallback_.run(x, st, ctx, detail::box_get<K>(conditions_)...);
  }

  template <std::size_t... K>
  WEFT_INLINE void run_into(const input_type& x, output_type& out, detail::fallback_state& st, workspace_state& ws,
                            std::index_sequence<K...>) const {
    fallback_.run_into(x, out, st, ws, detail::box_get<K>(conditions_)...);
  }

  [[no_unique_address]] Fallback fallback_;
  [[no_unique_address]] detail::stage_boxes<std::index_sequence_for<Conditions...>, Conditions...> conditions_;
};

/// The answer of fallback fb on x, and which branch gave it: `auto [y, branch] = weft::answered(fb, x);`
/// Throws what fb(x) throws. fb is a weft::fallback or weft::fallback_when, or a wrapper of one
/// (weft::named(...)): answered sees through it, doing the wrapper's own work around the call.
template <class F>
  requires detail::any_fallback<detail::see_through_t<F>>
WEFT_INLINE answer<typename F::output_type> answered(const F& fb, const typename F::input_type& x) {
  if constexpr (detail::any_fallback<F>) {
    detail::fallback_state st;
    return {detail::fallback_access::run(fb, x, st), st.branch};
  } else {
    return detail::call_inner(fb, x, [](const auto& inner, const auto& y) { return answered(inner, y); });
  }
}

namespace detail {

template <std::size_t I, class In, class R, class... B>
struct fallback_branch_copy {
  using branch = nth_t<I, B...>;
  using answer_type = fallback_unwrapped_t<output_t<branch>>;
  using into = copy_link_t<fallback_branch<I>, const In, input_t<branch>>;
  using inside = typename implicit_copy<unwrap_t<branch>>::type;
  using out = std::conditional_t<std::is_same_v<answer_type, R>, void, link<fallback_branch<I>, answer_type, R>>;
  using type = typename first_non_void<into, inside, out>::type;
};
template <class Seq, class In, class R, class... B> struct fallback_copies;
template <std::size_t... I, class In, class R, class... B>
struct fallback_copies<std::index_sequence<I...>, In, R, B...> {
  using type = typename first_non_void<typename fallback_branch_copy<I, In, R, B...>::type...>::type;
};

/// The first implicit copy in a fallback: per branch, its input bridge, inside it, then its output
/// becoming the fallback's output type (always a copy when the types differ).
template <class... B>
struct implicit_copy<fallback<B...>> {
  using type = typename fallback_copies<std::index_sequence_for<B...>, input_t<fallback<B...>>,
                                        output_t<fallback<B...>>, B...>::type;
};

template <std::size_t K, class R, class C, class P = condition_input_t<C>>
struct condition_copy {
  using type = void;
};
template <std::size_t K, class R, class C, class P>
  requires(!std::is_void_v<P> && !std::is_same_v<P, R>)
struct condition_copy<K, R, C, P> {
  using type = copy_link_t<fallback_condition<K>, const R, P>;
};
template <class Seq, class R, class... C> struct condition_copies;
template <std::size_t... K, class R, class... C>
struct condition_copies<std::index_sequence<K...>, R, C...> {
  using type = typename first_non_void<typename condition_copy<K, R, C>::type...>::type;
};

/// A fallback with conditions copies where its fallback does, then where a condition's parameter
/// needs a copy of the output.
template <class F, class... C>
struct implicit_copy<fallback_when<F, C...>> {
  using type = typename first_non_void<typename implicit_copy<F>::type,
                                       typename condition_copies<std::index_sequence_for<C...>, output_t<F>, C...>::type>::type;
};

}  // namespace detail
}  // namespace weft

#endif  // WEFT_FALLBACK_HPP
