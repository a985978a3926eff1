// All 2^32 floats through the bulk converters compiled with -march=native (so through F16C /
// AVX-512 vcvtps2ph and AVX-512 BF16 vcvtneps2bf16 where the CPU has them) equal the scalar
// conversions, which test_conversion_exhaustive.cpp checks against an independent reference;
// and every half code widens through vcvtph2ps to the scalar result.

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <mixprec/format/bulk.hpp>
#include <mixprec/mixprec.hpp>
#include <thread>
#include <vector>

namespace {

using namespace mixprec;

template <class T>
std::uint64_t count_mismatches() {
  constexpr std::uint64_t total = std::uint64_t{1} << 32;
  constexpr std::uint64_t chunk = std::uint64_t{1} << 20;
  const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  std::atomic<std::uint64_t> next{0}, bad{0};
  auto work = [&] {
    std::vector<float> src(chunk);
    std::vector<T> dst(chunk);
    for (std::uint64_t start; (start = next.fetch_add(chunk)) < total;) {
      for (std::uint64_t i = 0; i < chunk; ++i) {
        const auto u = static_cast<std::uint32_t>(start + i);
        std::memcpy(&src[i], &u, 4);
      }
      convert(src, dst);
      std::uint64_t local = 0;
      for (std::uint64_t i = 0; i < chunk; ++i) local += dst[i].bits() != T(src[i]).bits();
      bad += local;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  return bad.load();
}

}  // namespace

TEST_SUITE("bulk") {
  TEST_CASE("all floats into half, four rounding modes") {
    CHECK(count_mismatches<half>() == 0);
    CHECK(count_mismatches<floating<formats::fp16, rounding::toward_zero>>() == 0);
    CHECK(count_mismatches<floating<formats::fp16, rounding::upward>>() == 0);
    CHECK(count_mismatches<floating<formats::fp16, rounding::downward>>() == 0);
  }
  TEST_CASE("all floats into bfloat16") { CHECK(count_mismatches<bfloat16>() == 0); }
  TEST_CASE("every half code widens exactly") {
    std::vector<half> src(1 << 16);
    for (std::uint32_t c = 0; c < src.size(); ++c)
      src[c] = half::from_bits(static_cast<std::uint16_t>(c));
    std::vector<float> dst(src.size());
    convert(src, dst);
    std::uint64_t bad = 0;
    for (std::uint32_t c = 0; c < src.size(); ++c) {
      const float want = static_cast<float>(src[c]);
      bad += std::memcmp(&want, &dst[c], 4) != 0;
    }
    CHECK(bad == 0);
  }
}
