// test_gemm.cpp compiled with -march=native (see tests/CMakeLists.txt), so that the AVX-512
// microkernels (and the AVX-512 BF16 dot-product kernel, where the CPU has it) are the paths
// under test.
#include "backend/test_gemm.cpp"
