// SPDX-License-Identifier: BSL-1.0
// weft/fingerprint.hpp - weft::fingerprint(pipeline): a SHA-256 of what makes a pipeline answer as it does.
//
// Contract:
//   weft::fingerprint(p) returns a weft::digest: the SHA-256 (OpenSSL's libcrypto, EVP API) of a
//   canonical serialisation of pipeline p, the same for a typed pipeline and for the pipeline loaded
//   from its weft::to_json, and the same from g++ and clang++ builds. It hashes, in this order:
//     "weft fingerprint 1\n"
//     "signature <input spec> -> <output spec>\n"             the pipeline's specs ("f32[64] -> f32[10]")
//     "structure <json>\n"   to_json(p) with keys sorted and no whitespace, every runtime model's
//                            path replaced by "sha256:<hex>" of the file's bytes (content addressing:
//                            the same file elsewhere gives the same fingerprint, a changed file another)
//     "leaf <pointer> <input spec> -> <output spec>\n"        per leaf model (registered models and
//                            runtime models), in document order: what the registry's entry takes
//                            and gives
//   So the registry names, parameters (config_params), thresholds, weights, attempts, stage order,
//   adapters, names and every model file's bytes are in it; compiler type names, the execution
//   policy (weft::par), file paths and the registry's factories' code are not.
//   weft::digest is 32 bytes: to_string() gives 64 lowercase hex digits; ==, <=> compare.
//   Throws weft::load_error (naming the file) when a runtime model's file cannot be read, weft::error
//   when libcrypto fails, std::bad_alloc; what to_json(p) throws. Cost: reads every model file
//   once (in 64 KiB blocks); never on a call path. Thread-safe: reads p and the files only.
//   Needs the config component: link weft::config (nlohmann-json, OpenSSL's libcrypto).
#ifndef WEFT_FINGERPRINT_HPP
#define WEFT_FINGERPRINT_HPP

#include <array>
#include <compare>
#include <cstddef>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "config/to_json.hpp"
#include "errors.hpp"

namespace weft {

/// A SHA-256 digest (32 bytes). Compare with == and <=>; to_string() is its hex text.
struct digest {
  std::array<unsigned char, 32> bytes{};

  /// 64 lowercase hex digits.
  std::string to_string() const {
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(64);
    for (unsigned char b : bytes) {
      s += hex[b >> 4];
      s += hex[b & 0xf];
    }
    return s;
  }
  friend auto operator<=>(const digest&, const digest&) = default;
};

/// The fingerprint of pipeline p: see the header comment.
template <model M>
digest fingerprint(const M& p);

// ---------------------------------------------------------------------------------------------
// Details
// ---------------------------------------------------------------------------------------------

namespace detail {

/// Incremental SHA-256 through libcrypto's EVP interface. Throws weft::error when libcrypto fails.
class sha256 {
 public:
  sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) fail("EVP_DigestInit_ex");
  }
  /// Adds bytes to the message.
  sha256& update(const void* data, std::size_t size) {
    if (size != 0 && EVP_DigestUpdate(ctx_.get(), data, size) != 1) fail("EVP_DigestUpdate");
    return *this;
  }
  sha256& update(std::string_view text) { return update(text.data(), text.size()); }
  /// Adds the bytes of the file at path; throws weft::load_error when it cannot be read.
  sha256& update_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw load_error(path, "", "", "cannot read the file (fingerprint)");
    std::vector<char> block(64 * 1024);
    while (f) {
      f.read(block.data(), static_cast<std::streamsize>(block.size()));
      update(block.data(), static_cast<std::size_t>(f.gcount()));
    }
    if (f.bad()) throw load_error(path, "", "", "cannot read the file (fingerprint)");
    return *this;
  }
  /// The digest of everything added; the object must not be used afterwards.
  digest finish() {
    digest d;
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), d.bytes.data(), &size) != 1 || size != d.bytes.size()) fail("EVP_DigestFinal_ex");
    return d;
  }

 private:
  [[noreturn]] static void fail(const char* call) {
    throw error("error", std::string("libcrypto's ") + call + " failed computing a SHA-256");
  }
  struct free_ctx {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, free_ctx> ctx_;
};

/// The SHA-256 of the file at path (weft::load_error when it cannot be read).
inline digest file_digest(const std::string& path) { return sha256().update_file(path).finish(); }

/// What a fingerprint hashes, apart from the header line: the signature, the structure (runtime
/// models' paths still in it) and the leaves (pointer, specs, file).
struct fingerprint_input {
  std::string signature;
  nlohmann::json structure;
  std::vector<json_leaf> leaves;
};

/// The digest of a fingerprint_input; see the header comment for the serialisation.
inline digest fingerprint_of(fingerprint_input in) {
  for (const json_leaf& leaf : in.leaves) {
    if (leaf.file.empty()) continue;
    // {"onnx": "<path>"} becomes {"onnx": "sha256:<hex>"}.
    nlohmann::json& stage = in.structure.at(nlohmann::json::json_pointer(leaf.pointer));
    stage.at(leaf.file_key) = "sha256:" + file_digest(leaf.file).to_string();
  }
  sha256 h;
  h.update("weft fingerprint 1\n");
  h.update("signature " + in.signature + "\n");
  h.update("structure " + in.structure.dump() + "\n");
  for (const json_leaf& leaf : in.leaves) h.update("leaf " + leaf.pointer + " " + leaf.specs + "\n");
  return h.finish();
}

}  // namespace detail

template <model M>
digest fingerprint(const M& p) {
  detail::fingerprint_input in;
  in.signature = detail::specs_text<M>();
  detail::json_walk walk;
  in.structure = detail::typed_json(p, walk);
  in.leaves = std::move(walk.leaves);
  return detail::fingerprint_of(std::move(in));
}

}  // namespace weft

#endif  // WEFT_FINGERPRINT_HPP
