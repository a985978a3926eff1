#pragma once
/// \file backend/cpu/kernel_support.hpp
/// Pieces shared by the CPU kernels: argument checks, the stochastic keys of a call (the keys of
/// its rounding sites and the missing-key check), the functions of the reference rules evaluated
/// in double, the float fast-path selector, float load/store through the bulk converter, and the
/// fixed-order float sum of the fast paths. Internal: users call the kernels.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "mixprec/backend/cpu/parallel.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/error.hpp"
#include "mixprec/format/arithmetic.hpp"
#include "mixprec/format/bulk.hpp"
#include "mixprec/format/stochastic.hpp"
#include "mixprec/format/traits.hpp"
#include "mixprec/policy/precision.hpp"

namespace mixprec::cpu::detail {

// ---------------------------------------------------------------------------
// Argument checks. Every kernel checks everything before it writes anything.

/// Throws unless `value` >= 0.
inline void check_size(const char* op, const char* name, std::int64_t value) {
  if (value < 0) {
    mixprec::detail::throw_error(
        op, std::string(name) + " = " + std::to_string(value) + " is negative");
  }
}

/// a * b, throwing when it does not fit in int64 (both are >= 0).
inline std::int64_t checked_product(const char* op, std::int64_t a, std::int64_t b) {
  if (a != 0 && b > std::numeric_limits<std::int64_t>::max() / a) {
    mixprec::detail::throw_error(op, "the size " + std::to_string(a) + " x " + std::to_string(b) +
                                         " does not fit in 64 bits");
  }
  return a * b;
}

/// Throws when `p` is null although `count` elements are to be read or written through it.
inline void check_pointer(const char* op, const char* name, const void* p, std::int64_t count) {
  if (p == nullptr && count > 0) {
    mixprec::detail::throw_error(
        op, std::string(name) + " is null but " + std::to_string(count) + " elements are needed");
  }
}

// ---------------------------------------------------------------------------
// Stochastic keys. Rounding site s of a kernel call (its output, its running sum, an input read
// into C, an intermediate result; each header numbers its sites) draws the bits of element (or
// term) `index` from e.key.derive(s).bits(index): docs/policies.md states the convention.

/// True when P's storage, compute, accumulate or output type, or one of Ts, rounds
/// stochastically.
template <precision_type P, class... Ts>
inline constexpr bool stochastic_precision_v = rounds_stochastically_v<typename P::storage> ||
                                               rounds_stochastically_v<typename P::compute> ||
                                               rounds_stochastically_v<typename P::accumulate> ||
                                               rounds_stochastically_v<typename P::output> ||
                                               (rounds_stochastically_v<Ts> || ...);

/// The message of the first stochastic type among (role, T) pairs, or nothing.
template <class T>
void name_stochastic(std::string& first, const char* role) {
  if constexpr (rounds_stochastically_v<T>) {
    if (first.empty()) first = std::string("the ") + role + " type " + type_short_name<T>();
  } else {
    (void)first;
    (void)role;
  }
}

/// The error of a stochastic kernel called without a key; `what` names the stochastic type.
[[noreturn]] inline void throw_missing_key(const char* op, const std::string& what) {
  mixprec::detail::throw_error(op, what +
                                       " rounds stochastically; pass "
                                       "execution{}.with_key(stochastic_key{seed, stream})");
}

/// Throws mixprec::error naming `op` and the stochastic type, unless `e` carries a key, when one
/// of Ts (the kernel's result types) rounds stochastically. Free for other types.
template <class... Ts>
void require_key_for(const char* op, const execution& e) {
  if constexpr ((rounds_stochastically_v<Ts> || ...)) {
    if (!e.has_key) {
      std::string first;
      (name_stochastic<Ts>(first, "result"), ...);
      throw_missing_key(op, first);
    }
  } else {
    (void)op;
    (void)e;
  }
}

/// As require_key_for, for a kernel with precision P: P's storage, compute, accumulate and
/// output types and the result types Ts. Every kernel calls it before it writes anything.
template <precision_type P, class... Ts>
void require_key(const char* op, const execution& e) {
  if constexpr (stochastic_precision_v<P, Ts...>) {
    if (!e.has_key) {
      std::string first;
      name_stochastic<typename P::storage>(first, "storage");
      name_stochastic<typename P::compute>(first, "compute");
      name_stochastic<typename P::accumulate>(first, "accumulate");
      name_stochastic<typename P::output>(first, "output");
      (name_stochastic<Ts>(first, "result"), ...);
      throw_missing_key(op, first);
    }
  } else {
    (void)op;
    (void)e;
  }
}

/// The keys of rounding sites 0, 1, ..., N - 1 of a call with `e`: keys[s] = e.key.derive(s).
template <std::size_t N>
std::array<stochastic_key, N> site_keys(const execution& e) noexcept {
  std::array<stochastic_key, N> keys{};
  for (std::size_t s = 0; s < N; ++s) keys[s] = e.key.derive(s);
  return keys;
}

/// An element or term number as the index of stochastic_key::bits.
constexpr std::uint64_t ix(std::int64_t i) noexcept { return static_cast<std::uint64_t>(i); }

/// a * b rounded once into C, for a product that no addition follows (it is stored, multiplied
/// or divided): mul_rounded for a stochastic C, C's plain product otherwise, which the compiler
/// may vectorise (there is no sum to fuse it into).
template <scalar_type C>
C product_of(C a, C b, const stochastic_key& key, std::uint64_t index) noexcept {
  if constexpr (rounds_stochastically_v<C>) {
    return mul_rounded(a, b, key, index);
  } else {
    (void)key;
    (void)index;
    return a * b;
  }
}

/// `v`, a value every scalar type holds exactly (0, 1, 2), as a value of T: no rounding.
template <scalar_type T>
T exact_in(double v) noexcept {
  return round_to<T>(v, stochastic_key{}, 0);
}

// ---------------------------------------------------------------------------
// The functions of the reference rules, in double. The reference kernels pass them to
// apply_rounded<C>; the float fast paths call them on the same double and round to float, so
// both give the same bits.

struct exp_fn {
  double operator()(double x) const noexcept { return std::exp(x); }
};
struct log_fn {
  double operator()(double x) const noexcept { return std::log(x); }
};
struct tanh_fn {
  double operator()(double x) const noexcept { return std::tanh(x); }
};
/// 1 / (1 + e^-x).
struct sigmoid_fn {
  double operator()(double x) const noexcept { return 1.0 / (1.0 + std::exp(-x)); }
};
/// x Phi(x) = x erfc(-x / sqrt 2) / 2, the exact form; gelu(-inf) = -0 (the limit).
struct gelu_fn {
  double operator()(double x) const noexcept {
    if (x == -std::numeric_limits<double>::infinity()) return -0.0;
    return 0.5 * x * std::erfc(-x / std::numbers::sqrt2);
  }
};

/// A count as a value of C: round_to<C>(n) (exact for n < 2^53 before the rounding into C); a
/// stochastic C draws from key.bits(0).
template <scalar_type C>
C count_in(std::int64_t n, const stochastic_key& key = {}) noexcept {
  return round_to<C>(static_cast<double>(n), key, 0);
}

/// True for NaN in float, double and floating types.
template <scalar_type T>
constexpr bool is_nan_value(T x) noexcept {
  return x != x;
}

/// The row maximum of the reference kernels: scanned in index order, a NaN sticks, otherwise the
/// first of equal values is kept. Exact, so the fast paths use the same scan.
template <scalar_type C, class Get>
C row_max(std::int64_t n, Get&& get) {
  C m = get(std::int64_t{0});
  for (std::int64_t i = 1; i < n; ++i) {
    const C v = get(i);
    if (is_nan_value(v) || v > m) {
      if (!is_nan_value(m)) m = v;
    }
  }
  return m;
}

// ---------------------------------------------------------------------------
// Float fast paths.

/// True when a precision's compute and accumulate types are IEEE binary32 carried out by the
/// CPU's float instructions: the kernels then take their float fast paths.
/// Never for a precision (or result type Ts) that rounds stochastically: those run the
/// reference loops, which key every rounding.
template <precision_type P, class... Ts>
inline constexpr bool float_fast_path_v =
    is_ieee_float_v<typename P::compute>&& is_ieee_float_v<typename P::accumulate> &&
    !stochastic_precision_v<P, Ts...>;

/// dst[i] = round_to<float>(src[i]) for i < n (the bulk converter where it applies).
template <scalar_type In>
void load_float(const In* src, std::int64_t n, float* dst) noexcept {
  const auto count = static_cast<std::size_t>(n);
  if constexpr (std::is_same_v<In, float>) {
    std::copy(src, src + n, dst);
  } else if constexpr (converts_exactly_v<In, float>) {
    mixprec::detail::convert_span(std::span<const In>(src, count), std::span<float>(dst, count));
  } else {
    for (std::int64_t i = 0; i < n; ++i) dst[i] = round_to<float>(src[i]);
  }
}

/// dst[i] = round_to<Out>(src[i]) for i < n (the bulk converter).
template <scalar_type Out>
void store_float(const float* src, std::int64_t n, Out* dst) noexcept {
  static_assert(!rounds_stochastically_v<Out>,
                "store_float: a stochastic result is written by the keyed reference loops");
  const auto count = static_cast<std::size_t>(n);
  if constexpr (std::is_same_v<Out, float>) {
    std::copy(src, src + n, dst);
  } else {
    mixprec::detail::convert_span(std::span<const float>(src, count), std::span<Out>(dst, count));
  }
}

/// Lanes of the fast sums.
inline constexpr int sum_lanes = 16;
/// Terms per block of the fast sums; a multiple of sum_lanes.
inline constexpr std::int64_t sum_block = 2048;
/// Elements per tile of the streaming fast paths (stack buffers).
inline constexpr std::int64_t tile = 1024;

/// y[i] = f(float(x[i]), i) rounded into Out, in tiles widened to float and narrowed back with
/// the bulk converters, on `exec.threads` threads (`grain` tiles at least per thread). Every
/// element is independent, so the tiling and the threads change no result.
template <scalar_type In, scalar_type Out, class F>
void map_float_tiles(std::int64_t n, const In* x, Out* y, execution exec, std::int64_t grain, F f) {
  const std::int64_t tiles = (n + tile - 1) / tile;
  parallel_for(tiles, exec, grain, [&](std::int64_t t0, std::int64_t t1) {
    float buf[tile];
    for (std::int64_t t = t0; t < t1; ++t) {
      const std::int64_t i0 = t * tile;
      const std::int64_t len = std::min(tile, n - i0);
      load_float(x + i0, len, buf);
      for (std::int64_t k = 0; k < len; ++k) buf[k] = f(buf[k], i0 + k);
      store_float(buf, len, y + i0);
    }
  });
}

/// The fast sum of at most sum_block floats: lane j adds x[j], x[j + 16], x[j + 32], ... in
/// order, from +0; then the lanes are added pairwise (j + 8 into j, then j + 4 into j, ...).
inline float lane_sum(const float* x, std::int64_t n) noexcept {
  float acc[sum_lanes] = {};
  std::int64_t i = 0;
  for (; i + sum_lanes <= n; i += sum_lanes) {
    for (int j = 0; j < sum_lanes; ++j) acc[j] += x[i + j];
  }
  for (int j = 0; i + j < n; ++j) acc[j] += x[i + j];
  for (int w = sum_lanes / 2; w >= 1; w /= 2) {
    for (int j = 0; j < w; ++j) acc[j] += acc[j + w];
  }
  return acc[0];
}

/// Blocks of sum_block terms in a sum of n terms.
inline std::int64_t sum_blocks(std::int64_t n) noexcept { return (n + sum_block - 1) / sum_block; }

/// The fast sum of n floats: lane_sum of each block of sum_block terms, the block totals added
/// in block order from +0. The order is fixed by n alone, never by the thread count.
inline float fast_sum(const float* x, std::int64_t n) noexcept {
  float total = 0.0f;
  for (std::int64_t b = 0; b < n; b += sum_block) {
    total += lane_sum(x + b, std::min(sum_block, n - b));
  }
  return total;
}

/// Splits rows [0, rows) into at most thread_count(e) chunks of at least `grain` rows, gives
/// each chunk `scratch_floats` floats of its own (allocated before any thread starts, so that
/// running out of memory throws before anything is written) and runs
/// `body(scratch, row_begin, row_end)` on the chunks in parallel. `body` must not throw.
template <class Body>
void for_row_chunks(std::int64_t rows, std::int64_t scratch_floats, execution e, std::int64_t grain,
                    Body&& body) {
  if (rows <= 0) return;
  const std::int64_t by_grain = std::max<std::int64_t>(1, rows / std::max<std::int64_t>(1, grain));
  const std::int64_t chunks = std::min<std::int64_t>(thread_count(e), by_grain);
  std::vector<float> scratch(static_cast<std::size_t>(chunks * scratch_floats));
  float* const base = scratch.data();
  parallel_for(chunks, e, 1, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) {
      body(base + c * scratch_floats, rows * c / chunks, rows * (c + 1) / chunks);
    }
  });
}

/// Rows per parallel chunk so that a chunk holds about `work` elements.
inline std::int64_t row_grain(std::int64_t cols, std::int64_t work = 16384) noexcept {
  return std::max<std::int64_t>(1, work / std::max<std::int64_t>(1, cols));
}

}  // namespace mixprec::cpu::detail
