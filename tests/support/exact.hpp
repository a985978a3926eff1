#pragma once
// An exact-arithmetic reference for the formats layer, written independently of the library.
//
// Values are dyadic rationals (sign, arbitrary-size integer significand, power-of-two exponent)
// held in a small fixed-capacity bigint. Format codes are decoded by our own decoder from our own
// table of format parameters (not the library's descriptors). + - * fma are exact; / and sqrt are
// never formed: they are represented by an exact comparison "candidate v versus |x|" done with
// integer cross-multiplication (v*|b| against |a|, v*v against a).
//
// Rounding is done by a different method from a bit-shifting engine: binary-search the codes of
// the target format (their order is the order of their values) for the largest representable
// magnitude lo <= |x|, take hi = lo + quantum(lo), compare |x| with the exact midpoint, and choose
// per mode. Overflow, flushing and the special cases follow docs/formats.md, sections 6 to 8
// (IEEE 754 / OCP where it is silent); "the spec" below means those sections.
//
// The last section maps mixprec types to these parameters; it only uses the Format type's
// identity and the (R, O, S) template arguments, never the library's numeric constants.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <mixprec/mixprec.hpp>

namespace mixprec_test::exact {

// ------------------------------------------------------------------------------------------------
// Unsigned bigint with 32-bit limbs (little endian) and a fixed capacity of 768 bits: enough for
// the exact sum a*b + c of binary32 values (about 430 bits) with room to spare.

class big {
 public:
  static constexpr int cap = 24;

  big() = default;
  explicit big(std::uint64_t v) {
    w_[0] = static_cast<std::uint32_t>(v);
    w_[1] = static_cast<std::uint32_t>(v >> 32);
    n_ = w_[1] != 0 ? 2 : (w_[0] != 0 ? 1 : 0);
  }

  bool is_zero() const { return n_ == 0; }
  int bit_length() const {
    if (n_ == 0) return 0;
    return 32 * (n_ - 1) + std::bit_width(w_[n_ - 1]);
  }
  bool bit(int i) const {
    if (i < 0 || i / 32 >= n_) return false;
    return ((w_[i / 32] >> (i % 32)) & 1u) != 0;
  }
  // Exact value when it fits in 64 bits (callers check bit_length()).
  std::uint64_t low64() const {
    return static_cast<std::uint64_t>(w_[0]) | (static_cast<std::uint64_t>(w_[1]) << 32);
  }

  friend big shl(const big& a, int s) {
    if (a.n_ == 0 || s == 0) return a;
    if (s < 0) throw std::logic_error("exact::shl: negative shift");
    if (a.bit_length() + s > 32 * cap) throw std::overflow_error("exact::big: capacity exceeded");
    big r;
    const int limbs = s / 32, bits = s % 32;
    for (int i = a.n_ - 1; i >= 0; --i) {
      const std::uint64_t v = static_cast<std::uint64_t>(a.w_[i]) << bits;
      r.w_[i + limbs] |= static_cast<std::uint32_t>(v);
      if (i + limbs + 1 < cap) r.w_[i + limbs + 1] |= static_cast<std::uint32_t>(v >> 32);
    }
    r.n_ = std::min(cap, a.n_ + limbs + 1);
    r.trim();
    return r;
  }
  // floor(a / 2^s)
  friend big shr(const big& a, int s) {
    if (s <= 0) return s == 0 ? a : shl(a, -s);
    big r;
    const int limbs = s / 32, bits = s % 32;
    for (int i = limbs; i < a.n_; ++i) {
      std::uint64_t v = a.w_[i] >> bits;
      if (bits != 0 && i + 1 < a.n_) v |= static_cast<std::uint64_t>(a.w_[i + 1]) << (32 - bits);
      r.w_[i - limbs] = static_cast<std::uint32_t>(v);
    }
    r.n_ = std::max(0, a.n_ - limbs);
    r.trim();
    return r;
  }
  friend int compare(const big& a, const big& b) {
    if (a.n_ != b.n_) return a.n_ < b.n_ ? -1 : 1;
    for (int i = a.n_ - 1; i >= 0; --i) {
      if (a.w_[i] != b.w_[i]) return a.w_[i] < b.w_[i] ? -1 : 1;
    }
    return 0;
  }
  friend big operator+(const big& a, const big& b) {
    big r;
    std::uint64_t carry = 0;
    const int n = std::max(a.n_, b.n_);
    for (int i = 0; i < n; ++i) {
      const std::uint64_t s = carry + a.w_[i] + b.w_[i];
      r.w_[i] = static_cast<std::uint32_t>(s);
      carry = s >> 32;
    }
    if (carry != 0) {
      if (n == cap) throw std::overflow_error("exact::big: capacity exceeded");
      r.w_[n] = static_cast<std::uint32_t>(carry);
    }
    r.n_ = n + 1 > cap ? cap : n + 1;
    r.trim();
    return r;
  }
  // Requires a >= b.
  friend big operator-(const big& a, const big& b) {
    if (compare(a, b) < 0) throw std::logic_error("exact::big: negative difference");
    big r;
    std::int64_t borrow = 0;
    for (int i = 0; i < a.n_; ++i) {
      std::int64_t d = static_cast<std::int64_t>(a.w_[i]) - b.w_[i] - borrow;
      borrow = d < 0 ? 1 : 0;
      if (d < 0) d += std::int64_t{1} << 32;
      r.w_[i] = static_cast<std::uint32_t>(d);
    }
    r.n_ = a.n_;
    r.trim();
    return r;
  }
  friend big operator*(const big& a, const big& b) {
    big r;
    if (a.n_ == 0 || b.n_ == 0) return r;
    if (a.n_ + b.n_ > cap) throw std::overflow_error("exact::big: capacity exceeded");
    for (int i = 0; i < a.n_; ++i) {
      std::uint64_t carry = 0;
      for (int j = 0; j < b.n_; ++j) {
        const std::uint64_t t = static_cast<std::uint64_t>(a.w_[i]) * b.w_[j] + r.w_[i + j] + carry;
        r.w_[i + j] = static_cast<std::uint32_t>(t);
        carry = t >> 32;
      }
      r.w_[i + b.n_] = static_cast<std::uint32_t>(carry);
    }
    r.n_ = a.n_ + b.n_;
    r.trim();
    return r;
  }

 private:
  void trim() {
    while (n_ > 0 && w_[n_ - 1] == 0) --n_;
  }
  std::uint32_t w_[cap] = {};
  int n_ = 0;
};

// ------------------------------------------------------------------------------------------------
// Dyadic rationals: (-1)^neg * mag * 2^exp. A zero keeps its sign in `neg`.

struct dyadic {
  bool neg = false;
  big mag;
  int exp = 0;

  bool is_zero() const { return mag.is_zero(); }
};

inline dyadic make_dyadic(bool neg, std::uint64_t mag, int exp) { return {neg, big(mag), exp}; }
inline dyadic pow2(int e) { return make_dyadic(false, 1, e); }

// floor(log2 |a|) for a != 0.
inline int ilog2(const dyadic& a) { return a.mag.bit_length() - 1 + a.exp; }

// Compares |a| with |b|: -1, 0, 1.
inline int compare_abs(const dyadic& a, const dyadic& b) {
  if (a.is_zero() || b.is_zero()) return a.is_zero() ? (b.is_zero() ? 0 : -1) : 1;
  const int la = a.mag.bit_length() + a.exp, lb = b.mag.bit_length() + b.exp;
  if (la != lb) return la < lb ? -1 : 1;
  // Same magnitude class: the shifts below are bounded by the bit lengths.
  if (a.exp >= b.exp) return compare(shl(a.mag, a.exp - b.exp), b.mag);
  return compare(a.mag, shl(b.mag, b.exp - a.exp));
}

// Exact signed sum. An exact zero result gets neg = false (callers apply the IEEE sign rules).
inline dyadic add(const dyadic& a, const dyadic& b) {
  if (a.is_zero()) return b;
  if (b.is_zero()) return a;
  const int e = std::min(a.exp, b.exp);
  const big am = shl(a.mag, a.exp - e), bm = shl(b.mag, b.exp - e);
  dyadic r;
  r.exp = e;
  if (a.neg == b.neg) {
    r.neg = a.neg;
    r.mag = am + bm;
  } else {
    const int c = compare(am, bm);
    if (c == 0) return dyadic{};
    r.neg = c > 0 ? a.neg : b.neg;
    r.mag = c > 0 ? am - bm : bm - am;
  }
  return r;
}

inline dyadic negate(dyadic a) {
  a.neg = !a.neg;
  return a;
}

inline dyadic mul(const dyadic& a, const dyadic& b) {
  return {a.neg != b.neg, a.mag * b.mag, a.exp + b.exp};
}

// ------------------------------------------------------------------------------------------------
// Format parameters (our own table, from the spec and the OCP / IEEE documents).

enum class nan_kind { ieee, all_ones, negative_zero, none };
enum class round_mode {
  nearest_even,
  nearest_away,
  toward_zero,
  upward,
  downward,
  to_odd,
  stochastic
};
enum class overflow_mode { standard, saturate };
enum class subnormal_mode { keep, flush };

struct format_desc {
  int exp_bits;
  int man_bits;
  int bias;
  bool is_signed;
  bool has_inf;
  nan_kind nan;
  bool has_subnormals;  // false: exponent field 0 is a normal binade (e8m0)
  int padding;          // low zero bits of the code (tf32)
  const char* name;
};

inline constexpr format_desc fp16{5, 10, 15, true, true, nan_kind::ieee, true, 0, "fp16"};
inline constexpr format_desc bf16{8, 7, 127, true, true, nan_kind::ieee, true, 0, "bf16"};
inline constexpr format_desc fp32{8, 23, 127, true, true, nan_kind::ieee, true, 0, "fp32"};
inline constexpr format_desc tf32{8, 10, 127, true, true, nan_kind::ieee, true, 13, "tf32"};
inline constexpr format_desc e4m3{4, 3, 7, true, false, nan_kind::all_ones, true, 0, "e4m3"};
inline constexpr format_desc e5m2{5, 2, 15, true, true, nan_kind::ieee, true, 0, "e5m2"};
inline constexpr format_desc e4m3fnuz{4,    3, 8,         true, false, nan_kind::negative_zero,
                                      true, 0, "e4m3fnuz"};
inline constexpr format_desc e5m2fnuz{5,    2, 16,        true, false, nan_kind::negative_zero,
                                      true, 0, "e5m2fnuz"};
inline constexpr format_desc e3m2{3, 2, 3, true, false, nan_kind::none, true, 0, "e3m2"};
inline constexpr format_desc e2m3{2, 3, 1, true, false, nan_kind::none, true, 0, "e2m3"};
inline constexpr format_desc e2m1{2, 1, 1, true, false, nan_kind::none, true, 0, "e2m1"};
inline constexpr format_desc e8m0{8, 0, 127, false, false, nan_kind::all_ones, false, 0, "e8m0"};
// binary64, only as a source of conversions.
inline constexpr format_desc fp64{11, 52, 1023, true, true, nan_kind::ieee, true, 0, "fp64"};

constexpr format_desc ieee_desc(int e, int m) {
  return {e, m, (1 << (e - 1)) - 1, true, true, nan_kind::ieee, true, 0, "ieee<E,M>"};
}

// Number of distinct codes (of the unpadded code) and the code layout.
constexpr int code_bits(const format_desc& f) {
  return (f.is_signed ? 1 : 0) + f.exp_bits + f.man_bits;
}
constexpr std::uint64_t code_count(const format_desc& f) {
  return std::uint64_t{1} << code_bits(f);
}
constexpr std::uint64_t sign_bit(const format_desc& f) {
  return f.is_signed ? std::uint64_t{1} << (f.exp_bits + f.man_bits) : 0;
}
constexpr std::uint64_t pad(const format_desc& f, std::uint64_t code) { return code << f.padding; }
// Smallest exponent e of the grid 2^(max(e, emin) - M).
constexpr int emin(const format_desc& f) { return f.has_subnormals ? 1 - f.bias : -f.bias; }
// Largest magnitude index (unpadded code without sign) that is finite.
constexpr std::uint64_t max_index(const format_desc& f) {
  const std::uint64_t all = (std::uint64_t{1} << (f.exp_bits + f.man_bits)) - 1;
  switch (f.nan) {
    case nan_kind::ieee:
      return all - (std::uint64_t{1} << f.man_bits);  // exponent all ones minus one, mantissa max
    case nan_kind::all_ones:
      return all - 1;
    default:
      return all;
  }
}
constexpr bool has_nan(const format_desc& f) { return f.nan != nan_kind::none; }
constexpr bool has_neg_zero(const format_desc& f) {
  return f.is_signed && f.nan != nan_kind::negative_zero;
}
constexpr bool has_zero(const format_desc& f) { return f.has_subnormals; }

// ------------------------------------------------------------------------------------------------
// Decoding.

enum class kind { finite, infinite, nan };

struct value {
  kind k = kind::finite;
  dyadic v;  // finite: the exact value (zero included, with its sign); otherwise v.neg is the sign

  bool is_nan() const { return k == kind::nan; }
  bool is_inf() const { return k == kind::infinite; }
  bool is_zero() const { return k == kind::finite && v.is_zero(); }
  bool neg() const { return v.neg; }
};

inline value make_inf(bool neg) { return {kind::infinite, dyadic{neg, big(), 0}}; }
inline value make_nan() { return {kind::nan, dyadic{}}; }
inline value make_zero(bool neg) { return {kind::finite, dyadic{neg, big(), 0}}; }

// The (positive) value of magnitude index i, read without flushing.
inline dyadic magnitude(const format_desc& f, std::uint64_t i) {
  const std::uint64_t e = i >> f.man_bits, m = i & ((std::uint64_t{1} << f.man_bits) - 1);
  if (e == 0 && f.has_subnormals) return make_dyadic(false, m, emin(f) - f.man_bits);
  return make_dyadic(false, m | (std::uint64_t{1} << f.man_bits),
                     static_cast<int>(e) - f.bias - f.man_bits);
}

inline bool is_subnormal_index(const format_desc& f, std::uint64_t i) {
  return f.has_subnormals && i != 0 && (i >> f.man_bits) == 0;
}

// Decodes a (padded) code. With flush, subnormal codes read as zeros of the same sign (spec rule
// 7a, no exception for fnuz: a flushed negative subnormal is an operand -0 there too, visible
// only as x / it = -inf; zero RESULTS are encoded +0 in fnuz by zero_result).
inline value decode(const format_desc& f, std::uint64_t code,
                    subnormal_mode s = subnormal_mode::keep) {
  code >>= f.padding;
  const bool neg = (code & sign_bit(f)) != 0;
  const std::uint64_t idx = code & ~sign_bit(f);
  const std::uint64_t all = (std::uint64_t{1} << (f.exp_bits + f.man_bits)) - 1;
  const std::uint64_t exp_all = all >> f.man_bits;
  switch (f.nan) {
    case nan_kind::ieee:
      if ((idx >> f.man_bits) == exp_all) {
        if ((idx & ((std::uint64_t{1} << f.man_bits) - 1)) == 0) return make_inf(neg);
        return make_nan();
      }
      break;
    case nan_kind::all_ones:
      if (idx == all) return make_nan();
      break;
    case nan_kind::negative_zero:
      if (neg && idx == 0) return make_nan();
      break;
    case nan_kind::none:
      break;
  }
  if (s == subnormal_mode::flush && is_subnormal_index(f, idx)) {
    return make_zero(neg);
  }
  value r;
  r.v = magnitude(f, idx);
  r.v.neg = neg;
  return r;
}

inline value decode_float(float x) {
  std::uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return decode(fp32, b);
}
inline value decode_double(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return decode(fp64, b);
}

// ------------------------------------------------------------------------------------------------
// Rounding.

struct target {
  format_desc f;
  round_mode r = round_mode::nearest_even;
  overflow_mode o = overflow_mode::standard;
  subnormal_mode s = subnormal_mode::keep;
};

// A reference result: NaN (any code that decodes as NaN is acceptable) or exact bits.
struct result {
  bool nan = false;
  std::uint64_t bits = 0;
};

inline result code_result(const format_desc& f, bool neg, std::uint64_t idx) {
  return {false, pad(f, (neg ? sign_bit(f) : 0) | idx)};
}
// A NaN result; formats without NaN store +max instead (spec, conversion rule 1).
inline result nan_result(const format_desc& f) {
  if (!has_nan(f)) return code_result(f, false, max_index(f));
  return {true, 0};
}

// The zero of the given sign (fnuz: +0; e8m0 has no zero: its minimum 2^-127).
inline result zero_result(const format_desc& f, bool neg) {
  if (!has_zero(f)) return code_result(f, false, 0);
  return code_result(f, neg && has_neg_zero(f), 0);
}
inline result max_result(const format_desc& f, bool neg) {
  if (!f.is_signed && neg) return nan_result(f);
  return code_result(f, neg, max_index(f));
}
inline result inf_result(const format_desc& f, bool neg) {
  if (!f.is_signed && neg) return nan_result(f);
  if (f.has_inf) return code_result(f, neg, max_index(f) + 1);  // exponent all ones, mantissa 0
  if (has_nan(f)) return nan_result(f);
  return max_result(f, neg);
}

// An exact infinity (an infinite operand, x/0): conversion rule 2 of the spec.
inline result exact_infinity(const target& t, bool neg) {
  if (t.o == overflow_mode::saturate) return max_result(t.f, neg);
  return inf_result(t.f, neg);
}

// A finite result too large for the format: rule 5.
inline result overflowed(const target& t, bool neg) {
  if (t.o == overflow_mode::saturate) return max_result(t.f, neg);
  bool to_inf = false;
  switch (t.r) {
    case round_mode::nearest_even:
    case round_mode::nearest_away:
    case round_mode::stochastic:
      to_inf = true;
      break;
    case round_mode::upward:
      to_inf = !neg;
      break;
    case round_mode::downward:
      to_inf = neg;
      break;
    case round_mode::toward_zero:
    case round_mode::to_odd:
      to_inf = false;
      break;
  }
  return to_inf ? inf_result(t.f, neg) : max_result(t.f, neg);
}

// The grid step at a representable magnitude lo: 2^(max(floor(log2 lo), emin) - M).
inline int quantum_exp(const format_desc& f, const dyadic& lo) {
  const int e = lo.is_zero() ? emin(f) : std::max(ilog2(lo), emin(f));
  return e - f.man_bits;
}

// f = floor((|x| - lo) / 2^qe * 2^32) for lo <= |x| < lo + 2^qe: the largest f < 2^32 with
// lo + f * 2^(qe - 32) <= |x|, found by binary search on exact comparisons.
template <class Cmp>
std::uint64_t fraction32(const dyadic& lo, int qe, const Cmp& cmp) {
  std::uint64_t a = 0, b = 0xFFFFFFFFu;
  while (a < b) {
    const std::uint64_t m = a + (b - a + 1) / 2;
    if (cmp(add(lo, make_dyadic(false, m, qe - 32))) <= 0) {
      a = m;
    } else {
      b = m - 1;
    }
  }
  return a;
}

// Rounds a nonzero finite x, known only through `cmp(v)` = sign of (v - |x|) for v >= 0, with
// sign `neg`. For stochastic rounding `random` holds the 32 random bits.
template <class Cmp>
result round_magnitude(const target& t, bool neg, const Cmp& cmp, std::uint32_t random = 0) {
  const format_desc& f = t.f;
  if (!f.is_signed && neg) return nan_result(f);
  if (!has_zero(f) && cmp(magnitude(f, 0)) > 0) return code_result(f, false, 0);  // rule 8
  // Largest index whose magnitude is <= |x|; magnitude(0) <= |x| here.
  std::uint64_t lo_i = 0, hi_i = max_index(f);
  while (lo_i < hi_i) {
    const std::uint64_t mid = lo_i + (hi_i - lo_i + 1) / 2;
    if (cmp(magnitude(f, mid)) <= 0) {
      lo_i = mid;
    } else {
      hi_i = mid - 1;
    }
  }
  const dyadic lo = magnitude(f, lo_i);
  bool away = false;
  if (cmp(lo) != 0) {
    const int qe = quantum_exp(f, lo);
    // Parity of lo's significand counted in its own quantum (e8m0: always 1, odd).
    const bool lo_odd = !lo.is_zero() && qe >= lo.exp && lo.mag.bit(qe - lo.exp);
    switch (t.r) {
      case round_mode::nearest_even:
      case round_mode::nearest_away: {
        const int c = cmp(add(lo, pow2(qe - 1)));
        if (c == 0) {
          away = t.r == round_mode::nearest_away || lo_odd;
        } else {
          away = c < 0;
        }
        break;
      }
      case round_mode::toward_zero:
        away = false;
        break;
      case round_mode::upward:
        away = !neg;
        break;
      case round_mode::downward:
        away = neg;
        break;
      case round_mode::to_odd:
        away = !lo_odd;
        break;
      case round_mode::stochastic: {
        // Beyond max + q (only when lo is max) every outcome overflows.
        if (lo_i == max_index(f) && cmp(add(lo, pow2(qe))) <= 0) {
          away = true;
          break;
        }
        away = random < fraction32(lo, qe, cmp);
        break;
      }
    }
  }
  std::uint64_t idx = lo_i;
  if (away) {
    if (lo_i == max_index(f)) return overflowed(t, neg);
    idx = lo_i + 1;
  }
  if (idx == 0 && has_zero(f)) return zero_result(f, neg);
  if (t.s == subnormal_mode::flush && is_subnormal_index(f, idx)) return zero_result(f, neg);
  return code_result(f, neg, idx);
}

// Rounds an exact value (finite dyadic, infinity or NaN).
inline result round_value(const target& t, const value& x, std::uint32_t random = 0) {
  if (x.is_nan()) return nan_result(t.f);
  if (x.is_inf()) return exact_infinity(t, x.neg());
  if (x.is_zero()) return zero_result(t.f, x.neg());
  const dyadic& xv = x.v;
  return round_magnitude(
      t, xv.neg, [&](const dyadic& v) { return compare_abs(v, xv); }, random);
}

// The stochastic decision for a nonzero finite x (given by cmp, sign neg) in format f: the code
// of the lower-magnitude neighbour, whether x is representable, and the threshold f (round away
// iff u < f). For x beyond max + quantum (always overflow) `beyond` is set.
struct stochastic_split {
  std::uint64_t lo_index = 0;
  bool exact = false;
  bool beyond = false;
  std::uint64_t threshold = 0;
};

template <class Cmp>
stochastic_split split(const format_desc& f, const Cmp& cmp) {
  stochastic_split r;
  if (!has_zero(f) && cmp(magnitude(f, 0)) > 0) {  // below e8m0's minimum: always the minimum
    r.exact = true;
    return r;
  }
  std::uint64_t lo_i = 0, hi_i = max_index(f);
  while (lo_i < hi_i) {
    const std::uint64_t mid = lo_i + (hi_i - lo_i + 1) / 2;
    if (cmp(magnitude(f, mid)) <= 0) {
      lo_i = mid;
    } else {
      hi_i = mid - 1;
    }
  }
  r.lo_index = lo_i;
  const dyadic lo = magnitude(f, lo_i);
  if (cmp(lo) == 0) {
    r.exact = true;
    return r;
  }
  const int qe = quantum_exp(f, lo);
  if (cmp(add(lo, pow2(qe))) <= 0) {
    r.beyond = true;
    return r;
  }
  r.threshold = fraction32(lo, qe, cmp);
  return r;
}

inline stochastic_split split(const format_desc& f, const dyadic& x) {
  return split(f, [&](const dyadic& v) { return compare_abs(v, x); });
}

// Zero result of an exact sum: (+0)+(+0) = +0, (-0)+(-0) = -0, otherwise +0 (-0 downward).
inline bool sum_zero_sign(const target& t, bool a_neg, bool b_neg) {
  if (a_neg == b_neg) return a_neg;
  return t.r == round_mode::downward;
}

inline value exact_add(const target& t, const value& a, const value& b) {
  if (a.is_nan() || b.is_nan()) return make_nan();
  if (a.is_inf() || b.is_inf()) {
    if (a.is_inf() && b.is_inf() && a.neg() != b.neg()) return make_nan();
    return make_inf(a.is_inf() ? a.neg() : b.neg());
  }
  value r;
  r.v = add(a.v, b.v);
  if (r.v.is_zero()) {
    r.v.neg = sum_zero_sign(t, a.neg(), b.neg());
  }
  return r;
}

inline value exact_neg(value a) {
  a.v.neg = !a.v.neg;
  return a;
}

inline value exact_mul(const value& a, const value& b) {
  if (a.is_nan() || b.is_nan()) return make_nan();
  const bool neg = a.neg() != b.neg();
  if (a.is_inf() || b.is_inf()) {
    if (a.is_zero() || b.is_zero()) return make_nan();
    return make_inf(neg);
  }
  value r;
  r.v = mul(a.v, b.v);
  r.v.neg = neg;
  return r;
}

// ------------------------------------------------------------------------------------------------
// Operations on codes of one type: operands decoded with the type's subnormal mode, the exact
// result rounded once into the same type.

inline result add(const target& t, std::uint64_t a, std::uint64_t b, std::uint32_t random = 0) {
  return round_value(t, exact_add(t, decode(t.f, a, t.s), decode(t.f, b, t.s)), random);
}

inline result sub(const target& t, std::uint64_t a, std::uint64_t b, std::uint32_t random = 0) {
  const value bv = decode(t.f, b, t.s);
  return round_value(t, exact_add(t, decode(t.f, a, t.s), exact_neg(bv)), random);
}

inline result mul(const target& t, std::uint64_t a, std::uint64_t b, std::uint32_t random = 0) {
  return round_value(t, exact_mul(decode(t.f, a, t.s), decode(t.f, b, t.s)), random);
}

inline result fma(const target& t, std::uint64_t a, std::uint64_t b, std::uint64_t c,
                  std::uint32_t random = 0) {
  const value av = decode(t.f, a, t.s), bv = decode(t.f, b, t.s), cv = decode(t.f, c, t.s);
  if (av.is_nan() || bv.is_nan() || cv.is_nan()) return nan_result(t.f);
  // a*b is exact here (no rounding), so the product's special cases are those of exact_mul.
  const value p = exact_mul(av, bv);
  if (p.is_nan()) return nan_result(t.f);
  return round_value(t, exact_add(t, p, cv), random);
}

inline result div(const target& t, std::uint64_t a, std::uint64_t b, std::uint32_t random = 0) {
  const value av = decode(t.f, a, t.s), bv = decode(t.f, b, t.s);
  if (av.is_nan() || bv.is_nan()) return nan_result(t.f);
  const bool neg = av.neg() != bv.neg();
  if (av.is_inf()) {
    if (bv.is_inf()) return nan_result(t.f);
    return exact_infinity(t, neg);
  }
  if (bv.is_inf()) return zero_result(t.f, neg);
  if (bv.is_zero()) {
    if (av.is_zero()) return nan_result(t.f);
    return exact_infinity(t, neg);
  }
  if (av.is_zero()) return zero_result(t.f, neg);
  // v versus |a| / |b|  <=>  v * |b| versus |a|
  return round_magnitude(
      t, neg, [&](const dyadic& v) { return compare_abs(mul(v, bv.v), av.v); }, random);
}

inline result sqrt(const target& t, std::uint64_t a, std::uint32_t random = 0) {
  const value av = decode(t.f, a, t.s);
  if (av.is_nan()) return nan_result(t.f);
  if (av.is_zero()) return zero_result(t.f, av.neg());  // sqrt(-0) = -0
  if (av.neg()) return nan_result(t.f);
  if (av.is_inf()) return exact_infinity(t, false);
  // v versus sqrt(a)  <=>  v * v versus a
  return round_magnitude(
      t, false, [&](const dyadic& v) { return compare_abs(mul(v, v), av.v); }, random);
}

// Conversion of a code of another format (decoded with that format's subnormal mode).
inline result convert(const target& t, const format_desc& from, std::uint64_t code,
                      subnormal_mode from_s = subnormal_mode::keep, std::uint32_t random = 0) {
  return round_value(t, decode(from, code, from_s), random);
}
inline result convert(const target& t, float x, std::uint32_t random = 0) {
  return round_value(t, decode_float(x), random);
}
inline result convert(const target& t, double x, std::uint32_t random = 0) {
  return round_value(t, decode_double(x), random);
}

// Exact comparison of two codes: the IEEE predicates. Returns -1, 0, 1, or 2 for unordered.
inline int compare_codes(const target& t, std::uint64_t a, std::uint64_t b) {
  const value av = decode(t.f, a, t.s), bv = decode(t.f, b, t.s);
  if (av.is_nan() || bv.is_nan()) return 2;
  auto rank = [](const value& v) { return v.is_inf() ? (v.neg() ? -1 : 1) : 0; };
  if (rank(av) != rank(bv)) return rank(av) < rank(bv) ? -1 : 1;
  if (av.is_inf()) return 0;
  const dyadic d = add(av.v, negate(bv.v));
  if (d.is_zero()) return 0;
  return d.neg ? -1 : 1;
}

// Whether a library result with code `got` matches the reference.
inline bool matches(const format_desc& f, const result& want, std::uint64_t got) {
  if (want.nan) return decode(f, got).is_nan();
  return got == want.bits;
}

inline std::string hex(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 15]);
    v >>= 4;
  } while (v != 0);
  return "0x" + s;
}

inline std::string to_string(const result& r) { return r.nan ? std::string("NaN") : hex(r.bits); }

inline const char* to_string(round_mode r) {
  switch (r) {
    case round_mode::nearest_even:
      return "nearest_even";
    case round_mode::nearest_away:
      return "nearest_away";
    case round_mode::toward_zero:
      return "toward_zero";
    case round_mode::upward:
      return "upward";
    case round_mode::downward:
      return "downward";
    case round_mode::to_odd:
      return "to_odd";
    case round_mode::stochastic:
      return "stochastic";
  }
  return "?";
}

inline std::string to_string(const target& t) {
  return std::string(t.f.name) + "/" + to_string(t.r) +
         (t.o == overflow_mode::saturate ? "/saturate" : "/standard") +
         (t.s == subnormal_mode::flush ? "/flush" : "/keep");
}

}  // namespace mixprec_test::exact

// ------------------------------------------------------------------------------------------------
// Bridge to the library's types: which of our descriptors and modes a floating<F, R, O, S> is.

namespace mixprec_test::exact {

template <class F>
struct is_ieee_template : std::false_type {};
template <int E, int M>
struct is_ieee_template<mixprec::formats::ieee<E, M>> : std::true_type {
  static constexpr int exp_bits = E, man_bits = M;
};

template <class>
inline constexpr bool always_false = false;

template <class F>
constexpr format_desc desc_of() {
  namespace fm = mixprec::formats;
  if constexpr (std::is_same_v<F, fm::fp16>) {
    return fp16;
  } else if constexpr (std::is_same_v<F, fm::bf16>) {
    return bf16;
  } else if constexpr (std::is_same_v<F, fm::fp32>) {
    return fp32;
  } else if constexpr (std::is_same_v<F, fm::tf32>) {
    return tf32;
  } else if constexpr (std::is_same_v<F, fm::e4m3>) {
    return e4m3;
  } else if constexpr (std::is_same_v<F, fm::e5m2>) {
    return e5m2;
  } else if constexpr (std::is_same_v<F, fm::e4m3fnuz>) {
    return e4m3fnuz;
  } else if constexpr (std::is_same_v<F, fm::e5m2fnuz>) {
    return e5m2fnuz;
  } else if constexpr (std::is_same_v<F, fm::e3m2>) {
    return e3m2;
  } else if constexpr (std::is_same_v<F, fm::e2m3>) {
    return e2m3;
  } else if constexpr (std::is_same_v<F, fm::e2m1>) {
    return e2m1;
  } else if constexpr (std::is_same_v<F, fm::e8m0>) {
    return e8m0;
  } else if constexpr (is_ieee_template<F>::value) {
    return ieee_desc(is_ieee_template<F>::exp_bits, is_ieee_template<F>::man_bits);
  } else {
    static_assert(always_false<F>, "exact::desc_of: unknown format");
  }
}

constexpr round_mode mode_of(mixprec::rounding r) {
  switch (r) {
    case mixprec::rounding::nearest_even:
      return round_mode::nearest_even;
    case mixprec::rounding::nearest_away:
      return round_mode::nearest_away;
    case mixprec::rounding::toward_zero:
      return round_mode::toward_zero;
    case mixprec::rounding::upward:
      return round_mode::upward;
    case mixprec::rounding::downward:
      return round_mode::downward;
    case mixprec::rounding::to_odd:
      return round_mode::to_odd;
    case mixprec::rounding::stochastic:
      return round_mode::stochastic;
  }
  return round_mode::nearest_even;
}

// The reference parameters of a floating type.
template <class T>
constexpr target target_of() {
  return {desc_of<typename T::format>(), mode_of(T::rounding_mode),
          T::overflow_mode == mixprec::overflow::saturate ? overflow_mode::saturate
                                                          : overflow_mode::standard,
          T::subnormal_mode == mixprec::subnormals::flush ? subnormal_mode::flush
                                                          : subnormal_mode::keep};
}

template <class T>
T from_code(std::uint64_t code) {
  return T::from_bits(static_cast<typename T::storage>(code));
}
template <class T>
std::uint64_t code_of(T x) {
  return static_cast<std::uint64_t>(x.bits());
}

// Code of magnitude index i with the given sign, padded.
inline std::uint64_t make_code(const format_desc& f, bool neg, std::uint64_t idx) {
  return pad(f, (neg ? sign_bit(f) : 0) | idx);
}

}  // namespace mixprec_test::exact
