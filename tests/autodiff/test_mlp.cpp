// A small MLP on the tensor tape: its gradients under fp32 against a backward pass written by
// hand in double in this file; and two threads, each owning a tape, training two models at once
// with the results of running them one after the other.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

#include "mixprec/autodiff/functional.hpp"
#include "mixprec/autodiff/tape.hpp"
#include "mixprec/policy/presets.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace {

using namespace mixprec;

/// Row-major matrices in double, for the hand-written pass.
struct mat {
  int rows = 0, cols = 0;
  std::vector<double> v;
  mat(int r, int c) : rows(r), cols(c), v(static_cast<std::size_t>(r * c), 0.0) {}
  double& operator()(int i, int j) { return v[static_cast<std::size_t>(i * cols + j)]; }
  double operator()(int i, int j) const { return v[static_cast<std::size_t>(i * cols + j)]; }
};

mat to_mat(const tensor<float>& t, int rows, int cols) {
  mat m(rows, cols);
  for (int i = 0; i < rows * cols; ++i) m.v[static_cast<std::size_t>(i)] = t.data()[i];
  return m;
}

/// x [n, d] -> tanh(x w1 + b1) [n, h] -> logits = . w2 + b2 [n, c] -> mean cross-entropy.
struct mlp {
  tensor<float> w1 = tensor<float>::uniform({4, 6}, -0.8, 0.8, 11);
  tensor<float> b1 = tensor<float>::uniform({6}, -0.2, 0.2, 12);
  tensor<float> w2 = tensor<float>::uniform({6, 3}, -0.8, 0.8, 13);
  tensor<float> b2 = tensor<float>::uniform({3}, -0.2, 0.2, 14);
};

template <class Tape>
auto mlp_loss(Tape& t, const mlp& m, const tensor<float>& x, std::span<const std::int64_t> labels) {
  auto h = ad::tanh(ad::linear(t.input(x), t.parameter(m.w1), t.parameter(m.b1)));
  return ad::cross_entropy(ad::linear(h, t.parameter(m.w2), t.parameter(m.b2)), labels);
}

struct grads {
  mat w1{4, 6}, b1{1, 6}, w2{6, 3}, b2{1, 3};
  double loss = 0;
};

/// The forward and backward pass of mlp_loss, by hand, in double.
grads hand_written(const mlp& m, const tensor<float>& xt, const std::vector<std::int64_t>& labels) {
  const int n = static_cast<int>(labels.size()), d = 4, hd = 6, c = 3;
  const mat x = to_mat(xt, n, d), w1 = to_mat(m.w1, d, hd), b1 = to_mat(m.b1, 1, hd);
  const mat w2 = to_mat(m.w2, hd, c), b2 = to_mat(m.b2, 1, c);
  mat h(n, hd), z(n, c), dz(n, c), dh(n, hd);
  grads g;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < hd; ++j) {
      double s = b1(0, j);
      for (int k = 0; k < d; ++k) s += x(i, k) * w1(k, j);
      h(i, j) = std::tanh(s);
    }
    for (int j = 0; j < c; ++j) {
      double s = b2(0, j);
      for (int k = 0; k < hd; ++k) s += h(i, k) * w2(k, j);
      z(i, j) = s;
    }
    // Softmax and the loss; dz = (p - onehot) / n.
    double mx = z(i, 0);
    for (int j = 1; j < c; ++j) mx = std::max(mx, z(i, j));
    double se = 0;
    for (int j = 0; j < c; ++j) se += std::exp(z(i, j) - mx);
    const int y = static_cast<int>(labels[static_cast<std::size_t>(i)]);
    g.loss += (mx + std::log(se) - z(i, y)) / n;
    for (int j = 0; j < c; ++j) dz(i, j) = (std::exp(z(i, j) - mx) / se - (j == y ? 1 : 0)) / n;
  }
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < c; ++j) {
      g.b2(0, j) += dz(i, j);
      for (int k = 0; k < hd; ++k) g.w2(k, j) += h(i, k) * dz(i, j);
    }
    for (int k = 0; k < hd; ++k) {
      double s = 0;
      for (int j = 0; j < c; ++j) s += dz(i, j) * w2(k, j);
      dh(i, k) = s * (1 - h(i, k) * h(i, k));  // tanh' = 1 - tanh²
    }
    for (int k = 0; k < hd; ++k) {
      g.b1(0, k) += dh(i, k);
      for (int q = 0; q < d; ++q) g.w1(q, k) += x(i, q) * dh(i, k);
    }
  }
  return g;
}

void check_close(tensor_view<const float> got, const mat& want, const char* what) {
  INFO(what);
  REQUIRE(got.size() == static_cast<std::int64_t>(want.v.size()));
  for (std::int64_t i = 0; i < got.size(); ++i) {
    const double w = want.v[static_cast<std::size_t>(i)];
    // fp32 against double: a few roundings of 2^-24 on terms of magnitude <= 1.
    CHECK(std::fabs(got.data()[i] - w) <= 1e-6 + 1e-5 * std::fabs(w));
  }
}

/// Trains a copy of `m` for `steps` SGD steps under Policy on its own tape; returns the weights.
template <class Policy>
mlp train(mlp m, std::uint64_t seed, int steps) {
  tape<Policy> t;
  for (int s = 0; s < steps; ++s) {
    t.clear();
    const auto x =
        tensor<float>::uniform({8, 4}, -1, 1, seed * 100 + static_cast<std::uint64_t>(s));
    std::vector<std::int64_t> labels(8);
    for (std::size_t i = 0; i < labels.size(); ++i)
      labels[i] = static_cast<std::int64_t>((i + seed) % 3);
    t.backward(mlp_loss(t, m, x, labels));
    for (tensor<float>* w : {&m.w1, &m.b1, &m.w2, &m.b2}) {
      const auto g = t.parameter(*w).grad();
      for (std::int64_t i = 0; i < w->size(); ++i) {
        w->data()[i] -= 0.5f * static_cast<float>(g.data()[i]);
      }
    }
  }
  return m;
}

bool same(const mlp& a, const mlp& b) {
  return identical(a.w1, b.w1) && identical(a.b1, b.b1) && identical(a.w2, b.w2) &&
         identical(a.b2, b.b2);
}

}  // namespace

TEST_SUITE("autodiff/mlp") {
  TEST_CASE("fp32 gradients of an MLP equal a hand-written backward pass") {
    const mlp m;
    for (int n : {1, 5}) {
      const auto x = tensor<float>::uniform({n, 4}, -1, 1, 20 + static_cast<std::uint64_t>(n));
      std::vector<std::int64_t> labels;
      for (int i = 0; i < n; ++i) labels.push_back((2 * i + 1) % 3);
      const grads want = hand_written(m, x, labels);
      tape<presets::fp32> t;
      auto loss = mlp_loss(t, m, x, labels);
      t.backward(loss);
      CHECK(std::fabs(loss.value().data()[0] - want.loss) <= 1e-6 * (1 + want.loss));
      check_close(t.parameter(m.w1).grad(), want.w1, "w1");
      check_close(t.parameter(m.b1).grad(), want.b1, "b1");
      check_close(t.parameter(m.w2).grad(), want.w2, "w2");
      check_close(t.parameter(m.b2).grad(), want.b2, "b2");
    }
  }

  TEST_CASE("two threads with a tape each give the results of running one after the other") {
    const mlp m;
    const mlp a_seq = train<presets::mixed_bf16>(m, 1, 5);
    const mlp b_seq = train<presets::mixed_bf16>(m, 2, 5);
    CHECK_FALSE(same(a_seq, b_seq));
    mlp a_par, b_par;
    std::thread ta([&] { a_par = train<presets::mixed_bf16>(m, 1, 5); });
    std::thread tb([&] { b_par = train<presets::mixed_bf16>(m, 2, 5); });
    ta.join();
    tb.join();
    CHECK(same(a_seq, a_par));
    CHECK(same(b_seq, b_par));
  }
}
