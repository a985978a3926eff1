// The ops on tensors under a policy: each op runs in the precision its policy gives it, reads
// its operands in the storage type, and checks shapes. References are computed here in double,
// with rounding into a format from tests/support/reference.hpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <mixprec/ops/tensor_ops.hpp>
#include <mixprec/policy/presets.hpp>
#include <string>
#include <vector>

#include "reference.hpp"

namespace mp = mixprec;
namespace presets = mp::presets;

namespace {

// x rounded once into T, by the reference model (not the library).
template <class T>
double rnd(double x) {
  if constexpr (std::is_same_v<T, float>) {
    return static_cast<float>(x);
  } else {
    return static_cast<double>(mixprec_test::make<T>(mixprec_test::expect<T>(x)));
  }
}

// ---- a small network, computed in double ------------------------------------------------------

struct network {
  mp::tensor<float> x = mp::tensor<float>::normal({24, 40}, 0.0, 1.0, 11);
  mp::tensor<float> w1 = mp::tensor<float>::normal({40, 32}, 0.0, 0.15, 12);
  mp::tensor<float> w2 = mp::tensor<float>::normal({32, 10}, 0.0, 0.2, 13);
  std::vector<std::int64_t> labels;
  network() {
    for (int i = 0; i < 24; ++i) labels.push_back((i * 7) % 10);
  }
};

std::vector<double> matmul_double(const std::vector<double>& a, const std::vector<double>& b, int m,
                                  int k, int n) {
  std::vector<double> c(static_cast<std::size_t>(m * n), 0.0);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int p = 0; p < k; ++p) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  return c;
}

template <class X>
std::vector<double> as_double(const X& t) {
  std::vector<double> v;
  for (const auto& e : t) v.push_back(static_cast<double>(e));
  return v;
}

double loss_double(const network& net) {
  auto h = matmul_double(as_double(net.x), as_double(net.w1), 24, 40, 32);
  for (double& v : h) v = v * 0.5 * std::erfc(-v / std::sqrt(2.0));
  for (int r = 0; r < 24; ++r) {  // layer norm, no gain or bias, eps 1e-5
    double mean = 0, var = 0;
    for (int c = 0; c < 32; ++c) mean += h[r * 32 + c];
    mean /= 32;
    for (int c = 0; c < 32; ++c) var += (h[r * 32 + c] - mean) * (h[r * 32 + c] - mean);
    var /= 32;
    for (int c = 0; c < 32; ++c) h[r * 32 + c] = (h[r * 32 + c] - mean) / std::sqrt(var + 1e-5);
  }
  const auto z = matmul_double(h, as_double(net.w2), 24, 32, 10);
  double total = 0;
  for (int r = 0; r < 24; ++r) {
    double m = z[r * 10];
    for (int c = 1; c < 10; ++c) m = std::max(m, z[r * 10 + c]);
    double s = 0;
    for (int c = 0; c < 10; ++c) s += std::exp(z[r * 10 + c] - m);
    total += m + std::log(s) - z[r * 10 + net.labels[static_cast<std::size_t>(r)]];
  }
  return total / 24;
}

// The program of docs/policies.md: the same lines under any policy.
template <class Policy>
auto loss(const network& net) {
  auto h = mp::gelu<Policy>(mp::matmul<Policy>(net.x, net.w1));
  auto z = mp::layer_norm<Policy>(h, mp::tensor<float>(), mp::tensor<float>());
  auto logits = mp::matmul<Policy>(z, net.w2);
  return mp::cross_entropy<Policy>(logits, net.labels);
}

/// The loss under Policy is within `tolerance` (relative) of the double computation, and, for a
/// low-precision preset, differs from the fp32 preset's loss `fp32`: a preset whose policy were
/// ignored (everything in fp32) would give fp32's bits.
template <class Policy>
double check_loss(const network& net, double expected, double tolerance, double fp32 = -1) {
  const auto l = loss<Policy>(net);
  using S = mp::storage_t<Policy, mp::ops::cross_entropy>;
  static_assert(std::is_same_v<typename decltype(l)::value_type, S>);
  CHECK(l.rank() == 0);
  const double error = std::fabs(static_cast<double>(l.data()[0]) - expected);
  INFO("preset " << Policy::name << ": relative error " << error / expected);
  CHECK(error <= tolerance * expected);
  if (fp32 >= 0) CHECK(static_cast<double>(l.data()[0]) != fp32);
  return static_cast<double>(l.data()[0]);
}

}  // namespace

TEST_SUITE("backend/cpu/tensor_ops") {
  TEST_CASE("one program under every preset, against a double computation") {
    const network net;
    const double expected = loss_double(net);
    // Tolerances from each preset's narrowest type on this path: fp32 2^-24, fp16 2^-11,
    // bf16 2^-8 (pure: every sum too), FP8 with per-tensor scaling 2^-4, with room for the
    // error to grow through four ops.
    const double fp32 = check_loss<presets::fp32>(net, expected, 1e-5);
    check_loss<presets::mixed_fp16>(net, expected, 2e-3, fp32);
    check_loss<presets::mixed_bf16>(net, expected, 2e-2, fp32);
    check_loss<presets::fp16_accumulate>(net, expected, 4e-3, fp32);
    check_loss<presets::pure_fp16>(net, expected, 1e-2, fp32);
    check_loss<presets::pure_bf16>(net, expected, 6e-2, fp32);
    check_loss<presets::pure_bf16_sr>(net, expected, 6e-2, fp32);
    check_loss<presets::fp8_hybrid>(net, expected, 0.15, fp32);
  }

  TEST_CASE("operands are read in the storage type") {
    // mixed_bf16 add: bf16 storage, float compute. Float operands are first rounded to bf16.
    const auto a = mp::tensor<float>::from_values({2, 3}, {1.00390625, 3.0, -2.5, 0.1, 1e-3, 7.0});
    const auto b = mp::tensor<float>::from_values({3}, {0.00390625, 1e-3, 0.3});
    const auto y = mp::add<presets::mixed_bf16>(a, b);
    static_assert(std::is_same_v<decltype(y), const mp::tensor<mp::bfloat16>>);
    REQUIRE(y.shape() == mp::shape{2, 3});
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) {
        const double av = rnd<mp::bfloat16>(static_cast<double>(a(r, c)));
        const double bv = rnd<mp::bfloat16>(static_cast<double>(b(c)));
        CHECK(static_cast<double>(y(r, c)) == rnd<mp::bfloat16>(rnd<float>(av + bv)));
      }
  }

  TEST_CASE("sum and mean over an axis, and over everything") {
    const auto x = mp::tensor<float>::uniform({3, 4, 5}, -1.0, 1.0, 5);
    for (int axis = -3; axis < 3; ++axis) {
      const auto s = mp::sum<presets::fp32>(x, axis);
      const int ax = axis < 0 ? axis + 3 : axis;
      CHECK(s.rank() == 2);
      std::int64_t idx[3] = {0, 0, 0};
      for (idx[0] = 0; idx[0] < 3; ++idx[0])
        for (idx[1] = 0; idx[1] < 4; ++idx[1])
          for (idx[2] = 0; idx[2] < 5; ++idx[2]) {
            if (idx[ax] != 0) continue;
            double ref = 0, mag = 0;
            std::int64_t j[3] = {idx[0], idx[1], idx[2]};
            for (j[ax] = 0; j[ax] < x.shape()[ax]; ++j[ax]) {
              ref += static_cast<double>(x(j[0], j[1], j[2]));
              mag += std::fabs(static_cast<double>(x(j[0], j[1], j[2])));
            }
            std::int64_t o[2], n = 0;
            for (int d = 0; d < 3; ++d)
              if (d != ax) o[n++] = idx[d];
            CHECK(std::fabs(static_cast<double>(s(o[0], o[1])) - ref) <= 10 * 0x1p-24 * mag);
          }
    }
    const auto all = mp::mean<presets::pure_fp16>(x);
    CHECK(all.rank() == 0);
    double ref = 0;
    for (float v : x) ref += v;
    CHECK(std::fabs(static_cast<double>(all.data()[0]) - ref / 60) < 0.01);
    CHECK_THROWS_WITH_AS(mp::sum<presets::fp32>(x, 3),
                         "sum: axis 3 is out of range for shape [3, 4, 5]", mp::error);
  }

  TEST_CASE("FP8 matmul with per-tensor scaling keeps small operands") {
    // Values around 1e-4: below e4m3's smallest subnormal (2^-9), so unscaled they would be
    // zero. Scaled by a power of two they keep ~4 significant bits.
    const auto a = mp::tensor<float>::uniform({8, 16}, 1e-4, 2e-4, 21);
    const auto b = mp::tensor<float>::uniform({16, 4}, 1e-4, 2e-4, 22);
    const auto c = mp::matmul<presets::fp8_hybrid>(a, b);
    static_assert(std::is_same_v<decltype(c), const mp::tensor<mp::bfloat16>>);
    const auto ref = matmul_double(as_double(a), as_double(b), 8, 16, 4);
    for (int i = 0; i < 32; ++i) {
      const double r = ref[static_cast<std::size_t>(i)];
      CHECK(std::fabs(static_cast<double>(c.data()[i]) - r) <= r * 0x1p-3);
    }
    // A matmul by the identity returns a's values, each rounded once into e4m3 after scaling:
    // within e4m3's relative precision (2^-4), and not flushed to zero.
    auto eye = mp::tensor<float>::zeros({16, 16});
    for (int i = 0; i < 16; ++i) eye(i, i) = 1.0f;
    using scaled_fp32_out =
        mp::policy<mp::default_precision<mp::precision<float>>,
                   mp::rule<mp::ops::matmul, mp::precision<mp::float8_e4m3, float, float, float>>,
                   mp::tensor_scaling<mp::tensor_scale::per_tensor>>;
    const auto back = mp::matmul<scaled_fp32_out>(a, eye);
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 16; ++j) {
        const double v = static_cast<double>(a(i, j));
        CHECK(std::fabs(static_cast<double>(back(i, j)) - v) <= v * 0x1p-4);
      }
    // The same policy without the scaling declaration flushes every operand to zero.
    using unscaled_fp32_out =
        mp::policy<mp::default_precision<mp::precision<float>>,
                   mp::rule<mp::ops::matmul, mp::precision<mp::float8_e4m3, float, float, float>>,
                   mp::allow<mp::mistake::unscaled_narrow_gradients>>;
    const auto flushed = mp::matmul<unscaled_fp32_out>(a, eye);
    for (float v : flushed) CHECK(v == 0.0f);
  }

  TEST_CASE("matmul transposes and batches of rows") {
    const auto a = mp::tensor<float>::normal({2, 3, 5}, 0, 1, 31);  // [2, 3] rows of 5
    const auto b = mp::tensor<float>::normal({4, 5}, 0, 1, 32);     // used transposed
    const auto c = mp::matmul<presets::fp32>(a, b, mp::cpu::transpose::no, mp::cpu::transpose::yes);
    REQUIRE(c.shape() == mp::shape{2, 3, 4});
    for (int i = 0; i < 2; ++i)
      for (int r = 0; r < 3; ++r)
        for (int j = 0; j < 4; ++j) {
          double ref = 0;
          for (int p = 0; p < 5; ++p) ref += double(a(i, r, p)) * double(b(j, p));
          CHECK(std::fabs(double(c(i, r, j)) - ref) < 1e-5);
        }
    const auto at = mp::tensor<float>::normal({5, 3}, 0, 1, 33);  // a^T: [3, 5]
    const auto c2 =
        mp::matmul<presets::fp32>(at, b, mp::cpu::transpose::yes, mp::cpu::transpose::yes);
    REQUIRE(c2.shape() == mp::shape{3, 4});
    for (int r = 0; r < 3; ++r)
      for (int j = 0; j < 4; ++j) {
        double ref = 0;
        for (int p = 0; p < 5; ++p) ref += double(at(p, r)) * double(b(j, p));
        CHECK(std::fabs(double(c2(r, j)) - ref) < 1e-5);
      }
  }

  TEST_CASE("shape errors name the op and both shapes, and leave the operands alone") {
    auto a = mp::tensor<float>::from_values({2, 3}, {1, 2, 3, 4, 5, 6});
    const auto before = a;
    const auto b = mp::tensor<float>::zeros({2, 2});
    CHECK_THROWS_WITH_AS(mp::add<presets::fp32>(a, b),
                         "add: shapes [2, 3] and [2, 2] do not match: b must have a's shape, or be "
                         "one row of a's last extent",
                         mp::error);
    CHECK_THROWS_WITH_AS(mp::matmul<presets::mixed_bf16>(a, b),
                         "matmul: shapes [2, 3] and [2, 2] do not match: inner dimensions 3 and 2 "
                         "differ",
                         mp::error);
    CHECK_THROWS_WITH_AS(mp::mse<presets::fp32>(a, b), "mse: shapes [2, 3] and [2, 2] do not match",
                         mp::error);
    const std::vector<std::int64_t> labels{0};
    CHECK_THROWS_WITH_AS(mp::cross_entropy<presets::fp32>(a, labels),
                         "cross_entropy: logits of shape [2, 3] have 2 rows but there are 1 labels",
                         mp::error);
    const std::vector<std::int64_t> bad{0, 3};
    CHECK_THROWS_AS(mp::cross_entropy<presets::fp32>(a, bad), mp::error);
    CHECK_THROWS_AS(mp::layer_norm<presets::fp32>(a, b, mp::tensor<float>()), mp::error);
    CHECK(mp::identical(a, before));
  }

  TEST_CASE("softmax rows sum to one; log_softmax is its log") {
    const auto x = mp::tensor<float>::normal({5, 7}, 0, 2, 41);
    const auto s = mp::softmax<presets::mixed_bf16>(x);
    const auto ls = mp::log_softmax<presets::mixed_bf16>(x);
    static_assert(std::is_same_v<decltype(s)::value_type, float>);  // normalization is fp32
    for (int r = 0; r < 5; ++r) {
      double total = 0, m = -1e300;
      for (int c = 0; c < 7; ++c) m = std::max(m, double(x(r, c)));
      double z = 0;
      for (int c = 0; c < 7; ++c) z += std::exp(double(x(r, c)) - m);
      for (int c = 0; c < 7; ++c) {
        total += s(r, c);
        CHECK(std::fabs(double(ls(r, c)) - (double(x(r, c)) - m - std::log(z))) < 1e-5);
      }
      CHECK(std::fabs(total - 1) < 1e-6);
    }
  }
}
