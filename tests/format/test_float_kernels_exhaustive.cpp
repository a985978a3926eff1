// The branch-free float kernels (format/float_kernels.hpp) equal the general conversion engine
// (format/conversion.hpp) for all 2^32 floats, in configurations that exercise each of their
// paths: the nearest-even kernel with a subnormal "magic" addition (e4m3, e5m2fnuz with flush),
// the general kernel for the directed modes (e3m2 upward saturating, tf32 downward), and every
// code widened back to float. half and bfloat16 are covered against an independent reference by
// test_conversion_exhaustive.cpp; the engine itself by test_conversion.cpp and the arithmetic
// tests.

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <mixprec/mixprec.hpp>
#include <thread>
#include <vector>

namespace {

using namespace mixprec;

template <class F, rounding R, overflow O, subnormals S>
std::uint64_t rounding_mismatches() {
  const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  std::atomic<std::uint64_t> bad{0};
  auto work = [&](std::uint64_t lo, std::uint64_t hi) {
    std::uint64_t local = 0;
    for (std::uint64_t i = lo; i < hi; ++i) {
      const auto u = static_cast<std::uint32_t>(i);
      float f;
      std::memcpy(&f, &u, 4);
      local +=
          detail::round_float<F, R, O, S>(f) != detail::encode<F, R, O, S>(detail::unpack_value(f));
    }
    bad += local;
  };
  std::vector<std::thread> pool;
  const std::uint64_t total = std::uint64_t{1} << 32, step = total / threads;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back(work, t * step, t + 1 == threads ? total : (t + 1) * step);
  for (auto& t : pool) t.join();
  return bad.load();
}

template <class F, subnormals S>
std::uint64_t widening_mismatches() {
  using enc = detail::encoding<F>;
  std::uint64_t bad = 0;
  for (std::uint64_t c = 0; c < (std::uint64_t{1} << enc::code_bits); ++c) {
    const auto code = static_cast<std::uint32_t>(c << enc::padding);
    const float want = detail::to_float(detail::decode<F, S == subnormals::flush>(code));
    const float got = detail::widen_to_float<F, S>(code);
    bad += std::memcmp(&want, &got, 4) != 0;
  }
  return bad;
}

}  // namespace

TEST_SUITE("float_kernels") {
  TEST_CASE("nearest even, all floats") {
    CHECK(rounding_mismatches<formats::e4m3, rounding::nearest_even, overflow::standard,
                              subnormals::keep>() == 0);
    CHECK(rounding_mismatches<formats::e5m2fnuz, rounding::nearest_even, overflow::standard,
                              subnormals::flush>() == 0);
  }
  TEST_CASE("directed modes, all floats") {
    CHECK(rounding_mismatches<formats::e3m2, rounding::upward, overflow::saturate,
                              subnormals::keep>() == 0);
    CHECK(rounding_mismatches<formats::tf32, rounding::downward, overflow::standard,
                              subnormals::keep>() == 0);
  }
  TEST_CASE("widening, every code") {
    CHECK(widening_mismatches<formats::fp16, subnormals::keep>() == 0);
    CHECK(widening_mismatches<formats::bf16, subnormals::keep>() == 0);
    CHECK(widening_mismatches<formats::bf16, subnormals::flush>() == 0);
    CHECK(widening_mismatches<formats::tf32, subnormals::keep>() == 0);
    CHECK(widening_mismatches<formats::e4m3, subnormals::keep>() == 0);
    CHECK(widening_mismatches<formats::e4m3fnuz, subnormals::keep>() == 0);
    CHECK(widening_mismatches<formats::e5m2, subnormals::flush>() == 0);
    CHECK(widening_mismatches<formats::e2m1, subnormals::keep>() == 0);
    CHECK(widening_mismatches<formats::e3m2, subnormals::keep>() == 0);
  }
}
