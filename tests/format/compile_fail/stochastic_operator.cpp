// Must not compile: a plain operator of a stochastic type. Its random bits would come from the
// operands alone, so the same product would always round the same way. With -DMIXPREC_OPT_IN the
// product is taken from a stochastic_stream, which must compile (the control that the failure
// is the diagnostic and nothing else).
#include <mixprec/format/stochastic.hpp>

namespace mp = mixprec;

using bf16_sr = mp::floating<mp::formats::bf16, mp::rounding::stochastic>;

int main() {
  const bf16_sr a(1.5), b(2.5);
#if defined(MIXPREC_OPT_IN)
  mp::stochastic_stream s(42);
  const bf16_sr p = s.mul(a, b);
#else
  const bf16_sr p = a * b;
#endif
  return static_cast<float>(p) == 3.75f ? 0 : 1;
}
