// Tests of backend/cpu/reduce.hpp: the reference against the independent model of
// kernel_model.hpp (any axis: outer x length x inner), the stagnation of a bfloat16 accumulator,
// the fast path against the reference (bit for bit across `inner`, within the documented bound
// along rows), thread-count independence, bad arguments.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <mixprec/backend/cpu/reduce.hpp>
#include <mixprec/mixprec.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "backend/kernel_model.hpp"

namespace {

using namespace kernel_model;
namespace cpu = mixprec::cpu;
namespace ops = mixprec::ops;

struct shape {
  std::int64_t outer, length, inner;
};
constexpr shape shapes[] = {{1, 1, 1},   {1, 3, 1},  {2, 17, 1}, {3, 33, 1}, {1, 100, 1},
                            {2, 100, 3}, {2, 5, 17}, {3, 1, 33}, {1, 0, 4},  {0, 5, 2}};

template <class P, class Op>
std::vector<double> model_reduce(const shape& s, const std::vector<double>& x) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  std::vector<double> y;
  for (std::int64_t o = 0; o < s.outer; ++o) {
    for (std::int64_t j = 0; j < s.inner; ++j) {
      double acc = 0.0;
      for (std::int64_t l = 0; l < s.length; ++l) {
        acc = rnd<A>(acc + rnd<C>(x[static_cast<std::size_t>((o * s.length + l) * s.inner + j)]));
      }
      if constexpr (std::is_same_v<Op, ops::mean>) {
        y.push_back(rnd<C>(rnd<C>(acc) / rnd<C>(static_cast<double>(s.length))));
      } else {
        y.push_back(acc);
      }
    }
  }
  return y;
}

template <class P, class Op>
void check_model(const char* name) {
  using S = typename P::storage;
  for (const shape& s : shapes) {
    const std::size_t n = static_cast<std::size_t>(s.outer * s.length * s.inner);
    const std::vector<S> x = make<S>(uniform(n, -3, 5, n + 1));
    const std::vector<double> want = model_reduce<P, Op>(s, values(x));
    std::vector<S> ref(want.size()), fast(want.size());
    cpu::reduce_reference<P, Op>(s.outer, s.length, s.inner, x.data(), ref.data());
    cpu::reduce<P, Op>(s.outer, s.length, s.inner, x.data(), fast.data());
    mismatches bad;
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (!same(rnd<S>(want[i]), val(ref[i]))) {
        bad.add("reference, output " + std::to_string(i) + ": want " + num(rnd<S>(want[i])) +
                ", got " + num(val(ref[i])));
      }
      // Bit for bit where nothing reorders: other precisions, inner > 1, rows of <= 1 term.
      if ((!fast_float<P> || s.inner > 1 || s.length <= 1) && !same(val(ref[i]), val(fast[i]))) {
        bad.add("fast, output " + std::to_string(i) + ": ref " + num(val(ref[i])) + ", fast " +
                num(val(fast[i])));
      }
    }
    bad.check(std::string(name) + " " + std::to_string(s.outer) + "x" + std::to_string(s.length) +
              "x" + std::to_string(s.inner));
  }
}

/// Fast vs reference along rows (inner == 1) with float results, against the documented bound;
/// the fast result in storage is the float result rounded once.
template <class P, class Op>
int check_bound(std::int64_t outer, std::int64_t length, std::uint64_t seed) {
  using S = typename P::storage;
  // Mixed signs and magnitudes, so that the order of the sum shows.
  std::vector<double> raw = uniform(static_cast<std::size_t>(outer * length), -1, 1, seed);
  for (std::size_t i = 0; i < raw.size(); ++i)
    raw[i] *= std::ldexp(1.0, static_cast<int>(i % 7));  // up to 64: within e4m3's range
  const std::vector<S> x = make<S>(raw);
  const std::vector<double> xv = values(x);
  std::vector<float> ref(static_cast<std::size_t>(outer)), fast(ref.size());
  std::vector<S> fast_s(ref.size());
  cpu::reduce_reference<P, Op>(outer, length, 1, x.data(), ref.data());
  cpu::reduce<P, Op>(outer, length, 1, x.data(), fast.data());
  cpu::reduce<P, Op>(outer, length, 1, x.data(), fast_s.data());
  int differing = 0;
  for (std::int64_t o = 0; o < outer; ++o) {
    double sum_abs = 0;
    for (std::int64_t l = 0; l < length; ++l) {
      sum_abs += std::fabs(xv[static_cast<std::size_t>(o * length + l)]);
    }
    const auto k = static_cast<std::size_t>(o);
    const double f = fast[k], r = ref[k], n = static_cast<double>(length);
    double bound = 2 * gamma_n(n) * sum_abs;
    if (std::is_same_v<Op, ops::mean>) bound = bound / n + unit * (std::fabs(f) + std::fabs(r));
    INFO("row " << o << ", length " << length << ": fast " << num(f) << ", ref " << num(r)
                << ", bound " << num(bound));
    CHECK(std::fabs(f - r) <= bound);
    CHECK(same(val(fast_s[k]), rnd<S>(f)));
    differing += f != r;
  }
  return differing;
}

}  // namespace

TEST_SUITE("backend/cpu/reduce") {
  TEST_CASE_TEMPLATE("sum and mean: reference = model, fast = reference where nothing reorders", P,
                     KERNEL_MODEL_PRECISIONS) {
    check_model<P, ops::sum>("sum");
    check_model<P, ops::mean>("mean");
  }

  TEST_CASE("a bfloat16 accumulator stagnates; a float accumulator does not") {
    // 1 + 1000 terms of 2^-9: each term is a quarter of bfloat16's unit at 1, so every partial
    // sum rounds back to 1 (swamping); in float every partial sum is exact.
    std::vector<float> x(1001, 0x1p-9f);
    x[0] = 1.0f;
    float y_bf16 = -1, y_fp32 = -1, y_fast = -1;
    cpu::reduce<mixprec::precision<float, float, bf16>, ops::sum>(1, 1001, 1, x.data(), &y_bf16);
    cpu::reduce_reference<p_fp32, ops::sum>(1, 1001, 1, x.data(), &y_fp32);
    cpu::reduce<p_fp32, ops::sum>(1, 1001, 1, x.data(), &y_fast);
    CHECK(y_bf16 == 1.0f);
    CHECK(y_fp32 == 2.953125f);
    CHECK(y_fp32 == 1.0f + 1000 * 0x1p-9f);
    CHECK(y_fast == 2.953125f);  // exact in any order
    // The mean with a bf16 accumulator: 1 / 1001, rounded into float compute.
    float m = -1;
    cpu::reduce<mixprec::precision<float, float, bf16>, ops::mean>(1, 1001, 1, x.data(), &m);
    CHECK(m == 1.0f / 1001.0f);
  }

  TEST_CASE_TEMPLATE("fast sums along rows stay within the documented bound", P,
                     kernel_model::p_fp32, kernel_model::p_bf16_fp32, kernel_model::p_fp16_fp32,
                     kernel_model::p_e4m3_fp32) {
    int differing = check_bound<P, ops::sum>(3, 5000, 1);
    differing += check_bound<P, ops::mean>(3, 5000, 2);
    differing += check_bound<P, ops::sum>(2, 17, 3);
    differing += check_bound<P, ops::mean>(4, 2049, 4);
    // The order of the sums shows (e4m3 terms are too coarse to round: every order is exact).
    if (!std::is_same_v<P, p_e4m3_fp32>) CHECK(differing > 0);
  }

  TEST_CASE("the thread count changes no bit") {
    const std::vector<bf16> x = make<bf16>(uniform(16 * 5000, -2, 3, 9));
    for (std::int64_t inner : {std::int64_t{1}, std::int64_t{400}}) {
      const std::int64_t outer = 16 * 5000 / (50 * inner), length = 50;
      const std::int64_t l = inner == 1 ? 5000 : length;
      const std::int64_t o = inner == 1 ? 16 : outer;
      std::vector<float> one(static_cast<std::size_t>(o * inner)), many(one.size()),
          ref(one.size());
      cpu::reduce<p_bf16_fp32, ops::sum>(o, l, inner, x.data(), one.data(), cpu::execution{1});
      cpu::reduce<p_bf16_fp32, ops::sum>(o, l, inner, x.data(), many.data(), cpu::execution{0});
      cpu::reduce_reference<p_bf16_fp32, ops::sum>(o, l, inner, x.data(), ref.data());
      int diff = 0, diff_ref = 0;
      for (std::size_t i = 0; i < one.size(); ++i) {
        diff += !same(one[i], many[i]);
        diff_ref += !same(one[i], ref[i]);
      }
      CHECK(diff == 0);
      if (inner > 1) CHECK(diff_ref == 0);  // across inner the order is the reference's
    }
  }

  TEST_CASE("bad arguments throw, naming the op, and write nothing") {
    std::vector<float> x(6, 1.0f), y(6, -7.0f);
    CHECK_THROWS_WITH_AS((cpu::reduce<p_fp32, ops::sum>(1, -2, 1, x.data(), y.data())),
                         doctest::Contains("cpu::reduce: length = -2 is negative"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::reduce_reference<p_bf16, ops::mean>(-1, 2, 1, x.data(), y.data())),
                         doctest::Contains("outer = -1"), mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::reduce<p_fp32, ops::sum>(2, 3, 1, static_cast<const float*>(nullptr), y.data())),
        doctest::Contains("x is null but 6 elements"), mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::reduce<p_bf16_fp32, ops::sum>(2, 3, 1, x.data(), static_cast<float*>(nullptr))),
        doctest::Contains("y is null but 2 elements"), mixprec::error);
    for (float v : y) CHECK(v == -7.0f);
  }
}
