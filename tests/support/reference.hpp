// Independent reference model of the mixprec number formats, for the tests.
//
// Nothing here uses the library to compute a value: a format is described by
// plain numbers (exponent bits, mantissa bits, bias, sign, infinity, NaN
// style, subnormals, padding), a code is decoded with std::ldexp, and a value
// is rounded by finding its two neighbouring representable values by exact
// arithmetic on doubles (or on 64-bit integers for integer inputs) and then
// picking one per rounding mode. Every format value, every float and the
// midpoint of two neighbours is exact in a double, so no step here rounds.
//
// A second, integer-only path (fast_float_to_ieee) maps float bit patterns to
// IEEE-style codes (fp16, bf16, ieee<E,M>) quickly enough to run on all 2^32
// floats; the exhaustive test checks it against the generic path on samples.
//
// The second half of this file maps the library's format and value types to
// these descriptors (by type name only) and the library's enums to ours.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

namespace mixprec_test {

enum class nan_kind { ieee, all_ones, negative_zero, none };
enum class rmode { nearest_even, nearest_away, toward_zero, upward, downward, to_odd };
enum class omode { standard, saturate };
enum class smode { keep, flush };
enum class value_class { nan, infinite, zero, subnormal, normal };

inline constexpr rmode all_rmodes[] = {rmode::nearest_even, rmode::nearest_away, rmode::toward_zero,
                                       rmode::upward,       rmode::downward,     rmode::to_odd};

inline const char* to_string(rmode r) {
  switch (r) {
    case rmode::nearest_even:
      return "nearest_even";
    case rmode::nearest_away:
      return "nearest_away";
    case rmode::toward_zero:
      return "toward_zero";
    case rmode::upward:
      return "upward";
    case rmode::downward:
      return "downward";
    case rmode::to_odd:
      return "to_odd";
  }
  return "?";
}

/// A format, described by numbers only.
struct format_desc {
  int exp_bits;
  int man_bits;
  int bias;
  bool is_signed;
  bool has_inf;
  nan_kind nan;
  bool has_sub;
  int pad;
  const char* name;

  /// Bits of a code without the padding.
  constexpr int code_bits() const { return (is_signed ? 1 : 0) + exp_bits + man_bits; }
  /// Bits of storage that the code occupies, padding included.
  constexpr int total_bits() const { return code_bits() + pad; }
  /// Number of distinct codes (padding bits zero).
  constexpr std::uint64_t code_count() const { return std::uint64_t{1} << code_bits(); }
  /// The i-th code (0 <= i < code_count()), as it sits in storage.
  constexpr std::uint32_t code_at(std::uint64_t i) const {
    return static_cast<std::uint32_t>(i << pad);
  }
  constexpr std::uint32_t exp_all_ones() const { return (1u << exp_bits) - 1u; }
  constexpr std::uint32_t man_mask() const { return (1u << man_bits) - 1u; }
  constexpr std::uint32_t sign_bit() const {
    return is_signed ? (1u << (exp_bits + man_bits + pad)) : 0u;
  }
  /// Exponent of the smallest normal number.
  constexpr int emin() const { return has_sub ? 1 - bias : -bias; }
};

constexpr format_desc ieee_desc(int e, int m, const char* name = "ieee") {
  return format_desc{e, m, (1 << (e - 1)) - 1, true, true, nan_kind::ieee, true, 0, name};
}

inline constexpr format_desc fp16 = ieee_desc(5, 10, "fp16");
inline constexpr format_desc bf16 = ieee_desc(8, 7, "bf16");
inline constexpr format_desc fp32 = ieee_desc(8, 23, "fp32");
inline constexpr format_desc tf32{8, 10, 127, true, true, nan_kind::ieee, true, 13, "tf32"};
inline constexpr format_desc e4m3{4, 3, 7, true, false, nan_kind::all_ones, true, 0, "e4m3"};
inline constexpr format_desc e5m2 = ieee_desc(5, 2, "e5m2");
inline constexpr format_desc e4m3fnuz{4,    3, 8,         true, false, nan_kind::negative_zero,
                                      true, 0, "e4m3fnuz"};
inline constexpr format_desc e5m2fnuz{5,    2, 16,        true, false, nan_kind::negative_zero,
                                      true, 0, "e5m2fnuz"};
inline constexpr format_desc e3m2{3, 2, 3, true, false, nan_kind::none, true, 0, "e3m2"};
inline constexpr format_desc e2m3{2, 3, 1, true, false, nan_kind::none, true, 0, "e2m3"};
inline constexpr format_desc e2m1{2, 1, 1, true, false, nan_kind::none, true, 0, "e2m1"};
inline constexpr format_desc e8m0{8, 0, 127, false, false, nan_kind::all_ones, false, 0, "e8m0"};

// ---------------------------------------------------------------------------
// Fields of a code.

struct fields {
  bool sign;
  std::uint32_t exp;
  std::uint32_t man;
};

constexpr fields split(const format_desc& f, std::uint32_t code) {
  const std::uint32_t c = code >> f.pad;
  return fields{f.is_signed && ((c >> (f.exp_bits + f.man_bits)) & 1u) != 0,
                (c >> f.man_bits) & f.exp_all_ones(), c & f.man_mask()};
}

constexpr std::uint32_t join(const format_desc& f, bool sign, std::uint32_t exp,
                             std::uint32_t man) {
  std::uint32_t c = (exp << f.man_bits) | man;
  if (sign && f.is_signed) c |= 1u << (f.exp_bits + f.man_bits);
  return c << f.pad;
}

constexpr bool is_nan_code(const format_desc& f, std::uint32_t code) {
  const fields x = split(f, code);
  switch (f.nan) {
    case nan_kind::ieee:
      return x.exp == f.exp_all_ones() && x.man != 0;
    case nan_kind::all_ones:
      return x.exp == f.exp_all_ones() && x.man == f.man_mask();
    case nan_kind::negative_zero:
      return x.sign && x.exp == 0 && x.man == 0;
    case nan_kind::none:
      return false;
  }
  return false;
}

/// The top mantissa bit (the quiet bit of IEEE-style NaNs); false when there is no mantissa.
constexpr bool quiet_bit(const format_desc& f, std::uint32_t code) {
  return f.man_bits > 0 && ((split(f, code).man >> (f.man_bits - 1)) & 1u) != 0;
}

constexpr bool is_inf_code(const format_desc& f, std::uint32_t code) {
  const fields x = split(f, code);
  return f.has_inf && x.exp == f.exp_all_ones() && x.man == 0;
}

/// Magnitude code (sign clear) of the largest finite value.
constexpr std::uint32_t max_code(const format_desc& f) {
  const std::uint32_t all = (1u << (f.exp_bits + f.man_bits)) - 1u;
  switch (f.nan) {
    case nan_kind::ieee:
      return (all - f.man_mask() - 1u) << f.pad;  // exp all ones - 1, man ones
    case nan_kind::all_ones:
      return (all - 1u) << f.pad;
    case nan_kind::negative_zero:
    case nan_kind::none:
      return all << f.pad;
  }
  return 0;
}

constexpr std::uint32_t inf_code(const format_desc& f, bool neg) {
  return join(f, neg, f.exp_all_ones(), 0);
}

/// Smallest positive normal code.
constexpr std::uint32_t min_normal_code(const format_desc& f) {
  return join(f, false, f.has_sub ? 1u : 0u, 0);
}

// ---------------------------------------------------------------------------
// Decoding.

struct decoded {
  value_class cls;
  double value;            // exact; signed zero for zeros; +-inf; NaN for NaN codes
  bool sign;               // sign of the value (for NaN: the sign the spec gives it)
  std::uint64_t nan_frac;  // NaN payload left-aligned in 64 bits, quiet bit included (bit 63)
};

/// Decodes a code exactly. `flush` = the type flushes subnormals (they read as signed zero).
inline decoded decode(const format_desc& f, std::uint32_t code, bool flush = false) {
  const fields x = split(f, code);
  if (is_nan_code(f, code)) {
    // ieee: sign kept, quiet bit set, payload left-aligned; all_ones: the code's sign (e8m0 +),
    // default payload; negative_zero: +, default payload.
    std::uint64_t frac = std::uint64_t{1} << 63;
    bool s = false;
    if (f.nan == nan_kind::ieee) {
      frac |= static_cast<std::uint64_t>(x.man) << (64 - f.man_bits);
      s = x.sign;
    } else if (f.nan == nan_kind::all_ones) {
      s = x.sign;
    }
    return decoded{
        value_class::nan,
        s ? -std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::quiet_NaN(), s,
        frac};
  }
  if (is_inf_code(f, code)) {
    const double inf = std::numeric_limits<double>::infinity();
    return decoded{value_class::infinite, x.sign ? -inf : inf, x.sign, 0};
  }
  double mag;
  value_class cls;
  if (f.has_sub && x.exp == 0) {
    mag = std::ldexp(static_cast<double>(x.man), 1 - f.bias - f.man_bits);
    cls = x.man == 0 ? value_class::zero : value_class::subnormal;
    if (flush && cls == value_class::subnormal) {
      mag = 0.0;
      cls = value_class::zero;
    }
  } else {
    mag = std::ldexp(static_cast<double>((1u << f.man_bits) + x.man),
                     static_cast<int>(x.exp) - f.bias - f.man_bits);
    cls = value_class::normal;
  }
  return decoded{cls, x.sign ? -mag : mag, x.sign, 0};
}

inline double max_value(const format_desc& f) { return decode(f, max_code(f)).value; }
inline double min_normal_value(const format_desc& f) { return decode(f, min_normal_code(f)).value; }

/// Bits of the float that the library must give for a code (exact; NaN per the spec).
inline std::uint32_t expected_float_bits(const format_desc& f, std::uint32_t code, bool flush) {
  const decoded d = decode(f, code, flush);
  if (d.cls == value_class::nan) {
    return (d.sign ? 0x80000000u : 0u) | 0x7F800000u | static_cast<std::uint32_t>(d.nan_frac >> 41);
  }
  return std::bit_cast<std::uint32_t>(static_cast<float>(d.value));  // exact for every format
}

/// Bits of the double that the library must give for a code.
inline std::uint64_t expected_double_bits(const format_desc& f, std::uint32_t code, bool flush) {
  const decoded d = decode(f, code, flush);
  if (d.cls == value_class::nan) {
    return (d.sign ? 0x8000000000000000u : 0u) | 0x7FF0000000000000u | (d.nan_frac >> 12);
  }
  return std::bit_cast<std::uint64_t>(d.value);
}

// ---------------------------------------------------------------------------
// Encoding: the spec's conversion rules, applied to an exact value.

/// Code for a NaN input with sign `neg` and payload `frac` left-aligned in 64 bits.
constexpr std::uint32_t nan_code(const format_desc& f, bool neg, std::uint64_t frac) {
  switch (f.nan) {
    case nan_kind::ieee: {
      const std::uint32_t man =
          static_cast<std::uint32_t>(frac >> (64 - f.man_bits)) | (1u << (f.man_bits - 1));
      return join(f, neg, f.exp_all_ones(), man);
    }
    case nan_kind::all_ones:
      return join(f, neg, f.exp_all_ones(), f.man_mask());
    case nan_kind::negative_zero:
      return join(f, true, 0, 0);
    case nan_kind::none:
      return max_code(f);
  }
  return 0;
}

/// The code an "infinite" result gets where the format lacks infinity (spec rules 2 and 5).
constexpr std::uint32_t inf_or_substitute(const format_desc& f, bool neg) {
  if (f.has_inf) return inf_code(f, neg);
  if (f.nan != nan_kind::none) return nan_code(f, neg, std::uint64_t{1} << 63);
  return max_code(f) | (neg ? f.sign_bit() : 0u);
}

constexpr std::uint32_t signed_zero(const format_desc& f, bool neg) {
  if (!f.is_signed) return 0;  // e8m0 has no zero: its smallest value (code 0)
  if (f.nan == nan_kind::negative_zero) return 0;
  return neg ? f.sign_bit() : 0u;
}

constexpr std::uint32_t encode_infinity(const format_desc& f, bool neg, omode o) {
  if (!f.is_signed && neg) return nan_code(f, neg, 0);  // e8m0: -inf is NaN
  if (o == omode::saturate) return max_code(f) | (neg ? f.sign_bit() : 0u);
  return inf_or_substitute(f, neg);
}

enum class position { exact, below_half, half, above_half };

/// Rounds |x| = (lo_units + fraction) * 2^qexp, whose fraction's position is `pos`.
/// lo_units < 2^(M+2); returns the chosen number of units.
constexpr std::uint64_t pick_units(std::uint64_t lo_units, position pos, bool neg, rmode r) {
  if (pos == position::exact) return lo_units;
  bool up = false;
  switch (r) {
    case rmode::nearest_even:
      up = pos == position::above_half || (pos == position::half && (lo_units & 1u) != 0);
      break;
    case rmode::nearest_away:
      up = pos != position::below_half;
      break;
    case rmode::toward_zero:
      up = false;
      break;
    case rmode::upward:
      up = !neg;
      break;
    case rmode::downward:
      up = neg;
      break;
    case rmode::to_odd:
      up = (lo_units & 1u) == 0;
      break;
  }
  return lo_units + (up ? 1u : 0u);
}

/// Code for the rounded nonzero-or-zero magnitude r = units * 2^qexp (exact), with the
/// overflow, underflow and flush rules.
inline std::uint32_t finish(const format_desc& f, bool neg, std::uint64_t units, int qexp, rmode r,
                            omode o, smode s) {
  const double mag = std::ldexp(static_cast<double>(units), qexp);
  if (!f.is_signed && neg) return nan_code(f, true, 0);  // e8m0: negative nonzero -> NaN
  const double maxv = max_value(f);
  if (mag > maxv) {
    if (o == omode::saturate) return max_code(f) | (neg ? f.sign_bit() : 0u);
    const bool to_inf = r == rmode::nearest_even || r == rmode::nearest_away ||
                        (r == rmode::upward && !neg) || (r == rmode::downward && neg);
    if (to_inf) return inf_or_substitute(f, neg);
    return max_code(f) | (neg ? f.sign_bit() : 0u);
  }
  if (mag == 0.0) return signed_zero(f, neg);  // e8m0: its smallest value
  const int e = std::ilogb(mag);
  if (e < f.emin()) {
    // Subnormal result.
    if (s == smode::flush) return signed_zero(f, neg);
    const double man = std::ldexp(mag, f.man_bits - f.emin());
    return join(f, neg, 0, static_cast<std::uint32_t>(man));
  }
  const double man = std::ldexp(mag, f.man_bits - e) - std::ldexp(1.0, f.man_bits);
  const std::uint32_t exp = static_cast<std::uint32_t>(e + f.bias);
  return join(f, neg, exp, static_cast<std::uint32_t>(man));
}

/// Exponent of the binade of the largest finite value.
inline int top_exponent(const format_desc& f) { return std::ilogb(max_value(f)); }

/// Reference rounding of a finite nonzero double, or any double.
inline std::uint32_t from_double(const format_desc& f, double x, rmode r, omode o = omode::standard,
                                 smode s = smode::keep) {
  const std::uint64_t b = std::bit_cast<std::uint64_t>(x);
  const bool neg = (b >> 63) != 0;
  if (std::isnan(x)) return nan_code(f, neg, (b & 0x000FFFFFFFFFFFFFu) << 12);
  if (std::isinf(x)) return encode_infinity(f, neg, o);
  if (x == 0.0) return signed_zero(f, neg);
  if (!f.is_signed && neg) return nan_code(f, true, 0);
  const double a = std::fabs(x);
  const int e = std::ilogb(a);
  if (e > top_exponent(f)) {
    // Every mode rounds to at least 2^(top+1) > max: overflow. Units/qexp chosen to exceed max.
    return finish(f, neg, 1, top_exponent(f) + 1, r, o, s);
  }
  const int qexp = (e > f.emin() ? e : f.emin()) - f.man_bits;
  const double scaled = std::ldexp(a, -qexp);  // exact: a power-of-two scaling, no underflow
  const double lo = std::floor(scaled);
  const double frac = scaled - lo;  // exact
  const position pos = frac == 0.0   ? position::exact
                       : frac < 0.5  ? position::below_half
                       : frac == 0.5 ? position::half
                                     : position::above_half;
  const std::uint64_t units = pick_units(static_cast<std::uint64_t>(lo), pos, neg, r);
  return finish(f, neg, units, qexp, r, o, s);
}

/// Reference rounding of a float (exact in double; NaN payload taken from the float's bits).
inline std::uint32_t from_float(const format_desc& f, float x, rmode r, omode o = omode::standard,
                                smode s = smode::keep) {
  const std::uint32_t b = std::bit_cast<std::uint32_t>(x);
  if (std::isnan(x)) {
    return nan_code(f, (b >> 31) != 0, static_cast<std::uint64_t>(b & 0x7FFFFFu) << 41);
  }
  return from_double(f, static_cast<double>(x), r, o, s);
}

/// Reference rounding of the integer (-1)^neg * mag, by exact integer arithmetic.
inline std::uint32_t from_integer_parts(const format_desc& f, bool neg, std::uint64_t mag, rmode r,
                                        omode o = omode::standard, smode s = smode::keep) {
  if (mag == 0) return signed_zero(f, false);  // an integer zero is +0
  if (!f.is_signed && neg) return nan_code(f, true, 0);
  const int e = 63 - std::countl_zero(mag);
  if (e > top_exponent(f)) return finish(f, neg, 1, top_exponent(f) + 1, r, o, s);
  const int qexp = (e > f.emin() ? e : f.emin()) - f.man_bits;
  if (qexp <= 0) {
    return finish(f, neg, mag << -qexp, qexp, r, o, s);  // exact: at most M+1 bits
  }
  const std::uint64_t lo = mag >> qexp;
  const std::uint64_t rem = mag & ((std::uint64_t{1} << qexp) - 1u);
  const std::uint64_t half = std::uint64_t{1} << (qexp - 1);
  const position pos = rem == 0      ? position::exact
                       : rem < half  ? position::below_half
                       : rem == half ? position::half
                                     : position::above_half;
  return finish(f, neg, pick_units(lo, pos, neg, r), qexp, r, o, s);
}

template <class Int>
std::uint32_t from_integer(const format_desc& f, Int v, rmode r, omode o = omode::standard,
                           smode s = smode::keep) {
  static_assert(std::is_integral_v<Int>);
  if constexpr (std::is_signed_v<Int>) {
    const std::int64_t w = static_cast<std::int64_t>(v);
    const std::uint64_t mag =
        w < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(w) : static_cast<std::uint64_t>(w);
    return from_integer_parts(f, w < 0, mag, r, o, s);
  } else {
    return from_integer_parts(f, false, static_cast<std::uint64_t>(v), r, o, s);
  }
}

/// Reference conversion of a code of format `src` (flushing subnormals if `src_flush`) into
/// format `dst`.
inline std::uint32_t from_code(const format_desc& dst, const format_desc& src, std::uint32_t code,
                               bool src_flush, rmode r, omode o = omode::standard,
                               smode s = smode::keep) {
  const decoded d = decode(src, code, src_flush);
  if (d.cls == value_class::nan) return nan_code(dst, d.sign, d.nan_frac);
  return from_double(dst, d.value, r, o, s);
}

// ---------------------------------------------------------------------------
// Classification.

inline value_class classify(const format_desc& f, std::uint32_t code, bool flush) {
  return decode(f, code, flush).cls;
}

// ---------------------------------------------------------------------------
// Fast integer-only reference: float bits -> IEEE-style code ieee<E,M> (fp16 = <5,10>,
// bf16 = <8,7>). Mode parameters are template arguments so that the loop over 2^32 inputs
// has no mode dispatch.

template <int E, int M, rmode R, omode O, smode S>
constexpr std::uint32_t fast_float_to_ieee(std::uint32_t u) {
  static_assert(E >= 2 && E <= 8 && M >= 1 && M <= 23);
  constexpr int bias = (1 << (E - 1)) - 1;
  constexpr int emin = 1 - bias;
  constexpr std::uint32_t inf = ((1u << E) - 1u) << M;
  constexpr std::uint32_t max = inf - 1u;
  const bool neg = (u >> 31) != 0;
  const std::uint32_t sign = neg ? (1u << (E + M)) : 0u;
  const std::uint32_t fexp = (u >> 23) & 0xFFu;
  const std::uint32_t fman = u & 0x7FFFFFu;
  if (fexp == 0xFFu) {
    if (fman != 0) return sign | inf | (1u << (M - 1)) | (fman >> (23 - M));
    return sign | (O == omode::saturate ? max : inf);
  }
  if (fexp == 0 && fman == 0) return sign;
  // |x| = sig * 2^ex with 2^e <= |x| < 2^(e+1).
  std::uint32_t sig;
  int ex;
  int e;
  if (fexp != 0) {
    sig = fman | 0x800000u;
    ex = static_cast<int>(fexp) - 150;
    e = static_cast<int>(fexp) - 127;
  } else {
    sig = fman;
    ex = -149;
    e = 31 - std::countl_zero(fman) - 149;
  }
  const int qe = (e > emin ? e : emin) - M;  // exponent of the target's quantum
  const int shift = qe - ex;                 // >= 0 for every E <= 8, M <= 23
  std::uint32_t q;
  position pos;
  if (shift == 0) {
    q = sig;
    pos = position::exact;
  } else if (shift > 24) {
    q = 0;  // sig < 2^24 < 2^(shift-1): strictly below half a quantum
    pos = position::below_half;
  } else {
    q = sig >> shift;
    const std::uint32_t rem = sig & ((1u << shift) - 1u);
    const std::uint32_t half = 1u << (shift - 1);
    pos = rem == 0      ? position::exact
          : rem < half  ? position::below_half
          : rem == half ? position::half
                        : position::above_half;
  }
  if (pos != position::exact) {
    bool up = false;
    if constexpr (R == rmode::nearest_even) {
      up = pos == position::above_half || (pos == position::half && (q & 1u) != 0);
    } else if constexpr (R == rmode::nearest_away) {
      up = pos != position::below_half;
    } else if constexpr (R == rmode::upward) {
      up = !neg;
    } else if constexpr (R == rmode::downward) {
      up = neg;
    } else if constexpr (R == rmode::to_odd) {
      up = (q & 1u) == 0;
    }
    q += up ? 1u : 0u;
  }
  // Value q * 2^qe: code = ((qe - (emin - M)) << M) + q covers subnormals (qe == emin - M),
  // normals, and the carry into the next binade.
  const std::uint64_t mag =
      (static_cast<std::uint64_t>(qe - (emin - M)) << M) + static_cast<std::uint64_t>(q);
  if (mag >= inf) {
    if constexpr (O == omode::saturate) {
      return sign | max;
    } else {
      const bool to_inf = R == rmode::nearest_even || R == rmode::nearest_away ||
                          (R == rmode::upward && !neg) || (R == rmode::downward && neg);
      return sign | (to_inf ? inf : max);
    }
  }
  if constexpr (S == smode::flush) {
    if (mag != 0 && mag < (1u << M)) return sign;
  }
  return sign | static_cast<std::uint32_t>(mag);
}

/// fast_float_to_ieee for the n consecutive float patterns first, first+1, ..., which must share
/// their sign and exponent field (any aligned run of up to 2^23 patterns does). Within such a
/// run the target quantum is fixed (float subnormals all lie below the smallest normal of every
/// ieee<E<=8, M>), so the loop is branch-free arithmetic that the compiler can vectorise.
template <int E, int M, rmode R, omode O, smode S>
void fast_float_block_to_ieee(std::uint32_t first, std::uint32_t n, std::uint32_t* out) {
  static_assert(E >= 2 && E <= 8 && M >= 1 && M <= 23);
  const std::uint32_t fexp = (first >> 23) & 0xFFu;
  if (fexp == 0xFFu) {  // infinities and NaNs
    for (std::uint32_t i = 0; i < n; ++i) out[i] = fast_float_to_ieee<E, M, R, O, S>(first + i);
    return;
  }
  constexpr int bias = (1 << (E - 1)) - 1;
  constexpr int emin = 1 - bias;
  constexpr std::uint32_t inf = ((1u << E) - 1u) << M;
  constexpr std::uint32_t max = inf - 1u;
  const bool neg = (first >> 31) != 0;
  const std::uint32_t sign = neg ? (1u << (E + M)) : 0u;
  const std::uint32_t hidden = fexp != 0 ? 0x800000u : 0u;
  const int ex = fexp != 0 ? static_cast<int>(fexp) - 150 : -149;
  const int e = static_cast<int>(fexp) - 127;
  const int qe = (fexp != 0 && e > emin ? e : emin) - M;
  const int shift = qe - ex;
  const std::uint32_t base = static_cast<std::uint32_t>(qe - (emin - M)) << M;
  const bool to_inf = R == rmode::nearest_even || R == rmode::nearest_away ||
                      (R == rmode::upward && !neg) || (R == rmode::downward && neg);
  const std::uint32_t overflowed = sign | ((O == omode::standard && to_inf) ? inf : max);
  if (base >= inf) {  // the whole run overflows
    for (std::uint32_t i = 0; i < n; ++i) out[i] = overflowed;
    return;
  }
  const std::uint32_t fman0 = first & 0x7FFFFFu;
  if (shift >= 25) {
    // Every value lies strictly below half of the smallest quantum: 0 or 1 quantum.
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint32_t sig = hidden | (fman0 + i);
      std::uint32_t up = 0;
      if constexpr (R == rmode::upward) up = !neg && sig != 0;
      if constexpr (R == rmode::downward) up = neg && sig != 0;
      if constexpr (R == rmode::to_odd) up = sig != 0;
      std::uint32_t mag = base + up;
      if constexpr (S == smode::flush) mag = mag < (1u << M) ? 0u : mag;
      out[i] = sign | mag;
    }
    return;
  }
  const std::uint32_t mask = (1u << shift) - 1u;
  const std::uint32_t half = shift > 0 ? (1u << (shift - 1)) : 1u;  // shift 0: rem is always 0
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t sig = hidden | (fman0 + i);
    const std::uint32_t q = sig >> shift;
    const std::uint32_t rem = sig & mask;
    std::uint32_t up = 0;
    if constexpr (R == rmode::nearest_even) up = (rem > half) | ((rem == half) & q);
    if constexpr (R == rmode::nearest_away) up = rem >= half;
    if constexpr (R == rmode::upward) up = !neg && rem != 0;
    if constexpr (R == rmode::downward) up = neg && rem != 0;
    if constexpr (R == rmode::to_odd) up = rem != 0 && (q & 1u) == 0;
    std::uint32_t mag = base + q + (up & 1u);
    if constexpr (S == smode::flush) mag = mag < (1u << M) ? 0u : mag;
    out[i] = mag >= inf ? overflowed : (sign | mag);
  }
}

/// Hex string of a value, for messages.
inline std::string hex(std::uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 15u]);
    v >>= 4;
  } while (v != 0);
  return "0x" + s;
}

/// Collects mismatches of a loop over many inputs, so that a failing loop reports its count
/// and its first few cases in one assertion instead of thousands.
class mismatches {
 public:
  void add(const std::string& what) {
    if (count_ < shown) text_ += "\n  " + what;
    ++count_;
  }
  /// Records "<label> input <in> expected <want> got <got>" when want != got; returns want == got.
  bool check(const std::string& label, std::uint64_t in, std::uint64_t want, std::uint64_t got) {
    if (want == got) return true;
    add(label + " input " + hex(in) + " expected " + hex(want) + " got " + hex(got));
    return false;
  }
  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::string str() const { return std::to_string(count_) + " mismatches" + text_; }

 private:
  static constexpr std::uint64_t shown = 10;
  std::uint64_t count_ = 0;
  std::string text_;
};

}  // namespace mixprec_test

// ---------------------------------------------------------------------------
// Mapping the library's types to the descriptors above (by name only).
#if __has_include(<mixprec/mixprec.hpp>)
#include <mixprec/mixprec.hpp>

namespace mixprec_test {

template <class T>
struct always_false : std::false_type {};

template <class F>
struct is_ieee_template : std::false_type {};
template <int E, int M>
struct is_ieee_template<mixprec::formats::ieee<E, M>> : std::true_type {
  static constexpr int exp = E;
  static constexpr int man = M;
};

/// Descriptor of a library format type, written down independently.
template <class F>
constexpr format_desc desc_of() {
  namespace fm = mixprec::formats;
  if constexpr (std::is_same_v<F, fm::fp16>)
    return fp16;
  else if constexpr (std::is_same_v<F, fm::bf16>)
    return bf16;
  else if constexpr (std::is_same_v<F, fm::fp32>)
    return fp32;
  else if constexpr (std::is_same_v<F, fm::tf32>)
    return tf32;
  else if constexpr (std::is_same_v<F, fm::e4m3>)
    return e4m3;
  else if constexpr (std::is_same_v<F, fm::e5m2>)
    return e5m2;
  else if constexpr (std::is_same_v<F, fm::e4m3fnuz>)
    return e4m3fnuz;
  else if constexpr (std::is_same_v<F, fm::e5m2fnuz>)
    return e5m2fnuz;
  else if constexpr (std::is_same_v<F, fm::e3m2>)
    return e3m2;
  else if constexpr (std::is_same_v<F, fm::e2m3>)
    return e2m3;
  else if constexpr (std::is_same_v<F, fm::e2m1>)
    return e2m1;
  else if constexpr (std::is_same_v<F, fm::e8m0>)
    return e8m0;
  else if constexpr (is_ieee_template<F>::value) {
    return ieee_desc(is_ieee_template<F>::exp, is_ieee_template<F>::man);
  } else {
    static_assert(always_false<F>::value, "no reference descriptor for this format");
    return fp16;
  }
}

constexpr rmode to_ref(mixprec::rounding r) {
  switch (r) {
    case mixprec::rounding::nearest_even:
      return rmode::nearest_even;
    case mixprec::rounding::nearest_away:
      return rmode::nearest_away;
    case mixprec::rounding::toward_zero:
      return rmode::toward_zero;
    case mixprec::rounding::upward:
      return rmode::upward;
    case mixprec::rounding::downward:
      return rmode::downward;
    case mixprec::rounding::to_odd:
      return rmode::to_odd;
    default:
      return rmode::nearest_even;  // stochastic: no deterministic reference here
  }
}
constexpr omode to_ref(mixprec::overflow o) {
  return o == mixprec::overflow::saturate ? omode::saturate : omode::standard;
}
constexpr smode to_ref(mixprec::subnormals s) {
  return s == mixprec::subnormals::flush ? smode::flush : smode::keep;
}

/// What the tests know about a floating<F,R,O,S> type, deduced from its template arguments.
template <class T>
struct type_info;
template <class F, mixprec::rounding R, mixprec::overflow O, mixprec::subnormals S>
struct type_info<mixprec::floating<F, R, O, S>> {
  static constexpr format_desc desc = desc_of<F>();
  static constexpr mixprec::rounding lib_r = R;
  static constexpr rmode r = to_ref(R);
  static constexpr omode o = to_ref(O);
  static constexpr smode s = to_ref(S);
  static constexpr bool flush = S == mixprec::subnormals::flush;
  static constexpr bool stochastic = R == mixprec::rounding::stochastic;
};

template <class T>
inline constexpr format_desc desc_v = type_info<T>::desc;

/// Storage value of a library value as a 32-bit code.
template <class T>
std::uint32_t code_of(T x) {
  return static_cast<std::uint32_t>(x.bits());
}

/// Library value with the given code.
template <class T>
T make(std::uint32_t code) {
  return T::from_bits(static_cast<typename T::storage>(code));
}

/// Reference result of converting x (double, float, integer or another floating) into T.
template <class T, class From>
std::uint32_t expect(From x) {
  using I = type_info<T>;
  if constexpr (std::is_same_v<From, double>) {
    return from_double(I::desc, x, I::r, I::o, I::s);
  } else if constexpr (std::is_same_v<From, float>) {
    return from_float(I::desc, x, I::r, I::o, I::s);
  } else if constexpr (std::is_integral_v<From>) {
    return from_integer(I::desc, x, I::r, I::o, I::s);
  } else {
    using J = type_info<From>;
    return from_code(I::desc, J::desc, code_of(x), J::flush, I::r, I::o, I::s);
  }
}

}  // namespace mixprec_test
#endif
