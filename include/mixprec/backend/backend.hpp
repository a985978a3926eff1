#pragma once
/// \file backend/backend.hpp
/// The seam between the device-neutral layers (the ops on tensors, the tape and its rules) and
/// the code that touches element memory: the `backend` concept. A backend is a type with static
/// members only; everything that reads or writes the elements of a tensor goes through them, so
/// a new device (CUDA) is one more type that models this concept, and the ops, the tape and the
/// rules run on it unchanged.
///
/// Every kernel member runs in a precision `P` (precision<S, C, A, O>) with the semantics the
/// reference loops define (backend/numeric.hpp, docs/policies.md), reads its inputs and writes
/// its outputs through pointers into the device's memory, and takes an `execution` last (threads
/// on the CPU; the stochastic key of its roundings on every device). Shapes are passed as
/// extents; the caller (ops/tensor_ops.hpp) has checked them.
///
/// The members (all static; P a precision, Op an op tag, e an execution):
///
/// - `device_type`: where its tensors live (cpu_device, ...).
/// - `gemm<P>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, e)`: c = alpha op(a) op(b) +
///   beta c.
/// - `binary<P, Op>(rows, cols, a, b, broadcast, y, e)`: y = a op b (add, sub, mul, div).
/// - `binary_scalar<P, Op>(n, x, s, y, e)`: y = x op s, s a double rounded into C.
/// - `unary<P, Op>(n, x, y, e)`: y = op(x) (neg, relu, exp, log, tanh, sigmoid, gelu).
/// - `reduce<P, Op>(outer, length, inner, x, y, e)`: y[o][i] = sum or mean over l of x[o][l][i].
/// - `expand(outer, length, inner, x, y, e)`: y[o][l][i] = x[o][i], the adjoint of a sum.
/// - `softmax<P, Log>(rows, cols, x, y, e)`: softmax or log_softmax of each row.
/// - `layer_norm<P>(rows, cols, x, gamma, beta, eps, y, mean, rstd, e)`: layer normalisation
///   (gamma, beta, mean, rstd may be null).
/// - `cross_entropy<P>(rows, classes, logits, labels, loss, e)`: the mean cross-entropy, into
///   loss[0].
/// - `mse<P>(n, a, b, loss, e)`: the mean squared error, into loss[0].
/// - `unary_backward<P, Op>(n, x, y, dy, dx, e)`: dx of a unary op (x, y null when not read).
/// - `softmax_backward<P, Log>(rows, cols, y, dy, dx, e)`: dx of softmax or log_softmax.
/// - `cross_entropy_backward<P>(rows, classes, logits, labels, dloss, dx, e)`: dlogits (dloss
///   points at one element in device memory).
/// - `mse_backward<P>(n, a, b, dloss, da, db, e)`: da and, when db is not null, db = -da.
/// - `layer_norm_backward<P>(rows, cols, x, gamma, mean, rstd, dy, dx, dgamma, dbeta, e)`.
/// - `embedding<P>(n, idx, vocab, dim, table, out, e)`: rows idx[i] of table.
/// - `embedding_backward<P>(n, idx, vocab, dim, dout, dtable, e)`: dtable[idx[i]] += dout[i].
/// - `dropout<P>(n, x, p, seed, counter0, y, e)`: inverted dropout, the mask from
///   (seed, counter0 + i); `dropout_backward<P>(n, seed, counter0, dy, p, dx, e)`.
/// - `transpose_2d(rows, cols, x, y, e)`: y = xᵀ, each element rounded into y's type.
/// - `convert(n, x, y, e)`: y[i] = x[i] rounded once into y's type.
/// - `convert_scaled(n, x, scale, y, e)`: y[i] = x[i] · scale (exact in double), rounded once.
/// - `amax(device, n, x)`: the largest |x[i]|, as a double on the host (NaN or Inf if one is).
/// - `fill(n, value, y)`, `copy(n, x, y)`: data movement within the device.
/// - `read(device, p)`: one element of device memory, on the host.
/// - `upload(device, host_span)`: a device_array with a copy of host values (labels, indices).
/// - `backward_reads_x<Op>`, `backward_reads_y<Op>`: which forward values unary_backward reads.
///
/// backend/cpu/backend.hpp (`cpu_backend`: reference loops and fast paths) and
/// backend/reference/backend.hpp (`reference_backend`: reference loops only) model it.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include "mixprec/backend/vocabulary.hpp"
#include "mixprec/policy/ops.hpp"
#include "mixprec/policy/precision.hpp"
#include "mixprec/tensor/device.hpp"

namespace mixprec {

/// An owning array of `n` trivially copyable values of T in a device's memory (labels and
/// indices a kernel reads; tensors hold the numbers). Allocated and freed through the device.
template <class T, device Device>
class device_array {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  device_array() requires std::default_initializable<Device>
  = default;
  device_array(const Device& d, std::size_t n) : device_(d), n_(n) {
    if (n != 0) data_ = static_cast<T*>(device_.allocate(n * sizeof(T), alignof(T)));
  }
  device_array(const device_array&) = delete;
  device_array& operator=(const device_array&) = delete;
  device_array(device_array&& o) noexcept
      : device_(o.device_), data_(std::exchange(o.data_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  device_array& operator=(device_array&& o) noexcept {
    if (this != &o) {
      release();
      device_ = o.device_;
      data_ = std::exchange(o.data_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  ~device_array() { release(); }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return n_; }
  const Device& device() const noexcept { return device_; }

 private:
  void release() noexcept {
    if (data_ != nullptr) device_.deallocate(data_, n_ * sizeof(T), alignof(T));
    data_ = nullptr;
    n_ = 0;
  }

  [[no_unique_address]] Device device_;
  T* data_ = nullptr;
  std::size_t n_ = 0;
};

/// The backend concept: the members listed in the file comment, checked for fp32 arguments.
template <class B>
concept backend = requires(const typename B::device_type& d, const float* x, float* y,
                           const std::int64_t* idx, std::int64_t n, double s, execution e,
                           std::span<const std::int64_t> host) {
  requires device<typename B::device_type>;
  B::template gemm<precision<float>>(transpose::no, transpose::no, n, n, n, s, x, n, x, n, s, y, n,
                                     e);
  B::template binary<precision<float>, ops::add>(n, n, x, x, broadcast::none, y, e);
  B::template binary_scalar<precision<float>, ops::mul>(n, x, s, y, e);
  B::template unary<precision<float>, ops::exp>(n, x, y, e);
  B::template reduce<precision<float>, ops::sum>(n, n, n, x, y, e);
  B::expand(n, n, n, x, y, e);
  B::template softmax<precision<float>, false>(n, n, x, y, e);
  B::template layer_norm<precision<float>>(n, n, x, x, x, s, y, y, y, e);
  B::template cross_entropy<precision<float>>(n, n, x, idx, y, e);
  B::template mse<precision<float>>(n, x, x, y, e);
  B::template unary_backward<precision<float>, ops::tanh>(n, x, x, x, y, e);
  B::template softmax_backward<precision<float>, true>(n, n, x, x, y, e);
  B::template cross_entropy_backward<precision<float>>(n, n, x, idx, x, y, e);
  B::template mse_backward<precision<float>>(n, x, x, x, y, y, e);
  B::template layer_norm_backward<precision<float>>(n, n, x, x, x, x, x, y, y, y, e);
  B::template embedding<precision<float>>(n, idx, n, n, x, y, e);
  B::template embedding_backward<precision<float>>(n, idx, n, n, x, y, e);
  B::template dropout<precision<float>>(n, x, s, std::uint64_t{0}, std::uint64_t{0}, y, e);
  B::template dropout_backward<precision<float>>(n, std::uint64_t{0}, std::uint64_t{0}, x, s, y, e);
  B::transpose_2d(n, n, x, y, e);
  B::convert(n, x, y, e);
  B::convert_scaled(n, x, s, y, e);
  { B::amax(d, n, x) } -> std::same_as<double>;
  B::fill(n, 1.0f, y);
  B::copy(n, x, y);
  { B::read(d, x) } -> std::same_as<float>;
  { B::upload(d, host) } -> std::same_as<device_array<std::int64_t, typename B::device_type>>;
  { B::template backward_reads_x<ops::tanh> } -> std::convertible_to<bool>;
  { B::template backward_reads_y<ops::tanh> } -> std::convertible_to<bool>;
};

/// The backend the ops on tensors use for tensors on `Device` when none is named: specialised
/// by each backend header for its device (backend/cpu/backend.hpp for cpu_device).
template <class Device>
struct default_backend;

/// Names "the default backend of the operands' device" in the ops' template arguments.
struct automatic_backend {};

namespace detail {
template <class Backend, class Device>
struct resolve_backend {
  using type = Backend;
};
template <class Device>
struct resolve_backend<automatic_backend, Device> {
  using type = typename default_backend<Device>::type;
};
}  // namespace detail

/// `Backend`, or the default backend of `Device` when Backend is automatic_backend.
template <class Backend, class Device>
using backend_for_t = typename detail::resolve_backend<Backend, Device>::type;

}  // namespace mixprec
