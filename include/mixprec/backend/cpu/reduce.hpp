#pragma once
/// \file backend/cpu/reduce.hpp
/// Sum and mean over one axis: x viewed as [outer][length][inner] (row-major) is reduced over
/// its middle axis into y[outer][inner]. Any axis of a tensor of any rank is such a view: outer
/// is the product of the sizes before the axis, inner the product of those after it.
///
/// Reference semantics, for `precision<S, C, A>`:
///  - each element is read and rounded into C: `round_to<C>(x)`;
///  - the sum starts from A(+0) and adds the terms in index order l = 0, 1, 2, ..., each partial
///    sum rounded once into A (`accumulate<A>(acc, term)`);
///  - sum: y = round_to<Out>(acc);
///  - mean: y = round_to<Out>(round_to<C>(acc) / round_to<C>(length)), the division in C (the
///    mean of no elements is 0 / 0, NaN where C has it).
///
/// The fast path (`reduce`, where C and A are IEEE binary32) converts to float with the bulk
/// converter and splits the work over OpenMP threads.
///  - inner > 1: each output adds its terms in index order, exactly as the reference (the loop
///    runs across `inner`, where it vectorises): the reference's bits.
///  - inner == 1: a row of `length` floats is summed in blocks of 2048 terms; within a block lane
///    j (of 16) adds terms j, j + 16, j + 32, ... and the lanes are added pairwise; the block
///    totals are added in block order. The order depends on `length` alone, never on the thread
///    count. Any order of n terms errs by at most gamma_n sum|x_i| (gamma_n = n u / (1 - n u),
///    u = 2^-24, n u < 1), so
///        sum:  |fast - ref| <= 2 gamma_n sum_i |x_i|
///        mean: |fast - ref| <= 2 gamma_n sum_i |x_i| / n + u (|fast| + |ref|)
///    (for float results; a narrower Out rounds these float results once more).
/// For any other precision (and whenever a type of P or Out rounds stochastically) `reduce`
/// calls `reduce_reference`.
///
/// Stochastic rounding: the sites of the key `e.key` (site s draws from e.key.derive(s); output
/// o = o' * inner + j is the flat index of y, term l of output o has index o * length + l):
///  0: y[o], index o;  1: the running sum, term l of output o;  2: x read into C, its flat index
///  (o' * length + l) * inner + j;  3: round_to<C>(acc) of a mean, index o;  4: the count, 0;
///  5: the division of a mean, index o.
/// A precision or Out that rounds stochastically needs `e.has_key`: without it the call throws
/// before anything is written.
///
/// Bad arguments throw `mixprec::error` naming the op before anything is written. `y` must not
/// overlap `x`.

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "mixprec/backend/cpu/kernel_support.hpp"
#include "mixprec/backend/cpu/parallel.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/policy/ops.hpp"
#include "mixprec/policy/precision.hpp"

namespace mixprec::cpu {

/// True for the op tags `reduce` accepts.
template <class Op>
inline constexpr bool is_reduce_op_v =
    std::is_same_v<Op, ops::sum> || std::is_same_v<Op, ops::mean>;

namespace detail {

inline void check_reduce(const char* op, std::int64_t outer, std::int64_t length,
                         std::int64_t inner, const void* x, const void* y) {
  check_size(op, "outer", outer);
  check_size(op, "length", length);
  check_size(op, "inner", inner);
  const std::int64_t outputs = checked_product(op, outer, inner);
  const std::int64_t inputs = checked_product(op, outputs, length);
  check_pointer(op, "x", x, inputs);
  check_pointer(op, "y", y, outputs);
}

/// The last step of a reduction in float: the sum itself, or sum / round_to<float>(length).
template <class Op>
float finish_float(float sum, float count) noexcept {
  if constexpr (std::is_same_v<Op, ops::mean>) {
    return sum / count;
  } else {
    return sum;
  }
}

}  // namespace detail

/// Reference: y[o][j] = sum (or mean) over l of x[o][l][j], by the rules above.
template <precision_type P, class Op, scalar_type In, scalar_type Out>
void reduce_reference(std::int64_t outer, std::int64_t length, std::int64_t inner, const In* x,
                      Out* y, execution e = {}) {
  static_assert(is_reduce_op_v<Op>, "reduce: the op must be sum or mean");
  using C = typename P::compute;
  using A = typename P::accumulate;
  detail::require_key<P, Out>("cpu::reduce", e);
  detail::check_reduce("cpu::reduce", outer, length, inner, x, y);
  const auto k = detail::site_keys<6>(e);
  const C count = detail::count_in<C>(length, k[4]);
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t j = 0; j < inner; ++j) {
      const std::int64_t out = o * inner + j;
      A acc = detail::exact_in<A>(0.0);
      for (std::int64_t l = 0; l < length; ++l) {
        const std::int64_t at = (o * length + l) * inner + j;
        acc = accumulate<A>(acc, round_to<C>(x[at], k[2], detail::ix(at)), k[1],
                            detail::ix(out * length + l));
      }
      if constexpr (std::is_same_v<Op, ops::mean>) {
        const C sum = round_to<C>(acc, k[3], detail::ix(out));
        y[out] =
            round_to<Out>(div_rounded(sum, count, k[5], detail::ix(out)), k[0], detail::ix(out));
      } else {
        y[out] = round_to<Out>(acc, k[0], detail::ix(out));
      }
    }
  }
}

/// Fast path of reduce_reference (see the file comment for its order and bound).
template <precision_type P, class Op, scalar_type In, scalar_type Out>
void reduce(std::int64_t outer, std::int64_t length, std::int64_t inner, const In* x, Out* y,
            execution exec = {}) {
  static_assert(is_reduce_op_v<Op>, "reduce: the op must be sum or mean");
  if constexpr (!detail::float_fast_path_v<P, Out>) {
    reduce_reference<P, Op>(outer, length, inner, x, y, exec);
  } else {
    detail::check_reduce("cpu::reduce", outer, length, inner, x, y);
    const float count = detail::count_in<float>(length);
    if (inner == 1) {
      // Block totals of every row, computed in parallel, then added in block order.
      const std::int64_t blocks = detail::sum_blocks(length);
      std::vector<float> partial(static_cast<std::size_t>(outer * blocks));
      float* const part = partial.data();
      parallel_for(outer * blocks, exec, 8, [&](std::int64_t t0, std::int64_t t1) {
        float buf[detail::sum_block];
        for (std::int64_t t = t0; t < t1; ++t) {
          const std::int64_t o = t / blocks;
          const std::int64_t l0 = (t % blocks) * detail::sum_block;
          const std::int64_t len = std::min(detail::sum_block, length - l0);
          detail::load_float(x + o * length + l0, len, buf);
          part[t] = detail::lane_sum(buf, len);
        }
      });
      parallel_for(outer, exec, 4096, [&](std::int64_t o0, std::int64_t o1) {
        for (std::int64_t o = o0; o < o1; ++o) {
          float total = 0.0f;
          for (std::int64_t b = 0; b < blocks; ++b) total += part[o * blocks + b];
          const float result = detail::finish_float<Op>(total, count);
          detail::store_float(&result, 1, y + o);
        }
      });
    } else {
      // Columns of `inner` side by side, each summed in index order as the reference does.
      constexpr std::int64_t width = 256;
      const std::int64_t strips = (inner + width - 1) / width;
      const std::int64_t grain =
          std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(1, length * width));
      parallel_for(outer * strips, exec, grain, [&](std::int64_t t0, std::int64_t t1) {
        float acc[width];
        float buf[width];
        for (std::int64_t t = t0; t < t1; ++t) {
          const std::int64_t o = t / strips;
          const std::int64_t j0 = (t % strips) * width;
          const std::int64_t w = std::min(width, inner - j0);
          std::fill(acc, acc + w, 0.0f);
          for (std::int64_t l = 0; l < length; ++l) {
            detail::load_float(x + (o * length + l) * inner + j0, w, buf);
            for (std::int64_t k = 0; k < w; ++k) acc[k] += buf[k];
          }
          for (std::int64_t k = 0; k < w; ++k) acc[k] = detail::finish_float<Op>(acc[k], count);
          detail::store_float(acc, w, y + o * inner + j0);
        }
      });
    }
  }
}

}  // namespace mixprec::cpu
