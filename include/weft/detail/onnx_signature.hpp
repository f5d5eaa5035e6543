// SPDX-License-Identifier: BSL-1.0
// weft/detail/onnx_signature.hpp - internal: an ONNX file's declared inputs and outputs, read with libonnx.
//
// Contract: read_onnx_signature(file, bytes) parses the bytes of an ONNX model (libonnx-dev:
// onnx::ModelProto) and returns its graph's inputs (initializers excluded: old exporters list the
// weights as inputs too) and outputs: name, element type (onnx::TensorProto_DataType) and dims, a
// symbolic or unnamed dim being weft::dyn (onnx_tensor_signature::has_shape is false when the file
// declares no shape at all). Bytes that are not an ONNX model throw weft::load_error(file, "", "",
// why). onnx_spec_text gives a tensor's spec in weft's notation ("f32[?,8]", "i64[?]", "f32[no shape]").
// Needs OpenCV nothing: only libonnx (target onnx, which defines ONNX_ML). Thread safety: pure
// functions. Cost: one protobuf parse of the file (load time only).
#ifndef WEFT_DETAIL_ONNX_SIGNATURE_HPP
#define WEFT_DETAIL_ONNX_SIGNATURE_HPP

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "../errors.hpp"
#include "../shape.hpp"

namespace weft::detail {

/// One input or output as the file declares it.
struct onnx_tensor_signature {
  std::string name;
  int element_type = 0;               ///< an onnx::TensorProto_DataType value (1: float)
  bool has_shape = false;             ///< the file declares a shape (else dims is empty)
  std::vector<std::ptrdiff_t> dims;   ///< outermost first; weft::dyn for a symbolic or unknown dim
};

/// A file's inputs (initializers excluded) and outputs, in the file's order.
struct onnx_signature {
  std::vector<onnx_tensor_signature> inputs;
  std::vector<onnx_tensor_signature> outputs;
};

/// weft's short name of an ONNX element type: "f32", "f64", "i64", "u8", "b8", "f16", "str", ...
inline std::string onnx_element_name(int element_type) {
  switch (element_type) {
    case onnx::TensorProto_DataType_FLOAT: return "f32";
    case onnx::TensorProto_DataType_DOUBLE: return "f64";
    case onnx::TensorProto_DataType_FLOAT16: return "f16";
    case onnx::TensorProto_DataType_BFLOAT16: return "bf16";
    case onnx::TensorProto_DataType_INT8: return "i8";
    case onnx::TensorProto_DataType_INT16: return "i16";
    case onnx::TensorProto_DataType_INT32: return "i32";
    case onnx::TensorProto_DataType_INT64: return "i64";
    case onnx::TensorProto_DataType_UINT8: return "u8";
    case onnx::TensorProto_DataType_UINT16: return "u16";
    case onnx::TensorProto_DataType_UINT32: return "u32";
    case onnx::TensorProto_DataType_UINT64: return "u64";
    case onnx::TensorProto_DataType_BOOL: return "b8";
    case onnx::TensorProto_DataType_STRING: return "str";
    default: return "onnx-type-" + std::to_string(element_type);
  }
}

/// The spec of a declared tensor in weft's notation: "f32[?,8]"; "f32[no shape]" when it declares none.
inline std::string onnx_spec_text(const onnx_tensor_signature& t) {
  std::string s = onnx_element_name(t.element_type) + "[";
  if (!t.has_shape) return s + "no shape]";
  for (std::size_t i = 0; i < t.dims.size(); ++i) {
    if (i) s += ',';
    s += t.dims[i] == dyn ? std::string("?") : std::to_string(t.dims[i]);
  }
  return s + "]";
}

/// The names of tensors, comma separated: "label, probabilities".
inline std::string onnx_names(const std::vector<onnx_tensor_signature>& ts) {
  std::string s;
  for (const auto& t : ts) {
    if (!s.empty()) s += ", ";
    s += t.name;
  }
  return s;
}

inline onnx_tensor_signature onnx_tensor_of(const onnx::ValueInfoProto& v) {
  onnx_tensor_signature t;
  t.name = v.name();
  if (!v.type().has_tensor_type()) return t;  // a sequence or a map: no element type weft knows
  const auto& tt = v.type().tensor_type();
  t.element_type = tt.elem_type();
  t.has_shape = tt.has_shape();
  for (const auto& d : tt.shape().dim())
    t.dims.push_back(d.has_dim_value() ? static_cast<std::ptrdiff_t>(d.dim_value()) : dyn);
  return t;
}

/// Parses the bytes of an ONNX model read from `file` (named in errors); see the header comment.
inline onnx_signature read_onnx_signature(const std::string& file, const std::vector<char>& bytes) {
  onnx::ModelProto model;
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw load_error(file, "", "", "not an ONNX model (libonnx could not parse its " + std::to_string(bytes.size()) +
                                       " bytes)");
  if (!model.has_graph()) throw load_error(file, "", "", "not an ONNX model (no graph)");
  const auto& g = model.graph();
  std::set<std::string> weights;
  for (const auto& w : g.initializer()) weights.insert(w.name());
  onnx_signature sig;
  for (const auto& v : g.input())
    if (!weights.count(v.name())) sig.inputs.push_back(onnx_tensor_of(v));
  for (const auto& v : g.output()) sig.outputs.push_back(onnx_tensor_of(v));
  return sig;
}

}  // namespace weft::detail

#endif  // WEFT_DETAIL_ONNX_SIGNATURE_HPP
