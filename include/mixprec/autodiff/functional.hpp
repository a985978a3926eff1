#pragma once
/// \file autodiff/functional.hpp
/// The ops user code calls on tensor variables, `mixprec::ad::matmul(a, b)`,
/// `ad::cross_entropy(logits, labels)`, ..., each recording one primitive of
/// autodiff/rules.hpp on the variables' tape; and the composite functions built from them
/// (`ad::linear`). They live in `mixprec::ad` so that they do not overload the forward ops of
/// ops/tensor_ops.hpp (`mixprec::matmul<Policy>(a, b)` on plain tensors).
///
/// Every op takes the policy and the backend from its variables' tape: the same model code runs
/// under any preset by changing the tape's template argument,
///
///     template <class Tape>
///     auto loss(Tape& t, const tensor<float>& x, const tensor<float>& w,
///               std::span<const std::int64_t> labels) {
///       return ad::cross_entropy(ad::matmul(t.input(x), t.parameter(w)), labels);
///     }
///     tape<presets::mixed_bf16> t;  // or tape<presets::fp32>, ...
///
/// and the result types are the policy's: under mixed_bf16 the matmul above gives a
/// `tensor_var<bfloat16, ...>` and the loss a `tensor_var<float, ...>`.
///
/// Misuse throws mixprec::error before anything is recorded, naming the op and the shapes:
/// shapes that do not fit, variables of two tapes, variables recorded before a clear().

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>

#include "mixprec/autodiff/rules.hpp"
#include "mixprec/autodiff/tape.hpp"
#include "mixprec/autodiff/tensor_var.hpp"
#include "mixprec/error.hpp"
#include "mixprec/policy/ops.hpp"

namespace mixprec {

namespace detail {

/// The tape of the first variable, after checking that every variable is valid and on it.
template <class V, class... Vs>
typename V::tape_type& tape_of(const char* op, const V& first, const Vs&... rest) {
  first.check(op);
  auto& t = *first.tape();
  (t.check_var(op, rest), ...);
  return t;
}

}  // namespace detail

namespace ad {

// Primitives ---------------------------------------------------------------------------------

/// a · b: a is [..., k] (any rank >= 2; its leading axes are rows), b is [k, n]; the result is
/// [..., n] in the matmul output type.
template <class TA, class Tape, role RA, class TB, role RB>
auto matmul(const tensor_var<TA, Tape, RA>& a, const tensor_var<TB, Tape, RB>& b) {
  auto& t = mixprec::detail::tape_of("matmul", a, b);
  return t.template record<
      mixprec::detail::matmul_node<Tape, typename tensor_var<TA, Tape, RA>::node_type,
                                   typename tensor_var<TB, Tape, RB>::node_type>>(a.node(),
                                                                                  b.node());
}

namespace detail {
template <class Op, class TA, class Tape, role RA, class TB, role RB>
auto binary(const tensor_var<TA, Tape, RA>& a, const tensor_var<TB, Tape, RB>& b) {
  auto& t = mixprec::detail::tape_of(Op::name.data(), a, b);
  return t.template record<
      mixprec::detail::binary_node<Tape, Op, typename tensor_var<TA, Tape, RA>::node_type,
                                   typename tensor_var<TB, Tape, RB>::node_type>>(a.node(),
                                                                                  b.node());
}
template <class Op, class T, class Tape, role R>
auto unary(const tensor_var<T, Tape, R>& x) {
  auto& t = mixprec::detail::tape_of(Op::name.data(), x);
  return t.template record<
      mixprec::detail::unary_node<Tape, Op, typename tensor_var<T, Tape, R>::node_type>>(x.node());
}
template <class Op, class T, class Tape, role R>
auto reduce(const tensor_var<T, Tape, R>& x, int axis) {
  auto& t = mixprec::detail::tape_of(Op::name.data(), x);
  return t.template record<
      mixprec::detail::reduce_node<Tape, Op, typename tensor_var<T, Tape, R>::node_type>>(x.node(),
                                                                                          axis);
}
}  // namespace detail

/// Elementwise a + b, a − b, a · b, a / b: b has a's shape, or is one row (rank 1, a's last
/// extent) broadcast over the rows of a. Sub and div are primitives: each result is rounded once.
template <class TA, class Tape, role RA, class TB, role RB>
auto add(const tensor_var<TA, Tape, RA>& a, const tensor_var<TB, Tape, RB>& b) {
  return detail::binary<ops::add>(a, b);
}
template <class TA, class Tape, role RA, class TB, role RB>
auto sub(const tensor_var<TA, Tape, RA>& a, const tensor_var<TB, Tape, RB>& b) {
  return detail::binary<ops::sub>(a, b);
}
template <class TA, class Tape, role RA, class TB, role RB>
auto mul(const tensor_var<TA, Tape, RA>& a, const tensor_var<TB, Tape, RB>& b) {
  return detail::binary<ops::mul>(a, b);
}
template <class TA, class Tape, role RA, class TB, role RB>
auto div(const tensor_var<TA, Tape, RA>& a, const tensor_var<TB, Tape, RB>& b) {
  return detail::binary<ops::div>(a, b);
}

/// Elementwise functions: −x, max(x, 0), eˣ, ln x, tanh x, 1 / (1 + e⁻ˣ), x Φ(x).
template <class T, class Tape, role R>
auto neg(const tensor_var<T, Tape, R>& x) {
  return detail::unary<ops::neg>(x);
}
template <class T, class Tape, role R>
auto relu(const tensor_var<T, Tape, R>& x) {
  return detail::unary<ops::relu>(x);
}
template <class T, class Tape, role R>
auto exp(const tensor_var<T, Tape, R>& x) {
  return detail::unary<ops::exp>(x);
}
template <class T, class Tape, role R>
auto log(const tensor_var<T, Tape, R>& x) {
  return detail::unary<ops::log>(x);
}
template <class T, class Tape, role R>
auto tanh(const tensor_var<T, Tape, R>& x) {
  return detail::unary<ops::tanh>(x);
}
template <class T, class Tape, role R>
auto sigmoid(const tensor_var<T, Tape, R>& x) {
  return detail::unary<ops::sigmoid>(x);
}
template <class T, class Tape, role R>
auto gelu(const tensor_var<T, Tape, R>& x) {
  return detail::unary<ops::gelu>(x);
}

/// Sum or mean over one axis (negative counts from the last), which the result drops.
template <class T, class Tape, role R>
auto sum(const tensor_var<T, Tape, R>& x, int axis) {
  return detail::reduce<ops::sum>(x, axis);
}
template <class T, class Tape, role R>
auto mean(const tensor_var<T, Tape, R>& x, int axis) {
  return detail::reduce<ops::mean>(x, axis);
}
/// Sum or mean of every element: a variable of rank 0.
template <class T, class Tape, role R>
auto sum(const tensor_var<T, Tape, R>& x) {
  return detail::reduce<ops::sum>(x, mixprec::detail::all_axes);
}
template <class T, class Tape, role R>
auto mean(const tensor_var<T, Tape, R>& x) {
  return detail::reduce<ops::mean>(x, mixprec::detail::all_axes);
}

/// x with shape `s` (the same number of elements); shares x's elements.
template <class T, class Tape, role R>
auto reshape(const tensor_var<T, Tape, R>& x, const shape& s) {
  auto& t = mixprec::detail::tape_of("reshape", x);
  return t.template record<
      mixprec::detail::reshape_node<Tape, typename tensor_var<T, Tape, R>::node_type>>(x.node(), s);
}

/// The transpose of a matrix (rank 2).
template <class T, class Tape, role R>
auto transpose(const tensor_var<T, Tape, R>& x) {
  auto& t = mixprec::detail::tape_of("transpose", x);
  const shape& s = x.node()->value.shape();
  if (s.rank() != 2) {
    mixprec::detail::throw_error("transpose",
                                 "needs a matrix (rank 2), not shape " + s.to_string());
  }
  return t.template record<
      mixprec::detail::transpose_node<Tape, typename tensor_var<T, Tape, R>::node_type>>(x.node());
}

/// x converted to U, each element rounded once with U's rounding; the gradient passes through.
template <scalar_type U, class T, class Tape, role R>
auto cast(const tensor_var<T, Tape, R>& x) {
  auto& t = mixprec::detail::tape_of("cast", x);
  return t.template record<
      mixprec::detail::cast_node<Tape, U, typename tensor_var<T, Tape, R>::node_type>>(x.node());
}

/// softmax and log_softmax over the last axis.
template <class T, class Tape, role R>
auto softmax(const tensor_var<T, Tape, R>& x) {
  auto& t = mixprec::detail::tape_of("softmax", x);
  return t.template record<
      mixprec::detail::softmax_node<Tape, false, typename tensor_var<T, Tape, R>::node_type>>(
      x.node());
}
template <class T, class Tape, role R>
auto log_softmax(const tensor_var<T, Tape, R>& x) {
  auto& t = mixprec::detail::tape_of("log_softmax", x);
  return t.template record<
      mixprec::detail::softmax_node<Tape, true, typename tensor_var<T, Tape, R>::node_type>>(
      x.node());
}

/// The mean cross-entropy of logits [..., classes] and one integer label per row, in
/// [0, classes): a variable of rank 0. The labels are copied.
template <class T, class Tape, role R>
auto cross_entropy(const tensor_var<T, Tape, R>& logits, std::span<const std::int64_t> labels) {
  auto& t = mixprec::detail::tape_of("cross_entropy", logits);
  const shape& s = logits.node()->value.shape();
  if (static_cast<std::int64_t>(labels.size()) != s.rows()) {
    mixprec::detail::throw_error(
        "cross_entropy", "logits of shape " + s.to_string() + " have " + std::to_string(s.rows()) +
                             " rows but there are " + std::to_string(labels.size()) + " labels");
  }
  return t.template record<
      mixprec::detail::cross_entropy_node<Tape, typename tensor_var<T, Tape, R>::node_type>>(
      logits.node(), labels);
}

/// The mean squared error of a and b (one shape): a variable of rank 0.
template <class TA, class Tape, role RA, class TB, role RB>
auto mse(const tensor_var<TA, Tape, RA>& a, const tensor_var<TB, Tape, RB>& b) {
  auto& t = mixprec::detail::tape_of("mse", a, b);
  return t
      .template record<mixprec::detail::mse_node<Tape, typename tensor_var<TA, Tape, RA>::node_type,
                                                 typename tensor_var<TB, Tape, RB>::node_type>>(
          a.node(), b.node());
}

/// Layer normalisation over the last axis (biased variance, as PyTorch), without gain and bias.
template <class T, class Tape, role R>
auto layer_norm(const tensor_var<T, Tape, R>& x, double eps = 1e-5) {
  auto& t = mixprec::detail::tape_of("layer_norm", x);
  using NX = typename tensor_var<T, Tape, R>::node_type;
  return t.template record<mixprec::detail::layer_norm_node<Tape, NX, NX, NX>>(
      x.node(), static_cast<NX*>(nullptr), static_cast<NX*>(nullptr), eps);
}

/// Layer normalisation over the last axis with gain `gamma` and bias `beta`, each [cols].
template <class T, class Tape, role R, class TG, role RG, class TB, role RB>
auto layer_norm(const tensor_var<T, Tape, R>& x, const tensor_var<TG, Tape, RG>& gamma,
                const tensor_var<TB, Tape, RB>& beta, double eps = 1e-5) {
  auto& t = mixprec::detail::tape_of("layer_norm", x, gamma, beta);
  const shape& s = x.node()->value.shape();
  const auto check = [&](const shape& p, const char* what) {
    if (!(p.rank() == 1 && p[0] == s.cols())) {
      mixprec::detail::throw_shape_mismatch(
          "layer_norm", s, p, std::string(what) + " must be one row of x's last extent");
    }
  };
  check(gamma.node()->value.shape(), "gamma");
  check(beta.node()->value.shape(), "beta");
  return t.template record<mixprec::detail::layer_norm_node<
      Tape, typename tensor_var<T, Tape, R>::node_type,
      typename tensor_var<TG, Tape, RG>::node_type, typename tensor_var<TB, Tape, RB>::node_type>>(
      x.node(), gamma.node(), beta.node(), eps);
}

/// Inverted dropout: each element is dropped with probability p, the others scaled by
/// 1 / (1 - p). Element i is decided by the random bits of (seed, counter0 + i), so a step is
/// reproducible from its seed; use a new seed or counter range for each call.
template <class T, class Tape, role R>
auto dropout(const tensor_var<T, Tape, R>& x, double p, std::uint64_t seed,
             std::uint64_t counter0 = 0) {
  auto& t = mixprec::detail::tape_of("dropout", x);
  return t.template record<
      mixprec::detail::dropout_node<Tape, typename tensor_var<T, Tape, R>::node_type>>(
      x.node(), p, seed, counter0);
}

/// Embedding lookup: rows idx[i] of `table` ([vocab, dim]), a variable [idx.size(), dim]. The
/// indices are copied; one outside [0, vocab) is an error naming its position.
template <class T, class Tape, role R>
auto embedding(const tensor_var<T, Tape, R>& table, std::span<const std::int64_t> idx) {
  auto& t = mixprec::detail::tape_of("embedding", table);
  const shape& s = table.node()->value.shape();
  if (s.rank() != 2) {
    mixprec::detail::throw_error(
        "embedding", "the table must be a matrix [vocab, dim], not shape " + s.to_string());
  }
  return t.template record<
      mixprec::detail::embedding_node<Tape, typename tensor_var<T, Tape, R>::node_type>>(
      table.node(), idx);
}

// Composites (built from the primitives above; no rules of their own) -------------------------

/// x · w + b: a fully connected layer; x [..., in], w [in, out], b [out] broadcast over rows.
template <class TX, class Tape, role RX, class TW, role RW, class TB, role RB>
auto linear(const tensor_var<TX, Tape, RX>& x, const tensor_var<TW, Tape, RW>& w,
            const tensor_var<TB, Tape, RB>& b) {
  return add(matmul(x, w), b);
}

}  // namespace ad

}  // namespace mixprec
