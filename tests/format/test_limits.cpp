// std::numeric_limits and std::hash of floating types, against values found by brute force
// over every code with the reference decoder (formats of at most 19 code bits) or, for float32,
// against std::numeric_limits<float>.
#include <doctest/doctest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>

#include "reference.hpp"

namespace {

namespace fm = mixprec::formats;
using mixprec::floating;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;
using mixprec_test::value_class;

using half_tz = floating<fm::fp16, rounding::toward_zero>;
using half_flush =
    floating<fm::fp16, rounding::nearest_even, overflow::standard, subnormals::flush>;
using half_stochastic = floating<fm::fp16, rounding::stochastic>;
using bf16_up_sat = floating<fm::bf16, rounding::upward, overflow::saturate>;
using e4m3_down_flush =
    floating<fm::e4m3, rounding::downward, overflow::standard, subnormals::flush>;
using e5m2_away = floating<fm::e5m2, rounding::nearest_away>;
using ieee34_odd = floating<fm::ieee<3, 4>, rounding::to_odd>;
using ieee69 = floating<fm::ieee<6, 9>>;
using ieee21 = floating<fm::ieee<2, 1>>;
using ieee823 = floating<fm::ieee<8, 23>, rounding::toward_zero>;
using e8m0_sat = floating<fm::e8m0, rounding::nearest_even, overflow::saturate>;
using tf32_flush =
    floating<fm::tf32, rounding::nearest_even, overflow::standard, subnormals::flush>;

#define MIXPREC_TEST_LIMITS_TYPES                                                                  \
  mixprec::half, mixprec::bfloat16, mixprec::tfloat32, mixprec::float8_e4m3, mixprec::float8_e5m2, \
      mixprec::float8_e4m3fnuz, mixprec::float8_e5m2fnuz, mixprec::float6_e3m2,                    \
      mixprec::float6_e2m3, mixprec::float4_e2m1, mixprec::float8_e8m0, half_tz, half_flush,       \
      half_stochastic, bf16_up_sat, e4m3_down_flush, e5m2_away, ieee34_odd, ieee69, ieee21,        \
      e8m0_sat, tf32_flush

/// What a brute-force walk over every code finds.
struct brute {
  double max = -INFINITY;          // largest finite value
  double lowest = INFINITY;        // smallest finite value
  double min_normal = INFINITY;    // smallest positive normal value
  double min_positive = INFINITY;  // smallest positive value (denorm_min)
  double above_one = INFINITY;     // smallest value > 1
  std::uint64_t in_one_two = 0;    // codes with value in [1, 2)
  bool has_inf = false, has_nan = false, has_snan = false, has_subnormal = false;
  std::uint32_t inf_code = 0;
};

brute walk(const mixprec_test::format_desc& f, bool flush) {
  brute b;
  for (std::uint64_t i = 0; i < f.code_count(); ++i) {
    const std::uint32_t code = f.code_at(i);
    const mixprec_test::decoded d = mixprec_test::decode(f, code, flush);
    switch (d.cls) {
      case value_class::nan:
        b.has_nan = true;
        // A signalling NaN: IEEE-style encoding with the quiet (top mantissa) bit clear.
        if (f.nan == mixprec_test::nan_kind::ieee && !mixprec_test::quiet_bit(f, code)) {
          b.has_snan = true;
        }
        continue;
      case value_class::infinite:
        b.has_inf = true;
        if (d.value > 0) b.inf_code = code;
        continue;
      case value_class::subnormal:
        b.has_subnormal = true;
        break;
      case value_class::normal:
        if (d.value > 0 && d.value < b.min_normal) b.min_normal = d.value;
        break;
      case value_class::zero:
        break;
    }
    const double v = d.value;
    if (v > b.max) b.max = v;
    if (v < b.lowest) b.lowest = v;
    if (v > 0 && v < b.min_positive) b.min_positive = v;
    if (v > 1 && v < b.above_one) b.above_one = v;
    if (v >= 1 && v < 2) ++b.in_one_two;
  }
  return b;
}

/// Largest d with 10^d <= 2^p (exact integer arithmetic, p <= 60).
int digits10_of(int p) {
  int d = 0;
  std::uint64_t ten = 10;
  while (ten <= (std::uint64_t{1} << p)) {
    ++d;
    ten *= 10;
  }
  return d;
}

/// 1 + the smallest n with 10^n >= 2^p, i.e. ceil(1 + p log10 2) (2^p is never a power of ten).
int max_digits10_of(int p) {
  int n = 0;
  std::uint64_t ten = 1;
  while (ten < (std::uint64_t{1} << p)) {
    ++n;
    ten *= 10;
  }
  return n + 1;
}

/// The value of a library value, decoded by the reference (with the type's flush rule).
template <class T>
mixprec_test::decoded value_of(T x) {
  using I = mixprec_test::type_info<T>;
  return mixprec_test::decode(I::desc, mixprec_test::code_of(x), I::flush);
}

std::float_round_style expected_round_style(mixprec::rounding r) {
  switch (r) {
    case rounding::nearest_even:
      return std::round_to_nearest;
    case rounding::toward_zero:
      return std::round_toward_zero;
    case rounding::upward:
      return std::round_toward_infinity;
    case rounding::downward:
      return std::round_toward_neg_infinity;
    default:
      return std::round_indeterminate;
  }
}

/// Members that are the same for every floating type.
template <class T>
void check_fixed_members() {
  using L = std::numeric_limits<T>;
  CHECK(L::is_specialized);
  CHECK(L::radix == 2);
  CHECK(!L::is_integer);
  CHECK(!L::is_exact);
  CHECK(L::is_bounded);
  CHECK(!L::is_modulo);
  CHECK(!L::traps);
  CHECK(!L::tinyness_before);
}

}  // namespace

TEST_SUITE("limits") {
  TEST_CASE_TEMPLATE("numeric_limits against a brute-force walk over every code", T,
                     MIXPREC_TEST_LIMITS_TYPES) {
    using I = mixprec_test::type_info<T>;
    using L = std::numeric_limits<T>;
    const mixprec_test::format_desc& f = I::desc;
    const brute b = walk(f, I::flush);
    INFO("format " << f.name);

    check_fixed_members<T>();

    // Values, decoded by the reference.
    CHECK(value_of(L::max()).value == b.max);
    CHECK(value_of(L::lowest()).value == b.lowest);
    CHECK(value_of(L::min()).value == b.min_normal);
    CHECK(value_of(L::denorm_min()).value == b.min_positive);
    CHECK(value_of(L::epsilon()).value == b.above_one - 1.0);
    const double want_round_error =
        (I::lib_r == rounding::nearest_even || I::lib_r == rounding::nearest_away) ? 0.5 : 1.0;
    CHECK(value_of(L::round_error()).value == want_round_error);

    // Precision and exponents.
    int log2_count = 0;
    while ((std::uint64_t{1} << log2_count) < b.in_one_two) ++log2_count;
    REQUIRE((std::uint64_t{1} << log2_count) == b.in_one_two);
    const int digits = log2_count + 1;
    CHECK(L::digits == digits);
    CHECK(L::digits10 == digits10_of(digits - 1));
    CHECK(L::max_digits10 == max_digits10_of(digits));
    CHECK(L::min_exponent == std::ilogb(b.min_normal) + 1);
    CHECK(L::max_exponent == std::ilogb(b.max) + 1);
    CHECK(L::min_exponent10 == static_cast<int>(std::ceil(std::log10(b.min_normal))));
    CHECK(L::max_exponent10 == static_cast<int>(std::floor(std::log10(b.max))));

    // Special values.
    CHECK(L::is_signed == (b.lowest < 0));
    CHECK(L::has_infinity == b.has_inf);
    CHECK(L::has_quiet_NaN == b.has_nan);
    CHECK(L::has_signaling_NaN == b.has_snan);
    CHECK(L::has_denorm == (b.has_subnormal ? std::denorm_present : std::denorm_absent));
    const bool iec559 = f.nan == mixprec_test::nan_kind::ieee &&
                        I::lib_r == rounding::nearest_even &&
                        I::o == mixprec_test::omode::standard && !I::flush;
    CHECK(L::is_iec559 == iec559);
    CHECK(L::round_style == expected_round_style(I::lib_r));

    if (b.has_inf) {
      CHECK(mixprec_test::code_of(L::infinity()) == b.inf_code);
    } else {
      CHECK(mixprec_test::code_of(L::infinity()) == 0);
    }
    if (b.has_nan) {
      const std::uint32_t q = mixprec_test::code_of(L::quiet_NaN());
      CHECK(mixprec_test::is_nan_code(f, q));
      if (f.nan == mixprec_test::nan_kind::ieee) {
        CHECK(mixprec_test::quiet_bit(f, q));
      }
    } else {
      CHECK(mixprec_test::code_of(L::quiet_NaN()) == 0);
    }
    if (b.has_snan) {
      const std::uint32_t s = mixprec_test::code_of(L::signaling_NaN());
      CHECK(mixprec_test::is_nan_code(f, s));
      CHECK(!mixprec_test::quiet_bit(f, s));
    } else {
      CHECK(mixprec_test::code_of(L::signaling_NaN()) == 0);
    }

    // cv-qualified types use the same limits (the standard's forwarding specialisations).
    CHECK(std::numeric_limits<const T>::max().bits() == L::max().bits());
    CHECK(std::numeric_limits<const T>::digits == L::digits);
  }

  TEST_CASE("float32 and ieee<8,23> limits equal std::numeric_limits<float>") {
    using F = std::numeric_limits<float>;
    auto bits = [](float x) { return std::bit_cast<std::uint32_t>(x); };
    {
      using L = std::numeric_limits<mixprec::float32>;
      check_fixed_members<mixprec::float32>();
      CHECK(L::max().bits() == bits(F::max()));
      CHECK(L::min().bits() == bits(F::min()));
      CHECK(L::lowest().bits() == bits(F::lowest()));
      CHECK(L::denorm_min().bits() == bits(F::denorm_min()));
      CHECK(L::epsilon().bits() == bits(F::epsilon()));
      CHECK(L::round_error().bits() == bits(F::round_error()));
      CHECK(L::infinity().bits() == bits(F::infinity()));
      CHECK(std::isnan(static_cast<float>(L::quiet_NaN())));
      CHECK(std::isnan(static_cast<float>(L::signaling_NaN())));
      CHECK((L::signaling_NaN().bits() & 0x400000u) == 0);
      CHECK(L::digits == F::digits);
      CHECK(L::digits10 == F::digits10);
      CHECK(L::max_digits10 == F::max_digits10);
      CHECK(L::min_exponent == F::min_exponent);
      CHECK(L::max_exponent == F::max_exponent);
      CHECK(L::min_exponent10 == F::min_exponent10);
      CHECK(L::max_exponent10 == F::max_exponent10);
      CHECK(L::has_infinity);
      CHECK(L::has_quiet_NaN);
      CHECK(L::has_signaling_NaN);
      CHECK(L::has_denorm == std::denorm_present);
      CHECK(L::is_iec559);
      CHECK(L::is_signed);
      CHECK(L::round_style == std::round_to_nearest);
      CHECK(L::digits == FLT_MANT_DIG);
      CHECK(L::min_exponent10 == FLT_MIN_10_EXP);
    }
    {
      using L = std::numeric_limits<ieee823>;  // toward_zero
      CHECK(L::max().bits() == bits(F::max()));
      CHECK(L::denorm_min().bits() == bits(F::denorm_min()));
      CHECK(L::round_error().bits() == bits(1.0f));
      CHECK(L::round_style == std::round_toward_zero);
      CHECK(!L::is_iec559);
    }
  }

  TEST_CASE("compile-time limits (hand-derived)") {
    using L = std::numeric_limits<mixprec::half>;
    static_assert(L::max().bits() == 0x7BFF);
    static_assert(L::min().bits() == 0x0400);
    static_assert(L::lowest().bits() == 0xFBFF);
    static_assert(L::denorm_min().bits() == 0x0001);
    static_assert(L::epsilon().bits() == 0x1400);  // 2^-10
    static_assert(L::infinity().bits() == 0x7C00);
    static_assert(L::digits == 11 && L::digits10 == 3 && L::max_digits10 == 5);
    static_assert(L::min_exponent == -13 && L::max_exponent == 16);
    static_assert(L::min_exponent10 == -4 && L::max_exponent10 == 4);
    using E4 = std::numeric_limits<mixprec::float8_e4m3>;
    static_assert(E4::max().bits() == 0x7E && E4::lowest().bits() == 0xFE);
    static_assert(!E4::has_infinity && E4::has_quiet_NaN && !E4::has_signaling_NaN);
    static_assert(E4::max_exponent == 9 && E4::max_exponent10 == 2);
    using E8 = std::numeric_limits<mixprec::float8_e8m0>;
    static_assert(E8::max().bits() == 0xFE && E8::min().bits() == 0x00);
    static_assert(E8::lowest().bits() == 0x00 && E8::denorm_min().bits() == 0x00);
    static_assert(!E8::is_signed && E8::digits == 1 && E8::digits10 == 0);
    static_assert(E8::max_digits10 == 2);
    static_assert(E8::epsilon().bits() == 0x7F);  // 1
    using F4 = std::numeric_limits<mixprec::float4_e2m1>;
    static_assert(F4::max().bits() == 0x7 && F4::denorm_min().bits() == 0x1);
    static_assert(!F4::has_quiet_NaN && F4::quiet_NaN().bits() == 0);
    using HF = std::numeric_limits<half_flush>;
    static_assert(HF::denorm_min().bits() == 0x0400 && HF::has_denorm == std::denorm_absent);
    CHECK(L::max().bits() == 0x7BFF);
  }

  TEST_CASE_TEMPLATE("std::hash: equal values hash equally", T, MIXPREC_TEST_LIMITS_TYPES) {
    using I = mixprec_test::type_info<T>;
    const mixprec_test::format_desc& f = I::desc;
    const std::hash<T> h;
    std::map<double, std::size_t> hash_of_value;
    mixprec_test::mismatches wrong;
    std::uint64_t zeros = 0;
    for (std::uint64_t i = 0; i < f.code_count(); ++i) {
      const std::uint32_t code = f.code_at(i);
      const mixprec_test::decoded d = mixprec_test::decode(f, code, I::flush);
      if (d.cls == value_class::nan) continue;
      if (d.cls == value_class::zero) ++zeros;
      const std::size_t hv = h(mixprec_test::make<T>(code));
      // std::map compares doubles with <, so -0.0 and +0.0 are the same key.
      const auto [it, inserted] = hash_of_value.emplace(d.value, hv);
      if (!inserted && it->second != hv) {
        wrong.add("code " + mixprec_test::hex(code) + " hashes apart from an equal value");
      }
    }
    CHECK_MESSAGE(wrong.empty(), wrong.str());
    // The walk did compare equal values where the type has them.
    const bool has_minus_zero =
        f.has_sub && f.is_signed && f.nan != mixprec_test::nan_kind::negative_zero;
    CHECK((zeros >= 2) == (has_minus_zero || (I::flush && f.has_sub)));
  }

  TEST_CASE("std::hash of float32 and tf32 zeros") {
    CHECK(std::hash<mixprec::float32>{}(mixprec::float32::from_bits(0x80000000u)) ==
          std::hash<mixprec::float32>{}(mixprec::float32::from_bits(0)));
    CHECK(std::hash<tf32_flush>{}(tf32_flush::from_bits(0x80002000u)) ==
          std::hash<tf32_flush>{}(tf32_flush::from_bits(0)));
  }
}
