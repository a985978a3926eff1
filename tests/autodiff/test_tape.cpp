// The tensor tape (autodiff/tape.hpp, tensor_var.hpp, functional.hpp): result and gradient types
// under a policy, casts done once per step, flat memory across steps, retained sweeps, and every
// documented misuse (each raises mixprec::error naming the op, and leaves the tape usable).

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "mixprec/autodiff/functional.hpp"
#include "mixprec/autodiff/tape.hpp"
#include "mixprec/policy/presets.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace {

using namespace mixprec;

/// The message of the mixprec::error that `f` throws ("" when it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const mixprec::error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// A small model, written once for every policy: linear, gelu, layer_norm, linear,
/// cross-entropy.
template <class Tape>
auto model_loss(Tape& t, const tensor<float>& x, const tensor<float>& w1, const tensor<float>& b1,
                const tensor<float>& w2, std::span<const std::int64_t> labels) {
  auto h = ad::gelu(ad::linear(t.input(x), t.parameter(w1), t.parameter(b1)));
  return ad::cross_entropy(ad::matmul(ad::layer_norm(h), t.parameter(w2)), labels);
}

struct model_data {
  tensor<float> x = tensor<float>::uniform({4, 3}, -1, 1, 1);
  tensor<float> w1 = tensor<float>::uniform({3, 5}, -1, 1, 2);
  tensor<float> b1 = tensor<float>::uniform({5}, -1, 1, 3);
  tensor<float> w2 = tensor<float>::uniform({5, 2}, -1, 1, 4);
  std::vector<std::int64_t> labels{0, 1, 1, 0};
};

template <class T>
bool all_finite(tensor_view<const T> v) {
  for (const T& e : v) {
    if (!std::isfinite(static_cast<double>(e))) return false;
  }
  return true;
}

}  // namespace

TEST_SUITE("autodiff/tape") {
  TEST_CASE("result and gradient types follow the policy") {
    using P = presets::mixed_bf16;
    tape<P> t;
    const auto x = tensor<float>::uniform({2, 3}, -1, 1, 1);
    const auto w = tensor<float>::uniform({3, 4}, -1, 1, 2);
    auto xv = t.input(x);
    auto wv = t.parameter(w);
    auto y = ad::matmul(xv, wv);
    auto e = ad::exp(y);
    auto l = ad::mean(e);
    static_assert(std::is_same_v<decltype(y)::value_type, bfloat16>);  // matmul storage
    static_assert(std::is_same_v<decltype(e)::value_type, float>);     // transcendental: fp32
    static_assert(std::is_same_v<decltype(l)::value_type, float>);     // reduction: fp32
    static_assert(std::is_same_v<decltype(y)::grad_type, bfloat16>);   // activation grads
    static_assert(std::is_same_v<decltype(wv)::grad_type, float>);     // weight grads
    static_assert(std::is_same_v<decltype(ad::transpose(wv))::grad_type, float>);  // still a weight
    static_assert(decltype(wv)::grad_role == role::weight_grads);
    static_assert(
        std::is_same_v<decltype(ad::matmul(t.input(tensor<float>()), wv))::value_type, bfloat16>);
    t.backward(l);
    CHECK(wv.grad().shape() == shape{3, 4});
    CHECK(y.grad().shape() == shape{2, 4});
    CHECK_FALSE(xv.has_grad());
    CHECK(contains(error_of([&] { (void)xv.grad(); }), "does not require one"));

    using F = presets::fp32;
    tape<F> tf;
    auto yf = ad::matmul(tf.input(x), tf.parameter(w));
    static_assert(std::is_same_v<decltype(yf)::value_type, float>);
    static_assert(std::is_same_v<decltype(yf)::grad_type, float>);
  }

  TEST_CASE("a weight is cast once per step") {
    tape<presets::mixed_bf16> t;
    const auto w = tensor<float>::uniform({3, 3}, -1, 1, 1);
    const auto x = tensor<float>::uniform({2, 3}, -1, 1, 2);
    auto wv = t.parameter(w);
    auto h = ad::matmul(t.input(x), wv);  // casts x and w to bf16
    CHECK(t.casts() == 2);
    auto h2 = ad::matmul(h, wv);               // h is bf16 already; w's cast is reused
    auto h3 = ad::matmul(h2, t.parameter(w));  // parameter(w) again: the same variable
    CHECK(t.casts() == 2);
    auto s = ad::sum(h3);  // the sum runs in fp32: h3 is cast to float
    CHECK(t.casts() == 3);
    t.backward(s);  // the backward matmuls read w (and x) in bf16 too: nothing is cast again
    CHECK(t.casts() == 3);
    CHECK(wv.grad().shape() == shape{3, 3});
    t.clear();
    CHECK(t.casts() == 0);
    auto again = ad::matmul(t.input(x), t.parameter(w));  // a new step casts again
    CHECK(t.casts() == 2);
    CHECK(again.shape() == shape{2, 3});

    // Under fp32 nothing is cast.
    tape<presets::fp32> tf;
    tf.backward(ad::sum(ad::matmul(tf.input(x), tf.parameter(w))));
    CHECK(tf.casts() == 0);
  }

  TEST_CASE("the same model code runs under every preset, each preset's precision visible") {
    const model_data d;
    // The loss and the gradient of w1, as doubles.
    const auto run = [&](auto policy) {
      tape<decltype(policy)> t;
      auto loss = model_loss(t, d.x, d.w1, d.b1, d.w2, d.labels);
      t.backward(loss);
      INFO(decltype(policy)::name);
      CHECK(all_finite(loss.value()));
      CHECK(all_finite(t.parameter(d.w1).grad()));
      CHECK(all_finite(t.parameter(d.b1).grad()));
      CHECK(all_finite(t.parameter(d.w2).grad()));
      std::vector<double> out{static_cast<double>(loss.value().data()[0])};
      for (const auto& g : t.parameter(d.w1).grad()) out.push_back(static_cast<double>(g));
      return out;
    };
    const auto ref = run(presets::fp32{});
    // Bounds from both sides: each preset is within its types' error of fp32 (an upper bound a
    // few roundings of its narrowest type, eps: bf16 2^-7, fp16 2^-10, E4M3 2^-3, E5M2 2^-2),
    // and differs from fp32 somewhere (a preset whose policy were ignored would give fp32's
    // bits).
    const auto check_preset = [&](auto policy, double bound) {
      const auto got = run(policy);
      double worst = 0;
      for (std::size_t i = 0; i < ref.size(); ++i) {
        worst = std::max(worst, std::fabs(got[i] - ref[i]) / (std::fabs(ref[i]) + 1));
      }
      INFO(decltype(policy)::name << ": largest difference from fp32 " << worst);
      CHECK(worst <= bound);
      CHECK(worst > 0);
    };
    check_preset(presets::mixed_bf16{}, 8 * 0x1p-7);
    check_preset(presets::mixed_fp16{}, 8 * 0x1p-10);
    check_preset(presets::fp16_accumulate{}, 8 * 0x1p-10);
    check_preset(presets::pure_fp16{}, 16 * 0x1p-10);
    check_preset(presets::pure_bf16{}, 16 * 0x1p-7);
    check_preset(presets::pure_bf16_sr{}, 16 * 0x1p-7);
    check_preset(presets::fp8_hybrid{}, 4 * 0x1p-2);
  }

  TEST_CASE("memory stays flat across steps") {
    const model_data d;
    tape<presets::mixed_bf16> t;
    std::size_t reserved = 0, used = 0, nodes = 0;
    for (int step = 0; step < 50; ++step) {
      t.clear();
      t.backward(model_loss(t, d.x, d.w1, d.b1, d.w2, d.labels));
      if (step == 0) {
        reserved = t.memory().bytes_reserved();
        used = t.memory().bytes_used();
        nodes = t.size();
      }
      CHECK(t.memory().bytes_reserved() == reserved);
      CHECK(t.memory().bytes_used() == used);
      CHECK(t.size() == nodes);
    }
    CHECK(reserved > 0);
    CHECK(t.generation() == 50);
  }

  TEST_CASE("backward with a seed, retained sweeps, reshape views") {
    tape<presets::fp32> t;
    const auto x = tensor<float>::from_values({2, 3}, {1, 2, 3, 4, 5, 6});
    auto xv = t.variable(x);
    auto y = ad::mul(xv, xv);  // dy/dx = 2x
    const auto seed = tensor<float>::from_values({2, 3}, {1, 0, 1, 0, 1, 0});
    CHECK(contains(error_of([&] { t.backward(y, tensor<float>({3, 2})); }), "[2, 3] and [3, 2]"));
    t.backward(y, seed, retain_graph::yes);
    CHECK(tensor<float>(xv.grad()) == tensor<float>::from_values({2, 3}, {2, 0, 6, 0, 10, 0}));
    // A second sweep adds to the leaf's gradient; the op result's gradient starts afresh.
    t.backward(y, seed);
    CHECK(tensor<float>(xv.grad()) == tensor<float>::from_values({2, 3}, {4, 0, 12, 0, 20, 0}));
    CHECK(tensor<float>(y.grad()) == seed);
    const std::string twice = error_of([&] { t.backward(y, seed); });
    CHECK(contains(twice, "backward"));
    CHECK(contains(twice, "retain_graph"));

    t.clear();
    auto a = t.variable(x);
    auto r = ad::reshape(a, shape{3, 2});
    CHECK(r.value().data() == a.value().data());  // a view, not a copy
    CHECK(contains(error_of([&] { (void)ad::reshape(a, shape{4}); }), "[2, 3]"));
  }

  TEST_CASE("dropout is reproducible from its seed") {
    tape<presets::fp32> t;
    const auto x = tensor<float>::full({64}, 1.0f);
    auto xv = t.variable(x);
    auto d1 = ad::dropout(xv, 0.5, 7);
    auto d2 = ad::dropout(xv, 0.5, 7);
    auto d3 = ad::dropout(xv, 0.5, 7, 64);
    CHECK(tensor<float>(d1.value()) == tensor<float>(d2.value()));
    CHECK_FALSE(tensor<float>(d1.value()) == tensor<float>(d3.value()));
    int kept = 0;
    for (float v : d1.value()) {
      CHECK((v == 0.0f || v == 2.0f));
      kept += v != 0.0f;
    }
    CHECK(kept > 16);
    CHECK(kept < 48);
    t.backward(ad::sum(d1));
    CHECK(tensor<float>(xv.grad()) == tensor<float>(d1.value()));  // the same mask and scale
  }

  TEST_CASE("misuse raises errors that name the op and leave the tape usable") {
    tape<presets::fp32> t;
    const auto a = tensor<float>::uniform({2, 3}, -1, 1, 1);
    const auto b = tensor<float>::uniform({4, 5}, -1, 1, 2);
    auto av = t.variable(a);
    auto bv = t.variable(b);
    const std::size_t before = t.size();

    SUBCASE("shape mismatches") {
      const std::string m = error_of([&] { (void)ad::matmul(av, bv); });
      CHECK(contains(m, "matmul"));
      CHECK(contains(m, "[2, 3]"));
      CHECK(contains(m, "[4, 5]"));
      CHECK(contains(error_of([&] { (void)ad::add(av, bv); }), "add: shapes [2, 3] and [4, 5]"));
      CHECK(contains(error_of([&] { (void)ad::mse(av, bv); }), "mse"));
      CHECK(contains(error_of([&] { (void)ad::layer_norm(av, bv, bv); }), "layer_norm"));
      CHECK(contains(error_of([&] { (void)ad::sum(av, 2); }), "axis"));
      CHECK(contains(error_of([&] { (void)ad::transpose(ad::sum(av, 0)); }), "transpose"));
      const std::vector<std::int64_t> labels{0};
      CHECK(contains(error_of([&] { (void)ad::cross_entropy(av, labels); }), "cross_entropy"));
      const std::vector<std::int64_t> bad{0, 3};
      CHECK(contains(error_of([&] { (void)ad::cross_entropy(av, bad); }), "label"));
      const std::vector<std::int64_t> idx{0, 9};
      CHECK(contains(error_of([&] { (void)ad::embedding(av, idx); }), "embedding"));
      CHECK(t.size() == before + 1);  // only the sum made for the transpose check
    }
    SUBCASE("backward on a non-scalar without a seed") {
      const std::string m = error_of([&] { t.backward(av); });
      CHECK(contains(m, "backward"));
      CHECK(contains(m, "[2, 3]"));
      CHECK(contains(m, "not a scalar"));
    }
    SUBCASE("backward from a variable that depends on nothing") {
      CHECK(contains(error_of([&] { t.backward(ad::sum(t.input(a))); }), "does not depend"));
    }
    SUBCASE("a variable of another tape") {
      tape<presets::fp32> other;
      auto ov = other.variable(a);
      CHECK(contains(error_of([&] { (void)ad::add(av, ov); }),
                     "add: the variable belongs to another tape"));
      CHECK(contains(error_of([&] { t.backward(ad::sum(ov)); }), "another tape"));
    }
    SUBCASE("a variable of a cleared tape") {
      tape<presets::fp32> t2;
      auto old = t2.variable(a);
      t2.clear();
      CHECK(contains(error_of([&] { (void)ad::relu(old); }),
                     "relu: the variable was recorded before"));
      CHECK(contains(error_of([&] { (void)old.value(); }), "value"));
      CHECK(contains(error_of([&] { t2.backward(old); }), "cleared"));
      tensor_var<float, tape<presets::fp32>> empty;
      CHECK(contains(error_of([&] { (void)ad::exp(empty); }), "empty"));
      auto fresh = t2.variable(a);  // t2 is still usable
      t2.backward(ad::sum(fresh));
      CHECK(fresh.has_grad());
    }
    // After any of the above the tape records and sweeps as before.
    auto loss = ad::sum(ad::mul(av, av));
    t.backward(loss);
    CHECK(tensor<float>(av.grad()).size() == 6);
    CHECK(av.grad().data()[0] == 2 * a.data()[0]);
  }
}
