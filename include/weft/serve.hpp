// SPDX-License-Identifier: BSL-1.0
// weft/serve.hpp - weft::serve: any weft pipeline behind the Open Inference Protocol (REST), on httplib.
//
// Contract:
//   weft::serve(server, "name", pipeline[, options]) registers pipeline (any weft::model whose
//   input_type is a tensor; moved or copied in; a weft::batcher handle shares its queue) under name
//   on server (an httplib::Server, cpp-httplib), and on the first call for that server adds the
//   protocol's REST routes, which serve every model registered on it:
//     GET  /v2/health/live           200 {"live": true}
//     GET  /v2/health/ready          200 {"ready": true}
//     GET  /v2                       200 {"name": "weft", "version": ..., "extensions": []}
//     GET  /v2/models/<name>         200 metadata {name, versions, platform, inputs, outputs}
//     GET  /v2/models/<name>/ready   200 {"name": ..., "ready": true}
//     POST /v2/models/<name>/infer   200 {model_name, model_version, id?, outputs}
//     GET  /metrics                  200 Prometheus text (weft/serve/metrics.hpp)
//   The JSON codec, tensor names, batches and the entry check: weft/serve/protocol.hpp and
//   weft/serve/served_model.hpp; docs/serving.md shows a request and its answer.
//   Errors are answered with {"error": "<what()>"} (the message names the stage path and both specs
//   where they apply) and a status: malformed JSON or a failing entry check (weft::oip::request_error)
//   400; an unknown model 404; a body over options.max_body_bytes (default 64 MiB) 413, before it is
//   parsed; a failure after the entry check (a model's exception, weft::non_finite_error, a
//   shape_error inside) 500; a weft::remote_error (a remote stage failed, weft/serve/remote_error.hpp)
//   502. No exception leaves a handler: the server answers and keeps serving.
//   weft::serve throws std::invalid_argument for a name taken or not of [A-Za-z0-9_.-], or a wrong
//   number of output names. It sets the server's error handler (for 404 and 413 bodies) and raises its
//   payload limit to the largest max_body_bytes served.
//   Thread safety: httplib calls the handlers from its thread pool, so the pipeline is called from
//   many threads at once, const: it must be safe to call that way (weft's combinators and runtime
//   models are). The first weft::serve on a server must come before server.listen() (it adds the
//   routes); later ones may come while it serves. Metrics are atomics (no lock on a call's path);
//   the models' table takes a shared lock per request.
//   Example:  httplib::Server server;
//             weft::serve(server, "digits", pipeline);
//             server.listen("127.0.0.1", 8000);
#ifndef WEFT_SERVE_HPP
#define WEFT_SERVE_HPP

#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <httplib.h>

#include "model.hpp"
#include "serve/metrics.hpp"
#include "serve/options.hpp"
#include "serve/protocol.hpp"
#include "serve/registry.hpp"
#include "serve/remote_error.hpp"
#include "serve/request_error.hpp"
#include "serve/served_model.hpp"

namespace weft {
namespace oip::detail {

/// {"error": message}, as text (invalid UTF-8 replaced: a message may quote the request).
inline std::string error_body(std::string_view message) {
  return json{{"error", message}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Sets status and a JSON body.
inline void answer(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), "application/json");
}

/// The HTTP status and message of an exception a request raised (see the header comment).
inline std::pair<int, std::string> refusal_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const request_error& x) {
    return {400, x.what()};
  } catch (const remote_error& x) {
    return {502, x.what()};
  } catch (const std::exception& x) {
    return {500, x.what()};
  } catch (...) {
    return {500, "weft: unknown exception (not a std::exception)"};
  }
}

/// POST /v2/models/<name>/infer.
inline void infer_route(const model_registry& models, const httplib::Request& req, httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  const std::string name = req.matches[1];
  const auto m = models.find(name);
  if (!m) return answer(res, 404, error_body("weft: unknown model \"" + name + "\""));
  int status = 200;
  std::string body;
  if (req.body.size() > m->max_body_bytes()) {
    status = 413;
    body = error_body("weft: request body of " + std::to_string(req.body.size()) + " bytes is over model \"" + name +
                      "\"'s limit of " + std::to_string(m->max_body_bytes()) + " bytes");
  } else {
    try {
      body = m->infer(parse_infer_request(req.body), name).dump(-1, ' ', false, json::error_handler_t::replace);
    } catch (...) {
      auto [code, message] = refusal_of(std::current_exception());
      status = code;
      body = error_body(message);
    }
  }
  m->metrics().record_request(
      status, std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start));
  answer(res, status, std::move(body));
}

/// The protocol's routes for the models of registry models, on server; see the header comment.
inline void add_routes(httplib::Server& server, const std::shared_ptr<model_registry>& models) {
  const auto guarded = [](auto route) {
    return [route](const httplib::Request& req, httplib::Response& res) {
      try {
        route(req, res);
      } catch (...) {
        answer(res, 500, error_body(refusal_of(std::current_exception()).second));
      }
    };
  };
  server.Get("/v2/health/live", guarded([](const httplib::Request&, httplib::Response& res) {
    answer(res, 200, R"({"live":true})");
  }));
  server.Get("/v2/health/ready", guarded([](const httplib::Request&, httplib::Response& res) {
    answer(res, 200, R"({"ready":true})");
  }));
  server.Get("/v2", guarded([](const httplib::Request&, httplib::Response& res) {
    answer(res, 200, json{{"name", "weft"}, {"version", "0.1.0"}, {"extensions", json::array()}}.dump());
  }));
  server.Get(R"(/v2/models/([^/]+))", guarded([models](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    const auto m = models->find(name);
    if (!m) return answer(res, 404, error_body("weft: unknown model \"" + name + "\""));
    answer(res, 200, m->metadata(name).dump(-1, ' ', false, json::error_handler_t::replace));
  }));
  server.Get(R"(/v2/models/([^/]+)/ready)", guarded([models](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    if (!models->find(name)) return answer(res, 404, error_body("weft: unknown model \"" + name + "\""));
    answer(res, 200, json{{"name", name}, {"ready", true}}.dump());
  }));
  server.Post(R"(/v2/models/([^/]+)/infer)", guarded([models](const httplib::Request& req, httplib::Response& res) {
    infer_route(*models, req, res);
  }));
  server.Get("/metrics", guarded([models](const httplib::Request&, httplib::Response& res) {
    std::vector<std::pair<std::string, const model_metrics*>> all;
    const auto served = models->all();
    for (const auto& [name, m] : served) all.emplace_back(name, &m->metrics());
    std::string text;
    write_prometheus(text, all);
    res.status = 200;
    res.set_content(std::move(text), "text/plain; version=0.0.4; charset=utf-8");
  }));
  // Answers httplib gives itself (no route: 404; a body over the payload limit: 413) get the
  // protocol's error body; an infer request refused so is counted for its model.
  server.set_error_handler([models](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message = "weft: " + std::to_string(res.status) + " for " + req.method + " " + req.path;
    if (res.status == 413) message = "weft: request body over the server's limit of " +
                                     std::to_string(models->max_body_bytes()) + " bytes";
    static constexpr std::string_view prefix = "/v2/models/";
    if (req.path.compare(0, prefix.size(), prefix) == 0) {
      const std::string rest = req.path.substr(prefix.size());
      const std::string name = rest.substr(0, rest.find('/'));
      const auto m = models->find(name);
      if (!m && res.status == 404) message = "weft: unknown model \"" + name + "\"";
      if (m && res.status == 413) m->metrics().record_request(413, std::chrono::nanoseconds(0));
    }
    res.set_content(error_body(message), "application/json");
  });
}

/// The registry of server's models, made (with the routes) on first use. Registries live as long as
/// the server's handlers; the table here only refers to them.
inline std::shared_ptr<model_registry> registry_of(httplib::Server& server) {
  static std::mutex mutex;
  static std::map<const httplib::Server*, std::weak_ptr<model_registry>> registries;
  const std::lock_guard lock(mutex);
  for (auto it = registries.begin(); it != registries.end();) it = it->second.expired() ? registries.erase(it) : ++it;
  if (const auto it = registries.find(&server); it != registries.end()) return it->second.lock();
  auto models = std::make_shared<model_registry>();
  add_routes(server, models);
  registries.emplace(&server, models);
  return models;
}

}  // namespace oip::detail

/// Serves pipeline under name on server (see the header comment). Throws std::invalid_argument for a
/// taken or malformed name or a wrong number of output names; std::bad_alloc.
template <class P>
  requires model<std::decay_t<P>> && tensor<input_t<std::decay_t<P>>>
void serve(httplib::Server& server, const std::string& name, P&& pipeline, serve_options options = {}) {
  const std::size_t limit = options.max_body_bytes;
  auto served = std::make_shared<oip::served_model<std::decay_t<P>>>(std::forward<P>(pipeline), std::move(options));
  const auto models = oip::detail::registry_of(server);
  models->add(name, std::move(served));
  if (limit > 0 && models->max_body_bytes() == limit) server.set_payload_max_length(limit);
}

}  // namespace weft

#endif  // WEFT_SERVE_HPP
