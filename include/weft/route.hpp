// SPDX-License-Identifier: BSL-1.0
// weft/route.hpp - weft::route: a gate chooses which experts answer (a mixture of experts).
//
// Contract:
//   weft::route([policy,] weft::top_k<K>, gate, expert0, expert1, ...) is a model of type
//   weft::route<top_k_t<K>, Gate, E0, E1, ...> (weft::route<par_t, top_k_t<K>, ...> with a policy);
//   weft::top1 is weft::top_k<1>. Its input_type is the gate's; every expert receives the same input
//   by const reference, bridged to its own input_type as in weft::ensemble. The gate must return a
//   rank-1 floating-point tensor, one probability per expert (its width is checked when the route is
//   built: at compile time when static, else as weft::shape_error at "route[gate]" on each call).
//   Every expert must return a tensor sharing expert 0's spec (same scalar, rank and extents; a dyn
//   extent meets a number and is checked at run time; layout and backend may differ). The output_type
//   O is expert 0's output type (its owning type when that is a view); another expert's output is
//   copied into an O.
//   A call runs the gate, then the K experts with the largest probabilities (ties to the lowest
//   index), most probable first, and no other expert. top1 returns the chosen expert's output as it
//   is. K > 1 returns the element-wise sum of w_i * y_i over the chosen experts, w_i = p_i / (the sum
//   of the K chosen p): for floating point, computed in double (or wider), most probable first, then
//   rounded to the scalar; for integers, as weft::weighted(p...) does (exact, truncated toward zero).
//   Every gate value must be finite and >= 0, and the K chosen must sum to more than 0: else
//   weft::gate_error at "route[gate]" (the expert, the value), and no expert runs: never a silently
//   chosen expert. The probabilities need not sum to 1.
//   weft::routed(r, x) returns weft::routing<O, K>{output, experts, weights}: the chosen experts'
//   indices, most probable first, and their weights w_i (top1: weight 1). r(x) returns the output
//   alone. Both see through wrappers (weft::named).
//   With weft::par (or weft::on(e)) the K chosen experts run concurrently (as ensemble's branches);
//   sequentially otherwise. Both give the same result, bit for bit (same order of summation).
//   Paths: the gate is "route[gate]", expert I "route[I]" (numbered as the gate's outputs), each with
//   its given name; a weft::error raised inside gains that segment; other exceptions pass unchanged
//   and the remaining experts do not run. Observed (weft/observe.hpp): each expert that runs is
//   reported as stage "route[I]" (under par, from the thread it runs on); the gate, like a reducer,
//   is not a stage and is not reported (its time is inside the route's own). weft::get<0>(r) is the
//   gate and weft::get<1 + I>(r) expert I (get counts the stored models in order). Nothing is
//   cached: a failed call changes no state.
//   Judged when built: a gate or expert that is not a model, an input that cannot reach an expert, a
//   gate output that is not a rank-1 floating-point tensor, a static gate width other than the number
//   of experts, K above the number of experts, an expert output that is not a tensor or does not share
//   expert 0's spec: each fails to compile with one error naming weft::detail::route_gate (or
//   route_expert<I>) and both specs (or numbers). Declared shapes: the constructor checks the experts'
//   declared inputs and outputs as ensemble does, and the gate's declared output width; each call
//   checks the input against every declared expert before the gate runs. route itself declares no
//   input_shape() or output_shape().
//   Calls are const and thread-safe when the gate's and the experts' calls are. Cost: the gate's output
//   and the chosen indices live on the caller's stack; top1 allocates nothing beyond what the chosen
//   expert's output needs (its output is returned in place); top_k<K> keeps K outputs and mixes them
//   into one new output (allocating only for dynamic extents). weft's layers are forced inline.
//   Example:  auto moe = weft::route(weft::top_k<2>, gate, expert_a, expert_b, expert_c);
//             auto [y, experts, weights] = weft::routed(moe, x);
#ifndef WEFT_ROUTE_HPP
#define WEFT_ROUTE_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "convert.hpp"
#include "detail/combinator.hpp"
#include "detail/config.hpp"
#include "detail/stage_as.hpp"
#include "detail/stages.hpp"
#include "detail/workspace_stage.hpp"
#include "ensemble.hpp"
#include "errors.hpp"
#include "execution.hpp"
#include "model.hpp"
#include "reducers.hpp"
#include "strict.hpp"
#include "tensor.hpp"

namespace weft {

/// Type of weft::top_k<K>: a route runs the K most probable experts. K >= 1.
template <std::size_t K>
  requires(K >= 1)
struct top_k_t {
  /// How many experts run per call.
  static constexpr std::size_t k = K;
  explicit top_k_t() = default;
};

/// A route runs the K most probable experts and mixes their outputs: weft::route(weft::top_k<2>, ...).
template <std::size_t K>
  requires(K >= 1)
inline constexpr top_k_t<K> top_k{};

/// A route runs the one most probable expert and returns its output: weft::top_k<1>.
inline constexpr top_k_t<1> top1{};

/// A gate's output cannot choose experts: a value that is negative, NaN or infinite, or K chosen
/// probabilities summing to 0. Thrown by weft::route at "route[gate]" before any expert runs.
class gate_error : public error_base<gate_error> {
 public:
  /// expert: the index of the offending value (for a zero sum: the most probable expert); value: it.
  gate_error(std::size_t expert, double value, std::string detail)
      : error_base("gate_error", std::move(detail)), expert_(expert), value_(value) {}
  /// Index of the gate value concerned (the expert it stands for).
  std::size_t expert() const noexcept { return expert_; }
  /// The value found (for a zero sum: the sum).
  double value() const noexcept { return value_; }

 private:
  std::size_t expert_;
  double value_;
};

/// What weft::routed returns: the route's output, the chosen experts (most probable first) and the
/// weight each was given (p_i / the chosen p's sum; 1 for top1).
template <class T, std::size_t K>
struct routing {
  /// The answer, as the route's output_type.
  T output;
  /// Indices of the experts that ran, most probable first (ties: lowest index first).
  std::array<std::size_t, K> experts;
  /// Weight of each chosen expert in the output, in the same order; they sum to 1.
  std::array<double, K> weights;
};

namespace detail {

/// O is what a gate must return: a rank-1 floating-point tensor.
template <class O>
inline constexpr bool probabilities_v = [] {
  if constexpr (tensor<O>) return rank_v<O> == 1 && std::is_floating_point_v<scalar_t<O>>;
  else return false;
}();

/// The static width of a gate output O (dyn when it is dynamic or O is no probabilities tensor).
template <class O>
inline constexpr std::ptrdiff_t gate_width_v = [] {
  if constexpr (probabilities_v<O>) return tensor_traits<O>::extents_type::values[0];
  else return dyn;
}();

/// The judgement of route<top_k_t<K>, G, E...>, in order: the gate a model, the experts and their
/// inputs (as ensemble's branches), the gate's output, its width, K, every expert output a tensor
/// sharing expert 0's spec. `which` is the first check that fails (7 when none).
template <std::size_t K, class G, class... E>
struct route_judgement {
  static constexpr std::size_t n = sizeof...(E);
  using input = typename io_or_none<G>::input_type;
  using gate_output = owned_t<typename io_or_none<G>::output_type>;
  using result = typename ensemble_result<typename io_or_none<nth_t<0, E...>>::output_type>::type;
  using experts = branch_judgement<route_expert, input, E...>;
  static constexpr bool gate_model = model<G> && !is_broken_v<G>;
  static constexpr std::size_t bad_output = [] {
    if constexpr (!experts::ok) return n;
    else return first_non_tensor_output<E...>();
  }();
  static constexpr std::size_t bad_spec = [] {
    if constexpr (!experts::ok || bad_output < n) return n;
    else return first_other_spec<result, E...>();
  }();
  static constexpr int which = is_broken_v<G> ? -1
                               : !gate_model ? 0
                               : !experts::ok ? 1
                               : !probabilities_v<gate_output> ? 2
                               : gate_width_v<gate_output> != dyn && gate_width_v<gate_output> != std::ptrdiff_t(n) ? 3
                               : K > n ? 4
                               : bad_output < n ? 5
                               : bad_spec < n ? 6
                               : 7;
  static constexpr bool ok = which == 7;
};

template <int Which, class J, std::size_t K, class G, class... E>
struct route_diagnostic_select {
  using type = no_diagnostic;
};
template <class J, std::size_t K, class G, class... E>
struct route_diagnostic_select<0, J, K, G, E...> {
  using type = not_model_diagnostic<route_gate, G>;
};
template <class J, std::size_t K, class G, class... E>
struct route_diagnostic_select<1, J, K, G, E...> {
  using type = typename J::experts::diagnostic;
};
template <class J, std::size_t K, class G, class... E>
struct route_diagnostic_select<2, J, K, G, E...> {
  using type = route_gate_not_probabilities<route_gate, typename output_spec<typename J::gate_output>::type>;
};
template <class J, std::size_t K, class G, class... E>
struct route_diagnostic_select<3, J, K, G, E...> {
  using type = route_gate_width_mismatch<route_gate, gate_width<gate_width_v<typename J::gate_output>>, expert_count<J::n>>;
};
template <class J, std::size_t K, class G, class... E>
struct route_diagnostic_select<4, J, K, G, E...> {
  using type = route_top_k_exceeds_experts<route_gate, top_k_count<K>, expert_count<J::n>>;
};
template <class J, std::size_t K, class G, class... E>
struct route_diagnostic_select<5, J, K, G, E...> {
  using type = route_output_not_tensor<route_expert<J::bad_output>, typename output_spec<output_t<nth_t<J::bad_output, E...>>>::type>;
};
template <class J, std::size_t K, class G, class... E>
struct route_diagnostic_select<6, J, K, G, E...> {
  using type = route_outputs_differ<route_expert<J::bad_spec>, spec_t<typename J::result>, spec_t<output_t<nth_t<J::bad_spec, E...>>>>;
};

/// The one diagnostic for the first mistake in a route (no_diagnostic when none).
template <std::size_t K, class G, class... E>
using route_diagnostic =
    typename route_diagnostic_select<route_judgement<K, G, E...>::which, route_judgement<K, G, E...>, K, G, E...>::type;

/// The experts of a route, seen as a branch combinator (stored<I>() is expert I) by the shared shape
/// checks of detail/shape_checks.hpp.
template <class Boxes>
struct route_experts {
  const Boxes& boxes;
  static constexpr std::string_view combinator_name = "route";
  template <std::size_t I>
  WEFT_INLINE const auto& stored() const noexcept {
    return box_get<I>(boxes);
  }
};

/// The gate's path segment: "route[gate]", with the gate's given name.
inline std::string gate_segment(std::string_view name) {
  std::string s = "route[gate]";
  if (!name.empty()) {
    s += " \"";
    s += name;
    s += '"';
  }
  return s;
}

/// rethrow_with_segment (detail/combinator.hpp) for the gate's segment. Must be called from the
/// handler that caught e.
[[noreturn, gnu::cold, gnu::noinline]] inline void rethrow_from_gate(const error& e, std::string_view name) {
  std::exception_ptr longer;
  try {
    longer = e.with_outer(gate_segment(name));
  } catch (...) {
    longer = nullptr;  // no memory for the longer path: the error itself is what matters
  }
  if (longer) std::rethrow_exception(longer);
  throw;
}

inline std::string probability_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_bad_probability(std::size_t expert, double value,
                                                                         std::string_view name) {
  gate_error e(expert, value,
               "expected a finite probability >= 0 for every expert, got " + probability_text(value) + " for expert " +
                   std::to_string(expert));
  e.add_outer(gate_segment(name));
  throw e;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_zero_sum(std::size_t first, std::size_t k, double sum,
                                                                  std::string_view name) {
  gate_error e(first, sum,
               "expected the " + std::to_string(k) + " most probable experts' probabilities to sum to more than 0, got " +
                   probability_text(sum));
  e.add_outer(gate_segment(name));
  throw e;
}

template <class G>
[[noreturn, gnu::cold, gnu::noinline]] void throw_gate_width(const G& g, std::size_t experts, std::string_view name) {
  shape_error e(spec_name<G>(shape{std::ptrdiff_t(experts)}), actual_spec_name<G>(tensor_traits<G>::extents_of(g)));
  e.add_outer(gate_segment(name));
  throw e;
}

template <class O>
[[noreturn, gnu::cold, gnu::noinline]] void throw_expert_mismatch(const O& first, const O& other, std::size_t expert,
                                                                  std::string_view name) {
  shape_error e(actual_spec_name<O>(tensor_traits<O>::extents_of(first)),
                actual_spec_name<O>(tensor_traits<O>::extents_of(other)));
  e.add_outer(segment("route", expert, name));
  throw e;
}

/// The K most probable of the n gate values d[0..n), most probable first (ties: lowest index
/// first), into chosen[0..K) with their values p[0..K); throws gate_error for a value that is
/// negative, NaN or infinite. Count: K, a std::integral_constant for weft::route, a std::size_t for
/// weft/config's route (one code for both).
template <class S, class Chosen, class P, class Count>
WEFT_INLINE void choose_top(const S* d, std::size_t n, Chosen& chosen, P& p, Count K, std::string_view name) {
  if (K == 1) {  // the first of the largest
    chosen[0] = 0;
    p[0] = -1.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = static_cast<double>(d[i]);
      if (!(v >= 0.0) || !std::isfinite(v)) throw_bad_probability(i, v, name);
      if (v > p[0]) {
        p[0] = v;
        chosen[0] = i;
      }
    }
    return;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(d[i]);
    if (!(v >= 0.0) || !std::isfinite(v)) throw_bad_probability(i, v, name);
    std::size_t j = kept;
    while (j > 0 && p[j - 1] < v) --j;  // an equal value stays behind: the lower index first
    if (j >= K) continue;
    for (std::size_t m = kept < K ? kept : K - 1; m > j; --m) {
      p[m] = p[m - 1];
      chosen[m] = chosen[m - 1];
    }
    p[j] = v;
    chosen[j] = i;
    if (kept < K) ++kept;
  }
}

/// The K most probable of the n values of gate output g: choose_top over g's elements.
template <std::size_t K, class G>
WEFT_INLINE void choose_experts(const G& g, std::size_t n, std::array<std::size_t, K>& chosen, std::array<double, K>& p,
                                std::string_view name) {
  choose_top(tensor_traits<G>::data(g), n, chosen, p, std::integral_constant<std::size_t, K>{}, name);
}

/// The chosen experts' weights w[i] = p[i] / (p's sum); throws gate_error when that sum is not
/// finite and above 0.
template <class Count>
WEFT_INLINE void expert_weights(const double* p, const std::size_t* chosen, double* w, Count K, std::string_view name) {
  double sum = 0.0;
  for (std::size_t k = 0; k < K; ++k) sum += p[k];
  if (!(sum > 0.0) || !std::isfinite(sum)) throw_zero_sum(chosen[0], K, sum, name);
  for (std::size_t k = 0; k < K; ++k) w[k] = p[k] / sum;
}

/// Floating point: d[e] = w[0] * y[0][e] + ... + w[K-1] * y[K-1][e] in double (or wider), most
/// probable first: a convex combination, so finite outputs give a finite result.
template <class S, class Count>
WEFT_INLINE void mix_into(S* d, const S* const* y, const double* w, Count K, std::ptrdiff_t count) {
  using A = std::common_type_t<S, double>;
  for (std::ptrdiff_t k = 0; k < count; ++k) {
    A acc = A(w[0]) * A(y[0][k]);
    for (std::size_t i = 1; i < K; ++i) acc += A(w[i]) * A(y[i][k]);
    d[k] = static_cast<S>(acc);
  }
}

/// Everything of route except its name; Policy is sequential_t, par_t or on_t<E>.
template <class Policy, class... X>
class route_base;

template <class Policy, std::size_t K, class Gate, class... Experts>
class route_base<Policy, top_k_t<K>, Gate, Experts...> {
  using judgement = route_judgement<K, Gate, Experts...>;
  using boxes_type = stage_boxes<std::index_sequence_for<Experts...>, Experts...>;
  using gate_output = typename judgement::gate_output;
  static constexpr std::size_t n = sizeof...(Experts);

 public:
  /// The gate's input type; every expert receives it.
  using input_type = typename io_or_none<Gate>::input_type;
  /// Expert 0's output type (its owning type when that is a view).
  using output_type = typename judgement::result;
  /// Number of experts.
  static constexpr std::size_t expert_count = n;
  /// How many experts run per call.
  static constexpr std::size_t top_k = K;
  /// Name shown in error paths and descriptions.
  static constexpr std::string_view combinator_name = "route";

  /// The route's one diagnostic (weft::route instantiates it; no_diagnostic when well formed).
  using diagnostic = route_diagnostic<K, Gate, Experts...>;

  /// Stores the policy, the gate and the experts; weft::route judges them.
  template <class G, class... A>
  route_base(Policy policy, top_k_t<K>, G&& gate, A&&... experts)
      : policy_(policy), gate_(std::forward<G>(gate)), boxes_(std::forward<A>(experts)...) {}

  /// Runs the gate, then the chosen experts; see the header comment.
  WEFT_INLINE output_type operator()(const input_type& x) const { return call_in_context(x, no_context{}); }

  /// operator()(x) with per-call context ctx handed to each chosen expert's call
  /// (detail/call_context.hpp): an observer sees "route[I]" per expert that runs, not the gate.
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    if constexpr (judgement::ok) {
      std::array<std::size_t, K> chosen;
      std::array<double, K> weights;
      return run(x, chosen, weights, ctx);
    } else {
      std::abort();  // unreachable: a mis-wired route failed to compile where it was built
    }
  }

  /// Another tensor type or an expression, judged and bridged (checked) first: see weft/detail/entry.hpp.
  template <class Y>
    requires foreign_argument<Y, input_type>
  WEFT_INLINE output_type operator()(const Y& y, entry_diagnostic<Y, input_type> = {}) const {
    return enter(*this, y);
  }

  /// Load-time validation: the experts' declared inputs agree, their declared outputs share expert 0's
  /// extents (shape_error at "route[I]"), and a declared gate output has one value per expert
  /// (shape_error at "route[gate]").
  void check_shapes() const {
    if constexpr (judgement::ok) {
      check_branch_inputs<input_type, Experts...>(experts());
      check_branch_outputs<Experts...>(experts());
      if constexpr (output_declared<Gate>) {
        const std::optional<shape> g = known_output(gate_);
        if (g && g->rank() == 1 && (*g)[0] != dyn && (*g)[0] != std::ptrdiff_t(n)) {
          shape_error e(spec_name<gate_output>(shape{std::ptrdiff_t(n)}), spec_name<gate_output>(*g));
          e.add_outer(gate_segment(model_traits<Gate>::given_name(unwrap(gate_))));
          throw e;
        }
      }
    }
  }

  /// Stored model I: 0 is the gate, 1 + i expert i (a std::reference_wrapper when given as std::ref).
  template <std::size_t I> constexpr auto& stored() & noexcept {
    if constexpr (I == 0) return gate_;
    else return box_get<I - 1>(boxes_);
  }
  template <std::size_t I> constexpr const auto& stored() const& noexcept {
    if constexpr (I == 0) return gate_;
    else return box_get<I - 1>(boxes_);
  }
  template <std::size_t I> constexpr auto&& stored() && noexcept {
    if constexpr (I == 0) return std::move(gate_);
    else return box_get<I - 1>(std::move(boxes_));
  }

  /// What a workspace keeps for this route (weft/workspace.hpp): the gate's output, the gate's and
  /// each expert's workspaces.
  struct workspace_state {
    gate_output gate;
    workspace<unwrap_t<Gate>> gate_inner;
    branch_workspaces<Experts...> experts;
  };

  /// operator()(x) with a workspace ws (weft/workspace.hpp): the gate's output kept in ws, and with
  /// top_k<1> the chosen expert writing its answer into out (any extents on entry) with its own
  /// workspace; with top_k > 1 the experts' outputs are mixed as operator()(x) does (allocating as it
  /// does) and the answer moved into out. Answers and errors are operator()'s.
  template <class W>
  WEFT_INLINE void call_with_workspace(const input_type& x, output_type& out, W& ws) const {
    if constexpr (!judgement::ok) {
      std::abort();  // unreachable: a mis-wired route failed to compile where it was built
    } else if constexpr (K == 1) {
      // run's steps (written out: the plain call's code stays as it is), the gate and the expert into ws
      auto& st = ws.state();
      check_branch_entries<Experts...>(experts(), x);
      gate_into(x, st);
      const gate_output& g = st.gate;
      const std::string_view gate_name = model_traits<Gate>::given_name(unwrap(gate_));
      if constexpr (gate_width_v<gate_output> == dyn) {
        if (tensor_traits<gate_output>::extents_of(g)[0] != std::ptrdiff_t(n)) throw_gate_width(g, n, gate_name);
      }
      std::array<std::size_t, K> chosen;
      std::array<double, K> p;
      std::array<double, K> weights;
      choose_experts<K>(g, n, chosen, p, gate_name);
      expert_weights(p.data(), chosen.data(), weights.data(), std::integral_constant<std::size_t, K>{}, gate_name);
      expert_into<0>(chosen[0], x, out, st.experts);
    } else {
      (void)ws;
      out = call_in_context(x, no_context{});
    }
  }

  /// The answer, with the chosen experts and their weights (weft::routed); ctx is handed to each
  /// chosen expert's call.
  template <class Ctx = no_context>
  WEFT_INLINE output_type run(const input_type& x, std::array<std::size_t, K>& chosen, std::array<double, K>& weights,
                              const Ctx& ctx = Ctx{}) const {
    check_branch_entries<Experts...>(experts(), x);
    const gate_output g = run_gate(x);
    const std::string_view gate_name = model_traits<Gate>::given_name(unwrap(gate_));
    if constexpr (gate_width_v<gate_output> == dyn) {
      if (tensor_traits<gate_output>::extents_of(g)[0] != std::ptrdiff_t(n)) throw_gate_width(g, n, gate_name);
    }
    std::array<double, K> p;
    choose_experts<K>(g, n, chosen, p, gate_name);
    expert_weights(p.data(), chosen.data(), weights.data(), std::integral_constant<std::size_t, K>{}, gate_name);
    if constexpr (K == 1) return call_expert<0>(chosen[0], x, ctx);
    else return mix(x, chosen, p, weights, ctx, std::make_index_sequence<K>{});
  }

 private:
  WEFT_INLINE route_experts<boxes_type> experts() const noexcept { return {boxes_}; }

  WEFT_INLINE gate_output run_gate(const input_type& x) const {
    const auto& m = unwrap(gate_);
    try {
      check_entry(m, x);
      if constexpr (materialised_v<output_t<Gate>>) {
        const output_t<Gate> view = m(x);
        return materialise(view);
      } else {
        return m(x);
      }
    } catch (const error& e) {
      rethrow_from_gate(e, model_traits<Gate>::given_name(m));
    }
  }

  // run_gate with the gate's output in st.gate (written into it when the gate can).
  template <class State>
  WEFT_INLINE void gate_into(const input_type& x, State& st) const {
    if constexpr (std::is_same_v<owned_t<output_t<Gate>>, gate_output> && writes_answer_into<unwrap_t<Gate>>()) {
      const auto& m = unwrap(gate_);
      try {
        check_entry(m, x);
        run_into(m, x, st.gate, st.gate_inner);
      } catch (const error& e) {
        rethrow_from_gate(e, model_traits<Gate>::given_name(m));
      }
    } else {
      st.gate = run_gate(x);
    }
  }

  // call_expert with the answer in out and expert i's workspace.
  template <std::size_t I, class Workspaces>
  WEFT_INLINE void expert_into(std::size_t i, const input_type& x, output_type& out, Workspaces& ws) const {
    if constexpr (I + 1 < n) {
      if (i != I) return expert_into<I + 1>(i, x, out, ws);
    }
    invoke_stage_as_into(box_get<I>(boxes_), x, out, std::get<I>(ws), combinator_name, I);
  }

  // Expert i's output as an output_type (returned in place: one prvalue down the chain).
  template <std::size_t I, class Ctx>
  WEFT_INLINE output_type call_expert(std::size_t i, const input_type& x, const Ctx& ctx) const {
    if constexpr (I + 1 < n) {
      if (i != I) return call_expert<I + 1>(i, x, ctx);
    }
    return invoke_stage_as<output_type>(box_get<I>(boxes_), x, combinator_name, I, ctx);
  }

  template <std::size_t>
  using each_output = output_type;

  template <class Ctx, std::size_t... J>
  WEFT_INLINE output_type mix(const input_type& x, const std::array<std::size_t, K>& chosen, const std::array<double, K>& p,
                              const std::array<double, K>& w, const Ctx& ctx, std::index_sequence<J...>) const {
    if constexpr (!is_parallel<Policy>::value) {
      // braced initialisation runs the experts in order, most probable first
      const ensemble_values<std::index_sequence<J...>, each_output<J>...> values{
          {call_expert<0>(chosen[J], x, ctx)}...};
      return reduce(values, chosen, p, w, std::index_sequence<J...>{});
    } else {
      std::array<std::optional<output_type>, K> results;
      auto expert = [&](std::size_t k) { results[k].emplace(call_expert<0>(chosen[k], x, ctx)); };
      run_branches<K>(policy_, expert);
      const ensemble_values<std::index_sequence<J...>, const each_output<J>&...> values{{*results[J]}...};
      return reduce(values, chosen, p, w, std::index_sequence<J...>{});
    }
  }

  // Floating point: out[k] = w_0 * y_0[k] + ... + w_K-1 * y_K-1[k] in double (or wider), w_i = p_i / sum,
  // most probable first: a convex combination, so finite outputs give a finite result. Integers:
  // weft::weighted over p (exact in long double, truncated toward zero).
  template <class Values, std::size_t... J>
  WEFT_INLINE output_type reduce(const Values& values, const std::array<std::size_t, K>& chosen,
                                 const std::array<double, K>& p, const std::array<double, K>& w,
                                 std::index_sequence<J...>) const {
    const output_type& first = value_get<0>(values);
    if constexpr (!reduction::fully_static<output_type>) {
      (void)((J == 0 || reduction::same_extents(first, value_get<J>(values)) ||
              (throw_expert_mismatch(first, value_get<J>(values), chosen[J], expert_name(chosen[J])), false)) &&
             ...);
    }
    using S = scalar_t<output_type>;
    if constexpr (std::is_floating_point_v<S>) {
      using tr = tensor_traits<output_type>;
      output_type out = reduction::make_like(first);
      const std::array<const S*, K> y{tr::data(value_get<J>(values))...};
      mix_into(tr::data(out), y.data(), w.data(), std::integral_constant<std::size_t, K>{}, reduction::element_count(first));
      return out;
    } else {
      return weighted_t<K>(p)(value_get<J>(values)...);
    }
  }

  std::string_view expert_name(std::size_t i) const noexcept {
    std::string_view name;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((i == I ? (void)(name = given_name_of(box_get<I>(boxes_))) : (void)0), ...);
    }(std::index_sequence_for<Experts...>{});
    return name;
  }

  [[no_unique_address]] Policy policy_{};
  [[no_unique_address]] Gate gate_;
  [[no_unique_address]] boxes_type boxes_;
};

}  // namespace detail

/// A gate choosing experts; see the header comment. Built by weft::route(top_k, gate, experts...);
/// a leading policy (weft::par, weft::on(e)) runs the chosen experts concurrently.
template <class... X>
class route : public detail::policy_split<X...>::template base<detail::route_base> {
  using split = detail::policy_split<X...>;
  using base = typename split::template base<detail::route_base>;

 public:
  /// Stores the gate and the experts (each taken by value; pass std::ref(m) to borrow) and judges the
  /// route at compile time; throws shape_error when declared shapes disagree (see check_shapes).
  route(X... args)
    requires(sizeof...(X) > (detail::is_policy_v<typename detail::front<X...>::type> ? 3 : 2))
      : base(make_base(std::move(args)...)) {
    (void)typename base::diagnostic{};
    base::check_shapes();
  }

 private:
  static base make_base(X&&... args) {
    if constexpr (std::is_same_v<typename split::policy, sequential_t> &&
                  !detail::is_policy_v<typename detail::front<X...>::type>)
      return base(sequential_t{}, std::move(args)...);
    else return base(std::move(args)...);
  }
};

namespace detail {

template <class T> struct is_route : std::false_type {};
template <class... X> struct is_route<route<X...>> : std::true_type {};
/// T is a weft::route.
template <class T>
concept any_route = is_route<std::remove_cvref_t<T>>::value;

}  // namespace detail

/// The answer of route r on x, with the experts that ran and their weights:
/// `auto [y, experts, weights] = weft::routed(r, x);`. Throws what r(x) throws. r may be a wrapper of
/// a route (weft::named(...)): routed sees through it, doing the wrapper's own work around the call.
template <class R>
  requires detail::any_route<detail::see_through_t<R>>
WEFT_INLINE auto routed(const R& r, const typename R::input_type& x)
    -> routing<typename R::output_type, detail::see_through_t<R>::top_k> {
  if constexpr (detail::any_route<R>) {
    routing<typename R::output_type, R::top_k> answer{.output = {}, .experts = {}, .weights = {}};
    answer.output = r.run(x, answer.experts, answer.weights);
    return answer;
  } else {
    return detail::call_inner(r, x, [](const auto& inner, const auto& y) { return routed(inner, y); });
  }
}

namespace detail {

template <std::size_t I, class In, class O, class... E>
struct route_expert_copy {
  using expert = nth_t<I, E...>;
  using into = copy_link_t<route_expert<I>, const In, input_t<expert>>;
  using inside = typename implicit_copy<unwrap_t<expert>>::type;
  using out = std::conditional_t<std::is_same_v<owned_t<output_t<expert>>, O>, void, link<route_expert<I>, output_t<expert>, O>>;
  using type = typename first_non_void<into, inside, out>::type;
};
template <class Seq, class In, class O, class G, class... E> struct route_copies;
template <std::size_t... I, class In, class O, class G, class... E>
struct route_copies<std::index_sequence<I...>, In, O, G, E...> {
  using type = typename first_non_void<typename implicit_copy<unwrap_t<G>>::type,
                                       typename route_expert_copy<I, In, O, E...>::type...>::type;
};

/// The first implicit copy in a route: inside the gate, then per expert its input bridge, inside it,
/// and its output becoming the route's output type (a copy when the types differ). Mixing top_k's
/// outputs is the route's own work, not an implicit copy.
template <class P, std::size_t K, class G, class... E>
struct implicit_copy<route_base<P, top_k_t<K>, G, E...>> {
  using type = typename route_copies<std::index_sequence_for<E...>, input_t<route_base<P, top_k_t<K>, G, E...>>,
                                     output_t<route_base<P, top_k_t<K>, G, E...>>, G, E...>::type;
};
template <class... X>
struct implicit_copy<route<X...>> : implicit_copy<typename policy_split<X...>::template base<route_base>> {};

}  // namespace detail
}  // namespace weft

#endif  // WEFT_ROUTE_HPP
