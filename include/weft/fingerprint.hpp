// SPDX-License-Identifier: BSL-1.0
// weft/fingerprint.hpp - weft::fingerprint(pipeline): a SHA-256 of what makes a pipeline answer as it does.
//
// Contract:
//   weft::fingerprint(p) returns a weft::digest: the SHA-256 (OpenSSL's libcrypto, EVP API) of a
//   canonical serialisation of pipeline p, the same for a typed pipeline and for the pipeline loaded
//   from its weft::to_json, and the same from g++ and clang++ builds. It hashes, in this order:
//     "weft fingerprint 1\n"
//     "signature <input spec> -> <output spec>\n"      the pipeline's specs ("f32[64] -> f32[10]")
//     "structure <json>\n"   to_json(p) (a loaded pipeline's canonical JSON) with keys sorted and no
//                            whitespace, every runtime model's path replaced by "sha256:<hex>" of
//                            the file's bytes (content addressing: the same file elsewhere gives the
//                            same fingerprint, a changed file another)
//     "leaf <what> <input spec> -> <output spec>\n"    per leaf, sorted: <what> is `model "<name>"`
//                            for a registered model, the kind ("onnx") for a runtime model; the specs
//                            are the registry entry's (config::spec_of, refined by input_shape())
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

#include <algorithm>
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

/// The runtime kinds whose string value is a model file's path (what weft::register_onnx and the
/// others add).
inline bool runtime_file_key(std::string_view key) noexcept {
  return key == "onnx" || key == "xgboost" || key == "torch";
}

/// The file among `files` (resolved paths) that `written` (a path as the JSON has it) names: the
/// same path, or one ending in "/<written>"; `written` itself when none does.
inline std::string resolved_file(const std::string& written, const std::vector<std::string>& files) {
  for (const std::string& f : files) {
    if (f == written) return f;
    if (f.size() > written.size() && f.compare(f.size() - written.size(), written.size(), written) == 0 &&
        f[f.size() - written.size() - 1] == '/')
      return f;
  }
  return written;
}

/// In a loaded pipeline's canonical JSON j, replaces every runtime model's path by "sha256:<hex>"
/// of its file (never inside "params" or "golden", which are data).
inline void address_loaded_files(nlohmann::json& j, const std::vector<std::string>& files) {
  if (j.is_array()) {
    for (nlohmann::json& e : j) address_loaded_files(e, files);
  } else if (j.is_object()) {
    for (auto& [key, value] : j.items()) {
      if (key == "params" || key == "golden") continue;
      if (runtime_file_key(key) && value.is_string())
        value = "sha256:" + file_digest(resolved_file(value.get<std::string>(), files)).to_string();
      else
        address_loaded_files(value, files);
    }
  }
}

/// The digest of pipeline structure `structure` (walked into `walk`) with signature `signature`;
/// see the header comment for the serialisation.
inline digest fingerprint_of(const std::string& signature, nlohmann::json structure, json_walk walk) {
  for (const json_walk::file_ref& f : walk.files)
    structure.at(nlohmann::json::json_pointer(f.pointer)).at(f.key) = "sha256:" + file_digest(f.file).to_string();
  for (const json_walk::loaded_ref& l : walk.loaded)
    address_loaded_files(structure.at(nlohmann::json::json_pointer(l.pointer)), l.files);
  std::sort(walk.leaves.begin(), walk.leaves.end());
  sha256 h;
  h.update("weft fingerprint 1\n");
  h.update("signature " + signature + "\n");
  h.update("structure " + structure.dump() + "\n");
  for (const std::string& leaf : walk.leaves) h.update("leaf " + leaf + "\n");
  return h.finish();
}

}  // namespace detail

template <model M>
digest fingerprint(const M& p) {
  detail::json_walk walk;
  nlohmann::json structure = detail::typed_json(p, walk);
  return detail::fingerprint_of(detail::specs_text<M>(), std::move(structure), std::move(walk));
}

}  // namespace weft

#endif  // WEFT_FINGERPRINT_HPP
