// Must not compile: a layout whose smallest subnormal 2^-150 lies below float's smallest
// subnormal 2^-149, which cannot be converted out to float exactly. With -DMIXPREC_OPT_IN the
// same layout with bias 140 (smallest subnormal 2^-149, the lowest accepted) must compile (the
// control that the failure is the diagnostic and nothing else).
#include <mixprec/format/arithmetic.hpp>

namespace mp = mixprec;

#if defined(MIXPREC_OPT_IN)
constexpr int bias = 140;
#else
constexpr int bias = 141;
#endif
using low =
    mp::floating<mp::formats::basic_format<5, 10, bias, true, true, mp::nan_style::ieee, true>>;

int main() {
  const low x = low::from_bits(1);  // the smallest subnormal
  return static_cast<float>(x) > 0 ? 0 : 1;
}
