// Must not compile: a layout whose largest finite value exceeds float's (bfloat16's layout
// without infinities or NaN reaches 2^128 * (2 - 2^-7)), which cannot be converted out to float
// exactly. With -DMIXPREC_OPT_IN the same layout with bias 128 (largest exponent 127, the highest
// accepted) must compile (the control that the failure is the diagnostic and nothing else).
#include <mixprec/format/arithmetic.hpp>

namespace mp = mixprec;

#if defined(MIXPREC_OPT_IN)
constexpr int bias = 128;
#else
constexpr int bias = 127;
#endif
using high =
    mp::floating<mp::formats::basic_format<8, 7, bias, true, false, mp::nan_style::none, true>>;

int main() {
  const high x(1.5);
  return static_cast<float>(x * x) == 2.25f ? 0 : 1;
}
