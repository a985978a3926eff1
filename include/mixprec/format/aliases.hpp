#pragma once
/// \file format/aliases.hpp
/// Short names for the common formats with default behaviour (round to nearest even, IEEE
/// overflow, subnormals kept).

#include "mixprec/format/floating.hpp"
#include "mixprec/format/formats.hpp"

namespace mixprec {

using half = floating<formats::fp16>;                 ///< IEEE binary16
using bfloat16 = floating<formats::bf16>;             ///< bfloat16
using float32 = floating<formats::fp32>;              ///< binary32, for directed rounding
using tfloat32 = floating<formats::tf32>;             ///< TensorFloat-32 (4-byte storage)
using float8_e4m3 = floating<formats::e4m3>;          ///< OCP FP8 E4M3
using float8_e5m2 = floating<formats::e5m2>;          ///< OCP FP8 E5M2
using float8_e4m3fnuz = floating<formats::e4m3fnuz>;  ///< FP8 E4M3, bias 8, NaN at -0
using float8_e5m2fnuz = floating<formats::e5m2fnuz>;  ///< FP8 E5M2, bias 16, NaN at -0
using float6_e3m2 = floating<formats::e3m2>;          ///< OCP MX FP6 E3M2
using float6_e2m3 = floating<formats::e2m3>;          ///< OCP MX FP6 E2M3
using float4_e2m1 = floating<formats::e2m1>;          ///< OCP MX FP4 E2M1
using float8_e8m0 = floating<formats::e8m0>;          ///< OCP MX scale E8M0

}  // namespace mixprec
