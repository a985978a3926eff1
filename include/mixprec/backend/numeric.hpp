#pragma once
/// \file backend/numeric.hpp
/// The scalar steps every reference kernel is written in, on every backend (host and device):
/// rounding a value into a type, one arithmetic operation in the compute type, adding a term to a
/// running sum in the accumulate type, and a function evaluated once and rounded. docs/policies.md
/// states the rules.

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "mixprec/config.hpp"
#include "mixprec/detail/bits.hpp"
#include "mixprec/format/arithmetic.hpp"
#include "mixprec/format/conversion.hpp"
#include "mixprec/format/floating.hpp"
#include "mixprec/format/stochastic.hpp"
#include "mixprec/format/traits.hpp"

namespace mixprec {

/// `x` rounded once into `To` with To's rounding (float and double round to nearest even).
template <scalar_type To, scalar_type From>
MIXPREC_HOST_DEVICE constexpr To round_to(From x) noexcept {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (is_floating_v<To>) {
    return To(x);
  } else if constexpr (is_floating_v<From> && std::is_same_v<To, float>) {
    if constexpr (converts_exactly_v<From, float>) {
      return static_cast<float>(x);
    } else {
      return static_cast<float>(float32(x));
    }
  } else {
    return static_cast<To>(x);
  }
}

/// True when T is a floating type that rounds stochastically.
template <class T>
inline constexpr bool rounds_stochastically_v = [] {
  if constexpr (is_floating_v<T>) {
    return T::rounding_mode == rounding::stochastic;
  } else {
    return false;
  }
}();

/// The exact value of `x` as a double (every scalar type but double's own values fits).
template <scalar_type T>
MIXPREC_HOST_DEVICE constexpr double to_double(T x) noexcept {
  return static_cast<double>(x);
}

/// `acc + term` computed exactly and rounded once into `A` (the accumulate type), whatever the
/// type of the term. When `term` converts exactly into `A` this is A's own addition. A stochastic
/// A does not compile here: its random bits must come from a key, through
/// accumulate(acc, term, key, index).
template <scalar_type A, scalar_type T>
MIXPREC_HOST_DEVICE constexpr A accumulate(A acc, T term) noexcept {
  static_assert(!rounds_stochastically_v<A>,
                "accumulate: a stochastic accumulator draws its random bits from a key: call "
                "accumulate(acc, term, key, index) with the kernel's stochastic_key");
  if constexpr (converts_exactly_v<T, A>) {
    return acc + round_to<A>(term);
  } else if constexpr (std::is_same_v<A, float>) {
    return static_cast<float>(accumulate(float32(acc), term));
  } else {
    static_assert(is_floating_v<A>, "accumulate: a double accumulator takes every term exactly");
    constexpr rounding r = mixprec::detail::rounding_of<A>();
    return A::round(mixprec::detail::add<r>(acc.unpack(), mixprec::detail::unpack_any(term)));
  }
}

/// `x` rounded once into `To`, as round_to<To>(x), except that a stochastic To draws its random
/// bits from `key.bits(index)`: `index` numbers the element (or term) the write belongs to, so
/// the result does not depend on the order in which the elements are computed.
template <scalar_type To, scalar_type From>
MIXPREC_HOST_DEVICE constexpr To round_to(From x, const stochastic_key& key,
                                          std::uint64_t index) noexcept {
  if constexpr (rounds_stochastically_v<To> && !std::is_same_v<To, From>) {
    return stochastic_round<To>(x, key.bits(index));
  } else {
    (void)key;
    (void)index;
    return round_to<To>(x);
  }
}

/// `acc + term` computed exactly and rounded once into `A`, as accumulate(acc, term), except that
/// a stochastic A draws its random bits from `key.bits(index)` (`index` numbers the term).
template <scalar_type A, scalar_type T>
MIXPREC_HOST_DEVICE constexpr A accumulate(A acc, T term, const stochastic_key& key,
                                           std::uint64_t index) noexcept {
  if constexpr (rounds_stochastically_v<A>) {
    return A::round(
        mixprec::detail::add<rounding::stochastic>(acc.unpack(), mixprec::detail::unpack_any(term)),
        key.bits(index));
  } else {
    (void)key;
    (void)index;
    return accumulate(acc, term);
  }
}

/// `f(x)` evaluated in double and rounded once into `C`: the rule for the functions (exp, log,
/// tanh, sigmoid, gelu, ...) of the reference kernels.
template <scalar_type C, class F>
MIXPREC_HOST_DEVICE C apply_rounded(F&& f, C x) {
  return round_to<C>(static_cast<double>(f(static_cast<double>(x))));
}

namespace detail {

/// `x`, kept from being fused with the operation that consumes it. GCC contracts a float or
/// double multiply and a following add into an FMA by default (-ffp-contract=fast, whenever FMA
/// instructions are enabled), which would skip the product's rounding that the reference rules
/// require. An empty asm statement that claims to change x stops that at no cost.
template <class T>
MIXPREC_HOST_DEVICE T keep_rounded(T x) noexcept {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
#if defined(__CUDA_ARCH__)
    volatile T held = x;
    x = held;
#elif defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && defined(__SSE2__)
    __asm__("" : "+x"(x));
#elif defined(__GNUC__) && defined(__aarch64__)
    __asm__("" : "+w"(x));
#else
    volatile T held = x;
    x = held;
#endif
  }
  return x;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Keyed arithmetic: one operation of C rounded once into C. For a stochastic C the random bits
// come from `key.bits(index)` (`index` numbers the element the result belongs to); for any other
// C it is C's own operation (a float product kept from being fused into a following sum).

/// a + b rounded once into C.
template <scalar_type C>
MIXPREC_HOST_DEVICE constexpr C add_rounded(C a, C b, const stochastic_key& key,
                                            std::uint64_t index) noexcept {
  if constexpr (rounds_stochastically_v<C>) {
    return C::round(mixprec::detail::add<rounding::stochastic>(a.unpack(), b.unpack()),
                    key.bits(index));
  } else {
    (void)key;
    (void)index;
    return a + b;
  }
}

/// a - b rounded once into C.
template <scalar_type C>
MIXPREC_HOST_DEVICE constexpr C sub_rounded(C a, C b, const stochastic_key& key,
                                            std::uint64_t index) noexcept {
  if constexpr (rounds_stochastically_v<C>) {
    const mixprec::detail::unpacked ub = b.unpack();
    return C::round(
        mixprec::detail::add<rounding::stochastic>(
            a.unpack(),
            ub.k == mixprec::detail::unpacked::kind::nan ? ub : mixprec::detail::negate(ub)),
        key.bits(index));
  } else {
    (void)key;
    (void)index;
    return a - b;
  }
}

/// a * b rounded once into C (never fused with a following addition).
template <scalar_type C>
MIXPREC_HOST_DEVICE C mul_rounded(C a, C b, const stochastic_key& key,
                                  std::uint64_t index) noexcept {
  if constexpr (rounds_stochastically_v<C>) {
    return C::round(mixprec::detail::mul(a.unpack(), b.unpack()), key.bits(index));
  } else {
    (void)key;
    (void)index;
    return detail::keep_rounded(a * b);
  }
}

/// a / b rounded once into C.
template <scalar_type C>
MIXPREC_HOST_DEVICE constexpr C div_rounded(C a, C b, const stochastic_key& key,
                                            std::uint64_t index) noexcept {
  if constexpr (rounds_stochastically_v<C>) {
    return C::round(mixprec::detail::div(a.unpack(), b.unpack()), key.bits(index));
  } else {
    (void)key;
    (void)index;
    return a / b;
  }
}

/// The square root of a, correctly rounded into C: C's own sqrt for floating types, std::sqrt
/// for float and double (IEEE square roots are correctly rounded).
template <scalar_type C>
MIXPREC_HOST_DEVICE C sqrt_rounded(C a, const stochastic_key& key, std::uint64_t index) noexcept {
  if constexpr (rounds_stochastically_v<C>) {
    return C::round(mixprec::detail::sqrt(a.unpack()), key.bits(index));
  } else if constexpr (is_floating_v<C>) {
    (void)key;
    (void)index;
    return sqrt(a);
  } else {
    (void)key;
    (void)index;
    return std::sqrt(a);
  }
}

/// `f(x)` evaluated in double and rounded once into `C`, as apply_rounded(f, x), except that a
/// stochastic C draws its random bits from `key.bits(index)`.
template <scalar_type C, class F>
MIXPREC_HOST_DEVICE C apply_rounded(F&& f, C x, const stochastic_key& key, std::uint64_t index) {
  return round_to<C>(static_cast<double>(f(static_cast<double>(x))), key, index);
}

/// True for float and for floating<fp32> with default behaviour: the types whose arithmetic the
/// CPU's float instructions carry out exactly.
template <class T>
inline constexpr bool is_ieee_float_v =
    std::is_same_v<T, float> || std::is_same_v<T, floating<formats::fp32>>;

}  // namespace mixprec
