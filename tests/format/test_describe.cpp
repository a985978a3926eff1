// describe() against independently derived values: fields, classes and decimal strings worked
// out by hand for chosen codes (half 1.0, 1/3, 0x0001, max, infinity, NaN, -0; e4m3 448; e8m0;
// the fnuz NaN; e2m1; tf32), the one-line summary written out in full, and, for every code of
// fp16 and of every format of 8 bits or fewer, the exact value, the ulp and both neighbours
// compared with a decoder written here (std::ldexp on plain integer fields) whose doubles are
// printed exactly with printf (glibc prints every digit of a double exactly).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <mixprec/format/describe.hpp>
#include <mixprec/mixprec.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fm = mixprec::formats;
using mixprec::describe;
using mixprec::description;
using mixprec::floating;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;

// ---------------------------------------------------------------------------
// An independent model: a format as plain numbers, codes decoded with std::ldexp.

enum class nan_rule { ieee, all_ones, negative_zero, none };

struct layout {
  int e, m, bias;
  bool is_signed, has_inf;
  nan_rule nan;
  bool has_sub;
};

constexpr layout fp16_l{5, 10, 15, true, true, nan_rule::ieee, true};
constexpr layout e4m3_l{4, 3, 7, true, false, nan_rule::all_ones, true};
constexpr layout e5m2_l{5, 2, 15, true, true, nan_rule::ieee, true};
constexpr layout e4m3fnuz_l{4, 3, 8, true, false, nan_rule::negative_zero, true};
constexpr layout e5m2fnuz_l{5, 2, 16, true, false, nan_rule::negative_zero, true};
constexpr layout e3m2_l{3, 2, 3, true, false, nan_rule::none, true};
constexpr layout e2m3_l{2, 3, 1, true, false, nan_rule::none, true};
constexpr layout e2m1_l{2, 1, 1, true, false, nan_rule::none, true};
constexpr layout e8m0_l{8, 0, 127, false, false, nan_rule::all_ones, false};
constexpr layout ieee34_l{3, 4, 3, true, true, nan_rule::ieee, true};

enum class kind { zero, subnormal, normal, infinite, nan };

struct decoded {
  kind k;
  double value;  // exact; signed zero, +-inf; 0 for NaN
};

decoded decode(const layout& f, std::uint32_t i) {
  const std::uint32_t man = i & ((1u << f.m) - 1);
  const std::uint32_t exp = (i >> f.m) & ((1u << f.e) - 1);
  const bool sign = f.is_signed && ((i >> (f.e + f.m)) & 1u) != 0;
  const std::uint32_t exp_ones = (1u << f.e) - 1;
  const double s = sign ? -1.0 : 1.0;
  if (f.nan == nan_rule::ieee && exp == exp_ones) {
    return man == 0 ? decoded{kind::infinite, s * HUGE_VAL} : decoded{kind::nan, 0};
  }
  if (f.nan == nan_rule::all_ones && exp == exp_ones && man == (1u << f.m) - 1) {
    return {kind::nan, 0};
  }
  if (f.nan == nan_rule::negative_zero && sign && exp == 0 && man == 0) return {kind::nan, 0};
  if (f.has_sub && exp == 0) {
    return {man == 0 ? kind::zero : kind::subnormal,
            s * std::ldexp(static_cast<double>(man), 1 - f.bias - f.m)};
  }
  return {kind::normal, s * std::ldexp(static_cast<double>(man + (1u << f.m)),
                                       static_cast<int>(exp) - f.bias - f.m)};
}

std::uint32_t code_count(const layout& f) { return 1u << ((f.is_signed ? 1 : 0) + f.e + f.m); }

// Every digit of a double, fixed notation, no trailing zeros ("-0" for -0).
std::string exact(double x) {
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  std::vector<char> buf(1500);
  std::snprintf(buf.data(), buf.size(), "%.1100f", x);
  std::string s = buf.data();
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

const char* kind_name(kind k) {
  switch (k) {
    case kind::zero:
      return "zero";
    case kind::subnormal:
      return "subnormal";
    case kind::normal:
      return "normal";
    case kind::infinite:
      return "infinity";
    case kind::nan:
      return "nan";
  }
  return "?";
}

// For every code of T: category, exact value, ulp and both neighbours against the model.
template <class T>
void check_every_code(const layout& f, std::uint32_t step = 1) {
  // The distinct finite values in increasing order (-0 merged into +0).
  std::set<double> set;
  for (std::uint32_t i = 0; i < code_count(f); ++i) {
    const decoded d = decode(f, i);
    if (d.k != kind::nan && d.k != kind::infinite) set.insert(d.value == 0 ? 0.0 : d.value);
  }
  const std::vector<double> sorted(set.begin(), set.end());
  const double smallest = f.has_sub ? std::ldexp(1.0, 1 - f.bias - f.m) : sorted.front();
  const int emin = f.has_sub ? 1 - f.bias : -f.bias;
  const std::string none_or_inf_up = f.has_inf ? "inf" : "none";
  const std::string none_or_inf_down = f.has_inf ? "-inf" : "none";

  for (std::uint32_t i = 0; i < code_count(f); i += step) {
    const decoded d = decode(f, i);
    const description got = describe(T::from_bits(static_cast<typename T::storage>(i)));
    CAPTURE(got.to_string());
    CHECK(got.bits == i);
    CHECK(got.category == kind_name(d.k));
    if (d.k == kind::nan) {
      CHECK(got.exact_decimal.find("nan") != std::string::npos);
      CHECK(got.ulp.empty());
      CHECK(got.previous.empty());
      CHECK(got.next.empty());
      continue;
    }
    CHECK(got.exact_decimal == exact(d.value));
    if (d.k == kind::infinite) {
      CHECK(got.ulp.empty());
      CHECK(got.previous == (d.value > 0 ? exact(sorted.back()) : "none"));
      CHECK(got.next == (d.value > 0 ? "none" : exact(sorted.front())));
      continue;
    }
    // ulp = 2^(max(floor(log2|x|), emin) - M); for zero the smallest subnormal.
    const int e = d.value == 0 ? emin : std::ilogb(d.value);
    const int q = (e < emin ? emin : e) - f.m;
    CHECK(got.ulp == exact(std::ldexp(1.0, q)));
    CHECK(got.ulp_exponent == q);
    // Neighbours in the sorted list; -0 and +0 are one value.
    const double v = d.value == 0 ? 0.0 : d.value;
    const auto it = std::lower_bound(sorted.begin(), sorted.end(), v);
    REQUIRE(it != sorted.end());
    REQUIRE(*it == v);
    const std::string prev = it == sorted.begin() ? none_or_inf_down : exact(*(it - 1));
    std::string next = it + 1 == sorted.end() ? none_or_inf_up : exact(*(it + 1));
    // The value after -smallest is -0 where -0 exists (IEEE nextUp(-denorm_min) = -0).
    if (v == -smallest && f.nan != nan_rule::negative_zero) next = "-0";
    CHECK(got.previous == prev);
    CHECK(got.next == next);
  }
}

}  // namespace

TEST_SUITE("format/describe") {
  TEST_CASE("half 1.0") {
    const description d = describe(mixprec::half(1.0));
    CHECK(d.type_name == "half");
    CHECK(d.format_name == "fp16");
    CHECK(d.bits == 0x3C00);
    CHECK(d.storage_bits == 16);
    CHECK(!d.sign);
    CHECK(d.biased_exponent == 15);
    CHECK(d.unbiased_exponent == 0);
    CHECK(d.significand == 0x400);  // 1.0000000000, hidden bit set
    CHECK(d.category == "normal");
    CHECK(d.exact_decimal == "1");
    CHECK(d.shortest_decimal == "1");
    CHECK(d.ulp == "0.0009765625");  // 2^-10
    CHECK(d.ulp_exponent == -10);
    CHECK(d.previous == "0.99951171875");  // 1 - 2^-11
    CHECK(d.next == "1.0009765625");       // 1 + 2^-10
  }

  TEST_CASE("half 1/3: every field and the one-line summary") {
    // 1/3 = 1.0101010101|0101...b * 2^-2: mantissa 0101010101 (0x155), the next bit is 0, so it
    // rounds down: code 0 01101 0101010101 = 0x3555, value 1365 / 4096.
    const description d = describe(mixprec::half(1.0 / 3));
    CHECK(d.bits == 0x3555);
    CHECK(d.biased_exponent == 13);
    CHECK(d.unbiased_exponent == -2);
    CHECK(d.significand == 0x555);  // 1365
    CHECK(d.category == "normal");
    CHECK(d.exact_decimal == "0.333251953125");
    CHECK(d.shortest_decimal == "0.3333");
    CHECK(d.ulp == "0.000244140625");     // 2^-12
    CHECK(d.previous == "0.3330078125");  // 1364 / 4096
    CHECK(d.next == "0.33349609375");     // 1366 / 4096
    CHECK(d.to_string() ==
          "half 0x3555: sign 0 | exponent 01101 (13 - 15 = -2) | significand 1.0101010101 | "
          "normal | 0.333251953125 (shortest 0.3333) | ulp 2^-12 = 0.000244140625 | "
          "prev 0.3330078125 | next 0.33349609375");
    std::ostringstream os;
    os << d;
    CHECK(os.str() == d.to_string());
  }

  TEST_CASE("half: smallest subnormal, max, infinities, NaNs, -0") {
    const auto h = [](std::uint16_t bits) { return describe(mixprec::half::from_bits(bits)); };
    const description sub = h(0x0001);
    CHECK(sub.category == "subnormal");
    CHECK(sub.biased_exponent == 0);
    CHECK(sub.unbiased_exponent == -14);
    CHECK(sub.significand == 1);                               // 0.0000000001, hidden bit 0
    CHECK(sub.exact_decimal == "0.000000059604644775390625");  // 2^-24
    CHECK(sub.ulp == "0.000000059604644775390625");
    CHECK(sub.previous == "0");
    CHECK(sub.next == "0.00000011920928955078125");  // 2^-23
    CHECK(sub.note == "smallest subnormal");
    CHECK(sub.to_string().find("exponent 00000 (subnormal: 1 - 15 = -14) | significand "
                               "0.0000000001 | subnormal") != std::string::npos);

    const description max = h(0x7BFF);
    CHECK(max.category == "normal");
    CHECK(max.significand == 0x7FF);
    CHECK(max.unbiased_exponent == 15);
    CHECK(max.exact_decimal == "65504");
    CHECK(max.ulp == "32");
    CHECK(max.previous == "65472");
    CHECK(max.next == "inf");
    CHECK(max.note == "largest finite");

    const description inf = h(0x7C00);
    CHECK(inf.category == "infinity");
    CHECK(inf.exact_decimal == "inf");
    CHECK(inf.ulp.empty());
    CHECK(inf.previous == "65504");
    CHECK(inf.next == "none");
    CHECK(inf.to_string() ==
          "half 0x7C00: sign 0 | exponent 11111 (all ones: infinity or NaN) | mantissa "
          "0000000000 | infinity | inf | prev 65504 | next none");
    const description ninf = h(0xFC00);
    CHECK(ninf.sign);
    CHECK(ninf.exact_decimal == "-inf");
    CHECK(ninf.previous == "none");
    CHECK(ninf.next == "-65504");

    const description nan = h(0x7E00);
    CHECK(nan.category == "nan");
    CHECK(nan.exact_decimal == "nan");
    CHECK(nan.note == "quiet NaN, payload 0x0");
    CHECK(nan.significand == 0x200);  // the raw mantissa field
    CHECK(nan.ulp.empty());
    CHECK(nan.previous.empty());
    CHECK(nan.next.empty());
    CHECK(nan.to_string() ==
          "half 0x7E00: sign 0 | exponent 11111 (all ones: infinity or NaN) | mantissa "
          "1000000000 | nan (quiet NaN, payload 0x0) | nan");
    CHECK(h(0xFE00).exact_decimal == "-nan");
    CHECK(h(0x7D01).note == "signalling NaN, payload 0x101");

    const description nz = h(0x8000);
    CHECK(nz.category == "zero");
    CHECK(nz.sign);
    CHECK(nz.exact_decimal == "-0");
    CHECK(nz.unbiased_exponent == -14);
    CHECK(nz.significand == 0);
    CHECK(nz.ulp == "0.000000059604644775390625");
    CHECK(nz.previous == "-0.000000059604644775390625");
    CHECK(nz.next == "0.000000059604644775390625");
  }

  TEST_CASE("half 0.1: the exact value and the shortest text") {
    const description d = describe(mixprec::half(0.1));
    CHECK(d.bits == 0x2E66);
    CHECK(d.exact_decimal == "0.0999755859375");  // 1638 / 2^14
    CHECK(d.shortest_decimal == "0.1");
    CHECK(d.to_string().find("| 0.0999755859375 (shortest 0.1) |") != std::string::npos);
  }

  TEST_CASE("e4m3: 448 and NaN") {
    const description d = describe(mixprec::float8_e4m3(448.0));
    CHECK(d.type_name == "float8_e4m3");
    CHECK(d.bits == 0x7E);
    CHECK(d.biased_exponent == 15);  // e4m3 uses exponent 1111 for numbers
    CHECK(d.unbiased_exponent == 8);
    CHECK(d.significand == 0xE);  // 1.110
    CHECK(d.exact_decimal == "448");
    CHECK(d.ulp == "32");
    CHECK(d.previous == "416");
    CHECK(d.next == "none");  // no infinity
    CHECK(d.to_string() ==
          "float8_e4m3 0x7E: sign 0 | exponent 1111 (15 - 7 = 8) | significand 1.110 | normal "
          "(largest finite) | 448 (shortest 450) | ulp 2^5 = 32 | prev 416 | next none");
    const description nan = describe(mixprec::float8_e4m3::from_bits(0x7F));
    CHECK(nan.category == "nan");
    CHECK(nan.note == "only S.1111.111 is NaN");
    CHECK(describe(mixprec::float8_e4m3::from_bits(0xFF)).exact_decimal == "-nan");
  }

  TEST_CASE("e8m0: unsigned powers of two, no zero") {
    const description one = describe(mixprec::float8_e8m0(1.0));
    CHECK(one.bits == 0x7F);
    CHECK(!one.is_signed);
    CHECK(one.biased_exponent == 127);
    CHECK(one.unbiased_exponent == 0);
    CHECK(one.significand == 1);
    CHECK(one.category == "normal");
    CHECK(one.exact_decimal == "1");
    CHECK(one.ulp == "1");
    CHECK(one.previous == "0.5");
    CHECK(one.next == "2");
    CHECK(one.to_string() ==
          "float8_e8m0 0x7F: exponent 01111111 (127 - 127 = 0) | significand 1 | normal | 1 | "
          "ulp 2^0 = 1 | prev 0.5 | next 2");

    const description low = describe(mixprec::float8_e8m0::from_bits(0x00));
    CHECK(low.category == "normal");
    CHECK(low.unbiased_exponent == -127);
    CHECK(low.exact_decimal ==
          "0.0000000000000000000000000000000000000058774717541114375398436826861112283890933277838"
          "604376075437585313920862972736358642578125");  // 2^-127
    CHECK(low.previous == "none");
    CHECK(low.note == "smallest value: no zero in this format");
    CHECK(low.to_string().find("| ulp 2^-127 = ~5.87747175e-39 | prev none | next "
                               "~1.17549435e-38") != std::string::npos);

    const description high = describe(mixprec::float8_e8m0::from_bits(0xFE));
    CHECK(high.exact_decimal == "170141183460469231731687303715884105728");  // 2^127
    CHECK(high.previous == "85070591730234615865843651857942052864");
    CHECK(high.next == "none");
    CHECK(high.ulp == "170141183460469231731687303715884105728");

    const description nan = describe(mixprec::float8_e8m0::from_bits(0xFF));
    CHECK(nan.category == "nan");
    CHECK(nan.note == "only 0xFF is NaN");
    CHECK(nan.exact_decimal == "nan");
  }

  TEST_CASE("fnuz: the -0 code is NaN, zero has one sign") {
    const description nan = describe(mixprec::float8_e4m3fnuz::from_bits(0x80));
    CHECK(nan.category == "nan");
    CHECK(nan.sign);
    CHECK(nan.exact_decimal == "nan");
    CHECK(nan.note.find("-0") != std::string::npos);
    const description zero = describe(mixprec::float8_e4m3fnuz::from_bits(0x00));
    CHECK(zero.previous == "-0.0009765625");  // 2^-10
    CHECK(zero.next == "0.0009765625");
    const description m = describe(mixprec::float8_e5m2fnuz::from_bits(0x81));
    CHECK(m.exact_decimal == "-0.00000762939453125");  // -2^-17
    CHECK(m.next == "0");                              // no -0
  }

  TEST_CASE("e2m1: every value by hand") {
    const char* hand[8] = {"0", "0.5", "1", "1.5", "2", "3", "4", "6"};
    const char* cat[8] = {"zero",   "subnormal", "normal", "normal",
                          "normal", "normal",    "normal", "normal"};
    for (std::uint8_t i = 0; i < 8; ++i) {
      CAPTURE(i);
      const description d = describe(mixprec::float4_e2m1::from_bits(i));
      CHECK(d.exact_decimal == hand[i]);
      CHECK(d.category == cat[i]);
      CHECK(d.previous == (i == 0 ? std::string("-0.5") : hand[i - 1]));
      CHECK(d.next == (i == 7 ? std::string("none") : hand[i + 1]));
      const description n =
          describe(mixprec::float4_e2m1::from_bits(static_cast<std::uint8_t>(i | 8)));
      std::string negative(1, '-');  // (not "-" + string: GCC 12's -Wrestrict misfires at -O3)
      negative += hand[i];
      CHECK(n.exact_decimal == negative);
    }
    CHECK(describe(mixprec::float4_e2m1::from_bits(0x3)).to_string() ==
          "float4_e2m1 0x3: sign 0 | exponent 01 (1 - 1 = 0) | significand 1.1 | normal | 1.5 | "
          "ulp 2^-1 = 0.5 | prev 1 | next 2");
  }

  TEST_CASE("tf32: the code is an fp32 bit pattern") {
    const description d = describe(mixprec::tfloat32(1.0));
    CHECK(d.bits == 0x3F800000);
    CHECK(d.storage_bits == 32);
    CHECK(d.padding_bits == 13);
    CHECK(d.significand == 0x400);
    CHECK(d.next == "1.0009765625");
    CHECK(d.to_string().rfind("tfloat32 0x3F800000: sign 0 | exponent 01111111 (127 - 127 = 0) "
                              "| significand 1.0000000000 | normal | 1 |",
                              0) == 0);
  }

  TEST_CASE("fp32: long values are exact in the fields, approximate in the summary") {
    const description d = describe(mixprec::float32::from_bits(1));
    CHECK(d.exact_decimal.size() == 151);  // 2^-149 = 5^149 / 10^149: "0." and 149 places
    CHECK(d.exact_decimal.substr(d.exact_decimal.size() - 8) == "58203125");
    CHECK(d.to_string().find("| ulp 2^-149 = ~1.40129846e-45 | prev 0 | next ~2.80259693e-45") !=
          std::string::npos);
    const description m = describe(std::numeric_limits<mixprec::float32>::max());
    CHECK(m.exact_decimal == "340282346638528859811704183484516925440");
    CHECK(m.to_string().find("| prev ~3.40282326e+38 | next inf") != std::string::npos);
  }

  TEST_CASE("type names") {
    CHECK(describe(mixprec::bfloat16(1.0)).type_name == "bfloat16");
    CHECK(describe(floating<fm::fp16, rounding::upward>(1.0)).type_name ==
          "floating<fp16, upward>");
    CHECK(describe(floating<fm::e4m3, rounding::nearest_even, overflow::saturate>(1.0)).type_name ==
          "floating<e4m3, nearest_even, saturate>");
    CHECK(describe(
              floating<fm::e2m3, rounding::toward_zero, overflow::standard, subnormals::flush>(1.0))
              .type_name == "floating<e2m3, toward_zero, standard, flush>");
    CHECK(describe(floating<fm::ieee<3, 4>>(1.0)).type_name == "floating<e3m4>");
  }

  TEST_CASE("subnormals::flush: subnormal codes read as zero") {
    using half_flush =
        floating<fm::fp16, rounding::nearest_even, overflow::standard, subnormals::flush>;
    const description d = describe(half_flush::from_bits(0x8001));
    CHECK(d.category == "zero");
    CHECK(d.significand == 1);
    CHECK(d.exact_decimal == "-0");
    CHECK(d.note.find("flush") != std::string::npos);
    CHECK(d.previous == "-0.00006103515625");  // subnormals are skipped: -2^-14
    CHECK(d.next == "0.00006103515625");
    const description n = describe(half_flush::from_bits(0x8400));
    CHECK(n.next == "-0");
    CHECK(describe(half_flush::from_bits(0x0400)).previous == "0");
  }

  TEST_CASE("every code of fp16 and of the formats of 8 bits or fewer") {
    check_every_code<mixprec::float8_e4m3>(e4m3_l);
    check_every_code<mixprec::float8_e5m2>(e5m2_l);
    check_every_code<mixprec::float8_e4m3fnuz>(e4m3fnuz_l);
    check_every_code<mixprec::float8_e5m2fnuz>(e5m2fnuz_l);
    check_every_code<mixprec::float6_e3m2>(e3m2_l);
    check_every_code<mixprec::float6_e2m3>(e2m3_l);
    check_every_code<mixprec::float4_e2m1>(e2m1_l);
    check_every_code<mixprec::float8_e8m0>(e8m0_l);
    check_every_code<floating<fm::ieee<3, 4>>>(ieee34_l);
    check_every_code<mixprec::half>(fp16_l);
  }
}
