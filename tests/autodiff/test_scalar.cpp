// Tests of autodiff/scalar.hpp and autodiff/scalar_gradcheck.hpp: gradients of every primitive
// against derivatives written out here in double; gradcheck of every primitive and of composites
// under double, float, bfloat16 values with float adjoints and half values with float adjoints;
// values rounded once into the value type; adjoints kept in the adjoint type; constants; reuse
// of a tape's memory; every misuse and the tape afterwards; tapes on two threads.

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mixprec/autodiff/scalar.hpp>
#include <mixprec/autodiff/scalar_gradcheck.hpp>
#include <mixprec/mixprec.hpp>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using mixprec::bfloat16;
using mixprec::half;
using mixprec::scalar_gradcheck;
using mixprec::scalar_gradcheck_tolerance;
using mixprec::scalar_tape;
using mixprec::scalar_var;

using dtape = scalar_tape<double>;
using dvar = dtape::var;

/// dy/dx for y = f(x) on a fresh double tape, one input.
template <class F>
double d1(F f, double x) {
  dtape t;
  dvar v = t.variable(x);
  dvar y = f(v);
  t.backward(y);
  return v.grad();
}

/// (dy/da, dy/db) for y = f(a, b).
template <class F>
std::pair<double, double> d2(F f, double a, double b) {
  dtape t;
  dvar va = t.variable(a), vb = t.variable(b);
  dvar y = f(va, vb);
  t.backward(y);
  return {va.grad(), vb.grad()};
}

/// Within 4 ulps of double (the rules evaluate the same formulas, possibly rounded differently).
bool close(double got, double want) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::abs(got - want) <= 4 * std::numeric_limits<double>::epsilon() * std::abs(want) +
                                     std::numeric_limits<double>::min();
}

/// bfloat16 rounding (to nearest even) of a float, with integer arithmetic: the independent
/// reference for values on a bf16 tape.
double bf16_round(float x) {
  std::uint32_t b = std::bit_cast<std::uint32_t>(x);
  b += 0x7FFFu + ((b >> 16) & 1u);
  return static_cast<double>(std::bit_cast<float>(b & 0xFFFF0000u));
}

}  // namespace

TEST_SUITE("autodiff/scalar") {
  TEST_CASE("every primitive: gradient against its derivative written out in double") {
    const double xs[] = {0.3, 1.7, 2.5};
    for (double a : xs) {
      CAPTURE(a);
      const double b = 0.8 - a / 3;  // another operand, nonzero
      CHECK(close(d2([](dvar x, dvar y) { return x + y; }, a, b).first, 1.0));
      CHECK(close(d2([](dvar x, dvar y) { return x + y; }, a, b).second, 1.0));
      CHECK(close(d2([](dvar x, dvar y) { return x - y; }, a, b).second, -1.0));
      CHECK(close(d2([](dvar x, dvar y) { return x * y; }, a, b).first, b));
      CHECK(close(d2([](dvar x, dvar y) { return x * y; }, a, b).second, a));
      CHECK(close(d2([](dvar x, dvar y) { return x / y; }, a, b).first, 1 / b));
      CHECK(close(d2([](dvar x, dvar y) { return x / y; }, a, b).second, -a / (b * b)));
      CHECK(close(d1([](dvar x) { return -x; }, a), -1.0));
      CHECK(close(d1([](dvar x) { return exp(x); }, a), std::exp(a)));
      CHECK(close(d1([](dvar x) { return log(x); }, a), 1 / a));
      CHECK(close(d1([](dvar x) { return sqrt(x); }, a), 1 / (2 * std::sqrt(a))));
      CHECK(
          close(d2([](dvar x, dvar y) { return pow(x, y); }, a, b).first, b * std::pow(a, b - 1)));
      CHECK(close(d2([](dvar x, dvar y) { return pow(x, y); }, a, b).second,
                  std::pow(a, b) * std::log(a)));
      CHECK(close(d1([](dvar x) { return pow(x, 3.5); }, a), 3.5 * std::pow(a, 2.5)));
      CHECK(close(d1([](dvar x) { return pow(2.0, x); }, a), std::pow(2.0, a) * std::log(2.0)));
      CHECK(close(d1([](dvar x) { return sin(x); }, a), std::cos(a)));
      CHECK(close(d1([](dvar x) { return cos(x); }, a), -std::sin(a)));
      const double th = std::tanh(a);
      CHECK(close(d1([](dvar x) { return tanh(x); }, a), 1 - th * th));
      const double s = 1 / (1 + std::exp(-a));
      CHECK(close(d1([](dvar x) { return sigmoid(x); }, a), s * (1 - s)));
      CHECK(close(d1([](dvar x) { return relu(x); }, a), 1.0));
      CHECK(close(d1([](dvar x) { return relu(x); }, -a), 0.0));
      CHECK(close(d1([](dvar x) { return abs(x); }, a), 1.0));
      CHECK(close(d1([](dvar x) { return abs(x); }, -a), -1.0));
    }
    // The conventions at the kinks and edges.
    CHECK(d1([](dvar x) { return relu(x); }, 0.0) == 0.0);
    CHECK(d1([](dvar x) { return abs(x); }, 0.0) == 0.0);
    CHECK(d1([](dvar x) { return sqrt(x); }, 0.0) == std::numeric_limits<double>::infinity());
    CHECK(d1([](dvar x) { return pow(x, 0.0); }, 0.0) == 0.0);
    CHECK(d2([](dvar x, dvar y) { return pow(x, y); }, 0.0, 2.0).second == 0.0);
    CHECK(std::isnan(d2([](dvar x, dvar y) { return pow(x, y); }, -2.0, 2.0).second));
    CHECK(d2([](dvar x, dvar y) { return pow(x, y); }, -2.0, 2.0).first == -4.0);
  }

  TEST_CASE("values: + - * / round once into the value type, functions once from double") {
    scalar_tape<bfloat16, float> t;
    const double a = 1.2890625, b = 0.3359375;  // bf16 values
    auto x = t.variable(a), y = t.variable(b);
    CHECK(static_cast<double>((x * y).value()) == bf16_round(static_cast<float>(a * b)));
    CHECK(static_cast<double>((x + y).value()) == bf16_round(static_cast<float>(a + b)));
    CHECK(static_cast<double>((x - y).value()) == bf16_round(static_cast<float>(a - b)));
    CHECK(static_cast<double>(exp(x).value()) ==
          bf16_round(static_cast<float>(std::exp(a))));  // no tie this close to e^a
    // The partials are computed in double from the operands, then rounded into float.
    auto e = exp(x);
    t.backward(e);
    CHECK(x.grad() == static_cast<float>(std::exp(a)));
    // Variables from constants are rounded into bf16.
    CHECK(static_cast<double>(t.variable(0.1).value()) == bf16_round(0.1f));
  }

  TEST_CASE("adjoints are kept in the adjoint type, which may differ from the value type") {
    static_assert(
        std::is_same_v<decltype(std::declval<scalar_var<bfloat16, float>>().grad()), float>);
    static_assert(std::is_same_v<mixprec::scalar_tape_for<mixprec::presets::mixed_bf16>,
                                 scalar_tape<bfloat16, float>>);
    static_assert(std::is_same_v<mixprec::scalar_tape_for<mixprec::presets::fp32>,
                                 scalar_tape<float, float>>);
    static_assert(std::is_same_v<mixprec::scalar_tape_for<mixprec::presets::pure_bf16>,
                                 scalar_tape<bfloat16, bfloat16>>);
    // x used 300 times: its adjoint counts 1 per use. In bf16 (8 significant bits) the count
    // stops at 256 (256 + 1 rounds to even, 256); in float it reaches 300.
    auto count_uses = [](auto& tape) {
      auto x = tape.variable(0.5);
      auto s = x;
      for (int i = 1; i < 300; ++i) s = s + x;
      tape.backward(s);
      return static_cast<double>(x.grad());
    };
    scalar_tape<bfloat16, bfloat16> narrow;
    scalar_tape<bfloat16, float> wide;
    CHECK(count_uses(narrow) == 256.0);
    CHECK(count_uses(wide) == 300.0);
    // bf16 values, float partials: d(x * y)/dx is y exactly.
    wide.clear();
    auto x = wide.variable(3.0), y = wide.variable(0.0078125);
    wide.backward(x * y * 1.5);
    CHECK(x.grad() == 0.01171875f);
    CHECK(y.grad() == 4.5f);
  }

  TEST_CASE("constants of every arithmetic type mix with variables") {
    dtape t;
    dvar x = t.variable(2.0);
    dvar y = 3 * x + x * 2.0f - 1 + (5.0 - x) - x / 4 + 8 / x + (x + 1u) + (7L - x) * 2;
    // y = 3x + 2x - 1 + 5 - x - x/4 + 8/x + x + 1 + 14 - 2x
    CHECK(y.value() == 3 * 2.0 + 2 * 2.0 - 1 + 3.0 - 0.5 + 4.0 + 3.0 + 10.0);
    t.backward(y);
    CHECK(x.grad() == 3 + 2 - 1 - 0.25 - 8 / 4.0 + 1 - 2);
    dvar z = x;
    z += 1;
    z *= x;
    z -= 0.5;
    z /= 2;  // z = ((x + 1) x - 0.5) / 2, dz/dx = (2x + 1) / 2
    t.clear();
    x = t.variable(2.0);
    z = x;
    z += 1;
    z *= x;
    z -= 0.5;
    z /= 2;
    t.backward(z);
    CHECK(z.value() == 2.75);
    CHECK(x.grad() == 2.5);
    // With bf16 values a constant is rounded into bf16 first: 0.1 becomes 0.10009765625.
    scalar_tape<bfloat16, float> tb;
    auto b = tb.variable(1.0);
    auto c = b * 0.1;
    tb.backward(c);
    CHECK(b.grad() == 0.10009765625f);
  }

  TEST_CASE("statements the output does not depend on never reach a gradient") {
    dtape t;
    dvar x = t.variable(0.0);
    dvar unrelated = sqrt(x);  // partial +inf
    dvar y = x * 3;
    dvar later = log(x);  // recorded after y
    t.backward(y);
    CHECK(x.grad() == 3.0);
    CHECK(unrelated.grad() == 0.0);
    CHECK(later.grad() == 0.0);
    CHECK(y.grad() == 1.0);
  }

  TEST_CASE("backward with a seed, and retain") {
    dtape t;
    dvar x = t.variable(1.5);
    dvar y = x * x;
    dvar z = sin(x);
    t.backward(y, 2.0, {.retain = true});
    CHECK(x.grad() == 6.0);
    t.backward(z);  // allowed: the previous one retained; starts from zero adjoints
    CHECK(x.grad() == std::cos(1.5));
    CHECK_THROWS_WITH_AS(t.backward(y),
                         "backward: the tape was already swept by a backward pass without retain; "
                         "pass {.retain = true} to the first backward to sweep again, or clear() "
                         "it",
                         mixprec::error);
    CHECK(x.grad() == std::cos(1.5));  // still readable
    t.clear();
    x = t.variable(1.5);
    t.backward(x * x);
    CHECK(x.grad() == 3.0);
  }

  TEST_CASE("every misuse throws a message naming the op, and the tape stays usable") {
    dtape t, other;
    dvar x = t.variable(1.0);
    dvar o = other.variable(2.0);
    dvar empty;
    const std::size_t size = t.size();

    CHECK_THROWS_WITH_AS(x * o, "operator*: the operands belong to different tapes",
                         mixprec::error);
    CHECK_THROWS_WITH_AS(pow(o, x), "pow: the operands belong to different tapes", mixprec::error);
    CHECK_THROWS_WITH_AS(sin(empty), "sin: an empty variable (default-constructed, on no tape)",
                         mixprec::error);
    CHECK_THROWS_WITH_AS(x + empty,
                         "operator+: an empty variable (default-constructed, on no tape)",
                         mixprec::error);
    CHECK_THROWS_WITH_AS(t.backward(o), "backward: the variable belongs to another tape",
                         mixprec::error);
    CHECK_THROWS_WITH_AS(t.gradient(x), "gradient: no backward pass since the tape's last clear()",
                         mixprec::error);
    CHECK_THROWS_WITH_AS(empty.grad(), "grad: an empty variable (default-constructed, on no tape)",
                         mixprec::error);
    CHECK(t.size() == size);  // nothing recorded by the failed operations

    dvar y = x * 2;
    t.backward(y);
    CHECK_THROWS_WITH_AS(t.gradient(o), "gradient: the variable belongs to another tape",
                         mixprec::error);
    dvar after = x + 1;
    CHECK_THROWS_WITH_AS(after.grad(),
                         "gradient: the variable was recorded after the last backward pass",
                         mixprec::error);
    CHECK_THROWS_WITH_AS(t.backward(y), doctest::Contains("backward: the tape was already swept"),
                         mixprec::error);
    CHECK(x.grad() == 2.0);

    t.clear();
    CHECK_FALSE(x.valid());
    CHECK_THROWS_WITH_AS(exp(x), "exp: the variable was recorded before its tape's last clear()",
                         mixprec::error);
    dvar fresh = t.variable(3.0);
    CHECK_THROWS_WITH_AS(fresh - x,
                         "operator-: an operand was recorded before its tape's last clear()",
                         mixprec::error);
    CHECK_THROWS_WITH_AS(t.backward(y),
                         "backward: the variable was recorded before its tape's last clear()",
                         mixprec::error);
    CHECK_THROWS_WITH_AS(x.grad(),
                         "gradient: the variable was recorded before its tape's last clear()",
                         mixprec::error);

    // Still usable after every failure.
    CHECK(fresh.valid());
    dvar z = fresh * fresh + o.value();
    t.backward(z);
    CHECK(fresh.grad() == 6.0);
    CHECK(z.value() == 11.0);
  }

  TEST_CASE("a reused tape stops allocating after its first step") {
    scalar_tape<float> t;
    std::size_t reserved = 0;
    for (int step = 0; step < 100; ++step) {
      t.clear();
      std::vector<scalar_var<float>> x;
      for (int i = 0; i < 50; ++i) x.push_back(t.variable(0.01 * (i + step)));
      auto s = x[0] * 0;
      for (int k = 0; k < 400; ++k) s = s + sin(x[static_cast<std::size_t>(k % 50)] * 1.5);
      t.backward(s);
      CHECK(t.size() == 50 + 1 + 400 * 3);
      CHECK(t.bytes_recorded() == t.size() * sizeof(float) * 4);
      if (step == 0) reserved = t.bytes_reserved();
      CHECK(t.bytes_reserved() == reserved);
    }
  }

  TEST_CASE("long tapes cross chunk boundaries") {
    dtape t;
    dvar x = t.variable(1.0);
    dvar s = x;
    const int n = 200000;
    for (int i = 0; i < n; ++i) s = s + x * 1.0;
    t.backward(s);
    CHECK(x.grad() == n + 1.0);
    CHECK(t.size() == 1 + 2 * static_cast<std::size_t>(n));
  }

  TEST_CASE("two threads on their own tapes give the bits of running one after the other") {
    // 1000 steps of a small function on one tape; every gradient and value is returned.
    auto run = [](double seed) {
      scalar_tape<bfloat16, float> t;
      std::vector<float> out;
      for (int step = 0; step < 1000; ++step) {
        t.clear();
        auto a = t.variable(seed + 0.001 * step), b = t.variable(0.5 - 0.0003 * step);
        auto y = tanh(a * b + 1) * exp(b / 3) + sigmoid(a - b) * sin(a);
        t.backward(y);
        out.push_back(a.grad());
        out.push_back(b.grad());
        out.push_back(static_cast<float>(y.value()));
      }
      return out;
    };
    const std::vector<float> first = run(0.25), second = run(-0.75);
    std::vector<float> r1, r2;
    std::thread t1([&] { r1 = run(0.25); });
    std::thread t2([&] { r2 = run(-0.75); });
    t1.join();
    t2.join();
    REQUIRE(r1.size() == first.size());
    REQUIRE(r2.size() == second.size());
    CHECK(std::memcmp(r1.data(), first.data(), first.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(r2.data(), second.data(), second.size() * sizeof(float)) == 0);
  }
}

// ---- gradcheck
// ------------------------------------------------------------------------------------

namespace {

template <class T>
T rosenbrock(std::span<const T> x) {
  T s = (x[0] - x[0]) * 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const T a = x[i + 1] - x[i] * x[i];
    const T b = 1 - x[i];
    s = s + (100 * (a * a) + b * b);
  }
  return s;
}

/// A two-layer perceptron on two inputs, three hidden units: inputs are x (2), w1 (6), b1 (3),
/// w2 (3); tanh hidden units, a sigmoid output, a log loss.
template <class T>
T mlp(std::span<const T> p) {
  using std::exp;
  using std::log;
  using std::tanh;
  T out = p[11] * 0;
  for (std::size_t j = 0; j < 3; ++j) {
    const T h = tanh(p[2 + 2 * j] * p[0] + p[3 + 2 * j] * p[1] + p[8 + j]);
    out = out + p[11 + j] * h;
  }
  const T s = 1 / (1 + exp(-out));
  return -log(s);
}

double sigmoid_d(double x) { return 1 / (1 + std::exp(-x)); }
double relu_d(double x) { return x > 0 ? x : 0; }

/// Runs every check for one tape type with tolerance `single` (one primitive of the inputs) and
/// `composite` (Rosenbrock, the perceptron, a mixed expression).
template <class Tape>
void check_all(scalar_gradcheck_tolerance single, scalar_gradcheck_tolerance composite) {
  using std::abs;
  using std::cos;
  using std::exp;
  using std::log;
  using std::pow;
  using std::sin;
  using std::sqrt;
  using std::tanh;
  auto check = [](const char* name, auto f, std::vector<double> x, scalar_gradcheck_tolerance tol) {
    const mixprec::scalar_gradcheck_result r =
        scalar_gradcheck<Tape>(f, std::span<const double>(x), tol);
    INFO(name << ": " << r);
    CHECK(r.passed);
  };
  // One primitive. Overloads for double come from std (sigmoid and relu from here).
  check(
      "add", [](auto x) { return x[0] + x[1]; }, {0.7, -1.3}, single);
  check(
      "sub", [](auto x) { return x[0] - x[1]; }, {0.7, -1.3}, single);
  check(
      "mul", [](auto x) { return x[0] * x[1]; }, {0.7, -1.3}, single);
  check(
      "div", [](auto x) { return x[0] / x[1]; }, {0.7, -1.3}, single);
  check(
      "neg", [](auto x) { return -x[0]; }, {0.7}, single);
  check(
      "exp", [](auto x) { return exp(x[0]); }, {0.7}, single);
  check(
      "log", [](auto x) { return log(x[0]); }, {0.7}, single);
  check(
      "sqrt", [](auto x) { return sqrt(x[0]); }, {0.7}, single);
  check(
      "pow", [](auto x) { return pow(x[0], x[1]); }, {0.7, 1.6}, single);
  check(
      "pow const exponent", [](auto x) { return pow(x[0], 3.0); }, {0.7}, single);
  check(
      "pow const base", [](auto x) { return pow(2.0, x[0]); }, {0.7}, single);
  check(
      "sin", [](auto x) { return sin(x[0]); }, {0.7}, single);
  check(
      "cos", [](auto x) { return cos(x[0]); }, {0.7}, single);
  check(
      "tanh", [](auto x) { return tanh(x[0]); }, {0.7}, single);
  check(
      "sigmoid",
      [](auto x) {
        if constexpr (std::is_same_v<decltype(x), std::span<const double>>) {
          return sigmoid_d(x[0]);
        } else {
          return sigmoid(x[0]);
        }
      },
      {0.7}, single);
  check(
      "relu",
      [](auto x) {
        if constexpr (std::is_same_v<decltype(x), std::span<const double>>) {
          return relu_d(x[0]) + relu_d(x[1]);
        } else {
          return relu(x[0]) + relu(x[1]);
        }
      },
      {0.7, -0.4}, single);
  check(
      "abs", [](auto x) { return abs(x[0]) + abs(x[1]); }, {0.7, -0.4}, single);
  // Composites.
  check(
      "rosenbrock", [](auto x) { return rosenbrock(x); }, {-1.2, 1.0, 0.5, 0.8, -0.3}, composite);
  check(
      "mlp", [](auto x) { return mlp(x); },
      {0.5, -1.0, 0.3, -0.2, 0.8, 0.1, -0.5, 0.6, 0.1, -0.1, 0.2, 0.7, -0.4, 0.9}, composite);
  check(
      "mixed",
      [](auto x) {
        return sin(x[0] * x[1] + 0.5) * exp(x[1] / 4) - sqrt(x[0] * x[0] + 1) / (2 + cos(x[2])) +
               pow(x[2], 2.0) * tanh(x[0]);
      },
      {0.6, -0.9, 1.1}, composite);
}

}  // namespace

TEST_SUITE("autodiff/scalar") {
  // Tolerances. The numeric gradient is a central difference in double with h = cbrt(eps) (about
  // 6e-6) relative: its error is about h^2 |f'''| / 6 + eps |f| / h, below 1e-10 for these
  // functions, so the tolerances are set by the tape's own rounding:
  //  - one primitive of the inputs: the inputs are exact in every value type and each partial is
  //    computed in double from them and rounded once into Adjoint, so the gradient is within one
  //    unit roundoff u_A of Adjoint (plus, for pow(x, y) in double, the few ulps of the formula):
  //    abs = rel = 8 u_A.
  //  - composites: every intermediate value is rounded into Value (unit roundoff u_V), and a
  //    partial computed from a rounded intermediate carries its relative error times the
  //    conditioning of that partial. To first order the gradient's error is below k kappa u_V
  //    with k <= 8 roundings on any path and conditioning kappa <= 2 at these inputs:
  //    abs = rel = 16 u_V (u_V = 2^-24, 2^-11, 2^-8 for float, half, bfloat16; measured: at most
  //    2.1 u_V). For double the numeric difference dominates: 1e-9.
  TEST_CASE("gradcheck: Value = Adjoint = double") {
    const double u = std::ldexp(1.0, -53);
    check_all<scalar_tape<double>>({8 * u + 1e-9, 8 * u + 1e-9}, {1e-9, 1e-9});
  }
  TEST_CASE("gradcheck: Value = Adjoint = float") {
    const double u = std::ldexp(1.0, -24);
    check_all<scalar_tape<float>>({8 * u, 8 * u}, {16 * u, 16 * u});
  }
  TEST_CASE("gradcheck: Value = bfloat16, Adjoint = float") {
    const double ua = std::ldexp(1.0, -24), uv = std::ldexp(1.0, -8);
    check_all<scalar_tape<bfloat16, float>>({8 * ua, 8 * ua}, {16 * uv, 16 * uv});
  }
  TEST_CASE("gradcheck: Value = half, Adjoint = float") {
    const double ua = std::ldexp(1.0, -24), uv = std::ldexp(1.0, -11);
    check_all<scalar_tape<half, float>>({8 * ua, 8 * ua}, {16 * uv, 16 * uv});
  }

  TEST_CASE("gradcheck reports a wrong gradient with its worst input") {
    // A function whose double and taped forms differ on purpose: the analytic gradient of x^2
    // against the numeric one of x^2 + 0.1 x.
    auto f = [](auto x) {
      if constexpr (std::is_same_v<decltype(x), std::span<const double>>) {
        return x[0] * x[0] + x[1] * x[1] + 0.1 * x[1];
      } else {
        return x[0] * x[0] + x[1] * x[1];
      }
    };
    const mixprec::scalar_gradcheck_result r = scalar_gradcheck(f, {1.0, 2.0});
    CHECK_FALSE(r.passed);
    CHECK_FALSE(static_cast<bool>(r));
    CHECK(r.worst_index == 1);
    CHECK(r.worst_analytic == 4.0);
    CHECK(r.worst_numeric == doctest::Approx(4.1).epsilon(1e-9));
    CHECK(r.analytic.size() == 2);
    CHECK(r.to_string().find("FAILED") != std::string::npos);
    CHECK(r.to_string().find("worst input 1") != std::string::npos);
    const mixprec::scalar_gradcheck_result ok =
        scalar_gradcheck([](auto x) { return x[0] * x[1]; }, {1.5, -2.0});
    CHECK(ok.passed);
    CHECK(ok.value == -3.0);
  }
}
