// Exhaustive and large structured tests of format/arithmetic.hpp against the exact reference of
// tests/support/exact.hpp (exact dyadic arithmetic, rounding by searching the neighbours).
//
// Each check runs under all 24 configurations (6 non-stochastic rounding modes x 2 overflow modes
// x 2 subnormal modes) unless said otherwise:
//   e4m3, e5m2, e4m3fnuz, e5m2fnuz, e8m0, e3m2, e2m3, e2m1: every pair of codes for + - * /,
//     every code for sqrt; every pair for the six comparisons (keep and flush);
//   fma: every triple for e2m1, e3m2, e2m3; for the FP8 formats every triple under
//     nearest_even/standard/keep and downward/saturate/flush, and under all 24 configurations
//     every pair x 13 addends (specials, the codes nearest -a*b: massive cancellation, random);
//   half, bfloat16: sqrt of every code;
//   half, bfloat16, float32, tfloat32: every pair of exponent fields (specials included) x
//     boundary significands (0, 1, 2, 3, around the middle, the top, alternating bits: ties and
//     near-ties after alignment) x both signs for + - * / (all combinations for half, a hashed
//     sample per exponent pair for the others), fma triples whose addend exponent is near that of
//     the product, sqrt of every exponent x boundary significand and random codes.
// NaN results are checked by "decodes as NaN" only; every other result bit for bit (so the sign
// of zero results too). About 100 s of CPU in Release, spread over the available cores.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "exact.hpp"

namespace {

namespace ex = mixprec_test::exact;
using mixprec::overflow;
using mixprec::rounding;
using mixprec::subnormals;
namespace fm = mixprec::formats;

enum class op { add, sub, mul, div, fma, sqrt };

const char* op_name(op o) {
  switch (o) {
    case op::add:
      return "add";
    case op::sub:
      return "sub";
    case op::mul:
      return "mul";
    case op::div:
      return "div";
    case op::fma:
      return "fma";
    case op::sqrt:
      return "sqrt";
  }
  return "?";
}

// The library's result code for op on codes a, b, c of type T. One out-of-line function per type
// (called through a pointer, so that the drivers below are not templates and the file compiles
// in reasonable time).
template <class T>
std::uint64_t library_op(op o, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  const T x = ex::from_code<T>(a), y = ex::from_code<T>(b), z = ex::from_code<T>(c);
  switch (o) {
    case op::add:
      return ex::code_of(x + y);
    case op::sub:
      return ex::code_of(x - y);
    case op::mul:
      return ex::code_of(x * y);
    case op::div:
      return ex::code_of(x / y);
    case op::fma:
      return ex::code_of(fma(x, y, z));
    case op::sqrt:
      return ex::code_of(sqrt(x));
  }
  return 0;
}

// The six comparisons of codes a, b as bits: == != < <= > >=.
template <class T>
unsigned library_compare(std::uint64_t a, std::uint64_t b) {
  const T x = ex::from_code<T>(a), y = ex::from_code<T>(b);
  return (x == y ? 1u : 0u) | (x != y ? 2u : 0u) | (x < y ? 4u : 0u) | (x <= y ? 8u : 0u) |
         (x > y ? 16u : 0u) | (x >= y ? 32u : 0u);
}

using library_fn = std::uint64_t (*)(op, std::uint64_t, std::uint64_t, std::uint64_t);

ex::result reference(const ex::target& t, op o, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  switch (o) {
    case op::add:
      return ex::add(t, a, b);
    case op::sub:
      return ex::sub(t, a, b);
    case op::mul:
      return ex::mul(t, a, b);
    case op::div:
      return ex::div(t, a, b);
    case op::fma:
      return ex::fma(t, a, b, c);
    case op::sqrt:
      return ex::sqrt(t, a);
  }
  return {};
}

using triple = std::array<std::uint64_t, 3>;

// Mismatches found by worker threads; doctest assertions happen on the main thread only.
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

unsigned worker_count() {
  const unsigned hw = std::thread::hardware_concurrency();
  return std::clamp(hw, 1u, 8u);
}

// Calls fn(i) for every i in [0, n), split over the worker threads.
template <class Fn>
void parallel_for(std::uint64_t n, failure_log& log, const Fn& fn) {
  const unsigned k = worker_count();
  std::vector<std::thread> threads;
  for (unsigned w = 0; w < k; ++w) {
    threads.emplace_back([&, w] {
      try {
        for (std::uint64_t i = w; i < n; i += k) fn(i);
      } catch (const std::exception& e) {
        log.add(std::string("exception in the reference: ") + e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
}

using generator = std::function<triple(std::uint64_t)>;

// Checks op on the operand triples gen(i), i < n, of the type with reference parameters t.
void check_op(const ex::target& t, library_fn lib, op o, std::uint64_t n, const generator& gen,
              failure_log& log) {
  parallel_for(n, log, [&](std::uint64_t i) {
    const triple in = gen(i);
    const std::uint64_t got = lib(o, in[0], in[1], in[2]);
    const ex::result want = reference(t, o, in[0], in[1], in[2]);
    if (!ex::matches(t.f, want, got)) {
      std::string s = ex::to_string(t) + " " + op_name(o) + "(" + ex::hex(in[0]);
      if (o != op::sqrt) s += ", " + ex::hex(in[1]);
      if (o == op::fma) s += ", " + ex::hex(in[2]);
      s += "): expected " + ex::to_string(want) + ", got " + ex::hex(got);
      log.add(std::move(s));
    }
  });
  log.checked += n;
}

void report(failure_log& log, const std::string& what) {
  for (const auto& s : log.first) MESSAGE(s);
  INFO(what << ": " << log.checked.load() << " results checked");
  CHECK(log.count.load() == 0);
}

// One instantiation of floating<F, R, O, S>: its reference parameters and library entry points.
struct config {
  ex::target t;
  library_fn lib;
  unsigned (*compare)(std::uint64_t, std::uint64_t);
};

template <class T>
config config_of() {
  return {ex::target_of<T>(), &library_op<T>, &library_compare<T>};
}

// Every non-stochastic rounding mode for one overflow and subnormal mode.
template <class F, overflow O, subnormals S>
void add_roundings(std::vector<config>& v) {
  v.push_back(config_of<mixprec::floating<F, rounding::nearest_even, O, S>>());
  v.push_back(config_of<mixprec::floating<F, rounding::nearest_away, O, S>>());
  v.push_back(config_of<mixprec::floating<F, rounding::toward_zero, O, S>>());
  v.push_back(config_of<mixprec::floating<F, rounding::upward, O, S>>());
  v.push_back(config_of<mixprec::floating<F, rounding::downward, O, S>>());
  v.push_back(config_of<mixprec::floating<F, rounding::to_odd, O, S>>());
}

// All 24 combinations of (non-stochastic rounding, overflow, subnormals).
template <class F>
std::vector<config> all_configs() {
  std::vector<config> v;
  add_roundings<F, overflow::standard, subnormals::keep>(v);
  add_roundings<F, overflow::saturate, subnormals::keep>(v);
  add_roundings<F, overflow::standard, subnormals::flush>(v);
  add_roundings<F, overflow::saturate, subnormals::flush>(v);
  return v;
}

// Deterministic 64-bit hash for sampling (SplitMix64 finaliser; the tests' own, not the library's).
std::uint64_t hash64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
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

// ---- small formats: all codes -------------------------------------------------------------------

void all_pairs_all_ops(const std::vector<config>& configs) {
  for (const config& c : configs) {
    const ex::format_desc f = c.t.f;
    const std::uint64_t n = ex::code_count(f);
    const generator pairs = [&](std::uint64_t i) {
      return triple{ex::pad(f, i / n), ex::pad(f, i % n), 0};
    };
    const generator singles = [&](std::uint64_t i) { return triple{ex::pad(f, i), 0, 0}; };
    failure_log log;
    for (op o : {op::add, op::sub, op::mul, op::div}) check_op(c.t, c.lib, o, n * n, pairs, log);
    check_op(c.t, c.lib, op::sqrt, n, singles, log);
    report(log, ex::to_string(c.t) + " all pairs + - * /, all codes sqrt");
  }
}

void all_pairs_comparisons(const std::vector<config>& configs) {
  for (const config& c : configs) {
    const ex::target& t = c.t;
    const std::uint64_t n = ex::code_count(t.f);
    failure_log log;
    parallel_for(n * n, log, [&](std::uint64_t i) {
      const std::uint64_t a = ex::pad(t.f, i / n), b = ex::pad(t.f, i % n);
      const int r = ex::compare_codes(t, a, b);  // 2: unordered
      const unsigned want = (r == 0 ? 1u : 0u) | (r != 0 ? 2u : 0u) | (r == -1 ? 4u : 0u) |
                            (r == -1 || r == 0 ? 8u : 0u) | (r == 1 ? 16u : 0u) |
                            (r == 1 || r == 0 ? 32u : 0u);
      const unsigned got = c.compare(a, b);
      if (got != want) {
        log.add(ex::to_string(t) + " compare(" + ex::hex(a) + ", " + ex::hex(b) +
                "): (== != < <= > >=) expected " + ex::hex(want) + ", got " + ex::hex(got));
      }
    });
    log.checked += n * n;
    report(log, ex::to_string(t) + " all pairs comparisons");
  }
}

// fma over every triple of codes (formats of at most 6 bits).
void all_triples_fma(const std::vector<config>& configs) {
  for (const config& c : configs) {
    const ex::format_desc f = c.t.f;
    const std::uint64_t n = ex::code_count(f);
    failure_log log;
    check_op(
        c.t, c.lib, op::fma, n * n * n,
        [&](std::uint64_t i) {
          return triple{ex::pad(f, i / (n * n)), ex::pad(f, (i / n) % n), ex::pad(f, i % n)};
        },
        log);
    report(log, ex::to_string(c.t) + " fma all triples");
  }
}

// fma for FP8: all pairs (a, b) x addends c: the specials and a few fixed values, the codes
// nearest -a*b and their neighbours (massive cancellation), and a hashed random code.
void fp8_fma_sample(const std::vector<config>& configs) {
  for (const config& cf : configs) {
    const ex::format_desc f = cf.t.f;
    const std::uint64_t n = ex::code_count(f);
    const std::uint64_t top = ex::max_index(f);
    const std::vector<std::uint64_t> fixed = {
        0,   ex::sign_bit(f),       1,       ex::sign_bit(f) | 1,
        top, ex::sign_bit(f) | top, top + 1, ex::sign_bit(f) | (top + 1)};
    constexpr std::uint64_t per_pair = 13;
    failure_log log;
    check_op(
        cf.t, cf.lib, op::fma, n * n * per_pair,
        [&](std::uint64_t i) {
          const std::uint64_t a = i / (n * per_pair), b = (i / per_pair) % n, k = i % per_pair;
          std::uint64_t c = 0;
          if (k < fixed.size()) {
            c = fixed[k] & (n - 1);
          } else if (k < 12) {
            // -(a*b) rounded to nearest (exact reference), and the codes around it
            const ex::result p = ex::mul(ex::target{f}, a, b);
            const std::uint64_t base = p.nan ? 0 : (p.bits >> f.padding) ^ ex::sign_bit(f);
            c = (base + n + k - 10) % n;  // base - 2 .. base + 1
          } else {
            c = hash64(i) % n;
          }
          return triple{ex::pad(f, a), ex::pad(f, b), ex::pad(f, c)};
        },
        log);
    report(log, ex::to_string(cf.t) + " fma all pairs x 13 addends");
  }
}

// ---- wide formats: structured samples --------------------------------------------------------

// Significands at the boundaries: 0, 1, 2, 3, around the middle, the top, alternating patterns.
std::vector<std::uint64_t> boundary_significands(int m) {
  const std::uint64_t max = (std::uint64_t{1} << m) - 1, mid = std::uint64_t{1} << (m - 1);
  std::vector<std::uint64_t> v = {0,
                                  1,
                                  2,
                                  3,
                                  mid - 1,
                                  mid,
                                  mid + 1,
                                  max - 2,
                                  max - 1,
                                  max,
                                  0x5555555555555555ULL & max,
                                  0xAAAAAAAAAAAAAAAAULL & max};
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

struct structured_sampler {
  ex::format_desc f;
  std::vector<std::uint64_t> sigs;
  std::uint64_t exps;  // 2^E exponent fields, the special one included

  explicit structured_sampler(const ex::format_desc& d)
      : f(d), sigs(boundary_significands(d.man_bits)), exps(std::uint64_t{1} << d.exp_bits) {}

  std::uint64_t code(bool neg, std::uint64_t e, std::uint64_t sig) const {
    return ex::make_code(f, neg, (e << f.man_bits) | sig);
  }
  // Operand pair number i: exponent pair (i / per) and, per exponent pair, `per` significand and
  // sign combinations; when per >= sigs^2 * 4 every combination is taken, else a hashed sample.
  triple pair(std::uint64_t i, std::uint64_t per, std::uint64_t salt) const {
    const std::uint64_t ep = i / per, k = i % per;
    const std::uint64_t ea = ep / exps, eb = ep % exps;
    const std::uint64_t s = sigs.size();
    std::uint64_t combo = 0;
    if (per >= s * s * 4) {
      combo = k;
    } else {
      combo = hash64(i ^ (salt << 40)) % (s * s * 4);
    }
    const std::uint64_t sa = sigs[combo % s], sb = sigs[(combo / s) % s], sg = combo / (s * s);
    return triple{code((sg & 1) != 0, ea, sa), code((sg & 2) != 0, eb, sb), 0};
  }
  std::uint64_t pair_count(std::uint64_t per) const { return exps * exps * per; }

  // fma triple: a, b random from the boundary set; c's exponent near that of a*b (cancellation,
  // ties after alignment) or random.
  triple fma_triple(std::uint64_t i, std::uint64_t salt) const {
    const std::uint64_t h1 = hash64(i ^ (salt << 40)), h2 = hash64(h1), h3 = hash64(h2);
    const std::uint64_t s = sigs.size();
    const std::uint64_t ea = h1 % exps, eb = (h1 >> 20) % exps;
    const std::int64_t bias = f.bias;
    std::int64_t ec = static_cast<std::int64_t>(ea + eb) - bias;
    const std::int64_t spread = f.man_bits + 4;
    ec += static_cast<std::int64_t>(h2 % static_cast<std::uint64_t>(2 * spread + 1)) - spread;
    if ((h3 & 7) == 0) ec = static_cast<std::int64_t>((h3 >> 3) % exps);
    ec = std::clamp<std::int64_t>(ec, 0, static_cast<std::int64_t>(exps) - 1);
    std::uint64_t sc = sigs[(h2 >> 16) % s];
    if ((h3 & 0x30) == 0) sc = (h3 >> 8) & ((std::uint64_t{1} << f.man_bits) - 1);
    return triple{code((h3 >> 40) & 1, ea, sigs[(h1 >> 40) % s]),
                  code((h3 >> 41) & 1, eb, sigs[(h1 >> 50) % s]),
                  code((h3 >> 42) & 1, static_cast<std::uint64_t>(ec), sc)};
  }

  // sqrt operand: every exponent x boundary significand x sign, then hashed random codes.
  triple single(std::uint64_t i, std::uint64_t salt) const {
    const std::uint64_t s = sigs.size(), n = exps * s * 2;
    if (i < n) return triple{code((i / (exps * s)) != 0, (i / s) % exps, sigs[i % s]), 0, 0};
    const std::uint64_t h = hash64(i ^ (salt << 40));
    return triple{ex::pad(f, h % ex::code_count(f)), 0, 0};
  }
  std::uint64_t single_count(std::uint64_t random) const { return exps * sigs.size() * 2 + random; }
};

// per: significand/sign combinations per exponent pair for + - * /; fmas, sqrts: sample sizes.
void structured(const std::vector<config>& configs, std::uint64_t per, std::uint64_t fmas,
                std::uint64_t sqrts) {
  std::uint64_t salt = 0;
  for (const config& c : configs) {
    const structured_sampler s(c.t.f);
    ++salt;
    failure_log log;
    for (op o : {op::add, op::sub, op::mul, op::div}) {
      const std::uint64_t os = salt * 8 + static_cast<std::uint64_t>(o);
      check_op(
          c.t, c.lib, o, s.pair_count(per), [&](std::uint64_t i) { return s.pair(i, per, os); },
          log);
    }
    check_op(
        c.t, c.lib, op::fma, fmas, [&](std::uint64_t i) { return s.fma_triple(i, salt); }, log);
    check_op(
        c.t, c.lib, op::sqrt, s.single_count(sqrts),
        [&](std::uint64_t i) { return s.single(i, salt); }, log);
    report(log, ex::to_string(c.t) + " structured sample");
  }
}

}  // namespace

TEST_SUITE("arithmetic") {
  TEST_CASE_TEMPLATE("exhaustive: all pairs + - * /, all codes sqrt, every mode", F, fm::e4m3,
                     fm::e5m2, fm::e4m3fnuz, fm::e5m2fnuz, fm::e8m0, fm::e3m2, fm::e2m3, fm::e2m1) {
    const timer tm(std::string("all pairs ") + F::name);
    all_pairs_all_ops(all_configs<F>());
  }

  TEST_CASE_TEMPLATE("exhaustive: all pairs of comparisons", F, fm::e4m3, fm::e5m2, fm::e4m3fnuz,
                     fm::e5m2fnuz, fm::e8m0, fm::e3m2, fm::e2m3, fm::e2m1) {
    all_pairs_comparisons({config_of<mixprec::floating<F>>(),
                           config_of<mixprec::floating<F, rounding::nearest_even,
                                                       overflow::standard, subnormals::flush>>()});
  }

  TEST_CASE_TEMPLATE("exhaustive: fma over all triples", F, fm::e2m1, fm::e3m2, fm::e2m3) {
    const timer tm(std::string("fma all triples ") + F::name);
    all_triples_fma(all_configs<F>());
  }

  TEST_CASE_TEMPLATE("exhaustive: fma over all pairs x cancelling addends", F, fm::e4m3, fm::e5m2,
                     fm::e4m3fnuz, fm::e5m2fnuz) {
    const timer tm(std::string("fma sample ") + F::name);
    fp8_fma_sample(all_configs<F>());
  }

  TEST_CASE_TEMPLATE("exhaustive: fma over all triples of FP8 codes (two configurations)", F,
                     fm::e4m3, fm::e5m2, fm::e4m3fnuz, fm::e5m2fnuz) {
    const timer tm(std::string("fma all triples ") + F::name);
    all_triples_fma(
        {config_of<mixprec::floating<F>>(),
         config_of<
             mixprec::floating<F, rounding::downward, overflow::saturate, subnormals::flush>>()});
  }

  TEST_CASE_TEMPLATE("exhaustive: sqrt over all codes, every mode", F, fm::fp16, fm::bf16) {
    const timer tm(std::string("sqrt all codes ") + F::name);
    for (const config& c : all_configs<F>()) {
      failure_log log;
      check_op(
          c.t, c.lib, op::sqrt, ex::code_count(c.t.f),
          [](std::uint64_t i) {
            return triple{i, 0, 0};
          },
          log);
      report(log, ex::to_string(c.t) + " sqrt all codes");
    }
  }

  TEST_CASE("structured: half") {
    const timer tm("structured half");
    structured(all_configs<fm::fp16>(), 144 * 4, 1 << 16, 1 << 12);
  }
  TEST_CASE("structured: bfloat16") {
    const timer tm("structured bfloat16");
    structured(all_configs<fm::bf16>(), 8, 1 << 16, 1 << 12);
  }
  TEST_CASE("structured: float32") {
    const timer tm("structured float32");
    structured(all_configs<fm::fp32>(), 2, 1 << 16, 1 << 14);
  }
  TEST_CASE("structured: tfloat32") {
    const timer tm("structured tfloat32");
    structured(all_configs<fm::tf32>(), 2, 1 << 15, 1 << 14);
  }
}
