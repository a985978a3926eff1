#pragma once
/// \file autodiff/cpu_backend.hpp
/// `cpu_backend`: the kernels the tensor tape runs, on the CPU. The tape and the rules of
/// autodiff/rules.hpp call only these (through their Backend parameter), so a CUDA backend with
/// the same members runs the same model code.
///
/// Members taking a `Policy` and a `Pass` resolve their precision with
/// `precision_for<Policy, Op, Pass>` (the ops of ops/tensor_ops.hpp); members taking a
/// precision `P` run one kernel in P and write the caller's output array.

#include <cstdint>
#include <span>
#include <type_traits>

#include "mixprec/backend/cpu/backward.hpp"
#include "mixprec/backend/cpu/dropout.hpp"
#include "mixprec/backend/cpu/elementwise.hpp"
#include "mixprec/backend/cpu/gather.hpp"
#include "mixprec/backend/cpu/gemm.hpp"
#include "mixprec/backend/cpu/loss.hpp"
#include "mixprec/backend/cpu/norm.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/backend/cpu/reduce.hpp"
#include "mixprec/ops/tensor_ops.hpp"
#include "mixprec/backend/cpu/transpose.hpp"
#include "mixprec/policy/ops.hpp"
#include "mixprec/policy/policy.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace mixprec {

/// The CPU backend of the tensor tape.
struct cpu_backend {
  /// Where the tensors of this backend live.
  using device_type = cpu_device;

  // Ops under a policy (see ops/tensor_ops.hpp) -------------------------------------

  /// op(a) · op(b) in the matmul precision of Pass (op: transposed when the flag is set).
  template <class Policy, pass Pass, class A, class B>
  static auto matmul(const A& a, const B& b, bool ta, bool tb) {
    return mixprec::matmul<Policy, Pass>(a, b, ta ? cpu::transpose::yes : cpu::transpose::no,
                                         tb ? cpu::transpose::yes : cpu::transpose::no);
  }

  /// a op b (add, sub, mul, div), b of a's shape or one row of it.
  template <class Policy, class Op, pass Pass, class A, class B>
  static auto binary(const A& a, const B& b) {
    if constexpr (std::is_same_v<Op, ops::add>) {
      return mixprec::add<Policy, Pass>(a, b);
    } else if constexpr (std::is_same_v<Op, ops::sub>) {
      return mixprec::sub<Policy, Pass>(a, b);
    } else if constexpr (std::is_same_v<Op, ops::mul>) {
      return mixprec::mul<Policy, Pass>(a, b);
    } else {
      static_assert(std::is_same_v<Op, ops::div>);
      return mixprec::div<Policy, Pass>(a, b);
    }
  }

  /// op(x) for neg, relu, exp, log, tanh, sigmoid, gelu.
  template <class Policy, class Op, pass Pass, class X>
  static auto unary(const X& x) {
    if constexpr (std::is_same_v<Op, ops::neg>) {
      return mixprec::neg<Policy, Pass>(x);
    } else if constexpr (std::is_same_v<Op, ops::relu>) {
      return mixprec::relu<Policy, Pass>(x);
    } else if constexpr (std::is_same_v<Op, ops::exp>) {
      return mixprec::exp<Policy, Pass>(x);
    } else if constexpr (std::is_same_v<Op, ops::log>) {
      return mixprec::log<Policy, Pass>(x);
    } else if constexpr (std::is_same_v<Op, ops::tanh>) {
      return mixprec::tanh<Policy, Pass>(x);
    } else if constexpr (std::is_same_v<Op, ops::sigmoid>) {
      return mixprec::sigmoid<Policy, Pass>(x);
    } else {
      static_assert(std::is_same_v<Op, ops::gelu>);
      return mixprec::gelu<Policy, Pass>(x);
    }
  }

  /// sum or mean over `axis`, or over everything when axis is `all_axes`.
  static constexpr int all_axes = -1000;
  template <class Policy, class Op, pass Pass, class X>
  static auto reduce(const X& x, int axis) {
    if constexpr (std::is_same_v<Op, ops::sum>) {
      return axis == all_axes ? mixprec::sum<Policy, Pass>(x) : mixprec::sum<Policy, Pass>(x, axis);
    } else {
      static_assert(std::is_same_v<Op, ops::mean>);
      return axis == all_axes ? mixprec::mean<Policy, Pass>(x)
                              : mixprec::mean<Policy, Pass>(x, axis);
    }
  }

  /// softmax or log_softmax over the last axis.
  template <class Policy, bool Log, pass Pass, class X>
  static auto softmax(const X& x) {
    if constexpr (Log) {
      return mixprec::log_softmax<Policy, Pass>(x);
    } else {
      return mixprec::softmax<Policy, Pass>(x);
    }
  }

  /// Mean squared error of a and b: a tensor of rank 0.
  template <class Policy, pass Pass, class A, class B>
  static auto mse(const A& a, const B& b) {
    return mixprec::mse<Policy, Pass>(a, b);
  }

  /// Mean cross-entropy of logits and labels: a tensor of rank 0.
  template <class Policy, pass Pass, class X>
  static auto cross_entropy(const X& logits, std::span<const std::int64_t> labels) {
    return mixprec::cross_entropy<Policy, Pass>(logits, labels);
  }

  // Kernels in a precision P, writing the caller's array -------------------------------------

  /// y = a op b in P (b of a's shape, or one row broadcast over the rows of a); y may be a.
  template <class P, class Op, class InA, class InB, class Out>
  static void binary_into(std::int64_t rows, std::int64_t cols, const InA* a, const InB* b,
                          cpu::broadcast bb, Out* y) {
    cpu::binary<P, Op>(rows, cols, a, b, bb, y);
  }

  /// y = op(x) in P.
  template <class P, class Op, class In, class Out>
  static void unary_into(std::int64_t n, const In* x, Out* y) {
    cpu::unary<P, Op>(n, x, y);
  }

  /// y = x op s in P, s a scalar.
  template <class P, class Op, class In, class Out>
  static void scalar_into(std::int64_t n, const In* x, double s, Out* y) {
    cpu::binary_scalar<P, Op>(n, x, s, y);
  }

  /// y[o][i] = sum or mean over l of x[o][l][i], in P.
  template <class P, class Op, class In, class Out>
  static void reduce_into(std::int64_t outer, std::int64_t length, std::int64_t inner, const In* x,
                          Out* y) {
    cpu::reduce<P, Op>(outer, length, inner, x, y);
  }

  /// y[o][l][i] = x[o][i] rounded into Out, for l < length: the adjoint of a sum over the middle
  /// axis (data movement and one rounding; no arithmetic).
  template <class In, class Out>
  static void expand_into(std::int64_t outer, std::int64_t length, std::int64_t inner, const In* x,
                          Out* y) {
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t l = 0; l < length; ++l) {
        Out* row = y + (o * length + l) * inner;
        const In* src = x + o * inner;
        for (std::int64_t i = 0; i < inner; ++i) row[i] = round_to<Out>(src[i]);
      }
    }
  }

  /// Layer normalisation in P, with the row statistics the backward pass needs.
  template <class P, class In, class W, class Out, class Stat>
  static void layer_norm_into(std::int64_t rows, std::int64_t cols, const In* x, const W* gamma,
                              const W* beta, double eps, Out* y, Stat* mean, Stat* rstd) {
    cpu::layer_norm<P, In, Out, W, Stat>(rows, cols, x, gamma, beta, eps, y, mean, rstd);
  }

  /// y (cols x rows) = the transpose of x (rows x cols), each element rounded into Out.
  template <class In, class Out>
  static void transpose_into(std::int64_t rows, std::int64_t cols, const In* x, Out* y) {
    cpu::transpose_2d(rows, cols, x, y);
  }

  /// Rows idx[i] of table (vocab x dim), rounded into Out: out is n x dim.
  template <class T, class Out>
  static void embedding_into(std::int64_t n, const std::int64_t* idx, std::int64_t vocab,
                             std::int64_t dim, const T* table, Out* out) {
    cpu::embedding(n, idx, vocab, dim, table, out);
  }

  /// Inverted dropout in P, element i kept by the random bits of (seed, counter0 + i).
  template <class P, class In, class Out>
  static void dropout_into(std::int64_t n, const In* x, double p, std::uint64_t seed,
                           std::uint64_t counter0, Out* y) {
    cpu::dropout<P>(n, x, p, seed, counter0, y);
  }

  // Backward kernels (backend/cpu/backward.hpp, gather.hpp, dropout.hpp) --------------------

  /// dx of a unary op from x (the forward input), y (its output) and dy, in P.
  template <class P, class Op, class X, class Y, class G, class Out>
  static void unary_backward_into(std::int64_t n, const X* x, const Y* y, const G* dy, Out* dx) {
    cpu::unary_backward<P, Op>(n, x, y, dy, dx);
  }

  /// dx of softmax (Log false) or log_softmax (Log true) from the output y and dy, in P.
  template <class P, bool Log, class Y, class G, class Out>
  static void softmax_backward_into(std::int64_t rows, std::int64_t cols, const Y* y, const G* dy,
                                    Out* dx) {
    if constexpr (Log) {
      cpu::log_softmax_backward<P>(rows, cols, y, dy, dx);
    } else {
      cpu::softmax_backward<P>(rows, cols, y, dy, dx);
    }
  }

  /// dlogits of the mean cross-entropy for the loss gradient dloss, in P.
  template <class P, class In, class D, class Out>
  static void cross_entropy_backward_into(std::int64_t rows, std::int64_t classes, const In* logits,
                                          const std::int64_t* labels, D dloss, Out* dlogits) {
    cpu::cross_entropy_backward<P>(rows, classes, logits, labels, dloss, dlogits);
  }

  /// da (and db = -da when db is not null) of the mean squared error, in P.
  template <class P, class InA, class InB, class D, class OutA, class OutB>
  static void mse_backward_into(std::int64_t n, const InA* a, const InB* b, D dloss, OutA* da,
                                OutB* db) {
    cpu::mse_backward<P, InA, InB, D, OutA, OutB>(n, a, b, dloss, da, db);
  }

  /// dx, dgamma and dbeta of layer normalisation (each written when not null), in P.
  template <class P, class X, class G, class Out, class W, class Stat, class WG>
  static void layer_norm_backward_into(std::int64_t rows, std::int64_t cols, const X* x,
                                       const W* gamma, const Stat* mean, const Stat* rstd,
                                       const G* dy, Out* dx, WG* dgamma, WG* dbeta) {
    cpu::layer_norm_backward<P, X, G, Out, W, Stat, WG>(rows, cols, x, gamma, mean, rstd, dy, dx,
                                                        dgamma, dbeta);
  }

  /// dtable[idx[i]] += dout[i], accumulated in P.
  template <class P, class G, class T>
  static void embedding_backward_into(std::int64_t n, const std::int64_t* idx, std::int64_t vocab,
                                      std::int64_t dim, const G* dout, T* dtable) {
    cpu::embedding_backward<P>(n, idx, vocab, dim, dout, dtable);
  }

  /// dx of dropout, the mask drawn again from (seed, counter0), in P.
  template <class P, class G, class Out>
  static void dropout_backward_into(std::int64_t n, std::uint64_t seed, std::uint64_t counter0,
                                    const G* dy, double p, Out* dx) {
    cpu::dropout_backward<P>(n, seed, counter0, dy, p, dx);
  }
};

}  // namespace mixprec
