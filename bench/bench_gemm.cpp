// CPU GEMM throughput (backend/cpu/gemm.hpp) beside OpenBLAS cblas_sgemm in the same run.
//
// GFLOP/s counts 2 m n k floating-point operations per call. Names read
//   gemm/<variant>/t<threads>/<shape>      mixprec::cpu::gemm
//   openblas_sgemm/t<threads>/<shape>      the baseline (when OpenBLAS was found)
// with t1 one thread and tall every thread OpenMP offers, and <shape> either the square size or
// m x k x n for the MLP shapes (256 x 784 by 784 x 1024, 256 x 1024 by 1024 x 1024).
// Variants: fp32 (float operands, fp32 policy), bf16 / fp16 / e4m3 (operands in that format,
// fp32 compute and accumulate, C in float), and bf16_exact (gemm_exact: the bit-exact path that
// widens bf16 to float). Pick subsets with --benchmark_filter, e.g. 'fp32/t1|openblas_sgemm/t1'.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <mixprec/backend/cpu/gemm.hpp>
#include <mixprec/mixprec.hpp>
#include <random>
#include <string>
#include <vector>

#if defined(MIXPREC_BENCH_HAVE_OPENBLAS)
#include <cblas.h>
extern "C" void openblas_set_num_threads(int);
#endif

namespace {

using mixprec::precision;
using mixprec::cpu::transpose;

struct shape {
  std::int64_t m, k, n;
  std::string name;
};

std::vector<shape> shapes() {
  std::vector<shape> s;
  for (std::int64_t d : {256, 512, 1024, 2048}) s.push_back({d, d, d, std::to_string(d)});
  s.push_back({256, 784, 1024, "mlp_256x784x1024"});
  s.push_back({256, 1024, 1024, "mlp_256x1024x1024"});
  return s;
}

template <class T>
std::vector<T> random_matrix(std::int64_t rows, std::int64_t cols, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<T> v(static_cast<std::size_t>(rows * cols));
  for (auto& x : v) x = T(dist(gen));
  return v;
}

// Operations per call in units of 10^9; the rate counter divides by the time per iteration.
void set_flops(benchmark::State& state, const shape& s) {
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k) / 1e9,
      benchmark::Counter::kIsIterationInvariantRate);
}

template <class T, bool Exact = false>
void bm_gemm(benchmark::State& state, shape s, int threads) {
  using P = precision<T, float, float>;
  const std::vector<T> a = random_matrix<T>(s.m, s.k, 1);
  const std::vector<T> b = random_matrix<T>(s.k, s.n, 2);
  std::vector<float> c(static_cast<std::size_t>(s.m * s.n));
  const mixprec::cpu::execution e{threads};
  for (auto _ : state) {
    if constexpr (Exact) {
      mixprec::cpu::gemm_exact<P>(transpose::no, transpose::no, s.m, s.n, s.k, 1.0, a.data(), s.k,
                                  b.data(), s.n, 0.0, c.data(), s.n, e);
    } else {
      mixprec::cpu::gemm<P>(transpose::no, transpose::no, s.m, s.n, s.k, 1.0, a.data(), s.k,
                            b.data(), s.n, 0.0, c.data(), s.n, e);
    }
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, s);
}

#if defined(MIXPREC_BENCH_HAVE_OPENBLAS)
void bm_openblas(benchmark::State& state, shape s, int threads) {
  const std::vector<float> a = random_matrix<float>(s.m, s.k, 1);
  const std::vector<float> b = random_matrix<float>(s.k, s.n, 2);
  std::vector<float> c(static_cast<std::size_t>(s.m * s.n));
  openblas_set_num_threads(threads <= 0 ? mixprec::cpu::thread_count() : threads);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(s.m),
                static_cast<int>(s.n), static_cast<int>(s.k), 1.0f, a.data(), static_cast<int>(s.k),
                b.data(), static_cast<int>(s.n), 0.0f, c.data(), static_cast<int>(s.n));
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, s);
}
#endif

const bool registered = [] {
  for (int threads : {1, 0}) {
    const std::string t = threads == 1 ? "t1" : "tall";
    for (const shape& s : shapes()) {
      auto reg = [&](const std::string& name, auto fn) {
        benchmark::RegisterBenchmark(name.c_str(), fn, s, threads)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      };
#if defined(MIXPREC_BENCH_HAVE_OPENBLAS)
      reg("openblas_sgemm/" + t + "/" + s.name, bm_openblas);
#endif
      reg("gemm/fp32/" + t + "/" + s.name, bm_gemm<float>);
      reg("gemm/bf16/" + t + "/" + s.name, bm_gemm<mixprec::bfloat16>);
      reg("gemm/bf16_exact/" + t + "/" + s.name, bm_gemm<mixprec::bfloat16, true>);
      reg("gemm/fp16/" + t + "/" + s.name, bm_gemm<mixprec::half>);
      reg("gemm/e4m3/" + t + "/" + s.name, bm_gemm<mixprec::float8_e4m3>);
    }
  }
  return true;
}();

}  // namespace
