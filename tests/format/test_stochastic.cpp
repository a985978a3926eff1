// Tests of format/stochastic.hpp: stochastic rounding with explicit random bits, with
// Philox-derived bits (seed, counter), stochastic_key, stochastic_stream (its accumulation of 10^6
// terms included), the conversions into stochastic types (a function of the value), and that
// their rounding operators do not compile.
//
// References: the exact reference of tests/support/exact.hpp (neighbours lo/hi of x and the
// threshold f = floor((|x| - |lo|) / gap * 2^32), found by exact comparisons), and an
// independent Philox4x32-10 written here from Salmon et al. (SC'11) and checked against the
// Random123 known-answer vectors (tests/kat_vectors of github.com/DEShawResearch/random123).

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "exact.hpp"

namespace {

namespace ex = mixprec_test::exact;
namespace fm = mixprec::formats;
using mixprec::floating;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;

template <class F, overflow O = overflow::standard, subnormals S = subnormals::keep>
using sr = floating<F, rounding::stochastic, O, S>;

// --- an independent Philox4x32-10 -------------------------------------------------------------

struct philox_out {
  std::array<std::uint32_t, 4> w;
};

// Philox4x32-R: R rounds of (multiply-high/low, xor with the round key); the key of round i is
// key + i * (0x9E3779B9, 0xBB67AE85).
philox_out philox(std::array<std::uint32_t, 4> x, std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint64_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
  for (std::uint32_t i = 0; i < 10; ++i) {
    const std::uint32_t rk0 = k0 + i * 0x9E3779B9u, rk1 = k1 + i * 0xBB67AE85u;
    const std::uint64_t p0 = m0 * x[0], p1 = m1 * x[2];
    x = {static_cast<std::uint32_t>(p1 >> 32) ^ x[1] ^ rk0, static_cast<std::uint32_t>(p1),
         static_cast<std::uint32_t>(p0 >> 32) ^ x[3] ^ rk1, static_cast<std::uint32_t>(p0)};
  }
  return {x};
}

// The spec's random_bits(seed, counter): word 0 of Philox4x32-10 with key (seed lo, seed hi) and
// counter (counter lo, counter hi, 0, 0).
std::uint32_t bits_for(std::uint64_t seed, std::uint64_t counter) {
  return philox(
             {static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32), 0, 0},
             static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32))
      .w[0];
}

struct kat {
  std::array<std::uint32_t, 4> ctr;
  std::uint32_t k0, k1;
  std::array<std::uint32_t, 4> out;
};
// Random123 tests/kat_vectors, the three "philox4x32 10" lines (counter, key, expected).
const kat kats[] = {
    {{0, 0, 0, 0}, 0, 0, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     0xffffffff,
     0xffffffff,
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     0xa4093822,
     0x299f31d0,
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

// --- reference helpers ------------------------------------------------------------------------

template <class T>
T code(std::uint64_t c) {
  return ex::from_code<T>(c);
}
template <class T>
std::uint64_t bits(T x) {
  return ex::code_of(x);
}

// The reference result of rounding double x into T with random bits u.
template <class T>
ex::result ref_round(double x, std::uint32_t u) {
  return ex::convert(ex::target_of<T>(), x, u);
}

// The neighbour split of a double x in T's format.
template <class T>
ex::stochastic_split split_of(double x) {
  return ex::split(ex::target_of<T>().f, ex::decode_double(x).v);
}

// Exact value of a code as a double (every tested format fits in a double).
double value_of(const ex::format_desc& f, std::uint64_t c) {
  const ex::value v = ex::decode(f, c);
  double m = static_cast<double>(v.v.mag.low64());
  m = std::ldexp(m, v.v.exp);
  return v.neg() ? -m : m;
}

// What compiles for a type: the operators checked in a template context, so that a deleted
// operator reads as "not satisfied".
template <class T>
concept adds = requires(T a, T b) {
  a + b;
};
template <class T>
concept subtracts = requires(T a, T b) {
  a - b;
};
template <class T>
concept multiplies = requires(T a, T b) {
  a* b;
};
template <class T>
concept divides = requires(T a, T b) {
  a / b;
};
template <class T>
concept compound_assigns = requires(T a, T b) {
  a += b;
  a -= b;
  a *= b;
  a /= b;
};
template <class T>
concept has_fma = requires(T a) {
  fma(a, a, a);
};
template <class T>
concept has_sqrt = requires(T a) {
  sqrt(a);
};
template <class T>
concept negates = requires(T a) {
  -a;
};
template <class T>
concept compares = requires(T a, T b) {
  a == b;
  a < b;
};
template <class T, class U>
concept adds_with = requires(T a, U b) {
  a + b;
};

}  // namespace

TEST_SUITE("stochastic") {
  TEST_CASE("Philox4x32-10: the Random123 known-answer vectors") {
    for (const kat& k : kats) {
      // our own implementation first, so that the vectors themselves are checked
      CHECK(philox(k.ctr, k.k0, k.k1).w == k.out);
      const mixprec::detail::philox_block in{{k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3]}};
      const mixprec::detail::philox_block got = mixprec::detail::philox4x32(in, k.k0, k.k1);
      CHECK(got.word[0] == k.out[0]);
      CHECK(got.word[1] == k.out[1]);
      CHECK(got.word[2] == k.out[2]);
      CHECK(got.word[3] == k.out[3]);
    }
    // random_bits(seed, counter) = word 0 with key (seed lo, hi), counter (counter lo, hi, 0, 0)
    for (std::uint64_t seed : {0ULL, 1ULL, 0x6d6978707265630ULL, 0xFFFFFFFFFFFFFFFFULL}) {
      for (std::uint64_t c : {0ULL, 1ULL, 2ULL, 0xFFFFFFFFULL, 0x100000000ULL, 0x123456789ABCULL}) {
        CHECK(mixprec::detail::random_bits(seed, c) == bits_for(seed, c));
      }
    }
    CHECK(mixprec::detail::random_bits(0, 0) == 0x6627e8d5u);
  }

  TEST_CASE("explicit bits: the threshold is floor(fraction * 2^32), hand-derived cases") {
    using B = sr<fm::bf16>;
    // 1 + 2^-9 in bfloat16 (ulp 2^-7): a quarter of the gap, f = 2^30 exactly
    CHECK(bits(mixprec::stochastic_round<B>(1.0 + 0x1p-9, 0u)) == 0x3F81);
    CHECK(bits(mixprec::stochastic_round<B>(1.0 + 0x1p-9, 0x3FFFFFFFu)) == 0x3F81);
    CHECK(bits(mixprec::stochastic_round<B>(1.0 + 0x1p-9, 0x40000000u)) == 0x3F80);
    CHECK(bits(mixprec::stochastic_round<B>(1.0 + 0x1p-9, 0xFFFFFFFFu)) == 0x3F80);
    // the same magnitude below zero rounds away from zero (to -1 - 2^-7) iff u < f
    CHECK(bits(mixprec::stochastic_round<B>(-1.0f - 0x1p-9f, 0x3FFFFFFFu)) == 0xBF81);
    CHECK(bits(mixprec::stochastic_round<B>(-1.0f - 0x1p-9f, 0x40000000u)) == 0xBF80);
    // a half: f = 2^31
    CHECK(bits(mixprec::stochastic_round<B>(1.0 + 0x1p-8, 0x7FFFFFFFu)) == 0x3F81);
    CHECK(bits(mixprec::stochastic_round<B>(1.0 + 0x1p-8, 0x80000000u)) == 0x3F80);
    // 33 bits below the last place: f = floor(2^-33 * 2^32) = 0, never away
    CHECK(bits(mixprec::stochastic_round<B>(1.0 + 0x1p-40, 0u)) == 0x3F80);
    // 32 bits below: f = 1, away only for u = 0
    CHECK(bits(mixprec::stochastic_round<B>(1.0 + 0x1p-39, 0u)) == 0x3F81);
    CHECK(bits(mixprec::stochastic_round<B>(1.0 + 0x1p-39, 1u)) == 0x3F80);
    // just below the next value: f = 2^32 - 1, away unless u = 2^32 - 1
    CHECK(bits(mixprec::stochastic_round<B>(1.0 + 0x1p-7 - 0x1p-39, 0xFFFFFFFEu)) == 0x3F81);
    CHECK(bits(mixprec::stochastic_round<B>(1.0 + 0x1p-7 - 0x1p-39, 0xFFFFFFFFu)) == 0x3F80);
    // representable values are exact for every u
    for (std::uint32_t u : {0u, 1u, 0x80000000u, 0xFFFFFFFFu}) {
      CHECK(bits(mixprec::stochastic_round<B>(1.5f, u)) == 0x3FC0);
      CHECK(bits(mixprec::stochastic_round<B>(-0.0f, u)) == 0x8000);
      CHECK(bits(mixprec::stochastic_round<sr<fm::fp16>>(0.0, u)) == 0x0000);
    }
    // 1 + k/7 ulp: f = floor(k * 2^32 / 7) (the double's rounding error cannot cross an integer:
    // k * 2^32 / 7 is at least 1/7 away from one, the error is below 2^-14 units)
    for (std::uint32_t k = 1; k < 7; ++k) {
      const std::uint32_t f = static_cast<std::uint32_t>((std::uint64_t{k} << 32) / 7);
      CAPTURE(k);
      const double x = 1.0 + k / 7.0 * 0x1p-7;
      CHECK(bits(mixprec::stochastic_round<B>(x, f - 1)) == 0x3F81);
      CHECK(bits(mixprec::stochastic_round<B>(x, f)) == 0x3F80);
      const double xh = 1.0 + k / 7.0 * 0x1p-10;
      CHECK(bits(mixprec::stochastic_round<sr<fm::fp16>>(xh, f - 1)) == 0x3C01);
      CHECK(bits(mixprec::stochastic_round<sr<fm::fp16>>(xh, f)) == 0x3C00);
      const double x8 = 1.0 + k / 7.0 * 0x1p-3;
      CHECK(bits(mixprec::stochastic_round<sr<fm::e4m3>>(x8, f - 1)) == 0x39);
      CHECK(bits(mixprec::stochastic_round<sr<fm::e4m3>>(x8, f)) == 0x38);
    }
    // overflow: e4m3 between 448 and 480 rounds away to NaN (standard) or max (saturate)
    using E = sr<fm::e4m3>;
    using Es = sr<fm::e4m3, overflow::saturate>;
    CHECK(bits(mixprec::stochastic_round<E>(456.0, 0x40000000u)) == 0x7E);  // f = 2^30: stays
    CHECK(ex::decode(ex::e4m3, bits(mixprec::stochastic_round<E>(456.0, 0x3FFFFFFFu))).is_nan());
    CHECK(bits(mixprec::stochastic_round<Es>(456.0, 0x3FFFFFFFu)) == 0x7E);
    CHECK(ex::decode(ex::e4m3, bits(mixprec::stochastic_round<E>(1000.0, 0xFFFFFFFFu))).is_nan());
    // half: beyond max + ulp always overflows to infinity
    CHECK(bits(mixprec::stochastic_round<sr<fm::fp16>>(70000.0, 0xFFFFFFFFu)) == 0x7C00);
    // flush: a result that rounds to a subnormal becomes zero (sign kept)
    using Hf = sr<fm::fp16, overflow::standard, subnormals::flush>;
    CHECK(bits(mixprec::stochastic_round<Hf>(0x1p-16, 0u)) == 0x0000);
    CHECK(bits(mixprec::stochastic_round<Hf>(-0x1p-16, 0u)) == 0x8000);
    CHECK(bits(mixprec::stochastic_round<sr<fm::fp16>>(0x1p-16, 0u)) == 0x0100);
  }

  TEST_CASE_TEMPLATE("explicit bits: result equals the reference at every boundary u", F, fm::fp16,
                     fm::bf16, fm::e4m3, fm::e5m2, fm::e4m3fnuz, fm::e5m2fnuz, fm::e3m2, fm::e2m1,
                     fm::fp32, fm::tf32) {
    auto run = [&]<class T>() {
      constexpr ex::target t = ex::target_of<T>();
      std::uint64_t state = 0x1234567;
      auto next = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return state >> 11;
      };
      int bad = 0;
      for (int i = 0; i < 600; ++i) {
        // a double near a random code of the format
        const std::uint64_t c = ex::pad(t.f, next() % ex::code_count(t.f));
        const ex::value v = ex::decode(t.f, c);
        if (!v.is_nan() && !v.is_inf() && !v.is_zero()) {
          // up to 4 of the format's ulps either side of the code (in the code's binade)
          const double base = value_of(t.f, c);
          const int shift = static_cast<int>(next() % 7) - 4;
          const double ulp = std::ldexp(1.0, ex::quantum_exp(t.f, v.v) + shift);
          const double x = base + ulp * (static_cast<double>(next() % 1000) / 997.0 - 0.5) * 8;
          const ex::stochastic_split s = split_of<T>(x);
          std::vector<std::uint32_t> us = {0u,
                                           1u,
                                           0x7FFFFFFFu,
                                           0x80000000u,
                                           0xFFFFFFFEu,
                                           0xFFFFFFFFu,
                                           static_cast<std::uint32_t>(next())};
          if (!s.exact && !s.beyond) {
            const auto f = static_cast<std::uint32_t>(s.threshold);
            for (std::uint32_t d : {0u, 1u, 2u}) {
              us.push_back(f - d);
              us.push_back(f + d);
            }
          }
          for (std::uint32_t u : us) {
            const ex::result want = ref_round<T>(x, u);
            const T got = mixprec::stochastic_round<T>(x, u);
            if (!ex::matches(t.f, want, bits(got)) && ++bad <= 5) {
              MESSAGE(ex::to_string(t)
                      << " stochastic_round(" << x << ", " << ex::hex(u) << "): expected "
                      << ex::to_string(want) << ", got " << ex::hex(bits(got)));
            }
          }
        }
      }
      CHECK(bad == 0);
    };
    run.template operator()<sr<F>>();
    run.template operator()<sr<F, overflow::saturate, subnormals::flush>>();
  }

  TEST_CASE("explicit bits: from float, integers and other floating types") {
    using B = sr<fm::bf16>;
    // float 1 + 2^-9 + 2^-20: f = floor((2^-9 + 2^-20) / 2^-7 * 2^32) = 2^30 + 2^19
    const float xf = 1.0f + 0x1p-9f + 0x1p-20f;
    CHECK(bits(mixprec::stochastic_round<B>(xf, 0x4007FFFFu)) == 0x3F81);
    CHECK(bits(mixprec::stochastic_round<B>(xf, 0x40080000u)) == 0x3F80);
    // 257 = 256 + 1: bfloat16 ulp at 256 is 2, f = 2^31
    CHECK(bits(mixprec::stochastic_round<B>(257, 0x7FFFFFFFu)) == 0x4381);
    CHECK(bits(mixprec::stochastic_round<B>(257, 0x80000000u)) == 0x4380);
    CHECK(bits(mixprec::stochastic_round<B>(-257LL, 0u)) == 0xC381);
    // from a half value 1 + 2^-10 (0x3C01): in bfloat16 an eighth of a gap, f = 2^29
    const mixprec::half h = mixprec::half::from_bits(0x3C01);
    CHECK(bits(mixprec::stochastic_round<B>(h, 0x1FFFFFFFu)) == 0x3F81);
    CHECK(bits(mixprec::stochastic_round<B>(h, 0x20000000u)) == 0x3F80);
  }

  TEST_CASE("seed and counter: the bits are Philox's and reproducible") {
    using B = sr<fm::bf16>;
    const double x = 1.0 + 3.0 / 7.0 * 0x1p-7;
    const std::uint64_t seed = 0xC0FFEE1234ULL;
    int differ = 0;
    for (std::uint64_t c = 0; c < 256; ++c) {
      const std::uint32_t u = bits_for(seed, c);
      const B a = mixprec::stochastic_round<B>(x, seed, c);
      const B b = mixprec::stochastic_round<B>(x, seed, c);
      CHECK(bits(a) == bits(b));
      CHECK(bits(a) == bits(mixprec::stochastic_round<B>(x, u)));
      if (bits(a) != bits(mixprec::stochastic_round<B>(x, seed, c + 1))) ++differ;
    }
    // p = 3/7: consecutive counters disagree with probability 2p(1-p) = 0.49; 256 draws
    CHECK(differ > 64);
    // another seed gives another sequence
    int same = 0;
    for (std::uint64_t c = 0; c < 256; ++c) {
      same += bits(mixprec::stochastic_round<B>(x, seed, c)) ==
                      bits(mixprec::stochastic_round<B>(x, seed + 1, c))
                  ? 1
                  : 0;
    }
    CHECK(same < 224);
  }

  TEST_CASE_TEMPLATE("unbiased: the mean over distinct counters is x", F, fm::bf16, fm::fp16,
                     fm::e4m3) {
    using T = sr<F>;
    constexpr ex::format_desc f = ex::target_of<T>().f;
    const std::uint64_t seed = 42;
    const int n = 20000;
    for (int k = 1; k < 7; ++k) {
      for (double sign : {1.0, -1.0}) {
        const double gap = std::ldexp(1.0, -f.man_bits);
        const double x = sign * (1.0 + k / 7.0 * gap);
        const ex::stochastic_split s = split_of<T>(x);
        REQUIRE_FALSE(s.exact);
        // Exact count: how many of the n Philox draws fall below the threshold.
        int expect_away = 0, away = 0;
        double sum = 0;
        for (int c = 0; c < n; ++c) {
          if (bits_for(seed, static_cast<std::uint64_t>(c)) < s.threshold) ++expect_away;
          const T r = mixprec::stochastic_round<T>(x, seed, static_cast<std::uint64_t>(c));
          const double v = value_of(f, bits(r));
          sum += v;
          if (std::fabs(v) > std::fabs(x)) ++away;
        }
        CAPTURE(k);
        CAPTURE(sign);
        CHECK(away == expect_away);
        // Statistics: each draw is lo + gap * B with B ~ Bernoulli(p), p = f / 2^32, so the mean
        // of n draws has expectation x up to gap * 2^-32 and standard error
        // gap * sqrt(p (1 - p) / n). Allow 5 standard errors.
        const double p = static_cast<double>(s.threshold) * 0x1p-32;
        const double se = gap * std::sqrt(p * (1 - p) / n);
        CHECK(std::fabs(sum / n - x) <= 5 * se + gap * 0x1p-32);
      }
    }
  }

  TEST_CASE("stochastic_stream: one counter per call, Philox bits, exact thresholds") {
    using B = sr<fm::bf16>;
    using H = sr<fm::fp16>;
    using E = sr<fm::e4m3>;
    const std::uint64_t seed = 7;
    mixprec::stochastic_stream s(seed, 100);
    CHECK(s.counter() == 100);
    const double x = 1.0 + 2.0 / 7.0 * 0x1p-7;
    for (int i = 0; i < 50; ++i) {
      const std::uint64_t c = s.counter();
      const B r = s.round<B>(x);
      CHECK(s.counter() == c + 1);
      CHECK(ex::matches(ex::bf16, ref_round<B>(x, bits_for(seed, c)), bits(r)));
    }
    // arithmetic: reference with the bits of the counter the call consumed
    auto check_ops = [&]<class T>(std::uint64_t a, std::uint64_t b, std::uint64_t cc) {
      constexpr ex::target t = ex::target_of<T>();
      const T x1 = code<T>(a), x2 = code<T>(b), x3 = code<T>(cc);
      std::uint64_t c = s.counter();
      CHECK(ex::matches(t.f, ex::add(t, a, b, bits_for(seed, c)), bits(s.add(x1, x2))));
      CHECK(ex::matches(t.f, ex::sub(t, a, b, bits_for(seed, ++c)), bits(s.sub(x1, x2))));
      CHECK(ex::matches(t.f, ex::mul(t, a, b, bits_for(seed, ++c)), bits(s.mul(x1, x2))));
      CHECK(ex::matches(t.f, ex::div(t, a, b, bits_for(seed, ++c)), bits(s.div(x1, x2))));
      CHECK(ex::matches(t.f, ex::fma(t, a, b, cc, bits_for(seed, ++c)), bits(s.fma(x1, x2, x3))));
      CHECK(ex::matches(t.f, ex::sqrt(t, a, bits_for(seed, ++c)), bits(s.sqrt(x1))));
      CHECK(s.counter() == c + 1);
    };
    std::uint64_t st = 99;
    for (int i = 0; i < 300; ++i) {
      st = st * 6364136223846793005ULL + 1442695040888963407ULL;
      const std::uint64_t r = st >> 16;
      check_ops.template operator()<B>(r & 0xFFFF, (r >> 16) & 0xFFFF, (r >> 32) & 0xFFFF);
      check_ops.template operator()<H>(r & 0xFFFF, (r >> 16) & 0xFFFF, (r >> 32) & 0xFFFF);
      check_ops.template operator()<E>(r & 0xFF, (r >> 8) & 0xFF, (r >> 16) & 0xFF);
    }
  }

  TEST_CASE("stochastic_stream: div and sqrt use the exact threshold (draws next to it)") {
    // The counters whose Philox bits lie closest to the exact threshold f on either side are the
    // ones that tell an exact threshold from an approximate one. Scan 2^18 counters with our own
    // Philox, keep the 8 nearest below and above f, and replay those through the stream.
    auto run = [&]<class T>(std::uint64_t a, std::uint64_t b, bool is_sqrt) {
      constexpr ex::target t = ex::target_of<T>();
      const ex::value av = ex::decode(t.f, a), bv = ex::decode(t.f, b);
      const ex::stochastic_split sp =
          is_sqrt
              ? ex::split(t.f,
                          [&](const ex::dyadic& v) { return ex::compare_abs(ex::mul(v, v), av.v); })
              : ex::split(t.f, [&](const ex::dyadic& v) {
                  return ex::compare_abs(ex::mul(v, bv.v), av.v);
                });
      REQUIRE_FALSE(sp.exact);
      const std::uint64_t seed = 2024;
      std::vector<std::pair<std::uint64_t, std::uint64_t>> below, above;  // (distance, counter)
      for (std::uint64_t c = 0; c < (1u << 18); ++c) {
        const std::uint64_t u = bits_for(seed, c);
        auto& side = u < sp.threshold ? below : above;
        const std::uint64_t d = u < sp.threshold ? sp.threshold - u : u - sp.threshold;
        side.emplace_back(d, c);
        if (side.size() > 64) {
          std::sort(side.begin(), side.end());
          side.resize(8);
        }
      }
      std::sort(below.begin(), below.end());
      std::sort(above.begin(), above.end());
      below.resize(std::min<std::size_t>(below.size(), 8));
      above.resize(std::min<std::size_t>(above.size(), 8));
      int bad = 0;
      for (const auto& side : {below, above}) {
        for (const auto& [d, c] : side) {
          mixprec::stochastic_stream s(seed, c);
          const T x = code<T>(a), y = code<T>(b);
          const T got = is_sqrt ? s.sqrt(x) : s.div(x, y);
          const std::uint32_t u = bits_for(seed, c);
          const ex::result want = is_sqrt ? ex::sqrt(t, a, u) : ex::div(t, a, b, u);
          if (!ex::matches(t.f, want, bits(got)) && ++bad <= 3) {
            const std::string call = is_sqrt ? "sqrt(" + ex::hex(a) + ")"
                                             : "div(" + ex::hex(a) + ", " + ex::hex(b) + ")";
            MESSAGE(ex::to_string(t)
                    << " " << call << " with stream(seed " << seed << ", counter " << c
                    << "): u = " << ex::hex(u) << ", exact threshold " << ex::hex(sp.threshold)
                    << ": expected " << ex::to_string(want) << ", got " << ex::hex(bits(got)));
          }
        }
      }
      CHECK(bad == 0);
    };
    run.template operator()<sr<fm::fp32>>(0x3F800000, 0x40400000, false);  // 1/3
    run.template operator()<sr<fm::fp32>>(0x3F800000, 0x40E00000, false);  // 1/7
    run.template operator()<sr<fm::fp32>>(0x40000000, 0, true);            // sqrt(2)
    run.template operator()<sr<fm::fp32>>(0x40400000, 0, true);            // sqrt(3)
    run.template operator()<sr<fm::fp16>>(0x4000, 0, true);                // sqrt(2)
    run.template operator()<sr<fm::fp16>>(0x3C00, 0x4200, false);          // 1/3
    run.template operator()<sr<fm::bf16>>(0x4000, 0, true);                // sqrt(2)
    run.template operator()<sr<fm::bf16>>(0x3F80, 0x4040, false);          // 1/3
  }

  TEST_CASE("stochastic_stream: add, mul and fma are unbiased") {
    using B = sr<fm::bf16>;
    mixprec::stochastic_stream s(11);
    const int n = 20000;
    const B one = code<B>(0x3F80), a = code<B>(0x3BC0);  // 1 and 3 * 2^-9 (3/4 of an ulp at 1)
    const B three = code<B>(0x4040), third = code<B>(0x3EAB);  // 3 and 0x3EAB ~ 0.333984375
    double add_sum = 0, mul_sum = 0, fma_sum = 0;
    for (int i = 0; i < n; ++i) {
      add_sum += value_of(ex::bf16, bits(s.add(one, a)));
      mul_sum += value_of(ex::bf16, bits(s.mul(three, third)));
      fma_sum += value_of(ex::bf16, bits(s.fma(three, third, a)));
    }
    // exact results and their neighbours (gap 2^-7 in [1, 2)):
    const double gap = 0x1p-7;
    const double add_x = 1 + 3 * 0x1p-9;                 // p = 3/4
    const double mul_x = 3 * 0.333984375;                // 1.001953125 = 1 + 2^-9: p = 1/4
    const double fma_x = mul_x + 3 * 0x1p-9;             // 1 + 2^-7: exact
    const double se = gap * std::sqrt(0.25 * 0.75 / n);  // p (1 - p) = 3/16 for both
    CHECK(std::fabs(add_sum / n - add_x) <= 5 * se);
    CHECK(std::fabs(mul_sum / n - mul_x) <= 5 * se);
    CHECK(fma_sum / n == fma_x);
    CHECK(s.counter() == 3 * static_cast<std::uint64_t>(n));
  }

  TEST_CASE("stagnation: nearest_even stalls, the stochastic stream tracks the true sum") {
    // Adding 2^-9 (a quarter ulp at 1) to a bfloat16 1.0, 1000 times: round to nearest never
    // moves; the true sum is 1 + 1000 * 2^-9 = 2.953125.
    const mixprec::bfloat16 step = mixprec::bfloat16::from_bits(0x3B00);  // 2^-9
    mixprec::bfloat16 acc = mixprec::bfloat16::from_bits(0x3F80);
    for (int i = 0; i < 1000; ++i) acc += step;
    CHECK(acc.bits() == 0x3F80);
    // Stochastic rounding is unbiased at every step, so E[acc] is the true sum. Per step the
    // variance is p (1 - p) gap^2 <= (2^-6)^2 / 4 (gap <= 2^-6 below 4), so one run has variance
    // <= 1000 / 16384 and the mean of 32 independent runs a standard error <= 0.044; allow 5.
    using B = sr<fm::bf16>;
    const B sstep = code<B>(0x3B00);
    double mean = 0;
    for (std::uint64_t run = 0; run < 32; ++run) {
      mixprec::stochastic_stream s(1000 + run);
      B sacc = code<B>(0x3F80);
      for (int i = 0; i < 1000; ++i) sacc = s.add(sacc, sstep);
      mean += value_of(ex::bf16, bits(sacc)) / 32;
    }
    CHECK(std::fabs(mean - 2.953125) <= 5 * 0.044);
  }

  TEST_CASE("stochastic types have no rounding operators; other types keep theirs") {
    // Bits drawn from the operands alone would round the same operation the same way every
    // time, so + - * / (and the compound forms), fma and sqrt are deleted for stochastic types
    // (the compile-fail tests check the diagnostic). Unary minus, comparisons and the
    // conversions stay.
    auto check = [&]<class T>(bool has) {
      CHECK(adds<T> == has);
      CHECK(subtracts<T> == has);
      CHECK(multiplies<T> == has);
      CHECK(divides<T> == has);
      CHECK(compound_assigns<T> == has);
      CHECK(has_fma<T> == has);
      CHECK(has_sqrt<T> == has);
      CHECK(negates<T>);
      CHECK(compares<T>);
    };
    check.template operator()<sr<fm::bf16>>(false);
    check.template operator()<sr<fm::fp16, overflow::saturate, subnormals::flush>>(false);
    check.template operator()<sr<fm::e4m3>>(false);
    check.template operator()<sr<fm::fp32>>(false);
    check.template operator()<sr<fm::e8m0>>(false);
    check.template operator()<mixprec::bfloat16>(true);
    check.template operator()<floating<fm::e4m3, rounding::to_odd>>(true);
    check.template operator()<floating<fm::fp16, rounding::upward, overflow::saturate>>(true);
    // Mixed operands do not combine either (no operator of floating converts its operands).
    CHECK_FALSE(adds_with<sr<fm::bf16>, mixprec::bfloat16>);
  }

  TEST_CASE_TEMPLATE("conversions into a stochastic type: a neighbour, a function of the value", F,
                     fm::bf16, fm::fp16, fm::e4m3) {
    using T = sr<F>;
    using W = sr<fm::fp32>;  // holds every value of T exactly
    constexpr ex::target t = ex::target_of<T>();
    constexpr ex::format_desc f = t.f;
    std::uint64_t st = 5;
    double err_sum = 0, var_sum = 0;
    int count = 0, bad = 0;
    for (int i = 0; i < 4000; ++i) {
      st = st * 6364136223846793005ULL + 1442695040888963407ULL;
      // a float between two neighbouring codes of T (binade and position at random)
      const std::uint64_t c = ex::pad(f, (st >> 20) % ex::code_count(f));
      const ex::value v = ex::decode(f, c);
      if (v.is_nan() || v.is_inf() || v.is_zero()) continue;
      const double base = value_of(f, c);
      const double ulp = std::ldexp(1.0, ex::quantum_exp(f, v.v));
      const float xf =
          static_cast<float>(base + ulp * static_cast<double>((st >> 40) % 4096) / 4096.0);
      const double x = xf;
      const ex::result lo = ref_round<T>(x, 0xFFFFFFFFu), hi = ref_round<T>(x, 0);
      const T from_double(x);
      if (!ex::matches(f, lo, bits(from_double)) && !ex::matches(f, hi, bits(from_double)) &&
          ++bad <= 5) {
        MESSAGE(ex::to_string(t) << " T(" << x << ") = " << ex::hex(bits(from_double))
                                 << ", neighbours " << ex::to_string(lo) << " / "
                                 << ex::to_string(hi));
      }
      // The same value rounds the same way, whatever the source type holding it.
      CHECK(bits(T(xf)) == bits(from_double));
      CHECK(bits(T(W(xf))) == bits(from_double));
      CHECK(bits(T(x)) == bits(from_double));
      // Bias over many distinct values: moved away from zero minus its probability.
      const ex::stochastic_split sp = split_of<T>(x);
      if (!sp.exact && !sp.beyond && !lo.nan && !hi.nan) {
        const double p = static_cast<double>(sp.threshold) * 0x1p-32;
        err_sum += (bits(from_double) == hi.bits ? 1.0 : 0.0) - p;
        var_sum += p * (1 - p);
        ++count;
      }
    }
    CHECK(bad == 0);
    // Distinct values draw independent bits: the count of "away" outcomes is within 5 standard
    // deviations of its expectation.
    CAPTURE(count);
    CHECK(count > 1000);
    CHECK(std::fabs(err_sum) <= 5 * std::sqrt(var_sum) + 1);
    // Integers and other floating types holding the same value agree too.
    for (int k = -300; k <= 300; ++k) {
      CHECK(bits(T(k)) == bits(T(static_cast<double>(k))));
      CHECK(bits(T(static_cast<long long>(k) * 3)) == bits(T(3.0 * k)));
    }
  }

  TEST_CASE("text, math results: the same value rounds as its conversion") {
    using B = sr<fm::bf16>;
    // 1 + 3/8 ulp, exactly a double and a short decimal: parsing rounds like the constructor.
    const double x = 1.0 + 3.0 / 8.0 * 0x1p-7;  // 1.0029296875
    CHECK(bits(mixprec::parse<B>("1.0029296875")) == bits(B(x)));
    // ldexp rounds the exact result as the conversion of that value does: 3 * 2^-133 (code 3)
    // scaled below the subnormal grid lands between two subnormals.
    const B three = B::from_bits(0x0003);
    for (int k = 1; k < 16; ++k) {
      CHECK(bits(ldexp(three, -k)) == bits(B(std::ldexp(3 * 0x1p-133, -k))));
    }
  }

  TEST_CASE("stochastic_key: bits(i) is Philox with key seed and counter (i, stream)") {
    for (std::uint64_t seed : {0ULL, 7ULL, 0xFFFFFFFF00000001ULL}) {
      for (std::uint64_t stream : {0ULL, 1ULL, 0x123456789ULL}) {
        const mixprec::stochastic_key key{seed, stream};
        for (std::uint64_t i : {0ULL, 1ULL, 2ULL, 0xFFFFFFFFULL, 0x100000000ULL}) {
          const std::uint32_t want =
              philox({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i >> 32),
                      static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)},
                     static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32))
                  .w[0];
          CHECK(key.bits(i) == want);
        }
      }
      // stream 0 is the (seed, counter) generator of stochastic_round and stochastic_stream
      CHECK(mixprec::stochastic_key{seed, 0}.bits(5) == bits_for(seed, 5));
    }
  }

  TEST_CASE("accumulation: 10^6 additions of 1e-4 into bfloat16 through a stream") {
    // The term is 1e-4 rounded to nearest bfloat16; the sum of 10^6 copies, computed in double,
    // is exact (8 significant bits times 10^6 < 2^20 fit in 53 bits).
    using B = sr<fm::bf16>;
    const B term = B::from_bits(mixprec::bfloat16(1e-4).bits());
    const double exact = 1e6 * value_of(ex::bf16, bits(term));
    CHECK(exact == doctest::Approx(100.1358).epsilon(1e-6));
    // Round to nearest stalls once the gap exceeds twice the term: 2^-5 = 0.03125.
    mixprec::bfloat16 nearest(0.0);
    const mixprec::bfloat16 nterm(1e-4);
    for (int i = 0; i < 1000000; ++i) nearest += nterm;
    CHECK(static_cast<double>(nearest) == 0.03125);
    // Stochastic rounding from a stream is unbiased at every step. The mean over 100 seeds must
    // be within 1% of the exact sum (each run has a standard deviation of about 6.5, near 100 the
    // gap is 0.5 and a term moves it with probability 2e-4, so the mean's is about 0.65; the
    // seeds are fixed, so the outcome is too).
    double mean = 0;
    for (std::uint64_t seed = 1; seed <= 100; ++seed) {
      mixprec::stochastic_stream s(seed);
      B acc(0.0);
      for (int i = 0; i < 1000000; ++i) acc = s.add(acc, term);
      mean += value_of(ex::bf16, bits(acc)) / 100;
    }
    CAPTURE(mean);  // 99.97 with these seeds
    CHECK(std::fabs(mean - exact) <= 0.01 * exact);
  }
}
