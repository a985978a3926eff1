#pragma once
/// \file format/info.hpp
/// Facts about a number format, all at compile time, for tables, teaching and tests:
/// `format_info<Format>` (sizes, limits, special values, how many codes are finite numbers),
/// `all_values<T>()` (every code of a small format, in code order) and
/// `sorted_finite_values<T>()` (its distinct finite values, in increasing order).
/// See docs/tools.md.

#include <array>
#include <cstddef>
#include <cstdint>

#include "mixprec/format/conversion.hpp"
#include "mixprec/format/encoding.hpp"
#include "mixprec/format/floating.hpp"
#include "mixprec/format/formats.hpp"
#include "mixprec/format/rounding.hpp"

namespace mixprec {

namespace detail {

/// The exact value of the (unpadded) magnitude code `magnitude` of Format, as a double.
template <class Format>
constexpr double info_magnitude_value(std::uint64_t magnitude) noexcept {
  return to_double(decode<Format, false>(pack<Format>(false, magnitude)));
}

/// Number of NaN codes of Format.
template <class Format>
constexpr std::uint64_t info_nan_count() noexcept {
  using enc = encoding<Format>;
  switch (enc::nan) {
    case nan_style::ieee:  // exponent all ones, mantissa != 0, either sign
      return ((std::uint64_t{1} << enc::mantissa_bits) - 1) * (enc::is_signed ? 2 : 1);
    case nan_style::all_ones:  // the all-ones magnitude, either sign
      return enc::is_signed ? 2 : 1;
    case nan_style::negative_zero:  // the one code 1000...0
      return 1;
    case nan_style::none:
      return 0;
  }
  return 0;
}

}  // namespace detail

/// Everything about a number format that follows from its descriptor, as static constexpr
/// members. `Format` is a descriptor of mixprec::formats (e.g. `formats::e4m3`); a floating type
/// may be given instead and means its format (rounding, overflow and subnormal behaviour do not
/// change the format; `subnormals::flush` is not reflected here).
///
/// Values (`max`, `min_normal`, ...) are exact doubles: every value of every format is one.
template <class Format>
struct format_info {
 private:
  using enc = detail::encoding<Format>;

 public:
  /// The descriptor.
  using format = Format;
  /// Short name: "fp16", "bf16", "fp32", "tf32", "e4m3", ..., "e8m0", "e5m10" for ieee<5, 10>.
  static constexpr const char* name = Format::name;
  /// Width of the exponent field.
  static constexpr int exponent_bits = enc::exponent_bits;
  /// Explicit significand (mantissa) bits, the hidden bit excluded.
  static constexpr int mantissa_bits = enc::mantissa_bits;
  /// Exponent bias: a normal value is 1.m * 2^(field - bias).
  static constexpr int bias = enc::bias;
  /// Significant bits of a normal value: mantissa_bits + 1 (the hidden bit).
  static constexpr int precision = enc::mantissa_bits + 1;
  /// Bits of a code: sign (if any) + exponent + mantissa, padding excluded (4 for e2m1, 19 for
  /// tf32).
  static constexpr int bits = enc::code_bits;
  /// Low zero bits below the code in the storage word (13 for tf32, else 0).
  static constexpr int padding_bits = enc::padding;
  /// Width of the storage word: 8, 16 or 32.
  static constexpr int storage_bits = static_cast<int>(8 * sizeof(typename enc::storage));
  /// Unbiased exponent of the smallest normal value (1 - bias; -bias for e8m0).
  static constexpr int min_exponent = enc::emin;
  /// Unbiased exponent of the largest finite value.
  static constexpr int max_exponent = enc::emax;

  /// The largest finite value.
  static constexpr double max = detail::info_magnitude_value<Format>(enc::max_magnitude);
  /// The smallest positive normal value, 2^min_exponent.
  static constexpr double min_normal = detail::info_magnitude_value<Format>(
      enc::has_subnormals ? std::uint64_t{1} << enc::mantissa_bits : 0);
  /// The smallest positive value, 2^(min_exponent - mantissa_bits); equals min_normal in a
  /// format without subnormals (e8m0).
  static constexpr double min_subnormal = detail::info_magnitude_value<Format>(
      enc::has_subnormals ? std::uint64_t{1} : std::uint64_t{0});
  /// Machine epsilon, 2^-mantissa_bits: the gap between 1 and the next larger value.
  static constexpr double epsilon =
      detail::to_double(detail::make_finite(false, -enc::mantissa_bits, 1));
  /// Decimal digits that survive a round trip decimal -> format -> decimal:
  /// floor((precision - 1) * log10(2)) (std::numeric_limits::digits10).
  static constexpr int decimal_digits = (precision - 1) * 30103 / 100000;
  /// Decimal digits needed to write every value so that it reads back exactly:
  /// ceil(1 + precision * log10(2)) (std::numeric_limits::max_digits10).
  static constexpr int max_decimal_digits = 1 + (precision * 30103 + 99999) / 100000;

  /// Whether +-infinity exist.
  static constexpr bool has_infinity = enc::has_infinity;
  /// Whether the format has NaN codes.
  static constexpr bool has_nan = enc::has_nan;
  /// How NaN is encoded.
  static constexpr nan_style nan = enc::nan;
  /// Whether zero exists (false only for e8m0, whose smallest value is 2^-127).
  static constexpr bool has_zero = enc::has_zero;
  /// Whether a -0 distinct from +0 exists (false for unsigned and fnuz formats).
  static constexpr bool has_negative_zero = enc::has_zero && enc::has_negative_zero;
  /// Whether exponent field 0 holds subnormal numbers.
  static constexpr bool has_subnormals = enc::has_subnormals;
  /// Whether there is a sign bit (false only for e8m0).
  static constexpr bool is_signed = enc::is_signed;

  /// Number of codes, 2^bits (padding bits held at zero).
  static constexpr std::uint64_t code_count = std::uint64_t{1} << enc::code_bits;
  /// Number of NaN codes.
  static constexpr std::uint64_t nan_count = detail::info_nan_count<Format>();
  /// Number of infinity codes (2 or 0).
  static constexpr std::uint64_t infinity_count = enc::has_infinity ? 2 : 0;
  /// Number of codes that are finite values, both zeros counted (so the number of distinct
  /// finite values is finite_count - 1 where has_negative_zero). fp16: 63488, e4m3: 254.
  static constexpr std::uint64_t finite_count = code_count - nan_count - infinity_count;
};

/// format_info of the format of a floating type.
template <class F, rounding R, overflow O, subnormals S>
struct format_info<floating<F, R, O, S>> : format_info<F> {};

namespace detail {

/// Calls f(code) for the storage code of every distinct finite value of T, in increasing order
/// of value: negative values from the most negative, one zero (+0), positive values. For a type
/// with subnormals::flush the subnormal codes (which read as zero) are left out.
template <class T, class Fn>
constexpr void for_each_sorted_finite_code(Fn f) {
  using F = typename T::format;
  using enc = encoding<F>;
  constexpr bool flush = T::subnormal_mode == subnormals::flush && enc::has_subnormals;
  constexpr std::uint64_t first_kept = flush ? std::uint64_t{1} << enc::mantissa_bits : 1;
  // In sign-magnitude order a larger magnitude code is a larger magnitude; every magnitude from
  // 1 (0 for e8m0) to max_magnitude is a finite value.
  if constexpr (enc::is_signed) {
    for (std::uint64_t m = enc::max_magnitude; m >= first_kept; --m) f(pack<F>(true, m));
  }
  if constexpr (enc::has_zero) {
    f(pack<F>(false, 0));
    for (std::uint64_t m = first_kept; m <= enc::max_magnitude; ++m) f(pack<F>(false, m));
  } else {
    for (std::uint64_t m = 0; m <= enc::max_magnitude; ++m) f(pack<F>(false, m));
  }
}

template <class T>
constexpr std::size_t sorted_finite_count() {
  std::size_t n = 0;
  for_each_sorted_finite_code<T>([&n](std::uint64_t) { ++n; });
  return n;
}

}  // namespace detail

/// Every code of T's format in code order: element i is `T::from_bits(i)` (shifted past the
/// padding bits), NaNs and infinities included. Only for formats of 8 bits or fewer, where the
/// array has at most 256 elements.
template <class T>
requires is_floating_v<T>
constexpr auto all_values() {
  using info = format_info<typename T::format>;
  static_assert(info::bits <= 8,
                "mixprec::all_values<T>: only for formats of 8 bits or fewer (the result has "
                "2^bits elements); use a loop over T::from_bits for wider formats");
  std::array<T, (std::size_t{1} << info::bits)> values{};
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = T::from_bits(static_cast<typename T::storage>(i << info::padding_bits));
  }
  return values;
}

/// The distinct finite values of T in increasing order: -0 is left out (it equals +0), and so
/// are the subnormal codes of a type with subnormals::flush (they read as zero). Only for
/// formats of 8 bits or fewer. e2m1: {-6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, ..., 6}.
template <class T>
requires is_floating_v<T>
constexpr auto sorted_finite_values() {
  constexpr bool small = format_info<typename T::format>::bits <= 8;
  static_assert(small, "mixprec::sorted_finite_values<T>: only for formats of 8 bits or fewer");
  // (The count is not evaluated for a wide format, so the static_assert is the only error.)
  std::array<T, small ? detail::sorted_finite_count<T>() : 1> values{};
  std::size_t i = 0;
  detail::for_each_sorted_finite_code<T>([&values, &i](std::uint64_t code) {
    values[i++] = T::from_bits(static_cast<typename T::storage>(code));
  });
  return values;
}

}  // namespace mixprec
