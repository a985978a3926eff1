#pragma once
/// \file autodiff/gradcheck.hpp
/// `gradcheck`: compares the gradients a tape computes under a policy with central finite
/// differences of the same function evaluated in double.
///
/// For a function f of leaf tensors x_1, ..., x_m with output y, and a fixed random seed
/// gradient r of y's shape, the analytic gradient of L = Σ r ⊙ y with respect to every element
/// x_ij is the tape's (backward(y, r) under the policy), and the numeric one is
///     (L(x_ij + h) − L(x_ij − h)) / (2h),   h = step · max(1, |x_ij|),
/// with f recorded on a tape whose policy computes everything in double. Central differences err
/// by O(h²) f''' and O(ε_double / h), both far below the tolerances of any low-precision format.
///
/// An element passes when |analytic − numeric| <= abs + rel · |numeric| (separate absolute and
/// relative tolerances, as numpy's isclose). The result names the worst element (the largest
/// ratio of error to allowance) and says why it failed.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "mixprec/autodiff/functional.hpp"
#include "mixprec/autodiff/tape.hpp"
#include "mixprec/detail/gradient_compare.hpp"
#include "mixprec/policy/policy.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace mixprec {

/// The tolerances of gradcheck: an element passes when |analytic − numeric| <= abs + rel ·
/// |numeric|.
struct tolerance {
  double abs = 1e-5;  ///< absolute tolerance
  double rel = 1e-5;  ///< relative tolerance, a fraction of |numeric|
};

/// Settings of gradcheck besides the tolerances.
struct gradcheck_options {
  double step = 1e-5;          ///< h = step · max(1, |x|)
  std::uint64_t seed = 12345;  ///< the seed of the random seed gradient r (uniform in [-1, 1))
};

/// What gradcheck found: whether every element passed, and the worst element.
struct gradcheck_result {
  bool passed = true;       ///< every element within tolerance (and no NaN)
  std::size_t checked = 0;  ///< elements compared
  std::size_t input = 0;    ///< the worst element's input
  std::int64_t index = 0;   ///< its row-major index in that input
  double analytic = 0;      ///< its analytic gradient (the tape's, under the policy)
  double numeric = 0;       ///< its central difference in double
  double error = 0;         ///< |analytic − numeric|
  double allowed = 0;       ///< abs + rel · |numeric|
  std::string report;       ///< one line saying the above

  explicit operator bool() const noexcept { return passed; }
};

/// The policy of gradcheck's finite differences: everything in double.
using double_policy = policy<default_precision<precision<double>>>;

namespace detail {

/// Σ r ⊙ y in double.
template <class V>
double weighted_sum(const tensor<double>& r, const V& y) {
  const auto v = y.value();
  double s = 0;
  for (std::int64_t i = 0; i < v.size(); ++i) s += r.data()[i] * static_cast<double>(v.data()[i]);
  return s;
}

/// Leaves of element type Leaf and role R on tape t, for the tensors `xs`.
template <role R, class Tape, class Leaf>
auto make_leaves(Tape& t, const std::vector<tensor<Leaf>>& xs) {
  std::vector<tensor_var<Leaf, Tape, R>> v;
  v.reserve(xs.size());
  for (const auto& x : xs) {
    if constexpr (R == role::weight_grads) {
      v.push_back(t.parameter(x));
    } else {
      v.push_back(t.variable(x));
    }
  }
  return v;
}

}  // namespace detail

/// Checks the gradients of `f` under `Policy` against central differences in double.
///
/// \tparam Policy   the policy the analytic gradients are computed under
/// \tparam LeafRole the role of the leaves: parameters (`role::weight_grads`, the default: their
///                  gradients are weight gradients, computed in the backward_weight pass) or
///                  variables (`role::activation_grads`, the backward_data pass)
/// \param f         `f(tape, leaves)`, called with a `tape<Policy>` and with a
///                  `tape<double_policy>` and a `std::vector` of the leaves' variables (in the
///                  order of `inputs`); it records the function and returns its output variable
///                  (a generic lambda)
/// \param inputs    the leaves' values, rounded once into the policy's master-weight type
///                  (role_t<Policy, role::master_weights>); the finite differences start from
///                  the same rounded values
template <policy_type Policy, role LeafRole = role::weight_grads, class Backend = cpu_backend,
          class F>
gradcheck_result gradcheck(F&& f, const std::vector<tensor<double>>& inputs, tolerance tol,
                           gradcheck_options opts = {}) {
  using Leaf = role_t<Policy, role::master_weights>;
  std::vector<tensor<Leaf>> xs;
  std::vector<tensor<double>> xd;
  for (const auto& x : inputs) {
    xs.push_back(cast<Leaf>(x));
    xd.push_back(cast<double>(xs.back()));
  }

  // Analytic: the tape under the policy, seeded with r rounded into y's gradient type.
  tape<Policy, Backend> ta;
  auto leaves = detail::make_leaves<LeafRole>(ta, xs);
  auto y = f(ta, leaves);
  using G = typename decltype(y)::grad_type;
  const auto r_g = cast<G>(tensor<double>::uniform(y.value().shape(), -1.0, 1.0, opts.seed));
  const auto r = cast<double>(r_g);
  ta.backward(y, r_g);
  std::vector<tensor<double>> analytic;
  for (const auto& v : leaves) {
    analytic.push_back(v.has_grad() ? cast<double>(v.grad()) : tensor<double>(v.value().shape()));
  }

  // Numeric: central differences of L = Σ r ⊙ y in double.
  tape<double_policy, Backend> td;
  const auto loss_at = [&]() {
    td.clear();
    auto lv = detail::make_leaves<LeafRole>(td, xd);
    return detail::weighted_sum(r, f(td, lv));
  };
  gradcheck_result res;
  double worst = -1;
  for (std::size_t i = 0; i < xd.size(); ++i) {
    for (std::int64_t j = 0; j < xd[i].size(); ++j) {
      double& xj = xd[i].data()[j];
      const double x0 = xj;
      const double h = opts.step * std::max(1.0, std::fabs(x0));
      xj = x0 + h;
      const double up = loss_at();
      xj = x0 - h;
      const double down = loss_at();
      xj = x0;
      const double num = (up - down) / (2 * h);
      const double ana = analytic[i].data()[j];
      const auto c = detail::compare_gradient(ana, num, tol.abs, tol.rel);
      ++res.checked;
      if (!c.ok) res.passed = false;
      if (c.ratio > worst) {
        worst = c.ratio;
        res.input = i;
        res.index = j;
        res.analytic = ana;
        res.numeric = num;
        res.error = c.error;
        res.allowed = c.allowed;
      }
    }
  }
  std::ostringstream os;
  os.precision(6);
  os << "gradcheck " << (res.passed ? "passed" : "FAILED") << ": " << res.checked
     << " elements; worst: input " << res.input;
  if (res.input < xd.size()) os << " " << xd[res.input].shape().to_string();
  os << " element " << res.index << ", analytic " << res.analytic << ", numeric " << res.numeric
     << ", error " << res.error << (res.passed ? " <= " : " > ") << "allowed " << res.allowed
     << " (abs " << tol.abs << " + rel " << tol.rel << " x |numeric|)";
  res.report = os.str();
  return res;
}

}  // namespace mixprec
