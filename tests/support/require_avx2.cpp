// Linked into the avx2 variants of the tests (see tests/CMakeLists.txt), which are compiled for
// AVX2 + FMA + F16C without AVX-512 so that the fast paths of CPUs without AVX-512 are tested on
// machines that have it too. This file is compiled for any x86-64 CPU: before any static
// initializer of the test runs (constructor priority 101), it reports the test skipped (exit 77)
// on a CPU without those instructions instead of letting it fail on an illegal instruction.
#include <cpuid.h>

#include <cstdio>
#include <cstdlib>

namespace {

// CPUID leaf 1: FMA is ECX bit 12, F16C ECX bit 29; leaf 7: AVX2 is EBX bit 5.
__attribute__((constructor(101))) void require_avx2() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  const bool fma_f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 12)) && (c & (1u << 29));
  const bool avx2 = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 5));
  if (!fma_f16c || !avx2) {
    std::puts("skipped: the CPU lacks AVX2, FMA or F16C");
    std::exit(77);
  }
}

}  // namespace
