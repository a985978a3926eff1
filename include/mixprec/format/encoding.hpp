#pragma once
/// \file format/encoding.hpp
/// Constants derived from a format descriptor: storage type, masks, the codes of the special
/// values and the exponent range. Internal; users read them through numeric_limits and
/// (later) format_info.

#include <cstdint>
#include <type_traits>

#include "mixprec/format/formats.hpp"

namespace mixprec::detail {

template <int Bits>
using storage_for = std::conditional_t<
    (Bits <= 8), std::uint8_t,
    std::conditional_t<(Bits <= 16), std::uint16_t,
                       std::conditional_t<(Bits <= 32), std::uint32_t, std::uint64_t>>>;

/// Everything about a format's encoding, in terms of the unpadded code (code >> padding_bits).
template <class Format>
struct encoding {
  static constexpr int exponent_bits = Format::exponent_bits;
  static constexpr int mantissa_bits = Format::mantissa_bits;
  static constexpr int bias = Format::bias;
  static constexpr int padding = Format::padding_bits;
  static constexpr bool is_signed = Format::is_signed;
  static constexpr nan_style nan = Format::nan;
  static constexpr bool has_infinity = Format::has_infinity;
  static constexpr bool has_nan = nan != nan_style::none;
  static constexpr bool has_subnormals = Format::has_subnormals;
  static constexpr bool has_zero = Format::has_subnormals;
  static constexpr bool has_negative_zero = is_signed && nan != nan_style::negative_zero;

  /// Width of the code, sign included, padding excluded.
  static constexpr int code_bits = (is_signed ? 1 : 0) + exponent_bits + mantissa_bits;
  using storage = storage_for<code_bits + padding>;

  static constexpr std::uint64_t one = 1;
  static constexpr std::uint64_t mantissa_mask = (one << mantissa_bits) - 1;
  static constexpr std::uint64_t magnitude_mask = (one << (exponent_bits + mantissa_bits)) - 1;
  static constexpr std::uint64_t sign_mask = is_signed ? one << (exponent_bits + mantissa_bits) : 0;
  static constexpr std::uint64_t exponent_all_ones = (one << exponent_bits) - 1;
  static constexpr std::uint64_t infinity_magnitude = exponent_all_ones << mantissa_bits;
  static constexpr std::uint64_t quiet_bit = mantissa_bits > 0 ? one << (mantissa_bits - 1) : 0;

  /// Magnitude code of the largest finite value.
  static constexpr std::uint64_t max_magnitude = nan == nan_style::ieee ? infinity_magnitude - 1
                                                 : nan == nan_style::all_ones ? magnitude_mask - 1
                                                                              : magnitude_mask;
  /// Magnitude code of the smallest positive value (subnormal where they exist).
  static constexpr std::uint64_t min_magnitude = has_zero ? 1 : 0;
  /// Unbiased exponent of the smallest normal and of the largest finite value.
  static constexpr int emin = has_subnormals ? 1 - bias : -bias;
  static constexpr int emax = static_cast<int>(max_magnitude >> mantissa_bits) - bias;

  /// The canonical quiet NaN (positive where the sign is free).
  static constexpr std::uint64_t nan_code = nan == nan_style::ieee ? infinity_magnitude | quiet_bit
                                            : nan == nan_style::all_ones      ? magnitude_mask
                                            : nan == nan_style::negative_zero ? sign_mask
                                                                              : 0;
  static_assert(max_magnitude > 0);
};

}  // namespace mixprec::detail
