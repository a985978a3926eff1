// Exhaustive conversion tests: every one of the 2^32 float bit patterns into half and bfloat16,
// in every deterministic rounding mode, against the integer-only reference of
// tests/support/reference.hpp and, where the CPU has them, against the CPU's own conversion
// instructions (F16C vcvtps2ph / vcvtph2ps, AVX512-BF16 vcvtneps2bf16).
//
// The range is split over std::thread::hardware_concurrency() threads (at least 2). This file
// has the ctest label "exhaustive" and runs in the Release build only.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "reference.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define MIXPREC_TEST_X86 1
#endif

namespace {

using mixprec_test::hex;
using mixprec_test::omode;
using mixprec_test::rmode;
using mixprec_test::smode;

constexpr std::uint64_t all_floats = std::uint64_t{1} << 32;
constexpr std::size_t max_reported = 8;

/// Mismatches found by a pass: their count and the first few (input, expected, got).
struct failures {
  struct item {
    std::uint32_t input, expected, got;
  };
  std::uint64_t count = 0;
  std::vector<item> first;

  void add(std::uint32_t input, std::uint32_t expected, std::uint32_t got) {
    if (first.size() < max_reported) first.push_back({input, expected, got});
    ++count;
  }
  void merge(const failures& other) {
    count += other.count;
    for (const item& i : other.first) {
      if (first.size() < max_reported) first.push_back(i);
    }
  }
  std::string describe(const char* what) const {
    std::string s = std::string(what) + ": " + std::to_string(count) + " mismatches";
    std::vector<item> sorted = first;
    std::sort(sorted.begin(), sorted.end(),
              [](const item& a, const item& b) { return a.input < b.input; });
    for (const item& i : sorted) {
      s += "\n  input " + hex(i.input) + " expected " + hex(i.expected) + " got " + hex(i.got);
    }
    return s;
  }
};

unsigned thread_count() {
  const unsigned n = std::thread::hardware_concurrency();
  return n < 2 ? 2u : n;
}

/// Runs body(begin, end, fails) over [0, total) in chunks, on thread_count() threads, with one
/// `failures` per kind of check (kinds = how many the body fills).
template <std::size_t Kinds, class Body>
std::vector<failures> run_parallel(Body body, std::uint64_t total = all_floats) {
  constexpr std::uint64_t chunk = std::uint64_t{1} << 22;
  std::atomic<std::uint64_t> next{0};
  std::mutex mutex;
  std::vector<failures> result(Kinds);
  auto worker = [&] {
    std::vector<failures> local(Kinds);
    for (;;) {
      const std::uint64_t begin = next.fetch_add(chunk);
      if (begin >= total) break;
      body(begin, std::min(begin + chunk, total), local.data());
    }
    const std::lock_guard<std::mutex> lock(mutex);
    for (std::size_t k = 0; k < Kinds; ++k) result[k].merge(local[k]);
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < thread_count(); ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  return result;
}

// ---------------------------------------------------------------------------
// CPU instructions.

#if defined(MIXPREC_TEST_X86)
std::uint64_t read_xcr0() {
  std::uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

bool os_saves_avx() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  const bool osxsave = ((c >> 27) & 1u) != 0, avx = ((c >> 28) & 1u) != 0;
  return osxsave && avx && (read_xcr0() & 0x6u) == 0x6u;
}

// CPUID is read directly: clang 14's __builtin_cpu_supports knows neither "f16c" nor
// "avx512bf16".
bool cpu_has_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  return ((c >> 29) & 1u) != 0 && os_saves_avx();
}

bool cpu_has_avx512bf16() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!os_saves_avx() || (read_xcr0() & 0xE6u) != 0xE6u) return false;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0 || ((b >> 16) & 1u) == 0) return false;  // F
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d) == 0) return false;
  return ((a >> 5) & 1u) != 0;  // AVX512_BF16
}

/// The n (a multiple of 8) float patterns first, first+1, ... to half with vcvtps2ph; Imm is
/// the instruction's rounding control.
template <int Imm>
__attribute__((target("f16c,avx"), noinline)) void f16c_float_to_half(std::uint32_t first,
                                                                      std::uint32_t n,
                                                                      std::uint16_t* out) {
  for (std::uint32_t j = 0; j < n; j += 8) {
    std::uint32_t in[8];
    for (std::uint32_t k = 0; k < 8; ++k) in[k] = first + j + k;
    __m256 v;
    std::memcpy(&v, in, sizeof v);
    const __m128i h = _mm256_cvtps_ph(v, Imm);
    std::memcpy(out + j, &h, sizeof h);
  }
}

/// Four halves to float with vcvtph2ps.
__attribute__((target("f16c,avx"), noinline)) void f16c_half_to_float(const std::uint16_t* in,
                                                                      std::uint32_t* out) {
  __m128i h = _mm_setzero_si128();
  std::memcpy(&h, in, 4 * sizeof(std::uint16_t));
  const __m128 v = _mm_cvtph_ps(h);
  std::memcpy(out, &v, sizeof v);
}

/// Sixteen floats to bfloat16 with vcvtneps2bf16 (round to nearest even; denormal inputs are
/// read as zero, denormal outputs flushed; NaN: top 16 bits with the quiet bit set).
__attribute__((target("avx512bf16,avx512f"), noinline)) void bf16_float_to_bfloat16(
    const std::uint32_t* in, std::uint16_t* out) {
  __m512 v;
  std::memcpy(&v, in, sizeof v);
  const __m256bh h = _mm512_cvtneps_pbh(v);
  std::memcpy(out, &h, sizeof h);
}
#endif

template <rmode R>
constexpr mixprec::rounding lib_mode() {
  switch (R) {
    case rmode::nearest_even:
      return mixprec::rounding::nearest_even;
    case rmode::nearest_away:
      return mixprec::rounding::nearest_away;
    case rmode::toward_zero:
      return mixprec::rounding::toward_zero;
    case rmode::upward:
      return mixprec::rounding::upward;
    case rmode::downward:
      return mixprec::rounding::downward;
    case rmode::to_odd:
      return mixprec::rounding::to_odd;
  }
  return mixprec::rounding::nearest_even;
}

/// F16C rounding control for a mode, or -1 where the instruction has none.
constexpr int f16c_imm(rmode r) {
  switch (r) {
#if defined(MIXPREC_TEST_X86)
    case rmode::nearest_even:
      return _MM_FROUND_TO_NEAREST_INT;
    case rmode::toward_zero:
      return _MM_FROUND_TO_ZERO;
    case rmode::upward:
      return _MM_FROUND_TO_POS_INF;
    case rmode::downward:
      return _MM_FROUND_TO_NEG_INF;
#endif
    default:
      return -1;
  }
}

const char* mode_name(omode o, smode s) {
  if (o == omode::saturate) return s == smode::flush ? "saturate, flush" : "saturate";
  return s == smode::flush ? "flush" : "standard";
}

/// One pass over all floats: the library's conversion into floating<Format, R, O, S> against
/// fast_float_to_ieee<E, M, R, O, S>, and, for half where the CPU has F16C and the mode has an
/// F16C equivalent (standard overflow, subnormals kept), both against vcvtps2ph.
template <class Format, int E, int M, rmode R, omode O, smode S>
void check_all_floats() {
  using T =
      mixprec::floating<Format, lib_mode<R>(),
                        O == omode::saturate ? mixprec::overflow::saturate
                                             : mixprec::overflow::standard,
                        S == smode::flush ? mixprec::subnormals::flush : mixprec::subnormals::keep>;
  constexpr int imm = f16c_imm(R);
  bool use_f16c = false;
#if defined(MIXPREC_TEST_X86)
  use_f16c =
      E == 5 && M == 10 && imm >= 0 && O == omode::standard && S == smode::keep && cpu_has_f16c();
#endif
  const auto start = std::chrono::steady_clock::now();
  const std::vector<failures> fails =
      run_parallel<3>([use_f16c](std::uint64_t begin, std::uint64_t end, failures* f) {
        constexpr std::uint32_t block = 4096;  // chunks are aligned: one sign and exponent
        std::vector<std::uint32_t> want(block);
        std::vector<std::uint16_t> cpu(block);
        for (std::uint64_t first = begin; first < end; first += block) {
          const auto first32 = static_cast<std::uint32_t>(first);
          mixprec_test::fast_float_block_to_ieee<E, M, R, O, S>(first32, block, want.data());
#if defined(MIXPREC_TEST_X86)
          if constexpr (imm >= 0) {
            if (use_f16c) f16c_float_to_half<imm>(first32, block, cpu.data());
          }
#endif
          for (std::uint32_t j = 0; j < block; ++j) {
            const std::uint32_t u = first32 + j;
            const std::uint32_t got = static_cast<std::uint32_t>(T(std::bit_cast<float>(u)).bits());
            if (got != want[j]) f[0].add(u, want[j], got);
            if (use_f16c) {
              if (got != cpu[j]) f[1].add(u, cpu[j], got);
              if (want[j] != cpu[j]) f[2].add(u, cpu[j], want[j]);
            }
          }
        }
      });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string what = std::string(Format::name) + " <- float, " + mixprec_test::to_string(R) +
                           ", " + mode_name(O, S);
  MESSAGE(what << ": " << seconds << " s" << std::string(use_f16c ? ", also against F16C" : ""));
  CHECK_MESSAGE(fails[0].count == 0, fails[0].describe((what + ", library vs reference").c_str()));
  CHECK_MESSAGE(fails[1].count == 0, fails[1].describe((what + ", library vs F16C").c_str()));
  CHECK_MESSAGE(fails[2].count == 0,
                fails[2].describe((what + ", reference vs F16C (test bug)").c_str()));
}

template <class Format, int E, int M>
void check_all_modes() {
  check_all_floats<Format, E, M, rmode::nearest_even, omode::standard, smode::keep>();
  check_all_floats<Format, E, M, rmode::nearest_away, omode::standard, smode::keep>();
  check_all_floats<Format, E, M, rmode::toward_zero, omode::standard, smode::keep>();
  check_all_floats<Format, E, M, rmode::upward, omode::standard, smode::keep>();
  check_all_floats<Format, E, M, rmode::downward, omode::standard, smode::keep>();
  check_all_floats<Format, E, M, rmode::to_odd, omode::standard, smode::keep>();
  check_all_floats<Format, E, M, rmode::nearest_even, omode::saturate, smode::keep>();
  check_all_floats<Format, E, M, rmode::nearest_even, omode::standard, smode::flush>();
}

/// Float patterns that exercise the fast reference: every exponent and sign, with mantissas
/// around the rounding positions of fp16 (bit 13) and bf16 (bit 16), plus a strided sweep.
std::vector<std::uint32_t> sample_floats() {
  std::vector<std::uint32_t> v;
  const std::uint32_t lows[] = {0x0u,    0x1u,    0x0FFFu, 0x1000u, 0x1001u, 0x1FFFu,  0x2000u,
                                0x3000u, 0x7FFFu, 0x8000u, 0x8001u, 0xFFFFu, 0x10000u, 0x18000u};
  const std::uint32_t highs[] = {0x0u, 0x1u, 0x2u, 0x3u, 0x3Du, 0x3Eu, 0x3Fu, 0x7Eu, 0x7Fu};
  for (std::uint32_t s = 0; s < 2; ++s) {
    for (std::uint32_t e = 0; e < 256; ++e) {
      for (std::uint32_t hi : highs) {
        for (std::uint32_t lo : lows) {
          // Place `hi` in the top mantissa bits of both rounding positions.
          v.push_back((s << 31) | (e << 23) | (((hi << 17) | lo) & 0x7FFFFFu));
          v.push_back((s << 31) | (e << 23) | (((hi << 13) | (lo & 0x1FFFu)) & 0x7FFFFFu));
        }
      }
    }
  }
  for (std::uint64_t u = 0; u < all_floats; u += 65521u) v.push_back(static_cast<std::uint32_t>(u));
  return v;
}

template <int E, int M, rmode R, omode O, smode S>
void check_fast_reference(const std::vector<std::uint32_t>& inputs) {
  const mixprec_test::format_desc f = mixprec_test::ieee_desc(E, M);
  failures fails, block_fails;
  std::uint32_t run[64];
  for (std::uint32_t u : inputs) {
    const std::uint32_t fast = mixprec_test::fast_float_to_ieee<E, M, R, O, S>(u);
    const std::uint32_t slow = mixprec_test::from_float(f, std::bit_cast<float>(u), R, O, S);
    if (fast != slow) fails.add(u, slow, fast);
    // The block form, on the aligned run of 64 patterns around u, against the scalar form.
    const std::uint32_t first = u & ~63u;
    mixprec_test::fast_float_block_to_ieee<E, M, R, O, S>(first, 64, run);
    for (std::uint32_t j = 0; j < 64; ++j) {
      const std::uint32_t scalar = mixprec_test::fast_float_to_ieee<E, M, R, O, S>(first + j);
      if (run[j] != scalar) block_fails.add(first + j, scalar, run[j]);
    }
  }
  CHECK_MESSAGE(fails.count == 0, fails.describe("fast reference vs generic reference"));
  CHECK_MESSAGE(block_fails.count == 0, block_fails.describe("block reference vs fast reference"));
}

template <int E, int M>
void check_fast_reference_all_modes() {
  const std::vector<std::uint32_t> inputs = sample_floats();
  check_fast_reference<E, M, rmode::nearest_even, omode::standard, smode::keep>(inputs);
  check_fast_reference<E, M, rmode::nearest_away, omode::standard, smode::keep>(inputs);
  check_fast_reference<E, M, rmode::toward_zero, omode::standard, smode::keep>(inputs);
  check_fast_reference<E, M, rmode::upward, omode::standard, smode::keep>(inputs);
  check_fast_reference<E, M, rmode::downward, omode::standard, smode::keep>(inputs);
  check_fast_reference<E, M, rmode::to_odd, omode::standard, smode::keep>(inputs);
  check_fast_reference<E, M, rmode::nearest_even, omode::saturate, smode::keep>(inputs);
  check_fast_reference<E, M, rmode::toward_zero, omode::saturate, smode::flush>(inputs);
  check_fast_reference<E, M, rmode::nearest_even, omode::standard, smode::flush>(inputs);
  check_fast_reference<E, M, rmode::upward, omode::standard, smode::flush>(inputs);
  check_fast_reference<E, M, rmode::downward, omode::saturate, smode::flush>(inputs);
  check_fast_reference<E, M, rmode::nearest_away, omode::standard, smode::flush>(inputs);
  check_fast_reference<E, M, rmode::to_odd, omode::saturate, smode::flush>(inputs);
}

}  // namespace

TEST_SUITE("conversion_exhaustive") {
  TEST_CASE("the fast reference agrees with the generic reference") {
    SUBCASE("fp16") { check_fast_reference_all_modes<5, 10>(); }
    SUBCASE("bf16") { check_fast_reference_all_modes<8, 7>(); }
    SUBCASE("ieee<3,4> and ieee<8,1>") {
      check_fast_reference_all_modes<3, 4>();
      check_fast_reference_all_modes<8, 1>();
    }
  }

  TEST_CASE("hand-checked values of the fast reference") {
    using mixprec_test::fast_float_to_ieee;
    constexpr auto ne =
        fast_float_to_ieee<5, 10, rmode::nearest_even, omode::standard, smode::keep>;
    static_assert(ne(0x3F800000u) == 0x3C00u);  // 1
    static_assert(ne(0x477FF000u) == 0x7C00u);  // 65520 -> inf
    static_assert(ne(0x477FEFFFu) == 0x7BFFu);  // just below: max
    static_assert(ne(0x33000000u) == 0x0000u);  // 2^-25: tie to even 0
    static_assert(ne(0x33000001u) == 0x0001u);  // just above: denorm_min 2^-24
    static_assert(ne(0x33800000u) == 0x0001u);  // 2^-24 exactly
    static_assert(ne(0x7F800001u) == 0x7E00u);  // sNaN: quieted, payload top bits
    static_assert(ne(0xFFC12345u) == (0xFE00u | (0x412345u >> 13)));
    constexpr auto bne =
        fast_float_to_ieee<8, 7, rmode::nearest_even, omode::standard, smode::keep>;
    static_assert(bne(0x3F808000u) == 0x3F80u);  // tie to even
    static_assert(bne(0x3F818000u) == 0x3F82u);  // tie to even (up)
    static_assert(bne(0x7F7FFFFFu) == 0x7F80u);  // FLT_MAX -> inf
    CHECK(true);
  }

  TEST_CASE("float -> half, all 2^32 inputs") { check_all_modes<mixprec::formats::fp16, 5, 10>(); }

  TEST_CASE("float -> bfloat16, all 2^32 inputs") {
    check_all_modes<mixprec::formats::bf16, 8, 7>();
  }

  TEST_CASE("half -> float, all 2^16 codes, against the reference and F16C vcvtph2ps") {
    const mixprec_test::format_desc& f = mixprec_test::fp16;
#if defined(MIXPREC_TEST_X86)
    const bool use_f16c = cpu_has_f16c();
#else
    const bool use_f16c = false;
#endif
    if (!use_f16c) MESSAGE("F16C not available: half -> float checked against the reference only");
    failures vs_ref, vs_cpu;
    for (std::uint32_t c = 0; c < 0x10000u; c += 4) {
      std::uint16_t in[4];
      std::uint32_t cpu[4] = {};
      for (unsigned j = 0; j < 4; ++j) in[j] = static_cast<std::uint16_t>(c + j);
#if defined(MIXPREC_TEST_X86)
      if (use_f16c) f16c_half_to_float(in, cpu);
#endif
      for (unsigned j = 0; j < 4; ++j) {
        const mixprec::half h = mixprec::half::from_bits(in[j]);
        const std::uint32_t got = std::bit_cast<std::uint32_t>(static_cast<float>(h));
        const std::uint32_t want = mixprec_test::expected_float_bits(f, in[j], false);
        if (got != want) vs_ref.add(in[j], want, got);
        if (use_f16c && got != cpu[j]) vs_cpu.add(in[j], cpu[j], got);
      }
    }
    CHECK_MESSAGE(vs_ref.count == 0, vs_ref.describe("half -> float vs reference"));
    CHECK_MESSAGE(vs_cpu.count == 0, vs_cpu.describe("half -> float vs F16C"));
  }

  TEST_CASE("float -> bfloat16 nearest_even against AVX512-BF16 vcvtneps2bf16") {
#if defined(MIXPREC_TEST_X86)
    if (!cpu_has_avx512bf16()) {
      MESSAGE("AVX512-BF16 not available: skipped");
      return;
    }
    // Compared: every input that is not a float subnormal (the instruction reads those as zero,
    // where the spec rounds them). NaNs are compared too: the instruction keeps the sign and the
    // top payload bits and sets the quiet bit, as the spec does.
    const auto start = std::chrono::steady_clock::now();
    const std::vector<failures> fails =
        run_parallel<2>([](std::uint64_t begin, std::uint64_t end, failures* f) {
          alignas(64) std::uint32_t in[16];
          alignas(32) std::uint16_t cpu[16] = {};
          for (std::uint64_t block = begin; block < end; block += 16) {
            for (unsigned j = 0; j < 16; ++j) in[j] = static_cast<std::uint32_t>(block + j);
            bf16_float_to_bfloat16(in, cpu);
            for (unsigned j = 0; j < 16; ++j) {
              const std::uint32_t u = in[j];
              if ((u & 0x7F800000u) == 0 && (u & 0x7FFFFFu) != 0) {
                // Subnormal input: the instruction gives a signed zero (checked, as a test of
                // what is being skipped).
                if (cpu[j] != ((u >> 16) & 0x8000u)) f[1].add(u, (u >> 16) & 0x8000u, cpu[j]);
                continue;
              }
              const std::uint32_t got =
                  static_cast<std::uint32_t>(mixprec::bfloat16(std::bit_cast<float>(u)).bits());
              if (got != cpu[j]) f[0].add(u, cpu[j], got);
            }
          }
        });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE("bf16 <- float vs AVX512-BF16: " << seconds << " s");
    CHECK_MESSAGE(fails[0].count == 0, fails[0].describe("bfloat16 vs vcvtneps2bf16"));
    CHECK_MESSAGE(fails[1].count == 0,
                  fails[1].describe("vcvtneps2bf16 on subnormal inputs (not a signed zero)"));
#else
    MESSAGE("not an x86 machine: AVX512-BF16 comparison skipped");
#endif
  }
}
