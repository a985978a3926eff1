// gradcheck of every primitive of autodiff/rules.hpp and every composite of
// autodiff/functional.hpp, under fp32, mixed_bf16 and mixed_fp16, on the CPU backend and on the
// reference backend, on several shapes (size 1 and odd extents included). The reference is
// independent of the code under test: central differences of the same function computed in double
// (gradcheck.hpp).
//
// Tolerances. Let eps = 2^(1 - p) be the machine epsilon of the narrowest type the policy stores
// activations and their gradients in (p significand bits: fp32 24, so eps = 2^-23 ~ 1.2e-7; fp16
// 11, eps = 2^-10 ~ 9.8e-4; bf16 8, eps = 2^-7 ~ 7.8e-3). The inputs and the seed gradient are
// O(1), every op here stores its result (and each gradient) once per step of the chain, and each
// store errs by at most eps/2 of its magnitude, so a gradient that goes through a few ops and a
// short sum (at most 8 terms) errs by a small multiple of eps times the magnitude of its terms,
// which is O(1). We allow
//     abs = rel = 8 eps  (fp32: 9.5e-7; mixed_fp16: 7.8e-3; mixed_bf16: 6.25e-2),
// i.e. 16 roundings of eps/2 (every case here passes with 2 eps), and the finite differences in
// double err by far less (h = 1e-5: h^2 f''' + 1e-16 / h ~ 1e-10).

#include <doctest/doctest.h>

#include "rules_check.hpp"

TEST_SUITE("autodiff/rules") {
  TEST_CASE_TEMPLATE("matmul", P, MIXPREC_RULE_POLICIES) {
    const auto f = [](auto&, const auto& v) { return ad::matmul(v[0], v[1]); };
    check<P>(f, {uniform({1, 1}, -1, 1, 1), uniform({1, 1}, -1, 1, 2)});
    check<P>(f, {uniform({3, 5}, -1, 1, 3), uniform({5, 2}, -1, 1, 4)});
    check<P>(f, {uniform({2, 3, 4}, -1, 1, 5), uniform({4, 1}, -1, 1, 6)});
    // Activations (backward_data for both operands).
    check<P, role::activation_grads>(f, {uniform({3, 7}, -1, 1, 7), uniform({7, 3}, -1, 1, 8)});
  }

  TEST_CASE_TEMPLATE("add, sub, mul, div", P, MIXPREC_RULE_POLICIES) {
    const auto add = [](auto&, const auto& v) { return ad::add(v[0], v[1]); };
    const auto sub = [](auto&, const auto& v) { return ad::sub(v[0], v[1]); };
    const auto mul = [](auto&, const auto& v) { return ad::mul(v[0], v[1]); };
    const auto div = [](auto&, const auto& v) { return ad::div(v[0], v[1]); };
    for (const shape& s : {shape{1, 1}, shape{3, 5}, shape{7}}) {
      check<P>(add, {uniform(s, -1, 1, 10), uniform(s, -1, 1, 11)});
      check<P>(sub, {uniform(s, -1, 1, 12), uniform(s, -1, 1, 13)});
      check<P>(mul, {uniform(s, -1, 1, 14), uniform(s, -1, 1, 15)});
      check<P>(div, {uniform(s, -1, 1, 16), away(s, 17)});
    }
    // A row broadcast over the rows: its gradient is a sum over the rows.
    for (const auto& [sa, sb] : {std::pair{shape{4, 3}, shape{3}}, std::pair{shape{1, 5}, shape{5}},
                                 std::pair{shape{2, 3, 1}, shape{1}}}) {
      check<P>(add, {uniform(sa, -1, 1, 20), uniform(sb, -1, 1, 21)});
      check<P>(sub, {uniform(sa, -1, 1, 22), uniform(sb, -1, 1, 23)});
      check<P>(mul, {uniform(sa, -1, 1, 24), uniform(sb, -1, 1, 25)});
      check<P>(div, {uniform(sa, -1, 1, 26), away(sb, 27)});
    }
    check<P, role::activation_grads>(div, {uniform({3, 5}, -1, 1, 28), away({5}, 29)});
  }

  TEST_CASE_TEMPLATE("pointwise functions", P, MIXPREC_RULE_POLICIES) {
    for (const shape& s : {shape{1}, shape{3, 5}, shape{2, 3, 1}}) {
      check<P>([](auto&, const auto& v) { return ad::neg(v[0]); }, {uniform(s, -1, 1, 30)});
      check<P>([](auto&, const auto& v) { return ad::relu(v[0]); }, {away(s, 31)});
      check<P>([](auto&, const auto& v) { return ad::exp(v[0]); }, {uniform(s, -1, 1, 32)});
      check<P>([](auto&, const auto& v) { return ad::log(v[0]); }, {uniform(s, 0.5, 2, 33)});
      check<P>([](auto&, const auto& v) { return ad::tanh(v[0]); }, {uniform(s, -2, 2, 34)});
      check<P>([](auto&, const auto& v) { return ad::sigmoid(v[0]); }, {uniform(s, -2, 2, 35)});
      check<P>([](auto&, const auto& v) { return ad::gelu(v[0]); }, {uniform(s, -2, 2, 36)});
    }
    check<P, role::activation_grads>([](auto&, const auto& v) { return ad::tanh(v[0]); },
                                     {uniform({4, 3}, -2, 2, 37)});
  }

  TEST_CASE_TEMPLATE("sum and mean", P, MIXPREC_RULE_POLICIES) {
    for (const shape& s : {shape{1, 1}, shape{3, 5}, shape{2, 3, 4}}) {
      for (int axis = -1; axis < s.rank(); ++axis) {
        const auto sum = [axis](auto&, const auto& v) { return ad::sum(v[0], axis); };
        const auto mean = [axis](auto&, const auto& v) { return ad::mean(v[0], axis); };
        check<P>(sum, {uniform(s, -1, 1, 40)});
        check<P>(mean, {uniform(s, -1, 1, 41)});
      }
      check<P>([](auto&, const auto& v) { return ad::sum(v[0]); }, {uniform(s, -1, 1, 42)});
      check<P>([](auto&, const auto& v) { return ad::mean(v[0]); }, {uniform(s, -1, 1, 43)});
    }
  }

  TEST_CASE_TEMPLATE("reshape, transpose, cast", P, MIXPREC_RULE_POLICIES) {
    // Each followed by a product, so that the gradient depends on where the elements went.
    check<P>(
        [](auto&, const auto& v) {
          return ad::mul(ad::reshape(v[0], shape{3, 2}), v[1]);
        },
        {uniform({2, 3}, -1, 1, 50), uniform({3, 2}, -1, 1, 51)});
    check<P>([](auto&, const auto& v) { return ad::mul(ad::reshape(v[0], shape{1}), v[1]); },
             {uniform({1, 1}, -1, 1, 52), uniform({1}, -1, 1, 53)});
    check<P>([](auto&, const auto& v) { return ad::matmul(v[0], ad::transpose(v[1])); },
             {uniform({3, 5}, -1, 1, 54), uniform({2, 5}, -1, 1, 55)});
    check<P>([](auto&, const auto& v) { return ad::mul(ad::transpose(v[0]), v[1]); },
             {uniform({1, 3}, -1, 1, 56), uniform({3, 1}, -1, 1, 57)});
    // A cast to the policy's weight type (bf16 or fp16 under the mixed presets; double, so the
    // identity, on gradcheck's double tape): the gradient passes through the rounding.
    check<P>(
        [](auto& t, const auto& v) {
          using W = role_t<typename std::remove_cvref_t<decltype(t)>::policy_type, role::weights>;
          return ad::mul(ad::cast<W>(v[0]), v[1]);
        },
        {uniform({3, 5}, -1, 1, 58), uniform({3, 5}, -1, 1, 59)});
  }
}
