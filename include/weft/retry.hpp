// SPDX-License-Identifier: BSL-1.0
// weft/retry.hpp - weft::retry: call a model again when it throws.
//
// Contract:
//   weft::retry(m, weft::attempts(n)) is a model of type weft::retry<M> with m's input_type and
//   output_type. Calling it calls m; when m throws a std::exception (or a subclass) it calls m again,
//   with the same input, up to n calls in all (attempts are numbered from 1), and returns the first
//   answer. n must be at least 1: weft::attempts(0) throws std::invalid_argument (a compile error
//   when constant-evaluated).
//   Optional arguments, in this order, each at most once:
//     - weft::retry_if<E>(): retry only when the exception is an E (or derives from E), e.g.
//       weft::retry_if<weft::inference_error>(); weft::retry_if(p): retry only when p says so, p a
//       callable taking `const std::exception&` or `std::exception_ptr` and returning bool. Without
//       it every std::exception is retried.
//     - weft::backoff(f): f(k) is called after failed attempt k and before attempt k + 1 (never
//       after the last attempt, never before the first), k a std::size_t counting from 1; it may
//       sleep (`f(k)` sleeping 10 ms << (k - 1) backs off exponentially). Without it, none.
//   When every attempt fails, weft::retry_error is thrown holding one weft::retry_cause per attempt,
//   in order (attempt number, the exception as a std::exception_ptr, its type, what() and inner path);
//   its what() lists them. Like every weft error it gains the path of the combinators it leaves
//   (`sequence[1] "remote" `), and a cause's path continues inward. When the predicate declines an
//   exception, that exception passes through unchanged, at once (causes of earlier attempts are
//   dropped: the caller meets the error it asked not to retry). An exception not derived from
//   std::exception is never retried and passes through unchanged. An exception thrown by the
//   predicate or the back-off passes through unchanged.
//   Idempotence: weft's calls are const and a failed call changes nothing, so any model may be
//   retried, unless it declares `static constexpr bool idempotent = false;` (a model with side
//   effects: a write, a payment, a message sent). Retrying such a model fails to compile with
//   "weft: retry: this model declares idempotent = false", naming it. The declaration counts on any
//   model inside m: wrappers (weft::named, weft::shaped, any wrapper) and combinators' stages.
//   Observed (weft/observe.hpp): retry adds no path segment; each attempt is one call of m, so m's
//   stages are reported once per attempt (a failed attempt's with on_error, then the next one's).
//   retry is a wrapper (weft/detail/wrapper.hpp): get, answered, describe, to_dot and strict see
//   through it to m (answered(retry(fb), x) retries fb and reports the branch that answered);
//   model_traits' name is m's. It declares m's input_shape() / output_shape() when m does.
//   m is stored by value (moved from an rvalue; std::ref(m) borrows); so are the predicate and the
//   back-off. Calls are const and thread-safe when m's, the predicate's and the back-off's are.
//   Cost: on the success path one try block and a counter, no allocation; a failed attempt records
//   its std::exception_ptr (a vector that allocates on the first failure); text is built only when
//   every attempt failed.
//   Example:  auto robust = weft::retry(remote, weft::attempts(3),
//                                       weft::retry_if<weft::inference_error>(),
//                                       weft::backoff([](std::size_t k) { sleep_ms(10 << k); }));
#ifndef WEFT_RETRY_HPP
#define WEFT_RETRY_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/combinator.hpp"
#include "detail/config.hpp"
#include "detail/entry.hpp"
#include "detail/wrapper.hpp"
#include "errors.hpp"
#include "fallback.hpp"  // detail::fallback_exception_type: an exception's readable type name
#include "model.hpp"
#include "shape.hpp"
#include "strict.hpp"

namespace weft {

/// How many calls weft::retry makes at most (the first included); built by weft::attempts(n).
struct attempts_t {
  std::size_t count;
};

/// At most n calls in all (n >= 1): weft::retry(m, weft::attempts(3)). Throws std::invalid_argument
/// when n is 0 (a compile error when constant-evaluated).
constexpr attempts_t attempts(std::size_t n) {
  if (n == 0) throw std::invalid_argument("weft: attempts(n): n must be at least 1");
  return {n};
}

/// Which exceptions weft::retry retries: those for which its predicate returns true. Built by
/// weft::retry_if<E>() or weft::retry_if(p); see the header comment.
template <class P>
struct retry_predicate {
  [[no_unique_address]] P predicate;
};

/// What weft::retry does between attempts: f(k) after failed attempt k. Built by weft::backoff(f).
template <class F>
struct retry_backoff {
  [[no_unique_address]] F function;
};

namespace detail {

/// The default predicate: every std::exception is retried.
struct any_exception {
  constexpr bool operator()(const std::exception&) const noexcept { return true; }
};

/// retry_if<E>'s predicate: the exception is an E (works without RTTI: it is rethrown and caught).
template <class E>
struct exception_is {
  bool operator()(std::exception_ptr p) const {
    try {
      std::rethrow_exception(p);
    } catch (const E&) {
      return true;
    } catch (...) {
      return false;
    }
  }
};

/// The default back-off: none.
struct no_backoff {
  constexpr void operator()(std::size_t) const noexcept {}
};

/// The first model inside M (M, a wrapper's inner model, a combinator's stage, at any depth) that
/// declares idempotent == false; void when none does.
template <class M>
struct first_not_idempotent;

template <class U, class = void>
struct declares_idempotent_false : std::false_type {};
template <class U>
struct declares_idempotent_false<U, std::void_t<decltype(U::idempotent)>>
    : std::bool_constant<!static_cast<bool>(U::idempotent)> {};

template <class C, class Seq> struct first_not_idempotent_stage;
template <class C, std::size_t... I>
struct first_not_idempotent_stage<C, std::index_sequence<I...>> {
  using type = typename first_non_void<
      typename first_not_idempotent<std::remove_cvref_t<decltype(std::declval<const C&>().template stored<I>())>>::type...>::type;
};

template <class M>
struct first_not_idempotent {
  using U = std::remove_cv_t<unwrap_t<M>>;
  static auto pick() {
    if constexpr (declares_idempotent_false<U>::value) return std::type_identity<U>{};
    else if constexpr (wrapper<U>) return std::type_identity<typename first_not_idempotent<typename U::wrapped_type>::type>{};
    else if constexpr (combinator<U> && requires { U::size; })
      return std::type_identity<typename first_not_idempotent_stage<U, std::make_index_sequence<U::size>>::type>{};
    else return std::type_identity<void>{};
  }
  using type = typename decltype(pick())::type;
};

/// WHAT: the model (m, or one inside it) that declares idempotent = false.
template <class Model>
struct retry_of_side_effects {
  static_assert(never<Model>,
                "weft: retry: this model declares idempotent = false (it has side effects), so it "
                "cannot be retried; call it once, or retry only the idempotent part of the pipeline");
};

template <class Offender>
using retry_diagnostic = std::conditional_t<std::is_void_v<Offender>, no_diagnostic, retry_of_side_effects<Offender>>;

/// Calls predicate p on the exception being handled: p(e) when p takes a const std::exception&,
/// else p(current).
template <class P>
bool retry_accepts(const P& p, const std::exception& e, const std::exception_ptr& current) {
  if constexpr (std::is_invocable_r_v<bool, const P&, const std::exception&>) return static_cast<bool>(p(e));
  else return static_cast<bool>(p(current));
}

/// Cold path: records attempt's exception (the one being handled) in causes.
[[gnu::cold, gnu::noinline]] inline void retry_record(std::vector<std::exception_ptr>& causes, std::exception_ptr e) {
  causes.push_back(std::move(e));
}

}  // namespace detail

/// Retry only when the exception is an E or derives from E: weft::retry_if<weft::inference_error>().
template <class E>
constexpr retry_predicate<detail::exception_is<E>> retry_if() noexcept {
  return {};
}

/// Retry only when p returns true; p takes `const std::exception&` or `std::exception_ptr` (the
/// exception of the failed attempt) and returns bool. Stored by value.
template <class P>
  requires std::is_invocable_r_v<bool, const std::decay_t<P>&, const std::exception&> ||
           std::is_invocable_r_v<bool, const std::decay_t<P>&, std::exception_ptr>
constexpr retry_predicate<std::decay_t<P>> retry_if(P&& p) {
  return {std::forward<P>(p)};
}

/// Calls f(k) after failed attempt k (k from 1), before the next attempt: weft::backoff(sleeper).
/// f must be callable as f(std::size_t) through a const reference. Stored by value.
template <class F>
  requires std::is_invocable_v<const std::decay_t<F>&, std::size_t>
constexpr retry_backoff<std::decay_t<F>> backoff(F&& f) {
  return {std::forward<F>(f)};
}

/// Why one attempt of a weft::retry failed; weft::retry_error holds one per attempt.
struct retry_cause {
  /// The attempt's number (1 is the first call).
  std::size_t attempt = 0;
  /// The exception's dynamic type ("std::runtime_error").
  std::string type;
  /// The exception's what().
  std::string what;
  /// The inner path of a weft::error the model threw (empty otherwise), outermost first.
  std::string path;
  /// The exception itself (std::rethrow_exception to catch it by type).
  std::exception_ptr exception;
};

/// Every attempt of a weft::retry failed. what() lists the causes in order:
/// "weft: retry_error at sequence[1] \"remote\": all 3 attempts failed: [attempt 1] threw
/// std::runtime_error: busy; [attempt 2] ...". Its path is the retry's place in the pipeline.
class retry_error : public error_base<retry_error> {
 public:
  /// causes: one per attempt, in order.
  explicit retry_error(std::vector<retry_cause> causes)
      : error_base("retry_error", describe(causes)), causes_(std::move(causes)) {}

  /// One cause per attempt, in order.
  const std::vector<retry_cause>& causes() const noexcept { return causes_; }

 private:
  static std::string describe(const std::vector<retry_cause>& causes) {
    std::string s = "all " + std::to_string(causes.size()) + " attempts failed: ";
    for (std::size_t i = 0; i < causes.size(); ++i) {
      const auto& c = causes[i];
      if (i > 0) s += "; ";
      s += "[attempt " + std::to_string(c.attempt) + "] threw " + c.type + ": " + c.what;
    }
    return s;
  }

  std::vector<retry_cause> causes_;
};

namespace detail {

/// Throws weft::retry_error with one cause per attempt, read from the recorded exceptions.
[[noreturn, gnu::cold, gnu::noinline]] inline void throw_retry_error(const std::vector<std::exception_ptr>& causes) {
  std::vector<retry_cause> out;
  out.reserve(causes.size());
  for (std::size_t i = 0; i < causes.size(); ++i) {
    retry_cause c;
    c.attempt = i + 1;
    c.exception = causes[i];
    try {
      std::rethrow_exception(causes[i]);
    } catch (const error& e) {
      c.type = fallback_exception_type(e);
      c.what = e.what();
      c.path = e.path_text();
    } catch (const std::exception& e) {
      c.type = fallback_exception_type(e);
      c.what = e.what();
    }
    out.push_back(std::move(c));
  }
  throw retry_error(std::move(out));
}

/// retry's loop, shared by weft::retry and weft/config's retry: call(), again while it throws a
/// std::exception that predicate p accepts and fewer than `attempts` calls were made, calling
/// backoff(k) between attempts k and k + 1; then retry_error. See the header comment.
template <class P, class B, class F>
WEFT_INLINE decltype(auto) retry_loop(std::size_t attempts, const P& p, const B& backoff, F&& call) {
  std::vector<std::exception_ptr> causes;  // empty (no allocation) until an attempt fails
  for (std::size_t k = 1;; ++k) {
    try {
      return call();
    } catch (const std::exception& e) {
      std::exception_ptr current = std::current_exception();
      if (!retry_accepts(p, e, current)) throw;
      retry_record(causes, std::move(current));
    }
    if (k >= attempts) throw_retry_error(causes);
    backoff(k);
  }
}

}  // namespace detail

/// Model M called again when it throws; see the header comment. Built by weft::retry(m, attempts(n), ...).
template <class M, class Predicate = detail::any_exception, class Backoff = detail::no_backoff>
class retry {
  using offender = typename detail::first_not_idempotent<M>::type;

 public:
  /// The model's input type.
  using input_type = input_t<M>;
  /// The model's output type.
  using output_type = output_t<M>;
  /// The model as stored (a std::reference_wrapper when given as std::ref): retry is a see-through
  /// wrapper (weft/detail/wrapper.hpp).
  using wrapped_type = M;

  /// Stores m, the predicate and the back-off (moved from rvalues); fails to compile when m, or a
  /// model inside it, declares idempotent = false.
  template <class Mm>
    requires std::is_constructible_v<M, Mm&&>
  retry(Mm&& m, attempts_t n, retry_predicate<Predicate> p = {}, retry_backoff<Backoff> b = {})
      : model_(std::forward<Mm>(m)), predicate_(std::move(p.predicate)), backoff_(std::move(b.function)),
        attempts_(n.count) {
    (void)detail::retry_diagnostic<offender>{};
  }
  template <class Mm>
    requires std::is_constructible_v<M, Mm&&>
  retry(Mm&& m, attempts_t n, retry_backoff<Backoff> b) : retry(std::forward<Mm>(m), n, retry_predicate<Predicate>{}, std::move(b)) {}

  /// m's answer on x, from the first attempt that does not throw; see the header comment.
  WEFT_INLINE output_type operator()(const input_type& x) const {
    return around(x, [this](const input_type& y) -> output_type { return detail::unwrap(model_)(y); });
  }

  /// operator()(x) handing per-call context ctx on to every attempt's call of the model
  /// (detail/call_context.hpp): retry adds no path segment; each attempt is one call of the model,
  /// so an observer hears of the model's stages once per attempt (a failed one ends in on_error).
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    return around(x, [&](const input_type& y) -> output_type {
      return detail::call_model(detail::unwrap(model_), y, ctx);
    });
  }

  /// Another tensor type or an expression, judged and bridged (checked) first: see weft/detail/entry.hpp.
  template <class X>
    requires detail::foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }

  /// The wrapper's own work around its model's call (weft/detail/wrapper.hpp): call(x), again while
  /// it throws and attempts remain. weft::answered uses it, so a retried fallback is retried.
  template <class X, class F>
  WEFT_INLINE decltype(auto) around(const X& x, F&& call) const {
    return detail::retry_loop(attempts_, predicate_, backoff_, [&]() -> decltype(auto) { return call(x); });
  }

  /// The wrapped model as stored.
  constexpr M& inner() noexcept { return model_; }
  constexpr const M& inner() const noexcept { return model_; }

  /// At most how many calls one call makes.
  constexpr std::size_t attempts() const noexcept { return attempts_; }

  /// The wrapped model's declared shapes, when it declares them.
  shape input_shape() const
    requires detail::declares_input_shape<detail::unwrap_t<M>>
  {
    return detail::unwrap(model_).input_shape();
  }
  auto output_shape() const
    requires requires(const detail::unwrap_t<M>& m) { m.output_shape(); }
  {
    return detail::unwrap(model_).output_shape();
  }

 private:
  [[no_unique_address]] M model_;
  [[no_unique_address]] Predicate predicate_;
  [[no_unique_address]] Backoff backoff_;
  std::size_t attempts_;
};

/// weft::retry(m, attempts(n)[, retry_if...][, backoff(f)]) stores a decayed copy of m.
template <class M>
retry(M&&, attempts_t) -> retry<std::decay_t<M>>;
template <class M, class P>
retry(M&&, attempts_t, retry_predicate<P>) -> retry<std::decay_t<M>, P>;
template <class M, class B>
retry(M&&, attempts_t, retry_backoff<B>) -> retry<std::decay_t<M>, detail::any_exception, B>;
template <class M, class P, class B>
retry(M&&, attempts_t, retry_predicate<P>, retry_backoff<B>) -> retry<std::decay_t<M>, P, B>;

}  // namespace weft

#endif  // WEFT_RETRY_HPP
