// Format descriptors and the floating<> value type, code by code: for every code of every
// format of 16 bits or fewer (and every tf32 code), the library's conversions to float and
// double equal the reference decoder, conversion back gives the same code, NaN codes stay NaN,
// and from_bits/bits round-trip. Also the layout guarantees (size, triviality, storage type)
// and the descriptor constants against independently written values.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "reference.hpp"

namespace {

namespace fm = mixprec::formats;
using mixprec::floating;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;
using mixprec_test::hex;
using mixprec_test::value_class;

using ieee34 = floating<fm::ieee<3, 4>>;
using ieee69 = floating<fm::ieee<6, 9>>;
using ieee21 = floating<fm::ieee<2, 1>>;
using half_flush =
    floating<fm::fp16, rounding::nearest_even, overflow::standard, subnormals::flush>;
using e4m3_flush =
    floating<fm::e4m3, rounding::nearest_even, overflow::standard, subnormals::flush>;
using e4m3fnuz_flush =
    floating<fm::e4m3fnuz, rounding::nearest_even, overflow::standard, subnormals::flush>;
using e2m3_flush = floating<fm::e2m3, rounding::toward_zero, overflow::standard, subnormals::flush>;
using bf16_up_sat = floating<fm::bf16, rounding::upward, overflow::saturate>;
using e5m2_tz_sat = floating<fm::e5m2, rounding::toward_zero, overflow::saturate>;
using e8m0_sat = floating<fm::e8m0, rounding::nearest_even, overflow::saturate>;
using e3m2_odd = floating<fm::e3m2, rounding::to_odd>;

#define MIXPREC_TEST_SMALL_TYPES                                                                \
  mixprec::half, mixprec::bfloat16, mixprec::float8_e4m3, mixprec::float8_e5m2,                 \
      mixprec::float8_e4m3fnuz, mixprec::float8_e5m2fnuz, mixprec::float6_e3m2,                 \
      mixprec::float6_e2m3, mixprec::float4_e2m1, mixprec::float8_e8m0, ieee34, ieee69, ieee21, \
      half_flush, e4m3_flush, e4m3fnuz_flush, e2m3_flush, bf16_up_sat, e5m2_tz_sat, e8m0_sat,   \
      e3m2_odd

/// The code a non-NaN code must come back as when its decoded value is converted into T again:
/// itself, except flushed subnormals (their signed zero) and, when saturating, infinities (max).
template <class T>
std::uint32_t round_trip_code(std::uint32_t code) {
  using I = mixprec_test::type_info<T>;
  const mixprec_test::format_desc& f = I::desc;
  const mixprec_test::fields x = mixprec_test::split(f, code);
  const value_class cls = mixprec_test::classify(f, code, false);
  if (I::flush && cls == value_class::subnormal) return mixprec_test::signed_zero(f, x.sign);
  if (I::o == mixprec_test::omode::saturate && cls == value_class::infinite) {
    return mixprec_test::max_code(f) | (x.sign ? f.sign_bit() : 0u);
  }
  return code;
}

template <class T>
void check_every_code() {
  using I = mixprec_test::type_info<T>;
  const mixprec_test::format_desc& f = I::desc;
  mixprec_test::mismatches to_float, to_double, from_float, from_double, bits, nan, reference;
  for (std::uint64_t i = 0; i < f.code_count(); ++i) {
    const std::uint32_t code = f.code_at(i);
    const T x = mixprec_test::make<T>(code);
    bits.check("bits()", code, code, mixprec_test::code_of(x));

    const float as_float = static_cast<float>(x);
    const double as_double = static_cast<double>(x);
    to_float.check("float(x)", code, mixprec_test::expected_float_bits(f, code, I::flush),
                   std::bit_cast<std::uint32_t>(as_float));
    to_double.check("double(x)", code, mixprec_test::expected_double_bits(f, code, I::flush),
                    std::bit_cast<std::uint64_t>(as_double));

    const mixprec_test::decoded d = mixprec_test::decode(f, code, I::flush);
    if (d.cls == value_class::nan) {
      if (!std::isnan(as_float) || !std::isnan(as_double)) {
        nan.add("NaN code " + hex(code) + " did not convert to NaN");
      }
      // NaN in again: the reference NaN of the same sign and payload.
      const std::uint32_t want = mixprec_test::nan_code(f, d.sign, d.nan_frac);
      const double nan_in =
          std::bit_cast<double>(mixprec_test::expected_double_bits(f, code, I::flush));
      from_double.check("T(double NaN)", code, want, mixprec_test::code_of(T(nan_in)));
      from_float.check("T(float NaN)", code, want, mixprec_test::code_of(T(as_float)));
      continue;
    }
    const std::uint32_t want = round_trip_code<T>(code);
    from_double.check("T(double(x))", code, want, mixprec_test::code_of(T(d.value)));
    from_float.check("T(float(x))", code, want,
                     mixprec_test::code_of(T(static_cast<float>(d.value))));
    // The reference itself must agree (a test of the test).
    reference.check("reference round trip", code, want,
                    mixprec_test::from_double(f, d.value, I::r, I::o, I::s));
  }
  CHECK_MESSAGE(bits.empty(), bits.str());
  CHECK_MESSAGE(to_float.empty(), to_float.str());
  CHECK_MESSAGE(to_double.empty(), to_double.str());
  CHECK_MESSAGE(nan.empty(), nan.str());
  CHECK_MESSAGE(from_double.empty(), from_double.str());
  CHECK_MESSAGE(from_float.empty(), from_float.str());
  CHECK_MESSAGE(reference.empty(), reference.str());
}

/// Every non-NaN code of T survives T(double(x)) and T(float(x)) during constant evaluation.
template <class T>
constexpr bool constexpr_round_trip() {
  constexpr mixprec_test::format_desc f = mixprec_test::desc_v<T>;
  for (std::uint64_t i = 0; i < f.code_count(); ++i) {
    const std::uint32_t code = f.code_at(i);
    if (mixprec_test::is_nan_code(f, code)) continue;
    const T x = T::from_bits(static_cast<typename T::storage>(code));
    if (T(static_cast<double>(x)).bits() != code) return false;
    if (T(static_cast<float>(x)).bits() != code) return false;
  }
  return true;
}

template <class Storage>
constexpr bool is_storage_for(int total_bits) {
  if (total_bits <= 8) return std::is_same_v<Storage, std::uint8_t>;
  if (total_bits <= 16) return std::is_same_v<Storage, std::uint16_t>;
  return std::is_same_v<Storage, std::uint32_t>;
}

}  // namespace

TEST_SUITE("formats") {
  TEST_CASE_TEMPLATE("every code converts to float and double exactly and back", T,
                     MIXPREC_TEST_SMALL_TYPES) {
    check_every_code<T>();
  }

  TEST_CASE("every tf32 code (2^19, padding zero) converts exactly and back") {
    check_every_code<mixprec::tfloat32>();
    using tf32_flush =
        floating<fm::tf32, rounding::nearest_even, overflow::standard, subnormals::flush>;
    check_every_code<tf32_flush>();
  }

  TEST_CASE_TEMPLATE("layout: size, triviality, storage type", T, MIXPREC_TEST_SMALL_TYPES,
                     mixprec::tfloat32, mixprec::float32) {
    const mixprec_test::format_desc& f = mixprec_test::desc_v<T>;
    using storage = typename T::storage;
    CHECK(is_storage_for<storage>(f.total_bits()));
    CHECK(sizeof(T) == sizeof(storage));
    CHECK(alignof(T) == alignof(storage));
    CHECK(std::is_trivially_copyable_v<T>);
    CHECK(std::is_trivially_default_constructible_v<T>);
    CHECK(std::is_trivially_destructible_v<T>);
    CHECK(T{}.bits() == 0);
    // Conversions in are explicit.
    CHECK(!std::is_convertible_v<float, T>);
    CHECK(!std::is_convertible_v<double, T>);
    CHECK(!std::is_convertible_v<int, T>);
    CHECK(!std::is_convertible_v<T, double>);
    CHECK(std::is_constructible_v<T, float>);
    CHECK(std::is_constructible_v<T, double>);
    CHECK(std::is_constructible_v<T, long long>);
    CHECK(std::is_constructible_v<T, unsigned char>);
    CHECK(std::is_constructible_v<T, mixprec::half>);
    CHECK(!std::is_constructible_v<T, bool>);
    // memcpy of the value is memcpy of the code.
    const T x = mixprec_test::make<T>(f.code_at(1));
    storage raw{};
    std::memcpy(&raw, &x, sizeof raw);
    CHECK(raw == x.bits());
  }

  TEST_CASE_TEMPLATE("descriptor constants", T, MIXPREC_TEST_SMALL_TYPES, mixprec::tfloat32,
                     mixprec::float32) {
    using F = typename T::format;
    const mixprec_test::format_desc& f = mixprec_test::desc_v<T>;
    CHECK(F::exponent_bits == f.exp_bits);
    CHECK(F::mantissa_bits == f.man_bits);
    CHECK(F::bias == f.bias);
    CHECK(F::is_signed == f.is_signed);
    CHECK(F::has_infinity == f.has_inf);
    CHECK(F::has_subnormals == f.has_sub);
    CHECK(F::padding_bits == f.pad);
    const mixprec::nan_style want_nan =
        f.nan == mixprec_test::nan_kind::ieee            ? mixprec::nan_style::ieee
        : f.nan == mixprec_test::nan_kind::all_ones      ? mixprec::nan_style::all_ones
        : f.nan == mixprec_test::nan_kind::negative_zero ? mixprec::nan_style::negative_zero
                                                         : mixprec::nan_style::none;
    CHECK(F::nan == want_nan);
    if (!mixprec_test::is_ieee_template<F>::value) {
      CHECK(std::string(F::name) == std::string(f.name));
    }
    CHECK(T::rounding_mode == mixprec_test::type_info<T>::lib_r);
  }

  TEST_CASE("the reference descriptors give the formats' well-known values") {
    // Hand-written from the OCP FP8/MX specifications and IEEE 754, to pin the descriptors down.
    using mixprec_test::max_value;
    using mixprec_test::min_normal_value;
    CHECK(max_value(mixprec_test::fp16) == 65504.0);
    CHECK(max_value(mixprec_test::bf16) == 0x1.FEp127);
    CHECK(max_value(mixprec_test::tf32) == 0x1.FFCp127);
    CHECK(max_value(mixprec_test::e4m3) == 448.0);
    CHECK(max_value(mixprec_test::e5m2) == 57344.0);
    CHECK(max_value(mixprec_test::e4m3fnuz) == 240.0);
    CHECK(max_value(mixprec_test::e5m2fnuz) == 57344.0);
    CHECK(max_value(mixprec_test::e3m2) == 28.0);
    CHECK(max_value(mixprec_test::e2m3) == 7.5);
    CHECK(max_value(mixprec_test::e2m1) == 6.0);
    CHECK(max_value(mixprec_test::e8m0) == 0x1p127);
    CHECK(min_normal_value(mixprec_test::e8m0) == 0x1p-127);
    CHECK(min_normal_value(mixprec_test::e4m3) == 0x1p-6);
    CHECK(min_normal_value(mixprec_test::e4m3fnuz) == 0x1p-7);
    CHECK(min_normal_value(mixprec_test::e5m2fnuz) == 0x1p-15);
    CHECK(mixprec_test::decode(mixprec_test::e4m3fnuz, 0x01).value == 0x1p-10);
    CHECK(mixprec_test::decode(mixprec_test::e2m1, 0x01).value == 0.5);
    CHECK(mixprec_test::decode(mixprec_test::e8m0, 0x7F).value == 1.0);
  }

  TEST_CASE("float32: sampled codes against the CPU's own float") {
    mixprec_test::mismatches to_float, to_double, from_float;
    auto check = [&](std::uint32_t u) {
      const float cpu = std::bit_cast<float>(u);
      const bool is_nan = (u & 0x7F800000u) == 0x7F800000u && (u & 0x7FFFFFu) != 0;
      const std::uint32_t want = is_nan ? (u | 0x400000u) : u;  // NaN out: quiet bit set
      const mixprec::float32 x = mixprec::float32::from_bits(u);
      to_float.check("float(x)", u, want, std::bit_cast<std::uint32_t>(static_cast<float>(x)));
      const std::uint64_t want_d = is_nan ? ((std::uint64_t{u >> 31} << 63) | 0x7FF8000000000000u |
                                             (std::uint64_t{u & 0x7FFFFFu} << 29))
                                          : std::bit_cast<std::uint64_t>(static_cast<double>(cpu));
      to_double.check("double(x)", u, want_d, std::bit_cast<std::uint64_t>(static_cast<double>(x)));
      from_float.check("float32(float)", u, want, mixprec::float32(cpu).bits());
    };
    for (std::uint64_t u = 0; u < (std::uint64_t{1} << 32); u += 9973u) {
      check(static_cast<std::uint32_t>(u));
    }
    for (std::uint32_t s = 0; s < 2; ++s) {
      for (std::uint32_t e = 0; e < 256; ++e) {
        for (std::uint32_t m : {0x0u, 0x1u, 0x2u, 0x3FFFFFu, 0x400000u, 0x400001u, 0x7FFFFFu}) {
          check((s << 31) | (e << 23) | m);
        }
      }
    }
    CHECK_MESSAGE(to_float.empty(), to_float.str());
    CHECK_MESSAGE(to_double.empty(), to_double.str());
    CHECK_MESSAGE(from_float.empty(), from_float.str());
  }

  TEST_CASE("compile-time conversions (hand-derived codes)") {
    static_assert(mixprec::half::from_bits(0x3C00).bits() == 0x3C00);
    static_assert(static_cast<float>(mixprec::half::from_bits(0x3C00)) == 1.0f);
    static_assert(static_cast<double>(mixprec::half::from_bits(0x0001)) == 0x1p-24);
    static_assert(mixprec::half(1.5).bits() == 0x3E00);
    static_assert(mixprec::half(-2.0f).bits() == 0xC000);
    static_assert(mixprec::half(65504.0).bits() == 0x7BFF);
    static_assert(mixprec::bfloat16(1.0f).bits() == 0x3F80);
    static_assert(mixprec::float8_e4m3(448.0).bits() == 0x7E);
    static_assert(mixprec::float8_e5m2(57344.0).bits() == 0x7B);
    static_assert(mixprec::float8_e4m3fnuz(-1.0).bits() == 0xC0);
    static_assert(mixprec::float6_e3m2(28.0).bits() == 0x1F);
    static_assert(mixprec::float6_e2m3(-7.5).bits() == 0x3F);
    static_assert(mixprec::float4_e2m1(6.0).bits() == 0x7);
    static_assert(mixprec::float8_e8m0(1.0).bits() == 0x7F);
    static_assert(static_cast<double>(mixprec::float8_e8m0::from_bits(0)) == 0x1p-127);
    static_assert(mixprec::tfloat32(1.0f).bits() == 0x3F800000u);
    static_assert(static_cast<float>(mixprec::float32::from_bits(0x3F800001u)) ==
                  std::bit_cast<float>(0x3F800001u));
    static_assert(mixprec::half(7).bits() == 0x4700);
    static_assert(ieee34(1.0).bits() == 0x30);  // bias 3: exponent 3, mantissa 0
    CHECK(mixprec::half::from_bits(0x3C00).bits() == 0x3C00);
  }

  TEST_CASE("compile-time round trip of every code of the 8-bit and smaller formats") {
    static_assert(constexpr_round_trip<mixprec::float8_e4m3>());
    static_assert(constexpr_round_trip<mixprec::float8_e5m2>());
    static_assert(constexpr_round_trip<mixprec::float8_e4m3fnuz>());
    static_assert(constexpr_round_trip<mixprec::float8_e5m2fnuz>());
    static_assert(constexpr_round_trip<mixprec::float6_e3m2>());
    static_assert(constexpr_round_trip<mixprec::float6_e2m3>());
    static_assert(constexpr_round_trip<mixprec::float4_e2m1>());
    static_assert(constexpr_round_trip<mixprec::float8_e8m0>());
    static_assert(constexpr_round_trip<ieee34>());
    CHECK(constexpr_round_trip<mixprec::float8_e4m3>());
  }
  TEST_CASE("basic_format: the layouts at the engine's limits are accepted and exact") {
    // Each limit of basic_format met with equality (tests/format/compile_fail/ checks that one
    // step beyond is refused). References: ldexp of integers, and float products of floats
    // computed in double (exact: 48 bits) and rounded once by the cast.
    using ieee_nan = mixprec::nan_style;
    // 23 mantissa bits: fp32's layout, spelled out.
    using wide = floating<fm::basic_format<8, 23, 127, true, true, ieee_nan::ieee, true>>;
    const float third = 1.0f / 3;
    const wide w(third);
    CHECK(static_cast<float>(w * w) ==
          static_cast<float>(static_cast<double>(third) * static_cast<double>(third)));
    CHECK(static_cast<float>(w * w) == doctest::Approx(1.0 / 9).epsilon(1e-7));
    // Largest exponent 127: bfloat16's layout without infinity or NaN, bias 128; its largest
    // value (code 0x7FFF) is (2 - 2^-7) * 2^127, just below float's max.
    using high = floating<fm::basic_format<8, 7, 128, true, false, ieee_nan::none, true>>;
    CHECK(static_cast<float>(high::from_bits(0x7FFF)) == std::ldexp(255.0f, 120));
    CHECK(static_cast<double>(high::from_bits(0x0001)) == std::ldexp(1.0, -134));
    // Smallest subnormal 2^-149: half's layout with bias 140.
    using low = floating<fm::basic_format<5, 10, 140, true, true, ieee_nan::ieee, true>>;
    CHECK(static_cast<float>(low::from_bits(0x0001)) == std::ldexp(1.0f, -149));
    CHECK(static_cast<double>(low::from_bits(0x7BFF)) == std::ldexp(2047.0, 30 - 140 - 10));
    CHECK(low(std::ldexp(3.0, -150)).bits() == 0x0002);  // 1.5 * 2^-149: a tie, to even
  }
}
