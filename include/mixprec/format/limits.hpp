#pragma once
/// \file format/limits.hpp
/// std::numeric_limits and std::hash for every floating type.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>

#include "mixprec/config.hpp"
#include "mixprec/format/classify.hpp"
#include "mixprec/format/conversion.hpp"
#include "mixprec/format/floating.hpp"

namespace mixprec::detail {

/// floor(log10(x)) for x > 0, good for every value of every format.
constexpr int floor_log10(double x) noexcept {
  int k = 0;
  double p = 1;
  if (x >= 1) {
    while (p * 10 <= x) p *= 10, ++k;
  } else {
    while (p > x) p /= 10, --k;
  }
  return k;
}

/// ceil(log10(x)) for x > 0.
constexpr int ceil_log10(double x) noexcept {
  const int k = floor_log10(x);
  double p = 1;
  for (int i = 0; i < k; ++i) p *= 10;
  return (k >= 0 && p == x) ? k : k + 1;
}

constexpr std::float_round_style round_style_of(rounding r) noexcept {
  switch (r) {
    case rounding::nearest_even:
      return std::round_to_nearest;
    case rounding::toward_zero:
      return std::round_toward_zero;
    case rounding::upward:
      return std::round_toward_infinity;
    case rounding::downward:
      return std::round_toward_neg_infinity;
    default:
      return std::round_indeterminate;
  }
}

}  // namespace mixprec::detail

/// numeric_limits of a floating type. Members follow the C conventions: min() is the smallest
/// normal value, min_exponent is one more than its exponent, denorm_min() the smallest subnormal
/// (min() when the type has none or flushes them). Absent special values (infinity, NaN) are T().
template <class F, mixprec::rounding R, mixprec::overflow O, mixprec::subnormals S>
class std::numeric_limits<mixprec::floating<F, R, O, S>> {
  using T = mixprec::floating<F, R, O, S>;
  using enc = mixprec::detail::encoding<F>;
  MIXPREC_HOST_DEVICE static constexpr T code(bool sign, std::uint64_t magnitude) noexcept {
    return T::from_bits(
        static_cast<typename T::storage>(mixprec::detail::pack<F>(sign, magnitude)));
  }
  /// 2^e, exactly (subnormal codes allowed even when S flushes).
  MIXPREC_HOST_DEVICE static constexpr T power_of_two(int e) noexcept {
    return T::from_bits(static_cast<typename T::storage>(
        mixprec::detail::encode<F, mixprec::rounding::nearest_even, mixprec::overflow::standard,
                                mixprec::subnormals::keep>(
            mixprec::detail::make_finite(false, e, 1))));
  }
  static constexpr bool keeps_subnormals = enc::has_subnormals && S == mixprec::subnormals::keep;

 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = enc::is_signed;
  static constexpr bool is_integer = false;
  static constexpr bool is_exact = false;
  static constexpr bool has_infinity = enc::has_infinity;
  static constexpr bool has_quiet_NaN = enc::has_nan;
  static constexpr bool has_signaling_NaN =
      enc::nan == mixprec::nan_style::ieee && enc::mantissa_bits >= 2;
  static constexpr std::float_denorm_style has_denorm =
      keeps_subnormals ? std::denorm_present : std::denorm_absent;
  static constexpr bool has_denorm_loss = false;
  static constexpr std::float_round_style round_style = mixprec::detail::round_style_of(R);
  static constexpr bool is_iec559 =
      enc::nan == mixprec::nan_style::ieee && R == mixprec::rounding::nearest_even &&
      O == mixprec::overflow::standard && S == mixprec::subnormals::keep;
  static constexpr bool is_bounded = true;
  static constexpr bool is_modulo = false;
  static constexpr int digits = enc::mantissa_bits + 1;
  static constexpr int digits10 = (digits - 1) * 30103 / 100000;
  static constexpr int max_digits10 = 1 + (digits * 30103 + 99999) / 100000;
  static constexpr int radix = 2;
  static constexpr int min_exponent = enc::emin + 1;
  static constexpr int max_exponent = enc::emax + 1;
  static constexpr bool traps = false;
  static constexpr bool tinyness_before = false;

  MIXPREC_HOST_DEVICE static constexpr T min() noexcept {
    return code(false, enc::has_subnormals ? std::uint64_t{1} << enc::mantissa_bits : 0);
  }
  MIXPREC_HOST_DEVICE static constexpr T max() noexcept { return code(false, enc::max_magnitude); }
  MIXPREC_HOST_DEVICE static constexpr T lowest() noexcept {
    return enc::is_signed ? code(true, enc::max_magnitude) : code(false, 0);
  }
  MIXPREC_HOST_DEVICE static constexpr T epsilon() noexcept {
    return power_of_two(-enc::mantissa_bits);
  }
  MIXPREC_HOST_DEVICE static constexpr T round_error() noexcept {
    return power_of_two(
        R == mixprec::rounding::nearest_even || R == mixprec::rounding::nearest_away ? -1 : 0);
  }
  MIXPREC_HOST_DEVICE static constexpr T infinity() noexcept {
    return enc::has_infinity ? code(false, enc::infinity_magnitude) : T{};
  }
  MIXPREC_HOST_DEVICE static constexpr T quiet_NaN() noexcept {
    return enc::has_nan
               ? T::from_bits(static_cast<typename T::storage>(enc::nan_code << enc::padding))
               : T{};
  }
  MIXPREC_HOST_DEVICE static constexpr T signaling_NaN() noexcept {
    return has_signaling_NaN ? code(false, enc::infinity_magnitude | (enc::quiet_bit >> 1)) : T{};
  }
  MIXPREC_HOST_DEVICE static constexpr T denorm_min() noexcept {
    return keeps_subnormals ? code(false, 1) : min();
  }

  static constexpr int min_exponent10 = mixprec::detail::ceil_log10(static_cast<double>(min()));
  static constexpr int max_exponent10 = mixprec::detail::floor_log10(static_cast<double>(max()));
};

/// Equal values hash equally: +0, -0 and (for flushing types) subnormal codes hash as zero.
template <class F, mixprec::rounding R, mixprec::overflow O, mixprec::subnormals S>
struct std::hash<mixprec::floating<F, R, O, S>> {
  std::size_t operator()(mixprec::floating<F, R, O, S> x) const noexcept {
    using storage = typename mixprec::floating<F, R, O, S>::storage;
    return std::hash<storage>{}(mixprec::iszero(x) ? storage{0} : x.bits());
  }
};
