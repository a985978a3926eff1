#pragma once
/// \file format/conversion.hpp
/// The conversion engine. Every value a floating type produces passes through `encode`: an exact
/// value (sign, integer significand, power-of-two exponent) is rounded ONCE into the target format
/// with the target's rounding, overflow and subnormal behaviour. `decode` is its exact inverse.

#include <cstdint>

#include "mixprec/config.hpp"
#include "mixprec/detail/bits.hpp"
#include "mixprec/format/encoding.hpp"
#include "mixprec/format/rounding.hpp"

namespace mixprec::detail {

/// A value in exact form. For `finite`: |value| = sig * 2^exp with sig != 0; the lowest bit of sig
/// may be a "sticky" bit standing for a nonzero remainder below it, provided sig has at least
/// 40 significant bits (so that bit lies below every rounding position). For `nan`: sig holds
/// the payload left-aligned, its bit 63 at the position of the quiet bit.
struct unpacked {
  enum class kind : std::uint8_t { zero, finite, infinite, nan };
  kind k = kind::zero;
  bool sign = false;
  int exp = 0;
  std::uint64_t sig = 0;
};

MIXPREC_HOST_DEVICE constexpr unpacked make_zero(bool sign) noexcept {
  return {unpacked::kind::zero, sign, 0, 0};
}
MIXPREC_HOST_DEVICE constexpr unpacked make_infinity(bool sign) noexcept {
  return {unpacked::kind::infinite, sign, 0, 0};
}
/// The default NaN of invalid operations (positive, no payload).
MIXPREC_HOST_DEVICE constexpr unpacked make_nan() noexcept {
  return {unpacked::kind::nan, false, 0, 0};
}
MIXPREC_HOST_DEVICE constexpr unpacked make_finite(bool sign, int exp, std::uint64_t sig) noexcept {
  return {unpacked::kind::finite, sign, exp, sig};
}

/// Decodes an (unpadded or padded) storage code exactly. With Flush, subnormal codes read as
/// zeros of the same sign.
template <class Format, bool Flush>
MIXPREC_HOST_DEVICE constexpr unpacked decode(std::uint64_t code) noexcept {
  using enc = encoding<Format>;
  code >>= enc::padding;
  const bool sign = (code & enc::sign_mask) != 0;
  const std::uint64_t mag = code & enc::magnitude_mask;
  if constexpr (enc::nan == nan_style::ieee) {
    if ((mag >> enc::mantissa_bits) == enc::exponent_all_ones) {
      const std::uint64_t man = mag & enc::mantissa_mask;
      if (man == 0) return make_infinity(sign);
      return {unpacked::kind::nan, sign, 0, man << (64 - enc::mantissa_bits)};
    }
  } else if constexpr (enc::nan == nan_style::all_ones) {
    if (mag == enc::magnitude_mask) return {unpacked::kind::nan, sign, 0, 0};
  } else if constexpr (enc::nan == nan_style::negative_zero) {
    if (code == enc::sign_mask) return make_nan();
  }
  const std::uint64_t exp_field = mag >> enc::mantissa_bits;
  const std::uint64_t man = mag & enc::mantissa_mask;
  if constexpr (enc::has_subnormals) {
    if (exp_field == 0) {
      if (man == 0 || Flush) return make_zero(sign);
      return make_finite(sign, enc::emin - enc::mantissa_bits, man);
    }
  }
  return make_finite(sign, static_cast<int>(exp_field) - enc::bias - enc::mantissa_bits,
                     man | (std::uint64_t{1} << enc::mantissa_bits));
}

/// Packs a sign and a magnitude code into the (padded) storage code.
template <class Format>
MIXPREC_HOST_DEVICE constexpr std::uint64_t pack(bool sign, std::uint64_t magnitude) noexcept {
  using enc = encoding<Format>;
  return ((sign ? enc::sign_mask : 0) | magnitude) << enc::padding;
}

template <class Format>
MIXPREC_HOST_DEVICE constexpr std::uint64_t encode_nan(bool sign, std::uint64_t payload) noexcept {
  using enc = encoding<Format>;
  if constexpr (enc::nan == nan_style::ieee) {
    const std::uint64_t man = (payload >> (64 - enc::mantissa_bits)) | enc::quiet_bit;
    return pack<Format>(sign, enc::infinity_magnitude | man);
  } else if constexpr (enc::nan == nan_style::all_ones) {
    return pack<Format>(sign && enc::is_signed, enc::magnitude_mask);
  } else if constexpr (enc::nan == nan_style::negative_zero) {
    return pack<Format>(true, 0);
  } else {
    return pack<Format>(false, enc::max_magnitude);  // no NaN: +max
  }
}

template <class Format>
MIXPREC_HOST_DEVICE constexpr std::uint64_t encode_max(bool sign) noexcept {
  using enc = encoding<Format>;
  if (sign && !enc::is_signed) return encode_nan<Format>(true, 0);
  return pack<Format>(sign, encoding<Format>::max_magnitude);
}

/// An infinite result (an infinite operand, division by zero, or an overflow that the rounding
/// direction sends to infinity).
template <class Format, overflow O>
MIXPREC_HOST_DEVICE constexpr std::uint64_t encode_infinity(bool sign) noexcept {
  using enc = encoding<Format>;
  if (sign && !enc::is_signed) return encode_nan<Format>(true, 0);
  if constexpr (O == overflow::saturate) {
    return encode_max<Format>(sign);
  } else if constexpr (enc::has_infinity) {
    return pack<Format>(sign, enc::infinity_magnitude);
  } else if constexpr (enc::has_nan) {
    return encode_nan<Format>(sign, 0);
  } else {
    return encode_max<Format>(sign);
  }
}

template <class Format>
MIXPREC_HOST_DEVICE constexpr std::uint64_t encode_zero(bool sign) noexcept {
  using enc = encoding<Format>;
  // Formats without zero (E8M0) give their smallest value.
  return pack<Format>(sign && enc::has_negative_zero && enc::has_zero, 0);
}

/// A finite result whose magnitude rounded beyond the largest finite value.
template <class Format, rounding R, overflow O>
MIXPREC_HOST_DEVICE constexpr std::uint64_t encode_overflow(bool sign) noexcept {
  const bool to_infinity = R == rounding::nearest_even || R == rounding::nearest_away ||
                           R == rounding::stochastic || (R == rounding::upward && !sign) ||
                           (R == rounding::downward && sign);
  if (O == overflow::standard && to_infinity) return encode_infinity<Format, O>(sign);
  return encode_max<Format>(sign);
}

/// sig / 2^shift (shift > 0) rounded to an integer in mode R; `sign` is the sign of the value.
/// `random` is used only by rounding::stochastic: the result moves away from zero iff random is
/// below the discarded fraction expressed in units of 2^-32 (truncated).
template <rounding R>
MIXPREC_HOST_DEVICE constexpr std::uint64_t round_shifted(std::uint64_t sig, int shift, bool sign,
                                                          std::uint32_t random) noexcept {
  std::uint64_t kept = 0;
  bool half = false, sticky = false;
  if (shift < 64) {
    kept = sig >> shift;
    half = ((sig >> (shift - 1)) & 1) != 0;
    sticky = (sig & ((std::uint64_t{1} << (shift - 1)) - 1)) != 0;
  } else if (shift == 64) {
    half = (sig >> 63) != 0;
    sticky = (sig << 1) != 0;
  } else {
    sticky = sig != 0;
  }
  const bool inexact = half || sticky;
  switch (R) {
    case rounding::nearest_even:
      return kept + (half && (sticky || (kept & 1) != 0) ? 1 : 0);
    case rounding::nearest_away:
      return kept + (half ? 1 : 0);
    case rounding::toward_zero:
      return kept;
    case rounding::upward:
      return kept + (inexact && !sign ? 1 : 0);
    case rounding::downward:
      return kept + (inexact && sign ? 1 : 0);
    case rounding::to_odd:
      return kept | (inexact ? 1 : 0);
    case rounding::stochastic:
      break;
  }
  std::uint32_t fraction = 0;  // discarded part in units of 2^-32
  const std::uint64_t rem = shift < 64 ? sig & ((std::uint64_t{1} << shift) - 1) : sig;
  if (shift <= 32) {
    fraction = static_cast<std::uint32_t>(rem << (32 - shift));
  } else if (shift - 32 < 64) {
    fraction = static_cast<std::uint32_t>(rem >> (shift - 32));
  }
  return kept + (random < fraction ? 1 : 0);
}

/// Rounds sig * 2^exp (sig != 0, negated when `sign`) once into Format. `random` is used only by
/// rounding::stochastic: the result moves away from zero iff random < the discarded fraction
/// expressed in units of 2^-32 of the gap (truncated).
template <class Format, rounding R, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr std::uint64_t round_finite(bool sign, int exp, std::uint64_t sig,
                                                         std::uint32_t random) noexcept {
  using enc = encoding<Format>;
  constexpr int man_bits = enc::mantissa_bits;
  if (sign && !enc::is_signed) return encode_nan<Format>(true, 0);
  const int e = exp + bit_width_minus_one(sig);  // |value| in [2^e, 2^(e+1))
  if (e > enc::emax) return encode_overflow<Format, R, O>(sign);
  // Exponent of the last place: the binade's own, or emin's below the normal range.
  const int quantum = (e < enc::emin ? enc::emin : e) - man_bits;
  const int shift = quantum - exp;
  const std::uint64_t kept = shift <= 0 ? sig << -shift  // exact; fits because e <= emax
                                        : round_shifted<R>(sig, shift, sign, random);
  // kept counts last places from the bottom of the binade below the one it starts in, so adding
  // it to the code of that binade gives the code; a carry into the next binade falls out.
  const std::int64_t magnitude = static_cast<std::int64_t>(quantum + man_bits + enc::bias - 1) *
                                     (std::int64_t{1} << man_bits) +
                                 static_cast<std::int64_t>(kept);
  if constexpr (!enc::has_zero) {
    if (magnitude < 0) return pack<Format>(false, 0);  // below the smallest value: the smallest
  }
  const auto mag = static_cast<std::uint64_t>(magnitude);
  if (mag > enc::max_magnitude) return encode_overflow<Format, R, O>(sign);
  if (mag == 0) return encode_zero<Format>(sign);
  if constexpr (S == subnormals::flush && enc::has_subnormals) {
    if (mag < (std::uint64_t{1} << man_bits)) return encode_zero<Format>(sign);
  }
  return pack<Format>(sign, mag);
}

/// Encodes any exact value into Format, rounding once.
template <class Format, rounding R, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr std::uint64_t encode(const unpacked& u,
                                                   std::uint32_t random = 0) noexcept {
  switch (u.k) {
    case unpacked::kind::zero:
      return encode_zero<Format>(u.sign);
    case unpacked::kind::infinite:
      return encode_infinity<Format, O>(u.sign);
    case unpacked::kind::nan:
      return encode_nan<Format>(u.sign, u.sig);
    case unpacked::kind::finite:
      break;
  }
  return round_finite<Format, R, O, S>(u.sign, u.exp, u.sig, random);
}

// Unpacking of the built-in arithmetic types.

MIXPREC_HOST_DEVICE constexpr unpacked unpack_value(float x) noexcept {
  return decode<formats::fp32, false>(bit_cast<std::uint32_t>(x));
}
MIXPREC_HOST_DEVICE constexpr unpacked unpack_value(double x) noexcept {
  return decode<binary64, false>(bit_cast<std::uint64_t>(x));
}
template <class Int>
MIXPREC_HOST_DEVICE constexpr unpacked unpack_integer(Int x) noexcept {
  if (x == 0) return make_zero(false);
  if constexpr (static_cast<Int>(-1) < static_cast<Int>(0)) {
    // Negate in unsigned arithmetic so that the most negative value is defined.
    const auto u = static_cast<std::uint64_t>(static_cast<long long>(x));
    return x < 0 ? make_finite(true, 0, ~u + 1) : make_finite(false, 0, u);
  } else {
    return make_finite(false, 0, static_cast<std::uint64_t>(x));
  }
}

template <class Format>
MIXPREC_HOST_DEVICE constexpr std::uint64_t round_exact_into(const unpacked& u) noexcept {
  return encode<Format, rounding::nearest_even, overflow::standard, subnormals::keep>(u);
}

/// Exact conversion out to float (every format's values are floats).
MIXPREC_HOST_DEVICE constexpr float to_float(const unpacked& u) noexcept {
  return bit_cast<float>(static_cast<std::uint32_t>(round_exact_into<formats::fp32>(u)));
}
/// Exact conversion out to double.
MIXPREC_HOST_DEVICE constexpr double to_double(const unpacked& u) noexcept {
  return bit_cast<double>(round_exact_into<binary64>(u));
}

}  // namespace mixprec::detail
