#pragma once
/// \file format/float_kernels.hpp
/// Branch-free conversions between float and the formats that are narrower than it. They give
/// the same bits as the general engine (format/conversion.hpp) for every input and are written
/// with selects only, so that loops over arrays vectorise; floating<> uses them for float inputs
/// and outputs, and the bulk converters for their portable path.

#include <cstdint>
#include <type_traits>

#include "mixprec/config.hpp"
#include "mixprec/detail/bits.hpp"
#include "mixprec/format/conversion.hpp"
#include "mixprec/format/encoding.hpp"
#include "mixprec/format/rounding.hpp"

namespace mixprec::detail {

/// The default half and bfloat16 (nearest even, IEEE overflow, subnormals kept), which have
/// shorter kernels.
template <class Format, rounding R, overflow O, subnormals S, class Target>
inline constexpr bool is_default =
    std::is_same_v<Format, Target>&& R == rounding::nearest_even&& O == overflow::standard&& S ==
    subnormals::keep;

/// Formats the float kernels handle: signed, with subnormals, at most 22 mantissa bits and an
/// exponent range inside float's; every rounding mode but stochastic.
template <class Format, rounding R>
inline constexpr bool has_float_kernel =
    encoding<Format>::is_signed&& encoding<Format>::has_subnormals&&
            encoding<Format>::mantissa_bits <= 22 &&
    encoding<Format>::emin >= -126 && encoding<Format>::emax <= 127 && R != rounding::stochastic;

/// c ? a : b as arithmetic, so that compilers keep loops over the kernels branch-free.
MIXPREC_HOST_DEVICE constexpr std::uint32_t select(bool c, std::uint32_t a,
                                                   std::uint32_t b) noexcept {
  return b ^ ((a ^ b) & (0u - static_cast<std::uint32_t>(c)));
}

/// float -> Format rounded to nearest even: the common case, with a shorter kernel. Normal
/// results round on the float's bit pattern (rebias the exponent, add half an ulp minus one plus
/// the last kept bit, shift). Below the normal range, adding a power of two whose last place is
/// the format's smallest subnormal makes float addition round at that place (in formats with
/// float's exponent range the bit pattern rounding covers subnormals too). The float addition
/// assumes the default rounding mode, as every float operation mixprec does.
template <class Format, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr std::uint32_t round_float_nearest_even(float x) noexcept {
  using enc = encoding<Format>;
  constexpr int man_bits = enc::mantissa_bits;
  constexpr int shift = 23 - man_bits;
  constexpr std::uint32_t max_mag = static_cast<std::uint32_t>(enc::max_magnitude);
  constexpr std::uint32_t rebias = static_cast<std::uint32_t>(127 - enc::bias) << 23;
  constexpr std::uint32_t min_normal_bits = static_cast<std::uint32_t>(enc::emin + 127) << 23;

  const std::uint32_t u = bit_cast<std::uint32_t>(x);
  const std::uint32_t a = u & 0x7fffffffu;
  std::uint32_t mag = 0;
  if constexpr (enc::emin == -126) {
    // Float's own exponent range (bfloat16, tf32): the bit pattern rounds subnormals too.
    mag = (a + ((1u << (shift - 1)) - 1u) + ((a >> shift) & 1u)) >> shift;
  } else {
    // Normal results (the difference wraps for small inputs, which take the other path).
    const std::uint32_t normal =
        (a - rebias + ((1u << (shift - 1)) - 1u) + ((a >> shift) & 1u)) >> shift;
    constexpr std::uint32_t magic_bits = static_cast<std::uint32_t>(enc::emin - man_bits + 150)
                                         << 23;
    const bool small = a < min_normal_bits;
    // Only small inputs reach the addition, so constant evaluation never meets a NaN there.
    const std::uint32_t sub = bit_cast<std::uint32_t>(bit_cast<float>(select(small, a, 0u)) +
                                                      bit_cast<float>(magic_bits)) -
                              magic_bits;
    mag = select(small, sub, normal);
  }
  if constexpr (S == subnormals::flush) {
    mag = select(mag < (std::uint32_t{1} << man_bits), 0u, mag);
  }
  const std::uint32_t sign = (u >> 31) << (enc::exponent_bits + man_bits);
  std::uint32_t code = sign | mag;
  if constexpr (!enc::has_negative_zero) code = select(mag == 0, 0u, code);  // fnuz: +0 only
  // Overflow and infinity: round-to-nearest sends both to encode_infinity's result, which is the
  // same code for both signs but the sign bit (the fnuz NaN has the sign bit set either way).
  constexpr std::uint32_t inf_code =
      static_cast<std::uint32_t>(encode_infinity<Format, O>(false) >> enc::padding);
  code = select(mag > max_mag, sign | inf_code, code);
  constexpr std::uint32_t nan_code =
      static_cast<std::uint32_t>(encode_nan<Format>(false, 0) >> enc::padding);
  if constexpr (enc::nan == nan_style::ieee) {
    code = select(a > 0x7f800000u, sign | nan_code | ((a & 0x7fffffu) >> shift), code);
  } else if constexpr (enc::nan == nan_style::none) {
    code = select(a > 0x7f800000u, nan_code, code);  // +max
  } else {
    code = select(a > 0x7f800000u, sign | nan_code, code);
  }
  return code << enc::padding;
}

/// float -> Format, rounded once with R, O and S (equal to encode(unpack_value(x))).
template <class Format, rounding R, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr std::uint32_t round_float(float x) noexcept {
  if constexpr (R == rounding::nearest_even) {
    return round_float_nearest_even<Format, O, S>(x);
  } else {
    using enc = encoding<Format>;
    constexpr int man_bits = enc::mantissa_bits;
    constexpr std::uint32_t sign_mask = static_cast<std::uint32_t>(enc::sign_mask);
    constexpr std::uint32_t max_mag = static_cast<std::uint32_t>(enc::max_magnitude);
    constexpr int padding = enc::padding;

    const std::uint32_t u = bit_cast<std::uint32_t>(x);
    const bool negative = (u >> 31) != 0;
    const std::uint32_t a = u & 0x7fffffffu;
    const std::uint32_t sign = select(negative, sign_mask, 0u);
    const int exp_f = static_cast<int>(a >> 23);
    const int exp_eff = exp_f == 0 ? 1 : exp_f;

    // Finite values: |x| = mant * 2^(exp_eff - 150); the last place of the target sits `shift`
    // bits up (more below the target's normal range).
    const std::uint32_t mant = (a & 0x7fffffu) | (exp_f != 0 ? 0x800000u : 0u);
    const int below = (enc::emin + 127) - exp_eff;  // > 0: the result is subnormal (or zero)
    int shift = (23 - man_bits) + (below > 0 ? below : 0);
    shift = shift > 25 ? 25 : shift;  // mant < 2^24: any larger shift behaves the same
    const std::uint32_t kept0 = mant >> shift;
    const std::uint32_t half = (mant >> (shift - 1)) & 1u;
    const bool sticky = (mant & ((1u << (shift - 1)) - 1u)) != 0;
    const bool inexact = (half != 0) | sticky;  // | and &, not || and &&: no branches
    std::uint32_t inc = 0;
    std::uint32_t kept = kept0;
    if constexpr (R == rounding::nearest_even) {
      inc = half & ((sticky ? 1u : 0u) | (kept0 & 1u));
    } else if constexpr (R == rounding::nearest_away) {
      inc = half;
    } else if constexpr (R == rounding::upward) {
      inc = (inexact & !negative) ? 1u : 0u;
    } else if constexpr (R == rounding::downward) {
      inc = (inexact & negative) ? 1u : 0u;
    } else if constexpr (R == rounding::to_odd) {
      kept |= inexact ? 1u : 0u;
    }
    kept += inc;
    const std::uint32_t base =
        below > 0 ? 0u : static_cast<std::uint32_t>(exp_eff - 127 + enc::bias - 1) << man_bits;
    std::uint32_t mag = base + kept;  // a carry into the next binade falls out of the sum

    // Overflow, by rounding direction and overflow mode (as encode_overflow).
    constexpr std::uint32_t pos_overflow =
        static_cast<std::uint32_t>(encode_overflow<Format, R, O>(false) >> padding);
    constexpr std::uint32_t neg_overflow =
        static_cast<std::uint32_t>(encode_overflow<Format, R, O>(true) >> padding);
    const bool overflows = (a < 0x7f800000u) & ((exp_f - 127 > enc::emax) | (mag > max_mag));
    if constexpr (S == subnormals::flush) {
      mag = select(mag < (std::uint32_t{1} << man_bits), 0u, mag);
    }
    const bool zero_sign = enc::has_negative_zero & negative;
    std::uint32_t code = select(mag == 0, select(zero_sign, sign_mask, 0u), sign | mag);
    code = select(overflows, select(negative, neg_overflow, pos_overflow), code);

    // Infinities and NaNs.
    constexpr std::uint32_t pos_inf =
        static_cast<std::uint32_t>(encode_infinity<Format, O>(false) >> padding);
    constexpr std::uint32_t neg_inf =
        static_cast<std::uint32_t>(encode_infinity<Format, O>(true) >> padding);
    code = select(a == 0x7f800000u, select(negative, neg_inf, pos_inf), code);
    constexpr std::uint32_t pos_nan =
        static_cast<std::uint32_t>(encode_nan<Format>(false, 0) >> padding);
    constexpr std::uint32_t neg_nan =
        static_cast<std::uint32_t>(encode_nan<Format>(true, 0) >> padding);
    std::uint32_t nan_code = select(negative, neg_nan, pos_nan);
    if constexpr (enc::nan == nan_style::ieee) {
      nan_code |= (a & 0x7fffffu) >> (23 - man_bits);  // payload; the quiet bit is already set
    }
    code = select(a > 0x7f800000u, nan_code, code);
    return code << padding;
  }
}

/// Format -> float, exact (equal to to_float(decode(code))).
template <class Format, subnormals S>
MIXPREC_HOST_DEVICE constexpr float widen_to_float(std::uint32_t code) noexcept {
  if constexpr (is_default<Format, rounding::nearest_even, overflow::standard, S, formats::bf16>) {
    const bool nan = (code & 0x7fffu) > 0x7f80u;
    return bit_cast<float>((code << 16) | select(nan, 0x400000u, 0u));
  }
  using enc = encoding<Format>;
  constexpr int man_bits = enc::mantissa_bits;
  code >>= enc::padding;
  const std::uint32_t sign =
      select((code & static_cast<std::uint32_t>(enc::sign_mask)) != 0, 0x80000000u, 0u);
  const std::uint32_t mag = code & static_cast<std::uint32_t>(enc::magnitude_mask);
  const std::uint32_t exp_field = mag >> man_bits;
  const std::uint32_t man = mag & static_cast<std::uint32_t>(enc::mantissa_mask);
  // Normal: rebias the exponent, widen the mantissa.
  std::uint32_t bits =
      ((exp_field + static_cast<std::uint32_t>(127 - enc::bias)) << 23) | (man << (23 - man_bits));
  // Subnormal: man * 2^(emin - M). Where emin is float's own (bfloat16, tf32) the mantissa just
  // moves into a float subnormal; elsewhere man * 2^(emin - M) is a normal float, computed exactly
  // by one multiplication with that power of two.
  std::uint32_t sub_bits = man << (23 - man_bits);
  if constexpr (enc::emin > -126) {
    constexpr float subnormal_scale =
        bit_cast<float>(static_cast<std::uint32_t>(enc::emin - man_bits + 127) << 23);
    sub_bits = bit_cast<std::uint32_t>(static_cast<float>(man) * subnormal_scale);
  }
  bits = select(exp_field == 0, S == subnormals::flush ? 0u : sub_bits, bits);
  bits |= sign;
  if constexpr (enc::nan == nan_style::ieee) {
    const bool special = exp_field == static_cast<std::uint32_t>(enc::exponent_all_ones);
    const std::uint32_t special_bits =
        sign | 0x7f800000u | (man << (23 - man_bits)) | select(man != 0, 0x400000u, 0u);
    bits = select(special, special_bits, bits);
  } else if constexpr (enc::nan == nan_style::all_ones) {
    bits = select(mag == static_cast<std::uint32_t>(enc::magnitude_mask), sign | 0x7fc00000u, bits);
  } else if constexpr (enc::nan == nan_style::negative_zero) {
    bits = select(code == static_cast<std::uint32_t>(enc::sign_mask), 0x7fc00000u, bits);
  }
  return bit_cast<float>(bits);
}

}  // namespace mixprec::detail
