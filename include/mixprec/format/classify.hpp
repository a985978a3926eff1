#pragma once
/// \file format/classify.hpp
/// Classification of floating values, as <cmath> does for float. For types with
/// subnormals::flush, subnormal codes classify as zero.

#include <cmath>
#include <cstdint>

#include "mixprec/config.hpp"
#include "mixprec/format/conversion.hpp"
#include "mixprec/format/floating.hpp"

namespace mixprec {

/// FP_NAN, FP_INFINITE, FP_ZERO, FP_SUBNORMAL or FP_NORMAL.
template <class F, rounding R, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr int fpclassify(floating<F, R, O, S> x) noexcept {
  using enc = detail::encoding<F>;
  const detail::unpacked u = x.unpack();
  switch (u.k) {
    case detail::unpacked::kind::nan:
      return FP_NAN;
    case detail::unpacked::kind::infinite:
      return FP_INFINITE;
    case detail::unpacked::kind::zero:
      return FP_ZERO;
    case detail::unpacked::kind::finite:
      break;
  }
  if (enc::has_subnormals && ((static_cast<std::uint64_t>(x.bits()) >> enc::padding) &
                              enc::magnitude_mask) < (std::uint64_t{1} << enc::mantissa_bits))
    return FP_SUBNORMAL;
  return FP_NORMAL;
}

template <class F, rounding R, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr bool isnan(floating<F, R, O, S> x) noexcept {
  return fpclassify(x) == FP_NAN;
}
template <class F, rounding R, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr bool isinf(floating<F, R, O, S> x) noexcept {
  return fpclassify(x) == FP_INFINITE;
}
template <class F, rounding R, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr bool isfinite(floating<F, R, O, S> x) noexcept {
  const int c = fpclassify(x);
  return c != FP_NAN && c != FP_INFINITE;
}
template <class F, rounding R, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr bool isnormal(floating<F, R, O, S> x) noexcept {
  return fpclassify(x) == FP_NORMAL;
}
template <class F, rounding R, overflow O, subnormals S>
// The name is parenthesised because glibc defines issubnormal as a function-like macro (which,
// called unqualified, expands to fpclassify and so still reaches the overload above).
MIXPREC_HOST_DEVICE constexpr bool(issubnormal)(floating<F, R, O, S> x) noexcept {
  return fpclassify(x) == FP_SUBNORMAL;
}
template <class F, rounding R, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr bool(iszero)(floating<F, R, O, S> x) noexcept {
  return fpclassify(x) == FP_ZERO;
}
/// The sign bit of the code (NaNs included; always false in an unsigned format).
template <class F, rounding R, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr bool signbit(floating<F, R, O, S> x) noexcept {
  using enc = detail::encoding<F>;
  return ((static_cast<std::uint64_t>(x.bits()) >> enc::padding) & enc::sign_mask) != 0;
}

}  // namespace mixprec
