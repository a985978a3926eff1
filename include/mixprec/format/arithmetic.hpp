#pragma once
/// \file format/arithmetic.hpp
/// Arithmetic of floating types: + - * / fma sqrt and comparisons. Each result is the exact
/// result rounded once with the type's rounding, overflow and subnormal behaviour (computed with
/// exact integer arithmetic), with IEEE 754 special cases. Types with rounding::stochastic have
/// no rounding operators (they are deleted below): their arithmetic is stochastic_stream's.

#include <cfloat>
#include <cstdint>
#include <type_traits>

#include "mixprec/config.hpp"
#include "mixprec/detail/bits.hpp"
#include "mixprec/format/conversion.hpp"
#include "mixprec/format/float_kernels.hpp"
#include "mixprec/format/floating.hpp"

namespace mixprec {

namespace detail {

using kind = unpacked::kind;

/// The NaN an operation returns: the first NaN operand (quieted), else the default NaN.
MIXPREC_HOST_DEVICE constexpr unpacked propagate_nan(const unpacked& a,
                                                     const unpacked& b) noexcept {
  return a.k == kind::nan ? a : b;
}

/// Zero result of an exact cancellation or of adding two zeros (IEEE 754 6.3).
template <rounding R>
MIXPREC_HOST_DEVICE constexpr unpacked zero_sum(bool sign_a, bool sign_b) noexcept {
  if (sign_a == sign_b) return make_zero(sign_a);
  return make_zero(R == rounding::downward);
}

/// Exact sum of two finite nonzero values whose significands have at most 48 bits. The result
/// is exact but for a sticky bit far below any rounding position (see unpacked).
template <rounding R>
MIXPREC_HOST_DEVICE constexpr unpacked add_finite(unpacked a, unpacked b) noexcept {
  // Put both leading bits at bit 61: the lower 13+ bits are zero, bit 62 takes the carry.
  const int la = 61 - bit_width_minus_one(a.sig), lb = 61 - bit_width_minus_one(b.sig);
  a.sig <<= la;
  a.exp -= la;
  b.sig <<= lb;
  b.exp -= lb;
  if (a.exp < b.exp || (a.exp == b.exp && a.sig < b.sig)) {
    const unpacked t = a;
    a = b;
    b = t;
  }
  // An alignment shift of more than 13 bits leaves a - b >= 2^61 - 2^48, so the jammed bit
  // stays far below the last place of any format of at most 24 bits precision.
  b.sig = shift_right_jam(b.sig, a.exp - b.exp);
  if (a.sign == b.sign) return make_finite(a.sign, a.exp, a.sig + b.sig);
  const std::uint64_t diff = a.sig - b.sig;
  if (diff == 0) return zero_sum<R>(a.sign, b.sign);
  return make_finite(a.sign, a.exp, diff);
}

template <rounding R>
MIXPREC_HOST_DEVICE constexpr unpacked add(const unpacked& a, const unpacked& b) noexcept {
  if (a.k == kind::nan || b.k == kind::nan) return propagate_nan(a, b);
  if (a.k == kind::infinite) {
    if (b.k == kind::infinite && a.sign != b.sign) return make_nan();
    return a;
  }
  if (b.k == kind::infinite) return b;
  if (a.k == kind::zero) return b.k == kind::zero ? zero_sum<R>(a.sign, b.sign) : b;
  if (b.k == kind::zero) return a;
  return add_finite<R>(a, b);
}

MIXPREC_HOST_DEVICE constexpr unpacked negate(unpacked a) noexcept {
  a.sign = !a.sign;
  return a;
}

MIXPREC_HOST_DEVICE constexpr unpacked mul(const unpacked& a, const unpacked& b) noexcept {
  if (a.k == kind::nan || b.k == kind::nan) return propagate_nan(a, b);
  const bool sign = a.sign != b.sign;
  if (a.k == kind::infinite || b.k == kind::infinite) {
    if (a.k == kind::zero || b.k == kind::zero) return make_nan();
    return make_infinity(sign);
  }
  if (a.k == kind::zero || b.k == kind::zero) return make_zero(sign);
  return make_finite(sign, a.exp + b.exp, a.sig * b.sig);  // <= 48 bits: exact
}

MIXPREC_HOST_DEVICE constexpr unpacked div(const unpacked& a, const unpacked& b) noexcept {
  if (a.k == kind::nan || b.k == kind::nan) return propagate_nan(a, b);
  const bool sign = a.sign != b.sign;
  if (a.k == kind::infinite) return b.k == kind::infinite ? make_nan() : make_infinity(sign);
  if (b.k == kind::infinite) return make_zero(sign);
  if (b.k == kind::zero) return a.k == kind::zero ? make_nan() : make_infinity(sign);
  if (a.k == kind::zero) return make_zero(sign);
  // Long division in two 64-bit steps: 62-63 exact quotient bits, then a sticky remainder bit.
  // Stochastic rounding needs the 32 bits below the last place exact, so a sticky bit alone
  // right after the 24-bit significand would not do.
  const int shift = bit_width_minus_one(b.sig) + 39 - bit_width_minus_one(a.sig);
  const std::uint64_t dividend = a.sig << shift;                     // leading bit at 39..62
  const std::uint64_t q1 = dividend / b.sig, r1 = dividend % b.sig;  // q1 in [2^38, 2^40)
  const std::uint64_t q2 = (r1 << 23) / b.sig, r2 = (r1 << 23) % b.sig;
  const std::uint64_t q = (q1 << 23) | q2;
  return make_finite(sign, a.exp - shift - b.exp - 24, (q << 1) | (r2 != 0 ? 1 : 0));
}

MIXPREC_HOST_DEVICE constexpr unpacked sqrt(const unpacked& a) noexcept {
  if (a.k == kind::nan || a.k == kind::zero) return a;  // sqrt(-0) = -0
  if (a.sign) return make_nan();
  if (a.k == kind::infinite) return a;
  // Scale to 2^62 <= m < 2^64 with an even exponent, take the 32-bit integer root, then extend
  // it bit by bit (root' = 2 root + d) to 58 exact bits and a sticky bit, so that the 32 bits
  // below the last place are exact, as stochastic rounding needs.
  int shift = 62 - bit_width_minus_one(a.sig);
  if (((a.exp - shift) & 1) != 0) ++shift;
  const std::uint64_t m = a.sig << shift;
  std::uint64_t root = isqrt(m);
  std::uint64_t rest = m - root * root;  // <= 2 root
  constexpr int extra_bits = 26;
  for (int i = 0; i < extra_bits; ++i) {
    // (2 root + 1)^2 <= 4 (root^2 + rest)  <=>  4 rest >= 4 root + 1
    rest <<= 2;
    const std::uint64_t trial = (root << 2) | 1;
    root <<= 1;
    if (rest >= trial) {
      rest -= trial;
      root |= 1;
    }
  }
  return make_finite(false, (a.exp - shift) / 2 - extra_bits - 1,
                     (root << 1) | (rest != 0 ? 1 : 0));
}

template <rounding R>
MIXPREC_HOST_DEVICE constexpr unpacked fma(const unpacked& a, const unpacked& b,
                                           const unpacked& c) noexcept {
  if (a.k == kind::nan || b.k == kind::nan) return propagate_nan(a, b);
  const unpacked product = mul(a, b);  // exact: NaN only for 0 * inf
  if (product.k == kind::nan) return c.k == kind::nan ? c : product;
  return add<R>(product, c);  // the product has at most 48 bits: add stays exact
}

/// Whether + - * / of a format can be done as one float operation followed by one rounding into
/// the format, giving the correctly rounded result. For round-to-nearest this holds when float
/// carries at least 2p + 2 significant bits (p <= 11) and the exact result is never below float's
/// normal range (products of subnormals of at least 2^-63); for bfloat16 (p = 8) a product or
/// quotient in float's subnormal range is exact or lies at least half an ulp of float away from
/// every rounding boundary of bfloat16, so its single float rounding cannot move it across one.
/// Float arithmetic must be exact IEEE single precision (FLT_EVAL_METHOD == 0, the default
/// rounding mode, no flush-to-zero).
template <class F, rounding R>
inline constexpr bool has_float_arithmetic =
    FLT_EVAL_METHOD == 0 && has_float_kernel<F, R> &&
    ((R == rounding::nearest_even && (std::is_same_v<F, formats::bf16> ||
                                      (encoding<F>::mantissa_bits <= 10 &&
                                       encoding<F>::emin - encoding<F>::mantissa_bits >= -63))) ||
     (R == rounding::nearest_away && encoding<F>::mantissa_bits <= 10 &&
      encoding<F>::emin - encoding<F>::mantissa_bits >= -63));

struct float_plus {
  MIXPREC_HOST_DEVICE constexpr float operator()(float a, float b) const noexcept { return a + b; }
};
struct float_minus {
  MIXPREC_HOST_DEVICE constexpr float operator()(float a, float b) const noexcept { return a - b; }
};
struct float_times {
  MIXPREC_HOST_DEVICE constexpr float operator()(float a, float b) const noexcept { return a * b; }
};
struct float_divides {
  MIXPREC_HOST_DEVICE constexpr float operator()(float a, float b) const noexcept { return a / b; }
};

/// a op b through float (see has_float_arithmetic), with the NaN rules of the exact path: the
/// first NaN operand, quieted, else the default NaN. Written with selects so that loops vectorise.
template <class F, rounding R, overflow O, subnormals S, class Op>
MIXPREC_HOST_DEVICE constexpr std::uint32_t float_arithmetic(std::uint32_t a, std::uint32_t b,
                                                             Op op) noexcept {
  const float fa = widen_to_float<F, S>(a), fb = widen_to_float<F, S>(b);
  const float r = op(fa, fb);
  using enc = encoding<F>;
  constexpr auto default_nan = static_cast<std::uint32_t>(encode_nan<F>(false, 0));
  // A NaN operand's code with the quiet bit set is its quieted self (IEEE style); the other
  // styles have one NaN code per sign, which is already what the exact path returns.
  constexpr auto quiet =
      static_cast<std::uint32_t>(enc::nan == nan_style::ieee ? enc::quiet_bit << enc::padding : 0);
  const std::uint32_t nan = select(fa != fa, a | quiet, select(fb != fb, b | quiet, default_nan));
  return select(r != r, nan, round_float<F, R, O, S>(r));
}

/// Ordering key of a non-NaN value: monotone in the value, equal for +0, -0 and flushed
/// subnormals.
template <class T>
MIXPREC_HOST_DEVICE constexpr std::int64_t order_key(T x) noexcept {
  const unpacked u = x.unpack();
  if (u.k == kind::zero) return 0;
  const auto mag = static_cast<std::int64_t>(
      (static_cast<std::uint64_t>(x.bits()) >> encoding<typename T::format>::padding) &
      encoding<typename T::format>::magnitude_mask);
  // E8M0's code 0 is a value, not zero: shift so that it stays above the zero key.
  const std::int64_t key = encoding<typename T::format>::has_zero ? mag : mag + 1;
  return u.sign ? -key : key;
}

template <class T>
MIXPREC_HOST_DEVICE constexpr bool is_nan(T x) noexcept {
  return x.unpack().k == kind::nan;
}

}  // namespace detail

#define MIXPREC_FLOATING_TEMPLATE template <class F, rounding R, overflow O, subnormals S>
#define MIXPREC_FLOATING floating<F, R, O, S>

/// Correctly rounded sum.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING operator+(MIXPREC_FLOATING a,
                                                         MIXPREC_FLOATING b) noexcept {
  // Constant evaluation takes the exact path: it rejects float operations that give NaN or
  // infinity.
  if constexpr (detail::has_float_arithmetic<F, R>) {
    if (!detail::is_constant_evaluated()) {
      return MIXPREC_FLOATING::from_bits(static_cast<typename MIXPREC_FLOATING::storage>(
          detail::float_arithmetic<F, R, O, S>(a.bits(), b.bits(), detail::float_plus{})));
    }
  }
  return MIXPREC_FLOATING::round(detail::add<R>(a.unpack(), b.unpack()));
}

/// Correctly rounded difference (one rounding, not a + (-b) rounded twice).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING operator-(MIXPREC_FLOATING a,
                                                         MIXPREC_FLOATING b) noexcept {
  // Constant evaluation takes the exact path: it rejects float operations that give NaN or
  // infinity.
  if constexpr (detail::has_float_arithmetic<F, R>) {
    if (!detail::is_constant_evaluated()) {
      return MIXPREC_FLOATING::from_bits(static_cast<typename MIXPREC_FLOATING::storage>(
          detail::float_arithmetic<F, R, O, S>(a.bits(), b.bits(), detail::float_minus{})));
    }
  }
  const detail::unpacked ub = b.unpack();
  return MIXPREC_FLOATING::round(
      detail::add<R>(a.unpack(), ub.k == detail::kind::nan ? ub : detail::negate(ub)));
}

/// Correctly rounded product.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING operator*(MIXPREC_FLOATING a,
                                                         MIXPREC_FLOATING b) noexcept {
  // Constant evaluation takes the exact path: it rejects float operations that give NaN or
  // infinity.
  if constexpr (detail::has_float_arithmetic<F, R>) {
    if (!detail::is_constant_evaluated()) {
      return MIXPREC_FLOATING::from_bits(static_cast<typename MIXPREC_FLOATING::storage>(
          detail::float_arithmetic<F, R, O, S>(a.bits(), b.bits(), detail::float_times{})));
    }
  }
  return MIXPREC_FLOATING::round(detail::mul(a.unpack(), b.unpack()));
}

/// Correctly rounded quotient; x / 0 is an infinity (which a saturating type or a format without
/// infinity turns into its largest value or NaN, as for any infinite result).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING operator/(MIXPREC_FLOATING a,
                                                         MIXPREC_FLOATING b) noexcept {
  // Constant evaluation takes the exact path: it rejects float operations that give NaN or
  // infinity.
  if constexpr (detail::has_float_arithmetic<F, R>) {
    if (!detail::is_constant_evaluated()) {
      return MIXPREC_FLOATING::from_bits(static_cast<typename MIXPREC_FLOATING::storage>(
          detail::float_arithmetic<F, R, O, S>(a.bits(), b.bits(), detail::float_divides{})));
    }
  }
  return MIXPREC_FLOATING::round(detail::div(a.unpack(), b.unpack()));
}

/// Flips the sign bit; never rounds. In the fnuz formats 0 and NaN are their own negation; in
/// an unsigned format (E8M0) the negation of a value is NaN.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING operator-(MIXPREC_FLOATING a) noexcept {
  using enc = detail::encoding<F>;
  using storage = typename MIXPREC_FLOATING::storage;
  if constexpr (!enc::is_signed) {
    return MIXPREC_FLOATING::from_bits(static_cast<storage>(enc::nan_code << enc::padding));
  } else {
    const std::uint64_t code = static_cast<std::uint64_t>(a.bits()) >> enc::padding;
    if constexpr (enc::nan == nan_style::negative_zero) {
      if ((code & enc::magnitude_mask) == 0) return a;  // +0 and the NaN
    }
    return MIXPREC_FLOATING::from_bits(
        static_cast<storage>((code ^ enc::sign_mask) << enc::padding));
  }
}

/// The value itself.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING operator+(MIXPREC_FLOATING a) noexcept { return a; }

/// a * b + c with one rounding.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING fma(MIXPREC_FLOATING a, MIXPREC_FLOATING b,
                                                   MIXPREC_FLOATING c) noexcept {
  return MIXPREC_FLOATING::round(detail::fma<R>(a.unpack(), b.unpack(), c.unpack()));
}

/// Correctly rounded square root; sqrt(-0) = -0, sqrt of a negative value is NaN.
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING sqrt(MIXPREC_FLOATING a) noexcept {
  return MIXPREC_FLOATING::round(detail::sqrt(a.unpack()));
}

MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING& operator+=(MIXPREC_FLOATING& a,
                                                           MIXPREC_FLOATING b) noexcept {
  return a = a + b;
}
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING& operator-=(MIXPREC_FLOATING& a,
                                                           MIXPREC_FLOATING b) noexcept {
  return a = a - b;
}
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING& operator*=(MIXPREC_FLOATING& a,
                                                           MIXPREC_FLOATING b) noexcept {
  return a = a * b;
}
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr MIXPREC_FLOATING& operator/=(MIXPREC_FLOATING& a,
                                                           MIXPREC_FLOATING b) noexcept {
  return a = a / b;
}

// Stochastic types. The same operation on the same operands would always draw the same bits
// and so round the same way: adding 1e-4 to a bfloat16 sum 10^6 times would give 0.016, worse
// than round to nearest (0.031; the exact sum is 100). So the operators that round are deleted
// for them: the overloads below are more specialised than the ones above and win overload
// resolution, and `requires { a + b; }` is false. The return type names what to use instead:
// stochastic_stream (s.add(a, b), s.sub, s.mul, s.div, s.fma, s.sqrt) or stochastic_round(x,
// seed, counter) / stochastic_round(x, key.bits(i)) on a value computed in a wider type.

namespace detail {
/// The return type of the deleted operators: the name compilers print when one is used.
struct use_stochastic_stream_or_stochastic_round {};
}  // namespace detail

// Each declaration stays on one line: compilers quote the line of the name.
// clang-format off
template <class F, overflow O, subnormals S>
detail::use_stochastic_stream_or_stochastic_round operator+(floating<F, rounding::stochastic, O, S>, floating<F, rounding::stochastic, O, S>) = delete;
template <class F, overflow O, subnormals S>
detail::use_stochastic_stream_or_stochastic_round operator-(floating<F, rounding::stochastic, O, S>, floating<F, rounding::stochastic, O, S>) = delete;
template <class F, overflow O, subnormals S>
detail::use_stochastic_stream_or_stochastic_round operator*(floating<F, rounding::stochastic, O, S>, floating<F, rounding::stochastic, O, S>) = delete;
template <class F, overflow O, subnormals S>
detail::use_stochastic_stream_or_stochastic_round operator/(floating<F, rounding::stochastic, O, S>, floating<F, rounding::stochastic, O, S>) = delete;
template <class F, overflow O, subnormals S>
detail::use_stochastic_stream_or_stochastic_round operator+=(floating<F, rounding::stochastic, O, S>&, floating<F, rounding::stochastic, O, S>) = delete;
template <class F, overflow O, subnormals S>
detail::use_stochastic_stream_or_stochastic_round operator-=(floating<F, rounding::stochastic, O, S>&, floating<F, rounding::stochastic, O, S>) = delete;
template <class F, overflow O, subnormals S>
detail::use_stochastic_stream_or_stochastic_round operator*=(floating<F, rounding::stochastic, O, S>&, floating<F, rounding::stochastic, O, S>) = delete;
template <class F, overflow O, subnormals S>
detail::use_stochastic_stream_or_stochastic_round operator/=(floating<F, rounding::stochastic, O, S>&, floating<F, rounding::stochastic, O, S>) = delete;
template <class F, overflow O, subnormals S>
detail::use_stochastic_stream_or_stochastic_round fma(floating<F, rounding::stochastic, O, S>, floating<F, rounding::stochastic, O, S>, floating<F, rounding::stochastic, O, S>) = delete;
template <class F, overflow O, subnormals S>
detail::use_stochastic_stream_or_stochastic_round sqrt(floating<F, rounding::stochastic, O, S>) = delete;
// clang-format on

/// IEEE equality: NaN equals nothing, -0 == +0 (and a flushed subnormal equals zero).
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr bool operator==(MIXPREC_FLOATING a, MIXPREC_FLOATING b) noexcept {
  if (detail::is_nan(a) || detail::is_nan(b)) return false;
  return detail::order_key(a) == detail::order_key(b);
}
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr bool operator<(MIXPREC_FLOATING a, MIXPREC_FLOATING b) noexcept {
  if (detail::is_nan(a) || detail::is_nan(b)) return false;
  return detail::order_key(a) < detail::order_key(b);
}
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr bool operator!=(MIXPREC_FLOATING a, MIXPREC_FLOATING b) noexcept {
  return !(a == b);
}
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr bool operator>(MIXPREC_FLOATING a, MIXPREC_FLOATING b) noexcept {
  return b < a;
}
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr bool operator<=(MIXPREC_FLOATING a, MIXPREC_FLOATING b) noexcept {
  return a < b || a == b;
}
MIXPREC_FLOATING_TEMPLATE
MIXPREC_HOST_DEVICE constexpr bool operator>=(MIXPREC_FLOATING a, MIXPREC_FLOATING b) noexcept {
  return b < a || a == b;
}

#undef MIXPREC_FLOATING
#undef MIXPREC_FLOATING_TEMPLATE

}  // namespace mixprec
