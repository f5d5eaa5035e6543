// SPDX-License-Identifier: BSL-1.0
// weft/detail/stage_as.hpp - internal: one stage's output as a combinator's output type.
//
// Contract: invoke_stage_as<O>(stored, x, combinator, index[, ctx]) calls the stage as
// invoke_stage_owned does (detail/combinator.hpp; ctx, default no_context, is the per-call context
// handed on to it: an observing ctx reports the stage's call, not the copy below) and returns its
// output as an O: as it is (in place) when its owning type is O, else copied into a new O after a
// run-time extents check. A weft::error from that check
// gains "<combinator>[index]" as the stage's own errors do. Used by route (an expert's output) and
// when (else_model's output). Costs nothing beyond the stage's call when the types agree; forced inline.
#ifndef WEFT_DETAIL_STAGE_AS_HPP
#define WEFT_DETAIL_STAGE_AS_HPP

#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../convert.hpp"
#include "../errors.hpp"
#include "call_context.hpp"
#include "combinator.hpp"
#include "config.hpp"
#include "materialise.hpp"
#include "shape_checks.hpp"

namespace weft::detail {

template <class O, class Stored, class X, class Ctx = no_context>
WEFT_INLINE O invoke_stage_as(const Stored& stored, X& x, std::string_view combinator, std::size_t index,
                              const Ctx& ctx = Ctx{}) {
  using out = owned_t<output_t<Stored>>;
  if constexpr (std::is_same_v<out, O>) {
    return invoke_stage_owned(stored, x, combinator, index, ctx);
  } else {
    const out y = invoke_stage_owned(stored, x, combinator, index, ctx);
    try {
      check_extents<const out, O>(y);
      return make_copy<O>(y);
    } catch (const error& e) {
      rethrow_with_segment(e, combinator, index, given_name_of(stored));
    }
  }
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_STAGE_AS_HPP
