// Exhaustive tests of format/math.hpp against independent references.
//
// Formats: fp16, bf16, e4m3, e5m2, e4m3fnuz, e5m2fnuz, e3m2, e2m3, e2m1, e8m0; each under 16
// configurations: the six deterministic rounding modes and stochastic rounding, each with
// (standard overflow, subnormals kept) and with (saturate, flush), plus nearest_even with
// (standard, flush) and (saturate, keep).
//
// libm-based functions (exp ... cbrt, pow, atan2, hypot):
//   - "rounded once": every result equals the reference rounding (tests/support/reference.hpp,
//     which knows nothing of the library) of std::f(double(x)), in every configuration
//     (stochastic: one of the two neighbours);
//   - accuracy: under (standard, keep) and every rounding mode, the error of the result against
//     std::fl on the long double (x87, 64-bit significand) value, in ulps of the target format at
//     the reference's binade (ulp = 2^(max(floor(log2|ref|), emin) - M)). Bounds asserted:
//     nearest modes <= 0.5 + 2^-30, every other mode <= 1 + 2^-30; every result that is not the
//     correctly rounded value of the long double reference must have a reference within 2^-30
//     ulp of a rounding boundary (a midpoint for the nearest modes, a format value otherwise).
//     Where the reference is zero, NaN, infinite, beyond max, negative in the unsigned E8M0 or
//     below E8M0's smallest value, the result must instead equal the reference rounding of the
//     reference (zeros with their sign). Inputs: every code for the unary functions; every pair
//     of codes for pow, atan2, hypot in the formats of at most 8 bits; for fp16 and bf16 every
//     code against 14 special operands (±0, ±0.5, ±1, ±2, 3, 1/3, 10, ±inf, NaN) on either
//     side plus 2^18 hashed random pairs. For pow with a zero or infinite operand the reference
//     is the double result (C Annex F makes those exact; glibc's powl(-inf, -2^63) is inf).
//   Set MIXPREC_MATH_TABLE=<file> to write the tables of docs/math.md (and <file>.detail).
// Exact functions, every code (and every pair for the formats of at most 8 bits; for fp16 and
// bf16 every code against a set of second operands plus hashed random pairs), against std:: on
// the decoded double re-encoded by the reference: floor ceil trunc round nearbyint rint modf
// frexp ldexp scalbn ilogb logb fmod remainder; against independent rules: abs fabs copysign
// (sign bits), nextafter (a sorted list of every value of the format), fmin fmax (value order,
// -0 < +0), fdim (exact dyadic subtraction of tests/support/exact.hpp).

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <mixprec/format/math.hpp>
#include <mixprec/mixprec.hpp>

#include "exact.hpp"
#include "reference.hpp"

namespace {

namespace ref = mixprec_test;
namespace ex = mixprec_test::exact;
namespace fm = mixprec::formats;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;

// ---- operations ------------------------------------------------------------------------------

enum class op : int {
  // libm-based, unary
  exp,
  exp2,
  expm1,
  log,
  log2,
  log10,
  log1p,
  sin,
  cos,
  tan,
  asin,
  acos,
  atan,
  sinh,
  cosh,
  tanh,
  asinh,
  acosh,
  atanh,
  erf,
  erfc,
  tgamma,
  lgamma,
  cbrt,
  // libm-based, binary
  pow,
  atan2,
  hypot,
  // exact
  abs,
  fabs,
  copysign,
  nextafter,
  frexp,
  ldexp,
  scalbn,
  ilogb,
  logb,
  floor,
  ceil,
  trunc,
  round,
  nearbyint,
  rint,
  modf,
  fmod,
  remainder,
  fmin,
  fmax,
  fdim,
};
constexpr int unary_count = 24;
constexpr int libm_count = 27;

const char* const op_names[] = {
    "exp",       "exp2",   "expm1", "log",  "log2",      "log10",    "log1p",     "sin",
    "cos",       "tan",    "asin",  "acos", "atan",      "sinh",     "cosh",      "tanh",
    "asinh",     "acosh",  "atanh", "erf",  "erfc",      "tgamma",   "lgamma",    "cbrt",
    "pow",       "atan2",  "hypot", "abs",  "fabs",      "copysign", "nextafter", "frexp",
    "ldexp",     "scalbn", "ilogb", "logb", "floor",     "ceil",     "trunc",     "round",
    "nearbyint", "rint",   "modf",  "fmod", "remainder", "fmin",     "fmax",      "fdim"};

const char* name_of(op o) { return op_names[static_cast<int>(o)]; }

// The double and long double functions of the libm-based operations (lambdas, since the
// addresses of standard library functions may not be taken).
using d1 = double (*)(double);
using l1 = long double (*)(long double);
using d2 = double (*)(double, double);
using l2 = long double (*)(long double, long double);

const d1 double_unary[unary_count] = {
    [](double x) { return std::exp(x); },    [](double x) { return std::exp2(x); },
    [](double x) { return std::expm1(x); },  [](double x) { return std::log(x); },
    [](double x) { return std::log2(x); },   [](double x) { return std::log10(x); },
    [](double x) { return std::log1p(x); },  [](double x) { return std::sin(x); },
    [](double x) { return std::cos(x); },    [](double x) { return std::tan(x); },
    [](double x) { return std::asin(x); },   [](double x) { return std::acos(x); },
    [](double x) { return std::atan(x); },   [](double x) { return std::sinh(x); },
    [](double x) { return std::cosh(x); },   [](double x) { return std::tanh(x); },
    [](double x) { return std::asinh(x); },  [](double x) { return std::acosh(x); },
    [](double x) { return std::atanh(x); },  [](double x) { return std::erf(x); },
    [](double x) { return std::erfc(x); },   [](double x) { return std::tgamma(x); },
    [](double x) { return std::lgamma(x); }, [](double x) { return std::cbrt(x); }};
const l1 long_unary[unary_count] = {
    [](long double x) { return std::exp(x); },    [](long double x) { return std::exp2(x); },
    [](long double x) { return std::expm1(x); },  [](long double x) { return std::log(x); },
    [](long double x) { return std::log2(x); },   [](long double x) { return std::log10(x); },
    [](long double x) { return std::log1p(x); },  [](long double x) { return std::sin(x); },
    [](long double x) { return std::cos(x); },    [](long double x) { return std::tan(x); },
    [](long double x) { return std::asin(x); },   [](long double x) { return std::acos(x); },
    [](long double x) { return std::atan(x); },   [](long double x) { return std::sinh(x); },
    [](long double x) { return std::cosh(x); },   [](long double x) { return std::tanh(x); },
    [](long double x) { return std::asinh(x); },  [](long double x) { return std::acosh(x); },
    [](long double x) { return std::atanh(x); },  [](long double x) { return std::erf(x); },
    [](long double x) { return std::erfc(x); },   [](long double x) { return std::tgamma(x); },
    [](long double x) { return std::lgamma(x); }, [](long double x) { return std::cbrt(x); }};
const d2 double_binary[3] = {[](double x, double y) { return std::pow(x, y); },
                             [](double x, double y) { return std::atan2(x, y); },
                             [](double x, double y) { return std::hypot(x, y); }};
const l2 long_binary[3] = {[](long double x, long double y) { return std::pow(x, y); },
                           [](long double x, long double y) { return std::atan2(x, y); },
                           [](long double x, long double y) { return std::hypot(x, y); }};

// What the library returns for one call: the result code, a second code (modf's integral part)
// and an int (frexp's exponent, ilogb).
struct lib_result {
  std::uint64_t code = 0;
  std::uint64_t code2 = 0;
  int i = 0;
};

// The library's operation on codes a, b (n: ldexp's exponent) for type T. One out-of-line
// function per type, called through a pointer.
template <class T>
lib_result library_call(op o, std::uint64_t a, std::uint64_t b, int n) {
  const T x = T::from_bits(static_cast<typename T::storage>(a));
  const T y = T::from_bits(static_cast<typename T::storage>(b));
  lib_result r;
  auto c = [](T v) { return static_cast<std::uint64_t>(v.bits()); };
  switch (o) {
    case op::exp:
      r.code = c(exp(x));
      break;
    case op::exp2:
      r.code = c(exp2(x));
      break;
    case op::expm1:
      r.code = c(expm1(x));
      break;
    case op::log:
      r.code = c(log(x));
      break;
    case op::log2:
      r.code = c(log2(x));
      break;
    case op::log10:
      r.code = c(log10(x));
      break;
    case op::log1p:
      r.code = c(log1p(x));
      break;
    case op::sin:
      r.code = c(sin(x));
      break;
    case op::cos:
      r.code = c(cos(x));
      break;
    case op::tan:
      r.code = c(tan(x));
      break;
    case op::asin:
      r.code = c(asin(x));
      break;
    case op::acos:
      r.code = c(acos(x));
      break;
    case op::atan:
      r.code = c(atan(x));
      break;
    case op::sinh:
      r.code = c(sinh(x));
      break;
    case op::cosh:
      r.code = c(cosh(x));
      break;
    case op::tanh:
      r.code = c(tanh(x));
      break;
    case op::asinh:
      r.code = c(asinh(x));
      break;
    case op::acosh:
      r.code = c(acosh(x));
      break;
    case op::atanh:
      r.code = c(atanh(x));
      break;
    case op::erf:
      r.code = c(erf(x));
      break;
    case op::erfc:
      r.code = c(erfc(x));
      break;
    case op::tgamma:
      r.code = c(tgamma(x));
      break;
    case op::lgamma:
      r.code = c(lgamma(x));
      break;
    case op::cbrt:
      r.code = c(cbrt(x));
      break;
    case op::pow:
      r.code = c(pow(x, y));
      break;
    case op::atan2:
      r.code = c(atan2(x, y));
      break;
    case op::hypot:
      r.code = c(hypot(x, y));
      break;
    case op::abs:
      r.code = c(abs(x));
      break;
    case op::fabs:
      r.code = c(fabs(x));
      break;
    case op::copysign:
      r.code = c(copysign(x, y));
      break;
    case op::nextafter:
      r.code = c(nextafter(x, y));
      break;
    case op::frexp:
      r.code = c(frexp(x, &r.i));
      break;
    case op::ldexp:
      r.code = c(ldexp(x, n));
      break;
    case op::scalbn:
      r.code = c(scalbn(x, n));
      break;
    case op::ilogb:
      r.i = ilogb(x);
      break;
    case op::logb:
      r.code = c(logb(x));
      break;
    case op::floor:
      r.code = c(floor(x));
      break;
    case op::ceil:
      r.code = c(ceil(x));
      break;
    case op::trunc:
      r.code = c(trunc(x));
      break;
    case op::round:
      r.code = c(round(x));
      break;
    case op::nearbyint:
      r.code = c(nearbyint(x));
      break;
    case op::rint:
      r.code = c(rint(x));
      break;
    case op::modf: {
      T ip{};
      r.code = c(modf(x, &ip));
      r.code2 = c(ip);
      break;
    }
    case op::fmod:
      r.code = c(fmod(x, y));
      break;
    case op::remainder:
      r.code = c(remainder(x, y));
      break;
    case op::fmin:
      r.code = c(fmin(x, y));
      break;
    case op::fmax:
      r.code = c(fmax(x, y));
      break;
    case op::fdim:
      r.code = c(fdim(x, y));
      break;
  }
  return r;
}

using library_fn = lib_result (*)(op, std::uint64_t, std::uint64_t, int);

// ---- configurations -------------------------------------------------------------------------

struct config {
  ref::format_desc f;
  ex::format_desc xf;  // the same format in exact.hpp's terms
  bool stochastic;
  ref::rmode r;
  ref::omode o;
  ref::smode s;
  rounding lib_r;
  library_fn call;

  bool flush() const { return s == ref::smode::flush; }
  std::string name() const {
    return std::string(f.name) + "/" + (stochastic ? "stochastic" : ref::to_string(r)) +
           (o == ref::omode::saturate ? "/saturate" : "/standard") + (flush() ? "/flush" : "/keep");
  }
};

template <class T>
config config_of() {
  using I = ref::type_info<T>;
  return {I::desc,
          ex::desc_of<typename T::format>(),
          I::stochastic,
          I::r,
          I::o,
          I::s,
          T::rounding_mode,
          &library_call<T>};
}

template <class F, overflow O, subnormals S>
void add_modes(std::vector<config>& v) {
  v.push_back(config_of<mixprec::floating<F, rounding::nearest_even, O, S>>());
  v.push_back(config_of<mixprec::floating<F, rounding::nearest_away, O, S>>());
  v.push_back(config_of<mixprec::floating<F, rounding::toward_zero, O, S>>());
  v.push_back(config_of<mixprec::floating<F, rounding::upward, O, S>>());
  v.push_back(config_of<mixprec::floating<F, rounding::downward, O, S>>());
  v.push_back(config_of<mixprec::floating<F, rounding::to_odd, O, S>>());
  v.push_back(config_of<mixprec::floating<F, rounding::stochastic, O, S>>());
}

template <class F>
std::vector<config> configs_of() {
  std::vector<config> v;
  add_modes<F, overflow::standard, subnormals::keep>(v);  // the first 7: accuracy
  add_modes<F, overflow::saturate, subnormals::flush>(v);
  v.push_back(
      config_of<
          mixprec::floating<F, rounding::nearest_even, overflow::standard, subnormals::flush>>());
  v.push_back(
      config_of<
          mixprec::floating<F, rounding::nearest_even, overflow::saturate, subnormals::keep>>());
  return v;
}

struct format_entry {
  const char* name;
  std::vector<config> configs;
};

const std::vector<format_entry>& formats() {
  static const std::vector<format_entry> all = {
      {"fp16", configs_of<fm::fp16>()},         {"bf16", configs_of<fm::bf16>()},
      {"e4m3", configs_of<fm::e4m3>()},         {"e5m2", configs_of<fm::e5m2>()},
      {"e4m3fnuz", configs_of<fm::e4m3fnuz>()}, {"e5m2fnuz", configs_of<fm::e5m2fnuz>()},
      {"e3m2", configs_of<fm::e3m2>()},         {"e2m3", configs_of<fm::e2m3>()},
      {"e2m1", configs_of<fm::e2m1>()},         {"e8m0", configs_of<fm::e8m0>()}};
  return all;
}

const char* const mode_names[] = {"nearest_even", "nearest_away", "toward_zero", "upward",
                                  "downward",     "to_odd",       "stochastic"};
constexpr int mode_count = 7;

// ---- reference expectations -----------------------------------------------------------------

// Acceptable results: NaN (any NaN code), or one of up to three codes.
struct want {
  bool nan = false;
  std::array<std::uint64_t, 3> codes{};
  int n = 0;

  void add(std::uint64_t c) {
    for (int i = 0; i < n; ++i) {
      if (codes[static_cast<std::size_t>(i)] == c) return;
    }
    codes[static_cast<std::size_t>(n++)] = c;
  }
  bool accepts(const ref::format_desc& f, std::uint64_t got) const {
    if (nan) return ref::is_nan_code(f, static_cast<std::uint32_t>(got));
    for (int i = 0; i < n; ++i) {
      if (codes[static_cast<std::size_t>(i)] == got) return true;
    }
    return false;
  }
  std::string str() const {
    if (nan) return "NaN";
    std::string s;
    for (int i = 0; i < n; ++i)
      s += (i > 0 ? " or " : "") + ref::hex(codes[static_cast<std::size_t>(i)]);
    return s;
  }
};

want code_want(const ref::format_desc& f, std::uint32_t c) {
  want w;
  if (ref::is_nan_code(f, c)) {
    w.nan = true;
  } else {
    w.add(c);
  }
  return w;
}

// The reference rounding of v in the configuration (stochastic: either neighbour).
want rounded(const config& k, double v) {
  if (!k.stochastic) return code_want(k.f, ref::from_double(k.f, v, k.r, k.o, k.s));
  want w = code_want(k.f, ref::from_double(k.f, v, ref::rmode::toward_zero, k.o, k.s));
  if (!w.nan) {
    const ref::rmode away = std::signbit(v) ? ref::rmode::downward : ref::rmode::upward;
    w.add(ref::from_double(k.f, v, away, k.o, k.s));
  }
  return w;
}

// The encoding of an exactly representable (or overflowing, or E8M0-zero) value: rounding
// mode irrelevant but for overflow, where stochastic behaves as nearest.
want exact_value(const config& k, double v) {
  return code_want(
      k.f, ref::from_double(k.f, v, k.stochastic ? ref::rmode::nearest_even : k.r, k.o, k.s));
}

double decode_in(const config& k, std::uint64_t code) {
  return ref::decode(k.f, static_cast<std::uint32_t>(code), k.flush()).value;
}
double decode_keep(const ref::format_desc& f, std::uint64_t code) {
  return ref::decode(f, static_cast<std::uint32_t>(code), false).value;
}

// ---- threads and failures ---------------------------------------------------------------------

struct failure_log {
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> checked{0};
  std::mutex mutex;
  std::vector<std::string> first;

  void add(std::string s) {
    if (count.fetch_add(1) < 12) {
      const std::lock_guard<std::mutex> lock(mutex);
      first.push_back(std::move(s));
    }
  }
};

unsigned worker_count() { return std::clamp(std::thread::hardware_concurrency(), 1u, 8u); }

// Runs job(i) for i in [0, n) on the worker threads, handing out indices one at a time.
template <class Fn>
void parallel_jobs(std::size_t n, failure_log& log, const Fn& job) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < worker_count(); ++w) {
    threads.emplace_back([&] {
      try {
        for (std::size_t i = next++; i < n; i = next++) job(i);
      } catch (const std::exception& e) {
        log.add(std::string("exception: ") + e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
}

void report(failure_log& log, const std::string& what) {
  for (const auto& s : log.first) MESSAGE(s);
  INFO(what << ": " << log.checked.load() << " results checked");
  CHECK(log.count.load() == 0);
}

class timer {
 public:
  explicit timer(std::string what) : what_(std::move(what)) {}
  ~timer() {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::printf("[timing] %s: %.2f s\n", what_.c_str(), s);
  }
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;

 private:
  std::string what_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

std::uint64_t hash64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool small(const ref::format_desc& f) { return f.code_count() <= 256; }

// Codes of special operands (nearest representable values of a fixed list), for pairing with
// every code of a 16-bit format.
std::vector<std::uint64_t> special_codes(const ref::format_desc& f) {
  const double inf = std::numeric_limits<double>::infinity();
  const double values[] = {0.0, -0.0,    0.5,  -0.5, 1.0,  -1.0,  2.0,   -2.0,
                           3.0, 1.0 / 3, 10.0, inf,  -inf, 1e300, 1e-300};
  std::vector<std::uint64_t> v;
  for (double x : values) v.push_back(ref::from_double(f, x, ref::rmode::nearest_even));
  v.push_back(ref::nan_code(f, false, std::uint64_t{1} << 63));
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Operand pairs of a binary function: every pair for formats of at most 8 bits; otherwise every
// code against each special code on either side, then `random` hashed pairs.
std::vector<std::pair<std::uint64_t, std::uint64_t>> operand_pairs(const ref::format_desc& f,
                                                                   std::uint64_t random) {
  const std::uint64_t n = f.code_count();
  std::vector<std::pair<std::uint64_t, std::uint64_t>> v;
  if (small(f)) {
    for (std::uint64_t a = 0; a < n; ++a) {
      for (std::uint64_t b = 0; b < n; ++b) v.emplace_back(f.code_at(a), f.code_at(b));
    }
    return v;
  }
  const std::vector<std::uint64_t> sp = special_codes(f);
  for (std::uint64_t a = 0; a < n; ++a) {
    for (std::uint64_t s : sp) {
      v.emplace_back(f.code_at(a), s);
      v.emplace_back(s, f.code_at(a));
    }
  }
  for (std::uint64_t i = 0; i < random; ++i) {
    const std::uint64_t h = hash64(i ^ (static_cast<std::uint64_t>(f.man_bits) << 50));
    v.emplace_back(f.code_at(h % n), f.code_at((h >> 32) % n));
  }
  return v;
}

// ---- accuracy -------------------------------------------------------------------------------

struct accuracy {
  long double worst = 0;      // worst error in ulps
  std::uint64_t worst_a = 0;  // its operands
  std::uint64_t worst_b = 0;
  std::uint64_t measured = 0;        // results measured in ulps
  std::uint64_t not_rounded = 0;     // results other than the correctly rounded reference
  double max_boundary_distance = 0;  // of those: distance of the reference to a boundary, ulps

  void merge(const accuracy& o) {
    if (o.worst > worst) {
      worst = o.worst;
      worst_a = o.worst_a;
      worst_b = o.worst_b;
    }
    measured += o.measured;
    not_rounded += o.not_rounded;
    max_boundary_distance = std::max(max_boundary_distance, o.max_boundary_distance);
  }
};

bool nearest(int mode) { return mode <= 1; }
double bound_of(int mode) { return (nearest(mode) ? 0.5 : 1.0) + 0x1p-30; }

// The correctly rounded code of a finite nonzero long double within the format's range (the
// reference's own rounding steps, on an exact long double scaling of l).
std::uint64_t round_long(const ref::format_desc& f, long double l, ref::rmode r) {
  const bool neg = std::signbit(l);
  const long double a = std::fabs(l);
  const int qexp = std::max(std::ilogb(a), f.emin()) - f.man_bits;
  const long double scaled = std::ldexp(a, -qexp);  // < 2^(M+2): lo and frac are exact
  const long double lo = std::floor(scaled), frac = scaled - lo;
  const ref::position pos = frac == 0      ? ref::position::exact
                            : frac < 0.5L  ? ref::position::below_half
                            : frac == 0.5L ? ref::position::half
                                           : ref::position::above_half;
  const std::uint64_t units = ref::pick_units(static_cast<std::uint64_t>(lo), pos, neg, r);
  return ref::finish(f, neg, units, qexp, r, ref::omode::standard, ref::smode::keep);
}

// Measures one result. Returns false (and fills `why`) when the result is unacceptable
// independently of the bounds (a special-case mismatch, a non-finite result for a finite
// in-range reference).
bool measure(const config& k, int mode, long double l, std::uint64_t got, std::uint64_t a,
             std::uint64_t b, accuracy& acc, std::string& why) {
  const ref::format_desc& f = k.f;
  const long double maxv = ref::max_value(f);
  const long double minv =
      f.has_sub ? std::ldexp(1.0L, f.emin() - f.man_bits) : std::ldexp(1.0L, f.emin());
  if (std::isnan(l) || std::isinf(l) || l == 0 || std::fabs(l) > maxv || (!f.is_signed && l < 0) ||
      (!f.has_sub && std::fabs(l) < minv)) {
    const want w = rounded(k, static_cast<double>(l));
    if (w.accepts(f, got)) return true;
    why = "special reference " + std::to_string(static_cast<double>(l)) + ": expected " + w.str() +
          ", got " + ref::hex(got);
    return false;
  }
  const long double v = decode_keep(f, got);
  if (!std::isfinite(v)) {
    why = "non-finite result " + ref::hex(got) + " for reference " +
          std::to_string(static_cast<double>(l));
    return false;
  }
  const int e = std::max(std::ilogb(l), f.emin());
  const long double ulp = std::ldexp(1.0L, e - f.man_bits);
  const long double err = std::fabs(v - l) / ulp;
  ++acc.measured;
  if (err > acc.worst) {
    acc.worst = err;
    acc.worst_a = a;
    acc.worst_b = b;
  }
  // Correctly rounded with respect to l? (stochastic: either neighbour)
  const bool cr =
      mode == 6 ? got == round_long(f, l, ref::rmode::toward_zero) ||
                      got == round_long(f, l, l < 0 ? ref::rmode::downward : ref::rmode::upward)
                : got == round_long(f, l, ref::all_rmodes[mode]);
  if (!cr) {
    ++acc.not_rounded;
    const long double pos = std::ldexp(std::fabs(l), f.man_bits - e), frac = pos - std::floor(pos);
    const long double d = nearest(mode) ? std::fabs(frac - 0.5L) : std::min(frac, 1 - frac);
    acc.max_boundary_distance = std::max(acc.max_boundary_distance, static_cast<double>(d));
  }
  return true;
}

// accuracy[format][op][mode]
using table = std::vector<std::vector<std::array<accuracy, mode_count>>>;

bool is_binary(op o) {
  switch (o) {
    case op::pow:
    case op::atan2:
    case op::hypot:
    case op::copysign:
    case op::nextafter:
    case op::fmod:
    case op::remainder:
    case op::fmin:
    case op::fmax:
    case op::fdim:
      return true;
    default:
      return false;
  }
}

std::string describe(const config& k, op o, std::uint64_t a, std::uint64_t b) {
  std::string s = k.name() + " " + name_of(o) + "(" + ref::hex(a);
  if (is_binary(o)) s += ", " + ref::hex(b);
  return s + ")";
}

// One job: one format and one libm function, every configuration.
void libm_job(const format_entry& fe, op o, std::array<accuracy, mode_count>& out,
              failure_log& log) {
  const ref::format_desc f = fe.configs.front().f;
  const int oi = static_cast<int>(o);
  const bool binary = oi >= unary_count;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> inputs;
  if (binary) {
    inputs = operand_pairs(f, std::uint64_t{1} << 18);
  } else {
    for (std::uint64_t i = 0; i < f.code_count(); ++i) inputs.emplace_back(f.code_at(i), 0);
  }
  auto double_f = [&](double x, double y) {
    return binary ? double_binary[oi - unary_count](x, y) : double_unary[oi](x);
  };
  // The operands as (standard, keep) reads them, the double and the long double results.
  std::vector<double> xs(inputs.size()), ys(inputs.size()), ds(inputs.size());
  std::vector<long double> ls(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    xs[i] = decode_keep(f, inputs[i].first);
    ys[i] = decode_keep(f, inputs[i].second);
    ds[i] = double_f(xs[i], ys[i]);
    const long double xl = xs[i], yl = ys[i];
    ls[i] = binary ? long_binary[oi - unary_count](xl, yl) : long_unary[oi](xl);
    // pow with a zero or infinite operand is exact by C Annex F, and glibc's powl gets some of
    // those wrong (powl(-inf, -2^63) = inf): the double result is the reference there.
    if (o == op::pow &&
        (!std::isfinite(xs[i]) || !std::isfinite(ys[i]) || xs[i] == 0 || ys[i] == 0)) {
      ls[i] = ds[i];
    }
  }
  // 16-bit formats: binary functions only under (standard, keep).
  const std::size_t nconfigs = binary && !small(f) ? mode_count : fe.configs.size();
  std::uint64_t checked = 0;
  for (std::size_t ci = 0; ci < nconfigs; ++ci) {
    const config& k = fe.configs[ci];
    const bool accuracy_config = ci < static_cast<std::size_t>(mode_count);
    accuracy acc;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto [a, b] = inputs[i];
      double d = ds[i];
      if (k.flush()) {
        const double x = decode_in(k, a), y = decode_in(k, b);
        if (std::bit_cast<std::uint64_t>(x) != std::bit_cast<std::uint64_t>(xs[i]) ||
            std::bit_cast<std::uint64_t>(y) != std::bit_cast<std::uint64_t>(ys[i])) {
          d = double_f(x, y);
        }
      }
      const std::uint64_t got = k.call(o, a, b, 0).code;
      ++checked;
      const want w = rounded(k, d);
      if (!w.accepts(f, got)) {
        log.add(describe(k, o, a, b) + ": not the rounding of the double result " +
                std::to_string(d) + ": expected " + w.str() + ", got " + ref::hex(got));
        continue;
      }
      if (!accuracy_config || std::isnan(xs[i]) || std::isnan(ys[i])) continue;
      std::string why;
      if (!measure(k, static_cast<int>(ci), ls[i], got, a, b, acc, why)) {
        log.add(describe(k, o, a, b) + ": " + why);
      }
    }
    if (accuracy_config) out[ci] = acc;
  }
  log.checked += checked;
}

// A table cell: the worst error, truncated (not rounded) to 3 decimals below the bound or
// written as bound + excess above it, and the number of results that are not the correctly
// rounded long double reference, if any.
std::string ulp_cell(const accuracy& a) {
  char buf[64];
  if (a.worst == 0.5L || a.worst == 1.0L || a.worst == 0.0L) {
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(a.worst));
  } else if (a.worst > 0.5L && a.worst < 0.5L + 1e-6L) {
    std::snprintf(buf, sizeof buf, "0.5+%.0e", static_cast<double>(a.worst - 0.5L));
  } else if (a.worst > 1 && a.worst < 1 + 1e-6L) {
    std::snprintf(buf, sizeof buf, "1+%.0e", static_cast<double>(a.worst - 1));
  } else {
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(std::floor(a.worst * 1000) / 1000));
  }
  std::string s = buf;
  if (a.not_rounded > 0) s += " (" + std::to_string(a.not_rounded) + ")";
  return s;
}

// Writes the tables of docs/math.md to `path` (one per rounding mode; modes with identical
// tables share one) and the worst operands of every cell to `path`.detail.
void write_table(const table& t, const std::string& path) {
  const auto& fs = formats();
  std::vector<std::string> bodies;
  for (int m = 0; m < mode_count; ++m) {
    std::string body = "| function |";
    for (const auto& fe : fs) body += std::string(" ") + fe.name + " |";
    body += "\n|---|";
    for (std::size_t i = 0; i < fs.size(); ++i) body += "---|";
    body += "\n";
    for (int o = 0; o < libm_count; ++o) {
      body += std::string("| ") + op_names[o] + " |";
      for (std::size_t fi = 0; fi < fs.size(); ++fi) {
        // Appended piece by piece: GCC 12 misreports "literal" + std::string at -O3 (-Wrestrict).
        body += ' ';
        body += ulp_cell(t[fi][static_cast<std::size_t>(o)][static_cast<std::size_t>(m)]);
        body += " |";
      }
      body += "\n";
    }
    bodies.push_back(body);
  }
  std::ofstream out(path);
  for (int m = 0; m < mode_count;) {
    std::string heading = mode_names[m];
    int next = m + 1;
    while (next < mode_count &&
           bodies[static_cast<std::size_t>(next)] == bodies[static_cast<std::size_t>(m)]) {
      heading += std::string(", ") + mode_names[next++];
    }
    out << "\n#### " << heading << "\n\n" << bodies[static_cast<std::size_t>(m)];
    m = next;
  }
  std::ofstream detail(path + ".detail");
  detail << "format function mode: worst operands, worst ulps, results measured, not correctly "
            "rounded, largest distance of those to a rounding boundary (ulps)\n";
  for (std::size_t fi = 0; fi < fs.size(); ++fi) {
    for (int o = 0; o < libm_count; ++o) {
      for (int m = 0; m < mode_count; ++m) {
        const accuracy& a = t[fi][static_cast<std::size_t>(o)][static_cast<std::size_t>(m)];
        detail << fs[fi].name << " " << op_names[o] << " " << mode_names[m] << ": "
               << ref::hex(a.worst_a) << " " << ref::hex(a.worst_b) << " "
               << static_cast<double>(a.worst) << " " << a.measured << " " << a.not_rounded << " "
               << a.max_boundary_distance << "\n";
      }
    }
  }
}

// ---- exact functions ------------------------------------------------------------------------

// Round to an integer in a deterministic mode, on a finite double (sign of zero kept).
double rint_reference(double v, ref::rmode r) {
  if (!std::isfinite(v) || v == std::floor(v)) return v;
  const double lo = std::floor(v), hi = lo + 1, frac = v - lo;
  double out = lo;
  switch (r) {
    case ref::rmode::nearest_even:
      out = frac < 0.5 ? lo : frac > 0.5 ? hi : (std::fmod(lo, 2.0) == 0 ? lo : hi);
      break;
    case ref::rmode::nearest_away:
      out = std::round(v);
      break;
    case ref::rmode::toward_zero:
      out = std::trunc(v);
      break;
    case ref::rmode::upward:
      out = hi;
      break;
    case ref::rmode::downward:
      out = lo;
      break;
    case ref::rmode::to_odd:
      out = std::fmod(lo, 2.0) != 0 ? lo : hi;
      break;
  }
  return std::copysign(out, v);  // an integer zero keeps v's sign
}

// The sorted distinct values of a format as the configuration reads them (flush: subnormal
// codes are zeros), NaN excluded, ±0 as one value 0; decoded independently of the library.
std::vector<double> sorted_values(const config& k) {
  std::vector<double> v;
  for (std::uint64_t i = 0; i < k.f.code_count(); ++i) {
    const double x = decode_in(k, k.f.code_at(i));
    if (!std::isnan(x)) v.push_back(x == 0 ? 0.0 : x);
  }
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

want nextafter_reference(const config& k, const std::vector<double>& values, std::uint64_t a,
                         std::uint64_t b) {
  const double x = decode_in(k, a), y = decode_in(k, b);
  if (std::isnan(x) || std::isnan(y)) return code_want(k.f, ref::nan_code(k.f, false, 1ULL << 63));
  if (x == y) {
    want w;
    w.add(b);
    return w;
  }
  const bool up = x < y;
  const auto it = std::lower_bound(values.begin(), values.end(), x == 0 ? 0.0 : x);
  const double next = up ? *(it + 1) : *(it - 1);
  if (next == 0) return exact_value(k, std::copysign(0.0, x));
  return exact_value(k, next);
}

// Second operands for the exact binary functions of 16-bit formats.
std::vector<std::uint64_t> second_operands(const ref::format_desc& f) {
  std::vector<std::uint64_t> v = special_codes(f);
  const double more[] = {1.5, -0.75, 0.1, 7.0, -5.0, 1e-5, 65504.0, 1e30, 3e-39};
  for (double x : more) v.push_back(ref::from_double(f, x, ref::rmode::nearest_even));
  v.push_back(1);                  // smallest subnormal
  v.push_back(f.sign_bit() | 1u);  // its negative
  v.push_back(ref::max_code(f));   // max
  v.push_back(f.code_at(0x0155));  // arbitrary codes
  v.push_back(f.code_at(0x3ABC));
  v.push_back(f.code_at(0xC123));
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> exact_pairs(const ref::format_desc& f) {
  if (small(f)) return operand_pairs(f, 0);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> v;
  const std::vector<std::uint64_t> sec = second_operands(f);
  for (std::uint64_t a = 0; a < f.code_count(); ++a) {
    for (std::uint64_t s : sec) v.emplace_back(f.code_at(a), s);
    v.emplace_back(f.code_at(a), f.code_at(a));
    v.emplace_back(f.code_at(a), f.code_at(a ^ 1));
  }
  for (std::uint64_t i = 0; i < (std::uint64_t{1} << 18); ++i) {
    const std::uint64_t h = hash64(i + 12345);
    v.emplace_back(f.code_at(h % f.code_count()), f.code_at((h >> 32) % f.code_count()));
  }
  return v;
}

// ldexp exponents tried with the code a: every n in [-w, w] for the formats of at most 8 bits;
// for 16-bit formats 0, +-1, the extremes and the exponents that move a to the bottom of the
// normal range, into the subnormals, below half the smallest subnormal and to the top binade.
std::vector<int> ldexp_exponents(const ref::format_desc& f, double a) {
  std::vector<int> v = {0, 1, -1, INT_MIN, INT_MIN + 1, -100000, 100000, INT_MAX};
  if (small(f)) {
    const int w = 2 * ((1 << f.exp_bits) + f.man_bits) + 4;
    for (int n = -w; n <= w; ++n) v.push_back(n);
    return v;
  }
  if (!std::isfinite(a) || a == 0) return v;
  const int la = std::ilogb(a), emax = std::ilogb(ref::max_value(f));
  for (int j : {0, 1, 2, f.man_bits / 2, f.man_bits, f.man_bits + 1, f.man_bits + 2}) {
    v.push_back(f.emin() - la - j);
  }
  v.push_back(emax - la);
  v.push_back(emax - la + 1);
  return v;
}

// Exact value of x - y when the double subtraction is exact (TwoSum error zero).
bool exact_difference(double x, double y, double& out) {
  const double s = x - y;
  if (!std::isfinite(s)) return false;
  const double yv = x - s;  // the part of y that s holds
  const double err = (x - (s + yv)) + (yv - y);
  out = s;
  return err == 0;
}

// Checks the unary exact operations of one configuration on every code; returns the number of
// results checked.
std::uint64_t exact_unary_job(const config& k, failure_log& log) {
  const ref::format_desc& f = k.f;
  std::uint64_t checked = 0;
  auto fail = [&](op o, std::uint64_t a, const std::string& what) {
    log.add(describe(k, o, a, 0) + ": " + what);
  };
  auto expect = [&](op o, std::uint64_t a, const want& w, std::uint64_t got) {
    ++checked;
    if (!w.accepts(f, got)) fail(o, a, "expected " + w.str() + ", got " + ref::hex(got));
  };
  for (std::uint64_t i = 0; i < f.code_count(); ++i) {
    const std::uint64_t a = f.code_at(i);
    const double x = decode_in(k, a), xk = decode_keep(f, a);
    expect(op::floor, a, exact_value(k, std::floor(x)), k.call(op::floor, a, 0, 0).code);
    expect(op::ceil, a, exact_value(k, std::ceil(x)), k.call(op::ceil, a, 0, 0).code);
    expect(op::trunc, a, exact_value(k, std::trunc(x)), k.call(op::trunc, a, 0, 0).code);
    expect(op::round, a, exact_value(k, std::round(x)), k.call(op::round, a, 0, 0).code);
    for (op o : {op::nearbyint, op::rint}) {
      want w;
      if (k.stochastic) {
        w = exact_value(k, std::trunc(x));
        if (!w.nan) w.add(exact_value(k, x < 0 ? std::floor(x) : std::ceil(x)).codes[0]);
      } else {
        w = exact_value(k, rint_reference(x, k.r));
      }
      expect(o, a, w, k.call(o, a, 0, 0).code);
    }
    {
      double ip = 0;
      const double fr = std::modf(x, &ip);
      const lib_result r = k.call(op::modf, a, 0, 0);
      expect(op::modf, a, exact_value(k, fr), r.code);
      expect(op::modf, a, exact_value(k, ip), r.code2);
    }
    {
      int e = 0;
      const double fr = std::frexp(x, &e);
      const lib_result r = k.call(op::frexp, a, 0, 0);
      expect(op::frexp, a, rounded(k, fr), r.code);
      ++checked;
      const int want_e = std::isfinite(x) && x != 0 ? e : 0;
      if (r.i != want_e) {
        fail(op::frexp, a,
             "exponent: expected " + std::to_string(want_e) + ", got " + std::to_string(r.i));
      }
    }
    {
      const int got = k.call(op::ilogb, a, 0, 0).i;
      ++checked;
      if (got != std::ilogb(x)) {
        fail(op::ilogb, a,
             "expected " + std::to_string(std::ilogb(x)) + ", got " + std::to_string(got));
      }
      expect(op::logb, a, rounded(k, std::logb(x)), k.call(op::logb, a, 0, 0).code);
    }
    for (int e : ldexp_exponents(f, x)) {
      // x * 2^e is exact in double for |e| <= 700 (every format value is within 2^+-160).
      const want w = rounded(k, std::ldexp(x, std::clamp(e, -700, 700)));
      for (op o : {op::ldexp, op::scalbn}) {
        const std::uint64_t got = k.call(o, a, 0, e).code;
        ++checked;
        if (!w.accepts(f, got)) {
          fail(o, a,
               "n = " + std::to_string(e) + ": expected " + w.str() + ", got " + ref::hex(got));
        }
      }
    }
    // abs, fabs: the sign bit cleared (the fnuz NaN and E8M0 unchanged), no flushing.
    for (op o : {op::abs, op::fabs}) {
      const std::uint64_t got = k.call(o, a, 0, 0).code;
      ++checked;
      if (std::isnan(xk)) {
        const bool keeps = f.nan == ref::nan_kind::negative_zero || !f.is_signed;
        const std::uint64_t w = keeps ? a : a & ~static_cast<std::uint64_t>(f.sign_bit());
        if (got != w) fail(o, a, "expected " + ref::hex(w) + ", got " + ref::hex(got));
      } else {
        const double gv = decode_keep(f, got), wv = std::fabs(xk);
        if (std::bit_cast<std::uint64_t>(gv) != std::bit_cast<std::uint64_t>(wv)) {
          fail(o, a, "expected " + std::to_string(wv) + ", got " + ref::hex(got));
        }
      }
    }
  }
  return checked;
}

// Checks the binary exact operations of one configuration on the operand pairs; `mode_free`:
// also those whose results do not depend on the rounding mode (nextafter, fmod, remainder,
// copysign, fmin, fmax), which 16-bit formats check under nearest_even only.
std::uint64_t exact_pair_job(const config& k, bool mode_free, failure_log& log) {
  const ref::format_desc& f = k.f;
  std::uint64_t checked = 0;
  auto expect = [&](op o, std::uint64_t a, std::uint64_t b, const want& w, std::uint64_t got) {
    ++checked;
    if (!w.accepts(f, got)) {
      log.add(describe(k, o, a, b) + ": expected " + w.str() + ", got " + ref::hex(got));
    }
  };
  const std::vector<double> values = sorted_values(k);
  const ex::target xt{
      k.xf, k.stochastic ? ex::round_mode::toward_zero : ex::mode_of(k.lib_r),
      k.o == ref::omode::saturate ? ex::overflow_mode::saturate : ex::overflow_mode::standard,
      k.flush() ? ex::subnormal_mode::flush : ex::subnormal_mode::keep};
  for (const auto& [a, b] : exact_pairs(f)) {
    const double x = decode_in(k, a), y = decode_in(k, b);
    {
      want w;
      double diff = 0;
      if (std::isnan(x) || std::isnan(y)) {
        w = code_want(f, ref::nan_code(f, false, std::uint64_t{1} << 63));
      } else if (!(x > y)) {
        w = exact_value(k, 0.0);
      } else if (exact_difference(x, y, diff)) {
        w = rounded(k, diff);
      } else {
        // The exact dyadic reference (stochastic: the candidates of every direction).
        for (ex::round_mode m :
             k.stochastic
                 ? std::vector<ex::round_mode>{ex::round_mode::toward_zero, ex::round_mode::upward,
                                               ex::round_mode::downward}
                 : std::vector<ex::round_mode>{xt.r}) {
          ex::target t = xt;
          t.r = m;
          const ex::result r = ex::sub(t, a, b);
          if (r.nan) {
            w.nan = true;
          } else {
            w.add(r.bits);
          }
        }
      }
      expect(op::fdim, a, b, w, k.call(op::fdim, a, b, 0).code);
    }
    if (!mode_free) continue;
    expect(op::nextafter, a, b, nextafter_reference(k, values, a, b),
           k.call(op::nextafter, a, b, 0).code);
    expect(op::fmod, a, b, exact_value(k, std::fmod(x, y)), k.call(op::fmod, a, b, 0).code);
    expect(op::remainder, a, b, exact_value(k, std::remainder(x, y)),
           k.call(op::remainder, a, b, 0).code);
    {
      // The magnitude bits of a with the sign bit of b (E8M0: a; fnuz +0 and NaN: a).
      const std::uint64_t sb = f.sign_bit();
      want w;
      if (!f.is_signed || (f.nan == ref::nan_kind::negative_zero && (a & ~sb) == 0)) {
        w.add(a);
      } else {
        w.add((a & ~sb) | (b & sb));
      }
      expect(op::copysign, a, b, w, k.call(op::copysign, a, b, 0).code);
    }
    for (op o : {op::fmin, op::fmax}) {
      // A NaN operand is ignored; -0 < +0; the chosen operand's code unchanged.
      const bool mn = o == op::fmin;
      want w;
      if (std::isnan(x) && std::isnan(y)) {
        w.nan = true;
      } else if (std::isnan(x)) {
        w.add(b);
      } else if (std::isnan(y)) {
        w.add(a);
      } else if (x != y) {
        w.add((x < y) == mn ? a : b);
      } else {
        w.add(std::signbit(x) == mn ? a : b);
      }
      expect(o, a, b, w, k.call(o, a, b, 0).code);
    }
  }
  return checked;
}

}  // namespace

TEST_SUITE("math") {
  TEST_CASE("exhaustive: libm-based functions are rounded once and within the documented ulps") {
    const timer tm("libm-based functions, every format");
    const auto& fs = formats();
    table t(fs.size(), std::vector<std::array<accuracy, mode_count>>(libm_count));
    // Jobs: (format, function), the heavy ones (16-bit binary) first.
    std::vector<std::pair<std::size_t, int>> jobs;
    for (int o = libm_count - 1; o >= 0; --o) {
      for (std::size_t fi = 0; fi < fs.size(); ++fi) jobs.emplace_back(fi, o);
    }
    std::stable_sort(jobs.begin(), jobs.end(), [&](const auto& p, const auto& q) {
      auto weight = [&](const auto& j) {
        return (small(fs[j.first].configs.front().f) ? 0 : 2) + (j.second >= unary_count ? 1 : 0);
      };
      return weight(p) > weight(q);
    });
    failure_log log;
    parallel_jobs(jobs.size(), log, [&](std::size_t i) {
      const auto [fi, o] = jobs[i];
      libm_job(fs[fi], static_cast<op>(o), t[fi][static_cast<std::size_t>(o)], log);
    });
    report(log, "libm-based functions");
    // The documented bounds.
    for (std::size_t fi = 0; fi < fs.size(); ++fi) {
      for (int o = 0; o < libm_count; ++o) {
        for (int m = 0; m < mode_count; ++m) {
          const accuracy& a = t[fi][static_cast<std::size_t>(o)][static_cast<std::size_t>(m)];
          INFO(fs[fi].name << " " << op_names[o] << " " << mode_names[m] << ": worst " << a.worst
                           << " ulp at " << ref::hex(a.worst_a) << ", " << ref::hex(a.worst_b)
                           << "; " << a.not_rounded << " not correctly rounded, reference within "
                           << a.max_boundary_distance << " ulp of a boundary");
          CHECK(a.worst <= static_cast<long double>(bound_of(m)));
          CHECK(a.max_boundary_distance <= 0x1p-30);
          CHECK(a.measured > 0);
        }
      }
    }
    if (const char* path = std::getenv("MIXPREC_MATH_TABLE")) write_table(t, path);
  }

  TEST_CASE("exhaustive: exact functions against std:: on the decoded values") {
    const timer tm("exact functions, every format and configuration");
    std::vector<std::pair<const config*, int>> jobs;  // 0: unary, 1: pairs, 2: pairs (fdim only)
    for (const auto& fe : formats()) {
      for (const auto& k : fe.configs) {
        jobs.emplace_back(&k, 0);
        jobs.emplace_back(&k, small(k.f) || k.lib_r == rounding::nearest_even ? 1 : 2);
      }
    }
    // The 16-bit formats first: the largest jobs.
    std::stable_sort(jobs.begin(), jobs.end(), [](const auto& p, const auto& q) {
      return !small(p.first->f) && small(q.first->f);
    });
    failure_log log;
    parallel_jobs(jobs.size(), log, [&](std::size_t i) {
      const auto [k, kind] = jobs[i];
      log.checked += kind == 0 ? exact_unary_job(*k, log) : exact_pair_job(*k, kind == 1, log);
    });
    report(log, "exact functions");
  }
}
