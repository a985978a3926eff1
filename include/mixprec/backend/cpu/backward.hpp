#pragma once
/// \file backend/cpu/backward.hpp
/// Backward (vector-Jacobian) kernels of the forward ops of elementwise.hpp, reduce.hpp,
/// softmax.hpp, loss.hpp and norm.hpp: given the upstream gradient `dy` of an op's output, they
/// compute the gradient `dx` of its input. `P` is the precision of the backward pass of the op
/// (`precision_for<Policy, Op, pass::backward_data>` or `backward_weight`).
///
/// Reference semantics, for `precision<S, C, A>`, as in the forward kernels:
///  - every input element (x, y, dy, statistics, gamma, a scalar dloss) is read with round_to<C>;
///  - every arithmetic result is rounded once into C, in the order the formulas below are
///    written (a product that feeds a sum or a difference is rounded before it);
///  - every sum starts from A(+0), adds its terms in index order (row order for sums over rows)
///    and rounds each partial sum into A (`accumulate<A>`); a sum is brought back with
///    round_to<C> before it takes part in arithmetic of C;
///  - a function (exp, the derivative of gelu) is evaluated in double on the C value and rounded
///    once into C (`apply_rounded<C>`);
///  - every result is stored once with round_to<Out>.
///
/// The formulas, in that order of operations (1 = round_to<C>(1), n the length of a mean):
///  - unary_backward, per element:
///      neg:     dx = -dy
///      relu:    dx = x <= 0 ? +0 : dy  (the forward's branch: a NaN x passes dy, as PyTorch)
///      exp:     dx = dy * y
///      log:     dx = dy / x
///      tanh:    dx = dy * (1 - y * y)
///      sigmoid: dx = dy * (y * (1 - y))
///      gelu:    dx = dy * g'(x), g'(x) = Phi(x) + x phi(x) in double, rounded once into C
///               (g'(+inf) = 1, g'(-inf) = 0)
///  - sum_rows: db[j] = sum_i dy[i][j] (row order): the gradient of a row-broadcast operand;
///    it is `reduce<P, ops::sum>(1, rows, cols, dy, db)`.
///  - softmax_backward, per row: s = sum_j y_j * dy_j; dx_i = y_i * (dy_i - round_to<C>(s)).
///  - log_softmax_backward, per row (y the log-softmax output): s = sum_j dy_j;
///    dx_i = dy_i - exp(y_i) * round_to<C>(s).
///  - cross_entropy_backward (the gradient of the mean cross-entropy of loss.hpp): once,
///    g = dloss / round_to<C>(rows); per row, as the forward softmax: m = max_i x_i,
///    e_i = exp(x_i - m), s = sum_i e_i, p_i = e_i / round_to<C>(s); then
///    dlogits_i = (p_i - 1) * g at the label and p_i * g elsewhere.
///  - mse_backward (the gradient of the mean squared error): once, k = (2 * dloss) / round_to<C>(n)
///    (2 * dloss is exact unless it overflows); da_i = (a_i - b_i) * k; db_i = -da_i (the negation
///    of the C value, exact).
///  - layer_norm_backward, per row, with the forward's mean and rstd (as stored):
///      xhat_i = (x_i - mean) * rstd; dxhat_i = dy_i * gamma_i (dy_i without gamma);
///      m1 = round_to<C>(sum_i dxhat_i) / n; m2 = round_to<C>(sum_i dxhat_i * xhat_i) / n;
///      dx_i = ((dxhat_i - m1) - xhat_i * m2) * rstd;
///    and over the rows: dgamma_j = sum_r dy_rj * xhat_rj, dbeta_j = sum_r dy_rj (row order),
///    stored with round_to<WG>. dgamma and dbeta are overwritten, not added to.
///
/// The fast entry points (where C and A are IEEE binary32, `float_fast_path_v`) convert rows or
/// tiles to float with the bulk converter, run the same steps in float in the same order, store
/// with the bulk converter, and split rows (or tiles, or column strips) over OpenMP threads.
/// Nothing is reordered, so they give the reference's bits (NaN payloads aside) whatever the
/// thread count (sum_rows with cols == 1 is the exception: see reduce.hpp for its bound). For
/// any other precision they call the reference.
///
/// Stochastic rounding: site s of a call draws from `e.key.derive(s)`; i is the flat index of the
/// element (r * cols + c in a rows x cols array), r the row; a sum's term has the index of the
/// element it adds (over the rows: j * rows + r for column j). A precision or result type that
/// rounds stochastically needs `e.has_key` (else mixprec::error before anything is written).
///  - unary_backward: 0 dx; 2 x, 3 y, 4 dy read into C; 5, 6, 7 the intermediate results in
///    the order of the formulas (exp: 5 dy*y; log: 5 dy/x; tanh: 5 y*y, 6 1-y*y, 7 the product;
///    sigmoid: 5 1-y, 6 y*(1-y), 7 the product; gelu: 5 g'(x), 6 the product); all at i.
///  - sum_rows: reduce's sites (reduce.hpp).
///  - softmax_backward: 0 dx; 1 s; 2 y, 3 dy read; 5 y_j*dy_j; 6 round_to<C>(s) (r);
///    7 dy_i - C(s); 8 the product.
///  - log_softmax_backward: 0 dx; 1 s; 2 y, 3 dy read; 5 round_to<C>(s) (r); 6 exp(y_i);
///    7 exp(y_i)*C(s); 8 the difference.
///  - cross_entropy_backward: 0 dlogits; 1 s (row r); 2 logits read; 3 dloss read (0); 5 the
///    count (0); 6 g (0); 7 x_i - m; 8 e_i; 9 round_to<C>(s) (r); 10 p_i; 11 p_i - 1 at the
///    label; 12 the product with g.
///  - mse_backward: 0 da; 2 a, 3 b read; 4 dloss read (0); 5 2*dloss (0); 6 the count (0);
///    7 k (0); 8 a_i - b_i; 9 (a_i - b_i)*k; 10 db.
///  - layer_norm_backward: 0 dx; 1 the sum of dxhat (row r); 2 x, 3 gamma (index c), 4 mean (r),
///    5 rstd (r), 6 dy read; 7 the sum of dxhat*xhat; 8 dgamma's and 9 dbeta's sums over the
///    rows; 10 dgamma (c); 11 dbeta (c); 12 x_i - mean; 13 xhat_i; 14 dxhat_i; 15 the count (0);
///    16 round_to<C>(s1) (r); 17 m1 (r); 18 round_to<C>(s2) (r); 19 m2 (r); 20 dxhat_i - m1;
///    21 xhat_i*m2; 22 their difference; 23 the product with rstd; 24 dy_i*xhat_i (dgamma);
///    25 dxhat_i*xhat_i.
///
/// `dx` may be `dy` itself (same element type) for unary_backward, softmax_backward,
/// log_softmax_backward and mse_backward (`da` may be `a`); no other overlap. An input an op does
/// not read may be a null pointer (of any element type). Bad arguments throw `mixprec::error`
/// naming the op before anything is written.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string>
#include <type_traits>
#include <vector>

#include "mixprec/backend/cpu/elementwise.hpp"
#include "mixprec/backend/cpu/kernel_support.hpp"
#include "mixprec/backend/cpu/parallel.hpp"
#include "mixprec/backend/cpu/reduce.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/policy/ops.hpp"
#include "mixprec/policy/precision.hpp"

namespace mixprec::cpu {

namespace detail {

/// d/dx of x Phi(x): Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi); 1 at +inf, 0 at -inf.
struct gelu_derivative_fn {
  double operator()(double x) const noexcept {
    if (std::isinf(x)) return x > 0 ? 1.0 : 0.0;
    const double cdf = 0.5 * std::erfc(-x / std::numbers::sqrt2);
    const double pdf =
        std::exp(-0.5 * x * x) * (0.5 * std::numbers::sqrt2 * std::numbers::inv_sqrtpi);
    return cdf + x * pdf;
  }
};

/// True for the ops whose backward reads the forward input x.
template <class Op>
inline constexpr bool backward_reads_x_v =
    std::is_same_v<Op, ops::relu> || std::is_same_v<Op, ops::log> || std::is_same_v<Op, ops::gelu>;

/// True for the ops whose backward reads the forward output y.
template <class Op>
inline constexpr bool backward_reads_y_v =
    std::is_same_v<Op, ops::exp> || std::is_same_v<Op, ops::tanh> ||
    std::is_same_v<Op, ops::sigmoid>;

/// dx of one element of a unary op, in C, by the formulas above; intermediate results draw
/// from k[5], k[6], k[7] at `index` when C rounds stochastically (`k` points to the call's site
/// keys, or is null for a C that does not round stochastically).
template <class Op, scalar_type C>
C unary_backward_in(C x, C y, C dy, const stochastic_key* k = nullptr, std::uint64_t index = 0) {
  static constexpr stochastic_key none[8] = {};
  const stochastic_key* const key = k != nullptr ? k : none;
  if constexpr (std::is_same_v<Op, ops::neg>) {
    return -dy;
  } else if constexpr (std::is_same_v<Op, ops::relu>) {
    const C zero = exact_in<C>(0.0);
    return x <= zero ? zero : dy;
  } else if constexpr (std::is_same_v<Op, ops::exp>) {
    return product_of(dy, y, key[5], index);
  } else if constexpr (std::is_same_v<Op, ops::log>) {
    return div_rounded(dy, x, key[5], index);
  } else if constexpr (std::is_same_v<Op, ops::tanh>) {
    const C sq = mul_rounded(y, y, key[5], index);
    return product_of(dy, sub_rounded(exact_in<C>(1.0), sq, key[6], index), key[7], index);
  } else if constexpr (std::is_same_v<Op, ops::sigmoid>) {
    const C d = product_of(y, sub_rounded(exact_in<C>(1.0), y, key[5], index), key[6], index);
    return product_of(dy, d, key[7], index);
  } else {
    static_assert(std::is_same_v<Op, ops::gelu>);
    return product_of(dy, apply_rounded<C>(gelu_derivative_fn{}, x, key[5], index), key[6], index);
  }
}

template <class Op>
void check_unary_backward(std::int64_t n, const void* x, const void* y, const void* dy,
                          const void* dx) {
  const char* op = "cpu::unary_backward";
  check_size(op, "n", n);
  if constexpr (backward_reads_x_v<Op>) check_pointer(op, "x", x, n);
  if constexpr (backward_reads_y_v<Op>) check_pointer(op, "y", y, n);
  check_pointer(op, "dy", dy, n);
  check_pointer(op, "dx", dx, n);
}

/// rows * cols, after checking both sizes and the pointers of rows x cols arrays.
inline std::int64_t check_rows_backward(const char* op, std::int64_t rows, std::int64_t cols,
                                        const char* in_name, const void* in, const void* dy,
                                        const void* dx) {
  check_size(op, "rows", rows);
  check_size(op, "cols", cols);
  const std::int64_t n = checked_product(op, rows, cols);
  check_pointer(op, in_name, in, n);
  check_pointer(op, "dy", dy, n);
  check_pointer(op, "dx", dx, n);
  return n;
}

/// The site keys of a row helper that the fast paths call with float (no key is used).
inline constexpr stochastic_key no_keys[32] = {};

/// One row of softmax_backward (C, A the types of the rules): row r, whose first element has the
/// flat index `base`; `k` the call's site keys (see softmax_backward_reference).
template <scalar_type C, scalar_type A, scalar_type Y, scalar_type G, scalar_type Out>
void softmax_backward_row(std::int64_t cols, const Y* y, const G* dy, Out* dx,
                          const stochastic_key* k = no_keys, std::int64_t r = 0,
                          std::int64_t base = 0) {
  auto yc = [&](std::int64_t i) { return round_to<C>(y[i], k[2], ix(base + i)); };
  auto gc = [&](std::int64_t i) { return round_to<C>(dy[i], k[3], ix(base + i)); };
  A s = exact_in<A>(0.0);
  for (std::int64_t j = 0; j < cols; ++j) {
    const std::uint64_t at = ix(base + j);
    s = accumulate<A>(s, mul_rounded(yc(j), gc(j), k[5], at), k[1], at);
  }
  const C sc = round_to<C>(s, k[6], ix(r));
  for (std::int64_t i = 0; i < cols; ++i) {
    const std::uint64_t at = ix(base + i);
    const C t = sub_rounded(gc(i), sc, k[7], at);
    dx[i] = round_to<Out>(product_of(yc(i), t, k[8], at), k[0], at);
  }
}

/// One row of log_softmax_backward (arguments as softmax_backward_row).
template <scalar_type C, scalar_type A, scalar_type Y, scalar_type G, scalar_type Out>
void log_softmax_backward_row(std::int64_t cols, const Y* y, const G* dy, Out* dx,
                              const stochastic_key* k = no_keys, std::int64_t r = 0,
                              std::int64_t base = 0) {
  auto gc = [&](std::int64_t i) { return round_to<C>(dy[i], k[3], ix(base + i)); };
  A s = exact_in<A>(0.0);
  for (std::int64_t j = 0; j < cols; ++j) s = accumulate<A>(s, gc(j), k[1], ix(base + j));
  const C sc = round_to<C>(s, k[5], ix(r));
  for (std::int64_t i = 0; i < cols; ++i) {
    const std::uint64_t at = ix(base + i);
    const C p = apply_rounded<C>(exp_fn{}, round_to<C>(y[i], k[2], at), k[6], at);
    const C q = mul_rounded(p, sc, k[7], at);
    dx[i] = round_to<Out>(sub_rounded(gc(i), q, k[8], at), k[0], at);
  }
}

/// One row of cross_entropy_backward; `e` is scratch for `classes` values of C (other
/// arguments as softmax_backward_row; see cross_entropy_backward_reference for the sites).
template <scalar_type C, scalar_type A, scalar_type In, scalar_type Out>
void cross_entropy_backward_row(std::int64_t classes, const In* x, std::int64_t label, C g, C* e,
                                Out* dx, const stochastic_key* k = no_keys, std::int64_t r = 0,
                                std::int64_t base = 0) {
  auto xc = [&](std::int64_t i) { return round_to<C>(x[i], k[2], ix(base + i)); };
  const C m = row_max<C>(classes, xc);
  A s = exact_in<A>(0.0);
  for (std::int64_t i = 0; i < classes; ++i) {
    const std::uint64_t at = ix(base + i);
    const C d = sub_rounded(xc(i), m, k[7], at);
    e[i] = apply_rounded<C>(exp_fn{}, d, k[8], at);
    s = accumulate<A>(s, e[i], k[1], at);
  }
  const C sc = round_to<C>(s, k[9], ix(r));
  const C one = exact_in<C>(1.0);
  for (std::int64_t i = 0; i < classes; ++i) {
    const std::uint64_t at = ix(base + i);
    C t = div_rounded(e[i], sc, k[10], at);
    if (i == label) t = sub_rounded(t, one, k[11], at);
    dx[i] = round_to<Out>(product_of(t, g, k[12], at), k[0], at);
  }
}

inline void check_cross_entropy_backward(std::int64_t rows, std::int64_t classes,
                                         const void* logits, const std::int64_t* labels,
                                         const void* dlogits) {
  const char* op = "cpu::cross_entropy_backward";
  check_size(op, "rows", rows);
  check_size(op, "classes", classes);
  const std::int64_t n = checked_product(op, rows, classes);
  check_pointer(op, "logits", logits, n);
  check_pointer(op, "labels", labels, rows);
  check_pointer(op, "dlogits", dlogits, n);
  for (std::int64_t r = 0; r < rows; ++r) {
    if (labels[r] < 0 || labels[r] >= classes) {
      mixprec::detail::throw_error(op, "label " + std::to_string(labels[r]) + " of row " +
                                           std::to_string(r) + " is outside [0, " +
                                           std::to_string(classes) + ")");
    }
  }
}

inline void check_mse_backward(std::int64_t n, const void* a, const void* b, const void* da) {
  const char* op = "cpu::mse_backward";
  check_size(op, "n", n);
  check_pointer(op, "a", a, n);
  check_pointer(op, "b", b, n);
  check_pointer(op, "da", da, n);
}

/// The factor k = (2 * dloss) / round_to<C>(n) of mse_backward, in C (`k` the site keys, see
/// mse_backward_reference).
template <scalar_type C, scalar_type D>
C mse_backward_factor(std::int64_t n, D dloss, const stochastic_key* k = no_keys) {
  const C two_dl = product_of(exact_in<C>(2.0), round_to<C>(dloss, k[4], 0), k[5], 0);
  return div_rounded(two_dl, count_in<C>(n, k[6]), k[7], 0);
}

inline std::int64_t check_layer_norm_backward(std::int64_t rows, std::int64_t cols, const void* x,
                                              const void* mean, const void* rstd, const void* dy,
                                              const void* dx) {
  const char* op = "cpu::layer_norm_backward";
  check_size(op, "rows", rows);
  check_size(op, "cols", cols);
  const std::int64_t n = checked_product(op, rows, cols);
  check_pointer(op, "x", x, n);
  check_pointer(op, "mean", mean, n > 0 ? rows : 0);
  check_pointer(op, "rstd", rstd, n > 0 ? rows : 0);
  check_pointer(op, "dy", dy, n);
  check_pointer(op, "dx", dx, n);
  return n;
}

/// xhat_i and dxhat_i of one row of layer_norm_backward (C the compute type; other arguments as
/// softmax_backward_row, see layer_norm_backward_reference for the sites).
template <scalar_type C, scalar_type X, scalar_type W, scalar_type G>
void layer_norm_xhat_row(std::int64_t cols, const X* x, const W* gamma, C mean, C rstd, const G* dy,
                         C* xhat, C* dxhat, const stochastic_key* k = no_keys,
                         std::int64_t base = 0) {
  for (std::int64_t i = 0; i < cols; ++i) {
    const std::uint64_t at = ix(base + i);
    const C d = sub_rounded(round_to<C>(x[i], k[2], at), mean, k[12], at);
    xhat[i] = product_of(d, rstd, k[13], at);
    const C g = round_to<C>(dy[i], k[6], at);
    dxhat[i] = gamma != nullptr ? mul_rounded(g, round_to<C>(gamma[i], k[3], ix(i)), k[14], at) : g;
  }
}

/// dx of one row of layer_norm_backward from its xhat and dxhat.
template <scalar_type C, scalar_type A, scalar_type Out>
void layer_norm_dx_row(std::int64_t cols, const C* xhat, const C* dxhat, C rstd, Out* dx,
                       const stochastic_key* k = no_keys, std::int64_t r = 0,
                       std::int64_t base = 0) {
  A s1 = exact_in<A>(0.0);
  A s2 = exact_in<A>(0.0);
  for (std::int64_t i = 0; i < cols; ++i) {
    const std::uint64_t at = ix(base + i);
    s1 = accumulate<A>(s1, dxhat[i], k[1], at);
    s2 = accumulate<A>(s2, mul_rounded(dxhat[i], xhat[i], k[25], at), k[7], at);
  }
  const C count = count_in<C>(cols, k[15]);
  const C m1 = div_rounded(round_to<C>(s1, k[16], ix(r)), count, k[17], ix(r));
  const C m2 = div_rounded(round_to<C>(s2, k[18], ix(r)), count, k[19], ix(r));
  for (std::int64_t i = 0; i < cols; ++i) {
    const std::uint64_t at = ix(base + i);
    const C a = sub_rounded(dxhat[i], m1, k[20], at);
    const C b = mul_rounded(xhat[i], m2, k[21], at);
    const C c = sub_rounded(a, b, k[22], at);
    dx[i] = round_to<Out>(product_of(c, rstd, k[23], at), k[0], at);
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Pointwise

/// Reference: dx[i] = round_to<Out>(op'(x_i, y_i, dy_i)) for i < n, by the formulas above.
/// x is the forward input (read by relu, log and gelu), y the forward output (read by exp, tanh
/// and sigmoid); the one an op does not read may be null.
template <precision_type P, class Op, scalar_type X, scalar_type Y, scalar_type G, scalar_type Out>
void unary_backward_reference(std::int64_t n, const X* x, const Y* y, const G* dy, Out* dx,
                              execution e = {}) {
  static_assert(is_unary_op_v<Op>,
                "unary_backward: the op must be neg, relu, exp, log, tanh, sigmoid or gelu");
  using C = typename P::compute;
  detail::require_key<P, Out>("cpu::unary_backward", e);
  detail::check_unary_backward<Op>(n, x, y, dy, dx);
  const auto k = detail::site_keys<8>(e);
  const C zero = detail::exact_in<C>(0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t at = detail::ix(i);
    C xc = zero;
    C yc = zero;
    if constexpr (detail::backward_reads_x_v<Op>) xc = round_to<C>(x[i], k[2], at);
    if constexpr (detail::backward_reads_y_v<Op>) yc = round_to<C>(y[i], k[3], at);
    const C g = detail::unary_backward_in<Op>(xc, yc, round_to<C>(dy[i], k[4], at), k.data(), at);
    dx[i] = round_to<Out>(g, k[0], at);
  }
}

/// Fast path of unary_backward_reference: the same bits, on `exec.threads` threads.
template <precision_type P, class Op, scalar_type X, scalar_type Y, scalar_type G, scalar_type Out>
void unary_backward(std::int64_t n, const X* x, const Y* y, const G* dy, Out* dx,
                    execution exec = {}) {
  static_assert(is_unary_op_v<Op>,
                "unary_backward: the op must be neg, relu, exp, log, tanh, sigmoid or gelu");
  if constexpr (!detail::float_fast_path_v<P, Out>) {
    unary_backward_reference<P, Op>(n, x, y, dy, dx, exec);
  } else {
    detail::check_unary_backward<Op>(n, x, y, dy, dx);
    const std::int64_t tiles = (n + detail::tile - 1) / detail::tile;
    parallel_for(tiles, exec, 16, [&](std::int64_t t0, std::int64_t t1) {
      float xb[detail::tile];
      float yb[detail::tile];
      float gb[detail::tile];
      for (std::int64_t t = t0; t < t1; ++t) {
        const std::int64_t i0 = t * detail::tile;
        const std::int64_t len = std::min(detail::tile, n - i0);
        if constexpr (detail::backward_reads_x_v<Op>) {
          detail::load_float(x + i0, len, xb);
        } else {
          std::fill(xb, xb + len, 0.0f);
        }
        if constexpr (detail::backward_reads_y_v<Op>) {
          detail::load_float(y + i0, len, yb);
        } else {
          std::fill(yb, yb + len, 0.0f);
        }
        detail::load_float(dy + i0, len, gb);
        for (std::int64_t k = 0; k < len; ++k) {
          gb[k] = detail::unary_backward_in<Op>(xb[k], yb[k], gb[k]);
        }
        detail::store_float(gb, len, dx + i0);
      }
    });
  }
}

/// Reference: db[j] = round_to<Out>(sum_i round_to<C>(dy[i][j])) over the rows i in order, the
/// sum in A: the gradient of the row operand of a `broadcast::row` binary op (dy is rows x cols).
template <precision_type P, scalar_type G, scalar_type Out>
void sum_rows_reference(std::int64_t rows, std::int64_t cols, const G* dy, Out* db,
                        execution e = {}) {
  detail::require_key<P, Out>("cpu::sum_rows", e);
  detail::check_size("cpu::sum_rows", "rows", rows);
  detail::check_size("cpu::sum_rows", "cols", cols);
  reduce_reference<P, ops::sum>(1, rows, cols, dy, db, e);
}

/// Fast sum_rows: `reduce<P, ops::sum>(1, rows, cols, dy, db)`, the reference's bits for
/// cols > 1 (for cols == 1 reduce.hpp states the bound of its reordered sum).
template <precision_type P, scalar_type G, scalar_type Out>
void sum_rows(std::int64_t rows, std::int64_t cols, const G* dy, Out* db, execution exec = {}) {
  detail::require_key<P, Out>("cpu::sum_rows", exec);
  detail::check_size("cpu::sum_rows", "rows", rows);
  detail::check_size("cpu::sum_rows", "cols", cols);
  reduce<P, ops::sum>(1, rows, cols, dy, db, exec);
}

// ---------------------------------------------------------------------------
// Softmax and log-softmax

/// Reference softmax backward over the last axis: y (the softmax output), dy and dx are
/// rows x cols; dx_i = y_i (dy_i - sum_j y_j dy_j), by the rules above.
template <precision_type P, scalar_type Y, scalar_type G, scalar_type Out>
void softmax_backward_reference(std::int64_t rows, std::int64_t cols, const Y* y, const G* dy,
                                Out* dx, execution e = {}) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  detail::require_key<P, Out>("cpu::softmax_backward", e);
  detail::check_rows_backward("cpu::softmax_backward", rows, cols, "y", y, dy, dx);
  const auto k = detail::site_keys<9>(e);
  for (std::int64_t r = 0; r < rows; ++r) {
    detail::softmax_backward_row<C, A>(cols, y + r * cols, dy + r * cols, dx + r * cols, k.data(),
                                       r, r * cols);
  }
}

/// Reference log-softmax backward over the last axis: y (the log-softmax output), dy and dx are
/// rows x cols; dx_i = dy_i - exp(y_i) sum_j dy_j, by the rules above.
template <precision_type P, scalar_type Y, scalar_type G, scalar_type Out>
void log_softmax_backward_reference(std::int64_t rows, std::int64_t cols, const Y* y, const G* dy,
                                    Out* dx, execution e = {}) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  detail::require_key<P, Out>("cpu::log_softmax_backward", e);
  detail::check_rows_backward("cpu::log_softmax_backward", rows, cols, "y", y, dy, dx);
  const auto k = detail::site_keys<9>(e);
  for (std::int64_t r = 0; r < rows; ++r) {
    detail::log_softmax_backward_row<C, A>(cols, y + r * cols, dy + r * cols, dx + r * cols,
                                           k.data(), r, r * cols);
  }
}

namespace detail {

/// The float fast path of a row-wise backward kernel: each row of y and dy is widened to float,
/// `row(cols, yf, gf, outf)` computes it in float, and the result is narrowed into dx.
template <scalar_type Y, scalar_type G, scalar_type Out, class Row>
void rows_backward_float(std::int64_t rows, std::int64_t cols, const Y* y, const G* dy, Out* dx,
                         execution exec, Row row) {
  if (cols == 0) return;
  for_row_chunks(rows, 3 * cols, exec, row_grain(cols, 4096),
                 [&](float* scratch, std::int64_t r0, std::int64_t r1) {
                   float* const ys = scratch;
                   float* const gs = scratch + cols;
                   float* const os = scratch + 2 * cols;
                   for (std::int64_t r = r0; r < r1; ++r) {
                     load_float(y + r * cols, cols, ys);
                     load_float(dy + r * cols, cols, gs);
                     row(cols, ys, gs, os);
                     store_float(os, cols, dx + r * cols);
                   }
                 });
}

}  // namespace detail

/// Fast softmax backward: the reference's bits, rows split over `exec.threads` threads.
template <precision_type P, scalar_type Y, scalar_type G, scalar_type Out>
void softmax_backward(std::int64_t rows, std::int64_t cols, const Y* y, const G* dy, Out* dx,
                      execution exec = {}) {
  if constexpr (!detail::float_fast_path_v<P, Out>) {
    softmax_backward_reference<P>(rows, cols, y, dy, dx, exec);
  } else {
    detail::check_rows_backward("cpu::softmax_backward", rows, cols, "y", y, dy, dx);
    detail::rows_backward_float(rows, cols, y, dy, dx, exec,
                                [](std::int64_t c, const float* ys, const float* gs, float* os) {
                                  detail::softmax_backward_row<float, float>(c, ys, gs, os);
                                });
  }
}

/// Fast log-softmax backward: the reference's bits, rows split over `exec.threads` threads.
template <precision_type P, scalar_type Y, scalar_type G, scalar_type Out>
void log_softmax_backward(std::int64_t rows, std::int64_t cols, const Y* y, const G* dy, Out* dx,
                          execution exec = {}) {
  if constexpr (!detail::float_fast_path_v<P, Out>) {
    log_softmax_backward_reference<P>(rows, cols, y, dy, dx, exec);
  } else {
    detail::check_rows_backward("cpu::log_softmax_backward", rows, cols, "y", y, dy, dx);
    detail::rows_backward_float(rows, cols, y, dy, dx, exec,
                                [](std::int64_t c, const float* ys, const float* gs, float* os) {
                                  detail::log_softmax_backward_row<float, float>(c, ys, gs, os);
                                });
  }
}

// ---------------------------------------------------------------------------
// Losses

/// Reference gradient of the mean cross-entropy (loss.hpp) with respect to the logits
/// (rows x classes), for the upstream gradient `dloss` of the scalar loss:
/// dlogits = (softmax(logits) - onehot(labels)) dloss / rows, by the rules above.
template <precision_type P, scalar_type In, scalar_type D, scalar_type Out>
void cross_entropy_backward_reference(std::int64_t rows, std::int64_t classes, const In* logits,
                                      const std::int64_t* labels, D dloss, Out* dlogits,
                                      execution ex = {}) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  detail::require_key<P, Out>("cpu::cross_entropy_backward", ex);
  detail::check_cross_entropy_backward(rows, classes, logits, labels, dlogits);
  if (rows == 0 || classes == 0) return;
  const auto k = detail::site_keys<13>(ex);
  const C g = div_rounded(round_to<C>(dloss, k[3], 0), detail::count_in<C>(rows, k[5]), k[6], 0);
  std::vector<C> e(static_cast<std::size_t>(classes));
  for (std::int64_t r = 0; r < rows; ++r) {
    detail::cross_entropy_backward_row<C, A>(classes, logits + r * classes, labels[r], g, e.data(),
                                             dlogits + r * classes, k.data(), r, r * classes);
  }
}

/// Fast cross_entropy_backward: the reference's bits, rows split over `exec.threads` threads.
template <precision_type P, scalar_type In, scalar_type D, scalar_type Out>
void cross_entropy_backward(std::int64_t rows, std::int64_t classes, const In* logits,
                            const std::int64_t* labels, D dloss, Out* dlogits,
                            execution exec = {}) {
  if constexpr (!detail::float_fast_path_v<P, Out>) {
    cross_entropy_backward_reference<P>(rows, classes, logits, labels, dloss, dlogits, exec);
  } else {
    detail::check_cross_entropy_backward(rows, classes, logits, labels, dlogits);
    if (rows == 0 || classes == 0) return;
    const float g = round_to<float>(dloss) / detail::count_in<float>(rows);
    detail::for_row_chunks(rows, 3 * classes, exec, detail::row_grain(classes, 2048),
                           [&](float* scratch, std::int64_t r0, std::int64_t r1) {
                             float* const xs = scratch;
                             float* const es = scratch + classes;
                             float* const os = scratch + 2 * classes;
                             for (std::int64_t r = r0; r < r1; ++r) {
                               detail::load_float(logits + r * classes, classes, xs);
                               detail::cross_entropy_backward_row<float, float>(
                                   classes, xs, labels[r], g, es, os);
                               detail::store_float(os, classes, dlogits + r * classes);
                             }
                           });
  }
}

/// Reference gradient of the mean squared error (loss.hpp) of a and b (n elements each) for the
/// upstream gradient `dloss`: da = 2 (a - b) dloss / n and, when `db` is not null, db = -da, by
/// the rules above. OutB defaults to OutA.
template <precision_type P, scalar_type InA, scalar_type InB, scalar_type D, scalar_type OutA,
          scalar_type OutB = OutA>
void mse_backward_reference(std::int64_t n, const InA* a, const InB* b, D dloss, OutA* da,
                            std::type_identity_t<OutB>* db = nullptr, execution e = {}) {
  using C = typename P::compute;
  detail::require_key<P, OutA, OutB>("cpu::mse_backward", e);
  detail::check_mse_backward(n, a, b, da);
  if (n == 0) return;
  const auto keys = detail::site_keys<11>(e);
  const C k = detail::mse_backward_factor<C>(n, dloss, keys.data());
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t at = detail::ix(i);
    const C d =
        sub_rounded(round_to<C>(a[i], keys[2], at), round_to<C>(b[i], keys[3], at), keys[8], at);
    const C g = detail::product_of(d, k, keys[9], at);
    da[i] = round_to<OutA>(g, keys[0], at);
    if (db != nullptr) db[i] = round_to<OutB>(-g, keys[10], at);
  }
}

/// Fast mse_backward: the reference's bits, on `exec.threads` threads.
template <precision_type P, scalar_type InA, scalar_type InB, scalar_type D, scalar_type OutA,
          scalar_type OutB = OutA>
void mse_backward(std::int64_t n, const InA* a, const InB* b, D dloss, OutA* da,
                  std::type_identity_t<OutB>* db = nullptr, execution exec = {}) {
  if constexpr (!detail::float_fast_path_v<P, OutA, OutB>) {
    mse_backward_reference<P, InA, InB, D, OutA, OutB>(n, a, b, dloss, da, db, exec);
  } else {
    detail::check_mse_backward(n, a, b, da);
    if (n == 0) return;
    const float k = detail::mse_backward_factor<float>(n, dloss);
    const std::int64_t tiles = (n + detail::tile - 1) / detail::tile;
    parallel_for(tiles, exec, 16, [&](std::int64_t t0, std::int64_t t1) {
      float ab[detail::tile];
      float bb[detail::tile];
      for (std::int64_t t = t0; t < t1; ++t) {
        const std::int64_t i0 = t * detail::tile;
        const std::int64_t len = std::min(detail::tile, n - i0);
        detail::load_float(a + i0, len, ab);
        detail::load_float(b + i0, len, bb);
        for (std::int64_t j = 0; j < len; ++j) {
          const float d = ab[j] - bb[j];
          ab[j] = d * k;
          bb[j] = -ab[j];
        }
        // da may be a: every element of the tile is read before this store.
        detail::store_float(ab, len, da + i0);
        if (db != nullptr) detail::store_float(bb, len, db + i0);
      }
    });
  }
}

// ---------------------------------------------------------------------------
// Layer normalisation

/// Reference layer_norm backward (x, dy, dx are rows x cols), by the formulas above. `mean` and
/// `rstd` are the per-row statistics layer_norm writes (rows values each, type Stat, default C);
/// `gamma` (cols values, type W, default X) may be null when the forward had none; `dgamma` and
/// `dbeta` (cols values, type WG, default W) are written when not null.
template <precision_type P, scalar_type X, scalar_type G, scalar_type Out, scalar_type W = X,
          scalar_type Stat = typename P::compute, scalar_type WG = W>
void layer_norm_backward_reference(std::int64_t rows, std::int64_t cols, const X* x,
                                   const std::type_identity_t<W>* gamma,
                                   const std::type_identity_t<Stat>* mean,
                                   const std::type_identity_t<Stat>* rstd, const G* dy, Out* dx,
                                   std::type_identity_t<WG>* dgamma = nullptr,
                                   std::type_identity_t<WG>* dbeta = nullptr, execution e = {}) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  using detail::ix;
  detail::require_key<P, Out, WG>("cpu::layer_norm_backward", e);
  detail::check_layer_norm_backward(rows, cols, x, mean, rstd, dy, dx);
  if (cols == 0) return;
  const auto k = detail::site_keys<26>(e);
  const auto ncols = static_cast<std::size_t>(cols);
  std::vector<C> xhat(ncols), dxhat(ncols);
  std::vector<A> acc_g(dgamma != nullptr ? ncols : 0, detail::exact_in<A>(0.0));
  std::vector<A> acc_b(dbeta != nullptr ? ncols : 0, detail::exact_in<A>(0.0));
  for (std::int64_t r = 0; r < rows; ++r) {
    const X* xr = x + r * cols;
    const G* gr = dy + r * cols;
    const std::int64_t base = r * cols;
    const C mu = round_to<C>(mean[r], k[4], ix(r));
    const C rs = round_to<C>(rstd[r], k[5], ix(r));
    detail::layer_norm_xhat_row(cols, xr, gamma, mu, rs, gr, xhat.data(), dxhat.data(), k.data(),
                                base);
    detail::layer_norm_dx_row<C, A>(cols, xhat.data(), dxhat.data(), rs, dx + r * cols, k.data(), r,
                                    base);
    for (std::size_t j = 0; j < acc_g.size(); ++j) {
      const auto jj = static_cast<std::int64_t>(j);
      const std::uint64_t at = ix(base + jj);
      const C p = mul_rounded(round_to<C>(gr[j], k[6], at), xhat[j], k[24], at);
      acc_g[j] = accumulate<A>(acc_g[j], p, k[8], ix(jj * rows + r));
    }
    for (std::size_t j = 0; j < acc_b.size(); ++j) {
      const auto jj = static_cast<std::int64_t>(j);
      acc_b[j] =
          accumulate<A>(acc_b[j], round_to<C>(gr[j], k[6], ix(base + jj)), k[9], ix(jj * rows + r));
    }
  }
  for (std::size_t j = 0; j < acc_g.size(); ++j) {
    dgamma[j] = round_to<WG>(acc_g[j], k[10], ix(static_cast<std::int64_t>(j)));
  }
  for (std::size_t j = 0; j < acc_b.size(); ++j) {
    dbeta[j] = round_to<WG>(acc_b[j], k[11], ix(static_cast<std::int64_t>(j)));
  }
}

/// Fast layer_norm backward: the reference's bits. dx is computed by rows and dgamma and dbeta
/// by strips of columns (each summed over the rows in order), both on `exec.threads` threads.
template <precision_type P, scalar_type X, scalar_type G, scalar_type Out, scalar_type W = X,
          scalar_type Stat = typename P::compute, scalar_type WG = W>
void layer_norm_backward(std::int64_t rows, std::int64_t cols, const X* x,
                         const std::type_identity_t<W>* gamma,
                         const std::type_identity_t<Stat>* mean,
                         const std::type_identity_t<Stat>* rstd, const G* dy, Out* dx,
                         std::type_identity_t<WG>* dgamma = nullptr,
                         std::type_identity_t<WG>* dbeta = nullptr, execution exec = {}) {
  if constexpr (!detail::float_fast_path_v<P, Out, WG>) {
    layer_norm_backward_reference<P, X, G, Out, W, Stat, WG>(rows, cols, x, gamma, mean, rstd, dy,
                                                             dx, dgamma, dbeta, exec);
  } else {
    detail::check_layer_norm_backward(rows, cols, x, mean, rstd, dy, dx);
    if (cols == 0) return;
    // gamma in float once, and the row statistics, before anything is written.
    std::vector<float> gf(gamma != nullptr ? static_cast<std::size_t>(cols) : 0);
    if (gamma != nullptr) detail::load_float(gamma, cols, gf.data());
    const float* const gp = gamma != nullptr ? gf.data() : nullptr;
    std::vector<float> mu(static_cast<std::size_t>(rows)), rs(static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r) {
      mu[static_cast<std::size_t>(r)] = round_to<float>(mean[r]);
      rs[static_cast<std::size_t>(r)] = round_to<float>(rstd[r]);
    }
    // The column sums, allocated before anything is written.
    std::vector<float> sums(
        dgamma != nullptr || dbeta != nullptr ? static_cast<std::size_t>(2 * cols) : 0);
    detail::for_row_chunks(rows, 4 * cols, exec, detail::row_grain(cols, 4096),
                           [&](float* scratch, std::int64_t r0, std::int64_t r1) {
                             float* const xs = scratch;
                             float* const gs = scratch + cols;
                             float* const xh = scratch + 2 * cols;
                             float* const dh = scratch + 3 * cols;
                             for (std::int64_t r = r0; r < r1; ++r) {
                               detail::load_float(x + r * cols, cols, xs);
                               detail::load_float(dy + r * cols, cols, gs);
                               const float m = mu[static_cast<std::size_t>(r)];
                               const float q = rs[static_cast<std::size_t>(r)];
                               detail::layer_norm_xhat_row(cols, xs, gp, m, q, gs, xh, dh);
                               detail::layer_norm_dx_row<float, float>(cols, xh, dh, q, xs);
                               detail::store_float(xs, cols, dx + r * cols);
                             }
                           });
    if (dgamma != nullptr || dbeta != nullptr) {
      constexpr std::int64_t width = 256;
      const std::int64_t strips = (cols + width - 1) / width;
      float* const sg = sums.data();
      float* const sb = sums.data() + cols;
      parallel_for(strips, exec, 1, [&](std::int64_t s0, std::int64_t s1) {
        float xb[width];
        float gb[width];
        for (std::int64_t s = s0; s < s1; ++s) {
          const std::int64_t j0 = s * width;
          const std::int64_t w = std::min(width, cols - j0);
          float* const ag = sg + j0;
          float* const ab = sb + j0;
          std::fill(ag, ag + w, 0.0f);
          std::fill(ab, ab + w, 0.0f);
          for (std::int64_t r = 0; r < rows; ++r) {
            detail::load_float(x + r * cols + j0, w, xb);
            detail::load_float(dy + r * cols + j0, w, gb);
            const float m = mu[static_cast<std::size_t>(r)];
            const float q = rs[static_cast<std::size_t>(r)];
            for (std::int64_t k = 0; k < w; ++k) {
              const float d = xb[k] - m;
              const float xh = d * q;
              ag[k] = ag[k] + mixprec::detail::keep_rounded(gb[k] * xh);
              ab[k] = ab[k] + gb[k];
            }
          }
        }
      });
      if (dgamma != nullptr) detail::store_float(sg, cols, dgamma);
      if (dbeta != nullptr) detail::store_float(sb, cols, dbeta);
    }
  }
}

}  // namespace mixprec::cpu
