// Text I/O: shortest and exact printing, correctly rounded parsing, errors, streams.
//
// Every expectation comes from an independent reference written here (or from hand-derived
// strings): exact decimal expansions from glibc's printf of the exactly decoded double (glibc
// prints every requested digit exactly); correctly rounded parsing from exact integer
// comparisons of the decimal with dyadic values (a vector bigint below), rounded with the mode
// rules of tests/support/reference.hpp; the shortest string by searching, with that reference
// parser, the d-digit decimals around the exact value for d = 1, 2, ...; float32 shortest digits
// also from std::to_chars(float).
//
// The heavy loops (every code of fp16 and bf16, all 16-bit midpoints) are in
// test_io_exhaustive.cpp, which shares the reference (tests/support/io_check.hpp).
#include <doctest/doctest.h>

#include "io_check.hpp"

namespace {

using namespace io_test;
using mixprec::bfloat16;
using mixprec::float32;
using mixprec::float4_e2m1;
using mixprec::float6_e2m3;
using mixprec::float6_e3m2;
using mixprec::float8_e4m3;
using mixprec::float8_e4m3fnuz;
using mixprec::float8_e5m2;
using mixprec::float8_e5m2fnuz;
using mixprec::float8_e8m0;
using mixprec::half;

template <class T>
std::uint32_t bits_of(T x) {
  return static_cast<std::uint32_t>(x.bits());
}

template <class T>
T from(std::uint32_t code) {
  return T::from_bits(static_cast<typename T::storage>(code));
}

/// from_chars on the whole of s (must consume all of it); the code.
template <class T>
std::uint32_t read(std::string_view s) {
  T v = from<T>(0x5);
  const auto r = mixprec::from_chars(s.data(), s.data() + s.size(), v);
  REQUIRE_MESSAGE(r.ec == std::errc{}, s);
  REQUIRE_MESSAGE(r.ptr == s.data() + s.size(), s);
  return bits_of(v);
}

/// from_chars expected to fail with ec, leaving the value untouched.
template <class T>
void read_fails(std::string_view s, std::errc ec) {
  T v = from<T>(0x5);
  const auto r = mixprec::from_chars(s.data(), s.data() + s.size(), v);
  INFO(type_name<T>(), " \"", std::string(s), "\"");
  CHECK(r.ec == ec);
  CHECK(bits_of(v) == 0x5);
  if (ec == std::errc::invalid_argument) CHECK(r.ptr == s.data());
  if (ec == std::errc::result_out_of_range) CHECK(r.ptr == s.data() + s.size());
}

/// parse<T> expected to throw mixprec::error whose message names the text and the reason.
template <class T>
void parse_throws(std::string_view s, std::string_view reason) {
  INFO(type_name<T>(), " \"", std::string(s), "\"");
  bool thrown = false;
  try {
    (void)mixprec::parse<T>(s);
  } catch (const mixprec::error& e) {
    thrown = true;
    const std::string what = e.what();
    CHECK_MESSAGE(what.find("parse") != std::string::npos, what);
    CHECK_MESSAGE(what.find("\"" + std::string(s.substr(0, 64))) != std::string::npos, what);
    CHECK_MESSAGE(what.find(reason) != std::string::npos, what);
  }
  CHECK(thrown);
}

template <class T>
using with_mode = floating<typename T::format, mixprec::rounding::nearest_even>;

}  // namespace

TEST_SUITE("format/io") {
  TEST_CASE("exact printing: hand-derived values") {
    CHECK(mixprec::to_exact_string(from<half>(0x0001)) == "0.000000059604644775390625");
    CHECK(mixprec::to_exact_string(from<half>(0x3c00)) == "1");
    CHECK(mixprec::to_exact_string(from<half>(0x7bff)) == "65504");
    CHECK(mixprec::to_exact_string(from<half>(0xfbff)) == "-65504");
    CHECK(mixprec::to_exact_string(from<half>(0x3555)) == "0.333251953125");
    CHECK(mixprec::to_exact_string(from<half>(0x0400)) == "0.00006103515625");
    CHECK(mixprec::to_exact_string(from<half>(0x2e66)) == "0.0999755859375");
    CHECK(mixprec::to_exact_string(from<half>(0x8000)) == "-0");
    CHECK(mixprec::to_exact_string(from<half>(0x0000)) == "0");
    CHECK(mixprec::to_exact_string(from<half>(0x7c00)) == "inf");
    CHECK(mixprec::to_exact_string(from<half>(0xfc00)) == "-inf");
    CHECK(mixprec::to_exact_string(from<half>(0x7e00)) == "nan");
    CHECK(mixprec::to_exact_string(from<half>(0xfe01)) == "-nan");
    CHECK(mixprec::to_exact_string(from<float8_e4m3>(0x7e)) == "448");
    CHECK(mixprec::to_exact_string(from<float8_e4m3>(0x01)) == "0.001953125");
    CHECK(mixprec::to_exact_string(from<float4_e2m1>(0x7)) == "6");
    CHECK(mixprec::to_exact_string(from<float4_e2m1>(0x9)) == "-0.5");
    CHECK(mixprec::to_exact_string(from<float8_e8m0>(0xfe)) ==
          "170141183460469231731687303715884105728");  // 2^127
    CHECK(mixprec::to_exact_string(from<float8_e8m0>(0x7f)) == "1");
    CHECK(mixprec::to_exact_string(from<float8_e8m0>(0x7c)) == "0.125");
    CHECK(mixprec::to_exact_string(from<float8_e8m0>(0xff)) == "nan");
    CHECK(mixprec::to_exact_string(from<float8_e4m3fnuz>(0x80)) == "-nan");  // its sign bit
    CHECK(mixprec::to_exact_string(from<float32>(0x7f7fffff)) ==
          "340282346638528859811704183484516925440");
    // 2^-149 = 5^149 / 10^149.
    CHECK(mixprec::to_exact_string(from<float32>(0x00000001)) ==
          "0.00000000000000000000000000000000000000000000140129846432481707092372958328991613128026"
          "194187651577175706828388979108268586060148663818836212158203125");
    // Flushed subnormal: the type reads it as zero.
    using half_flush =
        floating<fm::fp16, rounding::nearest_even, overflow::standard, subnormals::flush>;
    CHECK(mixprec::to_exact_string(from<half_flush>(0x0001)) == "0");
    CHECK(mixprec::to_exact_string(from<half_flush>(0x8001)) == "-0");
  }

  TEST_CASE("shortest printing: hand-derived values") {
    CHECK(mixprec::to_string(from<half>(0x0001)) == "6e-08");
    CHECK(mixprec::to_string(from<half>(0x3555)) == "0.3333");
    CHECK(mixprec::to_string(from<half>(0x7bff)) == "65500");
    CHECK(mixprec::to_string(from<half>(0x2e66)) == "0.1");
    CHECK(mixprec::to_string(from<half>(0x3c00)) == "1");
    CHECK(mixprec::to_string(from<half>(0x3c01)) == "1.001");
    CHECK(mixprec::to_string(from<half>(0xbc00)) == "-1");
    CHECK(mixprec::to_string(from<half>(0x0400)) == "0.00006104");
    CHECK(mixprec::to_string(from<float32>(0x7f7fffff)) == "3.4028235e+38");
    CHECK(mixprec::to_string(from<float32>(0x00000001)) == "1e-45");
    CHECK(mixprec::to_string(float32(0.1)) == "0.1");
    CHECK(mixprec::to_string(float32(1e-5)) == "0.00001");  // leading exponent -5: fixed
    CHECK(mixprec::to_string(float32(1e-6)) == "1e-06");
    CHECK(mixprec::to_string(float32(1e15)) == "1000000000000000");  // 15: fixed
    CHECK(mixprec::to_string(float32(1e16)) == "1e+16");
    CHECK(mixprec::to_string(float32(1.5e-7)) == "1.5e-07");
    CHECK(mixprec::to_string(float32(123456.0)) == "123456");
    CHECK(mixprec::to_string(from<float8_e4m3>(0x7e)) == "450");  // 450 reads 448
    CHECK(mixprec::to_string(from<float8_e8m0>(0x7f)) == "1");

    // Directed modes read back differently, so the shortest text differs.
    using half_tz = floating<fm::fp16, rounding::toward_zero>;
    using half_up = floating<fm::fp16, rounding::upward>;
    using half_odd = floating<fm::fp16, rounding::to_odd>;
    // toward zero: 65504 is read from [65504, 65536): 65500 reads 65472, 65600 is out of range,
    // 65510 reads 65504.
    CHECK(mixprec::to_string(from<half_tz>(0x7bff)) == "65510");
    // upward: 1.0009765625 is read from (1, 1.0009765625]; 1.001 is above it.
    CHECK(mixprec::to_string(from<half_up>(0x3c01)) == "1.0009");
    // to_odd: an odd code is read from the open interval between its neighbours; an even code
    // only from its exact value.
    CHECK(mixprec::to_string(from<half_odd>(0x3c01)) == "1.001");
    CHECK(mixprec::to_string(from<half_odd>(0x3c02)) == "1.001953125");
    CHECK(mixprec::to_string(from<half_odd>(0x3c00)) == "1");

    // Specials.
    CHECK(mixprec::to_string(from<half>(0x7c00)) == "inf");
    CHECK(mixprec::to_string(from<half>(0xfc00)) == "-inf");
    CHECK(mixprec::to_string(from<half>(0x7e00)) == "nan");
    CHECK(mixprec::to_string(from<half>(0xfe00)) == "-nan");
    CHECK(mixprec::to_string(from<half>(0x8000)) == "-0");
    CHECK(mixprec::to_string(from<float8_e4m3>(0xff)) == "-nan");
    CHECK(mixprec::to_string(from<float8_e4m3>(0x7f)) == "nan");
  }

  TEST_CASE("printing every code of the 8-bit-or-smaller formats") {
    for_each_type(small_formats{}, []<class F>() {
      for_each_type(quick_variants<F>{}, []<class T>() { check_print_codes<T>(); });
    });
  }

  TEST_CASE("printing a sample of fp16 and bf16 codes") {
    check_print_codes<half>(127);
    check_print_codes<bfloat16>(127);
    check_print_codes<floating<fm::fp16, rounding::to_odd>>(97);
    check_print_codes<floating<fm::bf16, rounding::upward>>(97);
    check_print_codes<
        floating<fm::fp16, rounding::toward_zero, overflow::saturate, subnormals::flush>>(97);
    check_print_codes<floating<fm::fp16, rounding::stochastic>>(97);
    check_print_codes<floating<fm::e4m3, rounding::stochastic>>();
  }

  TEST_CASE("float32 shortest digits agree with std::to_chars(float)") {
    std::mt19937 gen(12345);
    std::vector<std::uint32_t> codes = {0x00000001, 0x007fffff, 0x00800000, 0x3f800000,
                                        0x3f800001, 0x7f7fffff, 0x3dcccccd, 0x4b000000};
    for (int i = 0; i < 3000; ++i) {
      const std::uint32_t c = gen() & 0x7fffffffu;
      if ((c >> 23) != 0xff) codes.push_back(c);
    }
    mismatches bad;
    for (const std::uint32_t c : codes) {
      float f;
      std::memcpy(&f, &c, sizeof f);
      char buf[64];
      const auto r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
      const auto want = read_dec(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
      const std::string got_text = mixprec::to_string(from<float32>(c));
      const auto got = read_dec(got_text);
      if (!want || !got || want->digits != got->digits || want->k != got->k) {
        bad.add(hex(c) + " std::to_chars " + std::string(buf, r.ptr) + " mixprec " + got_text);
      }
      if (got_text != shortest_text(*want)) bad.add(hex(c) + " notation " + got_text);
    }
    CHECK_MESSAGE(bad.empty(), bad.str());
  }

  TEST_CASE("exact printing of float32 samples against printf") {
    std::mt19937 gen(777);
    mismatches bad;
    for (int i = 0; i < 2000; ++i) {
      const std::uint32_t c = gen();
      const std::string want = expected_exact<float32>(c);
      if (mixprec::to_exact_string(from<float32>(c)) != want) bad.add(hex(c) + " " + want);
    }
    CHECK_MESSAGE(bad.empty(), bad.str());
  }

  TEST_CASE("parsing: every boundary and tie of the 8-bit-or-smaller formats") {
    for_each_type(small_formats{}, []<class F>() {
      for_each_type(quick_variants<F>{}, []<class T>() { check_parse_boundaries<T>(); });
    });
  }

  TEST_CASE("parsing: fp16 and bf16 boundaries (sample) and random decimals") {
    check_parse_boundaries<half>(97);
    check_parse_boundaries<bfloat16>(97);
    check_parse_boundaries<floating<fm::fp16, rounding::to_odd>>(193);
    check_parse_boundaries<floating<fm::bf16, rounding::downward, overflow::saturate>>(193);
    mismatches bad;
    check_parse<half>(random_inputs<half>(500, 1), bad);
    check_parse<floating<fm::fp16, rounding::upward>>(random_inputs<half>(300, 2), bad);
    check_parse<bfloat16>(random_inputs<bfloat16>(500, 3), bad);
    check_parse<float32>(random_inputs<float32>(500, 4), bad);
    check_parse<floating<fm::fp32, rounding::to_odd>>(random_inputs<float32>(300, 5), bad);
    check_parse<floating<fm::fp32, rounding::toward_zero, overflow::standard, subnormals::flush>>(
        random_inputs<float32>(300, 6), bad);
    check_parse<float8_e4m3>(random_inputs<float8_e4m3>(300, 7), bad);
    check_parse<float8_e8m0>(random_inputs<float8_e8m0>(300, 8), bad);
    CHECK_MESSAGE(bad.empty(), bad.str());
  }

  TEST_CASE("parsing: float32 boundaries (sample)") {
    // Midpoints of float32 neighbours need up to ~112 significant digits.
    std::mt19937 gen(99);
    std::vector<dec> inputs;
    for (int i = 0; i < 200; ++i) {
      const std::uint32_t c = gen() % 0x7f7fffffu;
      float a, b;
      const std::uint32_t c1 = c + 1;
      std::memcpy(&a, &c, 4);
      std::memcpy(&b, &c1, 4);
      const dec mid = exact_dec((static_cast<double>(a) + b) / 2);
      inputs.push_back(mid);
      inputs.push_back(nudge(mid, mid.lead() - 40, 1));
      inputs.push_back(nudge(mid, mid.lead() - 40, -1));
    }
    mismatches bad;
    check_parse<float32>(inputs, bad);
    check_parse<floating<fm::fp32, rounding::nearest_away>>(inputs, bad);
    check_parse<floating<fm::fp32, rounding::to_odd>>(inputs, bad);
    CHECK_MESSAGE(bad.empty(), bad.str());
  }

  TEST_CASE("parsing: hand-derived boundaries") {
    // half: max 65504, next step 65536, midpoint 65520 (a tie to even: 65536, out of range).
    CHECK(read<half>("65504") == 0x7bff);
    CHECK(read<half>("65519.999") == 0x7bff);
    read_fails<half>("65520", std::errc::result_out_of_range);
    read_fails<half>("-65520", std::errc::result_out_of_range);
    read_fails<floating<fm::fp16, rounding::nearest_even, overflow::saturate>>(
        "65520", std::errc::result_out_of_range);  // whatever the overflow mode
    CHECK(read<floating<fm::fp16, rounding::toward_zero>>("65535.999") == 0x7bff);
    read_fails<floating<fm::fp16, rounding::toward_zero>>("65536", std::errc::result_out_of_range);
    CHECK(read<floating<fm::fp16, rounding::downward>>("65535") == 0x7bff);
    CHECK(read<floating<fm::fp16, rounding::upward>>("-65535") == 0xfbff);
    read_fails<floating<fm::fp16, rounding::upward>>("65504.001", std::errc::result_out_of_range);
    CHECK(read<floating<fm::fp16, rounding::to_odd>>("65535") == 0x7bff);  // 65504 is odd
    // e4m3: max 448 = 1.110b * 2^8 (even); 464 is the tie with 480 -> 448; beyond: out of range.
    CHECK(read<float8_e4m3>("448") == 0x7e);
    CHECK(read<float8_e4m3>("464") == 0x7e);
    CHECK(read<float8_e4m3>("-464") == 0xfe);
    read_fails<float8_e4m3>("464.0000001", std::errc::result_out_of_range);
    read_fails<float8_e4m3>("465", std::errc::result_out_of_range);
    read_fails<floating<fm::e4m3, rounding::nearest_even, overflow::saturate>>(
        "465", std::errc::result_out_of_range);
    read_fails<floating<fm::e4m3, rounding::to_odd>>("449", std::errc::result_out_of_range);
    CHECK(read<floating<fm::e4m3, rounding::toward_zero>>("479.99") == 0x7e);
    // Ties to even and away.
    CHECK(read<half>("1.00048828125") == 0x3c00);
    CHECK(read<half>("1.00146484375") == 0x3c02);
    CHECK(read<floating<fm::fp16, rounding::nearest_away>>("1.00048828125") == 0x3c01);
    CHECK(read<half>("1.000488281250000000000000000000001") == 0x3c01);
    CHECK(read<half>("1.000488281249999999999999999999999") == 0x3c00);
    // Smallest subnormal 2^-24 and half of it.
    CHECK(read<half>("0.000000059604644775390625") == 0x0001);
    CHECK(read<half>("0.0000000298023223876953125") == 0x0000);  // tie: to even (0)
    CHECK(read<half>("0.0000000298023223876953126") == 0x0001);
    CHECK(read<half>("-0.0000000298023223876953125") == 0x8000);
    CHECK(read<floating<fm::fp16, rounding::upward>>("1e-30") == 0x0001);
    CHECK(read<floating<fm::fp16, rounding::downward>>("-1e-30") == 0x8001);
    CHECK(read<floating<fm::fp16, rounding::to_odd>>("1e-30") == 0x0001);
    // e8m0: powers of two; the midpoint 1.5 * 2^k goes up under nearest_even.
    CHECK(read<float8_e8m0>("1") == 0x7f);
    CHECK(read<float8_e8m0>("3") == 0x81);
    CHECK(read<float8_e8m0>("2.9999") == 0x80);
    CHECK(read<float8_e8m0>("0") == 0x00);  // no zero: the smallest value
    CHECK(read<float8_e8m0>("1e-300") == 0x00);
    read_fails<float8_e8m0>("-1", std::errc::result_out_of_range);
    read_fails<float8_e8m0>("1e39", std::errc::result_out_of_range);
    // Flushing types: a subnormal result is zero; a value rounding up to min normal stays.
    using half_flush =
        floating<fm::fp16, rounding::nearest_even, overflow::standard, subnormals::flush>;
    CHECK(read<half_flush>("6e-8") == 0x0000);
    CHECK(read<half_flush>("-6.1e-5") == 0x8000);    // 1023.4 quanta: subnormal 1023, flushed
    CHECK(read<half_flush>("6.1034e-5") == 0x0400);  // 1023.996 quanta: rounds to min normal
    CHECK(read<half_flush>("6.103515625e-5") == 0x0400);
    // fnuz: no negative zero.
    CHECK(read<float8_e4m3fnuz>("-0") == 0x00);
    CHECK(read<float8_e4m3fnuz>("-1e-30") == 0x00);
  }

  TEST_CASE("parsing: long inputs (more digits than are kept)") {
    const std::string zeros(900, '0');
    // The tie 1 + 2^-11 with nonzero digits far beyond the kept 800: rounds up.
    CHECK(read<half>("1.00048828125" + zeros) == 0x3c00);
    CHECK(read<half>("1.00048828125" + zeros + "1") == 0x3c01);
    CHECK(read<half>("1.00048828124" + std::string(900, '9')) == 0x3c00);
    CHECK(read<floating<fm::fp16, rounding::upward>>("1." + zeros + "1") == 0x3c01);
    CHECK(read<floating<fm::fp16, rounding::toward_zero>>("1." + zeros + "1") == 0x3c00);
    CHECK(read<floating<fm::fp16, rounding::to_odd>>("1." + zeros + "1") == 0x3c01);
    CHECK(read<floating<fm::fp16, rounding::downward>>("-1." + zeros + "1") == 0xbc01);
    CHECK(read<floating<fm::fp16, rounding::upward>>("-1." + zeros + "1") == 0xbc00);
    // 65520 + tiny: out of range; 65520 - tiny: max.
    read_fails<half>("65520." + zeros + "1", std::errc::result_out_of_range);
    CHECK(read<half>("65519." + std::string(3000, '9')) == 0x7bff);
    // Leading zeros do not count.
    CHECK(read<half>("0." + std::string(5000, '0') + "1e5001") == 0x3c00);
    CHECK(read<half>(std::string(5000, '0') + "1") == 0x3c00);
    CHECK(read<half>("1" + std::string(3000, '0') + "e-3000") == 0x3c00);
    CHECK(read<half>("-00000.000") == 0x8000);
    read_fails<half>(std::string(5000, '9'), std::errc::result_out_of_range);
    // float32: the midpoint of 1 and 1 + 2^-23, exact, then +- a digit at position 1000.
    const std::string mid = "1.00000005960464477539062500";
    CHECK(read<float32>(mid) == 0x3f800000);
    CHECK(read<float32>(mid + std::string(1000, '0') + "1") == 0x3f800001);
    CHECK(read<float32>("1.0000000596046447753906249" + std::string(1000, '9')) == 0x3f800000);
  }

  TEST_CASE("parsing: huge and tiny exponents") {
    read_fails<half>("1e999999999", std::errc::result_out_of_range);
    read_fails<half>("-1e999999999", std::errc::result_out_of_range);
    read_fails<floating<fm::fp16, rounding::toward_zero>>("1e999999999",
                                                          std::errc::result_out_of_range);
    read_fails<half>("1e99999999999999999999999999", std::errc::result_out_of_range);
    read_fails<float32>("1e39", std::errc::result_out_of_range);
    CHECK(read<float32>("1e38") == 0x7e967699);
    CHECK(read<half>("1e-999999999") == 0x0000);
    CHECK(read<half>("-1e-999999999") == 0x8000);
    CHECK(read<half>("1e-99999999999999999999999999") == 0x0000);
    CHECK(read<floating<fm::fp16, rounding::upward>>("1e-999999999") == 0x0001);
    CHECK(read<floating<fm::fp16, rounding::downward>>("-1e-999999999") == 0x8001);
    CHECK(read<floating<fm::fp16, rounding::to_odd>>("1e-999999999") == 0x0001);
    CHECK(read<float8_e8m0>("1e-999999999") == 0x00);
    CHECK(read<half>("0e999999999") == 0x0000);
    CHECK(read<half>("-0.000e-99999999999999999999") == 0x8000);
    CHECK(read<half>("0.0001e4") == 0x3c00);
    CHECK(read<half>("10000e-4") == 0x3c00);
    CHECK(read<float32>("1e-45") == 0x00000001);
    CHECK(read<float32>("0.71e-45") == 0x00000001);
    CHECK(read<float32>("0.7e-45") == 0x00000000);                     // below 2^-150 = 7.00649e-46
    CHECK(read<float32>("0.70064923216240853546e-45") == 0x00000000);  // 2^-150 - tiny: down
  }

  TEST_CASE("parsing: accepted syntax") {
    CHECK(read<half>("-0") == 0x8000);
    CHECK(read<half>("+0") == 0x0000);
    CHECK(read<half>("+.5e-3") == 0x1019);  // 0.0005 = 1048.576 quanta of 2^-21
    CHECK(read<half>(".5") == 0x3800);
    CHECK(read<half>("5.") == 0x4500);
    CHECK(read<half>("0005") == 0x4500);
    CHECK(read<half>("1E3") == 0x63d0);
    CHECK(read<half>("1e+3") == 0x63d0);
    CHECK(read<half>("1000e-0") == 0x63d0);
    CHECK(read<half>("inf") == 0x7c00);
    CHECK(read<half>("-INF") == 0xfc00);
    CHECK(read<half>("Infinity") == 0x7c00);
    CHECK(read<half>("nan") == 0x7e00);
    CHECK(read<half>("-NaN") == 0xfe00);
    CHECK(read<half>("nan(123abc_)") == 0x7e00);
    CHECK(read<float8_e4m3>("nan") == 0x7f);
    CHECK(read<float8_e4m3fnuz>("nan") == 0x80);
    CHECK(read<float8_e8m0>("nan") == 0xff);
    // inf into a saturating type: the conversion rule gives max.
    CHECK(read<floating<fm::fp16, rounding::nearest_even, overflow::saturate>>("inf") == 0x7bff);
    // Text after the number is left: ptr stops before it.
    const auto partial = [](std::string_view s, std::ptrdiff_t consumed, std::uint32_t code) {
      half v = from<half>(0x5);
      const auto r = mixprec::from_chars(s.data(), s.data() + s.size(), v);
      INFO(std::string(s));
      CHECK(r.ec == std::errc{});
      CHECK(r.ptr - s.data() == consumed);
      CHECK(bits_of(v) == code);
    };
    partial("1e", 1, 0x3c00);
    partial("1e+", 1, 0x3c00);
    partial("1e-x", 1, 0x3c00);
    partial("0x", 1, 0x0000);
    partial("0x1p3", 1, 0x0000);
    partial("1..2", 2, 0x3c00);
    partial("1.5.", 3, 0x3e00);
    partial("infx", 3, 0x7c00);
    partial("infinit", 3, 0x7c00);
    partial("nan(", 3, 0x7e00);
    partial("nan(a b)", 3, 0x7e00);
    partial("2 3", 1, 0x4000);
    partial("1,5", 1, 0x3c00);
  }

  TEST_CASE("parsing: malformed input fails and leaves the value untouched") {
    for (const char* s : {"", "-", "+", ".", "-.", "+.", "e5", ".e5", "+-1", "-+1", "--1", " 1",
                          "\t1", "x", "-x", "in", "na", "-in", "nul"}) {
      read_fails<half>(s, std::errc::invalid_argument);
      read_fails<float8_e8m0>(s, std::errc::invalid_argument);
    }
    // NaN and infinity where the format has none.
    for (const char* s : {"nan", "-nan", "NaN(1)"}) {
      read_fails<float4_e2m1>(s, std::errc::invalid_argument);
      read_fails<float6_e3m2>(s, std::errc::invalid_argument);
      read_fails<float6_e2m3>(s, std::errc::invalid_argument);
    }
    for (const char* s : {"inf", "-inf", "infinity"}) {
      read_fails<float8_e4m3>(s, std::errc::invalid_argument);
      read_fails<float8_e4m3fnuz>(s, std::errc::invalid_argument);
      read_fails<float8_e5m2fnuz>(s, std::errc::invalid_argument);
      read_fails<float4_e2m1>(s, std::errc::invalid_argument);
      read_fails<float8_e8m0>(s, std::errc::invalid_argument);
    }
  }

  TEST_CASE("parse<T>: whole text, errors name the text and the reason") {
    CHECK(bits_of(mixprec::parse<half>("65504")) == 0x7bff);
    CHECK(bits_of(mixprec::parse<half>("-0")) == 0x8000);
    CHECK(bits_of(mixprec::parse<float8_e4m3>("464")) == 0x7e);
    CHECK(bits_of(mixprec::parse<float4_e2m1>("5")) == 0x6);  // tie of 4 and 6: 4 (even)
    parse_throws<half>("", "empty");
    for (const char* s : {"-", "+", ".", "e5", " 1", "x", "--1"}) {
      parse_throws<half>(s, "not a number");
    }
    for (const char* s : {"1e", "1e+", "0x", "1..2", "1.5x", "1 ", "inf x", "nan()x", "65504,"}) {
      parse_throws<half>(s, "trailing characters");
    }
    parse_throws<float4_e2m1>("nan", "no NaN");
    parse_throws<float8_e4m3>("inf", "no infinity");
    parse_throws<half>("65520", "out of range");
    parse_throws<float8_e4m3>("464.0000001", "out of range");
    parse_throws<float8_e8m0>("-2", "out of range");
    parse_throws<half>("1e999999999", "out of range");
    // A long text is shortened in the message.
    const std::string long_text = "1" + std::string(1000, '0') + "x";
    parse_throws<half>(long_text, "...");
  }

  TEST_CASE("operator>> reads a number or sets failbit, leaving the value untouched") {
    std::istringstream is("  1.25\n-0 3.5e1 inf nan");
    half a = from<half>(0x5), b = a, c = a, d = a, e = a;
    is >> a >> b >> c >> d >> e;
    CHECK(!is.fail());
    CHECK(bits_of(a) == 0x3d00);
    CHECK(bits_of(b) == 0x8000);
    CHECK(bits_of(c) == 0x5060);
    CHECK(bits_of(d) == 0x7c00);
    CHECK(bits_of(e) == 0x7e00);
    CHECK(is.eof());

    const auto fails = [](const std::string& text) {
      std::istringstream s(text);
      half v = from<half>(0x5);
      s >> v;
      INFO("\"", text, "\"");
      CHECK(s.fail());
      CHECK(bits_of(v) == 0x5);
    };
    for (const char* s : {"", "   ", "1.5x", "1e", "1e+", "0x10", "1..2", "65520", "-", "abc",
                          "nan(", "1e999999999", ",1"}) {
      fails(s);
    }
    {
      std::istringstream s("1.5,2");
      half v = from<half>(0x5);
      s >> v;
      CHECK(!s.fail());
      CHECK(bits_of(v) == 0x3e00);
      CHECK(s.peek() == ',');
    }
    {
      std::istringstream s("nan");
      float4_e2m1 v = from<float4_e2m1>(0x3);
      s >> v;
      CHECK(s.fail());
      CHECK(bits_of(v) == 0x3);
    }
    {
      std::istringstream s(" 2");
      s >> std::noskipws;
      half v = from<half>(0x5);
      s >> v;
      CHECK(s.fail());
      CHECK(bits_of(v) == 0x5);
    }
  }

  TEST_CASE("operator<< (shortest) and exact()") {
    std::ostringstream os;
    os << from<half>(0x3555) << ' ' << mixprec::exact(from<half>(0x3555)) << ' '
       << from<half>(0x0001) << ' ' << mixprec::exact(from<half>(0x0001)) << ' ' << std::setw(8)
       << std::setfill('_') << from<half>(0x3c00) << ' ' << from<float8_e4m3>(0xff);
    CHECK(os.str() == "0.3333 0.333251953125 6e-08 0.000000059604644775390625 _______1 -nan");
    const mixprec::exact_decimal<half> e = mixprec::exact(from<half>(0x7bff));
    CHECK(bits_of(e.value) == 0x7bff);
  }

  TEST_CASE("to_chars: too small a buffer") {
    char buf[8];
    const half x = from<half>(0x3555);  // "0.3333": 6 characters
    auto r = mixprec::to_chars(buf, buf + 5, x);
    CHECK(r.ec == std::errc::value_too_large);
    CHECK(r.ptr == buf + 5);
    r = mixprec::to_chars(buf, buf + 6, x);
    CHECK(r.ec == std::errc{});
    CHECK(std::string(buf, r.ptr) == "0.3333");
    r = mixprec::to_chars_exact(buf, buf + 8, x);  // "0.333251953125"
    CHECK(r.ec == std::errc::value_too_large);
    char big[32];
    r = mixprec::to_chars_exact(big, big + sizeof big, x);
    CHECK(std::string(big, r.ptr) == "0.333251953125");
  }

  TEST_CASE("stochastic types: exact values exact, others one of the two neighbours") {
    using sh = floating<fm::fp16, rounding::stochastic>;
    CHECK(read<sh>("1") == 0x3c00);
    CHECK(read<sh>("0.333251953125") == 0x3555);
    CHECK(read<sh>("65504") == 0x7bff);
    read_fails<sh>("65536", std::errc::result_out_of_range);
    // 1 + k/64 * 2^-10: between 0x3c00 and 0x3c01, up with probability k/64; reproducible.
    int ups = 0;
    const int n = 2000;
    for (int i = 0; i < n; ++i) {
      // Value 1 + 2^-10 * (0.25 + i * 2^-40): about a quarter of the way, distinct texts.
      const dec base =
          exact_dec(1 + std::ldexp(0.25, -10) + std::ldexp(static_cast<double>(i), -50));
      const std::string text = fixed_text(base);
      const std::uint32_t c = read<sh>(text);
      CHECK((c == 0x3c00 || c == 0x3c01));
      CHECK(read<sh>(text) == c);
      ups += c == 0x3c01 ? 1 : 0;
    }
    // Binomial(2000, 0.25): mean 500, sd 19.4.
    CHECK(ups > 500 - 6 * 20);
    CHECK(ups < 500 + 6 * 20);
    // Printing a stochastic type: the shortest text that reads back under nearest_even.
    CHECK(mixprec::to_string(from<sh>(0x3555)) == "0.3333");
    CHECK(mixprec::to_string(from<sh>(0x3c01)) == "1.001");
  }

  TEST_CASE("printing and parsing other formats: tf32, ieee<E,M>") {
    check_print_codes<floating<fm::ieee<3, 4>, rounding::nearest_even>>();
    check_print_codes<floating<fm::ieee<6, 9>, rounding::to_odd>>(257);
    check_print_codes<mixprec::tfloat32>(4999);
    check_parse_boundaries<floating<fm::ieee<3, 4>, rounding::nearest_away>>();
    check_parse_boundaries<floating<fm::ieee<8, 1>, rounding::upward>>(3);
  }
}
