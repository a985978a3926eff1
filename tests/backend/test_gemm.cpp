// CPU GEMM (backend/cpu/gemm.hpp).
//
// gemm_reference is checked against an independent model written here with exact arithmetic
// (tests/support/exact.hpp: every product and sum formed exactly, then rounded once by a
// binary search over the target format's codes). The fast paths are checked against the
// reference: bit for bit where they promise it, within the documented bound (derived here in
// double) where they fuse or reorder. This file is also compiled as test_backend_gemm_native
// (-march=native: the AVX-512 and AVX-512 BF16 kernels) and test_backend_gemm_avx2 (the AVX2
// microkernel), see tests/CMakeLists.txt.

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mixprec/backend/cpu/gemm.hpp>
#include <mixprec/mixprec.hpp>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "exact.hpp"

namespace {

using namespace mixprec;
using cpu::gemm_mode;
using cpu::gemm_path;
using cpu::transpose;
namespace ex = mixprec_test::exact;

using bf16_sr = floating<formats::bf16, rounding::stochastic>;

// The precision triples under test, with the element types of A, B and C.
template <class P, class TA, class TB = TA, class TC = TA>
struct gemm_case {
  using policy = P;
  using a_type = TA;
  using b_type = TB;
  using c_type = TC;
};
using case_fp32 = gemm_case<precision<float>, float>;
using case_bf16_fp32 = gemm_case<precision<bfloat16, float, float>, bfloat16>;
using case_fp16_fp32 = gemm_case<precision<half, float, float>, half>;
using case_e4m3_fp32 =
    gemm_case<precision<float8_e4m3, float, float>, float8_e4m3, float8_e4m3, float>;
using case_e5m2_fp32 =
    gemm_case<precision<float8_e5m2, float, float>, float8_e5m2, float8_e5m2, float>;
using case_bf16 = gemm_case<precision<bfloat16>, bfloat16>;
using case_fp16 = gemm_case<precision<half>, half>;
using case_fp16_acc16 = gemm_case<precision<half, float, half>, half>;
using case_bf16_sr = gemm_case<precision<bf16_sr, float, float>, bf16_sr>;
using case_mixed = gemm_case<precision<float>, half, float8_e4m3, float>;

#define GEMM_ALL_CASES                                                                             \
  case_fp32, case_bf16_fp32, case_fp16_fp32, case_e4m3_fp32, case_e5m2_fp32, case_bf16, case_fp16, \
      case_fp16_acc16, case_bf16_sr, case_mixed

template <class T>
std::uint64_t bits_of(T x) {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<std::uint32_t>(x);
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<std::uint64_t>(x);
  } else {
    return x.bits();
  }
}

template <class T>
bool is_nan(T x) {
  return std::isnan(static_cast<double>(x));
}

// Values spread over a few binades so that products and sums round.
template <class T>
std::vector<T> random_values(std::size_t n, std::uint32_t seed, double scale = 1.0) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> mag(-1.0, 1.0);
  std::uniform_int_distribution<int> binade(-3, 1);
  std::vector<T> v(n);
  for (auto& x : v) {
    const double d = std::ldexp(mag(gen), binade(gen)) * scale;
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      x = static_cast<T>(d);
    } else {
      x = T(d);
    }
  }
  return v;
}

template <class T>
T nan_of() {
  if constexpr (std::is_same_v<T, float>) {
    return std::numeric_limits<float>::quiet_NaN();
  } else {
    return T(std::numeric_limits<float>::quiet_NaN());
  }
}

// ---------------------------------------------------------------------------------------------
// The independent model: exact products and sums, each rounded once into its type.

template <class T>
ex::target target_for() {
  if constexpr (std::is_same_v<T, float>) {
    return ex::target{ex::fp32, ex::round_mode::nearest_even, ex::overflow_mode::standard,
                      ex::subnormal_mode::keep};
  } else {
    return ex::target_of<T>();
  }
}

template <class T>
ex::value value_of(T x) {
  if constexpr (std::is_same_v<T, float>) {
    return ex::decode_float(x);
  } else {
    const ex::target t = target_for<T>();
    return ex::decode(t.f, bits_of(x), t.s);
  }
}

ex::value round_in(const ex::target& t, const ex::value& v) {
  const ex::result r = ex::round_value(t, v);
  if (r.nan) return ex::make_nan();
  return ex::decode(t.f, r.bits, t.s);
}

struct matrices {
  std::int64_t m, n, k, lda, ldb, ldc;
  transpose ta, tb;
};

// The expected value of c[i][j] before its rounding to TC (exact value of the A result r).
template <class P, class TA, class TB, class TC>
ex::value model_element(const matrices& s, std::int64_t i, std::int64_t j, double alpha,
                        double beta, const std::vector<TA>& a, const std::vector<TB>& b,
                        const std::vector<TC>& c_old) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  const ex::target tc = target_for<C>(), ta = target_for<A>();
  ex::value acc = ex::make_zero(false);
  for (std::int64_t p = 0; p < s.k; ++p) {
    const TA x = s.ta == transpose::no ? a[i * s.lda + p] : a[p * s.lda + i];
    const TB y = s.tb == transpose::no ? b[p * s.ldb + j] : b[j * s.ldb + p];
    const ex::value prod =
        round_in(tc, ex::exact_mul(round_in(tc, value_of(x)), round_in(tc, value_of(y))));
    acc = round_in(ta, ex::exact_add(ta, acc, prod));
  }
  const ex::value scaled =
      alpha == 1.0 ? acc : round_in(ta, ex::exact_mul(round_in(ta, ex::decode_double(alpha)), acc));
  if (beta == 0.0) return scaled;
  const ex::value bc = round_in(ta, ex::exact_mul(round_in(ta, ex::decode_double(beta)),
                                                  round_in(ta, value_of(c_old[i * s.ldc + j]))));
  return round_in(ta, ex::exact_add(ta, scaled, bc));
}

// Whether `got` is the model's rounding of r into TC (either neighbour for stochastic TC).
template <class TC>
bool model_matches(const ex::value& r, TC got) {
  ex::target t = target_for<TC>();
  if (t.r == ex::round_mode::stochastic) {
    t.r = ex::round_mode::downward;
    const ex::result lo = ex::round_value(t, r);
    t.r = ex::round_mode::upward;
    const ex::result hi = ex::round_value(t, r);
    return ex::matches(t.f, lo, bits_of(got)) || ex::matches(t.f, hi, bits_of(got));
  }
  return ex::matches(t.f, ex::round_value(t, r), bits_of(got));
}

// ---------------------------------------------------------------------------------------------
// The bound of a fused or reordered fp32 path, from its definition (u = 2^-24): every product
// and every partial sum of the reference and of the fast path is within u of its exact value
// relative to sum_p |a_ip b_pj|, so the two sums differ by at most 2 k u sum_p |a b|, plus
// 2^-126 per flushed step; alpha scales that, and the final products and sum add a rounding of
// each result; when C's type has tc_bits < 24 significant bits, each result's rounding into it
// (to nearest, or either neighbour when stochastic) adds up to one of its units in the last
// place.
double gemm_bound(std::int64_t k, double sum_abs, double alpha, double beta, double c_old,
                  bool flush, int tc_bits = 24) {
  const double u = std::ldexp(1.0, -24);
  const double sums = 2.0 * static_cast<double>(k) * u * sum_abs +
                      (flush ? static_cast<double>(k) * std::ldexp(1.0, -126) : 0.0);
  const double magnitude = std::fabs(alpha) * sum_abs * (1 + 4 * u) + std::fabs(beta * c_old);
  const double tc_rounding = tc_bits < 24 ? 2 * std::ldexp(1.0, 1 - tc_bits) * magnitude : 0.0;
  return std::fabs(alpha) * sums * (1 + 4 * u) + 4 * u * magnitude + tc_rounding;
}

// Significant bits of a type, from its descriptor in the independent model.
template <class T>
int significant_bits() {
  return target_for<T>().f.man_bits + 1;
}

template <class TA, class TB>
double sum_abs_products(const matrices& s, std::int64_t i, std::int64_t j, const std::vector<TA>& a,
                        const std::vector<TB>& b) {
  double sum = 0;
  for (std::int64_t p = 0; p < s.k; ++p) {
    const double x =
        static_cast<double>(s.ta == transpose::no ? a[i * s.lda + p] : a[p * s.lda + i]);
    const double y =
        static_cast<double>(s.tb == transpose::no ? b[p * s.ldb + j] : b[j * s.ldb + p]);
    sum += std::fabs(x * y);
  }
  return sum;
}

matrices make_shape(std::int64_t m, std::int64_t n, std::int64_t k, transpose ta, transpose tb,
                    std::int64_t pad) {
  matrices s{m, n, k, 0, 0, 0, ta, tb};
  s.lda = (ta == transpose::no ? k : m) + pad;
  s.ldb = (tb == transpose::no ? n : k) + pad;
  s.ldc = n + pad;
  if (s.lda < 1) s.lda = 1;
  if (s.ldb < 1) s.ldb = 1;
  if (s.ldc < 1) s.ldc = 1;
  return s;
}

std::size_t a_size(const matrices& s) {
  return static_cast<std::size_t>((s.ta == transpose::no ? s.m : s.k) * s.lda);
}
std::size_t b_size(const matrices& s) {
  return static_cast<std::size_t>((s.tb == transpose::no ? s.k : s.n) * s.ldb);
}
std::size_t c_size(const matrices& s) { return static_cast<std::size_t>(s.m * s.ldc); }

std::string describe(const matrices& s, double alpha, double beta) {
  return "m=" + std::to_string(s.m) + " n=" + std::to_string(s.n) + " k=" + std::to_string(s.k) +
         " ta=" + (s.ta == transpose::no ? "no" : "yes") +
         " tb=" + (s.tb == transpose::no ? "no" : "yes") + " lda=" + std::to_string(s.lda) +
         " ldb=" + std::to_string(s.ldb) + " ldc=" + std::to_string(s.ldc) +
         " alpha=" + std::to_string(alpha) + " beta=" + std::to_string(beta);
}

// Compares two results element by element (bits, NaN matching any NaN), also the padding
// between rows (which no call may write).
template <class TC>
int count_bit_mismatches(const std::vector<TC>& x, const std::vector<TC>& y) {
  int bad = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const bool same = bits_of(x[i]) == bits_of(y[i]) || (is_nan(x[i]) && is_nan(y[i]));
    if (!same) ++bad;
  }
  return bad;
}

// Whether the fast mode of gemm is expected to give the reference's bits: everything but fused
// float operands and the bf16 dot-product kernel.
template <class Case>
constexpr bool fast_is_bit_exact() {
  using P = typename Case::policy;
  using TA = typename Case::a_type;
  using TB = typename Case::b_type;
  using TC = typename Case::c_type;
  constexpr gemm_path path = cpu::gemm_path_for<P, TA, TB, TC>();
  if (path == gemm_path::reference) return true;
  if (path == gemm_path::bf16_dot) return false;
  return !std::is_same_v<TA, float> && !std::is_same_v<TB, float>;
}

}  // namespace

TEST_SUITE("backend/cpu/gemm") {
  TEST_CASE("paths chosen at compile time") {
    static_assert(cpu::gemm_path_for<precision<float>, float, float, float>() == gemm_path::fp32);
    static_assert(cpu::gemm_path_for<precision<half, float, float>, half, half, half>() ==
                  gemm_path::fp32);
    static_assert(cpu::gemm_path_for<precision<float8_e4m3, float, float>, float8_e4m3, float8_e4m3,
                                     float>() == gemm_path::fp32);
    static_assert(cpu::gemm_path_for<precision<bfloat16>, bfloat16, bfloat16, bfloat16>() ==
                  gemm_path::reference);
    static_assert(cpu::gemm_path_for<precision<half, float, half>, half, half, half>() ==
                  gemm_path::reference);
    static_assert(cpu::gemm_path_for<precision<double>, double, double, double>() ==
                  gemm_path::reference);
    static_assert(cpu::gemm_path_for<precision<float>, double, float, float>() ==
                  gemm_path::reference);
    static_assert(cpu::gemm_path_for<precision<bfloat16, float, float>, bfloat16, bfloat16, float,
                                     gemm_mode::exact>() == gemm_path::fp32);
    // Fusing is exact for fp16 and fp8 products, not for bf16 (range) or float (precision).
    static_assert(cpu::gemm_fuses_v<half, half, gemm_mode::exact>);
    static_assert(cpu::gemm_fuses_v<float8_e4m3, float8_e5m2, gemm_mode::exact>);
    static_assert(!cpu::gemm_fuses_v<bfloat16, bfloat16, gemm_mode::fast>);
    static_assert(!cpu::gemm_fuses_v<float, float, gemm_mode::exact>);
    static_assert(cpu::gemm_fuses_v<float, float, gemm_mode::fast>);
#if defined(__AVX512BF16__) && defined(__AVX512F__)
    static_assert(
        cpu::gemm_path_for<precision<bfloat16, float, float>, bfloat16, bfloat16, float>() ==
        gemm_path::bf16_dot);
#else
    static_assert(
        cpu::gemm_path_for<precision<bfloat16, float, float>, bfloat16, bfloat16, float>() ==
        gemm_path::fp32);
#endif
  }

  TEST_CASE_TEMPLATE("the reference equals an exact model; exact paths equal the reference", Case,
                     GEMM_ALL_CASES) {
    using P = typename Case::policy;
    using TA = typename Case::a_type;
    using TB = typename Case::b_type;
    using TC = typename Case::c_type;
    // The stochastic case (bf16/sr results) rounds from a key; the others ignore it.
    const cpu::execution key = cpu::execution{}.with_key(stochastic_key{1, 2});
    struct shape {
      std::int64_t m, n, k;
    };
    const shape shapes[] = {{1, 1, 1},   {3, 17, 31},  {17, 3, 64},
                            {5, 4, 130}, {13, 31, 17}, {2, 67, 3}};
    const double alphas[] = {1.0, 1.0, 0.75, -1.5};
    const double betas[] = {0.0, 0.5, 0.0, 2.0};
    int variant = 0;
    std::uint32_t seed = 1;
    for (const shape& sh : shapes) {
      for (int rep = 0; rep < 2; ++rep, ++variant) {
        const transpose ta = (variant & 1) != 0 ? transpose::yes : transpose::no;
        const transpose tb = (variant & 2) != 0 ? transpose::yes : transpose::no;
        const double alpha = alphas[variant % 4], beta = betas[(variant / 2) % 4];
        const matrices s = make_shape(sh.m, sh.n, sh.k, ta, tb, variant % 3);
        const std::vector<TA> a = random_values<TA>(a_size(s), ++seed);
        const std::vector<TB> b = random_values<TB>(b_size(s), ++seed);
        std::vector<TC> c0 = random_values<TC>(c_size(s), ++seed);
        if (beta == 0.0) {
          for (auto& x : c0) x = nan_of<TC>();  // never read
        }
        std::vector<TC> ref = c0, fast = c0, exact = c0;
        cpu::gemm_reference<P>(ta, tb, s.m, s.n, s.k, alpha, a.data(), s.lda, b.data(), s.ldb, beta,
                               ref.data(), s.ldc, key);
        cpu::gemm<P>(ta, tb, s.m, s.n, s.k, alpha, a.data(), s.lda, b.data(), s.ldb, beta,
                     fast.data(), s.ldc, key);
        cpu::gemm_exact<P>(ta, tb, s.m, s.n, s.k, alpha, a.data(), s.lda, b.data(), s.ldb, beta,
                           exact.data(), s.ldc, key);
        INFO(describe(s, alpha, beta));
        int model_bad = 0, bound_bad = 0;
        for (std::int64_t i = 0; i < s.m; ++i) {
          for (std::int64_t j = 0; j < s.n; ++j) {
            const std::size_t at = static_cast<std::size_t>(i * s.ldc + j);
            const ex::value r = model_element<P>(s, i, j, alpha, beta, a, b, c0);
            if (!model_matches(r, ref[at])) ++model_bad;
            if constexpr (!fast_is_bit_exact<Case>()) {
              const double bound = gemm_bound(s.k, sum_abs_products(s, i, j, a, b), alpha, beta,
                                              beta == 0.0 ? 0.0 : static_cast<double>(c0[at]), true,
                                              significant_bits<TC>());
              if (!(std::fabs(static_cast<double>(fast[at]) - static_cast<double>(ref[at])) <=
                    bound)) {
                ++bound_bad;
              }
            }
          }
        }
        CHECK(model_bad == 0);
        CHECK(bound_bad == 0);
        // Padding between rows untouched, and the bit-exact paths equal the reference.
        CHECK(count_bit_mismatches(ref, exact) == 0);
        if constexpr (fast_is_bit_exact<Case>()) {
          CHECK(count_bit_mismatches(ref, fast) == 0);
        }
        for (std::int64_t i = 0; i < s.m; ++i) {
          for (std::int64_t j = s.n; j < s.ldc; ++j) {
            const std::size_t at = static_cast<std::size_t>(i * s.ldc + j);
            CHECK(bits_of(fast[at]) == bits_of(c0[at]));
          }
        }
      }
    }
  }

  TEST_CASE_TEMPLATE("fast paths with fp32 compute on larger shapes", Case, case_fp32,
                     case_bf16_fp32, case_fp16_fp32, case_e4m3_fp32, case_e5m2_fp32, case_bf16_sr,
                     case_mixed) {
    using P = typename Case::policy;
    using TA = typename Case::a_type;
    using TB = typename Case::b_type;
    using TC = typename Case::c_type;
    // The stochastic case (bf16/sr results) rounds from a key; the others ignore it.
    const cpu::execution key = cpu::execution{}.with_key(stochastic_key{1, 2});
    struct shape {
      std::int64_t m, n, k;
    };
    // Sizes around the tile sizes, and k beyond one cache block (256 for fp32, 512 for bf16).
    const shape shapes[] = {
        {64, 67, 130}, {67, 64, 31}, {31, 130, 67}, {13, 33, 600}, {130, 17, 1100}};
    int variant = 0;
    std::uint32_t seed = 100;
    for (const shape& sh : shapes) {
      for (int rep = 0; rep < 2; ++rep, ++variant) {
        const transpose ta = (variant & 1) != 0 ? transpose::yes : transpose::no;
        const transpose tb = (variant & 2) != 0 ? transpose::yes : transpose::no;
        const double alpha = variant % 3 == 0 ? 1.0 : -0.625;
        const double beta = variant % 4 == 1 ? 0.0 : 1.25;
        const matrices s = make_shape(sh.m, sh.n, sh.k, ta, tb, variant % 2);
        const std::vector<TA> a = random_values<TA>(a_size(s), ++seed);
        const std::vector<TB> b = random_values<TB>(b_size(s), ++seed);
        const std::vector<TC> c0 = random_values<TC>(c_size(s), ++seed);
        std::vector<TC> ref = c0, fast = c0, exact = c0, one_thread = c0;
        cpu::gemm_reference<P>(ta, tb, s.m, s.n, s.k, alpha, a.data(), s.lda, b.data(), s.ldb, beta,
                               ref.data(), s.ldc, key);
        cpu::gemm<P>(ta, tb, s.m, s.n, s.k, alpha, a.data(), s.lda, b.data(), s.ldb, beta,
                     fast.data(), s.ldc, key);
        cpu::gemm<P>(ta, tb, s.m, s.n, s.k, alpha, a.data(), s.lda, b.data(), s.ldb, beta,
                     one_thread.data(), s.ldc, cpu::execution{1}.with_key(key.key));
        cpu::gemm_exact<P>(ta, tb, s.m, s.n, s.k, alpha, a.data(), s.lda, b.data(), s.ldb, beta,
                           exact.data(), s.ldc, key);
        INFO(describe(s, alpha, beta));
        CHECK(count_bit_mismatches(ref, exact) == 0);
        CHECK(count_bit_mismatches(fast, one_thread) == 0);
        if constexpr (fast_is_bit_exact<Case>()) {
          CHECK(count_bit_mismatches(ref, fast) == 0);
        } else {
          int bad = 0;
          for (std::int64_t i = 0; i < s.m; ++i) {
            for (std::int64_t j = 0; j < s.n; ++j) {
              const std::size_t at = static_cast<std::size_t>(i * s.ldc + j);
              const double bound =
                  gemm_bound(s.k, sum_abs_products(s, i, j, a, b), alpha, beta,
                             static_cast<double>(c0[at]), true, significant_bits<TC>());
              if (!(std::fabs(static_cast<double>(fast[at]) - static_cast<double>(ref[at])) <=
                    bound)) {
                ++bad;
              }
            }
          }
          CHECK(bad == 0);
        }
      }
    }
  }

  TEST_CASE("threads never change a result") {
    const std::int64_t m = 150, n = 140, k = 300;
    const std::vector<float> a = random_values<float>(static_cast<std::size_t>(m * k), 7);
    const std::vector<float> b = random_values<float>(static_cast<std::size_t>(k * n), 8);
    const std::vector<bfloat16> ah = random_values<bfloat16>(static_cast<std::size_t>(m * k), 9);
    const std::vector<bfloat16> bh = random_values<bfloat16>(static_cast<std::size_t>(k * n), 10);
    for (int threads : {2, 3, 4}) {
      std::vector<float> c1(static_cast<std::size_t>(m * n)), ct(c1.size());
      cpu::gemm<precision<float>>(transpose::no, transpose::no, m, n, k, 1.0, a.data(), k, b.data(),
                                  n, 0.0, c1.data(), n, cpu::execution{1});
      cpu::gemm<precision<float>>(transpose::no, transpose::no, m, n, k, 1.0, a.data(), k, b.data(),
                                  n, 0.0, ct.data(), n, cpu::execution{threads});
      CHECK(count_bit_mismatches(c1, ct) == 0);
      using P = precision<bfloat16, float, float>;
      cpu::gemm<P>(transpose::yes, transpose::no, m, n, k, 1.0, ah.data(), m, bh.data(), n, 0.0,
                   c1.data(), n, cpu::execution{1});
      cpu::gemm<P>(transpose::yes, transpose::no, m, n, k, 1.0, ah.data(), m, bh.data(), n, 0.0,
                   ct.data(), n, cpu::execution{threads});
      CHECK(count_bit_mismatches(c1, ct) == 0);
      std::vector<float> r1(c1.size()), rt(c1.size());
      cpu::gemm_reference<P>(transpose::yes, transpose::no, 40, n, k, 1.0, ah.data(), m, bh.data(),
                             n, 0.0, r1.data(), n, cpu::execution{1});
      cpu::gemm_reference<P>(transpose::yes, transpose::no, 40, n, k, 1.0, ah.data(), m, bh.data(),
                             n, 0.0, rt.data(), n, cpu::execution{threads});
      CHECK(count_bit_mismatches(r1, rt) == 0);
    }
  }

  TEST_CASE("small products skip the blocking and give the blocked path's bits") {
    // Below cpu::detail::small_gemm_work multiply-adds the fp32 path runs a plain loop; it must
    // give what the blocked kernels give, in the fused (float operands) and unfused (bf16
    // operands, exact mode) forms, with alpha and beta.
    const std::int64_t sizes[][3] = {{1, 1, 1}, {3, 5, 7}, {13, 17, 31}, {20, 24, 34}};
    for (const auto& sz : sizes) {
      const std::int64_t m = sz[0], n = sz[1], k = sz[2];
      REQUIRE(m * n * k <= cpu::detail::small_gemm_work);
      const auto a = random_values<float>(static_cast<std::size_t>(m * k), 31);
      const auto b = random_values<float>(static_cast<std::size_t>(k * n), 32);
      const auto ah = random_values<bfloat16>(static_cast<std::size_t>(m * k), 33);
      const auto bh = random_values<bfloat16>(static_cast<std::size_t>(k * n), 34);
      const auto c0 = random_values<float>(static_cast<std::size_t>(m * n), 35);
      for (double beta : {0.0, 0.5}) {
        std::vector<float> small = c0, blocked = c0;
        cpu::gemm<precision<float>>(transpose::no, transpose::yes, m, n, k, 1.5, a.data(), k,
                                    b.data(), k, beta, small.data(), n);
        cpu::detail::gemm_blocked<precision<float>, gemm_path::fp32,
                                  cpu::gemm_fuses_v<float, float>>(
            transpose::no, transpose::yes, m, n, k, 1.5, a.data(), k, b.data(), k, beta,
            blocked.data(), n, cpu::execution{1});
        CHECK(count_bit_mismatches(small, blocked) == 0);
        using P = precision<bfloat16, float, float>;
        small = c0;
        blocked = c0;
        cpu::gemm_exact<P>(transpose::yes, transpose::no, m, n, k, 1.0, ah.data(), m, bh.data(), n,
                           beta, small.data(), n);
        cpu::detail::gemm_blocked<P, gemm_path::fp32,
                                  cpu::gemm_fuses_v<bfloat16, bfloat16, gemm_mode::exact>>(
            transpose::yes, transpose::no, m, n, k, 1.0, ah.data(), m, bh.data(), n, beta,
            blocked.data(), n, cpu::execution{1});
        CHECK(count_bit_mismatches(small, blocked) == 0);
      }
    }
  }

  TEST_CASE("bf16 dot-product path within its bound") {
    using P = precision<bfloat16, float, float>;
    if constexpr (cpu::gemm_path_for<P, bfloat16, bfloat16, float>() != gemm_path::bf16_dot) {
      MESSAGE("skipped: the bf16 dot-product kernel needs a target with AVX-512 BF16");
    } else {
      for (std::int64_t k : {1, 2, 7, 64, 513, 1100}) {
        const matrices s = make_shape(37, 45, k, transpose::no, transpose::yes, 1);
        const std::vector<bfloat16> a = random_values<bfloat16>(a_size(s), 21);
        const std::vector<bfloat16> b = random_values<bfloat16>(b_size(s), 22);
        const std::vector<float> c0 = random_values<float>(c_size(s), 23);
        for (double alpha : {1.0, -0.375}) {
          std::vector<float> ref = c0, fast = c0;
          cpu::gemm_reference<P>(s.ta, s.tb, s.m, s.n, s.k, alpha, a.data(), s.lda, b.data(), s.ldb,
                                 0.5, ref.data(), s.ldc);
          cpu::gemm<P>(s.ta, s.tb, s.m, s.n, s.k, alpha, a.data(), s.lda, b.data(), s.ldb, 0.5,
                       fast.data(), s.ldc);
          INFO(describe(s, alpha, 0.5));
          int bad = 0;
          for (std::int64_t i = 0; i < s.m; ++i) {
            for (std::int64_t j = 0; j < s.n; ++j) {
              const std::size_t at = static_cast<std::size_t>(i * s.ldc + j);
              const double bound = gemm_bound(k, sum_abs_products(s, i, j, a, b), alpha, 0.5,
                                              static_cast<double>(c0[at]), true);
              if (!(std::fabs(static_cast<double>(fast[at]) - static_cast<double>(ref[at])) <=
                    bound)) {
                ++bad;
              }
            }
          }
          CHECK(bad == 0);
        }
      }
      // Subnormal inputs read as zero: a product of two subnormal-scaled values is lost, within
      // the k 2^-126 term of the bound.
      const bfloat16 tiny = bfloat16::from_bits(0x0001);  // 2^-133
      const bfloat16 one(1.0f);
      const std::vector<bfloat16> a = {tiny, one};
      const std::vector<bfloat16> b = {one, one};
      float c = 0;
      cpu::gemm<P>(transpose::no, transpose::no, 1, 1, 2, 1.0, a.data(), 2, b.data(), 1, 0.0, &c,
                   1);
      CHECK(std::fabs(c - 1.0f) <= 2 * std::ldexp(1.0, -126));
    }
  }

  TEST_CASE("accumulation in bf16 stagnates, in fp32 it does not") {
    // 1 + 1000 * 2^-9: a bf16 running sum near 1 has a spacing of 2^-7, so adding 2^-9 rounds
    // back to 1 every time; an fp32 sum is exact, 1 + 1000/512 = 2.953125.
    const std::int64_t k = 1001;
    std::vector<bfloat16> a(static_cast<std::size_t>(k), bfloat16(std::ldexp(1.0, -9)));
    a[0] = bfloat16(1.0f);
    const std::vector<bfloat16> b(static_cast<std::size_t>(k), bfloat16(1.0f));
    bfloat16 c_bf16(0.0f);
    cpu::gemm<precision<bfloat16>>(transpose::no, transpose::no, 1, 1, k, 1.0, a.data(), k,
                                   b.data(), 1, 0.0, &c_bf16, 1);
    CHECK(static_cast<double>(c_bf16) == 1.0);
    float c_fp32 = 0;
    cpu::gemm<precision<bfloat16, float, float>>(transpose::no, transpose::no, 1, 1, k, 1.0,
                                                 a.data(), k, b.data(), 1, 0.0, &c_fp32, 1);
    CHECK(static_cast<double>(c_fp32) == 2.953125);
    float c_ref = 0;
    cpu::gemm_reference<precision<bfloat16, float, float>>(
        transpose::no, transpose::no, 1, 1, k, 1.0, a.data(), k, b.data(), 1, 0.0, &c_ref, 1);
    CHECK(static_cast<double>(c_ref) == 2.953125);
  }

  TEST_CASE("k == 0 and empty results") {
    std::vector<float> c = {1.5f, -2.0f, 3.0f, 4.0f};
    const float* none = nullptr;
    cpu::gemm<precision<float>>(transpose::no, transpose::no, 2, 2, 0, 1.0, none, 1, none, 2, 0.5,
                                c.data(), 2);
    CHECK(c == std::vector<float>{0.75f, -1.0f, 1.5f, 2.0f});
    cpu::gemm<precision<float>>(transpose::no, transpose::no, 2, 2, 0, 1.0, none, 1, none, 2, 0.0,
                                c.data(), 2);
    CHECK(c == std::vector<float>{0.0f, 0.0f, 0.0f, 0.0f});
    float* no_c = nullptr;
    cpu::gemm<precision<float>>(transpose::no, transpose::no, 0, 5, 3, 1.0, none, 3, c.data(), 5,
                                0.0, no_c, 5);
  }

  TEST_CASE("bad arguments throw and write nothing") {
    const std::vector<float> a(64, 1.0f), b(64, 1.0f);
    std::vector<float> c(64, 7.0f);
    const std::vector<float> c0 = c;
    auto call = [&](std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t lda,
                    std::int64_t ldb, std::int64_t ldc, transpose ta = transpose::no,
                    transpose tb = transpose::no, const float* pa = nullptr,
                    const float* pb = nullptr) {
      cpu::gemm<precision<float>>(ta, tb, m, n, k, 1.0, pa != nullptr ? pa : a.data(), lda,
                                  pb != nullptr ? pb : b.data(), ldb, 0.0, c.data(), ldc);
    };
    auto message_of = [](auto&& f) -> std::string {
      try {
        f();
      } catch (const mixprec::error& e) {
        return e.what();
      }
      return "(no throw)";
    };
    auto contains = [](const std::string& s, const char* part) {
      return s.find(part) != std::string::npos;
    };
    std::string msg = message_of([&] { call(-1, 2, 2, 2, 2, 2); });
    CHECK(contains(msg, "gemm"));
    CHECK(contains(msg, "m = -1"));
    msg = message_of([&] { call(2, -3, 2, 2, 2, 2); });
    CHECK(contains(msg, "n = -3"));
    msg = message_of([&] { call(2, 2, -4, 2, 2, 2); });
    CHECK(contains(msg, "k = -4"));
    msg = message_of([&] { call(2, 2, 5, 4, 2, 2); });
    CHECK(contains(msg, "lda = 4"));
    msg = message_of([&] { call(6, 2, 3, 5, 2, 2, transpose::yes); });
    CHECK(contains(msg, "lda = 5"));
    msg = message_of([&] { call(2, 3, 2, 4, 2, 3); });
    CHECK(contains(msg, "ldb = 2"));
    msg = message_of([&] { call(2, 3, 4, 4, 3, 3, transpose::no, transpose::yes); });
    CHECK(contains(msg, "ldb = 3"));
    msg = message_of([&] { call(2, 3, 2, 2, 3, 2); });
    CHECK(contains(msg, "ldc = 2"));
    msg = message_of([&] {
      cpu::gemm<precision<float>>(transpose::no, transpose::no, 2, 2, 2, 1.0,
                                  static_cast<const float*>(nullptr), 2, b.data(), 2, 0.0, c.data(),
                                  2);
    });
    CHECK(contains(msg, "a is null"));
    msg = message_of([&] {
      cpu::gemm<precision<float>>(transpose::no, transpose::no, 2, 2, 2, 1.0, a.data(), 2,
                                  static_cast<const float*>(nullptr), 2, 0.0, c.data(), 2);
    });
    CHECK(contains(msg, "b is null"));
    msg = message_of([&] {
      cpu::gemm<precision<float>>(transpose::no, transpose::no, 2, 2, 2, 1.0, a.data(), 2, b.data(),
                                  2, 0.0, static_cast<float*>(nullptr), 2);
    });
    CHECK(contains(msg, "c is null"));
    msg = message_of([&] {
      cpu::gemm_reference<precision<bfloat16>>(transpose::no, transpose::no, 2, 2, 2, 1.0, a.data(),
                                               1, b.data(), 2, 0.0, c.data(), 2);
    });
    CHECK(contains(msg, "gemm_reference"));
    CHECK(contains(msg, "lda = 1"));
    CHECK(c == c0);
  }
}
