// test_bulk.cpp compiled with -march=native (see tests/CMakeLists.txt), so that the CPU's
// conversion instructions (F16C, AVX-512 BF16) are the paths under test.
#include "format/test_bulk.cpp"
