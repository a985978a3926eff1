#pragma once
/// \file policy/presets.hpp
/// The preset policies, each mirroring a system or paper, and their selection by name at run
/// time. docs/policies.md prints the table of each.

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "mixprec/error.hpp"
#include "mixprec/format/aliases.hpp"
#include "mixprec/policy/policy.hpp"

namespace mixprec::presets {

/// bfloat16 written with stochastic rounding.
using bfloat16_sr = floating<formats::bf16, rounding::stochastic>;

/// Everything in fp32: the baseline every other preset is compared with.
struct fp32 : policy<default_precision<precision<float>>> {
  static constexpr std::string_view name = "fp32";
  static constexpr std::string_view summary = "everything in fp32: the baseline";
};

/// Mixed fp16 in the style of PyTorch autocast (torch.autocast with float16) and of
/// Micikevicius et al. 2018, "Mixed Precision Training": matmul-class ops read and write fp16
/// and accumulate in fp32; pointwise ops keep fp16 storage and compute in fp32 (PyTorch's
/// opmath); transcendental, reduction, normalization and loss ops run in fp32; fp32 master
/// weights; dynamic loss scaling.
struct mixed_fp16
    : policy<default_precision<precision<half, float, float>>,
             rule<categories::matmul, precision<half, float, float>>,
             rule<categories::transcendental, precision<float>>,
             rule<categories::reduction, precision<float>>,
             rule<categories::normalization, precision<float>>,
             rule<categories::loss, precision<float>>, roles<half, float, float, half, float>,
             loss_scaling<loss_scale::dynamic>> {
  static constexpr std::string_view name = "mixed_fp16";
  static constexpr std::string_view summary =
      "autocast-style fp16: matmuls fp16 with fp32 accumulation, fp32 master weights, "
      "dynamic loss scaling";
};

/// mixed_fp16 with bfloat16 (torch.autocast with bfloat16): bf16 has fp32's range, so no loss
/// scaling is needed.
struct mixed_bf16 : policy<default_precision<precision<bfloat16, float, float>>,
                           rule<categories::matmul, precision<bfloat16, float, float>>,
                           rule<categories::transcendental, precision<float>>,
                           rule<categories::reduction, precision<float>>,
                           rule<categories::normalization, precision<float>>,
                           rule<categories::loss, precision<float>>,
                           roles<bfloat16, float, float, bfloat16, float>> {
  static constexpr std::string_view name = "mixed_bf16";
  static constexpr std::string_view summary =
      "autocast-style bf16: matmuls bf16 with fp32 accumulation, fp32 master weights";
};

/// Everything in fp16, sums too, and no fp32 master copy: what mixed precision avoids
/// (updates smaller than half an ulp of a weight vanish; long sums stagnate). Loss scaling is
/// declared so that the failures shown are those of precision, not of range.
struct pure_fp16 : policy<default_precision<precision<half>>, roles<half, half, half, half, half>,
                          loss_scaling<loss_scale::dynamic>> {
  static constexpr std::string_view name = "pure_fp16";
  static constexpr std::string_view summary =
      "everything fp16, sums included, no master weights (loss scaled): what breaks";
};

/// Everything in bfloat16, sums too, and no fp32 master copy.
struct pure_bf16 : policy<default_precision<precision<bfloat16>>,
                          roles<bfloat16, bfloat16, bfloat16, bfloat16, bfloat16>> {
  static constexpr std::string_view name = "pure_bf16";
  static constexpr std::string_view summary =
      "everything bf16, sums included, no master weights: what breaks";
};

/// pure_bf16 with the weights written by stochastic rounding, which keeps small updates alive
/// in expectation (Zamirai et al. 2020, "Revisiting BFloat16 Training"; Gupta et al. 2015).
struct pure_bf16_sr
    : policy<default_precision<precision<bfloat16>>,
             rule<ops::optimizer_update, precision<bfloat16_sr, bfloat16, bfloat16>>,
             roles<bfloat16_sr, bfloat16_sr, bfloat16, bfloat16, bfloat16>> {
  static constexpr std::string_view name = "pure_bf16_sr";
  static constexpr std::string_view summary =
      "pure_bf16 with weights written by stochastic rounding";
};

/// FP8 in the style of NVIDIA Transformer Engine's HYBRID recipe (Micikevicius et al. 2022,
/// "FP8 Formats for Deep Learning"): forward matmul inputs E4M3, gradient matmul inputs E5M2,
/// products exact and accumulated in fp32, results written in bf16, per-tensor scaling; other
/// ops bf16 storage with fp32 compute, the precision-sensitive categories in fp32; fp32 master
/// weights.
struct fp8_hybrid
    : policy<
          default_precision<precision<bfloat16, float, float>>,
          rule<categories::matmul, precision<float8_e4m3, float, float, bfloat16>, pass::forward>,
          rule<categories::matmul, precision<float8_e5m2, float, float, bfloat16>,
               pass::backward_data, pass::backward_weight>,
          rule<categories::transcendental, precision<float>>,
          rule<categories::reduction, precision<float>>,
          rule<categories::normalization, precision<float>>,
          rule<categories::loss, precision<float>>,
          roles<float8_e4m3, float, float, bfloat16, float>,
          tensor_scaling<tensor_scale::per_tensor>> {
  static constexpr std::string_view name = "fp8_hybrid";
  static constexpr std::string_view summary =
      "Transformer Engine HYBRID: E4M3 forward, E5M2 gradients, fp32 accumulation, bf16 "
      "results, per-tensor scaling";
};

/// mixed_fp16 with the matmuls accumulating in fp16, as fully fused GPU MLPs do on tensor
/// cores (products exact, sums rounded to fp16; e.g. tiny-cuda-nn). An intentional
/// narrow accumulation.
struct fp16_accumulate
    : policy<default_precision<precision<half, float, float>>,
             rule<categories::matmul, precision<half, float, half>>,
             rule<categories::transcendental, precision<float>>,
             rule<categories::reduction, precision<float>>,
             rule<categories::normalization, precision<float>>,
             rule<categories::loss, precision<float>>, roles<half, float, float, half, float>,
             loss_scaling<loss_scale::dynamic>, allow<mistake::narrow_accumulation>> {
  static constexpr std::string_view name = "fp16_accumulate";
  static constexpr std::string_view summary =
      "mixed_fp16 with matmuls accumulating in fp16, as fused GPU MLPs do";
};

/// Every preset, in the order of docs/policies.md.
template <class... Ps>
struct preset_list {};
using all = preset_list<fp32, mixed_fp16, mixed_bf16, pure_fp16, pure_bf16, pure_bf16_sr,
                        fp8_hybrid, fp16_accumulate>;

}  // namespace mixprec::presets

namespace mixprec {

namespace detail {
template <class... Ps>
constexpr auto preset_names_of(presets::preset_list<Ps...>) noexcept {
  return std::array<std::string_view, sizeof...(Ps)>{Ps::name...};
}
}  // namespace detail

/// The names of the presets ("fp32", "mixed_fp16", ...).
inline constexpr auto preset_names = detail::preset_names_of(presets::all{});

namespace detail {
template <class F, class P, class... Ps>
decltype(auto) dispatch_preset(std::string_view name, F&& f, presets::preset_list<P, Ps...>) {
  if (name == P::name) return std::forward<F>(f)(P{});
  if constexpr (sizeof...(Ps) > 0) {
    return dispatch_preset(name, std::forward<F>(f), presets::preset_list<Ps...>{});
  } else {
    std::string valid;
    for (std::string_view n : preset_names) {
      if (!valid.empty()) valid += ", ";
      valid += n;
    }
    std::string what = "unknown preset '";
    what += name;
    what += "'; valid names: ";
    what += valid;
    throw_error("with_preset", what);
  }
}
}  // namespace detail

/// Calls `f(P{})` with the preset P named `name`: a run-time choice that dispatches to the
/// compile-time policy type. Every call of f must return the same type. An unknown name throws
/// mixprec::error listing the valid names.
///
///     with_preset("mixed_bf16", [](auto policy) { train<decltype(policy)>(); });
template <class F>
decltype(auto) with_preset(std::string_view name, F&& f) {
  return detail::dispatch_preset(name, std::forward<F>(f), presets::all{});
}

}  // namespace mixprec
