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

// --- fan_out ----------------------------------------------------------------------------------

// --- ensemble and its reducers -----------------------------------------------------------------

// --- fallback and its conditions ---------------------------------------------------------------

// --- adapters (concat, softmax, argmax, normalize, check_finite) and batched --------------------

}  // namespace weft::detail

#endif  // WEFT_DETAIL_DIAGNOSTICS_HPP
