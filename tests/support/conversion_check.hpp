#pragma once
// Shared by tests/format/test_conversion*.cpp (one file split in three so that the parts compile
// side by side; test_conversion.cpp says what they test and against what): the formats, modes,
// probe values and checks.

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
inline std::vector<std::uint32_t> positive_codes(const mixprec_test::format_desc& f) {
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
inline std::vector<double> probe_doubles(const mixprec_test::format_desc& f) {
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

inline void compare_doubles(const target& t, const std::vector<double>& inputs,
                            const std::vector<float>& inputs_f,
                            const std::vector<std::uint32_t>& got,
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

inline void compare_codes(const target& t, const target& src, bool same_type,
                          const std::vector<std::uint32_t>& codes,
                          const std::vector<std::uint32_t>& got, mixprec_test::mismatches& m) {
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

inline float f32(std::uint32_t bits) { return std::bit_cast<float>(bits); }
inline double f64(std::uint64_t bits) { return std::bit_cast<double>(bits); }

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
