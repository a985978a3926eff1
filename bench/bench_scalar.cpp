// Scalar use of half and bfloat16 beside float in the same run: element-by-element conversion
// from float, and the loop y[i] = a[i] * b[i] + c[i] (two roundings per element for the
// low-precision types, as their operators round every result). 4096 elements, L1-resident.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <mixprec/mixprec.hpp>
#include <random>
#include <vector>

namespace {

constexpr std::size_t n = 4096;

std::vector<float> random_floats(unsigned seed) {
  std::vector<float> v(n);
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  for (auto& x : v) x = dist(gen);
  return v;
}

template <class T>
std::vector<T> random_values(unsigned seed) {
  const std::vector<float> f = random_floats(seed);
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = T(f[i]);
  return v;
}

/// y[i] = T(x[i]) one element at a time (float: a copy).
template <class T>
void bm_scalar_convert(benchmark::State& state) {
  const std::vector<float> x = random_floats(1);
  std::vector<T> y(n);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) y[i] = T(x[i]);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

/// y[i] = a[i] * b[i] + c[i].
template <class T>
void bm_mul_add(benchmark::State& state) {
  const std::vector<T> a = random_values<T>(1), b = random_values<T>(2), c = random_values<T>(3);
  std::vector<T> y(n);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) y[i] = a[i] * b[i] + c[i];
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}

using mixprec::bfloat16;
using mixprec::half;

}  // namespace

BENCHMARK(bm_scalar_convert<float>);
BENCHMARK(bm_scalar_convert<half>);
BENCHMARK(bm_scalar_convert<bfloat16>);
BENCHMARK(bm_mul_add<float>);
BENCHMARK(bm_mul_add<half>);
BENCHMARK(bm_mul_add<bfloat16>);
