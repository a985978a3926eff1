#pragma once
/// \file policy/ops.hpp
/// Op tags, their categories, and the passes of training. A policy assigns precisions to them.

#include <concepts>
#include <string_view>
#include <type_traits>

namespace mixprec {

/// Families of ops that a policy treats alike, in the spirit of the autocast op lists.
enum class category {
  matmul,          ///< products summed over a shared dimension: safe in low precision
  pointwise,       ///< add, sub, mul, div, neg, relu, cast, dropout, embedding, optimizer update
  transcendental,  ///< exp, log, tanh, sigmoid, gelu: sensitive to the input's precision
  reduction,       ///< sum, mean: long sums
  normalization,   ///< softmax, log_softmax, layer_norm: a reduction feeding pointwise math
  loss,            ///< cross_entropy, mse
  layout,          ///< reshape, transpose: data movement; results keep the input's type unless
                   ///< a rule names the op or this category
};

/// The passes of a training step. A rule may apply to one of them only.
enum class pass {
  forward,          ///< computing the outputs
  backward_data,    ///< gradients with respect to activations (inputs of an op)
  backward_weight,  ///< gradients with respect to weights
};

/// The name of a category as the policy tables print it.
constexpr std::string_view category_name(category c) noexcept {
  switch (c) {
    case category::matmul:
      return "matmul";
    case category::pointwise:
      return "pointwise";
    case category::transcendental:
      return "transcendental";
    case category::reduction:
      return "reduction";
    case category::normalization:
      return "normalization";
    case category::loss:
      return "loss";
    case category::layout:
      return "layout";
  }
  return "?";
}

/// The name of a pass as the policy tables print it.
constexpr std::string_view pass_name(pass p) noexcept {
  switch (p) {
    case pass::forward:
      return "forward";
    case pass::backward_data:
      return "backward_data";
    case pass::backward_weight:
      return "backward_weight";
  }
  return "?";
}

/// Op tags: empty types naming each op, its category and its printed name.
namespace ops {

#define MIXPREC_OP_TAG(tag, cat)                                                 \
  struct tag {                                                                   \
    static constexpr ::mixprec::category op_category = ::mixprec::category::cat; \
    static constexpr std::string_view name = #tag;                               \
  }

MIXPREC_OP_TAG(matmul, matmul);               ///< C = A B (GEMM)
MIXPREC_OP_TAG(add, pointwise);               ///< a + b
MIXPREC_OP_TAG(sub, pointwise);               ///< a - b
MIXPREC_OP_TAG(mul, pointwise);               ///< a * b
MIXPREC_OP_TAG(div, pointwise);               ///< a / b
MIXPREC_OP_TAG(neg, pointwise);               ///< -a
MIXPREC_OP_TAG(relu, pointwise);              ///< max(a, 0)
MIXPREC_OP_TAG(cast, pointwise);              ///< conversion between element types
MIXPREC_OP_TAG(dropout, pointwise);           ///< inverted dropout: a · mask / (1 - p)
MIXPREC_OP_TAG(embedding, pointwise);         ///< rows of a table gathered (and converted)
MIXPREC_OP_TAG(optimizer_update, pointwise);  ///< the optimizer's update of a weight
MIXPREC_OP_TAG(exp, transcendental);          ///< e^a
MIXPREC_OP_TAG(log, transcendental);          ///< ln a
MIXPREC_OP_TAG(tanh, transcendental);         ///< tanh a
MIXPREC_OP_TAG(sigmoid, transcendental);      ///< 1 / (1 + e^-a)
MIXPREC_OP_TAG(gelu, transcendental);         ///< a Phi(a), the exact (erf) form
MIXPREC_OP_TAG(sum, reduction);               ///< sum over an axis
MIXPREC_OP_TAG(mean, reduction);              ///< mean over an axis
MIXPREC_OP_TAG(softmax, normalization);       ///< softmax over the last axis
MIXPREC_OP_TAG(log_softmax, normalization);   ///< log-softmax over the last axis
MIXPREC_OP_TAG(layer_norm, normalization);    ///< layer normalisation over the last axis
MIXPREC_OP_TAG(cross_entropy, loss);          ///< mean cross-entropy of logits and labels
MIXPREC_OP_TAG(mse, loss);                    ///< mean squared error
MIXPREC_OP_TAG(reshape, layout);              ///< the same elements with another shape
MIXPREC_OP_TAG(transpose, layout);            ///< the transpose of a matrix

#undef MIXPREC_OP_TAG

}  // namespace ops

/// An op tag: a type with `op_category` and `name`.
template <class Op>
concept op_tag = requires {
  { Op::op_category } -> std::convertible_to<category>;
  { Op::name } -> std::convertible_to<std::string_view>;
};

/// Every op tag, in the order the policy tables list them.
template <class... Ops>
struct op_list {};
using all_ops =
    op_list<ops::matmul, ops::add, ops::sub, ops::mul, ops::div, ops::neg, ops::relu, ops::cast,
            ops::dropout, ops::embedding, ops::optimizer_update, ops::exp, ops::log, ops::tanh,
            ops::sigmoid, ops::gelu, ops::sum, ops::mean, ops::softmax, ops::log_softmax,
            ops::layer_norm, ops::cross_entropy, ops::mse, ops::reshape, ops::transpose>;

}  // namespace mixprec
