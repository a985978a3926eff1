// Conversions into floating types: from double (one rounding, no double rounding through
// float), from float, from every integer type, from every other floating type, with NaN
// payloads, infinities, signed zeros, huge and tiny values, and the overflow, underflow and
// flush rules of every format, in every deterministic rounding mode. Expected codes come from
// the reference of tests/support/reference.hpp, from hand-derived tables, or from the CPU's own
// conversion instructions (double -> float and integer -> float in the four IEEE directions).
#include <doctest/doctest.h>

#include <bit>
#include <cfenv>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "reference.hpp"

namespace {

namespace fm = mixprec::formats;
using mixprec::floating;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;
using mixprec_test::hex;

template <class... Ts>
struct types {};

template <class Fn, class... Ts>
void for_each_type(types<Ts...>, Fn&& fn) {
  (fn.template operator()<Ts>(), ...);
}

using all_formats =
    types<fm::fp16, fm::bf16, fm::fp32, fm::tf32, fm::e4m3, fm::e5m2, fm::e4m3fnuz, fm::e5m2fnuz,
          fm::e3m2, fm::e2m3, fm::e2m1, fm::e8m0, fm::ieee<3, 4>, fm::ieee<6, 9>, fm::ieee<8, 1>>;

/// Every deterministic rounding mode with the default overflow and subnormals, and some
/// combinations with saturation and flushing.
template <class F>
using variants = types<floating<F, rounding::nearest_even>, floating<F, rounding::nearest_away>,
                       floating<F, rounding::toward_zero>, floating<F, rounding::upward>,
                       floating<F, rounding::downward>, floating<F, rounding::to_odd>,
                       floating<F, rounding::nearest_even, overflow::saturate>,
                       floating<F, rounding::nearest_even, overflow::standard, subnormals::flush>,
                       floating<F, rounding::toward_zero, overflow::saturate, subnormals::flush>,
                       floating<F, rounding::upward, overflow::saturate>,
                       floating<F, rounding::downward, overflow::standard, subnormals::flush>>;

/// Calls fn.template operator()<T>() for every variant of every format.
template <class Fn>
void for_each_target(Fn&& fn) {
  for_each_type(all_formats{}, [&]<class F>() { for_each_type(variants<F>{}, fn); });
}

template <class T>
std::string type_name() {
  using I = mixprec_test::type_info<T>;
  std::string s = std::string(I::desc.name) + "(E" + std::to_string(I::desc.exp_bits) + "M" +
                  std::to_string(I::desc.man_bits) + ")<" + mixprec_test::to_string(I::r);
  if (I::o == mixprec_test::omode::saturate) s += ",saturate";
  if (I::flush) s += ",flush";
  return s + ">";
}

/// Positive codes of a format: all of them for small formats, a sample plus the ends for
/// the 2^31 positive fp32 codes.
std::vector<std::uint32_t> positive_codes(const mixprec_test::format_desc& f) {
  std::vector<std::uint32_t> v;
  const std::uint64_t n = f.is_signed ? f.code_count() / 2 : f.code_count();
  if (n <= (std::uint64_t{1} << 16)) {
    for (std::uint64_t i = 0; i < n; ++i) v.push_back(f.code_at(i));
  } else {
    for (std::uint64_t i = 0; i < n; i += 100003u) v.push_back(f.code_at(i));
    for (std::uint64_t i = 0; i < 300; ++i) {
      v.push_back(f.code_at(i));
      v.push_back(f.code_at(n - 1 - i));
      v.push_back(f.code_at((n >> 1) + i));
      const std::uint64_t min_normal = std::uint64_t{1} << f.man_bits;
      v.push_back(f.code_at(min_normal - 150 + i));
    }
  }
  return v;
}

/// Doubles that probe the rounding of format f: each finite value, its neighbours in double,
/// the midpoints to the next value and the doubles next to them (above a tie in double, but
/// exactly the tie once rounded to float), the quarter points, both signs, and values beyond
/// the ends of the range.
std::vector<double> probe_doubles(const mixprec_test::format_desc& f) {
  std::vector<double> v;
  const std::vector<std::uint32_t> codes = positive_codes(f);
  for (std::uint32_t c : codes) {
    const mixprec_test::decoded d = mixprec_test::decode(f, c);
    const std::uint32_t next = c + (1u << f.pad);
    if (d.cls == mixprec_test::value_class::nan || d.cls == mixprec_test::value_class::infinite)
      continue;
    const double lo = d.value;
    double hi;
    const mixprec_test::decoded dn = mixprec_test::decode(f, next);
    if (next < (f.is_signed ? f.sign_bit() : (1u << f.code_bits())) &&
        (dn.cls == mixprec_test::value_class::normal ||
         dn.cls == mixprec_test::value_class::subnormal)) {
      hi = dn.value;
    } else {
      // The largest finite value: the next value of the unbounded exponent range.
      hi = lo + std::ldexp(1.0, std::ilogb(lo) - f.man_bits);
    }
    const double mid = (lo + hi) / 2;  // exact
    for (double x :
         std::initializer_list<double>{lo, std::nextafter(lo, 0.0), std::nextafter(lo, INFINITY),
                                       mid, std::nextafter(mid, 0.0), std::nextafter(mid, INFINITY),
                                       lo + (hi - lo) / 4, lo + 3 * (hi - lo) / 4}) {
      v.push_back(x);
      v.push_back(-x);
    }
  }
  for (double x : std::initializer_list<double>{1e300, DBL_MAX, 0x1p128, 0x1p127 * 1.5, 0x1p-126,
                                                0x1p-149, 0x1p-150, 0x1.8p-150, 1e-300, DBL_MIN,
                                                DBL_TRUE_MIN, 0x1p-1060, 0.0, INFINITY}) {
    v.push_back(x);
    v.push_back(-x);
  }
  return v;
}

// ---------------------------------------------------------------------------
// Library conversions are collected by thin templates; the comparisons with the reference
// run in plain functions on the reference's runtime descriptors (this keeps the hundreds of
// instantiations small).

/// What the reference needs about a target or source type, at run time.
struct target {
  mixprec_test::format_desc desc;
  mixprec_test::rmode r;
  mixprec_test::omode o;
  mixprec_test::smode s;
  bool flush;
  std::string name;
};

template <class T>
target target_of() {
  using I = mixprec_test::type_info<T>;
  return target{I::desc, I::r, I::o, I::s, I::flush, type_name<T>()};
}

template <class T, class From>
std::vector<std::uint32_t> convert_all(const std::vector<From>& inputs) {
  std::vector<std::uint32_t> out;
  out.reserve(inputs.size());
  for (const From& x : inputs) out.push_back(mixprec_test::code_of(T(x)));
  return out;
}

template <class T, class S>
std::vector<std::uint32_t> convert_codes(const std::vector<std::uint32_t>& codes) {
  std::vector<std::uint32_t> out;
  out.reserve(codes.size());
  for (std::uint32_t c : codes) out.push_back(mixprec_test::code_of(T(mixprec_test::make<S>(c))));
  return out;
}

// ---------------------------------------------------------------------------
// Double and float inputs against the reference.

void compare_doubles(const target& t, const std::vector<double>& inputs,
                     const std::vector<float>& inputs_f, const std::vector<std::uint32_t>& got,
                     const std::vector<std::uint32_t>& got_f) {
  mixprec_test::mismatches from_double, from_float;
  std::uint64_t differ = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const double x = inputs[i];
    const std::uint32_t want = mixprec_test::from_double(t.desc, x, t.r, t.o, t.s);
    if (got[i] != want) {
      from_double.add(hex(std::bit_cast<std::uint64_t>(x)) + " (" + std::to_string(x) +
                      ") expected " + hex(want) + " got " + hex(got[i]));
    }
    const float xf = inputs_f[i];
    const std::uint32_t want_f = mixprec_test::from_float(t.desc, xf, t.r, t.o, t.s);
    if (got_f[i] != want_f) {
      from_float.add(hex(std::bit_cast<std::uint32_t>(xf)) + " expected " + hex(want_f) + " got " +
                     hex(got_f[i]));
    }
    if (want != want_f) ++differ;
  }
  INFO(t.name);
  CHECK_MESSAGE(from_double.empty(), "from double: " << from_double.str());
  CHECK_MESSAGE(from_float.empty(), "from float: " << from_float.str());
  // The probes include doubles whose rounding through float would differ (double rounding).
  if (t.desc.man_bits < 23) CHECK(differ > 0);
}

template <class T>
void check_doubles(const std::vector<double>& inputs, const std::vector<float>& inputs_f) {
  compare_doubles(target_of<T>(), inputs, inputs_f, convert_all<T>(inputs),
                  convert_all<T>(inputs_f));
}

// ---------------------------------------------------------------------------
// Integers.

template <class Int>
std::vector<Int> probe_integers() {
  using L = std::numeric_limits<Int>;
  std::vector<Int> v;
  if constexpr (sizeof(Int) <= 2) {
    for (std::int64_t i = L::min(); i <= static_cast<std::int64_t>(L::max()); ++i) {
      v.push_back(static_cast<Int>(i));
    }
  } else {
    v.push_back(L::min());
    v.push_back(L::max());
    v.push_back(static_cast<Int>(L::max() - 1));
    v.push_back(static_cast<Int>(L::min() + 1));
    for (int b = 0; b < L::digits; ++b) {
      const std::uint64_t p = std::uint64_t{1} << b;
      for (std::uint64_t off : {0u, 1u, 2u, 3u, 5u}) {
        for (std::uint64_t base : {p, p + (p >> 1), p + (p >> 8), 3 * p}) {
          for (const std::uint64_t u : {base + off, base - off}) {
            if (u > static_cast<std::uint64_t>(L::max())) continue;
            v.push_back(static_cast<Int>(u));
            if constexpr (L::is_signed) v.push_back(static_cast<Int>(-static_cast<Int>(u)));
          }
        }
      }
    }
    // Pseudo-random values of every bit length (a fixed 64-bit LCG).
    std::uint64_t s = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 4000; ++i) {
      s = s * 6364136223846793005u + 1442695040888963407u;
      const int len = 1 + static_cast<int>((s >> 58) % static_cast<std::uint64_t>(L::digits));
      const std::uint64_t r = (s >> 3) & ((len >= 64 ? 0 : (std::uint64_t{1} << len)) - 1u);
      v.push_back(static_cast<Int>(r));
      if constexpr (L::is_signed) {
        if ((s & 1u) != 0) v.push_back(static_cast<Int>(-static_cast<Int>(r)));
      }
    }
    // Integers next to each format's largest values and ties.
    for (double x : {448.0, 464.0, 465.0, 480.0, 240.0, 248.0, 28.0, 30.0, 7.0, 57344.0, 61440.0,
                     65504.0, 65519.0, 65520.0, 2049.0, 2051.0, 16777217.0, 16777219.0}) {
      v.push_back(static_cast<Int>(x));
      if constexpr (L::is_signed) v.push_back(static_cast<Int>(-x));
    }
  }
  return v;
}

using integer_types =
    types<char, signed char, unsigned char, char8_t, char16_t, char32_t, wchar_t, short,
          unsigned short, int, unsigned, long, unsigned long, long long, unsigned long long>;

template <class Int>
void compare_integers(const target& t, const std::vector<Int>& inputs,
                      const std::vector<std::uint32_t>& got, mixprec_test::mismatches& m) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Int x = inputs[i];
    const std::uint32_t want = mixprec_test::from_integer(t.desc, x, t.r, t.o, t.s);
    if (got[i] != want) {
      std::string s;
      if constexpr (std::is_signed_v<Int>) {
        s = std::to_string(static_cast<long long>(x));
      } else {
        s = std::to_string(static_cast<unsigned long long>(x));
      }
      m.add(t.name + " from " + std::to_string(sizeof(Int)) + "-byte " +
            (std::is_signed_v<Int> ? "signed " : "unsigned ") + s + " expected " + hex(want) +
            " got " + hex(got[i]));
    }
  }
}

template <class T, class Int>
void check_integers(const std::vector<Int>& inputs, mixprec_test::mismatches& m) {
  compare_integers(target_of<T>(), inputs, convert_all<T>(inputs), m);
}

// ---------------------------------------------------------------------------
// Floating sources.

template <class S>
std::vector<std::uint32_t> source_codes() {
  const mixprec_test::format_desc& f = mixprec_test::desc_v<S>;
  std::vector<std::uint32_t> v;
  if (f.code_count() <= (std::uint64_t{1} << 16)) {
    for (std::uint64_t i = 0; i < f.code_count(); ++i) v.push_back(f.code_at(i));
  } else {
    for (std::uint32_t c : positive_codes(f)) {
      v.push_back(c);
      v.push_back(c | f.sign_bit());
    }
  }
  return v;
}

void compare_codes(const target& t, const target& src, bool same_type,
                   const std::vector<std::uint32_t>& codes, const std::vector<std::uint32_t>& got,
                   mixprec_test::mismatches& m) {
  for (std::size_t i = 0; i < codes.size(); ++i) {
    // The same type is a copy (bit for bit), not a conversion.
    const std::uint32_t want =
        same_type ? codes[i]
                  : mixprec_test::from_code(t.desc, src.desc, codes[i], src.flush, t.r, t.o, t.s);
    if (got[i] != want) {
      m.add(t.name + " from " + src.name + " " + hex(codes[i]) + " expected " + hex(want) +
            " got " + hex(got[i]));
    }
  }
}

template <class T, class S>
void check_from_floating(const std::vector<std::uint32_t>& codes, mixprec_test::mismatches& m) {
  compare_codes(target_of<T>(), target_of<S>(), std::is_same_v<T, S>, codes,
                convert_codes<T, S>(codes), m);
}

using half_flush =
    floating<fm::fp16, rounding::nearest_even, overflow::standard, subnormals::flush>;
using e4m3_flush =
    floating<fm::e4m3, rounding::nearest_even, overflow::standard, subnormals::flush>;
using e5m2fnuz_flush =
    floating<fm::e5m2fnuz, rounding::upward, overflow::saturate, subnormals::flush>;

/// Sources converted into every variant of every format (the brief's FP8 formats and half are
/// in the test case of their own below).
using full_sources = types<mixprec::float8_e4m3, mixprec::float8_e5m2>;
/// Sources converted into every format with three variants.
using other_sources =
    types<mixprec::float8_e4m3fnuz, mixprec::float8_e5m2fnuz, mixprec::float6_e3m2,
          mixprec::float6_e2m3, mixprec::float4_e2m1, mixprec::float8_e8m0,
          floating<fm::ieee<3, 4>>, e4m3_flush, e5m2fnuz_flush, half_flush, mixprec::bfloat16,
          mixprec::tfloat32, mixprec::float32, floating<fm::ieee<6, 9>>>;

// ---------------------------------------------------------------------------
// Hand-derived expectations: the library and the reference must both give `want`.

template <class T, class From>
void is(From x, std::uint32_t want) {
  const std::uint32_t got = mixprec_test::code_of(T(x));
  const std::uint32_t ref = mixprec_test::expect<T>(x);
  std::string in;
  if constexpr (std::is_floating_point_v<From>) {
    in = std::to_string(static_cast<double>(x)) + " = " +
         hex(std::bit_cast<std::uint64_t>(static_cast<double>(x)));
  } else if constexpr (std::is_integral_v<From>) {
    in = std::is_signed_v<From> ? std::to_string(static_cast<long long>(x))
                                : std::to_string(static_cast<unsigned long long>(x));
  } else {
    in = type_name<From>() + " " + hex(mixprec_test::code_of(x));
  }
  INFO(type_name<T>() << " from " << in);
  CHECK_MESSAGE(got == want, "library: expected " << hex(want) << " got " << hex(got));
  CHECK_MESSAGE(ref == want, "reference: expected " << hex(want) << " got " << hex(ref));
}

template <rounding R, overflow O = overflow::standard, subnormals S = subnormals::keep>
struct with {
  template <class F>
  using type = floating<F, R, O, S>;
};

using ne = with<rounding::nearest_even>;
using na = with<rounding::nearest_away>;
using tz = with<rounding::toward_zero>;
using up = with<rounding::upward>;
using dn = with<rounding::downward>;
using odd = with<rounding::to_odd>;
using sat = with<rounding::nearest_even, overflow::saturate>;
using flush = with<rounding::nearest_even, overflow::standard, subnormals::flush>;

float f32(std::uint32_t bits) { return std::bit_cast<float>(bits); }
double f64(std::uint64_t bits) { return std::bit_cast<double>(bits); }

// ---------------------------------------------------------------------------
// The CPU's own conversions in a given rounding mode.

#if defined(FE_UPWARD) && defined(FE_DOWNWARD) && defined(FE_TOWARDZERO) && defined(FE_TONEAREST)
#define MIXPREC_TEST_FENV 1
/// Converts with the CPU in rounding mode `mode`; volatile keeps the conversions between the
/// mode switches.
template <class From>
__attribute__((noinline)) std::vector<std::uint32_t> cpu_to_float(const std::vector<From>& in,
                                                                  int mode) {
  std::vector<std::uint32_t> out(in.size());
  const int old = std::fegetround();
  std::fesetround(mode);
  for (std::size_t i = 0; i < in.size(); ++i) {
    volatile From x = in[i];
    volatile float y = static_cast<float>(x);
    out[i] = std::bit_cast<std::uint32_t>(static_cast<float>(y));
  }
  std::fesetround(old);
  return out;
}
#endif

template <rounding R, class From>
void check_float32_against_cpu(const std::vector<From>& in, int mode, const char* what) {
#if defined(MIXPREC_TEST_FENV)
  using T = floating<fm::fp32, R>;
  const std::vector<std::uint32_t> cpu = cpu_to_float(in, mode);
  mixprec_test::mismatches m;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if constexpr (std::is_floating_point_v<From>) {
      if (std::isnan(in[i])) continue;  // the CPU's NaN payload rule differs from the spec's
      m.check(what, std::bit_cast<std::uint64_t>(static_cast<double>(in[i])), cpu[i],
              T(in[i]).bits());
    } else {
      m.check(what, static_cast<std::uint64_t>(in[i]), cpu[i], T(in[i]).bits());
    }
  }
  CHECK_MESSAGE(m.empty(), what << ": " << m.str());
#else
  (void)in;
  (void)mode;
  MESSAGE(what << ": no <fenv.h> rounding modes, skipped");
#endif
}

}  // namespace

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

  TEST_CASE("from every other floating type: every code, every format and mode") {
    mixprec_test::mismatches m;
    for_each_type(full_sources{}, [&]<class S>() {
      const std::vector<std::uint32_t> codes = source_codes<S>();
      for_each_target([&]<class T>() { check_from_floating<T, S>(codes, m); });
    });
    // The other sources (every code; tf32 and float32 sampled) into every format, with three
    // variants each.
    for_each_type(other_sources{}, [&]<class S>() {
      const std::vector<std::uint32_t> codes = source_codes<S>();
      for_each_type(all_formats{}, [&]<class F>() {
        check_from_floating<floating<F, rounding::nearest_even>, S>(codes, m);
        check_from_floating<floating<F, rounding::to_odd, overflow::saturate>, S>(codes, m);
        check_from_floating<floating<F, rounding::downward, overflow::standard, subnormals::flush>,
                            S>(codes, m);
      });
    });
    CHECK_MESSAGE(m.empty(), m.str());
  }

  TEST_CASE("every half code into every format and mode") {
    mixprec_test::mismatches m;
    const std::vector<std::uint32_t> codes = source_codes<mixprec::half>();
    for_each_target([&]<class T>() { check_from_floating<T, mixprec::half>(codes, m); });
    CHECK_MESSAGE(m.empty(), m.str());
  }

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
