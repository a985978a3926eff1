#pragma once
/// \file detail/philox.hpp
/// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers: as easy
/// as 1, 2, 3" (SC'11), also used by cuRAND. A counter and a key map to four random words; the
/// same inputs give the same words on every compiler and device.

#include <cstdint>

#include "mixprec/config.hpp"

namespace mixprec::detail {

/// Four 32-bit words: a Philox counter block or its output.
struct philox_block {
  std::uint32_t word[4];
};

MIXPREC_HOST_DEVICE constexpr philox_block philox4x32_round(philox_block c, std::uint32_t k0,
                                                            std::uint32_t k1) noexcept {
  const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * c.word[0];
  const std::uint64_t p1 = std::uint64_t{0xCD9E8D57u} * c.word[2];
  const auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
  const auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
  return philox_block{{hi1 ^ c.word[1] ^ k0, lo1, hi0 ^ c.word[3] ^ k1, lo0}};
}

/// Philox4x32 with 10 rounds: `counter` encrypted under the key (k0, k1).
MIXPREC_HOST_DEVICE constexpr philox_block philox4x32(philox_block counter, std::uint32_t k0,
                                                      std::uint32_t k1) noexcept {
  for (int round = 0; round < 10; ++round) {
    if (round != 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    counter = philox4x32_round(counter, k0, k1);
  }
  return counter;
}

/// The 32 random bits that stochastic rounding uses for (seed, counter): the first word of
/// Philox4x32-10 with key = seed (low word, high word) and counter = (counter low, counter high,
/// 0, 0).
MIXPREC_HOST_DEVICE constexpr std::uint32_t random_bits(std::uint64_t seed,
                                                        std::uint64_t counter) noexcept {
  const philox_block c{
      {static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32), 0u, 0u}};
  return philox4x32(c, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32))
      .word[0];
}

/// The 32 random bits for (seed, counter, stream): Philox4x32-10 with key = seed and counter =
/// (counter low, counter high, stream low, stream high). Stream 0 gives random_bits(seed, counter).
MIXPREC_HOST_DEVICE constexpr std::uint32_t random_bits(std::uint64_t seed, std::uint64_t counter,
                                                        std::uint64_t stream) noexcept {
  const philox_block c{
      {static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32),
       static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)}};
  return philox4x32(c, static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32))
      .word[0];
}

}  // namespace mixprec::detail
