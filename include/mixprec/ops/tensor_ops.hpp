#pragma once
/// \file ops/tensor_ops.hpp
/// The ops on tensors, each run in the precision a policy gives it:
/// `matmul<Policy>(a, b)`, `add<Policy>(a, b)`, `softmax<Policy>(x)`, ... Each op asks
/// `precision_for<Policy, Op, Pass>` for its storage, compute and accumulate types at compile
/// time, checks the shapes, reads its operands in the storage type (an operand of another
/// element type is first cast to it, rounded once with the storage type's rounding), runs the
/// kernel of the operands' backend, and returns a tensor of the precision's output type (the
/// storage type unless the precision names another) on the operands' device. See
/// docs/policies.md.
///
/// This layer is device-neutral: it touches elements only through a backend
/// (backend/backend.hpp). The backend is the default one of the operands' device (cpu_backend
/// for cpu_device) unless the third template argument names another:
/// `matmul<Policy, pass::forward, reference_backend>(a, b)` runs the reference loop.
/// Every op takes an `execution` last (threads; the stochastic key of its roundings).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>

#include "mixprec/backend/backend.hpp"
#include "mixprec/backend/cpu/backend.hpp"
#include "mixprec/backend/vocabulary.hpp"
#include "mixprec/error.hpp"
#include "mixprec/format/limits.hpp"
#include "mixprec/policy/ops.hpp"
#include "mixprec/policy/policy.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace mixprec {

namespace detail {

/// The device type of a tensor or view type.
template <tensor_like X>
using tensor_device_t = typename std::remove_cvref_t<X>::device_type;

/// A tensor of shape `s` on device `d` whose elements the caller writes.
template <scalar_type T, class Device>
tensor<T, Device> uninitialized_on(const shape& s, const Device& d) {
  return tensor<T, Device>::uninitialized(s, d);
}

/// `e` with the stochastic key of part `part` of an op (its operand casts, its kernels).
constexpr execution part_of(const execution& e, std::uint64_t part) noexcept {
  execution p = e;
  p.key = e.key.derive(part);
  return p;
}

/// The parts numbering an op's stochastic roundings: the kernel uses e itself.
inline constexpr std::uint64_t operand_part = 1000;  // operand i casts with operand_part + i

/// An operand in element type S: a view of `x` when it already is S, otherwise a copy converted
/// into S on the backend (S's rounding) held in `held`.
template <class B, scalar_type S, tensor_like X, class D>
tensor_view<const S, D> operand_as(const X& x, tensor<S, D>& held, const execution& e = {}) {
  using T = tensor_value_t<X>;
  const auto v = as_const_view(x);
  if constexpr (std::is_same_v<T, S>) {
    (void)held;
    (void)e;
    return v;
  } else {
    held = uninitialized_on<S>(v.shape(), v.device());
    B::convert(v.size(), v.data(), held.data(), e);
    return held.view();
  }
}

/// The power of two 2^e that brings `amax` closest to S's largest finite value without passing
/// it, or 1 when amax is 0 or not finite. e is kept within [-63, 63], so that the factor that
/// undoes two of them is a normal float.
template <scalar_type S>
double power_of_two_scale(double amax) {
  if (amax == 0 || !std::isfinite(amax)) return 1.0;
  const double max_s = static_cast<double>(std::numeric_limits<S>::max());
  int e = 0;
  // max_s / amax = f * 2^e with f in [0.5, 1): 2^(e-1) is the largest power of two <= the
  // ratio, so amax * 2^(e-1) <= max_s.
  (void)std::frexp(max_s / amax, &e);
  return std::ldexp(1.0, std::clamp(e - 1, -63, 63));
}

/// An operand of an FP8 matmul under per-tensor scaling: x scaled by a power of two (exact)
/// and rounded into S once; `scale` receives the factor.
template <class B, scalar_type S, tensor_like X, class D>
tensor_view<const S, D> scaled_operand(const X& x, tensor<S, D>& held, double& scale,
                                       const execution& e) {
  using T = tensor_value_t<X>;
  const auto v = as_const_view(x);
  if constexpr (std::is_same_v<T, S>) {
    (void)held;
    (void)e;
    scale = 1.0;
    return v;
  } else {
    scale = power_of_two_scale<S>(B::amax(v.device(), v.size(), v.data()));
    held = uninitialized_on<S>(v.shape(), v.device());
    B::convert_scaled(v.size(), v.data(), scale, held.data(), e);
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

/// Throws unless two operands live on the same device.
template <class VA, class VB>
void check_same_device(const char* op, const VA& a, const VB& b) {
  static_assert(std::is_same_v<typename VA::device_type, typename VB::device_type>,
                "the operands of an op must live on the same kind of device; copy one first");
  if (!(a.device() == b.device())) {
    throw_error(op, "the operands live on different devices; copy one to the other first");
  }
}

/// The checked extents of `op(a) · op(b)`.
struct matmul_extents {
  std::int64_t m, n, k;
  shape out;
};
inline matmul_extents check_matmul(const shape& sa, const shape& sb, transpose ta, transpose tb) {
  if (sb.rank() != 2 || sa.rank() < 2 || (ta == transpose::yes && sa.rank() != 2)) {
    throw_shape_mismatch("matmul", sa, sb,
                         "matmul needs b of rank 2 and a of rank 2 or more (rank 2 when "
                         "a is transposed)");
  }
  const bool a_t = ta == transpose::yes;
  const bool b_t = tb == transpose::yes;
  const std::int64_t m = a_t ? sa[1] : sa.rows();
  const std::int64_t ka = a_t ? sa[0] : sa.cols();
  const std::int64_t kb = b_t ? sb[1] : sb[0];
  const std::int64_t n = b_t ? sb[0] : sb[1];
  if (ka != kb) {
    throw_shape_mismatch(
        "matmul", sa, sb,
        "inner dimensions " + std::to_string(ka) + " and " + std::to_string(kb) + " differ");
  }
  return {m, n, ka, a_t ? shape{m, n} : with_last_extent(sa, n)};
}

/// The backend of an op on operands of type X: Backend, or the device's default.
template <class Backend, tensor_like X>
using op_backend_t = backend_for_t<Backend, tensor_device_t<X>>;

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
template <policy_type Policy, pass Pass = pass::forward, class Backend = automatic_backend,
          detail::tensor_like A, detail::tensor_like B>
auto matmul(const A& a, const B& b, transpose ta = transpose::no, transpose tb = transpose::no,
            execution e = {}) {
  using Be = detail::op_backend_t<Backend, A>;
  using P = precision_for<Policy, ops::matmul, Pass>;
  using S = typename P::storage;
  using D = detail::tensor_device_t<A>;
  const auto va = detail::as_const_view(a);
  const auto vb = detail::as_const_view(b);
  detail::check_same_device("matmul", va, vb);
  const auto x = detail::check_matmul(va.shape(), vb.shape(), ta, tb);
  tensor<S, D> held_a, held_b;
  double scale_a = 1.0, scale_b = 1.0;
  tensor_view<const S, D> xa, xb;
  if constexpr (detail::scales_per_tensor_v<Policy, S>) {
    xa = detail::scaled_operand<Be, S>(va, held_a, scale_a,
                                       detail::part_of(e, detail::operand_part));
    xb = detail::scaled_operand<Be, S>(vb, held_b, scale_b,
                                       detail::part_of(e, detail::operand_part + 1));
  } else {
    xa = detail::operand_as<Be, S>(va, held_a, detail::part_of(e, detail::operand_part));
    xb = detail::operand_as<Be, S>(vb, held_b, detail::part_of(e, detail::operand_part + 1));
  }
  auto out = detail::uninitialized_on<typename P::output>(x.out, va.device());
  Be::template gemm<P>(ta, tb, x.m, x.n, x.k, 1.0 / (scale_a * scale_b), xa.data(),
                       va.shape().cols(), xb.data(), vb.shape().cols(), 0.0, out.data(), x.n, e);
  return out;
}

namespace detail {

/// An op whose result has its operand's shape: the operand read in the storage type, the result
/// allocated in the output type, and `run(P{}, operand_view, result_data)` between them.
template <class Be, class Policy, class Op, pass Pass, tensor_like X, class Run>
auto same_shape_op(const X& x, const execution& e, Run&& run) {
  using P = precision_for<Policy, Op, Pass>;
  using S = typename P::storage;
  tensor<S, tensor_device_t<X>> held;
  const auto v = operand_as<Be, S>(x, held, part_of(e, operand_part));
  auto out = uninitialized_on<typename P::output>(v.shape(), v.device());
  run(P{}, v, out.data());
  return out;
}

template <class Be, class Policy, class Op, pass Pass, tensor_like X>
auto unary_op(const X& x, execution e) {
  return same_shape_op<Be, Policy, Op, Pass>(x, e, [e](auto p, const auto& v, auto* y) {
    Be::template unary<decltype(p), Op>(v.size(), v.data(), y, e);
  });
}

template <class Be, class Policy, class Op, pass Pass, tensor_like X, tensor_like Y>
auto binary_op(const char* name, const X& a, const Y& b, execution e) {
  using P = precision_for<Policy, Op, Pass>;
  using S = typename P::storage;
  using D = tensor_device_t<X>;
  const auto va0 = as_const_view(a);
  const auto vb0 = as_const_view(b);
  check_same_device(name, va0, vb0);
  broadcast bb = broadcast::none;
  if (!(va0.shape() == vb0.shape())) {
    if (vb0.rank() == 1 && va0.rank() >= 1 && vb0.shape()[0] == va0.shape().cols()) {
      bb = broadcast::row;
    } else {
      throw_shape_mismatch(name, va0.shape(), vb0.shape(),
                           "b must have a's shape, or be one row of a's last extent");
    }
  }
  tensor<S, D> held_a, held_b;
  const auto va = operand_as<Be, S>(va0, held_a, part_of(e, operand_part));
  const auto vb = operand_as<Be, S>(vb0, held_b, part_of(e, operand_part + 1));
  auto out = uninitialized_on<typename P::output>(va.shape(), va.device());
  Be::template binary<P, Op>(va.shape().rows(), va.shape().cols(), va.data(), vb.data(), bb,
                             out.data(), e);
  return out;
}

template <class Be, class Policy, class Op, pass Pass, tensor_like X>
auto binary_scalar_op(const X& a, double s, execution e) {
  return same_shape_op<Be, Policy, Op, Pass>(a, e, [s, e](auto p, const auto& v, auto* y) {
    Be::template binary_scalar<decltype(p), Op>(v.size(), v.data(), s, y, e);
  });
}

template <class Be, class Policy, class Op, pass Pass, tensor_like X>
auto reduce_op(const char* name, const X& x, int axis, execution e) {
  using P = precision_for<Policy, Op, Pass>;
  using S = typename P::storage;
  const shape s = as_const_view(x).shape();
  if (axis < 0) axis += s.rank();
  if (axis < 0 || axis >= s.rank()) {
    throw_error(name,
                "axis " + std::to_string(axis) + " is out of range for shape " + s.to_string());
  }
  tensor<S, tensor_device_t<X>> held;
  const auto v = operand_as<Be, S>(x, held, part_of(e, operand_part));
  std::int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= s[i];
  for (int i = axis + 1; i < s.rank(); ++i) inner *= s[i];
  auto out = uninitialized_on<typename P::output>(without_axis(s, axis), v.device());
  Be::template reduce<P, Op>(outer, s[axis], inner, v.data(), out.data(), e);
  return out;
}

template <class Be, class Policy, class Op, pass Pass, tensor_like X>
auto reduce_all_op(const X& x, execution e) {
  using P = precision_for<Policy, Op, Pass>;
  using S = typename P::storage;
  tensor<S, tensor_device_t<X>> held;
  const auto v = operand_as<Be, S>(x, held, part_of(e, operand_part));
  auto out = uninitialized_on<typename P::output>(shape{}, v.device());
  Be::template reduce<P, Op>(1, v.size(), 1, v.data(), out.data(), e);
  return out;
}

/// softmax (Log false) or log_softmax (Log true) over the last axis.
template <class Be, class Policy, bool Log, pass Pass, tensor_like X>
auto softmax_op(const X& x, execution e) {
  using Op = std::conditional_t<Log, ops::log_softmax, ops::softmax>;
  return same_shape_op<Be, Policy, Op, Pass>(x, e, [e](auto p, const auto& v, auto* y) {
    Be::template softmax<decltype(p), Log>(v.shape().rows(), v.shape().cols(), v.data(), y, e);
  });
}

/// The mean cross-entropy of logits and labels already in the device's memory (one per row).
template <class Be, class Policy, pass Pass, tensor_like X>
auto cross_entropy_op(const X& logits, const std::int64_t* labels, execution e) {
  using P = precision_for<Policy, ops::cross_entropy, Pass>;
  using S = typename P::storage;
  tensor<S, tensor_device_t<X>> held;
  const auto v = operand_as<Be, S>(logits, held, part_of(e, operand_part));
  auto out = uninitialized_on<typename P::output>(shape{}, v.device());
  Be::template cross_entropy<P>(v.shape().rows(), v.shape().cols(), v.data(), labels, out.data(),
                                e);
  return out;
}

}  // namespace detail

#define MIXPREC_OPS_TEMPLATE(...)                                                             \
  template <policy_type Policy, pass Pass = pass::forward, class Backend = automatic_backend, \
            __VA_ARGS__>

/// Elementwise a + b, a − b, a · b, a / b: b has a's shape, or is one row (rank 1, a's last
/// extent) added to every row of a.
MIXPREC_OPS_TEMPLATE(detail::tensor_like A, detail::tensor_like B)
auto add(const A& a, const B& b, execution e = {}) {
  return detail::binary_op<detail::op_backend_t<Backend, A>, Policy, ops::add, Pass>("add", a, b,
                                                                                     e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like A, detail::tensor_like B)
auto sub(const A& a, const B& b, execution e = {}) {
  return detail::binary_op<detail::op_backend_t<Backend, A>, Policy, ops::sub, Pass>("sub", a, b,
                                                                                     e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like A, detail::tensor_like B)
auto mul(const A& a, const B& b, execution e = {}) {
  return detail::binary_op<detail::op_backend_t<Backend, A>, Policy, ops::mul, Pass>("mul", a, b,
                                                                                     e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like A, detail::tensor_like B)
auto div(const A& a, const B& b, execution e = {}) {
  return detail::binary_op<detail::op_backend_t<Backend, A>, Policy, ops::div, Pass>("div", a, b,
                                                                                     e);
}

/// Elementwise a + s, a − s, a · s, a / s with a scalar s (rounded to the compute type).
MIXPREC_OPS_TEMPLATE(detail::tensor_like A)
auto add(const A& a, double s, execution e = {}) {
  return detail::binary_scalar_op<detail::op_backend_t<Backend, A>, Policy, ops::add, Pass>(a, s,
                                                                                            e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like A)
auto sub(const A& a, double s, execution e = {}) {
  return detail::binary_scalar_op<detail::op_backend_t<Backend, A>, Policy, ops::sub, Pass>(a, s,
                                                                                            e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like A)
auto mul(const A& a, double s, execution e = {}) {
  return detail::binary_scalar_op<detail::op_backend_t<Backend, A>, Policy, ops::mul, Pass>(a, s,
                                                                                            e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like A)
auto div(const A& a, double s, execution e = {}) {
  return detail::binary_scalar_op<detail::op_backend_t<Backend, A>, Policy, ops::div, Pass>(a, s,
                                                                                            e);
}

/// Elementwise functions.
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto neg(const X& x, execution e = {}) {
  return detail::unary_op<detail::op_backend_t<Backend, X>, Policy, ops::neg, Pass>(x, e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto relu(const X& x, execution e = {}) {
  return detail::unary_op<detail::op_backend_t<Backend, X>, Policy, ops::relu, Pass>(x, e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto exp(const X& x, execution e = {}) {
  return detail::unary_op<detail::op_backend_t<Backend, X>, Policy, ops::exp, Pass>(x, e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto log(const X& x, execution e = {}) {
  return detail::unary_op<detail::op_backend_t<Backend, X>, Policy, ops::log, Pass>(x, e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto tanh(const X& x, execution e = {}) {
  return detail::unary_op<detail::op_backend_t<Backend, X>, Policy, ops::tanh, Pass>(x, e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto sigmoid(const X& x, execution e = {}) {
  return detail::unary_op<detail::op_backend_t<Backend, X>, Policy, ops::sigmoid, Pass>(x, e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto gelu(const X& x, execution e = {}) {
  return detail::unary_op<detail::op_backend_t<Backend, X>, Policy, ops::gelu, Pass>(x, e);
}

/// The cast op: x in the cast op's storage type under the policy.
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto cast(const X& x, execution e = {}) {
  using Be = detail::op_backend_t<Backend, X>;
  using S = storage_t<Policy, ops::cast, Pass>;
  const auto v = detail::as_const_view(x);
  auto out = detail::uninitialized_on<S>(v.shape(), v.device());
  Be::convert(v.size(), v.data(), out.data(), e);
  return out;
}

/// Sum or mean over one axis (negative counts from the last), which the result drops.
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto sum(const X& x, int axis, execution e = {}) {
  return detail::reduce_op<detail::op_backend_t<Backend, X>, Policy, ops::sum, Pass>("sum", x, axis,
                                                                                     e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto mean(const X& x, int axis, execution e = {}) {
  return detail::reduce_op<detail::op_backend_t<Backend, X>, Policy, ops::mean, Pass>("mean", x,
                                                                                      axis, e);
}
/// Sum or mean of every element, in row-major order: a tensor of rank 0.
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto sum(const X& x, execution e = {}) {
  return detail::reduce_all_op<detail::op_backend_t<Backend, X>, Policy, ops::sum, Pass>(x, e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto mean(const X& x, execution e = {}) {
  return detail::reduce_all_op<detail::op_backend_t<Backend, X>, Policy, ops::mean, Pass>(x, e);
}

/// softmax and log_softmax over the last axis.
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto softmax(const X& x, execution e = {}) {
  return detail::softmax_op<detail::op_backend_t<Backend, X>, Policy, false, Pass>(x, e);
}
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto log_softmax(const X& x, execution e = {}) {
  return detail::softmax_op<detail::op_backend_t<Backend, X>, Policy, true, Pass>(x, e);
}

/// Layer normalisation over the last axis, with optional gain and bias of shape [cols] (pass
/// empty tensors, `tensor<T>()`, for none).
MIXPREC_OPS_TEMPLATE(detail::tensor_like X, detail::tensor_like G, detail::tensor_like B)
auto layer_norm(const X& x, const G& gamma, const B& beta, double eps = 1e-5, execution e = {}) {
  using Be = detail::op_backend_t<Backend, X>;
  using P = precision_for<Policy, ops::layer_norm, Pass>;
  using S = typename P::storage;
  using D = detail::tensor_device_t<X>;
  const shape xs = detail::as_const_view(x).shape();
  const std::int64_t cols = xs.cols();
  const auto check_param = [&](const auto& p, const char* what) {
    const auto pv = detail::as_const_view(p);
    if (pv.size() != 0 && !(pv.rank() == 1 && pv.shape()[0] == cols)) {
      detail::throw_shape_mismatch("layer_norm", xs, pv.shape(),
                                   std::string(what) +
                                       " must be empty or one row of x's last "
                                       "extent");
    }
  };
  check_param(gamma, "gamma");
  check_param(beta, "beta");
  tensor<S, D> held, held_g, held_b;
  const auto v = detail::operand_as<Be, S>(x, held, detail::part_of(e, detail::operand_part));
  const auto g =
      detail::operand_as<Be, S>(gamma, held_g, detail::part_of(e, detail::operand_part + 1));
  const auto b =
      detail::operand_as<Be, S>(beta, held_b, detail::part_of(e, detail::operand_part + 2));
  auto out = detail::uninitialized_on<typename P::output>(v.shape(), v.device());
  Be::template layer_norm<P>(v.shape().rows(), cols, v.data(), g.size() != 0 ? g.data() : nullptr,
                             b.size() != 0 ? b.data() : nullptr, eps, out.data(),
                             static_cast<typename P::compute*>(nullptr),
                             static_cast<typename P::compute*>(nullptr), e);
  return out;
}

/// Mean cross-entropy of logits [rows, classes] (any rank; the last axis is the classes) and
/// one label per row (host memory): a tensor of rank 0.
MIXPREC_OPS_TEMPLATE(detail::tensor_like X)
auto cross_entropy(const X& logits, std::span<const std::int64_t> labels, execution e = {}) {
  using Be = detail::op_backend_t<Backend, X>;
  const shape ls = detail::as_const_view(logits).shape();
  if (static_cast<std::int64_t>(labels.size()) != ls.rows()) {
    detail::throw_error("cross_entropy", "logits of shape " + ls.to_string() + " have " +
                                             std::to_string(ls.rows()) + " rows but there are " +
                                             std::to_string(labels.size()) + " labels");
  }
  const auto v = detail::as_const_view(logits);
  const auto device_labels = Be::upload(v.device(), labels);
  return detail::cross_entropy_op<Be, Policy, Pass>(v, device_labels.data(), e);
}

/// Mean squared error of two tensors of one shape: a tensor of rank 0.
MIXPREC_OPS_TEMPLATE(detail::tensor_like A, detail::tensor_like B)
auto mse(const A& a, const B& b, execution e = {}) {
  using Be = detail::op_backend_t<Backend, A>;
  using P = precision_for<Policy, ops::mse, Pass>;
  using S = typename P::storage;
  using D = detail::tensor_device_t<A>;
  const auto va0 = detail::as_const_view(a);
  const auto vb0 = detail::as_const_view(b);
  detail::check_same_device("mse", va0, vb0);
  detail::check_same_shape("mse", va0.shape(), vb0.shape());
  tensor<S, D> held_a, held_b;
  const auto va = detail::operand_as<Be, S>(va0, held_a, detail::part_of(e, detail::operand_part));
  const auto vb =
      detail::operand_as<Be, S>(vb0, held_b, detail::part_of(e, detail::operand_part + 1));
  auto out = detail::uninitialized_on<typename P::output>(shape{}, va.device());
  Be::template mse<P>(va.size(), va.data(), vb.data(), out.data(), e);
  return out;
}

#undef MIXPREC_OPS_TEMPLATE

}  // namespace mixprec
