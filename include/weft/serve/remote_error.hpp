// SPDX-License-Identifier: BSL-1.0
// weft/serve/remote_error.hpp - weft::remote_error: a call to a model served elsewhere failed.
//
// Contract:
//   weft::remote_error is a weft error (it takes part in stage paths like shape_error) thrown by a
//   weft::remote stage when one call to an Open Inference Protocol server did not give an answer
//   that fits the stage's output type. It carries:
//     status()          the HTTP status of the answer; 0 when there was no answer (connection
//                       refused, a connect or read timeout, the connection cut mid-answer);
//     url()             the server's base URL as the stage was given it ("http://127.0.0.1:8000");
//     model()           the model name on that server;
//     problem()         weft's own words for what went wrong ("HTTP 500", "read timeout after
//                       2000 ms", "malformed JSON in the answer: ...", "output \"output\": expected
//                       FP32 [3], got FP64 [3]");
//     server_message()  the server's `{"error": ...}` text, word for word; empty when it sent none.
//   what() reads, on one line:
//     weft: remote_error at <path>: model "digits" at http://127.0.0.1:8000: HTTP 500;
//     server said: <server_message>
//   (the "; server said: ..." part only when the server sent a message).
//   A weft::serve server that catches a remote_error from a stage answers 502 (Bad Gateway).
//   Header-only, no library needed (it is not tied to cpp-httplib).
//   Thread safety: the const members may be called from many threads at once.
#ifndef WEFT_SERVE_REMOTE_ERROR_HPP
#define WEFT_SERVE_REMOTE_ERROR_HPP

#include <string>
#include <string_view>

#include "../errors.hpp"

namespace weft {

/// One call to a remote model failed: no answer, an HTTP error, or an answer that does not fit.
class remote_error : public error_base<remote_error> {
 public:
  /// url: the server's base URL; model: the model's name there; status: the HTTP status (0 when
  /// there was no answer); problem: what went wrong, in weft's words; server_message: the server's
  /// `error` text (empty when it sent none).
  remote_error(std::string_view url, std::string_view model, int status, std::string_view problem,
               std::string_view server_message = {})
      : error_base("remote_error", describe(url, model, problem, server_message)),
        url_(url), model_(model), status_(status), problem_(problem), server_message_(server_message) {}

  /// The HTTP status of the answer; 0 when there was no answer.
  int status() const noexcept { return status_; }
  /// The server's base URL as the stage was given it.
  const std::string& url() const noexcept { return url_; }
  /// The model's name on that server.
  const std::string& model() const noexcept { return model_; }
  /// What went wrong, in weft's words.
  const std::string& problem() const noexcept { return problem_; }
  /// The server's `{"error": ...}` text, word for word; empty when it sent none.
  const std::string& server_message() const noexcept { return server_message_; }

 private:
  static std::string describe(std::string_view url, std::string_view model, std::string_view problem,
                              std::string_view server_message) {
    std::string s = "model \"" + std::string(model) + "\" at " + std::string(url) + ": " + std::string(problem);
    if (!server_message.empty()) s += "; server said: " + std::string(server_message);
    return s;
  }

  std::string url_;
  std::string model_;
  int status_;
  std::string problem_;
  std::string server_message_;
};

}  // namespace weft

#endif  // WEFT_SERVE_REMOTE_ERROR_HPP
