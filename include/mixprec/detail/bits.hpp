#pragma once
/// \file detail/bits.hpp
/// Bit manipulation that works in constant expressions, on the host and on the device.

#include <cstdint>

#include "mixprec/config.hpp"

namespace mixprec::detail {

/// std::bit_cast, usable in device code without relaxed constexpr.
template <class To, class From>
MIXPREC_HOST_DEVICE constexpr To bit_cast(const From& from) noexcept {
  static_assert(sizeof(To) == sizeof(From));
  return __builtin_bit_cast(To, from);
}

/// std::is_constant_evaluated, usable in device code.
MIXPREC_HOST_DEVICE constexpr bool is_constant_evaluated() noexcept {
  return __builtin_is_constant_evaluated();
}

/// Number of leading zero bits of a 64-bit word (64 for zero).
MIXPREC_HOST_DEVICE constexpr int countl_zero(std::uint64_t x) noexcept {
#if !defined(MIXPREC_DEVICE_PASS)
  return x == 0 ? 64 : __builtin_clzll(x);
#else
  if (x == 0) return 64;
  int n = 0;
  if ((x >> 32) == 0) n += 32, x <<= 32;
  if ((x >> 48) == 0) n += 16, x <<= 16;
  if ((x >> 56) == 0) n += 8, x <<= 8;
  if ((x >> 60) == 0) n += 4, x <<= 4;
  if ((x >> 62) == 0) n += 2, x <<= 2;
  if ((x >> 63) == 0) n += 1;
  return n;
#endif
}

/// Index of the most significant set bit of a nonzero word.
MIXPREC_HOST_DEVICE constexpr int bit_width_minus_one(std::uint64_t x) noexcept {
  return 63 - countl_zero(x);
}

/// Shifts right by `n`, OR-ing every bit shifted out into the lowest bit ("jamming"), so that the
/// result still tells whether the discarded part was zero.
MIXPREC_HOST_DEVICE constexpr std::uint64_t shift_right_jam(std::uint64_t x, int n) noexcept {
  if (n <= 0) return x;
  if (n >= 64) return x != 0 ? 1 : 0;
  return (x >> n) | ((x & ((std::uint64_t{1} << n) - 1)) != 0 ? 1 : 0);
}

/// Floor of the square root of a 64-bit integer.
MIXPREC_HOST_DEVICE constexpr std::uint64_t isqrt(std::uint64_t x) noexcept {
  std::uint64_t root = 0;
  std::uint64_t bit = std::uint64_t{1} << 62;
  while (bit > x) bit >>= 2;
  while (bit != 0) {
    if (x >= root + bit) {
      x -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return root;
}

/// A 64-bit finaliser with full avalanche (the one of SplitMix64), to turn operand bits into a
/// counter for stateless stochastic rounding.
MIXPREC_HOST_DEVICE constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace mixprec::detail
