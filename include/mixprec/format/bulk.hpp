#pragma once
/// \file format/bulk.hpp
/// Bulk conversion between arrays of float, double and floating types.
///
/// `convert(src, dst)` writes dst[i] = To(src[i]) for every i: each element is rounded once with
/// the target type's rounding, overflow and subnormal behaviour, exactly as the scalar
/// conversion does. With a `stochastic_key`, stochastic targets draw `key.bits(first + i)` for
/// element i, so the result equals `stochastic_round<To>(src[i], key.bits(first + i))` whatever
/// the instruction set, the thread count or the way the array is split; with a seed, the key is
/// `stochastic_key{seed, 0}` (bits(seed, first + i), as `stochastic_round<To>(src[i], seed,
/// first + i)`). Where the
/// compiler targets F16C or AVX-512 (chosen at compile time, e.g. -march=native) float <-> half
/// and float -> bfloat16 use the CPU's conversion instructions; elsewhere a portable loop over
/// branch-free kernels gives the same bits.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <ranges>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "mixprec/config.hpp"
#include "mixprec/error.hpp"
#include "mixprec/format/float_kernels.hpp"
#include "mixprec/format/floating.hpp"
#include "mixprec/format/stochastic.hpp"

#if !defined(MIXPREC_DEVICE_PASS) && (defined(__x86_64__) || defined(__i386__)) && \
    (defined(__F16C__) || defined(__AVX512F__) || defined(__AVX512BF16__))
#include <immintrin.h>
#endif

namespace mixprec {

namespace detail {

template <class T>
concept bulk_element = std::same_as<T, float> || std::same_as<T, double> || is_floating_v<T>;

template <class To, class From>
constexpr To convert_element(From x) noexcept {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (is_floating_v<To>) {
    return To(x);
  } else {
    return static_cast<To>(x);  // float/double from floating (exact) or double -> float
  }
}

template <class To, class From>
void check_bulk_arguments(const char* op, std::span<const From> src, std::span<To> dst) {
  if (src.size() != dst.size()) {
    throw_error(op, "source has " + std::to_string(src.size()) + " elements, destination has " +
                        std::to_string(dst.size()));
  }
  const auto* s0 = reinterpret_cast<const unsigned char*>(src.data());
  const auto* d0 = reinterpret_cast<const unsigned char*>(dst.data());
  const std::size_t sbytes = src.size_bytes(), dbytes = dst.size_bytes();
  const bool overlap = sbytes != 0 && dbytes != 0 && std::less<>{}(s0, d0 + dbytes) &&
                       std::less<>{}(d0, s0 + sbytes);
  if (overlap) throw_error(op, "source and destination overlap");
}

// Conversion instructions of the CPU, for the parameters where they round like the type.
// GCC 12 warns about the AVX-512 intrinsic headers' own undefined-vector idiom when they are
// inlined here (a false positive), so that warning is off for this part.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

template <class To, class From>
concept float_to_half_hw_applies =
    std::is_same_v<From, float> && is_floating_v<To> &&
        std::is_same_v<typename To::format, formats::fp16> &&
        To::overflow_mode == overflow::standard&& To::subnormal_mode == subnormals::keep &&
    (To::rounding_mode == rounding::nearest_even || To::rounding_mode == rounding::toward_zero ||
     To::rounding_mode == rounding::upward || To::rounding_mode == rounding::downward);

#if defined(__F16C__) || defined(__AVX512F__)
template <rounding R>
constexpr int f16c_rounding_immediate() noexcept {
  if constexpr (R == rounding::nearest_even) return _MM_FROUND_TO_NEAREST_INT;
  if constexpr (R == rounding::toward_zero) return _MM_FROUND_TO_ZERO;
  if constexpr (R == rounding::upward) return _MM_FROUND_TO_POS_INF;
  return _MM_FROUND_TO_NEG_INF;
}

/// float -> half with vcvtps2ph; returns how many elements it converted.
template <rounding R>
inline std::size_t float_to_half_hw(const float* src, std::uint16_t* dst, std::size_t n) noexcept {
  constexpr int imm = f16c_rounding_immediate<R>() | _MM_FROUND_NO_EXC;
  std::size_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    const __m256i h = _mm512_cvtps_ph(_mm512_loadu_ps(src + i), imm);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), h);
  }
#else
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), imm);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), h);
  }
#endif
  return i;
}

/// half -> float with vcvtph2ps (exact; NaNs quieted, as the type does).
inline std::size_t half_to_float_hw(const std::uint16_t* src, float* dst, std::size_t n) noexcept {
  std::size_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(h));
  }
#else
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
#endif
  return i;
}
#endif

template <class To, class From>
concept float_to_bf16_hw_applies =
    std::is_same_v<From, float> && is_floating_v<To> &&
    std::is_same_v<typename To::format, formats::bf16> &&
    To::rounding_mode == rounding::nearest_even&& To::overflow_mode ==
    overflow::standard&& To::subnormal_mode == subnormals::keep;

#if defined(__AVX512BF16__) && defined(__AVX512F__) && defined(__AVX512BW__)
/// float -> bfloat16 with vcvtneps2bf16. The instruction reads subnormal inputs as zero, so
/// those lanes take the integer rounding instead.
inline std::size_t float_to_bf16_hw(const float* src, std::uint16_t* dst, std::size_t n) noexcept {
  std::size_t i = 0;
  const __m512i exponent_mask = _mm512_set1_epi32(0x7f800000);
  const __m512i mantissa_mask = _mm512_set1_epi32(0x007fffff);
  for (; i + 16 <= n; i += 16) {
    const __m512 x = _mm512_loadu_ps(src + i);
    __m256i r = reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(x));
    const __m512i u = _mm512_castps_si512(x);
    const __mmask16 subnormal =
        _mm512_testn_epi32_mask(u, exponent_mask) & _mm512_test_epi32_mask(u, mantissa_mask);
    if (subnormal != 0) {
      // Round to nearest even on the bit pattern: exact for subnormals.
      const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
      const __m512i rounded = _mm512_srli_epi32(
          _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), lsb), 16);
      const __m256i narrow = _mm512_cvtepi32_epi16(rounded);
      r = _mm256_mask_blend_epi16(subnormal, r, narrow);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), r);
  }
  return i;
}
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

template <class To, class From>
void convert_span(std::span<const From> src, std::span<To> dst) {
  std::size_t i = 0;
  const std::size_t n = src.size();
#if defined(__F16C__) || defined(__AVX512F__)
  if constexpr (float_to_half_hw_applies<To, From>) {
    static_assert(sizeof(To) == sizeof(std::uint16_t));
    i = float_to_half_hw<To::rounding_mode>(src.data(),
                                            reinterpret_cast<std::uint16_t*>(dst.data()), n);
  }
  if constexpr (std::is_same_v<To, float> && is_floating_v<From>) {
    if constexpr (std::is_same_v<typename From::format, formats::fp16> &&
                  From::subnormal_mode == subnormals::keep) {
      i = half_to_float_hw(reinterpret_cast<const std::uint16_t*>(src.data()), dst.data(), n);
    }
  }
#endif
#if defined(__AVX512BF16__) && defined(__AVX512F__) && defined(__AVX512BW__)
  if constexpr (float_to_bf16_hw_applies<To, From>) {
    i = float_to_bf16_hw(src.data(), reinterpret_cast<std::uint16_t*>(dst.data()), n);
  }
#endif
  // The rest (or all of it): the scalar conversion, which for float sources and targets is a
  // branch-free kernel that the compiler can vectorise.
  const From* in = src.data() + i;
  const From* const end = src.data() + n;
  To* out = dst.data() + i;
  while (in != end) *out++ = convert_element<To>(*in++);
}

template <class R>
using range_element = std::remove_cv_t<std::ranges::range_value_t<R>>;

}  // namespace detail

/// dst[i] = To(src[i]) for every i, each element rounded once with the target's parameters.
/// `src` and `dst` are contiguous ranges (std::span, std::vector, std::array, C arrays) of float,
/// double or floating types. Throws mixprec::error, writing nothing, when the sizes differ or the
/// two ranges overlap.
template <std::ranges::contiguous_range Src, std::ranges::contiguous_range Dst>
requires detail::bulk_element<detail::range_element<Src>> &&
    detail::bulk_element<detail::range_element<Dst>>
void convert(const Src& src, Dst&& dst) {
  using From = detail::range_element<Src>;
  using To = detail::range_element<Dst>;
  static_assert(!std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<Dst>>>,
                "convert: the destination must be writable");
  const std::span<const From> s(std::ranges::data(src), std::ranges::size(src));
  const std::span<To> d(std::ranges::data(dst), std::ranges::size(dst));
  detail::check_bulk_arguments("convert", s, d);
  detail::convert_span(s, d);
}

/// Stochastic rounding into a type with rounding::stochastic: element i draws
/// `key.bits(first_index + i)` (Philox with key `key.seed`, counter (first_index + i,
/// key.stream)), so the result equals `stochastic_round<To>(src[i], key.bits(first_index + i))`
/// element by element. The bits depend on the element's index only: converting the halves of an
/// array with first_index 0 and n/2 (on two threads, say) gives the bits of converting it whole.
/// Throws mixprec::error, writing nothing, when the sizes differ or the two ranges overlap.
template <std::ranges::contiguous_range Src, std::ranges::contiguous_range Dst>
requires detail::bulk_element<detail::range_element<Src>> &&
    detail::stochastic_floating<detail::range_element<Dst>>
void convert(const Src& src, Dst&& dst, stochastic_key key, std::uint64_t first_index = 0) {
  using From = detail::range_element<Src>;
  using To = detail::range_element<Dst>;
  const std::span<const From> s(std::ranges::data(src), std::ranges::size(src));
  const std::span<To> d(std::ranges::data(dst), std::ranges::size(dst));
  detail::check_bulk_arguments("convert", s, d);
  for (std::size_t i = 0; i < s.size(); ++i) {
    d[i] = stochastic_round<To>(s[i], key.bits(first_index + i));
  }
}

/// The same with the key `stochastic_key{seed, 0}`: element i uses the random bits of
/// (seed, first_counter + i), so the result equals
/// `stochastic_round<To>(src[i], seed, first_counter + i)` element by element.
template <std::ranges::contiguous_range Src, std::ranges::contiguous_range Dst>
requires detail::bulk_element<detail::range_element<Src>> &&
    detail::stochastic_floating<detail::range_element<Dst>>
void convert(const Src& src, Dst&& dst, std::uint64_t seed, std::uint64_t first_counter = 0) {
  convert(src, std::forward<Dst>(dst), stochastic_key{seed, 0}, first_counter);
}

}  // namespace mixprec
