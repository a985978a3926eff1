#pragma once
/// \file backend/cpu/softmax.hpp
/// Softmax and log-softmax over the last axis of a rows x cols row-major array.
///
/// Reference semantics, for `precision<S, C, A>`, row by row:
///  - x_i = round_to<C>(x[i]);
///  - m = max_i x_i (exact comparisons in index order; a NaN in the row makes m NaN);
///  - d_i = x_i - m in C; e_i = exp(d_i) evaluated in double and rounded once into C;
///  - s = sum_i e_i, from A(+0) in index order, each partial sum rounded into A;
///  - softmax:     y_i = e_i / round_to<C>(s) in C;
///  - log_softmax: y_i = d_i - log(round_to<C>(s)) in C, the log evaluated in double and
///    rounded once into C;
///  - stored with round_to<Out>.
///
/// The fast paths (`softmax`, `log_softmax`, where C and A are IEEE binary32) convert each row to
/// float with the bulk converter, compute m, d_i and e_i exactly as the reference does (e_i in
/// double, rounded to float), and sum the e_i in a fixed order that depends on cols alone (blocks
/// of 2048, 16 lanes, pairwise; see reduce.hpp); rows are split over OpenMP threads, so the thread
/// count never changes a bit. Only s differs from the reference: with n = cols,
/// gamma_n = n u / (1 - n u), u = 2^-24, both sums lie within gamma_n s of the exact sum of the
/// e_i, and, for the float results (a narrower Out rounds them once more), to first order in u:
///     softmax:     |fast - ref| <= rho |ref| + 2^-148,
///                  rho = (1 + gamma_n)(1 + u) / ((1 - gamma_n)(1 - u)) - 1  (about 2 gamma_n + 2u)
///     log_softmax: |fast - ref| <= ln((1 + gamma_n) / (1 - gamma_n)) + 2u (|l| + |ref|) + 2^-148,
///                  l = log(s) = -ref at the row's maximum
/// For any other precision the fast entry points call the reference.
///
/// Stochastic rounding: site s draws from `e.key.derive(s)`, at the flat index r * cols + i of
/// element i of row r unless said: 0 the result; 1 the sum s (term i of row r: r * cols + i);
/// 2 x read into C; 5 d_i; 6 e_i; 7 round_to<C>(s) (index r); 8 log(round_to<C>(s)) (index r);
/// 9 e_i / C(s) or d_i - log(C(s)). A precision or Out that rounds stochastically needs
/// `e.has_key` (else mixprec::error before anything is written).
///
/// `y` may be `x` itself when the element types match; no other overlap. Bad arguments throw
/// `mixprec::error` naming the op before anything is written.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "mixprec/backend/cpu/kernel_support.hpp"
#include "mixprec/backend/cpu/parallel.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/policy/precision.hpp"

namespace mixprec::cpu {

namespace detail {

inline void check_rows(const char* op, std::int64_t rows, std::int64_t cols, const void* x,
                       const void* y) {
  check_size(op, "rows", rows);
  check_size(op, "cols", cols);
  const std::int64_t n = checked_product(op, rows, cols);
  check_pointer(op, "x", x, n);
  check_pointer(op, "y", y, n);
}

template <precision_type P, bool Log, scalar_type In, scalar_type Out>
void softmax_reference_impl(const char* op, std::int64_t rows, std::int64_t cols, const In* x,
                            Out* y, execution ex) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  require_key<P, Out>(op, ex);
  check_rows(op, rows, cols, x, y);
  if (cols == 0) return;
  const auto k = site_keys<10>(ex);
  std::vector<C> e(static_cast<std::size_t>(cols));
  for (std::int64_t r = 0; r < rows; ++r) {
    const In* xr = x + r * cols;
    Out* yr = y + r * cols;
    const std::int64_t base = r * cols;
    auto xc = [&](std::int64_t i) { return round_to<C>(xr[i], k[2], ix(base + i)); };
    const C m = row_max<C>(cols, xc);
    A s = exact_in<A>(0.0);
    for (std::int64_t i = 0; i < cols; ++i) {
      const std::uint64_t at = ix(base + i);
      const C d = sub_rounded(xc(i), m, k[5], at);
      e[static_cast<std::size_t>(i)] = apply_rounded<C>(exp_fn{}, d, k[6], at);
      s = accumulate<A>(s, e[static_cast<std::size_t>(i)], k[1], at);
    }
    const C sc = round_to<C>(s, k[7], ix(r));
    if constexpr (Log) {
      const C ls = apply_rounded<C>(log_fn{}, sc, k[8], ix(r));
      for (std::int64_t i = 0; i < cols; ++i) {
        const std::uint64_t at = ix(base + i);
        const C d = sub_rounded(xc(i), m, k[5], at);
        yr[i] = round_to<Out>(sub_rounded(d, ls, k[9], at), k[0], at);
      }
    } else {
      for (std::int64_t i = 0; i < cols; ++i) {
        const std::uint64_t at = ix(base + i);
        yr[i] = round_to<Out>(div_rounded(e[static_cast<std::size_t>(i)], sc, k[9], at), k[0], at);
      }
    }
  }
}

template <precision_type P, bool Log, scalar_type In, scalar_type Out>
void softmax_fast_impl(const char* op, std::int64_t rows, std::int64_t cols, const In* x, Out* y,
                       execution exec) {
  check_rows(op, rows, cols, x, y);
  if (cols == 0) return;
  for_row_chunks(rows, 2 * cols, exec, row_grain(cols, 2048),
                 [&](float* scratch, std::int64_t r0, std::int64_t r1) {
                   float* const xs = scratch;
                   float* const es = scratch + cols;
                   for (std::int64_t r = r0; r < r1; ++r) {
                     load_float(x + r * cols, cols, xs);
                     const float m = row_max<float>(cols, [&](std::int64_t i) { return xs[i]; });
                     for (std::int64_t i = 0; i < cols; ++i) {
                       const float d = xs[i] - m;
                       es[i] = apply_rounded<float>(exp_fn{}, d);
                     }
                     const float s = fast_sum(es, cols);
                     if constexpr (Log) {
                       const float ls = apply_rounded<float>(log_fn{}, s);
                       for (std::int64_t i = 0; i < cols; ++i) {
                         const float d = xs[i] - m;
                         es[i] = d - ls;
                       }
                     } else {
                       for (std::int64_t i = 0; i < cols; ++i) es[i] = es[i] / s;
                     }
                     store_float(es, cols, y + r * cols);
                   }
                 });
}

}  // namespace detail

/// Reference softmax over the last axis of x (rows x cols), by the rules above.
template <precision_type P, scalar_type In, scalar_type Out>
void softmax_reference(std::int64_t rows, std::int64_t cols, const In* x, Out* y,
                       execution e = {}) {
  detail::softmax_reference_impl<P, false>("cpu::softmax", rows, cols, x, y, e);
}

/// Reference log-softmax over the last axis of x (rows x cols), by the rules above.
template <precision_type P, scalar_type In, scalar_type Out>
void log_softmax_reference(std::int64_t rows, std::int64_t cols, const In* x, Out* y,
                           execution e = {}) {
  detail::softmax_reference_impl<P, true>("cpu::log_softmax", rows, cols, x, y, e);
}

/// Fast softmax (see the file comment for its bound against softmax_reference).
template <precision_type P, scalar_type In, scalar_type Out>
void softmax(std::int64_t rows, std::int64_t cols, const In* x, Out* y, execution exec = {}) {
  if constexpr (detail::float_fast_path_v<P, Out>) {
    detail::softmax_fast_impl<P, false>("cpu::softmax", rows, cols, x, y, exec);
  } else {
    softmax_reference<P>(rows, cols, x, y, exec);
  }
}

/// Fast log-softmax (see the file comment for its bound against log_softmax_reference).
template <precision_type P, scalar_type In, scalar_type Out>
void log_softmax(std::int64_t rows, std::int64_t cols, const In* x, Out* y, execution exec = {}) {
  if constexpr (detail::float_fast_path_v<P, Out>) {
    detail::softmax_fast_impl<P, true>("cpu::log_softmax", rows, cols, x, y, exec);
  } else {
    log_softmax_reference<P>(rows, cols, x, y, exec);
  }
}

}  // namespace mixprec::cpu
