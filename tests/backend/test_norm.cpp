// Tests of backend/cpu/norm.hpp: the layer_norm reference (outputs, mean and rstd) against the
// independent model of kernel_model.hpp, with and without gamma and beta; the fast path against
// the reference within the documented bounds; thread-count independence; bad arguments.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <mixprec/backend/cpu/norm.hpp>
#include <mixprec/mixprec.hpp>
#include <string>
#include <vector>

#include "backend/kernel_model.hpp"

namespace {

using namespace kernel_model;
namespace cpu = mixprec::cpu;

constexpr std::int64_t norm_col_sizes[] = {1, 3, 17, 33, 100};
constexpr double eps = 1e-5;

struct row_result {
  std::vector<double> y;  // in C
  double mean, rstd;
};

template <class P>
row_result model_row(const std::vector<double>& xin, const std::vector<double>* g,
                     const std::vector<double>* b) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  const std::size_t n = xin.size();
  const double count = rnd<C>(static_cast<double>(n));
  std::vector<double> x(n), d(n);
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = rnd<C>(xin[i]);
    s = rnd<A>(s + x[i]);
  }
  row_result out;
  out.mean = rnd<C>(rnd<C>(s) / count);
  double q = 0;
  for (std::size_t i = 0; i < n; ++i) {
    d[i] = rnd<C>(x[i] - out.mean);
    q = rnd<A>(q + rnd<C>(d[i] * d[i]));
  }
  const double var = rnd<C>(rnd<C>(q) / count);
  const double sd = rnd<C>(std::sqrt(rnd<C>(var + rnd<C>(eps))));
  out.rstd = rnd<C>(1.0 / sd);
  for (std::size_t i = 0; i < n; ++i) {
    double z = rnd<C>(d[i] * out.rstd);
    if (g != nullptr) z = rnd<C>(z * rnd<C>((*g)[i]));
    if (b != nullptr) z = rnd<C>(z + rnd<C>((*b)[i]));
    out.y.push_back(z);
  }
  return out;
}

template <class P, class W>
void check_model(bool with_gamma, bool with_beta) {
  using S = typename P::storage;
  using C = typename P::compute;
  for (std::int64_t rows : {1, 3}) {
    for (std::int64_t cols : norm_col_sizes) {
      const std::size_t n = static_cast<std::size_t>(rows * cols);
      const std::vector<S> x = make<S>(uniform(n, -2, 6, n + 3));
      const std::vector<W> g = make<W>(uniform(static_cast<std::size_t>(cols), 0.5, 1.5, 7));
      const std::vector<W> b = make<W>(uniform(static_cast<std::size_t>(cols), -1, 1, 8));
      const std::vector<double> xv = values(x), gv = values(g), bv = values(b);
      const W* gp = with_gamma ? g.data() : nullptr;
      const W* bp = with_beta ? b.data() : nullptr;
      std::vector<S> ref(n), fast(n);
      std::vector<C> mean(static_cast<std::size_t>(rows)), rstd(mean.size());
      std::vector<C> fmean(mean.size()), frstd(mean.size());
      cpu::layer_norm_reference<P, S, S, W>(rows, cols, x.data(), gp, bp, eps, ref.data(),
                                            mean.data(), rstd.data());
      cpu::layer_norm<P, S, S, W>(rows, cols, x.data(), gp, bp, eps, fast.data(), fmean.data(),
                                  frstd.data());
      mismatches bad;
      for (std::int64_t r = 0; r < rows; ++r) {
        const auto first = xv.begin() + r * cols;
        const row_result want = model_row<P>(std::vector<double>(first, first + cols),
                                             with_gamma ? &gv : nullptr, with_beta ? &bv : nullptr);
        const auto rr = static_cast<std::size_t>(r);
        if (!same(want.mean, val(mean[rr]))) bad.add("mean of row " + std::to_string(r));
        if (!same(want.rstd, val(rstd[rr]))) bad.add("rstd of row " + std::to_string(r));
        for (std::int64_t i = 0; i < cols; ++i) {
          const auto k = static_cast<std::size_t>(r * cols + i);
          const double w = rnd<S>(want.y[static_cast<std::size_t>(i)]);
          if (!same(w, val(ref[k]))) {
            bad.add("row " + std::to_string(r) + ", col " + std::to_string(i) + ": want " + num(w) +
                    ", got " + num(val(ref[k])));
          }
          if (!fast_float<P> && !same(val(ref[k]), val(fast[k]))) bad.add("fast differs");
        }
      }
      bad.check("layer_norm " + std::to_string(rows) + "x" + std::to_string(cols) +
                (with_gamma ? " gamma" : "") + (with_beta ? " beta" : ""));
    }
  }
}

/// Fast vs reference with float results and statistics against the documented bounds.
template <class P>
int check_bound(std::int64_t rows, std::int64_t cols, double centre, double spread,
                std::uint64_t seed) {
  using S = typename P::storage;
  const std::size_t n = static_cast<std::size_t>(rows * cols);
  const std::vector<S> x = make<S>(uniform(n, centre - spread, centre + spread, seed));
  const std::vector<S> g = make<S>(uniform(static_cast<std::size_t>(cols), -2, 2, seed + 1));
  const std::vector<S> b = make<S>(uniform(static_cast<std::size_t>(cols), -1, 1, seed + 2));
  const std::vector<double> xv = values(x), gv = values(g);
  std::vector<float> ref(n), fast(n), mr(static_cast<std::size_t>(rows)), mf(mr.size()),
      rr(mr.size()), rf(mr.size());
  std::vector<S> fast_s(n);
  cpu::layer_norm_reference<P, S, float, S, float>(rows, cols, x.data(), g.data(), b.data(), eps,
                                                   ref.data(), mr.data(), rr.data());
  cpu::layer_norm<P, S, float, S, float>(rows, cols, x.data(), g.data(), b.data(), eps, fast.data(),
                                         mf.data(), rf.data());
  cpu::layer_norm<P>(rows, cols, x.data(), g.data(), b.data(), eps, fast_s.data());
  const double nn = static_cast<double>(cols), gam = gamma_n(nn), u = unit;
  const double margin = 1 + 1.0 / 64, tiny = 0x1p-140;
  mismatches bad;
  int differing = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto ri = static_cast<std::size_t>(r);
    double sum_abs = 0, xbar = 0;
    for (std::int64_t i = 0; i < cols; ++i) {
      const double xi = xv[static_cast<std::size_t>(r * cols + i)];
      sum_abs += std::fabs(xi);
      xbar += xi;
    }
    xbar /= nn;
    double v_exact = 0;
    for (std::int64_t i = 0; i < cols; ++i) {
      const double t = xv[static_cast<std::size_t>(r * cols + i)] - xbar;
      v_exact += t * t;
    }
    v_exact /= nn;
    const double e_mean = 2 * gam * sum_abs / nn + u * (std::fabs(mf[ri]) + std::fabs(mr[ri]));
    const double var_sum = 2 * (v_exact + e_mean * e_mean) * (1 + gam + 4 * u);
    const double d_var = (gam + 4 * u) * var_sum + e_mean * e_mean;
    const double e_rstd = rr[ri] * (d_var / (2 * (v_exact * (1 - gam - 4 * u) + eps)) + 6 * u);
    const double dmean = std::fabs(mf[ri] - mr[ri]), drstd = std::fabs(rf[ri] - rr[ri]);
    if (!(dmean <= e_mean * margin + tiny)) {
      bad.add("mean of row " + std::to_string(r) + ": fast " + num(mf[ri]) + ", ref " +
              num(mr[ri]) + ", bound " + num(e_mean));
    }
    if (!(drstd <= e_rstd * margin + tiny)) {
      bad.add("rstd of row " + std::to_string(r) + ": fast " + num(rf[ri]) + ", ref " +
              num(rr[ri]) + ", bound " + num(e_rstd));
    }
    differing += dmean != 0;
    for (std::int64_t i = 0; i < cols; ++i) {
      const auto k = static_cast<std::size_t>(r * cols + i);
      const double d = std::fabs(xv[k] - mr[ri]);
      const double gi = std::fabs(gv[static_cast<std::size_t>(i)]);
      const double bound = gi * (d * drstd + rr[ri] * dmean + 6 * u * rr[ri] * d) +
                           u * (std::fabs(fast[k]) + std::fabs(ref[k]));
      if (!(std::fabs(fast[k] - ref[k]) <= bound * margin + tiny)) {
        bad.add("row " + std::to_string(r) + ", col " + std::to_string(i) + ": fast " +
                num(fast[k]) + ", ref " + num(ref[k]) + ", bound " + num(bound));
      }
      if (!same(val(fast_s[k]), rnd<S>(fast[k]))) bad.add("the stored value is not rnd(float)");
      differing += fast[k] != ref[k];
    }
  }
  bad.check("layer_norm bound " + std::to_string(rows) + "x" + std::to_string(cols));
  return differing;
}

}  // namespace

TEST_SUITE("backend/cpu/norm") {
  TEST_CASE_TEMPLATE("layer_norm reference = model, with and without gamma and beta", P,
                     KERNEL_MODEL_PRECISIONS) {
    using S = typename P::storage;
    check_model<P, S>(true, true);
    check_model<P, S>(false, false);
    check_model<P, S>(true, false);
    check_model<P, float>(false, true);  // float parameters with low-precision activations
  }

  TEST_CASE_TEMPLATE("the fast path stays within the documented bounds", P, kernel_model::p_fp32,
                     kernel_model::p_bf16_fp32, kernel_model::p_fp16_fp32,
                     kernel_model::p_e4m3_fp32) {
    int differing = check_bound<P>(3, 100, 0.5, 2, 1);
    differing += check_bound<P>(2, 5000, 3, 1, 2);    // a large mean: cancellation in d_i
    differing += check_bound<P>(2, 777, 0, 1e-3, 3);  // variance below eps
    differing += check_bound<P>(4, 1, 1, 1, 4);
    if (!std::is_same_v<P, p_e4m3_fp32>) CHECK(differing > 0);
  }

  TEST_CASE("a constant row normalises to zero (plus beta)") {
    const std::vector<float> x(8, 3.25f), b = {1, 2, 3, 4, 1, 2, 3, 4};
    for (bool fast : {false, true}) {
      std::vector<float> y(8, -1.0f), mean(2), rstd(2);
      if (fast) {
        cpu::layer_norm<p_fp32>(2, 4, x.data(), nullptr, b.data(), eps, y.data(), mean.data(),
                                rstd.data());
      } else {
        cpu::layer_norm_reference<p_fp32>(2, 4, x.data(), nullptr, b.data(), eps, y.data(),
                                          mean.data(), rstd.data());
      }
      for (int i = 0; i < 8; ++i)
        CHECK(y[static_cast<std::size_t>(i)] == b[static_cast<std::size_t>(i)]);
      CHECK(mean[0] == 3.25f);
      CHECK(rstd[1] == 1.0f / std::sqrt(static_cast<float>(eps)));
    }
  }

  TEST_CASE("in place, and the thread count changes no bit") {
    const std::int64_t rows = 64, cols = 700;
    const std::vector<bf16> x = make<bf16>(uniform(rows * cols, -3, 5, 31));
    const std::vector<bf16> g = make<bf16>(uniform(cols, 0, 2, 32));
    std::vector<bf16> one(x.size()), many(x.size()), inplace = x;
    std::vector<float> m1(rows), m2(rows), r1(rows), r2(rows);
    cpu::layer_norm<p_bf16_fp32>(rows, cols, x.data(), g.data(), nullptr, eps, one.data(),
                                 m1.data(), r1.data(), cpu::execution{1});
    cpu::layer_norm<p_bf16_fp32>(rows, cols, x.data(), g.data(), nullptr, eps, many.data(),
                                 m2.data(), r2.data(), cpu::execution{0});
    cpu::layer_norm<p_bf16_fp32>(rows, cols, inplace.data(), g.data(), nullptr, eps, inplace.data(),
                                 nullptr, nullptr, cpu::execution{2});
    int diff = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      diff += one[i].bits() != many[i].bits() || one[i].bits() != inplace[i].bits();
    }
    for (std::size_t r = 0; r < m1.size(); ++r) diff += !same(m1[r], m2[r]) || !same(r1[r], r2[r]);
    CHECK(diff == 0);
  }

  TEST_CASE("bad arguments throw, naming the op, and write nothing") {
    std::vector<float> x(6, 1.0f), y(6, -7.0f), stats(2, -7.0f);
    CHECK_THROWS_WITH_AS(
        (cpu::layer_norm<p_fp32>(-2, 3, x.data(), nullptr, nullptr, eps, y.data())),
        doctest::Contains("cpu::layer_norm: rows = -2 is negative"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::layer_norm_reference<p_bf16>(2, 3, x.data(), nullptr, nullptr, -1.0,
                                                            y.data(), nullptr, nullptr)),
                         doctest::Contains("eps"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::layer_norm<p_fp32>(2, 3, static_cast<const float*>(nullptr), nullptr,
                                                  nullptr, eps, y.data(), stats.data())),
                         doctest::Contains("x is null"), mixprec::error);
    for (float v : y) CHECK(v == -7.0f);
    for (float v : stats) CHECK(v == -7.0f);
  }
}
