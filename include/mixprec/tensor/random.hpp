#pragma once
/// \file tensor/random.hpp
/// Seeded normal and uniform values for tensor::normal and tensor::uniform.
///
/// Element i (row-major) is a function of (seed, i) only: its value is drawn in double from
/// Philox4x32-10 with key = seed and counter = (i low, i high, stream, 0), then rounded once into
/// the element type. So the result does not depend on how the work is split, and the streams
/// (1: uniform, 2: normal) never reuse the bits of stochastic rounding with the same seed
/// (stream 0, detail/philox.hpp's random_bits). Within one build the values are the same on
/// every run; across C libraries a normal value may differ in the last bits of the double
/// (std::log, std::cos), which rounding into a narrow type almost always hides.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>

#include "mixprec/detail/philox.hpp"
#include "mixprec/error.hpp"
#include "mixprec/format/bulk.hpp"
#include "mixprec/format/traits.hpp"
#include "mixprec/tensor/print.hpp"

namespace mixprec::detail {

/// Philox stream numbers (the third counter word) of the tensor generators.
inline constexpr std::uint32_t uniform_stream = 1;
inline constexpr std::uint32_t normal_stream = 2;

/// The four random words of (seed, counter) in `stream`.
constexpr philox_block philox_words(std::uint64_t seed, std::uint64_t counter,
                                    std::uint32_t stream) noexcept {
  const philox_block c{
      {static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32), stream, 0u}};
  return philox4x32(c, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
}

/// 53 random bits from two words, as a double k * 2^-53 in [0, 1).
constexpr double unit_interval(std::uint32_t hi, std::uint32_t lo) noexcept {
  const std::uint64_t bits = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 11;
  return static_cast<double>(bits) * 0x1p-53;
}

/// The uniform value of element `i`: lo + (hi - lo) * u with u in [0, 1), kept below hi.
inline double uniform_value(std::uint64_t seed, std::uint64_t i, double lo, double hi) noexcept {
  const philox_block w = philox_words(seed, i, uniform_stream);
  const double x = lo + (hi - lo) * unit_interval(w.word[0], w.word[1]);
  return x < hi || !(lo < hi) ? x : std::nextafter(hi, lo);
}

/// The normal value of element `i`: mean + stddev * z, z from the Box-Muller transform
/// z = sqrt(-2 ln u1) cos(2 pi u2) with u1 in (0, 1] and u2 in [0, 1).
inline double normal_value(std::uint64_t seed, std::uint64_t i, double mean,
                           double stddev) noexcept {
  const philox_block w = philox_words(seed, i, normal_stream);
  const double u1 = 1.0 - unit_interval(w.word[0], w.word[1]);
  const double u2 = unit_interval(w.word[2], w.word[3]);
  const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  return mean + stddev * z;
}

/// out[i] = T(value(i)) for every i, each double rounded once into T (through bulk conversion,
/// a block at a time).
template <scalar_type T, class Value>
void generate(std::span<T> out, Value&& value) {
  constexpr std::size_t block = 256;
  double buffer[block];
  for (std::size_t first = 0; first < out.size(); first += block) {
    const std::size_t n = out.size() - first < block ? out.size() - first : block;
    for (std::size_t j = 0; j < n; ++j) buffer[j] = value(static_cast<std::uint64_t>(first + j));
    mixprec::convert(std::span<const double>(buffer, n), out.subspan(first, n));
  }
}

/// Throws unless lo and hi are finite, lo <= hi and hi - lo is finite.
inline void check_uniform_range(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo <= hi) || !std::isfinite(hi - lo)) {
    throw_error("uniform", "invalid range [" + shortest_text(lo) + ", " + shortest_text(hi) +
                               "): the bounds must be finite with lo <= hi");
  }
}

/// Throws unless mean is finite and stddev is finite and not negative.
inline void check_normal_parameters(double mean, double stddev) {
  if (!std::isfinite(mean) || !std::isfinite(stddev) || stddev < 0) {
    throw_error("normal", "invalid parameters mean " + shortest_text(mean) + ", stddev " +
                              shortest_text(stddev) +
                              ": both must be finite and stddev not negative");
  }
}

}  // namespace mixprec::detail
