// SPDX-License-Identifier: BSL-1.0
// weft/serve/options.hpp - weft::io_names and weft::serve_options: how weft::serve exposes a pipeline.
//
// Contract:
//   weft::io_names names a served pipeline's tensors: input (default "input") and outputs (empty:
//   the defaults, "output" for a tensor, "output_0", "output_1"... for a fan_out's std::tuple; else
//   one name per output, in order). weft::serve_options holds them, the largest request body taken
//   (max_body_bytes, default 64 MiB; a larger one is answered 413 before it is parsed) and the version
//   reported in the model's metadata (default "1"). Plain aggregates: copy them freely.
#ifndef WEFT_SERVE_OPTIONS_HPP
#define WEFT_SERVE_OPTIONS_HPP

#include <cstddef>
#include <string>
#include <vector>

namespace weft {

/// The tensor names a served pipeline answers to; see the header comment.
struct io_names {
  /// The input tensor's name.
  std::string input = "input";
  /// The output tensors' names, one per output in order; empty for the defaults.
  std::vector<std::string> outputs = {};
};

/// Options of weft::serve; see the header comment.
struct serve_options {
  /// The tensors' names.
  io_names names = {};
  /// The largest request body taken, in bytes; a larger one is answered 413.
  std::size_t max_body_bytes = std::size_t{64} << 20;
  /// The model version reported by GET /v2/models/<name>.
  std::string version = "1";
};

}  // namespace weft

#endif  // WEFT_SERVE_OPTIONS_HPP
