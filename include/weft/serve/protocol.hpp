// SPDX-License-Identifier: BSL-1.0
// weft/serve/protocol.hpp - the Open Inference Protocol's JSON tensors for weft's tensor types.
//
// Contract (namespace weft::oip; the protocol is the KServe v2 inference protocol, REST form):
//   datatype_of<S>() is the protocol's name of scalar S: BOOL, UINT8/16/32/64, INT8/16/32/64, FP32,
//   FP64 (any other scalar fails to compile).
//   Batches (docs/decisions.md): a served pipeline takes one sample (its input_type); the protocol's
//   leading axis is the batch. The metadata shape of a tensor is [-1] + the sample's shape (-1 for an
//   extent known only at run time, a model's declared input_shape()/output_shape() filling in what
//   the type leaves open; an xt::xarray sample, whose rank only run time knows, is [-1] alone). A
//   request tensor's shape is [n] + the sample's shape, n >= 1, its data flat in row-major order
//   (nested arrays, at most as deep as the shape's rank, are read in the same order).
//   tensor_meta {name, datatype, shape} is one entry of a model's metadata; meta_of<T>(name[, declared
//   shape]) builds it for a sample type T.
//   decode_samples<T>(tensor, name[, declared]) runs the entry check and returns the n samples as
//   T's owning type; decode_batch<T>(...) returns them as one weft::batch_t<T> (an Eigen batch holds
//   one sample per column: the protocol's row-major [n, N] is its memory). The entry check: the
//   tensor is an object with name, datatype, shape (integers >= 0) and data (an array); datatype is
//   T's; the rank is the sample's + 1; n >= 1; each fixed extent (static or declared) matches; the
//   element count is the shape's product; every element is a number of the datatype's kind (a
//   boolean for BOOL; an integer for the integer types; any number for FP32/FP64) in its range.
//   Each failure throws weft::oip::request_error naming the tensor, the expected spec
//   ("FP32[-1,4]") and the actual ("FP64[1,4]") or the offending element; a quoted part of the
//   request is cut to 120 characters. Samples without elements come one to a request.
//   encode(name, value) is a protocol tensor {name, shape, datatype, data} of any tensor value
//   (any layout: data in row-major order, shape the value's extents); encode_samples(name, values)
//   stacks n samples as [n] + the sample's shape (samples of different extents throw
//   weft::shape_error); encode_batch(name, batch) writes a weft::batch_t as [n] + the sample's shape.
//   parse_infer_request(body) parses a whole request ({"id"?, "parameters"?, "inputs": [...],
//   "outputs"?: [{"name"}...]}); malformed JSON or a missing or mistyped member throws request_error.
//   Costs: decoding reads every element once into a buffer of the scalar, then copies it into the
//   value (one allocation each); encoding copies the value once into a buffer, then into the JSON.
//   Thread safety: free functions without shared state.
#ifndef WEFT_SERVE_PROTOCOL_HPP
#define WEFT_SERVE_PROTOCOL_HPP

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../batch.hpp"
#include "../detail/copy.hpp"
#include "../errors.hpp"
#include "../shape.hpp"
#include "../tensor.hpp"
#include "request_error.hpp"

namespace weft::oip {

using json = nlohmann::json;

/// The protocol's datatype name of scalar S ("FP32", "INT64", "BOOL", ...).
template <class S>
constexpr std::string_view datatype_of() noexcept {
  if constexpr (std::is_same_v<S, bool>) return "BOOL";
  else if constexpr (std::is_same_v<S, float>) return "FP32";
  else if constexpr (std::is_same_v<S, double>) return "FP64";
  else if constexpr (std::is_integral_v<S> && std::is_signed_v<S> && sizeof(S) <= 8) {
    if constexpr (sizeof(S) == 1) return "INT8";
    else if constexpr (sizeof(S) == 2) return "INT16";
    else if constexpr (sizeof(S) == 4) return "INT32";
    else return "INT64";
  } else if constexpr (std::is_integral_v<S> && std::is_unsigned_v<S> && sizeof(S) <= 8) {
    if constexpr (sizeof(S) == 1) return "UINT8";
    else if constexpr (sizeof(S) == 2) return "UINT16";
    else if constexpr (sizeof(S) == 4) return "UINT32";
    else return "UINT64";
  } else {
    static_assert(sizeof(S) == 0, "weft: the Open Inference Protocol has no datatype for this scalar");
    return "";
  }
}

/// One tensor of a model's metadata: name, datatype and shape (-1 for a dynamic extent).
struct tensor_meta {
  std::string name;
  std::string datatype;
  std::vector<std::int64_t> shape;
};

/// {"name": ..., "datatype": ..., "shape": [...]}.
inline json to_json(const tensor_meta& m) {
  return json{{"name", m.name}, {"datatype", m.datatype}, {"shape", m.shape}};
}

/// "FP32[-1,4]": a datatype and a protocol shape, as errors print them.
inline std::string spec_text(std::string_view datatype, const std::vector<std::int64_t>& shape) {
  std::string s(datatype);
  s += '[';
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ',';
    s += std::to_string(shape[i]);
  }
  s += ']';
  return s;
}

namespace detail {

/// The buffer element a scalar is read into (std::vector<bool> has no data()).
template <class S> using store_t = std::conditional_t<std::is_same_v<S, bool>, unsigned char, S>;

/// The owning type of tensor type T (T itself when T owns its memory).
template <class T> using owning_t = typename tensor_traits<std::remove_cvref_t<T>>::owning_type;

/// The sample shape of T in protocol form: static extents, -1 where dynamic, filled in from the
/// declared shape where it has the same rank; nullopt for a rank known only at run time.
template <class T>
std::optional<std::vector<std::int64_t>> sample_extents(const shape* declared) {
  using tr = tensor_traits<std::remove_cvref_t<T>>;
  if constexpr (tr::rank == dyn) {
    (void)declared;
    return std::nullopt;
  } else {
    std::vector<std::int64_t> s(tr::extents_type::values.begin(), tr::extents_type::values.end());
    if (declared != nullptr && declared->rank() == s.size())
      for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == dyn) s[i] = (*declared)[i];
    return s;
  }
}

/// [-1] + the sample's shape ([-1] alone for a rank known only at run time).
inline std::vector<std::int64_t> batch_extents(const std::optional<std::vector<std::int64_t>>& sample) {
  std::vector<std::int64_t> s{-1};
  if (sample) s.insert(s.end(), sample->begin(), sample->end());
  return s;
}

/// Text at most 120 characters long: text itself, or its start and "...". Errors quote the request
/// through it, so that a refused 64 MiB body does not come back whole.
inline std::string cut(std::string text) {
  constexpr std::size_t most = 120;
  if (text.size() > most) {
    std::size_t n = most;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // not inside a UTF-8 character
    text.resize(n);
    text += "...";
  }
  return text;
}

/// JSON value j as text for an error message, cut (see cut).
inline std::string excerpt(const json& j) { return cut(j.dump(-1, ' ', false, json::error_handler_t::replace)); }

/// Number of leaves of a (possibly nested) data array (non-arrays count one), or SIZE_MAX when
/// arrays nest more than depth levels (data nests at most as deep as the shape's rank).
inline std::size_t count_leaves(const json& j, std::size_t depth) {
  if (!j.is_array()) return 1;
  if (depth == 0) return static_cast<std::size_t>(-1);
  std::size_t n = 0;
  for (const auto& e : j) {
    const std::size_t k = count_leaves(e, depth - 1);
    if (k == static_cast<std::size_t>(-1)) return k;
    n += k;
  }
  return n;
}

/// Reads leaf j (index i of the flat data) as scalar S, or throws request_error.
template <class S>
store_t<S> read_element(const json& j, std::size_t i, const std::string& name) {
  constexpr std::string_view dt = datatype_of<S>();
  const auto refuse = [&](std::string_view why) {
    throw request_error(name, "data[" + std::to_string(i) + "] " + std::string(why),
                        "a " + std::string(dt) + " value", excerpt(j));
  };
  if constexpr (std::is_same_v<S, bool>) {
    if (!j.is_boolean()) refuse("is not a boolean");
    return static_cast<unsigned char>(j.get<bool>());
  } else if constexpr (std::is_floating_point_v<S>) {
    if (!j.is_number()) refuse("is not a number");
    const double v = j.get<double>();
    if (!std::isfinite(v) || std::fabs(v) > static_cast<double>(std::numeric_limits<S>::max()))
      refuse("is out of range");
    return static_cast<S>(v);
  } else {
    if (!j.is_number_integer()) refuse("is not an integer");
    if (j.is_number_unsigned()) {
      const auto v = j.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<S>::max())) refuse("is out of range");
      return static_cast<S>(v);
    }
    const auto v = j.get<std::int64_t>();
    if constexpr (std::is_unsigned_v<S>) {
      if (v < 0) refuse("is out of range");
      if (static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<S>::max()))
        refuse("is out of range");
    } else {
      if (v < static_cast<std::int64_t>(std::numeric_limits<S>::min()) ||
          v > static_cast<std::int64_t>(std::numeric_limits<S>::max()))
        refuse("is out of range");
    }
    return static_cast<S>(v);
  }
}

template <class S>
void read_leaves(const json& j, store_t<S>*& out, std::size_t& i, const std::string& name) {
  if (j.is_array()) {
    for (const auto& e : j) read_leaves<S>(e, out, i, name);
  } else {
    *out++ = read_element<S>(j, i++, name);
  }
}

/// A request tensor that passed the entry check: its shape ([n] + sample) and its elements, row-major.
template <class S>
struct checked_tensor {
  weft::shape extents;
  std::unique_ptr<store_t<S>[]> data;
  std::size_t count = 0;
};

/// The entry check of the header comment, for samples of T; see there.
template <class T>
checked_tensor<scalar_t<T>> check_entry(const json& t, const std::string& name, const shape* declared) {
  using S = scalar_t<T>;
  constexpr std::string_view dt = datatype_of<S>();
  const auto sample = sample_extents<T>(declared);
  const std::string expected = spec_text(dt, batch_extents(sample));
  if (!t.is_object()) throw request_error(name, "the tensor is not a JSON object", expected, excerpt(t));
  const auto member = [&](const char* key) -> const json& {
    const auto it = t.find(key);
    if (it == t.end()) throw request_error(name, std::string("the tensor has no \"") + key + "\"", expected, "");
    return *it;
  };
  const json& datatype = member("datatype");
  const json& shape_member = member("shape");
  const json& data = member("data");
  if (!shape_member.is_array())
    throw request_error(name, "\"shape\" is not an array", expected, excerpt(shape_member));
  for (const auto& e : shape_member)
    if (!e.is_number_integer() || (e.is_number_integer() && !e.is_number_unsigned() && e.get<std::int64_t>() < 0))
      throw request_error(name, "\"shape\" holds something that is not an extent (an integer >= 0)", expected,
                          excerpt(shape_member));
  const std::string actual_dt = datatype.is_string() ? cut(datatype.get<std::string>()) : excerpt(datatype);
  const std::string actual = actual_dt + excerpt(shape_member);
  if (actual_dt != dt) throw request_error(name, "wrong datatype", expected, actual);
  const std::size_t rank = shape_member.size();
  if (sample ? rank != sample->size() + 1 : rank < 1) throw request_error(name, "wrong rank", expected, actual);
  if (rank > weft::shape::max_rank) throw request_error(name, "rank above 8", expected, actual);
  weft::shape ext;
  ext.resize(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const auto v = shape_member[i].get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()))
      throw request_error(name, "an extent too large", expected, actual);
    ext[i] = static_cast<std::ptrdiff_t>(v);
  }
  if (ext[0] < 1) throw request_error(name, "a batch of no sample (the first extent must be >= 1)", expected, actual);
  if (sample)
    for (std::size_t i = 0; i < sample->size(); ++i)
      if ((*sample)[i] != -1 && (*sample)[i] != ext[i + 1])
        throw request_error(name, "wrong extent " + std::to_string(i + 1), expected, actual);
  if (!data.is_array()) throw request_error(name, "\"data\" is not an array", expected, excerpt(data));
  std::size_t count = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    const auto e = static_cast<std::size_t>(ext[i]);
    if (e != 0 && count > std::numeric_limits<std::size_t>::max() / e)
      throw request_error(name, "an element count too large", expected, actual);
    count *= e;
  }
  const std::size_t leaves = count_leaves(data, rank);
  if (leaves == static_cast<std::size_t>(-1))
    throw request_error(name, "\"data\" nests arrays deeper than the shape's rank", expected, actual);
  if (count == 0 && ext[0] > 1)
    throw request_error(name, "a batch of more than one sample without elements", expected, actual);
  if (leaves != count)
    throw request_error(name, "wrong element count", expected + " (" + std::to_string(count) + " elements for that shape)",
                        std::to_string(leaves) + " elements in \"data\"");
  checked_tensor<S> out{ext, std::make_unique<store_t<S>[]>(count == 0 ? 1 : count), count};
  store_t<S>* p = out.data.get();
  std::size_t i = 0;
  read_leaves<S>(data, p, i, name);
  return out;
}

/// Extents [from, rank) of s.
inline weft::shape tail(const weft::shape& s, std::size_t from) {
  weft::shape t;
  t.resize(s.rank() - from);
  for (std::size_t i = from; i < s.rank(); ++i) t[i - from] = s[i];
  return t;
}

/// Appends one element of scalar S (a bool as true/false) to a JSON array.
template <class S>
void push_element(json& data, store_t<S> v) {
  if constexpr (std::is_same_v<S, bool>) data.push_back(v != 0);
  else data.push_back(v);
}

/// Appends the elements of v in row-major order to the JSON array data.
template <class T>
void append_flat(const T& v, json& data) {
  using S = scalar_t<T>;
  using tr = tensor_traits<std::remove_cvref_t<T>>;
  const std::size_t n = static_cast<std::size_t>(tr::extents_of(v).element_count());
  const auto buffer = std::make_unique<store_t<S>[]>(n == 0 ? 1 : n);
  weft::detail::copy_flat(v, buffer.get());
  for (std::size_t i = 0; i < n; ++i) push_element<S>(data, buffer[i]);
}

/// The protocol shape of extents s, with a leading n when n >= 0.
inline std::vector<std::int64_t> protocol_shape(const weft::shape& s, std::ptrdiff_t n = -1) {
  std::vector<std::int64_t> out;
  if (n >= 0) out.push_back(n);
  for (std::size_t i = 0; i < s.rank(); ++i) out.push_back(s[i]);
  return out;
}

}  // namespace detail

/// The metadata entry of sample type T: [-1] + T's sample shape (declared fills in dynamic extents).
template <tensor T>
tensor_meta meta_of(std::string name, const shape* declared = nullptr) {
  return {std::move(name), std::string(datatype_of<scalar_t<T>>()),
          detail::batch_extents(detail::sample_extents<T>(declared))};
}

/// The n samples of request tensor t (named name) as T's owning type, after the entry check.
/// Throws request_error (see the header comment); allocates one buffer and the n values.
template <tensor T>
std::vector<detail::owning_t<T>> decode_samples(const json& t, const std::string& name,
                                                const shape* declared = nullptr) {
  using O = detail::owning_t<T>;
  using tr = tensor_traits<O>;
  const auto in = detail::check_entry<T>(t, name, declared);
  const weft::shape sample = detail::tail(in.extents, 1);
  const auto n = static_cast<std::size_t>(in.extents[0]);
  const auto size = static_cast<std::size_t>(sample.element_count());
  const weft::shape src_strides = weft::detail::row_major_strides(sample);
  std::vector<O> out;
  out.reserve(n);
  for (std::size_t j = 0; j < n; ++j) {
    O v = tr::make(sample);
    weft::detail::strided_copy(in.data.get() + j * size, src_strides, tr::data(v), tr::strides_of(v), sample);
    out.push_back(std::move(v));
  }
  return out;
}

/// The n samples of request tensor t as one weft::batch_t<T>, after the entry check (see
/// decode_samples). An Eigen batch holds one sample per column; an xtensor batch has them on axis 0.
template <tensor T>
  requires tensor<batch_t<T>>
batch_t<T> decode_batch(const json& t, const std::string& name, const shape* declared = nullptr) {
  using B = batch_t<T>;
  using tr = tensor_traits<B>;
  const auto in = detail::check_entry<T>(t, name, declared);
  if constexpr (tr::backend == backend::eigen) {
    // Column-major [N, n]: its memory is the protocol's row-major [n, N].
    B b = tr::make(weft::shape{in.extents[1], in.extents[0]});
    weft::detail::flat_copy(in.data.get(), tr::data(b), static_cast<std::ptrdiff_t>(in.count));
    return b;
  } else {
    B b = tr::make(in.extents);
    weft::detail::strided_copy(in.data.get(), weft::detail::row_major_strides(in.extents), tr::data(b),
                               tr::strides_of(b), in.extents);
    return b;
  }
}

/// The protocol tensor {name, shape, datatype, data} of value v: shape v's extents, data row-major.
template <tensor T>
json encode(std::string_view name, const T& v) {
  using tr = tensor_traits<std::remove_cvref_t<T>>;
  json data = json::array();
  detail::append_flat(v, data);
  return json{{"name", name},
              {"datatype", datatype_of<scalar_t<T>>()},
              {"shape", detail::protocol_shape(tr::extents_of(v))},
              {"data", std::move(data)}};
}

/// n samples stacked as one protocol tensor of shape [n] + the sample's extents. Throws
/// weft::shape_error when the samples' extents differ (the first sample's spec expected).
template <tensor T>
json encode_samples(std::string_view name, const std::vector<T>& samples) {
  using tr = tensor_traits<std::remove_cvref_t<T>>;
  const weft::shape first = samples.empty() ? weft::shape{} : tr::extents_of(samples.front());
  json data = json::array();
  for (const auto& s : samples) {
    const weft::shape e = tr::extents_of(s);
    if (!(e == first)) throw shape_error(spec_name<T>(first) + " (sample 0's extents)", spec_name<T>(e));
    detail::append_flat(s, data);
  }
  return json{{"name", name},
              {"datatype", datatype_of<scalar_t<T>>()},
              {"shape", detail::protocol_shape(first, static_cast<std::ptrdiff_t>(samples.size()))},
              {"data", std::move(data)}};
}

/// A weft::batch_t<Sample> b as one protocol tensor of shape [n] + the sample's extents.
template <tensor B>
json encode_batch(std::string_view name, const B& b) {
  using tr = tensor_traits<std::remove_cvref_t<B>>;
  if constexpr (tr::backend == backend::eigen) {
    // One sample per column: the memory of a dense column-major [N, n] is the row-major [n, N].
    const weft::shape e = tr::extents_of(b);
    json data = json::array();
    const weft::shape transposed{e[1], e[0]};
    const auto n = transposed.element_count();
    const auto buffer = std::make_unique<detail::store_t<scalar_t<B>>[]>(n == 0 ? 1 : static_cast<std::size_t>(n));
    weft::detail::strided_copy(tr::data(b), weft::shape{tr::strides_of(b)[1], tr::strides_of(b)[0]}, buffer.get(),
                               weft::detail::row_major_strides(transposed), transposed);
    for (std::ptrdiff_t i = 0; i < n; ++i) detail::push_element<scalar_t<B>>(data, buffer[static_cast<std::size_t>(i)]);
    return json{{"name", name},
                {"datatype", datatype_of<scalar_t<B>>()},
                {"shape", detail::protocol_shape(transposed)},
                {"data", std::move(data)}};
  } else {
    return encode(name, b);
  }
}

/// A parsed infer request: its id (may be absent), parameters (null when absent), inputs (an array)
/// and the output names asked for (empty: all).
struct infer_request {
  std::optional<std::string> id;
  json parameters;
  json inputs;
  std::vector<std::string> outputs;
};

/// Parses an infer request body; see the header comment. Throws request_error.
inline infer_request parse_infer_request(std::string_view body) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {
    throw request_error("", "malformed JSON", "an infer request object", e.what());
  }
  if (!j.is_object()) throw request_error("", "the request is not a JSON object", "an infer request object", j.type_name());
  infer_request r;
  if (const auto it = j.find("id"); it != j.end()) {
    if (!it->is_string()) throw request_error("", "\"id\" is not a string", "a string", detail::excerpt(*it));
    r.id = it->get<std::string>();
  }
  if (const auto it = j.find("parameters"); it != j.end()) {
    if (!it->is_object()) throw request_error("", "\"parameters\" is not an object", "an object", detail::excerpt(*it));
    r.parameters = std::move(*it);
  }
  const auto inputs = j.find("inputs");
  if (inputs == j.end() || !inputs->is_array())
    throw request_error("", "\"inputs\" is missing or not an array", "an array of tensors",
                        inputs == j.end() ? "nothing" : detail::excerpt(*inputs));
  r.inputs = std::move(*inputs);
  if (const auto it = j.find("outputs"); it != j.end()) {
    if (!it->is_array()) throw request_error("", "\"outputs\" is not an array", "an array of {\"name\"}", detail::excerpt(*it));
    for (const auto& o : *it) {
      const auto name = o.is_object() ? o.find("name") : o.end();
      if (!o.is_object() || name == o.end() || !name->is_string())
        throw request_error("", "an entry of \"outputs\" has no \"name\" string", "{\"name\": ...}", detail::excerpt(o));
      r.outputs.push_back(name->get<std::string>());
    }
  }
  return r;
}

/// The input tensor named name of request r: r must hold exactly one input, and it must be that one.
/// Throws request_error otherwise.
inline const json& find_input(const infer_request& r, const std::string& name) {
  if (r.inputs.size() != 1)
    throw request_error(name, "the model takes one input tensor", "1 input \"" + name + "\"",
                        std::to_string(r.inputs.size()) + " inputs");
  const json& t = r.inputs.front();
  const auto it = t.is_object() ? t.find("name") : t.end();
  if (!t.is_object() || it == t.end() || !it->is_string())
    throw request_error(name, "the input tensor has no \"name\" string", "\"" + name + "\"", detail::excerpt(t));
  if (it->get<std::string>() != name)
    throw request_error(name, "unknown input tensor", "\"" + name + "\"", detail::excerpt(*it));
  return t;
}

}  // namespace weft::oip

#endif  // WEFT_SERVE_PROTOCOL_HPP
