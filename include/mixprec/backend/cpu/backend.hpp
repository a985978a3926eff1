#pragma once
/// \file backend/cpu/backend.hpp
/// `cpu_backend`: the backend (backend/backend.hpp) of tensors in host memory. Each member runs
/// the CPU kernel of its op: the fast path where one exists for the precision, the reference
/// loop otherwise. backend/reference/backend.hpp has the same members running the reference
/// loops only; both are made from `detail::cpu_kernels` below, so they differ in nothing but the
/// choice of loop.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>

#include "mixprec/backend/backend.hpp"
#include "mixprec/backend/cpu/backward.hpp"
#include "mixprec/backend/cpu/dropout.hpp"
#include "mixprec/backend/cpu/elementwise.hpp"
#include "mixprec/backend/cpu/gather.hpp"
#include "mixprec/backend/cpu/gemm.hpp"
#include "mixprec/backend/cpu/kernel_support.hpp"
#include "mixprec/backend/cpu/loss.hpp"
#include "mixprec/backend/cpu/norm.hpp"
#include "mixprec/backend/cpu/reduce.hpp"
#include "mixprec/backend/cpu/softmax.hpp"
#include "mixprec/backend/cpu/transpose.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/error.hpp"
#include "mixprec/format/bulk.hpp"
#include "mixprec/format/stochastic.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace mixprec {

namespace detail {

/// The members of cpu_backend (Reference false: fast paths where they exist) and of
/// reference_backend (Reference true: the reference loops only). Device is the device whose
/// memory the kernels read through plain host pointers: cpu_device, or (in the tests) a device
/// that is host memory but does not say so, to check that the tape and the ops never read
/// elements except through the backend.
template <bool Reference, device Device = cpu_device>
struct cpu_kernels {
  using device_type = Device;

  // Kernels in a precision P ------------------------------------------------------------------

  template <precision_type P, class TA, class TB, class TC>
  static void gemm(transpose ta, transpose tb, std::int64_t m, std::int64_t n, std::int64_t k,
                   double alpha, const TA* a, std::int64_t lda, const TB* b, std::int64_t ldb,
                   double beta, TC* c, std::int64_t ldc, execution e) {
    if constexpr (Reference) {
      cpu::gemm_reference<P>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, e);
    } else {
      cpu::gemm<P>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, e);
    }
  }

  template <precision_type P, class Op, class InA, class InB, class Out>
  static void binary(std::int64_t rows, std::int64_t cols, const InA* a, const InB* b, broadcast bb,
                     Out* y, execution e) {
    if constexpr (Reference) {
      cpu::binary_reference<P, Op>(rows, cols, a, b, bb, y, e);
    } else {
      cpu::binary<P, Op>(rows, cols, a, b, bb, y, e);
    }
  }

  template <precision_type P, class Op, class In, class Out>
  static void binary_scalar(std::int64_t n, const In* x, double s, Out* y, execution e) {
    if constexpr (Reference) {
      cpu::binary_scalar_reference<P, Op>(n, x, s, y, e);
    } else {
      cpu::binary_scalar<P, Op>(n, x, s, y, e);
    }
  }

  template <precision_type P, class Op, class In, class Out>
  static void unary(std::int64_t n, const In* x, Out* y, execution e) {
    if constexpr (Reference) {
      cpu::unary_reference<P, Op>(n, x, y, e);
    } else {
      cpu::unary<P, Op>(n, x, y, e);
    }
  }

  template <precision_type P, class Op, class In, class Out>
  static void reduce(std::int64_t outer, std::int64_t length, std::int64_t inner, const In* x,
                     Out* y, execution e) {
    if constexpr (Reference) {
      cpu::reduce_reference<P, Op>(outer, length, inner, x, y, e);
    } else {
      cpu::reduce<P, Op>(outer, length, inner, x, y, e);
    }
  }

  /// y[o][l][i] = x[o][i] rounded into Out (data movement and one rounding, no arithmetic).
  template <class In, class Out>
  static void expand(std::int64_t outer, std::int64_t length, std::int64_t inner, const In* x,
                     Out* y, execution e) {
    if constexpr (!converts_exactly_v<In, Out>) cpu::detail::require_key_for<Out>("expand", e);
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t l = 0; l < length; ++l) {
        const std::int64_t row = o * length + l;
        for (std::int64_t i = 0; i < inner; ++i) {
          y[row * inner + i] =
              round_to<Out>(x[o * inner + i], e.key, static_cast<std::uint64_t>(row * inner + i));
        }
      }
    }
  }

  template <precision_type P, bool Log, class In, class Out>
  static void softmax(std::int64_t rows, std::int64_t cols, const In* x, Out* y, execution e) {
    if constexpr (Reference && Log) {
      cpu::log_softmax_reference<P>(rows, cols, x, y, e);
    } else if constexpr (Reference) {
      cpu::softmax_reference<P>(rows, cols, x, y, e);
    } else if constexpr (Log) {
      cpu::log_softmax<P>(rows, cols, x, y, e);
    } else {
      cpu::softmax<P>(rows, cols, x, y, e);
    }
  }

  template <precision_type P, class In, class W, class Out, class Stat>
  static void layer_norm(std::int64_t rows, std::int64_t cols, const In* x, const W* gamma,
                         const W* beta, double eps, Out* y, Stat* mean, Stat* rstd, execution e) {
    if constexpr (Reference) {
      cpu::layer_norm_reference<P, In, Out, W, Stat>(rows, cols, x, gamma, beta, eps, y, mean, rstd,
                                                     e);
    } else {
      cpu::layer_norm<P, In, Out, W, Stat>(rows, cols, x, gamma, beta, eps, y, mean, rstd, e);
    }
  }

  template <precision_type P, class In, class Out>
  static void cross_entropy(std::int64_t rows, std::int64_t classes, const In* logits,
                            const std::int64_t* labels, Out* loss, execution e) {
    if constexpr (Reference) {
      loss[0] = cpu::cross_entropy_reference<P, Out>(rows, classes, logits, labels, nullptr, e);
    } else {
      loss[0] = cpu::cross_entropy<P, Out>(rows, classes, logits, labels, nullptr, e);
    }
  }

  template <precision_type P, class InA, class InB, class Out>
  static void mse(std::int64_t n, const InA* a, const InB* b, Out* loss, execution e) {
    if constexpr (Reference) {
      loss[0] = cpu::mse_reference<P, Out>(n, a, b, e);
    } else {
      loss[0] = cpu::mse<P, Out>(n, a, b, e);
    }
  }

  // Backward kernels --------------------------------------------------------------------------

  /// Whether unary_backward<P, Op> reads the forward input x and the forward output y.
  template <class Op>
  static constexpr bool backward_reads_x = cpu::detail::backward_reads_x_v<Op>;
  template <class Op>
  static constexpr bool backward_reads_y = cpu::detail::backward_reads_y_v<Op>;

  template <precision_type P, class Op, class X, class Y, class G, class Out>
  static void unary_backward(std::int64_t n, const X* x, const Y* y, const G* dy, Out* dx,
                             execution e) {
    if constexpr (Reference) {
      cpu::unary_backward_reference<P, Op>(n, x, y, dy, dx, e);
    } else {
      cpu::unary_backward<P, Op>(n, x, y, dy, dx, e);
    }
  }

  template <precision_type P, bool Log, class Y, class G, class Out>
  static void softmax_backward(std::int64_t rows, std::int64_t cols, const Y* y, const G* dy,
                               Out* dx, execution e) {
    if constexpr (Reference && Log) {
      cpu::log_softmax_backward_reference<P>(rows, cols, y, dy, dx, e);
    } else if constexpr (Reference) {
      cpu::softmax_backward_reference<P>(rows, cols, y, dy, dx, e);
    } else if constexpr (Log) {
      cpu::log_softmax_backward<P>(rows, cols, y, dy, dx, e);
    } else {
      cpu::softmax_backward<P>(rows, cols, y, dy, dx, e);
    }
  }

  template <precision_type P, class In, class D, class Out>
  static void cross_entropy_backward(std::int64_t rows, std::int64_t classes, const In* logits,
                                     const std::int64_t* labels, const D* dloss, Out* dlogits,
                                     execution e) {
    if constexpr (Reference) {
      cpu::cross_entropy_backward_reference<P>(rows, classes, logits, labels, dloss[0], dlogits, e);
    } else {
      cpu::cross_entropy_backward<P>(rows, classes, logits, labels, dloss[0], dlogits, e);
    }
  }

  template <precision_type P, class InA, class InB, class D, class OutA, class OutB>
  static void mse_backward(std::int64_t n, const InA* a, const InB* b, const D* dloss, OutA* da,
                           OutB* db, execution e) {
    if constexpr (Reference) {
      cpu::mse_backward_reference<P, InA, InB, D, OutA, OutB>(n, a, b, dloss[0], da, db, e);
    } else {
      cpu::mse_backward<P, InA, InB, D, OutA, OutB>(n, a, b, dloss[0], da, db, e);
    }
  }

  template <precision_type P, class X, class W, class Stat, class G, class Out, class WG>
  static void layer_norm_backward(std::int64_t rows, std::int64_t cols, const X* x, const W* gamma,
                                  const Stat* mean, const Stat* rstd, const G* dy, Out* dx,
                                  WG* dgamma, WG* dbeta, execution e) {
    if constexpr (Reference) {
      cpu::layer_norm_backward_reference<P, X, G, Out, W, Stat, WG>(rows, cols, x, gamma, mean,
                                                                    rstd, dy, dx, dgamma, dbeta, e);
    } else {
      cpu::layer_norm_backward<P, X, G, Out, W, Stat, WG>(rows, cols, x, gamma, mean, rstd, dy, dx,
                                                          dgamma, dbeta, e);
    }
  }

  // Gathers, dropout, transposes --------------------------------------------------------------

  /// Rows idx[i] of table (vocab x dim), rounded into Out: out is n x dim.
  template <precision_type P, class T, class Out>
  static void embedding(std::int64_t n, const std::int64_t* idx, std::int64_t vocab,
                        std::int64_t dim, const T* table, Out* out, execution e) {
    if constexpr (Reference) {
      cpu::embedding_reference(n, idx, vocab, dim, table, out, e);
    } else {
      cpu::embedding(n, idx, vocab, dim, table, out, e);
    }
  }

  /// dtable[idx[i]] += dout[i], accumulated in P.
  template <precision_type P, class G, class T>
  static void embedding_backward(std::int64_t n, const std::int64_t* idx, std::int64_t vocab,
                                 std::int64_t dim, const G* dout, T* dtable, execution e) {
    if constexpr (Reference) {
      cpu::embedding_backward_reference<P>(n, idx, vocab, dim, dout, dtable, e);
    } else {
      cpu::embedding_backward<P>(n, idx, vocab, dim, dout, dtable, e);
    }
  }

  /// Inverted dropout in P, element i kept by the random bits of (seed, counter0 + i).
  template <precision_type P, class In, class Out>
  static void dropout(std::int64_t n, const In* x, double p, std::uint64_t seed,
                      std::uint64_t counter0, Out* y, execution e) {
    if constexpr (Reference) {
      cpu::dropout_reference<P>(n, x, p, seed, counter0, y, nullptr, e);
    } else {
      cpu::dropout<P>(n, x, p, seed, counter0, y, nullptr, e);
    }
  }

  /// dx of dropout, the mask drawn again from (seed, counter0), in P.
  template <precision_type P, class G, class Out>
  static void dropout_backward(std::int64_t n, std::uint64_t seed, std::uint64_t counter0,
                               const G* dy, double p, Out* dx, execution e) {
    if constexpr (Reference) {
      cpu::dropout_backward_reference<P>(n, seed, counter0, dy, p, dx, e);
    } else {
      cpu::dropout_backward<P>(n, seed, counter0, dy, p, dx, e);
    }
  }

  /// y (cols x rows) = the transpose of x (rows x cols), each element rounded into Out.
  template <class In, class Out>
  static void transpose_2d(std::int64_t rows, std::int64_t cols, const In* x, Out* y, execution e) {
    if constexpr (Reference) {
      cpu::transpose_2d_reference(rows, cols, x, y, e);
    } else {
      cpu::transpose_2d(rows, cols, x, y, e);
    }
  }

  // Conversions and data movement -------------------------------------------------------------

  /// y[i] = x[i] rounded once into Out (a stochastic Out draws e.key.bits(i)).
  template <class In, class Out>
  static void convert(std::int64_t n, const In* x, Out* y, execution e) {
    cpu::detail::require_key_for<Out>("convert", e);
    if constexpr (rounds_stochastically_v<Out> || Reference) {
      for (std::int64_t i = 0; i < n; ++i) {
        y[i] = round_to<Out>(x[i], e.key, static_cast<std::uint64_t>(i));
      }
    } else if (n > 0) {
      mixprec::convert(std::span<const In>(x, static_cast<std::size_t>(n)),
                       std::span<Out>(y, static_cast<std::size_t>(n)));
    }
  }

  /// y[i] = x[i] · scale, computed exactly in double (scale a power of two), rounded once.
  template <class In, class Out>
  static void convert_scaled(std::int64_t n, const In* x, double scale, Out* y, execution e) {
    cpu::detail::require_key_for<Out>("convert_scaled", e);
    for (std::int64_t i = 0; i < n; ++i) {
      y[i] = round_to<Out>(static_cast<double>(x[i]) * scale, e.key, static_cast<std::uint64_t>(i));
    }
  }

  /// The largest magnitude of x[0..n) (0 for n = 0), or NaN or Inf as soon as one is found.
  template <class T>
  static double amax(const device_type&, std::int64_t n, const T* x) {
    double m = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double d = std::fabs(static_cast<double>(x[i]));
      if (!std::isfinite(d)) return d;
      m = d > m ? d : m;
    }
    return m;
  }

  template <class T>
  static void fill(std::int64_t n, T value, T* y) {
    std::fill_n(y, n, value);
  }

  template <class T>
  static void copy(std::int64_t n, const T* x, T* y) {
    if (n > 0) std::memcpy(y, x, static_cast<std::size_t>(n) * sizeof(T));
  }

  template <class T>
  static T read(const device_type&, const T* p) {
    return *p;
  }

  template <class T>
  static device_array<T, device_type> upload(const device_type& d, std::span<const T> host) {
    device_array<T, device_type> a(d, host.size());
    if (!host.empty()) std::memcpy(a.data(), host.data(), host.size() * sizeof(T));
    return a;
  }
};

}  // namespace detail

/// The CPU backend: the fast path of each kernel where one exists for the precision (blocked
/// AVX-512/AVX2 GEMM, fp32 pointwise and reduction loops), its reference loop otherwise.
struct cpu_backend : detail::cpu_kernels<false> {};

template <>
struct default_backend<cpu_device> {
  using type = cpu_backend;
};

static_assert(backend<cpu_backend>);

}  // namespace mixprec
