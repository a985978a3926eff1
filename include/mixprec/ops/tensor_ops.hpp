#pragma once
/// \file ops/tensor_ops.hpp
/// The ops on tensors, each run in the precision a policy gives it:
/// `matmul<Policy>(a, b)`, `add<Policy>(a, b)`, `softmax<Policy>(x)`, ... Each op asks
/// `precision_for<Policy, Op, Pass>` for its storage, compute and accumulate types at compile
/// time, reads its operands in the storage type (an operand of another element type is first
/// cast to it, rounded once with the storage type's rounding), runs the CPU kernel, and returns
/// a tensor of the precision's output type (the storage type unless the precision names
/// another). See docs/policies.md.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>

#include "mixprec/backend/cpu/elementwise.hpp"
#include "mixprec/backend/cpu/gemm.hpp"
#include "mixprec/backend/cpu/loss.hpp"
#include "mixprec/backend/cpu/norm.hpp"
#include "mixprec/backend/cpu/parallel.hpp"
#include "mixprec/backend/cpu/reduce.hpp"
#include "mixprec/backend/cpu/softmax.hpp"
#include "mixprec/error.hpp"
#include "mixprec/format/limits.hpp"
#include "mixprec/policy/ops.hpp"
#include "mixprec/policy/policy.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace mixprec {

namespace detail {

/// An operand in element type S: a view of `x` when it already is S, otherwise a copy converted
/// into S (S's rounding) held in `held`.
template <scalar_type S, tensor_like X, class D>
tensor_view<const S, D> operand_as(const X& x, tensor<S, D>& held) {
  using T = tensor_value_t<X>;
  if constexpr (std::is_same_v<T, S>) {
    (void)held;
    return as_const_view(x);
  } else {
    held = cast<S>(x);
    return held.view();
  }
}

/// The power of two 2^e that brings the largest magnitude of `x` closest to S's largest finite
/// value without passing it, or 1 when x is all zeros or holds a non-finite value. e is kept
/// within [-63, 63], so that the factor that undoes two of them is a normal float.
template <scalar_type S, class T>
double power_of_two_scale(tensor_view<const T> x) {
  double amax = 0;
  for (const T& v : x) {
    const double d = std::fabs(static_cast<double>(v));
    if (!std::isfinite(d)) return 1.0;
    amax = d > amax ? d : amax;
  }
  if (amax == 0) return 1.0;
  const double max_s = static_cast<double>(std::numeric_limits<S>::max());
  int e = 0;
  // max_s / amax = f * 2^e with f in [0.5, 1): 2^(e-1) is the largest power of two <= the
  // ratio, so amax * 2^(e-1) <= max_s.
  (void)std::frexp(max_s / amax, &e);
  return std::ldexp(1.0, std::clamp(e - 1, -63, 63));
}

/// An operand of an FP8 matmul under per-tensor scaling: x scaled by a power of two (exact)
/// and rounded into S once; `scale` receives the factor.
template <scalar_type S, tensor_like X>
tensor_view<const S> scaled_operand(const X& x, tensor<S>& held, double& scale) {
  using T = tensor_value_t<X>;
  const auto v = as_const_view(x);
  if constexpr (std::is_same_v<T, S>) {
    (void)held;
    scale = 1.0;
    return v;
  } else {
    scale = power_of_two_scale<S>(v);
    held = tensor<S>::uninitialized(v.shape());
    S* out = held.data();
    for (std::int64_t i = 0; i < v.size(); ++i) {
      out[i] = round_to<S>(static_cast<double>(v.data()[i]) * scale);
    }
    return held.view();
  }
}

/// Whether the policy scales the operands of its matmuls in S per tensor: declared
/// tensor_scaling<per_tensor>, and S one byte wide.
template <class Policy, scalar_type S>
inline constexpr bool scales_per_tensor_v = Policy::tensor_scaling_mode ==
                                                tensor_scale::per_tensor &&
                                            sizeof(S) == 1;

inline shape with_last_extent(const shape& s, std::int64_t last) {
  std::array<std::int64_t, shape::max_rank> e{};
  const auto ex = s.extents();
  for (std::size_t i = 0; i < ex.size(); ++i) e[i] = ex[i];
  e[ex.size() - 1] = last;
  return shape(std::span<const std::int64_t>(e.data(), ex.size()));
}

inline shape without_axis(const shape& s, int axis) {
  std::array<std::int64_t, shape::max_rank> e{};
  std::size_t n = 0;
  const auto ex = s.extents();
  for (std::size_t i = 0; i < ex.size(); ++i) {
    if (static_cast<int>(i) != axis) e[n++] = ex[i];
  }
  return shape(std::span<const std::int64_t>(e.data(), n));
}

template <class Policy, class Op, pass Pass, class Op2 = Op>
using op_precision = precision_for<Policy, Op2, Pass>;

}  // namespace detail

/// `op(a) · op(b)` with op a transpose or not: a is [..., k] (any rank >= 2, its leading axes
/// flattened into rows) or, transposed, [k, m]; b is [k, n] or, transposed, [n, k]. The result
/// has a's shape with the last extent n (or [m, n] when a is transposed).
///
/// Under a policy with tensor_scaling<per_tensor> and a one-byte storage type (FP8), each operand
/// that is not already in that type is multiplied by a power of two 2^s chosen so that its
/// largest magnitude comes as close as it can to the format's largest value, then rounded into
/// it; the product is scaled back by 2^-(sa+sb) in the accumulate type, which is exact. (This is
/// current scaling; Transformer Engine's delayed scaling takes the factor from an amax history.)
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like A,
          detail::tensor_like B>
auto matmul(const A& a, const B& b, cpu::transpose ta = cpu::transpose::no,
            cpu::transpose tb = cpu::transpose::no, cpu::execution e = {}) {
  using P = precision_for<Policy, ops::matmul, Pass>;
  using S = typename P::storage;
  const auto va = detail::as_const_view(a);
  const auto vb = detail::as_const_view(b);
  const shape& sa = va.shape();
  const shape& sb = vb.shape();
  if (sb.rank() != 2 || sa.rank() < 2 || (ta == cpu::transpose::yes && sa.rank() != 2)) {
    detail::throw_shape_mismatch("matmul", sa, sb,
                                 "matmul needs b of rank 2 and a of rank 2 or more (rank 2 when "
                                 "a is transposed)");
  }
  const bool a_t = ta == cpu::transpose::yes;
  const bool b_t = tb == cpu::transpose::yes;
  const std::int64_t m = a_t ? sa[1] : sa.rows();
  const std::int64_t ka = a_t ? sa[0] : sa.cols();
  const std::int64_t kb = b_t ? sb[1] : sb[0];
  const std::int64_t n = b_t ? sb[0] : sb[1];
  if (ka != kb) {
    detail::throw_shape_mismatch(
        "matmul", sa, sb,
        "inner dimensions " + std::to_string(ka) + " and " + std::to_string(kb) + " differ");
  }
  const shape out_shape = a_t ? shape{m, n} : detail::with_last_extent(sa, n);
  tensor<S> held_a, held_b;
  double scale_a = 1.0, scale_b = 1.0;
  tensor_view<const S> xa, xb;
  if constexpr (detail::scales_per_tensor_v<Policy, S>) {
    xa = detail::scaled_operand<S>(va, held_a, scale_a);
    xb = detail::scaled_operand<S>(vb, held_b, scale_b);
  } else {
    xa = detail::operand_as<S>(va, held_a);
    xb = detail::operand_as<S>(vb, held_b);
  }
  auto out = tensor<typename P::output>::uninitialized(out_shape);
  cpu::gemm<P>(ta, tb, m, n, ka, 1.0 / (scale_a * scale_b), xa.data(), sa.cols(), xb.data(),
               sb.cols(), 0.0, out.data(), n, e);
  return out;
}

namespace detail {

/// An op whose result has its operand's shape: the operand read in the storage type, the result
/// allocated in the output type, and `run(P{}, operand_view, result_data)` between them.
template <class Policy, class Op, pass Pass, tensor_like X, class Run>
auto same_shape_op(const X& x, Run&& run) {
  using P = precision_for<Policy, Op, Pass>;
  using S = typename P::storage;
  tensor<S> held;
  const auto v = operand_as<S>(x, held);
  auto out = tensor<typename P::output>::uninitialized(v.shape());
  run(P{}, v, out.data());
  return out;
}

template <class Policy, class Op, pass Pass, tensor_like X>
auto unary_op(const X& x, cpu::execution e) {
  return same_shape_op<Policy, Op, Pass>(x, [e](auto p, const auto& v, auto* y) {
    cpu::unary<decltype(p), Op>(v.size(), v.data(), y, e);
  });
}

template <class Policy, class Op, pass Pass, tensor_like X, tensor_like Y>
auto binary_op(const char* name, const X& a, const Y& b, cpu::execution e) {
  using P = precision_for<Policy, Op, Pass>;
  using S = typename P::storage;
  const auto va0 = as_const_view(a);
  const auto vb0 = as_const_view(b);
  cpu::broadcast bb = cpu::broadcast::none;
  if (!(va0.shape() == vb0.shape())) {
    if (vb0.rank() == 1 && va0.rank() >= 1 && vb0.shape()[0] == va0.shape().cols()) {
      bb = cpu::broadcast::row;
    } else {
      throw_shape_mismatch(name, va0.shape(), vb0.shape(),
                           "b must have a's shape, or be one row of a's last extent");
    }
  }
  tensor<S> held_a, held_b;
  const auto va = operand_as<S>(va0, held_a);
  const auto vb = operand_as<S>(vb0, held_b);
  auto out = tensor<typename P::output>::uninitialized(va.shape());
  cpu::binary<P, Op>(va.shape().rows(), va.shape().cols(), va.data(), vb.data(), bb, out.data(), e);
  return out;
}

template <class Policy, class Op, pass Pass, tensor_like X>
auto binary_scalar_op(const X& a, double s, cpu::execution e) {
  return same_shape_op<Policy, Op, Pass>(a, [s, e](auto p, const auto& v, auto* y) {
    cpu::binary_scalar<decltype(p), Op>(v.size(), v.data(), s, y, e);
  });
}

template <class Policy, class Op, pass Pass, tensor_like X>
auto reduce_op(const char* name, const X& x, int axis, cpu::execution e) {
  using P = precision_for<Policy, Op, Pass>;
  using S = typename P::storage;
  tensor<S> held;
  const auto v = operand_as<S>(x, held);
  const shape& s = v.shape();
  if (axis < 0) axis += s.rank();
  if (axis < 0 || axis >= s.rank()) {
    throw_error(name,
                "axis " + std::to_string(axis) + " is out of range for shape " + s.to_string());
  }
  std::int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= s[i];
  for (int i = axis + 1; i < s.rank(); ++i) inner *= s[i];
  auto out = tensor<typename P::output>::uninitialized(without_axis(s, axis));
  cpu::reduce<P, Op>(outer, s[axis], inner, v.data(), out.data(), e);
  return out;
}

template <class Policy, class Op, pass Pass, tensor_like X>
auto reduce_all_op(const X& x, cpu::execution e) {
  using P = precision_for<Policy, Op, Pass>;
  using S = typename P::storage;
  tensor<S> held;
  const auto v = operand_as<S>(x, held);
  auto out = tensor<typename P::output>::uninitialized(shape{});
  cpu::reduce<P, Op>(1, v.size(), 1, v.data(), out.data(), e);
  return out;
}

}  // namespace detail

/// Elementwise a + b, a − b, a · b, a / b: b has a's shape, or is one row (rank 1, a's last
/// extent) added to every row of a.
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like A,
          detail::tensor_like B>
auto add(const A& a, const B& b, cpu::execution e = {}) {
  return detail::binary_op<Policy, ops::add, Pass>("add", a, b, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like A,
          detail::tensor_like B>
auto sub(const A& a, const B& b, cpu::execution e = {}) {
  return detail::binary_op<Policy, ops::sub, Pass>("sub", a, b, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like A,
          detail::tensor_like B>
auto mul(const A& a, const B& b, cpu::execution e = {}) {
  return detail::binary_op<Policy, ops::mul, Pass>("mul", a, b, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like A,
          detail::tensor_like B>
auto div(const A& a, const B& b, cpu::execution e = {}) {
  return detail::binary_op<Policy, ops::div, Pass>("div", a, b, e);
}

/// Elementwise a + s, a − s, a · s, a / s with a scalar s (rounded to the compute type).
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like A>
auto add(const A& a, double s, cpu::execution e = {}) {
  return detail::binary_scalar_op<Policy, ops::add, Pass>(a, s, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like A>
auto sub(const A& a, double s, cpu::execution e = {}) {
  return detail::binary_scalar_op<Policy, ops::sub, Pass>(a, s, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like A>
auto mul(const A& a, double s, cpu::execution e = {}) {
  return detail::binary_scalar_op<Policy, ops::mul, Pass>(a, s, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like A>
auto div(const A& a, double s, cpu::execution e = {}) {
  return detail::binary_scalar_op<Policy, ops::div, Pass>(a, s, e);
}

/// Elementwise functions.
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto neg(const X& x, cpu::execution e = {}) {
  return detail::unary_op<Policy, ops::neg, Pass>(x, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto relu(const X& x, cpu::execution e = {}) {
  return detail::unary_op<Policy, ops::relu, Pass>(x, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto exp(const X& x, cpu::execution e = {}) {
  return detail::unary_op<Policy, ops::exp, Pass>(x, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto log(const X& x, cpu::execution e = {}) {
  return detail::unary_op<Policy, ops::log, Pass>(x, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto tanh(const X& x, cpu::execution e = {}) {
  return detail::unary_op<Policy, ops::tanh, Pass>(x, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto sigmoid(const X& x, cpu::execution e = {}) {
  return detail::unary_op<Policy, ops::sigmoid, Pass>(x, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto gelu(const X& x, cpu::execution e = {}) {
  return detail::unary_op<Policy, ops::gelu, Pass>(x, e);
}

/// The cast op: x in the cast op's storage type under the policy.
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto cast(const X& x) {
  using S = storage_t<Policy, ops::cast, Pass>;
  return cast<S>(x);
}

/// Sum or mean over one axis (negative counts from the last), which the result drops.
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto sum(const X& x, int axis, cpu::execution e = {}) {
  return detail::reduce_op<Policy, ops::sum, Pass>("sum", x, axis, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto mean(const X& x, int axis, cpu::execution e = {}) {
  return detail::reduce_op<Policy, ops::mean, Pass>("mean", x, axis, e);
}
/// Sum or mean of every element, in row-major order: a tensor of rank 0.
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto sum(const X& x, cpu::execution e = {}) {
  return detail::reduce_all_op<Policy, ops::sum, Pass>(x, e);
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto mean(const X& x, cpu::execution e = {}) {
  return detail::reduce_all_op<Policy, ops::mean, Pass>(x, e);
}

/// softmax and log_softmax over the last axis.
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto softmax(const X& x, cpu::execution e = {}) {
  return detail::same_shape_op<Policy, ops::softmax, Pass>(x, [e](auto p, const auto& v, auto* y) {
    cpu::softmax<decltype(p)>(v.shape().rows(), v.shape().cols(), v.data(), y, e);
  });
}
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto log_softmax(const X& x, cpu::execution e = {}) {
  return detail::same_shape_op<Policy, ops::log_softmax, Pass>(
      x, [e](auto p, const auto& v, auto* y) {
        cpu::log_softmax<decltype(p)>(v.shape().rows(), v.shape().cols(), v.data(), y, e);
      });
}

/// Layer normalisation over the last axis, with optional gain and bias of shape [cols] (pass
/// empty tensors, `tensor<T>()`, for none).
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X,
          detail::tensor_like G, detail::tensor_like B>
auto layer_norm(const X& x, const G& gamma, const B& beta, double eps = 1e-5,
                cpu::execution e = {}) {
  using P = precision_for<Policy, ops::layer_norm, Pass>;
  using S = typename P::storage;
  tensor<S> held, held_g, held_b;
  const auto v = detail::operand_as<S>(x, held);
  const std::int64_t cols = v.shape().cols();
  const auto check_param = [&](const auto& p, const char* what) {
    const auto pv = detail::as_const_view(p);
    if (pv.size() != 0 && !(pv.rank() == 1 && pv.shape()[0] == cols)) {
      detail::throw_shape_mismatch("layer_norm", v.shape(), pv.shape(),
                                   std::string(what) +
                                       " must be empty or one row of x's last "
                                       "extent");
    }
  };
  check_param(gamma, "gamma");
  check_param(beta, "beta");
  const auto g = detail::operand_as<S>(gamma, held_g);
  const auto b = detail::operand_as<S>(beta, held_b);
  auto out = tensor<typename P::output>::uninitialized(v.shape());
  cpu::layer_norm<P, S, typename P::output, S>(
      v.shape().rows(), cols, v.data(), g.size() != 0 ? g.data() : nullptr,
      b.size() != 0 ? b.data() : nullptr, eps, out.data(), nullptr, nullptr, e);
  return out;
}

/// Mean cross-entropy of logits [rows, classes] (any rank; the last axis is the classes) and
/// one label per row: a tensor of rank 0.
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like X>
auto cross_entropy(const X& logits, std::span<const std::int64_t> labels, cpu::execution e = {}) {
  using P = precision_for<Policy, ops::cross_entropy, Pass>;
  using S = typename P::storage;
  tensor<S> held;
  const auto v = detail::operand_as<S>(logits, held);
  if (static_cast<std::int64_t>(labels.size()) != v.shape().rows()) {
    detail::throw_error("cross_entropy", "logits of shape " + v.shape().to_string() + " have " +
                                             std::to_string(v.shape().rows()) +
                                             " rows but there are " +
                                             std::to_string(labels.size()) + " labels");
  }
  auto out = tensor<typename P::output>::uninitialized(shape{});
  out.data()[0] = cpu::cross_entropy<P, typename P::output>(v.shape().rows(), v.shape().cols(),
                                                            v.data(), labels.data(), nullptr, e);
  return out;
}

/// Mean squared error of two tensors of one shape: a tensor of rank 0.
template <policy_type Policy, pass Pass = pass::forward, detail::tensor_like A,
          detail::tensor_like B>
auto mse(const A& a, const B& b, cpu::execution e = {}) {
  using P = precision_for<Policy, ops::mse, Pass>;
  using S = typename P::storage;
  const auto va0 = detail::as_const_view(a);
  const auto vb0 = detail::as_const_view(b);
  detail::check_same_shape("mse", va0.shape(), vb0.shape());
  tensor<S> held_a, held_b;
  const auto va = detail::operand_as<S>(va0, held_a);
  const auto vb = detail::operand_as<S>(vb0, held_b);
  auto out = tensor<typename P::output>::uninitialized(shape{});
  out.data()[0] = cpu::mse<P, typename P::output>(va.size(), va.data(), vb.data(), e);
  return out;
}

}  // namespace mixprec
