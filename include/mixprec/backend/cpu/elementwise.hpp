#pragma once
/// \file backend/cpu/elementwise.hpp
/// Pointwise CPU kernels: unary ops (neg, relu, exp, log, tanh, sigmoid, gelu) and binary ops
/// (add, sub, mul, div) with an optional row vector broadcast over the rows, or a scalar.
///
/// Reference semantics, for `precision<S, C, A>` (A is unused: nothing is summed):
///  - every input element, whatever its type, is read and rounded into C: `round_to<C>(x)`;
///  - neg is C's negation (exact); relu(x) = x <= 0 ? +0 : x in C (NaN stays NaN);
///  - add, sub, mul, div are one operation of C, rounded once in C;
///  - exp, log, tanh, sigmoid = 1 / (1 + e^-x) and gelu = x Phi(x) (the exact erf form) are
///    evaluated in double on the C value and rounded once into C (`apply_rounded<C>`);
///  - the result is stored with `round_to<Out>`.
///
/// Stochastic rounding (docs/policies.md): rounding site s draws from `e.key.derive(s)` at the
/// flat element index i: site 0 the result y[i]; 2 a[i] (x[i]) read into C; 3 b read into C, at
/// b's own index (c for broadcast::row; 0 for the scalar of binary_scalar); 5 the op's value in
/// C. A precision or Out that rounds stochastically needs `e.has_key`; without it the call
/// throws before anything is written. Such precisions never take the fast paths.
///
/// The `*_reference` functions are these rules as plain loops. The other entry points are the
/// fast paths: where C and A are IEEE binary32 (`is_ieee_float_v`: fp32 everything, or bf16, fp16
/// or fp8 storage with fp32 compute) they convert tiles to float with the bulk converter, run
/// float loops the compiler vectorises, split the work over OpenMP threads and round the results
/// with the bulk converter. Nothing is reordered, so they give the reference's bits (NaN
/// payloads aside), whatever the thread count. For any other precision they call the reference.
///
/// `y` may be the same array as `x` (or `a`) when the element types match; no other overlap is
/// allowed. Bad arguments throw `mixprec::error` naming the op before anything is written.

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

using mixprec::broadcast;

/// True for the op tags `unary` accepts.
template <class Op>
inline constexpr bool is_unary_op_v =
    std::is_same_v<Op, ops::neg> || std::is_same_v<Op, ops::relu> || std::is_same_v<Op, ops::exp> ||
    std::is_same_v<Op, ops::log> || std::is_same_v<Op, ops::tanh> ||
    std::is_same_v<Op, ops::sigmoid> || std::is_same_v<Op, ops::gelu>;

/// True for the op tags `binary` accepts.
template <class Op>
inline constexpr bool is_binary_op_v =
    std::is_same_v<Op, ops::add> || std::is_same_v<Op, ops::sub> || std::is_same_v<Op, ops::mul> ||
    std::is_same_v<Op, ops::div>;

namespace detail {

/// The function a transcendental op evaluates in double.
template <class Op>
constexpr auto function_of() noexcept {
  if constexpr (std::is_same_v<Op, ops::exp>) {
    return exp_fn{};
  } else if constexpr (std::is_same_v<Op, ops::log>) {
    return log_fn{};
  } else if constexpr (std::is_same_v<Op, ops::tanh>) {
    return tanh_fn{};
  } else if constexpr (std::is_same_v<Op, ops::sigmoid>) {
    return sigmoid_fn{};
  } else {
    static_assert(std::is_same_v<Op, ops::gelu>);
    return gelu_fn{};
  }
}

/// One unary op on a value of C, by the reference rules; a rounded result draws from
/// key.bits(index) when C rounds stochastically.
template <class Op, scalar_type C>
C unary_in(C x, const stochastic_key& key = {}, std::uint64_t index = 0) {
  if constexpr (std::is_same_v<Op, ops::neg>) {
    (void)key;
    (void)index;
    return -x;
  } else if constexpr (std::is_same_v<Op, ops::relu>) {
    (void)key;
    (void)index;
    const C zero = exact_in<C>(0.0);
    return x <= zero ? zero : x;
  } else {
    return apply_rounded<C>(function_of<Op>(), x, key, index);
  }
}

/// One binary op of C, rounded once in C (from key.bits(index) when C rounds stochastically).
template <class Op, scalar_type C>
C binary_in(C a, C b, const stochastic_key& key = {}, std::uint64_t index = 0) noexcept {
  if constexpr (std::is_same_v<Op, ops::add>) {
    return add_rounded(a, b, key, index);
  } else if constexpr (std::is_same_v<Op, ops::sub>) {
    return sub_rounded(a, b, key, index);
  } else if constexpr (std::is_same_v<Op, ops::mul>) {
    return product_of(a, b, key, index);
  } else {
    static_assert(std::is_same_v<Op, ops::div>);
    return div_rounded(a, b, key, index);
  }
}

/// Rounding sites of the pointwise kernels: 0 the result, 2 and 3 the operands read into C,
/// 5 the op's value in C.
inline constexpr std::size_t elementwise_sites = 6;

inline void check_unary(const char* op, std::int64_t n, const void* x, const void* y) {
  check_size(op, "n", n);
  check_pointer(op, "x", x, n);
  check_pointer(op, "y", y, n);
}

inline std::int64_t check_binary(const char* op, std::int64_t rows, std::int64_t cols,
                                 const void* a, const void* b, broadcast bb, const void* y) {
  check_size(op, "rows", rows);
  check_size(op, "cols", cols);
  const std::int64_t n = checked_product(op, rows, cols);
  check_pointer(op, "a", a, n);
  check_pointer(op, "b", b, bb == broadcast::row ? (n > 0 ? cols : 0) : n);
  check_pointer(op, "y", y, n);
  return n;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Unary

/// Reference: y[i] = round_to<Out>(op(round_to<C>(x[i]))) for i < n, op by the rules above.
template <precision_type P, class Op, scalar_type In, scalar_type Out>
void unary_reference(std::int64_t n, const In* x, Out* y, execution e = {}) {
  static_assert(is_unary_op_v<Op>,
                "unary: the op must be neg, relu, exp, log, tanh, sigmoid or gelu");
  using C = typename P::compute;
  detail::require_key<P, Out>("cpu::unary", e);
  detail::check_unary("cpu::unary", n, x, y);
  const auto k = detail::site_keys<detail::elementwise_sites>(e);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t at = detail::ix(i);
    const C v = detail::unary_in<Op>(round_to<C>(x[i], k[2], at), k[5], at);
    y[i] = round_to<Out>(v, k[0], at);
  }
}

/// Fast path of unary_reference: the same bits, on `exec.threads` threads.
template <precision_type P, class Op, scalar_type In, scalar_type Out>
void unary(std::int64_t n, const In* x, Out* y, execution exec = {}) {
  static_assert(is_unary_op_v<Op>,
                "unary: the op must be neg, relu, exp, log, tanh, sigmoid or gelu");
  if constexpr (!detail::float_fast_path_v<P, Out>) {
    unary_reference<P, Op>(n, x, y, exec);
  } else {
    detail::check_unary("cpu::unary", n, x, y);
    detail::map_float_tiles(n, x, y, exec, 16,
                            [](float v, std::int64_t) { return detail::unary_in<Op>(v); });
  }
}

// ---------------------------------------------------------------------------
// Binary

/// Reference: y[r][c] = round_to<Out>(round_to<C>(a[r][c]) op round_to<C>(b')) with
/// b' = b[r][c] (broadcast::none) or b[c] (broadcast::row); a and y are rows x cols, row-major.
template <precision_type P, class Op, scalar_type InA, scalar_type InB, scalar_type Out>
void binary_reference(std::int64_t rows, std::int64_t cols, const InA* a, const InB* b,
                      broadcast bb, Out* y, execution e = {}) {
  static_assert(is_binary_op_v<Op>, "binary: the op must be add, sub, mul or div");
  using C = typename P::compute;
  detail::require_key<P, Out>("cpu::binary", e);
  detail::check_binary("cpu::binary", rows, cols, a, b, bb, y);
  const auto k = detail::site_keys<detail::elementwise_sites>(e);
  std::int64_t i = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c, ++i) {
      const std::int64_t bi = bb == broadcast::row ? c : i;
      const std::uint64_t at = detail::ix(i);
      const C bc = round_to<C>(b[bi], k[3], detail::ix(bi));
      const C v = detail::binary_in<Op>(round_to<C>(a[i], k[2], at), bc, k[5], at);
      y[i] = round_to<Out>(v, k[0], at);
    }
  }
}

/// Fast path of binary_reference: the same bits, on `exec.threads` threads.
template <precision_type P, class Op, scalar_type InA, scalar_type InB, scalar_type Out>
void binary(std::int64_t rows, std::int64_t cols, const InA* a, const InB* b, broadcast bb, Out* y,
            execution exec = {}) {
  static_assert(is_binary_op_v<Op>, "binary: the op must be add, sub, mul or div");
  if constexpr (!detail::float_fast_path_v<P, Out>) {
    binary_reference<P, Op>(rows, cols, a, b, bb, y, exec);
  } else {
    const std::int64_t n = detail::check_binary("cpu::binary", rows, cols, a, b, bb, y);
    // The broadcast row, in float once (allocated before anything is written).
    std::vector<float> row(bb == broadcast::row && n > 0 ? static_cast<std::size_t>(cols) : 0);
    if (!row.empty()) detail::load_float(b, cols, row.data());
    const std::int64_t tiles = (n + detail::tile - 1) / detail::tile;
    parallel_for(tiles, exec, 16, [&](std::int64_t t0, std::int64_t t1) {
      float abuf[detail::tile];
      float bbuf[detail::tile];
      for (std::int64_t t = t0; t < t1; ++t) {
        const std::int64_t i0 = t * detail::tile;
        const std::int64_t len = std::min(detail::tile, n - i0);
        detail::load_float(a + i0, len, abuf);
        if (bb == broadcast::row) {
          // The tile crosses row ends: one contiguous segment of the broadcast row at a time.
          std::int64_t c = i0 % cols;
          for (std::int64_t k = 0; k < len;) {
            const std::int64_t seg = std::min(len - k, cols - c);
            const float* const rb = row.data() + c;
            for (std::int64_t q = 0; q < seg; ++q) {
              abuf[k + q] = detail::binary_in<Op>(abuf[k + q], rb[q]);
            }
            k += seg;
            c = 0;
          }
        } else {
          detail::load_float(b + i0, len, bbuf);
          for (std::int64_t k = 0; k < len; ++k) abuf[k] = detail::binary_in<Op>(abuf[k], bbuf[k]);
        }
        detail::store_float(abuf, len, y + i0);
      }
    });
  }
}

/// Reference: y[i] = round_to<Out>(round_to<C>(a[i]) op round_to<C>(s)) for i < n.
template <precision_type P, class Op, scalar_type InA, scalar_type Scalar, scalar_type Out>
void binary_scalar_reference(std::int64_t n, const InA* a, Scalar s, Out* y, execution e = {}) {
  static_assert(is_binary_op_v<Op>, "binary_scalar: the op must be add, sub, mul or div");
  using C = typename P::compute;
  detail::require_key<P, Out>("cpu::binary_scalar", e);
  detail::check_unary("cpu::binary_scalar", n, a, y);
  const auto k = detail::site_keys<detail::elementwise_sites>(e);
  const C sc = round_to<C>(s, k[3], 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint64_t at = detail::ix(i);
    const C v = detail::binary_in<Op>(round_to<C>(a[i], k[2], at), sc, k[5], at);
    y[i] = round_to<Out>(v, k[0], at);
  }
}

/// Fast path of binary_scalar_reference: the same bits, on `exec.threads` threads.
template <precision_type P, class Op, scalar_type InA, scalar_type Scalar, scalar_type Out>
void binary_scalar(std::int64_t n, const InA* a, Scalar s, Out* y, execution exec = {}) {
  static_assert(is_binary_op_v<Op>, "binary_scalar: the op must be add, sub, mul or div");
  if constexpr (!detail::float_fast_path_v<P, Out>) {
    binary_scalar_reference<P, Op>(n, a, s, y, exec);
  } else {
    detail::check_unary("cpu::binary_scalar", n, a, y);
    const float sc = round_to<float>(s);
    detail::map_float_tiles(n, a, y, exec, 16,
                            [sc](float v, std::int64_t) { return detail::binary_in<Op>(v, sc); });
  }
}

}  // namespace mixprec::cpu
