#pragma once
/// \file autodiff/scalar_gradcheck.hpp
/// `scalar_gradcheck`: the gradients of a scalar function from a `scalar_tape`, compared with
/// central finite differences of the same function evaluated in double.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <ostream>
#include <span>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "mixprec/autodiff/scalar.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/detail/gradient_compare.hpp"

namespace mixprec {

/// The tolerances of `scalar_gradcheck`: an analytic gradient a passes against the numeric one n
/// when |a - n| <= abs + rel * |n|.
struct scalar_gradcheck_tolerance {
  double abs = 1e-7;
  double rel = 1e-6;
};

/// What `scalar_gradcheck` found. Converts to true when every input passed; prints its worst
/// input with `<<` or `to_string()`.
struct scalar_gradcheck_result {
  bool passed = true;
  /// The input whose error is the largest fraction of its allowance (abs + rel * |numeric|).
  std::size_t worst_index = 0;
  double worst_analytic = 0;
  double worst_numeric = 0;
  /// |analytic - numeric| and abs + rel * |numeric| at the worst input.
  double worst_error = 0;
  double worst_allowed = 0;
  /// The function's value on the tape.
  double value = 0;
  /// The inputs as the tape saw them (rounded into its value type), and both gradients.
  std::vector<double> inputs, analytic, numeric;

  explicit operator bool() const noexcept { return passed; }

  std::string to_string() const {
    std::ostringstream out;
    out.precision(std::numeric_limits<double>::max_digits10);
    out << "scalar_gradcheck " << (passed ? "passed" : "FAILED") << " over " << analytic.size()
        << " inputs; worst input " << worst_index << ": analytic " << worst_analytic << ", numeric "
        << worst_numeric << ", error " << worst_error << " (allowed " << worst_allowed << ")";
    return out.str();
  }
  friend std::ostream& operator<<(std::ostream& out, const scalar_gradcheck_result& r) {
    return out << r.to_string();
  }
};

/// Checks the gradients of `f` at `inputs`.
///
/// `f` is called as `f(std::span<const V> x)` twice over: with the variables of a `Tape`
/// (returning a variable of that tape; its gradients are the analytic ones) and with plain
/// doubles (returning something convertible to double; its central differences are the numeric
/// ones). A generic lambda does both:
/// \code
///   auto f = [](auto x) { using std::exp; return exp(x[0] * x[1]) + x[1]; };
///   auto r = mixprec::scalar_gradcheck<mixprec::scalar_tape<float>>(f, {0.5, -1.0});
///   if (!r) std::cerr << r << '\n';
/// \endcode
///
/// The inputs are rounded into the tape's value type first, and the differences are taken
/// around those rounded values, so both gradients are of the same point. For input i the step
/// is h = cbrt(eps) * max(1, |x_i|) (eps of double; it balances the O(h^2) truncation error
/// against the O(eps / h) rounding error), and the quotient divides by the exact distance
/// (x_i + h) - (x_i - h) between the two points.
template <class Tape = scalar_tape<double>, class F>
scalar_gradcheck_result scalar_gradcheck(F&& f, std::span<const double> inputs,
                                         scalar_gradcheck_tolerance tolerance = {}) {
  using var = typename Tape::var;
  scalar_gradcheck_result result;
  const std::size_t n = inputs.size();

  Tape tape;
  std::vector<var> x;
  x.reserve(n);
  for (double v : inputs) x.push_back(tape.variable(v));
  const auto y = f(std::span<const var>(x));
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(y)>, var>,
                "scalar_gradcheck: f must return a variable of the tape when given its variables");
  tape.backward(y);
  result.value = to_double(y.value());
  for (std::size_t i = 0; i < n; ++i) {
    result.inputs.push_back(to_double(x[i].value()));
    result.analytic.push_back(to_double(tape.gradient(x[i])));
  }

  std::vector<double> p = result.inputs;
  const double step = std::cbrt(std::numeric_limits<double>::epsilon());
  for (std::size_t i = 0; i < n; ++i) {
    const double xi = p[i];
    const double h = step * std::max(1.0, std::abs(xi));
    const double hi = xi + h, lo = xi - h;
    p[i] = hi;
    const double f_hi = static_cast<double>(f(std::span<const double>(p)));
    p[i] = lo;
    const double f_lo = static_cast<double>(f(std::span<const double>(p)));
    p[i] = xi;
    result.numeric.push_back((f_hi - f_lo) / (hi - lo));
  }

  double worst = -1;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = result.analytic[i], num = result.numeric[i];
    const auto c = detail::compare_gradient(a, num, tolerance.abs, tolerance.rel);
    if (!c.ok) result.passed = false;
    if (c.ratio > worst) {
      worst = c.ratio;
      result.worst_index = i;
      result.worst_analytic = a;
      result.worst_numeric = num;
      result.worst_error = c.error;
      result.worst_allowed = c.allowed;
    }
  }
  return result;
}

/// The same with the inputs in a braced list.
template <class Tape = scalar_tape<double>, class F>
scalar_gradcheck_result scalar_gradcheck(F&& f, std::initializer_list<double> inputs,
                                         scalar_gradcheck_tolerance tolerance = {}) {
  return scalar_gradcheck<Tape>(std::forward<F>(f),
                                std::span<const double>(inputs.begin(), inputs.size()), tolerance);
}

}  // namespace mixprec
