// libFuzzer target for format/io.hpp.
//
//  1. Round trip: codes taken from the input bytes print (shortest and exact) and read back to
//     the same value, for several formats and modes.
//  2. Parsing arbitrary bytes never crashes, and agrees with a slow exact reference written
//     here: an independent scanner of the grammar, then a check of the result against its
//     neighbours with exact big-integer comparisons (the decimal must lie in the interval that
//     the mode maps to the result, and out-of-range exactly when it lies beyond the interval of
//     the largest finite value). Formats are decoded by tests/support/reference.hpp.
//
// Build: cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DMIXPREC_BUILD_FUZZ=ON
//        -DMIXPREC_BUILD_TESTS=OFF && cmake --build build/fuzz && build/fuzz/fuzz_parse
#include <mixprec/format/io.hpp>
#include <mixprec/mixprec.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "reference.hpp"

namespace {

namespace fm = mixprec::formats;
namespace mt = mixprec_test;
using mixprec::floating;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_parse: %s\n", what.c_str());
  std::abort();
}

// ------------------------------------------------------------------------------------------------
// Natural numbers, 32-bit limbs, little endian.

struct nat {
  std::vector<std::uint32_t> w;
  void trim() {
    while (!w.empty() && w.back() == 0) w.pop_back();
  }
  void mul_add(std::uint32_t m, std::uint32_t a) {
    std::uint64_t carry = a;
    for (auto& x : w) {
      const std::uint64_t t = static_cast<std::uint64_t>(x) * m + carry;
      x = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
    if (carry != 0) w.push_back(static_cast<std::uint32_t>(carry));
    trim();
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

int cmp(const nat& a, const nat& b) {
  if (a.w.size() != b.w.size()) return a.w.size() < b.w.size() ? -1 : 1;
  for (std::size_t i = a.w.size(); i-- > 0;) {
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
  }
  return 0;
}

// ------------------------------------------------------------------------------------------------
// The scanned text: |v| = digits * 10^k (digits without leading zeros; empty for zero).

struct scanned {
  enum class kind { invalid, number, infinity, nan } k = kind::invalid;
  bool neg = false;
  std::size_t end = 0;
  std::string digits;
  long long k10 = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum_(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool word_at(std::string_view s, std::size_t i, std::string_view w) {
  if (s.size() - i < w.size()) return false;
  for (std::size_t j = 0; j < w.size(); ++j) {
    char c = s[i + j];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != w[j]) return false;
  }
  return true;
}

scanned scan(std::string_view s) {
  scanned r;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) r.neg = s[i++] == '-';
  if (word_at(s, i, "inf")) {
    r.k = scanned::kind::infinity;
    r.end = i + (word_at(s, i, "infinity") ? 8 : 3);
    return r;
  }
  if (word_at(s, i, "nan")) {
    r.k = scanned::kind::nan;
    i += 3;
    r.end = i;
    if (i < s.size() && s[i] == '(') {
      std::size_t j = i + 1;
      while (j < s.size() && is_alnum_(s[j])) ++j;
      if (j < s.size() && s[j] == ')') r.end = j + 1;
    }
    return r;
  }
  std::string digits;
  long long k = 0;
  std::size_t n_int = 0, n_frac = 0;
  while (i < s.size() && is_digit(s[i])) digits += s[i++], ++n_int;
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1;
    while (j < s.size() && is_digit(s[j])) digits += s[j++], ++n_frac, --k;
    if (n_int + n_frac > 0) i = j;
  }
  if (n_int + n_frac == 0) return r;  // invalid
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    bool eneg = false;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) eneg = s[j++] == '-';
    if (j < s.size() && is_digit(s[j])) {
      long long e = 0;
      while (j < s.size() && is_digit(s[j])) {
        e = std::min(e * 10 + (s[j] - '0'), 1000000000000LL);
        ++j;
      }
      k += eneg ? -e : e;
      i = j;
    }
  }
  std::size_t first = 0;
  while (first < digits.size() && digits[first] == '0') ++first;
  digits.erase(0, first);
  while (!digits.empty() && digits.back() == '0') digits.pop_back(), ++k;
  r.k = scanned::kind::number;
  r.end = i;
  r.digits = digits;
  r.k10 = digits.empty() ? 0 : k;
  return r;
}

/// Compares |v| with the nonnegative double d exactly (d a format value or midpoint).
int cmp_abs(const scanned& v, double d) {
  if (v.digits.empty()) return d == 0 ? 0 : -1;
  if (d == 0) return 1;
  const long long lead = v.k10 + static_cast<long long>(v.digits.size());  // |v| < 10^lead
  if (lead > 60) return 1;     // |v| >= 10^60 > every value compared with
  if (lead < -100) return -1;  // |v| < 10^-100 < every positive value compared with
  int e = 0;
  const double m = std::frexp(d, &e);
  const auto u = static_cast<std::uint64_t>(std::ldexp(m, 53));
  const long long q = e - 53;
  nat l, r;
  for (const char c : v.digits) l.mul_add(10, static_cast<std::uint32_t>(c - '0'));
  r.w = {static_cast<std::uint32_t>(u), static_cast<std::uint32_t>(u >> 32)};
  r.trim();
  for (long long i = 0; i < v.k10; ++i) l.mul_add(10, 0);
  for (long long i = 0; i < -v.k10; ++i) r.mul_add(10, 0);
  if (q >= 0) {
    r.shl(q);
  } else {
    l.shl(-q);
  }
  return cmp(l, r);
}

// ------------------------------------------------------------------------------------------------
// The neighbour check.

template <class T>
void check_parse(std::string_view text) {
  using I = mt::type_info<T>;
  const mt::format_desc f = I::desc;
  const T sentinel = T::from_bits(static_cast<typename T::storage>(1));
  T value = sentinel;
  const auto res = mixprec::from_chars(text.data(), text.data() + text.size(), value);
  const scanned s = scan(text);
  const std::string name = std::string(f.name) + " \"" + std::string(text.substr(0, 80)) + "\"";
  const auto untouched = [&] {
    if (value.bits() != sentinel.bits()) fail(name + ": value changed on error");
  };
  const auto code = static_cast<std::uint32_t>(value.bits());
  const auto consumed = static_cast<std::size_t>(res.ptr - text.data());

  if (s.k == scanned::kind::invalid) {
    if (res.ec != std::errc::invalid_argument || consumed != 0) fail(name + ": should be invalid");
    untouched();
    return;
  }
  if (s.k == scanned::kind::nan || s.k == scanned::kind::infinity) {
    const bool nan = s.k == scanned::kind::nan;
    const bool has = nan ? f.nan != mt::nan_kind::none : f.has_inf;
    if (!has) {
      if (res.ec != std::errc::invalid_argument || consumed != 0) fail(name + ": no nan/inf");
      untouched();
      return;
    }
    if (res.ec != std::errc{} || consumed != s.end) fail(name + ": nan/inf not read");
    const auto d = mt::decode(f, code);
    if (nan && d.cls != mt::value_class::nan) fail(name + ": not a NaN");
    if (!nan) {
      const bool sat = I::o == mt::omode::saturate;
      const std::uint32_t want =
          sat ? (mt::max_code(f) | (s.neg ? f.sign_bit() : 0u)) : mt::inf_code(f, s.neg);
      if (code != want) fail(name + ": wrong infinity");
    }
    return;
  }

  // A number. Magnitude index of the result and its neighbours.
  const std::uint32_t max_idx = mt::max_code(f);
  const double maxv = mt::max_value(f);
  const double beyond = maxv + std::ldexp(1.0, mt::top_exponent(f) - f.man_bits);
  const auto mag = [&](std::uint32_t idx) {
    return idx > max_idx ? beyond : mt::decode(f, f.code_at(idx)).value;
  };
  // Magnitude rounding direction: for negative values upward is toward zero.
  enum class dir { ne, na, tz, away, odd } m = dir::ne;
  switch (I::r) {
    case mt::rmode::nearest_even:
      m = dir::ne;
      break;
    case mt::rmode::nearest_away:
      m = dir::na;
      break;
    case mt::rmode::toward_zero:
      m = dir::tz;
      break;
    case mt::rmode::upward:
      m = s.neg ? dir::tz : dir::away;
      break;
    case mt::rmode::downward:
      m = s.neg ? dir::away : dir::tz;
      break;
    case mt::rmode::to_odd:
      m = dir::odd;
      break;
  }
  const bool max_even = (max_idx & 1u) == 0;
  const int c_max = cmp_abs(s, maxv), c_beyond = cmp_abs(s, beyond);
  const int c_mid = cmp_abs(s, (maxv + beyond) / 2);
  bool over = false;
  switch (m) {
    case dir::ne:
      over = c_mid > 0 || (c_mid == 0 && !max_even);
      break;
    case dir::na:
      over = c_mid >= 0;
      break;
    case dir::tz:
      over = c_beyond >= 0;
      break;
    case dir::away:
      over = c_max > 0;
      break;
    case dir::odd:
      over = c_beyond >= 0 || (c_max > 0 && max_even);
      break;
  }
  if (s.neg && !s.digits.empty() && !f.is_signed) over = true;  // negative into e8m0
  if (over) {
    if (res.ec != std::errc::result_out_of_range || consumed != s.end) {
      fail(name + ": should be out of range");
    }
    untouched();
    return;
  }
  if (res.ec != std::errc{} || consumed != s.end) fail(name + ": should parse");

  // Sign: that of the text, except zeros of formats without -0.
  const bool code_neg = (code & f.sign_bit()) != 0;
  const std::uint32_t idx = code & ~f.sign_bit();
  const bool has_neg_zero = f.is_signed && f.nan != mt::nan_kind::negative_zero;
  if (code_neg != (s.neg && (idx != 0 || has_neg_zero))) fail(name + ": wrong sign");
  if (idx > max_idx) fail(name + ": not finite");
  const double r = mag(idx);
  const bool even = (idx & 1u) == 0;
  const double hi = mag(idx + 1);
  const int c_r = cmp_abs(s, r), c_hi = cmp_abs(s, hi), c_up = cmp_abs(s, (r + hi) / 2);
  // Lower bounds; for the zero result there is nothing below.
  int c_lo = 1, c_down = 1;
  if (idx > 0) {
    const double lo = mag(idx - 1);
    c_lo = cmp_abs(s, lo);
    c_down = cmp_abs(s, (lo + r) / 2);
  }
  bool ok = false;
  switch (m) {
    case dir::ne:
      ok = (idx == 0 || c_down > 0 || (c_down == 0 && even)) && (c_up < 0 || (c_up == 0 && even));
      break;
    case dir::na:
      ok = (idx == 0 || c_down >= 0) && c_up < 0;
      break;
    case dir::tz:
      ok = c_r >= 0 && c_hi < 0;
      break;
    case dir::away:
      ok = c_r <= 0 && (idx == 0 ? c_r == 0 : c_lo > 0);
      break;
    case dir::odd:
      ok = c_r == 0 || (!even && c_lo > 0 && c_hi < 0 && idx != 0);
      break;
  }
  if (!ok) fail(name + ": not correctly rounded, got code " + mt::hex(code));
}

/// Stochastic: the result is one of the two neighbours (toward zero or away from zero).
void check_stochastic(std::string_view text) {
  using sh = floating<fm::fp16, rounding::stochastic>;
  using tz = floating<fm::fp16, rounding::toward_zero>;
  using up = floating<fm::fp16, rounding::upward>;
  using down = floating<fm::fp16, rounding::downward>;
  sh a = sh::from_bits(1);
  tz b = tz::from_bits(1);
  up c = up::from_bits(1);
  down d = down::from_bits(1);
  const char* first = text.data();
  const char* last = first + text.size();
  const auto ra = mixprec::from_chars(first, last, a);
  const auto rb = mixprec::from_chars(first, last, b);
  const auto rc = mixprec::from_chars(first, last, c);
  const auto rd = mixprec::from_chars(first, last, d);
  if (ra.ptr != rb.ptr) fail("stochastic: different end");
  if (ra.ec != std::errc{} || rb.ec != std::errc{} || rc.ec != std::errc{} ||
      rd.ec != std::errc{}) {
    return;
  }
  if (mixprec::isnan(a)) return;
  if (a.bits() != b.bits() && a.bits() != c.bits() && a.bits() != d.bits()) {
    fail("stochastic: not a neighbour for \"" + std::string(text.substr(0, 80)) + "\"");
  }
}

// ------------------------------------------------------------------------------------------------
// Round trip.

template <class T>
void check_round_trip(std::uint32_t raw) {
  using I = mt::type_info<T>;
  const mt::format_desc f = I::desc;
  const std::uint32_t code = f.code_at(raw % f.code_count());
  const T x = T::from_bits(static_cast<typename T::storage>(code));
  using check =
      floating<typename T::format, I::stochastic ? rounding::nearest_even : T::rounding_mode,
               T::overflow_mode, T::subnormal_mode>;
  const auto d = mt::decode(f, code, I::flush);
  for (const bool exact : {false, true}) {
    const std::string s = exact ? mixprec::to_exact_string(x) : mixprec::to_string(x);
    if (I::o == mt::omode::saturate && d.cls == mt::value_class::infinite) continue;
    check y = check::from_bits(0);
    const auto r = mixprec::from_chars(s.data(), s.data() + s.size(), y);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) {
      fail(std::string(f.name) + " " + mt::hex(code) + ": \"" + s + "\" does not parse");
    }
    const auto e = mt::decode(f, static_cast<std::uint32_t>(y.bits()), I::flush);
    const bool same = d.cls == mt::value_class::nan
                          ? e.cls == mt::value_class::nan
                          : (y.bits() == x.bits() ||
                             (d.cls == mt::value_class::zero && e.cls == mt::value_class::zero));
    if (!same) fail(std::string(f.name) + " " + mt::hex(code) + ": \"" + s + "\" reads back wrong");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint32_t raw = 0;
  for (std::size_t i = 0; i < size && i < 4; ++i)
    raw |= static_cast<std::uint32_t>(data[i]) << (8 * i);
  // One round-trip type per input (the first byte chooses), so that inputs run fast.
  switch (size == 0 ? 0 : data[0] % 10) {
    case 0:
      check_round_trip<mixprec::half>(raw);
      break;
    case 1:
      check_round_trip<floating<fm::bf16, rounding::toward_zero>>(raw);
      break;
    case 2:
      check_round_trip<floating<fm::e4m3, rounding::to_odd>>(raw);
      break;
    case 3:
      check_round_trip<floating<fm::e5m2, rounding::upward, overflow::saturate>>(raw);
      break;
    case 4:
      check_round_trip<floating<fm::e2m3, rounding::downward>>(raw);
      break;
    case 5:
      check_round_trip<
          floating<fm::e5m2fnuz, rounding::nearest_even, overflow::standard, subnormals::flush>>(
          raw);
      break;
    case 6:
      check_round_trip<mixprec::float8_e8m0>(raw);
      break;
    case 7:
      check_round_trip<mixprec::float32>(raw);
      break;
    case 8:
      check_round_trip<floating<fm::fp32, rounding::to_odd>>(raw);
      break;
    default:
      check_round_trip<floating<fm::fp16, rounding::stochastic>>(raw);
      break;
  }

  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_parse<mixprec::half>(text);
  check_parse<floating<fm::bf16, rounding::toward_zero>>(text);
  check_parse<floating<fm::e4m3, rounding::nearest_away>>(text);
  check_parse<floating<fm::e5m2, rounding::upward, overflow::saturate>>(text);
  check_parse<mixprec::float32>(text);
  check_parse<floating<fm::fp32, rounding::to_odd>>(text);
  check_parse<floating<fm::e2m1, rounding::downward>>(text);
  check_parse<mixprec::float8_e5m2fnuz>(text);
  check_parse<floating<fm::e3m2, rounding::to_odd>>(text);
  check_stochastic(text);
  return 0;
}
