#pragma once
/// \file format/describe.hpp
/// `describe(x)`: everything about one value of a floating type, for teaching and debugging:
/// its code split into sign, exponent and mantissa fields, what the exponent field means, the
/// significand with its hidden bit, the value class, the exact decimal value, the ulp and the
/// two neighbouring values. `description::to_string()` puts it on one line:
///
///     half 0x3555: sign 0 | exponent 01101 (13 - 15 = -2) | significand 1.0101010101 | normal
///     | 0.333251953125 | ulp 0.000244140625 | prev 0.3330078125 | next 0.33349609375
///
/// See docs/tools.md.

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <type_traits>

#include "mixprec/detail/bits.hpp"
#include "mixprec/format/classify.hpp"
#include "mixprec/format/conversion.hpp"
#include "mixprec/format/encoding.hpp"
#include "mixprec/format/floating.hpp"
#include "mixprec/format/formats.hpp"
#include "mixprec/format/info.hpp"
#include "mixprec/format/io.hpp"
#include "mixprec/format/rounding.hpp"

namespace mixprec {

/// Everything about one value of a floating type. Decimal strings are exact (every digit) and
/// come from mixprec::to_exact_string; a string is empty where the item does not apply (the ulp
/// and the neighbours of a NaN), and a neighbour is "none" where no value lies on that side (the
/// next value after the largest finite one of a format without infinity, the value before the
/// smallest e8m0 value) and "inf" / "-inf" where it is an infinity.
struct description {
  /// The C++ type: its alias when it has the default behaviour ("half", "float8_e4m3"), else
  /// "floating<format, parameters...>" up to the last non-default one ("floating<fp16, upward>").
  std::string type_name;
  /// The format's short name ("fp16", "e4m3", ...).
  std::string format_name;
  /// The code as stored (tf32: an fp32 bit pattern, padding included).
  std::uint64_t bits = 0;
  /// Width of the storage word (8, 16 or 32).
  int storage_bits = 0;
  /// The format's layout: field widths, bias, padding, whether there is a sign bit.
  int exponent_bits = 0, mantissa_bits = 0, bias = 0, padding_bits = 0;
  bool is_signed = true;
  /// The sign bit (false in an unsigned format).
  bool sign = false;
  /// The exponent field as an unsigned number.
  int biased_exponent = 0;
  /// The power of two the significand is scaled by: field - bias for normal numbers, 1 - bias
  /// for subnormals and zeros (whose exponent field 0 means the smallest normal exponent), and
  /// 0 for infinities and NaNs.
  int unbiased_exponent = 0;
  /// The significand as an integer, hidden bit included: (1 << mantissa_bits) | mantissa for
  /// normal numbers, the mantissa field for subnormals and zeros (hidden bit 0), and the raw
  /// mantissa field for infinities and NaNs. The value of a finite code is
  /// significand * 2^(unbiased_exponent - mantissa_bits).
  std::uint64_t significand = 0;
  /// "zero", "subnormal", "normal", "infinity" or "nan", as fpclassify (so a subnormal code of a
  /// type with subnormals::flush is "zero").
  std::string category;
  /// What is special about the code ("largest finite", "quiet NaN, payload 0x0", ...), or empty.
  std::string note;
  /// How the exponent field is read, e.g. "13 - 15 = -2", "subnormal: 1 - 15 = -14", "zero",
  /// "all ones: infinity or NaN".
  std::string exponent_meaning;
  /// The exact value in decimal ("inf", "-inf", "nan", "-nan" for the special values).
  std::string exact_decimal;
  /// The shortest decimal that reads back to the value (mixprec::to_string of the format with
  /// round-to-nearest-even), e.g. "0.1" for half's 0.0999755859375.
  std::string shortest_decimal;
  /// The unit in the last place, 2^(max(e, emin) - mantissa_bits) with e = floor(log2 |x|) (for
  /// zero, the smallest subnormal), exactly.
  std::string ulp;
  /// The ulp's exponent: ulp = 2^ulp_exponent (0 where ulp is empty).
  int ulp_exponent = 0;
  /// The next smaller and the next larger value (toward -infinity and +infinity), exactly.
  std::string previous, next;

  /// All of it on one line (see the file comment).
  std::string to_string() const;
};

namespace detail {

inline const char* describe_rounding_name(rounding r) noexcept {
  switch (r) {
    case rounding::nearest_even:
      return "nearest_even";
    case rounding::nearest_away:
      return "nearest_away";
    case rounding::toward_zero:
      return "toward_zero";
    case rounding::upward:
      return "upward";
    case rounding::downward:
      return "downward";
    case rounding::to_odd:
      return "to_odd";
    case rounding::stochastic:
      return "stochastic";
  }
  return "?";
}

/// The alias of floating<F> (default behaviour), or nullptr where there is none.
template <class F>
constexpr const char* describe_alias_name() noexcept {
  if constexpr (std::is_same_v<F, formats::fp16>) return "half";
  if constexpr (std::is_same_v<F, formats::bf16>) return "bfloat16";
  if constexpr (std::is_same_v<F, formats::fp32>) return "float32";
  if constexpr (std::is_same_v<F, formats::tf32>) return "tfloat32";
  if constexpr (std::is_same_v<F, formats::e4m3>) return "float8_e4m3";
  if constexpr (std::is_same_v<F, formats::e5m2>) return "float8_e5m2";
  if constexpr (std::is_same_v<F, formats::e4m3fnuz>) return "float8_e4m3fnuz";
  if constexpr (std::is_same_v<F, formats::e5m2fnuz>) return "float8_e5m2fnuz";
  if constexpr (std::is_same_v<F, formats::e3m2>) return "float6_e3m2";
  if constexpr (std::is_same_v<F, formats::e2m3>) return "float6_e2m3";
  if constexpr (std::is_same_v<F, formats::e2m1>) return "float4_e2m1";
  if constexpr (std::is_same_v<F, formats::e8m0>) return "float8_e8m0";
  return nullptr;
}

template <class F, rounding R, overflow O, subnormals S>
std::string describe_type_name(const floating<F, R, O, S>*) {
  const int last = S != subnormals::keep         ? 3
                   : O != overflow::standard     ? 2
                   : R != rounding::nearest_even ? 1
                                                 : 0;
  if (last == 0 && describe_alias_name<F>() != nullptr) return describe_alias_name<F>();
  std::string name = std::string("floating<") + F::name;
  if (last >= 1) name += std::string(", ") + describe_rounding_name(R);
  if (last >= 2) name += O == overflow::standard ? ", standard" : ", saturate";
  if (last >= 3) name += S == subnormals::keep ? ", keep" : ", flush";
  return name + ">";
}

/// The low `n` bits of `x`, most significant first.
inline std::string describe_binary(std::uint64_t x, int n) {
  std::string s;
  for (int i = n - 1; i >= 0; --i) s += ((x >> i) & 1) != 0 ? '1' : '0';
  return s;
}

/// "0x" and `digits` upper-case hex digits (at least as many as `x` needs when `digits` is 0).
inline std::string describe_hex(std::uint64_t x, int digits) {
  static constexpr char hex_digits[] = "0123456789ABCDEF";
  if (digits == 0) {
    for (std::uint64_t y = x; y != 0 || digits == 0; y >>= 4) ++digits;
  }
  std::string s = "0x";
  for (int i = digits - 1; i >= 0; --i) s += hex_digits[(x >> (4 * i)) & 0xF];
  return s;
}

/// `text`, a decimal number in fixed or scientific notation, rounded to `digits` significant
/// digits (ties away from zero) and written as "~d.ddde-NN" (a mark that it is approximate);
/// text that is not a number ("inf", "none") comes back unchanged. For the one-line summary.
inline std::string describe_approximate(const std::string& text, std::size_t digits) {
  std::size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) ++i;
  std::string all;    // every digit of the significand
  long point = -1;    // digits before the decimal point
  long exponent = 0;  // written exponent
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      all += c;
    } else if (c == '.' && point < 0) {
      point = static_cast<long>(all.size());
    } else if ((c == 'e' || c == 'E') && !all.empty()) {
      exponent = std::stol(text.substr(i + 1));
      break;
    } else {
      return text;
    }
  }
  if (all.empty()) return text;
  if (point < 0) point = static_cast<long>(all.size());
  const std::size_t lead = all.find_first_not_of('0');
  if (lead == std::string::npos) return text;  // zero
  std::string sig = all.substr(lead);
  long exp10 = point - static_cast<long>(lead) - 1 + exponent;  // of the first digit
  if (sig.size() > digits) {
    const bool up = sig[digits] >= '5';
    sig.resize(digits);
    for (std::size_t k = digits; up && k-- > 0;) {
      if (sig[k] == '9') {
        sig[k] = '0';
        if (k == 0) sig.insert(sig.begin(), '1'), sig.pop_back(), ++exp10;
      } else {
        ++sig[k];
        break;
      }
    }
  }
  while (sig.size() > 1 && sig.back() == '0') sig.pop_back();
  std::string out = negative ? "~-" : "~";
  out += sig[0];
  if (sig.size() > 1) out += "." + sig.substr(1);
  // The exponent as mixprec::to_string writes it: a sign and at least two digits.
  const std::string e = std::to_string(exp10 < 0 ? -exp10 : exp10);
  return out + (exp10 < 0 ? "e-" : "e+") + (e.size() < 2 ? "0" : "") + e;
}

/// An exact decimal for the one-line summary: as it is when short, else approximated.
inline std::string describe_short(const std::string& exact) {
  return exact.size() <= 30 ? exact : describe_approximate(exact, 9);
}

/// The decimal text of a value of the format (U has the default behaviour), exact.
template <class U>
std::string describe_exact(U u) {
  using enc = encoding<typename U::format>;
  const unpacked v = u.unpack();
  if (v.k == unpacked::kind::infinite) return v.sign ? "-inf" : "inf";
  if (v.k == unpacked::kind::nan) {
    // The fnuz NaN has its sign bit set but no sign; every other NaN shows its sign bit.
    const bool negative = enc::nan != nan_style::negative_zero && signbit(u);
    return negative ? "-nan" : "nan";
  }
  return ::mixprec::to_exact_string(u);
}

}  // namespace detail

/// Describes `x`: its fields, class, exact value, ulp and neighbours (see `description`).
/// Subnormal codes of a type with subnormals::flush read as zero, as in arithmetic; their
/// fields are shown as stored and the note says so.
template <class T>
requires is_floating_v<T> description describe(T x) {
  using F = typename T::format;
  using enc = detail::encoding<F>;
  using U = floating<F>;  // the same format with the default behaviour: prints and decodes
  using detail::unpacked;
  constexpr int man_bits = enc::mantissa_bits;
  constexpr bool flush = T::subnormal_mode == subnormals::flush && enc::has_subnormals;
  constexpr std::uint64_t hidden = std::uint64_t{1} << man_bits;

  description d;
  d.type_name = detail::describe_type_name(static_cast<const T*>(nullptr));
  d.format_name = F::name;
  d.bits = static_cast<std::uint64_t>(x.bits());
  d.storage_bits = static_cast<int>(8 * sizeof(typename T::storage));
  d.exponent_bits = enc::exponent_bits;
  d.mantissa_bits = man_bits;
  d.bias = enc::bias;
  d.padding_bits = enc::padding;
  d.is_signed = enc::is_signed;

  const std::uint64_t code = d.bits >> enc::padding;
  const std::uint64_t magnitude = code & enc::magnitude_mask;
  const std::uint64_t mantissa = magnitude & enc::mantissa_mask;
  const std::uint64_t field = magnitude >> man_bits;
  d.sign = (code & enc::sign_mask) != 0;
  d.biased_exponent = static_cast<int>(field);

  const U value = U::from_bits(static_cast<typename U::storage>(x.bits()));
  const unpacked v = x.unpack();  // as T reads it (flush: subnormal codes are zeros)
  const std::string field_text = std::to_string(field) + " - " + std::to_string(enc::bias);
  switch (v.k) {
    case unpacked::kind::nan:
      d.category = "nan";
      d.significand = mantissa;
      if constexpr (enc::nan == nan_style::ieee) {
        d.exponent_meaning = "all ones: infinity or NaN";
        const bool quiet = (mantissa & enc::quiet_bit) != 0;
        d.note = std::string(quiet ? "quiet" : "signalling") + " NaN, payload " +
                 detail::describe_hex(mantissa & (enc::quiet_bit - 1), 0);
      } else if constexpr (enc::nan == nan_style::all_ones) {
        d.exponent_meaning = "all ones";
        d.note = enc::is_signed
                     ? "only S." +
                           detail::describe_binary(enc::exponent_all_ones, enc::exponent_bits) +
                           "." + detail::describe_binary(enc::mantissa_mask, man_bits) + " is NaN"
                     : "only " + detail::describe_hex(enc::magnitude_mask, 0) + " is NaN";
      } else {
        d.exponent_meaning = "zero field";
        d.note = "the code of -0 is the only NaN: fnuz formats have no -0 and no infinity";
      }
      break;
    case unpacked::kind::infinite:
      d.category = "infinity";
      d.significand = mantissa;
      d.exponent_meaning = "all ones: infinity or NaN";
      break;
    case unpacked::kind::zero:
      d.category = "zero";
      d.unbiased_exponent = enc::emin;
      d.significand = mantissa;
      if (mantissa != 0) {  // a flushed subnormal code
        d.exponent_meaning =
            "subnormal: 1 - " + std::to_string(enc::bias) + " = " + std::to_string(enc::emin);
        d.note = "a subnormal code, read as zero under subnormals::flush";
      } else {
        d.exponent_meaning = "zero";
      }
      break;
    case unpacked::kind::finite:
      if (enc::has_subnormals && field == 0) {
        d.category = "subnormal";
        d.unbiased_exponent = enc::emin;
        d.significand = mantissa;
        d.exponent_meaning =
            "subnormal: 1 - " + std::to_string(enc::bias) + " = " + std::to_string(enc::emin);
      } else {
        d.category = "normal";
        d.unbiased_exponent = static_cast<int>(field) - enc::bias;
        d.significand = hidden | mantissa;
        d.exponent_meaning = field_text + " = " + std::to_string(d.unbiased_exponent);
      }
      if (magnitude == enc::max_magnitude) {
        d.note = "largest finite";
      } else if (!enc::has_zero && magnitude == 0) {
        d.note = "smallest value: no zero in this format";
      } else if (enc::has_subnormals && magnitude == hidden) {
        d.note = "smallest normal";
      } else if (magnitude == 1 && enc::has_subnormals && !flush) {
        d.note = "smallest subnormal";
      }
      break;
  }

  // The value, exactly and shortest, as T reads it.
  const U as_read = U::round(v);
  d.exact_decimal = detail::describe_exact(v.k == unpacked::kind::nan ? value : as_read);
  if (v.k == unpacked::kind::nan) {
    d.shortest_decimal = d.exact_decimal;
    return d;
  }
  d.shortest_decimal = v.k == unpacked::kind::finite || v.k == unpacked::kind::zero
                           ? ::mixprec::to_string(as_read)
                           : d.exact_decimal;

  // The ulp.
  if (v.k != unpacked::kind::infinite) {
    int e = enc::emin;
    if (v.k == unpacked::kind::finite) e = v.exp + detail::bit_width_minus_one(v.sig);
    d.ulp_exponent = (e < enc::emin ? enc::emin : e) - man_bits;
    d.ulp = detail::describe_exact(U::round(detail::make_finite(false, d.ulp_exponent, 1)));
  }

  // The neighbours, by stepping the magnitude code (values grow with magnitude codes).
  const auto text = [](bool sign, std::uint64_t mag) {
    return detail::describe_exact(
        U::from_bits(static_cast<typename U::storage>(detail::pack<F>(sign, mag))));
  };
  constexpr std::uint64_t smallest = flush ? hidden : enc::min_magnitude;
  // One step away from zero, and one step toward zero, from a finite nonzero magnitude.
  const auto away = [&](bool sign, std::uint64_t mag) -> std::string {
    if (mag < enc::max_magnitude) return text(sign, mag + 1);
    if (enc::has_infinity) return sign ? "-inf" : "inf";
    return "none";
  };
  const auto toward_zero = [&](bool sign, std::uint64_t mag) -> std::string {
    if (mag == 0) return "none";  // e8m0's smallest value
    if (enc::has_zero && (mag == 1 || (flush && mag - 1 < hidden))) {
      return detail::describe_exact(
          U::from_bits(static_cast<typename U::storage>(detail::encode_zero<F>(sign))));
    }
    return text(sign, mag - 1);
  };
  switch (v.k) {
    case unpacked::kind::infinite:
      d.previous = v.sign ? "none" : text(false, enc::max_magnitude);
      d.next = v.sign ? text(true, enc::max_magnitude) : "none";
      break;
    case unpacked::kind::zero:
      d.previous = enc::is_signed ? text(true, smallest) : "none";
      d.next = text(false, smallest);
      break;
    case unpacked::kind::finite:
      d.previous = d.sign ? away(true, magnitude) : toward_zero(false, magnitude);
      d.next = d.sign ? toward_zero(true, magnitude) : away(false, magnitude);
      break;
    case unpacked::kind::nan:
      break;
  }
  return d;
}

inline std::string description::to_string() const {
  std::string s =
      type_name + " " +
      detail::describe_hex(
          bits, (padding_bits + (is_signed ? 1 : 0) + exponent_bits + mantissa_bits + 3) / 4) +
      ":";
  if (is_signed) s += std::string(" sign ") + (sign ? "1" : "0") + " |";
  s += " exponent " +
       detail::describe_binary(static_cast<std::uint64_t>(biased_exponent), exponent_bits);
  if (!exponent_meaning.empty()) s += " (" + exponent_meaning + ")";
  const std::uint64_t mantissa = significand & ((std::uint64_t{1} << mantissa_bits) - 1);
  if (category == "nan" || category == "infinity") {
    if (mantissa_bits > 0) s += " | mantissa " + detail::describe_binary(mantissa, mantissa_bits);
  } else {
    s += " | significand ";
    s += (significand >> mantissa_bits) != 0 ? '1' : '0';
    if (mantissa_bits > 0) s += "." + detail::describe_binary(mantissa, mantissa_bits);
  }
  const std::uint64_t padding = bits & ((std::uint64_t{1} << padding_bits) - 1);
  if (padding != 0) {
    s += " | padding " + detail::describe_binary(padding, padding_bits) + " (ignored)";
  }
  s += " | " + category;
  if (!note.empty()) s += " (" + note + ")";
  s += " | " + exact_decimal;
  if (shortest_decimal != exact_decimal) s += " (shortest " + shortest_decimal + ")";
  if (!ulp.empty()) {
    s += " | ulp 2^" + std::to_string(ulp_exponent) + " = " + detail::describe_short(ulp);
  }
  if (!previous.empty()) s += " | prev " + detail::describe_short(previous);
  if (!next.empty()) s += " | next " + detail::describe_short(next);
  return s;
}

/// Writes description::to_string().
inline std::ostream& operator<<(std::ostream& os, const description& d) {
  return os << d.to_string();
}

}  // namespace mixprec
