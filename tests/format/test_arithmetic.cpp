// Tests of format/arithmetic.hpp: hand-checked cases (IEEE specials for every format, signed
// zeros, compound assignment, comparisons, unary minus, to_odd, the overflow rules of every
// rounding mode in standard and saturate mode), and a small random sample of half, bfloat16 and
// float32 operations against the exact reference of tests/support/exact.hpp. Quick enough to run
// under the sanitizers; test_arithmetic_exhaustive.cpp covers all codes.
//
// The expected codes below are derived by hand from the format layouts of the spec:
//   fp16  1 = 0x3C00, 2 = 0x4000, 0.5 = 0x3800, max 65504 = 0x7BFF, inf 0x7C00, qNaN 0x7E00
//   e4m3  (bias 7)   1 = 0x38, 2 = 0x40, 0.5 = 0x30, max 448 = 0x7E, NaN 0x7F / 0xFF
//   e4m3fnuz (bias 8) 1 = 0x40, max 240 = 0x7F, NaN 0x80;  e5m2fnuz (bias 16) 1 = 0x40
//   e3m2 (bias 3) 1 = 0x0C, sign 0x20;  e2m3 (bias 1) 1 = 0x08;  e2m1 (bias 1) 1 = 0x2, sign 0x8
//   e8m0 (bias 127, unsigned) 1 = 0x7F, 2 = 0x80, 0.5 = 0x7E, max 2^127 = 0xFE, NaN 0xFF

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <type_traits>
#include <utility>

#include "exact.hpp"

namespace {

namespace ex = mixprec_test::exact;
namespace fm = mixprec::formats;
using mixprec::floating;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;

// What an overflow "to infinity" becomes in a format.
enum class inf_like { inf, nan, max };

// Hand-written codes of each format (not read from the library).
template <class F>
struct hand;
template <>
struct hand<fm::fp16> {
  static constexpr std::uint64_t one = 0x3C00, two = 0x4000, half = 0x3800, three = 0x4200,
                                 max = 0x7BFF, min_sub = 0x0001, min_normal = 0x0400, sign = 0x8000,
                                 inf = 0x7C00, nan = 0x7E00;
  static constexpr inf_like overflow = inf_like::inf;
  static constexpr bool has_nan = true, has_neg_zero = true;
};
template <>
struct hand<fm::bf16> {
  static constexpr std::uint64_t one = 0x3F80, two = 0x4000, half = 0x3F00, three = 0x4040,
                                 max = 0x7F7F, min_sub = 0x0001, min_normal = 0x0080, sign = 0x8000,
                                 inf = 0x7F80, nan = 0x7FC0;
  static constexpr inf_like overflow = inf_like::inf;
  static constexpr bool has_nan = true, has_neg_zero = true;
};
template <>
struct hand<fm::fp32> {
  static constexpr std::uint64_t one = 0x3F800000, two = 0x40000000, half = 0x3F000000,
                                 three = 0x40400000, max = 0x7F7FFFFF, min_sub = 0x00000001,
                                 min_normal = 0x00800000, sign = 0x80000000, inf = 0x7F800000,
                                 nan = 0x7FC00000;
  static constexpr inf_like overflow = inf_like::inf;
  static constexpr bool has_nan = true, has_neg_zero = true;
};
template <>
struct hand<fm::tf32> {
  static constexpr std::uint64_t one = 0x3F800000, two = 0x40000000, half = 0x3F000000,
                                 three = 0x40400000, max = 0x7F7FE000, min_sub = 0x00002000,
                                 min_normal = 0x00800000, sign = 0x80000000, inf = 0x7F800000,
                                 nan = 0x7FC00000;
  static constexpr inf_like overflow = inf_like::inf;
  static constexpr bool has_nan = true, has_neg_zero = true;
};
template <>
struct hand<fm::e4m3> {
  static constexpr std::uint64_t one = 0x38, two = 0x40, half = 0x30, three = 0x44, max = 0x7E,
                                 min_sub = 0x01, min_normal = 0x08, sign = 0x80, inf = 0,
                                 nan = 0x7F;
  static constexpr inf_like overflow = inf_like::nan;
  static constexpr bool has_nan = true, has_neg_zero = true;
};
template <>
struct hand<fm::e5m2> {
  static constexpr std::uint64_t one = 0x3C, two = 0x40, half = 0x38, three = 0x42, max = 0x7B,
                                 min_sub = 0x01, min_normal = 0x04, sign = 0x80, inf = 0x7C,
                                 nan = 0x7E;
  static constexpr inf_like overflow = inf_like::inf;
  static constexpr bool has_nan = true, has_neg_zero = true;
};
template <>
struct hand<fm::e4m3fnuz> {
  static constexpr std::uint64_t one = 0x40, two = 0x48, half = 0x38, three = 0x4C, max = 0x7F,
                                 min_sub = 0x01, min_normal = 0x08, sign = 0x80, inf = 0,
                                 nan = 0x80;
  static constexpr inf_like overflow = inf_like::nan;
  static constexpr bool has_nan = true, has_neg_zero = false;
};
template <>
struct hand<fm::e5m2fnuz> {
  static constexpr std::uint64_t one = 0x40, two = 0x44, half = 0x3C, three = 0x46, max = 0x7F,
                                 min_sub = 0x01, min_normal = 0x04, sign = 0x80, inf = 0,
                                 nan = 0x80;
  static constexpr inf_like overflow = inf_like::nan;
  static constexpr bool has_nan = true, has_neg_zero = false;
};
template <>
struct hand<fm::e3m2> {
  static constexpr std::uint64_t one = 0x0C, two = 0x10, half = 0x08, three = 0x12, max = 0x1F,
                                 min_sub = 0x01, min_normal = 0x04, sign = 0x20, inf = 0;
  static constexpr inf_like overflow = inf_like::max;
  static constexpr bool has_nan = false, has_neg_zero = true;
};
template <>
struct hand<fm::e2m3> {
  static constexpr std::uint64_t one = 0x08, two = 0x10, half = 0x04, three = 0x14, max = 0x1F,
                                 min_sub = 0x01, min_normal = 0x08, sign = 0x20, inf = 0;
  static constexpr inf_like overflow = inf_like::max;
  static constexpr bool has_nan = false, has_neg_zero = true;
};
template <>
struct hand<fm::e2m1> {
  static constexpr std::uint64_t one = 0x2, two = 0x4, half = 0x1, three = 0x5, max = 0x7,
                                 min_sub = 0x1, min_normal = 0x2, sign = 0x8, inf = 0;
  static constexpr inf_like overflow = inf_like::max;
  static constexpr bool has_nan = false, has_neg_zero = true;
};

template <class T>
T code(std::uint64_t c) {
  return ex::from_code<T>(c);
}
template <class T>
std::uint64_t bits(T x) {
  return ex::code_of(x);
}
// NaN by our own decoder, not the library's isnan.
template <class T>
bool is_nan_code(T x) {
  return ex::decode(ex::target_of<T>().f, bits(x)).is_nan();
}

template <class T>
std::string show(T x) {
  return ex::hex(bits(x));
}

// The signed formats that have hand tables.
#define SIGNED_FORMATS                                                                    \
  fm::fp16, fm::bf16, fm::fp32, fm::tf32, fm::e4m3, fm::e5m2, fm::e4m3fnuz, fm::e5m2fnuz, \
      fm::e3m2, fm::e2m3, fm::e2m1

template <class F, rounding R = rounding::nearest_even, overflow O = overflow::standard,
          subnormals S = subnormals::keep>
using fl = floating<F, R, O, S>;

}  // namespace

TEST_SUITE("arithmetic") {
  TEST_CASE_TEMPLATE("small integers and halves are exact in every signed format", F,
                     SIGNED_FORMATS) {
    using T = fl<F>;
    using h = hand<F>;
    const T one = code<T>(h::one), two = code<T>(h::two), half = code<T>(h::half),
            three = code<T>(h::three);
    CHECK(bits(one + one) == h::two);
    CHECK(bits(one + two) == h::three);
    CHECK(bits(three - one) == h::two);
    CHECK(bits(one - two) == (h::one | h::sign));
    CHECK(bits(two * half) == h::one);
    CHECK(bits(one / two) == h::half);
    CHECK(bits(three / three) == h::one);
    CHECK(bits(sqrt(one)) == h::one);
    CHECK(bits(fma(one, two, one)) == h::three);
    CHECK(bits(fma(two, half, two)) == h::three);
    CHECK(bits(-one) == (h::one | h::sign));
    CHECK(bits(+one) == h::one);
    // the largest value and the smallest subnormal
    const T max = code<T>(h::max), tiny = code<T>(h::min_sub);
    CHECK(bits(max - max) == 0);
    CHECK(bits(max * one) == h::max);
    CHECK(bits(tiny + tiny) == h::min_sub * 2);
    CHECK(bits(tiny * one) == h::min_sub);
    CHECK(bits(tiny / two) == 0);  // half of the smallest subnormal: a tie, to even (zero)
    // flushing type: subnormal operands are zeros, subnormal results become zero
    using Tf = fl<F, rounding::nearest_even, overflow::standard, subnormals::flush>;
    CHECK(bits(code<Tf>(h::min_sub) + code<Tf>(h::one)) == h::one);
    CHECK(bits(code<Tf>(h::min_sub) * code<Tf>(h::two)) == 0);
    CHECK(bits(code<Tf>(h::min_normal) / code<Tf>(h::two)) == 0);
    CHECK(bits(code<Tf>(h::min_normal | h::sign) / code<Tf>(h::two)) ==
          (h::has_neg_zero ? h::sign : 0));
    CHECK(bits(code<T>(h::min_normal) / code<T>(h::two)) == h::min_normal / 2);
  }

  TEST_CASE_TEMPLATE("invalid operations give NaN (formats without NaN: +max)", F, SIGNED_FORMATS) {
    using T = fl<F>;
    using h = hand<F>;
    const T zero = code<T>(0), one = code<T>(h::one), mone = code<T>(h::one | h::sign);
    auto invalid = [](T r) {
      if constexpr (h::has_nan) {
        return is_nan_code(r);
      } else {
        return bits(r) == h::max;  // spec rule 1: a NaN stored in a format without NaN is +max
      }
    };
    CHECK(invalid(zero / zero));
    CHECK(invalid(sqrt(mone)));
    if constexpr (h::inf != 0) {
      const T inf = code<T>(h::inf), minf = code<T>(h::inf | h::sign);
      CHECK(invalid(inf - inf));
      CHECK(invalid(inf + minf));
      CHECK(invalid(zero * inf));
      CHECK(invalid(minf * zero));
      CHECK(invalid(inf / minf));
      CHECK(invalid(sqrt(minf)));
      CHECK(invalid(fma(zero, inf, one)));
      CHECK(invalid(fma(one, inf, minf)));
      // ieee formats: the default NaN is +quiet NaN without payload
      CHECK(bits(inf - inf) == h::nan);
      CHECK(bits(zero * inf) == h::nan);
      CHECK(bits(sqrt(mone)) == h::nan);
      CHECK(bits(zero / zero) == h::nan);
      // infinities that are exact
      CHECK(bits(inf + one) == h::inf);
      CHECK(bits(minf - one) == (h::inf | h::sign));
      CHECK(bits(inf * mone) == (h::inf | h::sign));
      CHECK(bits(one / zero) == h::inf);
      CHECK(bits(mone / zero) == (h::inf | h::sign));
      CHECK(bits(one / code<T>(h::sign)) == (h::inf | h::sign));
      CHECK(bits(one / inf) == 0);
      CHECK(bits(mone / inf) == h::sign);
      CHECK(bits(sqrt(inf)) == h::inf);
      CHECK(bits(fma(inf, one, one)) == h::inf);
      CHECK(bits(fma(one, one, minf)) == (h::inf | h::sign));
    } else if constexpr (h::has_nan) {
      // no infinity: x / 0 is an infinite result, which becomes NaN (standard) or max (saturate)
      CHECK(is_nan_code(one / zero));
      using Ts = fl<F, rounding::nearest_even, overflow::saturate>;
      CHECK(bits(code<Ts>(h::one) / code<Ts>(0)) == h::max);
      CHECK(bits(code<Ts>(h::one | h::sign) / code<Ts>(0)) == (h::max | h::sign));
    } else {
      CHECK(bits(one / zero) == h::max);
      CHECK(bits(mone / zero) == (h::max | h::sign));
      CHECK(bits(one / code<T>(h::sign)) == (h::max | h::sign));
    }
  }

  TEST_CASE_TEMPLATE("NaN operands give NaN", F, fm::fp16, fm::bf16, fm::fp32, fm::tf32, fm::e4m3,
                     fm::e5m2, fm::e4m3fnuz, fm::e5m2fnuz) {
    using T = fl<F>;
    using h = hand<F>;
    const T one = code<T>(h::one), zero = code<T>(0);
    // the quiet NaN, its negative, and (ieee) a signalling NaN: exponent all ones, mantissa 1 ulp
    for (std::uint64_t nc :
         {h::nan, h::nan | h::sign, h::inf != 0 ? h::inf + h::min_sub : h::nan}) {
      const T nan = code<T>(nc);
      CAPTURE(nc);
      CHECK(is_nan_code(nan + one));
      CHECK(is_nan_code(one - nan));
      CHECK(is_nan_code(nan * zero));
      CHECK(is_nan_code(zero / nan));
      CHECK(is_nan_code(nan / nan));
      CHECK(is_nan_code(sqrt(nan)));
      CHECK(is_nan_code(fma(nan, one, one)));
      CHECK(is_nan_code(fma(one, nan, one)));
      CHECK(is_nan_code(fma(one, one, nan)));
      CHECK(is_nan_code(fma(zero, code<T>(h::max), nan)));
      CHECK(is_nan_code(-nan));
    }
  }

  TEST_CASE("NaN payloads: the first NaN operand, quieted, sign kept (fp16, e5m2)") {
    using T = mixprec::half;
    const T one = code<T>(0x3C00), zero = code<T>(0), inf = code<T>(0x7C00);
    CHECK(bits(code<T>(0x7C01) + one) == 0x7E01);  // signalling NaN payload 1 is quieted
    CHECK(bits(one * code<T>(0xFD23)) == 0xFF23);
    CHECK(bits(code<T>(0x7E11) / code<T>(0x7E22)) == 0x7E11);
    CHECK(bits(code<T>(0xFE22) - code<T>(0x7E11)) == 0xFE22);
    CHECK(bits(sqrt(code<T>(0xFC07))) == 0xFE07);
    CHECK(bits(fma(one, code<T>(0x7D00), code<T>(0x7C01))) == 0x7F00);
    CHECK(bits(fma(zero, inf, code<T>(0x7C05))) == 0x7E05);  // 0*inf with a NaN addend
    using E = mixprec::float8_e5m2;
    CHECK(bits(code<E>(0x7D) + code<E>(0x3C)) == 0x7F);
    CHECK(bits(code<E>(0x3C) * code<E>(0xFD)) == 0xFF);
  }

  TEST_CASE_TEMPLATE("signed zeros", F, fm::fp16, fm::bf16, fm::fp32, fm::tf32, fm::e4m3, fm::e5m2,
                     fm::e3m2, fm::e2m3, fm::e2m1) {
    using h = hand<F>;
    using T = fl<F>;
    using D = fl<F, rounding::downward>;
    using U = fl<F, rounding::upward>;
    const std::uint64_t pz = 0, nz = h::sign;
    const T p0 = code<T>(pz), n0 = code<T>(nz), one = code<T>(h::one),
            mone = code<T>(h::one | h::sign), two = code<T>(h::two);
    CHECK(bits(p0 + p0) == pz);
    CHECK(bits(n0 + n0) == nz);
    CHECK(bits(p0 + n0) == pz);
    CHECK(bits(n0 + p0) == pz);
    CHECK(bits(n0 - p0) == nz);
    CHECK(bits(p0 - p0) == pz);
    CHECK(bits(one - one) == pz);
    CHECK(bits(one + mone) == pz);
    CHECK(bits(code<D>(h::one) - code<D>(h::one)) == nz);
    CHECK(bits(code<D>(h::one | h::sign) + code<D>(h::one)) == nz);
    CHECK(bits(code<D>(pz) + code<D>(nz)) == nz);
    CHECK(bits(code<D>(pz) + code<D>(pz)) == pz);
    CHECK(bits(code<U>(h::one) - code<U>(h::one)) == pz);
    CHECK(bits(code<U>(nz) + code<U>(nz)) == nz);
    CHECK(bits(n0 * one) == nz);
    CHECK(bits(p0 * mone) == nz);
    CHECK(bits(n0 * mone) == pz);
    CHECK(bits(n0 / two) == nz);
    CHECK(bits(p0 / mone) == nz);
    CHECK(bits(sqrt(n0)) == nz);
    CHECK(bits(sqrt(p0)) == pz);
    CHECK(bits(fma(n0, one, n0)) == nz);
    CHECK(bits(fma(p0, mone, n0)) == nz);
    CHECK(bits(fma(n0, one, p0)) == pz);
    CHECK(bits(fma(one, one, mone)) == pz);
    CHECK(bits(fma(code<D>(h::one), code<D>(h::one), code<D>(h::one | h::sign))) == nz);
    CHECK(bits(-p0) == nz);
    CHECK(bits(-n0) == pz);
    // a negative result that underflows to zero is -0
    const T tiny = code<T>(h::min_sub);
    CHECK(bits(tiny * code<T>(h::half | h::sign)) == nz);  // -min_sub/2: a tie, to even: -0
    CHECK(bits(code<U>(h::min_sub) * code<U>(h::half | h::sign)) == nz);
    CHECK(bits(code<D>(h::min_sub) * code<D>(h::half | h::sign)) == (h::min_sub | h::sign));
  }

  TEST_CASE_TEMPLATE("fnuz: no negative zero", F, fm::e4m3fnuz, fm::e5m2fnuz) {
    using h = hand<F>;
    using T = fl<F>;
    using D = fl<F, rounding::downward>;
    const T zero = code<T>(0), one = code<T>(h::one), mone = code<T>(h::one | h::sign);
    CHECK(bits(-zero) == 0);
    CHECK(bits(zero * mone) == 0);
    CHECK(bits(mone * zero) == 0);
    CHECK(bits(zero / mone) == 0);
    CHECK(bits(one - one) == 0);
    CHECK(bits(code<D>(h::one) - code<D>(h::one)) == 0);
    CHECK(bits(code<T>(h::min_sub) * code<T>(h::half | h::sign)) == 0);
    CHECK(bits(code<D>(h::min_sub) * code<D>(h::half | h::sign)) == (h::min_sub | h::sign));
    CHECK(bits(-one) == (h::one | h::sign));
    CHECK(bits(-code<T>(h::nan)) == h::nan);  // -NaN stays the NaN code
    using Tf = fl<F, rounding::nearest_even, overflow::standard, subnormals::flush>;
    CHECK(bits(code<Tf>(h::min_sub | h::sign) * code<Tf>(h::one)) == 0);
    CHECK(bits(code<Tf>(h::min_normal | h::sign) / code<Tf>(h::two)) == 0);
  }

  TEST_CASE("e8m0: unsigned powers of two") {
    using T = mixprec::float8_e8m0;
    const T one = code<T>(0x7F), two = code<T>(0x80), half = code<T>(0x7E), max = code<T>(0xFE),
            min = code<T>(0x00), nan = code<T>(0xFF);
    CHECK(bits(one + one) == 0x80);
    CHECK(bits(two * half) == 0x7F);
    CHECK(bits(one / two) == 0x7E);
    CHECK(bits(sqrt(code<T>(0x81))) == 0x80);  // sqrt(4) = 2
    CHECK(bits(fma(one, one, one)) == 0x80);
    CHECK(bits(one - one) == 0x00);  // an exact zero: e8m0 has no zero, its minimum 2^-127
    CHECK(bits(min * half) == 0x00);
    CHECK(is_nan_code(half - one));  // negative results are NaN
    CHECK(is_nan_code(-one));
    CHECK(is_nan_code(-min));
    CHECK(is_nan_code(nan + one));
    CHECK(is_nan_code(max + max));  // 2^128 overflows: no infinity, NaN
    CHECK(bits(code<fl<fm::e8m0, rounding::nearest_even, overflow::saturate>>(0xFE) +
               code<fl<fm::e8m0, rounding::nearest_even, overflow::saturate>>(0xFE)) == 0xFE);
    CHECK(bits(code<fl<fm::e8m0, rounding::toward_zero>>(0xFE) +
               code<fl<fm::e8m0, rounding::toward_zero>>(0xFE)) == 0xFE);
    // 1 + 2 = 3 = 1.5 * 2: the midpoint of 2 and 4; ties go up (2 has odd significand 1)
    CHECK(bits(one + two) == 0x81);
    CHECK(bits(code<fl<fm::e8m0, rounding::nearest_away>>(0x7F) +
               code<fl<fm::e8m0, rounding::nearest_away>>(0x80)) == 0x81);
    CHECK(bits(code<fl<fm::e8m0, rounding::toward_zero>>(0x7F) +
               code<fl<fm::e8m0, rounding::toward_zero>>(0x80)) == 0x80);
    CHECK(bits(code<fl<fm::e8m0, rounding::upward>>(0x7F) +
               code<fl<fm::e8m0, rounding::upward>>(0x80)) == 0x81);
    // to_odd: the odd neighbour is the lower power of two (significand 1)
    CHECK(bits(code<fl<fm::e8m0, rounding::to_odd>>(0x7F) +
               code<fl<fm::e8m0, rounding::to_odd>>(0x80)) == 0x80);
    // 1 + 4 = 5 < 6: below the midpoint of 4 and 8
    CHECK(bits(one + code<T>(0x81)) == 0x81);
    // comparisons
    CHECK(min < one);
    CHECK(one < max);
    CHECK(one == one);
    CHECK_FALSE(nan == nan);
    CHECK_FALSE(nan < one);
    CHECK(nan != nan);
  }

  TEST_CASE("to_odd: inexact results take the odd neighbour") {
    using H = fl<fm::fp16, rounding::to_odd>;
    const H one = code<H>(0x3C00);
    CHECK(bits(one + code<H>(0x1000)) == 0x3C01);              // 1 + 2^-11: half an ulp
    CHECK(bits(one + code<H>(0x0C00)) == 0x3C01);              // 1 + 2^-12
    CHECK(bits(one + code<H>(0x3C00)) == 0x4000);              // 2: exact, even, unchanged
    CHECK(bits(code<H>(0x3C01) + code<H>(0x1000)) == 0x3C01);  // already odd: truncation
    // 0x1600 = 1.5 * 2^-10: (1 + 2^-10) + 1.5 * 2^-10 truncates to 0x3C02, odd neighbour 0x3C03
    CHECK(bits(code<H>(0x3C01) + code<H>(0x1600)) == 0x3C03);
    CHECK(bits(one - code<H>(0x0C00)) == 0x3BFF);              // 1 - 2^-12 -> 0x3BFF (odd)
    CHECK(bits(code<H>(0xBC00) - code<H>(0x0C00)) == 0xBC01);  // symmetric for negatives
    CHECK(bits(one / code<H>(0x4200)) == 0x3555);              // 1/3 = 0x3555 (odd)
    CHECK(bits(code<H>(0x4000) / code<H>(0x4200)) == 0x3955);  // 2/3: 0x3955 odd already
    CHECK(bits(code<H>(0x0001) * code<H>(0x3800)) == 0x0001);  // min_sub/2: odd neighbour min_sub
    CHECK(bits(code<H>(0x7BFF) + code<H>(0x7BFF)) == 0x7BFF);  // overflow: max, not inf
    using E = fl<fm::e4m3, rounding::to_odd>;
    CHECK(bits(code<E>(0x38) + code<E>(0x18)) == 0x39);  // 1 + 1/16 -> 1.125 (odd)
    CHECK(bits(code<E>(0x38) + code<E>(0x20)) == 0x39);  // 1 + 1/8 = 1.125: exact
    CHECK(bits(code<E>(0x38) / code<E>(0x44)) == 0x2B);  // 1/3 in [0.3125, 0.34375]: 0x2A, 0x2B
    CHECK(bits(code<E>(0x7E) + code<E>(0x58)) == 0x7E);  // 448 + 16: odd neighbour 480 overflows
    CHECK(bits(code<E>(0x7E) + code<E>(0x60)) == 0x7E);  // 448 + 32 = 480 overflows: max
  }

  TEST_CASE("e4m3: the spec's overflow example") {
    using T = mixprec::float8_e4m3;
    // 16 = 0x58, 32 = 0x60 (exponent fields 11 and 12, bias 7)
    // 448 + 16 = 464: the tie between 448 (mantissa 110, even) and 480 -> 448
    CHECK(bits(code<T>(0x7E) + code<T>(0x58)) == 0x7E);
    // 448 + 32 = 480 > max: NaN (no infinity)
    CHECK(is_nan_code(code<T>(0x7E) + code<T>(0x60)));
    using Ts = fl<fm::e4m3, rounding::nearest_even, overflow::saturate>;
    CHECK(bits(code<Ts>(0x7E) + code<Ts>(0x60)) == 0x7E);
    CHECK(bits(code<Ts>(0xFE) - code<Ts>(0x60)) == 0xFE);
    using Ta = fl<fm::e4m3, rounding::nearest_away>;
    CHECK(is_nan_code(code<Ta>(0x7E) + code<Ta>(0x58)));  // ties away: 480 overflows
    using Tz = fl<fm::e4m3, rounding::toward_zero>;
    CHECK(bits(code<Tz>(0x7E) + code<Tz>(0x60)) == 0x7E);
  }

  TEST_CASE_TEMPLATE("overflow by rounding mode, standard and saturate", F, SIGNED_FORMATS) {
    using h = hand<F>;
    // max + max overflows in every mode; expected per mode and sign, by the spec's table:
    //   to "infinity": nearest_even, nearest_away, upward (+), downward (-); else max.
    auto check_mode = [&]<rounding R>(bool pos_to_inf, bool neg_to_inf) {
      using T = fl<F, R>;
      using Ts = fl<F, R, overflow::saturate>;
      const T max = code<T>(h::max), mmax = code<T>(h::max | h::sign);
      CAPTURE(static_cast<int>(R));
      auto expect = [](T r, bool neg, bool to_inf) {
        if (!to_inf) return bits(r) == (h::max | (neg ? h::sign : 0));
        switch (h::overflow) {
          case inf_like::inf:
            return bits(r) == (h::inf | (neg ? h::sign : 0));
          case inf_like::nan:
            return is_nan_code(r);
          case inf_like::max:
            return bits(r) == (h::max | (neg ? h::sign : 0));
        }
        return false;
      };
      CHECK(expect(max + max, false, pos_to_inf));
      CHECK(expect(mmax + mmax, true, neg_to_inf));
      CHECK(expect(max * code<T>(h::two), false, pos_to_inf));
      CHECK(expect(max / code<T>(h::half | h::sign), true, neg_to_inf));
      CHECK(expect(fma(max, code<T>(h::two), max), false, pos_to_inf));
      // saturate: always the largest finite value of the right sign
      const Ts smax = code<Ts>(h::max), smmax = code<Ts>(h::max | h::sign);
      CHECK(bits(smax + smax) == h::max);
      CHECK(bits(smmax + smmax) == (h::max | h::sign));
      CHECK(bits(smax * code<Ts>(h::two)) == h::max);
      CHECK(bits(smmax * code<Ts>(h::two)) == (h::max | h::sign));
      // and an exact infinity (x / 0) saturates as well
      CHECK(bits(code<Ts>(h::one) / code<Ts>(0)) == h::max);
      CHECK(bits(code<Ts>(h::one | h::sign) / code<Ts>(0)) == (h::max | h::sign));
    };
    check_mode.template operator()<rounding::nearest_even>(true, true);
    check_mode.template operator()<rounding::nearest_away>(true, true);
    check_mode.template operator()<rounding::toward_zero>(false, false);
    check_mode.template operator()<rounding::upward>(true, false);
    check_mode.template operator()<rounding::downward>(false, true);
    check_mode.template operator()<rounding::to_odd>(false, false);
  }

  TEST_CASE("compound assignment") {
    using T = mixprec::half;
    T x = code<T>(0x3C00);  // 1
    T& r1 = (x += code<T>(0x3800));
    CHECK(&r1 == &x);
    CHECK(bits(x) == 0x3E00);  // 1.5
    x -= code<T>(0x3C00);
    CHECK(bits(x) == 0x3800);  // 0.5
    T& r2 = (x *= code<T>(0x4200));
    CHECK(&r2 == &x);
    CHECK(bits(x) == 0x3E00);  // 1.5
    x /= code<T>(0x4200);
    CHECK(bits(x) == 0x3800);  // 0.5
    // rounding of the type applies
    using D = fl<fm::fp16, rounding::downward>;
    D y = code<D>(0x3C00);
    y /= code<D>(0x4200);
    CHECK(bits(y) == 0x3555);  // 1/3 rounded down
    using U = fl<fm::fp16, rounding::upward>;
    U z = code<U>(0x3C00);
    z /= code<U>(0x4200);
    CHECK(bits(z) == 0x3556);  // 1/3 rounded up
    using E = mixprec::float8_e4m3;
    E e = code<E>(0x7E);
    e += code<E>(0x68);  // 448 + 64 = 512: NaN
    CHECK(is_nan_code(e));
  }

  TEST_CASE_TEMPLATE("comparisons", F, SIGNED_FORMATS) {
    using h = hand<F>;
    using T = fl<F>;
    const T p0 = code<T>(0), n0 = code<T>(h::sign), one = code<T>(h::one),
            mone = code<T>(h::one | h::sign), two = code<T>(h::two), max = code<T>(h::max),
            tiny = code<T>(h::min_sub);
    if constexpr (h::has_neg_zero) {
      CHECK(p0 == n0);
      CHECK_FALSE(p0 != n0);
      CHECK_FALSE(p0 < n0);
      CHECK_FALSE(n0 < p0);
      CHECK(p0 <= n0);
      CHECK(n0 >= p0);
    }
    CHECK(one < two);
    CHECK(mone < one);
    CHECK(mone < p0);
    CHECK(two > one);
    CHECK(one <= one);
    CHECK(one >= one);
    CHECK(max > two);
    CHECK(p0 < tiny);
    CHECK(code<T>(h::min_sub | h::sign) < p0);
    CHECK(tiny != p0);
    CHECK_FALSE(one == two);
    if constexpr (h::has_nan) {
      const T nan = code<T>(h::nan);
      CHECK_FALSE(nan == nan);
      CHECK(nan != nan);
      CHECK_FALSE(nan < one);
      CHECK_FALSE(nan > one);
      CHECK_FALSE(nan <= nan);
      CHECK_FALSE(nan >= one);
      CHECK_FALSE(one < nan);
      CHECK_FALSE(one == nan);
      CHECK(one != nan);
    }
    if constexpr (h::inf != 0) {
      const T inf = code<T>(h::inf), minf = code<T>(h::inf | h::sign);
      CHECK(max < inf);
      CHECK(minf < code<T>(h::max | h::sign));
      CHECK(inf == inf);
    }
    // flushing types: a subnormal equals zero (either sign) and is below min normal
    using Tf = fl<F, rounding::nearest_even, overflow::standard, subnormals::flush>;
    const Tf fsub = code<Tf>(h::min_sub), fnsub = code<Tf>(h::min_sub | h::sign),
             fzero = code<Tf>(0), fmin = code<Tf>(h::min_normal);
    CHECK(fsub == fzero);
    CHECK(fnsub == fzero);
    CHECK(fsub == fnsub);
    CHECK_FALSE(fsub < fzero);
    CHECK_FALSE(fzero < fsub);
    CHECK(fsub < fmin);
    CHECK(fnsub <= fzero);
  }

  TEST_CASE_TEMPLATE("unary minus flips the sign bit and never rounds", F, SIGNED_FORMATS) {
    using h = hand<F>;
    using Tf = fl<F, rounding::nearest_even, overflow::standard, subnormals::flush>;
    // a subnormal code held by a flushing type is flipped, not flushed
    CHECK(bits(-code<Tf>(h::min_sub)) == (h::min_sub | h::sign));
    CHECK(bits(-code<Tf>(h::max | h::sign)) == h::max);
    CHECK(bits(-(-code<Tf>(h::three))) == h::three);
    if constexpr (h::inf != 0) CHECK(bits(-code<Tf>(h::inf)) == (h::inf | h::sign));
    if constexpr (h::has_nan && h::has_neg_zero) {
      CHECK(bits(-code<Tf>(h::nan)) == (h::nan | h::sign));
    }
  }

  TEST_CASE("float32 with nearest_even equals the hardware's float arithmetic") {
    // An independent reference that needs no exact arithmetic: IEEE binary32 on this machine.
    using T = mixprec::float32;
    std::mt19937 rng(12345);
    int bad = 0;
    for (int i = 0; i < 20000; ++i) {
      std::uint32_t ua = rng(), ub = rng(), uc = rng();
      if (i % 4 == 1) ub = (ub & 0x807FFFFF) | (ua & 0x7F800000);  // equal exponents
      if (i % 8 == 3) ua &= 0x807FFFFF;                            // subnormal
      float a, b, c;
      std::memcpy(&a, &ua, 4);
      std::memcpy(&b, &ub, 4);
      std::memcpy(&c, &uc, 4);
      const float want[] = {a + b, a - b, a * b, a / b, std::sqrt(a), std::fma(a, b, c)};
      const T x = code<T>(ua), y = code<T>(ub), z = code<T>(uc);
      const T got[] = {x + y, x - y, x * y, x / y, sqrt(x), fma(x, y, z)};
      for (int k = 0; k < 6; ++k) {
        std::uint32_t w;
        std::memcpy(&w, &want[k], 4);
        const bool ok = std::isnan(want[k]) ? is_nan_code(got[k]) : bits(got[k]) == w;
        if (!ok && ++bad <= 5) {
          MESSAGE("op " << k << " a=" << ex::hex(ua) << " b=" << ex::hex(ub) << " c=" << ex::hex(uc)
                        << " expected " << ex::hex(w) << " got " << show(got[k]));
        }
      }
    }
    CHECK(bad == 0);
  }

  TEST_CASE("reference self-check: the exact reference agrees with hardware binary32") {
    // Guards the reference itself (tests/support/exact.hpp), independent of the library.
    const ex::target t{ex::fp32};
    std::mt19937 rng(777);
    int bad = 0;
    for (int i = 0; i < 3000; ++i) {
      const std::uint32_t ua = rng(), ub = rng(), uc = rng();
      float a, b, c;
      std::memcpy(&a, &ua, 4);
      std::memcpy(&b, &ub, 4);
      std::memcpy(&c, &uc, 4);
      const float hw[] = {a + b, a * b, a / b, std::sqrt(a), std::fma(a, b, c)};
      const ex::result ref[] = {ex::add(t, ua, ub), ex::mul(t, ua, ub), ex::div(t, ua, ub),
                                ex::sqrt(t, ua), ex::fma(t, ua, ub, uc)};
      for (int k = 0; k < 5; ++k) {
        std::uint32_t w;
        std::memcpy(&w, &hw[k], 4);
        if (!ex::matches(ex::fp32, ref[k], w)) ++bad;
      }
    }
    CHECK(bad == 0);
    // The grid the reference rounds to: consecutive codes differ by one quantum.
    for (const ex::format_desc& f : {ex::e4m3, ex::e5m2, ex::e4m3fnuz, ex::e8m0, ex::e2m1}) {
      for (std::uint64_t i = 0; i < ex::max_index(f); ++i) {
        const ex::dyadic lo = ex::magnitude(f, i), hi = ex::magnitude(f, i + 1);
        CHECK(ex::compare_abs(ex::add(lo, ex::pow2(ex::quantum_exp(f, lo))), hi) == 0);
      }
    }
  }

  TEST_CASE_TEMPLATE("random sample against the exact reference", F, fm::fp16, fm::bf16, fm::fp32) {
    auto run = [&]<class T>() {
      constexpr ex::target t = ex::target_of<T>();
      std::mt19937_64 rng(99);
      int bad = 0;
      for (int i = 0; i < 1500; ++i) {
        std::uint64_t a = rng() % ex::code_count(t.f), b = rng() % ex::code_count(t.f),
                      c = rng() % ex::code_count(t.f);
        // bring exponents close in half the cases so that rounding is exercised
        if (i % 2 == 0) {
          const std::uint64_t emask = ((std::uint64_t{1} << t.f.exp_bits) - 1) << t.f.man_bits;
          b = (b & ~emask) | (a & emask);
        }
        const T x = code<T>(a), y = code<T>(b), z = code<T>(c);
        const std::pair<T, ex::result> cases[] = {
            {x + y, ex::add(t, a, b)}, {x - y, ex::sub(t, a, b)},
            {x * y, ex::mul(t, a, b)}, {x / y, ex::div(t, a, b)},
            {sqrt(x), ex::sqrt(t, a)}, {fma(x, y, z), ex::fma(t, a, b, c)}};
        for (int k = 0; k < 6; ++k) {
          if (!ex::matches(t.f, cases[k].second, bits(cases[k].first)) && ++bad <= 5) {
            MESSAGE(ex::to_string(t)
                    << " op " << k << " a=" << ex::hex(a) << " b=" << ex::hex(b)
                    << " c=" << ex::hex(c) << " expected " << ex::to_string(cases[k].second)
                    << " got " << show(cases[k].first));
          }
        }
      }
      CHECK(bad == 0);
    };
    run.template operator()<fl<F>>();
    run.template operator()<fl<F, rounding::toward_zero>>();
    run.template operator()<fl<F, rounding::upward, overflow::saturate>>();
    run.template operator()<fl<F, rounding::to_odd, overflow::standard, subnormals::flush>>();
    run.template operator()<fl<F, rounding::nearest_away, overflow::saturate, subnormals::flush>>();
    run.template operator()<fl<F, rounding::downward>>();
  }
}
