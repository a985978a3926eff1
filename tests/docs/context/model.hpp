// Context of the documentation snippets marked `<!-- snippet: context=model -->`
// (cmake/mixprecDocSnippets.cmake): the names their prose assumes, an input batch `x`, weights
// `w`, `w1`, `w2` and biases `b1`, `b2`, class `labels`, and a `model` `m` holding the same
// parameters. Only the tensor type itself is included: the snippet's own #include lines must bring
// in everything else it uses.
#pragma once

#include <cstdint>
#include <mixprec/tensor/tensor.hpp>
#include <vector>

inline mixprec::tensor<float> x, w, w1, b1, w2, b2;
inline std::vector<std::int64_t> labels;

struct model {
  mixprec::tensor<float> w1, b1, w2, b2;
};
inline model m;
