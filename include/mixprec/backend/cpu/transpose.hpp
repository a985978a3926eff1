#pragma once
/// \file backend/cpu/transpose.hpp
/// Transpose of a rows x cols row-major array: y (cols x rows) with y[j][i] = x[i][j].
///
/// Each element is stored once with round_to<Out>: an exact copy when Out is In (or holds every
/// value of In), one rounding otherwise. `transpose_2d_reference` is the plain double loop;
/// `transpose_2d` walks the array in square tiles of 32 x 32 (so that both the rows read and the
/// rows written stay in cache) on OpenMP threads. Both write the same bits: a stochastic Out draws
/// the bits of y[at] from `e.key.derive(0).bits(at)`, at = j * rows + i the flat index of y (and
/// needs `e.has_key` unless Out holds every value of In, else mixprec::error before anything is
/// written). (The names carry `_2d` because `cpu::transpose` is gemm.hpp's enum of operand
/// transposes.) x and y must not overlap. Bad arguments throw `mixprec::error` naming the op before
/// anything is written.

#include <algorithm>
#include <cstdint>

#include "mixprec/backend/cpu/kernel_support.hpp"
#include "mixprec/backend/cpu/parallel.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/policy/precision.hpp"

namespace mixprec::cpu {

namespace detail {

inline void check_transpose_2d(std::int64_t rows, std::int64_t cols, const void* x, const void* y) {
  const char* op = "cpu::transpose_2d";
  check_size(op, "rows", rows);
  check_size(op, "cols", cols);
  const std::int64_t n = checked_product(op, rows, cols);
  check_pointer(op, "x", x, n);
  check_pointer(op, "y", y, n);
}

}  // namespace detail

/// Reference: y[j * rows + i] = round_to<Out>(x[i * cols + j]) for i < rows, j < cols.
template <scalar_type In, scalar_type Out>
void transpose_2d_reference(std::int64_t rows, std::int64_t cols, const In* x, Out* y,
                            execution e = {}) {
  if constexpr (!converts_exactly_v<In, Out>) detail::require_key_for<Out>("cpu::transpose_2d", e);
  detail::check_transpose_2d(rows, cols, x, y);
  const stochastic_key key = e.key.derive(0);
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t j = 0; j < cols; ++j) {
      const std::int64_t at = j * rows + i;
      y[at] = round_to<Out>(x[i * cols + j], key, detail::ix(at));
    }
  }
}

/// Cache-blocked transpose: the bits of transpose_2d_reference, on `exec.threads` threads.
template <scalar_type In, scalar_type Out>
void transpose_2d(std::int64_t rows, std::int64_t cols, const In* x, Out* y, execution exec = {}) {
  if constexpr (!converts_exactly_v<In, Out>) {
    detail::require_key_for<Out>("cpu::transpose_2d", exec);
  }
  detail::check_transpose_2d(rows, cols, x, y);
  const stochastic_key key = exec.key.derive(0);
  if (rows == 0 || cols == 0) return;
  constexpr std::int64_t block = 32;
  const std::int64_t row_blocks = (rows + block - 1) / block;
  const std::int64_t col_blocks = (cols + block - 1) / block;
  parallel_for(row_blocks * col_blocks, exec, 16, [&](std::int64_t t0, std::int64_t t1) {
    for (std::int64_t t = t0; t < t1; ++t) {
      const std::int64_t i0 = (t / col_blocks) * block;
      const std::int64_t j0 = (t % col_blocks) * block;
      const std::int64_t i1 = std::min(rows, i0 + block);
      const std::int64_t j1 = std::min(cols, j0 + block);
      for (std::int64_t i = i0; i < i1; ++i) {
        for (std::int64_t j = j0; j < j1; ++j) {
          const std::int64_t at = j * rows + i;
          y[at] = round_to<Out>(x[i * cols + j], key, detail::ix(at));
        }
      }
    }
  });
}

}  // namespace mixprec::cpu
