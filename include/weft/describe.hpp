// SPDX-License-Identifier: BSL-1.0
// weft/describe.hpp - pipelines describe themselves: signature, describe, to_dot.
//
// Contract:
//   weft::signature<M>() is model M's input and output specs as text: "f32[64] -> f32[10]". A
//   std::optional output is written with a trailing '?' ("f32[10]?"), a std::tuple as its parts in
//   parentheses ("(f32[32], f32[32])"), anything else by its type's name.
//   weft::describe(m) is an indented tree of pipeline m, one node per line, two spaces per level:
//       <title>: <input spec> -> <output spec>
//     where <title> is `[i] ` (its index in the enclosing combinator; absent at the root), then the
//     given name in double quotes and a space when the node has one (weft::named or a `name` member),
//     then what the node is (a wrapper such as weft::named is seen through: it is its inner model's
//     node, with the wrapper's name):
//       sequence | fan_out | ensemble <reducer> | fallback | batched     a combinator, children below;
//         fan_out and ensemble add " par" after their name when their branches run concurrently
//         (weft::par or weft::on(e)); <reducer> is mean, weighted, vote, max, median or custom;
//         fallback_when adds " when <condition>, <condition>" (each condition's label);
//       route [par] top1 | route [par] top_k<K>: the gate first, titled "[gate]" in place of an
//         index, then expert I as [I]; when <predicate's label>: then_model [0], else_model [1];
//       cast<f64> | reshape<28,28> | identity | concat | softmax | argmax | normalize | check_finite
//         an adapter bound by `|`;
//       fn                                                               a model made by weft::fn;
//       the model's type name without its namespaces                    any other model;
//     a model with a member `weft::detail::describe_node describe_tree() const` (a structure known
//     only at run time: weft::any_model, a configured stage) is the tree it returns, its children
//     and bridges included (detail/describe_node.hpp); describe_tree must set in and out.
//     Every bridge weft inserts is a line of its own at the indentation of the nodes it joins:
//       | <bridge>   between two stages of a sequence: the output above reaches the stage below;
//       > <bridge>   before a branch (fan_out, ensemble, fallback; batched's model): the combinator's
//                    input (batched: each sample) reaches the branch below;
//       < <bridge>   after a branch (ensemble, fallback): its output reaches the combinator's result;
//     <bridge> is `<kind> (<from> -> <to>)`: kind is view, copy, checked view or checked copy
//     (weft::conversion's kind, and its `then` after a run-time check); from and to are each side's
//     backend and spec, with " view" (" strided view") when that type views memory, so that a copy
//     shows what caused it: `copy (eigen f32[6] -> xtensor f32[6])`. Identity (the same type passed
//     on) is no bridge and has no line.
//     Example: weft::named("encoder", scaler{}) | weft::fan_out(proj_a{}, proj_b{}) | weft::concat
//              | weft::ensemble(weft::mean, head_a{}, xhead{}) | weft::softmax
//     (proj_a takes an Eigen::Map<const ...>, proj_b and xhead's output are xtensor) gives
//       sequence: f32[64] -> f32[64]
//         [0] "encoder" scaler: f32[64] -> f32[64]
//         [1] fan_out: f32[64] -> (f32[32], f32[32])
//           > view (eigen f32[64] -> eigen f32[64] view)
//           [0] proj_a: f32[64] -> f32[32]
//           > copy (eigen f32[64] -> xtensor f32[64])
//           [1] proj_b: f32[64] -> f32[32]
//         [2] concat: (f32[32], f32[32]) -> f32[64]
//         [3] ensemble mean: f32[64] -> f32[64]
//           [0] head_a: f32[64] -> f32[64]
//           [1] xhead: f32[64] -> f32[64]
//           < copy (xtensor f32[64] -> eigen f32[64])
//         [4] softmax: f32[64] -> f32[64]
//     (inside a sequence a fan_out bridges the previous stage's value to each branch itself: the
//     bridges shown before its branches start from scaler's output, and no link goes into it.)
//   weft::to_dot(m) is the same tree as a Graphviz digraph (`digraph weft { rankdir=LR; ... }`): an
//   "input" and an "output" node with the pipeline's specs; a box per stage labelled with its title
//   and specs; a cluster (subgraph cluster_N) per combinator labelled with its title and specs;
//   fan_out, ensemble, fallback, batched, route and when draw a split node fanning out to each branch
//   and a join node (the tuple, the reducer, the first answer, the batch, the chosen expert or the
//   mix, the answer) gathering them; every bridge is an
//   edge label (its kind, then both sides on a second line); copies (and checked copies) are drawn
//   in #d62728, checked bridges dashed.
//   Six-digit colours only: graphviz 2.43 misreads three-digit ones. `dot -Tsvg` renders it.
//   Both are derived from the pipeline's type (stages, branches, bridges), so they cannot drift from
//   the code; the value gives only run-time names (weft::named, `name` members, condition labels).
//   Cost: never on a pipeline's call path; both build std::strings (they allocate) and may throw
//   std::bad_alloc. Thread-safe: they only read m.
#ifndef WEFT_DESCRIBE_HPP
#define WEFT_DESCRIBE_HPP

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "adapters.hpp"
#include "batched.hpp"
#include "conditions.hpp"
#include "convert.hpp"
#include "detail/describe_node.hpp"
#include "ensemble.hpp"
#include "execution.hpp"
#include "fallback.hpp"
#include "fan_out.hpp"
#include "model.hpp"
#include "reducers.hpp"
#include "route.hpp"
#include "sequence.hpp"
#include "tensor.hpp"
#include "when.hpp"

namespace weft {

/// Model M's input and output specs as text, e.g. "f32[64] -> f32[10]"; see the header comment.
template <model M>
std::string signature();

/// An indented tree of pipeline m: every stage with its name and specs, every bridge on its own
/// line; see the header comment for the exact format.
template <model M>
std::string describe(const M& m);

/// A Graphviz digraph of pipeline m (combinators as clusters, bridges as edge labels, copies in
/// `#d62728`); see the header comment.
template <model M>
std::string to_dot(const M& m);

// ---------------------------------------------------------------------------------------------
// Details: a pipeline becomes a tree of describe_node (from its type), then text or dot.
// ---------------------------------------------------------------------------------------------

namespace detail {

/// T's type name without the namespaces before its first template argument list.
template <class T>
std::string short_type_name() {
  const std::string_view full = type_name<T>();
  const std::size_t angle = full.find('<');
  const std::string_view head = full.substr(0, angle);
  const std::size_t colons = head.rfind("::");
  return std::string(colons == std::string_view::npos ? full : full.substr(colons + 2));
}

/// The text of a value type: a tensor's spec, T? for an optional, (A, B) for a tuple, else its name.
template <class T>
std::string value_spec();

template <class T> struct value_spec_of { static std::string get() { return short_type_name<T>(); } };
template <class T> struct value_spec_of<std::optional<T>> { static std::string get() { return value_spec<T>() + "?"; } };
template <class... T>
struct value_spec_of<std::tuple<T...>> {
  static std::string get() {
    std::string s = "(";
    bool first = true;
    ((s += first ? "" : ", ", s += value_spec<T>(), first = false), ...);
    return s + ")";
  }
};

template <class T>
std::string value_spec() {
  using U = std::remove_cvref_t<T>;
  if constexpr (tensor<U>) {
    return std::string(spec_name<U>());
  } else {
    return value_spec_of<U>::get();
  }
}

/// One side of a bridge as text: backend, spec, and " view" ("strided view") when T views memory.
template <class T>
std::string side_text() {
  using U = std::remove_cvref_t<T>;
  using tt = tensor_traits<U>;
  std::string s = tt::backend == backend::eigen ? "eigen " : "xtensor ";
  s += spec_name<U>();
  if constexpr (!tt::owns_memory) s += tt::contiguous ? " view" : " strided view";
  return s;
}

/// A bridge of kind `kind` from a From to a To (no bridge when kind is empty).
template <class From, class To>
bridge_label make_bridge(std::string kind) {
  if (kind.empty()) return {};
  return {std::move(kind), side_text<From>(), side_text<To>()};
}

/// The bridge from a From to a stage taking To (none for identity).
template <class From, class To>
bridge_label bridge_text() {
  if constexpr (tensor<From> && tensor<To>) {
    using c = conversion<From, To>;
    const auto word = [](conversion_kind k) -> std::string {
      switch (k) {
        case conversion_kind::view: return "view";
        case conversion_kind::copy: return "copy";
        default: return "";
      }
    };
    if constexpr (c::kind == conversion_kind::checked) return make_bridge<From, To>("checked " + word(c::then));
    else return make_bridge<From, To>(word(c::kind));
  } else {
    return {};
  }
}

/// Builds the node of a model of type M (std::reference_wrapper unwrapped by the caller).
template <class M>
struct describer;

template <class Stored>
describe_node describe_child(const Stored& stored, std::size_t index) {
  describe_node n = describer<std::remove_cv_t<unwrap_t<Stored>>>::make(unwrap(stored));
  n.index = index;
  n.has_index = true;
  return n;
}

template <class M>
describe_node node_head(std::string what) {
  describe_node n;
  n.what = std::move(what);
  n.in = value_spec<input_t<M>>();
  n.out = value_spec<output_t<M>>();
  return n;
}

// --- leaves and adapters ---

template <class A> struct adapter_label { static std::string get() { return short_type_name<A>(); } };
template <class T> struct adapter_label<cast_t<T>> {
  static std::string get() { return "cast<" + std::string(scalar_name<T>()) + ">"; }
};
template <std::ptrdiff_t... N> struct adapter_label<reshape_t<N...>> {
  static std::string get() {
    std::string s = "reshape<";
    bool first = true;
    ((s += first ? "" : ",", s += std::to_string(N), first = false), ...);
    return s + ">";
  }
};
template <> struct adapter_label<identity_t> { static std::string get() { return "identity"; } };
template <> struct adapter_label<concat_t> { static std::string get() { return "concat"; } };
template <> struct adapter_label<softmax_t> { static std::string get() { return "softmax"; } };
template <> struct adapter_label<argmax_t> { static std::string get() { return "argmax"; } };
template <> struct adapter_label<normalize_t> { static std::string get() { return "normalize"; } };
template <> struct adapter_label<check_finite_t> { static std::string get() { return "check_finite"; } };

/// Any other model: its own tree when it describes itself (a `describe_node describe_tree() const`
/// member: a structure known only at run time), else its short type name. A wrapper (weft::named,
/// ...) is described as the model it wraps, with the wrapper's given name when it has one.
template <class M>
struct describer {
  static describe_node make(const M& m) {
    if constexpr (describes_itself<M>) {
      return m.describe_tree();
    } else if constexpr (wrapper<M>) {
      describe_node n = describer<std::remove_cv_t<unwrap_t<typename M::wrapped_type>>>::make(unwrap(m.inner()));
      if (const auto given = model_traits<M>::given_name(m); !given.empty()) n.name = std::string(given);
      return n;
    } else {
      describe_node n = node_head<M>(short_type_name<M>());
      n.name = std::string(model_traits<M>::given_name(m));
      return n;
    }
  }
};

template <class In, class Out, class F>
struct describer<fn_model<In, Out, F>> {
  static describe_node make(const fn_model<In, Out, F>&) { return node_head<fn_model<In, Out, F>>("fn"); }
};

template <class A, class In>
struct describer<adapter_stage<A, In>> {
  static describe_node make(const adapter_stage<A, In>&) { return node_head<adapter_stage<A, In>>(adapter_label<A>::get()); }
};

// --- sequence ---

template <class... S>
struct describer<sequence<S...>> {
  static describe_node make(const sequence<S...>& s) {
    describe_node n = node_head<sequence<S...>>("sequence");
    n.combinator = true;
    n.links = true;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (n.children.push_back(describe_child(s.template stored<I>(), I)), ...);
      (n.bridge_in.push_back(link_text<I>()), ...);
      (direct_entry<I>(n.children[I]), ...);
    }(std::index_sequence_for<S...>{});
    n.bridge_out.assign(sizeof...(S), bridge_label{});
    return n;
  }
  template <std::size_t I>
  static bridge_label link_text() {
    if constexpr (I == 0) return {};
    else if constexpr (hands_to_branches_v<owned_t<output_t<nth_t<I - 1, S...>>>, nth_t<I, S...>>) return {};
    else return bridge_text<owned_t<output_t<nth_t<I - 1, S...>>>, input_t<nth_t<I, S...>>>();
  }
  // A fan_out at stage I receives the previous stage's value as it is: its branches' bridges start there.
  template <std::size_t I>
  static void direct_entry(describe_node& child) {
    if constexpr (I > 0) {
      using from = owned_t<output_t<nth_t<I - 1, S...>>>;
      if constexpr (hands_to_branches_v<from, nth_t<I, S...>>)
        [&]<class... In>(std::tuple<In...>*) { child.bridge_in = {bridge_text<const from, In>()...}; }(
            static_cast<typename branch_inputs_of<nth_t<I, S...>>::type*>(nullptr));
    }
  }
};

// --- branch combinators ---

template <class Policy>
std::string policy_suffix() {
  return is_parallel<Policy>::value ? " par" : "";
}

/// Adds branches B... of c (read with c.stored<I>()), each with its input bridge from a const In.
template <class In, class... B, class C>
void add_branches(describe_node& n, const C& c) {
  n.combinator = true;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (n.children.push_back(describe_child(c.template stored<I>(), I)), ...);
    (n.bridge_in.push_back(bridge_text<const In, input_t<B>>()), ...);
  }(std::index_sequence_for<B...>{});
}

template <class Base> struct fan_out_parts;
template <class P, class... B>
struct fan_out_parts<fan_out_base<P, B...>> {
  template <class F>
  static describe_node make(const F& f) {
    describe_node n = node_head<F>("fan_out" + policy_suffix<P>());
    add_branches<input_t<F>, B...>(n, f);
    n.bridge_out.assign(sizeof...(B), bridge_label{});
    n.split = "fan_out";
    n.join = "tuple";
    return n;
  }
};

template <class... X>
struct describer<fan_out<X...>> {
  static describe_node make(const fan_out<X...>& f) {
    return fan_out_parts<typename policy_split<X...>::template base<fan_out_base>>::make(f);
  }
};

template <class R> struct reducer_label { static std::string get() { return "custom"; } };
template <> struct reducer_label<mean_t> { static std::string get() { return "mean"; } };
template <std::size_t K> struct reducer_label<weighted_t<K>> { static std::string get() { return "weighted"; } };
template <> struct reducer_label<vote_t> { static std::string get() { return "vote"; } };
template <> struct reducer_label<max_t> { static std::string get() { return "max"; } };
template <> struct reducer_label<median_t> { static std::string get() { return "median"; } };

template <class Base> struct ensemble_parts;
template <class P, class R, class... B>
struct ensemble_parts<ensemble_base<P, R, B...>> {
  template <class E>
  static describe_node make(const E& e) {
    const std::string reducer = reducer_label<unwrap_t<R>>::get();
    describe_node n = node_head<E>("ensemble" + policy_suffix<P>() + " " + reducer);
    add_branches<input_t<E>, B...>(n, e);
    (n.bridge_out.push_back(bridge_text<const output_t<B>, output_t<E>>()), ...);
    n.split = "ensemble";
    n.join = reducer;
    return n;
  }
};

template <class... X>
struct describer<ensemble<X...>> {
  static describe_node make(const ensemble<X...>& e) {
    return ensemble_parts<typename policy_split<X...>::template base<ensemble_base>>::make(e);
  }
};

/// How branch output T becomes a fallback's result R: nothing when it is one, else a (checked) copy.
template <class T, class R>
bridge_label answer_text() {
  if constexpr (std::is_same_v<T, R>) return {};
  else if constexpr (conversion<const T, R>::kind == conversion_kind::checked) return make_bridge<T, R>("checked copy");
  else return make_bridge<T, R>("copy");
}

template <class F, class... B, class C>
describe_node fallback_node(const C& c, std::string what) {
  describe_node n = node_head<F>(std::move(what));
  add_branches<input_t<F>, B...>(n, c);
  (n.bridge_out.push_back(answer_text<fallback_unwrapped_t<output_t<B>>, output_t<F>>()), ...);
  n.split = "try in order";
  n.join = "first answer";
  return n;
}

template <class... B>
struct describer<fallback<B...>> {
  static describe_node make(const fallback<B...>& f) { return fallback_node<fallback<B...>, B...>(f, "fallback"); }
};

template <class... B, class... C>
struct describer<fallback_when<fallback<B...>, C...>> {
  using F = fallback_when<fallback<B...>, C...>;
  static describe_node make(const F& f) {
    std::string what = "fallback when ";
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      ((what += K == 0 ? "" : ", ", what += std::string(condition_label(f.template condition<K>()))), ...);
    }(std::index_sequence_for<C...>{});
    describe_node n = fallback_node<F, B...>(f, what);
    n.join = "first answer " + what.substr(9);  // "when ..."
    return n;
  }
};

template <class M>
struct describer<batched<M>> {
  static describe_node make(const batched<M>& b) {
    describe_node n = node_head<batched<M>>("batched");
    n.combinator = true;
    n.children.push_back(describe_child(b.template stored<0>(), 0));
    using in = input_t<M>;
    constexpr auto path = sample_path_of<in>();
    n.bridge_in.push_back(make_bridge<input_t<batched<M>>, in>(path == sample_path::view ? "view" : "copy"));
    n.bridge_out.push_back({});
    n.split = "samples";
    n.join = "batch";
    return n;
  }
};

// --- route and when ---

/// A route: the gate ("[gate]", no index), then expert I as [I]; each expert's output bridge is a copy
/// when its type differs from the route's output type (as a fallback's answer).
template <class Base> struct route_parts;
template <class P, std::size_t K, class G, class... E>
struct route_parts<route_base<P, top_k_t<K>, G, E...>> {
  template <class R>
  static describe_node make(const R& r) {
    const std::string k = K == 1 ? "top1" : "top_k<" + std::to_string(K) + ">";
    describe_node n = node_head<R>("route" + policy_suffix<P>() + " " + k);
    n.combinator = true;
    describe_node gate = describer<std::remove_cv_t<unwrap_t<G>>>::make(unwrap(r.template stored<0>()));
    gate.what = "[gate] " + (gate.name.empty() ? std::string() : "\"" + gate.name + "\" ") + gate.what;
    gate.name.clear();
    n.children.push_back(std::move(gate));
    n.bridge_in.push_back(bridge_text<const input_t<R>, input_t<G>>());
    n.bridge_out.push_back({});
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (n.children.push_back(describe_child(r.template stored<1 + I>(), I)), ...);
    }(std::index_sequence_for<E...>{});
    (n.bridge_in.push_back(bridge_text<const input_t<R>, input_t<E>>()), ...);
    (n.bridge_out.push_back(answer_text<owned_t<output_t<E>>, output_t<R>>()), ...);
    n.split = "route";
    n.join = K == 1 ? "chosen expert" : "mix top " + std::to_string(K);
    return n;
  }
};

template <class... X>
struct describer<route<X...>> {
  static describe_node make(const route<X...>& r) {
    return route_parts<typename policy_split<X...>::template base<route_base>>::make(r);
  }
};

/// A when: "when <predicate's label>", then_model as [0] and else_model as [1]; else_model's output
/// bridge is a copy when its type differs from then_model's.
template <class P, class T, class E>
struct describer<when<P, T, E>> {
  static describe_node make(const when<P, T, E>& w) {
    using W = when<P, T, E>;
    const std::string label(condition_label(unwrap(w.predicate())));
    describe_node n = node_head<W>("when " + label);
    add_branches<input_t<W>, T, E>(n, w);
    n.bridge_out.push_back(answer_text<owned_t<output_t<T>>, output_t<W>>());
    n.bridge_out.push_back(answer_text<owned_t<output_t<E>>, output_t<W>>());
    n.split = label + " (input)?";
    n.join = "answer";
    return n;
  }
};

// --- text ---

inline void describe_text(const describe_node& n, std::size_t depth, std::string& out) {
  const std::string pad(2 * depth, ' ');
  out += pad + n.title() + ": " + n.in + " -> " + n.out + "\n";
  const std::string inner(2 * depth + 2, ' ');
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    if (!n.bridge_in[i].empty()) out += inner + (n.links ? "| " : "> ") + n.bridge_in[i].text() + "\n";
    describe_text(n.children[i], depth + 1, out);
    if (!n.bridge_out[i].empty()) out += inner + "< " + n.bridge_out[i].text() + "\n";
  }
}

// --- dot ---

/// s as the inside of a double-quoted DOT string.
inline std::string dot_escape(std::string_view s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r;
}

struct dot_writer {
  std::string out;
  std::size_t nodes = 0;
  std::size_t clusters = 0;
  std::size_t depth = 1;

  std::string pad() const { return std::string(2 * depth, ' '); }

  std::string node(std::string_view label, std::string_view attrs) {
    std::string id = "n" + std::to_string(nodes++);
    out += pad() + id + " [label=\"" + std::string(label) + "\"" + std::string(attrs) + "];\n";
    return id;
  }
  /// An edge; a bridge's label is its kind over both sides ("copy\neigen f32[6] -> xtensor f32[6]").
  void edge(const std::string& from, const std::string& to, const bridge_label& bridge) {
    out += pad() + from + " -> " + to;
    if (!bridge.empty()) {
      out += " [label=\"" + dot_escape(bridge.kind) + "\\n" + dot_escape(bridge.from) + " -> " + dot_escape(bridge.to) + "\"";
      if (bridge.kind.find("copy") != std::string::npos) out += ", color=\"#d62728\", fontcolor=\"#d62728\", penwidth=2";
      if (bridge.kind.find("checked") != std::string::npos) out += ", style=dashed";
      out += "]";
    }
    out += ";\n";
  }

  /// Writes n; returns the ids of its entry and exit nodes.
  std::pair<std::string, std::string> write(const describe_node& n) {
    const std::string label = dot_escape(n.title()) + "\\n" + dot_escape(n.in) + " -> " + dot_escape(n.out);
    if (!n.combinator) {
      const std::string id = node(label, "");
      return {id, id};
    }
    out += pad() + "subgraph cluster_" + std::to_string(clusters++) + " {\n";
    ++depth;
    out += pad() + "label=\"" + label + "\";\n" + pad() + "style=rounded;\n" + pad() + "color=\"#7f7f7f\";\n";
    std::pair<std::string, std::string> ends;
    if (n.links) {
      std::string prev;
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        const auto [entry, exit] = write(n.children[i]);
        if (i == 0) ends.first = entry;
        else edge(prev, entry, n.bridge_in[i]);
        prev = exit;
      }
      ends.second = prev;
    } else {
      const std::string split = node(dot_escape(n.split), ", shape=ellipse");
      std::vector<std::pair<std::string, std::string>> kids;
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        const auto ends_i = write(n.children[i]);
        edge(split, ends_i.first, n.bridge_in[i]);
        kids.push_back(ends_i);
      }
      const std::string join = node(dot_escape(n.join), ", shape=ellipse");
      for (std::size_t i = 0; i < kids.size(); ++i) edge(kids[i].second, join, n.bridge_out[i]);
      ends = {split, join};
    }
    --depth;
    out += pad() + "}\n";
    return ends;
  }
};

template <model M>
describe_node describe_root(const M& m) {
  return describer<std::remove_cv_t<unwrap_t<M>>>::make(unwrap(m));
}

}  // namespace detail

template <model M>
std::string signature() {
  return detail::value_spec<input_t<M>>() + " -> " + detail::value_spec<output_t<M>>();
}

template <model M>
std::string describe(const M& m) {
  std::string out;
  detail::describe_text(detail::describe_root(m), 0, out);
  return out;
}

template <model M>
std::string to_dot(const M& m) {
  const detail::describe_node root = detail::describe_root(m);
  detail::dot_writer w;
  w.out = "digraph weft {\n  rankdir=LR;\n  graph [fontname=\"Helvetica\"];\n  node [shape=box, fontname=\"Helvetica\"];\n"
          "  edge [fontname=\"Helvetica\"];\n";
  const std::string in = w.node("input\\n" + detail::dot_escape(root.in), ", shape=plaintext");
  const auto [entry, exit] = w.write(root);
  const std::string out = w.node("output\\n" + detail::dot_escape(root.out), ", shape=plaintext");
  w.edge(in, entry, {});
  w.edge(exit, out, {});
  w.out += "}\n";
  return w.out;
}

}  // namespace weft

#endif  // WEFT_DESCRIBE_HPP
