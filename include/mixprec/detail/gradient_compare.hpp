#pragma once
/// \file detail/gradient_compare.hpp
/// The test of one analytic gradient against its numeric estimate, shared by the scalar and the
/// tensor gradcheck.

#include <cmath>
#include <limits>

namespace mixprec::detail {

/// How one analytic gradient compares with its numeric estimate.
struct gradient_comparison {
  double error;    ///< |analytic - numeric|
  double allowed;  ///< abs + rel * |numeric|
  bool ok;         ///< error <= allowed (false when either is NaN)
  double ratio;    ///< error / allowed; infinity when not ok and the ratio says nothing (NaN, 0)
};

inline gradient_comparison compare_gradient(double analytic, double numeric, double abs,
                                            double rel) noexcept {
  gradient_comparison c{};
  c.error = std::fabs(analytic - numeric);
  c.allowed = abs + rel * std::fabs(numeric);
  c.ok = c.error <= c.allowed;
  constexpr double inf = std::numeric_limits<double>::infinity();
  c.ratio = !c.ok && !(c.error > c.allowed) ? inf
            : c.allowed > 0                 ? c.error / c.allowed
            : c.error > 0                   ? inf
                                            : 0.0;
  return c;
}

}  // namespace mixprec::detail
