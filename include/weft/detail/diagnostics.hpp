// SPDX-License-Identifier: BSL-1.0
// weft/detail/diagnostics.hpp - internal: every compile-time diagnostic weft emits, in one place.
//
// Contract: one class template per diagnostic. Instantiating it fails with a static_assert whose
// message starts with "weft:" and says the remedy; its template arguments carry WHERE (the
// combinator and stage, e.g. weft::detail::sequence_stage<2>) and the specs involved as short types
// (weft::f32<4>), so that both compilers print them within the first lines. Combinators instantiate
// at most one of these per mistake and then substitute a harmless type (one mistake, one error).
// docs/diagnostics.md has a row for each, with its compile-fail test.
#ifndef WEFT_DETAIL_DIAGNOSTICS_HPP
#define WEFT_DETAIL_DIAGNOSTICS_HPP

#include <cstddef>

namespace weft::detail {

/// Always false, but dependent on its arguments: clang prints them on the first error line.
template <class...>
inline constexpr bool never = false;

/// WHERE: stage I of a sequence (the stage receiving the value).
template <std::size_t I>
struct sequence_stage {};

/// WHERE: branch I of a fan_out.
template <std::size_t I>
struct fan_out_branch {};

/// WHERE: branch I of an ensemble.
template <std::size_t I>
struct ensemble_branch {};

/// WHERE: branch I of a fallback.
template <std::size_t I>
struct fallback_branch {};

// ---------------------------------------------------------------------------------------------
// READ THIS IF YOUR COMPILE BREAKS HERE: the first template argument says where the mistake is,
// the others what met there. The message says how to fix it.
// ---------------------------------------------------------------------------------------------

template <class Where, class From, class To>
struct scalar_mismatch {
  static_assert(never<Where, From, To>,
                "weft: the scalar type arriving at this stage differs from its input_type's; "
                "insert weft::cast<T> before it");
};

template <class Where, class From, class To>
struct rank_mismatch {
  static_assert(never<Where, From, To>,
                "weft: the rank arriving at this stage differs from its input_type's; "
                "insert weft::reshape<N...> before it");
};

template <class Where, class From, class To>
struct extent_mismatch {
  static_assert(never<Where, From, To>,
                "weft: a static extent arriving at this stage differs from its input_type's; "
                "fix the models' sizes or insert weft::reshape<N...> before it");
};

template <class Where, class From, class To>
struct value_not_tensor {
  static_assert(never<Where, From, To>,
                "weft: the value arriving at this stage is not the tensor its input_type asks for (a "
                "fan_out's tuple?); join a fan_out's outputs with weft::concat first");
};

template <class Where, class From, class To>
struct strided_view_input {
  static_assert(never<Where, From, To>,
                "weft: a stage's input_type is a strided view that weft cannot point at dense memory; "
                "declare a dense input_type (a plain tensor, a Map without strides, or a const Ref)");
};

template <class Where, class Stage>
struct not_a_model {
  static_assert(never<Where, Stage>,
                "weft: this stage is not a weft::model; a model declares input_type and output_type "
                "(weft tensors) and a const call operator taking const input_type&");
};

template <class Where, class Stage>
struct eigen_header_missing {
  static_assert(never<Where, Stage>,
                "weft: this stage uses an Eigen type, but weft's Eigen support is not included; "
                "#include <weft/eigen.hpp>");
};

template <class Where, class Stage>
struct xtensor_header_missing {
  static_assert(never<Where, Stage>,
                "weft: this stage uses an xtensor type, but weft's xtensor support is not included; "
                "#include <weft/xtensor.hpp>");
};

template <class Where, class Value>
struct not_a_tensor {
  static_assert(never<Where, Value>,
                "weft: this adapter takes a tensor, and the output on its left is not one");
};

template <class Adapter>
struct adapter_starts_pipeline {
  static_assert(never<Adapter>,
                "weft: an adapter cannot start a pipeline: it binds to the output of the model on "
                "its left; write model | adapter");
};

template <class Where, class Stage>
struct stage_may_decline {
  static_assert(never<Where, Stage>,
                "weft: a stage that may decline (returns std::optional) can only end a sequence; "
                "wrap it in weft::fallback to give the next stage a value");
};

template <class Where, class From, class To>
struct implicit_copy_under_strict {
  static_assert(never<Where, From, To>,
                "weft: strict: this connection copies (other backend container, layout or a view "
                "over non-dense memory); make the specs match for a view, or drop weft::strict");
};

template <class Where, class View>
struct view_output_under_strict {
  static_assert(never<Where, View>,
                "weft: strict: this stage's output_type is a view, which weft copies into its owning "
                "type (a view of the stage's input would dangle); return an owning type, or drop weft::strict");
};

template <class Where, class From, class To>
struct reshape_size_mismatch {
  static_assert(never<Where, From, To>,
                "weft: reshape: the element counts differ; reshape keeps every element");
};

template <class Where, class From, class To>
struct reshape_rank_unsupported {
  static_assert(never<Where, From, To>,
                "weft: reshape: Eigen holds ranks 1 and 2 only; reshape to rank 1 or 2, or use xtensor");
};

// --- reported at the user's call ---------------------------------------------------------------
// These are the type of a defaulted parameter of the overload that diagnoses a misuse, so that the
// error points at the user's call. On g++ (12 and later) their constructor is [[gnu::unavailable]]:
// the message is on the first error line, at the user's line (a static_assert would come after the
// include chain and the instantiation context). Elsewhere (clang) a static_assert, which clang prints
// first, after the include chain.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#define WEFT_DETAIL_AT_CALL 1
#define WEFT_DETAIL_UNAVAILABLE(message) [[gnu::unavailable(message)]]
#else
#define WEFT_DETAIL_AT_CALL 0
#define WEFT_DETAIL_UNAVAILABLE(message)
#endif

#define WEFT_DETAIL_FN_CANNOT_DEDUCE                                                                  \
  "weft: fn: cannot deduce input and output types from a generic (auto) lambda or an overloaded " \
  "callable; write weft::fn<In, Out>(f), or give it a typed parameter and return type"
template <class Callable>
struct fn_cannot_deduce_types {
  WEFT_DETAIL_UNAVAILABLE(WEFT_DETAIL_FN_CANNOT_DEDUCE)
  constexpr fn_cannot_deduce_types() noexcept {}  // weft::fn<In, Out>(f) names the types
#if !WEFT_DETAIL_AT_CALL
  static_assert(never<Callable>, WEFT_DETAIL_FN_CANNOT_DEDUCE);
#endif
};

#define WEFT_DETAIL_ARGUMENT_CANNOT_CONNECT                                                          \
  "weft: this argument cannot reach the pipeline's input spec (scalar, rank or a static extent "  \
  "differs); pass its input_type, or convert first (.cast<T>(), weft::cast, a reshape)"
/// A pipeline called with Argument (its spec), which cannot reach its input spec Input.
template <class Where, class Argument, class Input>
struct argument_cannot_connect {
  WEFT_DETAIL_UNAVAILABLE(WEFT_DETAIL_ARGUMENT_CANNOT_CONNECT)
  constexpr argument_cannot_connect() noexcept {}  // pass the pipeline's input_type, or convert first
#if !WEFT_DETAIL_AT_CALL
  static_assert(never<Where, Argument, Input>, WEFT_DETAIL_ARGUMENT_CANNOT_CONNECT);
#endif
};

#undef WEFT_DETAIL_ARGUMENT_CANNOT_CONNECT
#undef WEFT_DETAIL_FN_CANNOT_DEDUCE
#undef WEFT_DETAIL_AT_CALL
#undef WEFT_DETAIL_UNAVAILABLE

// --- fan_out ----------------------------------------------------------------------------------

// --- ensemble and its reducers -----------------------------------------------------------------

/// WHERE: the reducer of an ensemble.
struct ensemble_reducer {};

/// WITH: a number of weights given to weft::weighted.
template <std::size_t K>
struct weight_count {};

/// WITH: a number of branches.
template <std::size_t N>
struct branch_count {};

template <class Where, class First, class Output>
struct ensemble_outputs_differ {
  static_assert(never<Where, First, Output>,
                "weft: ensemble: this branch's output spec differs from the first branch's (every output "
                "must share one spec); insert weft::cast<T> or weft::reshape<N...> after this branch");
};

template <class Where, class Output>
struct ensemble_output_not_tensor {
  static_assert(never<Where, Output>,
                "weft: ensemble: this branch returns a std::optional or a std::tuple, not a tensor; make it "
                "return a tensor (wrap a branch that may decline in weft::fallback)");
};

template <class Where, class Given, class Branches>
struct weights_count_mismatch {
  static_assert(never<Where, Given, Branches>,
                "weft: ensemble: weft::weighted(w...) needs exactly one weight per branch; "
                "give as many weights as branches");
};

template <class Where, class Output>
struct vote_needs_floating_point {
  static_assert(never<Where, Output>,
                "weft: ensemble: weft::vote writes vote shares (count / N) and needs a floating-point "
                "scalar; insert weft::cast<float> after each branch");
};

template <class Where, class Output, class Branches, class Reducer>
struct reducer_not_callable {
  static_assert(never<Where, Output, Branches, Reducer>,
                "weft: ensemble: the reducer cannot be called (const) as reducer(const O&...) with one O per "
                "branch, O the first branch's output type, returning an O; fix its signature");
};

// --- fallback and its conditions ---------------------------------------------------------------

/// WHERE: condition K of a fallback (the K-th .when, from 0).
template <std::size_t K>
struct fallback_condition {};

template <class Where, class From, class To>
struct fallback_output_mismatch {
  static_assert(never<Where, From, To>,
                "weft: fallback: this branch's output cannot become the fallback's output (the first "
                "branch's output type, std::optional unwrapped); end the branch with weft::cast<T> or "
                "weft::reshape<N...>, or make the outputs match");
};

template <class Where, class Output, class Condition>
struct condition_cannot_take_output {
  static_assert(never<Where, Output, Condition>,
                "weft: fallback: this condition cannot be called on the fallback's output; a condition "
                "takes the output (const output_type&, or a tensor type it connects to) and returns "
                "bool, true to move on to the next branch");
};

// --- adapters (concat, softmax, argmax, normalize, check_finite) and batched --------------------

/// WITH: part I of a concat (the output of branch I of the fan_out on its left).
template <std::size_t I>
struct concat_part {};

/// WHERE: the samples of a weft::batched, on their way into or out of the model it lifts.
struct batched_sample {};

template <class Where, class Value>
struct concat_not_a_tuple {
  static_assert(never<Where, Value>,
                "weft: concat: joins the std::tuple of rank-1 tensors that a weft::fan_out returns; "
                "write weft::fan_out(a, b) | weft::concat");
};

template <class Where, class Part, class Spec>
struct concat_part_not_rank1 {
  static_assert(never<Where, Part, Spec>,
                "weft: concat: every part must be a rank-1 tensor (an xt::xarray is not); "
                "end that branch with weft::reshape<N>");
};

template <class Where, class Part, class First, class Spec>
struct concat_scalar_mismatch {
  static_assert(never<Where, Part, First, Spec>,
                "weft: concat: this part's scalar type differs from the first part's; "
                "end that branch with weft::cast<T>");
};

template <class Where, class Adapter, class Spec>
struct adapter_needs_rank1 {
  static_assert(never<Where, Adapter, Spec>,
                "weft: this adapter takes a rank-1 tensor; apply it per sample inside "
                "weft::batched(model | adapter), or insert weft::reshape<N> before it");
};

template <class Where, class Adapter, class Spec>
struct adapter_needs_floating_point {
  static_assert(never<Where, Adapter, Spec>,
                "weft: this adapter takes floating-point values; insert weft::cast<float> before it");
};

template <class Where, class Spec>
struct batched_rank_unsupported {
  static_assert(never<Where, Spec>,
                "weft: batched: cannot batch this spec: Eigen batches rank-1 samples only (one per column), "
                "xtensor ranks up to 7; give the model vector input and output types, or use xtensor");
};

template <class Where, class Output>
struct batched_output_not_tensor {
  static_assert(never<Where, Output>,
                "weft: batched: the model must return a tensor (not a std::optional or std::tuple) "
                "to be batched");
};

// --- route and when -----------------------------------------------------------------------------

/// WHERE: the gate of a weft::route.
struct route_gate {};

/// WHERE: expert I of a weft::route.
template <std::size_t I>
struct route_expert {};

/// WHERE: branch I of a weft::when (0: then_model, 1: else_model).
template <std::size_t I>
struct when_branch {};

/// WHERE: the predicate of a weft::when.
struct when_predicate {};

/// WITH: the static width of a gate's output (one probability per expert).
template <std::ptrdiff_t W>
struct gate_width {};

/// WITH: the number of experts a route has.
template <std::size_t N>
struct expert_count {};

/// WITH: the K of weft::top_k<K>.
template <std::size_t K>
struct top_k_count {};

template <class Where, class GateWidth, class Experts>
struct route_gate_width_mismatch {
  static_assert(never<Where, GateWidth, Experts>,
                "weft: route: the gate's output width differs from the number of experts; the gate must "
                "return one probability per expert");
};

template <class Where, class Output>
struct route_gate_not_probabilities {
  static_assert(never<Where, Output>,
                "weft: route: the gate must return a rank-1 floating-point tensor, one probability per "
                "expert; end the gate with weft::reshape<N> or weft::cast<float>");
};

template <class Where, class K, class Experts>
struct route_top_k_exceeds_experts {
  static_assert(never<Where, K, Experts>,
                "weft: route: weft::top_k<K> chooses more experts than the route has; lower K or add experts");
};

template <class Where, class First, class Output>
struct route_outputs_differ {
  static_assert(never<Where, First, Output>,
                "weft: route: this expert's output spec differs from expert 0's (every expert must share one "
                "spec); insert weft::cast<T> or weft::reshape<N...> after this expert");
};

template <class Where, class Output>
struct route_output_not_tensor {
  static_assert(never<Where, Output>,
                "weft: route: this expert returns a std::optional or a std::tuple, not a tensor; make it "
                "return a tensor (wrap an expert that may decline in weft::fallback)");
};

template <class Where, class Then, class Else>
struct when_outputs_differ {
  static_assert(never<Where, Then, Else>,
                "weft: when: then_model's and else_model's outputs differ (first then_model's, then "
                "else_model's); both must produce one spec: insert weft::cast<T> or weft::reshape<N...>");
};

template <class Where, class Input, class Predicate>
struct when_predicate_not_callable {
  static_assert(never<Where, Input, Predicate>,
                "weft: when: the predicate cannot be called (const) as predicate(const input_type&) "
                "returning bool; fix its signature");
};

/// WHERE: the argument of a call to a pipeline (its first stage's input).
struct pipeline_argument {};


}  // namespace weft::detail

#endif  // WEFT_DETAIL_DIAGNOSTICS_HPP
