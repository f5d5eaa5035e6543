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
//   one output, or remote_options::output names the one to ask for. Each tensor's datatype must be
//   In's (Out's) scalar (FP32 for float, FP64 for double, INT64 for std::int64_t, BOOL for bool...).
//   Its rank must be In's (Out's), or one more with a leading batch axis of -1 or 1 (weft::serve's
//   `[-1] + sample`, Triton's models with max_batch_size > 0): then x is sent
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
//   tensor name ("" for the whole model), expected() our spec, actual() the server's, both in the
//   protocol's terms ("FP32[1,64]" against "FP64[-1,64]"; the codec's notation, weft/serve/protocol.hpp).
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
//   plus the HTTP round trip (measured in docs/serving.md). Batches: remote is batch-native
//   (weft::batch_native) when In and Out can be batched: call_batch sends a whole weft::batch_t<In>
//   in one request when the server has a batch axis (one request per sample otherwise).
//   Needs cpp-httplib and nlohmann-json (Debian: libcpp-httplib-dev, nlohmann-json3-dev): link
//   weft::serve (CMake component serve). Never included by weft/weft.hpp.
//   Example:  weft::remote<Eigen::Matrix<float, 64, 1>, Eigen::Matrix<float, 10, 1>> mlp{
//                 "http://127.0.0.1:8000", "mlp", {.read_timeout = std::chrono::milliseconds(500)}};
//             auto robust = weft::fallback(weft::retry(mlp, weft::attempts(2)), local_mlp);
#ifndef WEFT_REMOTE_HPP
#define WEFT_REMOTE_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "batch.hpp"
#include "detail/config.hpp"
#include "detail/entry.hpp"
#include "detail/remote_client_pool.hpp"
#include "detail/shape_checks.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "serve/protocol.hpp"
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
// Metadata and its check.
// ---------------------------------------------------------------------------------------------

/// What every copy of one weft::remote shares.
struct remote_state {
  std::string url;           ///< "http://host:port", no trailing '/'
  std::string model;         ///< the model's name on the server
  std::string infer_path;    ///< "/v2/models/<model>/infer"
  remote_options options;
  oip::tensor_meta input;    ///< the server's input, as declared
  oip::tensor_meta output;   ///< the server's output, as declared
  bool ask_output = false;   ///< the model has several outputs: the request names the one wanted
  bool batch_axis = false;   ///< the server's tensors have a leading batch axis: send [n, ...]
  shape input_shape;         ///< per sample, ours merged with the server's
  shape output_shape;        ///< per sample, ours merged with the server's
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
  const oip::json j = oip::json::parse(body, nullptr, false);
  if (j.is_object()) {
    const auto e = j.find("error");
    if (e != j.end() && e->is_string()) return e->get<std::string>();
  }
  return body.size() > 512 ? body.substr(0, 512) + "..." : body;
}

/// A tensor of a metadata's "inputs" or "outputs" array; false when it is not the protocol's.
inline bool remote_parse_tensor(const oip::json& j, oip::tensor_meta& t) {
  if (!j.is_object()) return false;
  const auto name = j.find("name");
  const auto datatype = j.find("datatype");
  const auto dims = j.find("shape");
  if (name == j.end() || !name->is_string() || datatype == j.end() || !datatype->is_string() ||
      dims == j.end() || !dims->is_array())
    return false;
  t.name = name->get<std::string>();
  t.datatype = datatype->get<std::string>();
  t.shape.clear();
  for (const auto& d : *dims) {
    if (!d.is_number_integer() || d.get<std::int64_t>() < -1) return false;
    t.shape.push_back(d.get<std::int64_t>());
  }
  return true;
}

/// The tensor named `wanted` (or the only one when wanted is empty) of a metadata's list.
inline const oip::tensor_meta& remote_pick(const std::vector<oip::tensor_meta>& ts, const std::string& wanted,
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
shape remote_check_tensor(const oip::tensor_meta& t, bool batch_axis, const std::string& file) {
  constexpr std::string_view datatype = oip::datatype_of<scalar_t<T>>();
  shape s = static_shape<T>();
  const std::string ours = oip::spec_text(datatype, oip::detail::protocol_shape(s, batch_axis ? 1 : -1));
  const std::string theirs = oip::spec_text(t.datatype, t.shape);
  const std::size_t skip = batch_axis ? 1 : 0;
  if (t.datatype != datatype || t.shape.size() != s.rank() + skip || (batch_axis && t.shape[0] != -1 && t.shape[0] != 1))
    throw load_error(file, t.name, ours, theirs);
  for (std::size_t a = 0; a < s.rank(); ++a) {
    const auto server = static_cast<std::ptrdiff_t>(t.shape[a + skip]);
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
  client.set_tcp_nodelay(true);
  const httplib::Result res = client.Get("/v2/models/" + st.model);
  if (!res) throw load_error(file, "", "", remote_no_answer(res.error(), st.options));
  if (res->status != 200) {
    const std::string message = remote_server_message(res->body);
    throw load_error(file, "", "", "HTTP " + std::to_string(res->status) + (message.empty() ? "" : ": " + message));
  }
  const oip::json meta = oip::json::parse(res->body, nullptr, false);
  std::vector<oip::tensor_meta> inputs, outputs;
  const auto read_list = [&](const char* key, std::vector<oip::tensor_meta>& into) {
    const auto list = meta.is_object() ? meta.find(key) : meta.end();
    if (!meta.is_object() || list == meta.end() || !list->is_array() || list->empty())
      throw load_error(file, "", "", std::string("metadata without an \"") + key + "\" list (not the protocol's JSON)");
    for (const auto& j : *list) {
      oip::tensor_meta t;
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
  st.batch_axis = st.input.shape.size() == static_cast<std::size_t>(tensor_traits<In>::rank) + 1;
  st.input_shape = remote_check_tensor<In>(st.input, st.batch_axis, file);
  st.output_shape = remote_check_tensor<Out>(st.output, st.batch_axis, file);
}

/// T is a tensor weft::remote can send or fill: owning, contiguous, of a static rank.
template <class T>
inline constexpr bool remote_tensor_type = [] {
  if constexpr (tensor<T>) {
    using tr = tensor_traits<std::remove_cvref_t<T>>;
    return tr::rank != dyn && tr::owns_memory && tr::contiguous;
  } else {
    return false;
  }
}();

}  // namespace detail

/// A model served by an Open Inference Protocol server, as a weft model; see the header comment.
template <class In, class Out>
class remote {
  static_assert(detail::remote_tensor_type<In>,
                "weft: remote<In, Out>: In must be an owning, contiguous tensor of a static rank");
  static_assert(detail::remote_tensor_type<Out>,
                "weft: remote<In, Out>: Out must be an owning, contiguous tensor of a static rank");

 public:
  using input_type = In;
  using output_type = Out;
  /// An inference call changes nothing on the server: weft::retry may repeat it.
  static constexpr bool idempotent = true;

  /// The name stage paths show; the model's name on the server unless changed.
  std::string name;

  /// Reads `GET {url}/v2/models/{model}` and checks it against In and Out (see the header comment).
  /// Throws weft::load_error.
  remote(std::string url, std::string model, remote_options options = {})
      : name(model), state_(load(std::move(url), std::move(model), std::move(options))) {}

  /// Sends x to the server and returns its answer. Throws weft::shape_error when x does not fit
  /// input_shape() (nothing is sent), weft::remote_error when the call fails (see the header comment).
  Out operator()(const In& x) const {
    if constexpr (!detail::static_shape<In>().is_static()) detail::check_declared_entry(*this, x);
    const detail::remote_state& st = *state_;
    oip::json input = oip::encode(st.input.name, x);
    if (st.batch_axis) {  // a batch of one
      oip::json& dims = input["shape"];
      dims.insert(dims.begin(), 1);
    }
    oip::json t = checked_output(st, post(st, std::move(input)), 1);
    return decode(st, [&] {
      const shape declared = st.output_shape;
      return std::move(oip::decode_samples<Out>(t, st.output.name, &declared).front());
    });
  }

  /// A whole batch (weft::batch_t<In>: Eigen, one sample per column; xtensor, samples on axis 0):
  /// one request of shape [n, ...] when the server has a batch axis, else one request per sample.
  /// Sample j of the result is what (*this)(sample j) returns (weft::batch_native). An empty batch
  /// gives an empty result without a request. Throws as operator() does: weft::shape_error when a
  /// sample does not fit input_shape() (nothing is sent), weft::remote_error when the call fails or
  /// the answer holds another number of samples.
  batch_t<Out> call_batch(const batch_t<In>& b) const
    requires(tensor<batch_t<In>> && tensor<batch_t<Out>>)
  {
    const detail::remote_state& st = *state_;
    oip::json input = oip::encode_batch(st.input.name, b);
    const oip::json& dims = input["shape"];
    const auto n = dims[0].get<std::int64_t>();
    shape sample;
    sample.resize(dims.size() - 1);
    for (std::size_t a = 0; a < sample.rank(); ++a) sample[a] = dims[a + 1].get<std::ptrdiff_t>();
    if (!st.input_shape.admits(sample))
      throw shape_error(spec_name<In>(st.input_shape) + " per sample",
                        spec_name<In>(sample) + " per sample (a batch of " + std::to_string(n) + ")");
    if (n == 0) return empty_batch(st);
    if (!st.batch_axis) {  // one request per sample: the codec splits the batch and stacks the answers
      std::vector<Out> ys;
      ys.reserve(static_cast<std::size_t>(n));
      for (const In& x : oip::decode_samples<In>(input, st.input.name)) ys.push_back((*this)(x));
      return oip::decode_batch<Out>(oip::encode_samples(st.output.name, ys), st.output.name);
    }
    oip::json t = checked_output(st, post(st, std::move(input)), n);
    return decode(st, [&] {
      const shape declared = st.output_shape;
      return oip::decode_batch<Out>(t, st.output.name, &declared);
    });
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

  /// Sends {"inputs": [input]} (+ "outputs" when the model has several) and returns the answer's
  /// body; remote_error when no answer came or its status is not 200.
  static std::string post(const detail::remote_state& st, oip::json input) {
    oip::json req = {{"inputs", oip::json::array({std::move(input)})}};
    if (st.ask_output) req["outputs"] = oip::json::array({{{"name", st.output.name}}});
    const std::string body = req.dump();
    detail::remote_client_lease lease = st.clients.acquire();
    httplib::Result res = lease.client().Post(st.infer_path, body, "application/json");
    if (!res) {
      lease.discard();
      throw remote_error(st.url, st.model, 0, detail::remote_no_answer(res.error(), st.options));
    }
    if (res->status != 200)
      throw remote_error(st.url, st.model, res->status, "HTTP " + std::to_string(res->status),
                         detail::remote_server_message(res->body));
    return std::move(res->body);
  }

  /// The output tensor of an answer body holding n samples: its datatype and shape checked against
  /// [n] + output_shape() (output_shape() alone, n == 1, without a batch axis), in the server's
  /// terms, and returned as [n] + the sample's shape for the codec. remote_error (status 200) when
  /// the body is not the protocol's JSON or the tensor does not fit.
  static oip::json checked_output(const detail::remote_state& st, const std::string& body, std::int64_t n) {
    const auto fail = [&](const std::string& problem) { return remote_error(st.url, st.model, 200, problem); };
    oip::json j = oip::json::parse(body, nullptr, false);
    if (j.is_discarded()) throw fail("malformed JSON in the answer (" + std::to_string(body.size()) + " bytes)");
    const auto outputs = j.is_object() ? j.find("outputs") : j.end();
    if (!j.is_object() || outputs == j.end() || !outputs->is_array())
      throw fail("an answer without an \"outputs\" list (not the protocol's JSON)");
    oip::json* found = nullptr;
    for (auto& o : *outputs)
      if (o.is_object() && o.contains("name") && o["name"] == st.output.name) found = &o;
    const std::string what = "output \"" + st.output.name + "\"";
    oip::tensor_meta t;
    if (!found || !detail::remote_parse_tensor(*found, t))
      throw fail("an answer without " + what + " (name, datatype, shape and data)");
    const std::vector<std::int64_t> expected = oip::detail::protocol_shape(st.output_shape, st.batch_axis ? n : -1);
    bool fits = t.datatype == st.output.datatype && t.shape.size() == expected.size();
    for (std::size_t a = 0; fits && a < expected.size(); ++a) fits = expected[a] == -1 || expected[a] == t.shape[a];
    if (!fits)
      throw fail(what + ": expected " + oip::spec_text(st.output.datatype, expected) + ", got " +
                 oip::spec_text(t.datatype, t.shape));
    if (!st.batch_axis) {  // the codec reads [n] + the sample's shape: make this one sample a batch of one
      oip::json& dims = (*found)["shape"];
      dims.insert(dims.begin(), 1);
    }
    return std::move(*found);
  }

  /// f() (the codec reading a checked output); its request_error becomes a remote_error (status 200).
  template <class F>
  static auto decode(const detail::remote_state& st, F&& f) {
    try {
      return f();
    } catch (const oip::request_error& e) {
      throw remote_error(st.url, st.model, 200,
                         "output \"" + st.output.name + "\": " + e.problem() +
                             (e.expected().empty() ? "" : ": expected " + e.expected()) +
                             (e.actual().empty() ? "" : ", got " + e.actual()));
    }
  }

  /// A batch of no sample (a dyn extent of output_shape() taken as 0).
  static batch_t<Out> empty_batch(const detail::remote_state& st) {
    using tr = tensor_traits<batch_t<Out>>;
    shape e;
    e.resize(st.output_shape.rank() + 1);
    for (std::size_t a = 0; a < st.output_shape.rank(); ++a) e[a + 1] = st.output_shape[a] == dyn ? 0 : st.output_shape[a];
    if constexpr (tr::backend == backend::eigen) return tr::make(shape{e[1], 0});  // one sample per column
    else return tr::make(e);
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
