// Tests of backend/cpu/elementwise.hpp: the reference kernels against the independent model of
// kernel_model.hpp for seven precision triples and several shapes (broadcast rows included);
// the fast paths against the reference bit for bit, on one thread and on several; bad
// arguments.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <mixprec/backend/cpu/elementwise.hpp>
#include <mixprec/mixprec.hpp>
#include <string>
#include <vector>

#include "backend/kernel_model.hpp"

namespace {

using namespace kernel_model;
namespace cpu = mixprec::cpu;
namespace ops = mixprec::ops;

constexpr std::int64_t sizes[] = {1, 3, 17, 33, 100};

template <class Op>
double model_unary(double x) {
  if constexpr (std::is_same_v<Op, ops::neg>) {
    return -x;
  } else if constexpr (std::is_same_v<Op, ops::relu>) {
    return x <= 0 ? 0.0 : x;
  } else if constexpr (std::is_same_v<Op, ops::exp>) {
    return f_exp(x);
  } else if constexpr (std::is_same_v<Op, ops::log>) {
    return f_log(x);
  } else if constexpr (std::is_same_v<Op, ops::tanh>) {
    return f_tanh(x);
  } else if constexpr (std::is_same_v<Op, ops::sigmoid>) {
    return f_sigmoid(x);
  } else {
    return f_gelu(x);
  }
}

template <class Op>
double model_binary(double a, double b) {
  if constexpr (std::is_same_v<Op, ops::add>) return a + b;
  if constexpr (std::is_same_v<Op, ops::sub>) return a - b;
  if constexpr (std::is_same_v<Op, ops::mul>) return a * b;
  if constexpr (std::is_same_v<Op, ops::div>) return a / b;
}

/// Inputs of a unary op: a spread of values, specials included (inputs are rounded into In).
template <class Op>
std::vector<double> unary_inputs(std::int64_t n, std::uint64_t seed) {
  std::vector<double> v = std::is_same_v<Op, ops::log>
                              ? uniform(static_cast<std::size_t>(n), 0.01, 50.0, seed)
                              : uniform(static_cast<std::size_t>(n), -6.0, 6.0, seed);
  const double inf = std::numeric_limits<double>::infinity();
  const double specials[] = {0.0, -0.0, inf, -inf, 1.0, -1e-3, 20.0};
  for (std::size_t i = 0; i < v.size() && i < 7; i += 2) v[i] = specials[(i + seed) % 7];
  return v;
}

template <class P, class Op, class In, class Out>
void check_unary(const std::string& name) {
  using C = typename P::compute;
  for (std::int64_t n : sizes) {
    const std::vector<In> x = make<In>(unary_inputs<Op>(n, 11 + static_cast<std::uint64_t>(n)));
    std::vector<Out> ref(x.size()), fast(x.size());
    cpu::unary_reference<P, Op>(n, x.data(), ref.data());
    cpu::unary<P, Op>(n, x.data(), fast.data());
    mismatches bad_ref, bad_fast;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double want = rnd<Out>(rnd<C>(model_unary<Op>(rnd<C>(val(x[i])))));
      if (!same(want, val(ref[i]))) {
        bad_ref.add("x = " + num(val(x[i])) + ": want " + num(want) + ", got " + num(val(ref[i])));
      }
      if (!same(val(ref[i]), val(fast[i]))) {
        bad_fast.add("x = " + num(val(x[i])) + ": ref " + num(val(ref[i])) + ", fast " +
                     num(val(fast[i])));
      }
    }
    bad_ref.check(name + " reference, n = " + std::to_string(n));
    bad_fast.check(name + " fast == reference, n = " + std::to_string(n));
  }
}

template <class P, class Op, class InA, class InB, class Out>
void check_binary(const std::string& name) {
  using C = typename P::compute;
  for (std::int64_t rows : {1, 3}) {
    for (std::int64_t cols : sizes) {
      for (cpu::broadcast bb : {cpu::broadcast::none, cpu::broadcast::row}) {
        const std::int64_t n = rows * cols;
        const std::int64_t nb = bb == cpu::broadcast::row ? cols : n;
        const auto seed = static_cast<std::uint64_t>(n * 7 + cols);
        std::vector<double> bv = uniform(static_cast<std::size_t>(nb), -3.0, 3.0, seed + 1);
        if (nb > 2) bv[2] = 0.0;  // division by zero: an infinity or NaN
        const std::vector<InA> a = make<InA>(uniform(static_cast<std::size_t>(n), -5, 5, seed));
        const std::vector<InB> b = make<InB>(bv);
        std::vector<Out> ref(a.size()), fast(a.size());
        cpu::binary_reference<P, Op>(rows, cols, a.data(), b.data(), bb, ref.data());
        cpu::binary<P, Op>(rows, cols, a.data(), b.data(), bb, fast.data());
        mismatches bad_ref, bad_fast;
        for (std::int64_t i = 0; i < n; ++i) {
          const auto k = static_cast<std::size_t>(i);
          const double bi =
              val(b[static_cast<std::size_t>(bb == cpu::broadcast::row ? i % cols : i)]);
          const double want = rnd<Out>(rnd<C>(model_binary<Op>(rnd<C>(val(a[k])), rnd<C>(bi))));
          if (!same(want, val(ref[k]))) {
            bad_ref.add(num(val(a[k])) + " op " + num(bi) + ": want " + num(want) + ", got " +
                        num(val(ref[k])));
          }
          if (!same(val(ref[k]), val(fast[k]))) {
            bad_fast.add("i = " + std::to_string(i) + ": ref " + num(val(ref[k])) + ", fast " +
                         num(val(fast[k])));
          }
        }
        const std::string where = name + " " + std::to_string(rows) + "x" + std::to_string(cols) +
                                  (bb == cpu::broadcast::row ? " (row broadcast)" : "");
        bad_ref.check(where + " reference");
        bad_fast.check(where + " fast == reference");
      }
    }
  }
}

template <class P, class Op>
void check_binary_scalar(const std::string& name) {
  using C = typename P::compute;
  using S = typename P::storage;
  for (std::int64_t n : sizes) {
    const std::vector<S> a = make<S>(uniform(static_cast<std::size_t>(n), -5, 5, 3));
    for (double s : {0.75, -3.1, 0.0}) {
      std::vector<S> ref(a.size()), fast(a.size());
      cpu::binary_scalar_reference<P, Op>(n, a.data(), s, ref.data());
      cpu::binary_scalar<P, Op>(n, a.data(), s, fast.data());
      mismatches bad;
      for (std::size_t i = 0; i < a.size(); ++i) {
        const double want = rnd<S>(rnd<C>(model_binary<Op>(rnd<C>(val(a[i])), rnd<C>(s))));
        if (!same(want, val(ref[i]))) bad.add("reference: a = " + num(val(a[i])));
        if (!same(val(ref[i]), val(fast[i]))) bad.add("fast: a = " + num(val(a[i])));
      }
      bad.check(name + " scalar " + num(s) + ", n = " + std::to_string(n));
    }
  }
}

}  // namespace

TEST_SUITE("backend/cpu/elementwise") {
  TEST_CASE_TEMPLATE("unary ops: reference = model, fast = reference", P, KERNEL_MODEL_PRECISIONS) {
    using S = typename P::storage;
    check_unary<P, ops::neg, S, S>("neg");
    check_unary<P, ops::relu, S, S>("relu");
    check_unary<P, ops::exp, S, S>("exp");
    check_unary<P, ops::log, S, S>("log");
    check_unary<P, ops::tanh, S, S>("tanh");
    check_unary<P, ops::sigmoid, S, S>("sigmoid");
    check_unary<P, ops::gelu, S, S>("gelu");
  }

  TEST_CASE_TEMPLATE("binary ops with and without a broadcast row", P, KERNEL_MODEL_PRECISIONS) {
    using S = typename P::storage;
    check_binary<P, ops::add, S, S, S>("add");
    check_binary<P, ops::sub, S, S, S>("sub");
    check_binary<P, ops::mul, S, S, S>("mul");
    check_binary<P, ops::div, S, S, S>("div");
  }

  TEST_CASE_TEMPLATE("binary ops with a scalar", P, KERNEL_MODEL_PRECISIONS) {
    check_binary_scalar<P, ops::add>("add");
    check_binary_scalar<P, ops::sub>("sub");
    check_binary_scalar<P, ops::mul>("mul");
    check_binary_scalar<P, ops::div>("div");
  }

  TEST_CASE("input and output types other than the storage type") {
    // float in, bfloat16 out, bf16 compute: three roundings the model follows step by step.
    check_unary<p_bf16, ops::exp, float, float>("exp float->float, bf16 compute");
    check_unary<p_bf16_fp32, ops::sigmoid, float, bf16>("sigmoid float->bf16");
    check_unary<p_fp32, ops::tanh, double, fp16>("tanh double->fp16");
    check_binary<p_bf16_fp32, ops::mul, float, bf16, e4m3>("mul float*bf16->e4m3");
    check_binary<p_fp16, ops::add, bf16, float, float>("add bf16+float, fp16 compute");
  }

  TEST_CASE("a value in fp32 storage keeps its low bits where bf16 compute drops them") {
    // 1 + 2^-10 is a float; with bf16 compute it is read as 1 (round to nearest even).
    const float x[] = {1.0f + 0x1p-10f};
    float y32[1] = {}, y16[1] = {};
    cpu::binary_scalar_reference<p_fp32, ops::mul>(1, x, 1.0, y32);
    cpu::binary_scalar_reference<mixprec::precision<float, bf16, bf16>, ops::mul>(1, x, 1.0, y16);
    CHECK(y32[0] == 1.0f + 0x1p-10f);
    CHECK(y16[0] == 1.0f);
  }

  TEST_CASE("in place: y may be x") {
    std::vector<bf16> x = make<bf16>(uniform(50, -2, 2, 5));
    std::vector<bf16> want(x.size());
    cpu::unary_reference<p_bf16_fp32, ops::tanh>(50, x.data(), want.data());
    cpu::unary<p_bf16_fp32, ops::tanh>(50, x.data(), x.data());
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(x[i].bits() == want[i].bits());
  }

  TEST_CASE("the thread count changes no bit") {
    const std::int64_t rows = 70, cols = 1001;  // 70070 elements: several tiles per thread
    const std::vector<bf16> a = make<bf16>(uniform(rows * cols, -4, 4, 21));
    const std::vector<float> b = make<float>(uniform(cols, -4, 4, 22));
    std::vector<bf16> one(a.size()), many(a.size()), ref(a.size());
    cpu::binary<p_bf16_fp32, ops::div>(rows, cols, a.data(), b.data(), cpu::broadcast::row,
                                       one.data(), cpu::execution{1});
    cpu::binary<p_bf16_fp32, ops::div>(rows, cols, a.data(), b.data(), cpu::broadcast::row,
                                       many.data(), cpu::execution{0});
    cpu::binary_reference<p_bf16_fp32, ops::div>(rows, cols, a.data(), b.data(),
                                                 cpu::broadcast::row, ref.data());
    int diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      diff += one[i].bits() != many[i].bits() || one[i].bits() != ref[i].bits();
    }
    CHECK(diff == 0);

    std::vector<float> u1(a.size()), u2(a.size()), u0(a.size());
    cpu::unary<p_bf16_fp32, ops::gelu>(rows * cols, a.data(), u1.data(), cpu::execution{1});
    cpu::unary<p_bf16_fp32, ops::gelu>(rows * cols, a.data(), u2.data(), cpu::execution{3});
    cpu::unary_reference<p_bf16_fp32, ops::gelu>(rows * cols, a.data(), u0.data());
    diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff += !same(u1[i], u2[i]) || !same(u1[i], u0[i]);
    CHECK(diff == 0);
  }

  TEST_CASE("bad arguments throw, naming the op, and write nothing") {
    std::vector<float> x(6, 1.0f), y(6, -7.0f);
    auto untouched = [&] {
      for (float v : y) CHECK(v == -7.0f);
    };
    CHECK_THROWS_WITH_AS((cpu::unary<p_fp32, ops::exp>(-1, x.data(), y.data())),
                         doctest::Contains("cpu::unary: n = -1 is negative"), mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::unary_reference<p_bf16, ops::exp>(3, x.data(), static_cast<float*>(nullptr))),
        doctest::Contains("y is null"), mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::binary<p_fp32, ops::add>(2, -3, x.data(), x.data(), cpu::broadcast::none, y.data())),
        doctest::Contains("cpu::binary: cols = -3 is negative"), mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::binary<p_fp32, ops::add>(2, 3, x.data(), static_cast<const float*>(nullptr),
                                       cpu::broadcast::row, y.data())),
        doctest::Contains("b is null but 3 elements"), mixprec::error);
    // rows x cols does not fit in 64 bits (a runtime value, so that the compiler does not
    // reason about the loop that the check prevents).
    volatile std::int64_t opaque = std::int64_t{1} << 40;
    const std::int64_t huge = opaque;
    CHECK_THROWS_AS((cpu::binary_reference<p_bf16, ops::add>(huge, huge, x.data(), x.data(),
                                                             cpu::broadcast::none, y.data())),
                    mixprec::error);
    CHECK_THROWS_AS((cpu::binary_scalar<p_fp32, ops::add>(-2, x.data(), 1.0, y.data())),
                    mixprec::error);
    untouched();
    // Zero sizes are fine, null pointers included.
    cpu::unary<p_fp32, ops::exp>(0, static_cast<const float*>(nullptr),
                                 static_cast<float*>(nullptr));
    cpu::binary<p_bf16, ops::add>(0, 5, static_cast<const float*>(nullptr),
                                  static_cast<const float*>(nullptr), cpu::broadcast::row,
                                  static_cast<float*>(nullptr));
  }
}
