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
/// Dropout and embedding have no op tag of their own: dropout runs in the precision of `mul` (it
/// multiplies by the mask's scale), the embedding lookup writes the storage type of `cast` (a
/// gather that converts the table's rows), and its backward scatter-add accumulates in the
/// precision of `sum`.

#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "mixprec/autodiff/tape.hpp"
#include "mixprec/autodiff/tensor_var.hpp"
#include "mixprec/ops/tensor_ops.hpp"
#include "mixprec/policy/ops.hpp"
#include "mixprec/policy/policy.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace mixprec::detail {

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

/// A pointer to nothing of element type T (an input a kernel does not read).
template <class T>
inline constexpr const T* no_input = nullptr;

/// The node of an op result: an activation of element type Y.
template <class Tape, scalar_type Y>
using result_node = value_node<Tape, Y, role::activation_grads>;

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
    this->own(B::template matmul<Policy, pass::forward>(
        operand_of<ops::matmul, pass::forward>(t, *a),
        operand_of<ops::matmul, pass::forward>(t, *b), false, false));
    this->requires_grad = a->requires_grad || b->requires_grad;
  }

  void backward(Tape& t) override {
    const auto dy = this->grad.view();
    if (a_->requires_grad) {
      constexpr pass P = gradient_pass_v<NA::grad_role>;
      t.accumulate(
          *a_, B::template matmul<Policy, P>(dy, operand_of<ops::matmul, P>(t, *b_), false, true));
    }
    if (b_->requires_grad) {
      constexpr pass P = gradient_pass_v<NB::grad_role>;
      const auto av = operand_of<ops::matmul, P>(t, *a_);
      const shape& s = av.shape();
      const std::int64_t n = dy.shape().cols();
      t.accumulate(*b_, B::template matmul<Policy, P>(av.reshape(shape{s.rows(), s.cols()}),
                                                      dy.reshape(shape{s.rows(), n}), true, false));
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
    this->own(B::template binary<Policy, Op, pass::forward>(operand_of<Op, pass::forward>(t, *a),
                                                            operand_of<Op, pass::forward>(t, *b)));
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
        t.accumulate(*a_, B::template binary<Policy, Op, PA>(dy, operand_of<Op, PA>(t, *b_)));
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
      const auto g = operand_as<S>(dy, held);
      if constexpr (std::is_same_v<Op, ops::add>) {
        if (!row_) {
          t.accumulate(*b_, dy);
        } else {
          auto db = tensor<O, D>::uninitialized(bs);
          B::template reduce_into<P, ops::sum>(1, rows, cols, g.data(), db.data());
          t.accumulate(*b_, std::move(db));
        }
      } else if constexpr (std::is_same_v<Op, ops::sub>) {
        auto db = tensor<O, D>::uninitialized(bs);
        if (!row_) {
          B::template unary_into<P, ops::neg>(n, g.data(), db.data());
        } else {
          B::template reduce_into<P, ops::sum>(1, rows, cols, g.data(), db.data());
          B::template unary_into<P, ops::neg>(cols, db.data(), db.data());  // exact
        }
        t.accumulate(*b_, std::move(db));
      } else if constexpr (std::is_same_v<Op, ops::mul>) {
        const auto av = operand_of<Op, PB>(t, *a_);
        if (!row_) {
          auto db = tensor<O, D>::uninitialized(bs);
          B::template binary_into<P, ops::mul>(rows, cols, g.data(), av.data(),
                                               cpu::broadcast::none, db.data());
          t.accumulate(*b_, std::move(db));
        } else {
          // Σ_rows dy a: each product rounded into C, then summed in A, as a GEMM does.
          auto prod = tensor<C, D>::uninitialized(a_->value.shape());
          B::template binary_into<P, ops::mul>(rows, cols, g.data(), av.data(),
                                               cpu::broadcast::none, prod.data());
          auto db = tensor<O, D>::uninitialized(bs);
          B::template reduce_into<P, ops::sum>(1, rows, cols, prod.data(), db.data());
          t.accumulate(*b_, std::move(db));
        }
      } else {
        static_assert(std::is_same_v<Op, ops::div>);
        // d(a / b)/db = -(a / b) / b = -y / b: -(dy / b) y, kept in C until the result.
        const auto bv = operand_of<Op, PB>(t, *b_);
        const auto yv = t.template operand<S>(*this);
        auto q = tensor<C, D>::uninitialized(a_->value.shape());
        B::template binary_into<P, ops::div>(rows, cols, g.data(), bv.data(),
                                             row_ ? cpu::broadcast::row : cpu::broadcast::none,
                                             q.data());
        B::template binary_into<P, ops::mul>(rows, cols, q.data(), yv.data(), cpu::broadcast::none,
                                             q.data());
        auto db = tensor<O, D>::uninitialized(bs);
        if (!row_) {
          B::template unary_into<P, ops::neg>(n, q.data(), db.data());
        } else {
          B::template reduce_into<P, ops::sum>(1, rows, cols, q.data(), db.data());
          B::template unary_into<P, ops::neg>(cols, db.data(), db.data());  // exact
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
    this->own(B::template unary<Policy, Op, pass::forward>(operand_of<Op, pass::forward>(t, *x)));
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override {
    constexpr pass PX = gradient_pass_v<NX::grad_role>;
    using P = precision_for<Policy, Op, PX>;
    using S = typename P::storage;
    using O = typename P::output;
    tensor<S, D> held;
    const auto g = operand_as<S>(this->grad.view(), held);
    const S* xp = nullptr;
    const S* yp = nullptr;
    if constexpr (cpu::detail::backward_reads_x_v<Op>) xp = operand_of<Op, PX>(t, *x_).data();
    if constexpr (cpu::detail::backward_reads_y_v<Op>) yp = t.template operand<S>(*this).data();
    auto dx = tensor<O, D>::uninitialized(x_->value.shape());
    B::template unary_backward_into<P, Op>(dx.size(), xp, yp, g.data(), dx.data());
    t.accumulate(*x_, std::move(dx));
  }

 private:
  NX* x_;
};

// sum, mean ----------------------------------------------------------------------------------

/// y = sum or mean of x over one axis (or over every element: axis == Backend::all_axes).
template <class Tape, class Op, class NX>
class reduce_node final : public result_node<Tape, output_t<typename Tape::policy_type, Op>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;

 public:
  reduce_node(Tape& t, NX* x, int axis) : x_(x) {
    this->op = Op::name.data();
    this->own(
        B::template reduce<Policy, Op, pass::forward>(operand_of<Op, pass::forward>(t, *x), axis));
    const shape& s = x->value.shape();
    if (axis == B::all_axes) {
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
    const auto g = operand_as<S>(this->grad.view(), held);
    auto dx = tensor<O, D>::uninitialized(x_->value.shape());
    if constexpr (std::is_same_v<Op, ops::mean>) {
      auto q = tensor<O, D>::uninitialized(g.shape());
      B::template scalar_into<P, ops::div>(q.size(), g.data(), static_cast<double>(length_),
                                           q.data());
      B::expand_into(outer_, length_, inner_, q.data(), dx.data());
    } else {
      B::expand_into(outer_, length_, inner_, g.data(), dx.data());
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

/// y = x with another shape of the same size: a view of x's value (nothing is copied). A
/// reshape of a weight is a weight.
template <class Tape, class NX>
class reshape_node final : public value_node<Tape, typename NX::value_type, NX::grad_role> {
 public:
  reshape_node(Tape&, NX* x, const shape& s) : x_(x) {
    this->op = "reshape";
    this->value = x->value.reshape(s);
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override { t.accumulate(*x_, this->grad.view()); }

 private:
  NX* x_;
};

/// y = xᵀ for a matrix x (rank 2). A transpose of a weight is a weight.
template <class Tape, class NX>
class transpose_node final : public value_node<Tape, typename NX::value_type, NX::grad_role> {
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;
  using T = typename NX::value_type;

 public:
  transpose_node(Tape&, NX* x) : x_(x) {
    this->op = "transpose";
    const shape& s = x->value.shape();
    auto y = tensor<T, D>::uninitialized(shape{s[1], s[0]});
    B::transpose_into(s[0], s[1], x->value.data(), y.data());
    this->own(std::move(y));
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override {
    const shape& s = x_->value.shape();
    using G = typename transpose_node::grad_type;
    auto dx = tensor<G, D>::uninitialized(s);
    B::transpose_into(s[1], s[0], this->grad.data(), dx.data());
    t.accumulate(*x_, std::move(dx));
  }

 private:
  NX* x_;
};

/// y = x converted to U (U's rounding); the gradient passes through unchanged. A cast of a
/// weight is a weight.
template <class Tape, scalar_type U, class NX>
class cast_node final : public value_node<Tape, U, NX::grad_role> {
 public:
  cast_node(Tape&, NX* x) : x_(x) {
    this->op = "cast";
    this->own(cast<U>(x->value));
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
    this->own(
        B::template softmax<Policy, Log, pass::forward>(operand_of<Op, pass::forward>(t, *x)));
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override {
    constexpr pass PX = gradient_pass_v<NX::grad_role>;
    using P = precision_for<Policy, Op, PX>;
    using S = typename P::storage;
    using O = typename P::output;
    tensor<S, D> held;
    const auto g = operand_as<S>(this->grad.view(), held);
    const auto y = t.template operand<S>(*this);
    const shape& s = x_->value.shape();
    auto dx = tensor<O, D>::uninitialized(s);
    B::template softmax_backward_into<P, Log>(s.rows(), s.cols(), y.data(), g.data(), dx.data());
    t.accumulate(*x_, std::move(dx));
  }

 private:
  NX* x_;
};

// cross_entropy, mse ---------------------------------------------------------------------------

/// y = the mean cross-entropy of logits [..., classes] and one label per row (rank 0).
template <class Tape, class NX>
class cross_entropy_node final
    : public result_node<Tape, output_t<typename Tape::policy_type, ops::cross_entropy>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;
  using Op = ops::cross_entropy;

 public:
  cross_entropy_node(Tape& t, NX* x, std::span<const std::int64_t> labels, std::int64_t* copy)
      : x_(x), labels_(copy) {
    this->op = "cross_entropy";
    this->own(B::template cross_entropy<Policy, pass::forward>(operand_of<Op, pass::forward>(t, *x),
                                                               labels));
    if (!labels.empty()) std::memcpy(copy, labels.data(), labels.size() * sizeof(std::int64_t));
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override {
    constexpr pass PX = gradient_pass_v<NX::grad_role>;
    using P = precision_for<Policy, Op, PX>;
    using O = typename P::output;
    const auto logits = operand_of<Op, PX>(t, *x_);
    const shape& s = x_->value.shape();
    auto dx = tensor<O, D>::uninitialized(s);
    B::template cross_entropy_backward_into<P>(s.rows(), s.cols(), logits.data(), labels_,
                                               this->grad.data()[0], dx.data());
    t.accumulate(*x_, std::move(dx));
  }

 private:
  NX* x_;
  const std::int64_t* labels_;
};

/// y = the mean of (a - b)² over every element (rank 0).
template <class Tape, class NA, class NB>
class mse_node final : public result_node<Tape, output_t<typename Tape::policy_type, ops::mse>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;
  using Op = ops::mse;

 public:
  mse_node(Tape& t, NA* a, NB* b) : a_(a), b_(b) {
    this->op = "mse";
    this->own(B::template mse<Policy, pass::forward>(operand_of<Op, pass::forward>(t, *a),
                                                     operand_of<Op, pass::forward>(t, *b)));
    this->requires_grad = a->requires_grad || b->requires_grad;
  }

  void backward(Tape& t) override {
    // d/da of mean((a - b)²) is 2 (a - b) / n; d/db is the same with a and b exchanged.
    if (a_->requires_grad) t.accumulate(*a_, gradient<gradient_pass_v<NA::grad_role>>(t, *a_, *b_));
    if (b_->requires_grad) t.accumulate(*b_, gradient<gradient_pass_v<NB::grad_role>>(t, *b_, *a_));
  }

 private:
  template <pass Pass, class N1, class N2>
  auto gradient(Tape& t, N1& first, N2& second) {
    using P = precision_for<Policy, Op, Pass>;
    using O = typename P::output;
    const auto u = operand_of<Op, Pass>(t, first);
    const auto v = operand_of<Op, Pass>(t, second);
    auto d = tensor<O, D>::uninitialized(first.value.shape());
    B::template mse_backward_into<P>(d.size(), u.data(), v.data(), this->grad.data()[0], d.data(),
                                     static_cast<O*>(nullptr));
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
    auto y = tensor<O, D>::uninitialized(s);
    mean_ = tensor<Stat, D>::uninitialized(shape{s.rows()});
    rstd_ = tensor<Stat, D>::uninitialized(shape{s.rows()});
    B::template layer_norm_into<PF>(s.rows(), s.cols(), xv.data(), g, b, eps, y.data(),
                                    mean_.data(), rstd_.data());
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
      run<PX>(t, x_->requires_grad, want_w);
    } else {
      if (x_->requires_grad) run<PX>(t, true, false);
      if (want_w) run<PW>(t, false, true);
    }
  }

 private:
  /// One call of the backward kernel in the precision of `Pass`: dx when want_x, dgamma and
  /// dbeta when want_w (the kernel always writes dx: a scratch tensor when it is not wanted).
  template <pass Pass>
  void run(Tape& t, bool want_x, bool want_w) {
    using P = precision_for<Policy, Op, Pass>;
    using S = typename P::storage;
    using O = typename P::output;
    const shape& s = x_->value.shape();
    tensor<S, D> held;
    const auto g = operand_as<S>(this->grad.view(), held);
    const auto xv = operand_of<Op, Pass>(t, *x_);
    const S* gamma = gamma_ != nullptr ? operand_of<Op, Pass>(t, *gamma_).data() : nullptr;
    auto dx = tensor<O, D>::uninitialized(s);
    tensor<O, D> dgamma, dbeta;
    if (want_w && gamma_ != nullptr && gamma_->requires_grad) {
      dgamma = tensor<O, D>::uninitialized(gamma_->value.shape());
    }
    if (want_w && beta_ != nullptr && beta_->requires_grad) {
      dbeta = tensor<O, D>::uninitialized(beta_->value.shape());
    }
    B::template layer_norm_backward_into<P>(s.rows(), s.cols(), xv.data(), gamma, mean_.data(),
                                            rstd_.data(), g.data(), dx.data(), dgamma.data(),
                                            dbeta.data());
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
/// precision of `mul`.
template <class Tape, class NX>
class dropout_node final
    : public result_node<Tape, output_t<typename Tape::policy_type, ops::mul>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;
  using Op = ops::mul;

 public:
  dropout_node(Tape& t, NX* x, double p, std::uint64_t seed, std::uint64_t counter0)
      : x_(x), p_(p), seed_(seed), counter0_(counter0) {
    using PF = precision_for<Policy, Op, pass::forward>;
    this->op = "dropout";
    const auto xv = operand_of<Op, pass::forward>(t, *x);
    auto y = tensor<typename PF::output, D>::uninitialized(xv.shape());
    B::template dropout_into<PF>(y.size(), xv.data(), p, seed, counter0, y.data());
    this->own(std::move(y));
    this->requires_grad = x->requires_grad;
  }

  void backward(Tape& t) override {
    using P = precision_for<Policy, Op, gradient_pass_v<NX::grad_role>>;
    using S = typename P::storage;
    tensor<S, D> held;
    const auto g = operand_as<S>(this->grad.view(), held);
    auto dx = tensor<typename P::output, D>::uninitialized(x_->value.shape());
    B::template dropout_backward_into<P>(dx.size(), seed_, counter0_, g.data(), p_, dx.data());
    t.accumulate(*x_, std::move(dx));
  }

 private:
  NX* x_;
  double p_;
  std::uint64_t seed_;
  std::uint64_t counter0_;
};

/// y[i] = table[idx[i]] (y is [n, dim], table [vocab, dim]), written in the storage type of
/// `cast`; the rule adds the rows of dy into the rows of the table's gradient, accumulating in
/// the precision of `sum`.
template <class Tape, class NT>
class embedding_node final
    : public result_node<Tape, storage_t<typename Tape::policy_type, ops::cast>> {
  using Policy = typename Tape::policy_type;
  using B = typename Tape::backend_type;
  using D = typename Tape::device_type;
  using Y = storage_t<Policy, ops::cast>;

 public:
  embedding_node(Tape&, NT* table, std::span<const std::int64_t> idx, std::int64_t* copy)
      : table_(table), idx_(copy), n_(static_cast<std::int64_t>(idx.size())) {
    this->op = "embedding";
    const shape& s = table->value.shape();
    auto y = tensor<Y, D>::uninitialized(shape{n_, s[1]});
    B::embedding_into(n_, idx.data(), s[0], s[1], table->value.data(), y.data());
    if (n_ > 0) std::memcpy(copy, idx.data(), idx.size() * sizeof(std::int64_t));
    this->own(std::move(y));
    this->requires_grad = table->requires_grad;
  }

  void backward(Tape&) override {
    using P = precision_for<Policy, ops::sum, gradient_pass_v<NT::grad_role>>;
    using G = typename NT::grad_type;
    const shape& s = table_->value.shape();
    if (!table_->has_grad) {
      table_->grad = tensor<G, D>(s);  // zeros; the kernel adds into the running gradient
      table_->has_grad = true;
    }
    B::template embedding_backward_into<P>(n_, idx_, s[0], s[1], this->grad.data(),
                                           table_->grad.data());
  }

 private:
  NT* table_;
  const std::int64_t* idx_;
  std::int64_t n_;
};

}  // namespace mixprec::detail
