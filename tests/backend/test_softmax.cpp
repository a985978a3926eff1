// Tests of backend/cpu/softmax.hpp: softmax and log-softmax references against the independent
// model of kernel_model.hpp; the fast paths against the reference within the documented bounds
// (and bit for bit where they fall back to it); thread-count independence; special values; bad
// arguments.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <mixprec/backend/cpu/softmax.hpp>
#include <mixprec/mixprec.hpp>
#include <string>
#include <vector>

#include "backend/kernel_model.hpp"

namespace {

using namespace kernel_model;
namespace cpu = mixprec::cpu;

constexpr std::int64_t softmax_col_sizes[] = {1, 3, 17, 33, 100};

/// One row by the rules, in the model; the results in C (not yet rounded to Out).
template <class P, bool Log>
std::vector<double> model_row(const std::vector<double>& xin) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  std::vector<double> x(xin.size()), d(xin.size()), e(xin.size()), y(xin.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = rnd<C>(xin[i]);
  const double m = row_max(x);
  double s = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    d[i] = rnd<C>(x[i] - m);
    e[i] = rnd<C>(f_exp(d[i]));
    s = rnd<A>(s + e[i]);
  }
  const double sc = rnd<C>(s);
  const double ls = rnd<C>(f_log(sc));
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = Log ? rnd<C>(d[i] - ls) : rnd<C>(e[i] / sc);
  return y;
}

template <class P, bool Log, class In, class Out>
void run(std::int64_t rows, std::int64_t cols, const In* x, Out* y, bool fast) {
  if (fast) {
    if constexpr (Log) {
      cpu::log_softmax<P>(rows, cols, x, y);
    } else {
      cpu::softmax<P>(rows, cols, x, y);
    }
  } else {
    if constexpr (Log) {
      cpu::log_softmax_reference<P>(rows, cols, x, y);
    } else {
      cpu::softmax_reference<P>(rows, cols, x, y);
    }
  }
}

template <class P, bool Log>
void check_model() {
  using S = typename P::storage;
  const char* name = Log ? "log_softmax" : "softmax";
  for (std::int64_t rows : {1, 3}) {
    for (std::int64_t cols : softmax_col_sizes) {
      const std::size_t n = static_cast<std::size_t>(rows * cols);
      const std::vector<S> x = make<S>(uniform(n, -8, 8, n + 5));
      const std::vector<double> xv = values(x);
      std::vector<S> ref(n), fast(n);
      run<P, Log>(rows, cols, x.data(), ref.data(), false);
      run<P, Log>(rows, cols, x.data(), fast.data(), true);
      mismatches bad;
      for (std::int64_t r = 0; r < rows; ++r) {
        const auto first = xv.begin() + r * cols;
        const std::vector<double> want =
            model_row<P, Log>(std::vector<double>(first, first + cols));
        for (std::int64_t i = 0; i < cols; ++i) {
          const auto k = static_cast<std::size_t>(r * cols + i);
          if (!same(rnd<S>(want[static_cast<std::size_t>(i)]), val(ref[k]))) {
            bad.add("row " + std::to_string(r) + ", col " + std::to_string(i) + ": want " +
                    num(rnd<S>(want[static_cast<std::size_t>(i)])) + ", got " + num(val(ref[k])));
          }
          if (!fast_float<P> && !same(val(ref[k]), val(fast[k]))) bad.add("fast differs");
        }
      }
      bad.check(std::string(name) + " " + std::to_string(rows) + "x" + std::to_string(cols));
    }
  }
}

/// Fast vs reference with float results against the documented bounds; the fast result in
/// storage is the float result rounded once.
template <class P, bool Log>
int check_bound(std::int64_t rows, std::int64_t cols, double spread, std::uint64_t seed) {
  using S = typename P::storage;
  const std::size_t n = static_cast<std::size_t>(rows * cols);
  const std::vector<S> x = make<S>(uniform(n, -spread, spread, seed));
  std::vector<float> ref(n), fast(n);
  std::vector<S> fast_s(n);
  run<P, Log>(rows, cols, x.data(), ref.data(), false);
  run<P, Log>(rows, cols, x.data(), fast.data(), true);
  run<P, Log>(rows, cols, x.data(), fast_s.data(), true);
  const double g = gamma_n(static_cast<double>(cols)), u = unit, tiny = 0x1p-148;
  const double rho = (1 + g) * (1 + u) / ((1 - g) * (1 - u)) - 1;
  mismatches bad;
  int differing = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    // l = log(s) = -y at the row's (first) maximum, where d = 0.
    std::size_t argmax = static_cast<std::size_t>(r * cols);
    for (std::int64_t i = 0; i < cols; ++i) {
      const auto k = static_cast<std::size_t>(r * cols + i);
      if (val(x[k]) > val(x[argmax])) argmax = k;
    }
    const double l = std::fabs(ref[argmax]);
    for (std::int64_t i = 0; i < cols; ++i) {
      const auto k = static_cast<std::size_t>(r * cols + i);
      const double f = fast[k], rf = ref[k];
      // To first order in u: a 1/64 margin covers the higher-order terms.
      const double bound =
          Log ? (std::log((1 + g) / (1 - g)) + 2 * u * (l + std::fabs(rf))) * (1 + 1.0 / 64) + tiny
              : rho * std::fabs(rf) * (1 + 1.0 / 64) + tiny;
      if (!(std::fabs(f - rf) <= bound)) {
        bad.add("row " + std::to_string(r) + ", col " + std::to_string(i) + ": fast " + num(f) +
                ", ref " + num(rf) + ", bound " + num(bound));
      }
      if (!same(val(fast_s[k]), rnd<S>(f))) bad.add("the stored fast value is not rnd(float)");
      differing += f != rf;
    }
  }
  bad.check(std::string(Log ? "log_softmax" : "softmax") + " " + std::to_string(rows) + "x" +
            std::to_string(cols));
  return differing;
}

}  // namespace

TEST_SUITE("backend/cpu/softmax") {
  TEST_CASE_TEMPLATE("reference = model; fast = reference where it falls back", P,
                     KERNEL_MODEL_PRECISIONS) {
    check_model<P, false>();
    check_model<P, true>();
  }

  TEST_CASE_TEMPLATE("fast paths stay within the documented bounds", P, kernel_model::p_fp32,
                     kernel_model::p_bf16_fp32, kernel_model::p_fp16_fp32,
                     kernel_model::p_e4m3_fp32) {
    int differing = check_bound<P, false>(3, 100, 4, 1);
    differing += check_bound<P, true>(3, 100, 4, 2);
    differing += check_bound<P, false>(2, 5000, 3, 3);  // several blocks of the fast sum
    differing += check_bound<P, true>(2, 5000, 3, 4);
    differing += check_bound<P, false>(4, 17, 30, 5);  // tiny exps: subnormal outputs
    differing += check_bound<P, true>(4, 17, 30, 6);
    CHECK(differing > 0);  // the order of the sums shows: the bounds are exercised
  }

  TEST_CASE("special values") {
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    // +inf: inf - inf is NaN, so the sum and the whole row are NaN (as in PyTorch); a NaN
    // spreads over its row; a row of -inf is NaN (-inf - -inf); a row of zeros is uniform.
    const float x[] = {inf, 1.0f, 2.0f, -inf, nan, 3.0f, -inf, -inf, -inf, 0.0f, 0.0f, 0.0f};
    for (bool fast : {false, true}) {
      float y[12];
      run<p_fp32, false>(4, 3, x, y, fast);
      for (int i = 0; i < 9; ++i) CHECK(std::isnan(y[i]));
      for (int i = 9; i < 12; ++i) CHECK(y[i] == 1.0f / 3.0f);
    }
  }

  TEST_CASE("in place, and the thread count changes no bit") {
    const std::int64_t rows = 64, cols = 777;
    const std::vector<bf16> x = make<bf16>(uniform(rows * cols, -5, 5, 17));
    std::vector<bf16> one(x.size()), many(x.size()), inplace = x;
    cpu::softmax<p_bf16_fp32>(rows, cols, x.data(), one.data(), cpu::execution{1});
    cpu::softmax<p_bf16_fp32>(rows, cols, x.data(), many.data(), cpu::execution{0});
    cpu::softmax<p_bf16_fp32>(rows, cols, inplace.data(), inplace.data(), cpu::execution{2});
    int diff = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      diff += one[i].bits() != many[i].bits() || one[i].bits() != inplace[i].bits();
    }
    CHECK(diff == 0);
    std::vector<float> l1(x.size()), l2(x.size());
    cpu::log_softmax<p_bf16_fp32>(rows, cols, x.data(), l1.data(), cpu::execution{1});
    cpu::log_softmax<p_bf16_fp32>(rows, cols, x.data(), l2.data(), cpu::execution{3});
    diff = 0;
    for (std::size_t i = 0; i < x.size(); ++i) diff += !same(l1[i], l2[i]);
    CHECK(diff == 0);
  }

  TEST_CASE("bad arguments throw, naming the op, and write nothing") {
    std::vector<float> x(6, 1.0f), y(6, -7.0f);
    CHECK_THROWS_WITH_AS((cpu::softmax<p_fp32>(-1, 3, x.data(), y.data())),
                         doctest::Contains("cpu::softmax: rows = -1 is negative"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::log_softmax_reference<p_bf16>(2, -3, x.data(), y.data())),
                         doctest::Contains("cpu::log_softmax: cols = -3 is negative"),
                         mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::log_softmax<p_fp32>(2, 3, x.data(), static_cast<float*>(nullptr))),
                         doctest::Contains("y is null"), mixprec::error);
    for (float v : y) CHECK(v == -7.0f);
    cpu::softmax<p_fp32>(0, 3, static_cast<const float*>(nullptr), static_cast<float*>(nullptr));
    cpu::softmax<p_bf16>(4, 0, static_cast<const float*>(nullptr), static_cast<float*>(nullptr));
  }
}
