#pragma once
/// \file backend/cpu/dropout.hpp
/// Inverted dropout (Srivastava et al. 2014, scaled at training time as PyTorch does) with
/// counter-based random numbers, and its backward pass.
///
/// Element i of a call draws r_i = detail::random_bits(seed, counter0 + i) (Philox4x32-10, see
/// detail/philox.hpp; the counter wraps modulo 2^64), so the mask depends on (seed, counter0, i)
/// alone, never on the thread count or the device. With t = ceil(p 2^32) (exact in double), the
/// element is dropped when r_i < t and kept otherwise: kept with probability 1 - t / 2^32, which
/// is 1 - p to within 2^-32.
///
/// Reference semantics, for `precision<S, C, A>` (A is unused):
///  - scale = 1 / (1 - p) evaluated in double and rounded once into C (it overflows C for p
///    too close to 1: 1 - p below 1 / max(C));
///  - dropout: y_i = round_to<Out>(round_to<C>(x_i) * scale) (the product rounded once in C) for
///    a kept element, round_to<Out>(+0) for a dropped one; mask_out[i] = 1 (kept) or 0 (dropped)
///    when mask_out is not null;
///  - dropout_backward: dx_i = round_to<Out>(round_to<C>(dy_i) * scale) where the element was
///    kept, +0 where it was dropped, the mask given (nonzero = kept) or drawn again from
///    (seed, counter0) exactly as the forward drew it.
///
/// Stochastic rounding (separate from the mask's bits): site s draws from `e.key.derive(s)` at
/// the element index i: 0 the result; 2 the input read into C; 5 the scale (index 0); 6 the
/// product. A precision or Out that rounds stochastically needs `e.has_key` (else
/// mixprec::error before anything is written), and never takes the fast path.
///
/// The fast entry points (where C is IEEE binary32; the others call the reference) convert tiles
/// to float with the bulk converter and split them over OpenMP threads: the reference's bits.
/// y (dx) may be x (dy) itself when the element types match. p outside [0, 1) (or NaN), negative
/// sizes and null pointers throw `mixprec::error` naming the op before anything is written.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "mixprec/backend/cpu/kernel_support.hpp"
#include "mixprec/backend/cpu/parallel.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/detail/philox.hpp"
#include "mixprec/policy/precision.hpp"

namespace mixprec::cpu {

namespace detail {

/// t = ceil(p 2^32): an element whose 32 random bits are below t is dropped. p is in [0, 1).
inline std::uint64_t dropout_threshold(double p) noexcept {
  return static_cast<std::uint64_t>(std::ceil(std::ldexp(p, 32)));
}

/// True when element `counter` of the stream `seed` is kept under threshold t.
inline bool dropout_kept(std::uint64_t t, std::uint64_t seed, std::uint64_t counter) noexcept {
  return mixprec::detail::random_bits(seed, counter) >= t;
}

inline void check_dropout(const char* op, std::int64_t n, double p, const char* in_name,
                          const void* in, const char* out_name, const void* out) {
  check_size(op, "n", n);
  if (!(p >= 0.0 && p < 1.0)) {
    mixprec::detail::throw_error(op, "p = " + std::to_string(p) + " is outside [0, 1)");
  }
  check_pointer(op, in_name, in, n);
  check_pointer(op, out_name, out, n);
}

/// The scale 1 / (1 - p), in double, rounded once into C (from key.bits(0) for a stochastic C).
template <scalar_type C>
C dropout_scale(double p, const stochastic_key& key = {}) noexcept {
  return round_to<C>(1.0 / (1.0 - p), key, 0);
}

/// Rounding sites of dropout and its backward pass: 0 the result, 2 the input read into C,
/// 5 the scale, 6 the product.
inline constexpr std::size_t dropout_sites = 7;

/// kept ? round_to<Out>(round_to<C>(v) * scale) : round_to<Out>(+0), element i, keyed by `k`.
template <scalar_type C, scalar_type Out, scalar_type In>
Out dropout_element(bool kept, In v, C scale, const std::array<stochastic_key, dropout_sites>& k,
                    std::int64_t i) noexcept {
  const std::uint64_t at = ix(i);
  const C r = kept ? product_of(round_to<C>(v, k[2], at), scale, k[6], at) : exact_in<C>(0.0);
  return round_to<Out>(r, k[0], at);
}

/// out_i = keep(i) ? in_i * scale : +0, in float tiles on `exec.threads` threads; keep(i) is
/// called with the element's position.
template <scalar_type In, scalar_type Out, class Keep>
void dropout_float_tiles(std::int64_t n, const In* in, float scale, Out* out, execution exec,
                         Keep keep) {
  map_float_tiles(n, in, out, exec, 4,
                  [&](float v, std::int64_t i) { return keep(i) ? v * scale : 0.0f; });
}

}  // namespace detail

/// Reference dropout of x (n elements) with drop probability p, by the rules above. `mask_out`
/// (n bytes) may be null.
template <precision_type P, scalar_type In, scalar_type Out>
void dropout_reference(std::int64_t n, const In* x, double p, std::uint64_t seed,
                       std::uint64_t counter0, Out* y, std::uint8_t* mask_out = nullptr,
                       execution e = {}) {
  using C = typename P::compute;
  detail::require_key<P, Out>("cpu::dropout", e);
  detail::check_dropout("cpu::dropout", n, p, "x", x, "y", y);
  const auto k = detail::site_keys<detail::dropout_sites>(e);
  const std::uint64_t t = detail::dropout_threshold(p);
  const C scale = detail::dropout_scale<C>(p, k[5]);
  for (std::int64_t i = 0; i < n; ++i) {
    const bool kept = detail::dropout_kept(t, seed, counter0 + static_cast<std::uint64_t>(i));
    y[i] = detail::dropout_element<C, Out>(kept, x[i], scale, k, i);
    if (mask_out != nullptr) mask_out[i] = kept ? 1 : 0;
  }
}

/// Fast dropout: the reference's bits, on `exec.threads` threads.
template <precision_type P, scalar_type In, scalar_type Out>
void dropout(std::int64_t n, const In* x, double p, std::uint64_t seed, std::uint64_t counter0,
             Out* y, std::uint8_t* mask_out = nullptr, execution exec = {}) {
  if constexpr (!is_ieee_float_v<typename P::compute> || detail::stochastic_precision_v<P, Out>) {
    dropout_reference<P>(n, x, p, seed, counter0, y, mask_out, exec);
  } else {
    detail::check_dropout("cpu::dropout", n, p, "x", x, "y", y);
    const std::uint64_t t = detail::dropout_threshold(p);
    const float scale = detail::dropout_scale<float>(p);
    detail::dropout_float_tiles(n, x, scale, y, exec, [&](std::int64_t i) {
      const bool kept = detail::dropout_kept(t, seed, counter0 + static_cast<std::uint64_t>(i));
      if (mask_out != nullptr) mask_out[i] = kept ? 1 : 0;
      return kept;
    });
  }
}

/// Reference dropout backward with the forward's mask (n bytes, nonzero = kept).
template <precision_type P, scalar_type G, scalar_type Out>
void dropout_backward_reference(std::int64_t n, const std::uint8_t* mask, const G* dy, double p,
                                Out* dx, execution e = {}) {
  using C = typename P::compute;
  const char* op = "cpu::dropout_backward";
  detail::require_key<P, Out>(op, e);
  detail::check_dropout(op, n, p, "dy", dy, "dx", dx);
  detail::check_pointer(op, "mask", mask, n);
  const auto k = detail::site_keys<detail::dropout_sites>(e);
  const C scale = detail::dropout_scale<C>(p, k[5]);
  for (std::int64_t i = 0; i < n; ++i) {
    dx[i] = detail::dropout_element<C, Out>(mask[i] != 0, dy[i], scale, k, i);
  }
}

/// Reference dropout backward, the mask drawn again from (seed, counter0) as the forward drew it.
template <precision_type P, scalar_type G, scalar_type Out>
void dropout_backward_reference(std::int64_t n, std::uint64_t seed, std::uint64_t counter0,
                                const G* dy, double p, Out* dx, execution e = {}) {
  using C = typename P::compute;
  detail::require_key<P, Out>("cpu::dropout_backward", e);
  detail::check_dropout("cpu::dropout_backward", n, p, "dy", dy, "dx", dx);
  const auto k = detail::site_keys<detail::dropout_sites>(e);
  const std::uint64_t t = detail::dropout_threshold(p);
  const C scale = detail::dropout_scale<C>(p, k[5]);
  for (std::int64_t i = 0; i < n; ++i) {
    const bool kept = detail::dropout_kept(t, seed, counter0 + static_cast<std::uint64_t>(i));
    dx[i] = detail::dropout_element<C, Out>(kept, dy[i], scale, k, i);
  }
}

/// Fast dropout backward with a mask: the reference's bits, on `exec.threads` threads.
template <precision_type P, scalar_type G, scalar_type Out>
void dropout_backward(std::int64_t n, const std::uint8_t* mask, const G* dy, double p, Out* dx,
                      execution exec = {}) {
  if constexpr (!is_ieee_float_v<typename P::compute> || detail::stochastic_precision_v<P, Out>) {
    dropout_backward_reference<P>(n, mask, dy, p, dx, exec);
  } else {
    const char* op = "cpu::dropout_backward";
    detail::check_dropout(op, n, p, "dy", dy, "dx", dx);
    detail::check_pointer(op, "mask", mask, n);
    detail::dropout_float_tiles(n, dy, detail::dropout_scale<float>(p), dx, exec,
                                [&](std::int64_t i) { return mask[i] != 0; });
  }
}

/// Fast dropout backward, the mask drawn again: the reference's bits, on `exec.threads` threads.
template <precision_type P, scalar_type G, scalar_type Out>
void dropout_backward(std::int64_t n, std::uint64_t seed, std::uint64_t counter0, const G* dy,
                      double p, Out* dx, execution exec = {}) {
  if constexpr (!is_ieee_float_v<typename P::compute> || detail::stochastic_precision_v<P, Out>) {
    dropout_backward_reference<P>(n, seed, counter0, dy, p, dx, exec);
  } else {
    detail::check_dropout("cpu::dropout_backward", n, p, "dy", dy, "dx", dx);
    const std::uint64_t t = detail::dropout_threshold(p);
    detail::dropout_float_tiles(
        n, dy, detail::dropout_scale<float>(p), dx, exec, [&](std::int64_t i) {
          return detail::dropout_kept(t, seed, counter0 + static_cast<std::uint64_t>(i));
        });
  }
}

}  // namespace mixprec::cpu
