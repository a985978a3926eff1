// Tests of format/math.hpp: hand-derived special cases of every function in several formats,
// nextafter at the edges of each format, the rounding-mode dependence of nearbyint / rint, ties
// of round, exact fmod / remainder, constexpr use, and a small sample of the accuracy checks of
// test_math_exhaustive.cpp (long double references). Quick enough for the sanitizers.
//
// Codes used below, derived by hand from the layouts in the spec:
//   fp16  1 = 0x3C00, 2 = 0x4000, 3 = 0x4200, 0.5 = 0x3800, 0.75 = 0x3A00, -0 = 0x8000,
//         max 65504 = 0x7BFF, inf 0x7C00, qNaN 0x7E00, denorm_min 2^-24 = 0x0001,
//         min normal 2^-14 = 0x0400; a value 2^e * (1 + m/1024) is ((e + 15) << 10) | m
//   e4m3  1 = 0x38, max 448 = 0x7E, NaN 0x7F / 0xFF, denorm_min 2^-9 = 0x01
//   e4m3fnuz 1 = 0x40, max 240 = 0x7F, NaN 0x80
//   e3m2  (bias 3) 1 = 0x0C, max 28 = 0x1F, sign 0x20
//   e2m3  (bias 1) 1 = 0x08, max 7.5 = 0x1F, sign 0x20
//   e2m1  0x0..0x7 = 0, 0.5, 1, 1.5, 2, 3, 4, 6; sign 0x8
//   e8m0  2^k = 0x7F + k (k = -127 .. 127), NaN 0xFF

#include <doctest/doctest.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>

#include <mixprec/format/math.hpp>
#include <mixprec/mixprec.hpp>

namespace {

namespace fm = mixprec::formats;
using mixprec::floating;
using mixprec::half;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;

using bf16 = mixprec::bfloat16;
using e4m3 = mixprec::float8_e4m3;
using e5m2 = mixprec::float8_e5m2;
using e4m3fnuz = mixprec::float8_e4m3fnuz;
using e3m2 = mixprec::float6_e3m2;
using e2m3 = mixprec::float6_e2m3;
using e2m1 = mixprec::float4_e2m1;
using e8m0 = mixprec::float8_e8m0;
template <rounding R>
using half_r = floating<fm::fp16, R>;
using half_sat = floating<fm::fp16, rounding::nearest_even, overflow::saturate>;
using half_flush =
    floating<fm::fp16, rounding::nearest_even, overflow::standard, subnormals::flush>;
using e2m1_flush =
    floating<fm::e2m1, rounding::nearest_even, overflow::standard, subnormals::flush>;

template <class T>
T code(std::uint64_t c) {
  return T::from_bits(static_cast<typename T::storage>(c));
}
template <class T>
std::uint64_t bits(T x) {
  return static_cast<std::uint64_t>(x.bits());
}
// NaN by the codes, not by the library's classification.
bool is_nan_half(std::uint64_t c) { return (c & 0x7C00) == 0x7C00 && (c & 0x3FF) != 0; }

// ---- constexpr --------------------------------------------------------------------------------

// floor(2.5) = 2, ceil(2.5) = 3, round(2.5) = 3, rint(2.5) = 2 (ties to even)
static_assert(floor(half(2.5)).bits() == 0x4000);
static_assert(ceil(half(2.5)).bits() == 0x4200);
static_assert(round(half(2.5)).bits() == 0x4200);
static_assert(rint(half(2.5)).bits() == 0x4000);
static_assert(trunc(half(-2.5)).bits() == 0xC000);
// the value after 1 is 1 + 2^-10
static_assert(nextafter(half(1.0), half(2.0)).bits() == 0x3C01);
static_assert(nextafter(half(1.0), half(0.0)).bits() == 0x3BFF);
// 7 = 2 * 2.5 + 2; 7 / 2.5 = 2.8 rounds to 3: 7 - 7.5 = -0.5
static_assert(fmod(half(7.0), half(2.5)).bits() == 0x4000);
static_assert(remainder(half(7.0), half(2.5)).bits() == 0xB800);
static_assert(ldexp(half(1.0), 3).bits() == 0x4800);
static_assert(ilogb(half(1000.0)) == 9);
static_assert(copysign(half(2.0), half(-0.0)).bits() == 0xC000);
static_assert(abs(half(-3.0)).bits() == 0x4200);
static_assert(fmin(half(1.0), half(2.0)).bits() == 0x3C00);
static_assert(fdim(half(3.0), half(1.0)).bits() == 0x4000);
constexpr int frexp_exponent() {
  int e = 0;
  (void)frexp(half(3.0), &e);
  return e;
}
static_assert(frexp_exponent() == 2);

// ---- accuracy sample: ulp error against long double references ------------------------------

// Worst error in ulps of T(f(double(x))) against fl(long double x) over the codes whose
// reference is finite, nonzero and within the format's range. M: mantissa bits, emin: exponent
// of the smallest normal, max: the largest finite value.
template <class T, class Fd, class Fl>
double worst_ulps(std::uint64_t codes, Fd f_lib, Fl f_ref, int m, int emin, double max) {
  double worst = 0;
  for (std::uint64_t c = 0; c < codes; ++c) {
    const T x = code<T>(c);
    const double xd = static_cast<double>(x);
    if (std::isnan(xd)) continue;
    const long double ref = f_ref(static_cast<long double>(xd));
    if (!std::isfinite(ref) || ref == 0 || std::fabs(ref) > max) continue;
    const long double got = static_cast<double>(f_lib(x));
    const long double ulp = std::ldexp(1.0L, std::max(std::ilogb(ref), emin) - m);
    worst = std::max(worst, static_cast<double>(std::fabs(got - ref) / ulp));
  }
  return worst;
}

}  // namespace

TEST_SUITE("math") {
  TEST_CASE("libm-based functions: special values in fp16") {
    const half zero(0.0), nzero(-0.0), one(1.0), two(2.0), inf = code<half>(0x7C00),
                                                           nan = code<half>(0x7E00);
    CHECK(bits(exp(zero)) == 0x3C00);
    CHECK(bits(exp(-inf)) == 0x0000);
    CHECK(bits(exp(inf)) == 0x7C00);
    CHECK(is_nan_half(bits(exp(nan))));
    CHECK(bits(exp2(half(10.0))) == 0x6400);   // 1024 = 2^10: field 25
    CHECK(bits(exp2(half(-24.0))) == 0x0001);  // denorm_min
    CHECK(bits(expm1(nzero)) == 0x8000);
    CHECK(bits(log(zero)) == 0xFC00);
    CHECK(bits(log(nzero)) == 0xFC00);
    CHECK(is_nan_half(bits(log(-one))));
    CHECK(bits(log(one)) == 0x0000);
    CHECK(bits(log2(half(1024.0))) == 0x4900);  // 10 = 1.25 * 2^3: field 18, m 256
    CHECK(bits(log10(half(100.0))) == 0x4000);
    CHECK(bits(log1p(-one)) == 0xFC00);
    CHECK(bits(log1p(nzero)) == 0x8000);
    CHECK(bits(sin(nzero)) == 0x8000);
    CHECK(bits(cos(zero)) == 0x3C00);
    CHECK(is_nan_half(bits(sin(inf))));
    CHECK(bits(tan(nzero)) == 0x8000);
    CHECK(is_nan_half(bits(asin(two))));
    CHECK(bits(acos(one)) == 0x0000);
    CHECK(bits(atan(inf)) == 0x3E48);  // pi/2 = 1.5708: 1.5708 * 1024 - 1024 = 584.5 -> 584
    CHECK(bits(sinh(-inf)) == 0xFC00);
    CHECK(bits(cosh(zero)) == 0x3C00);
    CHECK(bits(tanh(inf)) == 0x3C00);
    CHECK(bits(asinh(nzero)) == 0x8000);
    CHECK(bits(acosh(one)) == 0x0000);
    CHECK(is_nan_half(bits(acosh(half(0.5)))));
    CHECK(bits(atanh(one)) == 0x7C00);
    CHECK(bits(atanh(-one)) == 0xFC00);
    CHECK(bits(erf(inf)) == 0x3C00);
    CHECK(bits(erf(nzero)) == 0x8000);
    CHECK(bits(erfc(inf)) == 0x0000);
    CHECK(bits(erfc(-inf)) == 0x4000);
    CHECK(bits(tgamma(half(5.0))) == 0x4E00);  // 24 = 1.5 * 2^4: field 19, m 512
    CHECK(bits(tgamma(zero)) == 0x7C00);
    CHECK(bits(tgamma(nzero)) == 0xFC00);
    CHECK(is_nan_half(bits(tgamma(-one))));
    CHECK(bits(lgamma(one)) == 0x0000);
    CHECK(bits(lgamma(two)) == 0x0000);
    CHECK(bits(lgamma(zero)) == 0x7C00);
    CHECK(bits(cbrt(half(-8.0))) == 0xC000);
    CHECK(bits(cbrt(nzero)) == 0x8000);
    // pow: the C special cases
    CHECK(bits(pow(nan, zero)) == 0x3C00);
    CHECK(bits(pow(one, nan)) == 0x3C00);
    CHECK(bits(pow(two, half(10.0))) == 0x6400);
    CHECK(bits(pow(zero, -one)) == 0x7C00);
    CHECK(bits(pow(nzero, -one)) == 0xFC00);
    CHECK(is_nan_half(bits(pow(half(-8.0), half(1.0 / 3)))));
    CHECK(bits(pow(half(-2.0), half(3.0))) == 0xC800);
    CHECK(bits(pow(half(0.5), inf)) == 0x0000);
    // atan2(±0, -0) = ±pi (3.14159 = 1.5708 * 2: field 16, m 584)
    CHECK(bits(atan2(zero, nzero)) == 0x4248);
    CHECK(bits(atan2(nzero, nzero)) == 0xC248);
    CHECK(bits(atan2(nzero, one)) == 0x8000);
    CHECK(bits(hypot(half(3.0), half(4.0))) == 0x4500);  // 5 = 1.25 * 4
    CHECK(bits(hypot(inf, nan)) == 0x7C00);
    CHECK(is_nan_half(bits(hypot(one, nan))));
  }

  TEST_CASE("libm-based functions: one rounding in the type's mode, overflow and saturation") {
    // e = 2.71828: in [2, 4) the quantum is 2^-9, e / 2^-9 = 1391.76: 1391 -> 0x416F, 1392 ->
    // 0x4170
    const half_r<rounding::nearest_even> one_ne(1.0);
    CHECK(bits(exp(one_ne)) == 0x4170);
    CHECK(bits(exp(half_r<rounding::downward>(1.0))) == 0x416F);
    CHECK(bits(exp(half_r<rounding::toward_zero>(1.0))) == 0x416F);
    CHECK(bits(exp(half_r<rounding::upward>(1.0))) == 0x4170);
    CHECK(bits(exp(half_r<rounding::to_odd>(1.0))) == 0x416F);
    // -e under downward: away from zero
    CHECK(bits(-exp(half_r<rounding::downward>(1.0))) == 0xC16F);
    // exp(12) = 162754.8 > 65504: inf to nearest, max toward zero, max when saturating
    CHECK(bits(exp(half(12.0))) == 0x7C00);
    CHECK(bits(exp(half_r<rounding::toward_zero>(12.0))) == 0x7BFF);
    CHECK(bits(exp(half_sat(12.0))) == 0x7BFF);
    // exp(-20) = 2.06e-9 < 2^-25 (2.98e-8): 0 to nearest, denorm_min upward
    CHECK(bits(exp(half(-20.0))) == 0x0000);
    CHECK(bits(exp(half_r<rounding::upward>(-20.0))) == 0x0001);
    // flush: exp(-10) = 4.54e-5 is subnormal in fp16 (< 2^-14 = 6.1e-5): +0
    CHECK(bits(exp(half_flush(-10.0))) == 0x0000);
    // a flushed subnormal input reads as zero: exp(+0) = 1
    CHECK(bits(exp(code<half_flush>(0x0001))) == 0x3C00);
    // stochastic: one of the two neighbours, the same one every time (stateless bits)
    using half_sr = half_r<rounding::stochastic>;
    const std::uint64_t s = bits(exp(half_sr(1.0)));
    CHECK((s == 0x416F || s == 0x4170));
    CHECK(bits(exp(half_sr(1.0))) == s);
  }

  TEST_CASE("libm-based functions: formats without infinity or NaN follow the conversion rules") {
    // e4m3: no infinity: an infinite result is NaN; overflow to nearest is NaN too
    CHECK(bits(log(e4m3(0.0))) == 0xFF);  // -inf -> NaN, sign kept
    CHECK((bits(log(e4m3(-1.0))) & 0x7F) == 0x7F);
    CHECK((bits(exp(e4m3(7.0))) & 0x7F) == 0x7F);  // 1096.6 > 448 + 16: overflow
    CHECK(bits(exp(floating<fm::e4m3, rounding::nearest_even, overflow::saturate>(7.0))) == 0x7E);
    CHECK(bits(exp(e4m3(0.0))) == 0x38);
    // fnuz: the single NaN
    CHECK(bits(log(e4m3fnuz(0.0))) == 0x80);
    CHECK(bits(acos(e4m3fnuz(2.0))) == 0x80);
    // e3m2: no infinity, no NaN: -inf -> -max, NaN -> +max
    CHECK(bits(log(e3m2(0.0))) == 0x3F);
    CHECK(bits(log(e3m2(-1.0))) == 0x1F);
    CHECK(bits(exp(e3m2(4.0))) == 0x1F);  // 54.6 > 28: max
    CHECK(bits(exp(e3m2(0.0))) == 0x0C);
    // e2m1: exp(1) = 2.718 between 2 (0x4) and 3 (0x5): nearer 3
    CHECK(bits(exp(e2m1(1.0))) == 0x5);
    CHECK(bits(log(e2m1(0.0))) == 0xF);   // -max = -6
    CHECK(bits(acos(e2m1(2.0))) == 0x7);  // NaN -> +max
    // e8m0: unsigned, no zero: negative results are NaN, zero results its minimum 2^-127
    CHECK(bits(log(code<e8m0>(0x7E))) == 0xFF);   // log(0.5) < 0
    CHECK(bits(log(code<e8m0>(0x7F))) == 0x00);   // log(1) = 0
    CHECK(bits(exp2(code<e8m0>(0x82))) == 0x87);  // 2^8 = 256 = 2^(0x87 - 0x7F)
    CHECK(bits(sin(code<e8m0>(0xFF))) == 0xFF);   // NaN in, NaN out
  }

  TEST_CASE("abs, fabs, copysign: sign bits only") {
    CHECK(bits(abs(half(-0.0))) == 0x0000);
    CHECK(bits(abs(code<half>(0xFC00))) == 0x7C00);
    CHECK(bits(fabs(code<half>(0xFE01))) == 0x7E01);       // NaN payload kept
    CHECK(bits(abs(code<half_flush>(0x8001))) == 0x0001);  // no flushing: a bit operation
    CHECK(bits(abs(code<e4m3>(0xFF))) == 0x7F);
    CHECK(bits(abs(code<e4m3fnuz>(0xC0))) == 0x40);
    CHECK(bits(abs(code<e4m3fnuz>(0x80))) == 0x80);  // the NaN stays NaN (not +0)
    CHECK(bits(abs(code<e8m0>(0x12))) == 0x12);
    CHECK(bits(abs(e2m1(-6.0))) == 0x7);
    CHECK(bits(copysign(half(1.0), half(-0.0))) == 0xBC00);
    CHECK(bits(copysign(half(-1.0), half(0.0))) == 0x3C00);
    CHECK(bits(copysign(code<half>(0x7E00), half(-1.0))) == 0xFE00);
    CHECK(bits(copysign(half(2.0), code<half>(0xFE00))) == 0xC000);  // the NaN's sign bit
    CHECK(bits(copysign(code<e4m3fnuz>(0x40), code<e4m3fnuz>(0xC0))) == 0xC0);
    CHECK(bits(copysign(code<e4m3fnuz>(0x00), code<e4m3fnuz>(0xC0))) == 0x00);  // no -0
    CHECK(bits(copysign(code<e4m3fnuz>(0x80), code<e4m3fnuz>(0x40))) == 0x80);  // NaN stays
    CHECK(bits(copysign(code<e8m0>(0x80), code<e8m0>(0x10))) == 0x80);
    CHECK(bits(copysign(e3m2(28.0), e3m2(-1.0))) == 0x3F);
  }

  TEST_CASE("nextafter: edges of every kind of format") {
    const half inf = code<half>(0x7C00), ninf = code<half>(0xFC00), max = code<half>(0x7BFF);
    CHECK(bits(nextafter(max, inf)) == 0x7C00);  // max -> inf
    CHECK(bits(nextafter(code<half>(0xFBFF), ninf)) == 0xFC00);
    CHECK(bits(nextafter(inf, half(0.0))) == 0x7BFF);  // inf -> max
    CHECK(bits(nextafter(ninf, half(0.0))) == 0xFBFF);
    CHECK(bits(nextafter(inf, inf)) == 0x7C00);
    CHECK(bits(nextafter(code<half_sat>(0x7BFF), code<half_sat>(0x7C00))) == 0x7BFF);  // saturate
    CHECK(bits(nextafter(half(0.0), half(1.0))) == 0x0001);
    CHECK(bits(nextafter(half(-0.0), half(1.0))) == 0x0001);
    CHECK(bits(nextafter(half(0.0), half(-1.0))) == 0x8001);
    CHECK(bits(nextafter(code<half>(0x0001), half(-1.0))) == 0x0000);
    CHECK(bits(nextafter(code<half>(0x8001), half(1.0))) == 0x8000);  // -denorm_min -> -0
    CHECK(bits(nextafter(half(0.0), half(-0.0))) == 0x8000);          // x == y: y
    CHECK(bits(nextafter(half(-0.0), half(0.0))) == 0x0000);
    CHECK(bits(nextafter(code<half>(0x03FF), half(1.0))) == 0x0400);  // subnormal -> normal
    CHECK(bits(nextafter(code<half>(0x0400), half(0.0))) == 0x03FF);
    CHECK(bits(nextafter(code<half>(0x3C00), half(-1.0))) == 0x3BFF);  // across the binade
    CHECK(is_nan_half(bits(nextafter(half(1.0), code<half>(0x7E00)))));
    CHECK(is_nan_half(bits(nextafter(code<half>(0x7E00), half(1.0)))));
    // flushing types: subnormal codes are zeros; the smallest value above 0 is min normal
    CHECK(bits(nextafter(half_flush(0.0), half_flush(1.0))) == 0x0400);
    CHECK(bits(nextafter(half_flush(0.0), half_flush(-1.0))) == 0x8400);
    CHECK(bits(nextafter(code<half_flush>(0x0400), half_flush(0.0))) == 0x0000);
    CHECK(bits(nextafter(code<half_flush>(0x8400), half_flush(0.0))) == 0x8000);
    CHECK(bits(nextafter(code<half_flush>(0x0005), half_flush(1.0))) == 0x0400);
    CHECK(bits(nextafter(code<half_flush>(0x0005), half_flush(0.0))) == 0x0000);  // equal: y
    // e4m3: no infinity; max has no value above it, inf-less max stays below NaN
    CHECK(bits(nextafter(code<e4m3>(0x7E), code<e4m3>(0x00))) == 0x7D);
    CHECK(bits(nextafter(code<e4m3>(0x7D), code<e4m3>(0x7E))) == 0x7E);
    CHECK(bits(nextafter(code<e4m3>(0xFD), code<e4m3>(0xFE))) == 0xFE);
    CHECK((bits(nextafter(code<e4m3>(0x7E), code<e4m3>(0x7F))) & 0x7F) == 0x7F);
    // fnuz: no -0: stepping toward zero from -denorm_min gives +0
    CHECK(bits(nextafter(code<e4m3fnuz>(0x81), code<e4m3fnuz>(0x00))) == 0x00);
    CHECK(bits(nextafter(code<e4m3fnuz>(0x00), code<e4m3fnuz>(0xC0))) == 0x81);
    CHECK(bits(nextafter(code<e4m3fnuz>(0x00), code<e4m3fnuz>(0x80))) == 0x80);  // NaN
    // e3m2: no special values at all
    CHECK(bits(nextafter(code<e3m2>(0x1F), code<e3m2>(0x00))) == 0x1E);
    CHECK(bits(nextafter(code<e3m2>(0x3F), code<e3m2>(0x1F))) == 0x3E);
    // e8m0: powers of two, unsigned, no zero
    CHECK(bits(nextafter(code<e8m0>(0x7F), code<e8m0>(0x80))) == 0x80);
    CHECK(bits(nextafter(code<e8m0>(0x00), code<e8m0>(0x7F))) == 0x01);
    CHECK(bits(nextafter(code<e8m0>(0xFE), code<e8m0>(0x7F))) == 0xFD);
    CHECK(bits(nextafter(code<e8m0>(0x01), code<e8m0>(0x00))) == 0x00);
    CHECK(bits(nextafter(code<e8m0>(0x40), code<e8m0>(0xFF))) == 0xFF);
  }

  TEST_CASE("frexp, ldexp, scalbn, ilogb, logb") {
    int e = 99;
    CHECK(bits(frexp(half(3.0), &e)) == 0x3A00);  // 0.75 * 2^2
    CHECK(e == 2);
    CHECK(bits(frexp(half(-1.0), &e)) == 0xB800);  // -0.5 * 2^1
    CHECK(e == 1);
    CHECK(bits(frexp(code<half>(0x0001), &e)) == 0x3800);  // 2^-24 = 0.5 * 2^-23
    CHECK(e == -23);
    CHECK(bits(frexp(half(-0.0), &e)) == 0x8000);
    CHECK(e == 0);
    e = 99;
    CHECK(bits(frexp(code<half>(0x7C00), &e)) == 0x7C00);
    CHECK(e == 0);
    CHECK(bits(frexp(code<half_flush>(0x0001), &e)) == 0x0000);  // reads as zero
    CHECK(e == 0);
    CHECK(bits(frexp(code<e8m0>(0x85), &e)) == 0x7E);  // 2^6 = 0.5 * 2^7
    CHECK(e == 7);
    // e2m1: [0.5, 1) is subnormal and holds only 0.5: 1.5 = 0.75 * 2 rounds 0.75 (a tie
    // between 0.5, odd, and 1, even) to 1
    CHECK(bits(frexp(e2m1(1.5), &e)) == 0x2);
    CHECK(e == 1);
    CHECK(bits(frexp(e2m1(4.0), &e)) == 0x1);  // 0.5 * 2^3 exactly
    CHECK(e == 3);
    CHECK(bits(frexp(e2m1_flush(4.0), &e)) == 0x0);  // the subnormal 0.5 is flushed
    CHECK(e == 3);

    CHECK(bits(ldexp(half(1.0), 15)) == 0x7800);
    CHECK(bits(ldexp(half(1.0), 16)) == 0x7C00);
    CHECK(bits(ldexp(half_r<rounding::toward_zero>(1.0), 16)) == 0x7BFF);
    CHECK(bits(ldexp(half(1.0), -24)) == 0x0001);
    CHECK(bits(ldexp(half(1.0), -25)) == 0x0000);  // tie between 0 and denorm_min: even
    CHECK(bits(ldexp(half(-1.0), -25)) == 0x8000);
    CHECK(bits(ldexp(half_r<rounding::upward>(1.0), -25)) == 0x0001);
    CHECK(bits(ldexp(half(3.0), -25)) == 0x0002);  // 1.5 units: tie -> 2
    CHECK(bits(ldexp(half(1.0), INT_MAX)) == 0x7C00);
    CHECK(bits(ldexp(half(-1.0), INT_MIN)) == 0x8000);
    CHECK(bits(ldexp(half_r<rounding::downward>(-1.0), INT_MIN)) == 0x8001);
    CHECK(bits(ldexp(half_flush(1.0), -20)) == 0x0000);  // subnormal result flushed
    CHECK(bits(ldexp(code<half>(0x7E01), 3)) == 0x7E01);
    CHECK(bits(ldexp(code<half_sat>(0x7C00), -3)) == 0x7BFF);  // inf, produced: max
    CHECK(bits(ldexp(code<e8m0>(0x7F), 200)) == 0xFF);         // overflow: NaN (no inf)
    CHECK(bits(ldexp(code<e8m0>(0x7F), -200)) == 0x00);        // below 2^-127: 2^-127
    CHECK(bits(scalbn(half(1.5), 2)) == 0x4600);               // 6 = 1.5 * 2^2

    CHECK(ilogb(half(1.0)) == 0);
    CHECK(ilogb(half(-65504.0)) == 15);
    CHECK(ilogb(code<half>(0x0001)) == -24);
    CHECK(ilogb(code<half>(0x03FF)) == -15);
    CHECK(ilogb(half(0.0)) == FP_ILOGB0);
    CHECK(ilogb(code<half>(0x7C00)) == INT_MAX);
    CHECK(ilogb(code<half>(0x7E00)) == FP_ILOGBNAN);
    CHECK(ilogb(code<half_flush>(0x0001)) == FP_ILOGB0);
    CHECK(ilogb(code<e8m0>(0x00)) == -127);

    CHECK(bits(logb(half(65504.0))) == 0x4B80);       // 15 = 1.875 * 8: field 18, m 896
    CHECK(bits(logb(code<half>(0x0001))) == 0xCE00);  // -24 = -1.5 * 16
    CHECK(bits(logb(half(0.0))) == 0xFC00);
    CHECK(bits(logb(code<half>(0xFC00))) == 0x7C00);
    CHECK(bits(logb(e4m3(0.0))) == 0xFF);         // -inf: NaN in e4m3
    CHECK(bits(logb(e3m2(0.0))) == 0x3F);         // -inf: -max in e3m2
    CHECK(bits(logb(e2m1(6.0))) == 0x4);          // 2
    CHECK(bits(logb(code<e8m0>(0x81))) == 0x80);  // logb(4) = 2
    CHECK(bits(logb(code<e8m0>(0x7F))) == 0x00);  // 0: no zero, 2^-127
    CHECK(bits(logb(code<e8m0>(0x7C))) == 0xFF);  // -3: negative, NaN
  }

  TEST_CASE("floor, ceil, trunc, round: signs of zeros, ties away, specials") {
    CHECK(bits(floor(half(-0.5))) == 0xBC00);
    CHECK(bits(ceil(half(-0.5))) == 0x8000);
    CHECK(bits(trunc(half(-0.5))) == 0x8000);
    CHECK(bits(round(half(-0.4))) == 0x8000);
    CHECK(bits(round(half(0.5))) == 0x3C00);
    CHECK(bits(round(half(-0.5))) == 0xBC00);
    CHECK(bits(round(half(1.5))) == 0x4000);
    CHECK(bits(round(half(2.5))) == 0x4200);
    CHECK(bits(round(half(-2.5))) == 0xC200);
    CHECK(bits(round(code<half>(0x3BFF))) == 0x3C00);        // 0.99951
    CHECK(bits(round(code<half>(0x37FF))) == 0x0000);        // 0.49988
    CHECK(bits(floor(half(1023.5))) == bits(half(1023.0)));  // quantum 0.5 in [512, 1024)
    CHECK(bits(ceil(half(1023.5))) == bits(half(1024.0)));
    CHECK(bits(round(half(1023.5))) == bits(half(1024.0)));
    CHECK(bits(round(half(-1022.5))) == bits(half(-1023.0)));
    CHECK(bits(floor(half(2049.0))) == bits(half(2048.0)));  // 2049 rounds to 2048 first
    CHECK(bits(floor(code<half>(0x7C00))) == 0x7C00);
    CHECK(bits(floor(code<half>(0x7E05))) == 0x7E05);      // quiet NaN, payload kept
    CHECK(bits(floor(code<half>(0x7C05))) == 0x7E05);      // signalling: quieted
    CHECK(bits(floor(code<half_sat>(0xFC00))) == 0xFBFF);  // -inf produced: -max
    CHECK(bits(ceil(code<half>(0x0001))) == 0x3C00);
    CHECK(bits(floor(code<half>(0x8001))) == 0xBC00);
    CHECK(bits(ceil(code<half_flush>(0x0001))) == 0x0000);  // reads as +0
    // e2m3: the largest value 7.5 is not an integer: ceil and round overflow to max (no inf)
    CHECK(bits(ceil(e2m3(7.5))) == 0x1F);
    CHECK(bits(round(e2m3(7.5))) == 0x1F);
    CHECK(bits(floor(e2m3(7.5))) == bits(e2m3(7.0)));
    // e2m1: floor(1.5) = 1, round(0.5) = 1, trunc(-0.5) = -0
    CHECK(bits(floor(e2m1(1.5))) == 0x2);
    CHECK(bits(round(e2m1(0.5))) == 0x2);
    CHECK(bits(trunc(e2m1(-0.5))) == 0x8);
    // fnuz: -0 does not exist
    CHECK(bits(ceil(e4m3fnuz(-0.5))) == 0x00);
    // e8m0: no zero: floor(0.5) = 0 becomes 2^-127; ceil(0.5) = 1
    CHECK(bits(floor(code<e8m0>(0x7E))) == 0x00);
    CHECK(bits(ceil(code<e8m0>(0x7E))) == 0x7F);
    CHECK(bits(round(code<e8m0>(0x7E))) == 0x7F);
    CHECK(bits(floor(code<e8m0>(0x90))) == 0x90);
  }

  TEST_CASE("nearbyint and rint round in the type's rounding mode") {
    // expected results for x = 2.5, -2.5, 0.3, -0.3, 3.5 in the order
    // nearest_even, nearest_away, toward_zero, upward, downward, to_odd
    const double in[] = {2.5, -2.5, 0.3, -0.3, 3.5};
    const double want[5][6] = {{2, 3, 2, 3, 2, 3},
                               {-2, -3, -2, -2, -3, -3},
                               {0, 0, 0, 1, 0, 1},
                               {-0.0, -0.0, -0.0, -0.0, -1, -1},
                               {4, 4, 3, 4, 3, 3}};
    for (int i = 0; i < 5; ++i) {
      CAPTURE(in[i]);
      CHECK(bits(rint(half_r<rounding::nearest_even>(in[i]))) == bits(half(want[i][0])));
      CHECK(bits(rint(half_r<rounding::nearest_away>(in[i]))) == bits(half(want[i][1])));
      CHECK(bits(rint(half_r<rounding::toward_zero>(in[i]))) == bits(half(want[i][2])));
      CHECK(bits(rint(half_r<rounding::upward>(in[i]))) == bits(half(want[i][3])));
      CHECK(bits(rint(half_r<rounding::downward>(in[i]))) == bits(half(want[i][4])));
      CHECK(bits(rint(half_r<rounding::to_odd>(in[i]))) == bits(half(want[i][5])));
      CHECK(bits(nearbyint(half_r<rounding::nearest_even>(in[i]))) == bits(half(want[i][0])));
      CHECK(bits(nearbyint(half_r<rounding::downward>(in[i]))) == bits(half(want[i][4])));
    }
    // integers are unchanged in every mode; to_odd leaves even integers alone
    CHECK(bits(rint(half_r<rounding::to_odd>(4.0))) == 0x4400);
    CHECK(bits(rint(half_r<rounding::upward>(-0.0))) == 0x8000);
    // stochastic: k + 0.5 in [512, 1024) goes up about half of the time, k + 0.25 in
    // [256, 512) a quarter of the time; each result is floor or ceil; repeatable
    using half_sr = half_r<rounding::stochastic>;
    int up_half = 0, up_quarter = 0;
    for (int k = 512; k < 1024; ++k) {
      const half_sr r = rint(half_sr(k + 0.5));
      const double v = static_cast<double>(r);
      CHECK((v == k || v == k + 1));
      CHECK(bits(rint(half_sr(k + 0.5))) == bits(r));
      up_half += v == k + 1 ? 1 : 0;
    }
    for (int k = 256; k < 512; ++k) {
      const double v = static_cast<double>(rint(half_sr(k + 0.25)));
      CHECK((v == k || v == k + 1));
      up_quarter += v == k + 1 ? 1 : 0;
    }
    // binomial(512, 1/2): sd 11.3; binomial(256, 1/4): sd 6.9; bounds at about 5 sd
    CHECK(up_half > 200);
    CHECK(up_half < 312);
    CHECK(up_quarter > 30);
    CHECK(up_quarter < 98);
  }

  TEST_CASE("modf") {
    half ip(0.0);
    CHECK(bits(modf(half(3.75), &ip)) == 0x3A00);
    CHECK(bits(ip) == 0x4200);
    CHECK(bits(modf(half(-3.75), &ip)) == 0xBA00);
    CHECK(bits(ip) == 0xC200);
    CHECK(bits(modf(half(-2.0), &ip)) == 0x8000);
    CHECK(bits(ip) == 0xC000);
    CHECK(bits(modf(half(-0.25), &ip)) == 0xB400);
    CHECK(bits(ip) == 0x8000);
    CHECK(bits(modf(code<half>(0xFC00), &ip)) == 0x8000);
    CHECK(bits(ip) == 0xFC00);
    CHECK(is_nan_half(bits(modf(code<half>(0x7E00), &ip))));
    CHECK(is_nan_half(bits(ip)));
    // 1024.5 is not a half (quantum 1 there) -> 1024; 1023.5 is: fraction 0.5
    CHECK(bits(modf(half(1023.5), &ip)) == 0x3800);
    CHECK(bits(ip) == bits(half(1023.0)));
    // e2m1: 1.5 = 1 + 0.5 (the subnormal 0.5); flushed: +0
    e2m1 ip4(0.0);
    CHECK(bits(modf(e2m1(-1.5), &ip4)) == 0x9);
    CHECK(bits(ip4) == 0xA);
    e2m1_flush ip4f(0.0);
    CHECK(bits(modf(e2m1_flush(1.5), &ip4f)) == 0x0);
    CHECK(bits(ip4f) == 0x2);
  }

  TEST_CASE("fmod and remainder are exact") {
    CHECK(bits(fmod(half(-7.0), half(2.5))) == 0xC000);
    CHECK(bits(fmod(half(7.0), half(-2.5))) == 0x4000);
    CHECK(bits(remainder(half(5.0), half(2.0))) == 0x3C00);  // 2.5 -> 2 (even): 1
    CHECK(bits(remainder(half(7.0), half(2.0))) == 0xBC00);  // 3.5 -> 4 (even): -1
    CHECK(bits(remainder(half(-7.0), half(2.0))) == 0x3C00);
    CHECK(bits(remainder(half(1.0), half(2.0))) == 0x3C00);   // 0.5 -> 0: 1
    CHECK(bits(remainder(half(3.0), half(2.0))) == 0xBC00);   // 1.5 -> 2: -1
    CHECK(bits(remainder(half(-4.0), half(2.0))) == 0x8000);  // zero with x's sign
    CHECK(bits(fmod(half(-4.0), half(2.0))) == 0x8000);
    CHECK(bits(fmod(half(-0.0), half(1.0))) == 0x8000);
    CHECK(bits(fmod(half(3.0), code<half>(0x7C00))) == 0x4200);
    CHECK(bits(remainder(half(3.0), code<half>(0xFC00))) == 0x4200);
    CHECK(is_nan_half(bits(fmod(code<half>(0x7C00), half(1.0)))));
    CHECK(is_nan_half(bits(fmod(half(1.0), half(0.0)))));
    CHECK(is_nan_half(bits(remainder(half(1.0), half(-0.0)))));
    CHECK(bits(fmod(code<half>(0x7E03), half(1.0))) == 0x7E03);
    // 65504 = 2047 * 2^5 and y = 0x2E66 = 1638 * 2^-14: in units of 2^-14,
    // 2047 * 2^19 = 1073217536 = 655199 * 1638 + 1574: fmod = 1574 * 2^-14 (= 1.537 * 2^-4:
    // field 11, m 550 = 0x226); remainder: 1574 > 819: 1574 - 1638 = -64 units = -2^-8
    CHECK(bits(fmod(half(65504.0), code<half>(0x2E66))) == 0x2E26);
    CHECK(bits(remainder(half(65504.0), code<half>(0x2E66))) == 0x9C00);
    // a large exponent gap: 2^100 mod 3 = 1 (4 = 1 mod 3), 2^101 mod 3 = 2 (bfloat16)
    CHECK(bits(fmod(bf16(0x1p100), bf16(3.0))) == bits(bf16(1.0)));
    CHECK(bits(fmod(bf16(0x1p101), bf16(3.0))) == bits(bf16(2.0)));
    CHECK(bits(remainder(bf16(0x1p101), bf16(3.0))) == bits(bf16(-1.0)));
    // subnormal operands: 5 * 2^-24 mod 2 * 2^-24 = 2^-24
    CHECK(bits(fmod(code<half>(0x0005), code<half>(0x0002))) == 0x0001);
    CHECK(bits(fmod(code<half_flush>(0x0405), code<half_flush>(0x0400))) ==
          0x0000);  // 5 * 2^-24 flushed
    // formats without NaN: +max for the invalid cases
    CHECK(bits(fmod(e3m2(1.0), e3m2(0.0))) == 0x1F);
    CHECK(bits(fmod(e2m1(6.0), e2m1(4.0))) == 0x4);       // 2
    CHECK(bits(remainder(e2m1(6.0), e2m1(4.0))) == 0xC);  // 1.5 -> 2: 6 - 8 = -2
    // e8m0: results are 0 (its minimum) or x itself
    CHECK(bits(fmod(code<e8m0>(0x85), code<e8m0>(0x80))) == 0x00);
    CHECK(bits(fmod(code<e8m0>(0x7E), code<e8m0>(0x80))) == 0x7E);
    CHECK(bits(remainder(code<e8m0>(0x7F), code<e8m0>(0x80))) == 0x7F);  // 1 / 2: tie -> 0
  }

  TEST_CASE("fmin, fmax, fdim") {
    const half nan = code<half>(0x7E00);
    CHECK(bits(fmin(nan, half(1.0))) == 0x3C00);
    CHECK(bits(fmin(half(1.0), nan)) == 0x3C00);
    CHECK(bits(fmax(nan, half(-1.0))) == 0xBC00);
    CHECK(is_nan_half(bits(fmin(nan, nan))));
    CHECK(bits(fmin(half(0.0), half(-0.0))) == 0x8000);
    CHECK(bits(fmin(half(-0.0), half(0.0))) == 0x8000);
    CHECK(bits(fmax(half(-0.0), half(0.0))) == 0x0000);
    CHECK(bits(fmax(half(0.0), half(-0.0))) == 0x0000);
    CHECK(bits(fmax(code<half>(0xFC00), half(-65504.0))) == 0xFBFF);
    CHECK(bits(fmin(code<half>(0xFC00), half(-65504.0))) == 0xFC00);
    CHECK(bits(fmin(code<e4m3>(0x7F), code<e4m3>(0x38))) == 0x38);
    CHECK(bits(fmax(code<e8m0>(0x10), code<e8m0>(0x20))) == 0x20);
    CHECK(bits(fdim(half(1.0), half(3.0))) == 0x0000);
    CHECK(bits(fdim(half(-1.0), half(-3.0))) == 0x4000);
    CHECK(bits(fdim(code<half>(0x7C00), code<half>(0x7C00))) == 0x0000);
    CHECK(bits(fdim(code<half>(0x7C00), half(1.0))) == 0x7C00);
    CHECK(is_nan_half(bits(fdim(nan, half(1.0)))));
    // rounded once: 65504 - (-65504) overflows; 1 - 2^-24 rounds to 1 (ne), 1 - 2^-11 (down)
    CHECK(bits(fdim(half(65504.0), half(-65504.0))) == 0x7C00);
    CHECK(bits(fdim(half(1.0), code<half>(0x0001))) == 0x3C00);
    CHECK(bits(fdim(half_r<rounding::downward>(1.0), code<half_r<rounding::downward>>(0x0001))) ==
          0x3BFF);
    CHECK(bits(fdim(e4m3fnuz(1.0), e4m3fnuz(2.0))) == 0x00);
    CHECK(bits(fdim(code<e8m0>(0x7F), code<e8m0>(0x80))) == 0x00);  // +0: 2^-127
  }

  TEST_CASE("found by ADL next to std:: overloads") {
    using std::exp;
    using std::floor;
    const half h(2.0);
    const half e = exp(h);
    const half f = floor(h);
    CHECK(bits(e) == bits(half(std::exp(2.0))));
    CHECK(bits(f) == 0x4000);
    CHECK(std::exp(2.0) > 7.0);  // the double overloads still work
  }

  TEST_CASE("accuracy sample: fp16, e4m3, e2m1 against long double references") {
    constexpr double near = 0.5 + 0x1p-30, directed = 1 + 0x1p-30;
    auto exp_l = [](long double x) { return std::exp(x); };
    auto sin_l = [](long double x) { return std::sin(x); };
    auto log_l = [](long double x) { return std::log(x); };
    auto tanh_l = [](long double x) { return std::tanh(x); };
    CHECK(worst_ulps<half>(
              65536, [](half x) { return exp(x); }, exp_l, 10, -14, 65504) <= near);
    CHECK(worst_ulps<half>(
              65536, [](half x) { return sin(x); }, sin_l, 10, -14, 65504) <= near);
    CHECK(worst_ulps<half>(
              65536, [](half x) { return log(x); }, log_l, 10, -14, 65504) <= near);
    using half_dn = half_r<rounding::downward>;
    CHECK(worst_ulps<half_dn>(
              65536, [](half_dn x) { return tanh(x); }, tanh_l, 10, -14, 65504) <= directed);
    CHECK(worst_ulps<e4m3>(
              256, [](e4m3 x) { return exp(x); }, exp_l, 3, -6, 448) <= near);
    CHECK(worst_ulps<e4m3>(
              256, [](e4m3 x) { return log(x); }, log_l, 3, -6, 448) <= near);
    using e4m3_up = floating<fm::e4m3, rounding::upward>;
    CHECK(worst_ulps<e4m3_up>(
              256, [](e4m3_up x) { return sin(x); }, sin_l, 3, -6, 448) <= directed);
    CHECK(worst_ulps<e2m1>(
              16, [](e2m1 x) { return exp(x); }, exp_l, 1, 0, 6) <= near);
  }
}
