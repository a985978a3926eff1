#pragma once
/// \file format/math.hpp
/// The <cmath> functions for every floating type, as free functions found by ADL.
///
/// Two kinds:
///  - exact functions (abs, fabs, copysign, nextafter, frexp, ldexp, scalbn, ilogb, logb, floor,
///    ceil, trunc, round, nearbyint, rint, modf, fmin, fmax, fdim, fmod, remainder): computed on
///    the exact value with integer arithmetic, constexpr and usable on CUDA devices. Their result
///    is the exact IEEE / C result, passed through the type's rounding, overflow and subnormal
///    rules like any produced value (it is representable but for the cases listed per function:
///    flushed subnormals, E8M0's missing zero, a largest finite value that is not an integer).
///    abs, fabs, copysign, fmin and fmax only move or select sign bits and codes (like unary
///    minus) and never round.
///  - libm-based functions (exp ... cbrt, pow, atan2, hypot): `T(std::f(double(x)))`, the double
///    result rounded once into T with T's rounding mode. IEEE / C special cases come from double;
///    in formats without infinity or NaN they then follow T's conversion rules (a NaN result is
///    +max in E3M2/E2M3/E2M1, an infinite one NaN in E4M3 and the fnuz formats, -inf is NaN in
///    E8M0, and so on). Host only. Accuracy (docs/math.md): within 0.5 ulp + 2^-30 under the
///    nearest modes and within 1 ulp + 2^-30 under the others, measured exhaustively.

#include <climits>
#include <cmath>
#include <cstdint>

#include "mixprec/config.hpp"
#include "mixprec/detail/bits.hpp"
#include "mixprec/format/arithmetic.hpp"
#include "mixprec/format/conversion.hpp"
#include "mixprec/format/encoding.hpp"
#include "mixprec/format/floating.hpp"

namespace mixprec {

namespace detail::math {

/// The rounding site of nearbyint / rint for stochastic types (see detail::value_random): they
/// round onto the integers, not onto the type's grid, so their bits differ from a conversion's.
inline constexpr std::uint64_t rint_site = 0x6d61746800000001ULL;  // "math" << 32 | 1

/// The unpadded code of a value.
template <class T>
MIXPREC_HOST_DEVICE constexpr std::uint64_t code_of(T x) noexcept {
  return static_cast<std::uint64_t>(x.bits()) >> encoding<typename T::format>::padding;
}

/// The value with the given sign and magnitude code.
template <class T>
MIXPREC_HOST_DEVICE constexpr T from_magnitude(bool sign, std::uint64_t magnitude) noexcept {
  return T::from_bits(static_cast<typename T::storage>(pack<typename T::format>(sign, magnitude)));
}

/// Rounds a finite value to an integer in mode M (the integer is exact; zero keeps the sign).
/// NaN, infinities, zeros and values that are already integers are returned unchanged.
template <rounding M>
MIXPREC_HOST_DEVICE constexpr unpacked round_integral(const unpacked& u,
                                                      std::uint32_t random) noexcept {
  if (u.k != kind::finite || u.exp >= 0) return u;
  const std::uint64_t kept = round_shifted<M>(u.sig, -u.exp, u.sign, random);
  if (kept == 0) return make_zero(u.sign);
  return make_finite(u.sign, 0, kept);
}

/// |x| mod |y| for finite nonzero x and y with significands below 2^25: the remainder r and the
/// exact |y| as integers in units of 2^exp (y_units == 0 stands for "|y| > 2|x|"), and the parity
/// of the integer quotient.
struct modulus {
  std::uint64_t r;
  std::uint64_t y_units;
  int exp;
  bool odd;
};

MIXPREC_HOST_DEVICE constexpr modulus mod_magnitudes(const unpacked& x,
                                                     const unpacked& y) noexcept {
  if (x.exp >= y.exp) {
    // (x.sig * 2^d) mod y.sig, a chunk of at most 39 doublings at a time: r < y.sig < 2^25.
    std::uint64_t r = x.sig % y.sig;
    bool odd = ((x.sig / y.sig) & 1) != 0;
    int d = x.exp - y.exp;
    while (d > 0) {
      const int k = d < 39 ? d : 39;
      const std::uint64_t t = r << k;
      odd = ((t / y.sig) & 1) != 0;  // the quotient's last chunk holds its lowest bit
      r = t % y.sig;
      d -= k;
    }
    return {r, y.sig, y.exp, odd};
  }
  const int d = y.exp - x.exp;
  if (d > 39) return {x.sig, 0, x.exp, false};  // |y| >= 2^(x.exp + 40) > 2|x|
  const std::uint64_t yu = y.sig << d;
  return {x.sig % yu, yu, x.exp, ((x.sig / yu) & 1) != 0};
}

/// fmod (Remainder = false) or IEEE remainder of two values, exactly.
template <bool Remainder>
MIXPREC_HOST_DEVICE constexpr unpacked mod(const unpacked& x, const unpacked& y) noexcept {
  if (x.k == kind::nan || y.k == kind::nan) return propagate_nan(x, y);
  if (x.k == kind::infinite || y.k == kind::zero) return make_nan();
  if (y.k == kind::infinite || x.k == kind::zero) return x;
  modulus m = mod_magnitudes(x, y);
  bool sign = x.sign;
  if constexpr (Remainder) {
    // Round the quotient to nearest even: subtract one more |y| past the half-way point.
    if (m.y_units != 0 && (2 * m.r > m.y_units || (2 * m.r == m.y_units && m.odd))) {
      m.r = m.y_units - m.r;
      sign = !sign;
    }
  }
  if (m.r == 0) return make_zero(x.sign);
  return make_finite(sign, m.exp, m.r);
}

}  // namespace detail::math

#define MIXPREC_FLOATING_TEMPLATE template <class F, rounding R, overflow O, subnormals S>
#define MIXPREC_FLOATING floating<F, R, O, S>

// ---- sign bits ----------------------------------------------------------------------------------

/// |x|: clears the sign bit (never rounds or flushes, like unary minus). The fnuz NaN stays NaN;
/// in an unsigned format (E8M0) x itself.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING abs(MIXPREC_FLOATING x) noexcept {
  using enc = detail::encoding<F>;
  const std::uint64_t code = detail::math::code_of(x);
  if constexpr (enc::nan == nan_style::negative_zero) {
    if (code == enc::sign_mask) return x;  // the NaN
  }
  return detail::math::from_magnitude<MIXPREC_FLOATING>(false, code & enc::magnitude_mask);
}

/// Same as abs.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING fabs(MIXPREC_FLOATING x) noexcept { return abs(x); }

/// The magnitude of x with the sign bit of y (y's sign bit even when y is NaN; the fnuz NaN has
/// its sign bit set). Never rounds. In the fnuz formats 0 and NaN keep their single code; in
/// E8M0 the result is x.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING copysign(MIXPREC_FLOATING x,
                                                        MIXPREC_FLOATING y) noexcept {
  using enc = detail::encoding<F>;
  if constexpr (!enc::is_signed) {
    return x;
  } else {
    const std::uint64_t code = detail::math::code_of(x), mag = code & enc::magnitude_mask;
    if constexpr (enc::nan == nan_style::negative_zero) {
      if (mag == 0) return x;  // +0 or the NaN
    }
    const bool sign = (detail::math::code_of(y) & enc::sign_mask) != 0;
    return detail::math::from_magnitude<MIXPREC_FLOATING>(sign, mag);
  }
}

// ---- neighbours and exponents -------------------------------------------------------------------

/// The next value of the type after x in the direction of y, in value order: y when x == y;
/// NaN when either is NaN; from ±0 the smallest value of y's sign (the smallest normal one when
/// the type flushes subnormals, whose codes count as zeros); toward zero from the smallest
/// magnitude, a zero with x's sign (+0 in fnuz); from ±inf, ±max; beyond ±max, the type's
/// infinite result: ±inf, NaN where the format has no infinity, ±max when saturating (in
/// formats without infinity or NaN there is no value beyond max to move toward).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING nextafter(MIXPREC_FLOATING x,
                                                         MIXPREC_FLOATING y) noexcept {
  using T = MIXPREC_FLOATING;
  using enc = detail::encoding<F>;
  const detail::unpacked ux = x.unpack(), uy = y.unpack();
  if (ux.k == detail::kind::nan || uy.k == detail::kind::nan) {
    return T::round(detail::propagate_nan(ux, uy));
  }
  if (x == y) return y;
  const bool up = x < y;
  if (ux.k == detail::kind::zero) {
    constexpr bool flush = S == subnormals::flush && enc::has_subnormals;
    constexpr std::uint64_t smallest = flush ? std::uint64_t{1} << enc::mantissa_bits : 1;
    return detail::math::from_magnitude<T>(!up, smallest);
  }
  const std::uint64_t mag = detail::math::code_of(x) & enc::magnitude_mask;
  if (up != ux.sign) {  // away from zero
    if (mag >= enc::max_magnitude) {
      return T::from_bits(static_cast<typename T::storage>(
          detail::encode_infinity<F, O>(ux.sign)));  // only from ±max (y is ±inf)
    }
    return detail::math::from_magnitude<T>(ux.sign, mag + 1);
  }
  if (ux.k == detail::kind::infinite)
    return detail::math::from_magnitude<T>(ux.sign, enc::max_magnitude);
  if constexpr (!enc::has_zero) {
    if (mag == 0) return x;  // unreachable: nothing lies below E8M0's smallest value
  }
  const std::uint64_t next = mag - 1;
  if (next == 0 || (S == subnormals::flush && enc::has_subnormals &&
                    next < (std::uint64_t{1} << enc::mantissa_bits))) {
    return T::from_bits(static_cast<typename T::storage>(detail::encode_zero<F>(ux.sign)));
  }
  return detail::math::from_magnitude<T>(ux.sign, next);
}

/// x * 2^n, rounded once with the type's rules (exact unless it overflows or falls below the
/// normal range). Infinite and NaN x are returned as the type produces them (a saturating type
/// gives ±max for ±inf).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING ldexp(MIXPREC_FLOATING x, int n) noexcept {
  detail::unpacked u = x.unpack();
  if (u.k == detail::kind::finite) {
    // Every finite value of every format lies within 2^±200, so clamping n keeps the result.
    u.exp += n < -4096 ? -4096 : (n > 4096 ? 4096 : n);
  }
  std::uint32_t random = 0;
  if constexpr (R == rounding::stochastic) random = detail::value_random(u);
  return MIXPREC_FLOATING::round(u, random);
}

/// Same as ldexp (the radix is 2).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING scalbn(MIXPREC_FLOATING x, int n) noexcept {
  return ldexp(x, n);
}

/// Splits x into a fraction f with 0.5 <= |f| < 1 and *exp with x = f * 2^*exp. Zero, infinite
/// and NaN x give x and *exp = 0. Exact whenever [0.5, 1) is a normal binade of the type; in
/// formats with emin >= 0 (E2M1, E2M3, ieee<2, M>) the fraction is subnormal there and is
/// rounded with the type's mode (it may then round to 1), and flushing types give ±0 for it.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING frexp(MIXPREC_FLOATING x, int* exp) noexcept {
  detail::unpacked u = x.unpack();
  *exp = 0;
  if (u.k == detail::kind::finite) {
    const int k = u.exp + detail::bit_width_minus_one(u.sig) + 1;  // |x| in [2^(k-1), 2^k)
    *exp = k;
    u.exp -= k;
  }
  std::uint32_t random = 0;
  if constexpr (R == rounding::stochastic) random = detail::value_random(u);
  return MIXPREC_FLOATING::round(u, random);
}

/// floor(log2 |x|) as an int: FP_ILOGB0 for zero (and flushed subnormals), FP_ILOGBNAN for NaN,
/// INT_MAX for infinities.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr int ilogb(MIXPREC_FLOATING x) noexcept {
  const detail::unpacked u = x.unpack();
  switch (u.k) {
    case detail::kind::zero:
      return FP_ILOGB0;
    case detail::kind::nan:
      return FP_ILOGBNAN;
    case detail::kind::infinite:
      return INT_MAX;
    case detail::kind::finite:
      break;
  }
  return u.exp + detail::bit_width_minus_one(u.sig);
}

/// floor(log2 |x|) as a value of the type (rounded with its mode where the integer is not
/// representable, e.g. in E2M1 or E8M0); -inf for zero, +inf for infinities, NaN for NaN (as the
/// type produces them: -inf is NaN or -max in formats without infinity).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING logb(MIXPREC_FLOATING x) noexcept {
  const detail::unpacked u = x.unpack();
  switch (u.k) {
    case detail::kind::zero:
      return MIXPREC_FLOATING::round(detail::make_infinity(true));
    case detail::kind::nan:
      return MIXPREC_FLOATING::round(u);
    case detail::kind::infinite:
      return MIXPREC_FLOATING::round(detail::make_infinity(false));
    case detail::kind::finite:
      break;
  }
  const detail::unpacked e = detail::unpack_integer(u.exp + detail::bit_width_minus_one(u.sig));
  std::uint32_t random = 0;
  if constexpr (R == rounding::stochastic) random = detail::value_random(e);
  return MIXPREC_FLOATING::round(e, random);
}

// ---- rounding to integers -----------------------------------------------------------------------

/// The largest integer <= x. Zeros, infinities and NaN pass (NaN quieted); the integer is
/// representable in every format but E8M0 (no zero: floor of 2^-k is its smallest value 2^-127).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING floor(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING::round(detail::math::round_integral<rounding::downward>(x.unpack(), 0));
}

/// The smallest integer >= x (ceil(-0.5) = -0). Overflows (per the type's rules) only where the
/// largest finite value is not an integer: ceil(7.5) in E2M3 is 8, which rounds to 7.5.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING ceil(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING::round(detail::math::round_integral<rounding::upward>(x.unpack(), 0));
}

/// x rounded toward zero to an integer.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING trunc(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING::round(
      detail::math::round_integral<rounding::toward_zero>(x.unpack(), 0));
}

/// x rounded to the nearest integer, ties away from zero (round(2.5) = 3, round(-0.5) = -1).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING round(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING::round(
      detail::math::round_integral<rounding::nearest_away>(x.unpack(), 0));
}

/// x rounded to an integer in the type's rounding mode R (nearest_even: rint(2.5) = 2; to_odd:
/// an inexact x goes to the odd neighbouring integer; stochastic: up with probability equal to
/// the fraction, with random bits that are a function of x alone: the same x always rounds the
/// same way).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING nearbyint(MIXPREC_FLOATING x) noexcept {
  std::uint32_t random = 0;
  if constexpr (R == rounding::stochastic) {
    random = detail::value_random(x.unpack(), detail::math::rint_site);
  }
  return MIXPREC_FLOATING::round(detail::math::round_integral<R>(x.unpack(), random));
}

/// Same as nearbyint (mixprec raises no floating-point exceptions).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING rint(MIXPREC_FLOATING x) noexcept {
  return nearbyint(x);
}

/// Splits x into its integral part (stored in *integral, trunc(x)) and its fractional part
/// (returned, with x's sign; ±0 for integers and infinities). Both are exact but where the type
/// flushes a subnormal fraction or E8M0 has no zero.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING modf(MIXPREC_FLOATING x,
                                                    MIXPREC_FLOATING* integral) noexcept {
  using T = MIXPREC_FLOATING;
  const detail::unpacked u = x.unpack();
  *integral = T::round(detail::math::round_integral<rounding::toward_zero>(u, 0));
  switch (u.k) {
    case detail::kind::nan:
      return T::round(u);
    case detail::kind::zero:
    case detail::kind::infinite:
      return T::round(detail::make_zero(u.sign));
    case detail::kind::finite:
      break;
  }
  if (u.exp >= 0) return T::round(detail::make_zero(u.sign));
  const int shift = -u.exp;
  const std::uint64_t frac = shift < 64 ? u.sig & ((std::uint64_t{1} << shift) - 1) : u.sig;
  if (frac == 0) return T::round(detail::make_zero(u.sign));
  return T::round(detail::make_finite(u.sign, u.exp, frac));
}

// ---- remainders ---------------------------------------------------------------------------------

/// x - trunc(x / y) * y, exactly (sign of x; fmod(±0, y) = ±0, fmod(x, ±inf) = x; NaN for
/// x = ±inf or y = 0). Representable but where the type flushes it or E8M0 lacks zero.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING fmod(MIXPREC_FLOATING x,
                                                    MIXPREC_FLOATING y) noexcept {
  return MIXPREC_FLOATING::round(detail::math::mod<false>(x.unpack(), y.unpack()));
}

/// The IEEE remainder x - n * y with n = x / y rounded to the nearest integer, ties to even,
/// exactly (|result| <= |y| / 2; a zero result has x's sign).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING remainder(MIXPREC_FLOATING x,
                                                         MIXPREC_FLOATING y) noexcept {
  return MIXPREC_FLOATING::round(detail::math::mod<true>(x.unpack(), y.unpack()));
}

// ---- min, max, positive difference --------------------------------------------------------------

/// The smaller of x and y; a NaN operand is ignored (NaN only when both are, quieted). -0 counts
/// as smaller than +0. Returns the chosen operand unchanged.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING fmin(MIXPREC_FLOATING x,
                                                    MIXPREC_FLOATING y) noexcept {
  if (detail::is_nan(x)) return detail::is_nan(y) ? MIXPREC_FLOATING::round(x.unpack()) : y;
  if (detail::is_nan(y)) return x;
  if (x < y) return x;
  if (y < x) return y;
  return x.unpack().sign ? x : y;  // equal: prefer -0
}

/// The larger of x and y; a NaN operand is ignored (NaN only when both are, quieted). +0 counts
/// as larger than -0. Returns the chosen operand unchanged.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING fmax(MIXPREC_FLOATING x,
                                                    MIXPREC_FLOATING y) noexcept {
  if (detail::is_nan(x)) return detail::is_nan(y) ? MIXPREC_FLOATING::round(x.unpack()) : y;
  if (detail::is_nan(y)) return x;
  if (x < y) return y;
  if (y < x) return x;
  return x.unpack().sign ? y : x;  // equal: prefer +0
}

/// x - y (rounded once, as operator-) when x > y, else +0; NaN if either is NaN. Stochastic
/// types (which have no operator-) round the exact difference with bits that are a function of
/// its value, as their conversions do.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING fdim(MIXPREC_FLOATING x,
                                                    MIXPREC_FLOATING y) noexcept {
  const detail::unpacked ux = x.unpack(), uy = y.unpack();
  if (ux.k == detail::kind::nan || uy.k == detail::kind::nan) {
    return MIXPREC_FLOATING::round(detail::propagate_nan(ux, uy));
  }
  if (x > y) {
    if constexpr (R == rounding::stochastic) {
      const detail::unpacked d = detail::add<R>(ux, detail::negate(uy));
      return MIXPREC_FLOATING::round(d, detail::value_random(d));
    } else {
      return x - y;
    }
  }
  return MIXPREC_FLOATING::round(detail::make_zero(false));
}

// ---- functions computed in double ---------------------------------------------------------------
// Each is T(std::f(double(x))): one rounding of the double result in T's mode.

/// e^x. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING exp(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::exp(static_cast<double>(x)));
}

/// 2^x. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING exp2(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::exp2(static_cast<double>(x)));
}

/// e^x - 1, accurate near x = 0. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING expm1(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::expm1(static_cast<double>(x)));
}

/// The natural logarithm; log(±0) = -inf, log(x < 0) = NaN. Computed in double, rounded once into
/// the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING log(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::log(static_cast<double>(x)));
}

/// The base-2 logarithm. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING log2(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::log2(static_cast<double>(x)));
}

/// The base-10 logarithm. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING log10(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::log10(static_cast<double>(x)));
}

/// log(1 + x), accurate near x = 0. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING log1p(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::log1p(static_cast<double>(x)));
}

/// The sine (argument in radians). Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING sin(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::sin(static_cast<double>(x)));
}

/// The cosine. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING cos(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::cos(static_cast<double>(x)));
}

/// The tangent. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING tan(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::tan(static_cast<double>(x)));
}

/// The arc sine, in [-pi/2, pi/2]. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING asin(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::asin(static_cast<double>(x)));
}

/// The arc cosine, in [0, pi]. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING acos(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::acos(static_cast<double>(x)));
}

/// The arc tangent, in [-pi/2, pi/2]. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING atan(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::atan(static_cast<double>(x)));
}

/// The hyperbolic sine. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING sinh(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::sinh(static_cast<double>(x)));
}

/// The hyperbolic cosine. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING cosh(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::cosh(static_cast<double>(x)));
}

/// The hyperbolic tangent. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING tanh(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::tanh(static_cast<double>(x)));
}

/// The inverse hyperbolic sine. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING asinh(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::asinh(static_cast<double>(x)));
}

/// The inverse hyperbolic cosine (NaN below 1). Computed in double, rounded once into the type.
/// Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING acosh(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::acosh(static_cast<double>(x)));
}

/// The inverse hyperbolic tangent (±inf at ±1). Computed in double, rounded once into the type.
/// Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING atanh(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::atanh(static_cast<double>(x)));
}

/// The error function. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING erf(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::erf(static_cast<double>(x)));
}

/// The complementary error function 1 - erf(x). Computed in double, rounded once into the type.
/// Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING erfc(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::erfc(static_cast<double>(x)));
}

/// The gamma function (NaN at negative integers, ±inf at ±0). Computed in double, rounded once into
/// the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING tgamma(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::tgamma(static_cast<double>(x)));
}

/// log |gamma(x)| (+inf at non-positive integers). std::lgamma may write the global signgam.
/// Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING lgamma(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::lgamma(static_cast<double>(x)));
}

/// The real cube root. Computed in double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING cbrt(MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::cbrt(static_cast<double>(x)));
}

/// x^y with the C special cases (pow(x, ±0) = 1 and pow(1, y) = 1 even for NaN). Computed in
/// double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING pow(MIXPREC_FLOATING x, MIXPREC_FLOATING y) noexcept {
  return MIXPREC_FLOATING(std::pow(static_cast<double>(x), static_cast<double>(y)));
}

/// The angle of the point (x, y) from the positive x axis, in [-pi, pi]: atan2(y, x). Computed in
/// double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING atan2(MIXPREC_FLOATING y, MIXPREC_FLOATING x) noexcept {
  return MIXPREC_FLOATING(std::atan2(static_cast<double>(y), static_cast<double>(x)));
}

/// sqrt(x^2 + y^2) without undue overflow or underflow; inf if either is infinite. Computed in
/// double, rounded once into the type. Host only.
MIXPREC_FLOATING_TEMPLATE
inline MIXPREC_FLOATING hypot(MIXPREC_FLOATING x, MIXPREC_FLOATING y) noexcept {
  return MIXPREC_FLOATING(std::hypot(static_cast<double>(x), static_cast<double>(y)));
}

#undef MIXPREC_FLOATING
#undef MIXPREC_FLOATING_TEMPLATE

}  // namespace mixprec
