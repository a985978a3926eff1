// Must not compile: accumulating into a stochastic type with +=. Bits drawn from the operands
// would round the same addition the same way every time, so a long sum stalls (10^6 terms of 1e-4
// gave 0.016 instead of 100). With -DMIXPREC_OPT_IN the sum runs through a stochastic_stream,
// which must compile (the control that the failure is the diagnostic and nothing else).
#include <mixprec/format/stochastic.hpp>

namespace mp = mixprec;

using bf16_sr = mp::floating<mp::formats::bf16, mp::rounding::stochastic>;

int main() {
  const bf16_sr term(1e-4);
  bf16_sr acc(0.0);
#if defined(MIXPREC_OPT_IN)
  mp::stochastic_stream s(42);
  for (int i = 0; i < 1000; ++i) acc = s.add(acc, term);
#else
  for (int i = 0; i < 1000; ++i) acc += term;
#endif
  return static_cast<float>(acc) > 0 ? 0 : 1;
}
