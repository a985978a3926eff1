// An independent model of the CPU kernels' reference rules, for the tests of
// backend/cpu/{elementwise,reduce,softmax,norm,loss}.hpp.
//
// Every value is a double. A type is modelled by its rounding function rnd<T>: float by the cast
// (double)(float)x, every floating<> type by the reference rounding of tests/support/reference.hpp
// (nearest value found by exact arithmetic, nothing from the library), double by the identity.
// One operation of C is the double operation rounded once: rnd<C>(a + b). The double result may
// itself be rounded, but for round-to-nearest-even and operands of p <= 24 bits that double
// rounding is innocuous (53 >= 2p + 2; S. A. Figueroa, "When is double rounding innocuous?",
// SIGNUM Newsletter 30(3), 1995), so rnd<C>(a op b) is the correctly rounded result. A partial
// sum is rnd<A>(acc + term) by the same argument. Functions are the defining formulas in double,
// rounded once.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "reference.hpp"

namespace kernel_model {

using bf16 = mixprec::bfloat16;
using fp16 = mixprec::half;
using e4m3 = mixprec::float8_e4m3;

// The precision triples under test.
using p_fp32 = mixprec::precision<float, float, float>;
using p_bf16_fp32 = mixprec::precision<bf16, float, float>;
using p_fp16_fp32 = mixprec::precision<fp16, float, float>;
using p_bf16 = mixprec::precision<bf16, bf16, bf16>;
using p_fp16 = mixprec::precision<fp16, fp16, fp16>;
using p_fp16_fp32_fp16 = mixprec::precision<fp16, float, fp16>;
using p_e4m3_fp32 = mixprec::precision<e4m3, float, float>;

#define KERNEL_MODEL_PRECISIONS                                                   \
  kernel_model::p_fp32, kernel_model::p_bf16_fp32, kernel_model::p_fp16_fp32,     \
      kernel_model::p_bf16, kernel_model::p_fp16, kernel_model::p_fp16_fp32_fp16, \
      kernel_model::p_e4m3_fp32

/// True where the kernels take their float fast path (compute and accumulate are float).
template <class P>
inline constexpr bool fast_float =
    std::is_same_v<typename P::compute, float>&& std::is_same_v<typename P::accumulate, float>;

/// x rounded into T, independently of the library.
template <class T>
double rnd(double x) {
  if constexpr (std::is_same_v<T, double>) {
    return x;
  } else if constexpr (std::is_same_v<T, float>) {
    return static_cast<double>(static_cast<float>(x));
  } else {
    using I = mixprec_test::type_info<T>;
    return mixprec_test::decode(I::desc, mixprec_test::from_double(I::desc, x, I::r, I::o, I::s),
                                I::flush)
        .value;
  }
}

/// The exact value of a stored element, decoded independently.
template <class T>
double val(T x) {
  if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
    return static_cast<double>(x);
  } else {
    using I = mixprec_test::type_info<T>;
    return mixprec_test::decode(I::desc, mixprec_test::code_of(x), I::flush).value;
  }
}

/// Elements of T holding rnd<T>(v[i]) (made with the library's conversion: these are inputs).
template <class T>
std::vector<T> make(const std::vector<double>& v) {
  std::vector<T> out;
  out.reserve(v.size());
  for (double x : v) out.push_back(static_cast<T>(x));
  return out;
}

/// Exact values of an array.
template <class T>
std::vector<double> values(const std::vector<T>& v) {
  std::vector<double> out;
  out.reserve(v.size());
  for (const T& x : v) out.push_back(val(x));
  return out;
}

/// Same value and sign, or both NaN.
inline bool same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

/// Counts the mismatches of a loop and reports the first few in one assertion.
struct mismatches {
  int count = 0;
  std::string text;
  void add(const std::string& what) {
    if (count++ < 5) text += what + "\n";
  }
  void check(const std::string& label) const {
    INFO(label << ": " << count << " mismatches\n" << text);
    CHECK(count == 0);
  }
};

inline std::string num(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

/// n values drawn uniformly from [lo, hi), from a fixed seed.
inline std::vector<double> uniform(std::size_t n, double lo, double hi, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = dist(gen);
  return v;
}

// The functions of the reference rules, written from their definitions.
inline double f_exp(double x) { return std::exp(x); }
inline double f_log(double x) { return std::log(x); }
inline double f_tanh(double x) { return std::tanh(x); }
inline double f_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double f_gelu(double x) {
  // x Phi(x), Phi(x) = erfc(-x / sqrt 2) / 2; the limit -0 at -inf.
  if (std::isinf(x) && x < 0) return -0.0;
  return x * (0.5 * std::erfc(-x / std::sqrt(2.0)));
}

/// The row maximum of the rules: index order, NaN sticks, else the first largest.
inline double row_max(const std::vector<double>& x) {
  double m = x[0];
  for (std::size_t i = 1; i < x.size(); ++i) {
    if (std::isnan(m)) break;
    if (std::isnan(x[i]) || x[i] > m) m = x[i];
  }
  return m;
}

/// gamma_n = n u / (1 - n u), u = 2^-24.
inline double gamma_n(double n) {
  const double u = std::ldexp(1.0, -24);
  return n * u / (1.0 - n * u);
}

inline constexpr double unit = 0x1p-24;

}  // namespace kernel_model
