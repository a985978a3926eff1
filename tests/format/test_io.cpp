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
// test_io_exhaustive.cpp, which includes this file with MIXPREC_TEST_IO_REFERENCE_ONLY defined
// to reuse the reference without these test cases.
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

#ifndef MIXPREC_TEST_IO_REFERENCE_ONLY

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

#endif  // MIXPREC_TEST_IO_REFERENCE_ONLY
