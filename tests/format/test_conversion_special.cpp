// Conversions into floating types: NaN payloads, infinities, signed zeros, huge and tiny values,
// and the overflow and flush rules of every format (part of test_conversion.cpp, which says
// against what).
#include <doctest/doctest.h>

#include "conversion_check.hpp"

TEST_SUITE("conversion") {
  TEST_CASE("NaN payloads, signs, quiet and signalling") {
    // float -> half: sign kept, quiet bit set, payload = the top mantissa bits.
    is<mixprec::half>(f32(0x7F800001u), 0x7E00);
    is<mixprec::half>(f32(0xFFC12345u), 0xFE09);
    is<mixprec::half>(f32(0x7FBFFFFFu), 0x7FFF);
    is<mixprec::half>(f32(0x7FC00000u), 0x7E00);
    is<mixprec::half>(f32(0xFF802000u), 0xFE01);
    is<mixprec::bfloat16>(f32(0x7FBFFFFFu), 0x7FFF);
    is<mixprec::bfloat16>(f32(0xFF800001u), 0xFFC0);
    is<mixprec::bfloat16>(f32(0x7F810000u), 0x7FC1);
    is<mixprec::tfloat32>(f32(0x7FA12345u), 0x7FE12000u);
    is<mixprec::float32>(f32(0x7F800001u), 0x7FC00001u);
    is<mixprec::float32>(f32(0xFFBFFFFFu), 0xFFFFFFFFu);
    // double -> *: the payload's top bits.
    is<mixprec::half>(f64(0x7FF0000000000001u), 0x7E00);
    is<mixprec::half>(f64(0xFFF8000000000000u), 0xFE00);
    is<mixprec::half>(f64(0x7FF4000000000000u), 0x7F00);
    is<mixprec::half>(f64(0x7FFFFFFFFFFFFFFFu), 0x7FFF);
    is<mixprec::float32>(f64(0x7FF0000000000001u), 0x7FC00000u);
    is<mixprec::float32>(f64(0xFFF0000020000000u), 0xFFC00001u);
    is<mixprec::bfloat16>(f64(0x7FF0000000000001u), 0x7FC0);
    is<mixprec::float8_e5m2>(f64(0xFFF4000000000000u), 0xFF);
    is<mixprec::float8_e5m2>(f64(0x7FF0000000000001u), 0x7E);
    // Formats without IEEE NaN.
    is<mixprec::float8_e4m3>(f32(0x7FC00000u), 0x7F);
    is<mixprec::float8_e4m3>(f32(0xFFC00000u), 0xFF);
    is<sat::type<fm::e4m3>>(f32(0xFFC00000u), 0xFF);  // NaN stays NaN when saturating
    is<mixprec::float8_e4m3fnuz>(f32(0x7FC00000u), 0x80);
    is<mixprec::float8_e4m3fnuz>(f32(0xFF800001u), 0x80);
    is<mixprec::float8_e5m2fnuz>(f64(0xFFF8000000000000u), 0x80);
    is<mixprec::float6_e3m2>(f32(0x7FC00000u), 0x1F);  // +max
    is<mixprec::float6_e3m2>(f32(0xFFC00000u), 0x1F);  // +max whatever the sign
    is<mixprec::float6_e2m3>(f64(0xFFF8000000000000u), 0x1F);
    is<mixprec::float4_e2m1>(f64(0xFFF8000000000000u), 0x7);
    is<mixprec::float8_e8m0>(f32(0xFFC00000u), 0xFF);
    // Between formats.
    is<mixprec::half>(mixprec::float8_e5m2::from_bits(0x7D), 0x7F00);  // sNaN 01: quieted
    is<mixprec::half>(mixprec::float8_e5m2::from_bits(0xFE), 0xFE00);
    is<mixprec::float8_e5m2>(mixprec::half::from_bits(0x7C01), 0x7E);
    is<mixprec::float8_e5m2>(mixprec::half::from_bits(0x7D00), 0x7F);
    is<mixprec::half>(mixprec::float8_e4m3::from_bits(0xFF), 0xFE00);
    is<mixprec::half>(mixprec::float8_e4m3fnuz::from_bits(0x80), 0x7E00);
    is<mixprec::half>(mixprec::float8_e8m0::from_bits(0xFF), 0x7E00);
    is<mixprec::float8_e4m3>(mixprec::half::from_bits(0xFE00), 0xFF);
    is<mixprec::float6_e2m3>(mixprec::half::from_bits(0xFE00), 0x1F);
    is<mixprec::bfloat16>(mixprec::half::from_bits(0xFC01), 0xFFC0);
    is<mixprec::half>(mixprec::bfloat16::from_bits(0x7F81), 0x7E08);
    // NaN out to float and double (also covered code by code in test_formats).
    CHECK(std::bit_cast<std::uint32_t>(static_cast<float>(mixprec::half::from_bits(0x7C01))) ==
          0x7FC02000u);
    CHECK(std::bit_cast<std::uint64_t>(static_cast<double>(mixprec::half::from_bits(0xFD55))) ==
          0xFFFD540000000000u);
    CHECK(std::bit_cast<std::uint32_t>(
              static_cast<float>(mixprec::float8_e4m3fnuz::from_bits(0x80))) == 0x7FC00000u);
    CHECK(std::bit_cast<std::uint32_t>(static_cast<float>(mixprec::float8_e4m3::from_bits(0xFF))) ==
          0xFFC00000u);
    CHECK(std::bit_cast<std::uint32_t>(static_cast<float>(mixprec::float8_e8m0::from_bits(0xFF))) ==
          0x7FC00000u);
  }

  TEST_CASE("infinities, signed zeros, huge and tiny values") {
    // +-inf
    is<mixprec::half>(INFINITY, 0x7C00);
    is<mixprec::half>(-INFINITY, 0xFC00);
    is<tz::type<fm::fp16>>(INFINITY, 0x7C00);  // an infinite input is not an overflow
    is<sat::type<fm::fp16>>(INFINITY, 0x7BFF);
    is<sat::type<fm::fp16>>(-INFINITY, 0xFBFF);
    is<mixprec::float8_e4m3>(INFINITY, 0x7F);
    is<mixprec::float8_e4m3>(-INFINITY, 0xFF);
    is<sat::type<fm::e4m3>>(-INFINITY, 0xFE);
    is<mixprec::float8_e5m2>(-INFINITY, 0xFC);
    is<mixprec::float8_e4m3fnuz>(-INFINITY, 0x80);
    is<sat::type<fm::e4m3fnuz>>(-INFINITY, 0xFF);
    is<sat::type<fm::e5m2fnuz>>(INFINITY, 0x7F);
    is<mixprec::float6_e3m2>(INFINITY, 0x1F);
    is<mixprec::float6_e3m2>(-INFINITY, 0x3F);
    is<mixprec::float4_e2m1>(-INFINITY, 0xF);
    is<mixprec::float8_e8m0>(INFINITY, 0xFF);
    is<sat::type<fm::e8m0>>(INFINITY, 0xFE);
    is<mixprec::float8_e8m0>(-INFINITY, 0xFF);
    is<sat::type<fm::e8m0>>(-INFINITY, 0xFF);
    // Signed zeros.
    is<mixprec::half>(-0.0, 0x8000);
    is<mixprec::half>(-0.0f, 0x8000);
    is<mixprec::bfloat16>(-0.0, 0x8000);
    is<mixprec::tfloat32>(-0.0, 0x80000000u);
    is<mixprec::float8_e4m3>(-0.0, 0x80);
    is<mixprec::float8_e4m3fnuz>(-0.0, 0x00);
    is<mixprec::float8_e5m2fnuz>(-0.0f, 0x00);
    is<mixprec::float4_e2m1>(-0.0, 0x8);
    is<mixprec::float8_e8m0>(0.0, 0x00);
    is<mixprec::float8_e8m0>(-0.0, 0x00);
    // Huge.
    is<mixprec::half>(1e300, 0x7C00);
    is<tz::type<fm::fp16>>(1e300, 0x7BFF);
    is<odd::type<fm::fp16>>(-1e300, 0xFBFF);
    is<mixprec::bfloat16>(DBL_MAX, 0x7F80);
    is<mixprec::float32>(-DBL_MAX, 0xFF800000u);
    is<dn::type<fm::fp32>>(DBL_MAX, 0x7F7FFFFFu);
    is<mixprec::float8_e4m3>(1e300, 0x7F);
    is<mixprec::float8_e8m0>(1e300, 0xFF);
    is<tz::type<fm::e8m0>>(1e300, 0xFE);
    // Tiny: round to zero or to the smallest subnormal by mode.
    is<mixprec::half>(1e-300, 0x0000);
    is<mixprec::half>(-1e-300, 0x8000);
    is<up::type<fm::fp16>>(1e-300, 0x0001);
    is<up::type<fm::fp16>>(-1e-300, 0x8000);
    is<dn::type<fm::fp16>>(-1e-300, 0x8001);
    is<odd::type<fm::fp16>>(1e-300, 0x0001);
    is<up::type<fm::fp16>>(DBL_TRUE_MIN, 0x0001);  // a subnormal double
    is<tz::type<fm::fp16>>(-DBL_TRUE_MIN, 0x8000);
    is<mixprec::half>(0x1p-25, 0x0000);  // tie between 0 and 2^-24: even 0
    is<mixprec::half>(std::nextafter(0x1p-25, 1.0), 0x0001);
    is<mixprec::half>(0x1.8p-25, 0x0001);
    is<na::type<fm::fp16>>(0x1p-25, 0x0001);
    is<mixprec::half>(0x1.8p-24, 0x0002);  // tie between 1 and 2 quanta: even 2
    is<mixprec::bfloat16>(1e-300, 0x0000);
    is<up::type<fm::bf16>>(1e-300, 0x0001);
    is<dn::type<fm::bf16>>(-1e-300, 0x8001);
    is<mixprec::bfloat16>(f32(0x00000001u), 0x0000);  // float subnormal below bf16's quantum
    is<mixprec::bfloat16>(f32(0x00008000u), 0x0000);  // tie: even 0
    is<mixprec::bfloat16>(f32(0x00008001u), 0x0001);
    is<mixprec::bfloat16>(f32(0x00018000u), 0x0002);
    is<mixprec::float32>(0x1p-150, 0x00000000u);
    is<mixprec::float32>(std::nextafter(0x1p-150, 1.0), 0x00000001u);
    is<up::type<fm::fp32>>(DBL_TRUE_MIN, 0x00000001u);
    is<mixprec::float8_e4m3fnuz>(-1e-300, 0x00);  // fnuz: no -0
    is<dn::type<fm::e4m3fnuz>>(-1e-300, 0x81);
    is<mixprec::float8_e4m3>(-1e-300, 0x80);
    is<mixprec::float8_e8m0>(1e-300, 0x00);  // no zero: 2^-127
    is<mixprec::float8_e8m0>(0x1p-128, 0x00);
    is<mixprec::float8_e8m0>(-1e-300, 0xFF);  // negative nonzero: NaN
    is<mixprec::float4_e2m1>(0.25, 0x0);
    is<mixprec::float4_e2m1>(-0.25, 0x8);
    is<mixprec::float4_e2m1>(0.75, 0x2);  // tie 0.5 | 1: even 1
    is<up::type<fm::e2m1>>(1e-300, 0x1);
  }

  TEST_CASE("overflow rules of every format") {
    // fp16: max 65504; 65520 is the tie to 65536.
    is<mixprec::half>(65519.0, 0x7BFF);
    is<mixprec::half>(65520.0, 0x7C00);
    is<na::type<fm::fp16>>(65520.0, 0x7C00);
    is<tz::type<fm::fp16>>(1e9, 0x7BFF);
    is<odd::type<fm::fp16>>(1e9, 0x7BFF);
    is<up::type<fm::fp16>>(65505.0, 0x7C00);
    is<up::type<fm::fp16>>(-65505.0, 0xFBFF);
    is<dn::type<fm::fp16>>(65505.0, 0x7BFF);
    is<dn::type<fm::fp16>>(-65505.0, 0xFC00);
    is<sat::type<fm::fp16>>(1e9, 0x7BFF);
    is<sat::type<fm::fp16>>(-65520.0, 0xFBFF);
    is<floating<fm::fp16, rounding::upward, overflow::saturate>>(65505.0, 0x7BFF);
    // bf16 / fp32 / tf32
    is<mixprec::bfloat16>(0x1.FFp127, 0x7F80);  // tie above max: even is 2^128
    is<mixprec::bfloat16>(0x1.FEFFFFp127, 0x7F7F);
    is<sat::type<fm::bf16>>(0x1p200, 0x7F7F);
    is<mixprec::float32>(0x1.FFFFFFp127, 0x7F800000u);
    is<tz::type<fm::fp32>>(0x1p200, 0x7F7FFFFFu);
    is<mixprec::tfloat32>(0x1.FFEp127, 0x7F800000u);
    is<tz::type<fm::tf32>>(0x1.FFEp127, 0x7F7FE000u);
    // e4m3: max 448; 464 is the tie between 448 (even) and 480 (NaN code).
    is<mixprec::float8_e4m3>(448.0, 0x7E);
    is<mixprec::float8_e4m3>(464.0, 0x7E);
    is<mixprec::float8_e4m3>(465.0, 0x7F);
    is<mixprec::float8_e4m3>(-465.0, 0xFF);
    is<mixprec::float8_e4m3>(480.0, 0x7F);
    is<sat::type<fm::e4m3>>(465.0, 0x7E);
    is<sat::type<fm::e4m3>>(-1e9, 0xFE);
    is<na::type<fm::e4m3>>(464.0, 0x7F);
    is<tz::type<fm::e4m3>>(1e9, 0x7E);
    is<odd::type<fm::e4m3>>(449.0, 0x7E);
    is<up::type<fm::e4m3>>(449.0, 0x7F);
    is<up::type<fm::e4m3>>(-449.0, 0xFE);
    is<dn::type<fm::e4m3>>(449.0, 0x7E);
    is<dn::type<fm::e4m3>>(-449.0, 0xFF);
    // e5m2: max 57344; 61440 ties to 65536 (inf).
    is<mixprec::float8_e5m2>(61439.0, 0x7B);
    is<mixprec::float8_e5m2>(61440.0, 0x7C);
    is<mixprec::float8_e5m2>(-61440.0, 0xFC);
    is<sat::type<fm::e5m2>>(61440.0, 0x7B);
    is<tz::type<fm::e5m2>>(-1e9, 0xFB);
    // e4m3fnuz: max 240; 248 ties to 256 -> NaN (0x80).
    is<mixprec::float8_e4m3fnuz>(240.0, 0x7F);
    is<mixprec::float8_e4m3fnuz>(247.0, 0x7F);
    is<mixprec::float8_e4m3fnuz>(248.0, 0x80);
    is<mixprec::float8_e4m3fnuz>(-1e9, 0x80);
    is<sat::type<fm::e4m3fnuz>>(-1e9, 0xFF);
    is<tz::type<fm::e4m3fnuz>>(1e9, 0x7F);
    is<dn::type<fm::e4m3fnuz>>(-241.0, 0x80);
    // e5m2fnuz: max 57344.
    is<mixprec::float8_e5m2fnuz>(57344.0, 0x7F);
    is<mixprec::float8_e5m2fnuz>(61440.0, 0x80);
    is<sat::type<fm::e5m2fnuz>>(61440.0, 0x7F);
    // FP6 / FP4: no infinity, no NaN: max.
    is<mixprec::float6_e3m2>(28.0, 0x1F);
    is<mixprec::float6_e3m2>(30.0, 0x1F);
    is<mixprec::float6_e3m2>(-1e9, 0x3F);
    is<up::type<fm::e3m2>>(28.5, 0x1F);
    is<mixprec::float6_e2m3>(7.5, 0x1F);
    is<mixprec::float6_e2m3>(7.75, 0x1F);
    is<mixprec::float6_e2m3>(-100.0, 0x3F);
    is<mixprec::float4_e2m1>(6.0, 0x7);
    is<mixprec::float4_e2m1>(7.0, 0x7);
    is<mixprec::float4_e2m1>(-1e300, 0xF);
    is<mixprec::float4_e2m1>(5.0, 0x6);
    is<mixprec::float4_e2m1>(5.0001, 0x7);
    // e8m0: powers of two; ties (1.5 * 2^k) go up; overflow to NaN or max.
    is<mixprec::float8_e8m0>(1.0, 0x7F);
    is<mixprec::float8_e8m0>(3.0, 0x81);
    is<mixprec::float8_e8m0>(2.9, 0x80);
    is<mixprec::float8_e8m0>(0.75, 0x7F);
    is<na::type<fm::e8m0>>(3.0, 0x81);
    is<tz::type<fm::e8m0>>(3.0, 0x80);
    is<up::type<fm::e8m0>>(1.0000001, 0x80);
    is<dn::type<fm::e8m0>>(1.99, 0x7F);
    is<mixprec::float8_e8m0>(0x1p127, 0xFE);
    is<mixprec::float8_e8m0>(0x1.8p127, 0xFF);
    is<sat::type<fm::e8m0>>(0x1.8p127, 0xFE);
    is<up::type<fm::e8m0>>(0x1.01p127, 0xFF);
    is<dn::type<fm::e8m0>>(0x1.01p127, 0xFE);
  }

  TEST_CASE("flush rules") {
    using half_f = flush::type<fm::fp16>;
    is<half_f>(0x1p-15, 0x0000);  // a subnormal result
    is<half_f>(-0x1p-15, 0x8000);
    is<half_f>(0x1p-14, 0x0400);
    is<half_f>(0x1p-14 - 0x1p-26, 0x0400);  // rounds up to the smallest normal: kept
    is<floating<fm::fp16, rounding::toward_zero, overflow::standard, subnormals::flush>>(
        0x1p-14 - 0x1p-26, 0x0000);
    is<floating<fm::fp16, rounding::upward, overflow::standard, subnormals::flush>>(1e-300, 0x0000);
    is<floating<fm::fp16, rounding::downward, overflow::standard, subnormals::flush>>(-1e-300,
                                                                                      0x8000);
    is<floating<fm::fp16, rounding::upward, overflow::standard, subnormals::flush>>(
        0x1p-14 - 0x1p-40, 0x0400);
    is<flush::type<fm::e4m3fnuz>>(-0x1p-9, 0x00);  // fnuz: +0
    is<flush::type<fm::e4m3>>(-0x1p-9, 0x80);
    is<flush::type<fm::bf16>>(f32(0x00400000u), 0x0000);  // a float subnormal
    is<flush::type<fm::bf16>>(f32(0x807FFFFFu), 0x8080);  // rounds up to -min normal
    is<flush::type<fm::e2m1>>(0.5, 0x0);
    is<flush::type<fm::e2m1>>(0.75, 0x2);     // tie 0.5 | 1: even 1, normal
    is<flush::type<fm::e8m0>>(1e-300, 0x00);  // e8m0 has no subnormals: 2^-127
    // Subnormal codes of a flushing type read as signed zero...
    CHECK(std::bit_cast<std::uint32_t>(static_cast<float>(half_f::from_bits(0x0001))) == 0u);
    CHECK(std::bit_cast<std::uint32_t>(static_cast<float>(half_f::from_bits(0x83FF))) ==
          0x80000000u);
    CHECK(std::bit_cast<std::uint64_t>(static_cast<double>(half_f::from_bits(0x8001))) ==
          0x8000000000000000u);
    // ...also into other formats.
    is<mixprec::half>(half_f::from_bits(0x03FF), 0x0000);
    is<mixprec::half>(half_f::from_bits(0x83FF), 0x8000);
    is<mixprec::float8_e4m3fnuz>(half_f::from_bits(0x8001), 0x00);
    is<mixprec::float8_e8m0>(half_f::from_bits(0x0001), 0x00);
    is<up::type<fm::fp16>>(half_f::from_bits(0x0001), 0x0000);
    is<mixprec::float32>(half_f::from_bits(0x8200), 0x80000000u);
    is<flush::type<fm::e4m3>>(mixprec::half::from_bits(0x0001), 0x00);
    // A keeping type keeps the same subnormal.
    is<mixprec::float32>(mixprec::half::from_bits(0x0001), 0x33800000u);
  }
}
