#pragma once
/// \file format/traits.hpp
/// Traits of the number types mixprec computes with (float, double and every floating<>): the
/// `scalar_type` concept, significand bits, whether one type converts exactly into another, and
/// the short names the policy tables print.

#include <string>
#include <type_traits>

#include "mixprec/format/aliases.hpp"
#include "mixprec/format/encoding.hpp"
#include "mixprec/format/floating.hpp"
#include "mixprec/format/formats.hpp"

namespace mixprec {

/// The element types mixprec computes with: float, double and every `floating<...>`.
template <class T>
concept scalar_type = is_floating_v<T> || std::is_same_v<T, float> || std::is_same_v<T, double>;

namespace detail {

/// The format descriptor of a scalar type (float is fp32, double is binary64).
template <class T>
struct format_of {
  using type = typename T::format;
};
template <>
struct format_of<float> {
  using type = formats::fp32;
};
template <>
struct format_of<double> {
  using type = binary64;
};
template <class T>
using format_of_t = typename format_of<T>::type;

template <class T>
MIXPREC_HOST_DEVICE constexpr rounding rounding_of() noexcept {
  if constexpr (is_floating_v<T>) {
    return T::rounding_mode;
  } else {
    return rounding::nearest_even;
  }
}
template <class T>
MIXPREC_HOST_DEVICE constexpr overflow overflow_of() noexcept {
  if constexpr (is_floating_v<T>) {
    return T::overflow_mode;
  } else {
    return overflow::standard;
  }
}
template <class T>
MIXPREC_HOST_DEVICE constexpr subnormals subnormals_of() noexcept {
  if constexpr (is_floating_v<T>) {
    return T::subnormal_mode;
  } else {
    return subnormals::keep;
  }
}

}  // namespace detail

/// Significand bits (the implicit bit included) of a scalar type: 24 for float, 8 for bf16.
template <scalar_type T>
inline constexpr int precision_bits_v = detail::encoding<detail::format_of_t<T>>::mantissa_bits + 1;

/// True when every value of `From` (infinities and NaN included) is a value of `To`, so that
/// converting is exact whatever To's rounding: precision, range, subnormals and special values
/// all fit.
template <scalar_type From, scalar_type To>
inline constexpr bool converts_exactly_v = [] {
  using ef = detail::encoding<detail::format_of_t<From>>;
  using et = detail::encoding<detail::format_of_t<To>>;
  if constexpr (std::is_same_v<detail::format_of_t<From>, detail::format_of_t<To>>) {
    // Same format: only flushing in To, or To saturating From's infinities, loses values.
    return !(ef::has_subnormals && detail::subnormals_of<From>() == subnormals::keep &&
             detail::subnormals_of<To>() == subnormals::flush) &&
           !(ef::has_infinity && detail::overflow_of<From>() == overflow::standard &&
             detail::overflow_of<To>() == overflow::saturate);
  } else {
    const int from_min_exp = ef::has_subnormals && detail::subnormals_of<From>() == subnormals::keep
                                 ? ef::emin - ef::mantissa_bits
                                 : ef::emin;
    const int to_min_exp = et::has_subnormals && detail::subnormals_of<To>() == subnormals::keep
                               ? et::emin - et::mantissa_bits
                               : et::emin;
    const bool precision_ok = et::mantissa_bits >= ef::mantissa_bits;
    // Every From exponent in [from_min_exp, emax] with its precision fits To's normal or
    // subnormal range: the smallest From value needs to_min_exp <= from_min_exp, and the
    // From values just above To's normal minimum keep their low bits only if To is normal there.
    const bool low_ok = to_min_exp <= from_min_exp &&
                        (ef::emin - ef::mantissa_bits >= et::emin - et::mantissa_bits);
    const bool high_ok = et::emax >= ef::emax;
    const bool sign_ok = et::is_signed || !ef::is_signed;
    const bool zero_ok = !ef::has_zero || et::has_zero;
    const bool inf_ok =
        !ef::has_infinity || (et::has_infinity && detail::overflow_of<To>() == overflow::standard);
    const bool nan_ok = !ef::has_nan || et::has_nan;
    return precision_ok && low_ok && high_ok && sign_ok && zero_ok && inf_ok && nan_ok;
  }
}();

/// The short name of a scalar type as the policy tables print it: the format name ("fp32",
/// "bf16", "e4m3"; "fp64" for double), followed by the behaviour that differs from the default:
/// "bf16/sr", "e4m3/sat", "fp16/ftz", "fp16/rz".
template <scalar_type T>
std::string type_short_name() {
  std::string name;
  if constexpr (std::is_same_v<T, double>) {
    name = "fp64";
  } else {
    name = detail::format_of_t<T>::name;
  }
  constexpr rounding r = detail::rounding_of<T>();
  if constexpr (r != rounding::nearest_even) {
    name += r == rounding::nearest_away  ? "/rna"
            : r == rounding::toward_zero ? "/rz"
            : r == rounding::upward      ? "/ru"
            : r == rounding::downward    ? "/rd"
            : r == rounding::to_odd      ? "/ro"
                                         : "/sr";
  }
  if constexpr (detail::overflow_of<T>() == overflow::saturate) name += "/sat";
  if constexpr (detail::subnormals_of<T>() == subnormals::flush) name += "/ftz";
  return name;
}

}  // namespace mixprec
