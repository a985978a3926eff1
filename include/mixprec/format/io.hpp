#pragma once
/// \file format/io.hpp
/// Text input and output of floating values, exact in both directions. Host only.
///
/// Printing: `to_chars` / `to_string` / `operator<<` write the shortest decimal that reads back
/// (with `from_chars` of the same type) to the same value; `to_chars_exact` / `to_exact_string` /
/// `exact()` write every digit of the exact binary value. Parsing: `from_chars`, `parse` and
/// `operator>>` round the exact decimal value once, in the type's rounding mode.
///
/// Text forms. Shortest output is `%g`-like: fixed notation when the decimal exponent X of the
/// leading digit is in [-5, 16) ("65504", "0.00012207", "0.1"), otherwise scientific with a sign
/// and at least two exponent digits ("1.5e-07", "3.4028235e+38"). Exact output is always fixed
/// notation ("0.000000059604644775390625"). Specials: "nan" ("-nan" when the sign bit of the code
/// is set), "inf", "-inf", "-0".
///
/// Everything is computed with exact integer arithmetic (detail/bigint.hpp); nothing passes
/// through float, double, strtod or std::from_chars.

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "mixprec/detail/bigint.hpp"
#include "mixprec/error.hpp"
#include "mixprec/format/conversion.hpp"
#include "mixprec/format/encoding.hpp"
#include "mixprec/format/floating.hpp"
#include "mixprec/format/formats.hpp"
#include "mixprec/format/rounding.hpp"

namespace mixprec {

namespace detail {

/// Formats whose text conversions are exact with the bounds below: exponent range and precision
/// within binary64's (every format of mixprec::formats is far inside), and for stochastic
/// rounding at most 29 mantissa bits (so that the 32 bits of the stochastic fraction lie above
/// the jammed lowest bit of a significand of 63 or 64 bits; see decimal_to_unpacked).
template <class Format, rounding R>
inline constexpr bool text_convertible = encoding<Format>::mantissa_bits <=
                                             (R == rounding::stochastic ? 29 : 52) &&
                                         encoding<Format>::emax <= 1023 &&
                                         encoding<Format>::emin - encoding<Format>::mantissa_bits >=
                                             -1074;

/// Significant decimal digits that parsing keeps; nonzero digits beyond them only set a sticky
/// flag. Why that is exact: every rounding decision compares the value v with dyadic points p
/// (the neighbours, the midpoints and, for stochastic rounding, the 2^32 subdivisions of the gap
/// between neighbours): p = k * 2^-q with k < 2^(53+32+1) and q <= 1074 + 32 for any format that
/// is text_convertible, so p has at most log10(2^86 * 5^1106) < 799 significant digits (for the
/// formats up to fp32: k < 2^57, q <= 182, at most 145 digits). Let t be v truncated to 800
/// significant digits, v > t. A point p in (t, v] would agree with v in its first 800 digits and
/// have no digit beyond the 799th, so p = t, which is not in (t, v]. So v and "t plus a positive
/// infinitesimal" lie strictly between the same two points, and round alike in every mode.
inline constexpr int max_parse_digits = 800;

/// A decimal number as scanned from text: value = digits * 10^exp10 (digits: ASCII, the first
/// nonzero, no trailing zeros), plus sticky: nonzero digits were dropped after the kept ones.
struct decimal_text {
  enum class kind : std::uint8_t { zero, finite, infinite, nan };
  kind k = kind::zero;
  bool sign = false;
  bool sticky = false;
  int count = 0;
  long long exp10 = 0;
  std::array<char, max_parse_digits> digits{};

  std::string_view digit_view() const noexcept {
    return std::string_view(digits.data(), static_cast<std::size_t>(count));
  }
};

/// Outcome of parsing, more detailed than std::errc (parse() names it in its message).
enum class parse_status : std::uint8_t { ok, empty, malformed, no_nan, no_infinity, out_of_range };

inline constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

inline constexpr char to_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Whether [p, last) starts with `word` (lower case), ignoring case.
inline bool starts_with_nocase(const char* p, const char* last, std::string_view word) noexcept {
  if (static_cast<std::size_t>(last - p) < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (to_lower(p[i]) != word[i]) return false;
  }
  return true;
}

/// Scans  [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits]  or  [+-] (inf | infinity |
/// nan | nan(chars))  from the start of [first, last), case-insensitively. Returns the end of
/// the scanned text (first on error). An exponent marker without digits after it is not part of
/// the number ("1e" scans as "1"), as in std::from_chars.
inline const char* scan_decimal(const char* first, const char* last, decimal_text& t,
                                parse_status& status) noexcept {
  status = parse_status::ok;
  if (first == last) {
    status = parse_status::empty;
    return first;
  }
  const char* p = first;
  if (*p == '+' || *p == '-') {
    t.sign = *p == '-';
    ++p;
  }
  if (starts_with_nocase(p, last, "inf")) {
    p += 3;
    if (starts_with_nocase(p, last, "inity")) p += 5;
    t.k = decimal_text::kind::infinite;
    return p;
  }
  if (starts_with_nocase(p, last, "nan")) {
    p += 3;
    if (p != last && *p == '(') {
      const char* q = p + 1;
      while (q != last &&
             (is_digit(*q) || (to_lower(*q) >= 'a' && to_lower(*q) <= 'z') || *q == '_')) {
        ++q;
      }
      if (q != last && *q == ')') p = q + 1;
    }
    t.k = decimal_text::kind::nan;
    return p;
  }

  bool any_digit = false;
  long long exp10 = 0;
  const auto add_digit = [&](char c, bool fraction) {
    any_digit = true;
    if (t.count == 0 && c == '0') {  // leading zero
      if (fraction) --exp10;
    } else if (t.count < max_parse_digits) {
      t.digits[static_cast<std::size_t>(t.count++)] = c;
      if (fraction) --exp10;
    } else {  // beyond the kept digits
      if (c != '0') t.sticky = true;
      if (!fraction) ++exp10;
    }
  };
  for (; p != last && is_digit(*p); ++p) add_digit(*p, false);
  if (p != last && *p == '.') {
    const char* q = p + 1;
    for (; q != last && is_digit(*q); ++q) add_digit(*q, true);
    if (any_digit) p = q;
  }
  if (!any_digit) {
    status = parse_status::malformed;
    return first;
  }
  if (p != last && (*p == 'e' || *p == 'E')) {
    const char* q = p + 1;
    bool negative = false;
    if (q != last && (*q == '+' || *q == '-')) negative = *q++ == '-';
    if (q != last && is_digit(*q)) {
      // Saturate: beyond 10^15 every value is zero or overflows anyway, and exp10 stays far from
      // the limits of long long (it moves by at most one per character of text).
      long long e = 0;
      for (; q != last && is_digit(*q); ++q) {
        if (e < 1000000000000000LL) e = e * 10 + (*q - '0');
      }
      exp10 += negative ? -e : e;
      p = q;
    }
  }
  while (t.count > 0 && t.digits[static_cast<std::size_t>(t.count - 1)] == '0') {
    --t.count;
    ++exp10;
  }
  t.exp10 = exp10;
  t.k = t.count == 0 ? decimal_text::kind::zero : decimal_text::kind::finite;
  return p;
}

/// The exact value digits * 10^exp10 (+ an infinitesimal when sticky) as an unpacked value whose
/// 64-bit significand is exact but for its lowest bit, which is jammed (OR-ed) with "nonzero
/// remainder". `digits` is nonempty, ASCII, with a nonzero first digit.
///
/// Jamming is exact: the exact quotient lies in (q, q + 1) units of the last bit, and so does the
/// jammed q | 1. Every rounding point of a text_convertible format (neighbours, midpoints,
/// stochastic subdivisions) is a multiple of 2 units, since the last place of a significand of
/// 63 or 64 bits is at least bit 62 - 52 (bit 62 - 29 for stochastic types, whose subdivisions
/// reach 32 bits lower), so none lies in (q, q + 1] when q is even, nor in [q, q + 1) when q is
/// odd: the exact value and q | 1 round alike.
inline unpacked decimal_to_unpacked(bool sign, std::string_view digits, long long exp10,
                                    bool sticky) {
  const long long magnitude = static_cast<long long>(digits.size()) + exp10;  // v < 10^magnitude
  // v >= 10^309 > 2^1026: above every format's range in every mode. v < 10^-340 < 2^-1129: below
  // 2^-32 of the smallest subnormal of every format. Stand-ins with the same rounding.
  if (magnitude > 310) return make_finite(sign, 4000, std::uint64_t{1} << 63);
  if (magnitude < -340) return make_finite(sign, -4000, std::uint64_t{1} << 63);

  bigint num;
  std::uint32_t chunk = 0, scale = 1;
  for (const char c : digits) {
    chunk = chunk * 10 + static_cast<std::uint32_t>(c - '0');
    scale *= 10;
    if (scale == 1000000000) {
      num.mul_add_small(scale, chunk);
      chunk = 0, scale = 1;
    }
  }
  if (scale != 1) num.mul_add_small(scale, chunk);

  // v = num * 5^exp10 * 2^exp10.
  const int bin_exp = static_cast<int>(exp10);
  if (exp10 >= 0) {
    num.mul_pow5(exp10);
    const int bits = num.bit_length();
    if (bits <= 64) {
      const int up = 64 - bits;
      const std::uint64_t sig = num.bits_at(0) << up;
      return make_finite(sign, bin_exp - up, sig | (sticky ? 1 : 0));
    }
    const bool rest = num.any_bits_below(bits - 64);
    return make_finite(sign, bin_exp + bits - 64,
                       num.bits_at(bits - 64) | ((rest || sticky) ? 1 : 0));
  }
  bigint den(1);
  den.mul_pow5(-exp10);
  // Scale so that the quotient has 63 or 64 bits: bit lengths differ by exactly 63.
  const int shift = den.bit_length() + 63 - num.bit_length();
  if (shift >= 0) {
    num.shift_left(shift);
  } else {
    den.shift_left(-shift);
  }
  const std::uint64_t q = divide_to_word(num, den);
  const bool inexact = !num.is_zero() || sticky;
  return make_finite(sign, bin_exp - shift, q | (inexact ? 1 : 0));
}

/// A format with the mantissa of Format and an exponent range no text value leaves: rounding
/// into it is rounding "with unbounded exponent", which tells whether a value overflows Format.
template <class Format>
struct unbounded_format : unchecked::format_layout<11, Format::mantissa_bits, 1023, true, false,
                                                   nan_style::none, true, 0> {
  static constexpr const char* name = "unbounded";
};

/// Whether |a| > |b| for finite or zero unpacked values.
inline bool magnitude_greater(const unpacked& a, const unpacked& b) noexcept {
  if (a.k != unpacked::kind::finite) return false;
  if (b.k != unpacked::kind::finite) return true;
  const int ea = a.exp + bit_width_minus_one(a.sig), eb = b.exp + bit_width_minus_one(b.sig);
  if (ea != eb) return ea > eb;
  const std::uint64_t sa = a.sig << countl_zero(a.sig), sb = b.sig << countl_zero(b.sig);
  return sa > sb;
}

/// Rounds a scanned decimal into T (once, in T's mode). On any status but ok, `out` is untouched.
template <class T>
parse_status round_decimal(const decimal_text& t, T& out) {
  using F = typename T::format;
  using enc = encoding<F>;
  switch (t.k) {
    case decimal_text::kind::nan:
      if (!enc::has_nan) return parse_status::no_nan;
      out = T::round(unpacked{unpacked::kind::nan, t.sign, 0, 0});
      return parse_status::ok;
    case decimal_text::kind::infinite:
      if (!enc::has_infinity) return parse_status::no_infinity;
      out = T::round(make_infinity(t.sign));
      return parse_status::ok;
    case decimal_text::kind::zero:
      out = T::round(make_zero(t.sign));
      return parse_status::ok;
    case decimal_text::kind::finite:
      break;
  }
  // A negative number is outside the range of an unsigned format.
  if (t.sign && !enc::is_signed) return parse_status::out_of_range;
  const unpacked u = decimal_to_unpacked(t.sign, t.digit_view(), t.exp10, t.sticky);
  const std::uint32_t random = T::rounding_mode == rounding::stochastic ? value_random(u) : 0;
  const int top = u.exp + bit_width_minus_one(u.sig);
  if (top > enc::emax) return parse_status::out_of_range;
  if (top == enc::emax) {
    // Overflow is decided on the value rounded with unbounded exponent (IEEE 754 7.4).
    using wide =
        floating<unbounded_format<F>, T::rounding_mode, overflow::standard, subnormals::keep>;
    const unpacked rounded = wide::round(u, random).unpack();
    const unpacked largest = decode<F, false>(pack<F>(false, enc::max_magnitude));
    if (magnitude_greater(rounded, largest)) return parse_status::out_of_range;
  }
  out = T::round(u, random);
  return parse_status::ok;
}

template <class T>
inline constexpr bool is_text_floating = false;
template <class F, rounding R, overflow O, subnormals S>
inline constexpr bool is_text_floating<floating<F, R, O, S>> = text_convertible<F, R>;

// Printing ---------------------------------------------------------------------------------------

/// Decimal digits with an exponent: value = digits * 10^exp10.
struct decimal_digits {
  std::string digits;
  long long exp10 = 0;
};

/// The exact decimal expansion of sig * 2^exp (sig != 0), without trailing zeros.
inline decimal_digits exact_digits(std::uint64_t sig, int exp) {
  bigint n(sig);
  decimal_digits d;
  if (exp >= 0) {
    n.shift_left(exp);
  } else {  // sig * 2^exp = sig * 5^-exp / 10^-exp
    n.mul_pow5(-static_cast<long long>(exp));
    d.exp10 = exp;
  }
  d.digits = n.to_decimal();
  while (d.digits.size() > 1 && d.digits.back() == '0') {
    d.digits.pop_back();
    ++d.exp10;
  }
  return d;
}

/// Appends digits * 10^exp10 in fixed notation.
inline void append_fixed(std::string& out, std::string_view digits, long long exp10) {
  const auto n = static_cast<long long>(digits.size());
  if (exp10 >= 0) {
    out += digits;
    out.append(static_cast<std::size_t>(exp10), '0');
  } else if (-exp10 < n) {
    out += digits.substr(0, static_cast<std::size_t>(n + exp10));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n + exp10));
  } else {
    out += "0.";
    out.append(static_cast<std::size_t>(-exp10 - n), '0');
    out += digits;
  }
}

/// Appends digits * 10^exp10 in scientific notation: d[.ddd]e(+|-)XX.
inline void append_scientific(std::string& out, std::string_view digits, long long exp10) {
  const long long x = exp10 + static_cast<long long>(digits.size()) - 1;
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out += digits.substr(1);
  }
  out += 'e';
  out += x < 0 ? '-' : '+';
  const long long a = x < 0 ? -x : x;
  if (a < 10) out += '0';
  out += std::to_string(a);
}

/// Appends the shortest form's notation (see the file comment), trailing zeros removed.
inline void append_shortest(std::string& out, std::string_view digits, long long exp10) {
  while (digits.size() > 1 && digits.back() == '0') {
    digits.remove_suffix(1);
    ++exp10;
  }
  const long long x = exp10 + static_cast<long long>(digits.size()) - 1;
  if (x >= -5 && x < 16) {
    append_fixed(out, digits, exp10);
  } else {
    append_scientific(out, digits, exp10);
  }
}

/// Appends "nan", "-nan", "inf", "-inf", "0" or "-0"; returns false for a finite nonzero value.
template <class T>
bool append_special(std::string& out, T x, const unpacked& u) {
  using enc = encoding<typename T::format>;
  const bool code_sign =
      ((static_cast<std::uint64_t>(x.bits()) >> enc::padding) & enc::sign_mask) != 0;
  switch (u.k) {
    case unpacked::kind::nan:
      out += code_sign ? "-nan" : "nan";
      return true;
    case unpacked::kind::infinite:
      out += u.sign ? "-inf" : "inf";
      return true;
    case unpacked::kind::zero:  // (a flushed negative subnormal of a format without -0: "0")
      out += u.sign && enc::has_negative_zero ? "-0" : "0";
      return true;
    case unpacked::kind::finite:
      break;
  }
  return false;
}

/// Whether the decimal digits * 10^exp10 (with x's sign) parses, in T's mode (nearest_even for
/// stochastic types), to a value equal to x.
template <class T>
bool reads_back(T x, bool sign, std::string_view digits, long long exp10) {
  decimal_text t;
  while (digits.size() > 1 && digits.back() == '0') {
    digits.remove_suffix(1);
    ++exp10;
  }
  t.k = decimal_text::kind::finite;
  t.sign = sign;
  t.count = static_cast<int>(digits.size());
  std::memcpy(t.digits.data(), digits.data(), digits.size());
  t.exp10 = exp10;
  T y;
  if (round_decimal(t, y) != parse_status::ok) return false;
  if (y.bits() == x.bits()) return true;
  // Types that flush subnormals: another code of the same (zero) value.
  const unpacked a = x.unpack(), b = y.unpack();
  return a.k == unpacked::kind::zero && b.k == unpacked::kind::zero && a.sign == b.sign;
}

/// The shortest text (see the file comment) that parses back to x.
template <class F, rounding R, overflow O, subnormals S>
std::string shortest_string(floating<F, R, O, S> x) {
  std::string out;
  const unpacked u = x.unpack();
  if (append_special(out, x, u)) return out;
  if (u.sign) out += '-';
  const decimal_digits exact = exact_digits(u.sig, u.exp);
  const std::string& all = exact.digits;
  const auto n = static_cast<long long>(all.size());

  // Stochastic types are checked as nearest_even (their parsing is random).
  using check = floating<F, R == rounding::stochastic ? rounding::nearest_even : R, O, S>;
  const auto target = check::from_bits(x.bits());

  // For d = 1, 2, ...: the d-digit decimals just below and just above the exact value. The set
  // of values that round to x is an interval containing x, so if any d-digit decimal reads back
  // to x, one of these two does.
  std::string lower, upper;
  for (long long d = 1; d < n; ++d) {
    lower.assign(all, 0, static_cast<std::size_t>(d));
    const long long exp10 = exact.exp10 + (n - d);
    upper = lower;
    long long upper_exp = exp10;
    std::size_t i = upper.size();
    while (i > 0 && upper[i - 1] == '9') upper[--i] = '0';
    if (i > 0) {
      ++upper[i - 1];
    } else {  // 99..9 + 1 = 10..0
      upper = "1";
      upper_exp += d;
    }
    const bool lower_ok = reads_back(target, u.sign, lower, exp10);
    const bool upper_ok = reads_back(target, u.sign, upper, upper_exp);
    if (!lower_ok && !upper_ok) continue;
    bool take_upper = upper_ok;
    if (lower_ok && upper_ok) {
      // The nearer one; on a tie (remaining digits exactly "5") the even last digit.
      const std::string_view rest = std::string_view(all).substr(static_cast<std::size_t>(d));
      if (rest == "5") {
        take_upper = ((lower.back() - '0') & 1) != 0;
      } else {
        take_upper = rest[0] >= '5';
      }
    }
    if (take_upper) {
      append_shortest(out, upper, upper_exp);
    } else {
      append_shortest(out, lower, exp10);
    }
    return out;
  }
  append_shortest(out, all, exact.exp10);
  return out;
}

/// Every digit of the exact value, fixed notation.
template <class T>
std::string exact_string(T x) {
  std::string out;
  const unpacked u = x.unpack();
  if (append_special(out, x, u)) return out;
  if (u.sign) out += '-';
  const decimal_digits exact = exact_digits(u.sig, u.exp);
  append_fixed(out, exact.digits, exact.exp10);
  return out;
}

inline std::to_chars_result copy_chars(char* first, char* last, const std::string& s) noexcept {
  if (last - first < static_cast<std::ptrdiff_t>(s.size())) {
    return {last, std::errc::value_too_large};
  }
  std::memcpy(first, s.data(), s.size());
  return {first + s.size(), std::errc{}};
}

/// At most `limit` characters of `text`, quoted, for error messages.
inline std::string quote_text(std::string_view text, std::size_t limit = 64) {
  std::string q = "\"";
  if (text.size() <= limit) {
    q += text;
  } else {
    q += text.substr(0, limit);
    q += "...";
  }
  q += '"';
  return q;
}

}  // namespace detail

/// Writes the shortest decimal that from_chars of the same type reads back to exactly `x`
/// (stochastic types: read back with nearest_even). Of the two shortest candidates, the nearer
/// to x (ties: even last digit). Returns {last, errc::value_too_large} when the text does not
/// fit; nothing is written then.
template <class F, rounding R, overflow O, subnormals S>
requires detail::text_convertible<F, R> std::to_chars_result to_chars(char* first, char* last,
                                                                      floating<F, R, O, S> x) {
  return detail::copy_chars(first, last, detail::shortest_string(x));
}

/// Writes every digit of the exact value of `x` in fixed notation (a value of a type that
/// flushes subnormals: a subnormal code reads as zero and prints "0" or "-0").
template <class F, rounding R, overflow O, subnormals S>
requires detail::text_convertible<F, R> std::to_chars_result to_chars_exact(
    char* first, char* last, floating<F, R, O, S> x) {
  return detail::copy_chars(first, last, detail::exact_string(x));
}

/// The shortest decimal text that reads back to `x` (as to_chars).
template <class F, rounding R, overflow O, subnormals S>
requires detail::text_convertible<F, R> std::string to_string(floating<F, R, O, S> x) {
  return detail::shortest_string(x);
}

/// Every digit of the exact value of `x` (as to_chars_exact).
template <class F, rounding R, overflow O, subnormals S>
requires detail::text_convertible<F, R> std::string to_exact_string(floating<F, R, O, S> x) {
  return detail::exact_string(x);
}

/// Writes the shortest text of `x` (to_string); the stream's width and fill apply.
template <class F, rounding R, overflow O, subnormals S>
requires detail::text_convertible<F, R> std::ostream& operator<<(std::ostream& os,
                                                                 floating<F, R, O, S> x) {
  return os << detail::shortest_string(x);
}

/// A value to be printed with every digit: `os << mixprec::exact(x)`.
template <class T>
struct exact_decimal {
  T value;
};

/// Wraps `x` so that a stream prints its exact decimal value.
template <class T>
requires detail::is_text_floating<T>
constexpr exact_decimal<T> exact(T x) noexcept { return exact_decimal<T>{x}; }

/// Writes the exact value (to_exact_string); the stream's width and fill apply.
template <class T>
requires detail::is_text_floating<T> std::ostream& operator<<(std::ostream& os,
                                                              const exact_decimal<T>& e) {
  return os << detail::exact_string(e.value);
}

/// Parses  [+-] (digits [. digits] | . digits) [(e|E) [+-] digits]  or [+-] followed by "inf",
/// "infinity", "nan" or "nan(chars)" (case-insensitive) from the start of [first, last), and
/// rounds the exact decimal value once into the type, in its rounding mode (stochastic types:
/// with random bits that are a function of the parsed value, as the constructors'). Leading
/// whitespace is not skipped. An exponent marker without digits is left unparsed ("1e" reads
/// "1"). Any number of digits and any exponent are accepted.
///
/// Errors (`value` untouched, ec set): errc::invalid_argument for empty or malformed text,
/// "nan" for a format without NaN, "inf" for a format without infinity (ptr == first);
/// errc::result_out_of_range (ptr past the number) when a finite value rounds, with unbounded
/// exponent, beyond the largest finite value — whatever the overflow mode — or is negative and
/// nonzero for an unsigned format (e8m0). Tiny values round to zero or the smallest value as
/// the mode says, without error; zero into e8m0 gives its smallest value 2^-127, as conversions do.
template <class F, rounding R, overflow O, subnormals S>
requires detail::text_convertible<F, R> std::from_chars_result from_chars(
    const char* first, const char* last, floating<F, R, O, S>& value) {
  detail::decimal_text t;
  detail::parse_status status;
  const char* end = detail::scan_decimal(first, last, t, status);
  if (status != detail::parse_status::ok) return {first, std::errc::invalid_argument};
  status = detail::round_decimal(t, value);
  switch (status) {
    case detail::parse_status::ok:
      return {end, std::errc{}};
    case detail::parse_status::out_of_range:
      return {end, std::errc::result_out_of_range};
    default:
      return {first, std::errc::invalid_argument};
  }
}

/// Parses the whole of `text` (as from_chars) and returns the value; throws mixprec::error whose
/// message names the type, the text and the reason (empty, malformed, trailing characters, NaN
/// or infinity not in the format, out of range).
template <class T>
requires detail::is_text_floating<T> T parse(std::string_view text) {
  const std::string where = std::string("mixprec::parse<") + T::format::name + ">";
  detail::decimal_text t;
  detail::parse_status status;
  const char* first = text.data();
  const char* last = first + text.size();
  const char* end = detail::scan_decimal(first, last, t, status);
  T value{};
  if (status == detail::parse_status::ok) status = detail::round_decimal(t, value);
  switch (status) {
    case detail::parse_status::ok:
      break;
    case detail::parse_status::empty:
      detail::throw_error(where.c_str(), detail::quote_text(text) + ": empty text");
    case detail::parse_status::malformed:
      detail::throw_error(where.c_str(), detail::quote_text(text) + " is not a number");
    case detail::parse_status::no_nan:
      detail::throw_error(where.c_str(), detail::quote_text(text) + ": the format has no NaN");
    case detail::parse_status::no_infinity:
      detail::throw_error(where.c_str(), detail::quote_text(text) + ": the format has no infinity");
    case detail::parse_status::out_of_range:
      detail::throw_error(where.c_str(), detail::quote_text(text) + " is out of range");
  }
  if (end != last) {
    detail::throw_error(where.c_str(), detail::quote_text(text) + ": trailing characters " +
                                           detail::quote_text(std::string_view(
                                               end, static_cast<std::size_t>(last - end))) +
                                           " after the number");
  }
  return value;
}

/// Reads a number: skips leading whitespace (unless std::noskipws), takes the longest run of
/// characters that can appear in a number (digits, letters, '+', '-', '.', '_', '(', ')') and
/// parses all of it as from_chars does. On failure (no such run, text that is not entirely one
/// number, or out of range) sets failbit and leaves `x` untouched.
template <class F, rounding R, overflow O, subnormals S>
requires detail::text_convertible<F, R> std::istream& operator>>(std::istream& is,
                                                                 floating<F, R, O, S>& x) {
  const std::istream::sentry sentry(is);
  if (!sentry) return is;
  std::string token;
  std::ios_base::iostate state = std::ios_base::goodbit;
  std::streambuf* buf = is.rdbuf();
  for (;;) {
    const auto c = buf->sgetc();
    if (std::istream::traits_type::eq_int_type(c, std::istream::traits_type::eof())) {
      state |= std::ios_base::eofbit;
      break;
    }
    const char ch = std::istream::traits_type::to_char_type(c);
    const bool number_char =
        detail::is_digit(ch) || (detail::to_lower(ch) >= 'a' && detail::to_lower(ch) <= 'z') ||
        ch == '+' || ch == '-' || ch == '.' || ch == '_' || ch == '(' || ch == ')';
    if (!number_char) break;
    token += ch;
    buf->sbumpc();
  }
  floating<F, R, O, S> value{};
  const char* last = token.data() + token.size();
  const auto [ptr, ec] = from_chars(token.data(), last, value);
  if (token.empty() || ec != std::errc{} || ptr != last) {
    state |= std::ios_base::failbit;
  } else {
    x = value;
  }
  is.setstate(state);
  return is;
}

}  // namespace mixprec
