// weft::to_json of a pipeline with a leaf model that does not name its registry entry: the
// diagnostic names the model and says how to give it a JSON form (config_name, config_params).
// expect-head: weft
// expect-head: to_json_leaf_without_config_name<[^\n]*plain_scaler
// expect: weft: to_json: this leaf model has no JSON form; give it a member `static constexpr std::string_view config_name`
// max-lines: 14
#include <weft/config/to_json.hpp>
#include <weft/eigen.hpp>
#include <weft/sequence.hpp>

#include <string_view>

#include "common.hpp"

struct named_scaler {
  static constexpr std::string_view config_name = "named_scaler";
  using input_type = f32x4;
  using output_type = f32x4;
  output_type operator()(const input_type& x) const { return x; }
};

struct plain_scaler {
#ifndef WEFT_SHOULD_FAIL
  static constexpr std::string_view config_name = "plain_scaler";
#endif
  using input_type = f32x4;
  using output_type = f32x4;
  output_type operator()(const input_type& x) const { return x; }
};

int main() {
  using weft::operator|;
  const auto j = weft::to_json(named_scaler{} | plain_scaler{});
  (void)j;
}
