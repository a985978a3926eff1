// gradcheck of the normalisation, loss, dropout and embedding primitives of autodiff/rules.hpp
// and of the composites of autodiff/functional.hpp: the second half of test_rules.cpp, whose
// header explains the reference and the tolerances.

#include <doctest/doctest.h>

#include "rules_check.hpp"

TEST_SUITE("autodiff/rules") {
  TEST_CASE_TEMPLATE("softmax and log_softmax", P, MIXPREC_RULE_POLICIES) {
    for (const shape& s : {shape{1, 1}, shape{3, 5}, shape{2, 1, 7}}) {
      check<P>([](auto&, const auto& v) { return ad::softmax(v[0]); }, {uniform(s, -2, 2, 60)});
      check<P>([](auto&, const auto& v) { return ad::log_softmax(v[0]); }, {uniform(s, -2, 2, 61)});
    }
  }

  TEST_CASE_TEMPLATE("cross_entropy and mse", P, MIXPREC_RULE_POLICIES) {
    const std::vector<std::int64_t> labels{2, 0, 4, 4};
    check<P>([&](auto&, const auto& v) { return ad::cross_entropy(v[0], labels); },
             {uniform({4, 5}, -2, 2, 70)});
    const std::vector<std::int64_t> one{0};
    check<P>([&](auto&, const auto& v) { return ad::cross_entropy(v[0], one); },
             {uniform({1, 1}, -2, 2, 71)});
    check<P>([&](auto&, const auto& v) { return ad::cross_entropy(v[0], one); },
             {uniform({1, 3}, -2, 2, 72)});
    const auto mse = [](auto&, const auto& v) { return ad::mse(v[0], v[1]); };
    check<P>(mse, {uniform({3, 5}, -1, 1, 73), uniform({3, 5}, -1, 1, 74)});
    check<P>(mse, {uniform({1}, -1, 1, 75), uniform({1}, -1, 1, 76)});
  }

  TEST_CASE_TEMPLATE("layer_norm", P, MIXPREC_RULE_POLICIES) {
    for (const shape& s : {shape{3, 5}, shape{2, 1, 7}, shape{3, 1}}) {
      check<P>([](auto&, const auto& v) { return ad::layer_norm(v[0]); }, {uniform(s, -1, 1, 80)});
      const shape row{s.cols()};
      check<P>([](auto&, const auto& v) { return ad::layer_norm(v[0], v[1], v[2]); },
               {uniform(s, -1, 1, 81), uniform(row, 0.5, 1.5, 82), uniform(row, -1, 1, 83)});
    }
    // x an activation, gamma and beta weights: the backward_data and backward_weight passes.
    auto x = uniform({4, 6}, -1, 1, 84);
    const auto f = [&x](auto& t, const auto& v) {
      using T = typename std::remove_cvref_t<decltype(v[0])>::value_type;
      return ad::layer_norm(t.variable(cast<T>(x)), v[0], v[1]);
    };
    check<P>(f, {uniform({6}, 0.5, 1.5, 85), uniform({6}, -1, 1, 86)});
  }

  TEST_CASE_TEMPLATE("dropout", P, MIXPREC_RULE_POLICIES) {
    for (const shape& s : {shape{1}, shape{3, 5}, shape{2, 3, 7}}) {
      check<P>([](auto&, const auto& v) { return ad::dropout(v[0], 0.3, 99, 5); },
               {uniform(s, -1, 1, 90)});
    }
  }

  TEST_CASE_TEMPLATE("embedding", P, MIXPREC_RULE_POLICIES) {
    const std::vector<std::int64_t> idx{0, 2, 2, 4, 2};
    check<P>([&](auto&, const auto& v) { return ad::embedding(v[0], idx); },
             {uniform({5, 3}, -1, 1, 100)});
    const std::vector<std::int64_t> one{0};
    check<P>([&](auto&, const auto& v) { return ad::embedding(v[0], one); },
             {uniform({1, 1}, -1, 1, 101)});
  }

  TEST_CASE_TEMPLATE("composites: linear, and a small network", P, MIXPREC_RULE_POLICIES) {
    check<P>([](auto&, const auto& v) { return ad::linear(v[0], v[1], v[2]); },
             {uniform({4, 3}, -1, 1, 110), uniform({3, 5}, -1, 1, 111), uniform({5}, -1, 1, 112)});
    const std::vector<std::int64_t> labels{1, 0, 2};
    check<P>(
        [&](auto&, const auto& v) {
          auto h = ad::gelu(ad::linear(v[0], v[1], v[2]));
          return ad::cross_entropy(ad::matmul(ad::layer_norm(h), v[3]), labels);
        },
        {uniform({3, 4}, -1, 1, 113), uniform({4, 5}, -1, 1, 114), uniform({5}, -1, 1, 115),
         uniform({5, 3}, -1, 1, 116)});
  }
}
