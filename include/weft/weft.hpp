// SPDX-License-Identifier: BSL-1.0
// weft/weft.hpp - everything weft offers, in one include.
//
// Map of the headers, in dependency order:
//   errors.hpp     weft::error, shape_error, non_finite_error, fallback_error
//   shape.hpp      shape: run-time extents (rank <= 8, each a number or dyn), dyn
//   tensor.hpp     tensor_traits, the tensor concept, specs (f32[4]), expression_traits
//   convert.hpp    conversion<From, To>, connectable, the bridges
//   model.hpp      the model concept, model_traits, fn, named
//   shaped.hpp     shaped(m, in, out): declares a model's run-time shapes from outside
//   adapters.hpp   cast<T>, reshape<N...>, identity, concat, softmax, argmax, normalize, check_finite
//   strict.hpp     strict: no implicit copy anywhere
//   sequence.hpp   sequence and operator|
//   fan_out.hpp    fan_out: one input to every branch
//   batched.hpp    batched(m): a per-sample model lifted over a batch
//   reducers.hpp   mean, weighted(w...), vote, max, median: ensemble's reducers
//   ensemble.hpp   ensemble: one input to every branch, outputs reduced to one
//   conditions.hpp non_finite, below_confidence: conditions for fallback's .when
//   fallback.hpp   fallback: try branches in order until one answers; answered, fallback_when
//   route.hpp      route(top_k<K>, gate, experts...): a gate chooses and mixes experts; routed
//   when.hpp       when(predicate, then_model, else_model): the input chooses the branch
//   retry.hpp      retry(m, attempts(n)): call again when it throws; retry_error
//   workspace.hpp  workspace: a pipeline's intermediates kept between calls; p(x, out, ws)
//   batcher.hpp    batcher(m, ...): single-sample calls from many threads as one call_batch
//   observe.hpp    observe(m, observer): per-stage hooks; timing_table, trace_json
//   describe.hpp   signature<M>(), describe(m), to_dot(m): pipelines describe themselves
//   any_model.hpp  any_model<In, Out>: any model from In to Out behind one indirect call
// Not included here (each needs libraries of its own, a CMake component): onnx.hpp, xgboost.hpp,
// torch.hpp (model runtimes), config.hpp and fingerprint.hpp (pipelines from JSON; component config),
// serve.hpp and remote.hpp (the Open Inference Protocol over HTTP; component serve).
// Backend headers are included when their library is found: eigen.hpp when <Eigen/Core> is
// available, xtensor.hpp when xtensor is. Include a backend header yourself to require it.
#ifndef WEFT_WEFT_HPP
#define WEFT_WEFT_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include "adapters.hpp"
#include "any_model.hpp"
#include "batch.hpp"
#include "batched.hpp"
#include "batcher.hpp"
#include "conditions.hpp"
#include "convert.hpp"
#include "describe.hpp"
#include "ensemble.hpp"
#include "errors.hpp"
#include "fallback.hpp"
#include "fan_out.hpp"
#include "model.hpp"
#include "observe.hpp"
#include "reducers.hpp"
#include "retry.hpp"
#include "route.hpp"
#include "sequence.hpp"
#include "shape.hpp"
#include "shaped.hpp"
#include "strict.hpp"
#include "tensor.hpp"
#include "when.hpp"
#include "workspace.hpp"

#if __has_include(<Eigen/Core>)
#include "eigen.hpp"
#endif
#if __has_include(<xtensor/xtensor.hpp>) || __has_include(<xtensor/containers/xtensor.hpp>)
#include "xtensor.hpp"
#endif

#endif  // WEFT_WEFT_HPP
