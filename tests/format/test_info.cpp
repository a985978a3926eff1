// format_info, all_values and sorted_finite_values against independently derived values: the
// constants written out by hand from each format's definition (docs/formats.md, section 2), the
// number of finite codes counted by brute force with a decoder written here (plain integer
// fields and std::ldexp, nothing from the library), and the values of e2m1 listed by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mixprec/format/info.hpp>
#include <mixprec/mixprec.hpp>
#include <set>
#include <vector>

namespace {

namespace fm = mixprec::formats;
using mixprec::floating;
using mixprec::format_info;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;

// ---------------------------------------------------------------------------
// An independent decoder: a format as plain numbers, a code decoded with std::ldexp.

enum class nan_rule { ieee, all_ones, negative_zero, none };

struct layout {
  int e, m, bias;
  bool is_signed, has_inf;
  nan_rule nan;
  bool has_sub;
  int pad;
};

constexpr layout fp16_l{5, 10, 15, true, true, nan_rule::ieee, true, 0};
constexpr layout bf16_l{8, 7, 127, true, true, nan_rule::ieee, true, 0};
constexpr layout tf32_l{8, 10, 127, true, true, nan_rule::ieee, true, 13};
constexpr layout e4m3_l{4, 3, 7, true, false, nan_rule::all_ones, true, 0};
constexpr layout e5m2_l{5, 2, 15, true, true, nan_rule::ieee, true, 0};
constexpr layout e4m3fnuz_l{4, 3, 8, true, false, nan_rule::negative_zero, true, 0};
constexpr layout e5m2fnuz_l{5, 2, 16, true, false, nan_rule::negative_zero, true, 0};
constexpr layout e3m2_l{3, 2, 3, true, false, nan_rule::none, true, 0};
constexpr layout e2m3_l{2, 3, 1, true, false, nan_rule::none, true, 0};
constexpr layout e2m1_l{2, 1, 1, true, false, nan_rule::none, true, 0};
constexpr layout e8m0_l{8, 0, 127, false, false, nan_rule::all_ones, false, 0};
constexpr layout ieee34_l{3, 4, 3, true, true, nan_rule::ieee, true, 0};

enum class kind { finite, infinite, nan };

struct decoded {
  kind k;
  double value;  // exact, signed zero kept
};

// Decodes the unpadded code index i (0 <= i < 2^(sign + e + m)); `flush`: subnormals read as 0.
decoded decode(const layout& f, std::uint32_t i, bool flush = false) {
  const std::uint32_t man = i & ((1u << f.m) - 1);
  const std::uint32_t exp = (i >> f.m) & ((1u << f.e) - 1);
  const bool sign = f.is_signed && ((i >> (f.e + f.m)) & 1u) != 0;
  const std::uint32_t exp_ones = (1u << f.e) - 1;
  const std::uint32_t man_ones = (1u << f.m) - 1;
  switch (f.nan) {
    case nan_rule::ieee:
      if (exp == exp_ones) return {man == 0 ? kind::infinite : kind::nan, 0.0};
      break;
    case nan_rule::all_ones:
      if (exp == exp_ones && man == man_ones) return {kind::nan, 0.0};
      break;
    case nan_rule::negative_zero:
      if (sign && exp == 0 && man == 0) return {kind::nan, 0.0};
      break;
    case nan_rule::none:
      break;
  }
  double magnitude = 0;
  if (f.has_sub && exp == 0) {
    magnitude = flush ? 0.0 : std::ldexp(static_cast<double>(man), 1 - f.bias - f.m);
  } else {
    magnitude =
        std::ldexp(static_cast<double>(man + (1u << f.m)), static_cast<int>(exp) - f.bias - f.m);
  }
  return {kind::finite, sign ? -magnitude : magnitude};
}

std::uint64_t code_count(const layout& f) {
  return std::uint64_t{1} << ((f.is_signed ? 1 : 0) + f.e + f.m);
}

std::uint64_t brute_force_finite_count(const layout& f) {
  std::uint64_t n = 0;
  for (std::uint64_t i = 0; i < code_count(f); ++i) {
    n += decode(f, static_cast<std::uint32_t>(i)).k == kind::finite ? 1 : 0;
  }
  return n;
}

// The distinct finite values, increasing (-0 merged with +0), by the independent decoder.
std::vector<double> brute_force_sorted(const layout& f, bool flush = false) {
  std::set<double> values;
  for (std::uint64_t i = 0; i < code_count(f); ++i) {
    const decoded d = decode(f, static_cast<std::uint32_t>(i), flush);
    if (d.k == kind::finite) values.insert(d.value == 0 ? 0.0 : d.value);
  }
  return {values.begin(), values.end()};
}

template <class Info>
void check_layout(const layout& f) {
  CHECK(Info::exponent_bits == f.e);
  CHECK(Info::mantissa_bits == f.m);
  CHECK(Info::bias == f.bias);
  CHECK(Info::precision == f.m + 1);
  CHECK(Info::bits == (f.is_signed ? 1 : 0) + f.e + f.m);
  CHECK(Info::padding_bits == f.pad);
  CHECK(Info::is_signed == f.is_signed);
  CHECK(Info::has_infinity == f.has_inf);
  CHECK(Info::has_subnormals == f.has_sub);
  CHECK(Info::code_count == code_count(f));
  CHECK(Info::finite_count == brute_force_finite_count(f));
}

}  // namespace

TEST_SUITE("format/info") {
  TEST_CASE("fp16: hand-derived constants") {
    using I = format_info<fm::fp16>;
    static_assert(I::max == 65504.0);
    CHECK(std::strcmp(I::name, "fp16") == 0);
    CHECK(I::exponent_bits == 5);
    CHECK(I::mantissa_bits == 10);
    CHECK(I::bias == 15);
    CHECK(I::precision == 11);
    CHECK(I::bits == 16);
    CHECK(I::storage_bits == 16);
    CHECK(I::min_exponent == -14);
    CHECK(I::max_exponent == 15);
    CHECK(I::max == 65504.0);
    CHECK(I::min_normal == 0.00006103515625);               // 2^-14
    CHECK(I::min_subnormal == 0.000000059604644775390625);  // 2^-24
    CHECK(I::epsilon == 0.0009765625);                      // 2^-10
    CHECK(I::decimal_digits == 3);
    CHECK(I::max_decimal_digits == 5);
    CHECK(I::finite_count == 63488);  // 2^16 - 2 * 2^10 (exponent 11111, both signs)
    CHECK(I::nan_count == 2046);
    CHECK(I::infinity_count == 2);
    CHECK(I::has_infinity);
    CHECK(I::has_nan);
    CHECK(I::has_zero);
    CHECK(I::has_negative_zero);
    CHECK(I::has_subnormals);
    CHECK(I::is_signed);
    CHECK(I::nan == mixprec::nan_style::ieee);
    check_layout<I>(fp16_l);
  }

  TEST_CASE("a floating type means its format") {
    using A = format_info<mixprec::half>;
    using B = format_info<floating<fm::fp16, rounding::upward, overflow::saturate>>;
    CHECK(std::strcmp(A::name, "fp16") == 0);
    CHECK(A::max == 65504.0);
    CHECK(B::finite_count == 63488);
    CHECK(B::epsilon == 0.0009765625);
  }

  TEST_CASE("bf16, fp32, tf32") {
    using B = format_info<fm::bf16>;
    CHECK(B::max == std::ldexp(255.0, 120));  // (2 - 2^-7) * 2^127
    CHECK(B::min_normal == std::ldexp(1.0, -126));
    CHECK(B::min_subnormal == std::ldexp(1.0, -133));
    CHECK(B::epsilon == 0.0078125);
    CHECK(B::decimal_digits == 2);
    CHECK(B::finite_count == 65280);  // 2^16 - 2 * 2^7
    check_layout<B>(bf16_l);

    using S = format_info<fm::fp32>;
    CHECK(S::max == static_cast<double>(std::numeric_limits<float>::max()));
    CHECK(S::min_normal == static_cast<double>(std::numeric_limits<float>::min()));
    CHECK(S::min_subnormal == static_cast<double>(std::numeric_limits<float>::denorm_min()));
    CHECK(S::epsilon == static_cast<double>(std::numeric_limits<float>::epsilon()));
    CHECK(S::decimal_digits == std::numeric_limits<float>::digits10);
    CHECK(S::max_decimal_digits == std::numeric_limits<float>::max_digits10);
    CHECK(S::finite_count == 4278190080ULL);  // 2^32 - 2 * 2^23
    CHECK(S::storage_bits == 32);

    using T = format_info<fm::tf32>;
    CHECK(T::bits == 19);
    CHECK(T::padding_bits == 13);
    CHECK(T::storage_bits == 32);
    CHECK(T::max == std::ldexp(2047.0, 117));  // (2 - 2^-10) * 2^127
    CHECK(T::min_subnormal == std::ldexp(1.0, -136));
    CHECK(T::finite_count == 522240);  // 2^19 - 2 * 2^10
    check_layout<T>(tf32_l);
  }

  TEST_CASE("8-bit formats") {
    using A = format_info<fm::e4m3>;
    CHECK(A::max == 448.0);
    CHECK(A::min_normal == 0.015625);
    CHECK(A::min_subnormal == 0.001953125);
    CHECK(A::epsilon == 0.125);
    CHECK(A::decimal_digits == 0);
    CHECK(A::finite_count == 254);  // all but 0x7F and 0xFF
    CHECK(A::nan_count == 2);
    CHECK(!A::has_infinity);
    CHECK(A::has_nan);
    CHECK(A::has_negative_zero);
    check_layout<A>(e4m3_l);

    using B = format_info<fm::e5m2>;
    CHECK(B::max == 57344.0);
    CHECK(B::min_subnormal == std::ldexp(1.0, -16));
    CHECK(B::finite_count == 248);  // 256 - 2 * 4
    check_layout<B>(e5m2_l);

    using C = format_info<fm::e4m3fnuz>;
    CHECK(C::max == 240.0);
    CHECK(C::min_normal == 0.0078125);
    CHECK(C::min_subnormal == 0.0009765625);
    CHECK(C::finite_count == 255);  // all but 0x80
    CHECK(!C::has_negative_zero);
    CHECK(C::has_nan);
    check_layout<C>(e4m3fnuz_l);

    using D = format_info<fm::e5m2fnuz>;
    CHECK(D::max == 57344.0);
    CHECK(D::min_normal == std::ldexp(1.0, -15));
    CHECK(D::min_subnormal == std::ldexp(1.0, -17));
    CHECK(D::finite_count == 255);
    check_layout<D>(e5m2fnuz_l);

    using E = format_info<fm::e8m0>;
    CHECK(E::bits == 8);
    CHECK(E::precision == 1);
    CHECK(E::max == std::ldexp(1.0, 127));
    CHECK(E::min_normal == std::ldexp(1.0, -127));
    CHECK(E::min_subnormal == E::min_normal);
    CHECK(E::epsilon == 1.0);
    CHECK(E::finite_count == 255);  // all but 0xFF
    CHECK(!E::is_signed);
    CHECK(!E::has_zero);
    CHECK(!E::has_negative_zero);
    CHECK(!E::has_subnormals);
    CHECK(E::min_exponent == -127);
    CHECK(E::max_exponent == 127);
    check_layout<E>(e8m0_l);

    using G = format_info<fm::ieee<3, 4>>;
    CHECK(G::max == 15.5);
    CHECK(G::min_normal == 0.25);
    CHECK(G::min_subnormal == std::ldexp(1.0, -6));
    CHECK(G::finite_count == 224);  // 256 - 2 * 16
    check_layout<G>(ieee34_l);
  }

  TEST_CASE("6- and 4-bit formats: every code is finite") {
    using A = format_info<fm::e3m2>;
    CHECK(A::max == 28.0);
    CHECK(A::min_normal == 0.25);
    CHECK(A::min_subnormal == 0.0625);
    CHECK(A::finite_count == 64);
    CHECK(A::storage_bits == 8);
    CHECK(!A::has_nan);
    check_layout<A>(e3m2_l);

    using B = format_info<fm::e2m3>;
    CHECK(B::max == 7.5);
    CHECK(B::min_normal == 1.0);
    CHECK(B::min_subnormal == 0.125);
    CHECK(B::finite_count == 64);
    check_layout<B>(e2m3_l);

    using C = format_info<fm::e2m1>;
    CHECK(C::bits == 4);
    CHECK(C::max == 6.0);
    CHECK(C::min_normal == 1.0);
    CHECK(C::min_subnormal == 0.5);
    CHECK(C::epsilon == 0.5);
    CHECK(C::finite_count == 16);
    check_layout<C>(e2m1_l);
  }

  TEST_CASE("all_values: e2m1 by hand") {
    constexpr auto v = mixprec::all_values<mixprec::float4_e2m1>();
    static_assert(v.size() == 16);
    static_assert(v[7].bits() == 7 && static_cast<double>(v[7]) == 6.0);
    const double hand[16] = {0,  0.5,  1,  1.5,  2,  3,  4,  6,  //
                             -0, -0.5, -1, -1.5, -2, -3, -4, -6};
    for (std::size_t i = 0; i < 16; ++i) {
      CAPTURE(i);
      CHECK(v[i].bits() == i);
      CHECK(static_cast<double>(v[i]) == hand[i]);
      CHECK(std::signbit(static_cast<double>(v[i])) == (i >= 8));
    }
  }

  TEST_CASE("all_values: sizes and code order") {
    CHECK(mixprec::all_values<mixprec::float8_e4m3>().size() == 256);
    CHECK(mixprec::all_values<mixprec::float8_e5m2>().size() == 256);
    CHECK(mixprec::all_values<mixprec::float8_e4m3fnuz>().size() == 256);
    CHECK(mixprec::all_values<mixprec::float8_e5m2fnuz>().size() == 256);
    CHECK(mixprec::all_values<mixprec::float8_e8m0>().size() == 256);
    CHECK(mixprec::all_values<mixprec::float6_e3m2>().size() == 64);
    CHECK(mixprec::all_values<mixprec::float6_e2m3>().size() == 64);
    CHECK(mixprec::all_values<floating<fm::ieee<3, 4>>>().size() == 256);
    const auto e4m3 = mixprec::all_values<mixprec::float8_e4m3>();
    for (std::uint32_t i = 0; i < 256; ++i) {
      CAPTURE(i);
      CHECK(e4m3[i].bits() == i);
      const decoded d = decode(e4m3_l, i);
      CHECK(mixprec::isnan(e4m3[i]) == (d.k == kind::nan));
      if (d.k == kind::finite) CHECK(static_cast<double>(e4m3[i]) == d.value);
    }
  }

  TEST_CASE("sorted_finite_values: e2m1 by hand") {
    constexpr auto v = mixprec::sorted_finite_values<mixprec::float4_e2m1>();
    static_assert(v.size() == 15);
    static_assert(static_cast<double>(v[14]) == 6.0);
    const double hand[15] = {-6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4, 6};
    for (std::size_t i = 0; i < 15; ++i) {
      CAPTURE(i);
      CHECK(static_cast<double>(v[i]) == hand[i]);
    }
    CHECK(v[7].bits() == 0);  // +0, not -0
    // The nonnegative values of FP4: {0, 0.5, 1, 1.5, 2, 3, 4, 6}.
    const double positive[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
    for (std::size_t i = 0; i < 8; ++i) CHECK(static_cast<double>(v[7 + i]) == positive[i]);
  }

  TEST_CASE("sorted_finite_values: counts and order against the brute-force decoder") {
    const auto check = [](const auto& values, const layout& f, std::size_t count,
                          bool flush = false) {
      const std::vector<double> expected = brute_force_sorted(f, flush);
      REQUIRE(values.size() == count);
      REQUIRE(expected.size() == count);
      for (std::size_t i = 0; i < count; ++i) {
        CAPTURE(i);
        CHECK(static_cast<double>(values[i]) == expected[i]);
        const double x = static_cast<double>(values[i]);
        if (x == 0) CHECK(!std::signbit(x));  // the zero is +0
      }
    };
    check(mixprec::sorted_finite_values<mixprec::float8_e4m3>(), e4m3_l, 253);  // 254 - (-0)
    check(mixprec::sorted_finite_values<mixprec::float8_e5m2>(), e5m2_l, 247);
    check(mixprec::sorted_finite_values<mixprec::float8_e4m3fnuz>(), e4m3fnuz_l, 255);
    check(mixprec::sorted_finite_values<mixprec::float8_e5m2fnuz>(), e5m2fnuz_l, 255);
    check(mixprec::sorted_finite_values<mixprec::float6_e3m2>(), e3m2_l, 63);
    check(mixprec::sorted_finite_values<mixprec::float6_e2m3>(), e2m3_l, 63);
    check(mixprec::sorted_finite_values<mixprec::float8_e8m0>(), e8m0_l, 255);
    check(mixprec::sorted_finite_values<floating<fm::ieee<3, 4>>>(), ieee34_l, 223);
    // Flushing types: the 7 + 7 subnormal codes of e4m3 read as zero and are left out.
    using e4m3_flush =
        floating<fm::e4m3, rounding::nearest_even, overflow::standard, subnormals::flush>;
    check(mixprec::sorted_finite_values<e4m3_flush>(), e4m3_l, 239, true);
  }

  TEST_CASE("sorted_finite_values: e2m3 and e8m0 ends") {
    const auto a = mixprec::sorted_finite_values<mixprec::float6_e2m3>();
    CHECK(static_cast<double>(a.front()) == -7.5);
    CHECK(static_cast<double>(a[30]) == -0.125);
    CHECK(static_cast<double>(a[31]) == 0.0);
    CHECK(static_cast<double>(a[32]) == 0.125);
    CHECK(static_cast<double>(a[39]) == 1.0);  // 7 subnormals, then the smallest normal
    CHECK(static_cast<double>(a.back()) == 7.5);
    const auto b = mixprec::sorted_finite_values<mixprec::float8_e8m0>();
    CHECK(static_cast<double>(b.front()) == std::ldexp(1.0, -127));
    CHECK(static_cast<double>(b[127]) == 1.0);
    CHECK(static_cast<double>(b.back()) == std::ldexp(1.0, 127));
  }
}
