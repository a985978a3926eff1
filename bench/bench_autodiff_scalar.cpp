// The scalar tape (autodiff/scalar.hpp) beside the plain function it differentiates, in the
// same run: every iteration calls the plain function (float or double), then records the taped
// function (forward), sweeps it (reverse) and clears the tape. The reported time is the taped
// one; "ratio" is taped time over plain time, "plain_ms" the plain time. The plain functions are
// the same templates instantiated with float or double (GCC vectorizes plain Rosenbrock).
// "bytes_per_op" is the bytes recorded per statement (the adjoint array adds sizeof(Adjoint) per
// statement during the sweep).
//
// Functions, about 10^6 recorded operations each:
//   chain:      x <- sin(1.3 x + 0.1) * exp(-0.2 x), s <- s + x, 142857 times
//               (7 operations per step; the sum keeps every adjoint away from zero)
//   rosenbrock: sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 over 10^5 variables
//               (8 operations per term)

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <ctime>
#include <mixprec/autodiff/scalar.hpp>
#include <mixprec/mixprec.hpp>
#include <span>
#include <type_traits>
#include <vector>

namespace {

constexpr int chain_steps = 142857;
constexpr std::size_t rosenbrock_n = 100000;

/// The type of the constants beside T: float for float values (so that the plain float function
/// stays in float), double otherwise.
template <class T>
struct constant_of {
  using type = std::conditional_t<std::is_same_v<typename T::value_type, float>, float, double>;
};
template <>
struct constant_of<float> {
  using type = float;
};
template <>
struct constant_of<double> {
  using type = double;
};

template <class T>
T chain(const T& x0) {
  using std::exp;
  using std::sin;
  using C = typename constant_of<T>::type;
  T x = x0;
  T s = x0;
  for (int i = 0; i < chain_steps; ++i) {
    x = sin(x * C(1.3) + C(0.1)) * exp(x * C(-0.2));
    s = s + x;
  }
  return s;
}

template <class T>
T rosenbrock(std::span<const T> x) {
  using C = typename constant_of<T>::type;
  T s = (x[0] - x[0]) * C(0);  // a zero of T's kind (a variable on the same tape)
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const T a = x[i + 1] - x[i] * x[i];
    const T b = C(1) - x[i];
    s = s + (C(100) * (a * a) + b * b);
  }
  return s;
}

template <class T>
std::vector<T> rosenbrock_point() {
  std::vector<T> x(rosenbrock_n);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = T(0.5 + 0.4 * std::sin(0.001 * static_cast<double>(i)));
  }
  return x;
}

/// Seconds of CPU time used by the process (the benchmark runs on one thread).
inline double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

/// Runs `plain` (twice, timing the second call, so that its data is as warm as in a loop of its
/// own) and then `taped` once per iteration, and times each in CPU time, interleaved so that the
/// machine's load weighs on both alike. The benchmark's time is the taped one; the counters give
/// the plain time, their ratio, the statements recorded and the bytes per statement.
template <class Tape, class Plain, class Taped>
void run_pair(benchmark::State& state, Tape& tape, Plain&& plain, Taped&& taped) {
  double plain_total = 0, taped_total = 0;
  for (auto _ : state) {
    plain();
    const double t0 = cpu_seconds();
    plain();
    const double t1 = cpu_seconds();
    taped();
    const double t2 = cpu_seconds();
    plain_total += t1 - t0;
    taped_total += t2 - t1;
    state.SetIterationTime(t2 - t1);
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["ops"] = static_cast<double>(tape.size());
  state.counters["bytes_per_op"] =
      static_cast<double>(tape.bytes_recorded()) / static_cast<double>(tape.size());
  state.counters["plain_ms"] = plain_total / n * 1e3;
  state.counters["ratio"] = taped_total / plain_total;
}

/// The chain, taped with values V and adjoints A, beside the plain chain in Plain.
template <class V, class A, class Plain>
void bm_chain(benchmark::State& state) {
  mixprec::scalar_tape<V, A> tape;
  run_pair(
      state, tape,
      [] {
        Plain x0 = Plain(0.3);
        benchmark::DoNotOptimize(x0);
        Plain y = chain(x0);
        benchmark::DoNotOptimize(y);
      },
      [&] {
        tape.clear();
        auto x0 = tape.variable(0.3);
        auto y = chain(x0);
        tape.backward(y);
        A g = x0.grad();
        benchmark::DoNotOptimize(g);
      });
}

/// Rosenbrock, taped with values V and adjoints A, beside the plain function in Plain.
template <class V, class A, class Plain>
void bm_rosenbrock(benchmark::State& state) {
  mixprec::scalar_tape<V, A> tape;
  using var = mixprec::scalar_var<V, A>;
  std::vector<Plain> plain_x = rosenbrock_point<Plain>();
  const std::vector<double> point = rosenbrock_point<double>();
  std::vector<var> x(point.size());
  run_pair(
      state, tape,
      [&] {
        benchmark::DoNotOptimize(plain_x.data());
        benchmark::ClobberMemory();
        Plain y = rosenbrock(std::span<const Plain>(plain_x));
        benchmark::DoNotOptimize(y);
      },
      [&] {
        tape.clear();
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = tape.variable(point[i]);
        var y = rosenbrock(std::span<const var>(x));
        tape.backward(y);
        A g = x[0].grad();
        benchmark::DoNotOptimize(g);
      });
}

using mixprec::bfloat16;

}  // namespace

BENCHMARK(bm_chain<double, double, double>)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(bm_chain<float, float, float>)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(bm_chain<bfloat16, float, float>)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(bm_rosenbrock<double, double, double>)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(bm_rosenbrock<float, float, float>)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(bm_rosenbrock<bfloat16, float, float>)->UseManualTime()->Unit(benchmark::kMillisecond);
