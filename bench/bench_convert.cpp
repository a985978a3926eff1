// Bulk conversion throughput (format/bulk.hpp) beside memcpy in the same run.
//
// bytes_per_second counts bytes read plus bytes written, for the conversions and for memcpy
// alike (memcpy of n floats moves 8n bytes; float -> half moves 6n), so the ratio of the two
// figures says how close a conversion comes to memory speed. items_per_second is elements.
// Sizes: 4096 elements (L1-resident) and 16 Mi elements (64 MiB of floats).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <mixprec/format/bulk.hpp>
#include <mixprec/mixprec.hpp>
#include <random>
#include <vector>

namespace {

constexpr std::int64_t l1_elements = 4096;
constexpr std::int64_t big_elements = std::int64_t{16} << 20;

std::vector<float> random_floats(std::size_t n) {
  std::vector<float> v(n);
  std::mt19937 gen(42);
  std::normal_distribution<float> dist(0.0f, 8.0f);
  for (auto& x : v) x = dist(gen);
  return v;
}

void bm_memcpy(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<float> src = random_floats(n);
  std::vector<float> dst(n);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), n * sizeof(float));
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(n * 2 * sizeof(float)));
}

template <class To, class From>
void bm_convert(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<float> floats = random_floats(n);
  std::vector<From> src(n);
  mixprec::convert(floats, src);
  std::vector<To> dst(n);
  for (auto _ : state) {
    mixprec::convert(src, dst);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(n * (sizeof(From) + sizeof(To))));
}

using mixprec::bfloat16;
using mixprec::float8_e4m3;
using mixprec::half;

}  // namespace

BENCHMARK(bm_memcpy)->Arg(l1_elements)->Arg(big_elements);
BENCHMARK(bm_convert<half, float>)->Arg(l1_elements)->Arg(big_elements);
BENCHMARK(bm_convert<float, half>)->Arg(l1_elements)->Arg(big_elements);
BENCHMARK(bm_convert<bfloat16, float>)->Arg(l1_elements)->Arg(big_elements);
BENCHMARK(bm_convert<float, bfloat16>)->Arg(l1_elements)->Arg(big_elements);
BENCHMARK(bm_convert<float8_e4m3, float>)->Arg(l1_elements)->Arg(big_elements);
BENCHMARK(bm_convert<float, float8_e4m3>)->Arg(l1_elements)->Arg(big_elements);
