#pragma once
/// \file format/rounding.hpp
/// The behaviour parameters of a floating type: how it rounds, what it does on overflow, and
/// whether it keeps subnormal numbers. See docs/formats.md for the exact rules.

namespace mixprec {

/// How a value that falls between two representable neighbours is rounded.
enum class rounding {
  nearest_even,  ///< to nearest, ties to the neighbour with an even significand (IEEE default)
  nearest_away,  ///< to nearest, ties away from zero (IEEE roundTiesToAway)
  toward_zero,   ///< truncation
  upward,        ///< toward +infinity
  downward,      ///< toward -infinity
  to_odd,        ///< inexact results get the neighbour with an odd significand ("jamming")
  stochastic,    ///< away from zero with probability distance-to-lower / gap (32 random bits)
};

/// What a result too large for the format becomes.
enum class overflow {
  standard,  ///< IEEE 754: infinity or max by rounding direction; NaN or max without infinity
  saturate,  ///< always the largest finite value of the right sign; infinity inputs too
};

/// Whether subnormal numbers exist for a type.
enum class subnormals {
  keep,   ///< gradual underflow (IEEE 754)
  flush,  ///< subnormal operands read as zero, subnormal results become zero (sign kept)
};

/// How a format encodes NaN (and whether it has infinities).
enum class nan_style {
  ieee,           ///< exponent all ones: mantissa zero is infinity, nonzero is NaN
  all_ones,       ///< only the all-ones magnitude is NaN, for both signs (OCP E4M3, E8M0)
  negative_zero,  ///< the one code 1000...0 is NaN; there is no -0 (the "fnuz" formats)
  none,           ///< no NaN at all (OCP MX FP6 and FP4)
};

}  // namespace mixprec
