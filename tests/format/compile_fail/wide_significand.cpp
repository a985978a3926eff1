// Must not compile: a layout with more mantissa bits than float's 23, which the conversion engine
// cannot compute with exactly (basic_format<8, 40> once gave 1/3 * 1/3 = 4.2e-7). With
// -DMIXPREC_OPT_IN the widest accepted significand (23 bits, fp32's layout) must compile (the
// control that the failure is the diagnostic and nothing else).
#include <mixprec/format/arithmetic.hpp>

namespace mp = mixprec;

#if defined(MIXPREC_OPT_IN)
constexpr int mantissa_bits = 23;
#else
constexpr int mantissa_bits = 40;
#endif
using wide = mp::floating<
    mp::formats::basic_format<8, mantissa_bits, 127, true, true, mp::nan_style::ieee, true>>;

int main() {
  const wide third(1.0 / 3);
  return static_cast<double>(third * third) > 0.1 ? 0 : 1;
}
