// Tests of backend/cpu/loss.hpp: cross_entropy and mse references against the independent model
// of kernel_model.hpp; the fast paths against the reference within the documented bounds;
// thread-count independence; bad labels and sizes.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <mixprec/backend/cpu/loss.hpp>
#include <mixprec/mixprec.hpp>
#include <string>
#include <vector>

#include "backend/kernel_model.hpp"

namespace {

using namespace kernel_model;
namespace cpu = mixprec::cpu;

constexpr std::int64_t col_sizes[] = {1, 3, 17, 33, 100};

std::vector<std::int64_t> labels_for(std::int64_t rows, std::int64_t classes, std::uint64_t seed) {
  std::vector<std::int64_t> t;
  for (std::int64_t r = 0; r < rows; ++r) {
    t.push_back(static_cast<std::int64_t>((static_cast<std::uint64_t>(r) * 7919 + seed) %
                                          static_cast<std::uint64_t>(classes)));
  }
  return t;
}

/// The model's row losses (in C) and mean (in C).
template <class P>
std::vector<double> model_cross_entropy(std::int64_t rows, std::int64_t classes,
                                        const std::vector<double>& xin,
                                        const std::vector<std::int64_t>& t, double& result) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  std::vector<double> losses;
  double total = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::vector<double> x;
    for (std::int64_t i = 0; i < classes; ++i) {
      x.push_back(rnd<C>(xin[static_cast<std::size_t>(r * classes + i)]));
    }
    const double m = row_max(x);
    double s = 0;
    for (double xi : x) s = rnd<A>(s + rnd<C>(f_exp(rnd<C>(xi - m))));
    const double lse = rnd<C>(m + rnd<C>(f_log(rnd<C>(s))));
    const double loss = rnd<C>(lse - x[static_cast<std::size_t>(t[static_cast<std::size_t>(r)])]);
    losses.push_back(loss);
    total = rnd<A>(total + loss);
  }
  result = rnd<C>(rnd<C>(total) / rnd<C>(static_cast<double>(rows)));
  return losses;
}

template <class P>
double model_mse(const std::vector<double>& a, const std::vector<double>& b) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = rnd<C>(rnd<C>(a[i]) - rnd<C>(b[i]));
    s = rnd<A>(s + rnd<C>(d * d));
  }
  return rnd<C>(rnd<C>(s) / rnd<C>(static_cast<double>(a.size())));
}

template <class P>
void check_model() {
  using S = typename P::storage;
  using C = typename P::compute;
  for (std::int64_t rows : {1, 3, 8}) {
    for (std::int64_t classes : col_sizes) {
      const std::size_t n = static_cast<std::size_t>(rows * classes);
      const std::vector<S> x = make<S>(uniform(n, -6, 6, n + 9));
      const std::vector<std::int64_t> t = labels_for(rows, classes, n);
      double want = 0;
      const std::vector<double> want_rows =
          model_cross_entropy<P>(rows, classes, values(x), t, want);
      std::vector<S> ref_rows(static_cast<std::size_t>(rows)), fast_rows(ref_rows.size());
      const C ref = cpu::cross_entropy_reference<P>(rows, classes, x.data(), t.data());
      const S ref_s =
          cpu::cross_entropy_reference<P, S>(rows, classes, x.data(), t.data(), ref_rows.data());
      const S fast_s =
          cpu::cross_entropy<P, S>(rows, classes, x.data(), t.data(), fast_rows.data());
      const std::string where = std::to_string(rows) + "x" + std::to_string(classes);
      INFO("cross_entropy " << where);
      CHECK(same(want, val(ref)));
      CHECK(same(rnd<S>(want), val(ref_s)));
      for (std::size_t r = 0; r < want_rows.size(); ++r) {
        CHECK(same(rnd<S>(want_rows[r]), val(ref_rows[r])));
        if (!fast_float<P>) CHECK(same(val(ref_rows[r]), val(fast_rows[r])));
      }
      if (!fast_float<P>) CHECK(same(val(ref_s), val(fast_s)));
    }
  }
  for (std::int64_t n : {1, 3, 17, 33, 100, 0}) {
    const std::vector<S> a = make<S>(uniform(static_cast<std::size_t>(n), -4, 4, 41));
    const std::vector<float> b = make<float>(uniform(static_cast<std::size_t>(n), -4, 4, 42));
    const double want = model_mse<P>(values(a), values(b));
    INFO("mse n = " << n);
    CHECK(same(want, val(cpu::mse_reference<P>(n, a.data(), b.data()))));
    CHECK(same(rnd<float>(want), val(cpu::mse_reference<P, float>(n, a.data(), b.data()))));
    if (!fast_float<P> || n <= 1) {
      CHECK(same(val(cpu::mse_reference<P>(n, a.data(), b.data())),
                 val(cpu::mse<P>(n, a.data(), b.data()))));
    }
  }
}

template <class P>
int check_bounds(std::int64_t rows, std::int64_t classes, std::uint64_t seed) {
  using S = typename P::storage;
  const double u = unit, margin = 1 + 1.0 / 64;
  int differing = 0;
  {
    const std::size_t n = static_cast<std::size_t>(rows * classes);
    const std::vector<S> x = make<S>(uniform(n, -8, 8, seed));
    const std::vector<double> xv = values(x);
    const std::vector<std::int64_t> t = labels_for(rows, classes, seed);
    std::vector<float> fr(static_cast<std::size_t>(rows)), rr(fr.size());
    std::vector<S> fs(fr.size());
    const float ref =
        cpu::cross_entropy_reference<P, float>(rows, classes, x.data(), t.data(), rr.data());
    const float fast = cpu::cross_entropy<P, float>(rows, classes, x.data(), t.data(), fr.data());
    cpu::cross_entropy<P, S>(rows, classes, x.data(), t.data(), fs.data());
    const double g = gamma_n(static_cast<double>(classes));
    double sum_b = 0, sum_abs = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto ri = static_cast<std::size_t>(r);
      const std::vector<double> row(xv.begin() + r * classes, xv.begin() + (r + 1) * classes);
      const double m = row_max(row);
      double s = 0;
      for (double xi : row) s += std::exp(xi - m);
      const double l = std::log(s);
      const double b = std::log((1 + g) / (1 - g)) + 2 * u * (std::fabs(l) + std::fabs(m + l)) +
                       u * (std::fabs(fr[ri]) + std::fabs(rr[ri]));
      INFO("row " << r << ": fast " << num(fr[ri]) << ", ref " << num(rr[ri]) << ", bound "
                  << num(b));
      CHECK(std::fabs(fr[ri] - rr[ri]) <= b * margin);
      CHECK(same(val(fs[ri]), rnd<S>(fr[ri])));
      sum_b += b;
      sum_abs += std::fabs(fr[ri]) + std::fabs(rr[ri]);
      differing += fr[ri] != rr[ri];
    }
    const double rn = static_cast<double>(rows);
    const double bound =
        sum_b / rn + gamma_n(rn) * sum_abs / rn + u * (std::fabs(fast) + std::fabs(ref));
    INFO("mean: fast " << num(fast) << ", ref " << num(ref) << ", bound " << num(bound));
    CHECK(std::fabs(fast - ref) <= bound * margin);
  }
  {
    const std::int64_t n = rows * classes;
    const std::vector<S> a = make<S>(uniform(static_cast<std::size_t>(n), -4, 4, seed + 1));
    const std::vector<S> b = make<S>(uniform(static_cast<std::size_t>(n), -4, 4, seed + 2));
    const float ref = cpu::mse_reference<P, float>(n, a.data(), b.data());
    const float fast = cpu::mse<P, float>(n, a.data(), b.data());
    double sum_t = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double d = rnd<float>(val(a[i]) - val(b[i]));
      sum_t += rnd<float>(d * d);
    }
    const double nn = static_cast<double>(n);
    const double bound = 2 * gamma_n(nn) * sum_t / nn + u * (std::fabs(fast) + std::fabs(ref));
    INFO("mse n = " << n << ": fast " << num(fast) << ", ref " << num(ref) << ", bound "
                    << num(bound));
    CHECK(std::fabs(fast - ref) <= bound);
    CHECK(same(val(cpu::mse<P, S>(n, a.data(), b.data())), rnd<S>(fast)));
    differing += fast != ref;
  }
  return differing;
}

}  // namespace

TEST_SUITE("backend/cpu/loss") {
  TEST_CASE_TEMPLATE("cross_entropy and mse: reference = model", P, KERNEL_MODEL_PRECISIONS) {
    check_model<P>();
  }

  TEST_CASE_TEMPLATE("fast paths stay within the documented bounds", P, kernel_model::p_fp32,
                     kernel_model::p_bf16_fp32, kernel_model::p_fp16_fp32,
                     kernel_model::p_e4m3_fp32) {
    int differing = check_bounds<P>(16, 100, 1);
    differing += check_bounds<P>(4, 5000, 2);
    differing += check_bounds<P>(3, 17, 3);
    if (!std::is_same_v<P, p_e4m3_fp32>) CHECK(differing > 0);
  }

  TEST_CASE("a known value: uniform logits give log(classes)") {
    // Each row: lse = 0.5 + log 10 and loss = lse - 0.5, both exact in float; two rows add and
    // halve exactly.
    const std::vector<float> x(2 * 10, 0.5f);
    const std::vector<std::int64_t> t = {3, 9};
    CHECK(cpu::cross_entropy<p_fp32>(2, 10, x.data(), t.data()) ==
          static_cast<float>(std::log(10.0)));
    CHECK(cpu::cross_entropy_reference<p_fp32>(2, 10, x.data(), t.data()) ==
          static_cast<float>(std::log(10.0)));
    const std::vector<float> a = {1, 2, 3}, b = {1, 0, 6};
    CHECK(cpu::mse<p_fp32>(3, a.data(), b.data()) == 13.0f / 3.0f);
    CHECK(std::isnan(cpu::mse<p_fp32>(0, a.data(), b.data())));
  }

  TEST_CASE("the thread count changes no bit") {
    const std::int64_t rows = 64, classes = 1000;
    const std::vector<bf16> x = make<bf16>(uniform(rows * classes, -5, 5, 51));
    const std::vector<std::int64_t> t = labels_for(rows, classes, 52);
    std::vector<float> l1(rows), l2(rows);
    const float one = cpu::cross_entropy<p_bf16_fp32, float>(rows, classes, x.data(), t.data(),
                                                             l1.data(), cpu::execution{1});
    const float many = cpu::cross_entropy<p_bf16_fp32, float>(rows, classes, x.data(), t.data(),
                                                              l2.data(), cpu::execution{0});
    CHECK(same(one, many));
    for (std::size_t r = 0; r < l1.size(); ++r) CHECK(same(l1[r], l2[r]));
    const std::vector<bf16> y = make<bf16>(uniform(rows * classes, -5, 5, 53));
    CHECK(same(cpu::mse<p_bf16_fp32>(rows * classes, x.data(), y.data(), cpu::execution{1}),
               cpu::mse<p_bf16_fp32>(rows * classes, x.data(), y.data(), cpu::execution{3})));
  }

  TEST_CASE("bad labels and sizes throw, naming the op, and write nothing") {
    const std::vector<float> x(5 * 4, 0.0f);
    std::vector<float> losses(5, -7.0f);
    const std::vector<std::int64_t> t = {0, 1, 7, 2, 3};
    CHECK_THROWS_WITH_AS(
        (cpu::cross_entropy<p_fp32, float>(5, 4, x.data(), t.data(), losses.data())),
        doctest::Contains("cpu::cross_entropy: label 7 of row 2 is outside [0, 4)"),
        mixprec::error);
    const std::vector<std::int64_t> neg = {0, -1, 0, 0, 0};
    CHECK_THROWS_WITH_AS(
        (cpu::cross_entropy_reference<p_bf16, float>(5, 4, x.data(), neg.data(), losses.data())),
        doctest::Contains("label -1 of row 1"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::cross_entropy<p_fp32>(5, -4, x.data(), t.data())),
                         doctest::Contains("classes = -4 is negative"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::cross_entropy<p_fp32>(5, 4, x.data(), nullptr)),
                         doctest::Contains("labels is null"), mixprec::error);
    for (float v : losses) CHECK(v == -7.0f);
    CHECK_THROWS_WITH_AS((cpu::mse<p_fp32>(-3, x.data(), x.data())),
                         doctest::Contains("cpu::mse: n = -3 is negative"), mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::mse_reference<p_bf16>(3, x.data(), static_cast<const float*>(nullptr))),
        doctest::Contains("b is null"), mixprec::error);
  }
}
