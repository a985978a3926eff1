// Everything of the formats layer that the spec makes constexpr, checked in constant
// expressions: conversions, bits/from_bits, arithmetic (+ - * / fma sqrt), comparisons,
// classification, numeric_limits and stochastic rounding with explicit bits. The expected codes
// are derived by hand (derivations in the comments), never computed by the library.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include <mixprec/mixprec.hpp>

namespace {

namespace fm = mixprec::formats;
using mixprec::bfloat16;
using mixprec::float4_e2m1;
using mixprec::float8_e4m3;
using mixprec::float8_e5m2;
using mixprec::float8_e8m0;
using mixprec::floating;
using mixprec::half;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;
using mixprec::tfloat32;

template <rounding R>
using half_r = floating<fm::fp16, R>;
using sr_bf16 = floating<fm::bf16, rounding::stochastic>;

// ---- conversions in ------------------------------------------------------------------------

// 1/3 = 1.0101010101|0101... * 2^-2: exponent field 13 (0x3400), mantissa 0x155, rest < half.
static_assert(half(1.0f / 3).bits() == 0x3555);
static_assert(half(1.0 / 3).bits() == 0x3555);
static_assert(half(1.0).bits() == 0x3C00);
static_assert(half(-2.0f).bits() == 0xC000);
static_assert(half(65504.0).bits() == 0x7BFF);  // max
// 65520 = 65504 + 16: the tie between 65504 (mantissa 0x3FF, odd) and 2^16 -> up -> overflow
static_assert(half(65520.0).bits() == 0x7C00);
static_assert(half(-0.0).bits() == 0x8000);
static_assert(half(0x1p-24).bits() == 0x0001);  // the smallest subnormal
static_assert(half(0x1p-25).bits() == 0x0000);  // half of it: a tie, to even (zero)
// integers: 2049 is the tie between 2048 (mantissa 0) and 2050 (mantissa 1) -> 2048;
// 2051 the tie between 2050 (odd) and 2052 (mantissa 2) -> 2052
static_assert(half(2049).bits() == 0x6800);
static_assert(half(2051).bits() == 0x6802);
static_assert(half(-3LL).bits() == 0xC200);
// directed modes on 1/3 (between 0x3555 and 0x3556)
static_assert(half_r<rounding::upward>(1.0 / 3).bits() == 0x3556);
static_assert(half_r<rounding::downward>(1.0 / 3).bits() == 0x3555);
static_assert(half_r<rounding::downward>(-1.0 / 3).bits() == 0xB556);
static_assert(half_r<rounding::toward_zero>(-1.0 / 3).bits() == 0xB555);
static_assert(half_r<rounding::to_odd>(1.0 / 3).bits() == 0x3555);
static_assert(half_r<rounding::to_odd>(2.0 / 3).bits() == 0x3955);
// 1 + 2^-11: half an ulp above 1
static_assert(half(1.0 + 0x1p-11).bits() == 0x3C00);
static_assert(half_r<rounding::nearest_away>(1.0 + 0x1p-11).bits() == 0x3C01);
static_assert(half_r<rounding::to_odd>(1.0 + 0x1p-11).bits() == 0x3C01);
// bfloat16: float 1/3 = 0x3EAAAAAB; the low half 0xAAAB is above 0x8000 -> 0x3EAB
static_assert(bfloat16(1.0f / 3).bits() == 0x3EAB);
// tfloat32: the low 13 bits of 0x3EAAAAAB are 0x0AAB < 0x1000 -> 0x3EAAA000
static_assert(tfloat32(1.0f / 3).bits() == 0x3EAAA000u);
// e4m3: 464 is the tie between 448 (0x7E, mantissa 110) and 480 -> 448; 465 overflows to NaN
static_assert(float8_e4m3(464.0f).bits() == 0x7E);
static_assert(isnan(float8_e4m3(465.0f)) && isnan(float8_e4m3(-465.0f)));
static_assert(floating<fm::e4m3, rounding::nearest_even, overflow::saturate>(1000.0).bits() ==
              0x7E);
static_assert(float8_e4m3(0x1p-9).bits() == 0x01);  // smallest subnormal 2^-6 * 2^-3
// e5m2: 61440 is the tie between 57344 (0x7B, mantissa 11) and 65536 -> up -> infinity
static_assert(float8_e5m2(57344.0).bits() == 0x7B);
static_assert(float8_e5m2(61440.0).bits() == 0x7C);
// e8m0: 3 = 1.5 * 2 is the midpoint of 2 and 4; ties go up: 4 = 2^2 -> 127 + 2
static_assert(float8_e8m0(3.0).bits() == 0x81);
static_assert(float8_e8m0(0.0).bits() == 0x00);   // no zero: 2^-127
static_assert(float8_e8m0(-1.0).bits() == 0xFF);  // negative: NaN
// e2m1: 5 is the tie between 4 (0x6, mantissa 0) and 6 (0x7) -> 4; no inf/NaN: 100 -> max 6
static_assert(float4_e2m1(5.0f).bits() == 0x6);
static_assert(float4_e2m1(100.0f).bits() == 0x7);
static_assert(float4_e2m1(-100.0f).bits() == 0xF);
// between floating types: bfloat16 0x3EAB = 171/512 = 1.3359375 * 2^-2, exact in half (0x158)
static_assert(half(bfloat16::from_bits(0x3EAB)).bits() == 0x3558);
// flush: a result that rounds to a subnormal is zero
static_assert(
    floating<fm::fp16, rounding::nearest_even, overflow::standard, subnormals::flush>(0x1p-16)
        .bits() == 0x0000);

// ---- bits / from_bits and conversions out -----------------------------------------------------

static_assert(half::from_bits(0x1234).bits() == 0x1234);
static_assert(half{}.bits() == 0);
static_assert(static_cast<float>(half::from_bits(0x3555)) == 0.333251953125f);  // 1365/4096
static_assert(static_cast<double>(half::from_bits(0xC200)) == -3.0);
static_assert(static_cast<double>(half::from_bits(0x0001)) == 0x1p-24);
static_assert(static_cast<float>(float8_e4m3::from_bits(0x7E)) == 448.0f);
static_assert(static_cast<double>(float8_e8m0::from_bits(0x00)) == 0x1p-127);
static_assert(static_cast<float>(float4_e2m1::from_bits(0x1)) == 0.5f);
static_assert(sizeof(half) == 2 && sizeof(float8_e4m3) == 1 && sizeof(tfloat32) == 4);

// ---- arithmetic ---------------------------------------------------------------------------------

constexpr half h(std::uint16_t c) { return half::from_bits(c); }
static_assert((h(0x3C00) + h(0x4000)).bits() == 0x4200);  // 1 + 2 = 3
static_assert((h(0x3C00) - h(0x4000)).bits() == 0xBC00);  // 1 - 2 = -1
static_assert((h(0x4200) * h(0x4200)).bits() == 0x4880);  // 9 = 1.125 * 8: mantissa 0x080
static_assert((h(0x3C00) / h(0x4200)).bits() == 0x3555);  // 1/3
// sqrt(2) = 1.0110101000|0010011...: mantissa 0x1A8, rest below half
static_assert(sqrt(h(0x4000)).bits() == 0x3DA8);
static_assert(sqrt(h(0x8000)).bits() == 0x8000);  // sqrt(-0) = -0
// fma((1 + 2^-10)^2 - (1 + 2^-9)) = 2^-20 exactly: the subnormal 16 * 2^-24 (unfused: 0)
static_assert(fma(h(0x3C01), h(0x3C01), h(0xBC02)).bits() == 0x0010);
static_assert((h(0x3C01) * h(0x3C01) - h(0x3C02)).bits() == 0x0000);
static_assert((h(0x3C00) - h(0x3C00)).bits() == 0x0000);
static_assert((half_r<rounding::downward>::from_bits(0x3C00) -
               half_r<rounding::downward>::from_bits(0x3C00))
                  .bits() == 0x8000);
static_assert((h(0x7BFF) + h(0x7BFF)).bits() == 0x7C00);  // overflow to infinity
static_assert((half_r<rounding::toward_zero>::from_bits(0x7BFF) +
               half_r<rounding::toward_zero>::from_bits(0x7BFF))
                  .bits() == 0x7BFF);
static_assert((h(0x3C00) / h(0x0000)).bits() == 0x7C00);
static_assert((-h(0x3C00)).bits() == 0xBC00);
static_assert((-float8_e4m3::from_bits(0x00)).bits() == 0x80);
static_assert((-floating<fm::e4m3fnuz>::from_bits(0x00)).bits() == 0x00);
// e4m3: 448 + 32 = 480 overflows: NaN
static_assert(isnan(float8_e4m3::from_bits(0x7E) + float8_e4m3::from_bits(0x60)));
// compound assignment in a constant expression
constexpr half accumulate() {
  half x = h(0x3C00);
  x += h(0x3800);  // 1.5
  x *= h(0x4000);  // 3
  x -= h(0x3C00);  // 2
  x /= h(0x4400);  // 0.5
  return x;
}
static_assert(accumulate().bits() == 0x3800);

// ---- comparisons and classification -------------------------------------------------------------

static_assert(h(0x3C00) < h(0x4000));
static_assert(h(0x8000) == h(0x0000));
static_assert(!(h(0x7E00) == h(0x7E00)));
static_assert(h(0x7E00) != h(0x7E00));
static_assert(!(h(0x7E00) < h(0x3C00)) && !(h(0x7E00) >= h(0x3C00)));
static_assert(h(0xFC00) < h(0xFBFF) && h(0x7BFF) <= h(0x7C00));
using half_flush =
    floating<fm::fp16, rounding::nearest_even, overflow::standard, subnormals::flush>;
static_assert(half_flush::from_bits(0x0001) == half_flush::from_bits(0x8000));

static_assert(isnan(h(0x7E00)) && isnan(h(0xFC01)) && !isnan(h(0x7C00)));
static_assert(isinf(h(0xFC00)) && !isinf(h(0x7BFF)));
static_assert(isfinite(h(0x7BFF)) && !isfinite(h(0x7C00)));
static_assert(isnormal(h(0x0400)) && !isnormal(h(0x03FF)) && !isnormal(h(0x0000)));
static_assert(issubnormal(h(0x03FF)) && !issubnormal(h(0x0400)));
static_assert(iszero(h(0x8000)) && !iszero(h(0x0001)));
static_assert(signbit(h(0x8000)) && !signbit(h(0x0000)));
static_assert(fpclassify(h(0x0001)) == FP_SUBNORMAL);
static_assert(fpclassify(h(0x7C00)) == FP_INFINITE);
static_assert(fpclassify(h(0x7C01)) == FP_NAN);
static_assert(fpclassify(h(0x3C00)) == FP_NORMAL);
static_assert(fpclassify(h(0x8000)) == FP_ZERO);
static_assert(fpclassify(half_flush::from_bits(0x0001)) == FP_ZERO);
static_assert(isnan(float8_e4m3::from_bits(0xFF)) && !isnan(float8_e4m3::from_bits(0x7E)));
static_assert(isnan(floating<fm::e4m3fnuz>::from_bits(0x80)));
static_assert(isnan(float8_e8m0::from_bits(0xFF)) && !iszero(float8_e8m0::from_bits(0x00)));

// ---- numeric_limits -----------------------------------------------------------------------------

using hl = std::numeric_limits<half>;
static_assert(hl::is_specialized && hl::is_signed && !hl::is_integer && !hl::is_exact);
static_assert(hl::max().bits() == 0x7BFF && hl::lowest().bits() == 0xFBFF);
static_assert(hl::min().bits() == 0x0400 && hl::denorm_min().bits() == 0x0001);
static_assert(hl::epsilon().bits() == 0x1400);      // 2^-10
static_assert(hl::round_error().bits() == 0x3800);  // 0.5
static_assert(hl::infinity().bits() == 0x7C00 && isnan(hl::quiet_NaN()));
static_assert(hl::digits == 11 && hl::digits10 == 3 && hl::max_digits10 == 5);
static_assert(hl::min_exponent == -13 && hl::max_exponent == 16);
static_assert(hl::min_exponent10 == -4 && hl::max_exponent10 == 4);
static_assert(hl::radix == 2 && hl::round_style == std::round_to_nearest && hl::is_iec559);
static_assert(hl::has_infinity && hl::has_quiet_NaN && hl::has_signaling_NaN);
// binary32: the members agree with float's
using fl32 = std::numeric_limits<mixprec::float32>;
static_assert(fl32::digits == 24 && fl32::digits10 == 6 && fl32::max_digits10 == 9);
static_assert(fl32::min_exponent == -125 && fl32::max_exponent == 128);
static_assert(fl32::min_exponent10 == -37 && fl32::max_exponent10 == 38);
static_assert(fl32::max().bits() == 0x7F7FFFFFu && fl32::epsilon().bits() == 0x34000000u);
using e4l = std::numeric_limits<float8_e4m3>;
static_assert(e4l::max().bits() == 0x7E && !e4l::has_infinity && e4l::infinity().bits() == 0);
static_assert(e4l::digits == 4 && e4l::max_exponent == 9 && e4l::min_exponent == -5);
using e8l = std::numeric_limits<float8_e8m0>;
static_assert(!e8l::is_signed && e8l::lowest().bits() == 0x00 && e8l::max().bits() == 0xFE);
static_assert(e8l::digits == 1 && e8l::epsilon().bits() == 0x7F);  // 2^0
using tzl = std::numeric_limits<half_r<rounding::toward_zero>>;
static_assert(tzl::round_style == std::round_toward_zero && !tzl::is_iec559);
static_assert(tzl::round_error().bits() == 0x3C00);  // 1
static_assert(std::numeric_limits<half_flush>::denorm_min().bits() == 0x0400);

// ---- stochastic rounding with explicit bits -----------------------------------------------------

// 1 + 2^-9 in bfloat16: a quarter of the gap 2^-7, threshold 2^30
static_assert(mixprec::stochastic_round<sr_bf16>(1.0 + 0x1p-9, 0x3FFFFFFFu).bits() == 0x3F81);
static_assert(mixprec::stochastic_round<sr_bf16>(1.0 + 0x1p-9, 0x40000000u).bits() == 0x3F80);
static_assert(mixprec::stochastic_round<sr_bf16>(1.5f, 0u).bits() == 0x3FC0);  // exact
// Philox4x32-10 of counter 0, key 0 begins with 0x6627e8d5 (Random123 known answer), so seed 0,
// counter 0 draws u = 0x6627e8d5: below 2^31 (1 + 2^-8, threshold 2^31: away) and above
// 3 * 2^29 = 0x60000000 (1 + 3 * 2^-10, threshold 3/8 * 2^32: not away).
static_assert(mixprec::detail::philox4x32({{0, 0, 0, 0}}, 0, 0).word[0] == 0x6627e8d5u);
static_assert(mixprec::stochastic_round<sr_bf16>(1.0 + 0x1p-8, 0, 0).bits() == 0x3F81);
static_assert(mixprec::stochastic_round<sr_bf16>(1.0 + 3 * 0x1p-10, 0, 0).bits() == 0x3F80);
constexpr std::uint16_t stream_sum() {
  mixprec::stochastic_stream s(0, 0);
  return s.add(sr_bf16::from_bits(0x3F80), sr_bf16::from_bits(0x3B80)).bits();  // 1 + 2^-8
}
static_assert(stream_sum() == 0x3F81);

}  // namespace

TEST_SUITE("constexpr") {
  TEST_CASE("the constant-expression results hold at run time too") {
    // The same expressions evaluated at run time (volatile inputs defeat constant folding).
    volatile float third = 1.0f / 3;
    volatile double v464 = 464.0;
    CHECK(half(third).bits() == 0x3555);
    CHECK(bfloat16(third).bits() == 0x3EAB);
    CHECK(float8_e4m3(v464).bits() == 0x7E);
    volatile std::uint16_t two = 0x4000, one = 0x3C00, three = 0x4200;
    CHECK(sqrt(h(two)).bits() == 0x3DA8);
    CHECK((h(one) / h(three)).bits() == 0x3555);
    CHECK(fma(h(0x3C01), h(0x3C01), h(0xBC02)).bits() == 0x0010);
    CHECK(accumulate().bits() == 0x3800);
    volatile std::uint32_t u = 0x3FFFFFFFu;
    CHECK(mixprec::stochastic_round<sr_bf16>(1.0 + 0x1p-9, static_cast<std::uint32_t>(u)).bits() ==
          0x3F81);
    CHECK(stream_sum() == 0x3F81);
  }
}
