#pragma once
/// \file format/floating.hpp
/// `floating<Format, R, O, S>`: a number in `Format` whose every produced value is rounded with
/// `R`, overflows by `O` and treats subnormals by `S`.

#include <concepts>
#include <cstdint>
#include <type_traits>

#include "mixprec/config.hpp"
#include "mixprec/detail/bits.hpp"
#include "mixprec/detail/philox.hpp"
#include "mixprec/format/conversion.hpp"
#include "mixprec/format/encoding.hpp"
#include "mixprec/format/float_kernels.hpp"
#include "mixprec/format/formats.hpp"
#include "mixprec/format/rounding.hpp"

#if defined(MIXPREC_CUDA_COMPILER)
#include "mixprec/format/cuda_interop.hpp"
#endif

namespace mixprec {

template <class Format, rounding R = rounding::nearest_even, overflow O = overflow::standard,
          subnormals S = subnormals::keep>
class floating;

namespace detail {

template <class T>
struct is_floating : std::false_type {};
template <class F, rounding R, overflow O, subnormals S>
struct is_floating<floating<F, R, O, S>> : std::true_type {};

/// Integer types a floating converts from: every standard integer type but bool (extended
/// integers wider than 64 bits are not accepted).
template <class T>
concept convertible_integer =
    std::integral<T> && !std::same_as<std::remove_cv_t<T>, bool> && sizeof(T) <= 8;

/// The fixed Philox key of the random bits of stochastic roundings that have no stream or key
/// of their own (constructors, parsing, math results). It is part of the library, not a setting:
/// the same value rounds the same way in every translation unit and every program.
inline constexpr std::uint64_t stateless_key = 0x6d69787072656330ULL;  // "mixprec0"

/// The random bits of a stochastic conversion without a stream: a pure function of the exact
/// value being rounded (its sign, leading exponent and significand, however it was produced:
/// from a float, a double, an integer, text or another floating) and of the site: 1 for a
/// rounding onto the type's own grid; math.hpp's rint, which rounds onto the integers, uses its
/// own site so that its bits do not repeat a conversion's.
MIXPREC_HOST_DEVICE constexpr std::uint32_t value_random(const unpacked& u,
                                                         std::uint64_t site = 1) noexcept {
  if (u.k != unpacked::kind::finite || u.sig == 0) return 0;  // exact: the bits are not used
  const int lead = bit_width_minus_one(u.sig);
  const std::uint64_t sig = u.sig << (63 - lead);
  const auto top = static_cast<std::uint64_t>(static_cast<std::int64_t>(u.exp) + lead);
  const std::uint64_t counter = mix64(sig ^ mix64(top ^ (u.sign ? 0x8000000000000000ULL : 0)));
  return random_bits(stateless_key, counter, site);
}

}  // namespace detail

/// A floating-point number in `Format` (a descriptor of mixprec::formats).
///
/// \tparam Format a format descriptor: its bit layout and special values
/// \tparam R      rounding of every value the type produces (conversions into it, arithmetic)
/// \tparam O      what an overflowing result becomes
/// \tparam S      whether subnormal numbers exist (flush: they read and round to signed zero)
///
/// With R = rounding::stochastic the conversions into the type (constructors; also parsing and
/// the math functions' results) draw their random bits from the value being rounded, under a
/// fixed key: the same value always rounds the same way. For repeated operations use a
/// `stochastic_stream` or a `stochastic_key` (format/stochastic.hpp); the arithmetic operators of
/// a stochastic type do not compile (format/arithmetic.hpp).
///
/// Trivially copyable, the size of its storage word; every operation is constexpr and can run
/// on the host and on a CUDA device. Conversions in are explicit and rounded once; conversions
/// out to float and double are exact.
template <class Format, rounding R, overflow O, subnormals S>
class floating {
  using enc = detail::encoding<Format>;

 public:
  using format = Format;
  /// The unsigned integer type holding the code.
  using storage = typename enc::storage;
  static constexpr rounding rounding_mode = R;
  static constexpr overflow overflow_mode = O;
  static constexpr subnormals subnormal_mode = S;

  /// Leaves the value uninitialised (trivial); `floating{}` is the code 0.
  floating() = default;

  /// The value whose code is `bits` (no check: any code is a valid value or NaN).
  MIXPREC_HOST_DEVICE static constexpr floating from_bits(storage bits) noexcept {
    return floating(raw_tag{}, bits);
  }
  /// The code.
  MIXPREC_HOST_DEVICE constexpr storage bits() const noexcept { return bits_; }

  /// Rounds `x` once with R (never through float).
  MIXPREC_HOST_DEVICE constexpr explicit floating(double x) noexcept
      : bits_(from_unpacked(detail::unpack_value(x))) {}
  MIXPREC_HOST_DEVICE constexpr explicit floating(float x) noexcept : bits_(from_float(x)) {}
  template <detail::convertible_integer Int>
  MIXPREC_HOST_DEVICE constexpr explicit floating(Int x) noexcept
      : bits_(from_unpacked(detail::unpack_integer(x))) {}
  /// Converts from another floating type, rounding once with this type's R.
  template <class F2, rounding R2, overflow O2, subnormals S2>
  requires(!std::is_same_v<floating<F2, R2, O2, S2>, floating>) MIXPREC_HOST_DEVICE
      constexpr explicit floating(floating<F2, R2, O2, S2> x) noexcept
      : bits_(from_unpacked(x.unpack())) {}

  /// Exact.
  MIXPREC_HOST_DEVICE constexpr explicit operator float() const noexcept {
    if constexpr (detail::has_float_kernel<Format, rounding::nearest_even>) {
      return detail::widen_to_float<Format, S>(bits_);
    } else {
      return detail::to_float(unpack());
    }
  }
  /// Exact.
  MIXPREC_HOST_DEVICE constexpr explicit operator double() const noexcept {
    return detail::to_double(unpack());
  }

#if defined(MIXPREC_CUDA_COMPILER)
  /// Bit-exact conversion from the CUDA type of the same format (__half, __nv_bfloat16,
  /// __nv_fp8_e4m3, __nv_fp8_e5m2).
  template <class Native>
  requires std::is_same_v<Native, typename detail::cuda_native<Format>::type>
      MIXPREC_HOST_DEVICE explicit floating(Native n) noexcept
      : bits_(detail::cuda_native<Format>::to_bits(n)) {}
  /// Bit-exact conversion to the CUDA type of the same format.
  template <class Native>
  requires std::is_same_v<Native, typename detail::cuda_native<Format>::type>
      MIXPREC_HOST_DEVICE explicit operator Native() const noexcept {
    return detail::cuda_native<Format>::from_bits(bits_);
  }
#endif

  /// The exact value (subnormals read as zero when S is flush). Internal.
  MIXPREC_HOST_DEVICE constexpr detail::unpacked unpack() const noexcept {
    return detail::decode<Format, S == subnormals::flush>(bits_);
  }
  /// Rounds an exact value into this type with the given random bits (stochastic only). Internal.
  MIXPREC_HOST_DEVICE static constexpr floating round(const detail::unpacked& u,
                                                      std::uint32_t random = 0) noexcept {
    return from_bits(static_cast<storage>(detail::encode<Format, R, O, S>(u, random)));
  }

 private:
  struct raw_tag {};
  MIXPREC_HOST_DEVICE constexpr floating(raw_tag, storage bits) noexcept : bits_(bits) {}

  MIXPREC_HOST_DEVICE static constexpr storage from_float(float x) noexcept {
    if constexpr (detail::has_float_kernel<Format, R>) {
      return static_cast<storage>(detail::round_float<Format, R, O, S>(x));
    } else {
      return from_unpacked(detail::unpack_value(x));
    }
  }

  // Stochastic types: the bits are a function of the value (detail::value_random).
  MIXPREC_HOST_DEVICE static constexpr storage from_unpacked(const detail::unpacked& u) noexcept {
    std::uint32_t random = 0;
    if constexpr (R == rounding::stochastic) random = detail::value_random(u);
    return static_cast<storage>(detail::encode<Format, R, O, S>(u, random));
  }

  storage bits_;
};

/// True for every specialisation of floating.
template <class T>
inline constexpr bool is_floating_v = detail::is_floating<std::remove_cv_t<T>>::value;

}  // namespace mixprec
