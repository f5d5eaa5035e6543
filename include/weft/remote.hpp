// SPDX-License-Identifier: BSL-1.0
// weft/remote.hpp - weft::remote: a model served by an Open Inference Protocol server, as a weft model.
//
// Contract:
//   weft::remote<In, Out> m{"http://127.0.0.1:8000", "digits"};   // or {url, model, {.read_timeout = ...}}
//   is a weft model (input_type In, output_type Out: owning, contiguous tensors of a static rank,
//   Eigen or xtensor, fixed or dynamic extents, scalar float, double, a fixed-width integer or bool)
//   whose call sends x to the server's POST <url>/v2/models/<model>/infer (the KServe v2 / Open
//   Inference Protocol REST API: Triton, KServe, MLServer, Seldon Core v2, OpenVINO Model Server,
//   weft::serve) and returns the answer's tensor as an Out. Plain http only (no TLS).
//   Construction reads GET <url>/v2/models/<model> once and checks the metadata against In and Out.
//   The model must have one input (a model of several inputs cannot be called with one tensor) and
//   one output, or remote_options::output names the one to ask for. Each tensor's datatype must be In's (Out's) scalar (FP32 for float, FP64 for double, INT64
//   for std::int64_t, BOOL for bool, ...). Its rank must be In's (Out's), or one more with a leading
//   batch axis of -1 or 1 (Triton's max_batch_size > 0 models, a batching weft::serve): then x is sent
//   as a batch of one, shape [1, ...], and the answer must be a batch of one. Input and output must
//   agree on that batch axis. Extents, server's against ours:
//     both numbers: equal, or the construction fails;
//     the server's -1 against a fixed extent of In: accepted (the server takes any extent, we send
//       ours); against a fixed extent of Out: accepted, and each answer is checked (a remote_error
//       when the server answers another extent: the stage's Out promises its extent);
//     a number against a dyn extent: accepted; input_shape() / output_shape() declare the server's
//       number, so a call with another extent throws weft::shape_error before anything is sent;
//     -1 against dyn: accepted, checked by nobody but the server.
//   A failure at construction (no answer, an HTTP error, metadata that is not the protocol's JSON, or
//   a mismatch) throws weft::load_error: file() is "<url>/v2/models/<model>", tensor() the server's
//   tensor name ("" for the whole model), expected() our spec, actual() the server's, both in weft's
//   notation ("f32[?,64]"; a datatype weft does not map shows as its protocol name, "BYTES[?]").
//   Nothing half-built escapes.
//   A call throws weft::remote_error (weft/serve/remote_error.hpp) with the URL, the model, the HTTP
//   status (0 when there was no answer) and the server's `{"error": ...}` text, when: no answer came
//   (connection refused, remote_options::connect_timeout or read_timeout passed, the connection cut);
//   the status is not 200; the answer is not JSON, or not the protocol's (no outputs, no tensor of
//   the output's name, a datatype or shape or element count other than the stage's Out). A
//   combinator adds the stage path; a weft::serve server answers such a failure with 502.
//   Retry and fallback: an inference call changes nothing on the server, so remote declares
//   `idempotent = true` and weft::retry may repeat it (weft::retry_if<weft::remote_error>() retries
//   only these failures); weft::fallback(remote, local) answers with the local model when the remote
//   one fails in any of the ways above.
//   Copies are cheap and share one std::shared_ptr<const> state: the checked metadata and a pool of
//   keep-alive cpp-httplib clients (weft/detail/remote_client_pool.hpp). Thread safety: calls are
//   const and safe from many threads at once: each call borrows a client of its own (an
//   httplib::Client serialises its requests), so concurrent calls run concurrently, on as many
//   connections as calls ran at once. remote_options::keep_alive = false opens a new connection per
//   call instead. `name` is a plain member: set it before sharing the model.
//   Cost per call: the input is written once as JSON text (numbers printed to round-trip exactly:
//   bit-for-bit floats), the answer parsed once (nlohmann-json) and copied into the returned Out;
//   plus the HTTP round trip. Measured in docs/serving.md.
//   Needs cpp-httplib and nlohmann-json (Debian: libcpp-httplib-dev, nlohmann-json3-dev): link
//   weft::serve (CMake component serve). Never included by weft/weft.hpp.
//   Example:  weft::remote<Eigen::Matrix<float, 64, 1>, Eigen::Matrix<float, 10, 1>> mlp{
//                 "http://127.0.0.1:8000", "mlp", {.read_timeout = std::chrono::milliseconds(500)}};
//             auto robust = weft::fallback(weft::retry(mlp, weft::attempts(2)), local_mlp);
#ifndef WEFT_REMOTE_HPP
#define WEFT_REMOTE_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/config.hpp"
#include "detail/entry.hpp"
#include "detail/remote_client_pool.hpp"
#include "detail/shape_checks.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "serve/remote_error.hpp"
#include "shape.hpp"
#include "tensor.hpp"

namespace weft {

/// Options of weft::remote.
struct remote_options {
  /// How long to wait for the TCP connection (construction and each call).
  std::chrono::milliseconds connect_timeout{2000};
  /// How long to wait for the answer once the request is sent (and to send it), each call.
  std::chrono::milliseconds read_timeout{10000};
  /// The server's output tensor to ask for, by name; empty: the model's only output.
  std::string output{};
  /// Reuse connections (a pool of keep-alive clients); false: a new connection per call.
  bool keep_alive = true;
};

namespace detail {

// ---------------------------------------------------------------------------------------------
// The protocol's datatypes and tensor data (temporary: replaced by weft/serve/protocol.hpp).
// ---------------------------------------------------------------------------------------------

/// The protocol's datatype of scalar S ("FP32"); empty for a scalar the protocol has no name for.
template <class S>
constexpr std::string_view remote_datatype() noexcept {
  if constexpr (std::is_same_v<S, float>) return "FP32";
  else if constexpr (std::is_same_v<S, double>) return "FP64";
  else if constexpr (std::is_same_v<S, bool>) return "BOOL";
  else if constexpr (std::is_same_v<S, std::int8_t>) return "INT8";
  else if constexpr (std::is_same_v<S, std::int16_t>) return "INT16";
  else if constexpr (std::is_same_v<S, std::int32_t>) return "INT32";
  else if constexpr (std::is_same_v<S, std::int64_t>) return "INT64";
  else if constexpr (std::is_same_v<S, std::uint8_t>) return "UINT8";
  else if constexpr (std::is_same_v<S, std::uint16_t>) return "UINT16";
  else if constexpr (std::is_same_v<S, std::uint32_t>) return "UINT32";
  else if constexpr (std::is_same_v<S, std::uint64_t>) return "UINT64";
  else return "";
}

/// weft's short scalar name of a protocol datatype ("FP32" -> "f32"); the datatype itself otherwise.
inline std::string remote_scalar_name(std::string_view datatype) {
  static constexpr std::pair<std::string_view, std::string_view> names[] = {
      {"FP32", "f32"}, {"FP64", "f64"}, {"FP16", "f16"}, {"BF16", "bf16"}, {"BOOL", "b8"},
      {"INT8", "i8"}, {"INT16", "i16"}, {"INT32", "i32"}, {"INT64", "i64"}, {"UINT8", "u8"},
      {"UINT16", "u16"}, {"UINT32", "u32"}, {"UINT64", "u64"}};
  for (const auto& [oip, weft] : names)
    if (oip == datatype) return std::string(weft);
  return std::string(datatype);
}

/// A server's tensor spec in weft's notation: "f32[?,64]".
inline std::string remote_spec_text(std::string_view datatype, const std::vector<std::ptrdiff_t>& dims) {
  std::string s = remote_scalar_name(datatype) + "[";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ',';
    s += dims[i] < 0 ? std::string("?") : std::to_string(dims[i]);
  }
  return s + "]";
}

/// Calls f(element) for each element of t in row-major order, whatever t's memory order.
template <class T, class F>
void remote_visit_row_major(T& t, const shape& extents, F&& f) {
  using tr = tensor_traits<std::remove_const_t<T>>;
  auto* p = tr::data(t);
  const std::size_t rank = extents.rank();
  std::ptrdiff_t count = 1;
  for (std::size_t i = 0; i < rank; ++i) count *= extents[i];
  if constexpr (tr::layout != layout::col_major) {
    for (std::ptrdiff_t k = 0; k < count; ++k) f(p[k]);
  } else {  // column-major: the first index moves fastest in memory
    if (count == 0) return;
    std::ptrdiff_t index[shape::max_rank] = {};
    for (std::ptrdiff_t k = 0; k < count; ++k) {
      std::ptrdiff_t offset = 0, stride = 1;
      for (std::size_t a = 0; a < rank; ++a) {
        offset += index[a] * stride;
        stride *= extents[a];
      }
      f(p[offset]);
      for (std::size_t a = rank; a-- > 0;) {  // next row-major index: the last axis moves fastest
        if (++index[a] < extents[a]) break;
        index[a] = 0;
      }
    }
  }
}

/// A JSON number or boolean as scalar S; false when it is not one S can hold exactly.
template <class S>
bool remote_read_scalar(const nlohmann::json& j, S& out) {
  if constexpr (std::is_same_v<S, bool>) {
    if (!j.is_boolean()) return false;
    out = j.get<bool>();
  } else if constexpr (std::is_floating_point_v<S>) {
    if (!j.is_number()) return false;
    out = static_cast<S>(j.get<double>());
  } else if constexpr (std::is_signed_v<S>) {
    if (!j.is_number_integer()) return false;
    if (j.is_number_unsigned()) {
      const auto v = j.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<S>::max())) return false;
      out = static_cast<S>(v);
    } else {
      const auto v = j.get<std::int64_t>();
      if (v < std::numeric_limits<S>::min() || v > std::numeric_limits<S>::max()) return false;
      out = static_cast<S>(v);
    }
  } else {
    if (!j.is_number_unsigned()) return false;
    const auto v = j.get<std::uint64_t>();
    if (v > std::numeric_limits<S>::max()) return false;
    out = static_cast<S>(v);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Metadata and its check.
// ---------------------------------------------------------------------------------------------

/// One input or output as a server's metadata declares it.
struct remote_tensor {
  std::string name;
  std::string datatype;
  std::vector<std::ptrdiff_t> dims;  ///< -1 for a variable extent
};

/// What every copy of one weft::remote shares.
struct remote_state {
  std::string url;        ///< "http://host:port", no trailing '/'
  std::string model;      ///< the model's name on the server
  std::string infer_path; ///< "/v2/models/<model>/infer"
  remote_options options;
  remote_tensor input;    ///< the server's input, as declared
  remote_tensor output;   ///< the server's output, as declared
  bool ask_output = false;///< the model has several outputs: the request names the one wanted
  bool batch_axis = false;///< the server's tensors have a leading batch axis: send [1, ...]
  shape input_shape;      ///< per sample, ours merged with the server's
  shape output_shape;     ///< per sample, ours merged with the server's
  remote_client_pool clients;
  remote_state(std::string u, std::string m, remote_options o)
      : url(std::move(u)), model(std::move(m)), infer_path("/v2/models/" + model + "/infer"),
        options(std::move(o)), clients(url, options.connect_timeout, options.read_timeout, options.keep_alive) {}
};

/// url without trailing slashes; load_error unless it starts with "http://".
inline std::string remote_base_url(std::string url, std::string_view model) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.rfind("http://", 0) != 0 || url.size() == 7)
    throw load_error(url + "/v2/models/" + std::string(model), "", "",
                     "not an http:// URL (weft::remote speaks plain HTTP: \"http://host:port\")");
  return url;
}

/// Why a request got no answer, in words (httplib's error and the timeouts that applied).
inline std::string remote_no_answer(httplib::Error e, const remote_options& o) {
  switch (e) {
    case httplib::Error::Connection:
      return "no answer: could not connect (refused, unreachable, or no connection within the connect "
             "timeout of " + std::to_string(o.connect_timeout.count()) + " ms)";
    case httplib::Error::ConnectionTimeout:
      return "no answer: connect timeout after " + std::to_string(o.connect_timeout.count()) + " ms";
    case httplib::Error::Read:
      return "no answer: none within the read timeout of " + std::to_string(o.read_timeout.count()) +
             " ms, or the connection closed before it";
    case httplib::Error::Write:
      return "no answer: the request could not be sent (write timeout of " +
             std::to_string(o.read_timeout.count()) + " ms, or the connection closed)";
    default:
      return "no answer: " + httplib::to_string(e);
  }
}

/// The server's `error` text of an answer body: the JSON's "error" string, else the body itself
/// (cut to 512 bytes); empty for an empty body.
inline std::string remote_server_message(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object()) {
    const auto e = j.find("error");
    if (e != j.end() && e->is_string()) return e->get<std::string>();
  }
  return body.size() > 512 ? body.substr(0, 512) + "..." : body;
}

/// A tensor of a metadata's "inputs" or "outputs" array; false when it is not the protocol's.
inline bool remote_parse_tensor(const nlohmann::json& j, remote_tensor& t) {
  if (!j.is_object()) return false;
  const auto name = j.find("name");
  const auto datatype = j.find("datatype");
  const auto dims = j.find("shape");
  if (name == j.end() || !name->is_string() || datatype == j.end() || !datatype->is_string() ||
      dims == j.end() || !dims->is_array())
    return false;
  t.name = name->get<std::string>();
  t.datatype = datatype->get<std::string>();
  for (const auto& d : *dims) {
    if (!d.is_number_integer() || d.get<std::int64_t>() < -1) return false;
    t.dims.push_back(static_cast<std::ptrdiff_t>(d.get<std::int64_t>()));
  }
  return true;
}

/// The tensor named `wanted` (or the only one when wanted is empty) of a metadata's list.
inline const remote_tensor& remote_pick(const std::vector<remote_tensor>& ts, const std::string& wanted,
                                        std::string_view what, const std::string& file) {
  std::string names;
  for (const auto& t : ts) {
    if (!wanted.empty() && t.name == wanted) return t;
    names += (names.empty() ? "" : ", ") + t.name;
  }
  if (wanted.empty() && ts.size() == 1) return ts.front();
  if (wanted.empty())
    throw load_error(file, "", "one " + std::string(what) + " (or remote_options::" + std::string(what) + " naming one)",
                     std::to_string(ts.size()) + " " + std::string(what) + "s: " + names);
  throw load_error(file, wanted, "an " + std::string(what) + " named \"" + wanted + "\"",
                   std::string(what) + "s: " + names);
}

/// The server's tensor t against our tensor type T: datatype, rank (batch axis or not), extents.
/// Returns the per-sample shape both allow; throws load_error naming file, t and both specs.
template <class T>
shape remote_check_tensor(const remote_tensor& t, bool batch_axis, const std::string& file) {
  using tr = tensor_traits<T>;
  shape s = static_shape<T>();
  std::vector<std::ptrdiff_t> our_dims;  // what we send or accept, batch axis of one included
  if (batch_axis) our_dims.push_back(1);
  for (const std::ptrdiff_t e : s) our_dims.push_back(e);
  const std::string ours = remote_spec_text(remote_datatype<typename tr::scalar_type>(), our_dims);
  const std::string theirs = remote_spec_text(t.datatype, t.dims);
  if (t.datatype != remote_datatype<typename tr::scalar_type>()) throw load_error(file, t.name, ours, theirs);
  const std::size_t skip = batch_axis ? 1 : 0;
  if (t.dims.size() != static_cast<std::size_t>(tr::rank) + skip) throw load_error(file, t.name, ours, theirs);
  if (batch_axis && t.dims[0] != -1 && t.dims[0] != 1) throw load_error(file, t.name, ours, theirs);
  for (std::size_t a = 0; a < s.rank(); ++a) {
    const std::ptrdiff_t server = t.dims[a + skip];
    if (server == -1) continue;          // the server takes (or answers) any extent: ours stands
    if (s[a] == dyn) s[a] = server;      // ours takes any: the server's number is declared
    else if (s[a] != server) throw load_error(file, t.name, ours, theirs);
  }
  return s;
}

/// Reads and checks the metadata of state's model; see weft/remote.hpp's contract.
template <class In, class Out>
void remote_load(remote_state& st) {
  const std::string file = st.url + "/v2/models/" + st.model;
  httplib::Client client(st.url);
  client.set_connection_timeout(st.options.connect_timeout);
  client.set_read_timeout(st.options.read_timeout);
  const httplib::Result res = client.Get("/v2/models/" + st.model);
  if (!res) throw load_error(file, "", "", remote_no_answer(res.error(), st.options));
  if (res->status != 200) {
    const std::string message = remote_server_message(res->body);
    throw load_error(file, "", "", "HTTP " + std::to_string(res->status) + (message.empty() ? "" : ": " + message));
  }
  const nlohmann::json meta = nlohmann::json::parse(res->body, nullptr, false);
  std::vector<remote_tensor> inputs, outputs;
  const auto read_list = [&](const char* key, std::vector<remote_tensor>& into) {
    const auto list = meta.is_object() ? meta.find(key) : meta.end();
    if (!meta.is_object() || list == meta.end() || !list->is_array() || list->empty())
      throw load_error(file, "", "", std::string("metadata without an \"") + key + "\" list (not the protocol's JSON)");
    for (const auto& j : *list) {
      remote_tensor t;
      if (!remote_parse_tensor(j, t))
        throw load_error(file, "", "", std::string("an entry of \"") + key + "\" without name, datatype and shape: " +
                                           j.dump());
      into.push_back(std::move(t));
    }
  };
  read_list("inputs", inputs);
  read_list("outputs", outputs);
  if (inputs.size() != 1) {  // weft::remote sends one tensor
    std::string names;
    for (const auto& t : inputs) names += (names.empty() ? "" : ", ") + t.name;
    throw load_error(file, "", "a model of one input", std::to_string(inputs.size()) + " inputs: " + names);
  }
  st.input = inputs.front();
  st.output = remote_pick(outputs, st.options.output, "output", file);
  st.ask_output = outputs.size() > 1;
  // A batch axis: the server's input has one more axis than In. The output must follow suit.
  st.batch_axis = st.input.dims.size() == static_cast<std::size_t>(tensor_traits<In>::rank) + 1;
  st.input_shape = remote_check_tensor<In>(st.input, st.batch_axis, file);
  st.output_shape = remote_check_tensor<Out>(st.output, st.batch_axis, file);
}

/// T is a tensor weft::remote can send or fill: owning, contiguous, a static rank, a protocol scalar.
template <class T>
inline constexpr bool remote_tensor_type = [] {
  if constexpr (tensor<T>) {
    using tr = tensor_traits<std::remove_cvref_t<T>>;
    return tr::rank != dyn && tr::owns_memory && tr::contiguous && !remote_datatype<typename tr::scalar_type>().empty();
  } else {
    return false;
  }
}();

}  // namespace detail

/// A model served by an Open Inference Protocol server, as a weft model; see the header comment.
template <class In, class Out>
class remote {
  static_assert(detail::remote_tensor_type<In>,
                "weft: remote<In, Out>: In must be an owning, contiguous tensor of a static rank whose "
                "scalar the protocol names (float, double, bool, a fixed-width integer)");
  static_assert(detail::remote_tensor_type<Out>,
                "weft: remote<In, Out>: Out must be an owning, contiguous tensor of a static rank whose "
                "scalar the protocol names (float, double, bool, a fixed-width integer)");

 public:
  using input_type = In;
  using output_type = Out;
  /// An inference call changes nothing on the server: weft::retry may repeat it.
  static constexpr bool idempotent = true;

  /// The name stage paths show; the model's name on the server unless changed.
  std::string name;

  /// Reads GET <url>/v2/models/<model> and checks it against In and Out (see the header comment).
  /// Throws weft::load_error.
  remote(std::string url, std::string model, remote_options options = {})
      : name(model), state_(load(std::move(url), std::move(model), std::move(options))) {}

  /// Sends x to the server and returns its answer. Throws weft::shape_error when x does not fit
  /// input_shape() (nothing is sent), weft::remote_error when the call fails (see the header comment).
  Out operator()(const In& x) const {
    if constexpr (!detail::static_shape<In>().is_static()) detail::check_declared_entry(*this, x);
    const detail::remote_state& st = *state_;
    const std::string body = request(st, x);
    detail::remote_client_lease lease = st.clients.acquire();
    httplib::Result res = lease.client().Post(st.infer_path, body, "application/json");
    if (!res) {
      lease.discard();
      throw remote_error(st.url, st.model, 0, detail::remote_no_answer(res.error(), st.options));
    }
    if (res->status != 200)
      throw remote_error(st.url, st.model, res->status, "HTTP " + std::to_string(res->status),
                         detail::remote_server_message(res->body));
    return answer(st, res->body);
  }

  /// Another tensor type or an expression, judged and bridged first as weft::conversion decides (a
  /// checked conversion throws weft::shape_error): see weft/detail/entry.hpp. Then as operator().
  template <class X>
    requires detail::foreign_argument<X, In>
  Out operator()(const X& x, detail::entry_diagnostic<X, In> = {}) const {
    return detail::enter(*this, x);
  }

  /// Per sample: In's extents, a dyn one replaced by the server's number where it declares one.
  shape input_shape() const noexcept { return state_->input_shape; }
  /// Per sample: Out's extents, a dyn one replaced by the server's number where it declares one.
  shape output_shape() const noexcept { return state_->output_shape; }
  /// The server's base URL ("http://127.0.0.1:8000").
  const std::string& url() const noexcept { return state_->url; }
  /// The model's name on the server.
  const std::string& model() const noexcept { return state_->model; }
  /// The server's input and output tensor names this stage uses.
  const std::string& input_name() const noexcept { return state_->input.name; }
  const std::string& output_name() const noexcept { return state_->output.name; }

 private:
  static std::shared_ptr<const detail::remote_state> load(std::string url, std::string model, remote_options options) {
    std::string base = detail::remote_base_url(std::move(url), model);
    auto st = std::make_shared<detail::remote_state>(std::move(base), std::move(model), std::move(options));
    detail::remote_load<In, Out>(*st);
    return st;
  }

  /// The request body for x: {"inputs": [{name, shape, datatype, data}]} (+ "outputs" when needed).
  static std::string request(const detail::remote_state& st, const In& x) {
    const shape extents = tensor_traits<In>::extents_of(x);
    nlohmann::json dims = nlohmann::json::array();
    if (st.batch_axis) dims.push_back(1);
    for (const std::ptrdiff_t e : extents) dims.push_back(e);
    nlohmann::json data = nlohmann::json::array();
    detail::remote_visit_row_major(x, extents, [&](const auto& v) { data.push_back(v); });
    nlohmann::json input = {{"name", st.input.name}, {"shape", std::move(dims)},
                            {"datatype", st.input.datatype}, {"data", std::move(data)}};
    nlohmann::json req = {{"inputs", nlohmann::json::array({std::move(input)})}};
    if (st.ask_output) req["outputs"] = nlohmann::json::array({{{"name", st.output.name}}});
    return req.dump();
  }

  /// The Out in an answer body; remote_error (status 200) when it is not the protocol's or not an Out.
  static Out answer(const detail::remote_state& st, const std::string& body) {
    const auto fail = [&](const std::string& problem) { return remote_error(st.url, st.model, 200, problem); };
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) throw fail("malformed JSON in the answer (" + std::to_string(body.size()) + " bytes)");
    const auto outputs = j.is_object() ? j.find("outputs") : j.end();
    if (!j.is_object() || outputs == j.end() || !outputs->is_array())
      throw fail("an answer without an \"outputs\" list (not the protocol's JSON)");
    const nlohmann::json* found = nullptr;
    for (const auto& o : *outputs)
      if (o.is_object() && o.contains("name") && o["name"] == st.output.name) found = &o;
    if (!found) throw fail("an answer without the output \"" + st.output.name + "\"");
    detail::remote_tensor t;
    const auto data = found->find("data");
    if (!detail::remote_parse_tensor(*found, t) || data == found->end() || !data->is_array())
      throw fail("output \"" + st.output.name + "\" without datatype, shape and data: " + found->dump().substr(0, 200));
    // The answer's per-sample extents (after a batch axis of 1) must fit output_shape().
    shape got;
    const std::size_t skip = st.batch_axis ? 1 : 0;
    bool fits = t.datatype == st.output.datatype && t.dims.size() == st.output_shape.rank() + skip &&
                (!st.batch_axis || t.dims[0] == 1);
    if (fits) {
      got.resize(st.output_shape.rank());
      for (std::size_t a = 0; a < got.rank(); ++a) got[a] = t.dims[a + skip];
      fits = got.is_static() && st.output_shape.admits(got);
    }
    const auto expected = [&] {
      std::vector<std::ptrdiff_t> dims;
      if (st.batch_axis) dims.push_back(1);
      for (const std::ptrdiff_t e : st.output_shape) dims.push_back(e);
      return detail::remote_spec_text(st.output.datatype, dims);
    };
    if (!fits)
      throw fail("output \"" + st.output.name + "\": expected " + expected() + ", got " +
                 detail::remote_spec_text(t.datatype, t.dims));
    if (data->size() != static_cast<std::size_t>(got.element_count()))
      throw fail("output \"" + st.output.name + "\": " + expected() + " holds " + std::to_string(got.element_count()) +
                 " values, the answer's data has " + std::to_string(data->size()));
    Out y = tensor_traits<Out>::make(got);
    std::size_t k = 0;
    bool ok = true;
    detail::remote_visit_row_major(y, got, [&](auto& v) {
      if (ok && !detail::remote_read_scalar((*data)[k], v)) ok = false;
      ++k;
    });
    if (!ok)
      throw fail("output \"" + st.output.name + "\": its data holds a value that is not " +
                 detail::remote_scalar_name(st.output.datatype));
    return y;
  }

  std::shared_ptr<const detail::remote_state> state_;
};

namespace detail {
/// remote checks its own argument (before anything is sent): invoke_stage leaves it to it.
template <class In, class Out>
inline constexpr bool checks_own_entry<remote<In, Out>> = true;
}  // namespace detail

}  // namespace weft

#endif  // WEFT_REMOTE_HPP
