// SPDX-License-Identifier: BSL-1.0
// tools/model_types/weft_model_types.cpp - the host tool behind weft_model_types() (CMake): reads an
// ONNX or XGBoost model file's signature and writes a C++ header declaring it as weft types.
//
// Contract:
//   weft_model_types_tool --model <file> --format onnx|xgboost --name <identifier>
//                         --backend eigen|xtensor --namespace <ns> --header <out.hpp> [--output <name>]
//   writes <out.hpp> declaring, in namespace <ns>:
//     <identifier>_input, <identifier>_output   the per-sample tensor types (the batch axis dropped)
//     <identifier>                             weft::onnx_model<In, Out> / weft::xgboost_model<In, Out>
//     <identifier>_file                        the model file's path, as given (a char array)
//   Shapes: axis 0 of an ONNX tensor is the batch axis (symbolic, or fixed to 1, as weft::onnx_model
//   reads it) and is dropped; any other symbolic dimension becomes a dynamic extent (Eigen::Dynamic;
//   an xt::xtensor<S, r> instead of xt::xtensor_fixed). Eigen: a per-sample vector becomes a column
//   vector Eigen::Matrix<float, N, 1>, the only Eigen type the runtime models take (and batch); any
//   other per-sample rank needs --backend xtensor (xt::xtensor_fixed<float, xt::xshape<...>>).
//   ONNX (needs WEFT_MODEL_TYPES_WITH_ONNX, libonnx): one graph input (initialisers excluded); the
//   output named by --output, or the only one. Element type: FLOAT (f32), the one weft::onnx_model runs.
//   XGBoost (needs WEFT_MODEL_TYPES_WITH_XGBOOST, the C API): input f32[num_feature]; output
//   f32[num_class] for multi:softprob, f32[1] for binary:logistic and reg:* (f32[num_target] for a
//   multi-target regressor); another objective is refused, as weft::xgboost_model refuses it.
//   Errors: any failure (unreadable or corrupt file, several inputs, an element type weft has no
//   scalar for, a runtime this tool was built without) prints "weft_model_types: <file>: <why>" on
//   stderr, removes <out.hpp> and exits with 1; the build stops there. The header is written to a
//   temporary file first, then renamed: never half-written.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#if WEFT_MODEL_TYPES_WITH_ONNX
#include <onnx/onnx_pb.h>
#endif
#if WEFT_MODEL_TYPES_WITH_XGBOOST
#include <xgboost/c_api.h>
#endif

namespace {

/// A failure that names no file yet: main() prefixes "weft_model_types: <file>: ".
struct tool_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr std::int64_t dyn = -1;

/// One tensor of the file: name, element type (C++ and weft spec spelling) and dimensions.
struct tensor_sig {
  std::string name;
  std::string cpp_scalar;   // "float"
  std::string spec_scalar;  // "f32"
  std::vector<std::int64_t> dims;  // dyn for a symbolic dimension
  bool batch_symbolic = false;     // the first dimension was symbolic: dropped as the batch axis
};

struct signature {
  tensor_sig input, output;
};

std::string spec_text(const tensor_sig& t) {
  std::string s = t.spec_scalar + "[";
  s += t.batch_symbolic ? "?" : "1";
  if (!t.dims.empty()) s += ",";
  for (std::size_t i = 0; i < t.dims.size(); ++i) {
    if (i) s += ",";
    s += t.dims[i] == dyn ? std::string("?") : std::to_string(t.dims[i]);
  }
  return s + "]";
}

// ---------------------------------------------------------------------------------------------
// ONNX
// ---------------------------------------------------------------------------------------------
#if WEFT_MODEL_TYPES_WITH_ONNX
tensor_sig onnx_tensor(const onnx::ValueInfoProto& v, const char* role) {
  tensor_sig t;
  t.name = v.name();
  if (!v.type().has_tensor_type())
    throw tool_error(std::string(role) + " '" + t.name + "' is not a tensor (a sequence or map: "
                     "export without ZipMap, e.g. skl2onnx's options={'zipmap': False})");
  const auto& tt = v.type().tensor_type();
  using P = onnx::TensorProto;
  if (tt.elem_type() != P::FLOAT) {
    const std::string type_name = P::DataType_IsValid(tt.elem_type())
                                      ? P::DataType_Name(static_cast<P::DataType>(tt.elem_type()))
                                      : std::to_string(tt.elem_type());
    throw tool_error(std::string(role) + " '" + t.name + "' has element type " + type_name +
                     "; weft::onnx_model runs FLOAT (f32) tensors only");
  }
  t.cpp_scalar = "float";
  t.spec_scalar = "f32";
  if (!tt.has_shape()) throw tool_error(std::string(role) + " '" + t.name + "' declares no shape");
  const auto& dims = tt.shape().dim();
  // Axis 0 is the batch axis, as weft::onnx_model reads it: symbolic, or fixed to 1.
  if (dims.empty()) throw tool_error(std::string(role) + " '" + t.name + "' has rank 0: no batch axis");
  for (int i = 0; i < dims.size(); ++i) {
    const bool symbolic = !dims[i].has_dim_value() || dims[i].dim_value() <= 0;
    if (i == 0) {
      if (!symbolic && dims[i].dim_value() != 1)
        throw tool_error(std::string(role) + " '" + t.name + "' has a batch axis fixed to " +
                         std::to_string(dims[i].dim_value()) +
                         "; weft::onnx_model takes a symbolic batch axis or 1");
      t.batch_symbolic = symbolic;
      continue;
    }
    t.dims.push_back(symbolic ? dyn : dims[i].dim_value());
  }
  return t;
}

signature read_onnx(const std::string& file, const std::string& output_name) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw tool_error("cannot open the file");
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in) || !model.has_graph())
    throw tool_error("not an ONNX model (the protobuf does not parse as onnx.ModelProto)");
  const auto& g = model.graph();
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& v : g.input()) {
    bool initialiser = false;
    for (const auto& init : g.initializer()) initialiser = initialiser || init.name() == v.name();
    if (!initialiser) inputs.push_back(&v);
  }
  if (inputs.size() != 1)
    throw tool_error("the graph has " + std::to_string(inputs.size()) +
                     " inputs; weft::onnx_model takes exactly one");
  signature sig;
  sig.input = onnx_tensor(*inputs.front(), "input");
  const onnx::ValueInfoProto* out = nullptr;
  std::string names;
  for (const auto& v : g.output()) {
    names += (names.empty() ? "'" : ", '") + v.name() + "'";
    if (output_name.empty() ? g.output_size() == 1 : v.name() == output_name) out = &v;
  }
  if (!out) {
    throw tool_error(output_name.empty()
                         ? "the graph has " + std::to_string(g.output_size()) + " outputs (" + names +
                               "): choose one with weft_model_types(... OUTPUT <name>)"
                         : "no output named '" + output_name + "' (outputs: " + names + ")");
  }
  sig.output = onnx_tensor(*out, "output");
  return sig;
}
#endif

// ---------------------------------------------------------------------------------------------
// XGBoost
// ---------------------------------------------------------------------------------------------
#if WEFT_MODEL_TYPES_WITH_XGBOOST
/// The string value of "key":"value" after `after` in the JSON config (XGBoost writes every
/// parameter as a string); empty when absent.
std::string json_string_after(const std::string& json, const std::string& after, const std::string& key) {
  std::size_t from = json.find("\"" + after + "\"");
  if (from == std::string::npos) return {};
  const std::string pattern = "\"" + key + "\":\"";
  const std::size_t at = json.find(pattern, from);
  if (at == std::string::npos) return {};
  const std::size_t begin = at + pattern.size();
  const std::size_t end = json.find('"', begin);
  return end == std::string::npos ? std::string{} : json.substr(begin, end - begin);
}

std::int64_t to_count(const std::string& text) {
  try {
    return text.empty() ? 0 : static_cast<std::int64_t>(std::stod(text));
  } catch (const std::exception&) {
    return 0;
  }
}

signature read_xgboost(const std::string& file) {
  {
    std::ifstream probe(file, std::ios::binary);
    if (!probe) throw tool_error("cannot open the file");
  }
  BoosterHandle booster = nullptr;
  struct release {
    BoosterHandle& h;
    ~release() {
      if (h) XGBoosterFree(h);
    }
  } guard{booster};
  if (XGBoosterCreate(nullptr, 0, &booster) != 0) throw tool_error(XGBGetLastError());
  if (XGBoosterLoadModel(booster, file.c_str()) != 0) {
    // XGBoost's text ends with a stack trace: its first line is the reason.
    const std::string text = XGBGetLastError();
    throw tool_error("XGBoost cannot load it: " + text.substr(0, text.find('\n')));
  }
  bst_ulong features = 0;
  if (XGBoosterGetNumFeature(booster, &features) != 0) throw tool_error(XGBGetLastError());
  bst_ulong length = 0;
  const char* config = nullptr;
  if (XGBoosterSaveJsonConfig(booster, &length, &config) != 0) throw tool_error(XGBGetLastError());
  const std::string json(config, length);
  const std::string objective = json_string_after(json, "learner_train_param", "objective");
  const std::int64_t classes = to_count(json_string_after(json, "learner_model_param", "num_class"));
  const std::int64_t targets = to_count(json_string_after(json, "learner_model_param", "num_target"));

  signature sig;
  sig.input = {"features", "float", "f32", {static_cast<std::int64_t>(features)}, true};
  // The objectives weft::xgboost_model takes, and the values per sample each predicts.
  std::int64_t width = 1;
  if (objective == "multi:softprob") width = classes;
  else if (objective.rfind("reg:", 0) == 0) width = targets > 1 ? targets : 1;
  else if (objective != "binary:logistic")
    throw tool_error("objective '" + objective + "' is not one weft::xgboost_model takes "
                     "(multi:softprob, binary:logistic, reg:*)");
  if (width <= 0) throw tool_error("objective " + objective + " declares no num_class");
  sig.output = {objective, "float", "f32", {width}, true};
  return sig;
}
#endif

// ---------------------------------------------------------------------------------------------
// The header
// ---------------------------------------------------------------------------------------------
std::string eigen_type(const tensor_sig& t) {
  if (t.dims.size() != 1)
    throw tool_error("'" + t.name + "' is " + spec_text(t) + ": one sample has rank " +
                     std::to_string(t.dims.size()) +
                     "; the runtime models take Eigen vectors only: use BACKEND xtensor");
  const std::string extent = t.dims[0] == dyn ? std::string("Eigen::Dynamic") : std::to_string(t.dims[0]);
  return "Eigen::Matrix<" + t.cpp_scalar + ", " + extent + ", 1>";
}

std::string xtensor_type(const tensor_sig& t) {
  bool fixed = true;
  std::string extents;
  for (std::size_t i = 0; i < t.dims.size(); ++i) {
    fixed = fixed && t.dims[i] != dyn;
    extents += (i ? ", " : "") + std::to_string(t.dims[i]);
  }
  if (fixed) return "xt::xtensor_fixed<" + t.cpp_scalar + ", xt::xshape<" + extents + ">>";
  return "xt::xtensor<" + t.cpp_scalar + ", " + std::to_string(t.dims.size()) + ">";
}

std::string cpp_string_literal(const std::string& text) {
  std::string s = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') s += '\\';
    s += c;
  }
  return s + "\"";
}

std::string header_text(const signature& sig, const std::string& file, const std::string& format,
                        const std::string& name, const std::string& backend, const std::string& ns) {
  const bool eigen = backend == "eigen";
  const std::string in = eigen ? eigen_type(sig.input) : xtensor_type(sig.input);
  const std::string out = eigen ? eigen_type(sig.output) : xtensor_type(sig.output);
  std::ostringstream h;
  h << "// " << name << ".hpp - generated by weft_model_types() from " << file << "\n"
    << "// Do not edit: the build rewrites it whenever the model file changes.\n"
    << "//   input  '" << sig.input.name << "' " << spec_text(sig.input) << "\n"
    << "//   output '" << sig.output.name << "' " << spec_text(sig.output) << "\n"
    << "#pragma once\n\n"
    << (eigen ? "#include <weft/eigen.hpp>\n" : "#include <weft/xtensor.hpp>\n")
    << (format == "onnx" ? "#include <weft/onnx.hpp>\n" : "#include <weft/xgboost.hpp>\n") << "\n"
    << "namespace " << ns << " {\n\n"
    << "/// One sample of " << name << "'s input, " << spec_text(sig.input) << " without the batch axis.\n"
    << "using " << name << "_input = " << in << ";\n"
    << "/// One sample of " << name << "'s output, " << spec_text(sig.output) << " without the batch axis.\n"
    << "using " << name << "_output = " << out << ";\n"
    << "/// The model: construct it with the file's path, e.g. " << name << "{" << name << "_file}.\n"
    << "using " << name << " = weft::" << (format == "onnx" ? "onnx_model" : "xgboost_model") << "<"
    << name << "_input, " << name << "_output>;\n"
    << "/// The path of the file these types were read from.\n"
    << "inline constexpr char " << name << "_file[] = " << cpp_string_literal(file) << ";\n\n"
    << "}  // namespace " << ns << "\n";
  return h.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  for (const char* required : {"--model", "--format", "--name", "--backend", "--namespace", "--header"}) {
    if (args.count(required) == 0) {
      std::cerr << "weft_model_types: missing " << required
                << " (usage: --model <file> --format onnx|xgboost --name <id> --backend eigen|xtensor"
                   " --namespace <ns> --header <out.hpp> [--output <name>])\n";
      return 2;
    }
  }
  const std::string file = args["--model"];
  const std::string format = args["--format"];
  const std::string header = args["--header"];
  std::error_code ignored;
  std::filesystem::remove(header, ignored);
  try {
    signature sig;
    if (format == "onnx") {
#if WEFT_MODEL_TYPES_WITH_ONNX
      sig = read_onnx(file, args["--output"]);
#else
      throw tool_error("this weft_model_types tool was built without libonnx (Debian: libonnx-dev)");
#endif
    } else if (format == "xgboost") {
#if WEFT_MODEL_TYPES_WITH_XGBOOST
      sig = read_xgboost(file);
#else
      throw tool_error("this weft_model_types tool was built without the XGBoost C API (Debian: libxgboost-dev)");
#endif
    } else {
      throw tool_error("unknown format '" + format + "' (onnx, xgboost)");
    }
    const std::string text =
        header_text(sig, file, format, args["--name"], args["--backend"], args["--namespace"]);
    const std::string temporary = header + ".tmp";
    {
      std::ofstream o(temporary, std::ios::binary | std::ios::trunc);
      o << text;
      if (!o.flush()) throw tool_error("cannot write " + temporary);
    }
    std::filesystem::rename(temporary, header);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "weft_model_types: " << file << ": " << e.what() << "\n";
    return 1;
  }
}
