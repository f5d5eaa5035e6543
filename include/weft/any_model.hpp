// SPDX-License-Identifier: BSL-1.0
// weft/any_model.hpp - weft::any_model<In, Out>: any model from In to Out, its type erased.
//
// Contract:
//   weft::any_model<In, Out> (In and Out owning tensor types) is a model with input_type In and
//   output_type Out that holds any model M whose specs connect In -> M's input_type and M's
//   output_type -> Out, with the bridges and the compile-time judgement of a sequence link (view,
//   copy, or a checked view or copy, weft::conversion). A connection that cannot be made fails to
//   compile at the construction, with one `weft:` diagnostic naming weft::detail::any_model_input or
//   any_model_output and both specs (docs/diagnostics.md); a model that may decline (std::optional
//   output) is refused the same way. A checked bridge (a dyn extent meeting a static one) throws
//   weft::shape_error at the call, as in a sequence.
//   Construction: any_model(m) holds a decayed copy of model m (moved from an rvalue; std::ref(m)
//   borrows m, which must outlive it). A model of at most any_model_buffer_size (64) bytes, alignment
//   at most alignof(std::max_align_t) and a noexcept move constructor is stored in place (no heap
//   allocation); any other goes to the heap (one allocation per construction or copy). M must be
//   copy constructible: any_model is copyable (copying copies the held model) and movable (moving
//   never throws and never allocates; the moved-from any_model is empty). A default-constructed or
//   moved-from any_model is empty: calling it throws weft::empty_model_error, never UB.
//   Call: one indirect call per invocation (a static table of function pointers per held type, no
//   std::function, no virtual base); inside it the held model runs as it would in a sequence
//   (forced-inline bridges, its declared input_shape() checked). Calls are const and thread-safe
//   when the held model's are. Another tensor type or an expression is judged and bridged first
//   (detail/entry.hpp).
//   Paths and observers: any_model adds no path segment (it is see-through, like weft::named): an
//   error raised inside the held model reaches the caller with the held model's path, and the
//   enclosing combinator's segment carries the held model's given name (the member `name`, a view
//   into the held model, kept by any_model). weft::observe sees the held model's stages, through an
//   erased context (detail/any_context.hpp; an observed call pays one more indirect call per stage).
//   Shapes: input_shape() / output_shape() always exist (when In's, resp. Out's, rank is static):
//   what the held model declares (weft::shape, docs/shapes.md), its dyn extents filled in from In's
//   (Out's) static ones, else In's (Out's) static shape. The held model's declared input_shape() is
//   checked on every call by any_model itself, before the held model runs.
//   Batches: call_batch(const batch_t<In>&) exists when In and Out can be batched; it is the held
//   model's call_batch when M is batch-native (weft::batch_native) with the same batch types, else
//   one call per sample exactly as weft::batched does (weft::batched over the held call: a weft::error
//   for sample j gains "batched[j]"). So any_model is batch-native, and weft::batched(any) makes one
//   indirect call per batch.
//   describe/to_dot: a node of its own, "any", with In's and Out's specs and the held model's tree
//   as its one child, the bridges into and out of it drawn as a combinator's (weft/describe.hpp).
//   Not seen through by weft::get or weft::strict (the held type is erased).
//   Cost: sizeof is 96 bytes on x86-64 (the buffer, the table pointer, the name view).
//   Example:  weft::any_model<Eigen::VectorXf, Eigen::VectorXf> a = scaler{} | weft::softmax;
#ifndef WEFT_ANY_MODEL_HPP
#define WEFT_ANY_MODEL_HPP

#include "detail/diagnostics.hpp"  // first: keeps the include chain of a diagnostic short

#include <concepts>
#include <cstddef>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "batch.hpp"
#include "batched.hpp"
#include "convert.hpp"
#include "describe.hpp"
#include "detail/any_context.hpp"
#include "detail/call_context.hpp"
#include "detail/combinator.hpp"
#include "detail/config.hpp"
#include "detail/describe_node.hpp"
#include "detail/entry.hpp"
#include "detail/materialise.hpp"
#include "detail/shape_checks.hpp"
#include "errors.hpp"
#include "model.hpp"
#include "shape.hpp"
#include "tensor.hpp"

namespace weft {

/// Bytes of a weft::any_model's in-place buffer: a model that fits (and moves without throwing)
/// is stored without a heap allocation.
inline constexpr std::size_t any_model_buffer_size = 64;

/// An empty weft::any_model (default-constructed or moved from) was called.
class empty_model_error : public error_base<empty_model_error> {
 public:
  /// specs: the any_model's signature ("f32[4] -> f32[2]").
  explicit empty_model_error(std::string_view specs)
      : error_base("empty_model_error",
                   "any_model " + std::string(specs) + " holds no model (default-constructed or moved from)") {}
};

template <class In, class Out>
class any_model;

namespace detail {

/// WHERE: the link from an any_model's In into the held model's input_type.
struct any_model_input {};
/// WHERE: the link from the held model's output_type to an any_model's Out.
struct any_model_output {};

/// The one diagnostic for holding a D in an any_model<In, Out> (no_diagnostic when it connects).
template <class In, class Out, class D, class Output = output_t<D>>
using any_model_diagnostic = std::conditional_t<
    !connects_v<In, input_t<D>>, connection_diagnostic<any_model_input, In, input_t<D>>,
    std::conditional_t<is_optional<Output>::value, stage_may_decline<any_model_output, Output>,
                       connection_diagnostic<any_model_output, owned_t<Output>, Out>>>;

/// A D connects In -> D -> Out (as the links of a sequence would).
template <class In, class Out, class D>
inline constexpr bool any_model_connects =
    connects_v<In, input_t<D>> && !is_optional<output_t<D>>::value && connects_v<owned_t<output_t<D>>, Out>;

/// In and Out can be batched: any_model<In, Out> has call_batch.
template <class In, class Out>
inline constexpr bool any_model_batches =
    !std::is_same_v<batch_t<In>, no_backend_type> && !std::is_same_v<batch_t<Out>, no_backend_type>;

inline constexpr std::size_t any_model_align = alignof(std::max_align_t);

/// The static table of an any_model<In, Out>'s held type: one per type, made at compile time.
template <class In, class Out>
struct any_model_table {
  Out (*call)(const void* storage, const In& x);
  Out (*call_observed)(const void* storage, const In& x, const erased_context& ctx);
  batch_t<Out> (*call_batch)(const void* storage, const batch_t<In>& b);
  void (*copy)(const void* from, void* to);        // copy-constructs into empty storage `to`
  void (*relocate)(void* from, void* to) noexcept;  // moves into empty storage `to`; `from` left empty
  void (*destroy)(void* storage) noexcept;
  shape (*input_shape)(const void* storage);
  shape (*output_shape)(const void* storage);
  describe_node (*describe)(const void* storage);
  std::string_view (*given_name)(const void* storage) noexcept;
};

/// T's static shape (rank 0 when its rank is dynamic: any_model's shape members need a static rank).
template <class T>
constexpr shape static_or_scalar() noexcept {
  if constexpr (has_static_rank<T>) return static_shape<T>();
  else return shape{};
}

/// What an empty any_model<In, Out> does: every call throws empty_model_error.
template <class In, class Out>
struct any_model_empty {
  [[noreturn, gnu::cold]] static void fail() { throw empty_model_error(signature<any_model<In, Out>>()); }
  static Out call(const void*, const In&) { fail(); }
  static Out call_observed(const void*, const In&, const erased_context&) { fail(); }
  static batch_t<Out> call_batch(const void*, const batch_t<In>&) { fail(); }
  static void copy(const void*, void*) {}
  static void relocate(void*, void*) noexcept {}
  static void destroy(void*) noexcept {}
  static shape input_shape(const void*) { return static_or_scalar<In>(); }
  static shape output_shape(const void*) { return static_or_scalar<Out>(); }
  static describe_node describe(const void*) {
    describe_node n = node_head<any_model<In, Out>>("any (empty)");
    return n;
  }
  static std::string_view given_name(const void*) noexcept { return {}; }
  static constexpr any_model_table<In, Out> table{&call, &call_observed, &call_batch, &copy, &relocate,
                                                  &destroy, &input_shape, &output_shape, &describe, &given_name};
};

/// What an any_model<In, Out> holding a D (a model as stored: std::ref allowed) does.
template <class In, class Out, class D>
struct any_model_ops {
  using model_type = unwrap_t<D>;
  using output = owned_t<output_t<D>>;
  /// Stored in the buffer (else on the heap, the buffer holding the pointer).
  static constexpr bool in_place = sizeof(D) <= any_model_buffer_size && alignof(D) <= any_model_align &&
                                   std::is_nothrow_move_constructible_v<D>;

  WEFT_INLINE static const D& held(const void* storage) noexcept {
    if constexpr (in_place) return *std::launder(static_cast<const D*>(storage));
    else return **static_cast<D* const*>(storage);
  }
  static D& held(void* storage) noexcept {
    if constexpr (in_place) return *std::launder(static_cast<D*>(storage));
    else return **static_cast<D**>(storage);
  }

  template <class A>
  static void emplace(void* storage, A&& m) {
    if constexpr (in_place) ::new (storage) D(std::forward<A>(m));
    else ::new (storage) D*(new D(std::forward<A>(m)));
  }

  /// The held model's call on x, as a sequence link makes it: bridge, declared entry, call, output
  /// materialised and bridged to Out.
  template <class Ctx>
  WEFT_INLINE static Out run(const void* storage, const In& x, const Ctx& ctx) {
    const model_type& m = unwrap(held(storage));
    const bridge<const In, input_t<D>> arg(x);
    check_entry(m, arg.get());
    if constexpr (std::is_same_v<output, Out>) {
      if constexpr (materialised_v<output_t<D>>) return materialise(call_model(m, arg.get(), ctx));
      else return call_model(m, arg.get(), ctx);
    } else if constexpr (materialised_v<output_t<D>>) {
      return to_out(materialise(call_model(m, arg.get(), ctx)));
    } else {
      return to_out(call_model(m, arg.get(), ctx));
    }
  }
  // The held model's (owned) output as an Out: a checked copy (the bridge a sequence link makes).
  WEFT_INLINE static Out to_out(const output& y) {
    check_extents<const output, Out>(y);
    return make_copy<Out>(y);
  }

  static Out call(const void* storage, const In& x) { return run(storage, x, no_context{}); }
  static Out call_observed(const void* storage, const In& x, const erased_context& ctx) {
    return run(storage, x, ctx);
  }

  static batch_t<Out> call_batch(const void* storage, const batch_t<In>& b) {
    if constexpr (batch_native<model_type> && std::is_same_v<batch_t<input_t<D>>, batch_t<In>> &&
                  std::is_same_v<batch_t<output_t<D>>, batch_t<Out>>) {
      return unwrap(held(storage)).call_batch(b);
    } else {
      const auto one = fn<In, Out>([storage](const In& x) { return call(storage, x); });
      return batched<decltype(one)>(one)(b);
    }
  }

  static void copy(const void* from, void* to) { emplace(to, held(from)); }
  static void relocate(void* from, void* to) noexcept {
    if constexpr (in_place) {
      ::new (to) D(std::move(held(from)));
      held(from).~D();
    } else {
      ::new (to) D*(*static_cast<D**>(from));
    }
  }
  static void destroy(void* storage) noexcept {
    if constexpr (in_place) held(storage).~D();
    else delete *static_cast<D**>(storage);
  }

  static shape input_shape(const void* storage) {
    if constexpr (has_static_rank<In>) {
      const std::optional<shape> k = known_input(held(storage));
      return with_static_extents<In>(k ? *k : static_shape<In>());
    } else {
      return shape{};
    }
  }
  static shape output_shape(const void* storage) {
    if constexpr (has_static_rank<Out>) {
      const std::optional<shape> k = known_output(held(storage));
      return with_static_extents<Out>(k ? *k : static_shape<Out>());
    } else {
      return shape{};
    }
  }

  static describe_node describe(const void* storage) {
    describe_node n = node_head<any_model<In, Out>>("any");
    n.combinator = true;
    n.children.push_back(describe_child(held(storage), 0));
    n.bridge_in.push_back(bridge_text<const In, input_t<D>>());
    n.bridge_out.push_back(answer_text<output, Out>());
    n.split = "any";
    n.join = "answer";
    return n;
  }

  static std::string_view given_name(const void* storage) noexcept {
    return model_traits<D>::given_name(unwrap(held(storage)));
  }

  static constexpr auto batch_entry() noexcept {
    if constexpr (any_model_batches<In, Out>) return &call_batch;
    else return static_cast<batch_t<Out> (*)(const void*, const batch_t<In>&)>(nullptr);
  }

  static constexpr any_model_table<In, Out> table{&call, &call_observed, batch_entry(), &copy, &relocate,
                                                  &destroy, &input_shape, &output_shape, &describe, &given_name};
};

}  // namespace detail

/// Any model from In to Out, its type erased; see the header comment.
template <class In, class Out>
class any_model {
  static_assert(tensor<In> && tensor<Out> && tensor_traits<In>::owns_memory && tensor_traits<Out>::owns_memory,
                "weft: any_model<In, Out>: In and Out must be owning tensor types (Eigen::Matrix, "
                "xt::xtensor, ...), not views");

 public:
  using input_type = In;
  using output_type = Out;

  /// The held model's given name (weft::named or its `name` member; empty when none): a view into
  /// the held model, kept by any_model. Read it; assigning it changes only the paths shown.
  std::string_view name;

  /// An empty any_model: calling it throws empty_model_error. Never allocates.
  any_model() noexcept {}  // NOLINT(modernize-use-equals-default): a const empty one is allowed

  /// Holds model m (a decayed copy, moved from an rvalue; std::ref(m) borrows). Fails to compile
  /// with one weft diagnostic when In cannot reach m's input or m's output cannot become an Out.
  /// Allocates only when m is stored on the heap (see the header comment); throws what copying or
  /// moving m throws, and std::bad_alloc.
  template <class M>
    requires(!std::is_same_v<std::remove_cvref_t<M>, any_model> && model<std::decay_t<M>>)
  any_model(M&& m) {  // NOLINT(google-explicit-constructor): a model converts like std::function
    using D = std::decay_t<M>;
    if constexpr (detail::any_model_connects<In, Out, D>) {
      using ops = detail::any_model_ops<In, Out, D>;
      ops::emplace(storage_, std::forward<M>(m));
      table_ = &ops::table;
      name = table_->given_name(storage_);
    } else {
      (void)detail::any_model_diagnostic<In, Out, D>{};
    }
  }

  /// A copy of the held model (allocates when it lives on the heap); throws what its copy throws.
  any_model(const any_model& other) {
    other.table_->copy(other.storage_, storage_);
    table_ = other.table_;
    name = table_->given_name(storage_);
  }
  /// Takes other's model; other is left empty. Never throws, never allocates.
  any_model(any_model&& other) noexcept { take(other); }

  any_model& operator=(const any_model& other) {
    if (this != &other) {
      any_model copy(other);
      reset();
      take(copy);
    }
    return *this;
  }
  any_model& operator=(any_model&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }

  ~any_model() { table_->destroy(storage_); }

  /// Calls the held model on x (one indirect call); throws what it throws (its path kept),
  /// weft::shape_error from a checked bridge, empty_model_error when empty.
  WEFT_INLINE output_type operator()(const input_type& x) const { return table_->call(storage_, x); }

  /// operator()(x) handing per-call context ctx on to the held model's stages (detail/call_context.hpp).
  template <class Ctx>
  WEFT_INLINE output_type call_in_context(const input_type& x, const Ctx& ctx) const {
    if constexpr (Ctx::observing) return table_->call_observed(storage_, x, detail::erase_context(ctx));
    else return table_->call(storage_, x);
  }

  /// Another tensor type or an expression, judged and bridged first (weft/detail/entry.hpp).
  template <class X>
    requires detail::foreign_argument<X, input_type>
  WEFT_INLINE output_type operator()(const X& x, detail::entry_diagnostic<X, input_type> = {}) const {
    return detail::enter(*this, x);
  }

  /// A batch of In: the held model's call_batch, or one call per sample (see the header comment).
  batch_t<Out> call_batch(const batch_t<In>& b) const
    requires detail::any_model_batches<In, Out>
  {
    return table_->call_batch(storage_, b);
  }

  /// What the held model declares of its input (see the header comment).
  shape input_shape() const
    requires detail::has_static_rank<In>
  {
    return table_->input_shape(storage_);
  }
  /// What the held model declares of its output (see the header comment).
  shape output_shape() const
    requires detail::has_static_rank<Out>
  {
    return table_->output_shape(storage_);
  }

  /// Holds no model (default-constructed or moved from).
  bool empty() const noexcept { return table_ == &detail::any_model_empty<In, Out>::table; }

  /// The tree describe and to_dot show (weft/describe.hpp): a node "any" over the held model's.
  detail::describe_node describe_tree() const { return table_->describe(storage_); }

 private:
  // Moves other's model into this empty any_model; other is left empty.
  void take(any_model& other) noexcept {
    other.table_->relocate(other.storage_, storage_);
    table_ = std::exchange(other.table_, &detail::any_model_empty<In, Out>::table);
    other.name = {};
    name = table_->given_name(storage_);
  }
  // Destroys the held model; this any_model is then empty.
  void reset() noexcept {
    table_->destroy(storage_);
    table_ = &detail::any_model_empty<In, Out>::table;
    name = {};
  }

  alignas(detail::any_model_align) unsigned char storage_[any_model_buffer_size];
  const detail::any_model_table<In, Out>* table_ = &detail::any_model_empty<In, Out>::table;
};

namespace detail {
// any_model checks the held model's declared input shape itself, inside its call.
template <class In, class Out>
inline constexpr bool checks_own_entry<any_model<In, Out>> = true;
}  // namespace detail

}  // namespace weft

#endif  // WEFT_ANY_MODEL_HPP
