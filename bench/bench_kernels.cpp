// CPU kernels other than GEMM (backend/cpu/{softmax,norm,elementwise}.hpp): the fast paths beside
// their reference loops, in the same run. Quote the ratio fast / reference.
//
// Shapes: 256 rows of 1024 (a transformer activation block). Threads: state.range(1) (1, or 0
// for all that OpenMP offers).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <mixprec/backend/cpu/elementwise.hpp>
#include <mixprec/backend/cpu/norm.hpp>
#include <mixprec/backend/cpu/softmax.hpp>
#include <mixprec/mixprec.hpp>
#include <random>
#include <vector>

namespace {

namespace cpu = mixprec::cpu;
using mixprec::bfloat16;
using p_fp32 = mixprec::precision<float, float, float>;
using p_bf16_fp32 = mixprec::precision<bfloat16, float, float>;

constexpr std::int64_t rows = 256;
constexpr std::int64_t cols = 1024;

template <class T>
std::vector<T> random_values(std::size_t n) {
  std::mt19937 gen(42);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  std::vector<T> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) v.push_back(static_cast<T>(dist(gen)));
  return v;
}

void set_counters(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * rows * cols);
}

template <class P>
void bm_softmax_reference(benchmark::State& state) {
  using S = typename P::storage;
  const auto x = random_values<S>(rows * cols);
  std::vector<S> y(x.size());
  for (auto _ : state) {
    cpu::softmax_reference<P>(rows, cols, x.data(), y.data());
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(state);
}

template <class P>
void bm_softmax_fast(benchmark::State& state) {
  using S = typename P::storage;
  const auto x = random_values<S>(rows * cols);
  std::vector<S> y(x.size());
  const cpu::execution exec{static_cast<int>(state.range(0))};
  for (auto _ : state) {
    cpu::softmax<P>(rows, cols, x.data(), y.data(), exec);
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(state);
}

template <class P>
void bm_layer_norm_reference(benchmark::State& state) {
  using S = typename P::storage;
  const auto x = random_values<S>(rows * cols);
  const auto g = random_values<S>(cols);
  std::vector<S> y(x.size());
  for (auto _ : state) {
    cpu::layer_norm_reference<P>(rows, cols, x.data(), g.data(), g.data(), 1e-5, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(state);
}

template <class P>
void bm_layer_norm_fast(benchmark::State& state) {
  using S = typename P::storage;
  const auto x = random_values<S>(rows * cols);
  const auto g = random_values<S>(cols);
  std::vector<S> y(x.size());
  const cpu::execution exec{static_cast<int>(state.range(0))};
  for (auto _ : state) {
    cpu::layer_norm<P>(rows, cols, x.data(), g.data(), g.data(), 1e-5, y.data(), nullptr, nullptr,
                       exec);
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(state);
}

template <class P>
void bm_add_row_reference(benchmark::State& state) {
  using S = typename P::storage;
  const auto x = random_values<S>(rows * cols);
  const auto b = random_values<S>(cols);
  std::vector<S> y(x.size());
  for (auto _ : state) {
    cpu::binary_reference<P, mixprec::ops::add>(rows, cols, x.data(), b.data(), cpu::broadcast::row,
                                                y.data());
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(state);
}

template <class P>
void bm_add_row_fast(benchmark::State& state) {
  using S = typename P::storage;
  const auto x = random_values<S>(rows * cols);
  const auto b = random_values<S>(cols);
  std::vector<S> y(x.size());
  const cpu::execution exec{static_cast<int>(state.range(0))};
  for (auto _ : state) {
    cpu::binary<P, mixprec::ops::add>(rows, cols, x.data(), b.data(), cpu::broadcast::row, y.data(),
                                      exec);
    benchmark::DoNotOptimize(y.data());
  }
  set_counters(state);
}

}  // namespace

BENCHMARK(bm_softmax_reference<p_fp32>);
BENCHMARK(bm_softmax_fast<p_fp32>)->Arg(1)->Arg(0);
BENCHMARK(bm_softmax_reference<p_bf16_fp32>);
BENCHMARK(bm_softmax_fast<p_bf16_fp32>)->Arg(1)->Arg(0);
BENCHMARK(bm_layer_norm_reference<p_fp32>);
BENCHMARK(bm_layer_norm_fast<p_fp32>)->Arg(1)->Arg(0);
BENCHMARK(bm_layer_norm_reference<p_bf16_fp32>);
BENCHMARK(bm_layer_norm_fast<p_bf16_fp32>)->Arg(1)->Arg(0);
BENCHMARK(bm_add_row_reference<p_bf16_fp32>);
BENCHMARK(bm_add_row_fast<p_bf16_fp32>)->Arg(1)->Arg(0);
