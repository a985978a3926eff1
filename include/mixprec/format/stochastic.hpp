#pragma once
/// \file format/stochastic.hpp
/// Stochastic rounding with explicit randomness.
///
/// A value x between its neighbours lo (lower magnitude) and hi rounds to hi with probability
/// (|x| - |lo|) / (|hi| - |lo|). The decision uses 32 random bits u: the result is hi iff
/// u < floor((|x| - |lo|) / (|hi| - |lo|) * 2^32). The probability is therefore exact when x has
/// at most 32 bits below the last place of the target, and otherwise low by less than 2^-32.
/// The bits come either from the caller or from Philox4x32-10 keyed by (seed, counter), so the
/// same seed and counter give the same result on every compiler and on CUDA devices. Where no
/// bits are given (a stochastic type's constructors, parsing, math results) they are a function
/// of the value being rounded under a fixed key (detail::value_random): the same value always
/// rounds the same way, so repeated operations take a stochastic_stream or a stochastic_key.

#include <cstdint>

#include "mixprec/config.hpp"
#include "mixprec/detail/philox.hpp"
#include "mixprec/format/arithmetic.hpp"
#include "mixprec/format/conversion.hpp"
#include "mixprec/format/floating.hpp"

namespace mixprec {

namespace detail {
template <class T>
concept stochastic_floating = is_floating_v<T> && T::rounding_mode == rounding::stochastic;

MIXPREC_HOST_DEVICE constexpr unpacked unpack_any(float x) noexcept { return unpack_value(x); }
MIXPREC_HOST_DEVICE constexpr unpacked unpack_any(double x) noexcept { return unpack_value(x); }
template <convertible_integer Int>
MIXPREC_HOST_DEVICE constexpr unpacked unpack_any(Int x) noexcept {
  return unpack_integer(x);
}
template <class F, rounding R, overflow O, subnormals S>
MIXPREC_HOST_DEVICE constexpr unpacked unpack_any(floating<F, R, O, S> x) noexcept {
  return x.unpack();
}
}  // namespace detail

/// Rounds `x` (float, double, an integer or any floating) stochastically into T with the given
/// 32 random bits. T must have rounding::stochastic.
template <class T, class From>
requires detail::stochastic_floating<T> MIXPREC_HOST_DEVICE constexpr T stochastic_round(
    From x, std::uint32_t random_bits) noexcept {
  return T::round(detail::unpack_any(x), random_bits);
}

/// Rounds `x` stochastically into T with the random bits of (seed, counter). A bulk conversion
/// that uses the element index as counter equals these scalar conversions element by element.
template <class T, class From>
requires detail::stochastic_floating<T> MIXPREC_HOST_DEVICE constexpr T stochastic_round(
    From x, std::uint64_t seed, std::uint64_t counter) noexcept {
  return T::round(detail::unpack_any(x), detail::random_bits(seed, counter));
}

/// Where the random bits of one stochastic write come from, for writes that happen side by side
/// (the elements of a kernel's output, the terms of its sums): element `i` draws
/// `bits(i)`, the first word of Philox4x32-10 with key `seed` and counter (i, stream). A write
/// keyed by the element index gives the same bits for any thread count, SIMD width or order, and
/// two keys with different streams (another op instance, another step) give independent bits.
struct stochastic_key {
  std::uint64_t seed = 0;    ///< the run's seed
  std::uint64_t stream = 0;  ///< which write: an op instance and step, see derive()

  /// The 32 random bits of element `index`.
  MIXPREC_HOST_DEVICE constexpr std::uint32_t bits(std::uint64_t index) const noexcept {
    return detail::random_bits(seed, index, stream);
  }
  /// The key of a sub-write (`part` numbers the distinct rounding sites of one op: its output,
  /// its running sums, ...): same seed, a stream no other part of this key shares.
  MIXPREC_HOST_DEVICE constexpr stochastic_key derive(std::uint64_t part) const noexcept {
    return stochastic_key{seed,
                          detail::mix64(stream ^ detail::mix64(part + 0x9e3779b97f4a7c15ULL))};
  }
  /// The key of op instance `instance` in step `step` of a run seeded with `seed`.
  MIXPREC_HOST_DEVICE static constexpr stochastic_key for_op(std::uint64_t seed,
                                                             std::uint64_t instance,
                                                             std::uint64_t step) noexcept {
    return stochastic_key{seed, (step << 32) ^ instance};
  }
  friend constexpr bool operator==(const stochastic_key&, const stochastic_key&) = default;
};

/// A seed and a running counter: each conversion or operation consumes the next counter value,
/// so a sequence of operations is reproducible from (seed, first counter) and its draws are
/// independent. This is the arithmetic of stochastic types: their operators + - * / (and the
/// compound forms, fma, sqrt) do not compile, because bits drawn from the operands alone would
/// round the same operation the same way every time (an accumulation would stall).
///
///     mixprec::stochastic_stream s(seed);
///     for (...) acc = s.add(acc, term);
class stochastic_stream {
 public:
  MIXPREC_HOST_DEVICE constexpr explicit stochastic_stream(std::uint64_t seed,
                                                           std::uint64_t counter = 0) noexcept
      : seed_(seed), counter_(counter) {}

  MIXPREC_HOST_DEVICE constexpr std::uint64_t seed() const noexcept { return seed_; }
  /// The counter the next draw will use.
  MIXPREC_HOST_DEVICE constexpr std::uint64_t counter() const noexcept { return counter_; }
  /// The next 32 random bits.
  MIXPREC_HOST_DEVICE constexpr std::uint32_t next() noexcept {
    return detail::random_bits(seed_, counter_++);
  }

  template <class T, class From>
  requires detail::stochastic_floating<T> MIXPREC_HOST_DEVICE constexpr T round(From x) noexcept {
    return T::round(detail::unpack_any(x), next());
  }
  template <detail::stochastic_floating T>
  MIXPREC_HOST_DEVICE constexpr T add(T a, T b) noexcept {
    return T::round(detail::add<rounding::stochastic>(a.unpack(), b.unpack()), next());
  }
  template <detail::stochastic_floating T>
  MIXPREC_HOST_DEVICE constexpr T sub(T a, T b) noexcept {
    const detail::unpacked ub = b.unpack();
    return T::round(detail::add<rounding::stochastic>(
                        a.unpack(), ub.k == detail::unpacked::kind::nan ? ub : detail::negate(ub)),
                    next());
  }
  template <detail::stochastic_floating T>
  MIXPREC_HOST_DEVICE constexpr T mul(T a, T b) noexcept {
    return T::round(detail::mul(a.unpack(), b.unpack()), next());
  }
  template <detail::stochastic_floating T>
  MIXPREC_HOST_DEVICE constexpr T div(T a, T b) noexcept {
    return T::round(detail::div(a.unpack(), b.unpack()), next());
  }
  template <detail::stochastic_floating T>
  MIXPREC_HOST_DEVICE constexpr T fma(T a, T b, T c) noexcept {
    return T::round(detail::fma<rounding::stochastic>(a.unpack(), b.unpack(), c.unpack()), next());
  }
  template <detail::stochastic_floating T>
  MIXPREC_HOST_DEVICE constexpr T sqrt(T a) noexcept {
    return T::round(detail::sqrt(a.unpack()), next());
  }

 private:
  std::uint64_t seed_;
  std::uint64_t counter_;
};

}  // namespace mixprec
