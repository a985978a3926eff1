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

template <class Policy, role R = role::weight_grads, class F>
void check(F f, const std::vector<tensor<double>>& inputs) {
  const auto res = gradcheck<Policy, R>(f, inputs, tolerance_for<Policy>());
  INFO(res.report);
  CHECK(res.passed);
  CHECK(res.checked > 0);
}

#define MIXPREC_RULE_POLICIES presets::fp32, presets::mixed_bf16, presets::mixed_fp16

}  // namespace
