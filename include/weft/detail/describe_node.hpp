// SPDX-License-Identifier: BSL-1.0
// weft/detail/describe_node.hpp - internal: one node of a pipeline's description (describe, to_dot).
//
// Contract: describe_node is a plain value tree: a node's title parts, its input and output specs as
// text, its children and the bridge (bridge_label) into and out of each child. weft/describe.hpp
// builds it from a pipeline's type and writes it as text or dot. A model whose structure is known
// only at run time (a configured stage, weft::any_model) builds its own with a member
// `weft::detail::describe_node describe_tree() const`; describe and to_dot then use that.
// Only std::string and std::vector: building one allocates and may throw std::bad_alloc.
#ifndef WEFT_DETAIL_DESCRIBE_NODE_HPP
#define WEFT_DETAIL_DESCRIBE_NODE_HPP

#include <concepts>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace weft::detail {

/// A bridge weft inserts: its kind and both sides, so that a copy shows what caused it.
struct bridge_label {
  std::string kind;      // "view", "copy", "checked view", "checked copy"; empty: no bridge
  std::string from, to;  // side_text of each end
  bool empty() const noexcept { return kind.empty(); }
  /// "copy (eigen f32[6] -> xtensor f32[6])"
  std::string text() const { return kind + " (" + from + " -> " + to + ")"; }
};

/// One node of a pipeline's description.
struct describe_node {
  std::size_t index = 0;         // index in the enclosing combinator
  bool has_index = false;        // false at the root
  std::string name;              // given name (unquoted), may be empty
  std::string what;              // "scaler", "concat", "fan_out par", "ensemble mean", ...
  std::string in, out;           // specs
  bool combinator = false;
  bool links = false;            // sequence: bridge_in[i] joins child i-1 to child i
  std::string split, join;       // dot: labels of the split and join nodes (branch combinators)
  std::vector<describe_node> children;
  std::vector<bridge_label> bridge_in, bridge_out;  // per child (same size as children); empty: none

  std::string title() const {
    std::string t;
    if (has_index) t += "[" + std::to_string(index) + "] ";
    if (!name.empty()) t += "\"" + name + "\" ";
    return t + what;
  }
};

/// M describes itself at run time: describe and to_dot use m.describe_tree().
template <class M>
concept describes_itself = requires(const M& m) {
  { m.describe_tree() } -> std::same_as<describe_node>;
};

}  // namespace weft::detail

#endif  // WEFT_DETAIL_DESCRIBE_NODE_HPP
