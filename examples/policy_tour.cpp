// The same small network under every preset policy: one template argument changes where each
// op rounds. Prints each preset's loss beside the fp32 one, and the table of one preset.
//
//   $ policy_tour              # every preset
//   $ policy_tour mixed_bf16   # one preset, with its table
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <mixprec/ops/tensor_ops.hpp>
#include <mixprec/policy/presets.hpp>
#include <mixprec/policy/table.hpp>
#include <string>
#include <vector>

namespace mp = mixprec;

// A two-layer MLP's forward pass and loss, in the precision Policy gives each op.
template <class Policy>
double loss(const mp::tensor<float>& x, const mp::tensor<float>& w1, const mp::tensor<float>& w2,
            const std::vector<std::int64_t>& labels) {
  auto h = mp::gelu<Policy>(mp::matmul<Policy>(x, w1));
  auto z = mp::layer_norm<Policy>(h, mp::tensor<float>(), mp::tensor<float>());
  auto logits = mp::matmul<Policy>(z, w2);
  return static_cast<double>(mp::cross_entropy<Policy>(logits, labels).data()[0]);
}

int main(int argc, char** argv) {
  const auto x = mp::tensor<float>::normal({64, 784}, 0.0, 1.0, 1);
  const auto w1 = mp::tensor<float>::normal({784, 256}, 0.0, 1.0 / 28, 2);
  const auto w2 = mp::tensor<float>::normal({256, 10}, 0.0, 1.0 / 16, 3);
  std::vector<std::int64_t> labels(64);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int64_t>(i % 10);

  try {
    if (argc > 1) {
      std::fputs(mp::policy_table(argv[1]).c_str(), stdout);
      const double l = mp::with_preset(
          argv[1], [&](auto policy) { return loss<decltype(policy)>(x, w1, w2, labels); });
      std::printf("\nloss under %s: %.9g\n", argv[1], l);
      return 0;
    }
    const double reference = loss<mp::presets::fp32>(x, w1, w2, labels);
    std::printf("%-16s %-14s %s\n", "preset", "loss", "relative difference from fp32");
    for (std::string_view name : mp::preset_names) {
      const double l = mp::with_preset(
          name, [&](auto policy) { return loss<decltype(policy)>(x, w1, w2, labels); });
      std::printf("%-16s %-14.9g %.3g\n", std::string(name).c_str(), l,
                  std::fabs(l - reference) / reference);
    }
  } catch (const mp::error& e) {
    std::fprintf(stderr, "policy_tour: %s\n", e.what());
    return 2;
  }
  return 0;
}
