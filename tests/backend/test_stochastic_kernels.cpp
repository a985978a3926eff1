// Tests of the stochastic rounding of the CPU kernels (backend/cpu/*.hpp): every stochastic
// write draws its bits from the call's key, site s from key.derive(s) at the index of the element
// or term (docs/policies.md, "Stochastic rounding in the kernels"). Checked here: a long sum of
// small terms in a bf16/sr accumulator is right on average over seeds (through reduce, gemm and
// mse), the bits do not depend on the thread count, a missing key throws before anything is
// written, the results equal a scalar model of the convention written here (exact values in
// double, rounded with format/stochastic.hpp's stochastic_round), and different keys give
// different bits. Round-to-nearest precisions are covered, bit for bit, by the other kernel tests.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <mixprec/backend/cpu/backward.hpp>
#include <mixprec/backend/cpu/dropout.hpp>
#include <mixprec/backend/cpu/elementwise.hpp>
#include <mixprec/backend/cpu/gather.hpp>
#include <mixprec/backend/cpu/gemm.hpp>
#include <mixprec/backend/cpu/loss.hpp>
#include <mixprec/backend/cpu/norm.hpp>
#include <mixprec/backend/cpu/reduce.hpp>
#include <mixprec/backend/cpu/softmax.hpp>
#include <mixprec/backend/cpu/transpose.hpp>
#include <mixprec/format/stochastic.hpp>
#include <mixprec/policy/ops.hpp>
#include <mixprec/policy/precision.hpp>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

namespace cpu = mixprec::cpu;
namespace ops = mixprec::ops;
using mixprec::execution;
using mixprec::precision;
using mixprec::stochastic_key;
using mixprec::transpose;
using sr = mixprec::floating<mixprec::formats::bf16, mixprec::rounding::stochastic>;
using bf16 = mixprec::bfloat16;

template <class T>
std::uint64_t bits_of(T x) {
  if constexpr (std::is_same_v<T, float>) {
    std::uint32_t u = 0;
    std::memcpy(&u, &x, sizeof u);
    return u;
  } else {
    return x.bits();
  }
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (bits_of(a[i]) != bits_of(b[i])) return false;
  }
  return true;
}

execution keyed(std::uint64_t seed, std::uint64_t stream = 7, int threads = 0) {
  execution e{};
  e.threads = threads;
  return e.with_key(stochastic_key{seed, stream});
}

// The scalar model: the exact value v (a double that holds it) rounded into sr with the bits of
// site `site`, element or term `index`, of the key.
sr model_round(double v, const stochastic_key& key, std::uint64_t site, std::uint64_t index) {
  return mixprec::stochastic_round<sr>(v, key.derive(site).bits(index));
}
double d(sr x) { return static_cast<double>(x); }

constexpr std::int64_t long_n = 1000000;
constexpr float small_term = 1e-4f;
constexpr int seeds = 100;

// The exact sum of long_n copies of small_term (a float), as a double: n * t is exact in double
// (24 + 20 bits).
double exact_long_sum() { return static_cast<double>(long_n) * static_cast<double>(small_term); }

// How many threads a parallel kernel may use here; the thread tests need two.
int available_threads() {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace

TEST_SUITE("backend/cpu/stochastic_kernels") {
  TEST_CASE("10^6 x 1e-4 summed in bf16/sr: the mean over 100 seeds is within 1% of 100") {
    // One run's total has a standard deviation of about 5.2 (measured over 300 seeds), so the
    // mean of 100 runs has one of about 0.52 and the 1% is about two of those: the seeds
    // 1..100 are fixed (mean 100.8), so the test is deterministic, but another seed set may miss.
    const std::vector<float> x(static_cast<std::size_t>(long_n), small_term);
    const std::vector<float> ones(static_cast<std::size_t>(long_n), 1.0f);
    const std::vector<float> zeros(static_cast<std::size_t>(long_n), 0.0f);
    const std::vector<float> tenth(static_cast<std::size_t>(long_n), 0.01f);
    const double exact = exact_long_sum();
    // mse's terms: (0.01f - 0)^2 rounded to float; their exact mean.
    const float square = 0.01f * 0.01f;
    const double exact_mean_square = static_cast<double>(square);
    using P = precision<float, float, sr>;
    using P_bf16 = precision<bf16, float, sr>;
    double sum_reduce = 0, sum_gemm = 0, sum_mse = 0;
    for (int s = 0; s < seeds; ++s) {
      const execution e = keyed(static_cast<std::uint64_t>(s) + 1);
      float y = -1;
      cpu::reduce<P, ops::sum>(1, long_n, 1, x.data(), &y, e);
      sum_reduce += static_cast<double>(y);
      float c = -1;
      cpu::gemm<P>(transpose::no, transpose::no, 1, 1, long_n, 1.0, x.data(), long_n, ones.data(),
                   1, 0.0, &c, 1, e);
      sum_gemm += static_cast<double>(c);
      // Same key, same site (1) and the same term indices: gemm's dot product and reduce's sum
      // draw the same bits.
      CHECK(bits_of(c) == bits_of(y));
      sum_mse += static_cast<double>(cpu::mse<P, float>(long_n, tenth.data(), zeros.data(), e));
      if (s < 3) {
        // The same bits on one thread and on two, and through a bf16-storage policy's sum.
        float y1 = -1, y2 = -1;
        cpu::reduce<P, ops::sum>(1, long_n, 1, x.data(), &y1,
                                 keyed(static_cast<std::uint64_t>(s) + 1, 7, 1));
        cpu::reduce<P, ops::sum>(1, long_n, 1, x.data(), &y2,
                                 keyed(static_cast<std::uint64_t>(s) + 1, 7, 2));
        CHECK(bits_of(y1) == bits_of(y));
        CHECK(bits_of(y2) == bits_of(y));
        float yb = -1;
        cpu::reduce<P_bf16, ops::sum>(1, long_n, 1, x.data(), &yb, e);
        CHECK(bits_of(yb) == bits_of(y));
      }
    }
    const double mean_reduce = sum_reduce / seeds;
    const double mean_gemm = sum_gemm / seeds;
    const double mean_mse = sum_mse / seeds;
    MESSAGE("means over " << seeds << " seeds: reduce " << mean_reduce << ", gemm " << mean_gemm
                          << " (exact " << exact << "), mse " << mean_mse << " (exact "
                          << exact_mean_square << ")");
    CHECK(std::fabs(mean_reduce - exact) <= 0.01 * exact);
    CHECK(std::fabs(mean_gemm - exact) <= 0.01 * exact);
    CHECK(std::fabs(mean_mse - exact_mean_square) <= 0.01 * exact_mean_square);
    // Round to nearest stagnates far below (the 0.0312).
    float rne = -1;
    cpu::reduce<precision<float, float, bf16>, ops::sum>(1, long_n, 1, x.data(), &rne);
    CHECK(static_cast<double>(rne) < 0.05);
  }

  TEST_CASE("threads 1 and 2 give the same bits") {
    if (available_threads() < 2) {
      MESSAGE("one thread only: nothing to compare");
      return;
    }
    // gemm's reference loop splits rows of C over the threads.
    using P = precision<float, sr, sr>;
    const std::int64_t m = 37, n = 9, k = 300;
    std::vector<float> a(static_cast<std::size_t>(m * k)), b(static_cast<std::size_t>(k * n));
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = 0.001f * static_cast<float>(i % 97) - 0.03f;
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = 0.37f + 0.01f * static_cast<float>(i % 13);
    std::vector<float> c1(static_cast<std::size_t>(m * n), 0.25f), c2 = c1;
    cpu::gemm<P>(transpose::no, transpose::no, m, n, k, 0.75, a.data(), k, b.data(), n, 0.5,
                 c1.data(), n, keyed(3, 9, 1));
    cpu::gemm<P>(transpose::no, transpose::no, m, n, k, 0.75, a.data(), k, b.data(), n, 0.5,
                 c2.data(), n, keyed(3, 9, 2));
    CHECK(same_bits(c1, c2));
    // embedding_backward's reference and transpose_2d's tiles.
    const std::int64_t rows = 70, cols = 45;
    std::vector<float> x(static_cast<std::size_t>(rows * cols));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.1f + 0.0123f * static_cast<float>(i);
    std::vector<sr> t1(x.size()), t2(x.size());
    cpu::transpose_2d(rows, cols, x.data(), t1.data(), keyed(5, 1, 1));
    cpu::transpose_2d(rows, cols, x.data(), t2.data(), keyed(5, 1, 2));
    CHECK(same_bits(t1, t2));
    std::vector<float> u1(x.size()), u2(x.size());
    cpu::unary<precision<float, sr>, ops::exp>(rows * cols, x.data(), u1.data(), keyed(5, 2, 1));
    cpu::unary<precision<float, sr>, ops::exp>(rows * cols, x.data(), u2.data(), keyed(5, 2, 2));
    CHECK(same_bits(u1, u2));
  }

  TEST_CASE("a stochastic precision without a key throws before writing") {
    const std::vector<float> x(64, 0.3f);
    auto untouched = [](const auto& v) {
      using T = typename std::remove_cvref_t<decltype(v)>::value_type;
      return std::all_of(v.begin(), v.end(),
                         [](const T& e) { return bits_of(e) == bits_of(T(-7.0f)); });
    };
    const std::string advice =
        " rounds stochastically; pass "
        "execution{}.with_key(stochastic_key{seed, stream})";
    using acc_sr = precision<float, float, sr>;
    using compute_sr = precision<float, sr, float>;
    using storage_sr = precision<sr, float, float>;
    {
      std::vector<float> y(4, -7.0f);
      const auto sum = [&](execution e) {
        cpu::reduce<acc_sr, ops::sum>(4, 16, 1, x.data(), y.data(), e);
      };
      CHECK_THROWS_WITH_AS(sum({}), ("cpu::reduce: the accumulate type bf16/sr" + advice).c_str(),
                           mixprec::error);
      CHECK(untouched(y));
      CHECK_THROWS_AS(sum(execution{1}), mixprec::error);  // threads alone are no key
      CHECK(untouched(y));
      sum(keyed(1));
      CHECK(!untouched(y));
    }
    {
      std::vector<float> c(16, -7.0f);
      const auto fast = [&] {
        cpu::gemm<compute_sr>(transpose::no, transpose::no, 4, 4, 4, 1.0, x.data(), 4, x.data(), 4,
                              0.0, c.data(), 4);
      };
      const auto ref = [&] {
        cpu::gemm_reference<compute_sr>(transpose::no, transpose::no, 4, 4, 4, 1.0, x.data(), 4,
                                        x.data(), 4, 0.0, c.data(), 4);
      };
      CHECK_THROWS_WITH_AS(fast(), ("gemm: the compute type bf16/sr" + advice).c_str(),
                           mixprec::error);
      CHECK_THROWS_WITH_AS(ref(), ("gemm_reference: the compute type bf16/sr" + advice).c_str(),
                           mixprec::error);
      CHECK(untouched(c));
      std::vector<sr> cs(16, sr(-7.0f));
      const auto stored = [&] {
        cpu::gemm<storage_sr>(transpose::no, transpose::no, 4, 4, 4, 1.0, x.data(), 4, x.data(), 4,
                              0.0, cs.data(), 4);
      };
      CHECK_THROWS_WITH_AS(stored(), ("gemm: the storage type bf16/sr" + advice).c_str(),
                           mixprec::error);
      CHECK(untouched(cs));
    }
    {
      // A stochastic result type of a round-to-nearest precision.
      std::vector<sr> y(64, sr(-7.0f));
      const auto relu = [&] { cpu::unary<precision<float>, ops::relu>(64, x.data(), y.data()); };
      CHECK_THROWS_WITH_AS(relu(), ("cpu::unary: the result type bf16/sr" + advice).c_str(),
                           mixprec::error);
      CHECK(untouched(y));
      CHECK_THROWS_AS(cpu::transpose_2d(8, 8, x.data(), y.data()), mixprec::error);
      CHECK(untouched(y));
      // An exact copy into a stochastic type rounds nothing: no key needed.
      const std::vector<bf16> xb(64, bf16(0.5f));
      cpu::transpose_2d(8, 8, xb.data(), y.data());
      CHECK(static_cast<double>(y[0]) == 0.5);
    }
    {
      using P = precision<float, sr>;
      std::vector<float> y(64, -7.0f);
      const std::int64_t labels[8] = {0, 1, 2, 3, 4, 5, 6, 7};
      const auto softmax = [&] { cpu::softmax<P>(8, 8, x.data(), y.data()); };
      const auto norm = [&] {
        cpu::layer_norm<P>(8, 8, x.data(), nullptr, nullptr, 1e-5, y.data());
      };
      const auto mul = [&] {
        cpu::binary<P, ops::mul>(8, 8, x.data(), x.data(), mixprec::broadcast::none, y.data());
      };
      const auto dropout = [&] { cpu::dropout<P>(64, x.data(), 0.5, 1, 0, y.data()); };
      const auto softmax_back = [&] {
        cpu::softmax_backward<P>(8, 8, x.data(), x.data(), y.data());
      };
      const auto xent = [&] { (void)cpu::cross_entropy<P>(8, 8, x.data(), labels); };
      const auto scatter = [&] { cpu::embedding_backward<P>(8, labels, 8, 8, x.data(), y.data()); };
      CHECK_THROWS_WITH_AS(softmax(), ("cpu::softmax: the compute type bf16/sr" + advice).c_str(),
                           mixprec::error);
      CHECK_THROWS_AS(norm(), mixprec::error);
      CHECK_THROWS_AS(mul(), mixprec::error);
      CHECK_THROWS_AS(dropout(), mixprec::error);
      CHECK_THROWS_AS(softmax_back(), mixprec::error);
      CHECK_THROWS_AS(xent(), mixprec::error);
      CHECK_THROWS_AS(scatter(), mixprec::error);
      CHECK(untouched(y));
    }
  }

  TEST_CASE("the fast paths are never taken for a stochastic precision") {
    static_assert(cpu::gemm_path_for<precision<float, float, sr>, float, float, float>() ==
                  cpu::gemm_path::reference);
    static_assert(cpu::gemm_path_for<precision<sr, float, float>, bf16, bf16, sr>() ==
                  cpu::gemm_path::reference);
    static_assert(cpu::gemm_path_for<precision<float>, float, float, sr>() ==
                  cpu::gemm_path::reference);
    static_assert(cpu::gemm_path_for<precision<float>, float, float, float>() ==
                  cpu::gemm_path::fp32);
    static_assert(!cpu::detail::float_fast_path_v<precision<sr, float, float>>);
    static_assert(!cpu::detail::float_fast_path_v<precision<float>, sr>);
    static_assert(cpu::detail::float_fast_path_v<precision<bf16, float, float>, bf16>);
    // The fast entry point gives the keyed reference's bits.
    std::vector<float> x(5000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.001f * static_cast<float>(i % 1000);
    std::vector<sr> fast(x.size()), ref(x.size());
    using P = precision<sr, float, float>;
    cpu::binary_scalar<P, ops::mul>(5000, x.data(), 1.1, fast.data(), keyed(2));
    cpu::binary_scalar_reference<P, ops::mul>(5000, x.data(), 1.1, ref.data(), keyed(2));
    CHECK(same_bits(fast, ref));
  }

  TEST_CASE("reduce equals the scalar model of the keying convention") {
    // [outer][length][inner] = [3][50][4]; C = bf16/sr (the reads of x round), A = bf16/sr.
    const std::int64_t outer = 3, length = 50, inner = 4;
    std::vector<float> x(static_cast<std::size_t>(outer * length * inner));
    for (std::size_t i = 0; i < x.size(); ++i) {
      x[i] = 0.01f + 0.000731f * static_cast<float>((i * 37) % 101);
    }
    using P = precision<float, sr, sr>;
    const stochastic_key key{11, 5};
    std::vector<float> y(static_cast<std::size_t>(outer * inner));
    cpu::reduce<P, ops::sum>(outer, length, inner, x.data(), y.data(), execution{}.with_key(key));
    int bad = 0;
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t j = 0; j < inner; ++j) {
        const std::int64_t out = o * inner + j;
        sr acc = mixprec::stochastic_round<sr>(0.0, 0u);
        for (std::int64_t l = 0; l < length; ++l) {
          const std::int64_t at = (o * length + l) * inner + j;
          const sr xc = model_round(static_cast<double>(x[static_cast<std::size_t>(at)]), key, 2,
                                    static_cast<std::uint64_t>(at));
          acc = model_round(d(acc) + d(xc), key, 1, static_cast<std::uint64_t>(out * length + l));
        }
        // Site 0 rounds bf16/sr into float: exact.
        if (static_cast<double>(y[static_cast<std::size_t>(out)]) != d(acc)) ++bad;
      }
    }
    CHECK(bad == 0);
    // mean with float compute: site 1 the sum, then float's own division.
    using Q = precision<float, float, sr>;
    std::vector<float> m(static_cast<std::size_t>(outer * inner));
    cpu::reduce<Q, ops::mean>(outer, length, inner, x.data(), m.data(), execution{}.with_key(key));
    bad = 0;
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t j = 0; j < inner; ++j) {
        const std::int64_t out = o * inner + j;
        sr acc = mixprec::stochastic_round<sr>(0.0, 0u);
        for (std::int64_t l = 0; l < length; ++l) {
          const float t = x[static_cast<std::size_t>((o * length + l) * inner + j)];
          acc = model_round(d(acc) + static_cast<double>(t), key, 1,
                            static_cast<std::uint64_t>(out * length + l));
        }
        const float mean = static_cast<float>(d(acc)) / static_cast<float>(length);
        if (bits_of(m[static_cast<std::size_t>(out)]) != bits_of(mean)) ++bad;
      }
    }
    CHECK(bad == 0);
  }

  TEST_CASE("gemm equals the scalar model of the keying convention") {
    // C = A = bf16/sr: operands read into C (sites 2, 3), products (4), the running sum (1),
    // alpha (5, 6), beta and c (7, 8, 9), their sum (10); TC = float holds every bf16 (site 0).
    using P = precision<float, sr, sr>;
    const std::int64_t m = 5, n = 6, k = 40;
    const double alpha = 0.75, beta = -1.5;
    std::vector<float> a(static_cast<std::size_t>(k * m));  // stored k x m: ta = yes
    std::vector<float> b(static_cast<std::size_t>(k * n));  // k x n: tb = no
    std::vector<float> c0(static_cast<std::size_t>(m * n));
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = 0.1f + 0.0137f * static_cast<float>(i % 29);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = 0.5f - 0.0091f * static_cast<float>(i % 31);
    for (std::size_t i = 0; i < c0.size(); ++i) c0[i] = 0.3f + 0.0077f * static_cast<float>(i);
    const stochastic_key key{99, 1234};
    std::vector<float> c = c0;
    cpu::gemm<P>(transpose::yes, transpose::no, m, n, k, alpha, a.data(), m, b.data(), n, beta,
                 c.data(), n, execution{}.with_key(key));
    std::vector<float> r = c0;
    cpu::gemm_reference<P>(transpose::yes, transpose::no, m, n, k, alpha, a.data(), m, b.data(), n,
                           beta, r.data(), n, execution{}.with_key(key));
    CHECK(same_bits(c, r));
    int bad = 0;
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        const auto o = static_cast<std::uint64_t>(i * n + j);
        sr acc = mixprec::stochastic_round<sr>(0.0, 0u);
        for (std::int64_t p = 0; p < k; ++p) {
          const auto term = o * static_cast<std::uint64_t>(k) + static_cast<std::uint64_t>(p);
          const sr x = model_round(static_cast<double>(a[static_cast<std::size_t>(p * m + i)]), key,
                                   2, static_cast<std::uint64_t>(i * k + p));
          const sr y = model_round(static_cast<double>(b[static_cast<std::size_t>(p * n + j)]), key,
                                   3, static_cast<std::uint64_t>(p * n + j));
          const sr prod = model_round(d(x) * d(y), key, 4, term);
          acc = model_round(d(acc) + d(prod), key, 1, term);
        }
        const sr al = model_round(alpha, key, 5, 0);
        const sr scaled = model_round(d(al) * d(acc), key, 6, o);
        const sr be = model_round(beta, key, 7, 0);
        const sr cc = model_round(static_cast<double>(c0[o]), key, 8, o);
        const sr bc = model_round(d(be) * d(cc), key, 9, o);
        const sr total = model_round(d(scaled) + d(bc), key, 10, o);
        if (static_cast<double>(c[o]) != d(total)) ++bad;
      }
    }
    CHECK(bad == 0);
  }

  TEST_CASE("binary, unary and softmax equal the scalar model of the keying convention") {
    const std::int64_t rows = 6, cols = 7;
    std::vector<float> a(static_cast<std::size_t>(rows * cols)),
        row(static_cast<std::size_t>(cols));
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = -0.4f + 0.0311f * static_cast<float>(i);
    for (std::size_t i = 0; i < row.size(); ++i) row[i] = 1.3f - 0.0537f * static_cast<float>(i);
    const stochastic_key key{4242, 77};
    // binary mul with a broadcast row, all in bf16/sr: a (site 2, its index), b (site 3, the
    // row's index), the product (5); the result is already bf16/sr (site 0 rounds nothing).
    using P = precision<sr>;
    std::vector<sr> y(a.size());
    cpu::binary<P, ops::mul>(rows, cols, a.data(), row.data(), mixprec::broadcast::row, y.data(),
                             execution{}.with_key(key));
    int bad = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t c = 0; c < cols; ++c) {
        const auto i = static_cast<std::uint64_t>(r * cols + c);
        const sr x = model_round(static_cast<double>(a[i]), key, 2, i);
        const sr z = model_round(static_cast<double>(row[static_cast<std::size_t>(c)]), key, 3,
                                 static_cast<std::uint64_t>(c));
        if (bits_of(y[i]) != bits_of(model_round(d(x) * d(z), key, 5, i))) ++bad;
      }
    }
    CHECK(bad == 0);
    // unary exp with float storage and bf16/sr compute: the read (2), exp in double (5), the
    // result in float (site 0: exact).
    using Q = precision<float, sr>;
    std::vector<float> u(a.size());
    cpu::unary<Q, ops::exp>(rows * cols, a.data(), u.data(), execution{}.with_key(key));
    bad = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const sr x = model_round(static_cast<double>(a[i]), key, 2, i);
      if (static_cast<double>(u[i]) != d(model_round(std::exp(d(x)), key, 5, i))) ++bad;
    }
    CHECK(bad == 0);
    // softmax with float compute and a bf16/sr sum: site 1 only (term i of row r: r*cols + i);
    // the division is float's.
    using S = precision<float, float, sr>;
    std::vector<float> sm(a.size());
    cpu::softmax<S>(rows, cols, a.data(), sm.data(), execution{}.with_key(key));
    bad = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* xr = a.data() + r * cols;
      const float mx = *std::max_element(xr, xr + cols);
      std::vector<float> e(static_cast<std::size_t>(cols));
      sr s = mixprec::stochastic_round<sr>(0.0, 0u);
      for (std::int64_t i = 0; i < cols; ++i) {
        const float diff = xr[i] - mx;
        e[static_cast<std::size_t>(i)] = static_cast<float>(std::exp(static_cast<double>(diff)));
        s = model_round(d(s) + static_cast<double>(e[static_cast<std::size_t>(i)]), key, 1,
                        static_cast<std::uint64_t>(r * cols + i));
      }
      for (std::int64_t i = 0; i < cols; ++i) {
        const float want = e[static_cast<std::size_t>(i)] / static_cast<float>(d(s));
        if (bits_of(sm[static_cast<std::size_t>(r * cols + i)]) != bits_of(want)) ++bad;
      }
    }
    CHECK(bad == 0);
  }

  TEST_CASE("different keys draw different bits; the same key the same bits") {
    const std::int64_t n = 4096;
    std::vector<float> x(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.1f + 1e-5f * static_cast<float>(i);
    using P = precision<sr, float, float>;
    std::vector<sr> y1(x.size()), y2(x.size()), y3(x.size()), y4(x.size());
    cpu::unary<P, ops::exp>(n, x.data(), y1.data(), keyed(1, 0));
    cpu::unary<P, ops::exp>(n, x.data(), y2.data(), keyed(1, 0));
    cpu::unary<P, ops::exp>(n, x.data(), y3.data(), keyed(2, 0));
    cpu::unary<P, ops::exp>(n, x.data(), y4.data(), keyed(1, 1));
    CHECK(same_bits(y1, y2));
    CHECK(!same_bits(y1, y3));
    CHECK(!same_bits(y1, y4));
    // And a long sum: two seeds, two totals.
    const std::vector<float> t(20000, small_term);
    float s1 = 0, s2 = 0;
    cpu::reduce<precision<float, float, sr>, ops::sum>(1, 20000, 1, t.data(), &s1, keyed(1));
    cpu::reduce<precision<float, float, sr>, ops::sum>(1, 20000, 1, t.data(), &s2, keyed(2));
    CHECK(bits_of(s1) != bits_of(s2));
  }

  TEST_CASE("every kernel runs keyed with a stochastic precision, the same bits on every call") {
    // Each kernel twice with one key and once with 1 thread: identical bits; results finite.
    using P = precision<sr, sr, sr>;
    const std::int64_t rows = 9, cols = 13, n = rows * cols;
    std::vector<float> x(static_cast<std::size_t>(n)), g(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = -0.7f + 0.0123f * static_cast<float>(i);
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = 0.05f - 0.0011f * static_cast<float>(i);
    std::vector<std::int64_t> labels(static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r) labels[static_cast<std::size_t>(r)] = (r * 5) % cols;
    const std::vector<float> gamma(static_cast<std::size_t>(cols), 1.25f);
    auto check = [&](const char* name, auto run) {
      INFO(std::string(name));
      std::vector<sr> a(3 * x.size()), b(3 * x.size()), c(3 * x.size());
      run(a.data(), keyed(8, 3));
      run(b.data(), keyed(8, 3));
      run(c.data(), keyed(8, 3, 1));
      CHECK(same_bits(a, b));
      CHECK(same_bits(a, c));
    };
    check("softmax", [&](sr* y, execution e) { cpu::softmax<P>(rows, cols, x.data(), y, e); });
    check("log_softmax",
          [&](sr* y, execution e) { cpu::log_softmax<P>(rows, cols, x.data(), y, e); });
    check("layer_norm", [&](sr* y, execution e) {
      cpu::layer_norm<P, float, sr, float, sr>(rows, cols, x.data(), gamma.data(), gamma.data(),
                                               1e-5, y, y + n, y + n + rows, e);
    });
    check("cross_entropy", [&](sr* y, execution e) {
      y[0] = cpu::cross_entropy<P, sr>(rows, cols, x.data(), labels.data(), y + 1, e);
    });
    check("mse", [&](sr* y, execution e) { y[0] = cpu::mse<P, sr>(n, x.data(), g.data(), e); });
    check("unary_backward gelu", [&](sr* y, execution e) {
      cpu::unary_backward<P, ops::gelu>(n, x.data(), x.data(), g.data(), y, e);
    });
    check("unary_backward tanh", [&](sr* y, execution e) {
      cpu::unary_backward<P, ops::tanh>(n, x.data(), x.data(), g.data(), y, e);
    });
    check("sum_rows", [&](sr* y, execution e) { cpu::sum_rows<P>(rows, cols, g.data(), y, e); });
    check("softmax_backward", [&](sr* y, execution e) {
      cpu::softmax_backward<P>(rows, cols, x.data(), g.data(), y, e);
    });
    check("log_softmax_backward", [&](sr* y, execution e) {
      cpu::log_softmax_backward<P>(rows, cols, x.data(), g.data(), y, e);
    });
    check("cross_entropy_backward", [&](sr* y, execution e) {
      cpu::cross_entropy_backward<P>(rows, cols, x.data(), labels.data(), 0.7f, y, e);
    });
    check("mse_backward", [&](sr* y, execution e) {
      cpu::mse_backward<P, float, float, float, sr>(n, x.data(), g.data(), 0.3f, y, nullptr, e);
    });
    check("layer_norm_backward", [&](sr* y, execution e) {
      std::vector<float> mean(static_cast<std::size_t>(rows), 0.1f);
      std::vector<float> rstd(static_cast<std::size_t>(rows), 2.5f);
      cpu::layer_norm_backward<P, float, float, sr, float, float, sr>(
          rows, cols, x.data(), gamma.data(), mean.data(), rstd.data(), g.data(), y, y + n,
          y + n + cols, e);
    });
    check("embedding_backward", [&](sr* y, execution e) {
      std::fill(y, y + n, sr(0.0f));
      cpu::embedding_backward<P>(rows, labels.data(), cols, rows, g.data(), y, e);
    });
    check("embedding", [&](sr* y, execution e) {
      cpu::embedding(rows, labels.data(), cols, rows, x.data(), y, e);
    });
    check("dropout",
          [&](sr* y, execution e) { cpu::dropout<P>(n, x.data(), 0.25, 17, 0, y, nullptr, e); });
    check("dropout_backward",
          [&](sr* y, execution e) { cpu::dropout_backward<P>(n, 17, 0, g.data(), 0.25, y, e); });
    check("binary_scalar",
          [&](sr* y, execution e) { cpu::binary_scalar<P, ops::div>(n, x.data(), 3.0, y, e); });
    check("reduce mean",
          [&](sr* y, execution e) { cpu::reduce<P, ops::mean>(rows, cols, 1, x.data(), y, e); });
    const auto each_unary = [&]<class... Op>(Op...) {
      (check("unary", [&](sr* y, execution e) { cpu::unary<P, Op>(n, x.data(), y, e); }), ...);
      (check("unary_backward",
             [&](sr* y, execution e) {
               cpu::unary_backward<P, Op>(n, x.data(), x.data(), g.data(), y, e);
             }),
       ...);
    };
    each_unary(ops::neg{}, ops::relu{}, ops::exp{}, ops::log{}, ops::tanh{}, ops::sigmoid{},
               ops::gelu{});
    const auto each_binary = [&]<class... Op>(Op...) {
      (check("binary",
             [&](sr* y, execution e) {
               cpu::binary<P, Op>(rows, cols, x.data(), g.data(), mixprec::broadcast::row, y, e);
             }),
       ...);
    };
    each_binary(ops::add{}, ops::sub{}, ops::mul{}, ops::div{});
  }
}
