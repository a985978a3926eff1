// Classification (isnan, isinf, isfinite, isnormal, signbit, iszero, issubnormal, fpclassify)
// over every code of every format of 16 bits or fewer and of tf32, against the reference
// classification; flush types classify subnormal codes as zero. float32 is checked on a sample
// against the C library's classification of the same float.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>

#include "reference.hpp"

namespace {

namespace fm = mixprec::formats;
using mixprec::floating;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;
using mixprec_test::value_class;

using ieee34 = floating<fm::ieee<3, 4>>;
using ieee69 = floating<fm::ieee<6, 9>>;
using half_flush =
    floating<fm::fp16, rounding::nearest_even, overflow::standard, subnormals::flush>;
using bf16_flush = floating<fm::bf16, rounding::toward_zero, overflow::saturate, subnormals::flush>;
using e4m3_flush =
    floating<fm::e4m3, rounding::nearest_even, overflow::standard, subnormals::flush>;
using e5m2fnuz_flush =
    floating<fm::e5m2fnuz, rounding::nearest_even, overflow::standard, subnormals::flush>;
using e2m1_flush =
    floating<fm::e2m1, rounding::nearest_even, overflow::standard, subnormals::flush>;
using e8m0_flush =
    floating<fm::e8m0, rounding::nearest_even, overflow::standard, subnormals::flush>;
using tf32_flush =
    floating<fm::tf32, rounding::nearest_even, overflow::standard, subnormals::flush>;

#define MIXPREC_TEST_CLASSIFY_TYPES                                                                \
  mixprec::half, mixprec::bfloat16, mixprec::tfloat32, mixprec::float8_e4m3, mixprec::float8_e5m2, \
      mixprec::float8_e4m3fnuz, mixprec::float8_e5m2fnuz, mixprec::float6_e3m2,                    \
      mixprec::float6_e2m3, mixprec::float4_e2m1, mixprec::float8_e8m0, ieee34, ieee69,            \
      half_flush, bf16_flush, e4m3_flush, e5m2fnuz_flush, e2m1_flush, e8m0_flush, tf32_flush

int expected_fpclassify(value_class c) {
  switch (c) {
    case value_class::nan:
      return FP_NAN;
    case value_class::infinite:
      return FP_INFINITE;
    case value_class::zero:
      return FP_ZERO;
    case value_class::subnormal:
      return FP_SUBNORMAL;
    case value_class::normal:
      return FP_NORMAL;
  }
  return -1;
}

/// The answers of the eight functions packed in one integer (compared), and printed on failure.
struct answers {
  int packed;
  bool operator==(const answers&) const = default;
};

answers flags(bool nan, bool inf, bool fin, bool norm, bool sign, bool zero, bool sub, int fpc) {
  return answers{(nan ? 1 : 0) | (inf ? 2 : 0) | (fin ? 4 : 0) | (norm ? 8 : 0) | (sign ? 16 : 0) |
                 (zero ? 32 : 0) | (sub ? 64 : 0) | ((fpc & 0xFF) << 8)};
}

std::string to_string(answers a) {
  std::string s;
  const char* names[] = {"isnan",   "isinf",  "isfinite",   "isnormal",
                         "signbit", "iszero", "issubnormal"};
  for (int i = 0; i < 7; ++i) {
    if ((a.packed >> i) & 1) s += std::string(names[i]) + " ";
  }
  return s + "fpclassify=" + std::to_string(a.packed >> 8);
}

}  // namespace

TEST_SUITE("classify") {
  TEST_CASE_TEMPLATE("every code classifies as the reference does", T,
                     MIXPREC_TEST_CLASSIFY_TYPES) {
    using I = mixprec_test::type_info<T>;
    const mixprec_test::format_desc& f = I::desc;
    mixprec_test::mismatches wrong, adl;
    std::uint64_t seen[5] = {};
    for (std::uint64_t i = 0; i < f.code_count(); ++i) {
      const std::uint32_t code = f.code_at(i);
      const T x = mixprec_test::make<T>(code);
      const value_class c = mixprec_test::classify(f, code, I::flush);
      ++seen[static_cast<int>(c)];
      // signbit is the code's sign bit, NaNs included (IEEE 754 isSignMinus); false in e8m0.
      const bool sign = mixprec_test::split(f, code).sign;
      const answers want =
          flags(c == value_class::nan, c == value_class::infinite,
                c != value_class::nan && c != value_class::infinite, c == value_class::normal, sign,
                c == value_class::zero, c == value_class::subnormal, expected_fpclassify(c));
      // Qualified calls. iszero and issubnormal are parenthesised: glibc defines them as macros.
      const answers got = flags(mixprec::isnan(x), mixprec::isinf(x), mixprec::isfinite(x),
                                mixprec::isnormal(x), mixprec::signbit(x), (mixprec::iszero)(x),
                                (mixprec::issubnormal)(x), mixprec::fpclassify(x));
      if (!(want == got)) {
        wrong.add("code " + mixprec_test::hex(code) + " want " + to_string(want) + " got " +
                  to_string(got));
      }
      // Unqualified calls find the same functions by ADL.
      const answers by_adl = flags(isnan(x), isinf(x), isfinite(x), isnormal(x), signbit(x),
                                   (mixprec::iszero)(x), (mixprec::issubnormal)(x), fpclassify(x));
      if (!(by_adl == got)) {
        adl.add("code " + mixprec_test::hex(code) + " ADL " + to_string(by_adl));
      }
    }
    CHECK_MESSAGE(wrong.empty(), wrong.str());
    CHECK_MESSAGE(adl.empty(), adl.str());
    // The loop saw what the format has (a check of the reference's classification).
    CHECK(seen[static_cast<int>(value_class::normal)] > 0);
    CHECK((seen[static_cast<int>(value_class::nan)] > 0) ==
          (f.nan != mixprec_test::nan_kind::none));
    CHECK((seen[static_cast<int>(value_class::infinite)] == 2) == f.has_inf);
    CHECK((seen[static_cast<int>(value_class::subnormal)] > 0) == (f.has_sub && !I::flush));
    CHECK((seen[static_cast<int>(value_class::zero)] > 0) == f.has_sub);
  }

  TEST_CASE("hand-picked classifications") {
    using mixprec::half;
    CHECK(mixprec::fpclassify(half::from_bits(0x7C00)) == FP_INFINITE);
    CHECK(mixprec::fpclassify(half::from_bits(0x7C01)) == FP_NAN);
    CHECK(mixprec::fpclassify(half::from_bits(0x0001)) == FP_SUBNORMAL);
    CHECK(mixprec::fpclassify(half::from_bits(0x8000)) == FP_ZERO);
    CHECK(mixprec::signbit(half::from_bits(0x8000)));
    CHECK(mixprec::fpclassify(half_flush::from_bits(0x83FF)) == FP_ZERO);
    CHECK(mixprec::signbit(half_flush::from_bits(0x83FF)));
    CHECK(!(mixprec::issubnormal)(half_flush::from_bits(0x0001)));
    CHECK((mixprec::iszero)(half_flush::from_bits(0x0001)));
    CHECK(mixprec::isnan(mixprec::float8_e4m3::from_bits(0x7F)));
    CHECK(mixprec::isnan(mixprec::float8_e4m3::from_bits(0xFF)));
    CHECK(!mixprec::isnan(mixprec::float8_e4m3::from_bits(0x7E)));
    CHECK(!mixprec::isinf(mixprec::float8_e4m3::from_bits(0x78)));  // 256: no infinity in e4m3
    CHECK(mixprec::isnan(mixprec::float8_e4m3fnuz::from_bits(0x80)));
    CHECK(mixprec::isnan(mixprec::float8_e5m2fnuz::from_bits(0x80)));
    CHECK(mixprec::isfinite(mixprec::float8_e5m2fnuz::from_bits(0xFF)));
    CHECK(mixprec::isnan(mixprec::float8_e8m0::from_bits(0xFF)));
    CHECK(mixprec::isnormal(mixprec::float8_e8m0::from_bits(0x00)));  // 2^-127, not zero
    CHECK(!(mixprec::iszero)(mixprec::float8_e8m0::from_bits(0x00)));
    CHECK(!mixprec::isnan(mixprec::float4_e2m1::from_bits(0xF)));  // -6: no NaN in FP4
    CHECK(mixprec::fpclassify(mixprec::float4_e2m1::from_bits(0x9)) == FP_SUBNORMAL);  // -0.5
    CHECK(mixprec::fpclassify(mixprec::tfloat32::from_bits(0x00002000u)) == FP_SUBNORMAL);
    static_assert(mixprec::isinf(mixprec::half::from_bits(0xFC00)));
    static_assert(mixprec::fpclassify(mixprec::bfloat16::from_bits(0x0080)) == FP_NORMAL);
  }

  TEST_CASE("float32: sampled codes against the C library's classification of the float") {
    mixprec_test::mismatches wrong;
    auto check = [&](std::uint32_t u) {
      const float cpu = std::bit_cast<float>(u);
      const mixprec::float32 x = mixprec::float32::from_bits(u);
      const answers want = flags(std::isnan(cpu), std::isinf(cpu), std::isfinite(cpu),
                                 std::isnormal(cpu), std::signbit(cpu), cpu == 0.0f,
                                 std::fpclassify(cpu) == FP_SUBNORMAL, std::fpclassify(cpu));
      const answers got = flags(mixprec::isnan(x), mixprec::isinf(x), mixprec::isfinite(x),
                                mixprec::isnormal(x), mixprec::signbit(x), (mixprec::iszero)(x),
                                (mixprec::issubnormal)(x), mixprec::fpclassify(x));
      if (!(want == got)) {
        wrong.add("code " + mixprec_test::hex(u) + " want " + to_string(want) + " got " +
                  to_string(got));
      }
    };
    for (std::uint64_t u = 0; u < (std::uint64_t{1} << 32); u += 7919u) {
      check(static_cast<std::uint32_t>(u));
    }
    for (std::uint32_t s = 0; s < 2; ++s) {
      for (std::uint32_t e = 0; e < 256; ++e) {
        for (std::uint32_t m : {0x0u, 0x1u, 0x400000u, 0x7FFFFFu}) check((s << 31) | (e << 23) | m);
      }
    }
    CHECK_MESSAGE(wrong.empty(), wrong.str());
  }
}
