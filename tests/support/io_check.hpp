#pragma once
// The independent reference of the text I/O tests (tests/format/test_io.cpp explains it), shared
// by test_io.cpp and test_io_exhaustive.cpp.

#include <doctest/doctest.h>

#include <mixprec/format/io.hpp>
#include <mixprec/mixprec.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "reference.hpp"

namespace io_test {

namespace fm = mixprec::formats;
using mixprec::floating;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;
using mixprec_test::format_desc;
using mixprec_test::hex;
using mixprec_test::mismatches;
using mixprec_test::type_info;

template <class... Ts>
struct types {};

template <class Fn, class... Ts>
void for_each_type(types<Ts...>, Fn&& fn) {
  (fn.template operator()<Ts>(), ...);
}

template <class T>
std::string type_name() {
  using I = type_info<T>;
  std::string s = std::string(I::desc.name) + "<" +
                  (I::stochastic ? std::string("stochastic") : mixprec_test::to_string(I::r));
  if (I::o == mixprec_test::omode::saturate) s += ",saturate";
  if (I::flush) s += ",flush";
  return s + ">";
}

// ------------------------------------------------------------------------------------------------
// Natural numbers of any size (32-bit limbs, little endian), only what the comparisons need.

struct nat {
  std::vector<std::uint32_t> w;

  void trim() {
    while (!w.empty() && w.back() == 0) w.pop_back();
  }
  void mul_add(std::uint32_t m, std::uint32_t a) {
    std::uint64_t carry = a;
    for (auto& limb : w) {
      const std::uint64_t t = static_cast<std::uint64_t>(limb) * m + carry;
      limb = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
    if (carry != 0) w.push_back(static_cast<std::uint32_t>(carry));
    trim();
  }
  void mul_pow10(long long e) {
    for (; e >= 9; e -= 9) mul_add(1000000000u, 0);
    std::uint32_t m = 1;
    for (; e > 0; --e) m *= 10;
    mul_add(m, 0);
  }
  void shl(long long s) {
    if (w.empty() || s == 0) return;
    const auto limbs = static_cast<std::size_t>(s / 32);
    const int bits = static_cast<int>(s % 32);
    std::vector<std::uint32_t> r(w.size() + limbs + 1, 0);
    for (std::size_t i = 0; i < w.size(); ++i) {
      const std::uint64_t v = static_cast<std::uint64_t>(w[i]) << bits;
      r[i + limbs] |= static_cast<std::uint32_t>(v);
      r[i + limbs + 1] |= static_cast<std::uint32_t>(v >> 32);
    }
    w = std::move(r);
    trim();
  }
};

inline nat nat_of(std::uint64_t v) {
  nat n;
  n.w = {static_cast<std::uint32_t>(v), static_cast<std::uint32_t>(v >> 32)};
  n.trim();
  return n;
}

inline nat nat_of(std::string_view digits) {
  nat n;
  for (const char c : digits) n.mul_add(10, static_cast<std::uint32_t>(c - '0'));
  return n;
}

inline int cmp(const nat& a, const nat& b) {
  if (a.w.size() != b.w.size()) return a.w.size() < b.w.size() ? -1 : 1;
  for (std::size_t i = a.w.size(); i-- > 0;) {
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
  }
  return 0;
}

// ------------------------------------------------------------------------------------------------
// Decimals: (-1)^neg * digits * 10^k, digits without leading or trailing zeros ("" is zero).

struct dec {
  bool neg = false;
  std::string digits;
  long long k = 0;

  bool zero() const { return digits.empty(); }
  long long len() const { return static_cast<long long>(digits.size()); }
  /// Decimal exponent of the leading digit.
  long long lead() const { return k + len() - 1; }
};

inline dec make_dec(bool neg, std::string digits, long long k) {
  std::size_t first = 0;
  while (first < digits.size() && digits[first] == '0') ++first;
  digits.erase(0, first);
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++k;
  }
  if (digits.empty()) k = 0;
  return dec{neg, digits, k};
}

/// A simple reader of the well-formed numbers the tests write: [+-] digits [. digits]
/// [e [+-] digits], the whole string.
inline std::optional<dec> read_dec(std::string_view s) {
  std::size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  std::string digits;
  long long k = 0;
  bool any = false;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') digits += s[i++], any = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') digits += s[i++], --k, any = true;
  }
  if (!any) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i == s.size()) return std::nullopt;
    long long e = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') e = e * 10 + (s[i++] - '0');
    k += eneg ? -e : e;
  }
  if (i != s.size()) return std::nullopt;
  return make_dec(neg, digits, k);
}

/// The exact decimal value of a double, from glibc's printf (exact for every digit asked; 1100
/// places hold every double).
inline dec exact_dec(double v) {
  static std::vector<char> buf(1500);
  const int n = std::snprintf(buf.data(), buf.size(), "%.1100f", std::fabs(v));
  std::string s(buf.data(), static_cast<std::size_t>(n));
  const std::size_t point = s.find('.');
  const auto places = static_cast<long long>(s.size() - point - 1);
  s.erase(point, 1);
  return make_dec(std::signbit(v), s, -places);
}

/// "digits e k": a plain input text for a decimal.
inline std::string input_text(const dec& d) {
  if (d.zero()) return d.neg ? "-0" : "0";
  return (d.neg ? "-" : "") + d.digits + "e" + std::to_string(d.k);
}

inline std::string fixed_text(const dec& d) {
  std::string s = d.neg ? "-" : "";
  if (d.zero()) return s + "0";
  if (d.k >= 0) return s + d.digits + std::string(static_cast<std::size_t>(d.k), '0');
  if (-d.k < d.len()) {
    const auto point = static_cast<std::size_t>(d.len() + d.k);
    return s + d.digits.substr(0, point) + "." + d.digits.substr(point);
  }
  return s + "0." + std::string(static_cast<std::size_t>(-d.k - d.len()), '0') + d.digits;
}

/// The documented shortest-form notation: fixed for a leading exponent in [-5, 16), else
/// d[.ddd]e(+|-)XX.
inline std::string shortest_text(const dec& d) {
  if (d.zero()) return d.neg ? "-0" : "0";
  const long long x = d.lead();
  if (x >= -5 && x < 16) return fixed_text(d);
  std::string s = d.neg ? "-" : "";
  s += d.digits[0];
  if (d.len() > 1) s += "." + d.digits.substr(1);
  char e[32];
  std::snprintf(e, sizeof e, "e%c%02lld", x < 0 ? '-' : '+', x < 0 ? -x : x);
  return s + e;
}

/// Compares |d| with u * 2^q exactly.
inline int cmp_abs(const dec& d, std::uint64_t u, long long q) {
  nat l = nat_of(d.digits), r = nat_of(u);
  if (d.k >= 0) {
    l.mul_pow10(d.k);
  } else {
    r.mul_pow10(-d.k);
  }
  if (q >= 0) {
    r.shl(q);
  } else {
    l.shl(-q);
  }
  return cmp(l, r);
}

// ------------------------------------------------------------------------------------------------
// Reference parsing: the decimal rounded once into T (T's mode; stochastic read as nearest_even).

struct ref_result {
  bool out_of_range = false;
  std::uint32_t code = 0;
};

template <class T>
ref_result ref_parse(const dec& v) {
  using I = type_info<T>;
  namespace mt = mixprec_test;
  const format_desc f = I::desc;
  if (v.zero()) return {false, mt::signed_zero(f, v.neg)};
  if (!f.is_signed && v.neg) return {true, 0};
  const long long mag10 = v.len() + v.k;  // |v| < 10^mag10
  if (mag10 > 60) return {true, 0};
  const int top = mt::top_exponent(f);
  const int emin = f.emin();
  std::uint64_t lo = 0;
  mt::position pos = mt::position::below_half;
  int qexp = emin - f.man_bits;
  if (mag10 >= -80) {  // else below 2^-200: less than half the smallest quantum of any format
    int e = static_cast<int>(std::floor(static_cast<double>(mag10 - 1) * 3.321928094887362));
    while (cmp_abs(v, 1, e) < 0) --e;
    while (cmp_abs(v, 1, e + 1) >= 0) ++e;
    if (e > top) return {true, 0};
    qexp = std::max(e, emin) - f.man_bits;
    // A hint from strtod, corrected by exact comparisons.
    const double hint =
        std::ldexp(std::strtod(input_text(dec{false, v.digits, v.k}).c_str(), nullptr), -qexp);
    lo = hint < 1 ? 0 : static_cast<std::uint64_t>(hint);
    while (lo > 0 && cmp_abs(v, lo, qexp) < 0) --lo;
    while (cmp_abs(v, lo + 1, qexp) >= 0) ++lo;
    if (cmp_abs(v, lo, qexp) == 0) {
      pos = mt::position::exact;
    } else {
      const int c = cmp_abs(v, 2 * lo + 1, qexp - 1);
      pos = c < 0 ? mt::position::below_half
                  : (c == 0 ? mt::position::half : mt::position::above_half);
    }
  }
  const std::uint64_t units = mt::pick_units(lo, pos, v.neg, I::r);
  if (std::ldexp(static_cast<double>(units), qexp) > mt::max_value(f)) return {true, 0};
  return {false, mt::finish(f, v.neg, units, qexp, I::r, I::o, I::s)};
}

/// Whether two codes of T are the same value (a flushed subnormal and the zero of its sign).
template <class T>
bool same_value(std::uint32_t a, std::uint32_t b) {
  using I = type_info<T>;
  if (a == b) return true;
  const auto da = mixprec_test::decode(I::desc, a, I::flush);
  const auto db = mixprec_test::decode(I::desc, b, I::flush);
  return da.cls == mixprec_test::value_class::zero && db.cls == mixprec_test::value_class::zero &&
         (da.sign == db.sign || I::desc.nan == mixprec_test::nan_kind::negative_zero);
}

inline bool code_sign(const format_desc& f, std::uint32_t code) {
  return mixprec_test::split(f, code).sign;
}

/// Text of specials; empty for a finite nonzero value.
template <class T>
std::string special_text(std::uint32_t code) {
  using I = type_info<T>;
  const auto d = mixprec_test::decode(I::desc, code, I::flush);
  switch (d.cls) {
    case mixprec_test::value_class::nan:
      return code_sign(I::desc, code) ? "-nan" : "nan";
    case mixprec_test::value_class::infinite:
      return d.sign ? "-inf" : "inf";
    case mixprec_test::value_class::zero:  // formats without -0 print a flushed -x as "0"
      return d.sign && I::desc.nan != mixprec_test::nan_kind::negative_zero ? "-0" : "0";
    default:
      return "";
  }
}

/// Expected exact text of a code.
template <class T>
std::string expected_exact(std::uint32_t code) {
  std::string s = special_text<T>(code);
  if (!s.empty()) return s;
  using I = type_info<T>;
  return fixed_text(exact_dec(mixprec_test::decode(I::desc, code, I::flush).value));
}

/// Whether the decimal reads back (reference parser) to the value of `code`.
template <class T>
bool ref_reads_back(const dec& d, std::uint32_t code) {
  const ref_result r = ref_parse<T>(d);
  return !r.out_of_range && same_value<T>(r.code, code);
}

/// d-digit decimal just above (in magnitude) the d-digit truncation `lower` (digits string).
inline dec bump(const dec& lower_raw, const std::string& lower_digits, long long k) {
  std::string up = lower_digits;
  std::size_t i = up.size();
  while (i > 0 && up[i - 1] == '9') up[--i] = '0';
  if (i == 0) {
    up.insert(up.begin(), '1');
  } else {
    ++up[i - 1];
  }
  return make_dec(lower_raw.neg, up, k);
}

/// Expected shortest text of a code: the fewest significant digits that read back; of two
/// candidates the nearer, on a tie the even last digit.
template <class T>
std::string expected_shortest(std::uint32_t code) {
  std::string s = special_text<T>(code);
  if (!s.empty()) return s;
  using I = type_info<T>;
  const dec x = exact_dec(mixprec_test::decode(I::desc, code, I::flush).value);
  for (long long d = 1; d < x.len(); ++d) {
    const std::string lower_digits = x.digits.substr(0, static_cast<std::size_t>(d));
    const long long k = x.k + x.len() - d;
    const dec lower = make_dec(x.neg, lower_digits, k);
    const dec upper = bump(x, lower_digits, k);
    const bool lo_ok = ref_reads_back<T>(lower, code), hi_ok = ref_reads_back<T>(upper, code);
    if (!lo_ok && !hi_ok) continue;
    if (lo_ok && hi_ok) {
      const std::string rest = x.digits.substr(static_cast<std::size_t>(d));
      const bool up = rest == "5" ? ((lower_digits.back() - '0') % 2 == 1) : rest[0] >= '5';
      return shortest_text(up ? upper : lower);
    }
    return shortest_text(lo_ok ? lower : upper);
  }
  return shortest_text(x);
}

template <class T>
std::string lib_to_chars(T x, bool exact) {
  char buf[2048];
  const auto r = exact ? mixprec::to_chars_exact(buf, buf + sizeof buf, x)
                       : mixprec::to_chars(buf, buf + sizeof buf, x);
  if (r.ec != std::errc{}) return "<to_chars error>";
  return std::string(buf, r.ptr);
}

/// from_chars of the whole text: nullopt on error or partial read; else the code.
template <class T>
std::optional<std::uint32_t> lib_parse_all(std::string_view s, std::errc* ec_out = nullptr) {
  T v = T::from_bits(0);
  const auto r = mixprec::from_chars(s.data(), s.data() + s.size(), v);
  if (ec_out != nullptr) *ec_out = r.ec;
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::nullopt;
  return static_cast<std::uint32_t>(v.bits());
}

/// Checks printing (shortest and exact) and reading back of one code; records mismatches.
template <class T>
void check_print(std::uint32_t code, mismatches& bad) {
  const T x = T::from_bits(static_cast<typename T::storage>(code));
  const std::string name = type_name<T>() + " code " + hex(code);
  const std::string want = expected_shortest<T>(code);
  const std::string got = mixprec::to_string(x);
  if (got != want) bad.add(name + " to_string \"" + got + "\" expected \"" + want + "\"");
  if (lib_to_chars(x, false) != want) bad.add(name + " to_chars differs");
  const std::string want_exact = expected_exact<T>(code);
  if (mixprec::to_exact_string(x) != want_exact) {
    bad.add(name + " to_exact_string \"" + mixprec::to_exact_string(x) + "\" expected \"" +
            want_exact + "\"");
  }
  if (lib_to_chars(x, true) != want_exact) bad.add(name + " to_chars_exact differs");
  // Round trip through the library's own parser (the parser is checked against the reference
  // separately); NaN reads back as a NaN, and a saturating type reads "inf" as max.
  using I = type_info<T>;
  if (I::o == mixprec_test::omode::saturate &&
      mixprec_test::decode(I::desc, code).cls == mixprec_test::value_class::infinite) {
    return;
  }
  using check =
      floating<typename T::format, I::stochastic ? rounding::nearest_even : T::rounding_mode,
               T::overflow_mode, T::subnormal_mode>;
  const auto back = lib_parse_all<check>(got);
  const bool is_nan = mixprec_test::decode(I::desc, code).cls == mixprec_test::value_class::nan;
  if (!back) {
    bad.add(name + " \"" + got + "\" does not parse");
  } else if (is_nan ? mixprec_test::decode(I::desc, *back).cls != mixprec_test::value_class::nan
                    : !same_value<T>(*back, code)) {
    bad.add(name + " \"" + got + "\" reads back as " + hex(*back));
  }
}

/// Codes of a type in order (all of them, or every `step`-th plus the ends).
template <class T>
std::vector<std::uint32_t> codes_of(std::uint64_t step = 1) {
  const format_desc f = type_info<T>::desc;
  std::vector<std::uint32_t> v;
  for (std::uint64_t i = 0; i < f.code_count(); i += step) v.push_back(f.code_at(i));
  if (step > 1) {
    for (std::uint64_t i :
         {std::uint64_t{1}, f.code_count() / 2 - 1, f.code_count() / 2 + 1, f.code_count() - 1}) {
      v.push_back(f.code_at(i));
    }
  }
  return v;
}

template <class T>
void check_print_codes(std::uint64_t step = 1) {
  mismatches bad;
  for (const std::uint32_t code : codes_of<T>(step)) check_print<T>(code, bad);
  INFO(type_name<T>());
  CHECK_MESSAGE(bad.empty(), bad.str());
}

// ------------------------------------------------------------------------------------------------
// Parsing inputs around every pair of neighbours.

/// d + sign * 10^pos (pos below d's last digit or anywhere; the result keeps d's sign).
inline dec nudge(const dec& d, long long pos, int sign) {
  std::string digits = d.digits;
  long long k = d.k;
  if (pos < k) {
    digits.append(static_cast<std::size_t>(k - pos), '0');
    k = pos;
  }
  // Add or subtract 1 at index (from the right) pos - k.
  auto i = static_cast<long long>(digits.size()) - 1 - (pos - k);
  if (i < 0) {
    digits.insert(0, static_cast<std::size_t>(-i), '0');
    i = 0;
  }
  if (sign > 0) {
    for (; i >= 0; --i) {
      if (digits[static_cast<std::size_t>(i)] == '9') {
        digits[static_cast<std::size_t>(i)] = '0';
      } else {
        ++digits[static_cast<std::size_t>(i)];
        break;
      }
    }
    if (i < 0) digits.insert(digits.begin(), '1');
  } else {
    for (; i >= 0; --i) {
      if (digits[static_cast<std::size_t>(i)] == '0') {
        digits[static_cast<std::size_t>(i)] = '9';
      } else {
        --digits[static_cast<std::size_t>(i)];
        break;
      }
    }
  }
  return make_dec(d.neg, digits, k);
}

/// Decimal inputs around the positive finite values of T: each value, each midpoint between
/// neighbours (and between max and the next step beyond it), and the midpoints +- 1e-30
/// relative; both signs.
template <class T>
std::vector<dec> boundary_inputs(std::uint64_t step = 1) {
  using I = type_info<T>;
  const format_desc f = I::desc;
  std::vector<double> values;
  const std::uint64_t n = f.is_signed ? f.code_count() / 2 : f.code_count();
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto d = mixprec_test::decode(f, f.code_at(i));
    if (d.cls == mixprec_test::value_class::nan || d.cls == mixprec_test::value_class::infinite) {
      continue;
    }
    values.push_back(d.value);
  }
  // One step beyond max (the binade's quantum), so that the overflow boundary is covered.
  const double maxv = mixprec_test::max_value(f);
  values.push_back(maxv + std::ldexp(1.0, mixprec_test::top_exponent(f) - f.man_bits));
  std::vector<dec> out;
  for (std::size_t i = 0; i + 1 < values.size(); i += step) {
    const dec a = exact_dec(values[i]);
    const dec mid = exact_dec((values[i] + values[i + 1]) / 2);
    for (const bool neg : {false, true}) {
      dec a2 = a, m2 = mid;
      a2.neg = m2.neg = neg;
      out.push_back(a2);
      out.push_back(m2);
      out.push_back(nudge(m2, m2.lead() - 30, +1));
      out.push_back(nudge(m2, m2.lead() - 30, -1));
    }
  }
  return out;
}

/// Parses every input with the library and the reference; records mismatches. Each input is
/// written as "digits e exponent", and also in fixed notation with both_notations.
template <class T>
void check_parse(const std::vector<dec>& inputs, mismatches& bad, bool both_notations = false) {
  for (const dec& d : inputs) {
    const ref_result want = ref_parse<T>(d);
    std::vector<std::string> texts = {input_text(d)};
    if (both_notations) texts.push_back(fixed_text(d));
    for (const std::string& text : texts) {
      if (text.size() > 400) continue;
      T v = T::from_bits(0x5);
      const auto r = mixprec::from_chars(text.data(), text.data() + text.size(), v);
      const std::string name = type_name<T>() + " \"" + text + "\"";
      if (want.out_of_range) {
        if (r.ec != std::errc::result_out_of_range || v.bits() != 0x5) {
          bad.add(name + " expected out of range, got " + hex(v.bits()));
        }
      } else if (r.ec != std::errc{} || r.ptr != text.data() + text.size()) {
        bad.add(name + " failed");
      } else if (v.bits() != want.code) {
        bad.add(name + " gives " + hex(v.bits()) + " expected " + hex(want.code));
      }
    }
  }
}

template <class T>
void check_parse_boundaries(std::uint64_t step = 1, bool both_notations = false) {
  mismatches bad;
  check_parse<T>(boundary_inputs<T>(step), bad, both_notations);
  INFO(type_name<T>());
  CHECK_MESSAGE(bad.empty(), bad.str());
}

/// Random decimals: 1 to 30 digits, exponents across the format's range and beyond.
template <class T>
std::vector<dec> random_inputs(std::size_t count, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<dec> out;
  for (std::size_t i = 0; i < count; ++i) {
    const int n = 1 + static_cast<int>(gen() % 30);
    std::string digits;
    for (int j = 0; j < n; ++j) digits += static_cast<char>('0' + gen() % 10);
    const long long lead = static_cast<long long>(gen() % 100) - 55;  // 1e-55 .. 1e44
    out.push_back(make_dec((gen() & 1) != 0, digits, lead - n + 1));
  }
  return out;
}

/// Types: every deterministic mode, with saturation and flushing variants.
template <class F>
using mode_variants =
    types<floating<F, rounding::nearest_even>, floating<F, rounding::nearest_away>,
          floating<F, rounding::toward_zero>, floating<F, rounding::upward>,
          floating<F, rounding::downward>, floating<F, rounding::to_odd>,
          floating<F, rounding::nearest_even, overflow::saturate>,
          floating<F, rounding::toward_zero, overflow::standard, subnormals::flush>,
          floating<F, rounding::upward, overflow::saturate, subnormals::flush>>;

/// A smaller set for the quick test (the exhaustive test runs mode_variants).
template <class F>
using quick_variants =
    types<floating<F, rounding::nearest_even>, floating<F, rounding::to_odd>,
          floating<F, rounding::toward_zero, overflow::standard, subnormals::flush>,
          floating<F, rounding::upward, overflow::saturate>>;

using small_formats =
    types<fm::e4m3, fm::e5m2, fm::e4m3fnuz, fm::e5m2fnuz, fm::e3m2, fm::e2m3, fm::e2m1, fm::e8m0>;

}  // namespace io_test
