#pragma once
/// \file autodiff/tensor_var.hpp
/// `tensor_var<T, Tape, R>`: the handle of a tensor recorded on a tape, and the node that holds
/// its value and its gradient. A handle is a tape pointer, a node and the tape's generation when
/// the node was recorded; every use checks that the tape has not been cleared since.

#include <cstdint>
#include <string>
#include <type_traits>

#include "mixprec/error.hpp"
#include "mixprec/policy/policy.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace mixprec {

/// The pass in which the gradient of a variable of gradient role `R` is computed:
/// `backward_weight` for weights (parameters, and reshapes or transposes of them),
/// `backward_data` for everything else.
template <role R>
inline constexpr pass gradient_pass_v =
    R == role::weight_grads ? pass::backward_weight : pass::backward_data;

namespace detail {

/// The part of a node the tape's sweep sees: the op's name, whether a gradient is wanted and has
/// arrived, and the vector-Jacobian product of the op that made it.
template <class Tape>
class node_base {
 public:
  node_base() = default;
  node_base(const node_base&) = delete;
  node_base& operator=(const node_base&) = delete;
  virtual ~node_base() = default;

  /// Adds this node's gradient, times the Jacobian of its op, to the gradients of its inputs
  /// (the op's rule in autodiff/rules.hpp). Called only when the node has a gradient.
  virtual void backward(Tape&) {}
  /// Forgets the gradient (before a new sweep, for nodes that are not leaves).
  virtual void reset_grad() noexcept = 0;

  const char* op = "input";  ///< the op that made the node ("input", "parameter", "matmul", ...)
  std::uint32_t index = 0;   ///< position on the tape
  bool requires_grad =
      false;              ///< a leaf that wants a gradient, or an op result that depends on one
  bool is_leaf = true;    ///< recorded by input(), variable() or parameter()
  bool has_grad = false;  ///< a gradient has reached the node in the current sweep
  std::uint32_t grad_adds = 0;  ///< contributions added to the gradient in this sweep
};

/// A number identifying a scalar type among those a node's value is cast to (it picks the
/// rounding site of the cached cast, so that two casts of one node draw different bits).
template <class S>
constexpr std::uint64_t type_code() noexcept {
  using F = format_of_t<S>;
  return static_cast<std::uint64_t>(F::exponent_bits) |
         (static_cast<std::uint64_t>(F::mantissa_bits) << 8) |
         (static_cast<std::uint64_t>(rounding_of<S>()) << 16) |
         (static_cast<std::uint64_t>(overflow_of<S>()) << 20) |
         (static_cast<std::uint64_t>(subnormals_of<S>()) << 24);
}

/// Identifies an element type in a node's cast cache.
template <class S>
struct type_key {
  static constexpr char value = 0;
};

/// One cached copy of a node's value in another element type.
struct cast_entry_base {
  const void* key = nullptr;
  cast_entry_base* next = nullptr;
};
template <scalar_type S, class Device>
struct cast_entry : cast_entry_base {
  tensor<S, Device> value;
};

/// A node with a value of element type T and a gradient of the policy's type for role R. Leaves
/// are value_nodes; every op's node derives from one.
template <class Tape, scalar_type T, role R>
class value_node : public node_base<Tape> {
 public:
  using policy_type = typename Tape::policy_type;
  using device_type = typename Tape::device_type;
  using value_type = T;
  using grad_type = role_t<policy_type, R>;
  static constexpr role grad_role = R;

  void reset_grad() noexcept override {
    grad = tensor<grad_type, device_type>();
    this->has_grad = false;
  }

  /// Sets the value to a tensor the node owns.
  void own(tensor<T, device_type>&& v) noexcept {
    owned = std::move(v);
    value = owned.view();
  }

  tensor<T, device_type> owned;             ///< the value, when the node owns it
  tensor_view<const T, device_type> value;  ///< the value: owned, a parameter, or a reshape
  tensor<grad_type, device_type> grad;      ///< the gradient, once has_grad
  cast_entry_base* casts = nullptr;         ///< copies of the value in other element types
};

}  // namespace detail

/// A tensor recorded on a tape: the handle user code passes to the ops of mixprec::ad.
///
/// \tparam T    the element type of the value (the output type of the op that made it)
/// \tparam Tape the tape, `tape<Policy, Backend>`
/// \tparam R    the gradient's role: `role::weight_grads` for parameters (and reshapes or
///              transposes of them), `role::activation_grads` for everything else. The gradient
///              has the element type `role_t<Policy, R>`, and the rules compute it in the
///              policy's `backward_weight` or `backward_data` pass accordingly.
///
/// A handle is cheap to copy. It is valid until its tape is cleared or destroyed; using it
/// afterwards (or with another tape) throws mixprec::error naming the op.
template <scalar_type T, class Tape, role R = role::activation_grads>
class tensor_var {
 public:
  using value_type = T;
  using tape_type = Tape;
  using policy_type = typename Tape::policy_type;
  using device_type = typename Tape::device_type;
  using grad_type = role_t<policy_type, R>;
  using node_type = detail::value_node<Tape, T, R>;
  static constexpr role grad_role = R;

  /// An empty handle; every use throws.
  tensor_var() = default;

  /// The value (valid until the tape is cleared).
  tensor_view<const T, device_type> value() const {
    check("value");
    return node_->value;
  }

  /// The shape of the value.
  const mixprec::shape& shape() const {
    check("shape");
    return node_->value.shape();
  }

  /// Whether the last backward sweep brought a gradient to this variable.
  bool has_grad() const {
    check("grad");
    return node_->has_grad;
  }

  /// The gradient of the last backward sweep, of element type role_t<Policy, R>. Parameters and
  /// variables keep it until clear(), accumulating over sweeps; other nodes lose it when a new
  /// sweep starts. Throws mixprec::error when no gradient has reached the variable.
  tensor_view<const grad_type, device_type> grad() const {
    check("grad");
    if (!node_->has_grad) {
      detail::throw_error("grad", std::string("no gradient has reached this ") + node_->op +
                                      " variable of shape " + node_->value.shape().to_string() +
                                      (node_->requires_grad ? " (run backward first)"
                                                            : " (it does not require one)"));
    }
    return node_->grad.view();
  }

  /// Whether a gradient flows to this variable.
  bool requires_grad() const {
    check("requires_grad");
    return node_->requires_grad;
  }

  /// The name of the op that made the variable ("parameter", "matmul", ...).
  const char* op() const {
    check("op");
    return node_->op;
  }

  /// The tape, or null for an empty handle.
  Tape* tape() const noexcept { return tape_; }
  /// The tape's generation when the variable was recorded.
  std::uint64_t generation() const noexcept { return generation_; }
  /// The node (internal: valid only while check() passes).
  node_type* node() const noexcept { return node_; }

  /// Throws mixprec::error("<op>: ...") unless the handle belongs to a tape that has not been
  /// cleared since the variable was recorded.
  void check(const char* op) const {
    if (tape_ == nullptr) detail::throw_error(op, "the variable is empty (default-constructed)");
    tape_->check_generation(op, generation_);
  }

 private:
  friend Tape;
  tensor_var(Tape* t, node_type* n, std::uint64_t gen) noexcept
      : tape_(t), node_(n), generation_(gen) {}

  Tape* tape_ = nullptr;
  node_type* node_ = nullptr;
  std::uint64_t generation_ = 0;
};

namespace detail {
template <class X>
struct is_tensor_var : std::false_type {};
template <class T, class Tape, role R>
struct is_tensor_var<tensor_var<T, Tape, R>> : std::true_type {};
}  // namespace detail

/// A tensor_var of any element type, tape and role.
template <class X>
concept tensor_var_type = detail::is_tensor_var<std::remove_cvref_t<X>>::value;

}  // namespace mixprec
