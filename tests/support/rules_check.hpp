#pragma once
// Shared by tests/autodiff/test_rules.cpp and test_rules_nn.cpp (one file split in two so that
// both compile side by side): the tolerance of every gradcheck (test_rules.cpp explains it), the
// inputs and the check.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "mixprec/autodiff/functional.hpp"
#include "mixprec/autodiff/gradcheck.hpp"
#include "mixprec/backend/reference/backend.hpp"
#include "mixprec/policy/presets.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace {

using namespace mixprec;

template <class Policy>
tolerance tolerance_for() {
  using A = role_t<Policy, role::activation_grads>;
  const double eps = std::ldexp(1.0, 1 - precision_bits_v<A>);
  return {8 * eps, 8 * eps};
}

/// Uniform in [lo, hi).
inline tensor<double> uniform(const shape& s, double lo, double hi, std::uint64_t seed) {
  return tensor<double>::uniform(s, lo, hi, seed);
}

/// Values of magnitude in [0.2, 1] and random sign: away from the kinks of relu and the poles
/// of div.
inline tensor<double> away(const shape& s, std::uint64_t seed) {
  auto t = tensor<double>::uniform(s, -1.0, 1.0, seed);
  for (double& v : t) v = (v < 0 ? -1 : 1) * (0.2 + 0.8 * std::fabs(v));
  return t;
}

/// The gradcheck of f under Policy, on the CPU backend and on the reference backend (the
/// reference loops only): the rules must hold on every backend.
template <class Policy, role R = role::weight_grads, class F>
void check(F f, const std::vector<tensor<double>>& inputs) {
  const auto fast = gradcheck<Policy, R, cpu_backend>(f, inputs, tolerance_for<Policy>());
  INFO(fast.report);
  CHECK(fast.passed);
  CHECK(fast.checked > 0);
  const auto ref = gradcheck<Policy, R, reference_backend>(f, inputs, tolerance_for<Policy>());
  INFO(ref.report);
  CHECK(ref.passed);
  CHECK(ref.checked == fast.checked);
}

#define MIXPREC_RULE_POLICIES presets::fp32, presets::mixed_bf16, presets::mixed_fp16

}  // namespace
