#pragma once
/// \file backend/cpu/loss.hpp
/// Losses: the mean cross-entropy of logits and integer labels, and the mean squared error.
///
/// Reference semantics, for `precision<S, C, A>` (every sum starts from A(+0), adds its terms in
/// index order and rounds each partial sum into A; every function is evaluated in double and
/// rounded once into C; inputs are read with round_to<C>):
///  - cross_entropy, rows x classes logits x and labels t_r in [0, classes), row by row:
///    m = max_i x_i (exact, in index order; NaN sticks); s = sum_i exp(x_i - m) (each difference
///    and each exp rounded into C); lse = m + log(round_to<C>(s)) in C;
///    loss_r = lse - x_{t_r} in C. Then total = sum_r loss_r (A, row order) and the result is
///    round_to<C>(total) / round_to<C>(rows) in C, returned as round_to<Out>. `row_losses`, when
///    given, receives round_to<Out>(loss_r).
///  - mse, arrays a and b of n elements: t_i = (a_i - b_i) * (a_i - b_i), the difference and the
///    square each rounded into C; result = round_to<C>(sum_i t_i) / round_to<C>(n) in C, returned
///    as round_to<Out>.
/// The mean over no rows (no elements) is 0 / 0: NaN where C has it.
///
/// The fast paths (`cross_entropy`, `mse`, where C and A are IEEE binary32) convert to float with
/// the bulk converter and add the long sums (the exps of a row; the squares) in a fixed order
/// that depends on the length alone (blocks of 2048, 16 lanes, pairwise; see reduce.hpp), on
/// OpenMP threads; the thread count never changes a bit. The row losses are added in row order,
/// as the reference does. With gamma_n = n u / (1 - n u), u = 2^-24, for float results (a
/// narrower Out rounds them once more):
///  - mse (n elements; the terms are the reference's bits):
///        |fast - ref| <= 2 gamma_n sum_i t_i / n + u (|fast| + |ref|)
///  - cross_entropy, to first order in u, with n = classes, R = rows, l_r = log(s) of row r:
///        row r:  |fast_r - ref_r| <= B_r = ln((1 + gamma_n) / (1 - gamma_n))
///                                        + 2u (|l_r| + |m_r + l_r|) + u (|fast_r| + |ref_r|)
///        mean:   |fast - ref| <= sum_r B_r / R + gamma_R sum_r (|fast_r| + |ref_r|) / R
///                                + u (|fast| + |ref|)
/// For any other precision the fast entry points call the reference.
///
/// Stochastic rounding: site s draws from `e.key.derive(s)`.
///  - cross_entropy, i the flat index r * classes + c of logit c of row r: 0 the result (0);
///    1 the sum of a row's exps (term c of row r: i); 2 a logit read into C (i); 5 the sum of the
///    row losses (term r: r); 6 x - m (i); 7 its exp (i); 8 round_to<C>(s) (r); 9 its log (r);
///    10 lse (r); 11 loss_r (r); 12 row_losses[r] (r); 13 round_to<C>(total) (0); 14 the count
///    (0); 15 the division (0).
///  - mse, element i: 0 the result (0); 1 the sum (term i); 2 a read (i); 3 b read (i);
///    5 a - b (i); 6 its square (i); 7 round_to<C>(sum) (0); 8 the count (0); 9 the division (0).
/// A precision or Out that rounds stochastically needs `e.has_key` (else mixprec::error before
/// anything is written).
///
/// Bad arguments (negative sizes, null pointers with a nonzero size, a label outside
/// [0, classes)) throw `mixprec::error` naming the op, before anything is written.

#include <algorithm>
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

inline void check_cross_entropy(std::int64_t rows, std::int64_t classes, const void* logits,
                                const std::int64_t* labels) {
  const char* op = "cpu::cross_entropy";
  check_size(op, "rows", rows);
  check_size(op, "classes", classes);
  const std::int64_t n = checked_product(op, rows, classes);
  check_pointer(op, "logits", logits, n);
  check_pointer(op, "labels", labels, rows);
  for (std::int64_t r = 0; r < rows; ++r) {
    if (labels[r] < 0 || labels[r] >= classes) {
      mixprec::detail::throw_error(op, "label " + std::to_string(labels[r]) + " of row " +
                                           std::to_string(r) + " is outside [0, " +
                                           std::to_string(classes) + ")");
    }
  }
}

inline void check_mse(std::int64_t n, const void* a, const void* b) {
  const char* op = "cpu::mse";
  check_size(op, "n", n);
  check_pointer(op, "a", a, n);
  check_pointer(op, "b", b, n);
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Cross-entropy

/// Reference mean cross-entropy of `logits` (rows x classes) against `labels` (rows entries in
/// [0, classes)), by the rules above; per-row losses go to `row_losses` when it is not null.
template <precision_type P, scalar_type Out = typename P::compute, scalar_type In>
Out cross_entropy_reference(std::int64_t rows, std::int64_t classes, const In* logits,
                            const std::int64_t* labels,
                            std::type_identity_t<Out>* row_losses = nullptr, execution e = {}) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  using detail::ix;
  detail::require_key<P, Out>("cpu::cross_entropy", e);
  detail::check_cross_entropy(rows, classes, logits, labels);
  const auto k = detail::site_keys<16>(e);
  A total = detail::exact_in<A>(0.0);
  for (std::int64_t r = 0; r < rows; ++r) {
    const In* xr = logits + r * classes;
    const std::int64_t base = r * classes;
    auto xc = [&](std::int64_t i) { return round_to<C>(xr[i], k[2], ix(base + i)); };
    const C m = detail::row_max<C>(classes, xc);
    A s = detail::exact_in<A>(0.0);
    for (std::int64_t i = 0; i < classes; ++i) {
      const std::uint64_t at = ix(base + i);
      const C d = sub_rounded(xc(i), m, k[6], at);
      s = accumulate<A>(s, apply_rounded<C>(detail::exp_fn{}, d, k[7], at), k[1], at);
    }
    const C ls = apply_rounded<C>(detail::log_fn{}, round_to<C>(s, k[8], ix(r)), k[9], ix(r));
    const C lse = add_rounded(m, ls, k[10], ix(r));
    const C loss = sub_rounded(lse, xc(labels[r]), k[11], ix(r));
    if (row_losses != nullptr) row_losses[r] = round_to<Out>(loss, k[12], ix(r));
    total = accumulate<A>(total, loss, k[5], ix(r));
  }
  const C mean =
      div_rounded(round_to<C>(total, k[13], 0), detail::count_in<C>(rows, k[14]), k[15], 0);
  return round_to<Out>(mean, k[0], 0);
}

/// Fast mean cross-entropy (see the file comment for its bound against cross_entropy_reference).
template <precision_type P, scalar_type Out = typename P::compute, scalar_type In>
Out cross_entropy(std::int64_t rows, std::int64_t classes, const In* logits,
                  const std::int64_t* labels, std::type_identity_t<Out>* row_losses = nullptr,
                  execution exec = {}) {
  if constexpr (!detail::float_fast_path_v<P, Out>) {
    return cross_entropy_reference<P, Out>(rows, classes, logits, labels, row_losses, exec);
  } else {
    detail::check_cross_entropy(rows, classes, logits, labels);
    std::vector<float> losses(static_cast<std::size_t>(rows));
    float* const lp = losses.data();
    detail::for_row_chunks(
        rows, 2 * classes, exec, detail::row_grain(classes, 2048),
        [&](float* scratch, std::int64_t r0, std::int64_t r1) {
          float* const xs = scratch;
          float* const es = scratch + classes;
          for (std::int64_t r = r0; r < r1; ++r) {
            detail::load_float(logits + r * classes, classes, xs);
            const float m = detail::row_max<float>(classes, [&](std::int64_t i) { return xs[i]; });
            for (std::int64_t i = 0; i < classes; ++i) {
              const float d = xs[i] - m;
              es[i] = apply_rounded<float>(detail::exp_fn{}, d);
            }
            const float ls = apply_rounded<float>(detail::log_fn{}, detail::fast_sum(es, classes));
            const float lse = m + ls;
            lp[r] = lse - xs[labels[r]];
          }
        });
    float total = 0.0f;
    for (std::int64_t r = 0; r < rows; ++r) total += lp[r];
    if (row_losses != nullptr) detail::store_float(lp, rows, row_losses);
    return round_to<Out>(total / detail::count_in<float>(rows));
  }
}

// ---------------------------------------------------------------------------
// Mean squared error

/// Reference mean squared error of a and b (n elements each), by the rules above.
template <precision_type P, scalar_type Out = typename P::compute, scalar_type InA, scalar_type InB>
Out mse_reference(std::int64_t n, const InA* a, const InB* b, execution e = {}) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  using detail::ix;
  detail::require_key<P, Out>("cpu::mse", e);
  detail::check_mse(n, a, b);
  const auto k = detail::site_keys<10>(e);
  A sum = detail::exact_in<A>(0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t at = ix(i);
    const C d = sub_rounded(round_to<C>(a[i], k[2], at), round_to<C>(b[i], k[3], at), k[5], at);
    sum = accumulate<A>(sum, mul_rounded(d, d, k[6], at), k[1], at);
  }
  const C mean = div_rounded(round_to<C>(sum, k[7], 0), detail::count_in<C>(n, k[8]), k[9], 0);
  return round_to<Out>(mean, k[0], 0);
}

/// Fast mean squared error (see the file comment for its bound against mse_reference).
template <precision_type P, scalar_type Out = typename P::compute, scalar_type InA, scalar_type InB>
Out mse(std::int64_t n, const InA* a, const InB* b, execution exec = {}) {
  if constexpr (!detail::float_fast_path_v<P, Out>) {
    return mse_reference<P, Out>(n, a, b, exec);
  } else {
    detail::check_mse(n, a, b);
    const std::int64_t blocks = detail::sum_blocks(n);
    std::vector<float> partial(static_cast<std::size_t>(blocks));
    float* const part = partial.data();
    parallel_for(blocks, exec, 8, [&](std::int64_t t0, std::int64_t t1) {
      float abuf[detail::sum_block];
      float bbuf[detail::sum_block];
      for (std::int64_t t = t0; t < t1; ++t) {
        const std::int64_t i0 = t * detail::sum_block;
        const std::int64_t len = std::min(detail::sum_block, n - i0);
        detail::load_float(a + i0, len, abuf);
        detail::load_float(b + i0, len, bbuf);
        for (std::int64_t k = 0; k < len; ++k) {
          const float d = abuf[k] - bbuf[k];
          abuf[k] = d * d;
        }
        part[t] = detail::lane_sum(abuf, len);
      }
    });
    float total = 0.0f;
    for (std::int64_t t = 0; t < blocks; ++t) total += part[t];
    return round_to<Out>(total / detail::count_in<float>(n));
  }
}

}  // namespace mixprec::cpu
