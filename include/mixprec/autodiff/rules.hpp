#pragma once
/// \file autodiff/rules.hpp
/// The primitives of the tensor tape: for each, the node that runs its forward op and its one
/// vector-Jacobian rule, `backward`, which adds the gradient of every input that wants one. This
/// file is the gradient table (tinygrad's): every rule is here, and nothing else is. Composite
/// functions built from the primitives are in autodiff/functional.hpp.
///
/// Precision. The forward op of primitive `Op` runs in `precision_for<Policy, Op, forward>` and
/// its result has that precision's output type. The gradient with respect to an input runs in
/// `precision_for<Policy, Op, gradient_pass_v<R>>`, R the input's role: `backward_weight` for
/// parameters, `backward_data` otherwise. The rule reads its operands in that precision's
/// storage type (a node's value is cast once per type and step, see tape::operand), writes its
/// result in the output type, and the tape adds it into the input's gradient (`+=`).
///
/// The rules, with y the output, dy its gradient, and every product, quotient and sum computed
/// and rounded as the CPU kernels state (backend/cpu/backward.hpp, docs/policies.md):
///
/// | primitive        | gradient of the inputs |
/// |------------------|------------------------|
/// | matmul y = a b   | da = dy bᵀ; db = aᵀ dy (a's leading axes flattened into rows) |
/// | add y = a + b    | da = dy; db = dy, or Σ_rows dy for a broadcast row b |
/// | sub y = a - b    | da = dy; db = -dy, or -Σ_rows dy |
/// | mul y = a b      | da = dy b; db = dy a, or Σ_rows (dy a), the products kept in C |
/// | div y = a / b    | da = dy / b; db = -(dy / b) y, or -Σ_rows (dy / b) y, kept in C |
/// | neg, relu, exp, log, tanh, sigmoid, gelu | dx = unary_backward(x, y, dy) |
/// | sum over an axis | dx = dy repeated along the axis |
/// | mean over an axis| dx = (dy / n) repeated along the axis |
/// | reshape          | dx = dy with x's shape |
/// | transpose        | dx = dyᵀ |
/// | cast             | dx = dy |
/// | softmax          | dx = y (dy - Σ y dy) per row |
/// | log_softmax      | dx = dy - exp(y) Σ dy per row |
/// | cross_entropy    | dlogits = (softmax(logits) - onehot(labels)) dloss / rows |
/// | mse              | da = 2 (a - b) dloss / n; db = -da |
/// | layer_norm       | dx, dgamma, dbeta of layer_norm_backward (mean and rstd saved) |
/// | dropout          | dx = dy scale where kept, 0 where dropped (the mask drawn again) |
/// | embedding        | dtable[idx[i]] += dout[i] |
///
/// Every primitive has an op tag (policy/ops.hpp), so a policy can give each its own precision:
/// dropout runs in the precision of `ops::dropout`; the embedding lookup writes the storage type
/// of `ops::embedding` and its backward scatter-add accumulates in that op's backward precision;
/// reshape and transpose (category layout) keep their input's type unless a rule names them.
///
/// The rules touch element memory only through the tape's Backend (backend/backend.hpp) and the
/// device-neutral ops (ops/tensor_ops.hpp). Each rounding site of a node draws its stochastic bits
/// from `t.exec(index, part)`: parts 0-9 are the forward op's, 10-99 the rule's.

#include <cstdint>
#include <span>
#include <type_traits>

#include "mixprec/autodiff/tape.hpp"
#include "mixprec/autodiff/tensor_var.hpp"
#include "mixprec/backend/backend.hpp"
#include "mixprec/ops/tensor_ops.hpp"
#include "mixprec/policy/ops.hpp"
#include "mixprec/policy/policy.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace mixprec::detail {

/// The axis argument of a reduce node that sums over every element.
inline constexpr int all_axes = -1000;

/// Rounding sites of a node (the `part` of Tape::exec).
inline constexpr std::uint64_t forward_part = 0;
inline constexpr std::uint64_t rule_part = 10;

/// The operand of `Op` in `Pass`: the node's value in the op's storage type (cast once per step
/// and cached), except the operands of a matmul under per-tensor scaling, which the matmul scales
/// into its one-byte storage type itself.
template <class Op, pass Pass, class Tape, class Node>
auto operand_of(Tape& t, Node& n) {
  using Policy = typename Tape::policy_type;
  using S = storage_t<Policy, Op, Pass>;
  if constexpr (std::is_same_v<Op, ops::matmul> && scales_per_tensor_v<Policy, S>) {
    (void)t;
    return n.value;
  } else {
    return t.template operand<S>(n);
  }
}

/// The incoming gradient of a node in element type S (a view, or a converted copy in `held`).
template <scalar_type S, class Tape, class Node, class Held>
auto grad_as(Tape& t, Node& n, Held& held, std::uint64_t part) {
  return operand_as<typename Tape::backend_type, S>(n.grad.view(), held, t.exec(n.index, part));
}

/// The node of an op result: an activation of element type Y.
template <class Tape, scalar_type Y>
using result_node = value_node<Tape, Y, role::activation_grads>;

/// The result type of a layout op (reshape, transpose) on T: T unless a rule names the op.
template <class Policy, class Op, scalar_type T>
using layout_result_t =
    std::conditional_t<has_rule_v<Policy, Op, pass::forward>, output_t<Policy, Op>, T>;

// matmul ---------------------------------------------------------------------------------------

/// y = a b; a is [..., k] (its leading axes are rows), b is [k, n].
template <class Tape, class NA, class NB>
class matmul_node final
    : public result_node<Tape, output_t<typename Tape::policy_type, ops::matmul>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;

 public:
  matmul_node(Tape& t, NA* a, NB* b) : a_(a), b_(b) {
    this->op = "matmul";
    this->own(mixprec::matmul<Policy, pass::forward, B>(
        operand_of<ops::matmul, pass::forward>(t, *a),
        operand_of<ops::matmul, pass::forward>(t, *b), transpose::no, transpose::no,
        t.exec(t.next_index(), forward_part)));
    this->requires_grad = a->requires_grad || b->requires_grad;
  }

  void backward(Tape& t) override {
    const auto dy = this->grad.view();
    if (a_->requires_grad) {
      constexpr pass P = gradient_pass_v<NA::grad_role>;
      t.accumulate(
          *a_, mixprec::matmul<Policy, P, B>(dy, operand_of<ops::matmul, P>(t, *b_), transpose::no,
                                             transpose::yes, t.exec(this->index, rule_part)));
    }
    if (b_->requires_grad) {
      constexpr pass P = gradient_pass_v<NB::grad_role>;
      const auto av = operand_of<ops::matmul, P>(t, *a_);
      const shape& s = av.shape();
      const std::int64_t n = dy.shape().cols();
      t.accumulate(*b_, mixprec::matmul<Policy, P, B>(
                            av.reshape(shape{s.rows(), s.cols()}), dy.reshape(shape{s.rows(), n}),
                            transpose::yes, transpose::no, t.exec(this->index, rule_part + 1)));
    }
  }

 private:
  NA* a_;
  NB* b_;
};

// add, sub, mul, div -----------------------------------------------------------------------------

/// y = a op b; b has a's shape or is one row (rank 1) broadcast over the rows of a.
template <class Tape, class Op, class NA, class NB>
class binary_node final : public result_node<Tape, output_t<typename Tape::policy_type, Op>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;

 public:
  binary_node(Tape& t, NA* a, NB* b) : a_(a), b_(b) {
    this->op = Op::name.data();
    this->own(binary_op<B, Policy, Op, pass::forward>(
        Op::name.data(), operand_of<Op, pass::forward>(t, *a), operand_of<Op, pass::forward>(t, *b),
        t.exec(t.next_index(), forward_part)));
    row_ = !(a->value.shape() == b->value.shape());
    this->requires_grad = a->requires_grad || b->requires_grad;
  }

  void backward(Tape& t) override {
    const auto dy = this->grad.view();
    const std::int64_t cols = a_->value.shape().cols();
    const std::int64_t rows = cols == 0 ? 0 : a_->value.size() / cols;
    const std::int64_t n = a_->value.size();
    if (a_->requires_grad) {
      constexpr pass PA = gradient_pass_v<NA::grad_role>;
      if constexpr (std::is_same_v<Op, ops::add> || std::is_same_v<Op, ops::sub>) {
        t.accumulate(*a_, dy);
      } else {
        // mul: dy b; div: dy / b (b broadcast as in the forward op).
        t.accumulate(*a_,
                     binary_op<B, Policy, Op, PA>(Op::name.data(), dy, operand_of<Op, PA>(t, *b_),
                                                  t.exec(this->index, rule_part)));
      }
    }
    if (b_->requires_grad) {
      constexpr pass PB = gradient_pass_v<NB::grad_role>;
      using P = precision_for<Policy, Op, PB>;
      using S = typename P::storage;
      using C = typename P::compute;
      using O = typename P::output;
      const shape& bs = b_->value.shape();
      tensor<S, D> held;
      const auto g = grad_as<S>(t, *this, held, rule_part + 1);
      const auto e = [&](std::uint64_t k) { return t.exec(this->index, rule_part + 2 + k); };
      if constexpr (std::is_same_v<Op, ops::add>) {
        if (!row_) {
          t.accumulate(*b_, dy);
        } else {
          auto db = t.template alloc<O>(bs);
          B::template reduce<P, ops::sum>(1, rows, cols, g.data(), db.data(), e(0));
          t.accumulate(*b_, std::move(db));
        }
      } else if constexpr (std::is_same_v<Op, ops::sub>) {
        auto db = t.template alloc<O>(bs);
        if (!row_) {
          B::template unary<P, ops::neg>(n, g.data(), db.data(), e(0));
        } else {
          B::template reduce<P, ops::sum>(1, rows, cols, g.data(), db.data(), e(0));
          B::template unary<P, ops::neg>(cols, db.data(), db.data(), e(1));  // exact
        }
        t.accumulate(*b_, std::move(db));
      } else if constexpr (std::is_same_v<Op, ops::mul>) {
        const auto av = operand_of<Op, PB>(t, *a_);
        if (!row_) {
          auto db = t.template alloc<O>(bs);
          B::template binary<P, ops::mul>(rows, cols, g.data(), av.data(), broadcast::none,
                                          db.data(), e(0));
          t.accumulate(*b_, std::move(db));
        } else {
          // Σ_rows dy a: each product rounded into C, then summed in A, as a GEMM does.
          auto prod = t.template alloc<C>(a_->value.shape());
          B::template binary<P, ops::mul>(rows, cols, g.data(), av.data(), broadcast::none,
                                          prod.data(), e(0));
          auto db = t.template alloc<O>(bs);
          B::template reduce<P, ops::sum>(1, rows, cols, prod.data(), db.data(), e(1));
          t.accumulate(*b_, std::move(db));
        }
      } else {
        static_assert(std::is_same_v<Op, ops::div>);
        // d(a / b)/db = -(a / b) / b = -y / b: -(dy / b) y, kept in C until the result.
        const auto bv = operand_of<Op, PB>(t, *b_);
        const auto yv = t.template operand<S>(*this);
        auto q = t.template alloc<C>(a_->value.shape());
        B::template binary<P, ops::div>(rows, cols, g.data(), bv.data(),
                                        row_ ? broadcast::row : broadcast::none, q.data(), e(0));
        B::template binary<P, ops::mul>(rows, cols, q.data(), yv.data(), broadcast::none, q.data(),
                                        e(1));
        auto db = t.template alloc<O>(bs);
        if (!row_) {
          B::template unary<P, ops::neg>(n, q.data(), db.data(), e(2));
        } else {
          B::template reduce<P, ops::sum>(1, rows, cols, q.data(), db.data(), e(2));
          B::template unary<P, ops::neg>(cols, db.data(), db.data(), e(3));  // exact
        }
        t.accumulate(*b_, std::move(db));
      }
    }
  }

 private:
  NA* a_;
  NB* b_;
  bool row_ = false;
};

// neg, relu, exp, log, tanh, sigmoid, gelu ------------------------------------------------------

/// y = op(x), elementwise.
template <class Tape, class Op, class NX>
class unary_node final : public result_node<Tape, output_t<typename Tape::policy_type, Op>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;

 public:
  unary_node(Tape& t, NX* x) : x_(x) {
    this->op = Op::name.data();
    this->own(unary_op<B, Policy, Op, pass::forward>(operand_of<Op, pass::forward>(t, *x),
                                                     t.exec(t.next_index(), forward_part)));
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override {
    constexpr pass PX = gradient_pass_v<NX::grad_role>;
    using P = precision_for<Policy, Op, PX>;
    using S = typename P::storage;
    using O = typename P::output;
    tensor<S, D> held;
    const auto g = grad_as<S>(t, *this, held, rule_part);
    const S* xp = nullptr;
    const S* yp = nullptr;
    if constexpr (B::template backward_reads_x<Op>) xp = operand_of<Op, PX>(t, *x_).data();
    if constexpr (B::template backward_reads_y<Op>) yp = t.template operand<S>(*this).data();
    auto dx = t.template alloc<O>(x_->value.shape());
    B::template unary_backward<P, Op>(dx.size(), xp, yp, g.data(), dx.data(),
                                      t.exec(this->index, rule_part + 1));
    t.accumulate(*x_, std::move(dx));
  }

 private:
  NX* x_;
};

// sum, mean ----------------------------------------------------------------------------------

/// y = sum or mean of x over one axis (or over every element: axis == all_axes).
template <class Tape, class Op, class NX>
class reduce_node final : public result_node<Tape, output_t<typename Tape::policy_type, Op>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;

 public:
  reduce_node(Tape& t, NX* x, int axis) : x_(x) {
    this->op = Op::name.data();
    const auto xv = operand_of<Op, pass::forward>(t, *x);
    const execution e = t.exec(t.next_index(), forward_part);
    if (axis == all_axes) {
      this->own(reduce_all_op<B, Policy, Op, pass::forward>(xv, e));
    } else {
      this->own(reduce_op<B, Policy, Op, pass::forward>(Op::name.data(), xv, axis, e));
    }
    const shape& s = x->value.shape();
    if (axis == all_axes) {
      length_ = s.size();
    } else {
      if (axis < 0) axis += s.rank();
      for (int i = 0; i < axis; ++i) outer_ *= s[i];
      length_ = s[axis];
      for (int i = axis + 1; i < s.rank(); ++i) inner_ *= s[i];
    }
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override {
    constexpr pass PX = gradient_pass_v<NX::grad_role>;
    using P = precision_for<Policy, Op, PX>;
    using S = typename P::storage;
    using O = typename P::output;
    tensor<S, D> held;
    const auto g = grad_as<S>(t, *this, held, rule_part);
    auto dx = t.template alloc<O>(x_->value.shape());
    if constexpr (std::is_same_v<Op, ops::mean>) {
      auto q = t.template alloc<O>(g.shape());
      B::template binary_scalar<P, ops::div>(q.size(), g.data(), static_cast<double>(length_),
                                             q.data(), t.exec(this->index, rule_part + 1));
      B::expand(outer_, length_, inner_, q.data(), dx.data(), t.exec(this->index, rule_part + 2));
    } else {
      B::expand(outer_, length_, inner_, g.data(), dx.data(), t.exec(this->index, rule_part + 2));
    }
    t.accumulate(*x_, std::move(dx));
  }

 private:
  NX* x_;
  std::int64_t outer_ = 1;
  std::int64_t length_ = 1;
  std::int64_t inner_ = 1;
};

// reshape, transpose, cast ------------------------------------------------------------------

/// y = x with another shape of the same size: a view of x's value (nothing is copied) unless a
/// rule of the policy gives ops::reshape a type of its own (then one conversion). A reshape of a
/// weight is a weight.
template <class Tape, class NX>
class reshape_node final
    : public value_node<
          Tape, layout_result_t<typename Tape::policy_type, ops::reshape, typename NX::value_type>,
          NX::grad_role> {
  using B = typename Tape::backend_type;
  using T = typename NX::value_type;
  using Y = layout_result_t<typename Tape::policy_type, ops::reshape, T>;

 public:
  reshape_node(Tape& t, NX* x, const shape& s) : x_(x) {
    this->op = "reshape";
    if constexpr (std::is_same_v<Y, T>) {
      (void)t;
      this->value = x->value.reshape(s);
    } else {
      auto y = t.template alloc<Y>(s);
      const auto xv = x->value.reshape(s);
      B::convert(y.size(), xv.data(), y.data(), t.exec(t.next_index(), forward_part));
      this->own(std::move(y));
    }
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override { t.accumulate(*x_, this->grad.view()); }

 private:
  NX* x_;
};

/// y = xᵀ for a matrix x (rank 2), in x's type unless a rule of the policy gives ops::transpose
/// one. A transpose of a weight is a weight.
template <class Tape, class NX>
class transpose_node final
    : public value_node<
          Tape,
          layout_result_t<typename Tape::policy_type, ops::transpose, typename NX::value_type>,
          NX::grad_role> {
  using B = typename Tape::backend_type;
  using Y = layout_result_t<typename Tape::policy_type, ops::transpose, typename NX::value_type>;

 public:
  transpose_node(Tape& t, NX* x) : x_(x) {
    this->op = "transpose";
    const shape& s = x->value.shape();
    auto y = t.template alloc<Y>(shape{s[1], s[0]});
    B::transpose_2d(s[0], s[1], x->value.data(), y.data(), t.exec(t.next_index(), forward_part));
    this->own(std::move(y));
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override {
    const shape& s = x_->value.shape();
    using G = typename transpose_node::grad_type;
    auto dx = t.template alloc<G>(s);
    B::transpose_2d(s[1], s[0], this->grad.data(), dx.data(), t.exec(this->index, rule_part));
    t.accumulate(*x_, std::move(dx));
  }

 private:
  NX* x_;
};

/// y = x converted to U (U's rounding); the gradient passes through unchanged. A cast of a
/// weight is a weight.
template <class Tape, scalar_type U, class NX>
class cast_node final : public value_node<Tape, U, NX::grad_role> {
  using B = typename Tape::backend_type;

 public:
  cast_node(Tape& t, NX* x) : x_(x) {
    this->op = "cast";
    auto y = t.template alloc<U>(x->value.shape());
    B::convert(y.size(), x->value.data(), y.data(), t.exec(t.next_index(), forward_part));
    this->own(std::move(y));
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override { t.accumulate(*x_, this->grad.view()); }

 private:
  NX* x_;
};

// softmax, log_softmax -------------------------------------------------------------------------

/// y = softmax(x) (Log false) or log_softmax(x) (Log true) over the last axis.
template <class Tape, bool Log, class NX>
class softmax_node final
    : public result_node<Tape, output_t<typename Tape::policy_type,
                                        std::conditional_t<Log, ops::log_softmax, ops::softmax>>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;
  using Op = std::conditional_t<Log, ops::log_softmax, ops::softmax>;

 public:
  softmax_node(Tape& t, NX* x) : x_(x) {
    this->op = Op::name.data();
    this->own(softmax_op<B, Policy, Log, pass::forward>(operand_of<Op, pass::forward>(t, *x),
                                                        t.exec(t.next_index(), forward_part)));
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override {
    constexpr pass PX = gradient_pass_v<NX::grad_role>;
    using P = precision_for<Policy, Op, PX>;
    using S = typename P::storage;
    using O = typename P::output;
    tensor<S, D> held;
    const auto g = grad_as<S>(t, *this, held, rule_part);
    const auto y = t.template operand<S>(*this);
    const shape& s = x_->value.shape();
    auto dx = t.template alloc<O>(s);
    B::template softmax_backward<P, Log>(s.rows(), s.cols(), y.data(), g.data(), dx.data(),
                                         t.exec(this->index, rule_part + 1));
    t.accumulate(*x_, std::move(dx));
  }

 private:
  NX* x_;
};

// cross_entropy, mse ---------------------------------------------------------------------------

/// y = the mean cross-entropy of logits [..., classes] and one label per row (rank 0). The
/// labels are uploaded to the device once and kept with the node.
template <class Tape, class NX>
class cross_entropy_node final
    : public result_node<Tape, output_t<typename Tape::policy_type, ops::cross_entropy>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;
  using Op = ops::cross_entropy;

 public:
  cross_entropy_node(Tape& t, NX* x, std::span<const std::int64_t> labels)
      : x_(x), labels_(B::upload(t.device(), labels)) {
    this->op = "cross_entropy";
    this->own(cross_entropy_op<B, Policy, pass::forward>(operand_of<Op, pass::forward>(t, *x),
                                                         labels_.data(),
                                                         t.exec(t.next_index(), forward_part)));
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override {
    constexpr pass PX = gradient_pass_v<NX::grad_role>;
    using P = precision_for<Policy, Op, PX>;
    using O = typename P::output;
    const auto logits = operand_of<Op, PX>(t, *x_);
    const shape& s = x_->value.shape();
    auto dx = t.template alloc<O>(s);
    B::template cross_entropy_backward<P>(s.rows(), s.cols(), logits.data(), labels_.data(),
                                          this->grad.data(), dx.data(),
                                          t.exec(this->index, rule_part));
    t.accumulate(*x_, std::move(dx));
  }

 private:
  NX* x_;
  device_array<std::int64_t, D> labels_;
};

/// y = the mean of (a - b)² over every element (rank 0).
template <class Tape, class NA, class NB>
class mse_node final : public result_node<Tape, output_t<typename Tape::policy_type, ops::mse>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using Op = ops::mse;

 public:
  mse_node(Tape& t, NA* a, NB* b) : a_(a), b_(b) {
    this->op = "mse";
    this->own(mixprec::mse<Policy, pass::forward, B>(operand_of<Op, pass::forward>(t, *a),
                                                     operand_of<Op, pass::forward>(t, *b),
                                                     t.exec(t.next_index(), forward_part)));
    this->requires_grad = a->requires_grad || b->requires_grad;
  }

  void backward(Tape& t) override {
    // d/da of mean((a - b)²) is 2 (a - b) / n; d/db is the same with a and b exchanged.
    if (a_->requires_grad) {
      t.accumulate(*a_, gradient<gradient_pass_v<NA::grad_role>>(t, *a_, *b_, rule_part));
    }
    if (b_->requires_grad) {
      t.accumulate(*b_, gradient<gradient_pass_v<NB::grad_role>>(t, *b_, *a_, rule_part + 1));
    }
  }

 private:
  template <pass Pass, class N1, class N2>
  auto gradient(Tape& t, N1& first, N2& second, std::uint64_t part) {
    using P = precision_for<Policy, Op, Pass>;
    using O = typename P::output;
    const auto u = operand_of<Op, Pass>(t, first);
    const auto v = operand_of<Op, Pass>(t, second);
    auto d = t.template alloc<O>(first.value.shape());
    B::template mse_backward<P>(d.size(), u.data(), v.data(), this->grad.data(), d.data(),
                                static_cast<O*>(nullptr), t.exec(this->index, part));
    return d;
  }

  NA* a_;
  NB* b_;
};

// layer_norm -----------------------------------------------------------------------------------

/// y = layer_norm(x) · gamma + beta over the last axis; gamma and beta ([cols]) are both given or
/// both null. The row means and reciprocal standard deviations are kept for the rule.
template <class Tape, class NX, class NG, class NB>
class layer_norm_node final
    : public result_node<Tape, output_t<typename Tape::policy_type, ops::layer_norm>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;
  using Op = ops::layer_norm;
  using PF = precision_for<Policy, Op, pass::forward>;
  using Stat = typename PF::compute;

 public:
  layer_norm_node(Tape& t, NX* x, NG* gamma, NB* beta, double eps)
      : x_(x), gamma_(gamma), beta_(beta) {
    using S = typename PF::storage;
    using O = typename PF::output;
    this->op = "layer_norm";
    const shape& s = x->value.shape();
    const auto xv = operand_of<Op, pass::forward>(t, *x);
    const S* g = gamma != nullptr ? operand_of<Op, pass::forward>(t, *gamma).data() : nullptr;
    const S* b = beta != nullptr ? operand_of<Op, pass::forward>(t, *beta).data() : nullptr;
    auto y = t.template alloc<O>(s);
    mean_ = t.template alloc<Stat>(shape{s.rows()});
    rstd_ = t.template alloc<Stat>(shape{s.rows()});
    B::template layer_norm<PF>(s.rows(), s.cols(), xv.data(), g, b, eps, y.data(), mean_.data(),
                               rstd_.data(), t.exec(t.next_index(), forward_part));
    this->own(std::move(y));
    this->requires_grad = x->requires_grad || (gamma != nullptr && gamma->requires_grad) ||
                          (beta != nullptr && beta->requires_grad);
  }

  void backward(Tape& t) override {
    constexpr pass PX = gradient_pass_v<NX::grad_role>;
    constexpr pass PW = gradient_pass_v<NG::grad_role>;
    const bool want_w =
        (gamma_ != nullptr && gamma_->requires_grad) || (beta_ != nullptr && beta_->requires_grad);
    if constexpr (std::is_same_v<precision_for<Policy, Op, PX>, precision_for<Policy, Op, PW>>) {
      run<PX>(t, x_->requires_grad, want_w, rule_part);
    } else {
      if (x_->requires_grad) run<PX>(t, true, false, rule_part);
      if (want_w) run<PW>(t, false, true, rule_part + 2);
    }
  }

 private:
  /// One call of the backward kernel in the precision of `Pass`: dx when want_x, dgamma and
  /// dbeta when want_w (the kernel always writes dx: a scratch tensor when it is not wanted).
  template <pass Pass>
  void run(Tape& t, bool want_x, bool want_w, std::uint64_t part) {
    using P = precision_for<Policy, Op, Pass>;
    using S = typename P::storage;
    using O = typename P::output;
    const shape& s = x_->value.shape();
    tensor<S, D> held;
    const auto g = grad_as<S>(t, *this, held, part);
    const auto xv = operand_of<Op, Pass>(t, *x_);
    const S* gamma = gamma_ != nullptr ? operand_of<Op, Pass>(t, *gamma_).data() : nullptr;
    auto dx = t.template alloc<O>(s);
    tensor<O, D> dgamma, dbeta;
    if (want_w && gamma_ != nullptr && gamma_->requires_grad) {
      dgamma = t.template alloc<O>(gamma_->value.shape());
    }
    if (want_w && beta_ != nullptr && beta_->requires_grad) {
      dbeta = t.template alloc<O>(beta_->value.shape());
    }
    B::template layer_norm_backward<P>(s.rows(), s.cols(), xv.data(), gamma, mean_.data(),
                                       rstd_.data(), g.data(), dx.data(), dgamma.data(),
                                       dbeta.data(), t.exec(this->index, part + 1));
    if (want_x) t.accumulate(*x_, std::move(dx));
    if (dgamma.data() != nullptr) t.accumulate(*gamma_, std::move(dgamma));
    if (dbeta.data() != nullptr) t.accumulate(*beta_, std::move(dbeta));
  }

  NX* x_;
  NG* gamma_;
  NB* beta_;
  tensor<Stat, D> mean_;
  tensor<Stat, D> rstd_;
};

// dropout, embedding -------------------------------------------------------------------------

/// y = x · mask / (1 - p), element i kept by the random bits of (seed, counter0 + i); runs in the
/// precision of `ops::dropout`.
template <class Tape, class NX>
class dropout_node final
    : public result_node<Tape, output_t<typename Tape::policy_type, ops::dropout>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;
  using Op = ops::dropout;

 public:
  dropout_node(Tape& t, NX* x, double p, std::uint64_t seed, std::uint64_t counter0)
      : x_(x), p_(p), seed_(seed), counter0_(counter0) {
    using PF = precision_for<Policy, Op, pass::forward>;
    this->op = "dropout";
    const auto xv = operand_of<Op, pass::forward>(t, *x);
    auto y = t.template alloc<typename PF::output>(xv.shape());
    B::template dropout<PF>(y.size(), xv.data(), p, seed, counter0, y.data(),
                            t.exec(t.next_index(), forward_part));
    this->own(std::move(y));
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override {
    using P = precision_for<Policy, Op, gradient_pass_v<NX::grad_role>>;
    using S = typename P::storage;
    tensor<S, D> held;
    const auto g = grad_as<S>(t, *this, held, rule_part);
    auto dx = t.template alloc<typename P::output>(x_->value.shape());
    B::template dropout_backward<P>(dx.size(), seed_, counter0_, g.data(), p_, dx.data(),
                                    t.exec(this->index, rule_part + 1));
    t.accumulate(*x_, std::move(dx));
  }

 private:
  NX* x_;
  double p_;
  std::uint64_t seed_;
  std::uint64_t counter0_;
};

/// y[i] = table[idx[i]] (y is [n, dim], table [vocab, dim]), written in the storage type of
/// `ops::embedding`; the rule adds the rows of dy into the rows of the table's gradient,
/// accumulating in that op's backward precision. The indices are uploaded to the device once.
template <class Tape, class NT>
class embedding_node final
    : public result_node<Tape, storage_t<typename Tape::policy_type, ops::embedding>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;
  using Y = storage_t<Policy, ops::embedding>;

 public:
  embedding_node(Tape& t, NT* table, std::span<const std::int64_t> idx)
      : table_(table), idx_(B::upload(t.device(), idx)), n_(static_cast<std::int64_t>(idx.size())) {
    using PF = precision_for<Policy, ops::embedding, pass::forward>;
    this->op = "embedding";
    const shape& s = table->value.shape();
    auto y = t.template alloc<Y>(shape{n_, s[1]});
    B::template embedding<PF>(n_, idx_.data(), s[0], s[1], table->value.data(), y.data(),
                              t.exec(t.next_index(), forward_part));
    this->own(std::move(y));
    this->requires_grad = table->requires_grad;
  }

  void backward(Tape& t) override {
    using P = precision_for<Policy, ops::embedding, gradient_pass_v<NT::grad_role>>;
    using G = typename NT::grad_type;
    const shape& s = table_->value.shape();
    if (!table_->has_grad) {
      // zeros; the kernel adds into the running gradient
      table_->grad = t.template alloc<G>(s);
      B::fill(table_->grad.size(), round_to<G>(0.0), table_->grad.data());
      table_->has_grad = true;
    }
    B::template embedding_backward<P>(n_, idx_.data(), s[0], s[1], this->grad.data(),
                                      table_->grad.data(), t.exec(this->index, rule_part));
  }

 private:
  NT* table_;
  device_array<std::int64_t, D> idx_;
  std::int64_t n_;
};

}  // namespace mixprec::detail
