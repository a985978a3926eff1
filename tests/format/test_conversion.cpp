// Conversions into floating types: from double (one rounding, no double rounding through
// float), from float, from every integer type, from every other floating type, with NaN
// payloads, infinities, signed zeros, huge and tiny values, and the overflow, underflow and
// flush rules of every format, in every deterministic rounding mode. Expected codes come from
// the reference of tests/support/reference.hpp, from hand-derived tables, or from the CPU's own
// conversion instructions (double -> float and integer -> float in the four IEEE directions).
// Split in three: this file (from double, float and integers), test_conversion_floating.cpp (from
// every other floating type) and test_conversion_special.cpp (NaN, infinities, zeros, overflow and
// flush rules).
#include <doctest/doctest.h>

#include "conversion_check.hpp"

TEST_SUITE("conversion") {
  TEST_CASE("from double and float: every format and mode against the reference") {
    for_each_type(all_formats{}, [&]<class F>() {
      const std::vector<double> inputs = probe_doubles(mixprec_test::desc_of<F>());
      std::vector<float> inputs_f;
      for (double x : inputs) inputs_f.push_back(static_cast<float>(x));
      for_each_type(variants<F>{}, [&]<class T>() { check_doubles<T>(inputs, inputs_f); });
    });
  }

  TEST_CASE("from double: one rounding, not two through float") {
    // 1 + 2^-11 is the tie between half's 1 and 1 + 2^-10; 2^-40 above it rounds up, but
    // float(x) is the tie itself, which rounds to even (down).
    const double x = 1.0 + 0x1p-11 + 0x1p-40;
    REQUIRE(static_cast<float>(x) == 1.0f + 0x1p-11f);
    is<mixprec::half>(x, 0x3C01);
    is<mixprec::half>(static_cast<float>(x), 0x3C00);
    is<mixprec::half>(-x, 0xBC01);
    is<mixprec::bfloat16>(1.0 + 0x1p-8 + 0x1p-30, 0x3F81);
    is<mixprec::bfloat16>(static_cast<float>(1.0 + 0x1p-8 + 0x1p-30), 0x3F80);
    is<mixprec::bfloat16>(1.0 + 0x1p-8 - 0x1p-30, 0x3F80);
    is<mixprec::float8_e4m3>(1.0 + 0x1p-4 + 0x1p-30, 0x39);
    is<mixprec::float8_e4m3>(static_cast<float>(1.0 + 0x1p-4 + 0x1p-30), 0x38);
    is<mixprec::tfloat32>(1.0 + 0x1p-11 + 0x1p-40, 0x3F802000u);
    is<mixprec::tfloat32>(static_cast<float>(1.0 + 0x1p-11 + 0x1p-40), 0x3F800000u);
    // float32 from double: one rounding (the CPU's own conversion agrees, see below).
    is<mixprec::float32>(1.0 + 0x1p-24 + 0x1p-50, 0x3F800001u);
    is<mixprec::float32>(1.0 + 0x1p-24, 0x3F800000u);
    // Directed modes from double see bits that float would have dropped.
    is<floating<fm::fp16, rounding::upward>>(1.0 + 0x1p-50, 0x3C01);
    is<floating<fm::fp16, rounding::toward_zero>>(-(1.0 + 0x1p-50), 0xBC00);
    is<floating<fm::fp16, rounding::to_odd>>(1.0 + 0x1p-50, 0x3C01);
    is<floating<fm::fp16, rounding::to_odd>>(2.0 - 0x1p-50, 0x3FFF);
    is<floating<fm::fp16, rounding::to_odd>>(1.0 + 0x1p-11, 0x3C01);  // a tie is inexact too
  }

  TEST_CASE("float32 from double against the CPU in the four IEEE rounding directions") {
    std::vector<double> in = probe_doubles(mixprec_test::fp32);
    std::uint64_t s = 12345;
    for (int i = 0; i < 1000000; ++i) {
      s = s * 6364136223846793005u + 1442695040888963407u;
      // Random significand and sign; exponents over float's range and a little beyond.
      const std::uint64_t exp = 1023 - 160 + (s >> 32) % 300;
      in.push_back(f64((s & 0x800FFFFFFFFFFFFFu) | (exp << 52)));
    }
    check_float32_against_cpu<rounding::nearest_even>(in, FE_TONEAREST, "nearest_even");
    check_float32_against_cpu<rounding::toward_zero>(in, FE_TOWARDZERO, "toward_zero");
    check_float32_against_cpu<rounding::upward>(in, FE_UPWARD, "upward");
    check_float32_against_cpu<rounding::downward>(in, FE_DOWNWARD, "downward");
  }

  TEST_CASE("float32 from 32- and 64-bit integers against the CPU") {
    const std::vector<long long> s64 = probe_integers<long long>();
    const std::vector<unsigned long long> u64 = probe_integers<unsigned long long>();
    const std::vector<int> s32 = probe_integers<int>();
    check_float32_against_cpu<rounding::nearest_even>(s64, FE_TONEAREST, "int64 nearest_even");
    check_float32_against_cpu<rounding::toward_zero>(s64, FE_TOWARDZERO, "int64 toward_zero");
    check_float32_against_cpu<rounding::upward>(s64, FE_UPWARD, "int64 upward");
    check_float32_against_cpu<rounding::downward>(s64, FE_DOWNWARD, "int64 downward");
    check_float32_against_cpu<rounding::nearest_even>(u64, FE_TONEAREST, "uint64 nearest_even");
    check_float32_against_cpu<rounding::toward_zero>(u64, FE_TOWARDZERO, "uint64 toward_zero");
    check_float32_against_cpu<rounding::upward>(u64, FE_UPWARD, "uint64 upward");
    check_float32_against_cpu<rounding::downward>(u64, FE_DOWNWARD, "uint64 downward");
    check_float32_against_cpu<rounding::nearest_even>(s32, FE_TONEAREST, "int32 nearest_even");
    check_float32_against_cpu<rounding::upward>(s32, FE_UPWARD, "int32 upward");
    check_float32_against_cpu<rounding::downward>(s32, FE_DOWNWARD, "int32 downward");
  }

  TEST_CASE("from every integer type, every format and mode, against the reference") {
    mixprec_test::mismatches m;
    // The widest types and the char types in every mode...
    for_each_type(types<long long, unsigned long long, int, signed char, char>{}, [&]<class Int>() {
      const std::vector<Int> inputs = probe_integers<Int>();
      for_each_type(all_formats{}, [&]<class F>() {
        check_integers<floating<F, rounding::nearest_even>>(inputs, m);
        check_integers<floating<F, rounding::nearest_away>>(inputs, m);
        check_integers<floating<F, rounding::toward_zero>>(inputs, m);
        check_integers<floating<F, rounding::upward>>(inputs, m);
        check_integers<floating<F, rounding::downward>>(inputs, m);
        check_integers<floating<F, rounding::to_odd>>(inputs, m);
        check_integers<floating<F, rounding::nearest_even, overflow::saturate>>(inputs, m);
      });
    });
    // ...and every integer type in two.
    for_each_type(integer_types{}, [&]<class Int>() {
      const std::vector<Int> inputs = probe_integers<Int>();
      for_each_type(all_formats{}, [&]<class F>() {
        check_integers<floating<F, rounding::nearest_even>>(inputs, m);
        check_integers<floating<F, rounding::to_odd, overflow::saturate>>(inputs, m);
      });
    });
    CHECK_MESSAGE(m.empty(), m.str());
  }

  TEST_CASE("from integers: hand-derived codes") {
    is<mixprec::half>(std::int64_t{INT64_MIN}, 0xFC00);        // -2^63 overflows: -inf
    is<mixprec::bfloat16>(std::int64_t{INT64_MIN}, 0xDF00);    // -2^63 exactly
    is<mixprec::bfloat16>(std::uint64_t{UINT64_MAX}, 0x5F80);  // rounds up to 2^64
    is<tz::type<fm::bf16>>(std::uint64_t{UINT64_MAX}, 0x5F7F);
    is<mixprec::float32>(std::uint64_t{UINT64_MAX}, 0x5F800000u);
    is<tz::type<fm::fp32>>(std::uint64_t{UINT64_MAX}, 0x5F7FFFFFu);
    is<mixprec::float32>(std::int64_t{INT64_MAX}, 0x5F000000u);
    is<mixprec::float32>(std::int64_t{INT64_MIN}, 0xDF000000u);
    is<mixprec::float32>(std::int32_t{16777217}, 0x4B800000u);  // tie: even 2^24
    is<mixprec::float32>(std::int32_t{16777219}, 0x4B800002u);  // tie: even 2^24 + 4
    is<odd::type<fm::fp32>>(std::int32_t{16777217}, 0x4B800001u);
    is<mixprec::float8_e8m0>(std::uint64_t{UINT64_MAX}, 0xBF);  // 2^64
    is<tz::type<fm::e8m0>>(std::uint64_t{UINT64_MAX}, 0xBE);    // 2^63
    is<mixprec::float8_e8m0>(0, 0x00);                          // no zero: 2^-127
    is<mixprec::float8_e8m0>(-1, 0xFF);                         // negative: NaN
    is<mixprec::float8_e8m0>(3, 0x81);                          // 1.5 * 2: the tie goes up to 4
    is<mixprec::float8_e4m3>(std::uint64_t{UINT64_MAX}, 0x7F);  // NaN
    is<sat::type<fm::e4m3>>(std::uint64_t{UINT64_MAX}, 0x7E);   // 448
    is<mixprec::float8_e4m3>(464, 0x7E);
    is<mixprec::float8_e4m3>(465, 0x7F);
    is<mixprec::float8_e4m3>(-465, 0xFF);
    is<mixprec::float4_e2m1>(std::int8_t{-128}, 0xF);          // -max
    is<mixprec::float4_e2m1>(5, 0x6);                          // tie 4 | 6: even 4
    is<mixprec::float4_e2m1>(7, 0x7);                          // rounds to 8: overflow to max
    is<mixprec::float8_e4m3fnuz>(std::int16_t{-32768}, 0x80);  // NaN
    is<mixprec::float8_e4m3fnuz>(0, 0x00);
    is<mixprec::half>(std::uint16_t{65520}, 0x7C00);
    is<mixprec::half>(std::uint16_t{65519}, 0x7BFF);
    is<up::type<fm::fp16>>(std::uint16_t{65505}, 0x7C00);
    is<dn::type<fm::fp16>>(std::int32_t{-65505}, 0xFC00);
    is<dn::type<fm::fp16>>(std::int32_t{65535}, 0x7BFF);
    is<mixprec::half>(2049, 0x6800);
    is<mixprec::half>(2051, 0x6802);
    is<na::type<fm::fp16>>(2049, 0x6801);
    is<mixprec::half>('A', 0x5410);
    is<mixprec::half>(u8'\x7F', 0x57F0);
    is<mixprec::half>(u'\xFFFF', 0x7C00);
    is<mixprec::half>(U'\x10FFFF', 0x7C00);
    is<sat::type<fm::fp16>>(U'\x10FFFF', 0x7BFF);
    is<mixprec::half>(L'\x1', 0x3C00);
    is<mixprec::half>(static_cast<signed char>(-1), 0xBC00);
    is<mixprec::half>(0ull, 0x0000);
    is<mixprec::float6_e3m2>(30, 0x1F);  // rounds to 32: no NaN, max
    is<mixprec::float6_e2m3>(-8, 0x3F);
    is<mixprec::tfloat32>(std::uint32_t{0xFFFFFFFFu}, 0x4F800000u);  // 2^32
    static_assert(!std::is_constructible_v<mixprec::half, bool>);
  }
}
