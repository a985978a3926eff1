// Must not compile: a policy that accumulates matmuls in fp16 while computing in fp32, without
// opting in. With -DMIXPREC_OPT_IN it must compile (the control that the failure is the
// diagnostic and nothing else).
#include <mixprec/policy/policy.hpp>

namespace mp = mixprec;

using bad = mp::policy<mp::default_precision<mp::precision<float>>,
                       mp::rule<mp::ops::matmul, mp::precision<mp::half, float, mp::half>>,
                       mp::loss_scaling<mp::loss_scale::dynamic>
#if defined(MIXPREC_OPT_IN)
                       ,
                       mp::allow<mp::mistake::narrow_accumulation>
#endif
                       >;

int main() { return sizeof(mp::precision_for<bad, mp::ops::matmul>) == 1 ? 0 : 1; }
