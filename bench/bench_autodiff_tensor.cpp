// Tensor tape: the per-op overhead beyond the kernel time, on 1x1 tensors (target: under 1 us).
//
// Each benchmark runs a chain of `chain` ops of one kind twice per iteration, interleaved so
// that both see the same machine load:
//  - direct: the forward op of ops/tensor_ops.hpp and its backward kernels
//    (backend/cpu/backward.hpp, gemm), called by hand on tensors allocated as the tape does;
//  - tape: the same ops recorded on a tape<fp32> (nodes, checks, casts cache, gradient
//    accumulation) and swept by backward, plus one clear() per chain.
// Counters: direct_ns and tape_ns per op, and overhead_ns = tape_ns - direct_ns.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "mixprec/autodiff/functional.hpp"
#include "mixprec/autodiff/tape.hpp"
#include "mixprec/backend/cpu/backward.hpp"
#include "mixprec/ops/tensor_ops.hpp"
#include "mixprec/policy/presets.hpp"

namespace {

using namespace mixprec;
using P = presets::fp32;
using PF = precision_for<P, ops::matmul>;  // precision<float>: every op's, under fp32
using tape_t = tape<P>;
using clock_type = std::chrono::steady_clock;

constexpr int chain = 32;
const std::vector<std::int64_t> label0{0};

template <class Direct, class Taped>
void measure(benchmark::State& state, Direct direct, Taped taped) {
  tape_t t;
  double direct_ns = 0, tape_ns = 0;
  for (auto _ : state) {
    const auto t0 = clock_type::now();
    direct();
    const auto t1 = clock_type::now();
    t.clear();
    taped(t);
    const auto t2 = clock_type::now();
    direct_ns += std::chrono::duration<double, std::nano>(t1 - t0).count();
    tape_ns += std::chrono::duration<double, std::nano>(t2 - t1).count();
  }
  const double n = static_cast<double>(state.iterations()) * chain;
  state.counters["direct_ns"] = direct_ns / n;
  state.counters["tape_ns"] = tape_ns / n;
  state.counters["overhead_ns"] = (tape_ns - direct_ns) / n;
}

const tensor<float> one = tensor<float>::full({1, 1}, 0.75f);
const tensor<float> scalar = tensor<float>::full(shape{}, 0.75f);

/// A chain y = f(y) (or f(y, w)) of `chain` ops on the tape, swept from the end.
template <class F>
auto taped_chain(const tensor<float>& start, F f) {
  return [&start, f](tape_t& t) {
    auto w = t.parameter(start);
    auto y = f(t.variable(start), w);
    for (int i = 1; i < chain; ++i) y = f(y, w);
    t.backward(y);
    if (w.has_grad()) benchmark::DoNotOptimize(w.grad().data());
  };
}

template <class Op>
void unary_direct(const tensor<float>& x) {
  for (int i = 0; i < chain; ++i) {
    tensor<float> y;
    if constexpr (std::is_same_v<Op, ops::relu>) y = relu<P>(x);
    if constexpr (std::is_same_v<Op, ops::tanh>) y = mixprec::tanh<P>(x);
    if constexpr (std::is_same_v<Op, ops::exp>) y = mixprec::exp<P>(x);
    const auto dy = tensor<float>::full(x.shape(), 1.0f);
    auto dx = tensor<float>::uninitialized(x.shape());
    cpu::unary_backward<PF, Op>(1, x.data(), y.data(), dy.data(), dx.data());
    benchmark::DoNotOptimize(dx.data());
  }
}

/// The tape op of tag Op.
template <class Op, class V>
auto unary_on_tape(const V& y) {
  if constexpr (std::is_same_v<Op, ops::relu>) {
    return ad::relu(y);
  } else if constexpr (std::is_same_v<Op, ops::tanh>) {
    return ad::tanh(y);
  } else {
    return ad::exp(y);
  }
}

template <class Op>
void bm_unary(benchmark::State& state) {
  measure(
      state, [] { unary_direct<Op>(one); },
      taped_chain(one, [](auto y, auto) { return unary_on_tape<Op>(y); }));
}

void bm_matmul(benchmark::State& state) {
  measure(
      state,
      [] {
        for (int i = 0; i < chain; ++i) {
          auto y = matmul<P>(one, one);
          const auto dy = tensor<float>::full(y.shape(), 1.0f);
          auto da =
              matmul<P, pass::backward_data>(dy, one, cpu::transpose::no, cpu::transpose::yes);
          auto db =
              matmul<P, pass::backward_weight>(one, dy, cpu::transpose::yes, cpu::transpose::no);
          benchmark::DoNotOptimize(da.data());
          benchmark::DoNotOptimize(db.data());
        }
      },
      taped_chain(one, [](auto y, auto w) { return ad::matmul(y, w); }));
}

void bm_add(benchmark::State& state) {
  measure(
      state,
      [] {
        for (int i = 0; i < chain; ++i) {
          auto y = add<P>(one, one);
          const auto dy = tensor<float>::full(y.shape(), 1.0f);
          tensor<float> da(dy), db(dy);  // the tape copies the first gradient it receives
          benchmark::DoNotOptimize(da.data());
          benchmark::DoNotOptimize(db.data());
        }
      },
      taped_chain(one, [](auto y, auto w) { return ad::add(y, w); }));
}

void bm_mul(benchmark::State& state) {
  measure(
      state,
      [] {
        for (int i = 0; i < chain; ++i) {
          auto y = mul<P>(one, one);
          const auto dy = tensor<float>::full(y.shape(), 1.0f);
          auto da = mul<P, pass::backward_data>(dy, one);
          auto db = mul<P, pass::backward_weight>(dy, one);
          benchmark::DoNotOptimize(da.data());
          benchmark::DoNotOptimize(db.data());
        }
      },
      taped_chain(one, [](auto y, auto w) { return ad::mul(y, w); }));
}

void bm_sum(benchmark::State& state) {
  measure(
      state,
      [] {
        for (int i = 0; i < chain; ++i) {
          auto y = sum<P>(scalar);
          const auto dy = tensor<float>::full(y.shape(), 1.0f);
          auto dx = tensor<float>::uninitialized(scalar.shape());
          dx.data()[0] = dy.data()[0];
          benchmark::DoNotOptimize(dx.data());
        }
      },
      taped_chain(scalar, [](auto y, auto) { return ad::sum(y); }));
}

void bm_softmax(benchmark::State& state) {
  measure(
      state,
      [] {
        for (int i = 0; i < chain; ++i) {
          auto y = softmax<P>(one);
          const auto dy = tensor<float>::full(y.shape(), 1.0f);
          auto dx = tensor<float>::uninitialized(one.shape());
          cpu::softmax_backward<PF>(1, 1, y.data(), dy.data(), dx.data());
          benchmark::DoNotOptimize(dx.data());
        }
      },
      taped_chain(one, [](auto y, auto) { return ad::softmax(y); }));
}

void bm_layer_norm(benchmark::State& state) {
  measure(
      state,
      [] {
        for (int i = 0; i < chain; ++i) {
          auto y = tensor<float>::uninitialized(one.shape());
          auto mean = tensor<float>::uninitialized({1});
          auto rstd = tensor<float>::uninitialized({1});
          cpu::layer_norm<PF, float, float, float, float>(1, 1, one.data(), nullptr, nullptr, 1e-5,
                                                          y.data(), mean.data(), rstd.data());
          const auto dy = tensor<float>::full(y.shape(), 1.0f);
          auto dx = tensor<float>::uninitialized(one.shape());
          cpu::layer_norm_backward<PF, float, float, float, float, float, float>(
              1, 1, one.data(), nullptr, mean.data(), rstd.data(), dy.data(), dx.data());
          benchmark::DoNotOptimize(dx.data());
        }
      },
      taped_chain(one, [](auto y, auto) { return ad::layer_norm(y); }));
}

void bm_cross_entropy(benchmark::State& state) {
  measure(
      state,
      [] {
        for (int i = 0; i < chain; ++i) {
          auto y = cross_entropy<P>(scalar, label0);
          auto dx = tensor<float>::uninitialized(scalar.shape());
          cpu::cross_entropy_backward<PF>(1, 1, scalar.data(), label0.data(), 1.0f, dx.data());
          benchmark::DoNotOptimize(dx.data());
        }
      },
      taped_chain(scalar, [](auto y, auto) { return ad::cross_entropy(y, label0); }));
}

void bm_mse(benchmark::State& state) {
  measure(
      state,
      [] {
        for (int i = 0; i < chain; ++i) {
          auto y = mse<P>(scalar, scalar);
          auto da = tensor<float>::uninitialized(scalar.shape());
          auto db = tensor<float>::uninitialized(scalar.shape());
          cpu::mse_backward<PF>(1, scalar.data(), scalar.data(), 1.0f, da.data(), db.data());
          benchmark::DoNotOptimize(da.data());
        }
      },
      taped_chain(scalar, [](auto y, auto w) { return ad::mse(y, w); }));
}

BENCHMARK(bm_matmul);
BENCHMARK(bm_add);
BENCHMARK(bm_mul);
BENCHMARK(bm_unary<ops::relu>)->Name("bm_relu");
BENCHMARK(bm_unary<ops::tanh>)->Name("bm_tanh");
BENCHMARK(bm_unary<ops::exp>)->Name("bm_exp");
BENCHMARK(bm_sum);
BENCHMARK(bm_softmax);
BENCHMARK(bm_layer_norm);
BENCHMARK(bm_cross_entropy);
BENCHMARK(bm_mse);

}  // namespace
