// SPDX-License-Identifier: BSL-1.0
// weft/detail/config.hpp - internal: macros shared by every weft header.
// Contract: defines WEFT_INLINE, the attribute that forces weft's own thin layers (combinator
// call operators, bridges, forwarding) inline so that composition never depends on the
// compiler's inlining budget (DESIGN.md section 8). User stages are never forced.
#ifndef WEFT_DETAIL_CONFIG_HPP
#define WEFT_DETAIL_CONFIG_HPP

#if defined(__GNUC__) || defined(__clang__)
#define WEFT_INLINE [[gnu::always_inline]] inline
#else
#define WEFT_INLINE inline
#endif

#endif  // WEFT_DETAIL_CONFIG_HPP
