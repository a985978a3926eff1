// Bulk conversion (format/bulk.hpp) equals the scalar conversion element by element, for every
// format pair and rounding mode, any length and alignment; stochastic targets equal the scalar
// stochastic_round with the bits of (seed, first + i) or key.bits(first + i), however the array is
// split; bad arguments throw and write nothing.
// The scalar conversions are checked against independent references in test_conversion*.cpp
// (stochastic_round and stochastic_key::bits in test_stochastic.cpp).
// This file is also compiled as test_format_bulk_native with -march=native (tests/CMakeLists.txt)
// so that the F16C / AVX-512 paths are the ones under test.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mixprec/format/bulk.hpp>
#include <mixprec/mixprec.hpp>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace {

using namespace mixprec;

template <class T>
std::uint64_t bits_of(T x) {
  if constexpr (std::is_same_v<T, float>) {
    std::uint32_t u;
    std::memcpy(&u, &x, 4);
    return u;
  } else if constexpr (std::is_same_v<T, double>) {
    std::uint64_t u;
    std::memcpy(&u, &x, 8);
    return u;
  } else {
    return x.bits();
  }
}

// Source values: every code of the source type for small formats, else a structured set of
// bit patterns (all exponents, boundary mantissas, ties, NaNs, infinities, zeros).
template <class T>
std::vector<T> sources() {
  std::vector<T> v;
  if constexpr (std::is_same_v<T, float>) {
    for (std::uint32_t e = 0; e < 256; ++e)
      for (std::uint32_t m : {0u, 1u, 0x1000u, 0x0fffu, 0x2000u, 0x1fffu, 0x400000u, 0x7fffffu,
                              0x00ffffu, 0x010000u, 0x008000u, 0x018000u, 0x3fffffu})
        for (std::uint32_t s : {0u, 0x80000000u}) {
          const std::uint32_t u = s | (e << 23) | m;
          float f;
          std::memcpy(&f, &u, 4);
          v.push_back(f);
        }
  } else if constexpr (std::is_same_v<T, double>) {
    for (std::uint64_t e = 0; e < 2048; e += 7)
      for (std::uint64_t m : {0ull, 1ull, 1ull << 51, (1ull << 52) - 1, 1ull << 29, 3ull << 41})
        for (std::uint64_t s : {0ull, 1ull << 63}) {
          const std::uint64_t u = s | (e << 52) | m;
          double d;
          std::memcpy(&d, &u, 8);
          v.push_back(d);
        }
  } else {
    using storage = typename T::storage;
    constexpr int bits = sizeof(storage) * 8;
    const std::uint64_t step = bits <= 16 ? 1 : 4099;
    const std::uint64_t limit = bits <= 16 ? (std::uint64_t{1} << bits) : (std::uint64_t{1} << 32);
    for (std::uint64_t c = 0; c < limit; c += step)
      v.push_back(T::from_bits(static_cast<storage>(c)));
  }
  return v;
}

template <class To, class From>
void check_pair() {
  const std::vector<From> src = sources<From>();
  std::vector<To> dst(src.size() + 64);
  // Every offset of a vector register and the lengths around its width, then the whole array.
  for (std::size_t offset : {0, 1, 3, 7}) {
    for (std::size_t len : {0, 1, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63}) {
      if (offset + len > src.size()) continue;
      std::span<const From> s(src.data() + offset, len);
      std::span<To> d(dst.data() + (offset * 3) % 11, len);
      convert(s, d);
      for (std::size_t i = 0; i < len; ++i) {
        const To want = detail::convert_element<To>(s[i]);
        if (bits_of(d[i]) != bits_of(want)) {
          FAIL_CHECK("element " << i << " of length " << len << " at offset " << offset
                                << ": source 0x" << std::hex << bits_of(s[i]) << " bulk 0x"
                                << bits_of(d[i]) << " scalar 0x" << bits_of(want));
          return;
        }
      }
    }
  }
  std::vector<To> all(src.size());
  convert(src, all);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < src.size(); ++i)
    bad += bits_of(all[i]) != bits_of(detail::convert_element<To>(src[i]));
  CHECK(bad == 0);
}

template <class F, rounding R>
using fl = floating<F, R>;

template <rounding R>
void check_mode() {
  check_pair<fl<formats::fp16, R>, float>();
  check_pair<fl<formats::bf16, R>, float>();
  check_pair<fl<formats::tf32, R>, float>();
  check_pair<fl<formats::e4m3, R>, float>();
  check_pair<fl<formats::e5m2, R>, float>();
  check_pair<fl<formats::e4m3fnuz, R>, float>();
  check_pair<fl<formats::e2m1, R>, float>();
  check_pair<fl<formats::e8m0, R>, float>();
  check_pair<fl<formats::fp32, R>, double>();
  check_pair<fl<formats::fp16, R>, double>();
  check_pair<fl<formats::e4m3, R>, half>();
  check_pair<fl<formats::e5m2, R>, bfloat16>();
  check_pair<fl<formats::fp16, R>, bfloat16>();
  check_pair<fl<formats::e3m2, R>, float8_e5m2fnuz>();
}

}  // namespace

TEST_SUITE("bulk") {
  TEST_CASE("every format pair and mode equals the scalar conversion") {
    check_mode<rounding::nearest_even>();
    check_mode<rounding::nearest_away>();
    check_mode<rounding::toward_zero>();
    check_mode<rounding::upward>();
    check_mode<rounding::downward>();
    check_mode<rounding::to_odd>();
  }

  TEST_CASE("overflow and subnormal parameters") {
    check_pair<floating<formats::fp16, rounding::nearest_even, overflow::saturate>, float>();
    check_pair<floating<formats::fp16, rounding::upward, overflow::standard, subnormals::flush>,
               float>();
    check_pair<
        floating<formats::bf16, rounding::nearest_even, overflow::saturate, subnormals::flush>,
        float>();
    check_pair<floating<formats::e4m3, rounding::nearest_even, overflow::saturate>, float>();
  }

  TEST_CASE("widening to float and double is exact") {
    check_pair<float, half>();
    check_pair<float, bfloat16>();
    check_pair<float, float8_e4m3>();
    check_pair<float, float8_e5m2fnuz>();
    check_pair<float, floating<formats::fp16, rounding::nearest_even, overflow::standard,
                               subnormals::flush>>();
    check_pair<double, half>();
    check_pair<double, tfloat32>();
    check_pair<float, double>();
  }

  TEST_CASE("stochastic targets use (seed, first + i)") {
    using sr_bf16 = floating<formats::bf16, rounding::stochastic>;
    using sr_e4m3 = floating<formats::e4m3, rounding::stochastic>;
    const std::vector<float> src = sources<float>();
    std::vector<sr_bf16> a(src.size());
    std::vector<sr_e4m3> b(src.size());
    convert(src, a, 1234, 77);
    convert(src, b, 99);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < src.size(); ++i) {
      bad += a[i].bits() != stochastic_round<sr_bf16>(src[i], 1234, 77 + i).bits();
      bad += b[i].bits() != stochastic_round<sr_e4m3>(src[i], 99, i).bits();
    }
    CHECK(bad == 0);
    // Without a seed, a stochastic target converts like its scalar constructor.
    check_pair<sr_bf16, float>();
  }

  TEST_CASE("stochastic targets with a key: element i draws key.bits(first + i)") {
    using sr_bf16 = floating<formats::bf16, rounding::stochastic>;
    using sr_half = floating<formats::fp16, rounding::stochastic, overflow::saturate>;
    const std::vector<float> src = sources<float>();
    const std::vector<double> dsrc = sources<double>();
    const stochastic_key key{0xC0FFEE, 5};
    const std::uint64_t first = 1000;
    std::vector<sr_bf16> a(src.size());
    std::vector<sr_half> b(dsrc.size());
    convert(src, a, key, first);
    convert(dsrc, b, key);
    std::size_t bad = 0;
    for (std::size_t i = 0; i < src.size(); ++i) {
      bad += a[i].bits() != stochastic_round<sr_bf16>(src[i], key.bits(first + i)).bits();
    }
    for (std::size_t i = 0; i < dsrc.size(); ++i) {
      bad += b[i].bits() != stochastic_round<sr_half>(dsrc[i], key.bits(i)).bits();
    }
    CHECK(bad == 0);

    // Split as threads would split it: any partition, each part with the index of its first
    // element, gives the bits of the whole conversion.
    for (std::size_t parts : {2u, 3u, 7u, 64u}) {
      std::vector<sr_bf16> pieces(src.size());
      const std::size_t n = src.size(), step = (n + parts - 1) / parts;
      for (std::size_t lo = 0; lo < n; lo += step) {
        const std::size_t len = std::min(step, n - lo);
        convert(std::span<const float>(src.data() + lo, len),
                std::span<sr_bf16>(pieces.data() + lo, len), key, first + lo);
      }
      std::size_t differ = 0;
      for (std::size_t i = 0; i < n; ++i) differ += pieces[i].bits() != a[i].bits();
      CAPTURE(parts);
      CHECK(differ == 0);
    }

    // The seeded overload is the key {seed, 0}; another stream draws other bits.
    std::vector<sr_bf16> seeded(src.size()), keyed(src.size()), other(src.size());
    convert(src, seeded, 0xC0FFEE, 17);
    convert(src, keyed, stochastic_key{0xC0FFEE, 0}, 17);
    convert(src, other, stochastic_key{0xC0FFEE, 1}, 17);
    std::size_t same = 0, changed = 0;
    for (std::size_t i = 0; i < src.size(); ++i) {
      same += seeded[i].bits() == keyed[i].bits();
      changed += keyed[i].bits() != other[i].bits();
    }
    CHECK(same == src.size());
    CHECK(changed > 0);

    // Bad arguments throw and write nothing, as without a key.
    std::vector<sr_bf16> short_dst(src.size() - 1, sr_bf16::from_bits(0x1234));
    CHECK_THROWS_AS(convert(src, short_dst, key), mixprec::error);
    for (sr_bf16 x : short_dst) CHECK(x.bits() == 0x1234);
  }

  TEST_CASE("size mismatch and overlap throw and write nothing") {
    std::vector<float> src{1.0f, 2.0f, 3.0f};
    std::vector<half> dst(4, half::from_bits(0x1234));
    try {
      convert(src, dst);
      FAIL("no exception");
    } catch (const mixprec::error& e) {
      CHECK(std::string(e.what()) == "convert: source has 3 elements, destination has 4");
    }
    for (half h : dst) CHECK(h.bits() == 0x1234);

    // float -> half inside one buffer: the halves would overwrite floats not yet read.
    std::vector<float> buffer{1.0f, 2.0f, 3.0f, 4.0f};
    const std::vector<float> before = buffer;
    std::span<const float> s(buffer.data(), 4);
    std::span<half> d(reinterpret_cast<half*>(buffer.data()) + 1, 4);
    CHECK_THROWS_WITH_AS(convert(s, d), "convert: source and destination overlap", mixprec::error);
    CHECK(std::memcmp(buffer.data(), before.data(), 16) == 0);

    // Empty ranges are fine.
    std::vector<float> none;
    std::vector<half> none_out;
    convert(none, none_out);
    CHECK(none_out.empty());
  }
}
