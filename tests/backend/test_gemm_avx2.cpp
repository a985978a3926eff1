// test_gemm.cpp compiled for AVX2 + FMA + F16C without AVX-512 (see tests/CMakeLists.txt), so
// that the 6 x 16 AVX2 microkernel and the F16C conversions are the paths under test, as on a
// CPU without AVX-512.
#include <cpuid.h>

#include <cstdio>
#include <cstdlib>

namespace {
// Runs before doctest's main: without the instructions this executable is built for, it reports
// itself skipped (exit 77) instead of failing on an illegal instruction. CPUID leaf 1: FMA is
// ECX bit 12, F16C ECX bit 29; leaf 7: AVX2 is EBX bit 5.
[[maybe_unused]] const bool cpu_has_avx2 = [] {
  unsigned a = 0, b = 0, c = 0, d = 0;
  const bool fma_f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 12)) && (c & (1u << 29));
  const bool avx2 = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 5));
  if (!fma_f16c || !avx2) {
    std::puts("skipped: the CPU lacks AVX2, FMA or F16C");
    std::exit(77);
  }
  return true;
}();
}  // namespace

#include "backend/test_gemm.cpp"
