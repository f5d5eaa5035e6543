// tests/fuzz/serve_request.cpp - fuzzes the Open Inference Protocol's request parsing and decoding
// (weft/serve/protocol.hpp): arbitrary bytes as an infer request body.
//
// Each input is parsed (weft::oip::parse_infer_request), its input tensor found
// (weft::oip::find_input, name "input") and decoded into a fixed Eigen type (f32[4]) and a dynamic
// one (f64[?], without and with a declared shape [3]), as samples (decode_samples) and, for the
// fixed type, as one batch (decode_batch). Properties:
//   - parsing and decoding either succeed or throw weft::oip::request_error, whose what() reads
//     "weft: request_error: ...": any other exception escaping is a finding (FUZZ_CHECK aborts), as
//     is a crash, a leak or a sanitizer report;
//   - a decoded request re-encodes to the same values: encode_samples of the samples has the
//     request's shape and datatype, its data are the request's elements as the scalar type (the
//     request's data flattened in order, nested arrays included), and it decodes again to the same
//     samples; the batch holds the same values as the samples.
// Seeds: tests/fuzz/corpus/serve_request/ (valid requests of each type, a few broken ones).
#include <weft/eigen.hpp>
#include <weft/serve/protocol.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "fuzz_support.hpp"

namespace {

namespace oip = weft::oip;
using vec4 = Eigen::Matrix<float, 4, 1>;
using vecd = Eigen::VectorXd;

/// Runs f; a request_error is the expected failure (returns false); anything else aborts.
template <class F>
bool decodes(F&& f, const char* what) {
  try {
    f();
    return true;
  } catch (const oip::request_error& e) {
    FUZZ_CHECK(std::string_view(e.what()).starts_with("weft: request_error: "), "%s: request_error's what(): %s",
               what, e.what());
    return false;
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, "%s: %s escaped: %s", what, typeid(e).name(), e.what());
  } catch (...) {
    FUZZ_CHECK(false, "%s: a non-std exception escaped", what);
  }
  return false;
}

/// The leaves of a (possibly nested) data array, in order.
void leaves(const oip::json& j, std::vector<const oip::json*>& out) {
  if (j.is_array())
    for (const auto& e : j) leaves(e, out);
  else
    out.push_back(&j);
}

/// Decodes tensor t as samples of T (declared shape: optional) and checks the round trip.
template <class T>
void round_trip(const oip::json& t, const weft::shape* declared, const char* what) {
  using S = typename T::Scalar;
  std::vector<T> samples;
  if (!decodes([&] { samples = oip::decode_samples<T>(t, "input", declared); }, what)) return;
  FUZZ_CHECK(!samples.empty(), "%s: decoded no sample from %s", what, t.dump().c_str());

  std::optional<oip::json> encoded;
  const bool encodes = decodes([&] { encoded = oip::encode_samples("input", samples); }, "encode");
  FUZZ_CHECK(encodes, "%s: the decoded samples do not encode: %s", what, t.dump().c_str());
  FUZZ_CHECK((*encoded)["shape"] == t["shape"], "%s: shape %s re-encodes as %s", what, t["shape"].dump().c_str(),
             (*encoded)["shape"].dump().c_str());
  FUZZ_CHECK((*encoded)["datatype"] == t["datatype"], "%s: datatype %s re-encodes as %s", what,
             t["datatype"].dump().c_str(), (*encoded)["datatype"].dump().c_str());

  std::vector<const oip::json*> sent;
  leaves(t["data"], sent);
  const oip::json& data = (*encoded)["data"];
  FUZZ_CHECK(data.is_array() && data.size() == sent.size(), "%s: %zu elements re-encode as %s", what, sent.size(),
             data.dump().c_str());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const S want = sent[i]->get<S>();
    const S got = data[i].get<S>();
    FUZZ_CHECK(fuzz::same_value(want, got), "%s: element %zu: sent %s, re-encoded %s", what, i,
               sent[i]->dump().c_str(), data[i].dump().c_str());
  }

  std::vector<T> again;
  const bool redecodes = decodes([&] { again = oip::decode_samples<T>(*encoded, "input", declared); }, "re-decode");
  FUZZ_CHECK(redecodes, "%s: the re-encoded tensor does not decode: %s", what, encoded->dump().c_str());
  FUZZ_CHECK(again.size() == samples.size(), "%s: %zu samples decode again as %zu", what, samples.size(),
             again.size());
  for (std::size_t j = 0; j < samples.size(); ++j)
    FUZZ_CHECK(again[j].size() == samples[j].size() && fuzz::flat_of(again[j]) == fuzz::flat_of(samples[j]),
               "%s: sample %zu differs after the round trip", what, j);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  oip::infer_request request;
  if (!decodes([&] { request = oip::parse_infer_request(body); }, "parse")) return 0;
  const oip::json* input = nullptr;
  if (!decodes([&] { input = &oip::find_input(request, "input"); }, "find_input")) return 0;

  round_trip<vec4>(*input, nullptr, "f32[4]");
  round_trip<vecd>(*input, nullptr, "f64[?]");
  const weft::shape three{3};
  round_trip<vecd>(*input, &three, "f64[?] declared [3]");

  // The fixed type as one batch: the same values as its samples.
  std::optional<weft::batch_t<vec4>> batch;
  if (decodes([&] { batch.emplace(oip::decode_batch<vec4>(*input, "input")); }, "f32[4] batch")) {
    const auto samples = oip::decode_samples<vec4>(*input, "input");
    FUZZ_CHECK(batch->cols() == static_cast<Eigen::Index>(samples.size()), "the batch holds %ld samples, not %zu",
               static_cast<long>(batch->cols()), samples.size());
    for (std::size_t j = 0; j < samples.size(); ++j)
      FUZZ_CHECK(fuzz::flat_of(vec4(batch->col(static_cast<Eigen::Index>(j)))) == fuzz::flat_of(samples[j]),
                 "batch column %zu differs from sample %zu", j, j);
  }
  return 0;
}
