#pragma once
/// \file backend/cpu/norm.hpp
/// Layer normalisation over the last axis of a rows x cols row-major array (Ba, Kiros and
/// Hinton 2016), with the biased variance, as PyTorch's layer_norm.
///
/// Reference semantics, for `precision<S, C, A>`, row by row, n = cols:
///  - x_i = round_to<C>(x[i]);
///  - mean = round_to<C>(sum_i x_i) / round_to<C>(n), the sum from A(+0) in index order with
///    every partial sum rounded into A, the division in C;
///  - d_i = x_i - mean in C;
///  - var = round_to<C>(sum_i d_i * d_i) / round_to<C>(n): products in C, the sum in A as above;
///  - rstd = 1 / sqrt(var + round_to<C>(eps)), each of the three operations rounded once in C;
///  - y_i = d_i * rstd in C, then * round_to<C>(gamma[i]) in C (when gamma is given), then
///    + round_to<C>(beta[i]) in C (when beta is given); stored with round_to<Out>;
///  - mean_out[r] = round_to<Stat>(mean), rstd_out[r] = round_to<Stat>(rstd) when given (the
///    backward pass needs them; Stat defaults to C, which holds them exactly).
///
/// The fast path (`layer_norm`, where C and A are IEEE binary32) converts each row to float with
/// the bulk converter, adds the two sums in a fixed order that depends on cols alone (blocks of
/// 2048, 16 lanes, pairwise; see reduce.hpp) and splits the rows over OpenMP threads, so the
/// thread count never changes a bit. With gamma_n = n u / (1 - n u), u = 2^-24, V the exact
/// (biased) variance of the row's float values, and to first order in u (for float results; a
/// narrower Out rounds them once more):
///     mean: |fast - ref| <= E = 2 gamma_n sum_i |x_i| / n + u (|mean_fast| + |mean_ref|)
///     var:  |fast - ref| <= D = (gamma_n + 4u)(var_fast + var_ref) + E^2
///     rstd: |fast - ref| <= rstd_ref (D / (2 (V (1 - gamma_n - 4u) + eps)) + 6u)
///     y_i:  |fast - ref| <= |g_i| (|d_i| |rstd_fast - rstd_ref| + rstd_ref |mean_fast - mean_ref|
///                                  + 6u rstd_ref |d_i|) + u (|y_fast| + |y_ref|)
/// (g_i = 1 without gamma; var is not an output: var_fast + var_ref <= 2 (V + E^2)(1 + gamma_n +
/// 4u)). For any other precision `layer_norm` calls `layer_norm_reference`.
///
/// Stochastic rounding: site s draws from `e.key.derive(s)`, at the flat index r * cols + i of
/// element i of row r unless said: 0 y; 1 the sum of x (term i of row r: r * cols + i); 2 x read
/// into C; 3 gamma read (index i); 4 beta read (index i); 5 the sum of squares (term r * cols +
/// i); 6 the count (0); 7 eps (0); 8 round_to<C> of the sum (r); 9 the mean (r); 10 d_i; 11
/// d_i * d_i; 12 round_to<C> of the sum of squares (r); 13 var (r); 14 var + eps (r); 15 the
/// square root (r); 16 rstd (r); 17 d_i * rstd; 18 * gamma_i; 19 + beta_i; 20 mean_out (r);
/// 21 rstd_out (r). A precision, Out or Stat that rounds stochastically needs `e.has_key` (else
/// mixprec::error before anything is written).
///
/// `y` may be `x` itself when the element types match; no other overlap. Bad arguments throw
/// `mixprec::error` naming the op before anything is written.

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "mixprec/backend/cpu/kernel_support.hpp"
#include "mixprec/backend/cpu/parallel.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/policy/precision.hpp"

namespace mixprec::cpu {

namespace detail {

inline void check_layer_norm(std::int64_t rows, std::int64_t cols, const void* x, double eps,
                             const void* y) {
  const char* op = "cpu::layer_norm";
  check_size(op, "rows", rows);
  check_size(op, "cols", cols);
  const std::int64_t n = checked_product(op, rows, cols);
  check_pointer(op, "x", x, n);
  check_pointer(op, "y", y, n);
  if (!(eps >= 0.0) || std::isinf(eps)) {
    mixprec::detail::throw_error(op, "eps = " + std::to_string(eps) + " must be finite and >= 0");
  }
}

}  // namespace detail

/// Reference layer normalisation of x (rows x cols), by the rules above. `gamma`, `beta`,
/// `mean_out` and `rstd_out` may be null. W (gamma and beta) defaults to In; Stat (the type of
/// mean_out and rstd_out) to C.
template <precision_type P, scalar_type In, scalar_type Out, scalar_type W = In,
          scalar_type Stat = typename P::compute>
void layer_norm_reference(std::int64_t rows, std::int64_t cols, const In* x,
                          const std::type_identity_t<W>* gamma, const std::type_identity_t<W>* beta,
                          double eps, Out* y, std::type_identity_t<Stat>* mean_out = nullptr,
                          std::type_identity_t<Stat>* rstd_out = nullptr, execution e = {}) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  detail::require_key<P, Out, Stat>("cpu::layer_norm", e);
  detail::check_layer_norm(rows, cols, x, eps, y);
  const auto k = detail::site_keys<22>(e);
  using detail::ix;
  const C count = detail::count_in<C>(cols, k[6]);
  const C ce = round_to<C>(eps, k[7], 0);
  const C one = detail::exact_in<C>(1.0);
  for (std::int64_t r = 0; r < rows; ++r) {
    const In* xr = x + r * cols;
    Out* yr = y + r * cols;
    const std::int64_t base = r * cols;
    auto xc = [&](std::int64_t i) { return round_to<C>(xr[i], k[2], ix(base + i)); };
    A sum = detail::exact_in<A>(0.0);
    for (std::int64_t i = 0; i < cols; ++i) sum = accumulate<A>(sum, xc(i), k[1], ix(base + i));
    const C mean = div_rounded(round_to<C>(sum, k[8], ix(r)), count, k[9], ix(r));
    A sq = detail::exact_in<A>(0.0);
    for (std::int64_t i = 0; i < cols; ++i) {
      const std::uint64_t at = ix(base + i);
      const C d = sub_rounded(xc(i), mean, k[10], at);
      sq = accumulate<A>(sq, mul_rounded(d, d, k[11], at), k[5], at);
    }
    const C var = div_rounded(round_to<C>(sq, k[12], ix(r)), count, k[13], ix(r));
    const C shifted = add_rounded(var, ce, k[14], ix(r));
    const C sd = sqrt_rounded(shifted, k[15], ix(r));
    const C rstd = div_rounded(one, sd, k[16], ix(r));
    for (std::int64_t i = 0; i < cols; ++i) {
      const std::uint64_t at = ix(base + i);
      const C d = sub_rounded(xc(i), mean, k[10], at);
      C z = mul_rounded(d, rstd, k[17], at);
      if (gamma != nullptr) {
        z = mul_rounded(z, round_to<C>(gamma[i], k[3], ix(i)), k[18], at);
      }
      if (beta != nullptr) z = add_rounded(z, round_to<C>(beta[i], k[4], ix(i)), k[19], at);
      yr[i] = round_to<Out>(z, k[0], at);
    }
    if (mean_out != nullptr) mean_out[r] = round_to<Stat>(mean, k[20], ix(r));
    if (rstd_out != nullptr) rstd_out[r] = round_to<Stat>(rstd, k[21], ix(r));
  }
}

/// Fast layer normalisation (see the file comment for its bounds against layer_norm_reference).
template <precision_type P, scalar_type In, scalar_type Out, scalar_type W = In,
          scalar_type Stat = typename P::compute>
void layer_norm(std::int64_t rows, std::int64_t cols, const In* x,
                const std::type_identity_t<W>* gamma, const std::type_identity_t<W>* beta,
                double eps, Out* y, std::type_identity_t<Stat>* mean_out = nullptr,
                std::type_identity_t<Stat>* rstd_out = nullptr, execution exec = {}) {
  if constexpr (!detail::float_fast_path_v<P, Out, Stat>) {
    layer_norm_reference<P, In, Out, W, Stat>(rows, cols, x, gamma, beta, eps, y, mean_out,
                                              rstd_out, exec);
  } else {
    detail::check_layer_norm(rows, cols, x, eps, y);
    if (rows == 0) return;
    // gamma and beta in float once, before anything is written.
    std::vector<float> g(gamma != nullptr ? static_cast<std::size_t>(cols) : 0);
    std::vector<float> b(beta != nullptr ? static_cast<std::size_t>(cols) : 0);
    if (gamma != nullptr) detail::load_float(gamma, cols, g.data());
    if (beta != nullptr) detail::load_float(beta, cols, b.data());
    const float* const gp = gamma != nullptr ? g.data() : nullptr;
    const float* const bp = beta != nullptr ? b.data() : nullptr;
    const float count = detail::count_in<float>(cols);
    const float ce = round_to<float>(eps);
    detail::for_row_chunks(rows, 2 * cols, exec, detail::row_grain(cols),
                           [&](float* scratch, std::int64_t r0, std::int64_t r1) {
                             float* const ds = scratch;
                             float* const ts = scratch + cols;
                             for (std::int64_t r = r0; r < r1; ++r) {
                               detail::load_float(x + r * cols, cols, ds);
                               const float mean = detail::fast_sum(ds, cols) / count;
                               for (std::int64_t i = 0; i < cols; ++i) {
                                 ds[i] = ds[i] - mean;
                                 ts[i] = ds[i] * ds[i];
                               }
                               const float var = detail::fast_sum(ts, cols) / count;
                               const float shifted = var + ce;
                               const float sd = std::sqrt(shifted);
                               const float rstd = 1.0f / sd;
                               for (std::int64_t i = 0; i < cols; ++i) ts[i] = ds[i] * rstd;
                               if (gp != nullptr) {
                                 for (std::int64_t i = 0; i < cols; ++i) ts[i] = ts[i] * gp[i];
                               }
                               if (bp != nullptr) {
                                 for (std::int64_t i = 0; i < cols; ++i) ts[i] = ts[i] + bp[i];
                               }
                               detail::store_float(ts, cols, y + r * cols);
                               if (mean_out != nullptr) mean_out[r] = round_to<Stat>(mean);
                               if (rstd_out != nullptr) rstd_out[r] = round_to<Stat>(rstd);
                             }
                           });
  }
}

}  // namespace mixprec::cpu
