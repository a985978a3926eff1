// The tensor tape on two backends (backend/backend.hpp): cpu_backend (fast paths) and
// reference_backend (the reference loops only). One model that uses every primitive runs under
// every preset on both; the values and gradients must have the same bits under the presets whose
// kernels have no fast path (the pure low-precision ones: every kernel then runs its reference
// loop on both backends), and agree within a bound elsewhere, where the fast paths reorder fp32
// sums (docs/policies.md, "Fast paths").
//
// The bound. A reordered fp32 sum of n terms of magnitude <= M differs from the sequential one
// by at most about n 2^-24 M. Downstream, a value stored in a type with p significand bits may
// then round to the neighbouring code, an error of eps = 2^(1 - p) relative; a handful of such
// stores along the path of a gradient (this model has at most ~12 ops on any path) gives
// |fast - ref| <= 16 eps (|ref| + 1) with eps that of the activation-gradient type
// (tests/autodiff/test_rules.cpp uses the same argument against double).
//
// Stochastic rounding through the tape: 10^6 additions of 1e-4 to a bf16 running sum (a policy
// whose sum accumulates in floating<bf16, stochastic>) average within 1% of the exact sum over
// 300 seeds, and give the same bits with 1 and 2 threads. One run's sum has a standard
// deviation of about 5.6 (each addition moves the sum by an ulp, 0.5 near 100, with probability
// 2e-4), so the mean of 100 runs has one of 0.56 and 1% would be only 1.8 of them (the tape's
// seeds 1 to 100 give 101.09); the mean of 300 runs has one of 0.32, and 1% is 3 of them.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "mixprec/autodiff/functional.hpp"
#include "mixprec/autodiff/tape.hpp"
#include "mixprec/backend/backend.hpp"
#include "mixprec/backend/cpu/backend.hpp"
#include "mixprec/backend/reference/backend.hpp"
#include "mixprec/ops/tensor_ops.hpp"
#include "mixprec/policy/presets.hpp"
#include "mixprec/tensor/tensor.hpp"

namespace {

using namespace mixprec;

static_assert(backend<cpu_backend>);
static_assert(backend<reference_backend>);
static_assert(!backend<int>);
static_assert(!backend<cpu_device>);

struct model_data {
  tensor<float> x = tensor<float>::uniform({6, 8}, -1, 1, 11);
  tensor<float> w1 = tensor<float>::uniform({8, 5}, -0.5, 0.5, 12);
  tensor<float> b1 = tensor<float>::uniform({5}, -0.5, 0.5, 13);
  tensor<float> gamma = tensor<float>::uniform({5}, 0.5, 1.5, 14);
  tensor<float> beta = tensor<float>::uniform({5}, -0.5, 0.5, 15);
  tensor<float> table = tensor<float>::uniform({10, 5}, -1, 1, 16);
  tensor<float> w2 = tensor<float>::uniform({5, 3}, -0.5, 0.5, 17);
  tensor<float> target = tensor<float>::uniform({6}, -1, 1, 18);
  std::vector<std::int64_t> idx{3, 0, 9, 3, 5, 7};
  std::vector<std::int64_t> labels{0, 2, 1, 1, 0, 2};
};

/// A loss that goes through every primitive of the tape: matmul, add (row and same shape), sub,
/// mul, div, neg, relu, exp, log, tanh, sigmoid, gelu, sum, mean, reshape, transpose, cast,
/// softmax, log_softmax, layer_norm, cross_entropy, mse, dropout, embedding.
template <class Tape, class Data>
auto model_loss(Tape& t, const Data& d) {
  auto h = ad::linear(t.input(d.x), t.parameter(d.w1), t.parameter(d.b1));  // [6, 5]
  auto n = ad::layer_norm(h, t.parameter(d.gamma), t.parameter(d.beta));
  auto e = ad::embedding(t.parameter(d.table), d.idx);  // [6, 5]
  auto a = ad::add(ad::gelu(n), ad::tanh(e));
  auto b = ad::mul(ad::sigmoid(a), ad::relu(h));
  auto c = ad::div(ad::sub(b, ad::neg(e)), ad::exp(ad::mul(n, n)));
  auto r = ad::transpose(ad::reshape(ad::dropout(c, 0.25, 7), shape{5, 6}));  // [6, 5]
  auto s = ad::softmax(r);
  auto ls = ad::log_softmax(ad::template cast<float>(r));
  auto l1 = ad::cross_entropy(ad::matmul(r, t.parameter(d.w2)), d.labels);
  auto l2 = ad::mse(ad::sum(ls, 1), t.input(d.target));
  auto l3 = ad::mean(ad::log(s));
  auto l4 = ad::add(ad::mean(ad::mean(s, 0)), ad::sum(ad::mul(s, s)));
  return ad::add(ad::add(l1, l2), ad::add(l3, l4));
}

/// The elements of a view, exactly, as doubles (copied to the host first).
template <class T, class D>
std::vector<double> values(tensor_view<const T, D> v) {
  const auto h = to_host(v);
  std::vector<double> out;
  for (std::int64_t i = 0; i < h.size(); ++i) out.push_back(static_cast<double>(h.data()[i]));
  return out;
}

/// The loss and every parameter gradient of one step of the model on a tape of Policy and B.
template <class Policy, class B, class Data>
std::vector<std::vector<double>> run_step(const Data& d) {
  tape<Policy, B> t;
  auto loss = model_loss(t, d);
  t.backward(loss);
  return {values(loss.value()),
          values(t.parameter(d.w1).grad()),
          values(t.parameter(d.b1).grad()),
          values(t.parameter(d.gamma).grad()),
          values(t.parameter(d.beta).grad()),
          values(t.parameter(d.table).grad()),
          values(t.parameter(d.w2).grad())};
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

template <class Policy>
void compare_backends(bool identical) {
  const model_data d;
  const auto fast = run_step<Policy, cpu_backend>(d);
  const auto ref = run_step<Policy, reference_backend>(d);
  using A = role_t<Policy, role::activation_grads>;
  const double eps = std::ldexp(1.0, 1 - precision_bits_v<A>);
  INFO(Policy::name);
  REQUIRE(fast.size() == ref.size());
  for (std::size_t k = 0; k < fast.size(); ++k) {
    INFO("result " << k << " (0: the loss, then the gradients of w1, b1, gamma, beta, table, w2)");
    REQUIRE(fast[k].size() == ref[k].size());
    if (identical) {
      CHECK(same_bits(fast[k], ref[k]));
    }
    for (std::size_t i = 0; i < fast[k].size(); ++i) {
      CHECK(std::isfinite(ref[k][i]));
      CHECK(std::fabs(fast[k][i] - ref[k][i]) <= 16 * eps * (std::fabs(ref[k][i]) + 1));
    }
  }
}

/// A device whose memory is the host heap but which does not say so (host_accessible is false):
/// a tensor on it has no iterators, no element access, no printing, no comparison. A tape and
/// ops that compile and run on it read and write elements only through their backend. It counts
/// its allocations and byte copies.
struct opaque_device {
  static constexpr bool host_accessible = false;
  static inline int live = 0;
  static inline int allocations = 0;
  static inline int transfers = 0;
  void* allocate(std::size_t n, std::size_t a) const {
    ++live;
    ++allocations;
    return ::operator new (n, std::align_val_t{a});
  }
  void deallocate(void* p, std::size_t, std::size_t a) const noexcept {
    --live;
    ::operator delete (p, std::align_val_t{a});
  }
  void set_zero(void* d, std::size_t n) const { std::memset(d, 0, n); }
  void copy(void* d, const void* s, std::size_t n) const { std::memcpy(d, s, n); }
  void copy_to_host(void* d, const void* s, std::size_t n) const {
    ++transfers;
    std::memcpy(d, s, n);
  }
  void copy_from_host(void* d, const void* s, std::size_t n) const {
    ++transfers;
    std::memcpy(d, s, n);
  }
  friend bool operator==(opaque_device, opaque_device) = default;
};
static_assert(device<opaque_device> && !host_accessible_device<opaque_device>);
template <class T>
concept host_iterable = requires(const T& t) {
  t.begin();
};
static_assert(host_iterable<tensor<float>> && !host_iterable<tensor<float, opaque_device>>);

/// The CPU kernels, on opaque_device's memory.
struct opaque_backend : detail::cpu_kernels<false, opaque_device> {};
static_assert(backend<opaque_backend>);

}  // namespace

template <>
struct mixprec::default_backend<opaque_device> {
  using type = opaque_backend;
};

namespace {

/// The model's data on device D.
template <class D>
struct model_data_on {
  explicit model_data_on(const model_data& h)
      : x(to_device(h.x, D{})),
        w1(to_device(h.w1, D{})),
        b1(to_device(h.b1, D{})),
        gamma(to_device(h.gamma, D{})),
        beta(to_device(h.beta, D{})),
        table(to_device(h.table, D{})),
        w2(to_device(h.w2, D{})),
        target(to_device(h.target, D{})),
        idx(h.idx),
        labels(h.labels) {}
  tensor<float, D> x, w1, b1, gamma, beta, table, w2, target;
  std::vector<std::int64_t> idx, labels;
};

/// Sums in a bf16 accumulator that rounds stochastically; everything else in fp32.
struct sr_sum : policy<default_precision<precision<float>>,
                       rule<ops::sum, precision<float, float, presets::bfloat16_sr>>,
                       allow<mistake::narrow_accumulation>> {};

/// The exact sum of n copies of the float nearest 1e-4.
double exact_sum(std::int64_t n) { return static_cast<double>(n) * static_cast<double>(1e-4f); }

}  // namespace

TEST_SUITE("autodiff/backends") {
  TEST_CASE("the pure low-precision presets give the same bits on both backends") {
    compare_backends<presets::pure_fp16>(true);
    compare_backends<presets::pure_bf16>(true);
    compare_backends<presets::pure_bf16_sr>(true);
  }

  TEST_CASE("the presets with fp32 fast paths agree with the reference within the bound") {
    compare_backends<presets::fp32>(false);
    compare_backends<presets::mixed_fp16>(false);
    compare_backends<presets::mixed_bf16>(false);
    compare_backends<presets::fp8_hybrid>(false);
    compare_backends<presets::fp16_accumulate>(false);
  }

  TEST_CASE("the tape runs on a device the host cannot read, through the backend alone") {
    const model_data h;
    const int before = opaque_device::live;
    {
      const model_data_on<opaque_device> d(h);
      const int transfers = opaque_device::transfers;
      const auto on_device = run_step<presets::mixed_bf16, opaque_backend>(d);
      const auto on_host = run_step<presets::mixed_bf16, cpu_backend>(h);
      REQUIRE(on_device.size() == on_host.size());
      for (std::size_t k = 0; k < on_host.size(); ++k) CHECK(same_bits(on_device[k], on_host[k]));
      // The step itself moved no element to or from the host: only the 7 results read back.
      CHECK(opaque_device::transfers - transfers == 7);
      CHECK(opaque_device::allocations > 0);
    }
    CHECK(opaque_device::live == before);  // every tensor of the tape freed through the device
    const auto x = to_device(tensor<float>::from_values({2, 2}, {1, 2, 3, 4}), opaque_device{});
    const auto y = mixprec::matmul<presets::fp32>(x, x);
    static_assert(std::is_same_v<decltype(y), const tensor<float, opaque_device>>);
    const auto yh = to_host(y);
    CHECK(yh.data()[0] == 7);
    CHECK(yh.data()[3] == 22);
  }

  TEST_CASE("a stochastic bf16 sum through the tape is unbiased and independent of threads") {
    constexpr std::int64_t n = 1'000'000;
    const auto x = tensor<float>::full({n}, 1e-4f);
    const double exact = exact_sum(n);
    double total = 0;
    constexpr int seeds = 300;
    for (int s = 0; s < seeds; ++s) {
      tape<sr_sum> t(static_cast<std::uint64_t>(s) + 1, execution{1});
      const double v = static_cast<double>(ad::sum(t.input(x)).value().data()[0]);
      total += v;
      if (s < 2) {
        tape<sr_sum> t2(static_cast<std::uint64_t>(s) + 1, execution{2});
        CHECK(static_cast<double>(ad::sum(t2.input(x)).value().data()[0]) == v);
      }
    }
    const double mean = total / seeds;
    INFO("mean " << mean << " against the exact " << exact);
    CHECK(std::fabs(mean - exact) <= 0.01 * exact);
    // Round to nearest stagnates once the sum's half ulp passes the term: far below.
    const auto rn = mixprec::sum<policy<default_precision<precision<float, float, bfloat16>>,
                                        allow<mistake::narrow_accumulation>>>(x);
    CHECK(static_cast<double>(rn.data()[0]) < 0.1 * exact);
  }

  TEST_CASE("a stochastic bf16 sum through the ops needs a key, and is unbiased with one") {
    constexpr std::int64_t n = 1'000'000;
    const auto x = tensor<float>::full({n}, 1e-4f);
    CHECK_THROWS_AS(mixprec::sum<sr_sum>(x), mixprec::error);
    double total = 0;
    constexpr int seeds = 300;
    for (std::uint64_t s = 0; s < seeds; ++s) {
      total += static_cast<double>(
          mixprec::sum<sr_sum>(x, execution{}.with_key(stochastic_key{s, 0})).data()[0]);
    }
    INFO("mean " << total / seeds << " against the exact " << exact_sum(n));
    CHECK(std::fabs(total / seeds - exact_sum(n)) <= 0.01 * exact_sum(n));
  }

  TEST_CASE("two identical ops, and one op in two steps, draw different bits") {
    const auto x = tensor<float>::full({4096}, 1e-4f);
    tape<sr_sum> t(42);
    const auto a = ad::sum(t.input(x)).value().data()[0];
    const auto b = ad::sum(t.input(x)).value().data()[0];
    t.clear();
    const auto c = ad::sum(t.input(x)).value().data()[0];
    // Each is a sum of 4096 stochastic roundings: equal by chance with a tiny probability.
    CHECK((a != b || b != c));
    // The same seed and step give the same bits.
    tape<sr_sum> u(42);
    CHECK(ad::sum(u.input(x)).value().data()[0] == a);
    CHECK(u.seed() == 42);
  }

  TEST_CASE("a rule for a layout op gives it a type; without one it keeps the input's") {
    using transpose_bf16 =
        policy<default_precision<precision<float>>, rule<ops::transpose, precision<bfloat16>>>;
    const auto x = tensor<float>::uniform({3, 4}, -1, 1, 5);
    tape<transpose_bf16> t;
    auto y = ad::transpose(t.input(x));
    static_assert(std::is_same_v<decltype(y)::value_type, bfloat16>);
    for (std::int64_t i = 0; i < 3; ++i) {
      for (std::int64_t j = 0; j < 4; ++j) {
        // bf16 of a float: the float's bits rounded to nearest even at bit 16, done here in
        // integers (finite values below bf16's largest).
        std::uint32_t u;
        const float f = x.data()[i * 4 + j];
        std::memcpy(&u, &f, 4);
        const std::uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
        float expect;
        std::memcpy(&expect, &r, 4);
        CHECK(static_cast<float>(y.value().data()[j * 3 + i]) == expect);
      }
    }
    tape<presets::pure_bf16> p;
    auto z = ad::transpose(p.input(x));
    static_assert(std::is_same_v<decltype(z)::value_type, float>);
    CHECK(z.value().data()[1] == x.data()[4]);
  }
}
