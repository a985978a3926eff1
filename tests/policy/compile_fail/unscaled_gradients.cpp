// Must not compile: fp16 activation gradients without loss scaling, without opting in. With
// -DMIXPREC_OPT_IN it must compile.
#include <mixprec/policy/policy.hpp>

namespace mp = mixprec;

using bad = mp::policy<mp::default_precision<mp::precision<mp::half, float, float>>,
                       mp::roles<mp::half, float, float, mp::half, float>
#if defined(MIXPREC_OPT_IN)
                       ,
                       mp::allow<mp::mistake::unscaled_narrow_gradients>
#endif
                       >;

int main() { return sizeof(mp::precision_for<bad, mp::ops::add>) == 1 ? 0 : 1; }
