#pragma once
/// \file autodiff/tape.hpp
/// `tape<Policy, Backend>`: reverse-mode automatic differentiation over tensors, driven by a
/// precision policy.
///
/// The ops of mixprec::ad (autodiff/functional.hpp) record one node per op, in creation order,
/// which is already a topological order. `backward` sweeps the nodes from the last to the first
/// and each node's rule (autodiff/rules.hpp) adds its contribution to the gradients of its inputs
/// with `+=` (micrograd, llm.c). Nodes live in an `arena`: `clear()` destroys them and keeps the
/// memory, so a tape reused step after step stops allocating nodes after its first step (the
/// value and gradient tensors themselves are ordinary tensors).
///
/// Types are decided at compile time: an op's result has the output type of
/// `precision_for<Policy, Op, pass::forward>`; the gradient of a variable has the type of its
/// role, `role_t<Policy, role::activation_grads>` or, for parameters,
/// `role_t<Policy, role::weight_grads>`; and each rule computes the gradient of an input in the
/// op's `backward_data` precision, or `backward_weight` for parameters. Operands are cast to an
/// op's storage type automatically, once per node and type: a weight used by several ops in a
/// step is cast once in that step.
///
/// Misuse throws mixprec::error naming the op and the shapes, and leaves the tape usable:
/// backward on a non-scalar without a seed gradient, a variable of another tape or of a cleared
/// tape, shape mismatches, a second backward over a graph not retained.
///
/// The tape touches element memory only through its Backend (backend/backend.hpp): every cast,
/// copy, fill and kernel of the sweep is a Backend member, so the same model code runs on any
/// backend (cpu_backend, reference_backend, later CUDA).
///
/// Stochastic rounding. A tape has a run-time seed (its constructor's argument; 0 by default).
/// Every rounding a recorded op makes in a stochastic type draws its bits from the key
/// `stochastic_key::for_op(seed, node index, step)` (step: the generation, the number of
/// clear() calls), derived once more for each rounding site of the op (operand casts, its
/// kernels, gradient additions) and indexed by element: a step is reproducible from the seed,
/// whatever the thread count, and the same op in two steps or two places draws different bits.
///
/// A tape belongs to one thread at a time; tapes share no state, so threads that each own a tape
/// run independently.

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "mixprec/autodiff/arena.hpp"
#include "mixprec/autodiff/tensor_var.hpp"
#include "mixprec/backend/backend.hpp"
#include "mixprec/backend/cpu/backend.hpp"
#include "mixprec/error.hpp"
#include "mixprec/ops/tensor_ops.hpp"
#include "mixprec/policy/policy.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace mixprec {

/// Whether `backward` keeps the graph for another sweep.
enum class retain_graph {
  no,   ///< a second backward over the same recording is an error (clear() and record again)
  yes,  ///< another backward may follow; the gradients of leaves add up
};

/// A recording of tensor ops, and their reverse sweep. See the file comment.
///
/// \tparam Policy  the precision policy (a preset such as presets::mixed_bf16, or a policy<...>)
/// \tparam Backend where the kernels run: a type modelling mixprec::backend (cpu_backend,
///                 reference_backend)
template <policy_type Policy, backend Backend = cpu_backend>
class tape {
 public:
  using policy_type = Policy;
  using backend_type = Backend;
  using device_type = typename Backend::device_type;
  /// The handle of an activation (an input, a variable or an op's result) of element type T.
  template <scalar_type T>
  using var = tensor_var<T, tape, role::activation_grads>;
  /// The handle of a parameter of element type T.
  template <scalar_type T>
  using param = tensor_var<T, tape, role::weight_grads>;
  /// The gradient types.
  using activation_grad_type = role_t<Policy, role::activation_grads>;
  using weight_grad_type = role_t<Policy, role::weight_grads>;

  /// A tape whose stochastic roundings are keyed by `seed`, whose kernels run with `exec`'s
  /// threads, and whose tensors live on `device`. The device type must be default-constructible
  /// (empty tensors hold a default device value).
  explicit tape(std::uint64_t seed = 0, execution exec = {}, device_type device = {})
      : seed_(seed), exec_(exec), device_(device) {
    nodes_.reserve(64);
  }
  tape(const tape&) = delete;
  tape& operator=(const tape&) = delete;
  ~tape() = default;

  // Leaves ------------------------------------------------------------------------------------

  /// A parameter: a leaf that reads `w` in place (without copying), whose gradient is a weight
  /// gradient (element type role_t<Policy, role::weight_grads>, computed in the backward_weight
  /// pass) and stays readable until clear(). `w` must not change or move until clear(). Calling
  /// parameter() again with the same tensor in the same step returns the same variable.
  template <scalar_type T>
  param<T> parameter(const tensor<T, device_type>& w) {
    const void* key = &w;
    for (const auto& p : params_) {
      if (p.key == key && p.type == &detail::type_key<T>::value) {
        return param<T>(this, static_cast<typename param<T>::node_type*>(p.node), generation_);
      }
    }
    check_device("parameter", w);
    auto* n = arena_.template make<typename param<T>::node_type>();
    n->value = w.view();
    n->op = "parameter";
    n->requires_grad = true;
    params_.push_back({key, &detail::type_key<T>::value, n});
    return push(n);
  }
  template <scalar_type T>
  param<T> parameter(const tensor<T, device_type>&&) = delete;

  /// A constant input (data, labels as values, targets): a copy of `x`; no gradient.
  template <detail::tensor_like X>
  var<detail::tensor_value_t<X>> input(const X& x) {
    return leaf(x, false);
  }

  /// A leaf activation that wants a gradient: a copy of `x`. Its gradient (element type
  /// role_t<Policy, role::activation_grads>) stays readable until clear().
  template <detail::tensor_like X>
  var<detail::tensor_value_t<X>> variable(const X& x) {
    return leaf(x, true);
  }

  // The sweep ---------------------------------------------------------------------------------

  /// Backpropagates from `y`, a variable of one element (a loss), seeded with 1.
  template <scalar_type T, role R>
  void backward(const tensor_var<T, tape, R>& y, retain_graph retain = retain_graph::no) {
    check_var("backward", y);
    if (y.node()->value.size() != 1) {
      detail::throw_error("backward", "the variable of shape " +
                                          y.node()->value.shape().to_string() + " (made by " +
                                          y.node()->op +
                                          ") is not a scalar; pass a seed gradient of its shape");
    }
    check_sweep(y);
    using G = role_t<Policy, R>;
    auto seed = alloc<G>(y.node()->value.shape());
    Backend::fill(seed.size(), round_to<G>(1.0), seed.data());
    sweep(y, std::move(seed), retain);
  }

  /// Backpropagates from `y`, seeded with `seed` (y's shape; converted to y's gradient type).
  template <scalar_type T, role R, detail::tensor_like X>
  void backward(const tensor_var<T, tape, R>& y, const X& seed,
                retain_graph retain = retain_graph::no) {
    check_var("backward", y);
    const auto s = detail::as_const_view(seed);
    if (!(s.shape() == y.node()->value.shape())) {
      detail::throw_shape_mismatch("backward", y.node()->value.shape(), s.shape(),
                                   "the seed gradient must have the shape of the variable");
    }
    check_sweep(y);
    using G = role_t<Policy, R>;
    auto g = alloc<G>(s.shape());
    if constexpr (std::is_same_v<detail::tensor_value_t<X>, G>) {
      Backend::copy(g.size(), s.data(), g.data());
    } else {
      Backend::convert(g.size(), s.data(), g.data(), exec(y.node()->index, seed_part));
    }
    sweep(y, std::move(g), retain);
  }

  /// Forgets every recorded node (their values, gradients and casts) and starts a new step;
  /// keeps the arena's memory. Variables recorded before are invalid afterwards.
  void clear() noexcept {
    arena_.clear();
    nodes_.clear();
    params_.clear();
    ++generation_;
    swept_ = false;
    casts_ = 0;
  }

  // Introspection -----------------------------------------------------------------------------

  /// The seed of the stochastic roundings.
  std::uint64_t seed() const noexcept { return seed_; }
  /// Sets the seed for the steps that follow (a checkpoint restores it with the generation).
  void set_seed(std::uint64_t seed) noexcept { seed_ = seed; }
  /// The device the tape's tensors live on.
  const device_type& device() const noexcept { return device_; }

  /// Nodes recorded since the last clear().
  std::size_t size() const noexcept { return nodes_.size(); }
  /// The generation: the number of clear() calls so far.
  std::uint64_t generation() const noexcept { return generation_; }
  /// The arena the nodes live in (its bytes_reserved() stays flat once steps repeat).
  const arena& memory() const noexcept { return arena_; }
  /// Operand casts performed since the last clear(): each is one node's value converted to one
  /// element type, done once and cached until clear().
  std::size_t casts() const noexcept { return casts_; }

  // For the ops and rules (autodiff/functional.hpp, autodiff/rules.hpp) ----------------------

  /// Throws unless a variable of generation `gen` belongs to the current step.
  void check_generation(const char* op, std::uint64_t gen) const {
    if (gen != generation_) {
      detail::throw_error(op, "the variable was recorded before the tape was cleared (step " +
                                  std::to_string(gen) + ", the tape is at step " +
                                  std::to_string(generation_) + ")");
    }
  }

  /// Throws unless `v` is a valid variable of this tape.
  template <class V>
  void check_var(const char* op, const V& v) const {
    if (v.tape() == nullptr) detail::throw_error(op, "the variable is empty (default-constructed)");
    if (v.tape() != this) {
      detail::throw_error(op,
                          "the variable belongs to another tape; variables of two tapes "
                          "cannot be combined");
    }
    check_generation(op, v.generation());
  }

  /// Records node type N, constructed as N(*this, args...) (its constructor runs the forward
  /// op and may throw; nothing is recorded then), and returns its handle.
  template <class N, class... Args>
  auto record(Args&&... args) {
    N* n = arena_.template make<N>(*this, std::forward<Args>(args)...);
    n->is_leaf = false;
    return push(n);
  }

  /// A tensor of shape `s` on the tape's device, its elements to be written by a kernel.
  template <scalar_type T>
  tensor<T, device_type> alloc(const shape& s) const {
    return detail::uninitialized_on<T>(s, device_);
  }

  /// The execution of rounding site `part` of the node at `index` in this step: the tape's
  /// threads, and the key for_op(seed, index, generation).derive(part).
  execution exec(std::uint32_t index, std::uint64_t part) const noexcept {
    return exec_.with_key(stochastic_key::for_op(seed_, index, generation_).derive(part));
  }
  /// The index the node being recorded now will have (for its forward op's execution).
  std::uint32_t next_index() const noexcept { return static_cast<std::uint32_t>(nodes_.size()); }

  /// Rounding sites of the tape itself (the rules number theirs from 0).
  static constexpr std::uint64_t seed_part = 900;        ///< the seed gradient's conversion
  static constexpr std::uint64_t leaf_part = 901;        ///< a leaf's conversion
  static constexpr std::uint64_t grad_add_part = 1'000;  ///< + the number of the addition
  static constexpr std::uint64_t cast_part = 2'000;      ///< + the cached cast's type code

  /// The value of `n` in element type S: the value itself when it has type S, otherwise a copy
  /// converted once (S's rounding) and cached in the node until clear().
  template <scalar_type S, class Node>
  tensor_view<const S, device_type> operand(Node& n) {
    using T = typename Node::value_type;
    if constexpr (std::is_same_v<T, S>) {
      return n.value;
    } else {
      const void* key = &detail::type_key<S>::value;
      for (detail::cast_entry_base* e = n.casts; e != nullptr; e = e->next) {
        if (e->key == key) return static_cast<detail::cast_entry<S, device_type>*>(e)->value.view();
      }
      auto* e = arena_.template make<detail::cast_entry<S, device_type>>();
      e->value = alloc<S>(n.value.shape());
      Backend::convert(n.value.size(), n.value.data(), e->value.data(),
                       exec(n.index, cast_part + detail::type_code<S>()));
      e->key = key;
      e->next = n.casts;
      n.casts = e;
      ++casts_;
      return e->value.view();
    }
  }

  /// n.grad += g (the `+=` of the sweep): the first contribution is converted into the gradient
  /// type (its rounding); later ones are added by the policy's add in the node's gradient pass.
  template <class Node, detail::tensor_like X>
  void accumulate(Node& n, X&& g) {
    using G = typename Node::grad_type;
    using U = detail::tensor_value_t<std::remove_cvref_t<X>>;
    const auto v = detail::as_const_view(g);
    if (!(v.shape() == n.value.shape())) {
      // Only a rule can get here (the ops check their shapes); reshape the flat gradient.
      if (v.size() != n.value.size()) {
        detail::throw_shape_mismatch(n.op, n.value.shape(), v.shape(),
                                     "internal: a gradient of the wrong size");
      }
    }
    const execution e = exec(n.index, grad_add_part + n.grad_adds);
    if (!n.has_grad) {
      if constexpr (std::is_same_v<U, G> &&
                    std::is_same_v<std::remove_cvref_t<X>, tensor<G, device_type>> &&
                    !std::is_lvalue_reference_v<X>) {
        n.grad = std::move(g).reshape(n.value.shape());
      } else {
        n.grad = alloc<G>(n.value.shape());
        if constexpr (std::is_same_v<U, G>) {
          Backend::copy(v.size(), v.data(), n.grad.data());
        } else {
          Backend::convert(v.size(), v.data(), n.grad.data(), e);
        }
      }
      n.has_grad = true;
    } else {
      using P = precision_for<Policy, ops::add, gradient_pass_v<Node::grad_role>>;
      Backend::template binary<P, ops::add>(1, v.size(), n.grad.data(), v.data(), broadcast::none,
                                            n.grad.data(), e);
    }
    ++n.grad_adds;
  }

 private:
  struct param_entry {
    const void* key;
    const void* type;
    detail::node_base<tape>* node;
  };

  template <class N>
  auto push(N* n) {
    n->index = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back(n);
    return tensor_var<typename N::value_type, tape, N::grad_role>(this, n, generation_);
  }

  template <detail::tensor_like X>
  var<detail::tensor_value_t<X>> leaf(const X& x, bool wants_grad) {
    using T = detail::tensor_value_t<X>;
    const auto v = detail::as_const_view(x);
    check_device(wants_grad ? "variable" : "input", v);
    auto value = alloc<T>(v.shape());
    Backend::copy(v.size(), v.data(), value.data());
    auto* n = arena_.template make<typename var<T>::node_type>();
    n->own(std::move(value));
    n->op = wants_grad ? "variable" : "input";
    n->requires_grad = wants_grad;
    return push(n);
  }

  template <class V>
  void check_device(const char* op, const V& v) const {
    if (!(v.device() == device_)) {
      detail::throw_error(op, "the tensor lives on another device than the tape's");
    }
  }

  template <class V>
  void check_sweep(const V& y) const {
    if (!y.node()->requires_grad) {
      detail::throw_error("backward", std::string("the ") + y.node()->op + " variable of shape " +
                                          y.node()->value.shape().to_string() +
                                          " does not depend on any variable or parameter");
    }
    if (swept_) {
      detail::throw_error("backward",
                          "backward already ran over this recording without retain_graph::yes; "
                          "pass retain_graph::yes to the first backward, or clear() and record "
                          "again");
    }
  }

  template <class V, class G>
  void sweep(const V& y, G&& seed, retain_graph retain) {
    // Gradients of op results belong to one sweep; those of leaves add up over sweeps.
    for (detail::node_base<tape>* n : nodes_) {
      if (!n->is_leaf) {
        n->reset_grad();
        n->grad_adds = 0;
      }
    }
    accumulate(*y.node(), std::forward<G>(seed));
    for (std::size_t i = y.node()->index + std::size_t{1}; i-- > 0;) {
      detail::node_base<tape>* n = nodes_[i];
      if (n->has_grad && n->requires_grad && !n->is_leaf) n->backward(*this);
    }
    if (retain == retain_graph::no) swept_ = true;
  }

  std::uint64_t seed_ = 0;
  execution exec_{};
  [[no_unique_address]] device_type device_;
  arena arena_;
  std::vector<detail::node_base<tape>*> nodes_;
  std::vector<param_entry> params_;
  std::uint64_t generation_ = 0;
  std::size_t casts_ = 0;
  bool swept_ = false;
};

}  // namespace mixprec
